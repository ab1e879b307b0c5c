//! [`Text`]: a string read from a ticket or from the index, either owned or
//! a slice of a buffer that several values share.
//!
//! The index holds a record per ticket, and a run decodes them by the ten
//! thousand: each field is a slice of the text read from the index, which
//! stays alive as long as one of them does (a reference count), so nothing
//! is copied and nothing outlives its last user. That text is a [`Buf`]: a
//! string, or the index file mapped into memory.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, Range};
use std::sync::Arc;

/// A string: a literal, owned, or a slice of a shared buffer. It compares,
/// hashes and prints as the `str` it holds.
///
/// Whatever it holds, it is a counted buffer and where in it the string is:
/// 16 bytes, and as many in an `Option` (a literal or an owned string is a
/// buffer of its own). A ticket's record holds a dozen of them, so at
/// 100,000 tickets this is 10 MB less than an enum of the three (24 bytes).
#[derive(Clone)]
pub struct Text {
    buf: Arc<Buf>,
    /// `buf[start..end]`, or all of it when `end` is [`WHOLE`].
    start: u32,
    end: u32,
}

/// `end` of a text that is its whole buffer (a literal or an owned string,
/// of any length).
const WHOLE: u32 = u32::MAX;

impl Text {
    /// `buf[range]` without copying it; `None` when `range` is not a slice of
    /// `buf` on character boundaries. Offsets must fit in `u32` (below
    /// `WHOLE`); a slice of a larger buffer is copied.
    #[must_use]
    pub fn shared(buf: &Arc<Buf>, range: Range<usize>) -> Option<Text> {
        let s = buf.get(range.clone())?;
        Some(
            match (u32::try_from(range.start), u32::try_from(range.end)) {
                (Ok(start), Ok(end)) if end != WHOLE => Text {
                    buf: Arc::clone(buf),
                    start,
                    end,
                },
                _ => Text::from(s.to_string()),
            },
        )
    }

    /// `buf[range]` for a range known to be on character boundaries (one
    /// cut at ASCII bytes of text that is itself a slice of `buf`): the
    /// check of `shared` left out, as a decoder of ten thousand records
    /// would make it a hundred thousand times. `None` when the range is
    /// off the buffer.
    #[must_use]
    pub(crate) fn at(buf: &Arc<Buf>, range: Range<usize>) -> Option<Text> {
        if range.end > buf.len() || range.start > range.end {
            return None;
        }
        debug_assert!(buf.get(range.clone()).is_some(), "not on boundaries");
        match (u32::try_from(range.start), u32::try_from(range.end)) {
            (Ok(start), Ok(end)) if end != WHOLE => Some(Text {
                buf: Arc::clone(buf),
                start,
                end,
            }),
            _ => Text::shared(buf, range),
        }
    }

    /// `sub`, which must be a slice of `buf` itself (not a copy of one),
    /// without copying it; `None` when it is not.
    #[must_use]
    pub fn within(buf: &Arc<Buf>, sub: &str) -> Option<Text> {
        // Where `sub` starts in `buf`, by address. Two live allocations never
        // overlap, so text that is not a slice of `buf` falls outside its
        // bounds, which `shared` checks (an empty `sub` is empty either way).
        let start = (sub.as_ptr() as usize).checked_sub(buf.as_ptr() as usize)?;
        Text::shared(buf, start..start.checked_add(sub.len())?)
    }

    /// `self[range]`, sharing the buffer; `None` when `range` is not on
    /// character boundaries.
    #[must_use]
    pub fn slice(&self, range: Range<usize>) -> Option<Text> {
        self.as_str().get(range.clone())?;
        let at = if self.end == WHOLE {
            0
        } else {
            self.start as usize
        };
        Text::shared(&self.buf, at + range.start..at + range.end)
    }

    /// [`Text::slice`] for a range known to be on character boundaries (cut
    /// at ASCII bytes of this text), without checking them again: an id's
    /// parts, cut by the ten thousand. `None` when the range is off the text.
    #[must_use]
    pub(crate) fn slice_at(&self, range: Range<usize>) -> Option<Text> {
        let at = self.start as usize;
        if self.end == WHOLE || range.start > range.end || at + range.end > self.end as usize {
            return self.slice(range);
        }
        Text::at(&self.buf, at + range.start..at + range.end)
    }

    /// Whether this is a slice of a buffer (not a literal or a string of its
    /// own).
    #[must_use]
    pub fn is_shared(&self) -> bool {
        self.end != WHOLE
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        let all = self.buf.as_str();
        if self.end == WHOLE {
            all
        } else {
            &all[self.start as usize..self.end as usize]
        }
    }

    #[must_use]
    pub fn into_owned(mut self) -> String {
        // An owned string no other text shares is given back as it is.
        if self.end == WHOLE
            && let Some(Buf(BufRepr::Owned(s))) = Arc::get_mut(&mut self.buf)
        {
            return std::mem::take(s);
        }
        self.as_str().to_string()
    }

    fn whole(buf: Buf) -> Text {
        Text {
            buf: Arc::new(buf),
            start: 0,
            end: WHOLE,
        }
    }
}

/// `parts` copied into one shared buffer, each given back, in order, as a
/// slice of it (an empty part as the empty text): one allocation for all
/// the strings of a ticket instead of one each, which at 10,000 tickets
/// read from their files is a few megabytes of allocator overhead less.
/// The slices are cut where the parts were put, on their boundaries, so
/// they are not checked again.
pub fn pack<'p>(parts: &'p [&str]) -> impl Iterator<Item = Text> + use<'p> {
    let mut buf = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        buf.push_str(p);
    }
    let buf = Arc::new(Buf::from(buf));
    let mut start = 0;
    parts.iter().map(move |p| {
        let end = start + p.len();
        let text = Text::at(&buf, start..end).unwrap_or_else(|| Text::from((*p).to_string()));
        start = end;
        text
    })
}

/// Text read whole and shared by the [`Text`]s sliced from it: a string, or
/// a file mapped read-only into memory.
///
/// A mapping is not copied: at 100,000 tickets the index is 20 MB, and
/// reading it into a string took 19 ms (the copy, and the new memory's
/// pages faulted in and zeroed) where mapping it and checking it is UTF-8
/// takes 3. Its pages are the page cache's own, shared and never written.
pub struct Buf(BufRepr);

enum BufRepr {
    Owned(String),
    Static(&'static str),
    /// `len` bytes at `at`, checked to be UTF-8 when mapped; unmapped on drop.
    Mapped {
        at: std::ptr::NonNull<u8>,
        len: usize,
    },
}

// SAFETY: a mapping is read-only, private and never changed through this
// value: reading it from any thread is reading immutable memory, as for a
// `String` behind a shared reference.
unsafe impl Send for Buf {}
// SAFETY: as above; `&Buf` gives only `&str`.
unsafe impl Sync for Buf {}

impl Buf {
    /// `file`, whole, mapped read-only (a string when it is empty, the one
    /// length no mapping has). An error when it is not UTF-8.
    ///
    /// The mapping shows the file as it is while it is used: a program that
    /// cut the file short meanwhile would make reading past its new end
    /// fault. tix never does: the file it maps (`.tix/index`) is replaced by
    /// a rename (the mapped file stays as it was) or grows by an append,
    /// which changes no byte already there and none of the mapping's length
    /// (a torn append at its end is what a reader that takes no lock, such as
    /// shell completion, may see either way, and the index does not trust).
    pub fn map(file: &File) -> std::io::Result<Buf> {
        use rustix::mm::{MapFlags, ProtFlags, mmap};
        let len = usize::try_from(file.metadata()?.len())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::OutOfMemory))?;
        if len == 0 {
            return Ok(Buf::from(String::new()));
        }
        // SAFETY: a new mapping at an address the kernel picks (no other
        // memory is affected), read-only and private; `len` is the file's
        // length, so every byte of it is backed by the file.
        let at = unsafe {
            mmap(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ,
                MapFlags::PRIVATE,
                file,
                0,
            )?
        };
        let Some(at) = std::ptr::NonNull::new(at.cast::<u8>()) else {
            return Err(std::io::Error::other("mmap gave a null address"));
        };
        let buf = Buf(BufRepr::Mapped { at, len });
        // SAFETY: the mapping is `len` readable bytes, alive as long as `buf`.
        let bytes = unsafe { std::slice::from_raw_parts(at.as_ptr(), len) };
        if let Err(e) = std::str::from_utf8(bytes) {
            // Unmapped as `buf` drops.
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e));
        }
        Ok(buf)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            BufRepr::Owned(s) => s,
            BufRepr::Static(s) => s,
            // SAFETY: `len` readable bytes, alive until `self` drops, and
            // checked to be UTF-8 when mapped (they never change: see `map`).
            BufRepr::Mapped { at, len } => unsafe {
                std::str::from_utf8_unchecked(std::slice::from_raw_parts(at.as_ptr(), *len))
            },
        }
    }
}

impl Drop for Buf {
    fn drop(&mut self) {
        if let BufRepr::Mapped { at, len } = self.0 {
            // SAFETY: the mapping made in `map`, unmapped once; nothing
            // borrowed from it outlives `self`.
            let _ = unsafe { rustix::mm::munmap(at.as_ptr().cast(), len) };
        }
    }
}

impl From<String> for Buf {
    fn from(s: String) -> Buf {
        Buf(BufRepr::Owned(s))
    }
}

impl Default for Buf {
    fn default() -> Buf {
        Buf::from(String::new())
    }
}

impl Deref for Buf {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Buf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl fmt::Debug for Buf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            BufRepr::Owned(s) => f.debug_tuple("Owned").field(&s.len()).finish(),
            BufRepr::Static(s) => f.debug_tuple("Static").field(&s.len()).finish(),
            BufRepr::Mapped { len, .. } => f.debug_tuple("Mapped").field(len).finish(),
        }
    }
}

/// The empty text, one buffer for all of them.
static EMPTY: std::sync::LazyLock<Arc<Buf>> =
    std::sync::LazyLock::new(|| Arc::new(Buf(BufRepr::Static(""))));

impl Default for Text {
    fn default() -> Text {
        Text {
            buf: Arc::clone(&EMPTY),
            start: 0,
            end: WHOLE,
        }
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&'static str> for Text {
    fn from(s: &'static str) -> Text {
        if s.is_empty() {
            return Text::default();
        }
        Text::whole(Buf(BufRepr::Static(s)))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        if s.is_empty() {
            return Text::default();
        }
        Text::whole(Buf::from(s))
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        t.into_owned()
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_parts_are_the_parts_in_one_buffer() {
        let parts = ["TIX-0001", "", "A title: ütf-8 ✓", "pending", "x"];
        let texts: Vec<Text> = pack(&parts).collect();
        assert_eq!(texts.iter().map(|t| &**t).collect::<Vec<_>>(), parts);
        assert!(texts.iter().all(Text::is_shared), "one buffer, shared");
        assert_eq!(pack(&[]).count(), 0);
    }

    #[test]
    fn a_shared_slice_is_the_text_it_points_at_and_keeps_the_buffer() {
        let buf: Arc<Buf> = Arc::new(Buf::from(String::from("TIX-0001\tTitle\n")));
        let id = Text::shared(&buf, 0..8).unwrap();
        let title = Text::shared(&buf, 9..14).unwrap();
        drop(buf);
        assert_eq!(id, "TIX-0001");
        assert_eq!(title.as_str(), "Title");
        assert!(id.is_shared());
        let prefix = id.slice(0..3).unwrap();
        assert!(prefix.is_shared());
        assert_eq!(prefix, Text::from("TIX"));
        assert_eq!(prefix.into_owned(), "TIX");
    }

    #[test]
    fn a_text_takes_two_thirds_of_the_room_of_a_string() {
        assert_eq!(size_of::<Text>(), 16);
        assert_eq!(size_of::<Option<Text>>(), 16);
    }

    #[test]
    fn literals_owned_strings_and_their_slices_are_what_they_hold() {
        let owned = Text::from(String::from("TIX-0001 é"));
        assert!(!owned.is_shared());
        let prefix = owned.slice(0..3).unwrap();
        assert!(prefix.is_shared());
        assert_eq!(prefix, "TIX");
        assert_eq!(owned.slice(9..11).unwrap(), "é");
        assert!(owned.slice(10..11).is_none(), "inside a character");
        assert!(owned.slice(9..20).is_none(), "past the end");
        assert_eq!(prefix.slice(1..2).unwrap(), "I");
        assert_eq!(owned.into_owned(), "TIX-0001 é");
        let literal = Text::from("pending");
        assert_eq!(literal.slice(0..4).unwrap(), "pend");
        assert_eq!(literal.into_owned(), "pending");
        assert_eq!(Text::default(), "");
        assert_eq!(Text::from(String::new()), Text::from(""));
        // An owned string another text still shares is copied out.
        let owned = Text::from(String::from("shared"));
        let kept = owned.clone();
        assert_eq!(owned.into_owned(), "shared");
        assert_eq!(kept, "shared");
    }

    #[test]
    fn a_range_off_the_buffer_or_inside_a_character_is_refused() {
        let buf: Arc<Buf> = Arc::new(Buf::from(String::from("é-1")));
        assert!(Text::shared(&buf, 0..1).is_none());
        assert!(Text::shared(&buf, 2..9).is_none());
        assert!(Text::from(String::from("é")).slice(1..2).is_none());
        let other = String::from("é-1");
        assert!(
            Text::within(&buf, &other).is_none(),
            "a copy is not a slice"
        );
        assert_eq!(Text::within(&buf, &buf[2..]).unwrap(), "-1");
        assert_eq!(Text::at(&buf, 2..4).unwrap(), "-1");
        assert!(Text::at(&buf, 2..5).is_none(), "off the end");
        assert_eq!(Text::shared(&buf, 0..2).unwrap(), "é");
    }

    #[test]
    fn texts_compare_and_hash_as_their_strings_whatever_they_hold() {
        use std::collections::HashSet;
        let buf: Arc<Buf> = Arc::new(Buf::from(String::from("abc")));
        let shared = Text::shared(&buf, 0..3).unwrap();
        let owned = Text::from(String::from("abc"));
        let literal = Text::from("abc");
        assert_eq!(shared, owned);
        assert_eq!(owned, literal);
        let set: HashSet<Text> = [shared, owned, literal].into_iter().collect();
        assert_eq!(set.len(), 1);
        let (abc, abd) = (Text::from(String::from("abc")), Text::from("abd"));
        assert_eq!(abd.cmp(&abc), Ordering::Greater);
        assert_eq!(format!("{:?}", Text::from("a\"b")), "\"a\\\"b\"");
    }

    #[test]
    fn a_mapped_file_is_its_text_shared_by_slices_that_outlive_the_handle() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let text = "tix-index 5\té-1\n".repeat(2000);
        std::fs::write(&path, &text).unwrap();
        let buf = Arc::new(Buf::map(&File::open(&path).unwrap()).unwrap());
        assert!(format!("{buf:?}").starts_with("Mapped("));
        assert_eq!(&**buf, text.as_str());
        let t = Text::within(&buf, &buf[12..16]).unwrap();
        drop(buf);
        assert_eq!(t, "é-1");
        // A later append is not seen; the mapping stays the length it was.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"more\n"))
            .unwrap();
        assert_eq!(t, "é-1");
    }

    #[test]
    fn an_empty_file_maps_to_the_empty_text_and_bytes_not_utf8_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        std::fs::write(&path, "").unwrap();
        assert_eq!(&*Buf::map(&File::open(&path).unwrap()).unwrap(), "");
        std::fs::write(&path, b"ok\n\xff\n").unwrap();
        let err = Buf::map(&File::open(&path).unwrap()).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    }
}
