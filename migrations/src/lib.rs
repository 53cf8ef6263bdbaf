//! Schema migrations for GDE Tracker. One file per schema change, append-only:
//! never edit a migration that has landed; add a new one.
pub use sea_orm_migration::prelude::*;

mod m20261122_000001_initial_schema;
mod m20261122_000002_audit_append_only;
mod m20261122_000003_change_control;
mod m20261130_230000_sign_in_failures;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_initial_schema::Migration),
            Box::new(m20261122_000002_audit_append_only::Migration),
            Box::new(m20261122_000003_change_control::Migration),
            Box::new(m20261130_230000_sign_in_failures::Migration),
        ]
    }
}
