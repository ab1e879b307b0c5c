//! `tix report --html FILE`: one self-contained, deterministic page; every
//! ticket text escaped; and, in headless Chromium (skipped when it is
//! absent; `.ci/run` installs it), a page that is drawn and logs nothing.

use crate::util::{Tix, ticket};
use std::path::Path;

fn tree() -> Tix {
    let t = Tix::example().file(
        "tickets/pending/TIX-0014-hostile.md",
        &ticket(
            "TIX-0014",
            "pending",
            "labels: [\"<b>x</b>\"]\nagent: \"</td><script>alert(2)</script>\"\n",
            "",
        )
        .replace(
            "title: Ticket TIX-0014",
            "title: \"<script>alert(1)</script> & <img src=x onerror=alert(3)>\"",
        ),
    );
    t.run(&["sync"]).code(0);
    t.run(&["start", "14"]).code(0);
    t
}

#[test]
fn the_report_is_one_escaped_deterministic_page() {
    let t = tree();
    t.run(&["report", "--html", "report.html"])
        .code(0)
        .stderr_has("wrote report.html");
    let page = t.read("report.html");
    assert_eq!(
        t.run(&["report", "--html", "-"]).code(0).stdout,
        page,
        "the same bytes again"
    );
    assert!(
        page.starts_with("<!DOCTYPE html><html lang=\"en\">"),
        "{page:.80}"
    );
    for absent in [
        "<script", "<img", "<link", "src=\"", "href=\"", "@import", "url(",
    ] {
        assert!(!page.contains(absent), "{absent} in the page");
    }
    assert!(page.contains(
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(3)&gt;"
    ));
    assert!(page.contains("&lt;/td&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
    for section in [
        "Board",
        "In progress (3)",
        "Ready next (5)",
        "Recent completions",
        "Agent runs",
    ] {
        assert!(page.contains(&format!("<h2>{section}</h2>")), "{section}");
    }
    assert!(
        page.contains("14 tickets · 5 done (36%)"),
        "counts and the rate"
    );
}

#[test]
fn chromium_draws_the_report_and_logs_no_error() {
    let Some(chromium) = ["chromium", "chromium-browser"].into_iter().find(|c| {
        std::process::Command::new(c)
            .arg("--version")
            .output()
            .is_ok()
    }) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is missing in CI; .ci/run installs it"
        );
        eprintln!("skipped: chromium is not installed (.ci/run installs it)");
        return;
    };
    let t = tree();
    t.run(&["report", "--html", "report.html"]).code(0);
    std::fs::write(
        t.path("blank.html"),
        "<!DOCTYPE html><html><body></body></html>\n",
    )
    .unwrap();
    let shot = |page: &str, png: &str| -> String {
        let out = std::process::Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--enable-logging=stderr",
                "--v=0",
                "--window-size=1200,1400",
            ])
            .arg(format!("--screenshot={}", t.path(png).display()))
            .arg(format!("file://{}", t.path(page).display()))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let log = shot("report.html", "report.png");
    shot("blank.html", "blank.png");
    let size = |p: &str| std::fs::metadata(t.path(p)).unwrap().len();
    assert!(
        size("report.png") > 5 * size("blank.png"),
        "the page is drawn: {} bytes against {} for a blank page",
        size("report.png"),
        size("blank.png")
    );
    let console: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    assert!(Path::new(&t.path("report.png")).exists());
}
