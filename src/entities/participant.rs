//! The `participants` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "participants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organisation_id: i32,
    pub role: String,
    pub sector: String,
    pub wave: String,
    pub designated_on: TimeDate,
    pub designated_precision: String,
    pub accredited_on: Option<TimeDate>,
    pub accredited_precision: Option<String>,
    pub status: String,
    pub confidence: String,
    pub source: Option<String>,
    pub version: i32,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
