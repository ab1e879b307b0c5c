//! Regressions, one test per finding of a code review. Each names what went
//! wrong.

use crate::util::{NOW, Tix, ticket};

#[test]
fn r1_an_edit_keeps_comments_after_a_value_and_on_a_tagged_line() {
    let text = "---\nid: TIX-0001\ntitle: t\nstatus: pending\n  # pending | in_progress | completed\nagent: !!str old # who works on it\n\n  # about agent\n---\nbody\n";
    let t = Tix::tree().ticket("pending", "TIX-0001.md", text);
    t.run(&["start", "1", "--agent", "old"]).code(0);
    assert_eq!(
        t.read("tickets/in-progress/TIX-0001.md"),
        format!(
            "---\nid: TIX-0001\ntitle: t\nstatus: in_progress\n  # pending | in_progress | completed\nagent: old # who works on it\n\n  # about agent\nstarted: {NOW}\nupdated: {NOW}\n---\nbody\n"
        )
    );
}

#[test]
fn r2_a_status_folder_symlinked_out_of_the_root_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    let t = Tix::tree().ticket(
        "completed",
        "TIX-0001.md",
        &ticket("TIX-0001", "completed", "", ""),
    );
    std::fs::remove_dir(t.path("tickets/archive")).unwrap();
    std::os::unix::fs::symlink(outside.path(), t.path("tickets/archive")).unwrap();
    t.run(&["move", "1", "archived"])
        .code(1)
        .stderr_has("leads outside the tree");
    assert_eq!(
        std::fs::read_dir(outside.path()).unwrap().count(),
        0,
        "nothing written outside"
    );
    assert!(t.exists("tickets/completed/TIX-0001.md"));
    let r = t.run(&["sync", "--check"]).code(6);
    assert!(
        r.stdout.contains(
            "tickets/archive: malformed: a status folder that is a symlink leaving the root"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn r3_adoption_leaves_out_a_folder_whose_name_cannot_be_a_status() {
    let t = Tix::empty()
        .file("tk/todo/WM-0001.md", "---\nid: WM-0001\ntitle: a\n---\n")
        .file(
            "tk/won't fix/WM-0002.md",
            "---\nid: WM-0002\ntitle: b\n---\n",
        );
    t.run(&["init", "tk"])
        .code(0)
        .stderr_has("left out tk/won't fix/");
    t.run(&["--root", "tk", "list"]).code(0);
}

#[test]
fn r4_the_registry_is_the_same_bytes_whatever_the_listing_order() {
    let mut t = Tix::tree().ticket(
        "pending",
        "TIX-0002.md",
        &ticket("TIX-0002", "pending", "", ""),
    );
    for (d, st) in [
        ("pending", "pending"),
        ("in-progress", "in_progress"),
        ("completed", "completed"),
    ] {
        for n in ["a", "b", "c"] {
            t = t.ticket(
                d,
                &format!("TIX-0001-{n}.md"),
                &ticket("TIX-0001", st, "", ""),
            );
        }
    }
    t.run(&["sync"]).code(0);
    let first = t.read("tickets/TICKET_REGISTRY.md");
    t.run(&["sync"]).code(0).stderr_has("unchanged");
    // A transition pushes its ticket last in memory; the registry must not care.
    t.run(&["start", "2"]).code(0);
    let check = t.run(&["sync", "--check", "--json"]).code(6).json();
    let kinds = crate::util::each_str(&check["problems"], "kind");
    assert!(kinds.iter().all(|k| *k == "duplicate_id"), "{kinds:?}");
    assert_ne!(t.read("tickets/TICKET_REGISTRY.md"), first);
}

#[test]
fn r5_start_does_not_reopen_a_completed_ticket() {
    let t = Tix::tree().ticket(
        "completed",
        "TIX-0001.md",
        &ticket("TIX-0001", "completed", "", ""),
    );
    let before = t.snapshot();
    t.run(&["start", "1"])
        .code(4)
        .stderr_has("`tix move TIX-0001 in_progress` reopens it");
    assert_eq!(t.snapshot(), before);
    t.run(&["move", "1", "in_progress"]).code(0);
    assert!(t.exists("tickets/in-progress/TIX-0001.md"));
}

#[test]
fn r6_status_counts_the_problems_sync_check_reports() {
    let t = Tix::tree().ticket(
        "pending",
        "TIX-0001.md",
        &ticket("TIX-0001", "pending", "", ""),
    );
    t.run(&["sync"]).code(0);
    assert_eq!(t.run(&["status", "--json"]).code(0).json()["problems"], 0);
    t.write(
        "tickets/pending/TIX-0001.md",
        &ticket("TIX-0001", "pending", "", "").replace("Ticket TIX-0001", "Retitled"),
    );
    t.run(&["sync", "--check"])
        .code(6)
        .stdout
        .contains("registry_stale");
    assert_eq!(t.run(&["status", "--json"]).code(0).json()["problems"], 1);
    // The registry itself edited by hand: its remembered freshness no longer holds.
    t.run(&["sync"]).code(0);
    assert_eq!(t.run(&["status", "--json"]).code(0).json()["problems"], 0);
    let reg = t.read("tickets/TICKET_REGISTRY.md");
    t.write(
        "tickets/TICKET_REGISTRY.md",
        &reg.replace("| pending | 1 |", "| pending | 7 |"),
    );
    assert_eq!(t.run(&["status", "--json"]).code(0).json()["problems"], 1);
    t.run(&["sync", "--check"]).code(6);
}

#[test]
fn r7_a_forced_takeover_is_recorded_with_the_previous_agent() {
    let t = Tix::tree().ticket(
        "pending",
        "TIX-0002.md",
        &ticket("TIX-0002", "pending", "", ""),
    );
    t.run(&["start", "2", "--agent", "bob"]).code(0);
    t.run(&["start", "2", "--agent", "al"]).code(4);
    t.run(&["start", "2", "--agent", "al", "--force"]).code(0);
    let ev = t.events();
    assert_eq!(ev[1]["action"], "assign");
    assert_eq!(ev[1]["agent"], "al");
    assert_eq!(ev[1]["reason"], "forced: taken over from bob");
    assert!(
        t.read("tickets/in-progress/TIX-0002.md")
            .contains("agent: al\n")
    );
}

#[test]
fn r8_new_keeps_the_templates_priority_and_labels_unless_given() {
    let t = Tix::tree().file(
        "tickets/templates/bug.md",
        "---\nid: X-0\ntitle: x\npriority: high\nlabels: [bug]\n---\n",
    );
    t.run(&["new", "-t", "bug", "crash"]).code(0);
    assert_eq!(
        t.read("tickets/pending/TIX-0001-crash.md"),
        format!(
            "---\nid: TIX-0001\ntitle: crash\npriority: high\nlabels: [bug]\nstatus: pending\ncreated: {NOW}\n---\n"
        )
    );
    t.run(&["new", "-t", "bug", "other", "-p", "low", "-l", "ui"])
        .code(0);
    let text = t.read("tickets/pending/TIX-0002-other.md");
    assert!(text.contains("priority: low\nlabels: [ui]\n"), "{text}");
}

#[test]
fn r9_sync_stops_and_fails_when_a_move_fails() {
    let t = Tix::tree().ticket(
        "pending",
        "TIX-0201.md",
        &ticket("TIX-0201", "completed", "", ""),
    );
    std::fs::create_dir_all(t.path("tickets/completed/TIX-0201.md")).unwrap();
    t.run(&["sync"])
        .code(1)
        .stderr_has("tickets/completed/TIX-0201.md: already exists");
    assert!(t.exists("tickets/pending/TIX-0201.md"));
    assert!(!t.journal_pending(), "a refused move leaves no journal");
}

#[test]
fn r11_history_of_an_unknown_id_exits_3() {
    let t = Tix::tree().ticket(
        "pending",
        "TIX-0001.md",
        &ticket("TIX-0001", "pending", "", ""),
    );
    assert_eq!(t.run(&["history", "1"]).code(0).stdout, "");
    t.run(&["history", "99"]).code(3).stderr_has("no ticket 99");
}

#[test]
fn r12_no_overflow_no_cache_drift_no_state_from_check() {
    let t = Tix::tree().file("tickets/.tix/last-id", "TIX 18446744073709551615\n");
    t.run(&["new", "x"])
        .code(1)
        .stderr_has("no ids left for prefix TIX");
    let t = Tix::tree().ticket(
        "pending",
        "TIX-0001.md",
        &ticket("TIX-0001", "pending", "labels: ['']\n", ""),
    );
    let fresh = t.run(&["show", "1", "--json"]).code(0).json();
    let cached = t.run(&["list", "--json"]).code(0).json();
    assert_eq!(fresh["labels"], serde_json::json!([""]));
    assert_eq!(cached[0]["labels"], fresh["labels"]);
    let t = Tix::tree();
    t.run(&["sync", "--check"]).code(6);
    assert!(!t.exists("tickets/.tix"), "--check creates nothing");
}

#[test]
fn r13_a_ticket_that_is_a_symlink_leaving_the_root_is_refused_not_read() {
    // Found while reworking the engine: `start` read the ticket through the
    // symlink, copied the outside file's text into the tree and removed the link.
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("secret.md");
    let text = ticket("TIX-0001", "pending", "", "outside the tree\n");
    std::fs::write(&target, &text).unwrap();
    let t = Tix::tree();
    t.run(&["sync"]).code(0);
    std::os::unix::fs::symlink(&target, t.path("tickets/pending/TIX-0001.md")).unwrap();
    let before = t.snapshot();
    for args in [["start", "1"], ["complete", "1"], ["show", "1"]] {
        t.run(&args)
            .code(1)
            .stderr_has("tickets/pending/TIX-0001.md: refused: a symlink that leaves the root");
    }
    assert_eq!(t.snapshot(), before, "nothing in the tree changed");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), text);
    let r = t.run(&["sync", "--check"]).code(6);
    assert!(
        r.stdout
            .contains("a symlink that leaves the root (refused)"),
        "{}",
        r.stdout
    );
}

#[test]
fn r9_assigning_says_so_and_pending_drops_the_agent_but_not_its_history() {
    let t = Tix::tree().ticket(
        "pending",
        "TIX-0002.md",
        "---\nid: TIX-0002\ntitle: x\nstatus: pending\n---\nbody\n",
    );
    t.run(&["start", "2"]).code(0);
    let r = t.run(&["start", "2", "--agent", "al"]).code(0);
    assert_eq!(
        r.stderr,
        "tix: TIX-0002: agent set to al, still in_progress (tickets/in-progress/TIX-0002.md)\n"
    );
    let r = t.run(&["start", "2", "--agent", "bo", "--force"]).code(0);
    assert_eq!(
        r.stderr,
        "tix: TIX-0002: agent al → bo, still in_progress (tickets/in-progress/TIX-0002.md)\n"
    );
    // The audit trail shows the assignment as no change of status.
    let history = t.run(&["history", "2"]).code(0).stdout;
    assert!(
        history.contains("\tTIX-0002\tassign\tin_progress\tuser\tal\t"),
        "{history}"
    );
    t.run(&["move", "2", "pending"]).code(0);
    assert_eq!(
        t.read("tickets/pending/TIX-0002.md"),
        format!(
            "---\nid: TIX-0002\ntitle: x\nstatus: pending\nstarted: {NOW}\nupdated: {NOW}\n---\nbody\n"
        ),
        "the agent line is gone, every other byte kept"
    );
    assert_eq!(
        t.run(&["list"]).code(0).stdout,
        "TIX-0002\tpending\tmedium\t-\tx\n"
    );
    let last = t.events().pop().unwrap();
    assert_eq!(
        (&last["action"], &last["to"], &last["agent"]),
        (&"move".into(), &"pending".into(), &"bo".into()),
        "the audit log keeps who had it"
    );
}

#[test]
fn r10_empty_agents_are_no_agents_and_moves_in_place_do_nothing() {
    // Review findings: `--agent ""` wrote `agent: ""`; an empty `agent:` line
    // survived a move back to pending; a move to the status a ticket already
    // has was refused when $TIX_AGENT named someone else.
    let t = Tix::tree()
        .ticket(
            "pending",
            "TIX-0001.md",
            "---\nid: TIX-0001\ntitle: x\nstatus: pending\n---\n",
        )
        .ticket(
            "in-progress",
            "TIX-0002.md",
            "---\nid: TIX-0002\ntitle: y\nstatus: in_progress\nagent:\n---\n",
        );
    t.run(&["start", "1", "--agent", "  "]).code(0);
    assert_eq!(
        t.read("tickets/in-progress/TIX-0001.md"),
        format!(
            "---\nid: TIX-0001\ntitle: x\nstatus: in_progress\nstarted: {NOW}\nupdated: {NOW}\n---\n"
        )
    );
    t.run(&["move", "2", "pending"]).code(0);
    assert_eq!(
        t.read("tickets/pending/TIX-0002.md"),
        format!("---\nid: TIX-0002\ntitle: y\nstatus: pending\nupdated: {NOW}\n---\n")
    );
    t.run(&["start", "2", "--agent", "x"]).code(0);
    let r = t
        .command(&["move", "2", "in_progress"])
        .env("TIX_AGENT", "y")
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&r.stderr),
        "tix: TIX-0002 is already in_progress; nothing to do\n"
    );
}

#[test]
fn r14_a_root_whose_path_is_not_utf8_is_written_without_a_panic() {
    use std::os::unix::ffi::OsStrExt;
    let t = Tix::empty();
    let name = std::ffi::OsStr::from_bytes(b"bad\xff");
    let root = t.path("").join(name).join("tickets");
    for d in ["pending", "in-progress", "completed", "archive"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("tix.yaml"), "# defaults\n").unwrap();
    // The lock names its holder from the arguments, this path among them.
    let out = t
        .command(&["new", "Made in a folder named in Latin-1"])
        .arg("--root")
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "TIX-0001\n");
    assert!(
        root.join("pending/TIX-0001-made-in-a-folder-named-in-latin-1.md")
            .exists()
    );
}
