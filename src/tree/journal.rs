//! Files in `.tix/` that make changes durable and auditable: the journal of the
//! change under way, the audit log `events.jsonl`, and the last id given out.

use super::fsx;
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

const JOURNAL: &str = "journal.json";
const EVENTS: &str = "events.jsonl";
const LAST_ID: &str = "last-id";

/// One line of the audit log.
/// A line that does not read (a torn write, an action or actor this version
/// does not know) is skipped and counted by [`read_events`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    #[serde(with = "crate::text::time")]
    pub time: DateTime<Utc>,
    pub ticket: String,
    pub action: Action,
    pub from: Option<String>,
    pub to: Option<String>,
    pub actor: Who,
    pub session_id: Option<String>,
    pub tool_use_id: Option<String>,
    pub agent: Option<String>,
    /// The subagent's id, for events of a background run.
    #[serde(default)]
    pub agent_id: Option<String>,
    pub reason: Option<String>,
    pub duration_ms: Option<u64>,
    pub tokens: Option<u64>,
    pub tool_uses: Option<u64>,
    /// The transaction that wrote it; recovery uses it to log an event once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx: Option<String>,
}

/// What an event records; its name in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// `tix new`.
    Create,
    /// To in progress (`start`, `next --claim`, a hook).
    Start,
    /// To completed.
    Complete,
    /// `tix move`.
    Move,
    /// `tix archive`: a completed ticket put away.
    Archive,
    /// `tix set` or `tix edit`: keys or text of a ticket changed.
    Edit,
    /// The agent of a ticket in progress changed (`start --agent … --force`).
    Assign,
    /// Back to pending: the run that started it failed or never ran.
    Rollback,
    /// `tix sync` moved a file to its status's folder.
    Sync,
    /// `doctor --fix` or a recovery changed something.
    Repair,
    /// `doctor --fix` gave a ticket a new id.
    Renumber,
    /// A run started working on a ticket already in progress.
    Attach,
    /// A background subagent was launched.
    Launch,
    /// A run ended with its ticket still in progress.
    RunEnd,
}

/// Who made a change: a person (or a script) at the command line, or
/// Claude Code through `tix hook`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Who {
    #[default]
    User,
    Hook,
}

impl Who {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Who::User => "user",
            Who::Hook => "hook",
        }
    }
}

impl Action {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Start => "start",
            Action::Complete => "complete",
            Action::Move => "move",
            Action::Archive => "archive",
            Action::Edit => "edit",
            Action::Assign => "assign",
            Action::Rollback => "rollback",
            Action::Sync => "sync",
            Action::Repair => "repair",
            Action::Renumber => "renumber",
            Action::Attach => "attach",
            Action::Launch => "launch",
            Action::RunEnd => "run-end",
        }
    }
}

impl Event {
    /// An event of `action` on `ticket`, at `time`, by `actor` (`user`,
    /// `hook`): what every event has. The others are set by the callers
    /// below, one per kind of change.
    #[must_use]
    pub fn new(action: Action, ticket: &str, time: DateTime<Utc>, actor: Who) -> Event {
        Event {
            time,
            ticket: ticket.to_string(),
            action,
            from: None,
            to: None,
            actor,
            session_id: None,
            tool_use_id: None,
            agent: None,
            agent_id: None,
            reason: None,
            duration_ms: None,
            tokens: None,
            tool_uses: None,
            tx: None,
        }
    }

    /// From status `from` to `to`.
    pub fn moving(self, from: Option<&str>, to: Option<&str>) -> Event {
        Event {
            from: from.map(String::from),
            to: to.map(String::from),
            ..self
        }
    }

    #[must_use]
    pub fn because(self, reason: Option<String>) -> Event {
        Event { reason, ..self }
    }

    /// A file moved to the folder of the status it says (`tix sync`, `doctor
    /// --fix`): from the status its old folder means to that one.
    #[must_use]
    pub fn refiled(
        action: Action,
        ticket: &str,
        time: DateTime<Utc>,
        actor: Who,
        (from, to): (&str, &str),
        reason: &str,
    ) -> Event {
        Event::new(action, ticket, time, actor)
            .moving(Some(from), Some(to))
            .because(Some(reason.to_string()))
            .of_change()
    }

    /// The event of a change of a ticket file: a new transaction id, by
    /// which recovery logs an interrupted change once.
    #[must_use]
    pub fn of_change(self) -> Event {
        Event {
            tx: Some(new_tx()),
            ..self
        }
    }
}

/// A transaction id unique to this process and moment.
#[must_use]
pub fn new_tx() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos:x}-{}", std::process::id())
}

/// What a change is about to do, written before its first step.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Intent {
    pub tx: String,
    pub src: Option<String>,
    pub dst: String,
    /// `fsx::fingerprint` of the new content: the change landed iff `dst` has it.
    pub fingerprint: String,
    /// `fsx::fingerprint` of `src` as the change found it (a move only): an
    /// old copy edited after a kill is kept, not removed, by the recovery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src_fingerprint: Option<String>,
    pub event: Event,
}

/// The journal's size: an intent is padded with spaces to a whole number of
/// these, and the file keeps its size from one change to the next, so that
/// syncing an intent writes a block and no metadata (0.19 ms against 0.48
/// ms here for a file cut and written again).
const JOURNAL_BLOCK: u64 = 4096;

/// A journal larger than this (not tix's doing) is cut back when written.
const JOURNAL_KEEP: u64 = 16 * JOURNAL_BLOCK;

/// Whether a change is under way (or was interrupted): the journal holds
/// more than spaces (it starts with its intent's `{`).
#[must_use]
pub fn exists(state: &Path) -> bool {
    let mut first = [0u8; 1];
    fs::File::open(state.join(JOURNAL))
        .and_then(|mut f| f.read(&mut first))
        .is_ok_and(|n| n == 1 && !first[0].is_ascii_whitespace())
}

/// Writes the intent over the journal in place, padded with spaces to its
/// size (a `JOURNAL_BLOCK`, or more for a long one), and syncs it: one
/// `fdatasync` of one block per change. The file stays between changes
/// (blanked, not removed), so its folder needs a sync only when it is
/// first made. A write torn by a kill or a power loss leaves text that does
/// not parse, which means that no step of the change was taken.
///
/// # Errors
///
/// An error serialising, writing or syncing `.tix/journal.json`.
pub fn write(state: &Path, intent: &Intent) -> Result<()> {
    let text = serde_json::to_string(intent)?;
    let path = state.join(JOURNAL);
    let new = !path.exists();
    let f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)?;
    fsx::overwrite_padded(&f, text.as_bytes(), JOURNAL_BLOCK, JOURNAL_KEEP)?;
    f.sync_data()?;
    if new {
        fsx::sync_dir(state)?;
    }
    Ok(())
}

/// The journal's intent; `None` when it is blank, absent or unreadable (a
/// journal that was being written when the run died never had a first step
/// taken).
///
/// # Errors
///
/// An error reading a journal that exists.
pub fn read(state: &Path) -> Result<Option<Intent>> {
    match fs::read(state.join(JOURNAL)) {
        Ok(b) => Ok(serde_json::from_slice(&b).ok()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).context("failed to read .tix/journal.json"),
    }
}

/// Clears the journal: the change is complete. Written over with spaces, in
/// place, and not synced: should a power loss undo the clearing, the next
/// command finds the change landed and finishes nothing twice (the event is
/// logged once, by its transaction id).
///
/// # Errors
///
/// An error writing over a journal that exists.
pub fn remove(state: &Path) -> Result<()> {
    clear(state, false)
}

/// [`remove`], synced: for a change taken back. Should a power loss undo
/// that clearing, the next command would judge the change from the tree,
/// where a file another program put at the destination (the reason the
/// rename failed) would pass for the change's.
///
/// # Errors
///
/// An error writing over or syncing a journal that exists.
pub fn remove_synced(state: &Path) -> Result<()> {
    clear(state, true)
}

fn clear(state: &Path, sync: bool) -> Result<()> {
    match OpenOptions::new().write(true).open(state.join(JOURNAL)) {
        Ok(f) => fsx::overwrite_padded(&f, b"", JOURNAL_BLOCK, JOURNAL_KEEP)
            .and_then(|()| if sync { f.sync_data() } else { Ok(()) })
            .context("failed to clear .tix/journal.json"),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).context("failed to clear .tix/journal.json"),
    }
}

/// Appends one event as one JSON line, in one write, and syncs it. A log
/// whose last line is not ended (a hand edit, a line someone else's power
/// loss cut short) gets the newline first: glued to that line, the event
/// would be unreadable, and taken out with it.
///
/// # Errors
///
/// An error opening, reading, writing or syncing `.tix/events.jsonl`.
pub fn append_event(state: &Path, event: &Event) -> Result<()> {
    use std::os::unix::fs::FileExt;
    let mut line = serde_json::to_string(event)?;
    line.push('\n');
    super::failpoint_error("event")?;
    let mut f = OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(state.join(EVENTS))?;
    let len = f.metadata()?.len();
    if len > 0 {
        let mut last = [0u8];
        f.read_exact_at(&mut last, len - 1)?;
        if last[0] != b'\n' {
            line.insert(0, '\n');
        }
    }
    f.write_all(line.as_bytes())?;
    f.sync_data()?;
    Ok(())
}

/// The audit log's length in bytes (`None` when there is none yet): where a
/// change that is taken back cuts it again.
#[must_use]
pub fn events_len(state: &Path) -> Option<u64> {
    fs::metadata(state.join(EVENTS)).ok().map(|m| m.len())
}

/// Cuts the audit log back to `len` bytes (what a change taken back
/// appended, whole or torn) and syncs it, or removes it when there was none;
/// nothing when it is no longer.
///
/// # Errors
///
/// An error opening, cutting, syncing or removing `.tix/events.jsonl`.
pub fn truncate_events(state: &Path, len: Option<u64>) -> Result<()> {
    let path = state.join(EVENTS);
    let now = match fs::metadata(&path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let Some(len) = len else {
        fs::remove_file(&path)?;
        return Ok(());
    };
    if now <= len {
        return Ok(());
    }
    let f = OpenOptions::new().write(true).open(&path)?;
    f.set_len(len)?;
    f.sync_data()?;
    Ok(())
}

/// Whether the last events of the log include transaction `tx`.
///
/// # Errors
///
/// An error reading a log that exists.
pub fn event_logged(state: &Path, tx: &str) -> Result<bool> {
    let mut f = match fs::File::open(state.join(EVENTS)) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let len = f.metadata()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)))?;
    let mut tail = Vec::new();
    f.read_to_end(&mut tail)?;
    let needle = format!("\"tx\":{}", serde_json::to_string(tx)?);
    Ok(String::from_utf8_lossy(&tail).contains(&needle))
}

/// Takes the line of transaction `tx` out of the audit log: a change that
/// did not land may have logged it (the line is appended before the
/// rename, which a kill or a power loss can stop or lose). The last
/// line is cut off; a line that others follow (git merged some in since) is
/// taken out by writing the log anew; a last line cut short (a power loss
/// during its append) goes too if it is the start of `event`'s line. Only
/// the change's own text goes: a line an older tix glued it onto keeps the
/// rest, and text that merely names the transaction stays.
/// Returns whether anything was taken out.
///
/// # Errors
///
/// An error reading or writing a log that exists.
pub fn unlog_event(state: &Path, tx: &str, event: &Event) -> Result<bool> {
    let path = state.join(EVENTS);
    let text = match fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e).context("failed to read .tix/events.jsonl"),
    };
    let needle = format!("\"tx\":{}", serde_json::to_string(tx)?);
    let of_tx = |line: &[u8]| line.windows(needle.len()).any(|w| w == needle.as_bytes());
    let own = serde_json::to_string(event)?;
    // An event of this change alone, as this or another version of tix
    // wrote it.
    let only_tx = |body: &[u8]| {
        serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .is_some_and(|v| v.get("tx").and_then(|t| t.as_str()) == Some(tx))
    };
    let mut kept = Vec::with_capacity(text.len());
    let lines: Vec<&[u8]> = text.split_inclusive(|b| *b == b'\n').collect();
    for (i, line) in lines.iter().enumerate() {
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        if !of_tx(line) {
            kept.extend_from_slice(line);
        } else if body == own.as_bytes() || only_tx(body) {
            // The change's own line: it goes whole.
        } else if let Some(before) = body.strip_suffix(own.as_bytes()) {
            // Glued onto a line that was not ended (a log an older tix
            // appended to): only the change's own text goes, and the line
            // before it is ended only if others follow.
            kept.extend_from_slice(before);
            if i + 1 < lines.len() {
                kept.push(b'\n');
            }
        } else {
            // Someone else's text with the change's id in it: it stays.
            kept.extend_from_slice(line);
        }
    }
    // A last line cut short (a power loss during its append) that is the
    // start of this change's own line goes too; any other stays.
    if !kept.is_empty() && !kept.ends_with(b"\n") {
        let start = kept.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        if serde_json::to_string(event)?
            .as_bytes()
            .starts_with(&kept[start..])
        {
            kept.truncate(start);
        }
    }
    if kept.len() == text.len() {
        return Ok(false);
    }
    let written = if text.starts_with(&kept) {
        truncate_events(state, Some(kept.len() as u64))
    } else {
        fsx::write_atomic(&path, &kept, None, true).map_err(Into::into)
    };
    written.context("failed to write .tix/events.jsonl")?;
    Ok(true)
}

/// Every event, oldest first (by time; in the order written within a second).
/// Lines that do not parse (a torn last line after a crash) are skipped and
/// counted.
///
/// # Errors
///
/// An error reading a log that exists (a line that does not parse is no
/// error).
pub fn read_events(state: &Path) -> Result<(Vec<Event>, usize)> {
    let text = match fs::read_to_string(state.join(EVENTS)) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(e).context("failed to read .tix/events.jsonl"),
    };
    let mut events = Vec::new();
    let mut bad = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<Event>(line) {
            Ok(e) => events.push(e),
            Err(_) => bad += 1,
        }
    }
    // Branches merged by git's union driver put one side's lines after the
    // other's: by time, and in the order written within a second.
    events.sort_by_key(|e| e.time);
    Ok((events, bad))
}

/// The highest number given out for `prefix` (0 if none).
///
/// # Errors
///
/// An error reading `.tix/last-id` when it exists.
pub fn last_id(state: &Path, prefix: &str) -> Result<u64> {
    let text = match fs::read_to_string(state.join(LAST_ID)) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e).context("failed to read .tix/last-id"),
    };
    Ok(text
        .lines()
        .filter_map(|l| l.split_once(' '))
        .filter(|(p, _)| *p == prefix)
        .filter_map(|(_, n)| n.trim().parse().ok())
        .max()
        .unwrap_or(0))
}

/// `.tix/last-id` as [`set_last_id`] left it: what it held before (for
/// [`restore_last_id`]), and the file written in place whose sync is still
/// to come.
#[must_use = "the counter is written but not synced: call `sync`"]
#[derive(Debug)]
pub struct Counter {
    pub before: Option<String>,
    unsynced: Option<fs::File>,
}

impl Counter {
    /// Waits for the counter to be on disk (nothing to wait for when it was
    /// written whole, by rename, and synced then).
    ///
    /// # Errors
    ///
    /// The I/O error of the sync.
    pub fn sync(&self) -> io::Result<()> {
        self.unsynced.as_ref().map_or(Ok(()), fs::File::sync_data)
    }
}

/// Records `num` as the highest number given out for `prefix`. Usually
/// written over in place, and then synced only by [`Counter::sync`], which
/// the caller runs beside the change's own syncs: the id needs to be on
/// disk before it is printed, not before the ticket that holds it is.
///
/// # Errors
///
/// An error writing `.tix/last-id`.
pub fn set_last_id(state: &Path, prefix: &str, num: u64) -> Result<Counter> {
    let before = fs::read_to_string(state.join(LAST_ID)).ok();
    let old = before.clone().unwrap_or_default();
    let mut lines: Vec<String> = old
        .lines()
        .filter(|l| l.split_once(' ').is_some_and(|(p, _)| p != prefix))
        .map(String::from)
        .collect();
    lines.push(format!("{prefix} {num}"));
    lines.sort();
    let text = lines.join("\n") + "\n";
    // Numbers only grow: the file is usually rewritten in place.
    let path = state.join(LAST_ID);
    let unsynced = fsx::grow_in_place(&path, text.as_bytes())?;
    if unsynced.is_none() {
        fsx::write_atomic(&path, text.as_bytes(), None, true)?;
    }
    Ok(Counter { before, unsynced })
}

/// Puts `.tix/last-id` back as [`set_last_id`] found it (`None`: there was none).
///
/// # Errors
///
/// An error writing or removing `.tix/last-id`.
pub fn restore_last_id(state: &Path, before: Option<&str>) -> Result<()> {
    let path = state.join(LAST_ID);
    match before {
        Some(text) => fsx::write_atomic(&path, text.as_bytes(), None, true)?,
        None => match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        },
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent(reason: &str) -> Intent {
        let time = DateTime::parse_from_rfc3339("2026-12-04T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        Intent {
            tx: "t1".into(),
            src: Some("pending/TIX-0001.md".into()),
            dst: "in-progress/TIX-0001.md".into(),
            fingerprint: "f".into(),
            src_fingerprint: None,
            event: Event::new(Action::Start, "TIX-0001", time, Who::User)
                .because(Some(reason.into())),
        }
    }

    fn size(state: &Path) -> u64 {
        fs::metadata(state.join(JOURNAL)).unwrap().len()
    }

    #[test]
    fn the_journal_is_written_and_blanked_in_place() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path();
        assert!(!exists(state));
        write(state, &intent("short")).unwrap();
        assert!(exists(state));
        assert_eq!(read(state).unwrap().unwrap().event.reason.unwrap(), "short");
        assert_eq!(size(state), 4096);
        let ino = fs::metadata(state.join(JOURNAL)).unwrap().ino();
        remove(state).unwrap();
        assert!(!exists(state));
        assert!(read(state).unwrap().is_none());
        assert_eq!(fs::read(state.join(JOURNAL)).unwrap(), vec![b' '; 4096]);
        // A long intent takes two blocks; a short one after it keeps them,
        // spaces after its text.
        write(state, &intent(&"x".repeat(5000))).unwrap();
        assert_eq!(size(state), 8192);
        write(state, &intent("short again")).unwrap();
        assert_eq!(size(state), 8192);
        let text = fs::read(state.join(JOURNAL)).unwrap();
        let json = serde_json::to_string(&intent("short again")).unwrap();
        assert_eq!(&text[..json.len()], json.as_bytes());
        assert!(text[json.len()..].iter().all(|b| *b == b' '));
        assert_eq!(fs::metadata(state.join(JOURNAL)).unwrap().ino(), ino);
        // One grown past 16 blocks (not tix's doing) is cut back.
        fs::write(state.join(JOURNAL), vec![b' '; 20 * 4096]).unwrap();
        write(state, &intent("short")).unwrap();
        assert_eq!(size(state), 4096);
        assert_eq!(read(state).unwrap().unwrap().event.reason.unwrap(), "short");
        // Cleared, it is cut back to one blank block.
        fs::write(state.join(JOURNAL), vec![b'x'; 20 * 4096]).unwrap();
        remove(state).unwrap();
        assert_eq!(fs::read(state.join(JOURNAL)).unwrap(), vec![b' '; 4096]);
        assert!(!exists(state));
    }

    #[test]
    fn a_journal_of_an_older_tix_reads() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path();
        // Emptied, or the intent alone, unpadded.
        fs::write(state.join(JOURNAL), "").unwrap();
        assert!(!exists(state));
        let json = serde_json::to_string(&intent("old")).unwrap();
        fs::write(state.join(JOURNAL), &json).unwrap();
        assert!(exists(state));
        assert_eq!(read(state).unwrap().unwrap().event.reason.unwrap(), "old");
        write(state, &intent("new")).unwrap();
        assert_eq!(size(state), 4096);
        assert_eq!(read(state).unwrap().unwrap().event.reason.unwrap(), "new");
    }

    #[test]
    fn an_event_is_appended_on_a_line_of_its_own_and_unlogged_alone() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path();
        let path = state.join(EVENTS);
        let mut event = intent("x").event;
        event.tx = Some("t1".into());
        let own = serde_json::to_string(&event).unwrap();
        // A last line not ended: the event starts a line of its own, and
        // taking it out leaves that line ended (the log is well formed).
        fs::write(&path, "{\"time\":\"1999").unwrap();
        append_event(state, &event).unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            format!("{{\"time\":\"1999\n{own}\n")
        );
        assert!(unlog_event(state, "t1", &event).unwrap());
        assert_eq!(fs::read_to_string(&path).unwrap(), "{\"time\":\"1999\n");
        // Glued onto such a line by an older tix: only its own text goes,
        // and the line before it is ended when others follow.
        fs::write(&path, format!("hand{own}\n")).unwrap();
        assert!(unlog_event(state, "t1", &event).unwrap());
        assert_eq!(fs::read_to_string(&path).unwrap(), "hand");
        fs::write(&path, format!("hand{own}\nmerged\n")).unwrap();
        assert!(unlog_event(state, "t1", &event).unwrap());
        assert_eq!(fs::read_to_string(&path).unwrap(), "hand\nmerged\n");
        // Text that names the change but is someone else's stays.
        let other = "a note about \"tx\":\"t1\" and more\n";
        fs::write(&path, other).unwrap();
        assert!(!unlog_event(state, "t1", &event).unwrap());
        assert_eq!(fs::read_to_string(&path).unwrap(), other);
        // The change's event as another version wrote it (other fields,
        // another order) is still its own line.
        let older = "{\"tx\":\"t1\",\"action\":\"start\"}\n";
        fs::write(&path, format!("keep\n{older}")).unwrap();
        assert!(unlog_event(state, "t1", &event).unwrap());
        assert_eq!(fs::read_to_string(&path).unwrap(), "keep\n");
    }
}
