//! `tix next [--claim]`: the best ready ticket — pending, every dependency
//! completed, highest priority, then oldest. `--claim` starts it while still
//! holding the lock it was chosen under, so parallel claimers never get the
//! same ticket. Nothing ready: exit 0 and nothing on stdout (`null` with --json).

use super::Ctx;
use crate::cli::NextArgs;
use crate::config::Kind;
use crate::exit::Exit;
use crate::transition::{self, Request};
use crate::tree::{self, LockMode, Scan, State, Tree, Upkeep};
use crate::view::TicketJson;
use anyhow::Result;

pub fn run(ctx: &Ctx, args: &NextArgs) -> Result<Exit> {
    let tree = ctx.tree()?;
    if !args.claim {
        let _lock = ctx.lock(&tree, LockMode::Shared)?;
        let snap = tree.scan(Scan::Cached, Upkeep::Index)?;
        let tickets = tree.tickets(&snap);
        ctx.note_unreadable(Tree::unreadable(&snap, &tickets));
        let best = crate::registry::ready_first(&tree.config, &tickets, 1)
            .0
            .pop();
        return print(ctx, args, best.as_ref());
    }
    let lock = ctx.lock_exclusive(&tree)?;
    // Chosen from the whole tree, as `next` reads it; then started as
    // `start` starts a ticket, from the index: one registry row patched,
    // not the registry rendered whole from every ticket.
    let snap = tree.scan(Scan::Cached, Upkeep::Index)?;
    let tickets = tree.tickets(&snap);
    ctx.note_unreadable(Tree::unreadable(&snap, &tickets));
    let best = crate::registry::ready_first(&tree.config, &tickets, 1)
        .0
        .pop()
        .map(|t| tree::IdArg::Full(t.key.clone(), t.meta.id.to_string()));
    drop(tickets);
    // Left to the exit (see `Snapshot::leave`): one change follows.
    snap.leave();
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

fn print(ctx: &Ctx, args: &NextArgs, ticket: Option<&tree::Ticket<'_>>) -> Result<Exit> {
    if args.json {
        ctx.out_json(&ticket.map(TicketJson::new))?;
    } else if let Some(t) = ticket {
        ctx.out(&format!("{}\n", t.meta.id))?;
    }
    Ok(Exit::Ok)
}
