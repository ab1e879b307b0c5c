//! The hostile-input corpus (`tests/corpus/`, plus a 5 MB ticket, a
//! 10,000-line body and a symlink out of the tree made here): for each file,
//! alone in a tree beside a good ticket, every command gives its documented
//! exit code, a malformed file gets one line naming it (and its line), no byte
//! of it changes, the good ticket still works, nothing panics, a terminal sees
//! no raw escape bytes, and the registry stays escaped Markdown.

use crate::util::{Tix, ticket};
use std::path::Path;

/// What a corpus file is.
enum Expect {
    /// A ticket tix reads and changes (its keys only).
    Valid,
    /// Reported by `sync --check` as malformed (line, message start); refused
    /// by every command that names it (exit 1).
    Malformed(Option<usize>, &'static str),
    /// Read fine, but its layout is not one tix can edit byte-exactly (exit 1).
    Unchangeable(&'static str),
    /// Not a ticket (not `.md`): ignored.
    Ignored,
}

fn expect(name: &str) -> Expect {
    use Expect::*;
    match name {
        "TIX-0011-broken-yaml.md" => Malformed(
            Some(4),
            "invalid YAML in the frontmatter: did not find expected ',' or ']'",
        ),
        "TIX-0012-no-closing.md" => Malformed(
            Some(1),
            "the frontmatter opened on line 1 has no closing `---` line",
        ),
        "TIX-0013-tabs.md" => Malformed(
            Some(3),
            "invalid YAML in the frontmatter: found a tab character",
        ),
        "TIX-0014-bom.md" | "TIX-0015-mixed-eol.md" | "TIX-0017-anchors.md" => Valid,
        "TIX-0016-duplicate-keys.md" => Malformed(
            Some(4),
            "invalid YAML in the frontmatter: duplicate entry with key \"title\"",
        ),
        "TIX-0018-billion-laughs.md" => Malformed(
            None,
            "invalid YAML in the frontmatter: repetition limit exceeded",
        ),
        "TIX-0019-latin1.md" => Malformed(Some(3), "not UTF-8 text"),
        "TIX-0020-binary.md" => Malformed(Some(2), "not UTF-8 text"),
        "TIX-0021-empty.md" => Malformed(Some(1), "the file is empty"),
        "TIX-0022-spaces and ünïcödé.md" | "TIX-0023-escapes.md" | "TIX-0024-markdown-html.md" => {
            Valid
        }
        "TIX-0025-flow-mapping.md" => Unchangeable("refusing to edit the frontmatter"),
        "TIX-0026-not-a-mapping.md" => {
            Malformed(Some(2), "the frontmatter is not a mapping of keys")
        }
        // No `id` key: the file name gives it.
        "TIX-0027-no-id.md" => Valid,
        "TIX-0028-wrong-id.md" => Malformed(Some(2), "id TIX-9999 does not match the file name"),
        "TIX-0029-unknown-status.md" => Malformed(Some(4), "unknown status \"someday\""),
        "TIX-0030-conflict.md" => Malformed(Some(4), "git left conflict markers"),
        // Markdown that is no ticket (no id in its name, frontmatter or
        // heading) is neither a ticket nor a problem.
        "notes.md" | "stray.txt" | "image.png" => Ignored,
        other => panic!("tests/corpus/{other}: say in tests/corpus.rs what tix must do with it"),
    }
}

/// A tree with the good TIX-0100 and `name` in `pending/`.
fn tree_with(name: &str, bytes: &[u8]) -> Tix {
    let t = Tix::tree().ticket(
        "pending",
        "TIX-0100-good.md",
        &ticket("TIX-0100", "pending", "", "- [x] ok\n"),
    );
    std::fs::write(t.path(&format!("tickets/pending/{name}")), bytes).unwrap();
    t
}

/// The number in a corpus file's name (`TIX-0023-…` → `23`).
fn number(name: &str) -> Option<String> {
    name.strip_prefix("TIX-")
        .map(|r| r[..4].trim_start_matches('0').to_string())
}

/// `tix list` on a pseudo-terminal (through `script`), where output is for a
/// person: no escape byte from a ticket may reach it. `None` without `script`.
fn on_a_terminal(t: &Tix, args: &str) -> Option<String> {
    let bin = env!("CARGO_BIN_EXE_tix");
    let out = std::process::Command::new("script")
        .args(["-qec", &format!("{bin} --root tickets {args}"), "/dev/null"])
        .current_dir(t.root())
        .env("NO_COLOR", "1")
        .env("TIX_NOW", crate::util::NOW)
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn check(name: &str, bytes: &[u8], how: Expect) {
    let t = tree_with(name, bytes);
    let rel = format!("tickets/pending/{name}");
    let r = t.run(&["sync"]).code(0);
    assert!(!r.stderr.contains("panicked"));
    let id = number(name);
    match &how {
        Expect::Malformed(line, message) => {
            let r = t.run(&["sync", "--check"]).code(6);
            let at = line.map(|l| format!(":{l}")).unwrap_or_default();
            let want = format!("{rel}{at}: malformed: {message}");
            let problems: Vec<&str> = r
                .stdout
                .lines()
                .filter(|l| !l.contains("registry_"))
                .collect();
            assert!(
                problems.iter().any(|l| l.starts_with(&want)),
                "{name}: want {want}\n{}",
                r.stdout
            );
            if let Some(id) = &id {
                let r = t.run(&["start", id]).code(1);
                assert_eq!(
                    r.stderr.lines().count(),
                    1,
                    "{name}: one line\n{}",
                    r.stderr
                );
                assert!(
                    r.stderr.starts_with(&format!("tix: {rel}{at}: ")),
                    "{name}: {}",
                    r.stderr
                );
                t.run(&["complete", id]).code(1);
                t.run(&["show", id]).code(1);
            }
        }
        Expect::Unchangeable(message) => {
            t.run(&["sync", "--check"]).code(0);
            let id = id.as_deref().unwrap();
            t.run(&["start", id])
                .code(1)
                .stderr_has(&format!("tix: {rel}:"))
                .stderr_has(message);
            t.run(&["show", id]).code(0);
        }
        Expect::Valid => {
            t.run(&["sync", "--check"]).code(0);
            t.run(&["show", id.as_deref().unwrap(), "--json"]).code(0);
        }
        Expect::Ignored => {
            t.run(&["sync", "--check"]).code(0);
        }
    }
    // Whatever tix could not change is byte for byte as it was.
    if !matches!(how, Expect::Valid) {
        assert_eq!(
            std::fs::read(t.path(&rel)).unwrap(),
            bytes,
            "{name} changed"
        );
    }
    // The other ticket still works; no read command fails or panics.
    for args in [
        &["status"][..],
        &["status", "--json"],
        &["list"],
        &["list", "--json"],
        &["history"],
        &["doctor"],
        &["next"],
    ] {
        let r = t.run(args);
        assert!(
            [0, 6].contains(&r.code) && !r.stderr.contains("panicked"),
            "{name}: {args:?}: {r:?}"
        );
    }
    t.run(&["start", "100"]).code(0);
    if let Some(id) = &id
        && matches!(how, Expect::Valid)
    {
        t.run(&["start", id]).code(0);
    }
    t.run(&["sync", "--check"])
        .code(if matches!(how, Expect::Malformed(..)) {
            6
        } else {
            0
        });
    // The registry escapes whatever a ticket says.
    let reg = t.read("tickets/TICKET_REGISTRY.md");
    assert!(
        !reg.contains('\u{1b}') && !reg.contains("<script>") && !reg.contains('\u{202e}'),
        "{name}: {reg}"
    );
    // A terminal never gets a raw escape byte from a ticket.
    if let Some(screen) = on_a_terminal(&t, "list") {
        assert!(
            !screen.contains('\u{1b}') && !screen.contains('\u{202e}'),
            "{name}: {screen:?}"
        );
    }
    // `doctor --fix` repairs what it can and leaves a malformed file to a
    // person, byte for byte; the one git conflict it settles is kept aside.
    let settles = name == "TIX-0030-conflict.md";
    let malformed = matches!(how, Expect::Malformed(..)) && !settles;
    let r = t
        .run(&["doctor", "--fix"])
        .code(if malformed { 6 } else { 0 });
    if malformed {
        assert!(
            r.stdout.contains(&rel) && r.stdout.contains("left as it is"),
            "{name}: {}",
            r.stdout
        );
    }
    if settles {
        let kept = crate::util::conflicts(&t);
        assert_eq!(kept.len(), 1, "{name}");
        assert_eq!(kept[0].1.as_bytes(), bytes, "{name}: kept aside as it was");
        assert_eq!(
            t.read(&rel),
            "---\nid: TIX-0030\ntitle: t\nstatus: pending\n---\n",
            "{name}: the side of HEAD (no `updated` on either)"
        );
    } else if !matches!(how, Expect::Valid) {
        assert_eq!(
            std::fs::read(t.path(&rel)).unwrap(),
            bytes,
            "{name} changed by doctor --fix"
        );
    }
    t.run(&["sync", "--check"])
        .code(if malformed { 6 } else { 0 });
}

#[test]
fn every_corpus_file_gets_its_documented_treatment() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 20, "{names:?}");
    for name in names {
        let bytes = std::fs::read(dir.join(&name)).unwrap();
        check(&name, &bytes, expect(&name));
    }
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped the terminal checks: `script` (util-linux) is not installed");
    }
}

#[test]
fn a_5_mb_ticket_and_a_10000_line_body_work() {
    let big = format!(
        "---\nid: TIX-0040\ntitle: big\nstatus: pending\n---\n{}",
        "x".repeat(5 * 1024 * 1024)
    );
    check("TIX-0040-five-megabytes.md", big.as_bytes(), Expect::Valid);
    let long: String = (0..10_000).map(|i| format!("- [x] line {i}\n")).collect();
    let text = format!(
        "---\nid: TIX-0041\ntitle: long\nstatus: in_progress\n---\n{long}- [ ] the last one\n"
    );
    let t = Tix::tree().ticket("in-progress", "TIX-0041-long.md", &text);
    let r = t.run(&["complete", "41"]).code(4);
    assert_eq!(
        r.stderr,
        "tix: tickets/in-progress/TIX-0041-long.md:10006: cannot complete TIX-0041: unchecked box \"- [ ] the last one\"\n"
    );
    let show = t.run(&["show", "41", "--json"]).code(0).json();
    assert_eq!(
        show["progress"],
        serde_json::json!({"done": 10000, "total": 10001})
    );
}

#[test]
fn a_symlink_out_of_the_tree_is_never_followed() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("TIX-0050.md");
    let text = ticket("TIX-0050", "pending", "", "");
    std::fs::write(&target, &text).unwrap();
    let t = Tix::tree().ticket(
        "pending",
        "TIX-0100-good.md",
        &ticket("TIX-0100", "pending", "", ""),
    );
    t.run(&["sync"]).code(0);
    std::os::unix::fs::symlink(&target, t.path("tickets/pending/TIX-0050-link.md")).unwrap();
    std::os::unix::fs::symlink(outside.path(), t.path("tickets/pending/TIX-0051-dir.md")).unwrap();
    for args in [
        &["start", "50"][..],
        &["move", "50", "completed", "--force"],
        &["doctor", "--fix"],
        &["sync"],
    ] {
        let r = t.run(args);
        assert!(!r.stderr.contains("panicked"), "{r:?}");
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), text);
    assert_eq!(
        std::fs::read_dir(outside.path()).unwrap().count(),
        1,
        "nothing written outside"
    );
    assert!(
        std::fs::symlink_metadata(t.path("tickets/pending/TIX-0050-link.md"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    t.run(&["start", "100"]).code(0);
}
