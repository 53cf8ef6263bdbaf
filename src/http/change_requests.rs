//! The change-request queue and its decisions.
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::Markup;

use super::respond::{id, respond};
use super::{AppError, AppState, Ctx};
use crate::services::change_requests::{self as service, DecisionForm};
use crate::services::{FieldError, ServiceError, funding, milestones};
use crate::views::change_requests as view;

async fn render(state: &AppState, ctx: &Ctx, errors: &[FieldError]) -> Result<Markup, AppError> {
    let queue = service::queue(&state.db, &ctx.by()?).await?;
    Ok(view::page_view(
        &ctx.chrome,
        &queue.baseline,
        &queue.allocation,
        errors,
        true,
    ))
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    render(&state, &ctx, &[]).await
}

async fn decided<T>(
    state: &AppState,
    ctx: &Ctx,
    result: Result<T, ServiceError>,
    what: &str,
) -> Result<Response, AppError> {
    match result {
        Err(ServiceError::Conflict) => Ok((
            StatusCode::CONFLICT,
            crate::views::manage::conflict(
                &ctx.chrome,
                "request",
                "/change-requests",
                &[("Status".into(), "Already decided by someone else".into())],
            ),
        )
            .into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let page = render(state, ctx, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        other => {
            respond(
                ctx,
                other,
                |_| (format!("{what} decided."), "/change-requests".into()),
                |_| Markup::default(),
            )
            .await
        }
    }
}

pub async fn decide_baseline(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(request_id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let by = ctx.by()?;
    by.change_programme().map_err(ServiceError::from)?;
    let result = milestones::decide_baseline_change(&state.db, &by, id(&request_id)?, form).await;
    decided(&state, &ctx, result, "Baseline change").await
}

pub async fn decide_allocation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(request_id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let by = ctx.by()?;
    by.change_programme().map_err(ServiceError::from)?;
    let result = funding::decide_allocation_change(&state.db, &by, id(&request_id)?, form).await;
    decided(&state, &ctx, result, "Allocation change").await
}
