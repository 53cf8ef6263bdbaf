//! Daily use by the programme office and trust reporters (issue 14): money
//! and decisions go through a confirmation page, buttons are offered only
//! when they can work, every error link lands on something, a reporter is
//! told which return needs them, and the long tables sort.
use gde::entities::{
    AuditEvents, ReportingPeriods, Returns, Tranches, audit_event, progress_return, tranche,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};

use crate::returns::{fill, open_period};
use crate::support::{Browser, OFFICE, OFFICE2, Page, REPORTER, TestApp};

/// Every link in the page's error summary names an element id on the page.
fn assert_error_links_resolve(page: &Page) {
    let Some(start) = page.body.find("class=\"nhsuk-error-summary\"") else {
        return;
    };
    let summary = &page.body[start..];
    let summary = &summary[..summary.find("</div>").unwrap_or(summary.len())];
    let mut links = 0;
    for chunk in summary.split("href=\"#").skip(1) {
        let id = &chunk[..chunk.find('"').unwrap()];
        links += 1;
        assert!(
            page.body.contains(&format!("id=\"{id}\"")),
            "the error summary links to #{id}, which is not on the page:\n{}",
            page.body
        );
    }
    assert!(links > 0, "an error summary with no links: {summary}");
}

async fn tranche_named(app: &TestApp, name: &str) -> tranche::Model {
    Tranches::find()
        .filter(tranche::Column::Name.eq(name))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn releases(app: &TestApp, tranche_id: i32) -> u64 {
    AuditEvents::find()
        .filter(audit_event::Column::Action.eq("tranche.release"))
        .filter(audit_event::Column::EntityId.eq(tranche_id.to_string()))
        .count(&app.db)
        .await
        .unwrap()
}

/// Guy's and St Thomas' as a new fast follower with a £3m allocation, a
/// milestone M01 not yet signed off, a £1m tranche on M01's sign-off and a
/// £500,000 upfront tranche.
async fn money_to_release(app: &TestApp, office: &Browser) {
    let steps: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/participants".into(),
            vec![
                ("ods_code", "RJ1"),
                (
                    "organisation_name",
                    "Guy's and St Thomas' NHS Foundation Trust",
                ),
                ("region_code", "Y56"),
                ("role", "fast_follower"),
                ("sector", "acute"),
                ("wave", "Acute fast follower"),
                ("designated_on", "2017-09"),
                ("status", "active"),
            ],
        ),
        (
            "/participants/RJ1/allocations".into(),
            vec![
                ("reference", "ALLOC-1"),
                ("central", "3000000"),
                ("local_match", "3000000"),
                ("awarded_on", "2018-04-01"),
                ("fy_2018", "1000000"),
                ("fy_2019", "2000000"),
            ],
        ),
        (
            "/participants/RJ1/milestones".into(),
            vec![
                ("reference", "M01"),
                ("title", "EPR go-live across all sites"),
                ("category", "epr_go_live"),
                ("baseline_on", "2019-06-30"),
            ],
        ),
    ];
    for (path, fields) in &steps {
        let page = office.post(path, fields).await;
        assert_eq!(page.status, 303, "{path}: {}", page.body);
    }
    let pid = crate::support::participant_id(&app.db, "RJ1").await;
    let allocation = gde::entities::Allocations::find()
        .filter(gde::entities::allocation::Column::ParticipantId.eq(pid))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    for fields in [
        vec![
            ("name", "Instalment 2: EPR go-live"),
            ("kind", "milestone"),
            ("milestone_reference", "M01"),
            ("amount", "1000000"),
        ],
        vec![
            ("name", "Instalment 1: upfront"),
            ("kind", "upfront"),
            ("milestone_reference", ""),
            ("amount", "500000"),
        ],
    ] {
        let page = office
            .post(&format!("/allocations/{}/tranches", allocation.id), &fields)
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
    }
}

#[tokio::test]
async fn the_release_button_is_offered_only_when_a_release_is_possible() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    money_to_release(&app, &office).await;
    let on_milestone = tranche_named(&app, "Instalment 2: EPR go-live").await;
    let upfront = tranche_named(&app, "Instalment 1: upfront").await;

    let page = office.get("/participants/RJ1").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("Released once milestone M01 is signed off"),
        "{}",
        page.body
    );
    assert!(
        !page
            .body
            .contains(&format!("/tranches/{}/release", on_milestone.id)),
        "no release offered before sign-off"
    );
    assert!(
        page.body
            .contains(&format!("href=\"/tranches/{}/release\"", upfront.id)),
        "the upfront tranche can be released"
    );

    // Its confirmation page says why not and offers no Confirm.
    let page = office
        .get(&format!("/tranches/{}/release", on_milestone.id))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("Released once milestone M01 is signed off")
    );
    assert!(!page.body.contains("Confirm release"));

    // Posting anyway is refused, and the refusal links to what is on the page.
    let page = office
        .post(
            &format!("/tranches/{}/release", on_milestone.id),
            &[("version", &on_milestone.version.to_string())],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("M01, which has not been signed off"));
    assert_error_links_resolve(&page);
    assert_eq!(releases(&app, on_milestone.id).await, 0);
}

#[tokio::test]
async fn the_release_confirmation_states_what_will_happen_and_reading_it_changes_nothing() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    money_to_release(&app, &office).await;
    let upfront = tranche_named(&app, "Instalment 1: upfront").await;
    let events = AuditEvents::find().count(&app.db).await.unwrap();

    let path = format!("/tranches/{}/release", upfront.id);
    let page = office.get(&path).await;
    assert_eq!(page.status, 200);
    let summary = page.text_of("release-summary");
    for words in [
        "£500,000",
        "Guy's and St Thomas' NHS Foundation Trust",
        "RJ1",
        "Instalment 1: upfront",
        "ALLOC-1",
    ] {
        assert!(summary.contains(words), "{words} in {summary}");
    }
    let today = time::OffsetDateTime::now_utc().date().to_string();
    assert!(
        page.body.contains(&format!("value=\"{today}\"")),
        "the release date offered is today"
    );
    assert!(page.body.contains("Confirm release of £500,000"));
    assert!(page.body.contains("method=\"post\""));
    assert!(page.body.contains("href=\"/participants/RJ1\">Go back</a>"));

    // Looking twice changes nothing.
    assert_eq!(office.get(&path).await.status, 200);
    assert_eq!(tranche_named(&app, "Instalment 1: upfront").await, upfront);
    assert_eq!(AuditEvents::find().count(&app.db).await.unwrap(), events);

    // A release date in the future is refused beside the date field.
    let page = office
        .post(
            &path,
            &[
                ("released_on", "2999-01-01"),
                ("version", &upfront.version.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("href=\"#released_on\""));
    assert_error_links_resolve(&page);
    assert_eq!(
        tranche_named(&app, "Instalment 1: upfront")
            .await
            .released_on,
        None
    );
}

#[tokio::test]
async fn confirming_releases_exactly_once() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    money_to_release(&app, &office).await;
    let upfront = tranche_named(&app, "Instalment 1: upfront").await;
    let path = format!("/tranches/{}/release", upfront.id);
    let confirm = [
        ("released_on", "2019-05-01"),
        ("version", &upfront.version.to_string()),
    ];
    let page = office.post(&path, &confirm).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.headers["location"], "/participants/RJ1");
    // The same form again (a double click, a reload) releases nothing more.
    let page = office.post(&path, &confirm).await;
    assert!(matches!(page.status, 409 | 422), "{}", page.status);
    if page.status == 422 {
        assert_error_links_resolve(&page);
    }
    let released = tranche_named(&app, "Instalment 1: upfront").await;
    assert_eq!(released.released_on.unwrap().to_string(), "2019-05-01");
    assert_eq!(releases(&app, upfront.id).await, 1);
    // Released, it is no longer offered.
    let page = office.get("/participants/RJ1").await;
    assert!(!page.body.contains(&format!("href=\"{path}\"")));
    let page = office.get(&path).await;
    assert!(page.body.contains("Already released on 1 May 2019"));
    assert!(!page.body.contains("Confirm release"));
}

/// A pending request to cut RAL's allocation, asked by OFFICE.
async fn allocation_request(app: &TestApp, office: &Browser) -> i32 {
    let pid = crate::support::participant_id(&app.db, "RAL").await;
    let allocation = gde::entities::Allocations::find()
        .filter(gde::entities::allocation::Column::ParticipantId.eq(pid))
        .filter(gde::entities::allocation::Column::Reference.eq("ALLOC-1"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let page = office
        .post(
            &format!("/allocations/{}/change", allocation.id),
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
    gde::entities::AllocationChangeRequests::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn the_requester_is_not_offered_a_decision() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let office2 = app.sign_in(OFFICE2).await;
    let request = allocation_request(&app, &office).await;
    let path = format!("/change-requests/allocation/{request}");

    let queue = office.get("/change-requests").await;
    let table = queue.element("allocation-requests");
    assert!(table.contains("Awaiting a decision by another programme-office user"));
    assert!(!table.contains("decision=approve") && !table.contains(">Approve"));
    let page = office.get(&format!("{path}?decision=approve")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("Awaiting a decision by another programme-office user")
    );
    assert!(!page.body.contains("Confirm approval"));
    // Posting anyway is refused, with a link to something on the page.
    let page = office.post(&path, &[("decision", "approve")]).await;
    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains("someone else in the programme office must decide it")
    );
    assert_error_links_resolve(&page);

    // Someone else is offered both.
    let table = office2.get("/change-requests").await;
    let table = table.element("allocation-requests");
    assert!(table.contains(&format!("{path}?decision=approve")));
    assert!(table.contains(&format!("{path}?decision=reject")));
}

#[tokio::test]
async fn deciding_a_change_goes_through_a_confirmation_page() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let office2 = app.sign_in(OFFICE2).await;
    let request = allocation_request(&app, &office).await;
    let path = format!("/change-requests/allocation/{request}");
    let status = || async {
        gde::entities::AllocationChangeRequests::find_by_id(request)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .status
    };

    let page = office2.get(&format!("{path}?decision=approve")).await;
    assert_eq!(page.status, 200);
    let summary = page.text_of("request-summary");
    assert!(
        summary.contains("£10,000,000") && summary.contains("£9,500,000"),
        "{summary}"
    );
    assert!(page.body.contains("Underspend returned to the centre"));
    assert!(page.body.contains("Confirm approval"));
    assert!(page.body.contains("href=\"/change-requests\">Go back</a>"));
    assert_eq!(status().await, "pending", "reading decides nothing");

    // A rejection without a comment is refused beside the comment.
    let page = office2.get(&format!("{path}?decision=reject")).await;
    assert!(page.body.contains("Confirm rejection"));
    let page = office2
        .post(&path, &[("decision", "reject"), ("comment", "")])
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("href=\"#comment\""), "{}", page.body);
    assert!(page.body.contains("aria-describedby=\"comment-error\""));
    assert_error_links_resolve(&page);
    assert_eq!(status().await, "pending");

    let page = office2
        .post(&path, &[("decision", "approve"), ("comment", "Agreed")])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(status().await, "approved");
    // Decided, it offers nothing more.
    let page = office2.get(&format!("{path}?decision=reject")).await;
    assert!(!page.body.contains("Confirm rejection"));
    let page = office2
        .post(
            &path,
            &[("decision", "reject"), ("comment", "Changed my mind")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert_error_links_resolve(&page);
    assert_eq!(status().await, "approved");
}

async fn set_status(app: &TestApp, period: i32, status: &str) {
    let pid = crate::support::participant_id(&app.db, "RAL").await;
    let row = Returns::find()
        .filter(progress_return::Column::PeriodId.eq(period))
        .filter(progress_return::Column::ParticipantId.eq(pid))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut row = row.into_active_model();
    row.status = Set(status.to_owned());
    let txn = crate::support::stamped(&app.db).await;
    row.update(&txn).await.unwrap();
    txn.commit().await.unwrap();
}

#[tokio::test]
async fn a_reporter_is_told_which_return_needs_them() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let reporter = app.sign_in(REPORTER).await;
    let period = open_period(&office, &app).await;
    let label = ReportingPeriods::find_by_id(period)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .label;
    // The banner's line for this period.
    let line = |page: &Page| -> String {
        page.text_of("returns-due")
            .split("Your return for ")
            .find(|l| l.starts_with(&label))
            .unwrap_or_else(|| panic!("no line for {label}: {}", page.body))
            .to_owned()
    };
    let slug = gde::domain::reporting::period_slug(&label);
    let href = format!("href=\"/returns/{slug}/RAL\"");

    let page = reporter.get("/").await;
    assert_eq!(page.status, 200);
    let text = line(&page);
    assert!(
        text.starts_with(&format!("{label}: due 30 October 2026")),
        "{text}"
    );
    assert!(text.contains("not started — Start"), "{text}");
    assert!(page.element("returns-due").contains(&href));

    let path = format!("/returns/{slug}/RAL");
    let page = fill(
        &reporter,
        &path,
        &path,
        &[("action", "save"), ("narrative", "Begun")],
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let text = line(&reporter.get("/").await);
    assert!(text.contains("in draft — Continue"), "{text}");

    set_status(&app, period, "returned").await;
    let text = line(&reporter.get("/").await);
    assert!(text.contains("returned for changes — Revise"), "{text}");

    set_status(&app, period, "submitted").await;
    let text = line(&reporter.get("/").await);
    assert!(text.contains("submitted, awaiting review"), "{text}");

    // The office's overview has no such banner.
    assert!(!office.get("/").await.body.contains("id=\"returns-due\""));
}

#[tokio::test]
async fn pairing_is_explained_for_exemplars_and_unpaired_fast_followers() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    // RAL is an exemplar.
    let page = office.get("/participants/RAL").await;
    assert!(
        page.body
            .contains("exemplars are paired with fast followers"),
        "{}",
        page.text_of("pairing")
    );
    assert!(!page.body.contains("Not confirmed"));
    // A new fast follower with no pairing.
    money_to_release(&app, &office).await;
    let page = office.get("/participants/RJ1").await;
    assert!(
        page.text_of("pairing")
            .contains("No pairing confirmed by the public sources")
    );
    // The reporter's own exemplar on their overview.
    let reporter = app.sign_in(REPORTER).await;
    let own = reporter.get("/").await;
    let own = own.text_of("own-participant");
    assert!(
        own.contains("Exemplars are paired with fast followers"),
        "{own}"
    );
    assert!(!own.contains("Not confirmed"));
}

/// The row order of a table: the ODS codes linked in it.
fn codes_in(table: &str) -> Vec<String> {
    table
        .split("href=\"/participants/")
        .skip(1)
        .map(|c| c[..c.find('"').unwrap()].to_owned())
        .collect()
}

#[tokio::test]
async fn the_overview_tables_sort_by_column() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let page = office.get("/").await;
    let table = page.element("exemplars");
    assert!(
        table.contains("aria-sort=\"ascending\""),
        "by name by default"
    );
    assert!(table.contains(
        "href=\"/?sort=allocated&amp;dir=asc&amp;ff_sort=name&amp;ff_dir=asc#exemplars\""
    ));

    let page = office.get("/?sort=ods&dir=desc").await;
    assert_eq!(page.status, 200);
    let table = page.element("exemplars");
    let codes: Vec<String> = codes_in(
        table
            .split("<tbody class=\"nhsuk-table__body\">")
            .nth(1)
            .unwrap(),
    );
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(codes, sorted);
    assert!(codes.len() > 5);
    let header = &table[..table.find("</thead>").unwrap()];
    assert_eq!(header.matches("aria-sort=").count(), 1);
    assert!(header.contains("aria-sort=\"descending\""));
    // The sorted column's link flips the direction; the other table keeps its order.
    assert!(
        header
            .contains("href=\"/?sort=ods&amp;dir=asc&amp;ff_sort=name&amp;ff_dir=asc#exemplars\"")
    );

    let asc = office.get("/?sort=ods&dir=asc").await;
    let asc = codes_in(
        asc.element("exemplars")
            .split("<tbody class=\"nhsuk-table__body\">")
            .nth(1)
            .unwrap(),
    );
    assert_ne!(asc, codes, "the order changes");

    assert_eq!(office.get("/?sort=bogus").await.status, 400);
    assert_eq!(office.get("/?ff_dir=sideways").await.status, 400);
}

#[tokio::test]
async fn the_latest_period_sorts_by_column() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let page = office.get("/returns?sort=trust&dir=desc").await;
    assert_eq!(page.status, 200);
    let table = page.element("latest-period");
    let header = &table[..table.find("</thead>").unwrap()];
    assert_eq!(header.matches("aria-sort=").count(), 1);
    assert!(header.contains("aria-sort=\"descending\""));
    assert!(header.contains("href=\"/returns?sort=state&amp;dir=asc#latest-period\""));
    let names = |table: &str| -> Vec<String> {
        table
            .split("<tbody class=\"nhsuk-table__body\">")
            .nth(1)
            .unwrap()
            .split("<tr class=\"nhsuk-table__row\"><td class=\"nhsuk-table__cell\"><a href=\"/returns/")
            .skip(1)
            .map(|c| {
                let start = c.find('>').unwrap() + 1;
                c[start..start + c[start..].find('<').unwrap()].to_owned()
            })
            .collect()
    };
    let desc = names(table);
    assert!(desc.len() > 5, "{desc:?}");
    let mut sorted = desc.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(desc, sorted);
    let asc = office.get("/returns?sort=trust&dir=asc").await;
    let asc = names(asc.element("latest-period"));
    assert_eq!(asc.first(), desc.last());

    let by_state = office.get("/returns?sort=state").await;
    assert!(
        by_state
            .element("latest-period")
            .contains("aria-sort=\"ascending\"")
    );
    assert_eq!(office.get("/returns?sort=colour").await.status, 400);
}

#[tokio::test]
async fn money_form_errors_link_to_fields_on_the_page() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    money_to_release(&app, &office).await;
    let pid = crate::support::participant_id(&app.db, "RJ1").await;
    let allocation = gde::entities::Allocations::find()
        .filter(gde::entities::allocation::Column::ParticipantId.eq(pid))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    for (path, fields) in [
        ("/participants/RJ1/allocations".to_owned(), vec![]),
        (
            "/participants/RJ1/allocations".to_owned(),
            vec![("central", "x"), ("fy_2018", "y")],
        ),
        (format!("/allocations/{}/tranches", allocation.id), vec![]),
        (
            format!("/allocations/{}/tranches", allocation.id),
            vec![("kind", "milestone"), ("amount", "99999999")],
        ),
        (format!("/allocations/{}/change", allocation.id), vec![]),
    ] {
        let page = office.post(&path, &fields).await;
        assert_eq!(page.status, 422, "{path}: {}", page.body);
        assert_error_links_resolve(&page);
    }
}
