//! Fuzz target: the expiration/duration parser (seconds or ISO-8601) on arbitrary text.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = vitrine_domain::parse_duration_secs(text);
    }
});
