//! `tix edit ID`: the ticket in `$VISUAL` (else `$EDITOR`, else `vi`), on a
//! copy in `.tix/`; what comes back must parse as a ticket with the same id,
//! and is then saved as one change under the lock (moved to its status's
//! folder if the status was changed). Otherwise nothing is saved and the
//! copy is kept, its path said.

use super::Ctx;
use crate::cli::EditArgs;
use crate::exit::Exit;
use crate::tree::{self, Action, Change, Event, LockMode, State, fsx};
use anyhow::{Context, Result, bail};
use std::fs;
use std::path::Path;

pub fn run(ctx: &Ctx, args: &EditArgs) -> Result<Exit> {
    let tree = ctx.tree()?;
    // The ticket as it is now, read under the shared lock (not held while
    // someone types).
    let (rel, text, id) = {
        let _lock = ctx.lock(&tree, LockMode::Shared)?;
        let rel = tree.find_one(&args.id)?.rel.to_string();
        let (text, meta) = tree::read_ticket(&tree, &rel)?;
        (rel, text, meta.id.to_string())
    };
    tree::make_state_dir(&tree.root).context("failed to create .tix/")?;
    let name = format!("edit-{id}-{}.md", std::process::id());
    let copy = tree.state_dir().join(&name);
    let shown = tree.show(&format!("{}/{name}", tree::STATE_DIR));
    fsx::write_new(&copy, text.as_bytes(), Some(&tree.path(&rel)))
        .with_context(|| format!("failed to write {shown}"))?;
    let edited = editor(&copy).and_then(|()| {
        fs::read_to_string(&copy).with_context(|| format!("failed to read {shown}"))
    });
    let edited = match edited {
        Ok(t) => t,
        Err(e) => {
            let _ = fs::remove_file(&copy);
            return Err(e.context("nothing was changed"));
        }
    };
    if edited == text {
        let _ = fs::remove_file(&copy);
        ctx.note(&format!("{id}: no change"));
        return Ok(Exit::Ok);
    }
    // What came back must be a ticket, with the same id.
    let kept = |why: String| anyhow::anyhow!("{why}; nothing was changed: your text is in {shown}");
    let meta = match tree.parse_bytes(&rel, edited.as_bytes()) {
        Ok(m) => m,
        Err(m) => {
            let at = m.line.map(|l| format!(":{l}")).unwrap_or_default();
            return Err(kept(format!("{}{at}: {}", tree.show(&rel), m.message)));
        }
    };
    if *meta.id != *id {
        return Err(kept(format!(
            "{}: the id changed ({id} → {}); ids do not change",
            tree.show(&rel),
            meta.id
        )));
    }
    let lock = ctx.lock_exclusive(&tree)?;
    let mut state = State::open(&tree, &lock)?;
    let entry = state.find(&args.id)?;
    let status = meta.status.as_deref().unwrap_or_default();
    let dst = match tree.wanted_dir(status, tree::top_dir(&entry.rel)) {
        Some(want) => tree.moved_to(&entry.rel, want),
        None => entry.rel.to_string(),
    };
    let event = Event::new(Action::Edit, &id, ctx.now, ctx.actor().actor)
        .because(Some("edited".into()))
        .of_change();
    let saved = state.commit(Change {
        src: Some(entry.rel.to_string()),
        dst: dst.clone(),
        // Refused if the file changed since it was read for the editor.
        base: Some(fsx::fingerprint(text.as_bytes())),
        // Its registry row, patched (see `State::commit`).
        replaces: Some(entry.clone()),
        content: edited,
        event,
    });
    if let Err(e) = saved {
        return Err(kept(format!("{e:#}")));
    }
    let _ = fs::remove_file(&copy);
    ctx.note(&format!("{id}: saved ({})", tree.show(&dst)));
    Ok(Exit::Ok)
}

/// Runs the editor on `path` and waits for it: `$VISUAL`, else `$EDITOR`,
/// else `vi`, through `sh` (a value may carry arguments: `code --wait`).
fn editor(path: &Path) -> Result<()> {
    let chosen = ["VISUAL", "EDITOR"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "vi".into());
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{chosen} \"$1\""))
        .arg("sh")
        .arg(path)
        .status()
        .with_context(|| format!("failed to run the editor {chosen:?}"))?;
    if !status.success() {
        bail!("the editor {chosen:?} exited with {status}");
    }
    Ok(())
}
