use super::Ctx;
use crate::cli::SyncArgs;
use crate::exit::Exit;
use crate::tree::{
    Action, BY_INDEX_FROM, Change, Event, LockMode, Problem, Proof, REGISTRY, Scan, State, Tree,
    Upkeep,
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
    // Nothing to move: found from the index, and the registry rendered
    // from it if it is not fresh.
    if let Some((found, wrote)) = tree.sync_by_index(BY_INDEX_FROM, &lock)? {
        warn(ctx, tree, &found.problems);
        ctx.note(&summary(tree, found.files, 0, wrote));
        return Ok(Exit::Ok);
    }
    let mut state = State::full(tree, &lock)?;
    let snap = state.snapshot()?;
    let misplaced: Vec<(String, String, Event)> = tree
        .tickets(snap)
        .into_iter()
        .filter_map(|t| {
            let status = t.meta.status.as_deref()?;
            let dir = crate::tree::top_dir(t.rel);
            tree.wanted_dir(status, dir).map(|want| {
                let event = Event::refiled(
                    Action::Sync,
                    &t.meta.id,
                    ctx.now,
                    ctx.actor().actor,
                    (tree.folder_status(dir).unwrap_or(dir), status),
                    "the file was in the wrong folder",
                );
                (t.rel.to_string(), tree.moved_to(t.rel, want), event)
            })
        })
        .collect();
    let moved = misplaced.len();
    for (src, dst, event) in misplaced {
        let content = fs::read_to_string(tree.path(&src))
            .with_context(|| format!("failed to read {}", tree.show(&src)))?;
        let change = Change {
            src: Some(src.clone()),
            dst: dst.clone(),
            base: Some(crate::tree::fsx::fingerprint(content.as_bytes())),
            replaces: None,
            content,
            event,
        };
        // A failed move stops the sync (exit 1): its journal must stay for recovery.
        state.commit(change)?;
        ctx.note(&format!("moved {} → {}", tree.show(&src), tree.show(&dst)));
    }
    let wrote = state.write_registry()? || moved > 0;
    let snap = state.snapshot()?;
    warn(ctx, tree, &tree.problems(snap));
    ctx.note(&summary(tree, snap.entries.len(), moved, wrote));
    Ok(Exit::Ok)
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
