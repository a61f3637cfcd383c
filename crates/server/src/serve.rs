//! Owns running the site: opening the database (migrating it), building the state, serving
//! HTTP with graceful shutdown, and running the background worker beside it.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use vitrine_app::App;
use vitrine_db::Db;
use vitrine_domain::Clock;
use vitrine_storage::BlobStore;

use crate::client_ip::TrustedProxies;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::storage_config::Stores;
use crate::templates::Templates;
use crate::{assets, routes};

/// Opens (and migrates) the database named by the configuration; also returns how many
/// migrations were applied.
pub async fn open_database(config: &Config) -> anyhow::Result<(Db, usize)> {
    let url = config.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                config.data_dir.display()
            )
        })?;
    }
    let db = Db::connect(&url)
        .await
        .context("cannot open the database")?;
    let applied = db.migrate().await.context("cannot migrate the database")?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    Ok((db, applied))
}

/// Opens the stores (`<data_dir>/media`, and S3 when configured), picks the one in use and
/// prepares the upload temp directory (`<data_dir>/tmp`), sweeping temp files a crash may have
/// left.
pub async fn open_storage(config: &Config, db: &Db) -> anyhow::Result<(Stores, BlobStore)> {
    let tmp = config.temp_dir();
    std::fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    sweep_temp_files(&tmp, std::time::Duration::from_secs(3600));
    let stores = Stores::open(&config.storage, config.data_dir.join("media"))?;
    let active = db
        .get_setting(vitrine_app::ACTIVE_STORE_KEY)
        .await
        .context("cannot read which store is in use")?;
    let in_use = stores.in_use(active.as_deref())?;
    Ok((stores, in_use))
}

/// Removes upload temp files older than `age` (younger ones may belong to a running upload of
/// another process sharing the directory).
pub fn sweep_temp_files(dir: &std::path::Path, age: std::time::Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let old = e
            .metadata()
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|el| el >= age);
        let name = e.file_name().to_string_lossy().into_owned();
        // `upload-*` files are uploads being received; `child-*` directories are a decoder
        // child's scratch space.
        let gone = old
            && if name.starts_with("upload-") {
                std::fs::remove_file(e.path()).is_ok()
            } else if name.starts_with("child-") {
                std::fs::remove_dir_all(e.path()).is_ok()
            } else {
                false
            };
        if gone {
            removed += 1;
        }
    }
    removed
}

pub async fn build_state(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
    let (db, _) = open_database(&config).await?;
    let (stores, storage) = open_storage(&config, &db).await?;
    let mut app = App::new(
        db,
        storage,
        clock,
        config.auth_policy(),
        &config.fetch_policy(),
    )?;
    app.job_lease_secs = i64::from(config.jobs.lease_secs);
    app.process_timeout = config.processing_timeout();
    app.tools = Arc::new(config.media_tools());
    if app.tools.heif_convert.is_none() {
        tracing::info!(
            program = %config.heif_convert,
            "HEIC and AVIF uploads will be refused: heif-convert was not found \
             (Debian/Ubuntu: apt install libheif-examples)"
        );
    }
    attach_cache(&mut app, &config).await?;
    app.mailer = config
        .email
        .mailer(&config.site_host())
        .map_err(|e| anyhow::anyhow!("invalid setting `email`: {e}"))?
        .map(Arc::new);
    if let Some(m) = &app.mailer {
        tracing::info!(mailer = ?m, "e-mail (password reset and sign-up links) goes out as");
    }
    let proxies = TrustedProxies::parse(&config.trusted_proxies, config.trusted_proxy_header)
        .map_err(|bad| anyhow::anyhow!("invalid trusted proxy `{bad}`"))?;
    // Every store this node may serve from (a migration can switch between them).
    let mut img_origins: Vec<String> = config
        .files_url
        .iter()
        .map(|u| u.as_str().trim_end_matches('/').to_owned())
        .collect();
    for store in std::iter::once(&stores.local).chain(stores.s3.as_ref()) {
        if let Some(o) = store.browser_origin().await {
            img_origins.push(o);
        }
    }
    Ok(AppState::new(crate::state::SharedState {
        page_csp: crate::security_headers::page_policy(&img_origins),
        file_cache: Arc::new(crate::file_cache::FileCache::new(
            config.file_cache_mb as usize * 1024 * 1024,
        )),
        stores: Arc::new(stores),
        proxies: Arc::new(proxies),
        app,
        config: Arc::new(config),
        templates: Arc::new(Templates::new()),
        metrics: Arc::new(Metrics::default()),
        asset_version: assets::asset_version().into(),
    }))
}

/// A running site. Dropping it does not stop it; call `shutdown`.
pub struct RunningServer {
    pub addr: SocketAddr,
    /// Where the metrics listener got bound (`metrics.bind`, with the port the system picked
    /// for port 0), when there is one.
    pub metrics_addr: Option<SocketAddr>,
    pub state: AppState,
    stop: watch::Sender<bool>,
    http: JoinHandle<std::io::Result<()>>,
    metrics_http: Option<JoinHandle<std::io::Result<()>>>,
    worker: Option<JoinHandle<()>>,
    follower: JoinHandle<()>,
}

/// Starts serving on `listener`, and metrics on `metrics.bind` and the worker when
/// configured.
pub fn start(state: AppState, listener: TcpListener) -> anyhow::Result<RunningServer> {
    let addr = listener.local_addr()?;
    // Bound before anything is spawned: a metrics address in use stops start-up cleanly.
    let metrics_listener = state
        .config
        .metrics
        .bind
        .map(bind_metrics_listener)
        .transpose()?;
    let metrics_addr = metrics_listener
        .as_ref()
        .map(TcpListener::local_addr)
        .transpose()?;
    warn_if_metrics_are_public(&state.config, addr);
    let (stop, stopped) = watch::channel(false);
    if let Some(a) = metrics_addr {
        tracing::info!(address = %a, "metrics are served on their own listener only");
    }
    let metrics_http = metrics_listener.map(|listener| {
        tokio::spawn(crate::http_server::serve(
            listener,
            routes::metrics_endpoint::listener_router(state.clone()),
            state.config.http.limits(),
            stopped.clone(),
        ))
    });
    let router = crate::file_front::FileFront::new(state.clone(), routes::router(state.clone()));
    let http = tokio::spawn(crate::http_server::serve(
        listener,
        router,
        state.config.http.limits(),
        stopped.clone(),
    ));
    let follower = tokio::spawn(follow_store_switch(
        state.app.clone(),
        state.stores.clone(),
        stopped.clone(),
    ));
    let worker = state.config.worker.then(|| {
        let worker_id = worker_id();
        tokio::spawn(vitrine_app::run_worker(
            state.app.clone(),
            worker_id,
            stopped,
        ))
    });
    Ok(RunningServer {
        addr,
        metrics_addr,
        state,
        stop,
        http,
        metrics_http,
        worker,
        follower,
    })
}

/// Listens on exactly `addr` (never a wider address), as the main listener does: with
/// `SO_REUSEADDR`, so a restart is not refused while the last scrape's connection lingers in
/// TIME_WAIT.
fn bind_metrics_listener(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    let why = || {
        format!("cannot listen for metrics on {addr} (set `metrics.bind` or VITRINE_METRICS__BIND)")
    };
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()
    } else {
        tokio::net::TcpSocket::new_v6()
    }
    .with_context(why)?;
    socket.set_reuseaddr(true).with_context(why)?;
    socket.bind(addr).with_context(why)?;
    // tokio's own `TcpListener::bind` uses the same backlog.
    socket.listen(1024).with_context(why)
}

/// One line at start when `/metrics` is open to whoever reaches a site address that is not
/// loopback: the default stays open so that existing scrapers keep working, but the operator
/// should choose (README, "Metrics").
fn warn_if_metrics_are_public(config: &Config, site: SocketAddr) {
    if config.metrics.open_on_site() && !site.ip().is_loopback() {
        tracing::warn!(
            address = %site,
            "/metrics is open to anyone who can reach this address; set `metrics.bind` \
             (e.g. 127.0.0.1:9090) or `metrics.token`"
        );
    }
}

/// `host-pid-random`: containers may share a host name and a pid, and a worker must never
/// mistake another's claim for its own.
pub fn worker_id() -> String {
    let mut tag = [0u8; 3];
    let tag = getrandom::fill(&mut tag).map_or_else(|_| "000000".to_owned(), |()| hex::encode(tag));
    format!("{}-{}-{tag}", hostname(), std::process::id())
}

pub fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map_or_else(|_| "node".to_owned(), |h| h.trim().to_owned())
}

impl RunningServer {
    /// Stops accepting connections, lets in-flight requests finish, stops the worker.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        self.http.await??;
        if let Some(m) = self.metrics_http {
            m.await??;
        }
        if let Some(w) = self.worker {
            let _ = w.await;
        }
        let _ = self.follower.await;
        Ok(())
    }
}

/// Connects the optional Redis cache (`redis_url`).
pub async fn attach_cache(app: &mut App, config: &Config) -> anyhow::Result<()> {
    if let Some(url) = config.redis_url.as_deref().filter(|u| !u.is_empty()) {
        app.cache = Some(
            vitrine_app::SharedCache::connect(url, &config.redis_prefix)
                .await
                .with_context(|| format!("cannot use Redis at {}", vitrine_db::redact_url(url)))?,
        );
    }
    Ok(())
}

/// How often a node looks for a store switch made by `vitrine storage migrate`.
pub const STORE_POLL: std::time::Duration = std::time::Duration::from_secs(5);

/// Follows the database's record of the store in use, so that every node moves to a new
/// store within seconds of a migration finishing. Stops when `stop` turns true.
pub async fn follow_store_switch(app: App, stores: Arc<Stores>, mut stop: watch::Receiver<bool>) {
    let mut seen = app.active_store().await.ok().flatten();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(STORE_POLL) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        match app.active_store().await {
            Ok(now) if now != seen => match stores.in_use(now.as_deref()) {
                Ok(store) => {
                    app.storage.switch_to(&store);
                    tracing::info!(store = app.storage.kind(), "switched to the store in use");
                    seen = now;
                }
                // Keeps trying: the operator fixes the configuration and restarts.
                Err(e) => tracing::error!(error = %e, "cannot follow the store switch"),
            },
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot read which store is in use"),
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
