//! Claude Code's `.claude/settings.json`: tix's hooks (the snippet shipped as
//! `hooks/settings.json`, built into the binary) and merging them into a
//! project's settings, keeping every other key and hook in its order.

use serde_json::{Map, Value};

/// The ready snippet: every event tix acts on runs `tix hook`.
pub const SNIPPET: &str = include_str!("../hooks/settings.json");

/// The command every tix hook runs.
pub const COMMAND: &str = "tix hook";

/// Settings with tix's hooks merged in.
#[derive(Debug, PartialEq, Eq)]
pub struct Merged {
    /// The whole file, as it is to be written.
    pub text: String,
    /// The events whose hooks were added, in the snippet's order.
    pub added: Vec<String>,
}

/// `existing` settings (`None`: no file) with tix's hooks added, and the
/// events they were added for; `Ok(None)` when they are all there already
/// (in `existing`, or in `also`, such as `settings.local.json`). `Err` says in one line what is wrong with
/// `existing`, which is then left as it is. The file is read and written with
/// its numbers' values and precision, its key order, its indentation and line
/// endings.
pub fn merge(existing: Option<&str>, also: Option<&str>) -> Result<Option<Merged>, String> {
    let text = existing.filter(|t| !t.trim().is_empty());
    let mut settings: Value = match text {
        Some(t) => {
            if let Some(key) = duplicate_key(t) {
                return Err(format!(
                    "the key {key:?} appears twice in one object (which one counts is unclear)"
                ));
            }
            serde_json::from_str(t).map_err(|e| format!("not valid JSON: {e}"))?
        }
        None => Value::Object(Map::new()),
    };
    let others: Vec<Value> = also
        .into_iter()
        .filter_map(|t| serde_json::from_str(t).ok())
        .collect();
    let snippet: Value =
        serde_json::from_str(SNIPPET).map_err(|e| format!("the built-in snippet: {e}"))?;
    let Some(root) = settings.as_object_mut() else {
        return Err("not a JSON object".into());
    };
    let hooks = root
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(hooks) = hooks.as_object_mut() else {
        return Err("`hooks` is not an object".into());
    };
    let mut added = Vec::new();
    let wanted = snippet["hooks"].as_object().cloned().unwrap_or_default();
    for (event, groups) in wanted {
        if hooks.get(&event).is_some_and(|l| !l.is_array()) {
            return Err(format!("`hooks.{event}` is not a list"));
        }
        let there = others.iter().any(|o| registers_tix(&o["hooks"][&event]));
        if there || hooks.get(&event).is_some_and(registers_tix) {
            continue;
        }
        let list = hooks
            .entry(event.clone())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Some(list) = list.as_array_mut() {
            list.extend(groups.as_array().into_iter().flatten().cloned());
            added.push(event);
        }
    }
    if added.is_empty() {
        return Ok(None);
    }
    Ok(Some(Merged {
        text: write_like(&settings, text),
        added,
    }))
}

/// Whether an event's matcher groups already run tix's hook (under any path,
/// with any matcher): adding it again would run it twice.
fn registers_tix(groups: &Value) -> bool {
    groups.as_array().into_iter().flatten().any(|g| {
        g["hooks"].as_array().into_iter().flatten().any(|h| {
            h["type"] == "command"
                && h["command"].as_str().is_some_and(|c| {
                    // `tix hook`, `/usr/local/bin/tix hook`, `"$HOME/bin/tix" hook`.
                    let c: String = c.chars().filter(|ch| !matches!(ch, '"' | '\'')).collect();
                    let c = c.trim();
                    c == COMMAND || c.ends_with(&format!("/{COMMAND}"))
                })
        })
    })
}

/// `value` as pretty JSON, indented and ended like `like` (two spaces and LF
/// for a new file), with a final newline where `like` had one.
fn write_like(value: &Value, like: Option<&str>) -> String {
    let indent = like
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with([' ', '\t']) && !l.trim().is_empty())
                .map(|l| l[..l.len() - l.trim_start().len()].to_string())
        })
        .unwrap_or_else(|| "  ".into());
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    let _ = serde::Serialize::serialize(value, &mut ser);
    let mut text = String::from_utf8(out).unwrap_or_default();
    if like.is_none_or(|t| t.ends_with('\n')) {
        text.push('\n');
    }
    if like.is_some_and(|t| t.contains("\r\n")) {
        text = text.replace('\n', "\r\n");
    }
    text
}

/// The first key that appears twice in one object of `text`, if any
/// (`serde_json` would silently keep the last).
fn duplicate_key(text: &str) -> Option<String> {
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use std::cell::RefCell;
    struct Check<'a>(&'a RefCell<Option<String>>);
    impl<'de> DeserializeSeed<'de> for Check<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Check<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Check(self.0))?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key.clone()) && self.0.borrow().is_none() {
                    *self.0.borrow_mut() = Some(key);
                }
                map.next_value_seed(Check(self.0))?;
            }
            Ok(())
        }
    }
    let found = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let _ = Check(&found).deserialize(&mut de);
    found.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_keeps_everything_and_twice_adds_nothing() {
        let existing = r#"{
  "model": "opus",
  "hooks": {
    "PreToolUse": [
      { "matcher": "Bash", "hooks": [ { "type": "command", "command": "./guard.sh" } ] }
    ],
    "Stop": [ { "hooks": [ { "type": "command", "command": "say done" } ] } ]
  },
  "permissions": { "allow": ["Bash(ls)"] }
}"#;
        let Merged {
            text: merged,
            added,
        } = merge(Some(existing), None).unwrap().unwrap();
        assert_eq!(
            added,
            [
                "SessionStart",
                "UserPromptSubmit",
                "UserPromptExpansion",
                "PreToolUse",
                "PostToolUse",
                "PostToolUseFailure",
                "PostToolBatch",
                "SubagentStop",
                "StopFailure",
                "Stop"
            ]
        );
        let v: Value = serde_json::from_str(&merged).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["model", "hooks", "permissions"], "key order kept");
        let pre = v["hooks"]["PreToolUse"].as_array().unwrap();
        assert_eq!(pre[0]["hooks"][0]["command"], "./guard.sh", "theirs first");
        assert_eq!(pre[1]["matcher"], "^(Task|Agent|Skill|SlashCommand)$");
        assert_eq!(v["hooks"]["Stop"].as_array().unwrap().len(), 2);
        assert_eq!(
            v["hooks"]["SessionStart"][0]["hooks"][0]["command"],
            COMMAND
        );
        assert_eq!(
            merge(Some(&merged), None).unwrap(),
            None,
            "a second merge adds nothing"
        );
        // From nothing: the snippet itself.
        let fresh = merge(None, None).unwrap().unwrap().text;
        let snippet: Value = serde_json::from_str(SNIPPET).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&fresh).unwrap(), snippet);
    }

    #[test]
    fn numbers_layout_and_line_endings_are_kept() {
        let existing = "{\r\n    \"big\": 12345678901234567890123,\r\n    \"sci\": 1e3,\r\n    \"f\": 0.1\r\n}";
        let merged = merge(Some(existing), None).unwrap().unwrap().text;
        // Values and precision are kept (serde_json writes 1e3 as 1e+3).
        assert!(merged.starts_with("{\r\n    \"big\": 12345678901234567890123,\r\n    \"sci\": 1e+3,\r\n    \"f\": 0.1,\r\n    \"hooks\": {"), "{merged:?}");
        assert!(!merged.replace("\r\n", "").contains('\n'));
        assert!(!merged.ends_with('\n'), "no final newline, as before");
    }

    #[test]
    fn tix_registered_elsewhere_or_under_a_path_is_not_added_again() {
        let mine = r#"{"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "/usr/local/bin/tix hook"}]}]}}"#;
        let Merged {
            text: merged,
            added,
        } = merge(Some(mine), None).unwrap().unwrap();
        let v: Value = serde_json::from_str(&merged).unwrap();
        assert_eq!(v["hooks"]["Stop"].as_array().unwrap().len(), 1);
        assert!(!added.iter().any(|e| e == "Stop"), "{added:?}");
        let local = r#"{"hooks": {"PreToolUse": [{"matcher": "Agent", "hooks": [{"type": "command", "command": "tix hook"}]}]}}"#;
        let Merged {
            text: merged,
            added,
        } = merge(None, Some(local)).unwrap().unwrap();
        let v: Value = serde_json::from_str(&merged).unwrap();
        assert!(v["hooks"].get("PreToolUse").is_none(), "{merged}");
        assert_eq!(added.len(), 9, "{added:?}");
        assert!(v["hooks"]["Stop"].is_array());
    }

    #[test]
    fn malformed_settings_are_refused() {
        for (bad, why) in [
            ("{", "not valid JSON"),
            ("[]", "not a JSON object"),
            (r#"{"hooks": []}"#, "`hooks` is not an object"),
            (r#"{"hooks": {"Stop": {}}}"#, "`hooks.Stop` is not a list"),
            ("{\"a\": 1,}", "not valid JSON"),
            (
                "{\"a\": 1, \"b\": {\"c\": 1, \"c\": 2}}",
                "the key \"c\" appears twice",
            ),
        ] {
            let e = merge(Some(bad), None).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
