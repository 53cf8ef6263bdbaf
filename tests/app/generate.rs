//! `gde generate`: a synthetic programme, the same files for the same seed,
//! loaded by `gde seed --dir` like the real data and shown as synthetic.
use std::path::Path;
use std::process::{Command, Output, Stdio};

use gde::entities::{
    Allocations, Milestones, Organisations, Participants, ReportingPeriods, Returns, Tranches,
};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::support::{OFFICE, PASSWORD, TestApp, fresh_db, test_config};

fn gde(url: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gde"));
    command
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("GDE_AUTO_SEED")
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = url {
        command.env("DATABASE_URL", url);
    }
    command.output().expect("run gde")
}

fn generate(out: &Path, participants: &str, seed: &str) -> Output {
    gde(
        None,
        &[
            "generate",
            "--participants",
            participants,
            "--milestones-per-participant",
            "4",
            "--periods",
            "6",
            "--seed",
            seed,
            "--out",
            out.to_str().unwrap(),
        ],
    )
}

/// Every file under `dir`, by relative path, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for sub in ["", "illustrative"] {
        let mut names: Vec<_> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        names.sort();
        for path in names {
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            out.push((name, std::fs::read(&path).unwrap()));
        }
    }
    out
}

#[test]
fn the_same_seed_writes_byte_identical_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    for (dir, seed) in [(&a, "5"), (&b, "5"), (&c, "6")] {
        let output = generate(dir, "60", seed);
        assert!(output.status.success(), "{output:?}");
    }
    let (fa, fb, fc) = (files(&a), files(&b), files(&c));
    assert_eq!(fa.len(), 19, "18 seed files and a README");
    assert_eq!(fa, fb);
    assert_ne!(fa, fc, "another seed, another programme");
    // Options out of range are refused, naming the option, with exit status 1.
    let output = generate(&tmp.path().join("d"), "0", "1");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--participants"));
}

#[tokio::test]
async fn a_generated_programme_loads_and_pages_as_synthetic() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("programme");
    let output = generate(&out, "260", "11");
    assert!(output.status.success(), "{output:?}");
    let test_db = fresh_db().await;
    let loaded = gde(
        Some(&test_db.url),
        &["seed", "--dir", out.to_str().unwrap()],
    );
    assert!(loaded.status.success(), "{loaded:?}");
    let db = &test_db.db;
    assert_eq!(Participants::find().count(db).await.unwrap(), 260);
    assert_eq!(Organisations::find().count(db).await.unwrap(), 260);
    assert_eq!(Allocations::find().count(db).await.unwrap(), 260);
    assert_eq!(Milestones::find().count(db).await.unwrap(), 260 * 4);
    assert_eq!(ReportingPeriods::find().count(db).await.unwrap(), 6);
    assert!(Tranches::find().count(db).await.unwrap() >= 260);
    // Returns in every state.
    let states: std::collections::BTreeSet<String> = Returns::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(
        states.into_iter().collect::<Vec<_>>(),
        ["approved", "draft", "returned", "submitted"]
    );
    // Loading again changes nothing, as for the real data.
    let again = gde(
        Some(&test_db.url),
        &["seed", "--dir", out.to_str().unwrap()],
    );
    assert!(again.status.success(), "{again:?}");
    assert_eq!(Participants::find().count(db).await.unwrap(), 260);

    gde::services::users::add(
        db,
        &gde::services::By::Cli,
        gde::services::users::NewUser {
            email: OFFICE.into(),
            name: "Test office".into(),
            role: "programme-office".into(),
            organisation: String::new(),
            password: PASSWORD.into(),
        },
    )
    .await
    .unwrap();
    let app = TestApp::serve_with(test_db, test_config(&[])).await;
    let office = app.sign_in(OFFICE).await;
    let list = office.get("/participants").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Showing 50 of 260 participants"));
    assert!(
        list.body
            .contains("Synthetic trust Z0000 NHS Foundation Trust")
    );
    // Every signed-in page says the data is synthetic.
    for path in [
        "/",
        "/participants",
        "/milestones",
        "/returns",
        "/dashboard",
    ] {
        let page = office.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(
            page.text_of("synthetic-data").contains("Synthetic data"),
            "{path}"
        );
    }
    // The overview shows totals and the first rows, with a link to them all.
    let overview = office.get("/").await;
    assert_eq!(overview.status, 200);
    assert!(
        overview
            .text_of("card-participants")
            .contains("Participants")
    );
    let exemplars = overview.element("exemplars");
    assert_eq!(
        exemplars.matches("<tr class=\"nhsuk-table__row\">").count(),
        50 + 1,
        "50 rows and a header"
    );
    assert!(
        overview.body.contains(
            "href=\"/participants?role=global_digital_exemplar&amp;sort=name&amp;dir=asc\""
        ),
        "a link to every exemplar"
    );
    // The dashboard shows at most 100 rows of a chart's data table; the
    // chart's CSV has them all.
    let dashboard = office.get("/dashboard").await;
    let table = dashboard.element("table-funding-by-participant");
    assert_eq!(
        table.matches("<tr class=\"nhsuk-table__row\">").count(),
        100 + 1,
        "100 rows and a header"
    );
    let csv = office.get("/charts/funding-by-participant.csv").await;
    let rows = csv.body.lines().count() - 1;
    assert!(rows > 100, "{rows} rows in the CSV");
    assert!(
        dashboard.body.contains(&format!(
            "The first 100 of {rows} rows; the CSV download has every row."
        )),
        "the page says where the rest are"
    );
    let page = office.get("/participants/Z0003").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Illustrative"));
    let queue = office.get("/returns?size=25").await;
    assert_eq!(queue.status, 200);
    assert!(queue.body.contains("Pages of participants"));
}
