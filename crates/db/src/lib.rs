//! The only crate that speaks SQL: connection set-up per backend, migrations and repositories.
//! Repositories return plain records built from domain types; callers never see sea-orm.

mod albums;
mod api_keys;
mod audit;
mod connection;
mod copy;
mod entity;
mod error;
mod jobs;
mod listings;
mod media;
mod migration;
mod password_resets;
#[doc(hidden)]
pub mod plans;
mod search;
mod sessions;
mod settings;
mod signup_requests;
mod stats;
mod tags;
pub mod test_support;
mod users;
mod views;

pub use albums::{
    AlbumContents, AlbumFields, AlbumRecord, AlbumScope, MAX_DEPTH as MAX_ALBUM_DEPTH, NewAlbum,
};
pub use api_keys::{ApiKeyRecord, NewApiKey};
pub use audit::{AuditQuery, NewAuditEntry};
pub use connection::{Backend, Db, redact_url, supported_url};
pub use copy::TABLES;
pub use error::DbError;
pub use jobs::{JobRecord, JobState, NewJob};
pub use listings::{Audience, Direction, MediaOrder, PROFILE_KINDS};
pub use media::{
    BlobRecord, MediaFiles, MediaRecord, NewBlob, NewMedia, UploadError, VariantRecord,
};
pub use search::{SearchTarget, search_words};
pub use sessions::SessionRecord;
pub use signup_requests::{NewSignupRequest, SignupRequestRecord};
pub use stats::SiteStats;
pub use users::{NewUser, ProfileFields, ProfileImage, UserRecord};
