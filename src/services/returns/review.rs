//! The programme office approves a submitted return (applying its forecasts
//! and statuses to the live milestones and freezing it) or returns it to the
//! trust with comments.
//!
//! The review form names the return's version and the version of every
//! milestone it shows. One transaction claims the return row first (so two
//! reviewers cannot both act: the second finds the version moved), then
//! applies each milestone with a versioned update: a milestone changed since
//! the page was opened is a conflict and the whole approval rolls back.
//!
//! Approving goes through a confirmation: [`preview_approval`] checks
//! everything an approval would, writes nothing, and says what approving
//! would change; only a form that says it was confirmed (`confirm=yes`,
//! posted from that page with the same versions) approves, checking it all
//! again in the transaction.
use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{DatabaseConnection, EntityTrait, TransactionTrait};
use serde_json::json;
use time::OffsetDateTime;

use super::draft::{posted_version, return_columns};
use super::read::{build, locate};
use super::{PeriodRef, ReturnData, field, store};
use crate::domain::milestone::MilestoneStatus;
use crate::domain::rating::{Rating, RatingScale};
use crate::domain::reporting::{ReturnStatus, check_reviewable};
use crate::entities::{Milestones, Returns, milestone};
use crate::services::FieldError;
use crate::services::concurrency::{Versioned, update_versioned};
use crate::services::fields::Fields;
use crate::services::{By, ServiceError};
use crate::store::audit::{self, AuditEntry};
use crate::store::decode;
use crate::store::returns::Decision;

#[derive(Clone, Debug, Default)]
pub struct ReviewForm {
    pub decision: String,
    pub office_rating: String,
    pub office_comment: String,
    /// The return's version when the page was opened.
    pub version: String,
    /// `m_{id}_version`: each milestone's version when the page was opened.
    pub milestone_versions: HashMap<i32, String>,
    /// `confirm=yes`: posted from the confirmation page, so an approval applies.
    pub confirmed: bool,
}

impl ReviewForm {
    /// The review form's fields from the posted pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> ReviewForm {
        ReviewForm {
            decision: field(pairs, "decision").to_owned(),
            office_rating: field(pairs, "office_rating").to_owned(),
            office_comment: field(pairs, "office_comment").to_owned(),
            version: field(pairs, "version").to_owned(),
            milestone_versions: pairs
                .iter()
                .filter_map(|(k, v)| {
                    let id = k.strip_prefix("m_")?.strip_suffix("_version")?;
                    Some((id.parse().ok()?, v.clone()))
                })
                .collect(),
            confirmed: field(pairs, "confirm") == "yes",
        }
    }

    /// Asks to approve without having confirmed: the confirmation page comes first.
    pub fn wants_confirmation(&self) -> bool {
        self.decision == "approve" && !self.confirmed
    }
}

/// One live milestone an approval would touch, from what it is now to what
/// the return reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MilestoneChange {
    pub reference: String,
    pub title: String,
    pub from_forecast: Option<time::Date>,
    pub from_status: MilestoneStatus,
    pub to_forecast: Option<time::Date>,
    pub to_status: MilestoneStatus,
}

/// What approving would do, for the confirmation page, with the versions
/// the confirmation must post back.
#[derive(Clone, Debug)]
pub struct ApprovalPreview {
    pub data: ReturnData,
    pub office_rating: Rating,
    pub office_comment: Option<String>,
    /// The return's version the approval must still find.
    pub version: i32,
    /// `(milestone id, version)` of every milestone shown on the review page.
    pub milestone_versions: Vec<(i32, i32)>,
    /// Milestones whose forecast or status would change.
    pub changes: Vec<MilestoneChange>,
    /// References of milestones reported unchanged, or signed off (left as they are).
    pub unchanged: Vec<String>,
}

/// Errors about the review as a whole (its version, the return's state)
/// are shown beside its buttons, `decision`.
fn at_decision(e: ServiceError) -> ServiceError {
    match e {
        ServiceError::Invalid(errors) => ServiceError::Invalid(
            errors
                .into_iter()
                .map(|mut e: FieldError| {
                    if e.field == "version" {
                        e.field = "decision".into();
                    }
                    e
                })
                .collect(),
        ),
        other => other,
    }
}

/// Checks an approval as [`review`] would, writing nothing, and says what
/// it would change. A return or milestone changed since the review page was
/// opened is a conflict, as it would be on approving.
pub async fn preview_approval(
    db: &DatabaseConnection,
    by: &By,
    period: &PeriodRef,
    ods: &str,
    form: &ReviewForm,
) -> Result<ApprovalPreview, ServiceError> {
    by.change_programme()?;
    let (period, trust) = locate(db, period, ods).await?;
    let mut f = Fields::default();
    let version = posted_version(&mut f, &form.version);
    let Some(record) = store::record_for(db, period.id, trust.participant_id).await? else {
        return Err(ServiceError::invalid(
            "decision",
            "Only a submitted return can be reviewed; this one has not been started",
        ));
    };
    let Some(version) = version else {
        return Err(at_decision(ServiceError::Invalid(f.errors)));
    };
    if version != record.version {
        return Err(ServiceError::Conflict);
    }
    let status = decode("status", ReturnStatus::from_code(&record.status))?;
    let scale = decode("scale", RatingScale::from_code(&record.rating_scale))?;
    if let Err(e) = check_reviewable(status) {
        f.error("decision", e.to_string());
    }
    let office_rating = f.required(
        "office_rating",
        &form.office_rating,
        "Give the programme office's own rating before approving",
        |t| Rating::parse(scale, t),
    );
    let Some(office_rating) = office_rating else {
        return Err(ServiceError::Invalid(f.errors));
    };
    f.finish()?;
    let data = build(db, period, trust, scale, false).await?;
    let mut milestone_versions = Vec::new();
    let mut changes = Vec::new();
    let mut unchanged = Vec::new();
    for line in &data.lines {
        let seen = form
            .milestone_versions
            .get(&line.milestone_id)
            .and_then(|v| v.trim().parse::<i32>().ok());
        if let Some(seen) = seen {
            milestone_versions.push((line.milestone_id, seen));
        }
        let Some(reported) = line.status else {
            continue;
        };
        if line.signed_off {
            unchanged.push(line.reference.clone());
            continue;
        }
        // As on approving: the milestone must be as the office saw it.
        if seen != Some(line.milestone_version) {
            return Err(ServiceError::Conflict);
        }
        let to_forecast = line.forecast_on.or(line.live_forecast_on);
        if to_forecast == line.live_forecast_on && reported == line.live_status {
            unchanged.push(line.reference.clone());
        } else {
            changes.push(MilestoneChange {
                reference: line.reference.clone(),
                title: line.title.clone(),
                from_forecast: line.live_forecast_on,
                from_status: line.live_status,
                to_forecast,
                to_status: reported,
            });
        }
    }
    Ok(ApprovalPreview {
        office_comment: Some(form.office_comment.trim().to_owned()).filter(|c| !c.is_empty()),
        data,
        office_rating,
        version,
        milestone_versions,
        changes,
        unchanged,
    })
}

/// The office approves (applying the reported forecasts and statuses to the
/// live milestones and freezing the return) or returns it with comments.
pub async fn review(
    db: &DatabaseConnection,
    by: &By,
    period: &PeriodRef,
    ods: &str,
    form: ReviewForm,
) -> Result<ReturnStatus, ServiceError> {
    decide(db, by, period, ods, form).await.map_err(at_decision)
}

async fn decide(
    db: &DatabaseConnection,
    by: &By,
    period: &PeriodRef,
    ods: &str,
    form: ReviewForm,
) -> Result<ReturnStatus, ServiceError> {
    by.change_programme()?;
    let (period, trust) = locate(db, period, ods).await?;
    let mut f = Fields::default();
    let version = posted_version(&mut f, &form.version);
    let approve = match form.decision.as_str() {
        "approve" => Some(true),
        "return" => Some(false),
        _ => {
            f.error("decision", "Choose approve or return for changes");
            None
        }
    };
    let comment = Some(form.office_comment.trim().to_owned()).filter(|c| !c.is_empty());
    if approve == Some(false) && comment.is_none() {
        f.error("office_comment", "Say what the trust needs to change");
    }
    if approve == Some(true) && !form.confirmed {
        f.error(
            "decision",
            "Confirm the approval on the page that says what it will change",
        );
    }
    let (Some(version), Some(approve)) = (version, approve) else {
        return Err(ServiceError::Invalid(f.errors));
    };
    let existing = store::record_for(db, period.id, trust.participant_id)
        .await?
        .ok_or_else(|| {
            ServiceError::invalid(
                "decision",
                "Only a submitted return can be reviewed; this one has not been started",
            )
        })?;

    let txn = db.begin().await?;
    let record =
        update_versioned::<Returns, _>(&txn, return_columns(), existing.id, version, vec![])
            .await?;
    let status = decode("status", ReturnStatus::from_code(&record.status))?;
    let scale = decode("scale", RatingScale::from_code(&record.rating_scale))?;
    if let Err(e) = check_reviewable(status) {
        f.error("decision", e.to_string());
    }
    let office_rating = f.optional("office_rating", &form.office_rating, |t| {
        Rating::parse(scale, t)
    });
    if approve && matches!(office_rating, Some(None)) {
        f.error(
            "office_rating",
            "Give the programme office's own rating before approving",
        );
    }
    let Some(office_rating) = office_rating else {
        return Err(ServiceError::Invalid(f.errors));
    };
    f.finish()?;

    let now = OffsetDateTime::now_utc();
    let new_status = if approve {
        ReturnStatus::Approved
    } else {
        ReturnStatus::Returned
    };
    store::write_decision(
        &txn,
        record.id,
        Decision {
            status: new_status,
            office_rating,
            office_comment: comment.clone(),
            approved_at: approve.then_some(now),
            approved_by: if approve { by.user_id() } else { None },
        },
    )
    .await?;
    let mut applied = Vec::new();
    if approve {
        for u in store::updates_of(&txn, record.id).await? {
            let Some(m) = Milestones::find_by_id(u.milestone_id).one(&txn).await? else {
                continue;
            };
            // A signed-off milestone is settled; the return cannot reopen it.
            if m.signed_off_on.is_some() {
                continue;
            }
            // The version the office saw; without it the approval cannot
            // know the milestone is as shown, so it changes nothing.
            let seen = form
                .milestone_versions
                .get(&m.id)
                .and_then(|v| v.trim().parse::<i32>().ok())
                .ok_or(ServiceError::Conflict)?;
            let status = decode("status", MilestoneStatus::from_code(&u.status))?;
            let actual = match status {
                MilestoneStatus::Complete => m.actual_on.or(u.forecast_on),
                _ => None,
            };
            update_versioned::<Milestones, _>(
                &txn,
                Versioned {
                    id: milestone::Column::Id,
                    version: milestone::Column::Version,
                    updated_at: milestone::Column::UpdatedAt,
                },
                m.id,
                seen,
                vec![
                    (
                        milestone::Column::ForecastOn,
                        Expr::value(u.forecast_on.or(m.forecast_on)),
                    ),
                    (milestone::Column::Status, Expr::value(status.code())),
                    (milestone::Column::ActualOn, Expr::value(actual)),
                ],
            )
            .await?;
            applied.push(json!({
                "reference": m.reference,
                "forecast_on": [m.forecast_on.map(|d| d.to_string()), u.forecast_on.map(|d| d.to_string())],
                "status": [m.status, status.code()],
            }));
        }
    }
    let mut entry = AuditEntry::by(by, if approve { "return.approve" } else { "return.return" }, "return", &record.id.to_string())
        .organisation(trust.organisation_id)
        .before(json!({ "status": status.code(), "office_rating": record.office_rating }))
        .after(json!({ "period": period.label, "status": new_status.code(), "office_rating": office_rating.map(|r| r.code()), "milestones_updated": applied }));
    if let Some(c) = &comment {
        entry = entry.reason(c);
    }
    audit::record(&txn, entry).await?;
    txn.commit().await?;
    Ok(new_status)
}
