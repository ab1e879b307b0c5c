//! The recipes users copy: `.pre-commit-hooks.yaml`, and `examples/ci/`'s
//! git hooks and GitHub Actions workflow, each run where it can be (the
//! hooks with real git and the tix under test on the PATH).

use crate::util::{Tix, git, have_git};
use std::path::Path;

fn repo(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

/// A PATH with the tix under test first.
fn path() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_tix")).parent().unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn the_pre_commit_hook_runs_sync_check() {
    let hooks: serde_json::Value =
        serde_yaml::from_str(&repo(".pre-commit-hooks.yaml")).expect("valid YAML");
    let hook = &hooks[0];
    assert_eq!(hook["id"], "tix-sync-check");
    assert_eq!(hook["entry"], "tix sync --check");
    assert_eq!(
        (hook["language"].as_str(), hook["pass_filenames"].as_bool()),
        (Some("rust"), Some(false))
    );
    // The entry, as pre-commit runs it from the repository's top: clean, then not.
    let t = Tix::example();
    t.run(&["sync"]).code(0);
    let entry: Vec<&str> = hook["entry"].as_str().unwrap().split(' ').skip(1).collect();
    t.run(&entry).code(0);
    t.write(
        "tickets/pending/TIX-0099-x.md",
        "---\nid: TIX-0099\ntitle: x\nstatus: completed\n---\n",
    );
    t.run(&entry).code(6);
}

#[test]
fn the_workflow_runs_sync_check() {
    let flow: serde_json::Value =
        serde_yaml::from_str(&repo("examples/ci/github-actions.yml")).expect("valid YAML");
    let steps = flow["jobs"]["check"]["steps"].as_array().unwrap();
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert!(
        runs.iter().any(|r| r.starts_with("cargo install --locked")),
        "{runs:?}"
    );
    assert_eq!(runs.last(), Some(&"tix sync --check"));
}

/// The git hooks in a real repository: pre-commit refuses a commit whose
/// registry is stale; post-merge regenerates it after a merge.
#[test]
fn the_git_hooks_refuse_a_stale_commit_and_sync_after_a_merge() {
    if !have_git() {
        return;
    }
    let t = Tix::empty();
    git(&t, &["init", "-q", "-b", "main"]);
    t.run(&["init"]).code(0);
    for i in 1..=3 {
        t.run(&["new", &format!("ticket {i}")]).code(0);
    }
    for hook in ["pre-commit", "post-merge"] {
        let to = t.root().join(".git/hooks").join(hook);
        std::fs::write(&to, repo(&format!("examples/ci/{hook}"))).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // git with the tix under test on the PATH, for the hooks it runs.
    let git_path = |args: &[&str]| {
        crate::util::git_command(&t, args)
            .env("PATH", path())
            .output()
            .unwrap()
    };
    git(&t, &["add", "-A"]);
    assert!(
        git_path(&["commit", "-q", "-m", "tickets"])
            .status
            .success()
    );
    // A hand move leaves the registry stale: the commit is refused.
    std::fs::rename(
        t.path("tickets/pending/TIX-0001-ticket-1.md"),
        t.path("tickets/in-progress/TIX-0001-ticket-1.md"),
    )
    .unwrap();
    git(&t, &["add", "-A"]);
    let refused = git_path(&["commit", "-q", "-m", "moved by hand"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("run 'tix sync' and stage the result")
    );
    git(&t, &["reset", "-q", "--hard"]);
    // Two branches start different tickets; the merge's hook syncs.
    git(&t, &["checkout", "-q", "-b", "feature"]);
    t.run(&["start", "1"]).code(0);
    git(&t, &["add", "-A"]);
    assert!(
        git_path(&["commit", "-q", "-m", "start 1"])
            .status
            .success()
    );
    git(&t, &["checkout", "-q", "main"]);
    t.run(&["start", "2"]).code(0);
    git(&t, &["add", "-A"]);
    assert!(
        git_path(&["commit", "-q", "-m", "start 2"])
            .status
            .success()
    );
    let merged = git_path(&["merge", "-q", "--no-edit", "feature"]);
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    t.run(&["sync", "--check"]).code(0);
}
