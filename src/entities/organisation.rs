//! The `organisations` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ods_code: Option<String>,
    pub name: String,
    /// `domain::names::NameKey` of `name`: unique with `country_code`.
    pub name_key: String,
    pub name_at_designation: Option<String>,
    pub kind: String,
    pub sector: Option<String>,
    pub region_code: Option<String>,
    pub region_code_2017: Option<String>,
    pub country_code: String,
    pub opened_on: Option<TimeDate>,
    pub closed_on: Option<TimeDate>,
    pub successor_id: Option<i32>,
    pub source: Option<String>,
    pub version: i32,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
