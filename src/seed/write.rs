//! Writing a checked seed in one transaction, skipping rows whose natural key
//! already exists, and recording what was added in the audit trail.
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use sea_orm::{
    ActiveModelTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, Set,
    TransactionTrait, Value,
};
use time::{Date, OffsetDateTime};

use crate::domain::reporting::ReturnStatus;

use super::bulk::Insert;
use super::records::Origin;
use super::validate::Seed;
use super::{LoadError, SeedError, SeedSet};
use crate::domain::funding::{
    CapGroup, CapTable, FundingCap, check_allocation, check_group_allocation,
};
use crate::domain::money::Pence;
use crate::domain::names::NameKey;
use crate::domain::participant::{OrganisationKind, Role, Sector};
use crate::entities::{self as e, *};
use crate::store::audit::{self, AuditEntry};

/// How many rows of each kind were added, and how many were already there.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub counts: BTreeMap<&'static str, (usize, usize)>,
}

impl SeedReport {
    fn added(&mut self, what: &'static str) {
        self.counts.entry(what).or_default().0 += 1;
    }
    fn present(&mut self, what: &'static str) {
        self.counts.entry(what).or_default().1 += 1;
    }
    pub fn total_added(&self) -> usize {
        self.counts.values().map(|(added, _)| added).sum()
    }
}

impl fmt::Display for SeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Seed data: {} rows added", self.total_added())?;
        for (what, (added, present)) in &self.counts {
            write!(f, "; {what} {added} added, {present} already present")?;
        }
        Ok(())
    }
}

/// Names the lock that serialises seed loads on one PostgreSQL database.
const SEED_LOCK_KEY: i64 = 0x6764_655f_7365_6564;

/// Begins the seed's one transaction, after any other load in progress has
/// finished (which it then finds present): `BEGIN IMMEDIATE` on SQLite, a
/// transaction-scoped advisory lock on PostgreSQL.
async fn begin_alone(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    use sea_orm::{ConnectionTrait, DbBackend, SqliteTransactionMode, TransactionOptions};
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
        }
        _ => {
            let txn = db.begin().await?;
            txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({SEED_LOCK_KEY})"))
                .await?;
            Ok(txn)
        }
    }
}

pub async fn write(
    db: &DatabaseConnection,
    set: &SeedSet,
    seed: &Seed,
) -> Result<SeedReport, LoadError> {
    let txn = begin_alone(db).await?;
    let report = write_in(&txn, set, seed).await?;
    if report.total_added() > 0 {
        crate::store::history::stamp(&txn, crate::clock::now()).await?;
        let after = serde_json::json!(
            report
                .counts
                .iter()
                .map(|(k, (added, _))| (k.to_string(), *added))
                .collect::<BTreeMap<_, _>>()
        );
        audit::record(
            &txn,
            AuditEntry::system("seed", "seed.load", "seed", "programme")
                .after(after)
                .reason("programme seed data loaded"),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(report)
}

/// A unique index refused a row: the file, line and column that asked for it
/// (another writer added the same name or code meanwhile).
fn unique_at(error: DbErr, origin: &Origin, column: &str) -> LoadError {
    match crate::services::unique_violation(&error) {
        Some(detail) => origin
            .error(Some(column), format!("is already on record ({detail})"))
            .into(),
        None => error.into(),
    }
}

/// Things recorded on a date are recorded at noon UTC that day.
fn noon(date: Date) -> OffsetDateTime {
    date.with_time(time::macros::time!(12:00)).assume_utc()
}

/// When the programme's reference data (organisations, caps, groups) is
/// recorded: the start of 2016/17, before the first designation.
const REFERENCE_DATA_FROM: Date = time::macros::date!(2016 - 04 - 01);

/// An approved return's line for a milestone: (approved at, its period's
/// end, forecast, status).
type ApprovedLine = (OffsetDateTime, Date, Option<Date>, &'static str);

/// A milestone's live fields, as a return line or the seed's final record sets them.
#[derive(Clone, Debug, PartialEq, Eq)]
struct MilestoneFacts {
    forecast_on: Option<Date>,
    actual_on: Option<Date>,
    status: String,
    signed_off_on: Option<Date>,
}

/// The instant a row's version was recorded, as `recorded_from` stores it.
fn us(at: OffsetDateTime) -> Value {
    Value::from(crate::clock::to_micros(at))
}

fn v<T: Into<Value>>(x: T) -> Value {
    x.into()
}

/// A batch a unique index refused (another writer added the same key
/// meanwhile): the file and column, and the index's detail.
fn unique_in(error: DbErr, file: &str, column: &str) -> LoadError {
    match crate::services::unique_violation(&error) {
        Some(detail) => SeedError {
            file: file.to_owned(),
            line: None,
            column: Some(column.to_owned()),
            message: format!("a row is already on record ({detail})"),
        }
        .into(),
        None => error.into(),
    }
}

/// One version of a row as history keeps it: its changing fields, and the
/// instants it was current, `[from, to)`.
struct Version<F> {
    fields: F,
    version: i32,
    updated_at: OffsetDateTime,
    from: OffsetDateTime,
    to: OffsetDateTime,
}

/// A row's versions, as the history triggers (migration 9) record its
/// updates: each update at instant `at` (the transaction's stamp) makes a
/// new current version; the one it replaces goes into history when `at` is
/// later than its own `recorded_from` (otherwise it is simply overwritten),
/// and the new version is recorded from the later of the two.
struct Timeline<F: Clone> {
    current: Version<F>,
    history: Vec<Version<F>>,
}

impl<F: Clone> Timeline<F> {
    fn new(fields: F, at: OffsetDateTime) -> Timeline<F> {
        Timeline {
            current: Version {
                fields,
                version: 1,
                updated_at: at,
                from: at,
                to: at,
            },
            history: Vec::new(),
        }
    }

    /// An update at `at` (already capped at the load) that sets `fields`
    /// and `updated_at`, and adds one to the version when `bump`.
    fn update(&mut self, at: OffsetDateTime, fields: F, bump: bool) {
        if at > self.current.from {
            self.history.push(Version {
                fields: self.current.fields.clone(),
                version: self.current.version,
                updated_at: self.current.updated_at,
                from: self.current.from,
                to: at,
            });
            self.current.from = at;
        }
        self.current.fields = fields;
        self.current.updated_at = at;
        if bump {
            self.current.version += 1;
        }
    }
}

/// A return's fields that change after it is drafted.
#[derive(Clone)]
struct ReturnFields {
    status: ReturnStatus,
    office_rating: Option<String>,
    office_comment: Option<String>,
    submitted_at: Option<OffsetDateTime>,
    approved_at: Option<OffsetDateTime>,
}

const TRUST_COLUMNS: &[&str] = &[
    "ods_code",
    "name_key",
    "name",
    "name_at_designation",
    "kind",
    "sector",
    "region_code",
    "region_code_2017",
    "country_code",
    "opened_on",
    "closed_on",
    "successor_id",
    "source",
    "created_at",
    "updated_at",
    "recorded_from",
];
const PARTICIPANT_COLUMNS: &[&str] = &[
    "organisation_id",
    "role",
    "sector",
    "wave",
    "designated_on",
    "designated_precision",
    "accredited_on",
    "accredited_precision",
    "status",
    "confidence",
    "source",
    "version",
    "created_at",
    "updated_at",
    "recorded_from",
];
const PAIRING_COLUMNS: &[&str] = &[
    "fast_follower_id",
    "exemplar_id",
    "confidence",
    "source",
    "created_at",
    "updated_at",
];
const PARTNERSHIP_COLUMNS: &[&str] = &[
    "participant_id",
    "partner_id",
    "role",
    "started_on",
    "started_precision",
    "ended_on",
    "ended_precision",
    "confidence",
    "source",
    "note",
    "version",
    "created_at",
    "updated_at",
];
const MATURITY_COLUMNS: &[&str] = &[
    "participant_id",
    "scale",
    "score",
    "assessed_on",
    "assessed_precision",
    "source",
    "illustrative",
    "created_at",
    "recorded_from",
];
const PERIOD_COLUMNS: &[&str] = &[
    "label",
    "frequency",
    "starts_on",
    "ends_on",
    "due_on",
    "status",
    "version",
    "created_at",
    "updated_at",
    "recorded_from",
];
const MILESTONE_COLUMNS: &[&str] = &[
    "participant_id",
    "reference",
    "title",
    "category",
    "baseline_on",
    "forecast_on",
    "actual_on",
    "status",
    "signed_off_on",
    "signed_off_by",
    "illustrative",
    "version",
    "created_at",
    "updated_at",
    "recorded_from",
];
const MILESTONE_HISTORY_COLUMNS: &[&str] = &[
    "id",
    "participant_id",
    "reference",
    "title",
    "category",
    "baseline_on",
    "forecast_on",
    "actual_on",
    "status",
    "signed_off_on",
    "signed_off_by",
    "illustrative",
    "version",
    "created_at",
    "updated_at",
    "recorded_from",
    "recorded_to",
];
const ALLOCATION_COLUMNS: &[&str] = &[
    "participant_id",
    "reference",
    "central_pence",
    "local_match_pence",
    "awarded_on",
    "illustrative",
    "version",
    "created_at",
    "updated_at",
    "recorded_from",
];
const PROFILE_COLUMNS: &[&str] = &[
    "allocation_id",
    "financial_year",
    "amount_pence",
    "recorded_from",
];
const TRANCHE_COLUMNS: &[&str] = &[
    "allocation_id",
    "name",
    "kind",
    "milestone_id",
    "amount_pence",
    "released_on",
    "released_by",
    "illustrative",
    "version",
    "created_at",
    "updated_at",
    "recorded_from",
];
const TRANCHE_HISTORY_COLUMNS: &[&str] = &[
    "id",
    "allocation_id",
    "name",
    "kind",
    "milestone_id",
    "amount_pence",
    "released_on",
    "released_by",
    "illustrative",
    "version",
    "created_at",
    "updated_at",
    "recorded_from",
    "recorded_to",
];
const RETURN_COLUMNS: &[&str] = &[
    "period_id",
    "participant_id",
    "status",
    "spend_to_date_pence",
    "rating_scale",
    "self_rating",
    "rating_justification",
    "narrative",
    "office_rating",
    "office_comment",
    "submitted_at",
    "submitted_by",
    "approved_at",
    "approved_by",
    "illustrative",
    "version",
    "created_at",
    "updated_at",
    "recorded_from",
];
const RETURN_HISTORY_COLUMNS: &[&str] = &[
    "id",
    "period_id",
    "participant_id",
    "status",
    "spend_to_date_pence",
    "rating_scale",
    "self_rating",
    "rating_justification",
    "narrative",
    "office_rating",
    "office_comment",
    "submitted_at",
    "submitted_by",
    "approved_at",
    "approved_by",
    "illustrative",
    "version",
    "created_at",
    "updated_at",
    "recorded_from",
    "recorded_to",
];
const LINE_COLUMNS: &[&str] = &[
    "return_id",
    "milestone_id",
    "forecast_on",
    "status",
    "comment",
    "recorded_from",
];
const RISK_COLUMNS: &[&str] = &[
    "return_id",
    "position",
    "description",
    "rating",
    "mitigation",
    "recorded_from",
];
const AUDIT_COLUMNS: &[&str] = &[
    "occurred_at",
    "user_id",
    "actor",
    "action",
    "entity_type",
    "entity_id",
    "organisation_id",
    "before_json",
    "after_json",
    "reason",
];

/// The milestone's fields, as its row stores them.
fn milestone_values(
    m: &super::records::MilestoneRecord,
    participant_id: i32,
    version: &Version<MilestoneFacts>,
    created: OffsetDateTime,
) -> [Value; 14] {
    let f = &version.fields;
    [
        v(participant_id),
        v(m.reference.as_str().to_owned()),
        v(m.title.clone()),
        v(m.category.code().to_owned()),
        v(m.baseline_on),
        v(f.forecast_on),
        v(f.actual_on),
        v(f.status.clone()),
        v(f.signed_off_on),
        v(None::<i32>),
        v(true),
        v(version.version),
        v(created),
        v(version.updated_at),
    ]
}

fn return_values(
    r: &super::records::ReturnRecord,
    period_id: i32,
    participant_id: i32,
    version: &Version<ReturnFields>,
    created: OffsetDateTime,
) -> [Value; 18] {
    let f = &version.fields;
    [
        v(period_id),
        v(participant_id),
        v(f.status.code().to_owned()),
        v(r.spend_to_date.map(|p| p.value())),
        v(crate::domain::rating::RatingScale::Rag.code().to_owned()),
        v(r.self_rating.map(|x| x.code().to_owned())),
        v(r.rating_justification.clone()),
        v(r.narrative.clone()),
        v(f.office_rating.clone()),
        v(f.office_comment.clone()),
        v(f.submitted_at),
        v(None::<i32>),
        v(f.approved_at),
        v(None::<i32>),
        v(true),
        v(version.version),
        v(created),
        v(version.updated_at),
    ]
}

fn tranche_values(
    t: &super::records::TrancheRecord,
    allocation_id: i32,
    milestone_id: Option<i32>,
    version: &Version<Option<Date>>,
    created: OffsetDateTime,
) -> [Value; 11] {
    [
        v(allocation_id),
        v(t.name.clone()),
        v(t.kind.code().to_owned()),
        v(milestone_id),
        v(t.amount.value()),
        v(version.fields),
        v(None::<i32>),
        v(true),
        v(version.version),
        v(created),
        v(version.updated_at),
    ]
}

fn facts_json(f: &MilestoneFacts) -> String {
    serde_json::json!({
        "forecast_on": f.forecast_on.map(|d| d.to_string()),
        "actual_on": f.actual_on.map(|d| d.to_string()),
        "status": f.status,
        "signed_off_on": f.signed_off_on.map(|d| d.to_string()),
    })
    .to_string()
}

async fn write_in(
    txn: &DatabaseTransaction,
    set: &SeedSet,
    seed: &Seed,
) -> Result<SeedReport, LoadError> {
    let load = crate::clock::now();
    // Every instant is capped at the load: nothing is recorded after it.
    let at = |instant: OffsetDateTime| instant.min(load);
    let now = at(noon(REFERENCE_DATA_FROM));
    // Rows are written with the instant they were recorded (`recorded_from`),
    // and the versions they replaced straight into history, as the triggers
    // would have; the few statements that still go through the triggers
    // (successors, partners, caps) see the stamp set here.
    crate::store::history::stamp(txn, now).await?;
    // The instant the last row before the caps was recorded at (the caps
    // have always been recorded then).
    let mut last_stamp = now;
    let mut report = SeedReport::default();

    // Every organisation on record, by name key and country: a trust or
    // partner from the seed may not take a name already in use.
    let existing = Organisations::find().all(txn).await?;
    let mut names: HashMap<(NameKey, String), (i32, Option<String>)> = existing
        .iter()
        .map(|o| {
            (
                (NameKey::of(&o.name), o.country_code.clone()),
                (o.id, o.ods_code.clone()),
            )
        })
        .collect();
    let taken = |origin: &Origin, name: &str, holder: &Option<String>| {
        let holder = match holder {
            Some(code) => format!("NHS trust {code}"),
            None => "a partner organisation".to_owned(),
        };
        origin.error(
            Some("name"),
            format!(
                "{name:?} is already the name of {holder} in the database \
                 (names that differ only in case or spacing count as the same)"
            ),
        )
    };

    // Trusts, by ODS code; successors are linked once every trust exists.
    let mut org_ids: HashMap<String, i32> = existing
        .iter()
        .filter_map(|o| o.ods_code.clone().map(|code| (code, o.id)))
        .collect();
    drop(existing);
    let mut new_trusts = Vec::new();
    let mut rows = Insert::new(txn, "organisations", TRUST_COLUMNS, true);
    let file_of = |records: &[&Origin]| records.first().map(|o| o.file.to_string());
    for t in &seed.trusts {
        if org_ids.contains_key(t.ods_code.as_str()) {
            report.present("organisations");
            continue;
        }
        let key = (NameKey::of(&t.name), "GB".to_owned());
        if let Some((_, holder)) = names.get(&key) {
            return Err(taken(&t.origin, &t.name, holder).into());
        }
        rows.push(
            txn,
            [
                v(Some(t.ods_code.as_str().to_owned())),
                v(key.0.as_str().to_owned()),
                v(t.name.clone()),
                v(t.name_at_designation.clone()),
                v(OrganisationKind::NhsTrust.code().to_owned()),
                v(Some(t.sector.code().to_owned())),
                v(t.region_code.as_ref().map(|r| r.as_str().to_owned())),
                v(t.region_code_2017.as_ref().map(|r| r.as_str().to_owned())),
                v("GB".to_owned()),
                v(t.opened_on),
                v(t.closed_on),
                v(None::<i32>),
                v(t.source.clone()),
                v(now),
                v(now),
                us(now),
            ],
        )
        .await
        .map_err(|e| unique_at(e, &t.origin, "name"))?;
        names.insert(key, (0, Some(t.ods_code.as_str().to_owned())));
        new_trusts.push(t);
        report.added("organisations");
    }
    rows.flush(txn).await.map_err(|e| {
        let file = file_of(&new_trusts.iter().map(|t| &t.origin).collect::<Vec<_>>());
        unique_in(e, &file.unwrap_or_default(), "name")
    })?;
    for (t, id) in new_trusts.iter().zip(&rows.ids) {
        org_ids.insert(t.ods_code.as_str().to_owned(), *id);
        names.insert(
            (NameKey::of(&t.name), "GB".to_owned()),
            (*id, Some(t.ods_code.as_str().to_owned())),
        );
    }
    for t in new_trusts {
        if let Some(successor) = &t.successor {
            let id = org_ids[t.ods_code.as_str()];
            e::organisation::ActiveModel {
                id: Set(id),
                successor_id: Set(org_ids.get(successor.as_str()).copied()),
                ..Default::default()
            }
            .update(txn)
            .await?;
        }
    }

    // Partner organisations, by name key and country (a handful).
    let mut partner_ids: HashMap<NameKey, i32> = HashMap::new();
    for partner in &seed.partners {
        let key = (
            NameKey::of(&partner.name),
            partner.country_code.as_str().to_owned(),
        );
        let id = match names.get(&key) {
            Some((id, None)) => {
                report.present("partner organisations");
                *id
            }
            Some((_, trust)) => {
                return Err(taken(&partner.origin, &partner.name, trust).into());
            }
            None => {
                report.added("partner organisations");
                e::organisation::ActiveModel {
                    ods_code: Set(None),
                    name_key: Set(key.0.as_str().to_owned()),
                    name: Set(partner.name.clone()),
                    kind: Set(partner.kind.code().to_owned()),
                    country_code: Set(partner.country_code.as_str().to_owned()),
                    source: Set(partner.source.clone()),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(txn)
                .await
                .map_err(|e| unique_at(e, &partner.origin, "name"))?
                .id
            }
        };
        names.insert(key.clone(), (id, None));
        partner_ids.insert(key.0, id);
    }
    drop(names);

    // Participants, by organisation, recorded when designated.
    let mut participant_ids: HashMap<i32, i32> = Participants::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.organisation_id, p.id))
        .collect();
    let mut rows = Insert::new(txn, "participants", PARTICIPANT_COLUMNS, true);
    let mut new_participants = Vec::new();
    for p in &seed.participants {
        let org_id = org_ids[p.ods_code.as_str()];
        if participant_ids.contains_key(&org_id) {
            report.present("participants");
            continue;
        }
        let (designated_on, designated_precision) = p.designated.to_storage();
        let recorded = at(noon(designated_on));
        last_stamp = recorded;
        let accredited = p.accredited.map(|a| a.to_storage());
        rows.push(
            txn,
            [
                v(org_id),
                v(p.role.code().to_owned()),
                v(p.sector.code().to_owned()),
                v(p.wave.clone()),
                v(designated_on),
                v(designated_precision.to_owned()),
                v(accredited.map(|a| a.0)),
                v(accredited.map(|a| a.1.to_owned())),
                v(p.status.code().to_owned()),
                v(p.confidence.code().to_owned()),
                v(p.source.clone()),
                v(1i32),
                v(recorded),
                v(recorded),
                us(recorded),
            ],
        )
        .await
        .map_err(|e| unique_at(e, &p.origin, "ods_code"))?;
        new_participants.push(org_id);
        report.added("participants");
    }
    rows.flush(txn)
        .await
        .map_err(|e| unique_in(e, "participants.csv", "ods_code"))?;
    participant_ids.extend(new_participants.into_iter().zip(rows.ids.iter().copied()));
    let participant_by_ods: HashMap<&str, (i32, Role, Sector)> = seed
        .participants
        .iter()
        .map(|p| {
            let id = participant_ids[&org_ids[p.ods_code.as_str()]];
            (p.ods_code.as_str(), (id, p.role, p.sector))
        })
        .collect();
    drop(participant_ids);
    let pid = |ods: &str| participant_by_ods[ods].0;

    // Pairings, by fast follower.
    let paired: HashSet<i32> = Pairings::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| p.fast_follower_id)
        .collect();
    let mut rows = Insert::new(txn, "pairings", PAIRING_COLUMNS, false);
    for pairing in &seed.pairings {
        let follower = pid(pairing.fast_follower.as_str());
        if paired.contains(&follower) {
            report.present("pairings");
            continue;
        }
        rows.push(
            txn,
            [
                v(follower),
                v(pid(pairing.exemplar.as_str())),
                v(pairing.confidence.code().to_owned()),
                v(pairing.source.clone()),
                v(now),
                v(now),
            ],
        )
        .await
        .map_err(|e| unique_at(e, &pairing.origin, "fast_follower_ods_code"))?;
        report.added("pairings");
    }
    rows.flush(txn)
        .await
        .map_err(|e| unique_in(e, "pairings.csv", "fast_follower_ods_code"))?;

    // Partnerships, by participant, partner and role.
    let existing: HashSet<(i32, i32, String)> = Partnerships::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.participant_id, p.partner_id, p.role))
        .collect();
    let mut rows = Insert::new(txn, "partnerships", PARTNERSHIP_COLUMNS, false);
    for link in &seed.partnerships {
        let key = (
            pid(link.ods_code.as_str()),
            partner_ids[&NameKey::of(&link.partner_name)],
            link.role.code().to_owned(),
        );
        if existing.contains(&key) {
            report.present("partnerships");
            continue;
        }
        let started = link.started.map(|d| d.to_storage());
        let ended = link.ended.map(|d| d.to_storage());
        rows.push(
            txn,
            [
                v(key.0),
                v(key.1),
                v(key.2),
                v(started.map(|s| s.0)),
                v(started.map(|s| s.1.to_owned())),
                v(ended.map(|s| s.0)),
                v(ended.map(|s| s.1.to_owned())),
                v(link.confidence.code().to_owned()),
                v(link.source.clone()),
                v(link.note.clone()),
                v(1i32),
                v(now),
                v(now),
            ],
        )
        .await
        .map_err(|e| unique_at(e, &link.origin, "partner_name"))?;
        report.added("partnerships");
    }
    rows.flush(txn)
        .await
        .map_err(|e| unique_in(e, "partnerships.csv", "partner_name"))?;

    // Funding caps, by role and sector (recorded at the stamp last set).
    crate::store::history::stamp(txn, last_stamp).await?;
    let mut caps: Vec<FundingCap> = crate::store::funding::cap_table(txn)
        .await?
        .iter()
        .cloned()
        .collect();
    for cap in &seed.caps {
        if caps
            .iter()
            .any(|c| c.role == cap.role && c.sector == cap.sector)
        {
            report.present("funding caps");
            continue;
        }
        e::funding_cap::ActiveModel {
            role: Set(cap.role.code().to_owned()),
            sector: Set(cap.sector.code().to_owned()),
            cap_pence: Set(cap.cap.value()),
            source: Set(cap.source.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| unique_at(e, &cap.origin, "role"))?;
        caps.push(FundingCap {
            role: cap.role,
            sector: cap.sector,
            cap: cap.cap,
        });
        report.added("funding caps");
    }
    let cap_table = CapTable::new(caps).map_err(|e| DbErr::Custom(e.to_string()))?;

    // Cap groups, by name (as names are compared), then their members, by
    // participant (one group each). A group already on record keeps its cap.
    let mut group_ids: HashMap<NameKey, i32> = CapGroups::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|g| (NameKey::of(&g.name), g.id))
        .collect();
    for g in &seed.cap_groups {
        let key = NameKey::of(&g.name);
        if group_ids.contains_key(&key) {
            report.present("cap groups");
            continue;
        }
        let id = e::cap_group::ActiveModel {
            name: Set(g.name.clone()),
            cap_pence: Set(g.cap.value()),
            source: Set(g.source.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| unique_at(e, &g.origin, "name"))?
        .id;
        group_ids.insert(key, id);
        report.added("cap groups");
    }
    let members: HashMap<i32, i32> = CapGroupMembers::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|m| (m.participant_id, m.group_id))
        .collect();
    for m in &seed.cap_group_members {
        let participant_id = pid(m.ods_code.as_str());
        let group_id = group_ids[&NameKey::of(&m.group)];
        match members.get(&participant_id) {
            Some(g) if *g == group_id => {
                report.present("cap group members");
                continue;
            }
            Some(_) => {
                return Err(m
                    .origin
                    .error(
                        Some("ods_code"),
                        format!(
                            "{} is already in another cap group on record; a participant shares at most one group cap",
                            m.ods_code
                        ),
                    )
                    .into());
            }
            None => {}
        }
        e::cap_group_member::ActiveModel {
            group_id: Set(group_id),
            participant_id: Set(participant_id),
            source: Set(m.source.clone()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| unique_at(e, &m.origin, "ods_code"))?;
        report.added("cap group members");
    }

    // Maturity assessments, by participant, scale and date.
    let existing: HashSet<(i32, String, time::Date)> = MaturityAssessments::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|m| (m.participant_id, m.scale, m.assessed_on))
        .collect();
    let mut rows = Insert::new(txn, "maturity_assessments", MATURITY_COLUMNS, false);
    for (m, illustrative) in &seed.maturity {
        let (assessed_on, precision) = m.assessed.to_storage();
        let key = (
            pid(m.ods_code.as_str()),
            m.scale.code().to_owned(),
            assessed_on,
        );
        if existing.contains(&key) {
            report.present("maturity assessments");
            continue;
        }
        let recorded = at(noon(assessed_on));
        rows.push(
            txn,
            [
                v(key.0),
                v(key.1),
                v(i32::from(m.score.value())),
                v(assessed_on),
                v(precision.to_owned()),
                v(m.source.clone()),
                v(*illustrative),
                v(recorded),
                us(recorded),
            ],
        )
        .await
        .map_err(|e| unique_at(e, &m.origin, "ods_code"))?;
        report.added("maturity assessments");
    }
    rows.flush(txn)
        .await
        .map_err(|e| unique_in(e, "maturity_assessments.csv", "ods_code"))?;
    drop(existing);

    // Reporting periods, by label, recorded when they start.
    let on_record = ReportingPeriods::find().all(txn).await?;
    let mut period_ends: HashMap<String, Date> = on_record
        .iter()
        .map(|p| (p.label.clone(), p.ends_on))
        .collect();
    let mut period_ids: HashMap<String, i32> =
        on_record.into_iter().map(|p| (p.label, p.id)).collect();
    let mut rows = Insert::new(txn, "reporting_periods", PERIOD_COLUMNS, true);
    let mut new_periods = Vec::new();
    for p in &seed.periods {
        if period_ids.contains_key(&p.label) {
            report.present("reporting periods");
            continue;
        }
        let recorded = at(noon(p.starts_on));
        rows.push(
            txn,
            [
                v(p.label.clone()),
                v(p.frequency.code().to_owned()),
                v(p.starts_on),
                v(p.ends_on),
                v(p.due_on),
                v(p.status.code().to_owned()),
                v(1i32),
                v(recorded),
                v(recorded),
                us(recorded),
            ],
        )
        .await
        .map_err(|e| unique_at(e, &p.origin, "label"))?;
        new_periods.push(p);
        report.added("reporting periods");
    }
    rows.flush(txn)
        .await
        .map_err(|e| unique_in(e, "reporting_periods.csv", "label"))?;
    for (p, id) in new_periods.into_iter().zip(rows.ids.iter().copied()) {
        period_ids.insert(p.label.clone(), id);
        period_ends.insert(p.label.clone(), p.ends_on);
    }

    // The returns this load adds (an existing return keeps its own), each
    // return's lines and risks by trust and period (one pass, not one scan
    // of every line per return), and from them what the approved returns
    // did to each milestone.
    let existing_returns: HashSet<(i32, i32)> = Returns::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|r| (r.period_id, r.participant_id))
        .collect();
    let mut new_returns = Vec::new();
    // Each new return's place in `new_returns`, by trust and period.
    let mut new_return_at: HashMap<(&str, &str), usize> = HashMap::new();
    for r in &seed.returns {
        let participant_id = pid(r.ods_code.as_str());
        let period_id = period_ids[&r.period];
        if existing_returns.contains(&(period_id, participant_id)) {
            report.present("returns");
            continue;
        }
        new_return_at.insert((r.ods_code.as_str(), r.period.as_str()), new_returns.len());
        new_returns.push((r, participant_id, period_id));
    }
    // Approved lines per milestone (its place in the milestones file):
    // (approved at, period end, forecast, status), in one flat list; the
    // latest submission that reported on each. The lines are read from
    // their file as they go (every line's milestone is in the files).
    let milestone_at: HashMap<(i32, &str), u32> = seed
        .milestones
        .iter()
        .enumerate()
        .map(|(i, m)| ((pid(m.ods_code.as_str()), m.reference.as_str()), i as u32))
        .collect();
    let mut approved_lines: Vec<(u32, ApprovedLine)> = Vec::with_capacity(seed.lines);
    let mut reported_at: Vec<Option<OffsetDateTime>> = vec![None; seed.milestones.len()];
    if seed.illustrative {
        for u in super::validate::updates(set)? {
            let u = u?;
            let Some(&index) = new_return_at.get(&(u.ods_code.as_str(), u.period.as_str())) else {
                continue;
            };
            let (r, participant_id, _) = new_returns[index];
            let Some(&milestone) =
                milestone_at.get(&(participant_id, u.milestone_reference.as_str()))
            else {
                continue;
            };
            let ends_on = period_ends.get(&r.period).copied();
            if let Some(at) = r.submitted_on.map(noon) {
                let latest = &mut reported_at[milestone as usize];
                *latest = Some(latest.map_or(at, |l| l.max(at)));
            }
            if let (Some(at), Some(ends_on), ReturnStatus::Approved) =
                (r.approved_on.map(noon), ends_on, r.status)
            {
                approved_lines.push((milestone, (at, ends_on, u.forecast_on, u.status.code())));
            }
        }
    }
    drop(milestone_at);
    // By milestone, then in the order approved (a stable sort: a
    // milestone's lines of one instant stay in file order).
    approved_lines.sort_by_key(|(milestone, (at, ends_on, _, _))| (*milestone, *at, *ends_on));
    let mut next_line = 0;
    drop(existing_returns);

    // Milestones, by participant and reference. A milestone is recorded
    // with its participant's first award or first return, whichever came
    // first (or its designation), at its baseline and not started; then
    // the approved returns' lines move it in the order they were approved
    // (never back to an earlier period's report), and whatever the seed
    // holds beyond them is recorded after the last return that reported on
    // it (or on its completion or sign-off date, if later), as the office's
    // own update (with its audit event).
    let mut milestone_ids: HashMap<(i32, String), i32> = Milestones::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|m| ((m.participant_id, m.reference), m.id))
        .collect();
    let mut first_award: HashMap<&str, Date> = HashMap::new();
    for a in &seed.allocations {
        let entry = first_award
            .entry(a.ods_code.as_str())
            .or_insert(a.awarded_on);
        *entry = (*entry).min(a.awarded_on);
    }
    // A trust reporting before its award had its plan on record by then.
    for r in &seed.returns {
        if let Some(on) = r.submitted_on {
            let entry = first_award.entry(r.ods_code.as_str()).or_insert(on);
            *entry = (*entry).min(on);
        }
    }
    let designated: HashMap<&str, Date> = seed
        .participants
        .iter()
        .map(|p| (p.ods_code.as_str(), p.designated.to_storage().0))
        .collect();
    let mut rows = Insert::new(txn, "milestones", MILESTONE_COLUMNS, true);
    // Each new milestone: its record, participant, when made, and its versions.
    let mut new_milestones: Vec<(
        &super::records::MilestoneRecord,
        i32,
        OffsetDateTime,
        Vec<Version<MilestoneFacts>>,
    )> = Vec::new();
    // The office's updates: (recorded at as the seed dates it, recorded at,
    // which new milestone, organisation, before, after).
    let mut office: Vec<(
        OffsetDateTime,
        OffsetDateTime,
        usize,
        i32,
        MilestoneFacts,
        MilestoneFacts,
    )> = Vec::new();
    for (index, m) in seed.milestones.iter().enumerate() {
        let participant_id = pid(m.ods_code.as_str());
        // This milestone's approved lines, already in order.
        while next_line < approved_lines.len() && (approved_lines[next_line].0 as usize) < index {
            next_line += 1;
        }
        let first_line = next_line;
        while next_line < approved_lines.len() && approved_lines[next_line].0 as usize == index {
            next_line += 1;
        }
        let lines = &approved_lines[first_line..next_line];
        if milestone_ids.contains_key(&(participant_id, m.reference.as_str().to_owned())) {
            report.present("milestones");
            continue;
        }
        let ods = m.ods_code.as_str();
        let planned = first_award
            .get(ods)
            .or_else(|| designated.get(ods))
            .copied()
            .unwrap_or(REFERENCE_DATA_FROM);
        let created = at(noon(planned));
        let last = MilestoneFacts {
            forecast_on: m.forecast_on,
            actual_on: m.actual_on,
            status: m.status.code().to_owned(),
            signed_off_on: m.signed_off_on,
        };
        let mut facts = MilestoneFacts {
            forecast_on: Some(m.baseline_on),
            actual_on: None,
            status: "not_started".to_owned(),
            signed_off_on: None,
        };
        // Its changes: (recorded at, fields, the office's own update?).
        let mut changes: Vec<(OffsetDateTime, MilestoneFacts, Option<MilestoneFacts>)> = Vec::new();
        let mut recorded = created;
        let mut latest_end: Option<Date> = None;
        for &(_, (at, ends_on, forecast_on, status)) in lines {
            if latest_end.is_some_and(|end| end > ends_on) {
                continue;
            }
            latest_end = Some(ends_on);
            let complete = status == "complete";
            let next = MilestoneFacts {
                forecast_on,
                actual_on: if complete {
                    last.actual_on.or(forecast_on)
                } else {
                    None
                },
                status: status.to_owned(),
                signed_off_on: None,
            };
            recorded = recorded.max(at);
            if next != facts {
                changes.push((at, next.clone(), None));
                facts = next;
            }
        }
        if facts != last {
            let mut when =
                recorded.max(reported_at[index].unwrap_or(created)) + time::Duration::DAY;
            if last.status == "complete"
                && let Some(on) = last.actual_on
            {
                when = when.max(noon(on));
            }
            if let Some(on) = last.signed_off_on {
                when = when.max(noon(on));
            }
            changes.push((when.min(load), last, Some(facts)));
        }
        // Applied in time order (a stable sort, as the changes of one
        // instant were applied in the order made).
        changes.sort_by_key(|(when, ..)| *when);
        let mut timeline = Timeline::new(
            MilestoneFacts {
                forecast_on: Some(m.baseline_on),
                actual_on: None,
                status: "not_started".to_owned(),
                signed_off_on: None,
            },
            created,
        );
        for (when, next, before) in changes {
            let stamped = at(when);
            if let Some(before) = before {
                office.push((
                    when,
                    stamped,
                    new_milestones.len(),
                    org_ids[ods],
                    before,
                    next.clone(),
                ));
            }
            timeline.update(stamped, next, true);
        }
        let current = &timeline.current;
        let mut values = milestone_values(m, participant_id, current, created).to_vec();
        values.push(us(current.from));
        rows.push(txn, values)
            .await
            .map_err(|e| unique_at(e, &m.origin, "reference"))?;
        // Most rows have a version or two in history: keep no spare room
        // (a hundred thousand vectors of four would cost tens of megabytes).
        let mut versions = timeline.history;
        versions.shrink_to_fit();
        new_milestones.push((m, participant_id, created, versions));
        report.added("milestones");
    }
    rows.flush(txn)
        .await
        .map_err(|e| unique_in(e, "milestones.csv", "reference"))?;
    drop(approved_lines);
    drop(reported_at);
    let new_ids = std::mem::take(&mut rows.ids);
    let mut history = Insert::new(txn, "milestones_history", MILESTONE_HISTORY_COLUMNS, false);
    for ((m, participant_id, created, versions), id) in new_milestones.iter().zip(&new_ids) {
        milestone_ids.insert((*participant_id, m.reference.as_str().to_owned()), *id);
        for version in versions {
            let mut values = vec![v(*id)];
            values.extend(milestone_values(m, *participant_id, version, *created));
            values.push(us(version.from));
            values.push(us(version.to));
            history.push(txn, values).await?;
        }
    }
    history.flush(txn).await?;
    drop(new_milestones);
    // The office's updates, in the order they were made.
    office.sort_by_key(|(when, ..)| *when);
    let mut events = Insert::new(txn, "audit_events", AUDIT_COLUMNS, false);
    for (_, stamped, index, organisation_id, before, after) in office {
        events
            .push(
                txn,
                [
                    v(stamped),
                    v(None::<i32>),
                    v("seed".to_owned()),
                    v("milestone.progress".to_owned()),
                    v("milestone".to_owned()),
                    v(new_ids[index].to_string()),
                    v(Some(organisation_id)),
                    v(Some(facts_json(&before))),
                    v(Some(facts_json(&after))),
                    v(Some(
                        "progress recorded in the seed data after the returns approved by then"
                            .to_owned(),
                    )),
                ],
            )
            .await?;
    }
    events.flush(txn).await?;
    drop(new_ids);

    // Allocations (within the cap, counting what the database already
    // holds, and within any group cap), then their profiles and tranches;
    // an allocation already present keeps its own.
    let mut allocated: HashMap<i32, Vec<Pence>> = HashMap::new();
    let mut existing_allocations: HashSet<(i32, String)> = HashSet::new();
    for x in Allocations::find().all(txn).await? {
        allocated
            .entry(x.participant_id)
            .or_default()
            .push(Pence::new(x.central_pence).unwrap_or(Pence::ZERO));
        existing_allocations.insert((x.participant_id, x.reference));
    }
    let groups: HashMap<i32, CapGroup> = CapGroups::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|g| {
            (
                g.id,
                CapGroup {
                    name: g.name,
                    cap: Pence::new(g.cap_pence).unwrap_or(Pence::ZERO),
                },
            )
        })
        .collect();
    let mut group_of: HashMap<i32, i32> = HashMap::new();
    let mut members_of: HashMap<i32, Vec<i32>> = HashMap::new();
    for m in CapGroupMembers::find().all(txn).await? {
        group_of.insert(m.participant_id, m.group_id);
        members_of
            .entry(m.group_id)
            .or_default()
            .push(m.participant_id);
    }
    let mut profiles_of: HashMap<(&str, &str), Vec<_>> = HashMap::new();
    for p in &seed.profiles {
        profiles_of
            .entry((p.ods_code.as_str(), p.allocation_reference.as_str()))
            .or_default()
            .push(p);
    }
    let mut tranches_of: HashMap<(&str, &str), Vec<_>> = HashMap::new();
    for t in &seed.tranches {
        tranches_of
            .entry((t.ods_code.as_str(), t.allocation_reference.as_str()))
            .or_default()
            .push(t);
    }
    let mut rows = Insert::new(txn, "allocations", ALLOCATION_COLUMNS, true);
    let mut new_allocations = Vec::new();
    for a in &seed.allocations {
        let (participant_id, role, sector) = participant_by_ods[a.ods_code.as_str()];
        if existing_allocations.contains(&(participant_id, a.reference.clone())) {
            report.present("allocations");
            continue;
        }
        let already = allocated
            .get(&participant_id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        check_allocation(
            a.ods_code.as_str(),
            role,
            sector,
            &cap_table,
            already,
            a.central,
        )
        .map_err(|err| a.origin.error(Some("central"), err.to_string()))?;
        // The group's shared cap, counting every member's allocations on
        // record (including those this load has written so far).
        if let Some(group_id) = group_of.get(&participant_id)
            && let Some(group) = groups.get(group_id)
        {
            let members: Vec<Pence> = members_of
                .get(group_id)
                .into_iter()
                .flatten()
                .flat_map(|member| allocated.get(member).into_iter().flatten().copied())
                .collect();
            check_group_allocation(group, a.ods_code.as_str(), &members, a.central)
                .map_err(|err| a.origin.error(Some("central"), err.to_string()))?;
        }
        allocated.entry(participant_id).or_default().push(a.central);
        let recorded = at(noon(a.awarded_on));
        rows.push(
            txn,
            [
                v(participant_id),
                v(a.reference.clone()),
                v(a.central.value()),
                v(a.local_match.value()),
                v(a.awarded_on),
                v(true),
                v(1i32),
                v(recorded),
                v(recorded),
                us(recorded),
            ],
        )
        .await
        .map_err(|e| unique_at(e, &a.origin, "reference"))?;
        new_allocations.push((a, participant_id, recorded));
        report.added("allocations");
    }
    rows.flush(txn)
        .await
        .map_err(|e| unique_in(e, "allocations.csv", "reference"))?;
    let allocation_ids = std::mem::take(&mut rows.ids);
    let mut profiles = Insert::new(txn, "allocation_profiles", PROFILE_COLUMNS, false);
    for ((a, _, recorded), allocation_id) in new_allocations.iter().zip(&allocation_ids) {
        for p in profiles_of
            .get(&(a.ods_code.as_str(), a.reference.as_str()))
            .into_iter()
            .flatten()
        {
            profiles
                .push(
                    txn,
                    [
                        v(*allocation_id),
                        v(p.financial_year.start_year()),
                        v(p.amount.value()),
                        us(*recorded),
                    ],
                )
                .await
                .map_err(|e| unique_at(e, &p.origin, "financial_year"))?;
            report.added("allocation profile years");
        }
    }
    profiles
        .flush(txn)
        .await
        .map_err(|e| unique_in(e, "allocation_profiles.csv", "financial_year"))?;
    // Tranches, each released (if it is) later than it was recorded.
    let mut rows = Insert::new(txn, "tranches", TRANCHE_COLUMNS, true);
    // Released tranches: (row index, record, allocation, milestone, made at, versions).
    type Released<'a> = (
        usize,
        &'a super::records::TrancheRecord,
        i32,
        Option<i32>,
        OffsetDateTime,
        Vec<Version<Option<Date>>>,
    );
    let mut released: Vec<Released> = Vec::new();
    let mut index = 0;
    for ((a, participant_id, recorded), allocation_id) in
        new_allocations.iter().zip(&allocation_ids)
    {
        for t in tranches_of
            .get(&(a.ods_code.as_str(), a.reference.as_str()))
            .into_iter()
            .flatten()
        {
            let milestone_id = t
                .milestone_reference
                .as_ref()
                .map(|r| milestone_ids[&(*participant_id, r.as_str().to_owned())]);
            let mut timeline = Timeline::new(None, *recorded);
            if let Some(on) = t.released_on {
                timeline.update(at(noon(on)), Some(on), false);
            }
            let mut values = tranche_values(
                t,
                *allocation_id,
                milestone_id,
                &timeline.current,
                *recorded,
            )
            .to_vec();
            values.push(us(timeline.current.from));
            rows.push(txn, values)
                .await
                .map_err(|e| unique_at(e, &t.origin, "name"))?;
            if !timeline.history.is_empty() {
                let mut versions = timeline.history;
                versions.shrink_to_fit();
                released.push((index, t, *allocation_id, milestone_id, *recorded, versions));
            }
            index += 1;
            report.added("tranches");
        }
    }
    rows.flush(txn)
        .await
        .map_err(|e| unique_in(e, "tranches.csv", "name"))?;
    let mut history = Insert::new(txn, "tranches_history", TRANCHE_HISTORY_COLUMNS, false);
    for (index, t, allocation_id, milestone_id, recorded, versions) in &released {
        for version in versions {
            let mut values = vec![v(rows.ids[*index])];
            values.extend(tranche_values(
                t,
                *allocation_id,
                *milestone_id,
                version,
                *recorded,
            ));
            values.push(us(version.from));
            values.push(us(version.to));
            history.push(txn, values).await?;
        }
    }
    history.flush(txn).await?;
    drop(released);
    drop(new_allocations);

    // Returns, by period and participant: recorded when submitted (a draft
    // never submitted, when the seed is loaded), then approved on its date;
    // a return sent back for changes is recorded so when the seed is loaded
    // (the files do not date it). Their lines and risks are recorded with them.
    let mut rows = Insert::new(txn, "returns", RETURN_COLUMNS, true);
    // Each new return: when drafted, and the versions it replaced.
    let mut drafted_at = Vec::with_capacity(new_returns.len());
    let mut histories: Vec<(usize, Vec<Version<ReturnFields>>)> = Vec::new();
    for (index, (r, participant_id, period_id)) in new_returns.iter().enumerate() {
        let submitted = r.submitted_on.map(noon);
        let drafted = at(submitted.unwrap_or(load));
        let mut timeline = Timeline::new(
            ReturnFields {
                status: ReturnStatus::Draft,
                office_rating: None,
                office_comment: None,
                submitted_at: None,
                approved_at: None,
            },
            drafted,
        );
        if r.status != ReturnStatus::Draft {
            if let Some(when) = submitted {
                let when = at(when);
                let mut next = timeline.current.fields.clone();
                next.status = ReturnStatus::Submitted;
                next.submitted_at = Some(when);
                timeline.update(when, next, true);
            }
            match r.status {
                ReturnStatus::Returned => {
                    let mut next = timeline.current.fields.clone();
                    next.status = ReturnStatus::Returned;
                    next.office_comment = r.office_comment.clone();
                    timeline.update(load, next, true);
                }
                ReturnStatus::Approved => {
                    let when = at(r.approved_on.map(noon).unwrap_or(drafted));
                    let mut next = timeline.current.fields.clone();
                    next.status = ReturnStatus::Approved;
                    next.approved_at = Some(when);
                    next.office_rating = r.office_rating.map(|x| x.code().to_owned());
                    next.office_comment = r.office_comment.clone();
                    timeline.update(when, next, true);
                }
                _ => {}
            }
        }
        let mut values =
            return_values(r, *period_id, *participant_id, &timeline.current, drafted).to_vec();
        values.push(us(timeline.current.from));
        rows.push(txn, values)
            .await
            .map_err(|e| unique_at(e, &r.origin, "period"))?;
        if !timeline.history.is_empty() {
            let mut versions = timeline.history;
            versions.shrink_to_fit();
            histories.push((index, versions));
        }
        drafted_at.push(drafted);
        report.added("returns");
    }
    rows.flush(txn)
        .await
        .map_err(|e| unique_in(e, "returns.csv", "period"))?;
    let return_ids = std::mem::take(&mut rows.ids);
    let mut history = Insert::new(txn, "returns_history", RETURN_HISTORY_COLUMNS, false);
    for (index, versions) in &histories {
        let (r, participant_id, period_id) = new_returns[*index];
        for version in versions {
            let mut values = vec![v(return_ids[*index])];
            values.extend(return_values(
                r,
                period_id,
                participant_id,
                version,
                drafted_at[*index],
            ));
            values.push(us(version.from));
            values.push(us(version.to));
            history.push(txn, values).await?;
        }
    }
    history.flush(txn).await?;
    drop(histories);
    // Their lines and risks, read from the files as they are written.
    if seed.illustrative {
        let mut lines = Insert::new(txn, "return_milestone_updates", LINE_COLUMNS, false);
        for u in super::validate::updates(set)? {
            let u = u?;
            let Some(&index) = new_return_at.get(&(u.ods_code.as_str(), u.period.as_str())) else {
                continue;
            };
            let (_, participant_id, _) = new_returns[index];
            let milestone_id =
                milestone_ids[&(participant_id, u.milestone_reference.as_str().to_owned())];
            lines
                .push(
                    txn,
                    [
                        v(return_ids[index]),
                        v(milestone_id),
                        v(u.forecast_on),
                        v(u.status.code().to_owned()),
                        v(u.comment),
                        us(drafted_at[index]),
                    ],
                )
                .await?;
            report.added("return milestone updates");
        }
        lines.flush(txn).await?;
        let mut risks = Insert::new(txn, "return_risks", RISK_COLUMNS, false);
        for k in super::validate::risks(set)? {
            let k = k?;
            let Some(&index) = new_return_at.get(&(k.ods_code.as_str(), k.period.as_str())) else {
                continue;
            };
            risks
                .push(
                    txn,
                    [
                        v(return_ids[index]),
                        v(k.position),
                        v(k.description),
                        v(k.rating.code().to_owned()),
                        v(k.mitigation),
                        us(drafted_at[index]),
                    ],
                )
                .await?;
            report.added("return risks");
        }
        risks.flush(txn).await?;
    }

    Ok(report)
}
