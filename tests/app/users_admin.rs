//! Account administration through the pages: validation, audit, conflicts.
use gde::entities::{AuditEvents, Users, audit_event, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::support::{OFFICE, PASSWORD, READER, REPORTER, TestApp};

async fn audit_count(app: &TestApp) -> u64 {
    AuditEvents::find().count(&app.db).await.unwrap()
}

async fn last_event(app: &TestApp) -> audit_event::Model {
    AuditEvents::find()
        .order_by_desc(audit_event::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn account(app: &TestApp, email: &str) -> user::Model {
    Users::find()
        .filter(user::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn adding_a_user_is_validated_field_by_field_and_writes_nothing_on_error() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let (users, events) = (
        Users::find().count(&app.db).await.unwrap(),
        audit_count(&app).await,
    );
    // (fields, the field in error, part of its message)
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: &[Case] = &[
        (
            &[
                ("email", "not-an-email"),
                ("name", "A"),
                ("role", "briefing-reader"),
                ("password", PASSWORD),
            ],
            "email",
            "correct format",
        ),
        (
            &[
                ("email", "a@example.org"),
                ("name", ""),
                ("role", "briefing-reader"),
                ("password", PASSWORD),
            ],
            "name",
            "Enter the person",
        ),
        (
            &[
                ("email", "a@example.org"),
                ("name", "A"),
                ("role", ""),
                ("password", PASSWORD),
            ],
            "role",
            "Select a role",
        ),
        (
            &[
                ("email", "a@example.org"),
                ("name", "A"),
                ("role", "briefing-reader"),
                ("password", "short"),
            ],
            "password",
            "at least 12",
        ),
        (
            &[
                ("email", "a@example.org"),
                ("name", "A"),
                ("role", "trust-reporter"),
                ("password", PASSWORD),
            ],
            "organisation",
            "must be bound",
        ),
        (
            &[
                ("email", "a@example.org"),
                ("name", "A"),
                ("role", "trust-reporter"),
                ("organisation", "ZZZ"),
                ("password", PASSWORD),
            ],
            "organisation",
            "No organisation has the ODS code ZZZ",
        ),
        (
            &[
                ("email", "a@example.org"),
                ("name", "A"),
                ("role", "briefing-reader"),
                ("organisation", "RAL"),
                ("password", PASSWORD),
            ],
            "organisation",
            "Only trust reporters",
        ),
        (
            &[
                ("email", READER),
                ("name", "A"),
                ("role", "briefing-reader"),
                ("password", PASSWORD),
            ],
            "email",
            "already exists",
        ),
    ];
    for (fields, field, message) in cases {
        let page = office.post("/users", fields).await;
        assert_eq!(page.status, 422, "{field}: {}", page.body);
        let summary = page.element("error-summary-title");
        assert!(summary.contains("There is a problem"));
        assert!(
            page.body.contains(&format!("href=\"#{field}\"")),
            "summary links to {field}"
        );
        let beside = page.text_of(&format!("{field}-error"));
        assert!(beside.contains(message), "{field}: {beside}");
        // What was typed is kept (never the password).
        let email = fields.iter().find(|(k, _)| *k == "email").unwrap().1;
        assert!(page.body.contains(&format!("value=\"{email}\"")));
        assert!(!page.body.contains(&format!("value=\"{PASSWORD}\"")));
    }
    assert_eq!(Users::find().count(&app.db).await.unwrap(), users);
    assert_eq!(audit_count(&app).await, events);
}

#[tokio::test]
async fn adding_a_user_writes_one_audit_event_without_the_password_hash() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let before = audit_count(&app).await;
    let page = office
        .post(
            "/users",
            &[
                ("email", "New.Reporter@Example.org"),
                ("name", "New Reporter"),
                ("role", "trust-reporter"),
                ("organisation", "rgt"),
                ("password", "another long password"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(audit_count(&app).await, before + 1);
    let event = last_event(&app).await;
    let created = account(&app, "new.reporter@example.org").await;
    assert_eq!(event.action, "user.create");
    assert_eq!(event.actor, OFFICE);
    assert_eq!(event.user_id, Some(account(&app, OFFICE).await.id));
    assert_eq!(event.entity_id, created.id.to_string());
    let after: serde_json::Value =
        serde_json::from_str(event.after_json.as_deref().unwrap()).unwrap();
    assert_eq!(after["email"], "new.reporter@example.org");
    assert_eq!(after["role"], "trust-reporter");
    assert_eq!(after["organisation"], "RGT");
    assert!(!event.after_json.unwrap().contains("argon2"));
    // The confirmation shows once on the next page.
    let list = office.get("/users").await;
    assert!(list.body.contains("Account added for New Reporter"));
    assert!(!office.get("/users").await.body.contains("Account added"));
    // And the new account can sign in and reach its own trust only.
    let reporter = app.browser();
    let page = reporter
        .sign_in("new.reporter@example.org", "another long password")
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(reporter.get("/participants/RGT").await.status, 200);
    assert_eq!(reporter.get("/participants/RAL").await.status, 404);
}

#[tokio::test]
async fn changing_a_role_records_before_and_after() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let reader = account(&app, READER).await;
    let before = audit_count(&app).await;
    let page = office
        .post(
            &format!("/users/{}", reader.id),
            &[
                ("name", "Reader Promoted"),
                ("role", "trust-reporter"),
                ("organisation", "RAL"),
                ("version", &reader.version.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(audit_count(&app).await, before + 1);
    let event = last_event(&app).await;
    assert_eq!(event.action, "user.update");
    let b: serde_json::Value = serde_json::from_str(&event.before_json.unwrap()).unwrap();
    let a: serde_json::Value = serde_json::from_str(&event.after_json.unwrap()).unwrap();
    assert_eq!(
        (b["role"].as_str(), a["role"].as_str()),
        (Some("briefing-reader"), Some("trust-reporter"))
    );
    assert_eq!(
        (b["organisation"].clone(), a["organisation"].as_str()),
        (serde_json::Value::Null, Some("RAL"))
    );
    assert_eq!(a["name"], "Reader Promoted");
}

#[tokio::test]
async fn a_stale_edit_gets_a_conflict_page_and_changes_nothing() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let reader = account(&app, READER).await;
    let stale = reader.version.to_string();
    // Someone else saves first.
    let page = office
        .post(
            &format!("/users/{}", reader.id),
            &[
                ("name", "First Save"),
                ("role", "briefing-reader"),
                ("version", &stale),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
    let before = audit_count(&app).await;
    let page = office
        .post(
            &format!("/users/{}", reader.id),
            &[
                ("name", "Second Save"),
                ("role", "briefing-reader"),
                ("version", &stale),
            ],
        )
        .await;
    assert_eq!(page.status, 409);
    assert!(page.text_of("current-values").contains("First Save"));
    assert_eq!(account(&app, READER).await.name, "First Save");
    assert_eq!(audit_count(&app).await, before);
}

#[tokio::test]
async fn resetting_a_password_is_audited_and_ends_other_sessions() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let reader_session = app.sign_in(READER).await;
    let reader = account(&app, READER).await;
    let before = audit_count(&app).await;
    let page = office
        .post(
            &format!("/users/{}/password", reader.id),
            &[("password", "a brand new password")],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(audit_count(&app).await, before + 1);
    let event = last_event(&app).await;
    assert_eq!(event.action, "user.set_password");
    assert!(!event.after_json.unwrap().contains("argon2"));
    assert_eq!(
        reader_session.get("/").await.status,
        303,
        "old session ended"
    );
    assert_eq!(app.browser().sign_in(READER, PASSWORD).await.status, 401);
    assert_eq!(
        app.browser()
            .sign_in(READER, "a brand new password")
            .await
            .status,
        303
    );
}

#[tokio::test]
async fn disabling_is_audited_and_the_office_cannot_lock_itself_out() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let me = account(&app, OFFICE).await;
    let before = audit_count(&app).await;
    let page = office.post(&format!("/users/{}/disable", me.id), &[]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("cannot disable your own account"));
    assert_eq!(audit_count(&app).await, before);
    let reporter = account(&app, REPORTER).await;
    let page = office
        .post(&format!("/users/{}/disable", reporter.id), &[])
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(audit_count(&app).await, before + 1);
    assert_eq!(last_event(&app).await.action, "user.disable");
    assert!(
        office
            .get("/users")
            .await
            .element("users")
            .contains("Disabled")
    );
}

#[tokio::test]
async fn the_audit_page_filters_and_events_cannot_be_altered() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let page = office.get("/audit").await;
    assert_eq!(page.status, 200);
    assert!(page.element("audit-events").contains("seed.load"));
    // The reporter's account is tied to RAL, so filtering by RAL finds its creation.
    let page = office.get("/audit?organisation=RAL").await;
    let table = page.element("audit-events");
    assert!(
        table.contains("user.create") && table.contains(REPORTER),
        "{table}"
    );
    assert!(!table.contains("seed.load"));
    let page = office.get(&format!("/audit?user={OFFICE}")).await;
    assert!(page.element("audit-events").contains("user.sign_in"));
    let page = office
        .get("/audit?entity=user&from=2000-01-01&to=2999-12-31")
        .await;
    assert!(!page.element("audit-events").contains("seed.load"));
    let page = office.get("/audit?from=31/12/2020").await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("YYYY-MM-DD"));
    // The database itself refuses to change history.
    assert!(
        app.db
            .execute_unprepared("UPDATE audit_events SET actor = 'someone else'")
            .await
            .is_err()
    );
    assert!(
        app.db
            .execute_unprepared("DELETE FROM audit_events")
            .await
            .is_err()
    );
    assert!(audit_count(&app).await > 0);
}
