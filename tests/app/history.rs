//! History on participant, milestone and return pages: what changed, in
//! words; who acted by role and organisation; names and e-mail addresses
//! only for the programme office.
use gde::entities::{
    Milestones, Organisations, Participants, milestone, organisation, participant,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::support::{Browser, OFFICE, OFFICE2, Page, READER, REPORTER, REPORTER_ORG, TestApp};

async fn first_open_milestone(app: &TestApp) -> milestone::Model {
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
    Milestones::find()
        .filter(milestone::Column::ParticipantId.eq(p.id))
        .filter(milestone::Column::Status.is_not_in(["complete", "cancelled"]))
        .order_by_asc(milestone::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("an open milestone in the seed")
}

/// The value of a hidden field on a page, if the form has one.
fn hidden(page: &Page, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" type=\"hidden\" value=\"");
    let alt = format!("type=\"hidden\" name=\"{name}\" value=\"");
    let start = page
        .body
        .find(&marker)
        .map(|i| i + marker.len())
        .or_else(|| page.body.find(&alt).map(|i| i + alt.len()))?;
    let end = page.body[start..].find('"')?;
    Some(page.body[start..start + end].to_owned())
}

/// The office moves a forecast; the reporter submits a return; every page
/// with a history now holds events by both.
async fn a_programme_with_history(app: &TestApp) -> (Browser, String, String) {
    let office = app.sign_in(OFFICE).await;
    let m = first_open_milestone(app).await;
    let page = office
        .post(
            &format!("/milestones/{}/progress", m.id),
            &[
                ("forecast_on", "2027-06-30"),
                ("status", "at_risk"),
                ("version", &m.version.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);

    let page = office
        .post(
            "/periods",
            &[
                ("frequency", "quarterly"),
                ("year", "2026"),
                ("number", "2"),
                ("due_on", "2026-10-30"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let period = gde::entities::ReportingPeriods::find()
        .filter(gde::entities::reporting_period::Column::Label.eq("2026/27 Q2"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    assert!(period > 0);
    let return_path = format!("/returns/2026-27-q2/{REPORTER_ORG}");
    let reporter = app.sign_in(REPORTER).await;
    let form = reporter.get(&return_path).await;
    let mut fields: Vec<(String, String)> = vec![
        ("action".into(), "save".into()),
        ("narrative".into(), "Half written".into()),
    ];
    if let Some(version) = hidden(&form, "version") {
        fields.push(("version".into(), version));
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let page = reporter.post(&return_path, &pairs).await;
    assert_eq!(page.status, 303, "{}", page.body);
    (office, format!("/milestones/{}", m.id), return_path)
}

fn pages(milestone: &str, ret: &str) -> [String; 3] {
    [
        format!("/participants/{REPORTER_ORG}"),
        milestone.to_owned(),
        ret.to_owned(),
    ]
}

#[tokio::test]
async fn readers_and_reporters_see_roles_never_people() {
    let app = TestApp::seeded().await;
    let (_, milestone, ret) = a_programme_with_history(&app).await;
    for (who, own_name) in [
        (READER, "Test briefing-reader"),
        (REPORTER, "Test trust-reporter"),
    ] {
        let browser = app.sign_in(who).await;
        for path in pages(&milestone, &ret) {
            let page = browser.get(&path).await;
            assert_eq!(page.status, 200, "{who} {path}");
            let history = page.element("audit-events");
            if path != ret {
                assert!(
                    history.contains("Programme office"),
                    "{who} {path}: {history}"
                );
            }
            // No address at all, and no one's name but the reader's own in the header.
            assert!(
                !page.body.contains("example.org"),
                "{who} {path}: {history}"
            );
            assert!(!history.contains('@'), "{history}");
            let body = page.body.replace(own_name, "");
            for name in [
                "Test programme-office",
                "Test trust-reporter",
                "Test briefing-reader",
            ] {
                assert!(!body.contains(name), "{who} {path} shows {name}");
            }
            // Never raw JSON, and staff accounts are not part of a record's history.
            assert!(!history.contains("{&quot;"), "{history}");
            assert!(!history.contains("Account created"), "{history}");
        }
        // The reporter's own action reads by role and organisation.
        let page = browser.get(&ret).await;
        assert!(
            page.element("audit-events")
                .contains(&format!("Trust reporter, {REPORTER_ORG}")),
            "{}",
            page.element("audit-events")
        );
    }
}

#[tokio::test]
async fn the_programme_office_sees_who_by_name() {
    let app = TestApp::seeded().await;
    let (office, milestone, ret) = a_programme_with_history(&app).await;
    let page = office.get(&milestone).await;
    let history = page.element("audit-events");
    assert!(
        history.contains(OFFICE) && history.contains("Test programme-office"),
        "{history}"
    );
    let page = office.get(&ret).await;
    let history = page.element("audit-events");
    assert!(
        history.contains(REPORTER) && history.contains("Test trust-reporter"),
        "{history}"
    );
    let other = app.sign_in(OFFICE2).await;
    let page = other.get(&format!("/participants/{REPORTER_ORG}")).await;
    assert!(page.element("audit-events").contains(OFFICE));
}

#[tokio::test]
async fn a_forecast_change_reads_in_words() {
    let app = TestApp::seeded().await;
    let m = first_open_milestone(&app).await;
    let (_, milestone, ret) = a_programme_with_history(&app).await;
    let reader = app.sign_in(READER).await;
    let page = reader.get(&milestone).await;
    let history = page.element("audit-events");
    let expected = match m.forecast_on {
        Some(old) => format!(
            "Forecast moved from {} {} {} to 30 June 2027",
            old.day(),
            old.month(),
            old.year()
        ),
        None => "Forecast set to 30 June 2027".to_owned(),
    };
    assert!(history.contains("Progress updated"), "{history}");
    assert!(history.contains(&expected), "{history}");
    let page = reader.get(&ret).await;
    assert!(
        page.element("audit-events")
            .contains("Return saved as a draft"),
        "{}",
        page.element("audit-events")
    );
    // The milestone's history as a reader sees it, with the moment and the
    // record's id redacted.
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.add_filter(r#"datetime="[^"]+""#, r#"datetime="[when]""#);
    settings.add_filter(r">\d{1,2} \w+ \d{4} \d{2}:\d{2} UTC<", ">[when]<");
    settings.add_filter(r"milestone \d+", "milestone [id]");
    settings.bind(|| insta::assert_snapshot!("milestone-history-as-reader.html", history));
}
