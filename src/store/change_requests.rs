//! Change requests with what a reviewer needs to decide them.
use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder};
use time::{Date, OffsetDateTime};

use super::decode;
use crate::domain::change::RequestStatus;
use crate::domain::money::Pence;
use crate::entities::{
    AllocationChangeRequests, Allocations, BaselineChangeRequests, Milestones, Organisations,
    Participants, Users, allocation_change_request, baseline_change_request,
};

#[derive(Clone, Debug)]
pub struct BaselineRequestRow {
    pub id: i32,
    pub milestone_id: i32,
    pub organisation_id: i32,
    pub ods_code: String,
    pub reference: String,
    pub previous: Date,
    pub proposed: Date,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: OffsetDateTime,
    pub pending: bool,
    pub status: &'static str,
    pub comment: Option<String>,
}

#[derive(Clone, Debug)]
pub struct AllocationRequestRow {
    pub id: i32,
    pub organisation_id: i32,
    pub ods_code: String,
    pub reference: String,
    pub previous_central: Pence,
    pub proposed_central: Pence,
    pub proposed_local_match: Pence,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: OffsetDateTime,
    pub pending: bool,
    pub status: &'static str,
    pub comment: Option<String>,
}

struct Lookups {
    users: HashMap<i32, String>,
    org_of_participant: HashMap<i32, i32>,
    ods: HashMap<i32, String>,
}

async fn lookups(db: &impl ConnectionTrait) -> Result<Lookups, DbErr> {
    Ok(Lookups {
        users: Users::find()
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.email))
            .collect(),
        org_of_participant: Participants::find()
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.organisation_id))
            .collect(),
        ods: Organisations::find()
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.ods_code.unwrap_or_default()))
            .collect(),
    })
}

/// Pending first, then the most recent decisions.
pub async fn baseline_requests(
    db: &impl ConnectionTrait,
) -> Result<Vec<BaselineRequestRow>, DbErr> {
    let l = lookups(db).await?;
    let milestones: HashMap<i32, (i32, String)> = Milestones::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, (m.participant_id, m.reference)))
        .collect();
    let mut rows = Vec::new();
    for r in BaselineChangeRequests::find()
        .order_by_desc(baseline_change_request::Column::CreatedAt)
        .all(db)
        .await?
    {
        let status = decode("status", RequestStatus::from_code(&r.status))?;
        let (participant, reference) = milestones.get(&r.milestone_id).cloned().unwrap_or_default();
        let org = l
            .org_of_participant
            .get(&participant)
            .copied()
            .unwrap_or_default();
        rows.push(BaselineRequestRow {
            id: r.id,
            milestone_id: r.milestone_id,
            organisation_id: org,
            ods_code: l.ods.get(&org).cloned().unwrap_or_default(),
            reference,
            previous: r.previous_baseline_on,
            proposed: r.proposed_baseline_on,
            reason: r.reason,
            requested_by: l.users.get(&r.requested_by).cloned().unwrap_or_default(),
            requested_at: r.created_at,
            pending: status == RequestStatus::Pending,
            status: status.label(),
            comment: r.decision_comment,
        });
    }
    rows.sort_by_key(|r| !r.pending);
    Ok(rows)
}

pub async fn allocation_requests(
    db: &impl ConnectionTrait,
) -> Result<Vec<AllocationRequestRow>, DbErr> {
    let l = lookups(db).await?;
    let allocations: HashMap<i32, (i32, String)> = Allocations::find()
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, (a.participant_id, a.reference)))
        .collect();
    let mut rows = Vec::new();
    for r in AllocationChangeRequests::find()
        .order_by_desc(allocation_change_request::Column::CreatedAt)
        .all(db)
        .await?
    {
        let status = decode("status", RequestStatus::from_code(&r.status))?;
        let (participant, reference) = allocations
            .get(&r.allocation_id)
            .cloned()
            .unwrap_or_default();
        let org = l
            .org_of_participant
            .get(&participant)
            .copied()
            .unwrap_or_default();
        rows.push(AllocationRequestRow {
            id: r.id,
            organisation_id: org,
            ods_code: l.ods.get(&org).cloned().unwrap_or_default(),
            reference,
            previous_central: decode("amount", Pence::new(r.previous_central_pence))?,
            proposed_central: decode("amount", Pence::new(r.proposed_central_pence))?,
            proposed_local_match: decode("amount", Pence::new(r.proposed_local_match_pence))?,
            reason: r.reason,
            requested_by: l.users.get(&r.requested_by).cloned().unwrap_or_default(),
            requested_at: r.created_at,
            pending: status == RequestStatus::Pending,
            status: status.label(),
            comment: r.decision_comment,
        });
    }
    rows.sort_by_key(|r| !r.pending);
    Ok(rows)
}
