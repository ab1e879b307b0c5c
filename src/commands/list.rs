use super::Ctx;
use crate::cli::{ListArgs, ListSort};
use crate::error::TixError;
use crate::exit::Exit;
use crate::model::FastMap;
use crate::output::{self, col, flex, write_table};
use crate::ticket::{priority_of, priority_rank};
use crate::tree::{BY_INDEX_FROM, LockMode, Scan, Ticket, Tree, Upkeep};
use crate::view::TicketJson;
use anyhow::Result;
use std::collections::{BTreeMap, btree_map};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};

pub fn run(ctx: &Ctx, args: &ListArgs) -> Result<Exit> {
    let tree = ctx.tree()?;
    let usage = |m: String| -> anyhow::Error { TixError::Usage(m).into() };
    let statuses = args
        .status
        .iter()
        .map(|s| match tree.config.status_by_name_or_dir(s) {
            Some(d) => Ok(d.name.as_str()),
            None => Err(usage(format!(
                "unknown status {s:?} (expected one of {})",
                tree.config.status_names().join(", ")
            ))),
        })
        .collect::<Result<Vec<&str>>>()?;
    let priorities = args
        .priority
        .iter()
        .map(|p| {
            priority_of(p).ok_or_else(|| {
                usage(format!(
                    "unknown priority {p:?} (expected critical, high, medium or low)"
                ))
            })
        })
        .collect::<Result<Vec<&str>>>()?;
    let title = args.title.as_deref().map(str::to_lowercase);
    // Every filter but `--ready`, which asks about other tickets.
    let keep = |t: &Ticket<'_>| {
        (statuses.is_empty() || statuses.contains(&t.status))
            && args
                .label
                .iter()
                .all(|l| t.meta.labels.iter().any(|m| m == l))
            && (priorities.is_empty()
                || priority_of(&t.meta.priority).is_some_and(|p| priorities.contains(&p)))
            && match args.agent.as_deref() {
                None => true,
                Some("-") => t.meta.agent.is_none(),
                Some(a) => t.meta.agent.as_deref() == Some(a),
            }
            && title
                .as_deref()
                .is_none_or(|w| t.meta.title.to_lowercase().contains(w))
    };
    let _lock = ctx.lock(&tree, LockMode::Shared)?;
    // Tried again when files were found edited in place: their folders
    // are then listed as changed ones are (see `Tree::edited_in_place`).
    if by_index(ctx, &tree, args, &keep)?
        || (tree.edited_in_place() && by_index(ctx, &tree, args, &keep)?)
    {
        return Ok(Exit::Ok);
    }
    let snap = tree.scan(Scan::Cached, Upkeep::Index)?;
    let all = tree.tickets(&snap);
    let ready: Option<FastMap<&str, ()>> = args.ready.then(|| {
        crate::registry::ready(&tree.config, &all)
            .into_iter()
            .map(|t| (t.rel, ()))
            .collect()
    });
    let mut tickets: Vec<Ticket<'_>> = all
        .iter()
        .copied()
        .filter(|t| keep(t))
        .filter(|t| ready.as_ref().is_none_or(|r| r.contains_key(t.rel)))
        .collect();
    sort(&tree.config, &mut tickets, args.sort);
    ctx.note_unreadable(Tree::unreadable(&snap, &all));
    if args.json {
        ctx.out_json(&crate::view::Each(|| tickets.iter().map(TicketJson::new)))?;
        snap.leave();
        return Ok(Exit::Ok);
    }
    // A row an array, not a vector: no allocation for each of 10,000 rows.
    let rows: Vec<[&str; 5]> = tickets.iter().map(row).collect();
    ctx.out_with(|mut out| write_table(&columns(), &rows, &ctx.streams, &mut out))?;
    snap.leave();
    Ok(Exit::Ok)
}

/// A ticket's row of the table.
fn row<'t>(t: &Ticket<'t>) -> [&'t str; 5] {
    [
        &t.meta.id,
        t.status,
        &t.meta.priority,
        t.meta.agent.as_deref().unwrap_or("-"),
        &t.meta.title,
    ]
}

/// The list from the index, when the tree is large and the index exactly
/// it (see [`Tree::tickets_by_index`]), in an order made of groups each in
/// id order (the board: a status's place; a priority's rank; ids alone):
/// the records read one at a time, each ticket kept written into its
/// group's spool (an unnamed temp file) as a plain row or a JSON element,
/// then the spools copied out in order (on a terminal, laid out from them:
/// see [`output::write_table_of`]). At 100,000 tickets the full view held
/// every record (80 MiB). With `--ready`, the records are read twice:
/// whether a ticket is ready waits for ids read after it. The other orders
/// sort every ticket: [`sorted_by_index`].
/// `false`: the full view lists them.
fn by_index(
    ctx: &Ctx,
    tree: &Tree,
    args: &ListArgs,
    keep: &(dyn Fn(&Ticket<'_>) -> bool + Sync),
) -> Result<bool> {
    let config = &tree.config;
    let group = |t: &Ticket<'_>| match args.sort {
        ListSort::Board => config.statuses.iter().position(|s| s.name == t.status),
        ListSort::Priority => Some(priority_rank(&t.meta.priority)),
        _ => Some(0),
    };
    let grouped = matches!(
        args.sort,
        ListSort::Board | ListSort::Id | ListSort::Priority
    );
    if !grouped {
        return sorted_by_index(ctx, tree, args, keep);
    }
    let mut spools: BTreeMap<Option<usize>, BufWriter<File>> = BTreeMap::new();
    let json = args.json;
    let mut buf = Vec::new();
    let mut failed = None;
    let mut spool = |t: &Ticket<'_>| {
        if !keep(t) {
            return Some(());
        }
        let spool = match spools.entry(group(t)) {
            btree_map::Entry::Occupied(o) => o.into_mut(),
            btree_map::Entry::Vacant(v) => v.insert(new_spool(&mut failed)?),
        };
        write_ticket(t, json, &mut buf, spool)
            .map_err(|e| failed = Some(e))
            .ok()
    };
    let unreadable = each_by_index(tree, args, &mut spool);
    let files = spools
        .into_values()
        .map(|s| s.into_inner().map_err(|e| e.into_error()))
        .collect::<std::io::Result<Vec<File>>>();
    let Some((unreadable, files)) = spooled(ctx, unreadable, files, failed) else {
        return Ok(false);
    };
    ctx.note_unreadable(unreadable);
    if !json && ctx.streams.width.is_some() {
        // Laid out from the spools, read again for each of its passes.
        let rows = || files.iter().flat_map(spooled_rows);
        ctx.out_with(|mut out| output::write_table_of(&columns(), &rows, &ctx.streams, &mut out))?;
        return Ok(true);
    }
    ctx.out_with(|out| {
        if json {
            out.write_all(b"[")?;
        }
        let mut none = true;
        for mut file in files {
            // The first element has no comma before it.
            file.seek(SeekFrom::Start(u64::from(json && none)))?;
            none = false;
            std::io::copy(&mut file, out)?;
        }
        if json {
            out.write_all(if none { b"]\n" } else { b"\n]\n" })?;
        }
        Ok(())
    })?;
    Ok(true)
}

/// The rows of a spool of plain rows, read from its start: each cell as it
/// was written (escaped: a cell holds no tab or line break).
fn spooled_rows(mut file: &File) -> Box<dyn Iterator<Item = std::io::Result<Vec<String>>> + '_> {
    if let Err(e) = file.seek(SeekFrom::Start(0)) {
        return Box::new(std::iter::once(Err(e)));
    }
    Box::new(
        BufReader::with_capacity(SPOOL_BUF, file)
            .lines()
            .map(|l| l.map(|l| l.split('\t').map(str::to_owned).collect())),
    )
}

/// What a walk that wrote spools left: how many files are no tickets and
/// the spools, when the index was exactly the tree and every spool was
/// written. `None` otherwise: the full view lists the tickets, and when a
/// spool could not be written (`failed`, or `spools` an error) a line
/// says why it reads every ticket.
fn spooled<T>(
    ctx: &Ctx,
    unreadable: Option<usize>,
    spools: std::io::Result<T>,
    failed: Option<std::io::Error>,
) -> Option<(usize, T)> {
    match (spools, failed) {
        (Err(e), _) | (Ok(_), Some(e)) => {
            ctx.note(&format!(
                "could not write the list's temp files ({e}); reading every ticket instead"
            ));
            None
        }
        (Ok(spools), None) => Some((unreadable?, spools)),
    }
}

/// The columns of the table.
fn columns() -> [output::Col; 5] {
    [
        col("id"),
        flex("status"),
        flex("priority"),
        flex("agent"),
        flex("title"),
    ]
}

/// Every ticket `list` may show (the ready ones for `--ready`), in the
/// order of their ids, given to `f` from the index (see
/// [`Tree::tickets_by_index`]); how many files are no tickets, or `None`.
fn each_by_index(
    tree: &Tree,
    args: &ListArgs,
    f: &mut (dyn FnMut(&Ticket<'_>) -> Option<()> + Send),
) -> Option<usize> {
    if args.ready {
        tree.ready_by_index(BY_INDEX_FROM, f)
    } else {
        tree.tickets_by_index(BY_INDEX_FROM, f)
    }
}

/// A ticket as a spool keeps it: a JSON element (see [`element`]) or a
/// plain row.
fn write_ticket(
    t: &Ticket<'_>,
    json: bool,
    buf: &mut Vec<u8>,
    out: &mut impl Write,
) -> std::io::Result<()> {
    if json {
        element(&TicketJson::new(t), buf, out)
    } else {
        output::write_plain_row(&row(t), out)
    }
}

/// What `--sort created`, `updated` or `title` orders by, held apart from
/// the record; ties go in the order the records are read, by id and path.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum SortKey {
    /// A time: one that is missing sorts last.
    Time(bool, Option<Box<str>>),
    Title(Box<str>),
}

/// [`by_index`] for the orders that sort every ticket: each ticket kept is
/// written into one spool as it is read, its sort key and where its bytes
/// are held (about 70 bytes a ticket); once the check holds, the keys are
/// sorted (stable: ties stay in id order) and each ticket's bytes read back
/// from the spool where it is, in that order.
fn sorted_by_index(
    ctx: &Ctx,
    tree: &Tree,
    args: &ListArgs,
    keep: &(dyn Fn(&Ticket<'_>) -> bool + Sync),
) -> Result<bool> {
    let time = |t: Option<&str>| SortKey::Time(t.is_none(), t.map(Box::from));
    let key = |t: &Ticket<'_>| match args.sort {
        ListSort::Created => time(t.meta.created.as_deref()),
        ListSort::Updated => time(t.meta.updated.as_deref()),
        _ => SortKey::Title(t.meta.title.to_lowercase().into()),
    };
    // Made for the first ticket kept (none on a tree the index does not
    // serve, nor when none is kept).
    let mut spool: Option<BufWriter<File>> = None;
    let mut rows: Vec<(SortKey, u64, u32)> = Vec::new();
    let (mut at, mut buf, mut one) = (0u64, Vec::new(), Vec::new());
    let json = args.json;
    let mut failed = None;
    let unreadable = each_by_index(tree, args, &mut |t| {
        if !keep(t) {
            return Some(());
        }
        one.clear();
        let spool = match &mut spool {
            Some(s) => s,
            None => spool.insert(new_spool(&mut failed)?),
        };
        let written =
            write_ticket(t, json, &mut buf, &mut one).and_then(|()| spool.write_all(&one));
        written.map_err(|e| failed = Some(e)).ok()?;
        rows.push((key(t), at, u32::try_from(one.len()).ok()?));
        at += one.len() as u64;
        Some(())
    });
    let file = spool
        .map(|s| s.into_inner().map_err(|e| e.into_error()))
        .transpose();
    let Some((unreadable, file)) = spooled(ctx, unreadable, file, failed) else {
        return Ok(false);
    };
    ctx.note_unreadable(unreadable);
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    // A ticket's bytes, read back from where the spool has them.
    let read = |at: u64, len: u32| -> std::io::Result<Vec<u8>> {
        let mut bytes = vec![0; len as usize];
        let file = file.as_ref().ok_or(std::io::ErrorKind::NotFound)?;
        std::os::unix::fs::FileExt::read_exact_at(file, &mut bytes, at)?;
        Ok(bytes)
    };
    if !json && ctx.streams.width.is_some() {
        let each = || {
            rows.iter().map(|&(_, at, len)| {
                let bytes = read(at, len)?;
                let line = String::from_utf8_lossy(&bytes);
                Ok(line
                    .trim_end_matches('\n')
                    .split('\t')
                    .map(str::to_owned)
                    .collect::<Vec<_>>())
            })
        };
        ctx.out_with(|mut out| output::write_table_of(&columns(), &each, &ctx.streams, &mut out))?;
        return Ok(true);
    }
    ctx.out_with(|out| {
        if json {
            out.write_all(b"[")?;
        }
        for (i, &(_, at, len)) in rows.iter().enumerate() {
            // The first element has no comma before it.
            let bytes = read(at, len)?;
            out.write_all(&bytes[usize::from(json && i == 0)..])?;
        }
        if json {
            out.write_all(if rows.is_empty() { b"]\n" } else { b"\n]\n" })?;
        }
        Ok(())
    })?;
    Ok(true)
}

/// A new spool: an unnamed temp file, written through a buffer. `None`,
/// the error kept in `failed`, when none can be made.
fn new_spool(failed: &mut Option<std::io::Error>) -> Option<BufWriter<File>> {
    tempfile::tempfile()
        .map(|file| BufWriter::with_capacity(SPOOL_BUF, file))
        .map_err(|e| *failed = Some(e))
        .ok()
}

/// How much of a group's spool is written at a time.
const SPOOL_BUF: usize = 256 * 1024;

/// An element of a JSON array as `serde_json` writes it within a pretty
/// one: a comma and a new line first, indented by two spaces (a string in
/// JSON holds no new line: every one is the layout's). `buf` is where it is
/// made, kept from one element to the next.
fn element(
    value: &impl serde::Serialize,
    buf: &mut Vec<u8>,
    out: &mut impl Write,
) -> std::io::Result<()> {
    buf.clear();
    serde_json::to_writer_pretty(&mut *buf, value).map_err(std::io::Error::from)?;
    out.write_all(b",\n  ")?;
    let mut from = 0;
    for at in memchr::memchr_iter(b'\n', buf) {
        out.write_all(&buf[from..=at])?;
        out.write_all(b"  ")?;
        from = at + 1;
    }
    out.write_all(&buf[from..])
}

/// Orders the list; ties go by id, then path. A missing time sorts last.
fn sort(config: &crate::config::Config, tickets: &mut [Ticket<'_>], how: ListSort) {
    let board = |t: &Ticket<'_>| config.statuses.iter().position(|s| s.name == t.status);
    match how {
        ListSort::Board => tickets.sort_by_key(|t| (board(t), t.key, t.rel)),
        ListSort::Id => tickets.sort_by_key(|t| (t.key, t.rel)),
        ListSort::Priority => {
            tickets.sort_by_key(|t| (priority_rank(&t.meta.priority), t.key, t.rel));
        }
        ListSort::Created => tickets.sort_by_key(|t| {
            (
                t.meta.created.is_none(),
                t.meta.created.clone(),
                t.key,
                t.rel,
            )
        }),
        ListSort::Updated => tickets.sort_by_key(|t| {
            (
                t.meta.updated.is_none(),
                t.meta.updated.clone(),
                t.key,
                t.rel,
            )
        }),
        ListSort::Title => {
            tickets.sort_by_cached_key(|t| (t.meta.title.to_lowercase(), t.key, t.rel));
        }
    }
}
