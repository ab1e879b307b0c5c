//! The one fixture every integration test uses: a temp directory holding a
//! tickets tree, and the `tix` binary run in it with a sealed-off environment
//! (fixed clock, no colour, no inherited TIX_* variables).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use tempfile::TempDir;

pub const NOW: &str = "2030-01-01T00:00:00Z";

pub struct Tix {
    dir: TempDir,
    /// Working directory for runs, relative to the temp dir.
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn of(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Asserts the exit code; on a mismatch shows everything.
    #[track_caller]
    pub fn code(self, n: i32) -> Run {
        assert_eq!(
            self.code, n,
            "exit code\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout, self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "panic: {}", self.stderr);
        self
    }

    #[track_caller]
    pub fn stderr_has(self, s: &str) -> Run {
        assert!(
            self.stderr.contains(s),
            "stderr lacks {s:?}:\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(self, s: &str) -> Run {
        assert!(
            self.stdout.contains(s),
            "stdout lacks {s:?}:\n{}",
            self.stdout
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", self.stdout))
    }
}

impl Tix {
    /// An empty temp directory.
    pub fn empty() -> Tix {
        Tix {
            dir: tempfile::tempdir().unwrap(),
            cwd: PathBuf::new(),
            env: vec![("TIX_NOW".into(), NOW.into())],
        }
    }

    /// `tickets/` with an (empty, all-defaults) tix.yaml and the status folders.
    pub fn tree() -> Tix {
        let t = Tix::empty().file("tickets/tix.yaml", "# defaults\n");
        for d in ["pending", "in-progress", "completed", "archive"] {
            fs::create_dir_all(t.path(&format!("tickets/{d}"))).unwrap();
        }
        t
    }

    pub fn file(self, rel: &str, text: &str) -> Tix {
        self.write(rel, text);
        self
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    /// A ticket file in `tickets/<dir>/<name>`.
    pub fn ticket(self, dir: &str, name: &str, text: &str) -> Tix {
        self.file(&format!("tickets/{dir}/{name}"), text)
    }

    pub fn env(mut self, k: &str, v: &str) -> Tix {
        self.env.push((k.into(), v.into()));
        self
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path(rel).exists()
    }

    pub fn command(&self, args: &[&str]) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::new(env!("CARGO_BIN_EXE_tix"));
        c.env_clear()
            .env("NO_COLOR", "1")
            .env("HOME", self.dir.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .current_dir(self.dir.path().join(&self.cwd))
            .args(args);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    /// Runs `args` with `TIX_FAILPOINT=step` (debug builds abort there) and
    /// asserts that it died.
    #[track_caller]
    pub fn killed_at(&self, step: &str, args: &[&str]) {
        let r = self
            .command(args)
            .env("TIX_FAILPOINT", step)
            .output()
            .unwrap();
        assert!(!r.status.success(), "the failpoint {step} aborted {args:?}");
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::of(self.command(args).output().unwrap())
    }

    /// The shipped sample tree (`examples/tickets/`) as `tickets/`.
    pub fn example() -> Tix {
        let t = Tix::empty();
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/tickets"),
            &t.path("tickets"),
        );
        t
    }

    /// A payload from `examples/payloads/`, its `cwd` set to the temp dir.
    pub fn payload(&self, name: &str) -> serde_json::Value {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/payloads")
            .join(name);
        let mut v: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        v["cwd"] = self.root().to_string_lossy().into_owned().into();
        v
    }

    /// `tix hook` with these bytes on stdin, whatever they are.
    pub fn hook_raw(&self, input: &str) -> Run {
        Run::of(self.command(&["hook"]).write_stdin(input).output().unwrap())
    }

    /// `tix hook` with `payload` on stdin (and extra environment).
    pub fn hook(&self, payload: &serde_json::Value, env: &[(&str, &str)]) -> Run {
        let mut c = self.command(&["hook"]);
        for (k, v) in env {
            c.env(k, v);
        }
        let run = Run::of(c.write_stdin(payload.to_string()).output().unwrap());
        assert_eq!(run.code, 0, "tix hook never fails: {run:?}");
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        if !run.stdout.is_empty() {
            assert!(
                run.stdout.ends_with('\n') && run.stdout.trim().lines().count() == 1,
                "one JSON line: {}",
                run.stdout
            );
            serde_json::from_str::<serde_json::Value>(&run.stdout)
                .unwrap_or_else(|e| panic!("stdout is one JSON object ({e}): {}", run.stdout));
        }
        run
    }

    /// Every file under the temp dir (except `.tix/` state) with its bytes.
    pub fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
            for e in fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                if rel.ends_with(".tix") {
                    continue;
                }
                let ft = e.file_type().unwrap();
                if ft.is_dir() {
                    walk(base, &p, out);
                } else if ft.is_symlink() {
                    out.insert(
                        rel,
                        fs::read_link(&p)
                            .unwrap()
                            .to_string_lossy()
                            .into_owned()
                            .into_bytes(),
                    );
                } else {
                    out.insert(rel, fs::read(&p).unwrap());
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(self.dir.path(), self.dir.path(), &mut out);
        out
    }

    /// Every file under `tickets/.tix/` (recursively) with its bytes.
    pub fn state_snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
            for e in fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                if e.file_type().unwrap().is_dir() {
                    out.insert(format!("{rel}/"), Vec::new());
                    walk(base, &p, out);
                } else {
                    out.insert(rel, fs::read(&p).unwrap());
                }
            }
        }
        let mut out = BTreeMap::new();
        let base = self.path("tickets/.tix");
        walk(&base, &base, &mut out);
        out
    }

    /// Whether `.tix/journal.json` holds a change under way (it is emptied, not
    /// removed, when a change completes).
    pub fn journal_pending(&self) -> bool {
        fs::metadata(self.path("tickets/.tix/journal.json")).is_ok_and(|m| m.len() > 0)
    }

    /// Lines of `.tix/events.jsonl` as JSON.
    pub fn events(&self) -> Vec<serde_json::Value> {
        let p = self.path("tickets/.tix/events.jsonl");
        fs::read_to_string(p)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// The files of `tickets/.tix/conflicts/`: (name, text), by name.
pub fn conflicts(t: &Tix) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = fs::read_dir(t.path("tickets/.tix/conflicts"))
        .map(|d| {
            d.flatten()
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    (name, fs::read_to_string(e.path()).unwrap())
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap().flatten() {
        let name = e.file_name();
        if name == ".tix" {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(&name));
        } else {
            fs::copy(e.path(), to.join(&name)).unwrap();
        }
    }
}

/// A ticket's text: `id`, `status`, extra frontmatter lines, and a body.
pub fn ticket(id: &str, status: &str, extra: &str, body: &str) -> String {
    format!("---\nid: {id}\ntitle: Ticket {id}\nstatus: {status}\n{extra}---\n{body}")
}

/// git in the temp dir, sealed off from the user's configuration.
pub fn git(t: &Tix, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(t.root())
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether git is there (tests that need it skip, saying so, when it is not).
pub fn have_git() -> bool {
    let ok = std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_ok();
    if !ok {
        eprintln!("skipped: git is not installed");
    }
    ok
}
