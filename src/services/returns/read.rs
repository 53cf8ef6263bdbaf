//! One return as a page shows it: what it holds (or the blank a trust starts
//! from), the rating the evidence suggests, and the last approved return.
use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::{
    Period, PeriodRef, ReturnData, RiskLine, Trust, UpdateLine, check_read, find_period, store,
};
use crate::domain::milestone::{MilestoneStatus, Timeliness, slippage_days, timeliness};
use crate::domain::money::Pence;
use crate::domain::rating::{Rating, RatingScale};
use crate::domain::reporting::ReturnStatus;
use crate::domain::suggested_rating::{Evidence, Suggestion, profiled_to, suggest};
use crate::entities::{milestone, return_milestone_update};
use crate::services::milestones::participant_by_ods;
use crate::services::{By, ServiceError};
use crate::store::decode;

/// A participant's return for a period, within the reader's scope.
pub async fn load(
    db: &DatabaseConnection,
    by: &By,
    period: &PeriodRef,
    ods: &str,
    default_scale: RatingScale,
) -> Result<ReturnData, ServiceError> {
    check_read(db, by, ods).await?;
    let (period, trust) = locate(db, period, ods).await?;
    build(db, period, trust, default_scale, true).await
}

/// The page of the return a URL names, as it is written now (the period's
/// slug, the trust's ODS code): where an old numeric link is sent. Checked
/// like a read, so another trust's return is not found alike.
pub async fn return_path(
    db: &DatabaseConnection,
    by: &By,
    period: &PeriodRef,
    ods: &str,
) -> Result<String, ServiceError> {
    check_read(db, by, ods).await?;
    let (period, trust) = locate(db, period, ods).await?;
    Ok(period.return_path(&trust.ods_code))
}

/// The period and trust a URL names; not found for either made-up part.
pub(super) async fn locate(
    db: &impl ConnectionTrait,
    period: &PeriodRef,
    ods: &str,
) -> Result<(Period, Trust), ServiceError> {
    let period = find_period(db, period)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let (participant, organisation) = participant_by_ods(db, ods).await?;
    Ok((
        Period::from_row(period)?,
        Trust::from_rows(&participant, &organisation),
    ))
}

fn rating(code: Option<&str>) -> Result<Option<Rating>, ServiceError> {
    code.map(|c| decode("rating", Rating::from_code(c)))
        .transpose()
        .map_err(Into::into)
}

fn open(m: &milestone::Model) -> bool {
    m.status != MilestoneStatus::Complete.code() && m.status != MilestoneStatus::Cancelled.code()
}

/// The return for (period, trust) read through `db` (a pool, or the
/// transaction that has claimed it).
pub(super) async fn build(
    db: &impl ConnectionTrait,
    period: Period,
    trust: Trust,
    default_scale: RatingScale,
    with_previous: bool,
) -> Result<ReturnData, ServiceError> {
    let record = store::record_for(db, period.id, trust.participant_id).await?;
    let milestones = store::milestones_of(db, trust.participant_id).await?;
    let line = |m: &milestone::Model| -> Result<UpdateLine, ServiceError> {
        Ok(UpdateLine {
            milestone_id: m.id,
            milestone_version: m.version,
            reference: m.reference.clone(),
            title: m.title.clone(),
            baseline_on: m.baseline_on,
            forecast_on: m.forecast_on,
            status: None,
            comment: None,
            live_forecast_on: m.forecast_on,
            live_status: decode("status", MilestoneStatus::from_code(&m.status))?,
            signed_off: m.signed_off_on.is_some(),
            newer: None,
        })
    };
    let mut lines = Vec::new();
    let mut risks = Vec::new();
    let data = match &record {
        Some(r) => {
            let updates: HashMap<i32, return_milestone_update::Model> = store::updates_of(db, r.id)
                .await?
                .into_iter()
                .map(|u| (u.milestone_id, u))
                .collect();
            let frozen = r.status == ReturnStatus::Approved.code()
                || r.status == ReturnStatus::Submitted.code();
            // What an approval would leave alone because something newer is on record.
            let plan = if r.status == ReturnStatus::Submitted.code() {
                super::review::approval_plan(db, r, period.ends_on).await?
            } else {
                HashMap::new()
            };
            let newer = |id: i32| match plan.get(&id) {
                Some(crate::domain::approval::Approval::Keep(n)) => Some(n.clone()),
                _ => None,
            };
            for m in &milestones {
                match updates.get(&m.id) {
                    Some(u) => lines.push(UpdateLine {
                        forecast_on: u.forecast_on,
                        status: Some(decode("status", MilestoneStatus::from_code(&u.status))?),
                        comment: u.comment.clone(),
                        newer: newer(m.id),
                        ..line(m)?
                    }),
                    // A frozen return shows only what it held; a draft offers every open milestone.
                    None if !frozen && open(m) => lines.push(line(m)?),
                    None => {}
                }
            }
            for risk in store::risks_of(db, r.id).await? {
                risks.push(RiskLine {
                    description: risk.description,
                    rating: decode("rating", Rating::from_code(&risk.rating))?,
                    mitigation: risk.mitigation,
                });
            }
            Stored {
                status: Some(decode("status", ReturnStatus::from_code(&r.status))?),
                version: r.version,
                saved_at: Some(r.updated_at),
                scale: decode("scale", RatingScale::from_code(&r.rating_scale))?,
                spend: r
                    .spend_to_date_pence
                    .map(|p| decode("spend", Pence::new(p)))
                    .transpose()?,
                self_rating: rating(r.self_rating.as_deref())?,
                rating_justification: r.rating_justification.clone(),
                narrative: r.narrative.clone(),
                office_rating: rating(r.office_rating.as_deref())?,
                office_comment: r.office_comment.clone(),
                illustrative: r.illustrative,
            }
        }
        None => {
            for m in milestones.iter().filter(|m| open(m)) {
                let line = line(m)?;
                lines.push(UpdateLine {
                    status: Some(line.live_status),
                    ..line
                });
            }
            Stored {
                scale: default_scale,
                ..Stored::default()
            }
        }
    };
    let suggestion = suggestion_for(db, trust.participant_id, &period, &lines, data.spend).await?;
    let previous = if with_previous {
        previous_approved(db, &period, &trust, default_scale).await?
    } else {
        None
    };
    Ok(ReturnData {
        period,
        trust,
        status: data.status,
        version: data.version,
        saved_at: data.saved_at,
        scale: data.scale,
        spend: data.spend,
        self_rating: data.self_rating,
        rating_justification: data.rating_justification,
        narrative: data.narrative,
        office_rating: data.office_rating,
        office_comment: data.office_comment,
        illustrative: data.illustrative,
        lines,
        risks,
        suggestion,
        previous: previous.map(Box::new),
    })
}

/// The return row's own fields, decoded.
#[derive(Default)]
struct Stored {
    status: Option<ReturnStatus>,
    version: i32,
    saved_at: Option<time::OffsetDateTime>,
    scale: RatingScale,
    spend: Option<Pence>,
    self_rating: Option<Rating>,
    rating_justification: Option<String>,
    narrative: Option<String>,
    office_rating: Option<Rating>,
    office_comment: Option<String>,
    illustrative: bool,
}

/// The evidence as at the period's end, from the lines reported (or the live record).
async fn suggestion_for(
    db: &impl ConnectionTrait,
    participant_id: i32,
    period: &Period,
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
    for a in store::allocations_of(db, participant_id).await? {
        profile.extend(crate::services::funding::profile_of(db, a.id).await?);
    }
    evidence.profiled_to_date = profiled_to(&profile, at);
    Ok(suggest(&evidence))
}

async fn previous_approved(
    db: &impl ConnectionTrait,
    period: &Period,
    trust: &Trust,
    scale: RatingScale,
) -> Result<Option<ReturnData>, ServiceError> {
    let earlier: Vec<_> = store::periods_before(db, period.ends_on).await?;
    let ids = earlier.iter().map(|p| p.id).collect();
    let approved = store::approved_of(db, trust.participant_id, ids).await?;
    let latest = earlier
        .into_iter()
        .filter(|p| approved.iter().any(|r| r.period_id == p.id))
        .max_by_key(|p| p.ends_on);
    match latest {
        Some(p) => Ok(Some(
            Box::pin(build(db, Period::from_row(p)?, trust.clone(), scale, false)).await?,
        )),
        None => Ok(None),
    }
}
