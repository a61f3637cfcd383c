//! Helpers shared by the tests that run the real `vitrine` binary.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

/// Starts `cmd serve` on a free port of 127.0.0.1; returns the child and its base URL (read
/// from the line it prints once listening).
#[allow(clippy::zombie_processes)] // the caller stops and reaps the child
pub fn serve(mut cmd: Command) -> (Child, String) {
    let mut child = cmd
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(base) = line.split("running at ").nth(1) {
            // Keep draining stdout so the child never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            return (child, base.trim().to_owned());
        }
    }
    panic!("serve did not start");
}

/// The test S3 server's bucket `bucket` under `prefix`, as the nodes under test see it (moto
/// takes any credentials).
pub fn s3_bucket(endpoint: &str, bucket: &str, prefix: &str) -> vitrine_storage::BlobStore {
    vitrine_storage::BlobStore::s3(&vitrine_storage::S3Settings {
        bucket: bucket.to_owned(),
        region: "us-east-1".into(),
        endpoint: Some(endpoint.to_owned()),
        path_style: true,
        access_key_id: Some("test".into()),
        secret_access_key: Some("test".into()),
        prefix: prefix.to_owned(),
        presign: Duration::from_secs(60),
        timeout: Duration::from_secs(10),
        ..vitrine_storage::S3Settings::default()
    })
    .unwrap()
}
