//! `tix next [--claim]`: the best ready ticket — pending, every dependency
//! completed, highest priority, then oldest. `--claim` starts it while still
//! holding the lock it was chosen under, so parallel claimers never get the
//! same ticket. Nothing ready: exit 0 and nothing on stdout (`null` with --json).

use super::Ctx;
use crate::cli::NextArgs;
use crate::config::Kind;
use crate::exit::Exit;
use crate::transition::{self, Request};
use crate::tree::{self, Entry, LockMode, Scan, State, Tree, Upkeep};
use crate::view::TicketJson;
use anyhow::Result;

pub fn run(ctx: &Ctx, args: &NextArgs) -> Result<Exit> {
    let tree = ctx.tree()?;
    if !args.claim {
        let _lock = ctx.lock(&tree, LockMode::Shared)?;
        let best = best_ready(ctx, &tree)?;
        return print(
            ctx,
            args,
            best.as_ref().and_then(|e| tree.ticket_of(e)).as_ref(),
        );
    }
    let lock = ctx.lock_exclusive(&tree)?;
    // Chosen from the whole tree, as `next` reads it; then started as
    // `start` starts a ticket, from the index: one registry row patched,
    // not the registry rendered whole from every ticket.
    let best = best_ready(ctx, &tree)?
        .as_ref()
        .and_then(|e| tree.ticket_of(e))
        .map(|t| tree::IdArg::Full(t.key.clone(), t.meta.id.to_string()));
    let Some(id) = best else {
        return print(ctx, args, None);
    };
    let mut state = State::open(&tree, &lock)?;
    let entry = state.find(&id)?;
    let req = Request {
        to: tree.config.first_name(Kind::InProgress).to_string(),
        force: false,
        agent: ctx.agent(&args.agent),
        action: crate::tree::Action::Start,
        reason: Some("claimed with tix next".into()),
        totals: crate::transition::Totals::default(),
        check_only: false,
    };
    let outcome = transition::apply(&tree, &mut state, &entry, &req, &ctx.actor(), ctx.now)?;
    ctx.report(&tree, &outcome);
    // The ticket as the change left it.
    let claimed = state.find(&id)?;
    print(ctx, args, tree.ticket_of(&claimed).as_ref())
}

/// The best ready ticket's record: from the index when it is exactly the
/// tree ([`Tree::best_ready_by_index`]), else from the full view; the files
/// that could not be read are told of either way.
fn best_ready(ctx: &Ctx, tree: &Tree) -> Result<Option<Entry>> {
    if let Some((best, unreadable)) = tree.best_ready_by_index() {
        ctx.note_unreadable(unreadable);
        return Ok(best);
    }
    let snap = tree.scan(Scan::Cached, Upkeep::Index)?;
    let tickets = tree.tickets(&snap);
    ctx.note_unreadable(Tree::unreadable(&snap, &tickets));
    let best = crate::registry::ready_first(&tree.config, &tickets, 1)
        .0
        .pop();
    let best = best.and_then(|t| snap.entries.iter().find(|e| *e.rel == *t.rel).cloned());
    drop(tickets);
    // Left to the exit (see `Snapshot::leave`): what follows is one print,
    // or one change.
    snap.leave();
    Ok(best)
}

fn print(ctx: &Ctx, args: &NextArgs, ticket: Option<&tree::Ticket<'_>>) -> Result<Exit> {
    if args.json {
        ctx.out_json(&ticket.map(TicketJson::new))?;
    } else if let Some(t) = ticket {
        ctx.out(&format!("{}\n", t.meta.id))?;
    }
    Ok(Exit::Ok)
}
