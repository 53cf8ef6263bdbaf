//! The `returns` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "returns")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub period_id: i32,
    pub participant_id: i32,
    pub status: String,
    pub spend_to_date_pence: Option<i64>,
    pub rating_scale: String,
    pub self_rating: Option<String>,
    pub rating_justification: Option<String>,
    pub narrative: Option<String>,
    pub office_rating: Option<String>,
    pub office_comment: Option<String>,
    pub submitted_at: Option<TimeDateTimeWithTimeZone>,
    pub submitted_by: Option<i32>,
    pub approved_at: Option<TimeDateTimeWithTimeZone>,
    pub approved_by: Option<i32>,
    pub illustrative: bool,
    pub version: i32,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
