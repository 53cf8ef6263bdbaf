//! Batch jobs and the server, as `gde <command>`.
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::{Config, redact_password};
use crate::seed::{SeedOptions, SeedSet};
use crate::services::interchange::Kind;

mod export;
mod generate;
mod import;
mod report;
mod token;
mod user;

#[derive(Debug, Parser)]
#[command(
    name = "gde",
    version,
    about = "GDE Tracker: the record of a national digital-exemplar funding programme",
    long_about = "GDE Tracker: the record of a national digital-exemplar funding programme.\n\n\
                  Configuration comes from the environment (DATABASE_URL, GDE_BIND, \
                  GDE_AUTO_SEED, GDE_DB_MAX_CONNECTIONS, GDE_TRUSTED_PROXIES, GDE_SIGNIN_*, \
                  GDE_REQUEST_TIMEOUT_SECS, GDE_LOG_FORMAT, RUST_LOG, …); see README.md \
                  and .env.example."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web application. An empty database is migrated and seeded first.
    Serve {
        /// Address to listen on (overrides GDE_BIND; default 127.0.0.1:3000).
        #[arg(long, value_name = "ADDR:PORT")]
        bind: Option<String>,
    },
    /// Apply pending schema migrations to DATABASE_URL.
    Migrate,
    /// Load the programme's seed data (migrating first). Running it twice changes nothing.
    Seed {
        /// Read the CSV files from this folder instead of the copy built into the binary.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Load only the confirmed programme facts, not the illustrative set.
        #[arg(long)]
        confirmed_only: bool,
    },
    /// Write a synthetic programme as seed CSVs (load it with `gde seed --dir DIR`).
    /// The same options give byte-identical files; every row is marked synthetic.
    Generate {
        /// How many participants (ODS codes Z0000, Z0001, …).
        #[arg(long, default_value_t = 1000)]
        participants: u32,
        /// Milestones per participant.
        #[arg(long, default_value_t = 10)]
        milestones_per_participant: u32,
        /// Quarterly reporting periods from April 2017.
        #[arg(long, default_value_t = 12)]
        periods: u32,
        /// Seed of the pseudo-random generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Folder to write the files into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Produce reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Export records for other systems.
    #[command(subcommand)]
    Export(ExportCommand),
    /// API tokens for the JSON API (/api/v1).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Import a spreadsheet (CSV) of records, all or nothing: every row is checked
    /// first and every problem listed (line, column, value, reason); nothing is
    /// written unless every row is good. Exports of the same kind import unchanged.
    Import {
        /// What the file holds (its header row must match `gde export <kind> --template`).
        #[arg(value_parser = import::kind_codes())]
        kind: String,
        /// The CSV file (UTF-8, with or without BOM; at most 256 MiB).
        file: PathBuf,
        /// Check everything and say what each row would do, but write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// `gde export <kind>` for the spreadsheet kinds.
#[derive(Debug, clap::Args)]
pub struct RecordExportArgs {
    /// File to write; default standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Write the import template instead: the header row and one example row.
    #[arg(long)]
    template: bool,
    /// Return lines: the return's period, as in its address (2020-21-q3).
    #[arg(long)]
    period: Option<String>,
    /// Return lines: the trust's ODS code.
    #[arg(long, value_name = "ODS")]
    ods: Option<String>,
}

/// `gde export participants`: the record export's options and the
/// participants list page's filters.
#[derive(Debug, clap::Args)]
pub struct ParticipantExportArgs {
    #[command(flatten)]
    records: RecordExportArgs,
    /// Only participants of this role, as on the participants list
    /// (global_digital_exemplar, fast_follower).
    #[arg(long, value_name = "ROLE")]
    role: Option<String>,
    /// Only participants of this sector (acute, mental_health, community, ambulance).
    #[arg(long, value_name = "SECTOR")]
    sector: Option<String>,
    /// Only participants in this NHS England region, by code (Y56 London, …).
    #[arg(long, value_name = "CODE")]
    region: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make an API token for an account; it acts as that account (same role and
    /// organisation) and stops working if the account is disabled. The token is
    /// printed once, on standard output; only its hash is stored.
    Create {
        /// The account's sign-in email address.
        #[arg(long, value_name = "EMAIL")]
        user: String,
        /// What the token is for (shown on the account's token page).
        #[arg(long, default_value = "command line")]
        name: String,
        /// The last day it works (YYYY-MM-DD, UTC); default: until revoked.
        #[arg(long, value_name = "YYYY-MM-DD")]
        expires: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The awards as a 360Giving data package (JSON, standard 1.4): one grant per
    /// allocation, a disbursement per released tranche. Refuses a missing or empty database.
    #[command(name = "360giving")]
    Giving360 {
        /// File to write; default standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Your registered 360Giving prefix, without `360G-`.
        #[arg(long, env = "GDE_360G_PREFIX", default_value = "")]
        prefix: String,
        /// The funder's org-id (org-id.guide), e.g. GB-GOR-….
        #[arg(long, env = "GDE_360G_FUNDER_ID", default_value = "")]
        funder_id: String,
        /// The funder's name.
        #[arg(long, env = "GDE_360G_FUNDER_NAME", default_value = "NHS England")]
        funder_name: String,
        /// Illustrative (invented) records: `exclude` them, or `flag` them as illustrative.
        #[arg(long, env = "GDE_360G_ILLUSTRATIVE", default_value = "exclude")]
        illustrative: String,
    },
    /// Milestones as CSV (the headers `gde import milestones` reads).
    Milestones(RecordExportArgs),
    /// Milestone progress as CSV (the headers `gde import milestone-progress` reads).
    #[command(name = "milestone-progress")]
    MilestoneProgress(RecordExportArgs),
    /// One return's milestone lines as CSV (needs --period and --ods).
    #[command(name = "return-lines")]
    ReturnLines(RecordExportArgs),
    /// Allocations with their profiles as CSV (the headers `gde import allocations` reads).
    Allocations(RecordExportArgs),
    /// Tranches as CSV (the headers `gde import tranches` reads).
    Tranches(RecordExportArgs),
    /// Participants with their pairings as CSV (the headers `gde import participants` reads),
    /// through the participants list's filters: --role, --sector, --region.
    Participants(ParticipantExportArgs),
    /// Partner organisations as CSV (the headers `gde import partners` reads).
    Partners(RecordExportArgs),
    /// Partnerships as CSV (the headers `gde import partnerships` reads).
    Partnerships(RecordExportArgs),
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Write the ministers' briefing pack: index.html, figures.csv, and each chart as PNG, SVG and CSV.
    /// Refuses a missing or empty database.
    Briefing {
        /// Figures as they stood at the end of this day (YYYY-MM-DD, today or earlier); default today.
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_at: Option<String>,
        /// Folder to write into; default reports/briefing-<date>/.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account. Without --password-stdin a strong password is generated and printed once.
    Add {
        /// Sign-in email address.
        #[arg(long)]
        email: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// programme-office, trust-reporter or briefing-reader.
        #[arg(long, value_parser = role_codes())]
        role: String,
        /// ODS code of the organisation a trust reporter reports for.
        #[arg(long, value_name = "ODS")]
        organisation: Option<String>,
        /// Read the password from standard input (first line) instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (also unlocks the account and signs it out everywhere).
    SetPassword {
        #[arg(long)]
        email: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account: it can no longer sign in, and its sessions stop working.
    /// Disabling an account that is already disabled changes nothing and succeeds.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled account so it can sign in again with its password.
    /// Enabling an account that is not disabled changes nothing and succeeds.
    Enable {
        #[arg(long)]
        email: String,
    },
}

/// The roles `--role` accepts, listed by clap when another is given.
fn role_codes() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        crate::domain::access::UserRole::ALL
            .iter()
            .map(|role| role.code()),
    )
}

/// What to do when a command finds no programme to read (after "Load it first" or
/// "Create and load it first").
const WITH_SEED: &str = "with `gde seed` or `gde serve` \
     (from a source checkout: `cargo run --release -- seed`), \
     or set DATABASE_URL to the database you mean.";

/// Whether a command may create a missing SQLite database file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Open {
    /// `serve`, `migrate`, `seed`, `user add`: starting a database is their job.
    MayCreate,
    /// Everything else: a missing file is a mistake (usually the wrong
    /// folder or DATABASE_URL), so say so rather than make an empty one.
    Existing,
}

/// Logs to standard error: readable lines (coloured only on a terminal) or,
/// with `GDE_LOG_FORMAT=json`, one JSON object per line. Each line inside a
/// request carries the request's span (id, method, path, user).
pub fn init_tracing(config: &Config) {
    use crate::config::LogFormat;
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    // Validated when the configuration was read.
    let filter = EnvFilter::builder().parse_lossy(&config.log_filter);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match config.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(true)
            .try_init(),
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
    };
}

/// Runs one command with the configuration read at start (`Config::from_env`).
pub async fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { bind } => {
            let bind: SocketAddr = match bind {
                Some(text) => crate::config::parse_bind("--bind", &text)?,
                None => config.bind,
            };
            serve(config, bind).await
        }
        Command::Migrate => {
            let db = connect(&config, Open::MayCreate).await?;
            crate::db::migrate(&db)
                .await
                .context("migrating the database")?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::Seed {
            dir,
            confirmed_only,
        } => {
            let db = connect(&config, Open::MayCreate).await?;
            crate::db::migrate(&db)
                .await
                .context("migrating the database")?;
            let set = match dir {
                Some(dir) => SeedSet::from_dir(&dir)?,
                None => SeedSet::embedded(),
            };
            let options = SeedOptions {
                include_illustrative: !confirmed_only,
            };
            let report = crate::seed::load(&db, &set, options).await?;
            println!("{report}");
            Ok(())
        }
        Command::Generate {
            participants,
            milestones_per_participant,
            periods,
            seed,
            out,
        } => generate::run(
            &crate::generate::Options {
                participants,
                milestones_per_participant,
                periods,
                seed,
            },
            &out,
        ),
        Command::Report(ReportCommand::Briefing { as_at, out }) => {
            // The same rule as the dashboard's `as_at`, checked before the database is opened.
            let today = time::OffsetDateTime::now_utc().date();
            let as_at = crate::domain::as_at::parse_as_at(as_at.as_deref(), today)
                .map_err(|error| anyhow::anyhow!("--as-at: {error}"))?;
            let db = read_programme(&config).await?;
            report::briefing(&db, as_at, out).await
        }
        Command::Export(ExportCommand::Giving360 {
            out,
            prefix,
            funder_id,
            funder_name,
            illustrative,
        }) => {
            let db = read_programme(&config).await?;
            let args = export::Giving360Args {
                out,
                prefix,
                funder_id,
                funder_name,
                illustrative,
            };
            export::giving360(&db, args).await
        }
        Command::Export(ExportCommand::Milestones(args)) => {
            export_records(&config, Kind::Milestones, args).await
        }
        Command::Export(ExportCommand::MilestoneProgress(args)) => {
            export_records(&config, Kind::MilestoneProgress, args).await
        }
        Command::Export(ExportCommand::ReturnLines(args)) => {
            export_records(&config, Kind::ReturnLines, args).await
        }
        Command::Export(ExportCommand::Allocations(args)) => {
            export_records(&config, Kind::Allocations, args).await
        }
        Command::Export(ExportCommand::Tranches(args)) => {
            export_records(&config, Kind::Tranches, args).await
        }
        Command::Export(ExportCommand::Participants(args)) => {
            let list = crate::services::interchange::ListFilterValues {
                role: args.role.unwrap_or_default(),
                sector: args.sector.unwrap_or_default(),
                region: args.region.unwrap_or_default(),
            };
            export_listed_records(&config, Kind::Participants, args.records, list).await
        }
        Command::Export(ExportCommand::Partners(args)) => {
            export_records(&config, Kind::Partners, args).await
        }
        Command::Export(ExportCommand::Partnerships(args)) => {
            export_records(&config, Kind::Partnerships, args).await
        }
        Command::Import {
            kind,
            file,
            dry_run,
        } => {
            let db = read_programme(&config).await?;
            import::run(&db, &kind, &file, dry_run, config.rating_scale).await
        }
        Command::User(command) => {
            let open = match command {
                UserCommand::Add { .. } => Open::MayCreate,
                _ => Open::Existing,
            };
            let db = connect(&config, open).await?;
            crate::db::migrate(&db)
                .await
                .context("migrating the database")?;
            user::run(&db, command).await
        }
        Command::Token(command) => {
            let db = connect(&config, Open::Existing).await?;
            crate::db::migrate(&db)
                .await
                .context("migrating the database")?;
            token::run(&db, command).await
        }
    }
}

async fn export_records(config: &Config, kind: Kind, args: RecordExportArgs) -> anyhow::Result<()> {
    let list = crate::services::interchange::ListFilterValues::default();
    export_listed_records(config, kind, args, list).await
}

/// As `export_records`, through the participants list's filters (checked
/// before anything is opened; a bad value names its option).
async fn export_listed_records(
    config: &Config,
    kind: Kind,
    args: RecordExportArgs,
    list: crate::services::interchange::ListFilterValues,
) -> anyhow::Result<()> {
    let list = list
        .parse()
        .map_err(|e| anyhow::anyhow!("--{}: {}", e.filter, e.reason))?;
    if args.template {
        return export::records_template(kind, args.out);
    }
    let db = read_programme(config).await?;
    export::records(&db, kind, args.out, args.period, args.ods, &list).await
}

/// Opens DATABASE_URL; each failure is one plain sentence saying where it
/// looked and what was wrong (see `db::OpenError`).
async fn connect(config: &Config, open: Open) -> anyhow::Result<sea_orm::DatabaseConnection> {
    use crate::db::OpenError;
    let may_create = open == Open::MayCreate;
    match crate::db::open(&config.database_url, config.max_connections, may_create).await {
        Ok(db) => Ok(db),
        Err(error @ OpenError::Missing { .. }) => Err(anyhow::anyhow!(
            "{error} (this command does not create one).\nCreate and load it first {WITH_SEED}"
        )),
        Err(error) => Err(anyhow::anyhow!("{error}")),
    }
}

/// For commands that only read the programme: an existing database that
/// holds it, brought up to date. A missing or empty one is refused, saying
/// where it looked, rather than reported on as an all-zero programme.
async fn read_programme(config: &Config) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let db = connect(config, Open::Existing).await?;
    // A database nothing has migrated has no tables: empty, and left unmigrated.
    let migrated = migration::SchemaManager::new(&db)
        .has_table("participants")
        .await
        .context("looking for the programme's tables")?;
    if migrated {
        crate::db::migrate(&db)
            .await
            .context("migrating the database")?;
    }
    if !migrated || crate::seed::is_empty(&db).await? {
        let place = match crate::db::sqlite_path(&config.database_url) {
            Some(path) => path.display().to_string(),
            None => redact_password(&config.database_url),
        };
        anyhow::bail!(
            "the database at {place} holds no programme yet (no organisations or participants).\n\
             Load it first {WITH_SEED}"
        );
    }
    Ok(db)
}

async fn serve(config: Config, bind: SocketAddr) -> anyhow::Result<()> {
    let db = connect(&config, Open::MayCreate).await?;
    prepare(&db, &config.database_url, config.auto_seed).await?;
    if crate::services::users::none_exist(&db).await? {
        tracing::warn!(
            "no user accounts yet: create the first programme-office account with\n    \
             gde user add --email you@example.nhs.uk --name \"Your Name\" --role programme-office\n\
             or, from a source checkout,\n    \
             cargo run --release -- user add --email you@example.nhs.uk --name \"Your Name\" \
             --role programme-office\n\
             It prints a generated password; add --password-stdin to supply your own."
        );
    }
    // Expired sessions are filtered on load, and stale sign-in failure counts
    // restart on the next failure; this sweeps both kinds of row away hourly.
    let sweeper = crate::auth::session_store::DbSessionStore::new(db.clone());
    let sweep_db = db.clone();
    let sign_in_policy = config.sign_in;
    tokio::spawn(async move {
        use tower_sessions::session_store::ExpiredDeletion;
        let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every_hour.tick().await;
            if let Err(error) = sweeper.delete_expired().await {
                tracing::warn!(%error, "could not delete expired sessions");
            }
            let now = time::OffsetDateTime::now_utc();
            if let Err(error) =
                crate::services::sign_in::sweep_failures(&sweep_db, &sign_in_policy, now).await
            {
                tracing::warn!(%error, "could not delete old sign-in failure counts");
            }
        }
    });
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("could not listen on {bind}"))?;
    let address = listener.local_addr()?;
    tracing::info!(
        "GDE Tracker is listening on http://{address}/ (database {})",
        redact_password(&config.database_url)
    );
    let app = crate::http::router(crate::http::AppState::new(db, config));
    // The peer address feeds sign-in throttling (see GDE_TRUSTED_PROXIES).
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("serving HTTP")?;
    Ok(())
}

/// Migrates, and seeds an empty database, once even when several instances
/// start together. Each migration and the seed are one transaction each, so
/// a process killed at any moment leaves the database as it was before that
/// step or after it, and the next start carries on.
async fn prepare(
    db: &sea_orm::DatabaseConnection,
    url: &str,
    auto_seed: bool,
) -> anyhow::Result<()> {
    let lock = crate::db::SetupLock::acquire(db, url)
        .await
        .context("taking the start-up lock")?;
    crate::db::migrate(db)
        .await
        .context("migrating the database")?;
    if auto_seed && crate::seed::is_empty(db).await? {
        tracing::info!("empty database: loading the programme's seed data");
        match crate::seed::load(db, &SeedSet::embedded(), SeedOptions::default()).await {
            Ok(report) => tracing::info!("{report}"),
            // Another instance on the same SQLite file got there first.
            Err(_) if !crate::seed::is_empty(db).await? => {
                tracing::info!("another instance loaded the seed data")
            }
            Err(error) => return Err(error.into()),
        }
    }
    lock.release()
        .await
        .context("releasing the start-up lock")?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
