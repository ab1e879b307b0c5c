//! The shipped sample tree is consistent: the README's first command shows a
//! tree whose registry agrees with its tickets.

use crate::util::Tix;

#[test]
fn the_example_tree_is_consistent_and_its_dashboard_runs() {
    let t = Tix::example();
    t.run(&["sync", "--check"]).code(0);
    let s = t.run(&["status", "--json"]).code(0).json();
    assert_eq!(s["total"], 13);
    assert_eq!(s["problems"], 0);
    let out = t.run(&["status"]).code(0).stdout;
    assert!(
        out.contains("TIX-0006\tMove sessions to Redis\tbackend-engineer"),
        "{out}"
    );
    // The CRLF ticket survives a start byte for byte apart from its keys.
    let before = t.read("tickets/pending/TIX-0013-audit-log-retention.md");
    t.run(&["start", "13"]).code(0);
    let after = t.read("tickets/in-progress/TIX-0013-audit-log-retention.md");
    assert_eq!(
        after,
        before
            .replace("status: pending\r\n", "status: in_progress\r\n")
            .replace(
                "owner: legal-team\r\n",
                &format!(
                    "owner: legal-team\r\nstarted: {0}\r\nupdated: {0}\r\n",
                    crate::util::NOW
                )
            )
    );
}

#[test]
fn the_readme_shows_what_a_terminal_shows() {
    let t = Tix::empty().env("TIX_NOW", "2026-12-03T09:00:00Z");
    crate::util::copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/tickets"),
        &t.path("examples/tickets"),
    );
    for (shown, args) in [
        ("tix status", &["status"][..]),
        ("tix show 6", &["show", "6"]),
    ] {
        let mut full = vec!["--root", "examples/tickets", "--color", "never"];
        full.extend(args);
        let (code, out) = t.run_tty(&full, 80);
        assert_eq!(code, 0, "{out}");
        assert_eq!(
            out,
            crate::util::readme_output(shown),
            "the README's `{shown}`"
        );
    }
}
