//! A fast reader for the plain frontmatter most tickets have: `key: value`
//! lines whose values are text, whole numbers, timestamps, values quoted
//! on one line without escapes, or lists of those (`[a, b]`, or `- a`
//! lines). It gives exactly the mapping `serde_yaml` gives for such text,
//! without its parser's events and allocations (at 100,000 tickets `sync
//! --check` took 2.4 s of CPU instead of 3.1 s), and `None` for anything
//! else — escapes, comments after a value, anchors, tags, nested mappings,
//! folded or block values, a value YAML could read as a boolean, null or
//! float, a key given twice — which then goes to `serde_yaml` as before
//! (and gets its error messages). A test holds the two readers to the same
//! answers.

use serde_yaml::{Mapping, Number, Value};
use std::borrow::Cow;

/// A value as the plain reader reads it: its text borrowed from the
/// frontmatter where it stands there as it is (unquoted, or quoted without
/// a doubled quote), so that reading a ticket copies no value of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plain<'a> {
    Null,
    Str(Cow<'a, str>),
    Num(u64),
    Seq(Vec<Plain<'a>>),
}

impl Plain<'_> {
    /// The value as `serde_yaml` reads the same text.
    #[must_use]
    pub fn to_value(&self) -> Value {
        match self {
            Plain::Null => Value::Null,
            Plain::Str(s) => Value::String(s.to_string()),
            Plain::Num(n) => Value::Number(Number::from(*n)),
            Plain::Seq(items) => Value::Sequence(items.iter().map(Plain::to_value).collect()),
        }
    }
}

/// The frontmatter's mapping when it is plain enough (see the module);
/// `None`: ask `serde_yaml`.
#[must_use]
pub fn simple_mapping(yaml: &str) -> Option<Mapping> {
    Some(
        simple_pairs(yaml)?
            .into_iter()
            .map(|(k, v)| (Value::String(k.to_string()), v.to_value()))
            .collect(),
    )
}

/// [`simple_mapping`]'s keys and values, in order, the keys and the
/// values' text borrowed from `yaml` (see [`Plain`]): what a reader of a few
/// keys looks through, without hashing each key into a map (a frontmatter
/// has about ten).
#[must_use]
pub fn simple_pairs(yaml: &str) -> Option<Vec<(&str, Plain<'_>)>> {
    // Room for the keys of most frontmatters (it grows for more), which
    // the allocator serves from its per-thread cache.
    let mut map: Vec<(&str, Plain<'_>)> = Vec::with_capacity(16);
    let mut lines = crate::text::lines(yaml).map(line).peekable();
    while let Some(line) = lines.next() {
        let line = line?;
        if line.is_empty() {
            continue;
        }
        // A key is a short word: a pass over its bytes finds its colon
        // sooner than a search set up for a long text.
        let colon = line.bytes().position(|b| b == b':')?;
        let (key, rest) = (&line[..colon], &line[colon + 1..]);
        if !is_key(key) {
            return None;
        }
        let value = if rest.trim_end_matches(' ').is_empty() {
            // A block list may follow (`- item` lines, indented or not).
            let mut items = Vec::new();
            let mut indent = None;
            while let Some(Some(next)) = lines.peek() {
                let unindented = next.trim_start_matches(' ');
                let Some(item) = unindented.strip_prefix("- ") else {
                    break;
                };
                let at = next.len() - unindented.len();
                if *indent.get_or_insert(at) != at {
                    return None;
                }
                items.push(scalar(item, false)?);
                lines.next();
            }
            if items.is_empty() {
                Plain::Null
            } else {
                Plain::Seq(items)
            }
        } else {
            value(rest.strip_prefix(' ')?)?
        };
        if map.iter().any(|(k, _)| *k == key) {
            return None;
        }
        map.push((key, value));
    }
    Some(map)
}

/// Whether YAML reads `s`, written plain, as the string `s` itself, when
/// this reader can tell (`Some(false)`: as a number, or another string);
/// `None` when only YAML itself can say. What a writer asks before it
/// leaves a value unquoted, without starting a YAML parser for each.
#[must_use]
pub fn reads_as_itself(s: &str) -> Option<bool> {
    match scalar(s, false)? {
        Plain::Str(v) => Some(v == s),
        _ => Some(false),
    }
}

/// A line without its end of line; `None` for one that only YAML itself
/// should read (indented: a folded value or a nested mapping; a comment;
/// a tab, a lone carriage return or another control character).
fn line(raw: &str) -> Option<&str> {
    let l = raw.strip_suffix('\n').unwrap_or(raw);
    let l = l.strip_suffix('\r').unwrap_or(l);
    // A control character is a byte below a space or DEL in ASCII, and
    // U+0080–U+009F (`C2 80`–`C2 9F`) beyond it: the chars are decoded only
    // for a line that is not ASCII. One pass finds both, without a branch
    // for each byte.
    let (ascii, control) = l.bytes().fold((true, false), |(ascii, control), b| {
        (ascii & (b < 0x80), control | (b < b' ') | (b == 0x7f))
    });
    let control = if ascii {
        control
    } else {
        l.chars().any(char::is_control)
    };
    if control {
        return None;
    }
    // Indented `- item` lines are read by the list they belong to.
    let item = l.trim_start_matches(' ').starts_with("- ");
    (item || !(l.starts_with(' ') || l.starts_with('#'))).then_some(l)
}

/// A key YAML reads as a plain string: a letter or `_` first, then letters,
/// digits, `_` and `-`; not a word YAML could read as something else.
fn is_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !special_word(key)
}

/// A value after `key: `: empty (null), a flow list of scalars, or a scalar.
fn value(v: &str) -> Option<Plain<'_>> {
    let v = v.trim_end_matches(' ');
    if v.is_empty() {
        return Some(Plain::Null);
    }
    match v.strip_prefix('[') {
        Some(inner) => {
            let inner = inner.strip_suffix(']')?;
            if inner.trim_matches(' ').is_empty() {
                return Some(Plain::Seq(Vec::new()));
            }
            inner
                .split(',')
                .map(|item| scalar(item, true))
                .collect::<Option<Vec<_>>>()
                .map(Plain::Seq)
        }
        None => quoted(v).or_else(|| scalar(v, false)),
    }
}

/// A quoted value on one line, when it needs no escape but the doubled
/// quote of single quotes: `'it''s: fine'`, `"a, b"`. Always a string.
fn quoted(v: &str) -> Option<Plain<'_>> {
    let (q, inner) = match v.as_bytes() {
        [b'\'', .., b'\''] if v.len() >= 2 => ('\'', &v[1..v.len() - 1]),
        [b'"', .., b'"'] if v.len() >= 2 => ('"', &v[1..v.len() - 1]),
        _ => return None,
    };
    if !inner.chars().all(|c| c == ' ' || printable(c)) {
        return None;
    }
    let text = if q == '\'' && inner.contains('\'') {
        // A quote inside is written twice; a lone one ends the value early.
        if inner.replace("''", "").contains('\'') {
            return None;
        }
        Cow::Owned(inner.replace("''", "'"))
    } else if q == '"' && inner.contains(['"', '\\']) {
        return None;
    } else {
        Cow::Borrowed(inner)
    };
    Some(Plain::Str(text))
}

/// A character a plain or quoted scalar may hold as itself: not a control
/// character, and none YAML reads as a line break or a byte order mark.
fn printable(c: char) -> bool {
    !c.is_control()
        && !c.is_whitespace()
        && !matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        )
}

/// One plain scalar (in a flow list `[…]` when `flow`): a string, or a
/// whole number as YAML reads it. `None` for anything YAML might read
/// another way.
fn scalar(s: &str, flow: bool) -> Option<Plain<'_>> {
    let s = s.trim_matches(' ');
    // A letter, then letters, digits, spaces and punctuation that means
    // nothing in a plain scalar: most values (ids, titles, statuses,
    // labels), told by one pass without a branch for each byte. What the
    // checks below would find of them: a string, unless a special word.
    if s.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) && quiet(s.as_bytes()) {
        return (!special_word(s)).then_some(Plain::Str(Cow::Borrowed(s)));
    }
    let first = s.chars().next()?;
    // After a letter or digit, any printable character but a comment's
    // ` #` and a mapping's `: ` (and, in a flow list, its indicators).
    if !(first.is_alphanumeric()) || s.ends_with(':') || !plain_chars(s, flow) || special_word(s) {
        return None;
    }
    if first.is_ascii_digit() {
        if s.bytes().all(|b| b.is_ascii_digit()) {
            // As YAML writes it back: no leading zero (octal in YAML 1.1).
            if s.len() > 18 || (s != "0" && s.starts_with('0')) {
                return None;
            }
            return s.parse::<u64>().ok().map(Plain::Num);
        }
        // A number in another notation (1e3, 0x1F, 1_000, 1.5, 12:30) is
        // YAML's to read; a date or a timestamp has other characters.
        let numeric = |c: char| c.is_ascii_hexdigit() || "xXoO._+-:".contains(c);
        if s.chars().all(numeric) && !is_date(s) {
            return None;
        }
    }
    Some(Plain::Str(Cow::Borrowed(s)))
}

/// Whether every byte is printable ASCII or a space, and none is `:`,
/// `#`, or an indicator of a flow list (`,` `[` `]` `{` `}`).
fn quiet(bytes: &[u8]) -> bool {
    bytes.iter().fold(true, |ok, &b| {
        // `b | 0x20` folds `[` onto `{` and `]` onto `}`.
        ok & (b' '..=b'~').contains(&b)
            & (b != b':')
            & (b != b'#')
            & (b != b',')
            & (b | 0x20 != b'{')
            & (b | 0x20 != b'}')
    })
}

/// Whether a plain scalar's characters are all printable or spaces, with
/// no comment's ` #` or mapping's `: ` (and, in a flow list, none of its
/// indicators): for ASCII, one pass over the bytes.
fn plain_chars(s: &str, flow: bool) -> bool {
    let indicator = |c: char| flow && matches!(c, ',' | '[' | ']' | '{' | '}');
    if !s.is_ascii() {
        let allowed = |c: char| c == ' ' || (printable(c) && !indicator(c));
        return !s.contains(": ") && !s.contains(" #") && s.chars().all(allowed);
    }
    let mut prev = 0u8;
    for &b in s.as_bytes() {
        // Printable ASCII is `!` to `~`: the rest are controls or spaces.
        let allowed = b == b' ' || ((b'!'..=b'~').contains(&b) && !indicator(char::from(b)));
        if !allowed || (prev == b' ' && b == b'#') || (prev == b':' && b == b' ') {
            return false;
        }
        prev = b;
    }
    true
}

/// `2026-11-24`.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// Words YAML may read as a boolean, a null or a float.
fn special_word(s: &str) -> bool {
    let s = s.trim_start_matches(['+', '-']);
    s.len() <= 8
        && [
            "true", "false", "yes", "no", "on", "off", "y", "n", "null", "inf", "infinity", "nan",
        ]
        .iter()
        .any(|w| w.eq_ignore_ascii_case(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn serde(yaml: &str) -> Option<Mapping> {
        match serde_yaml::from_str::<Value>(yaml) {
            Ok(Value::Mapping(m)) => Some(m),
            Ok(Value::Null) => Some(Mapping::new()),
            _ => None,
        }
    }

    #[test]
    fn the_usual_ticket_is_read_without_serde_and_as_serde_reads_it() {
        for yaml in [
            "id: TIX-0001\ntitle: Generated ticket number 1 about the login flow\nstatus: pending\npriority: high\ncreated: 2026-10-01T08:00:00Z\nlabels: [area-1, gen]\ndepends_on: []\n",
            "id: TIX-0002\r\ntitle: Café crème (v2)\r\nstatus: in_progress\r\nagent: claude\r\nstarted: 2026-11-20\r\nlabels:\r\n  - ui\r\n  - login\r\n",
            "id: T-3\nestimate: 3\ndepends_on:\n- TIX-0001\n- TIX-0002\nnotes:\n",
            "title: Run the tests, lint and \"type check\" in CI — [WIP] C#\ncreated_date: '2026-03-19 08:18'\nnote: \"a: b, c\"\n",
        ] {
            let fast = simple_mapping(yaml).unwrap_or_else(|| panic!("not read: {yaml:?}"));
            assert_eq!(Some(fast), serde(yaml), "{yaml:?}");
        }
    }

    #[test]
    fn what_yaml_may_read_otherwise_is_left_to_serde() {
        for yaml in [
            "title: \"an \\\"escape\\\"\"\n",
            "title: 'a lone ' quote'\n",
            "title: a # comment\n",
            "labels: [a, 'b']\n",
            "title: long\n  folded\n",
            "done: yes\n",
            "n: 0x1F\n",
            "n: 1e3\n",
            "n: 012\n",
            "n: .inf\n",
            "t: 12:30\n",
            "id: a\nid: b\n",
            "m:\n  k: v\n",
            "l: [a, [b]]\n",
            "t: &x a\n",
            "t: x\tY\n",
            "1: x\n",
            "t: ~\n",
        ] {
            assert_eq!(simple_mapping(yaml), None, "{yaml:?}");
        }
    }

    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("TIX-0001".to_string()),
            Just("2026-11-24T13:40:07Z".to_string()),
            Just("2026-11-24".to_string()),
            Just("true".to_string()),
            Just("No".to_string()),
            Just("null".to_string()),
            Just("~".to_string()),
            Just("0".to_string()),
            Just("007".to_string()),
            Just("12".to_string()),
            Just("1e5".to_string()),
            Just("-3".to_string()),
            Just("1.5".to_string()),
            Just(".nan".to_string()),
            Just("inf".to_string()),
            Just("0x1f".to_string()),
            Just("1_000".to_string()),
            Just("12:30:00".to_string()),
            Just("a: b".to_string()),
            Just("'it''s: fine'".to_string()),
            Just("'a'b'".to_string()),
            Just("\"a, b\"".to_string()),
            Just("\"a\\\"b\"".to_string()),
            Just("''".to_string()),
            Just("\"\"".to_string()),
            Just("Fix [WIP] {x}".to_string()),
            Just("a — b … c".to_string()),
            Just("x\u{a0}y".to_string()),
            Just("x\u{2028}y".to_string()),
            Just("x\u{85}y".to_string()),
            Just("x\ty".to_string()),
            Just("a\u{7f}b".to_string()),
            Just("a\u{1}b".to_string()),
            Just("é\u{9f}".to_string()),
            Just("C# and F#".to_string()),
            Just("a #b".to_string()),
            "[a-zA-Z0-9 é—_.:#'\"&*!|>%@`,?(){}\\[\\]=+-]{0,12}",
            "'[a-z ':,#\"-]{0,8}'",
            "\"[a-z ':,#\\\\-]{0,8}\"",
        ]
    }

    fn line() -> impl Strategy<Value = String> {
        let key = prop_oneof![
            Just("id".to_string()),
            Just("title".to_string()),
            Just("labels".to_string()),
            "[a-z_][a-z0-9_-]{0,6}",
            "[A-Z0-9 -]{1,4}",
        ];
        prop_oneof![
            (key.clone(), word()).prop_map(|(k, v)| format!("{k}: {v}\n")),
            (key.clone(), proptest::collection::vec(word(), 0..4))
                .prop_map(|(k, v)| format!("{k}: [{}]\n", v.join(", "))),
            (
                key.clone(),
                proptest::collection::vec(word(), 0..4),
                0usize..3
            )
                .prop_map(|(k, v, indent)| {
                    let mut s = format!("{k}:\n");
                    for w in v {
                        s.push_str(&format!("{}- {w}\n", " ".repeat(indent)));
                    }
                    s
                }),
            key.prop_map(|k| format!("{k}:\n")),
            Just("\n".to_string()),
            Just("# a comment\n".to_string()),
            Just("  indented: x\n".to_string()),
        ]
    }

    /// Wherever it can tell, the writer's question has serde_yaml's answer.
    #[test]
    fn a_plain_value_reads_as_serde_reads_it() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let (mut told, draws) = (0, 20_000);
        for _ in 0..draws {
            let w = word().new_tree(&mut runner).unwrap().current();
            if let Some(same) = reads_as_itself(&w) {
                told += 1;
                let serde =
                    matches!(serde_yaml::from_str::<Value>(&w), Ok(Value::String(v)) if v == w);
                assert_eq!(same, serde, "{w:?}");
            }
        }
        assert!(told * 10 > draws, "only {told} of {draws} told");
    }

    /// The pass over the bytes answers as the tests of each character did,
    /// for every string of up to four characters drawn from those that
    /// matter (and a few that are not ASCII), in a flow list and out.
    #[test]
    fn plain_characters_are_told_as_before() {
        let old = |s: &str, flow: bool| {
            let allowed = |c: char| {
                c == ' ' || (printable(c) && !(flow && matches!(c, ',' | '[' | ']' | '{' | '}')))
            };
            !s.contains(": ") && !s.contains(" #") && s.chars().all(allowed)
        };
        let alphabet = [
            ' ', '#', ':', ',', '[', ']', '{', '}', 'a', '\t', '\u{7f}', '~', '!', 'é', '\u{2028}',
        ];
        let mut words = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = words
                .iter()
                .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
                .collect();
            for w in &longer {
                for flow in [false, true] {
                    assert_eq!(plain_chars(w, flow), old(w, flow), "{w:?} {flow}");
                }
            }
            words = longer;
        }
    }

    /// Whatever the fast reader reads, serde_yaml reads the same way; and
    /// it reads a fair share of what is drawn (else this proves nothing).
    #[test]
    fn the_fast_reader_agrees_with_serde() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let doc = (proptest::collection::vec(line(), 0..8), any::<bool>());
        let (mut read, draws) = (0, 20_000);
        for _ in 0..draws {
            let (lines, crlf) = doc.new_tree(&mut runner).unwrap().current();
            let mut yaml = lines.concat();
            if crlf {
                yaml = yaml.replace('\n', "\r\n");
            }
            if let Some(fast) = simple_mapping(&yaml) {
                read += 1;
                // Each key looked up in the pairs as in serde's mapping.
                let pairs = crate::ticket::Keys::Plain(simple_pairs(&yaml).unwrap());
                for key in fast.keys().filter_map(Value::as_str) {
                    let got = pairs.get(key).map(crate::ticket::Field::to_value);
                    assert_eq!(got.as_ref(), fast.get(key), "{yaml:?}");
                }
                assert_eq!(pairs.to_mapping(), fast);
                assert_eq!(Some(fast), serde(&yaml), "{yaml:?}");
            }
        }
        assert!(read * 10 > draws, "only {read} of {draws} read");
    }
}
