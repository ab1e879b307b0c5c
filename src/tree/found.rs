//! What `sync`, `sync --check` and `doctor` find among the tickets, from
//! the index read a record at a time: each file's own problem, and the open
//! tickets that wait for ever. The full view held every record for it (at
//! 100,000 tickets, 90 to 99 MiB).

use super::ready::{Ids, Keys, Waits};
use super::{Entry, Problem, Tree, index::Index, problems, scan};
use crate::ticket::IdKey;
use std::fs::File;

/// How many files a check that reads every one reads at a time: their
/// records and bytes are what it holds beside the ids.
const READ_CHUNK: usize = 2048;

/// How a command makes sure the index is the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// Every file stat'ed as a read stats it (see [`Tree::exact_index`]).
    Stat,
    /// Every file read, and found to say what its record says: what
    /// `sync --check` and `doctor` promise.
    Read,
}

/// The tickets' problems, as the full view finds them.
#[derive(Debug)]
pub struct Found {
    /// How many files look like tickets: those that are and those that
    /// do not parse.
    pub files: usize,
    /// [`Tree::problems`]: files that do not parse, or are not in the
    /// folder of their status.
    pub problems: Vec<Problem>,
    /// [`Tree::dependency_problems`].
    pub stuck: Vec<Problem>,
    /// The registry, as [`Tree::registry_fresh`] finds it: fresh
    /// (`Some(true)`), stale, or missing (`None`).
    pub registry: Option<bool>,
    /// The temp files a read of every file left in the folders (none when
    /// the index was trusted: it vouches for no folder with one).
    pub temps: Vec<String>,
}

/// What [`Tree::sync_by_index`] did.
#[derive(Debug)]
pub enum Synced {
    /// No ticket was in the wrong folder: what was found, and whether the
    /// registry was written.
    Done(Found, bool),
    /// The files of the tickets in the wrong folder, in the order of their
    /// paths: the registry was not written (the index may have been, as
    /// a read writes it). `tix sync` moves each as a transition does, by
    /// the index, and asks again.
    Misplaced(Vec<String>),
}

impl Found {
    /// Everything `sync --check` reports, as [`Tree::all_problems`] finds
    /// it.
    #[must_use]
    pub fn every(self, tree: &Tree) -> Vec<Problem> {
        let mut out = self.problems;
        out.extend(self.stuck);
        out.extend(tree.tree_problems(self.registry, &self.temps));
        out
    }
}

impl Tree {
    /// The tickets' problems and the registry's state (see [`Found`]) from
    /// the index, when its records are `from` bytes or more and `proof`
    /// shows it is the tree. A tree without an index (a fresh clone) that
    /// has about `from` bytes of records or more (see
    /// [`Tree::index_or_streamed`]) gets one from a read of every file a
    /// record at a time, which is proof enough: the tree's own, or with [`Proof::Read`] (a command that
    /// changes nothing) one of the temp folder's (see
    /// [`Tree::stream_index`]). Held: every id (whether its ticket is
    /// closed), what the open tickets that wait for others wait for, the
    /// problems, and with [`Proof::Read`] a chunk of records and files.
    /// The registry's state is known without a render when the index knows
    /// it as it is now ([`Tree::registry_known`]); else it is rendered from the index
    /// ([`Tree::render_by_index`]) and compared (`sync`, which writes, notes
    /// it: [`Tree::sync_by_index`]; a check notes nothing). An index that no longer
    /// matches the folders (a pull, an editor's saves) is first brought up
    /// to date ([`Tree::current`]: in memory, or past 512 changed files
    /// written again, with [`Proof::Read`] into a file with no name); when
    /// it cannot be, with `anew` it is read anew as a tree without one is,
    /// where the full view would read every file or hold every record
    /// (`sync` and `sync --check`; `doctor` leaves it to the full view,
    /// which says what in it is stale); so are, with `anew`, files written
    /// over in place: their folders listed as changed ones are
    /// ([`Tree::retried`]). `None`:
    /// the index is not that, a record does not parse, the files of an id
    /// on two files cannot be looked up (see `Tree::duplicates_by_index`),
    /// or the registry cannot be rendered so or read.
    #[must_use]
    pub fn found_by_index(&self, from: usize, proof: Proof, anew: bool) -> Option<Found> {
        let (found, index, now) = self.found_and_index(from, proof, anew)?;
        self.with_registry(found, &index, now)
    }

    /// What `tix doctor` finds, by the index as [`Tree::found_by_index`]
    /// goes by it with [`Proof::Read`], nothing written: files written over
    /// in place are read again as `sync --check` reads them
    /// ([`Tree::retried`]), where the full view held every record (at
    /// 100,000 tickets, 87 MiB) for as long as no command wrote the index
    /// again; and whether the index is stale for them, as the full view
    /// says (see [`Tree::stale_for_edits`]). An index that cannot be
    /// brought up to date is left to the full view, which says what in it
    /// is stale.
    #[must_use]
    pub fn doctor_by_index(&self, from: usize) -> Option<(Found, bool)> {
        let (found, index, now) =
            self.retried(|| self.found_once(from, Proof::Read, false, true))?;
        let stale = self.stale_for_edits(&index);
        Some((self.with_registry(found, &index, now)?, stale))
    }

    /// `found` with the registry's state: known by `index`
    /// ([`Tree::registry_known`]), else rendered from it and compared.
    fn with_registry(
        &self,
        mut found: Found,
        index: &Index,
        now: Option<super::Stamp>,
    ) -> Option<Found> {
        found.registry = match self.registry_known(index, now) {
            Some(fresh) => Some(fresh),
            None => self.registry_fresh_by_index(index, &found.problems, now, false)?,
        };
        Some(found)
    }

    /// What `tix sync` does when no ticket is in the wrong folder, by the
    /// index as [`Tree::found_by_index`] goes by it (every file stat'ed):
    /// a registry that is not fresh (a pull or a merge wrote another, an
    /// editor changed it, it is gone) is rendered from the index
    /// ([`Tree::render_by_index`]) into a spool and put in place, and the
    /// index notes it: a line appended, or, when the index was brought up
    /// to date in memory, the whole index written again a piece at a time.
    /// The full view held every record (at 100,000 tickets, 90 MiB). With
    /// whether the registry was written; the files to move, when a ticket
    /// is in the wrong folder (the registry not written: see [`Synced`]); `None`:
    /// the index cannot serve (the full view's).
    ///
    /// # Errors
    ///
    /// An error writing the registry.
    pub fn sync_by_index(
        &self,
        from: usize,
        lock: &super::Exclusive,
    ) -> anyhow::Result<Option<Synced>> {
        let _ = lock;
        let Some((found, mut index, now)) = self.found_and_index(from, Proof::Stat, true) else {
            return Ok(None);
        };
        // In the order of their paths, as the problems are.
        let misplaced: Vec<String> = found
            .problems
            .iter()
            .filter(|p| p.kind == super::ProblemKind::Misplaced)
            .map(|p| p.path.clone())
            .collect();
        if !misplaced.is_empty() {
            return Ok(Some(Synced::Misplaced(misplaced)));
        }
        if self.registry_known(&index, now) == Some(true) {
            return Ok(Some(Synced::Done(found, false)));
        }
        // Rendered once, into a spool: written only if its bytes differ,
        // and noted in the index either way.
        let Some((spool, len, layout)) = self.render_spooled(&index, Some(&found.problems)) else {
            return Ok(None);
        };
        let wrote = self.replace_registry_from(&spool, len)?;
        // Best effort from here: the index is only an accelerator.
        let memo = self
            .registry_stamp()
            .map(|stamp| super::index::Memo { stamp, layout });
        // The registry is in the root: a root that holds tickets has changed.
        let mut dirs: super::index::Dirs = index
            .listed
            .iter()
            .filter_map(|d| Some((d.clone(), *index.dirs.get(d)?)))
            .collect();
        if self.is_flat("") {
            dirs.insert(String::new(), super::dir_stamp(&self.root));
        }
        if index.unwritten.is_some() {
            index.dirs.extend(dirs);
            index.memo = memo;
            if self.compact_index(&index).is_none() {
                let _ = std::fs::remove_file(self.index_path());
            }
        } else {
            let line = super::index::delta(&[], &[], &dirs, memo.as_ref(), &[]);
            if super::index::append(&self.index_path(), &line).is_err() {
                let _ = std::fs::remove_file(self.index_path());
            }
        }
        Ok(Some(Synced::Done(found, wrote)))
    }

    /// [`Tree::found_by_index`] but the registry's state, with the index
    /// it went by and the registry's stamp taken before the walk.
    fn found_and_index(
        &self,
        from: usize,
        proof: Proof,
        anew: bool,
    ) -> Option<(Found, Index, Option<super::Stamp>)> {
        // With `anew`, files edited in place are read again too; `doctor`
        // leaves them to the full view, which says the index is stale.
        if anew {
            self.retried(|| self.found_once(from, proof, anew, anew))
        } else {
            self.found_once(from, proof, anew, anew)
        }
    }

    /// [`Tree::found_and_index`], tried once: with `anew`, an index that
    /// cannot be brought up to date is read anew; with `collect`, files
    /// edited in place are noted for a second try.
    fn found_once(
        &self,
        from: usize,
        proof: Proof,
        anew: bool,
        collect: bool,
    ) -> Option<(Found, Index, Option<super::Stamp>)> {
        // The index brought up to date, or whether there is one that
        // cannot be (`Err(true)`).
        let current = match self.open_index() {
            Some(index) if index.base_bytes() >= from => {
                self.current(index, proof == Proof::Read).ok_or(true)
            }
            // A smaller one is not brought up to date for nothing: as the
            // tree, the full view is faster; else the tree may have grown.
            Some(index) if self.folders_match(&index) => return None,
            Some(_) => Err(true),
            None => Err(false),
        };
        // An index made now, of every file read, needs no proof.
        let (index, temps, read) = match current {
            Ok(index) => {
                let temps = index.temps.clone();
                (index, temps, false)
            }
            Err(true) if !anew => return None,
            _ if !self.has_files(from / super::ready::RECORD_GUESS) => return None,
            _ => {
                let (index, temps) = self.stream_index(proof == Proof::Read).ok()??;
                (index, temps, true)
            }
        };
        if index.base_bytes() < from {
            return None;
        }
        let now = self.registry_stamp();
        let mut found = match proof {
            _ if read => self.find_in(&index, None, false),
            Proof::Stat => self.by_exact(&index, |index| self.find_in(index, None, false)),
            Proof::Read => self.find_in(&index, Some(&File::open(&self.root).ok()?), collect),
        }?;
        found.temps = temps;
        Some((found, index, now))
    }

    /// [`Tree::found_by_index`] of `index`, each file read from `root` and
    /// compared with its record when it is given; with `collect`, files
    /// edited in place are noted for a second try.
    fn find_in(&self, index: &Index, root: Option<&File>, collect: bool) -> Option<Found> {
        let mut seen = Seen {
            files: 0,
            keys: Keys::default(),
            ids: Ids::default(),
            others: Vec::new(),
            twice: Vec::new(),
            waits: Waits::named(),
            problems: Vec::new(),
        };
        let mut chunk: Vec<Entry> = Vec::with_capacity(READ_CHUNK);
        // With `collect`, files that do not read as their records say but
        // are regular files (edited in place): the walk goes on past them,
        // seeing nothing more, to note them all for a second try (see
        // `Tree::retried`), up to `REFRESH_FILES`.
        let mut edited: Vec<String> = Vec::new();
        let mut take = |chunk: &mut Vec<Entry>, seen: &mut Seen| -> Option<()> {
            if let Some(root) = root {
                let same = super::parallel_map(chunk, |e| self.reads_as(root, e));
                for (e, same) in chunk.iter().zip(same) {
                    if same == Some(true) {
                        continue;
                    }
                    if !(collect && super::state::is_file(self, &e.rel)) {
                        return None;
                    }
                    edited.push(e.rel.to_string());
                }
                if edited.len() > super::state::REFRESH_FILES {
                    return None;
                }
                if !edited.is_empty() {
                    chunk.clear();
                    return Some(());
                }
            }
            chunk.drain(..).for_each(|e| seen.see(self, &e));
            Some(())
        };
        index.each_entry(&mut |e| {
            chunk.push(e);
            if chunk.len() >= READ_CHUNK {
                take(&mut chunk, &mut seen)?;
            }
            Some(())
        })?;
        take(&mut chunk, &mut seen)?;
        if !edited.is_empty() {
            self.note_edited(&edited);
            return None;
        }
        seen.finish(self, index)
    }

    /// Whether the file of record `e`, opened from `root` and read now, has
    /// its stamp and says what it says (a symlink as the full view reads
    /// it: see [`Tree::symlink_stat`]).
    fn reads_as(&self, root: &File, e: &Entry) -> bool {
        let (stamp, bytes) = match scan::open_regular(root, &e.rel) {
            Some(read) => read,
            // A symlink, as the scan sees it: its target read, or refused.
            None => match self.linked(&e.rel) {
                Some(scan::Stat::File(stamp)) => match std::fs::read(self.path(&e.rel)) {
                    Ok(bytes) => (stamp, bytes),
                    Err(_) => return false,
                },
                Some(scan::Stat::Problem(message)) => return scan::refused_as(e, message),
                _ => return false,
            },
        };
        stamp == e.stamp
            && self
                .entry_of(e.rel.to_string(), stamp, Ok(bytes))
                .is_some_and(|now| now.parsed == e.parsed && now.key == e.key)
    }
}

/// What the walk holds.
struct Seen {
    files: usize,
    keys: Keys,
    /// Every ticket's id, and whether it is closed.
    ids: Ids<bool>,
    /// The ids of the files that are no tickets.
    others: Vec<IdKey>,
    /// Tickets' ids met again.
    twice: Vec<IdKey>,
    waits: Waits,
    problems: Vec<Problem>,
}

impl Seen {
    fn see(&mut self, tree: &Tree, e: &Entry) {
        self.files += 1;
        self.problems.extend(tree.entry_problem(e));
        match tree.ticket_of(e) {
            Some(t) => {
                if !self.ids.insert(t.key, t.kind.is_closed(), &mut self.keys) {
                    self.twice.push(self.keys.own(t.key));
                }
                self.waits.see(&t, &mut self.keys);
            }
            None => self.others.extend(e.key.as_ref().map(|k| self.keys.own(k))),
        }
    }

    /// `None` when the files of an id on two files cannot be looked up
    /// (see [`Tree::duplicates_by_index`]).
    fn finish(mut self, tree: &Tree, index: &Index) -> Option<Found> {
        let twice = problems::on_two(
            std::mem::take(&mut self.twice),
            &self.others,
            &self.ids,
            &self.keys,
        );
        if !twice.is_empty() {
            let waits = Some((&mut self.waits, &self.keys));
            let duplicates = tree.duplicates_by_index(index, &twice, waits)?;
            self.problems.extend(duplicates);
        }
        let mut stuck: Vec<Problem> = self
            .waits
            .stuck(&self.ids, &self.keys)
            .into_iter()
            .map(|(rel, s)| problems::stuck_problem(rel, s))
            .collect();
        problems::sort(&mut stuck);
        problems::sort(&mut self.problems);
        Some(Found {
            files: self.files,
            problems: self.problems,
            stuck,
            registry: Some(true),
            temps: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::ready::tests::{Drawn, draw, drawn, drawn_tree, outside};
    use super::super::{REGISTRY, Scan, Snapshot, Upkeep};
    use super::*;
    use std::fs;

    /// The index and the registry as `tix sync` leaves them (the index
    /// knows the registry); and what the full view reads of the tree now.
    fn synced(tree: &Tree) -> Snapshot {
        let _ = fs::remove_file(tree.index_path());
        let mut snap = tree.scan(Scan::Cached, Upkeep::Index).unwrap();
        tree.write_registry(&mut snap).unwrap();
        tree.scan(Scan::Fresh, Upkeep::Nothing).unwrap()
    }

    /// A tree of the tickets drawn, every status's folder there (one that
    /// appears is the full view's), as `tix sync` leaves it; then one file
    /// changed outside tix as [`outside`] changes it, if asked.
    fn synced_then(drawn: &[Drawn], change: Option<(usize, usize)>) -> (tempfile::TempDir, Tree) {
        let (dir, tree) = drawn_tree(drawn, None);
        for d in ["pending", "in-progress", "completed", "archive"] {
            fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        synced(&tree);
        if let Some((which, kind)) = change {
            outside(dir.path(), drawn, which, kind);
        }
        (dir, tree)
    }

    /// Two tickets, the one in progress waiting for the pending one, as
    /// [`synced_then`] leaves them.
    fn synced_pair() -> (tempfile::TempDir, Tree) {
        let pair = [
            (0, 0, None, vec![], 1, false),
            (1, 0, None, vec![1], 2, false),
        ];
        synced_then(&pair, None)
    }

    /// What `found` says, as the full view's problems are compared with it.
    fn said(found: Option<Found>, tree: &Tree) -> Option<String> {
        found.map(|f| {
            let (files, problems, stuck) = (f.files, f.problems.clone(), f.stuck.clone());
            let registry = f.registry;
            format!(
                "{files} files, {problems:?}, {stuck:?}, registry {registry:?}, {:?}",
                f.every(tree)
            )
        })
    }

    fn full(tree: &Tree, snap: &Snapshot) -> String {
        format!(
            "{} files, {:?}, {:?}, registry {:?}, {:?}",
            snap.entries.len(),
            tree.problems(snap),
            tree.dependency_problems(snap),
            tree.registry_fresh(snap, false).unwrap(),
            tree.all_problems(snap, false).unwrap()
        )
    }

    /// A ticket with each kind of problem the index can find: a file that
    /// does not parse, one in another status's folder, one waiting for a
    /// missing id, two waiting for each other; by either proof, the full
    /// view's problems, in its order.
    #[test]
    fn the_problems_by_the_index_are_the_full_view_s() {
        let (dir, tree) = drawn_tree(
            &[
                (0, 0, None, vec![9], 1, false),
                (0, 1, None, vec![3], 2, false),
                (1, 1, None, vec![2], 3, false),
                (2, 1, None, vec![5], 4, false),
                (0, 1, None, vec![], 5, true),
                (3, 1, None, vec![4], 6, false),
            ],
            None,
        );
        let root = dir.path();
        fs::rename(
            root.join("completed/TIX-0004-3.md"),
            root.join("pending/TIX-0004-3.md"),
        )
        .unwrap();
        let snap = synced(&tree);
        let expected = full(&tree, &snap);
        for (kind, n) in [
            ("Malformed", 1),
            ("Misplaced", 1),
            ("MissingDependency", 1),
            ("DependencyCycle", 2),
        ] {
            assert_eq!(
                expected.matches(&format!("{kind},")).count(),
                2 * n,
                "{kind}: {expected}"
            );
        }
        for proof in [Proof::Stat, Proof::Read] {
            let found = tree.found_by_index(0, proof, false);
            assert_eq!(said(found, &tree).as_deref(), Some(&*expected), "{proof:?}");
        }
        // Not from an index smaller than asked for.
        assert!(
            tree.found_by_index(usize::MAX, Proof::Read, false)
                .is_none()
        );
    }

    /// A file edited in place since the index was written (its folder's
    /// stamp as it was) is seen: by either proof, the answer is the full
    /// view's, from the index brought up to date for its folder; only a
    /// read that may write (not a check) writes the index with it. An id
    /// on two files: the full view's answer.
    #[test]
    fn an_edit_in_place_and_an_id_on_two_files_are_seen_as_by_the_full_view() {
        let (dir, tree) = synced_pair();
        let root = dir.path();
        assert!(tree.found_by_index(0, Proof::Read, false).is_some());
        let rel = "pending/TIX-0001-0.md";
        let text = fs::read_to_string(root.join(rel)).unwrap();
        fs::write(root.join(rel), text.replace("title: t", "title: edited")).unwrap();
        let expected = full(&tree, &tree.scan(Scan::Fresh, Upkeep::Nothing).unwrap());
        // The registry shows the title as it was.
        assert!(expected.contains("RegistryStale"), "{expected}");
        let index = fs::read(tree.index_path()).unwrap();
        for proof in [Proof::Read, Proof::Stat] {
            // Each as a command of its own finds it.
            let tree = Tree::open(root, root).unwrap();
            // Not for `doctor`, which says the index is stale.
            assert!(tree.found_by_index(0, proof, false).is_none());
            let found = tree.found_by_index(0, proof, true);
            assert_eq!(said(found, &tree).as_deref(), Some(&*expected), "{proof:?}");
            let written = fs::read(tree.index_path()).unwrap() != index;
            assert_eq!(written, proof == Proof::Stat, "{proof:?}");
        }
        assert!(Tree::open(root, root).unwrap().exact_index().is_some());
        fs::write(root.join(rel), &text).unwrap();
        synced(&tree);
        // The id of a ticket on another ticket, or on a file that does
        // not parse: the files grouped as the full view groups them.
        let copy = root.join("pending/TIX-0001-1.md");
        for text in [text.as_str(), "---\nid: [\n---\n"] {
            fs::write(&copy, text).unwrap();
            let expected = full(&tree, &synced(&tree));
            assert_eq!(expected.matches("DuplicateId,").count(), 4, "{expected}");
            for proof in [Proof::Read, Proof::Stat] {
                let found = tree.found_by_index(0, proof, false);
                assert_eq!(said(found, &tree).as_deref(), Some(&*expected), "{text}");
            }
            fs::remove_file(&copy).unwrap();
            synced(&tree);
        }
        // The id of a ticket that waits for others, on a copy that waits
        // for an id no ticket has: the dependency walk takes the first of
        // the two by path, the copy before the ticket or after it.
        let waits = fs::read_to_string(root.join("in-progress/TIX-0002-1.md")).unwrap();
        let missing = waits.replace("[TIX-0001]", "[TIX-0009]");
        for (copy, stuck) in [
            ("in-progress/TIX-0002-0.md", 1),
            ("pending/TIX-0002-2.md", 0),
        ] {
            fs::write(root.join(copy), &missing).unwrap();
            let expected = full(&tree, &synced(&tree));
            let n = expected.matches("MissingDependency,").count();
            assert_eq!(n, 2 * stuck, "{copy}: {expected}");
            for proof in [Proof::Read, Proof::Stat] {
                let found = tree.found_by_index(0, proof, false);
                assert_eq!(said(found, &tree).as_deref(), Some(&*expected), "{copy}");
            }
            fs::remove_file(root.join(copy)).unwrap();
        }
        // The first by path waits for none, the other for an id no ticket
        // has: nothing is stuck, though the walk met the one that waits
        // first.
        let own = root.join("in-progress/TIX-0002-1.md");
        fs::write(&own, &missing).unwrap();
        let free = waits.replace("depends_on: [TIX-0001]", "depends_on: []");
        assert_ne!(free, waits);
        fs::write(root.join("in-progress/TIX-0002-0.md"), free).unwrap();
        let expected = full(&tree, &synced(&tree));
        assert_eq!(
            expected.matches("MissingDependency,").count(),
            0,
            "{expected}"
        );
        for proof in [Proof::Read, Proof::Stat] {
            let found = tree.found_by_index(0, proof, false);
            assert_eq!(said(found, &tree).as_deref(), Some(&*expected), "{proof:?}");
        }
    }

    /// A record that says what its file does not, its stamp the file's (a
    /// file changed and stamped back, an index from elsewhere): a check that
    /// reads every file sees it; one that stats them cannot.
    #[test]
    fn a_check_that_reads_every_file_sees_a_record_its_file_does_not_say() {
        let (dir, tree) = drawn_tree(&[(0, 0, None, vec![], 1, false)], None);
        let root = dir.path();
        let rel = "pending/TIX-0001-0.md";
        let text = fs::read_to_string(root.join(rel)).unwrap();
        fs::write(root.join(rel), text.replace("title: t", "title: abcd")).unwrap();
        synced(&tree);
        let index = fs::read_to_string(tree.index_path()).unwrap();
        assert_eq!(index.matches("abcd").count(), 1, "{index}");
        fs::write(tree.index_path(), index.replace("abcd", "wxyz")).unwrap();
        assert!(tree.found_by_index(0, Proof::Stat, false).is_some());
        assert!(tree.found_by_index(0, Proof::Read, false).is_none());
    }

    /// A registry the index does not know as it is now (written since,
    /// with the same bytes or others, or gone) is rendered from the index
    /// and compared, as the full view compares it, and nothing is noted; by
    /// `sync`, a fresh one is noted in the index (and left as it is), so
    /// that the next answer needs no render.
    #[test]
    fn a_registry_the_index_does_not_know_is_rendered_from_it_and_compared() {
        let (_dir, tree) = drawn_tree(
            &[
                (0, 0, None, vec![], 1, false),
                (1, 0, None, vec![1], 2, false),
                (2, 0, Some(1), vec![], 3, false),
            ],
            None,
        );
        synced(&tree);
        let path = tree.path(REGISTRY);
        let registry = fs::read_to_string(&path).unwrap();
        for (text, expected) in [
            (Some(registry.clone()), Some(true)),
            (Some(format!("{registry} ")), Some(false)),
            (Some(registry.replace("TIX-0003", "TIX-0004")), Some(false)),
            (None, None),
        ] {
            match &text {
                Some(t) => fs::write(&path, t).unwrap(),
                None => fs::remove_file(&path).unwrap(),
            }
            let snap = tree.scan(Scan::Fresh, Upkeep::Nothing).unwrap();
            assert_eq!(tree.registry_fresh(&snap, false).unwrap(), expected);
            for proof in [Proof::Stat, Proof::Read] {
                let found = tree.found_by_index(0, proof, false).unwrap();
                assert_eq!(found.registry, expected, "{proof:?} {text:?}");
            }
        }
        fs::write(&path, &registry).unwrap();
        let stamp = tree.registry_stamp();
        let memo = || tree.open_index().unwrap().memo.map(|m| m.stamp);
        assert_ne!(memo(), stamp);
        let found = tree.found_by_index(0, Proof::Stat, false).unwrap();
        assert_eq!(found.registry, Some(true));
        assert_ne!(memo(), stamp);
        let lock = tree.lock_exclusive(&mut |_| {}).unwrap();
        let Some(Synced::Done(_, wrote)) = tree.sync_by_index(0, &lock).unwrap() else {
            panic!("nothing to move")
        };
        assert!(!wrote);
        assert_eq!(tree.registry_stamp(), stamp);
        assert_eq!(memo(), stamp);
    }

    /// A tree without an index (a fresh clone) gets one from a read of
    /// every file, a record at a time: for a check that changes nothing an
    /// unnamed one in the temp folder (`.tix/` is left as it is), else the
    /// tree's own; the temp files the read finds in the folders are
    /// reported, as the full view reports them.
    #[test]
    fn a_tree_without_an_index_is_read_into_one_a_record_at_a_time() {
        let (dir, tree) = drawn_tree(
            &[
                (0, 0, None, vec![9], 1, false),
                (1, 1, None, vec![], 2, false),
                (0, 1, None, vec![], 3, true),
            ],
            None,
        );
        let root = dir.path();
        let snap = synced(&tree);
        fs::write(root.join("pending/.tix-tmp-1-x"), "half").unwrap();
        let snap_with_temp = tree.scan(Scan::Fresh, Upkeep::Nothing).unwrap();
        assert_eq!(snap_with_temp.temps, ["pending/.tix-tmp-1-x"]);
        let expected = full(&tree, &snap_with_temp);
        assert!(expected.contains("TempFile"), "{expected}");
        fs::remove_file(tree.index_path()).unwrap();
        let found = tree.found_by_index(0, Proof::Read, false);
        assert_eq!(said(found, &tree).as_deref(), Some(&*expected));
        assert!(!tree.index_path().exists());
        // A sync's: the tree's own index, its temp file removed.
        let lock = tree.lock_exclusive(&mut |_| {}).unwrap();
        let Some(Synced::Done(found, wrote)) = tree.sync_by_index(0, &lock).unwrap() else {
            panic!("nothing to move")
        };
        assert!(!wrote);
        assert_eq!(found.temps, Vec::<String>::new());
        assert!(!root.join("pending/.tix-tmp-1-x").exists());
        assert_eq!(said(Some(found), &tree), Some(full(&tree, &snap)));
        let index = tree.trusted_index().unwrap();
        assert_eq!(index.memo.map(|m| m.stamp), tree.registry_stamp());
    }

    /// A tree without an index is read into one only when its folders hold
    /// a file for every [`RECORD_GUESS`] bytes asked for: a smaller one's
    /// full view holds little, and is faster.
    #[test]
    fn a_small_tree_without_an_index_is_left_to_the_full_view() {
        use super::super::ready::RECORD_GUESS;
        let (_dir, tree) = drawn_tree(
            &[
                (0, 0, None, vec![], 1, false),
                (1, 0, None, vec![], 2, false),
                (2, 0, None, vec![], 3, true),
            ],
            None,
        );
        assert!(tree.has_files(3) && !tree.has_files(4));
        assert!(tree.index_or_streamed(4 * RECORD_GUESS).is_none());
        assert!(
            tree.found_by_index(4 * RECORD_GUESS, Proof::Read, false)
                .is_none()
        );
        assert!(
            tree.found_by_index(4 * RECORD_GUESS, Proof::Stat, false)
                .is_none()
        );
        assert!(!tree.index_path().exists());
        assert!(tree.index_or_streamed(3 * RECORD_GUESS).is_some());
        assert!(tree.index_path().exists());
    }

    /// Whether a closed status counts as done is in the registry's
    /// completion line: once `tix.yaml` changes it, the index made before
    /// vouches for no registry, which is rendered and found stale, as the
    /// full view finds it.
    #[test]
    fn a_registry_the_index_knew_before_done_changed_is_compared_again() {
        let (dir, tree) = drawn_tree(
            &[
                (0, 0, None, vec![], 1, false),
                (3, 0, Some(1), vec![], 2, false),
            ],
            None,
        );
        let root = dir.path();
        synced(&tree);
        assert_eq!(
            tree.found_by_index(0, Proof::Read, false).unwrap().registry,
            Some(true)
        );
        // The default statuses but this one's `done`.
        let mut statuses = tree.config.statuses.clone();
        statuses[3].done = false;
        let config = "statuses:\n  - {name: pending, dir: pending, kind: pending, ready: true, aliases: [todo, to do, open, new, planned]}\n  - {name: in_progress, dir: in-progress, kind: in_progress, aliases: [doing, active, wip, started]}\n  - {name: completed, dir: completed, kind: completed, aliases: [done, complete, closed, resolved]}\n  - {name: archived, dir: archive, kind: archived, done: false}\n";
        fs::write(root.join("tix.yaml"), config).unwrap();
        let tree = Tree::open(root, root).unwrap();
        assert_eq!(tree.config.statuses, statuses);
        let snap = tree.scan(Scan::Fresh, Upkeep::Nothing).unwrap();
        assert_eq!(tree.registry_fresh(&snap, false).unwrap(), Some(false));
        for proof in [Proof::Stat, Proof::Read] {
            let found = tree.found_by_index(0, proof, false).unwrap();
            assert_eq!(found.registry, Some(false), "{proof:?}");
        }
    }

    /// An index that no longer matches its folders, and cannot be brought
    /// up to date in memory (a ticket added by hand in a new folder below
    /// one, beside a file whose name is not UTF-8, which a refresh does not
    /// list and the full view passes over): asked to, a check reads the
    /// tree anew into an index of its
    /// own, leaving the stale one as it was, and a sync into the tree's;
    /// either way the answer is the full view's. Not asked to (`doctor`),
    /// no answer.
    #[test]
    fn a_stale_index_is_read_anew_when_asked() {
        let (dir, tree) = synced_pair();
        let root = dir.path();
        fs::create_dir(root.join("pending/below")).unwrap();
        fs::write(
            root.join("pending/below/TIX-0003-t.md"),
            "---\nid: TIX-0003\ntitle: t\ndepends_on: [TIX-0009]\n---\n",
        )
        .unwrap();
        let odd = std::os::unix::ffi::OsStrExt::from_bytes(b"\xff.txt");
        fs::write(
            root.join("pending/below").join::<&std::ffi::OsStr>(odd),
            "x",
        )
        .unwrap();
        let stale = fs::read(tree.index_path()).unwrap();
        assert!(tree.trusted_index().is_none());
        let expected = full(&tree, &tree.scan(Scan::Fresh, Upkeep::Nothing).unwrap());
        assert!(expected.contains("registry Some(false)"), "{expected}");
        assert!(tree.found_by_index(0, Proof::Read, false).is_none());
        let found = tree.found_by_index(0, Proof::Read, true);
        assert_eq!(said(found, &tree).as_deref(), Some(&*expected));
        assert_eq!(fs::read(tree.index_path()).unwrap(), stale);
        let found = tree.found_by_index(0, Proof::Stat, true);
        assert_eq!(said(found, &tree).as_deref(), Some(&*expected));
        assert!(tree.trusted_index().is_some());
    }

    /// A small index that no longer matches its folders, in a tree that
    /// has grown past the size asked for: asked to, a check reads the tree
    /// anew, as one without an index, instead of leaving it to the full
    /// view; not asked to (`doctor`), no answer.
    #[test]
    fn a_tree_grown_past_its_small_index_is_read_anew() {
        let (dir, tree) = drawn_tree(&[(0, 0, None, vec![], 1, false)], None);
        synced(&tree);
        let from = tree.open_index().unwrap().base_bytes() + 1;
        draw(
            dir.path(),
            &[
                (0, 1, None, vec![], 2, false),
                (0, 2, None, vec![1], 3, false),
                (0, 3, None, vec![9], 4, false),
            ],
        );
        let expected = full(&tree, &tree.scan(Scan::Fresh, Upkeep::Nothing).unwrap());
        let found = tree.found_by_index(from, Proof::Read, true);
        assert_eq!(said(found, &tree).as_deref(), Some(&*expected));
        assert!(tree.found_by_index(from, Proof::Read, false).is_none());
    }

    /// A file edited in place in a folder that changed (another file saved
    /// there by renaming, the same bytes again): the folder is listed and
    /// each of its files stat'ed, so the edit is read again, and the
    /// registry found stale, as the full view finds it.
    #[test]
    fn an_edit_in_place_in_a_folder_brought_up_to_date_is_read_again() {
        let drawn = [
            (0, 0, None, vec![], 1, false),
            (0, 0, None, vec![], 2, false),
        ];
        let (dir, tree) = synced_then(&drawn, Some((0, 1)));
        let rel = dir.path().join("pending/TIX-0002-1.md");
        let text = fs::read_to_string(&rel).unwrap();
        fs::write(&rel, text.replace("title: t", "title: w")).unwrap();
        let expected = full(&tree, &tree.scan(Scan::Fresh, Upkeep::Nothing).unwrap());
        assert!(expected.contains("registry Some(false)"), "{expected}");
        for proof in [Proof::Stat, Proof::Read] {
            let found = tree.found_by_index(0, proof, false);
            assert_eq!(said(found, &tree).as_deref(), Some(&*expected), "{proof:?}");
        }
    }

    /// After a file saved by renaming, the index brought up to date for
    /// its folder vouches for that folder's files, stat'ed as it was
    /// listed; a file edited in place in another folder is still seen, its
    /// folder listed too, and the answer is the full view's.
    #[test]
    fn an_edit_in_place_beside_a_folder_brought_up_to_date_is_seen() {
        let drawn = [
            (0, 0, None, vec![], 1, false),
            (2, 0, None, vec![], 2, false),
        ];
        let (dir, tree) = synced_then(&drawn, Some((0, 0)));
        assert!(tree.found_by_index(0, Proof::Stat, false).is_some());
        let mut file = fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join("completed/TIX-0002-1.md"))
            .unwrap();
        std::io::Write::write_all(&mut file, b"More.\n").unwrap();
        let expected = full(&tree, &tree.scan(Scan::Fresh, Upkeep::Nothing).unwrap());
        let found = tree.found_by_index(0, Proof::Stat, true);
        assert_eq!(said(found, &tree), Some(expected));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// On any small tree (with one ticket moved by hand to another
        /// status's folder), the registry rendered from the index is the
        /// full view's; and with the registry as written, written again, changed
        /// or gone, the problems by the index, by either proof, and the
        /// registry's state are the full view's, from the index or from one
        /// written anew by a read of every file (a fresh clone's), the
        /// same walk of the records finding the problems for a render too,
        /// ids on two files included.
        #[test]
        fn problems_by_the_index_as_by_the_full_view(
            drawn in drawn(),
            moved in 0usize..20,
            registry in 0usize..4,
            without_index: bool,
        ) {
            let (_dir, tree) = drawn_tree(&drawn, Some(moved));
            let snap = synced(&tree);
            // The registry as it is rendered from the index, a piece at a
            // time, with its layout: the full view's.
            let index = tree.trusted_index().unwrap();
            let mut text = String::new();
            let layout = tree.render_by_index(&index, Some(&tree.problems(&snap)), &mut |p| text.push_str(p));
            let (whole, whole_layout) = tree.render_registry(&snap);
            proptest::prop_assert_eq!(&text, &whole);
            proptest::prop_assert_eq!(&layout, &Some(whole_layout));
            // So with the problems found in the same walk.
            let mut found = String::new();
            let found_layout = tree.render_by_index(&index, None, &mut |p| found.push_str(p));
            proptest::prop_assert_eq!(&found, &whole);
            proptest::prop_assert_eq!(found_layout, layout);
            // The registry as the index does not know it.
            let path = tree.path(REGISTRY);
            match registry {
                1 => fs::write(&path, &whole).unwrap(),
                2 => fs::write(&path, format!("{whole}.")).unwrap(),
                3 => fs::remove_file(&path).unwrap(),
                _ => {}
            }
            let expected = full(&tree, &snap);
            for proof in [Proof::Stat, Proof::Read] {
                if without_index {
                    let _ = fs::remove_file(tree.index_path());
                }
                let got = said(tree.found_by_index(0, proof, false), &tree);
                proptest::prop_assert_eq!(got.as_deref(), Some(&*expected));
            }
        }

        /// On any small tree, after a file changed outside tix or none,
        /// with the registry as written, edited or gone, `sync` by the
        /// index leaves the registry a full render of the tree gives, and
        /// an index the next read goes by and finds it fresh with; or, when
        /// tickets are in the wrong folder, names the full view's, in path
        /// order, and leaves the registry as it was. Always an answer.
        #[test]
        fn a_sync_by_the_index_writes_what_a_full_render_gives(
            drawn in drawn(),
            which in 0usize..20,
            kind in 0usize..9,
            registry in 0usize..3,
        ) {
            // 8: nothing changed outside tix.
            let (_dir, tree) = synced_then(&drawn, (kind < 8).then_some((which, kind)));
            let path = tree.path(REGISTRY);
            match registry {
                1 => fs::write(&path, "# by hand\n").unwrap(),
                2 => fs::remove_file(&path).unwrap(),
                _ => {}
            }
            let before = fs::read(&path).ok();
            let lock = tree.lock_exclusive(&mut |_| {}).unwrap();
            let synced = tree.sync_by_index(0, &lock).unwrap();
            let snap = tree.scan(Scan::Fresh, Upkeep::Nothing).unwrap();
            let misplaced: Vec<String> = tree
                .problems(&snap)
                .into_iter()
                .filter(|p| p.kind == super::super::ProblemKind::Misplaced)
                .map(|p| p.path)
                .collect();
            match synced {
                Some(Synced::Misplaced(paths)) => {
                    proptest::prop_assert_eq!(paths, misplaced);
                    // The registry as it was: `tix sync` moves them first.
                    proptest::prop_assert_eq!(fs::read(&path).ok(), before);
                }
                Some(Synced::Done(..)) => {
                    proptest::prop_assert!(misplaced.is_empty());
                    proptest::prop_assert_eq!(fs::read_to_string(&path).unwrap(), tree.render_registry(&snap).0);
                    let found = tree.found_by_index(0, Proof::Stat, false);
                    proptest::prop_assert_eq!(found.map(|f| f.registry), Some(Some(true)));
                }
                None => proptest::prop_assert!(false, "no answer, yet the index serves"),
            }
        }

        /// On any small tree, after a file changed outside tix (saved by
        /// renaming, the same bytes again, removed, cut short, moved to
        /// another folder, a new one added, or written over in place), the
        /// problems by the index brought up to date in memory, by either
        /// proof, and the registry's state (from the registry the index
        /// knows, patched), are the full view's; the dashboard counts as
        /// many problems and finds the registry alike. Nothing is written,
        /// not even by the dashboard, which notes a fresh registry in an
        /// index that holds nothing but what its file says, but after an
        /// edit in place: the index is written with it then (a transition
        /// would not see it), and is exactly the tree. Every other read
        /// goes by the index too, and the dashboard's ready tickets are the
        /// full view's (those read again come after the others in the
        /// walk). Always an answer, ids on two files included.
        #[test]
        fn problems_after_a_change_outside_tix_as_by_the_full_view(
            drawn in drawn(),
            which in 0usize..20,
            kind in 0usize..8,
        ) {
            let (_dir, tree) = synced_then(&drawn, Some((which, kind)));
            let snap = tree.scan(Scan::Fresh, Upkeep::Nothing).unwrap();
            let expected = full(&tree, &snap);
            let index = fs::read(tree.index_path()).unwrap();
            // What every other read of a large tree goes by.
            proptest::prop_assert!(tree.large_index(0).is_some());
            let in_place = kind == 6 || kind == 7;
            for proof in [Proof::Stat, Proof::Read] {
                // `doctor`'s (not `anew`) leaves an edit in place to the full view.
                let got = said(tree.found_by_index(0, proof, in_place), &tree);
                proptest::prop_assert_eq!(got.as_deref(), Some(&*expected));
            }
            let want = super::super::ready::Want {
                first: 3,
                every_in_progress: false,
                per_status: 3,
                problems: true,
                from: 0,
            };
            let dash = tree.dash_by_index(&want);
            proptest::prop_assert!(dash.is_some(), "no dashboard");
            let d = dash.unwrap();
            proptest::prop_assert_eq!(d.registry, tree.registry_fresh(&snap, false).unwrap());
            proptest::prop_assert_eq!(
                d.problems + tree.tree_problems(d.registry, &[]).len(),
                tree.all_problems(&snap, false).unwrap().len()
            );
            // And the ready ones, whose closed dependencies the records read
            // again (after the others) may hold.
            let (ready, total) = crate::registry::ready_first(&tree.config, &tree.tickets(&snap), 3);
            let got: Vec<String> = d.ready.first.iter().map(|e| e.rel.to_string()).collect();
            let expected: Vec<String> = ready.iter().map(|t| t.rel.to_string()).collect();
            proptest::prop_assert_eq!((got, d.ready.total), (expected, total));
            if in_place {
                proptest::prop_assert!(fs::read(tree.index_path()).unwrap() != index, "the index was not written");
                proptest::prop_assert!(Tree::open(tree.root.as_path(), tree.root.as_path()).unwrap().exact_index().is_some());
            } else {
                proptest::prop_assert!(fs::read(tree.index_path()).unwrap() == index, "the index was written");
            }
        }
    }
}
