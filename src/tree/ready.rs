//! What `tix next` and a session's start need of every ticket (the best
//! ready one; those in progress and the first ready ones), from the index
//! read a record at a time, holding only what can still be shown or
//! counted.

use super::{Entry, Tree};
use crate::model::FastMap;
use crate::registry::{Primary, all_closed, key_of, may_be_ready, ready_order};
use crate::ticket::{IdKey, Text};

impl Tree {
    /// The best ready ticket, as [`crate::registry::ready_first`] finds it
    /// among every ticket, and how many files could not be read: from the
    /// index when it is exactly the tree ([`Tree::by_exact_index`]), its
    /// records read one at a time beside the check (`Ready` says what is
    /// held; at 100,000 tickets the full view held every record, 68 MiB).
    /// `None`: the index is not exactly the tree, a record does not parse,
    /// or a ticket waits for an id that is on two files (the full view
    /// decides then).
    #[must_use]
    pub fn best_ready_by_index(&self) -> Option<(Option<Entry>, usize)> {
        self.by_exact_index(|index| {
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
            let (mut first, _) = ready.finish(index)?;
            Some((first.pop(), unreadable))
        })
    }
}

/// What a session starts with (see `hook::context`): the tickets in
/// progress, and the first ready ones with how many are ready in all.
pub struct Open {
    /// The first tickets in progress, in [`crate::registry::sort_by_kind`]'s
    /// order.
    pub in_progress: Vec<Entry>,
    pub in_progress_total: usize,
    /// The first ready tickets, in [`ready_order`].
    pub ready: Vec<Entry>,
    pub ready_total: usize,
}

impl Tree {
    /// The tickets in progress and the first `n` ready ones (as
    /// [`crate::registry::ready`] lists them), with how many are ready, from
    /// the index when every folder is as it recorded (what a transition
    /// trusts: no stat of every file), its records read one at a time.
    /// Held: the first `n` tickets in progress, and what `Ready` holds. At
    /// 100,000 tickets what it replaces held the open tickets' records and
    /// the whole index. `None`: the folders are not as the index recorded,
    /// a record does not parse, or a ticket waits for an id that is on two
    /// files (what the scan then finds decides).
    #[must_use]
    pub fn open_by_index(&self, n: usize) -> Option<Open> {
        let index = self.trusted_index()?;
        let mut ready = Ready::new(n);
        let mut in_progress: Vec<(Shown, Entry)> = Vec::new();
        let mut in_progress_total = 0;
        index.each_entry(&mut |e| {
            let Some(t) = self.ticket_of(&e) else {
                return Some(());
            };
            if let Some(place) = ready.see(&self.config, &t) {
                ready.keep(place, e);
            } else if t.kind == crate::config::Kind::InProgress {
                in_progress_total += 1;
                in_progress.push((Shown::of(&t, &mut ready.keys), e));
                if in_progress.len() >= ready.bound() {
                    first(&mut in_progress, n);
                }
            }
            Some(())
        })?;
        first(&mut in_progress, n);
        let (ready, ready_total) = ready.finish(&index)?;
        Some(Open {
            in_progress: in_progress.into_iter().map(|(_, e)| e).collect(),
            in_progress_total,
            ready,
            ready_total,
        })
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
    closed: Ids,
    /// Ids on two files: a ticket that waits for one leaves the answer to
    /// the full view.
    twice: FastMap<IdKey, ()>,
    free: Vec<(Place, Entry)>,
    free_total: usize,
    /// The `n`-th ready ticket that waits for none so far: a waiting one at
    /// or after it is never among the first, only counted.
    cut: Option<Place>,
    waiting: Vec<(Option<Place>, Vec<Box<str>>)>,
}

impl Ready {
    fn new(n: usize) -> Ready {
        Ready {
            n,
            keys: Keys::default(),
            closed: Ids::default(),
            twice: FastMap::default(),
            free: Vec::new(),
            free_total: 0,
            cut: None,
            waiting: Vec::new(),
        }
    }

    /// How many of a kind are kept before the first `n` are picked out.
    fn bound(&self) -> usize {
        2 * self.n.max(64)
    }

    /// Takes the ticket `t` in; `Some`: it is ready and waits for none, and
    /// its record is to be given to [`Ready::keep`] with this place.
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
        let place = Place::of(t, &mut self.keys);
        if t.meta.depends_on.is_empty() {
            return Some(place);
        }
        let deps = t.meta.depends_on.iter().map(|d| Box::from(&**d)).collect();
        let place = Some(place).filter(|p| self.cut.as_ref().is_none_or(|c| p < c));
        self.waiting.push((place, deps));
        None
    }

    /// Keeps the record of a ready ticket that waits for none.
    fn keep(&mut self, place: Place, e: Entry) {
        self.free_total += 1;
        self.free.push((place, e));
        if self.free.len() >= self.bound() {
            first(&mut self.free, self.n);
            self.cut = self
                .free
                .get(self.n.wrapping_sub(1))
                .map(|(p, _)| p.clone());
        }
    }

    /// The first `n` ready tickets' records, in order (those that wait
    /// looked up again in `index`), and how many are ready. `None`: a ticket
    /// that waits waits for an id on two files, or a record is not found
    /// again.
    fn finish(mut self, index: &super::index::Index) -> Option<(Vec<Entry>, usize)> {
        first(&mut self.free, self.n);
        let on_two = |d: &str| IdKey::parse(d).is_some_and(|k| self.twice.contains_key(&k));
        let mut total = self.free_total;
        let mut ready: Vec<Place> = Vec::new();
        for (place, deps) in self.waiting {
            // Nearly always no id is on two files: no dependency parsed for it.
            if !self.twice.is_empty() && deps.iter().any(|d| on_two(d)) {
                return None;
            }
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
        let mut shown: Vec<(Place, Option<Entry>)> = self
            .free
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
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Shown {
    primary: Primary<Box<str>>,
    key: IdKey,
    rel: Box<str>,
}

impl Shown {
    fn of(t: &super::Ticket<'_>, keys: &mut Keys) -> Shown {
        let (primary, key, rel) = key_of(t);
        let primary = match primary {
            Primary::Started(s) => Primary::Started(s.map(Box::from)),
            Primary::Latest(std::cmp::Reverse(s)) => {
                Primary::Latest(std::cmp::Reverse(s.map(Box::from)))
            }
            Primary::Rank(r) => Primary::Rank(r),
        };
        Shown {
            primary,
            key: keys.own(key),
            rel: rel.into(),
        }
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

/// Every id seen, each with whether its ticket is closed: an id that is a
/// prefix and a number alone (nearly every one) as two numbers (its
/// prefix's number in [`Keys`], and its own), in a table a fifth the size
/// of one of whole ids (at 100,000 tickets, 3 MB against 12); any other
/// whole.
#[derive(Default)]
struct Ids {
    plain: FastMap<(u32, u64), bool>,
    other: FastMap<IdKey, bool>,
}

impl Ids {
    fn plain(k: &IdKey) -> bool {
        k.numbered && k.sub.is_empty() && k.suffix.is_empty()
    }

    /// Records `k` as `closed`; `false` (and nothing changed) when it was
    /// seen before.
    fn insert(&mut self, k: &IdKey, closed: bool, keys: &mut Keys) -> bool {
        fn first_time<K: std::hash::Hash + Eq>(map: &mut FastMap<K, bool>, k: K, v: bool) -> bool {
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
            first_time(&mut self.plain, (prefix, k.num), closed)
        } else {
            first_time(&mut self.other, keys.own(k), closed)
        }
    }

    /// Whether the ticket of `k` is closed; `None` when no ticket has it.
    fn get(&self, k: &IdKey, keys: &Keys) -> Option<bool> {
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
struct Keys {
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

    fn own(&mut self, k: &IdKey) -> IdKey {
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
mod tests {
    use super::super::{Scan, Upkeep};
    use super::*;
    use std::fs;

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
    /// and no answer once a dependency's id is on two files.
    #[test]
    fn the_best_ready_ticket_by_the_index_is_the_full_view_s() {
        let dir = super::super::testing::with_pending(0);
        let root = dir.path();
        let tree = Tree::open(root, root).unwrap();
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

        // A dependency's id on two files: the full view decides.
        write(
            root,
            "pending",
            2,
            "priority: high\ndepends_on: [TIX-0001]\n",
        );
        write(root, "pending", 9, "priority: low\n");
        fs::write(
            root.join("pending/TIX-0001-again.md"),
            "---\nid: TIX-0001\ntitle: t\n---\n",
        )
        .unwrap();
        full(&tree);
        assert!(tree.best_ready_by_index().is_none());
    }

    /// Once enough free tickets are seen to know the first, a ticket that
    /// waits and comes after it keeps no place, only its count: 130 free
    /// ones (high), then 1,100 that wait (medium), then 1,100 more that wait
    /// (critical), every dependency closed: the first of the last ones, as
    /// the full view says.
    #[test]
    fn tickets_that_wait_keep_a_place_only_before_the_first_free_ones() {
        let dir = super::super::testing::with_pending(0);
        let root = dir.path();
        let tree = Tree::open(root, root).unwrap();
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
    type Drawn = (usize, usize, Option<usize>, Vec<usize>, usize, bool);

    /// Writes the tickets drawn.
    fn draw(root: &std::path::Path, drawn: &[Drawn]) {
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
    fn drawn() -> impl proptest::strategy::Strategy<Value = Vec<Drawn>> {
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

        /// On any small tree (statuses, priorities, dates, waits for open,
        /// closed and missing ids, ids on two files, files that do not
        /// parse) the index gives the full view's best ready ticket and
        /// count of unreadable files, or leaves the answer to it, which
        /// only an id on two files does. Each ticket drawn: its status (one
        /// of four folders), priority (4: none), day created (if any), the
        /// ids it waits for, its id, and whether its file is cut short.
        #[test]
        fn by_the_index_as_by_the_full_view(drawn in drawn()) {
            let dir = super::super::testing::with_pending(0);
            let root = dir.path();
            let tree = Tree::open(root, root).unwrap();
            draw(root, &drawn);
            let expected = full(&tree);
            let snap = tree.scan(Scan::Cached, Upkeep::Index).unwrap();
            let unreadable = Tree::unreadable(&snap, &tree.tickets(&snap));
            let ids: Vec<usize> = drawn.iter().map(|d| d.4).collect();
            let twice = ids.iter().enumerate().any(|(i, id)| ids[..i].contains(id));
            match tree.best_ready_by_index() {
                Some((best, n)) => {
                    proptest::prop_assert_eq!(best.map(|e| e.rel.to_string()), expected);
                    proptest::prop_assert_eq!(n, unreadable);
                }
                None => proptest::prop_assert!(twice, "no answer, yet no id is on two files"),
            }
        }

        /// A session's start by the index, on any small tree, is what the
        /// full view's tickets give: the first three in progress in
        /// `sort_by_kind`'s order and how many there are, the first three
        /// ready and how many; or no answer, only when an id is on two
        /// files.
        #[test]
        fn a_session_s_start_by_the_index_as_by_the_full_view(drawn in drawn()) {
            let dir = super::super::testing::with_pending(0);
            let root = dir.path();
            let tree = Tree::open(root, root).unwrap();
            draw(root, &drawn);
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
            let ids: Vec<usize> = drawn.iter().map(|d| d.4).collect();
            let twice = ids.iter().enumerate().any(|(i, id)| ids[..i].contains(id));
            match tree.open_by_index(3) {
                Some(open) => {
                    let of = |v: &[Entry]| -> Vec<String> { v.iter().map(|e| e.rel.to_string()).collect() };
                    proptest::prop_assert_eq!(of(&open.in_progress), rels(&in_progress));
                    proptest::prop_assert_eq!(open.in_progress_total, in_progress.len());
                    proptest::prop_assert_eq!(of(&open.ready), rels(&ready));
                    proptest::prop_assert_eq!(open.ready_total, ready_total);
                }
                None => proptest::prop_assert!(twice, "no answer, yet no id is on two files"),
            }
        }
    }
}
