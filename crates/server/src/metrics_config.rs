//! Owns the `[metrics]` settings: who may read `/metrics` (a bearer token) and where it is
//! served (the site's address, or a listener of its own). Checking a request's token and
//! serving the endpoint belong to `routes::metrics_endpoint`.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// The shortest token accepted: 16 characters is the least that a scraper's config holds
/// comfortably and a guesser cannot reach (`openssl rand -hex 32` gives 64).
pub const MIN_TOKEN_CHARS: usize = 16;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// When set, `GET /metrics` answers only requests with `Authorization: Bearer <token>`
    /// (401 otherwise). At least 16 printable ASCII characters, no spaces.
    pub token: Option<String>,
    /// When set, metrics are served only on this address (e.g. `127.0.0.1:9090`), by a
    /// listener that serves nothing else, and the site's `/metrics` is an unknown page.
    pub bind: Option<SocketAddr>,
}

impl MetricsConfig {
    /// The setting at fault and why, if any. `site_bind` is the site's own address.
    pub fn problem(&self, site_bind: SocketAddr) -> Option<(&'static str, String)> {
        if let Some(token) = &self.token {
            if token.chars().count() < MIN_TOKEN_CHARS {
                return Some((
                    "metrics.token",
                    format!(
                        "must be at least {MIN_TOKEN_CHARS} characters \
                         (try `openssl rand -hex 32`)"
                    ),
                ));
            }
            // It travels in an HTTP header: only visible ASCII survives that intact, and a
            // space would be taken for the end of the token.
            if !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Some((
                    "metrics.token",
                    "must be printable ASCII with no spaces or other whitespace".to_owned(),
                ));
            }
        }
        if let Some(bind) = self.bind
            && bind == site_bind
            && bind.port() != 0
        {
            return Some((
                "metrics.bind",
                format!("must be another address than the site's `bind` ({site_bind})"),
            ));
        }
        None
    }

    /// Whether anyone who reaches the site's address can read its metrics.
    pub fn open_on_site(&self) -> bool {
        self.token.is_none() && self.bind.is_none()
    }

    /// The same settings with the token hidden.
    pub fn redacted(&self) -> Self {
        Self {
            token: self.token.as_ref().map(|_| "***".to_owned()),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_addresses_are_checked() {
        let site: SocketAddr = ([127, 0, 0, 1], 8080).into();
        let good = "0123456789abcdef".to_owned();
        for (token, bind, fault) in [
            (None, None, None),
            (Some(good.clone()), None, None),
            (Some("short".to_owned()), None, Some("metrics.token")),
            (Some(String::new()), None, Some("metrics.token")),
            (Some(format!("{good} x")), None, Some("metrics.token")),
            (Some(format!("{good}\t")), None, Some("metrics.token")),
            (Some(format!("{good}é")), None, Some("metrics.token")),
            (None, Some(([127, 0, 0, 1], 9090).into()), None),
            (None, Some(site), Some("metrics.bind")),
            (None, Some(([127, 0, 0, 1], 0).into()), None),
        ] {
            let m = MetricsConfig { token, bind };
            assert_eq!(m.problem(site).map(|(k, _)| k), fault, "{m:?}");
        }
    }

    #[test]
    fn redaction_hides_the_token_only() {
        let m = MetricsConfig {
            token: Some("0123456789abcdef-secret".to_owned()),
            bind: Some(([127, 0, 0, 1], 9090).into()),
        };
        let shown = m.redacted();
        assert_eq!(shown.token.as_deref(), Some("***"));
        assert_eq!(shown.bind, m.bind);
        assert_eq!(MetricsConfig::default().redacted().token, None);
    }
}
