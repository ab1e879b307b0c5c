//! Bad input: a clear one-line error naming the file, the documented exit code,
//! every file untouched, never a panic.

use crate::util::{Run, Tix, ticket};

fn broken_tree() -> Tix {
    Tix::tree()
        .ticket(
            "pending",
            "TIX-0001-good.md",
            &ticket("TIX-0001", "pending", "", "- [x] ok\n"),
        )
        .ticket(
            "pending",
            "TIX-0002-yaml.md",
            "---\nid: TIX-0002\ntitle: [unclosed\nstatus: pending\n---\n",
        )
        // No frontmatter is fine (bold fields are read); an unknown status is not.
        .ticket(
            "pending",
            "TIX-0003-nofm.md",
            "# Fix it\n\n**Status:** Someday\n",
        )
        .ticket(
            "pending",
            "TIX-0004-noclose.md",
            "---\nid: TIX-0004\ntitle: never closed\n",
        )
        // Without an `id` key the file name gives it; an id that is no value does not.
        .ticket(
            "pending",
            "TIX-0005-noid.md",
            "---\nid: [TIX-0005]\ntitle: a list\n---\n",
        )
        .ticket(
            "pending",
            "TIX-0006-mismatch.md",
            &ticket("TIX-0066", "pending", "", ""),
        )
        .ticket(
            "pending",
            "TIX-0007-dup.md",
            &ticket("TIX-0007", "pending", "", ""),
        )
        .ticket(
            "completed",
            "TIX-0007-dup.md",
            &ticket("TIX-0007", "completed", "", ""),
        )
        .ticket(
            "pending",
            "TIX-0008-status.md",
            &ticket("TIX-0008", "someday", "", ""),
        )
        .ticket("pending", "TIX-0009-binary.md", "\u{0}\u{1}\u{2}binary")
        .ticket("pending", "TIX-0010-empty.md", "")
        .ticket("pending", "notes.md", "stray file\n")
        .ticket("pending", "image.png", "not markdown")
}

#[test]
fn malformed_tickets_are_named_with_their_line_and_left_untouched() {
    let t = broken_tree();
    let before = t.snapshot();
    let r = t.run(&["start", "2"]).code(1);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("tix: tickets/pending/TIX-0002-yaml.md:4: invalid YAML"),
        "{}",
        r.stderr
    );
    t.run(&["start", "3"])
        .code(1)
        .stderr_has("tickets/pending/TIX-0003-nofm.md:3: unknown status \"Someday\"");
    t.run(&["start", "4"])
        .code(1)
        .stderr_has("TIX-0004-noclose.md:1: the frontmatter opened on line 1 has no closing");
    t.run(&["start", "5"])
        .code(1)
        .stderr_has("TIX-0005-noid.md:2: `id` must be a single value");
    t.run(&["start", "8"]).code(1).stderr_has(
        "TIX-0008-status.md:4: unknown status \"someday\" (expected pending, in_progress, \
             completed, archived, in any case, or a folder's name or an alias)",
    );
    t.run(&["start", "7"])
        .code(1)
        .stderr_has("ticket id 7 is used by 2 files");
    t.run(&["start", "66"]).code(3);
    let r = t.run(&["start", "6"]).code(1);
    assert!(
        r.stderr
            .contains("TIX-0006-mismatch.md:2: id TIX-0066 does not match the file name"),
        "{}",
        r.stderr
    );
    assert_eq!(t.snapshot(), before, "no file changed");
    // The good ticket still works.
    t.run(&["start", "1"]).code(0);
    t.run(&["complete", "1"]).code(0);
}

#[test]
fn sync_check_lists_every_problem_and_exits_6() {
    let t = broken_tree();
    let before = t.snapshot();
    let r = t.run(&["sync", "--check", "--json"]).code(6);
    let j = r.json();
    assert_eq!(j["ok"], false);
    let probs: Vec<(String, String)> = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap().into(),
                p["path"].as_str().unwrap().into(),
            )
        })
        .collect();
    for (kind, path) in [
        ("malformed", "pending/TIX-0002-yaml.md"),
        ("malformed", "pending/TIX-0003-nofm.md"),
        ("malformed", "pending/TIX-0004-noclose.md"),
        ("malformed", "pending/TIX-0005-noid.md"),
        ("malformed", "pending/TIX-0006-mismatch.md"),
        ("duplicate_id", "pending/TIX-0007-dup.md"),
        ("duplicate_id", "completed/TIX-0007-dup.md"),
        ("malformed", "pending/TIX-0008-status.md"),
        ("malformed", "pending/TIX-0009-binary.md"),
        ("malformed", "pending/TIX-0010-empty.md"),
        ("registry_missing", "TICKET_REGISTRY.md"),
    ] {
        assert!(
            probs.contains(&(kind.into(), path.into())),
            "{kind} {path} missing from {probs:?}"
        );
    }
    assert!(
        !probs.iter().any(|(_, p)| p.ends_with("notes.md")),
        "a markdown file that is no ticket is no problem: {probs:?}"
    );
    assert_eq!(t.snapshot(), before, "--check changes nothing");
    // Plain sync still regenerates the registry, warning about each bad file.
    let r = t.run(&["sync"]).code(0);
    assert!(r.stderr.contains("warning: tickets/pending/TIX-0002-yaml.md:4: invalid YAML in the frontmatter: did not find expected ',' or ']', while parsing a flow sequence\n"), "{}", r.stderr);
    let r = t.run(&["sync", "--check"]).code(6);
    assert_eq!(r.stdout.lines().count(), 10, "{}", r.stdout);
}

#[test]
fn hostile_ids_are_refused_before_any_path_is_built() {
    let t = Tix::tree().ticket(
        "pending",
        "TIX-0001.md",
        &ticket("TIX-0001", "pending", "", ""),
    );
    let before = t.snapshot();
    let long = "A".repeat(5000);
    for bad in [
        "../x",
        "TIX-1/../..",
        "/etc/passwd",
        "",
        "TIX-1\n",
        long.as_str(),
    ] {
        for cmd in ["start", "complete", "show"] {
            let r = t.run(&[cmd, bad]);
            assert_eq!(r.code, 2, "{cmd} {bad:?}: {}", r.stderr);
            assert!(!r.stderr.contains("panicked"));
        }
    }
    t.run(&["move", "../x", "pending"]).code(2);
    t.run(&["new", "x", "--depends-on", "../../x"]).code(2);
    assert_eq!(t.snapshot(), before);
}

#[test]
fn unknown_ids_exit_3_with_close_matches() {
    let t = Tix::tree()
        .ticket(
            "pending",
            "TIX-0035.md",
            &ticket("TIX-0035", "pending", "", ""),
        )
        .ticket(
            "pending",
            "TIX-0035a.md",
            &ticket("TIX-0035a", "pending", "", ""),
        );
    t.run(&["start", "TIX-0036"])
        .code(3)
        .stderr_has("no ticket TIX-0036 (did you mean one of TIX-0035, TIX-0035a?)");
    t.run(&["show", "TIX-35"]).code(0);
    let j = t.run(&["show", "tix-0035A", "--json"]).code(0).json();
    assert_eq!(j["id"], "TIX-0035a");
    t.run(&["show", "FW-35"]).code(3).stderr_has("did you mean");
}

#[test]
fn no_command_panics_on_a_broken_tree() {
    let t = broken_tree()
        .ticket("in-progress", "TIX-0020-bomb.md", "---\nid: TIX-0020\na: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n---\n")
        .ticket("in-progress", "TIX-0021-tabs.md", "---\nid: TIX-0021\n\ttitle: tab\n---\n")
        .ticket("in-progress", "TIX-0022-dupkey.md", "---\nid: TIX-0022\nid: TIX-0022\n---\n")
        .ticket("in-progress", "TIX-0023 spaces ü.md", &ticket("TIX-0023", "in_progress", "", ""));
    std::fs::write(
        t.path("tickets/pending/TIX-0024-latin1.md"),
        b"---\nid: TIX-0024\ntitle: caf\xe9\n---\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("/etc/hostname", t.path("tickets/pending/TIX-0025-link.md"))
        .unwrap();
    let runs: Vec<Vec<&str>> = vec![
        vec!["status"],
        vec!["status", "--json"],
        vec!["list"],
        vec!["list", "--json"],
        vec!["list", "--status", "in-progress"],
        vec!["show", "20"],
        vec!["show", "23", "--json"],
        vec!["show", "24"],
        vec!["show", "25"],
        vec!["history"],
        vec!["history", "--json"],
        vec!["sync", "--check"],
        vec!["sync"],
        vec!["start", "20"],
        vec!["complete", "21"],
        vec!["complete", "23"],
        vec!["move", "22", "pending"],
        vec!["new", "still works"],
        vec!["init", "tickets"],
    ];
    for args in runs {
        let r = t.run(&args);
        assert!(!r.stderr.contains("panicked"), "{args:?}: {}", r.stderr);
        assert!(
            [0, 1, 3, 4, 6].contains(&r.code),
            "{args:?} exited {}: {}",
            r.code,
            r.stderr
        );
    }
    let check = t.run(&["sync", "--check"]).code(6).stdout;
    assert!(
        check.contains("TIX-0025-link.md: malformed: a symlink that leaves the root"),
        "{check}"
    );
    assert!(
        check.contains("TIX-0024-latin1.md:3: malformed: not UTF-8"),
        "{check}"
    );
    assert!(check.contains("TIX-0020-bomb.md"), "{check}");
    assert_eq!(
        std::fs::read_link(t.path("tickets/pending/TIX-0025-link.md"))
            .unwrap()
            .to_str(),
        Some("/etc/hostname")
    );
}

#[test]
fn outside_a_tree_is_a_clear_error() {
    let t = Tix::empty();
    t.run(&["status"]).code(1).stderr_has("no tix tree found");
    t.run(&["--root", "nowhere", "list"])
        .code(1)
        .stderr_has("nowhere: no tix.yaml here");
}

#[test]
fn an_invalid_tix_yaml_names_the_key_and_line() {
    let t = Tix::tree().file("tickets/tix.yaml", "id_prefix: TIX\nlock_timout_secs: 3\n");
    let r = t.run(&["status"]).code(1);
    assert!(
        r.stderr
            .starts_with("tix: tickets/tix.yaml:2: unknown field `lock_timout_secs`"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1);
}

#[test]
fn titles_with_escape_sequences_reach_the_terminal_only_escaped() {
    let t = Tix::tree().ticket(
        "pending",
        "TIX-0001.md",
        "---\nid: TIX-0001\ntitle: \"evil \\e]52;c;ZXZpbA==\\a \\e[31mred\"\n---\n",
    );
    let r = t.run(&["start", "1"]).code(0);
    assert!(!r.stderr.contains('\u{1b}'));
    let reg = t.read("tickets/TICKET_REGISTRY.md");
    assert!(!reg.contains('\u{1b}'), "{reg}");
    // Piped output carries the real bytes (like fd); --json escapes them.
    let j = t.run(&["list", "--json"]).code(0);
    assert!(!j.stdout.contains('\u{1b}'));
    assert_eq!(
        j.json()[0]["title"],
        "evil \u{1b}]52;c;ZXZpbA==\u{7} \u{1b}[31mred"
    );
}

#[test]
fn an_error_is_one_line_whatever_its_path_holds() {
    // Review finding: a newline in --root made the error three lines.
    let t = Tix::tree();
    let r = t.run(&["--root", "/tmp/x\ny", "status"]).code(1);
    assert_eq!(
        r.stderr,
        "tix: /tmp/x\\u{a}y: no tix.yaml here (run `tix init /tmp/x\\u{a}y` to create a tree)\n"
    );
}

#[test]
fn usage_errors_are_one_line_with_the_usage() {
    let t = Tix::tree();
    let r = t.run(&["show"]).code(2);
    assert_eq!(
        r.stderr,
        "tix: the following required arguments were not provided: <ID>; \
         usage: tix show <ID> (see `tix show --help`)\n"
    );
    let r = t.run(&["start", "--bogus", "1"]).code(2);
    assert_eq!(
        r.stderr,
        "tix: unexpected argument '--bogus' found (tip: to pass '--bogus' as a value, \
         use '-- --bogus'); usage: tix start [OPTIONS] <ID> (see `tix start --help`)\n"
    );
    let r = t.run(&["stats"]).code(2);
    assert_eq!(
        r.stderr,
        "tix: unrecognized subcommand 'stats' (tip: some similar subcommands exist: \
         'start', 'status'); usage: tix [OPTIONS] <COMMAND> (see `tix --help`)\n"
    );
    // clap itself takes escape sequences out of the value it quotes.
    let r = t.run(&["show", "TIX-1\u{1b}[2J"]).code(2);
    assert_eq!(
        r.stderr,
        "tix: invalid value 'TIX-1' for '<ID>': not a ticket id: expected an id \
         like TIX-0007 or its number\n"
    );
    // A tip in brackets keeps its own brackets.
    let r = t.run(&["--color", "sometimes", "list"]).code(2);
    assert_eq!(
        r.stderr,
        "tix: invalid value 'sometimes' for '--color <WHEN>' [possible values: auto, always, never]\n"
    );
    // Help and the version are answers, not errors.
    assert_eq!(t.run(&["--version"]).code(0).stdout, "tix 0.1.0\n");
    assert!(
        t.run(&["show", "--help"])
            .code(0)
            .stdout
            .contains("Usage: tix show")
    );
}

#[test]
fn a_number_two_prefixes_share_is_ambiguous_not_a_duplicate() {
    let t = Tix::tree()
        .ticket(
            "pending",
            "BUG-0012.md",
            &ticket("BUG-0012", "pending", "", ""),
        )
        .ticket(
            "pending",
            "OPS-0012.md",
            &ticket("OPS-0012", "pending", "", ""),
        );
    t.run(&["sync"]).code(0);
    let before = t.snapshot();
    for cmd in [
        &["show", "12"][..],
        &["start", "12"],
        &["move", "12", "completed"],
    ] {
        let r = t.run(cmd).code(2);
        assert_eq!(
            r.stderr,
            "tix: 12 is ambiguous: it is the number of BUG-0012 (tickets/pending/BUG-0012.md), \
             OPS-0012 (tickets/pending/OPS-0012.md); give the full id\n",
            "{cmd:?}"
        );
    }
    // The number as it was typed.
    let r = t.run(&["show", "0012"]).code(2);
    assert!(
        r.stderr.starts_with("tix: 0012 is ambiguous: "),
        "{}",
        r.stderr
    );
    let r = t.run(&["new", "x", "--depends-on", "12"]).code(2);
    assert!(
        r.stderr
            .starts_with("tix: --depends-on 12: 12 is ambiguous"),
        "{}",
        r.stderr
    );
    assert_eq!(t.snapshot(), before, "nothing written");
    t.run(&["sync", "--check"]).code(0);
    t.run(&["show", "OPS-12"]).code(0).stdout_has("OPS-0012");
}

#[test]
fn new_refuses_empty_titles_and_names_the_flag_of_a_bad_dependency() {
    let t = Tix::tree();
    let before = t.snapshot();
    for title in ["", "   ", "\t"] {
        let r = t.run(&["new", title]).code(2);
        assert_eq!(
            r.stderr,
            "tix: the title is empty: say what the ticket is about (tix new \"Fix the login loop\")\n"
        );
    }
    let r = t.run(&["new", "two\nlines"]).code(2);
    assert_eq!(
        r.stderr,
        "tix: the title must be one line of text without control characters (it has \\u{a})\n"
    );
    let r = t.run(&["new", "Depends", "--depends-on", "99"]).code(3);
    assert_eq!(r.stderr, "tix: --depends-on 99: no ticket 99\n");
    // A dependency that cannot be read is named with its flag too.
    t.write(
        "tickets/pending/TIX-0009-bad.md",
        "---\nid: TIX-0009\ntitle: [x\n---\n",
    );
    let r = t.run(&["new", "Depends", "--depends-on", "9"]).code(1);
    assert_eq!(
        r.stderr,
        "tix: --depends-on 9: tickets/pending/TIX-0009-bad.md:4: invalid YAML in the frontmatter: \
         did not find expected ',' or ']', while parsing a flow sequence\n"
    );
    std::fs::remove_file(t.path("tickets/pending/TIX-0009-bad.md")).unwrap();
    let r = t.run(&["new", "Depends", "--depends-on", "../x"]).code(2);
    assert!(r.stderr.contains("'--depends-on <ID>'"), "{}", r.stderr);
    assert_eq!(t.snapshot(), before, "nothing written");
}

#[test]
fn slugs_keep_letters_of_every_script() {
    let t = Tix::tree();
    let r = t.run(&["new", "  🚀 Launch 🎉 día café 日本語  "]).code(0);
    assert_eq!(r.stdout, "TIX-0001\n");
    let text = t.read("tickets/pending/TIX-0001-launch-día-café-日本語.md");
    assert!(
        text.contains("\ntitle: 🚀 Launch 🎉 día café 日本語\n"),
        "trimmed: {text}"
    );
}

/// A file found by listing is opened and read in one go (no stat by name
/// first): a FIFO, a folder or a link with a ticket's name is not waited
/// on or read as one, a link to a ticket inside the root is read through,
/// and every read says the same, with an index or without one.
#[test]
fn a_fifo_a_folder_and_a_link_named_like_tickets_are_read_as_before() {
    let t = Tix::tree().ticket(
        "pending",
        "TIX-0001-real.md",
        &ticket("TIX-0001", "pending", "", "- [ ] one\n"),
    );
    let made = std::process::Command::new("mkfifo")
        .arg(t.path("tickets/pending/TIX-0002-pipe.md"))
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    std::fs::create_dir(t.path("tickets/pending/TIX-0003-folder.md")).unwrap();
    t.write(
        "tickets/pending/TIX-0004-source.txt",
        &ticket("TIX-0004", "pending", "", ""),
    );
    std::os::unix::fs::symlink(
        "TIX-0004-source.txt",
        t.path("tickets/pending/TIX-0004-link.md"),
    )
    .unwrap();
    // Within a timeout: a FIFO opened to be read would wait for a writer.
    let run = |args: &[&str]| {
        Run::of(
            t.command(args)
                .timeout(std::time::Duration::from_secs(30))
                .output()
                .unwrap(),
        )
    };
    let paths = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x["path"].as_str().unwrap().to_string())
            .collect()
    };
    // Only the registry is behind: the link is read through, the FIFO and
    // the folder are no tickets.
    let check = run(&["sync", "--check", "--json"]).code(6).json();
    assert_eq!(paths(&check["problems"]), ["TICKET_REGISTRY.md"], "{check}");
    run(&["sync"]).code(0);
    let listed = || paths(&run(&["list", "--json"]).code(0).json());
    let with_index = listed();
    assert_eq!(
        with_index,
        ["pending/TIX-0001-real.md", "pending/TIX-0004-link.md"]
    );
    std::fs::remove_file(t.path("tickets/.tix/index")).unwrap();
    assert_eq!(listed(), with_index);
}
