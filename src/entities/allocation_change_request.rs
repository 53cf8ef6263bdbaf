//! The `allocation_change_requests` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "allocation_change_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub allocation_id: i32,
    pub previous_central_pence: i64,
    pub proposed_central_pence: i64,
    pub previous_local_match_pence: i64,
    pub proposed_local_match_pence: i64,
    pub proposed_profile_json: String,
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
