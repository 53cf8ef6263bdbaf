//! A trust saves its return as a draft, or submits it to the programme office.
//!
//! The form names the version it was built from (0 before the return
//! exists). One transaction: its first statement claims the return row —
//! `UPDATE … SET version = version + 1 WHERE id = ? AND version = ?`, or the
//! insert of a new draft that the unique (period, participant) index lets
//! through only once — so parallel saves queue on SQLite and PostgreSQL
//! alike, and every one but the first finds the version moved: a conflict,
//! with nothing of theirs written. Then it reads, validates and writes the
//! return row, its milestone lines and its risks; any refusal rolls it all back.
use sea_orm::DatabaseConnection;
use serde_json::json;

use super::read::{build, locate};
use super::{PeriodRef, RiskLine, check_write, field, posted_risks, store};
use crate::domain::milestone::MilestoneStatus;
use crate::domain::money::Pence;
use crate::domain::rating::{Rating, RatingScale};
use crate::domain::reporting::{ReturnStatus, check_editable};
use crate::entities::{Returns, progress_return};
use crate::services::concurrency::{Versioned, update_versioned};
use crate::services::fields::Fields;
use crate::services::{By, ServiceError};
use crate::store::audit::{self, AuditEntry};
use crate::store::decode;
use crate::store::returns::{ReturnContent, StoredLine, StoredRisk};

/// The versioned columns of the returns table.
pub(super) fn return_columns() -> Versioned<progress_return::Column> {
    Versioned {
        id: progress_return::Column::Id,
        version: progress_return::Column::Version,
        updated_at: progress_return::Column::UpdatedAt,
    }
}

/// The hidden `version` field every return form carries.
pub(super) fn posted_version(f: &mut Fields, text: &str) -> Option<i32> {
    f.version(text).filter(|v| *v >= 0).or_else(|| {
        if !f.errors.iter().any(|e| e.field == "version") {
            f.error(
                "version",
                "The form is missing its version; reload the page and try again",
            );
        }
        None
    })
}

/// Errors about the form as a whole (its version, the return's state) are
/// shown beside its buttons, `action`.
fn at_actions(errors: Vec<crate::services::FieldError>) -> ServiceError {
    ServiceError::Invalid(
        errors
            .into_iter()
            .map(|mut e| {
                if e.field == "version" || e.field == "status" {
                    e.field = "action".into();
                }
                e
            })
            .collect(),
    )
}

/// Saves a draft, or submits (`submit`), checking completeness only on submit.
pub async fn save(
    db: &DatabaseConnection,
    by: &By,
    period: &PeriodRef,
    ods: &str,
    pairs: &[(String, String)],
    submit: bool,
    default_scale: RatingScale,
) -> Result<ReturnStatus, ServiceError> {
    save_fields(db, by, period, ods, pairs, submit, default_scale)
        .await
        .map_err(|e| match e {
            ServiceError::Invalid(errors) => at_actions(errors),
            other => other,
        })
}

async fn save_fields(
    db: &DatabaseConnection,
    by: &By,
    period: &PeriodRef,
    ods: &str,
    pairs: &[(String, String)],
    submit: bool,
    default_scale: RatingScale,
) -> Result<ReturnStatus, ServiceError> {
    check_write(db, by, ods).await?;
    let (period, trust) = locate(db, period, ods).await?;
    let mut f = Fields::default();
    let Some(version) = posted_version(&mut f, field(pairs, "version")) else {
        return Err(ServiceError::Invalid(f.errors));
    };
    // Returns are never deleted, so the id found here still names the row below.
    let existing = store::record_for(db, period.id, trust.participant_id).await?;

    let txn = crate::services::begin_write(db).await?;
    let (claimed, before) = match (existing, version) {
        (None, 0) => (
            store::start_draft(&txn, period.id, trust.participant_id, default_scale)
                .await?
                .ok_or(ServiceError::Conflict)?,
            None,
        ),
        (Some(r), v) if v > 0 => {
            let claimed =
                update_versioned::<Returns, _>(&txn, return_columns(), r.id, v, vec![]).await?;
            let before = decode("status", ReturnStatus::from_code(&claimed.status))?;
            (claimed, Some(before))
        }
        // A form for a return that has since been started, or a made-up version.
        _ => return Err(ServiceError::Conflict),
    };
    check_editable(before).map_err(|e| ServiceError::invalid("status", e.to_string()))?;
    let scale = decode("scale", RatingScale::from_code(&claimed.rating_scale))?;
    let blank = build(&txn, period.clone(), trust.clone(), scale, false).await?;

    let spend = f.optional("spend_to_date", field(pairs, "spend_to_date"), Pence::parse);
    let self_rating = f.optional("self_rating", field(pairs, "self_rating"), |t| {
        Rating::parse(scale, t)
    });
    let justification = f.optional_text(
        "rating_justification",
        field(pairs, "rating_justification"),
        2000,
    );
    let narrative = f.optional_text("narrative", field(pairs, "narrative"), 5000);
    let mut lines = Vec::new();
    for line in &blank.lines {
        let id = line.milestone_id;
        let forecast = f.optional(
            format!("m_{id}_forecast"),
            field(pairs, &format!("m_{id}_forecast")),
            |t| {
                crate::domain::dates::parse_form_date(t)
                    .map_err(|e| format!("Forecast date for {}: {e}", line.reference))
            },
        );
        let status = f.optional(
            format!("m_{id}_status"),
            field(pairs, &format!("m_{id}_status")),
            MilestoneStatus::from_code,
        );
        let comment = f.optional_text(
            format!("m_{id}_comment"),
            field(pairs, &format!("m_{id}_comment")),
            1000,
        );
        if let (Some(forecast), Some(status), Some(comment)) = (forecast, status, comment) {
            lines.push((line.clone(), forecast, status, comment));
        }
    }
    let mut risks = Vec::new();
    for (i, row) in posted_risks(pairs).iter().enumerate() {
        let n = i + 1;
        if row.is_blank() {
            continue;
        }
        let (description, rating_text) = (row.description.trim(), row.rating.trim());
        let description = f.text(
            format!("risk_{n}_description"),
            description,
            &format!("Describe risk {n}, or clear its row"),
            1000,
        );
        let rating = f.required(
            format!("risk_{n}_rating"),
            rating_text,
            &format!("Rate risk {n}"),
            |t| Rating::parse(scale, t),
        );
        let mitigation =
            f.optional_text(format!("risk_{n}_mitigation"), row.mitigation.trim(), 1000);
        if let (Some(description), Some(rating), Some(mitigation)) =
            (description, rating, mitigation)
        {
            risks.push(RiskLine {
                description,
                rating,
                mitigation,
            });
        }
    }
    if submit {
        if matches!(spend, Some(None)) {
            f.error("spend_to_date", "Enter the actual spend to date");
        }
        if matches!(self_rating, Some(None)) {
            f.error("self_rating", "Select your delivery confidence rating");
        }
        if matches!(justification, Some(None)) {
            f.error("rating_justification", "Say why you chose this rating");
        }
        if matches!(narrative, Some(None)) {
            f.error("narrative", "Describe progress this period");
        }
        for (line, forecast, status, _) in &lines {
            match status {
                None => f.error(
                    format!("m_{}_status", line.milestone_id),
                    format!("Select a status for milestone {}", line.reference),
                ),
                Some(s) if *s != MilestoneStatus::Cancelled && forecast.is_none() => f.error(
                    format!("m_{}_forecast", line.milestone_id),
                    format!(
                        "Enter the forecast (or completion) date for milestone {}",
                        line.reference
                    ),
                ),
                _ => {}
            }
        }
        if let Some(Some(spend)) = spend {
            let allocated = total_allocated(&txn, trust.participant_id).await?;
            if spend > allocated {
                f.error(
                    "spend_to_date",
                    format!("Spend to date of {spend} is more than the {allocated} allocated"),
                );
            }
        }
    }
    let (Some(spend), Some(self_rating), Some(justification), Some(narrative)) =
        (spend, self_rating, justification, narrative)
    else {
        return Err(ServiceError::Invalid(f.errors));
    };
    f.finish()?;

    let now = crate::clock::now();
    let new_status = if submit {
        ReturnStatus::Submitted
    } else {
        ReturnStatus::Draft
    };
    store::write_content(
        &txn,
        claimed.id,
        ReturnContent {
            status: new_status,
            spend_to_date_pence: spend.map(|p| p.value()),
            self_rating,
            rating_justification: justification,
            narrative,
            submitted_at: submit.then_some(now),
            submitted_by: if submit { by.user_id() } else { None },
        },
    )
    .await?;
    let stored: Vec<StoredLine> = lines
        .iter()
        .filter_map(|(line, forecast, status, comment)| {
            status.map(|status| StoredLine {
                milestone_id: line.milestone_id,
                forecast_on: *forecast,
                status,
                comment: comment.clone(),
            })
        })
        .collect();
    store::replace_lines(&txn, claimed.id, &stored).await?;
    let stored_risks: Vec<StoredRisk> = risks
        .iter()
        .map(|r| StoredRisk {
            description: r.description.clone(),
            rating: r.rating,
            mitigation: r.mitigation.clone(),
        })
        .collect();
    store::replace_risks(&txn, claimed.id, &stored_risks).await?;
    audit::record(
        &txn,
        AuditEntry::by(by, if submit { "return.submit" } else { "return.save_draft" }, "return", &claimed.id.to_string())
            .organisation(trust.organisation_id)
            .before(json!({ "status": before.map(|s| s.code()) }))
            .after(json!({
                "period": period.label,
                "status": new_status.code(),
                "spend_to_date_pence": spend.map(|p| p.value()),
                "self_rating": self_rating.map(|r| r.code()),
                "milestones": lines.iter().filter_map(|(l, f, s, _)| s.map(|s| json!({"reference": l.reference, "forecast_on": f.map(|d| d.to_string()), "status": s.code()}))).collect::<Vec<_>>(),
                "risks": risks.len(),
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(new_status)
}

async fn total_allocated(
    db: &impl sea_orm::ConnectionTrait,
    participant_id: i32,
) -> Result<Pence, ServiceError> {
    let mut total = Pence::ZERO;
    for a in store::allocations_of(db, participant_id).await? {
        total = total.saturating_add(decode("amount", Pence::new(a.central_pence))?);
    }
    Ok(total)
}
