//! The JSON API (`/api/v1`): tokens, scope per role, problems, paging,
//! as_at, versions on writes, audit events, the rate limit.
use gde::entities::{
    ApiTokens, AuditEvents, Milestones, Organisations, Participants, Tranches, Users, api_token,
    audit_event, milestone, organisation, participant, tranche, user,
};
use gde::services::By;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::returns::{PERIOD_SLUG, open_period};
use crate::support::{OFFICE, READER, REPORTER, REPORTER_ORG, TestApp};

/// Another trust with allocations, tranches, milestones and returns.
pub const OTHER: &str = "RLN";

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A program calling the API with a bearer token (no cookies).
pub struct Api {
    pub address: String,
    pub token: Option<String>,
    client: reqwest::Client,
}

impl Api {
    pub fn new(app: &TestApp, token: Option<String>) -> Api {
        Api {
            address: app.address.clone(),
            token,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self
            .client
            .request(method, format!("{}/api/v1{path}", self.address));
        if let Some(token) = &self.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.expect("request succeeds");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::POST, path, Some(body), &[])
            .await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::PUT, path, Some(body), &[]).await
    }
}

/// A token for `email`, made as `gde token create` makes it.
pub async fn token_for(app: &TestApp, email: &str) -> String {
    gde::services::api_tokens::create_for(
        &app.db,
        &By::Cli,
        email,
        "test",
        "",
        time::OffsetDateTime::now_utc(),
    )
    .await
    .expect("token")
    .secret
}

pub async fn api_as(app: &TestApp, email: &str) -> Api {
    Api::new(app, Some(token_for(app, email).await))
}

pub fn is_problem(r: &Reply, status: u16) -> bool {
    r.status == status
        && r.header("content-type") == "application/problem+json"
        && r.body["status"] == status
        && r.body["title"].is_string()
}

pub async fn milestone_of(app: &TestApp, ods: &str, reference: &str) -> milestone::Model {
    let org = Organisations::find()
        .filter(organisation::Column::OdsCode.eq(ods))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let p = Participants::find()
        .filter(participant::Column::OrganisationId.eq(org.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    Milestones::find()
        .filter(milestone::Column::ParticipantId.eq(p.id))
        .filter(milestone::Column::Reference.eq(reference))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn audit_count(app: &TestApp, action: &str) -> usize {
    AuditEvents::find()
        .filter(audit_event::Column::Action.eq(action))
        .all(&app.db)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_token_acts_as_its_user_until_revoked_expired_or_disabled() {
    let app = TestApp::seeded().await;
    let none = Api::new(&app, None);
    let r = none.get("/participants").await;
    assert!(is_problem(&r, 401), "{}", r.text);
    assert!(r.header("www-authenticate").starts_with("Bearer"));
    let r = Api::new(&app, Some("gde_notarealtoken".into()))
        .get("/participants")
        .await;
    assert!(is_problem(&r, 401), "{}", r.text);

    let api = api_as(&app, READER).await;
    let r = api.get("/participants").await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Only the hash is stored, and the use is recorded.
    let stored = ApiTokens::find().all(&app.db).await.unwrap();
    assert_eq!(stored.len(), 1);
    let secret = api.token.clone().unwrap();
    assert!(!stored[0].token_hash.contains(&secret) && stored[0].token_hash.len() == 64);
    assert!(stored[0].last_used_at.is_some());

    // Disabled account: the token stops at once; enabled again, it works.
    let reader = Users::find()
        .filter(user::Column::Email.eq(READER))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    gde::services::users::change_disabled(&app.db, &By::Cli, reader.id, true)
        .await
        .unwrap();
    assert!(is_problem(&api.get("/participants").await, 401));
    gde::services::users::change_disabled(&app.db, &By::Cli, reader.id, false)
        .await
        .unwrap();
    assert_eq!(api.get("/participants").await.status, 200);

    // Expired.
    let mut row: api_token::ActiveModel = stored[0].clone().into();
    row.expires_at = Set(Some(
        time::OffsetDateTime::now_utc() - time::Duration::hours(1),
    ));
    row.update(&app.db).await.unwrap();
    assert!(is_problem(&api.get("/participants").await, 401));

    // A token's creation is audited.
    assert_eq!(audit_count(&app, "api_token.create").await, 1);
}

#[tokio::test]
async fn the_token_page_makes_a_token_once_and_revokes_only_your_own() {
    let app = TestApp::seeded().await;
    let reporter = app.sign_in(REPORTER).await;
    let page = reporter.get("/account/tokens").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("You have no tokens"));
    let made = reporter
        .post(
            "/account/tokens",
            &[("name", "board extract"), ("expires_on", "2099-03-31")],
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    let secret = crate::support::strip_tags(made.element("token-secret"));
    let secret = secret.trim().to_owned();
    assert!(secret.starts_with("gde_"), "{secret}");
    // Shown once: the list afterwards does not show it.
    let again = reporter.get("/account/tokens").await;
    assert!(!again.body.contains(&secret));
    assert!(again.body.contains("board extract") && again.body.contains("2099-03-31"));

    let api = Api::new(&app, Some(secret.clone()));
    let r = api.get("/participants").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["total"], 1,
        "a reporter's token sees their own trust"
    );

    // Bad input is named by field.
    let bad = reporter
        .post(
            "/account/tokens",
            &[("name", ""), ("expires_on", "31/03/2099")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Enter a name"), "{}", bad.body);

    // Another user cannot revoke it; its owner can.
    let token_id = ApiTokens::find().one(&app.db).await.unwrap().unwrap().id;
    let office = app.sign_in(OFFICE).await;
    let refused = office
        .post("/account/tokens/revoke", &[("id", &token_id.to_string())])
        .await;
    assert_eq!(refused.status, 404);
    assert_eq!(api.get("/participants").await.status, 200);
    let revoked = reporter
        .post("/account/tokens/revoke", &[("id", &token_id.to_string())])
        .await;
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    assert!(is_problem(&api.get("/participants").await, 401));
    assert_eq!(audit_count(&app, "api_token.revoke").await, 1);
}

#[tokio::test]
async fn the_session_cookie_never_reaches_the_api() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    // Signed in, the browser's cookies alone are refused, reads and writes alike.
    let page = office.get("/api/v1/participants").await;
    assert_eq!(page.status, 401, "{}", page.body);
    let m = milestone_of(&app, REPORTER_ORG, "M05").await;
    let post = office
        .post(
            &format!("/api/v1/milestones/{}/progress", m.id),
            &[
                ("status", "in_progress"),
                ("version", &m.version.to_string()),
            ],
        )
        .await;
    assert_eq!(post.status, 401, "{}", post.body);
    assert_eq!(
        milestone_of(&app, REPORTER_ORG, "M05").await.version,
        m.version
    );
    // A bearer token needs no CSRF token.
    let api = api_as(&app, OFFICE).await;
    let r = api
        .post(
            &format!("/milestones/{}/progress", m.id),
            json!({"status": "in_progress", "version": m.version, "forecast_on": m.forecast_on.map(|d| d.to_string())}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn a_reporters_token_finds_no_other_trusts_records() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    open_period(&office, &app).await;
    let api = api_as(&app, REPORTER).await;
    let other_m = milestone_of(&app, OTHER, "M02").await;
    let other_tranche = Tranches::find()
        .filter(tranche::Column::ReleasedOn.is_not_null())
        .all(&app.db)
        .await
        .unwrap();
    assert!(!other_tranche.is_empty());
    let reads = [
        format!("/participants/{OTHER}"),
        format!("/participants/{OTHER}/allocations"),
        format!("/participants/{OTHER}/tranches"),
        format!("/participants/{OTHER}/returns"),
        format!("/returns/{PERIOD_SLUG}/{OTHER}"),
        format!("/returns/2018-19-q1/{OTHER}"),
        format!("/milestones/{}", other_m.id),
    ];
    for path in &reads {
        let r = api.get(path).await;
        assert!(is_problem(&r, 404), "{path}: {} {}", r.status, r.text);
        // The same as a made-up record.
        let made_up = api.get(&path.replace(OTHER, "RZZ")).await;
        assert_eq!(made_up.status, 404, "{path}");
    }
    let put = api
        .put(
            &format!("/returns/{PERIOD_SLUG}/{OTHER}"),
            json!({"version": 0}),
        )
        .await;
    assert!(is_problem(&put, 404), "{}", put.text);
    // Lists hold only their own trust.
    let list = api.get("/participants").await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["ods_code"], REPORTER_ORG);
    let ms = api.get("/milestones?per_page=200").await;
    assert!(
        ms.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["ods_code"] == REPORTER_ORG),
        "{}",
        ms.text
    );
    let orgs = api.get("/organisations?per_page=200").await;
    let trusts: Vec<&Value> = orgs.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "nhs_trust")
        .collect();
    assert_eq!(trusts.len(), 1);
    let partners = api.get("/partners?per_page=200").await;
    assert!(
        partners.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["links"].as_array().unwrap())
            .all(|l| l["ods_code"] == REPORTER_ORG)
    );
    // Their own trust reads.
    for path in [
        format!("/participants/{REPORTER_ORG}"),
        format!("/participants/{REPORTER_ORG}/allocations"),
        format!("/participants/{REPORTER_ORG}/tranches"),
        format!("/participants/{REPORTER_ORG}/returns"),
        format!("/returns/{PERIOD_SLUG}/{REPORTER_ORG}"),
    ] {
        assert_eq!(api.get(&path).await.status, 200, "{path}");
    }
    // Programme-wide and office-only resources are refused outright.
    assert!(is_problem(&api.get("/snapshot").await, 403));
    assert!(is_problem(&api.get("/periods").await, 403));
}

#[tokio::test]
async fn each_role_reads_what_its_pages_show_and_writes_only_what_they_offer() {
    let app = TestApp::seeded().await;
    let office_page = app.sign_in(OFFICE).await;
    open_period(&office_page, &app).await;
    let office = api_as(&app, OFFICE).await;
    let reader = api_as(&app, READER).await;
    let reporter = api_as(&app, REPORTER).await;
    let m = milestone_of(&app, OTHER, "M02").await;
    for api in [&office, &reader] {
        let all = api.get("/participants?per_page=200").await;
        assert_eq!(all.status, 200);
        assert!(all.body["total"].as_u64().unwrap() > 20, "{}", all.text);
        let one = api.get(&format!("/participants/{OTHER}")).await;
        assert_eq!(one.status, 200, "{}", one.text);
        assert_eq!(one.body["participant"]["ods_code"], OTHER);
        assert!(
            !one.body["allocations"][0]["profile"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        assert!(
            !one.body["allocations"][0]["tranches"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        let ms = api.get(&format!("/milestones/{}", m.id)).await;
        assert_eq!(ms.status, 200);
        assert_eq!(ms.header("etag"), format!("\"{}\"", m.version));
        let ret = api.get(&format!("/returns/2018-19-q1/{OTHER}")).await;
        assert_eq!(ret.status, 200, "{}", ret.text);
        assert_eq!(ret.body["status"], "approved");
        assert!(!ret.body["lines"].as_array().unwrap().is_empty());
        assert_eq!(api.get("/snapshot").await.status, 200);
        assert_eq!(
            api.get(&format!("/participants/{OTHER}/returns"))
                .await
                .status,
            200
        );
    }
    assert_eq!(office.get("/periods").await.status, 200);
    assert!(is_problem(&reader.get("/periods").await, 403));
    // Writes: a briefing reader changes nothing; the office does not fill in
    // returns; a reporter does not change milestones or money.
    let progress = json!({"status": "in_progress", "version": m.version});
    assert!(is_problem(
        &reader
            .post(&format!("/milestones/{}/progress", m.id), progress.clone())
            .await,
        403
    ));
    assert!(is_problem(
        &reporter
            .post(&format!("/milestones/{}/progress", m.id), progress.clone())
            .await,
        403
    ));
    assert!(is_problem(
        &reporter
            .post("/tranches/1/release", json!({"version": 1}))
            .await,
        403
    ));
    assert!(is_problem(
        &office
            .put(
                &format!("/returns/{PERIOD_SLUG}/{REPORTER_ORG}"),
                json!({"version": 0})
            )
            .await,
        403
    ));
    assert!(is_problem(
        &reader
            .put(
                &format!("/returns/{PERIOD_SLUG}/{REPORTER_ORG}"),
                json!({"version": 0})
            )
            .await,
        403
    ));
}

#[tokio::test]
async fn lists_are_paged_with_link_headers_and_a_total() {
    let app = TestApp::seeded().await;
    let api = api_as(&app, OFFICE).await;
    let all = api.get("/participants?per_page=200").await;
    let total = all.body["total"].as_u64().unwrap();
    let first = api
        .get("/participants?role=global_digital_exemplar&per_page=5")
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    let exemplars = first.body["total"].as_u64().unwrap();
    assert!(exemplars > 5 && exemplars < total);
    assert_eq!(first.body["items"].as_array().unwrap().len(), 5);
    assert_eq!(first.header("x-total-count"), exemplars.to_string());
    let link = first.header("link");
    assert!(
        link.contains(
            "</api/v1/participants?role=global_digital_exemplar&page=2&per_page=5>; rel=\"next\""
        ),
        "{link}"
    );
    let last = exemplars.div_ceil(5);
    assert!(
        link.contains(&format!("page={last}&per_page=5>; rel=\"last\"")),
        "{link}"
    );
    // Every row once across the pages.
    let mut seen = Vec::new();
    for page in 1..=last {
        let r = api
            .get(&format!(
                "/participants?role=global_digital_exemplar&per_page=5&page={page}"
            ))
            .await;
        for item in r.body["items"].as_array().unwrap() {
            seen.push(item["ods_code"].as_str().unwrap().to_owned());
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len() as u64, exemplars);
    assert_eq!(seen.len() as u64, exemplars);

    let bad = api.get("/participants?per_page=500").await;
    assert!(is_problem(&bad, 400), "{}", bad.text);
    assert!(bad.body["detail"].as_str().unwrap().contains("per_page"));
    let bad = api.get("/participants?role=ruler").await;
    assert!(is_problem(&bad, 400), "{}", bad.text);
    assert!(bad.body["detail"].as_str().unwrap().starts_with("role"));
    let nowhere = api.get("/no-such-thing").await;
    assert!(is_problem(&nowhere, 404), "{}", nowhere.text);
}

#[tokio::test]
async fn as_at_is_answered_as_the_records_stood_and_a_future_day_refused() {
    let app = TestApp::seeded().await;
    let api = api_as(&app, OFFICE).await;
    let today = time::OffsetDateTime::now_utc().date();
    assert_eq!(
        api.get(&format!("/participants?as_at={today}"))
            .await
            .status,
        200
    );
    // An earlier day is answered as the records stood then (tests/app/api_as_at.rs).
    let past = api.get("/participants?as_at=2016-12-31").await;
    assert_eq!(past.status, 200, "{}", past.text);
    let now = api.get("/participants").await;
    assert!(past.body["total"].as_u64().unwrap() < now.body["total"].as_u64().unwrap());
    let future = api.get("/milestones?as_at=2999-01-01").await;
    assert!(is_problem(&future, 400));
    assert!(future.body["detail"].as_str().unwrap().contains("future"));

    let then = api.get("/snapshot?as_at=2018-06-30").await;
    assert_eq!(then.status, 200, "{}", then.text);
    assert_eq!(then.body["as_at"], "2018-06-30");
    let now = api.get("/snapshot").await;
    let released = |v: &Value| {
        v["tranches"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| !t["released_on"].is_null())
            .count()
    };
    assert!(
        released(&then.body) < released(&now.body),
        "fewer tranches released by mid-2018"
    );
    assert!(
        then.body["tranches"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t["released_on"].as_str())
            .all(|d| d <= "2018-06-30")
    );
}

#[tokio::test]
async fn milestone_writes_take_the_version_and_are_audited() {
    let app = TestApp::seeded().await;
    let api = api_as(&app, OFFICE).await;
    let m = milestone_of(&app, REPORTER_ORG, "M05").await;
    let path = format!("/milestones/{}/progress", m.id);
    let before = audit_count(&app, "milestone.progress").await;

    let missing = api.post(&path, json!({"status": "in_progress"})).await;
    assert!(is_problem(&missing, 428), "{}", missing.text);
    let bad = api
        .post(
            &path,
            json!({"status": "nearly", "version": m.version, "forecast_on": "2030-02-30"}),
        )
        .await;
    assert!(is_problem(&bad, 422), "{}", bad.text);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"status") && fields.contains(&"forecast_on"),
        "{fields:?}"
    );
    let not_json = api
        .send(
            reqwest::Method::POST,
            &path,
            None,
            &[("content-type", "application/json")],
        )
        .await;
    assert!(is_problem(&not_json, 400), "{}", not_json.text);

    let ok = api
        .post(
            &path,
            json!({"status": "in_progress", "forecast_on": "2030-01-31", "version": m.version}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["milestone"]["forecast_on"], "2030-01-31");
    assert_eq!(ok.body["version"], m.version + 1);
    assert_eq!(ok.header("etag"), format!("\"{}\"", m.version + 1));
    assert_eq!(audit_count(&app, "milestone.progress").await, before + 1);

    // The old version again: 409, nothing changed.
    let stale = api
        .post(
            &path,
            json!({"status": "not_started", "version": m.version}),
        )
        .await;
    assert!(is_problem(&stale, 409), "{}", stale.text);
    // If-Match with the ETag works as the version.
    let etag = ok.header("etag").to_owned();
    let by_etag = api
        .send(
            reqwest::Method::POST,
            &path,
            Some(json!({"status": "in_progress", "forecast_on": "2030-03-31"})),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(by_etag.status, 200, "{}", by_etag.text);
    assert_eq!(audit_count(&app, "milestone.progress").await, before + 2);
    let stale_etag = api
        .send(
            reqwest::Method::POST,
            &path,
            Some(json!({"status": "in_progress"})),
            &[("if-match", &etag)],
        )
        .await;
    assert!(is_problem(&stale_etag, 409));
    let now = milestone_of(&app, REPORTER_ORG, "M05").await;
    assert_eq!(
        now.forecast_on.map(|d| d.to_string()).as_deref(),
        Some("2030-03-31")
    );

    // Complete, sign off, then release the tranche that waited for it.
    let done = api
        .post(
            &path,
            json!({"status": "complete", "actual_on": "2024-05-01", "forecast_on": "2024-05-01", "version": now.version}),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    let t = Tranches::find()
        .filter(tranche::Column::ReleasedOn.is_null())
        .filter(tranche::Column::Name.contains("stage 7"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let early = api
        .post(
            &format!("/tranches/{}/release", t.id),
            json!({"version": t.version}),
        )
        .await;
    assert!(
        is_problem(&early, 422),
        "not yet signed off: {}",
        early.text
    );
    let signed = api
        .post(
            &format!("/milestones/{}/sign-off", m.id),
            json!({"signed_off_on": "2024-05-02", "version": done.body["version"]}),
        )
        .await;
    assert_eq!(signed.status, 200, "{}", signed.text);
    assert_eq!(signed.body["signed_off_on"], "2024-05-02");
    let released = api
        .post(
            &format!("/tranches/{}/release", t.id),
            json!({"version": t.version}),
        )
        .await;
    assert_eq!(released.status, 200, "{}", released.text);
    let again = api
        .post(
            &format!("/tranches/{}/release", t.id),
            json!({"version": t.version}),
        )
        .await;
    assert!(matches!(again.status, 409 | 422), "{}", again.text);
    assert_eq!(audit_count(&app, "tranche.release").await, 1);
}

#[tokio::test]
async fn a_trust_drafts_and_submits_its_own_return_with_versions() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    open_period(&office, &app).await;
    let api = api_as(&app, REPORTER).await;
    let path = format!("/returns/{PERIOD_SLUG}/{REPORTER_ORG}");
    let blank = api.get(&path).await;
    assert_eq!(blank.status, 200, "{}", blank.text);
    assert_eq!(blank.body["version"], 0);
    assert!(blank.body["status"].is_null());
    let lines = blank.body["lines"].as_array().unwrap().clone();
    assert!(!lines.is_empty());
    let first = lines[0]["milestone_id"].as_i64().unwrap();

    let draft = api
        .put(
            &path,
            json!({"version": 0, "narrative": "Going well", "spend_to_date_pence": 123456,
                   "lines": [{"milestone_id": first, "status": "in_progress", "comment": "on track"}]}),
        )
        .await;
    assert_eq!(draft.status, 200, "{}", draft.text);
    assert_eq!(draft.body["status"], "draft");
    assert_eq!(draft.body["spend_to_date_pence"], 123456);
    let v1 = draft.body["version"].as_i64().unwrap();
    assert_eq!(draft.header("etag"), format!("\"{v1}\""));

    // Stale: the version before the draft existed.
    let stale = api
        .put(&path, json!({"version": 0, "narrative": "x"}))
        .await;
    assert!(is_problem(&stale, 409), "{}", stale.text);
    // A line that is not this return's.
    let alien = api
        .put(
            &path,
            json!({"version": v1, "lines": [{"milestone_id": 987654, "status": "complete"}]}),
        )
        .await;
    assert!(is_problem(&alien, 422));
    assert_eq!(alien.body["errors"][0]["field"], "lines[0].milestone_id");

    // Submitting an incomplete return names what is missing.
    let incomplete = api.put(&path, json!({"version": v1, "submit": true})).await;
    assert!(is_problem(&incomplete, 422), "{}", incomplete.text);
    assert!(!incomplete.body["errors"].as_array().unwrap().is_empty());

    // Complete: every line a status, a rating with its justification.
    let all_lines: Vec<Value> = lines
        .iter()
        .map(|l| json!({"milestone_id": l["milestone_id"], "status": l["live_status"], "forecast_on": l["live_forecast_on"]}))
        .collect();
    let submitted = api
        .put(
            &path,
            json!({"version": v1, "submit": true, "narrative": "Going well", "spend_to_date_pence": 123456,
                   "self_rating": "green", "rating_justification": "All on plan",
                   "lines": all_lines}),
        )
        .await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    assert_eq!(submitted.body["status"], "submitted");
    assert!(audit_count(&app, "return.submit").await >= 1);
    // A submitted return no longer changes.
    let frozen = api
        .put(
            &path,
            json!({"version": submitted.body["version"], "narrative": "again"}),
        )
        .await;
    assert!(is_problem(&frozen, 422), "{}", frozen.text);

    // The office reviews it: the versions it read, or nothing is applied.
    let office = api_as(&app, OFFICE).await;
    let read = office.get(&path).await;
    let review = format!("{path}/review");
    let no_comment = office
        .post(
            &review,
            json!({"version": read.body["version"], "decision": "return"}),
        )
        .await;
    assert!(is_problem(&no_comment, 422), "{}", no_comment.text);
    assert_eq!(no_comment.body["errors"][0]["field"], "office_comment");
    let versions: Vec<Value> = read.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| json!({"milestone_id": l["milestone_id"], "version": l["milestone_version"]}))
        .collect();
    let unseen = office
        .post(
            &review,
            json!({"version": read.body["version"], "decision": "approve", "office_rating": "green"}),
        )
        .await;
    assert!(
        is_problem(&unseen, 409),
        "milestone versions not sent: {}",
        unseen.text
    );
    let approved = office
        .post(
            &review,
            json!({"version": read.body["version"], "decision": "approve", "office_rating": "green",
                   "milestone_versions": versions}),
        )
        .await;
    assert_eq!(approved.status, 200, "{}", approved.text);
    assert_eq!(approved.body["status"], "approved");
    assert_eq!(audit_count(&app, "return.approve").await, 1);
    // A reporter cannot review, even their own.
    assert!(is_problem(
        &api.post(&review, json!({"version": 1, "decision": "approve"}))
            .await,
        403
    ));
}

#[tokio::test]
async fn a_trust_asks_to_move_its_own_baseline_only() {
    let app = TestApp::seeded().await;
    let api = api_as(&app, REPORTER).await;
    let own = milestone_of(&app, REPORTER_ORG, "M05").await;
    let other = milestone_of(&app, OTHER, "M05").await;
    let body = json!({"proposed_baseline_on": "2031-03-31", "reason": "Supplier delay"});
    let r = api
        .post(
            &format!("/milestones/{}/baseline-requests", own.id),
            body.clone(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let again = api
        .post(
            &format!("/milestones/{}/baseline-requests", own.id),
            body.clone(),
        )
        .await;
    assert!(
        is_problem(&again, 422),
        "one pending at a time: {}",
        again.text
    );
    let elsewhere = api
        .post(
            &format!("/milestones/{}/baseline-requests", other.id),
            body.clone(),
        )
        .await;
    assert!(is_problem(&elsewhere, 404), "{}", elsewhere.text);
    let reader = api_as(&app, READER).await;
    assert!(is_problem(
        &reader
            .post(&format!("/milestones/{}/baseline-requests", own.id), body)
            .await,
        403
    ));
}

#[tokio::test]
async fn each_token_is_rate_limited_with_retry_after() {
    let app = TestApp::seeded_with(&[("GDE_API_RATE_PER_MINUTE", "3")]).await;
    let a = api_as(&app, READER).await;
    let b = api_as(&app, OFFICE).await;
    for _ in 0..3 {
        assert_eq!(a.get("/partners").await.status, 200);
    }
    let over = a.get("/partners").await;
    assert!(is_problem(&over, 429), "{}", over.text);
    let wait: u64 = over.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&wait));
    assert_eq!(
        b.get("/partners").await.status,
        200,
        "another token is not held up"
    );
}

fn gde_token(url: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_gde"))
        .arg("token")
        .arg("create")
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "error")
        .output()
        .expect("run gde")
}

#[tokio::test]
async fn gde_token_create_prints_a_working_token_once() {
    let app = TestApp::seeded().await;
    let out = gde_token(&app.url, &["--user", READER, "--expires", "2099-12-31"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secret = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(
        secret.starts_with("gde_") && !secret.contains('\n'),
        "{secret}"
    );
    let note = String::from_utf8_lossy(&out.stderr);
    assert!(note.contains("until the end of 2099-12-31"), "{note}");
    let r = Api::new(&app, Some(secret)).get("/partners").await;
    assert_eq!(r.status, 200, "{}", r.text);

    let nobody = gde_token(&app.url, &["--user", "nobody@example.org"]);
    assert_eq!(nobody.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&nobody.stderr)
            .contains("--user: No account has the email address nobody@example.org"),
        "{}",
        String::from_utf8_lossy(&nobody.stderr)
    );
    let past = gde_token(&app.url, &["--user", READER, "--expires", "2001-01-01"]);
    assert_eq!(past.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&past.stderr)
            .contains("--expires: The last day cannot be in the past")
    );
    assert!(past.stdout.is_empty());
}

#[tokio::test]
async fn an_empty_query_parameter_is_refused_by_name() {
    let app = TestApp::seeded().await;
    let api = api_as(&app, OFFICE).await;
    for path in [
        "/milestones?page=",
        "/participants?role=",
        "/snapshot?as_at=",
    ] {
        let r = api.get(path).await;
        assert!(is_problem(&r, 400), "{path}: {}", r.text);
        assert!(
            r.body["detail"].as_str().unwrap().contains("is empty"),
            "{}",
            r.text
        );
    }
}

#[tokio::test]
async fn the_office_opens_a_period_once() {
    let app = TestApp::seeded().await;
    let api = api_as(&app, OFFICE).await;
    let body = json!({"frequency": "quarterly", "year": 2026, "number": 2, "due_on": "2026-10-30"});
    let opened = api.post("/periods", body.clone()).await;
    assert_eq!(opened.status, 201, "{}", opened.text);
    assert_eq!(opened.body["label"], "2026/27 Q2");
    assert_eq!(opened.body["slug"], PERIOD_SLUG);
    let listed = api.get("/periods?per_page=200").await;
    assert!(
        listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["slug"] == PERIOD_SLUG)
    );
    let again = api.post("/periods", body.clone()).await;
    assert!(is_problem(&again, 422), "{}", again.text);
    let bad = api
        .post(
            "/periods",
            json!({"frequency": "yearly", "year": 2026, "number": 9, "due_on": "soon"}),
        )
        .await;
    assert!(is_problem(&bad, 422), "{}", bad.text);
    assert!(
        bad.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "frequency")
    );
    assert!(is_problem(
        &api_as(&app, REPORTER).await.post("/periods", body).await,
        403
    ));
}
