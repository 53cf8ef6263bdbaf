//! Sign-in, sessions, lockout and CSRF, tried the way an attacker or a
//! careless user would.
use gde::entities::{AuditEvents, Sessions, audit_event};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::support::{OFFICE, PASSWORD, READER, TestApp, spawn_instance};

#[tokio::test]
async fn a_post_without_a_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let users_before = gde::entities::Users::find().count(&app.db).await.unwrap();
    let fields = [
        ("email", "new.person@example.org"),
        ("name", "New Person"),
        ("role", "briefing-reader"),
        ("password", "a long enough password"),
    ];
    // No token at all.
    let page = office.post_raw("/users", &fields, Some(&app.address)).await;
    assert_eq!(page.status, 403);
    // A made-up token.
    let mut forged = fields.to_vec();
    forged.push(("authenticity_token", "bm90IGEgdG9rZW4="));
    let page = office.post_raw("/users", &forged, Some(&app.address)).await;
    assert_eq!(page.status, 403);
    // A valid token from another origin.
    let page = office.get("/users/new").await;
    assert_eq!(page.status, 200);
    let token = office.token.lock().unwrap().clone().unwrap();
    let mut cross = fields.to_vec();
    cross.push(("authenticity_token", &token));
    let page = office
        .post_raw("/users", &cross, Some("http://evil.example"))
        .await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("another site"));
    // No Origin or Referer at all.
    let page = office.post_raw("/users", &cross, None).await;
    assert_eq!(page.status, 403);
    assert_eq!(
        gde::entities::Users::find().count(&app.db).await.unwrap(),
        users_before
    );
    // The genuine form works.
    let page = office.post("/users", &fields).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        gde::entities::Users::find().count(&app.db).await.unwrap(),
        users_before + 1
    );
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in() {
    let app = TestApp::seeded().await;
    let browser = app.browser();
    browser.get("/login").await;
    // A session planted before sign-in (session fixation) must not survive it.
    browser
        .post(
            "/login",
            &[("email", OFFICE), ("password", "wrong password here")],
        )
        .await;
    let before = browser.cookie("gde_session");
    let page = browser.sign_in(OFFICE, PASSWORD).await;
    assert_eq!(page.status, 303);
    let after = browser.cookie("gde_session").expect("a session cookie");
    assert_ne!(before.as_deref(), Some(after.as_str()));
    if let Some(old) = before {
        let planted = app.browser();
        planted.set_cookie("gde_session", &old);
        assert_eq!(
            planted.get("/").await.status,
            303,
            "old id is not signed in"
        );
    }
}

#[tokio::test]
async fn sign_out_ends_the_session_on_the_server() {
    let app = TestApp::seeded().await;
    let browser = app.sign_in(OFFICE).await;
    let id = browser.cookie("gde_session").unwrap();
    assert_eq!(browser.get("/").await.status, 200);
    let page = browser.post("/logout", &[]).await;
    assert_eq!(page.status, 303);
    // The row is gone, so replaying the old cookie does not sign anyone in.
    let replay = app.browser();
    replay.set_cookie("gde_session", &id);
    assert_eq!(replay.get("/").await.status, 303);
    assert_eq!(browser.get("/").await.status, 303);
}

#[tokio::test]
async fn cookies_are_http_only_and_same_site() {
    let app = TestApp::seeded().await;
    let browser = app.browser();
    let page = browser.get("/login").await;
    let set_cookie: Vec<_> = page.headers.get_all("set-cookie").iter().collect();
    assert!(!set_cookie.is_empty());
    for cookie in set_cookie {
        let c = cookie.to_str().unwrap();
        assert!(c.contains("HttpOnly"), "{c}");
        assert!(c.contains("SameSite"), "{c}");
    }
    let page = browser
        .post("/login", &[("email", OFFICE), ("password", PASSWORD)])
        .await;
    let session = page
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("gde_session="))
        .expect("session cookie set at sign-in");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_address_without_revealing_the_account_exists() {
    let app = TestApp::seeded().await;
    let browser = app.browser();
    browser.get("/login").await;
    let unknown = browser
        .post(
            "/login",
            &[
                ("email", "nobody@example.org"),
                ("password", "whatever it is"),
            ],
        )
        .await;
    assert_eq!(unknown.status, 401);
    let mut last = None;
    for _ in 0..5 {
        let page = browser
            .post(
                "/login",
                &[("email", READER), ("password", "not the password")],
            )
            .await;
        assert_eq!(page.status, 401);
        last = Some(page);
    }
    let message = |body: &str| {
        let start = body.find("error-summary").unwrap();
        crate::support::strip_tags(&body[start..start + 600])
    };
    // Unknown account and known account read exactly the same.
    assert_eq!(message(&unknown.body), message(&last.unwrap().body));
    // Now, from this address, even the right password is refused, with the same message.
    let page = browser.sign_in(READER, PASSWORD).await;
    assert_eq!(page.status, 401);
    assert_eq!(message(&unknown.body), message(&page.body));
    let failures = AuditEvents::find()
        .filter(audit_event::Column::Action.eq("user.sign_in_failed"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(failures, 5);
    // Another account is unaffected.
    assert_eq!(app.sign_in(OFFICE).await.get("/").await.status, 200);
}

#[tokio::test]
async fn a_disabled_account_is_signed_out_at_once() {
    let app = TestApp::seeded().await;
    let reader = app.sign_in(READER).await;
    assert_eq!(reader.get("/").await.status, 200);
    let account = gde::services::users::find_by_email(&app.db, READER)
        .await
        .unwrap();
    gde::services::users::set_disabled(&app.db, &gde::services::By::Cli, account.id, true)
        .await
        .unwrap();
    assert_eq!(reader.get("/").await.status, 303);
    assert_eq!(app.browser().sign_in(READER, PASSWORD).await.status, 401);
}

#[tokio::test]
async fn sessions_are_shared_by_app_instances_on_one_database() {
    let app = TestApp::seeded().await;
    // A second instance with its own connection pool, as a second process would have.
    let second_pool = gde::db::connect(&app.url, 4).await.unwrap();
    let second = spawn_instance(second_pool).await;
    let browser = app.sign_in(OFFICE).await;
    assert!(Sessions::find().count(&app.db).await.unwrap() >= 1);
    let elsewhere = browser.at(&second);
    let page = elsewhere.get("/participants/RAL").await;
    assert_eq!(page.status, 200, "signed in on the second instance too");
    // Signing out on the second ends the session on the first.
    assert_eq!(elsewhere.post("/logout", &[]).await.status, 303);
    assert_eq!(browser.get("/").await.status, 303);
}

/// Rewrites the stored session row behind a browser's cookie.
async fn edit_session(
    app: &TestApp,
    id: &str,
    edit: impl FnOnce(&mut gde::entities::session::ActiveModel, &mut serde_json::Value),
) {
    use sea_orm::{ActiveModelTrait, Set};
    let row = Sessions::find_by_id(id.to_owned())
        .one(&app.db)
        .await
        .unwrap()
        .expect("session row");
    let mut data: serde_json::Value = serde_json::from_str(&row.data).unwrap();
    let mut active: gde::entities::session::ActiveModel = row.into();
    edit(&mut active, &mut data);
    active.data = Set(data.to_string());
    active.update(&app.db).await.unwrap();
}

#[tokio::test]
async fn an_idle_session_expires() {
    let app = TestApp::seeded().await;
    let browser = app.sign_in(OFFICE).await;
    let id = browser.cookie("gde_session").unwrap();
    edit_session(&app, &id, |row, _| {
        row.expires_at = sea_orm::Set(time::OffsetDateTime::now_utc() - time::Duration::minutes(1));
    })
    .await;
    assert_eq!(browser.get("/").await.status, 303);
}

#[tokio::test]
async fn a_session_ends_a_fixed_time_after_sign_in_however_busy() {
    let app = TestApp::seeded().await;
    let browser = app.sign_in(OFFICE).await;
    let id = browser.cookie("gde_session").unwrap();
    assert_eq!(browser.get("/").await.status, 200);
    // Signed in 13 hours ago; the default limit is 12.
    edit_session(&app, &id, |_, data| {
        let thirteen_hours_ago = time::OffsetDateTime::now_utc().unix_timestamp() - 13 * 3600;
        data["signed_in_at"] = serde_json::json!(thirteen_hours_ago);
    })
    .await;
    let page = browser.get("/participants").await;
    assert_eq!(page.status, 303);
    let location = page.headers["location"].to_str().unwrap();
    assert!(location.contains("reason=expired"), "{location}");
    assert!(
        browser
            .get(location)
            .await
            .body
            .contains("Your session has ended")
    );
}
