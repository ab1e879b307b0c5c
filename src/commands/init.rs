//! `tix init`: create a tree, or adopt an existing one in place without changing
//! or moving a byte of it.

use super::Ctx;
use crate::cli::InitArgs;
use crate::config::{self, Config, Kind, StatusDef};
use crate::exit::Exit;
use crate::ticket::DEFAULT_TEMPLATE;
use crate::ticket::IdKey;
use crate::tree::{self, Below, REGISTRY, Scan, TEMPLATES, Tree, Upkeep, fsx};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// `.gitattributes` (see [`crate::tree::GITATTRIBUTES`]); after a merge
/// `tix sync` regenerates the registry from the merged tickets.
pub use crate::tree::GITATTRIBUTES;

pub fn run(ctx: &Ctx, args: &InitArgs) -> Result<Exit> {
    let mut made = Made::default();
    let (tree, snap, existed, shown) = match make(ctx, args, &mut made) {
        Ok(done) => done,
        Err(e) => return Err(made.undo(e)),
    };
    summary(ctx, &tree, &snap, existed, &shown);
    Ok(Exit::Ok)
}

/// What init made, so that a failure takes all of it back: the folders it
/// created (in order), the files it wrote, and `.tix/` when it made it.
#[derive(Default)]
struct Made {
    dirs: Vec<std::path::PathBuf>,
    files: Vec<std::path::PathBuf>,
    state: Option<std::path::PathBuf>,
}

impl Made {
    /// `fs::create_dir_all`, noting each folder it creates.
    fn dir(&mut self, path: &Path) -> std::io::Result<()> {
        let missing: Vec<_> = path
            .ancestors()
            .take_while(|p| !p.as_os_str().is_empty() && fs::symlink_metadata(p).is_err())
            .map(Path::to_path_buf)
            .collect();
        fs::create_dir_all(path)?;
        self.dirs.extend(missing.into_iter().rev());
        Ok(())
    }

    /// Removes what was made, newest first, and says so with `err`.
    fn undo(&self, err: anyhow::Error) -> anyhow::Error {
        let mut failed = None;
        let mut note = |r: std::io::Result<()>, p: &Path| {
            if let Err(e) = r
                && failed.is_none()
            {
                failed = Some(format!("{}: {e}", p.display()));
            }
        };
        for f in self.files.iter().rev() {
            note(fs::remove_file(f), f);
        }
        if let Some(state) = &self.state {
            note(fs::remove_dir_all(state), state);
        }
        for d in self.dirs.iter().rev() {
            note(fs::remove_dir(d), d);
        }
        match failed {
            None => anyhow::anyhow!("{err:#}; nothing was changed"),
            Some(f) => anyhow::anyhow!("{err:#}; what init made could not all be removed ({f})"),
        }
    }
}

/// Makes or adopts the tree: every step init writes.
fn make(
    ctx: &Ctx,
    args: &InitArgs,
    made: &mut Made,
) -> Result<(Tree, crate::tree::Snapshot, bool, String)> {
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
        made.dir(&root)
            .with_context(|| format!("failed to create {shown}"))?;
        let (config, skipped) = adopt(&root)?;
        for d in &skipped {
            ctx.note(&format!(
                "left out {shown}/{d}/: not usable as a status folder name (letters, digits, spaces, - _ . only); move its tickets by hand"
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
        made.files.push(root.join(config::FILE_NAME));
    }
    let tree = Tree::open(&root, &ctx.cwd)?;
    for dir in tree.config.statuses.iter().filter_map(|s| s.dir.as_deref()) {
        create_dir(&tree, dir, made)?;
        // git keeps no empty folders; this keeps the board's shape in a clone.
        let empty = fs::read_dir(tree.path(dir)).is_ok_and(|mut l| l.next().is_none());
        if empty {
            write_if_absent(&tree, &format!("{dir}/.gitkeep"), "", made)?;
        }
    }
    create_dir(&tree, TEMPLATES, made)?;
    write_if_absent(
        &tree,
        &format!("{TEMPLATES}/default.md"),
        &template(&tree.config),
        made,
    )?;
    write_if_absent(&tree, ".gitattributes", GITATTRIBUTES, made)?;
    let attrs = fs::read_to_string(tree.path(".gitattributes")).unwrap_or_default();
    let missing: Vec<&str> = GITATTRIBUTES
        .lines()
        .filter(|want| {
            !attrs
                .lines()
                .any(|l| l.split_whitespace().next() == want.split_whitespace().next())
        })
        .collect();
    if !missing.is_empty() {
        ctx.note(&format!(
            "note: add `{}` to {} so that the registry, the audit log and the id counter merge without conflicts",
            missing.join("`, `"),
            tree.show(".gitattributes")
        ));
    }

    if !tree.state_dir().exists() {
        made.state = Some(tree.state_dir());
    }
    let lock = ctx.lock_exclusive(&tree)?;
    let mut snap = tree.scan(Scan::Fresh, Upkeep::Index)?;
    if !tree.path(REGISTRY).exists() {
        tree.write_registry(&mut snap)?;
        made.files.push(tree.path(REGISTRY));
    }
    drop(lock);

    if let Some((path, merged)) = claude {
        let shown = tree::display_path(&path, &ctx.cwd);
        match merged {
            None => ctx.note(&format!("{shown}: tix's hooks are there already")),
            Some(crate::settings::Merged { text, added }) => {
                made.dir(path.parent().unwrap_or(&ctx.cwd))
                    .with_context(|| format!("failed to create the folder of {shown}"))?;
                let new = !path.exists();
                fsx::write_atomic(&path, text.as_bytes(), None, true)
                    .with_context(|| format!("failed to write {shown}"))?;
                if new {
                    made.files.push(path.clone());
                }
                ctx.note(&format!(
                    "{shown}: added tix's hooks ({})",
                    added.join(", ")
                ));
            }
        }
    }

    Ok((tree, snap, existed, shown))
}

/// What init says it found: the counts, the folders, the problems grouped.
fn summary(ctx: &Ctx, tree: &Tree, snap: &crate::tree::Snapshot, existed: bool, shown: &str) {
    let verb = if existed {
        "already a tix tree"
    } else {
        "initialised"
    };
    // A summary, a few lines however large the tree: counts per status, the
    // folders, then the problems grouped.
    let tickets = tree.tickets(snap);
    let counts: Vec<String> = tree
        .config
        .statuses
        .iter()
        .zip(crate::registry::status_counts(&tree.config, &tickets))
        .map(|(s, n)| format!("{} {n}", s.name))
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
    // A second folder of a status is left out: said here, not found later.
    let mut problems = tree.problems(snap);
    problems.extend(tree.unread_folders());
    if !problems.is_empty() {
        ctx.note(&format!(
            "{} (`tix sync --check` lists them; tix.yaml says how statuses are read):",
            super::count(problems.len(), "problem")
        ));
        for line in super::problem_summary(tree, &problems, true) {
            ctx.note(&line);
        }
    }
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

/// What `init` learns from one folder of an existing tree.
#[derive(Default)]
struct Seen {
    /// Files meant as tickets.
    tickets: usize,
    /// Each `status:` value as written, with how many files say it.
    values: BTreeMap<String, usize>,
}

/// Reads the folders already in `root` and says what they are (nothing is
/// written): a folder whose name means a status (`todo`, `doing`, `done`, …)
/// is that status, named as its files spell it (else as the folder); a folder
/// whose files say several statuses (Backlog.md's `tasks/`) holds tickets of
/// any status, each value becoming a status without a folder; any other
/// folder with tickets is a status of its own name (pending kind, not ready).
/// Statuses a tree lacks get tix's default folders; `id_prefix` is the prefix
/// most ids use. Returns the folders left out for their names.
fn adopt(root: &Path) -> Result<(Config, Vec<String>)> {
    let defaults = Config::default();
    let mut config = Config {
        statuses: Vec::new(),
        ..Config::default()
    };
    let mut dirs: Vec<String> = Vec::new();
    if let Ok(listing) = fs::read_dir(root) {
        for item in listing.flatten() {
            let name = item.file_name().to_string_lossy().into_owned();
            if item.file_type().is_ok_and(|t| t.is_dir()) && !config::root_holds_no_tickets(&name) {
                dirs.push(name);
            }
        }
    }
    dirs.sort();
    // The root itself, for tickets kept beside the folders (`""`).
    dirs.push(String::new());
    let mut prefixes: BTreeMap<String, usize> = BTreeMap::new();
    // Per prefix, the most digits a zero-padded number has (`0042`: 4).
    let mut padded: BTreeMap<String, usize> = BTreeMap::new();
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    for d in &dirs {
        let s = seen.entry(d.clone()).or_default();
        // The folder and its sub-folders, as deep as tix reads tickets (the
        // root's own files only).
        tree::each_ticket_file(&root.join(d), Below::by_name(d), &mut |name, bytes| {
            s.tickets += 1;
            if let Some(k) = IdKey::from_file_name(name) {
                let digits = name[k.prefix.len() + 1..]
                    .bytes()
                    .take_while(u8::is_ascii_digit)
                    .count();
                if name.as_bytes().get(k.prefix.len() + 1) == Some(&b'0') && digits > 1 {
                    let w = padded.entry(k.prefix.to_string()).or_default();
                    *w = (*w).max(digits);
                }
                *prefixes.entry(k.prefix.into_owned()).or_default() += 1;
            }
            if let Some(v) = crate::ticket::said_status(&String::from_utf8_lossy(bytes), name) {
                *s.values.entry(v).or_default() += 1;
            }
        });
    }
    let mut skipped = Vec::new();
    // A status is added once: a name or folder that means one already there
    // gives it its folder, when it has none yet.
    let add = |config: &mut Config, name: String, dir: Option<String>, kind, ready| {
        let known = |w: &str| {
            let n = config::normalize(w);
            config.statuses.iter().position(|s| s.matches(&n))
        };
        match known(&name).or_else(|| dir.as_deref().and_then(known)) {
            Some(i) => {
                let st = &mut config.statuses[i];
                if st.dir.is_none() && st.kind == kind {
                    st.dir = dir;
                }
            }
            None => config.statuses.push(StatusDef {
                name,
                dir,
                kind,
                ready: kind == Kind::Pending && ready,
                // For a closed kind the word table's flag says done
                // (`cancelled/` is closed, not done).
                done: kind.is_closed() && ready,
                aliases: Vec::new(),
            }),
        }
    };
    // Folders whose names mean a status first: a flat folder's values then
    // read as those statuses instead of taking their names.
    let mut order: Vec<&String> = dirs.iter().collect();
    order.sort_by_key(|d| config::meaning(d).is_none());
    for d in order {
        let s = &seen[d];
        if s.tickets == 0 {
            continue;
        }
        if !d.is_empty() && !config::valid_dir(d) {
            skipped.push(d.clone());
            continue;
        }
        let meant = config::meaning(d);
        let kinds: std::collections::BTreeSet<Kind> = s
            .values
            .keys()
            .filter_map(|v| config::meaning(v).map(|m| m.0))
            .collect();
        if d.is_empty() || (meant.is_none() && (kinds.len() > 1 || s.values.len() > 1)) {
            // Tickets of any status: the folder is flat, each value a status.
            config.ticket_dirs.push(d.clone());
            for v in most_said_first(&s.values) {
                let (kind, ready) = config::meaning(&v).unwrap_or((Kind::Pending, false));
                if plausible(&v, kind) {
                    add(&mut config, v, None, kind, ready);
                }
            }
            continue;
        }
        // Named as its files spell it (a value that means this kind, or the
        // one value of a folder tix has no word for), else as the folder.
        let name = most_said_first(&s.values)
            .into_iter()
            .find(|v| match (meant, config::meaning(v)) {
                (Some(m), Some(said)) => said.0 == m.0,
                (Some(_), None) => false,
                (None, said) => plausible(v, said.map_or(Kind::Pending, |m| m.0)),
            })
            .unwrap_or_else(|| d.clone());
        // A folder tix has no word for means what its files say.
        let (kind, ready) = meant
            .or_else(|| config::meaning(&name))
            .unwrap_or((Kind::Pending, false));
        add(&mut config, name, Some(d.clone()), kind, ready);
    }
    // The kinds every tree needs, in tix's default folders.
    for kind in Kind::ALL {
        // A closed kind needs a status that counts as done (`cancelled/`
        // alone is not where `tix complete` puts a ticket).
        if config
            .first(kind)
            .is_none_or(|s| kind.is_closed() && !s.done)
            && let Some(st) = defaults.first(kind)
        {
            let mut st = st.clone();
            st.aliases.clear();
            if config.resolve(&st.name).is_none() {
                config.statuses.push(st);
            }
        }
    }
    // Board order: by kind, a pending status that is not ready first, then as
    // the words that mean statuses are ordered (todo before ready, doing
    // before review, done before cancelled).
    config.statuses.sort_by_key(|s| {
        let word = s
            .dir
            .as_deref()
            .and_then(config::word_rank)
            .or_else(|| config::word_rank(&s.name))
            .unwrap_or(usize::MAX);
        (s.kind, s.ready, word)
    });
    // The first status of each kind (the first ready one, for pending) also
    // reads tix's usual words for it, where no status of the tree means them.
    for kind in Kind::ALL {
        let Some(usual) = defaults.first(kind).map(|s| s.aliases.clone()) else {
            continue;
        };
        let spare: Vec<String> = std::iter::once(kind.name().to_string())
            .chain(usual)
            .filter(|a| config.resolve(a).is_none())
            .collect();
        let of_kind = |s: &&StatusDef| s.kind == kind;
        let at = config
            .statuses
            .iter()
            .position(|s| of_kind(&s) && (kind != Kind::Pending || s.ready))
            .or_else(|| config.statuses.iter().position(|s| of_kind(&s)));
        if let Some(i) = at {
            config.statuses[i].aliases = spare;
        }
    }
    // Values seen in a folder that mean its kind but no status yet read as
    // its status.
    for d in &dirs {
        let Some(i) = config
            .statuses
            .iter()
            .position(|s| s.dir.as_deref() == Some(d.as_str()))
        else {
            continue;
        };
        let kind = config.statuses[i].kind;
        for v in most_said_first(&seen[d].values) {
            let same_kind = config::meaning(&v).is_some_and(|m| m.0 == kind);
            if same_kind && config.resolve(&v).is_none() {
                config.statuses[i].aliases.push(v);
            }
        }
    }
    if let Some((prefix, _)) = prefixes
        .iter()
        .max_by_key(|(p, n)| (**n, std::cmp::Reverse((*p).clone())))
    {
        config.id_prefix = prefix.clone();
        // New ids padded as the tree pads them: not at all when no number
        // has a leading zero (`PAC-146`).
        config.id_width = padded.get(prefix).copied().unwrap_or(1).min(9);
    }
    Ok((config, skipped))
}

/// Whether a value seen in files can name a status of `kind`: a few words
/// (not a sentence or a note), not a word of another kind.
fn plausible(value: &str, kind: Kind) -> bool {
    value.split_whitespace().count() <= 3
        && value.chars().count() <= 30
        && !value.contains(['|', '(', '[', '!', '.'])
        && config::meaning(value).is_none_or(|m| m.0 == kind)
}

/// The values, the most said first (then in order).
fn most_said_first(values: &BTreeMap<String, usize>) -> Vec<String> {
    let mut v: Vec<(&String, &usize)> = values.iter().collect();
    v.sort_by_key(|(value, n)| (std::cmp::Reverse(**n), (*value).clone()));
    v.into_iter().map(|(value, _)| value.clone()).collect()
}

fn template(config: &Config) -> String {
    DEFAULT_TEMPLATE.replace("TIX-0000", &config.new_id(&config.id_prefix, 0))
}

fn create_dir(tree: &Tree, rel: &str, made: &mut Made) -> Result<()> {
    made.dir(&tree.path(rel))
        .with_context(|| format!("failed to create {}", tree.show(rel)))
}

fn write_if_absent(tree: &Tree, rel: &str, text: &str, made: &mut Made) -> Result<()> {
    let path = tree.path(rel);
    if path.exists() {
        return Ok(());
    }
    fsx::write_new(&path, text.as_bytes(), None)
        .with_context(|| format!("failed to write {}", tree.show(rel)))?;
    made.files.push(path);
    Ok(())
}
