//! The dashboard's layout (headline figures and charts first, the long
//! exception lists after, folded, every code and reference a link; plain text
//! in the standalone pack) and the allocation profile's financial years.
use gde::domain::financial_year::FinancialYear;
use gde::entities::{AllocationProfiles, Allocations, allocation, allocation_profile};
use gde::reports::{briefing, figures};
use gde::services::{By, snapshot};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use time::OffsetDateTime;

use crate::support::{OFFICE, READER, TestApp};

fn position(html: &str, needle: &str) -> usize {
    html.find(needle)
        .unwrap_or_else(|| panic!("{needle} not on the page"))
}

async fn todays_briefing(app: &TestApp) -> figures::Briefing {
    let today = OffsetDateTime::now_utc().date();
    let s = snapshot::as_at(&app.db, &By::Cli, today).await.unwrap();
    figures::briefing(&s)
}

#[tokio::test]
async fn the_dashboard_shows_figures_and_charts_before_the_folded_exception_lists() {
    let app = TestApp::seeded().await;
    let b = todays_briefing(&app).await;
    let slipped = &b.exceptions.slipped_over_90;
    assert!(
        slipped.len() > briefing::SHOWN,
        "the seed has a long list of slipped milestones ({})",
        slipped.len()
    );
    let reader = app.sign_in(READER).await;
    for path in ["/dashboard", "/briefing"] {
        let page = reader.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        let html = &page.body;
        let headlines = position(html, "id=\"headlines\"");
        let first_chart = position(html, "role=\"img\"");
        let exceptions = position(html, "id=\"exceptions\"");
        assert!(headlines < first_chart, "{path}: headline figures first");
        assert!(first_chart < exceptions, "{path}: charts before exceptions");
        // Headings stay in order: one h1, the exceptions' h3s under their h2.
        assert_eq!(html.matches("<h1").count(), 1);
        assert!(!html.contains("<h4"));
        // The slipped list: its count in the heading, the worst ten shown,
        // the rest folded behind a summary that says how many.
        assert!(
            html.contains(&format!(
                "Milestones slipped more than 90 days ({})",
                slipped.len()
            )),
            "{path}"
        );
        let shown = reader_table_rows(html, "slipped");
        assert_eq!(shown, briefing::SHOWN, "{path}");
        assert!(html.contains(&format!(
            "<span class=\"nhsuk-details__summary-text\">The other {} milestones slipped more than 90 days</span>",
            slipped.len() - briefing::SHOWN
        )));
        assert_eq!(
            reader_table_rows(html, "slipped-rest"),
            slipped.len() - briefing::SHOWN
        );
        let more = position(html, "id=\"slipped-more\"");
        let tag_start = html[..more].rfind('<').unwrap();
        let tag = &html[tag_start..more + html[more..].find('>').unwrap()];
        assert!(tag.starts_with("<details"), "{tag}");
        assert!(!tag.contains("open"), "{path}: folded by default");
        // Every table has a caption.
        assert_eq!(
            html.matches("<table").count(),
            html.matches("<caption class=\"nhsuk-table__caption\">")
                .count(),
            "{path}"
        );
        // Codes and references are links.
        let (code, reference, _, id) = &slipped[0];
        assert!(
            html.contains(&format!("<a href=\"/participants/{code}\">{code}</a>")),
            "{path}"
        );
        assert!(html.contains(&format!("<a href=\"/milestones/{id}\">{reference}</a>")));
        assert_eq!(
            html.matches("href=\"/milestones/").count(),
            slipped.len(),
            "{path}: every slipped milestone linked"
        );
    }
    // The links lead to the records.
    let (code, reference, _, id) = &b.exceptions.slipped_over_90[0];
    let milestone = reader.get(&format!("/milestones/{id}")).await;
    assert_eq!(milestone.status, 200);
    assert!(milestone.body.contains(reference.as_str()));
    let participant = reader.get(&format!("/participants/{code}")).await;
    assert_eq!(participant.status, 200);
}

/// Rows in the body of the table with this id.
fn reader_table_rows(html: &str, id: &str) -> usize {
    let start = position(html, &format!("<table class=\"nhsuk-table\" id=\"{id}\">"));
    let end = start + html[start..].find("</table>").unwrap();
    let body = &html[start..end];
    let tbody = position(body, "<tbody class=\"nhsuk-table__body\">");
    body[tbody..]
        .matches("<tr class=\"nhsuk-table__row\">")
        .count()
}

#[tokio::test]
async fn the_pack_shows_codes_and_references_as_plain_text() {
    let app = TestApp::seeded().await;
    let today = OffsetDateTime::now_utc().date();
    let s = snapshot::as_at(&app.db, &By::Cli, today).await.unwrap();
    let pack = briefing::assemble(&s).unwrap();
    let index = briefing::index_html(&pack);
    assert!(position(&index, "role=\"img\"") < position(&index, "id=\"exceptions\""));
    assert!(!index.contains("href=\"/participants/"));
    assert!(!index.contains("href=\"/milestones/"));
    let (code, reference, _, _) = &pack.briefing.exceptions.slipped_over_90[0];
    assert!(index.contains(&format!("<td class=\"nhsuk-table__cell\">{code}</td><td class=\"nhsuk-table__cell\">{reference}</td>")));
    assert!(index.contains("<span class=\"nhsuk-details__summary-text\">The other "));
    // Its own files are still linked.
    assert!(index.contains("href=\"milestone-burn-up.png\""));
}

#[tokio::test]
async fn an_allocation_awarded_in_2026_is_profiled_in_2026_27() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    crate::support::add_fast_follower(&office, "RJ1").await;
    // The new form offers this year (an award made today), not only 2016/17–2022/23.
    let this_year = FinancialYear::containing(OffsetDateTime::now_utc().date()).start_year();
    let form = office.get("/participants/RJ1/allocations/new").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("name=\"fy_2016\""));
    assert!(form.body.contains(&format!("name=\"fy_{this_year}\"")));
    assert!(
        form.body
            .contains(&format!("name=\"fy_{}\"", this_year + 4))
    );
    assert!(
        !form
            .body
            .contains(&format!("name=\"fy_{}\"", this_year + 5))
    );
    // Beyond four years after the award: refused with the rule's words.
    let late = office
        .post(
            "/participants/RJ1/allocations",
            &[
                ("reference", "ALLOC-26"),
                ("central", "1000000"),
                ("local_match", "0"),
                ("awarded_on", "2026-06-01"),
                ("fy_2031", "1000000"),
            ],
        )
        .await;
    assert_eq!(late.status, 422, "{}", late.body);
    assert!(
        late.body
            .contains("Financial year 2031/32 is outside the years this allocation can be profiled in (2016/17 to 2030/31)"),
        "{}",
        late.body
    );
    let page = office
        .post(
            "/participants/RJ1/allocations",
            &[
                ("reference", "ALLOC-26"),
                ("central", "1000000"),
                ("local_match", "0"),
                ("awarded_on", "2026-06-01"),
                ("fy_2026", "600000"),
                ("fy_2027", "400000"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let alloc = Allocations::find()
        .filter(allocation::Column::Reference.eq("ALLOC-26"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut years: Vec<(i32, i64)> = AllocationProfiles::find()
        .filter(allocation_profile::Column::AllocationId.eq(alloc.id))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.financial_year, p.amount_pence))
        .collect();
    years.sort();
    assert_eq!(years, vec![(2026, 60_000_000), (2027, 40_000_000)]);
    // The change form offers the award's years, with the profile filled in.
    let change = office
        .get(&format!("/allocations/{}/change", alloc.id))
        .await;
    assert_eq!(change.status, 200);
    assert!(change.body.contains("name=\"fy_2026\""));
    assert!(change.body.contains("name=\"fy_2030\""));
    assert!(!change.body.contains("name=\"fy_2031\""));
    // And a change may move money into 2030/31.
    let moved = office
        .post(
            &format!("/allocations/{}/change", alloc.id),
            &[
                ("central", "1000000"),
                ("local_match", "0"),
                ("fy_2026", "600000"),
                ("fy_2030", "400000"),
                ("reason", "The second year's work moves to 2030/31"),
            ],
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
}
