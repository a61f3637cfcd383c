//! The `vitrine` binary as an operator uses it: migrations, configuration errors, user and key
//! commands, and `serve` printing its URL and the one-time setup link, then stopping cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::binary::{run, vitrine};

#[test]
fn migrate_twice_is_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(vitrine(dir.path()).arg("migrate"), None);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("applied ") && !out.starts_with("applied 0 "),
        "{out}"
    );
    assert!(
        dir.path().join("data/vitrine.db").exists(),
        "default SQLite file under ./data"
    );
    let (code, out, err) = run(vitrine(dir.path()).arg("migrate"), None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("applied 0 migration(s)"), "{out}");
}

#[test]
fn bad_settings_stop_startup_naming_the_setting_and_source() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(
        vitrine(dir.path())
            .arg("serve")
            .env("VITRINE_BIND", "nonsense"),
        None,
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("`bind`") && err.contains("VITRINE_BIND"),
        "{err}"
    );

    std::fs::write(
        dir.path().join("vitrine.toml"),
        "[auth]\nsession_hours = \"soon\"\n",
    )
    .unwrap();
    let (code, _, err) = run(vitrine(dir.path()).arg("migrate"), None);
    assert_eq!(code, 2);
    assert!(
        err.contains("auth.session_hours") && err.contains("vitrine.toml"),
        "{err}"
    );

    let (code, _, err) = run(
        vitrine(dir.path()).args(["--config", "elsewhere.toml", "config", "print"]),
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("elsewhere.toml"), "{err}");
}

#[test]
fn config_print_shows_layers_and_hides_secrets() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("custom.toml"),
        "bind = \"127.0.0.1:9001\"\n",
    )
    .unwrap();
    let (code, out, err) = run(
        vitrine(dir.path())
            .args(["config", "print"])
            .env("VITRINE_CONFIG", "custom.toml")
            .env(
                "VITRINE_DATABASE_URL",
                "postgres://vitrine:s3cret@db.internal/vitrine",
            )
            .env("VITRINE_AUTH__REMEMBER_DAYS", "7"),
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("bind = \"127.0.0.1:9001\""), "{out}");
    assert!(out.contains("remember_days = 7"), "{out}");
    assert!(!out.contains("s3cret") && out.contains("***"), "{out}");
}

#[test]
fn operator_commands_and_serve_with_setup_link() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, out, err) = run(
        vitrine(d).args([
            "user",
            "add",
            "Zed",
            "--email",
            "zed@example.org",
            "--role",
            "manager",
        ]),
        Some("correct horse\n"),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("created zed"), "{out}");
    let (code, _, err) = run(
        vitrine(d).args(["user", "add", "zed", "--email", "z2@example.org"]),
        Some("correct horse\n"),
    );
    assert_ne!(code, 0);
    assert!(err.contains("username is already taken"), "{err}");
    let (code, _, err) = run(
        vitrine(d).args(["user", "add", "short", "--email", "s@example.org"]),
        Some("short\n"),
    );
    assert_ne!(code, 0);
    assert!(err.contains("password"), "{err}");
    std::fs::write(d.join("pw.txt"), "battery staple\n").unwrap();
    let (code, _, err) = run(
        vitrine(d).args(["user", "passwd", "zed", "--password-file", "pw.txt"]),
        None,
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(vitrine(d).args(["user", "role", "zed", "user"]), None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("zed is now user"), "{out}");
    let (code, key, err) = run(
        vitrine(d).args(["apikey", "create", "zed", "--name", "ci"]),
        None,
    );
    assert_eq!(code, 0, "{err}");
    let key = key.trim().to_owned();
    assert!(key.starts_with("vt_"), "{key}");

    // No admin yet: serve prints its URL and a setup link.
    let mut child = vitrine(d)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut base = None;
    let mut setup = None;
    let deadline = Instant::now() + Duration::from_secs(30);
    while setup.is_none() && Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(rest) = line.split("running at ").nth(1) {
            base = Some(rest.trim().to_owned());
        }
        if line.contains("/setup/") {
            setup = Some(line.trim().to_owned());
        }
    }
    let base = base.expect("serve prints its URL");
    let setup = setup.expect("serve prints a setup link");
    assert!(!base.ends_with(":0"), "the real port is printed: {base}");
    assert!(setup.starts_with(&base));

    let get = |url: &str, key: Option<&str>| {
        let mut cmd = Command::new("curl");
        cmd.args(["-s", "-o", "/dev/null", "-w", "%{http_code}", url]);
        if let Some(k) = key {
            cmd.args(["-H", &format!("Authorization: Bearer {k}")]);
        }
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    assert_eq!(get(&setup, None), "200");
    assert_eq!(get(&format!("{base}/api/v1/me"), Some(&key)), "200");
    assert_eq!(get(&format!("{base}/api/v1/me"), None), "401");

    let (code, _, err) = run(vitrine(d).args(["user", "ban", "zed"]), None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        get(&format!("{base}/api/v1/me"), Some(&key)),
        "403",
        "a ban applies at once on the running server"
    );

    // SIGTERM: a graceful, successful exit.
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_separate_worker_runs_jobs_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(vitrine(dir.path()).arg("migrate"), None);
    assert_eq!(code, 0, "{err}");
    let mut child = vitrine(dir.path())
        .arg("worker")
        .env("VITRINE_LOG_LEVEL", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    // Ends at "is running", or at EOF if the worker died: never blocks past the process.
    for line in lines.by_ref() {
        let line = line.unwrap();
        let started = line.contains("is running");
        seen.push(line);
        if started {
            break;
        }
    }
    assert!(seen.iter().any(|l| l.contains("is running")), "{seen:?}");
    // Give the first job (housekeeping, scheduled at start) a moment, then stop.
    std::thread::sleep(Duration::from_secs(2));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    seen.extend(lines.map_while(Result::ok));
    assert!(
        seen.iter().any(|l| l.contains("housekeeping done")),
        "the worker ran a job: {seen:?}"
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
