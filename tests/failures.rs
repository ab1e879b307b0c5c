//! A write that fails (permission denied, a full disk) is taken back before
//! tix exits: tickets, registry, index, audit log and id counter are as they
//! were, the error is one line naming the file and the cause, and the next
//! command works. Failures are made three ways: failpoints that fail each
//! step as a full disk does (debug builds), folders tix may not write, and a
//! real full filesystem (a small tmpfs, where the test may mount one).

use crate::util::{Run, Tix, ticket, without_failpoints};
use std::collections::BTreeMap;

/// Each writing command, as `(name, args)`; `hook` sends a payload that
/// starts TIX-0007.
const COMMANDS: &[(&str, &[&str])] = &[
    ("start", &["start", "7"]),
    ("complete", &["complete", "6", "--force"]),
    ("move", &["move", "13", "completed", "--force"]),
    ("new", &["new", "Write the docs"]),
    ("next --claim", &["next", "--claim"]),
    ("sync", &["sync"]),
    ("hook", &["hook"]),
];

/// The example tree, synced, with one misplaced ticket for `sync` to move.
fn tree() -> Tix {
    let t = Tix::example();
    t.run(&["sync"]).code(0);
    t.write(
        "tickets/pending/TIX-0014-misplaced.md",
        &ticket("TIX-0014", "completed", "", ""),
    );
    // Read once, so the index is as fresh as a command leaves it.
    t.run(&["status"]).code(0);
    t
}

/// The tree's files, and tix's state, each with its bytes.
type State = (BTreeMap<String, Vec<u8>>, BTreeMap<String, Vec<u8>>);

/// What must be as before: every file of the tree, and tix's state but its
/// scratch files (the lock's holder line, a blank journal, the spare
/// inodes) and the hook's own files.
fn state(t: &Tix) -> State {
    let mut state = t.state_snapshot();
    state.retain(|k, v| !scratch(k, v));
    (t.snapshot(), state)
}

/// A file of tix's own that may differ after a change taken back: the
/// lock's holder line, a blank journal, a spare inode, the hook's files.
fn scratch(name: &str, bytes: &[u8]) -> bool {
    ["lock", "hook.log", "runs.json"].contains(&name)
        || name.ends_with(".spare")
        || (name == "journal.json" && bytes.iter().all(u8::is_ascii_whitespace))
}

/// Asserts that the tree and tix's state are byte for byte `before`.
#[track_caller]
fn as_before(t: &Tix, before: &State, what: &str) {
    let after = state(t);
    assert_eq!(
        differ(&after.0, &before.0),
        Vec::<&String>::new(),
        "{what}: the tree"
    );
    assert_eq!(
        differ(&after.1, &before.1),
        Vec::<&String>::new(),
        "{what}: .tix/"
    );
}

/// The paths whose bytes differ between two snapshots.
fn differ<'a>(
    a: &'a BTreeMap<String, Vec<u8>>,
    b: &'a BTreeMap<String, Vec<u8>>,
) -> Vec<&'a String> {
    a.keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn run(t: &Tix, name: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    if name == "hook" {
        return t.hook(&t.payload("pre-agent-tix7.json"), env);
    }
    let mut c = t.command(args);
    for (k, v) in env {
        c.env(k, v);
    }
    Run::of(c.output().unwrap())
}

#[test]
fn a_step_that_fails_as_a_full_disk_does_is_taken_back() {
    if without_failpoints() {
        return;
    }
    for step in ["write", "counter", "remove", "event", "registry"] {
        for (name, args) in COMMANDS {
            let t = tree();
            let before = state(&t);
            let fail = format!("full:{step}");
            let r = run(&t, name, args, &[("TIX_FAILPOINT", &fail)]);
            let what = format!("{name} failing at {step}");
            // A new ticket has no source to remove; only `new` gives out
            // a number: nothing fails there.
            if (*name, step) == ("new", "remove") || (*name != "new" && step == "counter") {
                assert_eq!(r.code, 0, "{what}: {r:?}");
                continue;
            }
            assert_eq!(r.code, if *name == "hook" { 0 } else { 1 }, "{what}: {r:?}");
            assert_eq!(r.stderr.lines().count(), 1, "{what}: {:?}", r.stderr);
            assert!(
                r.stderr
                    .contains("No space left on device (os error 28); nothing was changed"),
                "{what}: {:?}",
                r.stderr
            );
            let file = match step {
                "event" => ".tix/events.jsonl",
                "counter" => ".tix/last-id",
                "registry" => "TICKET_REGISTRY.md",
                _ => "tickets/",
            };
            assert!(
                r.stderr.contains(file),
                "{what} names {file}: {:?}",
                r.stderr
            );
            as_before(&t, &before, &what);
            // The next command, unrelated, works; the tree is consistent.
            t.run(&["start", "11"]).code(0);
            t.run(&["sync", "--check"]).code(6); // the misplaced ticket, when sync failed
            t.run(&["sync"]).code(0);
            t.run(&["sync", "--check"]).code(0);
        }
    }
}

/// A file that another program puts where the change's file is going,
/// after tix looked and before its rename: the rename fails (it never
/// writes over a file), and taking the change back leaves that file alone.
#[test]
fn a_file_that_appears_at_the_destination_is_left_alone() {
    if without_failpoints() {
        return;
    }
    for (name, args, dst) in [
        (
            "new",
            &["new", "Write the docs"][..],
            "tickets/pending/TIX-0015-write-the-docs.md",
        ),
        (
            "start",
            &["start", "7"][..],
            "tickets/in-progress/TIX-0007-fix-login-redirect-loop.md",
        ),
    ] {
        let t = tree();
        let before = state(&t);
        let r = run(&t, name, args, &[("TIX_FAILPOINT", "taken-before-rename")]);
        assert_eq!(r.code, 1, "{name}: {r:?}");
        assert_eq!(
            r.stderr,
            format!("tix: failed to write {dst}: File exists (os error 17); nothing was changed\n"),
            "{name}"
        );
        assert_eq!(
            t.read(dst),
            "made meanwhile\n",
            "{name}: the other file stays"
        );
        std::fs::remove_file(t.path(dst)).unwrap();
        as_before(&t, &before, name);
    }
}

/// On a filesystem without `RENAME_NOREPLACE` the new file is linked to its
/// name, then its old name removed: once linked the change has landed, even
/// when that removal fails (it was taken back before, leaving the ticket in
/// both folders and nothing logged).
#[test]
fn a_move_lands_by_a_link_when_rename_cannot_refuse_to_replace() {
    if without_failpoints() {
        return;
    }
    let t = Tix::example();
    t.run(&["sync"]).code(0);
    // A start first, so that the next ones reuse its source's inode (the
    // spare), the path that links.
    t.run(&["start", "9"]).code(0);
    for (fail, id, name) in [
        ("link", "7", "TIX-0007-fix-login-redirect-loop.md"),
        ("full:link-unlink", "11", "TIX-0011-export-invoices-csv.md"),
    ] {
        assert!(t.exists("tickets/.tix/ticket.spare"), "{fail}");
        let r = run(&t, "start", &["start", id], &[("TIX_FAILPOINT", fail)]);
        assert_eq!(r.code, 0, "{fail}: {r:?}");
        assert!(!t.exists(&format!("tickets/pending/{name}")), "{fail}");
        let moved = t.read(&format!("tickets/in-progress/{name}"));
        assert!(moved.contains("status: in_progress"), "{fail}: {moved}");
        let last = t.events().last().cloned().unwrap();
        assert_eq!(
            (last["action"].as_str(), last["ticket"].as_str()),
            (Some("start"), Some(format!("TIX-{id:0>4}").as_str())),
            "{fail}"
        );
        t.run(&["sync", "--check"]).code(0);
    }
}

/// A change in place whose rename fails, the file saved by someone
/// meanwhile: that save stays (taking the change back wrote the old bytes
/// over it before).
#[test]
fn a_save_made_while_a_change_in_place_fails_stays() {
    if without_failpoints() {
        return;
    }
    let t = tree();
    let path = "tickets/pending/TIX-0007-fix-login-redirect-loop.md";
    let events = t.events();
    let fail = [("TIX_FAILPOINT", "full:saved-then-rename")];
    let r = run(&t, "set", &["set", "7", "priority=low"], &fail);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr
            .starts_with(&format!("tix: failed to write {path}: ")),
        "{r:?}"
    );
    assert_eq!(t.read(path), "saved meanwhile\n");
    assert_eq!(t.events(), events);
    assert!(!t.journal_pending());
}

/// Folders and files tix may not write, as a user whom permissions stop.
#[test]
fn a_write_refused_by_permissions_is_taken_back() {
    use std::os::unix::fs::PermissionsExt;
    let read_only = |t: &Tix, rel: &str| {
        let p = t.path(rel);
        let mode = if p.is_dir() { 0o555 } else { 0o444 };
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    // (what is read-only, the command, the file its error names, an unrelated
    // command that works after)
    let cases: &[(&str, &[&str], &str, &[&str])] = &[
        (
            "tickets/in-progress",
            &["start", "7"],
            "failed to write tickets/in-progress/TIX-0007",
            &["move", "11", "completed", "--force"],
        ),
        (
            "tickets/pending",
            &["start", "7"],
            "failed to remove tickets/pending/TIX-0007",
            &["complete", "8", "--force"],
        ),
        (
            "tickets/pending",
            &["new", "x"],
            "tickets/pending/TIX-0014-x.md",
            &["complete", "6", "--force"],
        ),
        (
            "tickets/.tix/events.jsonl",
            &["complete", "8", "--force"],
            "failed to append to .tix/events.jsonl",
            &["list"],
        ),
        (
            "tickets",
            &["move", "13", "completed", "--force"],
            "failed to write tickets/TICKET_REGISTRY.md",
            &["show", "13"],
        ),
    ];
    for (locked, args, names, next) in cases {
        let t = Tix::example();
        t.run(&["sync"]).code(0);
        t.run(&["start", "9"]).code(0);
        read_only(&t, locked);
        let what = format!("{args:?} with {locked} read-only");
        // Read once as that user: the index notes the folder's new mode.
        let Some(r) = t.run_unprivileged(&["status"]) else {
            return;
        };
        assert_eq!(r.code, 0, "{what}: status {r:?}");
        let before = state(&t);
        let r = t.run_unprivileged(args).unwrap();
        assert_eq!(r.code, 1, "{what}: {r:?}");
        assert_eq!(r.stderr.lines().count(), 1, "{what}: {:?}", r.stderr);
        assert!(r.stderr.contains(names), "{what}: {:?}", r.stderr);
        assert!(
            r.stderr
                .ends_with("Permission denied (os error 13); nothing was changed\n"),
            "{what}: {:?}",
            r.stderr
        );
        as_before(&t, &before, &what);
        // The next command that does not need what is locked works.
        let r = t.run_unprivileged(next).unwrap();
        assert_eq!(r.code, 0, "{what}, then {next:?}: {r:?}");
        let r = t.run_unprivileged(&["sync", "--check"]).unwrap();
        assert_eq!(r.code, 0, "{what}, then sync --check: {r:?}");
    }
}

/// A real full disk: a small tmpfs in a mount namespace of its own (root
/// only; skipped otherwise), filled to leave 0, 4, 8 … 44 KiB, under `start`
/// and `new`. Each run either does its change whole or fails with one line
/// and leaves every byte as it was; with room again, the next command works.
#[test]
fn a_full_filesystem_leaves_the_tree_as_it_was() {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0
        || std::process::Command::new("unshare")
            .args(["-m", "--propagation", "private", "true"])
            .output()
            .map_or(true, |o| !o.status.success())
    {
        eprintln!("skipped: mounting a small tmpfs needs root and unshare (util-linux)");
        return;
    }
    let base = Tix::example();
    base.run(&["sync"]).code(0);
    let bin = env!("CARGO_BIN_EXE_tix");
    let (mut failed, mut done) = (0, 0);
    for args in [&["start", "7"][..], &["new", "Write the docs"][..]] {
        for free_kib in (0..=44).step_by(4) {
            let work = tempfile::tempdir().unwrap();
            let script = format!(
                r#"set -e
mount -t tmpfs -o size=1m tmpfs "$W/mnt"
cp -a "$SRC/tickets" "$W/mnt/"
cd "$W/mnt"
"$TIX" status >/dev/null 2>&1
cp -a "$W/mnt/tickets" "$W/before"
avail=$(df --output=avail -k "$W/mnt" | tail -1)
if [ "$avail" -gt {free_kib} ]; then
  dd if=/dev/zero of="$W/mnt/ballast" bs=1k count=$((avail - {free_kib})) 2>/dev/null || true
fi
set +e
"$TIX" {args} >"$W/out" 2>"$W/err"
echo $? >"$W/code"
rm -f "$W/mnt/ballast"
cp -a "$W/mnt/tickets" "$W/after"
"$TIX" sync --check >"$W/check" 2>&1
echo $? >>"$W/code"
"$TIX" start 11 >/dev/null 2>&1
echo $? >>"$W/code"
"#,
                args = args
                    .iter()
                    .map(|a| format!("'{a}'"))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            std::fs::create_dir(work.path().join("mnt")).unwrap();
            let out = std::process::Command::new("unshare")
                .args(["-m", "--propagation", "private", "bash", "-c", &script])
                .env("W", work.path())
                .env("SRC", base.root())
                .env("TIX", bin)
                .env("TIX_NOW", crate::util::NOW)
                .env("NO_COLOR", "1")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let read = |f: &str| std::fs::read_to_string(work.path().join(f)).unwrap();
            let codes: Vec<i32> = read("code").lines().map(|l| l.parse().unwrap()).collect();
            let what = format!("{args:?} with {free_kib} KiB free");
            let err = read("err");
            let (before, after) = (
                dir(&work.path().join("before")),
                dir(&work.path().join("after")),
            );
            if codes[0] == 0 {
                done += 1;
                assert_ne!(before, after, "{what}: done, so changed");
            } else {
                failed += 1;
                eprintln!("{what}: {}", err.trim_end());
                assert_eq!(codes[0], 1, "{what}: {err}");
                assert_eq!(err.lines().count(), 1, "{what}: {err:?}");
                assert!(
                    err.contains("No space left on device (os error 28); nothing was changed"),
                    "{what}: {err:?}"
                );
                assert_eq!(
                    differ(&after, &before),
                    Vec::<&String>::new(),
                    "{what}: {err}"
                );
            }
            assert_eq!(codes[1], 0, "{what}: sync --check after: {}", read("check"));
            assert_eq!(codes[2], 0, "{what}: the next command");
        }
    }
    assert!(
        failed > 0 && done > 0,
        "the levels cover both: {failed} failed, {done} done"
    );
}

/// Every file under `root` but tix's scratch files (see [`state`]).
fn dir(root: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if e.file_type().unwrap().is_dir() {
                stack.push(p);
                continue;
            }
            let bytes = std::fs::read(&p).unwrap();
            if !scratch(rel.rsplit('/').next().unwrap_or(""), &bytes) {
                out.insert(rel, bytes);
            }
        }
    }
    out
}

/// `tix init` that fails takes back everything it made: a new tree, or the
/// files it added to a folder it adopts.
#[test]
fn an_init_that_fails_leaves_nothing_behind() {
    if without_failpoints() {
        return;
    }
    for step in ["registry", "write"] {
        let fail = format!("full:{step}");
        // A new tree.
        let t = Tix::empty();
        let r = t
            .command(&["init"])
            .env("TIX_FAILPOINT", &fail)
            .output()
            .unwrap();
        let r = Run::of(r);
        if step == "write" {
            // init writes no ticket: nothing fails there.
            assert_eq!(r.code, 0, "{r:?}");
            continue;
        }
        assert_eq!(r.code, 1, "{r:?}");
        assert_eq!(
            r.stderr,
            "tix: failed to write tickets/TICKET_REGISTRY.md: No space left on device (os error 28); nothing was changed\n"
        );
        assert!(!t.exists("tickets"), "the new tree is gone");
        // A folder of tickets it adopts: only its own files stay.
        let t = Tix::empty().file(
            "tickets/pending/TIX-0001-a.md",
            &ticket("TIX-0001", "pending", "", ""),
        );
        let before = t.snapshot();
        let r = Run::of(
            t.command(&["init"])
                .env("TIX_FAILPOINT", &fail)
                .output()
                .unwrap(),
        );
        assert_eq!(r.code, 1, "{r:?}");
        assert_eq!(t.snapshot(), before);
        assert!(!t.exists("tickets/.tix") && !t.exists("tickets/completed"));
        // And then it works.
        t.run(&["init"]).code(0);
        t.run(&["sync", "--check"]).code(0);
    }
}
