//! Spreadsheet interchange: export → import → export round trips unchanged;
//! imports are all or nothing, list every problem (the bad-file corpus in
//! tests/fixtures/csv, each answered with all its errors and nothing
//! written), match by natural key, treat a stale version as a conflict, and
//! survive kill -9 with the database exactly as before.
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use gde::services::By;
use gde::services::interchange::{self, ExportFilter, ImportOutcome, Kind, Source};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::support::{Browser, OFFICE, PASSWORD, Page, READER, REPORTER, TestApp, fresh_db};

async fn import(db: &DatabaseConnection, kind: Kind, bytes: &[u8], dry_run: bool) -> ImportOutcome {
    interchange::import(
        db,
        &By::Cli,
        kind,
        Source {
            reader: bytes,
            file_name: "test.csv",
            rating_scale: Default::default(),
        },
        dry_run,
        &mut |_| {},
    )
    .await
    .expect("import runs")
}

async fn export(db: &DatabaseConnection, kind: Kind) -> String {
    interchange::export_string(db, &By::Cli, kind, &ExportFilter::default())
        .await
        .expect("export runs")
}

/// Everything an import could touch, summed up: any write changes it.
async fn fingerprint(db: &DatabaseConnection) -> Vec<i64> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT (SELECT COUNT(*) FROM milestones), (SELECT COALESCE(SUM(version), 0) FROM milestones), \
             (SELECT COUNT(*) FROM audit_events), (SELECT COUNT(*) FROM baseline_change_requests), \
             (SELECT COUNT(*) FROM allocations), (SELECT COUNT(*) FROM allocation_profiles), \
             (SELECT COUNT(*) FROM tranches)",
        ))
        .await
        .unwrap()
        .unwrap();
    (0..7)
        .map(|i| {
            row.try_get_by_index::<i64>(i)
                .unwrap_or_else(|_| row.try_get_by_index::<i32>(i).unwrap().into())
        })
        .collect()
}

fn problems(outcome: &ImportOutcome) -> Vec<String> {
    outcome
        .problems
        .listed
        .iter()
        .map(|p| p.to_string())
        .collect()
}

#[tokio::test]
async fn every_kind_round_trips_and_a_second_import_changes_nothing() {
    let app = TestApp::seeded().await;
    // Return lines round-trip in the trust reporter's test below.
    for kind in [
        Kind::Milestones,
        Kind::MilestoneProgress,
        Kind::Allocations,
        Kind::Tranches,
    ] {
        let first = export(&app.db, kind).await;
        assert!(first.lines().count() > 30, "{kind:?}: {first}");
        let before = fingerprint(&app.db).await;
        let outcome = import(&app.db, kind, first.as_bytes(), false).await;
        assert!(
            outcome.problems.is_empty(),
            "{kind:?}: {:?}",
            problems(&outcome)
        );
        assert_eq!((outcome.created, outcome.updated), (0, 0), "{kind:?}");
        assert_eq!(outcome.unchanged as usize, first.lines().count() - 1);
        assert_eq!(
            fingerprint(&app.db).await,
            before,
            "{kind:?}: nothing written"
        );
        assert_eq!(export(&app.db, kind).await, first, "{kind:?}: export again");
    }
}

#[tokio::test]
async fn an_edited_export_creates_and_updates_with_one_audit_event_each_then_is_idempotent() {
    let app = TestApp::seeded().await;
    let mut file = export(&app.db, Kind::Milestones).await;
    file.push_str("RAL,M90,\"Shared care record, phase 2\",other,31/03/2021,,\n");
    file.push_str("RAL,M91,'=not a formula,infrastructure,2021-06-30,2021-09-30,\n");
    let dry = import(&app.db, Kind::Milestones, file.as_bytes(), true).await;
    assert!(dry.problems.is_empty(), "{:?}", problems(&dry));
    assert_eq!(dry.created, 2);
    let created: Vec<_> = dry
        .rows
        .iter()
        .filter(|r| r.action == gde::domain::interchange::RowAction::Create)
        .map(|r| r.key.clone())
        .collect();
    assert_eq!(created, ["RAL M90", "RAL M91"]);
    let before = fingerprint(&app.db).await;
    let dry_again = import(&app.db, Kind::Milestones, file.as_bytes(), true).await;
    assert_eq!(dry_again.created, 2);
    assert_eq!(
        fingerprint(&app.db).await,
        before,
        "a dry run writes nothing"
    );

    let done = import(&app.db, Kind::Milestones, file.as_bytes(), false).await;
    assert!(done.written(), "{:?}", problems(&done));
    assert_eq!((done.created, done.updated), (2, 0));
    let after = fingerprint(&app.db).await;
    assert_eq!(after[0], before[0] + 2);
    assert_eq!(after[2], before[2] + 2, "one audit event per new milestone");
    let exported = export(&app.db, Kind::Milestones).await;
    assert!(
        exported.contains("RAL,M90,\"Shared care record, phase 2\",other,2021-03-31,2021-03-31,1"),
        "{exported}"
    );
    assert!(
        exported.contains("RAL,M91,'=not a formula,infrastructure,2021-06-30,2021-09-30,1"),
        "{exported}"
    );

    // Progress: one row changed; the rest unchanged; then the same file again.
    let progress = export(&app.db, Kind::MilestoneProgress).await;
    let edited = progress.replace(
        "RAL,M91,2021-09-30,not_started,,1",
        "RAL,M91,30/12/2021,in_progress,,1",
    );
    assert_ne!(edited, progress);
    let done = import(&app.db, Kind::MilestoneProgress, edited.as_bytes(), false).await;
    assert_eq!(
        (done.created, done.updated),
        (0, 1),
        "{:?}",
        problems(&done)
    );
    let events = gde::services::audit_log::history(
        &app.db,
        &By::Cli,
        "milestone",
        &milestone_id(&app.db, "RAL", "M91").await.to_string(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(events.len(), 2, "created, then progress: {events:?}");
    let again = import(&app.db, Kind::MilestoneProgress, edited.as_bytes(), false).await;
    assert_eq!(
        (again.created, again.updated),
        (0, 0),
        "{:?}",
        problems(&again)
    );
    assert_eq!(fingerprint(&app.db).await[2], after[2] + 1);

    // The export taken before that change is now stale for that row: a conflict.
    let stale = progress.replace(
        "RAL,M91,2021-09-30,not_started,,1",
        "RAL,M91,2021-09-30,at_risk,,1",
    );
    let before = fingerprint(&app.db).await;
    let refused = import(&app.db, Kind::MilestoneProgress, stale.as_bytes(), false).await;
    assert_eq!(refused.problems.total, 1);
    assert!(
        problems(&refused)[0]
            .contains("conflict: RAL M91 has changed since it was exported (version 1, now 2)"),
        "{:?}",
        problems(&refused)
    );
    assert_eq!(fingerprint(&app.db).await, before);
}

async fn milestone_id(db: &DatabaseConnection, ods: &str, reference: &str) -> i32 {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            match db.get_database_backend() {
                sea_orm::DbBackend::Postgres => "SELECT m.id FROM milestones m JOIN participants p ON p.id = m.participant_id JOIN organisations o ON o.id = p.organisation_id WHERE o.ods_code = $1 AND m.reference = $2",
                _ => "SELECT m.id FROM milestones m JOIN participants p ON p.id = m.participant_id JOIN organisations o ON o.id = p.organisation_id WHERE o.ods_code = ? AND m.reference = ?",
            },
            [ods.into(), reference.into()],
        ))
        .await
        .unwrap()
        .expect("milestone");
    row.try_get_by_index(0).unwrap()
}

fn snapshots() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// Each bad file is answered with all its problems, and nothing is written.
#[tokio::test]
async fn the_bad_file_corpus_is_refused_with_every_problem_listed() {
    let app = TestApp::seeded().await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csv");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    names.sort();
    assert!(names.len() >= 17, "{names:?}");
    // A fast follower with no allocation yet: room under its £5m cap.
    let office = app.sign_in(OFFICE).await;
    crate::support::add_fast_follower(&office, "RJ1").await;
    let before = fingerprint(&app.db).await;
    let mut report = String::new();
    for name in &names {
        let kind = if name.starts_with("milestones-") {
            Kind::Milestones
        } else if name.starts_with("allocations-") {
            Kind::Allocations
        } else if name.starts_with("tranches-") {
            Kind::Tranches
        } else if name.starts_with("participants-") {
            Kind::Participants
        } else if name.starts_with("partnerships-") {
            Kind::Partnerships
        } else {
            Kind::MilestoneProgress
        };
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let outcome = import(&app.db, kind, &bytes, false).await;
        assert!(!outcome.problems.is_empty(), "{name} was accepted");
        assert!(!outcome.written());
        assert_eq!(
            fingerprint(&app.db).await,
            before,
            "{name}: nothing written"
        );
        report.push_str(&format!("== {name} ({})\n", kind.code()));
        for p in problems(&outcome) {
            report.push_str(&p);
            report.push('\n');
        }
    }
    snapshots().bind(|| insta::assert_snapshot!("interchange-bad-files", report));
}

fn gde(url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gde"));
    command
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "error")
        .env_remove("GDE_DB_MAX_CONNECTIONS")
        .stdin(Stdio::null());
    command
}

#[tokio::test]
async fn the_command_line_exports_participants_through_the_list_pages_filters() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let all = export(&app.db, Kind::Participants).await;
    let row_count = |csv: &str| csv.lines().count() - 1;
    for (query, args, admits) in [
        (
            "role=fast_follower&sector=acute",
            vec!["--role", "fast_follower", "--sector", "acute"],
            (|row: &str| row.contains(",fast_follower,acute,")) as fn(&str) -> bool,
        ),
        ("region=Y56", vec!["--region", "y56"], |row: &str| {
            row.split(',').nth(2) == Some("Y56")
        }),
    ] {
        let output = gde(&app.url, &[&["export", "participants"][..], &args].concat())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let csv = String::from_utf8(output.stdout).unwrap();
        let rows: Vec<&str> = csv.lines().skip(1).collect();
        assert!(!rows.is_empty(), "{args:?}");
        assert!(rows.iter().all(|r| admits(r)), "{args:?}: {rows:?}");
        assert!(
            row_count(&csv) < row_count(&all),
            "{args:?} leaves participants out"
        );
        assert_eq!(
            row_count(&csv),
            all.lines().skip(1).filter(|r| admits(r)).count(),
            "{args:?} keeps every matching participant"
        );
        // The list page's "Download CSV" with the same filters: the same file.
        let page = office.get(&format!("/export/participants?{query}")).await;
        assert_eq!(page.status, 200);
        assert_eq!(page.body, csv, "{query}");
    }

    // A bad value is refused naming its option, before anything is written.
    for (args, says) in [
        (["--role", "leader"], "--role: \"leader\" is not a known"),
        (
            ["--sector", "hospital"],
            "--sector: \"hospital\" is not a known",
        ),
        (
            ["--region", "Y99"],
            "--region: \"Y99\" is not an NHS England region code",
        ),
    ] {
        let output = gde(&app.url, &[&["export", "participants"][..], &args].concat())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let page = office
            .get(&format!(
                "/export/participants?{}={}",
                &args[0][2..],
                args[1]
            ))
            .await;
        assert_eq!(page.status, 400, "the page refuses it too");
    }
}

#[tokio::test]
async fn the_command_line_lists_problems_and_exits_1_and_a_dry_run_lists_rows() {
    let app = TestApp::seeded().await;
    let dir = tempfile::tempdir().unwrap();
    let bad =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csv/progress-bad-cells.csv");
    let out = gde(
        &app.url,
        &["import", "milestone-progress", bad.to_str().unwrap()],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("progress-bad-cells.csv: line 2, column forecast_on (C), \"31/02/2027\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("problems found; nothing was imported"),
        "{stderr}"
    );

    let file = dir.path().join("m.csv");
    let out = gde(
        &app.url,
        &["export", "milestones", "--out", file.to_str().unwrap()],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(
        &file,
        std::fs::read_to_string(&file).unwrap() + "RAL,M90,New,other,2021-03-31,,\n",
    )
    .unwrap();
    let out = gde(
        &app.url,
        &["import", "milestones", file.to_str().unwrap(), "--dry-run"],
    )
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains(": RAL M90 would be created\n"), "{stdout}");
    assert!(
        stdout.contains("Dry run, nothing written: would create 1, would update 0"),
        "{stdout}"
    );

    let template = gde(&app.url, &["export", "milestone-progress", "--template"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&template.stdout).lines().next(),
        Some("ods_code,reference,forecast_on,status,actual_on,version")
    );
}

/// A big import killed at moments spread over its run leaves the database
/// exactly as it was; run to the end it writes every row.
#[tokio::test]
async fn kill_9_during_a_large_import_leaves_the_database_as_before() {
    let test_db = fresh_db().await;
    gde::seed::load(
        &test_db.db,
        &gde::seed::SeedSet::embedded(),
        gde::seed::SeedOptions::default(),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.csv");
    let mut text =
        String::from("ods_code,reference,title,category,baseline_on,forecast_on,version\n");
    for i in 0..60_000 {
        let ods = ["RAL", "RRK", "RHM"][i % 3];
        text.push_str(&format!(
            "{ods},K{i:06},Milestone {i},other,31/03/2021,2021-06-30,\n"
        ));
    }
    std::fs::write(&file, &text).unwrap();
    let before = fingerprint(&test_db.db).await;
    let path = file.to_str().unwrap();
    let mut killed_running = 0;
    let mut finished = false;
    for delay_ms in [100, 250, 450, 700, 1000] {
        let mut child = gde(&test_db.url, &["import", "milestones", path])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let running = child.try_wait().unwrap().is_none();
        child.kill().ok();
        child.wait().unwrap();
        if !running {
            // It finished before the kill: everything is there.
            finished = true;
            break;
        }
        killed_running += 1;
        assert_eq!(
            fingerprint(&test_db.db).await,
            before,
            "killed after {delay_ms} ms"
        );
    }
    assert!(
        killed_running >= 3,
        "the import finished too soon to be killed"
    );
    if !finished {
        let out = gde(&test_db.url, &["import", "milestones", path])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let after = fingerprint(&test_db.db).await;
    assert_eq!(after[0], before[0] + 60_000);
    assert_eq!(after[2], before[2] + 60_000);
}

/// Uploads `bytes` from the import page, as a browser sends a file.
async fn upload(browser: &Browser, kind: &str, bytes: &[u8], dry_run: bool) -> Page {
    upload_to(browser, &format!("/import/{kind}"), bytes, dry_run).await
}

/// Uploads `bytes` from the page at `path`, to `path`.
async fn upload_to(browser: &Browser, path: &str, bytes: &[u8], dry_run: bool) -> Page {
    browser.get(path).await;
    let token = browser.token.lock().unwrap().clone().unwrap_or_default();
    let boundary = "----gde-test-boundary-7MA4YWxk";
    let mut body = Vec::new();
    if dry_run {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\nyes\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload.csv\"\r\n\
             Content-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let url = format!(
        "{}{path}?{}",
        browser.address,
        serde_urlencoded::to_string([("authenticity_token", token)]).unwrap()
    );
    let response = browser
        .client
        .post(url)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("origin", &browser.address)
        .body(body)
        .send()
        .await
        .unwrap();
    Page {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}

#[tokio::test]
async fn the_office_uploads_on_the_page_and_sees_every_problem_or_what_each_row_did() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let page = office.get("/import").await;
    assert_eq!(page.status, 200);
    assert!(page.text_of("kinds").contains("Milestone progress"));
    let page = office.get("/import/milestone-progress").await;
    assert!(
        page.text_of("columns").contains("actual_on"),
        "the columns are documented"
    );

    let bad = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csv/progress-bad-cells.csv"),
    )
    .unwrap();
    let before = fingerprint(&app.db).await;
    let page = upload(&office, "milestone-progress", &bad, false).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(
        page.text_of("import-summary")
            .contains("7 problems found; nothing was imported")
    );
    let listed = page.text_of("problems");
    assert!(
        listed.contains("31/02/2027") && listed.contains("2099-01-01"),
        "{listed}"
    );
    assert_eq!(fingerprint(&app.db).await, before);

    let mut file = export(&app.db, Kind::Milestones).await;
    file.push_str("RAL,M90,Shared care record,other,2021-03-31,,\n");
    let page = upload(&office, "milestones", file.as_bytes(), true).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.text_of("import-summary")
            .contains("would create 1, would update 0")
    );
    assert!(
        page.element("rows")
            .contains("<td class=\"nhsuk-table__cell\">RAL M90</td><td class=\"nhsuk-table__cell\">would be created</td>"),
        "{}",
        page.element("rows")
    );
    assert_eq!(
        fingerprint(&app.db).await,
        before,
        "a dry run writes nothing"
    );
    let page = upload(&office, "milestones", file.as_bytes(), false).await;
    assert!(
        page.text_of("import-summary")
            .contains("Imported: created 1, updated 0"),
        "{}",
        page.body
    );
    assert_eq!(fingerprint(&app.db).await[0], before[0] + 1);

    // A made-up kind is not found; a request without the page's token is refused.
    assert_eq!(office.get("/import/widgets").await.status, 404);
    let forged = office
        .client
        .post(format!("{}/import/milestones", office.address))
        .header("content-type", "multipart/form-data; boundary=x")
        .header("origin", &office.address)
        .body("--x--\r\n")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
}

fn spooled_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[tokio::test]
async fn the_page_spools_a_file_up_to_the_limit_imports_it_and_removes_it() {
    let app = TestApp::seeded().await;
    // The limit lowered (the real one is 256 MiB) and the spool in a folder
    // of the test's own, so what is left behind can be seen.
    const LIMIT: usize = 3 * 1024 * 1024;
    let spool = tempfile::tempdir().unwrap();
    let state = gde::http::AppState::new(app.db.clone(), crate::support::test_config(&[]))
        .with_uploads(gde::http::Uploads {
            limit: LIMIT as u64,
            dir: spool.path().to_owned(),
        });
    let office = Browser::new(&crate::support::serve_state(state).await);
    assert_eq!(office.sign_in(OFFICE, PASSWORD).await.status, 303);
    let page = office.get("/import/milestones").await;
    assert!(
        page.body.contains("Files up to 256 MiB, here or with"),
        "the page states the command line's limit"
    );

    // A file of exactly the limit: the export, blank lines (skipped), and a
    // new milestone at the very end, past several spool buffers.
    let mut file = export(&app.db, Kind::Milestones).await;
    let row = "RAL,M90,Shared care record,other,2021-03-31,,\n";
    assert!(file.len() + row.len() < LIMIT);
    file.push_str(&"\n".repeat(LIMIT - file.len() - row.len()));
    file.push_str(row);
    assert_eq!(file.len(), LIMIT);
    let before = fingerprint(&app.db).await;

    // One byte more is refused, naming the limit; nothing written or left on disk.
    let over = format!("{file}\n");
    let page = upload(&office, "milestones", over.as_bytes(), false).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(
        page.text_of("import-refusal")
            .contains("The file is larger than 3 MiB"),
        "{}",
        page.text_of("import-refusal")
    );
    assert_eq!(fingerprint(&app.db).await, before);
    assert_eq!(spooled_files(spool.path()), Vec::<String>::new());

    // At the limit: imported through the page, the summary shown, the file removed.
    let page = upload(&office, "milestones", file.as_bytes(), true).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.text_of("import-summary")
            .contains("would create 1, would update 0"),
        "{}",
        page.text_of("import-summary")
    );
    assert_eq!(fingerprint(&app.db).await, before);
    let page = upload(&office, "milestones", file.as_bytes(), false).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.text_of("import-summary")
            .contains("Imported: created 1, updated 0"),
        "{}",
        page.text_of("import-summary")
    );
    assert_eq!(fingerprint(&app.db).await[0], before[0] + 1);
    assert_eq!(spooled_files(spool.path()), Vec::<String>::new());

    // A file with problems is removed too.
    let page = upload(&office, "milestones", b"not,a,header\n1,2,3\n", false).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert_eq!(spooled_files(spool.path()), Vec::<String>::new());

    // A browser that goes away mid-upload: the part spooled so far is removed.
    use reqwest::cookie::CookieStore;
    use tokio::io::AsyncWriteExt;
    let path = format!(
        "/import/milestones?{}",
        serde_urlencoded::to_string([(
            "authenticity_token",
            office.token.lock().unwrap().clone().unwrap_or_default()
        )])
        .unwrap()
    );
    let url: reqwest::Url = format!("{}{path}", office.address).parse().unwrap();
    let cookies = office.jar.cookies(&url).unwrap();
    let mut stream = tokio::net::TcpStream::connect(url.socket_addrs(|| None).unwrap()[0])
        .await
        .unwrap();
    let boundary = "gde-test-boundary-gone";
    stream
        .write_all(
            format!(
                "POST {path} HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\nCookie: {}\r\n\
                 Content-Type: multipart/form-data; boundary={boundary}\r\n\
                 Content-Length: {}\r\n\r\n--{boundary}\r\n\
                 Content-Disposition: form-data; name=\"file\"; filename=\"gone.csv\"\r\n\r\n",
                url.authority(),
                office.address,
                cookies.to_str().unwrap(),
                LIMIT
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    stream
        .write_all(&file.as_bytes()[..LIMIT / 2])
        .await
        .unwrap();
    stream.flush().await.unwrap();
    let mut waited = 0;
    while spooled_files(spool.path()).is_empty() && waited < 100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    assert_eq!(
        spooled_files(spool.path()).len(),
        1,
        "the upload is being spooled"
    );
    drop(stream);
    let mut waited = 0;
    while !spooled_files(spool.path()).is_empty() && waited < 100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    assert_eq!(spooled_files(spool.path()), Vec::<String>::new());
    assert_eq!(fingerprint(&app.db).await[0], before[0] + 1);
}

#[tokio::test]
async fn trust_reporters_and_readers_cannot_import_and_download_only_what_they_may_read() {
    let app = TestApp::seeded().await;
    let reporter = app.sign_in(REPORTER).await;
    assert_eq!(reporter.get("/import").await.status, 403);
    let file =
        b"ods_code,reference,forecast_on,status,actual_on,version\nRRK,M06,2027-01-29,at_risk,,\n";
    let before = fingerprint(&app.db).await;
    let page = upload(&reporter, "milestone-progress", file, false).await;
    assert_eq!(page.status, 403);
    let own = b"ods_code,reference,forecast_on,status,actual_on,version\nRAL,M05,2027-03-31,in_progress,,\n";
    assert_eq!(
        upload(&reporter, "milestone-progress", own, false)
            .await
            .status,
        403
    );
    assert_eq!(fingerprint(&app.db).await, before);
    // The service refuses too, whoever calls it.
    let actor = gde::domain::access::Actor {
        user_id: 2,
        email: REPORTER.into(),
        role: gde::domain::access::UserRole::TrustReporter,
        organisation_id: Some(1),
    };
    let refused = interchange::import(
        &app.db,
        &By::User(actor),
        Kind::MilestoneProgress,
        Source {
            reader: &file[..],
            file_name: "x.csv",
            rating_scale: Default::default(),
        },
        false,
        &mut |_| {},
    )
    .await;
    assert!(matches!(
        refused,
        Err(gde::services::ServiceError::Access(_))
    ));

    // Their download holds their own trust's milestones only.
    let csv = reporter.get("/export/milestones").await;
    assert_eq!(csv.status, 200);
    let rows: Vec<&str> = csv.body.lines().skip(1).collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.starts_with("RAL,")), "{}", csv.body);
    let reader = app.sign_in(READER).await;
    assert_eq!(reader.get("/import/milestones").await.status, 403);
}

#[tokio::test]
async fn the_milestones_list_offers_its_filtered_rows_as_csv() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let page = office
        .get("/milestones?participant=RHM&status=complete")
        .await;
    let links = page.element("milestone-downloads");
    assert!(
        links.contains("href=\"/export/milestones?participant=RHM&amp;status=complete\""),
        "{links}"
    );
    let csv = office
        .get("/export/milestone-progress?participant=RHM&status=complete")
        .await;
    assert_eq!(
        csv.headers["content-disposition"],
        "attachment; filename=\"milestone-progress.csv\""
    );
    let mut lines = csv.body.lines();
    assert_eq!(
        lines.next(),
        Some("ods_code,reference,forecast_on,status,actual_on,version")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r.starts_with("RHM,") && r.contains(",complete,")),
        "{rows:?}"
    );
    let template = office.get("/templates/milestones").await;
    assert_eq!(template.body.lines().count(), 2);
    assert_eq!(
        office.get("/export/milestones?status=done").await.status,
        400
    );
}

#[tokio::test]
async fn a_trust_reporter_imports_their_own_returns_lines_and_no_one_elses() {
    let app = TestApp::seeded().await;
    let reporter = app.sign_in(REPORTER).await;
    let page = reporter.get("/returns/2020-21-q4/RAL").await;
    assert!(
        page.element("return-spreadsheet")
            .contains("href=\"/returns/2020-21-q4/RAL/import\""),
        "the return page links its import"
    );
    let page = reporter.get("/returns/2020-21-q4/RAL/import").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let export = reporter
        .get("/export/return-lines?period=2020-21-q4&participant=RAL")
        .await;
    assert_eq!(export.status, 200, "{}", export.body);
    let mut lines = export.body.lines();
    assert_eq!(
        lines.next(),
        Some("period,ods_code,reference,forecast_on,status,comment")
    );
    let first = lines.next().expect("a milestone line").to_owned();
    let cells: Vec<&str> = first.split(',').collect();
    let edited_line = format!(
        "{},{},{},31/03/2027,at_risk,Supplier slipped",
        cells[0], cells[1], cells[2]
    );
    let edited = export.body.replace(&first, &edited_line);
    let before = fingerprint(&app.db).await;

    let page = upload_to(
        &reporter,
        "/returns/2020-21-q4/RAL/import",
        edited.as_bytes(),
        true,
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.text_of("import-summary").contains("would update 1"),
        "{}",
        page.text_of("import-summary")
    );
    assert_eq!(
        fingerprint(&app.db).await,
        before,
        "a dry run writes nothing"
    );
    let page = upload_to(
        &reporter,
        "/returns/2020-21-q4/RAL/import",
        edited.as_bytes(),
        false,
    )
    .await;
    assert!(
        page.text_of("import-summary")
            .contains("Imported: created 0, updated 1"),
        "{}",
        page.body
    );
    assert_eq!(
        fingerprint(&app.db).await[2],
        before[2] + 1,
        "one audit event: the draft saved"
    );
    let again = reporter
        .get("/export/return-lines?period=2020-21-q4&participant=RAL")
        .await;
    assert!(
        again.body.contains(&format!(
            "{},{},{},2027-03-31,at_risk,Supplier slipped",
            cells[0], cells[1], cells[2]
        )),
        "{}",
        again.body
    );
    let page = upload_to(
        &reporter,
        "/returns/2020-21-q4/RAL/import",
        again.body.as_bytes(),
        false,
    )
    .await;
    assert!(
        page.text_of("import-summary").contains("updated 0"),
        "{}",
        page.body
    );
    assert_eq!(
        fingerprint(&app.db).await[2],
        before[2] + 1,
        "the same file again changes nothing"
    );

    // Another trust's lines: refused, whichever return page they are sent from.
    let theirs = "period,ods_code,reference,forecast_on,status,comment\n2020-21-q4,RRK,M01,2027-03-31,at_risk,x\n";
    let after = fingerprint(&app.db).await;
    let page = upload_to(
        &reporter,
        "/returns/2020-21-q4/RAL/import",
        theirs.as_bytes(),
        false,
    )
    .await;
    assert_eq!(page.status, 404, "{}", page.body);
    assert_eq!(
        reporter.get("/returns/2020-21-q4/RRK/import").await.status,
        404
    );
    assert_eq!(fingerprint(&app.db).await, after);
    // Nor may the office or a reader complete a trust's return.
    let office = app.sign_in(OFFICE).await;
    assert_eq!(
        office.get("/returns/2020-21-q4/RAL/import").await.status,
        403
    );
    assert_eq!(office.get("/import/return-lines").await.status, 403);
}

const ALLOCATION_HEADERS: &str = "ods_code,reference,central,local_match,awarded_on,fy_2016_17,\
fy_2017_18,fy_2018_19,fy_2019_20,fy_2020_21,fy_2021_22,fy_2022_23,version\n";

/// New allocations are recorded within the caps, counting every row of the
/// file together, with one audit event each naming the import; the same file
/// again changes nothing; an existing allocation is never changed by a file.
#[tokio::test]
async fn allocations_are_created_within_the_caps_counting_the_rows_together() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    crate::support::add_fast_follower(&office, "RJ1").await;
    let file = format!(
        "{ALLOCATION_HEADERS}RJ1,ALLOC-1,\"£3,000,000.50\",3000000,01/04/2018,,,\"£1,000,000.50\",2000000,,,,\n\
         RJ1,ALLOC-2,2000000,0,2019-04-01,,,,,2000000,,,\n"
    );
    let fits = file
        .replace("\"£3,000,000.50\"", "3000000")
        .replace("\"£1,000,000.50\"", "1000000");
    let before = fingerprint(&app.db).await;
    let dry = import(&app.db, Kind::Allocations, fits.as_bytes(), true).await;
    assert!(dry.problems.is_empty(), "{:?}", problems(&dry));
    assert_eq!(dry.created, 2);
    assert_eq!(
        fingerprint(&app.db).await,
        before,
        "a dry run writes nothing"
    );
    // £0.50 more than the cap in total: the second row is refused, naming it.
    let too_much = import(&app.db, Kind::Allocations, file.as_bytes(), false).await;
    let listed = problems(&too_much);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(
        listed[0].starts_with("line 3, column central (C), \"2000000\""),
        "{listed:?}"
    );
    assert!(
        listed[0].contains("counting the new allocations in the rows above"),
        "{listed:?}"
    );
    assert_eq!(fingerprint(&app.db).await, before, "nothing written");

    let done = import(&app.db, Kind::Allocations, fits.as_bytes(), false).await;
    assert!(done.written(), "{:?}", problems(&done));
    assert_eq!(done.created, 2);
    let after = fingerprint(&app.db).await;
    assert_eq!(after[4], before[4] + 2, "two allocations");
    assert_eq!(after[5], before[5] + 3, "three profile years");
    assert_eq!(after[2], before[2] + 2, "one audit event each");
    let reason: String = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT reason FROM audit_events WHERE action = 'allocation.create' ORDER BY id DESC LIMIT 1",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert!(
        reason.contains(&done.import_id) && reason.ends_with("line 3"),
        "{reason}"
    );
    let exported = export(&app.db, Kind::Allocations).await;
    assert!(
        exported.contains("RJ1,ALLOC-1,3000000,3000000,2018-04-01,,,1000000,2000000,,,,1"),
        "{exported}"
    );
    // Importing the export again: nothing changes.
    let again = import(&app.db, Kind::Allocations, exported.as_bytes(), false).await;
    assert!(again.problems.is_empty(), "{:?}", problems(&again));
    assert_eq!((again.created, again.updated), (0, 0));
    assert_eq!(fingerprint(&app.db).await, after);
    // RJ1 is now at its £5m cap: a penny more is refused.
    let penny = format!("{ALLOCATION_HEADERS}RJ1,ALLOC-3,0.01,0,2019-04-01,,,,0.01,,,,\n");
    let refused = import(&app.db, Kind::Allocations, penny.as_bytes(), false).await;
    assert!(
        problems(&refused)[0].contains("column central (C)"),
        "{:?}",
        problems(&refused)
    );
    // Changing an existing allocation's money: a change request, not a file.
    let changed = exported.replace(
        "RJ1,ALLOC-1,3000000,3000000,2018-04-01,,,1000000,2000000,,,,1",
        "RJ1,ALLOC-1,3000000,2500000,2018-04-01,,,1000000,2000000,,,,1",
    );
    let refused = import(&app.db, Kind::Allocations, changed.as_bytes(), false).await;
    let listed = problems(&refused);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(
        listed[0].contains("column local_match (D)") && listed[0].contains("change request"),
        "{listed:?}"
    );
    assert_eq!(fingerprint(&app.db).await, after);
}

#[tokio::test]
async fn the_office_downloads_allocations_and_their_template_on_the_web() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let page = office.get("/export/allocations").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.starts_with(ALLOCATION_HEADERS.trim_end()),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(
            "\nRAL,ALLOC-1,10000000,12000000,2017-07-01,,3000000,3000000,2500000,1500000,,,"
        ),
        "{}",
        page.body
    );
    let template = office.get("/templates/allocations").await;
    assert_eq!(template.status, 200);
    assert!(
        template
            .body
            .contains("RAL,ALLOC-2,\"£1,500,000\",1500000,2017-06-01,,1000000,500000,"),
        "{}",
        template.body
    );
    let participant = office.get("/participants/RAL").await;
    assert!(
        participant
            .body
            .contains("href=\"/export/tranches?participant=RAL\"")
            && participant
                .body
                .contains("href=\"/export/allocations?participant=RAL\""),
        "the funding section links its CSV downloads"
    );
    let tranches = office.get("/export/tranches?participant=RAL").await;
    assert_eq!(tranches.status, 200);
    assert!(
        tranches
            .body
            .contains("\nRAL,ALLOC-1,Upfront instalment,upfront,,2500000,"),
        "{}",
        tranches.body
    );
    assert!(!tranches.body.contains("\nRLN,"), "the participant's only");
    let upload = office.get("/import/allocations").await;
    assert_eq!(upload.status, 200);
    assert!(
        upload.body.contains("fy_2018_19"),
        "the columns are documented"
    );
}

/// New tranches are defined within their allocation, counting every row of
/// the file together; an existing tranche is not changed by a file; releases
/// are not imported.
#[tokio::test]
async fn tranches_are_defined_within_their_allocation_counting_the_rows_together() {
    let app = TestApp::seeded().await;
    // RAL's ALLOC-1 is £10m with £9.5m of tranches defined: £500,000 left.
    let header = "ods_code,allocation_reference,name,kind,milestone_reference,amount,version\n";
    let file = format!(
        "{header}RAL,ALLOC-1,Extra A,upfront,,\"£300,000\",\n\
         ral,ALLOC-1,Extra B,milestone,M03,200000.01,\n"
    );
    let before = fingerprint(&app.db).await;
    let over = import(&app.db, Kind::Tranches, file.as_bytes(), false).await;
    let listed = problems(&over);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(
        listed[0].starts_with("line 3, column amount (F), \"200000.01\"")
            && listed[0].contains("counting the new tranches in the rows above"),
        "{listed:?}"
    );
    assert_eq!(fingerprint(&app.db).await, before, "nothing written");
    let fits = file.replace("200000.01", "200000");
    let done = import(&app.db, Kind::Tranches, fits.as_bytes(), false).await;
    assert!(done.written(), "{:?}", problems(&done));
    assert_eq!(done.created, 2);
    let after = fingerprint(&app.db).await;
    assert_eq!(after[6], before[6] + 2, "two tranches");
    assert_eq!(after[2], before[2] + 2, "one audit event each");
    let exported = export(&app.db, Kind::Tranches).await;
    assert!(
        exported.contains("RAL,ALLOC-1,Extra B,milestone,M03,200000,1"),
        "{exported}"
    );
    let again = import(&app.db, Kind::Tranches, exported.as_bytes(), false).await;
    assert!(again.problems.is_empty(), "{:?}", problems(&again));
    assert_eq!(again.created, 0);
    assert_eq!(
        fingerprint(&app.db).await,
        after,
        "the same file again changes nothing"
    );
    // The allocation is now fully committed: a penny more is refused.
    let penny = format!("{header}RAL,ALLOC-1,Extra C,upfront,,0.01,\n");
    let refused = import(&app.db, Kind::Tranches, penny.as_bytes(), false).await;
    assert!(
        problems(&refused)[0].contains("column amount (F)"),
        "{:?}",
        problems(&refused)
    );
    // Nothing about an imported tranche is released: that stays a confirmed action.
    let released: i64 = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) FROM tranches WHERE name LIKE 'Extra%' AND released_on IS NOT NULL",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(released, 0);
}
