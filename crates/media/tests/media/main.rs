//! The media crate's integration tests, one binary: HEIC and AVIF through the real
//! `heif-convert` child process, and the replay of the fuzz seeds and regressions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fuzz_regressions;
mod heif;
