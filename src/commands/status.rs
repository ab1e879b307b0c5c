use super::Ctx;
use crate::cli::StatusArgs;
use crate::config::{ARCHIVED, COMPLETED, IN_PROGRESS};
use crate::exit::Exit;
use crate::output::{self, BOLD, DIM, GREEN, RED, YELLOW, paint, table};
use crate::registry::{completion_rate, sort_for_status};
use crate::tree::{LockMode, Scan, Ticket};
use crate::view::{InProgressJson, StatusJson, TicketJson};
use anyhow::Result;
use std::collections::BTreeMap;

/// How many ready and recent tickets the dashboard shows.
pub const SHOWN: usize = 10;

pub fn run(ctx: &Ctx, args: &StatusArgs) -> Result<Exit> {
    let tree = ctx.tree()?;
    let _lock = ctx.lock(&tree, LockMode::Shared)?;
    let snap = tree.scan(Scan::Cached, true)?;
    let tickets = tree.tickets(&snap);
    let problems = tree.all_problems(&snap, true)?.len();
    let counts: Vec<(String, usize)> = tree
        .config
        .statuses
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                tickets.iter().filter(|t| t.status == s.name).count(),
            )
        })
        .collect();
    let mut in_progress: Vec<Ticket<'_>> = tickets
        .iter()
        .copied()
        .filter(|t| t.status == IN_PROGRESS)
        .collect();
    sort_for_status(IN_PROGRESS, &mut in_progress);
    let ready = crate::registry::ready(&tickets);
    let mut recent: Vec<Ticket<'_>> = tickets
        .iter()
        .copied()
        .filter(|t| t.status == COMPLETED)
        .collect();
    sort_for_status(COMPLETED, &mut recent);
    recent.truncate(SHOWN);
    let age = |t: &Ticket<'_>| {
        t.meta.started.as_deref().and_then(|s| {
            chrono::DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|d| (ctx.now - d.with_timezone(&chrono::Utc)).num_seconds())
        })
    };
    let rate = completion_rate(&tickets);

    if args.json {
        let out = StatusJson {
            root: tree.root.to_string_lossy().into_owned(),
            total: tickets.len(),
            counts: counts.iter().cloned().collect::<BTreeMap<_, _>>(),
            completion_rate: rate,
            in_progress: in_progress
                .iter()
                .map(|t| InProgressJson {
                    ticket: TicketJson::new(t),
                    age_secs: age(t),
                })
                .collect(),
            ready: ready.iter().take(SHOWN).map(TicketJson::new).collect(),
            recent: recent.iter().map(TicketJson::new).collect(),
            problems,
        };
        ctx.out_json(&out)?;
        return Ok(Exit::Ok);
    }

    let (tty, color) = (ctx.streams.out_tty, ctx.streams.out_color);
    let mut s = String::new();
    let done = tickets
        .iter()
        .filter(|t| t.status == COMPLETED || t.status == ARCHIVED)
        .count();
    let width = 30;
    let filled = (rate * width as f64).round() as usize;
    s.push_str(&format!(
        "{} — {}, {done} done ({:.0}%)\n{}{}\n\n",
        paint(&output::for_tty(&tree.display_root, tty), BOLD, color),
        super::count(tickets.len(), "ticket"),
        rate * 100.0,
        paint(&"█".repeat(filled), GREEN, color),
        paint(&"░".repeat(width - filled), DIM, color),
    ));
    let rows: Vec<Vec<String>> = counts
        .iter()
        .map(|(n, c)| vec![n.clone(), c.to_string()])
        .collect();
    s.push_str(&table(&["status", "tickets"], &rows, tty));
    section(&mut s, "In progress", in_progress.len(), color);
    let rows: Vec<Vec<String>> = in_progress
        .iter()
        .map(|t| {
            vec![
                t.meta.id.to_string(),
                t.meta.title.to_string(),
                t.meta.agent.as_deref().unwrap_or("-").to_string(),
                age(t).map(output::age).unwrap_or_else(|| "-".into()),
                format!("{}/{}", t.meta.done, t.meta.total),
            ]
        })
        .collect();
    s.push_str(&table(
        &["id", "title", "agent", "age", "boxes"],
        &rows,
        tty,
    ));

    let agents = per_agent(&in_progress);
    if !agents.is_empty() {
        section(&mut s, "Agents", agents.len(), color);
        let rows: Vec<Vec<String>> = agents
            .iter()
            .map(|(a, ids)| vec![a.clone(), ids.len().to_string(), ids.join(" ")])
            .collect();
        s.push_str(&table(&["agent", "in progress", "tickets"], &rows, tty));
    }

    section(&mut s, "Ready next", ready.len(), color);
    let rows: Vec<Vec<String>> = ready
        .iter()
        .take(SHOWN)
        .map(|t| {
            vec![
                t.meta.id.to_string(),
                t.meta.title.to_string(),
                t.meta.priority.to_string(),
            ]
        })
        .collect();
    s.push_str(&table(&["id", "title", "priority"], &rows, tty));

    section(&mut s, "Recently completed", recent.len(), color);
    let rows: Vec<Vec<String>> = recent
        .iter()
        .map(|t| {
            vec![
                t.meta.id.to_string(),
                t.meta.title.to_string(),
                t.meta.completed.as_deref().unwrap_or("-").to_string(),
            ]
        })
        .collect();
    s.push_str(&table(&["id", "title", "completed"], &rows, tty));

    if problems > 0 {
        s.push_str(&format!(
            "\n{}\n",
            paint(
                &format!(
                    "{}: run `tix sync --check`",
                    super::count(problems, "problem")
                ),
                RED,
                color
            )
        ));
    }
    ctx.out(&s)?;
    Ok(Exit::Ok)
}

fn section(s: &mut String, title: &str, n: usize, color: bool) {
    s.push_str(&format!("\n{} ({n})\n", paint(title, YELLOW.bold(), color)));
}

fn per_agent(in_progress: &[Ticket<'_>]) -> Vec<(String, Vec<String>)> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in in_progress {
        if let Some(a) = &t.meta.agent {
            m.entry(a.to_string())
                .or_default()
                .push(t.meta.id.to_string());
        }
    }
    m.into_iter().collect()
}
