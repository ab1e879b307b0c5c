//! `tix next`: the best ready ticket; `--claim` starts it under the same lock.

use crate::util::{NOW, Tix, ticket};
use std::process::{Child, Command, Stdio};

fn board() -> Tix {
    Tix::tree()
        .ticket(
            "pending",
            "TIX-0001.md",
            &ticket(
                "TIX-0001",
                "pending",
                "priority: low\ncreated: 2029-01-01T00:00:00Z\n",
                "",
            ),
        )
        .ticket(
            "pending",
            "TIX-0002.md",
            &ticket(
                "TIX-0002",
                "pending",
                "priority: high\ncreated: 2029-06-01T00:00:00Z\n",
                "",
            ),
        )
        .ticket(
            "pending",
            "TIX-0003.md",
            &ticket(
                "TIX-0003",
                "pending",
                "priority: high\ncreated: 2029-03-01T00:00:00Z\n",
                "",
            ),
        )
        .ticket(
            "pending",
            "TIX-0004.md",
            &ticket(
                "TIX-0004",
                "pending",
                "priority: critical\ndepends_on: [TIX-0005]\n",
                "",
            ),
        )
        .ticket(
            "in-progress",
            "TIX-0005.md",
            &ticket("TIX-0005", "in_progress", "", ""),
        )
}

#[test]
fn next_is_the_best_ready_ticket_and_claim_starts_it() {
    let t = board();
    // Critical TIX-0004 waits for TIX-0005; of the two high ones the older wins.
    assert_eq!(t.run(&["next"]).code(0).stdout, "TIX-0003\n");
    assert_eq!(t.run(&["next", "--json"]).code(0).json()["id"], "TIX-0003");
    let before = t.snapshot();
    t.run(&["next"]).code(0);
    assert_eq!(t.snapshot(), before, "without --claim nothing changes");
    let r = t
        .run(&["next", "--claim", "--agent", "bot", "--json"])
        .code(0);
    let j = r.json();
    assert_eq!(
        (&j["id"], &j["status"], &j["agent"], &j["started"]),
        (
            &"TIX-0003".into(),
            &"in_progress".into(),
            &"bot".into(),
            &NOW.into()
        )
    );
    assert!(t.exists("tickets/in-progress/TIX-0003.md"));
    assert_eq!(
        t.events().last().unwrap()["reason"],
        "claimed with tix next"
    );
    t.run(&["sync", "--check"]).code(0);
    assert_eq!(t.run(&["next", "--claim"]).code(0).stdout, "TIX-0002\n");
    assert_eq!(t.run(&["next", "--claim"]).code(0).stdout, "TIX-0001\n");
    // Nothing ready: exit 0, nothing on stdout, `null` with --json.
    assert_eq!(t.run(&["next", "--claim"]).code(0).stdout, "");
    assert_eq!(t.run(&["next", "--json"]).code(0).stdout, "null\n");
    t.run(&["next", "--agent", "x"]).code(2);
}

#[test]
fn a_priority_edited_in_place_counts_at_once() {
    // `next` goes by the index while every file is as it records; a file
    // written in place (its folder's stamp unchanged) is seen all the same,
    // by `next` and by `next --claim`.
    let t = board();
    assert_eq!(t.run(&["next"]).code(0).stdout, "TIX-0003\n");
    assert_eq!(t.run(&["next"]).code(0).stdout, "TIX-0003\n");
    let rel = "tickets/pending/TIX-0001.md";
    let text = t.read(rel).replace("priority: low", "priority: critical");
    // Written over in place (the same file: its folder's stamp stays).
    t.write(rel, &text);
    assert_eq!(t.run(&["next"]).code(0).stdout, "TIX-0001\n");
    assert_eq!(t.run(&["next", "--claim"]).code(0).stdout, "TIX-0001\n");
    assert!(t.exists("tickets/in-progress/TIX-0001.md"));
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn ten_agents_claiming_at_once_get_ten_different_tickets() {
    let mut t = Tix::tree();
    for i in 1..=12 {
        t = t.ticket(
            "pending",
            &format!("TIX-{i:04}.md"),
            &ticket(&format!("TIX-{i:04}"), "pending", "", ""),
        );
    }
    t.run(&["sync"]).code(0);
    let claims: Vec<Child> = (1..=10)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_tix"))
                .args(["next", "--claim", "--agent", &format!("agent-{i}")])
                .env("TIX_ROOT", t.path("tickets"))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut got: Vec<String> = claims
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        })
        .collect();
    got.sort();
    got.dedup();
    assert_eq!(got.len(), 10, "{got:?}");
    let moved = std::fs::read_dir(t.path("tickets/in-progress"))
        .unwrap()
        .count();
    assert_eq!(moved, 10);
    t.run(&["sync", "--check"]).code(0);
    let starts = t.events().iter().filter(|e| e["action"] == "start").count();
    assert_eq!(starts, 10);
}
/// Tickets that wait for ever are reported in the order of their paths,
/// as every other problem, not in the order their folders are read
/// (`pending/` before `in-progress/`) nor of their ids.
#[test]
fn tickets_that_wait_for_ever_are_reported_in_path_order() {
    let dep = |ids: &str| format!("depends_on: [{ids}]\n");
    let t = Tix::tree()
        .ticket(
            "pending",
            "TIX-0001.md",
            &ticket("TIX-0001", "pending", &dep("TIX-0099"), ""),
        )
        .ticket(
            "in-progress",
            "TIX-0002.md",
            &ticket("TIX-0002", "in_progress", &dep("TIX-0098"), ""),
        );
    t.run(&["sync"]).code(0);
    let paths = |args: &[&str]| -> Vec<String> {
        t.run(args).code(6).json()["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["path"].as_str().unwrap().to_string())
            .collect()
    };
    let expected = ["in-progress/TIX-0002.md", "pending/TIX-0001.md"];
    assert_eq!(paths(&["sync", "--check", "--json"]), expected);
    assert_eq!(paths(&["doctor", "--json"]), expected);
}

/// Tickets that wait for ever (a dependency no ticket has, a cycle) are
/// problems for `sync --check` and `doctor`, and `next` and `status` go on
/// with the rest.
#[test]
fn missing_dependencies_and_cycles_are_reported_and_worked_around() {
    let dep = |ids: &str| format!("depends_on: [{ids}]\n");
    let t = Tix::tree()
        .ticket(
            "pending",
            "TIX-0011.md",
            &ticket("TIX-0011", "pending", &dep("TIX-0012"), ""),
        )
        .ticket(
            "pending",
            "TIX-0012.md",
            &ticket("TIX-0012", "pending", &dep("TIX-0011"), ""),
        )
        .ticket(
            "pending",
            "TIX-0013.md",
            &ticket("TIX-0013", "pending", &dep("TIX-0099, TIX-0014"), ""),
        )
        .ticket(
            "completed",
            "TIX-0014.md",
            &ticket("TIX-0014", "completed", &dep("TIX-0098"), ""),
        )
        .ticket(
            "pending",
            "TIX-0015.md",
            &ticket("TIX-0015", "pending", &dep("TIX-0014"), ""),
        );
    t.run(&["sync"]).code(0);
    let before = t.snapshot();
    let r = t.run(&["sync", "--check"]).code(6);
    assert_eq!(
        r.stdout,
        "tickets/pending/TIX-0011.md: dependency_cycle: depends on itself: TIX-0011 → TIX-0012 → TIX-0011 (each waits for the next)\n\
         tickets/pending/TIX-0012.md: dependency_cycle: depends on itself: TIX-0012 → TIX-0011 → TIX-0012 (each waits for the next)\n\
         tickets/pending/TIX-0013.md: missing_dependency: depends on TIX-0099, which no ticket has: it can never become ready\n"
    );
    assert_eq!(
        r.stderr,
        "tix: 3 problems found:\n\
         tix:   2 × dependency_cycle — remove one depends_on of each cycle\n\
         tix:   1 × missing_dependency — fix or remove the id in depends_on (or `tix start --force` past the gate)\n"
    );
    let kinds: Vec<(String, String)> =
        t.run(&["sync", "--check", "--json"]).code(6).json()["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["kind"].as_str().unwrap().into(),
                    p["path"].as_str().unwrap().into(),
                )
            })
            .collect();
    assert_eq!(
        kinds,
        [
            ("dependency_cycle".into(), "pending/TIX-0011.md".into()),
            ("dependency_cycle".into(), "pending/TIX-0012.md".into()),
            ("missing_dependency".into(), "pending/TIX-0013.md".into()),
        ]
    );
    // doctor reports them and leaves them to a person, with --fix too.
    let r = t.run(&["doctor", "--json"]).code(6);
    assert_eq!(r.json()["problems"].as_array().unwrap().len(), 3);
    t.run(&["doctor", "--fix"]).code(6);
    assert_eq!(t.snapshot(), before, "nothing to repair, nothing written");
    // next and status: the one ready ticket, and the count of problems.
    assert_eq!(t.run(&["next"]).code(0).stdout, "TIX-0015\n");
    let status = t.run(&["status", "--json"]).code(0).json();
    assert_eq!(status["problems"], 3);
    let ready = crate::util::each_str(&status["ready"], "id");
    assert_eq!(ready, ["TIX-0015"]);
    // The cycle broken by hand, and the id fixed: nothing left.
    t.write(
        "tickets/pending/TIX-0012.md",
        &ticket("TIX-0012", "pending", "", ""),
    );
    t.write(
        "tickets/pending/TIX-0013.md",
        &ticket("TIX-0013", "pending", &dep("TIX-0014"), ""),
    );
    t.run(&["sync"]).code(0);
    t.run(&["sync", "--check"]).code(0);
}
