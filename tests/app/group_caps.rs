//! A cap shared by a group of participants: the three ambulance exemplars'
//! one £5m pot. Allocations, approved changes and the seed loader all keep
//! the group's total within its cap, on top of each trust's own cap, and
//! allocations sent at once to different trusts of the group cannot both
//! pass. Runs on SQLite and PostgreSQL (`scripts/test-postgres group_caps`).
use std::collections::BTreeMap;
use std::sync::Arc;

use gde::entities::{
    AllocationChangeRequests, Allocations, CapGroupMembers, CapGroups, Participants, allocation,
    allocation_change_request, cap_group, cap_group_member,
};
use gde::seed::{SeedOptions, SeedSet};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::support::{Browser, OFFICE, OFFICE2, TestApp, fresh_db};

const AMBULANCE: [&str; 3] = ["RX6", "RYE", "RYA"];
const POT: i64 = 500_000_000;

/// Every central allocation to the three ambulance trusts, in pence.
async fn ambulance_total(db: &sea_orm::DatabaseConnection) -> i64 {
    let mut total = 0;
    for ods in AMBULANCE {
        let id = crate::support::participant_id(db, ods).await;
        total += Allocations::find()
            .filter(allocation::Column::ParticipantId.eq(id))
            .all(db)
            .await
            .unwrap()
            .iter()
            .map(|a| a.central_pence)
            .sum::<i64>();
    }
    total
}

/// Sets the ambulance group's cap (the seed fills the £5m pot exactly; the
/// tests make room by raising it).
async fn set_group_cap(db: &sea_orm::DatabaseConnection, pence: i64) {
    let result = CapGroups::update_many()
        .col_expr(cap_group::Column::CapPence, Expr::value(pence))
        .filter(cap_group::Column::Name.eq("Ambulance exemplars"))
        .exec(db)
        .await
        .unwrap();
    assert_eq!(result.rows_affected, 1);
}

async fn allocate(
    office: &Browser,
    ods: &str,
    reference: &str,
    pounds: &str,
) -> crate::support::Page {
    office
        .post(
            &format!("/participants/{ods}/allocations"),
            &[
                ("reference", reference),
                ("central", pounds),
                ("local_match", pounds),
                ("awarded_on", "2019-04-01"),
                ("fy_2019", pounds),
            ],
        )
        .await
}

#[tokio::test]
async fn the_seed_records_the_three_ambulance_trusts_in_one_five_million_group() {
    let app = TestApp::seeded().await;
    let groups = CapGroups::find().all(&app.db).await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].name, "Ambulance exemplars");
    assert_eq!(groups[0].cap_pence, POT);
    let members = CapGroupMembers::find()
        .filter(cap_group_member::Column::GroupId.eq(groups[0].id))
        .all(&app.db)
        .await
        .unwrap();
    let mut ids: Vec<i32> = members.iter().map(|m| m.participant_id).collect();
    ids.sort();
    let mut expected = Vec::new();
    for ods in AMBULANCE {
        expected.push(crate::support::participant_id(&app.db, ods).await);
    }
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(ambulance_total(&app.db).await, POT);
    // Seeding again changes nothing.
    let report = gde::seed::load(&app.db, &SeedSet::embedded(), SeedOptions::default())
        .await
        .unwrap();
    assert_eq!(report.total_added(), 0, "{report}");
}

#[tokio::test]
async fn a_further_million_to_one_ambulance_trust_is_refused_naming_the_group() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    // Within RX6's own £5m cap, but the shared pot is already full.
    let page = allocate(&office, "RX6", "EXTRA-1", "1000000").await;
    assert_eq!(page.status, 422, "{}", page.body);
    let text = crate::support::strip_tags(&page.body);
    assert!(text.contains("Ambulance exemplars"), "{text}");
    assert!(
        text.contains("over their shared £5,000,000 cap by £1,000,000"),
        "{text}"
    );
    assert_eq!(ambulance_total(&app.db).await, POT);
}

#[tokio::test]
async fn every_allocation_form_shows_the_group_cap_and_headroom() {
    let app = TestApp::seeded().await;
    set_group_cap(&app.db, 600_000_000).await;
    let office = app.sign_in(OFFICE).await;
    let page = office.get("/participants/RYE/allocations/new").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let notice = page.text_of("group-cap-notice");
    assert!(notice.contains("Ambulance exemplars"), "{notice}");
    assert!(notice.contains("£6,000,000"), "{notice}");
    assert_eq!(page.text_of("group-headroom"), "£1,000,000");
    // The participant's own cap is still shown beside it.
    assert!(page.text_of("cap-notice").contains("£5,000,000"));
    // The change form leaves the allocation being changed out of the total.
    let rye = crate::support::participant_id(&app.db, "RYE").await;
    let alloc = Allocations::find()
        .filter(allocation::Column::ParticipantId.eq(rye))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let page = office
        .get(&format!("/allocations/{}/change", alloc.id))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.text_of("group-headroom"), "£2,666,666.67");
    // A trust in no group shows no group notice.
    let page = office.get("/participants/RAL/allocations/new").await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("group-cap-notice"));
}

/// 30 allocations of £250,000 spread over the three ambulance trusts at
/// once, with £2m left in the pot: each trust's own cap would take all ten
/// of its own, so only the group's claim keeps the pot whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn allocations_to_different_trusts_of_a_group_sent_together_never_exceed_its_cap() {
    let app = TestApp::seeded().await;
    set_group_cap(&app.db, 700_000_000).await;
    let office = Arc::new(app.sign_in(OFFICE).await);
    let office2 = Arc::new(app.sign_in(OFFICE2).await);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..30 {
        let who = if i % 2 == 0 {
            office.clone()
        } else {
            office2.clone()
        };
        let ods = AMBULANCE[i % 3];
        tasks.spawn(async move {
            let page = allocate(&who, ods, &format!("RACE-{i}"), "250000").await;
            (page.status, page.body)
        });
    }
    let mut tally: BTreeMap<u16, usize> = BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        let (status, body) = done.unwrap();
        assert!(matches!(status, 303 | 422), "{status}: {body}");
        if status == 422 {
            let text = crate::support::strip_tags(&body);
            assert!(text.contains("Ambulance exemplars"), "{text}");
        }
        *tally.entry(status).or_default() += 1;
    }
    eprintln!("group allocations: {tally:?}");
    let total = ambulance_total(&app.db).await;
    assert!(total <= 700_000_000, "group cap broken: {total}");
    assert_eq!(total, 700_000_000);
    assert_eq!(tally.get(&303), Some(&8), "{tally:?}");
    assert_eq!(tally.get(&422), Some(&22), "{tally:?}");
}

/// A change asked for while the pot had room is refused at approval once
/// another trust's allocation has taken that room.
#[tokio::test]
async fn an_allocation_change_is_approved_only_if_the_group_still_has_room() {
    let app = TestApp::seeded().await;
    set_group_cap(&app.db, 550_000_000).await;
    let office = app.sign_in(OFFICE).await;
    let office2 = app.sign_in(OFFICE2).await;
    let rx6 = crate::support::participant_id(&app.db, "RX6").await;
    let alloc = Allocations::find()
        .filter(allocation::Column::ParticipantId.eq(rx6))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    // £1,666,666.67 → £2m: £333,333.33 more, within the £500k room.
    let page = office
        .post(
            &format!("/allocations/{}/change", alloc.id),
            &[
                ("central", "2000000"),
                ("local_match", "2000000"),
                ("fy_2018", "2000000"),
                ("reason", "Scope agreed at the programme board"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let request = AllocationChangeRequests::find()
        .filter(allocation_change_request::Column::AllocationId.eq(alloc.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    // Another ambulance trust takes £400k of the room meanwhile.
    let page = allocate(&office, "RYE", "EXTRA-1", "400000").await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = office2
        .post(
            &format!("/change-requests/allocation/{}", request.id),
            &[("decision", "approve"), ("comment", "")],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    let text = crate::support::strip_tags(&page.body);
    assert!(text.contains("Ambulance exemplars"), "{text}");
    assert_eq!(ambulance_total(&app.db).await, 540_000_000);
}

/// The loader counts what the database already holds: a group allocation
/// made in the app leaves no room for the seed's, refused at its line.
#[tokio::test]
async fn the_seed_loader_refuses_a_group_over_its_cap_at_file_line_and_column() {
    let t = fresh_db().await;
    gde::seed::load(
        &t.db,
        &SeedSet::embedded(),
        SeedOptions {
            include_illustrative: false,
        },
    )
    .await
    .unwrap();
    let rx6 = crate::support::participant_id(&t.db, "RX6").await;
    let now = time::OffsetDateTime::now_utc();
    let txn = crate::support::stamped(&t.db).await;
    use sea_orm::{ActiveModelTrait, Set};
    allocation::ActiveModel {
        participant_id: Set(rx6),
        reference: Set("EARLIER".into()),
        central_pence: Set(300_000_000),
        local_match_pence: Set(0),
        awarded_on: Set(time::macros::date!(2018 - 01 - 30)),
        illustrative: Set(false),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .unwrap();
    txn.commit().await.unwrap();
    let err = gde::seed::load(&t.db, &SeedSet::embedded(), SeedOptions::default())
        .await
        .unwrap_err()
        .to_string();
    // £3m + £1,666,666.67 (RX6) fits RX6's own cap and the pot; RYE's
    // £1,666,666.67 then tips the pot over.
    let rows = crate::support::seed_rows("illustrative/allocations.csv");
    let index = rows.iter().position(|r| r["ods_code"] == "RYE").unwrap();
    let expected = format!(
        "illustrative/allocations.csv line {}, column central",
        index + 2
    );
    assert!(err.contains(&expected), "{err}");
    assert!(err.contains("Ambulance exemplars"), "{err}");
}

/// A role change that lowers a participant's cap, sent among allocations to
/// it: the new cap is checked inside the change's transaction, after its
/// versioned update has claimed the participant, so whichever order they
/// take, the money on record fits the role on record.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_role_change_racing_allocations_never_leaves_money_over_the_new_cap() {
    let app = TestApp::seeded().await;
    let office = Arc::new(app.sign_in(OFFICE).await);
    let office2 = Arc::new(app.sign_in(OFFICE2).await);
    let page = office
        .post(
            "/participants",
            &[
                ("ods_code", "RJ1"),
                (
                    "organisation_name",
                    "Guy's and St Thomas' NHS Foundation Trust",
                ),
                ("region_code", "Y56"),
                ("role", "global_digital_exemplar"),
                ("sector", "acute"),
                ("wave", "Acute wave 2"),
                ("designated_on", "2017-03-31"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = allocate(&office, "RJ1", "ALLOC-0", "4000000").await;
    assert_eq!(page.status, 303, "{}", page.body);
    // The edit form's hidden fields (its version), then the new role: an
    // acute fast follower, whose cap is £5m rather than £10m.
    let form = office.get("/participants/RJ1/edit").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let mut change = crate::returns::hidden(&form);
    for (k, v) in [
        ("role", "fast_follower"),
        ("sector", "acute"),
        ("wave", "Acute fast follower"),
        ("designated_on", "2017-03-31"),
        ("accredited_on", ""),
        ("status", "active"),
    ] {
        change.push((k.into(), v.into()));
    }
    let change = Arc::new(change);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..30 {
        let who = if i % 2 == 0 {
            office.clone()
        } else {
            office2.clone()
        };
        let change = change.clone();
        tasks.spawn(async move {
            let page = if i == 0 {
                who.post("/participants/RJ1/edit", &crate::returns::borrow(&change))
                    .await
            } else {
                allocate(&who, "RJ1", &format!("RACE-{i}"), "500000").await
            };
            (i, page.status, page.body)
        });
    }
    while let Some(done) = tasks.join_next().await {
        let (i, status, body) = done.unwrap();
        assert!(matches!(status, 303 | 409 | 422), "{i}: {status}: {body}");
    }
    let rj1 = crate::support::participant_id(&app.db, "RJ1").await;
    let role = Participants::find_by_id(rj1)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .role;
    let total: i64 = Allocations::find()
        .filter(allocation::Column::ParticipantId.eq(rj1))
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|a| a.central_pence)
        .sum();
    let cap = if role == "fast_follower" {
        500_000_000
    } else {
        1_000_000_000
    };
    eprintln!("role change among allocations: {role}, {total}");
    assert!(total <= cap, "{role} holds {total}, over its cap {cap}");
}
