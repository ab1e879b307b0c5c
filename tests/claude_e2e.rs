//! tix's hooks under the real Claude Code client.
//!
//! Installs a pinned `@anthropic-ai/claude-code` from the npm registry (into
//! `target/tmp/claude-code-<version>`, kept between runs), serves scripted
//! model turns on 127.0.0.1 (a small mock of the Messages API below: no key,
//! no network), and runs headless sessions in a throw-away git project where
//! `tix init --claude` installed the hooks. After each session the tickets
//! must be where the README's hook rules say, and no run may stay open.
//! Then the hooks are timed as Claude Code times them (its debug log), beside
//! a `cat > /dev/null` hook on the same events, on this small tree and on a
//! 10,000-ticket one.
//!
//! It runs when `TIX_E2E=1` (`.ci/run` sets it): it downloads the client
//! (about 400 MB unpacked) and takes a few minutes, too much for every
//! `cargo test`. Without node and npm, or when the registry cannot be reached
//! or the client does not install, it says so loudly on stderr and passes: it
//! cannot judge tix then. A ticket in the wrong state fails it.
//! `TIX_E2E=require` makes a missing client a failure too.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a session may take before it is killed (and the test fails).
const SESSION_LIMIT_SECS: u64 = 150;
/// The Claude Code version these tests pin.
const CC_VERSION: &str = "2.1.332";
/// The tix under test: `TIX_E2E_BIN` (a release build, for timings that
/// mean something), else the test build.
fn tix_bin() -> PathBuf {
    std::env::var_os("TIX_E2E_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_tix")))
}

// ------------------------------------------------------------ scenarios

/// What the main session's scripted model does.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Main {
    /// One `Agent` call naming the first ticket (extra input fields given).
    Agent(&'static str),
    /// One `Agent` call per ticket, in one turn.
    Agents(&'static str),
    /// Two background `Agent` calls in one turn, both naming the first ticket.
    SameTicketTwice,
    /// One `Agent` call naming every ticket.
    OneForAll,
    /// The `Skill` tool, then the main session ticks the box.
    Skill,
    /// The main session ticks the box (a typed skill's turn).
    Tick,
    /// A plain answer.
    Text,
}

struct Scenario {
    name: &'static str,
    tickets: usize,
    main: Main,
    /// The subagent ticks its tickets' boxes before it answers.
    sub_ticks: bool,
    /// The subagent's model call gets HTTP 400.
    sub_fails: bool,
    /// Settings beside the hooks: `deny` (another PreToolUse hook denies
    /// Agent), `perm` (a permissions.deny rule).
    settings: Option<&'static str>,
    /// The prompt: `None` is the scenario marker; else a typed command.
    prompt: Option<&'static str>,
    /// What each ticket's status must be afterwards.
    expect: &'static [&'static str],
}

const BG: &str = r#"{"run_in_background": true}"#;
const FG: &str = r#"{"run_in_background": false}"#;

fn scenarios() -> Vec<Scenario> {
    let s = |name, tickets, main, sub_ticks, expect| Scenario {
        name,
        tickets,
        main,
        sub_ticks,
        sub_fails: false,
        settings: None,
        prompt: None,
        expect,
    };
    vec![
        s(
            "agent-default",
            1,
            Main::Agent("{}"),
            false,
            &["in_progress"],
        ),
        s(
            "agent-fg-block",
            1,
            Main::Agent(FG),
            false,
            &["in_progress"],
        ),
        s("agent-fg-tick", 1, Main::Agent(FG), true, &["completed"]),
        s("agent-bg-tick", 1, Main::Agent(BG), true, &["completed"]),
        s(
            "agent-parallel",
            2,
            Main::Agents(BG),
            true,
            &["completed", "completed"],
        ),
        s(
            "same-ticket-twice",
            1,
            Main::SameTicketTwice,
            true,
            &["completed"],
        ),
        s(
            "two-tickets-one-agent",
            2,
            Main::OneForAll,
            true,
            &["completed", "completed"],
        ),
        s("skill", 1, Main::Skill, false, &["completed"]),
        Scenario {
            prompt: Some("/work-on"),
            ..s("slash", 1, Main::Text, false, &["in_progress"])
        },
        Scenario {
            prompt: Some("/fix-ticket"),
            ..s("slash-skill", 1, Main::Tick, false, &["completed"])
        },
        Scenario {
            sub_fails: true,
            ..s("agent-fail-fg", 1, Main::Agent(FG), false, &["pending"])
        },
        Scenario {
            sub_fails: true,
            ..s("agent-fail-bg", 1, Main::Agent(BG), false, &["pending"])
        },
        s(
            "agent-badtype",
            1,
            Main::Agent(r#"{"subagent_type": "no-such-agent-type"}"#),
            false,
            &["pending"],
        ),
        Scenario {
            settings: Some("deny"),
            ..s("agent-deny", 1, Main::Agent("{}"), false, &["pending"])
        },
        Scenario {
            settings: Some("perm"),
            ..s("agent-perm-deny", 1, Main::Agent("{}"), false, &["pending"])
        },
    ]
}

// ------------------------------------------------------------ the mock model

fn text(t: &str) -> Value {
    json!({"type": "text", "text": t})
}

/// A new id for a message or tool call (Claude Code keys its history by them).
fn unique(prefix: &str) -> String {
    static N: Mutex<u64> = Mutex::new(0);
    let mut n = N.lock().unwrap();
    *n += 1;
    format!("{prefix}_e2e_{:020}", *n)
}

fn tool_use(name: &str, input: Value) -> Value {
    json!({"type": "tool_use", "id": unique("toolu"), "name": name, "input": input})
}

fn tick(ids: &[String]) -> Value {
    let files: Vec<String> = ids.iter().map(|i| format!("tickets/*/{i}-*.md")).collect();
    tool_use(
        "Bash",
        json!({"command": format!("sed -i 's/- \\[ \\]/- [x]/' {}", files.join(" ")),
               "description": format!("Tick the boxes of {}", ids.join(", "))}),
    )
}

fn agent_input(scenario: &str, ids: &[String], over: &str) -> Value {
    let names = ids.join(" ");
    let mut input = json!({
        "description": format!("Fix {names}"),
        "prompt": format!("E2E-SUBAGENT={scenario} {names}\nWork on {names}: do the work, tick the boxes in each ticket."),
        "subagent_type": "general-purpose",
    });
    let over: Value = serde_json::from_str(over).unwrap();
    for (k, v) in over.as_object().unwrap() {
        input[k] = v.clone();
    }
    input
}

/// All text a message's content holds, tool results included.
fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .map(|b| match b["type"].as_str() {
                Some("text") => b["text"].as_str().unwrap_or("").to_string(),
                Some("tool_result") => text_of(&b["content"]),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The words after `marker=`: the scenario, then the ticket ids.
fn marked(text: &str, marker: &str) -> Option<(String, Vec<String>)> {
    let at = text.find(marker)? + marker.len();
    let mut words = text[at..].split_whitespace();
    let name = words.next()?.to_string();
    let ids = words
        .take_while(|w| w.starts_with("TIX-"))
        .map(String::from)
        .collect();
    Some((name, ids))
}

/// The scripted answer to one request: HTTP status and body blocks (or error).
fn decide(body: &Value, all: &[Scenario]) -> (u16, Value) {
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    let users: String = messages
        .iter()
        .filter(|m| m["role"] == "user")
        .map(|m| text_of(&m["content"]))
        .collect::<Vec<_>>()
        .join("\n");
    let turn = messages.iter().filter(|m| m["role"] == "assistant").count();
    let plain = |t: &str| (200, json!([text(t)]));
    if body["tools"].as_array().is_none_or(|t| t.is_empty()) {
        return plain("ok");
    }
    let tool = if body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["name"] == "Task")
    {
        "Task"
    } else {
        "Agent"
    };
    let script = |steps: Vec<Value>| {
        let i = turn.min(steps.len() - 1);
        (200, steps[i].clone())
    };
    if let Some((name, ids)) = marked(&users, "E2E-SUBAGENT=") {
        let sc = all.iter().find(|s| s.name == name);
        if sc.is_some_and(|s| s.sub_fails) {
            return (
                400,
                json!({"type": "error", "error": {"type": "invalid_request_error",
                       "message": "E2E forced failure of the subagent's request"}}),
            );
        }
        let done = json!([text("done")]);
        return match sc.is_some_and(|s| s.sub_ticks) {
            true => script(vec![json!([tick(&ids)]), done]),
            false => script(vec![done]),
        };
    }
    let Some((name, ids)) = marked(&users, "E2E-SCENARIO=") else {
        return plain("ok");
    };
    let Some(sc) = all.iter().find(|s| s.name == name) else {
        return plain("ok");
    };
    let last = json!([text(&format!(
        "Main session: finished with {}.",
        ids.join(", ")
    ))]);
    let one = |i: usize| vec![ids[i].clone()];
    script(match sc.main {
        Main::Agent(over) => vec![
            json!([tool_use(tool, agent_input(&name, &one(0), over))]),
            last,
        ],
        Main::Agents(over) => vec![
            Value::Array(
                (0..ids.len())
                    .map(|i| tool_use(tool, agent_input(&name, &one(i), over)))
                    .collect(),
            ),
            last,
        ],
        Main::SameTicketTwice => vec![
            json!([
                tool_use(tool, agent_input(&name, &one(0), BG)),
                tool_use(tool, agent_input(&name, &one(0), BG))
            ]),
            last,
        ],
        Main::OneForAll => vec![json!([tool_use(tool, agent_input(&name, &ids, BG))]), last],
        Main::Skill => vec![
            json!([tool_use(
                "Skill",
                json!({"skill": "fix-ticket", "args": ids[0]})
            )]),
            json!([tick(&one(0))]),
            last,
        ],
        Main::Tick => vec![json!([tick(&one(0))]), last],
        Main::Text => vec![last],
    })
}

fn sse(event: &str, data: Value) -> String {
    format!("event: {event}\ndata: {data}\n\n")
}

/// A whole message as the streaming API sends it.
fn stream(blocks: &Value) -> String {
    let stop = if blocks
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["type"] == "tool_use")
    {
        "tool_use"
    } else {
        "end_turn"
    };
    let mut out = sse(
        "message_start",
        json!({"type": "message_start", "message": {"id": unique("msg"), "type": "message",
            "role": "assistant", "model": "claude-e2e", "content": [], "stop_reason": null,
            "stop_sequence": null, "usage": {"input_tokens": 100, "output_tokens": 1,
            "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}}),
    );
    for (i, b) in blocks.as_array().unwrap().iter().enumerate() {
        if b["type"] == "text" {
            out += &sse(
                "content_block_start",
                json!({"type": "content_block_start", "index": i, "content_block": {"type": "text", "text": ""}}),
            );
            out += &sse(
                "content_block_delta",
                json!({"type": "content_block_delta", "index": i, "delta": {"type": "text_delta", "text": b["text"]}}),
            );
        } else {
            out += &sse(
                "content_block_start",
                json!({"type": "content_block_start", "index": i, "content_block":
                    {"type": "tool_use", "id": b["id"], "name": b["name"], "input": {}}}),
            );
            out += &sse(
                "content_block_delta",
                json!({"type": "content_block_delta", "index": i, "delta":
                    {"type": "input_json_delta", "partial_json": b["input"].to_string()}}),
            );
        }
        out += &sse(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": i}),
        );
    }
    out += &sse(
        "message_delta",
        json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null},
               "usage": {"output_tokens": 20}}),
    );
    out + &sse("message_stop", json!({"type": "message_stop"}))
}

/// Serves the mock on 127.0.0.1; returns its port.
fn serve(all: Arc<Vec<Scenario>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let all = Arc::clone(&all);
            std::thread::spawn(move || {
                let _ = connection(conn, &all);
            });
        }
    });
    port
}

/// One keep-alive connection: requests until the client closes it.
fn connection(conn: TcpStream, all: &[Scenario]) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(300)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut out = conn;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let (method, path) = (
            parts.next().unwrap_or("").to_string(),
            parts.next().unwrap_or("").to_string(),
        );
        let mut length = 0;
        loop {
            let mut h = String::new();
            reader.read_line(&mut h)?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let path = path.split('?').next().unwrap_or("");
        let (status, kind, payload) = match (method.as_str(), path) {
            ("POST", "/v1/messages") => {
                let (status, blocks) = decide(&body, all);
                if let Ok(log) = std::env::var("TIX_E2E_MOCK_LOG") {
                    let roles: Vec<&str> = body["messages"]
                        .as_array()
                        .map(|m| m.iter().filter_map(|m| m["role"].as_str()).collect())
                        .unwrap_or_default();
                    let line = json!({"roles": roles, "answer": blocks, "status": status});
                    let _ = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(log)
                        .and_then(|mut f| writeln!(f, "{line}"));
                }
                if status != 200 {
                    (status, "application/json", blocks.to_string())
                } else if body["stream"] == true {
                    (200, "text/event-stream", stream(&blocks))
                } else {
                    let msg = json!({"id": unique("msg"), "type": "message", "role": "assistant",
                        "model": "claude-e2e", "content": blocks, "stop_reason": "end_turn",
                        "stop_sequence": null, "usage": {"input_tokens": 100, "output_tokens": 20}});
                    (200, "application/json", msg.to_string())
                }
            }
            ("POST", "/v1/messages/count_tokens") => (
                200,
                "application/json",
                json!({"input_tokens": 100}).to_string(),
            ),
            ("GET", "/v1/models") => (
                200,
                "application/json",
                json!({"data": [], "has_more": false}).to_string(),
            ),
            _ => (
                404,
                "application/json",
                json!({"type": "error"}).to_string(),
            ),
        };
        write!(
            out,
            "HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nrequest-id: req_e2e\r\n\r\n{payload}",
            payload.len()
        )?;
        out.flush()?;
    }
}

// ------------------------------------------------------------ the client

/// Why the client is not there, when it is not.
fn install() -> Result<PathBuf, String> {
    for tool in ["node", "npm"] {
        let ok = Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            return Err(format!("{tool} is not on PATH"));
        }
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("claude-code-{CC_VERSION}"));
    let claude = dir.join("node_modules/.bin/claude");
    let version_ok = |c: &Path| {
        Command::new(c)
            .arg("--version")
            .env("HOME", &dir)
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(CC_VERSION))
    };
    if version_ok(&claude) {
        return Ok(claude);
    }
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let npm = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(&dir)
        .arg(format!("@anthropic-ai/claude-code@{CC_VERSION}"))
        .output()
        .map_err(|e| format!("npm: {e}"))?;
    if !npm.status.success() {
        let err = String::from_utf8_lossy(&npm.stderr);
        let tail: Vec<&str> = err.lines().rev().take(3).collect();
        return Err(format!(
            "npm install @anthropic-ai/claude-code@{CC_VERSION} failed: {}",
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        ));
    }
    if !version_ok(&claude) {
        // npm may have skipped the package's install script.
        let script = dir.join("node_modules/@anthropic-ai/claude-code/install.cjs");
        let _ = Command::new("node").arg(script).current_dir(&dir).output();
    }
    match version_ok(&claude) {
        true => Ok(claude),
        false => Err(format!(
            "{} --version does not say {CC_VERSION}",
            claude.display()
        )),
    }
}

struct Run {
    dir: PathBuf,
    port: u16,
    claude: PathBuf,
    /// A folder on PATH holding only `tix` (or, when recording, a shim that
    /// keeps each hook's stdin and stdout under `sessions/<name>/calls/`).
    bin: PathBuf,
    /// Sessions that did not end in time and were killed: each is a failure.
    killed: std::cell::RefCell<Vec<String>>,
}

impl Run {
    fn tix(&self, project: &Path, args: &[&str]) -> String {
        let out = Command::new(tix_bin())
            .args(["--color", "never"])
            .args(args)
            .current_dir(project)
            .output()
            .unwrap();
        assert!(
            out.status.success() || args[0] == "sync",
            "tix {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn project(&self, name: &str) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::create_dir_all(p.join(".claude/commands")).unwrap();
        std::fs::create_dir_all(p.join(".claude/skills/fix-ticket")).unwrap();
        let git = |args: &[&str]| {
            Command::new("git")
                .args(args)
                .current_dir(&p)
                .output()
                .unwrap()
        };
        git(&["init", "-q", "."]);
        let init = Command::new(tix_bin())
            .args(["init", "--claude"])
            .current_dir(&p)
            .output()
            .unwrap();
        assert!(init.status.success(), "tix init --claude failed");
        std::fs::write(
            p.join(".claude/commands/work-on.md"),
            "---\ndescription: Work on a ticket\n---\nE2E-SCENARIO=slash $ARGUMENTS\nWork on the ticket $ARGUMENTS and tick its boxes.\n",
        )
        .unwrap();
        std::fs::write(
            p.join(".claude/skills/fix-ticket/SKILL.md"),
            "---\nname: fix-ticket\ndescription: Fix the ticket named in the arguments and tick its acceptance boxes.\n---\nE2E-SCENARIO=slash-skill $ARGUMENTS\nFix the ticket $ARGUMENTS: do the work, then tick each box in its file.\n",
        )
        .unwrap();
        p
    }

    /// One headless session; returns its session id (from the stream).
    fn session(
        &self,
        project: &Path,
        name: &str,
        prompt: &str,
        settings: &Path,
        extra: &[&str],
    ) -> String {
        let log = self.dir.join("sessions").join(name);
        std::fs::create_dir_all(&log).unwrap();
        let tmp = self.dir.join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        let mut c = Command::new(&self.claude);
        c.args(["-p", prompt, "--output-format", "stream-json", "--verbose"])
            .args(["--permission-mode", "bypassPermissions", "--settings"])
            .arg(settings)
            .arg("--debug-file")
            .arg(log.join("debug.log"))
            .args(extra)
            .current_dir(project)
            .env_clear()
            .env(
                "PATH",
                format!("{}:/usr/local/bin:/usr/bin:/bin", self.bin.display()),
            )
            .env("HOME", self.dir.join("home"))
            .env("TMPDIR", &tmp)
            .env("CLAUDE_CODE_TMPDIR", &tmp)
            .env("TERM", "dumb")
            .env("LANG", "C.UTF-8")
            .env(
                "ANTHROPIC_BASE_URL",
                format!("http://127.0.0.1:{}", self.port),
            )
            .env("ANTHROPIC_API_KEY", "sk-ant-e2e-dummy-key")
            .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
            .env("DISABLE_TELEMETRY", "1")
            .env("DISABLE_AUTOUPDATER", "1")
            .env("DISABLE_ERROR_REPORTING", "1")
            .env("IS_SANDBOX", "1")
            .env("TIX_E2E_CALLS", log.join("calls"))
            .env("TIX_E2E_REAL", self.dir.join("real/tix"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = c.spawn().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stdout.read_to_string(&mut s);
            s
        });
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > Duration::from_secs(SESSION_LIMIT_SECS) {
                let _ = child.kill();
                self.killed.borrow_mut().push(format!(
                    "{name}: the session did not end in {SESSION_LIMIT_SECS} s and was killed"
                ));
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.wait();
        let stream = reader.join().unwrap();
        std::fs::write(log.join("stream.jsonl"), &stream).unwrap();
        stream
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find_map(|v| v["session_id"].as_str().map(String::from))
            .unwrap_or_default()
    }

    fn status(&self, project: &Path, id: &str) -> String {
        let v: Value = serde_json::from_str(&self.tix(project, &["show", id, "--json"])).unwrap();
        v["status"].as_str().unwrap_or("").to_string()
    }
}

/// Settings for a session: the hooks tix installed are in the project; these
/// add a `cat > /dev/null` hook beside tix (for timing) and the scenario's own.
fn settings(dir: &Path, kind: Option<&str>) -> PathBuf {
    let events = [
        "SessionStart",
        "UserPromptSubmit",
        "PreToolUse",
        "PostToolUse",
        "PostToolBatch",
        "SubagentStop",
        "Stop",
    ];
    let mut hooks = serde_json::Map::new();
    for e in events {
        let mut group =
            json!({"hooks": [{"type": "command", "command": "cat > /dev/null", "timeout": 10}]});
        if e.ends_with("ToolUse") {
            group["matcher"] = "^(Task|Agent|Skill|SlashCommand)$".into();
        }
        hooks.insert(e.into(), json!([group]));
    }
    let mut s = json!({"hooks": hooks});
    match kind {
        Some("deny") => {
            let deny = dir.join("deny.sh");
            std::fs::write(
                &deny,
                "cat > /dev/null\nprintf '%s\\n' '{\"hookSpecificOutput\":{\"hookEventName\":\"PreToolUse\",\"permissionDecision\":\"deny\",\"permissionDecisionReason\":\"E2E: launches are denied by policy\"}}'\n",
            )
            .unwrap();
            s["hooks"]["PreToolUse"]
                .as_array_mut()
                .unwrap()
                .push(json!({"matcher": "^(Task|Agent)$", "hooks": [{"type": "command", "command": format!("sh {}", deny.display()), "timeout": 10}]}));
        }
        Some("perm") => s["permissions"] = json!({"deny": ["Agent(general-purpose)"]}),
        _ => {}
    }
    let path = dir.join(format!("settings-{}.json", kind.unwrap_or("plain")));
    std::fs::write(&path, s.to_string()).unwrap();
    path
}

/// Claude Code's timing of each hook: (event, command) → milliseconds, in
/// the order they finished.
fn hook_times(debug_log: &Path) -> Vec<(String, String, u64)> {
    let text = std::fs::read_to_string(debug_log).unwrap_or_default();
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.split("Hooks: ").nth(1) else {
            continue;
        };
        let Some((event, rest)) = rest.split_once(" [") else {
            continue;
        };
        let Some((command, rest)) = rest.split_once("] finished with status ") else {
            continue;
        };
        let Some(ms) = rest
            .split_once('(')
            .and_then(|(_, r)| r.strip_suffix("ms)"))
            .and_then(|m| m.parse().ok())
        else {
            continue;
        };
        let event = event.split(':').next().unwrap_or(event).to_string();
        out.push((event, command.to_string(), ms));
    }
    out
}

/// Per event, tix's time minus the `cat` hook's beside it, per hook call.
fn overheads(logs: &[PathBuf]) -> BTreeMap<String, Vec<i64>> {
    let mut out: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for log in logs {
        let times = hook_times(log);
        let mut cats: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        let mut tixs: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for (event, command, ms) in times {
            match command.as_str() {
                "cat > /dev/null" => cats.entry(event).or_default().push(ms),
                "tix hook" => tixs.entry(event).or_default().push(ms),
                _ => {}
            }
        }
        for (event, t) in tixs {
            let c = cats.get(&event).cloned().unwrap_or_default();
            for (a, b) in t.iter().zip(c.iter()) {
                out.entry(event.clone())
                    .or_default()
                    .push(*a as i64 - *b as i64);
            }
        }
    }
    out
}

fn percentile(v: &[i64], p: f64) -> i64 {
    let mut v = v.to_vec();
    v.sort();
    v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1]
}

// ------------------------------------------------------------ the test

#[test]
fn tix_hooks_under_the_real_claude_code() {
    let mode = std::env::var("TIX_E2E").unwrap_or_default();
    if mode != "1" && mode != "require" {
        eprintln!(
            "claude-e2e: not run (set TIX_E2E=1 to run tix's hooks under the real Claude Code {CC_VERSION}; .ci/run does)"
        );
        return;
    }
    let claude = match install() {
        Ok(c) => c,
        Err(why) if mode != "require" => {
            eprintln!(
                "\n==================== claude-e2e SKIPPED ====================\n\
                 The real Claude Code {CC_VERSION} could not be installed: {why}.\n\
                 tix's hooks were NOT checked against the real client.\n\
                 ============================================================\n"
            );
            return;
        }
        Err(why) => panic!("claude-e2e: the client is required (TIX_E2E=require): {why}"),
    };
    let dir = tempfile::Builder::new()
        .prefix("e2e")
        .tempdir_in("/tmp")
        .unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let record = std::env::var_os("TIX_E2E_RECORD").map(PathBuf::from);
    if record.is_some() {
        std::fs::create_dir_all(dir.path().join("real")).unwrap();
        std::fs::copy(tix_bin(), dir.path().join("real/tix")).unwrap();
        std::fs::write(bin.join("tix"), SHIM).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(bin.join("tix"), std::fs::Permissions::from_mode(0o755)).unwrap();
    } else {
        std::fs::copy(tix_bin(), bin.join("tix")).unwrap();
    }
    // `TIX_E2E_ONLY=skill,slash`: those scenarios alone (no resume, no timing).
    let only = std::env::var("TIX_E2E_ONLY").ok();
    let all = Arc::new(
        scenarios()
            .into_iter()
            .filter(|s| {
                only.as_ref()
                    .is_none_or(|o| o.split(',').any(|n| n == s.name))
            })
            .collect::<Vec<_>>(),
    );
    let run = Run {
        dir: dir.path().to_path_buf(),
        port: serve(Arc::clone(&all)),
        claude,
        bin,
        killed: Default::default(),
    };
    let mut steps: Vec<Value> = Vec::new();
    let proj = run.project("proj");
    let mut wrong = Vec::new();
    let mut logs = Vec::new();
    let mut ids_of: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for sc in all.iter() {
        let ids: Vec<String> = (0..sc.tickets)
            .map(|i| {
                run.tix(
                    &proj,
                    &["new", &format!("Fix login redirect ({} {i})", sc.name)],
                )
            })
            .collect();
        ids_of.insert(sc.name, ids.clone());
    }
    let mut sessions: BTreeMap<&str, String> = BTreeMap::new();
    for sc in all.iter() {
        let ids = &ids_of[sc.name];
        let prompt = match sc.prompt {
            Some(cmd) => format!("{cmd} {}", ids[0]),
            None => format!(
                "E2E-SCENARIO={} {} please have this done",
                sc.name,
                ids.join(" ")
            ),
        };
        let s = settings(&run.dir, sc.settings);
        let id = run.session(&proj, sc.name, &prompt, &s, &[]);
        steps.push(json!({"session": sc.name, "tickets": ids, "expect": sc.expect}));
        sessions.insert(sc.name, id);
        logs.push(run.dir.join("sessions").join(sc.name).join("debug.log"));
        let got: Vec<String> = ids.iter().map(|i| run.status(&proj, i)).collect();
        eprintln!("claude-e2e: {:<22} {:?} -> {:?}", sc.name, ids, got);
        if got != sc.expect {
            wrong.push(format!(
                "{}: {:?} are {got:?}, expected {:?}",
                sc.name, ids, sc.expect
            ));
        }
    }
    // What one session left in the audit log (the README shows it).
    for name in ["agent-fg-block", "agent-fg-tick"] {
        if let Some(ids) = ids_of.get(name) {
            for line in run.tix(&proj, &["history", &ids[0]]).lines() {
                eprintln!("claude-e2e: history: {line}");
            }
        }
    }
    let plain = settings(&run.dir, None);
    if only.is_some() {
        wrong.extend(run.killed.take());
        return finish(dir, wrong);
    }
    // A resumed session with nothing new leaves the ticket as it was.
    let default = &ids_of["agent-default"][0];
    run.session(
        &proj,
        "resume",
        "Anything left?",
        &plain,
        &["--resume", &sessions["agent-default"]],
    );
    check(
        &mut wrong,
        "resume",
        &run.status(&proj, default),
        "in_progress",
    );
    steps.push(json!({"session": "resume", "tickets": [default], "expect": ["in_progress"]}));
    // Completed by hand, then the resumed session starts it again with a typed
    // command: a completed ticket is not reopened.
    run.tix(&proj, &["complete", default, "--force"]);
    steps.push(json!({"tix": ["complete", default, "--force"]}));
    run.session(
        &proj,
        "resume-after-hand",
        &format!("/work-on {default}"),
        &plain,
        &["--resume", &sessions["agent-default"]],
    );
    check(
        &mut wrong,
        "resume-after-hand",
        &run.status(&proj, default),
        "completed",
    );
    steps.push(
        json!({"session": "resume-after-hand", "tickets": [default], "expect": ["completed"]}),
    );
    // /clear in the session of a run still in progress: the ticket stays
    // in progress, and the cleared session is told so.
    let slash = &ids_of["slash"][0];
    run.session(
        &proj,
        "clear",
        "/clear",
        &plain,
        &["--resume", &sessions["slash"]],
    );
    check(
        &mut wrong,
        "clear",
        &run.status(&proj, slash),
        "in_progress",
    );
    steps.push(json!({"session": "clear", "tickets": [slash], "expect": ["in_progress"]}));
    if let Some(to) = &record
        && wrong.is_empty()
    {
        let titles: Vec<String> = all
            .iter()
            .flat_map(|sc| {
                (0..sc.tickets).map(move |i| format!("Fix login redirect ({} {i})", sc.name))
            })
            .collect();
        write_recording(&run, &proj, to, &titles, &steps);
    }

    // Nothing is left open: every run ended, no early stop waits.
    let runs: Value = serde_json::from_str(
        &std::fs::read_to_string(proj.join("tickets/.tix/runs.json")).unwrap(),
    )
    .unwrap();
    let open: Vec<&Value> = runs["runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ended_at"].is_null())
        .collect();
    if !open.is_empty() {
        wrong.push(format!("runs left open: {open:?}"));
    }
    if runs["early_stops"]
        .as_array()
        .is_some_and(|e| !e.is_empty())
    {
        wrong.push(format!("early stops left: {}", runs["early_stops"]));
    }
    let check_out = Command::new(tix_bin())
        .args(["sync", "--check"])
        .current_dir(&proj)
        .output()
        .unwrap();
    if !check_out.status.success() {
        wrong.push(format!(
            "sync --check: {}",
            String::from_utf8_lossy(&check_out.stdout)
        ));
    }

    // Timing, on this tree and on 10,000 tickets.
    let big = run.project("big");
    big_tree(&big, 10_000);
    let mut big_logs = Vec::new();
    for i in 0..5 {
        let id = run.tix(&big, &["new", &format!("Latency ticket {i}")]);
        let name = format!("latency-10k-{i}");
        run.session(
            &big,
            &name,
            &format!("E2E-SCENARIO=agent-bg-tick {id} please"),
            &plain,
            &[],
        );
        check(&mut wrong, &name, &run.status(&big, &id), "completed");
        big_logs.push(run.dir.join("sessions").join(&name).join("debug.log"));
    }
    for (label, logs) in [
        ("scenario sessions, small tree", &logs),
        ("10,000 tickets", &big_logs),
    ] {
        eprintln!("claude-e2e: hook time over a `cat > /dev/null` hook ({label}), ms:");
        for (event, d) in overheads(logs) {
            eprintln!(
                "claude-e2e:   {event:<18} n={:<3} median {:>3} p90 {:>3}",
                d.len(),
                percentile(&d, 0.5),
                percentile(&d, 0.9)
            );
        }
    }
    eprintln!(
        "claude-e2e: tix {} ({}), Claude Code {CC_VERSION}",
        env!("CARGO_PKG_VERSION"),
        tix_bin().display()
    );
    wrong.extend(run.killed.take());
    finish(dir, wrong);
}

/// Fails with what was wrong, keeping the sessions' folder to look at.
fn finish(dir: tempfile::TempDir, wrong: Vec<String>) {
    if wrong.is_empty() {
        if std::env::var_os("TIX_E2E_KEEP").is_some() {
            eprintln!("claude-e2e: sessions kept in {}", dir.keep().display());
        }
        return;
    }
    let kept = dir.keep();
    panic!(
        "claude-e2e: {} wrong (sessions kept in {}):\n{}",
        wrong.len(),
        kept.display(),
        wrong.join("\n")
    );
}

fn check(wrong: &mut Vec<String>, name: &str, got: &str, want: &str) {
    eprintln!("claude-e2e: {name:<22} -> {got}");
    if got != want {
        wrong.push(format!("{name}: {got}, expected {want}"));
    }
}

/// `n` completed tickets written straight into `completed/`, then indexed.
fn big_tree(project: &Path, n: usize) {
    let dir = project.join("tickets/completed");
    for i in 0..n {
        let id = format!("OLD-{:05}", i + 1);
        std::fs::write(
            dir.join(format!("{id}-done.md")),
            format!("---\nid: {id}\ntitle: Done long ago {i}\nstatus: completed\npriority: low\n---\n- [x] done\n"),
        )
        .unwrap();
    }
    let out = Command::new(tix_bin())
        .arg("sync")
        .current_dir(project)
        .output()
        .unwrap();
    assert!(out.status.success());
}

/// `tix` on the sessions' PATH while recording: each hook's stdin and stdout
/// kept, named by the time the hook ended (the order its changes were made).
const SHIM: &str = r#"#!/bin/sh
[ "$1" = hook ] || exec "$TIX_E2E_REAL" "$@"
mkdir -p "$TIX_E2E_CALLS"
f="$TIX_E2E_CALLS/tmp-$$"
cat > "$f.json"
"$TIX_E2E_REAL" "$@" < "$f.json" > "$f.out"
rc=$?
t=$(date +%s%N)
mv "$f.json" "$TIX_E2E_CALLS/$t-$$.json"
mv "$f.out" "$TIX_E2E_CALLS/$t-$$.out"
cat "$TIX_E2E_CALLS/$t-$$.out"
exit $rc
"#;

/// Writes the recorded payloads to `to` (`examples/payloads/claude-<version>/`):
/// per session `NN-Event[-Tool][-status].json` and, where tix answered,
/// `….tix-stdout.json`; the notes Claude Code keeps beside subagents'
/// transcripts; and `manifest.json` (the tickets made, then each step). The
/// machine's paths become `/home/dev/shop` (the project), `/home/dev` (HOME)
/// and `/tmp/claude` (TMPDIR).
fn write_recording(run: &Run, proj: &Path, to: &Path, titles: &[String], steps: &[Value]) {
    let proj_s = proj.to_string_lossy().into_owned();
    let slug = proj_s.replace(['/', '.'], "-");
    let home = run.dir.join("home").to_string_lossy().into_owned();
    let tmp = run.dir.join("tmp").to_string_lossy().into_owned();
    let clean = |text: &str| {
        text.replace(&slug, "-home-dev-shop")
            .replace(&proj_s, "/home/dev/shop")
            .replace(&home, "/home/dev")
            .replace(&tmp, "/tmp/claude")
            .replace(&run.dir.to_string_lossy().into_owned(), "/tmp/e2e")
    };
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for step in steps {
        let Some(name) = step["session"].as_str() else {
            continue;
        };
        let calls = run.dir.join("sessions").join(name).join("calls");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&calls)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|f| f.extension().is_some_and(|e| e == "json"));
        files.sort();
        let out = to.join(name);
        std::fs::create_dir_all(&out).unwrap();
        for (i, f) in files.iter().enumerate() {
            let payload: Value =
                serde_json::from_str(&clean(&std::fs::read_to_string(f).unwrap())).unwrap();
            let mut label = payload["hook_event_name"]
                .as_str()
                .unwrap_or("Unknown")
                .to_string();
            for extra in [
                &payload["tool_name"],
                &payload["source"],
                &payload["tool_response"]["status"],
            ] {
                if let Some(x) = extra.as_str() {
                    label.push('-');
                    label.push_str(x);
                }
            }
            let base = format!("{:02}-{label}", i + 1);
            std::fs::write(
                out.join(format!("{base}.json")),
                serde_json::to_string_pretty(&payload).unwrap() + "\n",
            )
            .unwrap();
            let answer = std::fs::read_to_string(f.with_extension("out")).unwrap_or_default();
            if !answer.trim().is_empty() {
                let v: Value = serde_json::from_str(&clean(&answer)).unwrap();
                std::fs::write(
                    out.join(format!("{base}.tix-stdout.json")),
                    serde_json::to_string_pretty(&v).unwrap() + "\n",
                )
                .unwrap();
            }
        }
    }
    // The notes beside the subagents' transcripts, by session.
    let projects = run.dir.join("home/.claude/projects");
    for p in std::fs::read_dir(&projects).into_iter().flatten().flatten() {
        for session in std::fs::read_dir(p.path()).into_iter().flatten().flatten() {
            let subs = session.path().join("subagents");
            for note in std::fs::read_dir(&subs).into_iter().flatten().flatten() {
                let name = note.file_name().to_string_lossy().into_owned();
                if name.ends_with(".meta.json") {
                    let dir = to.join("subagents").join(session.file_name());
                    std::fs::create_dir_all(&dir).unwrap();
                    std::fs::copy(note.path(), dir.join(name)).unwrap();
                }
            }
        }
    }
    let manifest = json!({
        "claude_code": CC_VERSION,
        "tickets": titles,
        "steps": steps,
    });
    std::fs::write(
        to.join("manifest.json"),
        serde_json::to_string_pretty(&manifest).unwrap() + "\n",
    )
    .unwrap();
}
