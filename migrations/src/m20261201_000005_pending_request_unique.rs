//! One pending change request per record, held by the database as well as
//! the services: a partial unique index over the pending rows of each
//! request table. `CREATE UNIQUE INDEX … WHERE status = 'pending'` is the
//! same SQL on SQLite and PostgreSQL.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index, table, the record column a request belongs to)
const INDEXES: [(&str, &str, &str); 2] = [
    (
        "ux_baseline_change_requests_one_pending",
        "baseline_change_requests",
        "milestone_id",
    ),
    (
        "ux_allocation_change_requests_one_pending",
        "allocation_change_requests",
        "allocation_id",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        for (index, table, record) in INDEXES {
            // Say which records break the rule rather than fail on the index.
            let duplicates = db
                .query_all_raw(Statement::from_string(
                    backend,
                    format!(
                        "SELECT {record} AS record FROM {table} WHERE status = 'pending' \
                         GROUP BY {record} HAVING COUNT(*) > 1"
                    ),
                ))
                .await?;
            if !duplicates.is_empty() {
                let ids: Vec<String> = duplicates
                    .iter()
                    .map(|row| row.try_get::<i32>("", "record").map(|id| id.to_string()))
                    .collect::<Result<_, _>>()?;
                return Err(DbErr::Migration(format!(
                    "{table} has more than one pending request for {record} {}; \
                     decide all but one of each, then migrate again",
                    ids.join(", ")
                )));
            }
            db.execute_unprepared(&format!(
                "CREATE UNIQUE INDEX {index} ON {table} ({record}) WHERE status = 'pending'"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (index, _, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {index}"))
                .await?;
        }
        Ok(())
    }
}
