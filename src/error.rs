//! Outcomes that scripts branch on (exit codes 2–5). Everything else is an
//! `anyhow` error with context and exits 1.

use crate::exit::Exit;

#[derive(Debug, thiserror::Error)]
pub enum TixError {
    /// An id that matches no ticket (exit 3).
    #[error("no ticket {id}{}", did_you_mean(.close))]
    NotFound { id: String, close: Vec<String> },
    /// A transition or gate said no (exit 4): one reason per unmet
    /// condition, each naming the file (and line where it helps); shown one
    /// per line.
    #[error("{}", crate::refusal::lines(.reasons))]
    Refused {
        reasons: Vec<crate::refusal::Reason>,
    },
    /// The lock was not acquired in time (exit 5).
    #[error("{path}: lock not acquired within {secs}s (another tix is running)")]
    LockTimeout { path: String, secs: u64 },
    /// Bad arguments that clap could not see (exit 2).
    #[error("{0}")]
    Usage(String),
}

impl TixError {
    #[must_use]
    pub fn exit(&self) -> Exit {
        match self {
            TixError::NotFound { .. } => Exit::NotFound,
            TixError::Refused { .. } => Exit::Refused,
            TixError::LockTimeout { .. } => Exit::LockTimeout,
            TixError::Usage(_) => Exit::Usage,
        }
    }
}

fn did_you_mean(close: &[String]) -> String {
    match close {
        [] => String::new(),
        [one] => format!(" (did you mean {one}?)"),
        many => format!(" (did you mean one of {}?)", many.join(", ")),
    }
}
