//! One organisation per name and country, judged the way people read names:
//! `organisations.name_key` holds the name with surrounding whitespace
//! removed, inner whitespace runs as one space and letters case-folded (the
//! rule of `gde::domain::names::NameKey`), and a unique index on
//! `(name_key, country_code)` backs the application's checks, so `Mayo
//! Clinic`, `\tMAYO CLINIC` and `mayo  clinic` cannot all be stored.
//!
//! Existing rows are filled in here; if two already share a key the
//! migration stops and names them, rather than merge organisations itself.
use std::collections::BTreeMap;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, FromQueryResult};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A frozen copy of `NameKey::of` as it stood when this migration landed
/// (migrations must not change meaning when the application does).
pub fn name_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for word in name.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        key.extend(word.chars().flat_map(char::to_lowercase));
    }
    key
}

#[derive(FromQueryResult)]
struct Row {
    id: i32,
    name: String,
    country_code: String,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        // SQLite cannot add a NOT NULL column without a default; PostgreSQL
        // gets NOT NULL once every row has its key.
        db.execute_unprepared(match backend {
            DbBackend::Sqlite => {
                "ALTER TABLE organisations ADD COLUMN name_key TEXT NOT NULL DEFAULT ''"
            }
            _ => "ALTER TABLE organisations ADD COLUMN name_key TEXT",
        })
        .await?;

        let select = Query::select()
            .columns([
                Alias::new("id"),
                Alias::new("name"),
                Alias::new("country_code"),
            ])
            .from(Alias::new("organisations"))
            .order_by(Alias::new("id"), Order::Asc)
            .to_owned();
        let rows = Row::find_by_statement(backend.build(&select))
            .all(db)
            .await?;
        let mut by_key: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for row in &rows {
            let key = name_key(&row.name);
            let update = Query::update()
                .table(Alias::new("organisations"))
                .value(Alias::new("name_key"), key.clone())
                .and_where(Expr::col(Alias::new("id")).eq(row.id))
                .to_owned();
            db.execute(&update).await?;
            by_key
                .entry((key, row.country_code.clone()))
                .or_default()
                .push(format!("{:?} (id {})", row.name, row.id));
        }
        let clashes: Vec<String> = by_key
            .into_iter()
            .filter(|(_, names)| names.len() > 1)
            .map(|((_, country), names)| format!("{} in {country}", names.join(" and ")))
            .collect();
        if !clashes.is_empty() {
            return Err(DbErr::Migration(format!(
                "organisations whose names differ only in case or spacing must be merged or \
                 renamed before this version can run: {}",
                clashes.join("; ")
            )));
        }

        if backend == DbBackend::Postgres {
            db.execute_unprepared("ALTER TABLE organisations ALTER COLUMN name_key SET NOT NULL")
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ux_organisations_name_key_country")
                    .table(Alias::new("organisations"))
                    .col(Alias::new("name_key"))
                    .col(Alias::new("country_code"))
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ux_organisations_name_key_country")
                    .table(Alias::new("organisations"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("organisations"))
                    .drop_column(Alias::new("name_key"))
                    .to_owned(),
            )
            .await
    }
}
