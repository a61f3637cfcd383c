//! Scale-out: two `vitrine serve` processes (and a separate `vitrine worker`) on different
//! ports share one PostgreSQL database and one S3 bucket. An upload on node A is viewed,
//! served (with Range) and deleted on node B; a session from A works on B; a settings change
//! on A shows on B at once; probe jobs queued from both are each run exactly once, even though
//! a worker is killed (SIGKILL) in the middle of one. Needs VITRINE_TEST_POSTGRES_URL and
//! VITRINE_TEST_S3_ENDPOINT (see .ci/run); with VITRINE_TEST_REDIS_URL the nodes also share
//! Redis (settings cache, rate-limit counters).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::header::{COOKIE, ORIGIN, RANGE, SET_COOKIE};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use vitrine_db::{AuditQuery, Db};
use vitrine_domain::Timestamp;
use vitrine_media::fixtures::png_rgb;

use crate::binary::{run, s3_bucket, serve, vitrine};

struct Site {
    db_url: String,
    s3: String,
    bucket: String,
    prefix: String,
    secret_file: std::path::PathBuf,
    /// Both nodes share the settings cache and rate-limit counters when set.
    redis: Option<String>,
}

impl Site {
    /// The binary in `dir`, configured (through the environment) for the shared site.
    fn cmd(&self, dir: &Path) -> Command {
        let mut c = vitrine(dir);
        c.env("VITRINE_DATABASE_URL", &self.db_url)
            .env("VITRINE_STORAGE__BACKEND", "s3")
            .env("VITRINE_STORAGE__S3__BUCKET", &self.bucket)
            .env("VITRINE_STORAGE__S3__ENDPOINT", &self.s3)
            .env("VITRINE_STORAGE__S3__PATH_STYLE", "true")
            .env("VITRINE_STORAGE__S3__ACCESS_KEY_ID", "test")
            .env(
                "VITRINE_STORAGE__S3__SECRET_ACCESS_KEY_FILE",
                &self.secret_file,
            )
            .env("VITRINE_STORAGE__S3__PREFIX", &self.prefix)
            // Short claims so a killed worker's job comes back within the test.
            .env("VITRINE_JOBS__LEASE_SECS", "3");
        if let Some(redis) = &self.redis {
            c.env("VITRINE_REDIS_URL", redis)
                .env("VITRINE_REDIS_PREFIX", &self.prefix);
        }
        c
    }
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_share_one_database_and_bucket() {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let (Some(pg), Some(s3)) = (
        env("VITRINE_TEST_POSTGRES_URL"),
        env("VITRINE_TEST_S3_ENDPOINT"),
    ) else {
        eprintln!("skipped: needs VITRINE_TEST_POSTGRES_URL and VITRINE_TEST_S3_ENDPOINT");
        return;
    };
    let name = format!("vt_two_nodes_{}", std::process::id());
    let db_url = vitrine_db::test_support::create_test_database(&pg, &name)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("s3-secret");
    std::fs::write(&secret_file, "test\n").unwrap();
    let site = Site {
        db_url: db_url.clone(),
        bucket: env("VITRINE_TEST_S3_BUCKET").unwrap_or_else(|| "vitrine-test".into()),
        s3: s3.clone(),
        prefix: format!("two-nodes-{}/", std::process::id()),
        secret_file,
        redis: env("VITRINE_TEST_REDIS_URL"),
    };
    let [a_dir, b_dir, c_dir] = ["a", "b", "c"].map(|n| {
        let d = dir.path().join(n);
        std::fs::create_dir_all(&d).unwrap();
        d
    });
    let (code, _, err) = run(site.cmd(&a_dir).arg("migrate"), None);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(
        site.cmd(&a_dir).args([
            "user",
            "add",
            "boss",
            "--email",
            "boss@example.org",
            "--role",
            "admin",
        ]),
        Some("correct horse\n"),
    );
    assert_eq!(code, 0, "{err}");
    let (node_a, a) = serve(site.cmd(&a_dir));
    let (node_b, b) = serve(site.cmd(&b_dir));
    assert_ne!(a, b);
    let http = reqwest::Client::new();

    // A session made on A works on B.
    let res = http
        .post(format!("{a}/api/v1/auth/login"))
        .header(ORIGIN, &a)
        .json(&json!({"login": "boss", "password": "correct horse"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect::<Vec<_>>()
        .join("; ");
    let me: Value = http
        .get(format!("{b}/api/v1/me"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "boss", "{me}");

    // Upload on A.
    let png = png_rgb(300, 200);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(png.clone()).file_name("twin.png"),
    );
    let res = http
        .post(format!("{a}/api/v1/media"))
        .header(COOKIE, &cookie)
        .header(ORIGIN, &a)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let m: Value = res.json().await.unwrap();
    let id = m["id"].as_str().unwrap().to_owned();
    let original_path = m["files"]["original"]["url"]
        .as_str()
        .unwrap()
        .strip_prefix(&a)
        .unwrap()
        .to_owned();

    // View and serve on B, whole and by range; the bytes live in the bucket, not on a node.
    let page = http.get(format!("{b}/image/{id}")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let whole = http
        .get(format!("{b}{original_path}"))
        .send()
        .await
        .unwrap();
    assert_eq!(whole.status(), 200);
    let whole = whole.bytes().await.unwrap();
    let part = http
        .get(format!("{b}{original_path}"))
        .header(RANGE, "bytes=10-29")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.unwrap(), whole.slice(10..30));
    let hash = sha256(&whole);
    let bucket = s3_bucket(&s3, &site.bucket, &site.prefix);
    let object = vitrine_storage::original_key(&hash).unwrap();
    assert_eq!(
        bucket.head(&object).await.unwrap().map(|m| m.size),
        Some(whole.len() as u64),
        "the original is in the bucket"
    );
    for node in [&a_dir, &b_dir] {
        assert!(
            !node.join("media/originals").exists(),
            "nothing stored on a node's disk"
        );
    }
    let thumb = m["files"]["thumb"]["url"]
        .as_str()
        .unwrap()
        .strip_prefix(&a)
        .unwrap()
        .to_owned();
    assert_eq!(
        http.get(format!("{b}{thumb}"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // A settings change on A is what B shows.
    let res = http
        .patch(format!("{a}/api/v1/admin/settings"))
        .header(COOKIE, &cookie)
        .header(ORIGIN, &a)
        .json(&json!({"name": "Twin Peaks"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let home = http
        .get(format!("{b}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Twin Peaks"), "B shows the new name");

    // Delete on B: gone on A too, and the workers collect the object from the bucket.
    let res = http
        .delete(format!("{b}/api/v1/media/{id}"))
        .header(COOKIE, &cookie)
        .header(ORIGIN, &b)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(
        http.get(format!("{a}{original_path}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while bucket.head(&object).await.unwrap().is_some() {
        assert!(Instant::now() < deadline, "the blob was never collected");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // Jobs queued from both nodes' configuration, three workers (A, B and C), C killed
    // while it holds a job: every job still runs exactly once.
    #[allow(clippy::zombie_processes)] // killed and reaped below
    let mut worker_c = site
        .cmd(&c_dir)
        .arg("worker")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut ids = Vec::new();
    for node in [&a_dir, &b_dir] {
        let (code, out, err) = run(
            site.cmd(node)
                .args(["jobs", "probe", "--count", "6", "--sleep-ms", "1500"]),
            None,
        );
        assert_eq!(code, 0, "{err}");
        ids.extend(out.lines().map(|l| l.trim().parse::<i64>().unwrap()));
    }
    assert_eq!(ids.len(), 12);
    let db = Db::connect(&db_url).await.unwrap();
    // Worker ids are `host-pid-random`.
    let c_id = format!("-{}-", worker_c.id());
    let deadline = Instant::now() + Duration::from_secs(30);
    let killed_job = 'found: loop {
        for &id in &ids {
            let s = db.job_state(id).await.unwrap().unwrap();
            if s.status == "running" && s.locked_by.as_deref().is_some_and(|w| w.contains(&c_id)) {
                break 'found id;
            }
        }
        assert!(Instant::now() < deadline, "worker C never took a job");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    worker_c.kill().unwrap();
    worker_c.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let mut done = 0;
        for &id in &ids {
            if db.job_state(id).await.unwrap().unwrap().status == "done" {
                done += 1;
            }
        }
        if done == ids.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {done} of {} jobs finished",
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    for &id in &ids {
        let runs = db
            .count_audit_since(
                vitrine_app::PROBE_RAN,
                AuditQuery::ByTarget(&id.to_string()),
                Timestamp(0),
            )
            .await
            .unwrap();
        // Every run is recorded: a job run twice, even one after the other, shows here.
        assert_eq!(runs, 1, "job {id} ran {runs} times");
    }
    let killed = db.job_state(killed_job).await.unwrap().unwrap();
    assert!(killed.attempts >= 2, "the killed job ran again: {killed:?}");
    assert!(
        !killed
            .locked_by
            .as_deref()
            .unwrap_or_default()
            .contains(&c_id),
        "and another worker finished it: {killed:?}"
    );

    db.close().await;
    stop(node_a);
    stop(node_b);
    vitrine_db::test_support::drop_test_database(&pg, &name)
        .await
        .unwrap();
}
