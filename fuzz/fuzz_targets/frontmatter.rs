//! Any bytes as a ticket: splitting, parsing and editing never panic, and an
//! edit that succeeds changes exactly the keys it sets and no other byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tix::ticket::{self, Doc, NewValue};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = ticket::conflict(text);
    let Ok(doc) = Doc::parse(text) else {
        return;
    };
    let statuses: Vec<String> = ["pending", "in_progress", "completed"]
        .map(String::from)
        .to_vec();
    let _ = doc.meta(&statuses);
    let _ = doc.unchecked_boxes();
    // The value to set comes from the input too, so quoting is exercised.
    let value: String = text.chars().rev().take(12).collect();
    for key in ["status", "agent", "updated", "labels"] {
        let v = if key == "labels" {
            NewValue::List(vec![value.clone(), "x, y".into()])
        } else {
            NewValue::Str(value.clone())
        };
        if let Ok(out) = ticket::edit(text, &[(key, v.clone())]) {
            let new = Doc::parse(&out).expect("an accepted edit parses");
            assert_eq!(new.body(), doc.body(), "the body is untouched");
            let mut expected = doc.map.clone();
            let as_yaml = match &v {
                NewValue::Str(s) => serde_yaml_value(s),
                NewValue::List(items) => {
                    let seq = items
                        .iter()
                        .map(|s| serde_yaml_value(s))
                        .collect::<Vec<_>>();
                    tix_yaml_seq(seq)
                }
            };
            expected.insert(serde_yaml_value(key), as_yaml);
            assert_eq!(new.map, expected, "only {key} changed");
        }
    }
});

fn serde_yaml_value(s: &str) -> tix::ticket::YamlValue {
    tix::ticket::YamlValue::String(s.to_string())
}

fn tix_yaml_seq(items: Vec<tix::ticket::YamlValue>) -> tix::ticket::YamlValue {
    tix::ticket::YamlValue::Sequence(items)
}
