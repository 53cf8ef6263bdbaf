//! The return states of a period (`domain::period_states`): the
//! delivery-confidence chart, its table and the headline count each state
//! the same way, and agree with counts made here from the seed CSV files.
use std::collections::HashMap;

use gde::domain::spreadsheet::Cell;
use gde::reports::catalogue::{ChartData, ChartKind};
use gde::reports::figures;
use gde::services::{By, snapshot};
use time::{Date, OffsetDateTime, macros::date};

use crate::support::{TestApp, seed_rows};

const PERIOD: &str = "2020/21 Q4";

/// The chart's series, in its table's column order.
const STATES: [&str; 10] = [
    "Red",
    "Amber/Red",
    "Amber",
    "Amber/Green",
    "Green",
    "Approved, no rating",
    "Awaiting review",
    "Returned for changes",
    "Draft",
    "Not reported",
];

fn on_or_before(text: &str, as_at: Date) -> bool {
    !text.is_empty() && text <= as_at.to_string().as_str()
}

/// Per state, counted from the seed CSVs: as at today each return has the
/// status the file gives it; as at a past date a seeded return was approved
/// if approved by then, else awaiting review if submitted by then, else it
/// did not yet exist (seeded returns are created when the seed is loaded).
fn independent(as_at: Date, today: bool) -> HashMap<&'static str, i64> {
    let mut counts: HashMap<&'static str, i64> = STATES.iter().map(|s| (*s, 0)).collect();
    let returns = seed_rows("illustrative/returns.csv");
    let of: HashMap<&str, &HashMap<String, String>> = returns
        .iter()
        .filter(|r| r["period"] == PERIOD)
        .map(|r| (r["ods_code"].as_str(), r))
        .collect();
    for p in seed_rows("participants.csv") {
        // Designated in a month: counted from the month's first day.
        if p["designated_on"].as_str() > &as_at.to_string()[..7] {
            continue;
        }
        let Some(r) = of.get(p["ods_code"].as_str()) else {
            *counts.get_mut("Not reported").unwrap() += 1;
            continue;
        };
        let status = if today {
            r["status"].as_str()
        } else if on_or_before(&r["approved_on"], as_at) {
            "approved"
        } else if on_or_before(&r["submitted_on"], as_at) {
            "submitted"
        } else {
            "none"
        };
        let rating = if r["office_rating"].is_empty() {
            r["self_rating"].as_str()
        } else {
            r["office_rating"].as_str()
        };
        let state = match (status, rating) {
            ("approved", "red") => "Red",
            ("approved", "amber") => "Amber",
            ("approved", "green") => "Green",
            ("approved", other) => panic!("rating {other:?}"),
            ("submitted", _) => "Awaiting review",
            ("returned", _) => "Returned for changes",
            ("draft", _) => "Draft",
            _ => "Not reported",
        };
        *counts.get_mut(state).unwrap() += 1;
    }
    counts
}

fn figure(b: &figures::Briefing, key: &str) -> i64 {
    match &b.figures.iter().find(|f| f.key == key).expect(key).value {
        Cell::Count(n) => *n,
        other => panic!("{key}: {other:?}"),
    }
}

async fn check(app: &TestApp, as_at: Date, today: bool) -> HashMap<&'static str, i64> {
    let s = snapshot::as_at(&app.db, &By::Cli, as_at).await.unwrap();
    let expected = independent(as_at, today);

    // The chart's table (and so its CSV and bars): one column per state.
    let table = ChartData::of(ChartKind::Confidence, &s).table();
    assert_eq!(&table.headings[1..11], &STATES, "{as_at}");
    let row = table
        .rows
        .iter()
        .find(|r| r[0] == Cell::text(PERIOD))
        .unwrap_or_else(|| panic!("{as_at}: no {PERIOD} row"));
    let chart: HashMap<&str, i64> = STATES
        .iter()
        .zip(&row[1..11])
        .map(|(s, c)| match c {
            Cell::Count(n) => (*s, *n),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(chart, expected, "{as_at}: chart against the seed files");

    // The headline, for the latest period due, agrees to the unit.
    let b = figures::briefing(&s);
    assert_eq!(b.exceptions.latest_period.as_deref(), Some(PERIOD));
    let approved: i64 = STATES[..6].iter().map(|k| chart[k]).sum();
    for (key, n) in [
        ("returns_not_reported", chart["Not reported"]),
        ("returns_draft", chart["Draft"]),
        ("returns_returned", chart["Returned for changes"]),
        ("returns_awaiting_review", chart["Awaiting review"]),
        ("returns_approved", approved),
        (
            "returns_not_submitted",
            chart["Not reported"] + chart["Draft"] + chart["Returned for changes"],
        ),
    ] {
        assert_eq!(figure(&b, key), n, "{as_at}: {key}");
    }
    assert_eq!(
        b.exceptions.not_submitted.len() as i64,
        figure(&b, "returns_not_submitted")
    );
    let sentence = b
        .sentences
        .iter()
        .find(|t| t.contains(&format!("Returns for {PERIOD}")))
        .expect("the returns sentence");
    assert!(
        sentence.contains(&format!(
            "{approved} approved, {} awaiting review, {} returned for changes, {} in draft and {} not started",
            chart["Awaiting review"],
            chart["Returned for changes"],
            chart["Draft"],
            chart["Not reported"]
        )),
        "{sentence}"
    );
    chart
}

#[tokio::test]
async fn each_return_state_of_the_latest_period_agrees_everywhere() {
    let app = TestApp::seeded().await;
    let today = OffsetDateTime::now_utc().date();
    let now = check(&app, today, true).await;
    // The figures: 4 with no return, 6 awaiting review, 3 drafts
    // and 2 returned for changes (the old chart said 15 "not reported").
    assert_eq!(now["Not reported"], 4);
    assert_eq!(now["Awaiting review"], 6);
    assert_eq!(now["Draft"], 3);
    assert_eq!(now["Returned for changes"], 2);

    // The day the returns were due: three submitted later (in June) were
    // not reported then, and none of those returned later had been yet.
    let due = check(&app, date!(2021 - 04 - 30), false).await;
    assert!(due["Awaiting review"] > now["Awaiting review"]);
    assert_eq!(due["Returned for changes"], 0);
    assert_eq!(due["Draft"], 0);
}

#[tokio::test]
async fn the_red_headline_says_which_participants_it_counts() {
    let app = TestApp::seeded().await;
    let s = snapshot::as_at(&app.db, &By::Cli, date!(2021 - 03 - 31))
        .await
        .unwrap();
    let b = figures::briefing(&s);
    let red = figure(&b, "rated_red");
    let exemplars = b
        .exceptions
        .rated_red
        .iter()
        .filter(|(_, _, role)| role == "Global digital exemplar")
        .count() as i64;
    assert!(red > exemplars && exemplars > 0, "{red} {exemplars}");
    let sentence = b
        .sentences
        .iter()
        .find(|t| t.contains("rated Red"))
        .unwrap();
    assert!(
        sentence.contains(&format!(
            "{red} participants are rated Red in their latest approved returns: {exemplars} exemplars ("
        )) && sentence.ends_with(&format!("and {} fast followers.", red - exemplars)),
        "{sentence}"
    );
}
