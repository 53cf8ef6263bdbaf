//! The `return_milestone_updates` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "return_milestone_updates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub return_id: i32,
    pub milestone_id: i32,
    pub forecast_on: Option<TimeDate>,
    pub status: String,
    pub comment: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
