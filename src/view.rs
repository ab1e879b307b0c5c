//! The `--json` contract (the README's "JSON output"). These structs are the only
//! thing serialised, so a refactor of the domain cannot change the output.
//! Missing values are `null`, never absent; missing lists are `[]`.

use crate::ticket::Text;
use crate::tree::{Event, Problem, Ticket};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize)]
pub struct Progress {
    pub done: u32,
    pub total: u32,
}

/// A JSON array of what `each` gives, made as it is written: `list --json`
/// holds no array of 10,000 views.
pub struct Each<F>(pub F);

impl<F, I> Serialize for Each<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

/// Borrows from the tickets: `list --json` over 10,000 tickets copies nothing.
#[derive(Debug, Serialize)]
pub struct TicketJson<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub status: &'a str,
    pub priority: &'a str,
    pub path: &'a str,
    pub labels: &'a [Text],
    pub depends_on: &'a [Text],
    pub created: Option<&'a str>,
    pub started: Option<&'a str>,
    pub completed: Option<&'a str>,
    pub updated: Option<&'a str>,
    pub agent: Option<&'a str>,
    pub progress: Progress,
    /// The kind of its status.
    pub kind: &'static str,
    /// Only `show --json` has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<&'a str>,
}

impl<'a> TicketJson<'a> {
    #[must_use]
    pub fn new(t: &Ticket<'a>) -> TicketJson<'a> {
        let m = t.meta;
        TicketJson {
            id: &m.id,
            title: &m.title,
            status: t.status,
            priority: &m.priority,
            path: t.rel,
            labels: &m.labels,
            depends_on: &m.depends_on,
            created: m.created.as_deref(),
            started: m.started.as_deref(),
            completed: m.completed.as_deref(),
            updated: m.updated.as_deref(),
            agent: m.agent.as_deref(),
            progress: Progress {
                done: m.done,
                total: m.total,
            },
            kind: t.kind.name(),
            body: None,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct InProgressJson<'a> {
    #[serde(flatten)]
    pub ticket: TicketJson<'a>,
    pub age_secs: Option<i64>,
}

/// `tix status --json`. `in_progress` is an array of [`InProgressJson`],
/// every ticket in progress: made as it is written ([`Each`]), at 100,000
/// tickets 10,000 views not held.
#[derive(Debug, Serialize)]
pub struct StatusJson<'a, P> {
    pub root: String,
    pub total: usize,
    pub counts: BTreeMap<String, usize>,
    pub completion_rate: f64,
    pub in_progress: P,
    pub ready: Vec<TicketJson<'a>>,
    pub recent: Vec<TicketJson<'a>>,
    pub problems: usize,
    /// The configured statuses, in board order.
    pub statuses: Vec<StatusDefJson<'a>>,
}

#[derive(Debug, Serialize)]
pub struct StatusDefJson<'a> {
    pub name: &'a str,
    pub dir: Option<&'a str>,
    pub kind: &'static str,
    pub ready: bool,
}

impl<'a> From<&'a crate::config::StatusDef> for StatusDefJson<'a> {
    fn from(s: &'a crate::config::StatusDef) -> StatusDefJson<'a> {
        StatusDefJson {
            name: &s.name,
            dir: s.dir.as_deref(),
            kind: s.kind.name(),
            ready: s.ready,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct EventJson {
    pub time: String,
    pub ticket: String,
    pub action: &'static str,
    pub from: Option<String>,
    pub to: Option<String>,
    pub actor: &'static str,
    pub session_id: Option<String>,
    pub tool_use_id: Option<String>,
    pub agent: Option<String>,
    pub agent_id: Option<String>,
    pub reason: Option<String>,
    pub duration_ms: Option<u64>,
    pub tokens: Option<u64>,
    pub tool_uses: Option<u64>,
}

impl From<&Event> for EventJson {
    fn from(e: &Event) -> EventJson {
        EventJson {
            time: crate::text::timestamp(&e.time),
            ticket: e.ticket.clone(),
            action: e.action.as_str(),
            from: e.from.clone(),
            to: e.to.clone(),
            actor: e.actor.as_str(),
            session_id: e.session_id.clone(),
            tool_use_id: e.tool_use_id.clone(),
            agent: e.agent.clone(),
            agent_id: e.agent_id.clone(),
            reason: e.reason.clone(),
            duration_ms: e.duration_ms,
            tokens: e.tokens,
            tool_uses: e.tool_uses,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ProblemJson {
    pub kind: String,
    pub path: String,
    pub message: String,
}

impl From<&Problem> for ProblemJson {
    fn from(p: &Problem) -> ProblemJson {
        ProblemJson {
            kind: p.kind.to_string(),
            path: p.path.clone(),
            message: match p.line {
                Some(l) => format!("line {l}: {}", p.message),
                None => p.message.clone(),
            },
        }
    }
}

#[derive(Debug, Serialize)]
pub struct CheckJson {
    pub ok: bool,
    pub problems: Vec<ProblemJson>,
}
