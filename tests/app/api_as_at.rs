//! `as_at` on every API read: change a record today (by the app's manual
//! clock) and the same read as at yesterday still answers the old value,
//! while the read without `as_at` answers the new one; a trust reporter's
//! scope holds as at any day; a day before the programme began answers
//! empty lists; a day after today is a 400 problem.
use gde::clock::Clock;
use serde_json::{Value, json};
use time::macros::datetime;

use crate::api::{OTHER, api_as, is_problem, milestone_of};
use crate::support::{OFFICE, REPORTER, REPORTER_ORG, TestApp};

const YESTERDAY: &str = "2026-12-06";

/// The programme seeded on 6 December 2026 and opened the next morning
/// (7 December, 09:00 UTC by the app's clock): "yesterday" holds the seed.
async fn app_today() -> TestApp {
    app_and_clock().await.0
}

async fn app_and_clock() -> (TestApp, Clock) {
    let clock = Clock::manual(datetime!(2026-12-06 09:00 UTC));
    let app = TestApp::seeded_at(clock.clone()).await;
    clock.set(datetime!(2026-12-07 09:00 UTC));
    (app, clock)
}

fn ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn milestones_as_at_yesterday_keep_the_forecast_moved_today() {
    let app = app_today().await;
    let api = api_as(&app, OFFICE).await;
    let m = milestone_of(&app, REPORTER_ORG, "M05").await;
    let old = m.forecast_on.map(|d| d.to_string());
    assert_ne!(old.as_deref(), Some("2030-01-31"));
    let moved = api
        .post(
            &format!("/milestones/{}/progress", m.id),
            json!({"status": "in_progress", "forecast_on": "2030-01-31", "version": m.version}),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);

    let now = api.get(&format!("/milestones/{}", m.id)).await;
    assert_eq!(now.body["milestone"]["forecast_on"], "2030-01-31");
    assert_eq!(now.body["version"], m.version + 1);
    let then = api
        .get(&format!("/milestones/{}?as_at={YESTERDAY}", m.id))
        .await;
    assert_eq!(then.status, 200, "{}", then.text);
    assert_eq!(
        then.body["milestone"]["forecast_on"].as_str(),
        old.as_deref()
    );
    assert_eq!(then.body["version"], m.version);
    assert_eq!(then.header("etag"), "", "a past version is not for writing");

    // The list, filtered, then paged, as at yesterday.
    let forecast_in = |list: &Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == m.id)
            .map(|i| i["forecast_on"].clone())
    };
    let list_now = api
        .get(&format!(
            "/milestones?participant={REPORTER_ORG}&per_page=200"
        ))
        .await;
    let list_then = api
        .get(&format!(
            "/milestones?participant={REPORTER_ORG}&per_page=200&as_at={YESTERDAY}"
        ))
        .await;
    assert_eq!(list_then.status, 200, "{}", list_then.text);
    assert_eq!(forecast_in(&list_now.body), Some(json!("2030-01-31")));
    assert_eq!(
        forecast_in(&list_then.body),
        Some(old.map(Value::from).unwrap_or(Value::Null))
    );
    assert_eq!(
        ids(&list_now.body),
        ids(&list_then.body),
        "same milestones, same order"
    );
    assert!(
        list_then.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["ods_code"] == REPORTER_ORG)
    );
    // Paging comes after the filter: page 2 of 2 rows is the list's 3rd and 4th.
    let second = api
        .get(&format!(
            "/milestones?participant={REPORTER_ORG}&per_page=2&page=2&as_at={YESTERDAY}"
        ))
        .await;
    assert_eq!(second.body["total"], list_then.body["total"]);
    assert_eq!(ids(&second.body), ids(&list_then.body)[2..4].to_vec());
    assert!(second.header("link").contains("as_at=2026-12-06"));

    // Before the programme: nothing. After today: refused.
    let before = api.get("/milestones?as_at=2010-01-01").await;
    assert_eq!(before.status, 200, "{}", before.text);
    assert_eq!(before.body["total"], 0);
    let future = api.get("/milestones?as_at=2026-12-08").await;
    assert!(is_problem(&future, 400), "{}", future.text);
    assert!(is_problem(
        &api.get(&format!("/milestones/{}?as_at=2026-12-08", m.id))
            .await,
        400
    ));
    let missing = api
        .get(&format!("/milestones/{}?as_at=2010-01-01", m.id))
        .await;
    assert!(is_problem(&missing, 404), "{}", missing.text);
}

#[tokio::test]
async fn a_reporter_sees_only_their_own_milestones_as_at_any_day() {
    let app = app_today().await;
    let api = api_as(&app, REPORTER).await;
    let other = milestone_of(&app, OTHER, "M02").await;
    let own = milestone_of(&app, REPORTER_ORG, "M02").await;
    let hidden = api
        .get(&format!("/milestones/{}?as_at={YESTERDAY}", other.id))
        .await;
    assert!(is_problem(&hidden, 404), "{}", hidden.text);
    let seen = api
        .get(&format!("/milestones/{}?as_at={YESTERDAY}", own.id))
        .await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    let list = api
        .get(&format!("/milestones?per_page=200&as_at={YESTERDAY}"))
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    let items = list.body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|i| i["ods_code"] == REPORTER_ORG));
    let asked = api
        .get(&format!(
            "/milestones?participant={OTHER}&as_at={YESTERDAY}"
        ))
        .await;
    assert_eq!(asked.body["total"], 0);
}

/// Completes and signs off RAL's M05, then releases the tranche that waited
/// for it, all today; the tranche's id.
async fn release_today(app: &TestApp, api: &crate::api::Api) -> i32 {
    use gde::entities::{Tranches, tranche};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let m = milestone_of(app, REPORTER_ORG, "M05").await;
    let done = api
        .post(
            &format!("/milestones/{}/progress", m.id),
            json!({"status": "complete", "actual_on": "2024-05-01", "forecast_on": "2024-05-01", "version": m.version}),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    let signed = api
        .post(
            &format!("/milestones/{}/sign-off", m.id),
            json!({"signed_off_on": "2024-05-02", "version": done.body["version"]}),
        )
        .await;
    assert_eq!(signed.status, 200, "{}", signed.text);
    let t = Tranches::find()
        .filter(tranche::Column::MilestoneId.eq(m.id))
        .filter(tranche::Column::ReleasedOn.is_null())
        .one(&app.db)
        .await
        .unwrap()
        .expect("a tranche waits for M05");
    let released = api
        .post(
            &format!("/tranches/{}/release", t.id),
            json!({"version": t.version}),
        )
        .await;
    assert_eq!(released.status, 200, "{}", released.text);
    t.id
}

#[tokio::test]
async fn allocations_and_tranches_as_at_yesterday_keep_a_tranche_released_today() {
    let app = app_today().await;
    let api = api_as(&app, OFFICE).await;
    let before_now = api
        .get(&format!(
            "/participants/{REPORTER_ORG}/allocations?per_page=200"
        ))
        .await;
    let tranche = release_today(&app, &api).await;

    let released_on = |list: &Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == tranche)
            .map(|t| t["released_on"].clone())
            .expect("the tranche is listed")
    };
    let now = api
        .get(&format!(
            "/participants/{REPORTER_ORG}/tranches?per_page=200"
        ))
        .await;
    let then = api
        .get(&format!(
            "/participants/{REPORTER_ORG}/tranches?per_page=200&as_at={YESTERDAY}"
        ))
        .await;
    assert_eq!(then.status, 200, "{}", then.text);
    assert_eq!(released_on(&now.body), json!("2026-12-07"));
    assert_eq!(released_on(&then.body), Value::Null);
    assert_eq!(ids(&now.body), ids(&then.body));

    let released = |list: &Value| -> i64 {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["released_pence"].as_i64().unwrap())
            .sum()
    };
    let allocations_now = api
        .get(&format!(
            "/participants/{REPORTER_ORG}/allocations?per_page=200"
        ))
        .await;
    let allocations_then = api
        .get(&format!(
            "/participants/{REPORTER_ORG}/allocations?per_page=200&as_at={YESTERDAY}"
        ))
        .await;
    assert_eq!(allocations_then.status, 200, "{}", allocations_then.text);
    assert!(released(&allocations_now.body) > released(&allocations_then.body));
    // As at yesterday is what was answered before today's release, profiles and all.
    assert_eq!(allocations_then.body, before_now.body);

    let empty = api
        .get(&format!(
            "/participants/{REPORTER_ORG}/allocations?as_at=2010-01-01"
        ))
        .await;
    assert_eq!(empty.status, 200, "{}", empty.text);
    assert_eq!(empty.body["total"], 0);
    let future = api
        .get(&format!(
            "/participants/{REPORTER_ORG}/tranches?as_at=2026-12-08"
        ))
        .await;
    assert!(is_problem(&future, 400), "{}", future.text);

    // A reporter: their own trust as at yesterday; another's, or none, is 404.
    let reporter = api_as(&app, REPORTER).await;
    for resource in ["allocations", "tranches"] {
        let own = reporter
            .get(&format!(
                "/participants/{REPORTER_ORG}/{resource}?as_at={YESTERDAY}"
            ))
            .await;
        assert_eq!(own.status, 200, "{}", own.text);
        for ods in [OTHER, "RZZ"] {
            let hidden = reporter
                .get(&format!("/participants/{ods}/{resource}?as_at={YESTERDAY}"))
                .await;
            assert!(
                is_problem(&hidden, 404),
                "{ods} {resource}: {}",
                hidden.text
            );
            let before = reporter
                .get(&format!("/participants/{ods}/{resource}?as_at=2010-01-01"))
                .await;
            assert!(
                is_problem(&before, 404),
                "{ods} {resource}: {}",
                before.text
            );
        }
    }
}

#[tokio::test]
async fn periods_and_returns_as_at_yesterday_do_not_have_the_period_opened_today() {
    use crate::returns::PERIOD_SLUG;
    let app = app_today().await;
    let api = api_as(&app, OFFICE).await;
    let standing = |list: &Value| -> Vec<(Value, Value, Value, Value, Value)> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["period"].clone(),
                    r["state"].clone(),
                    r["self_rating"].clone(),
                    r["office_rating"].clone(),
                    r["overdue"].clone(),
                )
            })
            .collect()
    };
    let returns_path = format!("/participants/{REPORTER_ORG}/returns?per_page=200");
    let periods_before = api.get("/periods?per_page=200").await;
    let returns_before = api.get(&returns_path).await;
    assert!(!returns_before.body["items"].as_array().unwrap().is_empty());
    let opened = api
        .post(
            "/periods",
            json!({"frequency": "quarterly", "year": 2026, "number": 2, "due_on": "2026-10-30"}),
        )
        .await;
    assert_eq!(opened.status, 201, "{}", opened.text);

    let slugs = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                p["slug"]
                    .as_str()
                    .or(p["period"]["slug"].as_str())
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let periods_now = api.get("/periods?per_page=200").await;
    let periods_then = api
        .get(&format!("/periods?per_page=200&as_at={YESTERDAY}"))
        .await;
    assert_eq!(periods_then.status, 200, "{}", periods_then.text);
    assert!(slugs(&periods_now.body).contains(&PERIOD_SLUG.to_owned()));
    assert!(!slugs(&periods_then.body).contains(&PERIOD_SLUG.to_owned()));
    assert_eq!(periods_then.body, periods_before.body);

    let returns_now = api.get(&returns_path).await;
    let returns_then = api.get(&format!("{returns_path}&as_at={YESTERDAY}")).await;
    assert_eq!(returns_then.status, 200, "{}", returns_then.text);
    assert!(slugs(&returns_now.body).contains(&PERIOD_SLUG.to_owned()));
    assert!(!slugs(&returns_then.body).contains(&PERIOD_SLUG.to_owned()));
    assert_eq!(standing(&returns_then.body), standing(&returns_before.body));

    for path in ["/periods", &format!("/participants/{REPORTER_ORG}/returns")] {
        let before = api.get(&format!("{path}?as_at=2010-01-01")).await;
        assert_eq!(before.status, 200, "{path}: {}", before.text);
        assert_eq!(before.body["total"], 0, "{path}");
        let future = api.get(&format!("{path}?as_at=2026-12-08")).await;
        assert!(is_problem(&future, 400), "{path}: {}", future.text);
    }

    let reporter = api_as(&app, REPORTER).await;
    let own = reporter
        .get(&format!(
            "/participants/{REPORTER_ORG}/returns?as_at={YESTERDAY}"
        ))
        .await;
    assert_eq!(own.status, 200, "{}", own.text);
    for ods in [OTHER, "RZZ"] {
        let hidden = reporter
            .get(&format!("/participants/{ods}/returns?as_at={YESTERDAY}"))
            .await;
        assert!(is_problem(&hidden, 404), "{ods}: {}", hidden.text);
    }
    let periods = reporter.get(&format!("/periods?as_at={YESTERDAY}")).await;
    assert!(is_problem(&periods, 403), "{}", periods.text);
}

#[tokio::test]
async fn participants_as_at_yesterday_keep_the_designation_edited_today() {
    use gde::domain::dates::ApproxDate;
    use gde::entities::{Organisations, Participants, organisation, participant};
    use gde::services::participants::{ParticipantForm, update};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let (app, clock) = app_and_clock().await;
    let api = api_as(&app, OFFICE).await;
    let org = Organisations::find()
        .filter(organisation::Column::OdsCode.eq(REPORTER_ORG))
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
    let approx = |d, precision: &str| ApproxDate::from_storage(d, precision).unwrap().to_string();
    let old = approx(p.designated_on, &p.designated_precision);
    let new = if p.designated_on.to_string() == "2016-09-30" {
        "2016-09-29"
    } else {
        "2016-09-30"
    };
    let shown = |text: &str| ApproxDate::parse(text).unwrap().to_string();
    let form_text = |d: time::Date, precision: &str| match precision {
        "day" => d.to_string(),
        "month" => format!("{}-{:02}", d.year(), u8::from(d.month())),
        _ => d.year().to_string(),
    };
    let one_before = api.get(&format!("/participants/{REPORTER_ORG}")).await;
    let list_before = api.get("/participants?per_page=200").await;
    assert_eq!(one_before.body["participant"]["designated"], old);

    let form = ParticipantForm {
        ods_code: REPORTER_ORG.into(),
        role: p.role.clone(),
        sector: p.sector.clone(),
        wave: p.wave.clone(),
        designated_on: new.into(),
        accredited_on: p
            .accredited_on
            .map(|d| form_text(d, p.accredited_precision.as_deref().unwrap_or("day")))
            .unwrap_or_default(),
        status: p.status.clone(),
        version: p.version.to_string(),
        ..Default::default()
    };
    clock
        .clone()
        .scope(update(&app.db, &gde::services::By::Cli, REPORTER_ORG, form))
        .await
        .expect("the designation is edited");

    let designated = |list: &Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["ods_code"] == REPORTER_ORG)
            .map(|i| i["designated"].clone())
            .unwrap()
    };
    let now = api.get(&format!("/participants/{REPORTER_ORG}")).await;
    let then = api
        .get(&format!("/participants/{REPORTER_ORG}?as_at={YESTERDAY}"))
        .await;
    assert_eq!(then.status, 200, "{}", then.text);
    assert_eq!(now.body["participant"]["designated"], shown(new));
    assert_eq!(then.body["participant"]["designated"], old);
    // Yesterday's answer is today's before the edit, money and milestones included.
    assert_eq!(then.body["participant"], one_before.body["participant"]);
    assert_eq!(then.body["allocations"], one_before.body["allocations"]);
    assert_eq!(
        then.body["organisation"]["name"],
        one_before.body["organisation"]["name"]
    );

    let list_now = api.get("/participants?per_page=200").await;
    let list_then = api
        .get(&format!("/participants?per_page=200&as_at={YESTERDAY}"))
        .await;
    assert_eq!(list_then.status, 200, "{}", list_then.text);
    assert_eq!(designated(&list_now.body), json!(shown(new)));
    assert_eq!(designated(&list_then.body), json!(old));
    assert_eq!(list_then.body["total"], list_before.body["total"]);
    let mut before_ids = ids(&list_before.body);
    let mut then_ids = ids(&list_then.body);
    before_ids.sort_unstable();
    then_ids.sort_unstable();
    assert_eq!(before_ids, then_ids);
    // Filtered, then paged.
    let role = list_then.body["items"][0]["role"]
        .as_str()
        .unwrap()
        .to_owned();
    let filtered = api
        .get(&format!(
            "/participants?role={role}&per_page=1&page=2&as_at={YESTERDAY}"
        ))
        .await;
    assert_eq!(filtered.status, 200, "{}", filtered.text);
    let of_role = list_then.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["role"] == role)
        .count();
    assert_eq!(filtered.body["total"], of_role);
    assert_eq!(filtered.body["items"][0]["role"], role.as_str());

    let before = api.get("/participants?as_at=2010-01-01").await;
    assert_eq!(before.status, 200, "{}", before.text);
    assert_eq!(before.body["total"], 0);
    let missing = api
        .get(&format!("/participants/{REPORTER_ORG}?as_at=2010-01-01"))
        .await;
    assert!(is_problem(&missing, 404), "{}", missing.text);
    assert!(is_problem(
        &api.get("/participants?as_at=2026-12-08").await,
        400
    ));

    let reporter = api_as(&app, REPORTER).await;
    let own = reporter
        .get(&format!("/participants?per_page=200&as_at={YESTERDAY}"))
        .await;
    assert_eq!(own.body["total"], 1, "{}", own.text);
    assert_eq!(own.body["items"][0]["ods_code"], REPORTER_ORG);
    for ods in [OTHER, "RZZ"] {
        let hidden = reporter
            .get(&format!("/participants/{ods}?as_at={YESTERDAY}"))
            .await;
        assert!(is_problem(&hidden, 404), "{ods}: {}", hidden.text);
    }
}

#[tokio::test]
async fn organisations_and_partners_as_at_yesterday_lack_a_partner_added_today() {
    use gde::services::By;
    use gde::services::participants::{PartnerForm, PartnershipForm, create_partner, link_partner};
    let (app, clock) = app_and_clock().await;
    let api = api_as(&app, OFFICE).await;
    let orgs_before = api.get("/organisations?per_page=200").await;
    let partners_before = api.get("/partners?per_page=200").await;
    let partner = clock
        .clone()
        .scope(create_partner(
            &app.db,
            &By::Cli,
            PartnerForm {
                name: "Helsinki University Hospital".into(),
                kind: "healthcare_provider".into(),
                country_code: "FI".into(),
            },
        ))
        .await
        .expect("partner added");
    clock
        .clone()
        .scope(link_partner(
            &app.db,
            &By::Cli,
            REPORTER_ORG,
            PartnershipForm {
                partner_id: partner.id.to_string(),
                partner_role: "international_partner".into(),
                ..Default::default()
            },
        ))
        .await
        .expect("partner linked");

    let names = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let added = "Helsinki University Hospital".to_owned();
    for path in ["/organisations", "/partners"] {
        let now = api.get(&format!("{path}?per_page=200")).await;
        let then = api
            .get(&format!("{path}?per_page=200&as_at={YESTERDAY}"))
            .await;
        assert_eq!(then.status, 200, "{path}: {}", then.text);
        assert!(names(&now.body).contains(&added), "{path}");
        assert!(!names(&then.body).contains(&added), "{path}");
        let before = api.get(&format!("{path}?as_at=2010-01-01")).await;
        assert_eq!(before.status, 200, "{path}: {}", before.text);
        assert_eq!(before.body["total"], 0, "{path}: {}", before.text);
        assert!(is_problem(
            &api.get(&format!("{path}?as_at=2026-12-08")).await,
            400
        ));
    }
    let orgs_then = api
        .get(&format!("/organisations?per_page=200&as_at={YESTERDAY}"))
        .await;
    assert_eq!(orgs_then.body, orgs_before.body);
    let partners_then = api
        .get(&format!("/partners?per_page=200&as_at={YESTERDAY}"))
        .await;
    assert_eq!(partners_then.body, partners_before.body);

    // A reporter: their own trust and the partners, with only their own links.
    let reporter = api_as(&app, REPORTER).await;
    let orgs = reporter
        .get(&format!("/organisations?per_page=200&as_at={YESTERDAY}"))
        .await;
    let trusts: Vec<&Value> = orgs.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "nhs_trust")
        .collect();
    assert_eq!(trusts.len(), 1, "{}", orgs.text);
    assert_eq!(trusts[0]["ods_code"], REPORTER_ORG);
    let partners = reporter
        .get(&format!("/partners?per_page=200&as_at={YESTERDAY}"))
        .await;
    assert!(
        partners.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["links"].as_array().unwrap())
            .all(|l| l["ods_code"] == REPORTER_ORG)
    );
}

#[tokio::test]
async fn one_return_as_at_yesterday_is_the_draft_it_was_before_todays_submission() {
    let (app, clock) = app_and_clock().await;
    clock.set(datetime!(2026-12-06 10:00 UTC));
    let office = api_as(&app, OFFICE).await;
    let reporter = api_as(&app, REPORTER).await;
    let opened = office
        .post(
            "/periods",
            json!({"frequency": "quarterly", "year": 2026, "number": 2, "due_on": "2026-10-30"}),
        )
        .await;
    assert_eq!(opened.status, 201, "{}", opened.text);
    let path = format!("/returns/2026-27-q2/{REPORTER_ORG}");
    let blank = reporter.get(&path).await;
    let first = blank.body["lines"][0]["milestone_id"].clone();
    let draft = reporter
        .put(
            &path,
            json!({"version": 0, "narrative": "First words", "spend_to_date_pence": 1000,
                   "lines": [{"milestone_id": first, "status": "in_progress", "comment": "on track"}],
                   "risks": [{"description": "Supplier capacity", "rating": "amber"}]}),
        )
        .await;
    assert_eq!(draft.status, 200, "{}", draft.text);
    // Today: rewritten and submitted.
    clock.set(datetime!(2026-12-07 09:00 UTC));
    // Every line given, as submission needs.
    let lines: Vec<Value> = draft.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let forecast = if l["live_forecast_on"].is_null() {
                l["baseline_on"].clone()
            } else {
                l["live_forecast_on"].clone()
            };
            if l["milestone_id"] == first {
                json!({"milestone_id": first, "status": "in_progress",
                       "forecast_on": forecast, "comment": "still on track"})
            } else {
                json!({"milestone_id": l["milestone_id"], "status": l["live_status"],
                       "forecast_on": forecast})
            }
        })
        .collect();
    let submitted = reporter
        .put(
            &path,
            json!({"version": draft.body["version"], "narrative": "Second words",
                   "self_rating": "green", "rating_justification": "All on track",
                   "spend_to_date_pence": 2000, "lines": lines, "risks": [], "submit": true}),
        )
        .await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    assert_eq!(submitted.body["status"], "submitted");

    let now = reporter.get(&path).await;
    assert_eq!(now.body["narrative"], "Second words");
    assert!(!now.header("etag").is_empty());
    let then = reporter.get(&format!("{path}?as_at={YESTERDAY}")).await;
    assert_eq!(then.status, 200, "{}", then.text);
    assert_eq!(then.body["status"], "draft");
    assert_eq!(then.body["state"], "draft");
    assert_eq!(then.body["narrative"], "First words");
    assert_eq!(then.body["spend_to_date_pence"], 1000);
    assert_eq!(then.body["version"], draft.body["version"]);
    assert_eq!(then.body["risks"][0]["description"], "Supplier capacity");
    let line = then.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["milestone_id"] == first)
        .unwrap();
    assert_eq!(line["comment"], "on track");
    // A past version is not for writing.
    assert_eq!(then.header("etag"), "");
    // Today's date is the same as no as_at.
    let today = office.get(&format!("{path}?as_at=2026-12-07")).await;
    assert_eq!(today.body, now.body);
    // The period was not open the day before: not found. Another trust's
    // return is not found to a reporter on any day; a later day is a 400.
    assert!(is_problem(
        &reporter.get(&format!("{path}?as_at=2026-12-05")).await,
        404
    ));
    assert!(is_problem(
        &reporter
            .get(&format!("/returns/2026-27-q2/{OTHER}?as_at={YESTERDAY}"))
            .await,
        404
    ));
    assert!(is_problem(
        &reporter.get(&format!("{path}?as_at=2026-12-08")).await,
        400
    ));
    // The office reads it as at yesterday too; the blank another trust would
    // have started from then has no status and version 0.
    let other = office
        .get(&format!("/returns/2026-27-q2/{OTHER}?as_at={YESTERDAY}"))
        .await;
    assert_eq!(other.status, 200, "{}", other.text);
    assert_eq!(other.body["status"], Value::Null);
    assert_eq!(other.body["version"], 0);
}
