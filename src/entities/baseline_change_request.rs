//! The `baseline_change_requests` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "baseline_change_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub milestone_id: i32,
    pub previous_baseline_on: TimeDate,
    pub proposed_baseline_on: TimeDate,
    pub reason: String,
    pub status: String,
    pub requested_by: i32,
    pub decided_by: Option<i32>,
    pub decided_at: Option<TimeDateTimeWithTimeZone>,
    pub decision_comment: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
