//! Charts, the dashboard and the briefing: every figure reconciles with the
//! records, a past date gives the same figures after later edits, and each
//! chart's SVG matches its reviewed snapshot.
use std::collections::HashMap;

use gde::reports::catalogue::{ChartData, ChartKind};
use gde::reports::{briefing, figures};
use gde::services::{By, snapshot};
use time::{Date, Duration, OffsetDateTime, macros::date};

use crate::support::{OFFICE, OFFICE2, READER, REPORTER, TestApp, pounds, seed_rows};

fn pence(pounds_text: &str) -> i64 {
    let (whole, frac) = pounds_text.split_once('.').unwrap_or((pounds_text, "0"));
    whole.parse::<i64>().unwrap() * 100 + format!("{frac:0<2}")[..2].parse::<i64>().unwrap()
}

fn date_of(text: &str) -> Date {
    Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .unwrap()
}

fn figure(b: &figures::Briefing, key: &str) -> String {
    b.figures
        .iter()
        .find(|f| f.key == key)
        .unwrap_or_else(|| panic!("{key}"))
        .value
        .to_string()
}

/// Sums computed here from the seed CSV files, not by the application.
fn independent_money(as_at: Date) -> (i64, i64) {
    let allocations = seed_rows("illustrative/allocations.csv");
    let awarded: HashMap<(String, String), i64> = allocations
        .iter()
        .filter(|a| date_of(&a["awarded_on"]) <= as_at)
        .map(|a| {
            (
                (a["ods_code"].clone(), a["reference"].clone()),
                pence(&a["central"]),
            )
        })
        .collect();
    let allocated = awarded.values().sum();
    let released = seed_rows("illustrative/tranches.csv")
        .iter()
        .filter(|t| {
            awarded.contains_key(&(t["ods_code"].clone(), t["allocation_reference"].clone()))
        })
        .filter(|t| !t["released_on"].is_empty() && date_of(&t["released_on"]) <= as_at)
        .map(|t| pence(&t["amount"]))
        .sum();
    (allocated, released)
}

#[tokio::test]
async fn headline_money_equals_sums_of_the_records_to_the_penny() {
    let app = TestApp::seeded().await;
    for as_at in [
        date!(2018 - 03 - 31),
        date!(2019 - 09 - 30),
        date!(2021 - 03 - 31),
    ] {
        let s = snapshot::as_at(&app.db, &By::Cli, as_at).await.unwrap();
        let b = figures::briefing(&s);
        let (allocated, released) = independent_money(as_at);
        assert_eq!(figure(&b, "allocated"), pounds(allocated), "{as_at}");
        assert_eq!(figure(&b, "released"), pounds(released), "{as_at}");
        assert_eq!(
            figure(&b, "remaining"),
            pounds(allocated - released),
            "{as_at}"
        );
        let designated = seed_rows("participants.csv")
            .iter()
            .filter(|p| {
                let d = &p["designated_on"];
                let d = if d.len() == 7 {
                    format!("{d}-01")
                } else {
                    d.clone()
                };
                date_of(&d) <= as_at
            })
            .count();
        assert_eq!(
            figure(&b, "participants"),
            designated.to_string(),
            "{as_at}"
        );
        // The CSV of the funding chart adds up to the same pence.
        let csv = ChartData::of(ChartKind::Funding, &s).csv();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let summed: i64 = reader
            .records()
            .map(|r| pence(r.unwrap().get(4).unwrap()))
            .sum();
        assert_eq!(summed, allocated, "{as_at}: chart table reconciles");
    }
}

#[tokio::test]
async fn a_past_date_gives_the_same_figures_after_later_edits() {
    let app = TestApp::seeded().await;
    let yesterday = OffsetDateTime::now_utc().date() - Duration::days(1);
    let before = snapshot::as_at(&app.db, &By::Cli, yesterday).await.unwrap();
    let figures_before = figures::briefing(&before).figures;
    let charts_before: Vec<String> = ChartKind::ALL
        .iter()
        .map(|k| ChartData::of(*k, &before).csv())
        .collect();

    // Today the office changes money and milestones.
    let office = app.sign_in(OFFICE).await;
    let office2 = app.sign_in(OFFICE2).await;
    let alloc = gde::entities::Allocations::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    use sea_orm::EntityTrait;
    let page = office
        .get(&format!("/allocations/{}/change", alloc.id))
        .await;
    assert_eq!(page.status, 200);
    let profile = gde::entities::AllocationProfiles::find()
        .all(&app.db)
        .await
        .unwrap();
    let mut fields: Vec<(String, String)> = vec![
        ("central".into(), "1000000".into()),
        ("local_match".into(), "1000000".into()),
        ("reason".into(), "Reduced after a scope review".into()),
    ];
    let first_year = profile
        .iter()
        .filter(|p| p.allocation_id == alloc.id)
        .map(|p| p.financial_year)
        .min()
        .unwrap();
    fields.push((format!("fy_{first_year}"), "1000000".into()));
    let committed: i64 = gde::entities::Tranches::find()
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .filter(|t| t.allocation_id == alloc.id)
        .map(|t| t.amount_pence)
        .sum();
    if committed <= 100_000_000 {
        let borrowed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            office
                .post(&format!("/allocations/{}/change", alloc.id), &borrowed)
                .await
                .status,
            303
        );
        let request = gde::entities::AllocationChangeRequests::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            office2
                .post(
                    &format!("/change-requests/allocation/{}", request.id),
                    &[("decision", "approve")]
                )
                .await
                .status,
            303
        );
    }
    let m = gde::entities::Milestones::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    if m.signed_off_on.is_none() {
        office
            .post(
                &format!("/milestones/{}/progress", m.id),
                &[
                    ("status", "at_risk"),
                    ("forecast_on", "2030-01-01"),
                    ("version", &m.version.to_string()),
                ],
            )
            .await;
    }
    let page = office
        .post(
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
    assert_eq!(page.status, 303);

    // Yesterday's briefing is unchanged; today's sees the edits.
    let after = snapshot::as_at(&app.db, &By::Cli, yesterday).await.unwrap();
    assert_eq!(figures::briefing(&after).figures, figures_before);
    let charts_after: Vec<String> = ChartKind::ALL
        .iter()
        .map(|k| ChartData::of(*k, &after).csv())
        .collect();
    assert_eq!(charts_after, charts_before);
    let today = snapshot::as_at(&app.db, &By::Cli, OffsetDateTime::now_utc().date())
        .await
        .unwrap();
    assert_eq!(today.participants.len(), before.participants.len() + 1);
}

/// Snapshots live in tests/snapshots as insta files; review a change with
/// `cargo insta review` (or rerun with `INSTA_UPDATE=always` and read the diff).
fn snapshots() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// Each chart's SVG and CSV for the seeded programme at a fixed date, and the
/// briefing's headline figures as HTML, against their reviewed snapshots.
#[tokio::test]
async fn charts_and_figures_match_their_snapshots() {
    let app = TestApp::seeded().await;
    let s = snapshot::as_at(&app.db, &By::Cli, date!(2021 - 03 - 31))
        .await
        .unwrap();
    let _guard = snapshots().bind_to_scope();
    for kind in ChartKind::ALL {
        let data = ChartData::of(*kind, &s);
        let svg = data
            .svg(&data.options(1200, 700, "As at 31 March 2021"))
            .unwrap();
        assert!(svg.contains("role=\"img\"") && svg.contains("<title") && svg.contains("<desc"));
        insta::assert_snapshot!(format!("{}.svg", kind.slug()), svg);
        insta::assert_snapshot!(format!("{}.csv", kind.slug()), data.csv());
    }
    let pack = briefing::assemble(&s).unwrap();
    insta::assert_snapshot!("figures.csv", briefing::figures_csv(&pack.briefing));
    let reader = app.sign_in(READER).await;
    let page = reader.get("/briefing?as_at=2021-03-31").await;
    insta::assert_snapshot!("briefing-figures.html", page.element("figures"));
}

#[tokio::test]
async fn the_dashboard_and_chart_downloads() {
    let app = TestApp::seeded().await;
    let reader = app.sign_in(READER).await;
    let page = reader.get("/dashboard").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body.matches("<h1").count(), 1);
    for kind in ChartKind::ALL {
        assert!(
            page.body.contains(&format!("id=\"table-{}\"", kind.slug())),
            "{}",
            kind.slug()
        );
        assert!(page.body.contains(&format!("/charts/{}.png", kind.slug())));
    }
    assert_eq!(
        page.body.matches("role=\"img\"").count(),
        ChartKind::ALL.len()
    );
    // Downloads at stable URLs, with ETags.
    let client = &reader.client;
    let url = format!(
        "{}/charts/milestone-burn-up.png?as_at=2021-03-31",
        app.address
    );
    let response = client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let again = client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let svg = reader
        .get("/charts/funding-by-participant.svg?role=fast_follower")
        .await;
    assert_eq!(svg.headers["content-type"], "image/svg+xml");
    assert!(svg.body.contains("role=\"img\""));
    let csv = reader.get("/charts/funding-by-year.csv").await;
    assert!(csv.body.starts_with("Financial year,Profiled,Released"));
    // Filters change the figures; bad input is explained.
    let all = reader.get("/dashboard").await;
    assert!(
        all.element("match-shortfall").contains("RLQ"),
        "local match shortfalls flagged"
    );
    let followers = reader.get("/dashboard?role=fast_follower").await;
    assert_ne!(
        all.text_of("figure-allocated"),
        followers.text_of("figure-allocated")
    );
    assert_eq!(reader.get("/dashboard?as_at=31/03/2021").await.status, 400);
    assert_eq!(reader.get("/dashboard?as_at=2999-01-01").await.status, 400);
    assert_eq!(reader.get("/charts/nothing.png").await.status, 404);
    // The briefing page, and a reporter kept to aggregates.
    let brief = reader.get("/briefing?as_at=2021-03-31").await;
    assert!(
        brief
            .body
            .contains("Programme briefing as at 31 March 2021")
    );
    let reporter = app.sign_in(REPORTER).await;
    assert_eq!(reporter.get("/dashboard").await.status, 403);
    assert_eq!(
        reporter.get("/charts/milestone-burn-up.png").await.status,
        403
    );
}

#[tokio::test]
async fn the_briefing_pack_is_written_in_full() {
    let app = TestApp::seeded().await;
    let s = snapshot::as_at(&app.db, &By::Cli, date!(2021 - 03 - 31))
        .await
        .unwrap();
    let pack = briefing::assemble(&s).unwrap();
    let dir = tempfile::tempdir().unwrap();
    struct Count(usize);
    impl briefing::Progress for Count {
        fn step(&mut self, done: usize, _: usize, _: &str) {
            self.0 = done;
        }
    }
    let mut count = Count(0);
    let written = briefing::write(&pack, dir.path(), &mut count).unwrap();
    assert_eq!(written.len(), 3 + 3 * ChartKind::ALL.len());
    assert_eq!(count.0, written.len(), "progress reported every file");
    let index = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    assert!(index.contains("GDE programme briefing as at 31 March 2021"));
    assert!(!index.contains("/static/app.css"), "self-contained");
    assert!(index.contains("<link rel=\"stylesheet\" href=\"style.css\">"));
    let css = std::fs::read_to_string(dir.path().join("style.css")).unwrap();
    assert!(
        css.contains(".nhsuk-table"),
        "the design system's styles travel with the pack"
    );
    let figures_csv = std::fs::read_to_string(dir.path().join("figures.csv")).unwrap();
    let (allocated, _) = independent_money(date!(2021 - 03 - 31));
    assert!(
        figures_csv.contains(&format!(
            "allocated,Central funding allocated,{}",
            pounds(allocated).trim_start_matches('£').replace(',', "")
        )),
        "{figures_csv}"
    );
    for kind in ChartKind::ALL {
        let png = std::fs::read(dir.path().join(format!("{}.png", kind.slug()))).unwrap();
        assert_eq!(&png[..4], b"\x89PNG");
    }
}

/// Every field of a CSV document, parsed as a spreadsheet would split it.
fn csv_fields(text: &str) -> Vec<String> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// A field that is text and a spreadsheet would run: the test's own reading
/// of the rule, not the application's.
fn runs_as_formula(field: &str) -> bool {
    if field.starts_with(['\t', '\r']) {
        return true;
    }
    let rest = field.trim_start_matches(|c: char| c.is_whitespace() || "£$€".contains(c));
    let numeric = rest.parse::<f64>().is_ok() && rest.len() == field.len();
    rest.starts_with(['=', '+', '-', '@']) && !numeric
}

#[tokio::test]
async fn csv_downloads_do_not_carry_spreadsheet_formulas() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    let names = [
        ("RJ1", "=HYPERLINK(\"http://evil.example\",\"Click\")"),
        ("RJ2", "-2+3+cmd|' /C calc'!A0"),
        ("RJ6", "£=HYPERLINK(\"http://evil.example\")"),
        ("RJ7", " \t@SUM(A1)"),
    ];
    for (code, name) in names {
        let page = office
            .post(
                "/participants",
                &[
                    ("ods_code", code),
                    ("organisation_name", name),
                    ("region_code", "Y56"),
                    ("role", "fast_follower"),
                    ("sector", "acute"),
                    ("wave", "Late"),
                    ("designated_on", "2017-09"),
                    ("status", "active"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "{name}: {}", page.body);
    }
    let csv = office.get("/charts/funding-by-participant.csv").await;
    assert!(csv.body.contains("'=HYPERLINK"), "{}", csv.body);
    assert!(!csv.body.contains(",=HYPERLINK"));
    let fields = csv_fields(&csv.body);
    assert!(
        fields.contains(&"'-2+3+cmd|' /C calc'!A0".to_owned()),
        "{fields:?}"
    );
    assert!(
        fields.iter().any(|f| f.starts_with("'£=HYPERLINK")),
        "{fields:?}"
    );
    // Every chart's CSV: no field runs, and the numbers stay numbers.
    for kind in ChartKind::ALL {
        let csv = office.get(&format!("/charts/{}.csv", kind.slug())).await;
        assert_eq!(csv.status, 200);
        for field in csv_fields(&csv.body) {
            assert!(!runs_as_formula(&field), "{}: {field:?}", kind.slug());
        }
    }
    // Negative slippage (finished early) is still a number a spreadsheet adds up.
    let s = snapshot::as_at(&app.db, &By::Cli, OffsetDateTime::now_utc().date())
        .await
        .unwrap();
    let slippage = ChartData::of(ChartKind::Slippage, &s).csv();
    let mut reader = csv::Reader::from_reader(slippage.as_bytes());
    for record in reader.records() {
        let days = record.unwrap().get(2).unwrap().to_owned();
        assert!(days.parse::<i64>().is_ok(), "{days:?}");
    }
    // The pack's figures.csv: keys and labels safe, values numeric.
    let pack = briefing::assemble(&s).unwrap();
    let figures_csv = briefing::figures_csv(&pack.briefing);
    let mut reader = csv::Reader::from_reader(figures_csv.as_bytes());
    for record in reader.records() {
        let record = record.unwrap();
        assert!(record.iter().all(|f| !runs_as_formula(f)), "{record:?}");
        if record.get(0) != Some("as_at") {
            assert!(record.get(2).unwrap().parse::<f64>().is_ok(), "{record:?}");
        }
    }
    // The page shows the name as text, escaped.
    let page = office.get("/participants/RJ1").await;
    assert!(
        page.body
            .contains("=HYPERLINK(&quot;http://evil.example&quot;")
    );
}

/// The Illustrative label travels with every figure built on invented
/// records, into the images, the CSV files and the headline sentences; a
/// programme with no illustrative records shows none.
#[tokio::test]
async fn the_illustrative_label_travels_with_the_figures_and_only_with_them() {
    use gde::seed::{SeedOptions, SeedSet};
    let as_at = date!(2021 - 03 - 31);
    let pack_of = |s: gde::domain::snapshot::Snapshot| briefing::assemble(&s).unwrap();

    let app = TestApp::seeded().await;
    let pack = pack_of(snapshot::as_at(&app.db, &By::Cli, as_at).await.unwrap());
    for (data, svg) in &pack.charts {
        assert!(data.illustrative, "{:?}", data.kind);
        assert!(
            svg.contains("Illustrative: invented"),
            "{:?} image",
            data.kind
        );
        let csv = data.csv();
        let header = csv.lines().next().unwrap();
        assert!(header.ends_with(",Provenance"), "{header}");
        assert!(csv.lines().skip(1).all(|l| l.ends_with(",Illustrative")));
    }
    let figures_csv = briefing::figures_csv(&pack.briefing);
    assert!(figures_csv.starts_with("key,figure,value,provenance"));
    assert!(figures_csv.contains("allocated,Central funding allocated,"));
    assert!(
        figures_csv
            .lines()
            .find(|l| l.starts_with("participants,"))
            .unwrap()
            .ends_with(',')
    );
    let money_sentence = &pack.briefing.sentences[1];
    assert!(
        money_sentence.starts_with("Illustrative figures: "),
        "{money_sentence}"
    );
    assert!(!pack.briefing.sentences[0].starts_with("Illustrative"));
    let index = briefing::index_html(&pack);
    assert!(index.contains("id=\"illustrative-note\""));

    // The confirmed facts alone: no label anywhere.
    let confirmed = crate::support::fresh_db().await;
    gde::seed::load(
        &confirmed.db,
        &SeedSet::embedded(),
        SeedOptions {
            include_illustrative: false,
        },
    )
    .await
    .unwrap();
    let pack = pack_of(
        snapshot::as_at(&confirmed.db, &By::Cli, as_at)
            .await
            .unwrap(),
    );
    for (data, svg) in &pack.charts {
        assert!(!data.illustrative, "{:?}", data.kind);
        assert!(!svg.contains("Illustrative"), "{:?}", data.kind);
        assert!(!data.csv().contains("Provenance"));
    }
    assert!(!briefing::figures_csv(&pack.briefing).contains("provenance"));
    assert!(
        pack.briefing
            .sentences
            .iter()
            .all(|s| !s.contains("Illustrative"))
    );
    assert!(!briefing::index_html(&pack).contains("Illustrative"));
}

#[tokio::test]
async fn invented_milestones_and_returns_are_tagged_on_their_pages() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    // Every page of the list (200 rows a page).
    let mut tagged = 0;
    for n in 1..=2 {
        let list = office.get(&format!("/milestones?size=200&page={n}")).await;
        assert_eq!(list.status, 200);
        assert!(list.body.contains("class=\"illustrative-note\""));
        tagged += list
            .body
            .matches("tag--grey\">Illustrative</strong>")
            .count();
    }
    assert_eq!(tagged, seed_rows("illustrative/milestones.csv").len());
    let page = office.get("/returns/2020-21-q3/RAL").await;
    assert_eq!(page.status, 200);
    assert!(page.element("provenance").contains("Illustrative"));
}
