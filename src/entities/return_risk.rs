//! The `return_risks` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "return_risks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub return_id: i32,
    pub position: i32,
    pub description: String,
    pub rating: String,
    pub mitigation: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
