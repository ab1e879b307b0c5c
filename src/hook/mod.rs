//! Claude Code hooks (the README's "Use with Claude Code"): a payload read
//! into an [`Intent`] (`payload`), and the engine that carries it out on the
//! tickets and the runs (`engine`, `context`). The command layer only
//! reads stdin, writes stdout and the log, and catches panics.

mod context;
mod engine;
mod payload;

pub use engine::{Env, handle};
pub use payload::*;

/// Text from a ticket or a payload on one line, control characters escaped.
pub(crate) fn one_line(s: &str) -> String {
    crate::output::sanitize(&s.replace(['\n', '\r', '\t'], " ")).into_owned()
}
