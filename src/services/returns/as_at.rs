//! One return as it stood at the end of a day (UK time): the return row,
//! its milestone lines and risks, the milestones and the money it was read
//! against, each as the system-versioned history held them then. Scoped as
//! today's read (a trust reporter: their own trust only; another trust's or
//! a made-up code is not found alike). A period not yet open, or a trust
//! not yet designated, by that day is not found.
use std::collections::{HashMap, HashSet};

use sea_orm::DatabaseConnection;
use time::Date;

use super::{Period, PeriodRef, ReturnData, RiskLine, Trust, UpdateLine, check_read, find_period};
use crate::domain::financial_year::FinancialYear;
use crate::domain::milestone::{MilestoneStatus, Timeliness, slippage_days, timeliness};
use crate::domain::money::Pence;
use crate::domain::period_states::{ReturnInstants, status_at};
use crate::domain::rating::{Rating, RatingScale};
use crate::domain::reporting::ReturnStatus;
use crate::domain::snapshot::end_of;
use crate::domain::suggested_rating::{Evidence, profiled_to, suggest};
use crate::entities::{
    AllocationProfiles, Allocations, Milestones, Organisations, Participants, ReportingPeriods,
    ReturnMilestoneUpdates, ReturnRisks, Returns, milestone,
};
use crate::services::milestones::participant_by_ods;
use crate::services::{By, ServiceError, reading};
use crate::store::decode;
use crate::store::snapshot::models_at;

fn rating(code: Option<&str>) -> Result<Option<Rating>, ServiceError> {
    code.map(|c| decode("rating", Rating::from_code(c)))
        .transpose()
        .map_err(Into::into)
}

fn open(m: &milestone::Model) -> bool {
    m.status != MilestoneStatus::Complete.code() && m.status != MilestoneStatus::Cancelled.code()
}

/// The return for (period, trust) as it stood at the end of `day`, or the
/// blank the trust would have started from then. `previous` is left out;
/// no line says something newer is on record (that is about today).
pub async fn load_as_at(
    db: &DatabaseConnection,
    by: &By,
    period: &PeriodRef,
    ods: &str,
    default_scale: RatingScale,
    day: Date,
) -> Result<ReturnData, ServiceError> {
    check_read(db, by, ods).await?;
    // Named as they are named now; read as they stood then.
    let named = find_period(db, period)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let (participant, organisation) = participant_by_ods(db, ods).await?;
    let txn = reading::consistent(db).await?;
    let period_then = models_at::<ReportingPeriods>(&txn, day)
        .await?
        .into_iter()
        .find(|p| p.id == named.id);
    let participant_then = models_at::<Participants>(&txn, day)
        .await?
        .into_iter()
        .find(|p| p.id == participant.id && p.designated_on <= day);
    let (Some(period_then), Some(participant_then)) = (period_then, participant_then) else {
        txn.commit().await?;
        return Err(ServiceError::NotFound);
    };
    let organisation_then = models_at::<Organisations>(&txn, day)
        .await?
        .into_iter()
        .find(|o| o.id == organisation.id)
        .unwrap_or(organisation);
    let record = models_at::<Returns>(&txn, day)
        .await?
        .into_iter()
        .find(|r| r.period_id == period_then.id && r.participant_id == participant.id);
    let mut milestones: Vec<milestone::Model> = models_at::<Milestones>(&txn, day)
        .await?
        .into_iter()
        .filter(|m| m.participant_id == participant.id)
        .collect();
    milestones.sort_by_key(|m| (m.baseline_on, m.id));
    let (updates, mut risks) = match &record {
        Some(r) => (
            models_at::<ReturnMilestoneUpdates>(&txn, day)
                .await?
                .into_iter()
                .filter(|u| u.return_id == r.id)
                .map(|u| (u.milestone_id, u))
                .collect::<HashMap<_, _>>(),
            models_at::<ReturnRisks>(&txn, day)
                .await?
                .into_iter()
                .filter(|k| k.return_id == r.id)
                .collect::<Vec<_>>(),
        ),
        None => (HashMap::new(), Vec::new()),
    };
    risks.sort_by_key(|k| (k.position, k.id));
    let allocations: HashSet<i32> = models_at::<Allocations>(&txn, day)
        .await?
        .into_iter()
        .filter(|a| a.participant_id == participant.id && a.awarded_on <= day)
        .map(|a| a.id)
        .collect();
    let mut profile = Vec::new();
    for p in models_at::<AllocationProfiles>(&txn, day).await? {
        if allocations.contains(&p.allocation_id) {
            profile.push((
                decode("financial year", FinancialYear::new(p.financial_year))?,
                decode("amount", Pence::new(p.amount_pence))?,
            ));
        }
    }
    txn.commit().await?;

    let period = Period::from_row(period_then)?;
    let trust = Trust::from_rows(&participant_then, &organisation_then);
    let status = match &record {
        None => None,
        Some(r) => status_at(
            &ReturnInstants {
                status: decode("status", ReturnStatus::from_code(&r.status))?,
                created_at: r.created_at,
                updated_at: r.updated_at,
                submitted_at: r.submitted_at,
                approved_at: r.approved_at,
            },
            end_of(day),
        ),
    };
    let record = record.filter(|_| status.is_some());
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
            signed_off: m.signed_off_on.is_some_and(|d| d <= day),
            newer: None,
        })
    };
    let mut lines = Vec::new();
    let frozen = matches!(
        status,
        Some(ReturnStatus::Submitted | ReturnStatus::Approved)
    );
    for m in &milestones {
        match (record.is_some(), updates.get(&m.id)) {
            (true, Some(u)) => lines.push(UpdateLine {
                forecast_on: u.forecast_on,
                status: Some(decode("status", MilestoneStatus::from_code(&u.status))?),
                comment: u.comment.clone(),
                ..line(m)?
            }),
            // A frozen return held only its lines; a draft (or the blank)
            // offered every open milestone.
            (true, None) if !frozen && open(m) => lines.push(line(m)?),
            (false, _) if open(m) => {
                let line = line(m)?;
                lines.push(UpdateLine {
                    status: Some(line.live_status),
                    ..line
                });
            }
            _ => {}
        }
    }
    let risks = match &record {
        Some(_) => risks
            .into_iter()
            .map(|k| {
                Ok(RiskLine {
                    description: k.description,
                    rating: decode("rating", Rating::from_code(&k.rating))?,
                    mitigation: k.mitigation,
                })
            })
            .collect::<Result<Vec<_>, ServiceError>>()?,
        None => Vec::new(),
    };
    let spend = record
        .as_ref()
        .and_then(|r| r.spend_to_date_pence)
        .map(|p| decode("spend", Pence::new(p)))
        .transpose()?;
    let mut evidence = Evidence {
        spend_to_date: spend,
        profiled_to_date: profiled_to(&profile, period.ends_on),
        ..Default::default()
    };
    for l in &lines {
        let Some(s) = l.status else { continue };
        if timeliness(s, l.forecast_on, l.baseline_on, period.ends_on) == Timeliness::Overdue {
            evidence.overdue_milestones += 1;
        }
        if s != MilestoneStatus::Complete && s != MilestoneStatus::Cancelled {
            evidence.worst_open_slippage_days = evidence
                .worst_open_slippage_days
                .max(slippage_days(l.baseline_on, l.forecast_on, None));
        }
    }
    let suggestion = suggest(&evidence);
    Ok(match record {
        Some(r) => ReturnData {
            period,
            trust,
            status,
            version: r.version,
            saved_at: Some(r.updated_at),
            scale: decode(
                "scale",
                crate::domain::rating::RatingScale::from_code(&r.rating_scale),
            )?,
            spend,
            self_rating: rating(r.self_rating.as_deref())?,
            rating_justification: r.rating_justification,
            narrative: r.narrative,
            office_rating: rating(r.office_rating.as_deref())?,
            office_comment: r.office_comment,
            illustrative: r.illustrative,
            lines,
            risks,
            suggestion,
            previous: None,
        },
        None => ReturnData {
            period,
            trust,
            status: None,
            version: 0,
            saved_at: None,
            scale: default_scale,
            spend: None,
            self_rating: None,
            rating_justification: None,
            narrative: None,
            office_rating: None,
            office_comment: None,
            illustrative: false,
            lines,
            risks,
            suggestion,
            previous: None,
        },
    })
}
