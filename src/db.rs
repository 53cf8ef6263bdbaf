//! Connecting to the database (SQLite or PostgreSQL, same code) and migrating it.
use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// Opens a pool. SQLite gets WAL, a busy timeout and enforced foreign keys,
/// and more than sea-orm's default single connection.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
        options.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
        // Two processes opening a brand-new file at once: switching it to WAL
        // needs a lock SQLite does not wait for, so the loser is told
        // "database is locked" at once. Retry within the busy timeout.
        let mut waited = Duration::ZERO;
        loop {
            match Database::connect(options.clone()).await {
                Err(error) if is_locked(&error) && waited < Duration::from_secs(5) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    waited += Duration::from_millis(50);
                }
                other => return other,
            }
        }
    }
    Database::connect(options).await
}

fn is_locked(error: &DbErr) -> bool {
    let text = error.to_string();
    text.contains("database is locked") || text.contains("(code: 5)")
}

/// Applies every pending migration, each in one transaction together with
/// its record, so a process killed mid-way leaves nothing half-applied (see
/// `migration::apply_pending`).
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    for name in migration::apply_pending(db).await? {
        tracing::info!("applied migration {name}");
    }
    Ok(())
}

/// True when the database answers a trivial query (for `/healthz`).
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// Serialises start-up work (migrating, first seeding) across app instances
/// that start together on one PostgreSQL database: a session-level advisory
/// lock held in a transaction on a connection of its own, outside the app's
/// pool, so the work it guards can use the whole pool (even a pool of one).
/// A killed process drops its connection and with it the lock. SQLite needs
/// none: migrations take the write lock one at a time and re-check what is
/// applied, and seeding is one transaction whose callers re-check after a
/// lost race.
pub struct SetupLock {
    held: Option<(DatabaseConnection, sea_orm::DatabaseTransaction)>,
}

/// An arbitrary constant naming GDE Tracker's start-up lock.
const SETUP_LOCK_KEY: i64 = 0x6764_655f_7365_7475;

impl SetupLock {
    pub async fn acquire(db: &DatabaseConnection, url: &str) -> Result<SetupLock, DbErr> {
        use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(SetupLock { held: None });
        }
        let own = connect(url, 1).await?;
        let txn = own.begin().await?;
        txn.execute_unprepared(&format!("SELECT pg_advisory_lock({SETUP_LOCK_KEY})"))
            .await?;
        Ok(SetupLock {
            held: Some((own, txn)),
        })
    }

    pub async fn release(self) -> Result<(), DbErr> {
        use sea_orm::ConnectionTrait;
        if let Some((own, txn)) = self.held {
            txn.execute_unprepared(&format!("SELECT pg_advisory_unlock({SETUP_LOCK_KEY})"))
                .await?;
            txn.commit().await?;
            own.close().await?;
        }
        Ok(())
    }
}
