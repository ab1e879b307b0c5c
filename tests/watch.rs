//! `tix status --watch`: in a real terminal (tmux) the dashboard is drawn
//! again when another process changes the tree, and Ctrl-C gives the
//! terminal back; through a pipe it prints a snapshot per change.

use crate::util::Tix;
use std::time::{Duration, Instant};

/// `status --watch` through a pipe, while `meanwhile` changes the tree,
/// stopped by SIGTERM (and exiting 0): each snapshot it printed.
fn watched_through_a_pipe(t: &Tix, meanwhile: impl FnOnce()) -> Vec<String> {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tix"))
        .args(["status", "--watch"])
        .current_dir(t.root())
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    meanwhile();
    std::thread::sleep(Duration::from_millis(1000));
    rustix::process::kill_process(
        rustix::process::Pid::from_child(&child),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    let started = Instant::now();
    let out = loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit 0 on SIGTERM: {status:?}");
            break child.wait_with_output().unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "SIGTERM stops it"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!text.contains('\u{1b}'), "no terminal codes through a pipe");
    text.split("tickets — ").skip(1).map(String::from).collect()
}

#[test]
fn watch_through_a_pipe_prints_a_snapshot_per_change_and_stops_on_sigterm() {
    let t = Tix::example();
    t.run(&["sync"]).code(0);
    let frames = watched_through_a_pipe(&t, || {
        t.run(&["start", "7"]).code(0);
    });
    assert_eq!(
        frames.len(),
        2,
        "one snapshot, then one for the change:\n{}",
        frames.join("tickets — ")
    );
    assert!(!frames[0].contains("TIX-0007\tFix login redirect loop\t-"));
    assert!(frames[1].contains("In progress (3)"), "{}", frames[1]);
}

#[test]
fn watch_does_not_print_a_dashboard_again_for_a_change_it_does_not_show() {
    let t = Tix::example();
    t.run(&["sync"]).code(0);
    let frames = watched_through_a_pipe(&t, || {
        // Seen by the watch (a file of a status folder), not on the board.
        std::fs::write(t.path("tickets/pending/notes.txt"), "not a ticket\n").unwrap();
        std::thread::sleep(Duration::from_millis(500));
        t.run(&["start", "7"]).code(0);
    });
    assert_eq!(
        frames.len(),
        2,
        "the notes drew nothing, the start one snapshot:\n{}",
        frames.join("tickets — ")
    );
    assert!(frames[1].contains("In progress (3)"), "{}", frames[1]);
}

#[test]
fn watch_in_a_terminal_redraws_within_a_second_and_gives_the_terminal_back() {
    if !crate::util::have_tmux() {
        return;
    }
    let t = Tix::example();
    t.run(&["sync"]).code(0);
    let socket = format!("tix-watch-{}", std::process::id());
    let tmux = |a: &[&str]| -> String {
        let out = std::process::Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null"])
            .args(a)
            .env_remove("TMUX")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let cmd = format!(
        // The shell ignores Ctrl-C (it must live on to say how tix ended).
        "trap '' INT; cd '{}' && printf 'before\\n' && env -i PATH=\"$PATH\" TERM=xterm-256color NO_COLOR=1 '{}' status --watch; printf 'after %s\\n' $?; sleep 30",
        t.root().display(),
        env!("CARGO_BIN_EXE_tix")
    );
    tmux(&[
        "new-session",
        "-d",
        "-x",
        "100",
        "-y",
        "40",
        "sh",
        "-c",
        &cmd,
    ]);
    let screen_has = |what: &str, within: Duration| -> (bool, String) {
        let started = Instant::now();
        loop {
            let screen = tmux(&["capture-pane", "-p"]);
            if screen.contains(what) || started.elapsed() > within {
                return (screen.contains(what), screen);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let (drawn, screen) = screen_has("In progress (2)", Duration::from_secs(10));
    assert!(drawn, "{screen}");
    assert!(!screen.contains("before"), "the alternate screen: {screen}");
    // Another process changes the tree: on screen within a second.
    t.run(&["start", "7"]).code(0);
    let changed = Instant::now();
    let (redrawn, screen) = screen_has("In progress (3)", Duration::from_secs(3));
    let took = changed.elapsed();
    assert!(redrawn, "{screen}");
    assert!(took < Duration::from_secs(1), "redrawn after {took:?}");
    assert!(screen.contains("TIX-0007"), "{screen}");
    // Ctrl-C: tix exits 0 and the terminal is as it was, plus what follows.
    tmux(&["send-keys", "C-c"]);
    let (back, screen) = screen_has("after 0", Duration::from_secs(5));
    tmux(&["kill-server"]);
    assert!(back, "{screen}");
    assert!(
        screen.contains("before"),
        "the screen from before: {screen}"
    );
    assert!(
        !screen.contains("In progress"),
        "the dashboard went with the alternate screen: {screen}"
    );
}
