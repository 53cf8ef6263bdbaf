//! Read-only pages. Handlers extract, convert once into domain types, call
//! one service with the acting user, and render.
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::Markup;
use serde::Deserialize;
use time::Date;

use super::{AppError, AppState, Ctx};
use crate::domain::ods::OdsCode;
use crate::domain::pagination::PageRequest;
use crate::domain::programme::{Filter, ListRequest, SortKey};
use crate::domain::table_sort::SortOrder;
use crate::services::programme as service;
use crate::views;
use crate::views::overview::OverviewSort;

fn today() -> Date {
    crate::clock::now().date()
}

/// The overview's query string: how each of its two tables is sorted.
#[derive(Debug, Default, Deserialize)]
pub struct OverviewQuery {
    sort: Option<String>,
    dir: Option<String>,
    ff_sort: Option<String>,
    ff_dir: Option<String>,
}

impl OverviewQuery {
    fn into_sort(self) -> Result<OverviewSort, String> {
        let default = OverviewSort::default();
        Ok(OverviewSort {
            exemplars: SortOrder::parse(
                self.sort.as_deref(),
                self.dir.as_deref(),
                default.exemplars.key,
            )?,
            followers: SortOrder::parse(
                self.ff_sort.as_deref(),
                self.ff_dir.as_deref(),
                default.followers.key,
            )
            .map_err(|e| format!("ff_{e}"))?,
        })
    }
}

pub async fn overview(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<OverviewQuery>, QueryRejection>,
) -> Result<Markup, AppError> {
    let Query(query) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let sort = query.into_sort().map_err(AppError::BadRequest)?;
    let today = today();
    let by = ctx.by()?;
    let data = state
        .cached(
            &state.caches.overview,
            &by,
            today,
            (sort.exemplars, sort.followers),
            || service::overview(&state.db, &by, today, sort.exemplars, sort.followers),
        )
        .await?;
    Ok(views::overview::page(&ctx.chrome, &data, today, sort))
}

/// The participants list's query string, as typed; converted once below.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    role: Option<String>,
    sector: Option<String>,
    region: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    page: Option<String>,
    size: Option<String>,
}

impl ListQuery {
    fn into_request(self) -> Result<ListRequest, String> {
        let page = PageRequest::parse(self.page.as_deref(), self.size.as_deref())?;
        let chosen = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        let filter = Filter::parse(
            self.role.as_deref().unwrap_or_default(),
            self.sector.as_deref().unwrap_or_default(),
            self.region.as_deref().unwrap_or_default(),
        )
        .map_err(|e| e.to_string())?;
        let sort = chosen(self.sort)
            .map(|v| SortKey::from_code(&v))
            .transpose()?
            .unwrap_or_default();
        let descending = match chosen(self.dir).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(format!(
                    "dir: {other:?} is not a sort direction; use asc or desc"
                ));
            }
        };
        Ok(ListRequest {
            filter,
            sort,
            descending,
            page,
        })
    }
}

pub async fn participants(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Markup, AppError> {
    let Query(query) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let request = query.into_request().map_err(AppError::BadRequest)?;
    let (by, today) = (ctx.by()?, today());
    let page = state
        .cached(
            &state.caches.participants,
            &by,
            today,
            request.clone(),
            || service::participants(&state.db, &by, &request, today),
        )
        .await?;
    Ok(views::participants::list_page(&ctx.chrome, &page, &request))
}

pub async fn participant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(ods_code): Path<String>,
) -> Result<Markup, AppError> {
    // A malformed code cannot name a participant: that is "not found", not an error.
    let ods_code = OdsCode::parse(&ods_code).map_err(|_| AppError::NotFound)?;
    let today = today();
    let by = ctx.by()?;
    let code = ods_code.as_str().to_owned();
    let answer = state
        .cached(&state.caches.participant, &by, today, code, || {
            service::participant(&state.db, &by, ods_code.as_str(), today)
        })
        .await?;
    let (detail, history) = &*answer;
    Ok(views::participant::page(
        &ctx.chrome,
        detail,
        history,
        today,
        &[],
    ))
}

pub async fn partners(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    let partners = service::partners(&state.db, &ctx.by()?).await?;
    Ok(views::partners::page(&ctx.chrome, &partners))
}

pub async fn healthz(State(state): State<AppState>) -> Response {
    if crate::db::ping(&state.db).await {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
    }
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}
