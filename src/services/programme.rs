//! Reading the programme, scoped to what the acting person may see: the
//! office and briefing readers see every participant; a trust reporter sees
//! programme totals and only their own organisation's records. The scope is
//! decided before anything is read and goes into the query itself, so a
//! refusal looks exactly like a record that does not exist.
use sea_orm::DatabaseConnection;
use time::Date;

use super::{By, ServiceError, reading};
use crate::domain::access::{AccessError, UserRole};
use crate::domain::programme::{
    ListRequest, Overview, ParticipantDetail, ParticipantSummary, PartnerSummary,
    overview as totals, select,
};
use crate::domain::reporting::{PeriodStatus, ReportState, ReturnStatus};
use crate::services::audit_log::{self, HistoryEntry};
use crate::store::participants as participant_store;
use crate::store::partners as partner_store;
use crate::store::programme;

/// Programme totals over every participant, and the rows this person may list.
pub struct OverviewData {
    pub overview: Overview,
    pub total_participants: usize,
    pub visible: Vec<ParticipantSummary>,
    pub scoped: bool,
    /// For a trust reporter: their returns that still need something (an
    /// open period not yet approved, or one returned for changes).
    pub returns_due: Vec<ReturnDue>,
    /// The fast followers of the exemplars in `visible`:
    /// (exemplar's ODS code, follower's ODS code, follower's name).
    pub fast_followers: Vec<(String, String, String)>,
}

/// One of a trust reporter's returns that still needs something, for the
/// banner at the top of their overview.
#[derive(Clone, Debug)]
pub struct ReturnDue {
    pub period_id: i32,
    pub period_label: String,
    pub due_on: Date,
    pub ods_code: String,
    pub state: ReportState,
    pub overdue: bool,
}

/// A trust reporter's returns that still need something, soonest due
/// first; nothing for anyone else.
pub async fn returns_due(
    db: &DatabaseConnection,
    by: &By,
    today: Date,
) -> Result<Vec<ReturnDue>, ServiceError> {
    let By::User(actor) = by else {
        return Ok(Vec::new());
    };
    if actor.role != UserRole::TrustReporter {
        return Ok(Vec::new());
    }
    let mut due: Vec<ReturnDue> = super::returns::standings(db, by, today)
        .await?
        .into_iter()
        .filter(|r| match r.state {
            ReportState::Is(ReturnStatus::Approved) => false,
            ReportState::Is(ReturnStatus::Returned) => true,
            _ => r.period.status == PeriodStatus::Open,
        })
        .map(|r| ReturnDue {
            period_id: r.period.id,
            period_label: r.period.label,
            due_on: r.period.due_on,
            ods_code: r.ods_code,
            state: r.state,
            overdue: r.overdue,
        })
        .collect();
    due.sort_by_key(|r| (r.due_on, r.period_id));
    Ok(due)
}

/// Which organisations' records this person may read: `None` for all of them,
/// `Some(id)` for one. A reporter bound to no organisation reads nothing.
pub(crate) fn read_scope(by: &By) -> Result<Option<i32>, AccessError> {
    match by {
        By::Cli => Ok(None),
        By::User(actor) => match actor.role {
            UserRole::ProgrammeOffice | UserRole::BriefingReader => Ok(None),
            UserRole::TrustReporter => actor.organisation_id.map(Some).ok_or(AccessError::Hidden),
        },
    }
}

async fn summaries(
    db: &DatabaseConnection,
    by: &By,
    today: Date,
) -> Result<(Vec<ParticipantSummary>, Vec<ParticipantSummary>), ServiceError> {
    let scope = read_scope(by)?;
    let txn = reading::consistent(db).await?;
    let all = programme::participant_summaries(&txn, today).await?;
    txn.commit().await?;
    let visible = all
        .iter()
        .filter(|s| scope.is_none_or(|id| id == s.organisation_id))
        .cloned()
        .collect();
    Ok((all, visible))
}

/// Programme totals (every participant counts) and the rows this person may see.
pub async fn overview(
    db: &DatabaseConnection,
    by: &By,
    today: Date,
) -> Result<OverviewData, ServiceError> {
    let (all, visible) = summaries(db, by, today).await?;
    let fast_followers = all
        .iter()
        .filter_map(|f| {
            let (code, _) = f.exemplar.as_ref()?;
            visible
                .iter()
                .any(|e| &e.ods_code == code)
                .then(|| (code.clone(), f.ods_code.clone(), f.name.clone()))
        })
        .collect();
    Ok(OverviewData {
        fast_followers,
        overview: totals(&all),
        total_participants: all.len(),
        visible,
        scoped: read_scope(by)?.is_some(),
        returns_due: returns_due(db, by, today).await?,
    })
}

/// The participants list: filtered and sorted, within this person's scope.
pub async fn participants(
    db: &DatabaseConnection,
    by: &By,
    request: &ListRequest,
    today: Date,
) -> Result<(Vec<ParticipantSummary>, usize), ServiceError> {
    let (_, visible) = summaries(db, by, today).await?;
    let rows = select(&visible, &request.filter, request.sort, request.descending);
    Ok((rows, visible.len()))
}

/// One participant, with its history; out of scope looks exactly like absent.
/// Takes a `&By` or a handler's `&Actor`.
pub async fn participant(
    db: &DatabaseConnection,
    by: impl Into<By>,
    ods_code: &str,
    today: Date,
) -> Result<(ParticipantDetail, Vec<HistoryEntry>), ServiceError> {
    let by: By = by.into();
    let scope = read_scope(&by)?;
    let txn = reading::consistent(db).await?;
    let detail = participant_store::by_ods_code(&txn, ods_code, scope, today)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let history = audit_log::history(
        &txn,
        &by,
        "participant",
        &detail.summary.id.to_string(),
        Some(detail.organisation.id),
    )
    .await?;
    txn.commit().await?;
    Ok((detail, history))
}

/// Partner organisations; a reporter sees only their own organisation's links.
pub async fn partners(
    db: &DatabaseConnection,
    by: &By,
) -> Result<Vec<PartnerSummary>, ServiceError> {
    let scope = read_scope(by)?;
    let txn = reading::consistent(db).await?;
    let mut partners = partner_store::list(&txn).await?;
    txn.commit().await?;
    for partner in &mut partners {
        partner
            .links
            .retain(|l| scope.is_none_or(|id| id == l.organisation_id));
    }
    Ok(partners)
}
