//! How runs end as Claude Code 2.1 really ends them (payloads shaped as the
//! real client sends them): a foreground subagent's stop before its result,
//! a subagent that dies with only a `StopFailure` or a failed task
//! notification, a launch denied by another hook that only `PostToolBatch`
//! reports. No run may stay open and no ticket in progress for good.

use crate::util::{Run, Tix};
use serde_json::{Value, json};

const SESSION: &str = "3b863214-0ac0-4b41-9dbe-611f9cf9906c";
const BOX: &str = "## Acceptance criteria\n- [ ] the redirect happens once\n";

/// A tree with pending tickets TIX-0001 and TIX-0002, each with one box.
fn tree() -> Tix {
    let t = Tix::tree()
        .ticket(
            "pending",
            "TIX-0001-fix-login.md",
            &crate::util::ticket("TIX-0001", "pending", "", BOX),
        )
        .ticket(
            "pending",
            "TIX-0002-fix-logout.md",
            &crate::util::ticket("TIX-0002", "pending", "", BOX),
        );
    t.run(&["sync"]).code(0);
    t
}

fn hook(t: &Tix, payload: Value) -> Value {
    let mut p = payload;
    p["session_id"] = SESSION.into();
    p["cwd"] = t.root().to_string_lossy().into_owned().into();
    p["prompt_id"] = "a768dfe9-51ef-49c2-b14e-a66261d7e2e7".into();
    p["effort"] = json!({"level": "medium"});
    let r: Run = t.hook(&p, &[]);
    t.run(&["sync", "--check"]).code(0);
    if r.stdout.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&r.stdout).unwrap()
    }
}

fn launch(t: &Tix, tool_use_id: &str, id: &str, background: Option<bool>) -> Value {
    let mut input = json!({
        "description": format!("Fix {id}"),
        "prompt": format!("Work on {id}: fix the login redirect, tick the boxes in the ticket."),
        "subagent_type": "general-purpose",
    });
    if let Some(b) = background {
        input["run_in_background"] = b.into();
    }
    hook(
        t,
        json!({"hook_event_name": "PreToolUse", "permission_mode": "bypassPermissions",
               "tool_name": "Agent", "tool_input": input, "tool_use_id": tool_use_id}),
    )
}

/// The subagent's transcript path, and the note Claude Code keeps beside it
/// naming the call that launched it.
fn transcript(t: &Tix, agent_id: &str, tool_use_id: &str, shape: &str) -> String {
    let dir = t.path(&format!("home/.claude/projects/-proj/{SESSION}/subagents"));
    std::fs::create_dir_all(&dir).unwrap();
    let meta = json!({"agentType": "general-purpose", "isBuiltIn": true,
        "description": "Fix", "toolUseId": tool_use_id, "spawnDepth": 1,
        "requestShape": shape, "requestNonInteractive": true, "finished": true});
    std::fs::write(
        dir.join(format!("agent-{agent_id}.meta.json")),
        meta.to_string(),
    )
    .unwrap();
    dir.join(format!("agent-{agent_id}.jsonl"))
        .to_string_lossy()
        .into_owned()
}

fn subagent_stop(t: &Tix, agent_id: &str, transcript: &str, active: bool) -> Value {
    hook(
        t,
        json!({"hook_event_name": "SubagentStop", "permission_mode": "bypassPermissions",
               "agent_id": agent_id, "agent_type": "general-purpose",
               "stop_hook_active": active, "agent_transcript_path": transcript,
               "last_assistant_message": "done", "background_tasks": [], "session_crons": []}),
    )
}

fn result(t: &Tix, tool_use_id: &str, id: &str, agent_id: &str) -> Value {
    hook(
        t,
        json!({"hook_event_name": "PostToolUse", "tool_name": "Agent",
               "tool_input": {"description": format!("Fix {id}"), "prompt": format!("Work on {id}"),
                              "subagent_type": "general-purpose", "run_in_background": false},
               "tool_response": {"status": "completed", "prompt": format!("Work on {id}"),
                   "agentId": agent_id, "agentType": "general-purpose",
                   "content": [{"type": "text", "text": "done"}], "resolvedModel": "claude-opus-5-5",
                   "totalDurationMs": 345, "totalTokens": 120, "totalToolUseCount": 0,
                   "canContinueAgent": true},
               "tool_use_id": tool_use_id, "duration_ms": 400}),
    )
}

fn status(t: &Tix, id: &str) -> String {
    t.run(&["show", id, "--json"]).code(0).json()["status"]
        .as_str()
        .unwrap()
        .to_string()
}

fn tick(t: &Tix, id: &str) {
    let f = format!(
        "tickets/in-progress/{id}-fix-{}.md",
        if id == "TIX-0001" { "login" } else { "logout" }
    );
    t.write(&f, &t.read(&f).replace("- [ ]", "- [x]"));
}

/// Every run has ended and no early stop waits: nothing is left behind.
fn nothing_left(t: &Tix) {
    let runs: Value = serde_json::from_str(&t.read("tickets/.tix/runs.json")).unwrap();
    let open: Vec<&Value> = runs["runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ended_at"].is_null())
        .collect();
    assert!(open.is_empty(), "open runs: {open:?}");
    assert_eq!(runs["early_stops"], json!([]), "{runs}");
}

fn events(t: &Tix) -> Vec<Value> {
    t.read("tickets/.tix/events.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_foreground_subagent_with_unmet_criteria_is_held_once() {
    let t = tree();
    let call = "toolu_e2e_bd19ea913149466facb2";
    launch(&t, call, "TIX-0001", Some(false));
    assert_eq!(status(&t, "TIX-0001"), "in_progress");
    // Its stop comes before its result: tied to its launch by the note
    // beside its transcript, it is held once to finish the box.
    let path = transcript(&t, "ac02a301b388bf30e", call, "foreground");
    let held = subagent_stop(&t, "ac02a301b388bf30e", &path, false);
    assert_eq!(held["decision"], "block");
    assert_eq!(
        held["reason"],
        "tix: TIX-0001 cannot be completed yet: 1 criterion is unmet:\n\
         tickets/in-progress/TIX-0001-fix-login.md:10: cannot complete TIX-0001: unchecked box \"- [ ] the redirect happens once\"\n\
         Finish each one and tick its box (- [x]) in the ticket file; tix completes the ticket when you stop."
    );
    assert_eq!(
        status(&t, "TIX-0001"),
        "in_progress",
        "nothing completed yet"
    );
    // Held once: the next stop goes through; its result then says what is unmet.
    assert_eq!(
        subagent_stop(&t, "ac02a301b388bf30e", &path, true),
        Value::Null
    );
    let r = result(&t, call, "TIX-0001", "ac02a301b388bf30e");
    assert_eq!(r["decision"], "block");
    assert_eq!(status(&t, "TIX-0001"), "in_progress");
    nothing_left(&t);
}

#[test]
fn a_foreground_subagent_that_did_the_work_completes_with_its_totals() {
    let t = tree();
    let call = "toolu_e2e_aa1e373bb4fb4be2a057";
    launch(&t, call, "TIX-0002", Some(false));
    tick(&t, "TIX-0002");
    let path = transcript(&t, "ad0f5570be0083bac", call, "foreground");
    assert_eq!(
        subagent_stop(&t, "ad0f5570be0083bac", &path, false),
        Value::Null
    );
    assert_eq!(
        status(&t, "TIX-0002"),
        "in_progress",
        "its result completes it"
    );
    let r = result(&t, call, "TIX-0002", "ad0f5570be0083bac");
    assert_eq!(
        r["hookSpecificOutput"]["additionalContext"],
        "tix: TIX-0002 is now completed."
    );
    assert_eq!(status(&t, "TIX-0002"), "completed");
    let done = events(&t)
        .into_iter()
        .find(|e| e["action"] == "complete")
        .unwrap();
    assert_eq!(
        (
            &done["agent_id"],
            &done["duration_ms"],
            &done["tokens"],
            &done["tool_uses"]
        ),
        (
            &json!("ad0f5570be0083bac"),
            &json!(345),
            &json!(120),
            &json!(0)
        )
    );
    nothing_left(&t);
}

#[test]
fn a_background_stop_before_its_launch_report_completes_by_the_note() {
    let t = tree();
    let call = "toolu_e2e_16d983f6409d4ae6b205";
    launch(&t, call, "TIX-0001", None);
    tick(&t, "TIX-0001");
    // The launch's PostToolUse waited on the lock: the stop comes first.
    let path = transcript(&t, "a8a843a517522526c", call, "background");
    assert_eq!(
        subagent_stop(&t, "a8a843a517522526c", &path, false),
        Value::Null
    );
    assert_eq!(status(&t, "TIX-0001"), "completed");
    let launched = hook(
        &t,
        json!({"hook_event_name": "PostToolUse", "tool_name": "Agent", "tool_use_id": call,
               "tool_input": {"prompt": "Work on TIX-0001"},
               "tool_response": {"isAsync": true, "status": "async_launched",
                                 "agentId": "a8a843a517522526c", "canReadOutputFile": true}}),
    );
    assert_eq!(launched, Value::Null);
    nothing_left(&t);
}

fn async_launched(t: &Tix, call: &str, id: &str, agent_id: &str) -> Value {
    hook(
        t,
        json!({"hook_event_name": "PostToolUse", "tool_name": "Agent", "tool_use_id": call,
               "tool_input": {"prompt": format!("Work on {id}"), "run_in_background": true},
               "tool_response": {"isAsync": true, "status": "async_launched", "agentId": agent_id,
                                 "description": format!("Fix {id}"), "canReadOutputFile": true}}),
    )
}

fn back_to_pending(t: &Tix, id: &str, reason: &str) {
    assert_eq!(status(t, id), "pending");
    let last = events(t).pop().unwrap();
    assert_eq!(
        (&last["ticket"], &last["action"], &last["reason"]),
        (&json!(id), &json!("rollback"), &json!(reason))
    );
}

#[test]
fn a_background_subagent_that_dies_is_rolled_back_by_its_stop_failure() {
    let t = tree();
    let call = "toolu_e2e_469bd755c1e0454cbb28";
    launch(&t, call, "TIX-0001", Some(true));
    async_launched(&t, call, "TIX-0001", "a60df13a1bd5c3a22");
    // No SubagentStop, no PostToolUseFailure: only this.
    let out = hook(
        &t,
        json!({"hook_event_name": "StopFailure", "agent_id": "a60df13a1bd5c3a22",
               "agent_type": "general-purpose", "error": "unknown",
               "last_assistant_message": "API Error: 400 E2E forced failure of the subagent's request"}),
    );
    assert_eq!(out, Value::Null, "StopFailure's output is ignored");
    back_to_pending(
        &t,
        "TIX-0001",
        "the subagent failed: API Error: 400 E2E forced failure of the subagent's request",
    );
    nothing_left(&t);
    // The notification that follows changes nothing more.
    let n = events(&t).len();
    let note = task_notification(&t, "a60df13a1bd5c3a22", call, "failed");
    assert_eq!(note, Value::Null);
    assert_eq!(events(&t).len(), n);
}

fn task_notification(t: &Tix, agent_id: &str, call: &str, status: &str) -> Value {
    hook(
        t,
        json!({"hook_event_name": "UserPromptSubmit", "permission_mode": "bypassPermissions",
               "prompt": format!("<task-notification>\n<task-id>{agent_id}</task-id>\n\
                   <tool-use-id>{call}</tool-use-id>\n<output-file>/tmp/x/{agent_id}.output</output-file>\n\
                   <status>{status}</status>\n<summary>Agent \"Fix TIX-0001\" failed: API Error: 400</summary>\n\
                   </task-notification>")}),
    )
}

#[test]
fn a_failed_task_notification_rolls_back_when_it_comes_first() {
    let t = tree();
    let call = "toolu_e2e_5c1e0454cbb28469bd75";
    launch(&t, call, "TIX-0001", Some(true));
    async_launched(&t, call, "TIX-0001", "a60df13a1bd5c3a22");
    // A notification of success is SubagentStop's business, not this one's.
    assert_eq!(
        task_notification(&t, "a60df13a1bd5c3a22", call, "completed"),
        Value::Null
    );
    assert_eq!(status(&t, "TIX-0001"), "in_progress");
    let out = task_notification(&t, "a60df13a1bd5c3a22", call, "failed");
    assert_eq!(
        out["hookSpecificOutput"]["additionalContext"],
        "tix: TIX-0001 is back to pending: the subagent working on it failed (Agent \"Fix TIX-0001\" failed: API Error: 400)."
    );
    back_to_pending(
        &t,
        "TIX-0001",
        "the subagent failed: Agent \"Fix TIX-0001\" failed: API Error: 400",
    );
    nothing_left(&t);
}

fn batch(t: &Tix, calls: Value) -> Value {
    hook(
        t,
        json!({"hook_event_name": "PostToolBatch", "permission_mode": "bypassPermissions",
               "tool_calls": calls}),
    )
}

#[test]
fn a_launch_another_hook_denied_is_rolled_back_at_the_end_of_its_batch() {
    let t = tree();
    let call = "toolu_e2e_31023e02c64e47c8ad62";
    launch(&t, call, "TIX-0001", None);
    assert_eq!(status(&t, "TIX-0001"), "in_progress");
    let out = batch(
        &t,
        json!([{"tool_name": "Agent", "tool_use_id": call,
                "tool_input": {"description": "Fix TIX-0001", "subagent_type": "general-purpose"},
                "tool_response": "PreToolUse:Agent hook error: E2E: launches are denied by policy"}]),
    );
    assert_eq!(
        out["hookSpecificOutput"]["additionalContext"],
        "tix: TIX-0001 is back to pending: the call that started it did not run (PreToolUse:Agent hook error: E2E: launches are denied by policy)."
    );
    back_to_pending(
        &t,
        "TIX-0001",
        "the tool call did not run: PreToolUse:Agent hook error: E2E: launches are denied by policy",
    );
    nothing_left(&t);
}

#[test]
fn calls_that_ran_are_left_alone_at_the_end_of_their_batch() {
    let t = tree();
    // A background launch that was reported, and a skill whose result came:
    // both ran; a Bash call in the same batch is nobody's.
    let bg = "toolu_e2e_16d983f6409d4ae6b205";
    launch(&t, bg, "TIX-0001", None);
    async_launched(&t, bg, "TIX-0001", "a8a843a517522526c");
    let skill = "toolu_e2e_b711166cea9e4cc8940a";
    hook(
        &t,
        json!({"hook_event_name": "PreToolUse", "tool_name": "Skill", "tool_use_id": skill,
               "tool_input": {"skill": "fix-ticket", "args": "TIX-0002"}}),
    );
    hook(
        &t,
        json!({"hook_event_name": "PostToolUse", "tool_name": "Skill", "tool_use_id": skill,
               "tool_input": {"skill": "fix-ticket", "args": "TIX-0002"},
               "tool_response": {"success": true, "commandName": "fix-ticket"}}),
    );
    let out = batch(
        &t,
        json!([
            {"tool_name": "Agent", "tool_use_id": bg, "tool_input": {},
             "tool_response": [{"type": "text", "text": "Async agent launched successfully."}]},
            {"tool_name": "Skill", "tool_use_id": skill, "tool_input": {},
             "tool_response": "Launching skill: fix-ticket"},
            {"tool_name": "Bash", "tool_use_id": "toolu_x", "tool_input": {"command": "ls"},
             "tool_response": "TIX-0001"}
        ]),
    );
    assert_eq!(out, Value::Null);
    assert_eq!(status(&t, "TIX-0001"), "in_progress");
    assert_eq!(status(&t, "TIX-0002"), "in_progress");
    // The skill still completes at the stop.
    tick(&t, "TIX-0002");
    hook(
        &t,
        json!({"hook_event_name": "Stop", "stop_hook_active": false}),
    );
    assert_eq!(status(&t, "TIX-0002"), "completed");
}

/// A call whose own `PostToolUse` never reached tix (that hook timed out or
/// failed) but whose result in the batch shows it ran is not rolled back.
#[test]
fn calls_that_ran_without_their_result_hook_are_left_alone_at_the_end_of_their_batch() {
    let t = tree();
    let fg = "toolu_e2e_26d983f6409d4ae6b206";
    launch(&t, fg, "TIX-0001", Some(false));
    let skill = "toolu_e2e_c711166cea9e4cc8940b";
    hook(
        &t,
        json!({"hook_event_name": "PreToolUse", "tool_name": "Skill", "tool_use_id": skill,
               "tool_input": {"skill": "fix-ticket", "args": "TIX-0002"}}),
    );
    let out = batch(
        &t,
        json!([
            {"tool_name": "Agent", "tool_use_id": fg, "tool_input": {},
             "tool_response": [{"type": "text", "text": "The redirect is fixed."}]},
            {"tool_name": "Skill", "tool_use_id": skill, "tool_input": {},
             "tool_response": "Launching skill: fix-ticket"}
        ]),
    );
    assert_eq!(out, Value::Null);
    assert_eq!(status(&t, "TIX-0001"), "in_progress");
    assert_eq!(status(&t, "TIX-0002"), "in_progress");
    assert!(events(&t).iter().all(|e| e["action"] != "rollback"));
}

#[test]
fn session_start_answers_from_the_index_as_from_the_tree() {
    let dep = |d: &str| format!("depends_on: [{d}]\n");
    let t = Tix::tree()
        .ticket(
            "completed",
            "TIX-0001-a.md",
            &crate::util::ticket("TIX-0001", "completed", "", ""),
        )
        .ticket(
            "pending",
            "TIX-0002-b.md",
            &crate::util::ticket("TIX-0002", "pending", &dep("TIX-0001"), ""),
        )
        .ticket(
            "pending",
            "TIX-0003-c.md",
            &crate::util::ticket("TIX-0003", "pending", &dep("TIX-0002"), ""),
        )
        .ticket(
            "in-progress",
            "TIX-0004-d.md",
            &crate::util::ticket("TIX-0004", "in_progress", "agent: bot\n", BOX),
        );
    t.run(&["sync"]).code(0);
    let start = |t: &Tix| {
        hook(
            t,
            json!({"hook_event_name": "SessionStart", "source": "startup"}),
        )
    };
    std::fs::remove_file(t.path("tickets/.tix/index")).ok();
    let scanned = start(&t);
    assert!(t.exists("tickets/.tix/index"));
    let indexed = start(&t);
    assert_eq!(indexed, scanned);
    assert_eq!(
        indexed["hookSpecificOutput"]["additionalContext"],
        "tix: tickets in tickets: 1 in progress, 1 ready to start. A ticket id (like TIX-0004) named in a subagent's task or a slash command is started, and completed when that work ends.\n\
         In progress:\n\
         - TIX-0004 \"Ticket TIX-0004\" (bot, 0/1 boxes)\n\
         Ready next:\n\
         - TIX-0002 \"Ticket TIX-0002\" (medium)"
    );
    // The index is trusted as a transition trusts it: a title edited in
    // place (the folder unchanged) is seen once a command reads the tree
    // (`sync` here, which also brings the registry up to date).
    let f = "tickets/in-progress/TIX-0004-d.md";
    t.write(
        f,
        &t.read(f)
            .replace("title: Ticket TIX-0004", "title: Renamed"),
    );
    let mut p = json!({"hook_event_name": "SessionStart", "source": "startup"});
    p["cwd"] = t.root().to_string_lossy().into_owned().into();
    let same: Value = serde_json::from_str(&t.hook(&p, &[]).stdout).unwrap();
    assert_eq!(same, indexed, "answered from the index");
    t.run(&["sync"]).code(0);
    assert!(
        start(&t)["hookSpecificOutput"]["additionalContext"]
            .as_str()
            .unwrap()
            .contains("\"Renamed\""),
    );
    // A ticket added by hand changes its folder: the tree is read again.
    t.write(
        "tickets/pending/TIX-0005-e.md",
        &crate::util::ticket("TIX-0005", "pending", "priority: high\n", ""),
    );
    t.run(&["sync"]).code(0);
    let added = start(&t);
    assert!(
        added["hookSpecificOutput"]["additionalContext"]
            .as_str()
            .unwrap()
            .contains("2 ready to start"),
        "{added}"
    );
}

fn skill(t: &Tix, event: &str, call: &str, id: &str, agent_id: &str) -> Value {
    let mut p = json!({"hook_event_name": event, "permission_mode": "bypassPermissions",
        "tool_name": "Skill", "tool_input": {"skill": "fix-ticket", "args": id},
        "tool_use_id": call, "agent_id": agent_id, "agent_type": "general-purpose"});
    if event == "PostToolUse" {
        p["tool_response"] = json!({"success": true, "commandName": "fix-ticket"});
    }
    hook(t, p)
}

/// A skill run inside subagent `agent_id`: its PreToolUse, then its result.
fn skill_ran(t: &Tix, call: &str, id: &str, agent_id: &str) {
    skill(t, "PreToolUse", call, id, agent_id);
    skill(t, "PostToolUse", call, id, agent_id);
}

/// A skill a foreground subagent runs ends with the subagent: its ticket
/// completes at the subagent's stop, the subagent's own at its result.
#[test]
fn a_skill_run_inside_a_foreground_subagent_ends_with_it() {
    let t = tree();
    let call = "toolu_e2e_5e1f0a3b2c4d4e5f6a7b";
    let agent = "a1b2c3d4e5f60718";
    launch(&t, call, "TIX-0001", Some(false));
    tick(&t, "TIX-0001");
    skill(
        &t,
        "PreToolUse",
        "toolu_e2e_skill00000000000001",
        "TIX-0002",
        agent,
    );
    assert_eq!(status(&t, "TIX-0002"), "in_progress");
    skill(
        &t,
        "PostToolUse",
        "toolu_e2e_skill00000000000001",
        "TIX-0002",
        agent,
    );
    tick(&t, "TIX-0002");
    let path = transcript(&t, agent, call, "foreground");
    assert_eq!(subagent_stop(&t, agent, &path, false), Value::Null);
    assert_eq!(
        status(&t, "TIX-0002"),
        "completed",
        "ends with the subagent"
    );
    assert_eq!(
        status(&t, "TIX-0001"),
        "in_progress",
        "its result completes it"
    );
    let r = result(&t, call, "TIX-0001", agent);
    assert_eq!(
        r["hookSpecificOutput"]["additionalContext"],
        "tix: TIX-0001 is now completed."
    );
    hook(
        &t,
        json!({"hook_event_name": "Stop", "stop_hook_active": false,
                    "last_assistant_message": "done"}),
    );
    assert_eq!(status(&t, "TIX-0001"), "completed");
    nothing_left(&t);
}

/// Unmet criteria on the skill's ticket hold the subagent's stop once, with
/// what is unmet; the next stop ends the skill's run and leaves it in progress.
#[test]
fn a_skill_inside_a_foreground_subagent_with_unmet_criteria_is_held_once() {
    let t = tree();
    let call = "toolu_e2e_6e1f0a3b2c4d4e5f6a7c";
    let agent = "a1b2c3d4e5f60719";
    launch(&t, call, "TIX-0001", Some(false));
    tick(&t, "TIX-0001");
    skill_ran(&t, "toolu_e2e_skill00000000000002", "TIX-0002", agent);
    let path = transcript(&t, agent, call, "foreground");
    let held = subagent_stop(&t, agent, &path, false);
    assert_eq!(held["decision"], "block");
    assert_eq!(
        held["reason"],
        "tix: TIX-0002 cannot be completed yet: 1 criterion is unmet:\n\
         tickets/in-progress/TIX-0002-fix-logout.md:10: cannot complete TIX-0002: unchecked box \"- [ ] the redirect happens once\"\n\
         Finish each one and tick its box (- [x]) in the ticket file; tix completes the ticket when you stop."
    );
    let again = subagent_stop(&t, agent, &path, true);
    assert_eq!(
        again["systemMessage"],
        "tix: TIX-0002 stays in progress: 1 criterion unmet (see `tix show TIX-0002`)."
    );
    result(&t, call, "TIX-0001", agent);
    assert_eq!(
        (status(&t, "TIX-0001"), status(&t, "TIX-0002")),
        ("completed".to_string(), "in_progress".to_string())
    );
    nothing_left(&t);
}

/// The subagent's own unmet criteria hold its stop; a skill it ran that
/// did its work completes there all the same, and the answer says so first.
#[test]
fn a_foreground_subagent_held_with_a_skill_that_did_its_work() {
    let t = tree();
    let call = "toolu_e2e_8e1f0a3b2c4d4e5f6a7d";
    let agent = "a1b2c3d4e5f6071a";
    launch(&t, call, "TIX-0001", Some(false));
    skill_ran(&t, "toolu_e2e_skill00000000000004", "TIX-0002", agent);
    tick(&t, "TIX-0002");
    let path = transcript(&t, agent, call, "foreground");
    let held = subagent_stop(&t, agent, &path, false);
    assert_eq!(held["decision"], "block");
    assert_eq!(
        held["reason"],
        "tix: TIX-0002 is now completed.\n\
         tix: TIX-0001 cannot be completed yet: 1 criterion is unmet:\n\
         tickets/in-progress/TIX-0001-fix-login.md:10: cannot complete TIX-0001: unchecked box \"- [ ] the redirect happens once\"\n\
         Finish each one and tick its box (- [x]) in the ticket file; tix completes the ticket when you stop."
    );
    assert_eq!(
        (status(&t, "TIX-0001"), status(&t, "TIX-0002")),
        ("in_progress".to_string(), "completed".to_string())
    );
    assert_eq!(subagent_stop(&t, agent, &path, true), Value::Null);
    assert_eq!(result(&t, call, "TIX-0001", agent)["decision"], "block");
    nothing_left(&t);
}

/// What a skill started inside a subagent that died goes back with it.
#[test]
fn a_skill_run_inside_a_subagent_that_dies_is_rolled_back_with_it() {
    let t = tree();
    let call = "toolu_e2e_7c1e0454cbb28469bd76";
    let agent = "a60df13a1bd5c3a23";
    launch(&t, call, "TIX-0001", Some(true));
    async_launched(&t, call, "TIX-0001", agent);
    skill_ran(&t, "toolu_e2e_skill00000000000003", "TIX-0002", agent);
    assert_eq!(status(&t, "TIX-0002"), "in_progress");
    hook(
        &t,
        json!({"hook_event_name": "StopFailure", "agent_id": agent,
               "agent_type": "general-purpose", "error": "unknown",
               "last_assistant_message": "API Error: 400 E2E forced failure"}),
    );
    let why = "the subagent failed: API Error: 400 E2E forced failure";
    assert_eq!(status(&t, "TIX-0001"), "pending");
    back_to_pending(&t, "TIX-0002", why);
    nothing_left(&t);
}
