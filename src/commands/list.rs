use super::Ctx;
use crate::cli::ListArgs;
use crate::error::TixError;
use crate::exit::Exit;
use crate::output::{col, flex, table};
use crate::tree::{LockMode, Scan, Ticket, Upkeep};
use crate::view::TicketJson;
use anyhow::Result;

pub fn run(ctx: &Ctx, args: &ListArgs) -> Result<Exit> {
    let tree = ctx.tree()?;
    let only = match &args.status {
        None => None,
        Some(s) => match tree.config.status_by_name_or_dir(s) {
            Some(d) => Some(d.name.clone()),
            None => {
                return Err(TixError::Usage(format!(
                    "unknown status {s:?} (expected one of {})",
                    tree.config.status_names().join(", ")
                ))
                .into());
            }
        },
    };
    let _lock = ctx.lock(&tree, LockMode::Shared)?;
    let snap = tree.scan(Scan::Cached, Upkeep::Index)?;
    let order = |t: &Ticket<'_>| tree.config.statuses.iter().position(|s| s.name == t.status);
    let mut tickets: Vec<Ticket<'_>> = tree
        .tickets(&snap)
        .into_iter()
        .filter(|t| only.as_deref().is_none_or(|s| s == t.status))
        .collect();
    tickets.sort_by_key(|t| (order(t), t.key, t.rel));
    ctx.note_unreadable(tree.unreadable(&snap));
    if args.json {
        let out: Vec<TicketJson> = tickets.iter().map(TicketJson::new).collect();
        ctx.out_json(&out)?;
        return Ok(Exit::Ok);
    }
    let rows: Vec<Vec<String>> = tickets
        .iter()
        .map(|t| {
            vec![
                t.meta.id.to_string(),
                t.status.to_string(),
                t.meta.priority.to_string(),
                t.meta.agent.as_deref().unwrap_or("-").to_string(),
                t.meta.title.to_string(),
            ]
        })
        .collect();
    ctx.out(&table(
        &[
            col("id"),
            flex("status"),
            flex("priority"),
            flex("agent"),
            flex("title"),
        ],
        &rows,
        &ctx.streams,
    ))?;
    Ok(Exit::Ok)
}
