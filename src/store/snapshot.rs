//! Reads the programme as it stood at a date: for each versioned table, the
//! version of each row that was current at the end of that date (UK time),
//! from the current rows and their history (`store::history`), with plain
//! indexed SQL: `recorded_from <= T` over the current table, `recorded_to >
//! T AND recorded_from <= T` over its history, instants compared as
//! integers (unix microseconds). Of those, only what had happened by the
//! date counts (designations, awards, releases, completions, periods ended,
//! assessments made), and each return is in the state it was in then.
//! Whatever is edited, corrected, approved or opened later, the same date
//! gives the same figures.
use std::collections::{HashMap, HashSet};

use futures_util::StreamExt;
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable,
    Statement, StreamTrait,
};
use time::{Date, OffsetDateTime};

use super::decode;
use super::history::as_at_sql;
use crate::clock::to_micros;
use crate::domain::funding::{CapTable, FundingCap};
use crate::domain::money::Pence;
use crate::domain::participant::{Role, Sector};
use crate::domain::period_states::{ReturnInstants, status_at};
use crate::domain::region::RegionCode;
use crate::domain::reporting::ReturnStatus;
use crate::domain::snapshot::{
    AllocationAt, MilestoneAt, ParticipantAt, PeriodAt, ReturnAt, Snapshot, TrancheAt, end_of,
};

/// The statement selecting the versions of `table`'s `columns` current at
/// unix microsecond `at`.
fn statement_at(backend: DbBackend, table: &str, columns: &str, at: i64) -> Statement {
    let placeholder = match backend {
        DbBackend::Postgres => "$1",
        _ => "?1",
    };
    let sql = as_at_sql(backend, table, columns).replace('?', placeholder);
    Statement::from_sql_and_values(backend, sql, [at.into()])
}

/// The versions of `table`'s `columns` current at unix microsecond `at`.
async fn rows_at<T: FromQueryResult>(
    db: &impl ConnectionTrait,
    table: &str,
    columns: &str,
    at: i64,
) -> Result<Vec<T>, DbErr> {
    let statement = statement_at(db.get_database_backend(), table, columns, at);
    T::find_by_statement(statement).all(db).await
}

/// The same rows, each handed to `keep` as it arrives: the driver's copy
/// of a row is dropped before the next is read, so a large table costs
/// what `keep` keeps of it, not every row twice over.
async fn each_at<T, C>(
    db: &C,
    table: &str,
    columns: &str,
    at: i64,
    mut keep: impl FnMut(T) -> Result<(), DbErr>,
) -> Result<(), DbErr>
where
    T: FromQueryResult + Send,
    C: ConnectionTrait + StreamTrait,
{
    let backend = ConnectionTrait::get_database_backend(db);
    let statement = statement_at(backend, table, columns, at);
    let mut rows = T::find_by_statement(statement).stream(db).await?;
    while let Some(row) = rows.next().await {
        keep(row?)?;
    }
    Ok(())
}

/// Every row of a versioned entity's table as it stood at the end of
/// `as_at` (UK time), whole: the same indexed as-at SQL as the snapshot,
/// for reads that need columns the snapshot does not carry.
pub async fn models_at<E>(db: &impl ConnectionTrait, as_at: Date) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: FromQueryResult,
{
    let columns: Vec<String> = E::Column::iter()
        .map(|c| format!("\"{}\"", c.as_str()))
        .collect();
    rows_at::<E::Model>(
        db,
        E::default().table_name(),
        &columns.join(", "),
        to_micros(end_of(as_at)),
    )
    .await
}

#[derive(FromQueryResult)]
struct OrganisationRow {
    id: i32,
    ods_code: Option<String>,
    name: String,
    region_code: Option<String>,
}

#[derive(FromQueryResult)]
struct ParticipantRow {
    id: i32,
    organisation_id: i32,
    role: String,
    sector: String,
    designated_on: Date,
}

#[derive(FromQueryResult)]
struct MilestoneRow {
    id: i32,
    participant_id: i32,
    reference: String,
    title: String,
    category: String,
    baseline_on: Date,
    forecast_on: Option<Date>,
    actual_on: Option<Date>,
    status: String,
    illustrative: bool,
    version: i32,
    signed_off_on: Option<Date>,
}

#[derive(FromQueryResult)]
struct AllocationRow {
    id: i32,
    version: i32,
    participant_id: i32,
    reference: String,
    central_pence: i64,
    local_match_pence: i64,
    awarded_on: Date,
    illustrative: bool,
}

#[derive(FromQueryResult)]
struct ProfileRow {
    allocation_id: i32,
    financial_year: i32,
    amount_pence: i64,
}

#[derive(FromQueryResult)]
struct TrancheRow {
    id: i32,
    version: i32,
    allocation_id: i32,
    name: String,
    kind: String,
    milestone_id: Option<i32>,
    amount_pence: i64,
    released_on: Option<Date>,
    illustrative: bool,
}

#[derive(FromQueryResult)]
struct PeriodRow {
    id: i32,
    label: String,
    ends_on: Date,
    due_on: Date,
}

#[derive(FromQueryResult)]
struct ReturnRow {
    id: i32,
    period_id: i32,
    participant_id: i32,
    status: String,
    spend_to_date_pence: Option<i64>,
    self_rating: Option<String>,
    office_rating: Option<String>,
    submitted_at: Option<OffsetDateTime>,
    approved_at: Option<OffsetDateTime>,
    illustrative: bool,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

#[derive(FromQueryResult)]
struct AssessmentRow {
    participant_id: i32,
    scale: String,
    score: i32,
    assessed_on: Date,
    illustrative: bool,
}

#[derive(FromQueryResult)]
struct CapRow {
    role: String,
    sector: String,
    cap_pence: i64,
}

/// A return row as it stood at `cutoff`, with its id (for ordering); `None`
/// if it did not exist yet.
fn return_then(r: ReturnRow, cutoff: OffsetDateTime) -> Result<Option<(i32, ReturnAt)>, DbErr> {
    let instants = ReturnInstants {
        status: decode("return status", ReturnStatus::from_code(&r.status))?,
        created_at: r.created_at,
        updated_at: r.updated_at,
        submitted_at: r.submitted_at,
        approved_at: r.approved_at,
    };
    let Some(status) = status_at(&instants, cutoff) else {
        return Ok(None);
    };
    let submitted = matches!(
        status,
        ReturnStatus::Submitted | ReturnStatus::Approved | ReturnStatus::Returned
    );
    Ok(Some((
        r.id,
        ReturnAt {
            period_id: r.period_id,
            participant_id: r.participant_id,
            status,
            // What the trust wrote counts once submitted.
            self_rating: if submitted { r.self_rating } else { None },
            office_rating: if status == ReturnStatus::Approved {
                r.office_rating
            } else {
                None
            },
            spend: if submitted {
                r.spend_to_date_pence
            } else {
                None
            },
            illustrative: r.illustrative,
        },
    )))
}

/// Run it inside one transaction, so every table is read at the same moment.
pub async fn build<C>(db: &C, as_at: Date) -> Result<Snapshot, DbErr>
where
    C: ConnectionTrait + StreamTrait,
{
    let cutoff = end_of(as_at);
    let at = to_micros(cutoff);

    let orgs: HashMap<i32, OrganisationRow> =
        rows_at::<OrganisationRow>(db, "organisations", "id, ods_code, name, region_code", at)
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect();

    // Participants designated by the date, as recorded then.
    let mut participants = Vec::new();
    for p in rows_at::<ParticipantRow>(
        db,
        "participants",
        "id, organisation_id, role, sector, designated_on",
        at,
    )
    .await?
    {
        if p.designated_on > as_at {
            continue;
        }
        let Some(org) = orgs.get(&p.organisation_id) else {
            continue;
        };
        participants.push(ParticipantAt {
            id: p.id,
            organisation_id: org.id,
            ods_code: org.ods_code.clone().unwrap_or_default(),
            name: org.name.clone(),
            role: decode("role", Role::from_code(&p.role))?,
            sector: decode("sector", Sector::from_code(&p.sector))?,
            region: org
                .region_code
                .as_deref()
                .and_then(|r| RegionCode::parse(r).ok()),
        });
    }
    participants.sort_by(|a, b| a.ods_code.cmp(&b.ods_code));
    let included: HashSet<i32> = participants.iter().map(|p| p.id).collect();

    // Milestones as recorded then; a completion dated after the date had
    // not happened yet.
    let mut milestones: Vec<MilestoneAt> = Vec::new();
    each_at(
        db,
        "milestones",
        "id, participant_id, reference, title, category, baseline_on, forecast_on, actual_on, status, \
         illustrative, version, signed_off_on",
        at,
        |m: MilestoneRow| {
            if !included.contains(&m.participant_id) {
                return Ok(());
            }
            let mut m = MilestoneAt {
                id: m.id,
                participant_id: m.participant_id,
                reference: m.reference,
                title: m.title,
                category: m.category,
                baseline_on: m.baseline_on,
                forecast_on: m.forecast_on,
                actual_on: m.actual_on,
                status: m.status,
                illustrative: m.illustrative,
                version: m.version,
                signed_off_on: m.signed_off_on.filter(|d| *d <= as_at),
            };
            if m.actual_on.is_some_and(|a| a > as_at) {
                m.actual_on = None;
                if m.status == "complete" {
                    m.status = "in_progress".into();
                }
            }
            milestones.push(m);
            Ok(())
        },
    )
    .await?;
    milestones.sort_by_key(|m| m.id);
    milestones.shrink_to_fit();

    // Allocations awarded by the date, with their profiles as recorded then.
    let mut profiles: HashMap<i32, Vec<(i32, i64)>> = HashMap::new();
    each_at(
        db,
        "allocation_profiles",
        "allocation_id, financial_year, amount_pence",
        at,
        |p: ProfileRow| {
            profiles
                .entry(p.allocation_id)
                .or_default()
                .push((p.financial_year, p.amount_pence));
            Ok(())
        },
    )
    .await?;
    let mut allocations: Vec<AllocationAt> = Vec::new();
    each_at(
        db,
        "allocations",
        "id, version, participant_id, reference, central_pence, local_match_pence, awarded_on, illustrative",
        at,
        |a: AllocationRow| {
            if a.awarded_on > as_at || !included.contains(&a.participant_id) {
                return Ok(());
            }
            let mut profile = profiles.remove(&a.id).unwrap_or_default();
            profile.sort();
            allocations.push(AllocationAt {
                id: a.id,
                version: a.version,
                participant_id: a.participant_id,
                reference: a.reference,
                awarded_on: a.awarded_on,
                central: a.central_pence,
                local_match: a.local_match_pence,
                profile,
                illustrative: a.illustrative,
            });
            Ok(())
        },
    )
    .await?;
    drop(profiles);
    allocations.sort_by_key(|a| a.id);
    let kept: HashSet<i32> = allocations.iter().map(|a| a.id).collect();

    // Tranches, released only if recorded as released by then, on a date by then.
    let mut tranches: Vec<TrancheAt> = Vec::new();
    each_at(
        db,
        "tranches",
        "id, version, allocation_id, name, kind, milestone_id, amount_pence, released_on, \
         illustrative",
        at,
        |t: TrancheRow| {
            if kept.contains(&t.allocation_id) {
                tranches.push(TrancheAt {
                    id: t.id,
                    version: t.version,
                    allocation_id: t.allocation_id,
                    name: t.name,
                    kind: t.kind,
                    milestone_id: t.milestone_id,
                    amount: t.amount_pence,
                    released_on: t.released_on.filter(|d| *d <= as_at),
                    illustrative: t.illustrative,
                });
            }
            Ok(())
        },
    )
    .await?;
    tranches.sort_by_key(|t| t.id);

    // Periods on record then and ended by the date.
    let mut periods: Vec<PeriodAt> =
        rows_at::<PeriodRow>(db, "reporting_periods", "id, label, ends_on, due_on", at)
            .await?
            .into_iter()
            .filter(|p| p.ends_on <= as_at)
            .map(|p| PeriodAt {
                id: p.id,
                label: p.label,
                ends_on: p.ends_on,
                due_on: p.due_on,
            })
            .collect();
    periods.sort_by_key(|p| (p.ends_on, p.id));
    let period_ids: HashSet<i32> = periods.iter().map(|p| p.id).collect();

    // Every return as it stood at the end of the date (the version then,
    // read through `domain::period_states` for rows kept from before
    // history was recorded).
    let mut returns: Vec<(i32, ReturnAt)> = Vec::new();
    each_at(
        db,
        "returns",
        "id, period_id, participant_id, status, spend_to_date_pence, self_rating, office_rating, \
         submitted_at, approved_at, illustrative, created_at, updated_at",
        at,
        |r: ReturnRow| {
            if !period_ids.contains(&r.period_id) || !included.contains(&r.participant_id) {
                return Ok(());
            }
            if let Some(then) = return_then(r, cutoff)? {
                returns.push(then);
            }
            Ok(())
        },
    )
    .await?;
    returns.sort_by_key(|(id, _)| *id);
    let returns: Vec<ReturnAt> = returns.into_iter().map(|(_, r)| r).collect();

    // Latest HIMSS EMRAM stage assessed by the date.
    let mut emram: HashMap<i32, (Date, u8, bool)> = HashMap::new();
    let mut assessments = rows_at::<AssessmentRow>(
        db,
        "maturity_assessments",
        "participant_id, scale, score, assessed_on, illustrative",
        at,
    )
    .await?;
    assessments.sort_by_key(|m| (m.participant_id, m.assessed_on));
    for m in assessments {
        if m.scale != "himss_emram" || m.assessed_on > as_at {
            continue;
        }
        let stage = u8::try_from(m.score).unwrap_or(0);
        emram.insert(m.participant_id, (m.assessed_on, stage, m.illustrative));
    }

    // The caps as recorded then.
    let mut caps = Vec::new();
    for row in rows_at::<CapRow>(db, "funding_caps", "role, sector, cap_pence", at).await? {
        caps.push(FundingCap {
            role: decode("role", Role::from_code(&row.role))?,
            sector: decode("sector", Sector::from_code(&row.sector))?,
            cap: decode("cap", Pence::new(row.cap_pence))?,
        });
    }
    let cap_table = decode("cap table", CapTable::new(caps))?;
    let caps = participants
        .iter()
        .map(|p| {
            (
                p.id,
                cap_table
                    .cap_for(p.role, p.sector)
                    .map(|c| c.value())
                    .unwrap_or(0),
            )
        })
        .collect();

    Ok(Snapshot {
        as_at,
        participants,
        milestones,
        allocations,
        tranches,
        periods,
        returns,
        emram_illustrative: emram
            .iter()
            .filter(|(_, (_, _, illustrative))| *illustrative)
            .map(|(k, _)| *k)
            .collect(),
        emram: emram.into_iter().map(|(k, (_, s, _))| (k, s)).collect(),
        caps,
    })
}
