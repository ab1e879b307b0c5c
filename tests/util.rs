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
    pub fn of(out: Output) -> Run {
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
        assert_cmd::Command::from_std(self.std_command(args))
    }

    /// The environment every run gets: nothing inherited but `PATH`.
    fn std_command(&self, args: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_tix"));
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

    /// Runs `args` with stdout and stderr on a pseudo-terminal `cols` wide
    /// (as in a terminal window), and returns the exit code and the exact
    /// bytes written to it. Output processing is off, so a `\n` arrives as
    /// `\n` and nothing tix wrote is changed on the way.
    pub fn run_tty(&self, args: &[&str], cols: u16) -> (i32, String) {
        use std::io::Read;
        use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
        let size = libc::winsize {
            ws_row: 24,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // Both sides close on exec: tests run on many threads, and a side
        // inherited by a program another test starts meanwhile would keep
        // the terminal open after tix exits (openpty sets no such flag).
        // SAFETY: each call gets a descriptor or -1, checked; a descriptor
        // is owned from the moment it is made; the name is NUL-terminated.
        let (master, slave) = unsafe {
            let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
            assert!(master >= 0, "posix_openpt");
            let master = fs::File::from_raw_fd(master);
            assert_eq!(libc::grantpt(master.as_raw_fd()), 0, "grantpt");
            assert_eq!(libc::unlockpt(master.as_raw_fd()), 0, "unlockpt");
            let mut name = [0 as libc::c_char; 128];
            assert_eq!(
                libc::ptsname_r(master.as_raw_fd(), name.as_mut_ptr(), name.len()),
                0,
                "ptsname_r"
            );
            let slave = libc::open(
                name.as_ptr(),
                libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
            );
            assert!(slave >= 0, "open the terminal's other side");
            let slave = OwnedFd::from_raw_fd(slave);
            assert_eq!(libc::ioctl(slave.as_raw_fd(), libc::TIOCSWINSZ, &size), 0);
            (master, slave)
        };
        // SAFETY: termios is plain data; the descriptor is open.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            assert_eq!(libc::tcgetattr(slave.as_raw_fd(), &mut t), 0);
            t.c_oflag &= !libc::OPOST;
            assert_eq!(libc::tcsetattr(slave.as_raw_fd(), libc::TCSANOW, &t), 0);
        }
        let mut c = self.std_command(args);
        c.env_remove("NO_COLOR")
            .env("TERM", "xterm-256color")
            .stdin(std::process::Stdio::null())
            .stdout(slave.try_clone().unwrap())
            .stderr(slave);
        let mut child = c.spawn().unwrap();
        drop(c);
        let mut master = master;
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match master.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                // EIO: every copy of the terminal's other side is closed.
                Err(e) if e.raw_os_error() == Some(libc::EIO) => break,
                Err(e) => panic!("reading the terminal of `tix {args:?}`: {e}"),
            }
        }
        let code = child.wait().unwrap().code().unwrap_or(-1);
        (code, String::from_utf8_lossy(&out).into_owned())
    }

    /// The screen of a real terminal (tmux, `cols`×`rows`) after `tix args`
    /// ran in it with this fixture's environment; `None`, saying so, when
    /// tmux is not installed.
    pub fn tmux_screen(&self, args: &[&str], cols: u16, rows: u16) -> Option<String> {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        if !have_tmux() {
            return None;
        }
        let socket = format!(
            "tix-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let q = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
        let mut cmd = format!(
            "cd {} && env -i PATH={} HOME={} TERM=xterm-256color",
            q(&self.dir.path().join(&self.cwd).to_string_lossy()),
            q(&std::env::var("PATH").unwrap_or_default()),
            q(&self.dir.path().to_string_lossy()),
        );
        for (k, v) in &self.env {
            cmd.push_str(&format!(" {k}={}", q(v)));
        }
        cmd.push_str(&format!(" {}", q(env!("CARGO_BIN_EXE_tix"))));
        for a in args {
            cmd.push_str(&format!(" {}", q(a)));
        }
        cmd.push_str(&format!("; tmux -L {socket} wait-for -S done; sleep 60"));
        let tmux = |a: &[&str]| {
            let out = std::process::Command::new("tmux")
                .args(["-L", &socket, "-f", "/dev/null"])
                .args(a)
                .env_remove("TMUX")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "tmux {a:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let (c, r) = (cols.to_string(), rows.to_string());
        tmux(&["new-session", "-d", "-x", &c, "-y", &r, "sh", "-c", &cmd]);
        tmux(&["wait-for", "done"]);
        let screen = tmux(&["capture-pane", "-p"]);
        tmux(&["kill-server"]);
        let lines: Vec<&str> = screen.lines().map(str::trim_end).collect();
        let used = lines
            .iter()
            .rposition(|l| !l.is_empty())
            .map_or(0, |i| i + 1);
        Some(lines[..used].iter().map(|l| format!("{l}\n")).collect())
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

    /// Runs `args` as someone who may read the tree but not write it: as
    /// root (whom permissions do not stop), through `setpriv` as nobody (uid
    /// 65534); as anyone else, with write permission taken off everything
    /// under the temp dir for the run. `None`, saying so, when neither can be
    /// done (root without `setpriv`).
    pub fn run_as_reader(&self, args: &[&str]) -> Option<Run> {
        use std::os::unix::fs::PermissionsExt;
        let c = self.std_command(args);
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } == 0 {
            if !can_be_nobody() {
                return None;
            }
            // Nobody must reach the tree (a temp dir is 0700) and read it all.
            let mut modes = vec![self.dir.path().to_path_buf()];
            walk(self.dir.path(), &mut modes);
            for p in &modes {
                let m = fs::symlink_metadata(p).unwrap();
                if !m.file_type().is_symlink() {
                    let extra = if m.is_dir() { 0o555 } else { 0o444 };
                    let mode = m.permissions().mode() | extra;
                    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
                }
            }
            return Some(Run::of(as_nobody(&c).output().unwrap()));
        }
        let mut paths = vec![self.dir.path().to_path_buf()];
        walk(self.dir.path(), &mut paths);
        let modes: Vec<(PathBuf, u32)> = paths
            .into_iter()
            .filter_map(|p| {
                let m = fs::symlink_metadata(&p).ok()?;
                (!m.file_type().is_symlink()).then(|| (p, m.permissions().mode()))
            })
            .collect();
        for (p, mode) in &modes {
            fs::set_permissions(p, fs::Permissions::from_mode(mode & !0o222)).unwrap();
        }
        let mut c = c;
        let out = c.output().unwrap();
        for (p, mode) in modes.iter().rev() {
            fs::set_permissions(p, fs::Permissions::from_mode(*mode)).unwrap();
        }
        Some(Run::of(out))
    }

    /// Runs `args` as a user whom file permissions stop, owning the tree: as
    /// root, through `setpriv` as nobody (uid 65534), after giving everything
    /// under the temp dir to nobody; as anyone else, as this user. `None`,
    /// saying so, when root has no `setpriv`.
    pub fn run_unprivileged(&self, args: &[&str]) -> Option<Run> {
        let c = self.std_command(args);
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            let mut c = c;
            return Some(Run::of(c.output().unwrap()));
        }
        if !can_be_nobody() {
            return None;
        }
        let mut paths = vec![self.dir.path().to_path_buf()];
        walk(self.dir.path(), &mut paths);
        for p in &paths {
            use std::os::unix::fs::MetadataExt;
            // Once: a chown changes a file's ctime, which tix notices.
            let m = fs::symlink_metadata(p).unwrap();
            if (m.uid(), m.gid()) != (65534, 65534) {
                std::os::unix::fs::lchown(p, Some(65534), Some(65534)).unwrap();
            }
        }
        Some(Run::of(as_nobody(&c).output().unwrap()))
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

    /// Whether `.tix/journal.json` holds a change under way (it is blanked
    /// with spaces, not removed, when a change completes).
    pub fn journal_pending(&self) -> bool {
        fs::read(self.path("tickets/.tix/journal.json"))
            .is_ok_and(|b| b.iter().any(|c| !c.is_ascii_whitespace()))
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

/// Whether this build has no failpoints (a release build's tests): a
/// test that needs them says it is skipped, and returns.
pub fn without_failpoints() -> bool {
    if cfg!(debug_assertions) {
        return false;
    }
    eprintln!("skipped: failpoints exist in debug builds only");
    true
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

/// git in the temp dir, sealed off from the user's configuration (the
/// command, for a test that runs it its own way: its hooks need tix on the PATH).
pub fn git_command(t: &Tix, args: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new("git");
    c.args(args)
        .current_dir(t.root())
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    c
}

/// [`git_command`], run; its stdout. Fails the test if git fails.
pub fn git(t: &Tix, args: &[&str]) -> String {
    let out = git_command(t, args).output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `c` (program, arguments, environment, folder) run as nobody through
/// `setpriv`; see [`can_be_nobody`].
fn as_nobody(c: &std::process::Command) -> std::process::Command {
    let mut r = std::process::Command::new("setpriv");
    r.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(c.get_program())
        .args(c.get_args())
        .env_clear()
        .envs(c.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(c.get_current_dir().unwrap());
    r
}

/// Whether this (root) process can run a program as nobody with `setpriv`
/// (util-linux; a container may deny the uid change). Says why when not.
fn can_be_nobody() -> bool {
    static CAN: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok = *CAN.get_or_init(|| {
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !ok {
        eprintln!("skipped: running as root, and `setpriv` cannot run tix as nobody here");
    }
    ok
}

/// Every path under `dir`, folders before what they hold.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap().flatten() {
        out.push(e.path());
        if e.file_type().unwrap().is_dir() {
            walk(&e.path(), out);
        }
    }
}

/// Whether tmux is there (tests that need it skip, saying so, when it is
/// not; CI installs it, so there a missing tmux is a failure).
pub fn have_tmux() -> bool {
    if std::process::Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok()
    {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "tmux is missing in CI; .ci/run should have installed it"
    );
    eprintln!("skipped: tmux is not installed (.ci/run installs it)");
    false
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

/// What the README shows after the line `$ COMMAND` of a console block (the
/// block that starts with it, if one does): the lines up to the next `$ `
/// line or the end of the block.
pub fn readme_output(command: &str) -> String {
    let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let line = format!("\n$ {command}\n");
    let start = readme
        .find(&format!("```console{line}"))
        .map(|i| i + "```console".len())
        .or_else(|| readme.find(&line))
        .unwrap_or_else(|| panic!("the README shows `$ {command}`"));
    let mut out = String::new();
    for line in readme[start + command.len() + 4..].lines() {
        if line.starts_with("$ ") || line.starts_with("```") {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// What a run left, in parts that can be compared one by one.
pub trait Outcome {
    /// Each part, named: the output, or stdout and stderr, or the exit code
    /// and what a terminal showed.
    fn parts(&self) -> Vec<(&'static str, String)>;
}

impl Outcome for String {
    fn parts(&self) -> Vec<(&'static str, String)> {
        vec![("output", self.clone())]
    }
}

impl Outcome for (String, String) {
    fn parts(&self) -> Vec<(&'static str, String)> {
        vec![("stdout", self.0.clone()), ("stderr", self.1.clone())]
    }
}

impl Outcome for Run {
    fn parts(&self) -> Vec<(&'static str, String)> {
        vec![
            ("exit code", self.code.to_string()),
            ("stdout", self.stdout.clone()),
            ("stderr", self.stderr.clone()),
        ]
    }
}

impl Outcome for (i32, String) {
    fn parts(&self) -> Vec<(&'static str, String)> {
        vec![
            ("exit code", self.0.to_string()),
            ("terminal", self.1.clone()),
        ]
    }
}

/// Asserts that two runs left the same; when they did not, the message
/// says where, not the megabytes a large tree prints: the part that
/// differs, both lengths, and the first line that differs on each side.
#[track_caller]
pub fn assert_same<T: Outcome>(left: &T, right: &T, what: &str) {
    for ((part, l), (_, r)) in left.parts().iter().zip(right.parts()) {
        if *l == r {
            continue;
        }
        // Lines with their endings: texts that differ differ in one.
        let (mut ls, mut rs) = (l.split_inclusive('\n'), r.split_inclusive('\n'));
        let mut n = 1;
        let (a, b) = loop {
            match (ls.next(), rs.next()) {
                (a, b) if a != b => break (a, b),
                _ => n += 1,
            }
        };
        panic!(
            "{what}: the {part} differs ({} bytes and {} bytes); line {n} is\n  \
             left:  {a:?}\n  right: {b:?}",
            l.len(),
            r.len()
        );
    }
}

/// The string `key` of each object of the JSON array `array`: the kinds of
/// a check's problems, the ids of a dashboard's list.
pub fn each_str<'v>(array: &'v serde_json::Value, key: &str) -> Vec<&'v str> {
    array
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {array}"))
        .iter()
        .map(|x| {
            x[key]
                .as_str()
                .unwrap_or_else(|| panic!("no string {key:?}: {x}"))
        })
        .collect()
}
