//! Owns the schema: forward-only migrations shared by every backend. Never edit a landed one.

use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_media;
mod m0003_upload_api;
mod m0004_albums;
mod m0005_views;
mod m0006_profiles;
pub(crate) mod m0007_search;
mod m0008_password_resets;
mod m0009_signup_requests;
mod m0009_sqlite_users;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_media::Migration),
            Box::new(m0003_upload_api::Migration),
            Box::new(m0004_albums::Migration),
            Box::new(m0005_views::Migration),
            Box::new(m0006_profiles::Migration),
            Box::new(m0007_search::Migration),
            Box::new(m0008_password_resets::Migration),
            Box::new(m0009_signup_requests::Migration),
        ]
    }
}
