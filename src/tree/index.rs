//! `.tix/index`: what tix knows about every ticket file without reading it.
//!
//! One text file, one record per line:
//!
//! ```text
//! tix-index 5 <TAB> fingerprint           the status folders it was made for
//! P <TAB> prefix <TAB> highest number     for bare-number ids and `tix new`
//! O <TAB> offset,offset,… | *             where in the base the open tickets are (* for too many)
//! F <TAB> folder <TAB> offset,offset,…    where the records of a small folder are
//! D <TAB> folder <TAB> stamp | -          each status folder as last seen
//! R <TAB> stamp <TAB> layout              TICKET_REGISTRY.md as tix last wrote or checked it
//! B <TAB> bytes                           the base: that many bytes of T lines, sorted by id
//! T <TAB> path <TAB> stamp <TAB> M|E …    one ticket file and what was read from it
//! …                                       then deltas, appended by transitions:
//! T …  /  X <TAB> path  /  D …  /  R …  /  P …   (a later line overrides an earlier one)
//! ```
//!
//! The base is sorted by each ticket's id, so a transition finds its
//! ticket by binary search without decoding the other records, and records
//! what it changed by appending a few lines. A command that reads the whole
//! tree writes a fresh, compact index when it differs, but for a few files
//! changed in folders whose stamps say so (see `scan`): the next transition
//! reads those again itself. The index is only an accelerator: a
//! file that does not parse counts as no index at all.
//!
//! Records are decoded without copying: every field is a [`Text`] slice of
//! the text read from the index (shared, counted, freed with its last
//! user) unless it had to be unescaped.

use super::{Entry, Stamp};
use crate::lines::{Lines, lower_bound};
use crate::registry::Layout;
use crate::share::Buf;
use crate::ticket::{IdKey, Malformed, Meta, Text};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

/// Bumped when what tix renders changes (5: a tab in a registry cell is a
/// space), so that no index vouches for a registry rendered the old way.
const MAGIC: &str = "tix-index 5";
/// With more records to read than this (open tickets, or the files of a
/// folder), reading them one by one costs more than reading the whole base.
const MAX_OPEN_READS: usize = 512;
/// Deltas beyond this many bytes are merged into the base by the next
/// transition ([`Index::compact_to`]); the next read writes the index whole.
pub const MAX_DELTA_BYTES: usize = 64 * 1024;

/// The registry as tix last wrote or verified it: its stamp, and where its
/// tables are, so that a transition can splice one row instead of rendering
/// every ticket again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memo {
    pub stamp: Stamp,
    pub layout: Layout,
}

/// Each status folder's stamp (`None`: the folder does not exist).
pub type Dirs = BTreeMap<String, Option<Stamp>>;

/// A loaded index.
#[derive(Debug)]
pub struct Index {
    base: Base,
    pub prefixes: BTreeMap<String, u64>,
    pub dirs: Dirs,
    pub memo: Option<Memo>,
    /// The offsets in the base of the records of open tickets (pending, in
    /// progress) as the writer's status folders say: the list as written,
    /// parsed when asked for (most commands never are).
    open_at: String,
    /// For each folder of at most [`MAX_OPEN_READS`] files, the offsets in
    /// the base of their records, as written.
    folder_at: BTreeMap<String, String>,
    /// Appended changes, in order: an upsert (`Some`) or a removal of a path.
    deltas: Vec<(Text, Option<Entry>)>,
    pub delta_bytes: usize,
    /// What a read brought up to date in memory (see `Tree::current`):
    /// the file says otherwise (but for files edited in place, whose
    /// records a read appends), and nothing found of this index may be
    /// noted in it.
    pub unwritten: Option<Unwritten>,
    /// The folders a read listed again to bring the index up to date (see
    /// `Tree::current`): every file in them was stat'ed then, and its
    /// record is the file as it was.
    pub listed: Vec<String>,
    /// A killed writer's temp files a read that changes nothing found in
    /// the folders it listed and left (see `Tree::current`), by path: for
    /// it to report them.
    pub temps: Vec<String>,
    /// Set while a walk of the records is to stop (see [`Index::abandon`]).
    abandoned: std::sync::atomic::AtomicBool,
}

/// The records a read found changed outside tix and kept in memory.
#[derive(Debug, Default)]
pub struct Unwritten {
    /// The file's records of those paths: what the registry its memo knows
    /// shows.
    pub old: Vec<Entry>,
    /// What the files say now (a file gone, or no ticket now, has none).
    pub new: Vec<Entry>,
}

/// The records of some folders, each known by its path and stamp, the rest
/// read again when asked ([`Stamps::entry`]): what a folder listed again is
/// compared with. The paths are kept one after another in one string, and
/// a base record by where its line starts, so the base is read through
/// once, a piece at a time, and not held: at 100,000 tickets the index is
/// 21 MB, and a transition after a checkout that touched every folder held
/// all of it (see the README's performance section).
pub struct Stamps<'i> {
    index: &'i Index,
    paths: String,
    rows: Vec<Row<'i>>,
}

enum Row<'i> {
    /// A base record: its path (`paths[start..end]`), its stamp, and where
    /// its line starts in the base's text or file.
    Line {
        path: (u32, u32),
        stamp: Stamp,
        at: usize,
    },
    /// A delta's record.
    Delta(&'i Entry),
}

impl<'i> Stamps<'i> {
    #[must_use]
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The path of record `i`.
    #[must_use]
    pub fn rel(&self, i: usize) -> &str {
        match &self.rows[i] {
            Row::Line { path, .. } => &self.paths[path.0 as usize..path.1 as usize],
            Row::Delta(e) => &e.rel,
        }
    }

    /// The stamp of record `i`.
    #[must_use]
    pub fn stamp(&self, i: usize) -> Stamp {
        match &self.rows[i] {
            Row::Line { stamp, .. } => *stamp,
            Row::Delta(e) => e.stamp,
        }
    }

    /// Record `i` whole; `None` if it cannot be read again or does not parse.
    #[must_use]
    pub fn entry(&self, i: usize) -> Option<Entry> {
        match &self.rows[i] {
            Row::Line { at, .. } => self.index.base_record_at(*at),
            Row::Delta(e) => Some((*e).clone()),
        }
    }

    /// Adds the base record `line` (starting at `at`) if `keep` wants its
    /// path and no delta replaces it.
    fn add_line(
        &mut self,
        line: &str,
        at: usize,
        keep: &dyn Fn(&str) -> bool,
        deltas: &Deltas<'_>,
    ) -> Option<()> {
        let rest = line.strip_prefix("T\t")?;
        let (rel, after) = path_field(rest)?;
        if keep(&rel) && !deltas.name(&rel) {
            let end = memchr::memchr(b'\t', after.as_bytes()).unwrap_or(after.len());
            let stamp = parse_stamp(&after[..end])?;
            let start = u32::try_from(self.paths.len()).ok()?;
            self.paths.push_str(&rel);
            let path = (start, u32::try_from(self.paths.len()).ok()?);
            self.rows.push(Row::Line { path, stamp, at });
        }
        Some(())
    }
}

/// Where the base records are: the whole file in memory (to decode them
/// all), or the file itself, read line by line (to look a few up).
#[derive(Debug)]
enum Base {
    /// The loaded text, and where in it the base is.
    Text(Arc<Buf>, Range<usize>),
    File(FileLines, Range<usize>),
}

/// Loads the whole index made for `fingerprint`; `None` when there is none,
/// it was made for other status folders, or a line does not parse.
#[must_use]
pub fn load(path: &Path, fingerprint: &str) -> Option<Index> {
    // Mapped, not copied (see `Buf`).
    let text = Arc::new(Buf::map(&fs::File::open(path).ok()?).ok()?);
    parse(&text, fingerprint)
}

/// Opens the index for lookups: reads its header and its deltas, and leaves
/// the base on disk, to be searched a few lines at a time.
#[must_use]
pub fn open(path: &Path, fingerprint: &str) -> Option<Index> {
    open_file(fs::File::open(path).ok()?, fingerprint)
}

/// [`open`] of an index already open (one with no name: see
/// `Tree::stream_index`).
#[must_use]
pub fn open_file(file: fs::File, fingerprint: &str) -> Option<Index> {
    let len = usize::try_from(file.metadata().ok()?.len()).ok()?;
    let lines = FileLines { file, len };
    // The header is a few hundred bytes; read until the `B` line.
    let mut want = 4096;
    let (head, base_start, base_len) = loop {
        let bytes = lines.read(0, want.min(len))?;
        let text = std::str::from_utf8(&bytes).ok()?;
        if let Some(at) = text.find("\nB\t")
            && let Some(end) = text[at + 3..].find('\n')
        {
            let n: usize = text[at + 3..at + 3 + end].parse().ok()?;
            break (text[..at + 1].to_string(), at + 3 + end + 1, n);
        }
        if want >= len {
            return None;
        }
        want *= 2;
    };
    let base_end = base_start.checked_add(base_len).filter(|e| *e <= len)?;
    let rest = lines.read(base_end, len - base_end)?;
    let rest = Arc::new(Buf::from(String::from_utf8(rest).ok()?));
    let mut index = header(&head, fingerprint)?;
    index.base = Base::File(lines, base_start..base_end);
    index.deltas(&rest, &rest)?;
    Some(index)
}

/// The line starting at `*pos` (without its newline), and `*pos` moved past
/// it; `None` at the end, and for a torn last line (no newline).
fn next_line<'a>(text: &'a str, pos: &mut usize) -> Option<&'a str> {
    let rest = text.get(*pos..)?;
    let end = rest.find('\n')?;
    *pos += end + 1;
    Some(&rest[..end])
}

fn parse(text: &Arc<Buf>, fingerprint: &str) -> Option<Index> {
    let at = text.find("\nB\t")? + 1;
    let mut index = header(&text[..at], fingerprint)?;
    let mut pos = at;
    let n: usize = next_line(text, &mut pos)?
        .strip_prefix("B\t")?
        .parse()
        .ok()?;
    let end = pos.checked_add(n).filter(|e| *e <= text.len())?;
    if n > 0 && text.as_bytes()[end - 1] != b'\n' {
        return None;
    }
    index.base = Base::Text(Arc::clone(text), pos..end);
    index.deltas(text, &text[end..])?;
    Some(index)
}

/// The header lines (everything before `B`).
fn header(text: &str, fingerprint: &str) -> Option<Index> {
    let mut pos = 0;
    let head = next_line(text, &mut pos)?;
    let (magic, fp) = head.split_once('\t')?;
    if magic != MAGIC || unesc(fp)? != fingerprint {
        return None;
    }
    let mut index = Index {
        base: Base::Text(Arc::default(), 0..0),
        prefixes: BTreeMap::new(),
        dirs: Dirs::new(),
        memo: None,
        open_at: String::new(),
        folder_at: BTreeMap::new(),
        deltas: Vec::new(),
        delta_bytes: 0,
        unwritten: None,
        listed: Vec::new(),
        temps: Vec::new(),
        abandoned: std::sync::atomic::AtomicBool::new(false),
    };
    while let Some(line) = next_line(text, &mut pos) {
        index.header_line(line)?;
    }
    (pos == text.len()).then_some(index)
}

impl Index {
    /// Applies the lines appended after the base: `text`, a slice of `buf`.
    fn deltas(&mut self, buf: &Arc<Buf>, text: &str) -> Option<()> {
        self.delta_bytes = text.len();
        let mut pos = 0;
        while let Some(line) = next_line(text, &mut pos) {
            if let Some(rest) = line.strip_prefix("T\t") {
                let e = record(buf, rest)?;
                self.deltas.push((e.rel.clone(), Some(e)));
            } else if let Some(rel) = line.strip_prefix("X\t") {
                self.deltas.push((shared(buf, unesc(rel)?)?, None));
            } else {
                self.header_line(line)?;
            }
        }
        // Whatever follows the last newline is a torn append: not trusted.
        (pos == text.len()).then_some(())
    }

    fn header_line(&mut self, line: &str) -> Option<()> {
        let (tag, rest) = line.split_once('\t')?;
        match tag {
            "P" => {
                let (p, n) = rest.split_once('\t')?;
                self.prefixes.insert(p.to_string(), n.parse().ok()?);
            }
            "D" => {
                let (d, s) = rest.split_once('\t')?;
                let stamp = if s == "-" {
                    None
                } else {
                    Some(stamp(&mut s.split('\t'))?)
                };
                self.dirs.insert(unesc(d)?.into_owned(), stamp);
            }
            "R" => {
                self.memo = if rest == "-" { None } else { Some(memo(rest)?) };
            }
            "O" => rest.clone_into(&mut self.open_at),
            "F" => {
                let (d, at) = rest.split_once('\t')?;
                self.folder_at
                    .insert(unesc(d)?.into_owned(), at.to_string());
            }
            _ => return None,
        }
        Some(())
    }

    /// How long the base's records are, in bytes (about 210 a ticket).
    #[must_use]
    pub fn base_bytes(&self) -> usize {
        match &self.base {
            Base::Text(_, range) | Base::File(_, range) => range.len(),
        }
    }

    /// Every record, deltas applied, in no particular order; `None` if a record
    /// does not parse.
    #[must_use]
    pub fn entries(&self) -> Option<Vec<Entry>> {
        let Base::Text(buf, range) = &self.base else {
            return None;
        };
        Some(self.apply_deltas(decode_all(buf, &buf[range.clone()])?, &|_| true))
    }

    /// Calls `f` with every record, deltas applied, in no particular
    /// order, one at a time: a base in the file is read through a piece at
    /// a time (see [`FileLines::each_line`]), and no record is held after
    /// `f` returns. `None` if a record does not parse, the file cannot be
    /// read, or `f` says so.
    pub fn each_entry(&self, f: &mut dyn FnMut(Entry) -> Option<()>) -> Option<()> {
        let deltas = self.last_deltas();
        self.each_base_line(&mut |line| {
            let e = own_record(line.to_string())?;
            if deltas.name(&e.rel) {
                return Some(());
            }
            f(e)
        })?;
        for e in deltas.upserts {
            f(e.clone())?;
        }
        Some(())
    }

    /// Calls `f` with each line of the base (a record with its `T` tag), in
    /// order: a base in the file read a piece at a time (see
    /// [`FileLines::each_line`]).
    fn each_base_line(&self, f: &mut dyn FnMut(&str) -> Option<()>) -> Option<()> {
        use std::sync::atomic::Ordering;
        let go_on = || (!self.abandoned.load(Ordering::Relaxed)).then_some(());
        match &self.base {
            Base::Text(buf, range) => {
                for line in crate::text::lines(&buf[range.clone()]) {
                    go_on()?;
                    f(line)?;
                }
                Some(())
            }
            Base::File(lines, range) => lines.each_line(range.clone(), &mut |line, _| {
                go_on()?;
                f(line)
            }),
        }
    }

    /// Makes the walks of the base's lines that read the records
    /// ([`Index::each_entry`], [`Index::each_in_order`]) stop, with `None`,
    /// while `yes`: a read whose answer another thread found it cannot
    /// give (the tree is not as the index says) stops there.
    pub fn abandon(&self, yes: bool) {
        self.abandoned
            .store(yes, std::sync::atomic::Ordering::Relaxed);
    }

    /// This index with its deltas merged into its base, as [`encode_to`]
    /// writes an index of the same records: the base read a piece at a time
    /// (see [`Index::each_entry`]) and each of its lines that no delta
    /// replaces written as it is (only what the header needs of it is
    /// read: `line_facts`), each delta's record put in its place by id;
    /// the header returned. `open` says whether a ticket at a path, whose
    /// file says a status, is open. What a transition does when the deltas
    /// grew past [`MAX_DELTA_BYTES`], instead of reading the whole tree: at
    /// 100,000 tickets that read held every record (75 MiB). `None` if a
    /// line does not parse or a write fails.
    pub fn compact_to(
        &self,
        fingerprint: &str,
        open: &dyn Fn(&str, Option<&str>) -> bool,
        base: &mut dyn std::io::Write,
    ) -> Option<String> {
        let open_entry = |e: &Entry| e.said().is_some_and(|said| open(&e.rel, said));
        let mut out = Encoder::new(&self.dirs, base);
        self.each_in_order(&mut |record| match record {
            InOrder::Delta(d) => out.push(d, open_entry(d)).ok(),
            InOrder::Line(line, LineFacts { rel, key, said, .. }) => {
                let open = said.is_some_and(|said| open(&rel, said.as_deref()));
                out.push_line(line, &rel, key.as_ref(), open).ok()
            }
        })?;
        Some(out.finish(fingerprint, &self.dirs, self.memo.as_ref()))
    }

    /// Calls `f` with every record, deltas applied, in the order of their
    /// ids ([`by_id`], the base's): the base read a piece at a time, each
    /// line that no delta replaces given with what `line_facts` reads of
    /// it, each delta's record where its id sorts. `None` if a line does not
    /// parse, the file cannot be read, or `f` says so.
    pub(crate) fn each_in_order(
        &self,
        f: &mut dyn FnMut(InOrder<'_, '_>) -> Option<()>,
    ) -> Option<()> {
        let deltas = self.last_deltas();
        let mut upserts = deltas.upserts.clone();
        upserts.sort_unstable_by(|a, b| by_id(a, b));
        let mut upserts = upserts.into_iter().peekable();
        self.each_base_line(&mut |line| {
            let facts = line_facts(line)?;
            if deltas.name(&facts.rel) {
                return Some(());
            }
            while let Some(d) =
                upserts.next_if(|d| (d.key.as_ref(), &*d.rel) < (facts.key.as_ref(), &*facts.rel))
            {
                f(InOrder::Delta(d))?;
            }
            f(InOrder::Line(line, facts))
        })?;
        for d in upserts {
            f(InOrder::Delta(d))?;
        }
        Some(())
    }

    /// Calls `f` with every record, deltas applied, in the order of their
    /// ids, one at a time (see [`Index::each_entry`]). `None` if a record
    /// does not parse, the file cannot be read, or `f` says so.
    pub fn each_by_id(&self, f: &mut dyn FnMut(Entry) -> Option<()>) -> Option<()> {
        self.each_in_order(&mut |record| match record {
            InOrder::Delta(d) => f(d.clone()),
            InOrder::Line(line, _) => f(own_record(line.to_string())?),
        })
    }

    /// Each record's path, in the order of [`Index::entries`] and without
    /// decoding the rest of it: what a scan stats while another thread
    /// decodes the records. `None` when a path does not unescape (or the
    /// base is not in memory).
    #[must_use]
    pub fn paths(&self) -> Option<Vec<Cow<'_, str>>> {
        let Base::Text(buf, range) = &self.base else {
            return None;
        };
        let base = &buf[range.clone()];
        let mut out = Vec::with_capacity(base.len() / 160);
        let deltas = self.last_deltas();
        // Taken on the main thread before any file is stat'ed: each path
        // cut by one search (see `path_field`).
        for line in crate::text::lines(base) {
            let (rel, _) = path_field(line.strip_prefix("T\t")?)?;
            if !deltas.name(&rel) {
                out.push(rel);
            }
        }
        out.extend(deltas.upserts.into_iter().map(|e| Cow::Borrowed(&*e.rel)));
        Some(out)
    }

    /// The deltas as every reader applies them ([`Deltas`]): in this one
    /// order, so that a scan's paths and its records line up.
    fn last_deltas(&self) -> Deltas<'_> {
        let mut last = super::FastMap::default();
        for (rel, change) in &self.deltas {
            last.insert(&**rel, change.as_ref());
        }
        let upserts = self
            .deltas
            .iter()
            .filter_map(|(rel, change)| {
                let e = change.as_ref()?;
                // The record of the last delta on its path.
                matches!(last.get(&**rel), Some(Some(l)) if std::ptr::eq(*l, e)).then_some(e)
            })
            .collect();
        Deltas {
            named: PathBits::of(last.keys().copied()),
            last,
            upserts,
        }
    }

    /// The records of open tickets (those the writer marked, read one by one
    /// from the file, then the deltas `keep` wants: it sees a record's path
    /// and the status its file says, as stored); `None` when the base is in
    /// memory, there are too many to read one by one, or a record does not
    /// parse.
    pub fn open_entries(&self, keep: &dyn Fn(&str, Option<&str>) -> bool) -> Option<Vec<Entry>> {
        let Base::File(lines, range) = &self.base else {
            return None;
        };
        let out = read_records(lines, range, &offsets(&self.open_at)?)?;
        Some(self.with_deltas(out, keep))
    }

    /// `base` records with the deltas applied: a changed path's old record
    /// goes, and its new one comes if `keep` wants it.
    fn with_deltas(
        &self,
        out: Vec<Entry>,
        keep: &dyn Fn(&str, Option<&str>) -> bool,
    ) -> Vec<Entry> {
        self.apply_deltas(out, &|e| match &e.parsed {
            Ok(m) => keep(&e.rel, m.status.as_deref()),
            Err(_) => false,
        })
    }

    /// `base` records with the deltas applied, keeping the deltas' records
    /// that `keep` wants.
    fn apply_deltas(&self, mut out: Vec<Entry>, keep: &dyn Fn(&Entry) -> bool) -> Vec<Entry> {
        if self.deltas.is_empty() {
            return out;
        }
        // A changed path's old record goes (its id may not be in its name).
        let deltas = self.last_deltas();
        out.retain(|e| !deltas.name(&e.rel));
        out.extend(deltas.upserts.into_iter().filter(|e| keep(e)).cloned());
        out
    }

    /// The records of the files directly in the folders `dirs`, deltas
    /// applied, each only as far as its path and stamp ([`Stamps`]). A small
    /// folder's records are read by the offsets the header lists; any
    /// other, by reading the base through once. `None` if a line does not
    /// parse or the file cannot be read.
    #[must_use]
    pub fn stamps_in(&self, dirs: &[String]) -> Option<Stamps<'_>> {
        let small: Option<Vec<Vec<usize>>> = dirs
            .iter()
            .map(|dir| offsets(self.folder_at.get(dir)?).filter(|at| at.len() <= MAX_OPEN_READS))
            .collect();
        let mut all = None;
        self.stamps_where(&|rel| in_dirs(dirs, rel), small, usize::MAX, &mut |s| {
            all = Some(Stamps {
                index: self,
                paths: std::mem::take(&mut s.paths),
                rows: std::mem::take(&mut s.rows),
            });
            Some(())
        })?;
        all
    }

    /// Every record, deltas applied, as [`Index::stamps_in`] gives them,
    /// given to `f` `chunk` base records at a time (those no appended
    /// record replaces or removes), the last call with the
    /// rest of the base (maybe none) and every appended record: never all
    /// held at once (at 100,000 tickets, 9 MB of paths and rows).
    /// `None` if a record does not parse, the file cannot be read, or `f`
    /// says so (it is not asked again).
    pub fn each_stamps(
        &self,
        chunk: usize,
        f: &mut dyn FnMut(&Stamps<'_>) -> Option<()>,
    ) -> Option<()> {
        self.stamps_where(&|_| true, None, chunk, &mut |s| f(s))
    }

    /// The records whose path `keep` wants: for a base in the file, those
    /// at the offsets `small` lists (every folder's), or else every one;
    /// given to `f` `chunk` at a time.
    fn stamps_where<'i>(
        &'i self,
        keep: &dyn Fn(&str) -> bool,
        small: Option<Vec<Vec<usize>>>,
        chunk: usize,
        f: &mut dyn FnMut(&mut Stamps<'i>) -> Option<()>,
    ) -> Option<()> {
        let deltas = self.last_deltas();
        let mut out = Stamps {
            index: self,
            paths: String::new(),
            rows: Vec::new(),
        };
        let mut add = |line: &str, at: usize| {
            out.add_line(line, at, keep, &deltas)?;
            if out.rows.len() >= chunk {
                f(&mut out)?;
                out.paths.clear();
                out.rows.clear();
            }
            Some(())
        };
        match &self.base {
            Base::Text(buf, range) => {
                let base = &buf[range.clone()];
                for line in crate::text::lines(base) {
                    add(
                        line,
                        range.start + (line.as_ptr() as usize - base.as_ptr() as usize),
                    )?;
                }
            }
            Base::File(lines, range) => match small {
                // Every folder's asked for before any is read.
                Some(ats) => {
                    for off in ats.iter().flatten() {
                        let at = range.start.checked_add(*off).filter(|s| *s < range.end)?;
                        add(&lines.line(at)?.0, at)?;
                    }
                }
                None => lines.each_line(range.clone(), &mut add)?,
            },
        }
        out.rows.extend(
            deltas
                .upserts
                .iter()
                .copied()
                .filter(|e| keep(&e.rel))
                .map(Row::Delta),
        );
        f(&mut out)
    }

    /// The base record whose line starts at `at`.
    fn base_record_at(&self, at: usize) -> Option<Entry> {
        match &self.base {
            Base::Text(buf, _) => match buf.as_str().line(at)?.0 {
                Cow::Borrowed(line) => record(buf, line.strip_prefix("T\t")?),
                Cow::Owned(line) => own_record(line),
            },
            Base::File(lines, _) => own_record(lines.line(at)?.0.into_owned()),
        }
    }

    /// Records `entry` as the file at its path now (in memory only).
    pub fn refresh(&mut self, entry: Entry) {
        self.deltas.push((entry.rel.clone(), Some(entry)));
    }

    /// Whether the folder of `rel` has another stamp in `now` than the index
    /// recorded: the next command lists it again and sees what changed there.
    #[must_use]
    pub fn listed_again(&self, rel: &str, now: &Dirs) -> bool {
        let dir = super::parent_dir(rel);
        self.dirs.get(dir) != now.get(dir)
    }

    /// Records that no ticket is at `rel` now (in memory only).
    pub fn forget(&mut self, rel: &str) {
        self.deltas.push((Text::from(rel.to_string()), None));
    }

    /// The records keyed `key` (the id read from the file, else, for a file
    /// that did not parse, the id its name starts with: see [`Entry::new`]),
    /// deltas applied; `None` if a line met on the way does not parse.
    /// Costs a binary search of the base.
    #[must_use]
    pub fn lookup(&self, key: &IdKey) -> Option<Vec<Entry>> {
        let mut hits = match &self.base {
            Base::Text(buf, range) => {
                lookup_in(buf.as_str(), range.clone(), key, |line| match line {
                    Cow::Borrowed(line) => record(buf, line.strip_prefix("T\t")?),
                    Cow::Owned(line) => own_record(line),
                })?
            }
            Base::File(f, range) => {
                lookup_in(f, range.clone(), key, |line| own_record(line.into_owned()))?
            }
        };
        for (rel, change) in &self.deltas {
            hits.retain(|e| e.rel != *rel);
            if let Some(e) = change
                && e.key.as_ref() == Some(key)
            {
                hits.push(e.clone());
            }
        }
        Some(hits)
    }
}

/// The base records at `offsets`, read one by one.
fn read_records(lines: &FileLines, range: &Range<usize>, offsets: &[usize]) -> Option<Vec<Entry>> {
    if offsets.len() > MAX_OPEN_READS {
        return None;
    }
    let mut out = Vec::with_capacity(offsets.len());
    for at in offsets {
        let start = range.start.checked_add(*at).filter(|s| *s < range.end)?;
        let (line, _) = lines.line(start)?;
        out.push(own_record(line.into_owned())?);
    }
    Some(out)
}

/// An offset list as [`offsets`] reads it, with its newline.
fn push_offsets(out: &mut String, at: &[usize]) {
    for (i, n) in at.iter().enumerate() {
        let _ = write!(out, "{}{n}", if i == 0 { "" } else { "," });
    }
    out.push('\n');
}

fn offsets(list: &str) -> Option<Vec<usize>> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().ok())
        .collect()
}

/// A record read on its own: its fields share the line's buffer.
fn own_record(line: String) -> Option<Entry> {
    let buf = Arc::new(Buf::from(line));
    record(&buf, buf.strip_prefix("T\t")?)
}

/// Every record of the base (a slice of `buf`), in order. One thread: the
/// work is mostly fresh memory, and two threads filling it did it no
/// faster (and a scan decodes beside the threads that stat the files).
fn decode_all(buf: &Arc<Buf>, base: &str) -> Option<Vec<Entry>> {
    let mut out = Vec::with_capacity(base.len() / 160);
    for line in crate::text::lines(base) {
        out.push(record(buf, line.strip_prefix("T\t")?)?);
    }
    Some(out)
}

/// The base records of `key`: a binary search, then the run of equal keys,
/// each line decoded by `record`.
fn lookup_in<L: Lines + ?Sized>(
    src: &L,
    range: Range<usize>,
    key: &IdKey,
    record: impl Fn(Cow<'_, str>) -> Option<Entry>,
) -> Option<Vec<Entry>> {
    // A record's key as [`Entry::new`] gives it.
    let key_of = |line: &str| line_facts(line).map(|f| f.key);
    let mut bad = false;
    let mut at = lower_bound(src, range.clone(), |line| {
        if let Some(k) = key_of(line) {
            k.as_ref() >= Some(key)
        } else {
            bad = true;
            true
        }
    })?;
    if bad {
        return None;
    }
    let mut hits = Vec::new();
    while at < range.end {
        let (line, next) = src.line(at)?;
        if key_of(&line)?.as_ref() != Some(key) {
            break;
        }
        hits.push(record(line)?);
        at = next;
    }
    Some(hits)
}

/// An open file read as [`Lines`], a few hundred bytes at a time.
#[derive(Debug)]
pub struct FileLines {
    pub file: fs::File,
    pub len: usize,
}

impl FileLines {
    #[must_use]
    pub fn open(path: &Path) -> Option<FileLines> {
        let file = fs::File::open(path).ok()?;
        let len = usize::try_from(file.metadata().ok()?.len()).ok()?;
        Some(FileLines { file, len })
    }

    #[must_use]
    pub fn read(&self, at: usize, n: usize) -> Option<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let mut buf = vec![0; n];
        self.file.read_exact_at(&mut buf, at as u64).ok()?;
        Some(buf)
    }

    /// Calls `f` with each line of `range` (whole lines) and where it
    /// starts, reading the file a piece at a time: what is held is one
    /// piece, whatever the file's size. `None` if a read fails, the text is
    /// not UTF-8, the range does not end with a newline, or `f` says so.
    pub fn each_line(
        &self,
        range: Range<usize>,
        f: &mut dyn FnMut(&str, usize) -> Option<()>,
    ) -> Option<()> {
        self.each_line_by(range, 256 * 1024, f)
    }

    /// [`FileLines::each_line`], reading `piece` bytes at a time.
    fn each_line_by(
        &self,
        range: Range<usize>,
        piece: usize,
        f: &mut dyn FnMut(&str, usize) -> Option<()>,
    ) -> Option<()> {
        use std::os::unix::fs::FileExt;
        let mut buf: Vec<u8> = Vec::with_capacity(piece);
        // The offset of `buf[0]` in the file, and how far it was read.
        let (mut from, mut read) = (range.start, range.start);
        while read < range.end {
            let have = buf.len();
            let n = piece.min(range.end - read);
            buf.resize(have + n, 0);
            self.file
                .read_exact_at(&mut buf[have..], read as u64)
                .ok()?;
            read += n;
            // A line longer than a piece: the next piece is read after it.
            let Some(last) = memchr::memrchr(b'\n', &buf[have..]) else {
                continue;
            };
            let whole = have + last + 1;
            let text = std::str::from_utf8(&buf[..whole]).ok()?;
            for line in crate::text::lines(text) {
                f(
                    line,
                    from + (line.as_ptr() as usize - text.as_ptr() as usize),
                )?;
            }
            buf.drain(..whole);
            from += whole;
        }
        buf.is_empty().then_some(())
    }

    /// From `at` up to and including the next `\n` (before `end`), in chunks.
    fn until_newline(&self, at: usize, end: usize) -> Option<(Vec<u8>, Option<usize>)> {
        let mut out = Vec::new();
        let mut pos = at;
        let mut chunk = 256;
        while pos < end {
            let n = chunk.min(end - pos);
            let bytes = self.read(pos, n)?;
            if let Some(i) = bytes.iter().position(|b| *b == b'\n') {
                out.extend_from_slice(&bytes[..i]);
                return Some((out, Some(pos + i)));
            }
            out.extend_from_slice(&bytes);
            pos += n;
            chunk *= 2;
        }
        Some((out, None))
    }
}

impl Lines for FileLines {
    fn line(&self, start: usize) -> Option<(Cow<'_, str>, usize)> {
        let (bytes, nl) = self.until_newline(start, self.len)?;
        Some((Cow::Owned(String::from_utf8(bytes).ok()?), nl? + 1))
    }

    fn next_start(&self, at: usize, end: usize) -> Option<usize> {
        if at == 0 {
            return Some(0);
        }
        let (_, nl) = self.until_newline(at - 1, end)?;
        Some(nl.map_or(end, |i| i + 1))
    }
}

// ------------------------------------------------------------ writing

/// A whole index in one string: header, then `entries` sorted by id (they
/// are sorted in place); `open` says which are open tickets (see
/// [`Index::open_entries`]). The tests' view of [`encode_to`].
#[cfg(test)]
pub fn encode(
    fingerprint: &str,
    entries: &mut [&Entry],
    dirs: &Dirs,
    memo: Option<&Memo>,
    open: &dyn Fn(&Entry) -> bool,
) -> String {
    let mut base = Vec::new();
    let head = encode_to(fingerprint, entries, dirs, memo, open, &mut base).expect("in memory");
    head + std::str::from_utf8(&base).expect("records are text")
}

/// A whole index: its base (every record: most of the index, 21 MB at
/// 100,000 tickets) written to `base` record by record as it is made, and
/// its header returned, to be written before it: the header says how long
/// the base is and where records are in it, so it comes last.
///
/// # Errors
///
/// An error writing to `base`.
pub fn encode_to(
    fingerprint: &str,
    entries: &mut [&Entry],
    dirs: &Dirs,
    memo: Option<&Memo>,
    open: &dyn Fn(&Entry) -> bool,
    base: &mut dyn std::io::Write,
) -> std::io::Result<String> {
    entries.sort_unstable_by(|a, b| by_id(a, b));
    let mut out = Encoder::new(dirs, base);
    for e in entries.iter() {
        out.push(e, open(e))?;
    }
    Ok(out.finish(fingerprint, dirs, memo))
}

/// An index written from records given one at a time, in any order (as a
/// read without an index finds the files): each record encoded into a
/// spool (an unnamed file in `dir`) as it comes, with its id's key and
/// where it is held (40 bytes a record, where the records themselves were
/// 900); then sorted in [`by_id`]'s order and written as the base, each
/// read back from the spool (and the paths of records with the same id,
/// rare, read back to order them).
pub struct Build {
    spool: std::io::BufWriter<fs::File>,
    rows: Vec<BuildRow>,
    /// Each record's folder, by its number in [`BuildRow::folder`].
    folders: Vec<Box<str>>,
    folder_numbers: std::collections::HashMap<Box<str>, u16>,
    /// Each prefix, by its number in [`BuildKey::Plain`].
    prefixes: Vec<Box<str>>,
    numbers: std::collections::HashMap<Box<str>, u32>,
    at: u64,
    rec: String,
}

/// A record's id as [`Build`] holds it: nearly every one a prefix's number
/// and its own (16 bytes, where a key is 72).
enum BuildKey {
    None,
    Plain { prefix: u32, num: u64 },
    Other(Box<IdKey>),
}

impl BuildKey {
    /// The key's parts in the order of [`IdKey`]'s fields, as it sorts.
    fn order<'a>(
        &'a self,
        prefixes: &'a [Box<str>],
    ) -> Option<(&'a str, bool, u64, &'a [u64], &'a str)> {
        match self {
            BuildKey::None => None,
            BuildKey::Plain { prefix, num } => {
                Some((&prefixes[*prefix as usize], true, *num, &[], ""))
            }
            BuildKey::Other(k) => Some(k.order()),
        }
    }

    /// The prefix and number of a numbered id, which the header's highest
    /// numbers count.
    fn numbered<'a>(&'a self, prefixes: &'a [Box<str>]) -> Option<(&'a str, u64)> {
        match self {
            BuildKey::None => None,
            BuildKey::Plain { prefix, num } => Some((&prefixes[*prefix as usize], *num)),
            BuildKey::Other(k) => k.numbered.then_some((&*k.prefix, k.num)),
        }
    }
}

struct BuildRow {
    key: BuildKey,
    at: u64,
    len: u32,
    folder: u16,
    open: bool,
}

impl BuildRow {
    /// A row put in a slot while the rows are moved about.
    const EMPTY: BuildRow = BuildRow {
        key: BuildKey::None,
        at: 0,
        len: 0,
        folder: 0,
        open: false,
    };
}

impl Build {
    /// # Errors
    ///
    /// An error making the spool in `dir`.
    pub fn new(dir: &Path) -> std::io::Result<Build> {
        Ok(Build {
            spool: std::io::BufWriter::with_capacity(256 * 1024, tempfile::tempfile_in(dir)?),
            rows: Vec::new(),
            folders: Vec::new(),
            folder_numbers: std::collections::HashMap::new(),
            prefixes: Vec::new(),
            numbers: std::collections::HashMap::new(),
            at: 0,
            rec: String::new(),
        })
    }

    /// Adds `e`'s record; `open` says whether it is an open ticket's.
    ///
    /// # Errors
    ///
    /// An error writing the spool, or more records than it can place.
    pub fn push(&mut self, e: &Entry, open: bool) -> std::io::Result<()> {
        let mut rec = std::mem::take(&mut self.rec);
        rec.clear();
        push_record(&mut rec, e);
        let line = rec.strip_suffix('\n').unwrap_or(&rec);
        let pushed = self.push_line(line, &e.rel, e.key.as_ref(), open);
        self.rec = rec;
        pushed
    }

    /// Adds a record already encoded (`line`, without its newline, as an
    /// index holds it), of the file at `rel` keyed `key`.
    ///
    /// # Errors
    ///
    /// As [`Build::push`].
    pub fn push_line(
        &mut self,
        line: &str,
        rel: &str,
        key: Option<&IdKey>,
        open: bool,
    ) -> std::io::Result<()> {
        let too_many = || std::io::Error::other("too many records");
        let dir = super::parent_dir(rel);
        let folder = match self.folder_numbers.get(dir) {
            Some(n) => *n,
            None => {
                let n = u16::try_from(self.folders.len()).map_err(|_| too_many())?;
                self.folders.push(Box::from(dir));
                self.folder_numbers.insert(Box::from(dir), n);
                n
            }
        };
        let key = match key {
            None => BuildKey::None,
            Some(k) if k.numbered && k.sub.is_empty() && k.suffix.is_empty() => {
                let prefix = match self.numbers.get(&*k.prefix) {
                    Some(n) => *n,
                    None => {
                        let n = u32::try_from(self.prefixes.len()).map_err(|_| too_many())?;
                        self.prefixes.push(Box::from(&*k.prefix));
                        self.numbers.insert(Box::from(&*k.prefix), n);
                        n
                    }
                };
                BuildKey::Plain { prefix, num: k.num }
            }
            Some(k) => BuildKey::Other(Box::new(IdKey {
                prefix: Text::from(k.prefix.to_string()),
                numbered: k.numbered,
                num: k.num,
                sub: k.sub.clone(),
                suffix: Text::from(k.suffix.to_string()),
            })),
        };
        let len = u32::try_from(line.len() + 1).map_err(|_| too_many())?;
        // Spooled once nothing can refuse it, so that the rows and the
        // spool keep step (a failed write leaves the build of no use).
        self.spool.write_all(line.as_bytes())?;
        self.spool.write_all(b"\n")?;
        self.rows.push(BuildRow {
            key,
            at: self.at,
            len,
            folder,
            open,
        });
        self.at += u64::from(len);
        Ok(())
    }

    /// Writes the index to `out`, as [`encode`] writes one of the same
    /// records: its header, made from the rows alone, then the records in
    /// [`by_id`]'s order, each read back from the spool (where
    /// [`encode_to`] writes the base first and gives the header after,
    /// which a writer then puts before a copy of it).
    ///
    /// # Errors
    ///
    /// An error reading the spool back or writing `out`.
    pub fn write_to(
        mut self,
        fingerprint: &str,
        dirs: &Dirs,
        memo: Option<&Memo>,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let spool = self
            .spool
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        let prefixes = &self.prefixes;
        let mut window = Window {
            buf: Vec::new(),
            at: 0,
            end: 0,
        };
        self.rows
            .sort_unstable_by(|a, b| a.key.order(prefixes).cmp(&b.key.order(prefixes)));
        // Records with the same id (or none) in the order of their paths.
        let mut from = 0;
        while from < self.rows.len() {
            let key = self.rows[from].key.order(prefixes);
            let run = self.rows[from..]
                .iter()
                .take_while(|r| r.key.order(prefixes) == key)
                .count();
            if run > 1 {
                let rows = &mut self.rows[from..from + run];
                let mut paths = Vec::with_capacity(run);
                for r in rows.iter() {
                    paths.push(window.record(&spool, r)?.1.into_owned());
                }
                let mut order: Vec<usize> = (0..run).collect();
                order.sort_by(|a, b| paths[*a].cmp(&paths[*b]));
                let sorted: Vec<BuildRow> = order
                    .iter()
                    .map(|i| std::mem::replace(&mut rows[*i], BuildRow::EMPTY))
                    .collect();
                for (slot, r) in rows.iter_mut().zip(sorted) {
                    *slot = r;
                }
            }
            from += run;
        }
        let mut nothing = std::io::sink();
        let mut head = Encoder::new(dirs, &mut nothing);
        for r in &self.rows {
            let dir = &self.folders[usize::from(r.folder)];
            head.note(dir, r.key.numbered(prefixes), r.open, r.len as usize);
        }
        out.write_all(head.finish(fingerprint, dirs, memo).as_bytes())?;
        for r in &self.rows {
            let (text, _) = window.record(&spool, r)?;
            out.write_all(text.as_bytes())?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// [`Build`]'s spool as it is read back: a window of it, moved on when a
/// record is not in it. Records given in the order of their ids (a rebuild
/// from an index) come back in the order they went in: one read for many,
/// where one for each took 100,000 calls. Records given in another order
/// (a read of every file, in the order of the folders' listings) come back
/// from all over the spool: each is read on its own, as a window's worth
/// for each took 2.2 s instead of 0.9 at 100,000 tickets. A window is read
/// when a record starts where the one before it ended.
struct Window {
    buf: Vec<u8>,
    /// Where `buf` starts in the spool.
    at: u64,
    /// Where the record read last ends.
    end: u64,
}

impl Window {
    const SIZE: usize = 256 * 1024;

    /// The record of row `r`: its line (without its end) and its path.
    fn record(&mut self, spool: &fs::File, r: &BuildRow) -> std::io::Result<(&str, Cow<'_, str>)> {
        use std::os::unix::fs::FileExt;
        let bad = || std::io::Error::other("a record of the spool does not read back");
        let len = r.len as usize;
        let inside = r.at >= self.at && r.at + r.len as u64 <= self.at + self.buf.len() as u64;
        if !inside {
            // As much as the window holds from the record on, and the
            // record whole at least; the record alone when it is not the
            // next one.
            let size = if r.at == self.end { Self::SIZE } else { 0 };
            self.buf.resize(size.max(len), 0);
            let mut filled = 0;
            while filled < self.buf.len() {
                match spool.read_at(&mut self.buf[filled..], r.at + filled as u64) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            self.buf.truncate(filled);
            self.at = r.at;
            if filled < len {
                return Err(bad());
            }
        }
        self.end = r.at + r.len as u64;
        let from = usize::try_from(r.at - self.at).map_err(|_| bad())?;
        let text = std::str::from_utf8(&self.buf[from..from + len])
            .ok()
            .and_then(|t| t.strip_suffix('\n'))
            .ok_or_else(bad)?;
        let (rel, _) = text
            .strip_prefix("T\t")
            .and_then(path_field)
            .ok_or_else(bad)?;
        Ok((text, rel))
    }
}

/// The order of the base: by id (a record without one first), then path.
fn by_id(a: &Entry, b: &Entry) -> std::cmp::Ordering {
    (a.key.as_ref(), &a.rel).cmp(&(b.key.as_ref(), &b.rel))
}

/// A base written record by record, in the order given (see [`by_id`]),
/// and what the header says of it, gathered on the way: the highest number
/// of each prefix, where the open tickets' records and each folder's are.
struct Encoder<'w> {
    base: &'w mut dyn std::io::Write,
    prefixes: BTreeMap<String, u64>,
    open_at: Vec<usize>,
    folder_at: BTreeMap<String, Vec<usize>>,
    len: usize,
    rec: String,
}

impl<'w> Encoder<'w> {
    fn new(dirs: &Dirs, base: &'w mut dyn std::io::Write) -> Encoder<'w> {
        Encoder {
            base,
            prefixes: BTreeMap::new(),
            open_at: Vec::new(),
            folder_at: dirs.keys().map(|d| (d.clone(), Vec::new())).collect(),
            len: 0,
            rec: String::new(),
        }
    }

    /// Writes `e`'s record; `open` says whether it is an open ticket's.
    fn push(&mut self, e: &Entry, open: bool) -> std::io::Result<()> {
        self.rec.clear();
        push_record(&mut self.rec, e);
        let rec = std::mem::take(&mut self.rec);
        let line = rec.strip_suffix('\n').unwrap_or(&rec);
        let done = self.push_line(line, &e.rel, e.key.as_ref(), open);
        self.rec = rec;
        done
    }

    /// Writes a record already encoded (`line`, without its newline), of the
    /// file at `rel` keyed `key`.
    fn push_line(
        &mut self,
        line: &str,
        rel: &str,
        key: Option<&IdKey>,
        open: bool,
    ) -> std::io::Result<()> {
        let numbered = key.filter(|k| k.numbered).map(|k| (&*k.prefix, k.num));
        self.note(super::parent_dir(rel), numbered, open, line.len() + 1);
        self.base.write_all(line.as_bytes())?;
        self.base.write_all(b"\n")
    }

    /// What the header says of a record of `len` bytes (its newline
    /// included) in the folder `dir`, numbered `numbered`, next in the
    /// base: where it starts, and the highest number of its prefix.
    fn note(&mut self, dir: &str, numbered: Option<(&str, u64)>, open: bool, len: usize) {
        match self.folder_at.get_mut(dir) {
            Some(at) => at.push(self.len),
            None => {
                self.folder_at.insert(dir.to_string(), vec![self.len]);
            }
        }
        if let Some((prefix, num)) = numbered {
            match self.prefixes.get_mut(prefix) {
                Some(max) => *max = (*max).max(num),
                None => {
                    self.prefixes.insert(prefix.to_string(), num);
                }
            }
        }
        if open {
            self.open_at.push(self.len);
        }
        self.len += len;
    }

    /// The header of the records written.
    fn finish(self, fingerprint: &str, dirs: &Dirs, memo: Option<&Memo>) -> String {
        let mut out = String::with_capacity(512);
        out.push_str(MAGIC);
        out.push('\t');
        esc(&mut out, fingerprint);
        out.push('\n');
        for (p, n) in &self.prefixes {
            let _ = writeln!(out, "P\t{p}\t{n}");
        }
        push_dirs(&mut out, dirs);
        push_memo(&mut out, memo);
        // More than can be read one by one: the whole base is read instead,
        // and the header stays a few hundred bytes (every lookup reads it).
        if self.open_at.len() > MAX_OPEN_READS {
            out.push_str("O\t*\n");
        } else {
            out.push_str("O\t");
            push_offsets(&mut out, &self.open_at);
        }
        for (dir, at) in self
            .folder_at
            .iter()
            .filter(|(_, at)| at.len() <= MAX_OPEN_READS)
        {
            out.push_str("F\t");
            esc(&mut out, dir);
            out.push('\t');
            push_offsets(&mut out, at);
        }
        let _ = writeln!(out, "B\t{}", self.len);
        out
    }
}

/// The lines a transition appends: records removed and written, the folders
/// it changed, the registry it wrote (or `None`: unknown), a new highest id.
#[must_use]
pub fn delta(
    removed: &[&str],
    written: &[&Entry],
    dirs: &Dirs,
    memo: Option<&Memo>,
    prefixes: &[(&str, u64)],
) -> String {
    let mut out = String::new();
    for rel in removed {
        out.push_str("X\t");
        esc(&mut out, rel);
        out.push('\n');
    }
    for e in written {
        push_record(&mut out, e);
    }
    push_dirs(&mut out, dirs);
    push_memo(&mut out, memo);
    for (p, n) in prefixes {
        let _ = writeln!(out, "P\t{p}\t{n}");
    }
    out
}

/// Appends `lines` in one write. Best effort, like every index write: a torn
/// append makes the whole index count as absent.
pub fn append(path: &Path, lines: &str) -> std::io::Result<()> {
    let mut f = fs::OpenOptions::new().append(true).open(path)?;
    f.write_all(lines.as_bytes())
}

fn push_dirs(out: &mut String, dirs: &Dirs) {
    for (d, s) in dirs {
        out.push_str("D\t");
        esc(out, d);
        match s {
            Some(s) => push_stamp(out, s),
            None => out.push_str("\t-"),
        }
        out.push('\n');
    }
}

fn push_memo(out: &mut String, memo: Option<&Memo>) {
    match memo {
        None => out.push_str("R\t-\n"),
        Some(m) => {
            out.push('R');
            push_stamp(out, &m.stamp);
            let l = &m.layout;
            let _ = write!(out, "\t{}\t{}", l.problems, l.counts.len());
            for (c, r) in l.counts.iter().zip(&l.rows) {
                let _ = write!(out, "\t{c}\t{}\t{}", r.start, r.end);
            }
            out.push('\n');
        }
    }
}

fn push_stamp(out: &mut String, s: &Stamp) {
    let _ = write!(out, "\t{:016x}", s.0);
}

fn push_record(out: &mut String, e: &Entry) {
    out.push_str("T\t");
    esc(out, &e.rel);
    push_stamp(out, &e.stamp);
    match &e.parsed {
        Ok(m) => {
            out.push_str("\tM");
            for f in [&m.id, &m.title, &m.priority] {
                out.push('\t');
                esc(out, f);
            }
            for f in [
                &m.status,
                &m.created,
                &m.started,
                &m.completed,
                &m.updated,
                &m.agent,
            ] {
                out.push('\t');
                opt(out, f.as_deref());
            }
            for list in [&m.labels, &m.depends_on] {
                // `+` starts a non-empty list, so `[""]` and `[]` differ.
                out.push('\t');
                for (i, item) in list.iter().enumerate() {
                    out.push(if i == 0 { '+' } else { ',' });
                    esc(out, item);
                }
            }
            let _ = write!(out, "\t{}\t{}", m.done, m.total);
        }
        Err(m) => {
            out.push_str("\tE\t");
            match m.line {
                Some(l) => {
                    let _ = write!(out, "={l}");
                }
                None => out.push('-'),
            }
            out.push('\t');
            esc(out, &m.message);
        }
    }
    out.push('\n');
}

// ------------------------------------------------------------ reading

fn stamp<'a>(f: &mut impl Iterator<Item = &'a str>) -> Option<Stamp> {
    parse_stamp(f.next()?)
}

/// Sixteen hex digits, as `push_stamp` writes them (by hand: `from_str_radix`
/// checks for overflow and a sign at each digit, twice the work, on every
/// record).
fn parse_stamp(hex: &str) -> Option<Stamp> {
    if hex.len() != 16 {
        return None;
    }
    let mut v = 0u64;
    for c in hex.bytes() {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        v = (v << 4) | u64::from(d);
    }
    Some(Stamp(v))
}

/// A count as `push_record` writes it: decimal digits only.
fn parse_count(digits: &str) -> Option<u32> {
    if digits.is_empty() {
        return None;
    }
    digits.bytes().try_fold(0u32, |n, c| {
        let d = c.checked_sub(b'0').filter(|d| *d < 10)?;
        n.checked_mul(10)?.checked_add(u32::from(d))
    })
}

fn memo(rest: &str) -> Option<Memo> {
    let mut f = rest.split('\t');
    let stamp = stamp(&mut f)?;
    let mut n = || f.next()?.parse::<usize>().ok();
    let problems = n()?;
    let count = n()?;
    let mut layout = Layout {
        counts: Vec::with_capacity(count),
        rows: Vec::with_capacity(count),
        problems,
    };
    for _ in 0..count {
        layout.counts.push(n()?);
        layout.rows.push(n()?..n()?);
    }
    f.next().is_none().then_some(Memo { stamp, layout })
}

/// The tab-separated fields of a line, each with whether it holds an escape
/// (records are decoded by the ten thousand).
struct Fields<'a> {
    /// The buffer `line` is a slice of, which the fields share.
    buf: &'a Arc<Buf>,
    line: &'a str,
    /// Where `line` starts in `buf`.
    at: usize,
    pos: usize,
    done: bool,
    /// Whether the line holds a `\\` anywhere: a field is searched for one
    /// only then (almost no line has one).
    escapes: bool,
}

impl<'a> Fields<'a> {
    /// `None` when `line` is not a slice of `buf`.
    fn new(buf: &'a Arc<Buf>, line: &'a str) -> Option<Fields<'a>> {
        let at = (line.as_ptr() as usize).checked_sub(buf.as_ptr() as usize)?;
        (at + line.len() <= buf.len()).then_some(Fields {
            buf,
            line,
            at,
            pos: 0,
            done: false,
            escapes: memchr::memchr(b'\\', line.as_bytes()).is_some(),
        })
    }

    fn raw(&mut self) -> Option<(&'a str, bool)> {
        self.raw_at().map(|(f, escaped, _)| (f, escaped))
    }

    /// The next field, whether it holds a `\\`, and where it starts in the
    /// line. Always inlined: called 16 times a record, as a call it saved
    /// and restored registers and returned its field through memory each
    /// time (3.4% of `status`'s instructions at 10,000 tickets).
    #[inline(always)]
    fn raw_at(&mut self) -> Option<(&'a str, bool, usize)> {
        if self.done {
            return None;
        }
        let b = self.line.as_bytes();
        let start = self.pos;
        let i = crate::text::find_byte(b, start, b'\t');
        let escaped = self.escapes && memchr::memchr(b'\\', &b[start..i]).is_some();
        self.done = i == b.len();
        self.pos = i + 1;
        Some((&self.line[start..i], escaped, start))
    }

    /// `len` bytes of the line from `start` (cut at its tabs and at ASCII
    /// marks, so on character boundaries), sharing the buffer.
    fn shared(&self, start: usize, len: usize) -> Option<Text> {
        let from = self.at + start;
        Text::at(self.buf, from..from + len)
    }

    fn text(&mut self) -> Option<Text> {
        match self.raw_at()? {
            (f, false, start) => self.shared(start, f.len()),
            (f, true, _) => shared(self.buf, unesc(f)?),
        }
    }

    fn opt(&mut self) -> Option<Option<Text>> {
        match self.raw_at()? {
            ("-", _, _) => Some(None),
            (f, esc, start) => {
                let v = f.strip_prefix('=')?;
                Some(Some(if esc {
                    shared(self.buf, unesc(v)?)?
                } else {
                    self.shared(start + 1, v.len())?
                }))
            }
        }
    }

    fn list(&mut self) -> Option<Vec<Text>> {
        let (s, esc, start) = self.raw_at()?;
        if s.is_empty() {
            return Some(Vec::new());
        }
        let items = s.strip_prefix('+')?;
        // Sized exactly (a comma in an item is escaped): grown from empty
        // it would hold room for four, twice what a ticket's two labels take.
        let commas = items.bytes().filter(|b| *b == b',').count();
        let mut out = Vec::with_capacity(1 + commas);
        // The items cut at the commas by hand: `split` searches for each.
        let mut from = 0;
        for end in (0..items.len())
            .filter(|&i| items.as_bytes()[i] == b',')
            .chain([items.len()])
        {
            out.push(if esc {
                shared(self.buf, unesc(items.get(from..end)?)?)?
            } else {
                self.shared(start + 1 + from, end - from)?
            });
            from = end + 1;
        }
        Some(out)
    }

    fn count(&mut self) -> Option<u32> {
        parse_count(self.raw()?.0)
    }

    fn stamp(&mut self) -> Option<Stamp> {
        parse_stamp(self.raw()?.0)
    }
}

/// Decodes a record (a line without its `T` tag): a slice of `buf`.
fn record(buf: &Arc<Buf>, line: &str) -> Option<Entry> {
    let mut f = Fields::new(buf, line)?;
    let rel = f.text()?;
    let stamp = f.stamp()?;
    let parsed = match f.raw()?.0 {
        "M" => {
            let (id, title, priority) = (f.text()?, f.text()?, f.text()?);
            let (status, created, started, completed, updated, agent) =
                (f.opt()?, f.opt()?, f.opt()?, f.opt()?, f.opt()?, f.opt()?);
            let labels = f.list()?;
            let depends_on = f.list()?;
            let (done, total) = (f.count()?, f.count()?);
            Ok(Meta {
                id,
                title,
                status,
                priority,
                created,
                started,
                completed,
                updated,
                agent,
                labels,
                depends_on,
                done,
                total,
            })
        }
        "E" => {
            let line = match f.opt()? {
                Some(l) => Some(l.parse().ok()?),
                None => None,
            };
            Err(Malformed {
                line,
                message: f.text()?.into_owned(),
            })
        }
        _ => return None,
    };
    if f.raw().is_some() {
        return None;
    }
    Some(Entry::new(rel, stamp, parsed))
}

fn esc(out: &mut String, s: &str) {
    if !s.contains(['\\', '\t', '\n', '\r', ',']) {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            ',' => out.push_str("\\c"),
            c => out.push(c),
        }
    }
}

fn opt(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => {
            out.push('=');
            esc(out, s);
        }
        None => out.push('-'),
    }
}

/// A record's path (its first field, unescaped) and the fields after it:
/// one vector search finds the tab that ends it, or a backslash before it
/// (an escape, rare). A read cuts the path of every record.
fn path_field(rest: &str) -> Option<(Cow<'_, str>, &str)> {
    let end = match memchr::memchr2(b'\t', b'\\', rest.as_bytes())? {
        end if rest.as_bytes()[end] == b'\t' => {
            return Some((Cow::Borrowed(&rest[..end]), &rest[end + 1..]));
        }
        _ => rest.find('\t')?,
    };
    Some((unesc(&rest[..end])?, &rest[end + 1..]))
}

/// A record as [`Index::each_in_order`] gives it.
pub(crate) enum InOrder<'d, 'l> {
    /// A line of the base, and what `line_facts` read of it.
    Line(&'l str, LineFacts<'l>),
    /// A delta's record.
    Delta(&'d Entry),
}

/// What an index's header says of a base line (a record with its `T` tag),
/// read by [`line_facts`] without decoding the rest of it.
pub(crate) struct LineFacts<'a> {
    pub rel: Cow<'a, str>,
    /// As [`Entry::new`] makes it: the id read from the file, else, for a
    /// file that did not parse, the id its name starts with.
    pub key: Option<IdKey>,
    /// For a file that parsed, the status it says (`Some(None)`: none).
    pub said: Option<Option<Cow<'a, str>>>,
    pub stamp: Stamp,
}

/// `None` for a line that is no record: a stamp that does not parse, or
/// another number of fields than [`push_record`] writes (what the merge
/// copies as it is must be a record, as what it decodes is).
fn line_facts(line: &str) -> Option<LineFacts<'_>> {
    let (rel, rest) = path_field(line.strip_prefix("T\t")?)?;
    let tabs = memchr::memchr_iter(b'\t', rest.as_bytes()).count();
    let mut f = rest.split('\t');
    let stamp = parse_stamp(f.next()?)?;
    match f.next()? {
        // After the path: stamp, tag, 3 fields, 6 optional ones, 2 lists, 2 counts.
        "M" if tabs == 14 => {
            let key = IdKey::parse(&unesc(f.next()?)?);
            let status = match f.nth(2)? {
                "-" => None,
                s => Some(unesc(s.strip_prefix('=')?)?),
            };
            Some(LineFacts {
                rel,
                key,
                said: Some(status),
                stamp,
            })
        }
        // Stamp, tag, line, message.
        "E" if tabs == 3 => {
            let key = IdKey::from_file_name(super::file_name(&rel));
            Some(LineFacts {
                rel,
                key,
                said: None,
                stamp,
            })
        }
        _ => None,
    }
}

/// The deltas as every reader applies them: the last word on each path
/// they name (its record, or `None` for a path removed), and the records
/// they leave, in the order of the last word on each.
struct Deltas<'a> {
    last: super::FastMap<&'a str, Option<&'a Entry>>,
    /// The paths of `last`, told apart from most others without a hash
    /// (every record of a read is asked).
    named: PathBits,
    upserts: Vec<&'a Entry>,
}

impl Deltas<'_> {
    /// Whether a delta names `rel` (its base record is then replaced).
    fn name(&self, rel: &str) -> bool {
        self.named.may_hold(rel) && self.last.contains_key(rel)
    }
}

/// Whether the file at `rel` is directly in one of the folders `dirs`.
fn in_dirs(dirs: &[String], rel: &str) -> bool {
    let parent = super::parent_dir(rel);
    dirs.iter().any(|d| d == parent)
}

/// A set of paths as 256 bits, one a path (from its length and its last 8
/// bytes, where the paths of one tree differ): a path whose bit is clear is
/// not in the set; one whose bit is set may be.
struct PathBits([u64; 4]);

impl PathBits {
    fn of<'a>(paths: impl IntoIterator<Item = &'a str>) -> PathBits {
        let mut bits = [0u64; 4];
        for rel in paths {
            let bit = Self::bit(rel);
            bits[bit / 64] |= 1 << (bit % 64);
        }
        PathBits(bits)
    }

    fn may_hold(&self, rel: &str) -> bool {
        let bit = Self::bit(rel);
        self.0[bit / 64] & 1 << (bit % 64) != 0
    }

    fn bit(rel: &str) -> usize {
        let b = rel.as_bytes();
        let mut tail = [0u8; 8];
        let n = b.len().min(8);
        tail[8 - n..].copy_from_slice(&b[b.len() - n..]);
        let mixed = (u64::from_le_bytes(tail) ^ b.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (mixed >> 56) as usize
    }
}

fn unesc<'a>(s: &'a str) -> Option<Cow<'a, str>> {
    if !s.contains('\\') {
        return Some(Cow::Borrowed(s));
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            '\\' => '\\',
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            'c' => ',',
            _ => return None,
        });
    }
    Some(Cow::Owned(out))
}

/// What [`unesc`] gave for a slice of `buf`: that slice shared, or the
/// unescaped copy.
fn shared(buf: &Arc<Buf>, text: Cow<'_, str>) -> Option<Text> {
    match text {
        Cow::Borrowed(s) => Text::within(buf, s),
        Cow::Owned(s) => Some(Text::from(s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(s: String) -> Arc<Buf> {
        Arc::new(Buf::from(s))
    }

    fn stamp(n: i64) -> Stamp {
        Stamp::new(n as u64, (n, 2), (-3, 4), 5)
    }

    /// Ticket `i` (`TIX-NNNN`, titled `t`) in the folder `dir`.
    fn numbered(dir: &str, i: usize) -> Entry {
        entry(
            &format!("{dir}/TIX-{i:04}-t.md"),
            &format!("TIX-{i:04}"),
            "t",
        )
    }

    /// `entries` encoded (`open` marks the open tickets) and written to a
    /// file in a temp folder: the folder, the file's path and the text.
    fn written(
        entries: &[Entry],
        dirs: &Dirs,
        open: &dyn Fn(&Entry) -> bool,
    ) -> (tempfile::TempDir, std::path::PathBuf, String) {
        let text = encode(
            "fp",
            &mut entries.iter().collect::<Vec<_>>(),
            dirs,
            None,
            open,
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        fs::write(&path, &text).unwrap();
        (dir, path, text)
    }

    fn entry(rel: &str, id: &str, title: &str) -> Entry {
        let meta = Meta {
            id: id.to_string().into(),
            title: title.to_string().into(),
            priority: "high".into(),
            ..Meta::default()
        };
        Entry::new(rel.to_string().into(), stamp(1), Ok(meta))
    }

    /// The folders `dirs`, each stamped by its place, and the index
    /// [`encode`] writes of `entries` whole in them (`open`: which are).
    fn encoded(entries: &[Entry], dirs: &[&str], open: &dyn Fn(&Entry) -> bool) -> (Dirs, String) {
        let dirs: Dirs = (1..)
            .zip(dirs)
            .map(|(n, d)| (d.to_string(), Some(stamp(n))))
            .collect();
        let whole = encode(
            "fp",
            &mut entries.iter().collect::<Vec<_>>(),
            &dirs,
            None,
            open,
        );
        (dirs, whole)
    }

    /// An index built from records in any order, held as [`Build`] holds
    /// them, is byte for byte the one [`encode`] writes of them all: ids
    /// with sub-numbers and suffixes, of several prefixes, without a
    /// number, on two files and on three, two files without an id; open
    /// and closed.
    #[test]
    fn an_index_built_a_record_at_a_time_is_the_one_encoded_whole() {
        let mut entries: Vec<Entry> = [
            ("pending/TIX-0010-t.md", "TIX-0010"),
            ("pending/TIX-0002-t.md", "TIX-0002"),
            ("completed/TIX-0002-copy.md", "TIX-0002"),
            ("pending/BACK-4.10-t.md", "BACK-4.10"),
            ("pending/BACK-4.2-t.md", "BACK-4.2"),
            // Paths in the other order than their ids'.
            ("pending/A-0035a.md", "TIX-0035a"),
            ("pending/Z-0035.md", "TIX-0035"),
            (
                "archive/TICKET-block-main-bash.md",
                "TICKET-block-main-bash",
            ),
            ("pending/ABC-7-t.md", "ABC-7"),
        ]
        .iter()
        .map(|(rel, id)| entry(rel, id, "t"))
        .collect();
        entries.push(entry("archive/TIX-0002-old.md", "TIX-0002", "t"));
        for rel in ["pending/notes.md", "archive/a-notes.md"] {
            entries.push(Entry::new(
                rel.into(),
                stamp(2),
                Err(Malformed {
                    line: Some(3),
                    message: "bad".into(),
                }),
            ));
        }
        let open = |e: &Entry| e.rel.starts_with("pending/");
        let (dirs, whole) = encoded(&entries, &["pending", "completed", "archive"], &open);
        for turn in 0..entries.len() {
            entries.rotate_left(1);
            if turn % 2 == 1 {
                entries.reverse();
            }
            let dir = tempfile::tempdir().unwrap();
            let mut build = Build::new(dir.path()).unwrap();
            for e in &entries {
                build.push(e, open(e)).unwrap();
            }
            let mut out = Vec::new();
            build.write_to("fp", &dirs, None, &mut out).unwrap();
            assert_eq!(std::str::from_utf8(&out).unwrap(), whole, "turn {turn}");
        }
    }

    /// Records of more bytes than [`Build`] reads back at a time (one of
    /// them more on its own), given in an order far from their ids', half
    /// as entries and half as lines already encoded: the index built is the
    /// one [`encode`] writes of them all.
    #[test]
    fn an_index_built_of_many_records_read_back_a_window_at_a_time_is_whole() {
        let mut entries: Vec<Entry> = (1..=3000)
            .map(|i| {
                entry(
                    &format!("pending/TIX-{i:04}-t.md"),
                    &format!("TIX-{i:04}"),
                    "t",
                )
            })
            .collect();
        entries.push(entry(
            "pending/TIX-5000-big.md",
            "TIX-5000",
            &"long ".repeat(60_000),
        ));
        entries.push(entry("completed/TIX-0007-t.md", "TIX-0007", "again"));
        // Every third from the end, then the rest.
        let order: Vec<usize> = (0..entries.len())
            .rev()
            .step_by(3)
            .chain((0..entries.len()).filter(|i| !(entries.len() - 1 - i).is_multiple_of(3)))
            .collect();
        let open = |e: &Entry| e.rel.ends_with("1-t.md");
        let (dirs, whole) = encoded(&entries, &["pending", "completed"], &open);
        let dir = tempfile::tempdir().unwrap();
        let mut build = Build::new(dir.path()).unwrap();
        for (k, i) in order.iter().enumerate() {
            let e = &entries[*i];
            if k % 2 == 0 {
                build.push(e, open(e)).unwrap();
            } else {
                let mut line = String::new();
                push_record(&mut line, e);
                build
                    .push_line(line.trim_end_matches('\n'), &e.rel, e.key.as_ref(), open(e))
                    .unwrap();
            }
        }
        let mut out = Vec::new();
        build.write_to("fp", &dirs, None, &mut out).unwrap();
        assert!(out.len() > 2 * Window::SIZE);
        assert!(std::str::from_utf8(&out).unwrap() == whole);
    }

    #[test]
    fn stamps_and_counts_read_back_as_written_and_nothing_else() {
        for v in [0, 1, 0xdead_beef, u64::MAX, 0x0123_4567_89ab_cdef] {
            let mut out = String::new();
            push_stamp(&mut out, &Stamp(v));
            assert_eq!(parse_stamp(&out[1..]), Some(Stamp(v)), "{out}");
            assert_eq!(parse_stamp(&out[1..].to_uppercase()), Some(Stamp(v)));
        }
        for bad in [
            "",
            "0",
            "+123456789abcdef",
            "0123456789abcdeg",
            "00000000000000000",
            "-123456789abcdef",
        ] {
            assert_eq!(parse_stamp(bad), None, "{bad}");
        }
        for n in [0, 7, 10, 4_294_967_295] {
            assert_eq!(parse_count(&n.to_string()), Some(n));
        }
        for bad in ["", "+1", "-1", "1a", " 1", "4294967296", "99999999999"] {
            assert_eq!(parse_count(bad), None, "{bad}");
        }
    }

    #[test]
    fn records_round_trip_with_hostile_text() {
        let meta = Meta {
            id: "TIX-0001".into(),
            title: "tab\there, comma, back\\slash\nnewline =-".into(),
            status: None,
            priority: "high".into(),
            created: Some("2026-01-01T00:00:00Z".into()),
            agent: Some("".into()),
            labels: vec!["a,b".into(), "".into(), "c".into()],
            depends_on: vec!["".into()],
            done: 1,
            total: 3,
            ..Meta::default()
        };
        let bad = Malformed {
            line: Some(3),
            message: "x\ty".into(),
        };
        // And plain text, each field cut from the line where it is.
        let plain = Meta {
            id: "TIX-0002".into(),
            title: "Plain title".into(),
            status: Some("in_progress".into()),
            priority: "low".into(),
            created: Some("2026-01-02T00:00:00Z".into()),
            started: Some("2026-01-03T00:00:00Z".into()),
            completed: None,
            updated: Some("u".into()),
            agent: Some("claude".into()),
            labels: vec!["one".into(), "two".into(), "three".into()],
            depends_on: vec!["TIX-0001".into()],
            done: 0,
            total: 0,
        };
        let entries = vec![
            Entry::new("pending/TIX-0001-x y.md".into(), stamp(10), Ok(meta)),
            Entry::new("pending/bad.md".into(), Stamp::default(), Err(bad)),
            Entry::new("in-progress/TIX-0002.md".into(), stamp(11), Ok(plain)),
        ];
        let mut dirs = Dirs::new();
        dirs.insert("pending".into(), Some(stamp(7)));
        dirs.insert("archive".into(), None);
        let memo = Memo {
            stamp: stamp(9),
            layout: Layout {
                counts: vec![1, 0],
                rows: vec![10..20, 30..30],
                problems: 40,
            },
        };
        let text = shared(encode(
            "fp\tx",
            &mut entries.iter().collect::<Vec<_>>(),
            &dirs,
            Some(&memo),
            &|_| false,
        ));
        let back = parse(&text, "fp\tx").unwrap();
        assert_eq!(back.dirs, dirs);
        assert_eq!(back.memo.as_ref(), Some(&memo));
        assert_eq!(back.prefixes.get("TIX"), Some(&2));
        let got = back.entries().unwrap();
        assert_eq!(got.len(), 3);
        for e in &entries {
            let b = got.iter().find(|b| b.rel == e.rel).unwrap();
            assert_eq!((&b.parsed, &b.key, b.stamp), (&e.parsed, &e.key, e.stamp));
        }
        let two = got
            .iter()
            .find(|b| b.rel == "in-progress/TIX-0002.md")
            .unwrap();
        let m = two.parsed.as_ref().unwrap();
        assert!(two.rel.is_shared() && m.title.is_shared() && m.labels[2].is_shared());
        assert!(m.agent.as_ref().is_some_and(Text::is_shared));
        // Lists are held in exactly the room they take (three labels, one
        // with an escaped comma; one empty dependency).
        let m = got
            .iter()
            .find_map(|b| b.parsed.as_ref().ok().filter(|m| m.id == "TIX-0001"))
            .unwrap();
        assert_eq!((m.labels.capacity(), m.depends_on.capacity()), (3, 1));
        assert!(parse(&text, "other").is_none());
        // Records are decoded when asked for: a broken one fails the decode.
        let broken = parse(&shared(text.replace("\tM\t", "\tQ\t")), "fp\tx").unwrap();
        assert!(broken.entries().is_none());
        assert!(broken.lookup(&IdKey::parse("TIX-1").unwrap()).is_none());
        // A torn append (no final newline) is not trusted.
        assert!(parse(&shared(format!("{text}X\tpending/a")), "fp\tx").is_none());
    }

    /// An index whose deltas are merged into its base is the index a
    /// whole write of the same records makes, byte for byte, whether its
    /// base is in memory or read from the file a piece at a time: a new
    /// record goes where its id sorts (first, between, last; a file without
    /// an id before all), a changed one replaces its old one, a removed or
    /// moved one goes, and the folders and the registry are the deltas'.
    #[test]
    fn compacting_writes_what_a_whole_write_of_the_same_records_would() {
        let dir_of = |i: usize| {
            if i.is_multiple_of(2) {
                "pending"
            } else {
                "completed"
            }
        };
        let bad = Malformed {
            line: Some(2),
            message: "no id".into(),
        };
        let mut base: Vec<Entry> = (2..=9).map(|i| numbered(dir_of(i), i)).collect();
        // One said done (closed where it is), one whose path is escaped in
        // the index, one that did not parse, keyed by its name.
        assert_eq!(&*base[6].rel, "pending/TIX-0008-t.md");
        if let Ok(m) = &mut base[6].parsed {
            m.status = Some("done".into());
        }
        base.push(entry("pending/TIX-0010-a,b.md", "TIX-0010", "t"));
        base.push(Entry::new(
            "completed/TIX-0020-broken.md".into(),
            stamp(6),
            Err(bad.clone()),
        ));
        let mut dirs = Dirs::new();
        dirs.insert("pending".into(), Some(stamp(1)));
        dirs.insert("completed".into(), Some(stamp(2)));
        let open_at =
            |rel: &str, said: Option<&str>| rel.starts_with("pending/") && said != Some("done");
        let is_open = |e: &Entry| e.said().is_some_and(|said| open_at(&e.rel, said));
        let (_dir, path, _) = written(&base, &dirs, &is_open);
        let upserts = [
            numbered("pending", 1),
            numbered("pending", 12),
            entry("completed/TIX-0005-t.md", "TIX-0005", "retitled"),
            numbered("completed", 4),
            Entry::new("pending/notes.md".into(), stamp(4), Err(bad)),
        ];
        let removed = ["pending/TIX-0004-t.md", "completed/TIX-0007-t.md"];
        dirs.insert("pending".into(), Some(stamp(3)));
        let memo = Memo {
            stamp: stamp(5),
            layout: Layout {
                counts: vec![4, 5],
                rows: vec![10..20, 30..40],
                problems: 50,
            },
        };
        let lines = delta(
            &removed,
            &upserts.iter().collect::<Vec<_>>(),
            &dirs,
            Some(&memo),
            &[("TIX", 12)],
        );
        append(&path, &lines).unwrap();

        let mut records: Vec<&Entry> = base
            .iter()
            .filter(|e| !removed.contains(&&*e.rel) && e.rel != "completed/TIX-0005-t.md")
            .chain(&upserts)
            .collect();
        let whole = encode("fp", &mut records, &dirs, Some(&memo), &is_open);
        let ids: Vec<&str> = records.iter().map(|e| &*e.rel).collect();
        assert_eq!(
            ids[..3],
            [
                "pending/notes.md",
                "pending/TIX-0001-t.md",
                "pending/TIX-0002-t.md"
            ]
        );
        assert_eq!(
            ids[ids.len() - 3..],
            [
                "pending/TIX-0010-a,b.md",
                "pending/TIX-0012-t.md",
                "completed/TIX-0020-broken.md"
            ]
        );
        assert!(whole.contains("T\tpending/TIX-0010-a\\cb.md\t"));
        for index in [load(&path, "fp").unwrap(), open(&path, "fp").unwrap()] {
            assert!(index.delta_bytes > 0);
            let mut spooled = Vec::new();
            let head = index.compact_to("fp", &open_at, &mut spooled).unwrap();
            assert_eq!(head + std::str::from_utf8(&spooled).unwrap(), whole);
        }
    }

    /// A damaged base line (a stamp that is none, a field run into the
    /// next) is no record to the merge, which copies lines as they are, as
    /// it is none to a decoding: the merge gives up (and the state reads
    /// the tree).
    #[test]
    fn compacting_gives_up_on_a_damaged_line() {
        let base: Vec<Entry> = (1..=3).map(|i| numbered("pending", i)).collect();
        let mut dirs = Dirs::new();
        dirs.insert("pending".into(), Some(stamp(1)));
        let (_dir, path, text) = written(&base, &dirs, &|_| true);
        let start = text.find("T\tpending/TIX-0002").unwrap();
        let line = &text[start..start + text[start..].find('\n').unwrap()];
        let stamp_at = start + line.match_indices('\t').nth(1).unwrap().0 + 1;
        let last_tab = start + line.rfind('\t').unwrap();
        for (at, by) in [(stamp_at, "g"), (last_tab, " ")] {
            let mut damaged = text.clone();
            damaged.replace_range(at..=at, by);
            fs::write(&path, &damaged).unwrap();
            assert!(load(&path, "fp").unwrap().entries().is_none());
            let index = open_file(&path);
            assert!(
                index
                    .compact_to("fp", &|_, _| true, &mut Vec::new())
                    .is_none()
            );
        }
        fs::write(&path, &text).unwrap();
        assert!(
            open_file(&path)
                .compact_to("fp", &|_, _| true, &mut Vec::new())
                .is_some()
        );
    }

    /// A file among a few, as [`compacting_any_deltas_writes_what_a_whole_write_would`]
    /// picks them: ids of two prefixes, sub-numbered or not, the same id in
    /// two folders, files without an id (keyed by none), paths escaped in
    /// the index, and a file that stops parsing when its title is empty.
    fn pick(n: usize, title: &str) -> Entry {
        let dir = ["pending", "completed"][n % 2];
        match n % 7 {
            6 => Entry::new(
                format!("{dir}/notes-{n}.md").into(),
                stamp(n as i64),
                Err(Malformed {
                    line: None,
                    message: title.into(),
                }),
            ),
            k => {
                let prefix = ["TIX", "BACK"][k % 2];
                let id = match k % 3 {
                    0 => format!("{prefix}-{}", n / 2),
                    _ => format!("{prefix}-{}.{}", n / 4, n % 3),
                };
                let path = format!("{dir}/{id}-{}.md", if k == 5 { "a,b" } else { "x" });
                // An empty title: the file no longer parses (its id is then
                // the one its name starts with).
                if title.is_empty() {
                    let cut = Malformed {
                        line: Some(1),
                        message: "cut short".into(),
                    };
                    return Entry::new(path.into(), stamp(n as i64), Err(cut));
                }
                let mut e = entry(&path, &id, title);
                if let Ok(m) = &mut e.parsed {
                    m.status = n.is_multiple_of(5).then(|| "do,ne".into());
                }
                e
            }
        }
    }

    /// An index of the records `base` picks, then deltas of `changes` (a
    /// record changed or added, with its title, or removed) appended to
    /// it; and the records that leaves, by path. Open: in `pending/`, and
    /// not said to be done.
    #[allow(clippy::type_complexity)]
    fn with_deltas(
        base: &std::collections::BTreeSet<usize>,
        changes: &[(usize, Option<String>)],
    ) -> (
        tempfile::TempDir,
        std::path::PathBuf,
        BTreeMap<String, Entry>,
        Dirs,
    ) {
        let mut now: BTreeMap<String, Entry> = base
            .iter()
            .map(|&n| pick(n, "t"))
            .map(|e| (e.rel.to_string(), e))
            .collect();
        let mut dirs = Dirs::new();
        dirs.insert("pending".into(), Some(stamp(1)));
        let (dir, path, _) = written(&now.values().cloned().collect::<Vec<_>>(), &dirs, &is_open);
        for (n, title) in changes {
            let e = pick(*n, title.as_deref().unwrap_or(""));
            let rel = e.rel.to_string();
            let lines = match title {
                Some(_) => delta(&[], &[&e], &dirs, None, &[]),
                None => delta(&[&rel], &[], &dirs, None, &[]),
            };
            append(&path, &lines).unwrap();
            match title {
                Some(_) => now.insert(rel, e),
                None => now.remove(&rel),
            };
        }
        (dir, path, now, dirs)
    }

    fn open_at(rel: &str, said: Option<&str>) -> bool {
        rel.starts_with("pending/") && said != Some("do,ne")
    }

    fn is_open(e: &Entry) -> bool {
        e.parsed
            .as_ref()
            .is_ok_and(|m| open_at(&e.rel, m.status.as_deref()))
    }

    proptest::proptest! {
        /// Any base and any deltas after it (files changed, added and removed,
        /// the same one again and again): merging them writes what a whole
        /// write of the records they leave writes, the base read in memory
        /// or from the file.
        #[test]
        fn compacting_any_deltas_writes_what_a_whole_write_would(
            base in proptest::collection::btree_set(0usize..40, 0..16),
            changes in proptest::collection::vec((0usize..40, proptest::option::of("[a-z]{0,3}")), 0..24),
        ) {
            let (_dir, path, now, dirs) = with_deltas(&base, &changes);
            let whole = encode("fp", &mut now.values().collect::<Vec<_>>(), &dirs, None, &is_open);
            for index in [load(&path, "fp").unwrap(), open_file(&path)] {
                let mut spooled = Vec::new();
                let head = index.compact_to("fp", &open_at, &mut spooled).unwrap();
                proptest::prop_assert_eq!(head + std::str::from_utf8(&spooled).unwrap(), whole.clone());
            }
        }

        /// After any deltas, the records in id order are those the deltas
        /// leave, sorted by id and path; and every path and stamp comes
        /// once, three records at a time but the last call.
        #[test]
        fn records_by_id_and_stamps_by_chunk_are_those_the_deltas_leave(
            base in proptest::collection::btree_set(0usize..40, 0..16),
            changes in proptest::collection::vec((0usize..40, proptest::option::of("[a-z]{0,3}")), 0..24),
        ) {
            let (_dir, path, now, _) = with_deltas(&base, &changes);
            let mut want: Vec<&Entry> = now.values().collect();
            want.sort_by(|a, b| by_id(a, b));
            let want: Vec<String> = want.iter().map(|e| format!("{} {}", e.rel, e.parsed.as_ref().map_or("", |m| &*m.title))).collect();
            let mut stamps: Vec<(String, u64)> = now.values().map(|e| (e.rel.to_string(), e.stamp.0)).collect();
            stamps.sort();
            for index in [load(&path, "fp").unwrap(), open_file(&path)] {
                let mut got = Vec::new();
                index.each_by_id(&mut |e| {
                    got.push(format!("{} {}", e.rel, e.parsed.as_ref().map_or("", |m| &*m.title)));
                    Some(())
                }).unwrap();
                proptest::prop_assert_eq!(&got, &want);
                let (mut seen, mut sizes) = (Vec::new(), Vec::new());
                index.each_stamps(3, &mut |some| {
                    sizes.push(some.len());
                    seen.extend((0..some.len()).map(|i| (some.rel(i).to_string(), some.stamp(i).0)));
                    Some(())
                }).unwrap();
                seen.sort();
                proptest::prop_assert_eq!(&seen, &stamps);
                // Every call but the last has three.
                proptest::prop_assert!(sizes[..sizes.len() - 1].iter().all(|&n| n == 3), "{:?}", sizes);
            }
        }
    }

    #[test]
    fn lookup_finds_by_binary_search_and_honours_deltas() {
        let entries: Vec<Entry> = (1..=500)
            .rev()
            .map(|i| numbered("pending", i))
            .chain([entry("pending/TIX-0007-dup.md", "TIX-0007", "dup")])
            .collect();
        let base = encode(
            "fp",
            &mut entries.iter().collect::<Vec<_>>(),
            &Dirs::new(),
            None,
            &|_| false,
        );
        let key = |s: &str| IdKey::parse(s).unwrap();
        let idx = parse(&shared(base.clone()), "fp").unwrap();
        assert_eq!(idx.lookup(&key("TIX-0001")).unwrap().len(), 1);
        assert_eq!(idx.lookup(&key("tix-500")).unwrap().len(), 1);
        assert_eq!(idx.lookup(&key("TIX-0007")).unwrap().len(), 2);
        assert!(idx.lookup(&key("TIX-0501")).unwrap().is_empty());
        assert!(idx.lookup(&key("ABC-0001")).unwrap().is_empty());
        assert_eq!(idx.prefixes.get("TIX"), Some(&500));

        let moved = entry("in-progress/TIX-0003-t.md", "TIX-0003", "moved");
        let added = entry("pending/TIX-0600-new.md", "TIX-0600", "new");
        let d = delta(
            &["pending/TIX-0003-t.md", "pending/TIX-0007-dup.md"],
            &[&moved, &added],
            &Dirs::new(),
            None,
            &[("TIX", 600)],
        );
        let idx = parse(&shared(format!("{base}{d}")), "fp").unwrap();
        let hits = idx.lookup(&key("TIX-3")).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].rel, "in-progress/TIX-0003-t.md");
        assert_eq!(idx.lookup(&key("TIX-7")).unwrap().len(), 1);
        assert_eq!(idx.lookup(&key("TIX-600")).unwrap().len(), 1);
        assert_eq!(idx.prefixes.get("TIX"), Some(&600));
        let all = idx.entries().unwrap();
        assert_eq!(all.len(), 501);
        assert!(all.iter().any(|e| e.rel == "in-progress/TIX-0003-t.md"));
        assert!(!all.iter().any(|e| e.rel == "pending/TIX-0003-t.md"));
    }

    #[test]
    fn path_bits_hold_their_paths_and_pass_over_most_others() {
        let paths: Vec<String> = (1..=40)
            .map(|i| format!("pending/TIX-{i:04}-generated-ticket-{i}.md"))
            .chain(["a.md".into(), String::new(), "in-progress/x".into()])
            .collect();
        let bits = PathBits::of(paths.iter().map(String::as_str));
        assert!(paths.iter().all(|p| bits.may_hold(p)));
        // One path's bit: of 10,000 paths of the same shape, about 1 in 256
        // share it.
        let one = PathBits::of(["pending/TIX-0007-generated-ticket-7.md"]);
        let shared = (1..=10_000)
            .filter(|i| one.may_hold(&format!("completed/TIX-{i:05}-generated-ticket-{i}.md")))
            .count();
        assert!(shared < 100, "{shared} of 10,000 share the bit");
    }

    /// The paths a scan stats come in the order of the records decoded
    /// beside it, deltas applied (moved, removed, added, changed twice).
    #[test]
    fn paths_come_in_the_order_of_the_records() {
        let entries: Vec<Entry> = (1..=60)
            .map(|i| {
                entry(
                    &format!("pending/TIX-{i:04}, t.md"),
                    &format!("TIX-{i:04}"),
                    "t",
                )
            })
            .collect();
        let base = encode(
            "fp",
            &mut entries.iter().collect::<Vec<_>>(),
            &Dirs::new(),
            None,
            &|_| false,
        );
        let moved = entry("completed/TIX-0003, t.md", "TIX-0003", "moved");
        let added = entry("pending/TIX-0070-new.md", "TIX-0070", "new");
        let again = entry("pending/TIX-0070-new.md", "TIX-0070", "new, again");
        let first = delta(
            &["pending/TIX-0003, t.md", "pending/TIX-0009, t.md"],
            &[&moved, &added],
            &Dirs::new(),
            None,
            &[],
        );
        let second = delta(
            &["completed/TIX-0003, t.md"],
            &[&again],
            &Dirs::new(),
            None,
            &[],
        );
        for text in [
            base.clone(),
            format!("{base}{first}"),
            format!("{base}{first}{second}"),
        ] {
            let idx = parse(&shared(text), "fp").unwrap();
            let rels: Vec<String> = idx
                .entries()
                .unwrap()
                .iter()
                .map(|e| e.rel.to_string())
                .collect();
            let paths: Vec<String> = idx
                .paths()
                .unwrap()
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(paths, rels);
        }
        let idx = parse(&shared(format!("{base}{first}{second}")), "fp").unwrap();
        let all = idx.entries().unwrap();
        assert_eq!(all.len(), 59);
        assert_eq!(
            all.last()
                .map(|e| e.parsed.as_ref().unwrap().title.to_string()),
            Some("new, again".into())
        );
    }

    /// The open tickets' records, read one by one from the file by the
    /// offsets the header lists, with the deltas applied.
    #[test]
    fn open_records_are_read_by_their_offsets() {
        let entries: Vec<Entry> = (1..=40)
            .map(|i| {
                let dir = if i % 10 == 0 { "pending" } else { "completed" };
                numbered(dir, i)
            })
            .collect();
        let open = |rel: &str, _: Option<&str>| rel.starts_with("pending/");
        let (_dir, path, text) = written(&entries, &Dirs::new(), &|e| open(&e.rel, None));
        let rels = |mut v: Vec<Entry>| {
            v.sort_by(|a, b| a.rel.cmp(&b.rel));
            v.iter().map(|e| e.rel.to_string()).collect::<Vec<_>>()
        };
        let want = [
            "pending/TIX-0010-t.md",
            "pending/TIX-0020-t.md",
            "pending/TIX-0030-t.md",
            "pending/TIX-0040-t.md",
        ];
        let idx = open_file(&path);
        assert_eq!(rels(idx.open_entries(&open).unwrap()), want);
        // The same as looking at every record.
        let mut every = Vec::new();
        parse(&shared(text.clone()), "fp")
            .unwrap()
            .each_entry(&mut |e| {
                if open(&e.rel, None) {
                    every.push(e);
                }
                Some(())
            })
            .unwrap();
        assert_eq!(rels(every), want);
        // A ticket that left the open folders goes, one that came is there.
        let done = entry("completed/TIX-0020-t.md", "TIX-0020", "t");
        let new = entry("pending/TIX-0041-t.md", "TIX-0041", "t");
        append(
            &path,
            &delta(
                &["pending/TIX-0020-t.md"],
                &[&done, &new],
                &Dirs::new(),
                None,
                &[],
            ),
        )
        .unwrap();
        assert_eq!(
            rels(open_file(&path).open_entries(&open).unwrap()),
            [
                "pending/TIX-0010-t.md",
                "pending/TIX-0030-t.md",
                "pending/TIX-0040-t.md",
                "pending/TIX-0041-t.md"
            ]
        );
        // Too many to read one by one: the caller reads them all.
        let many: Vec<Entry> = (1..=MAX_OPEN_READS + 1)
            .map(|i| numbered("pending", i))
            .collect();
        let text = encode(
            "fp",
            &mut many.iter().collect::<Vec<_>>(),
            &Dirs::new(),
            None,
            &|_| true,
        );
        fs::write(&path, &text).unwrap();
        assert!(open_file(&path).open_entries(&open).is_none());
        // Their offsets are not listed: every lookup reads the header, which
        // stays a few lines whatever the number of open tickets.
        let header = &text[..text.find("\nB\t").unwrap()];
        assert!(header.ends_with("\nO\t*"), "{header}");
        assert!(header.len() < 100, "{header}");
    }

    /// A small folder's records are read by their offsets, a big one's only
    /// from the whole base.
    #[test]
    fn a_small_folder_s_records_are_read_by_their_offsets() {
        let entries: Vec<Entry> = (1..=MAX_OPEN_READS + 4)
            .map(|i| {
                let dir = if i <= 3 { "in-progress" } else { "completed" };
                numbered(dir, i)
            })
            .collect();
        let dirs: Dirs = ["in-progress", "completed", "pending"]
            .into_iter()
            .map(|d| (d.to_string(), None))
            .collect();
        let (_dir, path, _) = written(&entries, &dirs, &|_| false);
        let moved = entry("pending/TIX-0002-t.md", "TIX-0002", "t");
        append(
            &path,
            &delta(
                &["in-progress/TIX-0002-t.md"],
                &[&moved],
                &Dirs::new(),
                None,
                &[],
            ),
        )
        .unwrap();
        let idx = open_file(&path);
        let loaded = parse(&shared(fs::read_to_string(&path).unwrap()), "fp").unwrap();
        // Each record's path, stamp and whole record, sorted by path.
        let rows = |s: Stamps<'_>| {
            let mut r: Vec<(String, Stamp, Entry)> = (0..s.len())
                .map(|i| (s.rel(i).to_string(), s.stamp(i), s.entry(i).unwrap()))
                .collect();
            r.sort_by(|a, b| a.0.cmp(&b.0));
            r
        };
        let small = vec!["in-progress".to_string(), "pending".to_string()];
        let got = rows(idx.stamps_in(&small).unwrap());
        assert_eq!(
            got.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
            [
                "in-progress/TIX-0001-t.md",
                "in-progress/TIX-0003-t.md",
                "pending/TIX-0002-t.md"
            ]
        );
        let want = |rel: &str| {
            entries
                .iter()
                .chain([&moved])
                .find(|e| *e.rel == *rel)
                .unwrap()
        };
        for (rel, stamp, e) in &got {
            assert_eq!(*stamp, want(rel).stamp);
            assert_eq!(e.parsed, want(rel).parsed);
            assert_eq!(*e.rel, **rel);
        }
        let text_rows = |dirs: &[String]| {
            rows(loaded.stamps_in(dirs).unwrap())
                .into_iter()
                .map(|(rel, stamp, e)| (rel, stamp, e.parsed))
                .collect::<Vec<_>>()
        };
        let file_rows = |dirs: &[String]| {
            rows(idx.stamps_in(dirs).unwrap())
                .into_iter()
                .map(|(rel, stamp, e)| (rel, stamp, e.parsed))
                .collect::<Vec<_>>()
        };
        assert_eq!(file_rows(&small), text_rows(&small));
        // Too big to read by offsets: the base read through, the same records.
        let big = vec!["completed".to_string(), "in-progress".to_string()];
        assert_eq!(file_rows(&big).len(), MAX_OPEN_READS + 3);
        assert_eq!(file_rows(&big), text_rows(&big));
    }

    /// Every record one at a time, deltas applied: the same records as
    /// `entries` gives, from a loaded index or one read from its file.
    #[test]
    fn each_entry_gives_the_records_entries_gives() {
        let entries: Vec<Entry> = (1..=40).map(|i| numbered("pending", i)).collect();
        let (_dir, path, _) = written(&entries, &Dirs::new(), &|_| false);
        let moved = entry("completed/TIX-0003-t.md", "TIX-0003", "t");
        let new = entry("pending/TIX-0041-t.md", "TIX-0041", "t");
        append(
            &path,
            &delta(
                &["pending/TIX-0003-t.md", "pending/TIX-0007-t.md"],
                &[&moved, &new],
                &Dirs::new(),
                None,
                &[],
            ),
        )
        .unwrap();
        let sorted = |mut v: Vec<(String, Result<Meta, Malformed>)>| {
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        };
        let loaded = load(&path, "fp").unwrap();
        let want = sorted(
            loaded
                .entries()
                .unwrap()
                .into_iter()
                .map(|e| (e.rel.to_string(), e.parsed))
                .collect(),
        );
        assert_eq!(want.len(), 40);
        assert!(want.iter().any(|(r, _)| r == "completed/TIX-0003-t.md"));
        assert!(!want.iter().any(|(r, _)| r == "pending/TIX-0007-t.md"));
        for idx in [loaded, open_file(&path)] {
            let mut got = Vec::new();
            idx.each_entry(&mut |e| {
                got.push((e.rel.to_string(), e.parsed));
                Some(())
            })
            .unwrap();
            assert_eq!(sorted(got), want);
        }
    }

    /// Reading the base a piece at a time gives each line and where it
    /// starts, whatever the piece's size (smaller than a line too), and
    /// refuses a base that does not end with a newline.
    #[test]
    fn the_base_is_read_a_piece_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let text = "head\nT\tone\nT\ttwo, a longer line than the others\n\nT\tthree\nlast";
        fs::write(&path, text).unwrap();
        let lines = FileLines::open(&path).unwrap();
        let base = 5..text.len() - 4;
        let want: Vec<(String, usize)> = crate::text::lines(&text[base.clone()])
            .map(|l| (l.to_string(), l.as_ptr() as usize - text.as_ptr() as usize))
            .collect();
        assert_eq!(want.len(), 4);
        for piece in [1, 2, 7, 16, 4096] {
            let mut got = Vec::new();
            lines
                .each_line_by(base.clone(), piece, &mut |l, at| {
                    got.push((l.to_string(), at));
                    Some(())
                })
                .unwrap();
            assert_eq!(got, want, "pieces of {piece}");
        }
        assert!(
            lines
                .each_line_by(5..text.len(), 7, &mut |_, _| Some(()))
                .is_none(),
            "no newline at the end"
        );
        let mut n = 0;
        assert!(
            lines
                .each_line_by(base, 7, &mut |_, _| {
                    n += 1;
                    (n < 2).then_some(())
                })
                .is_none(),
            "stopped by its caller"
        );
        assert_eq!(n, 2);
    }

    /// An abandoned index's walks of its records stop at once, with
    /// `None`, in memory and from the file alike; taken up again, they
    /// give every record.
    #[test]
    fn an_abandoned_walk_stops() {
        let entries: Vec<Entry> = (1..=3)
            .map(|i| entry(&format!("pending/TIX-{i}.md"), &format!("TIX-{i}"), "t"))
            .collect();
        let dirs: Dirs = [("pending".to_string(), Some(stamp(1)))].into();
        let (_dir, path, _) = written(&entries, &dirs, &|_| false);
        for index in [load(&path, "fp").unwrap(), open_file(&path)] {
            let count = |index: &Index| {
                let (mut n, mut m) = (0, 0);
                let all = index.each_entry(&mut |_| {
                    n += 1;
                    Some(())
                });
                let in_order = index.each_in_order(&mut |_| {
                    m += 1;
                    Some(())
                });
                (all.map(|()| n), in_order.map(|()| m))
            };
            index.abandon(true);
            assert_eq!(count(&index), (None, None));
            index.abandon(false);
            assert_eq!(count(&index), (Some(3), Some(3)));
        }
    }

    fn open_file(path: &Path) -> Index {
        open(path, "fp").unwrap()
    }
}
