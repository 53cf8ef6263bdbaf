//! The API's reads: each calls the same service as the page, with the
//! token's user, and pages long lists.
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderValue;
use axum::response::Response;
use serde::Deserialize;
use time::Date;
use utoipa::IntoParams;

use super::model::*;
use super::problem::{ApiError, query};
use super::{BASE, Caller, json};
use crate::domain::api_page::PageRequest;
use crate::domain::as_at::parse_as_at;
use crate::domain::participant::{Role, Sector};
use crate::domain::programme::{Filter, ListRequest};
use crate::domain::region::RegionCode;
use crate::http::AppState;
use crate::services::milestones::{self, MilestoneFilterValues};
use crate::services::returns::{self, PeriodRef};
use crate::services::{programme, snapshot};

/// Today by the app's clock (`crate::clock`), as the pages count it.
pub(super) fn today() -> Date {
    crate::clock::today()
}

/// `page`, `per_page` and `as_at`, which every list takes.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ListParams {
    /// Which page, from 1.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000000)]
    pub page: Option<String>,
    /// Rows a page, 1–200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub per_page: Option<String>,
    /// `YYYY-MM-DD`, today or earlier (default today): the list as the records
    /// stood at the end of that day (UK time), filtered, then paged; the same
    /// scope as today (a trust reporter: their own organisation's rows). A day
    /// before the programme began answers an empty list; a later day than
    /// today is a 400 problem.
    #[param(value_type = Option<String>, format = Date)]
    pub as_at: Option<String>,
}

/// `as_at` on a read: none (or today) is `None`, read as things are now;
/// an earlier day is `Some(day)`, read as the records stood at the end of
/// it (UK time); a later day or a bad one is a 400 problem.
pub(super) fn as_at_day(as_at: Option<&str>) -> Result<Option<Date>, ApiError> {
    let today = today();
    let as_at = given("as_at", as_at)?;
    let day =
        parse_as_at(as_at, today).map_err(|e| ApiError::bad_request(format!("as_at: {e}")))?;
    Ok((day != today).then_some(day))
}

/// One page of `items`, with the `Link` header and `X-Total-Count`.
pub(super) fn paged<T, P: serde::Serialize>(
    items: Vec<T>,
    params: &ListParams,
    path: &str,
    raw: Option<&str>,
    wrap: impl FnOnce(Vec<T>, usize, PageRequest) -> P,
) -> Result<Response, ApiError> {
    let request = page_request(params)?;
    let total = items.len();
    let range = request.range(total);
    let rows: Vec<T> = items
        .into_iter()
        .skip(range.start)
        .take(range.len())
        .collect();
    Ok(page_response(rows, total, request, path, raw, wrap))
}

fn page_request(params: &ListParams) -> Result<PageRequest, ApiError> {
    PageRequest::parse(params.page.as_deref(), params.per_page.as_deref())
        .map_err(|(_, message)| ApiError::bad_request(message))
}

/// The same request as the pages' lists take, so the database returns only this page.
fn sql_page(request: PageRequest) -> crate::domain::pagination::PageRequest {
    crate::domain::pagination::PageRequest {
        page: request.page,
        size: request.per_page,
    }
}

/// One page the database already cut (`rows` of `total`), with its links.
fn page_response<T, P: serde::Serialize>(
    rows: Vec<T>,
    total: usize,
    request: PageRequest,
    path: &str,
    raw: Option<&str>,
    wrap: impl FnOnce(Vec<T>, usize, PageRequest) -> P,
) -> Response {
    let base: String = raw
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("page=") && !p.starts_with("per_page="))
        .collect::<Vec<_>>()
        .join("&");
    let mut response = json(&wrap(rows, total, request), None);
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request.links(&format!("{BASE}{path}"), &base, total)) {
        headers.insert(axum::http::header::LINK, v);
    }
    headers.insert("x-total-count", HeaderValue::from(total));
    response
}

macro_rules! wrap {
    ($page:ident) => {
        |items, total, r: PageRequest| $page {
            items,
            total,
            page: r.page,
            per_page: r.per_page,
        }
    };
}

/// The participants list's filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ParticipantFilter {
    /// A participant role code.
    #[param(inline, value_type = Option<RoleCode>)]
    pub role: Option<String>,
    /// A sector code.
    #[param(inline, value_type = Option<SectorCode>)]
    pub sector: Option<String>,
    /// An NHS region code, e.g. `Y56`.
    pub region: Option<String>,
}

/// A query parameter as given: absent is `None`; present but empty is a
/// 400 (leave a parameter out to mean "none").
pub(super) fn given<'a>(name: &str, v: Option<&'a str>) -> Result<Option<&'a str>, ApiError> {
    match v {
        Some(text) if text.trim().is_empty() => Err(ApiError::bad_request(format!(
            "{name} is empty; leave it out instead"
        ))),
        other => Ok(other),
    }
}

fn chosen<'a>(name: &str, v: &'a Option<String>) -> Result<Option<&'a str>, ApiError> {
    given(name, v.as_deref())
}

#[utoipa::path(get, path = "/api/v1/participants", tag = "participants",
    params(ListParams, ParticipantFilter),
    responses(
        (status = 200, description = "Participants this token may see (a trust reporter: their own), by name", body = ParticipantPage,
            headers(("Link" = String, description = "first, prev, next and last pages"), ("X-Total-Count" = i64))),
        (status = 400, description = "A bad query parameter", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests with this token this minute", body = crate::domain::problem::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = i64, description = "seconds"))),
    ),
    security(("bearer" = [])))]
pub async fn participants(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params: ListParams = query(raw.as_deref())?;
    let f: ParticipantFilter = query(raw.as_deref())?;
    let as_at = as_at_day(params.as_at.as_deref())?;
    let bad = |name: &str, e: String| ApiError::bad_request(format!("{name}: {e}"));
    let request = ListRequest {
        filter: Filter {
            role: chosen("role", &f.role)?
                .map(|v| Role::from_code(v).map_err(|e| bad("role", e.to_string())))
                .transpose()?,
            sector: chosen("sector", &f.sector)?
                .map(|v| Sector::from_code(v).map_err(|e| bad("sector", e.to_string())))
                .transpose()?,
            region: chosen("region", &f.region)?
                .map(|v| RegionCode::parse(v).map_err(|e| bad("region", e.to_string())))
                .transpose()?,
        },
        page: sql_page(page_request(&params)?),
        ..Default::default()
    };
    if let Some(day) = as_at {
        // Filtered as they stood then, by name, then paged.
        let rows =
            programme::participants_as_at(&state.db, &caller.by(), &request.filter, day).await?;
        let items: Vec<ParticipantOut> = rows.iter().map(ParticipantOut::from).collect();
        return paged(
            items,
            &params,
            "/participants",
            raw.as_deref(),
            wrap!(ParticipantPage),
        );
    }
    let page = programme::participants(&state.db, &caller.by(), &request, today()).await?;
    let items: Vec<ParticipantOut> = page.rows.iter().map(ParticipantOut::from).collect();
    Ok(page_response(
        items,
        usize::try_from(page.total).unwrap_or(usize::MAX),
        page_request(&params)?,
        "/participants",
        raw.as_deref(),
        wrap!(ParticipantPage),
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct AsAtParam {
    /// `YYYY-MM-DD`, today or earlier (default today): the record as it stood
    /// at the end of that day (UK time); 404 if it was not on record then. An
    /// earlier day answers without an `ETag` (a past version is not for
    /// writing); a later day than today is a 400 problem.
    #[param(value_type = Option<String>, format = Date)]
    pub as_at: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ReturnAsAtParam {
    /// `YYYY-MM-DD`, today or earlier (default today): the return as it stood
    /// at the end of that day (UK time) — its lines, risks and ratings then,
    /// or the blank the trust would have started from — without an `ETag`
    /// (a past version is not for writing). 404 if the period was not open
    /// or the trust not designated by then; a later day is a 400 problem.
    #[param(value_type = Option<String>, format = Date)]
    pub as_at: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/participants/{ods_code}", tag = "participants",
    params(("ods_code" = String, Path, description = "The trust's ODS code, e.g. RAL", example = "RAL"), AsAtParam),
    responses(
        (status = 200, description = "One participant; with an office token (now, not as_at), `ETag` is the version an edit sends", body = ParticipantDetailOut,
            headers(("ETag" = String, description = "the participant's version, quoted (office tokens only)"))),
        (status = 400, description = "A bad query parameter", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such participant, or another trust's (to a trust reporter)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn participant(
    State(state): State<AppState>,
    caller: Caller,
    Path(ods_code): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let p: AsAtParam = query(raw.as_deref())?;
    let as_at = as_at_day(p.as_at.as_deref())?;
    let (detail, _) = programme::participant(&state.db, caller.by(), &ods_code, today()).await?;
    match as_at {
        None => {
            // The version an edit sends back: for the office, who may edit.
            let office = caller.actor.role == crate::domain::access::UserRole::ProgrammeOffice;
            let version = if office {
                Some(super::office::participant_version(&state, &caller, &ods_code).await?)
            } else {
                None
            };
            Ok(json(&ParticipantDetailOut::from(&detail), version))
        }
        Some(day) => Ok(json(
            &participant_as_at(&state, &caller, detail, day).await?,
            None,
        )),
    }
}

/// One participant as it stood at the end of `day`: its record, money and
/// milestones then (not found if not yet designated). Partnerships are not
/// versioned: today's, as far as they had started by then.
async fn participant_as_at(
    state: &AppState,
    caller: &Caller,
    now: crate::domain::programme::ParticipantDetail,
    day: Date,
) -> Result<ParticipantDetailOut, ApiError> {
    let by = caller.by();
    let summary = programme::participants_as_at(&state.db, &by, &Filter::default(), day)
        .await?
        .into_iter()
        .find(|s| s.id == now.summary.id)
        .ok_or_else(ApiError::not_found)?;
    let (_, allocations) =
        programme::allocations_as_at(&state.db, &by, &summary.ods_code, day).await?;
    let mut filter = MilestoneFilterValues {
        participant: summary.ods_code.clone(),
        ..Default::default()
    }
    .parse()
    .map_err(ApiError::bad_request)?;
    filter.page = crate::domain::pagination::PageRequest {
        page: 1,
        size: u32::MAX,
    };
    let milestones = milestones::list_as_at(&state.db, &by, &filter, day).await?;
    let by_then = |a: &crate::domain::dates::ApproxDate| a.to_storage().0 <= day;
    Ok(ParticipantDetailOut {
        organisation: OrganisationOut {
            kind: "nhs_trust".to_owned(),
            name: summary.name.clone(),
            ods_code: Some(summary.ods_code.clone()),
            country_code: None,
            region: summary.region.as_ref().map(|r| r.as_str().to_owned()),
            closed_on: summary.closed_on.map(crate::http::api::model::day),
        },
        participant: ParticipantOut::from(&summary),
        accredited: now
            .accredited
            .as_ref()
            .filter(|a| by_then(a))
            .map(|a| a.to_string()),
        partnerships: now
            .partnerships
            .iter()
            .filter(|p| p.started.as_ref().is_none_or(by_then))
            .map(|p| PartnershipOut {
                partner_name: p.partner_name.clone(),
                country_code: p.country_code.clone(),
                role: p.role.code().to_owned(),
                started: p.started.as_ref().map(|a| a.to_string()),
                ended: p
                    .ended
                    .as_ref()
                    .filter(|a| by_then(a))
                    .map(|a| a.to_string()),
                confidence: p.confidence.code().to_owned(),
            })
            .collect(),
        allocations: allocations.iter().map(AllocationOut::from).collect(),
        milestones: milestones.rows.iter().map(MilestoneOut::from).collect(),
    })
}

/// A participant's allocations (with profiles and tranches) now, or as they
/// stood at the end of an earlier `as_at`; with its ODS code.
async fn allocations_of(
    state: &AppState,
    caller: &Caller,
    ods_code: &str,
    params: &ListParams,
) -> Result<(String, Vec<crate::domain::programme::AllocationView>), ApiError> {
    Ok(match as_at_day(params.as_at.as_deref())? {
        Some(day) => programme::allocations_as_at(&state.db, &caller.by(), ods_code, day).await?,
        None => {
            let (detail, _) =
                programme::participant(&state.db, caller.by(), ods_code, today()).await?;
            (detail.summary.ods_code, detail.allocations)
        }
    })
}

#[utoipa::path(get, path = "/api/v1/participants/{ods_code}/allocations", tag = "funding",
    params(("ods_code" = String, Path, description = "The trust's ODS code", example = "RAL"), ListParams),
    responses(
        (status = 200, description = "The participant's allocations, each with its financial-year profile and tranches", body = AllocationPage,
            headers(("Link" = String), ("X-Total-Count" = i64))),
        (status = 400, description = "A bad query parameter", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such participant, or another trust's", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn allocations(
    State(state): State<AppState>,
    caller: Caller,
    Path(ods_code): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params: ListParams = query(raw.as_deref())?;
    let (ods, allocations) = allocations_of(&state, &caller, &ods_code, &params).await?;
    let items: Vec<AllocationOut> = allocations.iter().map(AllocationOut::from).collect();
    let path = format!("/participants/{ods}/allocations");
    paged(items, &params, &path, raw.as_deref(), wrap!(AllocationPage))
}

#[utoipa::path(get, path = "/api/v1/participants/{ods_code}/tranches", tag = "funding",
    params(("ods_code" = String, Path, description = "The trust's ODS code", example = "RAL"), ListParams),
    responses(
        (status = 200, description = "The tranches of all the participant's allocations", body = TranchePage,
            headers(("Link" = String), ("X-Total-Count" = i64))),
        (status = 400, description = "A bad query parameter", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such participant, or another trust's", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn tranches(
    State(state): State<AppState>,
    caller: Caller,
    Path(ods_code): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params: ListParams = query(raw.as_deref())?;
    let (ods, allocations) = allocations_of(&state, &caller, &ods_code, &params).await?;
    let items: Vec<TrancheOut> = allocations
        .iter()
        .flat_map(|a| a.tranches.iter().map(|t| TrancheOut::from_view(t, a.id)))
        .collect();
    let path = format!("/participants/{ods}/tranches");
    paged(items, &params, &path, raw.as_deref(), wrap!(TranchePage))
}

#[utoipa::path(get, path = "/api/v1/participants/{ods_code}/returns", tag = "returns",
    params(("ods_code" = String, Path, description = "The trust's ODS code", example = "RAL"), ListParams),
    responses(
        (status = 200, description = "The trust's returns, one per period, newest period first", body = ReturnSummaryPage,
            headers(("Link" = String), ("X-Total-Count" = i64))),
        (status = 400, description = "A bad query parameter", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such participant, or another trust's", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn participant_returns(
    State(state): State<AppState>,
    caller: Caller,
    Path(ods_code): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params: ListParams = query(raw.as_deref())?;
    let (trust, rows) = match as_at_day(params.as_at.as_deref())? {
        None => returns::history(&state.db, &caller.by(), &ods_code, today()).await?,
        Some(day) => returns::history_as_at(&state.db, &caller.by(), &ods_code, day).await?,
    };
    let items: Vec<ReturnSummaryOut> = rows.iter().map(ReturnSummaryOut::from).collect();
    let path = format!("/participants/{}/returns", trust.ods_code);
    paged(
        items,
        &params,
        &path,
        raw.as_deref(),
        wrap!(ReturnSummaryPage),
    )
}

#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations",
    params(ListParams),
    responses(
        (status = 200, description = "Participating trusts (a trust reporter: their own) then partner organisations, each by name", body = OrganisationPage,
            headers(("Link" = String), ("X-Total-Count" = i64))),
        (status = 400, description = "A bad query parameter", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn organisations(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params: ListParams = query(raw.as_deref())?;
    let as_at = as_at_day(params.as_at.as_deref())?;
    let by = caller.by();
    // Trusts and partners are merged and sorted by name, so this list is cut here.
    let every_trust = ListRequest {
        page: crate::domain::pagination::PageRequest {
            page: 1,
            size: u32::MAX,
        },
        ..Default::default()
    };
    let (trusts, partners) = match as_at {
        None => (
            programme::participants(&state.db, &by, &every_trust, today())
                .await?
                .rows,
            programme::partners(&state.db, &by).await?,
        ),
        Some(day) => (
            programme::participants_as_at(&state.db, &by, &Filter::default(), day).await?,
            programme::partners_as_at(&state.db, &by, day).await?,
        ),
    };
    let mut items: Vec<OrganisationOut> = trusts
        .iter()
        .map(|s| OrganisationOut {
            kind: "nhs_trust".to_owned(),
            name: s.name.clone(),
            ods_code: Some(s.ods_code.clone()),
            country_code: Some("GB".to_owned()),
            region: s.region.as_ref().map(|r| r.as_str().to_owned()),
            closed_on: s.closed_on.map(day),
        })
        .collect();
    items.sort_by(|a, b| a.name.cmp(&b.name));
    let mut others: Vec<OrganisationOut> = partners
        .iter()
        .map(|p| OrganisationOut {
            kind: p.kind.code().to_owned(),
            name: p.name.clone(),
            ods_code: None,
            country_code: Some(p.country_code.clone()),
            region: None,
            closed_on: None,
        })
        .collect();
    others.sort_by(|a, b| a.name.cmp(&b.name));
    items.extend(others);
    paged(
        items,
        &params,
        "/organisations",
        raw.as_deref(),
        wrap!(OrganisationPage),
    )
}

#[utoipa::path(get, path = "/api/v1/partners", tag = "organisations",
    params(ListParams),
    responses(
        (status = 200, description = "Partner organisations and the participants each works with (a trust reporter sees only their own trust's links)", body = PartnerPage,
            headers(("Link" = String), ("X-Total-Count" = i64))),
        (status = 400, description = "A bad query parameter", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn partners(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params: ListParams = query(raw.as_deref())?;
    let partners = match as_at_day(params.as_at.as_deref())? {
        None => programme::partners(&state.db, &caller.by()).await?,
        Some(day) => programme::partners_as_at(&state.db, &caller.by(), day).await?,
    };
    let items: Vec<PartnerOut> = partners.iter().map(PartnerOut::from).collect();
    paged(
        items,
        &params,
        "/partners",
        raw.as_deref(),
        wrap!(PartnerPage),
    )
}

/// The milestones list's filters (as on the milestones page).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct MilestoneParams {
    /// A participant's ODS code.
    pub participant: Option<String>,
    /// A milestone status code.
    #[param(inline, value_type = Option<StatusCode>)]
    pub status: Option<String>,
    /// A milestone category code.
    #[param(inline, value_type = Option<CategoryCode>)]
    pub category: Option<String>,
    /// `yes` (or `true`, `1`, `on`): only overdue milestones.
    #[param(inline, value_type = Option<YesCode>)]
    pub overdue: Option<String>,
    /// Only milestones slipped by more than this many days.
    #[param(value_type = Option<i64>, minimum = 0)]
    pub slipped_over: Option<String>,
    /// How to sort: by participant (default), baseline, forecast or slippage.
    #[param(inline, value_type = Option<SortCode>)]
    pub sort: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/milestones", tag = "milestones",
    params(ListParams, MilestoneParams),
    responses(
        (status = 200, description = "Milestones this token may see, filtered and sorted as on the milestones page", body = MilestonePage,
            headers(("Link" = String), ("X-Total-Count" = i64))),
        (status = 400, description = "A bad query parameter", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn milestones(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params: ListParams = query(raw.as_deref())?;
    let as_at = as_at_day(params.as_at.as_deref())?;
    let m: MilestoneParams = query(raw.as_deref())?;
    for (name, v) in [
        ("participant", &m.participant),
        ("status", &m.status),
        ("category", &m.category),
        ("overdue", &m.overdue),
        ("slipped_over", &m.slipped_over),
        ("sort", &m.sort),
    ] {
        chosen(name, v)?;
    }
    let values = MilestoneFilterValues {
        participant: m.participant.unwrap_or_default(),
        status: m.status.unwrap_or_default(),
        category: m.category.unwrap_or_default(),
        overdue: m.overdue.unwrap_or_default(),
        slipped_over: m.slipped_over.unwrap_or_default(),
        sort: m.sort.unwrap_or_default(),
        ..Default::default()
    };
    let mut filter = values.parse().map_err(ApiError::bad_request)?;
    let request = page_request(&params)?;
    filter.page = sql_page(request);
    let page = match as_at {
        None => {
            milestones::list(&state.db, &caller.by(), &filter, today())
                .await?
                .page
        }
        Some(day) => milestones::list_as_at(&state.db, &caller.by(), &filter, day).await?,
    };
    let items: Vec<MilestoneOut> = page.rows.iter().map(MilestoneOut::from).collect();
    Ok(page_response(
        items,
        usize::try_from(page.total).unwrap_or(usize::MAX),
        request,
        "/milestones",
        raw.as_deref(),
        wrap!(MilestonePage),
    ))
}

/// A record id in a path: a whole number, or not found.
pub(super) fn id_of(text: &str) -> Result<i32, ApiError> {
    text.trim()
        .parse::<i32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(ApiError::not_found)
}

#[utoipa::path(get, path = "/api/v1/milestones/{id}", tag = "milestones",
    params(("id" = i32, Path, description = "The milestone's id"), AsAtParam),
    responses(
        (status = 200, description = "One milestone; `ETag` is its version", body = MilestoneDetailOut,
            headers(("ETag" = String, description = "the version, quoted"))),
        (status = 400, description = "A bad query parameter", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such milestone, or another trust's", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn milestone(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let p: AsAtParam = query(raw.as_deref())?;
    let as_at = as_at_day(p.as_at.as_deref())?;
    let id = id_of(&id)?;
    if let Some(day) = as_at {
        // As it stood then: no ETag (a past version cannot be written to).
        let (row, version, signed_off_on) =
            milestones::detail_as_at(&state.db, &caller.by(), id, day).await?;
        return Ok(json(
            &MilestoneDetailOut {
                milestone: MilestoneOut::from(&row),
                version,
                signed_off_on: signed_off_on.map(crate::http::api::model::day),
                pending_baseline_change: None,
            },
            None,
        ));
    }
    let detail = milestones::detail(&state.db, &caller.by(), id, today()).await?;
    Ok(json(
        &MilestoneDetailOut::from(&detail),
        Some(detail.version),
    ))
}

#[utoipa::path(get, path = "/api/v1/periods", tag = "returns",
    params(ListParams),
    responses(
        (status = 200, description = "Reporting periods, latest first (the programme office; a trust sees its periods in its returns list)", body = PeriodPage,
            headers(("Link" = String), ("X-Total-Count" = i64))),
        (status = 400, description = "A bad query parameter", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the programme office", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn periods(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params: ListParams = query(raw.as_deref())?;
    let periods = match as_at_day(params.as_at.as_deref())? {
        None => returns::list_periods(&state.db, &caller.by()).await?,
        Some(day) => returns::list_periods_as_at(&state.db, &caller.by(), day).await?,
    };
    let items: Vec<PeriodOut> = periods.iter().map(PeriodOut::from).collect();
    paged(
        items,
        &params,
        "/periods",
        raw.as_deref(),
        wrap!(PeriodPage),
    )
}

#[utoipa::path(get, path = "/api/v1/returns/{period}/{ods_code}", tag = "returns",
    params(("period" = String, Path, description = "The period's slug, e.g. 2020-21-q3", example = "2020-21-q4"),
           ("ods_code" = String, Path, description = "The trust's ODS code", example = "RAL"), ReturnAsAtParam),
    responses(
        (status = 200, description = "One return (or the blank a trust starts from: status null, version 0); `ETag` is its version (none for an earlier as_at)", body = ReturnOut,
            headers(("ETag" = String, description = "the version, quoted"))),
        (status = 400, description = "A bad query parameter", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such period or trust, or another trust's return; or, as_at, a period not yet open or a trust not yet designated then", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn one_return(
    State(state): State<AppState>,
    caller: Caller,
    Path((period, ods_code)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let p: ReturnAsAtParam = query(raw.as_deref())?;
    if let Some(day) = as_at_day(p.as_at.as_deref())? {
        let then = returns::load_as_at(
            &state.db,
            &caller.by(),
            &PeriodRef::parse(&period),
            &ods_code,
            state.config.rating_scale,
            day,
        )
        .await?;
        // A past version is not for writing: no ETag.
        return Ok(json(&ReturnOut::from(&then), None));
    }
    let data = returns::load(
        &state.db,
        &caller.by(),
        &PeriodRef::parse(&period),
        &ods_code,
        state.config.rating_scale,
    )
    .await?;
    Ok(json(&ReturnOut::from(&data), Some(data.version)))
}

#[utoipa::path(get, path = "/api/v1/snapshot", tag = "figures",
    params(AsAtParamSnapshot),
    responses(
        (status = 200, description = "The programme's records as they stood at the end of as_at (UK time)", body = SnapshotOut),
        (status = 400, description = "A bad or future as_at", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "A trust reporter (programme-wide figures are for the office and briefing readers)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn snapshot(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let p: AsAtParamSnapshot = query(raw.as_deref())?;
    let day = parse_as_at(given("as_at", p.as_at.as_deref())?, today())
        .map_err(|e| ApiError::bad_request(format!("as_at: {e}")))?;
    let s = snapshot::as_at(&state.db, &caller.by(), day).await?;
    Ok(json(&SnapshotOut::from(&s), None))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct AsAtParamSnapshot {
    /// `YYYY-MM-DD`, today or earlier (default today): the end of that day, UK time.
    #[param(value_type = Option<String>, format = Date)]
    pub as_at: Option<String>,
}

/// Participant role codes.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum RoleCode {
    GlobalDigitalExemplar,
    FastFollower,
}

/// Sector codes.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum SectorCode {
    Acute,
    MentalHealth,
    Community,
    Ambulance,
}

/// Milestone status codes.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum StatusCode {
    NotStarted,
    InProgress,
    AtRisk,
    Complete,
    Cancelled,
}

/// Milestone category codes.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum CategoryCode {
    EprGoLive,
    HimssEmramValidation,
    BlueprintPublished,
    FastFollowerGoLive,
    Infrastructure,
    Other,
}

/// Yes.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub enum YesCode {
    #[schema(rename = "yes")]
    Yes,
    #[schema(rename = "true")]
    True,
    #[schema(rename = "1")]
    One,
    #[schema(rename = "on")]
    On,
}

/// Milestone list orders.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum SortCode {
    Participant,
    Baseline,
    Forecast,
    Slippage,
}
