//! The return form as a first-time user meets it (issue 14): errors tied to
//! their fields, risk blocks added and removed without JavaScript, dates
//! typed day first, periods named by their label in URLs, and approval
//! confirmed on a page that says what it will change.
use gde::entities::{Milestones, ReturnRisks, Returns, progress_return, return_risk};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::returns::{
    PERIOD_SLUG, borrow, complete_return, fill, hidden, open_milestones, open_period, status_of,
    version_of,
};
use crate::support::{OFFICE, Page, READER, REPORTER, TestApp};

/// Status and `Location` of a response.
fn sent(page: &Page) -> (u16, String) {
    let location = page
        .headers
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or("");
    (page.status, location.to_owned())
}

fn path(ods: &str) -> String {
    format!("/returns/{PERIOD_SLUG}/{ods}")
}

/// The opening tag of the element with this id.
fn tag<'a>(page: &'a Page, id: &str) -> &'a str {
    let marker = format!("id=\"{id}\"");
    let at = page
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("no element with id {id} in:\n{}", page.body));
    let start = page.body[..at].rfind('<').unwrap();
    let end = page.body[at..].find('>').unwrap() + at;
    &page.body[start..=end]
}

/// Every `href="#…"` of the error summary.
fn summary_targets(page: &Page) -> Vec<String> {
    let start = page.body.find("class=\"nhsuk-error-summary\"").unwrap();
    let end = page.body[start..].find("</div>").unwrap() + start;
    page.body[start..end]
        .split("href=\"#")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_owned())
        .collect()
}

/// Every summary link lands on an element of the page, and a field with an
/// error says so to assistive technology.
fn assert_errors_are_tied(page: &Page) {
    let targets = summary_targets(page);
    assert!(!targets.is_empty(), "{}", page.body);
    for target in &targets {
        let opening = tag(page, target);
        let message = page.text_of(&format!("{target}-error"));
        assert!(message.starts_with("Error:"), "{target}: {message}");
        let control = ["<input", "<select", "<textarea", "<button"]
            .iter()
            .any(|t| opening.starts_with(t));
        if control {
            assert!(
                opening.contains("aria-describedby=\"")
                    && opening.contains(&format!("{target}-error")),
                "{target} is not described by its error: {opening}"
            );
            if !opening.starts_with("<button") {
                assert!(
                    opening.contains("aria-invalid=\"true\""),
                    "{target}: {opening}"
                );
            }
        }
    }
}

fn risk_blocks(page: &Page) -> usize {
    page.body
        .matches("<fieldset class=\"nhsuk-fieldset risk\"")
        .count()
}

async fn risks_stored(app: &TestApp) -> u64 {
    ReturnRisks::find()
        .filter(return_risk::Column::Id.gt(0))
        .count(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn errors_are_tied_to_their_fields_and_the_summary_links_to_them() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let reporter = app.sign_in(REPORTER).await;
    let period = open_period(&office, &app).await;
    let milestones = open_milestones(&app, "RAL").await;
    let m = &milestones[0];
    let path = path("RAL");
    let forecast = format!("m_{}_forecast", m.id);
    let comment = format!("m_{}_comment", m.id);
    let long = "x".repeat(1001);
    let page = fill(
        &reporter,
        &path,
        &path,
        &[
            ("action", "submit"),
            (&forecast, "2019-02-30"),
            (&comment, &long),
            ("risk_1_description", "Supplier capacity"),
            ("risk_2_mitigation", &long),
        ],
    )
    .await;
    assert_eq!(page.status, 422, "{}", page.body);
    let targets = summary_targets(&page);
    for expected in [
        forecast.as_str(),
        comment.as_str(),
        "spend_to_date",
        "self_rating",
        "rating_justification",
        "narrative",
        "risk_1_rating",
        "risk_2_mitigation",
    ] {
        assert!(
            targets.iter().any(|t| t == expected),
            "{expected}: {targets:?}"
        );
    }
    assert_errors_are_tied(&page);
    // The date field also names its hint.
    assert!(tag(&page, &forecast).contains(&format!("{forecast}-hint {forecast}-error")));

    // A form without its version: the message sits by the buttons.
    let page = reporter
        .post(&path, &[("action", "save"), ("narrative", "No version")])
        .await;
    assert_eq!(page.status, 422);
    assert_eq!(summary_targets(&page), ["action"]);
    assert_errors_are_tied(&page);

    // A submitted return refuses a save: no form, yet the link still lands.
    let mut fields = complete_return(&milestones, "2027-03-31", "green");
    fields.push(("action".into(), "submit".into()));
    assert_eq!(
        fill(&reporter, &path, &path, &borrow(&fields)).await.status,
        303
    );
    let mut again = fields.clone();
    again.push(("version".into(), version_of(&app, period).await.to_string()));
    let page = reporter.post(&path, &borrow(&again)).await;
    assert_eq!(page.status, 422);
    assert_eq!(summary_targets(&page), ["action"]);
    assert_errors_are_tied(&page);

    // The office's review: returning without a comment, approving without a rating.
    let review = format!("{path}/review");
    let page = fill(&office, &path, &review, &[("decision", "return")]).await;
    assert_eq!(page.status, 422);
    assert_eq!(summary_targets(&page), ["office_comment"]);
    assert_errors_are_tied(&page);
    let page = fill(&office, &path, &review, &[("decision", "approve")]).await;
    assert_eq!(page.status, 422);
    assert_eq!(summary_targets(&page), ["office_rating"]);
    assert_errors_are_tied(&page);
    let page = fill(&office, &path, &review, &[("decision", "maybe")]).await;
    assert_eq!(page.status, 422);
    assert_eq!(summary_targets(&page), ["decision"]);
    assert_errors_are_tied(&page);
}

#[tokio::test]
async fn risk_blocks_are_those_filled_plus_one_and_change_without_javascript() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let reporter = app.sign_in(REPORTER).await;
    let period = open_period(&office, &app).await;
    let path = path("RAL");
    let seeded = risks_stored(&app).await;

    let page = reporter.get(&path).await;
    assert_eq!(risk_blocks(&page), 1, "a new return offers one empty block");
    assert!(!page.body.contains("<script"));
    assert!(
        page.body
            .contains("type=\"submit\" name=\"action\" value=\"add_risk\"")
    );
    // "Save as draft" is the secondary button, and Enter saves the draft.
    assert!(page.body.contains(
        "class=\"nhsuk-button nhsuk-button--secondary\" id=\"action\" type=\"submit\" name=\"action\" value=\"save\""
    ));

    // Add another risk: the form again with one more block, typed values
    // kept, nothing saved.
    let typed = [
        ("narrative", "Typed but not saved"),
        ("risk_1_description", "Supplier capacity"),
        ("risk_1_rating", "amber"),
        ("risk_1_mitigation", "Weekly calls"),
    ];
    let mut fields = typed.to_vec();
    fields.push(("action", "add_risk"));
    let page = fill(&reporter, &path, &path, &fields).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(risk_blocks(&page), 2);
    assert!(page.body.contains("Typed but not saved"));
    assert!(page.text_of("risk-1").contains("Weekly calls"));
    assert!(page.body.contains("<option value=\"amber\" selected>"));
    assert_eq!(status_of(&app, period).await, "none", "nothing was saved");

    // Again, from the page as shown: three blocks; then remove the first.
    let mut fields = hidden(&page);
    fields.extend(typed.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    fields.push((
        "risk_2_description".into(),
        "Clinical safety sign-off".into(),
    ));
    fields.push(("risk_2_rating".into(), "red".into()));
    fields.push(("risk_3_description".into(), String::new()));
    fields.push(("action".into(), "remove_risk_1".into()));
    let page = reporter.post(&path, &borrow(&fields)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(risk_blocks(&page), 2);
    assert!(page.text_of("risk-1").contains("Clinical safety sign-off"));
    assert!(!page.body.contains("Weekly calls"));
    assert_eq!(risks_stored(&app).await, seeded);

    // Saved: two risks, then the page shows them plus one empty block.
    let mut fields = hidden(&page);
    fields.extend([
        ("action".into(), "save".into()),
        (
            "risk_1_description".into(),
            "Clinical safety sign-off".into(),
        ),
        ("risk_1_rating".into(), "red".into()),
        ("risk_2_description".into(), "Supplier capacity".into()),
        ("risk_2_rating".into(), "amber".into()),
        ("risk_3_description".into(), String::new()),
    ]);
    let page = reporter.post(&path, &borrow(&fields)).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(risks_stored(&app).await, seeded + 2);
    let page = reporter.get(&path).await;
    assert_eq!(risk_blocks(&page), 3);
    assert!(page.body.contains("value=\"remove_risk_2\""));

    // More than five risks can be kept.
    let mut fields = hidden(&page);
    fields.push(("action".into(), "save".into()));
    for n in 1..=7 {
        fields.push((format!("risk_{n}_description"), format!("Risk number {n}")));
        fields.push((format!("risk_{n}_rating"), "green".into()));
    }
    let page = reporter.post(&path, &borrow(&fields)).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(risks_stored(&app).await, seeded + 7);
    assert_eq!(risk_blocks(&reporter.get(&path).await), 8);
}

#[tokio::test]
async fn dates_are_typed_day_first_or_iso_and_refused_by_name() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let reporter = app.sign_in(REPORTER).await;
    let period = open_period(&office, &app).await;
    let milestones = open_milestones(&app, "RAL").await;
    let m = &milestones[0];
    let path = path("RAL");
    let forecast = format!("m_{}_forecast", m.id);
    let status = format!("m_{}_status", m.id);

    // Every date field carries the hint.
    let page = reporter.get(&path).await;
    assert_eq!(
        page.text_of(&format!("{forecast}-hint")),
        "For example, 31/03/2019"
    );
    assert!(tag(&page, &forecast).contains(&format!("aria-describedby=\"{forecast}-hint\"")));

    for (typed, why) in [
        ("2019-02-30", "is not a real date"),
        ("31-03-2019", "DD/MM/YYYY"),
    ] {
        let page = fill(
            &reporter,
            &path,
            &path,
            &[
                ("action", "save"),
                (&forecast, typed),
                (&status, "in_progress"),
            ],
        )
        .await;
        assert_eq!(page.status, 422, "{typed}");
        let message = page.text_of(&format!("{forecast}-error"));
        assert!(
            message.contains(&format!("Forecast date for {}", m.reference))
                && message.contains(why)
                && message.contains(typed),
            "{typed}: {message}"
        );
        assert_eq!(status_of(&app, period).await, "none");
    }
    let page = fill(
        &reporter,
        &path,
        &path,
        &[
            ("action", "save"),
            (&forecast, "31/03/2019"),
            (&status, "in_progress"),
        ],
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = reporter.get(&path).await;
    assert!(tag(&page, &forecast).contains("value=\"2019-03-31\""));

    // Every form reads dates the same way: the period form too.
    let page = office
        .post(
            "/periods",
            &[
                ("frequency", "monthly"),
                ("year", "2026"),
                ("number", "11"),
                ("due_on", "15/12/2026"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = office
        .post(
            "/periods",
            &[
                ("frequency", "monthly"),
                ("year", "2026"),
                ("number", "12"),
                ("due_on", "31-01-2027"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.text_of("due_on-error").contains("DD/MM/YYYY"));
}

#[tokio::test]
async fn the_period_form_says_which_year_it_means() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let page = office.get("/periods").await;
    let label = strip(tag_text(&page, "year"));
    assert!(
        label.contains("financial year starting in April") && label.contains("calendar year"),
        "{label}"
    );
    assert_eq!(page.text_of("due_on-hint"), "For example, 31/03/2019");
    // Shown again for one frequency, the questions say what they mean for it.
    let page = office
        .post("/periods", &[("frequency", "quarterly"), ("year", "2026")])
        .await;
    assert_eq!(page.status, 422);
    assert_eq!(
        strip(tag_text(&page, "year")),
        "Financial year starting in April of"
    );
    let page = office
        .post("/periods", &[("frequency", "monthly"), ("year", "2026")])
        .await;
    assert_eq!(strip(tag_text(&page, "year")), "Calendar year");
}

/// The text of the label for a field.
fn tag_text<'a>(page: &'a Page, field: &str) -> &'a str {
    let marker = format!("<label class=\"nhsuk-label\" for=\"{field}\">");
    let start = page.body.find(&marker).unwrap() + marker.len();
    let end = page.body[start..].find("</label>").unwrap() + start;
    &page.body[start..end]
}

fn strip(html: &str) -> String {
    crate::support::strip_tags(html)
}

#[tokio::test]
async fn periods_are_named_by_their_label_and_old_links_redirect() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let reporter = app.sign_in(REPORTER).await;
    let reader = app.sign_in(READER).await;
    let period = open_period(&office, &app).await;
    let (own, other) = (path("RAL"), path("RGT"));

    // Every role that may see the return sees it at the slug, and an old
    // numeric link sends them there for good.
    for (who, browser) in [
        ("office", &office),
        ("reporter", &reporter),
        ("reader", &reader),
    ] {
        assert_eq!(browser.get(&own).await.status, 200, "{who}");
        let page = browser.get(&format!("/returns/{period}/ral")).await;
        assert_eq!(page.status, 308, "{who}");
        assert_eq!(page.headers["location"], own.as_str(), "{who}");
    }
    for browser in [&office, &reader] {
        assert_eq!(browser.get(&other).await.status, 200);
        let page = browser.get(&format!("/returns/{period}/RGT")).await;
        assert_eq!(sent(&page), (308, other.clone()));
    }
    // Refusals are unchanged: another trust's return is not found to a
    // reporter, by slug or by number, and made-up periods are not found.
    for bad in [
        other.clone(),
        format!("/returns/{period}/RGT"),
        "/returns/2099-00-q1/RAL".to_owned(),
        "/returns/987654/RAL".to_owned(),
    ] {
        assert_eq!(reporter.get(&bad).await.status, 404, "{bad}");
    }
    // A form posted to an old link is sent on, method and all.
    let page = reporter
        .post(&format!("/returns/{period}/RAL"), &[("action", "save")])
        .await;
    assert_eq!(sent(&page), (308, own.clone()));
    let page = office
        .post(&format!("/returns/{period}/RAL/review"), &[])
        .await;
    assert_eq!(page.status, 308);
    assert_eq!(page.headers["location"], format!("{own}/review").as_str());

    // Every link names the period by its slug.
    let queue = office.get("/returns").await;
    assert!(
        queue
            .element("latest-period")
            .contains(&format!("href=\"{own}\""))
    );
    assert!(!queue.body.contains(&format!("/returns/{period}/")));
    let history = reporter.get("/participants/RAL/returns").await;
    assert!(
        history
            .element("return-history")
            .contains(&format!("href=\"{own}\""))
    );

    // A saved draft is sent back to the slug.
    let page = fill(&reporter, &own, &own, &[("action", "save")]).await;
    assert_eq!(sent(&page), (303, own.clone()));

    // A monthly period has a slug of its own, and so does a seeded one.
    let page = office
        .post(
            "/periods",
            &[
                ("frequency", "monthly"),
                ("year", "2026"),
                ("number", "5"),
                ("due_on", "2026-06-15"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(office.get("/returns/2026-05/RAL").await.status, 200);
    assert!(
        office
            .get("/returns/2026-05/RAL")
            .await
            .body
            .contains("May 2026")
    );
    assert_eq!(office.get("/returns/2018-19-q1/RLN").await.status, 200);
    let compare = office
        .get("/participants/RLN/compare?from=2018-19-q1&to=2018-19-q2")
        .await;
    assert_eq!(compare.status, 200);
}

#[tokio::test]
async fn approval_is_confirmed_on_a_page_that_says_what_will_change() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let reporter = app.sign_in(REPORTER).await;
    let period = open_period(&office, &app).await;
    let milestones = open_milestones(&app, "RAL").await;
    let path = path("RAL");
    let mut fields = complete_return(&milestones, "2027-06-30", "amber");
    fields.push(("action".into(), "submit".into()));
    assert_eq!(
        fill(&reporter, &path, &path, &borrow(&fields)).await.status,
        303
    );
    let version = version_of(&app, period).await;

    // Approve: the confirmation page, and nothing has changed.
    let page = fill(
        &office,
        &path,
        &format!("{path}/review"),
        &[("decision", "approve"), ("office_rating", "red")],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let effects = page.text_of("approval-effects");
    assert!(
        effects.contains("Red") && effects.contains("Amber"),
        "{effects}"
    );
    assert!(effects.contains("freeze"), "{effects}");
    let changes = page.text_of("approval-confirm-changes");
    let m = &milestones[0];
    assert!(
        changes.contains(&m.reference) && changes.contains("30 June 2027"),
        "{changes}"
    );
    if let Some(before) = m.forecast_on {
        let shown = format!("{} {} {}", before.day(), before.month(), before.year());
        assert!(changes.contains(&shown), "{changes}");
    }
    assert!(page.body.contains("Confirm approval"));
    assert!(page.body.contains(&format!("href=\"{path}#review\"")));
    assert!(page.body.contains("Go back"));
    let confirm = hidden(&page);
    for name in ["version", "confirm", "office_rating"] {
        assert!(
            confirm.iter().any(|(k, _)| k == name),
            "{name}: {confirm:?}"
        );
    }
    assert!(confirm.contains(&("version".into(), version.to_string())));
    assert_eq!(status_of(&app, period).await, "submitted");
    assert_eq!(version_of(&app, period).await, version);
    let live = Milestones::find_by_id(m.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live, *m);

    // Reading pages changes nothing; the review address takes no GET.
    assert_eq!(office.get(&path).await.status, 200);
    assert_eq!(office.get(&format!("{path}/review")).await.status, 405);
    assert_eq!(status_of(&app, period).await, "submitted");

    // The reporter cannot confirm; a confirmation with a stale version is a conflict.
    let review = format!("{path}/review");
    assert_eq!(reporter.post(&review, &borrow(&confirm)).await.status, 403);
    let mut stale = confirm.clone();
    for (k, v) in stale.iter_mut() {
        if k == "version" {
            *v = (version - 1).to_string();
        }
    }
    assert_eq!(office.post(&review, &borrow(&stale)).await.status, 409);
    assert_eq!(status_of(&app, period).await, "submitted");

    // Confirmed: approved, and the live milestones carry the return's forecasts.
    let page = office.post(&review, &borrow(&confirm)).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(status_of(&app, period).await, "approved");
    let live = Milestones::find_by_id(m.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.forecast_on.unwrap().to_string(), "2027-06-30");
    let stored = Returns::find()
        .filter(progress_return::Column::PeriodId.eq(period))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.office_rating.as_deref(), Some("red"));

    // Approving again through the helper is refused: it is frozen.
    let page = fill(
        &office,
        &path,
        &review,
        &[("decision", "approve"), ("office_rating", "red")],
    )
    .await;
    assert_eq!(page.status, 422);
}
