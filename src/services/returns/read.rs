//! One return as a page shows it: what it holds (or the blank a trust starts
//! from), the rating the evidence suggests, and the last approved return.
use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseConnection};
use time::Date;

use super::{
    Period, PeriodRef, QueueRow, ReturnData, RiskLine, Trust, UpdateLine, check_read, find_period,
    store,
};
use crate::domain::milestone::{MilestoneStatus, Timeliness, slippage_days, timeliness};
use crate::domain::money::Pence;
use crate::domain::pagination::{Page, PageRequest};
use crate::domain::rating::{Rating, RatingScale};
use crate::domain::reporting::ReportState;
use crate::domain::reporting::ReturnStatus;
use crate::domain::suggested_rating::{Evidence, Suggestion, profiled_to, suggest};
use crate::domain::table_sort::{SortOrder, StandingColumn};
use crate::entities::{milestone, return_milestone_update};
use crate::services::milestones::participant_by_ods;
use crate::services::{By, ServiceError};
use crate::store::decode;
use crate::store::programme::Sql;

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

/// Which pages of the returns queue's three tables, and how the latest
/// period's table is sorted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QueueRequest {
    pub sort: SortOrder<StandingColumn>,
    /// Submitted returns awaiting review.
    pub review: PageRequest,
    /// Returns past their due date and not submitted.
    pub overdue: PageRequest,
    /// Every participant's standing in the latest period.
    pub latest: PageRequest,
}

/// The returns queue, each table one page of rows read (and counted) in SQL.
pub struct Queue {
    pub review: Page<QueueRow>,
    pub overdue: Page<QueueRow>,
    /// The latest period and its page of standings (none before any period).
    pub latest: Option<(Period, Page<QueueRow>)>,
}

/// Periods and participants joined as standings: a participant owes a
/// return for a period designated before it ended, unless withdrawn.
const STANDINGS: &str = " FROM reporting_periods per \
     JOIN participants p ON p.designated_on <= per.ends_on AND p.status <> 'withdrawn' \
     JOIN organisations o ON o.id = p.organisation_id \
     LEFT JOIN returns r ON r.period_id = per.id AND r.participant_id = p.id \
     WHERE 1 = 1";

const STANDING_COLUMNS: &str = "SELECT per.id AS period_id, p.id AS participant_id, \
     o.id AS organisation_id, o.ods_code, o.name, r.status AS return_status, \
     r.self_rating, r.office_rating";

fn state_rank_sql() -> String {
    let mut sql = "CASE WHEN r.id IS NULL THEN 0".to_owned();
    for (rank, status) in [
        ReturnStatus::Draft,
        ReturnStatus::Returned,
        ReturnStatus::Submitted,
        ReturnStatus::Approved,
    ]
    .iter()
    .enumerate()
    {
        sql.push_str(&format!(
            " WHEN r.status = '{}' THEN {}",
            status.code(),
            rank + 1
        ));
    }
    sql.push_str(" ELSE 5 END");
    sql
}

/// Worst rating first; no rating before any (as `domain::table_sort`).
fn rating_rank_sql(column: &str) -> String {
    let mut sql = format!("CASE {column}");
    for (rank, rating) in Rating::ALL.iter().enumerate() {
        sql.push_str(&format!(" WHEN '{}' THEN {rank}", rating.code()));
    }
    sql.push_str(" ELSE -1 END");
    sql
}

/// Reads one page of standings: `condition` (SQL over `per`, `p`, `o`,
/// `r`, with its own binds) narrows them, `order` sorts them.
async fn standings_page(
    db: &impl ConnectionTrait,
    scope: Option<i32>,
    condition: &(dyn Fn(&mut Sql) + Sync),
    order: &str,
    page: PageRequest,
) -> Result<(Vec<StandingRow>, u64, PageRequest), ServiceError> {
    let backend = db.get_database_backend();
    let narrow = |sql: &mut Sql| {
        sql.push(STANDINGS);
        if let Some(org) = scope {
            sql.push(" AND p.organisation_id = ").bind(org);
        }
        condition(sql);
    };
    let mut count = Sql::new(backend);
    count.push("SELECT COUNT(*) AS n");
    narrow(&mut count);
    let total: i64 = match db.query_one_raw(count.statement()).await? {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    let total = u64::try_from(total).unwrap_or(0);
    let page = page.within(total);
    let mut sql = Sql::new(backend);
    sql.push(STANDING_COLUMNS);
    narrow(&mut sql);
    sql.push(" ORDER BY ")
        .push(order)
        .push(" LIMIT ")
        .bind(page.limit() as i64)
        .push(" OFFSET ")
        .bind(page.offset() as i64);
    let mut rows = Vec::new();
    for row in db.query_all_raw(sql.statement()).await? {
        rows.push(StandingRow {
            period_id: row.try_get("", "period_id")?,
            trust: Trust {
                organisation_id: row.try_get("", "organisation_id")?,
                participant_id: row.try_get("", "participant_id")?,
                ods_code: row
                    .try_get::<Option<String>>("", "ods_code")?
                    .unwrap_or_default(),
                name: row.try_get("", "name")?,
            },
            status: row.try_get("", "return_status")?,
            self_rating: row.try_get("", "self_rating")?,
            office_rating: row.try_get("", "office_rating")?,
        });
    }
    Ok((rows, total, page))
}

struct StandingRow {
    period_id: i32,
    trust: Trust,
    status: Option<String>,
    self_rating: Option<String>,
    office_rating: Option<String>,
}

impl StandingRow {
    fn into_queue_row(
        self,
        periods: &HashMap<i32, Period>,
        today: Date,
    ) -> Result<QueueRow, ServiceError> {
        let period = periods
            .get(&self.period_id)
            .cloned()
            .ok_or(ServiceError::NotFound)?;
        let state = match &self.status {
            None => ReportState::NotReported,
            Some(s) => ReportState::Is(decode("status", ReturnStatus::from_code(s))?),
        };
        let reported = matches!(
            state,
            ReportState::Is(ReturnStatus::Submitted | ReturnStatus::Approved)
        );
        Ok(QueueRow {
            overdue: !reported && period.due_on < today,
            ods_code: self.trust.ods_code,
            name: self.trust.name,
            organisation_id: self.trust.organisation_id,
            state,
            self_rating: rating(self.self_rating.as_deref())?,
            office_rating: rating(self.office_rating.as_deref())?,
            suggested: None,
            period,
        })
    }
}

/// The returns queue: submitted returns awaiting review (with the rating
/// the evidence suggests, worked out for the page shown only), returns
/// overdue, and the latest period's standings sorted as asked, each table
/// one page, within the reader's scope.
pub async fn queue(
    db: &DatabaseConnection,
    by: &By,
    today: Date,
    request: QueueRequest,
) -> Result<Queue, ServiceError> {
    let scope = crate::services::programme::read_scope(by)?;
    let txn = crate::services::reading::consistent(db).await?;
    let mut periods: Vec<Period> = store::periods(&txn)
        .await?
        .into_iter()
        .map(Period::from_row)
        .collect::<Result<_, _>>()?;
    let latest_period = periods.first().cloned();
    let by_id: HashMap<i32, Period> = periods.drain(..).map(|p| (p.id, p)).collect();
    let backend = txn.get_database_backend();
    let name = Sql::new(backend).text_order("o.name");
    let period_then_name = format!("per.ends_on DESC, per.id, {name}, p.id");

    let submitted = ReturnStatus::Submitted.code();
    let (review_rows, review_total, review_page) = standings_page(
        &txn,
        scope,
        &|sql: &mut Sql| {
            sql.push(" AND r.status = ").bind(submitted);
        },
        &period_then_name,
        request.review,
    )
    .await?;
    let mut review = Vec::with_capacity(review_rows.len());
    for row in review_rows {
        let trust = row.trust.clone();
        let mut queue_row = row.into_queue_row(&by_id, today)?;
        let data = build(
            &txn,
            queue_row.period.clone(),
            trust,
            RatingScale::Rag,
            false,
        )
        .await?;
        queue_row.suggested = Some(data.suggestion.rating);
        review.push(queue_row);
    }

    let approved = ReturnStatus::Approved.code();
    let (overdue_rows, overdue_total, overdue_page) = standings_page(
        &txn,
        scope,
        &|sql: &mut Sql| {
            sql.push(" AND per.due_on < ")
                .bind(today)
                .push(" AND (r.id IS NULL OR r.status NOT IN (")
                .bind(submitted)
                .push(", ")
                .bind(approved)
                .push("))");
        },
        &period_then_name,
        request.overdue,
    )
    .await?;
    let overdue = overdue_rows
        .into_iter()
        .map(|r| r.into_queue_row(&by_id, today))
        .collect::<Result<Vec<_>, _>>()?;

    let latest = match latest_period {
        None => None,
        Some(period) => {
            let primary = match request.sort.key {
                StandingColumn::Trust => None,
                StandingColumn::State => Some(state_rank_sql()),
                StandingColumn::TrustRating => Some(rating_rank_sql("r.self_rating")),
                StandingColumn::OfficeRating => Some(rating_rank_sql("r.office_rating")),
            };
            let dir = if request.sort.descending {
                " DESC"
            } else {
                " ASC"
            };
            let mut terms: Vec<String> = primary.into_iter().collect();
            terms.push(name.clone());
            terms.push("p.id".to_owned());
            let order = terms
                .iter()
                .map(|t| format!("{t}{dir}"))
                .collect::<Vec<_>>()
                .join(", ");
            let id = period.id;
            let (rows, total, page) = standings_page(
                &txn,
                scope,
                &|sql: &mut Sql| {
                    sql.push(" AND per.id = ").bind(id);
                },
                &order,
                request.latest,
            )
            .await?;
            let rows = rows
                .into_iter()
                .map(|r| r.into_queue_row(&by_id, today))
                .collect::<Result<Vec<_>, _>>()?;
            Some((period, Page::new(rows, total, page)))
        }
    };
    txn.commit().await?;
    Ok(Queue {
        review: Page::new(review, review_total, review_page),
        overdue: Page::new(overdue, overdue_total, overdue_page),
        latest,
    })
}
