use super::Ctx;
use crate::cli::{ListArgs, ListSort};
use crate::error::TixError;
use crate::exit::Exit;
use crate::model::FastMap;
use crate::output::{col, flex, write_table};
use crate::ticket::{priority_of, priority_rank};
use crate::tree::{LockMode, Scan, Ticket, Tree, Upkeep};
use crate::view::TicketJson;
use anyhow::Result;

pub fn run(ctx: &Ctx, args: &ListArgs) -> Result<Exit> {
    let tree = ctx.tree()?;
    let usage = |m: String| -> anyhow::Error { TixError::Usage(m).into() };
    let statuses = args
        .status
        .iter()
        .map(|s| match tree.config.status_by_name_or_dir(s) {
            Some(d) => Ok(d.name.as_str()),
            None => Err(usage(format!(
                "unknown status {s:?} (expected one of {})",
                tree.config.status_names().join(", ")
            ))),
        })
        .collect::<Result<Vec<&str>>>()?;
    let priorities = args
        .priority
        .iter()
        .map(|p| {
            priority_of(p).ok_or_else(|| {
                usage(format!(
                    "unknown priority {p:?} (expected critical, high, medium or low)"
                ))
            })
        })
        .collect::<Result<Vec<&str>>>()?;
    let title = args.title.as_deref().map(str::to_lowercase);
    let _lock = ctx.lock(&tree, LockMode::Shared)?;
    let snap = tree.scan(Scan::Cached, Upkeep::Index)?;
    let all = tree.tickets(&snap);
    let ready: Option<FastMap<&str, ()>> = args.ready.then(|| {
        crate::registry::ready(&tree.config, &all)
            .into_iter()
            .map(|t| (t.rel, ()))
            .collect()
    });
    let mut tickets: Vec<Ticket<'_>> = all
        .iter()
        .copied()
        .filter(|t| statuses.is_empty() || statuses.contains(&t.status))
        .filter(|t| {
            args.label
                .iter()
                .all(|l| t.meta.labels.iter().any(|m| m == l))
        })
        .filter(|t| {
            priorities.is_empty()
                || priority_of(&t.meta.priority).is_some_and(|p| priorities.contains(&p))
        })
        .filter(|t| match args.agent.as_deref() {
            None => true,
            Some("-") => t.meta.agent.is_none(),
            Some(a) => t.meta.agent.as_deref() == Some(a),
        })
        .filter(|t| ready.as_ref().is_none_or(|r| r.contains_key(t.rel)))
        .filter(|t| {
            title
                .as_deref()
                .is_none_or(|w| t.meta.title.to_lowercase().contains(w))
        })
        .collect();
    sort(&tree.config, &mut tickets, args.sort);
    ctx.note_unreadable(Tree::unreadable(&snap, &all));
    if args.json {
        ctx.out_json(&crate::view::Each(|| tickets.iter().map(TicketJson::new)))?;
        snap.leave();
        return Ok(Exit::Ok);
    }
    // A row an array, not a vector: no allocation for each of 10,000 rows.
    let rows: Vec<[&str; 5]> = tickets
        .iter()
        .map(|t| {
            [
                &*t.meta.id,
                t.status,
                &*t.meta.priority,
                t.meta.agent.as_deref().unwrap_or("-"),
                &*t.meta.title,
            ]
        })
        .collect();
    let cols = [
        col("id"),
        flex("status"),
        flex("priority"),
        flex("agent"),
        flex("title"),
    ];
    ctx.out_with(|mut out| write_table(&cols, &rows, &ctx.streams, &mut out))?;
    snap.leave();
    Ok(Exit::Ok)
}

/// Orders the list; ties go by id, then path. A missing time sorts last.
fn sort(config: &crate::config::Config, tickets: &mut [Ticket<'_>], how: ListSort) {
    let board = |t: &Ticket<'_>| config.statuses.iter().position(|s| s.name == t.status);
    match how {
        ListSort::Board => tickets.sort_by_key(|t| (board(t), t.key, t.rel)),
        ListSort::Id => tickets.sort_by_key(|t| (t.key, t.rel)),
        ListSort::Priority => {
            tickets.sort_by_key(|t| (priority_rank(&t.meta.priority), t.key, t.rel));
        }
        ListSort::Created => tickets.sort_by_key(|t| {
            (
                t.meta.created.is_none(),
                t.meta.created.clone(),
                t.key,
                t.rel,
            )
        }),
        ListSort::Updated => tickets.sort_by_key(|t| {
            (
                t.meta.updated.is_none(),
                t.meta.updated.clone(),
                t.key,
                t.rel,
            )
        }),
        ListSort::Title => {
            tickets.sort_by_cached_key(|t| (t.meta.title.to_lowercase(), t.key, t.rel));
        }
    }
}
