//! Partner organisations: a new name (in its country) is added as the
//! partner form adds it; an existing partner is matched by its name key
//! (case and spacing ignored) and country, and left as it is: a row that
//! differs from it is refused, as there is no form that changes a partner.
use std::collections::HashMap;
use std::io::Read;

use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::participants::{Kept, MAX_SETUP_ROWS, conflict, raced, reason, tally, write_csv};
use super::{ImportOutcome, Source};
use crate::domain::interchange::cells;
use crate::domain::interchange::kinds::Kind;
use crate::domain::interchange::reader::Row;
use crate::domain::interchange::{Problem, Problems, RowAction};
use crate::domain::names::NameKey;
use crate::domain::participant::OrganisationKind;
use crate::domain::spreadsheet::Cell;
use crate::domain::text::{CountryCode, ShortText};
use crate::entities::{Organisations, organisation};
use crate::services::participants::name_taken;
use crate::services::{By, ServiceError};
use crate::store::audit::{self, AuditEntry};

const NAME: usize = 0;
const KIND: usize = 1;
const COUNTRY: usize = 2;
const VERSION: usize = 3;

struct Line {
    kept: Kept,
    name: String,
    kind: OrganisationKind,
    country: CountryCode,
    version: Option<i32>,
}

/// The partner form's rules for one row.
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
    let name = required(row.cell(NAME))
        .and_then(|t| ShortText::parse(&t, 200).map(ShortText::into_inner))
        .map_err(|e| refuse(NAME, e, problems))
        .ok();
    let kind = required(row.cell(KIND))
        .and_then(|t| OrganisationKind::from_code(&t).map_err(|e| e.to_string()))
        .and_then(|k| {
            if k == OrganisationKind::NhsTrust {
                Err("NHS trusts are added as participants, by ODS code".into())
            } else {
                Ok(k)
            }
        })
        .map_err(|e| refuse(KIND, e, problems))
        .ok();
    let country = required(row.cell(COUNTRY))
        .and_then(|t| CountryCode::parse(&t))
        .map_err(|e| refuse(COUNTRY, e, problems))
        .ok();
    let version = cells::version(row.cell(VERSION))
        .map_err(|e| refuse(VERSION, e, problems))
        .ok();
    if !ok {
        return None;
    }
    Some(Line {
        kept: Kept::of(row, Kind::Partners.columns().len()),
        name: name?,
        kind: kind?,
        country: country?,
        version: version?,
    })
}

fn key(name: &str, country: &str) -> (String, String) {
    (NameKey::of(name).into_inner(), country.to_owned())
}

pub(super) async fn import<R: Read + Send>(
    db: &DatabaseConnection,
    by: &By,
    outcome: &mut ImportOutcome,
    source: Source<'_, R>,
) -> Result<(), ServiceError> {
    let kind = Kind::Partners;
    let Some(mut rows) = super::open_rows(source.reader, kind, outcome) else {
        return Ok(());
    };
    let mut lines: Vec<Line> = Vec::new();
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    while let Some(row) = rows.next_row(&mut outcome.problems) {
        let Some(line) = check_row(&row, &mut outcome.problems) else {
            continue;
        };
        if let Some(first) = seen.insert(key(&line.name, line.country.as_str()), row.line) {
            outcome.problems.push(row.problem(
                NAME,
                format!(
                    "{} ({}) is also on line {first}; each partner once per file (names that \
                     differ only in case or spacing count as the same)",
                    line.name,
                    line.country.as_str()
                ),
            ));
            continue;
        }
        if lines.len() >= MAX_SETUP_ROWS {
            outcome.problems.push(Problem::row(
                row.line,
                format!("a partners file has at most {MAX_SETUP_ROWS} rows"),
            ));
            break;
        }
        lines.push(line);
    }
    if lines.is_empty() {
        return Ok(());
    }
    let txn = crate::services::begin_write(db).await?;
    let stored: HashMap<(String, String), organisation::Model> = Organisations::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|o| ((o.name_key.clone(), o.country_code.clone()), o))
        .collect();
    let mut creates = Vec::new();
    for line in &lines {
        let k = &line.kept;
        let label = format!("{} ({})", line.name, line.country.as_str());
        match stored.get(&key(&line.name, line.country.as_str())) {
            Some(other) if other.ods_code.is_some() => {
                outcome.problems.push(k.problem(NAME, name_taken(other)));
            }
            Some(partner) => {
                let differs = if partner.name != line.name {
                    Some((NAME, format!("is on record as {}", partner.name)))
                } else if partner.kind != line.kind.code() {
                    Some((KIND, format!("is on record as {}", partner.kind)))
                } else {
                    None
                };
                // Equal to the record: unchanged, whatever its version; a
                // change to a record changed since the export: a conflict.
                if let Some(v) = line.version
                    && v != partner.version
                    && differs.is_some()
                {
                    outcome.problems.push(conflict(
                        k.line,
                        k.column(VERSION),
                        &label,
                        v,
                        partner.version,
                    ));
                    continue;
                }
                match differs {
                    Some((i, was)) => outcome.problems.push(k.problem(
                        i,
                        format!(
                            "{label} already exists and an import does not change it: the \
                             partner {was}"
                        ),
                    )),
                    None => tally(outcome, k.line, label, RowAction::Unchanged),
                }
            }
            None => {
                tally(outcome, k.line, label, RowAction::Create);
                creates.push(line);
            }
        }
    }
    if !outcome.problems.is_empty() || outcome.dry_run {
        txn.rollback().await?;
        return Ok(());
    }
    let now = crate::clock::now();
    for line in creates {
        let created = organisation::ActiveModel {
            ods_code: Set(None),
            name_key: Set(NameKey::of(&line.name).into_inner()),
            name: Set(line.name.clone()),
            kind: Set(line.kind.code().to_owned()),
            country_code: Set(line.country.as_str().to_owned()),
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
                "partner.create",
                "organisation",
                &created.id.to_string(),
            )
            .reason(&reason(outcome, source.file_name, line.kept.line))
            .after(json!({ "name": created.name, "kind": created.kind,
                               "country_code": created.country_code })),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Every partner organisation (organisations without an ODS code), by name.
pub(super) async fn export(
    db: &DatabaseConnection,
    _by: &By,
    out: &mut (dyn std::io::Write + Send),
) -> Result<u64, ServiceError> {
    let mut partners: Vec<organisation::Model> = Organisations::find()
        .filter(organisation::Column::OdsCode.is_null())
        .all(db)
        .await?;
    partners.sort_by(|a, b| (&a.name_key, &a.country_code).cmp(&(&b.name_key, &b.country_code)));
    write_csv(
        Kind::Partners,
        partners.into_iter().map(|p| {
            vec![
                Cell::text(p.name),
                Cell::text(p.kind),
                Cell::text(p.country_code),
                Cell::count(p.version),
            ]
        }),
        out,
    )
}
