//! Fuzz target: the Chevereto endpoint's query, multipart and urlencoded parsing, through the
//! whole router of a real site (`vitrine_server::fuzzing`). Any 5xx but a full disk is a crash.
#![no_main]

use std::sync::OnceLock;

use vitrine_server::fuzzing::{Harness, acceptable};

static SITE: OnceLock<Harness> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let site = SITE.get_or_init(|| Harness::new().expect("a fuzzing site"));
    let status = site.run(data);
    assert!(acceptable(status), "the server answered {status}");
});
