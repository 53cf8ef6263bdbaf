//! Returns under concurrent use: many requests fired at once at the same
//! return (saving one draft, submitting, approving against returning,
//! creating the same draft, approving while its milestones are edited).
//! Exactly one wins; every loser gets 409 (or 422), never a 5xx; and what is
//! stored is the winner's, whole. Runs on SQLite and PostgreSQL alike.
use std::future::Future;
use std::sync::Arc;

use gde::entities::{
    AuditEvents, Milestones, ReturnMilestoneUpdates, ReturnRisks, Returns, audit_event, milestone,
    progress_return, return_milestone_update, return_risk,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::returns::{
    PERIOD_SLUG, borrow, complete_return, fill, hidden, open_milestones, open_period, status_of,
    version_of,
};
use crate::support::{OFFICE, OFFICE2, Page, REPORTER, TestApp};

/// How many requests each race fires.
const RACERS: usize = 30;

/// Runs every request at once (each on its own task) and returns the
/// statuses in the order the requests were made.
async fn fire<Fut>(requests: Vec<Fut>) -> Vec<u16>
where
    Fut: Future<Output = Page> + Send + 'static,
{
    let handles: Vec<_> = requests.into_iter().map(tokio::spawn).collect();
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.expect("request task").status);
    }
    statuses
}

/// Exactly one request won (`won` is its status); every other one lost
/// cleanly with a conflict or a field error. Returns the winner's index.
fn one_winner(statuses: &[u16], won: u16) -> usize {
    assert!(
        statuses.iter().all(|s| *s < 500),
        "a request failed on the server: {statuses:?}"
    );
    let winners: Vec<usize> = (0..statuses.len())
        .filter(|i| statuses[*i] == won)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one winner: {statuses:?}");
    assert!(
        statuses
            .iter()
            .enumerate()
            .all(|(i, s)| i == winners[0] || *s == 409 || *s == 422),
        "every loser gets 409 or 422: {statuses:?}"
    );
    winners[0]
}

async fn the_return(app: &TestApp, period: i32) -> progress_return::Model {
    Returns::find()
        .filter(progress_return::Column::PeriodId.eq(period))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the return exists")
}

async fn audit_count(app: &TestApp, action: &str) -> u64 {
    AuditEvents::find()
        .filter(audit_event::Column::Action.eq(action))
        .count(&app.db)
        .await
        .unwrap()
}

/// A reporter's form for writer `i`: its own narrative, comments and risk.
fn writer_fields(
    milestones: &[milestone::Model],
    i: usize,
    version: i32,
    action: &str,
) -> Vec<(String, String)> {
    let mut fields = complete_return(milestones, "2027-03-31", "amber");
    for (k, v) in fields.iter_mut() {
        if k == "narrative" || k.ends_with("_comment") || k == "risk_1_description" {
            *v = format!("writer {i}");
        }
    }
    fields.push(("version".into(), version.to_string()));
    fields.push(("action".into(), action.into()));
    fields
}

/// A draft started by the reporter; returns (period, path).
async fn started(app: &TestApp) -> (i32, String) {
    let office = app.sign_in(OFFICE).await;
    let reporter = app.sign_in(REPORTER).await;
    let period = open_period(&office, app).await;
    let path = format!("/returns/{PERIOD_SLUG}/RAL");
    let page = fill(
        &reporter,
        &path,
        &path,
        &[("action", "save"), ("narrative", "First")],
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    (period, path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_saves_of_one_draft_keep_exactly_one_whole() {
    let app = TestApp::seeded().await;
    let (period, path) = started(&app).await;
    let milestones = open_milestones(&app, "RAL").await;
    let version = version_of(&app, period).await;
    // Several reporters' sessions, each form built from the same version.
    let mut reporters = Vec::new();
    for _ in 0..3 {
        reporters.push(Arc::new(app.sign_in(REPORTER).await));
    }
    let requests = (0..RACERS)
        .map(|i| {
            let browser = reporters[i % reporters.len()].clone();
            let (path, fields) = (path.clone(), writer_fields(&milestones, i, version, "save"));
            async move { browser.post(&path, &borrow(&fields)).await }
        })
        .collect();
    let statuses = fire(requests).await;
    let winner = one_winner(&statuses, 303);
    assert!(
        statuses.iter().all(|s| *s == 303 || *s == 409),
        "{statuses:?}"
    );

    // What is stored is the winner's, whole: row, milestone lines and risks.
    let stored = the_return(&app, period).await;
    let mine = format!("writer {winner}");
    assert_eq!(stored.version, version + 1);
    assert_eq!(stored.status, "draft");
    assert_eq!(stored.narrative.as_deref(), Some(mine.as_str()));
    let lines = ReturnMilestoneUpdates::find()
        .filter(return_milestone_update::Column::ReturnId.eq(stored.id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(lines.len(), milestones.len());
    assert!(
        lines
            .iter()
            .all(|l| l.comment.as_deref() == Some(mine.as_str()))
    );
    let risks = ReturnRisks::find()
        .filter(return_risk::Column::ReturnId.eq(stored.id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(risks.len(), 1);
    assert_eq!(risks[0].description, mine);
    assert_eq!(audit_count(&app, "return.save_draft").await, 2);

    // A loser's form is stale: sent again it is still a conflict.
    let loser = (winner + 1) % RACERS;
    let browser = &reporters[0];
    let page = browser
        .post(
            &path,
            &borrow(&writer_fields(&milestones, loser, version, "save")),
        )
        .await;
    assert_eq!(page.status, 409);
    assert!(
        page.body.contains("changed by someone else"),
        "{}",
        page.body
    );
    assert_eq!(
        the_return(&app, period).await.narrative.as_deref(),
        Some(mine.as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_submits_submit_once() {
    let app = TestApp::seeded().await;
    let (period, path) = started(&app).await;
    let milestones = open_milestones(&app, "RAL").await;
    let version = version_of(&app, period).await;
    let reporter = Arc::new(app.sign_in(REPORTER).await);
    // Submits and draft saves of the same version, interleaved.
    let requests = (0..RACERS)
        .map(|i| {
            let browser = reporter.clone();
            let action = if i % 3 == 2 { "save" } else { "submit" };
            let (path, fields) = (path.clone(), writer_fields(&milestones, i, version, action));
            async move { browser.post(&path, &borrow(&fields)).await }
        })
        .collect();
    let statuses = fire(requests).await;
    let winner = one_winner(&statuses, 303);
    let stored = the_return(&app, period).await;
    assert_eq!(stored.version, version + 1);
    assert_eq!(
        stored.status,
        if winner % 3 == 2 {
            "draft"
        } else {
            "submitted"
        }
    );
    assert_eq!(stored.narrative, Some(format!("writer {winner}")));
    assert_eq!(
        audit_count(&app, "return.submit").await,
        u64::from(winner % 3 != 2)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_the_same_draft_in_parallel_makes_one_return() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let period = open_period(&office, &app).await;
    let path = format!("/returns/{PERIOD_SLUG}/RAL");
    let milestones = open_milestones(&app, "RAL").await;
    let reporter = Arc::new(app.sign_in(REPORTER).await);
    // Every form was opened before the return existed (version 0).
    let requests = (0..RACERS)
        .map(|i| {
            let browser = reporter.clone();
            let (path, fields) = (path.clone(), writer_fields(&milestones, i, 0, "save"));
            async move { browser.post(&path, &borrow(&fields)).await }
        })
        .collect();
    let statuses = fire(requests).await;
    let winner = one_winner(&statuses, 303);
    let all = Returns::find()
        .filter(progress_return::Column::PeriodId.eq(period))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(all.len(), 1, "one return per period and participant");
    assert_eq!(all[0].version, 1);
    assert_eq!(all[0].narrative, Some(format!("writer {winner}")));
    assert_eq!(audit_count(&app, "return.save_draft").await, 1);
}

/// A submitted return; returns (period, path, its milestones as submitted).
async fn submitted(app: &TestApp) -> (i32, String, Vec<milestone::Model>) {
    let office = app.sign_in(OFFICE).await;
    let reporter = app.sign_in(REPORTER).await;
    let period = open_period(&office, app).await;
    let path = format!("/returns/{PERIOD_SLUG}/RAL");
    second_open_milestone(app).await;
    let milestones = open_milestones(app, "RAL").await;
    let mut fields = complete_return(&milestones, "2027-06-30", "red");
    fields.push(("action".into(), "submit".into()));
    let page = fill(&reporter, &path, &path, &borrow(&fields)).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(status_of(app, period).await, "submitted");
    (period, path, milestones)
}

/// RAL has one open milestone in the seed; approvals are all-or-nothing
/// over several, so give it another.
async fn second_open_milestone(app: &TestApp) {
    use sea_orm::{ActiveModelTrait, Set};
    let first = open_milestones(app, "RAL").await.remove(0);
    let now = time::OffsetDateTime::now_utc();
    let txn = crate::support::stamped(&app.db).await;
    milestone::ActiveModel {
        participant_id: Set(first.participant_id),
        reference: Set(format!("{}-B", first.reference)),
        title: Set("Second open milestone".into()),
        category: Set("other".into()),
        baseline_on: Set(first.baseline_on),
        forecast_on: Set(first.forecast_on),
        status: Set("in_progress".into()),
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
}

async fn live(app: &TestApp, id: i32) -> milestone::Model {
    Milestones::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve_and_return_with_comments_race_one_decision() {
    let app = TestApp::seeded().await;
    let (period, path, milestones) = submitted(&app).await;
    let office = Arc::new(app.sign_in(OFFICE).await);
    let office2 = Arc::new(app.sign_in(OFFICE2).await);
    // Both reviewers open the same review page.
    let seen = hidden(&office.get(&path).await);
    assert!(seen.iter().any(|(k, _)| k == "version"), "{seen:?}");
    let review = format!("{path}/review");
    let requests = (0..RACERS)
        .map(|i| {
            let browser = if i.is_multiple_of(2) {
                office.clone()
            } else {
                office2.clone()
            };
            let mut fields = seen.clone();
            if i.is_multiple_of(2) {
                fields.push(("decision".into(), "approve".into()));
                fields.push(("confirm".into(), "yes".into()));
                fields.push(("office_rating".into(), "red".into()));
            } else {
                fields.push(("decision".into(), "return".into()));
                fields.push(("office_comment".into(), format!("reviewer {i}")));
            }
            let review = review.clone();
            async move { browser.post(&review, &borrow(&fields)).await }
        })
        .collect();
    let statuses = fire(requests).await;
    let winner = one_winner(&statuses, 303);
    let stored = the_return(&app, period).await;
    let approved = winner.is_multiple_of(2);
    assert_eq!(
        stored.status,
        if approved { "approved" } else { "returned" }
    );
    assert_eq!(
        audit_count(&app, "return.approve").await + audit_count(&app, "return.return").await,
        1
    );
    for m in &milestones {
        let now = live(&app, m.id).await;
        if approved {
            // Applied once: one version step, the return's forecast.
            assert_eq!(now.version, m.version + 1, "{}", m.reference);
            assert_eq!(now.forecast_on.unwrap().to_string(), "2027-06-30");
        } else {
            assert_eq!(now, *m, "a returned return changes no milestone");
            assert_eq!(stored.office_comment, Some(format!("reviewer {winner}")));
        }
    }
}

#[tokio::test]
async fn approval_refuses_a_milestone_changed_since_the_page_was_opened() {
    let app = TestApp::seeded().await;
    let (period, path, milestones) = submitted(&app).await;
    assert!(milestones.len() >= 2, "RAL has several open milestones");
    let office = app.sign_in(OFFICE).await;
    let office2 = app.sign_in(OFFICE2).await;
    let seen = hidden(&office.get(&path).await);
    // Meanwhile a colleague moves one of the milestones.
    let changed = &milestones[milestones.len() - 1];
    let page = office2
        .post(
            &format!("/milestones/{}/progress", changed.id),
            &[
                ("forecast_on", "2028-01-31"),
                ("status", "at_risk"),
                ("version", &changed.version.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    // The approval, built on the old page, changes nothing at all: not
    // its confirmation page, nor a confirmation posted with the old versions.
    let mut fields = seen.clone();
    fields.push(("decision".into(), "approve".into()));
    fields.push(("office_rating".into(), "red".into()));
    let page = office
        .post(&format!("{path}/review"), &borrow(&fields))
        .await;
    assert_eq!(page.status, 409, "{}", page.body);
    fields.push(("confirm".into(), "yes".into()));
    let page = office
        .post(&format!("{path}/review"), &borrow(&fields))
        .await;
    assert_eq!(page.status, 409, "{}", page.body);
    assert!(
        page.body.contains("one of its milestones changed"),
        "{}",
        page.body
    );
    assert_eq!(status_of(&app, period).await, "submitted");
    for m in &milestones[..milestones.len() - 1] {
        assert_eq!(
            live(&app, m.id).await,
            *m,
            "all or nothing: {}",
            m.reference
        );
    }
    assert_eq!(
        live(&app, changed.id)
            .await
            .forecast_on
            .unwrap()
            .to_string(),
        "2028-01-31"
    );
    assert_eq!(audit_count(&app, "return.approve").await, 0);
    // Opened again, the page shows the colleague's newer value and that
    // approving will not overwrite it (it was recorded after the return
    // was submitted), carries the versions as they are now, and approves.
    let again = office.get(&path).await;
    let changes = again.text_of("approval-changes");
    assert!(
        changes.contains("31 January 2028") && changes.contains("will not overwrite"),
        "{changes}"
    );
    let page = fill(
        &office,
        &path,
        &format!("{path}/review"),
        &[
            ("decision", "approve"),
            ("confirm", "yes"),
            ("office_rating", "red"),
        ],
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        live(&app, changed.id)
            .await
            .forecast_on
            .unwrap()
            .to_string(),
        "2028-01-31"
    );
    for m in &milestones[..milestones.len() - 1] {
        assert_eq!(
            live(&app, m.id).await.forecast_on.unwrap().to_string(),
            "2027-06-30",
            "{}",
            m.reference
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_racing_milestone_edits_is_all_or_nothing() {
    let app = TestApp::seeded().await;
    let (period, path, milestones) = submitted(&app).await;
    let office = Arc::new(app.sign_in(OFFICE).await);
    let office2 = Arc::new(app.sign_in(OFFICE2).await);
    let mut approval = hidden(&office.get(&path).await);
    approval.push(("decision".into(), "approve".into()));
    approval.push(("confirm".into(), "yes".into()));
    approval.push(("office_rating".into(), "red".into()));
    let target = milestones[0].clone();
    // One approval among many edits of the first milestone, all built on its
    // current version: only one of them can take it.
    let mut requests = Vec::new();
    for i in 0..RACERS {
        let (browser, path, fields): (_, String, Vec<(String, String)>) = if i == RACERS / 2 {
            (office.clone(), format!("{path}/review"), approval.clone())
        } else {
            (
                office2.clone(),
                format!("/milestones/{}/progress", target.id),
                vec![
                    ("forecast_on".into(), format!("2029-01-{:02}", i % 28 + 1)),
                    ("status".into(), "at_risk".into()),
                    ("version".into(), target.version.to_string()),
                ],
            )
        };
        requests.push(async move { browser.post(&path, &borrow(&fields)).await });
    }
    let statuses = fire(requests).await;
    let winner = one_winner(&statuses, 303);
    let now = live(&app, target.id).await;
    assert_eq!(now.version, target.version + 1);
    if winner == RACERS / 2 {
        assert_eq!(status_of(&app, period).await, "approved");
        for m in &milestones {
            assert_eq!(
                live(&app, m.id).await.forecast_on.unwrap().to_string(),
                "2027-06-30"
            );
        }
    } else {
        assert_eq!(status_of(&app, period).await, "submitted");
        assert_eq!(
            now.forecast_on.unwrap().to_string(),
            format!("2029-01-{:02}", winner % 28 + 1)
        );
        for m in &milestones[1..] {
            assert_eq!(
                live(&app, m.id).await,
                *m,
                "all or nothing: {}",
                m.reference
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_the_same_period_in_parallel_opens_it_once() {
    let app = TestApp::seeded().await;
    let office = Arc::new(app.sign_in(OFFICE).await);
    let requests = (0..RACERS)
        .map(|_| {
            let browser = office.clone();
            async move {
                browser
                    .post(
                        "/periods",
                        &[
                            ("frequency", "quarterly"),
                            ("year", "2026"),
                            ("number", "3"),
                            ("due_on", "2027-01-29"),
                        ],
                    )
                    .await
            }
        })
        .collect();
    let statuses = fire(requests).await;
    one_winner(&statuses, 303);
    // The losers are told why, beside the field.
    assert!(
        statuses.iter().all(|s| *s == 303 || *s == 422),
        "{statuses:?}"
    );
    let opened = gde::entities::ReportingPeriods::find()
        .filter(gde::entities::reporting_period::Column::Label.eq("2026/27 Q3"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(opened, 1);
}
