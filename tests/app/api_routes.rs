//! Walks the API's own route table (`gde::http::api::api_routes()`, the
//! table its router is built from) with each role's token and with none:
//! the same refusal whichever record a path names, and a reporter's token
//! finds no other trust's records (404, as on the pages).
use gde::http::Access;
use gde::http::api::api_routes;
use serde_json::json;

use crate::api::{Api, OTHER, api_as};
use crate::support::{OFFICE, READER, REPORTER, REPORTER_ORG, TestApp};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    NoToken,
    Office,
    Reporter,
    Reader,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Whose {
    Plain,
    Own,
    Other,
    MadeUp,
}

fn admitted(access: Access, who: Who) -> bool {
    match (access, who) {
        (_, Who::NoToken) => false,
        (Access::Public | Access::SignedIn, _) => true,
        (Access::Figures, who) => who != Who::Reporter,
        (Access::Reporting, who) => who != Who::Reader,
        (Access::OwnTrust, who) => who == Who::Reporter,
        (Access::Office | Access::OpenData, who) => who == Who::Office,
    }
}

async fn ids(app: &TestApp, ods: &str) -> (String, String, String) {
    use gde::entities::{
        Allocations, Milestones, Organisations, Participants, Tranches, allocation, milestone,
        organisation, participant, tranche,
    };
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
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
    let m = Milestones::find()
        .filter(milestone::Column::ParticipantId.eq(p.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let a = Allocations::find()
        .filter(allocation::Column::ParticipantId.eq(p.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let t = Tranches::find()
        .filter(tranche::Column::AllocationId.eq(a.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    (m.id.to_string(), t.id.to_string(), a.id.to_string())
}

/// A pending baseline request and a pending allocation request of `ods`,
/// raised through the API by the office: (baseline id, allocation id).
async fn requests(office: &Api, ods: &str, milestone: &str, allocation: &str) -> (String, String) {
    let r = office
        .post(
            &format!("/milestones/{milestone}/baseline-requests"),
            json!({"proposed_baseline_on": "2031-03-31", "reason": "Supplier delay to go-live"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let list = office
        .get(&format!("/participants/{ods}/allocations"))
        .await;
    let a = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"].as_i64() == allocation.parse().ok())
        .unwrap()
        .clone();
    // £1 less, taken off the last profiled year.
    let mut profile = a["profile"].as_array().unwrap().clone();
    if let Some(last) = profile.last_mut() {
        last["amount_pence"] = json!(last["amount_pence"].as_i64().unwrap() - 100);
    }
    let r = office
        .post(
            &format!("/allocations/{allocation}/change-requests"),
            json!({
                "version": a["version"],
                "central_pence": a["central_pence"].as_i64().unwrap() - 100,
                "profile": profile,
                "reason": "Route walk: a smaller allocation",
            }),
        )
        .await;
    let id = if r.status == 201 {
        r.body["id"].to_string()
    } else {
        // The profile rules refused it: any existing request will do.
        let queue = office.get("/change-requests").await;
        queue.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["kind"] == "allocation")
            .map(|q| q["id"].to_string())
            .unwrap_or_else(|| panic!("no allocation change request: {}", r.text))
    };
    let queue = office.get("/change-requests").await;
    let baseline = queue.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["kind"] == "baseline" && q["milestone_id"].as_i64() == milestone.parse().ok())
        .unwrap()["id"]
        .to_string();
    (baseline, id)
}

fn fill(path: &str, value: impl Fn(&str) -> String) -> String {
    path.split('/')
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) => value(param),
                None => s.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_api_route_checks_the_token_and_its_scope() {
    let app = TestApp::seeded().await;
    let (own_m, own_t, own_a) = ids(&app, REPORTER_ORG).await;
    let (other_m, other_t, other_a) = ids(&app, OTHER).await;
    let office = api_as(&app, OFFICE).await;
    let (own_b, own_c) = requests(&office, REPORTER_ORG, &own_m, &own_a).await;
    let (other_b, other_c) = requests(&office, OTHER, &other_m, &other_a).await;
    let clients = [
        (Who::NoToken, Api::new(&app, None)),
        (Who::Office, api_as(&app, OFFICE).await),
        (Who::Reporter, api_as(&app, REPORTER).await),
        (Who::Reader, api_as(&app, READER).await),
    ];
    let value = |path: &str, param: &str, whose: Whose| -> String {
        let made_up = whose == Whose::MadeUp;
        let other = whose == Whose::Other;
        match param {
            "ods_code" if made_up => "RZZ".into(),
            "ods_code" if other => OTHER.into(),
            "ods_code" => REPORTER_ORG.into(),
            "period" => "2018-19-q1".into(),
            "id" if made_up => "987654".into(),
            "id" if path.starts_with("/milestones/") => {
                if other {
                    other_m.clone()
                } else {
                    own_m.clone()
                }
            }
            "id" if path.starts_with("/allocations/") => {
                if other {
                    other_a.clone()
                } else {
                    own_a.clone()
                }
            }
            "id" if path.starts_with("/change-requests/baseline/") => {
                if other {
                    other_b.clone()
                } else {
                    own_b.clone()
                }
            }
            "id" if path.starts_with("/change-requests/allocation/") => {
                if other {
                    other_c.clone()
                } else {
                    own_c.clone()
                }
            }
            "id" if path.starts_with("/tranches/") => {
                if other {
                    other_t.clone()
                } else {
                    own_t.clone()
                }
            }
            p => {
                panic!("no test values for {{{p}}} in {path}: add them to tests/app/api_routes.rs")
            }
        }
    };
    let mut requests = 0;
    let mut failures = Vec::new();
    let table = api_routes();
    for route in &table {
        let Some(access) = route.access else {
            let r = clients[0].1.get(route.path).await;
            assert_eq!(r.status, 200, "{} is open to all", route.path);
            continue;
        };
        let has_params = route.path.contains('{');
        let targets: Vec<Whose> = if has_params {
            vec![Whose::Own, Whose::Other, Whose::MadeUp]
        } else {
            vec![Whose::Plain]
        };
        for whose in targets {
            let path = fill(route.path, |p| value(route.path, p, whose));
            for (who, client) in &clients {
                let r = client
                    .send(
                        route.method.as_str().parse().unwrap(),
                        &path,
                        (route.method != "GET").then(|| json!({})),
                        &[],
                    )
                    .await;
                requests += 1;
                let problem = r.header("content-type") == "application/problem+json";
                let ok = if *who == Who::NoToken {
                    r.status == 401 && problem
                } else if !admitted(access, *who) {
                    r.status == 403 && problem
                } else if whose == Whose::MadeUp || (whose == Whose::Other && *who == Who::Reporter)
                {
                    r.status == 404 && problem
                } else if route.method == "GET" {
                    r.status == 200
                } else {
                    // Through to the handler: an empty body is refused for
                    // what it lacks, never for who sent it.
                    matches!(r.status, 200 | 400 | 409 | 422 | 428)
                };
                if !ok {
                    failures.push(format!(
                        "{} {path} ({access:?}, {whose:?}) as {who:?}: got {} {}",
                        route.method, r.status, r.text
                    ));
                }
            }
        }
    }
    eprintln!("{} API routes, {requests} requests", table.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
