use super::Ctx;
use crate::cli::StartArgs;
use crate::config::Kind;
use crate::exit::Exit;
use crate::transition::Request;
use anyhow::Result;

pub fn run(ctx: &Ctx, args: &StartArgs) -> Result<Exit> {
    let tree = ctx.tree()?;
    let req = Request {
        to: tree.config.first_name(Kind::InProgress).to_string(),
        force: args.force,
        agent: ctx.agent(&args.agent),
        action: crate::tree::Action::Start,
        reason: None,
        totals: crate::transition::Totals::default(),
        check_only: false,
    };
    super::run_transition(ctx, &tree, &args.id, req)
}
