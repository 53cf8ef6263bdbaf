//! Loading the seed: complete, idempotent, all-or-nothing, with precise errors.
use gde::entities::*;
use gde::seed::{SeedOptions, SeedSet};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use crate::support::{fresh_db, seed_rows};

async fn row_counts(db: &DatabaseConnection) -> Vec<u64> {
    vec![
        Organisations::find().count(db).await.unwrap(),
        Participants::find().count(db).await.unwrap(),
        Pairings::find().count(db).await.unwrap(),
        Partnerships::find().count(db).await.unwrap(),
        FundingCaps::find().count(db).await.unwrap(),
        Allocations::find().count(db).await.unwrap(),
        AllocationProfiles::find().count(db).await.unwrap(),
        Tranches::find().count(db).await.unwrap(),
        Milestones::find().count(db).await.unwrap(),
        MaturityAssessments::find().count(db).await.unwrap(),
        AuditEvents::find().count(db).await.unwrap(),
    ]
}

#[tokio::test]
async fn seeding_loads_every_row_of_every_file() {
    let t = fresh_db().await;
    let report = gde::seed::load(&t.db, &SeedSet::embedded(), SeedOptions::default())
        .await
        .unwrap();
    let trusts = seed_rows("organisations.csv").len() as u64;
    let partners = seed_rows("partner_organisations.csv").len() as u64;
    assert_eq!(
        Organisations::find().count(&t.db).await.unwrap(),
        trusts + partners
    );
    assert_eq!(
        Participants::find().count(&t.db).await.unwrap(),
        seed_rows("participants.csv").len() as u64
    );
    assert_eq!(
        Milestones::find().count(&t.db).await.unwrap(),
        seed_rows("illustrative/milestones.csv").len() as u64
    );
    assert_eq!(
        Tranches::find().count(&t.db).await.unwrap(),
        seed_rows("illustrative/tranches.csv").len() as u64
    );
    assert!(report.total_added() > 0);
    // One audit event records the load (the others, the progress the seed
    // records after its approved returns, are dated when it was made).
    assert_eq!(
        AuditEvents::find()
            .filter(audit_event::Column::Action.eq("seed.load"))
            .count(&t.db)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn seeding_twice_changes_nothing() {
    let t = fresh_db().await;
    gde::seed::load(&t.db, &SeedSet::embedded(), SeedOptions::default())
        .await
        .unwrap();
    let before = row_counts(&t.db).await;
    let participants_before = Participants::find().all(&t.db).await.unwrap();
    let second = gde::seed::load(&t.db, &SeedSet::embedded(), SeedOptions::default())
        .await
        .unwrap();
    assert_eq!(second.total_added(), 0, "{second}");
    assert_eq!(row_counts(&t.db).await, before);
    assert_eq!(
        Participants::find().all(&t.db).await.unwrap(),
        participants_before
    );
}

#[tokio::test]
async fn confirmed_only_then_full_seed_adds_the_illustrative_set() {
    let t = fresh_db().await;
    let options = SeedOptions {
        include_illustrative: false,
    };
    gde::seed::load(&t.db, &SeedSet::embedded(), options)
        .await
        .unwrap();
    assert_eq!(Milestones::find().count(&t.db).await.unwrap(), 0);
    assert_eq!(Allocations::find().count(&t.db).await.unwrap(), 0);
    gde::seed::load(&t.db, &SeedSet::embedded(), SeedOptions::default())
        .await
        .unwrap();
    assert!(Milestones::find().count(&t.db).await.unwrap() > 0);
}

#[tokio::test]
async fn a_bad_row_fails_with_file_line_and_reason_and_writes_nothing() {
    let t = fresh_db().await;
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("seed-data/illustrative/milestones.csv"),
    )
    .unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    // Line 5 of the file (the 4th data row) gets an impossible date.
    let cells: Vec<&str> = lines[4].split(',').collect();
    let mut cells: Vec<String> = cells.iter().map(|s| s.to_string()).collect();
    cells[4] = "2019-02-30".into();
    lines[4] = cells.join(",");
    let set = SeedSet::embedded().with_file("illustrative/milestones.csv", &lines.join("\n"));
    let err = gde::seed::load(&t.db, &set, SeedOptions::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("illustrative/milestones.csv line 5, column baseline_on"),
        "{err}"
    );
    assert!(err.contains("2019-02-30"), "{err}");
    assert!(row_counts(&t.db).await.iter().all(|n| *n == 0));
}

#[tokio::test]
async fn an_allocation_over_its_cap_is_refused_naming_the_cap() {
    let t = fresh_db().await;
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seed-data/funding_caps.csv"),
    )
    .unwrap();
    // Halve the acute exemplar cap: the seeded £9.6m Alder Hey allocation no longer fits.
    let lowered: String = text
        .lines()
        .map(|l| {
            if l.starts_with("global_digital_exemplar,acute,") {
                let rest: Vec<&str> = l.splitn(4, ',').collect();
                format!("global_digital_exemplar,acute,5000000,{}", rest[3])
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let set = SeedSet::embedded().with_file("funding_caps.csv", &lowered);
    let err = gde::seed::load(&t.db, &set, SeedOptions::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("illustrative/allocations.csv line"), "{err}");
    assert!(err.contains("£5,000,000"), "{err}");
    assert!(
        row_counts(&t.db).await.iter().all(|n| *n == 0),
        "partial write"
    );
}
