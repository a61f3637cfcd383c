//! `vitrine storage migrate --to s3` on a populated site (SQLite + local files, S3 set up
//! beside): a first run stopped at a limit, a second one killed mid-way, a third that resumes,
//! verifies and switches. The running node follows the switch without a restart, and with
//! the local files moved away every file is still served byte-identical, from S3; new uploads
//! go to S3. Needs VITRINE_TEST_S3_ENDPOINT (see .ci/run).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vitrine_media::fixtures::{JpegSpec, gif_animated, jpeg, png_rgb};
use vitrine_storage::BlobStore;

use crate::binary::{run, s3_bucket, serve, vitrine};

struct Site {
    s3: String,
    bucket: String,
    prefix: String,
}

impl Site {
    fn cmd(&self, dir: &Path) -> Command {
        let mut c = vitrine(dir);
        c.env("VITRINE_STORAGE__S3__BUCKET", &self.bucket)
            .env("VITRINE_STORAGE__S3__ENDPOINT", &self.s3)
            .env("VITRINE_STORAGE__S3__PATH_STYLE", "true")
            .env("VITRINE_STORAGE__S3__ACCESS_KEY_ID", "test")
            .env("VITRINE_STORAGE__S3__SECRET_ACCESS_KEY", "test")
            .env("VITRINE_STORAGE__S3__PREFIX", &self.prefix);
        c
    }

    fn bucket(&self) -> BlobStore {
        s3_bucket(&self.s3, &self.bucket, &self.prefix)
    }
}

/// Uploads `bytes` with the API key; the media object (201 asserted).
async fn upload(
    http: &reqwest::Client,
    base: &str,
    key: &str,
    bytes: Vec<u8>,
    name: String,
) -> serde_json::Value {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name),
    );
    let res = http
        .post(format!("{base}/api/v1/media"))
        .bearer_auth(key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

/// Every file URL of a media object from the API.
fn file_urls(m: &serde_json::Value) -> Vec<String> {
    ["original", "medium", "thumb"]
        .iter()
        .filter_map(|k| m["files"][k]["url"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn local_site_moves_to_s3_with_interruptions() {
    let Some(s3) = std::env::var("VITRINE_TEST_S3_ENDPOINT")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        eprintln!("skipped: VITRINE_TEST_S3_ENDPOINT is not set");
        return;
    };
    let site = Site {
        s3,
        bucket: std::env::var("VITRINE_TEST_S3_BUCKET").unwrap_or_else(|_| "vitrine-test".into()),
        prefix: format!("migrate-{}/", std::process::id()),
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, _, err) = run(
        site.cmd(d)
            .args(["user", "add", "mover", "--email", "m@example.org"]),
        Some("correct horse\n"),
    );
    assert_eq!(code, 0, "{err}");
    let (code, key, err) = run(
        site.cmd(d)
            .args(["apikey", "create", "mover", "--name", "cli"]),
        None,
    );
    assert_eq!(code, 0, "{err}");
    let key = key.trim().to_owned();
    let (node, base) = serve(site.cmd(d));
    let http = reqwest::Client::new();

    // A populated site: photos, PNGs and an animated GIF, each with its derivatives.
    let mut uploads: Vec<Vec<u8>> = (0..10)
        .map(|i| png_rgb(200 + i * 37, 150 + i * 11))
        .collect();
    uploads.extend((0..6).map(|i| {
        jpeg(&JpegSpec {
            width: 1400 + i * 50,
            height: 900,
            ..JpegSpec::default()
        })
    }));
    uploads.push(gif_animated(64, 48, 4));
    let mut served = Vec::new();
    for (i, bytes) in uploads.iter().enumerate() {
        let m = upload(&http, &base, &key, bytes.clone(), format!("f{i}.bin")).await;
        for url in file_urls(&m) {
            let body = http.get(&url).send().await.unwrap().bytes().await.unwrap();
            served.push((url, body));
        }
    }
    assert!(served.len() >= 40, "{} files", served.len());

    // Run 1: stops at its limit, no switch.
    let (code, out, err) = run(
        site.cmd(d)
            .args(["storage", "migrate", "--to", "s3", "--limit", "10"]),
        None,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("stopped at the limit"), "{out}");
    assert!(!out.contains("now uses"), "{out}");

    // Run 2: killed as soon as it reports progress.
    let mut child = site
        .cmd(d)
        .args(["storage", "migrate", "--to", "s3"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("files ") {
        let n = err.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
    }
    child.kill().unwrap();
    child.wait().unwrap();

    // Run 3: resumes and switches.
    let started = Instant::now();
    let (code, out, err) = run(site.cmd(d).args(["storage", "migrate", "--to", "s3"]), None);
    let took = started.elapsed();
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Switched") && out.contains("Nothing left to copy"),
        "{out}"
    );
    let already: u64 = out
        .split(" already there")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(already >= 10, "earlier runs' files were kept: {out}");
    eprintln!(
        "resumed migration: {} ({took:?})",
        out.lines().next().unwrap_or_default()
    );

    // The node follows the switch; with the local files moved away, S3 serves everything.
    std::fs::rename(d.join("data/media"), d.join("data/media.old"))
        .or_else(|_| std::fs::rename(d.join("media"), d.join("media.old")))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let res = http.get(&served[0].0).send().await.unwrap();
        if res.status() == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the node never switched: {}",
            res.status()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    for (url, bytes) in &served {
        let res = http.get(url).send().await.unwrap();
        assert_eq!(res.status(), 200, "{url}");
        assert_eq!(&res.bytes().await.unwrap(), bytes, "{url} byte-identical");
    }
    // New uploads land in the bucket.
    upload(&http, &base, &key, png_rgb(77, 55), "after.png".into()).await;
    let listed = site.bucket().list("originals").await.unwrap();
    assert_eq!(
        listed.len(),
        uploads.len() + 1,
        "every original is in the bucket"
    );
    // A run after the switch has nothing left to copy.
    let (code, out, err) = run(site.cmd(d).args(["storage", "migrate", "--to", "s3"]), None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(" 0 copied") && out.contains("Nothing left to copy"),
        "{out}"
    );

    let _ = Command::new("kill")
        .args(["-TERM", &node.id().to_string()])
        .status();
    let mut node = node;
    let _ = node.wait();
}
