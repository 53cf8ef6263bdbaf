//! Sign-in that gives nothing away: parallel guesses are all counted, a
//! guesser locks only their own address out, unknown names are treated like
//! real ones, and `next` only ever leads to a page of this site. Also the
//! production plumbing every response goes through: no-store, request ids,
//! compression.
use gde::entities::{Users, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};

use crate::support::{Browser, OFFICE, PASSWORD, Page, READER, TestApp};

/// Posts the sign-in form as if from `from`, through the trusted proxy the
/// test client stands in for (GDE_TRUSTED_PROXIES=127.0.0.1 in tests).
async fn sign_in_from(browser: &Browser, from: &str, email: &str, password: &str) -> Page {
    let token = browser.token.lock().unwrap().clone().expect("form token");
    let fields = [
        ("email", email),
        ("password", password),
        ("authenticity_token", token.as_str()),
    ];
    let response = browser
        .client
        .post(format!("{}/login", browser.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", &browser.address)
        .header("x-forwarded-for", from)
        .body(serde_urlencoded::to_string(fields).unwrap())
        .send()
        .await
        .expect("request succeeds");
    Page {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}

/// A client holding a form token, ready to post the sign-in form.
async fn at_the_sign_in_page(app: &TestApp) -> Browser {
    let browser = app.browser();
    assert_eq!(browser.get("/login").await.status, 200);
    browser
}

async fn failed_sign_ins(app: &TestApp, email: &str) -> i32 {
    Users::find()
        .filter(user::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .failed_sign_ins
}

/// The largest failure count held for any sign-in name.
async fn largest_name_count(app: &TestApp) -> i64 {
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COALESCE(MAX(failures), 0) AS n FROM sign_in_failures",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0)
        .or_else(|_| row.try_get_by_index::<i32>(0).map(i64::from))
        .unwrap()
}

#[tokio::test]
async fn parallel_guesses_from_many_addresses_are_all_counted_and_lock_nobody_out() {
    let app = TestApp::seeded().await;
    let browser = at_the_sign_in_page(&app).await;
    let guesses = (0..30).map(|i| {
        let browser = &browser;
        async move {
            sign_in_from(
                browser,
                &format!("198.51.100.{i}"),
                READER,
                "not the password",
            )
            .await
        }
    });
    let pages = futures_join_all(guesses).await;
    assert!(
        pages.iter().all(|p| p.status == 401),
        "a guess was not refused"
    );
    // Every guess counted: none lost to a read-increment-write race.
    assert_eq!(failed_sign_ins(&app, READER).await, 30);
    assert_eq!(largest_name_count(&app).await, 30);
    // Guessing from everywhere slows the account but never locks its owner out.
    let page = sign_in_from(&browser, "203.0.113.7", READER, PASSWORD).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(failed_sign_ins(&app, READER).await, 0);
}

#[tokio::test]
async fn parallel_guesses_from_one_address_lock_only_that_address() {
    let app = TestApp::seeded().await;
    let browser = at_the_sign_in_page(&app).await;
    let guesses = (0..30).map(|_| {
        let browser = &browser;
        async move { sign_in_from(browser, "198.51.100.50", READER, "not the password").await }
    });
    let pages = futures_join_all(guesses).await;
    assert!(pages.iter().all(|p| p.status == 401));
    // Exactly the policy's five were checked; the rest were refused unchecked.
    assert_eq!(failed_sign_ins(&app, READER).await, 5);
    // From that address even the right password is refused, with the same message.
    let locked = sign_in_from(&browser, "198.51.100.50", READER, PASSWORD).await;
    assert_eq!(locked.status, 401);
    assert_eq!(refusal(&locked), refusal(&pages[0]));
    // The person, elsewhere, signs in as usual.
    let elsewhere = sign_in_from(&browser, "192.0.2.44", READER, PASSWORD).await;
    assert_eq!(elsewhere.status, 303, "{}", elsewhere.body);
    // And the guessing address can still sign in to another account.
    let other = at_the_sign_in_page(&app).await;
    let page = sign_in_from(&other, "198.51.100.50", OFFICE, PASSWORD).await;
    assert_eq!(page.status, 303);
}

#[tokio::test]
async fn too_many_failures_from_one_address_stop_it_trying_any_name() {
    let app = TestApp::seeded_with(&[("GDE_SIGNIN_ADDRESS_MAX_FAILURES", "3")]).await;
    let browser = at_the_sign_in_page(&app).await;
    for name in ["a@example.org", "b@example.org", "c@example.org"] {
        let page = sign_in_from(&browser, "198.51.100.9", name, "guess guess guess").await;
        assert_eq!(page.status, 401);
    }
    let page = sign_in_from(&browser, "198.51.100.9", OFFICE, PASSWORD).await;
    assert_eq!(page.status, 401);
    let page = sign_in_from(&browser, "198.51.100.10", OFFICE, PASSWORD).await;
    assert_eq!(page.status, 303);
}

#[tokio::test]
async fn unknown_names_are_counted_and_refused_like_real_ones() {
    let app = TestApp::seeded().await;
    let browser = at_the_sign_in_page(&app).await;
    let unknown = sign_in_from(&browser, "198.51.100.1", "nobody@example.org", "guess").await;
    let known = sign_in_from(&browser, "198.51.100.1", READER, "guess").await;
    assert_eq!(unknown.status, known.status);
    assert_eq!(refusal(&unknown), refusal(&known));
    // The unknown name has its own count, like the real account…
    for _ in 0..3 {
        sign_in_from(&browser, "198.51.100.2", "nobody@example.org", "guess").await;
    }
    assert_eq!(largest_name_count(&app).await, 4);
    // …kept under a hash, never as typed.
    let typed = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT account FROM sign_in_failures WHERE account LIKE '%nobody%'",
        ))
        .await
        .unwrap();
    assert!(typed.is_empty());
}

fn refusal(page: &Page) -> String {
    let start = page.body.find("error-summary").expect("an error summary");
    crate::support::strip_tags(&page.body[start..start + 600])
}

#[tokio::test]
async fn next_leads_only_to_a_page_of_this_site() {
    let app = TestApp::seeded().await;
    let hostile = [
        "//evil.example/",
        "/\\evil.example",
        "/\\/evil.example",
        "https://evil.example/",
        "/\t/evil.example",
        "/\r\n/evil.example",
        "/\n/evil.example",
        "/\r/evil.example",
        "/ /evil.example",
        "javascript:alert(1)",
        "evil.example",
    ];
    for next in hostile {
        let query = serde_urlencoded::to_string([("next", next)]).unwrap();
        // The sign-in page answers normally and carries `/` forward.
        let browser = app.browser();
        let page = browser.get(&format!("/login?{query}")).await;
        assert_eq!(page.status, 200, "{next:?}: {}", page.body);
        assert!(page.body.contains(r#"name="next" value="/""#), "{next:?}");
        // Signing in with it lands on the overview.
        let page = browser
            .post(
                "/login",
                &[("email", OFFICE), ("password", PASSWORD), ("next", next)],
            )
            .await;
        assert_eq!(page.status, 303, "{next:?}");
        assert_eq!(page.headers["location"], "/", "{next:?}");
        // Already signed in, the sign-in page redirects the same way.
        let page = browser.get(&format!("/login?{query}")).await;
        assert_eq!(page.status, 303, "{next:?}");
        assert_eq!(page.headers["location"], "/", "{next:?}");
    }
    // A plain path is followed.
    let browser = app.browser();
    browser
        .get("/login?next=%2Fmilestones%3Fstatus%3Dlate")
        .await;
    let page = browser
        .post(
            "/login",
            &[
                ("email", OFFICE),
                ("password", PASSWORD),
                ("next", "/milestones?status=late"),
            ],
        )
        .await;
    assert_eq!(page.headers["location"], "/milestones?status=late");
}

#[tokio::test]
async fn signed_in_pages_and_the_sign_in_page_are_never_stored() {
    let app = TestApp::seeded().await;
    let anonymous = app.browser();
    for path in ["/login", "/", "/no-such-page"] {
        let page = anonymous.get(path).await;
        assert_eq!(page.headers["cache-control"], "no-store", "{path}");
    }
    let office = app.sign_in(OFFICE).await;
    for path in [
        "/",
        "/participants",
        "/participants/RAL",
        "/milestones",
        "/dashboard",
        "/briefing",
        "/returns",
        "/periods",
        "/change-requests",
        "/partners",
        "/audit",
        "/users",
        "/users/new",
        "/no-such-page",
    ] {
        let page = office.get(path).await;
        assert!(page.status < 500, "{path}: {}", page.status);
        assert_eq!(page.headers["cache-control"], "no-store", "{path}");
    }
    let page = office.post("/logout", &[]).await;
    assert_eq!(page.headers["cache-control"], "no-store");
    // The stylesheet is the one thing worth caching.
    let css = anonymous.get("/static/app.css").await;
    assert!(
        css.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::seeded().await;
    let browser = app.browser();
    let mut seen = std::collections::HashSet::new();
    for path in [
        "/healthz",
        "/login",
        "/static/app.css",
        "/no-such-page",
        "/",
    ] {
        let page = browser.get(path).await;
        let id = page
            .headers
            .get("x-request-id")
            .unwrap_or_else(|| panic!("{path} has no x-request-id"))
            .to_str()
            .unwrap()
            .to_owned();
        assert!(id.len() >= 16, "{id}");
        assert!(seen.insert(id), "request ids repeat");
    }
    // An id given by a proxy in front is kept, so logs can be joined up.
    let response = browser
        .client
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "edge-1234")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "edge-1234");
}

#[tokio::test]
async fn pages_are_compressed_for_clients_that_ask() {
    let app = TestApp::seeded().await;
    let response = app
        .browser()
        .client
        .get(format!("{}/login", app.address))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let plain = app.browser().get("/login").await;
    assert!(plain.headers.get("content-encoding").is_none());
}

/// Runs the futures at once and collects their results in order.
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let handles: Vec<_> = futures.collect();
    let mut out = Vec::with_capacity(handles.len());
    // Pin every future and poll them together.
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = handles.into_iter().map(Box::pin).collect();
    let mut done: Vec<Option<F::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, future) in pinned.iter_mut().enumerate() {
            if done[i].is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => done[i] = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.extend(done.into_iter().map(|v| v.expect("finished")));
    out
}
