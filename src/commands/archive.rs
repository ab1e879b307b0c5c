//! `tix archive`: completed tickets completed more than `--older-than` days
//! ago go to the archived status's folder, each as one journaled change, all
//! under one lock. `--dry-run` says which, and changes nothing.

use super::Ctx;
use crate::cli::ArchiveArgs;
use crate::config::Kind;
use crate::error::TixError;
use crate::exit::Exit;
use crate::text::count;
use crate::transition::{Outcome, Request, Totals};
use crate::tree::{Action, Entry, LockMode, Scan, State, Tree, Upkeep};
use anyhow::Result;
use chrono::{DateTime, Utc};

pub fn run(ctx: &Ctx, args: &ArchiveArgs) -> Result<Exit> {
    let tree = ctx.tree()?;
    let Some(to) = tree
        .config
        .statuses
        .iter()
        .find(|s| s.kind == Kind::Archived)
    else {
        return Err(TixError::Usage(
            "tix.yaml has no status of the archived kind to archive into".into(),
        )
        .into());
    };
    let cutoff = ctx.now - chrono::Duration::days(i64::from(args.older_than));
    let day = cutoff.format("%Y-%m-%d");
    if args.dry_run {
        let _lock = ctx.lock(&tree, LockMode::Shared)?;
        let (due, undated) = due(&tree, cutoff, |e| e.rel.to_string())?;
        for (rel, id, _) in &due {
            ctx.note(&format!("would archive {id} ({})", tree.show(rel)));
            ctx.out(&format!("{id}\n"))?;
        }
        ctx.note(&format!(
            "{} completed before {day} (dry run: nothing changed)",
            count(due.len(), "ticket")
        ));
        say_undated(ctx, undated);
        return Ok(Exit::Ok);
    }
    let lock = ctx.lock_exclusive(&tree)?;
    // Which: from the whole tree as read commands see it (see `due`); then
    // each move as a transition does it, from the index (one registry row
    // patched, not the registry rendered per ticket).
    let (due, undated) = due(&tree, cutoff, Entry::clone)?;
    let mut state = State::open(&tree, &lock)?;
    let req = Request {
        to: to.name.clone(),
        force: false,
        agent: None,
        action: Action::Archive,
        reason: Some(format!("completed before {day}")),
        totals: Totals::default(),
        check_only: false,
    };
    for (entry, id, _) in &due {
        let outcome =
            crate::transition::apply(&tree, &mut state, entry, &req, &ctx.actor(), ctx.now)?;
        if let Outcome::Changed { rel, .. } = &outcome {
            ctx.note(&format!("archived {id} → {}", tree.show(rel)));
        }
        ctx.out(&format!("{id}\n"))?;
    }
    if due.is_empty() {
        ctx.note(&format!(
            "nothing to archive: no ticket was completed before {day}"
        ));
    } else {
        ctx.note(&format!(
            "archived {} completed before {day}",
            count(due.len(), "ticket")
        ));
    }
    say_undated(ctx, undated);
    Ok(Exit::Ok)
}

/// The completed tickets (completed kind, not yet archived) whose completion
/// is before `cutoff`, oldest first, and how many have no completion time:
/// from the index, a record at a time, when it is exactly the tree (every
/// file as it records: see [`Tree::exact_index`]), else from the full view (every
/// file stat'ed, changed ones read again, the index brought up to date).
/// Either way a hand edit anywhere counts.
/// Each ticket is kept as `keep` makes it of its record (the record itself
/// to archive it; its path alone for a dry run: at 100,000 tickets, 25,000
/// due, the records were 12 MB).
fn due<T>(
    tree: &Tree,
    cutoff: DateTime<Utc>,
    keep: impl Fn(&Entry) -> T,
) -> Result<(Vec<Due<T>>, usize)> {
    let (mut due, mut undated) = (Vec::new(), 0);
    let by_index = tree.exact_index().and_then(|index| {
        index.each_entry(&mut |e| {
            judge(tree, &e, cutoff, &keep, &mut due, &mut undated);
            Some(())
        })
    });
    if by_index.is_none() {
        (due, undated) = (Vec::new(), 0);
        let snap = tree.scan(Scan::Cached, Upkeep::Index)?;
        for e in &snap.entries {
            judge(tree, e, cutoff, &keep, &mut due, &mut undated);
        }
    }
    due.sort_by(|a, b| (a.2, &a.1).cmp(&(b.2, &b.1)));
    Ok((due, undated))
}

/// A ticket to archive: what is kept of its record, its id and when it was
/// completed.
type Due<T> = (T, String, DateTime<Utc>);

/// Adds `e` to `due` (as `keep` makes it) if it is a completed ticket
/// completed before `cutoff`; counts it in `undated` if it has no
/// completion time.
fn judge<T>(
    tree: &Tree,
    e: &Entry,
    cutoff: DateTime<Utc>,
    keep: &impl Fn(&Entry) -> T,
    due: &mut Vec<Due<T>>,
    undated: &mut usize,
) {
    let Some(t) = tree.ticket_of(e).filter(|t| t.kind == Kind::Completed) else {
        return;
    };
    let when = t
        .meta
        .completed
        .as_deref()
        .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
        .map(|c| c.with_timezone(&Utc));
    match when {
        Some(when) if when < cutoff => due.push((keep(e), t.meta.id.to_string(), when)),
        Some(_) => {}
        None => *undated += 1,
    }
}

fn say_undated(ctx: &Ctx, undated: usize) {
    if undated > 0 {
        ctx.note(&format!(
            "left {} without a `completed` time (`tix complete` writes one; `tix move ID archived` archives one by hand)",
            count(undated, "completed ticket")
        ));
    }
}
