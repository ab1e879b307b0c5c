//! `cargo bench --bench engine`: generates trees of 1,000 and 10,000 tickets and
//! times the release binary end to end (process start included): median and
//! p90 wall time of `start`, `complete`, `new`, `status`, `list --json`, `sync --check`,
//! `next`, `archive --dry-run`, `sync`, `doctor`, `doctor --fix`,
//! `status` and `list` on a terminal (a pseudo-terminal 80 columns wide, read as
//! fast as tix writes) and through a pipe, and each command's peak RSS (from
//! wait4). Not a test: it asserts nothing.
//!
//! Beside them, two floors timed the same way: `cat` reading a hook payload
//! (a do-nothing hook) and this program doing only the synced writes of a
//! ticket's start, as tix does them (journal, new file, both folders, audit
//! line, runs file, its folder), so that what a transition costs beyond its
//! syncs can be read off.
//!
//! A `start` that first merges 64 KiB of records appended to the index into
//! its base (see [`merge_row`]), the first command in a tree without an
//! index, as in a fresh clone (see [`without_index_rows`]), and the commands
//! right after a change made outside tix (see [`outside_rows`]).
//!
//! Then each command against its floor, in paired runs (see
//! [`against_floors`]), with the ratios.
//!
//! `TIX_BENCH_SIZES=1000,10000` and `TIX_BENCH_RUNS=30` change the defaults
//! (`TIX_BENCH_SIZES=1000,10000,100000` for the README's figures).

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tix");

/// Arguments, what goes on stdin, and whether stdout is a terminal.
type Invocation = (Vec<String>, Option<String>, bool);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--floor-start") => {
            floor_start(Path::new(&args[2]), &args[3]).expect("the floor's writes");
            return;
        }
        Some("--floor-stat") => return floor_walk(Path::new(&args[2]), false),
        Some("--floor-read") => return floor_walk(Path::new(&args[2]), true),
        Some("--floor-write") => {
            floor_write(Path::new(&args[2]), &args[3]).expect("the floor's write");
            return;
        }
        _ => {}
    }
    let sizes: Vec<usize> = std::env::var("TIX_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runs: usize = std::env::var("TIX_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let mut paired = Vec::new();
    println!("| tickets | command | median | p90 | peak RSS |");
    println!("| ---: | --- | ---: | ---: | ---: |");
    for n in sizes {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("tickets");
        generate(&root, n);
        run(&root, &["sync"]); // first scan fills the cache
        floors(runs); // beside each size's figures: this VM's speed drifts
        // Tickets without dependencies, so that the hook's start is not refused.
        let pending = startable(n, 0, 2 * runs);
        let in_progress: Vec<usize> = (1..=n)
            .filter(|i| status_of(*i, n) == "in_progress")
            .take(runs)
            .collect();
        let hook_payload = |id: Option<usize>| {
            let text = match id {
                Some(i) => format!("Work on TIX-{i:04} (the login flow)"),
                None => "Look through the login code for dead branches (UTF-8 safe)".into(),
            };
            format!(
                r#"{{"session_id":"bench","transcript_path":"/tmp/t.jsonl","cwd":"/","hook_event_name":"PreToolUse","tool_name":"Agent","tool_use_id":"toolu_{}","tool_input":{{"description":"{text}","prompt":"{text}","subagent_type":"backend-engineer"}}}}"#,
                id.unwrap_or(0)
            )
        };
        let hook = |payload: String| (vec!["hook".to_string()], Some(payload), false);
        let plain = |args: Vec<String>| (args, None, false);
        let tty = |args: Vec<String>| (args, None, true);
        let cases: Vec<(&str, Vec<Invocation>)> = vec![
            (
                "hook: names no ticket",
                (0..runs).map(|_| hook(hook_payload(None))).collect(),
            ),
            (
                "hook: starts a ticket",
                pending
                    .iter()
                    .skip(runs)
                    .map(|i| hook(hook_payload(Some(*i))))
                    .collect(),
            ),
            (
                "start",
                pending
                    .iter()
                    .take(runs)
                    .map(|i| plain(vec!["start".into(), i.to_string(), "--force".into()]))
                    .collect(),
            ),
            (
                "complete",
                in_progress
                    .iter()
                    .map(|i| plain(vec!["complete".into(), i.to_string(), "--force".into()]))
                    .collect(),
            ),
            (
                "new",
                (0..runs)
                    .map(|i| plain(vec!["new".into(), format!("Benchmark ticket {i}")]))
                    .collect(),
            ),
            ("status", vec![plain(vec!["status".into()]); runs]),
            (
                "status --json",
                vec![plain(vec!["status".into(), "--json".into()]); runs],
            ),
            (
                "list --json",
                vec![plain(vec!["list".into(), "--json".into()]); runs.min(10)],
            ),
            ("status (terminal)", vec![tty(vec!["status".into()]); runs]),
            (
                "list (pipe)",
                vec![plain(vec!["list".into()]); runs.min(10)],
            ),
            (
                "list (terminal)",
                vec![tty(vec!["list".into()]); runs.min(10)],
            ),
            (
                "sync --check",
                vec![plain(vec!["sync".into(), "--check".into()]); runs.min(10)],
            ),
            ("next", vec![plain(vec!["next".into()]); runs.min(10)]),
            ("sync", vec![plain(vec!["sync".into()]); runs.min(10)]),
            ("doctor", vec![plain(vec!["doctor".into()]); runs.min(10)]),
            (
                "doctor --fix",
                vec![plain(vec!["doctor".into(), "--fix".into()]); runs.min(10)],
            ),
            (
                "archive --dry-run",
                vec![plain(vec!["archive".into(), "--dry-run".into()]); runs.min(10)],
            ),
        ];
        for (name, invocations) in cases {
            let mut times = Vec::new();
            let mut rss = 0;
            for (args, stdin, on_tty) in &invocations {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let (t, r) = run_with(Path::new(BIN), &root, &args, stdin.as_deref(), *on_tty);
                times.push(t);
                rss = rss.max(r);
            }
            row(n, name, &mut times, rss);
        }
        merge_row(&root, n, if n > 20_000 { runs.min(10) } else { runs });
        without_index_rows(&root, n, runs.min(5));
        // Past the tickets the other rows start (the last, merge_row's, end
        // before 5 × runs).
        outside_rows(&root, n, runs.min(5), 5 * runs);
        paired.extend(against_floors(&root, n, runs));
    }
    println!();
    println!("| tickets | tix | median | peak RSS | floor, same runs | median | ratio |");
    println!("| ---: | --- | ---: | ---: | --- | ---: | ---: |");
    for line in paired {
        println!("{line}");
    }
}

/// tix against the floor of what it does, run in turn (tix, floor, tix,
/// floor…) so that both see the same machine: `status` and `list` against a
/// program that stats every ticket file (walking the folders, on two
/// threads, as tix may); `sync --check` against one that reads every ticket
/// file once (two threads); `new` against one that writes a file, fsyncs
/// it and renames it into place; and a `start` right after ten ticket files
/// in four folders were replaced as a `git checkout` replaces them (removed,
/// then written anew) against `status` on the tree as it is.
fn against_floors(root: &Path, n: usize, runs: usize) -> Vec<String> {
    let me = std::env::current_exe().unwrap();
    let tix = Path::new(BIN);
    let heavy = if n > 20_000 { runs.min(10) } else { runs };
    let root_arg = root.to_string_lossy().into_owned();
    let out_dir = root.parent().unwrap().join("floor-out");
    fs::create_dir_all(&out_dir).unwrap();
    let mut lines = Vec::new();
    let mut row =
        |name: &str, t: &[Duration], rss: i64, floor: &str, f: &[Duration], diff: bool| {
            let (a, b) = (median(t), median(f));
            let ratio = if diff {
                format!("{:+.2} ms", ms(a) - ms(b))
            } else {
                format!("{:.2}×", a.as_secs_f64() / b.as_secs_f64())
            };
            lines.push(format!(
                "| {n} | {name} | {:.2} ms | {:.1} MiB | {floor} | {:.2} ms | {ratio} |",
                ms(a),
                rss as f64 / 1024.0,
                ms(b)
            ));
        };
    for (cmd, floor, how) in [
        (&["status"][..], "stat every ticket file", "--floor-stat"),
        (&["list"][..], "stat every ticket file", "--floor-stat"),
        (
            &["sync", "--check"][..],
            "read every ticket file",
            "--floor-read",
        ),
    ] {
        let (mut t, mut f, mut rss) = (Vec::new(), Vec::new(), 0);
        let k = if cmd[0] == "status" { runs } else { heavy };
        for _ in 0..k {
            let (d, r) = run_with(tix, root, cmd, None, false);
            t.push(d);
            rss = rss.max(r);
            f.push(run_with(&me, root, &[how, &root_arg], None, false).0);
        }
        row(&cmd.join(" "), &t, rss, floor, &f, false);
    }
    let (mut t, mut f, mut rss) = (Vec::new(), Vec::new(), 0);
    let out_arg = out_dir.to_string_lossy().into_owned();
    for i in 0..runs {
        let (d, r) = run_with(
            tix,
            root,
            &["new", &format!("Paired ticket {i}")],
            None,
            false,
        );
        t.push(d);
        rss = rss.max(r);
        let name = format!("floor-{i}.md");
        f.push(run_with(&me, root, &["--floor-write", &out_arg, &name], None, false).0);
    }
    row("new", &t, rss, "write, fsync, rename one file", &f, false);
    let replaced = checked_out(n);
    let ids = startable(n, 3 * runs, runs);
    let (mut t, mut f, mut rss) = (Vec::new(), Vec::new(), 0);
    for (round, id) in ids.iter().enumerate() {
        check_out(root, n, &replaced, &format!("{round}"));
        let (d, r) = run_with(tix, root, &["start", &id.to_string()], None, false);
        t.push(d);
        rss = rss.max(r);
        f.push(run_with(tix, root, &["status"], None, false).0);
    }
    row(
        "start after a checkout replaced 10 files",
        &t,
        rss,
        "tix status",
        &f,
        true,
    );
    lines
}

/// Ten files a checkout replaces: three of each open or done folder, one
/// archived, never one a run starts (the last of each status).
fn checked_out(n: usize) -> Vec<usize> {
    ["pending", "in_progress", "completed", "archived"]
        .iter()
        .flat_map(|s| {
            let k = if *s == "archived" { 1 } else { 3 };
            (1..=n)
                .rev()
                .filter(move |i| status_of(*i, n) == *s)
                .take(k)
        })
        .collect()
}

/// Replaces the tickets `ids` as a `git checkout` replaces them (removed,
/// then written anew), each retitled with `mark`.
fn check_out(root: &Path, n: usize, ids: &[usize], mark: &str) {
    for i in ids {
        let path = ticket_path(root, *i, n);
        let text = fs::read_to_string(&path).unwrap();
        let title = format!("title: Checked out {mark} ");
        let text = match text.find("title: ") {
            Some(at) => {
                let end = at + text[at..].find('\n').unwrap();
                format!("{}{title}{}", &text[..at], &text[end..])
            }
            None => text,
        };
        fs::remove_file(&path).unwrap();
        fs::write(&path, text).unwrap();
    }
}

/// The commands right after a change made outside tix, each run after one
/// of its own: reads after a checkout replaced 10 files (the index brought
/// up to date in memory, nothing written), a `start` after the registry was
/// written again with the same bytes, as a pull writes it, and a `sync`
/// after a line was appended to it (a registry the index does not know:
/// rendered from the index); from 10,000 tickets on, those after a pull of
/// 2,000 files ([`many_rows`]); last, those while an id is on two files
/// ([`duplicate_rows`]). The tickets started are those after the first
/// `skip` startable ones.
fn outside_rows(root: &Path, n: usize, runs: usize, skip: usize) {
    let replaced = checked_out(n);
    for (k, args) in [&["status"][..], &["status", "--json"], &["list"], &["next"]]
        .iter()
        .enumerate()
    {
        let name = format!(
            "{} right after a checkout replaced 10 files",
            args.join(" ")
        );
        timed_row(root, n, args, &name, runs, &mut |round| {
            run(root, &["sync"]);
            check_out(root, n, &replaced, &format!("r{k}-{round}"));
        });
    }
    run(root, &["sync"]);
    let registry = root.join("TICKET_REGISTRY.md");
    timed_starts(
        root,
        n,
        &startable(n, skip, runs),
        "start right after a pull wrote the registry again",
        &mut || {
            let aside = root.join("pulled.tmp");
            fs::copy(&registry, &aside).unwrap();
            fs::rename(&aside, &registry).unwrap();
        },
    );
    let name = "sync right after the registry was edited";
    timed_row(root, n, &["sync"], name, runs, &mut |_| {
        let mut f = fs::OpenOptions::new().append(true).open(&registry).unwrap();
        std::io::Write::write_all(&mut f, b"edited\n").unwrap();
    });
    sync_moves(root, n, runs);
    in_place_rows(root, n, runs);
    if n >= 10_000 {
        many_rows(root, n, runs, skip + runs);
    }
    duplicate_rows(root, n, runs, skip + 2 * runs);
}

/// The commands while an id is on two files: a pending ticket copied beside
/// itself (saved by rename, as a merge of two branches that both made it
/// leaves it). Each read brings the index up to date in memory for the
/// copy's folder (nothing written); the first `start` renders the registry
/// from the index, its problems naming both files, and the others patch
/// it. Then the copy is removed and the tree synced. The tickets started
/// are those after the first `skip` startable ones.
fn duplicate_rows(root: &Path, n: usize, runs: usize, skip: usize) {
    let i = (1..=n)
        .filter(|i| status_of(*i, n) == "pending")
        .nth(n / 50)
        .unwrap();
    let own = ticket_path(root, i, n);
    let copy = own.with_file_name(format!("TIX-{i:04}-copy.md"));
    let aside = own.with_file_name(".copy");
    fs::copy(&own, &aside).unwrap();
    fs::rename(&aside, &copy).unwrap();
    let name = |what: &str| format!("{what} with an id on two files");
    for args in READS.iter().chain([&&["doctor"][..]]) {
        timed_row(root, n, args, &name(&args.join(" ")), runs, &mut |_| {});
    }
    let ids = startable(n, skip, runs);
    timed_starts(root, n, &ids, &name("start"), &mut || {});
    fs::remove_file(&copy).unwrap();
    run(root, &["sync"]);
}

/// The reads timed after a change, each of which looks at every ticket.
const READS: [&[&str]; 5] = [
    &["status"],
    &["status", "--json"],
    &["list"],
    &["next"],
    &["sync", "--check"],
];

/// Reads right after two ticket files were written over in place (one
/// pending, one completed: their folders' stamps as they were, as an
/// editor that does not save by rename leaves them), each run after edits
/// of its own: the first read lists their folders again and notes them in
/// the index (a check notes nothing).
fn in_place_rows(root: &Path, n: usize, runs: usize) {
    let pick = |status: &str| (1..=n).filter(|i| status_of(*i, n) == status).nth(n / 50);
    let files: Vec<_> = ["pending", "completed"]
        .into_iter()
        .filter_map(pick)
        .map(|i| ticket_path(root, i, n))
        .collect();
    let mut round = 0;
    for args in READS {
        let name = format!("{} right after 2 files were written over", args.join(" "));
        timed_row(root, n, args, &name, runs, &mut |_| {
            round += 1;
            for path in &files {
                let text = fs::read_to_string(path).unwrap();
                let at = text.find("title: ").unwrap();
                let end = at + text[at..].find('\n').unwrap();
                let text = format!("{}title: Written over {round}{}", &text[..at], &text[end..]);
                // The same file, written over: no rename.
                fs::write(path, text).unwrap();
            }
        });
    }
    run(root, &["sync"]);
}

/// `sync` right after the statuses of 1 and of 10 pending tickets were
/// edited to `completed` by hand (each file saved by rename): it moves them.
/// Between runs they are edited back and moved back, untimed.
fn sync_moves(root: &Path, n: usize, runs: usize) {
    let pending: Vec<usize> = (1..=n)
        .filter(|i| status_of(*i, n) == "pending")
        .skip(n / 4)
        .collect();
    let edit = |i: usize, dir: &str, from: &str, to: &str| {
        let path = ticket_path(root, i, n);
        let path = path
            .parent()
            .unwrap()
            .with_file_name(dir)
            .join(path.file_name().unwrap());
        let text = fs::read_to_string(&path).unwrap();
        let aside = path.with_extension("saved");
        fs::write(&aside, text.replacen(from, to, 1)).unwrap();
        fs::rename(&aside, &path).unwrap();
    };
    for k in [1, 10] {
        let ids = &pending[..k];
        let (mut times, mut rss) = (Vec::new(), 0);
        for _ in 0..runs {
            for &i in ids {
                edit(i, "pending", "status: pending\n", "status: completed\n");
            }
            let (t, r) = run_with(Path::new(BIN), root, &["sync"], None, false);
            times.push(t);
            rss = rss.max(r);
            for &i in ids {
                edit(i, "completed", "status: completed\n", "status: pending\n");
            }
            run(root, &["sync"]);
        }
        let tickets = if k == 1 { "ticket" } else { "tickets" };
        let name = format!("sync moving {k} {tickets} whose status was edited by hand");
        row(n, &name, &mut times, rss);
    }
}

/// The commands right after a pull replaced more files than a refresh
/// reads again in memory (2,000; the last tickets that are not archived),
/// each run after one of its own: the first writes the index again from the
/// one it had. The tickets started are those after the first `skip`
/// startable ones.
fn many_rows(root: &Path, n: usize, runs: usize, skip: usize) {
    let many: Vec<usize> = (1..=n)
        .rev()
        .filter(|i| status_of(*i, n) != "archived")
        .take(2000)
        .collect();
    let name = |what: &str| format!("{what} right after a pull replaced 2,000 files");
    for (k, args) in [&["status"][..], &["status", "--json"], &["list"]]
        .iter()
        .enumerate()
    {
        timed_row(root, n, args, &name(&args.join(" ")), runs, &mut |round| {
            run(root, &["sync"]);
            check_out(root, n, &many, &format!("m{k}-{round}"));
        });
    }
    let mut round = 0;
    timed_starts(
        root,
        n,
        &startable(n, skip, runs),
        &name("start"),
        &mut || {
            run(root, &["sync"]);
            check_out(root, n, &many, &format!("ms-{round}"));
            round += 1;
        },
    );
}

/// `take` pending tickets that wait for none (so that a start is not
/// refused), after the first `skip`.
fn startable(n: usize, skip: usize, take: usize) -> Vec<usize> {
    (1..=n)
        .filter(|i| status_of(*i, n) == "pending" && !(*i > 10 && i % 3 == 0))
        .skip(skip)
        .take(take)
        .collect()
}

/// A row of `runs` runs of `args`, each after `before` (given the run's
/// number, from 0).
fn timed_row(
    root: &Path,
    n: usize,
    args: &[&str],
    name: &str,
    runs: usize,
    before: &mut dyn FnMut(usize),
) {
    let (mut times, mut rss) = (Vec::new(), 0);
    for round in 0..runs {
        before(round);
        let (t, r) = run(root, args);
        times.push(t);
        rss = rss.max(r);
    }
    row(n, name, &mut times, rss);
}

/// A row of `start`s of `ids`, each run after `before`.
fn timed_starts(root: &Path, n: usize, ids: &[usize], name: &str, before: &mut dyn FnMut()) {
    let (mut times, mut rss) = (Vec::new(), 0);
    for id in ids {
        before();
        let args = ["start", &id.to_string(), "--force"];
        let (t, r) = run_with(Path::new(BIN), root, &args, None, false);
        times.push(t);
        rss = rss.max(r);
    }
    row(n, name, &mut times, rss);
}

/// `start` when the records appended to the index have passed their limit
/// (64 KiB), so that it first merges them into the index's base: before each
/// run, records that change nothing (the base's last line, again and again)
/// are appended, then another ticket is started.
fn merge_row(root: &Path, n: usize, runs: usize) {
    let index = root.join(".tix/index");
    timed_starts(
        root,
        n,
        &startable(n, 4 * runs, runs),
        "start, merging 64 KiB of records appended to the index",
        &mut || {
            let line = last_record(&index);
            let block = line.repeat(64 * 1024 / line.len() + 2);
            let mut f = fs::OpenOptions::new().append(true).open(&index).unwrap();
            std::io::Write::write_all(&mut f, block.as_bytes()).unwrap();
        },
    );
}

/// The first command in a tree without an index (a fresh clone: `.tix/`
/// is not committed), each run after the index is removed: the checks,
/// which write none, then the commands that write it; the last leaves it
/// as the rest of the benchmark finds it.
fn without_index_rows(root: &Path, n: usize, runs: usize) {
    for args in [
        &["sync", "--check"][..],
        &["doctor"],
        &["status"],
        &["list"],
        &["next"],
        &["sync"],
    ] {
        let (mut times, mut rss) = (Vec::new(), 0);
        for _ in 0..runs {
            let _ = fs::remove_file(root.join(".tix/index"));
            let (t, r) = run_with(Path::new(BIN), root, args, None, false);
            times.push(t);
            rss = rss.max(r);
        }
        row(n, &format!("{}, no index", args.join(" ")), &mut times, rss);
    }
}

/// A row of the first table: median and p90 of `times`, and the peak RSS.
fn row(n: usize, name: &str, times: &mut [Duration], rss: i64) {
    times.sort();
    let pct = |p: usize| times[(times.len() * p / 100).min(times.len() - 1)];
    println!(
        "| {n} | {name} | {:.2} ms | {:.2} ms | {:.1} MiB |",
        ms(pct(50)),
        ms(pct(90)),
        rss as f64 / 1024.0
    );
}

/// The last line of the index's base, with its newline: read from the
/// header and the end of the base alone, as this process's peak RSS is
/// every child's floor (`exec` records the parent's as the child's).
fn last_record(index: &Path) -> String {
    use std::os::unix::fs::FileExt;
    let f = fs::File::open(index).unwrap();
    let read = |at: usize, n: usize| {
        let mut buf = vec![0; n];
        let got = f.read_at(&mut buf, at as u64).unwrap();
        buf.truncate(got);
        String::from_utf8(buf).unwrap()
    };
    let head = read(0, 64 * 1024);
    let at = head.find("\nB\t").unwrap() + 3;
    let nl = at + head[at..].find('\n').unwrap();
    let end = nl + 1 + head[at..nl].parse::<usize>().unwrap();
    let from = end.saturating_sub(4096);
    let tail = read(from, end - from);
    let tail = tail.trim_end();
    format!("{}\n", &tail[tail.rfind('\n').unwrap() + 1..])
}

fn median(times: &[Duration]) -> Duration {
    let mut v = times.to_vec();
    v.sort();
    v[v.len() / 2]
}

/// Walks the status folders and stats (or reads) every ticket file, on two
/// threads: what `status` and `list` (or `sync --check`) cannot go below.
fn floor_walk(root: &Path, read: bool) {
    let mut files = Vec::new();
    for dir in ["pending", "in-progress", "completed", "archive"] {
        let Ok(listing) = fs::read_dir(root.join(dir)) else {
            continue;
        };
        for item in listing.flatten() {
            if item.file_name().to_string_lossy().ends_with(".md") {
                files.push(item.path());
            }
        }
    }
    let (a, b) = files.split_at(files.len() / 2);
    let work = |part: &[std::path::PathBuf]| {
        part.iter()
            .map(|p| {
                if read {
                    fs::read(p).map_or(0, |b| b.len() as u64)
                } else {
                    fs::symlink_metadata(p).map_or(0, |m| m.len())
                }
            })
            .sum::<u64>()
    };
    let total = std::thread::scope(|s| {
        let other = s.spawn(|| work(a));
        work(b) + other.join().unwrap()
    });
    assert!(total > 0, "the floor saw no ticket");
}

/// Writes one small file, fsyncs it and renames it into place in `dir`.
fn floor_write(dir: &Path, name: &str) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = dir.join(format!(".tmp-{name}"));
    let mut f = fs::File::create(&tmp)?;
    f.write_all(b"---\nid: TIX-9999\ntitle: A floor\nstatus: pending\n---\n")?;
    f.sync_all()?;
    fs::rename(&tmp, dir.join(name))
}

fn ticket_path(root: &Path, i: usize, n: usize) -> std::path::PathBuf {
    let dir = match status_of(i, n) {
        "pending" => "pending",
        "in_progress" => "in-progress",
        "completed" => "completed",
        _ => "archive",
    };
    root.join(dir)
        .join(format!("TIX-{i:04}-generated-ticket-{i}.md"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn run(root: &Path, args: &[&str]) -> (Duration, i64) {
    run_with(Path::new(BIN), root, args, None, false)
}

/// A pseudo-terminal 80 columns wide: its reading side, drained by a thread
/// until every copy of the other side is closed, and the other side.
fn terminal() -> (std::thread::JoinHandle<()>, std::os::fd::OwnedFd) {
    use std::io::Read;
    use std::os::fd::FromRawFd;
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: 24,
        ws_col: 80,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two fresh descriptors, owned from here on.
    let (mut master, slave) = unsafe {
        let r = libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        );
        assert_eq!(r, 0, "openpty");
        (
            fs::File::from_raw_fd(master),
            std::os::fd::OwnedFd::from_raw_fd(slave),
        )
    };
    let drain = std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while matches!(master.read(&mut buf), Ok(n) if n > 0) {}
    });
    (drain, slave)
}

/// Runs tix on the tree (with `stdin`, and stdout on a terminal when `on_tty`);
/// returns wall time and peak RSS in KiB.
fn run_with(
    program: &Path,
    root: &Path,
    args: &[&str],
    stdin: Option<&str>,
    on_tty: bool,
) -> (Duration, i64) {
    let (drain, stdout) = if on_tty {
        let (drain, slave) = terminal();
        (Some(drain), Stdio::from(slave))
    } else {
        (None, Stdio::null())
    };
    let started = Instant::now();
    #[allow(clippy::zombie_processes)] // reaped by wait4 below
    let mut child = Command::new(program)
        .args(args)
        .env("TIX_ROOT", root)
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(stdout)
        .stderr(Stdio::null())
        .spawn()
        .expect("tix runs");
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        use std::io::Write;
        pipe.write_all(text.as_bytes()).expect("payload written");
    }
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child with valid out-pointers.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let elapsed = started.elapsed();
    if let Some(d) = drain {
        d.join().expect("the terminal was read");
    }
    assert!(pid > 0, "wait4 failed");
    let code = libc::WEXITSTATUS(status);
    assert!(code == 0 || code == 6, "{program:?} {args:?} exited {code}");
    (elapsed, usage.ru_maxrss)
}

/// The floors: `cat` as a do-nothing hook, and a start's synced writes alone.
fn floors(runs: usize) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for sub in ["pending", "in-progress", ".tix"] {
        fs::create_dir_all(root.join(sub)).unwrap();
    }
    for i in 0..runs {
        fs::write(root.join(format!("pending/{i}.md")), [b'x'; 400]).unwrap();
    }
    fs::write(root.join(".tix/ticket.spare"), [b'x'; 400]).unwrap();
    fs::write(root.join(".tix/runs.json"), [b'r'; 2000]).unwrap();
    let payload = r#"{"session_id":"bench","hook_event_name":"PreToolUse","tool_name":"Agent"}"#;
    let me = std::env::current_exe().unwrap();
    let cases: [(&str, &Path, Vec<Vec<String>>); 2] = [
        (
            "floor: cat (a do-nothing hook)",
            Path::new("/bin/cat"),
            vec![vec![]; runs],
        ),
        (
            "floor: a start's synced writes alone",
            &me,
            (0..runs)
                .map(|i| {
                    let dir = root.to_string_lossy().into_owned();
                    vec!["--floor-start".into(), dir, i.to_string()]
                })
                .collect(),
        ),
    ];
    for (name, program, invocations) in cases {
        let mut times: Vec<Duration> = invocations
            .iter()
            .map(|args| {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                run_with(program, root, &args, Some(payload), false).0
            })
            .collect();
        times.sort();
        let pct = |p: usize| times[(times.len() * p / 100).min(times.len() - 1)];
        println!(
            "| — | {name} | {:.2} ms | {:.2} ms | — |",
            ms(pct(50)),
            ms(pct(90))
        );
    }
}

/// What a ticket's start writes and syncs, and nothing else: the journal
/// (fdatasync), the new file in the spare inode (fsync), renamed into place,
/// the source renamed to be the next spare, both folders (fsync), the audit
/// line (fdatasync), the runs file replaced through its spare (fsync, link,
/// renames) and its folder (fsync), the journal emptied.
fn floor_start(root: &Path, n: &str) -> std::io::Result<()> {
    use std::fs::{File, OpenOptions};
    use std::io::{Read, Write};
    use std::os::unix::fs::FileExt;
    let mut payload = String::new();
    std::io::stdin().read_to_string(&mut payload)?;
    let state = root.join(".tix");
    let body = [b'y'; 400];
    let mut journal = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(state.join("journal.json"))?;
    journal.write_all(&body[..300])?;
    journal.sync_data()?;
    let spare = state.join("ticket.spare");
    let f = OpenOptions::new().write(true).open(&spare)?;
    f.write_all_at(&body, 0)?;
    f.set_len(body.len() as u64)?;
    f.sync_all()?;
    drop(f);
    let dst = root.join(format!("in-progress/{n}.md"));
    fs::rename(&spare, &dst)?;
    fs::rename(root.join(format!("pending/{n}.md")), &spare)?;
    File::open(root.join("in-progress"))?.sync_all()?;
    File::open(root.join("pending"))?.sync_all()?;
    let mut events = OpenOptions::new()
        .append(true)
        .create(true)
        .open(state.join("events.jsonl"))?;
    events.write_all(&body[..250])?;
    events.sync_data()?;
    let runs = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(state.join("runs.spare"))?;
    runs.write_all_at(&[b'r'; 2000], 0)?;
    runs.sync_all()?;
    drop(runs);
    let _ = fs::remove_file(state.join("runs.keep"));
    fs::hard_link(state.join("runs.json"), state.join("runs.keep"))?;
    fs::rename(state.join("runs.spare"), state.join("runs.json"))?;
    fs::rename(state.join("runs.keep"), state.join("runs.spare"))?;
    File::open(&state)?.sync_all()?;
    OpenOptions::new()
        .write(true)
        .open(state.join("journal.json"))?
        .set_len(0)?;
    Ok(())
}

fn status_of(i: usize, n: usize) -> &'static str {
    match i * 100 / n {
        0..60 => "pending",
        60..70 => "in_progress",
        70..95 => "completed",
        _ => "archived",
    }
}

fn generate(root: &Path, n: usize) {
    let dirs = [
        ("pending", "pending"),
        ("in_progress", "in-progress"),
        ("completed", "completed"),
        ("archived", "archive"),
    ];
    for (_, d) in dirs {
        fs::create_dir_all(root.join(d)).unwrap();
    }
    fs::write(root.join("tix.yaml"), "# defaults\n").unwrap();
    let priorities = ["critical", "high", "medium", "low"];
    for i in 1..=n {
        let status = status_of(i, n);
        let dir = dirs.iter().find(|(s, _)| *s == status).unwrap().1;
        let dep = if i > 10 && i % 3 == 0 {
            format!("[TIX-{:04}]", i - 7)
        } else {
            "[]".into()
        };
        let extra = match status {
            "in_progress" => "started: 2026-11-20T09:00:00Z\nagent: claude\n".to_string(),
            "completed" | "archived" => {
                "started: 2026-11-01T09:00:00Z\ncompleted: 2026-11-02T17:30:00Z\n".to_string()
            }
            _ => String::new(),
        };
        let text = format!(
            "---\nid: TIX-{i:04}\ntitle: Generated ticket number {i} about the login flow\nstatus: {status}\npriority: {}\ncreated: 2026-10-01T08:00:00Z\nlabels: [area-{}, gen]\ndepends_on: {dep}\n{extra}---\n## Context\n\nSome words about why this matters, long enough to look like a real ticket body.\n\n## Acceptance criteria\n- [x] first thing\n- [{}] second thing\n- [ ] third thing\n",
            priorities[i % 4],
            i % 7,
            if i % 2 == 0 { "x" } else { " " },
        );
        fs::write(
            root.join(dir)
                .join(format!("TIX-{i:04}-generated-ticket-{i}.md")),
            text,
        )
        .unwrap();
    }
}
