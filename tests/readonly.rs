//! A tree this run cannot write (another user's shared folder, a read-only
//! checkout in CI) reads the same: every read command gives the owner's
//! output and exit code, says nothing about caches, and changes no byte.

use crate::util::{Tix, ticket};

const READS: &[&[&str]] = &[
    &["status"],
    &["status", "--json"],
    &["list"],
    &["list", "--json"],
    &["list", "--status", "pending"],
    &["show", "TIX-0006"],
    &["show", "TIX-0006", "--json"],
    &["history"],
    &["history", "--json"],
    &["history", "TIX-0007"],
    &["next"],
    &["next", "--json"],
    &["sync", "--check"],
    &["sync", "--check", "--json"],
    &["doctor"],
    &["doctor", "--json"],
];

/// The example tree: as cloned (no `.tix/`), or after changes made with tix
/// and a hand edit tix has not seen (the index is stale, and a reader cannot
/// rewrite it).
fn tree(used: bool) -> Tix {
    let t = Tix::example();
    if used {
        t.run(&["sync"]).code(0);
        t.run(&["start", "7", "--agent", "dev"]).code(0);
        t.run(&["complete", "6", "--force"]).code(0);
        t.write(
            "tickets/pending/TIX-0011-hand-made.md",
            &ticket("TIX-0011", "pending", "depends_on: [TIX-0099]\n", ""),
        );
    }
    t
}

#[test]
fn every_read_command_reads_a_tree_it_cannot_write_as_its_owner_does() {
    for used in [false, true] {
        let reader = tree(used);
        let owner = tree(used);
        let before = reader.snapshot();
        let state_before = used.then(|| reader.state_snapshot());
        for args in READS {
            let Some(r) = reader.run_as_reader(args) else {
                return;
            };
            let o = owner.run(args);
            // The same but for where each tree is.
            let at = |t: &Tix, s: &str| s.replace(&*t.root().to_string_lossy(), "ROOT");
            assert_eq!(
                (r.code, at(&reader, &r.stdout), at(&reader, &r.stderr)),
                (o.code, at(&owner, &o.stdout), at(&owner, &o.stderr)),
                "{args:?} (used: {used})"
            );
        }
        assert_eq!(reader.snapshot(), before, "used: {used}");
        match state_before {
            Some(state) => assert_eq!(reader.state_snapshot(), state),
            None => assert!(!reader.exists("tickets/.tix"), "nothing made"),
        }
    }
}
