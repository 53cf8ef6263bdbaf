//! The change-request queue and its decisions.
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::Markup;

use super::respond::{id, respond};
use super::{AppError, AppState, Ctx};
use crate::domain::change::{ChangeError, Decision};
use crate::services::change_requests::{self as service, DecisionForm, RequestKind};
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

/// `?decision=approve` or `?decision=reject`, as the queue's links send it.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Choice {
    #[serde(default)]
    decision: String,
}

async fn decision_page(
    state: &AppState,
    ctx: &Ctx,
    kind: RequestKind,
    request_id: &str,
    form: &DecisionForm,
    errors: &[FieldError],
) -> Result<Markup, AppError> {
    let by = ctx.by()?;
    by.change_programme().map_err(ServiceError::from)?;
    let preview = service::decision_preview(&state.db, &by, kind, id(request_id)?).await?;
    Ok(view::decision_page(
        &ctx.chrome,
        &preview,
        Decision::from_code(&form.decision).ok(),
        &form.comment,
        errors,
    ))
}

/// The confirmation page: the request, what the chosen decision will do,
/// and Confirm. Reading it decides nothing.
async fn confirm(
    state: AppState,
    ctx: Ctx,
    kind: RequestKind,
    request_id: String,
    choice: Choice,
) -> Result<Markup, AppError> {
    let form = DecisionForm {
        decision: choice.decision,
        comment: String::new(),
    };
    decision_page(&state, &ctx, kind, &request_id, &form, &[]).await
}

pub async fn confirm_baseline(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(request_id): Path<String>,
    Query(choice): Query<Choice>,
) -> Result<Markup, AppError> {
    confirm(state, ctx, RequestKind::Baseline, request_id, choice).await
}

pub async fn confirm_allocation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(request_id): Path<String>,
    Query(choice): Query<Choice>,
) -> Result<Markup, AppError> {
    confirm(state, ctx, RequestKind::Allocation, request_id, choice).await
}

async fn decided<T>(
    state: &AppState,
    ctx: &Ctx,
    result: Result<T, ServiceError>,
    what: &str,
    page: (RequestKind, &str, &DecisionForm),
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
        // The confirmation page again, as the request now stands, with why.
        Err(ServiceError::Invalid(errors)) => {
            let needs_comment = ChangeError::RejectionNeedsComment.to_string();
            let errors: Vec<FieldError> = errors
                .into_iter()
                .map(|e| FieldError {
                    field: if e.message == needs_comment {
                        "comment".into()
                    } else {
                        e.field
                    },
                    message: e.message,
                })
                .collect();
            let (kind, request_id, form) = page;
            let page = decision_page(state, ctx, kind, request_id, form, &errors).await?;
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
    let result =
        milestones::decide_baseline_change(&state.db, &by, id(&request_id)?, form.clone()).await;
    let page = (RequestKind::Baseline, request_id.as_str(), &form);
    decided(&state, &ctx, result, "Baseline change", page).await
}

pub async fn decide_allocation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(request_id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let by = ctx.by()?;
    by.change_programme().map_err(ServiceError::from)?;
    let result =
        funding::decide_allocation_change(&state.db, &by, id(&request_id)?, form.clone()).await;
    let page = (RequestKind::Allocation, request_id.as_str(), &form);
    decided(&state, &ctx, result, "Allocation change", page).await
}
