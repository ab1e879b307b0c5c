//! Dependencies between open tickets that keep them waiting for ever: an id
//! no ticket has, and cycles (`TIX-0011` → `TIX-0012` → `TIX-0011`). Closed
//! tickets wait for nothing, and a closed dependency is met, so only open
//! tickets and the edges between them count.

use crate::id::IdKey;
use crate::model::{FastMap, Ticket};

/// Why a ticket waits for ever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stuck<'a> {
    /// `depends_on` names these, as written, and no ticket has them.
    Missing { ids: Vec<&'a str> },
    /// The ticket depends on itself through `cycle` (ids, starting and
    /// ending with its own), or, in a knot of more than [`MAX_SHOWN`]
    /// tickets, through `size` tickets of which `cycle` names the first.
    Cycle { cycle: Vec<&'a str>, size: usize },
}

/// Longest cycle written out in full.
pub const MAX_SHOWN: usize = 32;

/// An open ticket that waits for others, as the graph sees it: its id and
/// what it depends on, as written. An open ticket that waits for none is
/// in no cycle and an edge to it leads nowhere, so it need not be one.
pub struct Waiter<'a, D> {
    pub id: &'a str,
    pub deps: &'a [D],
}

/// Where an id leads: no ticket has it (`None`), a ticket that is no
/// [`Waiter`] (`Some(None)`), or the waiter of that place (`Some(Some(n))`).
pub type Known = Option<Option<usize>>;

/// Every open ticket that waits for ever ([`stuck_of`]), each with its
/// place in `tickets`; in the order of `tickets` but where a ticket of an
/// id on two files came after another of that id and stands for it (the
/// first by path): in that one's place. Callers sort what they report.
#[must_use]
pub fn stuck<'a>(tickets: &[Ticket<'a>]) -> Vec<(usize, Stuck<'a>)> {
    // Every id in the tree (a dependency on a closed ticket is met), and
    // the open tickets that wait, each id once: of the tickets of an id on
    // two files (a problem of its own), the first by path, whatever order
    // they come in. One lookup a ticket, not two.
    let mut known: FastMap<&IdKey, (usize, Option<usize>)> = FastMap::default();
    known.reserve(tickets.len());
    // Each node's ticket; `GONE`: a node whose id went to a ticket that
    // waits for none (no deps, no edges: never stuck).
    const GONE: usize = usize::MAX;
    let mut waiting: Vec<usize> = Vec::new();
    for (i, t) in tickets.iter().enumerate() {
        let waits = !t.kind.is_closed() && !t.meta.depends_on.is_empty();
        match known.entry(t.key) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert((i, waits.then_some(waiting.len())));
                if waits {
                    waiting.push(i);
                }
            }
            std::collections::hash_map::Entry::Occupied(mut slot) => {
                let (owner, node) = *slot.get();
                if t.rel >= tickets[owner].rel {
                    continue;
                }
                let node = match (node, waits) {
                    (Some(n), true) => {
                        waiting[n] = i;
                        Some(n)
                    }
                    (Some(n), false) => {
                        waiting[n] = GONE;
                        None
                    }
                    (None, true) => {
                        waiting.push(i);
                        Some(waiting.len() - 1)
                    }
                    (None, false) => None,
                };
                slot.insert((i, node));
            }
        }
    }
    let nodes: Vec<Waiter<'a, crate::ticket::Text>> = waiting
        .iter()
        .map(|&i| match tickets.get(i) {
            Some(t) => Waiter {
                id: &t.meta.id,
                deps: &t.meta.depends_on,
            },
            None => Waiter { id: "", deps: &[] },
        })
        .collect();
    stuck_of(&nodes, |k| known.get(k).map(|&(_, node)| node))
        .into_iter()
        .map(|(n, s)| (waiting[n], s))
        .collect()
}

/// Which of `nodes` (the open tickets that wait, in an order of the tickets)
/// wait for ever, each by its place in `nodes`, in that order (a ticket's
/// missing ids before its cycle); `known` says where an id leads.
#[must_use]
pub fn stuck_of<'a, D: AsRef<str>>(
    nodes: &[Waiter<'a, D>],
    known: impl Fn(&IdKey) -> Known,
) -> Vec<(usize, Stuck<'a>)> {
    let mut out = Vec::new();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (n, node) in nodes.iter().enumerate() {
        let mut missing = Vec::new();
        for d in node.deps {
            let d = d.as_ref();
            match IdKey::parse(d).and_then(|k| known(&k)) {
                None => missing.push(d),
                Some(Some(m)) if !edges[n].contains(&m) => edges[n].push(m),
                Some(_) => {}
            }
        }
        if !missing.is_empty() {
            out.push((n, Stuck::Missing { ids: missing }));
        }
    }
    for scc in knots(&edges) {
        let id = |n: usize| nodes[n].id;
        if scc.len() > MAX_SHOWN {
            // The same first few for each ticket of a large knot: the first
            // by id, whatever order the tickets came in (a folder's listing,
            // or the index's).
            let mut first: Vec<usize> = scc.clone();
            first.sort_by_cached_key(|&n| (IdKey::parse(nodes[n].id), nodes[n].id));
            first.truncate(MAX_SHOWN);
            let cycle: Vec<&str> = first.into_iter().map(id).collect();
            out.extend(scc.iter().map(|&n| {
                let cycle = cycle.clone();
                let size = scc.len();
                (n, Stuck::Cycle { cycle, size })
            }));
            continue;
        }
        let mut inside = vec![false; nodes.len()];
        for &n in &scc {
            inside[n] = true;
        }
        for &n in &scc {
            let cycle = cycle_through(n, &edges, &inside);
            out.push((
                n,
                Stuck::Cycle {
                    cycle: cycle.into_iter().map(id).collect(),
                    size: scc.len(),
                },
            ));
        }
    }
    out.sort_by_key(|(n, s)| (*n, matches!(s, Stuck::Cycle { .. })));
    out
}

/// The knots of the graph: its strongly connected components of more than
/// one node, or of one that depends on itself (Tarjan's algorithm, without
/// recursion: a knot may be thousands of tickets long). A node alone, what
/// nearly every ticket is, costs no allocation.
pub(crate) fn knots(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const NONE: usize = usize::MAX;
    let n = edges.len();
    let (mut index, mut low) = (vec![NONE; n], vec![0; n]);
    let mut on_stack = vec![false; n];
    let (mut stack, mut out, mut next) = (Vec::new(), Vec::new(), 0);
    let mut walk: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if index[root] != NONE {
            continue;
        }
        // (node, how many of its edges were followed)
        walk.clear();
        walk.push((root, 0));
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut e)) = walk.last_mut() {
            if let Some(&w) = edges[v].get(*e) {
                *e += 1;
                if index[w] == NONE {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    walk.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            walk.pop();
            if let Some(&(parent, _)) = walk.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                if stack.last() == Some(&v) && !edges[v].contains(&v) {
                    stack.pop();
                    on_stack[v] = false;
                    continue;
                }
                let mut scc = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    scc.push(w);
                    if w == v {
                        break;
                    }
                }
                scc.reverse();
                out.push(scc);
            }
        }
    }
    out
}

/// A shortest cycle from `start` back to itself through the nodes `inside`
/// (breadth first), as the nodes it passes, `start` at both ends.
fn cycle_through(start: usize, edges: &[Vec<usize>], inside: &[bool]) -> Vec<usize> {
    let mut parent: FastMap<usize, usize> = FastMap::default();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in &edges[v] {
            if w == start {
                // v, its parent, …, start: walked back, then turned round.
                let mut path = vec![v];
                let mut at = v;
                while at != start {
                    match parent.get(&at) {
                        Some(&p) => at = p,
                        None => break,
                    }
                    path.push(at);
                }
                path.reverse();
                path.push(start);
                return path;
            }
            if inside[w] && !parent.contains_key(&w) {
                parent.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    vec![start, start]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Kind;
    use crate::ticket::{Meta, Text};

    struct Tree {
        keys: Vec<IdKey>,
        metas: Vec<Meta>,
        kinds: Vec<Kind>,
    }

    /// Tickets `(id, kind, depends_on)`.
    fn tree(spec: &[(&str, Kind, &[&str])]) -> Tree {
        Tree {
            keys: spec
                .iter()
                .map(|(id, ..)| IdKey::parse(id).unwrap())
                .collect(),
            metas: spec
                .iter()
                .map(|(id, _, deps)| Meta {
                    id: Text::from(id.to_string()),
                    depends_on: deps.iter().map(|d| Text::from(d.to_string())).collect(),
                    ..Meta::default()
                })
                .collect(),
            kinds: spec.iter().map(|(_, k, _)| *k).collect(),
        }
    }

    fn tickets(t: &Tree) -> Vec<Ticket<'_>> {
        (0..t.keys.len())
            .map(|i| Ticket {
                key: &t.keys[i],
                rel: "x.md",
                meta: &t.metas[i],
                status: "s",
                kind: t.kinds[i],
            })
            .collect()
    }

    fn said(t: &Tree) -> Vec<String> {
        stuck(&tickets(t))
            .iter()
            .map(|(i, s)| match s {
                Stuck::Missing { ids } => {
                    format!("{} missing {}", t.metas[*i].id, ids.join(","))
                }
                Stuck::Cycle { cycle, size } => {
                    format!("{} cycle {} of {size}", t.metas[*i].id, cycle.join(">"))
                }
            })
            .collect()
    }

    use Kind::{Completed as C, InProgress as I, Pending as P};

    #[test]
    fn missing_ids_and_cycles_of_open_tickets_are_found() {
        let t = tree(&[
            ("TIX-1", P, &["TIX-2"]),
            ("TIX-2", P, &["tix-1"]),
            ("TIX-3", P, &["TIX-99", "TIX-4", "not an id"]),
            ("TIX-4", C, &["TIX-4", "TIX-98"]),
            ("TIX-5", I, &["TIX-5"]),
            ("TIX-6", P, &["TIX-7"]),
            ("TIX-7", P, &["TIX-8"]),
            ("TIX-8", P, &["TIX-6", "TIX-1"]),
        ]);
        assert_eq!(
            said(&t),
            [
                "TIX-1 cycle TIX-1>TIX-2>TIX-1 of 2",
                "TIX-2 cycle TIX-2>TIX-1>TIX-2 of 2",
                "TIX-3 missing TIX-99,not an id",
                "TIX-5 cycle TIX-5>TIX-5 of 1",
                "TIX-6 cycle TIX-6>TIX-7>TIX-8>TIX-6 of 3",
                "TIX-7 cycle TIX-7>TIX-8>TIX-6>TIX-7 of 3",
                "TIX-8 cycle TIX-8>TIX-6>TIX-7>TIX-8 of 3",
            ]
        );
    }

    /// Of the tickets of an id on two files, the walk takes the first by
    /// path, whatever order they come in (a folder's listing, the index's).
    #[test]
    fn of_an_id_on_two_files_the_first_by_path_counts_in_any_order() {
        let t = tree(&[
            ("TIX-1", P, &["TIX-9"]),
            ("TIX-1", P, &[]),
            ("TIX-2", P, &["TIX-1"]),
        ]);
        let said = |rels: [&'static str; 3], reversed: bool| {
            let mut all = tickets(&t);
            for (x, rel) in all.iter_mut().zip(rels) {
                x.rel = rel;
            }
            if reversed {
                all.reverse();
            }
            stuck(&all)
                .into_iter()
                .map(|(i, s)| (all[i].rel, s))
                .collect::<Vec<_>>()
        };
        // The first waits for an id no ticket has.
        for reversed in [false, true] {
            assert_eq!(
                said(["a.md", "b.md", "c.md"], reversed),
                [("a.md", Stuck::Missing { ids: vec!["TIX-9"] })],
            );
        }
        // The first waits for none: nothing is stuck.
        for reversed in [false, true] {
            assert_eq!(said(["b.md", "a.md", "c.md"], reversed), []);
        }
    }

    #[test]
    fn a_dependency_on_a_closed_ticket_breaks_no_cycle_it_is_met() {
        let t = tree(&[("TIX-1", P, &["TIX-2"]), ("TIX-2", C, &["TIX-1"])]);
        assert!(stuck(&tickets(&t)).is_empty());
    }

    #[test]
    fn a_knot_of_thousands_is_found_without_recursion_and_shown_short() {
        let n = 5000;
        let ids: Vec<String> = (1..=n).map(|i| format!("TIX-{i}")).collect();
        let deps: Vec<[&str; 1]> = (0..n).map(|i| [ids[(i + 1) % n].as_str()]).collect();
        let spec: Vec<(&str, Kind, &[&str])> =
            (0..n).map(|i| (ids[i].as_str(), P, &deps[i][..])).collect();
        let t = tree(&spec);
        let found = stuck(&tickets(&t));
        assert_eq!(found.len(), n);
        let (0, Stuck::Cycle { cycle, size }) = &found[0] else {
            panic!("{found:?}")
        };
        assert_eq!((*size, cycle.len()), (n, MAX_SHOWN));
        // The first ids by id, whatever order the tickets come in (a
        // folder's listing, or the index's): the same for each ticket.
        let first: Vec<String> = (1..=MAX_SHOWN).map(|i| format!("TIX-{i}")).collect();
        assert_eq!(cycle, &first);
        let mut reversed = spec.clone();
        reversed.reverse();
        let t = tree(&reversed);
        for (_, s) in stuck(&tickets(&t)) {
            let Stuck::Cycle { cycle, .. } = s else {
                panic!("{s:?}")
            };
            assert_eq!(cycle, first);
        }
    }
}
