//! One status change of one ticket: check what `tix.yaml` allows and the gates,
//! edit the frontmatter keys it must set, and commit. `start`, `complete`, `move`
//! (and later the hook and `next --claim`) are thin layers on [`apply`].

use crate::config::Kind;
use crate::error::TixError;
use crate::refusal::Reason;
use crate::ticket::NewValue;
use crate::tree::{self, Action, Change, Entry, Event, State, Tree, Who};
use anyhow::Result;
use chrono::{DateTime, Utc};

/// Who asks for a change, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub actor: Who,
    pub session_id: Option<String>,
    pub tool_use_id: Option<String>,
    pub agent_id: Option<String>,
}

/// What Claude Code's agent totals say about a finished run (on its event).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub duration_ms: Option<u64>,
    pub tokens: Option<u64>,
    pub tool_uses: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Request {
    /// Target status name.
    pub to: String,
    pub force: bool,
    pub agent: Option<String>,
    /// The audit log's action: start, complete, move, rollback.
    pub action: Action,
    pub reason: Option<String>,
    /// Claude Code's totals, on the change that ends an agent run.
    pub totals: Totals,
    /// Only check the rules and gates: `Ok` is what would be done, and
    /// nothing is written.
    pub check_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Changed {
        id: String,
        from: String,
        to: String,
        rel: String,
    },
    /// Same status, another agent: `previous` had it (taken over with --force).
    Assigned {
        id: String,
        status: String,
        agent: String,
        previous: Option<String>,
        rel: String,
    },
    /// Already there: nothing was written (hooks fire twice; that is harmless).
    Unchanged {
        id: String,
        status: String,
        rel: String,
    },
}

/// Applies `req` to the ticket `entry` (found through `state`).
pub fn apply(
    tree: &Tree,
    state: &mut State<'_>,
    entry: &Entry,
    req: &Request,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    let rel: &str = &entry.rel;
    // As the frontmatter writes it.
    let stamp = crate::text::timestamp(&now);
    let (text, meta) = tree::read_ticket(tree, rel)?;
    let shown = tree.show(rel);
    let dir = tree::top_dir(rel);
    let from = tree
        .status_in(meta.status.as_deref(), dir)
        .unwrap_or_default()
        .to_string();
    let config = &tree.config;
    let kind = |name: &str| config.kind_of(name);
    // `start` of a ticket in any in-progress status, or `complete` of one in
    // any completed status, is where it should be.
    let target = match (req.action, kind(&from)) {
        (Action::Start, Some(Kind::InProgress)) | (Action::Complete, Some(Kind::Completed)) => {
            from.clone()
        }
        _ => req.to.clone(),
    };
    let to = target.as_str();
    let to_kind = kind(to).ok_or_else(|| TixError::Usage(format!("unknown status {to:?}")))?;
    let unchanged = || Outcome::Unchanged {
        id: meta.id.to_string(),
        status: from.clone(),
        rel: rel.to_string(),
    };
    let mut action = req.action;
    if from == to {
        // A move to the status a ticket has, or any change that is not a
        // start, has nothing to do; only `start` may name a new agent.
        if to_kind != Kind::InProgress || req.action != Action::Start {
            return Ok(unchanged());
        }
        match (meta.agent.as_deref(), req.agent.as_deref()) {
            (a, b) if a == b => return Ok(unchanged()),
            (Some(_), _) if !req.force => {
                return Err(claimed(&shown, &meta.id, meta.agent.as_deref()));
            }
            (_, None) => return Ok(unchanged()),
            _ => action = Action::Assign,
        }
    } else if !req.force {
        if req.action == Action::Start && kind(&from).is_some_and(Kind::is_closed) {
            return Err(refused(Reason::Closed {
                file: shown,
                id: meta.id.to_string(),
                status: from,
                reopen_to: config.first_name(Kind::InProgress).to_string(),
            }));
        }
        if !config.allows(&from, to) {
            return Err(refused(Reason::NotAllowed {
                file: shown,
                id: meta.id.to_string(),
                allowed: config
                    .targets(&from)
                    .iter()
                    .map(std::clone::Clone::clone)
                    .collect(),
                from,
                to: to.to_string(),
            }));
        }
        let mut unmet = Vec::new();
        if to_kind == Kind::InProgress && config.gates.unmet_dependencies_block_start {
            let line = ["depends_on", "dependencies", "parent"]
                .iter()
                .find_map(|k| line_of(&text, k));
            for dep in &meta.depends_on {
                let status = state.dependency_status(dep)?;
                if status.as_deref().is_some_and(|s| config.is_closed(s)) {
                    continue;
                }
                unmet.push(Reason::Dependency {
                    file: shown.clone(),
                    line,
                    id: meta.id.to_string(),
                    dependency: dep.to_string(),
                    status,
                });
            }
        }
        if to_kind == Kind::Completed && config.gates.unchecked_boxes_block_complete {
            for (line, item) in crate::ticket::unchecked_boxes(&text) {
                unmet.push(Reason::UncheckedBox {
                    file: shown.clone(),
                    line,
                    id: meta.id.to_string(),
                    item: item.clone(),
                });
            }
        }
        if !unmet.is_empty() {
            return Err(TixError::Refused { reasons: unmet }.into());
        }
    }

    // Where it goes must read as the new status: an archive folder reads
    // as archived, so a status without a folder has to leave it for a flat
    // folder, and without one there is nowhere to go.
    let dst = tree.destination(rel, to).unwrap_or_else(|| rel.to_string());
    if tree.status_in(Some(to), tree::top_dir(&dst)) != Some(to) {
        return Err(refused(Reason::NoFolder {
            file: shown,
            id: meta.id.to_string(),
            to: to.to_string(),
        }));
    }

    if req.check_only {
        return Ok(unchanged());
    }

    let mut changes: Vec<(&str, NewValue)> = vec![("status", NewValue::Str(to.to_string()))];
    let entering = from != to && kind(&from) != Some(to_kind);
    if to_kind == Kind::InProgress && entering {
        changes.push(("started", NewValue::Str(stamp.clone())));
    }
    if to_kind == Kind::InProgress
        && let Some(a) = &req.agent
    {
        changes.push(("agent", NewValue::Str(a.clone())));
    }
    if to_kind == Kind::Completed && entering {
        changes.push(("completed", NewValue::Str(stamp.clone())));
    }
    // Back in the queue, nobody works on it (the audit log keeps who did).
    // (An empty `agent:` goes too; removing a key that is absent changes nothing.)
    if to_kind == Kind::Pending && from != to {
        changes.push(("agent", NewValue::Remove));
    }
    changes.push(("updated", NewValue::Str(stamp.clone())));
    let content = tree::edit_ticket(tree, rel, &text, &changes)?;

    // Forced means a rule or gate was skipped: a transition, or a takeover.
    let taken_from = meta.agent.as_deref().filter(|_| action == Action::Assign);
    let reason = match (
        req.force && (from != to || taken_from.is_some()),
        taken_from,
    ) {
        (true, Some(prev)) => Some(format!("forced: taken over from {prev}")),
        (true, None) => Some(match &req.reason {
            Some(r) => format!("forced: {r}"),
            None => "forced".into(),
        }),
        (false, _) => req.reason.clone(),
    };
    let event = Event {
        session_id: actor.session_id.clone(),
        tool_use_id: actor.tool_use_id.clone(),
        agent: req
            .agent
            .clone()
            .or(meta.agent.as_deref().map(String::from)),
        agent_id: actor.agent_id.clone(),
        duration_ms: req.totals.duration_ms,
        tokens: req.totals.tokens,
        tool_uses: req.totals.tool_uses,
        ..Event::new(action, &meta.id, now, actor.actor)
            .moving(Some(&from), Some(to))
            .because(reason)
            .of_change()
    };
    state.commit(Change {
        src: Some(rel.to_string()),
        dst: dst.clone(),
        content,
        event,
        base: Some(tree::fsx::fingerprint(text.as_bytes())),
        replaces: Some(entry.clone()),
    })?;
    if action == Action::Assign {
        return Ok(Outcome::Assigned {
            id: meta.id.to_string(),
            status: from,
            agent: req.agent.clone().unwrap_or_default(),
            previous: meta.agent.as_deref().map(String::from),
            rel: dst,
        });
    }
    Ok(Outcome::Changed {
        id: meta.id.to_string(),
        from,
        to: to.to_string(),
        rel: dst,
    })
}

fn claimed(shown: &str, id: &str, agent: Option<&str>) -> anyhow::Error {
    refused(Reason::Claimed {
        file: shown.to_string(),
        id: id.to_string(),
        agent: agent.map(String::from),
    })
}

fn refused(reason: Reason) -> anyhow::Error {
    TixError::Refused {
        reasons: vec![reason],
    }
    .into()
}

/// The line of a top-level key.
fn line_of(text: &str, key: &str) -> Option<usize> {
    crate::ticket::Doc::parse(text)
        .ok()
        .and_then(|d| d.line_of_key(key))
}
