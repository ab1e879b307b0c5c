//! Real Claude Code sessions replayed: `examples/payloads/claude-2.1.332/`
//! holds every payload the real client sent `tix hook` in the end-to-end
//! test's sessions (recorded with `TIX_E2E_RECORD`), with tix's answers. Here
//! the same tree is made, each payload is sent again in order, and tix must
//! answer exactly as it did, leave each ticket where the hook rules say, and
//! leave no run open. The subagents' boxes are ticked where the recorded
//! batch shows the `sed` that ticked them.

use crate::util::Tix;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

fn recording() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/payloads/claude-2.1.332")
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(p).unwrap()).unwrap_or_else(|e| panic!("{p:?}: {e}"))
}

/// The recording's paths, made this test's.
fn localize(text: &str, t: &Tix) -> String {
    let shop = t.path("shop").to_string_lossy().into_owned();
    let home = t.path("home").to_string_lossy().into_owned();
    text.replace("/home/dev/shop", &shop)
        .replace("/home/dev", &home)
}

/// Ticks the boxes of the tickets a recorded `sed` ticked (a Bash call in a
/// `PostToolBatch`), as the subagent or session did before that batch ended.
fn tick_as_recorded(t: &Tix, payload: &Value) {
    let Some(calls) = payload["tool_calls"].as_array() else {
        return;
    };
    for call in calls {
        let command = call["tool_input"]["command"].as_str().unwrap_or("");
        if call["tool_name"] != "Bash" || !command.starts_with("sed -i") {
            continue;
        }
        for id in command
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .filter(|w| w.starts_with("TIX-"))
        {
            let id = id.trim_end_matches('-');
            for dir in ["pending", "in-progress", "completed"] {
                let Ok(list) = fs::read_dir(t.path(&format!("shop/tickets/{dir}"))) else {
                    continue;
                };
                for f in list.flatten() {
                    if f.file_name()
                        .to_string_lossy()
                        .starts_with(&format!("{id}-"))
                    {
                        let text = fs::read_to_string(f.path()).unwrap();
                        fs::write(f.path(), text.replace("- [ ]", "- [x]")).unwrap();
                    }
                }
            }
        }
    }
}

#[test]
fn real_claude_code_sessions_replay_to_the_same_tickets_and_answers() {
    let dir = recording();
    let manifest = read_json(&dir.join("manifest.json"));
    let mut t = Tix::empty();
    fs::create_dir_all(t.path("shop")).unwrap();
    t.cwd = PathBuf::from("shop");
    t.run(&["init"]).code(0);
    for title in manifest["tickets"].as_array().unwrap() {
        t.run(&["new", title.as_str().unwrap()]).code(0);
    }
    // The notes Claude Code kept beside the subagents' transcripts.
    let notes = dir.join("subagents");
    for session in fs::read_dir(&notes).unwrap().flatten() {
        let to = t.path(&format!(
            "home/.claude/projects/-home-dev-shop/{}/subagents",
            session.file_name().to_string_lossy()
        ));
        fs::create_dir_all(&to).unwrap();
        for note in fs::read_dir(session.path()).unwrap().flatten() {
            fs::copy(note.path(), to.join(note.file_name())).unwrap();
        }
    }
    let mut replayed = 0;
    for step in manifest["steps"].as_array().unwrap() {
        if let Some(args) = step["tix"].as_array() {
            let args: Vec<&str> = args.iter().map(|a| a.as_str().unwrap()).collect();
            t.run(&args).code(0);
            continue;
        }
        let name = step["session"].as_str().unwrap();
        let mut files: Vec<PathBuf> = fs::read_dir(dir.join(name))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let n = p.file_name().unwrap().to_string_lossy();
                n.ends_with(".json") && !n.ends_with(".tix-stdout.json")
            })
            .collect();
        files.sort();
        for f in files {
            let payload: Value =
                serde_json::from_str(&localize(&fs::read_to_string(&f).unwrap(), &t)).unwrap();
            tick_as_recorded(&t, &payload);
            let r = t.hook(&payload, &[]);
            let answer = f.with_file_name(
                f.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .replace(".json", ".tix-stdout.json"),
            );
            let want = answer.exists().then(|| {
                serde_json::from_str::<Value>(&localize(&fs::read_to_string(&answer).unwrap(), &t))
                    .unwrap()
            });
            let got =
                (!r.stdout.is_empty()).then(|| serde_json::from_str::<Value>(&r.stdout).unwrap());
            assert_eq!(got, want, "{name}: {}", f.display());
            replayed += 1;
        }
        let ids: Vec<&str> = step["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_str().unwrap())
            .collect();
        let got: Vec<String> = ids
            .iter()
            .map(|id| {
                t.run(&["show", id, "--json"]).code(0).json()["status"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(Value::from(got), step["expect"], "{name}: {ids:?}");
    }
    assert!(replayed > 100, "only {replayed} payloads");
    let runs: Value = serde_json::from_str(&t.read("shop/tickets/.tix/runs.json")).unwrap();
    assert!(
        runs["runs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| !r["ended_at"].is_null()),
        "{runs}"
    );
    assert_eq!(runs["early_stops"], serde_json::json!([]));
    t.run(&["sync", "--check"]).code(0);
}
