//! The `tranches` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tranches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub allocation_id: i32,
    pub name: String,
    pub kind: String,
    pub milestone_id: Option<i32>,
    pub amount_pence: i64,
    pub released_on: Option<TimeDate>,
    pub released_by: Option<i32>,
    pub illustrative: bool,
    pub version: i32,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
