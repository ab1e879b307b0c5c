//! The `--json` contract (DESIGN.md section 9). These structs are the only
//! thing serialised, so a refactor of the domain cannot change the output.
//! Missing values are `null`, never absent; missing lists are `[]`.

use crate::tree::{Event, Problem, Ticket};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize)]
pub struct Progress {
    pub done: u32,
    pub total: u32,
}

#[derive(Debug, Serialize)]
pub struct TicketJson {
    pub id: String,
    pub title: String,
    pub status: String,
    pub priority: String,
    pub path: String,
    pub labels: Vec<String>,
    pub depends_on: Vec<String>,
    pub created: Option<String>,
    pub started: Option<String>,
    pub completed: Option<String>,
    pub updated: Option<String>,
    pub agent: Option<String>,
    pub progress: Progress,
    /// Only `show --json` has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

impl TicketJson {
    pub fn new(t: &Ticket<'_>) -> TicketJson {
        let m = t.meta;
        TicketJson {
            id: m.id.clone(),
            title: m.title.clone(),
            status: t.status.to_string(),
            priority: m.priority.clone(),
            path: t.rel.to_string(),
            labels: m.labels.clone(),
            depends_on: m.depends_on.clone(),
            created: m.created.clone(),
            started: m.started.clone(),
            completed: m.completed.clone(),
            updated: m.updated.clone(),
            agent: m.agent.clone(),
            progress: Progress {
                done: m.done,
                total: m.total,
            },
            body: None,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct InProgressJson {
    #[serde(flatten)]
    pub ticket: TicketJson,
    pub age_secs: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct StatusJson {
    pub root: String,
    pub total: usize,
    pub counts: BTreeMap<String, usize>,
    pub completion_rate: f64,
    pub in_progress: Vec<InProgressJson>,
    pub ready: Vec<TicketJson>,
    pub recent: Vec<TicketJson>,
    pub problems: usize,
}

#[derive(Debug, Serialize)]
pub struct EventJson {
    pub time: String,
    pub ticket: String,
    pub action: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub actor: String,
    pub session_id: Option<String>,
    pub tool_use_id: Option<String>,
    pub agent: Option<String>,
    pub reason: Option<String>,
    pub duration_ms: Option<u64>,
    pub tokens: Option<u64>,
    pub tool_uses: Option<u64>,
}

impl From<&Event> for EventJson {
    fn from(e: &Event) -> EventJson {
        EventJson {
            time: e.time.clone(),
            ticket: e.ticket.clone(),
            action: e.action.clone(),
            from: e.from.clone(),
            to: e.to.clone(),
            actor: e.actor.clone(),
            session_id: e.session_id.clone(),
            tool_use_id: e.tool_use_id.clone(),
            agent: e.agent.clone(),
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

/// Pretty JSON and a newline.
pub fn to_string<T: Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("view structs always serialise");
    s.push('\n');
    s
}
