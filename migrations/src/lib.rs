//! Schema migrations for GDE Tracker. One file per schema change, append-only:
//! never edit a migration that has landed; add a new one.
//!
//! Apply them with [`apply_pending`], not `Migrator::up`: it runs each
//! migration in one transaction together with its row in `seaql_migrations`,
//! on SQLite as well as PostgreSQL (both have transactional DDL), so a
//! process killed at any moment leaves every migration either applied and
//! recorded or not applied at all, and the next run simply carries on.
pub use sea_orm_migration::prelude::*;

use sea_orm_migration::sea_orm::{
    ActiveModelTrait, ActiveValue, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::seaql_migrations;

mod m20261122_000001_initial_schema;
mod m20261122_000002_audit_append_only;
mod m20261122_000003_change_control;
mod m20261201_000005_pending_request_unique;
mod m20261201_000006_unique_names;
mod m20261201_000007_sign_in_failures;
mod m20261201_000008_cap_groups;
mod m20261202_000009_history;
mod m20261203_000010_data_version;

/// The name-key rule as migration 6 applied it (for a test that the
/// application's `NameKey` still agrees with the database's keys).
pub use m20261201_000006_unique_names::name_key as migration_6_name_key;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let all: Vec<Box<dyn MigrationTrait>> = vec![
            Box::new(m20261122_000001_initial_schema::Migration),
            Box::new(m20261122_000002_audit_append_only::Migration),
            Box::new(m20261122_000003_change_control::Migration),
            Box::new(m20261201_000005_pending_request_unique::Migration),
            Box::new(m20261201_000006_unique_names::Migration),
            Box::new(m20261201_000007_sign_in_failures::Migration),
            Box::new(m20261201_000008_cap_groups::Migration),
            Box::new(m20261202_000009_history::Migration),
            Box::new(m20261203_000010_data_version::Migration),
        ];
        all.into_iter()
            .map(|m| Box::new(InTransaction(m)) as Box<dyn MigrationTrait>)
            .collect()
    }
}

/// Marks a migration as transactional on every backend, so that even
/// `Migrator::up` (sea-orm-migration runs only PostgreSQL migrations in a
/// transaction by default) applies it together with its record.
struct InTransaction(Box<dyn MigrationTrait>);

impl MigrationName for InTransaction {
    fn name(&self) -> &str {
        self.0.name()
    }
}

#[async_trait::async_trait]
impl MigrationTrait for InTransaction {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        self.0.up(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        self.0.down(manager).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// Serialises migrators on one PostgreSQL database (a transaction-scoped
/// advisory lock). Distinct from the application's start-up lock, which a
/// caller may hold on another connection of the same pool while migrating.
const MIGRATION_LOCK_KEY: i64 = 0x6764_655f_6d69_6772;

/// Begins a transaction that no other migrator can run beside: `BEGIN
/// IMMEDIATE` on SQLite (takes the write lock at once), an advisory lock on
/// PostgreSQL.
async fn begin_exclusive(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
        }
        DbBackend::Postgres => {
            let txn = db.begin().await?;
            txn.execute_unprepared(&format!(
                "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
            ))
            .await?;
            Ok(txn)
        }
        _ => db.begin().await,
    }
}

/// Applies every pending migration, each in its own transaction with its
/// record; returns the names of those it applied. A migration another
/// process applied meanwhile is skipped. Refuses a database that records a
/// migration this build does not know.
pub async fn apply_pending(db: &DatabaseConnection) -> Result<Vec<String>, DbErr> {
    let txn = begin_exclusive(db).await?;
    Migrator::install(&txn).await?;
    txn.commit().await?;

    let pending: Vec<String> = Migrator::get_pending_migrations(db)
        .await?
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let mut applied = Vec::new();
    for migration in Migrator::migrations() {
        let name = migration.name().to_owned();
        if !pending.contains(&name) {
            continue;
        }
        let txn = begin_exclusive(db).await?;
        // Re-checked under the lock: another instance may have got here first.
        if seaql_migrations::Entity::find_by_id(name.clone())
            .one(&txn)
            .await?
            .is_some()
        {
            txn.rollback().await?;
            continue;
        }
        migration.up(&SchemaManager::new(&txn)).await?;
        let applied_at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        seaql_migrations::ActiveModel {
            version: ActiveValue::Set(name.clone()),
            applied_at: ActiveValue::Set(applied_at),
        }
        .insert(&txn)
        .await?;
        // Until this commit nothing of the migration is visible or durable;
        // an error above drops `txn`, which rolls it back.
        txn.commit().await?;
        applied.push(name);
    }
    Ok(applied)
}
