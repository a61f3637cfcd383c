//! Owns the state shared by every handler: the app context, configuration, templates, metrics.

use std::sync::Arc;

use vitrine_app::App;

use crate::client_ip::TrustedProxies;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::templates::Templates;

#[derive(Clone)]
pub struct AppState {
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
}

impl AppState {
    pub fn base_url(&self) -> String {
        self.config.base_url()
    }

    /// The site's and the files' origins, for building links.
    pub fn links(&self) -> crate::media_urls::Links {
        self.config.links()
    }
}
