//! What is wrong with the tree, as `sync --check`, `doctor` and the
//! registry's problems section report it.

use super::ready::{Ids, Keys, Waits};
use super::{
    Below, Entry, FastMap, Problem, ProblemKind, REGISTRY, STATE_DIR, Snapshot, Ticket, Tree, fsx,
    scan,
};
use crate::deps::{self, Stuck};
use crate::ticket::IdKey;
use anyhow::Result;

impl Tree {
    /// How many files look like tickets but are not among `tickets`, which
    /// is [`Tree::tickets`] of `snap` (they do not parse): what a read
    /// command leaves out. Counted from the two lengths: every entry but
    /// those is a ticket (at 10,000 tickets, making each ticket again to
    /// count them was 4% of `status`'s instructions).
    #[must_use]
    pub fn unreadable(snap: &Snapshot, tickets: &[Ticket<'_>]) -> usize {
        debug_assert!(
            tickets.len() <= snap.entries.len(),
            "not this snapshot's tickets"
        );
        snap.entries.len().saturating_sub(tickets.len())
    }

    /// Folders of the root that hold tickets but that tix does not read (a
    /// status folder renamed by hand, one `tix.yaml` does not name): their
    /// tickets would be missing without a word. Such a folder may be anything
    /// (`src/`, `node_modules/` when the root is a project's own folder), so
    /// only a file that [declares an id](crate::ticket::declares_id) counts,
    /// and only the head of a file whose name does not is read; in a root
    /// that is itself a ticket folder (`ticket_dirs: [.]`), the project's
    /// folders are looked at one level deep.
    #[must_use]
    pub fn unread_folders(&self) -> Vec<Problem> {
        let read: Vec<&str> = self.folders().collect();
        let mut out = Vec::new();
        for name in scan::sub_folders(&self.root, true) {
            if read.contains(&name.as_str()) {
                continue;
            }
            let below = if self.is_flat("") {
                Below::Nothing
            } else {
                Below::by_name(&name)
            };
            let mut n = 0;
            scan::each_markdown_file(&self.root.join(&name), below, &mut |file, path| {
                if crate::ticket::declares_id(file, &fsx::read_head(path, 4096)) {
                    n += 1;
                }
            });
            if n > 0 {
                out.push(Problem {
                    kind: ProblemKind::UnreadFolder,
                    path: format!("{name}/"),
                    line: None,
                    message: format!(
                        "{} in a folder tix does not read (name it in tix.yaml: a status's dir, or ticket_dirs)",
                        crate::text::count(n, "ticket")
                    ),
                });
            }
        }
        out
    }

    /// What `sync --check` reports, apart from the registry.
    #[must_use]
    pub fn problems(&self, snap: &Snapshot) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut first: FastMap<&IdKey, usize> = FastMap::default();
        first.reserve(snap.entries.len());
        let mut dup_groups: FastMap<&IdKey, Vec<&Entry>> = FastMap::default();
        for (i, e) in snap.entries.iter().enumerate() {
            // Two files with one id, even when one cannot be read.
            if let Some(k) = &e.key {
                match first.get(k) {
                    Some(&j) => dup_groups
                        .entry(k)
                        .or_insert_with(|| vec![&snap.entries[j]])
                        .push(e),
                    None => {
                        first.insert(k, i);
                    }
                }
            }
            out.extend(self.entry_problem(e));
        }
        for group in dup_groups.into_values() {
            duplicate_problems(&group, &mut out);
        }
        sort(&mut out);
        out
    }

    /// The problems of the ids on two files or more that a walk of
    /// `index`'s records found (`twice`, see [`on_two`]), as
    /// [`Tree::problems`] gives them: each id's files looked up in `index`
    /// (the walk held none of them). The walk's `waits` (with its keys), if
    /// given, are settled for each id: its node made that of its first
    /// ticket by path ([`Waits::settle`]). `None`: a lookup failed.
    pub(super) fn duplicates_by_index(
        &self,
        index: &super::index::Index,
        twice: &[IdKey],
        mut waits: Option<(&mut Waits, &Keys)>,
    ) -> Option<Vec<Problem>> {
        let mut out = Vec::new();
        for key in twice {
            let group = index.lookup(key)?;
            if let Some((waits, keys)) = &mut waits
                && let Some(first) = self.first_ticket(&group)
            {
                waits.settle(key, &first, keys);
            }
            duplicate_problems(&group.iter().collect::<Vec<_>>(), &mut out);
        }
        Some(out)
    }

    /// Of the records of an id on two files or more (`group`), the first
    /// ticket by path: the one the id stands for where a dependency on it
    /// is weighed (whether it is closed, what it waits for), whatever order
    /// the files are met in, as [`crate::deps::stuck`] and
    /// [`crate::registry::ready_first`] take it.
    pub(super) fn first_ticket<'e>(
        &'e self,
        group: impl IntoIterator<Item = &'e Entry>,
    ) -> Option<Ticket<'e>> {
        group
            .into_iter()
            .filter_map(|e| self.ticket_of(e))
            .min_by(|a, b| a.rel.cmp(b.rel))
    }

    /// A file's own problem, as [`Tree::problems`] finds it: it does not
    /// parse, or it is not in the folder of its status.
    pub(super) fn entry_problem(&self, e: &Entry) -> Option<Problem> {
        match &e.parsed {
            Err(m) => Some(Problem {
                kind: ProblemKind::Malformed,
                path: e.rel.to_string(),
                line: m.line,
                message: m.message.clone(),
            }),
            Ok(meta) => {
                let status = meta.status.as_deref().unwrap_or_default();
                self.wanted_dir(status, e.dir()).map(|want| Problem {
                    kind: ProblemKind::Misplaced,
                    path: e.rel.to_string(),
                    line: None,
                    message: format!(
                        "status is {status} but the file is in {}/ (tix sync moves it to {want}/)",
                        e.dir(),
                    ),
                })
            }
        }
    }

    /// Open tickets that wait for ever: on an id no ticket has, or on each
    /// other in a cycle (see [`crate::deps`]). Reported by `sync --check`
    /// and `doctor`, not in the registry: they depend on other tickets, so
    /// a change to one ticket can make or settle one elsewhere.
    #[must_use]
    pub fn dependency_problems(&self, snap: &Snapshot) -> Vec<Problem> {
        Self::stuck_problems(&self.tickets(snap))
    }

    /// [`Tree::dependency_problems`] of these tickets, in the order of
    /// their paths (as [`Tree::problems`]'s), not of the tickets (their
    /// folders' listing, or their ids in the index).
    fn stuck_problems(tickets: &[Ticket<'_>]) -> Vec<Problem> {
        let mut out: Vec<Problem> = deps::stuck(tickets)
            .into_iter()
            .map(|(i, s)| stuck_problem(tickets[i].rel, s))
            .collect();
        sort(&mut out);
        out
    }

    /// The temp files killed runs left: `temps` (those a scan found in the
    /// folders it listed), and in the root and `.tix/` those whose maker no
    /// longer runs.
    #[must_use]
    pub fn leftover_temps(&self, temps: &[String]) -> Vec<String> {
        let mut out = temps.to_vec();
        if !self.is_flat("") {
            out.extend(fsx::sweep_temps(&self.root, true, false));
        }
        out.extend(
            fsx::sweep_temps(&self.state_dir(), true, false)
                .into_iter()
                .map(|name| format!("{STATE_DIR}/{name}")),
        );
        out.sort();
        out
    }

    /// Everything `sync --check` reports: the tickets' problems, a stale or
    /// missing registry, leftover temp files, an unfinished change.
    /// With `remember`, a registry found fresh is noted in the index.
    pub fn all_problems(&self, snap: &Snapshot, remember: bool) -> Result<Vec<Problem>> {
        self.all_problems_of(snap, &self.tickets(snap), remember)
    }

    /// [`Tree::all_problems`], given [`Tree::tickets`] of `snap` (which a
    /// caller that has them need not have made twice).
    pub fn all_problems_of(
        &self,
        snap: &Snapshot,
        tickets: &[Ticket<'_>],
        remember: bool,
    ) -> Result<Vec<Problem>> {
        // The registry's check renders it when it changed (every ticket's
        // row), and the dependencies are a graph walk: each beside the rest,
        // on another core, all three over the same tickets. The registry's
        // own list of problems, its last section, is the one found here.
        let (given, found) = std::sync::mpsc::channel();
        let (mut problems, fresh) = std::thread::scope(|s| {
            let fresh = s.spawn(|| {
                let problems = move || found.recv().unwrap_or_else(|_| self.problems(snap));
                self.registry_fresh_of(snap, Some(tickets), Some(Box::new(problems)), remember)
            });
            let stuck = s.spawn(|| Self::stuck_problems(tickets));
            // Dropped here, should this thread fail: the render then finds
            // the problems itself instead of waiting for them.
            let given = given;
            let mut problems = self.problems(snap);
            // Not wanted when the registry is known fresh without rendering.
            let _ = given.send(problems.clone());
            problems.extend(super::joined(stuck));
            (problems, super::joined(fresh))
        });
        problems.extend(self.tree_problems(fresh?, &snap.temps));
        Ok(problems)
    }

    /// The problems of the tree around its tickets: folders tix does not
    /// read, the registry (`fresh` as [`Tree::registry_fresh`] says), temp
    /// files (`temps`: those a scan found in the status folders), an
    /// unfinished change.
    #[must_use]
    pub fn tree_problems(&self, fresh: Option<bool>, temps: &[String]) -> Vec<Problem> {
        let mut problems = self.unread_folders();
        let problem = |kind, message: &str| Problem {
            kind,
            path: REGISTRY.into(),
            line: None,
            message: message.into(),
        };
        match fresh {
            Some(true) => {}
            Some(false) => problems.push(problem(
                ProblemKind::RegistryStale,
                "does not match the tickets (run `tix sync`)",
            )),
            None => problems.push(problem(
                ProblemKind::RegistryMissing,
                "is missing (run `tix sync`)",
            )),
        }
        problems.extend(self.leftover_temps(temps).into_iter().map(|rel| {
            Problem {
                kind: ProblemKind::TempFile,
                path: rel,
                line: None,
                message:
                    "left by an interrupted write; the next tix command that can write removes it"
                        .into(),
            }
        }));
        if self.has_journal() {
            problems.push(Problem {
                kind: ProblemKind::UnfinishedChange,
                path: format!("{STATE_DIR}/journal.json"),
                line: None,
                message: "a change was interrupted; the next tix command that writes finishes or rolls it back".into(),
            });
        }
        problems
    }
}

/// The problem of the ticket at `rel` that waits for ever.
pub(super) fn stuck_problem(rel: &str, stuck: Stuck<'_>) -> Problem {
    match stuck {
        Stuck::Missing { ids } => Problem {
            kind: ProblemKind::MissingDependency,
            path: rel.to_string(),
            line: None,
            message: format!(
                "depends on {}, which no ticket has: it can never become ready",
                ids.join(", ")
            ),
        },
        Stuck::Cycle { cycle, size } => Problem {
            kind: ProblemKind::DependencyCycle,
            path: rel.to_string(),
            line: None,
            message: if size <= deps::MAX_SHOWN {
                format!(
                    "depends on itself: {} (each waits for the next)",
                    cycle.join(" → ")
                )
            } else {
                format!(
                    "depends on itself through a knot of {size} tickets ({}, …)",
                    cycle.join(", ")
                )
            },
        },
    }
}

/// One problem for each file of an id on two files or more (`group`),
/// each naming them all.
fn duplicate_problems(group: &[&Entry], out: &mut Vec<Problem>) {
    let mut paths: Vec<&str> = group.iter().map(|e| &*e.rel).collect();
    paths.sort_unstable();
    for e in group {
        out.push(Problem {
            kind: ProblemKind::DuplicateId,
            path: e.rel.to_string(),
            line: None,
            message: format!(
                "id {} is used by {} files: {}",
                e.parsed.as_ref().map_or_else(
                    |_| {
                        let name = e.file_name();
                        IdKey::file_name_parts(name)
                            .map(|(_, rest)| name[..name.len() - rest.len()].to_string())
                            .unwrap_or_default()
                    },
                    |m| m.id.to_string()
                ),
                group.len(),
                paths.join(", ")
            ),
        });
    }
}

/// The ids on two files or more among those a walk of the records saw:
/// `twice` (a ticket's id met again), and each id of a file that is no
/// ticket (`others`) that a ticket (`ids`) or another such file has. Each
/// once, in order.
pub(super) fn on_two(
    mut twice: Vec<IdKey>,
    others: &[IdKey],
    ids: &Ids<bool>,
    keys: &Keys,
) -> Vec<IdKey> {
    let mut seen: FastMap<&IdKey, ()> = FastMap::default();
    for k in others {
        if ids.get(k, keys).is_some() || seen.insert(k, ()).is_some() {
            twice.push(k.clone());
        }
    }
    twice.sort_unstable();
    twice.dedup();
    twice
}

/// Problems in the order they are reported: by path, then kind.
pub(super) fn sort(problems: &mut [Problem]) {
    problems.sort_by(|a, b| a.path.cmp(&b.path).then(a.kind.cmp(&b.kind)));
}
