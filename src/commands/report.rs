//! `tix report --html FILE`: the dashboard as one self-contained HTML file —
//! no script, no external asset, the same bytes for the same tree and time.
//! Every piece of ticket text goes through maud, which escapes by default.

use super::Ctx;
use crate::cli::ReportArgs;
use crate::config::Kind;
use crate::exit::Exit;
use crate::model::Ticket;
use crate::registry::{Board, Completion, Shown, age_secs, completion, sort_by_kind};
use crate::tree::{BY_INDEX_FROM, Dash, LockMode, Scan, Tree, Upkeep, Want, fsx, journal};
use anyhow::{Context, Result};
use maud::{DOCTYPE, Markup, PreEscaped, html};

/// Tickets shown per board column (the rest are counted).
const PER_COLUMN: usize = 50;
/// Recent completions and agent runs shown.
const RECENT: usize = 20;

pub fn run(ctx: &Ctx, args: &ReportArgs) -> Result<Exit> {
    let tree = ctx.tree()?;
    let page = {
        let _lock = ctx.lock(&tree, LockMode::Shared)?;
        let (events, _) = journal::read_events(&tree.state_dir())?;
        let want = Want {
            first: RECENT,
            every_in_progress: true,
            per_status: PER_COLUMN,
            problems: false,
            from: BY_INDEX_FROM,
        };
        if let Some(dash) = tree.dash_by_index(&want) {
            render(ctx, &tree, &Page::of_dash(&tree, &dash), &events)
        } else {
            let snap = tree.scan(Scan::Cached, Upkeep::Index)?;
            let page = render(ctx, &tree, &Page::of(&tree, &tree.tickets(&snap)), &events);
            snap.leave();
            page
        }
    };
    if args.html.as_os_str() == "-" {
        ctx.out(&page)?;
    } else {
        let path = ctx.cwd.join(&args.html);
        fsx::write_atomic(&path, page.as_bytes(), None, true)
            .with_context(|| format!("failed to write {}", path.display()))?;
        ctx.note(&format!("wrote {}", args.html.display()));
    }
    Ok(Exit::Ok)
}

/// What the page shows of the tickets: from the full view or, in a large
/// tree, the index ([`Tree::dash_by_index`]).
struct Page<'a> {
    tickets: usize,
    /// How many tickets have each status, in the configuration's order.
    counts: Vec<usize>,
    /// The first [`PER_COLUMN`] of each status (none of an archived one).
    columns: Vec<Vec<Ticket<'a>>>,
    /// Every ticket in progress.
    in_progress: Vec<Ticket<'a>>,
    ready: Shown<'a>,
    recent: Shown<'a>,
}

impl<'a> Page<'a> {
    fn of(tree: &Tree, tickets: &[Ticket<'a>]) -> Page<'a> {
        let board = Board::of(&tree.config, tickets, RECENT);
        let columns = tree
            .config
            .statuses
            .iter()
            .map(|st| {
                if st.kind == Kind::Archived {
                    return Vec::new();
                }
                let mut v: Vec<Ticket<'_>> = tickets
                    .iter()
                    .copied()
                    .filter(|t| t.status == st.name)
                    .collect();
                sort_by_kind(&mut v);
                v.truncate(PER_COLUMN);
                v
            })
            .collect();
        Page {
            tickets: tickets.len(),
            counts: board.counts,
            columns,
            in_progress: board.in_progress,
            ready: board.ready,
            recent: board.recent,
        }
    }

    fn of_dash(tree: &'a Tree, dash: &'a Dash) -> Page<'a> {
        Page {
            tickets: dash.tickets,
            counts: dash.counts.clone(),
            columns: dash.columns.iter().map(|c| tree.tickets_of(c)).collect(),
            in_progress: tree.tickets_of(&dash.in_progress.first),
            ready: tree.shown(&dash.ready),
            recent: tree.shown(&dash.recent),
        }
    }
}

fn render(ctx: &Ctx, tree: &Tree, page: &Page<'_>, events: &[journal::Event]) -> String {
    let config = &tree.config;
    let Page {
        tickets,
        counts,
        columns,
        in_progress,
        ready: next,
        recent,
    } = page;
    let Completion {
        done,
        dropped,
        rate,
        ..
    } = completion(config, counts);
    let age = |t: &Ticket<'_>| age_secs(t, ctx.now).map_or_else(|| "-".into(), crate::output::age);
    let runs: Vec<&journal::Event> = events
        .iter()
        .rev()
        .filter(|e| e.duration_ms.is_some() || e.tokens.is_some())
        .take(RECENT)
        .collect();
    let pct = format!("{:.0}%", rate * 100.0);
    let name = tree.display_root.clone();
    let page: Markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "tix — " (name) }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    h1 { (name) }
                    p.summary {
                        (tickets) " tickets · " (done) " done (" (pct) ")"
                        @if dropped > 0 { " · " (dropped) " closed as not done" }
                    }
                    div.bar role="img" aria-label={ "completion " (pct) } {
                        div.fill style={ "width: " (format!("{:.1}", rate * 100.0)) "%" } {}
                    }
                    ul.counts {
                        @for (st, n) in config.statuses.iter().zip(counts) {
                            li { span.status { (st.name) } " " strong { (n) } }
                        }
                    }
                }
                main {
                    section.board {
                        h2 { "Board" }
                        div.columns {
                            @for ((st, col), n) in config.statuses.iter().zip(columns).zip(counts).filter(|((s, _), _)| s.kind != Kind::Archived) {
                                div.column {
                                    h3 { (st.name) " " span.n { (n) } }
                                    ul {
                                        @for t in col {
                                            li.ticket {
                                                span.id { (t.meta.id) } " "
                                                span.title { (t.meta.title) }
                                                " " span class={ "priority " (t.meta.priority) } { (t.meta.priority) }
                                                @if let Some(a) = &t.meta.agent { " " span.agent { (a) } }
                                            }
                                        }
                                    }
                                    @if *n > PER_COLUMN { p.more { "and " (n - PER_COLUMN) " more" } }
                                }
                            }
                        }
                        @for (st, n) in config.statuses.iter().zip(counts).filter(|(s, _)| s.kind == Kind::Archived) {
                            p.archived { "Archived (" (st.name) "): " (n) }
                        }
                    }
                    section {
                        h2 { "In progress (" (in_progress.len()) ")" }
                        @if in_progress.is_empty() { p.none { "Nothing in progress." } } @else {
                            table {
                                thead { tr { th { "id" } th { "title" } th { "agent" } th { "age" } th { "boxes" } } }
                                tbody {
                                    @for t in in_progress {
                                        tr {
                                            td.id { (t.meta.id) } td { (t.meta.title) }
                                            td { (t.meta.agent.as_deref().unwrap_or("-")) } td { (age(t)) }
                                            td { (t.meta.done) "/" (t.meta.total) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    section {
                        h2 { "Ready next (" (next.total) ")" }
                        @if next.first.is_empty() { p.none { "Nothing is ready." } } @else {
                            table {
                                thead { tr { th { "id" } th { "title" } th { "priority" } } }
                                tbody { @for t in &next.first { tr { td.id { (t.meta.id) } td { (t.meta.title) } td { (t.meta.priority) } } } }
                            }
                        }
                    }
                    section {
                        h2 { "Recent completions" }
                        @if recent.first.is_empty() { p.none { "None yet." } } @else {
                            table {
                                thead { tr { th { "id" } th { "title" } th { "completed" } th { "agent" } } }
                                tbody {
                                    @for t in &recent.first {
                                        tr {
                                            td.id { (t.meta.id) } td { (t.meta.title) }
                                            td { (t.meta.completed.as_deref().unwrap_or("-")) }
                                            td { (t.meta.agent.as_deref().unwrap_or("-")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    section {
                        h2 { "Agent runs" }
                        @if runs.is_empty() { p.none { "No agent run recorded yet." } } @else {
                            table {
                                thead { tr { th { "time" } th { "ticket" } th { "action" } th { "agent" } th { "duration" } th { "tokens" } th { "tools" } } }
                                tbody {
                                    @for e in &runs {
                                        tr {
                                            td { (crate::text::timestamp(&e.time)) } td.id { (e.ticket) } td { (e.action.as_str()) }
                                            td { (e.agent.as_deref().unwrap_or("-")) }
                                            td { (e.duration_ms.map_or_else(|| "-".to_string(), |ms| format!("{:.1}s", ms as f64 / 1000.0))) }
                                            td { (e.tokens.map_or_else(|| "-".to_string(), |n| n.to_string())) }
                                            td { (e.tool_uses.map_or_else(|| "-".to_string(), |n| n.to_string())) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                footer { "Made by tix from the ticket files at " (crate::text::timestamp(&ctx.now)) "." }
            }
        }
    };
    let mut out = page.into_string();
    out.push('\n');
    out
}

const CSS: &str = "
:root { color-scheme: light; --ink: #1b1f24; --muted: #5b6470; --line: #d8dde3; --accent: #1f883d; }
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: var(--ink); margin: 0; background: #f6f8fa; }
header, main, footer { max-width: 1200px; margin: 0 auto; padding: 16px 24px; }
header { background: #fff; border-bottom: 1px solid var(--line); max-width: none; }
h1 { margin: 0 0 4px; font-size: 22px; }
h2 { font-size: 17px; margin: 28px 0 10px; }
h3 { font-size: 14px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.summary { margin: 0 0 10px; color: var(--muted); }
.bar { height: 12px; background: var(--line); border-radius: 6px; overflow: hidden; max-width: 480px; }
.fill { height: 100%; background: var(--accent); }
.counts { list-style: none; padding: 0; margin: 12px 0 0; display: flex; flex-wrap: wrap; gap: 8px 18px; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 14px; }
.column { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.column ul { list-style: none; padding: 0; margin: 0; }
.ticket { padding: 6px 0; border-top: 1px solid #eef1f4; }
.ticket:first-child { border-top: 0; }
.id { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; white-space: nowrap; }
.n { color: var(--ink); }
.priority { font-size: 12px; padding: 0 6px; border-radius: 9px; background: #eef1f4; }
.priority.critical { background: #ffd8d3; } .priority.high { background: #fff1c2; } .priority.low { background: #e4f1ff; }
.agent { font-size: 12px; color: var(--muted); }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: 6px 10px; border-top: 1px solid #eef1f4; vertical-align: top; }
th { background: #f0f3f6; font-weight: 600; font-size: 13px; }
.none, .more, .archived, footer { color: var(--muted); }
";
