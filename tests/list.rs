//! `tix list` filters (status, label, priority, agent, ready, title text)
//! and sorts, the same on `--json`; on the example tree, with the expected
//! ids worked out from its tickets by hand.

use crate::util::Tix;

fn ids(t: &Tix, args: &[&str]) -> Vec<String> {
    let mut all = vec!["list"];
    all.extend_from_slice(args);
    let human: Vec<String> = t
        .run(&all)
        .code(0)
        .stdout
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    all.push("--json");
    let json: Vec<String> = t
        .run(&all)
        .code(0)
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(human, json, "{args:?}: the same on --json");
    human
}

fn n(ids: &[u32]) -> Vec<String> {
    ids.iter().map(|i| format!("TIX-{i:04}")).collect()
}

#[test]
fn list_filters_and_sorts_the_same_with_and_without_json() {
    let t = Tix::example();
    t.run(&["sync"]).code(0);
    assert_eq!(
        ids(&t, &["--status", "pending", "-s", "in-progress"]),
        n(&[7, 9, 10, 11, 12, 13, 6, 8])
    );
    assert_eq!(ids(&t, &["--label", "auth", "-l", "security"]), n(&[9, 4]));
    assert_eq!(
        ids(&t, &["--priority", "critical", "-p", "HIGH"]),
        n(&[7, 9, 6, 1, 3, 4])
    );
    assert_eq!(ids(&t, &["--agent", "backend-engineer"]), n(&[6, 3]));
    assert_eq!(ids(&t, &["--agent", "-"]), n(&[7, 9, 10, 11, 12, 13, 5]));
    assert_eq!(ids(&t, &["--ready"]), n(&[7, 9, 11, 12, 13]));
    assert_eq!(ids(&t, &["--title", "SESSION"]), n(&[6, 3]));
    assert_eq!(ids(&t, &["--ready", "--label", "auth"]), n(&[7, 9]));
    assert_eq!(
        ids(&t, &["-s", "pending", "--sort", "priority"]),
        n(&[9, 7, 11, 12, 13, 10])
    );
    assert_eq!(
        ids(&t, &["-l", "web", "--sort", "created"]),
        n(&[2, 8, 7, 10])
    );
    assert_eq!(
        ids(&t, &["-s", "pending", "--sort", "title"]),
        n(&[13, 10, 11, 7, 9, 12])
    );
    assert_eq!(ids(&t, &["--sort", "id", "-l", "infra"]), n(&[1, 5, 6, 12]));
    assert_eq!(
        ids(&t, &["--title", "nothing like it"]),
        Vec::<String>::new()
    );
    let r = t.run(&["list", "-p", "urgent-ish"]).code(2);
    assert_eq!(
        r.stderr,
        "tix: unknown priority \"urgent-ish\" (expected critical, high, medium or low)\n"
    );
}

/// A small tree is listed from its tickets, with no temp file: a `TMPDIR`
/// that does not exist changes nothing, in any order, and nothing is said.
#[test]
fn a_small_tree_s_list_needs_no_temp_file() {
    let t = Tix::example();
    let want: Vec<(String, String)> = ["board", "created", "title"]
        .iter()
        .map(|s| {
            let run = t.run(&["list", "--sort", s]).code(0);
            (run.stdout, run.stderr)
        })
        .collect();
    let t = t.env("TMPDIR", "/nonexistent/tix-tmp");
    for (s, (stdout, stderr)) in ["board", "created", "title"].iter().zip(&want) {
        let run = t.run(&["list", "--sort", s]).code(0);
        assert_eq!(&run.stdout, stdout, "{s}");
        assert_eq!(&run.stderr, stderr, "{s}");
        assert!(!run.stderr.contains("temp files"), "{s}: {}", run.stderr);
    }
}
