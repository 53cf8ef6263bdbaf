//! Faults at start-up: the real `gde` binary killed with SIGKILL while it
//! migrates, seeds, or starts serving an empty database, many times over;
//! every later command must still work and the data must be complete.
//!
//! Runs on SQLite (a temporary file per attempt), or on PostgreSQL (a fresh
//! database per attempt) when GDE_TEST_POSTGRES_URL is set.
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gde::domain::participant::Role;
use gde::entities::*;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

/// Participants and global digital exemplars in the shipped seed data.
const PARTICIPANTS: u64 = 38;
const EXEMPLARS: u64 = 26;

/// An empty, unmigrated database; removed (SQLite) when dropped.
pub struct Scratch {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

pub async fn scratch() -> Scratch {
    match std::env::var("GDE_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(admin_url) => {
            use std::sync::atomic::{AtomicU32, Ordering};
            static COUNTER: AtomicU32 = AtomicU32::new(0);
            let name = format!(
                "gde_faults_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst)
            );
            let admin = gde::db::connect(&admin_url, 1).await.expect("PostgreSQL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create a scratch database");
            admin.close().await.ok();
            let base = admin_url.rsplit_once('/').expect("a database URL").0;
            Scratch {
                url: format!("{base}/{name}"),
                _dir: None,
            }
        }
        None => {
            let dir = tempfile::tempdir().expect("temporary folder");
            Scratch {
                url: format!("sqlite://{}?mode=rwc", dir.path().join("gde.db").display()),
                _dir: Some(dir),
            }
        }
    }
}

fn gde(url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gde"));
    command
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "error")
        .env("GDE_AUTO_SEED", "true")
        .env_remove("GDE_BIND")
        .env_remove("GDE_DB_MAX_CONNECTIONS")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// Runs `gde args…` to completion; panics with its output if it fails.
fn run_ok(url: &str, args: &[&str]) -> Duration {
    let started = Instant::now();
    let output = gde(url, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run gde");
    assert!(
        output.status.success(),
        "gde {} failed after the kills:\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    started.elapsed()
}

/// Starts `gde args…` and kills it with SIGKILL after `delay`. True when it
/// was still running at that moment (false: it had already finished).
fn kill_after(url: &str, args: &[&str], delay: Duration) -> bool {
    let mut child = gde(url, args).spawn().expect("start gde");
    std::thread::sleep(delay);
    let running = child.try_wait().expect("poll gde").is_none();
    child.kill().ok(); // SIGKILL on Unix
    child.wait().expect("reap gde");
    running
}

/// The programme data is all there or not there at all.
async fn assert_all_or_nothing(url: &str, after: &str) {
    let db = gde::db::connect(url, 1).await.expect("open the database");
    // Before the first migration is recorded the tables may not exist yet.
    if let Ok(participants) = Participants::find().count(&db).await {
        assert!(
            participants == 0 || participants == PARTICIPANTS,
            "{after}: {participants} participants, expected 0 or {PARTICIPANTS}"
        );
    }
    db.close().await.ok();
}

async fn assert_fully_migrated(url: &str) {
    use migration::MigratorTrait;
    let db = gde::db::connect(url, 1).await.expect("open the database");
    let applied = migration::Migrator::get_applied_migrations(&db)
        .await
        .unwrap();
    assert_eq!(applied.len(), migration::Migrator::migrations().len());
    assert_eq!(Organisations::find().count(&db).await.unwrap(), 0);
    assert_eq!(AuditEvents::find().count(&db).await.unwrap(), 0);
    db.close().await.ok();
}

async fn assert_complete(url: &str) {
    let db = gde::db::connect(url, 1).await.expect("open the database");
    assert_eq!(Participants::find().count(&db).await.unwrap(), PARTICIPANTS);
    let exemplars = Participants::find()
        .filter(participant::Column::Role.eq(Role::GlobalDigitalExemplar.code()))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(exemplars, EXEMPLARS);
    // The seed's own audit event was written exactly once.
    assert_eq!(
        AuditEvents::find()
            .filter(audit_event::Column::Action.eq("seed.load"))
            .count(&db)
            .await
            .unwrap(),
        1
    );
    db.close().await.ok();
}

fn calibration_is_postgres() -> bool {
    std::env::var("GDE_TEST_POSTGRES_URL").is_ok_and(|s| !s.is_empty())
}

/// `spread(i, n, total)`: the i-th of n moments spread over the first 90%
/// of `total` (later runs tend to be quicker than the calibration run).
fn spread(i: u32, n: u32, total: Duration) -> Duration {
    total.mul_f64(0.9 * (f64::from(i) + 0.5) / f64::from(n))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_migrate_seed_and_first_start_then_start_normally() {
    // How long each command takes uninterrupted on this machine and backend.
    let calibration = scratch().await;
    let migrate_time = run_ok(&calibration.url, &["migrate"]);
    drop(calibration);
    let calibration = scratch().await;
    let seed_time = run_ok(&calibration.url, &["seed"]);
    drop(calibration);

    let (mut kills, mut mid_run) = (0, 0);
    // Each phase kills a command a few times on each of `rounds` fresh
    // databases. PostgreSQL seeds ~10x slower here, so it gets one round.
    let rounds: u32 = if calibration_is_postgres() { 1 } else { 3 };

    // 1. `gde migrate` killed on a fresh database at a moment spread over its
    //    run, then run to the end: every migration is recorded and every
    //    table readable.
    let migrate_kills = 4 * rounds;
    for i in 0..migrate_kills {
        let db = scratch().await;
        kills += 1;
        let delay = spread(i, migrate_kills, migrate_time);
        mid_run += u32::from(kill_after(&db.url, &["migrate"], delay));
        run_ok(&db.url, &["migrate"]);
        assert_fully_migrated(&db.url).await;
    }

    // 2. `gde seed` (which migrates first) killed three times on one
    //    database at moments spread over its whole run; after each kill the
    //    data is all there or not at all; then it is seeded normally.
    let seed_kills = 3 * rounds;
    for i in (0..seed_kills).step_by(3) {
        let db = scratch().await;
        for j in i..i + 3 {
            let delay = spread(j, seed_kills, seed_time);
            kills += 1;
            mid_run += u32::from(kill_after(&db.url, &["seed"], delay));
            assert_all_or_nothing(&db.url, &format!("gde seed killed after {delay:?}")).await;
        }
        run_ok(&db.url, &["migrate"]);
        run_ok(&db.url, &["seed"]);
        assert_complete(&db.url).await;
    }

    // 3. A first `gde serve` (migrate, then seed the empty database) killed
    //    twice while it prepares the database; then a normal migrate and seed.
    let serve_kills = 2 * rounds;
    for i in (0..serve_kills).step_by(2) {
        let db = scratch().await;
        for j in i..i + 2 {
            let delay = spread(j, serve_kills, seed_time);
            kills += 1;
            // `serve` never finishes by itself: it is always killed running.
            kill_after(&db.url, &["serve", "--bind", "127.0.0.1:0"], delay);
            mid_run += 1;
            assert_all_or_nothing(&db.url, &format!("gde serve killed after {delay:?}")).await;
        }
        run_ok(&db.url, &["migrate"]);
        run_ok(&db.url, &["seed"]);
        assert_complete(&db.url).await;
    }

    eprintln!(
        "{kills} kills ({mid_run} while the command was still running); \
         migrate takes {migrate_time:?}, seed {seed_time:?}"
    );
    // Most kills must land while the command is at work, or the test proves
    // little (timing on a loaded machine varies, hence only "most").
    assert!(
        mid_run * 2 >= kills,
        "{mid_run} of {kills} kills hit a running command"
    );
}

#[tokio::test]
async fn two_first_seeds_at_once_both_succeed_and_load_the_data_once() {
    let db = scratch().await;
    let started: Vec<_> = (0..2)
        .map(|_| {
            gde(&db.url, &["seed"])
                .stderr(Stdio::piped())
                .spawn()
                .expect("start gde")
        })
        .collect();
    for child in started {
        let output = child.wait_with_output().expect("gde runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // Once: the seed's single audit event, every participant once.
    assert_complete(&db.url).await;
}
