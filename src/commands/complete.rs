use super::Ctx;
use crate::cli::CompleteArgs;
use crate::config::Kind;
use crate::exit::Exit;
use crate::transition::Request;
use anyhow::Result;

pub fn run(ctx: &Ctx, args: &CompleteArgs) -> Result<Exit> {
    let tree = ctx.tree()?;
    let req = Request {
        to: tree.config.first_name(Kind::Completed).to_string(),
        force: args.force,
        agent: None,
        action: crate::tree::Action::Complete,
        reason: None,
        totals: crate::transition::Totals::default(),
        check_only: false,
    };
    super::run_transition(ctx, &tree, &args.id, req)
}
