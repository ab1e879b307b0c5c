//! `tix.yaml` and its defaults (the README's "tix.yaml"). Every key is optional; a list
//! given in the file replaces the default list, a map is merged key by key with
//! the default map, and an unknown key is an error that names it.

use crate::ticket::Malformed;
use serde::Deserialize;
use std::collections::BTreeMap;

pub const FILE_NAME: &str = "tix.yaml";

/// The statuses the commands themselves need.
pub const PENDING: &str = "pending";
pub const IN_PROGRESS: &str = "in_progress";
pub const COMPLETED: &str = "completed";
pub const ARCHIVED: &str = "archived";

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusDef {
    pub name: String,
    pub dir: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gates {
    pub unchecked_boxes_block_complete: bool,
    pub unmet_dependencies_block_start: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookConfig {
    pub start_on: Vec<String>,
    pub start_on_slash_commands: bool,
    pub complete_on: Vec<String>,
    pub complete_on_stop: bool,
    pub block_stop_on_gates: bool,
    pub rollback_on_failure: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub id_prefix: String,
    /// Board order.
    pub statuses: Vec<StatusDef>,
    pub transitions: BTreeMap<String, Vec<String>>,
    pub gates: Gates,
    pub lock_timeout_secs: u64,
    pub hook: HookConfig,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    id_prefix: Option<String>,
    statuses: Option<Vec<StatusDef>>,
    transitions: Option<BTreeMap<String, Vec<String>>>,
    gates: Option<RawGates>,
    lock_timeout_secs: Option<u64>,
    hook: Option<RawHook>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGates {
    unchecked_boxes_block_complete: Option<bool>,
    unmet_dependencies_block_start: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHook {
    start_on: Option<Vec<String>>,
    start_on_slash_commands: Option<bool>,
    complete_on: Option<Vec<String>>,
    complete_on_stop: Option<bool>,
    block_stop_on_gates: Option<bool>,
    rollback_on_failure: Option<bool>,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

impl Default for Config {
    fn default() -> Self {
        let status = |name: &str, dir: &str| StatusDef {
            name: name.into(),
            dir: dir.into(),
        };
        Config {
            id_prefix: "TIX".into(),
            statuses: vec![
                status(PENDING, "pending"),
                status(IN_PROGRESS, "in-progress"),
                status(COMPLETED, "completed"),
                status(ARCHIVED, "archive"),
            ],
            transitions: BTreeMap::from([
                (PENDING.into(), strings(&[IN_PROGRESS])),
                (IN_PROGRESS.into(), strings(&[COMPLETED, PENDING])),
                (COMPLETED.into(), strings(&[IN_PROGRESS, ARCHIVED])),
            ]),
            gates: Gates {
                unchecked_boxes_block_complete: true,
                unmet_dependencies_block_start: true,
            },
            lock_timeout_secs: 10,
            hook: HookConfig {
                start_on: strings(&["Agent", "Task", "Skill", "SlashCommand"]),
                start_on_slash_commands: true,
                complete_on: strings(&["Agent", "Task"]),
                complete_on_stop: true,
                block_stop_on_gates: true,
                rollback_on_failure: true,
            },
        }
    }
}

/// A status folder: one name inside the root, not hidden, not `templates`.
pub fn valid_dir(dir: &str) -> bool {
    !dir.is_empty()
        && !dir.starts_with('.')
        && dir != "templates"
        && dir
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '.')
}

impl Config {
    /// Parses `tix.yaml`; errors carry the line where the parser knows it.
    pub fn parse(text: &str) -> Result<Config, Malformed> {
        let err = |line: Option<usize>, message: String| Malformed { line, message };
        let only_comments = text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
        let mut c = Config::default();
        if only_comments {
            return Ok(c);
        }
        let raw: RawConfig = serde_yaml::from_str(text).map_err(|e| {
            err(
                e.location().map(|l| l.line()),
                crate::ticket::yaml_message(&e),
            )
        })?;
        if let Some(p) = raw.id_prefix {
            c.id_prefix = p;
        }
        if let Some(s) = raw.statuses {
            c.statuses = s;
        }
        // Default transitions that name a status the list dropped go with it;
        // what the file itself says is checked strictly below.
        let names = c.status_names();
        c.transitions.retain(|from, _| names.contains(from));
        for tos in c.transitions.values_mut() {
            tos.retain(|t| names.contains(t));
        }
        if let Some(t) = raw.transitions {
            c.transitions.extend(t);
        }
        if let Some(g) = raw.gates {
            let d = &mut c.gates;
            d.unchecked_boxes_block_complete = g
                .unchecked_boxes_block_complete
                .unwrap_or(d.unchecked_boxes_block_complete);
            d.unmet_dependencies_block_start = g
                .unmet_dependencies_block_start
                .unwrap_or(d.unmet_dependencies_block_start);
        }
        if let Some(t) = raw.lock_timeout_secs {
            c.lock_timeout_secs = t;
        }
        if let Some(h) = raw.hook {
            let d = &mut c.hook;
            d.start_on = h.start_on.unwrap_or(std::mem::take(&mut d.start_on));
            d.start_on_slash_commands = h
                .start_on_slash_commands
                .unwrap_or(d.start_on_slash_commands);
            d.complete_on = h.complete_on.unwrap_or(std::mem::take(&mut d.complete_on));
            d.complete_on_stop = h.complete_on_stop.unwrap_or(d.complete_on_stop);
            d.block_stop_on_gates = h.block_stop_on_gates.unwrap_or(d.block_stop_on_gates);
            d.rollback_on_failure = h.rollback_on_failure.unwrap_or(d.rollback_on_failure);
        }
        c.validate().map_err(|m| err(None, m))?;
        Ok(c)
    }

    fn validate(&self) -> Result<(), String> {
        let p = &self.id_prefix;
        if crate::ticket::IdKey::parse(&format!("{p}-1")).is_none_or(|k| k.prefix != *p)
            || p.len() > 16
        {
            return Err(format!(
                "id_prefix: {p:?} must be upper-case letters (and digits), at most 16"
            ));
        }
        for (i, s) in self.statuses.iter().enumerate() {
            let name_ok = s.name.starts_with(|c: char| c.is_ascii_lowercase())
                && s.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !name_ok {
                return Err(format!(
                    "statuses: name {:?} must be lower-case letters, digits and _",
                    s.name
                ));
            }
            let dir_ok = valid_dir(&s.dir);
            if !dir_ok {
                return Err(format!(
                    "statuses: dir {:?} of {} must be one folder name inside the root",
                    s.dir, s.name
                ));
            }
            if self.statuses[..i]
                .iter()
                .any(|o| o.name == s.name || o.dir == s.dir)
            {
                return Err(format!("statuses: {} / {} is listed twice", s.name, s.dir));
            }
        }
        for need in [PENDING, IN_PROGRESS, COMPLETED] {
            if self.status(need).is_none() {
                return Err(format!("statuses: the list must include {need}"));
            }
        }
        for (from, tos) in &self.transitions {
            for s in std::iter::once(from).chain(tos) {
                if self.status(s).is_none() {
                    return Err(format!("transitions: unknown status {s:?}"));
                }
            }
        }
        Ok(())
    }

    pub fn status(&self, name: &str) -> Option<&StatusDef> {
        self.statuses.iter().find(|s| s.name == name)
    }

    /// A status by its name or its folder's name.
    pub fn status_by_name_or_dir(&self, s: &str) -> Option<&StatusDef> {
        self.status(s)
            .or_else(|| self.statuses.iter().find(|d| d.dir == s))
    }

    pub fn status_names(&self) -> Vec<String> {
        self.statuses.iter().map(|s| s.name.clone()).collect()
    }

    pub fn allows(&self, from: &str, to: &str) -> bool {
        self.transitions
            .get(from)
            .is_some_and(|tos| tos.iter().any(|t| t == to))
    }

    /// `tix.yaml` as `tix init` writes it: every default spelled out, with comments.
    pub fn render(&self) -> String {
        let mut s = String::new();
        s.push_str("# tix configuration. Every key is optional; these are the defaults.\n");
        s.push_str(
            "# A list given here replaces the default list; a map is merged key by key.\n\n",
        );
        s.push_str(&format!(
            "id_prefix: {}            # new ids are PREFIX-NNNN, zero-padded to 4, wider when needed\n",
            self.id_prefix
        ));
        s.push_str("statuses:                 # order = board order; name -> folder\n");
        for st in &self.statuses {
            s.push_str(&format!("  - {{name: {}, dir: {}}}\n", st.name, st.dir));
        }
        s.push_str("transitions:              # allowed without --force\n");
        for (from, tos) in &self.transitions {
            s.push_str(&format!("  {from}: [{}]\n", tos.join(", ")));
        }
        let g = &self.gates;
        s.push_str("gates:\n");
        s.push_str(&format!(
            "  unchecked_boxes_block_complete: {}   # `complete` refused while the body has `- [ ]` boxes\n",
            g.unchecked_boxes_block_complete
        ));
        s.push_str(&format!(
            "  unmet_dependencies_block_start: {}   # `start` refused while a depends_on ticket is not completed\n",
            g.unmet_dependencies_block_start
        ));
        s.push_str(&format!(
            "lock_timeout_secs: {}     # how long a command waits for another one to finish (then exit 5)\n",
            self.lock_timeout_secs
        ));
        let h = &self.hook;
        s.push_str("hook:\n");
        s.push_str(&format!(
            "  start_on: [{}]   # PreToolUse tools that start a mentioned ticket\n",
            h.start_on.join(", ")
        ));
        s.push_str(&format!(
            "  start_on_slash_commands: {}          # user-typed /commands that mention a ticket start it\n",
            h.start_on_slash_commands
        ));
        s.push_str(&format!(
            "  complete_on: [{}]   # tools whose end (PostToolUse/SubagentStop) completes what they started\n",
            h.complete_on.join(", ")
        ));
        s.push_str(&format!(
            "  complete_on_stop: {}                 # Stop completes what skills and slash commands started\n",
            h.complete_on_stop
        ));
        s.push_str(&format!(
            "  block_stop_on_gates: {}              # Stop/SubagentStop with unmet gates: keep it working, once\n",
            h.block_stop_on_gates
        ));
        s.push_str(&format!(
            "  rollback_on_failure: {}              # a failed tool run puts its ticket back to pending\n",
            h.rollback_on_failure
        ));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_defaults_read_back_as_the_defaults() {
        let d = Config::default();
        assert_eq!(Config::parse(&d.render()).unwrap(), d);
        assert_eq!(Config::parse("# nothing\n\n").unwrap(), d);
    }

    #[test]
    fn lists_replace_and_maps_merge() {
        let c = Config::parse(
            "statuses:\n  - {name: pending, dir: todo}\n  - {name: in_progress, dir: doing}\n  - {name: completed, dir: done}\n  - {name: blocked, dir: blocked}\ntransitions:\n  pending: [in_progress, blocked]\n  blocked: [pending]\ngates:\n  unchecked_boxes_block_complete: false\n",
        )
        .unwrap();
        assert_eq!(c.statuses.len(), 4);
        assert!(c.allows("pending", "blocked"));
        assert!(c.allows("in_progress", "completed"), "default entry kept");
        assert!(!c.gates.unchecked_boxes_block_complete);
        assert!(c.gates.unmet_dependencies_block_start);
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = Config::parse("id_prefix: TIX\nlock_timout_secs: 3\n").unwrap_err();
        assert!(e.message.contains("lock_timout_secs"), "{e:?}");
        assert_eq!(e.line, Some(2));
        let e = Config::parse("gates:\n  unchecked: true\n").unwrap_err();
        assert!(e.message.contains("unchecked"), "{e:?}");
    }

    #[test]
    fn bad_values_are_refused() {
        for bad in [
            "statuses:\n  - {name: pending, dir: ../x}\n  - {name: in_progress, dir: b}\n  - {name: completed, dir: c}\n",
            "statuses:\n  - {name: pending, dir: a}\n",
            "transitions:\n  pending: [nowhere]\n",
            "id_prefix: ../\n",
            "lock_timeout_secs: -1\n",
        ] {
            assert!(Config::parse(bad).is_err(), "{bad}");
        }
    }
}
