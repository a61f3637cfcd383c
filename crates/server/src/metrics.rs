//! Owns request metrics: counts by route, method and status, and a latency histogram per route,
//! rendered as Prometheus text at `/metrics`. Routes are the matched templates (`/api/v1/me`),
//! never raw paths, so the label set stays bounded.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
}

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    pub fn record(&self, route: &str, method: &str, status: u16, secs: f64) {
        let Ok(mut m) = self.inner.lock() else { return };
        *m.requests
            .entry((route.to_owned(), method.to_owned(), status))
            .or_default() += 1;
        let h = m.latency.entry(route.to_owned()).or_default();
        h.count += 1;
        h.sum += secs;
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                h.counts[i] += 1;
            }
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        for (name, help, value) in [
            (
                "process_resident_memory_bytes",
                "Resident memory.",
                crate::bench::current_rss(),
            ),
            (
                "process_peak_resident_memory_bytes",
                "Peak resident memory.",
                crate::bench::peak_rss(),
            ),
        ] {
            if let Some(v) = value {
                let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
            }
        }
        let Ok(m) = self.inner.lock() else { return out };
        out.push_str(
            "# HELP vitrine_http_requests_total HTTP requests by route, method and status.\n",
        );
        out.push_str("# TYPE vitrine_http_requests_total counter\n");
        for ((route, method, status), n) in &m.requests {
            let _ = writeln!(
                out,
                "vitrine_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                escape(route),
                escape(method)
            );
        }
        out.push_str("# HELP vitrine_http_request_duration_seconds Request latency by route.\n");
        out.push_str("# TYPE vitrine_http_request_duration_seconds histogram\n");
        for (route, h) in &m.latency {
            let r = escape(route);
            for (i, le) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "vitrine_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{le}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "vitrine_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "vitrine_http_request_duration_seconds_sum{{route=\"{r}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "vitrine_http_request_duration_seconds_count{{route=\"{r}\"}} {}",
                h.count
            );
        }
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: times every request and records it under its matched route.
pub async fn track(
    State(metrics): State<std::sync::Arc<Metrics>>,
    req: Request,
    next: Next,
) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let start = Instant::now();
    let res = next.run(req).await;
    metrics.record(
        &route,
        &method,
        res.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histograms() {
        let m = Metrics::default();
        m.record("/api/v1/me", "GET", 200, 0.003);
        m.record("/api/v1/me", "GET", 200, 0.2);
        m.record("/api/v1/me", "GET", 401, 0.001);
        let out = m.render();
        assert!(out.contains(
            "vitrine_http_requests_total{route=\"/api/v1/me\",method=\"GET\",status=\"200\"} 2"
        ));
        assert!(out.contains("status=\"401\"} 1"));
        assert!(out.contains("le=\"0.005\"} 2"));
        assert!(out.contains("le=\"+Inf\"} 3"));
        assert!(
            out.contains("vitrine_http_request_duration_seconds_count{route=\"/api/v1/me\"} 3")
        );
    }
}
