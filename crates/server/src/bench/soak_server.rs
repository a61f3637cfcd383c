//! Owns the site a soak run drives: this same binary started as a child process on a loopback
//! port with a fresh data directory, an admin account and an API key made with the CLI (as an
//! operator would), and its memory read from /proc while it runs.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use tokio::io::AsyncWriteExt as _;
use tokio::process::{Child, Command};

pub const USER: &str = "soaker";
pub const PASSWORD: &str = "soak-password-1";

/// A running child site; killed when dropped.
pub struct SoakServer {
    pub url: String,
    pub key: String,
    child: Child,
    _dir: tempfile::TempDir,
}

fn vitrine(data_dir: &Path) -> anyhow::Result<Command> {
    let exe = std::env::current_exe().context("cannot find this program")?;
    let mut cmd = Command::new(exe);
    // The child is configured only by what we pass: nothing from the caller's environment or
    // a vitrine.toml in the working directory.
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("VITRINE_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("VITRINE_LOG_LEVEL", "warn")
        .current_dir(data_dir)
        .arg("--data-dir")
        .arg(data_dir.join("data"))
        .kill_on_drop(true);
    Ok(cmd)
}

async fn run_cli(data_dir: &Path, args: &[&str], stdin: &str) -> anyhow::Result<String> {
    let mut child = vitrine(data_dir)?
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.as_bytes()).await?;
    }
    let out = child.wait_with_output().await?;
    if !out.status.success() {
        bail!(
            "vitrine {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

impl SoakServer {
    pub async fn start() -> anyhow::Result<SoakServer> {
        let dir = tempfile::Builder::new().prefix("vitrine-soak-").tempdir()?;
        let root: PathBuf = dir.path().to_path_buf();
        run_cli(
            &root,
            &[
                "user",
                "add",
                USER,
                "--email",
                "soak@example.org",
                "--role",
                "admin",
            ],
            &format!("{PASSWORD}\n"),
        )
        .await?;
        let key = run_cli(&root, &["apikey", "create", USER, "--name", "soak"], "").await?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let bind = format!("127.0.0.1:{port}");
        let child = vitrine(&root)?
            .args(["serve", "--bind", &bind])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()?;
        let url = format!("http://{bind}");
        let server = SoakServer {
            url,
            key,
            child,
            _dir: dir,
        };
        server.wait_ready().await?;
        Ok(server)
    }

    async fn wait_ready(&self) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(r) = client.get(format!("{}/readyz", self.url)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("the soak site did not start within a minute")
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Current and peak resident memory of the site, in bytes.
    pub fn memory(&self) -> Option<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
        let kb = |field: &str| -> Option<u64> {
            let line = status.lines().find(|l| l.starts_with(field))?;
            line.split_whitespace().nth(1)?.parse().ok()
        };
        Some((kb("VmRSS:")? * 1024, kb("VmHWM:")? * 1024))
    }

    /// Stops the site (SIGKILL is fine: the run is over and the data directory is scratch).
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
