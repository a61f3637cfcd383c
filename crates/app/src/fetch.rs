//! Owns fetching a URL source for an upload without becoming a proxy into the server's own
//! network (SSRF). The host is resolved once by our resolver, which refuses the whole name if
//! any of its addresses is forbidden; the connection goes to the checked addresses only (no
//! second lookup, so DNS rebinding gains nothing); IP-literal hosts (also odd spellings such as
//! `2130706433` or `0177.0.0.1`, which URL parsing normalises) are checked before sending and
//! at every redirect; at most three redirects; environment proxies are ignored; size and time
//! are capped. The body is streamed to a temp file.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::AppError;
use crate::address_check::is_forbidden;
use crate::temp_file::TempFile;

const MAX_REDIRECTS: usize = 3;

/// How URL sources are fetched (from configuration).
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    /// Whole-request time limit (connect, redirects and body).
    pub timeout: Duration,
    pub user_agent: String,
    /// Testing only: these host names resolve to these addresses, which are then allowed even
    /// though they are local. Empty in production.
    pub pinned_hosts: HashMap<String, IpAddr>,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            user_agent: format!("Vitrine/{}", env!("CARGO_PKG_VERSION")),
            pinned_hosts: HashMap::new(),
        }
    }
}

/// Why a URL was not fetched: kept as a typed error inside reqwest's so it can be told apart
/// from a network failure.
#[derive(Debug, thiserror::Error)]
enum Refusal {
    #[error("{0} resolves to an address the server may not connect to")]
    ForbiddenHost(String),
    #[error("the address {0} is not allowed")]
    ForbiddenIp(IpAddr),
    #[error("only http and https URLs can be fetched")]
    Scheme,
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
}

/// A fetched source, on disk.
#[derive(Debug)]
pub struct Fetched {
    pub file: TempFile,
    pub size: u64,
    pub sha256: String,
    /// The last path segment of the final URL.
    pub filename: String,
}

#[derive(Debug)]
struct CheckedResolver {
    pinned: Arc<HashMap<String, IpAddr>>,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let pinned = self.pinned.get(&host).copied();
        Box::pin(async move {
            if let Some(ip) = pinned {
                let addrs: Addrs = Box::new(std::iter::once(SocketAddr::new(ip, 0)));
                return Ok(addrs);
            }
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            // One bad address poisons the name: a resolver may rotate which one we get.
            if addrs.is_empty() || addrs.iter().any(|a| is_forbidden(a.ip())) {
                return Err(Box::new(Refusal::ForbiddenHost(host)) as _);
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

fn check_url(url: &Url) -> Result<(), Refusal> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refusal::Scheme);
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(url::Host::Domain(_)) => return Ok(()),
        None => return Err(Refusal::Scheme),
    };
    if is_forbidden(ip) {
        return Err(Refusal::ForbiddenIp(ip));
    }
    Ok(())
}

/// The SSRF-safe client.
#[derive(Debug, Clone)]
pub struct UrlFetcher {
    client: reqwest::Client,
}

fn refused<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a Refusal> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<Refusal>() {
            return Some(r);
        }
        cur = err.source();
    }
    None
}

fn classify(url: &str, e: reqwest::Error) -> AppError {
    if let Some(r) = refused(&e) {
        return AppError::ForbiddenUrl(r.to_string());
    }
    let why = if e.is_timeout() {
        "it took too long".to_owned()
    } else if e.is_connect() {
        "the server could not be reached".to_owned()
    } else {
        "the connection failed".to_owned()
    };
    tracing::info!(url = %url, error = %e, "URL source not fetched");
    AppError::FetchFailed(why)
}

fn io_error(e: std::io::Error) -> AppError {
    if e.raw_os_error() == Some(28) || e.kind() == std::io::ErrorKind::StorageFull {
        AppError::Storage(vitrine_storage::StorageError::NoSpace)
    } else {
        AppError::Internal(format!("cannot write a fetched file: {e}"))
    }
}

impl UrlFetcher {
    pub fn new(policy: &FetchPolicy) -> Result<Self, AppError> {
        let redirects = reqwest::redirect::Policy::custom(|attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error(Refusal::TooManyRedirects);
            }
            match check_url(attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(r) => attempt.error(r),
            }
        });
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(CheckedResolver {
                pinned: Arc::new(policy.pinned_hosts.clone()),
            }))
            .redirect(redirects)
            .no_proxy()
            .timeout(policy.timeout)
            .connect_timeout(Duration::from_secs(10).min(policy.timeout))
            .user_agent(policy.user_agent.clone())
            .build()
            .map_err(|e| AppError::Internal(format!("cannot build the URL fetcher: {e}")))?;
        Ok(Self { client })
    }

    /// Downloads `url` into `dir`, refusing more than `max_bytes`.
    pub async fn fetch(&self, url: &str, dir: &Path, max_bytes: u64) -> Result<Fetched, AppError> {
        let parsed = Url::parse(url.trim())
            .map_err(|_| AppError::ForbiddenUrl("the URL is not valid".to_owned()))?;
        check_url(&parsed).map_err(|r| AppError::ForbiddenUrl(r.to_string()))?;
        let mut res = self
            .client
            .get(parsed.clone())
            .send()
            .await
            .map_err(|e| classify(url, e))?;
        if !res.status().is_success() {
            return Err(AppError::FetchFailed(format!(
                "the server answered {}",
                res.status()
            )));
        }
        if res.content_length().is_some_and(|n| n > max_bytes) {
            return Err(AppError::TooLarge { max_bytes });
        }
        let filename = res
            .url()
            .path_segments()
            .and_then(|mut s| s.next_back().map(str::to_owned))
            .map(|s| {
                percent_encoding::percent_decode_str(&s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "image".to_owned());
        let file = TempFile::new_in(dir);
        let mut out = tokio::fs::File::create(file.path())
            .await
            .map_err(io_error)?;
        let mut size: u64 = 0;
        let mut hasher = Sha256::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| classify(url, e))? {
            size += chunk.len() as u64;
            if size > max_bytes {
                return Err(AppError::TooLarge { max_bytes });
            }
            hasher.update(&chunk);
            out.write_all(&chunk).await.map_err(io_error)?;
        }
        out.flush().await.map_err(io_error)?;
        Ok(Fetched {
            file,
            size,
            sha256: hex::encode(hasher.finalize()),
            filename,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_ips_are_checked_in_any_spelling() {
        for url in [
            "http://127.0.0.1/x.jpg",
            "http://[::1]/x.jpg",
            "http://[::ffff:127.0.0.1]/",
            "http://2130706433/",
            "http://0177.0.0.1/",
            "http://0x7f.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1:8080/",
            "ftp://example.com/x.jpg",
            "file:///etc/passwd",
        ] {
            let u = Url::parse(url).unwrap();
            assert!(check_url(&u).is_err(), "{url}");
        }
        assert!(check_url(&Url::parse("https://example.com/a.png").unwrap()).is_ok());
        assert!(check_url(&Url::parse("http://8.8.8.8/a.png").unwrap()).is_ok());
    }
}
