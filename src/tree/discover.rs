//! Where the tree is: its root (from `--root`, `TIX_ROOT` or the working
//! directory up), how a path is shown to the user, and `.tix/`.

use super::{GITATTRIBUTES, OLD_STATE_GITIGNORE, REGISTRY, STATE_DIR, STATE_GITIGNORE, fsx};
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

/// `ROOT/.tix/`, made on first use with a `.gitignore` that commits the
/// audit log and the id counter and keeps the rest out of git.
pub fn make_state_dir(root: &Path) -> io::Result<()> {
    let dir = root.join(STATE_DIR);
    match fs::create_dir(&dir) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            upgrade_git_files(root);
            return Ok(());
        }
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

/// A tree an older tix set up kept its audit log out of git. Its
/// `.tix/.gitignore` (when it is still the one tix wrote) now lets the log and
/// the id counter be committed, and a `.gitattributes` that has tix's union
/// line for the registry gets the same for them. Best effort, once.
fn upgrade_git_files(root: &Path) {
    let ignore = root.join(STATE_DIR).join(".gitignore");
    if fs::read_to_string(&ignore).ok().as_deref() != Some(OLD_STATE_GITIGNORE) {
        return;
    }
    let attrs_path = root.join(".gitattributes");
    let first_word = |l: &str| l.split_whitespace().next().map(str::to_string);
    if let Ok(mut attrs) = fs::read_to_string(&attrs_path)
        && attrs
            .lines()
            .any(|l| first_word(l).as_deref() == Some(REGISTRY))
    {
        let had: Vec<Option<String>> = attrs.lines().map(first_word).collect();
        if !attrs.is_empty() && !attrs.ends_with('\n') {
            attrs.push('\n');
        }
        for line in GITATTRIBUTES.lines() {
            if !had.contains(&first_word(line)) {
                attrs.push_str(line);
                attrs.push('\n');
            }
        }
        let _ = fsx::write_atomic(&attrs_path, attrs.as_bytes(), Some(&attrs_path), true);
    }
    let _ = fsx::write_atomic(&ignore, STATE_GITIGNORE.as_bytes(), None, false);
}
