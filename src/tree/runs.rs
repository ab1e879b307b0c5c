//! `.tix/runs.json`: the agent runs the hook has seen working on tickets, so
//! that the end of a run (a subagent's result, its `SubagentStop`, the
//! session's `Stop`, a failure) completes or rolls back what it started.
//! Written under the exclusive lock, atomically; read without it by the hook's
//! fast path, which only asks "is this run one of ours?".

use super::fsx;
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io;
use std::io::Write;
use std::path::Path;

const FILE: &str = "runs.json";
/// Ended runs kept for "worked on in this session" (a later run attaches).
/// Every hook call that names a run reads and writes the whole file: with
/// 500 ended runs written pretty (240 kB) a start and its rollback took
/// 11.7 and 13.4 ms, with 100 written compact (31 kB) 8.0 and 7.9 ms; 100
/// still cover the sessions of the last hours.
const KEEP_ENDED: usize = 100;

/// One run of a tool (or a typed slash command) that works on tickets.
/// What a run is: the tool Claude Code called, or a command the user
/// typed. Written in `runs.json` by its name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Tool {
    /// A subagent (`Agent`, formerly `Task`).
    #[default]
    Agent,
    Skill,
    /// The slash-command tool of older versions.
    SlashCommand,
    /// A command the user typed (`prompt`).
    Prompt,
    /// Another tool `tix.yaml` names.
    Other(String),
}

impl Tool {
    /// The tool called `name` (`Task` was renamed `Agent` in Claude Code 2.1.63).
    #[must_use]
    pub fn named(name: &str) -> Tool {
        match name {
            "Agent" | "Task" => Tool::Agent,
            "Skill" => Tool::Skill,
            "SlashCommand" => Tool::SlashCommand,
            "prompt" => Tool::Prompt,
            other => Tool::Other(other.to_string()),
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Tool::Agent => "Agent",
            Tool::Skill => "Skill",
            Tool::SlashCommand => "SlashCommand",
            Tool::Prompt => "prompt",
            Tool::Other(name) => name,
        }
    }

    /// Whether a run of it ends when the session (or the subagent it runs
    /// in) stops: skills and commands.
    #[must_use]
    pub fn stops_with_session(&self) -> bool {
        matches!(self, Tool::Skill | Tool::SlashCommand | Tool::Prompt)
    }
}

impl From<String> for Tool {
    fn from(name: String) -> Tool {
        Tool::named(&name)
    }
}

impl From<Tool> for String {
    fn from(tool: Tool) -> String {
        tool.as_str().to_string()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub session_id: Option<String>,
    pub tool_use_id: Option<String>,
    /// The subagent's id, once Claude Code reports it (a background launch).
    #[serde(default)]
    pub agent_id: Option<String>,
    pub tool: Tool,
    /// The subagent type, skill or command name.
    pub agent: String,
    #[serde(with = "crate::text::time")]
    pub started_at: DateTime<Utc>,
    /// Claude Code said the subagent runs in the background: its end is `SubagentStop`.
    #[serde(default)]
    pub launched: bool,
    /// Claude Code reported the tool's result (`PostToolUse`): the call ran,
    /// so the end of its batch does not roll it back.
    #[serde(default)]
    pub ran: bool,
    /// The subagent this run was started from, for a skill or command run
    /// inside one: that subagent's stop ends it, not the session's.
    #[serde(default)]
    pub inside_agent: Option<String>,
    #[serde(default, with = "crate::text::time::opt")]
    pub ended_at: Option<DateTime<Utc>>,
    pub tickets: Vec<RunTicket>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunTicket {
    pub id: String,
    /// This run started it (a failure rolls it back); `false`: attached to a
    /// ticket already in progress.
    pub started: bool,
}

impl Run {
    #[must_use]
    pub fn active(&self) -> bool {
        self.ended_at.is_none()
    }

    #[must_use]
    pub fn has(&self, id: &str) -> bool {
        self.tickets.iter().any(|t| t.id == id)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Runs {
    pub runs: Vec<Run>,
    /// `SubagentStop`s that came before their launch was reported (the launch's
    /// hook waited on the lock): the launch then ends the run at once.
    #[serde(default)]
    pub early_stops: Vec<EarlyStop>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlyStop {
    pub agent_id: String,
    pub session_id: Option<String>,
    #[serde(with = "crate::text::time")]
    pub at: DateTime<Utc>,
}

impl Runs {
    /// The active run of a tool call.
    pub fn by_tool_use(&mut self, tool_use_id: &str) -> Option<&mut Run> {
        self.runs
            .iter_mut()
            .find(|r| r.active() && r.tool_use_id.as_deref() == Some(tool_use_id))
    }

    /// Whether an active run other than those `ending` holds ticket `id`.
    pub fn held_elsewhere(&self, id: &str, ending: &dyn Fn(&Run) -> bool) -> bool {
        self.runs
            .iter()
            .any(|r| r.active() && !ending(r) && r.has(id))
    }

    /// Whether a run of this session (active or ended) has worked on `id`.
    #[must_use]
    pub fn in_session(&self, session: Option<&str>, id: &str) -> bool {
        session.is_some()
            && self
                .runs
                .iter()
                .any(|r| r.session_id.as_deref() == session && r.has(id))
    }
}

/// The runs file holds something tix did not write (set it aside, see
/// [`set_aside`]); a file that cannot be read at all is an error instead.
#[derive(Debug)]
pub struct NotRuns;

/// The runs on disk (none when the file is missing); `Ok(Err(NotRuns))`
/// when the file is there but is not one tix wrote.
pub fn load(state: &Path) -> Result<Result<Runs, NotRuns>> {
    match fs::read(state.join(FILE)) {
        Ok(b) => Ok(serde_json::from_slice(&b).map_err(|_| NotRuns)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Ok(Runs::default())),
        Err(e) => Err(e).with_context(|| format!("failed to read {}/{FILE}", state.display())),
    }
}

/// Whether the runs file may hold a run that `found` recognises, read
/// without the lock. A run of interest names one of `needles` (a tool use,
/// session or agent id), so a file without any of them is not parsed at
/// all: the runs file keeps 100 ended runs, and most hook calls are for
/// none of them. A file that names one but does not parse, or cannot be
/// read, counts as yes (the locked path deals with it).
pub fn may_have(state: &Path, needles: &[&str], found: impl FnOnce(&mut Runs) -> bool) -> bool {
    let bytes = match fs::read(state.join(FILE)) {
        Ok(b) => b,
        Err(e) => return e.kind() != io::ErrorKind::NotFound,
    };
    let named = match std::str::from_utf8(&bytes) {
        Ok(text) => needles
            .iter()
            .any(|n| text.contains(&serde_json::to_string(n).unwrap_or_default())),
        Err(_) => true, // not a runs file: the locked path sets it aside
    };
    named
        && match serde_json::from_slice(&bytes) {
            Ok(mut all) => found(&mut all),
            Err(_) => true,
        }
}

/// Moves an unreadable runs file aside, to `runs.json.corrupt` (`.1`, `.2`,
/// … when that is taken: an earlier one is never overwritten); returns the
/// name it got. Under the exclusive lock.
pub fn set_aside(state: &Path) -> Result<String> {
    let mut name = format!("{FILE}.corrupt");
    let mut n = 0;
    while fs::symlink_metadata(state.join(&name)).is_ok() {
        n += 1;
        name = format!("{FILE}.corrupt.{n}");
    }
    fs::rename(state.join(FILE), state.join(&name)).with_context(|| {
        format!(
            "failed to set aside an unreadable {}/{FILE}",
            state.display()
        )
    })?;
    Ok(name)
}

/// Writes the runs (under the exclusive lock), keeping the most recent ended ones.
pub fn save(state: &Path, runs: &mut Runs) -> Result<()> {
    let ended = runs.runs.iter().filter(|r| !r.active()).count();
    if ended > KEEP_ENDED {
        let mut drop = ended - KEEP_ENDED;
        runs.runs.retain(|r| {
            if drop > 0 && !r.active() {
                drop -= 1;
                false
            } else {
                true
            }
        });
    }
    let text = serde_json::to_string(runs)?;
    // Its inode is reused, like the registry's: hooks write it on every run.
    fsx::replace_reusing(
        &state.join(FILE),
        &state.join("runs.spare"),
        &state.join("runs.keep"),
        |f| f.write_all(text.as_bytes()),
        true,
    )
    .with_context(|| format!("failed to write {}/{FILE}", state.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_round_trip_and_old_ended_runs_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap().unwrap(), Runs::default());
        let run = |i: usize, ended: bool| Run {
            session_id: Some("s".into()),
            tool_use_id: Some(format!("t{i}")),
            tool: Tool::Agent,
            agent: "a".into(),
            started_at: "2030-01-01T00:00:00Z".parse().unwrap(),
            ended_at: ended.then(|| "2030-01-01T00:01:00Z".parse().unwrap()),
            tickets: vec![RunTicket {
                id: format!("TIX-{i}"),
                started: true,
            }],
            ..Run::default()
        };
        let mut runs = Runs {
            runs: (0..KEEP_ENDED + 3).map(|i| run(i, i != 1)).collect(),
            early_stops: Vec::new(),
        };
        save(dir.path(), &mut runs).unwrap();
        let mut back = load(dir.path()).unwrap().unwrap();
        assert_eq!(back.runs.len(), KEEP_ENDED + 1);
        assert!(back.by_tool_use("t1").is_some(), "active runs are kept");
        assert!(
            back.by_tool_use("t0").is_none(),
            "the oldest ended run went"
        );
        let newest = format!("TIX-{}", KEEP_ENDED + 2);
        assert!(
            back.in_session(Some("s"), &newest),
            "the newest ended run is kept"
        );
        assert!(!back.in_session(None, "TIX-1"));
        // The runs of a session are only parsed when its id is in the file.
        assert!(may_have(dir.path(), &["t1"], |r| r
            .by_tool_use("t1")
            .is_some()));
        assert!(!may_have(dir.path(), &["t1"], |r| r
            .by_tool_use("t0")
            .is_some()));
        assert!(!may_have(dir.path(), &["elsewhere"], |_| panic!("parsed")));
        fs::write(dir.path().join(FILE), "{not json").unwrap();
        assert!(matches!(load(dir.path()), Ok(Err(NotRuns))));
        assert!(!may_have(dir.path(), &["t1"], |_| true), "it names no run");
        fs::write(dir.path().join(FILE), "{not json \"t1\"").unwrap();
        assert!(
            may_have(dir.path(), &["t1"], |_| false),
            "a bad file naming it counts as yes"
        );
    }

    #[test]
    fn saving_the_runs_reuses_two_inodes() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let ino = |name: &str| fs::metadata(dir.path().join(name)).unwrap().ino();
        let mut runs = Runs::default();
        save(dir.path(), &mut runs).unwrap();
        save(dir.path(), &mut runs).unwrap();
        let pair = [ino(FILE), ino("runs.spare")];
        runs.early_stops.push(EarlyStop {
            agent_id: "a1".into(),
            session_id: None,
            at: "2030-01-01T00:00:00Z".parse().unwrap(),
        });
        save(dir.path(), &mut runs).unwrap();
        assert_eq!([ino("runs.spare"), ino(FILE)], pair, "swapped, none made");
        assert_eq!(load(dir.path()).unwrap().unwrap(), runs);
        let text = fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert!(text.contains(r#""at":"2030-01-01T00:00:00Z""#), "{text}");
        fs::write(
            dir.path().join(FILE),
            text.replace("2030-01-01T00:00:00Z", "soon"),
        )
        .unwrap();
        assert!(
            matches!(load(dir.path()), Ok(Err(NotRuns))),
            "a time that is none"
        );
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != FILE && n != "runs.spare")
            .collect();
        assert!(names.is_empty(), "{names:?}");
    }

    #[test]
    fn a_run_s_tool_is_written_by_its_name_and_task_is_agent() {
        for (name, tool) in [
            ("Agent", Tool::Agent),
            ("Task", Tool::Agent),
            ("Skill", Tool::Skill),
            ("SlashCommand", Tool::SlashCommand),
            ("prompt", Tool::Prompt),
            ("mcp__jira__create", Tool::Other("mcp__jira__create".into())),
        ] {
            assert_eq!(Tool::named(name), tool);
            let back: Tool = serde_json::from_value(serde_json::json!(name)).unwrap();
            assert_eq!(back, tool);
        }
        assert_eq!(serde_json::to_value(Tool::Prompt).unwrap(), "prompt");
        assert!(Tool::Skill.stops_with_session() && !Tool::Agent.stops_with_session());
    }
}
