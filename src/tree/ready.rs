//! What the reads that look at every ticket but hold few need (the best
//! ready one for `tix next`; those in progress and the first ready ones for
//! a session's start; the dashboard; every ticket in id order for `list`),
//! from the index read a record at a time, holding only what can still be
//! shown or counted.

use super::{Entry, Tree};
use crate::config::Kind;
use crate::deps::{Stuck, Waiter};
use crate::model::FastMap;
use crate::registry::{Primary, all_closed, key_of, may_be_ready, ready_order};
use crate::ticket::{IdKey, Text};

impl Tree {
    /// The best ready ticket, as [`crate::registry::ready_first`] finds it
    /// among every ticket, and how many files could not be read: from the
    /// index when it is exactly the tree ([`Tree::exact_index`]; a large tree
    /// without one gets one, see [`Tree::trusted_or_streamed`]), its records read
    /// one at a time beside the check (`Ready` says what is held; at
    /// 100,000 tickets the full view held every record, 68 MiB). `None`:
    /// the index is not exactly the tree, or a record does not parse or is
    /// not found again (see `Ready::finish`).
    #[must_use]
    pub fn best_ready_by_index(&self) -> Option<(Option<Entry>, usize)> {
        self.retried(|| self.best_ready_once())
    }

    /// [`Tree::best_ready_by_index`], tried once.
    fn best_ready_once(&self) -> Option<(Option<Entry>, usize)> {
        self.by_exact(&self.trusted_or_streamed()?, |index| {
            let mut ready = Ready::new(1);
            let mut unreadable = 0;
            index.each_entry(&mut |e| {
                let Some(t) = self.ticket_of(&e) else {
                    unreadable += 1;
                    return Some(());
                };
                if let Some(place) = ready.see(&self.config, &t) {
                    ready.keep(place, e);
                }
                Some(())
            })?;
            let (mut first, _) = ready.finish(self, index)?;
            Some((first.pop(), unreadable))
        })
    }
}

/// What a session starts with (see `hook::context`): the tickets in
/// progress, and the first ready ones with how many are ready in all.
pub struct Open {
    /// The first tickets in progress, in [`crate::registry::sort_by_kind`]'s
    /// order.
    pub in_progress: Listed,
    /// The first ready tickets, in [`ready_order`].
    pub ready: Listed,
}

impl Tree {
    /// The tickets in progress and the first `n` ready ones (as
    /// [`crate::registry::ready`] lists them), with how many are ready, from
    /// the index when every folder is as it recorded, or a large index
    /// brought up to date for those that changed (what a transition
    /// trusts: no stat of every file; a tree without one gets one, see
    /// [`Tree::trusted_or_streamed`]), its records read one at a time. Held: the
    /// first `n` tickets in progress, and what `Ready` holds. At 100,000
    /// tickets what it replaces held the open tickets' records and the
    /// whole index. `None`: the index cannot be had so, or a record does
    /// not parse or is not found again (see `Ready::finish`).
    #[must_use]
    pub fn open_by_index(&self, n: usize) -> Option<Open> {
        let index = self.trusted_or_streamed()?;
        let mut ready = Ready::new(n);
        let mut in_progress: Firsts<Shown, Entry> = Firsts::new(n);
        index.each_entry(&mut |e| {
            let Some(t) = self.ticket_of(&e) else {
                return Some(());
            };
            if let Some(place) = ready.see(&self.config, &t) {
                ready.keep(place, e);
            } else if t.kind == Kind::InProgress && in_progress.admits(|cut| cut.after(&t)) {
                in_progress.push(Shown::of(&t, &mut ready.keys), e);
            }
            Some(())
        })?;
        Some(Open {
            in_progress: in_progress.finish().into(),
            ready: ready.finish(self, &index)?.into(),
        })
    }
}

/// From how long an index's records on (in bytes: about 20,000 tickets)
/// the reads of every ticket (`status`, `list`) go by the index a record at
/// a time instead of holding every one: below, the full view is faster and
/// holds under 20 MiB.
pub const BY_INDEX_FROM: usize = 4 << 20;

/// How many bytes of the index a ticket's record is taken to be when a
/// tree without an index is read into one (see
/// [`Tree::index_or_streamed`]): more than the benchmark's 207, as real
/// tickets' titles and fields are longer, so that a tree of 10,922 files
/// or more is (below, the full view is faster and holds little). A tree
/// whose records turn out shorter than that reads its files twice on its
/// first read, once into the index and once for the full view.
pub const RECORD_GUESS: usize = 384;

impl Tree {
    /// The index, when its records are `from` bytes or more, brought up to
    /// date for the folders that changed ([`Tree::current`]: in memory, or
    /// past 512 changed files written again; none when it cannot be: the
    /// full view's). A tree without one (a
    /// fresh clone), or with one made for other folders, gets one written
    /// from a read of every file a record at a time
    /// ([`Tree::index_or_streamed`]), where the full view held every record
    /// to write it.
    pub(super) fn large_index(&self, from: usize) -> Option<super::index::Index> {
        let index = self.index_or_streamed(from)?;
        // A smaller index is not brought up to date for nothing.
        (index.base_bytes() >= from)
            .then(|| self.current(index, false))
            .flatten()
    }

    /// The index as it is opened ([`Tree::open_index`]), or, for a tree
    /// without one that has about `from` bytes of records or more (a ticket
    /// file for every [`RECORD_GUESS`] bytes, counted in its folders), one
    /// written from a read of every file, a record at a time
    /// ([`Tree::stream_index`]). A read that goes by the index calls it
    /// first: the full view would hold every record to write one. A
    /// smaller tree's full view holds little, and is faster.
    #[must_use]
    pub(super) fn index_or_streamed(&self, from: usize) -> Option<super::index::Index> {
        match self.open_index() {
            Some(index) => Some(index),
            None if self.has_files(from / RECORD_GUESS) => Some(self.stream_index(false).ok()??.0),
            None => None,
        }
    }

    /// Whether the ticket folders hold `n` ticket files or more (their
    /// names counted, not read; folders below them not looked at).
    pub(super) fn has_files(&self, n: usize) -> bool {
        let mut seen = 0;
        n == 0
            || self.folders().any(|dir| {
                let Ok(listed) = std::fs::read_dir(self.path(dir)) else {
                    return false;
                };
                for e in listed.flatten() {
                    if e.file_name()
                        .to_str()
                        .is_some_and(super::scan::is_ticket_name)
                    {
                        seen += 1;
                        if seen >= n {
                            return true;
                        }
                    }
                }
                false
            })
    }

    /// The index, trusted ([`Tree::trusted_index`]) or, from
    /// [`BY_INDEX_FROM`] bytes of records on, brought up to date for the
    /// folders that changed ([`Tree::current`]: in memory, or written
    /// again; below, the full view is faster); or a large tree's written anew when it has none
    /// (see [`Tree::index_or_streamed`]): what the reads that go by the
    /// index whatever its size open it by.
    pub(super) fn trusted_or_streamed(&self) -> Option<super::index::Index> {
        let index = self.index_or_streamed(BY_INDEX_FROM)?;
        if index.base_bytes() >= BY_INDEX_FROM {
            self.current(index, false)
        } else {
            // A smaller one is not brought up to date for files edited in
            // place either: a second try is the full view's at once.
            (self.folders_match(&index) && !self.edited_noted()).then_some(index)
        }
    }

    /// Settles whether each id on two files or more (`twice`, as a walk met
    /// them again) is closed in `closed`: as the first of its tickets by
    /// path is ([`Tree::first_ticket`]), their records looked up in
    /// `index`; the walk kept the first it met. `None`: a lookup failed.
    fn settle_closed<K: std::borrow::Borrow<IdKey>>(
        &self,
        index: &super::index::Index,
        twice: &[K],
        closed: &mut Ids<bool>,
        keys: &mut Keys,
    ) -> Option<()> {
        for k in twice {
            let group = index.lookup(k.borrow())?;
            if let Some(first) = self.first_ticket(&group) {
                closed.set(k.borrow(), first.kind.is_closed(), keys);
            }
        }
        Some(())
    }

    /// The ready tickets ([`crate::registry::ready`]), in the order of their
    /// ids (and paths), given to `f` one at a time from the index as
    /// [`Tree::tickets_by_index`] gives every ticket: the records read once
    /// beside the check, for every id and whether its ticket is closed (held
    /// as `Ready` holds them; an id on two files as its first ticket by
    /// path, see [`Tree::first_ticket`]), then again after it for the ready
    /// ones. `None` as there.
    pub fn ready_by_index(
        &self,
        from: usize,
        f: &mut dyn FnMut(&super::Ticket<'_>) -> Option<()>,
    ) -> Option<usize> {
        let index = self.large_index(from)?;
        let (keys, closed, unreadable) = self.by_exact(&index, |index| {
            let (mut keys, mut closed) = (Keys::default(), Ids::default());
            let (mut twice, mut unreadable) = (Vec::new(), 0);
            index.each_entry(&mut |e| {
                match self.ticket_of(&e) {
                    Some(t) => {
                        if !closed.insert(t.key, t.kind.is_closed(), &mut keys) {
                            twice.push(keys.own(t.key));
                        }
                    }
                    None => unreadable += 1,
                }
                Some(())
            })?;
            // An id on three files is met again twice.
            twice.sort_unstable();
            twice.dedup();
            self.settle_closed(index, &twice, &mut closed, &mut keys)?;
            Some((keys, closed, unreadable))
        })?;
        let closed = |k: &IdKey| closed.get(k, &keys) == Some(true);
        index.each_by_id(&mut |e| match self.ticket_of(&e) {
            Some(t)
                if may_be_ready(&self.config, &t)
                    && all_closed(t.meta.depends_on.iter().map(|d| &**d), &closed) =>
            {
                f(&t)
            }
            _ => Some(()),
        })?;
        Some(unreadable)
    }

    /// Every ticket, in the order of their ids (and paths), given to `f`
    /// one at a time from the index when its records are `from` bytes or
    /// more and it is exactly the tree, read beside the check (see
    /// [`Tree::exact_index`]); and how many files are no tickets
    /// ([`Tree::unreadable`]). `None`: the index is not that, a record does
    /// not parse, or `f` says so; what `f` was given is then not the tree,
    /// to be thrown away.
    pub fn tickets_by_index(
        &self,
        from: usize,
        f: &mut (dyn FnMut(&super::Ticket<'_>) -> Option<()> + Send),
    ) -> Option<usize> {
        let index = self.large_index(from)?;
        self.by_exact(&index, |index| {
            let mut unreadable = 0;
            index.each_by_id(&mut |e| match self.ticket_of(&e) {
                Some(t) => f(&t),
                None => {
                    unreadable += 1;
                    Some(())
                }
            })?;
            Some(unreadable)
        })
    }
}

/// The first records of a list, and how long the whole list is.
pub struct Listed {
    pub first: Vec<Entry>,
    pub total: usize,
}

impl From<(Vec<Entry>, usize)> for Listed {
    fn from((first, total): (Vec<Entry>, usize)) -> Listed {
        Listed { first, total }
    }
}

impl Tree {
    /// The tickets of a list of records ([`Tree::tickets_of`]), with its
    /// total.
    #[must_use]
    pub fn shown<'s>(&'s self, list: &'s Listed) -> crate::registry::Shown<'s> {
        crate::registry::Shown {
            first: self.tickets_of(&list.first),
            total: list.total,
        }
    }
}

/// What a dashboard asks of [`Tree::dash_by_index`].
pub struct Want {
    /// How many of the tickets ready and recently completed (and in
    /// progress, unless every one) are given.
    pub first: usize,
    pub every_in_progress: bool,
    /// How many of each status's tickets (not archived ones) are given, in
    /// [`crate::registry::sort_by_kind`]'s order (0: none).
    pub per_status: usize,
    /// Whether the problems are counted (else nothing is held for them,
    /// [`Dash::problems`] is 0 and the registry is not looked at): a
    /// registry the index does not know as it is is then rendered from it.
    pub problems: bool,
    /// From how long an index's records on (in bytes) it is read.
    pub from: usize,
}

/// What `tix status` and `tix report` show of the tickets, as the full
/// view's [`crate::registry::Board`] and problems give it.
pub struct Dash {
    /// The tickets that parsed.
    pub tickets: usize,
    /// The files that did not ([`Tree::unreadable`]).
    pub unreadable: usize,
    /// How many tickets have each status, in the configuration's order.
    pub counts: Vec<usize>,
    /// The first tickets in progress, in
    /// [`crate::registry::sort_by_kind`]'s order.
    pub in_progress: Listed,
    /// The first ready tickets, in [`ready_order`].
    pub ready: Listed,
    /// The first tickets completed as done, newest first.
    pub recent: Listed,
    /// The first tickets of each status, in the configuration's order
    /// (none of an archived one; each status's total is in `counts`).
    pub columns: Vec<Vec<Entry>>,
    /// The tickets' problems when [`Want::problems`] asks for them (else
    /// 0): files that do not parse, tickets in another status's folder, and
    /// open tickets that wait for ever (as [`Tree::problems`] and
    /// [`Tree::dependency_problems`] find them).
    pub problems: usize,
    /// The registry when [`Want::problems`] asks for the problems, as
    /// [`Tree::registry_fresh`] finds it: fresh (`Some(true)`, and so when
    /// they are not asked for), stale, or missing (`None`).
    pub registry: Option<bool>,
}

impl Tree {
    /// The dashboard's tickets (see [`Dash`]) as `want` asks, from the
    /// index when its records are `want.from` bytes or more and it is
    /// exactly the tree ([`Tree::exact_index`]); its records read one at
    /// a time beside the check. For the problems, a registry the index does
    /// not know as it is now ([`Tree::registry_known`]) is rendered from
    /// the index and compared (see [`Tree::render_by_index`]), and noted in
    /// it when fresh. Held: the
    /// first of each list, what `Ready` holds, and for the problems the ids
    /// and dependencies of the open tickets that wait for others, the ids
    /// of the files that are no tickets, and (for a render) the files' own
    /// problems; at 100,000 tickets the full view held every record, 77
    /// MiB. The ids on two files (or more; a file that is no ticket counts
    /// with the id its name starts with) are found in the walk, and their
    /// files looked up after it for the problems, the first of them by path
    /// standing for the id where a dependency on it is weighed. `None`: the
    /// index is not that, a record does not parse or is not found again,
    /// or the registry cannot be rendered so or read.
    #[must_use]
    pub fn dash_by_index(&self, want: &Want) -> Option<Dash> {
        self.retried(|| self.dash_once(want))
    }

    /// [`Tree::dash_by_index`], tried once.
    fn dash_once(&self, want: &Want) -> Option<Dash> {
        let index = self.large_index(want.from)?;
        let now = self.registry_stamp();
        let known = want
            .problems
            .then(|| self.registry_known(&index, now))
            .flatten();
        // The files' own problems, listed for a render of the registry.
        let render = want.problems && known.is_none();
        let n = want.first;
        let (mut dash, mut listed) = self.by_exact(&index, |index| {
            let mut ready = Ready::new(n);
            let mut in_progress: Firsts<Shown, Entry> = Firsts::new(if want.every_in_progress {
                usize::MAX
            } else {
                n
            });
            let mut recent: Firsts<Shown, Entry> = Firsts::new(n);
            let mut columns: Vec<Firsts<Shown, Entry>> = self
                .config
                .statuses
                .iter()
                .map(|s| {
                    Firsts::new(if s.kind == Kind::Archived {
                        0
                    } else {
                        want.per_status
                    })
                })
                .collect();
            let mut waits = want.problems.then(Waits::default);
            let mut counts = vec![0; self.config.statuses.len()];
            let (mut tickets, mut unreadable, mut problems) = (0, 0, 0);
            // Ids of files that are no tickets, checked against every other.
            let mut others: Vec<IdKey> = Vec::new();
            let mut listed = Vec::new();
            index.each_entry(&mut |e| {
                if want.problems
                    && let Some(p) = self.entry_problem(&e)
                {
                    problems += 1;
                    if render {
                        listed.push(p);
                    }
                }
                let Some(t) = self.ticket_of(&e) else {
                    unreadable += 1;
                    if want.problems {
                        others.extend(e.key.as_ref().map(|k| ready.keys.own(k)));
                    }
                    return Some(());
                };
                tickets += 1;
                if let Some(i) = self.config.statuses.iter().position(|s| s.name == t.status) {
                    counts[i] += 1;
                    let column = &mut columns[i];
                    if column.n > 0 && column.admits(|cut| cut.after(&t)) {
                        column.push(Shown::of(&t, &mut ready.keys), e.clone());
                    }
                }
                if let Some(waits) = &mut waits {
                    waits.see(&t, &mut ready.keys);
                }
                let done = t.kind == Kind::Completed
                    && self.config.status(t.status).is_some_and(|s| s.done);
                if let Some(place) = ready.see(&self.config, &t) {
                    ready.keep(place, e);
                } else if t.kind == Kind::InProgress {
                    if in_progress.admits(|cut| cut.after(&t)) {
                        in_progress.push(Shown::of(&t, &mut ready.keys), e);
                    }
                } else if done && recent.admits(|cut| cut.after(&t)) {
                    recent.push(Shown::of(&t, &mut ready.keys), e);
                }
                Some(())
            })?;
            if want.problems {
                let twice = ready.twice.keys().cloned().collect();
                let twice = super::problems::on_two(twice, &others, &ready.closed, &ready.keys);
                if !twice.is_empty() {
                    let waits = waits.as_mut().map(|w| (w, &ready.keys));
                    let duplicates = self.duplicates_by_index(index, &twice, waits)?;
                    problems += duplicates.len();
                    if render {
                        listed.extend(duplicates);
                    }
                }
            }
            if let Some(waits) = waits {
                problems += waits.stuck(&ready.closed, &ready.keys).len();
            }
            let columns = columns.into_iter().map(|c| c.finish().0).collect();
            let (first, total) = ready.finish(self, index)?;
            let dash = Dash {
                tickets,
                unreadable,
                counts,
                in_progress: in_progress.finish().into(),
                ready: Listed { first, total },
                recent: recent.finish().into(),
                columns,
                problems,
                registry: Some(known.unwrap_or(true)),
            };
            Some((dash, listed))
        })?;
        if render {
            super::problems::sort(&mut listed);
            dash.registry = self.registry_fresh_by_index(&index, &listed, now, true)?;
        }
        Some(dash)
    }
}

/// How many of a list are kept before the first `n` are picked out.
fn bound(n: usize) -> usize {
    n.max(64).saturating_mul(2)
}

/// The first `n` of a list seen one at a time, by their key, and how long
/// the list is. Once `n` are known, one that comes after them is only
/// counted ([`Firsts::admits`]), not made.
struct Firsts<K, T> {
    n: usize,
    items: Vec<(K, T)>,
    total: usize,
    /// The `n`-th key kept so far.
    cut: Option<K>,
}

impl<K: Ord + Clone, T> Firsts<K, T> {
    fn new(n: usize) -> Self {
        Firsts {
            n,
            items: Vec::new(),
            total: 0,
            cut: None,
        }
    }

    /// Whether an item may still be among the first: `before` says whether
    /// it comes before a key. One that may not is counted.
    fn admits(&mut self, before: impl FnOnce(&K) -> bool) -> bool {
        let admitted = self.cut.as_ref().is_none_or(before);
        if !admitted {
            self.total += 1;
        }
        admitted
    }

    fn push(&mut self, key: K, item: T) {
        self.total += 1;
        self.items.push((key, item));
        if self.items.len() >= bound(self.n) {
            first(&mut self.items, self.n);
            self.cut = self
                .items
                .get(self.n.wrapping_sub(1))
                .map(|(k, _)| k.clone());
        }
    }

    fn finish(self) -> (Vec<T>, usize) {
        let (items, total) = self.finish_keyed();
        (items.into_iter().map(|(_, t)| t).collect(), total)
    }

    /// [`Firsts::finish`], each with its key.
    fn finish_keyed(mut self) -> (Vec<(K, T)>, usize) {
        first(&mut self.items, self.n);
        (self.items, self.total)
    }
}

/// The open tickets that wait for others, for which wait for ever (as
/// [`crate::deps::stuck`] finds them): each a node of the graph, with what
/// it waits for and, when they are named ([`Waits::named`]), its path and
/// id. An open ticket that waits for none is in no cycle and an edge to it
/// leads nowhere: it is no node (in the benchmark's tree of 100,000,
/// 47,000 fewer ids held).
#[derive(Default)]
pub(super) struct Waits {
    nodes: Ids<usize>,
    deps: Vec<Box<[Box<str>]>>,
    /// Each node's path and id, when they are named: a count needs
    /// neither (at 100,000 tickets, 3 MiB of `status`'s peak).
    names: Option<Vec<(Box<str>, Box<str>)>>,
}

impl Waits {
    /// Waits that name the tickets that wait for ever (see [`Waits::stuck`]).
    pub(super) fn named() -> Waits {
        Waits {
            names: Some(Vec::new()),
            ..Waits::default()
        }
    }

    /// Makes the node of `k`, an id on two files or more, that of `first`,
    /// the first of its tickets by path, as [`crate::deps::stuck`] takes
    /// it whatever order the tickets come in: the walk made it of the first
    /// of them that waits for others in the index's order. When `first`
    /// waits for none, the node is left with no dependencies (and so no
    /// edges): it is never stuck, and an edge to it leads nowhere, as to no
    /// node.
    pub(super) fn settle(&mut self, k: &IdKey, first: &super::Ticket<'_>, keys: &Keys) {
        let Some(n) = self.nodes.get(k, keys) else {
            // No ticket of it waits for others, `first` neither.
            return;
        };
        let waits = !first.kind.is_closed() && !first.meta.depends_on.is_empty();
        self.deps[n] = if waits {
            first
                .meta
                .depends_on
                .iter()
                .map(|d| Box::from(&**d))
                .collect()
        } else {
            Box::default()
        };
        if let Some(names) = &mut self.names {
            names[n] = (first.rel.into(), (&*first.meta.id).into());
        }
    }

    pub(super) fn see(&mut self, t: &super::Ticket<'_>, keys: &mut Keys) {
        if t.kind.is_closed()
            || t.meta.depends_on.is_empty()
            || !self.nodes.insert(t.key, self.deps.len(), keys)
        {
            return;
        }
        self.deps
            .push(t.meta.depends_on.iter().map(|d| Box::from(&**d)).collect());
        if let Some(names) = &mut self.names {
            names.push((t.rel.into(), (&*t.meta.id).into()));
        }
    }

    /// The open tickets that wait for an id no ticket has (`known` holds
    /// every ticket's) or are in a cycle, each with its path; unnamed,
    /// their paths and the ids of their cycles are empty.
    pub(super) fn stuck(&self, known: &Ids<bool>, keys: &Keys) -> Vec<(&str, Stuck<'_>)> {
        let name = |n: usize| {
            self.names
                .as_ref()
                .map_or(("", ""), |names| (&*names[n].0, &*names[n].1))
        };
        let nodes: Vec<Waiter<'_, Box<str>>> = self
            .deps
            .iter()
            .enumerate()
            .map(|(n, deps)| Waiter {
                id: name(n).1,
                deps,
            })
            .collect();
        crate::deps::stuck_of(&nodes, |k| {
            known.get(k, keys).map(|_| self.nodes.get(k, keys))
        })
        .into_iter()
        .map(|(n, s)| (name(n).0, s))
        .collect()
    }
}

/// The ready tickets among records seen one at a time, as
/// [`crate::registry::ready_first`] finds them among every ticket. Held:
/// every id (whether it is closed, and whether it is on two files), the
/// first `n` ready tickets that wait for none, and the dependencies of
/// those that wait, with their places while they may still come among the
/// first `n`.
struct Ready {
    n: usize,
    keys: Keys,
    /// Every id seen, and whether its ticket is closed.
    closed: Ids<bool>,
    /// Ids on two files: whether one is closed is settled at the end.
    twice: FastMap<IdKey, ()>,
    /// The first `n` ready tickets that wait for none. One at or after its
    /// cut, free or waiting, is never among the first, only counted (a
    /// waiting one keeps its dependencies, for the count).
    free: Firsts<Place, Entry>,
    waiting: Vec<(Option<Place>, Vec<Box<str>>)>,
}

impl Ready {
    fn new(n: usize) -> Ready {
        Ready {
            n,
            keys: Keys::default(),
            closed: Ids::default(),
            twice: FastMap::default(),
            free: Firsts::new(n),
            waiting: Vec::new(),
        }
    }

    /// Takes the ticket `t` in; `Some`: it is ready, waits for none and may
    /// be among the first `n`, and its record is to be given to
    /// [`Ready::keep`] with this place (one that may not is counted here).
    fn see(&mut self, config: &crate::config::Config, t: &super::Ticket<'_>) -> Option<Place> {
        if !self
            .closed
            .insert(t.key, t.kind.is_closed(), &mut self.keys)
        {
            self.twice.insert(self.keys.own(t.key), ());
        }
        if !may_be_ready(config, t) {
            return None;
        }
        if t.meta.depends_on.is_empty() {
            return self
                .free
                .admits(|c| c.after(t))
                .then(|| Place::of(t, &mut self.keys));
        }
        // At or after the `n`-th free one so far: never among the first.
        let place = self
            .free
            .cut
            .as_ref()
            .is_none_or(|c| c.after(t))
            .then(|| Place::of(t, &mut self.keys));
        let deps = t.meta.depends_on.iter().map(|d| Box::from(&**d)).collect();
        self.waiting.push((place, deps));
        None
    }

    /// Keeps the record of a ready ticket that waits for none.
    fn keep(&mut self, place: Place, e: Entry) {
        self.free.push(place, e);
    }

    /// The first `n` ready tickets' records, in order (those that wait
    /// looked up again in `index`), and how many are ready. An id on two
    /// files is closed as the first of its tickets by path is (see
    /// [`Tree::first_ticket`]), its records looked up in `index`: the walk
    /// kept the first it met. `None`: a record is not found again.
    fn finish(mut self, tree: &Tree, index: &super::index::Index) -> Option<(Vec<Entry>, usize)> {
        let twice: Vec<&IdKey> = self.twice.keys().collect();
        tree.settle_closed(index, &twice, &mut self.closed, &mut self.keys)?;
        let (free, mut total) = self.free.finish_keyed();
        let mut ready: Vec<Place> = Vec::new();
        for (place, deps) in self.waiting {
            if all_closed(deps.iter().map(|d| &**d), &|k| {
                self.closed.get(k, &self.keys) == Some(true)
            }) {
                total += 1;
                ready.extend(place);
            }
        }
        ready.sort_unstable();
        ready.truncate(self.n);
        // The first `n` of both, in order.
        let mut shown: Vec<(Place, Option<Entry>)> = free
            .into_iter()
            .map(|(p, e)| (p, Some(e)))
            .chain(ready.into_iter().map(|p| (p, None)))
            .collect();
        shown.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        shown.truncate(self.n);
        let mut out = Vec::with_capacity(shown.len());
        for (place, e) in shown {
            out.push(match e {
                Some(e) => e,
                None => place.record(index)?,
            });
        }
        Some((out, total))
    }
}

/// The first `n` of `items` by their key, in order.
fn first<K: Ord, T>(items: &mut Vec<(K, T)>, n: usize) {
    items.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    items.truncate(n);
}

/// A ticket's place among those of its kind ([`key_of`]), held apart from
/// its record.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Shown {
    primary: Primary<Box<str>>,
    key: IdKey,
    rel: Box<str>,
}

impl Shown {
    fn of(t: &super::Ticket<'_>, keys: &mut Keys) -> Shown {
        let (primary, key, rel) = key_of(t);
        Shown {
            primary: primary.map(Box::from),
            key: keys.own(key),
            rel: rel.into(),
        }
    }

    /// Whether `t` comes before this place.
    fn after(&self, t: &super::Ticket<'_>) -> bool {
        let primary = self.primary.as_ref().map(|s| &**s);
        (primary, &self.key, &*self.rel) > key_of(t)
    }
}

/// A ticket's place in [`ready_order`], held apart from its record.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Place {
    rank: usize,
    undated: bool,
    created: Option<Box<str>>,
    key: IdKey,
    rel: Box<str>,
}

impl Place {
    /// The record of the ticket at this place, looked up again in `index`.
    fn record(&self, index: &super::index::Index) -> Option<Entry> {
        index
            .lookup(&self.key)?
            .into_iter()
            .find(|e| *e.rel == *self.rel)
    }

    /// Whether `t` comes before this place.
    fn after(&self, t: &super::Ticket<'_>) -> bool {
        let place = (
            self.rank,
            self.undated,
            self.created.as_deref(),
            &self.key,
            &*self.rel,
        );
        place > ready_order(t)
    }

    fn of(t: &super::Ticket<'_>, keys: &mut Keys) -> Place {
        let (rank, undated, created, key, rel) = ready_order(t);
        Place {
            rank,
            undated,
            created: created.map(Box::from),
            key: keys.own(key),
            rel: rel.into(),
        }
    }
}

/// Every id seen, each with a value (whether its ticket is closed, its
/// node): an id that is a prefix and a number alone (nearly every one) as
/// two numbers (its prefix's number in [`Keys`], and its own), in a table a
/// fifth the size of one of whole ids (at 100,000 tickets, 3 MB against
/// 12); any other whole.
pub(super) struct Ids<V> {
    plain: FastMap<(u32, u64), V>,
    other: FastMap<IdKey, V>,
}

impl<V> Default for Ids<V> {
    fn default() -> Self {
        Ids {
            plain: FastMap::default(),
            other: FastMap::default(),
        }
    }
}

impl<V: Copy> Ids<V> {
    fn plain(k: &IdKey) -> bool {
        k.numbered && k.sub.is_empty() && k.suffix.is_empty()
    }

    /// Records `k` with `v`; `false` (and nothing changed) when it was seen
    /// before.
    pub(super) fn insert(&mut self, k: &IdKey, v: V, keys: &mut Keys) -> bool {
        fn first_time<K: std::hash::Hash + Eq, V>(map: &mut FastMap<K, V>, k: K, v: V) -> bool {
            match map.entry(k) {
                std::collections::hash_map::Entry::Occupied(_) => false,
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(v);
                    true
                }
            }
        }
        if Self::plain(k) {
            let prefix = keys.prefix(&k.prefix).0;
            first_time(&mut self.plain, (prefix, k.num), v)
        } else {
            first_time(&mut self.other, keys.own(k), v)
        }
    }

    /// Records `k` with `v`, whether it was seen before or not.
    pub(super) fn set(&mut self, k: &IdKey, v: V, keys: &mut Keys) {
        if Self::plain(k) {
            let prefix = keys.prefix(&k.prefix).0;
            self.plain.insert((prefix, k.num), v);
        } else {
            self.other.insert(keys.own(k), v);
        }
    }

    /// The value of `k`; `None` when no ticket has it.
    pub(super) fn get(&self, k: &IdKey, keys: &Keys) -> Option<V> {
        if !Self::plain(k) {
            return self.other.get(k).copied();
        }
        let (prefix, _) = keys.prefixes.get(&*k.prefix)?;
        self.plain.get(&(*prefix, k.num)).copied()
    }
}

/// Ids held apart from the records they were read from (whose text each
/// would keep): a prefix is shared by every id that has it (an id without a
/// number is all prefix: one each), and numbered in the order first seen.
#[derive(Default)]
pub(super) struct Keys {
    prefixes: FastMap<Box<str>, (u32, Text)>,
}

impl Keys {
    /// The number and the shared text of the prefix `p`.
    fn prefix(&mut self, p: &str) -> (u32, Text) {
        if let Some(known) = self.prefixes.get(p) {
            return known.clone();
        }
        let next = u32::try_from(self.prefixes.len()).unwrap_or(u32::MAX);
        let known = (next, Text::from(p.to_string()));
        self.prefixes.insert(Box::from(p), known.clone());
        known
    }

    pub(super) fn own(&mut self, k: &IdKey) -> IdKey {
        let suffix = if k.suffix.is_empty() {
            Text::from("")
        } else {
            Text::from(k.suffix.to_string())
        };
        IdKey {
            prefix: self.prefix(&k.prefix).1,
            numbered: k.numbered,
            num: k.num,
            sub: k.sub.clone(),
            suffix,
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::{Scan, Upkeep};
    use super::*;
    use std::fs;

    /// An empty tree of the default configuration, and the tree opened.
    pub(in crate::tree) fn empty() -> (tempfile::TempDir, Tree) {
        let dir = super::super::testing::with_pending(0);
        let tree = Tree::open(dir.path(), dir.path()).unwrap();
        (dir, tree)
    }

    fn write(root: &std::path::Path, dir: &str, id: usize, fields: &str) {
        fs::create_dir_all(root.join(dir)).unwrap();
        fs::write(
            root.join(format!("{dir}/TIX-{id:04}-t.md")),
            format!("---\nid: TIX-{id:04}\ntitle: t\n{fields}---\n"),
        )
        .unwrap();
    }

    /// The full view's best ready ticket; the index it writes anew is the
    /// tree.
    fn full(tree: &Tree) -> Option<String> {
        let _ = fs::remove_file(tree.index_path());
        let snap = tree.scan(Scan::Cached, Upkeep::Index).unwrap();
        let tickets = tree.tickets(&snap);
        crate::registry::ready_first(&tree.config, &tickets, 1)
            .0
            .first()
            .map(|t| t.rel.to_string())
    }

    fn by_index(tree: &Tree) -> Option<String> {
        let (best, _) = tree.best_ready_by_index().unwrap();
        best.map(|e| e.rel.to_string())
    }

    /// The best ready ticket by the index is the full view's: a higher
    /// priority that waits for a closed ticket before a free one, none
    /// that waits for an open or a missing one, then the oldest `created`;
    /// a dependency's id on two files as closed as its first file by path.
    #[test]
    fn the_best_ready_ticket_by_the_index_is_the_full_view_s() {
        let (dir, tree) = empty();
        let root = dir.path();
        write(root, "completed", 1, "status: completed\n");
        write(
            root,
            "pending",
            2,
            "priority: high\ndepends_on: [TIX-0001]\n",
        );
        write(root, "pending", 3, "priority: medium\n");
        write(
            root,
            "pending",
            4,
            "priority: critical\ndepends_on: [TIX-0005]\n",
        );
        write(root, "in-progress", 5, "status: in_progress\n");
        write(
            root,
            "pending",
            6,
            "priority: critical\ndepends_on: [TIX-0099]\n",
        );
        assert_eq!(full(&tree).as_deref(), Some("pending/TIX-0002-t.md"));
        assert_eq!(by_index(&tree).as_deref(), Some("pending/TIX-0002-t.md"));

        // Free ones of one priority: the oldest first, before any that waits.
        write(
            root,
            "pending",
            7,
            "priority: critical\ncreated: 2026-02-01T00:00:00Z\n",
        );
        write(
            root,
            "pending",
            8,
            "priority: critical\ncreated: 2026-01-01T00:00:00Z\n",
        );
        assert_eq!(full(&tree).as_deref(), Some("pending/TIX-0008-t.md"));
        assert_eq!(by_index(&tree).as_deref(), Some("pending/TIX-0008-t.md"));

        // Those that wait come first, none is ready: the free one.
        for i in [7, 8] {
            fs::remove_file(root.join(format!("pending/TIX-{i:04}-t.md"))).unwrap();
        }
        write(
            root,
            "pending",
            2,
            "priority: high\ndepends_on: [TIX-0005]\n",
        );
        assert_eq!(full(&tree).as_deref(), Some("pending/TIX-0003-t.md"));
        assert_eq!(by_index(&tree).as_deref(), Some("pending/TIX-0003-t.md"));
        // A file that does not parse is counted, as the full view counts it.
        fs::write(root.join("pending/TIX-0010-bad.md"), "---\nid: [\n---\n").unwrap();
        full(&tree);
        let (_, unreadable) = tree.best_ready_by_index().unwrap();
        assert_eq!(unreadable, 1);

        // A dependency's id on two files: closed as its first ticket by
        // path is, the completed one here.
        write(
            root,
            "pending",
            2,
            "priority: high\ndepends_on: [TIX-0001]\n",
        );
        write(root, "pending", 9, "priority: low\n");
        let again = "---\nid: TIX-0001\ntitle: t\n---\n";
        fs::write(root.join("pending/TIX-0001-again.md"), again).unwrap();
        assert_eq!(full(&tree).as_deref(), Some("pending/TIX-0002-t.md"));
        assert_eq!(by_index(&tree).as_deref(), Some("pending/TIX-0002-t.md"));
        // The open one first by path (a pending ticket in the wrong
        // folder): TIX-0002 waits.
        fs::remove_file(root.join("pending/TIX-0001-again.md")).unwrap();
        let pending = "---\nid: TIX-0001\ntitle: t\nstatus: pending\npriority: low\n---\n";
        fs::write(root.join("completed/TIX-0001-0.md"), pending).unwrap();
        assert_eq!(full(&tree).as_deref(), Some("pending/TIX-0003-t.md"));
        assert_eq!(by_index(&tree).as_deref(), Some("pending/TIX-0003-t.md"));
    }

    /// Once enough free tickets are seen to know the first, a ticket that
    /// waits and comes after it keeps no place, only its count: 130 free
    /// ones (high), then 1,100 that wait (medium), then 1,100 more that wait
    /// (critical), every dependency closed: the first of the last ones, as
    /// the full view says.
    #[test]
    fn tickets_that_wait_keep_a_place_only_before_the_first_free_ones() {
        let (dir, tree) = empty();
        let root = dir.path();
        write(root, "completed", 9000, "status: completed\n");
        for i in 1..=2330 {
            let fields = match i {
                i if i <= 130 => "priority: high\n",
                i if i <= 1230 => "priority: medium\ndepends_on: [TIX-9000]\n",
                _ => "priority: critical\ndepends_on: [TIX-9000]\n",
            };
            write(root, "pending", i, fields);
        }
        assert_eq!(full(&tree).as_deref(), Some("pending/TIX-1231-t.md"));
        assert_eq!(by_index(&tree).as_deref(), Some("pending/TIX-1231-t.md"));
    }

    /// A ticket the properties below draw: its status (one of four
    /// folders), priority (4: none), day created (and started, in progress)
    /// if any, the ids it waits for, its id, and whether its file is cut
    /// short.
    pub(in crate::tree) type Drawn = (usize, usize, Option<usize>, Vec<usize>, usize, bool);

    /// Writes the tickets drawn.
    pub(in crate::tree) fn draw(root: &std::path::Path, drawn: &[Drawn]) {
        let dirs = [
            ("pending", "pending"),
            ("in_progress", "in-progress"),
            ("completed", "completed"),
            ("archived", "archive"),
        ];
        for (i, (status, priority, day, deps, id, cut)) in drawn.iter().enumerate() {
            let (status, dir) = dirs[*status];
            fs::create_dir_all(root.join(dir)).unwrap();
            let rel = format!("{dir}/TIX-{id:04}-{i}.md");
            if *cut {
                fs::write(root.join(rel), "---\nid: [\n---\n").unwrap();
                continue;
            }
            let mut fields = format!("status: {status}\n");
            if let Some(p) = crate::ticket::PRIORITIES.get(*priority) {
                fields.push_str(&format!("priority: {p}\n"));
            }
            if let Some(d) = day {
                fields.push_str(&format!("created: 2026-01-0{d}T00:00:00Z\n"));
                if status == "in_progress" {
                    fields.push_str(&format!("started: 2026-02-0{d}T00:00:00Z\n"));
                }
                if status == "completed" || status == "archived" {
                    fields.push_str(&format!("completed: 2026-03-0{d}T00:00:00Z\n"));
                }
            }
            let deps: Vec<String> = deps.iter().map(|d| format!("TIX-{d:04}")).collect();
            fields.push_str(&format!("depends_on: [{}]\n", deps.join(", ")));
            fs::write(
                root.join(rel),
                format!("---\nid: TIX-{id:04}\ntitle: t\n{fields}---\n"),
            )
            .unwrap();
        }
    }

    /// The strategy of the tickets [`draw`] writes.
    pub(in crate::tree) fn drawn() -> impl proptest::strategy::Strategy<Value = Vec<Drawn>> {
        proptest::collection::vec(
            (
                0usize..4,
                0usize..5,
                proptest::option::of(1usize..4),
                proptest::collection::vec(0usize..12, 0..3),
                0usize..10,
                proptest::bool::weighted(0.1),
            ),
            1..14,
        )
    }

    /// A tree of the tickets drawn ([`draw`]), the `moved`th of them, if
    /// there is one, moved by hand to another status's folder.
    pub(in crate::tree) fn drawn_tree(
        drawn: &[Drawn],
        moved: Option<usize>,
    ) -> (tempfile::TempDir, Tree) {
        let (dir, tree) = empty();
        let root = dir.path();
        draw(root, drawn);
        if let Some(moved) = moved
            && let Some((status, _, _, _, id, _)) = drawn.get(moved)
        {
            let dirs = ["pending", "in-progress", "completed", "archive"];
            let (from, to) = (dirs[*status], dirs[(*status + 2) % 4]);
            fs::create_dir_all(root.join(to)).unwrap();
            let name = format!("TIX-{id:04}-{moved}.md");
            fs::rename(root.join(from).join(&name), root.join(to).join(&name)).unwrap();
        }
        (dir, tree)
    }

    /// Changes the file of the `which`th ticket drawn ([`draw`], modulo how
    /// many there are) outside tix, as an editor that saves by renaming
    /// or a checkout does, as `kind` says: 0 retitled, 1 the same bytes
    /// again, 2 removed, 3 cut short, 4 moved to the next status's folder;
    /// as an editor that writes over the file does (in place: its folder's
    /// stamp as it was): 6 retitled, 7 cut short; else a new ticket added
    /// (TIX-0077, waiting for TIX-0001).
    pub(in crate::tree) fn outside(
        root: &std::path::Path,
        drawn: &[Drawn],
        which: usize,
        kind: usize,
    ) {
        let dirs = ["pending", "in-progress", "completed", "archive"];
        let i = which % drawn.len();
        let (status, id) = (drawn[i].0, drawn[i].4);
        let name = format!("TIX-{id:04}-{i}.md");
        let path = root.join(dirs[status]).join(&name);
        let saved = |at: &std::path::Path, text: &[u8]| {
            let tmp = at.with_file_name(".saving");
            fs::write(&tmp, text).unwrap();
            fs::rename(&tmp, at).unwrap();
        };
        let text = fs::read(&path).unwrap();
        match kind {
            0 => saved(
                &path,
                &String::from_utf8(text)
                    .unwrap()
                    .replacen("title: t", "title: u", 1)
                    .into_bytes(),
            ),
            1 => saved(&path, &text),
            2 => fs::remove_file(&path).unwrap(),
            3 => saved(&path, b"---\nid: [\n---\n"),
            4 => {
                let to = root.join(dirs[(status + 1) % 4]);
                fs::create_dir_all(&to).unwrap();
                fs::rename(&path, to.join(&name)).unwrap();
            }
            // Longer: a stamp taken in the same tick still differs.
            6 => fs::write(
                &path,
                String::from_utf8(text)
                    .unwrap()
                    .replacen("title: t", "title: in place ", 1),
            )
            .unwrap(),
            7 => fs::write(&path, b"---\nid: [\n---\n").unwrap(),
            _ => saved(
                &root.join("pending/TIX-0077-new.md"),
                b"---\nid: TIX-0077\ntitle: new\ndepends_on: [TIX-0001]\n---\n",
            ),
        }
    }

    /// What the tests ask of a dashboard by the index: the first three of
    /// each list and of each status, problems counted.
    fn want(from: usize) -> Want {
        Want {
            first: 3,
            every_in_progress: false,
            per_status: 3,
            problems: true,
            from,
        }
    }

    /// The full view's dashboard (the first three of each list), after the
    /// registry is written and the index knows it, as `tix sync` leaves
    /// them; and that of the index.
    fn dashboards(tree: &Tree) -> (String, Option<String>) {
        full(tree);
        let snap = tree.scan(Scan::Cached, Upkeep::Index).unwrap();
        let tickets = tree.tickets(&snap);
        let problems = tree.all_problems(&snap, false).unwrap();
        let registry = crate::registry::render(&tree.config, &tickets, &tree.problems(&snap));
        fs::write(tree.path(super::super::REGISTRY), registry).unwrap();
        assert_eq!(
            tree.all_problems(&snap, true).unwrap().len(),
            problems.len() - 1
        );
        let board = crate::registry::Board::of(&tree.config, &tickets, 3);
        let rels = |v: &[super::super::Ticket<'_>]| -> Vec<String> {
            v.iter().take(3).map(|t| t.rel.to_string()).collect()
        };
        // The first three of each status but archived ones, as a board shows.
        let columns: Vec<Vec<String>> = tree
            .config
            .statuses
            .iter()
            .map(|s| {
                let mut of: Vec<_> = tickets.iter().filter(|t| t.status == s.name).collect();
                crate::registry::sort_by_kind(&mut of);
                let n = if s.kind == crate::config::Kind::Archived {
                    0
                } else {
                    3
                };
                of.iter().take(n).map(|t| t.rel.to_string()).collect()
            })
            .collect();
        let expected = format!(
            "{} tickets, {} unreadable, counts {:?}, in progress {:?} of {}, ready {:?} of {}, recent {:?} of {}, columns {:?}, {} problems",
            tickets.len(),
            Tree::unreadable(&snap, &tickets),
            board.counts,
            rels(&board.in_progress),
            board.in_progress.len(),
            rels(&board.ready.first),
            board.ready.total,
            rels(&board.recent.first),
            board.recent.total,
            columns,
            problems.len() - 1,
        );
        let show = |d: &Dash, problems: usize| {
            let of = |v: &[Entry]| -> Vec<String> { v.iter().map(|e| e.rel.to_string()).collect() };
            format!(
                "{} tickets, {} unreadable, counts {:?}, in progress {:?} of {}, ready {:?} of {}, recent {:?} of {}, columns {:?}, {} problems",
                d.tickets,
                d.unreadable,
                d.counts,
                of(&d.in_progress.first),
                d.in_progress.total,
                of(&d.ready.first),
                d.ready.total,
                of(&d.recent.first),
                d.recent.total,
                d.columns.iter().map(|c| of(c)).collect::<Vec<_>>(),
                problems,
            )
        };
        let by_index = tree
            .dash_by_index(&want(0))
            .map(|d| show(&d, d.problems + tree.tree_problems(d.registry, &[]).len()));
        // Not asked for the problems, the rest is the full view's whenever
        // it answers, and it counts none.
        let quiet = Want {
            problems: false,
            ..want(0)
        };
        if let Some(d) = tree.dash_by_index(&quiet) {
            assert_eq!(d.problems, 0);
            assert_eq!(show(&d, problems.len() - 1), expected);
        }
        (expected, by_index)
    }

    /// A dashboard by the index counts what the full view reports: a file
    /// that does not parse, a ticket in another status's folder, one that
    /// waits for a missing id, two that wait for each other; and the
    /// registry as the index knew it, or as a render from the index finds
    /// it (stale, fresh, missing), as the full view does.
    #[test]
    fn a_dashboard_by_the_index_counts_the_full_view_s_problems() {
        let (dir, tree) = empty();
        let root = dir.path();
        write(root, "pending", 1, "depends_on: [TIX-0099]\n");
        write(root, "pending", 2, "depends_on: [TIX-0003]\n");
        write(
            root,
            "in-progress",
            3,
            "status: in_progress\ndepends_on: [TIX-0002]\n",
        );
        write(root, "completed", 4, "status: pending\n");
        write(root, "completed", 5, "status: completed\n");
        fs::write(root.join("pending/TIX-0006-bad.md"), "---\nid: [\n---\n").unwrap();
        let (expected, by_index) = dashboards(&tree);
        assert!(expected.ends_with(", 5 problems"), "{expected}");
        assert_eq!(by_index.as_deref(), Some(&*expected));
        // The registry changed since: rendered from the index and compared,
        // as the full view compares it; written again with the same bytes,
        // found fresh and noted in the index.
        let path = tree.path(super::super::REGISTRY);
        let registry = fs::read_to_string(&path).unwrap();
        for (text, state) in [("edited\n", Some(false)), (&*registry, Some(true))] {
            fs::write(&path, text).unwrap();
            let d = tree.dash_by_index(&want(0)).unwrap();
            assert_eq!(d.registry, state);
            let snap = tree.scan(Scan::Fresh, Upkeep::Nothing).unwrap();
            assert_eq!(
                d.problems + tree.tree_problems(d.registry, &[]).len(),
                tree.all_problems(&snap, false).unwrap().len()
            );
        }
        let memo = tree.open_index().unwrap().memo.map(|m| m.stamp);
        assert_eq!(memo, tree.registry_stamp());
        fs::remove_file(&path).unwrap();
        assert_eq!(tree.dash_by_index(&want(0)).unwrap().registry, None);
        // Not asked for, the problems are neither counted nor a reason to
        // compare the registry (the rest: see `dashboards`).
        let quiet = Want {
            problems: false,
            ..want(0)
        };
        let d = tree.dash_by_index(&quiet).unwrap();
        assert_eq!((d.problems, d.tickets, d.unreadable), (0, 5, 1));
        // An index shorter than asked for: the full view.
        dashboards(&tree);
        assert!(tree.dash_by_index(&want(0)).is_some());
        assert!(tree.dash_by_index(&want(1 << 20)).is_none());
    }

    /// Past the first lists' bound (128), those that come after the first
    /// three so far are only counted: 600 tickets, their dates and
    /// priorities in no order of their ids, give the full view's dashboard.
    #[test]
    fn a_dashboard_by_the_index_keeps_the_first_of_long_lists() {
        let (dir, tree) = empty();
        let root = dir.path();
        for i in 1..=600 {
            // 1..=600 in a scrambled order (7 and 600 share no factor).
            let day = i * 7 % 600;
            let date = format!(
                "2026-{:02}-{:02}T00:00:00Z",
                1 + day / 28 % 12,
                1 + day % 28
            );
            let (dir, fields) = match i % 3 {
                0 => (
                    "in-progress",
                    format!("status: in_progress\nstarted: {date}\n"),
                ),
                1 => (
                    "completed",
                    format!("status: completed\ncompleted: {date}\n"),
                ),
                _ => (
                    "pending",
                    format!(
                        "priority: {}\ncreated: {date}\n",
                        crate::ticket::PRIORITIES[day % 4]
                    ),
                ),
            };
            write(root, dir, i, &fields);
        }
        let (expected, by_index) = dashboards(&tree);
        assert_eq!(by_index.as_deref(), Some(&*expected));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

        /// Every ticket by the index, on any small tree: the full view's
        /// tickets in the order of their ids and paths, with as many files
        /// that are no tickets; and the ready ones among them as
        /// `registry::ready` finds them, ids on two files included.
        #[test]
        fn every_ticket_by_the_index_as_by_the_full_view(drawn in drawn()) {
            let (_dir, tree) = drawn_tree(&drawn, None);
            full(&tree);
            let snap = tree.scan(Scan::Cached, Upkeep::Index).unwrap();
            let tickets = tree.tickets(&snap);
            let mut want: Vec<_> = tickets.iter().map(|t| (t.key, t.rel)).collect();
            want.sort();
            let want: Vec<String> = want.iter().map(|(_, rel)| rel.to_string()).collect();
            let mut ready: Vec<_> = crate::registry::ready(&tree.config, &tickets)
                .iter()
                .map(|t| (t.key, t.rel))
                .collect();
            ready.sort();
            let ready: Vec<String> = ready.iter().map(|(_, rel)| rel.to_string()).collect();
            let unreadable = Tree::unreadable(&snap, &tickets);
            let mut got = Vec::new();
            let n = tree.tickets_by_index(0, &mut |t| {
                got.push(t.rel.to_string());
                Some(())
            });
            proptest::prop_assert_eq!(n, Some(unreadable));
            proptest::prop_assert_eq!(got, want);
            let mut got = Vec::new();
            let n = tree.ready_by_index(0, &mut |t| {
                got.push(t.rel.to_string());
                Some(())
            });
            proptest::prop_assert_eq!(n, Some(unreadable));
            proptest::prop_assert_eq!(got, ready);
        }

        /// The dashboard by the index, on any small tree (with one ticket
        /// moved by hand to another status's folder), is the full view's:
        /// the counts, the first three of each list and their totals, and
        /// how many problems `sync --check` reports.
        #[test]
        fn a_dashboard_by_the_index_as_by_the_full_view(drawn in drawn(), moved in 0usize..20) {
            let (_dir, tree) = drawn_tree(&drawn, Some(moved));
            let (expected, by_index) = dashboards(&tree);
            proptest::prop_assert_eq!(by_index, Some(expected));
        }

        /// On any small tree (statuses, priorities, dates, waits for open,
        /// closed and missing ids, ids on two files, files that do not
        /// parse) the index gives the full view's best ready ticket and
        /// count of unreadable files. Each ticket drawn: its status (one
        /// of four folders), priority (4: none), day created (if any), the
        /// ids it waits for, its id, and whether its file is cut short.
        #[test]
        fn by_the_index_as_by_the_full_view(drawn in drawn()) {
            let (_dir, tree) = drawn_tree(&drawn, None);
            let expected = full(&tree);
            let snap = tree.scan(Scan::Cached, Upkeep::Index).unwrap();
            let unreadable = Tree::unreadable(&snap, &tree.tickets(&snap));
            let got = tree.best_ready_by_index().map(|(best, n)| (best.map(|e| e.rel.to_string()), n));
            proptest::prop_assert_eq!(got, Some((expected, unreadable)));
        }

        /// A session's start by the index, on any small tree, is what the
        /// full view's tickets give: the first three in progress in
        /// `sort_by_kind`'s order and how many there are, the first three
        /// ready and how many.
        #[test]
        fn a_session_s_start_by_the_index_as_by_the_full_view(drawn in drawn()) {
            let (_dir, tree) = drawn_tree(&drawn, None);
            full(&tree);
            let snap = tree.scan(Scan::Cached, Upkeep::Index).unwrap();
            let tickets = tree.tickets(&snap);
            let mut in_progress: Vec<_> = tickets
                .iter()
                .copied()
                .filter(|t| t.kind == crate::config::Kind::InProgress)
                .collect();
            crate::registry::sort_by_kind(&mut in_progress);
            let (ready, ready_total) = crate::registry::ready_first(&tree.config, &tickets, 3);
            let rels = |v: &[super::super::Ticket<'_>]| -> Vec<String> {
                v.iter().take(3).map(|t| t.rel.to_string()).collect()
            };
            let open = tree.open_by_index(3);
            proptest::prop_assert!(open.is_some(), "no answer");
            let open = open.unwrap();
            let of = |v: &[Entry]| -> Vec<String> { v.iter().map(|e| e.rel.to_string()).collect() };
            proptest::prop_assert_eq!(of(&open.in_progress.first), rels(&in_progress));
            proptest::prop_assert_eq!(open.in_progress.total, in_progress.len());
            proptest::prop_assert_eq!(of(&open.ready.first), rels(&ready));
            proptest::prop_assert_eq!(open.ready.total, ready_total);
        }
    }
}
