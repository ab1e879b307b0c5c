//! One ticket file: split the frontmatter by byte offsets, read its keys, and edit
//! top-level keys by splicing bytes. The file is never re-serialised: every byte
//! that an edit does not have to change (comments, quoting, key order, CRLF, a
//! missing final newline, the body) is copied through, and every edit is checked
//! by parsing its result again (see [`edit`]).

use crate::frontmatter::Plain;
use serde_yaml::{Mapping, Value};
use std::borrow::Cow;
use std::fmt::Write as _;

/// A YAML value, as the frontmatter parses to (for tests and fuzzing).
pub use serde_yaml::Value as YamlValue;
use std::ops::Range;

pub use crate::id::{IdArg, IdKey, MAX_ID_LEN, format_id};

/// What `tix new` starts from when `templates/default.md` is absent.
pub const DEFAULT_TEMPLATE: &str = "---
id: TIX-0000
title:
status: pending
priority: medium
created:
labels: []
depends_on: []
---
## Context

What is wrong or missing, and why it matters.

## Acceptance criteria
- [ ] Describe what done looks like
";

/// Priorities, best first.
pub const PRIORITIES: [&str; 4] = ["critical", "high", "medium", "low"];
pub const DEFAULT_PRIORITY: &str = "medium";

/// What is wrong with one ticket file, with the 1-based line where it helps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub line: Option<usize>,
    pub message: String,
}

impl Malformed {
    fn at(line: usize, message: impl Into<String>) -> Self {
        Malformed {
            line: Some(line),
            message: message.into(),
        }
    }
}

/// The priority a value means, in any case and decoration: `HIGH`,
/// `🔥 CRITICAL`, `🟢 Low (optional)`, and the common synonyms (`urgent`,
/// `P0`–`P3`, `normal`, `minor`).
#[must_use]
pub fn priority_of(value: &str) -> Option<&'static str> {
    // As tix writes it: found without normalizing a copy.
    if let Some(p) = PRIORITIES.iter().find(|p| **p == value) {
        return Some(p);
    }
    let n = crate::text::normalize(value);
    let found = match n.as_str() {
        "critical" | "urgent" | "blocker" | "highest" | "p0" => "critical",
        "high" | "important" | "p1" => "high",
        "medium" | "normal" | "moderate" | "med" | "p2" => "medium",
        "low" | "minor" | "lowest" | "trivial" | "p3" => "low",
        _ => return None,
    };
    Some(found)
}

/// `index` of a priority in [`PRIORITIES`] (unknown sorts last).
#[must_use]
pub fn priority_rank(p: &str) -> usize {
    PRIORITIES
        .iter()
        .position(|x| *x == p)
        .unwrap_or(PRIORITIES.len())
}

// ---------------------------------------------------------------- lines

#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    /// End of the content, before `\n` or `\r\n`.
    end: usize,
    /// Start of the next line.
    next: usize,
}

struct Lines<'a> {
    text: &'a str,
    pos: usize,
    stop: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str, range: Range<usize>) -> Self {
        Lines {
            text,
            pos: range.start,
            stop: range.end,
        }
    }
}

impl Iterator for Lines<'_> {
    type Item = Line;
    fn next(&mut self) -> Option<Line> {
        if self.pos >= self.stop {
            return None;
        }
        let rest = &self.text[self.pos..self.stop];
        // `memchr`'s search: a ticket's lines are tens of bytes, which a
        // pass over each byte took most of a parse's splitting to go through.
        let (end, next) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) if i > 0 && rest.as_bytes()[i - 1] == b'\r' => (i - 1, i + 1),
            Some(i) => (i, i + 1),
            None => (rest.len(), rest.len()),
        };
        let line = Line {
            start: self.pos,
            end: self.pos + end,
            next: self.pos + next,
        };
        self.pos = line.next;
        Some(line)
    }
}

/// 1-based line number of a byte offset.
#[must_use]
pub fn line_of(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
}

// ---------------------------------------------------------------- split

/// Where the frontmatter is, in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The YAML between the `---` lines (starts after the opening line's end of
    /// line, ends at the start of the closing line).
    pub fm: Range<usize>,
    /// First byte after the closing `---` line and its end of line.
    pub body: usize,
    /// The line ending of the opening `---` line; new keys use it.
    pub eol: &'static str,
}

/// What a ticket says outside YAML: bold field lines near its top
/// (`**Status:** Open`, `- **Priority:** 🟡 Medium`, `**ID:** FEAT-164`), its
/// first heading (`# TICKET-0009: Add sources`), its file name. Read for a
/// ticket without frontmatter, and for keys a frontmatter lacks (`id`, `title`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BodyFields {
    pub id: Option<String>,
    pub title: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub created: Option<String>,
    pub started: Option<String>,
    pub completed: Option<String>,
    pub updated: Option<String>,
    pub agent: Option<String>,
    pub labels: Vec<String>,
    pub depends_on: Vec<String>,
    /// The file line of each field read from a bold line, by field name.
    pub lines: Vec<(&'static str, usize)>,
}

/// A ticket without frontmatter, read as it is: its id from a bold `ID`
/// field, its first heading or its file name; its status, priority, dates,
/// agent, labels and dependencies from bold fields (a priority or a date tix
/// cannot read is passed over: prose is not a contract); its boxes from the
/// whole text.
pub fn meta_without_frontmatter(
    text: &str,
    fields: &BodyFields,
    status_of: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Meta, Malformed> {
    if text.trim().is_empty() {
        return Err(Malformed::at(1, "the file is empty"));
    }
    if text.contains('\0') {
        return Err(Malformed::at(1, "not a text file (it holds NUL bytes)"));
    }
    let id = fields.id.clone().ok_or_else(|| {
        Malformed::at(
            1,
            "no frontmatter, and no id in an `**ID:**` line, the first heading or the file name",
        )
    })?;
    if !IdKey::is_id(&id) {
        return Err(Malformed {
            line: fields.line("id").or(Some(1)),
            message: format!("not a ticket id (like TIX-0007): {}", quote(&id)),
        });
    }
    let status = match &fields.status {
        Some(s) => Some(status_of(s).map_err(|why| Malformed {
            line: fields.line("status"),
            message: why,
        })?),
        None => None,
    };
    let time = |v: &Option<String>| {
        v.as_deref()
            .and_then(normalize_time)
            .map(|t| Text::from(t.into_owned()))
    };
    let (done, total) = progress(text, 0);
    Ok(Meta {
        id: id.into(),
        title: fields.title.clone().unwrap_or_default().into(),
        status: status.map(Text::from),
        priority: fields
            .priority
            .as_deref()
            .and_then(priority_of)
            .unwrap_or(DEFAULT_PRIORITY)
            .to_string()
            .into(),
        created: time(&fields.created),
        started: time(&fields.started),
        completed: time(&fields.completed),
        updated: time(&fields.updated),
        agent: fields.agent.clone().map(Text::from),
        labels: fields.labels.iter().cloned().map(Text::from).collect(),
        depends_on: fields.depends_on.iter().cloned().map(Text::from).collect(),
        done,
        total,
    })
}

/// The `status` value a ticket file says, as the parser reads it (its
/// frontmatter's `status`, else, with no frontmatter, a bold `**Status:**`
/// field), whatever it means; `None` without one or when it cannot be read.
#[must_use]
pub fn said_status(text: &str, name: &str) -> Option<String> {
    if opens_frontmatter(text) {
        Doc::parse(text).ok()?.string("status").ok()?
    } else {
        BodyFields::read(text, 0, name).status
    }
}

/// Whether a text starts (after a BOM) with a `---` line: it has a
/// frontmatter, readable or not.
#[must_use]
pub fn opens_frontmatter(text: &str) -> bool {
    let t = text.strip_prefix('\u{feff}').unwrap_or(text);
    t.lines()
        .next()
        .is_some_and(|l| is_delimiter(l.trim_end_matches('\r')))
}

/// The body's unchecked boxes, with or without a frontmatter: (file line,
/// the line's text).
#[must_use]
pub fn unchecked_boxes(text: &str) -> Vec<(usize, String)> {
    let body = split(text).map_or(0, |s| s.body);
    let mut out = Vec::new();
    for_each_box(text, body, |line, checked, t| {
        if !checked {
            out.push((line, t.trim().to_string()));
        }
    });
    out
}

/// How far down a ticket bold fields are looked for.
const FIELD_LINES: usize = 60;

impl BodyFields {
    /// Reads `text` from byte `from` (after a frontmatter, or 0); `name` is
    /// the file's name.
    #[must_use]
    pub fn read(text: &str, from: usize, name: &str) -> BodyFields {
        let mut f = BodyFields::default();
        let first_line = line_of(text, from);
        let mut heading: Option<&str> = None;
        for (n, line) in text[from..].lines().take(FIELD_LINES).enumerate() {
            let line = line.trim_end_matches('\r').trim();
            if heading.is_none()
                && let Some(h) = line.strip_prefix('#')
            {
                heading = Some(h.trim_start_matches('#').trim());
                continue;
            }
            let Some((key, value)) = bold_field(line) else {
                continue;
            };
            let at = first_line + n;
            let mut set = |slot: &mut Option<String>, name: &'static str| {
                if slot.is_none() && !value.is_empty() {
                    *slot = Some(value.clone());
                    f.lines.push((name, at));
                }
            };
            match crate::text::normalize(&key).as_str() {
                "id" | "ticket" | "ticket_id" | "key" => set(&mut f.id, "id"),
                "title" | "summary" => set(&mut f.title, "title"),
                "status" | "state" => set(&mut f.status, "status"),
                "priority" => set(&mut f.priority, "priority"),
                "created" | "date" | "opened" | "created_at" => set(&mut f.created, "created"),
                "started" | "started_at" => set(&mut f.started, "started"),
                "completed" | "completed_at" | "closed" | "resolved" | "done" => {
                    set(&mut f.completed, "completed");
                }
                "updated" | "updated_at" | "last_updated" => set(&mut f.updated, "updated"),
                "assignee" | "agent" | "owner" | "assigned_to" => set(&mut f.agent, "agent"),
                "labels" | "tags" if f.labels.is_empty() => {
                    f.labels = value
                        .split(',')
                        .map(|l| l.trim().trim_matches('`').to_string())
                        .filter(|l| !l.is_empty())
                        .collect();
                }
                "dependencies" | "depends_on" | "blocked_by" | "requires" => {
                    for word in value.split(|c: char| {
                        c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '[' | ']')
                    }) {
                        if IdKey::parse_numbered(word).is_some()
                            && !f.depends_on.iter().any(|d| d == word)
                        {
                            f.depends_on.push(word.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(h) = heading {
            // `TICKET-0009: Add sources`, `[TICKET-011] Something`, or a title.
            let h = h.trim_start_matches('[');
            let word_end = h
                .find(|c: char| c.is_whitespace() || matches!(c, ']' | ':'))
                .unwrap_or(h.len());
            let (first, rest) = h.split_at(word_end);
            if IdKey::parse_numbered(first).is_some() {
                if f.id.is_none() {
                    f.id = Some(first.to_string());
                }
                let rest = rest.trim_start_matches([']', ':', ' ', '-', '—', '–', '\t']);
                if f.title.is_none() && !rest.is_empty() {
                    f.title = Some(rest.to_string());
                }
            } else if f.title.is_none() && !h.is_empty() {
                f.title = Some(h.to_string());
            }
        }
        if f.id.is_none()
            && let Some((_, len)) =
                IdKey::file_name_parts(name).map(|(k, rest)| (k, name.len() - rest.len()))
        {
            f.id = Some(name[..len].to_string());
        }
        f
    }

    /// The file line a field was read from.
    #[must_use]
    pub fn line(&self, field: &str) -> Option<usize> {
        self.lines
            .iter()
            .find(|(n, _)| *n == field)
            .map(|(_, l)| *l)
    }
}

/// `(key, value)` of a bold field line: `**Key:** value`, `**Key**: value`,
/// with a list marker or not; an HTML comment in the value is dropped.
fn bold_field(line: &str) -> Option<(String, String)> {
    let line = line
        .strip_prefix("- ")
        .or_else(|| line.strip_prefix("* "))
        .unwrap_or(line)
        .trim_start();
    let inner = line.strip_prefix("**")?;
    let close = inner.find("**")?;
    let (key, after) = (&inner[..close], &inner[close + 2..]);
    let (key, value) = match key.strip_suffix(':') {
        Some(k) => (k, after),
        None => (key, after.strip_prefix(':')?),
    };
    let key = key.trim();
    if key.is_empty() || key.len() > 40 {
        return None;
    }
    let mut value = value.to_string();
    while let Some(open) = value.find("<!--") {
        match value[open..].find("-->") {
            Some(end) => value.replace_range(open..open + end + 3, ""),
            None => value.truncate(open),
        }
    }
    Some((key.to_string(), value.trim().to_string()))
}

/// Whether a markdown file is meant as a ticket, even one tix cannot read: its
/// name starts with an id; or its frontmatter (read or not) has an `id`,
/// `ticket_id` or `status` key, or a `title` with a `priority`, or its body's
/// first heading starts with an id, or a bold `**ID:**` field names one. A
/// file named as a README, index or template is one only when its `id` (key
/// or bold field) is an id with a number: a template's `id: TIX-XXXX` is a
/// placeholder. Anything else beside the tickets (`README.md`, `TEMPLATE.md`,
/// notes with a title) is neither a ticket nor a problem.
pub fn looks_like_ticket(name: &str, bytes: &[u8]) -> bool {
    if IdKey::from_file_name(name).is_some() {
        return true;
    }
    let stem = name.strip_suffix(".md").unwrap_or(name).to_lowercase();
    let by_name = stem == "readme" || stem == "index" || stem.contains("template");
    // An id's value names a ticket; for a file named as no ticket, only a
    // real one (with a number) does.
    let names_an_id = |value: &str| {
        let value = id_value(value);
        !value.is_empty() && (!by_name || IdKey::parse_numbered(value).is_some())
    };
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut lines = text.lines().peekable();
    let (mut title, mut priority) = (false, false);
    for (key, value) in frontmatter_fields(&mut lines) {
        match key.as_str() {
            "id" | "ticket_id" if by_name && names_an_id(value) => return true,
            "id" | "ticket_id" | "status" if !by_name => return true,
            "title" => title = true,
            "priority" => priority = true,
            _ => {}
        }
    }
    if title && priority && !by_name {
        return true;
    }
    let mut body = lines.map(str::trim).filter(|l| !l.is_empty());
    let heading_id = body
        .clone()
        .next()
        .and_then(|l| l.strip_prefix('#'))
        .map(|h| {
            h.trim_start_matches('#')
                .trim_start()
                .trim_start_matches('[')
        })
        .and_then(|h| {
            h.split(|c: char| c.is_whitespace() || c == ']' || c == ':')
                .next()
        })
        .is_some_and(|word| IdKey::parse_numbered(word).is_some());
    (heading_id && !by_name)
        || body.by_ref().take(FIELD_LINES).any(|l| {
            bold_field(l).is_some_and(|(key, value)| {
                matches!(
                    crate::text::normalize(&key).as_str(),
                    "id" | "ticket" | "ticket_id"
                ) && names_an_id(&value)
            })
        })
}

/// The `key: value` lines of the frontmatter at the start of `lines` (keys
/// lower-cased, unquoted), read line by line whether or not it parses as
/// YAML; `lines` is left after the closing `---`. Nothing without one.
fn frontmatter_fields<'t>(
    lines: &mut std::iter::Peekable<std::str::Lines<'t>>,
) -> impl Iterator<Item = (String, &'t str)> {
    let opened = lines
        .peek()
        .is_some_and(|l| is_delimiter(l.trim_end_matches('\r')));
    if opened {
        lines.next();
    }
    let mut fields = Vec::new();
    if opened {
        for line in lines.by_ref() {
            let line = line.trim_end_matches('\r');
            if is_delimiter(line) {
                break;
            }
            if let Some((key, value)) = line.split_once(':') {
                let key = key.trim().trim_matches(['"', '\'']).to_ascii_lowercase();
                fields.push((key, value));
            }
        }
    }
    fields.into_iter()
}

/// Whether a file declares a ticket's id, by its name or an `id` or
/// `ticket_id` key with a value in the frontmatter at the start of `head`:
/// the evidence that a folder tix does not read holds tickets, stricter than
/// [`looks_like_ticket`] because such a folder may be anything (`src/`,
/// `node_modules/`).
#[must_use]
pub fn declares_id(name: &str, head: &[u8]) -> bool {
    if IdKey::from_file_name(name).is_some() {
        return true;
    }
    let text = String::from_utf8_lossy(head);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut lines = text.lines().peekable();
    frontmatter_fields(&mut lines).any(|(key, value)| {
        matches!(key.as_str(), "id" | "ticket_id") && IdKey::is_id(id_value(value))
    })
}

/// An id as a line of frontmatter or a bold field writes it: without a
/// trailing comment, spaces or quotes.
fn id_value(value: &str) -> &str {
    let value = value.split(" #").next().unwrap_or(value);
    value.trim().trim_matches(['"', '\''])
}

/// Finds the frontmatter: the file starts (after an optional BOM) with a `---`
/// line and the first later `---` line closes it.
pub fn split(text: &str) -> Result<Split, Malformed> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut lines = Lines::new(text, bom..text.len());
    let first = match lines.next() {
        Some(l) if is_delimiter(&text[l.start..l.end]) && l.next > l.end => l,
        _ => {
            return Err(Malformed::at(
                1,
                "no frontmatter: a ticket starts with a `---` line",
            ));
        }
    };
    let eol = if &text[first.end..first.next] == "\r\n" {
        "\r\n"
    } else {
        "\n"
    };
    for l in lines {
        if is_delimiter(&text[l.start..l.end]) {
            return Ok(Split {
                fm: first.next..l.start,
                body: l.next,
                eol,
            });
        }
    }
    Err(Malformed::at(
        1,
        "the frontmatter opened on line 1 has no closing `---` line",
    ))
}

fn is_delimiter(line: &str) -> bool {
    line.trim_end_matches([' ', '\t']) == "---"
}

// ---------------------------------------------------------------- git conflicts

/// A file git left with conflict markers: its two sides, whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The line of the first `<<<<<<<` marker.
    pub line: usize,
    pub ours: String,
    pub theirs: String,
    /// What follows the markers: `HEAD`, or `HEAD:path` when git renamed it two ways.
    pub ours_label: String,
    pub theirs_label: String,
    /// Every conflict is inside the frontmatter (the body merged cleanly).
    pub frontmatter_only: bool,
}

/// The two sides of a file with git conflict markers (`<<<<<<<`, an optional
/// `|||||||` base, `=======`, `>>>>>>>`; git uses more than seven for nested
/// ones); `None` when it has none, or they do not pair up.
pub fn conflict(text: &str) -> Option<Conflict> {
    // Most files have no marker: one search says so.
    if !text.starts_with("<<<<<<<") && !text.contains("\n<<<<<<<") {
        return None;
    }
    fn marker(line: &str, c: char) -> Option<&str> {
        let run = line.chars().take_while(|x| *x == c).count();
        (run >= 7 && (line.len() == run || line[run..].starts_with(' ')))
            .then(|| line[run..].trim())
    }
    #[derive(PartialEq)]
    enum In {
        Both,
        Ours,
        Base,
        Theirs,
    }
    let mut at = In::Both;
    let (mut ours, mut theirs) = (String::new(), String::new());
    let (mut first, mut labels) = (None, None::<(String, String)>);
    let mut ours_label = String::new();
    // `---` lines seen on each side: a conflict is inside the frontmatter when
    // it opens and closes after the opening one and before the closing one,
    // on both sides.
    let (mut ours_d, mut theirs_d, mut frontmatter_only) = (0, 0, true);
    for (n, full) in text.split_inclusive('\n').enumerate() {
        let line = full.trim_end_matches(['\n', '\r']);
        let delimiter = usize::from(is_delimiter(line));
        match at {
            In::Both => {
                if let Some(label) = marker(line, '<') {
                    first.get_or_insert(n + 1);
                    ours_label = label.to_string();
                    frontmatter_only &= ours_d == 1 && theirs_d == 1;
                    at = In::Ours;
                    continue;
                }
                ours_d += delimiter;
                theirs_d += delimiter;
                ours.push_str(full);
                theirs.push_str(full);
            }
            In::Ours | In::Base if marker(line, '=').is_some_and(str::is_empty) => at = In::Theirs,
            In::Ours if marker(line, '|').is_some() => at = In::Base,
            In::Ours => {
                ours_d += delimiter;
                ours.push_str(full);
            }
            In::Base => {}
            In::Theirs => {
                if let Some(label) = marker(line, '>') {
                    labels.get_or_insert((ours_label.clone(), label.to_string()));
                    frontmatter_only &= ours_d == 1 && theirs_d == 1;
                    at = In::Both;
                } else {
                    theirs_d += delimiter;
                    theirs.push_str(full);
                }
            }
        }
    }
    let (ours_label, theirs_label) = labels?;
    (at == In::Both).then_some(Conflict {
        line: first?,
        ours,
        theirs,
        ours_label,
        theirs_label,
        frontmatter_only,
    })
}

// ---------------------------------------------------------------- parse

/// A ticket file, split and its frontmatter parsed.
#[derive(Debug)]
pub struct Doc<'a> {
    pub text: &'a str,
    pub split: Split,
    pub keys: Keys<'a>,
}

/// A frontmatter's top-level keys and values, as the plain reader gives
/// them (a short list, looked through) or as `serde_yaml` does.
#[derive(Debug)]
pub enum Keys<'a> {
    Plain(Vec<(&'a str, Plain<'a>)>),
    Yaml(Mapping),
}

/// One key's value, as either reader gave it.
#[derive(Debug, Clone, Copy)]
pub enum Field<'k> {
    Plain(&'k Plain<'k>),
    Yaml(&'k Value),
}

impl<'k> Field<'k> {
    fn is_null(self) -> bool {
        matches!(self, Field::Plain(Plain::Null) | Field::Yaml(Value::Null))
    }

    /// The text of a scalar (string, number, bool), borrowed when it is
    /// text; `None` for null, lists and maps.
    fn scalar(self) -> Option<Cow<'k, str>> {
        match self {
            Field::Plain(Plain::Str(s)) => Some(Cow::Borrowed(s)),
            Field::Plain(Plain::Num(n)) => Some(Cow::Owned(n.to_string())),
            Field::Plain(_) => None,
            Field::Yaml(v) => scalar_cow(v),
        }
    }

    /// The value as `serde_yaml` gives it.
    #[must_use]
    pub fn to_value(self) -> Value {
        match self {
            Field::Plain(p) => p.to_value(),
            Field::Yaml(v) => v.clone(),
        }
    }
}

impl Keys<'_> {
    /// The value of `key`, null or not.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<Field<'_>> {
        match self {
            // Looked up some twenty times a ticket: the length and the
            // first byte tell most keys apart without a call to compare.
            Keys::Plain(pairs) => pairs
                .iter()
                .find(|(k, _)| {
                    k.len() == key.len()
                        && k.as_bytes().first() == key.as_bytes().first()
                        && *k == key
                })
                .map(|(_, v)| Field::Plain(v)),
            Keys::Yaml(map) => map.get(key).map(Field::Yaml),
        }
    }

    /// The keys as a YAML mapping: what an edit's result is compared with.
    #[must_use]
    pub fn to_mapping(&self) -> Mapping {
        match self {
            Keys::Plain(pairs) => pairs
                .iter()
                .map(|(k, v)| (Value::String((*k).to_string()), v.to_value()))
                .collect(),
            Keys::Yaml(map) => map.clone(),
        }
    }
}

impl<'a> Doc<'a> {
    pub fn parse(text: &'a str) -> Result<Doc<'a>, Malformed> {
        let split = split(text)?;
        let keys = parse_keys(text, &split)?;
        Ok(Doc { text, split, keys })
    }

    #[must_use]
    pub fn body(&self) -> &'a str {
        &self.text[self.split.body..]
    }

    /// The line of a top-level key, for messages.
    #[must_use]
    pub fn line_of_key(&self, key: &str) -> Option<usize> {
        top_level_keys(self.text, &self.split)
            .into_iter()
            .find(|k| k.key == key)
            .map(|k| line_of(self.text, k.start))
    }

    fn get(&self, key: &str) -> Option<Field<'_>> {
        self.keys.get(key).filter(|v| !v.is_null())
    }

    fn bad(&self, key: &str, message: String) -> Malformed {
        Malformed {
            line: self
                .line_of_key(key)
                .or(Some(line_of(self.text, self.split.fm.start))),
            message,
        }
    }

    fn string(&self, key: &str) -> Result<Option<String>, Malformed> {
        Ok(self.str_of(key)?.map(Cow::into_owned))
    }

    /// [`Doc::string`], borrowed from the frontmatter's value when it is
    /// text (as it nearly always is): no copy for each field of each ticket.
    fn str_of(&self, key: &str) -> Result<Option<Cow<'_, str>>, Malformed> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .scalar()
                .map(Some)
                .ok_or_else(|| self.bad(key, format!("`{key}` must be a single value"))),
        }
    }

    fn time(&self, key: &str) -> Result<Option<Cow<'_, str>>, Malformed> {
        let Some(s) = self.str_of(key)? else {
            return Ok(None);
        };
        // Borrowed from the frontmatter when it is already so.
        let normal = match &s {
            Cow::Borrowed(b) => normalize_time(b),
            Cow::Owned(o) => normalize_time(o).map(|t| Cow::Owned(t.into_owned())),
        };
        normal.map(Some).ok_or_else(|| {
            self.bad(
                key,
                format!("`{key}` is not an RFC 3339 time: {}", quote(&s)),
            )
        })
    }

    /// The ids a key names, however it is shaped: a value (`TASK-12 - the
    /// login`), a list of them, or a map of lists (`requires: [X-1]`; a list
    /// under `blocks`, `enables` or `related` is not a dependency). Values
    /// without an id at their start are passed over.
    fn ids_in(&self, key: &str) -> Vec<String> {
        fn walk(v: Field<'_>, out: &mut Vec<String>) {
            match v {
                Field::Plain(Plain::Seq(items)) => {
                    items.iter().for_each(|i| walk(Field::Plain(i), out));
                }
                Field::Yaml(Value::Sequence(items)) => {
                    items.iter().for_each(|i| walk(Field::Yaml(i), out));
                }
                Field::Yaml(Value::Mapping(m)) => {
                    for (k, v) in m {
                        let k = k.as_str().map(crate::text::normalize).unwrap_or_default();
                        if !matches!(
                            k.as_str(),
                            "blocks"
                                | "enables"
                                | "unblocks"
                                | "related"
                                | "relates_to"
                                | "see_also"
                        ) {
                            walk(Field::Yaml(v), out);
                        }
                    }
                }
                other => {
                    if let Some(text) = other.scalar()
                        && let Some(word) = text
                            .split(|c: char| {
                                c.is_whitespace() || matches!(c, ',' | ':' | '(' | ')' | '[' | ']')
                            })
                            .find(|w| !w.is_empty())
                        && IdKey::parse_numbered(word).is_some()
                    {
                        out.push(word.to_string());
                    }
                }
            }
        }
        let mut out = Vec::new();
        if let Some(v) = self.get(key) {
            walk(v, &mut out);
        }
        out
    }

    fn list(&self, key: &str) -> Result<Vec<Cow<'_, str>>, Malformed> {
        let items = match self.get(key) {
            None => return Ok(Vec::new()),
            Some(Field::Plain(Plain::Seq(items))) => {
                items.iter().map(|i| Field::Plain(i).scalar()).collect()
            }
            Some(Field::Yaml(Value::Sequence(items))) => {
                items.iter().map(|i| Field::Yaml(i).scalar()).collect()
            }
            Some(v) => v.scalar().map(|s| vec![s]),
        };
        items.ok_or_else(|| self.bad(key, format!("`{key}` must be a list of values")))
    }

    /// Reads the keys tix knows. `status_of` turns the file's `status` value
    /// into the configured status's name, or says why it cannot.
    pub fn meta(
        &self,
        status_of: &dyn Fn(&str) -> Result<String, String>,
    ) -> Result<Meta, Malformed> {
        self.meta_with(status_of, &BodyFields::default())
    }

    /// Whether the frontmatter lacks what [`BodyFields`] may supply (an id or
    /// a title).
    #[must_use]
    pub fn lacks_id_or_title(&self) -> bool {
        (self.get("id").is_none() && self.get("ticket_id").is_none()) || self.get("title").is_none()
    }

    /// [`Doc::meta`], with an id and a title the body or the file name gives
    /// when the frontmatter has none.
    pub fn meta_with<'t>(
        &'t self,
        status_of: &dyn Fn(&str) -> Result<String, String>,
        body: &'t BodyFields,
    ) -> Result<Meta, Malformed> {
        // `id`, else `ticket_id` (as some trees name it), else the body's.
        let id_key = if self.get("id").is_none() && self.get("ticket_id").is_some() {
            "ticket_id"
        } else {
            "id"
        };
        // Borrowed from the frontmatter's values (or the body's fields)
        // until packed into the ticket's one allocation below.
        let id = match (self.str_of(id_key)?, &body.id) {
            (Some(id), _) => id,
            (None, Some(id)) => Cow::Borrowed(id.as_str()),
            (None, None) => return Err(self.bad("id", "no `id` in the frontmatter".into())),
        };
        if !IdKey::is_id(&id) {
            return Err(self.bad(
                id_key,
                format!("`id` is not a ticket id (like TIX-0007): {}", quote(&id)),
            ));
        }
        let status = match self.str_of("status")? {
            Some(s) => Some(Cow::Owned(
                status_of(&s).map_err(|why| self.bad("status", why))?,
            )),
            None => None,
        };
        // A frontmatter without an id sits on a ticket whose fields are in its
        // body (tix put it there on a first move): what it lacks, the body says.
        let from_body = self.get("id").is_none() && self.get("ticket_id").is_none();
        let body_priority = || {
            body.priority
                .as_deref()
                .and_then(priority_of)
                .filter(|_| from_body)
        };
        let priority = match self.str_of("priority")? {
            None => body_priority().unwrap_or(DEFAULT_PRIORITY),
            Some(p) => priority_of(&p).ok_or_else(|| {
                self.bad(
                    "priority",
                    format!(
                        "unknown priority {} (expected {}, in any case)",
                        quote(&p),
                        PRIORITIES.join(", ")
                    ),
                )
            })?,
        };
        let mut depends_on = self.list("depends_on")?;
        if let Some(bad) = depends_on.iter().find(|d| !IdKey::is_id(d)) {
            return Err(self.bad(
                "depends_on",
                format!(
                    "`depends_on` names {}, which is not a ticket id",
                    quote(bad)
                ),
            ));
        }
        // Other trees' dependency keys: the ids their values start with.
        for key in ["dependencies", "parent"] {
            for id in self.ids_in(key) {
                if !depends_on
                    .iter()
                    .any(|d| IdKey::parse(d) == IdKey::parse(&id))
                {
                    depends_on.push(Cow::Owned(id));
                }
            }
        }
        if from_body && depends_on.is_empty() {
            depends_on = body
                .depends_on
                .iter()
                .map(|d| Cow::Borrowed(d.as_str()))
                .collect();
        }
        let (done, total) = progress(self.text, self.split.body);
        let time = |key: &str, fallback: &'t Option<String>| -> Result<_, Malformed> {
            Ok(self.time(key)?.or_else(|| {
                fallback
                    .as_deref()
                    .filter(|_| from_body)
                    .and_then(normalize_time)
            }))
        };
        let labels = match self.list("labels")? {
            l if l.is_empty() && from_body => body
                .labels
                .iter()
                .map(|l| Cow::Borrowed(l.as_str()))
                .collect(),
            l => l,
        };
        let title = self
            .str_of("title")?
            .or_else(|| body.title.as_deref().map(Cow::Borrowed))
            .unwrap_or_default();
        let optional = [
            status,
            time("created", &body.created)?,
            time("started", &body.started)?,
            time("completed", &body.completed)?,
            time("updated", &body.updated)?,
            self.str_of("agent")?.or_else(|| {
                body.agent
                    .as_deref()
                    .filter(|_| from_body)
                    .map(Cow::Borrowed)
            }),
        ];
        // Every string of the ticket in one allocation.
        let parts: Vec<&str> = [&*id, &*title]
            .into_iter()
            .chain(optional.iter().map(|o| o.as_deref().unwrap_or_default()))
            .chain(labels.iter().map(|l| &**l))
            .chain(depends_on.iter().map(|d| &**d))
            .collect();
        let mut texts = crate::share::pack(&parts);
        let mut next = || texts.next().unwrap_or_default();
        let (id, title) = (next(), next());
        let [status, created, started, completed, updated, agent] = optional
            .each_ref()
            .map(|o| Some(next()).filter(|_| o.is_some()));
        let labels = labels.iter().map(|_| next()).collect();
        let depends_on = depends_on.iter().map(|_| next()).collect();
        Ok(Meta {
            id,
            title,
            status,
            priority: Text::from(priority),
            created,
            started,
            completed,
            updated,
            agent,
            labels,
            depends_on,
            done,
            total,
        })
    }

    /// The body's unchecked boxes: (file line, the line's text).
    #[must_use]
    pub fn unchecked_boxes(&self) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for_each_box(self.text, self.split.body, |line, checked, text| {
            if !checked {
                out.push((line, text.trim().to_string()));
            }
        });
        out
    }
}

/// Text read from a ticket or from the index: a slice of the index's text
/// (see `tree::index`), owned when parsed from a file.
pub use crate::share::Text;

/// What tix reads from a ticket's frontmatter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Meta {
    pub id: Text,
    pub title: Text,
    /// As written; `None` means "take the folder's".
    pub status: Option<Text>,
    pub priority: Text,
    pub created: Option<Text>,
    pub started: Option<Text>,
    pub completed: Option<Text>,
    pub updated: Option<Text>,
    pub agent: Option<Text>,
    pub labels: Vec<Text>,
    pub depends_on: Vec<Text>,
    /// Checked boxes in the body.
    pub done: u32,
    /// All boxes in the body.
    pub total: u32,
}

fn parse_keys<'a>(text: &'a str, split: &Split) -> Result<Keys<'a>, Malformed> {
    if let Some(pairs) = crate::frontmatter::simple_pairs(&text[split.fm.clone()]) {
        return Ok(Keys::Plain(pairs));
    }
    let first_line = line_of(text, split.fm.start);
    match serde_yaml::from_str::<Value>(&text[split.fm.clone()]) {
        Ok(Value::Mapping(m)) => Ok(Keys::Yaml(m)),
        Ok(Value::Null) => Ok(Keys::Yaml(Mapping::new())),
        Ok(_) => Err(Malformed::at(
            first_line,
            "the frontmatter is not a mapping of keys",
        )),
        Err(e) => {
            let message = yaml_message(&e);
            // A key given twice: the line of its second appearance.
            let twice = message
                .split_once("duplicate entry with key \"")
                .and_then(|(_, k)| k.split_once('"'))
                .and_then(|(k, _)| {
                    top_level_keys(text, split)
                        .into_iter()
                        .filter(|kl| kl.key == k)
                        .nth(1)
                        .map(|kl| line_of(text, kl.start))
                });
            let line = twice.or(e.location().map(|l| first_line + l.line() - 1));
            Err(Malformed {
                line,
                message: format!("invalid YAML in the frontmatter: {message}"),
            })
        }
    }
}

/// A YAML error's message without its positions (they count from the start of
/// the YAML, not of the file; the caller reports the file's line).
#[must_use]
pub fn yaml_message(e: &serde_yaml::Error) -> String {
    let text = e.to_string();
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find(" at line ") {
        out.push_str(&rest[..i]);
        let after = &rest[i + " at line ".len()..];
        let skip_digits = |s: &str| {
            s.trim_start_matches(|c: char| c.is_ascii_digit())
                .to_string()
        };
        let after = skip_digits(after);
        let after = after
            .strip_prefix(" column ")
            .map(skip_digits)
            .unwrap_or(after);
        rest = &rest[rest.len() - after.len()..];
    }
    out.push_str(rest);
    out
}

/// The text of a scalar (string, number, bool), borrowed when the value
/// is text; `None` for lists and maps.
fn scalar_cow(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Owned(b.to_string())),
        Value::Tagged(t) => scalar_cow(&t.value),
        _ => None,
    }
}

/// RFC 3339 in UTC with a `Z` (`2026-11-24T13:40:07Z`); a bare date means midnight UTC.
#[must_use]
pub fn normalize_time(s: &str) -> Option<Cow<'_, str>> {
    let s = s.trim();
    // Already so (as tix writes every time): kept as it is, borrowed,
    // without a parse and a format that would give it back unchanged.
    if is_utc_second(s) {
        return Some(Cow::Borrowed(s));
    }
    time_by_chrono(s).map(Cow::Owned)
}

/// [`normalize_time`] by chrono alone: a parse, then a format.
fn time_by_chrono(s: &str) -> Option<String> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
    let s = s.trim();
    let utc: DateTime<Utc> = if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        t.with_timezone(&Utc)
    } else if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S") {
        t.and_utc()
    } else if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S") {
        t.and_utc()
    } else {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()?
            .and_hms_opt(0, 0, 0)?
            .and_utc()
    };
    Some(utc.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// Whether `s` is `YYYY-MM-DDTHH:MM:SSZ` naming a real day and a second of
/// it (no leap second): what [`normalize_time`] would give back unchanged.
fn is_utc_second(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 20 || b[19] != b'Z' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| {
        b[r.clone()]
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| b[r].iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if seps.iter().any(|&(i, c)| b[i] != c) {
        return false;
    }
    match (
        digits(0..4),
        digits(5..7),
        digits(8..10),
        digits(11..13),
        digits(14..16),
        digits(17..19),
    ) {
        (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(se)) => {
            h < 24
                && mi < 60
                && se < 60
                && i32::try_from(y)
                    .ok()
                    .and_then(|y| chrono::NaiveDate::from_ymd_opt(y, mo, d))
                    .is_some()
        }
        _ => false,
    }
}

/// A value quoted for a message, with control characters made visible.
#[must_use]
pub fn quote(s: &str) -> String {
    format!("{s:?}")
}

// ---------------------------------------------------------------- boxes

fn for_each_box(text: &str, body: usize, mut f: impl FnMut(usize, bool, &str)) {
    let mut fence: Option<char> = None;
    for (line_no, l) in (line_of(text, body)..).zip(Lines::new(text, body..text.len())) {
        let s = &text[l.start..l.end];
        let t = s.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            let c = t.chars().next().unwrap_or('`');
            fence = match fence {
                None => Some(c),
                Some(open) if open == c => None,
                other => other,
            };
        } else if fence.is_none()
            && let Some(checked) = box_state(t)
        {
            f(line_no, checked, s);
        }
    }
}

/// `Some(checked)` when a (trimmed) line is a task-list item: `- [ ]`, `* [x]`, `1. [X]`.
fn box_state(t: &str) -> Option<bool> {
    let rest = if let Some(r) = t.strip_prefix(['-', '*', '+']) {
        r
    } else {
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        t[digits..].strip_prefix(['.', ')'])?
    };
    let rest = rest.strip_prefix(' ')?.trim_start();
    let mark = rest.strip_prefix('[')?;
    let (state, after) = mark.split_at_checked(2)?;
    if !(after.is_empty() || after.starts_with([' ', '\t'])) {
        return None;
    }
    match state {
        " ]" => Some(false),
        "x]" | "X]" => Some(true),
        _ => None,
    }
}

/// (checked, total) boxes in the body.
fn progress(text: &str, body: usize) -> (u32, u32) {
    let (mut done, mut total) = (0, 0);
    for_each_box(text, body, |_, checked, _| {
        total += 1;
        done += u32::from(checked);
    });
    (done, total)
}

// ---------------------------------------------------------------- keys

/// A top-level `key:` line of the frontmatter and the extent of its value.
#[derive(Debug, Clone)]
struct KeyLine {
    key: String,
    /// Start of the key's line.
    start: usize,
    /// Just after the `:`.
    colon: usize,
    /// End of the key line's content.
    line_end: usize,
    /// End of the content of the value's last line (continuation lines included).
    region_end: usize,
}

fn top_level_keys(text: &str, split: &Split) -> Vec<KeyLine> {
    let lines: Vec<Line> = Lines::new(text, split.fm.clone()).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        let s = &text[l.start..l.end];
        let Some((key, colon)) = parse_key(s) else {
            i += 1;
            continue;
        };
        let inline_empty = {
            let v = s[colon..].trim_start();
            v.is_empty() || v.starts_with('#')
        };
        let mut last = i;
        let mut j = i + 1;
        while j < lines.len() {
            let c = &text[lines[j].start..lines[j].end];
            if c.trim().is_empty() || c.trim_start().starts_with('#') {
                // Blank and comment lines belong to the value only when more of
                // it follows; trailing ones are left where they are.
                j += 1;
            } else if c.starts_with([' ', '\t'])
                || (inline_empty && (c == "-" || c.starts_with("- ") || c.starts_with("-\t")))
            {
                last = j;
                j += 1;
            } else {
                break;
            }
        }
        out.push(KeyLine {
            key,
            start: l.start,
            colon: l.start + colon,
            line_end: l.end,
            region_end: lines[last].end,
        });
        i = last + 1;
    }
    out
}

/// `Some((key, offset after the colon))` for a top-level `key: …` line.
fn parse_key(s: &str) -> Option<(String, usize)> {
    let first = *s.as_bytes().first()?;
    if first == b'"' || first == b'\'' {
        let close = closing_quote(s, 0)?;
        let key: String = serde_yaml::from_str(&s[..=close]).ok()?;
        let after = &s[close + 1..];
        let ws = after.len() - after.trim_start_matches([' ', '\t']).len();
        let rest = &after[ws..];
        let colon = close + 1 + ws;
        return (rest.starts_with(':') && ends_token(&rest[1..])).then(|| (key, colon + 1));
    }
    if b" \t#-?:,[]{}&*!|>'\"%@`".contains(&first) {
        return None;
    }
    let mut from = 0;
    while let Some(i) = s[from..].find(':') {
        let at = from + i;
        if ends_token(&s[at + 1..]) {
            let key = s[..at].trim_end();
            if key.contains(" #") {
                return None;
            }
            return Some((key.to_string(), at + 1));
        }
        from = at + 1;
    }
    None
}

fn ends_token(rest: &str) -> bool {
    rest.is_empty() || rest.starts_with([' ', '\t'])
}

/// Byte index of the quote that closes the quoted scalar opening at `open`, on
/// this line (`''` is an escaped quote in single quotes, `\"` in double quotes).
fn closing_quote(s: &str, open: usize) -> Option<usize> {
    let b = s.as_bytes();
    let q = b[open];
    let mut i = open + 1;
    while i < b.len() {
        if q == b'"' && b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == q {
            if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
    None
}

// ---------------------------------------------------------------- edit

/// A value to set, or the key to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewValue {
    Str(String),
    List(Vec<String>),
    /// The key's lines go (nothing happens when it is absent).
    Remove,
}

impl NewValue {
    /// The value as YAML; `None` for [`NewValue::Remove`].
    fn to_yaml(&self) -> Option<Value> {
        match self {
            NewValue::Str(s) => Some(Value::String(s.clone())),
            NewValue::List(items) => Some(Value::Sequence(
                items.iter().cloned().map(Value::String).collect(),
            )),
            NewValue::Remove => None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
}

/// Sets top-level keys, changing only the bytes of their values; a missing key is
/// appended at the end of the frontmatter with the file's line ending. The result
/// is parsed again and must equal the old mapping plus exactly these changes,
/// with the bytes before and after the frontmatter identical; otherwise the edit
/// is refused and nothing is returned.
pub fn edit(text: &str, changes: &[(&str, NewValue)]) -> Result<String, Malformed> {
    if !opens_frontmatter(text) {
        return insert_frontmatter(text, changes);
    }
    let doc = Doc::parse(text)?;
    let keys = top_level_keys(text, &doc.split);
    let mut splices: Vec<(Range<usize>, String)> = Vec::new();
    let mut appended = String::new();
    for (key, value) in changes {
        match keys.iter().find(|k| k.key == *key) {
            Some(k) if *value == NewValue::Remove => {
                // The key's line and its value's lines, with their line end.
                let rest = &text[k.region_end..];
                let eol = if rest.starts_with("\r\n") {
                    2
                } else {
                    usize::from(rest.starts_with('\n'))
                };
                splices.push((k.start..k.region_end + eol, String::new()));
            }
            Some(k) => splices.push(value_splice(text, k, value)),
            None if *value == NewValue::Remove => {}
            None => {
                appended.push_str(key);
                appended.push_str(": ");
                appended.push_str(&render(value, Style::Plain));
                appended.push_str(doc.split.eol);
            }
        }
    }
    if !appended.is_empty() {
        splices.push((doc.split.fm.end..doc.split.fm.end, appended));
    }
    splices.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut out = text.to_string();
    for (range, with) in splices {
        out.replace_range(range, &with);
    }
    guard(&doc, &out, changes)?;
    Ok(out)
}

/// A ticket without frontmatter gets one at its top, after a BOM, holding
/// only the keys set, with the file's line ending; every old byte follows it
/// unchanged. Checked like every edit: the result must parse to exactly those
/// keys, with the whole old text as its body.
fn insert_frontmatter(text: &str, changes: &[(&str, NewValue)]) -> Result<String, Malformed> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let eol = match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    };
    let mut block = format!("---{eol}");
    let mut expected = Mapping::new();
    for (key, value) in changes {
        if let Some(v) = value.to_yaml() {
            let _ = write!(block, "{key}: {}{eol}", render(value, Style::Plain));
            expected.insert(Value::String(key.to_string()), v);
        }
    }
    let _ = write!(block, "---{eol}");
    let out = format!("{}{block}{}", &text[..bom], &text[bom..]);
    let refuse = |why: &str| Malformed {
        line: Some(1),
        message: format!("refusing to add a frontmatter: {why}"),
    };
    let new = Doc::parse(&out).map_err(|_| refuse("the result would not parse"))?;
    if new.body() != &text[bom..] {
        return Err(refuse("the text would change"));
    }
    if new.keys.to_mapping() != expected {
        return Err(refuse("the keys would not read back"));
    }
    Ok(out)
}

fn guard(old: &Doc<'_>, new_text: &str, changes: &[(&str, NewValue)]) -> Result<(), Malformed> {
    let refuse = |why: &str| Malformed {
        line: Some(line_of(old.text, old.split.fm.start)),
        message: format!(
            "refusing to edit the frontmatter: {why} (its layout is not one tix can edit byte-exactly)"
        ),
    };
    let new = Doc::parse(new_text).map_err(|_| refuse("the result would not parse"))?;
    if new_text[..new.split.fm.start] != old.text[..old.split.fm.start] {
        return Err(refuse("the opening line would change"));
    }
    if new.body() != old.body() {
        return Err(refuse("the body would change"));
    }
    if comment_lines(new_text, &new.split) != comment_lines(old.text, &old.split) {
        return Err(refuse("a comment would be lost"));
    }
    let mut expected = old.keys.to_mapping();
    for (key, value) in changes {
        let key = Value::String(key.to_string());
        match value.to_yaml() {
            Some(v) => expected.insert(key, v),
            None => expected.remove(&key),
        };
    }
    if new.keys.to_mapping() != expected {
        return Err(refuse("other keys would change"));
    }
    Ok(())
}

fn value_splice(text: &str, k: &KeyLine, value: &NewValue) -> (Range<usize>, String) {
    let whole = |style| (k.colon..k.region_end, format!(" {}", render(value, style)));
    if k.region_end != k.line_end {
        return whole(Style::Plain);
    }
    let line = &text[k.colon..k.line_end];
    let ws = line.len() - line.trim_start_matches([' ', '\t']).len();
    let tok = k.colon + ws;
    let rest = &text[tok..k.line_end];
    if matches!(value, NewValue::List(_)) && !rest.is_empty() && !rest.starts_with('#') {
        return (tok..tok + value_end(rest), render(value, Style::Plain));
    }
    match rest.as_bytes().first() {
        None | Some(b'#') => (
            k.colon..k.colon,
            format!(" {}", render(value, Style::Plain)),
        ),
        Some(q @ (b'"' | b'\'')) => {
            let style = if *q == b'"' {
                Style::Double
            } else {
                Style::Single
            };
            match closing_quote(rest, 0) {
                Some(close) => (tok..tok + close + 1, render(value, style)),
                None => whole(style),
            }
        }
        Some(b'|' | b'>' | b'[' | b'{' | b'&' | b'!' | b'*') => {
            let end = value_end(rest);
            (tok..tok + end, render(value, Style::Plain))
        }
        Some(_) => {
            let end = [" #", "\t#"]
                .iter()
                .filter_map(|m| rest.find(m))
                .min()
                .unwrap_or(rest.len());
            let token = rest[..end].trim_end_matches([' ', '\t']);
            (tok..tok + token.len(), render(value, Style::Plain))
        }
    }
}

/// Where a one-line value that is not a plain scalar (a tag, an anchor, a flow
/// collection) ends and its trailing `# comment` begins: the first ` #` before
/// which the line still means the same. The parser decides, so a `#` inside
/// quotes is never taken for a comment.
fn value_end(rest: &str) -> usize {
    let parse = |v: &str| serde_yaml::from_str::<Value>(&format!("k: {v}")).ok();
    let whole = parse(rest);
    let mut from = 0;
    while let Some(i) = rest[from..].find('#') {
        let at = from + i;
        if at > 0 && rest.as_bytes()[at - 1].is_ascii_whitespace() {
            let cut = rest[..at].trim_end_matches([' ', '\t']);
            if whole.is_some() && parse(cut) == whole {
                return cut.len();
            }
        }
        from = at + 1;
    }
    rest.len()
}

/// The comment-only lines of the frontmatter, in order.
fn comment_lines<'t>(text: &'t str, split: &Split) -> Vec<&'t str> {
    Lines::new(text, split.fm.clone())
        .map(|l| &text[l.start..l.end])
        .filter(|l| l.trim_start().starts_with('#'))
        .collect()
}

fn render(value: &NewValue, style: Style) -> String {
    match value {
        NewValue::Str(s) => scalar(s, style, false),
        NewValue::List(items) => {
            let items: Vec<String> = items
                .iter()
                .map(|s| scalar(s, Style::Plain, true))
                .collect();
            format!("[{}]", items.join(", "))
        }
        NewValue::Remove => String::new(),
    }
}

/// `s` as a YAML value inside a flow collection (`[…]`, `{…}`): plain when that
/// reads back as the same string, double-quoted otherwise.
#[must_use]
pub fn flow_scalar(s: &str) -> String {
    scalar(s, Style::Plain, true)
}

fn scalar(s: &str, style: Style, in_flow: bool) -> String {
    match style {
        Style::Plain if plain_ok(s, in_flow) => s.to_string(),
        Style::Single if !s.chars().any(char::is_control) => format!("'{}'", s.replace('\'', "''")),
        _ => double_quoted(s),
    }
}

/// True when `s` written plain reads back as the same string.
fn plain_ok(s: &str, in_flow: bool) -> bool {
    !s.is_empty()
        && s.trim() == s
        && !s.chars().any(|c| c.is_control() || c == '\u{feff}')
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && !s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c))
        && !(in_flow && s.contains([',', '[', ']', '{', '}']))
        && crate::frontmatter::reads_as_itself(s).unwrap_or_else(
            || matches!(serde_yaml::from_str::<Value>(s), Ok(Value::String(v)) if v == s),
        )
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || c == '\u{feff}' || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A time already written as tix writes it is kept without chrono; it
    /// is kept exactly when chrono would give it back unchanged, and every
    /// other time (a day or second that does not exist, another shape) is
    /// left to chrono: each answer is chrono's.
    #[test]
    fn a_time_tix_wrote_is_kept_as_chrono_would_keep_it() {
        let mut kept = 0;
        for y in [
            "0000", "0001", "1970", "2000", "2023", "2024", "2100", "9999",
        ] {
            for mo in 0..=13 {
                for d in [0, 1, 28, 29, 30, 31, 32] {
                    for (h, mi, se) in [
                        (0, 0, 0),
                        (23, 59, 59),
                        (24, 0, 0),
                        (12, 60, 0),
                        (12, 0, 60),
                        (12, 0, 61),
                    ] {
                        let s = format!("{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}Z");
                        let want = time_by_chrono(&s);
                        kept += usize::from(want.as_deref() == Some(s.as_str()));
                        for v in [
                            s.clone(),
                            s.replace('T', "t"),
                            s.replace('Z', "z"),
                            s.replace('Z', "+00:00"),
                            format!(" {s} "),
                            s.replace('Z', ".5Z"),
                        ] {
                            assert_eq!(
                                normalize_time(&v).map(Cow::into_owned),
                                time_by_chrono(&v),
                                "{v:?}"
                            );
                        }
                    }
                }
            }
        }
        assert!(kept > 1000, "{kept}");
        for odd in [
            "2026-1-02T03:04:05Z",
            "2026-01-02T03:04:5Z",
            "2026-01-02T03:04:05",
            "2026-01-02",
            "+2026-01-02T03:04:05Z",
            "20260102T030405Z",
            "2026-01-02T03:04:05ZZ",
            "２026-01-02T03:04:05Z",
        ] {
            assert_eq!(
                normalize_time(odd).map(Cow::into_owned),
                time_by_chrono(odd),
                "{odd:?}"
            );
        }
    }

    fn set(text: &str, changes: &[(&str, &str)]) -> String {
        let changes: Vec<(&str, NewValue)> = changes
            .iter()
            .map(|(k, v)| (*k, NewValue::Str(v.to_string())))
            .collect();
        edit(text, &changes).unwrap()
    }

    const T7: &str = "---\nid: TIX-0007\ntitle: Fix login redirect loop\nstatus: pending            # pending | in_progress\npriority: high\n---\n## Acceptance criteria\n- [ ] redirect happens once\n";

    #[test]
    fn replaces_a_plain_value_and_keeps_its_comment_and_padding() {
        let out = set(T7, &[("status", "in_progress")]);
        assert_eq!(
            out,
            T7.replace("status: pending  ", "status: in_progress  ")
        );
    }

    #[test]
    fn appends_missing_keys_at_the_end_of_the_frontmatter() {
        let out = set(
            T7,
            &[
                ("status", "in_progress"),
                ("started", "2026-11-24T13:40:07Z"),
            ],
        );
        assert_eq!(
            out,
            T7.replace("status: pending  ", "status: in_progress  ")
                .replace("high\n---", "high\nstarted: 2026-11-24T13:40:07Z\n---")
        );
    }

    #[test]
    fn crlf_stays_crlf_everywhere() {
        let crlf = T7.replace('\n', "\r\n");
        let out = set(
            &crlf,
            &[
                ("status", "completed"),
                ("completed", "2026-11-25T00:00:00Z"),
            ],
        );
        assert_eq!(
            out,
            crlf.replace("status: pending  ", "status: completed  ")
                .replace(
                    "high\r\n---",
                    "high\r\ncompleted: 2026-11-25T00:00:00Z\r\n---"
                )
        );
        assert!(!out.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn missing_trailing_newline_is_kept() {
        let text = "---\nid: TIX-1\nstatus: pending\n---\nbody without newline";
        assert_eq!(
            set(text, &[("status", "completed")]),
            "---\nid: TIX-1\nstatus: completed\n---\nbody without newline"
        );
        let bare = "---\nid: TIX-1\nstatus: pending\n---";
        assert_eq!(
            set(bare, &[("status", "completed")]),
            "---\nid: TIX-1\nstatus: completed\n---"
        );
    }

    #[test]
    fn comments_blank_lines_unknown_keys_and_order_survive() {
        let text = "---\n# leading comment\nzeta: 1\n\nid: TIX-0001   # the id\n  # indented comment\nextra:\n  nested: [1, 2]\n  more: {a: b}\nstatus: pending\n\n# trailing comment\n---\nbody\n";
        let out = set(text, &[("status", "in_progress"), ("agent", "claude")]);
        assert_eq!(
            out,
            text.replace("status: pending\n", "status: in_progress\n")
                .replace(
                    "# trailing comment\n",
                    "# trailing comment\nagent: claude\n"
                )
        );
    }

    #[test]
    fn quoting_style_is_kept() {
        let text = "---\nid: \"TIX-1\"\nstatus: 'pending'\nagent: \"old\"\n---\n";
        let out = set(
            text,
            &[("status", "in_progress"), ("agent", "it's \"new\"")],
        );
        assert_eq!(
            out,
            "---\nid: \"TIX-1\"\nstatus: 'in_progress'\nagent: \"it's \\\"new\\\"\"\n---\n"
        );
    }

    #[test]
    fn values_that_are_not_plain_safe_are_quoted() {
        let text = "---\nid: TIX-1\n---\n";
        for hostile in [
            "true",
            "123",
            "a: b",
            "x #y",
            "- item",
            "",
            " pad",
            "null",
            "~",
            "[1]",
            "line\nbreak",
            "\u{1b}[31mred",
            "ütf-8 ✓",
        ] {
            let out = edit(text, &[("agent", NewValue::Str(hostile.into()))]).unwrap();
            let doc = Doc::parse(&out).unwrap();
            assert_eq!(
                doc.keys.get("agent").map(Field::to_value),
                Some(Value::String(hostile.into())),
                "{hostile:?} → {out}"
            );
        }
    }

    #[test]
    fn unicode_and_dashes_in_the_body_are_untouched() {
        let text = "---\nid: TIX-1\ntitle: Ünïcödé 🎫\nstatus: pending\n---\nintro\n---\nnot frontmatter\n---\n";
        let out = set(text, &[("status", "completed")]);
        assert_eq!(out, text.replace("status: pending", "status: completed"));
    }

    #[test]
    fn a_value_spanning_lines_is_replaced_whole() {
        let text = "---\nid: TIX-1\nagent: >\n  folded\n  text\nstatus: pending\n---\n";
        let out = set(text, &[("agent", "bot")]);
        assert_eq!(out, "---\nid: TIX-1\nagent: bot\nstatus: pending\n---\n");
        let text = "---\nid: TIX-1\nlabels:\n- a\n- b\n\nstatus: pending\n---\n";
        let out = edit(
            text,
            &[("labels", NewValue::List(vec!["x y".into(), "a,b".into()]))],
        )
        .unwrap();
        assert_eq!(
            out,
            "---\nid: TIX-1\nlabels: [x y, \"a,b\"]\n\nstatus: pending\n---\n"
        );
    }

    #[test]
    fn what_looks_like_a_ticket() {
        // Names of several lower-case words and a number, and dates, are
        // names, not ids, so a file without frontmatter named so is no ticket.
        for name in [
            "meeting-notes-2024-01-05.md",
            "api-v2-design-3.md",
            "notes-2024-01-05.md",
            "Release-Plan-2.md",
        ] {
            assert!(!looks_like_ticket(name, b"# Notes\n"), "{name}");
        }
        let yes: [(&str, &str); 12] = [
            // Review finding: a README, index or template name hid a broken
            // ticket whose id is a real one.
            ("index.md", "---\nid: BUG-3\ntitle: [broken\n---\n"),
            ("auth-template-bug.md", "---\nticket_id: 'BUG-4' # x\n---\n"),
            ("readme.md", "# Fix the README\n\n**ID:** DOC-2\n"),
            ("template.md", "---\r\nid: BUG-5\r\n---\r\n"),
            ("TIX-0001-x.md", "anything"),
            ("TIX-0002.md", "\u{0}binary"),
            ("task.md", "---\ntitle: [broken\npriority: high\n---\n"),
            ("task.md", "# Sub-task\n\n- **ID:** TECH-070.1\n"),
            ("TIX-0003-template-engine.md", "a ticket about templates"),
            ("task.md", "---\r\nStatus: open\r\n---\r\n"),
            ("task.md", "\n# TICKET-0009 Add sources\n"),
            ("task.md", "## [TICKET-011] Something\n"),
        ];
        for (name, text) in yes {
            assert!(looks_like_ticket(name, text.as_bytes()), "{name}: {text:?}");
        }
        let no: [(&str, &str); 12] = [
            ("TEMPLATE.md", "---\nid:\nstatus: pending\n---\n"),
            (
                "ticket-template.md",
                "---\nid: \"{{id}}\"\ntitle: x\npriority: high\n---\n",
            ),
            ("README.md", "# TIX-0001 is how ids look\n"),
            ("index.md", "# Board\n\n**ID:** PROJ-XXX\n"),
            ("README.md", "# Tickets\n\nHow we work.\n"),
            ("TEMPLATE.md", "---\nowner:\n---\n# Title\n"),
            ("TEMPLATE.md", "---\nid: TIX-XXXX\n---\n# TIX-0000 Title\n"),
            ("notes.md", "---\ntitle: [broken\n---\n"),
            ("plan.md", "# Plan\n\n**Status:** In progress\n**ID:**\n"),
            ("notes.md", "stray file\n"),
            ("notes.md", ""),
            ("image.md", "\u{0}\u{1}"),
        ];
        for (name, text) in no {
            assert!(
                !looks_like_ticket(name, text.as_bytes()),
                "{name}: {text:?}"
            );
        }
    }

    #[test]
    fn a_removed_key_takes_only_its_own_lines() {
        let text = "---\r\nid: TIX-1\r\nagent: bot # who\r\n  # a comment kept\r\nlabels:\r\n  - a\r\nstatus: pending\r\n---\r\nbody\r\n";
        let out = edit(text, &[("agent", NewValue::Remove)]).unwrap();
        assert_eq!(
            out,
            "---\r\nid: TIX-1\r\n  # a comment kept\r\nlabels:\r\n  - a\r\nstatus: pending\r\n---\r\nbody\r\n"
        );
        let out = edit(text, &[("labels", NewValue::Remove)]).unwrap();
        assert_eq!(
            out,
            "---\r\nid: TIX-1\r\nagent: bot # who\r\n  # a comment kept\r\nstatus: pending\r\n---\r\nbody\r\n"
        );
        // Absent: nothing to do.
        assert_eq!(edit(text, &[("started", NewValue::Remove)]).unwrap(), text);
    }

    #[test]
    fn trailing_comments_tags_and_blank_lines_survive() {
        // Review finding: an indented comment after a value, and a tagged value
        // with a trailing comment, were swallowed by the edit.
        let text = "---\nid: TIX-1\nstatus: pending\n  # pending | in_progress | completed\nagent: !!str old # who works on it\n\n  # about agent\nlabels: [a, \"b # c\"] # note\n---\n";
        let out = set(text, &[("status", "in_progress"), ("agent", "new")]);
        assert_eq!(
            out,
            "---\nid: TIX-1\nstatus: in_progress\n  # pending | in_progress | completed\nagent: new # who works on it\n\n  # about agent\nlabels: [a, \"b # c\"] # note\n---\n"
        );
        let out = edit(text, &[("labels", NewValue::List(vec!["x".into()]))]).unwrap();
        assert!(out.contains("labels: [x] # note\n"), "{out}");
    }

    #[test]
    fn a_comment_inside_a_replaced_value_is_refused_not_lost() {
        let text = "---\nid: TIX-1\nagent:\n  name: x\n  # inside\n  more: y\n---\n";
        let err = edit(text, &[("agent", NewValue::Str("bot".into()))]).unwrap_err();
        assert!(err.message.contains("a comment would be lost"), "{err:?}");
    }

    #[test]
    fn empty_values_are_filled_in_place() {
        let text = "---\nid: TIX-1\nstarted:\ncompleted:   # later\n---\n";
        let out = set(text, &[("started", "S"), ("completed", "C")]);
        assert_eq!(
            out,
            "---\nid: TIX-1\nstarted: S\ncompleted: C   # later\n---\n"
        );
    }

    #[test]
    fn a_layout_tix_cannot_edit_is_refused() {
        let flow = "---\n{id: TIX-1, status: pending}\n---\n";
        let err = edit(flow, &[("status", NewValue::Str("done".into()))]).unwrap_err();
        assert!(err.message.contains("refusing"), "{err:?}");
    }

    #[test]
    fn bom_is_kept() {
        let text = "\u{feff}---\nid: TIX-1\nstatus: pending\n---\nx\n";
        assert_eq!(
            set(text, &[("status", "completed")]),
            text.replace("pending", "completed")
        );
    }

    #[test]
    fn git_conflict_markers_give_both_sides() {
        let text = "---\nid: TIX-0001\n<<<<<<<< HEAD:tickets/completed/TIX-0001.md\nstatus: completed\n========\nstatus: in_progress\n>>>>>>>> feature:tickets/in-progress/TIX-0001.md\nupdated: x\n---\nbody\n";
        let c = conflict(text).unwrap();
        assert_eq!(c.line, 3);
        assert_eq!(
            c.ours,
            "---\nid: TIX-0001\nstatus: completed\nupdated: x\n---\nbody\n"
        );
        assert_eq!(
            c.theirs,
            "---\nid: TIX-0001\nstatus: in_progress\nupdated: x\n---\nbody\n"
        );
        assert_eq!(c.ours_label, "HEAD:tickets/completed/TIX-0001.md");
        assert_eq!(c.theirs_label, "feature:tickets/in-progress/TIX-0001.md");
        assert!(c.frontmatter_only);
        // diff3 style, in the body, CRLF.
        let body = "---\r\nid: TIX-1\r\n---\r\n<<<<<<< HEAD\r\nmine\r\n||||||| base\r\nold\r\n=======\r\ntheirs\r\n>>>>>>> b\r\n";
        let c = conflict(body).unwrap();
        assert_eq!(
            (c.ours.as_str(), c.theirs.as_str()),
            (
                "---\r\nid: TIX-1\r\n---\r\nmine\r\n",
                "---\r\nid: TIX-1\r\n---\r\ntheirs\r\n"
            )
        );
        assert!(!c.frontmatter_only);
        // A block that holds a side's closing `---` spills into the body.
        for spill in [
            "---\nid: TIX-1\n<<<<<<< HEAD\nstatus: done\n---\nmine\n=======\nstatus: pending\n>>>>>>> b\n---\nbody\n",
            "---\nid: TIX-1\n<<<<<<< HEAD\nstatus: done\n=======\nstatus: pending\n---\ntheirs\n>>>>>>> b\n---\nbody\n",
            "<<<<<<< HEAD\n---\nid: TIX-1\n=======\n---\nid: TIX-2\n>>>>>>> b\n---\nbody\n",
        ] {
            let c = conflict(spill).unwrap();
            assert!(!c.frontmatter_only, "{spill}");
        }
        for clean in [
            "---\nid: TIX-1\n---\n======= is a line\n",
            "<<<<<<< only an opening\n",
            "no markers\n",
        ] {
            assert_eq!(conflict(clean), None, "{clean}");
        }
    }

    #[test]
    fn split_errors_name_the_line() {
        assert_eq!(split("no frontmatter\n").unwrap_err().line, Some(1));
        let e = split("---\nid: X-1\n").unwrap_err();
        assert!(e.message.contains("no closing"));
        let e = Doc::parse("---\nid: X-1\ntitle: [unclosed\n---\n").unwrap_err();
        assert!(e.message.starts_with("invalid YAML"), "{e:?}");
        assert!(e.line.is_some());
        let e = Doc::parse("---\nid: X-1\nid: X-2\n---\n").unwrap_err();
        assert!(e.message.contains("duplicate"), "{e:?}");
        assert_eq!(e.line, Some(3), "the second one");
    }

    /// Statuses known by their exact names only.
    fn exact(names: &[&str]) -> impl Fn(&str) -> Result<String, String> {
        let names: Vec<String> = names.iter().map(std::string::ToString::to_string).collect();
        move |v: &str| {
            names
                .iter()
                .find(|n| *n == v)
                .cloned()
                .ok_or_else(|| format!("unknown status {}", quote(v)))
        }
    }

    #[test]
    fn meta_reports_bad_values_on_their_line() {
        let statuses = exact(&["pending", "in_progress", "completed"]);
        let text = "---\nid: TIX-1\ntitle: t\nstatus: done\n---\n";
        let e = Doc::parse(text).unwrap().meta(&statuses).unwrap_err();
        assert_eq!(e.line, Some(4));
        assert!(e.message.contains("unknown status \"done\""), "{e:?}");
        let e = Doc::parse("---\ntitle: t\n---\n")
            .unwrap()
            .meta(&statuses)
            .unwrap_err();
        assert!(e.message.contains("no `id`"));
        let e = Doc::parse("---\nid: TIX-1\ncreated: yesterday\n---\n")
            .unwrap()
            .meta(&statuses)
            .unwrap_err();
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn other_trees_id_and_dependency_keys() {
        let statuses = exact(&["pending"]);
        let text = "---\nticket_id: OPS-7\ntitle: t\ndependencies:\n  requires: [task-12 - the login, 'OPS-3']\n  blocks: [OPS-9]\n  notes: [not an id]\nparent: EPIC-1 (the big one)\ndepends_on: [OPS-3]\n---\n";
        let m = Doc::parse(text).unwrap().meta(&statuses).unwrap();
        assert_eq!(m.id, "OPS-7");
        assert_eq!(m.depends_on, ["OPS-3", "task-12", "EPIC-1"]);
        let m = Doc::parse("---\nid: A-1\ndependencies: [A-2, A-3]\n---\n")
            .unwrap()
            .meta(&statuses)
            .unwrap();
        assert_eq!(m.depends_on, ["A-2", "A-3"]);
        let e = Doc::parse("---\nticket_id: not an id\n---\n")
            .unwrap()
            .meta(&statuses)
            .unwrap_err();
        assert_eq!(e.line, Some(2), "{e:?}");
    }

    #[test]
    fn meta_reads_everything() {
        let statuses = exact(&["pending"]);
        let text = "---\nid: TIX-0007\ntitle: Fix\nstatus: pending\npriority: high\ncreated: 2026-11-24T14:40:07+01:00\nlabels: [auth, web]\ndepends_on: TIX-0003\n---\n- [x] one\n- [ ] two\n```\n- [ ] in code\n```\n* [X] three\n1. [ ] four\n- [y] not a box\n";
        let doc = Doc::parse(text).unwrap();
        let m = doc.meta(&statuses).unwrap();
        assert_eq!(m.created.as_deref(), Some("2026-11-24T13:40:07Z"));
        assert_eq!(m.labels, ["auth", "web"]);
        assert_eq!(m.depends_on, ["TIX-0003"]);
        assert_eq!((m.done, m.total), (2, 4));
        assert_eq!(
            doc.unchecked_boxes(),
            vec![(11, "- [ ] two".into()), (16, "1. [ ] four".into())]
        );
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn line() -> impl Strategy<Value = String> {
            prop_oneof![
                "[a-z_]{1,8}: [a-zA-Z0-9 ]{0,12}".prop_map(|s| s.trim_end().to_string()),
                "[a-z_]{1,8}: \"[a-z' ]{0,8}\"",
                "[a-z_]{1,8}: '[a-z ]{0,8}'",
                "[a-z_]{1,8}: [0-9]{1,4} # [a-z ]{0,10}",
                "# [a-z :#-]{0,20}",
                Just(String::new()),
                "[a-z_]{1,8}:\n  - [a-z]{1,5}\n  - [a-z]{1,5}",
                "[a-z_]{1,8}: \\|\n  [a-z ]{1,10}\n  [a-z ]{1,10}",
                "[a-z_]{1,8}: \\[[a-z]{1,3}, [a-z]{1,3}\\]",
                "[a-z_]{1,8}:\n  nested: [a-z]{1,5}",
                "  # [a-z |]{0,12}",
                "[a-z_]{1,8}: !!str [a-z]{1,6}( # [a-z]{1,6})?",
                "[a-z_]{1,8}: &anchor [a-z]{1,6}",
                "  # [a-z |]{0,12}",
                "[a-z_]{1,8}: !!str [a-z]{1,6}( # [a-z]{1,6})?",
                "[a-z_]{1,8}: &anchor [a-z]{1,6}",
            ]
        }

        /// The text with the entry of one top-level key (its lines) cut out.
        fn without_key(text: &str, key: &str) -> String {
            let split = split(text).unwrap();
            let mut out = text.to_string();
            if let Some(k) = top_level_keys(text, &split)
                .into_iter()
                .find(|k| k.key == key)
            {
                let end = text[k.region_end..]
                    .find('\n')
                    .map_or(text.len(), |i| k.region_end + i + 1);
                out.replace_range(k.start..end, "");
            }
            out
        }

        fn key() -> impl Strategy<Value = &'static str> {
            prop_oneof![
                Just("status"),
                Just("started"),
                Just("agent"),
                Just("updated")
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]
            /// Whatever the frontmatter looks like, an edit either is refused or
            /// changes exactly the keys asked for, and every byte outside the
            /// edited values is kept.
            #[test]
            fn edits_change_only_what_they_set(
                lines in proptest::collection::vec(line(), 0..8),
                target in key(),
                value in "[a-zA-Z0-9_:# -]{0,12}",
                crlf in any::<bool>(),
                body in "[-a-z \\[\\]x\n]{0,40}",
                newline_at_end in any::<bool>(),
            ) {
                let eol = if crlf { "\r\n" } else { "\n" };
                let mut text = format!("---{eol}id: TIX-1{eol}");
                for l in &lines { text.push_str(&l.replace('\n', eol)); text.push_str(eol); }
                text.push_str("---");
                if newline_at_end { text.push_str(eol); }
                text.push_str(&body.replace('\n', eol));
                let Ok(old) = Doc::parse(&text) else { return Ok(()) };
                match edit(&text, &[(target, NewValue::Str(value.clone()))]) {
                    Err(e) => prop_assert!(e.message.contains("refusing"), "{e:?}"),
                    Ok(out) => {
                        let new = Doc::parse(&out).unwrap();
                        prop_assert_eq!(new.body(), old.body());
                        let mut expected = old.keys.to_mapping();
                        expected.insert(Value::String(target.into()), Value::String(value.clone()));
                        prop_assert_eq!(&new.keys.to_mapping(), &expected);
                        // Every byte outside the edited key's own entry is identical.
                        prop_assert_eq!(without_key(&out, target), without_key(&text, target));
                        if crlf { prop_assert!(!out.replace("\r\n", "").contains('\n')); }
                    }
                }
            }
        }
    }
}
