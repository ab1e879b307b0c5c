//! The full view of the tree: every ticket file stat'ed, and read again when
//! its stamp differs from the index. Read commands, `sync` and recovery see
//! the tree this way; transitions use the index alone when the folders have
//! not changed (see `state`).

use super::index::{self, Dirs};
use super::{Entry, FastMap, Snapshot, Stamp, Tree, file_name, fsx, parallel_map};
use crate::ticket::{Malformed, Text};
use anyhow::{Context, Result};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

/// How much of the tree a scan looks at itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scan {
    /// Every file is stat'ed; a folder is listed only when its stamp differs
    /// from the one the index recorded (a file was added, removed or renamed).
    Cached,
    /// Every folder is listed and every file stat'ed.
    Listed,
    /// Every folder is listed and every file read: the index is not used.
    Fresh,
}

/// What a scan may change besides reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upkeep {
    /// Nothing: `sync --check` and `doctor` report what they see.
    Nothing,
    /// Remove the temp files a killed run left in the folders it lists
    /// (only a writer holding the exclusive lock makes them there, so under
    /// any lock one is a leftover).
    Sweep,
    /// Sweep, and rewrite the index when it differs from the tree.
    Index,
}

/// What [`Tree::scan_into`] gives each entry to; `None` stops the scan.
pub(super) type Sink<'a> = dyn FnMut(Entry) -> Option<()> + 'a;

/// How many files [`Tree::scan_into`] reads at a time.
const SINK_CHUNK: usize = 2048;

/// The status folders that are symlinks leaving the root, each reported
/// like a file that cannot be read (nothing inside is touched).
fn refused(folders: &[Folder]) -> impl Iterator<Item = Entry> + '_ {
    folders.iter().filter(|f| f.refused).map(|f| {
        refused_entry(
            f.dir.clone(),
            "a status folder that is a symlink leaving the root (refused)",
        )
    })
}

/// The record a scan makes of a file it refuses (`message`: why): a
/// ticket that does not parse, with no stamp.
pub(super) fn refused_entry(rel: String, message: &str) -> Entry {
    Entry::new(
        rel.into(),
        Stamp::default(),
        Err(Malformed {
            line: None,
            message: message.into(),
        }),
    )
}

/// A killed writer's temp file at `path` as a sweep finds it: `None` when
/// it is no regular file (left alone, and not told), else whether it was
/// removed (only with `remove`; a folder this run may not write keeps it).
pub(super) fn sweep_temp(path: &Path, remove: bool) -> Option<bool> {
    if !fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let removed = || super::failpoint_error("remove-temp").and_then(|()| fs::remove_file(path));
    Some(remove && removed().is_ok())
}

/// Whether `e` is the record of a file refused for `message`.
pub(super) fn refused_as(e: &Entry, message: &str) -> bool {
    let refused = refused_entry(e.rel.to_string(), message);
    e.stamp == refused.stamp && e.parsed == refused.parsed
}

/// One status folder as the scan found it.
struct Folder {
    dir: String,
    path: PathBuf,
    /// An open handle, to stat the files inside by name (`None`: missing or refused).
    handle: Option<File>,
    refused: bool,
    /// Its stamp matches the index: its names are the index's.
    trusted: bool,
}

/// A folder as [`Tree::look`] found it: with its stamp and, when it is
/// not trusted, its listing (each name, and whether it is a folder).
struct Looked {
    folder: Folder,
    stamp: Option<Stamp>,
    listed: Option<Vec<(std::ffi::OsString, bool)>>,
}

/// A file to look at: one the index knows (by position), stat'ed to compare
/// with its record, or one found by listing, read.
enum Job {
    Known(usize),
    Found { folder: usize, name: String },
}

/// A file to read.
enum ToRead {
    /// The index's record `at`, whose file at `rel` now has the stamp `stamp`.
    Known {
        at: usize,
        rel: String,
        stamp: Stamp,
    },
    /// The file `name` found by listing folder `folder` (stamped as it is
    /// read). Its path is made by the thread that reads it.
    Found { folder: usize, name: String },
}

impl ToRead {
    fn rel<'a>(&'a self, folders: &[Folder]) -> std::borrow::Cow<'a, str> {
        match self {
            ToRead::Known { rel, .. } => rel.into(),
            ToRead::Found { folder, name } => super::join_rel(&folders[*folder].dir, name).into(),
        }
    }
}

/// What reading a file gave: its entry (`None`: no ticket), or, for a found
/// file that is not a regular one, what its stat says.
#[expect(
    clippy::large_enum_variant,
    reason = "the entries are collected into the vector they are read into; boxed, each would be one allocation more"
)]
enum Got {
    File(Option<Entry>),
    Nothing,
    Problem(&'static str),
    Failed(io::Error),
}

/// What a stat of a file in a ticket folder tells a scan.
pub(super) enum Stat {
    /// A ticket file (a regular one, or a symlink to one inside the root:
    /// its target's stamp).
    File(Stamp),
    /// Something else (a folder, a symlink to one): no ticket.
    Skip,
    Gone,
    /// A file refused, reported as a ticket that does not parse.
    Problem(&'static str),
    Failed(io::Error),
}

/// Why a symlink is refused (see [`Tree::symlink_stat`]).
pub(super) const SYMLINK_OUT: &str = "a symlink that leaves the root (refused)";

impl Tree {
    /// Every ticket file as it is now (see [`Scan`]), changing what `upkeep`
    /// allows: the full view. The caller holds the lock.
    pub fn scan(&self, how: Scan, upkeep: Upkeep) -> Result<Snapshot> {
        // For the tests that a command went by the index.
        super::failpoint("full-view");
        let index = match how {
            Scan::Fresh => None,
            _ => index::load(&self.index_path(), &self.fingerprint()),
        };
        if let Some(index) = &index {
            // The records are decoded on another core while the paths are
            // taken from the index and the files stat'ed by them alone.
            let scanned = std::thread::scope(|s| {
                let decoding = s.spawn(|| index.entries());
                let Some(paths) = index.paths() else {
                    return Ok(None);
                };
                self.scan_with(
                    how,
                    upkeep,
                    Some(index),
                    &paths,
                    || super::joined(decoding),
                    None,
                )
            })?;
            if let Some(snap) = scanned {
                return Ok(snap);
            }
        }
        // No index, or one whose records do not decode: every file is read.
        Ok(self
            .scan_with(how, upkeep, None, &[], || Some(Vec::new()), None)?
            .unwrap_or_default())
    }

    /// Every ticket file read, as a scan without an index reads them, each
    /// entry given to `sink` as it is read (a chunk of files at a time, on
    /// the scan's threads) and not held: what a read of a large tree
    /// without an index writes its index from. The snapshot has no
    /// entries, only the folders' stamps and the temp files left. `None`
    /// when `sink` gives up.
    pub(super) fn scan_into(
        &self,
        upkeep: Upkeep,
        sink: &mut Sink<'_>,
    ) -> Result<Option<Snapshot>> {
        self.scan_with(
            Scan::Fresh,
            upkeep,
            None,
            &[],
            || Some(Vec::new()),
            Some(sink),
        )
    }

    /// The scan, with the index's record paths (`paths`) and its records
    /// (`decode`, in the same order), asked for once the files are
    /// stat'ed. `None` when they do not decode.
    fn scan_with(
        &self,
        how: Scan,
        upkeep: Upkeep,
        index: Option<&index::Index>,
        paths: &[std::borrow::Cow<'_, str>],
        decode: impl FnOnce() -> Option<Vec<Entry>>,
        sink: Option<&mut Sink<'_>>,
    ) -> Result<Option<Snapshot>> {
        let mut dirs = Dirs::new();
        let mut folders = Vec::with_capacity(self.config.statuses.len());
        // The folders that hold tickets, and the folders below them (a
        // session's folder in completed/, archive/tasks/): a folder whose stamp
        // is the index's has the sub-folders the index recorded; another one is
        // listed for them.
        let mut queue: Vec<(String, usize)> = self.folders().map(|d| (d.to_string(), 0)).collect();
        let mut next = 0;
        // The files to stat or read: those of a listed folder as it is
        // listed, then those the index has in the folders it is trusted for.
        let mut jobs: Vec<Job> = Vec::with_capacity(paths.len() + 16);
        let mut gone = vec![true; paths.len()];
        let mut bad_names: Vec<(Option<usize>, String)> = Vec::new();
        let mut temps: Vec<(usize, String)> = Vec::new();
        // A scan that lists every folder lists the root's on their own
        // threads (about 100 ms of one core for 100,000 files); the folders
        // below them, rare, one after the other.
        let mut roots_looked: std::vec::IntoIter<Result<Looked>> = if how == Scan::Cached {
            Vec::new().into_iter()
        } else {
            std::thread::scope(|s| {
                let others: Vec<_> = queue
                    .iter()
                    .skip(1)
                    .map(|(dir, _)| s.spawn(|| self.look(dir, how, index)))
                    .collect();
                let first = queue.first().map(|(dir, _)| self.look(dir, how, index));
                first
                    .into_iter()
                    .chain(others.into_iter().map(super::joined))
                    .collect::<Vec<_>>()
            })
            .into_iter()
        };
        while let Some((dir, depth)) = queue.get(next).cloned() {
            next += 1;
            let dir = dir.as_str();
            let Looked {
                folder,
                stamp,
                listed,
            } = match roots_looked.next() {
                Some(looked) => looked?,
                None => self.look(dir, how, index)?,
            };
            dirs.insert(dir.to_string(), stamp);
            // Its files, and the folders below it; the index's records in it
            // are matched by name.
            let mut below: Vec<String> = Vec::new();
            if let Some(listed) = listed {
                let fi = folders.len();
                let known: FastMap<&str, usize> = paths
                    .iter()
                    .enumerate()
                    .filter(|(_, rel)| super::parent_dir(rel) == dir)
                    .map(|(i, rel)| (file_name(rel), i))
                    .collect();
                for (raw, is_dir) in listed {
                    if is_dir && let Some(name) = raw.to_str() {
                        below.push(name.to_string());
                    }
                    let name = raw.to_string_lossy();
                    if name.starts_with(fsx::TEMP_PREFIX) {
                        temps.push((fi, name.into_owned()));
                        continue;
                    }
                    if !is_ticket_name(&name) {
                        continue;
                    }
                    if raw.to_str().is_none() {
                        bad_names.push((known.get(&*name).copied(), super::join_rel(dir, &name)));
                        continue;
                    }
                    match known.get(&*name).copied() {
                        Some(i) => {
                            jobs.push(Job::Known(i));
                            gone[i] = false;
                        }
                        // UTF-8 (said above): the listed name is the job's.
                        None => jobs.push(Job::Found {
                            folder: fi,
                            name: raw.into_string().unwrap_or_default(),
                        }),
                    }
                }
            }
            // The root's folders are the statuses' own, not its tickets'.
            if folder.handle.is_some() && depth < MAX_DEPTH && !dir.is_empty() {
                let below: Vec<String> = match (index, folder.trusted) {
                    (Some(i), true) => i
                        .dirs
                        .keys()
                        .filter(|k| k.rsplit_once('/').is_some_and(|(parent, _)| parent == dir))
                        .cloned()
                        .collect(),
                    _ => folders_named(below, depth == 0 && self.is_archive(dir))
                        .into_iter()
                        .map(|name| format!("{dir}/{name}"))
                        .collect(),
                };
                queue.extend(below.into_iter().map(|d| (d, depth + 1)));
            }
            folders.push(folder);
        }

        // Which folder each known record is in; records of folders that are
        // listed are matched by name.
        let folder_of: Vec<Option<usize>> = paths
            .iter()
            .map(|rel| {
                let parent = super::parent_dir(rel);
                folders.iter().position(|f| f.dir == parent)
            })
            .collect();
        for (i, f) in folder_of.iter().enumerate() {
            if f.is_some_and(|f| folders[f].trusted) {
                jobs.push(Job::Known(i));
                gone[i] = false;
            }
        }
        let mut changed = index.is_none();

        // A file the index knows is stat'ed, to compare; one it does not is
        // read below (opened and stamped at once, without a stat by name).
        let stats = parallel_map(&jobs, |job| match job {
            Job::Known(i) => {
                let fi = folder_of[*i].unwrap_or(0);
                Some(self.stat_in(&folders[fi], file_name(&paths[*i])))
            }
            Job::Found { .. } => None,
        });

        let Some(mut entries) = decode() else {
            return Ok(None);
        };
        // Records whose stamp matches stay as they are; the rest are read again,
        // and the files found by listing are read (their stamp taken then).
        let mut to_read: Vec<ToRead> = Vec::new();
        let mut added: Vec<Entry> = Vec::new();
        let mut problem = |known: Option<usize>,
                           rel: String,
                           message: &str,
                           entries: &mut Vec<Entry>,
                           gone: &mut Vec<bool>| {
            let e = refused_entry(rel, message);
            if let Some(i) = known {
                gone[i] = false;
                let differs = entries[i].parsed != e.parsed;
                entries[i] = e;
                differs
            } else {
                added.push(e);
                true
            }
        };
        for (known, rel) in bad_names {
            changed |= problem(
                known,
                rel,
                "the file name is not UTF-8",
                &mut entries,
                &mut gone,
            );
        }
        // A path is made only for a file that needs one (not for each of
        // the files whose stamp matches: all of them, on most reads).
        for (job, stat) in jobs.into_iter().zip(stats.into_iter().flatten()) {
            let (known, stat) = match (job, stat) {
                (Job::Known(i), Some(stat)) => (i, stat),
                (Job::Found { folder, name }, _) => {
                    to_read.push(ToRead::Found { folder, name });
                    continue;
                }
                (Job::Known(_), None) => continue,
            };
            let rel = |entries: &[Entry]| entries[known].rel.to_string();
            match stat {
                Stat::File(stamp) if entries[known].stamp == stamp => {}
                Stat::File(stamp) => to_read.push(ToRead::Known {
                    at: known,
                    rel: rel(&entries),
                    stamp,
                }),
                Stat::Skip | Stat::Gone => gone[known] = true,
                Stat::Problem(message) => {
                    let rel = rel(&entries);
                    changed |= problem(Some(known), rel, message, &mut entries, &mut gone);
                }
                Stat::Failed(e) => {
                    let rel = rel(&entries);
                    return Err(e).with_context(|| format!("failed to stat {}", self.show(&rel)));
                }
            }
        }
        let read_one = |r: &ToRead| match r {
            ToRead::Known { rel, stamp, .. } => {
                Got::File(self.read_entry(rel.clone(), *stamp, &self.path(rel)))
            }
            ToRead::Found { folder, name } => self.read_found(&folders[*folder], name),
        };
        // What a found file turned out to be, when it is no regular file:
        // a problem of its own (and whether that changed the view), or an
        // error.
        let mut no_file = |got: &Option<Got>,
                           r: &ToRead,
                           entries: &mut Vec<Entry>,
                           gone: &mut Vec<bool>|
         -> Result<bool> {
            match got {
                Some(Got::Problem(message)) => {
                    let rel = r.rel(&folders).into_owned();
                    Ok(problem(None, rel, message, entries, gone))
                }
                Some(Got::Failed(e)) => Err(io::Error::new(e.kind(), e.to_string()))
                    .with_context(|| format!("failed to stat {}", self.show(&r.rel(&folders)))),
                _ => Ok(false),
            }
        };
        if let Some(sink) = sink {
            // No index (see `scan_into`): every file was found by listing.
            // Taken a chunk at a time: the names read go as the records come.
            let mut to_read = to_read.into_iter();
            loop {
                let chunk: Vec<ToRead> = to_read.by_ref().take(SINK_CHUNK).collect();
                if chunk.is_empty() {
                    break;
                }
                for (got, r) in parallel_map(&chunk, read_one).into_iter().zip(&chunk) {
                    match got {
                        // Stopped: the rest of the chunk is not given.
                        Some(Got::File(Some(entry))) => {
                            if sink(entry).is_none() {
                                return Ok(None);
                            }
                        }
                        other => {
                            no_file(&other, r, &mut entries, &mut gone)?;
                        }
                    }
                }
            }
            for e in added.into_iter().chain(refused(&folders)) {
                if sink(e).is_none() {
                    return Ok(None);
                }
            }
            let temps = self.settle_temps(temps, &folders, upkeep, &mut dirs);
            return Ok(Some(Snapshot {
                entries: Vec::new(),
                memo: None,
                dirs,
                temps,
            }));
        }
        let read = parallel_map(&to_read, read_one);
        for (got, r) in read.iter().zip(&to_read) {
            changed |= no_file(got, r, &mut entries, &mut gone)?;
        }
        let is_file = |got: &Option<Got>| matches!(got, Some(Got::File(_)));
        let files_read = read.iter().zip(&to_read).filter(|(g, _)| is_file(g));
        // Re-read with a new stamp but saying the same (touched, saved
        // unchanged): the registry it shows is the same.
        let reread = files_read.clone().next().is_some();
        let outside = files_read.clone().count() + gone.iter().filter(|g| **g).count();
        let seen_again = |rel: &str| index.is_some_and(|i| i.listed_again(rel, &dirs));
        let read_seen_again = files_read
            .clone()
            .all(|(_, r)| seen_again(&r.rel(&folders)));
        // New files' records are collected into the vector they were read
        // into (the same allocation: at 10,000 tickets, 4 MB less at once).
        let found: Vec<Entry> = read
            .into_iter()
            .zip(&to_read)
            .filter_map(|(got, r)| {
                let entry = match got {
                    Some(Got::File(entry)) => entry,
                    _ => return None,
                };
                match (r, entry) {
                    (ToRead::Known { at, .. }, Some(entry)) => {
                        changed |= entries[*at].parsed != entry.parsed;
                        entries[*at] = entry;
                        None
                    }
                    // No longer a ticket (edited into notes): it leaves the view.
                    (ToRead::Known { at, .. }, None) => {
                        gone[*at] = true;
                        None
                    }
                    (ToRead::Found { .. }, Some(entry)) => {
                        changed = true;
                        Some(entry)
                    }
                    (ToRead::Found { .. }, None) => None,
                }
            })
            .collect();
        if added.is_empty() {
            added = found;
        } else {
            added.extend(found);
        }
        for e in refused(&folders) {
            changed |= !entries.iter().any(|k| k.rel == e.rel);
            added.push(e);
        }
        changed |= gone.iter().any(|g| *g);
        // Whether every file read again or gone is in a folder whose stamp
        // changed: the next transition lists those folders and sees them.
        let all_seen_again = read_seen_again
            && gone
                .iter()
                .zip(&entries)
                .all(|(g, e)| !g || seen_again(&e.rel));
        let mut keep = gone.iter().map(|g| !g);
        entries.retain(|_| keep.next().unwrap_or(true));
        entries.retain(|e| !folders.iter().any(|f| f.refused && *e.rel == *f.dir));
        if entries.is_empty() {
            entries = added;
        } else {
            entries.extend(added);
        }

        let left = self.settle_temps(temps, &folders, upkeep, &mut dirs);
        // A few files replaced, added or removed outside tix (an editor that
        // saves by rename, a checkout), each in a folder whose stamp changed,
        // and every folder still there: the index stays as it is, and the
        // next transition lists those folders again and patches their rows in
        // the registry (see `state::refreshed`). Rewritten now, it would
        // forget what the registry still shows, and that transition would
        // render it whole. (A file edited in place leaves its folder's stamp:
        // only a rewritten index, without the registry's stamp, makes the
        // next transition render the registry with it.)
        let few = outside <= super::state::REFRESH_FILES
            && all_seen_again
            && index.is_some_and(|i| {
                i.delta_bytes <= index::MAX_DELTA_BYTES
                    && i.dirs.len() == dirs.len()
                    && i.dirs.iter().all(|(d, was)| {
                        dirs.get(d)
                            .is_some_and(|now| now.is_some() == was.is_some())
                    })
            });
        let rewrite = !few
            && (changed
                || reread
                || index.is_none_or(|i| i.dirs != dirs || i.delta_bytes > index::MAX_DELTA_BYTES));
        let snap = Snapshot {
            entries,
            memo: index.and_then(|i| i.memo.clone()).filter(|_| !changed),
            dirs,
            temps: left,
        };
        if upkeep == Upkeep::Index && rewrite {
            self.write_index(&snap);
        }
        Ok(Some(snap))
    }

    /// A killed writer's temp files found in `folders` (each folder's and
    /// its name) go, as `upkeep` allows; the folder is stamped again after
    /// (this run removed them, and holds the lock: nothing else changed
    /// it). Those left, by path.
    fn settle_temps(
        &self,
        temps: Vec<(usize, String)>,
        folders: &[Folder],
        upkeep: Upkeep,
        dirs: &mut Dirs,
    ) -> Vec<String> {
        let mut left = Vec::new();
        for (fi, name) in temps {
            let folder = &folders[fi];
            let rel = super::join_rel(&folder.dir, &name);
            let path = folder.path.join(&name);
            match sweep_temp(&path, upkeep != Upkeep::Nothing) {
                Some(true) => {
                    dirs.insert(folder.dir.clone(), dir_stamp(&folder.path));
                }
                Some(false) => left.push(rel),
                None => {}
            }
        }
        // A folder that keeps a temp file this run could not remove (a
        // folder it may not write) is recorded with a stamp no folder has:
        // no index vouches for it, so the next command lists it again and
        // reports the file, where one that trusted the index would not
        // look in the folder.
        for rel in left.iter().filter(|_| upkeep != Upkeep::Nothing) {
            dirs.insert(super::parent_dir(rel).to_string(), Some(Stamp::default()));
        }
        left
    }

    /// A folder of the scan as it is now: its stamp (taken before it is
    /// listed: a file added meanwhile changes it again, and the next command
    /// looks again), whether it is refused (a symlink leaving the root), an
    /// open handle, whether the index's record of it holds, and, when that
    /// does not, what listing it gives (each name, and whether it is a folder).
    fn look(&self, dir: &str, how: Scan, index: Option<&index::Index>) -> Result<Looked> {
        let path = self.root.join(dir);
        let stamp = dir_stamp(&path);
        let refused = self.refused_folder(&path);
        let failed = || format!("failed to list {}", self.show(dir));
        let handle = if refused || stamp.is_none() {
            None
        } else {
            Some(File::open(&path).with_context(failed)?)
        };
        let trusted = how == Scan::Cached
            && handle.is_some()
            && index.is_some_and(|i| i.dirs.get(dir) == Some(&stamp));
        let listed = match (&handle, trusted) {
            (Some(_), false) => Some(
                fs::read_dir(&path)
                    .and_then(|listing| {
                        listing
                            .map(|item| {
                                let item = item?;
                                let is_dir = item.file_type().is_ok_and(|t| t.is_dir());
                                Ok((item.file_name(), is_dir))
                            })
                            .collect::<io::Result<Vec<_>>>()
                    })
                    .with_context(failed)?,
            ),
            _ => None,
        };
        Ok(Looked {
            folder: Folder {
                dir: dir.to_string(),
                path,
                handle,
                refused,
                trusted,
            },
            stamp,
            listed,
        })
    }

    /// One stat of a file in a status folder, by name (no path walk).
    fn stat_in(&self, folder: &Folder, name: &str) -> Stat {
        use rustix::fs::FileType;
        let Some(handle) = &folder.handle else {
            return Stat::Gone;
        };
        match stat_at(handle, name) {
            Ok((FileType::RegularFile, stamp)) => Stat::File(stamp),
            Ok((FileType::Symlink, _)) => self.symlink_stat(&folder.path.join(name)),
            Ok(_) => Stat::Skip,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Stat::Gone,
            Err(e) => Stat::Failed(e),
        }
    }

    /// Whether the folder at `path` is refused: a symlink that leaves the
    /// root (nothing in it is read).
    pub(super) fn refused_folder(&self, path: &Path) -> bool {
        fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
            && self.ensure_inside(path).is_err()
    }

    /// What the ticket file `rel` is to a scan when it is a symlink
    /// ([`Tree::symlink_stat`]); `None` when it is none.
    pub(super) fn linked(&self, rel: &str) -> Option<Stat> {
        let path = self.path(rel);
        fs::symlink_metadata(&path)
            .is_ok_and(|m| m.file_type().is_symlink())
            .then(|| self.symlink_stat(&path))
    }

    /// What the symlink `link` in a ticket folder is to a scan: its
    /// target's stamp when that is a file inside the root (the scan reads
    /// the target), nothing when it is something else there, refused when
    /// it leaves the root. Every way of reading the tree (the full view, an
    /// index brought up to date, the check that the index is the tree) asks
    /// this, so that they agree.
    pub(super) fn symlink_stat(&self, link: &Path) -> Stat {
        match self.inside_root(link) {
            Some(m) if m.is_file() => Stat::File(Stamp::of(&m)),
            Some(_) => Stat::Skip,
            None => Stat::Problem(SYMLINK_OUT),
        }
    }

    /// The file `name` found by listing `folder`: opened by name in it,
    /// stamped by the open file and read, when it is a regular file (not
    /// following a symlink, nor waiting on a FIFO); else what a stat by
    /// name finds.
    fn read_found(&self, folder: &Folder, name: &str) -> Got {
        let rel = || super::join_rel(&folder.dir, name);
        if let Some((stamp, bytes)) = folder.handle.as_ref().and_then(|h| open_regular(h, name)) {
            return Got::File(self.entry_of(rel(), stamp, Ok(bytes)));
        }
        match self.stat_in(folder, name) {
            Stat::File(stamp) => {
                let rel = rel();
                let path = self.path(&rel);
                Got::File(self.read_entry(rel, stamp, &path))
            }
            Stat::Skip | Stat::Gone => Got::Nothing,
            Stat::Problem(message) => Got::Problem(message),
            Stat::Failed(e) => Got::Failed(e),
        }
    }

    /// The entry of a markdown file; `None` when it is no ticket (see
    /// [`crate::ticket::looks_like_ticket`]).
    pub(super) fn read_entry(&self, rel: String, stamp: Stamp, path: &Path) -> Option<Entry> {
        self.entry_of(rel, stamp, fs::read(path))
    }

    /// [`Tree::read_entry`] of what reading the file gave.
    pub(super) fn entry_of(
        &self,
        rel: String,
        stamp: Stamp,
        read: io::Result<Vec<u8>>,
    ) -> Option<Entry> {
        let parsed = match read {
            Err(e) => Err(Malformed {
                line: None,
                message: format!("cannot read: {e}"),
            }),
            Ok(bytes) => match self.parse_keyed(&rel, &bytes) {
                Ok(keyed) => Ok(keyed),
                Err(_) if !crate::ticket::looks_like_ticket(file_name(&rel), &bytes) => {
                    return None;
                }
                Err(m) => Err(m),
            },
        };
        Some(Entry::keyed(Text::from(rel), stamp, parsed))
    }

    /// Writes the whole index for `snap` (best effort: it is only an accelerator).
    pub fn write_index(&self, snap: &Snapshot) {
        self.store_index(&snap.entries, &snap.dirs, snap.memo.as_ref());
    }

    pub(super) fn store_index(&self, entries: &[Entry], dirs: &Dirs, memo: Option<&index::Memo>) {
        // Every file recorded as it is: none is edited in place any more.
        self.forget_edited();
        let mut refs: Vec<&Entry> = entries.iter().collect();
        let _ = self.spool_index(|w| {
            index::encode_to(
                &self.fingerprint(),
                &mut refs,
                dirs,
                memo,
                &|e| self.is_open(e),
                w,
            )
        });
    }

    /// Writes `index` again with its deltas merged into its base (see
    /// [`index::Index::compact_to`]); `None` if it could not.
    pub(super) fn compact_index(&self, index: &index::Index) -> Option<()> {
        self.spool_index(|w| {
            index
                .compact_to(
                    &self.fingerprint(),
                    &|rel, said| self.is_open_at(rel, said),
                    w,
                )
                .ok_or_else(|| io::Error::other("a record of the index does not parse"))
        })
        .ok()
    }

    /// Writes a whole index: `encode` writes its records and gives its
    /// header. The records are spooled to an unnamed file beside the index
    /// as they are made, then copied after the header kernel-side: the
    /// index is never held in memory whole (21 MB at 100,000 tickets).
    fn spool_index(
        &self,
        encode: impl FnOnce(&mut dyn io::Write) -> io::Result<String>,
    ) -> io::Result<()> {
        let (head, mut spool) = spooled(&self.state_dir(), encode)?;
        super::fsx::write_atomic_with(
            &self.index_path(),
            |f| write_spooled(f, &head, &mut spool),
            None,
            false,
        )
    }

    /// An index written from a read of every file ([`Tree::scan_into`]),
    /// each record encoded as it is read and not held (see
    /// [`index::Build`]), and the temp files the read left in the folders.
    /// With `apart`, for a command that changes nothing (not even
    /// `.tix/`), the index and its spools are files with no name in the
    /// temp folder; else it is the tree's own, written as
    /// [`Tree::write_index`] writes it. `None` when a spool or the index
    /// cannot be written, or no index can be made for the tree.
    pub(super) fn stream_index(&self, apart: bool) -> Result<Option<(index::Index, Vec<String>)>> {
        let upkeep = if apart {
            Upkeep::Nothing
        } else {
            Upkeep::Index
        };
        let Ok(mut build) = index::Build::new(&self.spool_dir(apart)) else {
            return Ok(None);
        };
        let mut sink = |e: Entry| build.push(&e, self.is_open(&e)).ok();
        let Some(snap) = self.scan_into(upkeep, &mut sink)? else {
            return Ok(None);
        };
        let index = self.built_index(build, &snap.dirs, apart);
        Ok(index.map(|i| (i, snap.temps)))
    }

    /// The folder an index's spools are made in: the temp folder for a
    /// command that changes nothing (`apart`), else the tree's `.tix/`.
    pub(super) fn spool_dir(&self, apart: bool) -> PathBuf {
        if apart {
            std::env::temp_dir()
        } else {
            self.state_dir()
        }
    }

    /// The index `build` holds, of folders stamped `dirs`, written and
    /// opened: with `apart`, a file with no name in the temp folder (see
    /// [`Tree::stream_index`]), else the tree's own, written as
    /// [`Tree::write_index`] writes it. `None` when it cannot be written.
    pub(super) fn built_index(
        &self,
        build: index::Build,
        dirs: &Dirs,
        apart: bool,
    ) -> Option<index::Index> {
        let fingerprint = self.fingerprint();
        let write = |f: &mut File| {
            let mut w = io::BufWriter::with_capacity(256 * 1024, f);
            build.write_to(&fingerprint, dirs, None, &mut w)?;
            io::Write::flush(&mut w)
        };
        if apart {
            // A file with no name: it goes when the index does, or with
            // the process, whatever ends it.
            let mut file = tempfile::tempfile_in(self.spool_dir(true)).ok()?;
            write(&mut file).ok()?;
            index::open_file(file, &fingerprint)
        } else {
            fsx::write_atomic_with(&self.index_path(), write, None, false).ok()?;
            self.open_index()
        }
    }
}

/// What `encode` writes of an index (its records) spooled to an unnamed
/// file in `dir`, and the header it gives.
fn spooled(
    dir: &Path,
    encode: impl FnOnce(&mut dyn io::Write) -> io::Result<String>,
) -> io::Result<(String, File)> {
    let spool = tempfile::tempfile_in(dir)?;
    let mut w = io::BufWriter::with_capacity(256 * 1024, spool);
    let head = encode(&mut w)?;
    Ok((
        head,
        w.into_inner().map_err(io::IntoInnerError::into_error)?,
    ))
}

/// An index into `f`: its header, then its records copied from `spool`
/// kernel-side.
fn write_spooled(f: &mut File, head: &str, spool: &mut File) -> io::Result<()> {
    io::Write::write_all(f, head.as_bytes())?;
    io::Seek::seek(spool, io::SeekFrom::Start(0))?;
    io::copy(spool, f).map(|_| ())
}

/// Whether a file name listed in a ticket folder is one tix reads as a
/// ticket: a markdown file, not hidden (a killed writer's temp files and
/// editors' swap files are hidden).
pub(super) fn is_ticket_name(name: &str) -> bool {
    !name.starts_with('.') && name.ends_with(".md")
}

/// The type and stamp of `name` in the open folder `dir`, not following a
/// symlink: one `stat` by name, without walking a path.
pub(super) fn stat_at(dir: &File, name: &str) -> io::Result<(rustix::fs::FileType, Stamp)> {
    use rustix::fs::{AtFlags, FileType, statat};
    let st = statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
    Ok((FileType::from_raw_mode(st.st_mode), stamp_of(&st)))
}

/// The stamp of what a `stat` of a file said (as [`Stamp::of`] of its
/// metadata).
#[allow(clippy::unnecessary_cast)] // the fields' types differ from one platform to another
fn stamp_of(st: &rustix::fs::Stat) -> Stamp {
    Stamp::new(
        st.st_size as u64,
        (st.st_mtime as i64, st.st_mtime_nsec as i64),
        (st.st_ctime as i64, st.st_ctime_nsec as i64),
        st.st_ino as u64,
    )
}

/// The stamp and bytes of `name` in the open folder `dir` when it is a
/// regular file, from one open by name (no symlink followed, no FIFO
/// waited on); `None` for anything else, or an error, which a stat by
/// name then tells apart. A file cut shorter since its stamp was taken gives
/// the bytes it has.
pub(super) fn open_regular(dir: &File, name: &str) -> Option<(Stamp, Vec<u8>)> {
    use rustix::fs::{FileType, Mode, OFlags, fstat, openat};
    use std::io::Read;
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let fd = openat(dir, name, flags, Mode::empty()).ok()?;
    let st = fstat(&fd).ok()?;
    if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
        return None;
    }
    // The bytes the stamp counts, and no more: one `read` for a ticket,
    // where `read_to_end` would stat and seek the file again and read once
    // more to find its end. Bytes appended since are another version,
    // which the next command reads (the stamp's size is not theirs).
    let mut bytes = vec![0; usize::try_from(st.st_size).ok()?];
    let mut file = File::from(fd);
    let mut filled = 0;
    while filled < bytes.len() {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    bytes.truncate(filled);
    Some((stamp_of(&st), bytes))
}

/// A folder's stamp (`None` when it does not exist); symlinks are followed.
#[must_use]
pub fn dir_stamp(dir: &Path) -> Option<Stamp> {
    fs::metadata(dir).ok().map(|m| Stamp::of(&m))
}

/// Which sub-folders of a folder tix reads tickets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Below {
    /// None: the folder's own files only (the root).
    Nothing,
    /// Any, as deep as a scan looks, but hidden ones and templates.
    Folders,
    /// Those, but the folder's own mirror the root's (an archive folder's
    /// `archive/tasks/`), so not other tools' `docs/` or `milestones/` in it.
    FoldersAsInRoot,
}

impl Below {
    /// How the root's folder `name` (`""`: the root) is read before tix.yaml
    /// says what it is (`init`, a folder tix does not read): by what its
    /// name means.
    #[must_use]
    pub fn by_name(name: &str) -> Below {
        match crate::config::meaning(name) {
            _ if name.is_empty() => Below::Nothing,
            Some((crate::config::Kind::Archived, _)) => Below::FoldersAsInRoot,
            _ => Below::Folders,
        }
    }
}

/// Calls `f` with the name and bytes of each markdown file in `dir` meant as
/// a ticket ([`crate::ticket::looks_like_ticket`]), and in its sub-folders
/// as `below` says. Unreadable entries are passed over.
pub fn each_ticket_file(dir: &Path, below: Below, f: &mut dyn FnMut(&str, &[u8])) {
    each_markdown_file(dir, below, &mut |name, path| {
        if let Ok(bytes) = fs::read(path)
            && crate::ticket::looks_like_ticket(name, &bytes)
        {
            f(name, &bytes);
        }
    });
}

/// Calls `f` with the name and path of each markdown file in `dir` that is
/// not hidden, and in its sub-folders as `below` says.
pub fn each_markdown_file(dir: &Path, below: Below, f: &mut dyn FnMut(&str, &Path)) {
    let start = if below == Below::Nothing {
        MAX_DEPTH
    } else {
        0
    };
    let mut queue = vec![(dir.to_path_buf(), start)];
    while let Some((at, depth)) = queue.pop() {
        if depth < MAX_DEPTH {
            let as_root = depth == 0 && below == Below::FoldersAsInRoot;
            queue.extend(
                sub_folders(&at, as_root)
                    .into_iter()
                    .map(|sub| (at.join(sub), depth + 1)),
            );
        }
        let Ok(listing) = fs::read_dir(&at) else {
            continue;
        };
        for item in listing.flatten() {
            let name = item.file_name().to_string_lossy().into_owned();
            if is_ticket_name(&name) {
                f(&name, &item.path());
            }
        }
    }
}

/// How deep below a status folder tix looks for tickets.
pub const MAX_DEPTH: usize = 3;

/// The folders inside `path` that may hold tickets: not links, not one that
/// [holds no tickets](crate::config::holds_no_tickets) by its name, nor, when
/// `as_root` (the root, and an archive folder that mirrors it), one that
/// [holds none in the root](crate::config::root_holds_no_tickets).
pub fn sub_folders(path: &Path, as_root: bool) -> Vec<String> {
    let Ok(listing) = fs::read_dir(path) else {
        return Vec::new();
    };
    let names = listing
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .collect();
    folders_named(names, as_root)
}

/// Of the names of the folders in a folder, those tix reads tickets in, sorted.
pub(super) fn folders_named(mut names: Vec<String>, as_root: bool) -> Vec<String> {
    let skip = if as_root {
        crate::config::root_holds_no_tickets
    } else {
        crate::config::holds_no_tickets
    };
    names.retain(|n| !skip(n));
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index written through its spool holds the bytes `encode` gives,
    /// header first, for a base of many pieces of the spool's buffer.
    #[test]
    fn the_index_written_is_the_one_encoded() {
        let dir = crate::tree::testing::with_pending(6000);
        let root = dir.path();
        let tree = Tree::open(root, root).unwrap();
        let snap = tree.scan(Scan::Fresh, Upkeep::Nothing).unwrap();
        assert_eq!(snap.entries.len(), 6000);
        tree.write_index(&snap);
        let mut refs: Vec<&Entry> = snap.entries.iter().collect();
        let want = index::encode(&tree.fingerprint(), &mut refs, &snap.dirs, None, &|e| {
            tree.is_open(e)
        });
        assert!(want.len() > 256 * 1024, "{}", want.len());
        assert_eq!(fs::read_to_string(tree.index_path()).unwrap(), want);
        // No spool is left beside it.
        let names: Vec<String> = fs::read_dir(root.join(".tix"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["index"]);
    }

    #[test]
    fn open_regular_reads_a_file_whole_and_stamps_it_as_a_stat_does() {
        let dir = tempfile::tempdir().unwrap();
        let handle = File::open(dir.path()).unwrap();
        for (name, bytes) in [
            ("empty.md", &b""[..]),
            ("one.md", b"---\nid: TIX-0001\n---\n"),
            ("big.md", &[b'x'; 100_000][..]),
        ] {
            fs::write(dir.path().join(name), bytes).unwrap();
            let (stamp, read) = open_regular(&handle, name).unwrap();
            assert_eq!(read, bytes, "{name}");
            let (kind, stat) = stat_at(&handle, name).unwrap();
            assert_eq!((kind, stamp), (rustix::fs::FileType::RegularFile, stat));
        }
        // Not regular files: told apart by a stat by name, not read here.
        std::os::unix::fs::symlink("one.md", dir.path().join("link.md")).unwrap();
        fs::create_dir(dir.path().join("folder.md")).unwrap();
        for name in ["link.md", "folder.md", "missing.md"] {
            assert!(open_regular(&handle, name).is_none(), "{name}");
        }
    }
}
