//! Which ticket an id names: exactly one file, or an error that says why
//! (none, with the ids that look like it; several, with their files).

use super::{Entry, IdArg, Snapshot, Tree};
use crate::error::TixError;
use crate::ticket::IdKey;
use anyhow::{Result, bail};

impl Tree {
    /// The one ticket an id names, for a read of that ticket alone (`show`,
    /// `history ID`, `edit`): found by the index when it is exactly the tree
    /// ([`Tree::find_verified`]), else in the whole tree, with
    /// [`Tree::find`]'s errors. The caller holds a lock.
    pub fn find_one(&self, id: &IdArg) -> Result<Entry> {
        if let Some(e) = self.find_verified(id) {
            return Ok(e);
        }
        let snap = self.scan(super::Scan::Cached, super::Upkeep::Index)?;
        Ok(self.find(&snap, id)?.clone())
    }

    /// Finds the one ticket an id names (see [`IdArg`]).
    pub fn find<'s>(&self, snap: &'s Snapshot, id: &IdArg) -> Result<&'s Entry> {
        let hits = self.narrow(
            snap.entries
                .iter()
                .filter(|e| e.key.as_ref().is_some_and(|k| id.matches(k)))
                .collect(),
            id,
        );
        match hits.as_slice() {
            [one] => Ok(one),
            [] => Err(TixError::NotFound {
                id: id.to_string(),
                close: close_matches(snap, id),
            }
            .into()),
            many if many.iter().any(|e| e.key != many[0].key) => {
                // A bare number that several prefixes use (none of them the
                // tree's own): not a duplicate, an ambiguous argument.
                let mut ids: Vec<String> = many
                    .iter()
                    .map(|e| {
                        let id = e
                            .parsed
                            .as_ref()
                            .map(|m| m.id.to_string())
                            .ok()
                            .or_else(|| e.key.as_ref().map(std::string::ToString::to_string))
                            .unwrap_or_default();
                        format!("{id} ({})", self.show(&e.rel))
                    })
                    .collect();
                ids.sort();
                Err(TixError::Usage(format!(
                    "{id} is ambiguous: it is the number of {}; give the full id",
                    ids.join(", ")
                ))
                .into())
            }
            many => {
                let mut paths: Vec<String> = many.iter().map(|e| self.show(&e.rel)).collect();
                paths.sort();
                bail!(
                    "{}: ticket id {id} is used by {} files: {} (rename one; `tix sync --check` lists duplicates)",
                    paths[0],
                    many.len(),
                    paths.join(", ")
                )
            }
        }
    }

    /// A bare number that several prefixes use means the tree's own prefix.
    pub(crate) fn narrow<'e>(&self, hits: Vec<&'e Entry>, id: &IdArg) -> Vec<&'e Entry> {
        if hits.len() > 1 && matches!(id, IdArg::Number(..)) {
            let preferred: Vec<&Entry> = hits
                .iter()
                .copied()
                .filter(|e| {
                    e.key
                        .as_ref()
                        .is_some_and(|k| k.prefix == self.config.id_prefix)
                })
                .collect();
            if !preferred.is_empty() {
                return preferred;
            }
        }
        hits
    }
}

/// Up to three ids that look like what was asked for.
fn close_matches(snap: &Snapshot, id: &IdArg) -> Vec<String> {
    let wanted = id.to_string().to_ascii_uppercase();
    let mut scored: Vec<(usize, String)> = snap
        .entries
        .iter()
        .filter_map(|e| {
            let shown = e.parsed.as_ref().map(|m| m.id.to_string()).ok()?;
            let k = IdKey::parse(&shown)?;
            let same_number = match id {
                IdArg::Full(w, _) => w.num == k.num,
                IdArg::Number(n, _) => *n == k.num,
            };
            let d = strsim::levenshtein(&wanted, &shown.to_ascii_uppercase());
            let score = if same_number { 0 } else { d };
            (score <= 2).then_some((score, shown))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, s)| s).collect()
}
