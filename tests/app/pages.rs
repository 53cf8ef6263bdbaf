//! What a user sees on each page of the seeded programme.
use gde::entities::*;
use sea_orm::EntityTrait;

use crate::support::{OFFICE, TestApp, pounds, seed_rows, strip_tags};

fn assert_accessible_shell(body: &str) {
    assert!(body.starts_with("<!DOCTYPE html>"), "doctype");
    assert!(body.contains("<html lang=\"en-GB\">"));
    assert_eq!(body.matches("<h1").count(), 1, "exactly one h1");
    assert_eq!(body.matches("<main").count(), 1, "one main landmark");
    assert!(
        body.contains("<nav"),
        "navigation landmark (signed-in pages)"
    );
    assert!(body.contains("href=\"#main-content\""), "skip link");
    assert_eq!(
        body.matches("<table").count(),
        body.matches("<caption").count(),
        "every table has a caption"
    );
}

#[tokio::test]
async fn overview_lists_all_26_exemplars_with_their_ods_codes() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let page = office.get("/").await;
    assert_eq!(page.status, 200);
    assert_accessible_shell(&page.body);
    let table = page.element("exemplars");
    let exemplars: Vec<_> = seed_rows("participants.csv")
        .into_iter()
        .filter(|r| r["role"] == "global_digital_exemplar")
        .collect();
    assert_eq!(exemplars.len(), 26);
    for row in &exemplars {
        let code = &row["ods_code"];
        assert!(
            table.contains(&format!("href=\"/participants/{code}\">{code}</a>")),
            "exemplar {code} missing from the overview"
        );
    }
    assert_eq!(
        table.matches("<tr class=\"nhsuk-table__row\">").count(),
        26 + 1,
        "26 rows and a header"
    );
}

#[tokio::test]
async fn overview_money_reconciles_with_the_records_to_the_penny() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let allocated: i64 = Allocations::find()
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|a| a.central_pence)
        .sum();
    let released: i64 = Tranches::find()
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .filter(|t| t.released_on.is_some())
        .map(|t| t.amount_pence)
        .sum();
    assert!(allocated > 0 && released > 0);
    let page = office.get("/").await;
    assert_eq!(page.text_of("total-allocated"), pounds(allocated));
    assert_eq!(page.text_of("total-released"), pounds(released));
    assert_eq!(
        page.text_of("total-remaining"),
        pounds(allocated - released)
    );
}

#[tokio::test]
async fn overview_milestone_counts_match_the_records() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let today = time::OffsetDateTime::now_utc().date();
    let milestones = Milestones::find().all(&app.db).await.unwrap();
    let complete = milestones.iter().filter(|m| m.status == "complete").count();
    let overdue = milestones
        .iter()
        .filter(|m| m.status != "complete" && m.status != "cancelled")
        .filter(|m| m.forecast_on.unwrap_or(m.baseline_on) < today)
        .count();
    let page = office.get("/").await;
    assert_eq!(page.text_of("milestones-complete"), complete.to_string());
    assert_eq!(page.text_of("milestones-overdue"), overdue.to_string());
}

#[tokio::test]
async fn participants_filter_by_role_sector_and_region() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let rows = seed_rows("participants.csv");
    let followers = rows.iter().filter(|r| r["role"] == "fast_follower").count();
    let page = office.get("/participants?role=fast_follower").await;
    assert_eq!(page.status, 200);
    assert_accessible_shell(&page.body);
    let table = page.element("participants");
    assert!(
        table.contains(&format!("Showing {followers} of {followers} participants")),
        "the total counts the participants that pass the filter"
    );
    assert!(followers < rows.len());
    assert!(!table.contains(">Global digital exemplar<"));

    let page = office
        .get("/participants?role=global_digital_exemplar&sector=ambulance")
        .await;
    let table = page.element("participants");
    for code in ["RX6", "RYE", "RYA"] {
        assert!(table.contains(&format!("/participants/{code}\"")), "{code}");
    }
    assert!(table.contains("Showing 3 of"));

    let page = office.get("/participants?region=Y56").await;
    let table = page.element("participants");
    assert!(
        table.contains("/participants/RAL\""),
        "Royal Free is in London"
    );
    assert!(
        !table.contains("/participants/RM3\""),
        "Salford is not in London"
    );
}

#[tokio::test]
async fn participants_sort_by_allocation_descending() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let page = office.get("/participants?sort=allocated&dir=desc").await;
    let table = page.element("participants");
    let body = &table[table.find("<tbody class=\"nhsuk-table__body\">").unwrap()..];
    let first_row = &body[..body.find("</tr>").unwrap()];
    // The largest seeded allocation comes first.
    let largest = seed_rows("illustrative/allocations.csv")
        .into_iter()
        .map(|r| (r["central"].parse::<f64>().unwrap() * 100.0).round() as i64)
        .max()
        .unwrap();
    assert!(
        strip_tags(first_row).contains(&pounds(largest)),
        "{first_row}"
    );
    assert!(table.contains("aria-sort=\"descending\""));
}

#[tokio::test]
async fn bad_filters_get_a_clear_400_message() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let page = office.get("/participants?role=minister").await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("role:"), "{}", page.body);
    assert!(page.body.contains("minister"));
    assert_accessible_shell(&page.body);
    let page = office.get("/participants?sort=colour").await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("sort:"));
    let page = office.get("/participants?region=Y99").await;
    assert_eq!(page.status, 400);
}

#[tokio::test]
async fn participant_page_shows_organisation_partners_money_and_milestones() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let page = office.get("/participants/RAL").await;
    assert_eq!(page.status, 200);
    assert_accessible_shell(&page.body);
    assert!(page.body.contains("Royal Free London NHS Foundation Trust"));
    let summary = page.text_of("participant-summary");
    assert!(summary.contains("Global digital exemplar"), "{summary}");
    assert!(summary.contains("London"));
    assert!(
        page.element("partnerships")
            .contains("Intermountain Healthcare")
    );
    assert!(page.element("partnerships").contains("Cerner"));
    // The allocation matches the seed file.
    let allocation = seed_rows("illustrative/allocations.csv")
        .into_iter()
        .find(|r| r["ods_code"] == "RAL")
        .unwrap();
    let central = (allocation["central"].parse::<f64>().unwrap() * 100.0).round() as i64;
    assert!(page.body.contains(&pounds(central)));
    assert!(page.text_of("headroom").contains("£10,000,000"));
    let milestones = page.element("milestones");
    let expected = seed_rows("illustrative/milestones.csv")
        .into_iter()
        .filter(|r| r["ods_code"] == "RAL")
        .count();
    assert_eq!(
        milestones
            .matches("<tr class=\"nhsuk-table__row\">")
            .count(),
        expected + 1
    );
    assert!(page.body.contains("Illustrative"));
}

#[tokio::test]
async fn fast_follower_page_names_its_exemplar_and_merged_trusts_their_successor() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let page = office.get("/participants/RJR").await;
    assert!(
        page.text_of("pairing").contains("Wirral"),
        "{}",
        page.element("pairing")
    );
    let page = office.get("/participants/RLN").await;
    let summary = page.text_of("participant-summary");
    assert!(summary.contains("R0B"), "successor shown: {summary}");
    assert!(page.text_of("pairing").contains("RE9") || page.element("pairing").contains("RE9"));
}

#[tokio::test]
async fn unknown_participant_is_a_404_page() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    for path in ["/participants/ZZZ", "/participants/not-a-code!", "/nowhere"] {
        let page = office.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(page.body.contains("Page not found"));
        assert_accessible_shell(&page.body);
    }
}

#[tokio::test]
async fn partners_page_lists_partners_with_the_trusts_they_work_with() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let page = office.get("/partners").await;
    assert_eq!(page.status, 200);
    assert_accessible_shell(&page.body);
    let table = page.element("partners");
    for row in seed_rows("partner_organisations.csv") {
        assert!(table.contains(&row["name"]), "{}", row["name"]);
    }
    assert!(
        table.contains("/participants/RGT\""),
        "Cambridge links to Epic"
    );
}

#[tokio::test]
async fn every_response_carries_security_headers_and_healthz_answers() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let page = office.get("/healthz").await;
    assert_eq!(page.status, 200);
    for path in ["/", "/participants", "/nowhere", "/static/app.css"] {
        let page = office.get(path).await;
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(page.headers["x-content-type-options"], "nosniff");
        assert!(page.headers.contains_key("referrer-policy"));
    }
    let css = office.get("/static/app.css").await;
    assert!(css.body.contains("#005eb8"));
}

#[tokio::test]
async fn hostile_text_in_the_url_is_escaped_not_echoed() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let page = office
        .get("/participants?role=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert_eq!(page.status, 400);
    assert!(!page.body.contains("<script>"));
    assert!(page.body.contains("&lt;script&gt;"));
}
