//! A change killed midway is finished or rolled back by the next command. The
//! failpoints exist in debug builds only (TIX_FAILPOINT=<step> aborts there),
//! which is what `cargo test` builds.

use crate::util::{NOW, Tix, conflicts, ticket};
use std::os::unix::fs::PermissionsExt;

const SRC: &str = "tickets/pending/TIX-0001.md";
const DST: &str = "tickets/in-progress/TIX-0001.md";

fn start_killed_at(step: &str) -> Tix {
    let t = Tix::tree().ticket(
        "pending",
        "TIX-0001.md",
        &ticket("TIX-0001", "pending", "", "body\n"),
    );
    t.run(&["sync"]).code(0);
    t.killed_at(step, &["start", "1"]);
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
    let t = start_killed_at("after-journal");
    assert!(t.journal_pending());
    t.run(&["list"]).code(0);
    assert!(!t.journal_pending());
    assert_eq!(t.read(SRC), ticket("TIX-0001", "pending", "", "body\n"));
    assert!(!t.exists(DST));
    assert!(t.events().is_empty());
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn a_torn_journal_means_no_step_was_taken() {
    // The journal is written over in place: a write cut short leaves the
    // new intent's start over the file's old bytes (the blank of the last
    // change, or the end of a longer intent). Either does not parse, and it
    // is synced before the first step: the next command takes nothing back
    // and clears it (and the temp file the new bytes were staged in).
    let blank = start_killed_at("after-journal");
    let intent = std::fs::read(blank.path("tickets/.tix/journal.json")).unwrap();
    let end = intent.iter().position(|b| *b == b' ').unwrap();
    let torn_over_blank = [&intent[..end / 2], &vec![b' '; 4096 - end / 2][..]].concat();
    let torn_over_older = [&intent[..end], &b"\"}}}}"[..]].concat();
    for torn in [torn_over_blank, torn_over_older] {
        let t = start_killed_at("after-journal");
        std::fs::write(t.path("tickets/.tix/journal.json"), &torn).unwrap();
        // The audit line is appended only once the journal is synced: a
        // kill that tears the journal comes before it.
        let log = t.path("tickets/.tix/events.jsonl");
        assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 1);
        std::fs::write(&log, "").unwrap();
        // The new bytes, staged while the journal was being written, are
        // in a temp file: the next command removes it.
        let mut before = t.snapshot();
        assert_eq!(
            before
                .keys()
                .filter(|rel| rel.contains("/.tix-tmp-"))
                .count(),
            1
        );
        before.retain(|rel, _| !rel.contains("/.tix-tmp-"));
        t.run(&["sync", "--check"])
            .code(6)
            .stdout_has("unfinished_change");
        t.run(&["list"]).code(0);
        assert!(!t.journal_pending());
        assert_eq!(
            t.snapshot(),
            before,
            "the tickets and the registry as they were"
        );
        assert_eq!(t.read(SRC), ticket("TIX-0001", "pending", "", "body\n"));
        assert!(t.events().is_empty());
        t.run(&["sync", "--check"]).code(0);
    }
}

#[test]
fn killed_between_write_and_remove_rolls_forward_once() {
    for step in ["after-write", "after-remove", "after-registry"] {
        let t = start_killed_at(step);
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
    let t = start_killed_at("after-write");
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
    // The start was logged before its rename; the repair, by recovery.
    assert_eq!(actions, ["start", "repair"], "{events:?}");
    assert!(
        events[1]["reason"]
            .as_str()
            .unwrap()
            .contains("set aside as .tix/conflicts/"),
        "{events:?}"
    );
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn a_new_copy_edited_after_the_kill_finishes_the_change() {
    let t = start_killed_at("after-remove");
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
    let t = start_killed_at("after-write");
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

#[test]
fn only_the_new_copy_edited_after_the_kill_finishes_and_keeps_the_old_one_aside() {
    let t = start_killed_at("after-write");
    let old = t.read(SRC);
    let edited = format!("{}more\n", started());
    t.write(DST, &edited);
    let r = t.run(&["list"]).code(0);
    assert!(
        r.stderr
            .contains("finished the interrupted change of TIX-0001")
            && r.stderr
                .contains("tickets/pending/TIX-0001.md may be the only copy"),
        "{}",
        r.stderr
    );
    assert_eq!(t.read(DST), edited);
    assert!(!t.exists(SRC));
    let kept = conflicts(&t);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].1, old);
    let actions: Vec<String> = t
        .events()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(actions, ["start", "repair"]);
    t.run(&["start", "1"]).code(0);
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn a_new_ticket_edited_after_the_kill_is_created_and_logged() {
    let t = Tix::tree();
    t.killed_at("after-write", &["new", "Four"]);
    let path = "tickets/pending/TIX-0001-four.md";
    let edited = format!("{}an edit\n", t.read(path));
    t.write(path, &edited);
    t.run(&["doctor", "--fix"])
        .code(0)
        .stdout_has("finished the interrupted change of TIX-0001");
    assert_eq!(t.read(path), edited);
    let actions: Vec<String> = t
        .events()
        .iter()
        .filter(|e| e["action"] != "repair")
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(actions, ["create"]);
    t.run(&["sync", "--check"]).code(0);
}

/// The audit line is appended and synced before the rename, beside the
/// journal: a change killed after it and before the rename is rolled back,
/// and its line taken out of the log (only its line, wherever git merged
/// it), by the next command.
#[test]
fn a_change_killed_after_its_audit_line_is_rolled_back_and_unlogged() {
    let actions = |t: &Tix| -> Vec<String> {
        t.events()
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e["action"].as_str().unwrap(),
                    e["ticket"].as_str().unwrap()
                )
            })
            .collect()
    };
    let t = Tix::tree();
    t.run(&["new", "One"]).code(0);
    t.killed_at("after-event", &["new", "Two"]);
    let two = "tickets/pending/TIX-0002-two.md";
    assert_eq!(actions(&t), ["create TIX-0001", "create TIX-0002"]);
    assert!(!t.exists(two));
    let log = t.read("tickets/.tix/events.jsonl");
    // Recovery is silent: nothing is left for a person to settle.
    let r = t.run(&["status"]).code(0);
    assert_eq!(r.stderr, "");
    let one = log.lines().next().unwrap();
    assert_eq!(t.read("tickets/.tix/events.jsonl"), format!("{one}\n"));
    assert!(!t.exists(two) && !t.journal_pending());
    t.run(&["sync", "--check"]).code(0);
    // A line merged in after it stays, and so does the order of the others.
    let t = Tix::tree();
    t.run(&["new", "One"]).code(0);
    t.killed_at("after-event", &["new", "Two"]);
    let log = t.read("tickets/.tix/events.jsonl");
    let merged = log.lines().next().unwrap().replace("TIX-0001", "TIX-0009");
    t.write("tickets/.tix/events.jsonl", &format!("{log}{merged}\n"));
    // Written anew, the log keeps its permissions.
    let events = t.path("tickets/.tix/events.jsonl");
    std::fs::set_permissions(&events, std::fs::Permissions::from_mode(0o640)).unwrap();
    t.run(&["status"]).code(0);
    assert_eq!(
        t.read("tickets/.tix/events.jsonl"),
        format!("{}\n{merged}\n", log.lines().next().unwrap())
    );
    let mode = std::fs::metadata(&events).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o640);
    // A line cut short by a power loss during its append: what there is of
    // it goes (a line that is not the change's stays).
    let t = Tix::tree();
    t.run(&["new", "One"]).code(0);
    t.killed_at("after-event", &["new", "Two"]);
    let log = t.read("tickets/.tix/events.jsonl");
    let one = log.lines().next().unwrap().to_string();
    let torn = &log[..one.len() + 1 + 40];
    t.write("tickets/.tix/events.jsonl", torn);
    t.run(&["status"]).code(0);
    assert_eq!(t.read("tickets/.tix/events.jsonl"), format!("{one}\n"));
    let t = Tix::tree();
    t.run(&["new", "One"]).code(0);
    t.killed_at("after-event", &["new", "Two"]);
    let log = t.read("tickets/.tix/events.jsonl");
    let one = log.lines().next().unwrap().to_string();
    t.write(
        "tickets/.tix/events.jsonl",
        &format!("{one}\n{{\"time\":\"1999"),
    );
    t.run(&["status"]).code(0);
    assert_eq!(
        t.read("tickets/.tix/events.jsonl"),
        format!("{one}\n{{\"time\":\"1999")
    );
    // `history` settles the interrupted change before it reads the log:
    // it never shows a change that did not land.
    let t = Tix::tree();
    t.run(&["new", "One"]).code(0);
    t.killed_at("after-event", &["new", "Two"]);
    assert_eq!(actions(&t), ["create TIX-0001", "create TIX-0002"]);
    let r = t.run(&["history", "--json"]).code(0);
    let shown: Vec<serde_json::Value> = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(shown.len(), 1, "{}", r.stdout);
    assert_eq!(shown[0]["ticket"], "TIX-0001");
    assert_eq!(actions(&t), ["create TIX-0001"]);
    assert!(!t.journal_pending());
    // A log whose last line a hand edit left unended: the change's line
    // starts a line of its own, and taking it out keeps the other's event.
    let t = Tix::tree();
    t.run(&["new", "One"]).code(0);
    let one = t.read("tickets/.tix/events.jsonl");
    let one = one.strip_suffix('\n').unwrap().to_string();
    t.write("tickets/.tix/events.jsonl", &one);
    t.killed_at("after-event", &["new", "Two"]);
    assert_eq!(actions(&t), ["create TIX-0001", "create TIX-0002"]);
    t.run(&["status"]).code(0);
    assert_eq!(t.read("tickets/.tix/events.jsonl"), format!("{one}\n"));
    assert_eq!(actions(&t), ["create TIX-0001"]);
    // And a line someone else's power loss cut short stays, ended, before
    // the next change's line.
    t.write(
        "tickets/.tix/events.jsonl",
        &format!("{one}\n{{\"time\":\"1999"),
    );
    t.run(&["new", "Three"]).code(0);
    let log = t.read("tickets/.tix/events.jsonl");
    assert!(
        log.starts_with(&format!("{one}\n{{\"time\":\"1999\n{{")),
        "{log}"
    );
    assert_eq!(log.lines().count(), 3);
    let three: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(
        (&three["action"], &three["ticket"]),
        (&"create".into(), &"TIX-0003".into())
    );
    // A move: its source stays where it was.
    let t = start_killed_at("after-event");
    assert_eq!(actions(&t), ["start TIX-0001"]);
    t.run(&["status"]).code(0);
    assert_eq!(t.read(SRC), ticket("TIX-0001", "pending", "", "body\n"));
    assert!(!t.exists(DST) && !t.journal_pending());
    assert!(t.events().is_empty());
    t.run(&["sync", "--check"]).code(0);
}

/// A change killed before its rename, and a file another program put at
/// its destination before the next command: the staged copy is still
/// there, so recovery knows the change did not land. It rolls it back and
/// leaves that file alone (it took it for the change's and set the real
/// ticket aside before).
#[test]
fn a_file_put_at_the_destination_after_a_kill_is_not_taken_for_the_change() {
    for (step, staged) in [("after-journal", "the temp file"), ("after-event", "too")] {
        let t = start_killed_at(step);
        t.write(DST, "someone else's\n");
        t.run(&["status"]).code(0);
        assert_eq!(
            t.read(SRC),
            ticket("TIX-0001", "pending", "", "body\n"),
            "{step} {staged}"
        );
        assert_eq!(t.read(DST), "someone else's\n", "{step}");
        assert!(t.events().is_empty(), "{step}");
        assert!(!t.journal_pending(), "{step}");
        assert!(!t.exists("tickets/.tix/conflicts"), "{step}");
    }
    // A new ticket's name taken meanwhile: that file is not the ticket.
    let t = Tix::tree();
    t.killed_at("after-event", &["new", "Four"]);
    let four = "tickets/pending/TIX-0001-four.md";
    t.write(four, "someone else's\n");
    t.run(&["status"]).code(0);
    assert_eq!(t.read(four), "someone else's\n");
    assert!(t.events().is_empty());
    assert!(!t.journal_pending());
}

#[test]
fn a_new_ticket_killed_before_its_rename_is_said_not_created() {
    let t = Tix::tree();
    t.killed_at("after-journal", &["new", "Four"]);
    t.run(&["doctor", "--fix"]).code(0).stdout_has(
        "fixed: rolled back the interrupted change of TIX-0001 (tickets/pending/TIX-0001-four.md was not created)",
    );
    assert!(!t.exists("tickets/pending/TIX-0001-four.md"));
    assert!(t.events().iter().all(|e| e["action"] == "repair"));
}

#[test]
fn a_ticket_changed_in_place_and_edited_after_the_kill_is_left_as_it_is() {
    let t = Tix::tree().ticket(
        "in-progress",
        "TIX-0001.md",
        &ticket("TIX-0001", "in_progress", "", "body\n"),
    );
    t.run(&["sync"]).code(0);
    t.killed_at(
        "after-journal",
        &["start", "1", "--force", "--agent", "someone"],
    );
    let edited = ticket("TIX-0001", "in_progress", "", "body\nedited by hand\n");
    t.write(DST, &edited);
    let r = t.run(&["status"]).code(0);
    assert!(
        r.stderr.contains("tickets/in-progress/TIX-0001.md was edited after the interruption (the change is not logged)"),
        "{}",
        r.stderr
    );
    assert_eq!(t.read(DST), edited);
    assert!(t.events().is_empty());
    assert!(!t.journal_pending());
}

#[test]
fn a_very_long_file_name_can_still_be_set_aside() {
    let name = format!("TIX-0001-{}.md", "a".repeat(240));
    let src = format!("tickets/pending/{name}");
    let t = Tix::tree().ticket(
        "pending",
        &name,
        &ticket("TIX-0001", "pending", "", "body\n"),
    );
    t.run(&["sync"]).code(0);
    t.killed_at("after-write", &["start", "1"]);
    let edited = ticket("TIX-0001", "pending", "", "body\nnote\n");
    t.write(&src, &edited);
    t.run(&["new", "x"]).code(0);
    let kept = conflicts(&t);
    assert_eq!(kept.len(), 1);
    assert!(kept[0].0.len() <= 255, "{}", kept[0].0);
    assert_eq!(kept[0].1, edited);
    t.run(&["doctor"]).code(0);
}

/// Temp files a killed run left (with no journal entry: killed before its
/// rename) are reported by `sync --check`, which removes nothing, and gone
/// after the next command, a reader included; one whose maker still runs (a
/// reader writing the index right now) is neither reported nor removed.
#[test]
fn leftover_temp_files_are_reported_and_removed_by_the_next_command() {
    let t = Tix::tree().ticket(
        "pending",
        "TIX-0001.md",
        &ticket("TIX-0001", "pending", "", "body\n"),
    );
    t.run(&["sync"]).code(0);
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let leftovers = [
        format!("tickets/pending/.tix-tmp-{dead}-a1"),
        format!("tickets/.tix-tmp-{dead}-b2"),
        format!("tickets/.tix/.tix-tmp-{dead}-c3"),
        "tickets/in-progress/.tix-tmp-d4".to_string(),
    ];
    for rel in &leftovers {
        t.write(rel, "half written");
    }
    let live = format!("tickets/.tix/.tix-tmp-{}-e5", std::process::id());
    t.write(&live, "being written");
    let before = t.snapshot();
    let r = t.run(&["sync", "--check"]).code(6);
    let mut want: Vec<String> = leftovers
        .iter()
        .map(|rel| {
            format!("{rel}: temp_file: left by an interrupted write; the next tix command that can write removes it")
        })
        .collect();
    want.sort();
    let mut got: Vec<&str> = r.stdout.lines().collect();
    got.sort_unstable();
    assert_eq!(got, want);
    assert_eq!(t.snapshot(), before, "sync --check removes nothing");
    // The next command, a reader.
    t.run(&["list"]).code(0);
    for rel in &leftovers {
        assert!(!t.exists(rel), "{rel} survived `tix list`");
    }
    assert!(t.exists(&live), "a running maker's file stays");
    t.run(&["sync", "--check"]).code(0);
    // A writer, after a change killed between its temp file and its rename.
    t.killed_at("after-journal", &["start", "1"]);
    t.write(&format!("tickets/in-progress/.tix-tmp-{dead}-f6"), "half");
    t.run(&["start", "1"]).code(0);
    assert!(!t.exists(&format!("tickets/in-progress/.tix-tmp-{dead}-f6")));
    t.run(&["sync", "--check"]).code(0);
}

/// A change writes its new bytes into a temp file while its journal is
/// synced: killed before the journal is written, it leaves that temp file
/// and no journal. The next transition, on the quick path otherwise, sees
/// the folder changed, removes the file and changes only its own ticket.
#[test]
fn a_change_killed_before_its_journal_leaves_a_temp_file_the_next_one_removes() {
    let t = Tix::tree()
        .ticket(
            "pending",
            "TIX-0001.md",
            &ticket("TIX-0001", "pending", "", "body\n"),
        )
        .ticket(
            "pending",
            "TIX-0002.md",
            &ticket("TIX-0002", "pending", "", "body\n"),
        );
    t.run(&["sync"]).code(0);
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let temp = format!("tickets/in-progress/.tix-tmp-{dead}-s1");
    t.write(&temp, &started());
    assert!(!t.journal_pending());
    t.run(&["start", "2"]).code(0);
    assert!(
        !t.exists(&temp),
        "the staged temp file outlived the next command"
    );
    assert_eq!(t.read(SRC), ticket("TIX-0001", "pending", "", "body\n"));
    assert!(t.exists("tickets/in-progress/TIX-0002.md"));
    assert_eq!(t.events().len(), 1, "only the start of TIX-0002 is logged");
    t.run(&["sync", "--check"]).code(0);
}
