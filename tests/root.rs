//! Finding the root: --root, TIX_ROOT, then a walk up for tix.yaml or tickets/tix.yaml.

use crate::util::{Tix, ticket};

fn tree() -> Tix {
    Tix::tree().ticket(
        "pending",
        "TIX-0001.md",
        &ticket("TIX-0001", "pending", "", ""),
    )
}

#[test]
fn walks_up_from_a_subdirectory() {
    let mut t = tree().file("src/deep/er/x.txt", "");
    t.cwd = "src/deep/er".into();
    let r = t.run(&["start", "1"]).code(0);
    assert!(
        r.stderr.contains("(/"),
        "shown as an absolute path from outside the root: {}",
        r.stderr
    );
    let mut t = tree();
    t.cwd = "tickets/pending".into();
    assert_eq!(
        t.run(&["list"]).code(0).stdout,
        "TIX-0001\tpending\tmedium\t-\tTicket TIX-0001\n"
    );
}

#[test]
fn root_flag_and_env() {
    let t = tree().file("elsewhere/.keep", "");
    let mut t = t;
    t.cwd = "elsewhere".into();
    t.run(&["--root", "../tickets", "list"]).code(0);
    t.run(&["--root", "..", "list"]).code(0);
    let t = t.env("TIX_ROOT", "../tickets");
    t.run(&["list"]).code(0);
}
