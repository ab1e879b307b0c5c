//! tix: keeps a tree of markdown tickets and its registry honest.
//!
//! Layers: [`cli`] (clap types) → [`commands`] (one file per subcommand) → the
//! domain ([`ticket`], [`tree`], [`transition`], [`registry`], [`config`]),
//! which never prints.

pub mod cli;
pub mod commands;
pub mod config;
pub mod deps;
pub mod error;
pub mod exit;
pub mod frontmatter;
pub mod hook;
pub mod id;
pub mod lines;
pub mod model;
pub mod output;
pub mod refusal;
pub mod registry;
pub mod settings;
pub mod share;
pub mod text;
pub mod ticket;
pub mod transition;
pub mod tree;
pub mod view;

use clap::Parser;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::process::ExitCode;

/// Parses, runs, and maps the outcome to an exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    // `COMPLETE=<shell> tix -- …`: a shell asking for completions (see
    // `tix completions`). Only an environment lookup otherwise.
    clap_complete::CompleteEnv::with_factory(commands::completions::command)
        .var(commands::completions::VAR)
        .completer("tix")
        .complete();
    let args: Vec<OsString> = args.into_iter().collect();
    let cli = match cli::Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            print_clap_error(&e);
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

/// Help and the version as clap writes them; a usage error on one line of
/// stderr, like every other error: `tix: <what>; usage: <usage> (see `… --help`)`.
fn print_clap_error(e: &clap::Error) {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return;
    }
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        usage_line(&e.render().to_string()).as_bytes(),
    );
}

/// clap's rendered error (`error: …`, tips, `Usage: …`, a hint) as one line.
fn usage_line(rendered: &str) -> String {
    let mut what = String::new();
    let mut usage = None;
    for line in rendered.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(u) = line.strip_prefix("Usage: ") {
            usage = Some(u.to_string());
        } else if line.starts_with("For more information") {
            continue;
        } else if let Some(m) = line.strip_prefix("error: ") {
            what.push_str(m);
        } else if what.ends_with(':') || (line.starts_with('[') && line.ends_with(']')) {
            let _ = write!(what, " {line}");
        } else {
            let _ = write!(what, " ({line})");
        }
    }
    let mut out = format!("tix: {}", output::sanitize(&what));
    if let Some(u) = usage {
        let command: Vec<&str> = u
            .split(' ')
            .take_while(|w| !w.starts_with(['[', '<']))
            .collect();
        let _ = write!(
            out,
            "; usage: {} (see `{} --help`)",
            output::sanitize(&u),
            output::sanitize(&command.join(" "))
        );
    }
    out.push('\n');
    out
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
        // A refusal is one line per unmet condition; any other error is one
        // line, whatever a path or a value in it holds.
        let refusal = err
            .chain()
            .any(|c| matches!(c.downcast_ref(), Some(error::TixError::Refused { .. })));
        let diagnostics: Vec<&str> = if refusal {
            text.lines().collect()
        } else {
            vec![text.as_str()]
        };
        let mut lines = String::new();
        for line in diagnostics {
            lines.push_str("tix: ");
            lines.push_str(&output::sanitize(line));
            lines.push('\n');
        }
        use std::io::Write;
        let _ = std::io::stderr().write_all(lines.as_bytes());
    }
    code
}
