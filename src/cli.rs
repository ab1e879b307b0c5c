//! The command line: clap types only, no I/O. It knows no domain module:
//! a ticket id is checked by the id grammar (`id.rs`, a leaf), and the rest
//! is plain values.

use crate::id::IdArg;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// `--color WHEN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Parser)]
#[command(
    name = "tix",
    version,
    about = "Keeps a tree of markdown tickets and its registry honest",
    long_about = "Keeps a tree of markdown tickets (pending/ → in-progress/ → completed/) and its \
TICKET_REGISTRY.md honest. Each command is one atomic change under a lock.\n\n\
Exit codes: 0 done or nothing to do · 1 error · 2 usage · 3 no such ticket · \
4 refused · 5 lock not acquired in time · 6 problems found"
)]
pub struct Cli {
    /// The tree's root (the folder with tix.yaml). Default: $`TIX_ROOT`, else the first
    /// folder from here up with tix.yaml or tickets/tix.yaml.
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        help_heading = "Global options"
    )]
    pub root: Option<PathBuf>,

    /// When to colour the output (`NO_COLOR` is honoured under auto).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = ColorChoice::Auto,
        value_name = "WHEN",
        help_heading = "Global options"
    )]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

/// Each subcommand's arguments are built only when it is the one used
/// (`defer`): clap built all of them on every run, a tenth of a
/// millisecond of a transition's own work.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Create a tree, or adopt an existing one in place
    Init(InitArgs),
    /// Create a ticket from a template; prints its id
    New(NewArgs),
    /// pending → `in_progress`: start working on a ticket
    Start(StartArgs),
    /// `in_progress` → completed (refused while boxes are unchecked)
    Complete(CompleteArgs),
    /// Any transition tix.yaml allows
    Move(MoveArgs),
    /// File misplaced tickets and regenerate the registry
    Sync(SyncArgs),
    /// The dashboard: counts, completion, who works on what, what is ready
    Status(StatusArgs),
    /// List tickets
    List(ListArgs),
    /// Show one ticket
    Show(ShowArgs),
    /// The audit trail
    History(HistoryArgs),
    /// The best ticket to work on next; --claim starts it
    Next(NextArgs),
    /// Handle one Claude Code hook payload (JSON on stdin); always exits 0
    Hook,
    /// Find (and with --fix repair) what an interrupted run or a hand edit left
    Doctor(DoctorArgs),
    /// Set frontmatter keys of a ticket: priority, title, labels, depends_on, agent, any other
    Set(SetArgs),
    /// Open a ticket in $VISUAL or $EDITOR; the result is checked before it is saved
    Edit(EditArgs),
    /// Move completed tickets completed long enough ago to the archive
    Archive(ArchiveArgs),
    /// Write the dashboard as one self-contained HTML file
    Report(ReportArgs),
    /// Serve the dashboard, live, and a read-only JSON API on 127.0.0.1
    Serve(ServeArgs),
    /// Print a shell's completion script (ticket ids complete too)
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where the root goes
    #[arg(default_value = "tickets")]
    pub dir: PathBuf,
    /// Also merge tix's hooks into the project's .claude/settings.json
    #[arg(long)]
    pub claude: bool,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The ticket's title
    pub title: String,
    /// critical, high, medium or low (default: the template's, else medium)
    #[arg(long, short, value_parser = ["critical", "high", "medium", "low"])]
    pub priority: Option<String>,
    /// A label (repeatable)
    #[arg(long = "label", short, value_name = "LABEL")]
    pub labels: Vec<String>,
    /// A ticket this one depends on (repeatable)
    #[arg(long = "depends-on", short, value_name = "ID", value_parser = IdArg::parse)]
    pub depends_on: Vec<IdArg>,
    /// templates/NAME.md (default: templates/default.md, else the built-in one)
    #[arg(long, short, value_name = "NAME")]
    pub template: Option<String>,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Ticket id (TIX-0007) or number (7)
    #[arg(value_parser = IdArg::parse)]
    pub id: IdArg,
    /// Who works on it (default: $`TIX_AGENT`)
    #[arg(long)]
    pub agent: Option<String>,
    /// Skip the transition rules and gates (recorded as forced)
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CompleteArgs {
    /// Ticket id (TIX-0007) or number (7)
    #[arg(value_parser = IdArg::parse)]
    pub id: IdArg,
    /// Skip the transition rules and gates (recorded as forced)
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct MoveArgs {
    /// Ticket id (TIX-0007) or number (7)
    #[arg(value_parser = IdArg::parse)]
    pub id: IdArg,
    /// A status name (`in_progress`) or its folder (in-progress)
    pub status: String,
    /// Skip the transition rules and gates (recorded as forced)
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Change nothing; exit 6 if anything is inconsistent
    #[arg(long)]
    pub check: bool,
    /// With --check: print {"ok", "problems"}
    #[arg(long, requires = "check")]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print the dashboard as one JSON document (see the README)
    #[arg(long, conflicts_with = "watch")]
    pub json: bool,
    /// Draw the dashboard again on every change to the tree, until Ctrl-C
    #[arg(long)]
    pub watch: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only these statuses (name or folder; repeatable)
    #[arg(long, short, value_name = "STATUS")]
    pub status: Vec<String>,
    /// Only tickets with this label (repeatable: every one given)
    #[arg(long, short, value_name = "LABEL")]
    pub label: Vec<String>,
    /// Only these priorities (repeatable: any one given)
    #[arg(long, short, value_name = "PRIORITY")]
    pub priority: Vec<String>,
    /// Only tickets this agent works on (`-` for none)
    #[arg(long, short, value_name = "NAME")]
    pub agent: Option<String>,
    /// Only tickets ready to start (as `tix next` picks from)
    #[arg(long)]
    pub ready: bool,
    /// Only tickets whose title holds TEXT (any case)
    #[arg(long, short, value_name = "TEXT")]
    pub title: Option<String>,
    /// Order: board (status order, then id), id, priority, created, updated, title
    #[arg(long, value_enum, default_value_t = ListSort::Board)]
    pub sort: ListSort,
    /// Print the tickets as a JSON array (see the README)
    #[arg(long)]
    pub json: bool,
}

/// `tix list --sort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListSort {
    Board,
    Id,
    Priority,
    Created,
    Updated,
    Title,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Ticket id (TIX-0007) or number (7)
    #[arg(value_parser = IdArg::parse)]
    pub id: IdArg,
    /// Print the ticket, with its body, as a JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only this ticket
    #[arg(value_parser = IdArg::parse)]
    pub id: Option<IdArg>,
    /// Print the events as a JSON array, oldest first
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct NextArgs {
    /// Start it, in the same locked step (no two claimers get the same ticket)
    #[arg(long)]
    pub claim: bool,
    /// Who claims it (default: $`TIX_AGENT`)
    #[arg(long, requires = "claim")]
    pub agent: Option<String>,
    /// Print the ticket as a JSON object (null when nothing is ready)
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// Ticket id (TIX-0007) or number (7)
    #[arg(value_parser = IdArg::parse)]
    pub id: IdArg,
    /// `key=value`: labels and depends_on take a comma list; an empty value
    /// removes the key (or empties a list)
    #[arg(required = true, value_name = "KEY=VALUE")]
    pub changes: Vec<String>,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// Ticket id (TIX-0007) or number (7)
    #[arg(value_parser = IdArg::parse)]
    pub id: IdArg,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port (0: any free one; the address is printed)
    #[arg(long, default_value_t = 8765)]
    pub port: u16,
    /// Listen on another address than 127.0.0.1 (anyone who reaches it reads the tickets)
    #[arg(long, value_name = "ADDRESS")]
    pub address: Option<std::net::IpAddr>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Where to write it (`-` for stdout)
    #[arg(long, value_name = "FILE")]
    pub html: PathBuf,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The shells `tix completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

impl Shell {
    pub const ALL: [Shell; 5] = [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::Powershell,
    ];

    /// Its name, as the shell completion engine knows it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
            Shell::Elvish => "elvish",
            Shell::Powershell => "powershell",
        }
    }

    /// The file in `completions/` that holds its script.
    #[must_use]
    pub fn file_name(self) -> &'static str {
        match self {
            Shell::Bash => "tix.bash",
            Shell::Zsh => "_tix",
            Shell::Fish => "tix.fish",
            Shell::Elvish => "tix.elv",
            Shell::Powershell => "_tix.ps1",
        }
    }
}

#[derive(Debug, Args)]
pub struct ArchiveArgs {
    /// Archive tickets completed more than DAYS days ago
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub older_than: u32,
    /// Print what would be archived; change nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Repair what can be repaired (never deleting a ticket's bytes)
    #[arg(long)]
    pub fix: bool,
    /// Print {"ok", "problems"} as JSON
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_option_says_what_it_does_and_global_ones_come_last() {
        // Built first: the subcommands' arguments are added only then
        // (`defer`), and the loop would check none.
        let mut cli = Cli::command();
        cli.build();
        let mut checked = Vec::new();
        for sub in cli.get_subcommands() {
            for arg in sub.get_arguments() {
                assert!(
                    arg.get_help().is_some(),
                    "tix {} --{} has no help text",
                    sub.get_name(),
                    arg.get_id()
                );
                checked.push(format!("{} {}", sub.get_name(), arg.get_id()));
            }
        }
        assert!(checked.iter().any(|a| a == "list json"), "{checked:?}");
        let mut list = Cli::command();
        list.build();
        let help = list
            .find_subcommand_mut("list")
            .unwrap()
            .render_help()
            .to_string();
        let (own, global) = help.split_once("Global options:").unwrap();
        assert!(own.contains("--json") && !own.contains("--root"), "{help}");
        assert!(
            global.contains("--root") && global.contains("--color"),
            "{help}"
        );
    }
}
