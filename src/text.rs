//! Text from outside (titles, agents, paths, payloads) made safe to show.

use std::borrow::Cow;

/// True for characters that must not be shown raw: control characters (tab
/// aside), bidi overrides and isolates (they can reorder what a reader sees),
/// zero-width and tag characters.
pub fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}' | '\u{e0000}'..='\u{e007f}')
}

/// Text for a terminal: what [`needs_escape`] is written as `\u{…}`.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}
