//! What people see: every read command and error, in a pseudo-terminal (the
//! exact bytes, and the screen of a real terminal where tmux is installed) and
//! through a pipe, with ticket text that tries to drive the terminal.

use crate::util::Tix;
use unicode_width::UnicodeWidthStr;

/// A title and body full of escape sequences and control characters, an
/// agent that clears the screen, a long title, and a ticket that cannot be read.
fn hostile() -> Tix {
    let t = Tix::tree()
        .ticket(
            "pending",
            "TIX-0001-evil.md",
            "---\nid: TIX-0001\ntitle: \"evil \\e[31mRED\\e[0m title\"\nstatus: pending\n\
             priority: high\ncreated: 2029-12-01T00:00:00Z\nlabels: [\"a\\u202Eb\", web]\n---\n\
             ## Steps\n- [ ] clipboard \u{1b}]52;c;ZXZpbA==\u{7} here\n\
             \tindented\u{8}\u{8}back\nfake\rOVERWRITE\n",
        )
        .ticket(
            "in-progress",
            "TIX-0002-agent.md",
            "---\nid: TIX-0002\ntitle: Agent that clears the screen\nstatus: in_progress\n\
             agent: \"x\\e[2Jy\"\nstarted: 2029-12-31T22:00:00Z\n---\n- [x] done\n- [ ] left\n",
        )
        .ticket(
            "completed",
            "TIX-0003-long.md",
            &format!(
                "---\nid: TIX-0003\ntitle: {}end\nstatus: completed\n\
                 completed: 2029-12-31T12:00:00Z\n---\n",
                "Long title ".repeat(20)
            ),
        )
        .ticket(
            "pending",
            "TIX-0004-broken.md",
            "---\nid: TIX-0004\ntitle: [unclosed\n---\n",
        );
    t.run(&["sync"]).code(0);
    t
}

/// No escape sequence from the hostile tickets, only the colours tix itself
/// writes, and no control character but `\n` and `\t`.
#[track_caller]
fn assert_inert(out: &str) {
    for raw in [
        "\u{1b}[31mRED",
        "\u{1b}[2J",
        "\u{1b}]52",
        "\u{1b}[1magent",
        "\u{7}",
        "\r",
    ] {
        assert!(!out.contains(raw), "{raw:?} reached the terminal:\n{out}");
    }
    let own = [
        "\u{1b}[1m",
        "\u{1b}[0m",
        "\u{1b}[33m",
        "\u{1b}[2m",
        "\u{1b}[32m",
        "\u{1b}[31m",
    ];
    let mut rest = out.to_string();
    for s in own {
        rest = rest.replace(s, "");
    }
    for c in rest.chars() {
        assert!(
            c == '\n' || c == '\t' || !tix::text::needs_escape(c),
            "{c:?} reached the terminal:\n{out}"
        );
    }
}

/// Every line of output fits `cols` columns once tix's colours are taken out
/// (messages on stderr, `tix: …`, are one line each however long: the terminal
/// wraps them).
#[track_caller]
fn assert_fits(out: &str, cols: usize) {
    let plain = strip_sgr(out);
    for line in plain.lines().filter(|l| !l.starts_with("tix: ")) {
        assert!(
            line.width() <= cols,
            "{} columns > {cols}: {line}",
            line.width()
        );
    }
}

/// `tix args` on a terminal `cols` wide: exit 0, inert, every line fitting.
#[track_caller]
fn on_terminal(t: &Tix, args: &[&str], cols: u16) -> String {
    let (code, out) = t.run_tty(args, cols);
    assert_eq!(code, 0, "{out}");
    assert_inert(&out);
    assert_fits(&out, usize::from(cols));
    out
}

fn strip_sgr(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn show_is_readable_on_a_terminal_and_escaped_everywhere() {
    let t = hostile();
    let (code, tty) = t.run_tty(&["show", "1"], 80);
    assert_eq!(code, 0, "{tty}");
    assert_inert(&tty);
    insta::assert_snapshot!("show_tty", tty);
    let (code, plain) = t.run_tty(&["show", "1", "--color", "never"], 80);
    assert_eq!(code, 0);
    assert!(
        !plain.contains('\u{1b}'),
        "--color never writes no escape at all"
    );
    assert_eq!(plain, strip_sgr(&tty), "--color never: the same text");
    let piped = t.run(&["show", "1"]).code(0);
    assert_eq!(piped.stdout, plain, "a pipe gets what a terminal shows");
    assert_eq!(piped.stderr, "");
    // The body's own line breaks and tab stay; its escapes are visible.
    assert!(
        plain.contains("\n\tindented\\u{8}\\u{8}back\nfake\\u{d}OVERWRITE\n"),
        "{plain}"
    );
}

#[test]
fn list_fits_the_terminal_and_pipes_get_every_byte_escaped() {
    let t = hostile();
    let tty = on_terminal(&t, &["list"], 80);
    insta::assert_snapshot!("list_tty_80", tty);
    let piped = t.run(&["list"]).code(0);
    assert_eq!(
        piped.stdout,
        format!(
            "TIX-0001\tpending\thigh\t-\tevil \\u{{1b}}[31mRED\\u{{1b}}[0m title\n\
             TIX-0002\tin_progress\tmedium\tx\\u{{1b}}[2Jy\tAgent that clears the screen\n\
             TIX-0003\tcompleted\tmedium\t-\t{}end\n",
            "Long title ".repeat(20)
        )
    );
    assert_eq!(
        piped.stderr,
        "tix: 1 ticket could not be read and was left out (`tix sync --check` lists it)\n"
    );
    // JSON keeps the real text; its encoding escapes the control characters.
    let json = t.run(&["list", "--json"]).code(0);
    assert_eq!(json.json()[0]["title"], "evil \u{1b}[31mRED\u{1b}[0m title");
    assert!(!json.stdout.contains('\u{1b}'));
}

#[test]
fn status_collapses_empty_sections_and_escapes_agents() {
    let t = hostile();
    let tty = on_terminal(&t, &["status"], 80);
    insta::assert_snapshot!("status_tty_80", tty);
    // Narrower, the counts go below the bar.
    let narrow = on_terminal(&t, &["status", "--color", "never"], 60);
    assert!(
        narrow.starts_with(
            "tix: 1 ticket could not be read and was left out (`tix sync --check` lists it)\n\
             tickets — 3 tickets, 1 done (33%)\n███████░░░░░░░░░░░░░\n\
             pending 1 · in_progress 1 · completed 1 · archived 0\n\n"
        ),
        "{narrow}"
    );
    let piped = t.run(&["status"]).code(0);
    insta::assert_snapshot!("status_piped", piped.stdout);
    assert_inert(&piped.stdout);
    assert!(
        piped.stderr.contains("1 ticket could not be read"),
        "{}",
        piped.stderr
    );
    // Every read command says so, --json included.
    for args in [
        &["status", "--json"][..],
        &["list", "--json"],
        &["next", "--json"],
    ] {
        assert_eq!(
            t.run(args).code(0).stderr,
            "tix: 1 ticket could not be read and was left out (`tix sync --check` lists it)\n",
            "{args:?}"
        );
    }
}

#[test]
fn history_and_next_on_a_terminal_and_in_a_pipe() {
    let t = hostile();
    t.run(&["start", "1", "--agent", "bad\u{1b}[1magent"])
        .code(0);
    t.run(&["move", "1", "pending"]).code(0);
    let tty = on_terminal(&t, &["history"], 80);
    insta::assert_snapshot!("history_tty_80", tty);
    let piped = t.run(&["history"]).code(0);
    assert_eq!(
        piped.stdout,
        "2030-01-01T00:00:00Z\tTIX-0001\tstart\tpending → in_progress\tuser\tbad\\u{1b}[1magent\t-\t-\n\
         2030-01-01T00:00:00Z\tTIX-0001\tmove\tin_progress → pending\tuser\tbad\\u{1b}[1magent\t-\t-\n"
    );
    let (code, tty) = t.run_tty(&["next"], 80);
    assert_eq!(
        (code, tty.as_str()),
        (
            0,
            "tix: 1 ticket could not be read and was left out (`tix sync --check` lists it)\nTIX-0001\n"
        )
    );
    let piped = t.run(&["next"]).code(0);
    assert_eq!(
        (piped.stdout.as_str(), piped.stderr.as_str()),
        (
            "TIX-0001\n",
            "tix: 1 ticket could not be read and was left out (`tix sync --check` lists it)\n"
        )
    );
}

#[test]
fn errors_are_one_escaped_line_on_a_terminal_and_in_a_pipe() {
    let t = hostile().ticket(
        "pending",
        "TIX-0005-\u{1b}[2J.md",
        "---\nid: TIX-0005\ntitle: [\n---\n",
    );
    let (code, tty) = t.run_tty(&["show", "5"], 80);
    assert_eq!(code, 1);
    assert_inert(&tty);
    assert_eq!(tty.lines().count(), 1, "{tty}");
    assert_eq!(
        tty,
        "tix: tickets/pending/TIX-0005-\\u{1b}[2J.md:4: invalid YAML in the frontmatter: \
         did not find expected node content, while parsing a flow node\n"
    );
    let piped = t.run(&["show", "5"]).code(1);
    assert_eq!(piped.stderr, tty);
    let (code, tty) = t.run_tty(&["show", "99"], 80);
    assert_eq!((code, tty.as_str()), (3, "tix: no ticket 99\n"));
    // A usage error is one line too, wherever it goes.
    let (code, tty) = t.run_tty(&["show"], 80);
    assert_eq!(code, 2);
    assert_eq!(tty.lines().count(), 1, "{tty}");
}

#[test]
fn the_sample_dashboard_fits_an_80x24_screen() {
    let t = Tix::example().env("TIX_NOW", "2026-12-03T09:00:00Z");
    let Some(screen) = t.tmux_screen(&["status"], 80, 24) else {
        return;
    };
    insta::assert_snapshot!("sample_status_screen", screen);
    assert!(
        screen.lines().count() <= 23,
        "room for the prompt:\n{screen}"
    );
    assert_fits(&screen, 80);
}

#[test]
fn a_hostile_ticket_on_a_real_terminal_screen() {
    let t = hostile();
    let Some(screen) = t.tmux_screen(&["show", "1"], 80, 24) else {
        return;
    };
    insta::assert_snapshot!("hostile_show_screen", screen);
    let Some(screen) = t.tmux_screen(&["list"], 60, 24) else {
        return;
    };
    insta::assert_snapshot!("hostile_list_screen_60", screen);
    assert_fits(&screen, 60);
}

#[test]
fn each_dashboard_section_shows_ten_and_says_how_many_there_are() {
    let mut t = Tix::tree();
    for i in 1..=36 {
        let (dir, status) = match i % 3 {
            0 => ("pending", "pending"),
            1 => ("in-progress", "in_progress"),
            _ => ("completed", "completed"),
        };
        t = t.ticket(
            dir,
            &format!("TIX-{i:04}.md"),
            &crate::util::ticket(&format!("TIX-{i:04}"), status, "", ""),
        );
    }
    t.run(&["sync"]).code(0);
    let tty = on_terminal(&t, &["status", "--color", "never"], 80);
    let piped = t.run(&["status"]).code(0).stdout;
    for out in [&tty, &piped] {
        for title in [
            "In progress (10 of 12)",
            "Ready next (10 of 12)",
            "Recently completed (10 of 12)",
        ] {
            assert!(out.contains(&format!("\n{title}\n")), "{title}:\n{out}");
        }
        let rows = out.lines().filter(|l| l.starts_with("TIX-")).count();
        assert_eq!(rows, 30, "{out}");
    }
    assert_eq!(
        t.run(&["status", "--json"]).code(0).json()["in_progress"]
            .as_array()
            .unwrap()
            .len(),
        12
    );
}

#[test]
fn narrow_terminals_get_tables_that_fit_never_a_panic() {
    // Review finding: a forced takeover made `history` panic at 80 columns,
    // and `list`/`status` at 40–50 (a width underflow).
    let t = Tix::example();
    t.run(&["start", "7", "--agent", "backend-engineer"])
        .code(0);
    t.run(&["start", "7", "--agent", "security-reviewer", "--force"])
        .code(0);
    for cols in [40u16, 45, 50, 60, 80, 120] {
        for args in [&["history"][..], &["list"], &["status"]] {
            let mut full = args.to_vec();
            full.extend(["--color", "never"]);
            on_terminal(&t, &full, cols);
        }
    }
}
