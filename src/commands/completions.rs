//! `tix completions SHELL`: the script that registers tix with a shell's
//! completion. It calls tix back (`COMPLETE=<shell> tix -- …`) for each
//! completion, so subcommands, options and values complete, and ticket ids
//! complete from the tree the shell is in. `completions/` holds the same
//! scripts, checked in.

use super::Ctx;
use crate::cli::{CompletionsArgs, Shell};
use crate::exit::Exit;
use crate::tree::{Scan, Tree, Upkeep};
use anyhow::{Context, Result};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use clap_complete::env::Shells;

/// The variable that asks tix for completions instead of running.
pub const VAR: &str = "COMPLETE";

pub fn run(ctx: &Ctx, args: &CompletionsArgs) -> Result<Exit> {
    ctx.out(&script(args.shell)?)?;
    Ok(Exit::Ok)
}

/// The registration script for `shell`, calling `tix` from the `PATH`.
///
/// # Errors
///
/// None in practice: every shell of [`Shell`] is one the engine knows.
pub fn script(shell: Shell) -> Result<String> {
    let shells = Shells::builtins();
    let completer = shells
        .completer(shell.name())
        .with_context(|| format!("no completion for {}", shell.name()))?;
    let mut buf = Vec::new();
    completer.write_registration(VAR, "tix", "tix", "tix", &mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// The command line as completion sees it: the clap types, with ticket ids
/// offered where an id goes.
#[must_use]
pub fn command() -> clap::Command {
    let ids = || ArgValueCandidates::new(ticket_ids);
    let mut cmd = <crate::cli::Cli as clap::CommandFactory>::command();
    // The subcommands' arguments are deferred (see `cli::Command`): built
    // here, all of them, so that they can be changed.
    cmd.build();
    for sub in [
        "start", "complete", "move", "show", "history", "set", "edit",
    ] {
        cmd = cmd.mut_subcommand(sub, |s| s.mut_arg("id", |a| a.add(ids())));
    }
    cmd.mut_subcommand("new", |s| s.mut_arg("depends_on", |a| a.add(ids())))
}

/// Every ticket id of the tree found from here, with its title: read as
/// `tix list` reads it, but without the lock and writing nothing (a
/// completion must never wait or change anything).
fn ticket_ids() -> Vec<CompletionCandidate> {
    let Ok(cwd) = std::env::current_dir() else {
        return Vec::new();
    };
    let explicit = super::root_from_env().map(|r| cwd.join(r));
    let Some(tree) = crate::tree::discover(explicit.as_deref(), &cwd)
        .ok()
        .and_then(|root| Tree::open(&root, &cwd).ok())
    else {
        return Vec::new();
    };
    let Ok(snap) = tree.scan(Scan::Cached, Upkeep::Nothing) else {
        return Vec::new();
    };
    let mut tickets = tree.tickets(&snap);
    tickets.sort_by(|a, b| a.key.cmp(b.key));
    tickets
        .into_iter()
        .map(|t| {
            CompletionCandidate::new(t.meta.id.as_str()).help(Some(
                crate::text::sanitize(&t.meta.title).into_owned().into(),
            ))
        })
        .collect()
}
