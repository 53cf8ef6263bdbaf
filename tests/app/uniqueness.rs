//! Every unique rule is a field error: an organisation name already on record
//! (ignoring case and spacing, also after a leading tab or CR) is answered
//! 422 with the field named and nothing written — on the forms, under
//! parallel requests, and in the seed loader with file, line and column.
use std::sync::Arc;

use gde::domain::names::NameKey;
use gde::entities::*;
use gde::seed::{SeedOptions, SeedSet};
use gde::services::By;
use gde::services::participants::{PartnerForm, create_partner};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set, TransactionTrait,
};

use crate::support::{OFFICE, Page, TestApp, fresh_db};

/// A trust in the shipped seed (RQ6) and a partner (US).
const TRUST: &str = "Royal Liverpool and Broadgreen University Hospitals NHS Trust";
const PARTNER: &str = "Intermountain Healthcare";

/// Ways of typing a name already on record that must count as the same name.
fn variants(name: &str) -> Vec<String> {
    vec![
        name.to_owned(),
        format!("\t{name}"),
        format!("\r{name}"),
        format!("{name}\r\n"),
        name.to_uppercase(),
        name.to_lowercase().replace(' ', "  "),
        format!("\t\r {}", name.to_lowercase()),
    ]
}

/// Rows that a refused form must not have touched.
async fn counts(db: &DatabaseConnection) -> (u64, u64, u64) {
    (
        Organisations::find().count(db).await.unwrap(),
        Participants::find().count(db).await.unwrap(),
        Partnerships::find().count(db).await.unwrap(),
    )
}

fn assert_field_error(page: &Page, field: &str, mentions: &str, what: &str) {
    assert_eq!(page.status, 422, "{what}: {}", page.body);
    let beside = page.text_of(&format!("{field}-error"));
    assert!(beside.contains(mentions), "{what}: {beside}");
    assert!(
        page.body.contains(&format!("href=\"#{field}\"")),
        "{what}: the error summary links to the field"
    );
}

#[tokio::test]
async fn a_new_trust_named_like_an_organisation_on_record_is_a_field_error() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let before = counts(&app.db).await;
    for name in variants(TRUST) {
        let page = office
            .post(
                "/participants",
                &[
                    ("ods_code", "RJ1"),
                    ("organisation_name", &name),
                    ("region_code", "Y56"),
                    ("role", "fast_follower"),
                    ("sector", "acute"),
                    ("wave", "Acute fast follower"),
                    ("designated_on", "2017-09"),
                    ("status", "active"),
                ],
            )
            .await;
        assert_field_error(&page, "organisation_name", "RQ6", &format!("{name:?}"));
        assert_eq!(counts(&app.db).await, before, "{name:?}: nothing written");
    }
}

#[tokio::test]
async fn a_partner_named_like_an_organisation_on_record_is_a_field_error() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let before = counts(&app.db).await;
    // Another partner in the same country, and an NHS trust (GB).
    for (name, country, taken_by) in variants(PARTNER)
        .into_iter()
        .map(|n| (n, "us", "US"))
        .chain(variants(TRUST).into_iter().map(|n| (n, "GB", "RQ6")))
    {
        let page = office
            .post(
                "/partners",
                &[
                    ("name", &name),
                    ("kind", "healthcare_provider"),
                    ("country_code", country),
                ],
            )
            .await;
        assert_field_error(&page, "name", taken_by, &format!("{name:?} ({country})"));
        assert_eq!(counts(&app.db).await, before, "{name:?}: nothing written");
    }
    // The same name in another country is another organisation.
    let page = office
        .post(
            "/partners",
            &[
                ("name", PARTNER),
                ("kind", "healthcare_provider"),
                ("country_code", "CA"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
}

#[tokio::test]
async fn linking_a_partner_twice_in_the_same_role_is_a_field_error() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let partner = Organisations::find()
        .filter(organisation::Column::Name.eq(PARTNER))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let before = counts(&app.db).await;
    let page = office
        .post(
            "/participants/RAL/partnerships",
            &[
                ("partner_id", &partner.id.to_string()),
                ("partner_role", "international_partner"),
            ],
        )
        .await;
    assert_field_error(&page, "partner_id", PARTNER, "second link");
    assert_eq!(counts(&app.db).await, before);
}

#[tokio::test]
async fn parallel_partners_with_one_name_make_one_organisation_and_the_rest_field_errors() {
    let app = TestApp::seeded().await;
    let office = Arc::new(app.sign_in(OFFICE).await);
    let before = Organisations::find().count(&app.db).await.unwrap();
    let mut requests = tokio::task::JoinSet::new();
    for (i, name) in variants("Karolinska Institutet")
        .into_iter()
        .cycle()
        .take(20)
        .enumerate()
    {
        let office = office.clone();
        requests.spawn(async move {
            let page = office
                .post(
                    "/partners",
                    &[
                        ("name", &name),
                        ("kind", "university"),
                        ("country_code", "SE"),
                    ],
                )
                .await;
            (i, name, page)
        });
    }
    let (mut created, mut caught_by_index) = (0, 0);
    while let Some(result) = requests.join_next().await {
        let (i, name, page) = result.unwrap();
        match page.status {
            303 => created += 1,
            422 => {
                let beside = page.text_of("name-error");
                assert!(
                    beside.contains("already on record"),
                    "request {i} ({name:?}): {beside}"
                );
                // Passed the check before the write, refused by the unique index.
                caught_by_index += u32::from(beside.contains("a moment ago"));
            }
            status => panic!("request {i} ({name:?}) answered {status}:\n{}", page.body),
        }
    }
    eprintln!("{caught_by_index} of 19 refusals came from the unique index");
    assert_eq!(created, 1);
    assert_eq!(
        Organisations::find().count(&app.db).await.unwrap(),
        before + 1
    );
}

#[tokio::test]
async fn the_database_refuses_a_second_name_with_the_same_key_and_the_service_names_the_field() {
    let t = fresh_db().await;
    let now = time::OffsetDateTime::now_utc();
    let organisation = |name: &str| organisation::ActiveModel {
        name: Set(name.to_owned()),
        name_key: Set(NameKey::of(name).into_inner()),
        kind: Set("university".to_owned()),
        country_code: Set("SE".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    // Straight into the database, in transactions stamped with the instant
    // their changes are recorded at (as every write to a versioned table is).
    let txn = t.db.begin().await.unwrap();
    gde::store::history::stamp(&txn, now).await.unwrap();
    organisation("Karolinska Institutet")
        .insert(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    // Past every check in the application: the unique index still holds.
    let txn = t.db.begin().await.unwrap();
    gde::store::history::stamp(&txn, now).await.unwrap();
    let error = organisation("KAROLINSKA  institutet")
        .insert(&txn)
        .await
        .unwrap_err();
    txn.rollback().await.unwrap();
    assert!(gde::services::unique_violation(&error).is_some(), "{error}");
    let as_field = gde::services::unique_as("name", "taken")(error);
    assert!(
        matches!(&as_field, gde::services::ServiceError::Invalid(errors) if errors[0].field == "name"),
        "{as_field:?}"
    );
    // The service answers the same name as a field error before writing.
    let error = create_partner(
        &t.db,
        &By::Cli,
        PartnerForm {
            name: "\rkarolinska institutet".into(),
            kind: "university".into(),
            country_code: "se".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&error, gde::services::ServiceError::Invalid(errors) if errors[0].field == "name"),
        "{error:?}"
    );
}

#[test]
fn the_migrated_keys_follow_the_domain_rule() {
    for name in variants(TRUST)
        .into_iter()
        .chain(["Hôpital  Ève", " ÅRHUS\tUniversitetshospital\r", ""].map(String::from))
    {
        assert_eq!(
            migration::migration_6_name_key(&name),
            NameKey::of(&name).into_inner(),
            "{name:?}"
        );
    }
}

fn seed_file(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("seed-data")
            .join(name),
    )
    .unwrap()
}

/// Loads the shipped set with `file` given `extra` rows; returns the error.
async fn seed_error_with(db: &DatabaseConnection, file: &str, extra: &str) -> String {
    let text = format!("{}{extra}", seed_file(file));
    let set = SeedSet::embedded().with_file(file, &text);
    gde::seed::load(db, &set, SeedOptions::default())
        .await
        .unwrap_err()
        .to_string()
}

#[tokio::test]
async fn a_seed_file_with_a_duplicate_name_fails_at_its_file_line_and_column() {
    let t = fresh_db().await;
    let partners = seed_file("partner_organisations.csv");
    let first_line = partners
        .lines()
        .position(|l| l.starts_with(PARTNER))
        .unwrap()
        + 1;
    let next_line = partners.lines().count() + 1;

    // A partner repeated with another case and a leading tab.
    let err = seed_error_with(
        &t.db,
        "partner_organisations.csv",
        "\"\tINTERMOUNTAIN  healthcare\",healthcare_provider,US,S1\n",
    )
    .await;
    assert!(
        err.contains(&format!(
            "partner_organisations.csv line {next_line}, column name"
        )),
        "{err}"
    );
    assert!(err.contains(&format!("line {first_line}")), "{err}");

    // A partner in GB named like a trust.
    let err = seed_error_with(
        &t.db,
        "partner_organisations.csv",
        &format!("{},university,GB,S1\n", TRUST.to_lowercase()),
    )
    .await;
    assert!(
        err.contains(&format!(
            "partner_organisations.csv line {next_line}, column name"
        )),
        "{err}"
    );
    assert!(err.contains("trust RQ6"), "{err}");

    // A second trust of the same name under another ODS code.
    let trusts = seed_file("organisations.csv");
    let next_line = trusts.lines().count() + 1;
    let err = seed_error_with(
        &t.db,
        "organisations.csv",
        &format!("RJ1,\"\r{}\",,acute,Y56,,,,,S1\n", TRUST.to_uppercase()),
    )
    .await;
    assert!(
        err.contains(&format!("organisations.csv line {next_line}, column name")),
        "{err}"
    );
    assert!(err.contains("trust RQ6"), "{err}");

    assert_eq!(Organisations::find().count(&t.db).await.unwrap(), 0);
    assert_eq!(AuditEvents::find().count(&t.db).await.unwrap(), 0);
}

#[tokio::test]
async fn seeding_over_a_name_already_in_the_database_fails_at_its_file_line_and_column() {
    let t = fresh_db().await;
    // The programme office added a GB partner named like a trust the seed will add.
    create_partner(
        &t.db,
        &By::Cli,
        PartnerForm {
            name: TRUST.to_lowercase(),
            kind: "university".into(),
            country_code: "GB".into(),
        },
    )
    .await
    .unwrap();
    let line = seed_file("organisations.csv")
        .lines()
        .position(|l| l.starts_with("RQ6,"))
        .unwrap()
        + 1;
    let err = gde::seed::load(&t.db, &SeedSet::embedded(), SeedOptions::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("organisations.csv line {line}, column name")),
        "{err}"
    );
    assert!(err.contains("partner organisation"), "{err}");
    // Nothing of the seed was written.
    assert_eq!(Organisations::find().count(&t.db).await.unwrap(), 1);
    assert_eq!(Participants::find().count(&t.db).await.unwrap(), 0);
}

/// A database at the schema before migration 6, holding these
/// organisations (name, country).
async fn before_migration_6(
    names: &[(&str, &str)],
) -> (crate::faults::Scratch, DatabaseConnection) {
    use migration::MigratorTrait;
    use sea_orm::ConnectionTrait;
    let scratch = crate::faults::scratch().await;
    let db = gde::db::connect(&scratch.url, 2).await.unwrap();
    migration::Migrator::up(&db, Some(4)).await.unwrap();
    for (name, country) in names {
        db.execute_unprepared(&format!(
            "INSERT INTO organisations (name, kind, country_code, created_at, updated_at) \
             VALUES ('{name}', 'university', '{country}', \
             '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00')"
        ))
        .await
        .unwrap();
    }
    (scratch, db)
}

#[tokio::test]
async fn upgrading_fills_in_each_name_key() {
    use sea_orm::{ConnectionTrait, Statement};
    let (_scratch, db) = before_migration_6(&[
        ("Mayo Clinic", "US"),
        ("Mayo Clinic", "GB"),
        ("Karolinska  INSTITUTET", "SE"),
    ])
    .await;
    gde::db::migrate(&db).await.unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT name_key FROM organisations ORDER BY id",
        ))
        .await
        .unwrap();
    let keys: Vec<String> = rows
        .iter()
        .map(|r| r.try_get("", "name_key").unwrap())
        .collect();
    assert_eq!(
        keys,
        ["mayo clinic", "mayo clinic", "karolinska institutet"]
    );
}

#[tokio::test]
async fn upgrading_stops_at_names_that_clash_naming_them_and_changes_nothing() {
    use migration::MigratorTrait;
    let (_scratch, db) = before_migration_6(&[("Mayo Clinic", "US"), ("MAYO  clinic", "US")]).await;
    for attempt in 1..=2 {
        // The second attempt fails the same way: the first left nothing behind
        // (no half-added column), because the migration is one transaction.
        let error = gde::db::migrate(&db).await.unwrap_err().to_string();
        assert!(
            error.contains("\"Mayo Clinic\"") && error.contains("\"MAYO  clinic\""),
            "attempt {attempt}: {error}"
        );
    }
    assert_eq!(
        migration::Migrator::get_applied_migrations(&db)
            .await
            .unwrap()
            .len(),
        4
    );
}
