//! Writing a checked seed in one transaction, skipping rows whose natural key
//! already exists, and recording what was added in the audit trail.
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, Set, TransactionTrait,
};
use time::OffsetDateTime;

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
    crate::store::history::stamp(&txn, crate::clock::now()).await?;
    let report = write_in(&txn, seed).await?;
    if report.total_added() > 0 {
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

async fn write_in(txn: &DatabaseTransaction, seed: &Seed) -> Result<SeedReport, LoadError> {
    let now = OffsetDateTime::now_utc();
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
    for m in &seed.milestones {
        let key = (pid(m.ods_code.as_str()), m.reference.as_str().to_owned());
        if milestone_ids.contains_key(&key) {
            report.present("milestones");
            continue;
        }
        let id = e::milestone::ActiveModel {
            participant_id: Set(key.0),
            reference: Set(key.1.clone()),
            title: Set(m.title.clone()),
            category: Set(m.category.code().to_owned()),
            baseline_on: Set(m.baseline_on),
            forecast_on: Set(m.forecast_on),
            actual_on: Set(m.actual_on),
            status: Set(m.status.code().to_owned()),
            signed_off_on: Set(m.signed_off_on),
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
        report.added("milestones");
    }

    // Allocations (within the cap, counting what the database already holds),
    // then their profiles and tranches; an allocation already present keeps its own.
    let existing_allocations = Allocations::find().all(txn).await?;
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
        for p in seed
            .profiles
            .iter()
            .filter(|p| p.ods_code == a.ods_code && p.allocation_reference == a.reference)
        {
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
        for t in seed
            .tranches
            .iter()
            .filter(|t| t.ods_code == a.ods_code && t.allocation_reference == a.reference)
        {
            let milestone_id = t
                .milestone_reference
                .as_ref()
                .map(|r| milestone_ids[&(participant_id, r.as_str().to_owned())]);
            e::tranche::ActiveModel {
                allocation_id: Set(allocation_id),
                name: Set(t.name.clone()),
                kind: Set(t.kind.code().to_owned()),
                milestone_id: Set(milestone_id),
                amount_pence: Set(t.amount.value()),
                released_on: Set(t.released_on),
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
            report.added("tranches");
        }
    }

    // Reporting periods, by label; returns, by period and participant, with
    // their milestone updates and risks (an existing return keeps its own).
    let mut period_ids: HashMap<String, i32> = ReportingPeriods::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.label, p.id))
        .collect();
    for p in &seed.periods {
        if period_ids.contains_key(&p.label) {
            report.present("reporting periods");
            continue;
        }
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
        report.added("reporting periods");
    }
    let existing_returns: Vec<(i32, i32)> = Returns::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|r| (r.period_id, r.participant_id))
        .collect();
    let mut updates = Vec::new();
    let mut risks = Vec::new();
    let at_noon = |d: time::Date| d.with_hms(12, 0, 0).map(|t| t.assume_utc()).ok();
    for r in &seed.returns {
        let participant_id = pid(r.ods_code.as_str());
        let period_id = period_ids[&r.period];
        if existing_returns.contains(&(period_id, participant_id)) {
            report.present("returns");
            continue;
        }
        let return_id = e::progress_return::ActiveModel {
            period_id: Set(period_id),
            participant_id: Set(participant_id),
            status: Set(r.status.code().to_owned()),
            spend_to_date_pence: Set(r.spend_to_date.map(|p| p.value())),
            rating_scale: Set(crate::domain::rating::RatingScale::Rag.code().to_owned()),
            self_rating: Set(r.self_rating.map(|x| x.code().to_owned())),
            rating_justification: Set(r.rating_justification.clone()),
            narrative: Set(r.narrative.clone()),
            office_rating: Set(r.office_rating.map(|x| x.code().to_owned())),
            office_comment: Set(r.office_comment.clone()),
            submitted_at: Set(r.submitted_on.and_then(at_noon)),
            submitted_by: Set(None),
            approved_at: Set(r.approved_on.and_then(at_noon)),
            approved_by: Set(None),
            illustrative: Set(true),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| unique_at(e, &r.origin, "period"))?
        .id;
        report.added("returns");
        for u in seed
            .updates
            .iter()
            .filter(|u| u.ods_code == r.ods_code && u.period == r.period)
        {
            updates.push(e::return_milestone_update::ActiveModel {
                return_id: Set(return_id),
                milestone_id: Set(
                    milestone_ids[&(participant_id, u.milestone_reference.as_str().to_owned())]
                ),
                forecast_on: Set(u.forecast_on),
                status: Set(u.status.code().to_owned()),
                comment: Set(u.comment.clone()),
                ..Default::default()
            });
            report.added("return milestone updates");
        }
        for k in seed
            .risks
            .iter()
            .filter(|k| k.ods_code == r.ods_code && k.period == r.period)
        {
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
    }
    insert_in_batches(txn, updates).await?;
    insert_in_batches(txn, risks).await?;
    Ok(report)
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
