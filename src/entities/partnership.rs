//! The `partnerships` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partnerships")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub participant_id: i32,
    pub partner_id: i32,
    pub role: String,
    pub started_on: Option<TimeDate>,
    pub started_precision: Option<String>,
    pub ended_on: Option<TimeDate>,
    pub ended_precision: Option<String>,
    pub confidence: String,
    pub source: Option<String>,
    pub note: Option<String>,
    pub version: i32,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
