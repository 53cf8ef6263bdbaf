//! Walks the router's own route table (`gde::http::routes()`, the table the
//! router is built from) as each role and signed out, so a new route cannot
//! skip its check. Every path parameter is tried with a real value of the
//! reporter's own trust, a real value of another trust, and a made-up value;
//! a refusal must not depend on which of those was named.
use std::collections::BTreeMap;

use gde::entities::{
    AllocationChangeRequests, Allocations, BaselineChangeRequests, Milestones, Organisations,
    Participants, ReportingPeriods, Tranches, Users, milestone, organisation, participant, tranche,
    user,
};
use gde::http::{Access, routes};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::support::{Browser, OFFICE, PASSWORD, READER, REPORTER, REPORTER_ORG, TestApp};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    SignedOut,
    Office,
    Reporter,
    Reader,
}

/// Whose record a path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Whose {
    /// A path without parameters, or one whose records belong to no trust.
    Plain,
    /// Real records of the reporter's own trust.
    Own,
    /// Real records of another trust.
    Other,
    /// One parameter made up (the rest real and the reporter's own).
    MadeUp,
}

/// An ODS code that is well formed but names no organisation.
const MADE_UP_ODS: &str = "RZZ";
const MADE_UP_ID: &str = "987654";

/// Real values for each kind of parameter, for the reporter's trust and another.
struct Values {
    own: BTreeMap<&'static str, String>,
    other: BTreeMap<&'static str, String>,
    /// Values of records that belong to no trust (accounts, charts, periods).
    shared: BTreeMap<&'static str, String>,
}

/// The kind of record a parameter names, from the path around it.
fn kind(path: &str, param: &str) -> &'static str {
    match param {
        "ods_code" => "ods",
        "period" => "period",
        "file" => "chart",
        "kind" => "interchange-kind",
        "id" if path.starts_with("/allocations/") => "allocation",
        "id" if path.starts_with("/tranches/") => "tranche",
        "id" if path.starts_with("/milestones/") => "milestone",
        "id" if path.starts_with("/change-requests/baseline/") => "baseline-request",
        "id" if path.starts_with("/change-requests/allocation/") => "allocation-request",
        "id" if path.starts_with("/users/") => "user",
        other => {
            panic!("no test values for {{{other}}} in {path}: add them to tests/app/routes.rs")
        }
    }
}

fn made_up(kind: &str) -> &'static str {
    match kind {
        "ods" => MADE_UP_ODS,
        "chart" => "no-such-chart.svg",
        "interchange-kind" => "no-such-kind",
        _ => MADE_UP_ID,
    }
}

fn params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
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

/// The concrete paths to try for one route pattern.
fn targets(path: &str, values: &Values) -> Vec<(Whose, String)> {
    let names = params(path);
    if names.is_empty() {
        return vec![(Whose::Plain, path.to_owned())];
    }
    let real = |param: &str, whose: Whose| -> Option<String> {
        let k = kind(path, param);
        values
            .shared
            .get(k)
            .or_else(|| match whose {
                Whose::Other => values.other.get(k),
                _ => values.own.get(k),
            })
            .cloned()
    };
    let owned_by_a_trust = names
        .iter()
        .any(|p| !values.shared.contains_key(kind(path, p)));
    let mut out = Vec::new();
    let (first, second) = if owned_by_a_trust {
        (Whose::Own, Some(Whose::Other))
    } else {
        (Whose::Plain, None)
    };
    for whose in std::iter::once(first).chain(second) {
        if names.iter().all(|p| real(p, whose).is_some()) {
            out.push((whose, fill(path, |p| real(p, whose).unwrap())));
        }
    }
    for odd in &names {
        out.push((
            Whose::MadeUp,
            fill(path, |p| {
                if p == *odd {
                    made_up(kind(path, p)).to_owned()
                } else {
                    real(p, first).unwrap_or_else(|| made_up(kind(path, p)).to_owned())
                }
            }),
        ));
    }
    out
}

/// The query string a GET route needs to show anything, if any.
fn query(path: &str, values: &Values) -> String {
    match path {
        "/participants/{ods_code}/compare" => {
            let period = &values.shared["period"];
            format!("?from={period}&to={period}")
        }
        // A decision's confirmation page, for the choice made in the queue.
        "/change-requests/baseline/{id}" | "/change-requests/allocation/{id}" => {
            "?decision=approve".to_owned()
        }
        _ => String::new(),
    }
}

/// Does the route's guard let this role through at all?
fn admitted(access: Access, who: Who) -> bool {
    match (access, who) {
        (Access::Public, _) => true,
        (_, Who::SignedOut) => false,
        (Access::SignedIn, _) => true,
        (Access::Figures, who) => who != Who::Reporter,
        (Access::Reporting, who) => who != Who::Reader,
        (Access::OwnTrust, who) => who == Who::Reporter,
        (Access::Office, who) => who == Who::Office,
        // GDE_360G_PUBLIC is off in this walk: the office only.
        (Access::OpenData, who) => who == Who::Office,
    }
}

/// What a request must get, or None where any non-refusal will do.
#[derive(Debug)]
enum Expect {
    /// Exactly this status.
    Status(u16),
    /// Sent to sign in.
    SignIn,
    /// Let through to the handler: neither refused nor hidden nor failed
    /// (a form posted empty may well be answered 422, or 303 onwards).
    Through,
}

fn expect(method: &str, access: Access, who: Who, whose: Whose) -> Expect {
    if access == Access::Public {
        return if who == Who::SignedOut && method == "GET" {
            Expect::Status(200)
        } else {
            Expect::Through
        };
    }
    if who == Who::SignedOut {
        return Expect::SignIn;
    }
    if !admitted(access, who) {
        // The same refusal for a real record, another trust's and a made-up one.
        return Expect::Status(403);
    }
    match whose {
        Whose::MadeUp => Expect::Status(404),
        // A reporter reaches only their own trust: the rest looks absent.
        Whose::Other if who == Who::Reporter => Expect::Status(404),
        _ if method == "GET" => Expect::Status(200),
        _ => Expect::Through,
    }
}

async fn first_id<E, M>(
    select: sea_orm::Select<E>,
    app: &TestApp,
    id: impl Fn(&M) -> i32,
) -> Option<String>
where
    E: EntityTrait<Model = M>,
    M: sea_orm::FromQueryResult + Send + Sync,
{
    select
        .one(&app.db)
        .await
        .unwrap()
        .map(|m| id(&m).to_string())
}

/// Real values of one trust's records: its ODS code, a milestone, an
/// allocation with a tranche.
async fn values_of(app: &TestApp, ods: &str) -> BTreeMap<&'static str, String> {
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
    let mut v = BTreeMap::new();
    v.insert("ods", ods.to_owned());
    if let Some(id) = first_id(
        Milestones::find()
            .filter(milestone::Column::ParticipantId.eq(p.id))
            .order_by_asc(milestone::Column::Id),
        app,
        |m: &milestone::Model| m.id,
    )
    .await
    {
        v.insert("milestone", id);
    }
    for a in Allocations::find()
        .filter(gde::entities::allocation::Column::ParticipantId.eq(p.id))
        .all(&app.db)
        .await
        .unwrap()
    {
        if let Some(t) = first_id(
            Tranches::find()
                .filter(tranche::Column::AllocationId.eq(a.id))
                .order_by_asc(tranche::Column::Id),
            app,
            |t: &tranche::Model| t.id,
        )
        .await
        {
            v.insert("allocation", a.id.to_string());
            v.insert("tranche", t);
            break;
        }
    }
    v
}

/// Another trust with milestones, an allocation and a tranche.
async fn other_trust(app: &TestApp) -> String {
    for org in Organisations::find()
        .filter(organisation::Column::OdsCode.is_not_null())
        .order_by_asc(organisation::Column::OdsCode)
        .all(&app.db)
        .await
        .unwrap()
    {
        let ods = org.ods_code.unwrap();
        if ods == REPORTER_ORG
            || Participants::find()
                .filter(participant::Column::OrganisationId.eq(org.id))
                .one(&app.db)
                .await
                .unwrap()
                .is_none()
        {
            continue;
        }
        let v = values_of(app, &ods).await;
        if v.contains_key("milestone") && v.contains_key("tranche") {
            return ods;
        }
    }
    panic!("the seed has no other trust with milestones and a tranche");
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

/// The seeded programme plus one pending change request of each kind on the
/// reporter's trust, and a spare account for the office to act on.
async fn setup(app: &TestApp) -> Values {
    gde::services::users::add(
        &app.db,
        &gde::services::By::Cli,
        gde::services::users::NewUser {
            email: "spare@example.org".into(),
            name: "Spare".into(),
            role: "briefing-reader".into(),
            organisation: String::new(),
            password: PASSWORD.into(),
        },
    )
    .await
    .unwrap();
    let mut own = values_of(app, REPORTER_ORG).await;
    let other = values_of(app, &other_trust(app).await).await;
    assert!(
        own.contains_key("milestone") && own.contains_key("tranche"),
        "{own:?}"
    );

    let office = app.sign_in(OFFICE).await;
    let page = office
        .post(
            &format!("/milestones/{}/baseline-requests", own["milestone"]),
            &[
                ("proposed_baseline_on", "2028-01-01"),
                ("reason", "Supplier delivery slipped by a quarter"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "baseline request: {}", page.body);
    let page = office
        .post(
            &format!("/allocations/{}/change", own["allocation"]),
            &[
                ("central", "9500000"),
                ("local_match", "12000000"),
                ("fy_2017", "3000000"),
                ("fy_2018", "3000000"),
                ("fy_2019", "2000000"),
                ("fy_2020", "1500000"),
                ("reason", "Underspend returned to the centre"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "allocation change request: {}", page.body);
    let baseline = BaselineChangeRequests::find().one(&app.db).await.unwrap();
    let allocation = AllocationChangeRequests::find().one(&app.db).await.unwrap();
    own.insert("baseline-request", baseline.unwrap().id.to_string());
    own.insert("allocation-request", allocation.unwrap().id.to_string());

    let mut shared = BTreeMap::new();
    shared.insert("user", user_id(app, "spare@example.org").await.to_string());
    let period = ReportingPeriods::find()
        .order_by_asc(gde::entities::reporting_period::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    // Periods are named by the slug of their label (`2018-19-q1`).
    shared.insert("period", gde::domain::reporting::period_slug(&period.label));
    shared.insert(
        "chart",
        format!("{}.csv", gde::reports::catalogue::ChartKind::ALL[0].slug()),
    );
    shared.insert("interchange-kind", "milestones".to_owned());
    Values { own, other, shared }
}

#[tokio::test]
async fn every_route_in_the_table_checks_who_is_asking() {
    // Publishing settings complete, so the open-data route answers its file.
    let app = TestApp::seeded_with(&[
        ("GDE_360G_PREFIX", "example"),
        ("GDE_360G_FUNDER_ID", "GB-GOR-EXAMPLE"),
        ("GDE_360G_ILLUSTRATIVE", "flag"),
    ])
    .await;
    let values = setup(&app).await;
    let mut table = routes();
    // Reads first, then writes, and signing out last of all.
    table.sort_by_key(|r| (r.path == "/logout", r.method != "GET"));

    let browsers: Vec<(Who, Browser)> = vec![
        (Who::SignedOut, app.browser()),
        (Who::Office, app.sign_in(OFFICE).await),
        (Who::Reporter, app.sign_in(REPORTER).await),
        (Who::Reader, app.sign_in(READER).await),
    ];
    // Signed-out clients still need a CSRF cookie and token to reach the guard.
    browsers[0].1.get("/login").await;

    let mut requests = 0;
    let mut failures = Vec::new();
    for route in &table {
        let method = route.method.as_str();
        for (whose, path) in targets(route.path, &values) {
            for (who, browser) in &browsers {
                let page = match method {
                    "GET" => {
                        browser
                            .get(&format!("{path}{}", query(route.path, &values)))
                            .await
                    }
                    "POST" => browser.post(&path, &[]).await,
                    other => panic!("a {other} route: teach this test about it"),
                };
                requests += 1;
                let expected = expect(method, route.access, *who, whose);
                let location = page
                    .headers
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .unwrap_or("");
                let ok = match expected {
                    Expect::Status(status) => page.status == status,
                    Expect::SignIn => page.status == 303 && location.starts_with("/login"),
                    Expect::Through => {
                        let refused = matches!(page.status, 403 | 404 | 500..);
                        // Signing out ends at the sign-in page; nothing else may.
                        let sent_to_sign_in = page.status == 303
                            && location.starts_with("/login")
                            && !location.contains("reason=signed-out");
                        !refused && !sent_to_sign_in
                    }
                };
                if !ok {
                    failures.push(format!(
                        "{method} {path} ({:?}, {whose:?}) as {who:?}: expected {expected:?}, got {} {location}",
                        route.access, page.status
                    ));
                }
            }
        }
    }
    eprintln!(
        "{} routes, {requests} requests over {} roles",
        table.len(),
        browsers.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {requests} requests answered wrongly:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_route_table_has_one_entry_per_method_and_path() {
    let table = routes();
    let mut seen = std::collections::HashSet::new();
    for route in &table {
        assert!(
            seen.insert((route.method.clone(), route.path)),
            "{} {} is listed twice",
            route.method,
            route.path
        );
    }
    // Only sign-in, the health check and the stylesheet are public.
    let public: Vec<&str> = table
        .iter()
        .filter(|r| r.access == Access::Public)
        .map(|r| r.path)
        .collect();
    assert_eq!(public, ["/login", "/login", "/healthz", "/static/app.css"]);
}
