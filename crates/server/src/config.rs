//! Owns configuration: compiled defaults, then `vitrine.toml` (or `--config` /
//! `VITRINE_CONFIG`), then `VITRINE_*` environment variables, then command-line flags.
//! An invalid setting stops start-up with a message naming the setting and its source.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use url::Url;

pub use crate::auth_config::AuthConfig;

/// The whole configuration. Nested sections map to `VITRINE_SECTION__KEY` variables.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address and port to listen on.
    pub bind: SocketAddr,
    /// The URL people use to reach the site (used in links, cookies and CSRF checks).
    /// Defaults to `http://` + `bind`.
    pub public_url: Option<Url>,
    /// A separate origin for uploaded files (`https://files.example.org`): public file links
    /// point there and that host serves nothing but files, so uploaded bytes never share the
    /// site's origin. Unset: the site serves them.
    pub files_url: Option<Url>,
    /// Where the SQLite database and media live by default.
    pub data_dir: PathBuf,
    /// `sqlite://PATH`, `postgres://USER:PASS@HOST/DB` or `mysql://USER:PASS@HOST/DB`
    /// (MariaDB or MySQL). Defaults to SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// `pretty` (default) or `json` log lines.
    pub log_format: LogFormat,
    /// A tracing filter such as `info` or `vitrine_server=debug,info`.
    pub log_level: String,
    /// Run the background job worker inside `serve`.
    pub worker: bool,
    /// Largest JSON or form body accepted, in bytes.
    pub max_form_bytes: usize,
    /// Memory for this node's cache of public files (small ones whole), in MiB; 0 turns it
    /// off. Changes made on another node reach this one's cache within 2 seconds.
    pub file_cache_mb: u32,
    /// Longest an upload waits for its image to be processed (seconds) before it is refused.
    pub processing_timeout_secs: f64,
    /// libheif's `heif-convert` (a name looked up in `PATH`, or a path), which decodes HEIC
    /// and AVIF uploads in a child process; empty turns those formats away.
    pub heif_convert: String,
    /// Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For` / `Forwarded`
    /// headers are believed; the client is the right-most address not in this list.
    pub trusted_proxies: Vec<String>,
    /// The header the trusted proxies set: `x-forwarded-for` or `forwarded` (RFC 7239).
    pub trusted_proxy_header: crate::client_ip::ForwardHeader,
    pub auth: AuthConfig,
    pub url_fetch: UrlFetchConfig,
    pub storage: crate::storage_config::StorageConfig,
    pub jobs: JobsConfig,
    pub http: HttpConfig,
    pub email: crate::email_config::EmailConfig,
    pub metrics: crate::metrics_config::MetricsConfig,
    /// Optional Redis (`redis://[:PASSWORD@]HOST:PORT[/DB]`) for the settings cache and
    /// rate-limit counters; without it, both come from the database.
    pub redis_url: Option<String>,
    /// Prefix of every Redis key (to share one Redis between sites).
    pub redis_prefix: String,
}

/// Limits on HTTP connections, against clients that hold them open by sending slowly.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Seconds a client has to send a request's head; also how long an idle keep-alive
    /// connection stays open.
    pub header_timeout_secs: u32,
    /// Longest a client may stall, in seconds: sending more of a request body, or taking more
    /// of the answer.
    pub stall_secs: u32,
    /// Whole-request limit in seconds (an upload over a slow line must fit in it).
    pub request_timeout_secs: u32,
    /// Largest request head (request line and headers), in bytes. (A request with more than
    /// 100 headers is refused too.)
    pub max_head_bytes: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            header_timeout_secs: 30,
            stall_secs: 30,
            // 50 MB at 2 Mbit/s, with room to spare.
            request_timeout_secs: 600,
            max_head_bytes: 64 * 1024,
        }
    }
}

impl HttpConfig {
    pub fn limits(&self) -> crate::http_server::Limits {
        let secs = |s: u32| std::time::Duration::from_secs(u64::from(s));
        crate::http_server::Limits {
            header_timeout: secs(self.header_timeout_secs),
            stall_timeout: secs(self.stall_secs),
            max_head_bytes: self.max_head_bytes,
        }
    }
}

/// The background job queue.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Seconds a worker's claim on a job lasts without renewal (it renews every third of
    /// this while the job runs); a crashed worker's job runs again after it.
    pub lease_secs: u32,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self { lease_secs: 300 }
    }
}

/// How URL sources of uploads are fetched.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UrlFetchConfig {
    /// Whole-fetch time limit, in seconds.
    pub timeout_secs: u32,
    /// Testing only: host names pinned to (local) addresses that are then allowed. Never set
    /// this in production: it opens those addresses to anyone allowed to upload from URLs.
    pub test_hosts: std::collections::BTreeMap<String, std::net::IpAddr>,
}

impl Default for UrlFetchConfig {
    fn default() -> Self {
        Self {
            timeout_secs: 30,
            test_hosts: std::collections::BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            files_url: None,
            data_dir: PathBuf::from("./data"),
            database_url: None,
            log_format: LogFormat::Pretty,
            log_level: "info".to_owned(),
            worker: true,
            max_form_bytes: 1024 * 1024,
            file_cache_mb: 64,
            processing_timeout_secs: 60.0,
            heif_convert: "heif-convert".to_owned(),
            trusted_proxies: Vec::new(),
            trusted_proxy_header: crate::client_ip::ForwardHeader::XForwardedFor,
            auth: AuthConfig::default(),
            url_fetch: UrlFetchConfig::default(),
            storage: crate::storage_config::StorageConfig::default(),
            jobs: JobsConfig::default(),
            http: HttpConfig::default(),
            email: crate::email_config::EmailConfig::default(),
            metrics: crate::metrics_config::MetricsConfig::default(),
            redis_url: None,
            redis_prefix: "vitrine:".to_owned(),
        }
    }
}

/// Values given as command-line flags (highest precedence).
#[derive(Debug, Clone, Default, Serialize)]
pub struct FlagOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// The configuration file to read: `--config`, else `VITRINE_CONFIG`, else `./vitrine.toml`.
/// An explicitly named file must exist; the default one is optional.
fn config_file(
    explicit: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<PathBuf>, ConfigError> {
    let named = explicit
        .map(Path::to_path_buf)
        .or_else(|| env("VITRINE_CONFIG").map(PathBuf::from));
    match named {
        Some(p) if p.is_file() => Ok(Some(p)),
        Some(p) => Err(ConfigError(format!(
            "configuration file {} does not exist",
            p.display()
        ))),
        None => {
            let default = PathBuf::from("vitrine.toml");
            Ok(default.is_file().then_some(default))
        }
    }
}

/// Builds the layered figment without extracting it.
pub fn figment(
    explicit_file: Option<&Path>,
    flags: &FlagOverrides,
) -> Result<Figment, ConfigError> {
    let mut fig = Figment::from(Serialized::defaults(Config::default()));
    if let Some(file) = config_file(explicit_file, &|k| std::env::var(k).ok())? {
        fig = fig.merge(Toml::file_exact(file));
    }
    Ok(fig
        .merge(
            Env::prefixed("VITRINE_")
                .split("__")
                // Not settings: the file pointer itself and the test suite's variables.
                .filter(|k| k != "config" && !k.as_str().to_ascii_lowercase().starts_with("test_")),
        )
        .merge(Serialized::defaults(flags)))
}

/// Loads and checks the configuration.
pub fn load(explicit_file: Option<&Path>, flags: &FlagOverrides) -> Result<Config, ConfigError> {
    let fig = figment(explicit_file, flags)?;
    let config: Config = fig.extract().map_err(describe)?;
    config.validate(&fig)?;
    Ok(config)
}

/// The environment variable that sets `key` (`auth.session_hours` -> `VITRINE_AUTH__SESSION_HOURS`).
fn env_name(key: &str) -> String {
    format!("VITRINE_{}", key.to_uppercase().replace('.', "__"))
}

/// Turns figment's errors into "invalid setting `x`: why (from SOURCE)" lines.
fn describe(err: figment::Error) -> ConfigError {
    let mut out = String::new();
    for e in err {
        let key = e.path.join(".");
        let source = match &e.metadata {
            // Our only environment provider is `VITRINE_` + path joined by `__`.
            Some(md) if md.name.contains("environment") => {
                format!("environment variable {}", env_name(&e.path.join(".")))
            }
            Some(md) => match &md.source {
                Some(src) => format!("{} ({src})", md.name),
                None => md.name.to_string(),
            },
            None => "unknown source".to_owned(),
        };
        let key = if key.is_empty() {
            "configuration".to_owned()
        } else {
            format!("`{key}`")
        };
        let _ = writeln!(out, "invalid setting {key}: {} (from {source})", e.kind);
    }
    ConfigError(out.trim_end().to_owned())
}

impl Config {
    fn validate(&self, fig: &Figment) -> Result<(), ConfigError> {
        let source = |key: &str| {
            fig.find_metadata(key).map_or_else(
                || "defaults".to_owned(),
                |md| {
                    if md.name.contains("environment") {
                        format!("environment variable {}", env_name(key))
                    } else {
                        md.source
                            .as_ref()
                            .map_or_else(|| md.name.to_string(), |s| format!("{} ({s})", md.name))
                    }
                },
            )
        };
        let fail = |key: &str, why: &str| {
            Err(ConfigError(format!(
                "invalid setting `{key}`: {why} (from {})",
                source(key)
            )))
        };
        if let Some(u) = &self.public_url {
            if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
                return fail(
                    "public_url",
                    "must be an http:// or https:// URL with a host",
                );
            }
            if u.query().is_some() || u.fragment().is_some() {
                return fail("public_url", "must not have a query or fragment");
            }
        }
        if let Some(u) = &self.files_url {
            if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
                return fail(
                    "files_url",
                    "must be an http:// or https:// URL with a host",
                );
            }
            if u.path() != "/"
                || u.query().is_some()
                || u.fragment().is_some()
                || !u.username().is_empty()
                || u.password().is_some()
            {
                return fail(
                    "files_url",
                    "must be an origin only, with no path, query or user",
                );
            }
            if self.is_https() && u.scheme() != "https" {
                return fail(
                    "files_url",
                    "must be https:// when the site is (browsers block mixed content)",
                );
            }
            if crate::files_origin::authority(u) == self.site_authority() {
                return fail(
                    "files_url",
                    "must be another host (or port) than the site's own, or be left unset",
                );
            }
        }
        if self.data_dir.as_os_str().is_empty() {
            return fail("data_dir", "must not be empty");
        }
        if let Some(db) = &self.database_url
            && !vitrine_db::supported_url(db)
        {
            return fail(
                "database_url",
                "must start with sqlite:, postgres://, postgresql://, mysql:// or mariadb://",
            );
        }
        if self
            .log_level
            .parse::<tracing_subscriber::EnvFilter>()
            .is_err()
        {
            return fail(
                "log_level",
                "is not a valid log filter (try `info` or `debug`)",
            );
        }
        if let Some(why) = self.auth.problem() {
            return fail("auth", why);
        }
        if self.file_cache_mb > 64 * 1024 {
            return fail("file_cache_mb", "must be at most 65536");
        }
        if self.max_form_bytes < 1024 {
            return fail("max_form_bytes", "must be at least 1024");
        }
        let h = &self.http;
        if h.header_timeout_secs == 0 || h.stall_secs == 0 || h.request_timeout_secs == 0 {
            return fail("http", "timeouts must be at least 1 second");
        }
        // hyper cannot read a head larger than its read buffer (about 400 KiB).
        if !(1024..=256 * 1024).contains(&h.max_head_bytes) {
            return fail("http.max_head_bytes", "must be between 1024 and 262144");
        }
        if !(self.processing_timeout_secs > 0.0 && self.processing_timeout_secs <= 3600.0) {
            return fail(
                "processing_timeout_secs",
                "must be more than 0 and at most 3600",
            );
        }
        if let Err(bad) = crate::client_ip::TrustedProxies::parse(
            &self.trusted_proxies,
            self.trusted_proxy_header,
        ) {
            return fail(
                "trusted_proxies",
                &format!("`{bad}` is not an IP address or CIDR range"),
            );
        }
        if !(1..=600).contains(&self.url_fetch.timeout_secs) {
            return fail("url_fetch.timeout_secs", "must be between 1 and 600");
        }
        if !(2..=86_400).contains(&self.jobs.lease_secs) {
            return fail("jobs.lease_secs", "must be between 2 and 86400");
        }
        if let Some((key, why)) = self.email.problem(&self.site_host()) {
            return fail(key, &why);
        }
        if let Some((key, why)) = self.storage.s3.problem() {
            return fail(key, why);
        }
        if let Some((key, why)) = self.metrics.problem(self.bind) {
            return fail(key, &why);
        }
        Ok(())
    }

    pub fn fetch_policy(&self) -> vitrine_app::FetchPolicy {
        vitrine_app::FetchPolicy {
            timeout: std::time::Duration::from_secs(u64::from(self.url_fetch.timeout_secs)),
            pinned_hosts: self
                .url_fetch
                .test_hosts
                .iter()
                .map(|(h, ip)| (h.to_ascii_lowercase(), *ip))
                .collect(),
            ..Default::default()
        }
    }

    /// The site's base URL without a trailing slash.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.as_str().trim_end_matches('/').to_owned(),
            None => {
                let host = if self.bind.ip().is_unspecified() {
                    "localhost".to_owned()
                } else {
                    self.bind.ip().to_string()
                };
                let host = if self.bind.is_ipv6() && !self.bind.ip().is_unspecified() {
                    format!("[{host}]")
                } else {
                    host
                };
                format!("http://{host}:{}", self.bind.port())
            }
        }
    }

    pub fn processing_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.processing_timeout_secs.clamp(0.000_001, 3600.0))
    }

    /// `host[:port]` of the site's own URL, as browsers send it in `Host`.
    pub fn site_authority(&self) -> String {
        match &self.public_url {
            Some(u) => crate::files_origin::authority(u),
            None => self
                .base_url()
                .split_once("://")
                .map_or_else(String::new, |(_, a)| a.to_ascii_lowercase()),
        }
    }

    /// Where file links point: the files origin when one is set, else the site.
    pub fn links(&self) -> crate::media_urls::Links {
        let site = self.base_url();
        let files = self.files_url.as_ref().map_or_else(
            || site.clone(),
            |u| u.as_str().trim_end_matches('/').to_owned(),
        );
        crate::media_urls::Links { site, files }
    }

    /// The external decoders: programs found now, scratch files under the temp directory.
    pub fn media_tools(&self) -> vitrine_media::Tools {
        vitrine_media::Tools {
            heif_convert: crate::media_tools::find_program(&self.heif_convert),
            prlimit: crate::media_tools::find_program("prlimit"),
            work_dir: self.temp_dir(),
            deadline: None,
            timeout: self.processing_timeout(),
        }
    }

    /// Where uploads are received before processing.
    pub fn temp_dir(&self) -> PathBuf {
        self.data_dir.join("tmp")
    }

    /// The site's host name (or address), without port.
    pub fn site_host(&self) -> String {
        Url::parse(&self.base_url())
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "localhost".to_owned())
    }

    pub fn is_https(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.clone(),
            None => format!("sqlite://{}", self.data_dir.join("vitrine.db").display()),
        }
    }

    pub fn auth_policy(&self) -> vitrine_app::AuthPolicy {
        self.auth.policy()
    }

    /// The merged configuration as TOML, with secrets hidden.
    pub fn to_redacted_toml(&self) -> String {
        let mut shown = self.clone();
        shown.database_url = Some(vitrine_db::redact_url(&self.database_url()));
        shown.storage.s3 = self.storage.s3.redacted();
        shown.redis_url = self.redis_url.as_deref().map(vitrine_db::redact_url);
        shown.email = self.email.redacted();
        shown.metrics = self.metrics.redacted();
        toml::to_string_pretty(&shown).unwrap_or_else(|e| format!("# cannot print: {e}"))
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail API returns its own large error
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn defaults_without_anything_set() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            let c = load(None, &FlagOverrides::default()).map_err(|e| e.0)?;
            assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
            assert_eq!(c.database_url(), "sqlite://./data/vitrine.db");
            assert_eq!(c.base_url(), "http://127.0.0.1:8080");
            Ok(())
        });
    }

    #[test]
    fn layers_file_then_env_then_flags() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file(
                "vitrine.toml",
                "bind = \"127.0.0.1:9000\"\nlog_level = \"debug\"\n[auth]\nsession_hours = 2\n",
            )?;
            let c = load(None, &FlagOverrides::default()).map_err(|e| e.0)?;
            assert_eq!(c.bind.port(), 9000);
            assert_eq!(c.auth.session_hours, 2);

            jail.set_env("VITRINE_BIND", "127.0.0.1:9100");
            jail.set_env("VITRINE_AUTH__SESSION_HOURS", "3");
            let c = load(None, &FlagOverrides::default()).map_err(|e| e.0)?;
            assert_eq!(c.bind.port(), 9100);
            assert_eq!(c.auth.session_hours, 3);
            assert_eq!(c.log_level, "debug", "file value kept where env is silent");

            let flags = FlagOverrides {
                bind: Some("127.0.0.1:9200".into()),
                ..Default::default()
            };
            let c = load(None, &flags).map_err(|e| e.0)?;
            assert_eq!(c.bind.port(), 9200);
            Ok(())
        });
    }

    #[test]
    fn bad_settings_name_the_setting_and_source() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("VITRINE_BIND", "not-an-address");
            let err = load(None, &FlagOverrides::default())
                .err()
                .map(|e| e.0)
                .unwrap_or_default();
            assert!(err.contains("`bind`"), "{err}");
            assert!(err.contains("VITRINE_BIND"), "{err}");
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file("custom.toml", "public_url = \"ftp://example.org\"\n")?;
            let err = load(Some(Path::new("custom.toml")), &FlagOverrides::default())
                .err()
                .map(|e| e.0)
                .unwrap_or_default();
            assert!(err.contains("`public_url`"), "{err}");
            assert!(err.contains("custom.toml"), "{err}");
            Ok(())
        });
        for (toml, why) in [
            (
                "public_url = \"https://img.example\"\nfiles_url = \"https://IMG.example/\"\n",
                "another host",
            ),
            ("files_url = \"https://files.example/x\"\n", "origin only"),
            ("files_url = \"https://u:p@files.example\"\n", "origin only"),
            (
                "public_url = \"https://img.example\"\nfiles_url = \"http://files.example\"\n",
                "mixed content",
            ),
            (
                "files_url = \"ftp://files.example\"\n",
                "http:// or https://",
            ),
        ] {
            Jail::expect_with(|jail| {
                jail.clear_env();
                jail.create_file("custom.toml", toml)?;
                let err = load(Some(Path::new("custom.toml")), &FlagOverrides::default())
                    .err()
                    .map(|e| e.0)
                    .unwrap_or_default();
                assert!(
                    err.contains("`files_url`") && err.contains(why),
                    "{toml}: {err}"
                );
                Ok(())
            });
        }
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file(
                "custom.toml",
                "public_url = \"https://img.example\"\nfiles_url = \"https://files.example:8443\"\n",
            )?;
            let c =
                load(Some(Path::new("custom.toml")), &FlagOverrides::default()).map_err(|e| e.0)?;
            let links = c.links();
            assert_eq!(links.site, "https://img.example");
            assert_eq!(links.files, "https://files.example:8443");
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file("vitrine.toml", "bnid = \"127.0.0.1:1\"\n")?;
            let err = load(None, &FlagOverrides::default())
                .err()
                .map(|e| e.0)
                .unwrap_or_default();
            assert!(err.contains("bnid"), "{err}");
            assert!(err.contains("vitrine.toml"), "{err}");
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.clear_env();
            let err = load(Some(Path::new("missing.toml")), &FlagOverrides::default())
                .err()
                .map(|e| e.0)
                .unwrap_or_default();
            assert!(err.contains("missing.toml"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn print_hides_database_password() {
        let c = Config {
            database_url: Some("postgres://vitrine:hunter2@db/vitrine".into()),
            ..Config::default()
        };
        let out = c.to_redacted_toml();
        assert!(!out.contains("hunter2"), "{out}");
        assert!(out.contains("***"), "{out}");
    }

    #[test]
    fn metrics_settings_come_from_the_environment() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("VITRINE_METRICS__TOKEN", "s3cret-metrics-token-0123");
            jail.set_env("VITRINE_METRICS__BIND", "127.0.0.1:9090");
            let c = load(None, &FlagOverrides::default()).map_err(|e| e.0)?;
            assert_eq!(
                c.metrics.token.as_deref(),
                Some("s3cret-metrics-token-0123")
            );
            assert_eq!(
                c.metrics.bind,
                Some(SocketAddr::from(([127, 0, 0, 1], 9090)))
            );
            let out = c.to_redacted_toml();
            assert!(!out.contains("s3cret-metrics-token"), "{out}");
            assert!(out.contains("[metrics]") && out.contains("***"), "{out}");
            assert!(out.contains("127.0.0.1:9090"), "{out}");
            Ok(())
        });
    }

    #[test]
    fn bad_metrics_settings_stop_startup() {
        let load_err = |jail: &mut Jail, var: &str, value: &str| {
            jail.clear_env();
            jail.set_env(var, value);
            load(None, &FlagOverrides::default())
                .err()
                .map(|e| e.0)
                .unwrap_or_default()
        };
        Jail::expect_with(|jail| {
            let err = load_err(jail, "VITRINE_METRICS__BIND", "localhost:nine");
            assert!(err.contains("`metrics.bind`"), "{err}");
            assert!(err.contains("VITRINE_METRICS__BIND"), "{err}");
            let err = load_err(jail, "VITRINE_METRICS__BIND", "127.0.0.1:8080");
            assert!(
                err.contains("`metrics.bind`") && err.contains("another address"),
                "the site's own address: {err}"
            );
            let err = load_err(jail, "VITRINE_METRICS__TOKEN", "tooshort-secret");
            assert!(err.contains("`metrics.token`"), "{err}");
            assert!(err.contains("at least 16"), "{err}");
            assert!(err.contains("VITRINE_METRICS__TOKEN"), "{err}");
            assert!(
                !err.contains("tooshort-secret"),
                "the token is not echoed: {err}"
            );
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file("vitrine.toml", "[metrics]\ntoken = \"0123456789 abcdef\"\n")?;
            let err = load(None, &FlagOverrides::default())
                .err()
                .map(|e| e.0)
                .unwrap_or_default();
            assert!(err.contains("`metrics.token`"), "{err}");
            assert!(err.contains("no spaces"), "{err}");
            assert!(err.contains("vitrine.toml"), "{err}");
            jail.create_file("vitrine.toml", "[metrics]\ntokne = \"x\"\n")?;
            let err = load(None, &FlagOverrides::default())
                .err()
                .map(|e| e.0)
                .unwrap_or_default();
            assert!(err.contains("tokne"), "unknown keys are refused: {err}");
            Ok(())
        });
    }
}
