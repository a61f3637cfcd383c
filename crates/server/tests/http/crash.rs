//! Crash safety: the real binary takes uploads in a loop and is killed with SIGKILL mid-way.
//! After a restart every acknowledged upload is served byte-identical, and after `vitrine gc`
//! the `vitrine check` command finds no inconsistency.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use vitrine_media::fixtures::gif_animated;

use crate::binary::{serve, vitrine};

fn run(dir: &Path, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = vitrine(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// Acknowledged uploads: file path and the bytes that were sent.
type Acked = Vec<(String, Vec<u8>)>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_uploads_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(
        run(
            d,
            &[
                "user",
                "add",
                "crash",
                "--email",
                "crash@example.org",
                "--role",
                "admin"
            ],
            "correct horse\n"
        )
        .0
    );
    let (ok, key) = run(d, &["apikey", "create", "crash", "--name", "crash"], "");
    assert!(ok, "{key}");
    let key = key
        .lines()
        .find(|l| l.starts_with("vt_"))
        .unwrap()
        .to_owned();

    let (mut child, base) = serve(vitrine(d));
    let acked: Arc<Mutex<Acked>> = Arc::default();
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for t in 0..3u16 {
        let (client, base, key, acked) = (client.clone(), base.clone(), key.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..200u16 {
                // Unique content per upload: no two share a blob.
                let bytes = gif_animated(40 + i, 20 + t, 2);
                let form = reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes.clone()).file_name("a.gif"),
                );
                let res = client
                    .post(format!("{base}/api/v1/media"))
                    .bearer_auth(&key)
                    .multipart(form)
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status() == 201 => {
                        let m: serde_json::Value = match r.json().await {
                            Ok(m) => m,
                            Err(_) => return, // killed while answering: not acknowledged
                        };
                        let url = m["files"]["original"]["url"].as_str().unwrap().to_owned();
                        let path = url.trim_start_matches(&base).to_owned();
                        acked.lock().unwrap().push((path, bytes));
                    }
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    // Kill it mid-stream, while uploads are in flight.
    let deadline = Instant::now() + Duration::from_secs(120);
    while acked.lock().unwrap().len() < 25 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 25,
        "only {} uploads before the deadline",
        acked.len()
    );

    let (mut child, base) = serve(vitrine(d));
    for (path, bytes) in &acked {
        let res = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path} lost after the crash");
        assert!(
            res.bytes().await.unwrap().as_ref() == bytes.as_slice(),
            "{path} changed after the crash"
        );
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());

    let (ok, out) = run(d, &["gc", "--min-age", "0"], "");
    assert!(ok, "{out}");
    eprintln!(
        "acknowledged {} uploads before SIGKILL; gc: {}",
        acked.len(),
        out.trim()
    );
    let (ok, out) = run(d, &["check"], "");
    assert!(ok, "check found problems after gc:\n{out}");
    assert!(
        out.contains("OK: the database and the store agree"),
        "{out}"
    );
}
