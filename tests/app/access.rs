//! Every route, for each role and signed out: allowed or refused, as a user
//! reaching it by URL would find.
use gde::entities::{Users, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::support::{Browser, OFFICE, READER, REPORTER, TestApp};

#[derive(Clone, Copy, Debug)]
enum Who {
    SignedOut,
    Office,
    Reporter,
    Reader,
}

struct Case {
    method: &'static str,
    path: String,
    fields: Vec<(&'static str, &'static str)>,
    /// Expected status for signed out, office, reporter, reader.
    expect: [u16; 4],
}

fn get(path: &str, expect: [u16; 4]) -> Case {
    Case {
        method: "GET",
        path: path.to_owned(),
        fields: vec![],
        expect,
    }
}

fn post(path: &str, fields: &[(&'static str, &'static str)], expect: [u16; 4]) -> Case {
    Case {
        method: "POST",
        path: path.to_owned(),
        fields: fields.to_vec(),
        expect,
    }
}

async fn user_id(app: &TestApp, email: &str) -> i32 {
    Users::find()
        .filter(user::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn every_route_for_every_role() {
    let app = TestApp::seeded().await;
    // A spare account for the office to act on.
    gde::services::users::add(
        &app.db,
        &gde::services::By::Cli,
        gde::services::users::NewUser {
            email: "spare@example.org".into(),
            name: "Spare".into(),
            role: "briefing-reader".into(),
            organisation: String::new(),
            password: crate::support::PASSWORD.into(),
        },
    )
    .await
    .unwrap();
    let spare = user_id(&app, "spare@example.org").await;
    let reader = user_id(&app, READER).await;
    let users_spare = format!("/users/{spare}");
    let users_reader = format!("/users/{reader}");

    // 303 = sent to sign in (or onwards after a post); 404 = hidden from a reporter.
    let cases = vec![
        get("/", [303, 200, 200, 200]),
        get("/participants", [303, 200, 200, 200]),
        get("/participants?role=fast_follower", [303, 200, 200, 200]),
        get("/participants/RAL", [303, 200, 200, 200]),
        get("/participants/RGT", [303, 200, 404, 200]),
        get("/participants/RJR", [303, 200, 404, 200]),
        get("/partners", [303, 200, 200, 200]),
        get("/milestones", [303, 200, 200, 200]),
        get("/milestones?overdue=yes", [303, 200, 200, 200]),
        get("/returns", [303, 200, 200, 200]),
        get("/periods", [303, 200, 403, 403]),
        get("/change-requests", [303, 200, 403, 403]),
        get("/participants/RAL/returns", [303, 200, 200, 200]),
        get("/participants/RGT/returns", [303, 200, 404, 200]),
        get("/returns/1/RAL", [303, 200, 200, 200]),
        get("/returns/1/RGT", [303, 200, 404, 200]),
        get("/audit", [303, 200, 403, 403]),
        get("/audit?organisation=RAL", [303, 200, 403, 403]),
        get("/users", [303, 200, 403, 403]),
        get("/users/new", [303, 200, 403, 403]),
        get(&users_reader, [303, 200, 403, 403]),
        get("/healthz", [200, 200, 200, 200]),
        get("/static/app.css", [200, 200, 200, 200]),
        get("/login", [200, 303, 303, 303]),
        post("/users", &[("email", "bad")], [303, 422, 403, 403]),
        post(&users_reader, &[("name", "")], [303, 422, 403, 403]),
        post(
            &format!("{users_spare}/password"),
            &[("password", "short")],
            [303, 422, 403, 403],
        ),
        post(&format!("{users_spare}/disable"), &[], [303, 303, 403, 403]),
        post(&format!("{users_spare}/enable"), &[], [303, 303, 403, 403]),
        post("/logout", &[], [303, 303, 303, 303]),
    ];

    let browsers = [
        (Who::SignedOut, app.browser()),
        (Who::Office, app.sign_in(OFFICE).await),
        (Who::Reporter, app.sign_in(REPORTER).await),
        (Who::Reader, app.sign_in(READER).await),
    ];
    // Signed-out clients still need a CSRF cookie and token to reach the guard.
    browsers[0].1.get("/login").await;

    let mut failures = Vec::new();
    for case in &cases {
        for (i, (who, browser)) in browsers.iter().enumerate() {
            let page = match case.method {
                "GET" => browser.get(&case.path).await,
                _ => browser.post(&case.path, &case.fields).await,
            };
            if page.status != case.expect[i] {
                failures.push(format!(
                    "{} {} as {who:?}: expected {}, got {}",
                    case.method, case.path, case.expect[i], page.status
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

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
