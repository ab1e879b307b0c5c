//! Any bytes as a hook payload: reading it, deciding what it asks for and
//! finding the ids in it never panic, and the answer is the same twice.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tix::config::Config;
use tix::hook::{self, Payload};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let config = Config::default();
    match Payload::parse(&text) {
        Err(e) => assert!(!e.is_empty()),
        Ok(p) => {
            let a = hook::intent(&p, &config.hook);
            let b = hook::intent(&p, &config.hook);
            assert_eq!(a, b);
            let m = hook::mentions(&p.json);
            assert!(m.len() <= hook::MAX_MENTIONS);
        }
    }
    let mut ids = Vec::new();
    hook::ids_in(&text, &mut ids);
    for k in ids {
        let id = k.to_string();
        assert_eq!(tix::ticket::IdKey::parse(&id), Some(k), "{id}");
    }
});
