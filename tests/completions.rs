//! Shell completions and the man page: generated, checked in
//! (`completions/`, `man/tix.1`), and kept fresh by this test
//! (`TIX_BLESS=1 cargo test completions` rewrites them). Completion calls
//! tix back, so ticket ids complete from the tree; a real bash proves it.

use crate::util::Tix;
use std::path::Path;
use tix::cli::Shell;

fn repo(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// `rel` holds `want`, or (with TIX_BLESS=1) is made to.
fn fresh(rel: &str, want: &[u8]) {
    let path = repo(rel);
    if std::env::var_os("TIX_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, want).unwrap();
    }
    let have = std::fs::read(&path).unwrap_or_default();
    assert!(
        have == want,
        "{rel} is stale: run `TIX_BLESS=1 cargo test completions` and commit it"
    );
}

#[test]
fn the_checked_in_completions_and_man_page_are_what_tix_writes() {
    let t = Tix::empty();
    for shell in Shell::ALL {
        let r = t.run(&["completions", shell.name()]).code(0);
        assert!(r.stdout.contains("tix"), "{}", shell.name());
        fresh(
            &format!("completions/{}", shell.file_name()),
            r.stdout.as_bytes(),
        );
    }
    let mut man = Vec::new();
    clap_mangen::Man::new(tix::commands::completions::command())
        .render(&mut man)
        .unwrap();
    fresh("man/tix.1", &man);
}

#[test]
fn bash_completes_subcommands_and_the_trees_ticket_ids() {
    if std::process::Command::new("bash")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: bash is not installed");
        return;
    }
    let t = Tix::example();
    let bin = Path::new(env!("CARGO_BIN_EXE_tix")).parent().unwrap();
    let complete = |words: &[&str]| -> Vec<String> {
        let script = format!(
            "source {}; COMP_WORDS=({}); COMP_CWORD={}; _clap_complete_tix tix {} {}; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            repo("completions/tix.bash").display(),
            words.join(" "),
            words.len() - 1,
            words[words.len() - 1],
            words[words.len() - 2],
        );
        let out = std::process::Command::new("bash")
            .args(["--norc", "--noprofile", "-c", &script])
            .current_dir(t.root())
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    bin.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(String::from)
            .collect()
    };
    assert_eq!(complete(&["tix", "st"]), ["start", "status"]);
    let ids: Vec<String> = (1..=13).map(|n| format!("TIX-{n:04}")).collect();
    assert_eq!(complete(&["tix", "start", "TIX-00"]), ids);
    assert_eq!(
        complete(&["tix", "show", "TIX-001"]),
        ["TIX-0010", "TIX-0011", "TIX-0012", "TIX-0013"]
    );
    // Nothing of the tree was written to answer.
    assert!(!t.exists("tickets/.tix"));
}
