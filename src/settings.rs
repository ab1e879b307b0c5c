//! Claude Code's `.claude/settings.json`: tix's hooks (the snippet shipped as
//! `hooks/settings.json`, built into the binary) and merging them into a
//! project's settings, keeping every other key and hook in its order.

use serde_json::{Map, Value};

/// The ready snippet: every event of DESIGN.md section 5 runs `tix hook`.
pub const SNIPPET: &str = include_str!("../hooks/settings.json");

/// The command every tix hook runs.
pub const COMMAND: &str = "tix hook";

/// `existing` settings (`None`: no file) with tix's hooks added; `Ok(None)`
/// when they are all there already. `Err` says in one line what is wrong with
/// `existing`, which is then left as it is.
pub fn merge(existing: Option<&str>) -> Result<Option<String>, String> {
    let mut settings: Value = match existing {
        Some(text) if !text.trim().is_empty() => {
            serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?
        }
        _ => Value::Object(Map::new()),
    };
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
    let mut changed = false;
    let wanted = snippet["hooks"].as_object().cloned().unwrap_or_default();
    for (event, groups) in wanted {
        let list = hooks
            .entry(event.clone())
            .or_insert_with(|| Value::Array(Vec::new()));
        let Some(list) = list.as_array_mut() else {
            return Err(format!("`hooks.{event}` is not a list"));
        };
        for group in groups.as_array().into_iter().flatten() {
            if !list.iter().any(|g| runs_tix(g, group.get("matcher"))) {
                list.push(group.clone());
                changed = true;
            }
        }
    }
    if !changed {
        return Ok(None);
    }
    let mut text = serde_json::to_string_pretty(&settings).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(Some(text))
}

/// Whether a matcher group with this `matcher` already runs `tix hook`.
fn runs_tix(group: &Value, matcher: Option<&Value>) -> bool {
    group.get("matcher") == matcher
        && group["hooks"].as_array().is_some_and(|hs| {
            hs.iter()
                .any(|h| h["type"] == "command" && h["command"].as_str() == Some(COMMAND))
        })
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
        let merged = merge(Some(existing)).unwrap().unwrap();
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
            merge(Some(&merged)).unwrap(),
            None,
            "a second merge adds nothing"
        );
        // From nothing: the snippet itself.
        let fresh = merge(None).unwrap().unwrap();
        let snippet: Value = serde_json::from_str(SNIPPET).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&fresh).unwrap(), snippet);
    }

    #[test]
    fn malformed_settings_are_refused() {
        for (bad, why) in [
            ("{", "not valid JSON"),
            ("[]", "not a JSON object"),
            (r#"{"hooks": []}"#, "`hooks` is not an object"),
            (r#"{"hooks": {"Stop": {}}}"#, "`hooks.Stop` is not a list"),
            ("{\"a\": 1,}", "not valid JSON"),
        ] {
            let e = merge(Some(bad)).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
