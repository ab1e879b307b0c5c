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
        "# tix's state. Committed with the tree: the audit log (events.jsonl) and the\n\
         # highest id given out (last-id), merged by git's union driver (../.gitattributes).\n\
         # Local to each checkout: the lock, the journal, caches, runs in progress, logs.\n\
         *\n!.gitignore\n!events.jsonl\n!last-id\n"
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
        "tix: tickets: initialised; 4 tickets: blocked 1 · todo 1 · doing 1 · completed 1 · archived 0\n\
         tix: folders: blocked/ = blocked (pending), todo/ = todo (pending), doing/ = doing (in_progress), done/ = completed (completed), archive/ = archived (archived)\n\
         tix: 1 problem (`tix sync --check` lists them; tix.yaml says how statuses are read):\n\
         tix:   1 × malformed: invalid YAML in the frontmatter — fix each file: the message says what and on which line\n\
         tix:       tickets/todo/WMHA-0043.md:4\n"
    );
    let after = t.snapshot();
    for (path, bytes) in &before {
        assert_eq!(after.get(path), Some(bytes), "{path} changed");
    }
    // Each folder is the status its name means, named as its files spell it
    // (done/ says `completed`), else as the folder; an unknown folder with
    // tickets is a status of its own, pending and not ready; statuses come
    // in board order.
    let cfg = t.read("tickets/tix.yaml");
    assert!(cfg.contains("id_prefix: WMHA "), "{cfg}");
    let statuses: Vec<&str> = cfg.lines().filter(|l| l.starts_with("  - {")).collect();
    assert_eq!(
        statuses,
        [
            "  - {name: blocked, dir: blocked, kind: pending, ready: false}",
            "  - {name: todo, dir: todo, kind: pending, ready: true, aliases: [pending, to do, open, new, planned]}",
            "  - {name: doing, dir: doing, kind: in_progress, aliases: [in_progress, active, wip, started]}",
            "  - {name: completed, dir: done, kind: completed, aliases: [complete, closed, resolved]}",
            "  - {name: archived, dir: archive, kind: archived}",
        ]
    );
    assert!(!cfg.contains("notes"), "{cfg}");
    let list = t.run(&["list", "--json"]).code(0).json();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["WMHA-0045", "WMHA-0042", "WMHA-0044", "FW-035a"]);
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
            .ticket("todo", &format!("OPS-{:04}.md", 2000 + i), "");
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
            "tix:   150 × malformed: the file is empty — fix each file: the message says what and on which line",
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
            "tix:   150 × malformed: the file is empty — fix each file: the message says what and on which line",
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

#[test]
fn templates_and_notes_are_no_tickets_but_a_bold_id_is_one() {
    let t = Tix::tree()
        .ticket(
            "pending",
            "TEMPLATE.md",
            "---\nid: TIX-XXXX\ntitle: The title\n---\n",
        )
        .ticket(
            "pending",
            "notes.md",
            "---\ntitle: Meeting notes\ndate: 2026-01-02\n---\n",
        )
        .ticket(
            "pending",
            "TECH-070.1-validate.md",
            "# Sub-task: Validate\n\n**ID:** TECH-070.1\n**Priority:** Medium\n",
        )
        .ticket(
            "pending",
            "plan.md",
            "---\ntitle: A plan\npriority: high\n---\n",
        );
    t.run(&["sync"]).code(0);
    assert_eq!(
        t.run(&["sync", "--check"]).code(6).stdout,
        "tickets/pending/plan.md:2: malformed: no `id` in the frontmatter\n"
    );
    t.run(&["show", "tech-70.1"])
        .code(0)
        .stdout_has("TECH-070.1  Sub-task: Validate");
    let r = t.run(&["init"]).code(0);
    assert!(
        r.stderr
            .contains("malformed: no `id` in the frontmatter — fix each file"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_ticket_whose_name_does_not_carry_its_id_is_found_by_its_id() {
    let tk = |id: &str| format!("---\nid: {id}\ntitle: T {id}\n---\nbody\n");
    let t = Tix::tree()
        .ticket("pending", "feature-004-visual-diagrams.md", &tk("FEAT-004"))
        .ticket("pending", "login bug.md", &tk("BUG-7"))
        .ticket("pending", "TIX-0006-copy.md", &tk("TIX-0066"));
    t.run(&["sync"]).code(0);
    assert_eq!(
        t.run(&["sync", "--check"]).code(6).stdout,
        "tickets/pending/TIX-0006-copy.md:2: malformed: id TIX-0066 does not match the file name (expected TIX-0066.md or TIX-0066-<slug>.md)\n"
    );
    // With the index written, found through it; then again after a change.
    t.run(&["start", "FEAT-004"]).code(0);
    assert!(t.exists("tickets/in-progress/feature-004-visual-diagrams.md"));
    t.run(&["show", "feat-4"]).code(0).stdout_has("T FEAT-004");
    t.run(&["move", "BUG-7", "in_progress"]).code(0);
    t.run(&["complete", "bug-0007"]).code(0);
    assert_eq!(
        t.read("tickets/completed/login bug.md"),
        format!(
            "---\nid: BUG-7\ntitle: T BUG-7\nstatus: completed\nstarted: {0}\nupdated: {0}\ncompleted: {0}\n---\nbody\n",
            crate::util::NOW
        )
    );
    let list = t.run(&["list", "--json"]).code(0).json();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["FEAT-004", "BUG-7"]);
}

#[test]
fn ids_of_several_words_with_sub_numbers_or_without_a_number() {
    let tk = |id: &str, deps: &str| {
        format!("---\nid: {id}\ntitle: T {id}\npriority: high\ndepends_on: [{deps}]\n---\n")
    };
    let t = Tix::tree()
        .ticket(
            "pending",
            "AGENT-CREATION-005-agents.md",
            &tk("AGENT-CREATION-005", "TICKET-block-main-bash"),
        )
        .ticket("pending", "BACK-4.10 - Later.md", &tk("BACK-4.10", ""))
        .ticket("pending", "BACK-4.2 - Sooner.md", &tk("BACK-4.2", ""))
        .ticket(
            "pending",
            "block-main-bash.md",
            &tk("TICKET-block-main-bash", ""),
        );
    t.run(&["sync"]).code(0);
    t.run(&["sync", "--check"]).code(0);
    // Numbers compare as numbers: 4.2 before 4.10; AGENT-CREATION-005 waits.
    assert_eq!(t.run(&["next"]).code(0).stdout, "BACK-4.2\n");
    t.run(&["start", "agent-creation-5"]).code(4).stderr_has(
        "cannot start AGENT-CREATION-005: depends on TICKET-block-main-bash, which is pending",
    );
    t.run(&["start", "TICKET-block-main-bash"]).code(0);
    t.run(&["complete", "ticket-BLOCK-main-bash"]).code(0);
    assert!(t.exists("tickets/completed/block-main-bash.md"));
    t.run(&["start", "AGENT-CREATION-005"]).code(0);
    t.run(&["show", "back-4.10"])
        .code(0)
        .stdout_has("BACK-4.10  T BACK-4.10");
    // A number alone never means an id with a sub-number.
    t.run(&["show", "4"]).code(3);
}

#[test]
fn tickets_in_the_root_are_read_where_they_are() {
    let tk =
        |id: &str, status: &str| format!("---\nid: {id}\ntitle: T {id}\nstatus: {status}\n---\n");
    let t = Tix::empty()
        .file("tickets/README.md", "# Our tickets\n")
        .file("tickets/T-015-ci.md", &tk("T-015", "pending"))
        .file("tickets/T-016.md", &tk("T-016", "in progress"))
        .file("tickets/pending/T-001.md", &tk("T-001", "pending"));
    let before = t.snapshot();
    t.run(&["init", "tickets"]).code(0).stderr_has("3 tickets");
    for (path, bytes) in &before {
        assert_eq!(t.snapshot().get(path), Some(bytes), "{path} changed");
    }
    assert!(t.read("tickets/tix.yaml").contains("\nticket_dirs: [.] "));
    at(&t, "tickets", &["sync", "--check"]).code(0);
    at(&t, "tickets", &["show", "T-015"])
        .code(0)
        .stdout_has("T T-015");
    // A ticket in the root stays there: the root is a flat folder.
    at(&t, "tickets", &["start", "T-015"]).code(0);
    assert_eq!(
        t.read("tickets/T-015-ci.md"),
        tk("T-015", "in progress").replace(
            "status: in progress\n",
            &format!(
                "status: in progress\nstarted: {0}\nupdated: {0}\n",
                crate::util::NOW
            )
        )
    );
    at(&t, "tickets", &["sync", "--check"]).code(0);
    // A file added by hand beside them is seen by the next command.
    t.write("tickets/T-017.md", &tk("T-017", "pending"));
    let list = at(&t, "tickets", &["list", "--json"]).code(0).json();
    assert_eq!(list.as_array().unwrap().len(), 4);
    at(&t, "tickets", &["complete", "T-015"]).code(0);
    at(&t, "tickets", &["start", "T-017"]).code(0);
    assert!(t.exists("tickets/T-017.md"));
    at(&t, "tickets", &["sync"]).code(0);
    at(&t, "tickets", &["sync", "--check"]).code(0);
    at(&t, "tickets", &["doctor"]).code(0);
}

#[test]
fn a_status_folder_renamed_by_hand_is_reported() {
    let t = Tix::tree()
        .ticket(
            "completed",
            "TIX-0001.md",
            &crate::util::ticket("TIX-0001", "completed", "", ""),
        )
        .file("tickets/docs/TIX-0009-notes.md", "# TIX-0009 notes\n");
    t.run(&["sync"]).code(0);
    t.run(&["sync", "--check"]).code(0);
    std::fs::rename(t.path("tickets/completed"), t.path("tickets/finished")).unwrap();
    let r = t.run(&["sync", "--check"]).code(6);
    assert!(
        r.stdout.starts_with(
            "tickets/finished/: unread_folder: 1 ticket in a folder tix does not read (name it in tix.yaml: a status's dir, or ticket_dirs)\n"
        ),
        "{}",
        r.stdout
    );
    let j = t.run(&["doctor", "--json"]).code(6).json();
    assert!(
        j["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["kind"] == "unread_folder" && p["path"] == "finished/"),
        "{j}"
    );
}

#[test]
fn hooks_start_adopted_ids_also_in_a_fresh_clone() {
    let tk = |id: &str| format!("---\nid: {id}\ntitle: T {id}\nstatus: pending\n---\n");
    let t = Tix::tree()
        .ticket("pending", "back-222 - Login.md", &tk("BACK-222"))
        .ticket("pending", "TICKET-0009.md", &tk("TICKET-0009"))
        .ticket("pending", "TIX-0001.md", &tk("TIX-0001"));
    let payload = |id: &str, prompt: &str| {
        serde_json::json!({
            "hook_event_name": "PreToolUse", "tool_name": "Agent", "session_id": "s",
            "tool_use_id": id, "cwd": t.root().to_str().unwrap(),
            "tool_input": {"description": "work", "prompt": prompt, "subagent_type": "dev"}
        })
    };
    // No index yet, as in a fresh clone (.tix/ is not committed).
    assert!(!t.exists("tickets/.tix/index"));
    t.hook(&payload("t1", "Fix BACK-222 please"), &[]);
    assert!(t.exists("tickets/in-progress/back-222 - Login.md"));
    // With the index, ids of another prefix are found through it.
    t.hook(
        &payload("t2", "then TICKET-0009, and UTF-8 is no ticket"),
        &[],
    );
    assert!(t.exists("tickets/in-progress/TICKET-0009.md"));
}

/// `tix --root ROOT args`.
fn at(t: &Tix, root: &str, args: &[&str]) -> crate::util::Run {
    let mut full = vec!["--root", root];
    full.extend(args);
    t.run(&full)
}

#[test]
fn a_folders_and_frontmatter_tree_is_adopted_as_it_spells_itself() {
    let wm = |id: &str, status: &str, deps: &str| {
        format!(
            "---\nid: {id}\ntitle: Ticket {id}\nstatus: {status}\npriority: high\n\
             created: 2025-11-02\ndepends_on: [{deps}]\n---\n\n## Done when\n- [ ] it works"
        )
    };
    let t = Tix::empty()
        .file("tickets/README.md", "# Tickets\n")
        .file("tickets/_templates/ticket.md", "---\nid: WMHA-XXXX\n---\n")
        .file("tickets/backlog/README.md", "# Backlog\n")
        .file(
            "tickets/backlog/WMHA-0050-later.md",
            &wm("WMHA-0050", "backlog", ""),
        )
        .file("tickets/ready/README.md", "# Ready\n")
        .file(
            "tickets/ready/WMHA-0042-next.md",
            &wm("WMHA-0042", "ready", "WMHA-0040"),
        )
        .file(
            "tickets/in-progress/WMHA-0041-now.md",
            &wm("WMHA-0041", "in-progress", ""),
        )
        .file("tickets/done/README.md", "# Done\n")
        .file(
            "tickets/done/WMHA-0040-before.md",
            &wm("WMHA-0040", "done", ""),
        );
    let before = t.snapshot();
    let r = t.run(&["init", "tickets"]).code(0);
    assert_eq!(
        r.stderr,
        "tix: tickets: initialised; 4 tickets: backlog 1 · ready 1 · in-progress 1 · done 1 · archived 0\n\
         tix: folders: backlog/ = backlog (pending), ready/ = ready (pending), in-progress/ = in-progress (in_progress), done/ = done (completed), archive/ = archived (archived)\n"
    );
    for (path, bytes) in &before {
        assert_eq!(t.snapshot().get(path), Some(bytes), "{path} changed");
    }
    assert_eq!(r.stderr, crate::util::readme_output("tix init tickets"));
    assert_eq!(
        statuses_block(&t.read("tickets/tix.yaml")),
        crate::util::readme_output(
            "sed -n '/^statuses/,/^ticket_dirs/p' tickets/tix.yaml | grep -v '^  *#'"
        )
    );
    at(&t, "tickets", &["sync"]).code(0);
    at(&t, "tickets", &["sync", "--check"]).code(0);
    // next draws from ready/, not backlog/; its dependency in done/ is met.
    assert_eq!(at(&t, "tickets", &["next"]).code(0).stdout, "WMHA-0042\n");
    at(&t, "tickets", &["start", "WMHA-0042"]).code(0);
    at(&t, "tickets", &["complete", "42", "--force"]).code(0);
    // The tree's own spelling, only the keys a transition sets, no newline added.
    assert_eq!(
        t.read("tickets/done/WMHA-0042-next.md"),
        format!(
            "---\nid: WMHA-0042\ntitle: Ticket WMHA-0042\nstatus: done\npriority: high\n\
             created: 2025-11-02\ndepends_on: [WMHA-0040]\nstarted: {0}\nupdated: {0}\n\
             completed: {0}\n---\n\n## Done when\n- [ ] it works",
            crate::util::NOW
        )
    );
    // An inference the user corrects in tix.yaml: backlog is ready too.
    let cfg = t.read("tickets/tix.yaml");
    assert!(cfg.contains("\nid_prefix: WMHA ") && cfg.contains("\nid_width: 4 "));
    t.write(
        "tickets/tix.yaml",
        &cfg.replace(
            "{name: backlog, dir: backlog, kind: pending, ready: false}",
            "{name: backlog, dir: backlog, kind: pending, ready: true}",
        ),
    );
    assert_eq!(at(&t, "tickets", &["next"]).code(0).stdout, "WMHA-0050\n");
}

#[test]
fn a_backlog_md_project_is_adopted_as_a_flat_tree() {
    let bl = |id: &str, status: &str| {
        format!(
            "---\nid: {id}\ntitle: 'Task {id}'\nstatus: {status}\nassignee: []\n\
             created_date: '2026-03-10 16:51'\nlabels:\n  - feature\ndependencies: []\n---\n\n\
             ## Description\n\nSomething.\n"
        )
    };
    let t = Tix::empty()
        .file("backlog/config.yml", "project_name: x\n")
        .file("backlog/tasks/pac-1 - First.md", &bl("PAC-1", "To Do"))
        .file(
            "backlog/tasks/pac-2 - Second.md",
            &bl("PAC-2", "In Progress"),
        )
        .file("backlog/tasks/pac-3 - Third.md", &bl("PAC-3", "Done"))
        .file("backlog/completed/pac-4 - Fourth.md", &bl("PAC-4", "Done"))
        .file("backlog/drafts/draft-1 - Idea.md", &bl("DRAFT-1", "Draft"));
    let before = t.snapshot();
    let r = t.run(&["init", "backlog"]).code(0);
    assert_eq!(
        r.stderr,
        "tix: backlog: initialised; 5 tickets: Draft 1 · To Do 1 · In Progress 1 · Done 2 · archived 0\n\
         tix: folders: drafts/ = Draft (pending), To Do (pending, no folder), In Progress (in_progress, no folder), completed/ = Done (completed), archive/ = archived (archived)\n"
    );
    for (path, bytes) in &before {
        assert_eq!(t.snapshot().get(path), Some(bytes), "{path} changed");
    }
    assert_eq!(r.stderr, crate::util::readme_output("tix init backlog"));
    let cfg = t.read("backlog/tix.yaml");
    assert_eq!(
        statuses_block(&cfg),
        crate::util::readme_output(
            "sed -n '/^statuses/,/^ticket_dirs/p' backlog/tix.yaml | grep -v '^  *#'"
        )
    );
    assert!(cfg.contains("\nid_prefix: PAC "), "{cfg}");
    assert!(cfg.contains("\nticket_dirs: [tasks] "), "{cfg}");
    at(&t, "backlog", &["sync"]).code(0);
    at(&t, "backlog", &["sync", "--check"]).code(0);
    at(&t, "backlog", &["start", "PAC-1"]).code(0);
    at(&t, "backlog", &["complete", "PAC-1", "--force"]).code(0);
    assert_eq!(
        t.read("backlog/tasks/pac-1 - First.md"),
        bl("PAC-1", "Done").replace(
            "dependencies: []\n",
            &format!(
                "dependencies: []\nstarted: {0}\nupdated: {0}\ncompleted: {0}\n",
                crate::util::NOW
            )
        )
    );
}

#[test]
fn an_archived_task_is_archived_and_a_bare_flat_task_can_start() {
    let bl = |id: &str, status: &str, priority: &str| {
        format!(
            "---\nid: {id}\ntitle: Task {id}\n{status}priority: {priority}\n---\n\nSomething.\n"
        )
    };
    let t = Tix::empty()
        .file(
            "backlog/tasks/pac-1 - First.md",
            &bl("PAC-1", "status: To Do\n", "low"),
        )
        .file(
            "backlog/tasks/pac-2 - Second.md",
            &bl("PAC-2", "status: In Progress\n", "low"),
        )
        .file("backlog/tasks/pac-6 - Bare.md", &bl("PAC-6", "", "low"))
        .file(
            "backlog/completed/pac-4 - Fourth.md",
            &bl("PAC-4", "status: Done\n", "low"),
        )
        // Backlog.md archives a task as it was: its file still says To Do.
        .file(
            "backlog/archive/tasks/pac-5 - Old.md",
            &bl("PAC-5", "status: To Do\n", "critical"),
        );
    t.run(&["init", "backlog"]).code(0);
    at(&t, "backlog", &["sync"]).code(0);
    at(&t, "backlog", &["sync", "--check"]).code(0);
    let list = at(&t, "backlog", &["list", "--json"]).code(0).json();
    let status_of = |id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|j| j["id"] == id)
            .map(|j| (j["status"].clone(), j["kind"].clone()))
            .unwrap()
    };
    assert_eq!(status_of("PAC-5"), ("archive".into(), "archived".into()));
    assert_eq!(status_of("PAC-6"), ("To Do".into(), "pending".into()));
    // The archived critical task is not offered; the bare one (To Do) is.
    assert_eq!(at(&t, "backlog", &["next"]).code(0).stdout, "PAC-1\n");
    at(&t, "backlog", &["start", "PAC-6"]).code(0);
    assert_eq!(
        t.read("backlog/tasks/pac-6 - Bare.md"),
        bl("PAC-6", "", "low").replace(
            "priority: low\n",
            &format!(
                "priority: low\nstatus: In Progress\nstarted: {0}\nupdated: {0}\n",
                crate::util::NOW
            )
        )
    );
    // Back out of the archive: to the flat folder its archive folder mirrors.
    at(&t, "backlog", &["move", "PAC-5", "To Do", "--force"]).code(0);
    assert!(!t.exists("backlog/archive/tasks/pac-5 - Old.md"));
    assert_eq!(
        t.read("backlog/tasks/pac-5 - Old.md"),
        bl("PAC-5", "status: To Do\n", "critical").replace(
            "priority: critical\n",
            &format!("priority: critical\nupdated: {}\n", crate::util::NOW)
        )
    );
    assert_eq!(at(&t, "backlog", &["next"]).code(0).stdout, "PAC-5\n");
    at(&t, "backlog", &["sync", "--check"]).code(0);
    // New ids are padded as the tree pads them: not at all.
    assert!(t.read("backlog/tix.yaml").contains("\nid_width: 1 "));
    assert_eq!(
        at(&t, "backlog", &["new", "Seventh"]).code(0).stdout,
        "PAC-7\n"
    );
    assert!(t.exists("backlog/tasks/PAC-7-seventh.md"));
}

#[test]
fn a_status_folder_with_tickets_only_in_sub_folders_is_adopted() {
    let t = Tix::empty()
        .file("tickets/todo/T-2.md", "---\nid: T-2\ntitle: Two\n---\n")
        .file(
            "tickets/done/2025-01/T-1.md",
            "---\nid: T-1\ntitle: One\n---\n",
        );
    let r = t.run(&["init", "tickets"]).code(0);
    assert_eq!(
        r.stderr,
        "tix: tickets: initialised; 2 tickets: todo 1 · in_progress 0 · done 1 · archived 0\n\
         tix: folders: todo/ = todo (pending), in-progress/ = in_progress (in_progress), done/ = done (completed), archive/ = archived (archived)\n"
    );
    assert!(!t.exists("tickets/completed"), "no second completed folder");
    at(&t, "tickets", &["sync", "--check"]).code(0);
}

#[test]
fn a_flat_folder_does_not_hide_a_status_folder_of_the_same_name() {
    let tk =
        |id: &str, status: &str| format!("---\nid: {id}\ntitle: T {id}\nstatus: {status}\n---\n");
    // board/ sorts before done/ and its files say Done too.
    let t = Tix::empty()
        .file("tickets/board/B-1.md", &tk("B-1", "Todo"))
        .file("tickets/board/B-2.md", &tk("B-2", "Done"))
        .file("tickets/done/B-3.md", &tk("B-3", "Done"));
    let r = t.run(&["init", "tickets"]).code(0);
    assert_eq!(
        r.stderr,
        "tix: tickets: initialised; 3 tickets: Todo 1 · in_progress 0 · Done 2 · archived 0\n\
         tix: folders: Todo (pending, no folder), in-progress/ = in_progress (in_progress), done/ = Done (completed), archive/ = archived (archived)\n"
    );
    let cfg = t.read("tickets/tix.yaml");
    assert!(cfg.contains("\nticket_dirs: [board] "), "{cfg}");
    at(&t, "tickets", &["sync", "--check"]).code(0);
    at(&t, "tickets", &["complete", "B-1", "--force"]).code(0);
    assert!(
        t.exists("tickets/board/B-1.md"),
        "a flat folder keeps its tickets"
    );
}

#[test]
fn numbered_spaced_and_unknown_folders_mean_what_they_say() {
    let tk = |id: &str, status: &str| format!("---\nid: {id}\ntitle: T {id}\n{status}---\n");
    let t = Tix::empty()
        .file("tickets/1-todo/N-1.md", &tk("N-1", ""))
        .file("tickets/2-doing/N-2.md", &tk("N-2", ""))
        .file("tickets/To Check/N-3.md", &tk("N-3", ""))
        .file("tickets/finished/N-4.md", &tk("N-4", "status: Done\n"));
    let r = t.run(&["init", "tickets"]).code(0);
    assert_eq!(
        r.stderr,
        "tix: tickets: initialised; 4 tickets: To Check 1 · 1-todo 1 · 2-doing 1 · Done 1 · archived 0\n\
         tix: folders: To Check/ = To Check (pending), 1-todo/ = 1-todo (pending), 2-doing/ = 2-doing (in_progress), finished/ = Done (completed), archive/ = archived (archived)\n"
    );
    at(&t, "tickets", &["sync", "--check"]).code(0);
    assert_eq!(at(&t, "tickets", &["next"]).code(0).stdout, "N-1\n");
    at(&t, "tickets", &["move", "N-3", "1-todo"]).code(0);
    assert!(t.exists("tickets/1-todo/N-3.md"));
    at(&t, "tickets", &["complete", "N-2"]).code(0);
    assert!(t.exists("tickets/finished/N-2.md"));
}

#[test]
fn init_reads_a_status_value_as_the_parser_does() {
    let t = Tix::empty()
        .file(
            "tickets/todo/C-1.md",
            "---\nid: C-1\ntitle: One\nstatus: 'To Do' # set by the bot\n---\n",
        )
        // A key the parser does not read names nothing.
        .file(
            "tickets/done/C-2.md",
            "---\nid: C-2\ntitle: Two\nStatus: Finished\n---\n",
        );
    let r = t.run(&["init", "tickets"]).code(0);
    assert_eq!(
        r.stderr,
        "tix: tickets: initialised; 2 tickets: To Do 1 · in_progress 0 · done 1 · archived 0\n\
         tix: folders: todo/ = To Do (pending), in-progress/ = in_progress (in_progress), done/ = done (completed), archive/ = archived (archived)\n"
    );
    at(&t, "tickets", &["sync", "--check"]).code(0);
}

#[test]
fn backlog_md_docs_decisions_and_milestones_are_no_tickets() {
    let tk =
        |id: &str, status: &str| format!("---\nid: {id}\ntitle: T {id}\nstatus: {status}\n---\n");
    let t = Tix::empty()
        .file("backlog/tasks/pac-1 - One.md", &tk("PAC-1", "To Do"))
        .file("backlog/tasks/pac-2 - Two.md", &tk("PAC-2", "In Progress"))
        .file("backlog/completed/pac-3 - Three.md", &tk("PAC-3", "Done"))
        .file(
            "backlog/milestones/m-1 - v1.1.md",
            "---\nid: m-1\ntitle: \"v1.1\"\n---\n",
        )
        .file(
            "backlog/archive/milestones/m-0 - v1.0.md",
            "---\nid: m-0\ntitle: \"v1.0\"\n---\n",
        )
        .file(
            "backlog/docs/doc-1 - Setup.md",
            "---\nid: doc-1\ntitle: Setup\n---\n",
        )
        .file(
            "backlog/decisions/decision-1 - Db.md",
            "---\nid: decision-1\ntitle: Db\nstatus: accepted\n---\n",
        );
    let before = t.snapshot();
    let r = t.run(&["init", "backlog"]).code(0);
    assert_eq!(
        r.stderr,
        "tix: backlog: initialised; 3 tickets: To Do 1 · In Progress 1 · Done 1 · archived 0\n\
         tix: folders: To Do (pending, no folder), In Progress (in_progress, no folder), completed/ = Done (completed), archive/ = archived (archived)\n"
    );
    // Nothing added to a folder that has files: only the new tix files.
    let added: Vec<String> = t
        .snapshot()
        .into_keys()
        .filter(|p| !before.contains_key(p) && !p.starts_with("backlog/.tix/"))
        .collect();
    assert_eq!(
        added,
        [
            "backlog/.gitattributes",
            "backlog/TICKET_REGISTRY.md",
            "backlog/templates/default.md",
            "backlog/tix.yaml",
        ]
    );
    at(&t, "backlog", &["sync", "--check"]).code(0);
}

/// `tix.yaml` from `statuses:` to `ticket_dirs:`, without comment-only lines.
fn statuses_block(cfg: &str) -> String {
    let mut out = String::new();
    let mut on = false;
    for line in cfg.lines() {
        on |= line.starts_with("statuses");
        if on && !line.trim_start().starts_with('#') {
            out.push_str(line);
            out.push('\n');
        }
        if line.starts_with("ticket_dirs") {
            break;
        }
    }
    out
}

#[test]
fn tickets_in_sub_folders_keep_their_sub_folder() {
    let tk = |id: &str, status: &str| crate::util::ticket(id, status, "", "- [x] done\n");
    let t = Tix::tree()
        .ticket(
            "completed/session-1",
            "TIX-0001-a.md",
            &tk("TIX-0001", "completed"),
        )
        .ticket(
            "pending/features",
            "TIX-0002-b.md",
            &tk("TIX-0002", "pending"),
        )
        .ticket(
            "pending/features/ui",
            "TIX-0003-c.md",
            &tk("TIX-0003", "pending"),
        )
        .ticket(
            "completed/session-1",
            "TIX-0004-d.md",
            &tk("TIX-0004", "pending"),
        )
        .ticket(
            "pending/.hidden",
            "TIX-0009-x.md",
            &tk("TIX-0009", "pending"),
        );
    let paths = |t: &Tix| -> Vec<String> {
        t.run(&["list", "--json"])
            .code(0)
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                format!(
                    "{} {}",
                    x["path"].as_str().unwrap(),
                    x["status"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        paths(&t),
        [
            "pending/features/TIX-0002-b.md pending",
            "pending/features/ui/TIX-0003-c.md pending",
            "completed/session-1/TIX-0004-d.md pending",
            "completed/session-1/TIX-0001-a.md completed",
        ]
    );
    t.run(&["sync", "--check"]).code(6).stdout_has(
        "tickets/completed/session-1/TIX-0004-d.md: misplaced: status is pending but the file is in completed/",
    );
    // sync and transitions keep the sub-folder below the status folder.
    t.run(&["sync"]).code(0);
    assert!(t.exists("tickets/pending/session-1/TIX-0004-d.md"));
    t.run(&["start", "3"]).code(0);
    assert!(t.exists("tickets/in-progress/features/ui/TIX-0003-c.md"));
    t.run(&["sync", "--check"]).code(0);
    // A ticket added later in a new sub-folder is seen, by every command.
    t.write(
        "tickets/pending/later/TIX-0005-e.md",
        &tk("TIX-0005", "pending"),
    );
    t.run(&["show", "5"])
        .code(0)
        .stdout_has("pending/later/TIX-0005-e.md");
    t.write(
        "tickets/pending/later/deeper/TIX-0006-f.md",
        &tk("TIX-0006", "pending"),
    );
    t.run(&["start", "6"]).code(0);
    assert!(t.exists("tickets/in-progress/later/deeper/TIX-0006-f.md"));
    t.run(&["sync"]).code(0);
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn tickets_without_frontmatter_are_read_and_get_one_on_their_first_move() {
    let bug = "# Bug: Starter CLAUDE.md misses the contract\r\n\r\n**ID:** BUG-181\r\n**Type:** Bug\r\n\
               **Priority:** High\r\n**Created:** 2026-07-13\r\n\
               **Completed:** <!-- Set by /fw-move. -->\r\n\r\n---\r\n\r\n## Summary\r\n- [ ] ship it\r\n";
    let t = Tix::empty()
        .file("work/tix.yaml", "statuses:\n  - {name: todo, dir: todo, aliases: [open]}\n  - {name: doing, dir: doing}\n  - {name: done, dir: done}\n")
        .file("work/todo/BUG-181-starter.md", bug)
        .file(
            "work/todo/TICKET-0009-sources.md",
            "## TICKET-0009: Add data sources\n\n- **Status:** Open\n- **Priority:** 🟡 Medium\n\
             - **Dependencies:** TICKET-0006 ✅ (done)\n",
        )
        .file("work/done/TICKET-0006.md", "# TICKET-0006 Base\n\n**Status:** Done\n")
        .file("work/todo/README.md", "# To do\n\nWhat goes here.\n");
    let run = |args: &[&str]| {
        let mut full = vec!["--root", "work"];
        full.extend(args);
        t.run(&full)
    };
    run(&["sync"]).code(0);
    run(&["sync", "--check"]).code(0);
    let list = run(&["list", "--json"]).code(0).json();
    let got: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            format!(
                "{} | {} | {} | {} | {} | {}",
                x["id"].as_str().unwrap(),
                x["title"].as_str().unwrap(),
                x["status"].as_str().unwrap(),
                x["priority"].as_str().unwrap(),
                x["created"],
                x["depends_on"]
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "BUG-181 | Bug: Starter CLAUDE.md misses the contract | todo | high | \"2026-07-13T00:00:00Z\" | []",
            "TICKET-0009 | Add data sources | todo | medium | null | [\"TICKET-0006\"]",
            "TICKET-0006 | Base | done | medium | null | []",
        ]
    );
    // The first transition puts a frontmatter on top; every old byte follows.
    run(&["start", "BUG-181"]).code(0);
    let after = t.read("work/doing/BUG-181-starter.md");
    assert_eq!(
        after,
        format!(
            "---\r\nstatus: doing\r\nstarted: {0}\r\nupdated: {0}\r\n---\r\n{bug}",
            crate::util::NOW
        )
    );
    // Still read as before (its id and title come from the body).
    let show = run(&["show", "BUG-181", "--json"]).code(0).json();
    assert_eq!(
        (
            &show["id"],
            &show["title"],
            &show["priority"],
            &show["status"]
        ),
        (
            &"BUG-181".into(),
            &"Bug: Starter CLAUDE.md misses the contract".into(),
            &"high".into(),
            &"doing".into()
        )
    );
    // Gates read the body: the box is on the file's line 17 now.
    run(&["complete", "BUG-181"]).code(4).stderr_has(
        "work/doing/BUG-181-starter.md:17: cannot complete BUG-181: unchecked box \"- [ ] ship it\"",
    );
    // A dependency named in a bold field gates start; it is done here.
    run(&["start", "TICKET-9"]).code(0);
    assert!(
        t.read("work/doing/TICKET-0009-sources.md")
            .starts_with("---\nstatus: doing\n")
    );
    run(&["sync", "--check"]).code(0);
}

#[test]
fn ids_are_shown_as_the_tree_writes_them() {
    // Review finding: an unreadable duplicate's id was shown re-padded
    // (CHORE-0131), a form that appears nowhere in the tree.
    let t = Tix::tree()
        .ticket(
            "pending",
            "CHORE-131-a.md",
            "---\nid: CHORE-131\ntitle: [x\n---\n",
        )
        .ticket(
            "pending",
            "CHORE-131-b.md",
            &crate::util::ticket("CHORE-131", "pending", "", ""),
        );
    let out = t.run(&["sync", "--check"]).code(6).stdout;
    assert_eq!(
        out.matches("duplicate_id: id CHORE-131 is used by 2 files")
            .count(),
        2,
        "{out}"
    );
    assert!(!out.contains("CHORE-0131"), "{out}");
}

#[test]
fn a_ticket_moved_into_the_root_leaves_its_sub_folder_behind() {
    // Review finding: with `ticket_dirs: [.]`, a ticket in `doing/s1/` moved
    // to a status without a folder went to `s1/` in the root, a folder tix
    // does not read; it belongs in the root itself.
    let tk =
        |id: &str, status: &str| format!("---\nid: {id}\ntitle: T {id}\nstatus: {status}\n---\n");
    let t = Tix::empty()
        .file(
            "tickets/tix.yaml",
            "statuses:\n\
             \x20 - {name: todo, dir: null, kind: pending}\n\
             \x20 - {name: doing, dir: doing}\n\
             \x20 - {name: done, dir: null, kind: completed}\n\
             \x20 - {name: archived, dir: archive}\n\
             ticket_dirs: [.]\n",
        )
        .file("tickets/doing/s1/X-1-one.md", &tk("X-1", "doing"))
        .file("tickets/archive/s2/X-2-two.md", &tk("X-2", "archived"));
    at(&t, "tickets", &["sync"]).code(0);
    at(&t, "tickets", &["complete", "X-1"]).code(0);
    assert!(t.exists("tickets/X-1-one.md"));
    assert!(!t.exists("tickets/s1"));
    at(&t, "tickets", &["move", "X-2", "todo", "--force"]).code(0);
    assert!(t.exists("tickets/X-2-two.md"));
    assert!(!t.exists("tickets/s2"));
    let listed = at(&t, "tickets", &["list", "--json"]).code(0).json();
    let paths: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["X-2-two.md", "X-1-one.md"]);
    at(&t, "tickets", &["sync", "--check"]).code(0);
}

#[test]
fn a_sub_folder_named_docs_inside_a_status_folder_is_read() {
    // Review finding: docs/, decisions/ and milestones/ were passed over at
    // every depth, so `pending/docs/` hid its tickets without a word. They
    // are other tools' folders only beside the status folders.
    let t = Tix::tree()
        .ticket(
            "pending",
            "docs/TIX-0005-write-the-guide.md",
            &crate::util::ticket("TIX-0005", "pending", "", ""),
        )
        .ticket(
            "completed",
            "milestones/TIX-0006-m1.md",
            &crate::util::ticket("TIX-0006", "completed", "", ""),
        )
        .file(
            "tickets/docs/guide.md",
            "---\nid: DOC-1\ntitle: The guide\nstatus: pending\n---\n",
        );
    t.run(&["sync"]).code(0);
    let listed = t.run(&["list", "--json"]).code(0).json();
    let paths: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "pending/docs/TIX-0005-write-the-guide.md",
            "completed/milestones/TIX-0006-m1.md"
        ]
    );
    t.run(&["start", "TIX-0005"]).code(0);
    assert!(t.exists("tickets/in-progress/docs/TIX-0005-write-the-guide.md"));
    // The root's own docs/ is not a ticket folder, and not a problem.
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn notes_named_with_words_and_a_number_are_no_tickets() {
    // Review finding: a prefix of several words read from a file name made
    // `meeting-notes-2024-01-05.md` ticket MEETING-NOTES-2024, a problem
    // for `sync --check`.
    let t = Tix::tree()
        .ticket(
            "pending",
            "TIX-0001.md",
            &crate::util::ticket("TIX-0001", "pending", "", ""),
        )
        .ticket("pending", "meeting-notes-2024-01-05.md", "# Meeting\n")
        .ticket("pending", "api-v2-design-3.md", "# API v2, third draft\n")
        .ticket("pending", "notes-2024-01-05.md", "Notes.\n");
    t.run(&["sync"]).code(0);
    t.run(&["sync", "--check"]).code(0);
    let listed = t.run(&["list", "--json"]).code(0).json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    t.run(&["status"]).code(0);
    t.run(&["doctor"]).code(0);
}

#[test]
fn a_broken_ticket_named_like_a_template_is_reported() {
    // Review finding: a name with `template` in it (or `index.md`) hid a
    // ticket whose frontmatter does not parse: not listed, not reported.
    let t = Tix::tree()
        .ticket(
            "pending",
            "auth-template-bug.md",
            "---\nid: BUG-4\ntitle: [broken\n---\n",
        )
        .ticket(
            "pending",
            "TEMPLATE.md",
            "---\nid: BUG-XXX\ntitle: [x\n---\n",
        );
    t.run(&["sync"]).code(0);
    assert_eq!(
        t.run(&["sync", "--check"]).code(6).stdout,
        "tickets/pending/auth-template-bug.md:4: malformed: invalid YAML in the frontmatter: did not find expected ',' or ']', while parsing a flow sequence\n"
    );
}

#[test]
fn init_says_which_folder_it_leaves_out() {
    // Review finding: of done/ and completed/, init adopted one and said
    // nothing of the other, whose tickets no command then read.
    let tk =
        |id: &str, status: &str| format!("---\nid: {id}\ntitle: T {id}\nstatus: {status}\n---\n");
    let t = Tix::empty()
        .file("tickets/todo/T-1.md", &tk("T-1", "todo"))
        .file("tickets/done/T-2.md", &tk("T-2", "done"))
        .file("tickets/completed/T-3.md", &tk("T-3", "done"));
    let r = t.run(&["init"]).code(0);
    assert_eq!(
        r.stderr,
        "tix: tickets: initialised; 2 tickets: todo 1 · in_progress 0 · done 1 · archived 0\n\
         tix: folders: todo/ = todo (pending), in-progress/ = in_progress (in_progress), completed/ = done (completed), archive/ = archived (archived)\n\
         tix: 1 problem (`tix sync --check` lists them; tix.yaml says how statuses are read):\n\
         tix:   1 × unread_folder — name the folder in tix.yaml (a status's dir, or ticket_dirs), or move its tickets\n\
         tix:       tickets/done/\n"
    );
}

#[test]
fn only_files_that_declare_an_id_make_an_unread_folder() {
    // Review finding: every folder tix does not read was walked three levels
    // deep and any file with a `status:` counted as a ticket: a wiki page in
    // CI was a problem, and a root that is a project's folder had its
    // node_modules/ read.
    let tk = |id: &str| format!("---\nid: {id}\ntitle: T {id}\nstatus: pending\n---\n");
    let t = Tix::tree()
        .file(
            "tickets/wiki/plan.md",
            "---\ntitle: Plan\nstatus: draft\n---\n",
        )
        .file("tickets/wiki/deep/er/TIX-0002.md", &tk("TIX-0002"))
        .file("tickets/old/notes.md", "---\nticket_id: TIX-0003\n---\n");
    t.run(&["sync"]).code(0);
    assert_eq!(
        t.run(&["sync", "--check"]).code(6).stdout,
        "tickets/old/: unread_folder: 1 ticket in a folder tix does not read (name it in tix.yaml: a status's dir, or ticket_dirs)\n\
         tickets/wiki/: unread_folder: 1 ticket in a folder tix does not read (name it in tix.yaml: a status's dir, or ticket_dirs)\n"
    );
    // A root that is itself a ticket folder: its other folders are looked
    // at for tickets of their own, not below.
    let p = Tix::empty()
        .file("proj/tix.yaml", "ticket_dirs: [.]\n")
        .file("proj/T-1.md", &tk("T-1"))
        .file("proj/node_modules/pkg/T-9-x.md", &tk("T-9"))
        .file("proj/src/README.md", "---\nstatus: draft\n---\n")
        .file("proj/old/T-2.md", &tk("T-2"));
    at(&p, "proj", &["sync"]).code(0);
    assert_eq!(
        at(&p, "proj", &["sync", "--check"]).code(6).stdout,
        "proj/old/: unread_folder: 1 ticket in a folder tix does not read (name it in tix.yaml: a status's dir, or ticket_dirs)\n"
    );
}
