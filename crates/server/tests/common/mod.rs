//! Helpers shared by the tests that run the real `vitrine` binary.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// The binary, in `dir`, with the caller's `VITRINE_*` settings removed (tests choose theirs).
pub fn vitrine(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vitrine"));
    c.current_dir(dir).env("VITRINE_LOG_LEVEL", "warn");
    for (k, _) in std::env::vars() {
        if k.starts_with("VITRINE_") && k != "VITRINE_LOG_LEVEL" {
            c.env_remove(k);
        }
    }
    c
}

/// Runs to completion with `stdin`; returns (exit code, stdout, stderr).
pub fn run(cmd: &mut Command, stdin: Option<&str>) -> (i32, String, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
