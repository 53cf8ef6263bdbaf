//! The dashboard, the briefing page and chart downloads at stable URLs.
//! Their figures and charts come from the per-version cache
//! (`figures_cache`): computed once for each view of each version of the
//! data, drawn off the async runtime, and each chart carries an ETag
//! computed from its data, so an unchanged chart is neither redrawn nor resent.
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::Markup;
use time::Date;

use super::figures_cache::{Figures, FiguresKey};
use super::{AppError, AppState, Ctx};
use crate::reports::briefing;
use crate::reports::catalogue::ChartKind;
use crate::services::dashboard::{self, DashboardQuery, DashboardRequest};

fn today() -> Date {
    crate::clock::now().date()
}

/// The figures for this request's view of the data as it is now.
async fn figures(
    state: &AppState,
    ctx: &Ctx,
    request: &DashboardRequest,
) -> Result<Arc<Figures>, AppError> {
    let by = ctx.by()?;
    let version = crate::services::snapshot::figures_version(&state.db, &by).await?;
    let key = FiguresKey {
        filter: request.filter.clone(),
        as_at: request.as_at,
    };
    state
        .caches
        .figures
        .get_or_compute(version, &key, || async {
            let s = dashboard::snapshot(&state.db, &by, request).await?;
            let pack = tokio::task::spawn_blocking(move || briefing::assemble(&s))
                .await
                .map_err(|_| AppError::Internal)?
                .map_err(|e| {
                    tracing::error!(error = %e, "chart drawing failed");
                    AppError::Internal
                })?;
            Ok(Figures::new(pack))
        })
        .await
}

pub async fn dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<DashboardQuery>, QueryRejection>,
) -> Result<Markup, AppError> {
    let Query(query) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let request = query.parse(today()).map_err(AppError::BadRequest)?;
    let figures = figures(&state, &ctx, &request).await?;
    let qs = query.query_string();
    let body = figures.rendered(&qs, || {
        crate::views::dashboard::briefing_body(&figures.pack, &qs)
    });
    Ok(crate::views::dashboard::dashboard(
        &ctx.chrome,
        &query,
        &request,
        &body,
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
    let figures = figures(&state, &ctx, &request).await?;
    let qs = query.query_string();
    let body = figures.rendered(&qs, || {
        crate::views::dashboard::briefing_body(&figures.pack, &qs)
    });
    Ok(crate::views::dashboard::briefing(
        &ctx.chrome,
        figures.pack.as_at,
        &body,
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
    let figures = figures(&state, &ctx, &request).await?;
    let files = figures.files(kind).ok_or(AppError::NotFound)?;
    // The data and the drawing options decide the bytes, so they decide the
    // tag; the file type tells the three files apart.
    let etag = format!("\"{}-{ext}\"", files.etag);
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
        "csv" => ("text/csv; charset=utf-8", files.csv.clone().into_bytes()),
        "svg" => (
            "image/svg+xml",
            figures
                .svg(kind)
                .ok_or(AppError::NotFound)?
                .as_bytes()
                .to_vec(),
        ),
        _ => {
            let png = figures.png(kind).await.map_err(|e| {
                tracing::error!(error = %e, "chart drawing failed");
                AppError::Internal
            })?;
            ("image/png", png.to_vec())
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
