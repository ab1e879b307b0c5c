//! `.tix/cache`: one line per ticket file with its metadata and what was read
//! from it, so that most commands cost a `stat` per ticket instead of a read.
//! A record is used only while the file's size, mtime, ctime and inode match;
//! anything unreadable makes the whole cache count as empty. A last line may
//! remember the stamp of `TICKET_REGISTRY.md` as tix last wrote or verified it
//! for exactly these records, so that `status` can tell the registry is fresh
//! without rendering it.

use super::{Entry, Stamp};
use crate::ticket::{Malformed, Meta};

const MAGIC: &str = "tix-cache 2";

pub fn encode(fingerprint: &str, entries: &[Entry]) -> String {
    let mut out = String::with_capacity(entries.len() * 160 + 64);
    out.push_str(MAGIC);
    out.push('\t');
    esc(&mut out, fingerprint);
    out.push('\n');
    for e in entries {
        esc(&mut out, &e.rel);
        let s = &e.stamp;
        for n in [
            s.size as i64,
            s.mtime.0,
            s.mtime.1,
            s.ctime.0,
            s.ctime.1,
            s.ino as i64,
        ] {
            out.push('\t');
            out.push_str(&n.to_string());
        }
        match &e.parsed {
            Ok(m) => {
                out.push_str("\tM");
                for f in [&m.id, &m.title, &m.priority] {
                    out.push('\t');
                    esc(&mut out, f);
                }
                for f in [
                    &m.status,
                    &m.created,
                    &m.started,
                    &m.completed,
                    &m.updated,
                    &m.agent,
                ] {
                    out.push('\t');
                    opt(&mut out, f.as_deref());
                }
                for list in [&m.labels, &m.depends_on] {
                    // `+` starts a non-empty list, so `[""]` and `[]` differ.
                    out.push('\t');
                    for (i, item) in list.iter().enumerate() {
                        out.push(if i == 0 { '+' } else { ',' });
                        esc(&mut out, item);
                    }
                }
                out.push_str(&format!("\t{}\t{}", m.done, m.total));
            }
            Err(m) => {
                out.push_str("\tE\t");
                opt(&mut out, m.line.map(|l| l.to_string()).as_deref());
                out.push('\t');
                esc(&mut out, &m.message);
            }
        }
        out.push('\n');
    }
    out
}

/// The records of a cache file made with the same fingerprint, by path.
/// The trailer line that remembers the registry's stamp.
pub fn registry_line(stamp: &Stamp) -> String {
    let s = stamp;
    format!(
        "{REGISTRY_TAG}\t{}\t{}\t{}\t{}\t{}\t{}\n",
        s.size, s.mtime.0, s.mtime.1, s.ctime.0, s.ctime.1, s.ino
    )
}

const REGISTRY_TAG: &str = "\\registry";

/// What a cache file holds.
#[derive(Debug, Default)]
pub struct Cached {
    /// In file order (which is the order of the last scan, so usually the order
    /// of this one); taken out one by one while matching.
    pub entries: Vec<Option<Entry>>,
    pub registry: Option<Stamp>,
}

/// The records of a cache file made with the same fingerprint.
pub fn decode(text: &str, fingerprint: &str) -> Cached {
    let mut lines = text.split('\n');
    let mut header = String::from(MAGIC);
    header.push('\t');
    esc(&mut header, fingerprint);
    if lines.next() != Some(header.as_str()) {
        return Cached::default();
    }
    let mut out = Cached {
        entries: Vec::with_capacity(text.len() / 150),
        registry: None,
    };
    for line in lines.filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix(REGISTRY_TAG) {
            let mut n = rest.split('\t').skip(1).map(|x| x.parse::<i64>().ok());
            let mut next = || n.next().flatten();
            out.registry = (|| {
                Some(Stamp {
                    size: next()? as u64,
                    mtime: (next()?, next()?),
                    ctime: (next()?, next()?),
                    ino: next()? as u64,
                })
            })();
            continue;
        }
        match record(line) {
            Some(e) => out.entries.push(Some(e)),
            None => return Cached::default(),
        }
    }
    out
}

fn record(line: &str) -> Option<Entry> {
    let mut f = line.split('\t');
    let rel = unesc(f.next()?)?;
    let mut n = || f.next()?.parse::<i64>().ok();
    let stamp = Stamp {
        size: n()? as u64,
        mtime: (n()?, n()?),
        ctime: (n()?, n()?),
        ino: n()? as u64,
    };
    let parsed = match f.next()? {
        "M" => {
            let mut s = || unesc(f.next()?);
            let (id, title, priority) = (s()?, s()?, s()?);
            let mut o = || unopt(f.next()?);
            let (status, created, started, completed, updated, agent) =
                (o()?, o()?, o()?, o()?, o()?, o()?);
            let mut l = || unlist(f.next()?);
            let (labels, depends_on) = (l()?, l()?);
            let mut c = || f.next()?.parse::<u32>().ok();
            let (done, total) = (c()?, c()?);
            Ok(Meta {
                id,
                title,
                status,
                priority,
                created,
                started,
                completed,
                updated,
                agent,
                labels,
                depends_on,
                done,
                total,
            })
        }
        "E" => {
            let line = match unopt(f.next()?)? {
                Some(l) => Some(l.parse().ok()?),
                None => None,
            };
            Err(Malformed {
                line,
                message: unesc(f.next()?)?,
            })
        }
        _ => return None,
    };
    if f.next().is_some() {
        return None;
    }
    Some(Entry::new(rel, stamp, parsed))
}

fn esc(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            ',' => out.push_str("\\c"),
            c => out.push(c),
        }
    }
}

fn opt(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => {
            out.push('=');
            esc(out, s);
        }
        None => out.push('-'),
    }
}

fn unesc(s: &str) -> Option<String> {
    if !s.contains('\\') {
        return Some(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            '\\' => '\\',
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            'c' => ',',
            _ => return None,
        });
    }
    Some(out)
}

fn unopt(s: &str) -> Option<Option<String>> {
    match s.strip_prefix('=') {
        Some(v) => Some(Some(unesc(v)?)),
        None if s == "-" => Some(None),
        None => None,
    }
}

fn unlist(s: &str) -> Option<Vec<String>> {
    if s.is_empty() {
        return Some(Vec::new());
    }
    s.strip_prefix('+')?.split(',').map(unesc).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_with_hostile_text() {
        let meta = Meta {
            id: "TIX-0001".into(),
            title: "tab\there, comma, back\\slash\nnewline =-".into(),
            status: None,
            priority: "high".into(),
            created: Some("2026-01-01T00:00:00Z".into()),
            agent: Some(String::new()),
            labels: vec!["a,b".into(), "".into(), "c".into()],
            depends_on: vec![String::new()],
            done: 1,
            total: 3,
            ..Meta::default()
        };
        let stamp = Stamp {
            size: 10,
            mtime: (1, 2),
            ctime: (-3, 4),
            ino: 5,
        };
        let bad = Malformed {
            line: Some(3),
            message: "x\ty".into(),
        };
        let entries = vec![
            Entry::new("pending/TIX-0001 x.md".into(), stamp, Ok(meta)),
            Entry::new("pending/bad.md".into(), Stamp::default(), Err(bad)),
        ];
        let mut text = encode("fp", &entries);
        text.push_str(&registry_line(&stamp));
        let back = decode(&text, "fp");
        assert_eq!(back.entries.len(), 2);
        for (e, b) in entries.iter().zip(&back.entries) {
            let b = b.as_ref().unwrap();
            assert_eq!(b.rel, e.rel);
            assert_eq!(b.parsed, e.parsed);
            assert_eq!(b.key, e.key);
            assert_eq!(b.stamp, e.stamp);
        }
        assert_eq!(back.registry, Some(stamp));
        assert!(decode(&text, "other").entries.is_empty());
        assert!(
            decode(&text.replace("\tM\t", "\tQ\t"), "fp")
                .entries
                .is_empty()
        );
    }
}
