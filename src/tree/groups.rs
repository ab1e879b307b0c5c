//! Problems grouped for people: a tree adopted with 400 unreadable files gets
//! a few lines per kind of trouble, with a count, the first files and what to
//! do, not 400 lines. `--json` keeps the whole list.

use super::{Problem, ProblemKind};
use crate::ticket::IdKey;

/// Problems of one kind and cause, in the order they were given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group<'p> {
    pub kind: ProblemKind,
    /// What they have in common (`unknown status`), empty when the kind says it.
    pub cause: String,
    pub problems: Vec<&'p Problem>,
}

impl Group<'_> {
    /// `malformed: unknown status` or `misplaced`.
    #[must_use]
    pub fn title(&self) -> String {
        if self.cause.is_empty() {
            self.kind.to_string()
        } else {
            format!("{}: {}", self.kind, self.cause)
        }
    }

    /// What to do about them.
    #[must_use]
    pub fn hint(&self) -> &'static str {
        use ProblemKind as K;
        match (self.kind, self.cause.as_str()) {
            (K::Malformed, "unknown status") => {
                "add the status (or an alias for it) to tix.yaml's statuses, or fix the files"
            }
            (K::Malformed, "unknown priority") => {
                "use critical, high, medium or low (any case), or fix the files"
            }
            (K::Malformed, c) if c.starts_with("git left conflict markers") => {
                "`tix doctor --fix` settles conflicts in the frontmatter; others are for a person"
            }
            (K::Malformed, _) => "fix each file: the message says what and on which line",
            (K::Misplaced, _) => "`tix sync` moves each file to its status's folder",
            (K::UnreadFolder, _) => {
                "name the folder in tix.yaml (a status's dir, or ticket_dirs), or move its tickets"
            }
            (K::DuplicateId, _) => "`tix doctor --fix` renumbers the newer copy",
            (K::MissingDependency, _) => {
                "fix or remove the id in depends_on (or `tix start --force` past the gate)"
            }
            (K::DependencyCycle, _) => "remove one depends_on of each cycle",
            (K::RegistryMissing | K::RegistryStale, _) => "`tix sync` writes it",
            (K::UnfinishedChange, _) => "the next tix command that writes finishes it",
            _ => "`tix doctor` says more",
        }
    }
}

/// Groups `problems` by kind and cause, in the order each group first appears.
#[must_use]
pub fn group(problems: &[Problem]) -> Vec<Group<'_>> {
    let mut out: Vec<Group<'_>> = Vec::new();
    for p in problems {
        let cause = if p.kind == ProblemKind::Malformed {
            cause(&p.message)
        } else {
            String::new()
        };
        match out
            .iter_mut()
            .find(|g| g.kind == p.kind && g.cause == cause)
        {
            Some(g) => g.problems.push(p),
            None => out.push(Group {
                kind: p.kind,
                cause,
                problems: vec![p],
            }),
        }
    }
    out
}

/// A message without its particulars: up to its first `:`, without quoted
/// text, parentheses, ids and numbers.
/// `id TIX-0006 does not match the file name (expected …)` →
/// `id does not match the file name`.
fn cause(message: &str) -> String {
    let mut plain = String::new();
    let mut depth = 0usize;
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => depth -= 1,
            ':' if !quoted && depth == 0 => break,
            _ if quoted || depth > 0 => {}
            _ => plain.push(c),
        }
    }
    plain
        .split_whitespace()
        .filter(|w| IdKey::parse_numbered(w).is_none() && !w.bytes().all(|b| b.is_ascii_digit()))
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" ,", ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(kind: ProblemKind, path: &str, message: &str) -> Problem {
        Problem {
            kind,
            path: path.into(),
            line: Some(4),
            message: message.into(),
        }
    }

    #[test]
    fn causes_drop_the_particulars() {
        for (message, want) in [
            (
                "unknown status \"someday\" (expected pending, done)",
                "unknown status",
            ),
            (
                "invalid YAML in the frontmatter: did not find expected node",
                "invalid YAML in the frontmatter",
            ),
            (
                "no frontmatter: a ticket starts with a `---` line",
                "no frontmatter",
            ),
            (
                "id TIX-0006 does not match the file name (expected TIX-0006.md)",
                "id does not match the file name",
            ),
            (
                "`depends_on` names \"x:y\", which is not a ticket id",
                "`depends_on` names, which is not a ticket id",
            ),
        ] {
            assert_eq!(cause(message), want, "{message}");
        }
    }

    #[test]
    fn groups_keep_their_first_order() {
        let problems = vec![
            p(ProblemKind::Malformed, "a.md", "unknown status \"x\""),
            p(
                ProblemKind::Misplaced,
                "b.md",
                "status is done but the file is in pending/",
            ),
            p(ProblemKind::Malformed, "c.md", "unknown status \"y\""),
            p(
                ProblemKind::Malformed,
                "d.md",
                "no frontmatter: a ticket starts with a `---` line",
            ),
        ];
        let groups = group(&problems);
        let got: Vec<(String, usize)> = groups
            .iter()
            .map(|g| (g.title(), g.problems.len()))
            .collect();
        assert_eq!(
            got,
            [
                ("malformed: unknown status".to_string(), 2),
                ("misplaced".to_string(), 1),
                ("malformed: no frontmatter".to_string(), 1),
            ]
        );
        assert_eq!(groups[0].problems[1].path, "c.md");
    }
}
