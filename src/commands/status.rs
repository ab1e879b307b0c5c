use super::Ctx;
use crate::cli::StatusArgs;
use crate::exit::Exit;
use crate::output::{self, BOLD, Col, DIM, GREEN, RED, YELLOW, col, flex, paint, table};
use crate::registry::{Board, Completion, Shown, age_secs, completion};
use crate::text;
use crate::tree::{BY_INDEX_FROM, LockMode, Scan, Ticket, Tree, Upkeep, Want};
use crate::view::{Each, InProgressJson, StatusDefJson, StatusJson, TicketJson};
use anyhow::Result;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use unicode_width::UnicodeWidthStr;

/// How many tickets each section of the dashboard shows (`--json` has every
/// ticket in progress).
pub const SHOWN: usize = 10;

pub fn run(ctx: &Ctx, args: &StatusArgs) -> Result<Exit> {
    let tree = ctx.tree()?;
    if args.watch {
        return watch(ctx, &tree);
    }
    if let Some(s) = dashboard(ctx, &tree, args.json, false)? {
        ctx.out(&s)?;
    }
    Ok(Exit::Ok)
}

/// `--watch`: the dashboard drawn again whenever the tree changes, until
/// Ctrl-C or SIGTERM. In a terminal it takes the alternate screen and gives
/// it back on the way out; through a pipe each snapshot follows the last.
fn watch(ctx: &Ctx, tree: &Tree) -> Result<Exit> {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    let mut dirs: Vec<std::path::PathBuf> = vec![tree.root.clone()];
    let screen = Screen::take(ctx);
    let mut shown: Option<String> = None;
    loop {
        // Watched before the dashboard is read: a change while it is drawn
        // draws it again.
        dirs.truncate(1);
        dirs.extend(tree.folders().map(|d| tree.path(d)));
        let mut watcher = crate::tree::watch::Watcher::new(dirs.clone());
        let frame = dashboard(ctx, tree, false, true)?.unwrap_or_default();
        // A dashboard as it was last drawn is not drawn again: a change that
        // does not show on it (a file that is no ticket), or one seen twice
        // (the rest of a slow transition's writes, after the dashboard waited
        // for its lock).
        if shown.as_ref() != Some(&frame) {
            let out = if screen.is_some() {
                format!(
                    "\x1b[H\x1b[2J{frame}\n{}",
                    paint(
                        "watching: redrawn on every change · Ctrl-C to quit",
                        DIM,
                        ctx.streams.out_color
                    )
                )
            } else {
                format!("{frame}\n")
            };
            ctx.out(&out)?;
            shown = Some(frame);
        }
        if !watcher.wait(&stop) {
            break;
        }
    }
    drop(screen);
    Ok(Exit::Ok)
}

/// The alternate screen, taken for `--watch` in a terminal and given back
/// (cursor shown again) when dropped: on Ctrl-C, SIGTERM or an error.
struct Screen;

impl Screen {
    fn take(ctx: &Ctx) -> Option<Screen> {
        if !ctx.streams.out_tty {
            return None;
        }
        ctx.out("\x1b[?1049h\x1b[?25l").ok()?;
        Some(Screen)
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        use std::io::Write;
        let _ = std::io::stdout().write_all(b"\x1b[?25h\x1b[?1049l");
        let _ = std::io::stdout().flush();
    }
}

/// The dashboard: printed as JSON (`None` returned), or its text.
/// `watching` (under `--watch`) says nothing on stderr (the screen is the
/// dashboard's) and frees what it read (another frame follows); otherwise
/// the command ends next, and the snapshot is left to the exit.
///
/// From the index when it is large and exactly the tree, a record at a time
/// (see [`Tree::dash_by_index`]), else from the full view.
fn dashboard(ctx: &Ctx, tree: &Tree, json: bool, watching: bool) -> Result<Option<String>> {
    let _lock = ctx.lock(tree, LockMode::Shared)?;
    let want = Want {
        first: SHOWN,
        every_in_progress: json,
        per_status: 0,
        problems: true,
        from: BY_INDEX_FROM,
    };
    if let Some(dash) = tree.dash_by_index(&want) {
        let view = View {
            tickets: dash.tickets,
            unreadable: dash.unreadable,
            counts: dash.counts.clone(),
            in_progress: tree.shown(&dash.in_progress),
            ready: tree.shown(&dash.ready),
            recent: tree.shown(&dash.recent),
            problems: dash.problems + tree.tree_problems(dash.registry, &[]).len(),
        };
        return show(ctx, tree, view, json, watching);
    }
    let snap = tree.scan(Scan::Cached, Upkeep::Index)?;
    let tickets = tree.tickets(&snap);
    // The board beside the problems' checks, on another core.
    let (problems, board) = std::thread::scope(|s| {
        let board = s.spawn(|| Board::of(&tree.config, &tickets, SHOWN));
        let problems = tree.all_problems_of(&snap, &tickets, true);
        (problems, crate::tree::joined(board))
    });
    let view = View {
        tickets: tickets.len(),
        unreadable: Tree::unreadable(&snap, &tickets),
        counts: board.counts,
        in_progress: Shown {
            total: board.in_progress.len(),
            first: board.in_progress,
        },
        ready: board.ready,
        recent: board.recent,
        problems: problems?.len(),
    };
    let out = show(ctx, tree, view, json, watching);
    if !watching {
        snap.leave();
    }
    out
}

/// What the dashboard shows of the tickets.
struct View<'a> {
    /// The tickets that parsed, and the files that did not.
    tickets: usize,
    unreadable: usize,
    /// How many tickets have each status, in the configuration's order.
    counts: Vec<usize>,
    /// The first tickets in progress (under `--json`, every one).
    in_progress: Shown<'a>,
    ready: Shown<'a>,
    recent: Shown<'a>,
    /// Everything `sync --check` reports.
    problems: usize,
}

/// [`dashboard`]'s output of `view`.
fn show(
    ctx: &Ctx,
    tree: &Tree,
    view: View<'_>,
    json: bool,
    watching: bool,
) -> Result<Option<String>> {
    let View {
        tickets,
        unreadable,
        counts,
        in_progress,
        ready,
        recent,
        problems,
    } = view;
    let Completion {
        done,
        dropped,
        rate,
        ..
    } = completion(&tree.config, &counts);
    let counts: Vec<(String, usize)> = tree
        .config
        .statuses
        .iter()
        .map(|s| s.name.clone())
        .zip(counts)
        .collect();
    let age = |t: &Ticket<'_>| age_secs(t, ctx.now);

    if !watching {
        ctx.note_unreadable(unreadable);
    }
    if json {
        let out = StatusJson {
            root: tree.root.to_string_lossy().into_owned(),
            total: tickets,
            counts: counts.iter().cloned().collect::<BTreeMap<_, _>>(),
            completion_rate: rate,
            in_progress: Each(|| {
                in_progress.first.iter().map(|t| InProgressJson {
                    ticket: TicketJson::new(t),
                    age_secs: age(t),
                })
            }),
            ready: ready.first.iter().map(TicketJson::new).collect(),
            recent: recent.first.iter().map(TicketJson::new).collect(),
            problems,
            statuses: tree
                .config
                .statuses
                .iter()
                .map(StatusDefJson::from)
                .collect(),
        };
        ctx.out_json(&out)?;
        return Ok(None);
    }

    let color = ctx.streams.out_color;
    let mut s = String::new();
    // The title (its root cut to fit), the bar, and the counts beside it
    // where they fit, else below it, wrapped between statuses.
    let width = ctx.streams.width.unwrap_or(usize::MAX);
    let mut tail = format!(
        " — {}, {done} done ({:.0}%)",
        super::count(tickets, "ticket"),
        rate * 100.0
    );
    if dropped > 0 {
        let _ = write!(tail, ", {dropped} closed as not done");
    }
    let root = text::cell(&tree.display_root);
    let root = output::truncate(&root, width.saturating_sub(tail.width()).max(8));
    let bar_width = 20;
    let filled = (rate * bar_width as f64).round() as usize;
    let per_status: Vec<String> = counts
        .iter()
        .map(|(n, c)| format!("{} {c}", text::cell(n)))
        .collect();
    let joined = per_status.join(" · ");
    let beside = bar_width + 2 + joined.width() <= width;
    let _ = write!(
        s,
        "{}{tail}\n{}{}",
        paint(&root, BOLD, color),
        paint(&"█".repeat(filled), GREEN, color),
        paint(&"░".repeat(bar_width - filled), DIM, color)
    );
    if beside {
        let _ = writeln!(s, "  {joined}");
    } else {
        s.push('\n');
        for line in wrap(&per_status, " · ", width) {
            s.push_str(&line);
            s.push('\n');
        }
    }

    let rows: Vec<Vec<String>> = in_progress
        .first
        .iter()
        .take(SHOWN)
        .map(|t| {
            vec![
                t.meta.id.to_string(),
                t.meta.title.to_string(),
                t.meta.agent.as_deref().unwrap_or("-").to_string(),
                age(t).map_or_else(|| "-".into(), output::age),
                format!("{}/{}", t.meta.done, t.meta.total),
            ]
        })
        .collect();
    let cols = [
        col("id"),
        flex("title"),
        flex("agent"),
        col("age"),
        col("boxes"),
    ];
    section(ctx, &mut s, "In progress", in_progress.total, &cols, &rows);

    let rows: Vec<Vec<String>> = ready
        .first
        .iter()
        .map(|t| {
            vec![
                t.meta.id.to_string(),
                t.meta.title.to_string(),
                t.meta.priority.to_string(),
            ]
        })
        .collect();
    let cols = [col("id"), flex("title"), col("priority")];
    section(ctx, &mut s, "Ready next", ready.total, &cols, &rows);

    let rows: Vec<Vec<String>> = recent
        .first
        .iter()
        .map(|t| {
            vec![
                t.meta.id.to_string(),
                t.meta.title.to_string(),
                t.meta.completed.as_deref().unwrap_or("-").to_string(),
            ]
        })
        .collect();
    let cols = [col("id"), flex("title"), col("completed")];
    section(
        ctx,
        &mut s,
        "Recently completed",
        recent.total,
        &cols,
        &rows,
    );

    if problems > 0 {
        let _ = write!(
            s,
            "\n{}\n",
            paint(
                &format!(
                    "{}: run `tix sync --check`",
                    super::count(problems, "problem")
                ),
                RED,
                color
            )
        );
    }
    Ok(Some(s))
}

/// A titled table, or one line when it has no rows. `total` may exceed the
/// rows shown.
fn section(
    ctx: &Ctx,
    s: &mut String,
    title: &str,
    total: usize,
    cols: &[Col],
    rows: &[Vec<String>],
) {
    let color = ctx.streams.out_color;
    if rows.is_empty() {
        let _ = write!(s, "\n{}: none\n", paint(title, YELLOW.bold(), color));
        return;
    }
    let shown = if total > rows.len() {
        format!("{title} ({} of {total})", rows.len())
    } else {
        format!("{title} ({total})")
    };
    let _ = write!(s, "\n{}\n", paint(&shown, YELLOW.bold(), color));
    s.push_str(&table(cols, rows, &ctx.streams));
}

/// `items` joined by `sep` into lines at most `width` wide, broken between
/// items (an item wider than a line is cut with `…`).
fn wrap(items: &[String], sep: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for item in items {
        let item = output::truncate(item, width);
        if !line.is_empty() && line.width() + sep.width() + item.width() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push_str(sep);
        }
        line.push_str(&item);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn counts_wrap_between_statuses() {
        let items: Vec<String> = ["pending 5", "in_progress 3", "completed 4", "archived 1"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            wrap(&items, " · ", 40),
            ["pending 5 · in_progress 3 · completed 4", "archived 1"]
        );
        assert_eq!(wrap(&items, " · ", 200), [items.join(" · ")]);
        assert_eq!(
            wrap(&items, " · ", 10),
            ["pending 5", "in_progre…", "completed…", "archived 1"]
        );
    }
}
