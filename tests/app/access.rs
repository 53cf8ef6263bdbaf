//! Sign-in redirects and a trust reporter's scope, as a user would find them.
//! (Every route's check, for every role, is walked from the router's own
//! table in `routes.rs`.)
use crate::support::{Browser, OFFICE, REPORTER, TestApp};

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_and_back() {
    let app = TestApp::seeded().await;
    let browser = app.browser();
    let page = browser.get("/participants/RAL").await;
    assert_eq!(page.status, 303);
    assert_eq!(
        page.headers["location"],
        "/login?next=%2Fparticipants%2FRAL"
    );
    let page = browser.get("/login?next=%2Fparticipants%2FRAL").await;
    assert!(page.body.contains("Email address"));
    assert!(page.body.contains("Password"));
    let page = browser
        .post(
            "/login",
            &[
                ("email", OFFICE),
                ("password", crate::support::PASSWORD),
                ("next", "/participants/RAL"),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(page.headers["location"], "/participants/RAL");
}

#[tokio::test]
async fn sign_in_never_redirects_off_site() {
    let app = TestApp::seeded().await;
    let browser = app.browser();
    browser.get("/login").await;
    let page = browser
        .post(
            "/login",
            &[
                ("email", OFFICE),
                ("password", crate::support::PASSWORD),
                ("next", "//evil.example/phish"),
            ],
        )
        .await;
    assert_eq!(page.headers["location"], "/");
}

#[tokio::test]
async fn a_reporter_sees_programme_totals_but_only_their_own_trust() {
    let app = TestApp::seeded().await;
    let reporter: Browser = app.sign_in(REPORTER).await;
    let office = app.sign_in(OFFICE).await;
    let theirs = reporter.get("/").await;
    let ours = office.get("/").await;
    // The same programme totals...
    assert_eq!(
        theirs.text_of("total-allocated"),
        ours.text_of("total-allocated")
    );
    // ...but no other trust's row.
    assert!(theirs.body.contains("/participants/RAL\""));
    assert!(!theirs.body.contains("/participants/RGT\""));
    let list = reporter.get("/participants").await;
    assert!(list.element("participants").contains("Showing 1 of 1"));
    let partners = reporter.get("/partners").await;
    assert!(
        !partners.body.contains("/participants/RGT\""),
        "Cambridge's Epic link hidden"
    );
    assert!(partners.body.contains("/participants/RAL\""));
    // Office-only navigation is not offered.
    assert!(!theirs.body.contains("href=\"/audit\""));
    assert!(ours.body.contains("href=\"/audit\""));
}
