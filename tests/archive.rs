//! `tix archive`: completed tickets completed more than N days ago (30 by
//! default) move to the archive, each a journaled, logged change.

use crate::util::{Tix, ticket};

/// NOW is 2030-01-01: tickets completed 40, 31 and 10 days before, one in
/// progress, one completed with no time.
fn tree() -> Tix {
    let done = |id: &str, when: &str| ticket(id, "completed", &format!("completed: {when}\n"), "");
    let t = Tix::tree()
        .ticket(
            "completed",
            "TIX-0001-old.md",
            &done("TIX-0001", "2029-11-22T10:00:00Z"),
        )
        .ticket(
            "completed",
            "TIX-0002-month.md",
            &done("TIX-0002", "2029-12-01T08:00:00Z"),
        )
        .ticket(
            "completed",
            "TIX-0003-recent.md",
            &done("TIX-0003", "2029-12-22T00:00:00Z"),
        )
        .ticket(
            "completed",
            "TIX-0004-undated.md",
            &ticket("TIX-0004", "completed", "", ""),
        )
        .ticket(
            "in-progress",
            "TIX-0005-busy.md",
            &ticket("TIX-0005", "in_progress", "", ""),
        );
    t.run(&["sync"]).code(0);
    t
}

#[test]
fn dry_run_says_what_and_changes_nothing() {
    let t = tree();
    let before = (t.snapshot(), t.state_snapshot());
    let r = t.run(&["archive", "--dry-run"]).code(0);
    assert_eq!(r.stdout, "TIX-0001\nTIX-0002\n");
    assert_eq!(
        r.stderr,
        "tix: would archive TIX-0001 (tickets/completed/TIX-0001-old.md)\n\
         tix: would archive TIX-0002 (tickets/completed/TIX-0002-month.md)\n\
         tix: 2 tickets completed before 2029-12-02 (dry run: nothing changed)\n\
         tix: left 1 completed ticket without a `completed` time (`tix complete` writes one; `tix move ID archived` archives one by hand)\n"
    );
    assert_eq!(before, (t.snapshot(), t.state_snapshot()));
}

#[test]
fn archive_moves_old_completions_logs_each_and_summarises_them() {
    let t = tree();
    let r = t.run(&["archive"]).code(0);
    assert_eq!(r.stdout, "TIX-0001\nTIX-0002\n");
    assert!(t.exists("tickets/archive/TIX-0001-old.md"));
    assert!(t.exists("tickets/archive/TIX-0002-month.md"));
    assert!(t.exists("tickets/completed/TIX-0003-recent.md"));
    assert!(t.exists("tickets/completed/TIX-0004-undated.md"));
    // Its status and `updated` set, nothing else touched.
    assert_eq!(
        t.read("tickets/archive/TIX-0001-old.md"),
        ticket(
            "TIX-0001",
            "archived",
            "completed: 2029-11-22T10:00:00Z\nupdated: 2030-01-01T00:00:00Z\n",
            ""
        )
    );
    let archived: Vec<_> = t
        .events()
        .into_iter()
        .filter(|e| e["action"] == "archive")
        .map(|e| {
            (
                e["ticket"].clone(),
                e["from"].clone(),
                e["to"].clone(),
                e["reason"].clone(),
            )
        })
        .collect();
    assert_eq!(
        archived,
        [
            (
                "TIX-0001".into(),
                "completed".into(),
                "archived".into(),
                "completed before 2029-12-02".into()
            ),
            (
                "TIX-0002".into(),
                "completed".into(),
                "archived".into(),
                "completed before 2029-12-02".into()
            ),
        ]
    );
    let registry = t.read("tickets/TICKET_REGISTRY.md");
    assert!(
        registry.contains("\nArchived: 2 tickets in `archive/`.\n"),
        "{registry}"
    );
    t.run(&["sync", "--check"]).code(0);
    // Again: nothing left that old; a shorter age takes the recent one.
    let r = t.run(&["archive"]).code(0);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr.lines().next(),
        Some("tix: nothing to archive: no ticket was completed before 2029-12-02")
    );
    assert_eq!(
        t.run(&["archive", "--older-than", "5"]).code(0).stdout,
        "TIX-0003\n"
    );
    assert_eq!(
        t.run(&["status", "--json"]).code(0).json()["counts"]["archived"],
        3
    );
}

#[test]
fn a_completion_time_edited_in_place_counts_at_once() {
    // The choice goes by the index while every file is as it records; a
    // `completed` time edited in place (the folder's stamp unchanged) makes
    // it read the tree, and is seen: one ticket now due, one no longer.
    // The archive after that goes by the index the read brought up to date.
    let t = tree();
    for (rel, was, now) in [
        (
            "tickets/completed/TIX-0003-recent.md",
            "2029-12-22T00:00:00Z",
            "2029-11-01T00:00:00Z",
        ),
        (
            "tickets/completed/TIX-0001-old.md",
            "2029-11-22T10:00:00Z",
            "2029-12-30T10:00:00Z",
        ),
    ] {
        let text = t.read(rel).replace(was, now);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(t.path(rel))
            .unwrap();
        std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
    }
    let r = t.run(&["archive", "--dry-run"]).code(0);
    assert_eq!(r.stdout, "TIX-0003\nTIX-0002\n");
    let r = t.run(&["archive"]).code(0);
    assert_eq!(r.stdout, "TIX-0003\nTIX-0002\n");
    assert!(t.path("tickets/archive/TIX-0003-recent.md").exists());
    assert!(t.path("tickets/completed/TIX-0001-old.md").exists());
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn a_tree_without_an_archived_status_is_told_so() {
    let t = Tix::tree()
        .file(
            "tickets/tix.yaml",
            "statuses:\n  - {name: todo, dir: todo}\n  - {name: doing, dir: doing, kind: in_progress}\n  - {name: done, dir: done, kind: completed}\n",
        );
    let r = t.run(&["archive"]).code(2);
    assert_eq!(
        r.stderr,
        "tix: tix.yaml has no status of the archived kind to archive into\n"
    );
}
