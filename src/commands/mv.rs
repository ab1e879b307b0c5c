//! `tix move` (`move` is a keyword).
use super::Ctx;
use crate::cli::MoveArgs;
use crate::error::TixError;
use crate::exit::Exit;
use crate::transition::Request;
use anyhow::Result;

pub fn run(ctx: &Ctx, args: &MoveArgs) -> Result<Exit> {
    let tree = ctx.tree()?;
    let Some(to) = tree.config.status_by_name_or_dir(&args.status) else {
        return Err(TixError::Usage(format!(
            "unknown status {:?} (expected one of {})",
            args.status,
            tree.config.status_names().join(", ")
        ))
        .into());
    };
    let req = Request {
        to: to.name.clone(),
        force: args.force,
        agent: ctx.agent(&None),
        action: crate::tree::Action::Move,
        reason: None,
        totals: crate::transition::Totals::default(),
        check_only: false,
    };
    super::run_transition(ctx, &tree, &args.id, req)
}
