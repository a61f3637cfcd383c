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

/// Opens the blob store (`<data_dir>/media`) and prepares the upload temp directory
/// (`<data_dir>/tmp`), sweeping temp files a crash may have left.
pub fn open_storage(config: &Config) -> anyhow::Result<BlobStore> {
    let tmp = config.temp_dir();
    std::fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    sweep_temp_files(&tmp, std::time::Duration::from_secs(3600));
    BlobStore::local(config.data_dir.join("media")).context("cannot open the media directory")
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
        if old
            && e.file_name().to_string_lossy().starts_with("upload-")
            && std::fs::remove_file(e.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

pub async fn build_state(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
    let (db, _) = open_database(&config).await?;
    let storage = open_storage(&config)?;
    let app = App::new(
        db,
        storage,
        clock,
        config.auth_policy(),
        &config.fetch_policy(),
    )?;
    let proxies = TrustedProxies::parse(&config.trusted_proxies, config.trusted_proxy_header)
        .map_err(|bad| anyhow::anyhow!("invalid trusted proxy `{bad}`"))?;
    Ok(AppState {
        proxies: Arc::new(proxies),
        app,
        config: Arc::new(config),
        templates: Arc::new(Templates::new()),
        metrics: Arc::new(Metrics::default()),
        asset_version: assets::asset_version().into(),
    })
}

/// A running site. Dropping it does not stop it; call `shutdown`.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: watch::Sender<bool>,
    http: JoinHandle<std::io::Result<()>>,
    worker: Option<JoinHandle<()>>,
}

/// Starts serving on `listener` (and the worker when configured).
pub fn start(state: AppState, listener: TcpListener) -> anyhow::Result<RunningServer> {
    let addr = listener.local_addr()?;
    let (stop, stopped) = watch::channel(false);
    let router = routes::router(state.clone());
    let mut http_stop = stopped.clone();
    let http = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = http_stop.wait_for(|s| *s).await;
        })
        .await
    });
    let worker = state.config.worker.then(|| {
        let worker_id = format!("{}-{}", hostname(), std::process::id());
        tokio::spawn(vitrine_app::run_worker(
            state.app.clone(),
            worker_id,
            stopped,
        ))
    });
    Ok(RunningServer {
        addr,
        state,
        stop,
        http,
        worker,
    })
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
        if let Some(w) = self.worker {
            let _ = w.await;
        }
        Ok(())
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
