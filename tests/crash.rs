//! kill -9 at any instant loses nothing. Transitions (`start`, `complete`,
//! `move`, `new`, `next --claim`) run against a 200-ticket tree and die — at
//! every named step (`TIX_FAILPOINT`, debug builds) and with SIGKILL at
//! random instants. After each death the next command (or `tix doctor
//! --fix`) must leave every ticket file byte for byte as it was before the
//! change or as the change would have left it (computed by running the same
//! change to its end on a copy), each id once, the registry what `sync` would
//! write, and the change in the audit log at most once.
//!
//! `TIX_KILLS=1000 cargo test --release --test integration crash -- --nocapture`
//! is the long run (`tests/stress.sh`); `TIX_SEED` replays one.

use crate::util::{NOW, copy_dir, without_failpoints};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const FAILPOINTS: [&str; 6] = [
    "after-journal",
    "after-write",
    "after-remove",
    "after-event",
    "after-registry",
    "registry-linked",
];

/// A small PRNG (xorshift64*): the test needs no crate for dice.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// 200 tickets: 120 pending, 40 in progress (boxes ticked), 30 completed, 10 archived.
fn generate(root: &Path) {
    for d in ["pending", "in-progress", "completed", "archive"] {
        fs::create_dir_all(root.join(d)).unwrap();
    }
    fs::write(root.join("tix.yaml"), "# defaults\n").unwrap();
    for i in 1..=200 {
        let (dir, status) = match i {
            1..=120 => ("pending", "pending"),
            121..=160 => ("in-progress", "in_progress"),
            161..=190 => ("completed", "completed"),
            _ => ("archive", "archived"),
        };
        let crlf = i % 9 == 0;
        let mut text = format!(
            "---\nid: TIX-{i:04}\ntitle: Ticket {i} # a comment\nstatus: {status}\npriority: {}\ncreated: 2029-01-01T00:00:{:02}Z\n---\n## Criteria\n- [x] done\n",
            ["low", "medium", "high", "critical"][i % 4],
            i % 60
        );
        if crlf {
            text = text.replace('\n', "\r\n");
        }
        fs::write(
            root.join(dir).join(format!("TIX-{i:04}-ticket-{i}.md")),
            text,
        )
        .unwrap();
    }
}

fn tix(root: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tix"));
    c.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TIX_ROOT", root)
        .env("TIX_NOW", NOW)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

fn code(root: &Path, args: &[&str]) -> i32 {
    tix(root, args).status().unwrap().code().unwrap_or(-1)
}

/// Every ticket file, by path, with its bytes.
fn tickets(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for d in ["pending", "in-progress", "completed", "archive"] {
        for e in fs::read_dir(root.join(d)).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            out.insert(format!("{d}/{name}"), fs::read(e.path()).unwrap());
        }
    }
    out
}

/// Audit events other than doctor's repairs.
fn events(root: &Path) -> usize {
    fs::read_to_string(root.join(".tix/events.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.contains("\"action\":\"repair\""))
        .count()
}

/// Asserts that no id is in two files; returns how many tickets there are.
#[track_caller]
fn each_id_once(now: &BTreeMap<String, Vec<u8>>, what: &str) -> usize {
    let mut ids: Vec<&str> = now
        .keys()
        .map(|k| &k[k.find('/').unwrap() + 1..][..8])
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "{what}: a ticket in two folders");
    n
}

/// Every `.tix-tmp-*` file under `dir`, `.tix/` included.
fn temp_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if e.file_type().unwrap().is_dir() {
            out.extend(temp_files(&e.path()));
        } else if name.starts_with(".tix-tmp-") {
            out.push(e.path().display().to_string());
        }
    }
    out
}

/// A number from the environment (`TIX_KILLS=1000`).
fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|s| s.parse().ok())
}

fn journal_pending(root: &Path) -> bool {
    fs::read(root.join(".tix/journal.json"))
        .is_ok_and(|b| b.iter().any(|c| !c.is_ascii_whitespace()))
}

/// A change that can be made now: the args.
fn pick(root: &Path, dice: &mut Dice) -> Vec<String> {
    let t = tickets(root);
    let ids = |dir: &str| -> Vec<String> {
        t.keys()
            .filter(|k| k.starts_with(&format!("{dir}/")))
            .map(|k| k[dir.len() + 1..dir.len() + 9].to_string())
            .collect()
    };
    let (pending, in_progress) = (ids("pending"), ids("in-progress"));
    let any = |v: &[String], d: &mut Dice| v[d.below(v.len() as u64) as usize].clone();
    match dice.below(6) {
        0 if !pending.is_empty() => vec![
            "start".into(),
            any(&pending, dice),
            "--agent".into(),
            "bot".into(),
        ],
        1 if !in_progress.is_empty() => vec!["complete".into(), any(&in_progress, dice)],
        2 if !in_progress.is_empty() => {
            vec!["move".into(), any(&in_progress, dice), "pending".into()]
        }
        3 => vec![
            "new".into(),
            format!("Made by the crash test {}", dice.below(1000)),
        ],
        4 => vec![
            "next".into(),
            "--claim".into(),
            "--agent".into(),
            "claimer".into(),
        ],
        _ if !pending.is_empty() => vec!["start".into(), any(&pending, dice)],
        _ => vec!["new".into(), "Another".into()],
    }
}

struct Harness {
    _dir: tempfile::TempDir,
    root: PathBuf,
    scratch: PathBuf,
    interrupted: usize,
    deaths: usize,
    /// How long a change takes when it is not killed (the last one that was not).
    life: Duration,
}

impl Harness {
    fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("tickets");
        generate(&root);
        assert_eq!(code(&root, &["sync"]), 0);
        let scratch = dir.path().join("scratch");
        Harness {
            _dir: dir,
            root,
            scratch,
            interrupted: 0,
            deaths: 0,
            life: Duration::from_millis(15),
        }
    }

    /// Runs `args` to its end on a copy: the state the change leads to.
    fn after(&mut self, args: &[&str]) -> BTreeMap<String, Vec<u8>> {
        let _ = fs::remove_dir_all(&self.scratch);
        copy_dir(&self.root, &self.scratch);
        copy_dir(&self.root.join(".tix"), &self.scratch.join(".tix"));
        let _ = fs::remove_file(self.scratch.join(".tix/lock"));
        tix(&self.scratch, args).status().unwrap();
        tickets(&self.scratch)
    }

    /// One change, killed by `kill` (a failpoint, or SIGKILL after a delay),
    /// then recovered by `recover`; checks everything.
    fn die(
        &mut self,
        args: &[String],
        failpoint: Option<&str>,
        delay: Duration,
        recover: &[&str],
        what: &str,
    ) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let before = tickets(&self.root);
        let events_before = events(&self.root);
        let after = self.after(&args);
        let mut c = tix(&self.root, &args);
        if let Some(f) = failpoint {
            c.env("TIX_FAILPOINT", f);
        }
        let started = std::time::Instant::now();
        let mut child = c.spawn().unwrap();
        if failpoint.is_none() {
            // `delay` is a share (in millionths) of how long a change lives.
            std::thread::sleep(self.life.mul_f64(delay.as_micros() as f64 / 1e6));
            let _ = child.kill();
        }
        let status = child.wait().unwrap();
        if !status.success() {
            self.deaths += 1;
        } else if failpoint.is_none() {
            self.life = started.elapsed();
        }
        if journal_pending(&self.root) {
            self.interrupted += 1;
        }
        let r = code(&self.root, recover);
        assert!(
            [0, 6].contains(&r),
            "{what}: recovery {recover:?} exited {r}"
        );
        // No temp file of the killed run survives the next command.
        let temps = temp_files(&self.root);
        assert!(
            temps.is_empty(),
            "{what}: {args:?} then {recover:?} left {temps:?}"
        );
        let now = tickets(&self.root);
        let landed = if now == after {
            true
        } else if now == before {
            false
        } else {
            let diff: Vec<&String> = now
                .keys()
                .chain(before.keys())
                .chain(after.keys())
                .filter(|k| now.get(*k) != before.get(*k) && now.get(*k) != after.get(*k))
                .collect();
            panic!("{what}: {args:?} left a state that is neither before nor after: {diff:?}");
        };
        each_id_once(&now, what);
        // The registry is what sync would write, nothing is unfinished.
        assert_eq!(
            code(&self.root, &["sync", "--check"]),
            0,
            "{what}: {args:?}"
        );
        // The change is logged once if it landed, else not at all.
        let logged = events(&self.root) - events_before;
        let changed = before != after;
        assert_eq!(
            logged,
            usize::from(landed && changed),
            "{what}: {args:?} logged {logged} events"
        );
    }
}

#[test]
fn killed_at_every_step_of_every_change() {
    if without_failpoints() {
        return;
    }
    let mut h = Harness::new();
    let mut dice = Dice(7);
    let recoveries: [&[&str]; 3] = [&["status"], &["doctor", "--fix"], &["list"]];
    let mut runs = 0;
    for (i, f) in FAILPOINTS.iter().enumerate() {
        for op in 0..5 {
            let args = loop {
                let a = pick(&h.root, &mut dice);
                let kind = ["start", "complete", "move", "new", "next"][op];
                if a[0] == kind {
                    break a;
                }
            };
            let recover = recoveries[(i + op) % 3];
            h.die(
                &args,
                Some(f),
                Duration::ZERO,
                recover,
                &format!("failpoint {f}"),
            );
            runs += 1;
        }
    }
    assert_eq!(runs, FAILPOINTS.len() * 5);
    assert!(
        h.interrupted >= 20,
        "most failpoints interrupt a change: {}",
        h.interrupted
    );
}

#[test]
fn killed_at_random_instants() {
    let kills = env_number("TIX_KILLS").unwrap_or(100);
    let seed = env_number("TIX_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
            | 1
    });
    eprintln!("crash test: {kills} kills, TIX_SEED={seed}");
    let mut h = Harness::new();
    let mut dice = Dice(seed);
    for k in 0..kills {
        let args = pick(&h.root, &mut dice);
        // Anywhere in the change's life, process start included.
        let delay = Duration::from_micros(dice.below(1_000_000));
        let recover: &[&str] = match k % 3 {
            0 => &["status"],
            1 => &["doctor", "--fix"],
            _ => &["list"],
        };
        h.die(
            &args,
            None,
            delay,
            recover,
            &format!("kill {k} (seed {seed})"),
        );
    }
    eprintln!(
        "crash test: {kills} kills, {} killed before finishing, {} interrupted a change in its journal",
        h.deaths, h.interrupted
    );
}

/// The 200-ticket tree with repairs for doctor: 20 tickets copied into a
/// second folder (the copy updated later), 10 ids given to a second ticket,
/// 15 tickets in the wrong folder, 5 with a git conflict in the frontmatter,
/// temp files. Returns every ticket file's bytes as they are then.
fn damage(root: &Path) -> Vec<Vec<u8>> {
    for i in 1..=20 {
        let src = root.join(format!("pending/TIX-{i:04}-ticket-{i}.md"));
        let text = fs::read_to_string(&src)
            .unwrap()
            .replace("status: pending", "status: completed")
            .replacen("created:", "updated: 2029-06-01T00:00:00Z\ncreated:", 1);
        fs::write(
            root.join(format!("completed/TIX-{i:04}-ticket-{i}.md")),
            text,
        )
        .unwrap();
    }
    for i in 21..=30 {
        fs::write(
            root.join(format!("pending/TIX-{i:04}-another.md")),
            format!(
                "---\nid: TIX-{i:04}\ntitle: Another ticket {i}\nstatus: pending\ncreated: 2029-02-01T00:00:00Z\n---\nits own body {i}\n"
            ),
        )
        .unwrap();
    }
    for i in 31..=45 {
        let from = root.join(format!("pending/TIX-{i:04}-ticket-{i}.md"));
        fs::rename(
            &from,
            root.join(format!("in-progress/TIX-{i:04}-ticket-{i}.md")),
        )
        .unwrap();
    }
    for i in 46..=50 {
        let path = root.join(format!("pending/TIX-{i:04}-ticket-{i}.md"));
        let text = fs::read_to_string(&path).unwrap().replace(
            "priority: ",
            "<<<<<<< HEAD\npriority: high\n=======\npriority: ",
        );
        let text = text.replacen("\ncreated:", "\n>>>>>>> feature\ncreated:", 1);
        fs::write(&path, text).unwrap();
    }
    fs::write(root.join("pending/.tix-tmp-abc"), "half").unwrap();
    fs::write(root.join("in-progress/.tix-tmp-def"), "half").unwrap();
    tickets(root)
        .into_iter()
        .filter(|(k, _)| !k.contains(".tix-tmp"))
        .map(|(_, v)| v)
        .collect()
}

/// Every file's bytes: the tickets and `.tix/conflicts/`.
fn all_kept(root: &Path) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = tickets(root).into_values().collect();
    if let Ok(d) = fs::read_dir(root.join(".tix/conflicts")) {
        out.extend(d.flatten().map(|e| fs::read(e.path()).unwrap()));
    }
    out
}

#[test]
fn doctor_killed_while_repairing_loses_no_bytes() {
    let rounds = env_number("TIX_DOCTOR_KILLS").unwrap_or(12);
    let seed = env_number("TIX_SEED").unwrap_or(0x5eed);
    let mut dice = Dice(seed | 1);
    // How long an uninterrupted repair takes here.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tickets");
    generate(&root);
    assert_eq!(code(&root, &["sync"]), 0);
    let _ = damage(&root);
    let started = std::time::Instant::now();
    assert_eq!(code(&root, &["doctor", "--fix"]), 0);
    let life = started.elapsed();
    let mut interrupted = 0;
    for round in 0..rounds {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("tickets");
        generate(&root);
        assert_eq!(code(&root, &["sync"]), 0);
        let originals = damage(&root);
        // Up to three repairs killed in a row, then one to its end.
        for _ in 0..=dice.below(3) {
            let mut child = tix(&root, &["doctor", "--fix"]).spawn().unwrap();
            std::thread::sleep(life.mul_f64(dice.below(1000) as f64 / 1000.0));
            let _ = child.kill();
            if !child.wait().unwrap().success() {
                interrupted += 1;
            }
        }
        let what = format!("round {round} (TIX_SEED={seed})");
        assert_eq!(code(&root, &["doctor", "--fix"]), 0, "{what}");
        assert_eq!(code(&root, &["doctor"]), 0, "{what}");
        assert_eq!(code(&root, &["sync", "--check"]), 0, "{what}");
        // Every original file is somewhere, byte for byte; a renumbered one
        // differs only in its id line.
        let kept = all_kept(&root);
        let id_line = |b: &[u8]| -> Vec<u8> {
            let t = String::from_utf8_lossy(b);
            t.lines()
                .filter(|l| !l.starts_with("id: "))
                .collect::<Vec<_>>()
                .join("\n")
                .into_bytes()
        };
        for o in &originals {
            let found = kept.contains(o) || kept.iter().any(|k| id_line(k) == id_line(o));
            assert!(found, "{what}: lost:\n{}", String::from_utf8_lossy(o));
        }
        let n = each_id_once(&tickets(&root), &what);
        assert_eq!(n, 200 + 10, "{what}: every ticket is there once");
    }
    eprintln!("doctor crash test: {rounds} rounds, {interrupted} repairs killed before finishing");
}
