//! Vitrine's use cases: accounts, sessions, API keys, first-run setup, site settings,
//! login throttling, the audit trail and the job worker. Every use case takes the `App`
//! context and the acting user explicitly and owns its authorization.

mod accounts;
mod actor;
mod api_keys;
mod app;
mod audit;
mod error;
mod maintenance;
mod media;
mod password;
mod sessions;
mod settings;
mod setup;
mod single_flight;
mod throttle;
mod tokens;
mod upload;
mod upload_settings;
mod worker;

pub use accounts::{LoginInput, SignupInput};
pub use actor::{Actor, AuthUser, AuthVia};
pub use api_keys::{ApiKeyView, CreatedApiKey};
pub use app::{App, AuthPolicy};
pub use error::AppError;
pub use maintenance::{CheckReport, GcReport};
pub use media::{FileRequest, FileToServe, MediaPatch, VariantWanted};
pub use sessions::NewSession;
pub use settings::{SiteSettings, SiteSettingsPatch};
pub use upload::{UploadInput, Uploaded};
pub use upload_settings::UploadSettings;
pub use worker::run_worker;

/// Where a request came from, for throttling and the audit log.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
