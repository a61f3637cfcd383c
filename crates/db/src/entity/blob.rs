//! Entity for `blobs` (content-addressed originals).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "blobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hash: String,
    pub size: i64,
    pub ext: String,
    pub width: i32,
    pub height: i32,
    pub frames: i32,
    pub storage_key: String,
    pub created_at: i64,
    pub md5: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
