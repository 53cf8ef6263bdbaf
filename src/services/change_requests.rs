//! Change requests: baselines (milestones) and money (allocations) move only
//! through a request with a reason, decided by someone in the programme
//! office other than the requester. Both kinds are decided by one path here;
//! what differs — which rows to claim and how approval applies the change —
//! is a [`Kind`], implemented beside its record in `milestones` and `funding`.
use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryOrder,
};
use serde_json::Value;
use time::{Date, OffsetDateTime};

use super::concurrency::settle;
use super::fields::Fields;
use super::{By, ServiceError};
use crate::domain::change::{Decision, RequestStatus, check_decision};
use crate::domain::money::Pence;
use crate::entities::{
    AllocationChangeRequests, Allocations, BaselineChangeRequests, Milestones, Organisations,
    Participants, Users, allocation_change_request, baseline_change_request,
};
use crate::store::audit::{self, AuditEntry};
use crate::store::decode;

/// A decision as typed: approve or reject, and a comment (needed to reject).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    pub decision: String,
    pub comment: String,
}

/// What every request table holds alike.
pub(crate) struct Header {
    pub status: String,
    pub requested_by: i32,
    pub reason: String,
}

/// What approving or rejecting did to the record, for the audit trail.
pub(crate) struct Outcome {
    pub organisation_id: i32,
    pub record_id: i32,
    pub before: Value,
    pub after: Value,
}

/// One kind of change request: its table, the rows a decision claims, and
/// what approval does to the record.
pub(crate) trait Kind {
    type Request: Send + Sync;
    /// The request table, e.g. `baseline_change_requests`.
    const TABLE: &'static str;
    /// Audit actions are `{ACTION}.approve` and `{ACTION}.reject`.
    const ACTION: &'static str;
    /// The kind of record the audit event is about (`milestone`, `allocation`).
    const ENTITY: &'static str;

    fn header(request: &Self::Request) -> Header;

    async fn find(
        db: &impl ConnectionTrait,
        id: i32,
    ) -> Result<Option<Self::Request>, ServiceError>;

    /// Opens the decision's transaction: its first statements claim the rows
    /// the decision reads and changes, in the lock order of
    /// `concurrency::claim`. Anything needed to name those rows is read
    /// before `BEGIN` (on SQLite a read first would pin a snapshot that a
    /// concurrent writer can overtake).
    async fn begin(
        db: &DatabaseConnection,
        request: &Self::Request,
    ) -> Result<DatabaseTransaction, ServiceError>;

    /// Applies an approved request to its record, re-checking the record's
    /// rules against what the database holds now.
    async fn apply(
        txn: &DatabaseTransaction,
        request: &Self::Request,
    ) -> Result<Outcome, ServiceError>;

    /// What a rejection leaves (the record as it is).
    async fn unchanged(
        txn: &DatabaseTransaction,
        request: &Self::Request,
    ) -> Result<Outcome, ServiceError>;
}

/// Approves or rejects a pending request, for either kind. The office only
/// (checked before anything is loaded); the request is re-read after its rows
/// are claimed, so two deciders cannot both win and a decision always sees
/// the latest state; the decider cannot be the requester; a rejection
/// explains itself.
pub(crate) async fn decide<K: Kind>(
    db: &DatabaseConnection,
    by: &By,
    request_id: i32,
    form: DecisionForm,
) -> Result<(), ServiceError> {
    by.change_programme()?;
    let By::User(actor) = by else {
        return Err(ServiceError::invalid(
            "user",
            "decisions are made by signed-in users",
        ));
    };
    // Read once to learn which rows to claim (and so that a made-up id is
    // "not found" whatever the form says); read again once they are held.
    let request = K::find(db, request_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut f = Fields::default();
    let Some(decision) = f.required(
        "decision",
        &form.decision,
        "Choose approve or reject",
        Decision::from_code,
    ) else {
        return Err(ServiceError::Invalid(f.errors));
    };
    let result = async {
        let txn = K::begin(db, &request).await?;
        let request = K::find(&txn, request_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let header = K::header(&request);
        let status = decode("status", RequestStatus::from_code(&header.status))?;
        check_decision(
            status,
            header.requested_by,
            actor.user_id,
            decision,
            &form.comment,
        )
        .map_err(|e| ServiceError::invalid("decision", e.to_string()))?;
        let now = crate::clock::now();
        let comment = Some(form.comment.trim().to_owned()).filter(|c| !c.is_empty());
        let (new_status, verb) = match decision {
            Decision::Approve => (RequestStatus::Approved, "approve"),
            Decision::Reject => (RequestStatus::Rejected, "reject"),
        };
        // Only a still-pending request is decided (a backstop: the claim
        // already keeps a second decider out until this one commits).
        let update = Query::update()
            .table(Alias::new(K::TABLE))
            .values([
                (Alias::new("status"), new_status.code().into()),
                (Alias::new("decided_by"), actor.user_id.into()),
                (Alias::new("decided_at"), now.into()),
                (Alias::new("decision_comment"), comment.clone().into()),
                (Alias::new("updated_at"), now.into()),
            ])
            .and_where(Expr::col(Alias::new("id")).eq(request_id))
            .and_where(Expr::col(Alias::new("status")).eq(RequestStatus::Pending.code()))
            .to_owned();
        if txn.execute(&update).await?.rows_affected() != 1 {
            return Err(ServiceError::Conflict);
        }
        let outcome = match decision {
            Decision::Approve => K::apply(&txn, &request).await?,
            Decision::Reject => K::unchanged(&txn, &request).await?,
        };
        let entry = AuditEntry::by(
            by,
            &format!("{}.{verb}", K::ACTION),
            K::ENTITY,
            &outcome.record_id.to_string(),
        )
        .organisation(outcome.organisation_id)
        .before(outcome.before)
        .after(outcome.after)
        .reason(comment.as_deref().unwrap_or(&header.reason));
        audit::record(&txn, entry).await?;
        txn.commit().await?;
        Ok(())
    }
    .await;
    result.map_err(settle)
}

/// Turns the unique index's refusal of a second pending request into the
/// same field error the in-transaction check gives.
pub(crate) fn one_pending(
    field: &'static str,
    message: &'static str,
) -> impl Fn(DbErr) -> ServiceError {
    move |e| {
        if super::concurrency::is_unique_violation(&e) {
            ServiceError::invalid(field, message)
        } else {
            settle(ServiceError::Database(e))
        }
    }
}

/// A baseline change request as the queue shows it.
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
    /// Asked by the person looking, who therefore cannot decide it.
    pub asked_by_you: bool,
}

/// An allocation change request as the queue shows it.
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
    /// Asked by the person looking, who therefore cannot decide it.
    pub asked_by_you: bool,
}

/// The programme office's queue: pending first, then the latest decisions.
pub struct Queue {
    pub baseline: Vec<BaselineRequestRow>,
    pub allocation: Vec<AllocationRequestRow>,
}

struct Lookups {
    me: Option<i32>,
    users: HashMap<i32, String>,
    org_of_participant: HashMap<i32, i32>,
    ods: HashMap<i32, String>,
}

async fn lookups(db: &impl ConnectionTrait, me: Option<i32>) -> Result<Lookups, DbErr> {
    Ok(Lookups {
        me,
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

/// Every change request, for the programme office only.
pub async fn queue(db: &DatabaseConnection, by: &By) -> Result<Queue, ServiceError> {
    by.change_programme()?;
    let l = lookups(db, by.user_id()).await?;
    Ok(Queue {
        baseline: baseline_rows(db, &l).await?,
        allocation: allocation_rows(db, &l).await?,
    })
}

async fn baseline_rows(
    db: &impl ConnectionTrait,
    l: &Lookups,
) -> Result<Vec<BaselineRequestRow>, DbErr> {
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
            asked_by_you: l.me == Some(r.requested_by),
        });
    }
    rows.sort_by_key(|r| !r.pending);
    Ok(rows)
}

async fn allocation_rows(
    db: &impl ConnectionTrait,
    l: &Lookups,
) -> Result<Vec<AllocationRequestRow>, DbErr> {
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
            asked_by_you: l.me == Some(r.requested_by),
        });
    }
    rows.sort_by_key(|r| !r.pending);
    Ok(rows)
}

/// Which kind of request a path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    Baseline,
    Allocation,
}

impl RequestKind {
    /// The path segment: `/change-requests/{segment}/{id}`.
    pub fn segment(self) -> &'static str {
        match self {
            RequestKind::Baseline => "baseline",
            RequestKind::Allocation => "allocation",
        }
    }
}

/// One request as its decision page shows it: what would change, why, who
/// asked, and whether the person looking may decide it.
#[derive(Clone, Debug)]
pub struct DecisionPreview {
    pub kind: RequestKind,
    pub id: i32,
    /// e.g. "Allocation ALLOC-1 of Royal Free London (RAL)".
    pub subject: String,
    /// The record's page.
    pub record_href: String,
    /// (what, now, proposed).
    pub changes: Vec<(String, String, String)>,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: OffsetDateTime,
    pub pending: bool,
    pub status: &'static str,
    pub comment: Option<String>,
    pub asked_by_you: bool,
}

/// The decision page's read model: the office only, checked before
/// anything is loaded; reading decides nothing.
pub async fn decision_preview(
    db: &DatabaseConnection,
    by: &By,
    kind: RequestKind,
    id: i32,
) -> Result<DecisionPreview, ServiceError> {
    by.change_programme()?;
    let l = lookups(db, by.user_id()).await?;
    let who = |org: i32| -> String { l.ods.get(&org).cloned().unwrap_or_default() };
    let org_name = |org: i32| async move {
        Organisations::find_by_id(org)
            .one(db)
            .await
            .map(|o| o.map(|o| o.name).unwrap_or_default())
    };
    let header;
    let (subject, record_href, changes) = match kind {
        RequestKind::Baseline => {
            let r = BaselineChangeRequests::find_by_id(id)
                .one(db)
                .await?
                .ok_or(ServiceError::NotFound)?;
            let m = Milestones::find_by_id(r.milestone_id)
                .one(db)
                .await?
                .ok_or(ServiceError::NotFound)?;
            let org = l
                .org_of_participant
                .get(&m.participant_id)
                .copied()
                .unwrap_or_default();
            header = (
                r.status.clone(),
                r.requested_by,
                r.reason.clone(),
                r.created_at,
                r.decision_comment.clone(),
            );
            (
                format!(
                    "Milestone {} ({}) of {} ({})",
                    m.reference,
                    m.title,
                    org_name(org).await?,
                    who(org)
                ),
                format!("/milestones/{}", m.id),
                vec![(
                    "Baseline date".to_owned(),
                    crate::domain::dates::display_date(r.previous_baseline_on),
                    crate::domain::dates::display_date(r.proposed_baseline_on),
                )],
            )
        }
        RequestKind::Allocation => {
            let r = AllocationChangeRequests::find_by_id(id)
                .one(db)
                .await?
                .ok_or(ServiceError::NotFound)?;
            let a = Allocations::find_by_id(r.allocation_id)
                .one(db)
                .await?
                .ok_or(ServiceError::NotFound)?;
            let org = l
                .org_of_participant
                .get(&a.participant_id)
                .copied()
                .unwrap_or_default();
            let money = |p: i64| -> Result<String, ServiceError> {
                Ok(decode("amount", Pence::new(p))?.to_string())
            };
            let mut changes = vec![
                (
                    "Central funding".to_owned(),
                    money(r.previous_central_pence)?,
                    money(r.proposed_central_pence)?,
                ),
                (
                    "Local match".to_owned(),
                    money(r.previous_local_match_pence)?,
                    money(r.proposed_local_match_pence)?,
                ),
            ];
            let profile: std::collections::BTreeMap<String, i64> =
                serde_json::from_str(&r.proposed_profile_json).unwrap_or_default();
            let profile = profile
                .into_iter()
                .filter_map(|(y, p)| {
                    let fy =
                        crate::domain::financial_year::FinancialYear::new(y.parse().ok()?).ok()?;
                    Some(format!("{fy}: {}", Pence::new(p).ok()?))
                })
                .collect::<Vec<_>>()
                .join("; ");
            changes.push((
                "Financial-year profile".to_owned(),
                "As now".to_owned(),
                profile,
            ));
            header = (
                r.status.clone(),
                r.requested_by,
                r.reason.clone(),
                r.created_at,
                r.decision_comment.clone(),
            );
            (
                format!(
                    "Allocation {} of {} ({})",
                    a.reference,
                    org_name(org).await?,
                    who(org)
                ),
                format!("/participants/{}", who(org)),
                changes,
            )
        }
    };
    let (status, requested_by, reason, requested_at, comment) = header;
    let status = decode("status", RequestStatus::from_code(&status))?;
    Ok(DecisionPreview {
        kind,
        id,
        subject,
        record_href,
        changes,
        reason,
        requested_by: l.users.get(&requested_by).cloned().unwrap_or_default(),
        requested_at,
        pending: status == RequestStatus::Pending,
        status: status.label(),
        comment,
        asked_by_you: l.me == Some(requested_by),
    })
}
