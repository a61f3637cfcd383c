//! The Vitrine server: HTTP routes (web pages, REST API), configuration, templates, static
//! assets and the `vitrine` command line.

pub mod album_choices;
pub mod api_album_types;
pub mod api_types;
pub mod assets;
pub mod auth;
pub mod bench;
pub mod chevereto_reply;
pub mod cli;
pub mod client_ip;
pub mod config;
pub mod cookies;
pub mod csrf;
pub mod db_copy;
pub mod embed_codes;
pub mod error;
pub mod extract;
pub mod logging;
pub mod media_urls;
pub mod metrics;
pub mod native_upload;
pub mod openapi;
pub mod page;
pub mod request_meta;
pub mod routes;
pub mod security_headers;
pub mod serve;
pub mod sharex;
pub mod site_theme;
pub mod state;
pub mod templates;
pub mod upload_body;
pub mod upload_source;
pub mod web_error;
