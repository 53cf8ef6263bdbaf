//! Milestones: created by the programme office, kept current (forecast,
//! status, actual date), signed off, and re-baselined only through an
//! approved change request.
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, TransactionTrait,
};
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use super::concurrency::{Versioned, update_versioned};
use super::fields::Fields;
use super::{By, ServiceError};
use crate::domain::change::{Decision, RequestStatus, check_decision, check_reason};
use crate::domain::milestone::{
    MilestoneCategory, MilestoneReference, MilestoneStatus, check_dates,
};
use crate::entities::{
    BaselineChangeRequests, Milestones, Organisations, Participants, baseline_change_request,
    milestone, organisation, participant,
};
use crate::store::audit::{self, AuditEntry};

/// The participant and organisation behind an ODS code, checked for access.
pub async fn participant_by_ods(
    db: &impl ConnectionTrait,
    ods_code: &str,
) -> Result<(participant::Model, organisation::Model), ServiceError> {
    let org = Organisations::find()
        .filter(organisation::Column::OdsCode.eq(ods_code.trim().to_uppercase()))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let participant = Participants::find()
        .filter(participant::Column::OrganisationId.eq(org.id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok((participant, org))
}

/// A milestone with its participant's organisation id (for scoping and audit).
pub async fn load(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<(milestone::Model, i32), ServiceError> {
    let m = Milestones::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let p = Participants::find_by_id(m.participant_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok((m, p.organisation_id))
}

/// Reading a milestone: hidden from reporters of other organisations.
pub async fn readable(
    db: &DatabaseConnection,
    by: &By,
    id: i32,
) -> Result<(milestone::Model, i32), ServiceError> {
    let (m, org) = load(db, id).await?;
    if let By::User(actor) = by {
        actor.read_organisation(org)?;
    }
    Ok((m, org))
}

pub fn snapshot(m: &milestone::Model) -> Value {
    json!({
        "reference": m.reference,
        "title": m.title,
        "category": m.category,
        "baseline_on": m.baseline_on.to_string(),
        "forecast_on": m.forecast_on.map(|d| d.to_string()),
        "actual_on": m.actual_on.map(|d| d.to_string()),
        "status": m.status,
        "signed_off_on": m.signed_off_on.map(|d| d.to_string()),
    })
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewMilestone {
    pub reference: String,
    pub title: String,
    pub category: String,
    pub baseline_on: String,
    pub forecast_on: String,
}

pub async fn create(
    db: &DatabaseConnection,
    by: &By,
    ods_code: &str,
    form: NewMilestone,
) -> Result<milestone::Model, ServiceError> {
    let (participant, org) = participant_by_ods(db, ods_code).await?;
    if let By::User(actor) = by {
        actor.read_organisation(org.id)?;
    }
    by.change_programme()?;
    let mut f = Fields::default();
    let reference = f.required(
        "reference",
        &form.reference,
        "Enter a reference, for example M07",
        MilestoneReference::parse,
    );
    let title = f.text("title", &form.title, "Enter what will be delivered", 200);
    let category = f.required(
        "category",
        &form.category,
        "Select a category",
        MilestoneCategory::from_code,
    );
    let baseline = f.date("baseline_on", &form.baseline_on, "Enter the baseline date");
    let forecast = f.optional_date("forecast_on", &form.forecast_on);
    if let Some(reference) = &reference
        && Milestones::find()
            .filter(milestone::Column::ParticipantId.eq(participant.id))
            .filter(milestone::Column::Reference.eq(reference.as_str()))
            .one(db)
            .await?
            .is_some()
    {
        f.error(
            "reference",
            format!(
                "{} already has a milestone {}",
                org.ods_code.clone().unwrap_or_default(),
                reference.as_str()
            ),
        );
    }
    let (Some(reference), Some(title), Some(category), Some(baseline), Some(forecast)) =
        (reference, title, category, baseline, forecast)
    else {
        return Err(ServiceError::Invalid(f.errors));
    };
    f.finish()?;
    let now = OffsetDateTime::now_utc();
    let txn = db.begin().await?;
    let created = milestone::ActiveModel {
        participant_id: Set(participant.id),
        reference: Set(reference.as_str().to_owned()),
        title: Set(title),
        category: Set(category.code().to_owned()),
        baseline_on: Set(baseline),
        forecast_on: Set(Some(forecast.unwrap_or(baseline))),
        actual_on: Set(None),
        status: Set(MilestoneStatus::NotStarted.code().to_owned()),
        signed_off_on: Set(None),
        signed_off_by: Set(None),
        illustrative: Set(false),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        AuditEntry::by(by, "milestone.create", "milestone", &created.id.to_string())
            .organisation(org.id)
            .after(snapshot(&created)),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Progress {
    pub forecast_on: String,
    pub status: String,
    pub actual_on: String,
    pub version: String,
}

/// Forecast, status and actual date; a signed-off milestone no longer changes.
pub async fn update_progress(
    db: &DatabaseConnection,
    by: &By,
    id: i32,
    form: Progress,
) -> Result<milestone::Model, ServiceError> {
    let (current, org) = readable(db, by, id).await?;
    by.change_programme()?;
    let mut f = Fields::default();
    let forecast = f.optional_date("forecast_on", &form.forecast_on);
    let status = f.required(
        "status",
        &form.status,
        "Select a status",
        MilestoneStatus::from_code,
    );
    let actual = f.optional_date("actual_on", &form.actual_on);
    let version = f.version(&form.version);
    if current.signed_off_on.is_some() {
        f.error(
            "status",
            "This milestone has been signed off, so its progress can no longer change",
        );
    }
    if let (Some(status), Some(actual)) = (status, actual) {
        if let Err(e) = check_dates(status, actual, None) {
            let field = if actual.is_none() {
                "actual_on"
            } else {
                "status"
            };
            f.error(field, e.to_string());
        }
        if let Some(actual) = actual
            && actual > OffsetDateTime::now_utc().date()
        {
            f.error("actual_on", "The actual date cannot be in the future");
        }
    }
    let (Some(forecast), Some(status), Some(actual), Some(version)) =
        (forecast, status, actual, version)
    else {
        return Err(ServiceError::Invalid(f.errors));
    };
    f.finish()?;
    let txn = db.begin().await?;
    let updated = update_versioned::<Milestones, _>(
        &txn,
        Versioned {
            id: milestone::Column::Id,
            version: milestone::Column::Version,
            updated_at: milestone::Column::UpdatedAt,
        },
        id,
        version,
        vec![
            (milestone::Column::ForecastOn, Expr::value(forecast)),
            (milestone::Column::Status, Expr::value(status.code())),
            (milestone::Column::ActualOn, Expr::value(actual)),
        ],
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry::by(by, "milestone.progress", "milestone", &id.to_string())
            .organisation(org)
            .before(snapshot(&current))
            .after(snapshot(&updated)),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SignOff {
    pub signed_off_on: String,
    pub version: String,
}

/// The programme office confirms completion; needs the actual date.
pub async fn sign_off(
    db: &DatabaseConnection,
    by: &By,
    id: i32,
    form: SignOff,
    today: Date,
) -> Result<milestone::Model, ServiceError> {
    let (current, org) = readable(db, by, id).await?;
    by.change_programme()?;
    let mut f = Fields::default();
    let on = f.optional_date("signed_off_on", &form.signed_off_on);
    let version = f.version(&form.version);
    let (Some(on), Some(version)) = (on, version) else {
        return Err(ServiceError::Invalid(f.errors));
    };
    let on = on.unwrap_or(today);
    if current.signed_off_on.is_some() {
        f.error(
            "signed_off_on",
            "This milestone has already been signed off",
        );
    } else if on > today {
        f.error("signed_off_on", "The sign-off date cannot be in the future");
    } else {
        let status = crate::store::decode("status", MilestoneStatus::from_code(&current.status))?;
        if let Err(e) = check_dates(status, current.actual_on, Some(on)) {
            f.error("signed_off_on", e.to_string());
        }
    }
    f.finish()?;
    let txn = db.begin().await?;
    let updated = update_versioned::<Milestones, _>(
        &txn,
        Versioned {
            id: milestone::Column::Id,
            version: milestone::Column::Version,
            updated_at: milestone::Column::UpdatedAt,
        },
        id,
        version,
        vec![
            (milestone::Column::SignedOffOn, Expr::value(on)),
            (milestone::Column::SignedOffBy, Expr::value(by.user_id())),
        ],
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry::by(by, "milestone.sign_off", "milestone", &id.to_string())
            .organisation(org)
            .before(snapshot(&current))
            .after(snapshot(&updated)),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct BaselineRequest {
    pub proposed_baseline_on: String,
    pub reason: String,
}

/// Asks to move a baseline: the office, or the milestone's own trust.
pub async fn request_baseline_change(
    db: &DatabaseConnection,
    by: &By,
    id: i32,
    form: BaselineRequest,
) -> Result<baseline_change_request::Model, ServiceError> {
    let (current, org) = readable(db, by, id).await?;
    let By::User(actor) = by else {
        return Err(ServiceError::invalid(
            "user",
            "change requests are made by signed-in users",
        ));
    };
    actor.report_for(org)?;
    let mut f = Fields::default();
    let proposed = f.date(
        "proposed_baseline_on",
        &form.proposed_baseline_on,
        "Enter the proposed new baseline date",
    );
    if let Err(e) = check_reason(&form.reason) {
        f.error("reason", e.to_string());
    }
    if proposed == Some(current.baseline_on) {
        f.error("proposed_baseline_on", "This is already the baseline date");
    }
    if pending_baseline_request(db, id).await?.is_some() {
        f.error(
            "proposed_baseline_on",
            "A baseline change is already awaiting a decision for this milestone",
        );
    }
    let Some(proposed) = proposed else {
        return Err(ServiceError::Invalid(f.errors));
    };
    f.finish()?;
    let now = OffsetDateTime::now_utc();
    let txn = db.begin().await?;
    let created = baseline_change_request::ActiveModel {
        milestone_id: Set(id),
        previous_baseline_on: Set(current.baseline_on),
        proposed_baseline_on: Set(proposed),
        reason: Set(form.reason.trim().to_owned()),
        status: Set(RequestStatus::Pending.code().to_owned()),
        requested_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        AuditEntry::by(by, "baseline_change.request", "milestone", &id.to_string())
            .organisation(org)
            .before(json!({ "baseline_on": current.baseline_on.to_string() }))
            .after(json!({ "proposed_baseline_on": proposed.to_string(), "request": created.id }))
            .reason(form.reason.trim()),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

pub async fn pending_baseline_request(
    db: &impl ConnectionTrait,
    milestone_id: i32,
) -> Result<Option<baseline_change_request::Model>, ServiceError> {
    Ok(BaselineChangeRequests::find()
        .filter(baseline_change_request::Column::MilestoneId.eq(milestone_id))
        .filter(baseline_change_request::Column::Status.eq(RequestStatus::Pending.code()))
        .one(db)
        .await?)
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    pub decision: String,
    pub comment: String,
}

/// Reads a decision on a change request and checks it may be made: the
/// request is pending, the decider did not ask for it, a rejection explains itself.
pub fn check_decision_form(
    form: &DecisionForm,
    stored_status: &str,
    requested_by: i32,
    decided_by: i32,
) -> Result<Decision, ServiceError> {
    let mut f = Fields::default();
    let Some(decision) = f.required(
        "decision",
        &form.decision,
        "Choose approve or reject",
        Decision::from_code,
    ) else {
        return Err(ServiceError::Invalid(f.errors));
    };
    let status = crate::store::decode("status", RequestStatus::from_code(stored_status))?;
    if let Err(e) = check_decision(status, requested_by, decided_by, decision, &form.comment) {
        f.error("decision", e.to_string());
    }
    f.finish()?;
    Ok(decision)
}

/// Approve (the baseline moves; the old one stays in the request and the
/// audit trail) or reject with a comment.
pub async fn decide_baseline_change(
    db: &DatabaseConnection,
    by: &By,
    request_id: i32,
    form: DecisionForm,
) -> Result<baseline_change_request::Model, ServiceError> {
    by.change_programme()?;
    let By::User(actor) = by else {
        return Err(ServiceError::invalid(
            "user",
            "decisions are made by signed-in users",
        ));
    };
    let request = BaselineChangeRequests::find_by_id(request_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let decision =
        check_decision_form(&form, &request.status, request.requested_by, actor.user_id)?;
    let (milestone, org) = load(db, request.milestone_id).await?;
    let now = OffsetDateTime::now_utc();
    let comment = Some(form.comment.trim().to_owned()).filter(|c| !c.is_empty());
    let txn = db.begin().await?;
    // Only a still-pending request is decided, so two deciders cannot both win.
    let decided = BaselineChangeRequests::update_many()
        .col_expr(
            baseline_change_request::Column::Status,
            Expr::value(match decision {
                Decision::Approve => RequestStatus::Approved.code(),
                Decision::Reject => RequestStatus::Rejected.code(),
            }),
        )
        .col_expr(
            baseline_change_request::Column::DecidedBy,
            Expr::value(actor.user_id),
        )
        .col_expr(baseline_change_request::Column::DecidedAt, Expr::value(now))
        .col_expr(
            baseline_change_request::Column::DecisionComment,
            Expr::value(comment.clone()),
        )
        .col_expr(baseline_change_request::Column::UpdatedAt, Expr::value(now))
        .filter(baseline_change_request::Column::Id.eq(request_id))
        .filter(baseline_change_request::Column::Status.eq(RequestStatus::Pending.code()))
        .exec(&txn)
        .await?;
    if decided.rows_affected != 1 {
        return Err(ServiceError::Conflict);
    }
    let mut entry = AuditEntry::by(
        by,
        match decision {
            Decision::Approve => "baseline_change.approve",
            Decision::Reject => "baseline_change.reject",
        },
        "milestone",
        &milestone.id.to_string(),
    )
    .organisation(org)
    .before(json!({ "baseline_on": milestone.baseline_on.to_string() }));
    if decision == Decision::Approve {
        Milestones::update_many()
            .col_expr(
                milestone::Column::BaselineOn,
                Expr::value(request.proposed_baseline_on),
            )
            .col_expr(
                milestone::Column::Version,
                Expr::value(milestone.version + 1),
            )
            .col_expr(milestone::Column::UpdatedAt, Expr::value(now))
            .filter(milestone::Column::Id.eq(milestone.id))
            .exec(&txn)
            .await?;
        entry = entry.after(json!({ "baseline_on": request.proposed_baseline_on.to_string(), "request": request_id }));
    } else {
        entry = entry.after(
            json!({ "baseline_on": milestone.baseline_on.to_string(), "request": request_id }),
        );
    }
    if let Some(c) = &comment {
        entry = entry.reason(c);
    }
    audit::record(&txn, entry).await?;
    txn.commit().await?;
    BaselineChangeRequests::find_by_id(request_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}
