//! The `milestones` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "milestones")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub participant_id: i32,
    pub reference: String,
    pub title: String,
    pub category: String,
    pub baseline_on: TimeDate,
    pub forecast_on: Option<TimeDate>,
    pub actual_on: Option<TimeDate>,
    pub status: String,
    pub signed_off_on: Option<TimeDate>,
    pub signed_off_by: Option<i32>,
    pub illustrative: bool,
    pub version: i32,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
