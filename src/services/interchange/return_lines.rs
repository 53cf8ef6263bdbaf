//! A trust's return lines from a spreadsheet: one return per file, saved as
//! a draft through the return form's own service (`returns::draft::save`),
//! so its permissions (the trust's own reporter only), its state rules (a
//! draft, or a return sent back for changes), its version check and its
//! audit event all apply. Lines not in the file, and the return's other
//! answers (spend, rating, narrative, risks), are kept as they are.
use std::io::Read;

use sea_orm::DatabaseConnection;

use super::{ImportOutcome, RowOutcome, Source};
use crate::domain::interchange::kinds::{self, Kind, ReturnLine};
use crate::domain::interchange::{Problem, RowAction};
use crate::domain::rating::RatingScale;
use crate::services::returns::{self, PeriodRef, ReturnData};
use crate::services::{By, ServiceError};

/// A return has a few dozen lines; a file with more rows than this is not one return.
const MAX_ROWS: usize = 2_000;

pub(super) async fn import<R: Read + Send>(
    db: &DatabaseConnection,
    by: &By,
    outcome: &mut ImportOutcome,
    source: Source<'_, R>,
    scale: RatingScale,
) -> Result<(), ServiceError> {
    let Some(mut rows) = super::open_rows(source.reader, Kind::ReturnLines, outcome) else {
        return Ok(());
    };
    let (period_col, ods_col, ref_col) = (
        rows.column_name(0).to_owned(),
        rows.column_name(1).to_owned(),
        rows.column_name(2).to_owned(),
    );
    let mut lines: Vec<ReturnLine> = Vec::new();
    while let Some(row) = rows.next_row(&mut outcome.problems) {
        if lines.len() >= MAX_ROWS {
            outcome.problems.push(Problem::row(
                row.line,
                format!("a return has at most {MAX_ROWS} lines; this file has more"),
            ));
            break;
        }
        if let Some(line) = kinds::return_line(&row, &mut outcome.problems) {
            lines.push(line);
        }
    }
    let Some(first) = lines.first().cloned() else {
        return Ok(());
    };
    for line in &lines[1..] {
        if line.period != first.period {
            outcome.problems.push(Problem::cell(
                line.line,
                &period_col,
                line.period.clone(),
                format!("one return per file: this file is for {}", first.period),
            ));
        }
        if line.ods != first.ods {
            outcome.problems.push(Problem::cell(
                line.line,
                &ods_col,
                line.ods.as_str(),
                format!(
                    "one return per file: this file is for {}",
                    first.ods.as_str()
                ),
            ));
        }
    }
    if !outcome.problems.is_empty() {
        return Ok(());
    }
    let period = PeriodRef::parse(&first.period);
    let ods = first.ods.as_str();
    // The reader's scope first: another trust's return is not found.
    let current: ReturnData = returns::load(db, by, &period, ods, scale).await?;
    let mut seen: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut changes = Vec::new();
    for line in &lines {
        let reference = line.reference.as_str();
        if let Some(first_line) = seen.insert(reference.to_owned(), line.line) {
            outcome.problems.push(Problem::cell(
                line.line,
                &ref_col,
                reference,
                format!("{reference} is also on line {first_line}; each line may appear once"),
            ));
            continue;
        }
        let Some(existing) = current.lines.iter().find(|l| l.reference == reference) else {
            outcome.problems.push(Problem::cell(
                line.line,
                &ref_col,
                reference,
                format!(
                    "the {} return of {ods} has no milestone {reference}",
                    current.period.label
                ),
            ));
            continue;
        };
        let same = existing.forecast_on == line.forecast_on
            && existing.status == line.status
            && existing.comment == line.comment;
        let action = if same {
            RowAction::Unchanged
        } else if existing.status.is_none() && existing.forecast_on.is_none() {
            RowAction::Create
        } else {
            RowAction::Update
        };
        outcome.rows.push(RowOutcome {
            line: line.line,
            key: format!("{} {ods} {reference}", current.period.slug),
            action,
        });
        if !same {
            changes.push((existing.milestone_id, line.clone()));
        }
    }
    for r in &outcome.rows {
        match r.action {
            RowAction::Create => outcome.created += 1,
            RowAction::Update => outcome.updated += 1,
            RowAction::Unchanged => outcome.unchanged += 1,
        }
    }
    if !outcome.problems.is_empty() || outcome.dry_run || changes.is_empty() {
        return Ok(());
    }
    // The form as the trust would post it: every answer as it is, the
    // file's lines over the return's own.
    let mut pairs: Vec<(String, String)> = vec![
        ("version".into(), current.version.to_string()),
        (
            "spend_to_date".into(),
            current.spend.map(|p| p.plain()).unwrap_or_default(),
        ),
        (
            "self_rating".into(),
            current
                .self_rating
                .map(|r| r.code().to_owned())
                .unwrap_or_default(),
        ),
        (
            "rating_justification".into(),
            current.rating_justification.clone().unwrap_or_default(),
        ),
        (
            "narrative".into(),
            current.narrative.clone().unwrap_or_default(),
        ),
    ];
    for (i, risk) in current.risks.iter().enumerate() {
        let n = i + 1;
        pairs.push((format!("risk_{n}_description"), risk.description.clone()));
        pairs.push((format!("risk_{n}_rating"), risk.rating.code().to_owned()));
        pairs.push((
            format!("risk_{n}_mitigation"),
            risk.mitigation.clone().unwrap_or_default(),
        ));
    }
    for l in &current.lines {
        let id = l.milestone_id;
        let (forecast, status, comment) = match changes.iter().find(|(m, _)| *m == id) {
            Some((_, new)) => (new.forecast_on, new.status, new.comment.clone()),
            None => (l.forecast_on, l.status, l.comment.clone()),
        };
        pairs.push((
            format!("m_{id}_forecast"),
            forecast.map(|d| d.to_string()).unwrap_or_default(),
        ));
        pairs.push((
            format!("m_{id}_status"),
            status.map(|s| s.code().to_owned()).unwrap_or_default(),
        ));
        pairs.push((format!("m_{id}_comment"), comment.unwrap_or_default()));
    }
    match returns::save(db, by, &period, ods, &pairs, false, scale).await {
        Ok(_) => Ok(()),
        Err(ServiceError::Invalid(errors)) => {
            for e in errors {
                let line = changes
                    .iter()
                    .find(|(id, _)| e.field.starts_with(&format!("m_{id}_")))
                    .map(|(_, l)| l.line)
                    .unwrap_or(0);
                outcome.problems.push(Problem::row(line, e.message));
            }
            Ok(())
        }
        Err(ServiceError::Conflict) => {
            outcome.problems.push(Problem::file(
                "the return changed while the file was being imported; import it again",
            ));
            Ok(())
        }
        Err(other) => Err(other),
    }
}

/// One return's lines, in the import's columns: the period and trust come
/// from the filter (`period`, and the participant filter's ODS code).
pub(super) async fn export(
    db: &DatabaseConnection,
    by: &By,
    filter: &super::ExportFilter,
    out: &mut (dyn std::io::Write + Send),
) -> Result<u64, ServiceError> {
    use crate::domain::spreadsheet::{Cell, neutralise};
    let (Some(period), Some(ods)) = (&filter.period, &filter.milestones.participant) else {
        return Err(ServiceError::invalid(
            "period",
            "Name the return: its period (such as 2020-21-q3) and the trust's ODS code",
        ));
    };
    let data = returns::load(
        db,
        by,
        &PeriodRef::parse(period),
        ods,
        RatingScale::default(),
    )
    .await?;
    let mut writer = csv::Writer::from_writer(out);
    let io = |e: csv::Error| ServiceError::Database(sea_orm::DbErr::Custom(e.to_string()));
    writer
        .write_record(
            Kind::ReturnLines
                .headers()
                .iter()
                .map(|h| neutralise(h).into_owned()),
        )
        .map_err(io)?;
    let mut n = 0;
    for l in &data.lines {
        let cells = [
            Cell::text(data.period.slug.clone()),
            Cell::text(data.trust.ods_code.clone()),
            Cell::text(l.reference.clone()),
            Cell::text(l.forecast_on.map(|d| d.to_string()).unwrap_or_default()),
            Cell::text(l.status.map(|s| s.code()).unwrap_or_default()),
            Cell::text(l.comment.clone().unwrap_or_default()),
        ];
        writer
            .write_record(cells.iter().map(|c| c.csv_field().into_owned()))
            .map_err(io)?;
        n += 1;
    }
    writer
        .flush()
        .map_err(|e| ServiceError::Database(sea_orm::DbErr::Custom(e.to_string())))?;
    Ok(n)
}
