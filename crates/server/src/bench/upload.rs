//! `vitrine bench upload`: real uploads through HTTP with an API key, `concurrency` at a time,
//! `count` in all; prints uploads/s, latency percentiles, errors and the server's memory (from
//! its /metrics).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use tokio::sync::Mutex;

use super::percentile;

pub struct UploadBench {
    pub url: String,
    pub key: String,
    pub concurrency: usize,
    pub count: usize,
    pub files: Option<PathBuf>,
}

async fn server_memory(client: &reqwest::Client, url: &str) -> (Option<f64>, Option<f64>) {
    let Ok(res) = client.get(format!("{url}/metrics")).send().await else {
        return (None, None);
    };
    let text = res.text().await.unwrap_or_default();
    let read = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map(|b| b / 1_048_576.0)
    };
    (
        read("process_resident_memory_bytes "),
        read("process_peak_resident_memory_bytes "),
    )
}

pub async fn run(b: UploadBench) -> anyhow::Result<()> {
    let scratch = tempfile::Builder::new()
        .prefix("vitrine-bench-")
        .tempdir()?;
    let paths = super::images(b.files.as_deref(), scratch.path(), 4)?;
    // Only 12 MP photos unless files were given.
    let paths: Vec<PathBuf> = if b.files.is_some() {
        paths
    } else {
        paths
            .into_iter()
            .filter(|p| p.to_string_lossy().contains("12mp"))
            .collect()
    };
    let mut files = Vec::new();
    for p in &paths {
        files.push((
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::fs::read(p)?,
        ));
    }
    let files = Arc::new(files);
    let client = reqwest::Client::new();
    let url = b.url.trim_end_matches('/').to_owned();
    let (rss_before, _) = server_memory(&client, &url).await;
    let next = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..b.concurrency.max(1) {
        let (client, url, key, files, next, latencies, errors) = (
            client.clone(),
            url.clone(),
            b.key.clone(),
            files.clone(),
            next.clone(),
            latencies.clone(),
            errors.clone(),
        );
        let count = b.count;
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= count {
                    return;
                }
                let (name, bytes) = &files[i % files.len()];
                let form = reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.clone()),
                );
                let t = Instant::now();
                let ok = match client
                    .post(format!("{url}/api/v1/media"))
                    .bearer_auth(&key)
                    .multipart(form)
                    .send()
                    .await
                {
                    Ok(r) => r.status() == 201,
                    Err(_) => false,
                };
                if ok {
                    latencies
                        .lock()
                        .await
                        .push(t.elapsed().as_secs_f64() * 1000.0);
                } else {
                    errors.fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let secs = start.elapsed().as_secs_f64();
    let mut lat = latencies.lock().await.clone();
    let done = lat.len();
    let (rss_after, rss_peak) = server_memory(&client, &url).await;
    println!(
        "uploads: {done} ok, {} errors, concurrency {}",
        errors.load(Ordering::SeqCst),
        b.concurrency
    );
    println!("uploads/s = {:.2}", done as f64 / secs);
    println!(
        "latency ms: p50 {:.0}, p99 {:.0}",
        percentile(&mut lat, 0.5),
        percentile(&mut lat, 0.99)
    );
    let mb = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.0} MB"));
    println!(
        "server RSS: before {}, after {}, peak {}",
        mb(rss_before),
        mb(rss_after),
        mb(rss_peak)
    );
    Ok(())
}
