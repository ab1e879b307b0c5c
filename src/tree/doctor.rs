//! `tix doctor`: what an interrupted run or a hand edit can leave behind —
//! an unfinished change, temp files, a lock left by a dead process, a ticket
//! in two folders or in the wrong one, a stale index or registry — found
//! without changing anything ([`Tree::examine`]), repaired with `--fix`
//! ([`Tree::repair`]). A repair never deletes a user's bytes: a second copy of
//! a ticket is set aside in `.tix/conflicts/`. Every repair is in the audit log.

use super::index;
use super::{
    Change, Entry, Event, Lock, Problem, REGISTRY, STATE_DIR, Scan, Snapshot, State, Tree, fsx,
    journal, runs,
};
use crate::ticket::{self, IdKey, NewValue};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::fs;

/// A problem, and what `--fix` did about it (`None`: left as it is).
#[derive(Debug, Clone)]
pub struct Finding {
    pub problem: Problem,
    pub fixed: Option<String>,
}

fn problem(kind: &'static str, path: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        kind,
        path: path.into(),
        line: None,
        message: message.into(),
    }
}

impl Tree {
    /// Everything wrong with the tree and its tool state, reading every file
    /// and changing nothing. `lock` is what the caller holds (if the tree had
    /// a lock file at all).
    pub fn examine(&self, lock: Option<&Lock>) -> Result<Vec<Problem>> {
        let mut out = Vec::new();
        let state = self.state_dir();
        if self.has_journal() {
            out.push(problem(
                "unfinished_change",
                format!("{STATE_DIR}/journal.json"),
                "a change was interrupted (`tix doctor --fix` finishes or rolls it back)",
            ));
        }
        if let Some(by) = lock.and_then(|l| l.left_by.as_deref()) {
            out.push(problem(
                "stale_lock",
                format!("{STATE_DIR}/lock"),
                format!("left by a process that died while changing the tree ({by})"),
            ));
        }
        for rel in self.temp_files()? {
            out.push(problem("temp_file", rel, "left by an interrupted write"));
        }
        if state.join("runs.json").exists() && runs::load(&state).is_err() {
            out.push(problem(
                "runs_unreadable",
                format!("{STATE_DIR}/runs.json"),
                "not a file tix wrote; the hook sets it aside",
            ));
        }
        let snap = self.scan(Scan::Fresh, false)?;
        out.extend(self.problems(&snap));
        if let Some(p) = self.index_problem(&snap) {
            out.push(p);
        }
        match self.registry_fresh(&snap, false)? {
            Some(true) => {}
            Some(false) => out.push(problem(
                "registry_stale",
                REGISTRY,
                "does not match the tickets",
            )),
            None => out.push(problem("registry_missing", REGISTRY, "is missing")),
        }
        Ok(out)
    }

    /// Finds and repairs what can be repaired; returns every problem found,
    /// with what was done, then those left (a malformed ticket is for a person).
    pub fn repair(&self, lock: &Lock, now: &str) -> Result<Vec<Finding>> {
        let found = self.examine(Some(lock))?;
        let mut out: Vec<Finding> = Vec::new();
        let mut done = |p: &Problem, what: String| {
            out.push(Finding {
                problem: p.clone(),
                fixed: Some(what),
            })
        };
        let state = self.state_dir();
        let note = |ticket: &str, reason: String| {
            journal::append_event(
                &state,
                &Event {
                    time: now.to_string(),
                    ticket: ticket.to_string(),
                    action: "repair".into(),
                    actor: "user".into(),
                    reason: Some(format!("doctor: {reason}")),
                    ..Event::default()
                },
            )
        };

        for p in found.iter().filter(|p| p.kind == "unfinished_change") {
            let what = match self.recover(lock)? {
                Some((intent, true)) => format!(
                    "finished the interrupted change of {} ({} → {})",
                    intent.event.ticket,
                    intent.event.from.as_deref().unwrap_or("-"),
                    intent.event.to.as_deref().unwrap_or("-")
                ),
                Some((intent, false)) => format!(
                    "rolled back the interrupted change of {} ({} stays as it was)",
                    intent.event.ticket,
                    intent.src.as_deref().unwrap_or(&intent.dst)
                ),
                None => {
                    "cleared a journal whose writing was interrupted (no step was taken)".into()
                }
            };
            note("-", what.clone())?;
            done(p, what);
        }
        for p in found.iter().filter(|p| p.kind == "stale_lock") {
            let what = "taken over and released cleanly".to_string();
            note("-", format!("{}: lock {what}", p.message))?;
            done(p, what);
        }
        for p in found.iter().filter(|p| p.kind == "temp_file") {
            match fs::remove_file(self.path(&p.path)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {} // recovery took it
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("failed to remove {}", self.show(&p.path)));
                }
            }
            note("-", format!("removed the temp file {}", p.path))?;
            done(p, "removed".into());
        }
        for p in found.iter().filter(|p| p.kind == "runs_unreadable") {
            fs::rename(state.join("runs.json"), state.join("runs.json.corrupt"))
                .context("failed to set aside .tix/runs.json")?;
            note(
                "-",
                "set aside an unreadable .tix/runs.json as runs.json.corrupt".into(),
            )?;
            done(p, "set aside as .tix/runs.json.corrupt".into());
        }

        // Git conflict markers in a ticket's frontmatter: one side is kept.
        let snap = self.scan(Scan::Listed, false)?;
        for e in snap.entries.iter().filter(|e| e.parsed.is_err()) {
            if let Some((id, what)) = self.settle_conflict(&e.rel, now)? {
                note(&id, format!("{}: {what}", e.rel))?;
                if let Some(p) = found
                    .iter()
                    .find(|p| p.kind == "malformed" && p.path == *e.rel)
                {
                    done(p, what);
                }
            }
        }
        // A ticket in two folders (or an id two tickets share).
        let duplicates: Vec<&Problem> = found.iter().filter(|p| p.kind == "duplicate_id").collect();
        if !duplicates.is_empty() {
            let fixes = self.resolve_duplicates(lock, now)?;
            for p in duplicates {
                if let Some((ticket, what)) = fixes.get(&p.path) {
                    // A renumbering is in the log as its own transition.
                    if what.starts_with("an older copy") {
                        note(ticket, what.clone())?;
                    }
                    done(p, what.clone());
                }
            }
        }
        // A ticket in the wrong folder goes where its status says.
        let mut st = State::full(self, lock)?;
        let snap = st.snapshot()?;
        let misplaced: Vec<(String, String, Event)> = self
            .tickets(snap)
            .into_iter()
            .filter_map(|t| {
                let want = self.config.status(t.meta.status.as_deref()?)?;
                let dir = t.rel.split('/').next()?;
                (want.dir != dir).then(|| {
                    let name = t.rel.rsplit('/').next().unwrap_or(t.rel);
                    let event = Event {
                        time: now.to_string(),
                        ticket: t.meta.id.to_string(),
                        action: "repair".into(),
                        from: Some(self.folder_status(dir).unwrap_or(dir).to_string()),
                        to: Some(want.name.clone()),
                        actor: "user".into(),
                        reason: Some("doctor: the file was in the wrong folder".into()),
                        tx: Some(crate::transition::new_tx()),
                        ..Event::default()
                    };
                    (t.rel.to_string(), format!("{}/{name}", want.dir), event)
                })
            })
            .collect();
        for (src, dst, event) in misplaced {
            let content = fs::read_to_string(self.path(&src))
                .with_context(|| format!("failed to read {}", self.show(&src)))?;
            st.commit(Change {
                src: Some(src.clone()),
                dst: dst.clone(),
                content,
                event,
            })?;
            if let Some(p) = found
                .iter()
                .find(|p| p.kind == "misplaced" && p.path == src)
            {
                done(p, format!("moved to {dst}"));
            }
        }
        // The registry and the index, from the tickets as they are now.
        let wrote = st.write_registry()?;
        for p in found
            .iter()
            .filter(|p| matches!(p.kind, "registry_stale" | "registry_missing"))
        {
            let what = if wrote { "regenerated" } else { "matches now" };
            if wrote {
                note("-", format!("regenerated {REGISTRY}"))?;
            }
            done(p, what.into());
        }
        for p in found.iter().filter(|p| p.kind == "index_stale") {
            note("-", "rebuilt .tix/index from the tickets".into())?;
            done(p, "rebuilt".into());
        }
        // Whatever is still wrong is for a person; what went away with the
        // repairs above (a copy the recovery removed) is said so.
        drop(st);
        let left: Vec<Problem> = self
            .examine(Some(lock))?
            .into_iter()
            .filter(|p| p.kind != "stale_lock")
            .collect();
        for p in &found {
            if !out.iter().any(|f| f.problem == *p) && !left.contains(p) {
                out.push(Finding {
                    problem: p.clone(),
                    fixed: Some("resolved by the repairs above".into()),
                });
            }
        }
        for p in left {
            if !out.iter().any(|f| f.problem == p && f.fixed.is_some()) {
                out.push(Finding {
                    problem: p,
                    fixed: None,
                });
            }
        }
        Ok(out)
    }

    /// `.tix-tmp-*` files (and a registry link) that an interrupted write left.
    fn temp_files(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut dirs: Vec<String> = vec![String::new(), STATE_DIR.to_string()];
        dirs.extend(self.config.statuses.iter().map(|s| s.dir.clone()));
        for dir in dirs {
            let path = if dir.is_empty() {
                self.root.clone()
            } else {
                self.path(&dir)
            };
            let Ok(listing) = fs::read_dir(&path) else {
                continue;
            };
            for e in listing.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let ours = name.starts_with(fsx::TEMP_PREFIX)
                    || (dir == STATE_DIR && name == "registry.keep");
                if ours && e.file_type().is_ok_and(|t| t.is_file()) {
                    out.push(if dir.is_empty() {
                        name
                    } else {
                        format!("{dir}/{name}")
                    });
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// The index disagrees with what the files say (a hand edit tix has not
    /// seen yet, or an index from another state).
    fn index_problem(&self, snap: &Snapshot) -> Option<Problem> {
        let idx = index::load(&self.index_path(), &self.fingerprint())?;
        let Some(entries) = idx.entries() else {
            return Some(problem(
                "index_stale",
                format!("{STATE_DIR}/index"),
                "cannot be read",
            ));
        };
        let known: BTreeMap<&str, &Entry> = entries.iter().map(|e| (&*e.rel, e)).collect();
        let differs = entries.len() != snap.entries.len()
            || snap.entries.iter().any(|e| {
                known.get(&*e.rel).is_none_or(|k| {
                    k.parsed != e.parsed || (k.stamp != e.stamp && e.parsed.is_ok())
                })
            });
        differs.then(|| {
            problem(
                "index_stale",
                format!("{STATE_DIR}/index"),
                "does not match the ticket files (a hand edit, a checkout); rebuilt by the next read, or by --fix",
            )
        })
    }

    /// Settles every id that more than one file carries. Copies of one ticket
    /// (the same `created`, or the same title when it has none): the newest by
    /// `updated` stays, the others go to `.tix/conflicts/`. Different tickets
    /// that share an id (made on two branches): the oldest keeps it, the
    /// others get the next free ids. Returns, per path, the ticket and what
    /// was done.
    fn resolve_duplicates(
        &self,
        lock: &Lock,
        now: &str,
    ) -> Result<BTreeMap<String, (String, String)>> {
        let mut out = BTreeMap::new();
        let snap = self.scan(Scan::Listed, false)?;
        let meta = |e: &Entry| e.parsed.as_ref().ok().cloned().unwrap_or_default();
        let mut groups: BTreeMap<&IdKey, Vec<&Entry>> = BTreeMap::new();
        for e in snap.entries.iter().filter(|e| e.parsed.is_ok()) {
            if let Some(k) = &e.key {
                groups.entry(k).or_default().push(e);
            }
        }
        // First every copy is set aside; then the tickets that share an id
        // with another one are renumbered (in a state listed afresh).
        let mut renumber: Vec<(IdKey, String, String)> = Vec::new();
        for (key, members) in groups.into_iter().filter(|(_, m)| m.len() > 1) {
            let mut tickets: Vec<Vec<&Entry>> = Vec::new();
            for e in members {
                let m = meta(e);
                let same = |o: &&Entry| {
                    let n = meta(o);
                    match (&m.created, &n.created) {
                        (Some(a), Some(b)) => a == b,
                        (None, None) => m.title == n.title,
                        _ => false,
                    }
                };
                match tickets.iter_mut().find(|c| c.iter().any(same)) {
                    Some(c) => c.push(e),
                    None => tickets.push(vec![e]),
                }
            }
            // The oldest ticket keeps the id.
            tickets.sort_by(|a, b| {
                let created = |c: &Vec<&Entry>| meta(c[0]).created.map(|c| c.into_owned());
                (created(a).is_none(), created(a), &a[0].rel).cmp(&(
                    created(b).is_none(),
                    created(b),
                    &b[0].rel,
                ))
            });
            for (n, mut copies) in tickets.into_iter().enumerate() {
                // The newest copy by `updated` stays (then the last path).
                copies.sort_by(|a, b| (meta(a).updated, &a.rel).cmp(&(meta(b).updated, &b.rel)));
                let Some(kept) = copies.pop() else { continue };
                let id = meta(kept).id.to_string();
                for e in copies {
                    let aside = self.set_aside(&e.rel, now)?;
                    out.insert(
                        e.rel.to_string(),
                        (
                            id.clone(),
                            format!("an older copy of {}: set aside as {aside}", kept.rel),
                        ),
                    );
                }
                if n == 0 {
                    out.insert(
                        kept.rel.to_string(),
                        (id, "kept (the newest copy of the oldest ticket)".into()),
                    );
                } else {
                    renumber.push((key.clone(), kept.rel.to_string(), id));
                }
            }
        }
        if renumber.is_empty() {
            return Ok(out);
        }
        let mut st = State::full(self, lock)?;
        for (key, rel, old_id) in renumber {
            // Another ticket with the same id: it gets the next free one.
            let num = st.next_number(&key.prefix)?;
            let new_id = ticket::format_id(&key.prefix, num);
            let (text, _) = super::read_ticket(self, &rel)?;
            let content =
                super::edit_ticket(self, &rel, &text, &[("id", NewValue::Str(new_id.clone()))])?;
            let (dir, name) = rel.split_once('/').unwrap_or(("", &rel));
            let rest = IdKey::file_name_parts(name).map_or(".md", |(_, r)| r);
            let dst = format!("{dir}/{new_id}{rest}");
            self.remember_id(&key.prefix, num)?;
            st.commit(Change {
                src: Some(rel.clone()),
                dst: dst.clone(),
                content,
                event: Event {
                    time: now.to_string(),
                    ticket: new_id.clone(),
                    action: "renumber".into(),
                    actor: "user".into(),
                    reason: Some(format!(
                        "doctor: was {old_id}, an id another ticket has (made on another branch?)"
                    )),
                    tx: Some(crate::transition::new_tx()),
                    ..Event::default()
                },
            })?;
            out.insert(
                rel,
                (
                    new_id.clone(),
                    format!(
                        "another ticket with the same id: renumbered {old_id} → {new_id} ({dst})"
                    ),
                ),
            );
        }
        Ok(out)
    }

    /// A ticket file with git conflict markers in its frontmatter only: the
    /// side git labelled with this file's path (a ticket two branches moved
    /// to different folders), else the side with the later `updated`, is
    /// written in place; the conflicted file is kept in `.tix/conflicts/`.
    /// `None` when there is nothing tix can settle (no markers, a conflict in
    /// the body, no side that is a valid ticket).
    fn settle_conflict(&self, rel: &str, now: &str) -> Result<Option<(String, String)>> {
        let Ok(text) = fs::read_to_string(self.path(rel)) else {
            return Ok(None);
        };
        let Some(c) = ticket::conflict(&text) else {
            return Ok(None);
        };
        if !c.frontmatter_only {
            return Ok(None);
        }
        let parse = |side: &str| self.parse_bytes(rel, side.as_bytes()).ok().map(|(m, _)| m);
        let (ours, theirs) = (parse(&c.ours), parse(&c.theirs));
        let names_me = |label: &str| {
            label
                .split_once(':')
                .is_some_and(|(_, p)| p == rel || p.ends_with(&format!("/{rel}")))
        };
        let take_theirs = if names_me(&c.ours_label) {
            false
        } else if names_me(&c.theirs_label) {
            true
        } else {
            match (&ours, &theirs) {
                (Some(o), Some(t)) => t.updated > o.updated,
                (None, Some(_)) => true,
                _ => false,
            }
        };
        let (side, label, meta) = if take_theirs {
            (&c.theirs, &c.theirs_label, theirs)
        } else {
            (&c.ours, &c.ours_label, ours)
        };
        let Some(meta) = meta else {
            return Ok(None);
        };
        let aside = self.aside(rel, now, false)?;
        fsx::write_atomic(&self.path(rel), side.as_bytes(), None, true)
            .with_context(|| format!("failed to write {}", self.show(rel)))?;
        Ok(Some((
            meta.id.to_string(),
            format!(
                "git conflict settled: kept the side of {label}; the conflicted file is kept as {aside}"
            ),
        )))
    }

    /// Moves a file into `.tix/conflicts/` (never deletes it); returns where.
    fn set_aside(&self, rel: &str, now: &str) -> Result<String> {
        self.aside(rel, now, true)
    }

    /// Puts `rel` (moved, or a copy) into `.tix/conflicts/`; returns where.
    fn aside(&self, rel: &str, now: &str, moved: bool) -> Result<String> {
        let dir = self.state_dir().join("conflicts");
        fs::create_dir_all(&dir).context("failed to create .tix/conflicts")?;
        let stamp: String = now.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let base = format!("{stamp}-{}", rel.replace('/', "__"));
        let mut name = base.clone();
        let mut n = 1;
        while dir.join(&name).exists() {
            name = format!("{base}.{n}");
            n += 1;
        }
        let kept = if moved {
            fs::rename(self.path(rel), dir.join(&name))
        } else {
            fs::copy(self.path(rel), dir.join(&name))
                .and_then(|_| fs::File::open(dir.join(&name))?.sync_all())
        };
        kept.with_context(|| format!("failed to set aside {}", self.show(rel)))?;
        fsx::sync_dir(&dir)?;
        if let Some(parent) = self.path(rel).parent() {
            fsx::sync_dir(parent)?;
        }
        Ok(format!("{STATE_DIR}/conflicts/{name}"))
    }
}
