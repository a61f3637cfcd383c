//! Vitrine's use cases: accounts, sessions, API keys, first-run setup, site settings and logo,
//! login throttling, the audit trail and the job worker. Every use case takes the `App`
//! context and the acting user explicitly and owns its authorization.

mod accounts;
mod actor;
mod address_check;
mod album_media;
mod albums;
mod api_keys;
mod app;
mod audit;
mod error;
mod fetch;
mod known_browser;
mod mail;
mod maintenance;
mod media;
mod media_bulk;
mod media_listings;
mod password;
mod password_reset;
mod profiles;
mod sessions;
mod settings;
mod setup;
mod shared_cache;
mod signed_urls;
mod signup;
mod signup_mail;
mod single_flight;
mod site_logo;
mod site_stats;
mod store_migration;
mod temp_file;
mod throttle;
mod tokens;
mod upload;
mod upload_gate;
mod upload_settings;
mod views;
mod visibility;
mod worker;

pub use accounts::{LoginInput, SignupInput};
pub use actor::{Actor, AuthUser, AuthVia};
pub use album_media::AlbumPlace;
pub use albums::{AlbumInput, AlbumView, UNLOCK_TTL_SECS};
pub use api_keys::{ApiKeyView, CreatedApiKey};
pub use app::{App, AuthPolicy};
pub use error::{AppError, format_list};
pub use fetch::{FetchPolicy, Fetched};
pub use known_browser::KNOWN_BROWSER_TTL_SECS;
pub use mail::Mailer;
pub use maintenance::{CheckReport, GcReport};
pub use media::{FileRequest, FileToServe, MediaPatch, VariantWanted};
pub use media_bulk::BulkEdit;
pub use media_listings::Page;
pub use password_reset::ResetLinkBase;
pub use profiles::ProfilePatch;
pub use sessions::NewSession;
pub use settings::{DefaultTheme, SiteSettings, SiteSettingsPatch};
pub use shared_cache::SharedCache;
pub use signed_urls::{SIGNED_URL_TTL_SECS, Signature};
pub use signup::SignupOutcome;
pub use signup_mail::SignupLinkBase;
pub use store_migration::{ACTIVE_STORE_KEY, StoreMigrationOptions, StoreMigrationReport};
pub use temp_file::TempFile;
pub use upload::{Purpose, UploadInput, Uploaded, normalize_tags};
pub use upload_gate::{UploadAllowance, UploadTicket};
pub use upload_settings::{FloodLimits, UploadSettings, Windows};
pub use visibility::{Access, Viewer};
pub use worker::{PROBE_JOB, PROBE_RAN, run_worker};

/// Where a request came from, for throttling and the audit log.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
