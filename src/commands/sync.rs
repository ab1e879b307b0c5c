use super::Ctx;
use crate::cli::SyncArgs;
use crate::exit::Exit;
use crate::tree::{
    Action, BY_INDEX_FROM, Change, Entry, Event, Found, LockMode, Problem, Proof, REGISTRY, Scan,
    Stamp, State, Synced, Ticket, Tree, Upkeep,
};
use crate::view::{CheckJson, ProblemJson};
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::fs;

pub fn run(ctx: &Ctx, args: &SyncArgs) -> Result<Exit> {
    let tree = ctx.tree()?;
    if args.check {
        check(ctx, &tree, args.json)
    } else {
        sync(ctx, &tree)
    }
}

/// How many problems of one kind and cause `sync --check` lists.
const SHOWN_PER_GROUP: usize = 5;

/// Reads every file and changes nothing (not even an interrupted change: that
/// is reported, and finished by the next command that writes).
fn check(ctx: &Ctx, tree: &Tree, json: bool) -> Result<Exit> {
    let _lock = tree.lock_without_recovery(LockMode::Shared, &mut |m| ctx.note(m))?;
    // From the index when every file reads as its record says, or from
    // one made now of every file read (see `Tree::found_by_index`).
    let (files, problems) = match tree.found_by_index(BY_INDEX_FROM, Proof::Read, true) {
        Some(found) => (found.files, found.every(tree)),
        None => {
            let snap = tree.scan(Scan::Fresh, Upkeep::Nothing)?;
            let problems = tree.all_problems(&snap, false)?;
            let files = snap.entries.len();
            snap.leave();
            (files, problems)
        }
    };
    if json {
        let out = CheckJson {
            ok: problems.is_empty(),
            problems: problems.iter().map(ProblemJson::from).collect(),
        };
        ctx.out_json(&out)?;
    } else {
        // The first few of each kind of problem; --json has every one.
        let mut out = String::new();
        for g in crate::tree::groups::group(&problems) {
            for p in g.problems.iter().take(SHOWN_PER_GROUP) {
                let line = p.line.map(|l| format!(":{l}")).unwrap_or_default();
                let text = format!("{}{line}: {}: {}", tree.show(&p.path), p.kind, p.message);
                out.push_str(&crate::text::sanitize(&text));
                out.push('\n');
            }
            if g.problems.len() > SHOWN_PER_GROUP {
                let _ = writeln!(
                    out,
                    "… and {} more {} (`tix sync --check --json` lists every one)",
                    g.problems.len() - SHOWN_PER_GROUP,
                    crate::text::sanitize(&g.title())
                );
            }
        }
        ctx.out(&out)?;
        if problems.is_empty() {
            ctx.note(&format!(
                "{}, tree and registry agree",
                super::count(files, "ticket")
            ));
        } else {
            ctx.note(&format!(
                "{} found:",
                super::count(problems.len(), "problem")
            ));
            for line in super::problem_summary(tree, &problems, false) {
                ctx.note(&line);
            }
        }
    }
    Ok(if problems.is_empty() {
        Exit::Ok
    } else {
        Exit::Problems
    })
}

/// Files misplaced tickets where their status says and regenerates the registry.
fn sync(ctx: &Ctx, tree: &Tree) -> Result<Exit> {
    let lock = ctx.lock_exclusive(tree)?;
    let mut moved = 0;
    // Found from the index: with nothing to move, the registry rendered
    // from it if it is not fresh; else each misplaced file moved as a
    // transition moves one, by the index, and the index asked again.
    match tree.sync_by_index(BY_INDEX_FROM, &lock)? {
        Some(Synced::Done(found, wrote)) => return Ok(said(ctx, tree, &found, 0, wrote)),
        Some(Synced::Misplaced(paths)) => {
            let mut state = State::open(tree, &lock)?;
            for src in paths {
                let content = read(tree, &src)?;
                let parsed = tree.parse_keyed(&src, content.as_bytes());
                let entry = Entry::keyed(src.into(), Stamp::default(), parsed);
                let refiling = tree.ticket_of(&entry).and_then(|t| refiling(ctx, tree, &t));
                if let Some(refiling) = refiling {
                    refile(ctx, tree, &mut state, refiling, content)?;
                    moved += 1;
                }
            }
            if let Some(Synced::Done(found, wrote)) = tree.sync_by_index(BY_INDEX_FROM, &lock)? {
                return Ok(said(ctx, tree, &found, moved, wrote || moved > 0));
            }
        }
        None => {}
    }
    let mut state = State::full(tree, &lock)?;
    let snap = state.snapshot()?;
    let mut misplaced: Vec<Refiling> = tree
        .tickets(snap)
        .iter()
        .filter_map(|t| refiling(ctx, tree, t))
        .collect();
    // In the order of their paths, as by the index.
    misplaced.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for refiling in misplaced {
        let content = read(tree, &refiling.0)?;
        refile(ctx, tree, &mut state, refiling, content)?;
        moved += 1;
    }
    let wrote = state.write_registry()? || moved > 0;
    let snap = state.snapshot()?;
    warn(ctx, tree, &tree.problems(snap));
    ctx.note(&summary(tree, snap.entries.len(), moved, wrote));
    Ok(Exit::Ok)
}

/// A move of a ticket in the wrong folder: its file, where it goes (its
/// status's folder) and what the journal is told.
type Refiling = (String, String, Event);

/// The move of ticket `t` if it is in the wrong folder.
fn refiling(ctx: &Ctx, tree: &Tree, t: &Ticket<'_>) -> Option<Refiling> {
    let (dst, between) = tree.refile_to(t)?;
    let event = Event::refiled(
        Action::Sync,
        &t.meta.id,
        ctx.now,
        ctx.actor().actor,
        between,
        "the file was in the wrong folder",
    );
    Some((t.rel.to_string(), dst, event))
}

/// A ticket file's text, for its move.
fn read(tree: &Tree, rel: &str) -> Result<String> {
    fs::read_to_string(tree.path(rel)).with_context(|| format!("failed to read {}", tree.show(rel)))
}

/// Makes a move (the file's text is `content`), journalled, and says so.
fn refile(
    ctx: &Ctx,
    tree: &Tree,
    state: &mut State<'_>,
    (src, dst, event): Refiling,
    content: String,
) -> Result<()> {
    // A failed move stops the sync (exit 1): its journal must stay for recovery.
    state.commit(Change::moving(src.clone(), dst.clone(), content, event))?;
    ctx.note(&format!("moved {} → {}", tree.show(&src), tree.show(&dst)));
    Ok(())
}

/// What a sync by the index says once nothing is left to move: the
/// problems it leaves, and its last line.
fn said(ctx: &Ctx, tree: &Tree, found: &Found, moved: usize, wrote: bool) -> Exit {
    warn(ctx, tree, &found.problems);
    ctx.note(&summary(tree, found.files, moved, wrote));
    Exit::Ok
}

/// What a sync says of the problems it leaves.
fn warn(ctx: &Ctx, tree: &Tree, problems: &[Problem]) {
    for p in problems {
        let line = p.line.map(|l| format!(":{l}")).unwrap_or_default();
        ctx.note(&format!(
            "warning: {}{line}: {}",
            tree.show(&p.path),
            p.message
        ));
    }
}

/// A sync's last line: how many files, how many moved, and whether the
/// registry was written.
fn summary(tree: &Tree, files: usize, moved: usize, wrote: bool) -> String {
    format!(
        "{}; {moved} moved; {} {}",
        super::count(files, "ticket"),
        tree.show(REGISTRY),
        if wrote { "regenerated" } else { "unchanged" }
    )
}
