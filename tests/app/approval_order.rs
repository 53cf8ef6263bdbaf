//! Approval never moves facts backwards: approving an old return leaves a
//! milestone alone where something newer is on record (a later period's
//! approved return, or the office's own update after the return was
//! submitted), and the review page says so beforehand. Runs on SQLite and
//! PostgreSQL (`scripts/test-postgres approval_order`).
use gde::entities::{
    AuditEvents, Milestones, Organisations, Participants, ReportingPeriods, audit_event, milestone,
    organisation, participant, reporting_period,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::returns::{borrow, complete_return, fill, open_milestones};
use crate::support::{Browser, OFFICE, REPORTER, TestApp};

/// The period's address: its label's slug, once it is known to exist.
async fn period_id(app: &TestApp, label: &str) -> String {
    let period = ReportingPeriods::find()
        .filter(reporting_period::Column::Label.eq(label))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no period {label}"));
    gde::domain::reporting::period_slug(&period.label)
}

async fn open(office: &Browser, app: &TestApp, number: &str, due_on: &str) -> String {
    let page = office
        .post(
            "/periods",
            &[
                ("frequency", "quarterly"),
                ("year", "2026"),
                ("number", number),
                ("due_on", due_on),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    period_id(app, &format!("2026/27 Q{number}")).await
}

async fn live(app: &TestApp, id: i32) -> milestone::Model {
    Milestones::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn submit(reporter: &Browser, period: &str, milestones: &[milestone::Model], forecast: &str) {
    let path = format!("/returns/{period}/RAL");
    let mut fields = complete_return(milestones, forecast, "amber");
    fields.push(("action".into(), "submit".into()));
    let page = fill(reporter, &path, &path, &borrow(&fields)).await;
    assert_eq!(page.status, 303, "{}", page.body);
}

/// Approves through the confirmation page, as the office does.
async fn approve(office: &Browser, period: &str, ods: &str) {
    let path = format!("/returns/{period}/{ods}");
    let page = crate::returns::approve(office, &path, "amber").await;
    assert_eq!(page.status, 303, "{}", page.body);
}

/// The row of the #approval-changes table for a milestone reference, as text.
fn approval_row(body: &str, reference: &str) -> String {
    let table = &body[body
        .find("id=\"approval-changes\"")
        .expect("approval table")..];
    let table = &table[..table.find("</table>").unwrap()];
    table
        .split("<tr class=\"nhsuk-table__row\">")
        .map(crate::support::strip_tags)
        .find(|row| row.trim_start().starts_with(reference))
        .unwrap_or_else(|| panic!("no row for {reference} in {table}"))
}

/// The example: RXT's 2020/21 Q4 return (seeded, awaiting review)
/// reports M05 for 2021-10-31, but today's record says 2025-12-31.
#[tokio::test]
async fn approving_an_old_seeded_return_keeps_a_newer_forecast() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let period = period_id(&app, "2020/21 Q4").await;
    let org = Organisations::find()
        .filter(organisation::Column::OdsCode.eq("RXT"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let rxt = Participants::find()
        .filter(participant::Column::OrganisationId.eq(org.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let m05 = Milestones::find()
        .filter(milestone::Column::ParticipantId.eq(rxt.id))
        .filter(milestone::Column::Reference.eq("M05"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m05.forecast_on.unwrap().to_string(), "2025-12-31");

    let page = office.get(&format!("/returns/{period}/RXT")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let row = approval_row(&page.body, "M05");
    assert!(row.contains("will not overwrite"), "{row}");
    assert!(row.contains("Stays at"), "{row}");

    approve(&office, &period, "RXT").await;
    let after = live(&app, m05.id).await;
    assert_eq!(after.forecast_on.unwrap().to_string(), "2025-12-31");
    assert_eq!(after.status, m05.status);
    assert_eq!(after.version, m05.version);
    let event = AuditEvents::find()
        .filter(audit_event::Column::Action.eq("return.approve"))
        .order_by_desc(audit_event::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        event.after_json.unwrap().contains("milestones_kept_newer"),
        "the audit trail records what was kept"
    );
}

/// Two periods awaiting review, the later approved first: approving the
/// earlier one afterwards does not undo it.
#[tokio::test]
async fn approving_an_earlier_period_after_a_later_one_changes_nothing() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let reporter = app.sign_in(REPORTER).await;
    let q1 = open(&office, &app, "1", "2026-07-30").await;
    let q2 = open(&office, &app, "2", "2026-10-30").await;
    let milestones = open_milestones(&app, "RAL").await;
    assert!(!milestones.is_empty());
    submit(&reporter, &q1, &milestones, "2027-01-31").await;
    submit(&reporter, &q2, &milestones, "2027-06-30").await;

    approve(&office, &q2, "RAL").await;
    for m in &milestones {
        assert_eq!(
            live(&app, m.id).await.forecast_on.unwrap().to_string(),
            "2027-06-30"
        );
    }
    let page = office.get(&format!("/returns/{q1}/RAL")).await;
    let row = approval_row(&page.body, &milestones[0].reference);
    assert!(row.contains("approved 2026/27 Q2 return"), "{row}");
    assert!(row.contains("will not overwrite"), "{row}");

    approve(&office, &q1, "RAL").await;
    for m in &milestones {
        let now = live(&app, m.id).await;
        assert_eq!(
            now.forecast_on.unwrap().to_string(),
            "2027-06-30",
            "{}",
            m.reference
        );
        assert_eq!(now.status, "in_progress");
    }
}

/// The office records progress directly after the trust submitted: approval
/// keeps the office's value for that milestone and applies the rest.
#[tokio::test]
async fn an_office_update_after_submission_is_not_overwritten() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let reporter = app.sign_in(REPORTER).await;
    let q2 = open(&office, &app, "2", "2026-10-30").await;
    // A second open milestone, recorded before the return is written.
    let page = office
        .post(
            "/participants/RAL/milestones",
            &[
                ("reference", "M90"),
                ("title", "Patient portal go-live"),
                ("category", "other"),
                ("baseline_on", "2027-03-31"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let milestones = open_milestones(&app, "RAL").await;
    assert!(milestones.len() >= 2, "RAL needs two open milestones");
    submit(&reporter, &q2, &milestones, "2027-06-30").await;

    let first = live(&app, milestones[0].id).await;
    let page = office
        .post(
            &format!("/milestones/{}/progress", first.id),
            &[
                ("status", "at_risk"),
                ("forecast_on", "2028-01-31"),
                ("version", &first.version.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);

    let page = office.get(&format!("/returns/{q2}/RAL")).await;
    let row = approval_row(&page.body, &first.reference);
    assert!(row.contains("after this return was submitted"), "{row}");
    assert!(row.contains("will not overwrite"), "{row}");
    let other = approval_row(&page.body, &milestones[1].reference);
    assert!(other.contains("Changes"), "{other}");

    approve(&office, &q2, "RAL").await;
    let kept = live(&app, first.id).await;
    assert_eq!(kept.forecast_on.unwrap().to_string(), "2028-01-31");
    assert_eq!(kept.status, "at_risk");
    for m in &milestones[1..] {
        let now = live(&app, m.id).await;
        assert_eq!(
            now.forecast_on.unwrap().to_string(),
            "2027-06-30",
            "{}",
            m.reference
        );
        assert_eq!(now.status, "in_progress");
    }
}
