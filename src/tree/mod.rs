//! The tickets tree on disk. `discover` finds its root and `lock` guards
//! it; `entry` is what tix records of a ticket file, `scan` reads the
//! whole tree and `index` remembers it; `find` turns an id into one file;
//! `state` is the one way files change ([`State::commit`]), journaling its
//! intent (`journal`) so that a killed run is finished or rolled back by the
//! next one; `problems`, `doctor` and `registry_file` check, repair and
//! write what is derived; `runs` tracks Claude Code's agent runs.

mod discover;
mod doctor;
mod entry;
mod find;
mod found;
pub mod fsx;
pub mod groups;
pub mod index;
pub mod journal;
mod lock;
mod problems;
mod ready;
mod rebuild;
mod registry_file;
pub mod runs;
mod scan;
mod state;
pub mod watch;

pub use crate::model::{FastMap, Problem, ProblemKind, Ticket};
pub use crate::ticket::IdArg;
pub use discover::{discover, display_path, make_state_dir};
pub use doctor::Finding;
pub use entry::{Change, Entry, Snapshot, Stamp, file_name, join_rel, parent_dir, top_dir};
pub use found::{Found, Proof, Synced};
pub use lock::{Exclusive, Lock, LockMode};
pub use ready::{BY_INDEX_FROM, Dash, Listed, Open, Want};
pub use scan::{Below, Scan, Upkeep, dir_stamp, each_ticket_file};
pub use state::State;

use crate::config::{self, Config, Kind};
use crate::ticket::{self, Doc, IdKey, Malformed, Meta};
use anyhow::{Context, Result, bail};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub use journal::{Action, Event, Who};

pub const STATE_DIR: &str = ".tix";
pub const REGISTRY: &str = "TICKET_REGISTRY.md";
pub const TEMPLATES: &str = "templates";
/// `.tix/.gitignore`: the audit log and the id counter are committed with the
/// tree; the rest of tix's state stays in each checkout.
pub const STATE_GITIGNORE: &str = "\
# tix's state. Committed with the tree: the audit log (events.jsonl) and the
# highest id given out (last-id), merged by git's union driver (../.gitattributes).
# Local to each checkout: the lock, the journal, caches, runs in progress, logs.
*
!.gitignore
!events.jsonl
!last-id
";
/// What `.tix/.gitignore` said while the audit log was kept out of git.
pub const OLD_STATE_GITIGNORE: &str = "# tix tool state: lock, journal, index, audit log\n*\n";
/// The lines of the root's `.gitattributes`: git's built-in union merge
/// needs no per-clone setup and never conflicts, so branches that each
/// changed tickets, logged events or gave out ids merge cleanly.
pub const GITATTRIBUTES: &str =
    "TICKET_REGISTRY.md merge=union\n.tix/events.jsonl merge=union\n.tix/last-id merge=union\n";

#[derive(Debug)]
pub struct Tree {
    pub root: PathBuf,
    /// How the root is shown to the user (relative to the working directory when inside it).
    pub display_root: String,
    pub config: Config,
    /// The folders of files found edited in place (written over: their
    /// folders' stamps as the index has them) by a check that the index is
    /// exactly the tree; see [`Tree::retried`].
    edited: std::sync::Mutex<Edited>,
}

/// What [`Tree::is_exact`] found of files edited in place.
#[derive(Debug, Default)]
struct Edited {
    /// Their folders, listed again by every [`Tree::current`] from then on.
    dirs: Vec<String>,
    /// Whether the last check failed only for such files, in folders not
    /// listed yet: a second try lists them ([`Tree::retried`]).
    fresh: bool,
}

impl Tree {
    pub fn open(root: &Path, cwd: &Path) -> Result<Tree> {
        let root = if root.is_absolute() {
            root.to_path_buf()
        } else {
            cwd.join(root)
        };
        let root = root
            .canonicalize()
            .with_context(|| format!("{}: cannot open the tree", root.display()))?;
        let cwd = cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf());
        let display_root = display_path(&root, &cwd);
        let cfg_path = root.join(config::FILE_NAME);
        let cfg_shown = join_shown(&display_root, config::FILE_NAME);
        let text =
            fs::read_to_string(&cfg_path).with_context(|| format!("failed to read {cfg_shown}"))?;
        let config = Config::parse(&text).map_err(|e| match e.line {
            Some(l) => anyhow::anyhow!("{cfg_shown}:{l}: {}", e.message),
            None => anyhow::anyhow!("{cfg_shown}: {}", e.message),
        })?;
        Ok(Tree {
            root,
            display_root,
            config,
            edited: std::sync::Mutex::default(),
        })
    }

    /// A path relative to the root, as shown to the user.
    #[must_use]
    pub fn show(&self, rel: &str) -> String {
        join_shown(&self.display_root, rel)
    }

    #[must_use]
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    #[must_use]
    pub fn state_dir(&self) -> PathBuf {
        self.root.join(STATE_DIR)
    }

    #[must_use]
    pub fn index_path(&self) -> PathBuf {
        self.root.join(STATE_DIR).join("index")
    }

    #[must_use]
    pub fn fingerprint(&self) -> String {
        self.config
            .statuses
            .iter()
            .map(|s| {
                // Whether a closed status counts as done is in the registry's
                // completion line: an index made before it changed vouches
                // for no registry.
                format!(
                    "{}={}:{}:{}:{}:{}",
                    s.name,
                    s.dir.as_deref().unwrap_or(""),
                    s.kind.name(),
                    s.ready,
                    s.done,
                    s.aliases.join(",")
                )
            })
            .chain(self.config.ticket_dirs.iter().map(|d| format!("*={d}")))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// Every folder that holds tickets: the status folders, then the
    /// `ticket_dirs` of a flat tree.
    pub fn folders(&self) -> impl Iterator<Item = &str> {
        self.config
            .statuses
            .iter()
            .filter_map(|s| s.dir.as_deref())
            .chain(self.config.ticket_dirs.iter().map(String::as_str))
    }

    /// Where the ticket at `rel` goes when it moves to the status folder
    /// `to`: the same sub-folder and name below it (`completed/s1/T.md` →
    /// `in-progress/s1/T.md`). A sub-folder that mirrors a flat folder
    /// (Backlog.md's `archive/tasks/` beside `tasks/`) is not kept:
    /// `archive/tasks/T.md` → `completed/T.md`. Into the root (`""`), only
    /// the name goes: tix reads no sub-folder of the root.
    #[must_use]
    pub fn moved_to(&self, rel: &str, to: &str) -> String {
        if to.is_empty() {
            return file_name(rel).to_string();
        }
        let below = rel.split_once('/').map_or(rel, |(_, below)| below);
        let below = match below.split_once('/') {
            Some((sub, rest)) if self.is_flat(sub) => rest,
            _ => below,
        };
        join_rel(to, below)
    }

    /// Whether `dir` holds tickets of any status (nothing is moved out of it).
    #[must_use]
    pub fn is_flat(&self, dir: &str) -> bool {
        self.config.ticket_dirs.iter().any(|d| d == dir)
    }

    /// The status whose folder is `dir`.
    #[must_use]
    pub fn folder_status(&self, dir: &str) -> Option<&str> {
        self.config
            .statuses
            .iter()
            .find(|s| s.dir.as_deref() == Some(dir))
            .map(|s| s.name.as_str())
    }

    // ------------------------------------------------------------ files

    /// Errors unless `dir` (resolved through symlinks) is inside the root.
    pub fn ensure_inside(&self, dir: &Path) -> Result<()> {
        let real = dir
            .canonicalize()
            .with_context(|| format!("failed to resolve {}", dir.display()))?;
        if real.starts_with(&self.root) {
            Ok(())
        } else {
            bail!(
                "{}: refused: it leads outside the tree ({}) through a symlink",
                display_path(dir, &self.root),
                real.display()
            )
        }
    }

    /// The metadata of a symlink's target, if it stays inside the root.
    fn inside_root(&self, link: &Path) -> Option<fs::Metadata> {
        let target = link.canonicalize().ok()?;
        target
            .starts_with(&self.root)
            .then(|| fs::metadata(&target).ok())?
    }

    /// Parses a ticket's bytes and checks its id against its file name.
    pub fn parse_bytes(&self, rel: &str, bytes: &[u8]) -> Result<Meta, Malformed> {
        self.parse_keyed(rel, bytes).map(|(meta, _)| meta)
    }

    /// [`Tree::parse_bytes`], and the id's key that the check of the file
    /// name made: what an [`Entry`] of the ticket holds, not made again.
    pub(crate) fn parse_keyed(
        &self,
        rel: &str,
        bytes: &[u8],
    ) -> Result<(Meta, Option<IdKey>), Malformed> {
        let text = std::str::from_utf8(bytes).map_err(|e| Malformed {
            line: Some(
                1 + bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count(),
            ),
            message: "not UTF-8 text".into(),
        })?;
        if let Some(c) = ticket::conflict(text) {
            return Err(Malformed {
                line: Some(c.line),
                message: "git left conflict markers: two branches changed this ticket (`tix doctor --fix` settles a conflict in the frontmatter)".into(),
            });
        }
        let status_of = |v: &str| {
            self.config
                .read_status(v)
                .map(|s| s.name.clone())
                .ok_or_else(|| {
                    format!(
                        "unknown status {} (expected {}, in any case, or a folder's name or an alias)",
                        ticket::quote(v),
                        self.config.status_names().join(", ")
                    )
                })
        };
        let name = file_name(rel);
        // A ticket without frontmatter is read as it is (bold fields).
        if ticket::opens_frontmatter(text) {
            let doc = Doc::parse(text)?;
            let body = if doc.lacks_id_or_title() {
                ticket::BodyFields::read(text, doc.split.body, name)
            } else {
                ticket::BodyFields::default()
            };
            let meta = doc.meta_with(&status_of, &body)?;
            named_as(name, meta, || doc.line_of_key("id").or(body.line("id")))
        } else {
            let fields = ticket::BodyFields::read(text, 0, name);
            let meta = ticket::meta_without_frontmatter(text, &fields, &status_of)?;
            named_as(name, meta, || fields.line("id"))
        }
    }

    // ------------------------------------------------------------ queries

    /// The status of a ticket whose file says `said` (a configured status's
    /// name) and that sits in the folder `dir`: what the file says, else its
    /// folder's status (in a flat folder, the status new tickets get). A
    /// ticket put away in an archive-kind folder is archived whatever its file
    /// says, unless it is closed (a completed ticket stays completed there).
    #[must_use]
    pub fn status_in<'a>(&'a self, said: Option<&'a str>, dir: &str) -> Option<&'a str> {
        match said {
            // Checked per ticket on every read: the kind is compared first.
            Some(s) => match self
                .config
                .statuses
                .iter()
                .find(|st| st.kind == Kind::Archived && st.dir.as_deref() == Some(dir))
            {
                Some(archive) if !self.config.is_closed(s) => Some(&archive.name),
                _ => Some(s),
            },
            None if self.is_flat(dir) => Some(self.config.new_status().name.as_str()),
            None => self.folder_status(dir),
        }
    }

    /// An entry as a ticket with its effective status; `None` when it did not parse.
    #[must_use]
    pub fn ticket_of<'s>(&'s self, e: &'s Entry) -> Option<Ticket<'s>> {
        let meta = e.parsed.as_ref().ok()?;
        let key = e.key.as_ref()?;
        let status = self.status_in(meta.status.as_deref(), e.dir())?;
        Some(Ticket {
            key,
            rel: &e.rel,
            meta,
            status,
            kind: self.config.kind_of(status)?,
        })
    }

    /// Whether an entry that parsed sits in the folder of its status.
    pub(crate) fn misplaced(&self, e: &Entry) -> bool {
        e.parsed
            .as_ref()
            .ok()
            .and_then(|m| m.status.as_deref())
            .is_some_and(|s| self.wanted_dir(s, e.dir()).is_some())
    }

    /// The folder a ticket whose file says `status` and that sits in `dir`
    /// belongs in, when that is not `dir`. `None` when it is where it belongs,
    /// in a flat folder (`ticket_dirs`), put away in an archive folder (it is
    /// archived there, see [`Tree::status_in`]), or its status has no folder.
    #[must_use]
    pub fn wanted_dir(&self, status: &str, dir: &str) -> Option<&str> {
        let st = self.config.status(status)?;
        let want = st.dir.as_deref()?;
        (want != dir && !self.is_flat(dir) && !self.is_archive(dir)).then_some(want)
    }

    /// Where ticket `t` goes when it is in the wrong folder ([`Tree::wanted_dir`]):
    /// its new path, and the statuses its folder and its file say (the
    /// move's event is from the one to the other).
    #[must_use]
    pub fn refile_to<'a>(&'a self, t: &Ticket<'a>) -> Option<(String, (&'a str, &'a str))> {
        let status = t.meta.status.as_deref()?;
        let dir = top_dir(t.rel);
        let want = self.wanted_dir(status, dir)?;
        let from = self.folder_status(dir).unwrap_or(dir);
        Some((self.moved_to(t.rel, want), (from, status)))
    }

    /// Whether `dir` is the folder of an archived-kind status.
    #[must_use]
    pub fn is_archive(&self, dir: &str) -> bool {
        self.folder_status(dir)
            .is_some_and(|f| self.config.is(f, Kind::Archived))
    }

    /// Where a ticket at `rel` goes when it moves to the status `to`: that
    /// status's folder or, for a status without one, the first flat folder
    /// (out of an archive, say). `None`: it stays where it is (it sits in a
    /// flat folder, or there is nowhere else to go).
    #[must_use]
    pub fn destination(&self, rel: &str, to: &str) -> Option<String> {
        let dir = top_dir(rel);
        if self.is_flat(dir) {
            return None;
        }
        let folder = match self.config.status(to)?.dir.as_deref() {
            Some(d) => d,
            None => self.config.ticket_dirs.first()?,
        };
        Some(self.moved_to(rel, folder))
    }

    /// Every ticket that parsed, with its effective status.
    #[must_use]
    pub fn tickets<'s>(&'s self, snap: &'s Snapshot) -> Vec<Ticket<'s>> {
        self.tickets_of(&snap.entries)
    }

    /// The tickets of those `entries` that parsed, with their effective
    /// status, in their order.
    #[must_use]
    pub fn tickets_of<'s>(&'s self, entries: &'s [Entry]) -> Vec<Ticket<'s>> {
        // Sized once: grown ticket by ticket it reserved up to twice that.
        let mut out = Vec::with_capacity(entries.len());
        out.extend(entries.iter().filter_map(|e| self.ticket_of(e)));
        out
    }

    /// Records `num` as the highest number given out for `prefix`: written,
    /// and synced by [`journal::Counter::sync`] (what the counter held
    /// before is kept there, for [`Tree::forget_id`]).
    ///
    /// # Errors
    ///
    /// An error writing `.tix/last-id`.
    pub fn remember_id(&self, prefix: &str, num: u64) -> Result<journal::Counter> {
        journal::set_last_id(&self.state_dir(), prefix, num).context("failed to write .tix/last-id")
    }

    /// Puts the id counter back as [`Tree::remember_id`] found it (a creation
    /// that failed gives out no id).
    ///
    /// # Errors
    ///
    /// An error writing `.tix/last-id`.
    pub fn forget_id(&self, before: Option<&str>) -> Result<()> {
        journal::restore_last_id(&self.state_dir(), before).context("failed to write .tix/last-id")
    }
}

/// `meta`, if the file name `name` agrees with its id: a name may carry no
/// id, or another tool's spelling of it (`feature-004-x.md` for FEAT-004); a
/// name starting with another id of the same prefix is a copy left
/// unrenamed. `id_line` (wanted only then) says where the id is.
fn named_as(
    name: &str,
    meta: Meta,
    id_line: impl FnOnce() -> Option<usize>,
) -> Result<(Meta, Option<IdKey>), Malformed> {
    // The id shares the ticket's packed text: no copy is made to compare.
    let key = IdKey::parse_text(&meta.id);
    if key
        .as_ref()
        .is_some_and(|id| IdKey::file_name_contradicts(name, id))
    {
        return Err(Malformed {
            line: id_line(),
            message: format!(
                "id {} does not match the file name (expected {}.md or {}-<slug>.md)",
                meta.id, meta.id, meta.id
            ),
        });
    }
    Ok((meta, key))
}

/// `f` over `items` on up to four threads (one a core), in order. The
/// threads fill one vector in place, block by block, each slot once
/// (`Some`, or the scope has panicked with the thread that did): the
/// results are held once, not once in each thread and again when put
/// together, and a caller may collect them into the same allocation (at
/// 10,000 tickets, 6 MB less at the peak of `sync --check`).
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<Option<R>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(4);
    parallel_map_on(threads, items, f)
}

/// [`parallel_map`] on `threads` threads (on the calling thread alone below
/// two, or for fewer than 512 items).
fn parallel_map_on<T: Sync, R: Send>(
    threads: usize,
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> Vec<Option<R>> {
    if threads < 2 || items.len() < 512 {
        return items.iter().map(|x| Some(f(x))).collect();
    }
    let mut out: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    // Blocks handed out one at a time: a thread that shares its core (with
    // the index's decoding, say) takes fewer, and all finish together. (The
    // calling thread waits: taking a share itself, it mixed results from
    // its own heap arena with the others' and `sync --check` at 10,000
    // tickets peaked 0.5 MiB higher.)
    let block = items.len().div_ceil(threads * 16).max(64);
    let blocks = std::sync::Mutex::new(items.chunks(block).zip(out.chunks_mut(block)));
    let work = || {
        loop {
            let Some((c, o)) = blocks.lock().unwrap_or_else(|p| p.into_inner()).next() else {
                return;
            };
            for (x, slot) in c.iter().zip(o) {
                *slot = Some(f(x));
            }
        }
    };
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(work);
        }
    });
    out
}

/// What a scoped thread gave back; its panic, if it panicked, goes on in
/// the caller.
#[must_use]
pub fn joined<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
}

fn join_shown(display_root: &str, rel: &str) -> String {
    if display_root == "." || display_root.is_empty() {
        rel.to_string()
    } else {
        format!("{}/{}", display_root.trim_end_matches('/'), rel)
    }
}

/// `TIX_FAILPOINT` in a debug build; `None` in release builds, which compile
/// every failpoint to nothing.
fn failpoint_value() -> Option<String> {
    cfg!(debug_assertions)
        .then(|| std::env::var("TIX_FAILPOINT").ok())
        .flatten()
}

/// Whether a debug build runs with `TIX_FAILPOINT=<name>`.
#[must_use]
pub fn failpoint_set(name: &str) -> bool {
    failpoint_value().is_some_and(|v| v == name)
}

/// In debug builds, `TIX_FAILPOINT=<name>` aborts the process at that step (for
/// crash tests); release builds compile this to nothing.
pub fn failpoint(name: &str) {
    if failpoint_set(name) {
        let _ = io::stderr().write_all(format!("tix: failpoint {name}: aborting\n").as_bytes());
        std::process::abort();
    }
}

/// In debug builds, `TIX_FAILPOINT=full:<name>` fails that step as a full
/// disk does (ENOSPC), to test that a failed write is undone.
///
/// # Errors
///
/// "No space left on device", when asked for.
pub fn failpoint_error(name: &str) -> io::Result<()> {
    if failpoint_value().is_some_and(|v| v.strip_prefix("full:") == Some(name)) {
        return Err(io::Error::from_raw_os_error(28));
    }
    Ok(())
}

/// In debug builds, `TIX_FAILPOINT=<name>` panics at that step (to test that
/// a panic is caught where the contract says it must be).
pub fn failpoint_panic(name: &str) {
    if failpoint_set(name) {
        panic!("failpoint {name}");
    }
}

/// Reads a ticket for a transition: fresh bytes, parsed; malformed is an error
/// naming the file and line (exit 1).
pub fn read_ticket(tree: &Tree, rel: &str) -> Result<(String, Meta)> {
    let path = tree.path(rel);
    if fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink())
        && tree.inside_root(&path).is_none()
    {
        bail!(
            "{}: refused: a symlink that leaves the root; nothing was read or changed",
            tree.show(rel)
        );
    }
    let bytes = fs::read(&path).with_context(|| format!("failed to read {}", tree.show(rel)))?;
    match tree.parse_bytes(rel, &bytes) {
        Ok(meta) => Ok((String::from_utf8(bytes).unwrap_or_default(), meta)),
        Err(m) => Err(malformed_error(tree, rel, &m)),
    }
}

#[must_use]
pub fn malformed_error(tree: &Tree, rel: &str, m: &Malformed) -> anyhow::Error {
    match m.line {
        Some(l) => anyhow::anyhow!("{}:{l}: {}", tree.show(rel), m.message),
        None => anyhow::anyhow!("{}: {}", tree.show(rel), m.message),
    }
}

/// `ticket::edit` with its refusal turned into an error naming the file.
pub fn edit_ticket(
    tree: &Tree,
    rel: &str,
    text: &str,
    changes: &[(&str, ticket::NewValue)],
) -> Result<String> {
    ticket::edit(text, changes).map_err(|m| malformed_error(tree, rel, &m))
}

/// Trees the unit tests build.
#[cfg(test)]
pub(crate) mod testing {
    use std::fs;

    /// A tree of the default configuration with its `pending` folder and
    /// `.tix/` (which a command's lock makes), holding `n` pending tickets
    /// `pending/TIX-NNNN-t.md` titled `t`.
    pub fn with_pending(n: usize) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join("tix.yaml"), "# defaults\n").unwrap();
        fs::create_dir_all(root.join("pending")).unwrap();
        fs::create_dir_all(root.join(".tix")).unwrap();
        for i in 1..=n {
            fs::write(
                root.join(format!("pending/TIX-{i:04}-t.md")),
                format!("---\nid: TIX-{i:04}\ntitle: t\nstatus: pending\n---\n"),
            )
            .unwrap();
        }
        dir
    }
}

#[cfg(test)]
mod tests {
    use super::{Entry, Stamp, Tree, parallel_map, parallel_map_on};

    /// The key a parse hands on is the key an entry would make of the id:
    /// lower-case, sub-numbered, suffixed and word ids, with and without a
    /// frontmatter; and a file that does not parse is keyed by its name.
    #[test]
    fn a_parsed_ticket_s_key_is_the_one_its_entry_would_make() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tix.yaml"), "# defaults\n").unwrap();
        let tree = Tree::open(dir.path(), dir.path()).unwrap();
        for (rel, text) in [
            (
                "pending/TIX-0007-x.md",
                "---\nid: TIX-0007\ntitle: t\n---\n",
            ),
            ("pending/tix-7.md", "---\nid: tix-7\ntitle: t\n---\n"),
            (
                "pending/BACK-4.10b.md",
                "---\nid: BACK-4.10b\ntitle: t\n---\n",
            ),
            (
                "pending/n.md",
                "---\nid: TICKET-block-main\ntitle: t\n---\n",
            ),
            (
                "pending/FEAT-004.md",
                "# FEAT-004: a title\n\n**Status:** pending\n",
            ),
            ("pending/TIX-0009-bad.md", "---\nid: [\n---\n"),
        ] {
            let keyed = Entry::keyed(rel.into(), Stamp(1), tree.parse_keyed(rel, text.as_bytes()));
            let new = Entry::new(rel.into(), Stamp(1), tree.parse_bytes(rel, text.as_bytes()));
            assert_eq!(keyed.key, new.key, "{rel}");
            assert_eq!(keyed.parsed, new.parsed, "{rel}");
            assert!(keyed.key.is_some(), "{rel}");
        }
    }

    #[test]
    fn parallel_map_keeps_the_order_whoever_takes_which_block() {
        // Some items are slow, so that the threads take different numbers
        // of blocks; each result lands in its item's slot all the same.
        // Two and three threads whatever the cores of the machine.
        let items: Vec<u64> = (0..5_000).collect();
        let want: Vec<Option<u64>> = items.iter().map(|x| Some(x * 3)).collect();
        for threads in [2, 3] {
            let out = parallel_map_on(threads, &items, |x| {
                if x % 701 == 0 {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                x * 3
            });
            assert_eq!(out, want, "{threads} threads");
        }
        assert_eq!(parallel_map(&items, |x| x * 3), want);
        // Below the threshold: on the calling thread, in order too.
        assert_eq!(
            parallel_map(&items[..10], |x| x + 1),
            (1..=10).map(Some).collect::<Vec<_>>()
        );
    }
}
