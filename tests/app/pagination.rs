//! Long lists come a page at a time: a page size chosen from a fixed list,
//! a total, previous/next links that keep the filters and sort, the same
//! order across pages as on one long page, and accessible controls.
use crate::support::{OFFICE, REPORTER, TestApp, seed_rows};

/// The row order of a table: the ODS codes linked in its body.
fn codes_in(table: &str) -> Vec<String> {
    let body = table
        .split("<tbody class=\"nhsuk-table__body\">")
        .nth(1)
        .unwrap_or_default();
    body.split("href=\"/participants/")
        .skip(1)
        .map(|c| c[..c.find('"').unwrap()].to_owned())
        .collect()
}

/// The `href` of the link with `rel` in the page's nav of `id`.
fn rel_link(body: &str, nav_id: &str, rel: &str) -> Option<String> {
    let start = body.find(&format!("id=\"{nav_id}\""))?;
    let nav = &body[start..start + body[start..].find("</nav>")?];
    let at = nav.find(&format!("rel=\"{rel}\""))?;
    let before = &nav[..at];
    let href = &before[before.rfind("href=\"")? + 6..];
    Some(href[..href.find('"')?].replace("&amp;", "&"))
}

#[tokio::test]
async fn participants_come_a_page_at_a_time_in_one_order() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let all = seed_rows("participants.csv").len();
    assert!(all > 25);

    let one_page = office
        .get("/participants?sort=allocated&dir=desc&size=200")
        .await;
    let everything = codes_in(one_page.element("participants"));
    assert_eq!(everything.len(), all);
    assert!(
        one_page
            .body
            .contains(&format!("Showing {all} of {all} participants"))
    );

    let first = office
        .get("/participants?sort=allocated&dir=desc&size=25")
        .await;
    assert_eq!(first.status, 200);
    assert!(
        !first.body.contains("synthetic-data"),
        "the real programme is not called synthetic"
    );
    let first_codes = codes_in(first.element("participants"));
    assert_eq!(first_codes.len(), 25);
    assert!(
        first
            .body
            .contains(&format!("Showing 25 of {all} participants"))
    );
    // Accessible controls: a labelled nav, the current page marked.
    assert!(
        first
            .body
            .contains("<nav class=\"pagination\" aria-label=\"Pages of participants\"")
    );
    assert_eq!(
        first.body.matches("aria-current=\"page\"").count(),
        2,
        "site nav and page nav"
    );
    assert!(rel_link(&first.body, "participants-pages", "prev").is_none());
    let next = rel_link(&first.body, "participants-pages", "next").expect("a next link");
    assert!(
        next.contains("sort=allocated") && next.contains("dir=desc"),
        "{next}"
    );
    assert!(
        next.contains("page=2") && next.contains("size=25"),
        "{next}"
    );

    let second = office.get(&next).await;
    assert_eq!(second.status, 200);
    let second_codes = codes_in(second.element("participants"));
    assert_eq!(second_codes.len(), all - 25);
    assert!(
        second
            .body
            .contains(&format!("Showing 26 to {all} of {all} participants"))
    );
    assert!(rel_link(&second.body, "participants-pages", "next").is_none());
    let prev = rel_link(&second.body, "participants-pages", "prev").expect("a previous link");
    assert!(prev.contains("page=1"), "{prev}");

    // The two pages are the long page cut in two: no row lost or repeated.
    let joined: Vec<String> = first_codes.into_iter().chain(second_codes).collect();
    assert_eq!(joined, everything);

    // A page past the end shows the last page; a size not offered is refused.
    let past = office.get("/participants?size=25&page=99").await;
    assert_eq!(past.status, 200);
    assert_eq!(codes_in(past.element("participants")).len(), all - 25);
    let bad = office.get("/participants?size=7").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("size:") && bad.body.contains("25, 50, 100, 200"));
    assert_eq!(office.get("/participants?page=0").await.status, 400);
}

#[tokio::test]
async fn page_links_keep_the_filters() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let followers = seed_rows("participants.csv")
        .iter()
        .filter(|r| r["role"] == "fast_follower")
        .count();
    let page = office
        .get("/participants?role=fast_follower&sort=ods&size=25")
        .await;
    assert!(
        page.body
            .contains(&format!("Showing {followers} of {followers} participants"))
    );
    // The page-size form keeps the filter and the sort.
    assert!(
        page.body
            .contains("<input type=\"hidden\" name=\"role\" value=\"fast_follower\">")
    );
    assert!(
        page.body
            .contains("<option value=\"25\" selected>25</option>")
    );

    let milestones = seed_rows("illustrative/milestones.csv").len();
    let list = office.get("/milestones?sort=slippage&size=25").await;
    assert_eq!(list.status, 200);
    assert!(
        list.body
            .contains(&format!("Showing 25 of {milestones} milestones")),
        "{}",
        list.text_of("milestones")
    );
    let next = rel_link(&list.body, "milestones-pages", "next").expect("a next link");
    assert!(
        next.contains("sort=slippage") && next.contains("page=2"),
        "{next}"
    );
    let second = office.get(&next).await;
    assert!(
        second
            .body
            .contains(&format!("Showing 26 to 50 of {milestones} milestones"))
    );

    // Filtered in the database: only complete milestones, every page.
    let complete = seed_rows("illustrative/milestones.csv")
        .iter()
        .filter(|r| r["status"] == "complete")
        .count();
    let list = office.get("/milestones?status=complete&size=200").await;
    assert!(
        list.body
            .contains(&format!("Showing {complete} of {complete} milestones")),
        "{}",
        list.text_of("milestones")
    );
}

#[tokio::test]
async fn the_returns_queue_pages_its_latest_period_and_keeps_the_sort() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let long = office.get("/returns?sort=state&dir=desc&size=200").await;
    let names = |html: &str| -> Vec<String> {
        html.split("<tbody class=\"nhsuk-table__body\">")
            .nth(1)
            .unwrap_or_default()
            .split("<tr class=\"nhsuk-table__row\"><td class=\"nhsuk-table__cell\"><a href=\"/returns/")
            .skip(1)
            .map(|r| r[..r.find('"').unwrap()].to_owned())
            .collect()
    };
    let everything = names(long.element("latest-period"));
    assert!(everything.len() > 25, "{}", everything.len());
    let first = office.get("/returns?sort=state&dir=desc&size=25").await;
    assert_eq!(first.status, 200);
    let next = rel_link(&first.body, "latest-period-pages", "next").expect("a next link");
    assert!(
        next.contains("sort=state") && next.contains("dir=desc"),
        "{next}"
    );
    assert!(next.ends_with("#latest-period"), "{next}");
    let second = office.get(&next).await;
    let joined: Vec<String> = names(first.element("latest-period"))
        .into_iter()
        .chain(names(second.element("latest-period")))
        .collect();
    assert_eq!(joined, everything);
    // The header links keep a chosen page size.
    assert!(
        first
            .element("latest-period")
            .contains("href=\"/returns?sort=trust&amp;dir=asc&amp;size=25#latest-period\"")
    );
    assert_eq!(office.get("/returns?review_size=3").await.status, 400);
}

#[tokio::test]
async fn a_reporter_pages_through_only_their_own_rows() {
    let app = TestApp::seeded().await;
    let reporter = app.sign_in(REPORTER).await;
    let list = reporter.get("/participants?size=25").await;
    assert_eq!(
        codes_in(list.element("participants")),
        vec!["RAL".to_owned()]
    );
    let milestones = reporter.get("/milestones?size=200").await;
    assert!(!milestones.body.contains("href=\"/participants/RGT\""));
    let own = seed_rows("illustrative/milestones.csv")
        .iter()
        .filter(|r| r["ods_code"] == "RAL")
        .count();
    assert!(
        milestones
            .body
            .contains(&format!("Showing {own} of {own} milestones")),
        "{}",
        milestones.text_of("milestones")
    );
}
