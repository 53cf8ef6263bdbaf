//! Money and change-request rules under concurrent use: many requests fired
//! at once at the same participant, allocation or milestone. Afterwards the
//! rule holds in the database, and every request that lost got a clear 409
//! or 422 — never a 5xx. Runs on SQLite and on PostgreSQL
//! (`scripts/test-postgres concurrency`).
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use gde::entities::{
    AllocationChangeRequests, Allocations, AuditEvents, BaselineChangeRequests, Milestones,
    Tranches, allocation, allocation_change_request, audit_event, baseline_change_request,
    milestone, tranche,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::support::{Browser, OFFICE, OFFICE2, REPORTER, TestApp};

/// How many requests each test fires at once.
const BURST: usize = 30;

type Fields = Vec<(String, String)>;

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Posts every (browser, path, fields) at once; the statuses, in order.
async fn burst(label: &str, posts: Vec<(Arc<Browser>, String, Fields)>) -> Vec<u16> {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (browser, path, fields)) in posts.into_iter().enumerate() {
        tasks.spawn(async move {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let page = browser.post(&path, &pairs).await;
            assert!(
                page.status < 500,
                "POST {path} answered {}:\n{}",
                page.status,
                page.body
            );
            (i, page.status)
        });
    }
    let mut statuses = vec![0; tasks.len()];
    while let Some(done) = tasks.join_next().await {
        let (i, status) = done.expect("request task");
        statuses[i] = status;
    }
    let mut tally: BTreeMap<u16, usize> = BTreeMap::new();
    for s in &statuses {
        *tally.entry(*s).or_default() += 1;
    }
    eprintln!(
        "{label}: {} requests in {:?}: {tally:?}",
        statuses.len(),
        started.elapsed()
    );
    for s in &statuses {
        assert!(
            matches!(s, 303 | 409 | 422),
            "{label}: unexpected status {s} in {statuses:?}"
        );
    }
    statuses
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// Each claim-first transaction waits its turn and then sees what the
/// winners wrote, so every loser is told why (422), not asked to retry (409).
fn losers_told_why(statuses: &[u16]) {
    assert_eq!(count(statuses, 409), 0, "{statuses:?}");
}

async fn allocations_of(app: &TestApp, ods: &str) -> Vec<allocation::Model> {
    Allocations::find()
        .filter(
            allocation::Column::ParticipantId
                .eq(crate::support::participant_id(&app.db, ods).await),
        )
        .all(&app.db)
        .await
        .unwrap()
}

/// An allocation for RJ1 of `pounds`, profiled into 2018/19.
async fn allocate(office: &Browser, reference: &str, pounds: &str) {
    let page = office
        .post(
            "/participants/RJ1/allocations",
            &[
                ("reference", reference),
                ("central", pounds),
                ("local_match", pounds),
                ("awarded_on", "2018-04-01"),
                ("fy_2018", pounds),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
}

const CAP_PENCE: i64 = 500_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn allocations_sent_together_never_exceed_the_cap() {
    let app = TestApp::seeded().await;
    let office = Arc::new(app.sign_in(OFFICE).await);
    let office2 = Arc::new(app.sign_in(OFFICE2).await);
    crate::support::add_fast_follower(&office, "RJ1").await;
    // £1m each against a £5m cap: five fit, whatever the order.
    let posts = (0..BURST)
        .map(|i| {
            let who = if i % 2 == 0 { &office } else { &office2 };
            (
                who.clone(),
                "/participants/RJ1/allocations".to_owned(),
                fields(&[
                    ("reference", &format!("RACE-{i}")),
                    ("central", "1000000"),
                    ("local_match", "1000000"),
                    ("awarded_on", "2018-04-01"),
                    ("fy_2018", "1000000"),
                ]),
            )
        })
        .collect();
    let statuses = burst("allocations at the cap", posts).await;
    losers_told_why(&statuses);
    let stored = allocations_of(&app, "RJ1").await;
    let total: i64 = stored.iter().map(|a| a.central_pence).sum();
    assert!(total <= CAP_PENCE, "cap broken: {total}");
    assert_eq!(count(&statuses, 303), stored.len());
    assert_eq!(stored.len(), 5, "{statuses:?}");
    assert_eq!(
        AuditEvents::find()
            .filter(audit_event::Column::Action.eq("allocation.create"))
            .count(&app.db)
            .await
            .unwrap(),
        5
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_reference_sent_together_is_recorded_once() {
    let app = TestApp::seeded().await;
    let office = Arc::new(app.sign_in(OFFICE).await);
    crate::support::add_fast_follower(&office, "RJ1").await;
    let posts = (0..BURST)
        .map(|_| {
            (
                office.clone(),
                "/participants/RJ1/allocations".to_owned(),
                fields(&[
                    ("reference", "SAME"),
                    ("central", "100000"),
                    ("local_match", "100000"),
                    ("awarded_on", "2018-04-01"),
                    ("fy_2018", "100000"),
                ]),
            )
        })
        .collect();
    let statuses = burst("one allocation reference", posts).await;
    losers_told_why(&statuses);
    assert_eq!(count(&statuses, 303), 1, "{statuses:?}");
    assert_eq!(allocations_of(&app, "RJ1").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tranches_sent_together_never_exceed_their_allocation() {
    let app = TestApp::seeded().await;
    let office = Arc::new(app.sign_in(OFFICE).await);
    let office2 = Arc::new(app.sign_in(OFFICE2).await);
    crate::support::add_fast_follower(&office, "RJ1").await;
    allocate(&office, "ALLOC-1", "3000000").await;
    let alloc = allocations_of(&app, "RJ1").await.remove(0);
    // £500k each against £3m: six fit.
    let path = format!("/allocations/{}/tranches", alloc.id);
    let posts = (0..BURST)
        .map(|i| {
            let who = if i % 2 == 0 { &office } else { &office2 };
            (
                who.clone(),
                path.clone(),
                fields(&[
                    ("name", &format!("Instalment {i}")),
                    ("kind", "upfront"),
                    ("amount", "500000"),
                ]),
            )
        })
        .collect();
    let statuses = burst("tranches at the allocation", posts).await;
    losers_told_why(&statuses);
    let stored = Tranches::find()
        .filter(tranche::Column::AllocationId.eq(alloc.id))
        .all(&app.db)
        .await
        .unwrap();
    let total: i64 = stored.iter().map(|t| t.amount_pence).sum();
    assert!(total <= alloc.central_pence, "allocation broken: {total}");
    assert_eq!(count(&statuses, 303), stored.len());
    assert_eq!(stored.len(), 6, "{statuses:?}");
}

/// Asks (as OFFICE) to change an RJ1 allocation to `pounds`; the request's id.
async fn ask_change(
    app: &TestApp,
    office: &Browser,
    alloc: &allocation::Model,
    pounds: &str,
) -> i32 {
    let page = office
        .post(
            &format!("/allocations/{}/change", alloc.id),
            &[
                ("central", pounds),
                ("local_match", pounds),
                ("fy_2018", pounds),
                ("reason", "Scope agreed at the programme board"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    AllocationChangeRequests::find()
        .filter(allocation_change_request::Column::AllocationId.eq(alloc.id))
        .filter(allocation_change_request::Column::Status.eq("pending"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("a pending request")
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn allocation_changes_approved_together_never_exceed_the_cap() {
    let app = TestApp::seeded().await;
    let office = Arc::new(app.sign_in(OFFICE).await);
    let office2 = Arc::new(app.sign_in(OFFICE2).await);
    crate::support::add_fast_follower(&office, "RJ1").await;
    // Five allocations of £500k (£2.5m of £5m); each asks to grow by £1m.
    // Each alone fits; together they would reach £7.5m.
    let mut requests = Vec::new();
    for i in 0..5 {
        allocate(&office, &format!("ALLOC-{i}"), "500000").await;
    }
    for alloc in allocations_of(&app, "RJ1").await {
        requests.push(ask_change(&app, &office, &alloc, "1500000").await);
    }
    // Every request approved six times over, all at once, by the other officer.
    let posts = (0..BURST)
        .map(|i| {
            (
                office2.clone(),
                format!(
                    "/change-requests/allocation/{}",
                    requests[i % requests.len()]
                ),
                fields(&[("decision", "approve"), ("comment", "")]),
            )
        })
        .collect();
    let statuses = burst("allocation approvals", posts).await;
    losers_told_why(&statuses);
    let stored = allocations_of(&app, "RJ1").await;
    let total: i64 = stored.iter().map(|a| a.central_pence).sum();
    assert!(total <= CAP_PENCE, "cap broken: {total}");
    let grown = stored
        .iter()
        .filter(|a| a.central_pence == 150_000_000)
        .count();
    // £2.5m + £1m + £1m = £4.5m; a third would pass the cap.
    assert_eq!(grown, 2, "{statuses:?}");
    assert_eq!(count(&statuses, 303), grown);
    let approved = AllocationChangeRequests::find()
        .filter(allocation_change_request::Column::Status.eq("approved"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(approved as usize, grown);
    assert_eq!(
        AuditEvents::find()
            .filter(audit_event::Column::Action.eq("allocation_change.approve"))
            .count(&app.db)
            .await
            .unwrap() as usize,
        grown
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_request_decided_by_many_at_once_is_decided_once() {
    let app = TestApp::seeded().await;
    let office = Arc::new(app.sign_in(OFFICE).await);
    let office2 = Arc::new(app.sign_in(OFFICE2).await);
    crate::support::add_fast_follower(&office, "RJ1").await;
    allocate(&office, "ALLOC-1", "1000000").await;
    let alloc = allocations_of(&app, "RJ1").await.remove(0);
    let request = ask_change(&app, &office, &alloc, "2000000").await;
    let path = format!("/change-requests/allocation/{request}");
    let posts = (0..BURST)
        .map(|i| {
            let decision = if i % 2 == 0 {
                fields(&[("decision", "approve")])
            } else {
                fields(&[("decision", "reject"), ("comment", "Not this year")])
            };
            (office2.clone(), path.clone(), decision)
        })
        .collect();
    let statuses = burst("decisions on one request", posts).await;
    losers_told_why(&statuses);
    assert_eq!(count(&statuses, 303), 1, "{statuses:?}");
    let decided = AuditEvents::find()
        .filter(
            audit_event::Column::Action
                .is_in(["allocation_change.approve", "allocation_change.reject"]),
        )
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(decided, 1);
    let after = Allocations::find_by_id(alloc.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        after.central_pence == 100_000_000 || after.central_pence == 200_000_000,
        "{}",
        after.central_pence
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn change_requests_sent_together_leave_one_pending_per_record() {
    let app = TestApp::seeded().await;
    let office = Arc::new(app.sign_in(OFFICE).await);
    let office2 = Arc::new(app.sign_in(OFFICE2).await);
    let reporter = Arc::new(app.sign_in(REPORTER).await);
    // Baseline changes to one of the reporter's milestones, from the trust
    // and the office at once, each proposing a different date.
    let m = Milestones::find()
        .filter(
            milestone::Column::ParticipantId
                .eq(crate::support::participant_id(&app.db, "RAL").await),
        )
        .filter(milestone::Column::SignedOffOn.is_null())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let path = format!("/milestones/{}/baseline-requests", m.id);
    let posts = (0..BURST)
        .map(|i| {
            let who = [&reporter, &office, &office2][i % 3];
            let proposed = format!("2029-01-{:02}", i % 28 + 1);
            (
                who.clone(),
                path.clone(),
                fields(&[
                    ("proposed_baseline_on", &proposed),
                    ("reason", "Supplier delivery slipped by a quarter"),
                ]),
            )
        })
        .collect();
    let statuses = burst("baseline requests for one milestone", posts).await;
    losers_told_why(&statuses);
    let pending = BaselineChangeRequests::find()
        .filter(baseline_change_request::Column::MilestoneId.eq(m.id))
        .filter(baseline_change_request::Column::Status.eq("pending"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(pending, 1);
    assert_eq!(count(&statuses, 303), 1, "{statuses:?}");

    // Allocation changes to one allocation, at once.
    crate::support::add_fast_follower(&office, "RJ1").await;
    allocate(&office, "ALLOC-1", "1000000").await;
    let alloc = allocations_of(&app, "RJ1").await.remove(0);
    let path = format!("/allocations/{}/change", alloc.id);
    let posts = (0..BURST)
        .map(|i| {
            let who = if i % 2 == 0 { &office } else { &office2 };
            let pounds = (2_000_000 + i * 1000).to_string();
            (
                who.clone(),
                path.clone(),
                fields(&[
                    ("central", &pounds),
                    ("local_match", &pounds),
                    ("fy_2018", &pounds),
                    ("reason", "Scope agreed at the programme board"),
                ]),
            )
        })
        .collect();
    let statuses = burst("allocation requests for one allocation", posts).await;
    losers_told_why(&statuses);
    let pending = AllocationChangeRequests::find()
        .filter(allocation_change_request::Column::AllocationId.eq(alloc.id))
        .filter(allocation_change_request::Column::Status.eq("pending"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(pending, 1);
    assert_eq!(count(&statuses, 303), 1, "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_milestone_reference_sent_together_is_recorded_once() {
    let app = TestApp::seeded().await;
    let office = Arc::new(app.sign_in(OFFICE).await);
    let office2 = Arc::new(app.sign_in(OFFICE2).await);
    let posts = (0..BURST)
        .map(|i| {
            let who = if i % 2 == 0 { &office } else { &office2 };
            (
                who.clone(),
                "/participants/RAL/milestones".to_owned(),
                fields(&[
                    ("reference", "M99"),
                    ("title", &format!("Go-live attempt {i}")),
                    ("category", "epr_go_live"),
                    ("baseline_on", "2029-06-30"),
                ]),
            )
        })
        .collect();
    let statuses = burst("one milestone reference", posts).await;
    losers_told_why(&statuses);
    assert_eq!(count(&statuses, 303), 1, "{statuses:?}");
    let stored = Milestones::find()
        .filter(
            milestone::Column::ParticipantId
                .eq(crate::support::participant_id(&app.db, "RAL").await),
        )
        .filter(milestone::Column::Reference.eq("M99"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 1);
}

/// The rule holds even for a writer that skips the services: the database
/// refuses a second pending request for the same record.
#[tokio::test]
async fn the_database_refuses_a_second_pending_request() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = TestApp::seeded().await;
    let m = Milestones::find().one(&app.db).await.unwrap().unwrap();
    let user = gde::entities::Users::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let now = time::OffsetDateTime::now_utc();
    let request = |status: &str| baseline_change_request::ActiveModel {
        milestone_id: Set(m.id),
        previous_baseline_on: Set(m.baseline_on),
        proposed_baseline_on: Set(m.baseline_on),
        reason: Set("Written straight to the database".into()),
        status: Set(status.into()),
        requested_by: Set(user.id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    request("pending").insert(&app.db).await.unwrap();
    // Decided requests are history: any number may stand beside one pending.
    request("approved").insert(&app.db).await.unwrap();
    request("rejected").insert(&app.db).await.unwrap();
    let second = request("pending").insert(&app.db).await.unwrap_err();
    assert!(
        matches!(
            second.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        ),
        "{second}"
    );
}

/// Office-only money and decision routes refuse a reporter or a reader the
/// same way whether the id names a real record or none at all.
#[tokio::test]
async fn refusals_are_the_same_for_real_and_made_up_ids() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    crate::support::add_fast_follower(&office, "RJ1").await;
    allocate(&office, "ALLOC-1", "1000000").await;
    let alloc = allocations_of(&app, "RJ1").await.remove(0);
    let request = ask_change(&app, &office, &alloc, "2000000").await;
    let t = Tranches::find().one(&app.db).await.unwrap().unwrap();
    let m = Milestones::find().one(&app.db).await.unwrap().unwrap();
    let made_up = 987_654;
    // (GET or POST, path before the id, path after it, a real id)
    let routes = [
        ("GET", "/allocations/", "/change", alloc.id),
        ("GET", "/allocations/", "/tranches/new", alloc.id),
        ("POST", "/allocations/", "/change", alloc.id),
        ("POST", "/allocations/", "/tranches", alloc.id),
        ("POST", "/tranches/", "/release", t.id),
        ("POST", "/change-requests/allocation/", "", request),
        ("POST", "/change-requests/baseline/", "", request),
        ("POST", "/milestones/", "/progress", m.id),
        ("POST", "/milestones/", "/sign-off", m.id),
    ];
    let fields = [("version", "1"), ("decision", "approve")];
    for who in [REPORTER, crate::support::READER] {
        let browser = app.sign_in(who).await;
        for (method, before, after, real) in routes {
            let mut statuses = Vec::new();
            for id in [real, made_up] {
                let path = format!("{before}{id}{after}");
                statuses.push(match method {
                    "GET" => browser.get(&path).await.status,
                    _ => browser.post(&path, &fields).await.status,
                });
            }
            assert_eq!(
                statuses,
                [403, 403],
                "{who}: {method} {before}…{after} (real, made-up)"
            );
        }
    }
    // Baseline requests are open to a milestone's own trust: another trust's
    // milestone looks absent to a reporter, exactly like a made-up one; a
    // reader may ask for none.
    let elsewhere = Milestones::find()
        .filter(
            milestone::Column::ParticipantId
                .ne(crate::support::participant_id(&app.db, "RAL").await),
        )
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let ask = [
        ("proposed_baseline_on", "2029-01-01"),
        ("reason", "Supplier delivery slipped by a quarter"),
    ];
    for (who, expected) in [(REPORTER, 404), (crate::support::READER, 403)] {
        let browser = app.sign_in(who).await;
        for id in [elsewhere.id, made_up] {
            let path = format!("/milestones/{id}/baseline-requests");
            assert_eq!(
                browser.post(&path, &ask).await.status,
                expected,
                "{who}: {path}"
            );
        }
    }
}

/// When the database itself refuses for contention (a SQLite snapshot a
/// writer overtook; a PostgreSQL serialisation failure), the services call it
/// a conflict — a 409 asking the user to try again — not a 500.
#[tokio::test]
async fn contention_the_database_reports_is_a_conflict() {
    use sea_orm::{ConnectionTrait, DbBackend, IsolationLevel, TransactionTrait};
    let app = TestApp::seeded().await;
    let id = crate::support::participant_id(&app.db, "RAL").await;
    let touch = format!("UPDATE participants SET wave = wave || '.' WHERE id = {id}");
    let read = format!("SELECT wave FROM participants WHERE id = {id}");
    let slow = match app.db.get_database_backend() {
        DbBackend::Postgres => app
            .db
            .begin_with_config(Some(IsolationLevel::RepeatableRead), None)
            .await
            .unwrap(),
        _ => app.db.begin().await.unwrap(),
    };
    // The slow transaction reads first (taking its snapshot) …
    let backend = slow.get_database_backend();
    slow.query_all_raw(sea_orm::Statement::from_string(backend, read))
        .await
        .unwrap();
    if backend == DbBackend::Postgres {
        // The instant its change would be recorded at, set by hand: a full
        // stamp also raises the data version, a write whose row lock would
        // make the fast transaction wait for this one (as would any write
        // on SQLite).
        slow.execute_unprepared(&format!(
            "SELECT set_config('gde.now_us', '{}', true)",
            gde::clock::to_micros(gde::clock::now())
        ))
        .await
        .unwrap();
    }
    // … another writes and commits …
    let fast = crate::support::stamped(&app.db).await;
    fast.execute_unprepared(&touch).await.unwrap();
    fast.commit().await.unwrap();
    // … so the slow one may no longer write from what it read.
    let error = slow.execute_unprepared(&touch).await.unwrap_err();
    assert!(
        gde::services::concurrency::is_contention(&error),
        "not recognised as contention: {error}"
    );
    assert!(matches!(
        gde::services::concurrency::settle(gde::services::ServiceError::Database(error)),
        gde::services::ServiceError::Conflict
    ));
    slow.rollback().await.ok();
}
