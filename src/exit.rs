//! The exit codes (the README's "Exit codes"), decided in one place.

use crate::error::TixError;
use std::process::ExitCode;

/// What a command tells the shell. Drift found by `sync --check` is an ordinary
/// `Ok(Exit::Problems)`, like ripgrep's "no match".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Error = 1,
    Usage = 2,
    NotFound = 3,
    Refused = 4,
    LockTimeout = 5,
    Problems = 6,
}

impl Exit {
    /// The exit code for an error: a [`TixError`] anywhere in the chain decides,
    /// a broken pipe is success (the reader went away), anything else is 1.
    #[must_use]
    pub fn of(err: &anyhow::Error) -> Exit {
        for cause in err.chain() {
            if let Some(e) = cause.downcast_ref::<TixError>() {
                return e.exit();
            }
            if let Some(io) = cause.downcast_ref::<std::io::Error>()
                && io.kind() == std::io::ErrorKind::BrokenPipe
            {
                return Exit::Ok;
            }
        }
        Exit::Error
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_errors_map_to_their_codes_even_under_context() {
        let e = anyhow::Error::new(TixError::NotFound {
            id: "TIX-1".into(),
            close: vec![],
        })
        .context("while starting");
        assert_eq!(Exit::of(&e), Exit::NotFound);
        let e = anyhow::anyhow!("plain failure");
        assert_eq!(Exit::of(&e), Exit::Error);
        let e = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert_eq!(Exit::of(&e), Exit::Ok);
    }
}
