//! Where every return stands: the review queue, the "not reported" list and
//! one trust's history of returns.
use std::collections::HashMap;

use sea_orm::{DatabaseConnection, EntityTrait};
use time::Date;

use super::read::build;
use super::{Period, QueueRow, Trust, check_read, store};
use crate::domain::rating::{Rating, RatingScale};
use crate::domain::reporting::{ReportState, ReturnStatus};
use crate::entities::{Organisations, Participants, organisation, progress_return};
use crate::services::milestones::participant_by_ods;
use crate::services::{By, ServiceError};
use crate::store::decode;

/// Every active participant against every period, within the reader's scope.
/// Suggested ratings only for submitted returns (they are what the office is
/// about to decide).
pub async fn standings(
    db: &DatabaseConnection,
    by: &By,
    today: Date,
) -> Result<Vec<QueueRow>, ServiceError> {
    standings_of(db, by, today, None).await
}

/// One trust's returns, newest period first: not found alike for another
/// trust (to a reporter) and a made-up code.
pub async fn history(
    db: &DatabaseConnection,
    by: &By,
    ods: &str,
    today: Date,
) -> Result<(Trust, Vec<QueueRow>), ServiceError> {
    check_read(db, by, ods).await?;
    let (participant, organisation) = participant_by_ods(db, ods).await?;
    let trust = Trust::from_rows(&participant, &organisation);
    let rows = standings_of(db, by, today, Some(trust.organisation_id)).await?;
    Ok((trust, rows))
}

async fn standings_of(
    db: &DatabaseConnection,
    by: &By,
    today: Date,
    only: Option<i32>,
) -> Result<Vec<QueueRow>, ServiceError> {
    let periods: Vec<Period> = store::periods(db)
        .await?
        .into_iter()
        .map(Period::from_row)
        .collect::<Result<_, _>>()?;
    let participants = Participants::find().all(db).await?;
    let orgs: HashMap<i32, organisation::Model> = Organisations::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let returns: HashMap<(i32, i32), progress_return::Model> = store::all_returns(db)
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
            if only.is_some_and(|id| id != org.id) {
                continue;
            }
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
                None => ReportState::NotReported,
                Some(r) => ReportState::Is(decode("status", ReturnStatus::from_code(&r.status))?),
            };
            let reported = matches!(
                state,
                ReportState::Is(ReturnStatus::Submitted | ReturnStatus::Approved)
            );
            let suggested = match state {
                ReportState::Is(ReturnStatus::Submitted) => {
                    let data = build(
                        db,
                        period.clone(),
                        Trust::from_rows(p, org),
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

/// One trust's returns as they stood at the end of `day` (UK time), newest
/// period first: the periods on record then, each return in its status
/// then (`domain::period_states`) with its ratings as recorded then,
/// overdue as at that day. No
/// suggested rating: that is worked out from today's milestones. Not found
/// alike for another trust (to a reporter) and a made-up code.
pub async fn history_as_at(
    db: &DatabaseConnection,
    by: &By,
    ods: &str,
    day: Date,
) -> Result<(Trust, Vec<QueueRow>), ServiceError> {
    use crate::domain::period_states::{ReturnInstants, status_at};
    use crate::domain::snapshot::end_of;
    use crate::entities::{ReportingPeriods, Returns};
    use crate::store::snapshot::models_at;

    check_read(db, by, ods).await?;
    let (participant, organisation) = participant_by_ods(db, ods).await?;
    let mut trust = Trust::from_rows(&participant, &organisation);
    let txn = crate::services::reading::consistent(db).await?;
    let then = models_at::<Participants>(&txn, day)
        .await?
        .into_iter()
        .find(|p| p.id == participant.id);
    let Some(then) = then.filter(|p| p.designated_on <= day) else {
        txn.commit().await?;
        return Ok((trust, Vec::new()));
    };
    if let Some(org) = models_at::<Organisations>(&txn, day)
        .await?
        .into_iter()
        .find(|o| o.id == organisation.id)
    {
        trust.name = org.name;
    }
    let mut periods = models_at::<ReportingPeriods>(&txn, day).await?;
    periods.sort_by(|a, b| b.ends_on.cmp(&a.ends_on).then(b.id.cmp(&a.id)));
    let returns: HashMap<i32, progress_return::Model> = models_at::<Returns>(&txn, day)
        .await?
        .into_iter()
        .filter(|r| r.participant_id == participant.id)
        .map(|r| (r.period_id, r))
        .collect();
    txn.commit().await?;
    let cutoff = end_of(day);
    let mut rows = Vec::new();
    for period in periods {
        let period = Period::from_row(period)?;
        if then.designated_on > period.ends_on || then.status == "withdrawn" {
            continue;
        }
        let record = returns.get(&period.id);
        let status = match record {
            None => None,
            Some(r) => status_at(
                &ReturnInstants {
                    status: decode("status", ReturnStatus::from_code(&r.status))?,
                    created_at: r.created_at,
                    updated_at: r.updated_at,
                    submitted_at: r.submitted_at,
                    approved_at: r.approved_at,
                },
                cutoff,
            ),
        };
        let state = status.map_or(ReportState::NotReported, ReportState::Is);
        let reported = matches!(
            status,
            Some(ReturnStatus::Submitted | ReturnStatus::Approved)
        );
        let rating = |code: Option<&str>| code.and_then(|c| Rating::from_code(c).ok());
        rows.push(QueueRow {
            ods_code: trust.ods_code.clone(),
            name: trust.name.clone(),
            organisation_id: trust.organisation_id,
            state,
            self_rating: record
                .filter(|_| status.is_some())
                .and_then(|r| rating(r.self_rating.as_deref())),
            office_rating: record
                .filter(|_| status.is_some())
                .and_then(|r| rating(r.office_rating.as_deref())),
            suggested: None,
            overdue: !reported && period.due_on < day,
            period,
        });
    }
    Ok((trust, rows))
}
