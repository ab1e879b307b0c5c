//! Claude Code hook payloads: what one payload asks tix
//! to do. Pure: no filesystem, no printing. A payload is read as loose JSON —
//! every field optional, a field of the wrong type counts as missing, unknown
//! fields are ignored — so that no shape of input can make a hook fail.

use crate::config::HookConfig;
use crate::ticket::IdKey;
use crate::transition::Totals;
pub use crate::tree::runs::Tool;
use serde_json::Value;

/// At most this many distinct ids are taken from one payload.
pub const MAX_MENTIONS: usize = 64;

/// What a payload asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// No rule applies: do nothing, quietly.
    Nothing,
    /// A tool run or a typed slash command names tickets: start them (or
    /// attach this run to those already in progress in this session).
    Start {
        /// `Agent` (for both Agent and Task), `Skill`, `SlashCommand`, or
        /// `prompt` for a command the user typed.
        tool: Tool,
        /// Who works on it: the subagent type, the skill or command name, else `claude`.
        agent: String,
        mentions: Vec<IdKey>,
    },
    /// A tool that can complete what it started finished (`PostToolUse`).
    ToolEnd {
        tool_use_id: String,
        /// `completed`, `async_launched`, … as Claude Code reports it.
        status: Option<String>,
        agent_id: Option<String>,
        totals: Totals,
    },
    /// A tool run failed (`PostToolUseFailure`): roll back what it started.
    ToolFailed {
        tool_use_id: String,
        /// The error's first line.
        reason: String,
    },
    /// A tool that starts tickets but does not complete them ran
    /// (`PostToolUse` of a `Skill`): it is no launch that never ran.
    ToolRan { tool_use_id: String },
    /// A subagent died without a `SubagentStop` or `PostToolUseFailure`
    /// (`StopFailure`, or a `<task-notification>` saying `failed`): roll back
    /// what its run started.
    AgentFailed {
        agent_id: Option<String>,
        tool_use_id: Option<String>,
        reason: String,
    },
    /// A batch of tool calls ended (`PostToolBatch`): a call that started
    /// tickets and never ran (another hook or a permission rule denied it)
    /// rolls them back.
    BatchEnded { calls: Vec<BatchCall> },
    /// A subagent finished (a background one, or a foreground one before its
    /// `PostToolUse`).
    SubagentEnd {
        agent_id: String,
        stop_hook_active: bool,
        /// Its transcript (`agent_transcript_path`): beside it, Claude Code
        /// names the tool call that launched it.
        transcript: Option<String>,
    },
    /// The main agent finished its turn.
    Stop { stop_hook_active: bool },
    /// A session began: tell the model what is in progress and ready.
    SessionStart,
}

/// Whether a batch call's result shows that it ran, even if its own
/// `PostToolUse` never reached tix (that hook failed or timed out): a tool's
/// result is structured (a subagent's is a list of blocks), or for a skill the
/// text `Launching skill: …`. A call that did not run has a text saying why
/// (`PreToolUse:Agent hook error: …`, `… has been denied by permission rule …`),
/// or no result at all.
fn ran(response: Option<&Value>) -> bool {
    match response {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => s.starts_with("Launching skill:"),
        Some(_) => true,
    }
}

/// One call of a `PostToolBatch` that did not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchCall {
    pub tool_use_id: String,
    /// The result's first line when it is text (a refusal is), else empty.
    pub result: String,
}

/// A parsed payload: the loose JSON and the fields every rule needs.
#[derive(Debug, Clone)]
pub struct Payload {
    pub json: Value,
    pub event: Option<String>,
    pub session_id: Option<String>,
    pub tool_use_id: Option<String>,
    pub cwd: Option<String>,
}

impl Payload {
    /// Parses stdin; `Err` names what is wrong in one line.
    pub fn parse(text: &str) -> Result<Payload, String> {
        let json: Value = serde_json::from_str(text).map_err(|e| {
            if text.trim().is_empty() {
                "the payload on stdin is empty".to_string()
            } else {
                format!("the payload on stdin is not JSON: {e}")
            }
        })?;
        if !json.is_object() {
            return Err("the payload on stdin is not a JSON object".into());
        }
        check_types(&json)?;
        Ok(Payload {
            event: str_field(&json, "hook_event_name"),
            session_id: str_field(&json, "session_id"),
            tool_use_id: str_field(&json, "tool_use_id"),
            cwd: str_field(&json, "cwd"),
            json,
        })
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.json.get(key)
    }

    fn tool_input(&self, key: &str) -> Option<String> {
        self.get("tool_input").and_then(|t| str_field(t, key))
    }

    /// The tool called (`Agent` for both names of the subagent tool).
    fn tool(&self) -> Option<Tool> {
        str_field(&self.json, "tool_name").map(|t| Tool::named(&t))
    }
}

/// The fields tix reads, by the JSON type Claude Code sends them as.
const STRING_FIELDS: [&str; 8] = [
    "hook_event_name",
    "session_id",
    "tool_use_id",
    "cwd",
    "tool_name",
    "prompt",
    "agent_id",
    "agent_type",
];

/// A payload whose fields are not of the types Claude Code sends is an
/// error that names the field, not a payload quietly read as nothing.
fn check_types(json: &Value) -> Result<(), String> {
    let what = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    if json.get("hook_event_name").is_none() {
        return Err("the payload has no hook_event_name".into());
    }
    for key in STRING_FIELDS {
        if let Some(v) = json.get(key).filter(|v| !v.is_string() && !v.is_null()) {
            return Err(format!("the payload's {key} is {}, not a string", what(v)));
        }
    }
    if let Some(v) = json
        .get("tool_input")
        .filter(|v| !v.is_object() && !v.is_null())
    {
        return Err(format!(
            "the payload's tool_input is {}, not an object",
            what(v)
        ));
    }
    Ok(())
}

/// A non-empty string field of an object.
pub fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
}

fn u64_field(v: &Value, key: &str) -> Option<u64> {
    v.get(key).and_then(Value::as_u64)
}

/// Whether `tool` is in a list of tool names from `tix.yaml` (`Task` is `Agent`).
pub(crate) fn listed(list: &[String], tool: &Tool) -> bool {
    list.iter().any(|t| Tool::named(t) == *tool)
}

/// What `payload` asks for under the rules of `config`.
pub fn intent(payload: &Payload, config: &HookConfig) -> Intent {
    let Some(event) = payload.event.as_deref() else {
        return Intent::Nothing;
    };
    match event {
        "PreToolUse" => {
            let Some(tool) = payload.tool().filter(|t| listed(&config.start_on, t)) else {
                return Intent::Nothing;
            };
            let agent = payload
                .tool_input("subagent_type")
                .or_else(|| payload.tool_input("skill"))
                .or_else(|| payload.tool_input("command").and_then(|c| command_name(&c)))
                .unwrap_or_else(|| "claude".into());
            start(payload, tool, agent)
        }
        "UserPromptSubmit" | "UserPromptExpansion" if config.start_on_slash_commands => {
            let prompt = str_field(&payload.json, "prompt");
            let typed_slash = prompt
                .as_deref()
                .is_some_and(|p| p.trim_start().starts_with('/'));
            let slash = match event {
                "UserPromptExpansion" => match str_field(&payload.json, "expansion_type") {
                    Some(t) => t == "slash_command",
                    None => typed_slash,
                },
                _ => typed_slash,
            };
            if !slash {
                return if config.rollback_on_failure {
                    task_failure(prompt.as_deref().unwrap_or(""))
                } else {
                    Intent::Nothing
                };
            }
            let agent = str_field(&payload.json, "command_name")
                .or_else(|| prompt.as_deref().and_then(command_name))
                .unwrap_or_else(|| "claude".into());
            start(payload, Tool::Prompt, agent)
        }
        "PostToolUse" => {
            let (Some(tool), Some(id)) = (payload.tool(), payload.tool_use_id.clone()) else {
                return Intent::Nothing;
            };
            if !listed(&config.complete_on, &tool) {
                return if listed(&config.start_on, &tool) && config.rollback_on_failure {
                    Intent::ToolRan { tool_use_id: id }
                } else {
                    Intent::Nothing
                };
            }
            let response = payload.get("tool_response");
            let field = |k: &str| response.and_then(|r| str_field(r, k));
            let number = |k: &str| response.and_then(|r| u64_field(r, k));
            Intent::ToolEnd {
                tool_use_id: id,
                status: field("status"),
                agent_id: field("agentId"),
                totals: Totals {
                    duration_ms: number("totalDurationMs"),
                    tokens: number("totalTokens"),
                    tool_uses: number("totalToolUseCount"),
                },
            }
        }
        "PostToolUseFailure" if config.rollback_on_failure => {
            let (Some(tool), Some(id)) = (payload.tool(), payload.tool_use_id.clone()) else {
                return Intent::Nothing;
            };
            if !listed(&config.start_on, &tool) {
                return Intent::Nothing;
            }
            Intent::ToolFailed {
                tool_use_id: id,
                reason: first_line(
                    &str_field(&payload.json, "error").unwrap_or_default(),
                    "the tool failed",
                ),
            }
        }
        "SubagentStop" => match str_field(&payload.json, "agent_id") {
            Some(agent_id) => Intent::SubagentEnd {
                agent_id,
                stop_hook_active: stop_hook_active(payload),
                transcript: str_field(&payload.json, "agent_transcript_path"),
            },
            None => Intent::Nothing,
        },
        // The main agent's own failure (no `agent_id`) ends no run: its
        // skills and commands end at the next `Stop`.
        "StopFailure" if config.rollback_on_failure => match str_field(&payload.json, "agent_id") {
            Some(agent_id) => Intent::AgentFailed {
                agent_id: Some(agent_id),
                tool_use_id: None,
                reason: first_line(
                    &str_field(&payload.json, "last_assistant_message")
                        .or_else(|| str_field(&payload.json, "error"))
                        .unwrap_or_default(),
                    "the subagent failed",
                ),
            },
            None => Intent::Nothing,
        },
        "UserPromptSubmit" if config.rollback_on_failure => {
            task_failure(str_field(&payload.json, "prompt").as_deref().unwrap_or(""))
        }
        "PostToolBatch" if config.rollback_on_failure => {
            let calls: Vec<BatchCall> = payload
                .get("tool_calls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|c| {
                    str_field(c, "tool_name")
                        .is_some_and(|t| listed(&config.start_on, &Tool::named(&t)))
                        && !ran(c.get("tool_response"))
                })
                .filter_map(|c| {
                    Some(BatchCall {
                        tool_use_id: str_field(c, "tool_use_id")?,
                        result: c
                            .get("tool_response")
                            .and_then(Value::as_str)
                            .map(|r| first_line(r, ""))
                            .unwrap_or_default(),
                    })
                })
                .collect();
            if calls.is_empty() {
                Intent::Nothing
            } else {
                Intent::BatchEnded { calls }
            }
        }
        "Stop" if config.complete_on_stop => Intent::Stop {
            stop_hook_active: stop_hook_active(payload),
        },
        "SessionStart" => Intent::SessionStart,
        _ => Intent::Nothing,
    }
}

/// The first line of `text` that is not blank, trimmed, at most 200
/// characters; `otherwise` when there is none.
fn first_line(text: &str, otherwise: &str) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty());
    line.unwrap_or(otherwise).chars().take(200).collect()
}

/// A background task's end as Claude Code tells the main agent, in a
/// `UserPromptSubmit` of its own: `<task-notification>` with `<task-id>`
/// (the subagent), `<tool-use-id>`, `<status>` and `<summary>`. Only
/// `failed` is an intent: a subagent that ends well has its `SubagentStop`.
fn task_failure(prompt: &str) -> Intent {
    let Some(note) = prompt.trim_start().strip_prefix("<task-notification>") else {
        return Intent::Nothing;
    };
    let tag = |name: &str| -> Option<String> {
        let open = format!("<{name}>");
        let from = note.find(&open)? + open.len();
        let to = note[from..].find(&format!("</{name}>"))? + from;
        Some(note[from..to].trim().to_string()).filter(|v| !v.is_empty())
    };
    if tag("status").as_deref() != Some("failed") {
        return Intent::Nothing;
    }
    let (agent_id, tool_use_id) = (tag("task-id"), tag("tool-use-id"));
    if agent_id.is_none() && tool_use_id.is_none() {
        return Intent::Nothing;
    }
    Intent::AgentFailed {
        agent_id,
        tool_use_id,
        reason: first_line(&tag("summary").unwrap_or_default(), "the subagent failed"),
    }
}

fn stop_hook_active(payload: &Payload) -> bool {
    payload
        .get("stop_hook_active")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn start(payload: &Payload, tool: Tool, agent: String) -> Intent {
    let mentions = mentions(&payload.json);
    if mentions.is_empty() {
        return Intent::Nothing;
    }
    Intent::Start {
        tool,
        agent,
        mentions,
    }
}

/// `/fix-ticket TIX-7` → `fix-ticket`; `/plugin:cmd` → `plugin:cmd`.
#[must_use]
pub fn command_name(text: &str) -> Option<String> {
    let rest = text.trim_start().strip_prefix('/')?;
    let name: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
    (!name.is_empty()).then_some(name)
}

/// Fields that hold identifiers and paths, not text: ids in them are not
/// mentions (a worktree named after a ticket is not a request to start it).
const NOT_TEXT: [&str; 14] = [
    "session_id",
    "transcript_path",
    "agent_transcript_path",
    "cwd",
    "hook_event_name",
    "permission_mode",
    "prompt_id",
    "tool_use_id",
    "tool_name",
    "agent_id",
    "agent_type",
    "model",
    "source",
    "last_assistant_message",
];

/// The ticket ids written in a payload's text, as full ids (`TIX-0007`,
/// case-insensitive), in order of first appearance, each once: every string
/// at any depth, except `tool_response` and `NOT_TEXT` fields.
#[must_use]
pub fn mentions(json: &Value) -> Vec<IdKey> {
    let mut out = Vec::new();
    let Some(map) = json.as_object() else {
        return out;
    };
    for (k, v) in map {
        if k == "tool_response" || NOT_TEXT.contains(&k.as_str()) {
            continue;
        }
        walk(v, &mut out);
    }
    out
}

fn walk(v: &Value, out: &mut Vec<IdKey>) {
    if out.len() >= MAX_MENTIONS {
        return;
    }
    match v {
        Value::String(s) => ids_in(s, out),
        Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
        Value::Object(map) => map.values().for_each(|i| walk(i, out)),
        _ => {}
    }
}

/// Appends the ids in `text`: `LETTERS-DIGITS` (with an optional letter
/// suffix) standing alone, not inside a longer word.
pub fn ids_in(text: &str, out: &mut Vec<IdKey>) {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < b.len() && out.len() < MAX_MENTIONS {
        // An id starts a word (`i` is a char boundary: ASCII after ASCII).
        if !b[i].is_ascii_alphabetic() || (i > 0 && word(b[i - 1])) {
            i += 1;
            continue;
        }
        match IdKey::parse_prefix(&text[i..]) {
            Some((key, len)) => {
                let words = key.prefix.contains('-');
                if !b.get(i + len).copied().is_some_and(word) && !out.contains(&key) {
                    out.push(key);
                }
                // A prefix of several words may have swallowed an id
                // (`re-TIX-0003`): the next word is tried too.
                i += if words {
                    b[i..].iter().position(|c| !word(*c)).unwrap_or(len)
                } else {
                    len
                };
            }
            // Past the word: no id starts inside it.
            None => {
                while i < b.len() && word(b[i]) {
                    i += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn ids(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        ids_in(text, &mut out);
        out.iter()
            .map(|k| {
                let sub: String = k.sub.iter().map(|n| format!(".{n}")).collect();
                format!("{}-{}{sub}{}", k.prefix, k.num, k.suffix)
            })
            .collect()
    }

    #[test]
    fn ids_are_found_as_whole_words() {
        assert_eq!(
            ids("Fix TIX-0007 and tix-8, then WMHA-0042."),
            ["TIX-7", "TIX-8", "WMHA-42"]
        );
        assert_eq!(ids("see tickets/pending/TIX-0007-fix-login.md"), ["TIX-7"]);
        assert_eq!(
            ids("FW-035a (TIX-0035a) twice: TIX-35a"),
            ["FW-35a", "TIX-35a"]
        );
        assert!(ids("TIX-7x1 nor 9TIX-7 nor TIX- nor -7 nor TIX-7_a").is_empty());
        assert_eq!(ids("XTIX-7"), ["XTIX-7"], "another prefix, not TIX-7");
        assert_eq!(
            ids("UTF-8 and SHA-256"),
            ["UTF-8", "SHA-256"],
            "the tree decides"
        );
        assert!(ids("ünïcödé TIX—7 Ξ-7").is_empty());
        // Ids of several words and sub-numbers; an id a longer prefix
        // swallowed is found too (the tree decides which exist).
        assert_eq!(
            ids("AGENT-CREATION-005, BACK-4.10 and re-TIX-0003"),
            [
                "AGENT-CREATION-5",
                "CREATION-5",
                "BACK-4.10",
                "RE-TIX-3",
                "TIX-3"
            ]
        );
        assert_eq!(ids("follow-up on in-progress work"), Vec::<String>::new());
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]
            /// An id written among any words is found, once, and nothing is
            /// found inside a longer word.
            #[test]
            fn ids_in_text_are_found_exactly(
                words in proptest::collection::vec("[a-zA-Z0-9 ,.;:()/_-]{0,12}", 0..6),
                num in 1u64..100_000,
                at in 0usize..6,
            ) {
                let id = format!("TIX-{num:04}");
                let mut parts = words.clone();
                let at = at.min(parts.len());
                parts.insert(at, format!(" {id} "));
                let text = parts.join("");
                let mut out = Vec::new();
                ids_in(&text, &mut out);
                prop_assert!(out.contains(&IdKey::parse(&id).unwrap()), "{text:?} → {out:?}");
                let glued = format!("x{id}y");
                let mut none = Vec::new();
                ids_in(&glued, &mut none);
                prop_assert!(!none.iter().any(|k| k.num == num && &*k.prefix == "TIX"), "{glued}");
            }
        }
    }

    fn intent_of(json: &str) -> Intent {
        intent(&Payload::parse(json).unwrap(), &Config::default().hook)
    }

    #[test]
    fn agent_and_task_payloads_start_what_they_mention() {
        for tool in ["Agent", "Task"] {
            let p = format!(
                r#"{{"hook_event_name":"PreToolUse","tool_name":"{tool}","session_id":"s","tool_use_id":"t",
                "cwd":"/work/TIX-0099","tool_input":{{"description":"Fix TIX-0007","prompt":"also TIX-8","subagent_type":"backend"}}}}"#
            );
            match intent_of(&p) {
                Intent::Start {
                    tool,
                    agent,
                    mentions,
                    ..
                } => {
                    assert_eq!((tool.as_str(), agent.as_str()), ("Agent", "backend"));
                    assert_eq!(mentions.len(), 2, "cwd is not text");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn skill_slash_command_and_typed_commands() {
        let skill = r#"{"hook_event_name":"PreToolUse","tool_name":"Skill","tool_input":{"skill":"fix-ticket","args":"TIX-7"}}"#;
        assert!(
            matches!(intent_of(skill), Intent::Start { ref agent, .. } if agent == "fix-ticket")
        );
        let legacy = r#"{"hook_event_name":"PreToolUse","tool_name":"SlashCommand","tool_input":{"command":"/work-on TIX-7"}}"#;
        assert!(
            matches!(intent_of(legacy), Intent::Start { ref agent, ref tool, .. } if agent == "work-on" && *tool == Tool::SlashCommand)
        );
        let typed = r#"{"hook_event_name":"UserPromptSubmit","prompt":"/work-on TIX-7 please"}"#;
        assert!(
            matches!(intent_of(typed), Intent::Start { ref agent, ref tool, .. } if agent == "work-on" && *tool == Tool::Prompt)
        );
        let plain = r#"{"hook_event_name":"UserPromptSubmit","prompt":"what about TIX-7?"}"#;
        assert_eq!(intent_of(plain), Intent::Nothing);
        let expansion = r#"{"hook_event_name":"UserPromptExpansion","expansion_type":"slash_command","command_name":"work-on","command_args":"TIX-7","prompt":"/work-on TIX-7"}"#;
        assert!(
            matches!(intent_of(expansion), Intent::Start { ref agent, .. } if agent == "work-on")
        );
        let bash = r#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"tix start TIX-7"}}"#;
        assert_eq!(intent_of(bash), Intent::Nothing);
    }

    #[test]
    fn ends_failures_and_stops() {
        let done = r#"{"hook_event_name":"PostToolUse","tool_name":"Task","tool_use_id":"t1","tool_response":{"status":"completed","agentId":"a1","totalDurationMs":1800,"totalTokens":5400,"totalToolUseCount":9,"content":[{"type":"text","text":"done TIX-9"}]}}"#;
        assert_eq!(
            intent_of(done),
            Intent::ToolEnd {
                tool_use_id: "t1".into(),
                status: Some("completed".into()),
                agent_id: Some("a1".into()),
                totals: Totals {
                    duration_ms: Some(1800),
                    tokens: Some(5400),
                    tool_uses: Some(9)
                },
            }
        );
        let failed = r#"{"hook_event_name":"PostToolUseFailure","tool_name":"Agent","tool_use_id":"t1","error":"\n  Exit code 1\nstack"}"#;
        assert_eq!(
            intent_of(failed),
            Intent::ToolFailed {
                tool_use_id: "t1".into(),
                reason: "Exit code 1".into()
            }
        );
        let stop = r#"{"hook_event_name":"SubagentStop","agent_id":"a1","stop_hook_active":true}"#;
        assert_eq!(
            intent_of(stop),
            Intent::SubagentEnd {
                agent_id: "a1".into(),
                stop_hook_active: true,
                transcript: None,
            }
        );
        assert_eq!(
            intent_of(r#"{"hook_event_name":"Stop"}"#),
            Intent::Stop {
                stop_hook_active: false
            }
        );
        assert_eq!(
            intent_of(r#"{"hook_event_name":"Notification","message":"TIX-7"}"#),
            Intent::Nothing
        );
        assert_eq!(
            Payload::parse(r#"{"tool_name":"Agent"}"#).err().as_deref(),
            Some("the payload has no hook_event_name")
        );
    }

    #[test]
    fn deaths_and_denied_launches() {
        let died = r#"{"hook_event_name":"StopFailure","agent_id":"a6","error":"unknown","last_assistant_message":"\nAPI Error: 400 bad\nmore"}"#;
        assert_eq!(
            intent_of(died),
            Intent::AgentFailed {
                agent_id: Some("a6".into()),
                tool_use_id: None,
                reason: "API Error: 400 bad".into()
            }
        );
        // The main agent's own failure ends no run.
        let main = r#"{"hook_event_name":"StopFailure","error":"rate_limit"}"#;
        assert_eq!(intent_of(main), Intent::Nothing);
        let note = r#"{"hook_event_name":"UserPromptSubmit","prompt":"<task-notification>\n<task-id>a6</task-id>\n<tool-use-id>t9</tool-use-id>\n<status>failed</status>\n<summary>Agent failed</summary>\n</task-notification>"}"#;
        assert_eq!(
            intent_of(note),
            Intent::AgentFailed {
                agent_id: Some("a6".into()),
                tool_use_id: Some("t9".into()),
                reason: "Agent failed".into()
            }
        );
        for other in [
            note.replace("failed</status>", "completed</status>"),
            note.replace("<task-notification>", "quoting <task-notification>"),
            note.replace(r"<task-id>a6</task-id>\n<tool-use-id>t9</tool-use-id>", ""),
        ] {
            assert_eq!(intent_of(&other), Intent::Nothing, "{other}");
        }
        let batch = r#"{"hook_event_name":"PostToolBatch","tool_calls":[
            {"tool_name":"Bash","tool_use_id":"b1","tool_response":"x"},
            {"tool_name":"Task","tool_use_id":"t1","tool_response":"PreToolUse:Agent hook error: no\nmore"},
            {"tool_name":"Agent","tool_use_id":"t2","tool_response":[{"type":"text","text":"ok"}]},
            {"tool_name":"Skill","tool_use_id":"s1","tool_response":"Launching skill: fix"},
            {"tool_name":"Skill","tool_use_id":"s2","tool_response":"Permission to use Skill has been denied."},
            {"tool_name":"Agent","tool_use_id":"t3"},
            {"tool_name":"Agent","tool_response":"no id"}]}"#;
        assert_eq!(
            intent_of(batch),
            Intent::BatchEnded {
                calls: vec![
                    BatchCall {
                        tool_use_id: "t1".into(),
                        result: "PreToolUse:Agent hook error: no".into()
                    },
                    BatchCall {
                        tool_use_id: "s2".into(),
                        result: "Permission to use Skill has been denied.".into()
                    },
                    BatchCall {
                        tool_use_id: "t3".into(),
                        result: String::new()
                    },
                ]
            }
        );
        let bash_only = r#"{"hook_event_name":"PostToolBatch","tool_calls":[{"tool_name":"Bash","tool_use_id":"b1"}]}"#;
        assert_eq!(intent_of(bash_only), Intent::Nothing);
        let skill_ran =
            r#"{"hook_event_name":"PostToolUse","tool_name":"Skill","tool_use_id":"s1"}"#;
        assert_eq!(
            intent_of(skill_ran),
            Intent::ToolRan {
                tool_use_id: "s1".into()
            }
        );
    }

    #[test]
    fn any_shape_is_read_without_failing() {
        for text in [
            "",
            "  ",
            "[]",
            "42",
            "null",
            "{",
            "\"x\"",
            "{\"hook_event_name\":7}",
        ] {
            match Payload::parse(text) {
                Err(e) => assert!(!e.is_empty()),
                Ok(p) => assert_eq!(intent(&p, &Config::default().hook), Intent::Nothing),
            }
        }
        // A field of the wrong type is an error that names it; null is absent.
        for (text, error) in [
            (
                r#"{"hook_event_name":7}"#,
                "the payload's hook_event_name is a number, not a string",
            ),
            (
                r#"{"hook_event_name":"PreToolUse","tool_name":["Agent"]}"#,
                "the payload's tool_name is an array, not a string",
            ),
            (
                r#"{"hook_event_name":"PreToolUse","tool_name":"Agent","tool_input":"TIX-7"}"#,
                "the payload's tool_input is a string, not an object",
            ),
            (
                r#"{"hook_event_name":"SessionStart","session_id":{"id":1}}"#,
                "the payload's session_id is an object, not a string",
            ),
        ] {
            assert_eq!(Payload::parse(text).err().as_deref(), Some(error), "{text}");
        }
        let nulls = r#"{"hook_event_name":"Stop","session_id":null,"tool_input":null}"#;
        assert_eq!(
            intent_of(nulls),
            Intent::Stop {
                stop_hook_active: false
            }
        );
        let deep = r#"{"hook_event_name":"PreToolUse","tool_name":"Agent","tool_input":{"a":[{"b":{"c":"deep TIX-0042"}}]}}"#;
        assert!(
            matches!(intent_of(deep), Intent::Start { ref mentions, .. } if mentions.len() == 1)
        );
    }
}
