//! Spreadsheet interchange of the programme's set-up: participants (with
//! their pairings), partner organisations and partnerships. Each round-trips
//! unchanged; an edited file creates and updates as the forms do, with one
//! audit event per changed record tagged with the import; bad rows are all
//! listed and nothing is written; trust reporters cannot import them; the
//! list pages offer their filtered rows as CSV.
use gde::services::By;
use gde::services::interchange::{self, ExportFilter, ImportOutcome, Kind, Source};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::support::{OFFICE, READER, REPORTER, TestApp};

async fn import(db: &DatabaseConnection, kind: Kind, bytes: &[u8], dry_run: bool) -> ImportOutcome {
    interchange::import(
        db,
        &By::Cli,
        kind,
        Source {
            reader: bytes,
            file_name: "setup.csv",
            rating_scale: Default::default(),
        },
        dry_run,
        &mut |_| {},
    )
    .await
    .expect("import runs")
}

async fn export(db: &DatabaseConnection, kind: Kind) -> String {
    interchange::export_string(db, &By::Cli, kind, &ExportFilter::default())
        .await
        .expect("export runs")
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0)
        .unwrap_or_else(|_| row.try_get_by_index::<i32>(0).unwrap().into())
}

/// Everything these imports could touch, summed up: any write changes it.
async fn fingerprint(db: &DatabaseConnection) -> Vec<i64> {
    let mut all = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM organisations",
        "SELECT COALESCE(SUM(version), 0) FROM organisations",
        "SELECT COUNT(*) FROM participants",
        "SELECT COALESCE(SUM(version), 0) FROM participants",
        "SELECT COUNT(*) FROM pairings",
        "SELECT COALESCE(SUM(exemplar_id), 0) FROM pairings",
        "SELECT COUNT(*) FROM partnerships",
        "SELECT COUNT(*) FROM audit_events",
    ] {
        all.push(count(db, sql).await);
    }
    all
}

fn problems(outcome: &ImportOutcome) -> Vec<String> {
    outcome
        .problems
        .listed
        .iter()
        .map(|p| p.to_string())
        .collect()
}

#[tokio::test]
async fn participants_partners_and_partnerships_round_trip_unchanged() {
    let app = TestApp::seeded().await;
    for kind in [Kind::Participants, Kind::Partners, Kind::Partnerships] {
        let first = export(&app.db, kind).await;
        assert!(first.lines().count() > 5, "{kind:?}: {first}");
        assert_eq!(
            first.lines().next().unwrap(),
            kind.headers().join(","),
            "{kind:?}: the import's headers"
        );
        let before = fingerprint(&app.db).await;
        let outcome = import(&app.db, kind, first.as_bytes(), false).await;
        assert!(
            outcome.problems.is_empty(),
            "{kind:?}: {:?}",
            problems(&outcome)
        );
        assert_eq!((outcome.created, outcome.updated), (0, 0), "{kind:?}");
        assert!(outcome.unchanged > 5, "{kind:?}");
        assert_eq!(
            fingerprint(&app.db).await,
            before,
            "{kind:?}: nothing written"
        );
        assert_eq!(export(&app.db, kind).await, first, "{kind:?}: export again");
    }
    // Month-only dates and pairings come out as the forms take them.
    let participants = export(&app.db, Kind::Participants).await;
    assert!(
        participants.contains(
            "RAL,Royal Free London NHS Foundation Trust,Y56,global_digital_exemplar,acute,Acute wave 1,2016-09,,active,,"
        ),
        "{participants}"
    );
    assert!(
        participants.contains(",fast_follower,acute,Acute fast follower,2017-09,,active,RM3,"),
        "{participants}"
    );
}

#[tokio::test]
async fn an_edited_participants_file_designates_updates_and_pairs_then_is_idempotent() {
    let app = TestApp::seeded().await;
    let exported = export(&app.db, Kind::Participants).await;
    let mut file: String = exported
        .lines()
        .map(|l| {
            let l = if l.starts_with("RAL,") {
                l.replace(",Acute wave 1,", ",Acute wave 1 (2016),")
            } else {
                l.to_owned()
            };
            l + "\r\n"
        })
        .collect();
    assert_ne!(file.replace("\r\n", "\n"), exported);
    // A trust not on record yet, paired with an exemplar, dates day first.
    file.push_str(
        "RJ1,Guy's and St Thomas' NHS Foundation Trust,Y56,fast_follower,acute,\
         Acute fast follower,30/09/2017,,active,RAL,\r\n",
    );
    let before = fingerprint(&app.db).await;
    let dry = import(&app.db, Kind::Participants, file.as_bytes(), true).await;
    assert!(dry.problems.is_empty(), "{:?}", problems(&dry));
    assert_eq!((dry.created, dry.updated), (1, 1));
    assert_eq!(
        fingerprint(&app.db).await,
        before,
        "a dry run writes nothing"
    );

    let done = import(&app.db, Kind::Participants, file.as_bytes(), false).await;
    assert!(done.written(), "{:?}", problems(&done));
    assert_eq!((done.created, done.updated), (1, 1));
    let after = fingerprint(&app.db).await;
    assert_eq!(after[0], before[0] + 1, "the new trust's organisation");
    assert_eq!(after[2], before[2] + 1, "the new participant");
    assert_eq!(after[4], before[4] + 1, "its pairing");
    // organisation.create, participant.create, pairing.set, participant.update
    assert_eq!(
        after[7],
        before[7] + 4,
        "one audit event per changed record"
    );
    let tagged = count(
        &app.db,
        &format!(
            "SELECT COUNT(*) FROM audit_events WHERE reason LIKE '%Spreadsheet import {}%'",
            done.import_id
        ),
    )
    .await;
    assert_eq!(tagged, 4, "each event names the import");
    let now = export(&app.db, Kind::Participants).await;
    assert!(
        now.contains(
            "RJ1,Guy's and St Thomas' NHS Foundation Trust,Y56,fast_follower,acute,\
             Acute fast follower,2017-09-30,,active,RAL,1"
        ),
        "{now}"
    );
    assert!(
        now.contains(",Acute wave 1 (2016),2016-09,,active,,2"),
        "{now}"
    );

    // The same file again changes nothing.
    let again = import(&app.db, Kind::Participants, file.as_bytes(), false).await;
    assert!(again.problems.is_empty(), "{:?}", problems(&again));
    assert_eq!((again.created, again.updated), (0, 0));
    assert_eq!(fingerprint(&app.db).await, after);

    // The export taken before is stale for RAL: a conflict, nothing written.
    let stale = import(&app.db, Kind::Participants, exported.as_bytes(), false).await;
    assert_eq!(stale.problems.total, 1, "{:?}", problems(&stale));
    assert!(
        problems(&stale)[0].contains(
            "column version (K), \"1\": conflict: RAL has changed since it was exported (version 1, now 2)"
        ),
        "{:?}",
        problems(&stale)
    );
    assert_eq!(fingerprint(&app.db).await, after);
}

#[tokio::test]
async fn bad_participant_rows_are_all_listed_and_nothing_is_written() {
    let app = TestApp::seeded().await;
    let header = Kind::Participants.headers().join(",");
    let file = format!(
        "{header}\n\
         RJ1,Guy's and St Thomas' NHS Foundation Trust,Y56,fast_follower,acute,Acute fast follower,2017-09,,active,RZZ9,\n\
         RJ1,Guy's and St Thomas' NHS Foundation Trust,Y56,fast_follower,acute,Acute fast follower,2017-09,,active,,\n\
         RAL,,,exemplar,acute,Acute wave 1,2016-09,,active,,\n\
         RAL2,,,global_digital_exemplar,acute,Wave,2016-09,,active,,\n\
         RAL,Royal Free London NHS Foundation Trust,Y56,global_digital_exemplar,acute,Acute wave 1,2016-09,,withdrawn,,7\n\
         RW6,,,fast_follower,acute,Acute fast follower,2017-09,,active,RW6,\n\
         =RAL,,,global_digital_exemplar,acute,Acute wave 1,Sept 2016,,active,,\n\
         RAL3,A Trust,Y56,global_digital_exemplar,acute,Wave,2016-09,,accredited,,\n"
    );
    let before = fingerprint(&app.db).await;
    let outcome = import(&app.db, Kind::Participants, file.as_bytes(), false).await;
    let listed = problems(&outcome);
    let expect = [
        "line 2, column exemplar_ods_code (J), \"RZZ9\": RZZ9 is not a participant",
        "line 3, column ods_code (A), \"RJ1\": RJ1 is also on line 2",
        "line 4, column role (D), \"exemplar\"",
        "line 5, column organisation_name (B), \"\": RAL2 is not on record yet; enter the trust's name",
        "line 5, column region_code (C), \"\": RAL2 is not on record yet",
        "line 6, column version (K), \"7\": conflict: RAL has changed since it was exported (version 7, now 1)",
        "line 7, column exemplar_ods_code (J), \"RW6\": RW6 is not a global digital exemplar",
        "line 8, column ods_code (A), \"=RAL\": starts like a spreadsheet formula",
        "line 8, column designated_on (G), \"Sept 2016\"",
        "line 9, column accredited_on (H), \"\": Enter the accreditation date of an accredited participant",
    ];
    for e in expect {
        assert!(
            listed.iter().any(|p| p.starts_with(e) || p.contains(e)),
            "missing {e:?} in {listed:#?}"
        );
    }
    assert_eq!(outcome.problems.total as usize, expect.len(), "{listed:#?}");
    assert!(!outcome.written());
    assert!(outcome.rows.is_empty());
    assert_eq!(fingerprint(&app.db).await, before, "nothing written");
}

#[tokio::test]
async fn bad_partner_and_partnership_rows_are_all_listed_and_nothing_is_written() {
    let app = TestApp::seeded().await;
    let partners = format!(
        "{}\n\
         Mayo Clinic,healthcare_provider,US,\n\
         mayo  clinic,healthcare_provider,US,\n\
         Some Trust,nhs_trust,GB,\n\
         Cerner,university,US,\n\
         Epic Systems,university,US,9\n\
         Royal Free London NHS Foundation Trust,healthcare_provider,GB,\n\
         Nowhere,supplier,USA,\n",
        Kind::Partners.headers().join(",")
    );
    let before = fingerprint(&app.db).await;
    let outcome = import(&app.db, Kind::Partners, partners.as_bytes(), false).await;
    let listed = problems(&outcome);
    for e in [
        "line 3, column name (A), \"mayo  clinic\": ",
        "line 4, column kind (B), \"nhs_trust\": NHS trusts are added as participants",
        "line 5, column kind (B), \"university\": Cerner (US) already exists and an import does not change it",
        "line 6, column version (D), \"9\": conflict: Epic Systems (US) has changed since it was exported",
        "line 7, column name (A), \"Royal Free London NHS Foundation Trust\": Royal Free London NHS Foundation Trust (RAL) is already on record",
        "line 8, column country_code (C), \"USA\"",
    ] {
        assert!(
            listed.iter().any(|p| p.starts_with(e)),
            "missing {e:?} in {listed:#?}"
        );
    }
    assert_eq!(outcome.problems.total, 6, "{listed:#?}");
    assert_eq!(fingerprint(&app.db).await, before, "nothing written");

    let partnerships = format!(
        "{}\n\
         RAL,Epic Systems,US,epr_supplier,2017-04,,,\n\
         RAL,epic systems,US,epr_supplier,2017-04,,,\n\
         RXX9,Epic Systems,US,epr_supplier,,,,\n\
         RAL,Mayo Clinic,US,international_partner,,,,\n\
         RAL,Cerner,US,supplier,,,,\n\
         RAL,Cerner,US,epr_supplier,,,,5\n\
         RAL,Allscripts,US,epr_supplier,2019-01,2018-12,,\n",
        Kind::Partnerships.headers().join(",")
    );
    let outcome = import(&app.db, Kind::Partnerships, partnerships.as_bytes(), false).await;
    let listed = problems(&outcome);
    for e in [
        "line 3, column partner_name (B), \"epic systems\": RAL epic systems (US) epr_supplier is also on line 2",
        "line 4, column ods_code (A), \"RXX9\": no organisation has the ODS code RXX9",
        "line 5, column partner_name (B), \"Mayo Clinic\": no partner organisation is called Mayo Clinic in US",
        "line 6, column role (D), \"supplier\"",
        "line 7, column version (H), \"5\": conflict: RAL Cerner (US) epr_supplier has changed since it was exported",
        "line 8, column ended_on (F), \"2018-12\": the end date cannot be before the start date",
    ] {
        assert!(
            listed.iter().any(|p| p.starts_with(e)),
            "missing {e:?} in {listed:#?}"
        );
    }
    assert_eq!(outcome.problems.total, 6, "{listed:#?}");
    assert_eq!(fingerprint(&app.db).await, before, "nothing written");

    // The good rows alone: a partner, then its link; then the same again.
    let good = import(
        &app.db,
        Kind::Partners,
        format!(
            "{}\nMayo Clinic,healthcare_provider,US,\n",
            Kind::Partners.headers().join(",")
        )
        .as_bytes(),
        false,
    )
    .await;
    assert_eq!(
        (good.created, good.unchanged),
        (1, 0),
        "{:?}",
        problems(&good)
    );
    let link = format!(
        "{}\nRAL,Mayo Clinic,US,international_partner,01/04/2017,,\"Clinical practice, shared\",\n",
        Kind::Partnerships.headers().join(",")
    );
    let good = import(&app.db, Kind::Partnerships, link.as_bytes(), false).await;
    assert_eq!(
        (good.created, good.unchanged),
        (1, 0),
        "{:?}",
        problems(&good)
    );
    let again = import(&app.db, Kind::Partnerships, link.as_bytes(), false).await;
    assert_eq!(
        (again.created, again.unchanged),
        (0, 1),
        "{:?}",
        problems(&again)
    );
    let after = fingerprint(&app.db).await;
    assert_eq!(after[6], before[6] + 1);
    assert_eq!(
        after[7],
        before[7] + 2,
        "partner.create and partnership.create"
    );
    assert!(export(&app.db, Kind::Partnerships).await.contains(
        "RAL,Mayo Clinic,US,international_partner,2017-04-01,,\"Clinical practice, shared\",1"
    ));
}

#[tokio::test]
async fn trust_reporters_cannot_import_the_programme_set_up() {
    let app = TestApp::seeded().await;
    let reporter = app.sign_in(REPORTER).await;
    let reader = app.sign_in(READER).await;
    for kind in ["participants", "partners", "partnerships"] {
        assert_eq!(reporter.get(&format!("/import/{kind}")).await.status, 403);
        assert_eq!(reader.get(&format!("/import/{kind}")).await.status, 403);
    }
    let file = export(&app.db, Kind::Participants).await;
    let actor = gde::domain::access::Actor {
        user_id: 2,
        email: REPORTER.into(),
        role: gde::domain::access::UserRole::TrustReporter,
        organisation_id: Some(1),
    };
    let before = fingerprint(&app.db).await;
    for kind in [Kind::Participants, Kind::Partners, Kind::Partnerships] {
        let refused = interchange::import(
            &app.db,
            &By::User(actor.clone()),
            kind,
            Source {
                reader: file.as_bytes(),
                file_name: "x.csv",
                rating_scale: Default::default(),
            },
            false,
            &mut |_| {},
        )
        .await;
        assert!(
            matches!(refused, Err(gde::services::ServiceError::Access(_))),
            "{kind:?}"
        );
    }
    assert_eq!(fingerprint(&app.db).await, before);
    // Their download holds their own trust only.
    let csv = reporter.get("/export/participants").await;
    assert_eq!(csv.status, 200);
    let rows: Vec<&str> = csv.body.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{}", csv.body);
    assert!(rows[0].starts_with("RAL,"), "{}", csv.body);
}

#[tokio::test]
async fn the_list_pages_offer_their_filtered_rows_as_csv() {
    let app = TestApp::seeded().await;
    let office = app.sign_in(OFFICE).await;
    // The import page lists the kinds and documents each one's columns.
    let kinds = office.get("/import").await.text_of("kinds");
    for title in ["Participants", "Partner organisations", "Partnerships"] {
        assert!(kinds.contains(title), "{kinds}");
    }
    for (kind, column) in [
        ("participants", "exemplar_ods_code"),
        ("partners", "country_code"),
        ("partnerships", "partner_country_code"),
    ] {
        let page = office.get(&format!("/import/{kind}")).await;
        assert_eq!(page.status, 200);
        assert!(page.text_of("columns").contains(column), "{kind}");
    }
    let page = office
        .get("/participants?role=fast_follower&sector=acute&sort=ods&dir=desc&page=1&size=25")
        .await;
    assert_eq!(page.status, 200);
    let links = page.element("participant-downloads");
    assert!(
        links.contains("href=\"/export/participants?role=fast_follower&amp;sector=acute\""),
        "the filters, not the paging or the sort: {links}"
    );
    let csv = office
        .get("/export/participants?role=fast_follower&sector=acute")
        .await;
    assert_eq!(
        csv.headers["content-disposition"],
        "attachment; filename=\"participants.csv\""
    );
    let rows: Vec<&str> = csv.body.lines().skip(1).collect();
    assert!(rows.len() > 3, "{}", csv.body);
    assert!(
        rows.iter().all(|r| r.contains(",fast_follower,acute,")),
        "{rows:?}"
    );
    let all = office.get("/export/participants").await;
    assert!(all.body.lines().count() > csv.body.lines().count());
    assert!(
        all.body.contains(",global_digital_exemplar,"),
        "without the filter, every participant"
    );
    assert_eq!(
        office.get("/export/participants?role=leader").await.status,
        400
    );

    let page = office.get("/partners").await;
    let links = page.element("partner-downloads");
    assert!(links.contains("href=\"/export/partners\""), "{links}");
    assert!(links.contains("href=\"/export/partnerships\""), "{links}");
    let csv = office.get("/export/partners").await;
    assert!(csv.body.contains("\nCerner,supplier,US,"), "{}", csv.body);

    let page = office.get("/returns").await;
    let links = page.element("return-downloads");
    let href = links
        .split("href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    assert!(href.starts_with("/export/return-lines?period="), "{links}");
    let csv = office.get(&href).await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    let mut lines = csv.body.lines();
    assert_eq!(
        lines.next(),
        Some(Kind::ReturnLines.headers().join(",").as_str())
    );
    let period = href.split('=').nth(1).unwrap().to_owned();
    let rows: Vec<&str> = lines.collect();
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|r| r.starts_with(&format!("{period},"))),
        "one period: {rows:?}"
    );
    assert!(
        rows.iter().any(|r| r.contains(",RAL,")) && rows.iter().any(|r| !r.contains(",RAL,")),
        "every trust's return: {rows:?}"
    );
    // A trust reporter's holds their own return only.
    let reporter = app.sign_in(REPORTER).await;
    let own = reporter.get(&href).await;
    assert_eq!(own.status, 200);
    assert!(
        own.body.lines().skip(1).all(|r| r.contains(",RAL,")),
        "{}",
        own.body
    );
}

#[tokio::test]
async fn the_command_line_exports_and_imports_the_set_up() {
    let app = TestApp::seeded().await;
    let dir = tempfile::tempdir().unwrap();
    for kind in ["participants", "partners", "partnerships"] {
        let file = dir.path().join(format!("{kind}.csv"));
        let gde = |args: &[&str]| {
            std::process::Command::new(env!("CARGO_BIN_EXE_gde"))
                .args(args)
                .env("DATABASE_URL", &app.url)
                .env("RUST_LOG", "error")
                .env_remove("GDE_DB_MAX_CONNECTIONS")
                .stdin(std::process::Stdio::null())
                .output()
                .unwrap()
        };
        let out = gde(&["export", kind, "--out", file.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = gde(&["import", kind, file.to_str().unwrap(), "--dry-run"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{kind}: {stdout}");
        assert!(
            stdout.contains("Dry run, nothing written: would create 0, would update 0"),
            "{kind}: {stdout}"
        );
        let template = gde(&["export", kind, "--template"]);
        let template = String::from_utf8_lossy(&template.stdout);
        let mut lines = template.lines();
        assert_eq!(lines.next(), Some(file_header(&file).as_str()), "{kind}");
        assert_eq!(lines.count(), 1, "{kind}: one example row");
    }
}

fn file_header(file: &std::path::Path) -> String {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_participant_and_partner_templates_pass_every_check_on_the_seed() {
    let app = TestApp::seeded().await;
    // (The partnership template's example, RAL with Intermountain from 2017-04,
    // differs from the seed's undated link, so there it is refused as a change.)
    for kind in [Kind::Partners, Kind::Participants] {
        let outcome = import(&app.db, kind, kind.template().as_bytes(), true).await;
        assert!(
            outcome.problems.is_empty(),
            "{kind:?}: {:?}",
            problems(&outcome)
        );
    }
}
