//! The index (`.tix/index`) and what a transition trusts: a change that finds
//! the folders as the index left them patches the registry instead of
//! rendering it, and must give exactly the bytes of a full render; anything
//! that changed behind tix's back is seen where the README says it is.

use crate::util::{Tix, assert_same, ticket, without_failpoints};
use std::fs;
use std::io::Write as _;

const CONFIG: &str = "statuses:\n  - {name: pending, dir: pending}\n  - {name: in_progress, dir: in-progress}\n  - {name: blocked, dir: blocked}\n  - {name: completed, dir: completed}\n  - {name: archived, dir: archive}\ntransitions:\n  pending: [in_progress, blocked]\n  in_progress: [completed, pending, blocked]\n  blocked: [pending, in_progress]\n";

/// 24 tickets over every status, with priorities, agents, dependencies,
/// boxes, CRLF and titles that need escaping.
fn board() -> Tix {
    let mut t = Tix::tree().file("tickets/tix.yaml", CONFIG);
    fs::create_dir_all(t.path("tickets/blocked")).unwrap();
    let priorities = ["critical", "high", "medium", "low"];
    for i in 1..=24 {
        let (dir, status, extra) = match i % 6 {
            0..=2 => ("pending", "pending", String::new()),
            3 => (
                "in-progress",
                "in_progress",
                format!(
                    "agent: a{}\nstarted: 2029-12-{:02}T10:00:00Z\n",
                    i % 3,
                    10 + i % 7
                ),
            ),
            4 => (
                "completed",
                "completed",
                format!("completed: 2029-12-{:02}T10:00:00Z\n", 10 + i % 9),
            ),
            _ => ("archive", "archived", String::new()),
        };
        let deps = if i % 5 == 0 {
            format!("depends_on: [TIX-{:04}]\n", i - 1)
        } else {
            String::new()
        };
        let mut text = ticket(
            &format!("TIX-{i:04}"),
            status,
            &format!("priority: {}\n{extra}{deps}", priorities[i % 4]),
            "- [x] done\n",
        )
        .replace(
            &format!("title: Ticket TIX-{i:04}"),
            &format!("title: \"Ticket {i} | <b>{}</b> `x`\"", "*".repeat(i % 3)),
        );
        if i % 7 == 0 {
            text = text.replace('\n', "\r\n");
        }
        t = t.ticket(dir, &format!("TIX-{i:04}-t{i}.md"), &text);
    }
    t
}

fn index(t: &Tix) -> Vec<u8> {
    fs::read(t.path("tickets/.tix/index")).unwrap()
}

/// Whether the index `after` is `before` with lines appended (a change
/// patched in), not one written anew (the tree read whole).
fn appended(before: &[u8], after: &[u8]) -> bool {
    after.len() > before.len() && after.starts_with(before)
}

/// A tree of `n` tickets `TIX-NNNN-t.md` in the folder `dir`, of status
/// `status`, with the frontmatter lines `extra`.
fn numbered(n: usize, dir: &str, status: &str, extra: &str) -> Tix {
    let mut t = Tix::tree();
    for i in 1..=n {
        let id = format!("TIX-{i:04}");
        t = t.ticket(dir, &format!("{id}-t.md"), &ticket(&id, status, extra, ""));
    }
    t
}

/// A transition whose registry cannot be patched (the registry edited,
/// gone, written again by a pull with the same bytes or with stale ones; a
/// file that does not parse, whose row is in the problems table) renders it
/// whole from the index, the change in it: exactly what a full render
/// gives, the index appended to (not read whole and rewritten). So after
/// a checkout replaced a ticket too. A file edited in place elsewhere
/// leaves it to the full view, which sees the edit.
#[test]
fn a_transition_renders_a_registry_it_cannot_patch_from_the_index() {
    let t = board();
    t.run(&["sync"]).code(0);
    let registry = "tickets/TICKET_REGISTRY.md";
    let stale = t.read(registry);
    let rewrite = |text: &str| {
        t.write("tickets/.pulled", text);
        fs::rename(t.path("tickets/.pulled"), t.path(registry)).unwrap();
    };
    let steps: [(&[&str], &dyn Fn()); 5] = [
        (&["start", "1"], &|| {
            t.write(registry, &(t.read(registry) + "edited\n"))
        }),
        (&["start", "2"], &|| {
            fs::remove_file(t.path(registry)).unwrap()
        }),
        (&["complete", "1"], &|| rewrite(&t.read(registry))),
        (&["move", "7", "blocked"], &|| rewrite(&stale)),
        (&["set", "8", "title=Checked | out"], &|| {
            t.write("tickets/pending/TIX-0099-bad.md", "---\nid: [\n---\n");
            let rel = "tickets/pending/TIX-0013-t13.md";
            t.write(
                "tickets/pending/.saved",
                &t.read(rel).replace("Ticket 13", "Saved 13"),
            );
            fs::rename(t.path("tickets/pending/.saved"), t.path(rel)).unwrap();
            t.write(registry, "# by hand\n");
        }),
    ];
    for (args, perturb) in steps {
        perturb();
        let before = index(&t);
        t.run(args).code(0);
        assert!(
            appended(&before, &index(&t)),
            "{args:?} rewrote the index instead of appending to it"
        );
        // Exactly what a full render gives: `sync` leaves it as it is.
        let rendered = t.read(registry);
        t.run(&["sync"]).code(0);
        assert_eq!(t.read(registry), rendered, "{args:?}");
    }
    assert!(t.read(registry).contains("Saved 13"));
    // An id on two files, both in the index (`sync` read them): the
    // registry's problems list both files, as the full view lists them.
    let copy = "tickets/pending/TIX-0014-copy.md";
    t.write(copy, &t.read("tickets/pending/TIX-0014-t14.md"));
    t.run(&["sync"]).code(0);
    t.write(registry, "# by hand\n");
    t.run(&["start", "19"]).code(0);
    let rendered = t.read(registry);
    assert!(rendered.contains("TIX-0014-copy.md"), "{rendered}");
    t.run(&["sync"]).code(0);
    assert_eq!(t.read(registry), rendered);
    fs::remove_file(t.path(copy)).unwrap();
    t.run(&["sync"]).code(0);
    // A ticket edited in place (its folder's stamp unchanged): read again
    // with its folder, its record appended with the change.
    let rel = "tickets/completed/TIX-0004-t4.md";
    t.write(rel, &t.read(rel).replace("Ticket 4", "Edited 4"));
    t.write(registry, "# by hand\n");
    let before = index(&t);
    t.run(&["complete", "3"]).code(0);
    let after = index(&t);
    assert!(appended(&before, &after), "the index was rewritten");
    assert!(String::from_utf8_lossy(&after[before.len()..]).contains("Edited 4"));
    assert!(t.read(registry).contains("Edited 4"));
    let rendered = t.read(registry);
    t.run(&["sync"]).code(0);
    assert_eq!(t.read(registry), rendered);
}

/// The registry's problems list the files of an id on two files. A
/// transition after such a pair was made or settled outside tix (a copy
/// added, removed, or given another id and name) must show that
/// change in the problems as a full render does, not patch its own row in
/// and keep the problems as they were.
#[test]
fn a_duplicate_made_or_settled_outside_tix_is_seen_by_the_next_transition() {
    let t = board();
    let registry = "tickets/TICKET_REGISTRY.md";
    let copy = "tickets/pending/TIX-0014-copy.md";
    let renamed = "tickets/pending/TIX-0050-copy.md";
    let own = t.read("tickets/pending/TIX-0014-t14.md");
    t.write(copy, &own);
    t.run(&["sync"]).code(0);
    assert!(t.read(registry).contains("TIX-0014-copy.md"));
    // What is run, what was done before it, and whether the id is then on
    // two files.
    type Step<'a> = (&'a [&'a str], &'a dyn Fn(), bool);
    let steps: [Step; 4] = [
        // Settled: the copy removed.
        (
            &["start", "19"],
            &|| fs::remove_file(t.path(copy)).unwrap(),
            false,
        ),
        // Made: a copy added.
        (&["start", "1"], &|| t.write(copy, &own), true),
        // Settled: the copy given an id of its own, and renamed for it.
        (
            &["start", "24"],
            &|| {
                t.write(copy, &own.replace("TIX-0014", "TIX-0050"));
                fs::rename(t.path(copy), t.path(renamed)).unwrap();
            },
            false,
        ),
        // Made again: the id and the name back.
        (
            &["move", "19", "pending"],
            &|| {
                t.write(renamed, &own);
                fs::rename(t.path(renamed), t.path(copy)).unwrap();
            },
            true,
        ),
    ];
    for (args, perturb, twice) in steps {
        perturb();
        t.run(args).code(0);
        let rendered = t.read(registry);
        assert_eq!(
            rendered.contains("id TIX-0014 is used by 2 files"),
            twice,
            "{args:?}: {rendered}"
        );
        // Exactly what a full render gives: `sync` leaves it as it is.
        t.run(&["sync"]).code(0);
        assert_eq!(t.read(registry), rendered, "{args:?}");
    }
}

#[test]
fn a_run_of_transitions_keeps_the_registry_equal_to_a_full_render() {
    let t = board();
    t.run(&["sync"]).code(0);
    let steps: &[&[&str]] = &[
        &["start", "1", "--agent", "bot"],
        &["start", "2"],
        &["complete", "1"],
        &["move", "7", "blocked"],
        &["move", "7", "in-progress"],
        &["complete", "3"],
        &["move", "4", "in_progress"],
        &["move", "4", "archived", "--force"],
        &[
            "new",
            "A new | ticket",
            "--priority",
            "critical",
            "--depends-on",
            "4",
        ],
        &["start", "25"],
        &["start", "25", "--agent", "other", "--force"],
        &["move", "13", "blocked"],
        &["complete", "25", "--force"],
        &["new", "Another"],
        &["move", "26", "blocked"],
        // Keys set by `set` and a ticket claimed by `next` are patched in too.
        &["set", "6", "priority=critical"],
        &["set", "8", "title=Retitled | by set", "labels=x,y"],
        &["set", "12", "depends_on=6"],
        &["next", "--claim"],
    ];
    for args in steps {
        let before = index(&t);
        t.run(args).code(0);
        // The registry is exactly what a full render of the tickets gives.
        t.run(&["sync", "--check"]).code(0);
        // ...and it came from a patch: the index grew by a few lines, its
        // base untouched (a full render would have rewritten it).
        let after = index(&t);
        assert!(
            appended(&before, &after),
            "{args:?} rewrote the index instead of appending to it"
        );
    }
    // And a ticket saved by `tix edit`, its status changed: moved and patched.
    let editor = t.path("editor.sh");
    fs::write(
        &editor,
        "#!/bin/sh\nsed -i -e 's/^status: pending/status: blocked/' -e 's/^priority: .*/priority: low/' \"$1\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&editor, fs::Permissions::from_mode(0o755)).unwrap();
    let before = index(&t);
    let r = crate::util::Run::of(
        t.command(&["edit", "13"])
            .env("EDITOR", &editor)
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(t.exists("tickets/blocked/TIX-0013-t13.md"));
    t.run(&["sync", "--check"]).code(0);
    let after = index(&t);
    assert!(
        appended(&before, &after),
        "edit rewrote the index instead of appending to it"
    );
    // Reads see the same tree the transitions wrote.
    let list = t.run(&["list", "--json"]).code(0).json();
    assert_eq!(list.as_array().unwrap().len(), 26);
    let r = t.run(&["status", "--json"]).code(0).json();
    assert_eq!(r["problems"], 0);
}

#[test]
fn a_ticket_edited_in_place_shows_in_reads_at_once_and_in_the_registry_after_a_read() {
    let t = board();
    t.run(&["sync"]).code(0);
    let rel = "tickets/pending/TIX-0002-t2.md";
    // Written in place (same file, same folder), as most editors and Claude
    // Code's Write tool do.
    let edited = t.read(rel).replace("Ticket 2 |", "Retitled by hand |");
    fs::write(t.path(rel), &edited).unwrap();
    // A transition of another ticket trusts the index for TIX-0002.
    t.run(&["start", "1"]).code(0);
    assert!(
        !t.read("tickets/TICKET_REGISTRY.md")
            .contains("Retitled by hand")
    );
    // Every read command stats every file: the edit shows at once...
    let list = t.run(&["list", "--json"]).code(0).json();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|j| j["title"] == "Retitled by hand | <b>**</b> `x`")
    );
    let status = t.run(&["status", "--json"]).code(0).json();
    assert_eq!(status["problems"], 1, "the registry is reported stale");
    let r = t.run(&["sync", "--check"]).code(6);
    assert!(r.stdout.contains("registry_stale"), "{}", r.stdout);
    // ...and the next transition renders the registry whole.
    t.run(&["start", "6"]).code(0);
    assert!(
        t.read("tickets/TICKET_REGISTRY.md")
            .contains("Retitled by hand")
    );
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn a_ticket_replaced_by_rename_is_seen_by_the_next_transition() {
    let t = board();
    t.run(&["sync"]).code(0);
    let rel = "tickets/pending/TIX-0002-t2.md";
    // Saved by writing a new file and renaming it over the old one (vim,
    // `sed -i`, git checkout): the folder changes, so the index is not trusted.
    let tmp = t.path("tickets/pending/.TIX-0002-t2.md.swp");
    fs::write(&tmp, t.read(rel).replace("Ticket 2 |", "Saved by rename |")).unwrap();
    fs::rename(&tmp, t.path(rel)).unwrap();
    t.run(&["start", "1"]).code(0);
    assert!(
        t.read("tickets/TICKET_REGISTRY.md")
            .contains("Saved by rename")
    );
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn a_ticket_replaced_by_rename_and_then_moved_is_patched_not_rescanned() {
    // A subagent ticks its ticket's box with `sed -i` (a new file renamed
    // over the old one), then the hook completes that ticket: only the
    // changed folder is read again, and the registry is patched.
    let t = board();
    t.run(&["sync"]).code(0);
    t.run(&["start", "1"]).code(0);
    let rel = "tickets/in-progress/TIX-0001-t1.md";
    let tmp = t.path("tickets/in-progress/sedXYZ");
    fs::write(
        &tmp,
        t.read(rel)
            .replace("Ticket 1 |", "Ticked by a subagent |")
            .replace("- [x] done", "- [x] done\n- [x] and more"),
    )
    .unwrap();
    fs::rename(&tmp, t.path(rel)).unwrap();
    let before = index(&t);
    t.run(&["complete", "1"]).code(0);
    let after = index(&t);
    assert!(
        appended(&before, &after),
        "the index was rewritten: the tree was scanned"
    );
    let registry = t.read("tickets/TICKET_REGISTRY.md");
    assert!(registry.contains("Ticked by a subagent"), "{registry}");
    assert!(!registry.contains("Ticket 1 |"), "{registry}");
    t.run(&["sync", "--check"]).code(0);
    // The next transition trusts the index again.
    let before = index(&t);
    t.run(&["start", "2"]).code(0);
    assert!(index(&t).starts_with(&before));
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn a_git_checkout_of_edits_adds_and_removals_is_read_again_not_rescanned() {
    // A branch switch replaces ten tickets in four folders, adds one and
    // removes one; the next transition lists those folders and reads only
    // what changed: the index is appended to (not rewritten, as a full view
    // would), and the registry it patches is exactly a full render's.
    let t = board();
    let git = |args: &[&str]| crate::util::git(&t, args);
    git(&["init", "-q", "-b", "main"]);
    t.run(&["sync"]).code(0);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "tickets"]);
    git(&["checkout", "-qb", "other"]);
    let tickets = |dir: &str| {
        let mut names: Vec<String> = fs::read_dir(t.path(&format!("tickets/{dir}")))
            .unwrap()
            .map(|e| format!("tickets/{dir}/{}", e.unwrap().file_name().to_string_lossy()))
            .collect();
        names.sort();
        names
    };
    let mut edited = Vec::new();
    for dir in ["pending", "in-progress", "completed", "archive"] {
        edited.extend(tickets(dir).into_iter().take(3));
    }
    edited.truncate(10);
    for (k, rel) in edited.iter().enumerate() {
        t.write(
            rel,
            &t.read(rel)
                .replacen("title: ", &format!("title: Edited {k} "), 1),
        );
    }
    t.write(
        "tickets/pending/TIX-0030-from-a-branch.md",
        &ticket("TIX-0030", "pending", "priority: high\n", ""),
    );
    fs::remove_file(t.path("tickets/pending/TIX-0008-t8.md")).unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-qm", "edits"]);
    git(&["checkout", "-q", "main"]);
    t.run(&["sync"]).code(0);
    git(&["checkout", "-q", "other"]);

    let before = index(&t);
    let inode = |t: &Tix| {
        use std::os::unix::fs::MetadataExt;
        fs::metadata(t.path("tickets/.tix/index")).unwrap().ino()
    };
    let first = inode(&t);
    t.run(&["start", "30"]).code(0);
    let after = index(&t);
    assert!(
        appended(&before, &after) && inode(&t) == first,
        "the index was rewritten: the tree was scanned"
    );
    let registry = t.read("tickets/TICKET_REGISTRY.md");
    // The tenth is archived: the registry counts it, without a row.
    for k in 0..9 {
        assert!(
            registry.contains(&format!("Edited {k} ")),
            "{k}: {registry}"
        );
    }
    assert!(!registry.contains("TIX-0008"), "{registry}");
    t.run(&["sync", "--check"]).code(0);
    // And back, with a read first (`git pull`, then `tix status`): the read
    // sees every change but leaves the index as it is, so the transition
    // after it still reads those folders again and patches their rows.
    git(&["checkout", "-q", "main"]);
    let before = index(&t);
    let status = t.run(&["status", "--json"]).code(0).json();
    assert_eq!(status["problems"], 1, "the registry is stale: {status}");
    assert_eq!(index(&t), before, "a read leaves the index to the refresh");
    t.run(&["start", "2"]).code(0);
    assert!(index(&t).starts_with(&before) && inode(&t) == first);
    let registry = t.read("tickets/TICKET_REGISTRY.md");
    assert!(!registry.contains("Edited "), "{registry}");
    assert!(registry.contains("TIX-0008"), "{registry}");
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn at_most_512_files_changed_added_and_removed_in_all_are_read_again() {
    // Added and removed files count together (a branch switch that moves
    // tickets between files): 256 of each is the limit, one more has the
    // index written again whole. Told apart by the index's bytes: an
    // index read again has the delta appended to what it held, one written
    // anew starts with another header (the folders' stamps moved). Its
    // inode number says nothing: a file written twice may get back the
    // number of the one it replaced.
    for (added, removed, rescanned) in [(256, 256, false), (257, 256, true)] {
        let t = numbered(300, "pending", "pending", "");
        t.run(&["sync"]).code(0);
        let before = index(&t);
        for i in 1001..1001 + added {
            let id = format!("TIX-{i:04}");
            t.write(
                &format!("tickets/pending/{id}-t.md"),
                &ticket(&id, "pending", "", ""),
            );
        }
        for i in 300 - removed + 1..=300 {
            fs::remove_file(t.path(&format!("tickets/pending/TIX-{i:04}-t.md"))).unwrap();
        }
        t.run(&["start", "1"]).code(0);
        let after = index(&t);
        assert_eq!(!appended(&before, &after), rescanned, "{added} + {removed}");
        t.run(&["sync", "--check"]).code(0);
    }
}

#[test]
fn a_folder_too_big_to_read_by_offsets_is_read_again_from_the_base() {
    // 600 tickets in one folder: more than the index lists offsets for, so
    // the refresh after a pull reads the base through (a piece at a time)
    // for that folder's records, and still reads again only what changed.
    let t = numbered(600, "pending", "pending", "");
    t.run(&["sync"]).code(0);
    let before = index(&t);
    // Replaced (a new file, as a checkout writes it), added and removed.
    for i in [7, 300, 599] {
        let rel = format!("tickets/pending/TIX-{i:04}-t.md");
        let text = t
            .read(&rel)
            .replacen("title: ", &format!("title: Pulled {i} "), 1);
        fs::remove_file(t.path(&rel)).unwrap();
        t.write(&rel, &text);
    }
    t.write(
        "tickets/pending/TIX-0700-t.md",
        &ticket("TIX-0700", "pending", "", ""),
    );
    fs::remove_file(t.path("tickets/pending/TIX-0500-t.md")).unwrap();
    t.run(&["start", "1"]).code(0);
    let after = index(&t);
    assert!(
        appended(&before, &after),
        "the index was rewritten: the tree was scanned"
    );
    let registry = t.read("tickets/TICKET_REGISTRY.md");
    for i in [7, 300, 599] {
        assert!(registry.contains(&format!("Pulled {i} ")), "{i}");
    }
    assert!(registry.contains("TIX-0700"));
    assert!(!registry.contains("TIX-0500"));
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn a_long_archive_merges_its_appended_changes_into_the_index() {
    // 400 tickets archived in one run: their appended changes outgrow the
    // index's limit, the next change merges them into the index's base and
    // goes on by the index: the changes after it are appended, not each a
    // full render (the index rewritten whole by the last one).
    let t = numbered(
        400,
        "completed",
        "completed",
        "completed: 2020-01-01T00:00:00Z\n",
    );
    t.run(&["sync"]).code(0);
    let r = t.run(&["archive"]).code(0);
    assert_eq!(r.stdout.lines().count(), 400);
    assert_eq!(
        fs::read_dir(t.path("tickets/archive")).unwrap().count(),
        400
    );
    t.run(&["sync", "--check"]).code(0);
    let text = String::from_utf8(index(&t)).unwrap();
    let at = text.find("\nB\t").unwrap() + 3;
    let nl = at + text[at..].find('\n').unwrap();
    let base: usize = text[at..nl].parse().unwrap();
    let appended = &text[nl + 1 + base..];
    assert!(
        appended.lines().filter(|l| l.starts_with("T\t")).count() > 10,
        "the last changes rewrote the index: {} bytes appended",
        appended.len()
    );
}

#[test]
fn a_read_of_one_ticket_sees_a_hand_edit_anywhere_in_the_tree() {
    // `show`, `history ID` and `edit` find their ticket by the index while
    // every file is as it records; a file edited in place (its folder's
    // stamp unchanged) that now carries the same id is seen at once.
    let t = board();
    // A ticket whose file name carries no id: its id is its frontmatter's.
    let rel = "tickets/pending/extra.md";
    t.write(rel, &ticket("TIX-0030", "pending", "", ""));
    t.run(&["sync"]).code(0);
    assert!(
        t.run(&["show", "2"])
            .code(0)
            .stdout
            .starts_with("TIX-0002  Ticket 2")
    );
    let text = t.read(rel).replace("id: TIX-0030", "id: TIX-0002");
    // Written over in place (the same file: its folder's stamp stays).
    t.write(rel, &text);
    for args in [&["show", "2"][..], &["history", "2"], &["edit", "2"]] {
        let r = t.run(args).code(1);
        assert!(
            r.stderr.contains("ticket id 2 is used by 2 files"),
            "{args:?}: {}",
            r.stderr
        );
    }
}

#[test]
fn an_id_a_pull_brought_is_never_given_out_again() {
    // A pull adds TIX-0030 (higher than any id here): the refresh that
    // reads it raises the next number, for this run and the next.
    let t = board();
    t.run(&["sync"]).code(0);
    t.write(
        "tickets/pending/TIX-0030-from-a-branch.md",
        &ticket("TIX-0030", "pending", "", ""),
    );
    assert_eq!(
        t.run(&["new", "After the pull"]).code(0).stdout,
        "TIX-0031\n"
    );
    assert_eq!(
        t.run(&["new", "And after that"]).code(0).stdout,
        "TIX-0032\n"
    );
    t.run(&["start", "1"]).code(0);
    assert_eq!(
        t.run(&["new", "After a start"]).code(0).stdout,
        "TIX-0033\n"
    );
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn a_ticket_copied_into_a_folder_can_be_started_at_once() {
    let t = board();
    t.run(&["sync"]).code(0);
    t.write(
        "tickets/pending/TIX-0030-copied.md",
        &ticket("TIX-0030", "pending", "", ""),
    );
    t.run(&["start", "30"]).code(0);
    assert!(t.exists("tickets/in-progress/TIX-0030-copied.md"));
    t.run(&["sync", "--check"]).code(0);
    // And one removed by hand is gone for the next transition.
    fs::remove_file(t.path("tickets/pending/TIX-0008-t8.md")).unwrap();
    t.run(&["start", "8"]).code(3);
    t.run(&["start", "12"]).code(0);
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn a_broken_torn_or_missing_index_is_rebuilt() {
    let t = board();
    t.run(&["sync"]).code(0);
    let good = index(&t);
    for (what, bytes) in [
        ("garbage", b"\x00\xffnot an index\n".to_vec()),
        ("torn", good[..good.len() / 2].to_vec()),
        (
            "a torn append",
            [good.clone(), b"T\tpending/TIX-0001".to_vec()].concat(),
        ),
        ("empty", Vec::new()),
    ] {
        fs::write(t.path("tickets/.tix/index"), bytes).unwrap();
        t.run(&["start", "1"]).code(0);
        t.run(&["move", "1", "pending"]).code(0);
        t.run(&["sync", "--check"]).code(0);
        assert!(index(&t).starts_with(b"tix-index "), "{what}");
    }
    fs::remove_file(t.path("tickets/.tix/index")).unwrap();
    t.run(&["start", "2"]).code(0);
    t.run(&["sync", "--check"]).code(0);

    // Every path reads but a record does not decode: a read stats the
    // files by the paths while the records are decoded, then reads every
    // file itself, and says what it said with a good index.
    t.run(&["sync"]).code(0);
    let want = t.run(&["list", "--json"]).code(0).json();
    let good = String::from_utf8(index(&t)).unwrap();
    assert!(good.contains("\tM\t"));
    let broken = good.replacen("\tM\t", "\tQ\t", 1);
    fs::write(t.path("tickets/.tix/index"), &broken).unwrap();
    assert_eq!(t.run(&["list", "--json"]).code(0).json(), want);
    let rebuilt = String::from_utf8(index(&t)).unwrap();
    assert!(rebuilt.starts_with("tix-index ") && !rebuilt.contains("\tQ\t"));
}

#[test]
fn replacing_the_registry_keeps_its_mode_and_never_writes_through_a_link() {
    use std::os::unix::fs::PermissionsExt;
    let t = board();
    t.run(&["sync"]).code(0);
    let reg = t.path("tickets/TICKET_REGISTRY.md");
    fs::set_permissions(&reg, fs::Permissions::from_mode(0o640)).unwrap();
    // Someone keeps a hard link to today's registry.
    let link = t.path("kept.md");
    fs::hard_link(&reg, &link).unwrap();
    let kept = fs::read(&link).unwrap();
    for id in ["1", "2", "6", "12"] {
        t.run(&["start", id]).code(0);
    }
    assert_eq!(
        fs::read(&link).unwrap(),
        kept,
        "the linked file is untouched"
    );
    assert_eq!(
        fs::metadata(&reg).unwrap().permissions().mode() & 0o777,
        0o640
    );
    t.run(&["sync", "--check"]).code(0);
}

/// A tree whose index is over 4 MiB, where the reads of every ticket go by
/// the index a record at a time (about 20,000 tickets; here 11,004 with long
/// titles): every status, priorities, agents, dates in no order of the ids,
/// dependencies, a file that does not parse, one that waits for a missing
/// id, two that wait for each other; synced, then a start and a change of
/// priority, which the index holds as deltas. With the long title.
fn large() -> (Tix, String) {
    let t = Tix::tree();
    let title = "a long title ".repeat(25);
    let priorities = ["critical", "high", "medium", "low"];
    for i in 1..=11_000 {
        // Dates in no order of the ids (7 and 11,000 share no factor).
        let day = i * 7 % 11_000;
        let date = format!(
            "2029-{:02}-{:02}T10:00:00Z",
            1 + day / 28 % 12,
            1 + day % 28
        );
        let (dir, fields) = match i % 10 {
            0..=5 => (
                "pending",
                format!("priority: {}\ncreated: {date}\n", priorities[day % 4]),
            ),
            6 => (
                "in-progress",
                format!("status: in_progress\nagent: a{}\nstarted: {date}\n", i % 3),
            ),
            7 | 8 => (
                "completed",
                format!("status: completed\ncompleted: {date}\n"),
            ),
            _ => ("archive", "status: archived\n".to_string()),
        };
        let deps = if i % 9 == 0 {
            format!("depends_on: [TIX-{:04}]\n", i - 3)
        } else {
            String::new()
        };
        t.write(
            &format!("tickets/{dir}/TIX-{i:04}-t.md"),
            &format!(
                "---\nid: TIX-{i:04}\ntitle: {title}{i}\n{fields}{deps}---\n- [x] one\n- [ ] two\n"
            ),
        );
    }
    t.write("tickets/pending/TIX-11001-bad.md", "---\nid: [\n---\n");
    t.write(
        "tickets/pending/TIX-11003-t.md",
        "---\nid: TIX-11003\ntitle: waits\ndepends_on: [TIX-19999]\n---\n",
    );
    t.write(
        "tickets/pending/TIX-11004-t.md",
        "---\nid: TIX-11004\ntitle: knot\ndepends_on: [TIX-11005]\n---\n",
    );
    t.write(
        "tickets/pending/TIX-11005-t.md",
        "---\nid: TIX-11005\ntitle: knot\ndepends_on: [TIX-11004]\n---\n",
    );
    t.run(&["sync"]);
    t.run(&["start", "TIX-0001"]).code(0);
    t.run(&["set", "TIX-0002", "priority=critical"]).code(0);
    let size = fs::metadata(t.path("tickets/.tix/index")).unwrap().len();
    assert!(size > 4 << 20, "{size}");
    (t, title)
}

/// An id on two files (a copy of a ticket saved outside tix, as a merge of
/// two branches that both made it leaves it; here of a ticket that waits
/// for another, and of that other, each unlike the ticket it copies) is no
/// reason for the full view: every
/// read of a large tree goes by the index (the full view's failpoint would
/// abort it) and says what the full view says, the problems naming both
/// files; so does a transition, which renders the registry from the index
/// with both files in its problems.
#[test]
fn a_large_tree_with_an_id_on_two_files_is_read_by_the_index() {
    if without_failpoints() {
        return;
    }
    let (t, _) = large();
    // TIX-0045 waits for TIX-0042: a copy of each, first by path, that
    // stands for its id where a dependency is weighed: TIX-0042's is
    // completed (TIX-0045 may start), TIX-0045's waits for an id no ticket
    // has.
    let copies = [
        (
            "TIX-0042",
            "completed",
            "id: TIX-0042\n",
            "id: TIX-0042\nstatus: completed\n",
        ),
        ("TIX-0045", "pending", "[TIX-0042]", "[TIX-19998]"),
    ];
    for (id, dir, from, to) in copies {
        let text = t.read(&format!("tickets/pending/{id}-t.md"));
        assert!(text.contains(from), "{text}");
        t.write(&format!("tickets/{dir}/.saved"), &text.replace(from, to));
        fs::rename(
            t.path(&format!("tickets/{dir}/.saved")),
            t.path(&format!("tickets/{dir}/{id}-copy.md")),
        )
        .unwrap();
    }
    // The registry's problems do not list them yet: the next transition
    // renders it again, from the index.
    by_index(&t, &["start", "TIX-0020"], 0);
    let registry = t.read("tickets/TICKET_REGISTRY.md");
    for (id, dir, ..) in copies {
        let row = format!("| {dir}/{id}-copy.md |");
        assert!(registry.contains(&row), "{registry}");
    }
    t.run(&["sync"]).code(0);
    assert_eq!(t.read("tickets/TICKET_REGISTRY.md"), registry);
    let reads: [(&[&str], i32); 8] = [
        (&["status"], 0),
        (&["status", "--json"], 0),
        (&["list"], 0),
        (&["list", "--ready"], 0),
        (&["next", "--json"], 0),
        (&["show", "TIX-0021"], 0),
        (&["sync", "--check"], 6),
        (&["doctor"], 6),
    ];
    for (args, code) in reads {
        let read = by_index(&t, args, code);
        let full = untrusted(&t, || t.run(args).code(code));
        assert_same(&read, &full, &format!("{args:?}"));
        // The index as the full view left it no longer matches the
        // folders (see `untrusted`): written again.
        t.run(&["sync"]).code(0);
    }
    let check = by_index(&t, &["sync", "--check", "--json"], 6);
    let message = "id TIX-0045 is used by 2 files: pending/TIX-0045-copy.md, pending/TIX-0045-t.md";
    assert_eq!(check.stdout.matches(message).count(), 2, "{}", check.stdout);
    // The copy first by path waits: for an id no ticket has.
    let stuck: Vec<(String, String)> = check.json()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "missing_dependency")
        .map(|p| (p["path"].to_string(), p["message"].to_string()))
        .collect();
    assert!(
        stuck.contains(&(
            "\"pending/TIX-0045-copy.md\"".into(),
            "\"depends on TIX-19998, which no ticket has: it can never become ready\"".into()
        )),
        "{stuck:?}"
    );
    // TIX-0045 may start: its dependency's first file is completed.
    // What the reads above were compared with was the full view's.
    let full = untrusted(&t, || {
        t.command(&["status"])
            .env("TIX_FAILPOINT", "full-view")
            .output()
            .unwrap()
    });
    assert!(
        String::from_utf8_lossy(&full.stderr).contains("failpoint full-view"),
        "{full:?}"
    );
    let ready = by_index(&t, &["list", "--ready", "--json"], 0).json();
    let paths = crate::util::each_str(&ready, "path");
    assert!(paths.contains(&"pending/TIX-0045-t.md"), "{paths:?}");
}

/// Ticket files that are symlinks are read by the index as the full view
/// reads them (the full view's failpoint would abort it): one to a file
/// inside the root is its target, one that leaves the root is refused.
/// The first command after they appear brings the index up to date for
/// them; every read after says what the full view says, and an edit of a
/// target in place is seen at once.
#[test]
fn a_large_tree_with_symlinked_tickets_is_read_by_the_index() {
    if without_failpoints() {
        return;
    }
    let (t, _) = large();
    fs::create_dir(t.path("tickets/notes")).unwrap();
    fs::create_dir(t.path("outside")).unwrap();
    let links = [
        ("TIX-0002", "tickets/notes/two.md", "../notes/two.md"),
        ("TIX-0003", "outside/three.md", "../../outside/three.md"),
    ];
    for (id, target, link) in links {
        let rel = format!("tickets/pending/{id}-t.md");
        fs::rename(t.path(&rel), t.path(target)).unwrap();
        std::os::unix::fs::symlink(link, t.path(&rel)).unwrap();
    }
    // The registry's problems do not list the refused one yet: the next
    // transition renders it again, from the index.
    by_index(&t, &["start", "TIX-0020"], 0);
    let registry = t.read("tickets/TICKET_REGISTRY.md");
    assert!(
        registry
            .contains("| pending/TIX-0003-t.md |  | a symlink that leaves the root (refused) |"),
        "{registry}"
    );
    t.run(&["sync"]).code(0);
    assert_eq!(t.read("tickets/TICKET_REGISTRY.md"), registry);
    let reads: [(&[&str], i32); 9] = [
        (&["status"], 0),
        (&["status", "--json"], 0),
        (&["list"], 0),
        (&["list", "--ready"], 0),
        (&["next", "--json"], 0),
        (&["show", "TIX-0002"], 0),
        (&["sync", "--check"], 6),
        (&["sync", "--check", "--json"], 6),
        (&["doctor"], 6),
    ];
    let compare = |what: &str| {
        for (args, code) in reads {
            let read = by_index(&t, args, code);
            let full = untrusted(&t, || t.run(args).code(code));
            assert_same(&read, &full, &format!("{what}: {args:?}"));
            t.run(&["sync"]).code(0);
        }
    };
    compare("symlinks");
    // The target inside the root edited in place: its folder's stamp and
    // the link's are as they were.
    let two = t.read("tickets/notes/two.md");
    let edited = two.replacen("title: ", "title: Edited ", 1);
    assert_ne!(edited, two);
    overwrite(&t, "tickets/notes/two.md", &edited);
    let show = by_index(&t, &["show", "TIX-0002"], 0);
    assert!(show.stdout.contains("Edited "), "{}", show.stdout);
    compare("a target edited in place");
}

/// `doctor` right after files were written over in place reads them again
/// by the index as `sync --check` does (the full view's failpoint would
/// abort it), changes nothing, and says what the full view says: the index
/// is stale while such a file says something else than its record, or no
/// longer parses; not for a file that did not parse and still does not,
/// as before.
#[test]
fn doctor_right_after_an_edit_in_place_goes_by_the_index() {
    if without_failpoints() {
        return;
    }
    let (t, _) = large();
    // Not in `pending/`, whose stamp `untrusted` changes.
    let compare = |what: &str, stale: bool| {
        for args in [&["doctor"][..], &["doctor", "--json"]] {
            let before = (t.snapshot(), t.state_snapshot());
            let read = by_index(&t, args, 6);
            assert!(
                (t.snapshot(), t.state_snapshot()) == before,
                "{what}: {args:?} changed a file"
            );
            assert_eq!(
                read.stdout.contains("index_stale"),
                stale,
                "{what}: {read:?}"
            );
            let full = untrusted(&t, || t.run(args).code(6));
            assert_same(&read, &full, &format!("{what}: {args:?}"));
        }
    };
    let started = "tickets/in-progress/TIX-0006-t.md";
    let text = t.read(started);
    overwrite(&t, started, &text.replacen("title: ", "title: Edited ", 1));
    compare("a title edited", true);
    // A read notes what it read again in the index.
    t.run(&["status"]).code(0);
    compare("the edit noted", false);
    let body = "tickets/in-progress/TIX-0016-t.md";
    overwrite(&t, body, &format!("{}More words.\n", t.read(body)));
    compare("a body edited", true);
    t.run(&["status"]).code(0);
    let done = "tickets/completed/TIX-0007-t.md";
    let text = t.read(done);
    let broken = text.replacen("status: completed", "status: [completed", 1);
    assert_ne!(broken, text);
    overwrite(&t, done, &broken);
    compare("a ticket that parses no longer", true);
    t.run(&["status"]).code(0);
    overwrite(&t, done, &format!("{broken}- [ ] three\n"));
    compare("one that still does not parse", false);
}

/// A killed writer's temp file in a ticket folder of a large tree is
/// swept by the next read or change, which goes by the index (the full
/// view's failpoint would abort it), as the full view sweeps it; a check
/// or `doctor`, which change nothing, report it and leave it, as the full
/// view does.
#[test]
fn a_large_tree_s_temp_file_is_swept_by_the_index() {
    if without_failpoints() {
        return;
    }
    let (t, _) = large();
    let temp = "tickets/in-progress/.tix-tmp-999999-x";
    t.write(temp, "half a ticket");
    let check = by_index(&t, &["sync", "--check"], 6);
    assert!(
        check
            .stdout
            .contains("tickets/in-progress/.tix-tmp-999999-x: temp_file: "),
        "{}",
        check.stdout
    );
    assert!(t.exists(temp));
    let full = untrusted(&t, || t.run(&["sync", "--check"]).code(6));
    assert_same(&check, &full, "sync --check");
    let doctor = by_index(&t, &["doctor"], 6);
    assert!(
        doctor
            .stdout
            .contains("tickets/in-progress/.tix-tmp-999999-x: temp_file: "),
        "{}",
        doctor.stdout
    );
    let full = untrusted(&t, || t.run(&["doctor"]).code(6));
    assert_same(&doctor, &full, "doctor");
    assert!(t.exists(temp));
    let read = by_index(&t, &["status"], 0);
    assert!(!t.exists(temp));
    let full = untrusted(&t, || t.run(&["status"]).code(0));
    assert_same(&read, &full, "status");
    t.run(&["sync"]).code(0);
    t.write(temp, "half a ticket");
    by_index(&t, &["start", "TIX-0020"], 0);
    assert!(!t.exists(temp));
    let registry = t.read("tickets/TICKET_REGISTRY.md");
    t.run(&["sync"]).code(0);
    assert_eq!(t.read("tickets/TICKET_REGISTRY.md"), registry);
    // The change and the sweep are in the index: read by it, as the full
    // view reads the tree.
    let read = by_index(&t, &["list", "--json"], 0);
    let full = untrusted(&t, || t.run(&["list", "--json"]).code(0));
    assert_same(&read, &full, "list");
}

/// A status folder that went (a branch without archived tickets checked
/// out) or came is listed by the next command, which goes by the index
/// (the full view's failpoint would abort it) and says what the full view
/// says: past 512 files the index is written again, below it is brought
/// up to date in memory.
#[test]
fn a_large_tree_s_status_folder_that_went_or_came_is_read_by_the_index() {
    if without_failpoints() {
        return;
    }
    let (t, _) = large();
    let reads: [(&[&str], i32); 5] = [
        (&["status", "--json"], 0),
        (&["list"], 0),
        (&["next", "--json"], 0),
        (&["sync", "--check"], 6),
        (&["doctor"], 6),
    ];
    // Each read right after `change` (the tree synced `before` it), by the
    // index and by the full view; then a change, whose registry `sync`
    // leaves as it is.
    let check = |what: &str, before: &dyn Fn(), change: &dyn Fn(), id: &str| {
        let fresh = || {
            before();
            t.run(&["sync"]).code(0);
            change();
        };
        for (args, code) in reads {
            fresh();
            let read = by_index(&t, args, code);
            let full = untrusted(&t, || t.run(args).code(code));
            assert_same(&read, &full, &format!("{what}: {args:?}"));
        }
        fresh();
        by_index(&t, &["start", id], 0);
        let registry = t.read("tickets/TICKET_REGISTRY.md");
        t.run(&["sync"]).code(0);
        assert_eq!(t.read("tickets/TICKET_REGISTRY.md"), registry, "{what}");
    };
    let (archive, away) = (t.path("tickets/archive"), t.path("away"));
    let here = || {
        if !archive.exists() {
            fs::rename(&away, &archive).unwrap();
        }
    };
    let gone = || {
        if archive.exists() {
            fs::rename(&archive, &away).unwrap();
        }
    };
    check("1,100 archived tickets went", &here, &gone, "TIX-0020");
    check("1,100 archived tickets came", &gone, &here, "TIX-0030");
    // A few: brought up to date in memory.
    gone();
    fs::create_dir(&archive).unwrap();
    for i in [9, 19, 29] {
        let name = format!("TIX-{i:04}-t.md");
        fs::rename(away.join(&name), archive.join(&name)).unwrap();
    }
    let few = t.path("few");
    fs::rename(&archive, &few).unwrap();
    let few_here = || {
        if !archive.exists() {
            fs::rename(&few, &archive).unwrap();
        }
    };
    let few_gone = || {
        if archive.exists() {
            fs::rename(&archive, &few).unwrap();
        }
    };
    check("3 archived tickets came", &few_gone, &few_here, "TIX-0040");
    check("3 archived tickets went", &few_here, &few_gone, "TIX-0050");
    // One that came as a symlink leaving the root: refused, nothing in it
    // read, as the full view refuses it.
    std::os::unix::fs::symlink(&away, &archive).unwrap();
    let read = t.run(&["status", "--json"]).code(0);
    assert_eq!(read.json()["counts"]["archived"], 0, "{}", read.stdout);
    let full = untrusted(&t, || t.run(&["status", "--json"]).code(0));
    assert_same(&read, &full, "a symlink leaving the root");
}

/// A change whose registry must be rendered whole (here, one a person
/// changed) while other tickets were written over in place (their
/// folders' stamps unchanged, so the change trusts them) goes by the index
/// (the full view's failpoint would abort it): those files are read again,
/// the registry shows them as they are now, and the index records them.
#[test]
fn a_change_that_renders_the_registry_reads_files_edited_in_place() {
    if without_failpoints() {
        return;
    }
    let (t, _) = large();
    let edit = |rel: &str| {
        let text = t.read(rel).replacen("title: ", "title: Edited ", 1);
        overwrite(&t, rel, &text);
    };
    let mut registry = t.read("tickets/TICKET_REGISTRY.md");
    registry.push('\n');
    t.write("tickets/TICKET_REGISTRY.md", &registry);
    // One in the folder the change leaves, one elsewhere.
    edit("tickets/pending/TIX-0030-t.md");
    edit("tickets/completed/TIX-0007-t.md");
    by_index(&t, &["start", "TIX-0040"], 0);
    let registry = t.read("tickets/TICKET_REGISTRY.md");
    assert_eq!(registry.matches("| Edited a long title").count(), 2);
    // The index says what the files say.
    let doctor = t.run(&["doctor"]).code(6);
    assert!(!doctor.stdout.contains("index_stale"), "{}", doctor.stdout);
    t.run(&["sync"]).code(0);
    assert_eq!(t.read("tickets/TICKET_REGISTRY.md"), registry);
}

/// `doctor --fix` with no ticket to move, no copy and no conflict to
/// settle writes the registry and the index as `sync` does, by the index
/// (the full view's failpoint would abort it), and says what it did as it
/// says it from the full view: here a registry changed by hand and a
/// ticket written over in place. The next `doctor` finds neither.
#[test]
fn doctor_fix_goes_by_the_index_when_no_ticket_moves() {
    if without_failpoints() {
        return;
    }
    let (t, _) = large();
    let damage = |n: u32| {
        let registry = t.read("tickets/TICKET_REGISTRY.md");
        t.write(
            "tickets/TICKET_REGISTRY.md",
            &format!("{registry}# by hand\n"),
        );
        let rel = "tickets/completed/TIX-0007-t.md";
        let text = t
            .read(rel)
            .replacen("title: ", &format!("title: Edited {n} "), 1);
        overwrite(&t, rel, &text);
    };
    damage(1);
    let fixed = by_index(&t, &["doctor", "--fix"], 6);
    for line in [
        "tickets/TICKET_REGISTRY.md: registry_stale: does not match the tickets — fixed: regenerated\n",
        "tickets/.tix/index: index_stale: does not match the ticket files (a file edited in place); rebuilt by the next read, or by --fix — fixed: rebuilt\n",
    ] {
        assert!(fixed.stdout.contains(line), "{}", fixed.stdout);
    }
    let doctor = t.run(&["doctor"]).code(6).stdout;
    assert!(
        !doctor.contains("registry_stale") && !doctor.contains("index_stale"),
        "{doctor}"
    );
    let registry = t.read("tickets/TICKET_REGISTRY.md");
    assert!(registry.contains("| Edited 1 a long title"), "{registry}");
    t.run(&["sync"]).code(0);
    assert_eq!(t.read("tickets/TICKET_REGISTRY.md"), registry);
    // The same damage again, repaired by the full view.
    damage(2);
    let full = untrusted(&t, || t.run(&["doctor", "--fix"]).code(6));
    assert_same(&fixed, &full, "doctor --fix");
}

/// `doctor --fix` moves the tickets `doctor` found in the wrong folder
/// (one moved there by hand, one whose status was edited in place) by the
/// index (the full view's failpoint would abort it), each move logged as
/// a repair, then writes the registry and the index as `sync` does.
#[test]
fn doctor_fix_moves_misplaced_tickets_by_the_index() {
    if without_failpoints() {
        return;
    }
    let (t, _) = large();
    fs::rename(
        t.path("tickets/in-progress/TIX-0026-t.md"),
        t.path("tickets/pending/TIX-0026-t.md"),
    )
    .unwrap();
    let rel = "tickets/pending/TIX-0022-t.md";
    let text = t.read(rel).replacen("---\n", "---\nstatus: completed\n", 1);
    overwrite(&t, rel, &text);
    let fixed = by_index(&t, &["doctor", "--fix"], 6);
    for line in [
        "tickets/pending/TIX-0022-t.md: misplaced: status is completed but the file is in pending/ (tix sync moves it to completed/) — fixed: moved to completed/TIX-0022-t.md\n",
        "tickets/pending/TIX-0026-t.md: misplaced: status is in_progress but the file is in pending/ (tix sync moves it to in-progress/) — fixed: moved to in-progress/TIX-0026-t.md\n",
    ] {
        assert!(fixed.stdout.contains(line), "{}", fixed.stdout);
    }
    assert!(t.exists("tickets/in-progress/TIX-0026-t.md"));
    assert_eq!(t.read("tickets/completed/TIX-0022-t.md"), text);
    let events = t.read("tickets/.tix/events.jsonl");
    for id in ["TIX-0022", "TIX-0026"] {
        let logged = format!("\"ticket\":\"{id}\",\"action\":\"repair\"");
        assert_eq!(events.matches(&logged).count(), 1, "{id}");
    }
    let doctor = t.run(&["doctor"]).code(6).stdout;
    for kind in ["misplaced", "registry_stale", "index_stale"] {
        assert!(!doctor.contains(kind), "{doctor}");
    }
    let registry = t.read("tickets/TICKET_REGISTRY.md");
    t.run(&["sync"]).code(0);
    assert_eq!(t.read("tickets/TICKET_REGISTRY.md"), registry);
}

/// A move `doctor --fix` cannot make (the destination's name is taken by a
/// folder) is said once, not again by the full view after it; the
/// registry is written all the same.
#[test]
fn a_move_doctor_fix_cannot_make_is_said_once() {
    let t = Tix::tree()
        .ticket(
            "pending",
            "TIX-0001-a.md",
            &ticket("TIX-0001", "in_progress", "", ""),
        )
        .ticket(
            "pending",
            "TIX-0002-b.md",
            &ticket("TIX-0002", "pending", "", ""),
        );
    t.run(&["sync", "--check"]).code(6);
    fs::create_dir_all(t.path("tickets/in-progress/TIX-0001-a.md")).unwrap();
    let out = t.run(&["doctor", "--fix", "--json"]).code(6);
    let failed = out.stdout.matches("\"repair_failed\"").count();
    assert_eq!(failed, 1, "{}", out.stdout);
    assert!(t.exists("tickets/pending/TIX-0001-a.md"));
    assert!(t.read("tickets/TICKET_REGISTRY.md").contains("TIX-0002"));
}

/// `doctor` right after a file was written over in place while more than
/// 512 files changed elsewhere (the index then written anew, apart, with
/// nothing of the edited file's old record at hand) says the index is
/// stale, as the full view says it.
#[test]
fn doctor_after_an_edit_in_place_beside_a_large_pull_says_the_index_is_stale() {
    let (t, _) = large();
    for i in 0..600 {
        let id = format!("TIX-{:05}", 20_000 + i);
        t.write(
            &format!("tickets/completed/{id}-pulled.md"),
            &ticket(&id, "completed", "", ""),
        );
    }
    let rel = "tickets/in-progress/TIX-0006-t.md";
    let text = t.read(rel).replacen("title: ", "title: Edited ", 1);
    overwrite(&t, rel, &text);
    let read = t.run(&["doctor"]).code(6);
    assert!(read.stdout.contains("index_stale"), "{}", read.stdout);
    let full = untrusted(&t, || t.run(&["doctor"]).code(6));
    assert_same(&read, &full, "doctor");
}

/// A temp file a read cannot remove (a folder it may not write; here a
/// failpoint) is reported by every read, not only by the one that found
/// it: no index vouches for its folder, which the next read lists again
/// instead of trusting the index. The first read that can remove it does.
#[test]
fn a_temp_file_no_read_can_remove_is_reported_by_every_read() {
    if without_failpoints() {
        return;
    }
    let t = Tix::tree().ticket(
        "pending",
        "TIX-0001-a.md",
        &ticket("TIX-0001", "pending", "", ""),
    );
    t.run(&["sync"]).code(0);
    t.write("tickets/pending/.tix-tmp-1-x", "half");
    // No index: the first read writes one, the folder listed with the file.
    fs::remove_file(t.path("tickets/.tix/index")).unwrap();
    let problems = |failpoint: &str| {
        let out = t
            .command(&["status", "--json"])
            .env("TIX_FAILPOINT", failpoint)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["problems"].clone()
    };
    for _ in 0..3 {
        assert_eq!(problems("full:remove-temp"), 1);
    }
    assert!(t.exists("tickets/pending/.tix-tmp-1-x"));
    assert_eq!(problems(""), 0);
    assert!(!t.exists("tickets/pending/.tix-tmp-1-x"));
    assert_eq!(problems(""), 0);
}

/// What `args` prints and exits with three ways: from the index; from an
/// index written anew by a read of every file, a record at a time (the
/// index gone, as in a fresh clone); and from the full view (see
/// [`untrusted`]). `tix sync` then writes the index again, knowing the
/// registry.
fn three_ways(t: &Tix, args: &[&str], code: i32) -> [(String, String); 3] {
    let by_index = t.run(args).code(code);
    fs::remove_file(t.path("tickets/.tix/index")).unwrap();
    let streamed = t.run(args).code(code);
    // A check writes no index (it changes nothing): a read does.
    if !t.exists("tickets/.tix/index") {
        t.run(&["list", "--json"]).code(0);
    }
    let full = untrusted(t, || t.run(args).code(code));
    t.run(&["sync"]).code(0);
    [by_index, streamed, full].map(|r| (r.stdout, r.stderr))
}

/// What `args` gives by the index alone: the full view's failpoint
/// aborts a run that takes it (debug builds).
fn by_index(t: &Tix, args: &[&str], code: i32) -> crate::util::Run {
    let out = t
        .command(args)
        .env("TIX_FAILPOINT", "full-view")
        .output()
        .unwrap();
    crate::util::Run::of(out).code(code)
}

/// Writes `text` over the file `rel` in place, as an editor that does not
/// save by rename does: its folder's stamp stays as it was.
fn overwrite(t: &Tix, rel: &str, text: &str) {
    fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(t.path(rel))
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
}

/// What `run` gives while a folder the index does not know is there, below
/// `pending/`, holding a file whose name is not UTF-8 (and no ticket): the
/// index cannot be brought up to date, as a refresh lists only folders of
/// UTF-8 names, and a read goes by the full view (a check reads every file
/// anew), which passes such a file over as it is no ticket. (An empty new
/// folder is listed by a refresh, and read by the index.)
fn untrusted<R>(t: &Tix, run: impl FnOnce() -> R) -> R {
    use std::os::unix::ffi::OsStrExt;
    let below = t.path("tickets/pending/below");
    fs::create_dir(&below).unwrap();
    let odd = below.join(std::ffi::OsStr::from_bytes(b"\xff.txt"));
    fs::write(&odd, "not a ticket").unwrap();
    let out = run();
    fs::remove_file(&odd).unwrap();
    fs::remove_dir(&below).unwrap();
    out
}

/// What `args` prints from the index and from the full view (see
/// [`three_ways`]); from an index written anew, it prints what it prints
/// from the index.
fn by_index_and_full(t: &Tix, args: &[&str]) -> (String, String) {
    let [by_index, streamed, full] = three_ways(t, args, 0);
    assert_same(
        &streamed,
        &by_index,
        &format!("{args:?} from an index written anew"),
    );
    (by_index.0, full.0)
}

/// On a large tree `status` and `report` read the index a record at a time
/// when it is exactly the tree: the dashboard, as text and as JSON, and the
/// HTML report are byte for byte what the full view gives, problems counted
/// alike; and a file edited in place is seen at once.
#[test]
fn a_large_tree_s_dashboard_by_the_index_is_the_full_view_s() {
    let (t, title) = large();
    let (by_index, full) = by_index_and_full(&t, &["status"]);
    assert!(
        by_index.contains("4 problems: run `tix sync --check`"),
        "{by_index}"
    );
    assert_same(&by_index, &full, "by the index and the full view");
    // The index written by the full view knows the registry.
    let (by_index, full) = by_index_and_full(&t, &["status", "--json"]);
    assert_same(&by_index, &full, "by the index and the full view");
    // The HTML report: its board's columns, every ticket in progress.
    let (by_index, full) = by_index_and_full(&t, &["report", "--html", "-"]);
    assert!(by_index.contains("and 6552 more"), "{by_index}");
    assert_same(&by_index, &full, "by the index and the full view");

    // A registry written since, with its bytes or others: rendered from
    // the index and compared, as the full view does.
    let registry = t.read("tickets/TICKET_REGISTRY.md");
    for text in [registry.clone(), format!("{registry}\n")] {
        fs::write(t.path("tickets/TICKET_REGISTRY.md"), &text).unwrap();
        let (by_index, full) = by_index_and_full(&t, &["status"]);
        assert_same(&by_index, &full, "by the index and the full view");
        t.run(&["sync"]).code(0);
    }
    // A ticket edited in place, its record in the first 8,192 stat'ed (not
    // the last of them): seen at once.
    let rel = "tickets/in-progress/TIX-0006-t.md";
    let text = t
        .read(rel)
        .replace(&format!("title: {title}6\n"), "title: edited by hand\n");
    fs::write(t.path(rel), text).unwrap();
    t.run(&["status", "--json"])
        .code(0)
        .stdout_has("\"title\": \"edited by hand\"");
}

/// What `args` prints and exits with from the index and from the full
/// view (see [`three_ways`]); from an index written anew, what it does
/// from the index.
fn checked_by_index_and_full(t: &Tix, args: &[&str], code: i32) -> [(String, String); 2] {
    let [by_index, streamed, full] = three_ways(t, args, code);
    assert_same(
        &streamed,
        &by_index,
        &format!("{args:?} from an index written anew"),
    );
    [by_index, full]
}

/// On a large tree `sync --check` and `doctor` read every file and find
/// the tickets' problems from the index a record at a time when every
/// file says what its record says and the index knows the registry: what
/// they print, as text and JSON, is byte for byte the full view's. A ticket edited in
/// place leaves the answer to the full view, which finds the registry
/// stale.
#[test]
fn a_large_tree_s_check_by_the_index_is_the_full_view_s() {
    let (t, title) = large();
    for args in [
        &["sync", "--check"][..],
        &["sync", "--check", "--json"],
        &["doctor"],
        &["doctor", "--json"],
    ] {
        let [by_index, full] = checked_by_index_and_full(&t, args, 6);
        assert_same(&by_index, &full, &format!("{args:?}"));
    }
    let r = t.run(&["sync", "--check"]).code(6);
    assert_eq!(
        r.stdout,
        "tickets/pending/TIX-11001-bad.md:3: malformed: invalid YAML in the frontmatter: did not find expected node content, while parsing a flow node\n\
         tickets/pending/TIX-11003-t.md: missing_dependency: depends on TIX-19999, which no ticket has: it can never become ready\n\
         tickets/pending/TIX-11004-t.md: dependency_cycle: depends on itself: TIX-11004 → TIX-11005 → TIX-11004 (each waits for the next)\n\
         tickets/pending/TIX-11005-t.md: dependency_cycle: depends on itself: TIX-11005 → TIX-11004 → TIX-11005 (each waits for the next)\n"
    );
    let rel = "tickets/pending/TIX-0002-t.md";
    let text = t
        .read(rel)
        .replace(&format!("title: {title}2\n"), "title: edited by hand\n");
    fs::write(t.path(rel), text).unwrap();
    let [by_index, full] = checked_by_index_and_full(&t, &["sync", "--check"], 6);
    assert!(
        by_index.0.contains("TICKET_REGISTRY.md: registry_stale: "),
        "{by_index:?}"
    );
    assert_same(&by_index, &full, "by the index and the full view");
    // A registry written since, its bytes the same or not: rendered from
    // the index and compared, as the full view does.
    t.run(&["sync"]).code(0);
    let registry = t.read("tickets/TICKET_REGISTRY.md");
    for (text, code) in [(registry.clone(), 6), (format!("{registry}\n"), 6)] {
        for args in [&["sync", "--check"][..], &["doctor", "--json"]] {
            fs::write(t.path("tickets/TICKET_REGISTRY.md"), &text).unwrap();
            let [by_index, full] = checked_by_index_and_full(&t, args, code);
            assert_same(&by_index, &full, &format!("{args:?}"));
        }
    }
    // doctor also says the index is stale (the full view, the index gone,
    // has none to find stale).
    fs::write(t.path(rel), t.read(rel).replace("edited by hand", "again")).unwrap();
    let out = t.run(&["doctor"]).code(6).stdout;
    let tail = "tickets/.tix/index: index_stale: does not match the ticket files (a file edited in place); rebuilt by the next read, or by --fix\n\
                tickets/TICKET_REGISTRY.md: registry_stale: does not match the tickets\n";
    assert!(out.ends_with(tail), "{out}");
    // An index that cannot be read: the tickets are read into one apart,
    // and doctor says so, as the full view does.
    t.run(&["sync"]).code(0);
    fs::write(t.path("tickets/.tix/index"), "tix-index 5\ttorn").unwrap();
    t.run(&["doctor"]).code(6).stdout_has(
        "tickets/.tix/index: index_stale: cannot be read (damaged, or made for other status folders)",
    );
    t.run(&["doctor", "--fix"]).code(6);
    assert!(!t.run(&["doctor"]).code(6).stdout.contains("index_stale"));

    // sync --check and doctor change nothing, not even `.tix/` nor the
    // temp folder: from the index, without one (a fresh clone), with one
    // brought up to date in memory for a file saved by rename, and with one
    // that cannot be (read anew by the check).
    let tmp = tempfile::tempdir().unwrap();
    let unchanged = |t: &Tix| {
        let before = (t.snapshot(), t.state_snapshot());
        for args in [&["sync", "--check"][..], &["doctor"]] {
            let out = t.command(args).env("TMPDIR", tmp.path()).output().unwrap();
            assert_eq!(out.status.code(), Some(6), "{args:?}");
            assert!(
                (t.snapshot(), t.state_snapshot()) == before,
                "{args:?} changed the tree"
            );
            assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0, "{args:?}");
        }
    };
    t.run(&["sync"]).code(0);
    unchanged(&t);
    fs::remove_file(t.path("tickets/.tix/index")).unwrap();
    unchanged(&t);
    t.run(&["sync"]).code(0);
    let rel = "tickets/pending/TIX-0011-t.md";
    t.write(
        "tickets/pending/saved",
        &t.read(rel).replacen("title:", "title: Saved", 1),
    );
    fs::rename(t.path("tickets/pending/saved"), t.path(rel)).unwrap();
    unchanged(&t);
    untrusted(&t, || unchanged(&t));
}

/// On a large tree with nothing to move and a registry the index knows,
/// `sync` finds it all from the index, writes nothing and says what the
/// full view says; a ticket moved by hand to another folder (the index
/// and the registry brought up to date by a transition since) is moved
/// back.
#[test]
fn a_large_tree_s_sync_by_the_index_is_the_full_view_s() {
    let (t, _) = large();
    let before = t.read("tickets/TICKET_REGISTRY.md");
    let [by_index, full] = checked_by_index_and_full(&t, &["sync"], 0);
    assert_eq!(
        by_index.1,
        "tix: warning: tickets/pending/TIX-11001-bad.md:3: invalid YAML in the frontmatter: did not find expected node content, while parsing a flow node\n\
         tix: 11004 tickets; 0 moved; tickets/TICKET_REGISTRY.md unchanged\n"
    );
    assert_same(&by_index, &full, "by the index and the full view");
    assert_eq!(t.read("tickets/TICKET_REGISTRY.md"), before);
    // A registry written since with the same bytes: rendered from the
    // index, found fresh and noted in it; with other bytes, written again
    // from the index, and noted in it too (a line appended: the index is
    // not written anew, as the full view writes it).
    for (text, said) in [
        (before.clone(), "unchanged"),
        (format!("{before}\n"), "regenerated"),
    ] {
        fs::write(t.path("tickets/TICKET_REGISTRY.md"), text).unwrap();
        let was = index(&t);
        t.run(&["sync"]).code(0).stderr_has(&format!(
            "tix: 11004 tickets; 0 moved; tickets/TICKET_REGISTRY.md {said}\n"
        ));
        assert_eq!(t.read("tickets/TICKET_REGISTRY.md"), before);
        assert!(appended(&was, &index(&t)), "{said}");
    }
    fs::rename(
        t.path("tickets/in-progress/TIX-0016-t.md"),
        t.path("tickets/pending/TIX-0016-t.md"),
    )
    .unwrap();
    t.run(&["start", "TIX-0005"]).code(0);
    t.run(&["sync"]).code(0).stderr_has(
        "tix: moved tickets/pending/TIX-0016-t.md → tickets/in-progress/TIX-0016-t.md\n",
    );
    assert!(t.path("tickets/in-progress/TIX-0016-t.md").exists());
}

/// On a large tree with tickets in the wrong folder (a status edited by
/// hand in place, a file moved by hand) and a title edited in place,
/// `sync` moves each by the index, as a transition moves a ticket, in the
/// order of their paths, and leaves what the full view leaves: the same
/// output, files, registry and events.
#[test]
fn a_large_tree_s_sync_moves_by_the_index_what_the_full_view_moves() {
    let (t, title) = large();
    let edit = |rel: &str, from: &str, to: &str| {
        let text = t.read(rel);
        assert!(text.contains(from), "{rel}: {text}");
        fs::write(t.path(rel), text.replacen(from, to, 1)).unwrap();
    };
    let id = |n: &str| format!("id: TIX-{n}\n");
    edit(
        "tickets/pending/TIX-0011-t.md",
        &id("0011"),
        &format!("{}status: completed\n", id("0011")),
    );
    edit(
        "tickets/pending/TIX-0012-t.md",
        &id("0012"),
        &format!("{}status: in_progress\n", id("0012")),
    );
    edit(
        "tickets/completed/TIX-0017-t.md",
        "status: completed\n",
        "status: pending\n",
    );
    edit(
        "tickets/pending/TIX-0013-t.md",
        &format!("title: {title}13\n"),
        "title: edited by hand\n",
    );
    fs::rename(
        t.path("tickets/in-progress/TIX-0016-t.md"),
        t.path("tickets/pending/TIX-0016-t.md"),
    )
    .unwrap();
    let copy = Tix::empty();
    crate::util::copy_dir(t.root(), copy.root());
    crate::util::copy_dir(&t.path("tickets/.tix"), &copy.path("tickets/.tix"));
    // By the index: the full view's failpoint would abort it.
    let by_index = by_index(&t, &["sync"], 0);
    assert_eq!(
        by_index.stderr,
        "tix: moved tickets/completed/TIX-0017-t.md → tickets/pending/TIX-0017-t.md\n\
         tix: moved tickets/pending/TIX-0011-t.md → tickets/completed/TIX-0011-t.md\n\
         tix: moved tickets/pending/TIX-0012-t.md → tickets/in-progress/TIX-0012-t.md\n\
         tix: moved tickets/pending/TIX-0016-t.md → tickets/in-progress/TIX-0016-t.md\n\
         tix: warning: tickets/pending/TIX-11001-bad.md:3: invalid YAML in the frontmatter: did not find expected node content, while parsing a flow node\n\
         tix: 11004 tickets; 4 moved; tickets/TICKET_REGISTRY.md regenerated\n"
    );
    let full = untrusted(&copy, || copy.run(&["sync"]).code(0));
    assert_same(&by_index, &full, "by the index and the full view");
    assert!(
        t.read("tickets/TICKET_REGISTRY.md")
            .contains("edited by hand")
    );
    assert_eq!(t.snapshot(), copy.snapshot());
    // The same events but for their transactions' ids (a time and a pid).
    let events = |t: &Tix| {
        let mut events = t.events();
        for e in &mut events {
            e.as_object_mut().unwrap().remove("tx").unwrap();
        }
        events
    };
    assert_eq!(events(&t), events(&copy));
    assert_eq!(events(&t).len(), 6);
    let check = t.run(&["sync", "--check", "--json"]).code(6).json();
    assert_eq!(check["problems"].as_array().unwrap().len(), 4, "{check}");
}

/// On a large tree, right after ticket files were written over in place
/// (their folders' stamps as they were: an editor that does not save by
/// rename), each read goes by the index brought up to date for their
/// folders and prints what the full view prints, edits included; it
/// notes them in the index (a check writes nothing), so that the next
/// transition, which trusts the folders' stamps, sees them: the registry
/// it leaves is fresh.
#[test]
fn a_large_tree_s_reads_right_after_an_edit_in_place_are_the_full_view_s() {
    let (t, _) = large();
    let files = [
        ("tickets/pending/TIX-0011-t.md", 11),
        ("tickets/completed/TIX-0017-t.md", 17),
    ];
    let mut n = 0;
    let edit = |n: usize| {
        for (rel, i) in files {
            let text = t.read(rel);
            let at = text.find("title: ").unwrap();
            let end = at + text[at..].find('\n').unwrap();
            let text = format!(
                "{}title: edited in place {n} {i}{}",
                &text[..at],
                &text[end..]
            );
            // Written over: the same file, its folder untouched.
            fs::write(t.path(rel), text).unwrap();
        }
    };
    for args in [
        &["status"][..],
        &["status", "--json"],
        &["list"],
        &["list", "--sort", "title", "--json"],
        &["next"],
        &["show", "11"],
    ] {
        n += 1;
        edit(n);
        let was = index(&t);
        let by_index = t.run(args).code(0);
        assert!(index(&t) != was, "{args:?}: the index was not written");
        let full = untrusted(&t, || t.run(args).code(0));
        assert_same(&by_index, &full, &format!("{args:?}"));
        if args[0] != "status" && args != ["next"] {
            assert!(
                by_index.stdout.contains(&format!("edited in place {n} 11")),
                "{args:?}"
            );
        }
    }
    // A check finds the registry stale, and writes nothing.
    n += 1;
    edit(n);
    let was = t.state_snapshot();
    let check = t.run(&["sync", "--check", "--json"]).code(6).json();
    assert_eq!(t.state_snapshot(), was);
    let kinds = crate::util::each_str(&check["problems"], "kind");
    assert!(kinds.contains(&"registry_stale"), "{check}");
    // A read, then a transition: the registry it leaves shows the edits.
    t.run(&["status"]).code(0);
    t.run(&["start", "TIX-0005"]).code(0);
    let registry = t.read("tickets/TICKET_REGISTRY.md");
    assert!(registry.contains(&format!("edited in place {n} 11")));
    let check = t.run(&["sync", "--check", "--json"]).code(6).json();
    assert_eq!(check["problems"].as_array().unwrap().len(), 4, "{check}");
}

/// On a large tree `next`, a read of one ticket, an archive's dry run
/// and a session's start print the same three ways: from the index, from
/// one written anew by a read of every file (the index gone), and from the
/// full view.
#[test]
fn a_large_tree_s_other_reads_are_the_same_three_ways() {
    let (t, _) = large();
    for args in [
        &["next"][..],
        &["show", "7"],
        &["history", "TIX-0007"],
        &["archive", "--dry-run", "--older-than", "0"],
    ] {
        let [by_index, streamed, full] = three_ways(&t, args, 0);
        assert_same(&by_index, &streamed, &format!("{args:?}"));
        assert_same(&by_index, &full, &format!("{args:?}"));
    }
    let payload = serde_json::json!({
        "session_id": "s",
        "transcript_path": "/dev/null",
        "cwd": t.root().join("tickets"),
        "hook_event_name": "SessionStart",
        "source": "startup",
    });
    let start = || t.hook(&payload, &[]).code(0).stdout;
    let by_index = start();
    assert!(by_index.contains("in progress"), "{by_index}");
    fs::remove_file(t.path("tickets/.tix/index")).unwrap();
    assert_eq!(start(), by_index);
    assert!(t.exists("tickets/.tix/index"));
}

/// On a large tree, after a checkout that replaced, added and removed ticket
/// files (each folder's stamp changed), every read goes by the index brought
/// up to date in memory for those folders: what it prints and exits with is
/// byte for byte the full view's, and it writes nothing (the next transition
/// lists the folders again and patches the registry's rows).
#[test]
fn a_large_tree_s_reads_after_a_checkout_are_the_full_view_s() {
    let (t, _) = large();
    t.run(&["sync"]).code(0);
    let saved = |rel: &str, text: &str| {
        t.write("tickets/pending/.checkout", text);
        fs::rename(t.path("tickets/pending/.checkout"), t.path(rel)).unwrap();
    };
    for rel in [
        "tickets/pending/TIX-0011-t.md",
        "tickets/in-progress/TIX-0016-t.md",
    ] {
        saved(
            rel,
            &t.read(rel).replacen("title: ", "title: Checked out ", 1),
        );
    }
    fs::remove_file(t.path("tickets/completed/TIX-0017-t.md")).unwrap();
    saved(
        "tickets/pending/TIX-20000-t.md",
        "---\nid: TIX-20000\ntitle: Added\npriority: critical\n---\n",
    );
    let index = t.read("tickets/.tix/index");
    for (args, code) in [
        (&["status"][..], 0),
        (&["status", "--json"], 0),
        (&["list"], 0),
        (&["list", "--json", "--sort", "priority"], 0),
        (&["next"], 0),
        (&["show", "11"], 0),
        (&["history", "TIX-0016"], 0),
        (&["sync", "--check"], 6),
        (&["doctor"], 6),
    ] {
        // The index as the checkout left it (the full view wrote its own).
        t.write("tickets/.tix/index", &index);
        let by_index = t.run(args).code(code);
        assert!(
            t.read("tickets/.tix/index") == index,
            "{args:?} wrote the index"
        );
        let full = untrusted(&t, || t.run(args).code(code));
        assert_same(&by_index, &full, &format!("{args:?}"));
    }
    // The next transition patches what changed into the registry.
    t.write("tickets/.tix/index", &index);
    t.run(&["start", "2"]).code(0);
    assert!(t.read("tickets/TICKET_REGISTRY.md").contains("Checked out"));
    let check = t.run(&["sync", "--check"]).code(6).stdout;
    assert_eq!(check.lines().count(), 4, "{check}");
    assert!(!check.contains("registry_stale"), "{check}");
}

/// On a large tree, after a checkout of more files than a refresh reads
/// again in memory (600 replaced, some added and removed), the first
/// command writes the index again from the one it had (but `sync --check`
/// and `doctor`, which change nothing: theirs is a file apart): what every
/// read prints and exits with is byte for byte the full view's, the index
/// written is the one a read of every file writes, and a transition then
/// renders the registry whole from it.
#[test]
fn a_large_tree_s_commands_after_a_checkout_of_many_files_are_the_full_view_s() {
    let (t, _) = large();
    t.run(&["sync"]).code(0);
    for i in (1..=6000).filter(|i| i % 10 == 3) {
        let rel = format!("tickets/pending/TIX-{i:04}-t.md");
        let text = t.read(&rel).replacen("title: ", "title: Pulled ", 1);
        t.write("tickets/pending/.checkout", &text);
        fs::rename(t.path("tickets/pending/.checkout"), t.path(&rel)).unwrap();
    }
    for i in [12, 13] {
        fs::remove_file(t.path(&format!("tickets/pending/TIX-{i:04}-t.md"))).unwrap();
    }
    t.write(
        "tickets/in-progress/TIX-20000-t.md",
        "---\nid: TIX-20000\ntitle: Added\nstatus: in_progress\n---\n",
    );
    let old = t.read("tickets/.tix/index");
    // The index a read of every file writes now (of no registry).
    let streamed = || {
        fs::remove_file(t.path("tickets/.tix/index")).unwrap();
        t.run(&["show", "1"]).code(0);
        t.read("tickets/.tix/index")
    };
    for (args, code, writes) in [
        (&["status"][..], 0, true),
        (&["status", "--json"], 0, true),
        (&["list"], 0, true),
        (&["list", "--json", "--sort", "priority"], 0, true),
        (&["next"], 0, true),
        (&["show", "11"], 0, true),
        (&["sync", "--check"], 6, false),
        (&["doctor"], 6, false),
    ] {
        t.write("tickets/.tix/index", &old);
        let by_index = t.run(args).code(code);
        let now = t.read("tickets/.tix/index");
        if writes {
            assert!(now.contains("Pulled"), "{args:?}");
            assert!(now == streamed(), "{args:?} wrote another index");
        } else {
            assert!(now == old, "{args:?} wrote the index");
        }
        t.write("tickets/.tix/index", &old);
        let full = untrusted(&t, || t.run(args).code(code));
        assert_same(&by_index, &full, &format!("{args:?}"));
    }
    t.write("tickets/.tix/index", &old);
    t.run(&["start", "2"]).code(0);
    assert!(t.read("tickets/TICKET_REGISTRY.md").contains("Pulled"));
    let check = t.run(&["sync", "--check"]).code(6).stdout;
    assert!(!check.contains("registry_stale"), "{check}");
    let registry = t.read("tickets/TICKET_REGISTRY.md");
    t.run(&["sync"]).code(0);
    assert_eq!(t.read("tickets/TICKET_REGISTRY.md"), registry);
}

/// On a large tree `list` reads the index a record at a time when it is
/// exactly the tree, in every order, through a pipe, in a terminal and as
/// JSON: what it prints, with any filter and `--ready`, is byte for byte
/// what the full view prints, nothing listed alike. Where no temp file can
/// be made, a line says so and the full view lists. A file edited in place
/// is seen at once.
#[test]
fn a_large_tree_s_list_by_the_index_is_the_full_view_s() {
    let (t, title) = large();
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["list", "--sort", "id"],
        &["list", "--sort", "priority", "--json"],
        &["list", "--status", "in_progress", "--agent", "a1"],
        &["list", "--agent", "-", "--priority", "critical", "--json"],
        &["list", "--label", "nothing", "--json"],
        &["list", "--label", "nothing"],
        &["list", "--title", "title 10", "--sort", "created"],
        &["list", "--ready", "--json"],
        &["list", "--ready", "--sort", "priority", "--agent", "-"],
        &["list", "--sort", "created", "--json"],
        &["list", "--sort", "updated", "--status", "pending"],
        &["list", "--sort", "title", "--ready"],
        &["list", "--sort", "title", "--label", "nothing", "--json"],
    ] {
        let (by_index, full) = by_index_and_full(&t, args);
        assert_same(&by_index, &full, &format!("{args:?}"));
    }
    // In a terminal, the table laid out from what was kept (colours on).
    for args in [
        &["list"][..],
        &["list", "--label", "nothing"],
        &["list", "--sort", "created"],
    ] {
        let by_index = t.run_tty(args, 120);
        fs::remove_file(t.path("tickets/.tix/index")).unwrap();
        assert_same(&by_index, &t.run_tty(args, 120), &format!("{args:?}"));
    }
    let rel = "tickets/in-progress/TIX-0006-t.md";
    let text = t
        .read(rel)
        .replace(&format!("title: {title}6\n"), "title: edited by hand\n");
    fs::write(t.path(rel), text).unwrap();
    t.run(&["list", "--sort", "id"])
        .code(0)
        .stdout_has("TIX-0006\tin_progress\tmedium\ta0\tedited by hand\n");
    // No temp file can be made: said once, and the full view lists.
    let listed = t.run(&["list", "--sort", "title"]).code(0).stdout;
    let t = t.env("TMPDIR", "/nonexistent/tix-tmp");
    for args in [
        &["list", "--sort", "title"][..],
        &["list", "--sort", "priority"],
    ] {
        let run = t
            .run(args)
            .code(0)
            .stderr_has("tix: could not write the list's temp files (");
        assert_eq!(
            run.stderr.matches("temp files").count(),
            1,
            "{}",
            run.stderr
        );
        if args[2] == "title" {
            assert_eq!(run.stdout, listed);
        }
    }
}
