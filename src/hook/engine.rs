//! The hook engine: what each [`Intent`] does to the tickets and the runs,
//! and what Claude Code is answered. Runs under the lock the caller's
//! [`Env`] takes; never prints (problems go to the caller's log).

use super::{BatchCall, Intent, Payload, one_line};
use crate::config::Kind;
use crate::error::TixError;
use crate::text::count_forms;
use crate::ticket::IdKey;
use crate::transition::{self, Actor, Request, Totals};
use crate::tree::runs::{self, Run, RunTicket, Runs, Tool};
use crate::tree::{self, Action, Event, IdArg, State, Tree, Who, journal};
use anyhow::{Context, Result};
use chrono::{DateTime, SubsecRound, Utc};
use serde_json::{Value, json};
use std::fmt::Write as _;

/// What the engine needs from its caller.
pub struct Env<'a> {
    /// The time of this call.
    pub now: DateTime<Utc>,
    /// Takes the tree's exclusive lock, for a change (the caller decides
    /// what waiting says).
    pub lock: &'a dyn Fn(&Tree) -> Result<tree::Exclusive>,
    /// Takes the tree's shared lock, to read it whole.
    pub read_lock: &'a dyn Fn(&Tree) -> Result<tree::Lock>,
    /// One line for the hook log: something went wrong but the hook goes on.
    pub log: &'a dyn Fn(&str),
}

/// Does what `payload` asks of `tree`; the JSON object to answer Claude
/// Code with, if any.
pub fn handle(env: &Env, tree: &Tree, payload: &Payload) -> Result<Option<Value>> {
    let hook = Hook {
        env,
        tree,
        payload,
        // Whole seconds, as every time tix writes.
        now: env.now.trunc_subsecs(0),
    };
    match super::intent(payload, &tree.config.hook) {
        Intent::Nothing => Ok(None),
        Intent::Start {
            tool,
            agent,
            mentions,
        } => hook.start(&tool, &agent, &mentions),
        Intent::ToolEnd {
            tool_use_id,
            status,
            agent_id,
            totals,
        } => hook.tool_end(&tool_use_id, status.as_deref(), agent_id, totals),
        Intent::ToolFailed {
            tool_use_id,
            reason,
        } => hook.tool_failed(&tool_use_id, &reason),
        Intent::ToolRan { tool_use_id } => hook.tool_ran(&tool_use_id),
        Intent::AgentFailed {
            agent_id,
            tool_use_id,
            reason,
        } => hook.agent_failed(agent_id.as_deref(), tool_use_id.as_deref(), &reason),
        Intent::BatchEnded { calls } => hook.batch_ended(&calls),
        Intent::SubagentEnd {
            agent_id,
            stop_hook_active,
            transcript,
        } => hook.subagent_end(&agent_id, stop_hook_active, transcript.as_deref()),
        Intent::Stop { stop_hook_active } => hook.stop(stop_hook_active),
        Intent::SessionStart => hook.session_start(),
    }
}

pub(super) struct Hook<'a> {
    pub(super) env: &'a Env<'a>,
    pub(super) tree: &'a Tree,
    pub(super) payload: &'a Payload,
    pub(super) now: DateTime<Utc>,
}

/// What completing a run's tickets gave.
#[derive(Default)]
struct Ending {
    completed: Vec<String>,
    /// Unmet gates, one line each.
    unmet: Vec<String>,
    /// Tickets that stay in progress because of them.
    held: Vec<String>,
}

impl Hook<'_> {
    fn event(&self) -> &str {
        self.payload.event.as_deref().unwrap_or("-")
    }

    fn actor(&self, agent_id: Option<String>) -> Actor {
        Actor {
            actor: Who::Hook,
            session_id: self.payload.session_id.clone(),
            tool_use_id: self.payload.tool_use_id.clone(),
            agent_id,
        }
    }

    fn lock(&self) -> Result<tree::Exclusive> {
        (self.env.lock)(self.tree)
    }

    /// Runs `f` under the exclusive lock with the runs loaded (runs that
    /// waited too long ended first), then saves them if anything changed —
    /// also when `f` fails, so that what it did (and logged) is not done again.
    fn with_runs<T>(&self, f: impl FnOnce(&mut Runs, &tree::Exclusive) -> Result<T>) -> Result<T> {
        let lock = self.lock()?;
        let dir = self.tree.state_dir();
        let mut all = self.load_runs(&dir)?;
        let before = all.clone();
        let out = self.expire(&mut all).and_then(|()| f(&mut all, &lock));
        if all != before {
            runs::save(&dir, &mut all)?;
        }
        out
    }

    /// The runs, under the lock. A file tix did not write is kept aside (see
    /// [`runs::set_aside`]), said in the hook log, and tracking starts again,
    /// so that one bad file does not stop every later hook.
    fn load_runs(&self, dir: &std::path::Path) -> Result<Runs> {
        if let Ok(all) = runs::load(dir)? {
            Ok(all)
        } else {
            let name = runs::set_aside(dir)?;
            (self.env.log)(&format!(
                "{}/runs.json was not a file tix wrote; kept as {name}, tracking starts again",
                tree::STATE_DIR
            ));
            Ok(Runs::default())
        }
    }

    /// Whether the runs file may hold a run `found` recognises (no lock).
    fn ours(&self, needles: &[Option<&str>], found: impl FnOnce(&mut Runs) -> bool) -> bool {
        let needles: Vec<&str> = needles.iter().flatten().copied().collect();
        runs::may_have(&self.tree.state_dir(), &needles, found)
    }

    /// An audit line for what is not a transition (attach, launch, refusal, run end).
    fn note(
        &self,
        ticket: &str,
        action: Action,
        run: &Run,
        reason: Option<String>,
        totals: Totals,
    ) -> Result<()> {
        let event = Event {
            session_id: run.session_id.clone(),
            tool_use_id: run.tool_use_id.clone(),
            agent: Some(run.agent.clone()),
            agent_id: run.agent_id.clone(),
            duration_ms: totals.duration_ms,
            tokens: totals.tokens,
            tool_uses: totals.tool_uses,
            ..Event::new(action, ticket, self.now, Who::Hook).because(reason)
        };
        journal::append_event(&self.tree.state_dir(), &event)
            .context("failed to append to .tix/events.jsonl")
    }

    /// Context for the model, beside the prompt or the tool result.
    /// `StopFailure` takes no output: nothing is said there.
    pub(super) fn context(&self, lines: &[String]) -> Option<Value> {
        (!lines.is_empty() && self.event() != "StopFailure").then(|| {
            json!({"hookSpecificOutput": {
                "hookEventName": self.event(),
                "additionalContext": lines.join("\n"),
            }})
        })
    }

    // ------------------------------------------------------------ start

    fn start(&self, tool: &Tool, agent: &str, mentions: &[IdKey]) -> Result<Option<Value>> {
        let mentions = self.tree.may_exist(mentions);
        if mentions.is_empty() {
            return Ok(None);
        }
        self.with_runs(|all, lock| self.start_runs(all, lock, tool, agent, &mentions))
    }

    fn start_runs(
        &self,
        all: &mut Runs,
        lock: &tree::Exclusive,
        tool: &Tool,
        agent: &str,
        mentions: &[&IdKey],
    ) -> Result<Option<Value>> {
        let mut state = State::open(self.tree, lock)?;
        let session = self.payload.session_id.clone();
        let tool_use_id = self.payload.tool_use_id.clone();
        let inside_agent = super::str_field(&self.payload.json, "agent_id");
        // The same payload delivered twice, or a typed command seen by both
        // UserPromptSubmit and UserPromptExpansion, is one run.
        let existing = all.runs.iter().position(|r| {
            r.active()
                && r.session_id == session
                && r.tool == *tool
                && match (&tool_use_id, &r.tool_use_id) {
                    (Some(a), Some(b)) => a == b,
                    (None, None) => r.agent == agent,
                    _ => false,
                }
        });
        let mut run = match existing {
            Some(i) => all.runs.remove(i),
            None => Run {
                session_id: session.clone(),
                tool_use_id: tool_use_id.clone(),
                tool: tool.clone(),
                agent: agent.to_string(),
                started_at: self.now,
                inside_agent,
                ..Run::default()
            },
        };
        let before = run.tickets.len();
        let completes_itself = self.completes_on_end(tool);
        let mut lines = Vec::new();
        for &key in mentions {
            let id_arg = IdArg::Full(key.clone(), key.to_string());
            let entry = match state.find(&id_arg) {
                Ok(e) => e,
                Err(e)
                    if matches!(
                        e.downcast_ref::<TixError>(),
                        Some(TixError::NotFound { .. })
                    ) =>
                {
                    continue;
                }
                Err(e) => {
                    lines.push(format!(
                        "tix: {}: not started: {}",
                        key,
                        one_line(&format!("{e:#}"))
                    ));
                    continue;
                }
            };
            let Some(ticket) = self.tree.ticket_of(&entry) else {
                lines.push(format!(
                    "tix: {}: not started: {} cannot be read",
                    key,
                    self.tree.show(&entry.rel)
                ));
                continue;
            };
            let id = ticket.meta.id.to_string();
            let title = one_line(&ticket.meta.title);
            if run.has(&id) {
                continue; // this run already has it: a repeated payload
            }
            if ticket.kind == Kind::InProgress {
                // Work of this session goes on (a second run on a ticket, its
                // gates to finish); a ticket started elsewhere is not taken over.
                if all.in_session(session.as_deref(), &id) {
                    run.tickets.push(RunTicket {
                        id: id.clone(),
                        started: false,
                    });
                    self.note(&id, Action::Attach, &run, None, Totals::default())?;
                    lines.push(attached_line(&id, &title, completes_itself));
                } else {
                    let by = ticket
                        .meta
                        .agent
                        .as_deref()
                        .map_or_else(|| "someone".into(), one_line);
                    lines.push(format!(
                        "tix: {id} \"{title}\" is already in progress by {by}, outside this session; tix leaves it as it is."
                    ));
                }
                continue;
            }
            if ticket.kind != Kind::Pending {
                continue; // a completed ticket named for context is not reopened
            }
            let req = Request {
                to: self.tree.config.first_name(Kind::InProgress).to_string(),
                force: false,
                agent: Some(agent.to_string()),
                action: Action::Start,
                reason: None,
                totals: Totals::default(),
                check_only: false,
            };
            match transition::apply(
                self.tree,
                &mut state,
                &entry,
                &req,
                &self.actor(None),
                self.now,
            ) {
                Ok(outcome) => {
                    run.tickets.push(RunTicket {
                        id: id.clone(),
                        started: true,
                    });
                    // The tree's own name for it (`In Progress`).
                    let status = match &outcome {
                        transition::Outcome::Changed { to, .. } => to,
                        transition::Outcome::Assigned { status, .. }
                        | transition::Outcome::Unchanged { status, .. } => status,
                    };
                    lines.push(format!(
                        "tix: {id} \"{title}\" is now {} (agent: {}).",
                        one_line(status),
                        one_line(agent)
                    ));
                }
                Err(e) => {
                    match e.downcast_ref::<TixError>() {
                        Some(TixError::Refused { reasons }) => {
                            lines.extend(reasons.iter().map(|r| {
                                format!("tix: not started: {}", one_line(&r.to_string()))
                            }));
                        }
                        _ => return Err(e),
                    }
                }
            }
        }
        if run.tickets.len() > before || existing.is_some() {
            all.runs.push(run);
        }
        Ok(self.context(&lines))
    }

    /// Whether runs of this tool complete their tickets when they end (else
    /// at the session's stop).
    fn completes_on_end(&self, tool: &Tool) -> bool {
        super::listed(&self.tree.config.hook.complete_on, tool)
    }

    /// Ends runs that have waited a week for an end Claude Code never sent,
    /// and forgets early stops after a day, so that the runs file stays small.
    fn expire(&self, all: &mut Runs) -> Result<()> {
        let old = |at: &DateTime<Utc>, secs: i64| (self.now - *at).num_seconds() > secs;
        for run in all
            .runs
            .iter_mut()
            .filter(|r| r.active() && old(&r.started_at, 7 * 86400))
        {
            run.ended_at = Some(self.now);
            for t in &run.tickets {
                self.note(
                    &t.id,
                    Action::RunEnd,
                    run,
                    Some("no end of the run seen in 7 days".into()),
                    Totals::default(),
                )?;
            }
        }
        all.early_stops.retain(|e| !old(&e.at, 86400));
        Ok(())
    }

    // ------------------------------------------------------------ ends

    /// Completes the tickets of the runs `ending` (their totals given) that
    /// are still in progress and that no other active run is working on.
    fn complete(
        &self,
        state: &mut State<'_>,
        all: &Runs,
        ending: &dyn Fn(&Run) -> bool,
        totals: Totals,
    ) -> Result<Ending> {
        self.complete_or_check(state, all, ending, totals, false)
    }

    /// [`Hook::complete`], or with `check_only` what it would do: nothing is
    /// written, `completed` lists what would complete.
    fn complete_or_check(
        &self,
        state: &mut State<'_>,
        all: &Runs,
        ending: &dyn Fn(&Run) -> bool,
        totals: Totals,
        check_only: bool,
    ) -> Result<Ending> {
        let mut out = Ending::default();
        for run in all.runs.iter().filter(|r| r.active() && ending(r)) {
            let totals = Totals {
                duration_ms: totals
                    .duration_ms
                    .or_else(|| elapsed_ms(run.started_at, self.now)),
                ..totals
            };
            for t in &run.tickets {
                if all.held_elsewhere(&t.id, ending)
                    || out.completed.contains(&t.id)
                    || out.held.contains(&t.id)
                {
                    continue;
                }
                let req = Request {
                    to: self.tree.config.first_name(Kind::Completed).to_string(),
                    force: false,
                    agent: None,
                    action: Action::Complete,
                    reason: None,
                    totals,
                    check_only,
                };
                match self.finish_ticket(state, run, &t.id, &req)? {
                    None => {}
                    Some(Ok(())) => out.completed.push(t.id.clone()),
                    Some(Err(unmet)) => {
                        out.unmet.extend(unmet);
                        out.held.push(t.id.clone());
                    }
                }
            }
        }
        Ok(out)
    }

    /// Moves a ticket of `run` that is still in progress to `to`; `Ok(None)`
    /// when there is nothing to move (gone, or no longer in progress), `Err`
    /// with the refusal's lines when a rule or gate says no.
    fn finish_ticket(
        &self,
        state: &mut State<'_>,
        run: &Run,
        id: &str,
        req: &Request,
    ) -> Result<Option<Result<(), Vec<String>>>> {
        // An id from the runs file (which a person may edit) must be one.
        let Ok(arg) = IdArg::parse(id) else {
            return Ok(None);
        };
        let Ok(entry) = state.find(&arg) else {
            return Ok(None); // gone (deleted, renamed) since
        };
        if self
            .tree
            .ticket_of(&entry)
            .is_none_or(|tk| tk.kind != Kind::InProgress)
        {
            return Ok(None);
        }
        let actor = Actor {
            tool_use_id: run.tool_use_id.clone(),
            ..self.actor(run.agent_id.clone())
        };
        match transition::apply(self.tree, state, &entry, req, &actor, self.now) {
            Ok(_) => Ok(Some(Ok(()))),
            Err(e) => match e.downcast_ref::<TixError>() {
                Some(TixError::Refused { reasons }) => Ok(Some(Err(reasons
                    .iter()
                    .map(|r| one_line(&r.to_string()))
                    .collect()))),
                _ => Err(e),
            },
        }
    }

    /// Ends the runs `ending`: a run-end event for each ticket left in progress.
    fn end_runs(
        &self,
        all: &mut Runs,
        ending: &dyn Fn(&Run) -> bool,
        result: &Ending,
    ) -> Result<()> {
        for run in all.runs.iter_mut().filter(|r| r.active() && ending(r)) {
            run.ended_at = Some(self.now);
            let totals = Totals {
                duration_ms: elapsed_ms(run.started_at, self.now),
                ..Totals::default()
            };
            for id in result.held.iter().filter(|id| run.has(id)) {
                self.note(
                    id,
                    Action::RunEnd,
                    run,
                    Some("acceptance criteria unmet".into()),
                    totals,
                )?;
            }
        }
        Ok(())
    }

    fn tool_end(
        &self,
        tool_use_id: &str,
        status: Option<&str>,
        agent_id: Option<String>,
        totals: Totals,
    ) -> Result<Option<Value>> {
        if !self.ours(&[Some(tool_use_id)], |r| {
            r.by_tool_use(tool_use_id).is_some()
        }) {
            return Ok(None);
        }
        self.with_runs(|all, lock| {
            self.tool_end_runs(all, lock, tool_use_id, status, agent_id, totals)
        })
    }

    fn tool_end_runs(
        &self,
        all: &mut Runs,
        lock: &tree::Exclusive,
        tool_use_id: &str,
        status: Option<&str>,
        agent_id: Option<String>,
        totals: Totals,
    ) -> Result<Option<Value>> {
        let Some(run) = all.by_tool_use(tool_use_id) else {
            return Ok(None);
        };
        run.ran = true;
        let this = |r: &Run| r.tool_use_id.as_deref() == Some(tool_use_id);
        match status {
            Some("async_launched" | "remote_launched") => {
                // A background subagent: its end is SubagentStop.
                if run.launched && (agent_id.is_none() || run.agent_id == agent_id) {
                    return Ok(None); // a repeated payload
                }
                run.launched = true;
                if agent_id.is_some() {
                    run.agent_id = agent_id;
                }
                let run = run.clone();
                for t in &run.tickets {
                    self.note(&t.id, Action::Launch, &run, None, Totals::default())?;
                }
                // Its SubagentStop may have come first (this hook waited on the lock).
                let stopped = run
                    .agent_id
                    .as_ref()
                    .and_then(|a| all.early_stops.iter().position(|e| e.agent_id == *a));
                let Some(i) = stopped else {
                    return Ok(None);
                };
                all.early_stops.remove(i);
                let mut state = State::open(self.tree, lock)?;
                let result = self.complete(&mut state, all, &this, Totals::default())?;
                self.end_runs(all, &this, &result)?;
                Ok(self.after_tool(&result))
            }
            Some("completed") | None => {
                if agent_id.is_some() {
                    run.agent_id = agent_id;
                }
                let mut state = State::open(self.tree, lock)?;
                let result = self.complete(&mut state, all, &this, totals)?;
                self.end_runs(all, &this, &result)?;
                Ok(self.after_tool(&result))
            }
            Some(_) => Ok(None),
        }
    }

    /// What the model is told at the end of a tool run: the completions, or
    /// the unmet gates beside the tool result.
    fn after_tool(&self, result: &Ending) -> Option<Value> {
        if result.held.is_empty() {
            self.context(&completed_lines(result))
        } else {
            Some(json!({"decision": "block", "reason": refusal(result, false)}))
        }
    }

    fn tool_failed(&self, tool_use_id: &str, reason: &str) -> Result<Option<Value>> {
        let this = |r: &Run| r.active() && r.tool_use_id.as_deref() == Some(tool_use_id);
        let why = (
            format!("the tool failed: {reason}"),
            "the run that started it failed",
        );
        self.roll_back(&[Some(tool_use_id)], &this, &why, reason)
    }

    /// A subagent died and no other end will come (`StopFailure`, a failed
    /// task notification): what its run started goes back. Whichever signal
    /// comes first does it; the run has ended for the second.
    fn agent_failed(
        &self,
        agent_id: Option<&str>,
        tool_use_id: Option<&str>,
        reason: &str,
    ) -> Result<Option<Value>> {
        // Its own run, and skill or command runs started inside it.
        let this = |r: &Run| {
            r.active()
                && ((agent_id.is_some()
                    && (r.agent_id.as_deref() == agent_id
                        || r.inside_agent.as_deref() == agent_id))
                    || (tool_use_id.is_some() && r.tool_use_id.as_deref() == tool_use_id))
        };
        let why = (
            format!("the subagent failed: {reason}"),
            "the subagent working on it failed",
        );
        self.roll_back(&[agent_id, tool_use_id], &this, &why, reason)
    }

    /// The end of a batch of tool calls: a call that started tickets and of
    /// which no result came (no `PostToolUse`, no `PostToolUseFailure`) never
    /// ran — another hook or a permission rule denied it.
    fn batch_ended(&self, calls: &[BatchCall]) -> Result<Option<Value>> {
        let mut lines = Vec::new();
        for call in calls {
            let id = call.tool_use_id.as_str();
            let this = |r: &Run| {
                r.active() && !r.launched && !r.ran && r.tool_use_id.as_deref() == Some(id)
            };
            let detail = if call.result.is_empty() {
                "no result came"
            } else {
                call.result.as_str()
            };
            let why = (
                format!("the tool call did not run: {detail}"),
                "the call that started it did not run",
            );
            if let Some(out) = self.roll_back(&[Some(id)], &this, &why, detail)? {
                lines.extend(
                    out["hookSpecificOutput"]["additionalContext"]
                        .as_str()
                        .map(|t| t.lines().map(String::from).collect::<Vec<_>>())
                        .unwrap_or_default(),
                );
            }
        }
        Ok(self.context(&lines))
    }

    /// A tool that completes nothing itself reported its result: its call ran.
    fn tool_ran(&self, tool_use_id: &str) -> Result<Option<Value>> {
        if !self.ours(&[Some(tool_use_id)], |r| {
            r.by_tool_use(tool_use_id).is_some_and(|r| !r.ran)
        }) {
            return Ok(None);
        }
        self.with_runs(|all, _| {
            if let Some(run) = all.by_tool_use(tool_use_id) {
                run.ran = true;
            }
            Ok(None)
        })
    }

    /// Rolls back to pending what the runs `this` started (unless another
    /// run works on it) and ends them; `needles` name them for the fast path.
    /// `why` is the audit log's reason and what the model is told happened,
    /// `detail` what Claude Code said.
    fn roll_back(
        &self,
        needles: &[Option<&str>],
        this: &dyn Fn(&Run) -> bool,
        why: &(String, &str),
        detail: &str,
    ) -> Result<Option<Value>> {
        if !self.ours(needles, |all| all.runs.iter().any(this)) {
            return Ok(None);
        }
        self.with_runs(|all, lock| {
            let ending: Vec<Run> = all.runs.iter().filter(|r| this(r)).cloned().collect();
            if ending.is_empty() {
                return Ok(None);
            }
            let mut state = State::open(self.tree, lock)?;
            let mut lines = Vec::new();
            for run in &ending {
                let totals = Totals {
                    duration_ms: elapsed_ms(run.started_at, self.now),
                    ..Totals::default()
                };
                // Only what this run started goes back, and only if no other run works on it.
                for t in run
                    .tickets
                    .iter()
                    .filter(|t| t.started && !all.held_elsewhere(&t.id, this))
                {
                    let req = Request {
                        to: self.tree.config.new_status().name.clone(),
                        force: false,
                        agent: None,
                        action: Action::Rollback,
                        reason: Some(why.0.clone()),
                        totals,
                        check_only: false,
                    };
                    match self.finish_ticket(&mut state, run, &t.id, &req)? {
                        None => {}
                        Some(Ok(())) => lines.push(format!(
                            "tix: {} is back to pending: {} ({}).",
                            t.id,
                            why.1,
                            one_line(detail)
                        )),
                        Some(Err(why)) => {
                            lines.extend(why.iter().map(|w| format!("tix: not rolled back: {w}")));
                        }
                    }
                }
            }
            for r in all.runs.iter_mut().filter(|r| this(r)) {
                r.ended_at = Some(self.now);
            }
            Ok(self.context(&lines))
        })
    }

    fn subagent_end(
        &self,
        agent_id: &str,
        stop_hook_active: bool,
        transcript: Option<&str>,
    ) -> Result<Option<Value>> {
        let session = self.payload.session_id.clone();
        let hook_config = &self.tree.config.hook;
        // The call that launched it, as Claude Code notes it beside the
        // subagent's transcript: a foreground subagent stops before its
        // `PostToolUse` names it, and a background one may stop before its
        // launch is reported.
        let launch = transcript.and_then(launch_of);
        let launched_by = |r: &Run| {
            launch
                .as_ref()
                .is_some_and(|l| r.tool_use_id.as_deref() == Some(l.tool_use_id.as_str()))
        };
        // The subagent's own run, and skill or command runs started inside it.
        let ending = |r: &Run| {
            r.active()
                && (((r.agent_id.as_deref() == Some(agent_id) || launched_by(r))
                    && self.completes_on_end(&r.tool))
                    || (r.inside_agent.as_deref() == Some(agent_id)
                        && hook_config.complete_on_stop
                        && stops_with_session(r)))
        };
        // Without that note: a launch not reported yet may be this stop's.
        let unlaunched = |r: &Run| {
            launch.is_none()
                && r.active()
                && r.session_id == session
                && r.tool == Tool::Agent
                && !r.launched
                && r.agent_id.is_none()
        };
        let call = launch.as_ref().map(|l| l.tool_use_id.as_str());
        if !self.ours(&[Some(agent_id), session.as_deref(), call], |all| {
            all.runs.iter().any(|r| ending(r) || unlaunched(r))
        }) {
            return Ok(None);
        }
        self.with_runs(|all, lock| {
            for r in all.runs.iter_mut().filter(|r| r.active() && launched_by(r)) {
                r.agent_id = Some(agent_id.to_string());
            }
            // A foreground subagent's result comes next, in its `PostToolUse`
            // (with Claude Code's totals): that completes the ticket. Here the
            // gates are checked, to keep the subagent working once if unmet.
            let foreground = |r: &Run| {
                ending(r)
                    && !r.launched
                    && r.agent_id.as_deref() == Some(agent_id)
                    && launch.as_ref().is_some_and(|l| l.foreground)
            };
            if all.runs.iter().any(&foreground) {
                // Skill and command runs inside it end here, as at any stop.
                let inside = |r: &Run| ending(r) && !foreground(r);
                let mut state = State::open(self.tree, lock)?;
                let done = self.complete(&mut state, all, &inside, Totals::default())?;
                let check =
                    self.complete_or_check(&mut state, all, &foreground, Totals::default(), true)?;
                if check.held.is_empty() || stop_hook_active || !hook_config.block_stop_on_gates {
                    return self.stopping(all, &inside, &done, stop_hook_active);
                }
                // Held with the subagent's own unmet criteria: what completed
                // here is said, what its result would complete is not yet.
                let held = Ending {
                    completed: done.completed,
                    unmet: [done.unmet, check.unmet].concat(),
                    held: [done.held, check.held].concat(),
                };
                return self.stopping(all, &inside, &held, false);
            }
            if all.runs.iter().any(&ending) {
                return self.stop_runs(all, lock, &ending, stop_hook_active);
            }
            if all.runs.iter().any(&unlaunched)
                && !all.early_stops.iter().any(|e| e.agent_id == agent_id)
            {
                all.early_stops.push(runs::EarlyStop {
                    agent_id: agent_id.to_string(),
                    session_id: session.clone(),
                    at: self.now,
                });
            }
            Ok(None)
        })
    }

    fn stop(&self, stop_hook_active: bool) -> Result<Option<Value>> {
        let session = self.payload.session_id.clone();
        // Skill and command runs of the main agent (not inside a subagent).
        let ending = |r: &Run| {
            r.active()
                && r.session_id == session
                && r.inside_agent.is_none()
                && stops_with_session(r)
        };
        if session.is_none()
            || !self.ours(&[session.as_deref()], |all| all.runs.iter().any(&ending))
        {
            return Ok(None);
        }
        self.with_runs(|all, lock| self.stop_runs(all, lock, &ending, stop_hook_active))
    }

    /// Completes what the runs `ending` worked on, then ends them (see [`Hook::stopping`]).
    fn stop_runs(
        &self,
        all: &mut Runs,
        lock: &tree::Exclusive,
        ending: &dyn Fn(&Run) -> bool,
        stop_hook_active: bool,
    ) -> Result<Option<Value>> {
        let mut state = State::open(self.tree, lock)?;
        let result = self.complete(&mut state, all, ending, Totals::default())?;
        self.stopping(all, ending, &result, stop_hook_active)
    }

    /// The end of a stop (Stop, `SubagentStop`). Completions say nothing
    /// (context would keep the agent going). Unmet gates hold the stop back
    /// while Claude Code says it is not already continuing from a held stop
    /// (`stop_hook_active: false`) — so once per stop, however often the
    /// payload comes — and the runs stay open for the next stop. Otherwise the
    /// runs end and the user is told what stays in progress.
    fn stopping(
        &self,
        all: &mut Runs,
        ending: &dyn Fn(&Run) -> bool,
        result: &Ending,
        stop_hook_active: bool,
    ) -> Result<Option<Value>> {
        if !result.held.is_empty() && !stop_hook_active && self.tree.config.hook.block_stop_on_gates
        {
            // Runs whose tickets all completed end now; the rest wait.
            let done = |r: &Run| ending(r) && !result.held.iter().any(|id| r.has(id));
            self.end_runs(all, &done, result)?;
            return Ok(Some(
                json!({"decision": "block", "reason": refusal(result, true)}),
            ));
        }
        self.end_runs(all, ending, result)?;
        Ok((!result.held.is_empty()).then(|| {
            json!({"systemMessage": format!(
                "tix: {} stays in progress: {} unmet (see `tix show {}`).",
                result.held.join(", "),
                count_forms(result.unmet.len(), "criterion", "criteria"),
                result.held[0]
            )})
        }))
    }
}

/// The tool call that launched a subagent, from the note Claude Code keeps
/// beside its transcript (`agent-<id>.jsonl` → `agent-<id>.meta.json`:
/// `toolUseId`, `requestShape`). `None` when there is no such note.
struct Launch {
    tool_use_id: String,
    foreground: bool,
}

fn launch_of(transcript: &str) -> Option<Launch> {
    let meta = format!("{}.meta.json", transcript.strip_suffix(".jsonl")?);
    let note: Value = serde_json::from_slice(&read_note(std::path::Path::new(&meta))?).ok()?;
    Some(Launch {
        tool_use_id: super::str_field(&note, "toolUseId")?,
        foreground: super::str_field(&note, "requestShape").as_deref() == Some("foreground"),
    })
}

/// A small regular file's bytes; `None` for anything else. The payload names
/// the path: a FIFO there must not hang the hook (the open does not block), nor
/// a link to `/dev/zero` fill memory (the size is checked on the open file).
fn read_note(path: &std::path::Path) -> Option<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    const MAX: u64 = 64 * 1024;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > MAX {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(MAX + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 <= MAX).then_some(bytes)
}

/// Runs whose end is a stop: skills, legacy slash commands, typed commands.
fn stops_with_session(r: &Run) -> bool {
    r.tool.stops_with_session()
}

fn attached_line(id: &str, title: &str, completes_itself: bool) -> String {
    let when = if completes_itself {
        "when this run ends"
    } else {
        "when the session stops"
    };
    format!(
        "tix: {id} \"{title}\" is in progress; this run works on it, and tix completes it {when}."
    )
}

fn completed_lines(ending: &Ending) -> Vec<String> {
    ending
        .completed
        .iter()
        .map(|id| format!("tix: {id} is now completed."))
        .collect()
}

/// The reason a completion was refused, for the model: what is done, then
/// each unmet criterion on its own line, then what to do.
fn refusal(ending: &Ending, stopping: bool) -> String {
    let mut s = String::new();
    for id in &ending.completed {
        let _ = writeln!(s, "tix: {id} is now completed.");
    }
    let _ = writeln!(
        s,
        "tix: {} cannot be completed yet: {} unmet:",
        ending.held.join(", "),
        count_forms(ending.unmet.len(), "criterion is", "criteria are")
    );
    // Claude Code keeps 10,000 characters of a reason: the list is cut well before.
    for (i, u) in ending.unmet.iter().enumerate() {
        if s.len() + u.len() > 8000 {
            let _ = writeln!(s, "… and {} more", ending.unmet.len() - i);
            break;
        }
        s.push_str(u);
        s.push('\n');
    }
    if stopping {
        s.push_str("Finish each one and tick its box (- [x]) in the ticket file; tix completes the ticket when you stop.");
    } else {
        let _ = write!(
            s,
            "Finish each one and tick its box (- [x]) in the ticket file, then run `tix complete {}` (or hand it to a subagent again).",
            ending.held[0]
        );
    }
    s
}

fn elapsed_ms(from: DateTime<Utc>, to: DateTime<Utc>) -> Option<u64> {
    u64::try_from((to - from).num_milliseconds()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[test]
    fn the_launch_note_is_read_beside_the_transcript() {
        let d = dir();
        std::fs::write(
            d.path().join("agent-a1.meta.json"),
            r#"{"toolUseId":"toolu_1","requestShape":"foreground"}"#,
        )
        .unwrap();
        let l = launch_of(&d.path().join("agent-a1.jsonl").to_string_lossy()).unwrap();
        assert_eq!((l.tool_use_id.as_str(), l.foreground), ("toolu_1", true));
    }

    #[test]
    fn a_fifo_as_the_note_is_not_waited_on() {
        let d = dir();
        let fifo = d.path().join("agent-a2.meta.json");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
        )
        .unwrap();
        // Opening it blocking would wait for a writer for ever.
        assert!(launch_of(&d.path().join("agent-a2.jsonl").to_string_lossy()).is_none());
    }

    #[test]
    fn a_note_linked_to_an_endless_device_is_not_read() {
        let d = dir();
        std::os::unix::fs::symlink("/dev/zero", d.path().join("agent-a3.meta.json")).unwrap();
        assert!(read_note(&d.path().join("agent-a3.meta.json")).is_none());
    }

    #[test]
    fn a_note_over_64_kib_is_not_read() {
        let d = dir();
        let p = d.path().join("agent-a4.meta.json");
        std::fs::write(&p, vec![b' '; 64 * 1024 + 1]).unwrap();
        assert!(read_note(&p).is_none());
        std::fs::write(&p, vec![b' '; 64 * 1024]).unwrap();
        assert_eq!(read_note(&p).map(|b| b.len()), Some(64 * 1024));
    }
}
