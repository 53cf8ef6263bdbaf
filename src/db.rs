//! Connecting to the database (SQLite or PostgreSQL, same code) and migrating it.
use std::path::{Path, PathBuf};
use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// Opens a pool. SQLite gets WAL, a busy timeout and enforced foreign keys,
/// and more than sea-orm's default single connection.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, max_connections, None).await
}

/// `connect`, with SQLite's `create_if_missing` overridden when `create` is set.
async fn connect_with(
    url: &str,
    max_connections: u32,
    create: Option<bool>,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
        options.map_sqlx_sqlite_opts(move |o| {
            let o = match create {
                Some(create) => o.create_if_missing(create),
                None => o,
            };
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
                // Rows cross from SQLite's thread to ours through this
                // channel: room for more lets the reader run ahead instead
                // of waking us for every few rows (snapshot reads stream
                // hundreds of thousands).
                .row_buffer_size(1024)
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

/// Why the database could not be opened, in words for the person running
/// the command: each says where it looked, once, and what was wrong there.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// A command that only reads found no SQLite file (and created none).
    #[error("there is no database at {}", .path.display())]
    Missing { path: PathBuf },
    #[error(
        "cannot open the database {}: the folder {} does not exist",
        .path.display(),
        .folder.display()
    )]
    FolderMissing { path: PathBuf, folder: PathBuf },
    #[error(
        "cannot open the database {}: {} is not a folder",
        .path.display(),
        .folder.display()
    )]
    NotAFolder { path: PathBuf, folder: PathBuf },
    #[error(
        "cannot open the database {}: the folder {} is not writable \
         (SQLite writes the database and its -wal and -shm files there)",
        .path.display(),
        .folder.display()
    )]
    FolderNotWritable { path: PathBuf, folder: PathBuf },
    #[error(
        "cannot open the database {}: the file is not readable and writable by this user",
        .path.display()
    )]
    FileNotWritable { path: PathBuf },
    #[error(
        "cannot connect to PostgreSQL at {url}: connection refused by {address} \
         (is the server running, and are the host and port right?)"
    )]
    Refused { url: String, address: String },
    #[error("cannot connect to PostgreSQL at {url}: no answer from {address} within {seconds} s")]
    NoAnswer {
        url: String,
        address: String,
        seconds: u64,
    },
    #[error("cannot open the database at {url}: {cause}")]
    Other { url: String, cause: String },
}

/// How long `open` keeps trying a PostgreSQL server that refuses connections
/// (it may be starting), and the most it waits for any one attempt.
const REFUSED_RETRY_FOR: Duration = Duration::from_millis(2000);
const FIRST_CONNECTION_TIMEOUT: Duration = Duration::from_secs(3);

/// The SQLite file a `sqlite:` URL names, made absolute against the working
/// directory; `None` for an in-memory database or another kind of URL.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    use std::str::FromStr;
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let options = sea_orm::sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
    let file = options.get_filename();
    std::path::absolute(file).ok()
}

/// `connect` for the command line, with errors that say plainly what is
/// wrong. With `may_create` false a missing SQLite file is refused (and not
/// created). A PostgreSQL server is tried once directly first, so that
/// "connection refused" is said within about two seconds instead of after
/// the pool's ten-second wait, which ends only in "pool timed out".
pub async fn open(
    url: &str,
    max_connections: u32,
    may_create: bool,
) -> Result<DatabaseConnection, OpenError> {
    let shown = crate::config::redact_password(url);
    if let Some(path) = sqlite_path(url) {
        if !may_create && !path.exists() {
            return Err(OpenError::Missing { path });
        }
        // Never create the file unless allowed, whatever the URL's `mode` says.
        let create = (!may_create).then_some(false);
        return connect_with(url, max_connections, create)
            .await
            .map_err(|error| explain_sqlite(&path, &shown, &error));
    }
    if url.starts_with("postgres") {
        first_postgres_connection(url, &shown).await?;
    }
    connect(url, max_connections)
        .await
        .map_err(|error| OpenError::Other {
            url: shown,
            cause: innermost(&error),
        })
}

/// Says which of the usual reasons stopped SQLite: a missing or read-only
/// folder, or a file this user may not write; otherwise the cause, once.
fn explain_sqlite(path: &Path, shown_url: &str, error: &DbErr) -> OpenError {
    let folder = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"));
    let path = path.to_path_buf();
    if !folder.exists() {
        return OpenError::FolderMissing { path, folder };
    }
    if !folder.is_dir() {
        return OpenError::NotAFolder { path, folder };
    }
    if !folder_is_writable(&folder) {
        return OpenError::FolderNotWritable { path, folder };
    }
    if path.exists()
        && std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .is_err()
    {
        return OpenError::FileNotWritable { path };
    }
    if !path.exists() && !shown_url.contains("mode=rwc") {
        return OpenError::Other {
            url: shown_url.to_owned(),
            cause: format!(
                "there is no file {} and the URL does not allow creating one (add ?mode=rwc)",
                path.display()
            ),
        };
    }
    OpenError::Other {
        url: shown_url.to_owned(),
        cause: innermost(error),
    }
}

/// Whether a file can be created in `folder` (checked by creating one, since
/// permission bits do not tell the whole story: root, ACLs, read-only mounts).
fn folder_is_writable(folder: &Path) -> bool {
    let probe = folder.join(format!(".gde-write-check-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            true
        }
        Err(error) => error.kind() == std::io::ErrorKind::AlreadyExists,
    }
}

/// One direct connection, retried while the server refuses for up to two
/// seconds (it may be starting), each attempt given at most three seconds.
async fn first_postgres_connection(url: &str, shown_url: &str) -> Result<(), OpenError> {
    use sea_orm::sqlx::postgres::PgConnectOptions;
    use sea_orm::sqlx::{ConnectOptions as _, Connection as _};
    use std::str::FromStr;
    let other = |cause: String| OpenError::Other {
        url: shown_url.to_owned(),
        cause,
    };
    let options = PgConnectOptions::from_str(url).map_err(|e| other(innermost(&e)))?;
    let address = match options.get_socket() {
        Some(socket) => socket.display().to_string(),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    };
    let started = tokio::time::Instant::now();
    let mut backoff = Duration::from_millis(50);
    loop {
        match tokio::time::timeout(FIRST_CONNECTION_TIMEOUT, options.connect()).await {
            Ok(Ok(connection)) => {
                let _ = connection.close().await;
                return Ok(());
            }
            Ok(Err(sea_orm::sqlx::Error::Io(error)))
                if error.kind() == std::io::ErrorKind::ConnectionRefused =>
            {
                if started.elapsed() + backoff > REFUSED_RETRY_FOR {
                    return Err(OpenError::Refused {
                        url: shown_url.to_owned(),
                        address,
                    });
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_millis(500));
            }
            Ok(Err(error)) => return Err(other(innermost(&error))),
            Err(_) => {
                return Err(OpenError::NoAnswer {
                    url: shown_url.to_owned(),
                    address,
                    seconds: FIRST_CONNECTION_TIMEOUT.as_secs(),
                });
            }
        }
    }
}

/// The deepest cause's own words: sea-orm's and sqlx's wrappers repeat
/// their source's text in their own, so printing the chain says it twice.
pub fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    use sea_orm::sqlx::error::DatabaseError;
    let mut deepest = error;
    while let Some(source) = deepest.source() {
        deepest = source;
    }
    // The server's own message: PostgreSQL's errors otherwise end "at line
    // N", a line of the server's source code.
    if let Some(error) = deepest.downcast_ref::<Box<dyn DatabaseError>>() {
        return error.message().to_owned();
    }
    deepest.to_string()
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
