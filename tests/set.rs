//! `tix set ID key=value…` and `tix edit ID`: a ticket's keys or text
//! changed by hand through tix, byte-exact, validated, under the lock, logged.

use crate::util::Tix;

const T11: &str = "tickets/pending/TIX-0011-export-invoices-csv.md";

fn tree() -> Tix {
    let t = Tix::example();
    t.run(&["sync"]).code(0);
    t
}

#[test]
fn set_edits_only_the_keys_it_names_and_logs_it() {
    let t = tree();
    let before = t.read(T11);
    let r = t
        .run(&[
            "set",
            "11",
            "priority=high",
            "labels=billing, api",
            "title=Export invoices as CSV and JSON",
            "agent=bob",
            "owner=finance",
        ])
        .code(0);
    assert_eq!(
        r.stderr,
        "tix: TIX-0011: set priority, labels, title, agent, owner (tickets/pending/TIX-0011-export-invoices-csv.md)\n"
    );
    // The priority's comment stays; new keys go at the end, then updated.
    let want = before
        .replace(
            "title: Export invoices as CSV\n",
            "title: Export invoices as CSV and JSON\n",
        )
        .replace("priority: medium", "priority: high")
        .replace("labels: [billing]\n", "labels: [billing, api]\n")
        .replace(
            "depends_on: []\n",
            "depends_on: []\nagent: bob\nowner: finance\nupdated: 2030-01-01T00:00:00Z\n",
        );
    assert_eq!(t.read(T11), want);
    let e = t.events().pop().unwrap();
    assert_eq!(
        (e["action"].as_str(), e["reason"].as_str()),
        (
            Some("edit"),
            Some("set priority, labels, title, agent, owner")
        )
    );
    t.run(&["sync", "--check"]).code(0);
    // The same again changes nothing; an empty value removes a key.
    assert_eq!(
        t.run(&["set", "11", "agent=bob"]).code(0).stderr,
        "tix: TIX-0011: already so; nothing to do\n"
    );
    t.run(&["set", "11", "owner=", "depends_on=13"]).code(0);
    let now = t.read(T11);
    assert!(
        !now.contains("owner:") && now.contains("depends_on: [TIX-0013]\n"),
        "{now}"
    );
}

#[test]
fn set_refuses_what_new_would_refuse_and_changes_nothing() {
    let t = tree();
    let before = t.snapshot();
    for (args, code, said) in [
        (
            &["set", "11", "priority=urgent"][..],
            2,
            "tix: priority \"urgent\": expected critical, high, medium or low\n",
        ),
        (
            &["set", "11", "status=done"],
            2,
            "tix: status: use `tix start`, `tix complete` or `tix move ID STATUS`\n",
        ),
        (
            &["set", "11", "title= "],
            2,
            "tix: the title is empty: say what the ticket is about (tix new \"Fix the login loop\")\n",
        ),
        (
            &["set", "11", "depends_on=99"],
            3,
            "tix: depends_on 99: no ticket 99\n",
        ),
        (
            &["set", "11", "bad key=x"],
            2,
            "tix: \"bad key\" is not a key tix writes (letters, digits, `_` and `-`, starting with a letter)\n",
        ),
        (
            &["set", "11", "nothing"],
            2,
            "tix: \"nothing\": expected KEY=VALUE (priority=high)\n",
        ),
        (&["set", "99", "priority=low"], 3, ""),
    ] {
        let r = t.run(args).code(code);
        if !said.is_empty() {
            assert_eq!(r.stderr, said, "{args:?}");
        }
    }
    assert_eq!(t.snapshot(), before);
}

/// An editor: a script run as `$EDITOR FILE`.
fn editor(t: &Tix, script: &str) -> String {
    let path = t.root().join("editor.sh");
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

#[test]
fn edit_saves_what_parses_and_keeps_a_copy_of_what_does_not() {
    let t = tree();
    // A good edit; a changed status files it in its status's folder.
    let ed = editor(
        &t,
        "sed -i -e 's/^priority: medium/priority: low/' -e 's/^status: pending/status: in_progress/' \"$1\"",
    );
    let before = t.read(T11);
    let r = Run::of(
        t.command(&["edit", "11"])
            .env("EDITOR", &ed)
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, 0, "{r:?}");
    let moved = "tickets/in-progress/TIX-0011-export-invoices-csv.md";
    assert_eq!(
        t.read(moved),
        before
            .replace("priority: medium", "priority: low")
            .replace("status: pending", "status: in_progress")
    );
    assert!(!t.exists(T11));
    assert_eq!(t.events().pop().unwrap()["action"], "edit");
    t.run(&["sync", "--check"]).code(0);
    // What does not parse, or changes the id: refused, the text kept.
    for (script, said) in [
        (
            "printf -- '---\\ntitle: [\\n---\\n' > \"$1\"",
            "invalid YAML",
        ),
        (
            "sed -i 's/TIX-0011/TIX-0099/' \"$1\"",
            "id TIX-0099 does not match the file name",
        ),
    ] {
        let ed = editor(&t, script);
        let snap = t.snapshot();
        let r = Run::of(
            t.command(&["edit", "11"])
                .env("VISUAL", &ed)
                .output()
                .unwrap(),
        );
        assert_eq!(r.code, 1, "{r:?}");
        assert!(r.stderr.contains(said), "{}", r.stderr);
        let kept = r
            .stderr
            .rsplit("your text is in ")
            .next()
            .unwrap()
            .trim()
            .to_string();
        assert!(kept.starts_with("tickets/.tix/edit-TIX-0011-"), "{kept}");
        assert!(t.exists(&kept));
        assert_eq!(t.snapshot(), snap, "nothing saved");
    }
    // An editor that fails: nothing saved, no copy left.
    let ed = editor(&t, "exit 3");
    let r = Run::of(
        t.command(&["edit", "11"])
            .env("EDITOR", &ed)
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("exited with exit status: 3") && r.stderr.contains("nothing was changed"),
        "{}",
        r.stderr
    );
}

use crate::util::Run;
