//! The programme at a glance: one summary row per participant (the overview
//! totals are computed from these same rows, in `domain::programme`, so the
//! two always agree).
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use time::Date;

use super::decode;
use super::funding::totals_by_participant;
use crate::domain::dates::ApproxDate;
use crate::domain::milestone::{MilestoneStatus, timeliness};
use crate::domain::participant::{ParticipantStatus, Role, Sector};
use crate::domain::programme::{MilestoneCounts, ParticipantSummary};
use crate::domain::region::RegionCode;
use crate::entities::{self as e, Milestones, Organisations, Pairings, Participants};

/// Every participant, ordered by role, then sector, then name.
pub async fn participant_summaries(
    db: &impl ConnectionTrait,
    today: Date,
) -> Result<Vec<ParticipantSummary>, DbErr> {
    summaries_of(db, today, None).await
}

/// One participant's summary row, without reading every participant's milestones.
pub async fn participant_summary(
    db: &impl ConnectionTrait,
    today: Date,
    participant_id: i32,
) -> Result<Option<ParticipantSummary>, DbErr> {
    Ok(summaries_of(db, today, Some(participant_id))
        .await?
        .into_iter()
        .next())
}

async fn summaries_of(
    db: &impl ConnectionTrait,
    today: Date,
    only: Option<i32>,
) -> Result<Vec<ParticipantSummary>, DbErr> {
    // Every participant is read (pairings point at other participants); only
    // the selected ones get a summary.
    let participants = Participants::find().all(db).await?;
    let organisations: HashMap<i32, e::organisation::Model> = Organisations::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let exemplar_of: HashMap<i32, i32> = Pairings::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.fast_follower_id, p.exemplar_id))
        .collect();
    let org_of_participant: HashMap<i32, i32> = participants
        .iter()
        .map(|p| (p.id, p.organisation_id))
        .collect();
    let money = totals_by_participant(db).await?;
    let milestone_counts = milestone_counts_by_participant(db, today, only).await?;

    let mut summaries = Vec::with_capacity(participants.len());
    for p in participants
        .into_iter()
        .filter(|p| only.is_none_or(|id| id == p.id))
    {
        let Some(org) = organisations.get(&p.organisation_id) else {
            return Err(DbErr::RecordNotFound(format!(
                "organisation {} of participant {}",
                p.organisation_id, p.id
            )));
        };
        let exemplar = exemplar_of
            .get(&p.id)
            .and_then(|id| org_of_participant.get(id))
            .and_then(|org_id| organisations.get(org_id))
            .map(|o| (o.ods_code.clone().unwrap_or_default(), o.name.clone()));
        summaries.push(ParticipantSummary {
            id: p.id,
            organisation_id: p.organisation_id,
            ods_code: org.ods_code.clone().unwrap_or_default(),
            name: org.name.clone(),
            designated_name: org
                .name_at_designation
                .clone()
                .filter(|n| !n.eq_ignore_ascii_case(&org.name)),
            role: decode("role", Role::from_code(&p.role))?,
            sector: decode("sector", Sector::from_code(&p.sector))?,
            wave: p.wave,
            region: org
                .region_code
                .as_deref()
                .map(|r| decode("region", RegionCode::parse(r)))
                .transpose()?,
            designated: decode(
                "designation date",
                ApproxDate::from_storage(p.designated_on, &p.designated_precision),
            )?,
            status: decode("status", ParticipantStatus::from_code(&p.status))?,
            exemplar,
            money: money.get(&p.id).copied().unwrap_or_default(),
            milestones: milestone_counts.get(&p.id).copied().unwrap_or_default(),
            closed_on: org.closed_on,
        });
    }
    summaries.sort_by(|a, b| {
        (a.role.code(), a.sector.code(), &a.name).cmp(&(b.role.code(), b.sector.code(), &b.name))
    });
    Ok(summaries)
}

async fn milestone_counts_by_participant(
    db: &impl ConnectionTrait,
    today: Date,
    only: Option<i32>,
) -> Result<HashMap<i32, MilestoneCounts>, DbErr> {
    use e::milestone::Column;
    let mut query = Milestones::find();
    if let Some(id) = only {
        query = query.filter(Column::ParticipantId.eq(id));
    }
    let rows: Vec<(i32, String, Option<Date>, Date)> = query
        .select_only()
        .columns([
            Column::ParticipantId,
            Column::Status,
            Column::ForecastOn,
            Column::BaselineOn,
        ])
        .into_tuple()
        .all(db)
        .await?;
    let mut counts: HashMap<i32, MilestoneCounts> = HashMap::new();
    for (participant_id, status, forecast, baseline) in rows {
        let status = decode("milestone status", MilestoneStatus::from_code(&status))?;
        counts
            .entry(participant_id)
            .or_default()
            .add(timeliness(status, forecast, baseline, today));
    }
    Ok(counts)
}
