//! One file per subcommand, each a short script over the domain. Only this
//! layer writes to stdout and stderr.

mod archive;
mod complete;
pub mod completions;
mod doctor;
mod edit;
mod history;
mod hook;
mod init;
mod list;
mod mv;
pub mod new;
mod next;
mod report;
mod serve;
mod set;
mod show;
mod start;
mod status;
mod sync;

use crate::cli::{Cli, Command};
use crate::exit::Exit;
use crate::output::{self, Streams};
use crate::transition::{Actor, Outcome};
use crate::tree::{self, Lock, LockMode, Tree, Who};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use std::io::Write;
use std::path::PathBuf;

/// `TIX_ROOT`, when it is set and not empty.
#[must_use]
pub fn root_from_env() -> Option<PathBuf> {
    std::env::var_os("TIX_ROOT")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// What every command needs, resolved once.
pub struct Ctx {
    pub cwd: PathBuf,
    pub root_arg: Option<PathBuf>,
    pub streams: Streams,
    pub now: DateTime<Utc>,
}

pub fn dispatch(cli: Cli) -> Result<Exit> {
    if let Command::Hook = cli.command {
        // The hook never fails, not even before it starts.
        return Ok(hook::run(&Ctx::for_hook(&cli)));
    }
    let ctx = Ctx::new(&cli)?;
    match &cli.command {
        Command::Init(a) => init::run(&ctx, a),
        Command::New(a) => new::run(&ctx, a),
        Command::Start(a) => start::run(&ctx, a),
        Command::Complete(a) => complete::run(&ctx, a),
        Command::Move(a) => mv::run(&ctx, a),
        Command::Sync(a) => sync::run(&ctx, a),
        Command::Status(a) => status::run(&ctx, a),
        Command::List(a) => list::run(&ctx, a),
        Command::Show(a) => show::run(&ctx, a),
        Command::History(a) => history::run(&ctx, a),
        Command::Next(a) => next::run(&ctx, a),
        Command::Hook => Ok(hook::run(&ctx)),
        Command::Doctor(a) => doctor::run(&ctx, a),
        Command::Set(a) => set::run(&ctx, a),
        Command::Edit(a) => edit::run(&ctx, a),
        Command::Archive(a) => archive::run(&ctx, a),
        Command::Completions(a) => completions::run(&ctx, a),
        Command::Report(a) => report::run(&ctx, a),
        Command::Serve(a) => serve::run(&ctx, a),
    }
}

impl Ctx {
    fn new(cli: &Cli) -> Result<Ctx> {
        let cwd = std::env::current_dir().context("cannot read the working directory")?;
        let root_arg = cli.root.clone().or_else(root_from_env);
        // TIX_NOW (hidden, for tests and demos) fixes the clock.
        let now = match std::env::var("TIX_NOW") {
            Ok(s) => DateTime::parse_from_rfc3339(&s)
                .with_context(|| format!("TIX_NOW={s:?} is not an RFC 3339 time"))?
                .with_timezone(&Utc),
            Err(_) => Utc::now(),
        };
        Ok(Ctx {
            cwd,
            root_arg,
            streams: Streams::detect(cli.color),
            now,
        })
    }

    /// The context of `tix hook`, which cannot fail: a working directory that
    /// is gone is replaced by the project's, a bad `TIX_NOW` by the clock.
    fn for_hook(cli: &Cli) -> Ctx {
        let cwd = std::env::current_dir()
            .ok()
            .or_else(|| std::env::var_os("CLAUDE_PROJECT_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("/"));
        let root_arg = cli.root.clone().or_else(root_from_env);
        let now = std::env::var("TIX_NOW")
            .ok()
            .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
            .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
        Ctx {
            cwd,
            root_arg,
            streams: Streams::detect(cli.color),
            now,
        }
    }

    /// Finds and opens the tree.
    pub fn tree(&self) -> Result<Tree> {
        let explicit = self.root_arg.as_ref().map(|r| self.cwd.join(r));
        let root = tree::discover(explicit.as_deref(), &self.cwd)?;
        Tree::open(&root, &self.cwd)
    }

    pub fn lock(&self, tree: &Tree, mode: LockMode) -> Result<Lock> {
        tree.lock(mode, &mut |m| self.note(m))
    }

    /// The exclusive lock, for a change.
    pub fn lock_exclusive(&self, tree: &Tree) -> Result<tree::Exclusive> {
        tree.lock_exclusive(&mut |m| self.note(m))
    }

    #[must_use]
    pub fn actor(&self) -> Actor {
        Actor {
            actor: Who::User,
            ..Actor::default()
        }
    }

    /// `--agent`, else `TIX_AGENT`.
    /// An empty or blank name is no name.
    #[must_use]
    pub fn agent(&self, arg: &Option<String>) -> Option<String> {
        let name = |s: String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        arg.clone()
            .and_then(name)
            .or_else(|| std::env::var("TIX_AGENT").ok().and_then(name))
    }

    /// Data on stdout.
    pub fn out(&self, text: &str) -> Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(())
    }

    /// What `write` writes, on stdout through a buffer (never whole in memory).
    pub fn out_with(
        &self,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<()> {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        write(&mut out)?;
        out.flush()?;
        Ok(())
    }

    /// One JSON document on stdout, streamed (no copy of it in memory), then a newline.
    pub fn out_json<T: serde::Serialize>(&self, value: &T) -> Result<()> {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from)?;
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(())
    }

    /// A human message on stderr, `tix: ` first, sanitised.
    pub fn note(&self, text: &str) {
        let line = format!("tix: {}\n", output::sanitize(text));
        let _ = std::io::stderr().write_all(line.as_bytes());
    }

    /// Says on stderr that `n` tickets were left out because they could not
    /// be read (nothing when `n` is 0).
    pub fn note_unreadable(&self, n: usize) {
        if n > 0 {
            let (verb, pronoun) = if n == 1 {
                ("was", "it")
            } else {
                ("were", "them")
            };
            self.note(&format!(
                "{} could not be read and {verb} left out (`tix sync --check` lists {pronoun})",
                count(n, "ticket")
            ));
        }
    }

    /// Tells what a transition did.
    pub fn report(&self, tree: &Tree, outcome: &Outcome) {
        match outcome {
            Outcome::Changed { id, from, to, rel } => {
                self.note(&format!("{id}: {from} → {to} ({})", tree.show(rel)));
            }
            Outcome::Assigned {
                id,
                status,
                agent,
                previous,
                rel,
            } => self.note(&match previous {
                Some(p) => format!(
                    "{id}: agent {p} → {agent}, still {status} ({})",
                    tree.show(rel)
                ),
                None => format!(
                    "{id}: agent set to {agent}, still {status} ({})",
                    tree.show(rel)
                ),
            }),
            Outcome::Unchanged { id, status, .. } => {
                self.note(&format!("{id} is already {status}; nothing to do"));
            }
        }
    }
}

/// The script of `start`, `complete` and `move`: lock, find, apply, report.
fn run_transition(
    ctx: &Ctx,
    tree: &Tree,
    id: &tree::IdArg,
    req: crate::transition::Request,
) -> Result<Exit> {
    let lock = ctx.lock_exclusive(tree)?;
    let mut state = tree::State::open(tree, &lock)?;
    let entry = state.find(id)?;
    let outcome = crate::transition::apply(tree, &mut state, &entry, &req, &ctx.actor(), ctx.now)?;
    ctx.report(tree, &outcome);
    Ok(Exit::Ok)
}

/// How many groups of problems a summary shows, and files per group.
const GROUPS_SHOWN: usize = 8;
const FILES_SHOWN: usize = 3;

/// Problems for people, at most about 20 lines however many: a line per kind
/// of trouble with its count and what to do, then (`with_files`) its first files.
#[must_use]
pub fn problem_summary(tree: &Tree, problems: &[tree::Problem], with_files: bool) -> Vec<String> {
    let groups = tree::groups::group(problems);
    let mut out = Vec::new();
    for g in groups.iter().take(GROUPS_SHOWN) {
        out.push(format!(
            "  {} × {} — {}",
            g.problems.len(),
            g.title(),
            g.hint()
        ));
        if !with_files {
            continue;
        }
        let mut files: Vec<String> = g
            .problems
            .iter()
            .take(FILES_SHOWN)
            .map(|p| {
                let line = p.line.map(|l| format!(":{l}")).unwrap_or_default();
                format!("{}{line}", tree.show(&p.path))
            })
            .collect();
        if g.problems.len() > FILES_SHOWN {
            files.push(format!("and {} more", g.problems.len() - FILES_SHOWN));
        }
        out.push(format!("      {}", files.join(", ")));
    }
    if groups.len() > GROUPS_SHOWN {
        let rest: usize = groups[GROUPS_SHOWN..]
            .iter()
            .map(|g| g.problems.len())
            .sum();
        out.push(format!(
            "  and {} of {} other kinds",
            count(rest, "problem"),
            groups.len() - GROUPS_SHOWN
        ));
    }
    out
}

pub use crate::text::count;
