//! `tix hook`: whole Claude Code sessions replayed from `examples/payloads/`
//! against a copy of the sample tree. After each step: the folders, the
//! frontmatter, the registry (`sync --check`), the audit trail and stdout.

use crate::util::{NOW, Run, Tix};
use serde_json::{Value, json};
use std::fs;
use std::process::{Command, Stdio};

/// The sample tree, with its registry in place.
fn session() -> Tix {
    let t = Tix::example();
    t.run(&["sync"]).code(0);
    t
}

fn step(t: &Tix, payload: &str) -> Run {
    let r = t.hook(&t.payload(payload), &[]);
    t.run(&["sync", "--check"]).code(0);
    r
}

/// The context a hook's answer gives the model.
fn said(r: &Run) -> String {
    out(r)["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap()
        .to_string()
}

fn out(r: &Run) -> Value {
    if r.stdout.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&r.stdout).unwrap()
    }
}

fn context(event: &str, lines: &[&str]) -> Value {
    json!({"hookSpecificOutput": {"hookEventName": event, "additionalContext": lines.join("\n")}})
}

/// The folder a ticket is in now.
fn folder(t: &Tix, id: &str) -> String {
    for d in ["pending", "in-progress", "completed", "archive"] {
        for e in fs::read_dir(t.path(&format!("tickets/{d}")))
            .unwrap()
            .flatten()
        {
            if e.file_name()
                .to_string_lossy()
                .starts_with(&format!("{id}-"))
            {
                return d.to_string();
            }
        }
    }
    panic!("{id} is in no folder")
}

fn file_of(t: &Tix, id: &str) -> String {
    let d = folder(t, id);
    let name = fs::read_dir(t.path(&format!("tickets/{d}")))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with(&format!("{id}-")))
        .unwrap();
    format!("tickets/{d}/{name}")
}

/// Does the work: ticks every box of a ticket.
fn tick(t: &Tix, id: &str) {
    let f = file_of(t, id);
    t.write(&f, &t.read(&f).replace("- [ ]", "- [x]"));
}

fn events_of<'a>(events: &'a [Value], id: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["ticket"] == id).collect()
}

#[test]
fn two_parallel_background_subagents_on_two_tickets() {
    let t = session();
    // Both PreToolUse hooks at once, as Claude Code runs parallel tool calls.
    let spawn = |name: &str| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tix"));
        c.arg("hook")
            .env_clear()
            .env("TIX_NOW", NOW)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .current_dir(t.root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(t.payload(name).to_string().as_bytes())
            .unwrap();
        child
    };
    let a = spawn("pre-agent-tix7.json");
    let b = spawn("pre-agent-tix11.json");
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success() && b.status.success());
    let a: Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(
        a,
        context(
            "PreToolUse",
            &[
                "tix: TIX-0007 \"Fix login redirect loop\" is now in_progress (agent: backend-engineer)."
            ]
        )
    );
    let b: Value = serde_json::from_slice(&b.stdout).unwrap();
    assert!(
        b["hookSpecificOutput"]["additionalContext"]
            .as_str()
            .unwrap()
            .starts_with("tix: TIX-0011 ")
    );
    t.run(&["sync", "--check"]).code(0);
    assert_eq!(folder(&t, "TIX-0007"), "in-progress");
    assert_eq!(folder(&t, "TIX-0011"), "in-progress");
    let text = t.read(&file_of(&t, "TIX-0007"));
    assert!(text.contains("status: in_progress\n"), "{text}");
    assert!(
        text.contains(&format!(
            "started: {NOW}\nagent: backend-engineer\nupdated: {NOW}\n---"
        )),
        "{text}"
    );

    // Both launch in the background: nothing to say yet.
    assert_eq!(out(&step(&t, "post-agent-tix7-launched.json")), Value::Null);
    assert_eq!(
        out(&step(&t, "post-agent-tix11-launched.json")),
        Value::Null
    );
    assert_eq!(folder(&t, "TIX-0007"), "in-progress");

    // TIX-0011's subagent did all its work and stops: completed, silently.
    tick(&t, "TIX-0011");
    assert_eq!(out(&step(&t, "subagent-stop-tix11.json")), Value::Null);
    assert_eq!(folder(&t, "TIX-0011"), "completed");
    // TIX-0007's too.
    tick(&t, "TIX-0007");
    assert_eq!(out(&step(&t, "subagent-stop-tix7.json")), Value::Null);
    assert_eq!(folder(&t, "TIX-0007"), "completed");

    let events = t.events();
    let e7 = events_of(&events, "TIX-0007");
    let actions: Vec<&str> = e7.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["start", "launch", "complete"]);
    let start = e7[0];
    assert_eq!(start["actor"], "hook");
    assert_eq!(start["session_id"], "5f1c2e0a-8d3b-4c61-9a7e-2b4d6f8a0c13");
    assert_eq!(start["tool_use_id"], "toolu_01A7kTix7aaaaaaaaaaaaaaa");
    assert_eq!(start["agent"], "backend-engineer");
    assert_eq!(e7[1]["agent_id"], "a453aa7001ed79ef4");
    assert_eq!(e7[2]["agent_id"], "a453aa7001ed79ef4");
    assert_eq!(e7[2]["from"], "in_progress");
    assert_eq!(e7[2]["to"], "completed");
    // `tix history` shows the run.
    let h = t.run(&["history", "7", "--json"]).code(0).json();
    assert_eq!(h.as_array().unwrap().len(), 3);
    assert_eq!(h[2]["duration_ms"], 0, "started and ended at TIX_NOW");
}

#[test]
fn a_foreground_subagent_reports_its_totals_and_a_failed_one_rolls_back() {
    let t = session();
    step(&t, "pre-task-tix9.json");
    assert_eq!(folder(&t, "TIX-0009"), "in-progress");
    tick(&t, "TIX-0009");
    let r = step(&t, "post-task-tix9-completed.json");
    assert_eq!(
        out(&r),
        context("PostToolUse", &["tix: TIX-0009 is now completed."])
    );
    assert_eq!(folder(&t, "TIX-0009"), "completed");
    let events = t.events();
    let done = events_of(&events, "TIX-0009")[1];
    assert_eq!(
        (
            &done["action"],
            &done["duration_ms"],
            &done["tokens"],
            &done["tool_uses"]
        ),
        (&json!("complete"), &json!(18131), &json!(54782), &json!(9))
    );
    assert_eq!(done["agent_id"], "a9905040c9a191ecc");
    assert!(
        !t.read("tickets/TICKET_REGISTRY.md")
            .contains("TIX-0012](in-progress"),
        "a ticket named only in the tool's response is not touched"
    );

    // A subagent that fails: its ticket goes back to pending.
    step(&t, "pre-agent-tix13.json");
    assert_eq!(folder(&t, "TIX-0013"), "in-progress");
    let r = step(&t, "post-agent-tix13-failure.json");
    assert_eq!(
        out(&r),
        context(
            "PostToolUseFailure",
            &[
                "tix: TIX-0013 is back to pending: the run that started it failed (Agent terminated: API Error: 529 overloaded)."
            ]
        )
    );
    assert_eq!(folder(&t, "TIX-0013"), "pending");
    let text = t.read(&file_of(&t, "TIX-0013"));
    assert!(text.contains("status: pending\r\n"), "CRLF kept: {text}");
    let events = t.events();
    let back = events_of(&events, "TIX-0013")[1];
    assert_eq!(back["action"], "rollback");
    assert_eq!(back["to"], "pending");
    assert_eq!(
        back["reason"],
        "the tool failed: Agent terminated: API Error: 529 overloaded"
    );
    // The failure delivered again changes nothing.
    let before = t.snapshot();
    assert_eq!(out(&step(&t, "post-agent-tix13-failure.json")), Value::Null);
    assert_eq!(t.snapshot(), before);
}

#[test]
fn unchecked_boxes_block_the_end_until_they_are_checked() {
    let t = session();
    step(&t, "pre-agent-tix7.json");
    step(&t, "post-agent-tix7-launched.json");
    // The subagent stops with its boxes unchecked: it is kept working, once.
    let r = step(&t, "subagent-stop-tix7.json");
    let o = out(&r);
    assert_eq!(o["decision"], "block");
    let reason = o["reason"].as_str().unwrap();
    let lines: Vec<&str> = reason.lines().collect();
    assert_eq!(
        lines[0],
        "tix: TIX-0007 cannot be completed yet: 3 criteria are unmet:"
    );
    assert_eq!(
        lines[1],
        "tickets/in-progress/TIX-0007-fix-login-redirect-loop.md:19: cannot complete TIX-0007: unchecked box \"- [ ] the redirect happens once\""
    );
    assert_eq!(lines.len(), 5, "{reason}");
    assert_eq!(folder(&t, "TIX-0007"), "in-progress");
    // It works, ticks the boxes, stops again (Claude Code marks the second stop).
    tick(&t, "TIX-0007");
    assert_eq!(
        out(&step(&t, "subagent-stop-tix7-active.json")),
        Value::Null
    );
    assert_eq!(folder(&t, "TIX-0007"), "completed");

    // A foreground run with an unchecked box: the reason goes beside the tool
    // result; a second run on the same ticket, in the same session, completes it.
    step(&t, "pre-task-tix9.json");
    let o = out(&step(&t, "post-task-tix9-completed.json"));
    assert_eq!(o["decision"], "block");
    assert!(
        o["reason"]
            .as_str()
            .unwrap()
            .contains("run `tix complete TIX-0009`")
    );
    assert_eq!(folder(&t, "TIX-0009"), "in-progress");
    tick(&t, "TIX-0009");
    let mut again = t.payload("pre-task-tix9.json");
    again["tool_use_id"] = "toolu_01again".into();
    let r = t.hook(&again, &[]);
    assert!(said(&r).contains("this run works on it"));
    let mut done = t.payload("post-task-tix9-completed.json");
    done["tool_use_id"] = "toolu_01again".into();
    assert_eq!(
        out(&t.hook(&done, &[])),
        context("PostToolUse", &["tix: TIX-0009 is now completed."])
    );
    let events = t.events();
    let actions: Vec<&str> = events_of(&events, "TIX-0009")
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["start", "run-end", "attach", "complete"]);
}

#[test]
fn a_stop_with_unmet_gates_is_held_once_then_let_go() {
    let t = session();
    step(&t, "pre-agent-tix7.json");
    step(&t, "post-agent-tix7-launched.json");
    assert_eq!(
        out(&step(&t, "subagent-stop-tix7.json"))["decision"],
        "block"
    );
    // Stopping again without the work done: let go, the user is told.
    let r = step(&t, "subagent-stop-tix7-active.json");
    assert_eq!(
        out(&r),
        json!({"systemMessage": "tix: TIX-0007 stays in progress: 3 criteria unmet (see `tix show TIX-0007`)."})
    );
    assert_eq!(folder(&t, "TIX-0007"), "in-progress");
    let events = t.events();
    assert_eq!(
        events_of(&events, "TIX-0007").last().unwrap()["action"],
        "run-end"
    );
}

#[test]
fn the_same_payload_twice_is_harmless() {
    let t = session();
    step(&t, "pre-agent-tix7.json");
    let before = t.snapshot();
    assert_eq!(out(&step(&t, "pre-agent-tix7.json")), Value::Null);
    step(&t, "post-agent-tix7-launched.json");
    step(&t, "post-agent-tix7-launched.json");
    tick(&t, "TIX-0007");
    step(&t, "subagent-stop-tix7.json");
    step(&t, "subagent-stop-tix7.json");
    assert_eq!(folder(&t, "TIX-0007"), "completed");
    let events = t.events();
    let actions: Vec<&str> = events_of(&events, "TIX-0007")
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["start", "launch", "complete"]);
    let runs: Value = serde_json::from_str(&t.read("tickets/.tix/runs.json")).unwrap();
    assert_eq!(runs["runs"].as_array().unwrap().len(), 1);
    drop(before);
}

#[test]
fn unrelated_tools_and_events_change_nothing() {
    let t = session();
    let before = t.snapshot();
    let index = t.read("tickets/.tix/index");
    for p in [
        "pre-bash.json",
        "post-read.json",
        "post-edit.json",
        "notification.json",
    ] {
        let r = t.hook(&t.payload(p), &[]);
        assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("", ""), "{p}");
    }
    assert_eq!(t.snapshot(), before);
    assert_eq!(t.read("tickets/.tix/index"), index);
    assert!(t.events().is_empty());
    assert!(!t.exists("tickets/.tix/hook.log"));
}

#[test]
fn a_slash_command_typed_by_the_user_starts_and_the_stop_completes() {
    let t = session();
    let r = step(&t, "user-prompt-submit.json");
    assert_eq!(
        out(&r),
        context(
            "UserPromptSubmit",
            &["tix: TIX-0012 \"Upgrade PostgreSQL to 16\" is now in_progress (agent: work-on)."]
        )
    );
    // The same command seen again as it expands: one start, one run.
    assert_eq!(out(&step(&t, "user-prompt-expansion.json")), Value::Null);
    assert_eq!(folder(&t, "TIX-0012"), "in-progress");
    // The turn ends with work left: held once, with the boxes listed.
    let o = out(&step(&t, "stop.json"));
    assert_eq!(o["decision"], "block");
    assert!(
        o["reason"]
            .as_str()
            .unwrap()
            .contains("tix completes the ticket when you stop")
    );
    tick(&t, "TIX-0012");
    assert_eq!(out(&step(&t, "stop-active.json")), Value::Null);
    assert_eq!(folder(&t, "TIX-0012"), "completed");
}

#[test]
fn skills_and_legacy_slash_commands_complete_at_the_stop() {
    let t = session();
    let r = step(&t, "pre-skill.json");
    assert!(
        said(&r)
            .contains("TIX-0011 \"Export invoices as CSV\" is now in_progress (agent: fix-ticket)")
    );
    step(&t, "pre-slash-command.json");
    assert_eq!(folder(&t, "TIX-0013"), "in-progress");
    let mut skill_end = t.payload("pre-skill.json");
    skill_end["hook_event_name"] = "PostToolUse".into();
    skill_end["tool_response"] = json!({"success": true, "commandName": "fix-ticket"});
    assert_eq!(
        out(&t.hook(&skill_end, &[])),
        Value::Null,
        "a skill's end is the stop"
    );
    assert_eq!(folder(&t, "TIX-0011"), "in-progress");
    tick(&t, "TIX-0011");
    tick(&t, "TIX-0013");
    assert_eq!(out(&step(&t, "stop.json")), Value::Null);
    assert_eq!(folder(&t, "TIX-0011"), "completed");
    assert_eq!(folder(&t, "TIX-0013"), "completed");
}

#[test]
fn the_root_is_found_from_a_subdirectory_or_the_project_dir() {
    let t = session();
    fs::create_dir_all(t.path("src/deep/er")).unwrap();
    let mut p = t.payload("pre-agent-tix7.json");
    p["cwd"] = t.path("src/deep/er").to_string_lossy().into_owned().into();
    let r = t.hook(&p, &[]);
    assert!(!r.stdout.is_empty(), "{r:?}");
    assert_eq!(folder(&t, "TIX-0007"), "in-progress");
    // CLAUDE_PROJECT_DIR wins over a cwd that went elsewhere.
    let mut p = t.payload("pre-agent-tix11.json");
    p["cwd"] = "/".into();
    let project = t.root().to_string_lossy().into_owned();
    let r = t.hook(&p, &[("CLAUDE_PROJECT_DIR", &project)]);
    assert!(!r.stdout.is_empty(), "{r:?}");
    assert_eq!(folder(&t, "TIX-0011"), "in-progress");
}

#[test]
fn mentions_that_are_not_pending_tickets_change_nothing_or_say_why() {
    let t = session();
    // A completed ticket named for context is not reopened; an id no ticket
    // has is ignored.
    let mut p = t.payload("pre-agent-tix7.json");
    p["tool_input"]["prompt"] = "Like TIX-0003 and TIX-4242, see UTF-8 notes".into();
    p["tool_input"]["description"] = "context only".into();
    let before = t.snapshot();
    assert_eq!(out(&t.hook(&p, &[])), Value::Null);
    assert_eq!(t.snapshot(), before);
    // Another agent's ticket is not taken over; the model is told.
    let mut p = t.payload("pre-agent-tix7.json");
    p["tool_input"]["description"] = "Help with TIX-0008".into();
    p["tool_input"]["prompt"] = "".into();
    let r = t.hook(&p, &[]);
    let ctx = said(&r);
    assert_eq!(
        ctx,
        "tix: TIX-0008 \"Introduce design tokens\" is already in progress by frontend-developer, outside this session; tix leaves it as it is."
    );
    // Unmet dependencies are said, and nothing starts.
    let mut p = t.payload("pre-agent-tix7.json");
    p["tool_input"]["description"] = "Dark mode TIX-0010".into();
    p["tool_input"]["prompt"] = "".into();
    let ctx = said(&t.hook(&p, &[]));
    assert!(
        ctx.contains("cannot start TIX-0010: depends on TIX-0008, which is in_progress"),
        "{ctx}"
    );
    assert_eq!(folder(&t, "TIX-0010"), "pending");
}

#[test]
fn a_ticket_copied_in_by_hand_is_started_when_named() {
    let t = session();
    // Not made by `tix new`: the index has never heard of it.
    t.write(
        "tickets/pending/TIX-0050-copied.md",
        &crate::util::ticket("TIX-0050", "pending", "", ""),
    );
    let mut p = t.payload("pre-agent-tix7.json");
    p["tool_input"]["description"] = "Do TIX-0050".into();
    p["tool_input"]["prompt"] = "".into();
    let r = t.hook(&p, &[]);
    assert!(!r.stdout.is_empty(), "{r:?}");
    assert_eq!(folder(&t, "TIX-0050"), "in-progress");
    t.run(&["sync", "--check"]).code(0);
}

#[test]
fn session_start_says_the_same_from_the_index_as_from_the_tree() {
    // 675 open tickets, more than the index lists the places of: the first
    // session start reads the tree (there is no index yet), the next one the
    // index's records one at a time. Both say the same: 175 in progress;
    // 325 ready: 150 that wait for none (more than are kept before the
    // first are cut) and 175 that wait for a completed ticket; 175 that wait
    // for one in progress not counted.
    let mut t = Tix::tree();
    for i in 1..=850usize {
        let id = format!("TIX-{i:04}");
        let priority = ["critical", "high", "medium", "low"][i % 4];
        let created = format!("created: 2026-01-{:02}T00:00:00Z\n", i % 28 + 1);
        let (dir, status, extra) = match (i > 150).then(|| (i - 150) % 4) {
            None => (
                "pending",
                "pending",
                format!("priority: {priority}\n{created}"),
            ),
            Some(0) => (
                "in-progress",
                "in_progress",
                format!("started: 2026-01-{:02}T00:00:00Z\n", i % 28 + 1),
            ),
            Some(1) => ("completed", "completed", String::new()),
            Some(2) => (
                "pending",
                "pending",
                format!(
                    "priority: {priority}\n{created}depends_on: [TIX-{:04}]\n",
                    i - 1
                ),
            ),
            _ => (
                "pending",
                "pending",
                format!("priority: {priority}\ndepends_on: [TIX-{:04}]\n", i - 3),
            ),
        };
        t = t.ticket(
            dir,
            &format!("{id}-t.md"),
            &crate::util::ticket(&id, status, &extra, ""),
        );
    }
    let payload = json!({
        "hook_event_name": "SessionStart",
        "session_id": "s1",
        "source": "startup",
        "cwd": t.root().to_string_lossy(),
    });
    assert!(!t.path("tickets/.tix/index").exists());
    let from_tree = t.hook(&payload, &[]);
    assert!(t.path("tickets/.tix/index").exists());
    let from_index = t.hook(&payload, &[]);
    assert_eq!(from_index.stdout, from_tree.stdout);
    let ctx = said(&from_index);
    assert!(
        ctx.starts_with("tix: tickets in tickets: 175 in progress, 325 ready to start."),
        "{ctx}"
    );
    assert!(ctx.contains("- … and 162 more (`tix status`)"), "{ctx}");
    assert_eq!(ctx.lines().count(), 30, "{ctx}");
}

#[test]
fn session_start_gives_in_progress_and_ready_in_at_most_30_lines() {
    let t = session();
    let o = out(&t.hook(&t.payload("session-start.json"), &[]));
    let ctx = o["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap();
    assert_eq!(o["hookSpecificOutput"]["hookEventName"], "SessionStart");
    let lines: Vec<&str> = ctx.lines().collect();
    assert!(
        lines[0].starts_with("tix: tickets in tickets: 2 in progress, 5 ready to start."),
        "{ctx}"
    );
    assert!(
        ctx.contains("- TIX-0006 \"Move sessions to Redis\" (backend-engineer, 2/3 boxes)"),
        "{ctx}"
    );
    assert!(
        ctx.contains("Ready next:\n- TIX-0009 \"Rate-limit password reset emails\" (critical)"),
        "{ctx}"
    );
    // A big tree still gives at most 30 lines.
    let mut big = Tix::tree();
    for i in 1..=80 {
        let status = if i % 2 == 0 { "in_progress" } else { "pending" };
        let dir = if i % 2 == 0 { "in-progress" } else { "pending" };
        big = big.ticket(
            dir,
            &format!("TIX-{i:04}.md"),
            &crate::util::ticket(&format!("TIX-{i:04}"), status, "", ""),
        );
    }
    let ctx = said(
        &big.hook(
            &t.payload("session-start.json")
                .as_object()
                .map(|o| {
                    let mut o = o.clone();
                    o.insert(
                        "cwd".into(),
                        big.root().to_string_lossy().into_owned().into(),
                    );
                    Value::Object(o)
                })
                .unwrap(),
            &[],
        ),
    );
    assert_eq!(ctx.lines().count(), 30, "{ctx}");
    assert!(ctx.contains("- … and 27 more (`tix status`)"), "{ctx}");
    assert!(ctx.contains("- … and 28 more (`tix next`)"), "{ctx}");
}

#[test]
fn garbage_never_blocks_claude_code() {
    let t = session();
    for input in [
        "",
        "{",
        "[1,2]",
        "null",
        "\u{0}\u{1}binary",
        "{\"hook_event_name\": 5}",
        &"[".repeat(100_000),
    ] {
        let r = t.hook_raw(input);
        assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{input:.20}");
    }
    let log = t.read("tickets/.tix/hook.log");
    assert!(log.contains("the payload on stdin is empty"), "{log}");
    assert!(log.contains("the payload on stdin is not JSON"), "{log}");
    // Not a tix project: quiet for events tix has no rule for, an error line
    // (stderr only) for those it does.
    let nowhere = Tix::empty();
    let mut p = t.payload("pre-agent-tix7.json");
    p["cwd"] = nowhere.root().to_string_lossy().into_owned().into();
    let r = nowhere.hook(&p, &[]);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.contains("tix: hook: no tix tree found"),
        "{}",
        r.stderr
    );
    p["hook_event_name"] = "Notification".into();
    let r = nowhere.hook(&p, &[]);
    assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("", ""));
}

#[test]
fn broken_tool_state_does_not_stop_the_hook() {
    let t = session();
    t.write("tickets/.tix/runs.json", "{ not what tix wrote");
    step(&t, "pre-agent-tix7.json");
    assert_eq!(folder(&t, "TIX-0007"), "in-progress");
    assert_eq!(
        t.read("tickets/.tix/runs.json.corrupt"),
        "{ not what tix wrote"
    );
    let log = t.read("tickets/.tix/hook.log");
    assert!(
        log.ends_with(
            " PreToolUse: .tix/runs.json was not a file tix wrote; kept as runs.json.corrupt, tracking starts again\n"
        ),
        "{log}"
    );
    // A fresh clone has no .tix/: a problem is still logged, and the state
    // folder keeps itself out of git.
    let t = Tix::example();
    assert!(!t.exists("tickets/.tix"));
    let r = t.hook_raw("{");
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
    assert!(t.read("tickets/.tix/hook.log").contains("not JSON"));
    assert_eq!(t.read("tickets/.tix/.gitignore").lines().nth(3), Some("*"));
}

#[test]
fn a_stop_delivered_twice_holds_twice_and_the_next_stop_completes() {
    // Review finding: a second copy of the first stop ended the run, so the
    // stop after the work was done completed nothing.
    let t = session();
    step(&t, "pre-agent-tix7.json");
    step(&t, "post-agent-tix7-launched.json");
    assert_eq!(
        out(&step(&t, "subagent-stop-tix7.json"))["decision"],
        "block"
    );
    assert_eq!(
        out(&step(&t, "subagent-stop-tix7.json"))["decision"],
        "block"
    );
    tick(&t, "TIX-0007");
    assert_eq!(
        out(&step(&t, "subagent-stop-tix7-active.json")),
        Value::Null
    );
    assert_eq!(folder(&t, "TIX-0007"), "completed");
    // The same for the session's Stop.
    step(&t, "user-prompt-submit.json");
    assert_eq!(out(&step(&t, "stop.json"))["decision"], "block");
    assert_eq!(out(&step(&t, "stop.json"))["decision"], "block");
    tick(&t, "TIX-0012");
    assert_eq!(out(&step(&t, "stop-active.json")), Value::Null);
    assert_eq!(folder(&t, "TIX-0012"), "completed");
}

#[test]
fn a_ticket_started_outside_the_session_is_neither_taken_nor_rolled_back() {
    // Review finding: a ticket started by hand without an agent was reassigned
    // to the subagent, recorded as started by it, and rolled back when it failed.
    let t = session();
    t.run(&["start", "TIX-0013"]).code(0);
    let r = step(&t, "pre-agent-tix13.json");
    let ctx = said(&r);
    assert!(
        ctx.contains("is already in progress by someone, outside this session"),
        "{ctx}"
    );
    step(&t, "post-agent-tix13-failure.json");
    assert_eq!(folder(&t, "TIX-0013"), "in-progress");
    assert!(
        !t.read(&file_of(&t, "TIX-0013")).contains("agent:"),
        "not reassigned"
    );
    // Nor is a ticket of another session completed by this one's subagent,
    // even under the same agent name.
    let mut p = t.payload("pre-agent-tix7.json");
    p["tool_input"]["description"] = "Review TIX-0006".into();
    p["tool_input"]["prompt"] = "".into();
    step_json(&t, &p);
    tick(&t, "TIX-0006");
    let mut done = t.payload("post-task-tix9-completed.json");
    done["tool_use_id"] = p["tool_use_id"].clone();
    done["tool_name"] = "Agent".into();
    assert_eq!(out(&step_json(&t, &done)), Value::Null);
    assert_eq!(folder(&t, "TIX-0006"), "in-progress");
}

fn step_json(t: &Tix, payload: &Value) -> Run {
    let r = t.hook(payload, &[]);
    t.run(&["sync", "--check"]).code(0);
    r
}

#[test]
fn a_subagent_stop_that_comes_before_its_launch_is_not_lost() {
    let t = session();
    step(&t, "pre-agent-tix7.json");
    tick(&t, "TIX-0007");
    // SubagentStop first (the launch's hook waited on the lock)...
    assert_eq!(out(&step(&t, "subagent-stop-tix7.json")), Value::Null);
    assert_eq!(folder(&t, "TIX-0007"), "in-progress");
    // ...then the launch: the run ends at once.
    let r = step(&t, "post-agent-tix7-launched.json");
    assert_eq!(
        out(&r),
        context("PostToolUse", &["tix: TIX-0007 is now completed."])
    );
    assert_eq!(folder(&t, "TIX-0007"), "completed");
}

#[test]
fn a_skill_run_inside_a_subagent_ends_with_that_subagent() {
    let t = session();
    step(&t, "pre-agent-tix7.json");
    step(&t, "post-agent-tix7-launched.json");
    // Inside the subagent, a skill names TIX-0011.
    let mut skill = t.payload("pre-skill.json");
    skill["agent_id"] = "a453aa7001ed79ef4".into();
    skill["agent_type"] = "backend-engineer".into();
    step_json(&t, &skill);
    assert_eq!(folder(&t, "TIX-0011"), "in-progress");
    tick(&t, "TIX-0011");
    tick(&t, "TIX-0007");
    // The main session's stop does not complete what the subagent works on.
    assert_eq!(out(&step(&t, "stop.json")), Value::Null);
    assert_eq!(folder(&t, "TIX-0011"), "in-progress");
    // The subagent's stop completes both.
    step(&t, "subagent-stop-tix7.json");
    assert_eq!(folder(&t, "TIX-0011"), "completed");
    assert_eq!(folder(&t, "TIX-0007"), "completed");
}

#[test]
fn a_stop_leaves_alone_a_ticket_a_subagent_still_works_on() {
    let t = session();
    step(&t, "pre-agent-tix7.json");
    step(&t, "post-agent-tix7-launched.json");
    // The user types a command naming the same ticket: attached, same session.
    let mut typed = t.payload("user-prompt-submit.json");
    typed["prompt"] = "/check TIX-0007".into();
    step_json(&t, &typed);
    tick(&t, "TIX-0007");
    assert_eq!(out(&step(&t, "stop.json")), Value::Null);
    assert_eq!(
        folder(&t, "TIX-0007"),
        "in-progress",
        "its subagent is still running"
    );
    step(&t, "subagent-stop-tix7.json");
    assert_eq!(folder(&t, "TIX-0007"), "completed");
}

#[test]
fn a_refusal_stays_under_claude_codes_limit() {
    let t = session();
    let f = file_of(&t, "TIX-0009");
    let many: String = (0..2000)
        .map(|i| format!("- [ ] criterion number {i} with some words\n"))
        .collect();
    t.write(&f, &format!("{}{many}", t.read(&f)));
    step(&t, "pre-task-tix9.json");
    let o = out(&step(&t, "post-task-tix9-completed.json"));
    let reason = o["reason"].as_str().unwrap();
    assert!(reason.len() < 10_000, "{}", reason.len());
    assert!(
        reason.contains("… and 19"),
        "{}",
        &reason[reason.len() - 300..]
    );
}

#[test]
fn the_hook_exits_0_whatever_its_arguments_or_surroundings() {
    let t = session();
    for args in [
        &["hook", "extra"][..],
        &["hook", "--bogus"],
        &["--color", "never", "hook", "x"],
    ] {
        let out = t.command(args).write_stdin("{}").output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(out.stdout.is_empty());
    }
    assert_eq!(
        t.command(&["start", "--bogus"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2),
        "other commands keep exit 2"
    );
    let out = t
        .command(&["hook"])
        .env("TIX_NOW", "not a time")
        .write_stdin(t.payload("pre-bash.json").to_string())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // A broken tix.yaml: quiet for what tix has no rule for, logged for the rest.
    t.write("tickets/tix.yaml", "lock_timout_secs: 3\n");
    let r = t.hook(&t.payload("notification.json"), &[]);
    assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("", ""));
    let r = t.hook(&t.payload("pre-agent-tix7.json"), &[]);
    assert!(
        r.stderr.contains("unknown field `lock_timout_secs`"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_panic_inside_the_hook_is_caught_and_logged() {
    let t = session();
    let r = t.hook(
        &t.payload("pre-agent-tix7.json"),
        &[("TIX_FAILPOINT", "hook-panic")],
    );
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr
            .contains("internal error (a bug in tix): failpoint hook-panic"),
        "{}",
        r.stderr
    );
    assert!(
        t.read("tickets/.tix/hook.log")
            .contains("PreToolUse: internal error")
    );
    assert_eq!(folder(&t, "TIX-0007"), "pending");
}

#[test]
fn runs_that_waited_a_week_end_once_whatever_comes_next() {
    let t = session();
    step(&t, "pre-agent-tix7.json");
    step(&t, "pre-agent-tix11.json");
    step(&t, "post-agent-tix11-launched.json");
    // A week and a day later the launch is delivered again, three times:
    // the runs that never ended are ended (and logged) once.
    let later = [("TIX_NOW", "2030-01-09T00:00:00Z")];
    for _ in 0..3 {
        let r = t.hook(&t.payload("post-agent-tix11-launched.json"), &later);
        assert_eq!(out(&r.code(0)), Value::Null);
    }
    let events = t.events();
    let ends: Vec<&str> = events
        .iter()
        .filter(|e| e["action"] == "run-end")
        .map(|e| e["ticket"].as_str().unwrap())
        .collect();
    assert_eq!(ends, ["TIX-0007", "TIX-0011"], "{events:?}");
    let runs: Value = serde_json::from_str(&t.read("tickets/.tix/runs.json")).unwrap();
    assert!(
        runs["runs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["ended_at"] == "2030-01-09T00:00:00Z"),
        "{runs}"
    );
}

#[test]
fn a_hook_call_that_changes_no_run_does_not_rewrite_the_runs_file() {
    let t = session();
    step(&t, "pre-agent-tix7.json");
    let runs = t.path("tickets/.tix/runs.json");
    let before = std::fs::metadata(&runs).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    // The same PreToolUse again (Claude Code may deliver it twice): it takes
    // the lock to find out, and changes nothing.
    step(&t, "pre-agent-tix7.json");
    let after = std::fs::metadata(&runs).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        (after.ino(), after.modified().unwrap()),
        (before.ino(), before.modified().unwrap()),
        "not written again"
    );
}

/// Whatever goes wrong, a hook says one line on stderr (`tix: hook: …`), no
/// progress line (no "waiting for the lock"), and exits 0.
#[test]
fn every_hook_error_is_one_line_on_stderr() {
    use fs2::FileExt;
    let t = session();
    let yaml = t.read("tickets/tix.yaml");
    t.write(
        "tickets/tix.yaml",
        &yaml.replace("lock_timeout_secs: 10", "lock_timeout_secs: 1"),
    );
    let one_line = |r: &Run, what: &str| {
        assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{what}");
        assert_eq!(r.stderr.lines().count(), 1, "{what}: {:?}", r.stderr);
        assert!(
            r.stderr.starts_with("tix: hook: "),
            "{what}: {:?}",
            r.stderr
        );
    };
    // The lock held by another program for longer than lock_timeout_secs.
    let f = fs::File::create(t.path("tickets/.tix/lock")).unwrap();
    FileExt::lock_exclusive(&f).unwrap();
    let r = t.hook(&t.payload("pre-agent-tix7.json"), &[]);
    one_line(&r, "lock");
    assert!(
        r.stderr.contains("lock not acquired within 1s"),
        "{}",
        r.stderr
    );
    FileExt::unlock(&f).unwrap();
    // Fields of the wrong type, named.
    for (field, value, said) in [
        (
            "hook_event_name",
            serde_json::json!(5),
            "the payload's hook_event_name is a number, not a string",
        ),
        (
            "tool_input",
            serde_json::json!("TIX-0007"),
            "the payload's tool_input is a string, not an object",
        ),
        (
            "session_id",
            serde_json::json!(["s"]),
            "the payload's session_id is an array, not a string",
        ),
    ] {
        let mut p = t.payload("pre-agent-tix7.json");
        p[field] = value;
        let r = t.hook(&p, &[]);
        one_line(&r, field);
        assert_eq!(r.stderr, format!("tix: hook: {said}\n"));
    }
    // A tree tix cannot read (tix.yaml broken) for an event tix acts on.
    t.write("tickets/tix.yaml", "statuses: [\n");
    let r = t.hook(&t.payload("pre-agent-tix7.json"), &[]);
    one_line(&r, "broken tix.yaml");
    assert!(r.stderr.contains("tix.yaml"), "{}", r.stderr);
    assert_eq!(folder(&t, "TIX-0007"), "pending");
}
