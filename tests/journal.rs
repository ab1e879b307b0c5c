//! A change killed midway is finished or rolled back by the next command. The
//! failpoints exist in debug builds only (TIX_FAILPOINT=<step> aborts there),
//! which is what `cargo test` builds.

use crate::util::{NOW, Tix, ticket};

const SRC: &str = "tickets/pending/TIX-0001.md";
const DST: &str = "tickets/in-progress/TIX-0001.md";

fn killed_at(step: &str) -> Tix {
    let t = Tix::tree().ticket(
        "pending",
        "TIX-0001.md",
        &ticket("TIX-0001", "pending", "", "body\n"),
    );
    t.run(&["sync"]).code(0);
    let r = t
        .command(&["start", "1"])
        .env("TIX_FAILPOINT", step)
        .output()
        .unwrap();
    assert!(!r.status.success(), "the failpoint {step} aborted the run");
    t
}

fn started() -> String {
    ticket(
        "TIX-0001",
        "in_progress",
        &format!("started: {NOW}\nupdated: {NOW}\n"),
        "body\n",
    )
}

#[test]
fn killed_before_the_write_rolls_back() {
    let t = killed_at("after-journal");
    assert!(t.journal_pending());
    t.run(&["list"]).code(0);
    assert!(!t.journal_pending());
    assert_eq!(t.read(SRC), ticket("TIX-0001", "pending", "", "body\n"));
    assert!(!t.exists(DST));
    assert!(t.events().is_empty());
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn killed_between_write_and_remove_rolls_forward_once() {
    for step in [
        "after-write",
        "after-remove",
        "after-event",
        "after-registry",
    ] {
        let t = killed_at(step);
        // Before recovery --check reports the interrupted change and changes nothing.
        let r = t.run(&["sync", "--check"]).code(6);
        assert!(
            r.stdout.contains("unfinished_change"),
            "{step}: {}",
            r.stdout
        );
        t.run(&["status"]).code(0);
        assert!(!t.exists(SRC), "{step}: one copy only");
        assert_eq!(t.read(DST), started(), "{step}");
        assert_eq!(
            t.events().len(),
            1,
            "{step}: the event is logged exactly once"
        );
        t.run(&["sync", "--check"]).code(0);
        let leftovers: Vec<_> = std::fs::read_dir(t.path("tickets/in-progress"))
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".tix-tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{step}");
    }
}
