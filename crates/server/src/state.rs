//! Owns the state shared by every handler: the app context, configuration, templates, metrics.

use std::sync::Arc;

use vitrine_app::App;

use crate::client_ip::TrustedProxies;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::templates::Templates;

/// Cloned for every request (and by every middleware layer that holds it): one shared
/// pointer, so a clone is one reference count rather than one per field (a profile of file
/// serving spent a third of its time cloning and dropping the fields one by one).
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

pub struct SharedState {
    pub app: App,
    pub config: Arc<Config>,
    pub templates: Arc<Templates>,
    pub metrics: Arc<Metrics>,
    /// Short hash of the static files, appended to their URLs for cache busting.
    pub asset_version: Arc<str>,
    pub proxies: Arc<TrustedProxies>,
    /// Every store this node can reach (the app holds the one in use).
    pub stores: Arc<crate::storage_config::Stores>,
    /// The pages' Content-Security-Policy: images may come from the files origin and the
    /// bucket browsers are redirected to.
    pub page_csp: axum::http::HeaderValue,
    /// Public files this node answered lately (see `file_cache`).
    pub file_cache: Arc<crate::file_cache::FileCache>,
}

impl AppState {
    pub fn new(shared: SharedState) -> Self {
        Self(Arc::new(shared))
    }

    pub fn base_url(&self) -> String {
        self.config.base_url()
    }

    /// The site's and the files' origins, for building links.
    pub fn links(&self) -> crate::media_urls::Links {
        self.config.links()
    }
}
