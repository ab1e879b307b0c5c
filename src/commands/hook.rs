//! `tix hook`: one Claude Code hook payload on stdin → the transitions it asks
//! for, and at most one JSON object on stdout for Claude Code. Whatever
//! happens — a malformed payload, no tree, a lock that does not come, a bug,
//! a panic — the exit code is 0 and stdout is empty or one whole JSON object;
//! problems go to `.tix/hook.log` (where a tree was found), and at most one
//! line goes to stderr, never a progress line (a wait for the lock is
//! silent). Exit 2 is never used: Claude Code reads it as "block".

use super::Ctx;
use crate::exit::Exit;
use crate::hook::{self, Intent, Payload, one_line};
use crate::tree::{self, Tree};
use anyhow::{Result, bail};
use serde_json::Value;
use std::cell::RefCell;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Mutex;

/// What the hook said in `.tix/hook.log` this run: the first message, and how
/// many there were; stderr gets one line from it at the end.
#[derive(Default)]
struct Said {
    first: Option<String>,
    more: usize,
}

/// Handles the payload on stdin. Exit 0, always.
pub fn run(ctx: &Ctx) -> Exit {
    let mut input = String::new();
    let read = std::io::stdin()
        .take(64 * 1024 * 1024)
        .read_to_string(&mut input);
    let parsed = match read {
        Ok(_) => Payload::parse(&input),
        Err(e) => Err(format!("cannot read the payload on stdin: {e}")),
    };
    let root = hook_root(ctx, parsed.as_ref().ok().and_then(|p| p.cwd.as_deref()));
    let event = parsed
        .as_ref()
        .ok()
        .and_then(|p| p.event.clone())
        .unwrap_or_else(|| "-".into());

    let said = RefCell::new(Said::default());
    let outcome = catch_panics(|| handle(ctx, root.as_ref(), parsed, &said));
    let failed = match outcome {
        Ok(Some(out)) => {
            let mut line = serde_json::to_string(&out).unwrap_or_default();
            line.push('\n');
            let _ = std::io::stdout().write_all(line.as_bytes());
            None
        }
        Ok(None) => None,
        Err(message) => {
            log(ctx, root.as_ref(), &event, &message);
            Some(one_line(&message))
        }
    };
    // One line: the error that stopped the hook, else the first problem
    // logged; the log has the rest.
    let said = said.into_inner();
    let (line, others) = match failed {
        Some(m) => (Some(m), said.more + usize::from(said.first.is_some())),
        None => (said.first, said.more),
    };
    if let Some(line) = line {
        let rest = if others > 0 {
            format!(" (and {others} more in .tix/hook.log)")
        } else {
            String::new()
        };
        let _ = std::io::stderr().write_all(format!("tix: hook: {line}{rest}\n").as_bytes());
    }
    Exit::Ok
}

/// Runs `f`, turning an error or a panic into its one-line message.
fn catch_panics(f: impl FnOnce() -> Result<Option<Value>>) -> Result<Option<Value>, String> {
    static MESSAGE: Mutex<Option<String>> = Mutex::new(None);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(std::string::ToString::to_string)
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        if let Ok(mut m) = MESSAGE.lock() {
            *m = Some(format!("internal error (a bug in tix): {what}{at}"));
        }
    }));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    match result {
        Ok(Ok(out)) => Ok(out),
        Ok(Err(e)) => Err(format!("{e:#}").replace('\n', "; ")),
        Err(_) => Err(MESSAGE
            .lock()
            .ok()
            .and_then(|mut m| m.take())
            .unwrap_or_else(|| "internal error (a bug in tix)".into())),
    }
}

/// `--root` or `TIX_ROOT`; else the first tree from `$CLAUDE_PROJECT_DIR` up,
/// else from the payload's `cwd` up, else from the working directory up.
fn hook_root(ctx: &Ctx, payload_cwd: Option<&str>) -> Option<PathBuf> {
    if let Some(r) = &ctx.root_arg {
        return tree::discover(Some(&ctx.cwd.join(r)), &ctx.cwd).ok();
    }
    let project = std::env::var_os("CLAUDE_PROJECT_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    project
        .into_iter()
        .chain(payload_cwd.map(PathBuf::from))
        .chain(std::iter::once(ctx.cwd.clone()))
        .filter(|d| d.is_absolute())
        .find_map(|d| tree::discover(None, &d).ok())
}

/// A problem: one line in `.tix/hook.log` (stderr is left to [`run`]).
fn log(ctx: &Ctx, root: Option<&PathBuf>, event: &str, message: &str) {
    let message = one_line(message);
    let line = format!("{} {event}: {message}\n", crate::text::timestamp(&ctx.now));
    if let Some(root) = root {
        let state = root.join(tree::STATE_DIR);
        if tree::make_state_dir(root).is_ok() {
            let path = state.join("hook.log");
            // Kept short: past 1 MB the log starts again (the old one is kept once).
            if std::fs::metadata(&path).is_ok_and(|m| m.len() > 1024 * 1024) {
                let _ = std::fs::rename(&path, state.join("hook.log.1"));
            }
            let _ = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .and_then(|mut f| f.write_all(line.as_bytes()));
        }
    }
}

fn handle(
    ctx: &Ctx,
    root: Option<&PathBuf>,
    parsed: Result<Payload, String>,
    said: &RefCell<Said>,
) -> Result<Option<Value>> {
    let payload = parsed.map_err(anyhow::Error::msg)?;
    tree::failpoint_panic("hook-panic");
    let Some(root) = root else {
        // Without a tree the default rules decide whether this was for tix.
        if hook::intent(&payload, &crate::config::Config::default().hook) == Intent::Nothing {
            return Ok(None);
        }
        bail!(
            "no tix tree found from $CLAUDE_PROJECT_DIR, the payload's cwd or the working directory (set TIX_ROOT, or run `tix init`)"
        );
    };
    let tree = match Tree::open(root, &ctx.cwd) {
        Ok(t) => t,
        // A broken tix.yaml is worth a log line only for events tix acts on.
        Err(_)
            if hook::intent(&payload, &crate::config::Config::default().hook)
                == Intent::Nothing =>
        {
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let event = payload.event.as_deref().unwrap_or("-");
    let env = hook::Env {
        now: ctx.now,
        // No "waiting for the lock" on stderr: a hook says one line at most.
        lock: &|tree| tree.lock_exclusive(&mut |_| {}),
        read_lock: &|tree| tree.lock(tree::LockMode::Shared, &mut |_| {}),
        log: &|message| {
            log(ctx, Some(root), event, message);
            let mut s = said.borrow_mut();
            if s.first.is_none() {
                s.first = Some(one_line(message));
            } else {
                s.more += 1;
            }
        },
    };
    hook::handle(&env, &tree, &payload)
}
