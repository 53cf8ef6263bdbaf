//! Participants, with their fast follower pairings: a new ODS code is
//! designated as the new participant form does (adding the trust to the
//! record when it is not there yet); an existing participant is updated as
//! its edit form does (the same `parse_profile` rules, its version compared,
//! a new role or sector still holding its allocations within the caps), and
//! its pairing set as the pairing form does.
//!
//! A participants file is small (tens of rows), so its rows are held in
//! memory: the cap groups of participants whose role or sector changes are
//! claimed, then every participant the file names (the lock order of
//! `concurrency`), and every rule is checked under those claims.
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Read;

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::{ExportFilter, ImportOutcome, MAX_LISTED_ROWS, RowOutcome, Source};
use crate::domain::dates::ApproxDate;
use crate::domain::funding::{check_allocation, check_group_allocation};
use crate::domain::interchange::cells::{self, approx_text};
use crate::domain::interchange::kinds::Kind;
use crate::domain::interchange::reader::Row;
use crate::domain::interchange::{Problem, Problems, RowAction};
use crate::domain::money::Pence;
use crate::domain::names::NameKey;
use crate::domain::ods::OdsCode;
use crate::domain::participant::{Confidence, OrganisationKind, Role};
use crate::domain::programme::Filter;
use crate::domain::region::RegionCode;
use crate::domain::spreadsheet::{Cell, neutralise};
use crate::domain::text::{CountryCode, ShortText};
use crate::entities::{
    Allocations, CapGroupMembers, Organisations, Pairings, Participants, allocation,
    cap_group_member, organisation, pairing, participant,
};
use crate::services::concurrency::{
    Versioned, claim_cap_group, claim_participant, update_versioned,
};
use crate::services::participants::{
    ParticipantForm, Profile, name_taken, organisation_named, parse_profile, snapshot,
};
use crate::services::{By, ServiceError};
use crate::store::audit::{self, AuditEntry};
use crate::store::decode;

/// The most rows a participants, partners or partnerships file may have
/// (held in memory while they are checked together).
pub const MAX_SETUP_ROWS: usize = 100_000;

/// Column indexes in the participants file.
const ODS: usize = 0;
const NAME: usize = 1;
const REGION: usize = 2;
const ROLE: usize = 3;
const DESIGNATED: usize = 6;
const ACCREDITED: usize = 7;
const EXEMPLAR: usize = 9;
const VERSION: usize = 10;

/// The audit reason naming the import and the line.
pub(super) fn reason(outcome: &ImportOutcome, file_name: &str, line: u64) -> String {
    format!(
        "Spreadsheet import {} ({} file {}), line {}",
        outcome.import_id,
        outcome.kind.code(),
        file_name,
        line
    )
}

/// Counts and lists one row's action.
pub(super) fn tally(outcome: &mut ImportOutcome, line: u64, key: String, action: RowAction) {
    match action {
        RowAction::Create => outcome.created += 1,
        RowAction::Update => outcome.updated += 1,
        RowAction::Unchanged => outcome.unchanged += 1,
    }
    if outcome.rows.len() < MAX_LISTED_ROWS {
        outcome.rows.push(RowOutcome { line, key, action });
    }
}

/// A stale version: the row is a conflict.
pub(super) fn conflict(row_line: u64, column: &str, key: &str, v: i32, now: i32) -> Problem {
    Problem::cell(
        row_line,
        column,
        v.to_string(),
        format!(
            "conflict: {key} has changed since it was exported (version {v}, now {now}); \
             export it again and redo the change"
        ),
    )
}

/// An insert refused by a unique index: someone else added the same record
/// between the checks and the write (the checks ran under claims, so only a
/// new record can race). Try again: a conflict, not a fault.
pub(super) fn raced(error: sea_orm::DbErr) -> ServiceError {
    match crate::services::unique_violation(&error) {
        Some(_) => ServiceError::Conflict,
        None => ServiceError::Database(error),
    }
}

/// A row's cells, kept to name them in problems found later.
pub(super) struct Kept {
    pub line: u64,
    pub cells: Vec<String>,
    pub names: Vec<String>,
}

impl Kept {
    pub fn of(row: &Row, width: usize) -> Kept {
        Kept {
            line: row.line,
            cells: (0..width).map(|i| row.cell(i).to_owned()).collect(),
            names: (0..width).map(|i| row.column(i).to_owned()).collect(),
        }
    }

    pub fn problem(&self, i: usize, reason: impl Into<String>) -> Problem {
        Problem::cell(
            self.line,
            self.names.get(i).map(String::as_str).unwrap_or(""),
            self.cells.get(i).cloned().unwrap_or_default(),
            reason,
        )
    }

    pub fn column(&self, i: usize) -> &str {
        self.names.get(i).map(String::as_str).unwrap_or("")
    }
}

/// Writes the header and rows of `kind` as spreadsheet-safe CSV.
pub(super) fn write_csv(
    kind: Kind,
    rows: impl IntoIterator<Item = Vec<Cell>>,
    out: &mut (dyn std::io::Write + Send),
) -> Result<u64, ServiceError> {
    let io = |e: csv::Error| ServiceError::Database(sea_orm::DbErr::Custom(e.to_string()));
    let mut writer = csv::Writer::from_writer(out);
    writer
        .write_record(kind.headers().iter().map(|h| neutralise(h).into_owned()))
        .map_err(io)?;
    let mut written = 0;
    for cells in rows {
        writer
            .write_record(cells.iter().map(|c| c.csv_field().into_owned()))
            .map_err(io)?;
        written += 1;
    }
    writer
        .flush()
        .map_err(|e| ServiceError::Database(sea_orm::DbErr::Custom(e.to_string())))?;
    Ok(written)
}

/// One participant row, checked alone by the form's rules.
struct Line {
    kept: Kept,
    ods: OdsCode,
    name: Option<String>,
    region: Option<RegionCode>,
    profile: Profile,
    exemplar: Option<OdsCode>,
    version: Option<i32>,
}

fn optional_text(cell: &str) -> Result<Option<String>, String> {
    let t = cells::text(cell)?;
    Ok((!t.is_empty()).then_some(t))
}

/// Checks one row: every cell, then the participant form's own rules
/// (`parse_profile`), each problem placed on its column.
fn check_row(row: &Row, problems: &mut Problems) -> Option<Line> {
    let columns = Kind::Participants.columns();
    let mut bad: HashSet<usize> = HashSet::new();
    let mut refuse = |i: usize, reason: String, problems: &mut Problems| {
        if bad.insert(i) {
            problems.push(row.problem(i, reason));
        }
    };
    let mut texts: Vec<String> = Vec::with_capacity(columns.len());
    for i in 0..columns.len() {
        match cells::text(row.cell(i)) {
            Ok(t) => texts.push(t),
            Err(reason) => {
                refuse(i, reason, problems);
                texts.push(String::new());
            }
        }
    }
    let ods = match OdsCode::parse(&texts[ODS]) {
        Ok(ods) => Some(ods),
        Err(e) => {
            let reason = if texts[ODS].is_empty() {
                "is empty but the trust's ODS code is required".to_owned()
            } else {
                e.to_string()
            };
            refuse(ODS, reason, problems);
            None
        }
    };
    let name = match optional_text(&texts[NAME]).and_then(|t| {
        t.map(|t| ShortText::parse(&t, 200).map(ShortText::into_inner))
            .transpose()
    }) {
        Ok(name) => name,
        Err(reason) => {
            refuse(NAME, reason, problems);
            None
        }
    };
    let region = match texts[REGION].is_empty() {
        true => None,
        false => match RegionCode::parse(&texts[REGION]) {
            Ok(r) => Some(r),
            Err(e) => {
                refuse(REGION, e.to_string(), problems);
                None
            }
        },
    };
    // Dates by the import's rule (31/03/2019 too), handed to the form as ISO.
    let mut date_text = |i: usize, problems: &mut Problems| {
        if texts[i].is_empty() {
            return String::new();
        }
        match cells::approx_date(&texts[i]) {
            Ok(d) => approx_text(d),
            Err(reason) => {
                refuse(i, reason, problems);
                String::new()
            }
        }
    };
    let designated = date_text(DESIGNATED, problems);
    let accredited = date_text(ACCREDITED, problems);
    let exemplar = match texts[EXEMPLAR].is_empty() {
        true => None,
        false => match OdsCode::parse(&texts[EXEMPLAR]) {
            Ok(ods) => Some(ods),
            Err(e) => {
                refuse(EXEMPLAR, e.to_string(), problems);
                None
            }
        },
    };
    let version = match cells::version(row.cell(VERSION)) {
        Ok(v) => v,
        Err(reason) => {
            refuse(VERSION, reason, problems);
            None
        }
    };
    let form = ParticipantForm {
        role: texts[ROLE].clone(),
        sector: texts[4].clone(),
        wave: texts[5].clone(),
        designated_on: designated,
        accredited_on: accredited,
        status: texts[8].clone(),
        ..Default::default()
    };
    let mut f = crate::services::fields::Fields::default();
    let profile = parse_profile(&mut f, &form);
    for error in f.errors {
        match columns.iter().position(|c| c.name == error.field) {
            // A cell already refused by the import's own rule is listed once.
            Some(i) => refuse(i, error.message, problems),
            None => problems.push(Problem::row(row.line, error.message)),
        }
    }
    if !bad.is_empty() {
        return None;
    }
    Some(Line {
        kept: Kept::of(row, columns.len()),
        ods: ods?,
        name,
        region,
        profile: profile?,
        exemplar,
        version,
    })
}

fn profile_matches(p: &Profile, stored: &participant::Model) -> bool {
    let (designated_on, designated_precision) = p.designated.to_storage();
    let accredited = p.accredited.map(|a| a.to_storage());
    p.role.code() == stored.role
        && p.sector.code() == stored.sector
        && p.wave == stored.wave
        && designated_on == stored.designated_on
        && designated_precision == stored.designated_precision
        && accredited.map(|a| a.0) == stored.accredited_on
        && accredited.map(|a| a.1) == stored.accredited_precision.as_deref()
        && p.status.code() == stored.status
}

/// What will happen to one row.
struct Plan {
    line: Line,
    /// The organisation on record, if any.
    organisation: Option<organisation::Model>,
    /// The participant on record, if any.
    current: Option<participant::Model>,
    profile_changes: bool,
    /// `Some(new exemplar)` when the pairing changes.
    pairing: Option<Option<String>>,
}

pub(super) async fn import<R: Read + Send>(
    db: &DatabaseConnection,
    by: &By,
    outcome: &mut ImportOutcome,
    source: Source<'_, R>,
) -> Result<(), ServiceError> {
    let kind = Kind::Participants;
    let Some(mut rows) = super::open_rows(source.reader, kind, outcome) else {
        return Ok(());
    };
    let mut lines: Vec<Line> = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    while let Some(row) = rows.next_row(&mut outcome.problems) {
        let Some(line) = check_row(&row, &mut outcome.problems) else {
            continue;
        };
        if let Some(first) = seen.insert(line.ods.as_str().to_owned(), row.line) {
            outcome.problems.push(row.problem(
                ODS,
                format!(
                    "{} is also on line {first}; each participant once per file",
                    line.ods
                ),
            ));
            continue;
        }
        if lines.len() >= MAX_SETUP_ROWS {
            outcome.problems.push(Problem::row(
                row.line,
                format!("a {} file has at most {MAX_SETUP_ROWS} rows", kind.code()),
            ));
            break;
        }
        lines.push(line);
    }
    if lines.is_empty() {
        return Ok(());
    }

    // Read before BEGIN to name what to claim: the cap groups of participants
    // whose role or sector changes, then the participants themselves.
    let named: Vec<String> = lines.iter().map(|l| l.ods.as_str().to_owned()).collect();
    let orgs_before: HashMap<i32, String> = Organisations::find()
        .filter(organisation::Column::OdsCode.is_in(named.clone()))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|o| o.ods_code.map(|c| (o.id, c)))
        .collect();
    let before: Vec<participant::Model> = Participants::find()
        .filter(participant::Column::OrganisationId.is_in(orgs_before.keys().copied()))
        .all(db)
        .await?;
    let by_ods_line: HashMap<&str, &Line> = lines.iter().map(|l| (l.ods.as_str(), l)).collect();
    let recapped: BTreeSet<i32> = before
        .iter()
        .filter(|p| {
            orgs_before
                .get(&p.organisation_id)
                .and_then(|ods| by_ods_line.get(ods.as_str()))
                .is_some_and(|l| {
                    l.profile.role.code() != p.role || l.profile.sector.code() != p.sector
                })
        })
        .map(|p| p.id)
        .collect();
    let groups: BTreeSet<i32> = CapGroupMembers::find()
        .filter(cap_group_member::Column::ParticipantId.is_in(recapped.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.group_id)
        .collect();
    let participant_ids: BTreeSet<i32> = before.iter().map(|p| p.id).collect();

    let txn = crate::services::begin_write(db).await?;
    for group in &groups {
        claim_cap_group(&txn, *group).await?;
    }
    for id in &participant_ids {
        claim_participant(&txn, *id).await?;
    }
    // Under the claims: the organisations and participants as they stand.
    let organisations: HashMap<String, organisation::Model> = Organisations::find()
        .filter(organisation::Column::OdsCode.is_not_null())
        .all(&txn)
        .await?
        .into_iter()
        .filter_map(|o| o.ods_code.clone().map(|c| (c, o)))
        .collect();
    let ods_of: HashMap<i32, String> = organisations
        .iter()
        .map(|(c, o)| (o.id, c.clone()))
        .collect();
    let participants: HashMap<String, participant::Model> = Participants::find()
        .all(&txn)
        .await?
        .into_iter()
        .filter_map(|p| ods_of.get(&p.organisation_id).map(|c| (c.clone(), p)))
        .collect();
    let ods_by_participant: HashMap<i32, String> = participants
        .iter()
        .map(|(c, p)| (p.id, c.clone()))
        .collect();
    let paired: HashMap<String, String> = Pairings::find()
        .all(&txn)
        .await?
        .into_iter()
        .filter_map(|p| {
            Some((
                ods_by_participant.get(&p.fast_follower_id)?.clone(),
                ods_by_participant.get(&p.exemplar_id)?.clone(),
            ))
        })
        .collect();
    // Each participant's role once the file is imported.
    let mut role_after: HashMap<String, String> = participants
        .iter()
        .map(|(c, p)| (c.clone(), p.role.clone()))
        .collect();
    for l in &lines {
        role_after.insert(l.ods.as_str().to_owned(), l.profile.role.code().to_owned());
    }
    let caps = crate::store::funding::cap_table(&txn).await?;

    let mut new_names: HashMap<String, u64> = HashMap::new();
    let mut plans: Vec<Plan> = Vec::new();
    for line in lines {
        let ods = line.ods.as_str().to_owned();
        let k = &line.kept;
        let mut ok = true;
        let organisation = organisations.get(&ods).cloned();
        match &organisation {
            Some(org) => {
                if let Some(name) = &line.name
                    && name != &org.name
                {
                    outcome.problems.push(k.problem(
                        NAME,
                        format!(
                            "{ods} is on record as {}; an import does not rename a trust \
                             (leave the name blank or as exported)",
                            org.name
                        ),
                    ));
                    ok = false;
                }
                if let Some(region) = &line.region
                    && Some(region.as_str()) != org.region_code.as_deref()
                {
                    outcome.problems.push(k.problem(
                        REGION,
                        format!(
                            "{ods} is on record in region {}; an import does not move a trust \
                             (leave the region blank or as exported)",
                            org.region_code.as_deref().unwrap_or("(none)")
                        ),
                    ));
                    ok = false;
                }
            }
            None => {
                match &line.name {
                    None => {
                        outcome.problems.push(k.problem(
                            NAME,
                            format!("{ods} is not on record yet; enter the trust's name"),
                        ));
                        ok = false;
                    }
                    Some(name) => {
                        if let Some(other) =
                            organisation_named(&txn, name, &CountryCode::gb()).await?
                        {
                            outcome.problems.push(k.problem(NAME, name_taken(&other)));
                            ok = false;
                        } else if let Some(first) =
                            new_names.insert(NameKey::of(name).into_inner(), k.line)
                        {
                            outcome.problems.push(k.problem(
                                NAME,
                                format!(
                                    "{name} is also the new trust on line {first}; names that \
                                     differ only in case or spacing count as the same"
                                ),
                            ));
                            ok = false;
                        }
                    }
                }
                if line.region.is_none() {
                    outcome.problems.push(k.problem(
                        REGION,
                        format!("{ods} is not on record yet; enter the trust's NHS England region"),
                    ));
                    ok = false;
                }
            }
        }
        let current = participants.get(&ods).cloned();
        let mut profile_changes = false;
        let wanted = line.exemplar.as_ref().map(|e| e.as_str().to_owned());
        let pairing_changes = paired.get(&ods) != wanted.as_ref();
        if let Some(current) = &current {
            profile_changes = !profile_matches(&line.profile, current);
            // A row equal to the record changes nothing, whatever its version
            // (so the same file imports twice); a change to a record changed
            // since the export is a conflict.
            if let Some(v) = line.version
                && v != current.version
                && (profile_changes || pairing_changes)
            {
                outcome.problems.push(conflict(
                    k.line,
                    k.column(VERSION),
                    &ods,
                    v,
                    current.version,
                ));
                continue;
            }
            let p = &line.profile;
            if profile_changes
                && (p.role.code() != current.role || p.sector.code() != current.sector)
            {
                let allocated: Vec<Pence> = Allocations::find()
                    .filter(allocation::Column::ParticipantId.eq(current.id))
                    .all(&txn)
                    .await?
                    .into_iter()
                    .map(|a| decode("amount", Pence::new(a.central_pence)))
                    .collect::<Result<_, _>>()?;
                if !allocated.is_empty()
                    && let Err(e) =
                        check_allocation(&ods, p.role, p.sector, &caps, &allocated, Pence::ZERO)
                {
                    outcome
                        .problems
                        .push(k.problem(ROLE, format!("Cannot change role or sector: {e}")));
                    ok = false;
                } else if let Some((id, rule)) =
                    crate::store::funding::group_of(&txn, current.id).await?
                {
                    if !groups.contains(&id) {
                        // The membership moved since it was read: try again.
                        return Err(ServiceError::Conflict);
                    }
                    let members = crate::store::funding::group_allocations(&txn, id, None).await?;
                    if let Err(e) = check_group_allocation(&rule, &ods, &members, Pence::ZERO) {
                        outcome
                            .problems
                            .push(k.problem(ROLE, format!("Cannot change role or sector: {e}")));
                        ok = false;
                    }
                }
            }
        }
        // The pairing, as the pairing form: fast followers only, with an
        // exemplar (on record or in this file).
        if let Some(exemplar) = &line.exemplar {
            if line.profile.role != Role::FastFollower {
                outcome.problems.push(k.problem(
                    EXEMPLAR,
                    "only fast followers are paired with an exemplar; leave it blank for an exemplar",
                ));
                ok = false;
            } else {
                match role_after.get(exemplar.as_str()).map(String::as_str) {
                    None => {
                        outcome.problems.push(k.problem(
                            EXEMPLAR,
                            format!("{exemplar} is not a participant (nor a row of this file)"),
                        ));
                        ok = false;
                    }
                    Some(role) if role != Role::GlobalDigitalExemplar.code() => {
                        outcome.problems.push(k.problem(
                            EXEMPLAR,
                            format!("{exemplar} is not a global digital exemplar"),
                        ));
                        ok = false;
                    }
                    Some(_) => {}
                }
            }
        }
        if !ok {
            continue;
        }
        let pairing = pairing_changes.then_some(wanted);
        plans.push(Plan {
            line,
            organisation,
            current,
            profile_changes,
            pairing,
        });
    }
    for plan in &plans {
        let action = match &plan.current {
            None => RowAction::Create,
            Some(_) if plan.profile_changes || plan.pairing.is_some() => RowAction::Update,
            Some(_) => RowAction::Unchanged,
        };
        tally(
            outcome,
            plan.line.kept.line,
            plan.line.ods.as_str().to_owned(),
            action,
        );
    }
    if !outcome.problems.is_empty() || outcome.dry_run {
        txn.rollback().await?;
        return Ok(());
    }

    let now = crate::clock::now();
    // Participant ids by ODS code, new ones included, for the pairings.
    let mut ids: HashMap<String, (i32, i32)> = participants
        .iter()
        .map(|(c, p)| (c.clone(), (p.id, p.organisation_id)))
        .collect();
    for plan in &plans {
        let line = &plan.line;
        let ods = line.ods.as_str();
        let why = reason(outcome, source.file_name, line.kept.line);
        let p = &line.profile;
        let (designated_on, designated_precision) = p.designated.to_storage();
        let accredited = p.accredited.map(|a| a.to_storage());
        match &plan.current {
            None => {
                let org = match &plan.organisation {
                    Some(org) => org.clone(),
                    None => {
                        let name = line.name.clone().unwrap_or_default();
                        let region = line.region.as_ref().map(|r| r.as_str().to_owned());
                        let org = organisation::ActiveModel {
                            ods_code: Set(Some(ods.to_owned())),
                            name_key: Set(NameKey::of(&name).into_inner()),
                            name: Set(name),
                            kind: Set(OrganisationKind::NhsTrust.code().to_owned()),
                            sector: Set(Some(p.sector.code().to_owned())),
                            region_code: Set(region),
                            country_code: Set("GB".to_owned()),
                            source: Set(Some("programme office".to_owned())),
                            created_at: Set(now),
                            updated_at: Set(now),
                            ..Default::default()
                        }
                        .insert(&txn)
                        .await
                        .map_err(raced)?;
                        audit::record(
                            &txn,
                            AuditEntry::by(
                                by,
                                "organisation.create",
                                "organisation",
                                &org.id.to_string(),
                            )
                            .organisation(org.id)
                            .reason(&why)
                            .after(json!({ "ods_code": org.ods_code, "name": org.name,
                                           "region_code": org.region_code })),
                        )
                        .await?;
                        org
                    }
                };
                let created = participant::ActiveModel {
                    organisation_id: Set(org.id),
                    role: Set(p.role.code().to_owned()),
                    sector: Set(p.sector.code().to_owned()),
                    wave: Set(p.wave.clone()),
                    designated_on: Set(designated_on),
                    designated_precision: Set(designated_precision.to_owned()),
                    accredited_on: Set(accredited.map(|a| a.0)),
                    accredited_precision: Set(accredited.map(|a| a.1.to_owned())),
                    status: Set(p.status.code().to_owned()),
                    confidence: Set(Confidence::High.code().to_owned()),
                    source: Set(Some("programme office".to_owned())),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await
                .map_err(raced)?;
                audit::record(
                    &txn,
                    AuditEntry::by(
                        by,
                        "participant.create",
                        "participant",
                        &created.id.to_string(),
                    )
                    .organisation(org.id)
                    .reason(&why)
                    .after(snapshot(&created)),
                )
                .await?;
                ids.insert(ods.to_owned(), (created.id, org.id));
            }
            Some(current) if plan.profile_changes => {
                let updated = update_versioned::<Participants, _>(
                    &txn,
                    Versioned {
                        id: participant::Column::Id,
                        version: participant::Column::Version,
                        updated_at: participant::Column::UpdatedAt,
                    },
                    current.id,
                    current.version,
                    vec![
                        (participant::Column::Role, Expr::value(p.role.code())),
                        (participant::Column::Sector, Expr::value(p.sector.code())),
                        (participant::Column::Wave, Expr::value(p.wave.clone())),
                        (
                            participant::Column::DesignatedOn,
                            Expr::value(designated_on),
                        ),
                        (
                            participant::Column::DesignatedPrecision,
                            Expr::value(designated_precision),
                        ),
                        (
                            participant::Column::AccreditedOn,
                            Expr::value(accredited.map(|a| a.0)),
                        ),
                        (
                            participant::Column::AccreditedPrecision,
                            Expr::value(accredited.map(|a| a.1)),
                        ),
                        (participant::Column::Status, Expr::value(p.status.code())),
                    ],
                )
                .await?;
                audit::record(
                    &txn,
                    AuditEntry::by(
                        by,
                        "participant.update",
                        "participant",
                        &current.id.to_string(),
                    )
                    .organisation(current.organisation_id)
                    .reason(&why)
                    .before(snapshot(current))
                    .after(snapshot(&updated)),
                )
                .await?;
            }
            Some(_) => {}
        }
    }
    for plan in &plans {
        let Some(wanted) = &plan.pairing else {
            continue;
        };
        let ods = plan.line.ods.as_str();
        let (follower, org) = ids[ods];
        let why = reason(outcome, source.file_name, plan.line.kept.line);
        let before = paired.get(ods).and_then(|e| ids.get(e)).map(|(id, _)| *id);
        Pairings::delete_many()
            .filter(pairing::Column::FastFollowerId.eq(follower))
            .exec(&txn)
            .await?;
        let exemplar = wanted.as_ref().map(|e| ids[e.as_str()].0);
        if let Some(exemplar) = exemplar {
            pairing::ActiveModel {
                fast_follower_id: Set(follower),
                exemplar_id: Set(exemplar),
                confidence: Set(Confidence::High.code().to_owned()),
                source: Set(Some("programme office".to_owned())),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(raced)?;
        }
        audit::record(
            &txn,
            AuditEntry::by(by, "pairing.set", "participant", &follower.to_string())
                .organisation(org)
                .reason(&why)
                .before(json!({ "exemplar_participant": before }))
                .after(json!({ "exemplar_participant": exemplar,
                               "exemplar_ods_code": wanted.clone().unwrap_or_default() })),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Which participants a list page shows (role, sector, region), for its
/// "Download CSV" link.
pub(super) async fn export(
    db: &DatabaseConnection,
    by: &By,
    filter: &ExportFilter,
    list: &Filter,
    out: &mut (dyn std::io::Write + Send),
) -> Result<u64, ServiceError> {
    let readable = |org: i32| match by {
        By::User(actor) => actor.can_read_organisation(org),
        By::Cli => true,
    };
    let orgs: HashMap<i32, organisation::Model> = Organisations::find()
        .filter(organisation::Column::OdsCode.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let participants = Participants::find().all(db).await?;
    let ods_by_participant: HashMap<i32, String> = participants
        .iter()
        .filter_map(|p| Some((p.id, orgs.get(&p.organisation_id)?.ods_code.clone()?)))
        .collect();
    let paired: HashMap<i32, String> = Pairings::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|p| {
            Some((
                p.fast_follower_id,
                ods_by_participant.get(&p.exemplar_id)?.clone(),
            ))
        })
        .collect();
    let mut rows: Vec<(String, Vec<Cell>)> = Vec::new();
    for p in &participants {
        let Some(org) = orgs.get(&p.organisation_id) else {
            continue;
        };
        let Some(ods) = org.ods_code.clone() else {
            continue;
        };
        let role = decode("role", Role::from_code(&p.role))?;
        let sector = decode(
            "sector",
            crate::domain::participant::Sector::from_code(&p.sector),
        )?;
        let region = org
            .region_code
            .as_deref()
            .and_then(|r| RegionCode::parse(r).ok());
        if !readable(org.id)
            || !list.admits(role, sector, region.as_ref())
            || filter
                .milestones
                .participant
                .as_ref()
                .is_some_and(|only| only != &ods)
        {
            continue;
        }
        let designated = decode(
            "designation date",
            ApproxDate::from_storage(p.designated_on, &p.designated_precision),
        )?;
        let accredited = match p.accredited_on {
            Some(d) => Some(decode(
                "accreditation date",
                ApproxDate::from_storage(d, p.accredited_precision.as_deref().unwrap_or("day")),
            )?),
            None => None,
        };
        rows.push((
            ods.clone(),
            vec![
                Cell::text(ods),
                Cell::text(org.name.clone()),
                Cell::text(org.region_code.clone().unwrap_or_default()),
                Cell::text(p.role.clone()),
                Cell::text(p.sector.clone()),
                Cell::text(p.wave.clone()),
                Cell::text(approx_text(designated)),
                Cell::text(accredited.map(approx_text).unwrap_or_default()),
                Cell::text(p.status.clone()),
                Cell::text(paired.get(&p.id).cloned().unwrap_or_default()),
                Cell::count(p.version),
            ],
        ));
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    write_csv(Kind::Participants, rows.into_iter().map(|(_, r)| r), out)
}
