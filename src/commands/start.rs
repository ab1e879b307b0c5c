use super::Ctx;
use crate::cli::StartArgs;
use crate::config::IN_PROGRESS;
use crate::exit::Exit;
use crate::transition::Request;
use anyhow::Result;

pub fn run(ctx: &Ctx, args: &StartArgs) -> Result<Exit> {
    let tree = ctx.tree()?;
    let req = Request {
        to: IN_PROGRESS.into(),
        force: args.force,
        agent: ctx.agent(&args.agent),
        action: "start",
        reason: None,
        totals: Default::default(),
    };
    super::run_transition(ctx, &tree, &args.id, req)
}
