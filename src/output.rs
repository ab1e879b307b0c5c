//! The terminal: which streams are terminals, colour, sanitising text from
//! outside, and tables. The only module that asks about the terminal.

use std::borrow::Cow;
use std::io::IsTerminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// Resolved once per run.
#[derive(Debug, Clone, Copy)]
pub struct Streams {
    pub out_tty: bool,
    pub err_tty: bool,
    pub out_color: bool,
}

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
        }
    }
}

pub use crate::text::sanitize;

/// Sanitises only for a terminal: pipes get the real bytes.
pub fn for_tty(s: &str, tty: bool) -> Cow<'_, str> {
    if tty { sanitize(s) } else { Cow::Borrowed(s) }
}

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

/// A table: comfy-table on a terminal, tab-separated rows (no header) otherwise,
/// so that `cut` and `awk` work; scripts should prefer `--json`.
pub fn table(headers: &[&str], rows: &[Vec<String>], tty: bool) -> String {
    if !tty {
        let mut out = String::new();
        for r in rows {
            let cells: Vec<String> = r
                .iter()
                .map(|c| c.replace(['\t', '\n', '\r'], " "))
                .collect();
            out.push_str(&cells.join("\t"));
            out.push('\n');
        }
        return out;
    }
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::UTF8_BORDERS_ONLY);
    t.set_header(headers.to_vec());
    for r in rows {
        t.add_row(
            r.iter()
                .map(|c| sanitize(c).into_owned())
                .collect::<Vec<_>>(),
        );
    }
    format!("{t}\n")
}

/// `3d 4h`, `12m`, `40s`.
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

    #[test]
    fn escapes_terminal_attacks() {
        assert_eq!(sanitize("plain title"), "plain title");
        let osc52 = "\u{1b}]52;c;ZXZpbA==\u{7}";
        assert!(!sanitize(osc52).contains('\u{1b}'));
        assert!(!sanitize("fake\routput").contains('\r'));
        assert!(!sanitize("abc\u{202e}cba").contains('\u{202e}'));
        assert_eq!(for_tty("a\u{1b}b", false), "a\u{1b}b");
    }

    #[test]
    fn ages_read_well() {
        assert_eq!(age(59), "59s");
        assert_eq!(age(3600 * 5 + 120), "5h 2m");
        assert_eq!(age(86400 * 3 + 3600), "3d 1h");
    }
}
