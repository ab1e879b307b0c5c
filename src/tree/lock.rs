//! The lock on `.tix/lock`: one exclusive holder per change (or shared
//! readers), a bounded wait, and the recovery of an interrupted change
//! before the lock is handed out.

use super::{STATE_DIR, Tree, fsx, journal, make_state_dir, state};
use crate::error::TixError;
use anyhow::{Context, Result, bail};
use fs2::FileExt;
use std::fs::{File, OpenOptions};
use std::io;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    Shared,
    Exclusive,
}

/// Held for one invocation; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct Lock {
    /// `None` for a reader of a tree it cannot write that has no lock file:
    /// no tix ever wrote it, so no tix is writing it now.
    file: Option<File>,
    pub mode: LockMode,
    /// The process whose id the lock file still held when this exclusive lock
    /// was taken: it changed the tree and died without releasing it cleanly.
    pub left_by: Option<String>,
}

impl Drop for Lock {
    /// A clean release blanks the holder line with spaces, in place (the
    /// lock itself goes with the file).
    fn drop(&mut self) {
        if let (LockMode::Exclusive, Some(file)) = (self.mode, &self.file) {
            let _ = write_holder(file, "");
        }
    }
}

/// The holder line's room: the lock file keeps this size (or the size it
/// had, up to 4 KiB), padded with spaces, so that naming and clearing the
/// holder writes in place and never changes the file's size (each `set_len`
/// cost a metadata change on every command that writes).
const HOLDER_ROOM: u64 = 256;

/// `line` written over the lock file from its start, padded with spaces to
/// its room; a file grown past 4 KiB (not tix's doing) is cut back.
fn write_holder(file: &File, line: &str) -> io::Result<()> {
    super::fsx::overwrite_padded(file, line.as_bytes(), HOLDER_ROOM, 4096)
}

/// The lock held exclusively: what a change of the tree needs, so that a
/// change made without it does not compile ([`super::State::open`] takes
/// one). Made only by taking the exclusive lock.
///
/// ```compile_fail
/// // A shared lock does not open a state that changes files.
/// fn change(tree: &tix::tree::Tree) -> anyhow::Result<()> {
///     let lock = tree.lock(tix::tree::LockMode::Shared, &mut |_| {})?;
///     let _state = tix::tree::State::open(tree, &lock)?;
///     Ok(())
/// }
/// ```
///
/// ```no_run
/// fn change(tree: &tix::tree::Tree) -> anyhow::Result<()> {
///     let lock = tree.lock_exclusive(&mut |_| {})?;
///     let _state = tix::tree::State::open(tree, &lock)?;
///     Ok(())
/// }
/// ```
#[derive(Debug)]
pub struct Exclusive(Lock);

impl std::ops::Deref for Exclusive {
    type Target = Lock;

    fn deref(&self) -> &Lock {
        &self.0
    }
}

/// Whether `e` says that this run may not create or write a file there
/// (the folder missing counts: `.tix/` could not be made).
fn cannot_write(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::PermissionDenied
            | io::ErrorKind::ReadOnlyFilesystem
            | io::ErrorKind::NotFound
    )
}

impl Tree {
    /// The exclusive lock, as [`Tree::lock`] takes it: an interrupted change
    /// found in the journal is finished or rolled back before it returns.
    ///
    /// # Errors
    ///
    /// A lock that is not acquired within the wait ([`crate::error::TixError::LockTimeout`],
    /// exit 5), or an error opening `.tix/lock` or finishing an interrupted change.
    pub fn lock_exclusive(&self, note: &mut dyn FnMut(&str)) -> Result<Exclusive> {
        self.create_state_dir()?;
        let lock = Exclusive(self.acquire(LockMode::Exclusive, note)?);
        if self.has_journal() {
            let got = self.recover(&lock)?;
            told(self, Ok(got), note);
        }
        self.sweep_temps(true);
        Ok(lock)
    }

    /// Removes the temp files killed runs left in the root and in `.tix/`
    /// (those in the status folders go when a scan lists them): those whose
    /// maker no longer runs, and with the exclusive lock those of an older
    /// tix, which carry no process id. Best effort: a tree this run cannot
    /// write keeps them, and `sync --check` reports them.
    fn sweep_temps(&self, exclusive: bool) {
        if !self.is_flat("") {
            let _ = fsx::sweep_temps(&self.root, exclusive, true);
        }
        let _ = fsx::sweep_temps(&self.state_dir(), exclusive, true);
    }

    /// Takes the lock on `.tix/lock`, waiting at most `lock_timeout_secs`.
    /// `note` hears, in a line for a person, that it has to wait and what the
    /// recovery did when it kept a file aside. An interrupted change found in
    /// the journal is finished or rolled back before this returns.
    ///
    /// # Errors
    ///
    /// A lock that is not acquired within the wait ([`crate::error::TixError::LockTimeout`],
    /// exit 5), or an error opening `.tix/lock` or finishing an interrupted change.
    pub fn lock(&self, mode: LockMode, note: &mut dyn FnMut(&str)) -> Result<Lock> {
        if mode == LockMode::Exclusive {
            return self.lock_exclusive(note).map(|ex| ex.0);
        }
        // A reader of a tree it cannot write reads it all the same.
        let _ = self.create_state_dir();
        let lock = self.acquire(mode, note)?;
        if self.has_journal() {
            drop(lock);
            // A recovery that cannot finish must not block reading: the
            // journal stays, `sync --check` reports it, writes report the error.
            let got = self
                .acquire(LockMode::Exclusive, note)
                .and_then(|ex| self.recover(&Exclusive(ex)));
            told(self, got, note);
            let lock = self.acquire(mode, note)?;
            self.sweep_temps(false);
            return Ok(lock);
        }
        self.sweep_temps(false);
        Ok(lock)
    }

    /// The lock without finishing an interrupted change (for `sync --check`,
    /// which changes nothing and reports it instead).
    /// `None` when the tree has no `.tix/lock` yet (no tix ever wrote to it, so
    /// nobody can be writing now): `sync --check` creates nothing.
    ///
    /// # Errors
    ///
    /// A lock that is not acquired within the wait ([`crate::error::TixError::LockTimeout`],
    /// exit 5), or an error opening `.tix/lock`.
    pub fn lock_without_recovery(
        &self,
        mode: LockMode,
        on_wait: &mut dyn FnMut(&str),
    ) -> Result<Option<Lock>> {
        if !self.path(&format!("{STATE_DIR}/lock")).exists() {
            return Ok(None);
        }
        self.acquire(mode, on_wait).map(Some)
    }

    /// The exclusive lock for `tix doctor --fix`, which finishes an
    /// interrupted change itself (and says so).
    ///
    /// # Errors
    ///
    /// A lock that is not acquired within the wait ([`crate::error::TixError::LockTimeout`],
    /// exit 5), or an error opening `.tix/lock`.
    pub fn lock_for_repair(&self, on_wait: &mut dyn FnMut(&str)) -> Result<Exclusive> {
        self.create_state_dir()?;
        self.acquire(LockMode::Exclusive, on_wait).map(Exclusive)
    }

    /// `.tix/`, made on first use (it is not committed, so a fresh clone lacks
    /// it) with a `.gitignore` that keeps all of it out of git.
    fn create_state_dir(&self) -> Result<()> {
        make_state_dir(&self.root)
            .with_context(|| format!("failed to create {}", self.show(STATE_DIR)))
    }

    #[must_use]
    pub fn has_journal(&self) -> bool {
        journal::exists(&self.state_dir())
    }

    fn acquire(&self, mode: LockMode, on_wait: &mut dyn FnMut(&str)) -> Result<Lock> {
        let rel = format!("{STATE_DIR}/lock");
        let path = self.path(&rel);
        let opened = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path);
        let file = match opened {
            Ok(file) => file,
            // A reader that cannot write here (another user, a read-only
            // checkout) takes the shared lock on the lock file as it can
            // read it; without one, no tix ever wrote this tree.
            Err(e) if mode == LockMode::Shared && cannot_write(&e) => match File::open(&path) {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Ok(Lock {
                        file: None,
                        mode,
                        left_by: None,
                    });
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("failed to open {}", self.show(&rel)));
                }
            },
            Err(e) => return Err(e).with_context(|| format!("failed to open {}", self.show(&rel))),
        };
        let timeout = Duration::from_secs(self.config.lock_timeout_secs);
        let contended = |e: &io::Error| e.kind() == fs2::lock_contended_error().kind();
        let got = match mode {
            LockMode::Exclusive => FileExt::try_lock_exclusive(&file),
            LockMode::Shared => FileExt::try_lock_shared(&file),
        };
        match got {
            Ok(()) => {}
            Err(e) if !contended(&e) => {
                return Err(e).with_context(|| format!("failed to lock {}", self.show(&rel)));
            }
            // Held: a blocking lock, on a thread, so that the lock is ours the
            // moment it is released (polling would add up to its period to
            // every wait: two hooks of one batch take turns here).
            Err(_) => {
                let waiter = file
                    .try_clone()
                    .with_context(|| format!("failed to lock {}", self.show(&rel)))?;
                let (tx, rx) = std::sync::mpsc::channel();
                std::thread::spawn(move || {
                    let got = match mode {
                        LockMode::Exclusive => FileExt::lock_exclusive(&waiter),
                        LockMode::Shared => FileExt::lock_shared(&waiter),
                    };
                    let _ = tx.send(got);
                });
                let waited = wait_for_lock(&rx, timeout, &mut || {
                    on_wait(&format!("waiting for the lock on {}…", self.show(&rel)));
                });
                match waited {
                    Waited::Got => {}
                    Waited::Failed(e) => {
                        return Err(e)
                            .with_context(|| format!("failed to lock {}", self.show(&rel)));
                    }
                    // The waiting thread ends with the process.
                    Waited::TimedOut => {
                        return Err(TixError::LockTimeout {
                            path: self.show(&rel),
                            secs: self.config.lock_timeout_secs,
                        }
                        .into());
                    }
                    Waited::Gone => {
                        bail!(
                            "failed to lock {}: the thread waiting for it ended",
                            self.show(&rel)
                        );
                    }
                }
            }
        }
        let mut left_by = String::new();
        let _ = io::Read::read_to_string(&mut &file, &mut left_by);
        let left_by = Some(left_by.trim().to_string()).filter(|s| !s.is_empty());
        if mode == LockMode::Exclusive {
            // Who holds it, for `tix doctor` should this process die.
            let line = format!(
                "pid {} tix {}\n",
                std::process::id(),
                // Arguments as given, lossily: a path that is not UTF-8
                // (`--root` of a folder so named) must not panic here.
                std::env::args_os()
                    .skip(1)
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
                    .chars()
                    .take(200)
                    .collect::<String>()
            );
            let _ = write_holder(&file, &line);
        }
        Ok(Lock {
            file: Some(file),
            mode,
            left_by,
        })
    }
}

/// Says what the recovery of an interrupted change did, when worth saying.
fn told(tree: &Tree, got: Result<Option<state::Recovered>>, note: &mut dyn FnMut(&str)) {
    match got {
        Ok(Some(r)) if r.noteworthy() => note(&r.describe(tree)),
        Ok(_) => {}
        Err(e) => note(&format!(
            "warning: could not finish an interrupted change ({e:#}); run `tix doctor`"
        )),
    }
}

/// How a wait for a held lock ended.
#[derive(Debug)]
enum Waited {
    Got,
    Failed(io::Error),
    TimedOut,
    /// The thread that waited ended without an answer.
    Gone,
}

/// Waits up to `timeout` for the locking thread's answer on `rx`; after
/// 200 ms without one, `on_wait` is called once (to say that tix waits).
fn wait_for_lock(
    rx: &std::sync::mpsc::Receiver<io::Result<()>>,
    timeout: Duration,
    on_wait: &mut dyn FnMut(),
) -> Waited {
    use std::sync::mpsc::RecvTimeoutError;
    let started = Instant::now();
    let mut noted = false;
    loop {
        let left = timeout.saturating_sub(started.elapsed());
        let wait = if noted {
            left
        } else {
            left.min(Duration::from_millis(200))
        };
        match rx.recv_timeout(wait) {
            Ok(Ok(())) => return Waited::Got,
            Ok(Err(e)) => return Waited::Failed(e),
            Err(RecvTimeoutError::Disconnected) => return Waited::Gone,
            Err(RecvTimeoutError::Timeout) if started.elapsed() >= timeout => {
                return Waited::TimedOut;
            }
            Err(RecvTimeoutError::Timeout) => {
                noted = true;
                on_wait();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holder_line_is_named_and_cleared_in_place() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .unwrap();
        let ino = file.metadata().unwrap().ino();
        write_holder(&file, "pid 7 tix start 1\n").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.len(), 256);
        assert_eq!(text.trim_end(), "pid 7 tix start 1");
        write_holder(&file, "").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), vec![b' '; 256]);
        // One an older tix left longer keeps its size; one past 4 KiB is cut.
        std::fs::write(&path, "x".repeat(300)).unwrap();
        write_holder(&file, "pid 8 tix new y\n").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!((text.len(), text.trim_end()), (300, "pid 8 tix new y"));
        std::fs::write(&path, "x".repeat(5000)).unwrap();
        write_holder(&file, "").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), vec![b' '; 256]);
        assert_eq!(std::fs::metadata(&path).unwrap().ino(), ino);
    }

    #[test]
    fn a_lock_wait_whose_thread_ended_fails_at_once() {
        let (tx, rx) = std::sync::mpsc::channel::<io::Result<()>>();
        drop(tx);
        let mut told = 0;
        let waited = wait_for_lock(&rx, Duration::from_secs(5), &mut || told += 1);
        assert!(matches!(waited, Waited::Gone), "{waited:?}");
        assert_eq!(told, 0, "no spinning on a closed channel");
    }

    #[test]
    fn a_lock_wait_says_once_that_it_waits_then_gets_the_lock() {
        let (tx, rx) = std::sync::mpsc::channel();
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            tx.send(Ok(())).unwrap();
        });
        let mut told = 0;
        let waited = wait_for_lock(&rx, Duration::from_secs(5), &mut || told += 1);
        sender.join().unwrap();
        assert!(matches!(waited, Waited::Got), "{waited:?}");
        assert_eq!(told, 1);
    }

    #[test]
    fn a_lock_wait_times_out() {
        let (_tx, rx) = std::sync::mpsc::channel::<io::Result<()>>();
        let mut told = 0;
        let waited = wait_for_lock(&rx, Duration::from_millis(250), &mut || told += 1);
        assert!(matches!(waited, Waited::TimedOut), "{waited:?}");
        assert_eq!(told, 1);
    }
}
