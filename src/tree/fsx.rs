//! Crash-safe file writes: write to a temp file in the destination folder, fsync,
//! rename, fsync the folder. A file is never truncated in place (a small one
//! may grow in place: [`grow_in_place`]).

use std::fs::{self, File, Permissions};
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Temp files made by tix start with this; `doctor` and recovery recognise them.
pub const TEMP_PREFIX: &str = ".tix-tmp-";

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `e` without the temp file's path that tempfile adds (it keeps only the
/// kind): the system's own error for that kind, as `std` shows it.
fn without_path(e: io::Error) -> io::Error {
    use rustix::io::Errno;
    if e.raw_os_error().is_some() {
        return e;
    }
    let errno = match e.kind() {
        io::ErrorKind::PermissionDenied => Errno::ACCESS,
        io::ErrorKind::StorageFull => Errno::NOSPC,
        io::ErrorKind::ReadOnlyFilesystem => Errno::ROFS,
        io::ErrorKind::QuotaExceeded => Errno::DQUOT,
        io::ErrorKind::InvalidFilename => Errno::NAMETOOLONG,
        io::ErrorKind::NotFound => Errno::NOENT,
        kind => return io::Error::from(kind),
    };
    io::Error::from_raw_os_error(errno.raw_os_error())
}

/// A temp file in `path`'s folder filled by `fill`, with `perms` (or the
/// usual 0666 less umask for a new file), flushed to disk with `sync`.
fn staged(
    path: &Path,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
    perms: Option<Permissions>,
    sync: bool,
) -> io::Result<tempfile::NamedTempFile> {
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
        .permissions(Permissions::from_mode(0o666))
        .tempfile_in(parent(path))
        // tempfile names its own random path in the error; the caller names
        // the file being written, which is what a person can act on.
        .map_err(without_path)?;
    if let Some(p) = perms {
        tmp.as_file().set_permissions(p)?;
    }
    fill(tmp.as_file_mut())?;
    if sync {
        tmp.as_file().sync_all()?;
    }
    Ok(tmp)
}

/// Replaces (or creates) `path` with `bytes`, keeping the permissions of
/// `perms_from` (usually the file being replaced).
///
/// # Errors
///
/// The I/O error of the step that failed; the temp file is removed and
/// `path` is as it was.
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    perms_from: Option<&Path>,
    sync: bool,
) -> io::Result<()> {
    write_atomic_with(path, |f| f.write_all(bytes), perms_from, sync)
}

/// [`write_atomic`] with the content written by `fill` (which may copy from
/// other files, kernel-side).
///
/// # Errors
///
/// `fill`'s error, or the I/O error of the step that failed; the temp file is removed and
/// `path` is as it was.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
    perms_from: Option<&Path>,
    sync: bool,
) -> io::Result<()> {
    let perms = match perms_from {
        Some(p) => Some(fs::metadata(p)?.permissions()),
        None => fs::metadata(path).ok().map(|m| m.permissions()),
    };
    let tmp = staged(path, fill, perms, sync)?;
    tmp.persist(path).map_err(|e| e.error)?;
    if sync {
        sync_dir(parent(path))?;
    }
    Ok(())
}

/// The most bytes [`grow_in_place`] writes: one disk sector, which a power
/// loss leaves as it was or as it was written, never half of each.
pub const IN_PLACE_MAX: usize = 512;

/// Writes `bytes` over `path` from its start, when that cannot leave a mix
/// of old and new bytes: `path` is a file of its own (no link, no other
/// name), no longer than `bytes`, and `bytes` fit in one sector
/// ([`IN_PLACE_MAX`]). One `pwrite` of less than a page is done whole or not
/// at all by a kill, and covers every old byte, so nothing is cut. It saves
/// [`write_atomic`]'s new inode and folder sync (about 1 ms here). Returns
/// the file, written and not yet synced: the caller syncs it
/// (`sync_data`), beside other syncs if it can. `Ok(None)`: not written,
/// use [`write_atomic`].
///
/// # Errors
///
/// The I/O error of the write (the file then holds the old or the new
/// bytes).
pub fn grow_in_place(path: &Path, bytes: &[u8]) -> io::Result<Option<File>> {
    use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
    if bytes.len() > IN_PLACE_MAX {
        return Ok(None);
    }
    let f = match fs::OpenOptions::new()
        .write(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
    {
        Ok(f) => f,
        Err(_) => return Ok(None),
    };
    let m = f.metadata()?;
    if !m.is_file() || m.nlink() != 1 || m.len() > bytes.len() as u64 {
        return Ok(None);
    }
    f.write_all_at(bytes, 0)?;
    Ok(Some(f))
}

/// Writes `bytes` over `file` from its start, padded with spaces to a
/// whole number of `unit`s and to the file's own size (a file over
/// `keep_max` bytes, not tix's doing, is cut back to what is written): every
/// old byte is written over, so no old text follows the new, and the size,
/// unchanged from one write to the next, leaves the file's metadata alone,
/// which a sync then need not write. For the small files of `.tix/` that tix
/// rewrites on every change (the journal, the lock's holder line); their
/// readers ignore trailing spaces.
///
/// # Errors
///
/// The I/O error of the step that failed.
pub fn overwrite_padded(file: &File, bytes: &[u8], unit: u64, keep_max: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    let size = file.metadata()?.len();
    let padded = (bytes.len() as u64).div_ceil(unit).max(1) * unit;
    let room = padded.max(if size <= keep_max { size } else { 0 });
    let mut text = bytes.to_vec();
    text.resize(
        usize::try_from(room).map_err(|_| io::Error::from(io::ErrorKind::FileTooLarge))?,
        b' ',
    );
    file.write_all_at(&text, 0)?;
    if size > room {
        file.set_len(room)?;
    }
    Ok(())
}

/// Creates `path` with `bytes`; fails (and leaves nothing behind) if it exists.
///
/// # Errors
///
/// `AlreadyExists` when `path` exists, else the I/O error of the step
/// that failed; nothing is left behind.
pub fn write_new(path: &Path, bytes: &[u8], perms_from: Option<&Path>) -> io::Result<()> {
    stage(path, bytes, &Put::New { perms_from })?.put(path)
}

/// [`write_new`] (with the permissions of `perms_from`), reusing the spare
/// inode at `spare` when there is one: see [`Put::NewReusing`].
///
/// # Errors
///
/// As [`write_new`].
pub fn write_new_reusing(
    spare: &Path,
    path: &Path,
    bytes: &[u8],
    perms_from: &Path,
) -> io::Result<()> {
    stage(path, bytes, &Put::NewReusing { spare, perms_from })?.put(path)
}

/// How [`stage`] and [`Staged::put`] give a file its new bytes.
pub enum Put<'a> {
    /// Under a name no file has yet (failing if one does), with the
    /// permissions of `perms_from`, else the usual ones of a new file.
    New { perms_from: Option<&'a Path> },
    /// Under a name no file has yet, with the permissions of `perms_from`,
    /// in the spare inode at `spare` when there is one (a file tix
    /// [`retire`]d: ours alone, on the same filesystem, owned by this user):
    /// creating an inode costs over a millisecond on some systems, more than
    /// everything else a ticket's move does but its syncs.
    NewReusing {
        spare: &'a Path,
        perms_from: &'a Path,
    },
    /// In place of the file that has the name, keeping its permissions.
    Over,
}

/// A file's new bytes, written and synced but not yet under its name: the
/// first half of a crash-safe write, which a run killed now leaves as a
/// temp file (or a spare inode) no one reads.
pub struct Staged {
    file: StagedFile,
    over: bool,
}

enum StagedFile {
    /// In the spare inode (see [`retire`]) at this path.
    Spare(std::path::PathBuf),
    /// In a new temp file beside the destination.
    Temp(tempfile::NamedTempFile),
}

/// Writes `bytes` for `path` as `how` says, and syncs them; [`Staged::put`]
/// then gives them the name. A staged temp file that is dropped is removed.
///
/// # Errors
///
/// The I/O error of the step that failed; nothing is left behind but,
/// perhaps, new bytes in the spare inode.
pub fn stage(path: &Path, bytes: &[u8], how: &Put<'_>) -> io::Result<Staged> {
    let write = |f: &mut File| f.write_all(bytes);
    let (file, over) = match how {
        Put::New { perms_from } => {
            let perms = match perms_from {
                Some(p) => Some(fs::metadata(p)?.permissions()),
                None => None,
            };
            (StagedFile::Temp(staged(path, write, perms, true)?), false)
        }
        Put::NewReusing { spare, perms_from } => {
            let perms = fs::metadata(perms_from)?.permissions();
            let file = if fill_spare(spare, path, bytes, &perms).is_ok_and(|filled| filled) {
                StagedFile::Spare(spare.to_path_buf())
            } else {
                StagedFile::Temp(staged(path, write, Some(perms), true)?)
            };
            (file, false)
        }
        Put::Over => {
            let perms = fs::metadata(path).ok().map(|m| m.permissions());
            (StagedFile::Temp(staged(path, write, perms, true)?), true)
        }
    };
    Ok(Staged { file, over })
}

fn fill_spare(spare: &Path, path: &Path, bytes: &[u8], perms: &Permissions) -> io::Result<bool> {
    use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    let file = match fs::OpenOptions::new()
        .write(true)
        .custom_flags(flags.bits() as i32)
        .open(spare)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    let m = file.metadata()?;
    if !spare_worthy(&m) || m.dev() != fs::metadata(parent(path))?.dev() {
        return Ok(false);
    }
    file.write_all_at(bytes, 0)?;
    file.set_len(bytes.len() as u64)?;
    if m.permissions() != *perms {
        file.set_permissions(perms.clone())?;
    }
    file.sync_all()?;
    Ok(true)
}

impl Staged {
    /// The second half: gives the staged file the name `path` (failing if a
    /// file has it, unless it was staged to go [`Put::Over`] it) and syncs
    /// the folder.
    ///
    /// # Errors
    ///
    /// The I/O error of the rename or the folder's sync.
    pub fn put(self, path: &Path) -> io::Result<()> {
        self.rename(path)?;
        sync_dir(parent(path))
    }

    /// [`Staged::put`] without the folder's sync, which the caller does
    /// (beside another sync that may wait for the disk at the same time).
    ///
    /// # Errors
    ///
    /// The error of the rename (`path` exists, for a new file).
    pub fn rename(self, path: &Path) -> io::Result<()> {
        match (self.file, self.over) {
            (StagedFile::Spare(spare), _) => rename_new(&spare, path),
            (StagedFile::Temp(tmp), false) => {
                tmp.persist_noclobber(path).map(drop).map_err(|e| e.error)
            }
            (StagedFile::Temp(tmp), true) => tmp.persist(path).map(drop).map_err(|e| e.error),
        }
    }
}

/// Renames `from` to `to`, failing if `to` exists.
fn rename_new(from: &Path, to: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    // Tests: a filesystem without the flag (`link`), and one whose removal of
    // the old name then fails (`full:link-unlink`).
    let without_flag = super::failpoint_set("link") || super::failpoint_set("full:link-unlink");
    let renamed = if without_flag {
        Err(rustix::io::Errno::INVAL)
    } else {
        renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE)
    };
    match renamed {
        Ok(()) => Ok(()),
        // A filesystem without the flag: a link fails the same way if `to` exists.
        Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {
            fs::hard_link(from, to)?;
            // Linked, the file has its name: the change has landed, whatever
            // becomes of the old name. Should that stay, it is a second link
            // no one writes through (a spare with two links is not reused,
            // and the move's source then takes the spare's name).
            let _ = super::failpoint_error("link-unlink").and_then(|()| fs::remove_file(from));
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Removes `path` (a ticket that was moved), keeping its inode as the next
/// spare when it is ours alone and no spare is kept yet; the folder is not synced.
///
/// # Errors
///
/// The error of removing `path` (a spare that cannot be kept is no error).
pub fn retire(path: &Path, spare: &Path) -> io::Result<()> {
    if spare_worthy(&fs::symlink_metadata(path)?) && rename_new(path, spare).is_ok() {
        return Ok(());
    }
    fs::remove_file(path)
}

/// Whether a file can be the spare: a regular file with no other name,
/// owned by this user and writable by its owner (a read-only ticket kept
/// there would only be skipped by every later move).
fn spare_worthy(m: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    m.is_file()
        && m.nlink() == 1
        && m.uid() == rustix::process::geteuid().as_raw()
        && m.mode() & 0o200 != 0
}

/// Replaces `path` with what `fill` writes, reusing the inode of the version
/// before: the new bytes go to `spare` (the previous version, written over
/// from its start, then cut to length), the current version is kept alive
/// under `keep`, `spare` is renamed over `path`, and the old version becomes
/// the next spare. Readers of `path` see the old or the new file, never a mix
/// (the rename is atomic), and no inode is freed or allocated: replacing a
/// large file costs a copy, not the release and allocation of its blocks.
/// With `sync`, the new bytes reach the disk before the rename and the folder
/// after it, as in [`write_atomic`]; without, for derived files only. Falls
/// back to [`write_atomic_with`] where hard links or the rename between
/// folders are not available. (A new inode costs more than all the rest: on
/// some systems over a millisecond to create and a fraction to free.)
///
/// # Errors
///
/// As [`write_atomic`].
pub fn replace_reusing(
    path: &Path,
    spare: &Path,
    keep: &Path,
    fill: impl Fn(&mut File) -> io::Result<()>,
    sync: bool,
) -> io::Result<()> {
    prepare_replacement(path, spare, &fill, sync)?;
    if swap_replacement(path, spare, keep, sync)? {
        Ok(())
    } else {
        write_atomic_with(path, fill, None, sync)
    }
}

/// [`replace_reusing`]'s first half, which may run while other work waits
/// for the disk: `spare` (made when missing, made anew when it is not ours
/// alone) gets `path`'s permissions and what `fill` writes, from its start,
/// cut to length; `path` is untouched.
///
/// # Errors
///
/// The I/O error of the step that failed.
pub fn prepare_replacement(
    path: &Path,
    spare: &Path,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
    sync: bool,
) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let current = fs::metadata(path).ok();
    // A spare that is not ours alone (a link, another name of `path`) is not reused.
    if let Ok(m) = fs::symlink_metadata(spare)
        && (!m.is_file()
            || m.nlink() != 1
            || current
                .as_ref()
                .is_some_and(|c| c.ino() == m.ino() && c.dev() == m.dev()))
    {
        fs::remove_file(spare)?;
    }
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(spare)?;
    if let Some(c) = &current
        && f.metadata()?.permissions() != c.permissions()
    {
        f.set_permissions(c.permissions())?;
    }
    fill(&mut f)?;
    let len = io::Seek::stream_position(&mut f)?;
    f.set_len(len)?;
    if sync {
        f.sync_all()?;
    }
    Ok(())
}

/// [`replace_reusing`]'s second half: `spare`, filled by
/// [`prepare_replacement`], is
/// renamed over `path`, and the version before, kept alive under `keep`
/// meanwhile, becomes the next spare. `Ok(false)`: the rename cannot be
/// done here (hard links or the rename between folders are not available),
/// `path` is as it was and `spare` is gone.
///
/// # Errors
///
/// An error removing a `keep` left over, or syncing the folder.
pub fn swap_replacement(path: &Path, spare: &Path, keep: &Path, sync: bool) -> io::Result<bool> {
    match fs::remove_file(keep) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let linked = fs::hard_link(path, keep).is_ok();
    super::failpoint("registry-linked");
    if fs::rename(spare, path).is_err() {
        if linked {
            let _ = fs::remove_file(keep);
        }
        let _ = fs::remove_file(spare);
        return Ok(false);
    }
    if linked {
        let _ = fs::rename(keep, spare);
    }
    if sync {
        sync_dir(parent(path))?;
    }
    Ok(true)
}

/// Compares a file with bytes given a piece at a time ([`Compare::feed`]),
/// reading as much of the file as each piece, never holding either whole.
pub struct Compare {
    file: File,
    len: u64,
    at: u64,
    same: bool,
    error: Option<io::Error>,
    buf: Vec<u8>,
}

impl Compare {
    /// # Errors
    ///
    /// An error reading `file`'s length.
    pub fn new(file: File) -> io::Result<Compare> {
        let len = file.metadata()?.len();
        Ok(Compare {
            file,
            len,
            at: 0,
            same: true,
            error: None,
            buf: Vec::new(),
        })
    }

    /// The next bytes; once they differ, the rest is not read.
    pub fn feed(&mut self, bytes: &[u8]) {
        use std::os::unix::fs::FileExt;
        let end = self.at + bytes.len() as u64;
        if !self.same || end > self.len {
            self.same = false;
            return;
        }
        self.buf.resize(bytes.len(), 0);
        match self.file.read_exact_at(&mut self.buf, self.at) {
            Ok(()) => self.same = self.buf == bytes,
            Err(e) => {
                self.same = false;
                self.error = Some(e);
            }
        }
        self.at = end;
    }

    /// Whether the file held exactly the bytes fed, no more.
    ///
    /// # Errors
    ///
    /// An error reading the file.
    pub fn finish(self) -> io::Result<bool> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.same && self.at == self.len),
        }
    }
}

/// # Errors
///
/// An error opening or syncing `dir`.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Whether the temp file `name` is a leftover: the process that made it
/// (named after the prefix: `.tix-tmp-PID-…`) no longer runs; one without a
/// process id (made by an older tix) counts as a leftover when `unnamed`.
#[must_use]
pub fn temp_left(name: &str, unnamed: bool) -> bool {
    let maker = name
        .strip_prefix(TEMP_PREFIX)
        .and_then(|rest| rest.split_once('-'))
        .and_then(|(pid, _)| pid.parse::<i32>().ok())
        .and_then(rustix::process::Pid::from_raw);
    match maker {
        // ESRCH: no such process; EPERM: it runs, as another user.
        Some(pid) => rustix::process::test_kill_process(pid) == Err(rustix::io::Errno::SRCH),
        None => unnamed,
    }
}

/// The leftover temp files of tix in `dir` (see [`temp_left`]), removed
/// where `remove` and the folder allows (best effort: a tree this run
/// cannot write keeps them). Returns the names of those still there.
#[must_use]
pub fn sweep_temps(dir: &Path, unnamed: bool, remove: bool) -> Vec<String> {
    let mut left: Vec<String> = temp_files(dir)
        .filter(|(name, path)| {
            temp_left(name, unnamed) && !(remove && fs::remove_file(path).is_ok())
        })
        .map(|(name, _)| name)
        .collect();
    left.sort();
    left
}

/// The temp files of tix in `dir`, by name and path (none when it cannot be
/// listed; an entry that cannot be read is skipped).
fn temp_files(dir: &Path) -> impl Iterator<Item = (String, std::path::PathBuf)> {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            // The name first: the type may cost a `stat` where the listing
            // does not give it.
            let name = e.file_name().to_string_lossy().into_owned();
            (name.starts_with(TEMP_PREFIX) && e.file_type().is_ok_and(|t| t.is_file()))
                .then(|| (name, e.path()))
        })
}

/// Whether the bytes whose fingerprint is `fingerprint` are still staged:
/// in a temp file of tix in `dir`, or in `spare`. A rename gives a staged
/// file its name and takes that one away, so then the rename never
/// happened, whatever file is at the destination.
#[must_use]
pub fn staged_left(dir: &Path, spare: &Path, fingerprint: &str) -> bool {
    let holds = |p: &Path| {
        fs::symlink_metadata(p).is_ok_and(|m| m.is_file())
            && fs::read(p).is_ok_and(|b| self::fingerprint(&b) == fingerprint)
    };
    holds(spare) || temp_files(dir).any(|(_, path)| holds(&path))
}

/// Removes temp files that a killed run left in `dir`; returns their names.
///
/// # Errors
///
/// An error listing `dir` (one that does not exist is empty) or removing a
/// temp file.
pub fn remove_temps(dir: &Path) -> io::Result<Vec<String>> {
    let mut removed = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(removed),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(TEMP_PREFIX) && entry.file_type()?.is_file() {
            fs::remove_file(entry.path())?;
            removed.push(name);
        }
    }
    Ok(removed)
}

/// At most the first `most` bytes of a file (none when it cannot be read).
#[must_use]
pub fn read_head(path: &Path, most: u64) -> Vec<u8> {
    let mut head = Vec::new();
    if let Ok(file) = File::open(path) {
        let _ = file.take(most).read_to_end(&mut head);
    }
    head
}

/// FNV-1a, 64 bits: a stable content fingerprint for the journal.
#[must_use]
pub fn fingerprint(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}-{}", bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_file_compares_piece_by_piece() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.md");
        fs::write(&p, "abcdef").unwrap();
        let cmp = |pieces: &[&str]| {
            let mut c = Compare::new(File::open(&p).unwrap()).unwrap();
            for piece in pieces {
                c.feed(piece.as_bytes());
            }
            c.finish().unwrap()
        };
        assert!(cmp(&["abc", "", "def"]));
        assert!(cmp(&["abcdef"]));
        assert!(!cmp(&["abc", "deg"]));
        assert!(!cmp(&["abc", "de"]), "the file is longer");
        assert!(!cmp(&["abc", "defg"]), "the file is shorter");
        assert!(!cmp(&["x", "bcdef"]), "a difference before the end");
    }

    #[test]
    fn only_a_file_of_its_own_grows_in_place() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("last-id");
        // None yet: nothing written.
        assert!(grow_in_place(&p, b"TIX 1\n").unwrap().is_none());
        assert!(!p.exists());
        fs::write(&p, "TIX 9\n").unwrap();
        let ino = fs::metadata(&p).unwrap().ino();
        grow_in_place(&p, b"TIX 10\n")
            .unwrap()
            .unwrap()
            .sync_data()
            .unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"TIX 10\n");
        assert_eq!(fs::metadata(&p).unwrap().ino(), ino, "the same inode");
        // Shorter: old bytes would stay at its end.
        assert!(grow_in_place(&p, b"TIX 8\n").unwrap().is_none());
        // Over a sector: a power loss could keep half of it.
        assert!(
            grow_in_place(&p, &[b'x'; IN_PLACE_MAX + 1])
                .unwrap()
                .is_none()
        );
        assert_eq!(fs::read(&p).unwrap(), b"TIX 10\n");
        // Another name of the file, or a symlink: never written through.
        let link = dir.path().join("other");
        fs::hard_link(&p, &link).unwrap();
        assert!(grow_in_place(&p, b"TIX 11\n").unwrap().is_none());
        fs::remove_file(&link).unwrap();
        let sym = dir.path().join("sym");
        std::os::unix::fs::symlink(&p, &sym).unwrap();
        assert!(grow_in_place(&sym, b"TIX 11\n").unwrap().is_none());
        assert_eq!(fs::read(&p).unwrap(), b"TIX 10\n");
    }

    #[test]
    fn a_temp_file_is_left_over_when_its_maker_is_gone() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let me = std::process::id();
        assert!(temp_left(&format!("{TEMP_PREFIX}{dead}-abc"), false));
        assert!(!temp_left(&format!("{TEMP_PREFIX}{me}-abc"), true));
        // Without a process id (an older tix): as the caller says.
        assert!(temp_left(&format!("{TEMP_PREFIX}abc"), true));
        assert!(!temp_left(&format!("{TEMP_PREFIX}abc"), false));
        // And what this tix makes carries its own id.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.md");
        let tmp = staged(&file, |f| f.write_all(b"x"), None, false).unwrap();
        let name = tmp
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(name.starts_with(&format!("{TEMP_PREFIX}{me}-")), "{name}");
        assert_eq!(sweep_temps(dir.path(), true, true), Vec::<String>::new());
        assert!(tmp.path().exists(), "a live maker's file stays");
        fs::write(dir.path().join(format!("{TEMP_PREFIX}{dead}-x")), "").unwrap();
        assert_eq!(
            sweep_temps(dir.path(), false, false),
            [format!("{TEMP_PREFIX}{dead}-x")]
        );
        assert_eq!(sweep_temps(dir.path(), false, true), Vec::<String>::new());
        assert!(!dir.path().join(format!("{TEMP_PREFIX}{dead}-x")).exists());
    }

    #[test]
    fn replacing_keeps_permissions_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.md");
        fs::write(&p, "old").unwrap();
        fs::set_permissions(&p, Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, b"new", None, true).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o640
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    fn ino(p: &Path) -> u64 {
        use std::os::unix::fs::MetadataExt;
        fs::metadata(p).unwrap().ino()
    }

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_moved_ticket_s_inode_is_reused_for_the_next_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        fs::create_dir_all(&a).unwrap();
        fs::create_dir_all(&b).unwrap();
        let spare = dir.path().join("spare");
        // No spare yet: a new file, with the source's permissions.
        let src = a.join("one.md");
        fs::write(&src, "one").unwrap();
        fs::set_permissions(&src, Permissions::from_mode(0o640)).unwrap();
        write_new_reusing(&spare, &b.join("one.md"), b"ONE", &src).unwrap();
        assert_eq!(fs::read_to_string(b.join("one.md")).unwrap(), "ONE");
        assert_eq!(mode(&b.join("one.md")), 0o640);
        let old = ino(&src);
        retire(&src, &spare).unwrap();
        assert!(!src.exists());
        assert_eq!(ino(&spare), old, "the source became the spare");
        // The next new file is that inode, written over, with its own source's permissions.
        let src = a.join("two.md");
        fs::write(&src, "two").unwrap();
        fs::set_permissions(&src, Permissions::from_mode(0o600)).unwrap();
        write_new_reusing(&spare, &b.join("two.md"), b"2", &src).unwrap();
        assert_eq!(ino(&b.join("two.md")), old);
        assert_eq!(fs::read(b.join("two.md")).unwrap(), b"2");
        assert_eq!(mode(&b.join("two.md")), 0o600);
        assert!(!spare.exists());
        let names = |d: &Path| fs::read_dir(d).unwrap().count();
        assert_eq!((names(&a), names(&b)), (1, 2), "no temp file left");
    }

    #[test]
    fn a_spare_with_another_name_is_not_written_over() {
        let dir = tempfile::tempdir().unwrap();
        let spare = dir.path().join("spare");
        let other = dir.path().join("other.md");
        fs::write(&other, "keep me").unwrap();
        fs::hard_link(&other, &spare).unwrap();
        let src = dir.path().join("src.md");
        fs::write(&src, "x").unwrap();
        write_new_reusing(&spare, &dir.path().join("new.md"), b"new", &src).unwrap();
        assert_eq!(fs::read_to_string(&other).unwrap(), "keep me");
        assert_ne!(ino(&dir.path().join("new.md")), ino(&other));
        assert_eq!(
            fs::read_to_string(dir.path().join("new.md")).unwrap(),
            "new"
        );
    }

    #[test]
    fn a_retired_file_with_another_name_or_a_spare_already_kept_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let spare = dir.path().join("spare");
        let linked = dir.path().join("linked.md");
        fs::write(&linked, "a").unwrap();
        fs::hard_link(&linked, dir.path().join("elsewhere.md")).unwrap();
        retire(&linked, &spare).unwrap();
        assert!(!linked.exists() && !spare.exists());
        fs::write(&spare, "spare").unwrap();
        let plain = dir.path().join("plain.md");
        fs::write(&plain, "b").unwrap();
        retire(&plain, &spare).unwrap();
        assert!(!plain.exists());
        assert_eq!(fs::read_to_string(&spare).unwrap(), "spare");
    }

    #[test]
    fn a_read_only_ticket_is_removed_not_kept_as_the_spare() {
        let dir = tempfile::tempdir().unwrap();
        let spare = dir.path().join("spare");
        let src = dir.path().join("ro.md");
        fs::write(&src, "x").unwrap();
        fs::set_permissions(&src, Permissions::from_mode(0o444)).unwrap();
        retire(&src, &spare).unwrap();
        assert!(!src.exists() && !spare.exists());
    }

    #[test]
    fn a_new_file_from_the_spare_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let spare = dir.path().join("spare");
        fs::write(&spare, "old spare").unwrap();
        let dst = dir.path().join("dst.md");
        fs::write(&dst, "mine").unwrap();
        let src = dir.path().join("src.md");
        fs::write(&src, "x").unwrap();
        assert!(write_new_reusing(&spare, &dst, b"theirs", &src).is_err());
        assert_eq!(fs::read_to_string(&dst).unwrap(), "mine");
    }

    #[test]
    fn write_new_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.md");
        fs::write(&p, "mine").unwrap();
        assert!(write_new(&p, b"theirs", None).is_err());
        assert_eq!(fs::read_to_string(&p).unwrap(), "mine");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
