//! `tix init` adopts an existing tree in place: no byte of it changes.

use crate::util::Tix;

#[test]
fn init_in_an_empty_folder_creates_the_tree() {
    let t = Tix::empty();
    t.run(&["init"])
        .code(0)
        .stderr_has("tickets: initialised; 0 tickets");
    for d in [
        "pending",
        "in-progress",
        "completed",
        "archive",
        "templates",
        ".tix",
    ] {
        assert!(t.path(&format!("tickets/{d}")).is_dir(), "{d}");
    }
    assert_eq!(
        t.read("tickets/.tix/.gitignore"),
        "# tix tool state: lock, journal, index, audit log\n*\n"
    );
    assert!(t.read("tickets/tix.yaml").contains("id_prefix: TIX "));
    assert!(
        t.read("tickets/TICKET_REGISTRY.md")
            .contains("| **total** | **0** |")
    );
    t.run(&["sync", "--check"]).code(0);
    let before = t.snapshot();
    t.run(&["init"]).code(0).stderr_has("already a tix tree");
    assert_eq!(t.snapshot(), before, "a second init changes nothing");
    let t2 = Tix::empty();
    t2.run(&["init", "work/board"]).code(0);
    assert!(t2.exists("work/board/tix.yaml"));
}

#[test]
fn init_adopts_an_existing_tree_without_touching_it() {
    let t = Tix::empty()
        .file(
            "tickets/todo/WMHA-0042-thing.md",
            "---\nid: WMHA-0042\ntitle: A thing\n---\nbody\n",
        )
        .file(
            "tickets/todo/WMHA-0043.md",
            "---\nid: WMHA-0043\ntitle: [broken\n---\n",
        )
        .file(
            "tickets/doing/WMHA-0044.md",
            "---\r\nid: WMHA-0044\r\ntitle: crlf\r\n---\r\n",
        )
        .file(
            "tickets/done/FW-035a-x.md",
            "---\nid: FW-035a\ntitle: suffixed\nstatus: completed\n---\n",
        )
        .file(
            "tickets/blocked/WMHA-0045.md",
            "---\nid: WMHA-0045\ntitle: waiting\n---\n",
        )
        .file("tickets/notes/readme.txt", "not tickets\n")
        .file("tickets/TICKET_REGISTRY.md", "# made by hand\n");
    let before = t.snapshot();
    let r = t.run(&["init"]).code(0);
    assert_eq!(
        r.stderr,
        "tix: tickets: initialised; 4 tickets: pending 1 · in_progress 1 · completed 1 · archived 0 · blocked 1\n\
         tix: folders: todo/ = pending (pending), doing/ = in_progress (in_progress), done/ = completed (completed), archive/ = archived (archived), blocked/ = blocked (pending)\n\
         tix: 1 problem (`tix sync --check` lists them; tix.yaml says how statuses are read):\n\
         tix:   1 × malformed: invalid YAML in the frontmatter — fix each file: the message says what and on which line\n\
         tix:       tickets/todo/WMHA-0043.md:4\n"
    );
    let after = t.snapshot();
    for (path, bytes) in &before {
        assert_eq!(after.get(path), Some(bytes), "{path} changed");
    }
    let cfg = t.read("tickets/tix.yaml");
    assert!(cfg.contains("id_prefix: WMHA "), "{cfg}");
    assert!(
        cfg.contains(
            "{name: pending, dir: todo, kind: pending, ready: true, aliases: [todo, to do, open, new, planned]}"
        ),
        "{cfg}"
    );
    assert!(
        cfg.contains(
            "{name: in_progress, dir: doing, kind: in_progress, aliases: [doing, active, wip, started]}"
        ),
        "{cfg}"
    );
    assert!(
        cfg.contains(
            "{name: completed, dir: done, kind: completed, aliases: [done, complete, closed, resolved]}"
        ),
        "{cfg}"
    );
    assert!(
        cfg.contains("{name: blocked, dir: blocked, kind: pending, ready: false}"),
        "{cfg}"
    );
    assert!(!cfg.contains("notes"), "{cfg}");
    let list = t.run(&["list", "--json"]).code(0).json();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["WMHA-0042", "WMHA-0044", "FW-035a", "WMHA-0045"]);
    t.run(&["sync", "--check"])
        .code(6)
        .stdout
        .contains("WMHA-0043");
    // The first sync keeps the hand-made registry.
    t.run(&["sync"]).code(0);
    assert_eq!(
        t.read("tickets/.tix/registry-before-tix.md"),
        "# made by hand\n"
    );
    // New ids use the adopted prefix; the extra status is usable.
    assert_eq!(t.run(&["new", "next"]).code(0).stdout, "WMHA-0046\n");
    t.run(&["move", "42", "blocked"]).code(0);
    assert!(t.exists("tickets/blocked/WMHA-0042-thing.md"));
}

#[test]
fn a_large_broken_tree_gets_a_short_summary_and_grouped_checks() {
    let mut t = Tix::empty();
    for i in 1..=150 {
        t = t
            .ticket(
                "todo",
                &format!("OPS-{i:04}.md"),
                &format!("---\nid: OPS-{i:04}\nstatus: someday\n---\n"),
            )
            .ticket(
                "done",
                &format!("OPS-{:04}.md", 1000 + i),
                &format!("---\nid: OPS-{:04}\ntitle: [x\n---\n", 1000 + i),
            )
            .ticket(
                "todo",
                &format!("OPS-{:04}.md", 2000 + i),
                "no frontmatter\n",
            );
    }
    let t = t
        .ticket("todo", "README.md", "# How we work\n")
        .ticket("done", "README.md", "# Done tickets\n")
        .ticket("todo", "TEMPLATE.md", "---\nowner:\n---\n# Title\n");
    let r = t.run(&["init"]).code(0);
    assert!(r.stderr.lines().count() <= 25, "{}", r.stderr);
    assert_eq!(
        r.stderr.lines().skip(2).collect::<Vec<_>>(),
        [
            "tix: 450 problems (`tix sync --check` lists them; tix.yaml says how statuses are read):",
            "tix:   150 × malformed: invalid YAML in the frontmatter — fix each file: the message says what and on which line",
            "tix:       tickets/done/OPS-1001.md:4, tickets/done/OPS-1002.md:4, tickets/done/OPS-1003.md:4, and 147 more",
            "tix:   150 × malformed: unknown status — add the status (or an alias for it) to tix.yaml's statuses, or fix the files",
            "tix:       tickets/todo/OPS-0001.md:3, tickets/todo/OPS-0002.md:3, tickets/todo/OPS-0003.md:3, and 147 more",
            "tix:   150 × malformed: no frontmatter — fix each file: the message says what and on which line",
            "tix:       tickets/todo/OPS-2001.md:1, tickets/todo/OPS-2002.md:1, tickets/todo/OPS-2003.md:1, and 147 more",
        ]
    );
    let r = t.run(&["sync", "--check"]).code(6);
    assert_eq!(r.stdout.lines().count(), 3 * 6, "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "\n… and 145 more malformed: unknown status (`tix sync --check --json` lists every one)\n"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.starts_with(
            "tickets/done/OPS-1001.md:4: malformed: invalid YAML in the frontmatter: "
        ),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.stderr.lines().collect::<Vec<_>>(),
        [
            "tix: 450 problems found:",
            "tix:   150 × malformed: invalid YAML in the frontmatter — fix each file: the message says what and on which line",
            "tix:   150 × malformed: unknown status — add the status (or an alias for it) to tix.yaml's statuses, or fix the files",
            "tix:   150 × malformed: no frontmatter — fix each file: the message says what and on which line",
        ]
    );
    let all = t.run(&["sync", "--check", "--json"]).code(6).json();
    assert_eq!(all["problems"].as_array().unwrap().len(), 450);
}

#[test]
fn files_named_as_other_tools_name_them_are_tickets() {
    let t = Tix::tree()
        .ticket(
            "pending",
            "pac-12 - Aggiungere crediti.md",
            "---\nid: PAC-12\ntitle: Aggiungere crediti\nstatus: To Do\n---\n- [x] fatto\n",
        )
        .ticket(
            "pending",
            "back-222_title.md",
            "---\nid: BACK-222\ntitle: x\nstatus: pending\n---\n",
        );
    t.run(&["sync"]).code(0);
    t.run(&["sync", "--check"]).code(0);
    t.run(&["start", "PAC-12"]).code(0);
    t.run(&["complete", "pac-12"]).code(0);
    assert_eq!(
        t.read("tickets/completed/pac-12 - Aggiungere crediti.md"),
        format!(
            "---\nid: PAC-12\ntitle: Aggiungere crediti\nstatus: completed\n\
             started: {0}\nupdated: {0}\ncompleted: {0}\n---\n- [x] fatto\n",
            crate::util::NOW
        )
    );
}
