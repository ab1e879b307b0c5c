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
    assert!(
        r.stderr
            .contains("cannot read tickets/todo/WMHA-0043.md:4:"),
        "{}",
        r.stderr
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
