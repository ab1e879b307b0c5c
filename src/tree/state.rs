//! What a change knows about the tree while it holds the exclusive lock, and
//! the one way a ticket file changes: [`State::commit`].
//!
//! A transition costs the same at 10 tickets and at 10,000 when nothing
//! changed in the status folders since tix last looked: each folder's stamp
//! (one `stat` each) matches the index, so the ticket is found there by binary
//! search, its file and those of its dependencies are read fresh, and the
//! registry is patched (one row out, one row in) instead of rendered. When
//! folders changed because files in them were replaced, added or removed
//! (an editor or `sed -i` that saves by renaming, a `git checkout`), those
//! folders alone are listed and their changed files read again
//! ([`refreshed`]), and their rows patched too. A registry that cannot be
//! patched (not the one the index remembers, or a row that would be in the
//! problems table) is rendered whole from the index ([`finish_rendered`]).
//! When more files changed than a refresh reads in memory, the index is
//! written again from the one it had ([`Tree::rebuilt`]) and the registry
//! rendered from it. When a folder appeared below, the index is not what
//! tix last wrote, or an answer needs every ticket (an unknown id, a
//! duplicate), the state falls back to the full view: every file listed and
//! stat'ed, changed ones read again, the registry rendered whole.
//!
//! What this trusts: a ticket other than the one changed (and its
//! dependencies) that was edited in place, in the same file, keeps what the
//! index says until a command sees the whole tree (every read command, `tix
//! sync`, `tix sync --check`); the registry takes the edit at the next `tix
//! sync`, or at the next transition after such a read.

use super::index::{self, Dirs, FileLines, Index, Memo};
use super::scan::{Stat, refused_as, refused_entry};
use super::{
    Change, Entry, Event, Exclusive, IdArg, REGISTRY, Snapshot, Stamp, Tree, dir_stamp, failpoint,
    fsx, journal,
};
use super::{Scan, Upkeep};
use crate::registry::{self, Piece};
use crate::ticket::IdKey;
use anyhow::{Context, Result, bail};
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

pub struct State<'t> {
    tree: &'t Tree,
    /// The index, trusted while `full` is not there.
    quick: Option<Box<Index>>,
    /// The full view, once listed: the truth from then on. With neither,
    /// after a quick commit, the state is loaded again when (if ever)
    /// something asks.
    full: Option<Snapshot>,
    /// Whether the caller asked for the full view ([`State::full`],
    /// [`State::snapshot`]); else it is one the state fell back to when
    /// the index could not serve, given up after the change it served.
    asked_full: bool,
    /// What the quick state read again of files changed outside tix (see
    /// [`refreshed`]).
    outside: Outside,
}

/// Files changed, added or removed outside tix (an editor, a `git
/// checkout`) that the quick state read again, and the folders it listed.
#[derive(Default)]
struct Outside {
    /// The index's old records of those files: what the registry still shows.
    old: Vec<Entry>,
    /// What they say now (a removed file, or one no longer a ticket, has none).
    new: Vec<Entry>,
    /// The files that went.
    gone: Vec<String>,
    /// The folders listed again, each stamped as it was before listing.
    dirs: Dirs,
    /// A killed writer's temp files a command that changes nothing found in
    /// them and left, by path, in the order of their folders.
    temps: Vec<String>,
}

impl<'t> State<'t> {
    /// The quick state when the index vouches for the folders, else the full one.
    ///
    /// # Errors
    ///
    /// An error reading the tree when the index cannot serve (see [`State::full`]).
    pub fn open(tree: &'t Tree, lock: &Exclusive) -> Result<State<'t>> {
        let _ = lock;
        let mut state = State {
            tree,
            quick: None,
            full: None,
            asked_full: false,
            outside: Outside::default(),
        };
        state.ensure_loaded()?;
        Ok(state)
    }

    /// The full state: every folder listed, every file stat'ed.
    ///
    /// # Errors
    ///
    /// An error listing a folder or reading a ticket file.
    pub fn full(tree: &'t Tree, lock: &Exclusive) -> Result<State<'t>> {
        let _ = lock;
        Ok(State {
            tree,
            quick: None,
            full: Some(tree.scan(Scan::Listed, Upkeep::Index)?),
            asked_full: true,
            outside: Outside::default(),
        })
    }

    fn ensure_loaded(&mut self) -> Result<()> {
        if self.quick.is_none() && self.full.is_none() {
            match quick(self.tree) {
                Some((index, outside)) => {
                    (self.quick, self.outside) = (Some(Box::new(index)), outside);
                }
                None => {
                    self.full = Some(self.tree.scan(Scan::Cached, Upkeep::Index)?);
                    self.outside = Outside::default();
                }
            }
        }
        Ok(())
    }

    /// The index, while it is what this state goes by.
    fn index(&self) -> Option<&Index> {
        self.quick.as_deref().filter(|_| self.full.is_none())
    }

    /// The full view (listing the tree now if this state was quick).
    ///
    /// # Errors
    ///
    /// As [`State::full`], when this state was quick.
    pub fn snapshot(&mut self) -> Result<&mut Snapshot> {
        self.asked_full = true;
        let snap = match self.full.take() {
            Some(snap) => snap,
            None => self.tree.scan(Scan::Cached, Upkeep::Index)?,
        };
        self.quick = None;
        Ok(self.full.insert(snap))
    }

    /// The one ticket an id names (errors as [`Tree::find`]).
    ///
    /// # Errors
    ///
    /// No such ticket (exit 3), an ambiguous id, or an error reading the tree.
    pub fn find(&mut self, id: &IdArg) -> Result<Entry> {
        self.ensure_loaded()?;
        // Its file still there, and no symlink: a change to a symlink's
        // ticket goes by the full view's rules.
        if let Some(index) = self.index()
            && let Some(e) = quick_find(self.tree, index, id)
            && is_file(self.tree, &e.rel)
        {
            return Ok(e);
        }
        let tree = self.tree;
        Ok(tree.find(self.snapshot()?, id)?.clone())
    }

    /// The status of the ticket a `depends_on` entry names, as its file says
    /// now (of an id on two files, its first ticket by path: see
    /// [`Tree::first_ticket`]); `None` when no ticket has that id.
    ///
    /// # Errors
    ///
    /// An error reading the tree.
    pub fn dependency_status(&mut self, dep: &str) -> Result<Option<String>> {
        let Some(key) = crate::ticket::IdKey::parse(dep) else {
            return Ok(None);
        };
        self.ensure_loaded()?;
        if let Some(index) = self.index()
            && let Some(hits) = index.lookup(&key)
            && !hits.is_empty()
            && hits.iter().all(|e| fresh(self.tree, e))
            && let Some(t) = self.tree.first_ticket(&hits)
        {
            return Ok(Some(t.status.to_string()));
        }
        let tree = self.tree;
        let snap = self.snapshot()?;
        let files = snap.entries.iter().filter(|e| e.key.as_ref() == Some(&key));
        Ok(tree.first_ticket(files).map(|t| t.status.to_string()))
    }

    /// The number after the highest id ever given out with `prefix` here.
    ///
    /// # Errors
    ///
    /// An error reading the tree or `.tix/last-id`.
    pub fn next_number(&mut self, prefix: &str) -> Result<u64> {
        self.ensure_loaded()?;
        let seen = match self.index() {
            Some(index) => index.prefixes.get(prefix).copied().unwrap_or(0),
            None => self
                .snapshot()?
                .entries
                .iter()
                .filter_map(|e| e.key.as_ref())
                .filter(|k| k.prefix == prefix)
                .map(|k| k.num)
                .max()
                .unwrap_or(0),
        };
        seen.max(journal::last_id(&self.tree.state_dir(), prefix)?)
            .checked_add(1)
            .filter(|n| *n < 1_000_000_000_000_000_000)
            .with_context(|| format!("no ids left for prefix {prefix} (the highest has 18 digits)"))
    }

    /// Performs one change of one ticket file, crash-safely: the journal
    /// records the intent and the event is appended to the audit log (one
    /// thread), while the new content goes to a temp file in the destination
    /// folder and is fsynced (another); it is renamed into place (never over
    /// another file), and the folder fsynced; the source is removed and its
    /// folder fsynced; then the registry and the index are brought up to
    /// date and the journal is cleared. Recovery takes the event out again
    /// if the change does not land.
    ///
    /// # Errors
    ///
    /// The ticket changed on disk since it was read (refused), or a write
    /// failed (the journal says what the change was doing).
    pub fn commit(&mut self, change: Change) -> Result<()> {
        self.commit_counted(change, None)
    }

    /// [`State::commit`] of a new ticket whose number `counter` wrote into
    /// `.tix/last-id`: the counter is synced beside the journal and the new
    /// file, before the file lands (if that fails, nothing is changed).
    ///
    /// # Errors
    ///
    /// As [`State::commit`], and an error syncing the counter.
    pub fn commit_counted(
        &mut self,
        change: Change,
        counter: Option<&journal::Counter>,
    ) -> Result<()> {
        let tree = self.tree;
        self.ensure_loaded()?;
        // Its stamp once it is written; what it says is known now.
        let parsed = tree.parse_keyed(&change.dst, change.content.as_bytes());
        let mut new = Entry::keyed(change.dst.clone().into(), Stamp::default(), parsed);
        // On the quick path the registry's next version is written aside
        // while the change's syncs wait for the disk, and put in place only
        // once the change has landed.
        let planned = self
            .index()
            .and_then(|index| plan_quick(tree, index, &new, &change, &self.outside));
        let (applied, prepared) = std::thread::scope(|s| {
            let prepare = planned.as_ref().map(|p| s.spawn(|| p.prepare(tree)));
            let applied = apply(tree, &change, counter);
            let prepared = prepare.map(super::joined);
            (applied, prepared)
        });
        let (stamp, undo) = applied?;
        new.stamp = stamp;
        // The registry (and the index) follow; if that fails the change is
        // taken back, and this state forgets what it knew.
        let finished = match prepared {
            Some(Err(e)) => Err(e),
            _ => self.finish(&new, &change, planned),
        };
        if let Err(e) = finished {
            (self.quick, self.full, self.outside) = (None, None, Outside::default());
            return Err(undo.after(tree, e));
        }
        failpoint("after-registry");
        journal::remove(&tree.state_dir()).context("failed to clear .tix/journal.json")?;
        Ok(())
    }

    /// The registry and the index after a change's file steps.
    fn finish(&mut self, new: &Entry, change: &Change, planned: Option<Planned>) -> Result<()> {
        let tree = self.tree;
        // The index, as [`State::index`] gives it.
        let index = match self.full {
            None => self.quick.as_deref_mut(),
            Some(_) => None,
        };
        let patched = match (index, planned) {
            (Some(index), Some(planned)) => {
                finish_quick(tree, index, new, change, &self.outside, planned)?;
                true
            }
            (Some(index), None) => finish_rendered(tree, index, new, change, &mut self.outside)?,
            _ => false,
        };
        if patched {
            // A next change in this run starts from the index as it is now.
            (self.quick, self.outside) = (None, Outside::default());
        } else {
            let snap = match &mut self.full {
                Some(snap) => {
                    snap.entries.retain(|e| {
                        Some(e.rel.as_ref()) != change.src.as_deref() && e.rel != change.dst
                    });
                    snap.entries.push(new.clone());
                    for rel in std::iter::once(&change.dst).chain(change.src.as_ref()) {
                        if snap.dirs.contains_key(super::top_dir(rel)) {
                            // Every folder on the way, a new sub-folder included.
                            for dir in folders_of(rel) {
                                snap.dirs
                                    .insert(dir.to_string(), dir_stamp(&tree.path(dir)));
                            }
                        }
                    }
                    snap
                }
                // The tree is listed again: it now holds the change.
                None => {
                    self.quick = None;
                    self.full.insert(tree.scan(Scan::Cached, Upkeep::Sweep)?)
                }
            };
            tree.write_registry(snap)?;
            // A full view the state fell back to (the index could not
            // serve: more files changed outside tix than a refresh reads,
            // say) is
            // given up now that the registry and a compact index are
            // written: the next change goes by the index again, its row
            // patched in. Kept, it had every later change of the run
            // render the registry whole (`archive` of 2,500 tickets at
            // 10,000: 2,355 of them).
            if !self.asked_full {
                (self.quick, self.full) = (None, None);
            }
        }
        Ok(())
    }

    /// Renders the registry from the full view and writes it if it changed.
    ///
    /// # Errors
    ///
    /// An error writing `TICKET_REGISTRY.md`.
    pub fn write_registry(&mut self) -> Result<bool> {
        let tree = self.tree;
        let snap = self.snapshot()?;
        tree.write_registry(snap)
    }
}

/// The index, if it was made for these folders and each folder is as it
/// says, or [`refreshed`] when folders changed; with what was read again.
/// Deltas grown past [`index::MAX_DELTA_BYTES`] are first merged into the
/// base ([`Tree::compact_index`]): a piece of the index at a time, where the
/// full view read every file and held every record (at 100,000 tickets,
/// 84 MiB and 0.46 s once every 150 to 250 transitions, by what each
/// appends). The merge comes before the folders are looked at: a refresh
/// goes by the merged index, and so does the full view, should neither
/// serve (it then writes the index whole again).
fn quick(tree: &Tree) -> Option<(Index, Outside)> {
    let mut index = tree.open_index()?;
    if index.delta_bytes > index::MAX_DELTA_BYTES {
        tree.compact_index(&index)?;
        index = tree.open_index()?;
    }
    if tree.folders_match(&index) {
        Some((index, Outside::default()))
    } else {
        refreshed_or_rebuilt(tree, index, false, &[])
    }
}

/// At most this many files changed, added and removed in all are read
/// again by [`refreshed`] and held; past that, the index is written again
/// whole ([`Tree::rebuilt`]) rather than appended to.
pub(super) const REFRESH_FILES: usize = 512;

/// What [`refreshed`] made of the folders that changed.
enum Refresh {
    /// The index brought up to date in memory, and what was read again.
    Done(Outside),
    /// More than [`REFRESH_FILES`] files changed: the index left as it
    /// was, and the changed folders as listed, for [`Tree::rebuilt`].
    Many(Relisted),
}

/// The folders that changed as [`refreshed`] listed them, each stamped as it
/// was before it was listed.
pub(super) struct Relisted {
    pub dirs: Dirs,
    pub listed: Vec<Listed>,
    /// The stamp of each file listed, folder after folder in the order of
    /// `dirs`, each folder's in the order of its names; `None`: not a
    /// regular file.
    pub stamps: Vec<Option<Stamp>>,
    /// The temp files left in them (see [`Outside::temps`]).
    pub temps: Vec<String>,
}

/// `index` (as opened from disk) brought up to date for the folders that
/// changed since it was written: an editor that saves by renaming, `sed -i`, a `git checkout` or
/// `git pull` that replaced, added or removed a few files. The files of
/// those folders are listed and stat'ed, and the changed and added ones read
/// again, as are those of a sub-folder that appeared in one of them (and
/// below it); every other record is trusted as the quick state trusts it.
/// A status folder that appeared is listed as any changed one, one that
/// went (a branch switch) as an empty one. A symlink is what the full view
/// makes of it ([`Tree::symlink_stat`]): its target read, or a record of
/// it refused; so is an id now on two files. A killed writer's temp file
/// goes with `sweep`, as the scan sweeps it; without, it is left and told
/// ([`Outside::temps`]). `None` (the full view) when a changed status
/// folder is a symlink leaving the root, a temp file cannot be removed,
/// or a ticket's name is gone
/// or a folder's by the time it is stat'ed, among those compared before
/// the count was passed; [`Refresh::Many`] when more than
/// [`REFRESH_FILES`] files changed (a symlink after them is
/// [`Tree::rebuilt`]'s to find: it leaves symlinks to the full view).
///
/// `index` is opened lazily, its deltas already merged if they were many
/// (see [`quick`]): the changed folders' records are read by their offsets
/// when the index lists them, else from the base read through once, a
/// piece at a time (not held).
fn refreshed(tree: &Tree, index: &mut Index, edited: &[String], sweep: bool) -> Option<Refresh> {
    if !tree.folders().all(|d| index.dirs.contains_key(d)) {
        return None;
    }
    // Each folder's stamp as it was before it is listed: a file added while
    // it is listed changes it again, and the next command looks again. A
    // folder with a file edited in place is listed too (`edited`).
    let mut outside = Outside::default();
    // A status folder that appeared is listed as any changed one; one
    // that went, as an empty one. One that is a symlink leaving the root
    // is the full view's to refuse.
    for (dir, stamp) in &index.dirs {
        let path = tree.path(dir);
        let now = dir_stamp(&path);
        if now != *stamp || edited.contains(dir) {
            if tree.refused_folder(&path) {
                return None;
            }
            outside.dirs.insert(dir.clone(), now);
        }
    }
    if outside.dirs.is_empty() {
        return None;
    }
    let changed: Vec<String> = outside.dirs.keys().cloned().collect();
    // The changed folders are listed, each on a thread of its own, while
    // this one reads the index's records in them (at 10,000 tickets after
    // a checkout that touched every folder, each took 3–5 ms, one after
    // the other before).
    let (listed, in_changed) = std::thread::scope(|s| {
        let listing: Vec<_> = changed
            .iter()
            .map(|dir| s.spawn(|| list_changed(&tree.path(dir))))
            .collect();
        let in_changed = index.stamps_in(&changed);
        let listed: Vec<_> = listing.into_iter().map(super::joined).collect();
        (listed, in_changed)
    });
    let in_changed = in_changed?;
    let mut records: super::FastMap<&str, usize> = (0..in_changed.len())
        .map(|i| (in_changed.rel(i), i))
        .collect();
    let listed: Vec<Listed> = listed.into_iter().collect::<Option<_>>()?;
    // A folder below that the index does not know (made by hand, or by a
    // checkout) is listed too, each file in it a new one, and so are the
    // folders below it. Only those the full view reads (see `Tree::scan`):
    // not `templates`, nor below the deepest it looks; they never enter
    // the index.
    let mut folders: Vec<(String, Listed)> = changed.into_iter().zip(listed).collect();
    let mut at = 0;
    while at < folders.len() {
        let dir = folders[at].0.clone();
        let depth = dir.matches('/').count();
        at += 1;
        if dir.is_empty() || depth >= super::scan::MAX_DEPTH {
            continue;
        }
        let names = folders[at - 1].1.folders.clone();
        let as_root = depth == 0 && tree.is_archive(&dir);
        for name in super::scan::folders_named(names, as_root) {
            let below = super::join_rel(&dir, &name);
            if index.dirs.contains_key(&below) {
                continue;
            }
            // Stamped before it is listed, as a changed folder is.
            let stamp = dir_stamp(&tree.path(&below));
            stamp?;
            let listed = list_changed(&tree.path(&below))?;
            outside.dirs.insert(below.clone(), stamp);
            folders.push((below, listed));
        }
    }
    // In the order of `outside.dirs` (what `Tree::rebuilt` pairs them by).
    folders.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let (changed, listed): (Vec<String>, Vec<Listed>) = folders.into_iter().unzip();
    // A killed writer's temp files go, as the full view's scan sweeps them
    // (under any lock one is a leftover: only a writer holding the
    // exclusive lock makes them), and their folder is stamped again: this
    // run changed it. A command that changes nothing leaves them, to be
    // reported as the full view reports them; one that cannot remove them
    // leaves them to the full view.
    for (dir, l) in changed.iter().zip(&listed) {
        let mut removed = false;
        for name in &l.temps {
            match super::scan::sweep_temp(&tree.path(dir).join(name), sweep) {
                Some(true) => removed = true,
                Some(false) if sweep => return None,
                Some(false) => outside.temps.push(super::join_rel(dir, name)),
                None => {}
            }
        }
        if removed {
            outside.dirs.insert(dir.clone(), dir_stamp(&tree.path(dir)));
        }
    }
    // Each file by its folder and its place among the folder's names.
    let names: Vec<(usize, usize)> = listed
        .iter()
        .enumerate()
        .flat_map(|(at, l)| (0..l.files.len()).map(move |i| (at, i)))
        .collect();
    let name = |&(at, i): &(usize, usize)| listed[at].files.name(i);
    // Each file as the full view's scan stats it: a symlink to a ticket
    // file inside the root is its target, one that leaves the root is
    // refused (`Err`).
    let stats = super::parallel_map(&names, |n| {
        use rustix::fs::FileType;
        match super::scan::stat_at(listed[n.0].handle.as_ref()?, name(n)).ok()? {
            (FileType::RegularFile, stamp) => Some(Ok(stamp)),
            (FileType::Symlink, _) => {
                let link = tree.path(&changed[n.0]).join(name(n));
                match tree.symlink_stat(&link) {
                    Stat::File(stamp) => Some(Ok(stamp)),
                    Stat::Problem(message) => Some(Err(message)),
                    _ => None,
                }
            }
            _ => None,
        }
    });
    let stats: Vec<Option<Result<Stamp, &str>>> = stats.into_iter().flatten().collect();
    // (Rebuilt, a refused file has no stamp: the full view's.)
    let stamps = stats.iter().map(|s| s.and_then(Result::ok)).collect();
    let mut read = Vec::new();
    for (n, stat) in names.iter().zip(&stats) {
        let rel = super::join_rel(&changed[n.0], name(n));
        // A folder by that name, or gone already: the full view.
        let stat = (*stat)?;
        let stamp = stat.unwrap_or_default();
        match records.remove(rel.as_str()) {
            Some(old) if in_changed.stamp(old) == stamp && stat.is_ok() => continue,
            Some(old) => {
                let old = in_changed.entry(old)?;
                if let Err(message) = stat
                    && refused_as(&old, message)
                {
                    continue;
                }
                outside.old.push(old);
                read.push((rel, stat));
            }
            None => read.push((rel, stat)),
        }
        if read.len() > REFRESH_FILES {
            break;
        }
    }
    // With what the index has and the folders no longer do, too many to
    // hold: the index is written again.
    if read.len() + records.len() > REFRESH_FILES {
        return Some(Refresh::Many(Relisted {
            dirs: outside.dirs,
            listed,
            stamps,
            temps: outside.temps,
        }));
    }
    for old in records.into_values() {
        outside.old.push(in_changed.entry(old)?);
        outside.gone.push(in_changed.rel(old).to_string());
    }
    for rel in &outside.gone {
        index.forget(rel);
    }
    for (rel, stat) in read {
        let entry = match stat {
            Ok(stamp) => tree.read_entry(rel.clone(), stamp, &tree.path(&rel)),
            Err(message) => Some(refused_entry(rel.clone(), message)),
        };
        match entry {
            Some(e) => {
                if let Some(k) = e.key.as_ref().filter(|k| k.numbered) {
                    let max = index.prefixes.entry(k.prefix.to_string()).or_insert(0);
                    *max = (*max).max(k.num);
                }
                index.refresh(e.clone());
                outside.new.push(e);
            }
            // No longer a ticket (edited into notes): it leaves the view.
            None => {
                index.forget(&rel);
                outside.gone.push(rel);
            }
        }
    }
    for (dir, stamp) in &outside.dirs {
        index.dirs.insert(dir.clone(), *stamp);
    }
    Some(Refresh::Done(outside))
}

/// [`refreshed`], with an index written again ([`Tree::rebuilt`]: the
/// tree's own, or with `apart` a file with no name) when too many files
/// changed to read them again in memory: nothing is then left unwritten,
/// and only the folders listed are told.
fn refreshed_or_rebuilt(
    tree: &Tree,
    mut index: Index,
    apart: bool,
    edited: &[String],
) -> Option<(Index, Outside)> {
    match refreshed(tree, &mut index, edited, !apart)? {
        Refresh::Done(outside) => Some((index, outside)),
        // Files edited in place among more: a command that changes nothing
        // (`doctor`) could not tell what their records said before.
        Refresh::Many(_) if apart && !edited.is_empty() => None,
        Refresh::Many(relisted) => {
            let rebuilt = tree.rebuilt(&index, &relisted, apart)?;
            let outside = Outside {
                dirs: relisted.dirs,
                temps: relisted.temps,
                ..Outside::default()
            };
            Some((rebuilt, outside))
        }
    }
}

/// A changed folder as [`refreshed`] lists it: an open handle, its
/// markdown files' names, the folders below it (but hidden ones), and the
/// names of tix's temp files in it.
pub(super) struct Listed {
    /// `None` for a folder that is gone (listed as empty).
    pub handle: Option<fs::File>,
    pub files: Names,
    pub folders: Vec<String>,
    pub temps: Vec<String>,
}

/// Names one after another in one string (at 100,000 tickets, a folder of
/// 60,000: each in an allocation of its own, those were 3.5 MB of small
/// pieces the read that came after could not use).
#[derive(Default)]
pub(super) struct Names {
    text: String,
    ends: Vec<usize>,
}

impl Names {
    fn push(&mut self, name: &str) {
        self.text.push_str(name);
        self.ends.push(self.text.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn name(&self, i: usize) -> &str {
        let start = i.checked_sub(1).map_or(0, |j| self.ends[j]);
        &self.text[start..self.ends[i]]
    }
}

/// `None` when the folder cannot be listed or holds a name that is not
/// UTF-8; an empty listing when it is gone.
fn list_changed(path: &std::path::Path) -> Option<Listed> {
    let handle = match fs::File::open(path) {
        Ok(handle) => handle,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Some(Listed {
                handle: None,
                files: Names::default(),
                folders: Vec::new(),
                temps: Vec::new(),
            });
        }
        Err(_) => return None,
    };
    let (mut files, mut folders, mut temps) = (Names::default(), Vec::new(), Vec::new());
    for item in fs::read_dir(path).ok()? {
        let item = item.ok()?;
        let name = item.file_name().into_string().ok()?;
        if item.file_type().ok()?.is_dir() {
            if !name.starts_with('.') {
                folders.push(name);
            }
            continue;
        }
        if name.starts_with(super::fsx::TEMP_PREFIX) {
            temps.push(name);
            continue;
        }
        if !super::scan::is_ticket_name(&name) {
            continue;
        }
        files.push(&name);
    }
    Some(Listed {
        handle: Some(handle),
        files,
        folders,
        temps,
    })
}

impl Tree {
    /// The index made for these status folders, opened for lookups (its
    /// header and deltas read, its base left in the file).
    #[must_use]
    pub fn open_index(&self) -> Option<Index> {
        index::open(&self.index_path(), &self.fingerprint())
    }

    /// `index` (as opened) when every status folder is as it recorded, else
    /// brought up to date in memory for the folders that changed since it
    /// was written ([`refreshed`]): what a read goes by after a checkout or
    /// an editor's save, where the full view held every record (at 100,000
    /// tickets, 85 MiB) for as long as no transition wrote the index again.
    /// Up to [`REFRESH_FILES`] changed files, nothing is written: the next
    /// transition lists those folders again and patches their rows in the
    /// registry. Files found written over in place ([`Tree::retried`]) are
    /// the exception: their folders are listed too, and (but with `apart`)
    /// what was read again is appended to the index, as a transition would
    /// not see them ([`Tree::record_edited`]). The old and new records of
    /// what changed are kept ([`index::Index::unwritten`]: the registry's
    /// memo is of the records before), and the folders listed
    /// ([`index::Index::listed`]). When more files changed than that
    /// holds, the index is written again instead, the unchanged records
    /// taken from it ([`Tree::rebuilt`]; with `apart`, for a command that
    /// changes nothing, into a file with no name). `None` where
    /// [`refreshed`] gives none: the full view's.
    pub(super) fn current(&self, index: Index, apart: bool) -> Option<Index> {
        let edited = self.edited_dirs();
        if edited.is_empty() && self.folders_match(&index) {
            return Some(index);
        }
        let (mut index, outside) = refreshed_or_rebuilt(self, index, apart, &edited)?;
        index.listed = outside.dirs.keys().cloned().collect();
        index.temps = outside.temps;
        if !(outside.old.is_empty() && outside.new.is_empty()) {
            index.unwritten = Some(index::Unwritten {
                old: outside.old,
                new: outside.new,
            });
            if !(edited.is_empty() || apart) {
                self.record_edited(&index, &outside.gone, &outside.dirs);
            }
        }
        if !edited.is_empty() {
            // What listing those folders held, given back before the read.
            trim_heap();
        }
        Some(index)
    }

    /// Appends to the index what `index`, brought up to date for files
    /// edited in place, read again (`gone`: the files removed; `dirs`: the
    /// folders listed): a transition trusts the folders' stamps, which such
    /// an edit leaves as they were, and would not see it (the full view
    /// such a read took wrote the index too). The registry stays known
    /// only when it is fresh for what was read again; else the next
    /// transition renders it whole rather than patching a stale one. Best
    /// effort, as every index write.
    fn record_edited(&self, index: &Index, gone: &[String], dirs: &Dirs) {
        let Some(unwritten) = &index.unwritten else {
            return;
        };
        let news: Vec<&Entry> = unwritten.new.iter().collect();
        let removed: Vec<&str> = gone.iter().map(String::as_str).collect();
        // Known without reading the registry (at 100,000 tickets, 8 MB):
        // the one the index knows, and what was read again says what it
        // said (a body edited), each a row of the tickets' tables.
        fn said(entries: &[Entry]) -> Vec<(&str, &Entry)> {
            let mut said: Vec<_> = entries.iter().map(|e| (&*e.rel, e)).collect();
            said.sort_unstable_by(|a, b| a.0.cmp(b.0));
            said
        }
        let same = |a: &[Entry], b: &[Entry]| {
            let (a, b) = (said(a), said(b));
            a.len() == b.len()
                && a.iter()
                    .zip(&b)
                    .all(|(x, y)| x.0 == y.0 && x.1.parsed == y.1.parsed && x.1.key == y.1.key)
        };
        let fresh = index
            .memo
            .as_ref()
            .is_some_and(|m| Some(m.stamp) == self.registry_stamp())
            && same(&unwritten.old, &unwritten.new)
            && registry_rows(self, &unwritten.new).is_some();
        let memo = index.memo.as_ref().filter(|_| fresh);
        // A registry no longer known is said so first, in an append of its
        // own: readers hold the lock shared, and one that sees only part of
        // the records (or a crash that keeps only part) must not find the
        // old registry known beside them.
        let unknown = index::delta(&[], &[], &Dirs::new(), None, &[]);
        let lines = index::delta(&removed, &news, dirs, memo, &new_highest(index, &news));
        let path = self.index_path();
        let appended = if fresh {
            index::append(&path, &lines)
        } else {
            index::append(&path, &unknown).and_then(|()| index::append(&path, &lines))
        };
        if appended.is_err() {
            let _ = fs::remove_file(path);
        }
    }

    /// Whether the registry is fresh for `index`, known without a render:
    /// the registry its memo knows (by its stamp, `now`: taken before),
    /// patched with the rows of what a read brought up to date in memory
    /// ([`index::Index::unwritten`]) as the next transition patches them
    /// (see [`plan_quick`]), comes out the same bytes. `None`: not known
    /// so (no memo, another registry, a row that would be in the problems
    /// table): the caller renders it.
    pub(super) fn registry_known(&self, index: &Index, now: Option<Stamp>) -> Option<bool> {
        let memo = index.memo.as_ref()?;
        if now != Some(memo.stamp) {
            return None;
        }
        let Some(unwritten) = &index.unwritten else {
            return Some(true);
        };
        let rows = |entries| registry_rows(self, entries);
        let (remove, insert) = (rows(&unwritten.old)?, rows(&unwritten.new)?);
        let old = FileLines::open(&self.path(REGISTRY))?;
        if Stamp::of(&old.file.metadata().ok()?) != memo.stamp {
            return None;
        }
        let patch = registry::patch(&self.config, &old, old.len, &memo.layout, &remove, &insert)?;
        patch_keeps(&old, &patch).ok()
    }

    /// The index opened for lookups, if every status folder is as it recorded
    /// (nothing added, removed or renamed since): then "no such id in the
    /// index" means no such ticket.
    #[must_use]
    pub fn trusted_index(&self) -> Option<Index> {
        self.open_index().filter(|i| self.folders_match(i))
    }

    /// The one ticket `id` names, found by the index when the index is
    /// exactly the tree: every folder as it recorded, or a large index
    /// brought up to date for those that changed (see
    /// [`Tree::trusted_or_streamed`]; a large tree without one gets one)
    /// and every ticket file's stamp its record's,
    /// each file stat'ed as a read's scan stats it (so a hand edit anywhere
    /// is seen), the records not decoded but the one found. `None`: the
    /// index is not that, or does not name exactly one ticket that parsed;
    /// the caller reads the whole tree (and says why not, if need be).
    /// What a read of one ticket goes by: at 100,000 tickets the whole
    /// tree's records are 60 MB more.
    #[must_use]
    pub fn find_verified(&self, id: &IdArg) -> Option<Entry> {
        self.retried(|| {
            let index = self.trusted_or_streamed()?;
            // Looked up first (a binary search): an id the index does not name
            // once goes to the full view, which says why, without the stats.
            let found = quick_find(self, &index, id)?;
            self.is_exact(&index).then_some(found)
        })
    }

    /// The index when it is exactly the tree, as [`Tree::find_verified`]
    /// checks it: what a read that looks at every record but holds few
    /// (`archive`'s choice) goes by, one record at a time, instead of the
    /// full view's every record held (at 100,000 tickets, 72 MiB). The
    /// records are read after the check, not beside it: both at once held
    /// the check's paths and the records chosen so far (31 MiB at 100,000
    /// tickets, against 23, for 40 ms less).
    #[must_use]
    pub fn exact_index(&self) -> Option<Index> {
        self.retried(|| {
            self.trusted_or_streamed()
                .filter(|index| self.is_exact(index))
        })
    }

    /// `read`, and once more when it had no answer because the check that
    /// the index is exactly the tree found files edited in place (written
    /// over, their folders' stamps unchanged), at most [`REFRESH_FILES`]:
    /// the second time the index is brought up to date for their folders
    /// as for folders whose stamps changed ([`Tree::current`]: listed, the
    /// changed files read again), where the full view read every file and
    /// held every record. A read with side effects of its own (`list`'s
    /// spools) asks [`Tree::edited_in_place`] and tries again itself.
    pub(super) fn retried<T>(&self, mut read: impl FnMut() -> Option<T>) -> Option<T> {
        read().or_else(|| {
            if !self.edited_in_place() {
                return None;
            }
            trim_heap();
            read()
        })
    }

    /// Forgets the files found edited in place: an index written from a
    /// read of every file records them.
    pub(super) fn forget_edited(&self) {
        if let Ok(mut e) = self.edited.lock() {
            *e = super::Edited::default();
        }
    }

    /// Whether `index`, brought up to date for files edited in place
    /// ([`Tree::current`]), was stale for them as it is on disk: as the
    /// full view's check of the index says (`doctor`), a file in a folder
    /// whose stamp is the index's that says something else now, or is no
    /// ticket now (its stamp alone differs only for a file that does not
    /// parse, as before).
    pub(super) fn stale_for_edits(&self, index: &Index) -> bool {
        let dirs = self.edited_dirs();
        let Some(unwritten) = &index.unwritten else {
            return false;
        };
        let edited = |e: &&Entry| dirs.iter().any(|d| d == super::parent_dir(&e.rel));
        let mut new: super::FastMap<&str, &Entry> = unwritten
            .new
            .iter()
            .filter(edited)
            .map(|e| (&*e.rel, e))
            .collect();
        let differs = unwritten
            .old
            .iter()
            .filter(edited)
            .any(|old| new.remove(&*old.rel).is_none_or(|now| old.stale_for(now)));
        differs || !new.is_empty()
    }

    /// The folders of the files found edited in place in this run.
    fn edited_dirs(&self) -> Vec<String> {
        self.edited
            .lock()
            .map(|e| e.dirs.clone())
            .unwrap_or_default()
    }

    /// Whether files edited in place were found in this run.
    pub(super) fn edited_noted(&self) -> bool {
        self.edited.lock().is_ok_and(|e| !e.dirs.is_empty())
    }

    /// Whether the last check that the index is exactly the tree failed
    /// only because of files edited in place, in folders the next
    /// [`Tree::current`] lists (asked once: then `false` until another
    /// check finds more).
    pub fn edited_in_place(&self) -> bool {
        self.edited
            .lock()
            .is_ok_and(|mut e| std::mem::take(&mut e.fresh))
    }

    /// What `read` makes of `index`, a trusted one, read on another thread
    /// beside the check that it is exactly the tree (see
    /// [`Tree::exact_index`]): for a read that holds little, where the
    /// check's paths and what it holds fit together (`next`: 40–50 ms less
    /// at 100,000 tickets). `None` when the index is not exactly the tree,
    /// or `read` says so.
    pub(super) fn by_exact<T: Send>(
        &self,
        index: &Index,
        read: impl FnOnce(&Index) -> Option<T> + Send,
    ) -> Option<T> {
        // The read stops at the first file the check finds changed.
        let made = std::thread::scope(|s| {
            let made = s.spawn(|| read(index));
            let exact = self.check_exact(index, &|| index.abandon(true));
            super::joined(made).filter(|_| exact)
        });
        index.abandon(false);
        made
    }

    /// Whether every ticket file's stamp is its record's in `index` (a
    /// trusted one: no file added or removed), each file stat'ed as a
    /// read's scan stats it, so that a hand edit anywhere is seen (but in
    /// the folders listed to bring the index up to date, each of whose
    /// files was just stat'ed: [`Index::listed`]); the records are read as
    /// a path and a stamp only.
    fn is_exact(&self, index: &Index) -> bool {
        self.check_exact(index, &|| {})
    }

    /// [`Tree::is_exact`], calling `differs` at the first file that is not
    /// as its record says.
    fn check_exact(&self, index: &Index, differs: &(dyn Fn() + Sync)) -> bool {
        // A chunk at a time: the paths of every record were 9 MB at
        // 100,000 tickets. The check goes on past files edited in place (a
        // regular file with another stamp), noting their folders, up to
        // [`REFRESH_FILES`] of them; any other difference, or more, ends it
        // (once its chunk is stat'ed).
        let mut rows: Vec<usize> = Vec::new();
        let mut edited: Vec<String> = Vec::new();
        let checked = index.each_stamps(EXACT_CHUNK, &mut |some| {
            rows.clear();
            rows.extend((0..some.len()).filter(|&i| {
                let dir = super::parent_dir(some.rel(i));
                !index.listed.iter().any(|d| d == dir)
            }));
            let held = super::parallel_map(&rows, |&i| holds(self, some.rel(i), some.stamp(i)));
            if held.iter().any(|h| *h != Some(Held::Same)) {
                differs();
            }
            for (&i, held) in rows.iter().zip(held) {
                match held? {
                    Held::Same => {}
                    Held::Edited => edited.push(some.rel(i).to_string()),
                    Held::Other => return None,
                }
            }
            (edited.len() <= REFRESH_FILES).then_some(())
        });
        if checked.is_some() && !edited.is_empty() {
            self.note_edited(&edited);
        }
        checked.is_some() && edited.is_empty()
    }

    /// Notes the folders of `files`, found edited in place, for the next
    /// try ([`Tree::retried`]) and every [`Tree::current`] after it.
    pub(super) fn note_edited(&self, files: &[String]) {
        if let Ok(mut e) = self.edited.lock() {
            e.fresh = true;
            for file in files {
                let dir = super::parent_dir(file);
                if !e.dirs.iter().any(|d| d == dir) {
                    e.dirs.push(dir.to_string());
                }
            }
        }
    }

    /// The open tickets (pending and in progress) and the tickets their
    /// dependencies name, from the index alone, when every folder is as it
    /// recorded: no stat of every file, so what a transition trusts is
    /// trusted here too (a file edited in place keeps what the index says
    /// until a command reads the whole tree). `None`: no such index, or more
    /// open tickets than it lists the places of (see
    /// [`Tree::open_by_index`]).
    pub fn open_tickets_by_index(&self) -> Option<Snapshot> {
        let open = |rel: &str, said: Option<&str>| {
            // An escaped value is rare: decoded to be sure.
            said.is_some_and(|s| s.contains('\\')) || self.is_open_at(rel, said)
        };
        // The records the index marks as open, read one by one.
        let index = self.trusted_index()?;
        let mut entries = index.open_entries(&open)?;
        let mut held: std::collections::HashSet<crate::ticket::Text> =
            entries.iter().map(|e| e.rel.clone()).collect();
        let deps: std::collections::BTreeSet<IdKey> = entries
            .iter()
            .filter_map(|e| e.parsed.as_ref().ok())
            .flat_map(|m| m.depends_on.iter())
            .filter_map(IdKey::parse_text)
            .collect();
        // Every file of each id waited for, even one an open ticket held
        // has: of an id on two files, the first by path stands for it.
        // Many lookups in an index under 4 MiB go through it mapped (read
        // whole once, to check it is text), not a few reads of the file
        // each: at 10,000 tickets, 500 open that wait for 900 ids, the
        // hook took 22 ms so, 7.5 ms mapped (and 15.7 ms when the ids open
        // tickets had were not looked up). A larger index is not read
        // whole for them: its pages would count in the hook's memory.
        let many = deps.len() > 64 && index.base_bytes() < super::BY_INDEX_FROM;
        let mapped = many
            .then(|| index::load(&self.index_path(), &self.fingerprint()))
            .flatten();
        let index = mapped.as_ref().unwrap_or(&index);
        for dep in deps {
            for e in index.lookup(&dep)? {
                if held.insert(e.rel.clone()) {
                    entries.push(e);
                }
            }
        }
        Some(Snapshot {
            entries,
            ..Snapshot::default()
        })
    }

    /// Whether a record is an open ticket's: one that parsed, and is open
    /// where it is ([`Tree::is_open_at`]). What the index notes of each.
    pub(crate) fn is_open(&self, e: &Entry) -> bool {
        e.said().is_some_and(|said| self.is_open_at(&e.rel, said))
    }

    /// Whether a ticket at `rel` whose file says status `said` is open
    /// (pending or in progress).
    pub(crate) fn is_open_at(&self, rel: &str, said: Option<&str>) -> bool {
        use crate::config::Kind;
        matches!(
            self.status_in(said, super::top_dir(rel))
                .and_then(|s| self.config.kind_of(s)),
            Some(Kind::Pending | Kind::InProgress)
        )
    }

    pub(super) fn folders_match(&self, index: &Index) -> bool {
        // Every folder the index recorded (sub-folders included) as it was,
        // and no folder that holds tickets missing from it.
        self.folders().all(|dir| index.dirs.contains_key(dir))
            && index
                .dirs
                .iter()
                .all(|(dir, stamp)| *stamp == dir_stamp(&self.path(dir)))
    }

    /// Of `ids`, those a ticket may have, by the index alone (no lock, no
    /// scan): when the folders are as the index recorded, the ids it finds;
    /// otherwise every one of them (the caller's scan then decides, and
    /// writes an index that the next call trusts). `UTF-8` or `SHA-256` in a
    /// prompt costs a binary search, not a lock, once the index is there.
    #[must_use]
    pub fn may_exist<'k>(&self, ids: &'k [IdKey]) -> Vec<&'k IdKey> {
        let index = self.trusted_index();
        ids.iter()
            .filter(|k| match &index {
                Some(i) => {
                    i.prefixes.contains_key(&*k.prefix)
                        && i.lookup(k).is_none_or(|hits| !hits.is_empty())
                }
                None => true,
            })
            .collect()
    }
}

/// The one ticket the index has for `id` (its file not looked at).
fn quick_find(tree: &Tree, index: &Index, id: &IdArg) -> Option<Entry> {
    let mut hits = Vec::new();
    match id {
        IdArg::Full(k, _) => hits.extend(index.lookup(k)?),
        IdArg::Number(n, _) => {
            for prefix in index.prefixes.keys() {
                let k = crate::ticket::IdKey {
                    prefix: prefix.clone().into(),
                    numbered: true,
                    num: *n,
                    sub: Vec::new(),
                    suffix: "".into(),
                };
                hits.extend(index.lookup(&k)?);
            }
        }
    }
    let narrowed = tree.narrow(hits.iter().collect(), id);
    match narrowed.as_slice() {
        [one] if tree.ticket_of(one).is_some() => Some((*one).clone()),
        _ => None,
    }
}

pub(super) fn is_file(tree: &Tree, rel: &str) -> bool {
    fs::symlink_metadata(tree.path(rel)).is_ok_and(|m| m.is_file())
}

/// Whether an entry's file still has the stamp the index recorded.
fn fresh(tree: &Tree, e: &Entry) -> bool {
    holds(tree, &e.rel, e.stamp) == Held::Same
}

/// Whether the file at `rel` is a ticket file with the stamp `stamp`, as
/// the full view's scan sees it (a symlink as [`Tree::symlink_stat`] says).
fn holds(tree: &Tree, rel: &str, stamp: Stamp) -> Held {
    let path = tree.path(rel);
    let now = match fs::symlink_metadata(&path) {
        Ok(m) if m.is_file() => Stamp::of(&m),
        // As the scan sees it: its target's stamp, or refused (the record
        // of a refused file has no stamp).
        Ok(m) if m.file_type().is_symlink() => match tree.symlink_stat(&path) {
            Stat::File(now) => now,
            Stat::Problem(_) if stamp == Stamp::default() => return Held::Same,
            _ => return Held::Other,
        },
        _ => return Held::Other,
    };
    if now == stamp {
        Held::Same
    } else {
        Held::Edited
    }
}

/// What [`holds`] found of a ticket file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Held {
    /// The stamp its record has.
    Same,
    /// A ticket file (or a symlink to one, see [`Tree::symlink_stat`])
    /// with another stamp: edited in place, if its folder's stamp is
    /// unchanged.
    Edited,
    /// Gone, or no ticket file.
    Other,
}

/// How many files [`Tree::is_exact`] stats at a time.
const EXACT_CHUNK: usize = 8192;

/// In `.tix/`: the inode of the last ticket moved, reused for the next one's
/// new file (see [`fsx::write_new_reusing`]).
const SPARE: &str = "ticket.spare";

/// What taking a change back needs, known before its first step: the
/// source as it was (bytes and permissions) and the audit log's length.
struct Undo<'c> {
    change: &'c Change,
    moving: bool,
    src: Option<(PathBuf, Vec<u8>, fs::Permissions)>,
    events_len: Option<u64>,
}

impl Undo<'_> {
    /// Puts the tickets and the audit log back as they were before the
    /// change, then clears the journal. An error says what could not be put
    /// back: the journal then stays, and the next command finishes or rolls
    /// the change back from it.
    ///
    /// `landed`: the new file was renamed into place. Before that, a file at
    /// the destination is not the change's (a rename that fails because one
    /// appeared there meanwhile) and stays.
    fn run(&self, tree: &Tree, landed: bool) -> Result<()> {
        let dst = tree.path(&self.change.dst);
        let state = tree.state_dir();
        let remove_dst = || -> Result<()> {
            if landed {
                remove_if_there(&dst)
                    .with_context(|| format!("failed to remove {}", tree.show(&self.change.dst)))?;
            }
            Ok(())
        };
        match &self.src {
            // A new ticket: its file goes.
            None => remove_dst()?,
            Some((src, bytes, perms)) if self.moving => {
                remove_dst()?;
                if fs::symlink_metadata(src).is_err() {
                    // The source's own inode is the spare when it was kept;
                    // else its bytes are written back.
                    let spare = state.join(SPARE);
                    let back = fs::read(&spare).is_ok_and(|b| b == *bytes)
                        && fs::rename(&spare, src).is_ok();
                    if !back {
                        fsx::write_new(src, bytes, None)
                            .and_then(|()| fs::set_permissions(src, perms.clone()))
                            .with_context(|| {
                                format!("failed to put back {}", tree.show(src_rel(self.change)))
                            })?;
                    }
                    fsx::sync_dir(src.parent().unwrap_or(&tree.root))?;
                }
            }
            // Changed in place: the old bytes go back, if the new ones landed
            // (before that, other bytes there are someone else's save).
            Some((src, bytes, _)) => {
                if landed && fs::read(src).ok().as_deref() != Some(bytes.as_slice()) {
                    fsx::write_atomic(src, bytes, Some(src), true).with_context(|| {
                        format!("failed to put back {}", tree.show(src_rel(self.change)))
                    })?;
                }
            }
        }
        if let Some(dir) = dst.parent() {
            fsx::sync_dir(dir)?;
        }
        journal::truncate_events(&state, self.events_len)
            .context("failed to take the event back out of .tix/events.jsonl")?;
        journal::remove_synced(&state)
    }

    /// `err`, said with what became of the change: taken back (the tree is
    /// as it was), or not (`doctor` finishes it).
    fn after(&self, tree: &Tree, err: anyhow::Error) -> anyhow::Error {
        self.after_step(tree, err, true)
    }

    /// [`Undo::after`] a failure of the rename itself: nothing landed.
    fn after_rename(&self, tree: &Tree, err: anyhow::Error) -> anyhow::Error {
        self.after_step(tree, err, false)
    }

    fn after_step(&self, tree: &Tree, err: anyhow::Error, landed: bool) -> anyhow::Error {
        match self.run(tree, landed) {
            Ok(()) => anyhow::anyhow!("{err:#}; nothing was changed"),
            Err(u) => anyhow::anyhow!(
                "{err:#}; the change could not be taken back ({u:#}): run `tix doctor --fix`"
            ),
        }
    }
}

fn src_rel(change: &Change) -> &str {
    change.src.as_deref().unwrap_or(&change.dst)
}

fn remove_if_there(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// The file steps of a change; returns the stamp of its destination, and
/// what taking the change back needs (a failed step takes it back itself).
fn apply<'c>(
    tree: &Tree,
    change: &'c Change,
    counter: Option<&journal::Counter>,
) -> Result<(Stamp, Undo<'c>)> {
    let dst_path = tree.path(&change.dst);
    let src_path = change.src.as_deref().map(|s| tree.path(s));
    let moving = change.src.as_deref() != Some(change.dst.as_str());
    if moving && fs::symlink_metadata(&dst_path).is_ok() {
        bail!(
            "{}: already exists; refusing to overwrite it (run `tix sync --check`)",
            tree.show(&change.dst)
        );
    }
    // git does not keep empty folders: a status folder may be missing.
    for dir in std::iter::once(&dst_path)
        .chain(src_path.as_ref())
        .filter_map(|p| p.parent())
    {
        fs::create_dir_all(dir).with_context(|| {
            format!("failed to create the folder of {}", tree.show(&change.dst))
        })?;
        tree.ensure_inside(dir)?;
    }
    let state = tree.state_dir();
    // What the source is now: recovery keeps it if someone edits it after a
    // kill, an edit saved since the change read it is not written over, and
    // a failed step puts it back.
    let src = match (&src_path, &change.src) {
        (Some(p), Some(src)) => {
            let bytes =
                fs::read(p).with_context(|| format!("failed to read {}", tree.show(src)))?;
            let now = fsx::fingerprint(&bytes);
            if change.base.as_ref().is_some_and(|b| *b != now) {
                bail!(
                    "{}: changed on disk while tix was changing it; nothing was changed (run the command again)",
                    tree.show(src)
                );
            }
            let perms = fs::metadata(p)
                .with_context(|| format!("failed to read {}", tree.show(src)))?
                .permissions();
            Some((p.clone(), bytes, perms, now))
        }
        _ => None,
    };
    let intent = journal::Intent {
        tx: change.event.tx.clone().unwrap_or_default(),
        src: change.src.clone(),
        dst: change.dst.clone(),
        fingerprint: fsx::fingerprint(change.content.as_bytes()),
        src_fingerprint: src.as_ref().map(|s| s.3.clone()),
        event: change.event.clone(),
    };
    let undo = Undo {
        change,
        moving,
        src: src.map(|(p, b, perms, _)| (p, b, perms)),
        events_len: journal::events_len(&state),
    };
    let shown = tree.show(&change.dst);
    // Before the first step anyone can see (the new file's rename), on
    // another thread: the journal is synced, then a new ticket's number in
    // the counter, then the audit line is appended and synced (recovery
    // takes the line out again if the change does not land). The new bytes
    // are written and synced at the same time, into a temp file a kill
    // leaves for the next command to remove (or the spare inode).
    let spare = state.join(SPARE);
    let how = match (moving, &src_path) {
        (true, Some(src)) => fsx::Put::NewReusing {
            spare: &spare,
            perms_from: src,
        },
        (true, None) => fsx::Put::New { perms_from: None },
        (false, _) => fsx::Put::Over,
    };
    let (journaled, staged) = std::thread::scope(|s| {
        let journaled = s.spawn(|| -> Result<()> {
            journal::write(&state, &intent).context("failed to write .tix/journal.json")?;
            journal::append_event(&state, &change.event)
                .context("failed to append to .tix/events.jsonl")?;
            failpoint("after-event");
            Ok(())
        });
        let staged = super::failpoint_error("write")
            .and_then(|()| fsx::stage(&dst_path, change.content.as_bytes(), &how));
        let counted = counter.map_or(Ok(()), |c| {
            super::failpoint_error("counter")
                .and_then(|()| c.sync())
                .context("failed to sync .tix/last-id")
        });
        (super::joined(journaled).and(counted), staged)
    });
    if let Err(e) = journaled {
        // Nothing anyone can see was done. The audit line goes if it was
        // appended (whole or torn); a torn journal would mean "no step
        // taken" anyway, and it goes too (the staged temp file goes with
        // `staged`). Only a line that cannot be cut keeps the journal, for
        // the next command to take the line out.
        if let Err(c) = journal::truncate_events(&state, undo.events_len) {
            return Err(anyhow::anyhow!(
                "{e:#}; the change could not be taken back (failed to take the event back out of .tix/events.jsonl: {c:#}): run `tix doctor --fix`"
            ));
        }
        let _ = journal::remove(&state);
        return Err(anyhow::anyhow!("{e:#}; nothing was changed"));
    }
    failpoint("after-journal");
    // Tests: a file another program puts at the destination meanwhile; a
    // save of it by someone, then a rename that fails as a full disk does.
    if super::failpoint_set("taken-before-rename") {
        let _ = fs::write(&dst_path, b"made meanwhile\n");
    }
    if super::failpoint_set("full:saved-then-rename") {
        let _ = fs::write(&dst_path, b"saved meanwhile\n");
    }
    let staged = staged.and_then(|s| super::failpoint_error("saved-then-rename").map(|()| s));
    if let Err(e) = staged.and_then(|staged| staged.rename(&dst_path)) {
        let err = anyhow::Error::from(e).context(format!("failed to write {shown}"));
        return Err(undo.after_rename(tree, err));
    }
    failpoint("after-write");
    // The new name is on disk before the old one goes.
    let landed = fsx::sync_dir(dst_path.parent().unwrap_or(&tree.root))
        .with_context(|| format!("failed to write {shown}"));
    let source = change
        .src
        .as_ref()
        .zip(src_path.as_ref())
        .filter(|_| moving);
    let removed = landed.and_then(|()| {
        if let Some((src, src_path)) = source {
            super::failpoint_error("remove")
                .and_then(|()| fsx::retire(src_path, &spare))
                .with_context(|| format!("failed to remove {}", tree.show(src)))?;
            fsx::sync_dir(src_path.parent().unwrap_or(&tree.root))
                .with_context(|| format!("failed to sync {}", tree.show(src)))?;
        }
        failpoint("after-remove");
        Ok(())
    });
    if let Err(e) = removed {
        return Err(undo.after(tree, e));
    }
    let meta = match fs::metadata(&dst_path) {
        Ok(m) => m,
        Err(e) => {
            return Err(undo.after(
                tree,
                anyhow::Error::from(e).context(format!("failed to stat {shown}")),
            ));
        }
    };
    Ok((Stamp::of(&meta), undo))
}

/// The registry's next version on the quick path: the changed ticket's row
/// out and in, and those of the files read again after a change outside tix.
struct Planned {
    /// The registry as the index remembers it.
    old: FileLines,
    patch: registry::Patch,
}

impl Planned {
    /// The new registry's bytes: the new rows, and the old ones copied
    /// kernel-side (`copy_file_range`) where the system can.
    fn write(&self, out: &mut fs::File) -> io::Result<()> {
        let mut src = &self.old.file;
        for piece in &self.patch.pieces {
            match piece {
                Piece::New(text) => out.write_all(text.as_bytes())?,
                Piece::Old(r) => {
                    src.seek(SeekFrom::Start(r.start as u64))?;
                    let n = io::copy(&mut src.take(r.len() as u64), out)?;
                    if n != r.len() as u64 {
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                }
            }
        }
        Ok(())
    }

    /// Written aside, while the change's syncs wait for the disk.
    fn prepare(&self, tree: &Tree) -> Result<()> {
        tree.prepare_registry(|out| self.write(out))
    }
}

/// The registry patch for a change that writes `new`, if the quick path can
/// make one: `None` when the registry is not the one the index remembers,
/// or a row would be in the problems table (the caller renders it whole).
fn plan_quick(
    tree: &Tree,
    index: &Index,
    new: &Entry,
    change: &Change,
    outside: &Outside,
) -> Option<Planned> {
    let memo = index.memo.as_ref()?;
    // A file changed outside tix shows in the registry as it was: the row to
    // replace is its old one (and one added outside tix has no row yet).
    let src = change.src.as_deref();
    let src_outside =
        src.is_some_and(|s| outside.old.iter().chain(&outside.new).any(|e| &*e.rel == s));
    let src_old = change.replaces.as_ref().filter(|_| !src_outside);
    if src.is_some() && !src_outside && src_old.is_none() {
        return None;
    }
    let olds = outside.old.iter().chain(src_old);
    let remove = olds
        .map(|e| registry_row(tree, e))
        .collect::<Option<Vec<_>>>()?;
    let insert = news(new, change, outside)
        .map(|e| registry_row(tree, e))
        .collect::<Option<Vec<_>>>()?;
    if on_two_files(index, new, change, outside)? {
        return None;
    }
    let old = FileLines::open(&tree.path(REGISTRY))?;
    match old.file.metadata() {
        Ok(m) if Stamp::of(&m) == memo.stamp => {}
        _ => return None,
    }
    let patch = registry::patch(&tree.config, &old, old.len, &memo.layout, &remove, &insert)?;
    Some(Planned { old, patch })
}

/// Whether an id the change or the files changed outside tix carry is on
/// two files before them or after: the registry's problems then list other
/// files than a patch of the rows would leave there (a copy removed, added,
/// or saved with another id). `index` is brought up to date for what
/// changed outside tix, not yet for the change. `None`: a lookup failed.
fn on_two_files(index: &Index, new: &Entry, change: &Change, outside: &Outside) -> Option<bool> {
    // Each once: a file changed outside tix has its old and new records.
    let mut keys: Vec<&IdKey> = outside
        .old
        .iter()
        .chain(&outside.new)
        .chain([new])
        .filter_map(|e| e.key.as_ref())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    // The ticket the change replaces was found as the one file of its id
    // (`State::find` refuses an id on two files): while it keeps that id
    // and no file changed outside tix has it, it is on one file before and
    // after, and needs no lookup (at 100,000 tickets, 32 reads of the
    // index on every transition).
    let own = change
        .replaces
        .as_ref()
        .and_then(|e| e.key.as_ref())
        .filter(|k| new.key.as_ref() == Some(*k));
    let outside_has =
        |key: &IdKey| (outside.old.iter().chain(&outside.new)).any(|e| e.key.as_ref() == Some(key));
    for key in keys {
        if own == Some(key) && !outside_has(key) {
            continue;
        }
        let now = index.lookup(key)?;
        let is_new = |e: &Entry| outside.new.iter().any(|n| n.rel == e.rel);
        let before = now.iter().filter(|e| !is_new(e)).count()
            + outside
                .old
                .iter()
                .filter(|e| e.key.as_ref() == Some(key))
                .count();
        let changed = |e: &Entry| Some(&*e.rel) == change.src.as_deref() || *e.rel == *change.dst;
        let after =
            now.iter().filter(|e| !changed(e)).count() + usize::from(new.key.as_ref() == Some(key));
        if now.len() > 1 || before > 1 || after > 1 {
            return Some(true);
        }
    }
    Some(false)
}

/// A record's row in the registry's tables. `None` for one in the problems
/// table (a malformed or misplaced file): that means a full render.
fn registry_row<'a>(tree: &'a Tree, e: &'a Entry) -> Option<crate::model::Ticket<'a>> {
    tree.ticket_of(e).filter(|_| !tree.misplaced(e))
}

/// Each record's [`registry_row`], if every one has one.
fn registry_rows<'a>(
    tree: &'a Tree,
    entries: &'a [Entry],
) -> Option<Vec<crate::model::Ticket<'a>>> {
    entries.iter().map(|e| registry_row(tree, e)).collect()
}

/// Whether `patch` of `old` writes `old`'s bytes again: each new piece
/// compared with what `old` has where it lands, each old one unless it
/// stays where it was.
fn patch_keeps(old: &FileLines, patch: &registry::Patch) -> io::Result<bool> {
    use std::os::unix::fs::FileExt;
    const PIECE: usize = 64 << 10;
    let (mut at, mut was, mut now) = (0, Vec::new(), Vec::new());
    let same = |bytes: &[u8], at: usize, was: &mut Vec<u8>| -> io::Result<bool> {
        if at + bytes.len() > old.len {
            return Ok(false);
        }
        was.resize(bytes.len(), 0);
        old.file.read_exact_at(was, at as u64)?;
        Ok(*was == bytes)
    };
    for piece in &patch.pieces {
        match piece {
            Piece::Old(r) if r.start == at => at = r.end,
            Piece::Old(r) => {
                let mut from = r.start;
                while from < r.end {
                    let n = PIECE.min(r.end - from);
                    now.resize(n, 0);
                    old.file.read_exact_at(&mut now, from as u64)?;
                    if !same(&now, at, &mut was)? {
                        return Ok(false);
                    }
                    (from, at) = (from + n, at + n);
                }
            }
            Piece::New(text) => {
                if !same(text.as_bytes(), at, &mut was)? {
                    return Ok(false);
                }
                at += text.len();
            }
        }
    }
    Ok(at == old.len)
}

/// The records a change brings: what it wrote, and what was read again of
/// files changed outside tix (which it supersedes for its own files).
fn news<'a>(
    new: &'a Entry,
    change: &'a Change,
    outside: &'a Outside,
) -> impl Iterator<Item = &'a Entry> {
    outside
        .new
        .iter()
        .filter(|e| Some(&*e.rel) != change.src.as_deref() && *e.rel != *change.dst)
        .chain(std::iter::once(new))
}

/// Puts the [`Planned`] registry in place and appends the change to the
/// index.
fn finish_quick(
    tree: &Tree,
    index: &Index,
    new: &Entry,
    change: &Change,
    outside: &Outside,
    planned: Planned,
) -> Result<()> {
    if !tree.swap_registry()? {
        tree.put_registry(|out| planned.write(out))?;
    }
    append_change(tree, index, new, change, outside, planned.patch.layout);
    Ok(())
}

/// The registry rendered whole from `index` with the change applied to it
/// in memory ([`Tree::render_by_index`]), put in place if its bytes
/// change, and the change appended to the index: what a change does when
/// the registry cannot be patched (a pull or a merge rewrote it, a read
/// found it stale, a row would be in the problems table), where the full
/// view held every record (at 100,000 tickets, 86 MiB). Every file is
/// stat'ed beside the render, as a read's scan stats it, and the render
/// is put in place only if each is as its record says: the registry shows
/// what the full view's would. Files written over in place (their
/// folders' stamps unchanged: the quick state trusted them), at most
/// [`REFRESH_FILES`], are read again with their folders, as a read reads
/// them ([`Tree::retried`]), and appended to the index with the change
/// (they join `outside`); the render is then tried once more. `Ok(false)`:
/// the index is not exactly the tree, a record does not parse, or a spool
/// failed: the full view's to do.
fn finish_rendered(
    tree: &Tree,
    index: &mut Index,
    new: &Entry,
    change: &Change,
    outside: &mut Outside,
) -> Result<bool> {
    if let Some(src) = change.src.as_deref().filter(|s| *s != change.dst) {
        index.forget(src);
    }
    index.refresh(new.clone());
    // Rendered beside the check, each record's own problem found as it
    // comes, into a spool.
    let render = |index: &Index| tree.by_exact(index, |index| tree.render_spooled(index, None));
    let mut rendered = render(index);
    if rendered.is_none()
        && tree.edited_in_place()
        && let Some(Refresh::Done(more)) = refreshed(tree, index, &tree.edited_dirs(), true)
    {
        outside.old.extend(more.old);
        outside.new.extend(more.new);
        outside.gone.extend(more.gone);
        outside.dirs.extend(more.dirs);
        rendered = render(index);
    }
    let Some((spool, len, layout)) = rendered else {
        return Ok(false);
    };
    tree.replace_registry_from(&spool, len)?;
    append_change(tree, index, new, change, outside, layout);
    Ok(true)
}

/// Appends a change to the index (best effort: the index is only an
/// accelerator): its record, those of the files read again after a change
/// outside tix, the folders' new stamps, and the registry's as it now is,
/// `layout` its layout.
fn append_change(
    tree: &Tree,
    index: &Index,
    new: &Entry,
    change: &Change,
    outside: &Outside,
    layout: registry::Layout,
) {
    let memo = tree.registry_stamp().map(|stamp| Memo { stamp, layout });
    let mut dirs = outside.dirs.clone();
    // The registry is in the root: a root that holds tickets has changed.
    if tree.is_flat("") {
        dirs.insert(String::new(), dir_stamp(&tree.root));
    }
    for rel in std::iter::once(&change.dst).chain(change.src.as_ref()) {
        for dir in folders_of(rel) {
            dirs.insert(dir.to_string(), dir_stamp(&tree.path(dir)));
        }
    }
    let src = change.src.as_deref();
    let removed: Vec<&str> = src
        .filter(|s| *s != change.dst)
        .into_iter()
        .chain(outside.gone.iter().map(String::as_str))
        .collect();
    let news: Vec<&Entry> = news(new, change, outside).collect();
    let lines = index::delta(
        &removed,
        &news,
        &dirs,
        memo.as_ref(),
        &new_highest(index, &news),
    );
    if index::append(&tree.index_path(), &lines).is_err() {
        let _ = fs::remove_file(tree.index_path());
    }
}

/// Gives the heap's free pages back to the system: what a first try that
/// found files edited in place held is freed, but in pieces the second
/// try's blocks do not fit (`status --json` at 100,000 tickets: 33.2 MiB
/// peak without this).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_heap() {
    // SAFETY: `malloc_trim` only returns free memory; it takes the
    // allocator's own locks.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_heap() {}

/// A new highest number of a prefix among `news`: a change's own id, or
/// one a file read again brought (already in the index's memory, not on
/// disk).
fn new_highest<'e>(index: &Index, news: &[&'e Entry]) -> Vec<(&'e str, u64)> {
    news.iter()
        .filter_map(|e| e.key.as_ref())
        .filter(|k| k.numbered && index.prefixes.get(&*k.prefix).is_none_or(|m| k.num >= *m))
        .map(|k| (&*k.prefix, k.num))
        .collect()
}

/// What the recovery of an interrupted change did.
#[derive(Debug)]
pub struct Recovered {
    pub intent: journal::Intent,
    /// The change was finished (else rolled back, or left: see below).
    pub landed: bool,
    /// Where the old copy went, and why, when it could not simply be removed
    /// (kept in `.tix/conflicts/`).
    pub kept: Option<(String, &'static str)>,
    /// Not finished, yet not as it was: files were edited after the kill
    /// (both copies of a move; a ticket changed in place). Left as they are,
    /// the change not logged; what `tix doctor --fix` can settle, it does.
    pub left: bool,
    /// Whether the registry had to be written again.
    pub registry_written: bool,
}

impl Recovered {
    /// One line for a person: what happened to the change (paths as `tree`
    /// shows them).
    pub fn describe(&self, tree: &Tree) -> String {
        let i = &self.intent;
        let src = i.src.as_deref().map(|s| tree.show(s));
        let mut out = if self.left {
            match &i.src {
                Some(s) if *s != i.dst => format!(
                    "left the interrupted change of {} as it is: {} and {} both exist and both were edited",
                    i.event.ticket,
                    src.as_deref().unwrap_or("-"),
                    tree.show(&i.dst)
                ),
                _ => format!(
                    "left the interrupted change of {} as it is: {} was edited after the interruption (the change is not logged)",
                    i.event.ticket,
                    tree.show(&i.dst)
                ),
            }
        } else if self.landed {
            format!(
                "finished the interrupted change of {} ({} → {})",
                i.event.ticket,
                i.event.from.as_deref().unwrap_or("-"),
                i.event.to.as_deref().unwrap_or("-")
            )
        } else {
            match src {
                Some(src) => format!(
                    "rolled back the interrupted change of {} ({src} stays as it was)",
                    i.event.ticket
                ),
                // A new ticket: there was nothing to keep as it was.
                None => format!(
                    "rolled back the interrupted change of {} ({} was not created)",
                    i.event.ticket,
                    tree.show(&i.dst)
                ),
            }
        };
        if let (Some((kept, why)), Some(src)) = (&self.kept, &i.src) {
            let _ = write!(
                out,
                "; {} {why}, so it is kept as {}",
                tree.show(src),
                tree.show(kept)
            );
        }
        out
    }

    /// Whether a person should hear of it (a file kept aside, or left).
    pub fn noteworthy(&self) -> bool {
        self.kept.is_some() || self.left
    }
}

/// What recovery found of a change's source.
enum Source {
    /// A new ticket: there was none.
    None,
    Gone,
    /// As the change found it (or unknown: a journal from before fingerprints).
    Untouched,
    Edited,
}

impl Tree {
    /// Finishes or rolls back the change a killed run left in the journal,
    /// then renders the registry and the index from the tree as it is.
    /// `None` when the journal held no change (it was being written).
    ///
    /// Nothing anyone wrote after the kill is removed: the change landed when
    /// the destination holds its bytes, or holds others (edited since) and the
    /// source is gone or untouched — a destination that existed before was
    /// refused by the change, so the file is the change's. Finishing removes
    /// the source only when the destination holds exactly the change's bytes
    /// and the source is as the change found it; otherwise the source goes to
    /// `.tix/conflicts/`, logged before it is moved.
    pub(crate) fn recover(&self, lock: &Exclusive) -> Result<Option<Recovered>> {
        let _ = lock;
        let state = self.state_dir();
        let Some(intent) = journal::read(&state)? else {
            journal::remove(&state)?;
            return Ok(None);
        };
        let bad = |rel: &str| {
            // A journal is ours, but never trust a path from disk blindly.
            rel.split('/')
                .any(|c| c.is_empty() || c == "." || c == "..")
        };
        if bad(&intent.dst) || intent.src.as_deref().is_some_and(bad) {
            bail!(
                "{}/journal: names a path outside the tree; remove it by hand",
                self.show(super::STATE_DIR)
            );
        }
        let read = |rel: &str| -> Result<Option<Vec<u8>>> {
            match fs::symlink_metadata(self.path(rel)) {
                Ok(m) if m.is_file() => fs::read(self.path(rel))
                    .map(Some)
                    .with_context(|| format!("failed to read {}", self.show(rel))),
                _ => Ok(None),
            }
        };
        let dst = read(&intent.dst)?;
        let exact = dst
            .as_ref()
            .is_some_and(|b| fsx::fingerprint(b) == intent.fingerprint);
        let untouched = |b: &[u8]| {
            intent
                .src_fingerprint
                .as_ref()
                .is_none_or(|f| *f == fsx::fingerprint(b))
        };
        let moved_from = intent.src.as_deref().filter(|s| *s != intent.dst);
        // A move's or a new ticket's staged copy still there: its rename never
        // happened, and a file at the destination is another program's.
        let staged_left = !exact
            && dst.is_some()
            && intent.src.as_deref() != Some(intent.dst.as_str())
            && fsx::staged_left(
                self.path(&intent.dst).parent().unwrap_or(&self.root),
                &state.join(SPARE),
                &intent.fingerprint,
            );
        let source = match (&intent.src, moved_from) {
            (None, _) => Source::None,
            (Some(_), Some(s)) => match read(s)? {
                None => Source::Gone,
                Some(b) if untouched(&b) => Source::Untouched,
                Some(_) => Source::Edited,
            },
            // In place: the destination is the source.
            (Some(_), None) => match &dst {
                None => Source::Gone,
                Some(b) if exact || untouched(b) || intent.src_fingerprint.is_none() => {
                    Source::Untouched
                }
                Some(_) => Source::Edited,
            },
        };
        let (landed, set_aside, left) = match (moved_from, dst.is_some(), exact, source) {
            _ if staged_left => (false, None, false),
            (_, _, true, Source::Edited) if moved_from.is_some() => {
                (true, Some("was edited after the interruption"), false)
            }
            (_, _, true, _) => (true, None, false),
            // A new ticket's file, its staged copy gone: the change's (one
            // that existed was refused).
            (_, true, false, Source::None) => (true, None, false),
            (Some(_), true, false, Source::Gone) => (true, None, false),
            (Some(_), true, false, Source::Untouched) => (
                true,
                Some(
                    "may be the only copy of what the change found (the new one was edited since)",
                ),
                false,
            ),
            (Some(_), true, false, Source::Edited) => (false, None, true),
            (None, true, false, Source::Edited) => (false, None, true),
            _ => (false, None, false),
        };
        let mut kept = None;
        if let (Some(s), Some(why)) = (moved_from, set_aside) {
            let now = chrono::Utc::now();
            let aside = self.aside(s, now, true, &mut |aside| {
                journal::append_event(
                    &state,
                    &Event::new(
                        journal::Action::Repair,
                        &intent.event.ticket,
                        now,
                        intent.event.actor,
                    )
                    .because(Some(format!(
                        "recovery: {s} {why} after an interrupted change; set aside as {aside}"
                    ))),
                )
            })?;
            kept = Some((aside, why));
        } else if let (true, Some(s)) = (landed, moved_from) {
            match fs::remove_file(self.path(s)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("failed to remove {}", self.show(s)));
                }
            }
        }
        if landed && !journal::event_logged(&state, &intent.tx)? {
            journal::append_event(&state, &intent.event)?;
        }
        if !landed && !intent.tx.is_empty() {
            // Its line is appended before the rename.
            journal::unlog_event(&state, &intent.tx, &intent.event)?;
        }
        for rel in std::iter::once(&intent.dst).chain(intent.src.as_ref()) {
            if let Some(dir) = self.path(rel).parent() {
                fsx::remove_temps(dir)?;
                fsx::sync_dir(dir)?;
            }
        }
        // And what the registry and index writes of the killed run left.
        fsx::remove_temps(&self.root)?;
        fsx::remove_temps(&state)?;
        let mut snap = self.scan(Scan::Listed, Upkeep::Sweep)?;
        let registry_written = self.write_registry(&mut snap)?;
        journal::remove(&state)?;
        Ok(Some(Recovered {
            intent,
            landed,
            kept,
            left,
            registry_written,
        }))
    }
}

/// The folders a file is in, from the top: `pending/a/T.md` → `pending`,
/// `pending/a`.
fn folders_of(rel: &str) -> impl Iterator<Item = &str> {
    let in_root = (!rel.contains('/')).then_some("");
    in_root
        .into_iter()
        .chain(rel.match_indices('/').map(move |(i, _)| &rel[..i]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::Who;
    use crate::tree::testing::with_pending;

    /// Retitles a ticket of [`with_pending`] (`title: t` → `title: u`) in
    /// place: the same file and size, its folder's stamp unchanged, a few
    /// milliseconds on so that its own stamp moves.
    fn retitle_in_place(path: &Path) {
        let text = fs::read_to_string(path)
            .unwrap()
            .replace("title: t", "title: u");
        std::thread::sleep(std::time::Duration::from_millis(10));
        fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
            .unwrap();
    }

    /// A read that found a file edited in place appends its record to the
    /// index; when its registry row changed, the line that says the
    /// registry is unknown goes first, in an append of its own, so that a
    /// reader that sees only part of the records never finds the old
    /// registry known. A body edited leaves the registry known.
    #[test]
    fn an_edit_in_place_is_appended_after_the_registry_is_marked_unknown() {
        let dir = with_pending(3);
        let root = dir.path();
        let tree = Tree::open(root, root).unwrap();
        let mut snap = tree.scan(Scan::Cached, Upkeep::Index).unwrap();
        tree.write_registry(&mut snap).unwrap();
        assert!(tree.open_index().unwrap().memo.is_some());
        let tail = |edit: &dyn Fn()| {
            let before = fs::read(tree.index_path()).unwrap();
            edit();
            // Each as a command of its own.
            let tree = Tree::open(root, root).unwrap();
            assert!(
                tree.found_by_index(0, super::super::Proof::Stat, true)
                    .is_some()
            );
            let after = fs::read(tree.index_path()).unwrap();
            assert!(after.starts_with(&before));
            String::from_utf8(after[before.len()..].to_vec()).unwrap()
        };
        let rel = "pending/TIX-0002-t.md";
        let tail_of_retitle = tail(&|| retitle_in_place(&root.join(rel)));
        assert!(tail_of_retitle.starts_with("R\t-\n"), "{tail_of_retitle}");
        assert!(tail_of_retitle[4..].contains(rel), "{tail_of_retitle}");
        // The registry again as the tree says; then a body edited.
        let mut snap = tree.scan(Scan::Cached, Upkeep::Index).unwrap();
        tree.write_registry(&mut snap).unwrap();
        let tail_of_body = tail(&|| {
            let mut f = fs::OpenOptions::new()
                .append(true)
                .open(root.join(rel))
                .unwrap();
            std::io::Write::write_all(&mut f, b"A body.\n").unwrap();
        });
        assert!(tail_of_body.contains(rel), "{tail_of_body}");
        assert!(!tail_of_body.contains("R\t-"), "{tail_of_body}");
    }

    /// A session's start by the index weighs a dependency on an id on two
    /// files as the full view does, by its first file by path: here a
    /// completed one, though the open one is among the records it holds.
    #[test]
    fn a_session_s_start_by_the_index_weighs_an_id_on_two_files_by_its_first_file() {
        let dir = with_pending(0);
        let root = dir.path();
        for (rel, id, status, deps) in [
            ("completed/TIX-0001-a.md", 1, "completed", "[]"),
            ("pending/TIX-0001-b.md", 1, "pending", "[]"),
            ("pending/TIX-0002-c.md", 2, "pending", "[TIX-0001]"),
        ] {
            fs::create_dir_all(root.join(rel).parent().unwrap()).unwrap();
            let text = format!(
                "---\nid: TIX-{id:04}\ntitle: t\nstatus: {status}\ndepends_on: {deps}\n---\n"
            );
            fs::write(root.join(rel), text).unwrap();
        }
        let tree = Tree::open(root, root).unwrap();
        let snap = tree.scan(Scan::Cached, Upkeep::Index).unwrap();
        let ready = |snap: &Snapshot| -> Vec<String> {
            let tickets = tree.tickets(snap);
            let (ready, _) = crate::registry::ready_first(&tree.config, &tickets, 10);
            let mut rels: Vec<String> = ready.iter().map(|t| t.rel.to_string()).collect();
            rels.sort();
            rels
        };
        let full = ready(&snap);
        assert_eq!(full, ["pending/TIX-0001-b.md", "pending/TIX-0002-c.md"]);
        let by_index = tree.open_tickets_by_index().unwrap();
        assert_eq!(ready(&by_index), full);
    }

    /// A read of one ticket goes by the index while every file is as it
    /// records, and reads the whole tree once one is not (edited in place,
    /// its folder's stamp unchanged), or the id is not one ticket's.
    #[test]
    fn a_ticket_is_found_by_the_index_only_while_every_file_is_as_it_records() {
        let dir = with_pending(600);
        let root = dir.path();
        let tree = Tree::open(root, root).unwrap();
        let id = |s: &str| IdArg::parse(s).unwrap();
        assert!(tree.find_verified(&id("7")).is_none(), "no index yet");
        let snap = tree.scan(Scan::Cached, Upkeep::Index).unwrap();
        assert_eq!(snap.entries.len(), 600);
        let found = tree.find_verified(&id("7")).unwrap();
        assert_eq!(&*found.rel, "pending/TIX-0007-t.md");
        assert_eq!(
            found.parsed,
            snap.entries
                .iter()
                .find(|e| &*e.rel == "pending/TIX-0007-t.md")
                .unwrap()
                .parsed
        );
        assert!(tree.find_verified(&id("TIX-0601")).is_none(), "no such id");
        // Another file written in place, with the same size: not trusted.
        retitle_in_place(&root.join("pending/TIX-0300-t.md"));
        assert!(tree.find_verified(&id("7")).is_none(), "a file changed");
        // A read records it; then the index is the tree again.
        tree.scan(Scan::Cached, Upkeep::Index).unwrap();
        assert!(tree.find_verified(&id("7")).is_some());
    }

    #[test]
    fn a_change_made_from_bytes_the_file_no_longer_has_is_refused() {
        let dir = with_pending(0);
        let root = dir.path();
        let rel = "pending/TIX-0001.md";
        let saved = "---\nid: TIX-0001\ntitle: t\nstatus: pending\n---\nsaved by hand meanwhile\n";
        fs::write(root.join(rel), saved).unwrap();
        let tree = Tree::open(root, root).unwrap();
        let lock = tree.lock_exclusive(&mut |_| {}).unwrap();
        let mut st = State::full(&tree, &lock).unwrap();
        let err = st
            .commit(Change {
                src: Some(rel.into()),
                dst: "in-progress/TIX-0001.md".into(),
                content: "---\nid: TIX-0001\ntitle: t\nstatus: in_progress\n---\n".into(),
                event: Event::new(
                    journal::Action::Start,
                    "TIX-0001",
                    chrono::Utc::now(),
                    Who::User,
                ),
                base: Some(fsx::fingerprint(b"what the change read before the save")),
                replaces: None,
            })
            .unwrap_err();
        assert!(
            format!("{err:#}").ends_with(
                "pending/TIX-0001.md: changed on disk while tix was changing it; nothing was changed (run the command again)"
            ),
            "{err:#}"
        );
        assert_eq!(fs::read_to_string(root.join(rel)).unwrap(), saved);
        assert!(!root.join("in-progress/TIX-0001.md").exists());
        assert!(!tree.has_journal());
    }

    /// The index is exact while every folder and every ticket file is as it
    /// records: not after a file is written in place (its folder's stamp
    /// unchanged), again once a read has recorded it.
    #[test]
    fn the_index_is_exact_only_while_every_file_is_as_it_records() {
        let dir = with_pending(3);
        let root = dir.path();
        let tree = Tree::open(root, root).unwrap();
        assert!(tree.exact_index().is_none(), "no index yet");
        tree.scan(Scan::Cached, Upkeep::Index).unwrap();
        assert!(tree.exact_index().is_some());
        retitle_in_place(&root.join("pending/TIX-0002-t.md"));
        assert!(tree.exact_index().is_none(), "a file written in place");
        tree.scan(Scan::Cached, Upkeep::Index).unwrap();
        assert!(tree.exact_index().is_some());
    }

    /// Deltas grown past [`index::MAX_DELTA_BYTES`] are merged into the
    /// index's base by the next change, which stays quick: no full view,
    /// which read every file. Deltas that changed nothing leave the index
    /// as it was before them, byte for byte; a folder changed as well is
    /// then read again from the merged index.
    #[test]
    fn deltas_past_their_limit_are_merged_into_the_base_not_read_again() {
        let dir = with_pending(3);
        let root = dir.path();
        let tree = Tree::open(root, root).unwrap();
        tree.scan(Scan::Listed, Upkeep::Index).unwrap();
        let path = tree.index_path();
        let written = fs::read(&path).unwrap();
        let loaded = || index::load(&path, &tree.fingerprint()).unwrap();
        let index = loaded();
        let records = index.entries().unwrap();
        let one = index::delta(&[], &[&records[0]], &index.dirs, index.memo.as_ref(), &[]);
        index::append(&path, &one.repeat(index::MAX_DELTA_BYTES / one.len() + 1)).unwrap();
        assert!(loaded().delta_bytes > index::MAX_DELTA_BYTES);

        let lock = tree.lock_exclusive(&mut |_| {}).unwrap();
        let state = State::open(&tree, &lock).unwrap();
        assert!(
            state.full.is_none() && state.quick.is_some(),
            "the quick state"
        );
        assert_eq!(fs::read(&path).unwrap(), written);
        drop(state);

        // And when a folder changed too: merged, then refreshed from it.
        index::append(&path, &one.repeat(index::MAX_DELTA_BYTES / one.len() + 1)).unwrap();
        fs::write(
            root.join("pending/TIX-0004-t.md"),
            "---\nid: TIX-0004\ntitle: t\nstatus: pending\n---\n",
        )
        .unwrap();
        let state = State::open(&tree, &lock).unwrap();
        assert!(
            state.full.is_none() && state.quick.is_some(),
            "the quick state"
        );
        let new: Vec<&str> = state.outside.new.iter().map(|e| &*e.rel).collect();
        assert_eq!(new, ["pending/TIX-0004-t.md"]);
        assert_eq!(fs::read(&path).unwrap(), written);
    }

    /// What listing a changed folder finds decides between reading a few
    /// files again and the full view: a killed writer's temp file (which
    /// the full view sweeps) sends to the full view; a hidden folder, a
    /// `templates` folder (which no read looks in) and other files do not;
    /// a folder below that the index does not know is listed too, with the
    /// folders below it, and each ticket in them read as a new one.
    #[test]
    fn a_changed_folder_s_listing_decides_the_refresh() {
        let dir = with_pending(0);
        let root = dir.path();
        fs::create_dir_all(root.join(".tix")).unwrap();
        for i in 1..=3 {
            fs::write(
                root.join(format!("pending/TIX-000{i}.md")),
                format!("---\nid: TIX-000{i}\ntitle: t{i}\nstatus: pending\n---\n"),
            )
            .unwrap();
        }
        let tree = Tree::open(root, root).unwrap();
        tree.scan(Scan::Listed, Upkeep::Index).unwrap();
        let added = root.join("pending/TIX-0004.md");
        fs::write(
            &added,
            "---\nid: TIX-0004\ntitle: t4\nstatus: pending\n---\n",
        )
        .unwrap();
        fs::create_dir(root.join("pending/.hidden")).unwrap();
        fs::create_dir(root.join("pending/templates")).unwrap();
        fs::write(root.join("pending/notes.txt"), "not a ticket").unwrap();
        let Some(Refresh::Done(outside)) =
            refreshed(&tree, &mut tree.open_index().unwrap(), &[], true)
        else {
            panic!("one added file: read again");
        };
        let new: Vec<&str> = outside.new.iter().map(|e| &*e.rel).collect();
        assert_eq!(new, ["pending/TIX-0004.md"]);
        assert!(outside.old.is_empty() && outside.gone.is_empty());

        // A killed writer's temp file: left, and told, by a command that
        // changes nothing; else removed, its folder stamped after.
        let temp = root.join("pending/.tix-tmp-123-abc");
        fs::write(&temp, "half a ticket").unwrap();
        // An old time for the folder: its removal gives it another.
        let old = rustix::fs::Timespec {
            tv_sec: 1_000_000_000,
            tv_nsec: 0,
        };
        let times = rustix::fs::Timestamps {
            last_access: old,
            last_modification: old,
        };
        rustix::fs::utimensat(
            rustix::fs::CWD,
            root.join("pending"),
            &times,
            rustix::fs::AtFlags::empty(),
        )
        .unwrap();
        let Some(Refresh::Done(outside)) =
            refreshed(&tree, &mut tree.open_index().unwrap(), &[], false)
        else {
            panic!("a temp file left");
        };
        assert_eq!(outside.temps, ["pending/.tix-tmp-123-abc"]);
        assert!(temp.exists());
        let Some(Refresh::Done(outside)) =
            refreshed(&tree, &mut tree.open_index().unwrap(), &[], true)
        else {
            panic!("a temp file removed");
        };
        assert!(!temp.exists());
        assert_eq!(
            outside.dirs.get("pending"),
            Some(&dir_stamp(&root.join("pending")))
        );

        fs::create_dir_all(root.join("pending/sprint-1/week-2")).unwrap();
        for rel in [
            "pending/sprint-1/TIX-0005.md",
            "pending/sprint-1/week-2/TIX-0006.md",
        ] {
            let id = &rel[rel.len() - 11..rel.len() - 3];
            fs::write(root.join(rel), format!("---\nid: {id}\ntitle: t\n---\n")).unwrap();
        }
        fs::create_dir(root.join("pending/sprint-1/templates")).unwrap();
        fs::write(
            root.join("pending/sprint-1/templates/TIX-0007.md"),
            "---\nid: TIX-0007\n---\n",
        )
        .unwrap();
        let mut index = tree.open_index().unwrap();
        let Some(Refresh::Done(outside)) = refreshed(&tree, &mut index, &[], true) else {
            panic!("a folder below: read");
        };
        let mut new: Vec<&str> = outside.new.iter().map(|e| &*e.rel).collect();
        new.sort_unstable();
        assert_eq!(
            new,
            [
                "pending/TIX-0004.md",
                "pending/sprint-1/TIX-0005.md",
                "pending/sprint-1/week-2/TIX-0006.md"
            ]
        );
        let dirs: Vec<&str> = outside.dirs.keys().map(String::as_str).collect();
        assert_eq!(
            dirs,
            ["pending", "pending/sprint-1", "pending/sprint-1/week-2"]
        );
        for dir in dirs {
            assert_eq!(
                index.dirs.get(dir),
                Some(&dir_stamp(&root.join(dir))),
                "{dir}"
            );
        }
        // As the full view reads them.
        let snap = tree.scan(Scan::Fresh, Upkeep::Nothing).unwrap();
        let mut all: Vec<&str> = snap.entries.iter().map(|e| &*e.rel).collect();
        all.sort_unstable();
        assert_eq!(all.len(), 6, "{all:?}");
        assert!(all.iter().all(|rel| !rel.contains("templates")), "{all:?}");
    }
}

/// The quick state (the index, refreshed for a folder or two) against the
/// full one (every folder listed, every file stat'ed), on random trees after
/// random changes by tix and by hand: they must give the same answers.
#[cfg(test)]
mod props {
    use super::*;
    use crate::transition::{self, Actor, Request, Totals};
    use crate::tree::Action;
    use proptest::prelude::*;
    use std::path::Path;

    const STATUSES: [(&str, &str); 3] = [
        ("pending", "pending"),
        ("in_progress", "in-progress"),
        ("completed", "completed"),
    ];

    #[derive(Debug, Clone)]
    enum Edit {
        /// `tix move N STATUS --force`, through the quick state.
        Move(usize, usize),
        /// A hand edit saved by rename (as `sed -i` does): a new title, and
        /// perhaps a status the folder does not have.
        Hand(usize, Option<usize>),
        /// A ticket file added by hand.
        Add(usize),
        /// A ticket file removed by hand (as a `git checkout` does).
        Remove(usize),
        /// A ticket file added by hand in a new folder below a status's.
        Below(usize),
    }

    fn text(id: usize, title: &str, status: &str, dep: Option<usize>) -> String {
        let deps = dep.map_or("[]".to_string(), |d| format!("[TIX-{d:04}]"));
        format!(
            "---\nid: TIX-{id:04}\ntitle: {title}\nstatus: {status}\npriority: medium\ndepends_on: {deps}\n---\nbody\n"
        )
    }

    fn where_is(root: &Path, id: usize) -> Option<String> {
        STATUSES.iter().find_map(|(_, dir)| {
            let rel = format!("{dir}/TIX-{id:04}-t.md");
            root.join(&rel).exists().then_some(rel)
        })
    }

    /// What a state says of every id: the file it finds (or that it finds
    /// none), each one's status as a dependency, and the next number.
    fn answers(st: &mut State<'_>, ids: usize) -> Vec<String> {
        let mut out = Vec::new();
        for id in 1..=ids + 1 {
            let arg = IdArg::parse(&format!("TIX-{id:04}")).unwrap();
            out.push(match st.find(&arg) {
                Ok(e) => format!("{} {:?}", e.rel, e.parsed.map(|m| m.title.to_string())),
                Err(e) => format!("error: {e:#}"),
            });
            out.push(format!(
                "{:?}",
                st.dependency_status(&format!("TIX-{id:04}")).unwrap()
            ));
        }
        out.push(st.next_number("TIX").unwrap().to_string());
        out
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            (1usize..12, 0usize..3).prop_map(|(i, s)| Edit::Move(i, s)),
            (1usize..12, proptest::option::of(0usize..3)).prop_map(|(i, s)| Edit::Hand(i, s)),
            (0usize..3).prop_map(Edit::Add),
            (1usize..12).prop_map(Edit::Remove),
            (0usize..3).prop_map(Edit::Below),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn the_quick_state_answers_as_the_full_one(
            tickets in proptest::collection::vec((0usize..3, proptest::option::of(1usize..12)), 2..11),
            edits in proptest::collection::vec((edit(), any::<bool>()), 1..8),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            fs::write(root.join("tix.yaml"), "# defaults\n").unwrap();
            for (_, d) in STATUSES {
                fs::create_dir_all(root.join(d)).unwrap();
            }
            let mut n = tickets.len();
            for (i, (s, dep)) in tickets.iter().enumerate() {
                let (status, d) = STATUSES[*s];
                let dep = dep.filter(|d| *d <= n);
                fs::write(root.join(format!("{d}/TIX-{:04}-t.md", i + 1)), text(i + 1, "t", status, dep)).unwrap();
            }
            let tree = Tree::open(root, root).unwrap();
            let lock = tree.lock_exclusive(&mut |_| {}).unwrap();
            State::full(&tree, &lock).unwrap().write_registry().unwrap();
            let mut titles = 0;
            for (e, check) in edits {
                match e {
                    Edit::Move(i, s) if where_is(root, i).is_some() => {
                        let mut st = State::open(&tree, &lock).unwrap();
                        let entry = st.find(&IdArg::parse(&i.to_string()).unwrap()).unwrap();
                        let req = Request {
                            to: STATUSES[s].0.to_string(),
                            force: true,
                            agent: None,
                            action: Action::Move,
                            reason: None,
                            totals: Totals::default(),
                            check_only: false,
                        };
                        let actor = Actor::default();
                        let outcome = transition::apply(&tree, &mut st, &entry, &req, &actor, "2030-01-01T00:00:00Z".parse().unwrap()).unwrap();
                        // The registry the quick state patched, with every
                        // change made by hand since, is a full render's (a
                        // transition that changed nothing writes nothing).
                        if !matches!(outcome, transition::Outcome::Unchanged { .. }) {
                            let fresh = tree.scan(Scan::Fresh, Upkeep::Nothing).unwrap();
                            prop_assert_eq!(
                                fs::read_to_string(root.join(REGISTRY)).unwrap(),
                                tree.render_registry(&fresh).0
                            );
                        }
                    }
                    Edit::Hand(i, s) if i <= n => {
                        let Some(rel) = where_is(root, i) else { continue };
                        let old = fs::read_to_string(root.join(&rel)).unwrap();
                        titles += 1;
                        let mut new = old.replacen("title: ", &format!("title: hand {titles} "), 1);
                        if let Some(s) = s {
                            let status = old.lines().find(|l| l.starts_with("status: ")).unwrap().to_string();
                            new = new.replacen(&status, &format!("status: {}", STATUSES[s].0), 1);
                        }
                        let tmp = root.join(format!("{rel}.sed"));
                        fs::write(&tmp, new).unwrap();
                        fs::rename(&tmp, root.join(&rel)).unwrap();
                    }
                    Edit::Add(s) => {
                        n += 1;
                        let (status, d) = STATUSES[s];
                        fs::write(root.join(format!("{d}/TIX-{n:04}-t.md")), text(n, "added", status, None)).unwrap();
                    }
                    Edit::Remove(i) => {
                        let Some(rel) = where_is(root, i) else { continue };
                        fs::remove_file(root.join(rel)).unwrap();
                    }
                    Edit::Below(s) => {
                        n += 1;
                        let (status, d) = STATUSES[s];
                        let below = root.join(format!("{d}/group-{n}"));
                        fs::create_dir(&below).unwrap();
                        fs::write(below.join(format!("TIX-{n:04}-t.md")), text(n, "below", status, None)).unwrap();
                    }
                    _ => continue,
                }
                // Unchecked steps leave the index as it was: changes by hand
                // pile up for the next quick state.
                if !check {
                    continue;
                }
                let quick = answers(&mut State::open(&tree, &lock).unwrap(), n);
                let full = answers(&mut State::full(&tree, &lock).unwrap(), n);
                prop_assert_eq!(quick, full);
                // SessionStart's answer from the index, when it gives one.
                if let Some(by_index) = tree.open_tickets_by_index() {
                    let snap = tree.scan(Scan::Fresh, Upkeep::Nothing).unwrap();
                    let open = |entries: &[Entry]| {
                        let mut v: Vec<String> = entries
                            .iter()
                            .filter(|e| tree.ticket_of(e).is_some_and(|t| !t.kind.is_closed()))
                            .map(|e| e.rel.to_string())
                            .collect();
                        v.sort();
                        v
                    };
                    prop_assert_eq!(open(&by_index.entries), open(&snap.entries));
                }
                // `next`'s answer from the index, when it gives one.
                if let Some((best, unreadable)) = tree.best_ready_by_index() {
                    let snap = tree.scan(Scan::Fresh, Upkeep::Nothing).unwrap();
                    let tickets = tree.tickets(&snap);
                    let full = crate::registry::ready_first(&tree.config, &tickets, 1).0;
                    prop_assert_eq!(
                        best.map(|e| e.rel.to_string()),
                        full.first().map(|t| t.rel.to_string())
                    );
                    prop_assert_eq!(unreadable, Tree::unreadable(&snap, &tickets));
                }
            }
        }
    }
}
