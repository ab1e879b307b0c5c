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

/// 100 processes at once: starts, completes and moves on overlapping tickets,
/// and creations. No update is lost (each ticket's audit trail chains from its
/// first state to its file's state), no id is given twice, no ticket is in two
/// folders, the registry agrees, and every change is logged exactly once.
/// `TIX_ROUNDS=N` repeats it (tests/stress.sh).
#[test]
fn a_hundred_parallel_writers_lose_nothing() {
    let rounds: u64 = std::env::var("TIX_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    for round in 0..rounds {
        let mut t = Tix::tree();
        for i in 1..=40 {
            let (dir, status) = if i <= 20 {
                ("pending", "pending")
            } else {
                ("in-progress", "in_progress")
            };
            t = t.ticket(
                dir,
                &format!("TIX-{i:04}.md"),
                &ticket(&format!("TIX-{i:04}"), status, "", "- [x] done\n"),
            );
        }
        t.run(&["sync"]).code(0);
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64 ^ round;
        let mut roll = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let jobs: Vec<Vec<String>> = (0..100)
            .map(|i| {
                let id = |r: u64| format!("{}", r + 1);
                match i % 4 {
                    // Overlapping: ten pending tickets, two agents.
                    0 => vec![
                        "start".into(),
                        id(roll(10)),
                        "--agent".into(),
                        format!("a{}", roll(2)),
                    ],
                    1 => vec!["complete".into(), id(20 + roll(10))],
                    2 => vec![
                        "move".into(),
                        id(20 + roll(20)),
                        ["pending", "completed"][roll(2) as usize].into(),
                    ],
                    _ => vec!["new".into(), format!("parallel {i}")],
                }
            })
            .collect();
        let children: Vec<(Vec<String>, Child)> = jobs
            .into_iter()
            .map(|args| {
                let refs: Vec<&str> = args.iter().map(String::as_str).collect();
                let child = spawn(&t, &refs);
                (args, child)
            })
            .collect();
        let mut changes = 0;
        let mut created = Vec::new();
        for (args, child) in children {
            let out = child.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            let code = out.status.code().unwrap_or(-1);
            assert!([0, 4].contains(&code), "{args:?} exited {code}: {err}");
            assert!(!err.contains("panicked"), "{err}");
            changes += err.lines().filter(|l| l.contains(" → ")).count();
            if args[0] == "new" {
                created.push(String::from_utf8(out.stdout).unwrap().trim().to_string());
            }
        }
        eprintln!(
            "round {round}: {changes} changes, {} created",
            created.len()
        );
        // Every id given once, in one run of numbers.
        created.sort();
        let want: Vec<String> = (41..=65).map(|i| format!("TIX-{i:04}")).collect();
        assert_eq!(created, want);
        // No ticket in two folders, the registry agrees, nothing unfinished.
        t.run(&["sync", "--check"]).code(0);
        let mut seen = std::collections::BTreeMap::new();
        for d in ["pending", "in-progress", "completed", "archive"] {
            for e in std::fs::read_dir(t.path(&format!("tickets/{d}")))
                .unwrap()
                .flatten()
            {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with("TIX-") {
                    assert!(
                        seen.insert(name[..8].to_string(), d.to_string()).is_none(),
                        "{name} twice"
                    );
                }
            }
        }
        assert_eq!(seen.len(), 65);
        // Every change is in the audit log once, and each ticket's trail chains.
        let events = t.events();
        assert_eq!(
            events.iter().filter(|e| e["action"] != "create").count(),
            changes
        );
        assert_eq!(
            events.iter().filter(|e| e["action"] == "create").count(),
            25
        );
        let folder = |s: &str| {
            match s {
                "in_progress" => "in-progress",
                other => other,
            }
            .to_string()
        };
        for i in 1..=40 {
            let id = format!("TIX-{i:04}");
            let mut at = if i <= 20 { "pending" } else { "in_progress" }.to_string();
            for e in events.iter().filter(|e| e["ticket"] == id.as_str()) {
                assert_eq!(e["from"], at.as_str(), "{id}: a lost update");
                at = e["to"].as_str().unwrap().to_string();
            }
            assert_eq!(
                seen[&id],
                folder(&at),
                "{id}: the file is not where its trail ends"
            );
        }
    }
}
