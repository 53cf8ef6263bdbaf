//! The past is reproducible: drive the application through a scripted
//! history with a controllable clock (designations, awards, releases,
//! completions, returns submitted, returned and approved, baseline and
//! allocation changes, corrections of earlier values, periods opened), take
//! the live figures and chart CSVs at the end of each simulated day, and
//! afterwards ask for each of those dates as at: they are identical, byte
//! for byte. Runs on SQLite and PostgreSQL (`scripts/test-postgres
//! time_travel`).
use gde::clock::Clock;
use gde::domain::snapshot::end_of;
use gde::entities::*;
use gde::reports::briefing::figures_csv;
use gde::reports::catalogue::ChartKind;
use gde::reports::figures;
use gde::services::{By, snapshot};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};

use crate::returns::{borrow, complete_return, fill, hidden, open_milestones};
use crate::support::{Browser, OFFICE, OFFICE2, READER, REPORTER, TestApp};

/// Every figure a briefing carries for a date: figures.csv and each chart's
/// CSV as the dashboard serves it (`as_at` None: the live dashboard, today
/// by the app's clock).
async fn figures_of(
    app: &TestApp,
    reader: &Browser,
    day: Date,
    as_at: Option<Date>,
) -> Vec<String> {
    let s = snapshot::as_at(&app.db, &By::Cli, day).await.unwrap();
    let mut out = vec![figures_csv(&figures::briefing(&s))];
    for kind in ChartKind::ALL {
        let query = as_at.map(|d| format!("?as_at={d}")).unwrap_or_default();
        let page = reader
            .get(&format!("/charts/{}.csv{query}", kind.slug()))
            .await;
        assert_eq!(page.status, 200, "{}: {}", kind.slug(), page.body);
        out.push(page.body);
    }
    out
}

/// The live figures at the day's last instant (UK time).
async fn end_of_day(
    app: &TestApp,
    reader: &Browser,
    clock: &Clock,
    day: Date,
    days: &mut Vec<(Date, Vec<String>)>,
) {
    clock.set(end_of(day));
    assert_eq!(clock.now().date(), day);
    days.push((day, figures_of(app, reader, day, None).await));
}

async fn milestone_of(app: &TestApp, ods: &str, reference: &str) -> milestone::Model {
    Milestones::find()
        .filter(
            milestone::Column::ParticipantId.eq(crate::support::participant_id(&app.db, ods).await),
        )
        .filter(milestone::Column::Reference.eq(reference))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn allocation_of(app: &TestApp, ods: &str, reference: &str) -> allocation::Model {
    Allocations::find()
        .filter(
            allocation::Column::ParticipantId
                .eq(crate::support::participant_id(&app.db, ods).await),
        )
        .filter(allocation::Column::Reference.eq(reference))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn posted(browser: &Browser, path: &str, fields: &[(&str, &str)]) {
    let page = browser.post(path, fields).await;
    assert_eq!(page.status, 303, "{path}: {}", page.body);
}

/// Edits RJ1's designation date through its edit form.
async fn designate(office: &Browser, on: &str) {
    let form = office.get("/participants/RJ1/edit").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let mut change = hidden(&form);
    for (k, v) in [
        ("role", "fast_follower"),
        ("sector", "acute"),
        ("wave", "Late"),
        ("designated_on", on),
        ("accredited_on", ""),
        ("status", "active"),
    ] {
        change.push((k.into(), v.into()));
    }
    posted(office, "/participants/RJ1/edit", &borrow(&change)).await;
}

async fn progress(office: &Browser, m: &milestone::Model, fields: &[(&str, &str)]) {
    let version = m.version.to_string();
    let mut all = fields.to_vec();
    all.push(("version", &version));
    posted(office, &format!("/milestones/{}/progress", m.id), &all).await;
}

async fn release(office: &Browser, app: &TestApp, name: &str, on: &str) {
    let t = Tranches::find()
        .filter(tranche::Column::Name.eq(name))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    posted(
        office,
        &format!("/tranches/{}/release", t.id),
        &[("released_on", on), ("version", &t.version.to_string())],
    )
    .await;
}

#[tokio::test]
async fn every_day_of_a_scripted_history_reads_back_byte_for_byte() {
    let clock = Clock::manual(datetime!(2026-12-07 09:00 UTC));
    let app = TestApp::seeded_at(clock.clone()).await;
    let office = app.sign_in(OFFICE).await;
    let office2 = app.sign_in(OFFICE2).await;
    let reporter = app.sign_in(REPORTER).await;
    let reader = app.sign_in(READER).await;
    let mut days: Vec<(Date, Vec<String>)> = Vec::new();
    let at = |t: OffsetDateTime| clock.set(t);
    end_of_day(&app, &reader, &clock, date!(2026 - 12 - 07), &mut days).await;

    // Day 1: a fast follower designated (in the past), awarded, a
    // milestone and an upfront tranche released in the day's last second.
    at(datetime!(2026-12-08 09:00 UTC));
    posted(
        &office,
        "/participants",
        &[
            ("ods_code", "RJ1"),
            ("organisation_name", "Guy's and St Thomas'"),
            ("region_code", "Y56"),
            ("role", "fast_follower"),
            ("sector", "acute"),
            ("wave", "Late"),
            ("designated_on", "2017-09"),
            ("status", "active"),
        ],
    )
    .await;
    at(datetime!(2026-12-08 10:00 UTC));
    posted(
        &office,
        "/participants/RJ1/allocations",
        &[
            ("reference", "ALLOC-1"),
            ("central", "3000000"),
            ("local_match", "3000000"),
            ("awarded_on", "2026-12-08"),
            ("fy_2026", "3000000"),
        ],
    )
    .await;
    at(datetime!(2026-12-08 11:00 UTC));
    posted(
        &office,
        "/participants/RJ1/milestones",
        &[
            ("reference", "M01"),
            ("title", "EPR go-live across all sites"),
            ("category", "epr_go_live"),
            ("baseline_on", "2027-03-31"),
        ],
    )
    .await;
    let alloc = allocation_of(&app, "RJ1", "ALLOC-1").await;
    posted(
        &office,
        &format!("/allocations/{}/tranches", alloc.id),
        &[
            ("name", "Upfront"),
            ("kind", "upfront"),
            ("amount", "1000000"),
        ],
    )
    .await;
    at(datetime!(2026-12-08 23:59:59.999999 UTC));
    release(&office, &app, "Upfront", "2026-12-08").await;
    end_of_day(&app, &reader, &clock, date!(2026 - 12 - 08), &mut days).await;

    // Day 2: at midnight the designation is corrected; a forecast moves; a
    // period that ended months ago is opened.
    at(datetime!(2026-12-09 00:00 UTC));
    designate(&office, "2018-06").await;
    at(datetime!(2026-12-09 10:00 UTC));
    let m01 = milestone_of(&app, "RJ1", "M01").await;
    progress(
        &office,
        &m01,
        &[("forecast_on", "2027-06-30"), ("status", "at_risk")],
    )
    .await;
    at(datetime!(2026-12-09 11:00 UTC));
    posted(
        &office,
        "/periods",
        &[
            ("frequency", "quarterly"),
            ("year", "2026"),
            ("number", "2"),
            ("due_on", "2026-10-30"),
        ],
    )
    .await;
    end_of_day(&app, &reader, &clock, date!(2026 - 12 - 09), &mut days).await;

    // Day 3: RAL submits its return for the period; the office returns it.
    let path = "/returns/2026-27-q2/RAL";
    let milestones = open_milestones(&app, "RAL").await;
    at(datetime!(2026-12-10 10:00 UTC));
    let mut fields = complete_return(&milestones, "2027-09-30", "green");
    fields.push(("action".into(), "submit".into()));
    let page = fill(&reporter, path, path, &borrow(&fields)).await;
    assert_eq!(page.status, 303, "{}", page.body);
    at(datetime!(2026-12-10 15:00 UTC));
    let page = fill(
        &office,
        path,
        &format!("{path}/review"),
        &[
            ("decision", "return"),
            ("office_comment", "Rating looks optimistic; please revisit"),
        ],
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    end_of_day(&app, &reader, &clock, date!(2026 - 12 - 10), &mut days).await;

    // Day 4: resubmitted and approved (moving RAL's forecasts); RJ1's
    // milestone completed.
    at(datetime!(2026-12-11 09:30 UTC));
    let mut fields = complete_return(&milestones, "2027-12-31", "amber");
    fields.push(("action".into(), "submit".into()));
    let page = fill(&reporter, path, path, &borrow(&fields)).await;
    assert_eq!(page.status, 303, "{}", page.body);
    at(datetime!(2026-12-11 14:00 UTC));
    let page = crate::returns::approve(&office, path, "amber").await;
    assert_eq!(page.status, 303, "{}", page.body);
    at(datetime!(2026-12-11 16:00 UTC));
    let m01 = milestone_of(&app, "RJ1", "M01").await;
    progress(
        &office,
        &m01,
        &[
            ("forecast_on", "2026-12-11"),
            ("status", "complete"),
            ("actual_on", "2026-12-11"),
        ],
    )
    .await;
    end_of_day(&app, &reader, &clock, date!(2026 - 12 - 11), &mut days).await;

    // Day 5: a baseline change and an allocation change, each asked for
    // and approved by another member of the office.
    at(datetime!(2026-12-14 09:00 UTC));
    let m = open_milestones(&app, "RAL").await.remove(0);
    posted(
        &reporter,
        &format!("/milestones/{}/baseline-requests", m.id),
        &[
            ("proposed_baseline_on", "2028-03-31"),
            ("reason", "Supplier delivery slipped by a quarter"),
        ],
    )
    .await;
    let request = BaselineChangeRequests::find()
        .order_by_desc(baseline_change_request::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    at(datetime!(2026-12-14 10:00 UTC));
    posted(
        &office2,
        &format!("/change-requests/baseline/{}", request.id),
        &[("decision", "approve"), ("comment", "Agreed at board")],
    )
    .await;
    at(datetime!(2026-12-14 11:00 UTC));
    posted(
        &office,
        &format!("/allocations/{}/change", alloc.id),
        &[
            ("central", "2500000"),
            ("local_match", "2500000"),
            ("reason", "Reduced after a scope review"),
            ("fy_2026", "2500000"),
        ],
    )
    .await;
    let request = AllocationChangeRequests::find()
        .order_by_desc(allocation_change_request::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    at(datetime!(2026-12-14 12:00 UTC));
    posted(
        &office2,
        &format!("/change-requests/allocation/{}", request.id),
        &[("decision", "approve")],
    )
    .await;
    end_of_day(&app, &reader, &clock, date!(2026 - 12 - 14), &mut days).await;

    // Day 6, in British Summer Time: a correction back to the first
    // designation date, a further award and a release in the UK day's
    // last second (22:59:59 UTC).
    at(datetime!(2027-06-15 08:00 UTC));
    designate(&office, "2017-09").await;
    at(datetime!(2027-06-15 09:00 UTC));
    posted(
        &office,
        &format!("/allocations/{}/tranches", alloc.id),
        &[
            ("name", "Second"),
            ("kind", "upfront"),
            ("amount", "500000"),
        ],
    )
    .await;
    at(datetime!(2027-06-15 22:59:59.999999 UTC));
    release(&office, &app, "Second", "2027-06-15").await;
    end_of_day(&app, &reader, &clock, date!(2027 - 06 - 15), &mut days).await;

    // Something on the next day, so "later" exists for every day above.
    at(datetime!(2027-06-15 23:00 UTC));
    let m01 = milestone_of(&app, "RJ1", "M01").await;
    progress(
        &office,
        &m01,
        &[
            ("forecast_on", "2026-12-11"),
            ("status", "complete"),
            ("actual_on", "2026-12-10"),
        ],
    )
    .await;

    // Each day changed something a briefing shows.
    for pair in days.windows(2) {
        assert_ne!(pair[0].1, pair[1].1, "{} to {}", pair[0].0, pair[1].0);
    }
    // Afterwards, each day as at: identical, byte for byte.
    for (day, live) in &days {
        let again = figures_of(&app, &reader, *day, Some(*day)).await;
        for (i, (was, is)) in live.iter().zip(&again).enumerate() {
            assert_eq!(was, is, "as at {day}, file {i}");
        }
    }
    // The release in the last second of 8 December counts that day.
    let d1 = snapshot::as_at(&app.db, &By::Cli, date!(2026 - 12 - 08))
        .await
        .unwrap();
    assert!(
        d1.tranches
            .iter()
            .any(|t| t.allocation_id == alloc.id && t.released_on.is_some())
    );
    // The designation corrected on day 2 did not change day 1, and the
    // period opened on day 2 is not in day 1's figures.
    let d0 = snapshot::as_at(&app.db, &By::Cli, date!(2026 - 12 - 07))
        .await
        .unwrap();
    assert_eq!(d1.participants.len(), d0.participants.len() + 1);
    assert!(!d1.periods.iter().any(|p| p.label == "2026/27 Q2"));
    let d2 = snapshot::as_at(&app.db, &By::Cli, date!(2026 - 12 - 09))
        .await
        .unwrap();
    assert!(d2.periods.iter().any(|p| p.label == "2026/27 Q2"));
}

/// The seed's history reproduces the returns it holds: as at the end of
/// each period's review (the day its last return was approved), each
/// trust's latest approved return is the one the files say was approved by
/// then, and each milestone stands as the latest such return reported it
/// (unless the seed records progress of the office's own by then).
#[tokio::test]
async fn the_seed_history_agrees_with_the_returns_approved_by_each_review() {
    use std::collections::{BTreeMap, HashMap, HashSet};

    use crate::support::seed_rows;
    let app = TestApp::seeded().await;
    let periods = seed_rows("illustrative/reporting_periods.csv");
    let ends: HashMap<String, String> = periods
        .iter()
        .map(|p| (p["label"].clone(), p["ends_on"].clone()))
        .collect();
    let returns = seed_rows("illustrative/returns.csv");
    let lines = seed_rows("illustrative/return_milestone_updates.csv");
    let reviewed: BTreeMap<String, Date> = {
        let mut last: BTreeMap<String, Date> = BTreeMap::new();
        for r in returns.iter().filter(|r| !r["approved_on"].is_empty()) {
            let on = Date::parse(
                &r["approved_on"],
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .unwrap();
            let e = last.entry(r["period"].clone()).or_insert(on);
            *e = (*e).max(on);
        }
        last
    };
    assert!(reviewed.len() >= 8, "the seed reviews many periods");
    let progress = AuditEvents::find()
        .filter(audit_event::Column::Action.eq("milestone.progress"))
        .filter(audit_event::Column::Actor.eq("seed"))
        .all(&app.db)
        .await
        .unwrap();
    let mut checked_lines = 0;
    for (period, day) in &reviewed {
        let s = snapshot::as_at(&app.db, &By::Cli, *day).await.unwrap();
        let ods_of: HashMap<i32, &str> = s
            .participants
            .iter()
            .map(|p| (p.id, p.ods_code.as_str()))
            .collect();
        let label_of: HashMap<i32, &str> =
            s.periods.iter().map(|p| (p.id, p.label.as_str())).collect();
        // Approved by then, per the files: each trust's latest period.
        let approved: Vec<&HashMap<String, String>> = returns
            .iter()
            .filter(|r| !r["approved_on"].is_empty() && r["approved_on"] <= day.to_string())
            .collect();
        let mut expected: HashMap<&str, &HashMap<String, String>> = HashMap::new();
        for r in &approved {
            let cur = expected.entry(r["ods_code"].as_str()).or_insert(r);
            if ends[&r["period"]] > ends[&cur["period"]] {
                *cur = r;
            }
        }
        let got: HashMap<&str, (&str, Option<String>, Option<i64>)> = figures::latest_approved(&s)
            .into_iter()
            .map(|(pid, r)| {
                (
                    ods_of[&pid],
                    (label_of[&r.period_id], r.office_rating.clone(), r.spend),
                )
            })
            .collect();
        let want: HashMap<&str, (&str, Option<String>, Option<i64>)> = expected
            .iter()
            .map(|(ods, r)| {
                let spend = r["spend_to_date"].parse::<f64>().ok();
                (
                    *ods,
                    (
                        r["period"].as_str(),
                        Some(r["office_rating"].clone()).filter(|x| !x.is_empty()),
                        spend.map(|p| (p * 100.0).round() as i64),
                    ),
                )
            })
            .collect();
        assert_eq!(got, want, "as at the end of {period}'s review, {day}");

        // Milestones as the latest approved return reported them.
        let cutoff = end_of(*day);
        let moved_by_office: HashSet<i32> = progress
            .iter()
            .filter(|e| e.occurred_at <= cutoff)
            .filter_map(|e| e.entity_id.parse().ok())
            .collect();
        type Row = HashMap<String, String>;
        let mut latest_line: HashMap<(&str, &str), (&str, &Row)> = HashMap::new();
        for l in &lines {
            let ods = l["ods_code"].as_str();
            let Some(r) = approved
                .iter()
                .find(|r| r["ods_code"] == ods && r["period"] == l["period"])
            else {
                continue;
            };
            let end = ends[&r["period"]].as_str();
            let key = (ods, l["milestone_reference"].as_str());
            let cur = latest_line.entry(key).or_insert((end, l));
            if end > cur.0 {
                *cur = (end, l);
            }
        }
        let by_key: HashMap<(&str, &str), &gde::domain::snapshot::MilestoneAt> = s
            .milestones
            .iter()
            .map(|m| ((ods_of[&m.participant_id], m.reference.as_str()), m))
            .collect();
        for (key, (_, line)) in latest_line {
            let m = by_key
                .get(&key)
                .unwrap_or_else(|| panic!("{key:?} missing as at {day}"));
            if moved_by_office.contains(&m.id) {
                continue;
            }
            assert_eq!(
                m.forecast_on.map(|d| d.to_string()).unwrap_or_default(),
                line["forecast_on"],
                "{key:?} as at {day}"
            );
            if line["status"] != "complete" {
                assert_eq!(m.status, line["status"], "{key:?} as at {day}");
            }
            checked_lines += 1;
        }
    }
    assert!(checked_lines > 100, "only {checked_lines} lines checked");
}

/// Every versioned table keeps the version a change replaces or a delete
/// removes, in the same transaction, with the instant it was current until;
/// a claim (an update that changes nothing) keeps nothing; and a change
/// with no recorded instant is refused.
#[tokio::test]
async fn every_versioned_table_keeps_what_a_change_replaces() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
    let app = TestApp::seeded().await;
    let db = &app.db;
    let backend = db.get_database_backend();
    let count = async |sql: String| -> i64 {
        let row = db
            .query_one_raw(Statement::from_string(backend, sql))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    };
    // A change each table's rows can take.
    let changes = [
        ("organisations", "source = 'changed'"),
        ("participants", "wave = wave || '.'"),
        ("funding_caps", "source = 'changed'"),
        ("allocations", "local_match_pence = local_match_pence + 1"),
        ("allocation_profiles", "amount_pence = amount_pence + 1"),
        ("tranches", "name = name || '.'"),
        ("milestones", "title = title || '.'"),
        ("reporting_periods", "label = label || '.'"),
        ("returns", "narrative = 'changed'"),
        ("return_milestone_updates", "comment = 'changed'"),
        ("return_risks", "mitigation = 'changed'"),
        ("maturity_assessments", "source = 'changed'"),
    ];
    assert_eq!(
        changes.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
        gde::store::history::VERSIONED.to_vec(),
        "a change for every versioned table"
    );
    let stamp = datetime!(2030-01-01 12:00 UTC);
    let us = gde::clock::to_micros(stamp);
    for (table, set) in changes {
        let id = count(format!("SELECT CAST(MIN(id) AS BIGINT) FROM {table}")).await;
        let before = count(format!("SELECT recorded_from FROM {table} WHERE id = {id}")).await;
        assert!(before > 0 && before < us, "{table}: recorded at load");
        let kept = count(format!(
            "SELECT COUNT(*) FROM {table}_history WHERE id = {id}"
        ))
        .await;
        let txn = db.begin().await.unwrap();
        gde::store::history::stamp(&txn, stamp).await.unwrap();
        // A claim changes nothing and keeps nothing.
        txn.execute_unprepared(&format!("UPDATE {table} SET id = id WHERE id = {id}"))
            .await
            .unwrap();
        txn.execute_unprepared(&format!("UPDATE {table} SET {set} WHERE id = {id}"))
            .await
            .unwrap();
        txn.commit().await.unwrap();
        assert_eq!(
            count(format!(
                "SELECT COUNT(*) FROM {table}_history WHERE id = {id} \
                 AND recorded_from = {before} AND recorded_to = {us}"
            ))
            .await,
            1,
            "{table}: the replaced version is kept"
        );
        assert_eq!(
            count(format!(
                "SELECT COUNT(*) FROM {table}_history WHERE id = {id}"
            ))
            .await,
            kept + 1,
            "{table}: only the change is kept, not the claim"
        );
        assert_eq!(
            count(format!("SELECT recorded_from FROM {table} WHERE id = {id}")).await,
            us,
            "{table}: the new version is recorded at the stamp"
        );
    }
    // A delete keeps what it removes.
    let later = datetime!(2030-01-02 12:00 UTC);
    let txn = db.begin().await.unwrap();
    gde::store::history::stamp(&txn, later).await.unwrap();
    let risk = count("SELECT CAST(MAX(id) AS BIGINT) FROM return_risks".into()).await;
    txn.execute_unprepared(&format!("DELETE FROM return_risks WHERE id = {risk}"))
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        count(format!(
            "SELECT COUNT(*) FROM return_risks_history WHERE id = {risk} AND recorded_to = {}",
            gde::clock::to_micros(later)
        ))
        .await,
        1
    );
    // No stamp, no change (PostgreSQL: the setting is the transaction's
    // own; SQLite keeps the latest stamp, so clear it to see the refusal).
    let txn = db.begin().await.unwrap();
    if backend == DbBackend::Sqlite {
        txn.execute_unprepared("UPDATE history_clock SET now_us = NULL")
            .await
            .unwrap();
    }
    let refused = txn
        .execute_unprepared("UPDATE milestones SET title = title || '!' WHERE id = (SELECT MIN(id) FROM milestones)")
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("without a recorded instant"),
        "{refused}"
    );
}
