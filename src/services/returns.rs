//! Trust progress returns: periods opened by the programme office; a trust
//! drafts and submits its own return; the office approves (applying the
//! reported forecasts to the live milestones and freezing the return) or
//! returns it with comments.
use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde_json::json;
use time::{Date, Month, OffsetDateTime};

use super::fields::Fields;
use super::milestones::participant_by_ods;
use super::{By, FieldError, ServiceError};
use crate::domain::access::{AccessError, UserRole};
use crate::domain::financial_year::FinancialYear;
use crate::domain::milestone::{MilestoneStatus, Timeliness, slippage_days, timeliness};
use crate::domain::money::Pence;
use crate::domain::rating::{Rating, RatingScale};
use crate::domain::reporting::{
    Frequency, PeriodStatus, ReturnStatus, check_editable, check_reviewable, month, quarter,
};
use crate::domain::suggested_rating::{Evidence, Suggestion, profiled_to, suggest};
use crate::entities::{
    Milestones, ReportingPeriods, ReturnMilestoneUpdates, ReturnRisks, Returns, milestone,
    organisation, participant, progress_return, reporting_period, return_milestone_update,
    return_risk,
};
use crate::store::audit::{self, AuditEntry};
use crate::store::decode;

/// How many risk rows a return form offers.
pub const RISK_SLOTS: usize = 5;

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PeriodForm {
    pub frequency: String,
    /// Quarterly: the financial year's first calendar year (2019 for 2019/20).
    /// Monthly: the calendar year.
    pub year: String,
    /// Quarterly: 1–4. Monthly: 1–12.
    pub number: String,
    pub due_on: String,
}

pub async fn open_period(
    db: &DatabaseConnection,
    by: &By,
    form: PeriodForm,
) -> Result<reporting_period::Model, ServiceError> {
    by.change_programme()?;
    let mut f = Fields::default();
    let frequency = f.required(
        "frequency",
        &form.frequency,
        "Select monthly or quarterly",
        Frequency::from_code,
    );
    let year = f.required("year", &form.year, "Enter the year", |t| {
        t.parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or("Enter a year such as 2019")
    });
    let number = f.required(
        "number",
        &form.number,
        "Enter the quarter or month number",
        |t| t.parse::<u8>().map_err(|_| "Enter a whole number"),
    );
    let due = f.date("due_on", &form.due_on, "Enter the date returns are due");
    let (Some(frequency), Some(year), Some(number), Some(due)) = (frequency, year, number, due)
    else {
        return Err(ServiceError::Invalid(f.errors));
    };
    let spec = match frequency {
        Frequency::Quarterly => FinancialYear::new(year)
            .ok()
            .and_then(|fy| quarter(fy, number)),
        Frequency::Monthly => Month::try_from(number).ok().and_then(|m| month(year, m)),
    };
    let Some(spec) = spec else {
        return Err(ServiceError::invalid(
            "number",
            match frequency {
                Frequency::Quarterly => "A quarter is 1 to 4 (Q1 is April to June)",
                Frequency::Monthly => "A month is 1 to 12",
            },
        ));
    };
    if due < spec.ends_on {
        f.error("due_on", "Returns cannot be due before the period ends");
    }
    if ReportingPeriods::find()
        .filter(reporting_period::Column::Label.eq(spec.label.as_str()))
        .one(db)
        .await?
        .is_some()
    {
        f.error(
            "number",
            format!("The period {} is already open", spec.label),
        );
    }
    f.finish()?;
    let now = OffsetDateTime::now_utc();
    let txn = db.begin().await?;
    let created = reporting_period::ActiveModel {
        label: Set(spec.label.clone()),
        frequency: Set(spec.frequency.code().to_owned()),
        starts_on: Set(spec.starts_on),
        ends_on: Set(spec.ends_on),
        due_on: Set(due),
        status: Set(PeriodStatus::Open.code().to_owned()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        AuditEntry::by(
            by,
            "period.open",
            "reporting_period",
            &created.id.to_string(),
        )
        .after(json!({
            "label": created.label, "starts_on": created.starts_on.to_string(),
            "ends_on": created.ends_on.to_string(), "due_on": created.due_on.to_string(),
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// One milestone line of a return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateLine {
    pub milestone_id: i32,
    pub reference: String,
    pub title: String,
    pub baseline_on: Date,
    pub forecast_on: Option<Date>,
    pub status: Option<MilestoneStatus>,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskLine {
    pub description: String,
    pub rating: Rating,
    pub mitigation: Option<String>,
}

/// A return as pages show it (an existing one, or the blank a trust starts from).
#[derive(Clone, Debug)]
pub struct ReturnData {
    pub period: reporting_period::Model,
    pub participant: participant::Model,
    pub organisation: organisation::Model,
    pub record: Option<progress_return::Model>,
    pub status: Option<ReturnStatus>,
    pub scale: RatingScale,
    pub spend: Option<Pence>,
    pub self_rating: Option<Rating>,
    pub office_rating: Option<Rating>,
    pub lines: Vec<UpdateLine>,
    pub risks: Vec<RiskLine>,
    pub suggestion: Suggestion,
    pub previous: Option<Box<ReturnData>>,
}

async fn period(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<reporting_period::Model, ServiceError> {
    ReportingPeriods::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

async fn record_for(
    db: &impl ConnectionTrait,
    period_id: i32,
    participant_id: i32,
) -> Result<Option<progress_return::Model>, ServiceError> {
    Ok(Returns::find()
        .filter(progress_return::Column::PeriodId.eq(period_id))
        .filter(progress_return::Column::ParticipantId.eq(participant_id))
        .one(db)
        .await?)
}

/// Scope: the office and readers see every return; a reporter only their own.
fn check_read(by: &By, organisation_id: i32) -> Result<(), ServiceError> {
    if let By::User(actor) = by {
        actor.read_organisation(organisation_id)?;
    }
    Ok(())
}

/// Only the trust's own reporter writes its return.
fn check_write(by: &By, organisation_id: i32) -> Result<(), ServiceError> {
    match by {
        By::Cli => Ok(()),
        By::User(actor) => match actor.role {
            UserRole::TrustReporter if actor.organisation_id == Some(organisation_id) => Ok(()),
            UserRole::TrustReporter => Err(AccessError::Hidden.into()),
            _ => Err(
                AccessError::Forbidden("Returns are completed by the trust's own reporter.").into(),
            ),
        },
    }
}

fn rating(scale_code: &str, code: Option<&str>) -> Result<Option<Rating>, ServiceError> {
    let _ = scale_code;
    code.map(|c| decode("rating", Rating::from_code(c)))
        .transpose()
        .map_err(Into::into)
}

async fn build(
    db: &impl ConnectionTrait,
    period: reporting_period::Model,
    participant: participant::Model,
    organisation: organisation::Model,
    default_scale: RatingScale,
    with_previous: bool,
) -> Result<ReturnData, ServiceError> {
    let record = record_for(db, period.id, participant.id).await?;
    let milestones = Milestones::find()
        .filter(milestone::Column::ParticipantId.eq(participant.id))
        .order_by_asc(milestone::Column::BaselineOn)
        .all(db)
        .await?;
    let mut lines = Vec::new();
    let mut risks = Vec::new();
    let (status, scale, spend, self_rating, office_rating) = match &record {
        Some(r) => {
            let updates: HashMap<i32, return_milestone_update::Model> =
                ReturnMilestoneUpdates::find()
                    .filter(return_milestone_update::Column::ReturnId.eq(r.id))
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|u| (u.milestone_id, u))
                    .collect();
            let frozen = r.status == ReturnStatus::Approved.code()
                || r.status == ReturnStatus::Submitted.code();
            for m in &milestones {
                match updates.get(&m.id) {
                    Some(u) => lines.push(UpdateLine {
                        milestone_id: m.id,
                        reference: m.reference.clone(),
                        title: m.title.clone(),
                        baseline_on: m.baseline_on,
                        forecast_on: u.forecast_on,
                        status: Some(decode("status", MilestoneStatus::from_code(&u.status))?),
                        comment: u.comment.clone(),
                    }),
                    // A frozen return shows only what it held; a draft offers every open milestone.
                    None if !frozen
                        && m.status != MilestoneStatus::Complete.code()
                        && m.status != MilestoneStatus::Cancelled.code() =>
                    {
                        lines.push(UpdateLine {
                            milestone_id: m.id,
                            reference: m.reference.clone(),
                            title: m.title.clone(),
                            baseline_on: m.baseline_on,
                            forecast_on: m.forecast_on,
                            status: None,
                            comment: None,
                        })
                    }
                    None => {}
                }
            }
            for risk in ReturnRisks::find()
                .filter(return_risk::Column::ReturnId.eq(r.id))
                .order_by_asc(return_risk::Column::Position)
                .all(db)
                .await?
            {
                risks.push(RiskLine {
                    description: risk.description,
                    rating: decode("rating", Rating::from_code(&risk.rating))?,
                    mitigation: risk.mitigation,
                });
            }
            (
                Some(decode("status", ReturnStatus::from_code(&r.status))?),
                decode("scale", RatingScale::from_code(&r.rating_scale))?,
                r.spend_to_date_pence
                    .map(|p| decode("spend", Pence::new(p)))
                    .transpose()?,
                rating(&r.rating_scale, r.self_rating.as_deref())?,
                rating(&r.rating_scale, r.office_rating.as_deref())?,
            )
        }
        None => {
            for m in milestones.iter().filter(|m| {
                m.status != MilestoneStatus::Complete.code()
                    && m.status != MilestoneStatus::Cancelled.code()
            }) {
                lines.push(UpdateLine {
                    milestone_id: m.id,
                    reference: m.reference.clone(),
                    title: m.title.clone(),
                    baseline_on: m.baseline_on,
                    forecast_on: m.forecast_on,
                    status: Some(decode("status", MilestoneStatus::from_code(&m.status))?),
                    comment: None,
                });
            }
            (None, default_scale, None, None, None)
        }
    };
    let suggestion = suggestion_for(db, &participant, &period, &lines, spend).await?;
    let previous = if with_previous {
        previous_approved(db, &period, &participant, &organisation, default_scale).await?
    } else {
        None
    };
    Ok(ReturnData {
        period,
        participant,
        organisation,
        record,
        status,
        scale,
        spend,
        self_rating,
        office_rating,
        lines,
        risks,
        suggestion,
        previous: previous.map(Box::new),
    })
}

/// The evidence as at the period's end, from the lines reported (or the live record).
async fn suggestion_for(
    db: &impl ConnectionTrait,
    participant: &participant::Model,
    period: &reporting_period::Model,
    lines: &[UpdateLine],
    spend: Option<Pence>,
) -> Result<Suggestion, ServiceError> {
    let at = period.ends_on;
    let mut evidence = Evidence {
        spend_to_date: spend,
        ..Default::default()
    };
    for line in lines {
        let Some(status) = line.status else { continue };
        if timeliness(status, line.forecast_on, line.baseline_on, at) == Timeliness::Overdue {
            evidence.overdue_milestones += 1;
        }
        if status != MilestoneStatus::Complete && status != MilestoneStatus::Cancelled {
            evidence.worst_open_slippage_days = evidence
                .worst_open_slippage_days
                .max(slippage_days(line.baseline_on, line.forecast_on, None));
        }
    }
    let mut profile = Vec::new();
    for a in crate::entities::Allocations::find()
        .filter(crate::entities::allocation::Column::ParticipantId.eq(participant.id))
        .all(db)
        .await?
    {
        profile.extend(super::funding::profile_of(db, a.id).await?);
    }
    evidence.profiled_to_date = profiled_to(&profile, at);
    Ok(suggest(&evidence))
}

async fn previous_approved(
    db: &impl ConnectionTrait,
    period: &reporting_period::Model,
    participant: &participant::Model,
    organisation: &organisation::Model,
    scale: RatingScale,
) -> Result<Option<ReturnData>, ServiceError> {
    let earlier: Vec<i32> = ReportingPeriods::find()
        .filter(reporting_period::Column::EndsOn.lt(period.ends_on))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let mut approved: Vec<progress_return::Model> = Returns::find()
        .filter(progress_return::Column::ParticipantId.eq(participant.id))
        .filter(progress_return::Column::Status.eq(ReturnStatus::Approved.code()))
        .filter(progress_return::Column::PeriodId.is_in(earlier))
        .all(db)
        .await?;
    let mut latest: Option<(reporting_period::Model, progress_return::Model)> = None;
    for r in approved.drain(..) {
        let p = self::period(db, r.period_id).await?;
        if latest.as_ref().is_none_or(|(lp, _)| p.ends_on > lp.ends_on) {
            latest = Some((p, r));
        }
    }
    match latest {
        Some((p, _)) => Ok(Some(
            Box::pin(build(
                db,
                p,
                participant.clone(),
                organisation.clone(),
                scale,
                false,
            ))
            .await?,
        )),
        None => Ok(None),
    }
}

/// A participant's return for a period, within the reader's scope.
pub async fn load(
    db: &DatabaseConnection,
    by: &By,
    period_id: i32,
    ods: &str,
    default_scale: RatingScale,
) -> Result<ReturnData, ServiceError> {
    let (participant, organisation) = participant_by_ods(db, ods).await?;
    check_read(by, organisation.id)?;
    let period = period(db, period_id).await?;
    build(db, period, participant, organisation, default_scale, true).await
}

/// Reads `m_{id}_forecast`, `m_{id}_status`, `m_{id}_comment` and
/// `risk_{n}_description|rating|mitigation` from the posted pairs.
pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Saves a draft, or submits (`submit`), checking completeness only on submit.
pub async fn save(
    db: &DatabaseConnection,
    by: &By,
    period_id: i32,
    ods: &str,
    pairs: &[(String, String)],
    submit: bool,
    default_scale: RatingScale,
) -> Result<ReturnStatus, ServiceError> {
    let (participant, organisation) = participant_by_ods(db, ods).await?;
    check_read(by, organisation.id)?;
    check_write(by, organisation.id)?;
    let period = period(db, period_id).await?;
    let existing = record_for(db, period_id, participant.id).await?;
    let existing_status = existing
        .as_ref()
        .map(|r| decode("status", ReturnStatus::from_code(&r.status)))
        .transpose()?;
    check_editable(existing_status).map_err(|e| ServiceError::invalid("status", e.to_string()))?;
    let blank = build(
        db,
        period.clone(),
        participant.clone(),
        organisation.clone(),
        default_scale,
        false,
    )
    .await?;
    let scale = existing
        .as_ref()
        .map(|r| decode("scale", RatingScale::from_code(&r.rating_scale)))
        .transpose()?
        .unwrap_or(default_scale);

    let mut f = Fields::default();
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
            leak(format!("m_{id}_forecast")),
            field(pairs, &format!("m_{id}_forecast")),
            crate::domain::dates::parse_date,
        );
        let status = f.optional(
            leak(format!("m_{id}_status")),
            field(pairs, &format!("m_{id}_status")),
            MilestoneStatus::from_code,
        );
        let comment = f.optional_text(
            leak(format!("m_{id}_comment")),
            field(pairs, &format!("m_{id}_comment")),
            1000,
        );
        if let (Some(forecast), Some(status), Some(comment)) = (forecast, status, comment) {
            lines.push((line.clone(), forecast, status, comment));
        }
    }
    let mut risks = Vec::new();
    for n in 1..=RISK_SLOTS {
        let description = field(pairs, &format!("risk_{n}_description")).trim();
        let rating_text = field(pairs, &format!("risk_{n}_rating")).trim();
        let mitigation = field(pairs, &format!("risk_{n}_mitigation")).trim();
        if description.is_empty() && rating_text.is_empty() && mitigation.is_empty() {
            continue;
        }
        let description = f.text(
            leak(format!("risk_{n}_description")),
            description,
            &format!("Describe risk {n}, or clear its row"),
            1000,
        );
        let rating = f.required(
            leak(format!("risk_{n}_rating")),
            rating_text,
            &format!("Rate risk {n}"),
            |t| Rating::parse(scale, t),
        );
        if let (Some(description), Some(rating)) = (description, rating) {
            risks.push(RiskLine {
                description,
                rating,
                mitigation: Some(mitigation.to_owned()).filter(|m| !m.is_empty()),
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
                    leak(format!("m_{}_status", line.milestone_id)),
                    format!("Select a status for milestone {}", line.reference),
                ),
                Some(s) if *s != MilestoneStatus::Cancelled && forecast.is_none() => f.error(
                    leak(format!("m_{}_forecast", line.milestone_id)),
                    format!(
                        "Enter the forecast (or completion) date for milestone {}",
                        line.reference
                    ),
                ),
                _ => {}
            }
        }
        if let (Some(Some(spend)), Ok(allocated)) =
            (spend, total_allocated(db, participant.id).await)
            && spend > allocated
        {
            f.error(
                "spend_to_date",
                format!("Spend to date of {spend} is more than the {allocated} allocated"),
            );
        }
    }
    let (Some(spend), Some(self_rating), Some(justification), Some(narrative)) =
        (spend, self_rating, justification, narrative)
    else {
        return Err(ServiceError::Invalid(f.errors));
    };
    f.finish()?;

    let now = OffsetDateTime::now_utc();
    let new_status = if submit {
        ReturnStatus::Submitted
    } else {
        ReturnStatus::Draft
    };
    let txn = db.begin().await?;
    let record = match &existing {
        Some(r) => {
            let version_guard = Returns::update_many()
                .col_expr(
                    progress_return::Column::Status,
                    Expr::value(new_status.code()),
                )
                .col_expr(
                    progress_return::Column::SpendToDatePence,
                    Expr::value(spend.map(|p| p.value())),
                )
                .col_expr(
                    progress_return::Column::SelfRating,
                    Expr::value(self_rating.map(|r| r.code())),
                )
                .col_expr(
                    progress_return::Column::RatingJustification,
                    Expr::value(justification.clone()),
                )
                .col_expr(
                    progress_return::Column::Narrative,
                    Expr::value(narrative.clone()),
                )
                .col_expr(
                    progress_return::Column::SubmittedAt,
                    Expr::value(submit.then_some(now)),
                )
                .col_expr(
                    progress_return::Column::SubmittedBy,
                    Expr::value(if submit { by.user_id() } else { None }),
                )
                .col_expr(progress_return::Column::Version, Expr::value(r.version + 1))
                .col_expr(progress_return::Column::UpdatedAt, Expr::value(now))
                .filter(progress_return::Column::Id.eq(r.id))
                .filter(progress_return::Column::Version.eq(r.version))
                .exec(&txn)
                .await?;
            if version_guard.rows_affected != 1 {
                return Err(ServiceError::Conflict);
            }
            r.id
        }
        None => {
            progress_return::ActiveModel {
                period_id: Set(period_id),
                participant_id: Set(participant.id),
                status: Set(new_status.code().to_owned()),
                spend_to_date_pence: Set(spend.map(|p| p.value())),
                rating_scale: Set(scale.code().to_owned()),
                self_rating: Set(self_rating.map(|r| r.code().to_owned())),
                rating_justification: Set(justification.clone()),
                narrative: Set(narrative.clone()),
                submitted_at: Set(submit.then_some(now)),
                submitted_by: Set(if submit { by.user_id() } else { None }),
                illustrative: Set(false),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(|e| match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => ServiceError::Conflict,
                _ => ServiceError::Database(e),
            })?
            .id
        }
    };
    ReturnMilestoneUpdates::delete_many()
        .filter(return_milestone_update::Column::ReturnId.eq(record))
        .exec(&txn)
        .await?;
    for (line, forecast, status, comment) in &lines {
        let Some(status) = status else { continue };
        return_milestone_update::ActiveModel {
            return_id: Set(record),
            milestone_id: Set(line.milestone_id),
            forecast_on: Set(*forecast),
            status: Set(status.code().to_owned()),
            comment: Set(comment.clone()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    ReturnRisks::delete_many()
        .filter(return_risk::Column::ReturnId.eq(record))
        .exec(&txn)
        .await?;
    for (i, risk) in risks.iter().enumerate() {
        return_risk::ActiveModel {
            return_id: Set(record),
            position: Set(i as i32 + 1),
            description: Set(risk.description.clone()),
            rating: Set(risk.rating.code().to_owned()),
            mitigation: Set(risk.mitigation.clone()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        AuditEntry::by(by, if submit { "return.submit" } else { "return.save_draft" }, "return", &record.to_string())
            .organisation(organisation.id)
            .before(json!({ "status": existing_status.map(|s| s.code()) }))
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

/// Per-milestone field names (`m_12_status`) are built at run time but
/// `FieldError` holds `&'static str`; each distinct name is interned once, so
/// memory grows with the number of milestones, not with requests.
fn leak(name: String) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let names = NAMES.get_or_init(|| Mutex::new(HashSet::new()));
    let mut names = names
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(existing) = names.get(name.as_str()) {
        return existing;
    }
    let interned: &'static str = Box::leak(name.into_boxed_str());
    names.insert(interned);
    interned
}

async fn total_allocated(
    db: &impl ConnectionTrait,
    participant_id: i32,
) -> Result<Pence, ServiceError> {
    let mut total = Pence::ZERO;
    for a in crate::entities::Allocations::find()
        .filter(crate::entities::allocation::Column::ParticipantId.eq(participant_id))
        .all(db)
        .await?
    {
        total = total.saturating_add(decode("amount", Pence::new(a.central_pence))?);
    }
    Ok(total)
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ReviewForm {
    pub decision: String,
    pub office_rating: String,
    pub office_comment: String,
}

/// The office approves (applying the reported forecasts and statuses to the
/// live milestones and freezing the return) or returns it with comments.
pub async fn review(
    db: &DatabaseConnection,
    by: &By,
    period_id: i32,
    ods: &str,
    form: ReviewForm,
) -> Result<ReturnStatus, ServiceError> {
    by.change_programme()?;
    let (participant, organisation) = participant_by_ods(db, ods).await?;
    let record = record_for(db, period_id, participant.id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let status = decode("status", ReturnStatus::from_code(&record.status))?;
    let scale = decode("scale", RatingScale::from_code(&record.rating_scale))?;
    let mut f = Fields::default();
    if let Err(e) = check_reviewable(status) {
        f.error("decision", e.to_string());
    }
    let approve = match form.decision.as_str() {
        "approve" => Some(true),
        "return" => Some(false),
        _ => {
            f.error("decision", "Choose approve or return for changes");
            None
        }
    };
    let office_rating = f.optional("office_rating", &form.office_rating, |t| {
        Rating::parse(scale, t)
    });
    let comment = Some(form.office_comment.trim().to_owned()).filter(|c| !c.is_empty());
    if approve == Some(true) && matches!(office_rating, Some(None)) {
        f.error(
            "office_rating",
            "Give the programme office's own rating before approving",
        );
    }
    if approve == Some(false) && comment.is_none() {
        f.error("office_comment", "Say what the trust needs to change");
    }
    let (Some(approve), Some(office_rating)) = (approve, office_rating) else {
        return Err(ServiceError::Invalid(f.errors));
    };
    f.finish()?;
    let now = OffsetDateTime::now_utc();
    let new_status = if approve {
        ReturnStatus::Approved
    } else {
        ReturnStatus::Returned
    };
    let txn = db.begin().await?;
    // Only a still-submitted return is reviewed, so two reviewers cannot both act.
    let updated = Returns::update_many()
        .col_expr(
            progress_return::Column::Status,
            Expr::value(new_status.code()),
        )
        .col_expr(
            progress_return::Column::OfficeRating,
            Expr::value(office_rating.map(|r| r.code())),
        )
        .col_expr(
            progress_return::Column::OfficeComment,
            Expr::value(comment.clone()),
        )
        .col_expr(
            progress_return::Column::ApprovedAt,
            Expr::value(approve.then_some(now)),
        )
        .col_expr(
            progress_return::Column::ApprovedBy,
            Expr::value(if approve { by.user_id() } else { None }),
        )
        .col_expr(
            progress_return::Column::Version,
            Expr::value(record.version + 1),
        )
        .col_expr(progress_return::Column::UpdatedAt, Expr::value(now))
        .filter(progress_return::Column::Id.eq(record.id))
        .filter(progress_return::Column::Status.eq(ReturnStatus::Submitted.code()))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ServiceError::Conflict);
    }
    let mut applied = Vec::new();
    if approve {
        let updates = ReturnMilestoneUpdates::find()
            .filter(return_milestone_update::Column::ReturnId.eq(record.id))
            .all(&txn)
            .await?;
        for u in updates {
            let Some(m) = Milestones::find_by_id(u.milestone_id).one(&txn).await? else {
                continue;
            };
            // A signed-off milestone is settled; the return cannot reopen it.
            if m.signed_off_on.is_some() {
                continue;
            }
            let status = decode("status", MilestoneStatus::from_code(&u.status))?;
            let actual = match status {
                MilestoneStatus::Complete => m.actual_on.or(u.forecast_on),
                _ => None,
            };
            Milestones::update_many()
                .col_expr(
                    milestone::Column::ForecastOn,
                    Expr::value(u.forecast_on.or(m.forecast_on)),
                )
                .col_expr(milestone::Column::Status, Expr::value(status.code()))
                .col_expr(milestone::Column::ActualOn, Expr::value(actual))
                .col_expr(milestone::Column::Version, Expr::value(m.version + 1))
                .col_expr(milestone::Column::UpdatedAt, Expr::value(now))
                .filter(milestone::Column::Id.eq(m.id))
                .exec(&txn)
                .await?;
            applied.push(json!({
                "reference": m.reference,
                "forecast_on": [m.forecast_on.map(|d| d.to_string()), u.forecast_on.map(|d| d.to_string())],
                "status": [m.status, status.code()],
            }));
        }
    }
    let mut entry = AuditEntry::by(by, if approve { "return.approve" } else { "return.return" }, "return", &record.id.to_string())
        .organisation(organisation.id)
        .before(json!({ "status": status.code(), "office_rating": record.office_rating }))
        .after(json!({ "status": new_status.code(), "office_rating": office_rating.map(|r| r.code()), "milestones_updated": applied }));
    if let Some(c) = &comment {
        entry = entry.reason(c);
    }
    audit::record(&txn, entry).await?;
    txn.commit().await?;
    Ok(new_status)
}

/// One participant's standing in one period, for queues and lists.
#[derive(Clone, Debug)]
pub struct QueueRow {
    pub period: reporting_period::Model,
    pub ods_code: String,
    pub name: String,
    pub organisation_id: i32,
    pub state: crate::domain::reporting::ReportState,
    pub self_rating: Option<Rating>,
    pub office_rating: Option<Rating>,
    pub suggested: Option<Rating>,
    pub overdue: bool,
}

impl QueueRow {
    /// The suggested rating disagrees with the trust's (or the office's).
    pub fn disagreement(&self) -> bool {
        match (self.suggested, self.office_rating.or(self.self_rating)) {
            (Some(s), Some(r)) => s != r,
            _ => false,
        }
    }
}

/// Every active participant against every period: the review queue and the
/// "not reported" list come from here. Suggested ratings only for submitted
/// returns (they are what the office is about to decide).
pub async fn standings(
    db: &DatabaseConnection,
    by: &By,
    today: Date,
) -> Result<Vec<QueueRow>, ServiceError> {
    let periods = ReportingPeriods::find()
        .order_by_desc(reporting_period::Column::EndsOn)
        .all(db)
        .await?;
    let participants = crate::entities::Participants::find().all(db).await?;
    let orgs: HashMap<i32, organisation::Model> = crate::entities::Organisations::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let returns: HashMap<(i32, i32), progress_return::Model> = Returns::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| ((r.period_id, r.participant_id), r))
        .collect();
    let mut rows = Vec::new();
    for period in &periods {
        for p in &participants {
            let Some(org) = orgs.get(&p.organisation_id) else {
                continue;
            };
            if let By::User(actor) = by
                && !actor.can_read_organisation(org.id)
            {
                continue;
            }
            // Owed only by participants designated before the period ended, still active then.
            if p.designated_on > period.ends_on || p.status == "withdrawn" {
                continue;
            }
            let record = returns.get(&(period.id, p.id));
            let state = match record {
                None => crate::domain::reporting::ReportState::NotReported,
                Some(r) => crate::domain::reporting::ReportState::Is(decode(
                    "status",
                    ReturnStatus::from_code(&r.status),
                )?),
            };
            let reported = matches!(
                state,
                crate::domain::reporting::ReportState::Is(
                    ReturnStatus::Submitted | ReturnStatus::Approved
                )
            );
            let suggested = match (state, record) {
                (crate::domain::reporting::ReportState::Is(ReturnStatus::Submitted), Some(_)) => {
                    let data = build(
                        db,
                        period.clone(),
                        p.clone(),
                        org.clone(),
                        RatingScale::Rag,
                        false,
                    )
                    .await?;
                    Some(data.suggestion.rating)
                }
                _ => None,
            };
            rows.push(QueueRow {
                period: period.clone(),
                ods_code: org.ods_code.clone().unwrap_or_default(),
                name: org.name.clone(),
                organisation_id: org.id,
                state,
                self_rating: record
                    .and_then(|r| r.self_rating.as_deref())
                    .and_then(|c| Rating::from_code(c).ok()),
                office_rating: record
                    .and_then(|r| r.office_rating.as_deref())
                    .and_then(|c| Rating::from_code(c).ok()),
                suggested,
                overdue: !reported && period.due_on < today,
            });
        }
    }
    Ok(rows)
}

/// Field errors with the names the return form uses, for tests and views.
pub fn error_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a FieldError> {
    errors.iter().find(|e| e.field == field)
}
