//! Fuzz target: `vitrine_media::fuzzing::sniff_probe` on arbitrary bytes (must never panic).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    vitrine_media::fuzzing::sniff_and_probe(data);
});
