//! The dashboard's figures and charts, the overview and the returns queue
//! are computed once per version of the data and shared by every request,
//! yet a change made through any app instance is shown by every instance on
//! its next request.
use crate::support::{Browser, OFFICE, TestApp, add_fast_follower, spawn_instance};

/// The number in a figure's row of the dashboard ("Fast followers" then 12).
async fn figure(browser: &Browser, key: &str) -> i64 {
    let page = browser.get("/dashboard").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let text = page.text_of(&format!("figure-{key}"));
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number in {text:?}"))
}

async fn get_if_none_match(browser: &Browser, path: &str, etag: &str) -> u16 {
    browser
        .client
        .get(format!("{}{path}", browser.address))
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_change_on_one_instance_is_shown_by_another_on_its_next_request() {
    let app = TestApp::seeded().await;
    // A second instance with its own pool and its own cache, as a second
    // process would have.
    let second_pool = gde::db::connect(&app.url, 4).await.unwrap();
    let second = spawn_instance(second_pool).await;
    let office = app.sign_in(OFFICE).await;
    let elsewhere = office.at(&second);

    let before = figure(&elsewhere, "fast_followers").await;
    let overview = elsewhere.get("/").await;
    assert_eq!(overview.status, 200);
    assert!(!overview.body.contains("RJ1"));
    assert_eq!(
        figure(&elsewhere, "fast_followers").await,
        before,
        "an unchanged programme shows the same figures"
    );
    let chart = "/charts/milestone-burn-up.png";
    let page = elsewhere.get(chart).await;
    assert_eq!(page.status, 200);
    let etag = page.headers["etag"].to_str().unwrap().to_owned();
    assert_eq!(get_if_none_match(&elsewhere, chart, &etag).await, 304);

    // The first instance designates a fast follower.
    add_fast_follower(&office, "RJ1").await;

    assert_eq!(
        figure(&elsewhere, "fast_followers").await,
        before + 1,
        "the other instance shows the change on its next request"
    );
    assert_eq!(figure(&office, "fast_followers").await, before + 1);
    assert!(
        elsewhere.get("/").await.body.contains("RJ1"),
        "the overview too"
    );
    // A change that leaves a chart's data as it was keeps its tag.
    assert_eq!(get_if_none_match(&elsewhere, chart, &etag).await, 304);
}

#[tokio::test]
async fn a_renamed_user_is_shown_by_name_on_cached_pages_at_once() {
    use gde::entities::{Users, user};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let page = office
        .post(
            "/participants/RAL/milestones",
            &[
                ("reference", "M77"),
                ("title", "Named in the history"),
                ("category", "other"),
                ("baseline_on", "2020-01-01"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let me = Users::find()
        .filter(user::Column::Email.eq(OFFICE))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let history = office
        .get("/participants/RAL")
        .await
        .text_of("audit-events");
    assert!(history.contains(&me.name), "{history}");

    let page = office
        .post(
            &format!("/users/{}", me.id),
            &[
                ("name", "Renamed Officer"),
                ("role", "programme-office"),
                ("organisation", ""),
                ("version", &me.version.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    // The page is cached per data version: the rename must make a new one.
    let history = office
        .get("/participants/RAL")
        .await
        .text_of("audit-events");
    assert!(history.contains("Renamed Officer"), "{history}");
    assert!(!history.contains(&me.name), "{history}");
}
