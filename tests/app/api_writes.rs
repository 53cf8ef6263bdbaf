//! The programme office's writes through the API (`/api/v1`): per resource
//! and role, the office's change lands (in the read API and the audit
//! trail), a trust reporter's and a briefing reader's token are refused
//! with nothing written, a stale version is a 409, a bad field a 422 naming
//! it, and an allocation over the cap is refused with the cap's message.
use gde::entities::{
    AllocationChangeRequests, Allocations, AuditEvents, Milestones, Organisations, Participants,
    Tranches, audit_event,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::api::{Api, api_as, is_problem};
use crate::support::{OFFICE, OFFICE2, READER, REPORTER, REPORTER_ORG, TestApp};

async fn audited(app: &TestApp, action: &str) -> u64 {
    AuditEvents::find()
        .filter(audit_event::Column::Action.eq(action))
        .count(&app.db)
        .await
        .unwrap()
}

/// How many rows each programme table holds: what a refusal must leave alone.
async fn counts(app: &TestApp) -> [u64; 7] {
    [
        Organisations::find().count(&app.db).await.unwrap(),
        Participants::find().count(&app.db).await.unwrap(),
        Allocations::find().count(&app.db).await.unwrap(),
        Tranches::find().count(&app.db).await.unwrap(),
        Milestones::find().count(&app.db).await.unwrap(),
        AllocationChangeRequests::find()
            .count(&app.db)
            .await
            .unwrap(),
        AuditEvents::find().count(&app.db).await.unwrap(),
    ]
}

/// The 422 names `field` among its errors.
fn names(r: &crate::api::Reply, field: &str) -> bool {
    is_problem(r, 422)
        && r.body["errors"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["field"] == field))
}

fn message_of(r: &crate::api::Reply, field: &str) -> String {
    r.body["errors"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["field"] == field))
        .and_then(|e| e["message"].as_str())
        .unwrap_or_default()
        .to_owned()
}

fn new_trust() -> Value {
    json!({
        "ods_code": "RZ7",
        "organisation_name": "Test Valley Hospitals NHS Trust",
        "region_code": "Y56",
        "role": "fast_follower",
        "sector": "acute",
        "wave": "Acute wave 3",
        "designated_on": "2019-04",
    })
}

fn new_allocation(reference: &str, central: i64) -> Value {
    json!({
        "reference": reference,
        "central_pence": central,
        "local_match_pence": 0,
        "awarded_on": "2019-06-01",
        "profile": [{"financial_year": "2019/20", "amount_pence": central}],
    })
}

struct Roles {
    office: Api,
    reporter: Api,
    reader: Api,
}

async fn roles(app: &TestApp) -> Roles {
    Roles {
        office: api_as(app, OFFICE).await,
        reporter: api_as(app, REPORTER).await,
        reader: api_as(app, READER).await,
    }
}

/// Only the office may send `body` to `path`: the other roles' tokens are
/// refused with a problem (403, as the pages refuse office-only actions)
/// and nothing is written.
async fn refused_to_others(app: &TestApp, who: &Roles, path: &str, body: Value) {
    let before = counts(app).await;
    for api in [&who.reporter, &who.reader] {
        let r = api.post(path, body.clone()).await;
        assert!(is_problem(&r, 403), "POST {path}: {} {}", r.status, r.text);
    }
    assert_eq!(
        counts(app).await,
        before,
        "POST {path} refused wrote nothing"
    );
}

#[tokio::test]
async fn the_office_designates_a_participant_and_records_a_partner() {
    let app = TestApp::seeded().await;
    let who = roles(&app).await;
    refused_to_others(&app, &who, "/participants", new_trust()).await;

    // Bad fields: each named, nothing written.
    let before = counts(&app).await;
    let mut bad = new_trust();
    bad["role"] = json!("chief_exemplar");
    bad["designated_on"] = json!("soon");
    let r = who.office.post("/participants", bad).await;
    assert!(
        names(&r, "role") && names(&r, "designated_on"),
        "{}",
        r.text
    );
    let r = who.office.post("/participants", json!({})).await;
    assert!(names(&r, "ods_code"), "{}", r.text);
    // Not the JSON it takes: a 400 problem, not a 500.
    let r = who.office.post("/participants", json!({"role": 7})).await;
    assert!(is_problem(&r, 400), "{}", r.text);
    assert_eq!(counts(&app).await, before);

    let r = who.office.post("/participants", new_trust()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("location"), "/api/v1/participants/RZ7");
    assert_eq!(r.body["participant"]["role"], "fast_follower");
    assert_eq!(
        r.body["organisation"]["name"],
        "Test Valley Hospitals NHS Trust"
    );
    let read = who.office.get("/participants/RZ7").await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body["participant"]["wave"], "Acute wave 3");
    assert_eq!(audited(&app, "participant.create").await, 1);
    assert_eq!(audited(&app, "organisation.create").await, 1);
    // A trust reporter still cannot read another trust's record.
    assert!(is_problem(
        &who.reporter.get("/participants/RZ7").await,
        404
    ));
    // Twice is refused on the field.
    let r = who.office.post("/participants", new_trust()).await;
    assert!(names(&r, "ods_code"), "{}", r.text);

    // Partners.
    let partner =
        json!({"name": "Mayo Clinic Test", "kind": "healthcare_provider", "country_code": "US"});
    refused_to_others(&app, &who, "/partners", partner.clone()).await;
    let r = who
        .office
        .post(
            "/partners",
            json!({"name": "An NHS trust", "kind": "nhs_trust", "country_code": "GB"}),
        )
        .await;
    assert!(names(&r, "kind"), "{}", r.text);
    let r = who.office.post("/partners", partner.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["kind"], "healthcare_provider");
    let orgs = who.office.get("/organisations?per_page=200").await;
    assert!(
        orgs.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "Mayo Clinic Test" && o["country_code"] == "US"),
        "{}",
        orgs.text
    );
    assert_eq!(audited(&app, "partner.create").await, 1);
    let r = who.office.post("/partners", partner).await;
    assert!(names(&r, "name"), "{}", r.text);
}

#[tokio::test]
async fn the_office_records_allocations_within_the_cap_and_tranches_within_them() {
    let app = TestApp::seeded().await;
    let who = roles(&app).await;
    assert_eq!(
        who.office.post("/participants", new_trust()).await.status,
        201
    );
    let path = "/participants/RZ7/allocations";
    refused_to_others(&app, &who, path, new_allocation("ALLOC-1", 100_000)).await;
    // Another trust's, or a made-up trust: the reporter is refused before
    // the record is looked at; the office finds no such trust.
    let r = who
        .office
        .post("/participants/RZZZ9/allocations", new_allocation("X", 100))
        .await;
    assert!(is_problem(&r, 404), "{}", r.text);

    // Over the cap: refused with the cap's message, nothing written.
    let before = counts(&app).await;
    let r = who
        .office
        .post(path, new_allocation("ALLOC-BIG", 100_000_000_000))
        .await;
    assert!(names(&r, "central_pence"), "{}", r.text);
    let message = message_of(&r, "central_pence");
    assert!(
        message.contains("over the") && message.contains("cap"),
        "{message}"
    );
    // A profile that does not add up, a bad year, a bad date, a negative sum.
    let mut bad = new_allocation("ALLOC-1", 100_000);
    bad["profile"] = json!([{"financial_year": "2019/20", "amount_pence": 1}]);
    let r = who.office.post(path, bad).await;
    assert!(names(&r, "profile"), "{}", r.text);
    let mut bad = new_allocation("ALLOC-1", 100_000);
    bad["profile"] = json!([{"financial_year": "nineteen", "amount_pence": 100_000}]);
    let r = who.office.post(path, bad).await;
    assert!(names(&r, "profile[0].financial_year"), "{}", r.text);
    let mut bad = new_allocation("ALLOC-1", -5);
    bad["awarded_on"] = json!("2019-02-30");
    let r = who.office.post(path, bad).await;
    assert!(
        names(&r, "central_pence") && names(&r, "awarded_on"),
        "{}",
        r.text
    );
    assert_eq!(counts(&app).await, before);

    let r = who
        .office
        .post(path, new_allocation("ALLOC-1", 100_000))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["central_pence"], 100_000);
    assert_eq!(r.body["profile"][0]["financial_year"], "2019/20");
    let allocation_id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.header("etag"), format!("\"{}\"", r.body["version"]));
    let list = who.office.get(path).await;
    assert!(
        list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["reference"] == "ALLOC-1"),
        "{}",
        list.text
    );
    assert_eq!(audited(&app, "allocation.create").await, 1);
    let r = who
        .office
        .post(path, new_allocation("ALLOC-1", 100_000))
        .await;
    assert!(names(&r, "reference"), "{}", r.text);

    // Tranches.
    let tranches = format!("/allocations/{allocation_id}/tranches");
    let tranche = json!({"name": "Upfront", "kind": "upfront", "amount_pence": 60_000});
    refused_to_others(&app, &who, &tranches, tranche.clone()).await;
    let before = counts(&app).await;
    let r = who
        .office
        .post(
            &tranches,
            json!({"name": "Too much", "kind": "upfront", "amount_pence": 100_001}),
        )
        .await;
    assert!(names(&r, "amount_pence"), "{}", r.text);
    let r = who
        .office
        .post(
            &tranches,
            json!({"name": "On M99", "kind": "milestone", "milestone_reference": "M99", "amount_pence": 10}),
        )
        .await;
    assert!(names(&r, "milestone_reference"), "{}", r.text);
    let r = who
        .office
        .post(&tranches, json!({"kind": "sometime"}))
        .await;
    assert!(
        names(&r, "name") && names(&r, "kind") && names(&r, "amount_pence"),
        "{}",
        r.text
    );
    assert_eq!(counts(&app).await, before);
    let r = who.office.post(&tranches, tranche).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["allocation_id"], allocation_id);
    assert_eq!(r.body["released_on"], Value::Null);
    let read = who.office.get("/participants/RZ7/tranches").await;
    assert_eq!(read.body["total"], 1, "{}", read.text);
    assert_eq!(read.body["items"][0]["amount_pence"], 60_000);
    assert_eq!(audited(&app, "tranche.create").await, 1);
    // What is left is 40,000p: a second of 50,000p is over.
    let r = who
        .office
        .post(
            &tranches,
            json!({"name": "Second", "kind": "upfront", "amount_pence": 50_000}),
        )
        .await;
    assert!(names(&r, "amount_pence"), "{}", r.text);
    assert!(is_problem(
        &who.office
            .post("/allocations/987654/tranches", json!({}))
            .await,
        404
    ));
}

#[tokio::test]
async fn the_office_adds_milestones() {
    let app = TestApp::seeded().await;
    let who = roles(&app).await;
    let path = format!("/participants/{REPORTER_ORG}/milestones");
    let milestone = json!({
        "reference": "M90",
        "title": "Electronic prescribing in every ward",
        "category": "other",
        "baseline_on": "2030-03-31",
    });
    refused_to_others(&app, &who, &path, milestone.clone()).await;
    let before = counts(&app).await;
    let mut bad = milestone.clone();
    bad["category"] = json!("party");
    bad["baseline_on"] = json!("2030-02-30");
    let r = who.office.post(&path, bad).await;
    assert!(
        names(&r, "category") && names(&r, "baseline_on"),
        "{}",
        r.text
    );
    assert_eq!(counts(&app).await, before);
    let r = who.office.post(&path, milestone.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["milestone"]["id"].as_i64().unwrap();
    assert_eq!(r.header("location"), format!("/api/v1/milestones/{id}"));
    assert_eq!(r.header("etag"), format!("\"{}\"", r.body["version"]));
    // The trust's reporter now reads it as their own.
    let read = who.reporter.get(&format!("/milestones/{id}")).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body["milestone"]["reference"], "M90");
    assert_eq!(audited(&app, "milestone.create").await, 1);
    let r = who.office.post(&path, milestone).await;
    assert!(names(&r, "reference"), "{}", r.text);
}

/// RAL's first allocation as the read API shows it.
async fn first_allocation(api: &Api) -> Value {
    let list = api
        .get(&format!("/participants/{REPORTER_ORG}/allocations"))
        .await;
    list.body["items"][0].clone()
}

/// The allocation £1 smaller, taken off its last profiled year.
fn smaller(a: &Value, reason: &str) -> Value {
    let mut profile = a["profile"].as_array().unwrap().clone();
    let last = profile.last_mut().unwrap();
    last["amount_pence"] = json!(last["amount_pence"].as_i64().unwrap() - 100);
    json!({
        "central_pence": a["central_pence"].as_i64().unwrap() - 100,
        "profile": profile,
        "reason": reason,
    })
}

#[tokio::test]
async fn allocation_changes_are_requested_with_the_version_read_and_decided_by_someone_else() {
    let app = TestApp::seeded().await;
    let who = roles(&app).await;
    let office2 = api_as(&app, OFFICE2).await;
    let a = first_allocation(&who.office).await;
    let id = a["id"].as_i64().unwrap();
    let path = format!("/allocations/{id}/change-requests");
    let mut body = smaller(&a, "Scope reduced after re-procurement");
    body["version"] = a["version"].clone();
    refused_to_others(&app, &who, &path, body.clone()).await;

    let before = counts(&app).await;
    // No version: 428. A stale one: 409. Both as problems, nothing written.
    let mut unversioned = body.clone();
    unversioned.as_object_mut().unwrap().remove("version");
    assert!(is_problem(
        &who.office.post(&path, unversioned.clone()).await,
        428
    ));
    let mut stale = body.clone();
    stale["version"] = json!(a["version"].as_i64().unwrap() - 1);
    assert!(is_problem(&who.office.post(&path, stale).await, 409));
    let stale_tag = format!("\"{}\"", a["version"].as_i64().unwrap() + 7);
    let r = who
        .office
        .send(
            reqwest::Method::POST,
            &path,
            Some(unversioned),
            &[("if-match", &stale_tag)],
        )
        .await;
    assert!(is_problem(&r, 409), "{}", r.text);
    // Bad fields.
    let mut bad = body.clone();
    bad["reason"] = json!("less");
    bad["central_pence"] = json!(100_000_000_000i64);
    let r = who.office.post(&path, bad).await;
    assert!(
        names(&r, "reason") && names(&r, "central_pence"),
        "{}",
        r.text
    );
    assert!(
        message_of(&r, "central_pence").contains("cap"),
        "{}",
        r.text
    );
    assert_eq!(counts(&app).await, before);

    let r = who.office.post(&path, body.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "pending");
    assert_eq!(r.body["kind"], "allocation");
    assert_eq!(r.body["asked_by_you"], true);
    let request = r.body["id"].as_i64().unwrap();
    assert_eq!(audited(&app, "allocation_change.request").await, 1);
    // Nothing moves until it is approved; one at a time.
    assert_eq!(
        first_allocation(&who.office).await["central_pence"],
        a["central_pence"]
    );
    let r = who.office.post(&path, body.clone()).await;
    assert!(names(&r, "central_pence"), "{}", r.text);
    let queue = who.office.get("/change-requests").await;
    assert_eq!(queue.status, 200, "{}", queue.text);
    assert!(
        queue.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["id"] == request && q["kind"] == "allocation")
    );
    for api in [&who.reporter, &who.reader] {
        assert!(is_problem(&api.get("/change-requests").await, 403));
    }

    // Deciding.
    let decide = format!("/change-requests/allocation/{request}/decision");
    let before = counts(&app).await;
    for api in [&who.reporter, &who.reader] {
        assert!(is_problem(
            &api.post(&decide, json!({"decision": "approve"})).await,
            403
        ));
    }
    let r = who
        .office
        .post(&decide, json!({"decision": "approve"}))
        .await;
    assert!(
        names(&r, "decision"),
        "the requester cannot decide: {}",
        r.text
    );
    let r = office2.post(&decide, json!({"decision": "reject"})).await;
    assert!(names(&r, "comment"), "{}", r.text);
    let r = office2.post(&decide, json!({"decision": "perhaps"})).await;
    assert!(names(&r, "decision"), "{}", r.text);
    assert!(is_problem(
        &office2
            .post(
                "/change-requests/allocation/987654/decision",
                json!({"decision": "approve"})
            )
            .await,
        404
    ));
    assert_eq!(counts(&app).await, before);
    let r = office2.post(&decide, json!({"decision": "approve"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "approved");
    let now = first_allocation(&who.office).await;
    assert_eq!(now["central_pence"], body["central_pence"]);
    assert_eq!(now["profile"], body["profile"]);
    assert_ne!(now["version"], a["version"]);
    assert_eq!(audited(&app, "allocation_change.approve").await, 1);
    // Decided already: 409, and the old version is stale now.
    let again = office2
        .post(
            &decide,
            json!({"decision": "reject", "comment": "Changed my mind"}),
        )
        .await;
    assert!(is_problem(&again, 409), "{}", again.text);
    let r = who.office.post(&path, body).await;
    assert!(is_problem(&r, 409), "{}", r.text);
}

#[tokio::test]
async fn baseline_requests_are_decided_through_the_api() {
    let app = TestApp::seeded().await;
    let who = roles(&app).await;
    let office2 = api_as(&app, OFFICE2).await;
    let list = who
        .reporter
        .get(&format!("/milestones?participant={REPORTER_ORG}"))
        .await;
    let m = list.body["items"][0]["id"].as_i64().unwrap();
    let r = who
        .reporter
        .post(
            &format!("/milestones/{m}/baseline-requests"),
            json!({"proposed_baseline_on": "2031-03-31", "reason": "Supplier delay to go-live"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let queue = who.office.get("/change-requests").await;
    let request = queue.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["kind"] == "baseline" && q["milestone_id"] == m)
        .unwrap()
        .clone();
    assert_eq!(request["status"], "pending");
    assert_eq!(request["requested_by"], REPORTER);
    let decide = format!("/change-requests/baseline/{}/decision", request["id"]);
    let r = who
        .reporter
        .post(&decide, json!({"decision": "approve"}))
        .await;
    assert!(is_problem(&r, 403), "{}", r.text);
    let r = office2
        .post(
            &decide,
            json!({"decision": "reject", "comment": "Keep the date; add resource"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "rejected");
    assert_eq!(r.body["decision_comment"], "Keep the date; add resource");
    assert_eq!(audited(&app, "baseline_change.reject").await, 1);
    let read = who.office.get(&format!("/milestones/{m}")).await;
    assert_eq!(
        read.body["pending_baseline_change"],
        Value::Null,
        "{}",
        read.text
    );
    let again = who
        .office
        .post(&decide, json!({"decision": "approve"}))
        .await;
    assert!(is_problem(&again, 409), "{}", again.text);
}

#[tokio::test]
async fn the_office_edits_a_participant_at_the_version_it_read() {
    let app = TestApp::seeded().await;
    let who = roles(&app).await;
    let path = format!("/participants/{REPORTER_ORG}");
    let read = who.office.get(&path).await;
    let etag = read.header("etag").to_owned();
    assert!(
        etag.starts_with('"'),
        "the office's read carries the version"
    );
    // Only the office, who may edit, is given the version.
    assert_eq!(who.reporter.get(&path).await.header("etag"), "");
    assert_eq!(who.reader.get(&path).await.header("etag"), "");

    let before = counts(&app).await;
    for api in [&who.reporter, &who.reader] {
        let r = api
            .send(
                reqwest::Method::PUT,
                &path,
                Some(json!({"wave": "Renamed"})),
                &[("if-match", &etag)],
            )
            .await;
        assert!(is_problem(&r, 403), "{}", r.text);
    }
    let r = who.office.put(&path, json!({"wave": "Renamed"})).await;
    assert!(is_problem(&r, 428), "{}", r.text);
    let stale = format!("\"{}\"", etag.trim_matches('"').parse::<i32>().unwrap() - 1);
    let r = who
        .office
        .send(
            reqwest::Method::PUT,
            &path,
            Some(json!({"wave": "Renamed"})),
            &[("if-match", &stale)],
        )
        .await;
    assert!(is_problem(&r, 409), "{}", r.text);
    let r = who
        .office
        .send(
            reqwest::Method::PUT,
            &path,
            Some(json!({"status": "retired", "designated_on": "later"})),
            &[("if-match", &etag)],
        )
        .await;
    assert!(
        names(&r, "status") && names(&r, "designated_on"),
        "{}",
        r.text
    );
    assert_eq!(counts(&app).await, before);

    let r = who
        .office
        .send(
            reqwest::Method::PUT,
            &path,
            Some(json!({"wave": "Acute wave 1 (renamed)"})),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["participant"]["wave"], "Acute wave 1 (renamed)");
    // Fields left out kept their values.
    assert_eq!(
        r.body["participant"]["role"],
        read.body["participant"]["role"]
    );
    assert_eq!(
        r.body["participant"]["designated"],
        read.body["participant"]["designated"]
    );
    assert_ne!(r.header("etag"), etag);
    assert_eq!(
        who.reporter.get(&path).await.body["participant"]["wave"],
        "Acute wave 1 (renamed)"
    );
    assert_eq!(audited(&app, "participant.update").await, 1);
    // The version read before is stale now.
    let r = who
        .office
        .put(
            &path,
            json!({"version": etag.trim_matches('"').parse::<i32>().unwrap(), "wave": "Again"}),
        )
        .await;
    assert!(is_problem(&r, 409), "{}", r.text);
}

#[tokio::test]
async fn the_office_pairs_a_fast_follower_with_an_exemplar() {
    let app = TestApp::seeded().await;
    let who = roles(&app).await;
    assert_eq!(
        who.office.post("/participants", new_trust()).await.status,
        201
    );
    let path = "/participants/RZ7/pairing";
    let before = counts(&app).await;
    for api in [&who.reporter, &who.reader] {
        let r = api
            .put(path, json!({"exemplar_ods_code": REPORTER_ORG}))
            .await;
        assert!(is_problem(&r, 403), "{}", r.text);
    }
    // An exemplar is not paired; a fast follower is not an exemplar.
    let r = who
        .office
        .put(
            &format!("/participants/{REPORTER_ORG}/pairing"),
            json!({"exemplar_ods_code": "RZ7"}),
        )
        .await;
    assert!(names(&r, "exemplar_ods_code"), "{}", r.text);
    let r = who
        .office
        .put(path, json!({"exemplar_ods_code": "RZ7"}))
        .await;
    assert!(names(&r, "exemplar_ods_code"), "{}", r.text);
    let r = who
        .office
        .put(path, json!({"exemplar_ods_code": "RZZZ9"}))
        .await;
    assert!(names(&r, "exemplar_ods_code"), "{}", r.text);
    assert_eq!(counts(&app).await, before);
    assert!(is_problem(
        &who.office
            .put("/participants/RZZZ9/pairing", json!({}))
            .await,
        404
    ));

    let r = who
        .office
        .put(path, json!({"exemplar_ods_code": REPORTER_ORG}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["participant"]["exemplar_ods_code"], REPORTER_ORG);
    let read = who.reader.get("/participants/RZ7").await;
    assert_eq!(read.body["participant"]["exemplar_ods_code"], REPORTER_ORG);
    assert_eq!(audited(&app, "pairing.set").await, 1);
    let r = who
        .office
        .put(path, json!({"exemplar_ods_code": null}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["participant"]["exemplar_ods_code"], Value::Null);
    assert_eq!(audited(&app, "pairing.set").await, 2);
}

#[tokio::test]
async fn the_office_links_a_partner_to_a_participant() {
    let app = TestApp::seeded().await;
    let who = roles(&app).await;
    let partner = who
        .office
        .post(
            "/partners",
            json!({"name": "Epic Test Systems", "kind": "supplier", "country_code": "US"}),
        )
        .await;
    assert_eq!(partner.status, 201, "{}", partner.text);
    let partner_id = partner.body["id"].as_i64().unwrap();
    // The partners list names the same id.
    let list = who.office.get("/partners?per_page=200").await;
    assert!(
        list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == partner_id && p["name"] == "Epic Test Systems"),
        "{}",
        list.text
    );
    let path = format!("/participants/{REPORTER_ORG}/partnerships");
    let link =
        json!({"partner_id": partner_id, "partner_role": "epr_supplier", "started_on": "2018-04"});
    refused_to_others(&app, &who, &path, link.clone()).await;
    let before = counts(&app).await;
    let r = who
        .office
        .post(
            &path,
            json!({"partner_id": 987654, "partner_role": "landlord"}),
        )
        .await;
    assert!(
        names(&r, "partner_id") && names(&r, "partner_role"),
        "{}",
        r.text
    );
    let r = who
        .office
        .post(
            &path,
            json!({"partner_id": partner_id, "partner_role": "epr_supplier",
                   "started_on": "2019-01-01", "ended_on": "2018-01-01"}),
        )
        .await;
    assert!(names(&r, "ended_on"), "{}", r.text);
    assert_eq!(counts(&app).await, before);
    let r = who.office.post(&path, link.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(
        r.body["partnerships"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["partner_name"] == "Epic Test Systems" && p["role"] == "epr_supplier"),
        "{}",
        r.text
    );
    assert_eq!(audited(&app, "partnership.create").await, 1);
    // The trust's reporter sees the link on their own partners list.
    let mine = who.reporter.get("/partners?per_page=200").await;
    assert!(mine.text.contains("Epic Test Systems"), "{}", mine.text);
    let r = who.office.post(&path, link).await;
    assert!(names(&r, "partner_id"), "{}", r.text);
}
