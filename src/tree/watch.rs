//! Waiting for the tree to change, for `status --watch`: inotify on its
//! folders where the system has it (a change wakes the wait at once), else
//! polling what each folder holds twice a second.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How often the wait looks at `stop`, and polls when it must.
const TICK: Duration = Duration::from_millis(100);
const POLL: Duration = Duration::from_millis(500);
/// After a first event, how long more may come before the wait returns (a
/// move is a create and a delete; a save, several writes).
const SETTLE: Duration = Duration::from_millis(40);

pub struct Watcher {
    dirs: Vec<PathBuf>,
    #[cfg(target_os = "linux")]
    inotify: Option<rustix::fd::OwnedFd>,
    /// What the folders held when last looked at (polling only).
    seen: u64,
}

impl Watcher {
    /// Watches `dirs` (their files: created, removed, moved, written).
    #[must_use]
    pub fn new(dirs: Vec<PathBuf>) -> Watcher {
        let mut w = Watcher {
            seen: 0,
            #[cfg(target_os = "linux")]
            inotify: None,
            dirs,
        };
        #[cfg(target_os = "linux")]
        {
            w.inotify = w.inotify();
        }
        w.seen = w.signature();
        w
    }

    /// Whether changes wake the wait at once (inotify), rather than a poll.
    #[must_use]
    pub fn immediate(&self) -> bool {
        #[cfg(target_os = "linux")]
        {
            self.inotify.is_some()
        }
        #[cfg(not(target_os = "linux"))]
        {
            false
        }
    }

    /// Waits until something in the folders changed (`true`), or `stop` is
    /// set (`false`).
    pub fn wait(&mut self, stop: &AtomicBool) -> bool {
        let mut last_poll = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            #[cfg(target_os = "linux")]
            if let Some(fd) = &self.inotify {
                if readable(fd, TICK) {
                    std::thread::sleep(SETTLE);
                    drain(fd);
                    return true;
                }
                continue;
            }
            std::thread::sleep(TICK);
            if last_poll.elapsed() >= POLL {
                last_poll = Instant::now();
                let now = self.signature();
                if now != self.seen {
                    self.seen = now;
                    return true;
                }
            }
        }
        false
    }

    #[cfg(target_os = "linux")]
    fn inotify(&self) -> Option<rustix::fd::OwnedFd> {
        use rustix::fs::inotify::{CreateFlags, WatchFlags, add_watch, init};
        let fd = init(CreateFlags::NONBLOCK | CreateFlags::CLOEXEC).ok()?;
        let what = WatchFlags::CREATE
            | WatchFlags::DELETE
            | WatchFlags::MODIFY
            | WatchFlags::CLOSE_WRITE
            | WatchFlags::MOVED_FROM
            | WatchFlags::MOVED_TO
            | WatchFlags::ATTRIB
            | WatchFlags::DELETE_SELF
            | WatchFlags::MOVE_SELF;
        for d in &self.dirs {
            // A folder that does not exist yet is looked at by the next render.
            let _ = add_watch(&fd, d.as_path(), what);
        }
        Some(fd)
    }

    /// A hash of every name, size and time in the folders (polling).
    fn signature(&self) -> u64 {
        use std::hash::{BuildHasher, Hash, Hasher};
        use std::os::unix::fs::MetadataExt;
        let mut h = foldhash::fast::FixedState::default().build_hasher();
        for d in &self.dirs {
            d.hash(&mut h);
            let Ok(list) = std::fs::read_dir(d) else {
                continue;
            };
            let mut names: Vec<_> = list
                .flatten()
                .filter_map(|e| {
                    let m = e.metadata().ok()?;
                    Some((e.file_name(), m.len(), m.mtime(), m.mtime_nsec(), m.ino()))
                })
                .collect();
            names.sort();
            names.hash(&mut h);
        }
        h.finish()
    }
}

#[cfg(target_os = "linux")]
fn readable(fd: &rustix::fd::OwnedFd, most: Duration) -> bool {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let mut fds = [PollFd::new(fd, PollFlags::IN)];
    let timeout = Timespec::try_from(most).ok();
    poll(&mut fds, timeout.as_ref()).is_ok_and(|n| n > 0)
}

/// Reads every pending event (what they say does not matter: any change
/// means the dashboard is drawn again).
#[cfg(target_os = "linux")]
fn drain(fd: &rustix::fd::OwnedFd) {
    let mut buf = [0u8; 4096];
    while rustix::io::read(fd, &mut buf).is_ok_and(|n| n > 0) {}
}
