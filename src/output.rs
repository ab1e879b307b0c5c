//! The terminal: which streams are terminals, their width, colour, and
//! tables. The only module that asks about the terminal. Text from tickets is
//! escaped by [`crate::text`] on every output, terminal or not.

use crate::text;
use std::io::{self, IsTerminal};
use unicode_width::UnicodeWidthStr;

pub use crate::cli::ColorChoice;

/// Resolved once per run.
#[derive(Debug, Clone, Copy)]
pub struct Streams {
    pub out_tty: bool,
    pub err_tty: bool,
    pub out_color: bool,
    /// Columns of the terminal on stdout; `None` when stdout is no terminal
    /// (nothing is truncated then).
    pub width: Option<usize>,
}

/// What a terminal is taken to be when it does not say.
pub const DEFAULT_WIDTH: usize = 80;
/// Narrower than this, tables are laid out as if it were this wide.
const MIN_WIDTH: usize = 40;

impl Streams {
    /// Colour only on a terminal, never with `NO_COLOR` set (non-empty) or
    /// `TERM=dumb`, unless `--color always`.
    pub fn detect(choice: ColorChoice) -> Streams {
        let out_tty = std::io::stdout().is_terminal();
        let err_tty = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
            || std::env::var_os("TERM").is_some_and(|v| v == "dumb");
        let out_color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => out_tty && !no_color,
        };
        Streams {
            out_tty,
            err_tty,
            out_color,
            width: out_tty.then(terminal_width),
        }
    }
}

/// `COLUMNS` when it is a number (as git and ls do), else what the terminal
/// on stdout says, else [`DEFAULT_WIDTH`].
fn terminal_width() -> usize {
    let from_env = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0);
    let from_tty = || {
        rustix::termios::tcgetwinsize(std::io::stdout())
            .ok()
            .map(|w| usize::from(w.ws_col))
            .filter(|&c| c > 0)
    };
    from_env.or_else(from_tty).unwrap_or(DEFAULT_WIDTH)
}

pub use crate::text::sanitize;

#[must_use]
pub fn paint(s: &str, style: anstyle::Style, color: bool) -> String {
    if color {
        format!("{style}{s}{style:#}")
    } else {
        s.to_string()
    }
}

pub const BOLD: anstyle::Style = anstyle::Style::new().bold();
pub const DIM: anstyle::Style = anstyle::Style::new().dimmed();
pub const GREEN: anstyle::Style =
    anstyle::Style::new().fg_color(Some(anstyle::Color::Ansi(anstyle::AnsiColor::Green)));
pub const YELLOW: anstyle::Style =
    anstyle::Style::new().fg_color(Some(anstyle::Color::Ansi(anstyle::AnsiColor::Yellow)));
pub const RED: anstyle::Style =
    anstyle::Style::new().fg_color(Some(anstyle::Color::Ansi(anstyle::AnsiColor::Red)));

/// A column of a [`table`]: its header, and whether it gives way (is
/// truncated with `…`) when the table is wider than the terminal.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub name: &'static str,
    pub shrinks: bool,
}

/// A column that keeps its width.
#[must_use]
pub const fn col(name: &'static str) -> Col {
    Col {
        name,
        shrinks: false,
    }
}

/// A column that is truncated first when the table does not fit.
#[must_use]
pub const fn flex(name: &'static str) -> Col {
    Col {
        name,
        shrinks: true,
    }
}

/// Space between columns.
const GAP: usize = 2;
/// A column that shrinks keeps at least this many columns (or its header's).
const MIN_FLEX: usize = 8;

/// A table of cells from outside (escaped here). On a terminal: a header line
/// (bold in colour), columns aligned by comfy-table, no column that is `-` in
/// every row, and the columns marked [`flex`] truncated with `…` so that each
/// line fits the terminal's width.
/// Elsewhere: tab-separated rows without a header and nothing truncated, so
/// that `cut` and `awk` work (scripts should prefer `--json`).
#[must_use]
pub fn table<S: AsRef<str>, R: AsRef<[S]>>(cols: &[Col], rows: &[R], streams: &Streams) -> String {
    let mut out = Vec::new();
    // Writing to memory fails only with allocation, which aborts.
    let _ = write_table(cols, rows, streams, &mut out);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A row of a table as [`write_table`] writes it where there is no
/// terminal: each cell escaped, a tab between cells.
///
/// # Errors
///
/// An error writing to `out`.
pub fn write_plain_row<S: AsRef<str>>(row: &[S], out: &mut impl io::Write) -> io::Result<()> {
    for (i, c) in row.iter().enumerate() {
        if i > 0 {
            out.write_all(b"\t")?;
        }
        out.write_all(text::cell(c.as_ref()).as_bytes())?;
    }
    out.write_all(b"\n")
}

/// [`table`], written to `out` as it is laid out (a chunk of rows at a
/// time on a terminal, a row at a time elsewhere), never whole in memory.
///
/// # Errors
///
/// An error writing to `out`.
pub fn write_table<S: AsRef<str>, R: AsRef<[S]>>(
    cols: &[Col],
    rows: &[R],
    streams: &Streams,
    out: &mut impl io::Write,
) -> io::Result<()> {
    write_table_of(cols, &|| rows.iter().map(Ok), streams, out)
}

/// [`write_table`] of the rows `rows` gives, each time it is asked (on a
/// terminal three times: every cell is measured, then measured cut, then
/// laid out): rows read again from where they were kept, never all held.
///
/// # Errors
///
/// An error writing to `out`, or one `rows` gives.
pub fn write_table_of<S, R, I>(
    cols: &[Col],
    rows: &dyn Fn() -> I,
    streams: &Streams,
    out: &mut impl io::Write,
) -> io::Result<()>
where
    S: AsRef<str>,
    R: AsRef<[S]>,
    I: Iterator<Item = io::Result<R>>,
{
    let Some(width) = streams.width else {
        for r in rows() {
            write_plain_row(r?.as_ref(), out)?;
        }
        return Ok(());
    };
    // Each cell is escaped and measured where it is needed, and cut only
    // when its chunk is laid out: a list of 10,000 tickets holds its cells
    // once (the caller's), not five times.
    fn esc<S: AsRef<str>>(r: &[S], i: usize) -> Option<std::borrow::Cow<'_, str>> {
        r.get(i).map(|c| text::cell(c.as_ref()))
    }
    let mut natural: Vec<usize> = cols.iter().map(|c| c.name.width()).collect();
    let mut says = vec![false; cols.len()];
    for r in rows() {
        let r = r?;
        for (i, (n, s)) in natural.iter_mut().zip(&mut says).enumerate() {
            if let Some(c) = esc(r.as_ref(), i) {
                *s |= c != "-";
                *n = (*n).max(c.width());
            }
        }
    }
    // Columns with nothing to say make way for those that have.
    let shown: Vec<usize> = (0..cols.len()).filter(|&i| says[i]).collect();
    let shown_cols: Vec<Col> = shown.iter().map(|&i| cols[i]).collect();
    let natural: Vec<usize> = shown.iter().map(|&i| natural[i]).collect();
    let widths = fit(&shown_cols, natural, width.max(MIN_WIDTH));
    // Columns with no room left are left out.
    let kept: Vec<(usize, Col, usize)> = shown
        .iter()
        .zip(&widths)
        .filter(|(_, w)| **w > 0)
        .map(|(&i, &w)| (i, cols[i], w))
        .collect();
    let header: Vec<String> = kept.iter().map(|(_, c, w)| truncate(c.name, *w)).collect();
    // Each column as wide as its widest cut cell, in every chunk alike.
    let mut laid: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for r in rows() {
        let r = r?;
        for (l, (i, _, w)) in laid.iter_mut().zip(&kept) {
            if let Some(c) = esc(r.as_ref(), *i) {
                *l = (*l).max(truncated_width(&c, *w));
            }
        }
    }
    let last = kept.len().saturating_sub(1);
    // Laid out by comfy-table a chunk of rows at a time, every column fixed
    // at its width, the header with the first (alone, when there are no rows).
    let mut header = Some(header);
    let mut rows = rows().peekable();
    let mut chunk: Vec<R> = Vec::with_capacity(TABLE_CHUNK);
    while header.is_some() || rows.peek().is_some() {
        chunk.clear();
        while chunk.len() < TABLE_CHUNK
            && let Some(r) = rows.next()
        {
            chunk.push(r?);
        }
        let mut t = comfy_table::Table::new();
        t.load_preset(comfy_table::presets::NOTHING);
        t.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
        // The header's line is the first, in bold.
        let mut bold = header.is_some();
        if let Some(h) = header.take() {
            t.set_header(h);
        }
        for r in &chunk {
            t.add_row(
                kept.iter()
                    .map(|(i, _, w)| truncate(&esc(r.as_ref(), *i).unwrap_or_default(), *w))
                    .collect::<Vec<_>>(),
            );
        }
        for (i, column) in t.column_iter_mut().enumerate() {
            let pad = if i == last { 0 } else { GAP as u16 };
            column.set_padding((0, pad));
            let w = u16::try_from(laid[i]).unwrap_or(u16::MAX);
            column.set_constraint(comfy_table::ColumnConstraint::Absolute(
                comfy_table::Width::Fixed(w.saturating_add(pad)),
            ));
        }
        for text in t.lines() {
            let text = text.trim_end();
            if text.is_empty() {
                continue;
            }
            if std::mem::take(&mut bold) {
                out.write_all(paint(text, BOLD, streams.out_color).as_bytes())?;
            } else {
                out.write_all(text.as_bytes())?;
            }
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

/// Rows a terminal table lays out at a time.
const TABLE_CHUNK: usize = 256;

/// Each column's width: what its widest cell needs (`natural`), the shrinking columns cut
/// down (widest first) until the line fits in `width`: first to a comfortable
/// floor (their header, at least 8), then, if that is not enough, to 2 (one
/// character and `…`); still too wide, shrinking columns are left out (width
/// 0), the rightmost first. Only columns that do not shrink can leave a line
/// wider.
fn fit(cols: &[Col], natural: Vec<usize>, width: usize) -> Vec<usize> {
    let mut widths = natural;
    let total = |w: &[usize]| w.iter().sum::<usize>() + GAP * w.len().saturating_sub(1);
    let comfortable = |i: usize| MIN_FLEX.max(cols[i].name.width());
    let tight = |_: usize| 2;
    for floor in [&comfortable as &dyn Fn(usize) -> usize, &tight] {
        while total(&widths) > width {
            let widest = (0..cols.len())
                .filter(|&i| cols[i].shrinks && widths[i] > floor(i))
                .max_by_key(|&i| (widths[i], std::cmp::Reverse(i)));
            let Some(i) = widest else { break };
            // Down to the next widest shrinking column, or just enough to fit.
            let next = (0..cols.len())
                .filter(|&j| j != i && cols[j].shrinks && widths[j] < widths[i])
                .map(|j| widths[j])
                .max()
                .unwrap_or(0);
            let excess = total(&widths) - width;
            widths[i] = widths[i].saturating_sub(excess).max(next).max(floor(i));
        }
    }
    for i in (0..cols.len()).rev() {
        let shown = widths.iter().filter(|w| **w > 0).count();
        let used = widths.iter().sum::<usize>() + GAP * shown.saturating_sub(1);
        if used <= width {
            break;
        }
        if cols[i].shrinks {
            widths[i] = 0;
        }
    }
    widths
}

/// `s` cut to `width` columns, ending in `…` when anything was cut.
#[must_use]
pub fn truncate(s: &str, width: usize) -> String {
    match cut(s, width) {
        None => s.to_string(),
        Some(end) => format!("{}…", &s[..end]),
    }
}

/// How wide `s` is once [`truncate`]d to `width`, without making it.
fn truncated_width(s: &str, width: usize) -> usize {
    match cut(s, width) {
        None => s.width(),
        Some(end) => s[..end].width() + 1,
    }
}

/// Where [`truncate`] cuts `s` (before its `…`, trailing spaces left out);
/// `None` when it fits in `width`.
fn cut(s: &str, width: usize) -> Option<usize> {
    if s.width() <= width {
        return None;
    }
    let mut end = 0;
    let mut used = 0;
    for (at, c) in s.char_indices() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        end = at + c.len_utf8();
    }
    Some(s[..end].trim_end().len())
}

/// `3d 4h`, `12m`, `40s`.
#[must_use]
pub fn age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {}h", s / 86400, s % 86400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each column's widest cell or header.
    fn natural(cols: &[Col], rows: &[Vec<String>]) -> Vec<usize> {
        (0..cols.len())
            .map(|i| {
                rows.iter()
                    .map(|r| r[i].width())
                    .chain([cols[i].name.width()])
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    fn term(width: usize) -> Streams {
        Streams {
            out_tty: true,
            err_tty: true,
            out_color: false,
            width: Some(width),
        }
    }

    #[test]
    fn ages_read_well() {
        assert_eq!(age(59), "59s");
        assert_eq!(age(3600 * 5 + 120), "5h 2m");
        assert_eq!(age(86400 * 3 + 3600), "3d 1h");
    }

    #[test]
    fn truncation_counts_columns_not_bytes() {
        assert_eq!(truncate("short", 8), "short");
        assert_eq!(truncate("Rate-limit password", 12), "Rate-limit…");
        assert_eq!(truncate("日本語のタイトル", 7), "日本語…");
        assert_eq!(truncate("日本語のタイトル", 7).width(), 7);
        // What the layout measures is what it prints.
        for s in [
            "short",
            "a  b   c",
            "日本語のタイトル",
            "x\u{301}y\u{301}z",
            "tab  ",
            "",
        ] {
            for w in 1..12 {
                assert_eq!(truncated_width(s, w), truncate(s, w).width(), "{s:?} {w}");
            }
        }
    }

    #[test]
    fn tables_fit_the_terminal_and_pipes_get_everything() {
        let cols = [col("id"), col("status"), flex("title")];
        let rows = vec![
            vec!["TIX-0001".into(), "pending".into(), "x".repeat(200)],
            vec![
                "TIX-0002".into(),
                "in_progress".into(),
                "a\tb \u{1b}[31m".into(),
            ],
        ];
        let out = table(&cols, &rows, &term(40));
        assert_eq!(
            out,
            format!(
                "id        status       title\n\
                 TIX-0001  pending      {}…\n\
                 TIX-0002  in_progress  a\\u{{9}}b \\u{{1b}}[3…\n",
                "x".repeat(16)
            )
        );
        assert!(out.lines().all(|l| l.width() <= 40), "{out}");
        let piped = Streams {
            width: None,
            ..term(40)
        };
        assert_eq!(
            table(&cols, &rows, &piped),
            format!(
                "TIX-0001\tpending\t{}\nTIX-0002\tin_progress\ta\\u{{9}}b \\u{{1b}}[31m\n",
                "x".repeat(200)
            )
        );
    }

    #[test]
    fn a_column_of_dashes_is_left_out_on_a_terminal_only() {
        let cols = [col("id"), flex("agent"), col("title")];
        let rows: Vec<Vec<String>> = vec![
            vec!["TIX-0001".into(), "-".into(), "One".into()],
            vec!["TIX-0002".into(), "-".into(), "Two".into()],
        ];
        assert_eq!(
            table(&cols, &rows, &term(80)),
            "id        title\nTIX-0001  One\nTIX-0002  Two\n"
        );
        let piped = Streams {
            width: None,
            ..term(80)
        };
        assert_eq!(
            table(&cols, &rows, &piped),
            "TIX-0001\t-\tOne\nTIX-0002\t-\tTwo\n"
        );
    }

    #[test]
    fn any_width_fits_when_the_columns_can_shrink() {
        let cols = [col("id"), flex("change"), flex("agent"), flex("reason")];
        let rows = vec![vec![
            "TIX-0007".into(),
            "in_progress → completed".into(),
            "x".repeat(37),
            "forced: taken over from someone".into(),
        ]];
        for width in [40, 45, 50, 60, 80, 120] {
            let out = table(&cols, &rows, &term(width));
            for line in out.lines() {
                assert!(line.width() <= width, "{width}: {line}");
            }
        }
        // Below 40 columns the table is laid out for 40.
        assert_eq!(
            table(&cols, &rows, &term(20)),
            table(&cols, &rows, &term(40))
        );
        assert_eq!(
            table(&cols, &rows, &term(40)),
            "id        change    agent     reason\nTIX-0007  in_prog…  xxxxxxx…  forced: t…\n"
        );
        // Tighter than the headers, the columns go down to one character,
        // then the rightmost are left out.
        assert_eq!(fit(&cols, natural(&cols, &rows), 20), [8, 2, 2, 2]);
        assert_eq!(fit(&cols, natural(&cols, &rows), 16), [8, 2, 2, 0]);
        assert_eq!(fit(&cols, natural(&cols, &rows), 9), [8, 0, 0, 0]);
    }

    #[test]
    fn chunks_of_a_long_table_line_up_as_one() {
        let cols = [col("id"), flex("title")];
        let mut rows: Vec<Vec<String>> = (0..600)
            .map(|i| vec![format!("T-{i}"), format!("title {i}")])
            .collect();
        // The widest cells are in the third chunk only.
        rows[550] = vec![
            "T-550-and-more".into(),
            "a title wider than the terminal".into(),
        ];
        let out = table(&cols, &rows, &term(40));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 601);
        assert_eq!(lines[0], "id              title");
        assert_eq!(lines[1], "T-0             title 0");
        assert_eq!(lines[551], "T-550-and-more  a title wider than the…");
        assert_eq!(lines[600], "T-599           title 599");
        // The second column starts at the same place in every chunk.
        for line in &lines {
            assert!(
                line[..16].ends_with("  ") && !line[16..].starts_with(' '),
                "{line}"
            );
        }
        // No rows: no column has anything to say, and nothing is printed.
        assert_eq!(table(&cols, &Vec::<Vec<String>>::new(), &term(40)), "");
        // Written as it is laid out, the same bytes.
        let mut written = Vec::new();
        write_table(&cols, &rows, &term(40), &mut written).unwrap();
        assert_eq!(String::from_utf8(written).unwrap(), out);
    }

    #[test]
    fn the_widest_shrinking_column_gives_way_first() {
        let cols = [col("id"), flex("agent"), flex("title")];
        let rows: Vec<Vec<String>> = vec![vec![
            "TIX-0001".into(),
            "backend-engineer".into(),
            "Move the sessions to Redis and drop the old store".into(),
        ]];
        let out = table(&cols, &rows, &term(60));
        assert_eq!(
            out,
            "id        agent             title\n\
             TIX-0001  backend-engineer  Move the sessions to Redis and…\n"
        );
    }
}
