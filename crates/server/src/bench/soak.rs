//! `vitrine bench soak --minutes M`: mixed traffic against a fresh site on loopback for M
//! minutes: a quarter of the `concurrency` clients upload without pause, the others send a mix
//! of file reads with and without Range, thumbnails, pages, API listings and logins (an upload
//! takes a hundred times longer than a read, so mixing them in one client would leave the
//! reads idle). Prints throughput, latency percentiles and error counts
//! per kind, and the site's memory over the run (is it still growing at the end?). Exits with
//! an error when any request got a 5xx or failed outright.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Mutex;

use super::percentile;
use super::soak_server::{PASSWORD, SoakServer, USER};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Upload,
    Original,
    Range,
    Thumb,
    Page,
    Listing,
    Login,
}

/// The readers' mix, in requests out of 100.
const MIX: [(Kind, u32); 6] = [
    (Kind::Original, 20),
    (Kind::Range, 15),
    (Kind::Thumb, 25),
    (Kind::Page, 20),
    (Kind::Listing, 17),
    (Kind::Login, 3),
];

const KINDS: [Kind; 7] = [
    Kind::Upload,
    Kind::Original,
    Kind::Range,
    Kind::Thumb,
    Kind::Page,
    Kind::Listing,
    Kind::Login,
];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Upload => "upload",
            Kind::Original => "original",
            Kind::Range => "range",
            Kind::Thumb => "thumb",
            Kind::Page => "page",
            Kind::Listing => "api listing",
            Kind::Login => "login",
        }
    }
}

#[derive(Default)]
struct Tally {
    latencies_ms: Vec<f64>,
    client_errors: u64,
    server_errors: u64,
    failed: u64,
}

/// A media item the clients read.
struct Item {
    page: String,
    original: String,
    thumb: String,
}

struct Shared {
    url: String,
    key: String,
    files: Vec<(String, Vec<u8>)>,
    items: Mutex<Vec<Arc<Item>>>,
    tallies: Mutex<Vec<(Kind, Tally)>>,
}

/// A small xorshift generator: the mix needs no more than that, and no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

pub struct SoakBench {
    pub minutes: f64,
    pub concurrency: usize,
}

fn sample_files() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for (i, (w, h)) in [(1600u16, 1200u16), (1200, 1600), (2400, 1600), (800, 600)]
        .into_iter()
        .enumerate()
    {
        let bytes =
            vitrine_media::synth::photo_jpeg(w, h, i as u64 + 7).map_err(anyhow::Error::msg)?;
        files.push((format!("soak-{i}.jpg"), bytes));
    }
    Ok(files)
}

/// Uploads one file; returns the status and the new item when it was stored.
async fn upload(
    client: &reqwest::Client,
    s: &Shared,
    file: &(String, Vec<u8>),
) -> reqwest::Result<(u16, Option<Item>)> {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(file.1.clone()).file_name(file.0.clone()),
    );
    let res = client
        .post(format!("{}/api/v1/media", s.url))
        .bearer_auth(&s.key)
        .multipart(form)
        .send()
        .await?;
    let status = res.status().as_u16();
    let v: Value = res.json().await.unwrap_or_default();
    let text = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_owned);
    let item = match (
        text("/url"),
        text("/files/original/url"),
        text("/files/thumb/url"),
    ) {
        (Some(page), Some(original), Some(thumb)) => Some(Item {
            page,
            original,
            thumb,
        }),
        _ => None,
    };
    Ok((status, item))
}

/// Sends one request of `kind`; returns its status.
async fn request(
    client: &reqwest::Client,
    s: &Shared,
    kind: Kind,
    rng: &mut Rng,
) -> reqwest::Result<u16> {
    let item = {
        let items = s.items.lock().await;
        items[rng.below(items.len())].clone()
    };
    let res = match kind {
        Kind::Upload => {
            let file = &s.files[rng.below(s.files.len())];
            let (status, item) = upload(client, s, file).await?;
            if let Some(item) = item {
                s.items.lock().await.push(Arc::new(item));
            }
            return Ok(status);
        }
        Kind::Original => client.get(&item.original).send().await?,
        Kind::Range => {
            let start = rng.below(4096);
            client
                .get(&item.original)
                .header("range", format!("bytes={start}-{}", start + 16_383))
                .send()
                .await?
        }
        Kind::Thumb => client.get(&item.thumb).send().await?,
        Kind::Page => {
            let url = match rng.below(3) {
                0 => format!("{}/", s.url),
                1 => format!("{}/{USER}", s.url),
                _ => item.page.clone(),
            };
            client.get(url).send().await?
        }
        Kind::Listing => {
            let path = if rng.below(2) == 0 {
                "/api/v1/media"
            } else {
                "/api/v1/me/media"
            };
            client
                .get(format!("{}{path}?limit=24", s.url))
                .bearer_auth(&s.key)
                .send()
                .await?
        }
        Kind::Login => {
            client
                .post(format!("{}/api/v1/auth/login", s.url))
                .json(&serde_json::json!({ "login": USER, "password": PASSWORD }))
                .send()
                .await?
        }
    };
    let status = res.status().as_u16();
    // Read the whole body: a response that fails half-way is a failure.
    res.bytes().await?;
    Ok(status)
}

fn expected(kind: Kind) -> u16 {
    match kind {
        Kind::Upload => 201,
        Kind::Range => 206,
        _ => 200,
    }
}

fn tallies() -> Vec<(Kind, Tally)> {
    KINDS.iter().map(|k| (*k, Tally::default())).collect()
}

fn pick(rng: &mut Rng) -> Kind {
    let mut roll = (rng.next() % 100) as u32;
    for (kind, weight) in MIX {
        if roll < weight {
            return kind;
        }
        roll -= weight;
    }
    Kind::Page
}

async fn client_loop(
    s: Arc<Shared>,
    uploader: bool,
    seed: u64,
    until: Instant,
) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()?;
    let mut rng = Rng(seed | 1);
    let mut local = tallies();
    while Instant::now() < until {
        let kind = if uploader {
            Kind::Upload
        } else {
            pick(&mut rng)
        };
        let started = Instant::now();
        let result = request(&client, &s, kind, &mut rng).await;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let Some((_, t)) = local.iter_mut().find(|(k, _)| *k == kind) else {
            continue;
        };
        match result {
            Ok(status) if status == expected(kind) => t.latencies_ms.push(ms),
            Ok(status) if status >= 500 => {
                t.server_errors += 1;
                tracing::warn!(kind = kind.name(), status, "server error");
            }
            Ok(_) => t.client_errors += 1,
            Err(e) => {
                t.failed += 1;
                tracing::warn!(kind = kind.name(), error = %e, "request failed");
            }
        }
    }
    let mut all = s.tallies.lock().await;
    for (kind, t) in local {
        if let Some((_, total)) = all.iter_mut().find(|(k, _)| *k == kind) {
            total.latencies_ms.extend(t.latencies_ms);
            total.client_errors += t.client_errors;
            total.server_errors += t.server_errors;
            total.failed += t.failed;
        }
    }
    Ok(())
}

const MB: f64 = 1_048_576.0;

pub async fn run(b: SoakBench) -> anyhow::Result<()> {
    let server = SoakServer::start().await?;
    println!(
        "soak: {:.1} min, {} clients ({} uploading), site {} (pid {})",
        b.minutes,
        b.concurrency.max(2),
        (b.concurrency.max(2) / 4).max(1),
        server.url,
        server.pid().unwrap_or_default()
    );
    let shared = Arc::new(Shared {
        url: server.url.clone(),
        key: server.key.clone(),
        files: sample_files()?,
        items: Mutex::new(Vec::new()),
        tallies: Mutex::new(tallies()),
    });
    let client = reqwest::Client::new();
    for file in &shared.files {
        let (status, item) = upload(&client, &shared, file).await?;
        let item = item.ok_or_else(|| anyhow::anyhow!("seeding upload failed: {status}"))?;
        shared.items.lock().await.push(Arc::new(item));
    }
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(b.minutes.max(0.01) * 60.0);
    let mut clients = Vec::new();
    let clients_n = b.concurrency.max(2);
    for i in 0..clients_n {
        clients.push(tokio::spawn(client_loop(
            shared.clone(),
            i < (clients_n / 4).max(1),
            0x9e37_79b9_7f4a_7c15 ^ ((i as u64 + 1) * 0x1000_0001),
            until,
        )));
    }
    // Memory every few seconds while the clients run.
    let mut samples: Vec<(f64, u64)> = Vec::new();
    while Instant::now() < until {
        if let Some((rss, _)) = server.memory() {
            samples.push((started.elapsed().as_secs_f64(), rss));
        }
        tokio::time::sleep(
            Duration::from_secs(2).min(until.saturating_duration_since(Instant::now())),
        )
        .await;
    }
    for c in clients {
        c.await??;
    }
    let secs = started.elapsed().as_secs_f64();
    let peak = server.memory().map(|(_, hwm)| hwm);
    server.stop().await;
    report(&shared, secs, &samples, peak).await
}

/// The highest RSS (MB) in each whole minute of samples `(seconds, bytes)`.
fn per_minute_peaks(samples: &[(f64, u64)]) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::new();
    for (t, rss) in samples {
        let minute = (*t / 60.0) as usize;
        let mb = *rss as f64 / MB;
        if out.len() <= minute {
            out.resize(minute + 1, 0.0);
        }
        out[minute] = out[minute].max(mb);
    }
    out
}

/// The least-squares slope of `ys` against their index (units per step).
fn slope_per_step(ys: &[f64]) -> f64 {
    let n = ys.len() as f64;
    if ys.len() < 2 {
        return 0.0;
    }
    let mean_x = (n - 1.0) / 2.0;
    let mean_y = ys.iter().sum::<f64>() / n;
    let (mut num, mut den) = (0.0, 0.0);
    for (i, y) in ys.iter().enumerate() {
        let dx = i as f64 - mean_x;
        num += dx * (y - mean_y);
        den += dx * dx;
    }
    num / den
}

async fn report(
    s: &Shared,
    secs: f64,
    samples: &[(f64, u64)],
    peak: Option<u64>,
) -> anyhow::Result<()> {
    let mut tallies = s.tallies.lock().await;
    println!(
        "{:<12} {:>9} {:>8} {:>8} {:>8} {:>6} {:>6} {:>7}",
        "kind", "ok", "req/s", "p50 ms", "p99 ms", "4xx", "5xx", "failed"
    );
    let mut all = Vec::new();
    let (mut c4, mut c5, mut failed) = (0, 0, 0);
    for (kind, t) in tallies.iter_mut() {
        println!(
            "{:<12} {:>9} {:>8.1} {:>8.1} {:>8.1} {:>6} {:>6} {:>7}",
            kind.name(),
            t.latencies_ms.len(),
            t.latencies_ms.len() as f64 / secs,
            percentile(&mut t.latencies_ms, 0.5),
            percentile(&mut t.latencies_ms, 0.99),
            t.client_errors,
            t.server_errors,
            t.failed
        );
        all.extend_from_slice(&t.latencies_ms);
        c4 += t.client_errors;
        c5 += t.server_errors;
        failed += t.failed;
    }
    let total = all.len() as u64 + c4 + c5 + failed;
    println!(
        "total: {total} requests in {secs:.0} s = {:.1} req/s; p50 {:.1} ms, p99 {:.1} ms; \
         4xx {c4}, 5xx {c5}, failed {failed}",
        total as f64 / secs,
        percentile(&mut all, 0.5),
        percentile(&mut all, 0.99),
    );
    let at = |frac: f64| -> Option<f64> {
        let t = secs * frac;
        samples
            .iter()
            .min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs()))
            .map(|(_, rss)| *rss as f64 / MB)
    };
    let mb = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.0}"));
    println!(
        "site RSS MB: 10% {}, 25% {}, 50% {}, 75% {}, end {}; peak {}",
        mb(at(0.1)),
        mb(at(0.25)),
        mb(at(0.5)),
        mb(at(0.75)),
        mb(at(1.0)),
        mb(peak.map(|p| p as f64 / MB))
    );
    if let (Some(mid), Some(end)) = (at(0.5), at(1.0)) {
        println!("RSS growth over the second half: {:+.1} MB", end - mid);
    }
    let minutes = per_minute_peaks(samples);
    if minutes.len() > 1 {
        let line: Vec<String> = minutes.iter().map(|v| format!("{v:.0}")).collect();
        println!("site RSS MB, highest in each minute: {}", line.join(" "));
        let half = &minutes[minutes.len() / 2..];
        println!(
            "RSS trend over the second half: {:+.2} MB/min",
            slope_per_step(half)
        );
    }
    let idle: Vec<&str> = tallies
        .iter()
        .filter(|(_, t)| t.latencies_ms.is_empty())
        .map(|(k, _)| k.name())
        .collect();
    anyhow::ensure!(
        idle.is_empty(),
        "no request of these kinds succeeded: {idle:?}"
    );
    anyhow::ensure!(
        c5 == 0 && failed == 0,
        "{c5} server errors and {failed} failed requests"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_summaries() {
        let mb = |v: f64| (v * MB) as u64;
        let samples = [
            (1.0, mb(100.0)),
            (30.0, mb(120.0)),
            (61.0, mb(110.0)),
            (150.0, mb(130.0)),
        ];
        assert_eq!(per_minute_peaks(&samples), vec![120.0, 110.0, 130.0]);
        assert!((slope_per_step(&[1.0, 2.0, 3.0]) - 1.0).abs() < 1e-9);
        assert!(slope_per_step(&[5.0, 5.0, 5.0]).abs() < 1e-9);
        assert_eq!(slope_per_step(&[5.0]), 0.0);
    }
}
