//! The context a session starts with: what is in progress and what is ready.

use super::engine::Hook;
use super::one_line;
use crate::config::Kind;
use crate::tree::{Scan, Upkeep};
use anyhow::Result;
use serde_json::Value;

/// At most this many lines of context at session start.
const CONTEXT_LINES: usize = 30;

impl Hook<'_> {
    pub(super) fn session_start(&self) -> Result<Option<Value>> {
        let _lock = (self.env.read_lock)(self.tree)?;
        // Once per session, on the model's path: the index answers when the
        // folders are as it recorded, else the tree is scanned.
        let snap = match self.tree.open_tickets_by_index() {
            Some(snap) => snap,
            None => self.tree.scan(Scan::Cached, Upkeep::Index)?,
        };
        let tickets = self.tree.tickets(&snap);
        let mut in_progress: Vec<_> = tickets
            .iter()
            .copied()
            .filter(|t| t.kind == Kind::InProgress)
            .collect();
        crate::registry::sort_by_kind(&mut in_progress);
        let ready = crate::registry::ready(&self.tree.config, &tickets);
        if in_progress.is_empty() && ready.is_empty() {
            return Ok(None);
        }
        let mut lines = vec![format!(
            "tix: tickets in {}: {} in progress, {} ready to start. A ticket id (like {}) named in a subagent's task or a slash command is started, and completed when that work ends.",
            self.tree.display_root,
            in_progress.len(),
            ready.len(),
            in_progress
                .first()
                .or(ready.first())
                .map(|t| t.meta.id.to_string())
                .unwrap_or_default(),
        )];
        // Room for both lists: each gets a heading and, when cut, a "more" line.
        let ip_cap = if ready.is_empty() {
            CONTEXT_LINES - 4
        } else {
            13
        };
        section(
            &mut lines,
            "In progress:",
            &in_progress,
            ip_cap,
            "tix status",
            |t| {
                let agent = t
                    .meta
                    .agent
                    .as_deref()
                    .map_or_else(|| "no agent".into(), one_line);
                format!(
                    "- {} \"{}\" ({agent}, {}/{} boxes)",
                    t.meta.id,
                    one_line(&t.meta.title),
                    t.meta.done,
                    t.meta.total
                )
            },
        );
        let ready_cap = CONTEXT_LINES.saturating_sub(lines.len() + 2);
        section(
            &mut lines,
            "Ready next:",
            &ready,
            ready_cap,
            "tix next",
            |t| {
                format!(
                    "- {} \"{}\" ({})",
                    t.meta.id,
                    one_line(&t.meta.title),
                    t.meta.priority
                )
            },
        );
        lines.truncate(CONTEXT_LINES);
        Ok(self.context(&lines))
    }
}

/// A heading, up to `cap` items, and how many more there are.
fn section(
    lines: &mut Vec<String>,
    heading: &str,
    items: &[crate::tree::Ticket<'_>],
    cap: usize,
    more: &str,
    line: impl Fn(&crate::tree::Ticket<'_>) -> String,
) {
    if items.is_empty() || cap == 0 {
        return;
    }
    lines.push(heading.into());
    lines.extend(items.iter().take(cap).map(line));
    if items.len() > cap {
        lines.push(format!("- … and {} more (`{more}`)", items.len() - cap));
    }
}
