//! Entity for `media` (an upload: owner, texts, flags; points at a blob).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub public_id: String,
    pub owner_id: Option<i64>,
    pub blob_id: i64,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub original_filename: String,
    pub nsfw: bool,
    pub width: i32,
    pub height: i32,
    pub exif: Option<String>,
    pub thumbhash: String,
    pub phash: i64,
    pub views: i64,
    pub expires_at: Option<i64>,
    pub delete_token_hash: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub privacy: String,
    pub album_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
