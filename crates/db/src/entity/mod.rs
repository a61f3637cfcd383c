//! Owns the sea-orm entity definitions, one per table. Only this crate sees them.

pub mod album;
pub mod album_unlock;
pub mod api_key;
pub mod audit;
pub mod blob;
pub mod job;
pub mod media;
pub mod media_tag;
pub mod media_view;
pub mod password_reset;
pub mod session;
pub mod setting;
pub mod signup_request;
pub mod user;
pub mod variant;
