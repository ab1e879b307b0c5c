//! The words the rest of tix shares about tickets, apart from how the tree
//! stores them: a ticket with its effective status, and a problem that
//! `sync --check` and `doctor` report (a kind from a closed list, the file
//! and line, a message for people). The registry renders them; it does not
//! depend on the tree.

use crate::config::Kind;
use crate::ticket::{IdKey, Meta};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;

/// A map keyed by our own paths and ids, which need no protection against
/// hash flooding: foldhash's fast hasher with a fixed seed, so that a run
/// is the same as the last.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// A ticket that parsed, with its effective status.
#[derive(Debug, Clone, Copy)]
pub struct Ticket<'a> {
    pub key: &'a IdKey,
    pub rel: &'a str,
    pub meta: &'a Meta,
    /// The frontmatter's status, else the folder's.
    pub status: &'a str,
    /// That status's kind.
    pub kind: Kind,
}

/// Something `sync --check` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// Relative to the root, `/`-separated.
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

/// The kinds of problem, each with the name the output and `--json` give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// A ticket file that does not parse (or breaks a rule of the format).
    Malformed,
    /// A ticket whose status belongs in another folder.
    Misplaced,
    /// Two or more files with one id.
    DuplicateId,
    /// An open ticket that depends on an id no ticket has.
    MissingDependency,
    /// Open tickets that depend on each other in a cycle.
    DependencyCycle,
    /// A folder tix does not read that holds files declaring ids.
    UnreadFolder,
    /// A change interrupted before it finished (the journal is not empty).
    UnfinishedChange,
    /// The lock file names a process that died while holding it.
    StaleLock,
    /// A temp file an interrupted write left.
    TempFile,
    /// `.tix/runs.json` is not a file tix wrote.
    RunsUnreadable,
    /// `.tix/index` disagrees with the files or cannot be read.
    IndexStale,
    /// `TICKET_REGISTRY.md` does not match the tickets.
    RegistryStale,
    /// `TICKET_REGISTRY.md` is missing.
    RegistryMissing,
    /// A repair of `doctor --fix` failed.
    RepairFailed,
}

impl ProblemKind {
    pub const ALL: [ProblemKind; 14] = [
        ProblemKind::Malformed,
        ProblemKind::Misplaced,
        ProblemKind::DuplicateId,
        ProblemKind::MissingDependency,
        ProblemKind::DependencyCycle,
        ProblemKind::UnreadFolder,
        ProblemKind::UnfinishedChange,
        ProblemKind::StaleLock,
        ProblemKind::TempFile,
        ProblemKind::RunsUnreadable,
        ProblemKind::IndexStale,
        ProblemKind::RegistryStale,
        ProblemKind::RegistryMissing,
        ProblemKind::RepairFailed,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Malformed => "malformed",
            ProblemKind::Misplaced => "misplaced",
            ProblemKind::DuplicateId => "duplicate_id",
            ProblemKind::MissingDependency => "missing_dependency",
            ProblemKind::DependencyCycle => "dependency_cycle",
            ProblemKind::UnreadFolder => "unread_folder",
            ProblemKind::UnfinishedChange => "unfinished_change",
            ProblemKind::StaleLock => "stale_lock",
            ProblemKind::TempFile => "temp_file",
            ProblemKind::RunsUnreadable => "runs_unreadable",
            ProblemKind::IndexStale => "index_stale",
            ProblemKind::RegistryStale => "registry_stale",
            ProblemKind::RegistryMissing => "registry_missing",
            ProblemKind::RepairFailed => "repair_failed",
        }
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// By name, as the output has always sorted them.
impl Ord for ProblemKind {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for ProblemKind {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_own_name_and_the_readme_explains_it() {
        let readme = include_str!("../README.md");
        let mut names: Vec<&str> = ProblemKind::ALL.iter().map(|k| k.as_str()).collect();
        for name in &names {
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{name}"
            );
            assert!(readme.contains(&format!("`{name}`")), "README lacks {name}");
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ProblemKind::ALL.len());
        let mut sorted = ProblemKind::ALL;
        sorted.sort();
        assert_eq!(
            sorted.map(super::ProblemKind::as_str).to_vec(),
            names,
            "ordered by name"
        );
    }
}
