//! tix: keeps a tree of markdown tickets and its registry honest.
//!
//! Layers: [`cli`] (clap types) → [`commands`] (one file per subcommand) → the
//! domain ([`ticket`], [`tree`], [`transition`], [`registry`], [`config`]),
//! which never prints.

pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod exit;
pub mod hook;
pub mod lines;
pub mod output;
pub mod registry;
pub mod settings;
pub mod text;
pub mod ticket;
pub mod transition;
pub mod tree;
pub mod view;

use clap::Parser;
use std::ffi::OsString;
use std::process::ExitCode;

/// Parses, runs, and maps the outcome to an exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let args: Vec<OsString> = args.into_iter().collect();
    let cli = match cli::Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Claude Code reads exit 2 from a hook as "block": `tix hook` with
            // bad arguments still exits 0.
            if is_hook(&args) {
                return ExitCode::SUCCESS;
            }
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    match commands::dispatch(cli) {
        Ok(exit) => exit.into(),
        Err(err) => report(&err).into(),
    }
}

/// Whether the subcommand is `hook` (the first word that is not an option or
/// an option's value).
fn is_hook(args: &[OsString]) -> bool {
    let mut words = args.iter().skip(1);
    while let Some(w) = words.next() {
        let w = w.to_string_lossy();
        if w == "--root" || w == "--color" {
            words.next();
        } else if !w.starts_with('-') {
            return w == "hook";
        }
    }
    false
}

/// Prints an error on stderr (one line per diagnostic, nothing for a broken
/// pipe) and returns its exit code.
fn report(err: &anyhow::Error) -> exit::Exit {
    let code = exit::Exit::of(err);
    if code != exit::Exit::Ok {
        let text = format!("{err:#}");
        let mut lines = String::new();
        for line in text.lines() {
            lines.push_str("tix: ");
            lines.push_str(&output::sanitize(line));
            lines.push('\n');
        }
        use std::io::Write;
        let _ = std::io::stderr().write_all(lines.as_bytes());
    }
    code
}
