//! The tree's files as tix records them: a ticket file's record ([`Entry`])
//! and stamp, the whole tree at one moment ([`Snapshot`]) and one change
//! of one file ([`Change`]).

use super::{index, journal::Event};
use crate::ticket::{IdKey, Malformed, Meta, Text};
use std::fs;
use std::os::unix::fs::MetadataExt;

/// What identifies a version of a file without reading it: a 64-bit mix of
/// its size, mtime, ctime and inode. Only ever compared for equality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Stamp(pub u64);

impl Stamp {
    #[must_use]
    pub fn new(size: u64, mtime: (i64, i64), ctime: (i64, i64), ino: u64) -> Stamp {
        // splitmix64 over the fields: any change moves every bit.
        let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
        for v in [
            size,
            mtime.0 as u64,
            mtime.1 as u64,
            ctime.0 as u64,
            ctime.1 as u64,
            ino,
        ] {
            h ^= v;
            h = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = h;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            h = z ^ (z >> 31);
        }
        Stamp(h)
    }

    #[must_use]
    pub fn of(m: &fs::Metadata) -> Stamp {
        Stamp::new(
            m.len(),
            (m.mtime(), m.mtime_nsec()),
            (m.ctime(), m.ctime_nsec()),
            m.ino(),
        )
    }
}

/// One ticket file (or a `.md` file in a status folder that should be one).
#[derive(Debug, Clone)]
pub struct Entry {
    /// Path relative to the root, `/`-separated: `pending/TIX-0007-fix.md`.
    pub rel: Text,
    pub stamp: Stamp,
    pub parsed: Result<Meta, Malformed>,
    /// The id, from the frontmatter, else from the file name (parsed once).
    pub key: Option<IdKey>,
}

impl Entry {
    #[must_use]
    #[inline]
    pub fn new(rel: Text, stamp: Stamp, parsed: Result<Meta, Malformed>) -> Entry {
        let parsed = parsed.map(|m| {
            let key = IdKey::parse_text(&m.id);
            (m, key)
        });
        Entry::keyed(rel, stamp, parsed)
    }

    /// [`Entry::new`] of a ticket whose id's key was made with it (see
    /// `Tree::parse_keyed`).
    #[must_use]
    #[inline]
    pub fn keyed(
        rel: Text,
        stamp: Stamp,
        parsed: Result<(Meta, Option<IdKey>), Malformed>,
    ) -> Entry {
        let (parsed, key) = match parsed {
            Ok((m, key)) => (Ok(m), key),
            Err(e) => (Err(e), IdKey::from_file_name(file_name(&rel))),
        };
        Entry {
            rel,
            stamp,
            parsed,
            key,
        }
    }

    /// The folder of the root it is in (see [`top_dir`]).
    #[must_use]
    pub fn dir(&self) -> &str {
        top_dir(&self.rel)
    }

    #[must_use]
    pub fn file_name(&self) -> &str {
        file_name(&self.rel)
    }

    /// For a file that parsed, the status it says (`Some(None)`: none).
    #[must_use]
    pub fn said(&self) -> Option<Option<&str>> {
        self.parsed.as_ref().ok().map(|m| m.status.as_deref())
    }
}

/// The last part of a `/`-separated path.
#[must_use]
pub fn file_name(rel: &str) -> &str {
    last_slash(rel).map_or(rel, |i| &rel[i + 1..])
}

/// The folder a file at `rel` is in (`completed/s1` for
/// `completed/s1/T.md`); `""` for a file in the root itself.
#[must_use]
pub fn parent_dir(rel: &str) -> &str {
    last_slash(rel).map_or("", |i| &rel[..i])
}

/// Where the last `/` is. Asked of every path of a read (each file's
/// folder and name): `memchr`'s backward search, where std's search for a
/// `char` from the end took about 550 instructions a path.
fn last_slash(rel: &str) -> Option<usize> {
    memchr::memrchr(b'/', rel.as_bytes())
}

/// The folder of the root a ticket at `rel` is in (`completed` for
/// `completed/s1/T.md`); `""` for a ticket in the root itself.
#[must_use]
pub fn top_dir(rel: &str) -> &str {
    // Asked of every entry several times a read: the folder's name is a few
    // bytes, found sooner eight at a time than by a search set up for a
    // long text.
    match crate::text::find_byte(rel.as_bytes(), 0, b'/') {
        // At a `/`: a character boundary.
        i if i < rel.len() => &rel[..i],
        _ => "",
    }
}

/// The path of the file `name` in the folder `dir` (`""`: the root).
#[must_use]
pub fn join_rel(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        return name.to_string();
    }
    // Made for every file a scan reads: three copies into one allocation,
    // not the formatting machinery (a thousand instructions a path).
    let mut rel = String::with_capacity(dir.len() + 1 + name.len());
    rel.push_str(dir);
    rel.push('/');
    rel.push_str(name);
    rel
}

/// Every ticket file of the tree at one moment, in no particular order
/// (everything shown to a user is sorted where it is shown).
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub entries: Vec<Entry>,
    /// The registry as tix last wrote or verified it for exactly these
    /// entries (from the index; `None` when anything changed since).
    pub memo: Option<index::Memo>,
    /// Each status folder's stamp, taken before it was listed.
    pub dirs: index::Dirs,
    /// Temp files of tix (`.tix-tmp-*`) in the folders the scan listed, that
    /// it did not remove.
    pub temps: Vec<String>,
}

impl Snapshot {
    /// Lets go of the snapshot without freeing it, for a command that exits
    /// once it has answered: the kernel takes its memory back whole when
    /// the process ends, where freeing each record took 15 ms of `status`
    /// at 100,000 tickets. Never for a command that goes on (`status
    /// --watch`, `serve`).
    pub fn leave(self) {
        std::mem::forget(self);
    }
}

/// A change of one ticket file: write `content` at `dst`, remove `src` if it differs.
#[derive(Debug, Clone)]
pub struct Change {
    pub src: Option<String>,
    pub dst: String,
    pub content: String,
    pub event: Event,
    /// `fsx::fingerprint` of the source bytes the change was made from: if
    /// the file no longer has them (someone saved it meanwhile), the change
    /// is refused rather than written over their edit.
    pub base: Option<String>,
    /// The source's entry as the state found it (its registry row, which a
    /// quick commit patches); `None`: the registry is rendered whole.
    pub replaces: Option<Entry>,
}

impl Entry {
    /// Whether this record is stale for `now`, what the same file reads as
    /// now: it says something else, or has another stamp while the file
    /// parses (a file that did not parse and still does not, the same way,
    /// is no staleness). What `doctor` calls an index that is stale.
    #[must_use]
    pub fn stale_for(&self, now: &Entry) -> bool {
        self.parsed != now.parsed || (self.stamp != now.stamp && now.parsed.is_ok())
    }
}

impl Change {
    /// The move of a ticket file from `src` to `dst` as it is (its text
    /// `content`): what `tix sync` and `doctor --fix` make of a ticket in
    /// the wrong folder (see [`Tree::refile_to`]).
    #[must_use]
    pub fn moving(src: String, dst: String, content: String, event: Event) -> Change {
        Change {
            src: Some(src),
            dst,
            base: Some(super::fsx::fingerprint(content.as_bytes())),
            replaces: None,
            content,
            event,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parts of a path as the scans and the checks ask for them.
    #[test]
    fn a_path_s_parts() {
        for (rel, top, parent, name) in [
            ("completed/s1/T.md", "completed", "completed/s1", "T.md"),
            ("pending/TIX-0001.md", "pending", "pending", "TIX-0001.md"),
            ("in-progress/T.md", "in-progress", "in-progress", "T.md"),
            (
                "a-long-folder-name/s/x.md",
                "a-long-folder-name",
                "a-long-folder-name/s",
                "x.md",
            ),
            ("T.md", "", "", "T.md"),
            ("étapes/ü.md", "étapes", "étapes", "ü.md"),
            ("dir/", "dir", "dir", ""),
            ("/x.md", "", "", "x.md"),
            ("", "", "", ""),
        ] {
            assert_eq!(top_dir(rel), top, "{rel}");
            assert_eq!(parent_dir(rel), parent, "{rel}");
            assert_eq!(file_name(rel), name, "{rel}");
        }
        assert_eq!(join_rel("", "T.md"), "T.md");
        assert_eq!(join_rel("completed/s1", "T.md"), "completed/s1/T.md");
    }
}
