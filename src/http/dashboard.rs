//! The dashboard, the briefing page and chart downloads at stable URLs.
//! Charts are drawn off the async runtime and carry an ETag computed from
//! their data, so an unchanged chart is not redrawn.
use std::hash::{Hash, Hasher};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::Markup;
use time::Date;

use super::{AppError, AppState, Ctx};
use crate::reports::briefing::{self, HEIGHT, WIDTH};
use crate::reports::catalogue::{ChartData, ChartKind};
use crate::services::dashboard::{self, DashboardQuery, DashboardRequest};

fn today() -> Date {
    crate::clock::now().date()
}

async fn pack(
    state: &AppState,
    ctx: &Ctx,
    request: &DashboardRequest,
) -> Result<briefing::Pack, AppError> {
    let s = dashboard::snapshot(&state.db, &ctx.by()?, request).await?;
    tokio::task::spawn_blocking(move || briefing::assemble(&s))
        .await
        .map_err(|_| AppError::Internal)?
        .map_err(|e| {
            tracing::error!(error = %e, "chart drawing failed");
            AppError::Internal
        })
}

pub async fn dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<DashboardQuery>, QueryRejection>,
) -> Result<Markup, AppError> {
    let Query(query) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let request = query.parse(today()).map_err(AppError::BadRequest)?;
    let pack = pack(&state, &ctx, &request).await?;
    let qs = query.query_string();
    Ok(crate::views::dashboard::dashboard(
        &ctx.chrome,
        &query,
        &request,
        &pack,
        &qs,
    ))
}

pub async fn briefing_page(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<DashboardQuery>, QueryRejection>,
) -> Result<Markup, AppError> {
    let Query(query) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let request = query.parse(today()).map_err(AppError::BadRequest)?;
    let pack = pack(&state, &ctx, &request).await?;
    Ok(crate::views::dashboard::briefing(
        &ctx.chrome,
        &pack,
        &query.query_string(),
    ))
}

pub async fn chart(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
    headers: HeaderMap,
    query: Result<Query<DashboardQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(query) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let request = query.parse(today()).map_err(AppError::BadRequest)?;
    let (slug, ext) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let kind = ChartKind::from_slug(slug).ok_or(AppError::NotFound)?;
    if !matches!(ext, "svg" | "png" | "csv") {
        return Err(AppError::NotFound);
    }
    let s = dashboard::snapshot(&state.db, &ctx.by()?, &request).await?;
    let data = ChartData::of(kind, &s);
    let subtitle = format!(
        "As at {}. Figures computed from GDE Tracker records.",
        crate::domain::dates::display_date(request.as_at)
    );
    // The data and the drawing options decide the bytes, so they decide the tag.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (
        data.csv(),
        &subtitle,
        ext,
        WIDTH,
        HEIGHT,
        env!("CARGO_PKG_VERSION"),
    )
        .hash(&mut hasher);
    let etag = format!("\"{:016x}\"", hasher.finish());
    let etag_value = HeaderValue::from_str(&etag).map_err(|_| AppError::Internal)?;
    let cache = HeaderValue::from_static("private, no-cache");
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag_value), (header::CACHE_CONTROL, cache)],
        )
            .into_response());
    }
    let disposition = HeaderValue::from_str(&format!(
        "inline; filename=\"{slug}-{}.{ext}\"",
        request.as_at
    ))
    .map_err(|_| AppError::Internal)?;
    let (content_type, body): (&'static str, Vec<u8>) = match ext {
        "csv" => ("text/csv; charset=utf-8", data.csv().into_bytes()),
        "svg" => {
            let options = data.options(WIDTH, HEIGHT, &subtitle);
            let svg = tokio::task::spawn_blocking(move || data.svg(&options))
                .await
                .map_err(|_| AppError::Internal)?
                .map_err(|_| AppError::Internal)?;
            ("image/svg+xml", svg.into_bytes())
        }
        _ => {
            let options = data.options(WIDTH, HEIGHT, &subtitle);
            let png = tokio::task::spawn_blocking(move || data.png(&options))
                .await
                .map_err(|_| AppError::Internal)?
                .map_err(|_| AppError::Internal)?;
            ("image/png", png)
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::ETAG, etag_value),
            (header::CACHE_CONTROL, cache),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}
