//! Statuses by kind: values in any case and decoration, names with spaces,
//! several statuses of one kind, `ready`, and priorities in any spelling.

use crate::util::Tix;

/// `(id, status)` of every ticket `list --json` shows.
fn listed(t: &Tix) -> Vec<(String, String)> {
    t.run(&["list", "--json"])
        .code(0)
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["id"].as_str().unwrap().to_string(),
                x["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `t` with a ticket per `(folder, id, status, extra frontmatter lines)`.
fn with(t: Tix, tickets: &[(&str, &str, &str, &str)]) -> Tix {
    tickets.iter().fold(t, |t, (dir, id, status, extra)| {
        t.ticket(dir, &format!("{id}.md"), &ticket(id, status, extra))
    })
}

fn ticket(id: &str, status: &str, extra: &str) -> String {
    format!("---\nid: {id}\ntitle: Ticket {id}\nstatus: {status}\n{extra}---\n- [x] done\n")
}

#[test]
fn status_values_in_any_case_and_decoration_mean_their_status() {
    let t = Tix::tree()
        .ticket("pending", "TIX-0001.md", &ticket("TIX-0001", "To Do", ""))
        .ticket(
            "pending",
            "TIX-0002.md",
            &ticket("TIX-0002", "📋 Planned", ""),
        )
        .ticket(
            "in-progress",
            "TIX-0003.md",
            &ticket("TIX-0003", "in-progress", ""),
        )
        .ticket(
            "in-progress",
            "TIX-0004.md",
            &ticket("TIX-0004", "In Progress", ""),
        )
        .ticket("completed", "TIX-0005.md", &ticket("TIX-0005", "Done", ""))
        .ticket(
            "completed",
            "TIX-0006.md",
            &ticket("TIX-0006", "✅ Complete (commit ca89572)", ""),
        )
        .ticket(
            "completed",
            "TIX-0007.md",
            &ticket("TIX-0007", "COMPLETED", ""),
        );
    t.run(&["sync"]).code(0);
    assert_eq!(
        listed(&t),
        [
            ("TIX-0001", "pending"),
            ("TIX-0002", "pending"),
            ("TIX-0003", "in_progress"),
            ("TIX-0004", "in_progress"),
            ("TIX-0005", "completed"),
            ("TIX-0006", "completed"),
            ("TIX-0007", "completed"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    t.run(&["sync", "--check"]).code(0);
    // Moving writes the configured name; the old spelling was only read.
    t.run(&["complete", "4"]).code(0);
    assert_eq!(
        t.read("tickets/completed/TIX-0004.md"),
        format!(
            "---\nid: TIX-0004\ntitle: Ticket TIX-0004\nstatus: completed\n\
             completed: {0}\nupdated: {0}\n---\n- [x] done\n",
            crate::util::NOW
        )
    );
    // A dependency in any completed spelling is met.
    t.write(
        "tickets/pending/TIX-0001.md",
        &ticket("TIX-0001", "To Do", "depends_on: [TIX-0005, TIX-0006]\n"),
    );
    t.run(&["start", "1"]).code(0);
}

#[test]
fn a_tree_whose_statuses_have_spaces_keeps_its_spelling() {
    let t = Tix::empty().file(
        "tickets/tix.yaml",
        "statuses:\n\
             \x20 - {name: Backlog, dir: backlog}\n\
             \x20 - {name: To Do, dir: todo}\n\
             \x20 - {name: In Progress, dir: doing}\n\
             \x20 - {name: In Review, dir: review, kind: in_progress}\n\
             \x20 - {name: Done, dir: done}\n\
             \x20 - {name: Won't Do, dir: dropped, kind: completed}\n",
    );
    let t = with(
        t,
        &[
            ("backlog", "TIX-0001", "Backlog", ""),
            ("todo", "TIX-0002", "to do", "priority: HIGH\n"),
            ("todo", "TIX-0003", "To Do", "priority: 🟢 Low (optional)\n"),
            ("review", "TIX-0004", "In Review", ""),
            ("dropped", "TIX-0005", "won't do", ""),
        ],
    );
    t.run(&["sync"]).code(0);
    // Backlog is pending but not ready: next draws from To Do, best first.
    assert_eq!(t.run(&["next"]).code(0).stdout, "TIX-0002\n");
    let s = t.run(&["status", "--json"]).code(0).json();
    let ready = crate::util::each_str(&s["ready"], "id");
    assert_eq!(ready, ["TIX-0002", "TIX-0003"]);
    assert_eq!(
        s["in_progress"][0]["id"], "TIX-0004",
        "in review is in progress"
    );
    // Won't Do is closed but not done: neither done nor left to do, so 0
    // done of the 4 others (it was 1 of 5 before won't-do had a meaning).
    assert_eq!(s["completion_rate"], 0.0, "won't do is closed, not done");
    assert_eq!(s["counts"]["Won't Do"], 1);
    // start writes the first in-progress status's name, as the tree spells it.
    t.run(&["start", "2", "--agent", "bot"]).code(0);
    assert_eq!(
        t.read("tickets/doing/TIX-0002.md"),
        format!(
            "---\nid: TIX-0002\ntitle: Ticket TIX-0002\nstatus: In Progress\npriority: HIGH\n\
             started: {0}\nagent: bot\nupdated: {0}\n---\n- [x] done\n",
            crate::util::NOW
        )
    );
    // Already in an in-progress status (In Review): start changes nothing.
    let r = t.run(&["start", "4"]).code(0);
    assert_eq!(
        r.stderr,
        "tix: TIX-0004 is already In Review; nothing to do\n"
    );
    t.run(&["complete", "4"]).code(0);
    assert!(
        t.read("tickets/done/TIX-0004.md")
            .contains("\nstatus: Done\n")
    );
    // A status is named by its name, folder or any spelling of them.
    t.run(&["move", "3", "in review"]).code(0);
    assert!(t.exists("tickets/review/TIX-0003.md"));
    t.run(&["move", "3", "doing"]).code(0);
    t.run(&["move", "3", "To Do"]).code(0);
    assert!(t.exists("tickets/todo/TIX-0003.md"));
    // New tickets go to the first ready pending status.
    t.run(&["new", "Fresh"]).code(0);
    assert!(
        t.read("tickets/todo/TIX-0006-fresh.md")
            .contains("\nstatus: To Do\n")
    );
    t.run(&["sync", "--check"]).code(0);
    // The hook tells the model the tree's own name for the status.
    let payload = serde_json::json!({
        "hook_event_name": "PreToolUse", "tool_name": "Agent", "session_id": "s",
        "tool_use_id": "t1", "cwd": t.root().to_str().unwrap(),
        "tool_input": {"description": "Fix TIX-0006", "prompt": "x", "subagent_type": "backend"}
    });
    let r = t.hook(&payload, &[]);
    assert_eq!(
        r.json()["hookSpecificOutput"]["additionalContext"],
        "tix: TIX-0006 \"Fresh\" is now In Progress (agent: backend)."
    );
}

#[test]
fn priorities_in_any_spelling_and_unknown_ones_named() {
    let t = with(
        Tix::tree(),
        &[
            ("pending", "TIX-0001", "pending", "priority: MEDIUM\n"),
            ("pending", "TIX-0002", "pending", "priority: 🔥 CRITICAL\n"),
            ("pending", "TIX-0003", "pending", "priority: High\n"),
            ("pending", "TIX-0004", "pending", "priority: whenever\n"),
        ],
    );
    let list = t.run(&["list", "--json"]).code(0).json();
    let got: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["id"].as_str().unwrap(), x["priority"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("TIX-0001", "medium"),
            ("TIX-0002", "critical"),
            ("TIX-0003", "high")
        ]
    );
    assert_eq!(t.run(&["next"]).code(0).stdout, "TIX-0002\n");
    t.run(&["show", "4"]).code(1).stderr_has(
        "tickets/pending/TIX-0004.md:5: unknown priority \"whenever\" (expected critical, high, medium, low, in any case)",
    );
}

#[test]
fn tix_yaml_says_what_a_status_means_and_refuses_ambiguity() {
    let t = Tix::empty().file(
        "tickets/tix.yaml",
        "statuses:\n  - {name: pending, dir: pending}\n  - {name: doing, dir: doing, aliases: [pending]}\n  - {name: done, dir: done}\n",
    );
    t.run(&["list"]).code(1).stderr_has(
        "statuses: \"pending\" (of doing) also means pending; each value must mean one status",
    );
    t.write(
        "tickets/tix.yaml",
        "statuses:\n  - {name: pending, dir: pending}\n  - {name: done, dir: done}\n",
    );
    t.run(&["list"])
        .code(1)
        .stderr_has("statuses: the list needs a status of kind in_progress");
    t.write("tickets/tix.yaml", "transitions:\n  pending: [nowhere]\n");
    t.run(&["list"]).code(1).stderr_has(
        "transitions: \"nowhere\" is neither a status nor a kind (pending, in_progress, completed, archived)",
    );
}

#[test]
fn a_flat_tree_keeps_every_ticket_where_it_is() {
    let t = Tix::empty()
        .file(
            "backlog/tix.yaml",
            "id_prefix: PAC\n\
             statuses:\n\
             \x20 - {name: To Do, dir: null, kind: pending}\n\
             \x20 - {name: In Progress, dir: null}\n\
             \x20 - {name: Done, dir: completed}\n\
             \x20 - {name: archived, dir: archive}\n\
             ticket_dirs: [tasks, drafts]\n",
        )
        .file(
            "backlog/tasks/pac-1 - First.md",
            &ticket("PAC-1", "To Do", ""),
        )
        .file(
            "backlog/tasks/pac-2 - Second.md",
            &ticket("PAC-2", "In Progress", ""),
        )
        .file(
            "backlog/tasks/pac-3 - Third.md",
            &ticket("PAC-3", "Done", ""),
        )
        .file(
            "backlog/completed/pac-4 - Fourth.md",
            &ticket("PAC-4", "Done", ""),
        )
        .file(
            "backlog/drafts/pac-5 - Draft.md",
            "---\nid: PAC-5\ntitle: no status\n---\n",
        );
    let mut c = t.command(&["--root", "backlog", "sync"]);
    assert!(c.output().unwrap().status.success());
    let run = |args: &[&str]| {
        let mut full = vec!["--root", "backlog"];
        full.extend(args);
        t.run(&full)
    };
    run(&["sync", "--check"]).code(0);
    let listed: Vec<(String, String)> = run(&["list", "--json"])
        .code(0)
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["path"].as_str().unwrap().into(),
                x["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("tasks/pac-1 - First.md", "To Do"),
            ("drafts/pac-5 - Draft.md", "To Do"),
            ("tasks/pac-2 - Second.md", "In Progress"),
            ("tasks/pac-3 - Third.md", "Done"),
            ("completed/pac-4 - Fourth.md", "Done"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    // Transitions edit the status in place; nothing moves.
    run(&["start", "1"]).code(0);
    run(&["complete", "2"]).code(0);
    assert!(
        t.read("backlog/tasks/pac-1 - First.md")
            .contains("\nstatus: In Progress\n")
    );
    assert!(
        t.read("backlog/tasks/pac-2 - Second.md")
            .contains("\nstatus: Done\n")
    );
    // New tickets go to the first flat folder when their status has none.
    run(&["new", "Fresh"]).code(0).stdout_has("PAC-0006");
    assert!(
        t.read("backlog/tasks/PAC-0006-fresh.md")
            .contains("\nstatus: To Do\n")
    );
    run(&["sync", "--check"]).code(0);
    let s = run(&["status", "--json"]).code(0).json();
    assert_eq!(s["statuses"][0]["dir"], serde_json::Value::Null);
    assert_eq!(s["counts"]["Done"], 3);
    assert_eq!(s["counts"]["In Progress"], 1);
}

#[test]
fn dependencies_under_other_keys_gate_start() {
    let t = Tix::tree()
        .ticket(
            "pending",
            "OPS-0002.md",
            "---\nticket_id: OPS-0002\ntitle: second\nstatus: pending\ndependencies:\n  - OPS-0001 (schema first)\n---\n",
        )
        .ticket("pending", "OPS-0001.md", &ticket("OPS-0001", "pending", ""));
    let r = t.run(&["start", "OPS-2"]).code(4);
    assert_eq!(
        r.stderr,
        "tix: tickets/pending/OPS-0002.md:5: cannot start OPS-0002: depends on OPS-0001, which is pending\n"
    );
    assert_eq!(t.run(&["next"]).code(0).stdout, "OPS-0001\n");
    t.run(&["start", "OPS-1"]).code(0);
    t.run(&["complete", "OPS-1"]).code(0);
    t.run(&["start", "OPS-2"]).code(0);
}

#[test]
fn a_ticket_put_away_in_the_archive_stays_there() {
    // Trees put finished tickets away in archive/ and leave `status: Done`;
    // Backlog.md archives a task with the status it had (`To Do`).
    let t = Tix::tree()
        .ticket("archive", "TIX-0001.md", &ticket("TIX-0001", "Done", ""))
        .ticket("archive", "TIX-0002.md", &ticket("TIX-0002", "pending", ""));
    t.run(&["sync"]).code(0);
    assert!(t.exists("tickets/archive/TIX-0001.md"), "left where it is");
    assert!(
        t.exists("tickets/archive/TIX-0002.md"),
        "archived, not queued"
    );
    t.run(&["sync", "--check"]).code(0);
    assert_eq!(t.run(&["next"]).code(0).stdout, "");
    let s = t.run(&["status", "--json"]).code(0).json();
    assert_eq!(s["counts"]["archived"], 1);
    assert_eq!(s["counts"]["completed"], 1);
}

#[test]
fn a_status_without_a_folder_cannot_leave_an_archive_with_nowhere_to_go() {
    // Review finding: `move --force` out of archive/ to a status without a
    // folder, in a tree without ticket_dirs, said it was done while the
    // ticket stayed in archive/ and read as archived.
    let t = Tix::tree()
        .file(
            "tickets/tix.yaml",
            "statuses:\n\
             \x20 - {name: pending, dir: pending}\n\
             \x20 - {name: review, dir: null, kind: in_progress}\n\
             \x20 - {name: in_progress, dir: in-progress}\n\
             \x20 - {name: completed, dir: completed}\n\
             \x20 - {name: archived, dir: archive}\n",
        )
        .ticket(
            "archive",
            "TIX-0001.md",
            &ticket("TIX-0001", "completed", ""),
        );
    t.run(&["sync"]).code(0);
    let before = t.snapshot();
    t.run(&["move", "1", "review", "--force"]).code(4).stderr_has(
        "tix: tickets/archive/TIX-0001.md: cannot move TIX-0001 to review here: review has no folder and tix.yaml names no ticket_dirs to put it in; give review a dir, or move it to a status with one\n",
    );
    assert_eq!(t.snapshot(), before, "nothing changed");
    // Outside an archive, the status needs no folder: the ticket stays put.
    t.run(&["move", "1", "pending", "--force"]).code(0);
    t.run(&["move", "1", "review", "--force"]).code(0);
    assert_eq!(
        t.run(&["show", "1", "--json"]).code(0).json()["status"],
        "review"
    );
    assert!(t.exists("tickets/pending/TIX-0001.md"));
    t.run(&["sync", "--check"]).code(0);
}

/// Won't do: a status of the completed kind with `done: false` closes a
/// ticket without counting it as done. The completion rate leaves it out
/// (neither done nor left to do), recent completions do not list it, `next`
/// never draws it, and a ticket that depends on it is not held back.
#[test]
fn a_ticket_closed_as_wont_do_is_closed_but_not_done() {
    let t = Tix::tree()
        .file(
            "tickets/tix.yaml",
            "statuses:\n\
             \x20 - {name: pending, dir: pending}\n\
             \x20 - {name: in_progress, dir: in-progress}\n\
             \x20 - {name: completed, dir: completed}\n\
             \x20 - {name: wont_do, dir: wont-do, kind: completed, done: false}\n\
             transitions:\n\
             \x20 pending: [in_progress, wont_do]\n\
             \x20 in_progress: [completed, pending, wont_do]\n",
        )
        .ticket(
            "completed",
            "TIX-0001.md",
            &ticket("TIX-0001", "completed", "completed: 2029-12-01T00:00:00Z\n"),
        )
        .ticket(
            "pending",
            "TIX-0002.md",
            &ticket("TIX-0002", "pending", "priority: critical\n"),
        )
        .ticket(
            "pending",
            "TIX-0003.md",
            &ticket("TIX-0003", "pending", "depends_on: [TIX-0002]\n"),
        );
    t.run(&["sync"]).code(0);
    t.run(&["move", "2", "wont_do"]).code(0);
    assert!(t.exists("tickets/wont-do/TIX-0002.md"));
    let s = t.run(&["status", "--json"]).code(0).json();
    assert_eq!(s["completion_rate"], 0.5, "1 done of the 2 that count");
    assert_eq!(s["counts"]["wont_do"], 1);
    let recent = crate::util::each_str(&s["recent"], "id");
    assert_eq!(recent, ["TIX-0001"]);
    let ready = crate::util::each_str(&s["ready"], "id");
    assert_eq!(ready, ["TIX-0003"], "its dependency is closed");
    assert_eq!(t.run(&["next"]).code(0).stdout, "TIX-0003\n");
    let registry = t.read("tickets/TICKET_REGISTRY.md");
    assert!(
        registry.contains("\nCompletion: 1 of 2 (50.0%); 1 closed as not done\n"),
        "{registry}"
    );
    let header = t.run(&["status"]).code(0).stdout;
    assert!(
        header
            .lines()
            .next()
            .unwrap()
            .ends_with(" — 3 tickets, 1 done (50%), 1 closed as not done"),
        "{header}"
    );
    t.run(&["sync", "--check"]).code(0);
    // tix init spells it out, and adopting a `cancelled/` folder means the same.
    let t = Tix::empty()
        .file("work/todo/T-1.md", &ticket("T-1", "todo", ""))
        .file("work/cancelled/T-2.md", &ticket("T-2", "cancelled", ""));
    t.run(&["init", "work"]).code(0);
    let yaml = t.read("work/tix.yaml");
    assert!(
        yaml.contains("  - {name: cancelled, dir: cancelled, kind: completed, done: false}\n"),
        "{yaml}"
    );
    // `tix complete` needs a status that counts as done: tix's own is added.
    assert!(
        yaml.contains("  - {name: completed, dir: completed, kind: completed, aliases: [done, complete, closed, resolved]}\n"),
        "{yaml}"
    );
}
