//! The programme office's workflows through HTTP: the money path, each
//! validation rule as the user sees it, change control and lost updates.
use gde::entities::{
    AllocationProfiles, Allocations, AuditEvents, Milestones, Organisations, Participants,
    Tranches, allocation, allocation_profile, audit_event, milestone, organisation, tranche,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::support::{OFFICE, OFFICE2, READER, REPORTER, TestApp};

async fn milestone_of(app: &TestApp, ods: &str, reference: &str) -> milestone::Model {
    Milestones::find()
        .filter(
            milestone::Column::ParticipantId.eq(crate::support::participant_id(&app.db, ods).await),
        )
        .filter(milestone::Column::Reference.eq(reference))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn allocation_of(app: &TestApp, ods: &str, reference: &str) -> allocation::Model {
    Allocations::find()
        .filter(
            allocation::Column::ParticipantId
                .eq(crate::support::participant_id(&app.db, ods).await),
        )
        .filter(allocation::Column::Reference.eq(reference))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

fn error_beside(page: &crate::support::Page, field: &str) -> String {
    page.text_of(&format!("{field}-error"))
}

#[tokio::test]
async fn the_whole_money_path_through_http() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let page = crate::support::add_fast_follower(&office, "rj1").await;
    assert_eq!(page.headers["location"], "/participants/RJ1");

    // Allocate within the cap (acute fast follower: £5m).
    let form = office.get("/participants/RJ1/allocations/new").await;
    assert_eq!(form.status, 200);
    let notice = form.text_of("cap-notice");
    assert!(
        notice.contains("£5,000,000") && notice.contains("acute fast follower"),
        "{notice}"
    );
    let page = office
        .post(
            "/participants/RJ1/allocations",
            &[
                ("reference", "ALLOC-1"),
                ("central", "£3,000,000"),
                ("local_match", "3000000"),
                ("awarded_on", "2018-04-01"),
                ("fy_2018", "1,000,000"),
                ("fy_2019", "2000000.00"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);

    // Over the cap: refused, the cap named, nothing written.
    let page = office
        .post(
            "/participants/RJ1/allocations",
            &[
                ("reference", "ALLOC-2"),
                ("central", "2500000"),
                ("local_match", "2500000"),
                ("awarded_on", "2019-04-01"),
                ("fy_2019", "2500000"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    let message = error_beside(&page, "central");
    assert!(
        message.contains("£5,000,000") && message.contains("£5,500,000"),
        "{message}"
    );
    assert!(page.body.contains("value=\"2500000\""), "input kept");
    assert_eq!(
        Allocations::find()
            .filter(
                allocation::Column::ParticipantId
                    .eq(crate::support::participant_id(&app.db, "RJ1").await)
            )
            .count(&app.db)
            .await
            .unwrap(),
        1
    );

    // A milestone, and a tranche tied to it.
    let page = office
        .post(
            "/participants/RJ1/milestones",
            &[
                ("reference", "M01"),
                ("title", "EPR go-live across all sites"),
                ("category", "epr_go_live"),
                ("baseline_on", "2019-06-30"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let m01 = milestone_of(&app, "RJ1", "M01").await;
    let alloc = allocation_of(&app, "RJ1", "ALLOC-1").await;
    let page = office
        .post(
            &format!("/allocations/{}/tranches", alloc.id),
            &[
                ("name", "Instalment 2: EPR go-live"),
                ("kind", "milestone"),
                ("milestone_reference", "M01"),
                ("amount", "1000000"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let t = Tranches::find()
        .filter(tranche::Column::AllocationId.eq(alloc.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();

    // Release is not offered before sign-off, and refused if posted anyway.
    let page = office.get(&format!("/tranches/{}/release", t.id)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("Released once milestone M01 is signed off")
    );
    assert!(!page.body.contains("Confirm release"));
    let page = office
        .post(
            &format!("/tranches/{}/release", t.id),
            &[("version", &t.version.to_string())],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body.contains("M01, which has not been signed off"),
        "{}",
        page.body
    );
    let unchanged = Tranches::find_by_id(t.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unchanged.released_on, None);

    // Sign-off needs completion with an actual date first.
    let page = office
        .post(
            &format!("/milestones/{}/sign-off", m01.id),
            &[("version", &m01.version.to_string())],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(error_beside(&page, "signed_off_on").contains("once it is complete"));
    let page = office
        .post(
            &format!("/milestones/{}/progress", m01.id),
            &[
                ("forecast_on", "2019-07-15"),
                ("status", "complete"),
                ("actual_on", "2019-07-15"),
                ("version", &m01.version.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let m01 = milestone_of(&app, "RJ1", "M01").await;
    let page = office
        .post(
            &format!("/milestones/{}/sign-off", m01.id),
            &[
                ("signed_off_on", "2019-07-31"),
                ("version", &m01.version.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);

    // Now the release goes through its confirmation page, recording when and who.
    let page = office.get("/participants/RJ1").await;
    assert!(
        page.body
            .contains(&format!("href=\"/tranches/{}/release\"", t.id))
    );
    let page = office.get(&format!("/tranches/{}/release", t.id)).await;
    assert!(page.body.contains("Confirm release of £1,000,000"));
    let page = office
        .post(
            &format!("/tranches/{}/release", t.id),
            &[
                ("released_on", "2019-08-15"),
                ("version", &t.version.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let released = Tranches::find_by_id(t.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(released.released_on.unwrap().to_string(), "2019-08-15");
    let office_id = gde::services::users::find_by_email(&app.db, OFFICE)
        .await
        .unwrap()
        .id;
    assert_eq!(released.released_by, Some(office_id));
    let page = office.get("/participants/RJ1").await;
    assert!(
        page.body
            .contains("Released <time datetime=\"2019-08-15\">15 August 2019</time>")
    );

    // The audit trail shows every step, in order.
    let org = Organisations::find()
        .filter(organisation::Column::OdsCode.eq("RJ1"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let actions: Vec<String> = AuditEvents::find()
        .filter(audit_event::Column::OrganisationId.eq(org.id))
        .order_by_asc(audit_event::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "organisation.create",
            "participant.create",
            "allocation.create",
            "milestone.create",
            "tranche.create",
            "milestone.progress",
            "milestone.sign_off",
            "tranche.release"
        ]
    );
    let audit = office.get("/audit?organisation=RJ1").await;
    assert!(audit.element("audit-events").contains("tranche.release"));
}

#[tokio::test]
async fn each_money_rule_is_explained_where_it_went_wrong() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let page = crate::support::add_fast_follower(&office, "rj1").await;
    assert_eq!(page.headers["location"], "/participants/RJ1");
    let base = [
        ("reference", "ALLOC-1"),
        ("central", "1000000"),
        ("local_match", "1000000"),
        ("awarded_on", "2018-04-01"),
    ];
    let post = |extra: Vec<(&'static str, &'static str)>| {
        let mut fields: Vec<(&str, &str)> = base.to_vec();
        for (k, v) in extra {
            fields.retain(|(f, _)| *f != k);
            fields.push((k, v));
        }
        let office = &office;
        async move { office.post("/participants/RJ1/allocations", &fields).await }
    };
    // The profile must add up to the allocation.
    let page = post(vec![("fy_2018", "400000"), ("fy_2019", "500000")]).await;
    assert_eq!(page.status, 422);
    let message = error_beside(&page, "profile");
    assert!(
        message.contains("£900,000") && message.contains("£100,000"),
        "{message}"
    );
    // Fractions of a penny, negative money and bad dates are refused by name.
    let page = post(vec![("central", "1000000.005"), ("fy_2018", "1000000")]).await;
    assert!(error_beside(&page, "central").contains("fractions of a penny"));
    let page = post(vec![("local_match", "-5"), ("fy_2018", "1000000")]).await;
    assert_eq!(page.status, 422);
    assert!(!error_beside(&page, "local_match").is_empty());
    let page = post(vec![("awarded_on", "1/4/2018"), ("fy_2018", "1000000")]).await;
    assert!(error_beside(&page, "awarded_on").contains("YYYY-MM-DD"));
    // Tranches never exceed the allocation.
    let page = post(vec![("fy_2018", "1000000")]).await;
    assert_eq!(page.status, 303);
    let alloc = allocation_of(&app, "RJ1", "ALLOC-1").await;
    let page = office
        .post(
            &format!("/allocations/{}/tranches", alloc.id),
            &[
                ("name", "Too much"),
                ("kind", "upfront"),
                ("amount", "1000000.01"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(
        error_beside(&page, "amount").contains("£1,000,000"),
        "{}",
        error_beside(&page, "amount")
    );
    // A milestone tranche must name a milestone of this participant.
    let page = office
        .post(
            &format!("/allocations/{}/tranches", alloc.id),
            &[
                ("name", "Tied"),
                ("kind", "milestone"),
                ("milestone_reference", "M99"),
                ("amount", "100"),
            ],
        )
        .await;
    assert!(error_beside(&page, "milestone_reference").contains("no milestone M99"));
    // Duplicate milestone reference; actual date in the future; complete without a date.
    let seeded = milestone_of(&app, "RAL", "M01").await;
    let page = office
        .post(
            "/participants/RAL/milestones",
            &[
                ("reference", "m01"),
                ("title", "x"),
                ("category", "other"),
                ("baseline_on", "2020-01-01"),
            ],
        )
        .await;
    assert!(error_beside(&page, "reference").contains("already has a milestone M01"));
    let open = Milestones::find()
        .filter(milestone::Column::SignedOffOn.is_null())
        .filter(milestone::Column::Status.ne("complete"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let page = office
        .post(
            &format!("/milestones/{}/progress", open.id),
            &[
                ("status", "complete"),
                ("forecast_on", "2020-01-01"),
                ("version", &open.version.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(
        error_beside(&page, "actual_on")
            .to_lowercase()
            .contains("actual")
    );
    let page = office
        .post(
            &format!("/milestones/{}/progress", open.id),
            &[
                ("status", "complete"),
                ("actual_on", "2999-01-01"),
                ("version", &open.version.to_string()),
            ],
        )
        .await;
    assert!(error_beside(&page, "actual_on").contains("future"));
    // A signed-off milestone's progress is frozen.
    assert!(seeded.signed_off_on.is_some());
    let page = office
        .post(
            &format!("/milestones/{}/progress", seeded.id),
            &[
                ("status", "in_progress"),
                ("version", &seeded.version.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
}

#[tokio::test]
async fn baselines_move_only_through_an_approved_request() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let office2 = app.sign_in(OFFICE2).await;
    let reporter = app.sign_in(REPORTER).await;
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
    // The progress form has no baseline field: posting one changes nothing.
    let page = office
        .post(
            &format!("/milestones/{}/progress", m.id),
            &[
                ("baseline_on", "2030-01-01"),
                ("status", &m.status),
                ("forecast_on", &m.forecast_on.unwrap().to_string()),
                ("version", &m.version.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(
        milestone_of(&app, "RAL", &m.reference).await.baseline_on,
        m.baseline_on
    );
    // The trust asks; a short reason is refused.
    let path = format!("/milestones/{}/baseline-requests", m.id);
    let page = reporter
        .post(
            &path,
            &[("proposed_baseline_on", "2027-06-30"), ("reason", "late")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(error_beside(&page, "reason").contains("at least 10"));
    let page = reporter
        .post(
            &path,
            &[
                ("proposed_baseline_on", "2027-06-30"),
                ("reason", "Supplier delivery slipped by a quarter"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    // Rejection needs a comment; approval moves the baseline and keeps the old one on record.
    let queue = office.get("/change-requests").await;
    assert!(
        queue
            .element("baseline-requests")
            .contains("Supplier delivery slipped")
    );
    let request = gde::entities::BaselineChangeRequests::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let decide = format!("/change-requests/baseline/{}", request.id);
    // The decision is confirmed on a page that shows the change.
    let page = office.get(&format!("{decide}?decision=reject")).await;
    assert_eq!(page.status, 200);
    assert!(page.text_of("request-summary").contains("30 June 2027"));
    assert!(page.body.contains("Confirm rejection"));
    let page = office
        .post(&decide, &[("decision", "reject"), ("comment", "")])
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("A comment is needed when rejecting"));
    let page = office2
        .post(
            &decide,
            &[("decision", "approve"), ("comment", "Agreed at board")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let moved = milestone_of(&app, "RAL", &m.reference).await;
    assert_eq!(moved.baseline_on.to_string(), "2027-06-30");
    let detail = office.get(&format!("/milestones/{}", m.id)).await;
    let history = detail.element("baseline-requests");
    assert!(
        history.contains(&format!("datetime=\"{}\"", m.baseline_on)),
        "old baseline kept"
    );
    assert!(
        detail
            .element("audit-events")
            .contains("baseline_change.approve")
    );
    // Deciding twice is refused.
    let page = office2
        .post(
            &decide,
            &[("decision", "reject"), ("comment", "changed my mind")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("already been decided (Approved)"));
    assert_eq!(
        milestone_of(&app, "RAL", &m.reference)
            .await
            .baseline_on
            .to_string(),
        "2027-06-30"
    );
}

#[tokio::test]
async fn allocation_changes_need_a_reason_and_another_persons_approval() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let office2 = app.sign_in(OFFICE2).await;
    let alloc = allocation_of(&app, "RAL", "ALLOC-1").await;
    let path = format!("/allocations/{}/change", alloc.id);
    assert_eq!(office.get(&path).await.status, 200);
    // Over the cap (RAL already holds £10m).
    let page = office
        .post(
            &path,
            &[
                ("central", "10500000"),
                ("local_match", "12000000"),
                ("fy_2017", "10500000"),
                ("reason", "Extra scope agreed"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(error_beside(&page, "central").contains("£10,000,000"));
    // A reduction to £9.5m, with a new profile.
    let page = office
        .post(
            &path,
            &[
                ("central", "9500000"),
                ("local_match", "12000000"),
                ("fy_2017", "3000000"),
                ("fy_2018", "3000000"),
                ("fy_2019", "2000000"),
                ("fy_2020", "1500000"),
                ("reason", "Underspend returned to the centre"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        allocation_of(&app, "RAL", "ALLOC-1").await.central_pence,
        alloc.central_pence,
        "nothing moves yet"
    );
    let request = gde::entities::AllocationChangeRequests::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let decide = format!("/change-requests/allocation/{}", request.id);
    let page = office.post(&decide, &[("decision", "approve")]).await;
    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains("someone else in the programme office must decide it")
    );
    let events = AuditEvents::find().count(&app.db).await.unwrap();
    let page = office2.post(&decide, &[("decision", "approve")]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        AuditEvents::find().count(&app.db).await.unwrap(),
        events + 1
    );
    let changed = allocation_of(&app, "RAL", "ALLOC-1").await;
    assert_eq!(changed.central_pence, 950_000_000);
    let profile: i64 = AllocationProfiles::find()
        .filter(allocation_profile::Column::AllocationId.eq(alloc.id))
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|p| p.amount_pence)
        .sum();
    assert_eq!(profile, 950_000_000);
    let event = AuditEvents::find()
        .order_by_desc(audit_event::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event.action, "allocation_change.approve");
    assert!(event.before_json.unwrap().contains("1000000000"));
    assert!(event.after_json.unwrap().contains("950000000"));
}

#[tokio::test]
async fn a_stale_form_gets_a_conflict_page_and_changes_nothing() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let office2 = app.sign_in(OFFICE2).await;
    let m = Milestones::find()
        .filter(milestone::Column::SignedOffOn.is_null())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let path = format!("/milestones/{}/progress", m.id);
    let version = m.version.to_string();
    let first = office2
        .post(
            &path,
            &[
                ("status", "at_risk"),
                ("forecast_on", "2027-01-31"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(first.status, 303);
    let events = AuditEvents::find().count(&app.db).await.unwrap();
    let second = office
        .post(
            &path,
            &[
                ("status", "in_progress"),
                ("forecast_on", "2026-12-31"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(second.status, 409);
    let current = second.text_of("current-values");
    assert!(
        current.contains("2027-01-31") && current.contains("at_risk"),
        "{current}"
    );
    let now = Milestones::find_by_id(m.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.status, "at_risk");
    assert_eq!(AuditEvents::find().count(&app.db).await.unwrap(), events);
    // Participant edits are protected the same way.
    let p = Participants::find_by_id(crate::support::participant_id(&app.db, "RAL").await)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let fields = |wave: &'static str| {
        vec![
            ("role", "global_digital_exemplar"),
            ("sector", "acute"),
            ("wave", wave),
            ("designated_on", "2016-09"),
            ("status", "active"),
        ]
    };
    let v = p.version.to_string();
    let mut a = fields("Acute wave 1");
    a.push(("version", &v));
    assert_eq!(office2.post("/participants/RAL/edit", &a).await.status, 303);
    let mut b = fields("Renamed wave");
    b.push(("version", &v));
    let page = office.post("/participants/RAL/edit", &b).await;
    assert_eq!(page.status, 409);
}

#[tokio::test]
async fn reporters_and_readers_cannot_use_any_office_form() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let alloc = allocation_of(&app, "RAL", "ALLOC-1").await;
    let t = Tranches::find()
        .filter(tranche::Column::AllocationId.eq(alloc.id))
        .filter(tranche::Column::ReleasedOn.is_null())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let m = milestone_of(&app, "RAL", "M01").await;
    // A pending request for the decision routes.
    let open = Milestones::find()
        .filter(milestone::Column::SignedOffOn.is_null())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    office
        .post(
            &format!("/milestones/{}/baseline-requests", open.id),
            &[
                ("proposed_baseline_on", "2028-01-01"),
                ("reason", "Testing who may decide"),
            ],
        )
        .await;
    let request = gde::entities::BaselineChangeRequests::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let gets = [
        "/participants/new".to_owned(),
        "/participants/RAL/edit".into(),
        "/participants/RAL/allocations/new".into(),
        format!("/allocations/{}/change", alloc.id),
        format!("/allocations/{}/tranches/new", alloc.id),
        "/participants/RAL/milestones/new".into(),
        "/partners/new".into(),
        "/change-requests".into(),
    ];
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/participants".into(), vec![("ods_code", "RJ1")]),
        ("/participants/RAL/edit".into(), vec![("wave", "x")]),
        (
            "/participants/RJR/pairing".into(),
            vec![("exemplar_ods_code", "RAL")],
        ),
        (
            "/participants/RAL/partnerships".into(),
            vec![("partner_id", "1")],
        ),
        (
            "/participants/RAL/allocations".into(),
            vec![("central", "1")],
        ),
        (
            format!("/allocations/{}/change", alloc.id),
            vec![("central", "1")],
        ),
        (
            format!("/allocations/{}/tranches", alloc.id),
            vec![("amount", "1")],
        ),
        (
            format!("/tranches/{}/release", t.id),
            vec![("version", "1")],
        ),
        (
            "/participants/RAL/milestones".into(),
            vec![("reference", "X1")],
        ),
        (
            format!("/milestones/{}/progress", m.id),
            vec![("status", "complete")],
        ),
        (format!("/milestones/{}/sign-off", m.id), vec![]),
        (
            format!("/change-requests/baseline/{}", request.id),
            vec![("decision", "approve")],
        ),
        ("/partners".into(), vec![("name", "Acme")]),
    ];
    let events = AuditEvents::find().count(&app.db).await.unwrap();
    for who in [READER, REPORTER] {
        let browser = app.sign_in(who).await;
        for path in &gets {
            let status = browser.get(path).await.status;
            assert!(
                status == 403 || status == 404,
                "GET {path} as {who}: {status}"
            );
        }
        for (path, fields) in &posts {
            let status = browser.post(path, fields).await.status;
            assert!(
                status == 403 || status == 404,
                "POST {path} as {who}: {status}"
            );
        }
    }
    // Only sign-ins were recorded: nothing else changed.
    let after: Vec<String> = AuditEvents::find()
        .order_by_asc(audit_event::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .skip(events as usize)
        .map(|e| e.action)
        .collect();
    assert!(after.iter().all(|a| a == "user.sign_in"), "{after:?}");
}

#[tokio::test]
async fn every_office_page_renders_for_the_seeded_programme() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let alloc = allocation_of(&app, "RAL", "ALLOC-1").await;
    let m = milestone_of(&app, "RAL", "M02").await;
    let mut pages = vec![
        "/".to_owned(),
        "/participants".into(),
        "/participants/new".into(),
        "/partners".into(),
        "/partners/new".into(),
        "/milestones".into(),
        "/milestones?overdue=yes".into(),
        "/milestones?slipped_over=90&sort=slippage".into(),
        "/milestones?category=epr_go_live&status=complete".into(),
        format!("/milestones/{}", m.id),
        format!("/allocations/{}/change", alloc.id),
        format!("/allocations/{}/tranches/new", alloc.id),
        "/change-requests".into(),
        "/audit".into(),
        "/users".into(),
        "/users/new".into(),
    ];
    for row in crate::support::seed_rows("participants.csv") {
        let code = &row["ods_code"];
        pages.push(format!("/participants/{code}"));
        pages.push(format!("/participants/{code}/edit"));
        pages.push(format!("/participants/{code}/allocations/new"));
        pages.push(format!("/participants/{code}/milestones/new"));
    }
    for path in &pages {
        let page = office.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(page.body.matches("<h1").count(), 1, "{path}: one h1");
        assert_eq!(
            page.body.matches("<table").count(),
            page.body.matches("<caption").count(),
            "{path}: captions"
        );
    }
    for (path, status) in [
        ("/milestones?overdue=maybe", 400),
        ("/milestones/999999", 404),
        ("/allocations/abc/change", 404),
    ] {
        assert_eq!(office.get(path).await.status, status, "{path}");
    }
}
