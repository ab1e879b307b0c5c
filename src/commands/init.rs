//! `tix init`: create a tree, or adopt an existing one in place without changing
//! or moving a byte of it.

use super::Ctx;
use super::new::DEFAULT_TEMPLATE;
use crate::cli::InitArgs;
use crate::config::{self, ARCHIVED, COMPLETED, Config, IN_PROGRESS, PENDING, StatusDef};
use crate::exit::Exit;
use crate::ticket::IdKey;
use crate::tree::{self, LockMode, REGISTRY, Scan, TEMPLATES, Tree, fsx};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// Folder names `init` recognises, by status, preferred first.
const WELL_KNOWN: [(&str, &[&str]); 4] = [
    (PENDING, &["pending", "todo", "backlog", "open"]),
    (
        IN_PROGRESS,
        &["in-progress", "in_progress", "doing", "active"],
    ),
    (COMPLETED, &["completed", "done", "closed", "resolved"]),
    (ARCHIVED, &["archive", "archived"]),
];

/// The registry line of `.gitattributes`: git's built-in union merge never
/// conflicts; `tix sync` then regenerates the registry from the merged tickets.
pub const GITATTRIBUTES: &str = "TICKET_REGISTRY.md merge=union\n";

pub fn run(ctx: &Ctx, args: &InitArgs) -> Result<Exit> {
    let root = ctx.cwd.join(&args.dir);
    let shown = tree::display_path(&root, &ctx.cwd);
    // A settings file that cannot be merged stops init before anything is made.
    let claude = if args.claude {
        Some(claude_settings(ctx, &root)?)
    } else {
        None
    };
    let existed = root.join(config::FILE_NAME).exists();
    if !existed {
        fs::create_dir_all(&root).with_context(|| format!("failed to create {shown}"))?;
        let (config, skipped) = adopt(&root)?;
        for d in &skipped {
            ctx.note(&format!(
                "left out {shown}/{d}/: not usable as a status folder name (letters, digits, - _ . only); move its tickets by hand"
            ));
        }
        // What init writes must load: never leave a tree every command rejects.
        Config::parse(&config.render())
            .map_err(|e| anyhow::anyhow!("cannot adopt {shown}: {}", e.message))?;
        fsx::write_new(
            &root.join(config::FILE_NAME),
            config.render().as_bytes(),
            None,
        )
        .with_context(|| format!("failed to write {shown}/{}", config::FILE_NAME))?;
    }
    let tree = Tree::open(&root, &ctx.cwd)?;
    for dir in tree.config.statuses.iter().filter_map(|s| s.dir.as_deref()) {
        create_dir(&tree, dir)?;
        // git keeps no empty folders; this keeps the board's shape in a clone.
        write_if_absent(&tree, &format!("{dir}/.gitkeep"), "")?;
    }
    create_dir(&tree, TEMPLATES)?;
    write_if_absent(
        &tree,
        &format!("{TEMPLATES}/default.md"),
        &template(&tree.config),
    )?;
    write_if_absent(&tree, ".gitattributes", GITATTRIBUTES)?;
    let attrs = fs::read_to_string(tree.path(".gitattributes")).unwrap_or_default();
    if !attrs
        .lines()
        .any(|l| l.split_whitespace().next() == Some(REGISTRY))
    {
        ctx.note(&format!(
            "note: add `{}` to {} so that registry changes merge without conflicts",
            GITATTRIBUTES.trim_end(),
            tree.show(".gitattributes")
        ));
    }

    let lock = ctx.lock(&tree, LockMode::Exclusive)?;
    let mut snap = tree.scan(Scan::Fresh, true)?;
    if !tree.path(REGISTRY).exists() {
        tree.write_registry(&mut snap)?;
    }
    drop(lock);

    if let Some((path, merged)) = claude {
        let shown = tree::display_path(&path, &ctx.cwd);
        match merged {
            None => ctx.note(&format!("{shown}: tix's hooks are there already")),
            Some(crate::settings::Merged { text, added }) => {
                fs::create_dir_all(path.parent().unwrap_or(&ctx.cwd))
                    .with_context(|| format!("failed to create the folder of {shown}"))?;
                fsx::write_atomic(&path, text.as_bytes(), None, true)
                    .with_context(|| format!("failed to write {shown}"))?;
                ctx.note(&format!(
                    "{shown}: added tix's hooks ({})",
                    added.join(", ")
                ));
            }
        }
    }

    let verb = if existed {
        "already a tix tree"
    } else {
        "initialised"
    };
    // A summary, a few lines however large the tree: counts per status, the
    // folders, then the problems grouped.
    let tickets = tree.tickets(&snap);
    let counts: Vec<String> = tree
        .config
        .statuses
        .iter()
        .map(|s| {
            let n = tickets.iter().filter(|t| t.status == s.name).count();
            format!("{} {n}", s.name)
        })
        .collect();
    ctx.note(&format!(
        "{shown}: {verb}; {}: {}",
        super::count(tickets.len(), "ticket"),
        counts.join(" · ")
    ));
    let folders: Vec<String> = tree
        .config
        .statuses
        .iter()
        .map(|s| match &s.dir {
            Some(d) => format!("{d}/ = {} ({})", s.name, s.kind.name()),
            None => format!("{} ({}, no folder)", s.name, s.kind.name()),
        })
        .collect();
    ctx.note(&format!("folders: {}", folders.join(", ")));
    let problems = tree.problems(&snap);
    if !problems.is_empty() {
        ctx.note(&format!(
            "{} (`tix sync --check` lists them; tix.yaml says how statuses are read):",
            super::count(problems.len(), "problem")
        ));
        for line in super::problem_summary(&tree, &problems, true) {
            ctx.note(&line);
        }
    }
    Ok(Exit::Ok)
}

/// Where the project's `.claude/settings.json` is (the git top level holding
/// the root, else the root's parent) and what it becomes with tix's hooks
/// and the events whose hooks it adds (`None`: they are there already). A
/// file that cannot be merged is an error.
fn claude_settings(
    ctx: &Ctx,
    root: &Path,
) -> Result<(std::path::PathBuf, Option<crate::settings::Merged>)> {
    let root = resolved(root);
    let git_top = root
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf);
    let project = git_top.unwrap_or_else(|| root.parent().unwrap_or(&root).to_path_buf());
    let claude = project.join(".claude");
    let mut path = claude.join("settings.json");
    // A settings file that is a link is written where it points.
    if fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        path = path.canonicalize().with_context(|| {
            format!("failed to resolve {}", tree::display_path(&path, &ctx.cwd))
        })?;
    }
    let shown = tree::display_path(&path, &ctx.cwd);
    let existing = match fs::read_to_string(&path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("failed to read {shown}")),
    };
    // Hooks in the personal settings file already run: not added twice.
    let local = fs::read_to_string(claude.join("settings.local.json")).ok();
    let merged = crate::settings::merge(existing.as_deref(), local.as_deref())
        .map_err(|why| anyhow::anyhow!("{shown}: {why}; left it as it is"))?;
    Ok((path, merged))
}

/// `path` with `..` and symlinks resolved, as far as it exists.
fn resolved(path: &Path) -> std::path::PathBuf {
    let mut rest = Vec::new();
    let mut at = path;
    loop {
        if let Ok(real) = at.canonicalize() {
            return rest.iter().rev().fold(real, |p, c| p.join(c));
        }
        match (at.parent(), at.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                at = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// The configuration for the folders already in `root`: well-known names map to
/// the standard statuses, other folders holding tickets become extra statuses,
/// and `id_prefix` is the prefix most ids use.
fn adopt(root: &Path) -> Result<(Config, Vec<String>)> {
    let mut config = Config::default();
    let mut dirs: Vec<String> = Vec::new();
    if let Ok(listing) = fs::read_dir(root) {
        for item in listing.flatten() {
            let name = item.file_name().to_string_lossy().into_owned();
            if item.file_type().is_ok_and(|t| t.is_dir())
                && !name.starts_with('.')
                && name != TEMPLATES
            {
                dirs.push(name);
            }
        }
    }
    dirs.sort();
    let mut prefixes: BTreeMap<String, usize> = BTreeMap::new();
    let mut has_tickets = BTreeMap::new();
    for d in &dirs {
        let mut n = 0;
        if let Ok(listing) = fs::read_dir(root.join(d)) {
            for item in listing.flatten() {
                if let Some(k) = IdKey::from_file_name(&item.file_name().to_string_lossy()) {
                    *prefixes.entry(k.prefix.into_owned()).or_default() += 1;
                    n += 1;
                }
            }
        }
        has_tickets.insert(d.clone(), n > 0);
    }
    let mut used: Vec<String> = Vec::new();
    for (status, names) in WELL_KNOWN {
        if let Some(found) = names.iter().find(|n| dirs.iter().any(|d| d == *n)) {
            if let Some(s) = config.statuses.iter_mut().find(|s| s.name == status) {
                s.dir = Some(found.to_string());
            }
            used.push(found.to_string());
        }
    }
    let mut skipped = Vec::new();
    for d in &dirs {
        if used.contains(d) || !has_tickets[d] {
            continue;
        }
        if !config::valid_dir(d) {
            skipped.push(d.clone());
            continue;
        }
        let name: String = d
            .to_ascii_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        if !name.starts_with(|c: char| c.is_ascii_lowercase()) || config.status(&name).is_some() {
            continue;
        }
        let (kind, ready) = config::meaning(d).unwrap_or((config::Kind::Pending, false));
        config.statuses.push(StatusDef {
            name: name.clone(),
            dir: Some(d.clone()),
            kind,
            ready: kind == config::Kind::Pending && ready,
            aliases: Vec::new(),
        });
        for from in [PENDING, IN_PROGRESS] {
            config
                .transitions
                .entry(from.into())
                .or_default()
                .push(name.clone());
        }
        config
            .transitions
            .insert(name, vec![PENDING.into(), IN_PROGRESS.into()]);
    }
    if let Some((prefix, _)) = prefixes
        .iter()
        .max_by_key(|(p, n)| (**n, std::cmp::Reverse((*p).clone())))
    {
        config.id_prefix = prefix.clone();
    }
    Ok((config, skipped))
}

fn template(config: &Config) -> String {
    DEFAULT_TEMPLATE.replace("TIX-0000", &crate::ticket::format_id(&config.id_prefix, 0))
}

fn create_dir(tree: &Tree, rel: &str) -> Result<()> {
    fs::create_dir_all(tree.path(rel))
        .with_context(|| format!("failed to create {}", tree.show(rel)))
}

fn write_if_absent(tree: &Tree, rel: &str, text: &str) -> Result<()> {
    let path = tree.path(rel);
    if path.exists() {
        return Ok(());
    }
    fsx::write_new(&path, text.as_bytes(), None)
        .with_context(|| format!("failed to write {}", tree.show(rel)))
}
