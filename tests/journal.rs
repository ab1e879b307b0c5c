//! A change killed midway is finished or rolled back by the next command. The
//! failpoints exist in debug builds only (TIX_FAILPOINT=<step> aborts there),
//! which is what `cargo test` builds.

use crate::util::{NOW, Tix, conflicts, ticket};

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

#[test]
fn an_old_copy_edited_after_the_kill_is_kept_not_removed() {
    let t = killed_at("after-write");
    // Someone edits the old copy before any tix runs again.
    let edited = ticket("TIX-0001", "pending", "", "body\nan important note\n");
    t.write(SRC, &edited);
    let r = t.run(&["status"]).code(0);
    assert!(
        r.stderr
            .contains("tickets/pending/TIX-0001.md was edited after the interruption"),
        "{}",
        r.stderr
    );
    assert!(!t.exists(SRC));
    assert_eq!(t.read(DST), started());
    let kept = conflicts(&t);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(kept[0].0.ends_with("-pending__TIX-0001.md"), "{kept:?}");
    assert_eq!(kept[0].1, edited, "the edit is kept byte for byte");
    let events = t.events();
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["repair", "start"], "{events:?}");
    assert!(
        events[0]["reason"]
            .as_str()
            .unwrap()
            .contains("set aside as .tix/conflicts/"),
        "{events:?}"
    );
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn a_new_copy_edited_after_the_kill_finishes_the_change() {
    let t = killed_at("after-remove");
    let edited = format!("{}more\n", started());
    t.write(DST, &edited);
    t.run(&["doctor", "--fix"])
        .code(0)
        .stdout_has("finished the interrupted change of TIX-0001");
    assert!(!t.exists(SRC));
    assert_eq!(t.read(DST), edited, "the edit stays");
    let starts = t.events().iter().filter(|e| e["action"] == "start").count();
    assert_eq!(starts, 1, "logged once");
    assert!(conflicts(&t).is_empty());
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn both_copies_edited_after_the_kill_stay_for_doctor() {
    let t = killed_at("after-write");
    let old = ticket("TIX-0001", "pending", "", "body\nold side\n");
    let new = format!("{}new side\n", started());
    t.write(SRC, &old);
    t.write(DST, &new);
    let r = t.run(&["list"]).code(0);
    assert!(
        r.stderr.contains("both exist and both were edited"),
        "{}",
        r.stderr
    );
    assert_eq!(t.read(SRC), old);
    assert_eq!(t.read(DST), new);
    assert!(t.events().is_empty(), "the change is not logged as done");
    // Two copies of one ticket: doctor keeps the newer by `updated`, sets the other aside.
    t.run(&["doctor", "--fix"]).code(0);
    assert_eq!(t.read(DST), new);
    assert!(!t.exists(SRC));
    let kept = conflicts(&t);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].1, old);
}
