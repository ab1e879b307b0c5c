//! `tix set ID key=value…`: frontmatter keys changed in place, byte-exact,
//! under the lock, validated as `new` validates them, and logged (`edit`).

use super::Ctx;
use super::new::checked_title;
use crate::cli::SetArgs;
use crate::error::TixError;
use crate::exit::Exit;
use crate::ticket::NewValue;
use crate::tree::{self, Action, Change, Event, State};
use anyhow::{Context, Result};

/// Keys tix writes itself, and what to use instead.
const MANAGED: [(&str, &str); 6] = [
    (
        "id",
        "a ticket's id does not change (`tix doctor --fix` renumbers duplicates)",
    ),
    (
        "status",
        "use `tix start`, `tix complete` or `tix move ID STATUS`",
    ),
    ("created", "tix writes it when it creates the ticket"),
    ("started", "tix writes it when the ticket starts"),
    ("completed", "tix writes it when the ticket completes"),
    ("updated", "tix writes it on every change"),
];

pub fn run(ctx: &Ctx, args: &SetArgs) -> Result<Exit> {
    let usage = |m: String| -> anyhow::Error { TixError::Usage(m).into() };
    let tree = ctx.tree()?;
    let lock = ctx.lock_exclusive(&tree)?;
    let mut state = State::open(&tree, &lock)?;
    let entry = state.find(&args.id)?;
    let mut changes: Vec<(String, NewValue)> = Vec::new();
    for change in &args.changes {
        let Some((key, value)) = change.split_once('=') else {
            return Err(usage(format!(
                "{change:?}: expected KEY=VALUE (priority=high)"
            )));
        };
        let key = key.trim();
        if let Some((_, why)) = MANAGED.iter().find(|(k, _)| *k == key) {
            return Err(usage(format!("{key}: {why}")));
        }
        let list = |v: &str| -> Vec<String> {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        };
        let value = match key {
            "priority" => match value.trim() {
                p @ ("critical" | "high" | "medium" | "low") => NewValue::Str(p.to_string()),
                p => {
                    return Err(usage(format!(
                        "priority {p:?}: expected critical, high, medium or low"
                    )));
                }
            },
            "title" => NewValue::Str(checked_title(value)?.to_string()),
            "labels" => NewValue::List(list(value)),
            "depends_on" => {
                let mut ids = Vec::new();
                for dep in list(value) {
                    let arg = crate::id::IdArg::parse(&dep)
                        .map_err(|e| usage(format!("depends_on {dep:?}: {e}")))?;
                    let e = state
                        .find(&arg)
                        .with_context(|| format!("depends_on {dep}"))?;
                    match &e.parsed {
                        Ok(m) => ids.push(m.id.to_string()),
                        Err(m) => return Err(tree::malformed_error(&tree, &e.rel, m)),
                    }
                }
                NewValue::List(ids)
            }
            key if !is_key(key) => {
                return Err(usage(format!(
                    "{key:?} is not a key tix writes (letters, digits, `_` and `-`, starting with a letter)"
                )));
            }
            _ if value.trim().is_empty() => NewValue::Remove,
            _ => NewValue::Str(value.trim().to_string()),
        };
        changes.retain(|(k, _)| k != key);
        changes.push((key.to_string(), value));
    }
    let (text, meta) = tree::read_ticket(&tree, &entry.rel)?;
    let mut edits: Vec<(&str, NewValue)> = changes
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let unchanged = tree::edit_ticket(&tree, &entry.rel, &text, &edits)? == text;
    if unchanged {
        ctx.note(&format!("{}: already so; nothing to do", meta.id));
        return Ok(Exit::Ok);
    }
    edits.push(("updated", NewValue::Str(crate::text::timestamp(&ctx.now))));
    let content = tree::edit_ticket(&tree, &entry.rel, &text, &edits)?;
    let keys: Vec<&str> = changes.iter().map(|(k, _)| k.as_str()).collect();
    let event = Event::new(Action::Edit, &meta.id, ctx.now, ctx.actor().actor)
        .because(Some(format!("set {}", keys.join(", "))))
        .of_change();
    state.commit(Change {
        src: Some(entry.rel.to_string()),
        dst: entry.rel.to_string(),
        base: Some(tree::fsx::fingerprint(text.as_bytes())),
        // Its registry row, patched (see `State::commit`).
        replaces: Some(entry.clone()),
        content,
        event,
    })?;
    ctx.note(&format!(
        "{}: set {} ({})",
        meta.id,
        keys.join(", "),
        tree.show(&entry.rel)
    ));
    Ok(Exit::Ok)
}

/// A top-level key a user may add: a letter, then letters, digits, `_`, `-`.
fn is_key(key: &str) -> bool {
    key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && key.len() <= 64
}
