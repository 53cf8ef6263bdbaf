//! The programme at a glance: participant summary rows, filtered, sorted and
//! paged in SQL, and the programme totals as aggregate queries. A page
//! reads only the rows it shows: the participants are picked (and counted)
//! by one query, and money and milestone counts are then read for those
//! participants alone.
use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryResult,
    QuerySelect, Statement, Value,
};
use time::Date;

use super::decode;
use crate::domain::dates::ApproxDate;
use crate::domain::milestone::{MilestoneStatus, timeliness};
use crate::domain::money::Pence;
use crate::domain::pagination::{Page, PageRequest};
use crate::domain::participant::{ParticipantStatus, Role, Sector};
use crate::domain::programme::{
    Filter, MilestoneCounts, MoneyTotals, Overview, ParticipantSummary, SortKey,
};
use crate::domain::region::RegionCode;
use crate::domain::table_sort::{ParticipantColumn, SortOrder};
use crate::entities::{self as e, Milestones};

/// A SQL text with its bound values, placeholders written for the backend.
pub(crate) struct Sql {
    backend: DbBackend,
    pub text: String,
    values: Vec<Value>,
}

impl Sql {
    pub(crate) fn new(backend: DbBackend) -> Sql {
        Sql {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub(crate) fn bind(&mut self, value: impl Into<Value>) -> &mut Sql {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                let n = self.values.len();
                self.text.push_str(&format!("${n}"));
            }
            _ => self.text.push('?'),
        }
        self
    }

    pub(crate) fn statement(&self) -> Statement {
        Statement::from_sql_and_values(self.backend, &self.text, self.values.clone())
    }

    /// Text compared byte by byte, as Rust compares strings (PostgreSQL
    /// would otherwise use the database's locale).
    pub(crate) fn text_order(&self, expr: &str) -> String {
        match self.backend {
            DbBackend::Postgres => format!("{expr} COLLATE \"C\""),
            _ => expr.to_owned(),
        }
    }
}

/// `CASE expr WHEN 'code' THEN rank … END`: codes ranked by their label,
/// so SQL sorts by what the page shows.
pub(crate) fn rank_by_label<'a>(
    expr: &str,
    codes_and_labels: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let mut pairs: Vec<(&str, &str)> = codes_and_labels.into_iter().collect();
    pairs.sort_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(b.0)));
    let mut sql = format!("CASE {expr}");
    for (rank, (code, _)) in pairs.iter().enumerate() {
        // Codes are compile-time constants of letters, digits and underscores.
        debug_assert!(code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        sql.push_str(&format!(" WHEN '{code}' THEN {rank}"));
    }
    sql.push_str(" ELSE -1 END");
    sql
}

const ALLOCATED: &str =
    "(SELECT COALESCE(SUM(a.central_pence), 0) FROM allocations a WHERE a.participant_id = p.id)";
const RELEASED: &str = "(SELECT COALESCE(SUM(t.amount_pence), 0) FROM tranches t \
     JOIN allocations a ON a.id = t.allocation_id \
     WHERE a.participant_id = p.id AND t.released_on IS NOT NULL)";

/// The columns a summary page is ordered by (ties: name, then id).
#[derive(Clone, Copy, Debug)]
pub enum SummaryOrder {
    /// Role, then sector, then name (the default everywhere).
    Standard,
    List(SortKey, bool),
    Overview(SortOrder<ParticipantColumn>),
}

/// Which participants a summary query reads.
#[derive(Clone, Debug, Default)]
pub struct SummaryScope {
    pub filter: Filter,
    /// Only this organisation's participant (a trust reporter's scope).
    pub organisation: Option<i32>,
    /// Only this participant.
    pub participant: Option<i32>,
}

fn push_where(sql: &mut Sql, scope: &SummaryScope) {
    sql.push(" WHERE 1 = 1");
    if let Some(role) = scope.filter.role {
        sql.push(" AND p.role = ").bind(role.code());
    }
    if let Some(sector) = scope.filter.sector {
        sql.push(" AND p.sector = ").bind(sector.code());
    }
    if let Some(region) = &scope.filter.region {
        sql.push(" AND o.region_code = ")
            .bind(region.as_str().to_owned());
    }
    if let Some(id) = scope.organisation {
        sql.push(" AND p.organisation_id = ").bind(id);
    }
    if let Some(id) = scope.participant {
        sql.push(" AND p.id = ").bind(id);
    }
}

const FROM: &str = " FROM participants p JOIN organisations o ON o.id = p.organisation_id \
     LEFT JOIN pairings pr ON pr.fast_follower_id = p.id \
     LEFT JOIN participants ep ON ep.id = pr.exemplar_id \
     LEFT JOIN organisations eo ON eo.id = ep.organisation_id";

fn push_order(sql: &mut Sql, order: SummaryOrder, today: Date) {
    let name = sql.text_order("o.name");
    let (primary, descending): (Option<String>, bool) = match order {
        SummaryOrder::Standard => {
            let role = rank_by_label("p.role", Role::ALL.iter().map(|r| (r.code(), r.code())));
            let sector =
                rank_by_label("p.sector", Sector::ALL.iter().map(|s| (s.code(), s.code())));
            (Some(format!("{role}, {sector}")), false)
        }
        SummaryOrder::List(key, descending) => {
            let primary = match key {
                SortKey::Name => None,
                SortKey::OdsCode => Some(sql.text_order("o.ods_code")),
                SortKey::Role => Some(rank_by_label(
                    "p.role",
                    Role::ALL.iter().map(|r| (r.code(), r.label())),
                )),
                SortKey::Sector => Some(rank_by_label(
                    "p.sector",
                    Sector::ALL.iter().map(|s| (s.code(), s.label())),
                )),
                SortKey::Region => Some(region_rank()),
                SortKey::Designated => Some("p.designated_on".to_owned()),
                SortKey::Allocated => Some(ALLOCATED.to_owned()),
                SortKey::Released => Some(RELEASED.to_owned()),
                SortKey::Overdue => Some(overdue_sql(sql, today)),
            };
            (primary, descending)
        }
        SummaryOrder::Overview(order) => {
            let primary = match order.key {
                ParticipantColumn::Trust => None,
                ParticipantColumn::Ods => Some(sql.text_order("o.ods_code")),
                ParticipantColumn::Sector => Some(rank_by_label(
                    "p.sector",
                    Sector::ALL.iter().map(|s| (s.code(), s.label())),
                )),
                ParticipantColumn::Wave => Some(sql.text_order("p.wave")),
                ParticipantColumn::Pairing => Some(format!(
                    "CASE WHEN eo.name IS NULL THEN 0 ELSE 1 END, {}",
                    sql.text_order("eo.name")
                )),
                ParticipantColumn::Allocated => Some(ALLOCATED.to_owned()),
                ParticipantColumn::Released => Some(RELEASED.to_owned()),
                ParticipantColumn::Overdue => Some(overdue_sql(sql, today)),
            };
            (primary, order.descending)
        }
    };
    let dir = if descending { " DESC" } else { " ASC" };
    let mut terms: Vec<String> = Vec::new();
    if let Some(primary) = primary {
        // A primary of several columns gets the direction on each.
        terms.extend(
            split_terms(&primary)
                .into_iter()
                .map(|t| format!("{t}{dir}")),
        );
    }
    terms.push(format!("{name}{dir}"));
    terms.push(format!("p.id{dir}"));
    sql.push(" ORDER BY ").push(&terms.join(", "));
}

/// Splits "a, b" at top-level commas (not inside parentheses).
fn split_terms(expr: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in expr.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                terms.push(expr[start..i].trim().to_owned());
                start = i + 1;
            }
            _ => {}
        }
    }
    terms.push(expr[start..].trim().to_owned());
    terms
}

fn region_rank() -> String {
    let codes: Vec<(&str, &str)> = RegionCode::ALL_CURRENT
        .iter()
        .chain(RegionCode::ALL_HISTORIC)
        .filter_map(|c| RegionCode::parse(c).ok().map(|r| (*c, r.name())))
        .collect();
    // No region sorts first, as an empty name would.
    rank_by_label("o.region_code", codes)
}

/// Open milestones of `p` due before today (as `domain::milestone::timeliness`).
fn overdue_sql(sql: &mut Sql, today: Date) -> String {
    // The date is written as a literal: it is a `Date` we format, not input.
    let literal = match sql.backend {
        DbBackend::Postgres => format!("DATE '{today}'"),
        _ => format!("'{today}'"),
    };
    format!(
        "(SELECT COUNT(*) FROM milestones m WHERE m.participant_id = p.id \
         AND m.status NOT IN ('{}', '{}') AND COALESCE(m.forecast_on, m.baseline_on) < {literal})",
        MilestoneStatus::Complete.code(),
        MilestoneStatus::Cancelled.code()
    )
}

const COLUMNS: &str = "SELECT p.id, p.organisation_id, o.ods_code, o.name, o.name_at_designation, \
     p.role, p.sector, p.wave, o.region_code, p.designated_on, p.designated_precision, \
     p.status, o.closed_on, eo.ods_code AS ex_ods, eo.name AS ex_name";

/// Counts the participants a scope reads.
pub async fn count_summaries(
    db: &impl ConnectionTrait,
    scope: &SummaryScope,
) -> Result<u64, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT COUNT(*) AS n FROM participants p JOIN organisations o ON o.id = p.organisation_id",
    );
    push_where(&mut sql, scope);
    let row = db.query_one_raw(sql.statement()).await?;
    let n: i64 = match row {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The summary rows a scope reads, in `order`, `page` of them (or all).
pub async fn summaries(
    db: &impl ConnectionTrait,
    today: Date,
    scope: &SummaryScope,
    order: SummaryOrder,
    page: Option<PageRequest>,
) -> Result<Vec<ParticipantSummary>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(COLUMNS).push(FROM);
    push_where(&mut sql, scope);
    push_order(&mut sql, order, today);
    if let Some(page) = page {
        sql.push(" LIMIT ")
            .bind(page.limit() as i64)
            .push(" OFFSET ")
            .bind(page.offset() as i64);
    }
    let rows = db.query_all_raw(sql.statement()).await?;
    let ids: Vec<i32> = rows
        .iter()
        .map(|r| r.try_get::<i32>("", "id"))
        .collect::<Result<_, _>>()?;
    let money = money_of(db, &ids).await?;
    let counts = milestone_counts_of(db, today, &ids).await?;
    rows.iter()
        .map(|row| summary_of(row, &money, &counts))
        .collect()
}

/// One page of summaries with the total the scope holds; a page past the
/// end is the last page.
pub async fn summary_page(
    db: &impl ConnectionTrait,
    today: Date,
    scope: &SummaryScope,
    order: SummaryOrder,
    page: PageRequest,
) -> Result<Page<ParticipantSummary>, DbErr> {
    let total = count_summaries(db, scope).await?;
    let page = page.within(total);
    let rows = summaries(db, today, scope, order, Some(page)).await?;
    Ok(Page::new(rows, total, page))
}

/// Every participant, ordered by role, then sector, then name.
pub async fn participant_summaries(
    db: &impl ConnectionTrait,
    today: Date,
) -> Result<Vec<ParticipantSummary>, DbErr> {
    summaries(
        db,
        today,
        &SummaryScope::default(),
        SummaryOrder::Standard,
        None,
    )
    .await
}

/// One participant's summary row, reading only that participant's rows.
pub async fn participant_summary(
    db: &impl ConnectionTrait,
    today: Date,
    participant_id: i32,
) -> Result<Option<ParticipantSummary>, DbErr> {
    let scope = SummaryScope {
        participant: Some(participant_id),
        ..SummaryScope::default()
    };
    Ok(summaries(db, today, &scope, SummaryOrder::Standard, None)
        .await?
        .into_iter()
        .next())
}

fn summary_of(
    row: &QueryResult,
    money: &HashMap<i32, MoneyTotals>,
    counts: &HashMap<i32, MilestoneCounts>,
) -> Result<ParticipantSummary, DbErr> {
    let id: i32 = row.try_get("", "id")?;
    let name: String = row.try_get("", "name")?;
    let role: String = row.try_get("", "role")?;
    let sector: String = row.try_get("", "sector")?;
    let status: String = row.try_get("", "status")?;
    let region: Option<String> = row.try_get("", "region_code")?;
    let designated_on: Date = row.try_get("", "designated_on")?;
    let precision: String = row.try_get("", "designated_precision")?;
    let ex_ods: Option<String> = row.try_get("", "ex_ods")?;
    let ex_name: Option<String> = row.try_get("", "ex_name")?;
    let name_at_designation: Option<String> = row.try_get("", "name_at_designation")?;
    Ok(ParticipantSummary {
        id,
        organisation_id: row.try_get("", "organisation_id")?,
        ods_code: row
            .try_get::<Option<String>>("", "ods_code")?
            .unwrap_or_default(),
        designated_name: name_at_designation.filter(|n| !n.eq_ignore_ascii_case(&name)),
        name,
        role: decode("role", Role::from_code(&role))?,
        sector: decode("sector", Sector::from_code(&sector))?,
        wave: row.try_get("", "wave")?,
        region: region
            .as_deref()
            .map(|r| decode("region", RegionCode::parse(r)))
            .transpose()?,
        designated: decode(
            "designation date",
            ApproxDate::from_storage(designated_on, &precision),
        )?,
        status: decode("status", ParticipantStatus::from_code(&status))?,
        exemplar: ex_name.map(|n| (ex_ods.unwrap_or_default(), n)),
        money: money.get(&id).copied().unwrap_or_default(),
        milestones: counts.get(&id).copied().unwrap_or_default(),
        closed_on: row.try_get("", "closed_on")?,
    })
}

/// `IN (1, 2, 3)` for ids we read from the database (integers only).
fn id_list(ids: &[i32]) -> String {
    let list: Vec<String> = ids.iter().map(i32::to_string).collect();
    format!("({})", list.join(", "))
}

/// Money totals of these participants only. SUM of BIGINT is NUMERIC on
/// PostgreSQL, hence the casts.
async fn money_of(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, MoneyTotals>, DbErr> {
    let mut totals: HashMap<i32, MoneyTotals> = HashMap::new();
    if ids.is_empty() {
        return Ok(totals);
    }
    let backend = db.get_database_backend();
    let list = id_list(ids);
    let allocated = db
        .query_all_raw(Statement::from_string(
            backend,
            format!(
                "SELECT participant_id, CAST(SUM(central_pence) AS BIGINT) AS central, \
                 CAST(SUM(local_match_pence) AS BIGINT) AS local_match \
                 FROM allocations WHERE participant_id IN {list} GROUP BY participant_id"
            ),
        ))
        .await?;
    for row in allocated {
        let id: i32 = row.try_get("", "participant_id")?;
        let entry = totals.entry(id).or_default();
        entry.allocated = decode("allocation total", Pence::new(row.try_get("", "central")?))?;
        entry.local_match = decode(
            "local match total",
            Pence::new(row.try_get("", "local_match")?),
        )?;
    }
    let released = db
        .query_all_raw(Statement::from_string(
            backend,
            format!(
                "SELECT a.participant_id, CAST(SUM(t.amount_pence) AS BIGINT) AS released \
                 FROM tranches t JOIN allocations a ON a.id = t.allocation_id \
                 WHERE t.released_on IS NOT NULL AND a.participant_id IN {list} \
                 GROUP BY a.participant_id"
            ),
        ))
        .await?;
    for row in released {
        let id: i32 = row.try_get("", "participant_id")?;
        totals.entry(id).or_default().released =
            decode("released total", Pence::new(row.try_get("", "released")?))?;
    }
    Ok(totals)
}

/// Milestone counts of these participants only, by the one timeliness rule.
async fn milestone_counts_of(
    db: &impl ConnectionTrait,
    today: Date,
    ids: &[i32],
) -> Result<HashMap<i32, MilestoneCounts>, DbErr> {
    use e::milestone::Column;
    let mut counts: HashMap<i32, MilestoneCounts> = HashMap::new();
    if ids.is_empty() {
        return Ok(counts);
    }
    let rows: Vec<(i32, String, Option<Date>, Date)> = Milestones::find()
        .filter(Column::ParticipantId.is_in(ids.iter().copied()))
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
    for (participant_id, status, forecast, baseline) in rows {
        let status = decode("milestone status", MilestoneStatus::from_code(&status))?;
        counts
            .entry(participant_id)
            .or_default()
            .add(timeliness(status, forecast, baseline, today));
    }
    Ok(counts)
}

/// Programme totals over every participant, as aggregate queries (the same
/// figures `domain::programme::overview` computes from summary rows).
pub async fn overview_totals(db: &impl ConnectionTrait, today: Date) -> Result<Overview, DbErr> {
    let backend = db.get_database_backend();
    let mut overview = Overview::default();
    let groups = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT role, sector, COUNT(*) AS n FROM participants GROUP BY role, sector",
        ))
        .await?;
    for row in groups {
        let role: String = row.try_get("", "role")?;
        let sector: String = row.try_get("", "sector")?;
        let n: i64 = row.try_get("", "n")?;
        overview.by_role_sector.push((
            decode("role", Role::from_code(&role))?,
            decode("sector", Sector::from_code(&sector))?,
            usize::try_from(n).unwrap_or(0),
        ));
    }
    // Display order: by role code, then sector code, as the summary rows come.
    overview
        .by_role_sector
        .sort_by_key(|(r, s, _)| (r.code(), s.code()));
    let money = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT CAST(COALESCE(SUM(central_pence), 0) AS BIGINT) AS central, \
             CAST(COALESCE(SUM(local_match_pence), 0) AS BIGINT) AS local_match, \
             (SELECT CAST(COALESCE(SUM(amount_pence), 0) AS BIGINT) FROM tranches \
               WHERE released_on IS NOT NULL) AS released \
             FROM allocations",
        ))
        .await?;
    if let Some(row) = money {
        overview.allocated = decode("allocated", Pence::new(row.try_get("", "central")?))?;
        overview.local_match = decode("local match", Pence::new(row.try_get("", "local_match")?))?;
        overview.released = decode("released", Pence::new(row.try_get("", "released")?))?;
    }
    // Participants whose local match falls short of their central funding.
    let shortfalls = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM (SELECT participant_id FROM allocations \
             GROUP BY participant_id HAVING SUM(local_match_pence) < SUM(central_pence)) s",
        ))
        .await?;
    if let Some(row) = shortfalls {
        overview.match_shortfalls = usize::try_from(row.try_get::<i64>("", "n")?).unwrap_or(0);
    }
    overview.milestones = milestone_totals(db, today).await?;
    Ok(overview)
}

/// Milestones of the whole programme by timeliness, counted in SQL.
async fn milestone_totals(
    db: &impl ConnectionTrait,
    today: Date,
) -> Result<MilestoneCounts, DbErr> {
    let backend = db.get_database_backend();
    let soon = today + time::Duration::days(crate::domain::milestone::DUE_SOON_DAYS);
    let date = |d: Date| match backend {
        DbBackend::Postgres => format!("DATE '{d}'"),
        _ => format!("'{d}'"),
    };
    let (complete, cancelled) = (
        MilestoneStatus::Complete.code(),
        MilestoneStatus::Cancelled.code(),
    );
    let due = "COALESCE(forecast_on, baseline_on)";
    let open = format!("status NOT IN ('{complete}', '{cancelled}')");
    let sql = format!(
        "SELECT COUNT(*) AS total, \
         COALESCE(SUM(CASE WHEN status = '{complete}' THEN 1 ELSE 0 END), 0) AS complete, \
         COALESCE(SUM(CASE WHEN status = '{cancelled}' THEN 1 ELSE 0 END), 0) AS cancelled, \
         COALESCE(SUM(CASE WHEN {open} AND {due} < {today} THEN 1 ELSE 0 END), 0) AS overdue, \
         COALESCE(SUM(CASE WHEN {open} AND {due} >= {today} AND {due} <= {soon} THEN 1 ELSE 0 END), 0) AS due_soon \
         FROM milestones",
        today = date(today),
        soon = date(soon),
    );
    let Some(row) = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await?
    else {
        return Ok(MilestoneCounts::default());
    };
    let get = |name: &str| -> Result<usize, DbErr> {
        Ok(usize::try_from(row.try_get::<i64>("", name)?).unwrap_or(0))
    };
    let total = get("total")?;
    let (complete, cancelled, overdue, due_soon) = (
        get("complete")?,
        get("cancelled")?,
        get("overdue")?,
        get("due_soon")?,
    );
    Ok(MilestoneCounts {
        total,
        complete,
        cancelled,
        overdue,
        due_soon,
        not_yet_due: total - complete - cancelled - overdue - due_soon,
    })
}

/// The fast followers of these exemplars: (exemplar's ODS code, follower's
/// ODS code, follower's name), by follower's name.
pub async fn followers_of(
    db: &impl ConnectionTrait,
    exemplar_ids: &[i32],
) -> Result<Vec<(String, String, String)>, DbErr> {
    if exemplar_ids.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            format!(
                "SELECT eo.ods_code AS ex_ods, fo.ods_code AS ff_ods, fo.name AS ff_name \
                 FROM pairings pr \
                 JOIN participants ep ON ep.id = pr.exemplar_id \
                 JOIN organisations eo ON eo.id = ep.organisation_id \
                 JOIN participants fp ON fp.id = pr.fast_follower_id \
                 JOIN organisations fo ON fo.id = fp.organisation_id \
                 WHERE pr.exemplar_id IN {}",
                id_list(exemplar_ids)
            ),
        ))
        .await?;
    let mut out = Vec::new();
    for row in rows {
        out.push((
            row.try_get::<Option<String>>("", "ex_ods")?
                .unwrap_or_default(),
            row.try_get::<Option<String>>("", "ff_ods")?
                .unwrap_or_default(),
            row.try_get::<String>("", "ff_name")?,
        ));
    }
    out.sort_by(|a, b| a.2.cmp(&b.2));
    Ok(out)
}

/// Which milestones a list page reads, in store terms.
#[derive(Clone, Debug, Default)]
pub struct MilestoneQuery {
    /// Only this organisation's milestones (a trust reporter's scope).
    pub organisation: Option<i32>,
    pub ods_code: Option<String>,
    pub status: Option<&'static str>,
    pub category: Option<&'static str>,
    /// Open and due (forecast, else baseline) before today.
    pub overdue: bool,
    /// Slipped (actual, else forecast, against baseline) by more than this many days.
    pub slipped_over: Option<i64>,
    pub order: MilestoneOrder,
}

/// How a milestone list is ordered; every order ends with ODS code,
/// reference and id, so pages never overlap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MilestoneOrder {
    /// ODS code, then baseline date.
    #[default]
    Participant,
    Baseline,
    /// No forecast first, then by forecast date.
    Forecast,
    /// Most slipped first.
    Slippage,
}

/// A milestone row with its participant's ODS code, name and organisation id.
pub struct MilestoneListRow {
    pub milestone: e::milestone::Model,
    pub ods_code: String,
    pub name: String,
    pub organisation_id: i32,
}

fn slippage_sql(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            "(COALESCE(m.actual_on, m.forecast_on, m.baseline_on) - m.baseline_on)"
        }
        _ => {
            "CAST(julianday(COALESCE(m.actual_on, m.forecast_on, m.baseline_on)) \
             - julianday(m.baseline_on) AS INTEGER)"
        }
    }
}

fn push_milestone_where(sql: &mut Sql, q: &MilestoneQuery, today: Date) {
    sql.push(
        " FROM milestones m JOIN participants p ON p.id = m.participant_id \
         JOIN organisations o ON o.id = p.organisation_id WHERE 1 = 1",
    );
    if let Some(org) = q.organisation {
        sql.push(" AND p.organisation_id = ").bind(org);
    }
    if let Some(ods) = &q.ods_code {
        sql.push(" AND o.ods_code = ").bind(ods.clone());
    }
    if let Some(status) = q.status {
        sql.push(" AND m.status = ").bind(status);
    }
    if let Some(category) = q.category {
        sql.push(" AND m.category = ").bind(category);
    }
    if q.overdue {
        sql.push(&format!(
            " AND m.status NOT IN ('{}', '{}') AND COALESCE(m.forecast_on, m.baseline_on) < ",
            MilestoneStatus::Complete.code(),
            MilestoneStatus::Cancelled.code()
        ))
        .bind(today);
    }
    if let Some(days) = q.slipped_over {
        let slip = slippage_sql(sql.backend);
        sql.push(&format!(" AND {slip} > ")).bind(days);
    }
}

/// One page of milestones, filtered, sorted and counted in SQL; a page past
/// the end is the last page.
pub async fn milestone_page(
    db: &impl ConnectionTrait,
    today: Date,
    q: &MilestoneQuery,
    page: PageRequest,
) -> Result<Page<MilestoneListRow>, DbErr> {
    use sea_orm::FromQueryResult;
    let backend = db.get_database_backend();
    let mut count = Sql::new(backend);
    count.push("SELECT COUNT(*) AS n");
    push_milestone_where(&mut count, q, today);
    let total: i64 = match db.query_one_raw(count.statement()).await? {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    let total = u64::try_from(total).unwrap_or(0);
    let page = page.within(total);

    let mut sql = Sql::new(backend);
    sql.push(
        "SELECT m.*, o.ods_code AS list_ods_code, o.name AS list_name, \
         p.organisation_id AS list_organisation_id",
    );
    push_milestone_where(&mut sql, q, today);
    let ods = sql.text_order("o.ods_code");
    let reference = sql.text_order("m.reference");
    let tie = format!("{ods}, {reference}, m.id");
    let order = match q.order {
        MilestoneOrder::Participant => format!("{ods}, m.baseline_on, {reference}, m.id"),
        MilestoneOrder::Baseline => format!("m.baseline_on, {tie}"),
        MilestoneOrder::Forecast => {
            format!("CASE WHEN m.forecast_on IS NULL THEN 0 ELSE 1 END, m.forecast_on, {tie}")
        }
        MilestoneOrder::Slippage => format!("{} DESC, {tie}", slippage_sql(backend)),
    };
    sql.push(" ORDER BY ")
        .push(&order)
        .push(" LIMIT ")
        .bind(page.limit() as i64)
        .push(" OFFSET ")
        .bind(page.offset() as i64);
    let mut rows = Vec::new();
    for row in db.query_all_raw(sql.statement()).await? {
        rows.push(MilestoneListRow {
            milestone: e::milestone::Model::from_query_result(&row, "")?,
            ods_code: row
                .try_get::<Option<String>>("", "list_ods_code")?
                .unwrap_or_default(),
            name: row.try_get("", "list_name")?,
            organisation_id: row.try_get("", "list_organisation_id")?,
        });
    }
    Ok(Page::new(rows, total, page))
}

/// Participants as (ODS code, "Name (ODS)") for a filter's choices, by ODS
/// code: `None` when there are more than `limit` (a list too long to choose
/// from; the page asks for a code instead).
pub async fn participant_choices(
    db: &impl ConnectionTrait,
    organisation: Option<i32>,
    limit: u64,
) -> Result<Option<Vec<(String, String)>>, DbErr> {
    let backend = db.get_database_backend();
    let mut sql = Sql::new(backend);
    let ods = sql.text_order("o.ods_code");
    sql.push(
        "SELECT o.ods_code, o.name FROM participants p \
         JOIN organisations o ON o.id = p.organisation_id WHERE o.ods_code IS NOT NULL",
    );
    if let Some(org) = organisation {
        sql.push(" AND p.organisation_id = ").bind(org);
    }
    sql.push(&format!(" ORDER BY {ods} LIMIT "))
        .bind(limit as i64 + 1);
    let rows = db.query_all_raw(sql.statement()).await?;
    if rows.len() as u64 > limit {
        return Ok(None);
    }
    let mut out = Vec::new();
    for row in rows {
        let code: String = row.try_get("", "ods_code")?;
        let name: String = row.try_get("", "name")?;
        out.push((code.clone(), format!("{name} ({code})")));
    }
    Ok(Some(out))
}

/// Whether any organisation carries `gde generate`'s marker. Synthetic codes
/// start with `Z`, so the ODS code index finds them without a scan.
pub async fn has_synthetic(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT 1 AS found FROM organisations WHERE ods_code >= 'Z' AND ods_code < '[' \
         AND source = ",
    )
    .bind(crate::generate::SOURCE)
    .push(" LIMIT 1");
    Ok(db.query_one_raw(sql.statement()).await?.is_some())
}
