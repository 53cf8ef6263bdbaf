//! Partnerships: a participant linked to a partner organisation in a role.
//! A new link is added as the participant's partnership form adds it; an
//! existing one (the same ODS code, partner and role) is left as it is, and
//! a row that differs from it is refused, as no form changes a link.
use std::collections::HashMap;
use std::io::Read;

use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use serde_json::json;

use super::participants::{Kept, MAX_SETUP_ROWS, conflict, raced, reason, tally, write_csv};
use super::{ExportFilter, ImportOutcome, Source};
use crate::domain::dates::ApproxDate;
use crate::domain::interchange::cells::{self, approx_text};
use crate::domain::interchange::kinds::Kind;
use crate::domain::interchange::reader::Row;
use crate::domain::interchange::{Problem, Problems, RowAction};
use crate::domain::names::NameKey;
use crate::domain::ods::OdsCode;
use crate::domain::participant::{Confidence, PartnershipRole};
use crate::domain::spreadsheet::Cell;
use crate::domain::text::{CountryCode, ShortText};
use crate::entities::{Organisations, Partnerships, organisation, partnership};
use crate::services::{By, ServiceError};
use crate::store::audit::{self, AuditEntry};
use crate::store::decode;

const ODS: usize = 0;
const PARTNER: usize = 1;
const COUNTRY: usize = 2;
const ROLE: usize = 3;
const STARTED: usize = 4;
const ENDED: usize = 5;
const NOTE: usize = 6;
const VERSION: usize = 7;

struct Line {
    kept: Kept,
    ods: OdsCode,
    partner: String,
    country: CountryCode,
    role: PartnershipRole,
    started: Option<ApproxDate>,
    ended: Option<ApproxDate>,
    note: Option<String>,
    version: Option<i32>,
}

impl Line {
    fn label(&self) -> String {
        format!(
            "{} {} ({}) {}",
            self.ods,
            self.partner,
            self.country.as_str(),
            self.role.code()
        )
    }
}

/// The partnership form's rules for one row.
fn check_row(row: &Row, problems: &mut Problems) -> Option<Line> {
    let mut ok = true;
    let mut refuse = |i: usize, reason: String, problems: &mut Problems| {
        problems.push(row.problem(i, reason));
        ok = false;
    };
    let required = |cell: &str| -> Result<String, String> {
        let t = cells::text(cell)?;
        if t.is_empty() {
            return Err("is empty but a value is required".into());
        }
        Ok(t)
    };
    let ods = required(row.cell(ODS))
        .and_then(|t| OdsCode::parse(&t).map_err(|e| e.to_string()))
        .map_err(|e| refuse(ODS, e, problems))
        .ok();
    let partner = required(row.cell(PARTNER))
        .and_then(|t| ShortText::parse(&t, 200).map(ShortText::into_inner))
        .map_err(|e| refuse(PARTNER, e, problems))
        .ok();
    let country = required(row.cell(COUNTRY))
        .and_then(|t| CountryCode::parse(&t))
        .map_err(|e| refuse(COUNTRY, e, problems))
        .ok();
    let role = required(row.cell(ROLE))
        .and_then(|t| PartnershipRole::from_code(&t).map_err(|e| e.to_string()))
        .map_err(|e| refuse(ROLE, e, problems))
        .ok();
    let started = cells::optional_approx_date(row.cell(STARTED))
        .map_err(|e| refuse(STARTED, e, problems))
        .ok();
    let ended = cells::optional_approx_date(row.cell(ENDED))
        .map_err(|e| refuse(ENDED, e, problems))
        .ok();
    let note = cells::text(row.cell(NOTE))
        .and_then(|t| {
            if t.is_empty() {
                Ok(None)
            } else {
                ShortText::parse(&t, 500).map(|t| Some(t.into_inner()))
            }
        })
        .map_err(|e| refuse(NOTE, e, problems))
        .ok();
    let version = cells::version(row.cell(VERSION))
        .map_err(|e| refuse(VERSION, e, problems))
        .ok();
    if let (Some(Some(s)), Some(Some(e))) = (started, ended)
        && e.date < s.date
    {
        refuse(
            ENDED,
            "the end date cannot be before the start date".into(),
            problems,
        );
    }
    if !ok {
        return None;
    }
    Some(Line {
        kept: Kept::of(row, Kind::Partnerships.columns().len()),
        ods: ods?,
        partner: partner?,
        country: country?,
        role: role?,
        started: started?,
        ended: ended?,
        note: note?,
        version: version?,
    })
}

fn stored_approx(
    date: Option<time::Date>,
    precision: Option<&str>,
) -> Result<Option<ApproxDate>, sea_orm::DbErr> {
    date.map(|d| {
        decode(
            "date",
            ApproxDate::from_storage(d, precision.unwrap_or("day")),
        )
    })
    .transpose()
}

pub(super) async fn import<R: Read + Send>(
    db: &DatabaseConnection,
    by: &By,
    outcome: &mut ImportOutcome,
    source: Source<'_, R>,
) -> Result<(), ServiceError> {
    let kind = Kind::Partnerships;
    let known = super::milestones::participants(db).await?;
    let Some(mut rows) = super::open_rows(source.reader, kind, outcome) else {
        return Ok(());
    };
    let mut lines: Vec<(Line, i32, i32)> = Vec::new();
    let mut seen: HashMap<(String, String, String, String), u64> = HashMap::new();
    while let Some(row) = rows.next_row(&mut outcome.problems) {
        let Some(line) = check_row(&row, &mut outcome.problems) else {
            continue;
        };
        let (participant, organisation) = match known.participant(line.ods.as_str()) {
            Ok(ids) => ids,
            Err(reason) => {
                outcome.problems.push(row.problem(ODS, reason));
                continue;
            }
        };
        let key = (
            line.ods.as_str().to_owned(),
            NameKey::of(&line.partner).into_inner(),
            line.country.as_str().to_owned(),
            line.role.code().to_owned(),
        );
        if let Some(first) = seen.insert(key, row.line) {
            outcome.problems.push(row.problem(
                PARTNER,
                format!(
                    "{} is also on line {first}; each link once per file",
                    line.label()
                ),
            ));
            continue;
        }
        if lines.len() >= MAX_SETUP_ROWS {
            outcome.problems.push(Problem::row(
                row.line,
                format!("a partnerships file has at most {MAX_SETUP_ROWS} rows"),
            ));
            break;
        }
        lines.push((line, participant, organisation));
    }
    if lines.is_empty() {
        return Ok(());
    }
    let txn = crate::services::begin_write(db).await?;
    let partners: HashMap<(String, String), organisation::Model> = Organisations::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|o| ((o.name_key.clone(), o.country_code.clone()), o))
        .collect();
    let stored: HashMap<(i32, i32, String), partnership::Model> = Partnerships::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| ((p.participant_id, p.partner_id, p.role.clone()), p))
        .collect();
    let mut creates = Vec::new();
    for (line, participant, organisation) in &lines {
        let k = &line.kept;
        let label = line.label();
        let partner = match partners.get(&(
            NameKey::of(&line.partner).into_inner(),
            line.country.as_str().to_owned(),
        )) {
            Some(p) if p.ods_code.is_none() => p,
            Some(p) => {
                outcome.problems.push(k.problem(
                    PARTNER,
                    format!(
                        "{} is an NHS trust ({}), not a partner organisation",
                        p.name,
                        p.ods_code.clone().unwrap_or_default()
                    ),
                ));
                continue;
            }
            None => {
                outcome.problems.push(k.problem(
                    PARTNER,
                    format!(
                        "no partner organisation is called {} in {}; add it first (import \
                         partners, or the partner form)",
                        line.partner,
                        line.country.as_str()
                    ),
                ));
                continue;
            }
        };
        match stored.get(&(*participant, partner.id, line.role.code().to_owned())) {
            Some(s) => {
                let started = stored_approx(s.started_on, s.started_precision.as_deref())?;
                let ended = stored_approx(s.ended_on, s.ended_precision.as_deref())?;
                let differs = if partner.name != line.partner {
                    Some(PARTNER)
                } else if started != line.started {
                    Some(STARTED)
                } else if ended != line.ended {
                    Some(ENDED)
                } else if s.note != line.note {
                    Some(NOTE)
                } else {
                    None
                };
                // Equal to the record: unchanged, whatever its version; a
                // change to a record changed since the export: a conflict.
                if let Some(v) = line.version
                    && v != s.version
                    && differs.is_some()
                {
                    outcome.problems.push(conflict(
                        k.line,
                        k.column(VERSION),
                        &label,
                        v,
                        s.version,
                    ));
                    continue;
                }
                match differs {
                    Some(i) => outcome.problems.push(k.problem(
                        i,
                        format!(
                            "{label} already exists and an import does not change it; it is \
                             recorded as exported (export partnerships to see it)"
                        ),
                    )),
                    None => tally(outcome, k.line, label, RowAction::Unchanged),
                }
            }
            None => {
                tally(outcome, k.line, label, RowAction::Create);
                creates.push((line, *participant, *organisation, partner.clone()));
            }
        }
    }
    if !outcome.problems.is_empty() || outcome.dry_run {
        txn.rollback().await?;
        return Ok(());
    }
    let now = crate::clock::now();
    for (line, participant, organisation, partner) in creates {
        let started = line.started.map(|d| d.to_storage());
        let ended = line.ended.map(|d| d.to_storage());
        partnership::ActiveModel {
            participant_id: Set(participant),
            partner_id: Set(partner.id),
            role: Set(line.role.code().to_owned()),
            started_on: Set(started.map(|s| s.0)),
            started_precision: Set(started.map(|s| s.1.to_owned())),
            ended_on: Set(ended.map(|s| s.0)),
            ended_precision: Set(ended.map(|s| s.1.to_owned())),
            confidence: Set(Confidence::High.code().to_owned()),
            source: Set(Some("programme office".to_owned())),
            note: Set(line.note.clone()),
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
                "partnership.create",
                "participant",
                &participant.to_string(),
            )
            .organisation(organisation)
            .reason(&reason(outcome, source.file_name, line.kept.line))
            .after(json!({ "partner": partner.name, "role": line.role.code(),
                               "started_on": started.map(|s| s.0.to_string()),
                               "ended_on": ended.map(|s| s.0.to_string()) })),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Every link the person may read, by participant, partner and role.
pub(super) async fn export(
    db: &DatabaseConnection,
    by: &By,
    filter: &ExportFilter,
    out: &mut (dyn std::io::Write + Send),
) -> Result<u64, ServiceError> {
    let readable = |org: i32| match by {
        By::User(actor) => actor.can_read_organisation(org),
        By::Cli => true,
    };
    let orgs: HashMap<i32, organisation::Model> = Organisations::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let participants: HashMap<i32, (String, i32)> = crate::entities::Participants::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|p| {
            let org = orgs.get(&p.organisation_id)?;
            Some((p.id, (org.ods_code.clone()?, org.id)))
        })
        .collect();
    let mut rows = Vec::new();
    for s in Partnerships::find().all(db).await? {
        let (Some((ods, org)), Some(partner)) =
            (participants.get(&s.participant_id), orgs.get(&s.partner_id))
        else {
            continue;
        };
        if !readable(*org)
            || filter
                .milestones
                .participant
                .as_ref()
                .is_some_and(|only| only != ods)
        {
            continue;
        }
        let started = stored_approx(s.started_on, s.started_precision.as_deref())?;
        let ended = stored_approx(s.ended_on, s.ended_precision.as_deref())?;
        rows.push((
            (ods.clone(), partner.name_key.clone(), s.role.clone()),
            vec![
                Cell::text(ods.clone()),
                Cell::text(partner.name.clone()),
                Cell::text(partner.country_code.clone()),
                Cell::text(s.role),
                Cell::text(started.map(approx_text).unwrap_or_default()),
                Cell::text(ended.map(approx_text).unwrap_or_default()),
                Cell::text(s.note.unwrap_or_default()),
                Cell::count(s.version),
            ],
        ));
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    write_csv(Kind::Partnerships, rows.into_iter().map(|(_, r)| r), out)
}
