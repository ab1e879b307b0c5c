//! `hooks/settings.json` and `tix init --claude`: the snippet and every merged
//! settings file validate against Claude Code's published settings schema
//! (checked in as `tests/data/claude-code-settings.schema.json`), and a
//! merge keeps what
//! was there.

use crate::util::Tix;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn manifest(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Validates `json` with Python's `jsonschema`; `false` (and a note) when
/// Python or the package is missing (`.ci/run` installs it).
fn validate(json: &str) -> bool {
    let schema = manifest("tests/data/claude-code-settings.schema.json");
    let script = "import json,sys\nimport jsonschema\nschema=json.load(open(sys.argv[1]))\njsonschema.validate(json.loads(sys.stdin.read()), schema, cls=jsonschema.Draft7Validator)\n";
    let mut child = match Command::new("python3")
        .args(["-c", script])
        .arg(&schema)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(_) => {
            eprintln!(
                "skipped: python3 is not installed (the schema check needs python3 with jsonschema)"
            );
            return false;
        }
    };
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(json.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("No module named 'jsonschema'") {
        eprintln!("skipped: python3 has no jsonschema module (pip install jsonschema)");
        return false;
    }
    assert!(
        out.status.success(),
        "not valid against the settings schema:\n{err}\n{json}"
    );
    true
}

#[test]
fn the_shipped_snippet_has_the_documented_shape_and_validates() {
    let text = std::fs::read_to_string(manifest("hooks/settings.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let hooks = v["hooks"].as_object().unwrap();
    let events: Vec<&str> = hooks.keys().map(String::as_str).collect();
    assert_eq!(
        events,
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
    for (event, groups) in hooks {
        let groups = groups.as_array().unwrap();
        assert_eq!(groups.len(), 1, "{event}");
        let tool_event =
            ["PreToolUse", "PostToolUse", "PostToolUseFailure"].contains(&event.as_str());
        match groups[0].get("matcher") {
            Some(m) => {
                assert!(tool_event, "{event} is matched on nothing");
                assert_eq!(m, "^(Task|Agent|Skill|SlashCommand)$");
            }
            None => assert!(!tool_event, "{event} needs the tool matcher"),
        }
        let h = &groups[0]["hooks"][0];
        assert_eq!(
            (&h["type"], &h["command"]),
            (&Value::from("command"), &Value::from("tix hook"))
        );
        // Seconds, not milliseconds: above the default lock wait (10 s).
        assert!(
            h["timeout"]
                .as_u64()
                .is_some_and(|s| (10..=60).contains(&s)),
            "{h}"
        );
    }
    validate(&text);
}

#[test]
fn init_claude_merges_into_real_settings_files_and_twice_adds_nothing() {
    let examples = manifest("tests/data/claude-settings");
    let mut checked = 0;
    for e in std::fs::read_dir(&examples).unwrap().flatten() {
        let original = std::fs::read_to_string(e.path()).unwrap();
        let t = Tix::empty()
            .file(".git/HEAD", "ref: refs/heads/main\n")
            .file(".claude/settings.json", &original);
        t.run(&["init", "--claude"])
            .code(0)
            .stderr_has(".claude/settings.json: added tix's hooks");
        let merged = t.read(".claude/settings.json");
        let before: Value = serde_json::from_str(&original).unwrap();
        let after: Value = serde_json::from_str(&merged).unwrap();
        // Every key they had is there, in their order, with their value
        // (hooks: theirs first, then tix's).
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        let kept: Vec<String> = keys(&after)
            .into_iter()
            .filter(|k| before.get(k).is_some())
            .collect();
        assert_eq!(kept, keys(&before), "{:?}", e.path());
        for (k, v) in before.as_object().unwrap() {
            if k != "hooks" {
                assert_eq!(&after[k], v, "{k}");
            }
        }
        if let Some(theirs) = before["hooks"].as_object() {
            for (event, groups) in theirs {
                let now = after["hooks"][event].as_array().unwrap();
                assert_eq!(
                    &now[..groups.as_array().unwrap().len()],
                    groups.as_array().unwrap().as_slice()
                );
            }
        }
        assert_eq!(
            after["hooks"]["PreToolUse"]
                .as_array()
                .unwrap()
                .last()
                .unwrap()["hooks"][0]["command"],
            "tix hook"
        );
        if validate(&merged) {
            checked += 1;
        }
        t.run(&["init", "--claude"])
            .code(0)
            .stderr_has("tix's hooks are there already");
        assert_eq!(
            t.read(".claude/settings.json"),
            merged,
            "a second run changes nothing"
        );
    }
    assert!(checked == 0 || checked >= 4, "{checked}");
}

#[test]
fn init_claude_without_settings_creates_them_beside_the_tree() {
    // No git: the project is the root's parent.
    let t = Tix::empty();
    t.run(&["init", "board/tickets", "--claude"]).code(0);
    let made = t.read("board/.claude/settings.json");
    let v: Value = serde_json::from_str(&made).unwrap();
    let snippet: Value =
        serde_json::from_str(&std::fs::read_to_string(manifest("hooks/settings.json")).unwrap())
            .unwrap();
    assert_eq!(v, snippet);
    validate(&made);
    // Inside a git repository: its top level.
    let t = Tix::empty().file("repo/.git/HEAD", "ref: refs/heads/main\n");
    std::fs::create_dir_all(t.path("repo/sub")).unwrap();
    let mut c = t.command(&["init", "--claude"]);
    c.current_dir(t.path("repo/sub"));
    let out = c.output().unwrap();
    assert!(out.status.success());
    assert!(t.exists("repo/.claude/settings.json"));
    assert!(t.exists("repo/sub/tickets/tix.yaml"));
}

#[test]
fn a_malformed_settings_file_is_reported_and_left_untouched() {
    for bad in ["{ \"hooks\": [ }", "[]", "{\"hooks\": {\"Stop\": 3}}"] {
        let t = Tix::empty()
            .file(".git/HEAD", "x")
            .file(".claude/settings.json", bad);
        t.run(&["init", "--claude"])
            .code(1)
            .stderr_has(".claude/settings.json: ");
        assert_eq!(t.read(".claude/settings.json"), bad);
        assert!(!t.exists("tickets"), "nothing was created");
    }
}

#[test]
fn init_claude_follows_links_resolves_the_root_and_respects_local_settings() {
    // Review findings: a symlinked settings file was replaced by a regular
    // file; `..` in the root was not resolved; hooks in settings.local.json
    // were added a second time.
    let t = Tix::empty()
        .file("x/b/.git/HEAD", "x")
        .file("x/c/.git/HEAD", "x")
        .file("shared/settings.json", "{\"model\": \"opus\"}\n");
    std::fs::create_dir_all(t.path("x/c/.claude")).unwrap();
    std::os::unix::fs::symlink(
        t.path("shared/settings.json"),
        t.path("x/c/.claude/settings.json"),
    )
    .unwrap();
    let mut c = t.command(&["init", "../c/tickets", "--claude"]);
    c.current_dir(t.path("x/b"));
    assert!(c.output().unwrap().status.success());
    assert!(
        !t.exists("x/b/.claude"),
        "the root's repository, not the working directory's"
    );
    assert!(
        std::fs::symlink_metadata(t.path("x/c/.claude/settings.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let shared: Value = serde_json::from_str(&t.read("shared/settings.json")).unwrap();
    assert_eq!(shared["model"], "opus");
    assert_eq!(
        shared["hooks"]["Stop"][0]["hooks"][0]["command"],
        "tix hook"
    );

    let local = r#"{"hooks": {"SessionStart": [{"hooks": [{"type": "command", "command": "/opt/bin/tix hook"}]}]}}"#;
    let t = Tix::empty()
        .file(".git/HEAD", "x")
        .file(".claude/settings.local.json", local);
    // The message names the events it added, not the ones already there.
    t.run(&["init", "--claude"]).code(0).stderr_has(
        ".claude/settings.json: added tix's hooks (UserPromptSubmit, UserPromptExpansion, \
         PreToolUse, PostToolUse, PostToolUseFailure, PostToolBatch, SubagentStop, StopFailure, Stop)\n",
    );
    let v: Value = serde_json::from_str(&t.read(".claude/settings.json")).unwrap();
    assert!(
        v["hooks"].get("SessionStart").is_none(),
        "already run from settings.local.json"
    );
    assert!(v["hooks"]["PreToolUse"].is_array());
}
