//! Crash-safe file writes: write to a temp file in the destination folder, fsync,
//! rename, fsync the folder. A file is never truncated in place.

use std::fs::{self, File, Permissions};
use std::io::{self, Write};
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

/// A temp file in `path`'s folder holding `bytes`, with `perms` (or the usual
/// 0666 less umask for a new file), flushed to disk.
fn staged(
    path: &Path,
    bytes: &[u8],
    perms: Option<Permissions>,
    sync: bool,
) -> io::Result<tempfile::NamedTempFile> {
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .permissions(Permissions::from_mode(0o666))
        .tempfile_in(parent(path))?;
    if let Some(p) = perms {
        tmp.as_file().set_permissions(p)?;
    }
    tmp.write_all(bytes)?;
    if sync {
        tmp.as_file().sync_all()?;
    }
    Ok(tmp)
}

/// Replaces (or creates) `path` with `bytes`, keeping the permissions of
/// `perms_from` (usually the file being replaced).
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    perms_from: Option<&Path>,
    sync: bool,
) -> io::Result<()> {
    let perms = match perms_from {
        Some(p) => Some(fs::metadata(p)?.permissions()),
        None => fs::metadata(path).ok().map(|m| m.permissions()),
    };
    let tmp = staged(path, bytes, perms, sync)?;
    tmp.persist(path).map_err(|e| e.error)?;
    if sync {
        sync_dir(parent(path))?;
    }
    Ok(())
}

/// Creates `path` with `bytes`; fails (and leaves nothing behind) if it exists.
pub fn write_new(path: &Path, bytes: &[u8], perms_from: Option<&Path>) -> io::Result<()> {
    let perms = match perms_from {
        Some(p) => Some(fs::metadata(p)?.permissions()),
        None => None,
    };
    let tmp = staged(path, bytes, perms, true)?;
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    sync_dir(parent(path))
}

pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Removes temp files that a killed run left in `dir`; returns their names.
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

/// FNV-1a, 64 bits: a stable content fingerprint for the journal.
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
