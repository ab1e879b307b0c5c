//! Sorted line-oriented text, searched without reading all of it: the index
//! (sorted by id) and the registry's tables (sorted as shown) are both found
//! into by binary search over byte offsets. [`Lines`] is where the bytes come
//! from: a string in memory, or a file read a few hundred bytes at a time.

use std::borrow::Cow;
use std::ops::Range;

/// Text made of whole lines, each ending in `\n`, read by offset.
pub trait Lines {
    /// The line that starts at `start` (without its newline), and the offset
    /// of the next one; `None` past the end or on a read error.
    fn line(&self, start: usize) -> Option<(Cow<'_, str>, usize)>;
    /// The offset of the first line that starts at or after `at` (`end` if
    /// none does before it).
    fn next_start(&self, at: usize, end: usize) -> Option<usize>;
}

impl Lines for str {
    fn line(&self, start: usize) -> Option<(Cow<'_, str>, usize)> {
        let rest = self.get(start..)?;
        let n = rest.find('\n')?;
        Some((Cow::Borrowed(&rest[..n]), start + n + 1))
    }

    fn next_start(&self, at: usize, end: usize) -> Option<usize> {
        if at == 0 {
            return Some(0);
        }
        let hay = self.as_bytes().get(at - 1..end)?;
        Some(hay.iter().position(|b| *b == b'\n').map_or(end, |i| at + i))
    }
}

/// The offset of the first line in `range` (a range of whole lines) for which
/// `at_or_after` holds; the lines must be ordered so that it is false, then
/// true. O(log n) calls. `None` when a line cannot be read.
pub fn lower_bound<L: Lines + ?Sized>(
    src: &L,
    range: Range<usize>,
    mut at_or_after: impl FnMut(&str) -> bool,
) -> Option<usize> {
    let (mut lo, mut hi) = (range.start, range.end);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        // The first line that starts at or after `mid` (`lo` starts one).
        let s = if mid == lo {
            lo
        } else {
            src.next_start(mid, hi)?
        };
        let probe = if s >= hi { lo } else { s };
        let (line, end) = src.line(probe)?;
        if at_or_after(&line) {
            hi = probe;
        } else {
            lo = end;
        }
    }
    Some(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_bound_over_lines() {
        let text: String = (0..100).map(|i| format!("{i:03}\n")).collect();
        for want in 0..=100 {
            let at = lower_bound(text.as_str(), 0..text.len(), |l| {
                l.parse::<usize>().unwrap() >= want
            });
            assert_eq!(at, Some(want * 4), "{want}");
        }
        // A sub-range: lines 10..20 only.
        let at = lower_bound(text.as_str(), 40..80, |l| l.parse::<usize>().unwrap() >= 15);
        assert_eq!(at, Some(60));
        assert_eq!(lower_bound("", 0..0, |_| true), Some(0));
        assert_eq!(lower_bound("a\n", 0..2, |_| false), Some(2));
        // Lines of very different lengths.
        let text = "a\nbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\nc\nd\n";
        for (want, at) in [('a', 0), ('b', 2), ('c', 39), ('d', 41), ('e', 43)] {
            assert_eq!(
                lower_bound(text, 0..text.len(), |l| l.chars().next().unwrap() >= want),
                Some(at)
            );
        }
    }
}
