//! Trust returns through HTTP: the whole workflow, scoping, and frozen records.
use gde::entities::{
    Milestones, Organisations, Participants, ReportingPeriods, ReturnMilestoneUpdates, Returns,
    milestone, organisation, participant, progress_return, reporting_period,
    return_milestone_update,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::support::{Browser, OFFICE, Page, READER, REPORTER, TestApp};

/// The hidden fields of the forms on a page (the versions they were built
/// from), as a browser would send them back; the form token is added by `post`.
pub fn hidden(page: &Page) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for chunk in page.body.split("<input type=\"hidden\"").skip(1) {
        let tag = &chunk[..chunk.find('>').unwrap_or(chunk.len())];
        let attr = |name: &str| {
            let marker = format!("{name}=\"");
            let start = tag.find(&marker)? + marker.len();
            let end = tag[start..].find('"')? + start;
            Some(tag[start..end].to_owned())
        };
        if let (Some(name), Some(value)) = (attr("name"), attr("value"))
            && name != "authenticity_token"
        {
            out.push((name, value));
        }
    }
    out
}

/// Opens `page_path`, then posts its hidden fields plus `fields` to `action`:
/// what a person does with the form in front of them.
pub async fn fill(
    browser: &Browser,
    page_path: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> Page {
    let page = browser.get(page_path).await;
    assert_eq!(page.status, 200, "{page_path}: {}", page.body);
    let mut all = hidden(&page);
    all.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    browser.post(action, &borrow(&all)).await
}

/// The return's stored version (0 before it exists).
pub async fn version_of(app: &TestApp, period: i32) -> i32 {
    Returns::find()
        .filter(progress_return::Column::PeriodId.eq(period))
        .one(&app.db)
        .await
        .unwrap()
        .map(|r| r.version)
        .unwrap_or(0)
}

pub async fn open_milestones(app: &TestApp, ods: &str) -> Vec<milestone::Model> {
    let org = Organisations::find()
        .filter(organisation::Column::OdsCode.eq(ods))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let p = Participants::find()
        .filter(participant::Column::OrganisationId.eq(org.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    Milestones::find()
        .filter(milestone::Column::ParticipantId.eq(p.id))
        .filter(milestone::Column::Status.is_not_in(["complete", "cancelled"]))
        .all(&app.db)
        .await
        .unwrap()
}

/// The period `open_period` opens, as URLs name it.
pub const PERIOD_SLUG: &str = "2026-27-q2";

/// Approves through the confirmation page, as the office would: the review
/// form posted, the confirmation page shown (nothing changed yet), and its
/// form confirmed.
pub async fn approve(office: &Browser, path: &str, rating: &str) -> Page {
    let review = format!("{path}/review");
    let page = fill(
        office,
        path,
        &review,
        &[("decision", "approve"), ("office_rating", rating)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Confirm approval"), "{}", page.body);
    let fields = hidden(&page);
    office.post(&review, &borrow(&fields)).await
}

pub async fn open_period(office: &Browser, app: &TestApp) -> i32 {
    let page = office
        .post(
            "/periods",
            &[
                ("frequency", "quarterly"),
                ("year", "2026"),
                ("number", "2"),
                ("due_on", "2026-10-30"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    ReportingPeriods::find()
        .filter(reporting_period::Column::Label.eq("2026/27 Q2"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("period opened")
        .id
}

pub async fn status_of(app: &TestApp, period: i32) -> String {
    let org = Organisations::find()
        .filter(organisation::Column::OdsCode.eq("RAL"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let p = Participants::find()
        .filter(participant::Column::OrganisationId.eq(org.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    Returns::find()
        .filter(progress_return::Column::PeriodId.eq(period))
        .filter(progress_return::Column::ParticipantId.eq(p.id))
        .one(&app.db)
        .await
        .unwrap()
        .map(|r| r.status)
        .unwrap_or_else(|| "none".into())
}

pub fn complete_return(
    milestones: &[milestone::Model],
    forecast: &str,
    rating: &str,
) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = vec![
        ("spend_to_date".into(), "7,500,000.00".into()),
        ("self_rating".into(), rating.into()),
        (
            "rating_justification".into(),
            "Go-live slipped but funded and staffed".into(),
        ),
        (
            "narrative".into(),
            "Shared care record live in two boroughs.".into(),
        ),
        (
            "risk_1_description".into(),
            "Supplier capacity for the final release".into(),
        ),
        ("risk_1_rating".into(), "amber".into()),
        (
            "risk_1_mitigation".into(),
            "Weekly call with the supplier".into(),
        ),
    ];
    for m in milestones {
        fields.push((format!("m_{}_forecast", m.id), forecast.into()));
        fields.push((format!("m_{}_status", m.id), "in_progress".into()));
        fields.push((
            format!("m_{}_comment", m.id),
            "On track for the new date".into(),
        ));
    }
    fields
}

pub fn borrow(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[tokio::test]
async fn the_return_workflow_from_draft_to_frozen_record() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let reporter = app.sign_in(REPORTER).await;
    let period = open_period(&office, &app).await;
    let path = format!("/returns/{PERIOD_SLUG}/RAL");
    let milestones = open_milestones(&app, "RAL").await;
    assert!(
        !milestones.is_empty(),
        "RAL has open milestones in the seed"
    );

    // Draft: saved any number of times, incomplete is fine.
    let page = reporter.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Submit to the programme office"));
    assert!(hidden(&page).contains(&("version".into(), "0".into())));
    let page = fill(
        &reporter,
        &path,
        &path,
        &[("action", "save"), ("narrative", "Half written")],
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(status_of(&app, period).await, "draft");
    // A form without its version is refused, not applied.
    let page = reporter
        .post(&path, &[("action", "save"), ("narrative", "No version")])
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("missing its version"));
    // Submitting an incomplete return lists what is missing, and changes nothing.
    let page = fill(
        &reporter,
        &path,
        &path,
        &[("action", "submit"), ("narrative", "Half written")],
    )
    .await;
    assert_eq!(page.status, 422);
    assert!(
        page.text_of("spend_to_date-error")
            .contains("Enter the actual spend")
    );
    assert!(
        page.text_of("self_rating-error")
            .contains("Select your delivery confidence")
    );
    assert!(
        page.body
            .contains(&format!("href=\"#m_{}_status\"", milestones[0].id))
    );
    assert_eq!(status_of(&app, period).await, "draft");

    // Submit in full.
    let mut fields = complete_return(&milestones, "2027-03-31", "green");
    fields.push(("action".into(), "submit".into()));
    let page = fill(&reporter, &path, &path, &borrow(&fields)).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(status_of(&app, period).await, "submitted");
    // The trust cannot change it now, even naming its current version.
    let current = version_of(&app, period).await.to_string();
    let mut again = fields.clone();
    again.push(("version".into(), current));
    let page = reporter.post(&path, &borrow(&again)).await;
    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains("cannot be changed unless the programme office returns it")
    );
    assert!(
        !reporter
            .get(&path)
            .await
            .body
            .contains("Submit to the programme office")
    );
    // Nor approve its own return.
    let page = reporter
        .post(
            &format!("{path}/review"),
            &[("decision", "approve"), ("office_rating", "green")],
        )
        .await;
    assert_eq!(page.status, 403);

    // The office sees it in the queue, with the disagreement flagged: the
    // trust says Green, but forecasts years past baseline suggest Red.
    let queue = office.get("/returns").await;
    let row = queue.element("review-queue");
    assert!(row.contains("/returns/") && row.contains("RAL"), "{row}");
    assert!(row.contains("Ratings disagree"), "{row}");
    let review = office.get(&path).await;
    assert!(review.text_of("suggested").contains("Red"));

    // Returning needs a comment; then the trust can edit again.
    let page = fill(
        &office,
        &path,
        &format!("{path}/review"),
        &[("decision", "return")],
    )
    .await;
    assert_eq!(page.status, 422);
    assert!(
        page.text_of("office_comment-error")
            .contains("Say what the trust needs to change")
    );
    let page = fill(
        &office,
        &path,
        &format!("{path}/review"),
        &[
            ("decision", "return"),
            ("office_comment", "Rating looks optimistic; please revisit"),
        ],
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(status_of(&app, period).await, "returned");
    assert!(
        reporter
            .get(&path)
            .await
            .text_of("office-comment")
            .contains("optimistic")
    );

    // Resubmitted with a later forecast and an honest rating.
    let mut fields = complete_return(&milestones, "2027-06-30", "red");
    fields.push(("action".into(), "submit".into()));
    assert_eq!(
        fill(&reporter, &path, &path, &borrow(&fields)).await.status,
        303
    );
    // Approval needs the office's own rating, then applies the forecasts.
    let page = fill(
        &office,
        &path,
        &format!("{path}/review"),
        &[("decision", "approve")],
    )
    .await;
    assert_eq!(page.status, 422);
    let page = fill(
        &office,
        &path,
        &format!("{path}/review"),
        &[("decision", "approve"), ("office_rating", "red")],
    )
    .await;
    assert_eq!(page.status, 200, "the confirmation page: {}", page.body);
    assert_eq!(status_of(&app, period).await, "submitted");
    let page = approve(&office, &path, "red").await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(status_of(&app, period).await, "approved");
    for m in &milestones {
        let live = Milestones::find_by_id(m.id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            live.forecast_on.unwrap().to_string(),
            "2027-06-30",
            "{}",
            m.reference
        );
        assert_eq!(live.status, "in_progress");
        assert_eq!(live.version, m.version + 1, "{}", m.reference);
    }

    // A later edit to a live milestone leaves the approved return as it was.
    let m = Milestones::find_by_id(milestones[0].id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let page = office
        .post(
            &format!("/milestones/{}/progress", m.id),
            &[
                ("forecast_on", "2028-01-31"),
                ("status", "at_risk"),
                ("version", &m.version.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
    let frozen = office.get(&path).await;
    let table = frozen.element("return-milestones");
    assert!(
        table.contains("2027-06-30") && !table.contains("2028-01-31"),
        "{table}"
    );
    let ours = Returns::find()
        .filter(progress_return::Column::PeriodId.eq(period))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let stored = ReturnMilestoneUpdates::find()
        .filter(return_milestone_update::Column::MilestoneId.eq(m.id))
        .filter(return_milestone_update::Column::ReturnId.eq(ours.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.forecast_on.unwrap().to_string(), "2027-06-30");
    // And nobody can change it any more.
    let current = version_of(&app, period).await.to_string();
    let mut again = fields.clone();
    again.push(("version".into(), current.clone()));
    assert_eq!(reporter.post(&path, &borrow(&again)).await.status, 422);
    let page = office
        .post(
            &format!("{path}/review"),
            &[
                ("decision", "return"),
                ("office_comment", "again"),
                ("version", &current),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains("Only a submitted return can be reviewed")
    );
}

#[tokio::test]
async fn a_reporter_cannot_see_draft_or_submit_another_trusts_return() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let reporter = app.sign_in(REPORTER).await;
    let reader = app.sign_in(READER).await;
    let period = open_period(&office, &app).await;
    let other = format!("/returns/{PERIOD_SLUG}/RGT");
    assert_eq!(reporter.get(&other).await.status, 404);
    // The old numeric form of another trust's return is not found either,
    // never redirected (which would say that it exists).
    let numeric = format!("/returns/{period}/RGT");
    assert_eq!(reporter.get(&numeric).await.status, 404);
    assert_eq!(reader.get(&numeric).await.status, 308);
    assert_eq!(
        reporter
            .post(&other, &[("action", "save"), ("narrative", "x")])
            .await
            .status,
        404
    );
    assert_eq!(
        reporter.post(&other, &[("action", "submit")]).await.status,
        404
    );
    assert_eq!(reporter.get("/participants/RGT/returns").await.status, 404);
    // The reader may read but not write; the office does not fill in trusts' returns.
    assert_eq!(reader.get(&other).await.status, 200);
    assert_eq!(reader.post(&other, &[("action", "save")]).await.status, 403);
    assert_eq!(office.post(&other, &[("action", "save")]).await.status, 403);
    assert_eq!(reporter.get("/periods").await.status, 403);
    assert_eq!(
        reporter
            .post("/periods", &[("frequency", "monthly")])
            .await
            .status,
        403
    );
    // The reporter's queue holds only their own trust.
    let queue = reporter.get("/returns").await;
    assert!(!queue.body.contains("/RGT\""));
}

#[tokio::test]
async fn not_reported_is_shown_never_green() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    open_period(&office, &app).await;
    let page = office.get(&format!("/returns/{PERIOD_SLUG}/RGT")).await;
    assert!(page.text_of("not-reported").contains("Not reported"));
    let queue = office.get("/returns").await;
    let latest = queue.element("latest-period");
    assert!(latest.contains("Not reported"));
    let history = office.get("/participants/RGT/returns").await;
    assert!(history.element("return-history").contains("Not reported"));
    // Periods are validated like any form.
    let page = office
        .post(
            "/periods",
            &[
                ("frequency", "quarterly"),
                ("year", "2026"),
                ("number", "5"),
                ("due_on", "2026-10-30"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("A quarter is 1 to 4"));
    let page = office
        .post(
            "/periods",
            &[
                ("frequency", "quarterly"),
                ("year", "2026"),
                ("number", "2"),
                ("due_on", "2026-10-30"),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "the same period twice");
}

#[tokio::test]
async fn refusals_are_the_same_for_real_and_made_up_ids() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let reporter = app.sign_in(REPORTER).await;
    let reader = app.sign_in(READER).await;
    let period = open_period(&office, &app).await;
    // Another trust's real return, a made-up trust, a made-up period (of the
    // reporter's own trust and of another), and a period that is not a number.
    let hidden_from_reporter = [
        format!("/returns/{PERIOD_SLUG}/RGT"),
        format!("/returns/{PERIOD_SLUG}/ZZZ"),
        format!("/returns/{period}/RGT"),
        format!("/returns/{period}/ZZZ"),
        "/returns/999999/RAL".to_owned(),
        "/returns/999999/RGT".to_owned(),
        "/returns/2099-00-q1/RAL".to_owned(),
        "/returns/x/RAL".to_owned(),
    ];
    let mut pages = Vec::new();
    for path in &hidden_from_reporter {
        let page = reporter.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        pages.push(page.body);
        let page = reporter
            .post(path, &[("action", "save"), ("version", "1")])
            .await;
        assert_eq!(page.status, 404, "save {path}");
        pages.push(page.body);
    }
    for path in ["/participants/RGT/returns", "/participants/ZZZ/returns"] {
        let page = reporter.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        pages.push(page.body);
    }
    for ods in ["RGT", "ZZZ"] {
        let page = reporter
            .get(&format!(
                "/participants/{ods}/compare?from={period}&to={period}"
            ))
            .await;
        assert_eq!(page.status, 404, "compare {ods}");
        pages.push(page.body);
    }
    assert!(
        pages.windows(2).all(|w| w[0] == w[1]),
        "every refusal reads the same"
    );
    // Writers' refusals do not depend on the record either.
    for (who, browser) in [("reader", &reader), ("office", &office)] {
        let real = browser
            .post(
                &format!("/returns/{PERIOD_SLUG}/RGT"),
                &[("action", "save")],
            )
            .await;
        let made_up = browser
            .post("/returns/999999/ZZZ", &[("action", "save")])
            .await;
        assert_eq!((real.status, made_up.status), (403, 403), "{who}");
        assert_eq!(real.body, made_up.body, "{who}");
    }
    let real = reporter
        .post(
            &format!("/returns/{PERIOD_SLUG}/RAL/review"),
            &[("decision", "approve")],
        )
        .await;
    let made_up = reporter
        .post("/returns/999999/ZZZ/review", &[("decision", "approve")])
        .await;
    assert_eq!((real.status, made_up.status), (403, 403));
    assert_eq!(real.body, made_up.body);
}
