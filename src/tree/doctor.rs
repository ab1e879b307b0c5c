//! `tix doctor`: what an interrupted run or a hand edit can leave behind —
//! an unfinished change, temp files, a lock left by a dead process, a ticket
//! in two folders or in the wrong one, a stale index or registry — found
//! without changing anything ([`Tree::examine`]), repaired with `--fix`
//! ([`Tree::repair`]). A repair never deletes a user's bytes: a second copy of
//! a ticket is set aside in `.tix/conflicts/`. Every repair is in the audit log.

use super::{
    Action, Change, Entry, Event, Exclusive, Lock, LockMode, Problem, ProblemKind, REGISTRY,
    STATE_DIR, Scan, Snapshot, Stamp, State, Tree, Upkeep, Who, fsx, journal, runs,
};
use crate::ticket::{self, IdKey, NewValue, Text};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::fs;

/// A problem, and what `--fix` did about it (`None`: left as it is).
#[derive(Debug, Clone)]
pub struct Finding {
    pub problem: Problem,
    pub fixed: Option<String>,
}

fn problem(kind: ProblemKind, path: impl Into<String>, message: impl Into<String>) -> Problem {
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
                ProblemKind::UnfinishedChange,
                format!("{STATE_DIR}/journal.json"),
                "a change was interrupted (`tix doctor --fix` finishes or rolls it back)",
            ));
        }
        if let Some(by) = lock.and_then(|l| l.left_by.as_deref()) {
            out.push(problem(
                ProblemKind::StaleLock,
                format!("{STATE_DIR}/lock"),
                format!("left by a process that died while changing the tree ({by})"),
            ));
        }
        // Without the exclusive lock a reader may be writing the index right
        // now: a young temp file is not yet a leftover.
        let settled = lock.is_some_and(|l| l.mode == LockMode::Exclusive);
        for rel in self.temp_files(settled)? {
            out.push(problem(
                ProblemKind::TempFile,
                rel,
                "left by an interrupted write",
            ));
        }
        if runs::load(&state)?.is_err() {
            out.push(problem(
                ProblemKind::RunsUnreadable,
                format!("{STATE_DIR}/runs.json"),
                "not a file tix wrote; the hook sets it aside",
            ));
        }
        // The index is a cache: a run that cannot write it (another user, a
        // read-only checkout) has nothing to say about it.
        let writable = rustix::fs::access(&state, rustix::fs::Access::WRITE_OK).is_ok();
        // From the index when every file reads as it says, or does once
        // the files written over in place are read again (the index is then
        // stale for them if they say something else), or from one made of
        // every file read when there is none that can be read (then that
        // one is); whatever the tree's size, as every file is read either
        // way (at 10,000 tickets 8.1 MiB, where the full view held 14.0,
        // and `doctor --fix`, which asks twice, 17.0).
        let fresh = if let Some((found, stale)) = self.doctor_by_index(0) {
            out.extend(found.problems);
            out.extend(found.stuck);
            out.extend(self.unread_folders());
            out.extend(self.unreadable_index().filter(|_| writable));
            out.extend((stale && writable).then(index_stale));
            found.registry
        } else {
            let snap = self.scan(Scan::Fresh, Upkeep::Nothing)?;
            out.extend(self.problems(&snap));
            out.extend(self.dependency_problems(&snap));
            out.extend(self.unread_folders());
            if let Some(p) = self.index_problem(&snap).filter(|_| writable) {
                out.push(p);
            }
            self.registry_fresh(&snap, false)?
        };
        match fresh {
            Some(true) => {}
            Some(false) => out.push(problem(
                ProblemKind::RegistryStale,
                REGISTRY,
                "does not match the tickets",
            )),
            None => out.push(problem(
                ProblemKind::RegistryMissing,
                REGISTRY,
                "is missing",
            )),
        }
        Ok(out)
    }

    /// Finds and repairs what can be repaired; returns every problem found,
    /// with what was done, then those left (a malformed ticket is for a person).
    /// Each repair is in the audit log before the next one starts; a repair
    /// that fails is reported (`repair_failed`) and the others go on.
    pub fn repair(&self, lock: &Exclusive, now: DateTime<Utc>) -> Result<Vec<Finding>> {
        let found = self.examine(Some(lock))?;
        let mut out: Vec<Finding> = Vec::new();
        let fixed = |out: &mut Vec<Finding>, p: &Problem, what: String| {
            out.push(Finding {
                problem: p.clone(),
                fixed: Some(what),
            });
        };
        let failed = |out: &mut Vec<Finding>, path: &str, e: anyhow::Error| {
            out.push(failure(path, &e));
        };
        let of = |kind: ProblemKind| found.iter().filter(move |p| p.kind == kind);

        for p in of(ProblemKind::UnfinishedChange) {
            // The other repairs need the tree as the change leaves it (and a
            // change of theirs would overwrite the journal): if it cannot be
            // finished, that is said and nothing else is touched.
            let recovered = match self.recover(lock) {
                Ok(r) => r,
                Err(e) => {
                    failed(&mut out, &p.path, e);
                    out.extend(found.iter().filter(|q| *q != p).map(|q| Finding {
                        problem: q.clone(),
                        fixed: None,
                    }));
                    return Ok(out);
                }
            };
            let (ticket, what) = match recovered {
                Some(r) => {
                    if r.registry_written {
                        self.log_repair(
                            now,
                            &r.intent.event.ticket,
                            &format!("regenerated {REGISTRY}"),
                        )?;
                    }
                    (r.intent.event.ticket.clone(), r.describe(self))
                }
                None => (
                    "-".to_string(),
                    "cleared a journal whose writing was interrupted (no step was taken)".into(),
                ),
            };
            self.log_repair(now, &ticket, &what)?;
            fixed(&mut out, p, what);
        }
        for p in of(ProblemKind::StaleLock) {
            let what = "taken over and released cleanly".to_string();
            self.log_repair(now, "-", &format!("{}: lock {what}", p.message))?;
            fixed(&mut out, p, what);
        }
        for p in of(ProblemKind::TempFile) {
            match fs::remove_file(self.path(&p.path)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {} // recovery took it
                Err(e) => {
                    let e = anyhow::Error::new(e)
                        .context(format!("failed to remove {}", self.show(&p.path)));
                    failed(&mut out, &p.path, e);
                    continue;
                }
            }
            self.log_repair(now, "-", &format!("removed the temp file {}", p.path))?;
            fixed(&mut out, p, "removed".into());
        }
        for p in of(ProblemKind::RunsUnreadable) {
            match runs::set_aside(&self.state_dir()) {
                Ok(name) => {
                    let what = format!("set aside as {STATE_DIR}/{name}");
                    self.log_repair(now, "-", &format!("an unreadable {}: {what}", p.path))?;
                    fixed(&mut out, p, what);
                }
                Err(e) => failed(&mut out, &p.path, e),
            }
        }

        // Git conflict markers in a ticket's frontmatter: one side is kept.
        // The files that do not parse are those found so, but after a
        // change was finished or rolled back: the tree is read again.
        let unfinished = of(ProblemKind::UnfinishedChange).next().is_some();
        let broken: Vec<String> = if unfinished {
            let snap = self.scan(Scan::Listed, Upkeep::Sweep)?;
            let broken = snap.entries.iter().filter(|e| e.parsed.is_err());
            broken.map(|e| e.rel.to_string()).collect()
        } else {
            of(ProblemKind::Malformed).map(|p| p.path.clone()).collect()
        };
        let mut settled = false;
        for rel in broken {
            match self.settle_conflict(&rel, now) {
                Ok(Some(what)) => {
                    settled = true;
                    if let Some(p) = of(ProblemKind::Malformed).find(|p| p.path == rel) {
                        fixed(&mut out, p, what);
                    }
                }
                Ok(None) => {}
                Err(err) => failed(&mut out, &rel, err),
            }
        }
        // A ticket in two folders (or an id two tickets share).
        if of(ProblemKind::DuplicateId).next().is_some() {
            let mut done = BTreeMap::new();
            self.resolve_duplicates(lock, now, &mut done)?;
            for (path, result) in done {
                match (
                    result,
                    of(ProblemKind::DuplicateId).find(|p| p.path == path),
                ) {
                    (Ok(what), Some(p)) => fixed(&mut out, p, what),
                    (Ok(_), None) => {}
                    (Err(e), _) => failed(&mut out, &path, e),
                }
            }
        }
        // The tickets in the wrong folder moved, the registry and the index
        // written: by the index when the tree is as `examine` found it.
        let as_found = !(unfinished || settled || of(ProblemKind::DuplicateId).next().is_some());
        let wrote = self.refile_and_register(lock, now, &found, as_found, &mut out)?;
        if wrote {
            self.log_repair(now, "-", &format!("regenerated {REGISTRY}"))?;
        }
        for p in found.iter().filter(|p| {
            matches!(
                p.kind,
                ProblemKind::RegistryStale | ProblemKind::RegistryMissing
            )
        }) {
            fixed(
                &mut out,
                p,
                if wrote { "regenerated" } else { "matches now" }.into(),
            );
        }
        for p in of(ProblemKind::IndexStale) {
            self.log_repair(now, "-", "rebuilt .tix/index from the tickets")?;
            fixed(&mut out, p, "rebuilt".into());
        }
        // Whatever is still wrong is for a person; what went away with the
        // repairs above (a copy the recovery removed) is said so.
        let left: Vec<Problem> = self
            .examine(Some(lock))?
            .into_iter()
            .filter(|p| p.kind != ProblemKind::StaleLock)
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

    /// The tickets in the wrong folder moved where their status says (a
    /// symlink is left for a person: moving it would copy the file it
    /// points to), each move a change; then the registry and the index
    /// written from the tickets as they are now. Whether the registry was
    /// written. With `as_found` (no file changed since `examine` found
    /// `found`), the tickets to move are those found, each moved by a state
    /// that goes by the index when the folders allow, and the registry and
    /// the index are then written as `tix sync` writes them, by the index
    /// whatever its size (the full view held 138 MiB at 100,000 tickets on
    /// a clean tree, 16.9 at 10,000); else, or when the index cannot
    /// serve, by the full view.
    fn refile_and_register(
        &self,
        lock: &Exclusive,
        now: DateTime<Utc>,
        found: &[Problem],
        as_found: bool,
        out: &mut Vec<Finding>,
    ) -> Result<bool> {
        let read = |rel: &str| {
            fs::read_to_string(self.path(rel))
                .with_context(|| format!("failed to read {}", self.show(rel)))
        };
        // The files a move was tried for (or that stay where they are): the
        // full view does not try them again.
        let mut tried: Vec<&str> = Vec::new();
        if as_found {
            let misplaced: Vec<&Problem> = found
                .iter()
                .filter(|p| p.kind == ProblemKind::Misplaced)
                .collect();
            let mut st = (!misplaced.is_empty())
                .then(|| State::open(self, lock))
                .transpose()?;
            for p in misplaced {
                tried.push(&p.path);
                let text = match read(&p.path) {
                    Ok(text) => text,
                    Err(e) => {
                        out.push(failure(&p.path, &e));
                        continue;
                    }
                };
                let parsed = self.parse_keyed(&p.path, text.as_bytes());
                let entry = Entry::keyed(p.path.clone().into(), Stamp::default(), parsed);
                let refiling = self.ticket_of(&entry).and_then(|t| self.refiling(&t, now));
                if let (Some(refiling), Some(st)) = (refiling, st.as_mut()) {
                    self.refile(st, found, refiling, Ok(text), out);
                }
            }
            drop(st);
            if let Some(super::Synced::Done(_, wrote)) = self.sync_by_index(0, lock)? {
                return Ok(wrote);
            }
        }
        let mut st = State::full(self, lock)?;
        let snap = st.snapshot()?;
        let mut misplaced: Vec<(String, String, Event)> = self
            .tickets(snap)
            .into_iter()
            .filter(|t| !tried.contains(&t.rel))
            .filter_map(|t| self.refiling(&t, now))
            .collect();
        // In the order of their paths, as found.
        misplaced.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for refiling in misplaced {
            let content = read(&refiling.0);
            self.refile(&mut st, found, refiling, content, out);
        }
        st.write_registry()
    }

    /// Where the ticket `t` goes, when it is in the wrong folder and no
    /// symlink: its file, its new path, and the repair's event.
    fn refiling(
        &self,
        t: &super::Ticket<'_>,
        now: DateTime<Utc>,
    ) -> Option<(String, String, Event)> {
        if is_symlink(self, t.rel) {
            return None;
        }
        let (dst, between) = self.refile_to(t)?;
        let event = Event::refiled(
            Action::Repair,
            &t.meta.id,
            now,
            Who::User,
            between,
            "doctor: the file was in the wrong folder",
        );
        Some((t.rel.to_string(), dst, event))
    }

    /// Moves a ticket (its text `content`) as `refiling` says, a change of
    /// `st`, and says what became of the problem `found` had of it.
    fn refile(
        &self,
        st: &mut State<'_>,
        found: &[Problem],
        (src, dst, event): (String, String, Event),
        content: Result<String>,
        out: &mut Vec<Finding>,
    ) {
        let moved = content.and_then(|content| {
            st.commit(Change::moving(src.clone(), dst.clone(), content, event))
        });
        let was = found
            .iter()
            .find(|p| p.kind == ProblemKind::Misplaced && p.path == src);
        match (moved, was) {
            (Ok(()), Some(p)) => out.push(Finding {
                problem: p.clone(),
                fixed: Some(format!("moved to {dst}")),
            }),
            (Ok(()), None) => {}
            (Err(e), _) => out.push(failure(&src, &e)),
        }
    }

    /// Appends one repair to the audit log, synced.
    fn log_repair(&self, now: DateTime<Utc>, ticket: &str, what: &str) -> Result<()> {
        journal::append_event(
            &self.state_dir(),
            &Event::new(Action::Repair, ticket, now, Who::User)
                .because(Some(format!("doctor: {what}"))),
        )
        .context("failed to append to .tix/events.jsonl")
    }

    /// `.tix-tmp-*` files (and a registry link) that an interrupted write
    /// left. Unless `all`, one in the root or `.tix/` whose maker still runs
    /// is skipped (a reader may be writing the index: only writers, who hold
    /// the exclusive lock, make temp files in the status folders).
    fn temp_files(&self, all: bool) -> Result<Vec<String>> {
        let young = |dir: &str, e: &fs::DirEntry| {
            !all && (dir == STATE_DIR || dir.is_empty())
                && !fsx::temp_left(&e.file_name().to_string_lossy(), true)
        };
        let mut out = Vec::new();
        let mut dirs: Vec<String> = vec![String::new(), STATE_DIR.to_string()];
        dirs.extend(self.folders().map(String::from));
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
                if ours && e.file_type().is_ok_and(|t| t.is_file()) && !young(&dir, &e) {
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

    /// The index is there but cannot be read (damaged, or made for other
    /// status folders).
    fn unreadable_index(&self) -> Option<Problem> {
        (self.index_path().exists() && self.open_index().is_none()).then(|| {
            problem(
                ProblemKind::IndexStale,
                format!("{STATE_DIR}/index"),
                "cannot be read (damaged, or made for other status folders); rebuilt by the next read, or by --fix",
            )
        })
    }

    /// The index disagrees with what the files say (a hand edit tix has not
    /// seen yet, or an index from another state).
    fn index_problem(&self, snap: &Snapshot) -> Option<Problem> {
        // Opened lazily, its records compared one at a time as they are
        // read (at 100,000 tickets the index is 21 MB, its records decoded
        // 30 MB more).
        let Some(idx) = self.open_index() else {
            return self.unreadable_index();
        };
        let mut now: BTreeMap<&str, (&Entry, bool)> =
            snap.entries.iter().map(|e| (&*e.rel, (e, false))).collect();
        // A folder whose stamp is not the index's is listed again by the next
        // command (a read, or a transition's refresh): what changed in it is
        // seen then, and is no staleness of the index.
        let trusted = |rel: &str| !idx.listed_again(rel, &snap.dirs);
        let mut differs = false;
        let read = idx.each_entry(&mut |k| {
            if trusted(&k.rel) {
                match now.get_mut(&*k.rel) {
                    Some((e, seen)) => {
                        *seen = true;
                        differs |= k.stale_for(e);
                    }
                    None => differs = true,
                }
            }
            Some(())
        });
        if read.is_none() {
            return Some(problem(
                ProblemKind::IndexStale,
                format!("{STATE_DIR}/index"),
                "cannot be read",
            ));
        }
        differs |= now.values().any(|(e, seen)| !seen && trusted(&e.rel));
        differs.then(index_stale)
    }

    /// Settles every id that more than one file carries. Copies of one ticket
    /// (the same file name in two folders, whatever their content; or the
    /// same `created` and the same title): the newest by `updated` stays, the others go to `.tix/conflicts/` (each logged as it goes).
    /// Different tickets that share an id (made on two branches): the oldest
    /// keeps it, the others get the next free ids. Symlinks are left alone:
    /// setting aside the file one points to would break it. Puts, per path,
    /// what was done (or why it could not be).
    fn resolve_duplicates(
        &self,
        lock: &Exclusive,
        now: DateTime<Utc>,
        done: &mut BTreeMap<String, Result<String>>,
    ) -> Result<()> {
        let snap = self.scan(Scan::Listed, Upkeep::Sweep)?;
        let meta = |e: &Entry| e.parsed.as_ref().ok().cloned().unwrap_or_default();
        let mut groups: BTreeMap<&IdKey, Vec<&Entry>> = BTreeMap::new();
        for e in snap
            .entries
            .iter()
            .filter(|e| e.parsed.is_ok() && !is_symlink(self, &e.rel))
        {
            if let Some(k) = &e.key {
                groups.entry(k).or_default().push(e);
            }
        }
        // One file seen twice (a status folder that is a symlink to another)
        // is not two copies: moving one away would take the ticket out.
        groups.retain(|_, members| {
            let mut files: Vec<Option<(u64, u64)>> =
                members.iter().map(|e| file_id(self, &e.rel)).collect();
            files.sort();
            files.dedup();
            files.len() == members.len() && files.iter().all(Option::is_some)
        });
        // First every copy is set aside; then the tickets that share an id
        // with another one are renumbered (in a state listed afresh).
        let mut renumber: Vec<(IdKey, String, String)> = Vec::new();
        for (key, members) in groups.into_iter().filter(|(_, m)| m.len() > 1) {
            let mut tickets: Vec<Vec<&Entry>> = Vec::new();
            for e in members {
                let m = meta(e);
                let name = |e: &Entry| e.rel.rsplit('/').next().map(str::to_string);
                let same = |o: &&Entry| {
                    let n = meta(o);
                    let alike = name(e) == name(o) || m.title == n.title;
                    match (&m.created, &n.created) {
                        (Some(a), Some(b)) => a == b && alike,
                        _ => alike,
                    }
                };
                match tickets.iter_mut().find(|c| c.iter().any(same)) {
                    Some(c) => c.push(e),
                    None => tickets.push(vec![e]),
                }
            }
            // The oldest ticket keeps the id.
            tickets.sort_by(|a, b| {
                let created = |c: &Vec<&Entry>| meta(c[0]).created.map(Text::into_owned);
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
                    let what = |aside: &str| {
                        format!("an older copy of {}: set aside as {aside}", kept.rel)
                    };
                    let result = self
                        .aside(&e.rel, now, true, &mut |aside| {
                            self.log_repair(now, &id, &format!("{}: {}", e.rel, what(aside)))
                        })
                        .map(|aside| what(&aside));
                    done.insert(e.rel.to_string(), result);
                }
                if n == 0 {
                    done.insert(
                        kept.rel.to_string(),
                        Ok("kept (the newest copy of the oldest ticket)".into()),
                    );
                } else {
                    renumber.push((key.clone(), kept.rel.to_string(), id));
                }
            }
        }
        if renumber.is_empty() {
            return Ok(());
        }
        let mut st = State::full(self, lock)?;
        for (key, rel, old_id) in renumber {
            let result = self.renumber(&mut st, &key, &rel, &old_id, now);
            done.insert(rel, result);
        }
        Ok(())
    }

    /// Gives the ticket at `rel` the next free id of its prefix (its file is
    /// renamed to match); the change is in the log as a `renumber`.
    fn renumber(
        &self,
        st: &mut State,
        key: &IdKey,
        rel: &str,
        old_id: &str,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let num = st.next_number(&key.prefix)?;
        let new_id = self.config.new_id(&key.prefix, num);
        let (text, _) = super::read_ticket(self, rel)?;
        let content =
            super::edit_ticket(self, rel, &text, &[("id", NewValue::Str(new_id.clone()))])?;
        // The same folder (a sub-folder, the root), the same slug; a name
        // that does not carry the id (`login bug.md`) stays as it is.
        let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        let dst = match IdKey::file_name_parts(name) {
            Some((k, rest)) if k == *key => super::join_rel(dir, &format!("{new_id}{rest}")),
            _ => rel.to_string(),
        };
        self.remember_id(&key.prefix, num)?
            .sync()
            .context("failed to sync .tix/last-id")?;
        st.commit(Change {
            src: Some(rel.to_string()),
            dst: dst.clone(),
            content,
            event: Event::new(Action::Renumber, &new_id, now, Who::User)
                .because(Some(format!(
                    "doctor: was {old_id}, an id another ticket has (made on another branch?)"
                )))
                .of_change(),
            base: Some(fsx::fingerprint(text.as_bytes())),
            replaces: None,
        })?;
        Ok(format!(
            "another ticket with the same id: renumbered {old_id} → {new_id} ({dst})"
        ))
    }

    /// A ticket file with git conflict markers in its frontmatter only: the
    /// side git labelled with this file's path (a ticket two branches moved
    /// to different folders), else the side with the later `updated`, is
    /// written in place; the conflicted file is kept in `.tix/conflicts/`.
    /// `None` when there is nothing tix can settle (no markers, a conflict in
    /// the body, no side that is a valid ticket).
    fn settle_conflict(&self, rel: &str, now: DateTime<Utc>) -> Result<Option<String>> {
        // A symlink (inside the root or not) is for a person: writing the
        // settled text would replace the link with a file.
        if is_symlink(self, rel) {
            return Ok(None);
        }
        let Ok(text) = fs::read_to_string(self.path(rel)) else {
            return Ok(None);
        };
        let Some(c) = ticket::conflict(&text) else {
            return Ok(None);
        };
        if !c.frontmatter_only {
            return Ok(None);
        }
        let parse = |side: &str| self.parse_bytes(rel, side.as_bytes()).ok();
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
        let what = |aside: &str| {
            format!(
                "git conflict settled: kept the side of {label}; the conflicted file is kept as {aside}"
            )
        };
        let aside = self.aside(rel, now, false, &mut |aside| {
            self.log_repair(now, &meta.id, &format!("{rel}: {}", what(aside)))
        })?;
        fsx::write_atomic(&self.path(rel), side.as_bytes(), None, true)
            .with_context(|| format!("failed to write {}", self.show(rel)))?;
        Ok(Some(what(&aside)))
    }

    /// Puts `rel` into `.tix/conflicts/` — moved, or a copy — once `log` has
    /// recorded where it goes (a kill between the two leaves a log line too
    /// many, never a file nobody was told of); returns where.
    pub(super) fn aside(
        &self,
        rel: &str,
        now: DateTime<Utc>,
        moved: bool,
        log: &mut dyn FnMut(&str) -> Result<()>,
    ) -> Result<String> {
        let dir = self.state_dir().join("conflicts");
        fs::create_dir_all(&dir).context("failed to create .tix/conflicts")?;
        let name = aside_name(&dir, now, rel);
        let shown = format!("{STATE_DIR}/conflicts/{name}");
        log(&shown)?;
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
        Ok(shown)
    }
}

/// A free name in `dir` for `rel` set aside at `now`: `STAMP-folder__file`,
/// then `.1`, `.2`…; a long one is cut (and keeps a hash of the whole) so that
/// it fits in a file name.
fn aside_name(dir: &std::path::Path, now: DateTime<Utc>, rel: &str) -> String {
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let mut base = format!("{stamp}-{}", rel.replace('/', "__"));
    if base.len() > 200 {
        let mut cut = 180;
        while !base.is_char_boundary(cut) {
            cut -= 1;
        }
        let hash = fsx::fingerprint(rel.as_bytes());
        base = format!("{}-{}", &base[..cut], &hash[..16]);
    }
    let mut name = base.clone();
    let mut n = 1;
    while fs::symlink_metadata(dir.join(&name)).is_ok() {
        name = format!("{base}.{n}");
        n += 1;
    }
    name
}

/// The device and inode of the file `rel` names (through symlinks).
fn file_id(tree: &Tree, rel: &str) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(tree.path(rel))
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

/// A repair of `path` that failed with `e`.
fn failure(path: &str, e: &anyhow::Error) -> Finding {
    Finding {
        problem: problem(ProblemKind::RepairFailed, path, format!("{e:#}")),
        fixed: None,
    }
}

/// The index says what a file edited in place said before.
fn index_stale() -> Problem {
    problem(
        ProblemKind::IndexStale,
        format!("{STATE_DIR}/index"),
        "does not match the ticket files (a file edited in place); rebuilt by the next read, or by --fix",
    )
}

fn is_symlink(tree: &Tree, rel: &str) -> bool {
    fs::symlink_metadata(tree.path(rel)).is_ok_and(|m| m.file_type().is_symlink())
}
