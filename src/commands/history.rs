use super::Ctx;
use crate::cli::HistoryArgs;
use crate::exit::Exit;
use crate::output::{col, flex, table};
use crate::ticket::IdKey;
use crate::tree::{LockMode, journal};
use crate::view::EventJson;
use anyhow::Result;

/// An agent run's figures, where the event ends one: `18.1s, 54782 tokens, 9 tools`.
fn run_figures(e: &crate::tree::Event) -> String {
    let mut parts = Vec::new();
    if let Some(ms) = e.duration_ms {
        parts.push(if ms < 60_000 {
            format!("{:.1}s", ms as f64 / 1000.0)
        } else {
            crate::output::age((ms / 1000) as i64)
        });
    }
    if let Some(t) = e.tokens {
        parts.push(format!("{t} tokens"));
    }
    if let Some(n) = e.tool_uses {
        parts.push(format!("{n} tools"));
    }
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(", ")
    }
}

pub fn run(ctx: &Ctx, args: &HistoryArgs) -> Result<Exit> {
    let tree = ctx.tree()?;
    // Under the lock: a writer's audit line is in the log before its change
    // lands, and an interrupted change is settled (its line kept or taken
    // out) before the log is read.
    let _lock = ctx.lock(&tree, LockMode::Shared)?;
    let (events, torn) = journal::read_events(&tree.state_dir())?;
    if torn > 0 {
        ctx.note(&format!(
            "warning: skipped {torn} unreadable line(s) of .tix/events.jsonl"
        ));
    }
    let wanted = |ticket: &str| match &args.id {
        None => true,
        Some(id) => IdKey::parse(ticket).is_some_and(|k| id.matches(&k)),
    };
    let events: Vec<_> = events.iter().filter(|e| wanted(&e.ticket)).collect();
    if events.is_empty()
        && let Some(id) = &args.id
    {
        // No events: fine for a ticket nobody has changed yet, an error (exit 3)
        // for an id that names nothing.
        tree.find_one(id)?;
    }
    if args.json {
        let out: Vec<EventJson> = events.iter().map(|e| EventJson::from(*e)).collect();
        ctx.out_json(&out)?;
        return Ok(Exit::Ok);
    }
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let rows: Vec<Vec<String>> = events
        .iter()
        .map(|e| {
            vec![
                // A terminal gets the minute (UTC); pipes the exact time.
                match ctx.streams.width {
                    Some(_) => e.time.format("%Y-%m-%d %H:%M").to_string(),
                    None => crate::text::timestamp(&e.time),
                },
                e.ticket.clone(),
                e.action.as_str().to_string(),
                match (&e.from, &e.to) {
                    (None, None) => "-".to_string(),
                    // No change of status (an agent assigned): the status.
                    (Some(from), Some(to)) if from == to => to.clone(),
                    _ => format!("{} → {}", opt(&e.from), opt(&e.to)),
                },
                e.actor.as_str().to_string(),
                opt(&e.agent),
                run_figures(e),
                opt(&e.reason),
            ]
        })
        .collect();
    ctx.out(&table(
        &[
            col("time"),
            col("ticket"),
            flex("action"),
            flex("change"),
            flex("actor"),
            flex("agent"),
            flex("run"),
            flex("reason"),
        ],
        &rows,
        &ctx.streams,
    ))?;
    Ok(Exit::Ok)
}
