//! `tix.yaml` and its defaults (the README's "tix.yaml"). Every key is optional; a list
//! given in the file replaces the default list, a map is merged key by key with
//! the default map, and an unknown key is an error that names it.

use crate::ticket::Malformed;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

pub const FILE_NAME: &str = "tix.yaml";

/// The default statuses' names, which are also the names of the kinds.
pub const PENDING: &str = "pending";
pub const IN_PROGRESS: &str = "in_progress";
pub const COMPLETED: &str = "completed";
pub const ARCHIVED: &str = "archived";

/// What a status means to tix: every lifecycle decision (`start`, `complete`,
/// `next`, the gates, the dashboard, the completion rate, the hooks) is made by
/// kind, never by a status's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Pending,
    InProgress,
    Completed,
    Archived,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Pending,
        Kind::InProgress,
        Kind::Completed,
        Kind::Archived,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Kind::Pending => PENDING,
            Kind::InProgress => IN_PROGRESS,
            Kind::Completed => COMPLETED,
            Kind::Archived => ARCHIVED,
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Closed: completed or archived (what the completion rate counts, and
    /// what a dependency must be).
    #[must_use]
    pub fn is_closed(self) -> bool {
        matches!(self, Kind::Completed | Kind::Archived)
    }
}

/// Words that say what a status or folder means, by kind (compared
/// [`normalize`]d). A pending-kind word marked `false` is not ready to start;
/// a completed-kind one is closed but not done (won't do, cancelled).
const MEANINGS: [(Kind, &[(&str, bool)]); 4] = [
    (
        Kind::Pending,
        &[
            ("pending", true),
            ("todo", true),
            ("to_do", true),
            ("open", true),
            ("new", true),
            ("planned", true),
            ("ready", true),
            ("queue", true),
            ("queued", true),
            ("backlog", false),
            ("draft", false),
            ("drafts", false),
        ],
    ),
    (
        Kind::InProgress,
        &[
            ("in_progress", true),
            ("doing", true),
            ("active", true),
            ("wip", true),
            ("started", true),
            ("for_review", true),
            ("in_review", true),
            ("review", true),
        ],
    ),
    (
        Kind::Completed,
        &[
            ("completed", true),
            ("complete", true),
            ("done", true),
            ("closed", true),
            ("resolved", true),
            ("approved", true),
            ("canceled", false),
            ("cancelled", false),
            ("wont_do", false),
            ("won_t_do", false),
            ("wontfix", false),
            ("wont_fix", false),
            ("won_t_fix", false),
            ("rejected", false),
            ("declined", false),
            ("dropped", false),
            ("abandoned", false),
            ("obsolete", false),
        ],
    ),
    (Kind::Archived, &[("archived", true), ("archive", true)]),
];

/// Where a word that means a status stands among the words of its kind
/// (`todo` before `ready`, `doing` before `review`): board order.
#[must_use]
pub fn word_rank(word: &str) -> Option<usize> {
    forms(word).find_map(|w| {
        MEANINGS
            .iter()
            .find_map(|(_, words)| words.iter().position(|(m, _)| *m == w))
    })
}

/// A word [`normalize`]d, then without a leading number that orders a board
/// (`1-todo`, `02_doing`).
fn forms(word: &str) -> impl Iterator<Item = String> {
    let w = normalize(word);
    let bare = w
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start_matches('_')
        .to_string();
    let numbered = bare.len() < w.len() && !bare.is_empty();
    std::iter::once(w).chain(numbered.then_some(bare))
}

/// What a status name or folder name means: its kind and, for the pending
/// kind, whether it is ready to start. `None` for a word tix does not know.
#[must_use]
pub fn meaning(word: &str) -> Option<(Kind, bool)> {
    forms(word).find_map(|w| {
        MEANINGS.iter().find_map(|(kind, words)| {
            words
                .iter()
                .find(|(m, _)| *m == w)
                .map(|(_, ready)| (*kind, *ready))
        })
    })
}

pub use crate::text::normalize;

/// A status: its name as written in ticket files, its folder, its kind, whether
/// `next` may draw from it (pending kind only), and other values that mean it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusDef {
    pub name: String,
    /// `None`: the status has no folder (its tickets live in `ticket_dirs`).
    pub dir: Option<String>,
    pub kind: Kind,
    pub ready: bool,
    /// For a closed status (completed or archived kind): whether its
    /// tickets count as done. `false`: closed but not done (won't do): not
    /// in the completion rate, nor among recent completions.
    pub done: bool,
    pub aliases: Vec<String>,
}

impl StatusDef {
    /// Whether a status value means this status: its name, its folder or an
    /// alias, compared [`normalize`]d.
    #[must_use]
    pub fn matches(&self, normalized: &str) -> bool {
        normalize(&self.name) == normalized
            || self
                .dir
                .as_deref()
                .is_some_and(|d| normalize(d) == normalized)
            || self.aliases.iter().any(|a| normalize(a) == normalized)
    }
}

/// A status as `tix.yaml` gives it: `kind` and `ready` default from what the
/// name (else the folder) means, else pending and not ready.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStatus {
    name: String,
    #[serde(default)]
    dir: Option<String>,
    kind: Option<Kind>,
    ready: Option<bool>,
    done: Option<bool>,
    #[serde(default)]
    aliases: Vec<String>,
}

impl From<RawStatus> for StatusDef {
    fn from(r: RawStatus) -> StatusDef {
        let meant = meaning(&r.name).or_else(|| r.dir.as_deref().and_then(meaning));
        let kind = r.kind.or(meant.map(|m| m.0)).unwrap_or(Kind::Pending);
        let ready_by_meaning = meant.filter(|m| m.0 == kind).is_none_or(|m| m.1);
        let ready = kind == Kind::Pending && r.ready.unwrap_or(meant.is_some() && ready_by_meaning);
        // The same word table says whether a completed-kind word is done.
        let done = kind.is_closed() && r.done.unwrap_or(ready_by_meaning);
        StatusDef {
            name: r.name,
            dir: r.dir,
            kind,
            ready,
            done,
            aliases: r.aliases,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gates {
    pub unchecked_boxes_block_complete: bool,
    pub unmet_dependencies_block_start: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookConfig {
    pub start_on: Vec<String>,
    pub start_on_slash_commands: bool,
    pub complete_on: Vec<String>,
    pub complete_on_stop: bool,
    pub block_stop_on_gates: bool,
    pub rollback_on_failure: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub id_prefix: String,
    /// How many digits a new id's number has at least (zero-padded).
    pub id_width: usize,
    /// Board order.
    pub statuses: Vec<StatusDef>,
    /// Folders that hold tickets of any status (a flat tree: the status lives
    /// only in the file, and tix never moves a file out of them); `""` is the
    /// root itself (`.` in `tix.yaml`).
    pub ticket_dirs: Vec<String>,
    pub transitions: BTreeMap<String, Vec<String>>,
    pub gates: Gates,
    pub lock_timeout_secs: u64,
    pub hook: HookConfig,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    id_prefix: Option<String>,
    id_width: Option<usize>,
    statuses: Option<Vec<RawStatus>>,
    ticket_dirs: Option<Vec<String>>,
    transitions: Option<BTreeMap<String, Vec<String>>>,
    gates: Option<RawGates>,
    lock_timeout_secs: Option<u64>,
    hook: Option<RawHook>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGates {
    unchecked_boxes_block_complete: Option<bool>,
    unmet_dependencies_block_start: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHook {
    start_on: Option<Vec<String>>,
    start_on_slash_commands: Option<bool>,
    complete_on: Option<Vec<String>>,
    complete_on_stop: Option<bool>,
    block_stop_on_gates: Option<bool>,
    rollback_on_failure: Option<bool>,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(std::string::ToString::to_string).collect()
}

impl Default for Config {
    fn default() -> Self {
        let status = |name: &str, dir: &str, kind, aliases: &[&str]| StatusDef {
            name: name.into(),
            dir: Some(dir.into()),
            kind,
            ready: kind == Kind::Pending,
            done: kind.is_closed(),
            aliases: strings(aliases),
        };
        Config {
            id_prefix: "TIX".into(),
            id_width: 4,
            statuses: vec![
                status(
                    PENDING,
                    "pending",
                    Kind::Pending,
                    &["todo", "to do", "open", "new", "planned"],
                ),
                status(
                    IN_PROGRESS,
                    "in-progress",
                    Kind::InProgress,
                    &["doing", "active", "wip", "started"],
                ),
                status(
                    COMPLETED,
                    "completed",
                    Kind::Completed,
                    &["done", "complete", "closed", "resolved"],
                ),
                status(ARCHIVED, "archive", Kind::Archived, &[]),
            ],
            ticket_dirs: Vec::new(),
            transitions: BTreeMap::from([
                (PENDING.into(), strings(&[IN_PROGRESS])),
                (IN_PROGRESS.into(), strings(&[COMPLETED, PENDING])),
                (COMPLETED.into(), strings(&[IN_PROGRESS, ARCHIVED])),
            ]),
            gates: Gates {
                unchecked_boxes_block_complete: true,
                unmet_dependencies_block_start: true,
            },
            lock_timeout_secs: 10,
            hook: HookConfig {
                start_on: strings(&["Agent", "Task", "Skill", "SlashCommand"]),
                start_on_slash_commands: true,
                complete_on: strings(&["Agent", "Task"]),
                complete_on_stop: true,
                block_stop_on_gates: true,
                rollback_on_failure: true,
            },
        }
    }
}

/// Whether a folder holds no tickets by its name, wherever it is: hidden, or
/// templates. Neither `init` nor the scan looks inside.
#[must_use]
pub fn holds_no_tickets(name: &str) -> bool {
    name.starts_with('.')
        || matches!(
            name.trim_start_matches('_').to_lowercase().as_str(),
            "templates" | "template"
        )
}

/// Whether a folder of the root holds no tickets by its name: one that
/// [holds none anywhere](holds_no_tickets), or what other tools keep beside
/// their tasks (Backlog.md's `docs/`, `decisions/`, `milestones/`). Below a
/// status folder these names are a team's own grouping and are read.
#[must_use]
pub fn root_holds_no_tickets(name: &str) -> bool {
    holds_no_tickets(name)
        || matches!(
            name.trim_start_matches('_').to_lowercase().as_str(),
            "docs" | "decisions" | "milestones"
        )
}

/// A status folder: one name inside the root, not hidden, not `templates`,
/// of letters, digits, `-`, `_`, `.` and inner spaces (`To Do`).
#[must_use]
pub fn valid_dir(dir: &str) -> bool {
    !dir.is_empty()
        && !dir.starts_with('.')
        && dir.trim() == dir
        && dir != "templates"
        && dir
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
}

impl Config {
    /// Parses `tix.yaml`; errors carry the line where the parser knows it.
    pub fn parse(text: &str) -> Result<Config, Malformed> {
        let err = |line: Option<usize>, message: String| Malformed { line, message };
        let only_comments = text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
        let mut c = Config::default();
        if only_comments {
            return Ok(c);
        }
        let raw: RawConfig = serde_yaml::from_str(text).map_err(|e| {
            err(
                e.location().map(|l| l.line()),
                crate::ticket::yaml_message(&e),
            )
        })?;
        if let Some(p) = raw.id_prefix {
            c.id_prefix = p;
        }
        if let Some(w) = raw.id_width {
            c.id_width = w;
        }
        if let Some(s) = raw.statuses {
            c.statuses = s.into_iter().map(StatusDef::from).collect();
        }
        if let Some(d) = raw.ticket_dirs {
            // `.` is the root itself, kept as the empty folder name.
            c.ticket_dirs = d
                .into_iter()
                .map(|d| if d == "." { String::new() } else { d })
                .collect();
        }
        if let Some(t) = raw.transitions {
            c.transitions.extend(t);
        }
        if let Some(g) = raw.gates {
            let d = &mut c.gates;
            d.unchecked_boxes_block_complete = g
                .unchecked_boxes_block_complete
                .unwrap_or(d.unchecked_boxes_block_complete);
            d.unmet_dependencies_block_start = g
                .unmet_dependencies_block_start
                .unwrap_or(d.unmet_dependencies_block_start);
        }
        if let Some(t) = raw.lock_timeout_secs {
            c.lock_timeout_secs = t;
        }
        if let Some(h) = raw.hook {
            let d = &mut c.hook;
            d.start_on = h.start_on.unwrap_or(std::mem::take(&mut d.start_on));
            d.start_on_slash_commands = h
                .start_on_slash_commands
                .unwrap_or(d.start_on_slash_commands);
            d.complete_on = h.complete_on.unwrap_or(std::mem::take(&mut d.complete_on));
            d.complete_on_stop = h.complete_on_stop.unwrap_or(d.complete_on_stop);
            d.block_stop_on_gates = h.block_stop_on_gates.unwrap_or(d.block_stop_on_gates);
            d.rollback_on_failure = h.rollback_on_failure.unwrap_or(d.rollback_on_failure);
        }
        c.validate().map_err(|m| err(None, m))?;
        Ok(c)
    }

    fn validate(&self) -> Result<(), String> {
        let p = &self.id_prefix;
        if crate::ticket::IdKey::parse(&format!("{p}-1")).is_none_or(|k| k.prefix != *p)
            || p.len() > 16
        {
            return Err(format!(
                "id_prefix: {p:?} must be upper-case letters (and digits), at most 16"
            ));
        }
        if !(1..=9).contains(&self.id_width) {
            return Err(format!(
                "id_width: {} must be 1 to 9 (the digits a new id's number has at least)",
                self.id_width
            ));
        }
        for (i, s) in self.statuses.iter().enumerate() {
            let name_ok = !normalize(&s.name).is_empty()
                && s.name.trim() == s.name
                && s.name.chars().count() <= 64
                && !s
                    .name
                    .chars()
                    .any(|c| crate::text::needs_escape(c) || c == '\t');
            if !name_ok {
                return Err(format!(
                    "statuses: name {:?} must be a word or a few (at most 64 characters, no control characters)",
                    s.name
                ));
            }
            if let Some(dir) = &s.dir
                && !valid_dir(dir)
            {
                return Err(format!(
                    "statuses: dir {dir:?} of {} must be one folder name inside the root (or null)",
                    s.name
                ));
            }
            if self.statuses[..i]
                .iter()
                .any(|o| o.name == s.name || (o.dir.is_some() && o.dir == s.dir))
            {
                return Err(format!(
                    "statuses: {} / {} is listed twice",
                    s.name,
                    s.dir.as_deref().unwrap_or("null")
                ));
            }
            // A transitions key named like a kind is that kind's entry.
            if let Some(k) = Kind::parse(&s.name)
                && k != s.kind
            {
                return Err(format!(
                    "statuses: {} is the name of a kind, so its kind must be {} (or rename it)",
                    s.name, s.name
                ));
            }
            // Two statuses that one value could mean: a file would be ambiguous.
            let words = std::iter::once(&s.name).chain(&s.aliases).chain(&s.dir);
            for w in words {
                let n = normalize(w);
                if let Some(o) = self.statuses[..i].iter().find(|o| o.matches(&n)) {
                    return Err(format!(
                        "statuses: {w:?} (of {}) also means {}; each value must mean one status",
                        s.name, o.name
                    ));
                }
            }
        }
        for (i, d) in self.ticket_dirs.iter().enumerate() {
            if !d.is_empty() && !valid_dir(d) {
                return Err(format!(
                    "ticket_dirs: {d:?} must be one folder name inside the root, or . for the root"
                ));
            }
            if self.statuses.iter().any(|s| s.dir.as_deref() == Some(d))
                || self.ticket_dirs[..i].contains(d)
            {
                return Err(format!(
                    "ticket_dirs: {d:?} is also a status folder or listed twice"
                ));
            }
        }
        for need in [Kind::Pending, Kind::InProgress, Kind::Completed] {
            if self.first(need).is_none() {
                return Err(format!(
                    "statuses: the list needs a status of kind {}",
                    need.name()
                ));
            }
        }
        if self.first(Kind::Completed).is_some_and(|s| !s.done) {
            return Err(
                "statuses: the list needs a status of kind completed that counts as done (done: false is won't do)"
                    .into(),
            );
        }
        for (from, tos) in &self.transitions {
            for s in std::iter::once(from).chain(tos) {
                if self.status(s).is_none() && Kind::parse(s).is_none() {
                    return Err(format!(
                        "transitions: {s:?} is neither a status nor a kind (pending, in_progress, completed, archived)"
                    ));
                }
            }
        }
        Ok(())
    }

    /// A new id: `PREFIX-` and the number zero-padded to `id_width` digits.
    #[must_use]
    pub fn new_id(&self, prefix: &str, num: u64) -> String {
        format!("{prefix}-{num:0w$}", w = self.id_width)
    }

    #[must_use]
    pub fn status(&self, name: &str) -> Option<&StatusDef> {
        self.statuses.iter().find(|s| s.name == name)
    }

    /// The status a value means (any case and decoration, its name, its
    /// folder or an alias), else `None`.
    #[must_use]
    pub fn resolve(&self, value: &str) -> Option<&StatusDef> {
        self.status(value).or_else(|| {
            let n = normalize(value);
            self.statuses.iter().find(|s| s.matches(&n))
        })
    }

    /// The status a ticket file's value means: [`Config::resolve`] of the
    /// value, else of its head before a dash or colon (`Completed - ceiling
    /// reached`, `Backlog: later`), else the status a word of
    /// [`meaning`] stands for (`ready` → the first ready pending-kind status,
    /// `closed` → the first completed-kind one).
    #[must_use]
    pub fn read_status(&self, value: &str) -> Option<&StatusDef> {
        // The value as it is first: what nearly every ticket says (its
        // head is looked for only when that fails).
        if let Some(s) = self.status(value) {
            return Some(s);
        }
        let head = [" - ", " – ", " — ", ": "]
            .iter()
            .filter_map(|sep| value.split_once(sep).map(|(h, _)| h))
            .min_by_key(|h| h.len());
        let forms = || std::iter::once(value).chain(head);
        forms().find_map(|v| self.resolve(v)).or_else(|| {
            let (kind, ready) = forms().find_map(meaning)?;
            self.statuses
                .iter()
                .find(|s| s.kind == kind && s.ready == ready)
                .or_else(|| self.first(kind))
        })
    }

    /// The kind of the status named `name`.
    #[must_use]
    pub fn kind_of(&self, name: &str) -> Option<Kind> {
        self.status(name).map(|s| s.kind)
    }

    /// The first status of a kind, in board order: where `start` (`in_progress`),
    /// `complete` (completed) and `new` (pending) put a ticket.
    #[must_use]
    pub fn first(&self, kind: Kind) -> Option<&StatusDef> {
        // A closed kind's first status that counts as done (`complete`
        // goes there, not to won't do), else its first.
        self.statuses
            .iter()
            .find(|s| s.kind == kind && (s.done || !kind.is_closed()))
            .or_else(|| self.statuses.iter().find(|s| s.kind == kind))
    }

    /// The name of [`Config::first`], for a kind validation guarantees.
    #[must_use]
    pub fn first_name(&self, kind: Kind) -> &str {
        self.first(kind).map_or(kind.name(), |s| s.name.as_str())
    }

    /// Where `tix new` puts a ticket: the first pending-kind status that is
    /// ready to start, else the first pending-kind one.
    #[must_use]
    pub fn new_status(&self) -> &StatusDef {
        self.statuses
            .iter()
            .find(|s| s.kind == Kind::Pending && s.ready)
            .or_else(|| self.first(Kind::Pending))
            .unwrap_or(&self.statuses[0])
    }

    /// Whether the status named `name` is of `kind`.
    #[must_use]
    pub fn is(&self, name: &str, kind: Kind) -> bool {
        self.kind_of(name) == Some(kind)
    }

    /// Whether the status named `name` is closed (completed or archived kind).
    pub fn is_closed(&self, name: &str) -> bool {
        self.kind_of(name).is_some_and(Kind::is_closed)
    }

    /// A status by its name or its folder's name (or anything that means it).
    #[must_use]
    pub fn status_by_name_or_dir(&self, s: &str) -> Option<&StatusDef> {
        self.status(s)
            .or_else(|| self.statuses.iter().find(|d| d.dir.as_deref() == Some(s)))
            .or_else(|| self.resolve(s))
    }

    #[must_use]
    pub fn status_names(&self) -> Vec<String> {
        self.statuses.iter().map(|s| s.name.clone()).collect()
    }

    /// The statuses `from` may move to without --force, in board order.
    #[must_use]
    pub fn targets(&self, from: &str) -> Vec<String> {
        self.statuses
            .iter()
            .filter(|t| t.name != from && self.allows(from, &t.name))
            .map(|t| t.name.clone())
            .collect()
    }

    /// Whether `from` → `to` is allowed without --force. A key or target in
    /// `transitions` names a status, or a kind (every status of that kind).
    /// A status's own entry is all it may do; without one, it follows its
    /// kind's entry and may also move to another status of its own kind
    /// (`Backlog` → `To Do`, `In Progress` → `In Review`).
    #[must_use]
    pub fn allows(&self, from: &str, to: &str) -> bool {
        let (Some(f), Some(t)) = (self.status(from), self.status(to)) else {
            return false;
        };
        let listed = |tos: &Vec<String>| tos.iter().any(|x| *x == t.name || x == t.kind.name());
        // The entry named like the status's own kind is the kind's entry.
        let own = (f.name != f.kind.name())
            .then(|| self.transitions.get(&f.name))
            .flatten();
        match own {
            Some(tos) => listed(tos),
            None => {
                (f.kind == t.kind && f.name != t.name)
                    || self.transitions.get(f.kind.name()).is_some_and(listed)
            }
        }
    }

    /// `tix.yaml` as `tix init` writes it: every default spelled out, with comments.
    #[must_use]
    pub fn render(&self) -> String {
        let mut s = String::new();
        s.push_str("# tix configuration. Every key is optional; these are the defaults.\n");
        s.push_str(
            "# A list given here replaces the default list; a map is merged key by key.\n\n",
        );
        let _ = writeln!(
            s,
            "id_prefix: {}            # new ids are PREFIX-NNNN: the tree's prefix",
            self.id_prefix
        );
        let _ = writeln!(
            s,
            "id_width: {}               # digits of a new id's number, zero-padded (1: no padding)",
            self.id_width
        );
        s.push_str("statuses:                 # board order: the name written in files, its folder, its kind\n");
        s.push_str("                          # (pending | in_progress | completed | archived), whether `next`\n");
        s.push_str(
            "                          # draws from it (pending kind), whether it counts as done\n",
        );
        s.push_str(
            "                          # (closed kinds; done: false is won't do), other values that mean it\n",
        );
        for st in &self.statuses {
            let q = crate::ticket::flow_scalar;
            let aliases: Vec<String> = st.aliases.iter().map(|a| q(a)).collect();
            let _ = writeln!(
                s,
                "  - {{name: {}, dir: {}, kind: {}{}{}}}",
                q(&st.name),
                st.dir.as_deref().map_or("null".to_string(), q),
                st.kind.name(),
                match st.kind {
                    Kind::Pending => format!(", ready: {}", st.ready),
                    kind if kind.is_closed() && !st.done => ", done: false".to_string(),
                    _ => String::new(),
                },
                if aliases.is_empty() {
                    String::new()
                } else {
                    format!(", aliases: [{}]", aliases.join(", "))
                }
            );
        }
        let dirs: Vec<String> = self
            .ticket_dirs
            .iter()
            .map(|d| crate::ticket::flow_scalar(if d.is_empty() { "." } else { d }))
            .collect();
        let _ = writeln!(
            s,
            "ticket_dirs: [{}]           # folders holding tickets of any status (a flat tree; . is the root); tix moves nothing out of them",
            dirs.join(", ")
        );
        s.push_str("transitions:              # allowed without --force; a key or target is a status or a kind\n");
        for (from, tos) in &self.transitions {
            let tos: Vec<String> = tos.iter().map(|t| crate::ticket::flow_scalar(t)).collect();
            let _ = writeln!(
                s,
                "  {}: [{}]",
                crate::ticket::flow_scalar(from),
                tos.join(", ")
            );
        }
        let g = &self.gates;
        s.push_str(
            "gates:                    # conditions a change must meet (--force goes past them)\n",
        );
        let _ = writeln!(
            s,
            "  unchecked_boxes_block_complete: {}   # `complete` refused while the body has `- [ ]` boxes",
            g.unchecked_boxes_block_complete
        );
        let _ = writeln!(
            s,
            "  unmet_dependencies_block_start: {}   # `start` refused while a depends_on ticket is not completed",
            g.unmet_dependencies_block_start
        );
        let _ = writeln!(
            s,
            "lock_timeout_secs: {}     # how long a command waits for another one to finish (then exit 5)",
            self.lock_timeout_secs
        );
        let h = &self.hook;
        s.push_str("hook:                     # what `tix hook` does with Claude Code's events\n");
        let _ = writeln!(
            s,
            "  start_on: [{}]   # PreToolUse tools that start a mentioned ticket",
            h.start_on.join(", ")
        );
        let _ = writeln!(
            s,
            "  start_on_slash_commands: {}          # user-typed /commands that mention a ticket start it",
            h.start_on_slash_commands
        );
        let _ = writeln!(
            s,
            "  complete_on: [{}]   # tools whose end (PostToolUse/SubagentStop) completes what they started",
            h.complete_on.join(", ")
        );
        let _ = writeln!(
            s,
            "  complete_on_stop: {}                 # Stop completes what skills and slash commands started",
            h.complete_on_stop
        );
        let _ = writeln!(
            s,
            "  block_stop_on_gates: {}              # Stop/SubagentStop with unmet gates: keep it working, once",
            h.block_stop_on_gates
        );
        let _ = writeln!(
            s,
            "  rollback_on_failure: {}              # a failed tool run puts its ticket back to pending",
            h.rollback_on_failure
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_defaults_read_back_as_the_defaults() {
        let d = Config::default();
        assert_eq!(Config::parse(&d.render()).unwrap(), d);
        assert_eq!(Config::parse("# nothing\n\n").unwrap(), d);
    }

    #[test]
    fn a_status_closed_as_not_done_reads_back_and_complete_goes_elsewhere() {
        let yaml = "statuses:\n  - {name: todo}\n  - {name: doing, kind: in_progress}\n  - {name: wont_do, kind: completed, done: false}\n  - {name: done}\n";
        let c = Config::parse(yaml).unwrap();
        let wont = c.status("wont_do").unwrap();
        assert!(wont.kind.is_closed() && !wont.done);
        assert!(c.status("done").unwrap().done);
        // `complete` goes to the first completed status that counts as done.
        assert_eq!(c.first_name(Kind::Completed), "done");
        // Written out by init and read back the same.
        assert!(
            c.render()
                .contains("  - {name: wont_do, dir: null, kind: completed, done: false}\n")
        );
        assert_eq!(Config::parse(&c.render()).unwrap(), c);
        // A word that means it is enough (`cancelled`), and `done` means
        // nothing for an open status.
        let c = Config::parse("statuses:\n  - {name: todo}\n  - {name: doing}\n  - {name: done}\n  - {name: cancelled}\n  - {name: later, done: false}\n").unwrap();
        assert!(!c.status("cancelled").unwrap().done);
        assert!(!c.status("later").unwrap().done && !c.status("later").unwrap().kind.is_closed());
        // Without a completed status that counts as done, the tree is refused.
        let e = Config::parse(
            "statuses:\n  - {name: todo}\n  - {name: doing}\n  - {name: cancelled}\n",
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "statuses: the list needs a status of kind completed that counts as done (done: false is won't do)"
        );
    }

    #[test]
    fn every_key_tix_init_writes_has_a_comment() {
        let text = Config::default().render();
        let mut in_transitions = false;
        let mut keys = 0;
        for line in text.lines() {
            let key = line.trim_start().split_once(':').map(|(k, _)| k);
            let is_key = key.is_some_and(|k| {
                !k.is_empty() && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            });
            if !line.starts_with(' ') {
                in_transitions = line.starts_with("transitions:");
            }
            // A transition's line is data (a status and where it may go),
            // which the `transitions` key's comment explains.
            if is_key && !(in_transitions && line.starts_with(' ')) {
                keys += 1;
                assert!(line.contains(" # "), "no comment: {line}");
            }
        }
        assert_eq!(keys, 16, "{text}");
    }

    #[test]
    fn lists_replace_and_maps_merge() {
        let c = Config::parse(
            "statuses:\n  - {name: pending, dir: todo}\n  - {name: in_progress, dir: doing}\n  - {name: completed, dir: done}\n  - {name: blocked, dir: blocked}\ntransitions:\n  pending: [in_progress, blocked]\n  blocked: [pending]\ngates:\n  unchecked_boxes_block_complete: false\n",
        )
        .unwrap();
        assert_eq!(c.statuses.len(), 4);
        assert!(c.allows("pending", "blocked"));
        assert!(c.allows("in_progress", "completed"), "default entry kept");
        assert!(!c.gates.unchecked_boxes_block_complete);
        assert!(c.gates.unmet_dependencies_block_start);
    }

    #[test]
    fn file_values_read_by_their_head_and_their_meaning() {
        let c = Config::parse(
            "statuses:\n  - {name: Backlog, dir: backlog}\n  - {name: todo, dir: todo}\n  - {name: doing, dir: doing}\n  - {name: done, dir: done}\n  - {name: dropped, dir: dropped, kind: completed}\n",
        )
        .unwrap();
        let read = |v: &str| c.read_status(v).map(|s| s.name.as_str());
        for (value, want) in [
            ("Backlog - Future (v2.2.0)", Some("Backlog")),
            ("DONE: shipped in 2.1", Some("done")),
            ("Dropped — superseded by X-4", Some("dropped")),
            ("✅ Completed - Architectural ceiling reached", Some("done")),
            ("Ready", Some("todo")),
            ("in review", Some("doing")),
            ("Draft", Some("Backlog")),
            ("Accepted", None),
            ("Ready to implement", None),
        ] {
            assert_eq!(read(value), want, "{value}");
        }
        // What init reads stays strict: only names, folders and aliases.
        assert_eq!(c.resolve("Ready").map(|s| s.name.as_str()), None);
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = Config::parse("id_prefix: TIX\nlock_timout_secs: 3\n").unwrap_err();
        assert!(e.message.contains("lock_timout_secs"), "{e:?}");
        assert_eq!(e.line, Some(2));
        let e = Config::parse("gates:\n  unchecked: true\n").unwrap_err();
        assert!(e.message.contains("unchecked"), "{e:?}");
    }

    #[test]
    fn bad_values_are_refused() {
        let three = |rest: &str| {
            format!(
                "statuses:\n  - {{name: pending, dir: todo}}\n  - {{name: in_progress, dir: doing}}\n  - {{name: completed, dir: done}}\n{rest}"
            )
        };
        for (bad, why) in [
            (
                three("  - {name: archived, dir: archive, kind: completed}\n"),
                "statuses: archived is the name of a kind, so its kind must be archived (or rename it)",
            ),
            (
                three("  - {name: Finished, dir: completed}\n"),
                "statuses: \"completed\" (of Finished) also means completed; each value must mean one status",
            ),
            (
                three("  - {name: shelved, dir: Done, kind: archived}\n"),
                "statuses: \"Done\" (of shelved) also means completed; each value must mean one status",
            ),
        ] {
            assert_eq!(Config::parse(&bad).unwrap_err().message, why, "{bad}");
        }
        for bad in [
            "statuses:\n  - {name: pending, dir: ../x}\n  - {name: in_progress, dir: b}\n  - {name: completed, dir: c}\n",
            "statuses:\n  - {name: pending, dir: a}\n",
            "transitions:\n  pending: [nowhere]\n",
            "id_prefix: ../\n",
            "lock_timeout_secs: -1\n",
        ] {
            assert!(Config::parse(bad).is_err(), "{bad}");
        }
    }
}
