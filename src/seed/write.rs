//! Writing a checked seed in one transaction, skipping rows whose natural key
//! already exists, and recording what was added in the audit trail.
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, Set, TransactionTrait,
};
use time::{Date, OffsetDateTime};

use crate::domain::reporting::ReturnStatus;

use super::LoadError;
use super::records::Origin;
use super::validate::Seed;
use crate::domain::funding::{CapTable, FundingCap, check_allocation, check_group_allocation};
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

pub async fn write(db: &DatabaseConnection, seed: &Seed) -> Result<SeedReport, LoadError> {
    let txn = begin_alone(db).await?;
    let report = write_in(&txn, seed).await?;
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

/// Stamps the seed's transaction with the instant each record was made
/// (`store::history`), so the history it loads has its original dates;
/// nothing is recorded after the load itself.
struct Stamper {
    load: OffsetDateTime,
    last: Option<OffsetDateTime>,
}

impl Stamper {
    async fn at(
        &mut self,
        txn: &DatabaseTransaction,
        at: OffsetDateTime,
    ) -> Result<OffsetDateTime, DbErr> {
        let at = at.min(self.load);
        if self.last != Some(at) {
            crate::store::history::stamp(txn, at).await?;
            self.last = Some(at);
        }
        Ok(at)
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
type ApprovedLine = (OffsetDateTime, Date, Option<Date>, String);

/// A new version of a milestone: (recorded at, id, its fields, and for the
/// office's own update, its organisation and the fields it replaced).
type MilestoneChange = (
    OffsetDateTime,
    i32,
    MilestoneFacts,
    Option<(i32, MilestoneFacts)>,
);

/// A milestone's live fields, as a return line or the seed's final record sets them.
#[derive(Clone, Debug, PartialEq, Eq)]
struct MilestoneFacts {
    forecast_on: Option<Date>,
    actual_on: Option<Date>,
    status: String,
    signed_off_on: Option<Date>,
}

async fn write_in(txn: &DatabaseTransaction, seed: &Seed) -> Result<SeedReport, LoadError> {
    let load = crate::clock::now();
    let mut stamp = Stamper { load, last: None };
    let now = stamp.at(txn, noon(REFERENCE_DATA_FROM)).await?;
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
    let mut new_trusts = Vec::new();
    for t in &seed.trusts {
        if org_ids.contains_key(t.ods_code.as_str()) {
            report.present("organisations");
            continue;
        }
        let key = (NameKey::of(&t.name), "GB".to_owned());
        if let Some((_, holder)) = names.get(&key) {
            return Err(taken(&t.origin, &t.name, holder).into());
        }
        let model = e::organisation::ActiveModel {
            ods_code: Set(Some(t.ods_code.as_str().to_owned())),
            name_key: Set(key.0.as_str().to_owned()),
            name: Set(t.name.clone()),
            name_at_designation: Set(t.name_at_designation.clone()),
            kind: Set(OrganisationKind::NhsTrust.code().to_owned()),
            sector: Set(Some(t.sector.code().to_owned())),
            region_code: Set(t.region_code.as_ref().map(|r| r.as_str().to_owned())),
            region_code_2017: Set(t.region_code_2017.as_ref().map(|r| r.as_str().to_owned())),
            country_code: Set("GB".to_owned()),
            opened_on: Set(t.opened_on),
            closed_on: Set(t.closed_on),
            successor_id: Set(None),
            source: Set(t.source.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| unique_at(e, &t.origin, "name"))?;
        org_ids.insert(t.ods_code.as_str().to_owned(), model.id);
        names.insert(key, (model.id, model.ods_code.clone()));
        new_trusts.push(t);
        report.added("organisations");
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

    // Partner organisations, by name key and country.
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

    // Participants, by organisation.
    let mut participant_ids: HashMap<i32, i32> = Participants::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.organisation_id, p.id))
        .collect();
    let mut participant_by_ods: HashMap<String, (i32, Role, Sector)> = HashMap::new();
    for p in &seed.participants {
        let org_id = org_ids[p.ods_code.as_str()];
        let id = match participant_ids.get(&org_id) {
            Some(id) => {
                report.present("participants");
                *id
            }
            None => {
                let (designated_on, designated_precision) = p.designated.to_storage();
                let now = stamp.at(txn, noon(designated_on)).await?;
                let accredited = p.accredited.map(|a| a.to_storage());
                let id = e::participant::ActiveModel {
                    organisation_id: Set(org_id),
                    role: Set(p.role.code().to_owned()),
                    sector: Set(p.sector.code().to_owned()),
                    wave: Set(p.wave.clone()),
                    designated_on: Set(designated_on),
                    designated_precision: Set(designated_precision.to_owned()),
                    accredited_on: Set(accredited.map(|a| a.0)),
                    accredited_precision: Set(accredited.map(|a| a.1.to_owned())),
                    status: Set(p.status.code().to_owned()),
                    confidence: Set(p.confidence.code().to_owned()),
                    source: Set(p.source.clone()),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(txn)
                .await
                .map_err(|e| unique_at(e, &p.origin, "ods_code"))?
                .id;
                participant_ids.insert(org_id, id);
                report.added("participants");
                id
            }
        };
        participant_by_ods.insert(p.ods_code.as_str().to_owned(), (id, p.role, p.sector));
    }
    let pid = |ods: &str| participant_by_ods[ods].0;

    // Pairings, by fast follower.
    let paired: Vec<i32> = Pairings::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| p.fast_follower_id)
        .collect();
    for pairing in &seed.pairings {
        let follower = pid(pairing.fast_follower.as_str());
        if paired.contains(&follower) {
            report.present("pairings");
            continue;
        }
        e::pairing::ActiveModel {
            fast_follower_id: Set(follower),
            exemplar_id: Set(pid(pairing.exemplar.as_str())),
            confidence: Set(pairing.confidence.code().to_owned()),
            source: Set(pairing.source.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| unique_at(e, &pairing.origin, "fast_follower_ods_code"))?;
        report.added("pairings");
    }

    // Partnerships, by participant, partner and role.
    let existing: Vec<(i32, i32, String)> = Partnerships::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.participant_id, p.partner_id, p.role))
        .collect();
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
        e::partnership::ActiveModel {
            participant_id: Set(key.0),
            partner_id: Set(key.1),
            role: Set(key.2),
            started_on: Set(started.map(|s| s.0)),
            started_precision: Set(started.map(|s| s.1.to_owned())),
            ended_on: Set(ended.map(|s| s.0)),
            ended_precision: Set(ended.map(|s| s.1.to_owned())),
            confidence: Set(link.confidence.code().to_owned()),
            source: Set(link.source.clone()),
            note: Set(link.note.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| unique_at(e, &link.origin, "partner_name"))?;
        report.added("partnerships");
    }

    // Funding caps, by role and sector.
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
    let existing: Vec<(i32, String, time::Date)> = MaturityAssessments::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|m| (m.participant_id, m.scale, m.assessed_on))
        .collect();
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
        let now = stamp.at(txn, noon(assessed_on)).await?;
        e::maturity_assessment::ActiveModel {
            participant_id: Set(key.0),
            scale: Set(key.1),
            score: Set(i32::from(m.score.value())),
            assessed_on: Set(assessed_on),
            assessed_precision: Set(precision.to_owned()),
            source: Set(m.source.clone()),
            illustrative: Set(*illustrative),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| unique_at(e, &m.origin, "ods_code"))?;
        report.added("maturity assessments");
    }

    // Milestones, by participant and reference.
    let mut milestone_ids: HashMap<(i32, String), i32> = Milestones::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|m| ((m.participant_id, m.reference), m.id))
        .collect();
    // A milestone is recorded with its participant's first award or first
    // return, whichever came first (or its designation), at its baseline and not started; the returns approved
    // later move it (below), and what the seed holds beyond them is
    // recorded after the last of those returns.
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
    // New milestones: (id, organisation, recorded at, final facts).
    let mut new_milestones: Vec<(i32, i32, OffsetDateTime, Date, MilestoneFacts)> = Vec::new();
    for m in &seed.milestones {
        let key = (pid(m.ods_code.as_str()), m.reference.as_str().to_owned());
        if milestone_ids.contains_key(&key) {
            report.present("milestones");
            continue;
        }
        let ods = m.ods_code.as_str();
        let planned = first_award
            .get(ods)
            .or_else(|| designated.get(ods))
            .copied()
            .unwrap_or(REFERENCE_DATA_FROM);
        let now = stamp.at(txn, noon(planned)).await?;
        let id = e::milestone::ActiveModel {
            participant_id: Set(key.0),
            reference: Set(key.1.clone()),
            title: Set(m.title.clone()),
            category: Set(m.category.code().to_owned()),
            baseline_on: Set(m.baseline_on),
            forecast_on: Set(Some(m.baseline_on)),
            actual_on: Set(None),
            status: Set("not_started".to_owned()),
            signed_off_on: Set(None),
            signed_off_by: Set(None),
            illustrative: Set(true),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| unique_at(e, &m.origin, "reference"))?
        .id;
        milestone_ids.insert(key, id);
        new_milestones.push((
            id,
            org_ids[ods],
            now,
            m.baseline_on,
            MilestoneFacts {
                forecast_on: m.forecast_on,
                actual_on: m.actual_on,
                status: m.status.code().to_owned(),
                signed_off_on: m.signed_off_on,
            },
        ));
        report.added("milestones");
    }

    // Allocations (within the cap, counting what the database already holds),
    // then their profiles and tranches; an allocation already present keeps its own.
    let existing_allocations = Allocations::find().all(txn).await?;
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
    // Tranches released later than they were recorded: (id, released on).
    let mut releases: Vec<(i32, Date)> = Vec::new();
    for a in &seed.allocations {
        let (participant_id, role, sector) = participant_by_ods[a.ods_code.as_str()];
        if existing_allocations
            .iter()
            .any(|x| x.participant_id == participant_id && x.reference == a.reference)
        {
            report.present("allocations");
            continue;
        }
        let already: Vec<Pence> = Allocations::find()
            .filter(e::allocation::Column::ParticipantId.eq(participant_id))
            .all(txn)
            .await?
            .iter()
            .map(|x| Pence::new(x.central_pence).unwrap_or(Pence::ZERO))
            .collect();
        check_allocation(
            a.ods_code.as_str(),
            role,
            sector,
            &cap_table,
            &already,
            a.central,
        )
        .map_err(|err| a.origin.error(Some("central"), err.to_string()))?;
        // The group's shared cap, counting every member's allocations on
        // record (including those this load has written so far).
        if let Some((group_id, group)) =
            crate::store::funding::group_of(txn, participant_id).await?
        {
            let members = crate::store::funding::group_allocations(txn, group_id, None).await?;
            check_group_allocation(&group, a.ods_code.as_str(), &members, a.central)
                .map_err(|err| a.origin.error(Some("central"), err.to_string()))?;
        }
        let now = stamp.at(txn, noon(a.awarded_on)).await?;
        let allocation_id = e::allocation::ActiveModel {
            participant_id: Set(participant_id),
            reference: Set(a.reference.clone()),
            central_pence: Set(a.central.value()),
            local_match_pence: Set(a.local_match.value()),
            awarded_on: Set(a.awarded_on),
            illustrative: Set(true),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| unique_at(e, &a.origin, "reference"))?
        .id;
        report.added("allocations");
        let key = (a.ods_code.as_str(), a.reference.as_str());
        for p in profiles_of.get(&key).into_iter().flatten() {
            e::allocation_profile::ActiveModel {
                allocation_id: Set(allocation_id),
                financial_year: Set(p.financial_year.start_year()),
                amount_pence: Set(p.amount.value()),
                ..Default::default()
            }
            .insert(txn)
            .await
            .map_err(|e| unique_at(e, &p.origin, "financial_year"))?;
            report.added("allocation profile years");
        }
        for t in tranches_of.get(&key).into_iter().flatten() {
            let milestone_id = t
                .milestone_reference
                .as_ref()
                .map(|r| milestone_ids[&(participant_id, r.as_str().to_owned())]);
            let tranche = e::tranche::ActiveModel {
                allocation_id: Set(allocation_id),
                name: Set(t.name.clone()),
                kind: Set(t.kind.code().to_owned()),
                milestone_id: Set(milestone_id),
                amount_pence: Set(t.amount.value()),
                released_on: Set(None),
                released_by: Set(None),
                illustrative: Set(true),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await
            .map_err(|e| unique_at(e, &t.origin, "name"))?;
            if let Some(on) = t.released_on {
                releases.push((tranche.id, on));
            }
            report.added("tranches");
        }
    }
    releases.sort_by_key(|(_, on)| *on);
    for (id, on) in releases {
        let at = stamp.at(txn, noon(on)).await?;
        Tranches::update_many()
            .col_expr(e::tranche::Column::ReleasedOn, Expr::value(on))
            .col_expr(e::tranche::Column::UpdatedAt, Expr::value(at))
            .filter(e::tranche::Column::Id.eq(id))
            .exec(txn)
            .await?;
    }

    // Reporting periods, by label; returns, by period and participant, with
    // their milestone updates and risks (an existing return keeps its own).
    let on_record = ReportingPeriods::find().all(txn).await?;
    let mut period_ends: HashMap<String, Date> = on_record
        .iter()
        .map(|p| (p.label.clone(), p.ends_on))
        .collect();
    let mut period_ids: HashMap<String, i32> =
        on_record.into_iter().map(|p| (p.label, p.id)).collect();
    for p in &seed.periods {
        if period_ids.contains_key(&p.label) {
            report.present("reporting periods");
            continue;
        }
        let now = stamp.at(txn, noon(p.starts_on)).await?;
        let id = e::reporting_period::ActiveModel {
            label: Set(p.label.clone()),
            frequency: Set(p.frequency.code().to_owned()),
            starts_on: Set(p.starts_on),
            ends_on: Set(p.ends_on),
            due_on: Set(p.due_on),
            status: Set(p.status.code().to_owned()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| unique_at(e, &p.origin, "label"))?
        .id;
        period_ids.insert(p.label.clone(), id);
        period_ends.insert(p.label.clone(), p.ends_on);
        report.added("reporting periods");
    }
    let existing_returns: std::collections::HashSet<(i32, i32)> = Returns::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|r| (r.period_id, r.participant_id))
        .collect();
    // Each return's lines and risks, by trust and period (one pass, not one
    // scan of every line per return).
    let mut updates_of: HashMap<(&str, &str), Vec<_>> = HashMap::new();
    for u in &seed.updates {
        updates_of
            .entry((u.ods_code.as_str(), u.period.as_str()))
            .or_default()
            .push(u);
    }
    let mut risks_of: HashMap<(&str, &str), Vec<_>> = HashMap::new();
    for k in &seed.risks {
        risks_of
            .entry((k.ods_code.as_str(), k.period.as_str()))
            .or_default()
            .push(k);
    }
    // Approved lines per milestone: (approved at, period end, forecast, status).
    let mut approved_lines: HashMap<i32, Vec<ApprovedLine>> = HashMap::new();
    // The latest submission that reported on each milestone.
    let mut reported_at: HashMap<i32, OffsetDateTime> = HashMap::new();
    for r in &seed.returns {
        let participant_id = pid(r.ods_code.as_str());
        let period_id = period_ids[&r.period];
        if existing_returns.contains(&(period_id, participant_id)) {
            report.present("returns");
            continue;
        }
        // A return is recorded when it was submitted, then approved on its
        // date. What the seed does not date (when a draft never submitted
        // was started, when a return was sent back for changes) is recorded
        // when the seed is loaded.
        let ends_on = period_ends.get(&r.period).copied();
        let submitted = r.submitted_on.map(noon);
        let drafted = stamp.at(txn, submitted.unwrap_or(load)).await?;
        let return_id = e::progress_return::ActiveModel {
            period_id: Set(period_id),
            participant_id: Set(participant_id),
            status: Set(ReturnStatus::Draft.code().to_owned()),
            spend_to_date_pence: Set(r.spend_to_date.map(|p| p.value())),
            rating_scale: Set(crate::domain::rating::RatingScale::Rag.code().to_owned()),
            self_rating: Set(r.self_rating.map(|x| x.code().to_owned())),
            rating_justification: Set(r.rating_justification.clone()),
            narrative: Set(r.narrative.clone()),
            office_rating: Set(None),
            office_comment: Set(None),
            submitted_at: Set(None),
            submitted_by: Set(None),
            approved_at: Set(None),
            approved_by: Set(None),
            illustrative: Set(true),
            version: Set(1),
            created_at: Set(drafted),
            updated_at: Set(drafted),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| unique_at(e, &r.origin, "period"))?
        .id;
        report.added("returns");
        let key = (r.ods_code.as_str(), r.period.as_str());
        let mut lines = Vec::new();
        for u in updates_of.get(&key).into_iter().flatten() {
            let milestone_id =
                milestone_ids[&(participant_id, u.milestone_reference.as_str().to_owned())];
            lines.push(e::return_milestone_update::ActiveModel {
                return_id: Set(return_id),
                milestone_id: Set(milestone_id),
                forecast_on: Set(u.forecast_on),
                status: Set(u.status.code().to_owned()),
                comment: Set(u.comment.clone()),
                ..Default::default()
            });
            if let Some(at) = submitted {
                let latest = reported_at.entry(milestone_id).or_insert(at);
                *latest = (*latest).max(at);
            }
            if let (Some(at), Some(ends_on), ReturnStatus::Approved) =
                (r.approved_on.map(noon), ends_on, r.status)
            {
                approved_lines.entry(milestone_id).or_default().push((
                    at,
                    ends_on,
                    u.forecast_on,
                    u.status.code().to_owned(),
                ));
            }
            report.added("return milestone updates");
        }
        insert_in_batches(txn, lines).await?;
        let mut risks = Vec::new();
        for k in risks_of.get(&key).into_iter().flatten() {
            risks.push(e::return_risk::ActiveModel {
                return_id: Set(return_id),
                position: Set(k.position),
                description: Set(k.description.clone()),
                rating: Set(k.rating.code().to_owned()),
                mitigation: Set(k.mitigation.clone()),
                ..Default::default()
            });
            report.added("return risks");
        }
        insert_in_batches(txn, risks).await?;

        // Its later states, in order.
        let set = |status: ReturnStatus, at: OffsetDateTime| {
            use sea_orm::sea_query::ExprTrait;
            Returns::update_many()
                .col_expr(
                    e::progress_return::Column::Status,
                    Expr::value(status.code()),
                )
                .col_expr(e::progress_return::Column::UpdatedAt, Expr::value(at))
                .col_expr(
                    e::progress_return::Column::Version,
                    Expr::col(e::progress_return::Column::Version).add(1),
                )
                .filter(e::progress_return::Column::Id.eq(return_id))
        };
        if r.status == ReturnStatus::Draft {
            continue;
        }
        if let Some(at) = submitted {
            let at = stamp.at(txn, at).await?;
            set(ReturnStatus::Submitted, at)
                .col_expr(e::progress_return::Column::SubmittedAt, Expr::value(at))
                .exec(txn)
                .await?;
        }
        match r.status {
            ReturnStatus::Returned => {
                let at = stamp.at(txn, load).await?;
                set(ReturnStatus::Returned, at)
                    .col_expr(
                        e::progress_return::Column::OfficeComment,
                        Expr::value(r.office_comment.clone()),
                    )
                    .exec(txn)
                    .await?;
            }
            ReturnStatus::Approved => {
                let at = r.approved_on.map(noon).unwrap_or(drafted);
                let at = stamp.at(txn, at).await?;
                set(ReturnStatus::Approved, at)
                    .col_expr(e::progress_return::Column::ApprovedAt, Expr::value(at))
                    .col_expr(
                        e::progress_return::Column::OfficeRating,
                        Expr::value(r.office_rating.map(|x| x.code().to_owned())),
                    )
                    .col_expr(
                        e::progress_return::Column::OfficeComment,
                        Expr::value(r.office_comment.clone()),
                    )
                    .exec(txn)
                    .await?;
            }
            _ => {}
        }
    }

    // Each new milestone's history: the approved returns' lines in the
    // order they were approved (never moving it back to an earlier
    // period's report), then whatever the seed holds beyond them, recorded
    // after the last return that reported on it (or on the completion or
    // sign-off date, if later), as the office's own update.
    // Every milestone's versions, then written in time order, so that one
    // stamp serves all the changes of one instant (a return's lines).
    let mut changes: Vec<MilestoneChange> = Vec::new();
    for (id, organisation_id, created, baseline_on, last) in new_milestones {
        let mut facts = MilestoneFacts {
            forecast_on: Some(baseline_on),
            actual_on: None,
            status: "not_started".to_owned(),
            signed_off_on: None,
        };
        let mut recorded = created;
        let mut lines = approved_lines.remove(&id).unwrap_or_default();
        lines.sort_by_key(|(at, ends_on, _, _)| (*at, *ends_on));
        let mut latest_end: Option<Date> = None;
        for (at, ends_on, forecast_on, status) in lines {
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
                status,
                signed_off_on: None,
            };
            recorded = recorded.max(at);
            if next != facts {
                changes.push((at, id, next.clone(), None));
                facts = next;
            }
        }
        if facts == last {
            continue;
        }
        let mut at =
            recorded.max(reported_at.get(&id).copied().unwrap_or(created)) + time::Duration::DAY;
        if last.status == "complete"
            && let Some(on) = last.actual_on
        {
            at = at.max(noon(on));
        }
        if let Some(on) = last.signed_off_on {
            at = at.max(noon(on));
        }
        changes.push((at.min(load), id, last, Some((organisation_id, facts))));
    }
    changes.sort_by_key(|(at, ..)| *at);
    for (at, id, facts, office) in changes {
        let at = stamp.at(txn, at).await?;
        set_milestone(txn, id, &facts, at).await?;
        let Some((organisation_id, before)) = office else {
            continue;
        };
        let facts_json = |f: &MilestoneFacts| {
            serde_json::json!({
                "forecast_on": f.forecast_on.map(|d| d.to_string()),
                "actual_on": f.actual_on.map(|d| d.to_string()),
                "status": f.status,
                "signed_off_on": f.signed_off_on.map(|d| d.to_string()),
            })
        };
        crate::clock::Clock::manual(at)
            .scope(audit::record(
                txn,
                AuditEntry::system("seed", "milestone.progress", "milestone", &id.to_string())
                    .organisation(organisation_id)
                    .before(facts_json(&before))
                    .after(facts_json(&facts))
                    .reason(
                        "progress recorded in the seed data after the returns approved by then",
                    ),
            ))
            .await?;
    }
    Ok(report)
}

/// Sets a milestone's live fields at `at` (a new version).
async fn set_milestone(
    txn: &DatabaseTransaction,
    id: i32,
    facts: &MilestoneFacts,
    at: OffsetDateTime,
) -> Result<(), DbErr> {
    use e::milestone::Column as C;
    use sea_orm::sea_query::ExprTrait;
    Milestones::update_many()
        .col_expr(C::ForecastOn, Expr::value(facts.forecast_on))
        .col_expr(C::ActualOn, Expr::value(facts.actual_on))
        .col_expr(C::Status, Expr::value(facts.status.clone()))
        .col_expr(C::SignedOffOn, Expr::value(facts.signed_off_on))
        .col_expr(C::UpdatedAt, Expr::value(at))
        .col_expr(C::Version, Expr::col(C::Version).add(1))
        .filter(C::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Many rows in a few statements: the seed's thousands of return lines would
/// otherwise be thousands of round trips.
async fn insert_in_batches<A>(txn: &DatabaseTransaction, rows: Vec<A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(200).collect();
        <A::Entity as EntityTrait>::insert_many(batch)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}
