//! The tickets tree on disk: finding its root, listing its tickets (through the
//! metadata cache), the lock, and the one way files change: [`Tree::commit`],
//! which journals its intent so that a killed run is finished or rolled back
//! by the next one.

pub mod cache;
pub mod fsx;
pub mod journal;

use crate::config::{self, Config};
use crate::error::TixError;
use crate::registry;
use crate::ticket::{self, Doc, IdKey, Malformed, Meta};
use anyhow::{Context, Result, bail};
use fs2::FileExt;
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use journal::Event;

pub const STATE_DIR: &str = ".tix";
pub const REGISTRY: &str = "TICKET_REGISTRY.md";
pub const TEMPLATES: &str = "templates";
/// `.tix/.gitignore`: tool state is never committed.
pub const STATE_GITIGNORE: &str = "# tix tool state: lock, journal, cache, audit log\n*\n";

/// What identifies a version of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stamp {
    pub size: u64,
    pub mtime: (i64, i64),
    pub ctime: (i64, i64),
    pub ino: u64,
}

impl Stamp {
    fn of(m: &fs::Metadata) -> Stamp {
        Stamp {
            size: m.len(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
            ino: m.ino(),
        }
    }
}

/// One ticket file (or a `.md` file in a status folder that should be one).
#[derive(Debug, Clone)]
pub struct Entry {
    /// Path relative to the root, `/`-separated: `pending/TIX-0007-fix.md`.
    pub rel: String,
    pub stamp: Stamp,
    /// Boxed: entries move around in maps and vectors; the metadata need not.
    pub parsed: Result<Box<Meta>, Malformed>,
    /// The id, from the frontmatter, else from the file name (parsed once).
    pub key: Option<IdKey>,
}

impl Entry {
    pub fn new(rel: String, stamp: Stamp, parsed: Result<Meta, Malformed>) -> Entry {
        let parsed = parsed.map(Box::new);
        let key = match &parsed {
            Ok(m) => IdKey::parse(&m.id),
            Err(_) => IdKey::from_file_name(rel.rsplit('/').next().unwrap_or("")),
        };
        Entry {
            rel,
            stamp,
            parsed,
            key,
        }
    }

    pub fn dir(&self) -> &str {
        self.rel.split('/').next().unwrap_or("")
    }

    pub fn file_name(&self) -> &str {
        self.rel.rsplit('/').next().unwrap_or("")
    }
}

/// A ticket that parsed, with its effective status.
#[derive(Debug, Clone, Copy)]
pub struct Ticket<'a> {
    pub key: &'a IdKey,
    pub rel: &'a str,
    pub meta: &'a Meta,
    /// The frontmatter's status, else the folder's.
    pub status: &'a str,
}

/// Every ticket file of the tree at one moment, in no particular order
/// (everything shown to a user is sorted where it is shown).
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub entries: Vec<Entry>,
    /// The registry's stamp when tix last wrote or verified it for exactly
    /// these entries (from the cache; `None` when anything changed since).
    pub registry_memo: Option<Stamp>,
}

/// Something `sync --check` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: &'static str,
    /// Relative to the root, `/`-separated.
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    Shared,
    Exclusive,
}

/// Held for one invocation; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct Lock {
    _file: File,
    pub mode: LockMode,
}

#[derive(Debug)]
pub struct Tree {
    pub root: PathBuf,
    /// How the root is shown to the user (relative to the working directory when inside it).
    pub display_root: String,
    pub config: Config,
}

/// A change of one ticket file: write `content` at `dst`, remove `src` if it differs.
#[derive(Debug, Clone)]
pub struct Change {
    pub src: Option<String>,
    pub dst: String,
    pub content: String,
    pub event: Event,
}

/// Finds the root: `--root`, else `TIX_ROOT`, else the first directory `D` from
/// `start` upwards with `D/tix.yaml` (root `D`) or `D/tickets/tix.yaml` (root `D/tickets`).
pub fn discover(explicit: Option<&Path>, start: &Path) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        return root_at(dir).with_context(|| {
            format!(
                "{}: no {} here (run `tix init {}` to create a tree)",
                dir.display(),
                config::FILE_NAME,
                dir.display()
            )
        });
    }
    for d in start.ancestors() {
        if let Some(root) = root_at(d) {
            return Ok(root);
        }
    }
    bail!(
        "no tix tree found: no {f} or tickets/{f} in {} or above (run `tix init`, or pass --root)",
        start.display(),
        f = config::FILE_NAME
    )
}

fn root_at(d: &Path) -> Option<PathBuf> {
    if d.join(config::FILE_NAME).is_file() {
        Some(d.to_path_buf())
    } else if d.join("tickets").join(config::FILE_NAME).is_file() {
        Some(d.join("tickets"))
    } else {
        None
    }
}

/// Shows `path` as the user would type it from `cwd`.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    let shown = match path.strip_prefix(cwd) {
        Ok(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
        Ok(rel) => rel.to_path_buf(),
        Err(_) => path.to_path_buf(),
    };
    shown.to_string_lossy().into_owned()
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
        })
    }

    /// A path relative to the root, as shown to the user.
    pub fn show(&self, rel: &str) -> String {
        join_shown(&self.display_root, rel)
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn state_dir(&self) -> PathBuf {
        self.root.join(STATE_DIR)
    }

    fn fingerprint(&self) -> String {
        self.config
            .statuses
            .iter()
            .map(|s| format!("{}={}", s.name, s.dir))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// The status whose folder is `dir`.
    pub fn folder_status(&self, dir: &str) -> Option<&str> {
        self.config
            .statuses
            .iter()
            .find(|s| s.dir == dir)
            .map(|s| s.name.as_str())
    }

    // ------------------------------------------------------------ lock

    /// Takes the lock on `.tix/lock`, waiting at most `lock_timeout_secs`
    /// (`on_wait` is called once if it has to wait). An interrupted change found
    /// in the journal is finished or rolled back before this returns.
    pub fn lock(&self, mode: LockMode, on_wait: &mut dyn FnMut(&str)) -> Result<Lock> {
        let dir = self.state_dir();
        self.create_state_dir()?;
        let lock = self.acquire(mode, on_wait)?;
        if journal::exists(&dir) {
            if mode == LockMode::Shared {
                drop(lock);
                let ex = self.acquire(LockMode::Exclusive, on_wait)?;
                // A recovery that cannot finish must not block reading: the
                // journal stays, `sync --check` reports it, writes report the error.
                let _ = self.recover(&ex);
                drop(ex);
                return self.acquire(mode, on_wait);
            }
            self.recover(&lock)?;
        }
        Ok(lock)
    }

    /// The lock without finishing an interrupted change (for `sync --check`,
    /// which changes nothing and reports it instead).
    /// `None` when the tree has no `.tix/lock` yet (no tix ever wrote to it, so
    /// nobody can be writing now): `sync --check` creates nothing.
    pub fn lock_without_recovery(
        &self,
        mode: LockMode,
        on_wait: &mut dyn FnMut(&str),
    ) -> Result<Option<Lock>> {
        if !self.path(&format!("{STATE_DIR}/lock")).exists() {
            return Ok(None);
        }
        self.acquire(mode, on_wait).map(Some)
    }

    /// `.tix/`, made on first use (it is not committed, so a fresh clone lacks
    /// it) with a `.gitignore` that keeps all of it out of git.
    fn create_state_dir(&self) -> Result<()> {
        let dir = self.state_dir();
        match fs::create_dir(&dir) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(()),
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("failed to create {}", self.show(STATE_DIR)));
            }
            Ok(()) => {}
        }
        fsx::write_atomic(
            &dir.join(".gitignore"),
            STATE_GITIGNORE.as_bytes(),
            None,
            false,
        )
        .with_context(|| format!("failed to write {}/.gitignore", self.show(STATE_DIR)))
    }

    pub fn has_journal(&self) -> bool {
        journal::exists(&self.state_dir())
    }

    fn acquire(&self, mode: LockMode, on_wait: &mut dyn FnMut(&str)) -> Result<Lock> {
        let rel = format!("{STATE_DIR}/lock");
        let path = self.path(&rel);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("failed to open {}", self.show(&rel)))?;
        let timeout = Duration::from_secs(self.config.lock_timeout_secs);
        let started = Instant::now();
        let mut waited = false;
        let mut pause = Duration::from_millis(1);
        loop {
            let got = match mode {
                LockMode::Exclusive => FileExt::try_lock_exclusive(&file),
                LockMode::Shared => FileExt::try_lock_shared(&file),
            };
            match got {
                Ok(()) => return Ok(Lock { _file: file, mode }),
                Err(e) if e.kind() != fs2::lock_contended_error().kind() => {
                    return Err(e).with_context(|| format!("failed to lock {}", self.show(&rel)));
                }
                Err(_) => {}
            }
            if started.elapsed() >= timeout {
                return Err(TixError::LockTimeout {
                    path: self.show(&rel),
                    secs: self.config.lock_timeout_secs,
                }
                .into());
            }
            if !waited && started.elapsed() > Duration::from_millis(200) {
                waited = true;
                on_wait(&self.show(&rel));
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(25));
        }
    }

    // ------------------------------------------------------------ scan

    /// Lists every ticket file. With `fresh`, every file is read; otherwise
    /// records of the cache whose stamp still matches are reused, and the cache
    /// is rewritten when it was stale (`write_cache`).
    pub fn scan(&self, fresh: bool, write_cache: bool) -> Result<Snapshot> {
        let cache_path = self.state_dir().join("cache");
        let fp = self.fingerprint();
        // The cache is decoded on another thread while this one lists and stats.
        let (cached, found) = std::thread::scope(|s| {
            let decoder = (!fresh).then(|| {
                s.spawn(|| {
                    fs::read_to_string(&cache_path)
                        .map(|t| cache::decode(&t, &fp))
                        .unwrap_or_default()
                })
            });
            let listed = self.list_and_stat();
            let cached = match decoder {
                Some(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                None => cache::Cached::default(),
            };
            listed.map(|listed| (cached, listed))
        })?;
        let (found, stats, refused) = found;
        let cache::Cached {
            entries: mut cached,
            registry: registry_memo,
        } = cached;

        // Cached records whose stamp matches are reused; the rest are read. The
        // cache is in the last scan's order, so a cursor usually finds the record
        // without hashing; a map is built only when the order differs.
        let mut entries = Vec::with_capacity(found.len());
        let mut cursor = 0usize;
        let mut index: Option<FastMap<String, usize>> = None;
        let mut take = |rel: &str| -> Option<Entry> {
            let at = if cached
                .get(cursor)
                .and_then(Option::as_ref)
                .is_some_and(|e| e.rel == rel)
            {
                Some(cursor)
            } else {
                let index = index.get_or_insert_with(|| {
                    cached
                        .iter()
                        .enumerate()
                        .filter_map(|(i, e)| Some((e.as_ref()?.rel.clone(), i)))
                        .collect()
                });
                index.get(rel).copied()
            }?;
            cursor = at + 1;
            cached[at].take()
        };
        let mut to_read: Vec<(usize, String, Stamp, PathBuf)> = Vec::new();
        for ((rel, item), stat) in found.into_iter().zip(stats) {
            let old = take(&rel);
            let stamp = match stat {
                Stat::Skip => continue,
                Stat::Problem(message) => {
                    entries.push(Entry::new(
                        rel,
                        Stamp::default(),
                        Err(Malformed {
                            line: None,
                            message: message.into(),
                        }),
                    ));
                    continue;
                }
                Stat::Failed(e) => {
                    return Err(e).with_context(|| format!("failed to stat {}", self.show(&rel)));
                }
                Stat::File(stamp) => stamp,
            };
            match old {
                Some(e) if e.stamp == stamp => entries.push(e),
                _ => {
                    // A placeholder, replaced once the file is read (in parallel below).
                    to_read.push((entries.len(), rel.clone(), stamp, item.path()));
                    entries.push(Entry::new(
                        rel,
                        stamp,
                        Err(Malformed {
                            line: None,
                            message: String::new(),
                        }),
                    ));
                }
            }
        }
        let reread = to_read.len();
        let read = parallel_map(&to_read, |(_, rel, stamp, path)| {
            self.read_entry(rel.clone(), *stamp, path)
        });
        for ((at, ..), entry) in to_read.iter().zip(read) {
            entries[*at] = entry;
        }
        for dir in refused {
            // Reported like a file that cannot be read; nothing inside is touched.
            let _ = take(&dir);
            entries.push(Entry::new(
                dir,
                Stamp::default(),
                Err(Malformed {
                    line: None,
                    message: "a status folder that is a symlink leaving the root (refused)".into(),
                }),
            ));
        }
        let gone = cached.iter().filter(|e| e.is_some()).count();
        let unchanged = !fresh && reread == 0 && gone == 0;
        let snap = Snapshot {
            entries,
            registry_memo: registry_memo.filter(|_| unchanged),
        };
        if write_cache && !unchanged {
            self.write_cache(&snap, None);
        }
        Ok(snap)
    }

    /// Every `.md` name in a status folder, and one stat of each, spread over
    /// the cores (a stat costs microseconds and a tree has thousands).
    /// Status folders that are symlinks leaving the root are not listed; their
    /// names come back last.
    #[allow(clippy::type_complexity)]
    fn list_and_stat(&self) -> Result<(Vec<(String, fs::DirEntry)>, Vec<Stat>, Vec<String>)> {
        let mut found: Vec<(String, fs::DirEntry)> = Vec::new();
        let mut refused = Vec::new();
        for status in &self.config.statuses {
            let dir = self.root.join(&status.dir);
            if fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_symlink())
                && self.ensure_inside(&dir).is_err()
            {
                refused.push(status.dir.clone());
                continue;
            }
            let listing = match fs::read_dir(&dir) {
                Ok(l) => l,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("failed to list {}", self.show(&status.dir)));
                }
            };
            for item in listing {
                let item =
                    item.with_context(|| format!("failed to list {}", self.show(&status.dir)))?;
                let name = item.file_name();
                let name = name.to_string_lossy();
                if !name.starts_with('.') && name.ends_with(".md") {
                    found.push((format!("{}/{name}", status.dir), item));
                }
            }
        }
        let stats = parallel_map(&found, |(_, item)| self.stat_entry(item));
        Ok((found, stats, refused))
    }

    fn stat_entry(&self, item: &fs::DirEntry) -> Stat {
        let ftype = match item.file_type() {
            Ok(t) => t,
            Err(e) => return Stat::Failed(e),
        };
        if ftype.is_dir() {
            return Stat::Skip;
        }
        if item.file_name().to_str().is_none() {
            return Stat::Problem("the file name is not UTF-8");
        }
        let meta = if ftype.is_symlink() {
            match self.inside_root(&item.path()) {
                Some(m) => m,
                None => return Stat::Problem("a symlink that leaves the root (refused)"),
            }
        } else {
            match item.metadata() {
                Ok(m) => m,
                Err(e) => return Stat::Failed(e),
            }
        };
        if meta.is_file() {
            Stat::File(Stamp::of(&meta))
        } else {
            Stat::Skip
        }
    }

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

    fn read_entry(&self, rel: String, stamp: Stamp, path: &Path) -> Entry {
        let parsed = match fs::read(path) {
            Err(e) => Err(Malformed {
                line: None,
                message: format!("cannot read: {e}"),
            }),
            Ok(bytes) => self.parse_bytes(&rel, &bytes).map(|(m, _)| m),
        };
        Entry::new(rel, stamp, parsed)
    }

    /// Parses a ticket's bytes and checks its id against its file name.
    pub fn parse_bytes<'a>(
        &self,
        rel: &str,
        bytes: &'a [u8],
    ) -> Result<(Meta, Doc<'a>), Malformed> {
        let text = std::str::from_utf8(bytes).map_err(|e| Malformed {
            line: Some(
                1 + bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count(),
            ),
            message: "not UTF-8 text".into(),
        })?;
        let doc = Doc::parse(text)?;
        let meta = doc.meta(&self.config.status_names())?;
        let name = rel.rsplit('/').next().unwrap_or(rel);
        match IdKey::from_file_name(name) {
            Some(k) if Some(&k) == IdKey::parse(&meta.id).as_ref() => Ok((meta, doc)),
            _ => Err(Malformed {
                line: doc.line_of_key("id"),
                message: format!(
                    "id {} does not match the file name (expected {}.md or {}-<slug>.md)",
                    meta.id, meta.id, meta.id
                ),
            }),
        }
    }

    /// Best effort: the cache is only an accelerator. `registry` is the stamp of
    /// a registry known to match these entries.
    fn write_cache(&self, snap: &Snapshot, registry: Option<Stamp>) {
        self.store_cache(cache::encode(&self.fingerprint(), &snap.entries), registry);
    }

    fn store_cache(&self, mut text: String, registry: Option<Stamp>) {
        if let Some(r) = &registry {
            text.push_str(&cache::registry_line(r));
        }
        let _ = fsx::write_atomic(
            &self.state_dir().join("cache"),
            text.as_bytes(),
            None,
            false,
        );
    }

    /// Notes in the cache that the registry on disk matches `snap` (call right
    /// after writing or verifying it).
    pub fn remember_registry(&self, snap: &Snapshot) {
        self.write_cache(snap, self.registry_stamp());
    }

    fn registry_stamp(&self) -> Option<Stamp> {
        fs::metadata(self.path(REGISTRY))
            .ok()
            .map(|m| Stamp::of(&m))
    }

    /// Whether `TICKET_REGISTRY.md` is exactly what these tickets give. Known
    /// without rendering when nothing changed since tix last wrote or checked
    /// it; otherwise rendered and compared, and (with `remember`) the answer is
    /// kept in the cache for next time. `None`: there is no registry.
    pub fn registry_fresh(&self, snap: &Snapshot, remember: bool) -> Result<Option<bool>> {
        let now = self.registry_stamp();
        if now.is_some() && snap.registry_memo == now {
            return Ok(Some(true));
        }
        let have = match fs::read(self.path(REGISTRY)) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(e).with_context(|| format!("failed to read {}", self.show(REGISTRY)));
            }
        };
        let fresh = have == self.render_registry(snap).as_bytes();
        if fresh && remember && self.registry_stamp() == now {
            self.write_cache(snap, now);
        }
        Ok(Some(fresh))
    }

    // ------------------------------------------------------------ queries

    /// Finds the one ticket an id names (see [`IdArg`]).
    pub fn find<'s>(&self, snap: &'s Snapshot, id: &IdArg) -> Result<&'s Entry> {
        let hits: Vec<&Entry> = snap
            .entries
            .iter()
            .filter(|e| e.key.as_ref().is_some_and(|k| id.matches(k)))
            .collect();
        let hits = if hits.len() > 1 && matches!(id, IdArg::Number(_)) {
            let preferred: Vec<&Entry> = hits
                .iter()
                .copied()
                .filter(|e| {
                    e.key
                        .as_ref()
                        .is_some_and(|k| k.prefix == self.config.id_prefix)
                })
                .collect();
            if preferred.is_empty() {
                hits
            } else {
                preferred
            }
        } else {
            hits
        };
        match hits.as_slice() {
            [one] => Ok(one),
            [] => Err(TixError::NotFound {
                id: id.to_string(),
                close: close_matches(snap, id),
            }
            .into()),
            many => {
                let mut paths: Vec<String> = many.iter().map(|e| self.show(&e.rel)).collect();
                paths.sort();
                bail!(
                    "{}: ticket id {id} is used by {} files: {} (rename one; `tix sync --check` lists duplicates)",
                    paths[0],
                    many.len(),
                    paths.join(", ")
                )
            }
        }
    }

    /// Every ticket that parsed, with its effective status.
    pub fn tickets<'s>(&'s self, snap: &'s Snapshot) -> Vec<Ticket<'s>> {
        snap.entries
            .iter()
            .filter_map(|e| {
                let meta = e.parsed.as_ref().ok()?;
                let key = e.key.as_ref()?;
                let status = match &meta.status {
                    Some(s) => s.as_str(),
                    None => self.folder_status(e.dir())?,
                };
                Some(Ticket {
                    key,
                    rel: &e.rel,
                    meta,
                    status,
                })
            })
            .collect()
    }

    /// What `sync --check` reports, apart from the registry.
    pub fn problems(&self, snap: &Snapshot) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut first: FastMap<&IdKey, usize> = FastMap::default();
        first.reserve(snap.entries.len());
        let mut dup_groups: FastMap<&IdKey, Vec<&Entry>> = FastMap::default();
        for (i, e) in snap.entries.iter().enumerate() {
            match &e.parsed {
                Err(m) => out.push(Problem {
                    kind: "malformed",
                    path: e.rel.clone(),
                    line: m.line,
                    message: m.message.clone(),
                }),
                Ok(meta) => {
                    if let Some(k) = &e.key
                        && let Some(&j) = first.get(k)
                    {
                        dup_groups
                            .entry(k)
                            .or_insert_with(|| vec![&snap.entries[j]])
                            .push(e);
                    } else if let Some(k) = &e.key {
                        first.insert(k, i);
                    }
                    let want = meta.status.as_deref().and_then(|s| self.config.status(s));
                    if let Some(want) = want
                        && want.dir != e.dir()
                    {
                        out.push(Problem {
                            kind: "misplaced",
                            path: e.rel.clone(),
                            line: None,
                            message: format!(
                                "status is {} but the file is in {}/ (tix sync moves it to {}/)",
                                want.name,
                                e.dir(),
                                want.dir
                            ),
                        });
                    }
                }
            }
        }
        for group in dup_groups.into_values() {
            let mut paths: Vec<&str> = group.iter().map(|e| e.rel.as_str()).collect();
            paths.sort_unstable();
            for e in &group {
                out.push(Problem {
                    kind: "duplicate_id",
                    path: e.rel.clone(),
                    line: None,
                    message: format!(
                        "id {} is used by {} files: {}",
                        e.parsed.as_ref().map(|m| m.id.as_str()).unwrap_or("?"),
                        group.len(),
                        paths.join(", ")
                    ),
                });
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path).then(a.kind.cmp(b.kind)));
        out
    }

    /// Everything `sync --check` reports: the tickets' problems, a stale or
    /// missing registry, an unfinished change.
    /// With `remember`, a registry found fresh is noted in the cache.
    pub fn all_problems(&self, snap: &Snapshot, remember: bool) -> Result<Vec<Problem>> {
        let mut problems = self.problems(snap);
        let problem = |kind, message: &str| Problem {
            kind,
            path: REGISTRY.into(),
            line: None,
            message: message.into(),
        };
        match self.registry_fresh(snap, remember)? {
            Some(true) => {}
            Some(false) => problems.push(problem(
                "registry_stale",
                "does not match the tickets (run `tix sync`)",
            )),
            None => problems.push(problem("registry_missing", "is missing (run `tix sync`)")),
        }
        if self.has_journal() {
            problems.push(Problem {
                kind: "unfinished_change",
                path: format!("{STATE_DIR}/journal.json"),
                line: None,
                message: "a change was interrupted; the next tix command that writes finishes or rolls it back".into(),
            });
        }
        Ok(problems)
    }

    // ------------------------------------------------------------ registry

    pub fn render_registry(&self, snap: &Snapshot) -> String {
        registry::render(&self.config, &self.tickets(snap), &self.problems(snap))
    }

    /// Rewrites the registry if its bytes change; a registry tix did not write is
    /// first copied to `.tix/`. Returns whether it was written.
    pub fn write_registry(&self, snap: &Snapshot) -> Result<bool> {
        let text = self.render_registry(snap);
        let path = self.path(REGISTRY);
        let read_err = |e: io::Error| {
            anyhow::Error::new(e).context(format!("failed to read {}", self.show(REGISTRY)))
        };
        let old_len = match fs::metadata(&path) {
            Ok(m) => Some(m.len()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(read_err(e)),
        };
        // Same length: compare the bytes. Otherwise only the marker line is read
        // (a registry tix did not write is kept before it is replaced).
        if old_len == Some(text.len() as u64)
            && fs::read(&path).map_err(read_err)? == text.as_bytes()
        {
            return Ok(false);
        }
        if old_len.is_some() {
            let mut head = Vec::new();
            fs::File::open(&path)
                .and_then(|f| {
                    io::Read::read_to_end(
                        &mut io::Read::take(f, registry::MARKER.len() as u64),
                        &mut head,
                    )
                })
                .map_err(read_err)?;
            if head != registry::MARKER.as_bytes() {
                let keep = self.state_dir().join("registry-before-tix.md");
                if !keep.exists() {
                    let old = fs::read(&path).map_err(read_err)?;
                    fsx::write_atomic(&keep, &old, None, true).with_context(|| {
                        format!("failed to keep a copy of {}", self.show(REGISTRY))
                    })?;
                }
            }
        }
        fsx::write_atomic(&path, text.as_bytes(), None, true)
            .with_context(|| format!("failed to write {}", self.show(REGISTRY)))?;
        Ok(true)
    }

    // ------------------------------------------------------------ changes

    /// Performs one change of one ticket file, crash-safely: the journal records
    /// the intent, the new content is written to a temp file in the destination
    /// folder, fsynced and renamed into place (never over another file), the
    /// source is removed, the folders are fsynced, the event is appended to the
    /// audit log, and the registry and cache are brought up to date. `snap` is
    /// updated to the new state.
    pub fn commit(&self, lock: &Lock, snap: &mut Snapshot, change: Change) -> Result<()> {
        assert_eq!(
            lock.mode,
            LockMode::Exclusive,
            "commit needs the exclusive lock"
        );
        let dst_path = self.path(&change.dst);
        let src_path = change.src.as_deref().map(|s| self.path(s));
        let moving = change.src.as_deref() != Some(change.dst.as_str());
        if moving && fs::symlink_metadata(&dst_path).is_ok() {
            bail!(
                "{}: already exists; refusing to overwrite it (run `tix sync --check`)",
                self.show(&change.dst)
            );
        }
        // git does not keep empty folders: a status folder may be missing.
        for dir in std::iter::once(&dst_path)
            .chain(src_path.as_ref())
            .filter_map(|p| p.parent())
        {
            fs::create_dir_all(dir).with_context(|| {
                format!("failed to create the folder of {}", self.show(&change.dst))
            })?;
            self.ensure_inside(dir)?;
        }
        let state = self.state_dir();
        let entry = journal::Intent {
            tx: change.event.tx.clone().unwrap_or_default(),
            src: change.src.clone(),
            dst: change.dst.clone(),
            fingerprint: fsx::fingerprint(change.content.as_bytes()),
            event: change.event.clone(),
        };
        journal::write(&state, &entry).context("failed to write the journal")?;
        failpoint("after-journal");

        let shown = self.show(&change.dst);
        let write = if moving {
            fsx::write_new(&dst_path, change.content.as_bytes(), src_path.as_deref())
        } else {
            fsx::write_atomic(&dst_path, change.content.as_bytes(), None, true)
        };
        if let Err(e) = write {
            let _ = journal::remove(&state);
            return Err(e).with_context(|| format!("failed to write {shown}"));
        }
        failpoint("after-write");
        if moving && let (Some(src), Some(src_path)) = (&change.src, &src_path) {
            fs::remove_file(src_path)
                .with_context(|| format!("failed to remove {}", self.show(src)))?;
            fsx::sync_dir(src_path.parent().unwrap_or(&self.root))
                .with_context(|| format!("failed to sync {}", self.show(src)))?;
        }
        failpoint("after-remove");
        journal::append_event(&state, &change.event)
            .context("failed to append to .tix/events.jsonl")?;
        failpoint("after-event");

        let meta = fs::metadata(&dst_path).with_context(|| format!("failed to stat {shown}"))?;
        let parsed = self
            .parse_bytes(&change.dst, change.content.as_bytes())
            .map(|(m, _)| m);
        snap.entries
            .retain(|e| Some(e.rel.as_str()) != change.src.as_deref() && e.rel != change.dst);
        snap.entries
            .push(Entry::new(change.dst.clone(), Stamp::of(&meta), parsed));
        let snap = &*snap;
        let (text, wrote) = std::thread::scope(|s| {
            let encoder = s.spawn(|| cache::encode(&self.fingerprint(), &snap.entries));
            let wrote = self.write_registry(snap);
            (encoder.join(), wrote)
        });
        wrote?;
        if let Ok(text) = text {
            self.store_cache(text, self.registry_stamp());
        }
        failpoint("after-registry");
        journal::remove(&state).context("failed to clear the journal")?;
        Ok(())
    }

    /// Finishes or rolls back the change a killed run left in the journal.
    fn recover(&self, lock: &Lock) -> Result<()> {
        let state = self.state_dir();
        let Some(intent) = journal::read(&state)? else {
            journal::remove(&state)?;
            return Ok(());
        };
        let bad = |rel: &str| {
            // A journal is ours, but never trust a path from disk blindly.
            rel.split('/')
                .any(|c| c.is_empty() || c == "." || c == "..")
        };
        if bad(&intent.dst) || intent.src.as_deref().is_some_and(bad) {
            bail!(
                "{}/journal: names a path outside the tree; remove it by hand",
                self.show(STATE_DIR)
            );
        }
        let dst = self.path(&intent.dst);
        let landed = fs::read(&dst).is_ok_and(|b| fsx::fingerprint(&b) == intent.fingerprint);
        if landed {
            if let Some(src) = &intent.src
                && *src != intent.dst
            {
                match fs::remove_file(self.path(src)) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(e)
                            .with_context(|| format!("failed to remove {}", self.show(src)));
                    }
                }
            }
            if !journal::event_logged(&state, &intent.tx)? {
                journal::append_event(&state, &intent.event)?;
            }
        }
        for rel in std::iter::once(&intent.dst).chain(intent.src.as_ref()) {
            if let Some(dir) = self.path(rel).parent() {
                fsx::remove_temps(dir)?;
                fsx::sync_dir(dir)?;
            }
        }
        let _ = lock;
        let snap = self.scan(false, true)?;
        self.write_registry(&snap)?;
        self.remember_registry(&snap);
        journal::remove(&state)?;
        Ok(())
    }

    /// The number after the highest id ever given out with `prefix` in this tree.
    pub fn next_number(&self, snap: &Snapshot, prefix: &str) -> Result<u64> {
        let seen = snap
            .entries
            .iter()
            .filter_map(|e| e.key.as_ref())
            .filter(|k| k.prefix == prefix)
            .map(|k| k.num)
            .max()
            .unwrap_or(0);
        let next = seen
            .max(journal::last_id(&self.state_dir(), prefix)?)
            .checked_add(1)
            .filter(|n| *n < 1_000_000_000_000_000_000)
            .with_context(|| {
                format!("no ids left for prefix {prefix} (the highest has 18 digits)")
            })?;
        Ok(next)
    }

    pub fn remember_id(&self, prefix: &str, num: u64) -> Result<()> {
        journal::set_last_id(&self.state_dir(), prefix, num).context("failed to write .tix/last-id")
    }
}

/// FxHash (as in rustc): a fast hasher for maps keyed by our own paths and ids,
/// which need no protection against hash flooding.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

enum Stat {
    File(Stamp),
    Skip,
    Problem(&'static str),
    Failed(io::Error),
}

/// `f` over `items` on up to four threads, in order.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    if threads < 2 || items.len() < 512 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(|| c.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

fn join_shown(display_root: &str, rel: &str) -> String {
    if display_root == "." || display_root.is_empty() {
        rel.to_string()
    } else {
        format!("{}/{}", display_root.trim_end_matches('/'), rel)
    }
}

/// In debug builds, `TIX_FAILPOINT=<name>` aborts the process at that step (for
/// crash tests); release builds compile this to nothing.
pub fn failpoint(name: &str) {
    if cfg!(debug_assertions) && std::env::var_os("TIX_FAILPOINT").is_some_and(|v| v == name) {
        let _ = io::stderr().write_all(format!("tix: failpoint {name}: aborting\n").as_bytes());
        std::process::abort();
    }
}

/// An id as typed on the command line: a full id or just its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdArg {
    Full(IdKey, String),
    Number(u64),
}

impl IdArg {
    pub fn parse(s: &str) -> Result<IdArg, String> {
        if s.len() <= 18 && !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            return s.parse().map(IdArg::Number).map_err(|e| e.to_string());
        }
        match IdKey::parse(s) {
            Some(k) => Ok(IdArg::Full(k, s.to_string())),
            None => Err("not a ticket id: expected an id like TIX-0007 or its number".into()),
        }
    }

    fn matches(&self, k: &IdKey) -> bool {
        match self {
            IdArg::Full(want, _) => want == k,
            IdArg::Number(n) => k.num == *n && k.suffix.is_empty(),
        }
    }
}

impl std::fmt::Display for IdArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IdArg::Full(_, s) => f.write_str(s),
            IdArg::Number(n) => write!(f, "{n}"),
        }
    }
}

/// Up to three ids that look like what was asked for.
fn close_matches(snap: &Snapshot, id: &IdArg) -> Vec<String> {
    let wanted = id.to_string().to_ascii_uppercase();
    let mut scored: Vec<(usize, String)> = snap
        .entries
        .iter()
        .filter_map(|e| {
            let shown = e.parsed.as_ref().map(|m| m.id.clone()).ok()?;
            let k = IdKey::parse(&shown)?;
            let same_number = match id {
                IdArg::Full(w, _) => w.num == k.num,
                IdArg::Number(n) => *n == k.num,
            };
            let d = edit_distance(&wanted, &shown.to_ascii_uppercase());
            let score = if same_number { 0 } else { d };
            (score <= 2).then_some((score, shown))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, s)| s).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Reads a ticket for a transition: fresh bytes, parsed; malformed is an error
/// naming the file and line (exit 1).
pub fn read_ticket(tree: &Tree, rel: &str) -> Result<(String, Meta)> {
    let bytes =
        fs::read(tree.path(rel)).with_context(|| format!("failed to read {}", tree.show(rel)))?;
    match tree.parse_bytes(rel, &bytes) {
        Ok((meta, _)) => Ok((String::from_utf8(bytes).unwrap_or_default(), meta)),
        Err(m) => Err(malformed_error(tree, rel, &m)),
    }
}

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
