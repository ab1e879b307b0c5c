//! `tix doctor`: finds what an interrupted run or a hand edit left, changes
//! nothing without --fix (exit 6), repairs with it, never deletes a ticket's
//! bytes, and logs every repair.

use crate::util::{NOW, Tix, conflicts, git, have_git, ticket};
use serde_json::Value;

fn healthy() -> Tix {
    let t = Tix::tree()
        .ticket(
            "pending",
            "TIX-0001-a.md",
            &ticket("TIX-0001", "pending", "created: 2029-01-01T00:00:00Z\n", ""),
        )
        .ticket(
            "pending",
            "TIX-0002-b.md",
            &ticket("TIX-0002", "pending", "created: 2029-01-02T00:00:00Z\n", ""),
        )
        .ticket(
            "in-progress",
            "TIX-0003-c.md",
            &ticket(
                "TIX-0003",
                "in_progress",
                "created: 2029-01-03T00:00:00Z\n",
                "",
            ),
        )
        .ticket(
            "archive",
            "OLD-0001-z.md",
            &ticket(
                "OLD-0001",
                "archived",
                "created: 2028-01-01T00:00:00Z\n",
                "",
            ),
        );
    t.run(&["sync"]).code(0);
    t
}

#[test]
fn a_healthy_tree_has_no_problems() {
    let t = healthy();
    t.run(&["doctor"]).code(0).stderr_has("no problems found");
    let j = t.run(&["doctor", "--json"]).code(0).json();
    assert_eq!(j, serde_json::json!({"ok": true, "problems": []}));
    t.run(&["doctor", "--fix"]).code(0);
}

/// Every kind of damage at once.
fn damaged() -> Tix {
    let t = healthy();
    // A ticket in two folders: the copy in completed/ was updated later.
    let copy = ticket(
        "TIX-0001",
        "completed",
        "created: 2029-01-01T00:00:00Z\nupdated: 2029-06-01T00:00:00Z\n",
        "",
    );
    t.write("tickets/completed/TIX-0001-a.md", &copy);
    // Another ticket with TIX-0002's id (made on another branch).
    t.write(
        "tickets/pending/TIX-0002-other.md",
        &ticket("TIX-0002", "pending", "created: 2029-03-01T00:00:00Z\n", ""),
    );
    // A misplaced ticket, a temp file, a ticket nobody can read.
    t.write(
        "tickets/in-progress/TIX-0004-d.md",
        &ticket("TIX-0004", "pending", "", ""),
    );
    t.write(
        "tickets/pending/TIX-0005-broken.md",
        "---\nid: TIX-0005\ntitle: [unclosed\n---\n",
    );
    // A change killed after its write: the journal is left, and the lock names the dead process.
    t.killed_at("after-write", &["start", "3", "--force", "--agent", "x"]);
    // Edited in place in a folder nothing else changed: the index's record
    // of it is stale, and no folder's stamp says so.
    t.write(
        "tickets/archive/OLD-0001-z.md",
        &ticket(
            "OLD-0001",
            "archived",
            "created: 2028-01-01T00:00:00Z\nupdated: 2029-01-01T00:00:00Z\n",
            "",
        ),
    );
    // Made last: any command that lists the folder removes it.
    t.write("tickets/pending/.tix-tmp-XyZ123", "half a ticket");
    t
}

#[test]
fn without_fix_doctor_reports_everything_and_changes_nothing() {
    let t = damaged();
    let before = t.snapshot();
    let state_before = t.state_snapshot();
    assert!(state_before.contains_key("journal.json") && state_before.contains_key("index"));
    let r = t.run(&["doctor"]).code(6);
    for want in [
        "tickets/.tix/journal.json: unfinished_change: a change was interrupted",
        "tickets/.tix/lock: stale_lock: left by a process that died while changing the tree (pid ",
        "tickets/pending/.tix-tmp-XyZ123: temp_file: left by an interrupted write",
        "tickets/completed/TIX-0001-a.md: duplicate_id: id TIX-0001 is used by 2 files",
        "tickets/pending/TIX-0002-other.md: duplicate_id: id TIX-0002 is used by 2 files",
        "tickets/in-progress/TIX-0004-d.md: misplaced: status is pending but the file is in in-progress/",
        "tickets/pending/TIX-0005-broken.md:4: malformed: invalid YAML",
        "tickets/.tix/index: index_stale",
        "tickets/TICKET_REGISTRY.md: registry_stale",
    ] {
        assert!(r.stdout.contains(want), "{want}\n{}", r.stdout);
    }
    assert_eq!(t.snapshot(), before, "doctor without --fix changes nothing");
    assert_eq!(t.state_snapshot(), state_before, "not even tix's own state");
    let j = t.run(&["doctor", "--json"]).code(6).json();
    assert_eq!(j["ok"], false);
    let first = &j["problems"][0];
    let mut keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(keys, ["fixed", "kind", "message", "path"]);
    assert_eq!(first["fixed"], Value::Null);
    assert!(j["problems"].as_array().unwrap().iter().any(|p| {
        p["message"]
            .as_str()
            .unwrap()
            .starts_with("line 4: invalid YAML")
    }));
}

#[test]
fn fix_repairs_what_it_can_and_never_deletes_a_tickets_bytes() {
    let t = damaged();
    let older_copy = t.read("tickets/pending/TIX-0001-a.md");
    let r = t.run(&["doctor", "--fix"]).code(6);
    assert!(
        r.stdout
            .contains("tickets/pending/TIX-0005-broken.md:4: malformed: invalid YAML")
            && r.stdout.contains(" — left as it is"),
        "{}",
        r.stdout
    );
    // The interrupted change is finished: TIX-0003 once, in progress.
    assert!(t.exists("tickets/in-progress/TIX-0003-c.md"));
    // The newer copy of TIX-0001 stays (it says completed: it is filed there);
    // the older one is kept, byte for byte, in .tix/conflicts/.
    assert!(t.exists("tickets/completed/TIX-0001-a.md"));
    assert!(!t.exists("tickets/pending/TIX-0001-a.md"));
    let aside: Vec<_> = std::fs::read_dir(t.path("tickets/.tix/conflicts"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(aside.len(), 1);
    assert!(
        aside[0]
            .file_name()
            .to_string_lossy()
            .ends_with("pending__TIX-0001-a.md")
    );
    assert_eq!(
        std::fs::read_to_string(aside[0].path()).unwrap(),
        older_copy
    );
    // The later of the two tickets that shared TIX-0002 is TIX-0006 now.
    assert!(t.exists("tickets/pending/TIX-0002-b.md"));
    let renumbered = t.read("tickets/pending/TIX-0006-other.md");
    assert!(
        renumbered.starts_with("---\nid: TIX-0006\n"),
        "{renumbered}"
    );
    // The misplaced ticket is filed, the temp file gone.
    assert!(t.exists("tickets/pending/TIX-0004-d.md"));
    assert!(!t.exists("tickets/pending/.tix-tmp-XyZ123"));
    // What is left is for a person: only the broken ticket.
    let r = t.run(&["doctor"]).code(6);
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(t.exists("tickets/pending/TIX-0005-broken.md"));
    std::fs::remove_file(t.path("tickets/pending/TIX-0005-broken.md")).unwrap();
    t.run(&["doctor", "--fix"]).code(0);
    t.run(&["doctor"]).code(0);
    t.run(&["sync", "--check"]).code(0);
    // Every repair is in the audit log.
    let events = t.events();
    let repairs: Vec<&str> = events
        .iter()
        .filter(|e| e["action"] == "repair" || e["action"] == "renumber")
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    for want in [
        "doctor: finished the interrupted change of TIX-0003",
        "doctor: removed the temp file",
        "doctor: pending/TIX-0001-a.md: an older copy of completed/TIX-0001-a.md: set aside as .tix/conflicts/",
        "doctor: was TIX-0002",
        "doctor: the file was in the wrong folder",
        "doctor: rebuilt .tix/index",
        "doctor: regenerated TICKET_REGISTRY.md",
    ] {
        assert!(
            repairs.iter().any(|r| r.starts_with(want)),
            "{want}: {repairs:#?}"
        );
    }
    assert_eq!(
        events
            .iter()
            .filter(|e| e["action"] == "assign" && e["ticket"] == "TIX-0003")
            .count(),
        1,
        "the interrupted change is logged once"
    );
}

#[test]
fn branches_that_move_the_same_ticket_differently_are_settled_by_doctor() {
    if !have_git() {
        return;
    }
    let t = Tix::empty();
    git(&t, &["init", "-q", "-b", "main"]);
    t.run(&["init"]).code(0);
    t.run(&["new", "shared ticket"]).code(0);
    t.run(&["new", "other"]).code(0);
    git(&t, &["add", "-A"]);
    git(&t, &["commit", "-q", "-m", "tickets"]);
    git(&t, &["checkout", "-q", "-b", "feature"]);
    let at = |when: &str, args: &[&str]| {
        assert!(
            t.command(args)
                .env("TIX_NOW", when)
                .output()
                .unwrap()
                .status
                .success()
        )
    };
    at("2030-01-02T00:00:00Z", &["start", "1"]);
    // ...and a ticket created on this branch.
    at("2030-01-02T00:00:00Z", &["new", "made on feature"]);
    git(&t, &["add", "-A"]);
    git(&t, &["commit", "-q", "-m", "feature work"]);
    git(&t, &["checkout", "-q", "main"]);
    // Main's work happens in another clone: no tool state from feature.
    std::fs::remove_dir_all(t.path("tickets/.tix")).unwrap();
    at(
        "2030-01-03T00:00:00Z",
        &["move", "1", "completed", "--force"],
    );
    at("2030-01-03T00:00:00Z", &["new", "made on main"]);
    git(&t, &["add", "-A"]);
    git(&t, &["commit", "-q", "-m", "main work"]);
    // git stops at the one ticket renamed two ways (rename/rename) and leaves
    // both files; the registry merges (union), the new tickets too.
    let merge = std::process::Command::new("git")
        .args(["merge", "-q", "--no-edit", "feature"])
        .current_dir(t.root())
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&merge.stdout);
    assert!(
        said.contains("CONFLICT (rename/rename)") && !said.contains("TICKET_REGISTRY.md: content"),
        "{said}"
    );
    assert!(
        t.exists("tickets/completed/TIX-0001-shared-ticket.md")
            && t.exists("tickets/in-progress/TIX-0001-shared-ticket.md")
    );
    let r = t.run(&["sync", "--check"]).code(6);
    assert!(
        r.stdout.contains(
            "tickets/completed/TIX-0001-shared-ticket.md:4: malformed: git left conflict markers"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("duplicate_id: id TIX-0001 is used by 2 files"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("duplicate_id: id TIX-0003 is used by 2 files"),
        "{}",
        r.stdout
    );
    let feature_copy = t.read("tickets/in-progress/TIX-0001-shared-ticket.md");
    let conflicted = t.read("tickets/completed/TIX-0001-shared-ticket.md");
    t.run(&["doctor", "--fix"]).code(0);
    t.run(&["sync", "--check"]).code(0);
    // Nothing is lost. git wrote the conflicted text into both files: each
    // is kept as it was, then feature's side (the in-progress copy once
    // settled) is set aside as the older copy.
    assert!(feature_copy.contains("<<<<<<<") && conflicted.contains("<<<<<<<"));
    let kept = conflicts(&t);
    let names: Vec<&str> = kept.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(kept.len(), 3, "{names:?}");
    let named = |end: &str| &kept.iter().find(|(n, _)| n.ends_with(end)).unwrap().1;
    assert_eq!(*named("-completed__TIX-0001-shared-ticket.md"), conflicted);
    assert_eq!(
        *named("-in-progress__TIX-0001-shared-ticket.md"),
        feature_copy
    );
    let feature_side = named("-in-progress__TIX-0001-shared-ticket.md.1");
    assert!(
        feature_side.contains("status: in_progress") && !feature_side.contains("<<<<<<<"),
        "{feature_side}"
    );
    git(&t, &["add", "-A"]);
    git(&t, &["commit", "-q", "-m", "merge feature"]);
    // TIX-0001: main's later change wins; feature's copy is kept aside.
    assert!(t.exists("tickets/completed/TIX-0001-shared-ticket.md"));
    assert!(!t.exists("tickets/in-progress/TIX-0001-shared-ticket.md"));
    // Two different TIX-0003s: the older (feature's) keeps the id.
    assert!(t.exists("tickets/pending/TIX-0003-made-on-feature.md"));
    assert!(t.exists("tickets/pending/TIX-0004-made-on-main.md"));
    assert_eq!(t.run(&["new", "next one"]).code(0).stdout, "TIX-0005\n");
    let _ = NOW;
}

#[test]
fn a_symlink_to_a_ticket_is_never_resolved_by_moving_the_file_away() {
    let t = healthy();
    let target = t.read("tickets/pending/TIX-0001-a.md");
    std::os::unix::fs::symlink(
        "../pending/TIX-0001-a.md",
        t.path("tickets/completed/TIX-0001-a.md"),
    )
    .unwrap();
    let r = t.run(&["doctor", "--fix"]).code(6);
    assert!(
        r.stdout
            .contains("duplicate_id: id TIX-0001 is used by 2 files")
            && r.stdout.contains("left as it is"),
        "{}",
        r.stdout
    );
    assert_eq!(t.read("tickets/pending/TIX-0001-a.md"), target);
    assert_eq!(
        std::fs::read_link(t.path("tickets/completed/TIX-0001-a.md")).unwrap(),
        std::path::Path::new("../pending/TIX-0001-a.md")
    );
    assert!(conflicts(&t).is_empty());
}

#[test]
fn copies_must_share_created_and_title_else_the_later_ticket_is_renumbered() {
    let t = healthy();
    // Same id and created, another title: two tickets, not two copies.
    let other = ticket(
        "TIX-0001",
        "pending",
        "created: 2029-01-01T00:00:00Z
",
        "",
    )
    .replace("title: Ticket TIX-0001", "title: something else");
    assert_ne!(other, t.read("tickets/pending/TIX-0001-a.md"));
    t.write("tickets/pending/TIX-0001-z.md", &other);
    t.run(&["doctor", "--fix"]).code(0);
    assert!(conflicts(&t).is_empty(), "nothing is set aside");
    assert!(t.exists("tickets/pending/TIX-0001-a.md"));
    let renumbered = t.read("tickets/pending/TIX-0004-z.md");
    assert_eq!(renumbered, other.replace("id: TIX-0001", "id: TIX-0004"));
    // In a sub-folder, it stays there with its slug.
    let third = other.replace("title: something else", "title: a third one");
    t.write("tickets/pending/s1/TIX-0001-third.md", &third);
    t.run(&["doctor", "--fix"]).code(0);
    assert_eq!(
        t.read("tickets/pending/s1/TIX-0005-third.md"),
        third.replace("id: TIX-0001", "id: TIX-0005")
    );
    // Review finding: a name that does not carry the id was replaced by
    // the new id alone (`TIX-0006.md`); it is kept.
    let fourth = other.replace("title: something else", "title: a fourth one");
    t.write("tickets/pending/login bug.md", &fourth);
    t.run(&["doctor", "--fix"]).code(0);
    assert_eq!(
        t.read("tickets/pending/login bug.md"),
        fourth.replace("id: TIX-0001", "id: TIX-0006")
    );
    assert!(!t.exists("tickets/pending/TIX-0006.md"));
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn an_unreadable_index_or_runs_file_is_reported_and_set_aside_without_overwriting() {
    let t = healthy();
    t.write("tickets/.tix/index", "tix-index 1\tgarbage\n\u{0}\u{1}");
    for round in 0..2 {
        t.write("tickets/.tix/runs.json", &format!("not json {round}"));
        let r = t.run(&["doctor"]).code(6);
        assert!(
            r.stdout.contains("tickets/.tix/runs.json: runs_unreadable"),
            "{}",
            r.stdout
        );
        if round == 0 {
            assert!(
                r.stdout
                    .contains("tickets/.tix/index: index_stale: cannot be read"),
                "{}",
                r.stdout
            );
        }
        t.run(&["doctor", "--fix"]).code(0);
    }
    assert_eq!(t.read("tickets/.tix/runs.json.corrupt"), "not json 0");
    assert_eq!(t.read("tickets/.tix/runs.json.corrupt.1"), "not json 1");
    t.run(&["doctor"]).code(0);
}

#[test]
fn a_ticket_in_two_folders_keeps_the_newer_copy_whatever_the_content() {
    let t = healthy();
    // The same file in completed/, edited (another title and body) and
    // updated later: still one ticket in two folders (`created` is the same).
    let newer = ticket(
        "TIX-0002",
        "completed",
        "created: 2029-01-02T00:00:00Z\nupdated: 2029-07-01T00:00:00Z\n",
        "rewritten\n",
    )
    .replace("title: Ticket TIX-0002", "title: renamed on a branch");
    t.write("tickets/completed/TIX-0002-b.md", &newer);
    let older = t.read("tickets/pending/TIX-0002-b.md");
    t.run(&["doctor", "--fix"])
        .code(0)
        .stdout_has("an older copy of completed/TIX-0002-b.md: set aside as .tix/conflicts/");
    assert_eq!(t.read("tickets/completed/TIX-0002-b.md"), newer);
    assert!(!t.exists("tickets/pending/TIX-0002-b.md"));
    let kept = conflicts(&t);
    assert_eq!(kept.len(), 1);
    assert!(kept[0].0.ends_with("-pending__TIX-0002-b.md"), "{kept:?}");
    assert_eq!(kept[0].1, older);
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn two_tickets_with_one_file_name_but_different_created_are_both_kept() {
    let t = healthy();
    // Two clones each made TIX-0002-b.md; a merge put them in two folders.
    let theirs = ticket(
        "TIX-0002",
        "in_progress",
        "created: 2029-04-04T00:00:00Z\n",
        "another ticket\n",
    );
    t.write("tickets/in-progress/TIX-0002-b.md", &theirs);
    let ours = t.read("tickets/pending/TIX-0002-b.md");
    t.run(&["doctor", "--fix"]).code(0);
    assert!(conflicts(&t).is_empty(), "nothing leaves the tree");
    assert_eq!(t.read("tickets/pending/TIX-0002-b.md"), ours);
    assert_eq!(
        t.read("tickets/in-progress/TIX-0004-b.md"),
        theirs.replace("id: TIX-0002", "id: TIX-0004")
    );
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn a_status_folder_that_is_a_symlink_to_another_loses_nothing() {
    let t = healthy();
    t.run(&["complete", "3", "--force"]).code(0);
    std::fs::remove_dir_all(t.path("tickets/archive")).ok();
    std::os::unix::fs::symlink("completed", t.path("tickets/archive")).unwrap();
    let before = t.read("tickets/completed/TIX-0003-c.md");
    t.run(&["doctor", "--fix"]).code(6);
    assert_eq!(t.read("tickets/completed/TIX-0003-c.md"), before);
    assert!(conflicts(&t).is_empty());
}

#[test]
fn a_conflicted_symlink_leaving_the_root_is_never_read_or_replaced() {
    let t = healthy();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("secret.md");
    let text = "---\nid: TIX-0009\n<<<<<<< HEAD\nstatus: pending\n=======\nstatus: completed\n>>>>>>> b\n---\n";
    std::fs::write(&target, text).unwrap();
    let link = t.path("tickets/pending/TIX-0009-secret.md");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    t.run(&["doctor", "--fix"])
        .code(6)
        .stdout_has("left as it is");
    assert_eq!(std::fs::read_link(&link).unwrap(), target);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), text);
    assert!(conflicts(&t).is_empty());
}
