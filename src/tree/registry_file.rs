//! `TICKET_REGISTRY.md` on disk: rendered from the tickets, written over
//! its previous inode, and checked against them.

use super::{REGISTRY, Snapshot, Stamp, Tree, dir_stamp, fsx, index};
use crate::registry;
use anyhow::{Context, Result};
use std::fs::{self, File};
use std::io::{self, Write};

impl Tree {
    /// The registry these tickets give, and its layout.
    #[must_use]
    pub fn render_registry(&self, snap: &Snapshot) -> (String, registry::Layout) {
        registry::render_layout(&self.config, &self.tickets(snap), &self.problems(snap))
    }

    /// Renders the registry and rewrites it if its bytes change (a registry tix
    /// did not write is first copied to `.tix/`), then records in the index
    /// that it matches `snap`. Returns whether it was written.
    pub fn write_registry(&self, snap: &mut Snapshot) -> Result<bool> {
        let (text, layout) = self.render_registry(snap);
        let wrote = self.replace_registry(&text)?;
        // Writing the registry changed the root: when it holds tickets, its
        // stamp is taken again (nothing else changed there under the lock).
        if self.is_flat("") {
            snap.dirs.insert(String::new(), dir_stamp(&self.root));
        }
        snap.memo = self
            .registry_stamp()
            .map(|stamp| index::Memo { stamp, layout });
        self.write_index(snap);
        Ok(wrote)
    }

    /// Writes `text` as the registry unless it already holds exactly that.
    /// It is derived data (a pure function of the tickets), so it is replaced
    /// atomically but not fsynced: after a power loss the next command that
    /// finds it different from what the index remembers renders it again.
    fn replace_registry(&self, text: &str) -> Result<bool> {
        self.replace_registry_by(text.len() as u64, &|put| {
            text.as_bytes().chunks(64 * 1024).try_for_each(put)
        })
    }

    /// The registry rendered from `index` ([`Tree::render_by_index`],
    /// `problems` as there) into an unnamed temp file: the file, how many
    /// bytes it holds, and the registry's layout; for
    /// [`Tree::replace_registry_from`]. `None` as there, or when the file
    /// cannot be made or written.
    pub(super) fn render_spooled(
        &self,
        index: &index::Index,
        problems: Option<&[crate::model::Problem]>,
    ) -> Option<(File, u64, registry::Layout)> {
        let mut spool = tempfile::tempfile().ok()?;
        let mut failed = false;
        let layout = self.render_by_index(index, problems, &mut |piece| {
            failed |= spool.write_all(piece.as_bytes()).is_err();
        })?;
        let len = io::Seek::stream_position(&mut spool)
            .ok()
            .filter(|_| !failed)?;
        Some((spool, len, layout))
    }

    /// [`Tree::replace_registry`] with the `len` bytes of `file` (a spool
    /// of its own), read from its start 64 KiB at a time.
    pub(super) fn replace_registry_from(&self, file: &File, len: u64) -> Result<bool> {
        self.replace_registry_by(len, &|put| {
            let mut piece = vec![0; 64 * 1024];
            let mut at = 0;
            while at < len {
                let n = piece
                    .len()
                    .min(usize::try_from(len - at).unwrap_or(usize::MAX));
                std::os::unix::fs::FileExt::read_exact_at(file, &mut piece[..n], at)?;
                put(&piece[..n])?;
                at += n as u64;
            }
            Ok(())
        })
    }

    /// [`Tree::replace_registry`] of the `len` bytes `bytes` gives to the
    /// function it is handed, a piece at a time: asked once to compare
    /// them with the registry, once more to write them.
    fn replace_registry_by(&self, len: u64, bytes: &Pieces<'_>) -> Result<bool> {
        let path = self.path(REGISTRY);
        let read_err = |e: io::Error| {
            anyhow::Error::new(e).context(format!("failed to read {}", self.show(REGISTRY)))
        };
        let old_len = match fs::metadata(&path) {
            Ok(m) => Some(m.len()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(read_err(e)),
        };
        // Same length: compare the bytes, 64 KiB at a time (not read whole:
        // at 10,000 tickets 1.4 MB). Otherwise only the marker line is read
        // (a registry tix did not write is kept before it is replaced).
        if old_len == Some(len) {
            let mut cmp = File::open(&path)
                .and_then(fsx::Compare::new)
                .map_err(read_err)?;
            bytes(&mut |piece| {
                cmp.feed(piece);
                Ok(())
            })
            .with_context(|| format!("failed to render {}", self.show(REGISTRY)))?;
            if cmp.finish().map_err(read_err)? {
                return Ok(false);
            }
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
        self.put_registry(|f| bytes(&mut |piece| f.write_all(piece)))?;
        Ok(true)
    }

    /// Replaces the registry with what `fill` writes (see [`fsx::replace_reusing`]).
    pub(crate) fn put_registry(&self, fill: impl Fn(&mut File) -> io::Result<()>) -> Result<()> {
        let state = self.state_dir();
        super::failpoint_error("registry")
            .with_context(|| format!("failed to write {}", self.show(REGISTRY)))?;
        fsx::replace_reusing(
            &self.path(REGISTRY),
            &state.join("registry.spare"),
            &state.join("registry.keep"),
            fill,
            false,
        )
        .with_context(|| format!("failed to write {}", self.show(REGISTRY)))
    }

    /// [`Tree::put_registry`]'s first half (see [`fsx::prepare_replacement`]):
    /// the next version written aside, the registry untouched. It may run
    /// while a change waits for the disk.
    pub(crate) fn prepare_registry(
        &self,
        fill: impl FnOnce(&mut File) -> io::Result<()>,
    ) -> Result<()> {
        fsx::prepare_replacement(
            &self.path(REGISTRY),
            &self.state_dir().join("registry.spare"),
            fill,
            false,
        )
        .with_context(|| format!("failed to write {}", self.show(REGISTRY)))
    }

    /// The second half: what [`Tree::prepare_registry`] wrote put in place.
    /// `false`: it cannot be renamed here, and the caller writes it with
    /// [`Tree::put_registry`].
    pub(crate) fn swap_registry(&self) -> Result<bool> {
        let state = self.state_dir();
        super::failpoint_error("registry")
            .and_then(|()| {
                fsx::swap_replacement(
                    &self.path(REGISTRY),
                    &state.join("registry.spare"),
                    &state.join("registry.keep"),
                    false,
                )
            })
            .with_context(|| format!("failed to write {}", self.show(REGISTRY)))
    }

    pub(crate) fn registry_stamp(&self) -> Option<Stamp> {
        fs::metadata(self.path(REGISTRY))
            .ok()
            .map(|m| Stamp::of(&m))
    }

    /// Whether `TICKET_REGISTRY.md` is exactly what these tickets give. Known
    /// without rendering when nothing changed since tix last wrote or checked
    /// it; otherwise rendered and compared, and (with `remember`) the answer is
    /// kept in the index for next time. `None`: there is no registry.
    pub fn registry_fresh(&self, snap: &Snapshot, remember: bool) -> Result<Option<bool>> {
        self.registry_fresh_of(snap, None, None, remember)
    }

    /// [`Tree::registry_fresh`], given [`Tree::tickets`] of `snap` when the
    /// caller has them (else they are made only if the registry is rendered),
    /// and [`Tree::problems`] of `snap` when the caller finds them (asked for
    /// once the registry's tables are compared; else found then).
    pub(super) fn registry_fresh_of(
        &self,
        snap: &Snapshot,
        tickets: Option<&[crate::model::Ticket<'_>]>,
        problems: Option<Box<dyn FnOnce() -> Vec<crate::model::Problem> + '_>>,
        remember: bool,
    ) -> Result<Option<bool>> {
        let now = self.registry_stamp();
        if now.is_some() && snap.memo.as_ref().map(|m| m.stamp) == now {
            return Ok(Some(true));
        }
        let file = match File::open(self.path(REGISTRY)) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(e).with_context(|| format!("failed to read {}", self.show(REGISTRY)));
            }
        };
        // Compared as it is rendered, a piece at a time.
        let read_err = || format!("failed to read {}", self.show(REGISTRY));
        let mut cmp = fsx::Compare::new(file).with_context(read_err)?;
        let made;
        let tickets = match tickets {
            Some(t) => t,
            None => {
                made = self.tickets(snap);
                &made
            }
        };
        let problems = || match problems {
            Some(given) => given(),
            None => self.problems(snap),
        };
        let layout = registry::render_pieces(&self.config, tickets, problems, &mut |piece| {
            cmp.feed(piece.as_bytes());
        });
        let fresh = cmp.finish().with_context(read_err)?;
        if fresh
            && remember
            && let Some(stamp) = now.filter(|_| self.registry_stamp() == now)
        {
            let memo = index::Memo { stamp, layout };
            self.store_index(&snap.entries, &snap.dirs, Some(&memo));
        }
        Ok(Some(fresh))
    }
}

impl Tree {
    /// [`Tree::registry_fresh`] from `index` (see [`Tree::render_by_index`]),
    /// given the registry's problems; `now` is the registry's stamp taken
    /// before. With `remember`, a registry found fresh, its stamp still
    /// `now`, is noted in the index (a line appended) unless `index` holds
    /// changes the file does not ([`index::Index::unwritten`]). `None`: the full
    /// view's to say (a spool failed, or the registry cannot be read).
    pub(super) fn registry_fresh_by_index(
        &self,
        index: &index::Index,
        problems: &[crate::model::Problem],
        now: Option<Stamp>,
        remember: bool,
    ) -> Option<Option<bool>> {
        let file = match File::open(self.path(REGISTRY)) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Some(None),
            Err(_) => return None,
        };
        let mut cmp = fsx::Compare::new(file).ok()?;
        let layout =
            self.render_by_index(index, Some(problems), &mut |p| cmp.feed(p.as_bytes()))?;
        let fresh = cmp.finish().ok()?;
        if fresh
            && remember
            && index.unwritten.is_none()
            && let Some(stamp) = now.filter(|_| self.registry_stamp() == now)
        {
            let memo = index::Memo { stamp, layout };
            let line = index::delta(&[], &[], &index::Dirs::new(), Some(&memo), &[]);
            let _ = index::append(&self.index_path(), &line);
        }
        Some(Some(fresh))
    }
}

/// What gives a registry's next bytes to the function it is handed, a
/// piece at a time.
type Pieces<'a> = dyn Fn(&mut dyn FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> + 'a;

/// A status's rows as [`Tree::render_by_index`] keeps them: where each is
/// in the status's spool, with what it is sorted by first.
type Places = Vec<(registry::Primary<Box<str>>, u64, u32)>;

impl Tree {
    /// The registry rendered from `index` a record at a time, given to
    /// `emit` a piece at a time as [`registry::render_pieces`] gives it
    /// from every ticket; `problems` are its last section's
    /// ([`Tree::problems`]), or `None` to find them in the same walk of
    /// the records (each record's own problem, and those of the ids on two
    /// files, then sorted as the full view sorts them). The records
    /// are read in the order of their ids
    /// (then paths), each ticket's row written into its status's spool (an
    /// unnamed temp file) as it is read, with where it is and what
    /// [`registry::sort_by_kind`] sorts by first (about 50 bytes a ticket
    /// held); then each status's places are sorted by that alone (stably:
    /// ties stay in the order of ids and paths, the rest of that order) and
    /// the rows read back in that order. At 100,000 tickets the full view
    /// held every record (90 MiB). `None`: a record does not parse, the
    /// files of an id on two files cannot be looked up, or a spool cannot
    /// be written or read.
    pub(super) fn render_by_index(
        &self,
        index: &index::Index,
        problems: Option<&[crate::model::Problem]>,
        emit: &mut dyn FnMut(&str),
    ) -> Option<registry::Layout> {
        let statuses = &self.config.statuses;
        let mut found = Vec::new();
        let mut counts = vec![0; statuses.len()];
        let mut spools: Vec<Option<io::BufWriter<File>>> = statuses.iter().map(|_| None).collect();
        let mut places: Vec<Places> = statuses.iter().map(|_| Vec::new()).collect();
        let mut row = String::new();
        let mut last: Option<crate::ticket::IdKey> = None;
        // The ids on two files, their files looked up after the walk.
        let mut twice = Vec::new();
        index.each_by_id(&mut |e| {
            if problems.is_none() {
                // An id on two files: their records next to each other in
                // id order.
                if e.key.is_some() && e.key == last && twice.last() != e.key.as_ref() {
                    twice.extend(e.key.clone());
                }
                last.clone_from(&e.key);
                found.extend(self.entry_problem(&e));
            }
            let Some(t) = self.ticket_of(&e) else {
                return Some(());
            };
            let Some(i) = statuses.iter().position(|s| s.name == t.status) else {
                return Some(());
            };
            counts[i] += 1;
            if statuses[i].kind == crate::config::Kind::Archived {
                return Some(());
            }
            row.clear();
            registry::row(&mut row, &t);
            let spool = match &mut spools[i] {
                Some(s) => s,
                None => spools[i].insert(io::BufWriter::with_capacity(
                    256 * 1024,
                    tempfile::tempfile().ok()?,
                )),
            };
            spool.write_all(row.as_bytes()).ok()?;
            let at = places[i]
                .last()
                .map_or(0, |(_, at, len)| at + u64::from(*len));
            let len = u32::try_from(row.len()).ok()?;
            places[i].push((registry::key_of(&t).0.map(Box::from), at, len));
            Some(())
        })?;
        let files = spools
            .into_iter()
            .map(|s| match s {
                None => Some(None),
                Some(s) => s.into_inner().ok().map(Some),
            })
            .collect::<Option<Vec<Option<File>>>>()?;
        for p in &mut places {
            p.sort_by(|a, b| a.0.cmp(&b.0));
        }
        found.extend(self.duplicates_by_index(index, &twice, None)?);
        super::problems::sort(&mut found);
        let problems = problems.unwrap_or(&found);
        let mut bytes = Vec::new();
        registry::render_rows(
            &self.config,
            &counts,
            &mut |i, put| {
                let file = files[i].as_ref()?;
                for &(_, at, len) in &places[i] {
                    bytes.resize(len as usize, 0);
                    std::os::unix::fs::FileExt::read_exact_at(file, &mut bytes, at).ok()?;
                    put(std::str::from_utf8(&bytes).ok()?);
                }
                Some(())
            },
            || problems,
            emit,
        )
    }
}
