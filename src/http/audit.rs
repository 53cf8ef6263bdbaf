//! The audit trail page.
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};

use super::{AppError, AppState, Ctx};
use crate::services::ServiceError;
use crate::services::audit_log::{self, AuditFilterValues, PAGE_LIMIT};
use crate::views;

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<AuditFilterValues>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(filter) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    match audit_log::search(&state.db, &ctx.by()?, &filter).await {
        Ok(rows) => {
            Ok(views::audit::page_view(&ctx.chrome, &filter, &rows, PAGE_LIMIT).into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            let message = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ");
            Err(AppError::BadRequest(message))
        }
        Err(other) => Err(other.into()),
    }
}
