//! Reading the programme, scoped to what the acting person may see: the
//! office and briefing readers see every participant; a trust reporter sees
//! programme totals and only their own organisation's records. The scope is
//! decided before anything is read and goes into the query itself, so a
//! refusal looks exactly like a record that does not exist.
use sea_orm::DatabaseConnection;
use time::Date;

use super::{By, ServiceError, reading};
use crate::domain::access::{AccessError, UserRole};
use crate::domain::pagination::{Page, PageRequest};
use crate::domain::participant::Role;
use crate::domain::programme::{
    AllocationView, Filter, ListRequest, Overview, ParticipantDetail, ParticipantSummary,
    PartnerSummary, TrancheView,
};
use crate::domain::reporting::{PeriodStatus, ReportState, ReturnStatus};
use crate::domain::table_sort::{ParticipantColumn, SortOrder};
use crate::services::audit_log::{self, HistoryEntry};
use crate::store::participants as participant_store;
use crate::store::partners as partner_store;
use crate::store::programme::{self, SummaryOrder, SummaryScope};

/// How many rows of each of the overview's participant tables are shown;
/// the rest are a link away, on the participants list.
pub const OVERVIEW_ROWS: u32 = 50;

/// Programme totals over every participant, and the rows this person may see.
pub struct OverviewData {
    pub overview: Overview,
    pub total_participants: usize,
    /// The first exemplars in the chosen order, with how many there are.
    pub exemplars: Page<ParticipantSummary>,
    /// The first fast followers in the chosen order, with how many there are.
    pub followers: Page<ParticipantSummary>,
    /// For a trust reporter: their own organisation's row (if a participant).
    pub own: Vec<ParticipantSummary>,
    pub scoped: bool,
    /// For a trust reporter: their returns that still need something (an
    /// open period not yet approved, or one returned for changes).
    pub returns_due: Vec<ReturnDue>,
    /// The fast followers of the exemplars shown:
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

/// Programme totals (every participant counts, summed in the database) and
/// the first rows of each table this person may see, sorted in SQL.
pub async fn overview(
    db: &DatabaseConnection,
    by: &By,
    today: Date,
    exemplar_order: SortOrder<ParticipantColumn>,
    follower_order: SortOrder<ParticipantColumn>,
) -> Result<OverviewData, ServiceError> {
    let scope = read_scope(by)?;
    let first = PageRequest {
        page: 1,
        size: OVERVIEW_ROWS,
    };
    let txn = reading::consistent(db).await?;
    let overview = programme::overview_totals(&txn, today).await?;
    let total_participants = overview.by_role_sector.iter().map(|(_, _, n)| n).sum();
    let of_role = |role: Role| SummaryScope {
        filter: Filter {
            role: Some(role),
            ..Filter::default()
        },
        ..SummaryScope::default()
    };
    let (exemplars, followers, own) = match scope {
        None => (
            programme::summary_page(
                &txn,
                today,
                &of_role(Role::GlobalDigitalExemplar),
                SummaryOrder::Overview(exemplar_order),
                first,
            )
            .await?,
            programme::summary_page(
                &txn,
                today,
                &of_role(Role::FastFollower),
                SummaryOrder::Overview(follower_order),
                first,
            )
            .await?,
            Vec::new(),
        ),
        Some(org) => {
            let own = programme::summaries(
                &txn,
                today,
                &SummaryScope {
                    organisation: Some(org),
                    ..SummaryScope::default()
                },
                SummaryOrder::Standard,
                None,
            )
            .await?;
            (
                Page::new(Vec::new(), 0, first),
                Page::new(Vec::new(), 0, first),
                own,
            )
        }
    };
    let exemplar_ids: Vec<i32> = exemplars
        .rows
        .iter()
        .chain(&own)
        .filter(|s| s.role == Role::GlobalDigitalExemplar)
        .map(|s| s.id)
        .collect();
    let fast_followers = programme::followers_of(&txn, &exemplar_ids).await?;
    txn.commit().await?;
    Ok(OverviewData {
        fast_followers,
        overview,
        total_participants,
        exemplars,
        followers,
        own,
        scoped: scope.is_some(),
        returns_due: returns_due(db, by, today).await?,
    })
}

/// Whether the programme was made by `gde generate` (its organisations
/// carry the synthetic marker), so every page can say so. A database that
/// cannot answer is reported as not synthetic, and logged.
pub async fn synthetic(db: &DatabaseConnection) -> bool {
    match programme::has_synthetic(db).await {
        Ok(found) => found,
        Err(error) => {
            tracing::warn!(%error, "could not check for synthetic data");
            false
        }
    }
}

/// One page of the participants list: filtered, sorted and counted in SQL,
/// within this person's scope.
pub async fn participants(
    db: &DatabaseConnection,
    by: &By,
    request: &ListRequest,
    today: Date,
) -> Result<Page<ParticipantSummary>, ServiceError> {
    let scope = SummaryScope {
        filter: request.filter.clone(),
        organisation: read_scope(by)?,
        participant: None,
    };
    let txn = reading::consistent(db).await?;
    let page = programme::summary_page(
        &txn,
        today,
        &scope,
        SummaryOrder::List(request.sort, request.descending),
        request.page,
    )
    .await?;
    txn.commit().await?;
    Ok(page)
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

/// A participant's allocations, each with its profile and tranches, as they
/// stood at the end of `day` (`services::snapshot::readable_as_at`), oldest
/// award first; with the participant's ODS code. Out of scope is not found.
pub async fn allocations_as_at(
    db: &DatabaseConnection,
    by: &By,
    ods_code: &str,
    day: Date,
) -> Result<(String, Vec<AllocationView>), ServiceError> {
    use crate::domain::financial_year::FinancialYear;
    use crate::domain::money::Pence;
    use crate::domain::tranche::TrancheKind;
    use crate::store::decode;

    let s = super::snapshot::readable_as_at(db, by, day).await?;
    let Some(p) = super::snapshot::participant_in(db, by, &s, ods_code).await? else {
        return Ok((ods_code.trim().to_uppercase(), Vec::new()));
    };
    let references: std::collections::HashMap<i32, &str> = s
        .milestones
        .iter()
        .filter(|m| m.participant_id == p.id)
        .map(|m| (m.id, m.reference.as_str()))
        .collect();
    let mut allocations: Vec<_> = s
        .allocations
        .iter()
        .filter(|a| a.participant_id == p.id)
        .collect();
    allocations.sort_by_key(|a| (a.awarded_on, a.id));
    let mut views = Vec::new();
    for a in allocations {
        let mut tranches = Vec::new();
        for t in s.tranches.iter().filter(|t| t.allocation_id == a.id) {
            tranches.push(TrancheView {
                id: t.id,
                version: t.version,
                name: t.name.clone(),
                kind: decode("tranche kind", TrancheKind::from_code(&t.kind))?,
                milestone_reference: t
                    .milestone_id
                    .and_then(|id| references.get(&id).map(|r| (*r).to_owned())),
                amount: decode("amount", Pence::new(t.amount))?,
                released_on: t.released_on,
            });
        }
        let mut profile = Vec::new();
        for (year, amount) in &a.profile {
            profile.push((
                decode("financial year", FinancialYear::new(*year))?,
                decode("amount", Pence::new(*amount))?,
            ));
        }
        views.push(AllocationView {
            id: a.id,
            version: a.version,
            reference: a.reference.clone(),
            central: decode("central", Pence::new(a.central))?,
            local_match: decode("local match", Pence::new(a.local_match))?,
            awarded_on: a.awarded_on,
            illustrative: a.illustrative,
            profile,
            tranches,
        });
    }
    Ok((p.ods_code.clone(), views))
}

/// Participants this person may read as they stood at the end of `day`
/// (designated by then; names, roles, designation and status as recorded
/// then; money and milestone counts from the snapshot read model), those a
/// filter admits, by name. Pairings are not versioned: a fast follower's
/// exemplar is today's pairing, shown when both were participants then.
pub async fn participants_as_at(
    db: &DatabaseConnection,
    by: &By,
    filter: &Filter,
    day: Date,
) -> Result<Vec<ParticipantSummary>, ServiceError> {
    use crate::domain::dates::ApproxDate;
    use crate::domain::money::Pence;
    use crate::domain::participant::ParticipantStatus;
    use crate::domain::programme::{MilestoneCounts, MoneyTotals};
    use crate::entities::{Organisations, Pairings, Participants};
    use crate::store::decode;
    use crate::store::snapshot::{build, models_at};
    use sea_orm::EntityTrait;
    use std::collections::HashMap;

    let scope = read_scope(by)?;
    let txn = reading::consistent(db).await?;
    let snapshot = build(&txn, day).await?;
    let rows: HashMap<i32, _> = models_at::<Participants>(&txn, day)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let orgs: HashMap<i32, _> = models_at::<Organisations>(&txn, day)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let pairings: HashMap<i32, i32> = Pairings::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| (p.fast_follower_id, p.exemplar_id))
        .collect();
    txn.commit().await?;
    let everyone: HashMap<i32, &crate::domain::snapshot::ParticipantAt> =
        snapshot.participants.iter().map(|p| (p.id, p)).collect();
    let mut out = Vec::new();
    for p in &snapshot.participants {
        if scope.is_some_and(|own| own != p.organisation_id)
            || !filter.admits(p.role, p.sector, p.region.as_ref())
        {
            continue;
        }
        let (Some(row), Some(org)) = (rows.get(&p.id), orgs.get(&p.organisation_id)) else {
            continue;
        };
        let mine: Vec<_> = snapshot
            .allocations
            .iter()
            .filter(|a| a.participant_id == p.id)
            .collect();
        let released: i64 = snapshot
            .tranches
            .iter()
            .filter(|t| t.released_on.is_some() && mine.iter().any(|a| a.id == t.allocation_id))
            .map(|t| t.amount)
            .sum();
        let money = MoneyTotals {
            allocated: decode("central", Pence::new(mine.iter().map(|a| a.central).sum()))?,
            local_match: decode(
                "local match",
                Pence::new(mine.iter().map(|a| a.local_match).sum()),
            )?,
            released: decode("released", Pence::new(released))?,
        };
        let mut milestones = MilestoneCounts::default();
        for m in snapshot
            .milestones
            .iter()
            .filter(|m| m.participant_id == p.id)
        {
            let status = decode(
                "milestone status",
                crate::domain::milestone::MilestoneStatus::from_code(&m.status),
            )?;
            milestones.add(crate::domain::milestone::timeliness(
                status,
                m.forecast_on,
                m.baseline_on,
                day,
            ));
        }
        let exemplar = pairings
            .get(&p.id)
            .and_then(|e| everyone.get(e))
            .map(|e| (e.ods_code.clone(), e.name.clone()));
        out.push(ParticipantSummary {
            id: p.id,
            organisation_id: p.organisation_id,
            ods_code: p.ods_code.clone(),
            designated_name: org
                .name_at_designation
                .clone()
                .filter(|n| !n.eq_ignore_ascii_case(&org.name)),
            name: org.name.clone(),
            role: p.role,
            sector: p.sector,
            wave: row.wave.clone(),
            region: p.region.clone(),
            designated: decode(
                "designation date",
                ApproxDate::from_storage(row.designated_on, &row.designated_precision),
            )?,
            status: decode("status", ParticipantStatus::from_code(&row.status))?,
            exemplar,
            money,
            milestones,
            closed_on: org.closed_on.filter(|d| *d <= day),
        });
    }
    out.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.id.cmp(&b.id))
    });
    Ok(out)
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

/// Partner organisations as they stood at the end of `day`, with their links
/// to participants on record then; a reporter sees only their own
/// organisation's links.
pub async fn partners_as_at(
    db: &DatabaseConnection,
    by: &By,
    day: Date,
) -> Result<Vec<PartnerSummary>, ServiceError> {
    let scope = read_scope(by)?;
    let txn = reading::consistent(db).await?;
    let snapshot = crate::store::snapshot::build(&txn, day).await?;
    let on_record: std::collections::HashSet<i32> =
        snapshot.participants.iter().map(|p| p.id).collect();
    let mut partners = partner_store::list_at(&txn, day, &on_record).await?;
    txn.commit().await?;
    for partner in &mut partners {
        partner
            .links
            .retain(|l| scope.is_none_or(|id| id == l.organisation_id));
    }
    Ok(partners)
}
