//! Dependencies between open tickets that keep them waiting for ever: an id
//! no ticket has, and cycles (`TIX-0011` → `TIX-0012` → `TIX-0011`). Closed
//! tickets wait for nothing, and a closed dependency is met, so only open
//! tickets and the edges between them count.

use crate::id::IdKey;
use crate::model::{FastMap, Ticket};

/// A ticket that waits for ever, and why.
#[derive(Debug, Clone)]
pub enum Stuck<'a> {
    /// `depends_on` names these, as written, and no ticket has them.
    Missing {
        ticket: Ticket<'a>,
        ids: Vec<&'a str>,
    },
    /// The ticket depends on itself through `cycle` (ids, starting and
    /// ending with its own), or, in a knot of more than [`MAX_SHOWN`]
    /// tickets, through `size` tickets of which `cycle` names the first.
    Cycle {
        ticket: Ticket<'a>,
        cycle: Vec<&'a str>,
        size: usize,
    },
}

/// Longest cycle written out in full.
pub const MAX_SHOWN: usize = 32;

/// Every open ticket that waits for ever, in the order of `tickets`.
#[must_use]
pub fn stuck<'a>(tickets: &[Ticket<'a>]) -> Vec<Stuck<'a>> {
    // Every id in the tree (a dependency on a closed ticket is met), and
    // the open tickets, each id once (a duplicate is a problem of its own).
    let mut known: FastMap<&IdKey, usize> = FastMap::default();
    known.reserve(tickets.len());
    let mut open: Vec<usize> = Vec::new();
    for (i, t) in tickets.iter().enumerate() {
        // One lookup a ticket, not two.
        if let std::collections::hash_map::Entry::Vacant(slot) = known.entry(t.key) {
            slot.insert(i);
            if !t.kind.is_closed() {
                open.push(i);
            }
        }
    }
    // Each ticket's node, by its place in `tickets` (open ones only).
    let mut node: Vec<Option<usize>> = vec![None; tickets.len()];
    for (n, &i) in open.iter().enumerate() {
        node[i] = Some(n);
    }
    let mut out = Vec::new();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); open.len()];
    for (n, &i) in open.iter().enumerate() {
        let t = tickets[i];
        let mut missing = Vec::new();
        for d in &t.meta.depends_on {
            match IdKey::parse_text(d).and_then(|k| known.get(&k).copied()) {
                None => missing.push(&**d),
                Some(j) => {
                    if let Some(m) = node[j]
                        && !edges[n].contains(&m)
                    {
                        edges[n].push(m);
                    }
                }
            }
        }
        if !missing.is_empty() {
            out.push((
                i,
                Stuck::Missing {
                    ticket: t,
                    ids: missing,
                },
            ));
        }
    }
    for scc in knots(&edges) {
        let mut inside = vec![false; open.len()];
        for &n in &scc {
            inside[n] = true;
        }
        let id = |n: usize| &*tickets[open[n]].meta.id;
        for &n in &scc {
            let cycle = if scc.len() <= MAX_SHOWN {
                cycle_through(n, &edges, &inside)
            } else {
                let mut first: Vec<usize> = scc.clone();
                first.sort_unstable();
                first.truncate(MAX_SHOWN);
                first
            };
            out.push((
                open[n],
                Stuck::Cycle {
                    ticket: tickets[open[n]],
                    cycle: cycle.into_iter().map(id).collect(),
                    size: scc.len(),
                },
            ));
        }
    }
    out.sort_by_key(|(i, s)| (*i, matches!(s, Stuck::Cycle { .. })));
    out.into_iter().map(|(_, s)| s).collect()
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

    fn said(stuck: &[Stuck<'_>]) -> Vec<String> {
        stuck
            .iter()
            .map(|s| match s {
                Stuck::Missing { ticket, ids } => {
                    format!("{} missing {}", ticket.meta.id, ids.join(","))
                }
                Stuck::Cycle {
                    ticket,
                    cycle,
                    size,
                } => {
                    format!("{} cycle {} of {size}", ticket.meta.id, cycle.join(">"))
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
            said(&stuck(&tickets(&t))),
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
        let Stuck::Cycle { cycle, size, .. } = &found[0] else {
            panic!("{found:?}")
        };
        assert_eq!((*size, cycle.len()), (n, MAX_SHOWN));
    }
}
