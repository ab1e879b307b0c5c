//! The core commands end to end: bytes on disk, exit codes, audit log.

use crate::util::{NOW, Tix, ticket};

const T7: &str = "---\nid: TIX-0007\ntitle: Fix login redirect loop\nstatus: pending            # pending | in_progress | completed\npriority: high\ncreated: 2026-11-24T13:40:07Z\nlabels: [auth, web]\ndepends_on: [TIX-0003]\n---\n## Acceptance criteria\n- [ ] redirect happens once\n";
const T3_DONE: &str = "---\nid: TIX-0003\ntitle: Session store\nstatus: completed\n---\nbody\n";

fn t7_tree() -> Tix {
    Tix::tree()
        .ticket("pending", "TIX-0007-fix-login-loop.md", T7)
        .ticket("completed", "TIX-0003-session-store.md", T3_DONE)
}

#[test]
fn start_edits_only_its_keys_and_moves_the_file() {
    let t = t7_tree();
    t.run(&["start", "7", "--agent", "claude"])
        .code(0)
        .stderr_has("TIX-0007: pending → in_progress");
    assert!(!t.exists("tickets/pending/TIX-0007-fix-login-loop.md"));
    let want = T7
        .replace("status: pending  ", "status: in_progress  ")
        .replace(
            "depends_on: [TIX-0003]\n---",
            &format!("depends_on: [TIX-0003]\nstarted: {NOW}\nagent: claude\nupdated: {NOW}\n---"),
        );
    assert_eq!(
        t.read("tickets/in-progress/TIX-0007-fix-login-loop.md"),
        want
    );
    let ev = t.events();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0]["action"], "start");
    assert_eq!(ev[0]["from"], "pending");
    assert_eq!(ev[0]["to"], "in_progress");
    assert_eq!(ev[0]["agent"], "claude");
    assert_eq!(ev[0]["actor"], "user");
    assert_eq!(ev[0]["time"], NOW);
    assert!(t.read("tickets/TICKET_REGISTRY.md").contains("| [TIX-0007](in-progress/TIX-0007-fix-login-loop.md) | Fix login redirect loop | high | claude |"));
}

#[test]
fn crlf_ticket_keeps_every_byte_through_start_and_complete() {
    let crlf = "---\r\nid: TIX-0001\r\n# a comment\r\ntitle: 'Quoted title'\r\nstatus: \"pending\"\r\ncustom: {keep: me}\r\n---\r\nBody ünïcode\r\n---\r\n- [x] done";
    let t = Tix::tree().ticket("pending", "TIX-0001.md", crlf);
    t.run(&["start", "TIX-1"]).code(0);
    t.run(&["complete", "tix-0001"]).code(0);
    let want = crlf
        .replace("status: \"pending\"", "status: \"completed\"")
        .replace(
            "custom: {keep: me}\r\n",
            &format!(
                "custom: {{keep: me}}\r\nstarted: {NOW}\r\nupdated: {NOW}\r\ncompleted: {NOW}\r\n"
            ),
        );
    assert_eq!(t.read("tickets/completed/TIX-0001.md"), want);
}

#[test]
fn complete_is_refused_while_boxes_are_unchecked_then_succeeds() {
    let body = "## Criteria\n- [x] one\n- [ ] two\n  - [ ] nested three\n";
    let t = Tix::tree().ticket(
        "in-progress",
        "TIX-0002-x.md",
        &ticket("TIX-0002", "in_progress", "", body),
    );
    let before = t.snapshot();
    let r = t.run(&["complete", "2"]).code(4);
    assert_eq!(r.stderr.lines().count(), 2, "{}", r.stderr);
    assert!(r.stderr.contains("tickets/in-progress/TIX-0002-x.md:8: cannot complete TIX-0002: unchecked box \"- [ ] two\""), "{}", r.stderr);
    assert!(r.stderr.contains("TIX-0002-x.md:9:"), "{}", r.stderr);
    assert_eq!(t.snapshot(), before, "a refusal changes nothing");
    t.write(
        "tickets/in-progress/TIX-0002-x.md",
        &ticket("TIX-0002", "in_progress", "", &body.replace("[ ]", "[x]")),
    );
    t.run(&["complete", "2"]).code(0);
    assert!(t.exists("tickets/completed/TIX-0002-x.md"));
}

#[test]
fn force_skips_gates_and_is_recorded() {
    let t = Tix::tree().ticket(
        "pending",
        "TIX-0002.md",
        &ticket("TIX-0002", "pending", "", "- [ ] open\n"),
    );
    t.run(&["complete", "2"])
        .code(4)
        .stderr_has("cannot move TIX-0002 from pending to completed");
    t.run(&["complete", "2", "--force"]).code(0);
    assert!(t.exists("tickets/completed/TIX-0002.md"));
    assert_eq!(t.events()[0]["reason"], "forced");
}

#[test]
fn start_is_refused_while_a_dependency_is_open() {
    let t = Tix::tree()
        .ticket(
            "pending",
            "TIX-0001.md",
            &ticket("TIX-0001", "pending", "", ""),
        )
        .ticket(
            "pending",
            "TIX-0002.md",
            &ticket(
                "TIX-0002",
                "pending",
                "depends_on: [TIX-0001, TIX-0099]\n",
                "",
            ),
        );
    let before = t.snapshot();
    let r = t.run(&["start", "2"]).code(4);
    assert!(r.stderr.contains("tickets/pending/TIX-0002.md:5: cannot start TIX-0002: depends on TIX-0001, which is pending"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("depends on TIX-0099, which does not exist"),
        "{}",
        r.stderr
    );
    assert_eq!(t.snapshot(), before);
}

#[test]
fn idempotent_start_and_complete_change_nothing() {
    let t = t7_tree();
    t.run(&["start", "7", "--agent", "a1"]).code(0);
    let after_first = t.snapshot();
    t.run(&["start", "7", "--agent", "a1"])
        .code(0)
        .stderr_has("already in_progress; nothing to do");
    assert_eq!(t.snapshot(), after_first);
    t.run(&["start", "7", "--agent", "other"])
        .code(4)
        .stderr_has("already in progress by \"a1\"");
    t.run(&["start", "7"]).code(4);
    assert_eq!(t.snapshot(), after_first);
    t.run(&["complete", "3"])
        .code(0)
        .stderr_has("already completed");
    assert_eq!(t.snapshot(), after_first);
    assert_eq!(t.events().len(), 1);
}

#[test]
fn agent_comes_from_tix_agent_when_not_given() {
    let t = t7_tree().env("TIX_AGENT", "env-bot");
    t.run(&["start", "7"]).code(0);
    assert!(
        t.read("tickets/in-progress/TIX-0007-fix-login-loop.md")
            .contains("agent: env-bot\n")
    );
}

#[test]
fn move_takes_a_status_or_folder_name_and_obeys_tix_yaml() {
    let t = t7_tree();
    t.run(&["move", "7", "in-progress"]).code(0);
    t.run(&["move", "7", "pending"]).code(0);
    assert!(t.exists("tickets/pending/TIX-0007-fix-login-loop.md"));
    t.run(&["move", "7", "archived"])
        .code(4)
        .stderr_has("allowed from pending: in_progress");
    t.run(&["move", "7", "nowhere"])
        .code(2)
        .stderr_has("unknown status \"nowhere\"");
    t.run(&["move", "3", "archive"]).code(0);
    assert!(t.exists("tickets/archive/TIX-0003-session-store.md"));
    let actions: Vec<String> = t
        .events()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(actions, ["move", "move", "move"]);
}

#[test]
fn new_numbers_ids_and_never_reuses_them() {
    let t = Tix::tree().ticket(
        "archive",
        "TIX-0041-old.md",
        &ticket("TIX-0041", "archived", "", ""),
    );
    let r = t
        .run(&[
            "new",
            "Fix login: redirect \"loop\"",
            "-p",
            "high",
            "-l",
            "auth",
            "-l",
            "web ui",
            "--depends-on",
            "41",
        ])
        .code(0);
    assert_eq!(r.stdout, "TIX-0042\n");
    let text = t.read("tickets/pending/TIX-0042-fix-login-redirect-loop.md");
    assert_eq!(
        text,
        format!(
            "---\nid: TIX-0042\ntitle: \"Fix login: redirect \\\"loop\\\"\"\nstatus: pending\npriority: high\ncreated: {NOW}\nlabels: [auth, web ui]\ndepends_on: [TIX-0041]\n---\n## Context\n\nWhat is wrong or missing, and why it matters.\n\n## Acceptance criteria\n- [ ] Describe what done looks like\n"
        )
    );
    assert_eq!(t.read("tickets/.tix/last-id"), "TIX 42\n");
    let counter = std::fs::metadata(t.path("tickets/.tix/last-id")).unwrap();
    std::fs::remove_file(t.path("tickets/pending/TIX-0042-fix-login-redirect-loop.md")).unwrap();
    assert_eq!(t.run(&["new", "After delete"]).code(0).stdout, "TIX-0043\n");
    assert_eq!(t.events()[0]["action"], "create");
    // The counter grows in place: the same file, no new inode.
    assert_eq!(t.read("tickets/.tix/last-id"), "TIX 43\n");
    let now = std::fs::metadata(t.path("tickets/.tix/last-id")).unwrap();
    assert_eq!(
        std::os::unix::fs::MetadataExt::ino(&now),
        std::os::unix::fs::MetadataExt::ino(&counter)
    );
}

#[test]
fn new_uses_a_named_template_and_refuses_a_missing_one() {
    let t = Tix::tree().file(
        "tickets/templates/bug.md",
        "---\n# bug template\nid: X-0\ntitle: x\nseverity: S3\n---\n# {{id}}: {{title}}\n- [ ] reproduce\n",
    );
    t.run(&["new", "Crash on save", "--template", "bug"])
        .code(0);
    assert_eq!(
        t.read("tickets/pending/TIX-0001-crash-on-save.md"),
        format!(
            "---\n# bug template\nid: TIX-0001\ntitle: Crash on save\nseverity: S3\nstatus: pending\ncreated: {NOW}\n---\n# TIX-0001: Crash on save\n- [ ] reproduce\n"
        )
    );
    t.run(&["new", "x", "--template", "nope"])
        .code(1)
        .stderr_has("tickets/templates/nope.md: no such template");
    t.run(&["new", "x", "--template", "../../etc/passwd"])
        .code(1)
        .stderr_has("template name");
    assert_eq!(t.run(&["list"]).stdout.lines().count(), 1);
}

#[test]
fn sync_files_misplaced_tickets_and_check_reports_them() {
    let t = Tix::tree().ticket(
        "pending",
        "TIX-0005.md",
        &ticket("TIX-0005", "completed", "", "x\n"),
    );
    let r = t.run(&["sync", "--check"]).code(6);
    assert!(r.stdout.contains("tickets/pending/TIX-0005.md: misplaced: status is completed but the file is in pending/"), "{}", r.stdout);
    assert!(r.stdout.contains("registry_missing"), "{}", r.stdout);
    t.run(&["sync"])
        .code(0)
        .stderr_has("moved tickets/pending/TIX-0005.md → tickets/completed/TIX-0005.md");
    assert_eq!(
        t.read("tickets/completed/TIX-0005.md"),
        ticket("TIX-0005", "completed", "", "x\n"),
        "moved, not edited"
    );
    t.run(&["sync", "--check"]).code(0);
    let reg = t.read("tickets/TICKET_REGISTRY.md");
    t.run(&["sync"]).code(0).stderr_has("unchanged");
    assert_eq!(t.read("tickets/TICKET_REGISTRY.md"), reg);
    t.write("tickets/TICKET_REGISTRY.md", "stale\n");
    t.run(&["sync", "--check"])
        .code(6)
        .stdout
        .contains("registry_stale");
}

#[test]
fn a_ticket_without_status_takes_its_folders() {
    let t = Tix::tree().ticket(
        "in-progress",
        "TIX-0009.md",
        "---\nid: TIX-0009\ntitle: no status\n---\n",
    );
    let j = t.run(&["show", "9", "--json"]).code(0).json();
    assert_eq!(j["status"], "in_progress");
    t.run(&["complete", "9"]).code(0);
    assert_eq!(
        t.read("tickets/completed/TIX-0009.md"),
        format!(
            "---\nid: TIX-0009\ntitle: no status\nstatus: completed\ncompleted: {NOW}\nupdated: {NOW}\n---\n"
        )
    );
}

#[test]
fn hand_edits_show_up_despite_the_cache() {
    let t = t7_tree();
    t.run(&["list"]).code(0);
    assert!(t.exists("tickets/.tix/index"));
    t.write(
        "tickets/pending/TIX-0007-fix-login-loop.md",
        &T7.replace("Fix login redirect loop", "Retitled by hand"),
    );
    let r = t.run(&["list", "--json"]).code(0);
    assert_eq!(r.json()[0]["title"], "Retitled by hand");
    std::fs::remove_file(t.path("tickets/pending/TIX-0007-fix-login-loop.md")).unwrap();
    assert_eq!(
        t.run(&["list", "--json"]).json().as_array().unwrap().len(),
        1
    );
}

#[test]
fn transitions_keep_file_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let t = t7_tree();
    let p = t.path("tickets/pending/TIX-0007-fix-login-loop.md");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    t.run(&["start", "7"]).code(0);
    let m = std::fs::metadata(t.path("tickets/in-progress/TIX-0007-fix-login-loop.md")).unwrap();
    assert_eq!(m.permissions().mode() & 0o777, 0o640);
}

#[test]
fn status_and_history_read_as_a_newcomer_expects() {
    let t = t7_tree();
    t.run(&["start", "7", "--agent", "claude"]).code(0);
    let s = t.run(&["status"]).code(0).stdout;
    assert!(
        s.contains("TIX-0007\tFix login redirect loop\tclaude\t0s\t0/1"),
        "{s}"
    );
    assert!(s.contains("tickets — 2 tickets, 1 done (50%)"), "{s}");
    let h = t.run(&["history", "7"]).code(0).stdout;
    assert_eq!(
        h,
        format!("{NOW}\tTIX-0007\tstart\tpending → in_progress\tuser\tclaude\t-\t-\n")
    );
    assert_eq!(t.run(&["history", "3"]).code(0).stdout, "");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let t = t7_tree();
    let piped = t.run(&["status"]).code(0).stdout;
    assert!(!piped.contains('\u{1b}'), "no colour when piped");
    let forced = t.run(&["--color", "always", "status"]).code(0).stdout;
    assert!(forced.contains("\u{1b}["), "{forced}");
    let never = t.run(&["--color", "never", "status"]).code(0).stdout;
    assert_eq!(never, piped);
}
