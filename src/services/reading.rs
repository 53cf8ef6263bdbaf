//! Reads that span several tables see all of them at one moment, so the
//! figures on a page agree with each other even while others write.
use sea_orm::{
    AccessMode, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, IsolationLevel,
    TransactionTrait,
};

/// A read-only transaction over one snapshot of the database: REPEATABLE
/// READ on PostgreSQL (READ COMMITTED would give each statement its own);
/// on SQLite a read transaction is one snapshot already.
pub async fn consistent(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await
        }
        _ => db.begin().await,
    }
}

/// The version of the programme's data: it grows with every committed
/// writing transaction, made through any app instance, so an answer
/// computed from one version holds until the number changes.
pub async fn data_version(db: &DatabaseConnection) -> Result<i64, DbErr> {
    crate::store::history::data_version(db).await
}
