//! The command line as a person meets it: the real `gde` binary run in
//! temporary folders, its exact messages and exit codes. Commands that only
//! read the programme refuse a missing or empty database (and create none);
//! account commands say what they did; database errors say plainly, once,
//! what is wrong. Databases on the backend under test where it matters
//! (GDE_TEST_POSTGRES_URL), SQLite files where the file is the point.
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{READER, TestApp, fresh_db};

/// What the read-only commands say after the place they looked.
const CREATE_AND_LOAD: &str = "Create and load it first with `gde seed` or `gde serve` \
     (from a source checkout: `cargo run --release -- seed`), \
     or set DATABASE_URL to the database you mean.\n";
const LOAD: &str = "Load it first with `gde seed` or `gde serve` \
     (from a source checkout: `cargo run --release -- seed`), \
     or set DATABASE_URL to the database you mean.\n";

/// `gde args…` in `dir` with only `DATABASE_URL` set (when given), logs
/// limited to errors, `stdin` as its standard input.
fn gde(dir: &Path, url: Option<&str>, args: &[&str], stdin: &str) -> Output {
    gde_via(None, dir, url, args, stdin)
}

/// As `gde`, optionally run as another user (through `runuser -u`).
fn gde_via(
    user: Option<&str>,
    dir: &Path,
    url: Option<&str>,
    args: &[&str],
    stdin: &str,
) -> Output {
    use std::io::Write;
    let binary = env!("CARGO_BIN_EXE_gde");
    let mut command = match user {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", user, "--", binary]);
            c
        }
        None => Command::new(binary),
    };
    command
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("GDE_BIND")
        .env_remove("GDE_DB_MAX_CONNECTIONS")
        .env_remove("GDE_AUTO_SEED")
        .env("RUST_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = url {
        command.env("DATABASE_URL", url);
    }
    let mut child = command.spawn().expect("start gde");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("run gde")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Exit code, standard output and standard error, for one assertion.
fn outcome(output: &Output) -> (Option<i32>, String, String) {
    (output.status.code(), stdout(output), stderr(output))
}

/// The names in a folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read folder")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into())
        .collect();
    names.sort();
    names
}

/// Where the error messages say a database is: the SQLite file's absolute
/// path, or the URL with its password hidden.
fn place(url: &str) -> String {
    gde::db::sqlite_path(url)
        .map(|path| path.display().to_string())
        .unwrap_or_else(|| gde::config::redact_password(url))
}

#[test]
fn read_only_commands_refuse_a_missing_database_and_create_none() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let expected = format!(
        "error: there is no database at {} (this command does not create one).\n{CREATE_AND_LOAD}",
        dir.path().join("gde.db").display()
    );
    // The default DATABASE_URL: gde.db in the working folder.
    for args in [
        &["report", "briefing"][..],
        &["report", "briefing", "--as-at", "2021-03-31"],
        &["export", "360giving", "--out", "grants.json"],
        &["user", "disable", "--email", "someone@example.org"],
        &["user", "enable", "--email", "someone@example.org"],
        &["user", "set-password", "--email", "someone@example.org"],
    ] {
        let output = gde(dir.path(), None, args, "");
        assert_eq!(
            outcome(&output),
            (Some(1), String::new(), expected.clone()),
            "gde {}",
            args.join(" ")
        );
        assert!(
            listing(dir.path()).is_empty(),
            "gde {} left {:?}",
            args.join(" "),
            listing(dir.path())
        );
    }
}

#[tokio::test]
async fn read_only_commands_refuse_an_empty_database() {
    let dir = tempfile::tempdir().expect("temporary folder");
    // Never migrated (an empty file, or a fresh PostgreSQL database): not
    // migrated by a command that only reads either.
    let scratch = crate::faults::scratch().await;
    if let Some(path) = gde::db::sqlite_path(&scratch.url) {
        std::fs::write(&path, b"").expect("an empty file");
    }
    // Migrated, but nothing loaded.
    let migrated = fresh_db().await;
    for url in [&scratch.url, &migrated.url] {
        let expected = format!(
            "error: the database at {} holds no programme yet (no organisations or \
             participants).\n{LOAD}",
            place(url)
        );
        for args in [
            &["report", "briefing", "--out", "pack"][..],
            &["export", "360giving", "--out", "grants.json"],
        ] {
            let output = gde(dir.path(), Some(url), args, "");
            assert_eq!(
                outcome(&output),
                (Some(1), String::new(), expected.clone()),
                "gde {} on {url}",
                args.join(" ")
            );
        }
    }
    assert!(listing(dir.path()).is_empty(), "{:?}", listing(dir.path()));
    // The never-migrated database was left unmigrated.
    let db = gde::db::connect(&scratch.url, 1).await.expect("open");
    assert!(
        !migration::SchemaManager::new(&db)
            .has_table("participants")
            .await
            .expect("look for a table")
    );
    db.close().await.ok();
}

#[tokio::test]
async fn a_future_as_at_is_refused_in_the_same_words_as_the_web() {
    let tomorrow = time::OffsetDateTime::now_utc()
        .date()
        .next_day()
        .expect("a tomorrow");
    let words = format!(
        "{tomorrow} is in the future; figures can only be shown as at today or an earlier day"
    );
    let app = TestApp::seeded().await;
    let dir = tempfile::tempdir().expect("temporary folder");
    let output = gde(
        dir.path(),
        Some(&app.url),
        &["report", "briefing", "--as-at", &tomorrow.to_string()],
        "",
    );
    assert_eq!(
        outcome(&output),
        (Some(1), String::new(), format!("error: --as-at: {words}\n"))
    );
    assert!(listing(dir.path()).is_empty(), "{:?}", listing(dir.path()));
    let reader = app.sign_in(READER).await;
    for path in ["/dashboard", "/briefing"] {
        let page = reader.get(&format!("{path}?as_at={tomorrow}")).await;
        assert_eq!(page.status, 400, "{path}");
        assert!(
            page.body.contains(&format!("as_at: {words}")),
            "{path}: {}",
            page.body
        );
    }
    // Today is allowed, and a seeded database is read: the pack is written.
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let output = gde(
        dir.path(),
        Some(&app.url),
        &["report", "briefing", "--as-at", &today, "--out", "pack"],
        "",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(dir.path().join("pack/index.html").is_file());
}

#[test]
fn an_unknown_role_lists_the_roles_and_opens_nothing() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let output = gde(
        dir.path(),
        None,
        &[
            "user",
            "add",
            "--email",
            "a@example.org",
            "--name",
            "A",
            "--role",
            "admin",
        ],
        "",
    );
    assert_eq!(
        outcome(&output),
        (
            Some(2),
            String::new(),
            "error: invalid value 'admin' for '--role <ROLE>'\n  \
             [possible values: programme-office, trust-reporter, briefing-reader]\n\n\
             For more information, try '--help'.\n"
                .to_owned()
        )
    );
    assert!(listing(dir.path()).is_empty());
}

#[tokio::test]
async fn a_short_password_names_the_real_flag() {
    let test_db = fresh_db().await;
    let dir = tempfile::tempdir().expect("temporary folder");
    let add = [
        "user",
        "add",
        "--email",
        "short@example.org",
        "--name",
        "Short",
        "--role",
        "briefing-reader",
        "--password-stdin",
    ];
    let output = gde(dir.path(), Some(&test_db.url), &add, "too-short\n");
    assert_eq!(
        outcome(&output),
        (
            Some(1),
            String::new(),
            "error: --password-stdin: Password must be at least 12 characters long\n".to_owned()
        )
    );
    let set = ["user", "set-password", "--email", "short@example.org"];
    let output = gde(
        dir.path(),
        Some(&test_db.url),
        &add,
        "long enough to pass\n",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = gde(
        dir.path(),
        Some(&test_db.url),
        &[&set[..], &["--password-stdin"]].concat(),
        "short\n",
    );
    assert_eq!(
        outcome(&output),
        (
            Some(1),
            String::new(),
            "error: --password-stdin: Password must be at least 12 characters long\n".to_owned()
        )
    );
}

#[tokio::test]
async fn disable_and_enable_say_what_changed_and_succeed_when_nothing_did() {
    use gde::entities::{Users, user};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let test_db = fresh_db().await;
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = Some(test_db.url.as_str());
    let email = "twice@example.org";
    let output = gde(
        dir.path(),
        url,
        &[
            "user",
            "add",
            "--email",
            email,
            "--name",
            "Twice",
            "--role",
            "briefing-reader",
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let disabled = || async {
        Users::find()
            .filter(user::Column::Email.eq(email))
            .one(&test_db.db)
            .await
            .expect("read")
            .expect("the account")
            .disabled_at
            .is_some()
    };
    let steps = [
        (
            "disable",
            "Disabled twice@example.org: it can no longer sign in, and its sessions have ended.\n",
            true,
        ),
        (
            "disable",
            "twice@example.org was already disabled; nothing changed.\n",
            true,
        ),
        (
            "enable",
            "Enabled twice@example.org: it can sign in again with its password.\n",
            false,
        ),
        (
            "enable",
            "twice@example.org is not disabled; nothing changed.\n",
            false,
        ),
    ];
    for (command, said, now_disabled) in steps {
        let output = gde(dir.path(), url, &["user", command, "--email", email], "");
        assert_eq!(
            outcome(&output),
            (Some(0), said.to_owned(), String::new()),
            "user {command}"
        );
        assert_eq!(disabled().await, now_disabled, "after user {command}");
    }
    let output = gde(
        dir.path(),
        url,
        &["user", "enable", "--email", "nobody@example.org"],
        "",
    );
    assert_eq!(
        outcome(&output),
        (
            Some(1),
            String::new(),
            "error: no account has that email address\n".to_owned()
        )
    );
}

#[test]
fn sqlite_in_a_missing_folder_says_so_once() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let folder = dir.path().join("no-such-folder");
    let file = folder.join("gde.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    for args in [
        &["migrate"][..],
        &["seed"],
        &["serve", "--bind", "127.0.0.1:0"],
    ] {
        let output = gde(dir.path(), Some(&url), args, "");
        assert_eq!(
            outcome(&output),
            (
                Some(1),
                String::new(),
                format!(
                    "error: cannot open the database {}: the folder {} does not exist\n",
                    file.display(),
                    folder.display()
                )
            ),
            "gde {}",
            args.join(" ")
        );
    }
    assert!(!folder.exists());
}

#[test]
fn sqlite_in_a_folder_that_is_not_writable_says_so_once() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temporary folder");
    let folder = dir.path().join("read-only");
    std::fs::create_dir(&folder).expect("folder");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    // Root writes anywhere: then run the binary as an ordinary user.
    let as_root = std::fs::write(folder.join("probe"), b"").is_ok();
    let user = if as_root {
        std::fs::remove_file(folder.join("probe")).ok();
        let runs = Command::new("runuser")
            .args(["-u", "nobody", "--", "true"])
            .status()
            .is_ok_and(|s| s.success());
        if !runs {
            eprintln!("skipped: running as root and cannot run as another user");
            return;
        }
        Some("nobody")
    } else {
        None
    };
    let file = folder.join("gde.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let output = gde_via(user, dir.path(), Some(&url), &["migrate"], "");
    assert_eq!(
        outcome(&output),
        (
            Some(1),
            String::new(),
            format!(
                "error: cannot open the database {}: the folder {} is not writable \
                 (SQLite writes the database and its -wal and -shm files there)\n",
                file.display(),
                folder.display()
            )
        )
    );
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn postgresql_on_a_closed_port_is_refused_within_seconds() {
    // A port nothing listens on: bound by us, then let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("its address")
        .port();
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!("postgres://gde:secret@127.0.0.1:{port}/gde");
    for args in [&["migrate"][..], &["report", "briefing"]] {
        let started = Instant::now();
        let output = gde(dir.path(), Some(&url), args, "");
        let took = started.elapsed();
        assert_eq!(
            outcome(&output),
            (
                Some(1),
                String::new(),
                format!(
                    "error: cannot connect to PostgreSQL at postgres://gde:***@127.0.0.1:{port}/gde: \
                     connection refused by 127.0.0.1:{port} \
                     (is the server running, and are the host and port right?)\n"
                )
            ),
            "gde {}",
            args.join(" ")
        );
        assert!(
            took < Duration::from_secs(4),
            "gde {} took {took:?}",
            args.join(" ")
        );
    }
    assert!(listing(dir.path()).is_empty());
}

/// On a real PostgreSQL server (`scripts/test-postgres`): a database that
/// does not exist is named, with the server's reason said once.
#[tokio::test]
async fn postgresql_errors_give_their_cause_once() {
    let Some(admin_url) = std::env::var("GDE_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
    else {
        return;
    };
    let base = admin_url.rsplit_once('/').expect("a database URL").0;
    let url = format!("{base}/gde_no_such_database");
    let dir = tempfile::tempdir().expect("temporary folder");
    let output = gde(dir.path(), Some(&url), &["migrate"], "");
    assert_eq!(
        outcome(&output),
        (
            Some(1),
            String::new(),
            format!(
                "error: cannot open the database at {}: database \"gde_no_such_database\" \
                 does not exist\n",
                gde::config::redact_password(&url)
            )
        )
    );
}

#[tokio::test]
async fn the_server_says_how_to_add_the_first_account_both_ways() {
    use std::io::BufRead;
    let test_db = fresh_db().await;
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut child = Command::new(env!("CARGO_BIN_EXE_gde"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env("DATABASE_URL", &test_db.url)
        .env("GDE_AUTO_SEED", "false")
        .env("RUST_LOG", "warn")
        .env_remove("GDE_LOG_FORMAT")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start gde serve");
    let stderr = child.stderr.take().expect("stderr");
    let (lines, heard) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut said = Vec::new();
    while let Ok(line) = heard.recv_timeout(Duration::from_secs(60)) {
        let last = line.starts_with("It prints a generated password");
        said.push(line);
        if last {
            break;
        }
    }
    child.kill().ok();
    child.wait().ok();
    let said = said.join("\n");
    let add = "user add --email you@example.nhs.uk --name \"Your Name\" --role programme-office";
    assert!(
        said.contains(&format!(
            "no user accounts yet: create the first programme-office account with\n    \
             gde {add}\nor, from a source checkout,\n    cargo run --release -- {add}\n\
             It prints a generated password; add --password-stdin to supply your own."
        )),
        "{said}"
    );
}
