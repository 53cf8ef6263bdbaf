//! The 360Giving publication: valid against the standard's own schema, its
//! totals reconcile with the records, and invented figures never pass as real.
use gde::reports::giving360::{IllustrativePolicy, Publisher};
use gde::services::By;
use gde::services::open_data::{self, Audience, OpenDataError};
use serde_json::Value;
use time::OffsetDateTime;

use crate::support::{TestApp, seed_rows};

fn schema_file(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/360giving")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The package schema with the grant schema put in place of its remote
/// reference, so validation needs no network.
fn package_validator() -> jsonschema::Validator {
    let mut package = schema_file("360-giving-package-schema.json");
    package["properties"]["grants"]["items"] = schema_file("360-giving-schema.json");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&package)
        .expect("the 360Giving schema compiles")
}

fn publisher(illustrative: IllustrativePolicy) -> Publisher {
    Publisher {
        prefix: "example".into(),
        funder_id: "GB-GOR-EXAMPLE".into(),
        funder_name: "NHS England".into(),
        illustrative,
    }
}

fn pence(value: &Value) -> i64 {
    (value.as_f64().expect("a number") * 100.0).round() as i64
}

fn seed_pence(text: &str) -> i64 {
    let (whole, frac) = text.split_once('.').unwrap_or((text, "0"));
    whole.parse::<i64>().unwrap() * 100 + format!("{frac:0<2}")[..2].parse::<i64>().unwrap()
}

#[tokio::test]
async fn the_package_is_valid_360giving_and_reconciles_to_the_penny() {
    let app = TestApp::seeded().await;
    let today = OffsetDateTime::now_utc().date();
    let publication = open_data::giving360(
        &app.db,
        Some(&By::Cli),
        Audience::Office,
        &publisher(IllustrativePolicy::Flag),
        today,
    )
    .await
    .unwrap();
    let errors: Vec<String> = package_validator()
        .iter_errors(&publication.json)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator does catch a broken grant.
    let mut broken = publication.json.clone();
    broken["grants"][0]["currency"] = "pounds".into();
    broken["grants"][1]["recipientOrganization"] = Value::Array(vec![]);
    assert_eq!(package_validator().iter_errors(&broken).count(), 2);

    let grants = publication.json["grants"].as_array().unwrap();
    let allocations = seed_rows("illustrative/allocations.csv");
    assert_eq!(grants.len(), allocations.len());
    let awarded: i64 = grants.iter().map(|g| pence(&g["amountAwarded"])).sum();
    let disbursed: i64 = grants
        .iter()
        .flat_map(|g| {
            g["disbursementTransaction"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|t| pence(&t["value"]))
        .sum();
    let seed_awarded: i64 = allocations.iter().map(|a| seed_pence(&a["central"])).sum();
    let seed_released: i64 = seed_rows("illustrative/tranches.csv")
        .iter()
        .filter(|t| !t["released_on"].is_empty())
        .map(|t| seed_pence(&t["amount"]))
        .sum();
    assert_eq!(awarded, seed_awarded);
    assert_eq!(disbursed, seed_released);

    // Identifiers are unique and say who received the money.
    let mut ids: Vec<&str> = grants.iter().map(|g| g["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), grants.len());
    let ral = grants
        .iter()
        .find(|g| g["id"] == "360G-example-RAL-ALLOC-1")
        .expect("the Royal Free's allocation");
    assert_eq!(ral["recipientOrganization"][0]["id"], "GB-NHS-RAL");
    assert_eq!(ral["currency"], "GBP");
    // Every seeded award is invented, and says so in its title and classification.
    assert!(grants.iter().all(|g| {
        g["title"].as_str().unwrap().starts_with("Illustrative: ")
            && g["classifications"][0]["code"] == "illustrative"
    }));
}

#[tokio::test]
async fn invented_figures_are_not_published_unless_flagged_and_settings_are_checked() {
    let app = TestApp::seeded().await;
    let today = OffsetDateTime::now_utc().date();
    let refused = open_data::giving360(
        &app.db,
        Some(&By::Cli),
        Audience::Office,
        &publisher(IllustrativePolicy::Exclude),
        today,
    )
    .await;
    let Err(OpenDataError::NothingToPublish { left_out }) = refused else {
        panic!("expected nothing to publish");
    };
    assert_eq!(left_out, seed_rows("illustrative/allocations.csv").len());

    let mut unset = publisher(IllustrativePolicy::Flag);
    unset.funder_id = String::new();
    let Err(OpenDataError::Settings(problems)) =
        open_data::giving360(&app.db, Some(&By::Cli), Audience::Office, &unset, today).await
    else {
        panic!("expected a settings problem");
    };
    assert!(problems[0].contains("GDE_360G_FUNDER_ID"), "{problems:?}");

    // Nobody but the office reads it until it is made public.
    let refused = open_data::giving360(
        &app.db,
        None,
        Audience::Office,
        &publisher(IllustrativePolicy::Flag),
        today,
    )
    .await;
    assert!(matches!(refused, Err(OpenDataError::Service(_))));
}

#[tokio::test]
async fn the_office_downloads_the_file_and_no_one_else_can() {
    use crate::support::{OFFICE, READER, REPORTER};
    let app = TestApp::seeded_with(&[
        ("GDE_360G_PREFIX", "example"),
        ("GDE_360G_FUNDER_ID", "GB-GOR-EXAMPLE"),
        ("GDE_360G_ILLUSTRATIVE", "flag"),
    ])
    .await;
    let office = app.sign_in(OFFICE).await;
    let dashboard = office.get("/dashboard").await;
    assert!(
        dashboard
            .body
            .contains("href=\"/open-data/360giving.json\"")
    );
    let file = office.get("/open-data/360giving.json").await;
    assert_eq!(file.status, 200);
    let json: Value = serde_json::from_str(&file.body).unwrap();
    assert_eq!(package_validator().iter_errors(&json).count(), 0);
    assert_eq!(
        json["grants"].as_array().unwrap().len(),
        seed_rows("illustrative/allocations.csv").len()
    );
    for email in [READER, REPORTER] {
        let other = app.sign_in(email).await;
        assert_eq!(other.get("/open-data/360giving.json").await.status, 403);
        assert!(
            !other
                .get("/dashboard")
                .await
                .body
                .contains("360giving.json")
        );
    }
}

#[tokio::test]
async fn missing_settings_are_explained_to_the_office() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(crate::support::OFFICE).await;
    let page = office.get("/open-data/360giving.json").await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("GDE_360G_PREFIX"), "{}", page.body);
}
