//! Entity for `albums` (nested by `parent_id`; effective privacy kept for the whole chain).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "albums")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub public_id: String,
    pub owner_id: i64,
    pub parent_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub privacy: String,
    pub effective_privacy: String,
    pub password_hash: Option<String>,
    pub cover_media_id: Option<i64>,
    pub sort: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
