//! `--json` output: every documented key present, `null` for missing values.

use crate::util::{NOW, Tix, ticket};
use serde_json::Value;

const TICKET_KEYS: [&str; 15] = [
    "id",
    "title",
    "status",
    "priority",
    "path",
    "labels",
    "depends_on",
    "created",
    "started",
    "completed",
    "updated",
    "agent",
    "progress",
    "kind",
    "body",
];

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn sorted(k: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = k.iter().map(|s| s.to_string()).collect();
    k.sort();
    k
}

fn tree() -> Tix {
    Tix::tree()
        .ticket(
            "pending",
            "TIX-0001-a.md",
            &ticket(
                "TIX-0001",
                "pending",
                "priority: low\n",
                "- [ ] x\n- [x] y\n",
            ),
        )
        .ticket(
            "pending",
            "TIX-0002-b.md",
            &ticket(
                "TIX-0002",
                "pending",
                "priority: critical\ndepends_on: [TIX-0003]\n",
                "",
            ),
        )
        .ticket(
            "completed",
            "TIX-0003-c.md",
            &ticket(
                "TIX-0003",
                "completed",
                "completed: 2029-12-31T00:00:00Z\n",
                "",
            ),
        )
        .ticket(
            "pending",
            "TIX-0004-d.md",
            &ticket(
                "TIX-0004",
                "pending",
                "priority: critical\ndepends_on: [TIX-0001]\n",
                "",
            ),
        )
}

#[test]
fn list_and_show_have_every_key() {
    let t = tree();
    let list = t.run(&["list", "--json"]).code(0).json();
    let first = &list[0];
    assert_eq!(keys(first), sorted(&TICKET_KEYS[..14]));
    assert_eq!(first["kind"], "pending");
    assert_eq!(first["id"], "TIX-0001");
    assert_eq!(first["path"], "pending/TIX-0001-a.md");
    assert_eq!(first["created"], Value::Null);
    assert_eq!(first["labels"], serde_json::json!([]));
    assert_eq!(
        first["progress"],
        serde_json::json!({"done": 1, "total": 2})
    );
    let show = t.run(&["show", "1", "--json"]).code(0).json();
    assert_eq!(keys(&show), sorted(&TICKET_KEYS));
    assert_eq!(show["body"], "- [ ] x\n- [x] y\n");
    let only = t
        .run(&["list", "--status", "completed", "--json"])
        .code(0)
        .json();
    assert_eq!(only.as_array().unwrap().len(), 1);
}

#[test]
fn status_json_matches_the_contract() {
    let t = tree();
    t.run(&["start", "1", "--agent", "claude"]).code(0);
    let s = t.run(&["status", "--json"]).code(0).json();
    assert_eq!(
        keys(&s),
        sorted(&[
            "root",
            "total",
            "counts",
            "completion_rate",
            "in_progress",
            "ready",
            "recent",
            "problems",
            "statuses"
        ])
    );
    assert_eq!(
        s["statuses"],
        serde_json::json!([
            {"name": "pending", "dir": "pending", "kind": "pending", "ready": true},
            {"name": "in_progress", "dir": "in-progress", "kind": "in_progress", "ready": false},
            {"name": "completed", "dir": "completed", "kind": "completed", "ready": false},
            {"name": "archived", "dir": "archive", "kind": "archived", "ready": false},
        ])
    );
    assert_eq!(s["in_progress"][0]["kind"], "in_progress");
    assert_eq!(s["total"], 4);
    assert_eq!(
        s["counts"],
        serde_json::json!({"pending": 2, "in_progress": 1, "completed": 1, "archived": 0})
    );
    assert_eq!(s["completion_rate"], 0.25);
    assert_eq!(s["in_progress"][0]["id"], "TIX-0001");
    assert_eq!(s["in_progress"][0]["age_secs"], 0);
    assert_eq!(s["in_progress"][0]["agent"], "claude");
    // TIX-0004 depends on the in-progress TIX-0001: not ready.
    let ready = crate::util::each_str(&s["ready"], "id");
    assert_eq!(ready, ["TIX-0002"]);
    assert_eq!(s["recent"][0]["id"], "TIX-0003");
    assert_eq!(s["problems"], 0);
}

#[test]
fn empty_tree_status() {
    let t = Tix::tree();
    let s = t.run(&["status", "--json"]).code(0).json();
    assert_eq!(s["completion_rate"], 0.0);
    assert_eq!(s["total"], 0);
}

#[test]
fn history_json_has_every_key() {
    let t = tree();
    t.run(&["start", "1"]).code(0);
    let h = t.run(&["history", "--json"]).code(0).json();
    assert_eq!(
        keys(&h[0]),
        sorted(&[
            "time",
            "ticket",
            "action",
            "from",
            "to",
            "actor",
            "session_id",
            "tool_use_id",
            "agent",
            "agent_id",
            "reason",
            "duration_ms",
            "tokens",
            "tool_uses"
        ])
    );
    assert_eq!(h[0]["time"], NOW);
    assert_eq!(h[0]["session_id"], Value::Null);
    assert_eq!(
        t.run(&["history", "2", "--json"]).code(0).json(),
        serde_json::json!([])
    );
}

#[test]
fn check_json_is_ok_on_a_synced_tree() {
    let t = tree();
    t.run(&["sync"]).code(0);
    assert_eq!(
        t.run(&["sync", "--check", "--json"]).code(0).json(),
        serde_json::json!({"ok": true, "problems": []})
    );
}
