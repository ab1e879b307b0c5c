//! Where the tree is: its root (from `--root`, `TIX_ROOT` or the working
//! directory up), how a path is shown to the user, and `.tix/`.

use super::{STATE_DIR, STATE_GITIGNORE, fsx};
use crate::config;
use anyhow::{Context, Result, bail};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Finds the root: `--root`, else `TIX_ROOT`, else the first directory `D` from
/// `start` upwards with `D/tix.yaml` (root `D`) or `D/tickets/tix.yaml` (root `D/tickets`).
pub fn discover(explicit: Option<&Path>, start: &Path) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        return root_at(dir).with_context(|| {
            format!(
                "{}: no {} here (run `tix init {}` to create a tree)",
                dir.display(),
                config::FILE_NAME,
                dir.display()
            )
        });
    }
    for d in start.ancestors() {
        if let Some(root) = root_at(d) {
            return Ok(root);
        }
    }
    bail!(
        "no tix tree found: no {f} or tickets/{f} in {} or above (run `tix init`, or pass --root)",
        start.display(),
        f = config::FILE_NAME
    )
}

fn root_at(d: &Path) -> Option<PathBuf> {
    if d.join(config::FILE_NAME).is_file() {
        Some(d.to_path_buf())
    } else if d.join("tickets").join(config::FILE_NAME).is_file() {
        Some(d.join("tickets"))
    } else {
        None
    }
}

/// Shows `path` as the user would type it from `cwd`.
#[must_use]
pub fn display_path(path: &Path, cwd: &Path) -> String {
    let shown = match path.strip_prefix(cwd) {
        Ok(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
        Ok(rel) => rel.to_path_buf(),
        Err(_) => path.to_path_buf(),
    };
    shown.to_string_lossy().into_owned()
}

/// `ROOT/.tix/`, made on first use with a `.gitignore` that keeps all of it
/// out of git (a fresh clone has none).
pub fn make_state_dir(root: &Path) -> io::Result<()> {
    let dir = root.join(STATE_DIR);
    match fs::create_dir(&dir) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(e),
        Ok(()) => {}
    }
    fsx::write_atomic(
        &dir.join(".gitignore"),
        STATE_GITIGNORE.as_bytes(),
        None,
        false,
    )
}
