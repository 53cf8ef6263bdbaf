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
//!
//! Approval never moves facts backwards: a line is applied only where
//! nothing newer is on record for its milestone
//! ([`crate::domain::approval::approval_of_line`]); the review and
//! confirmation pages show the newer value and say it will not be overwritten.
use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::json;

use super::draft::{posted_version, return_columns};
use super::read::{build, locate};
use super::{PeriodRef, ReturnData, field, store};
use crate::domain::approval::{Approval, MilestoneRecord, approval_of_line};
use crate::domain::milestone::MilestoneStatus;
use crate::domain::rating::{Rating, RatingScale};
use crate::domain::reporting::{ReturnStatus, check_reviewable};
use crate::entities::{
    AuditEvents, Milestones, ReportingPeriods, ReturnMilestoneUpdates, Returns, audit_event,
    milestone, progress_return, reporting_period, return_milestone_update,
};
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
        // Something newer is on record: approving leaves it as it is.
        if line.newer.is_some() {
            unchanged.push(line.reference.clone());
            continue;
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

/// What approving `record` (a return for the period ending
/// `period_ends_on`) would do to each milestone it reports on, by milestone
/// id, from what else is on record: the participant's other approved returns
/// and their periods' ends, the office's progress updates in the audit
/// trail, and each milestone's creation. Read through `db` (the pool for
/// the review page, the claiming transaction for the approval itself).
pub(super) async fn approval_plan(
    db: &impl ConnectionTrait,
    record: &progress_return::Model,
    period_ends_on: time::Date,
) -> Result<HashMap<i32, Approval>, ServiceError> {
    let lines = store::updates_of(db, record.id).await?;
    if lines.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<i32> = lines.iter().map(|u| u.milestone_id).collect();
    let milestones = Milestones::find()
        .filter(milestone::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?;
    // The participant's other approved returns, with their periods.
    let approved = Returns::find()
        .filter(progress_return::Column::ParticipantId.eq(record.participant_id))
        .filter(progress_return::Column::Status.eq(ReturnStatus::Approved.code()))
        .filter(progress_return::Column::Id.ne(record.id))
        .all(db)
        .await?;
    let periods: HashMap<i32, reporting_period::Model> = ReportingPeriods::find()
        .filter(
            reporting_period::Column::Id
                .is_in(approved.iter().map(|r| r.period_id).collect::<Vec<_>>()),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let period_of: HashMap<i32, &reporting_period::Model> = approved
        .iter()
        .filter_map(|r| periods.get(&r.period_id).map(|p| (r.id, p)))
        .collect();
    let mut latest: HashMap<i32, (String, time::Date)> = HashMap::new();
    for u in ReturnMilestoneUpdates::find()
        .filter(
            return_milestone_update::Column::ReturnId
                .is_in(period_of.keys().copied().collect::<Vec<_>>()),
        )
        .filter(return_milestone_update::Column::MilestoneId.is_in(ids.clone()))
        .all(db)
        .await?
    {
        let Some(p) = period_of.get(&u.return_id) else {
            continue;
        };
        let entry = latest
            .entry(u.milestone_id)
            .or_insert_with(|| (p.label.clone(), p.ends_on));
        if p.ends_on > entry.1 {
            *entry = (p.label.clone(), p.ends_on);
        }
    }
    // The office's direct progress updates, from the audit trail.
    let mut direct: HashMap<i32, time::OffsetDateTime> =
        milestones.iter().map(|m| (m.id, m.created_at)).collect();
    for e in AuditEvents::find()
        .filter(audit_event::Column::EntityType.eq("milestone"))
        .filter(audit_event::Column::Action.eq("milestone.progress"))
        .filter(
            audit_event::Column::EntityId
                .is_in(ids.iter().map(|id| id.to_string()).collect::<Vec<_>>()),
        )
        .all(db)
        .await?
    {
        let Ok(id) = e.entity_id.parse::<i32>() else {
            continue;
        };
        let entry = direct.entry(id).or_insert(e.occurred_at);
        if e.occurred_at > *entry {
            *entry = e.occurred_at;
        }
    }
    Ok(milestones
        .iter()
        .map(|m| {
            let on_record = MilestoneRecord {
                signed_off: m.signed_off_on.is_some(),
                latest_approved_period: latest.get(&m.id).cloned(),
                last_recorded_directly: direct.get(&m.id).copied(),
            };
            (
                m.id,
                approval_of_line(period_ends_on, record.submitted_at, &on_record),
            )
        })
        .collect())
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

    let txn = crate::services::begin_write(db).await?;
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

    let now = crate::clock::now();
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
    let mut kept = Vec::new();
    if approve {
        // Read after the claim, so what is newer is judged as at this commit.
        let plan = approval_plan(&txn, &record, period.ends_on).await?;
        for u in store::updates_of(&txn, record.id).await? {
            let Some(m) = Milestones::find_by_id(u.milestone_id).one(&txn).await? else {
                continue;
            };
            match plan.get(&m.id) {
                Some(Approval::Apply) => {}
                // A signed-off milestone is settled; the return cannot reopen it.
                Some(Approval::SignedOff) | None => continue,
                // Something newer is on record: left as it is, provided the
                // page showed it as it is (else the reviewer saw something
                // else happen: a conflict, as for an applied line).
                Some(Approval::Keep(_)) => {
                    let seen = form
                        .milestone_versions
                        .get(&m.id)
                        .and_then(|v| v.trim().parse::<i32>().ok());
                    if seen != Some(m.version) {
                        return Err(ServiceError::Conflict);
                    }
                    kept.push(json!({
                        "reference": m.reference,
                        "forecast_on": m.forecast_on.map(|d| d.to_string()),
                        "status": m.status,
                        "reported_forecast_on": u.forecast_on.map(|d| d.to_string()),
                        "reported_status": u.status,
                    }));
                    continue;
                }
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
        .after(json!({ "period": period.label, "status": new_status.code(), "office_rating": office_rating.map(|r| r.code()), "milestones_updated": applied, "milestones_kept_newer": kept }));
    if let Some(c) = &comment {
        entry = entry.reason(c);
    }
    audit::record(&txn, entry).await?;
    txn.commit().await?;
    Ok(new_status)
}
