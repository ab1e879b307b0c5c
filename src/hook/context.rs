//! The context a session starts with: what is in progress and what is ready.

use super::engine::Hook;
use super::one_line;
use crate::config::Kind;
use crate::tree::{Listed, Open, Scan, Snapshot, Upkeep};
use anyhow::Result;
use serde_json::Value;

/// At most this many lines of context at session start.
const CONTEXT_LINES: usize = 30;

impl Hook<'_> {
    pub(super) fn session_start(&self) -> Result<Option<Value>> {
        let _lock = (self.env.read_lock)(self.tree)?;
        // Once per session, on the model's path: the index answers when the
        // folders are as it recorded, or when it is large and brought up to
        // date for those that changed (a large tree without one gets one),
        // its records read one at a time; else the tree is scanned.
        let open = if let Some(snap) = self.tree.open_tickets_by_index() {
            self.open_of(&snap)
        } else if let Some(open) = self.tree.open_by_index(CONTEXT_LINES) {
            open
        } else {
            self.open_of(&self.tree.scan(Scan::Cached, Upkeep::Index)?)
        };
        let (in_progress, ready) = (
            self.tree.shown(&open.in_progress),
            self.tree.shown(&open.ready),
        );
        if in_progress.first.is_empty() && ready.first.is_empty() {
            return Ok(None);
        }
        let mut lines = vec![format!(
            "tix: tickets in {}: {} in progress, {} ready to start. A ticket id (like {}) named in a subagent's task or a slash command is started, and completed when that work ends.",
            self.tree.display_root,
            in_progress.total,
            ready.total,
            in_progress
                .first
                .first()
                .or(ready.first.first())
                .map(|t| t.meta.id.to_string())
                .unwrap_or_default(),
        )];
        // Room for both lists: each gets a heading and, when cut, a "more" line.
        let ip_cap = if ready.first.is_empty() {
            CONTEXT_LINES - 4
        } else {
            13
        };
        section(
            &mut lines,
            "In progress:",
            &in_progress.first,
            in_progress.total,
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
            &ready.first,
            ready.total,
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

    /// What [`crate::tree::Tree::open_by_index`] gives, from `snap` (which
    /// holds every open ticket, and every ticket they wait for).
    fn open_of(&self, snap: &Snapshot) -> Open {
        let tickets = self.tree.tickets(snap);
        let (ready, ready_total) =
            crate::registry::ready_first(&self.tree.config, &tickets, CONTEXT_LINES);
        let mut in_progress: Vec<_> = tickets
            .iter()
            .copied()
            .filter(|t| t.kind == Kind::InProgress)
            .collect();
        crate::registry::sort_by_kind(&mut in_progress);
        // The records of the tickets shown, found in one pass.
        let mut shown: crate::tree::FastMap<&str, Option<&crate::tree::Entry>> = in_progress
            .iter()
            .take(CONTEXT_LINES)
            .chain(&ready)
            .map(|t| (t.rel, None))
            .collect();
        for e in &snap.entries {
            if let Some(slot) = shown.get_mut(&*e.rel) {
                *slot = Some(e);
            }
        }
        let entry = |t: &crate::tree::Ticket<'_>| shown.get(t.rel).copied().flatten().cloned();
        Open {
            in_progress: Listed {
                first: in_progress
                    .iter()
                    .take(CONTEXT_LINES)
                    .filter_map(entry)
                    .collect(),
                total: in_progress.len(),
            },
            ready: Listed {
                first: ready.iter().filter_map(entry).collect(),
                total: ready_total,
            },
        }
    }
}

/// A heading, up to `cap` of the first `items` of `total`, and how many
/// more there are.
fn section(
    lines: &mut Vec<String>,
    heading: &str,
    items: &[crate::tree::Ticket<'_>],
    total: usize,
    cap: usize,
    more: &str,
    line: impl Fn(&crate::tree::Ticket<'_>) -> String,
) {
    if items.is_empty() || cap == 0 {
        return;
    }
    lines.push(heading.into());
    lines.extend(items.iter().take(cap).map(line));
    if total > cap {
        lines.push(format!("- … and {} more (`{more}`)", total - cap));
    }
}
