//! Parallel processes serialise on the lock; a held lock times out with exit 5.

use crate::util::{Tix, ticket};
use std::process::{Child, Command, Stdio};

fn spawn(t: &Tix, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tix"))
        .args(args)
        .current_dir(t.root())
        .env("TIX_ROOT", t.path("tickets"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn twenty_parallel_starts_and_twenty_parallel_news_all_land() {
    let mut t = Tix::tree();
    for i in 1..=20 {
        t = t.ticket(
            "pending",
            &format!("TIX-{i:04}.md"),
            &ticket(&format!("TIX-{i:04}"), "pending", "", ""),
        );
    }
    let starts: Vec<Child> = (1..=20)
        .map(|i| spawn(&t, &["start", &i.to_string(), "--agent", &format!("a{i}")]))
        .collect();
    let news: Vec<Child> = (1..=20)
        .map(|i| spawn(&t, &["new", &format!("parallel {i}")]))
        .collect();
    let mut ids = Vec::new();
    for c in starts {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for c in news {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        ids.push(String::from_utf8(out.stdout).unwrap().trim().to_string());
    }
    ids.sort();
    let want: Vec<String> = (21..=40).map(|i| format!("TIX-{i:04}")).collect();
    assert_eq!(ids, want, "20 distinct ids");
    let count = |d: &str| {
        std::fs::read_dir(t.path(&format!("tickets/{d}")))
            .unwrap()
            .count()
    };
    assert_eq!(count("in-progress"), 20);
    assert_eq!(count("pending"), 20);
    let reg = t.read("tickets/TICKET_REGISTRY.md");
    assert!(
        reg.contains("| pending | 20 |\n| in_progress | 20 |"),
        "{reg}"
    );
    t.run(&["sync", "--check"]).code(0);
    assert_eq!(t.events().len(), 40);
}

#[test]
fn a_held_lock_gives_exit_5_and_no_change() {
    use fs2::FileExt;
    let t = Tix::tree()
        .file("tickets/tix.yaml", "lock_timeout_secs: 1\n")
        .ticket(
            "pending",
            "TIX-0001.md",
            &ticket("TIX-0001", "pending", "", ""),
        );
    std::fs::create_dir_all(t.path("tickets/.tix")).unwrap();
    let f = std::fs::File::create(t.path("tickets/.tix/lock")).unwrap();
    FileExt::lock_exclusive(&f).unwrap();
    let before = t.snapshot();
    t.run(&["start", "1"])
        .code(5)
        .stderr_has("tickets/.tix/lock: lock not acquired within 1s");
    t.run(&["new", "x"]).code(5);
    assert_eq!(t.snapshot(), before);
    FileExt::unlock(&f).unwrap();
    t.run(&["start", "1"]).code(0);
}
