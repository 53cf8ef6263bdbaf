//! Reading the programme, scoped to what the signed-in person may see: the
//! office and briefing readers see every participant; a trust reporter sees
//! programme totals and only their own organisation's records.
use sea_orm::DatabaseConnection;
use time::Date;

use super::ServiceError;
use crate::domain::access::{Actor, UserRole};
use crate::services::audit_log::{self, HistoryEntry};
use crate::store::participants::{self as participant_store, ParticipantDetail};
use crate::store::partners::{self as partner_store, PartnerSummary};
use crate::store::programme::{self, ListRequest, Overview, ParticipantSummary};

/// Programme totals over every participant, and the rows this person may list.
pub struct OverviewData {
    pub overview: Overview,
    pub total_participants: usize,
    pub visible: Vec<ParticipantSummary>,
    pub scoped: bool,
}

fn scoped(actor: &Actor) -> bool {
    actor.role == UserRole::TrustReporter
}

async fn visible_summaries(
    db: &DatabaseConnection,
    actor: &Actor,
    today: Date,
) -> Result<(Vec<ParticipantSummary>, Vec<ParticipantSummary>), ServiceError> {
    let all = programme::participant_summaries(db, today).await?;
    let visible = all
        .iter()
        .filter(|s| actor.can_read_organisation(s.organisation_id))
        .cloned()
        .collect();
    Ok((all, visible))
}

pub async fn overview(
    db: &DatabaseConnection,
    actor: &Actor,
    today: Date,
) -> Result<OverviewData, ServiceError> {
    let (all, visible) = visible_summaries(db, actor, today).await?;
    Ok(OverviewData {
        overview: programme::overview(&all),
        total_participants: all.len(),
        visible,
        scoped: scoped(actor),
    })
}

/// The participants list: filtered and sorted, within this person's scope.
pub async fn participants(
    db: &DatabaseConnection,
    actor: &Actor,
    request: &ListRequest,
    today: Date,
) -> Result<(Vec<ParticipantSummary>, usize), ServiceError> {
    let (_, visible) = visible_summaries(db, actor, today).await?;
    let rows = programme::select(&visible, &request.filter, request.sort, request.descending);
    Ok((rows, visible.len()))
}

/// One participant, with its history; out of scope looks exactly like absent.
pub async fn participant(
    db: &DatabaseConnection,
    actor: &Actor,
    ods_code: &str,
    today: Date,
) -> Result<(ParticipantDetail, Vec<HistoryEntry>), ServiceError> {
    let detail = participant_store::by_ods_code(db, ods_code, today)
        .await?
        .ok_or(ServiceError::NotFound)?;
    actor.read_organisation(detail.organisation.id)?;
    let history = audit_log::history(
        db,
        &super::By::User(actor.clone()),
        "participant",
        &detail.summary.id.to_string(),
        Some(detail.organisation.id),
    )
    .await?;
    Ok((detail, history))
}

/// Partner organisations; a reporter sees only their own organisation's links.
pub async fn partners(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<PartnerSummary>, ServiceError> {
    let mut partners = partner_store::list(db).await?;
    for partner in &mut partners {
        partner
            .links
            .retain(|l| actor.can_read_organisation(l.organisation_id));
    }
    Ok(partners)
}
