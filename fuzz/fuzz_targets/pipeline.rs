//! Fuzz target: `vitrine_media::fuzzing::pipeline` on arbitrary bytes (must never panic).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    vitrine_media::fuzzing::pipeline(data);
});
