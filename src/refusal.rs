//! Why a transition was refused, as data: which gate or rule, and about
//! which file, ticket and line. Rendered by whoever shows it (the command
//! line prints one `tix: ` line per reason; the hook tells the model).

use std::fmt;

/// One unmet condition of a transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// `start` of a closed ticket: `tix move` reopens it.
    Closed {
        file: String,
        id: String,
        status: String,
        /// The status `tix move ID STATUS` would reopen it to.
        reopen_to: String,
    },
    /// `tix.yaml`'s transitions do not allow the move.
    NotAllowed {
        file: String,
        id: String,
        from: String,
        to: String,
        allowed: Vec<String>,
    },
    /// A ticket it depends on is not closed (`status: None`: no such ticket).
    Dependency {
        file: String,
        /// The line of its `depends_on` key.
        line: Option<usize>,
        id: String,
        dependency: String,
        status: Option<String>,
    },
    /// An acceptance criterion's box is not ticked.
    UncheckedBox {
        file: String,
        line: usize,
        id: String,
        /// The item's text.
        item: String,
    },
    /// The status has no folder and there is no flat folder to put it in.
    NoFolder {
        file: String,
        id: String,
        to: String,
    },
    /// Another agent has it in progress.
    Claimed {
        file: String,
        id: String,
        agent: Option<String>,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Closed {
                file,
                id,
                status,
                reopen_to,
            } => write!(
                f,
                "{file}: {id} is {status}; `start` only starts work, `tix move {id} {}` reopens it",
                crate::ticket::flow_scalar(reopen_to)
            ),
            Reason::NotAllowed {
                file,
                id,
                from,
                to,
                allowed,
            } => {
                let allowed = if allowed.is_empty() {
                    "nothing".to_string()
                } else {
                    allowed.join(", ")
                };
                write!(
                    f,
                    "{file}: cannot move {id} from {from} to {to} (allowed from {from}: {allowed}); --force overrides"
                )
            }
            Reason::Dependency {
                file,
                line,
                id,
                dependency,
                status,
            } => {
                write!(f, "{file}")?;
                if let Some(l) = line {
                    write!(f, ":{l}")?;
                }
                match status {
                    Some(s) => write!(
                        f,
                        ": cannot start {id}: depends on {dependency}, which is {s}"
                    ),
                    None => write!(
                        f,
                        ": cannot start {id}: depends on {dependency}, which does not exist"
                    ),
                }
            }
            Reason::UncheckedBox {
                file,
                line,
                id,
                item,
            } => write!(
                f,
                "{file}:{line}: cannot complete {id}: unchecked box {}",
                crate::ticket::quote(item)
            ),
            Reason::NoFolder { file, id, to } => write!(
                f,
                "{file}: cannot move {id} to {to} here: {to} has no folder and tix.yaml names no ticket_dirs to put it in; give {to} a dir, or move it to a status with one"
            ),
            Reason::Claimed { file, id, agent } => write!(
                f,
                "{file}: {id} is already in progress by {} (no silent takeover; --force reassigns it)",
                agent.as_deref().map_or_else(
                    || "someone without an agent name".into(),
                    crate::ticket::quote
                )
            ),
        }
    }
}

/// The reasons, one per line.
pub fn lines(reasons: &[Reason]) -> String {
    reasons
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_render_as_one_line_each_naming_the_file() {
        let reasons = vec![
            Reason::Dependency {
                file: "tickets/pending/TIX-0002-b.md".into(),
                line: Some(7),
                id: "TIX-0002".into(),
                dependency: "TIX-0001".into(),
                status: Some("in_progress".into()),
            },
            Reason::Dependency {
                file: "tickets/pending/TIX-0002-b.md".into(),
                line: None,
                id: "TIX-0002".into(),
                dependency: "TIX-0009".into(),
                status: None,
            },
            Reason::UncheckedBox {
                file: "tickets/in-progress/TIX-0003-c.md".into(),
                line: 12,
                id: "TIX-0003".into(),
                item: "- [ ] say \"hi\"".into(),
            },
            Reason::Claimed {
                file: "tickets/in-progress/TIX-0003-c.md".into(),
                id: "TIX-0003".into(),
                agent: None,
            },
        ];
        assert_eq!(
            lines(&reasons),
            "tickets/pending/TIX-0002-b.md:7: cannot start TIX-0002: depends on TIX-0001, which is in_progress\n\
             tickets/pending/TIX-0002-b.md: cannot start TIX-0002: depends on TIX-0009, which does not exist\n\
             tickets/in-progress/TIX-0003-c.md:12: cannot complete TIX-0003: unchecked box \"- [ ] say \\\"hi\\\"\"\n\
             tickets/in-progress/TIX-0003-c.md: TIX-0003 is already in progress by someone without an agent name (no silent takeover; --force reassigns it)"
        );
    }
}
