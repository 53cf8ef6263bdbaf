//! The POST / redirect / GET pattern shared by every form: success redirects
//! with a confirmation, invalid input shows the form again (422), a stale
//! version shows what the record holds now (409).
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;

use super::{AppError, Ctx};
use crate::services::{FieldError, ServiceError};

pub async fn respond<T>(
    ctx: &Ctx,
    result: Result<T, ServiceError>,
    success: impl FnOnce(&T) -> (String, String),
    invalid: impl FnOnce(&[FieldError]) -> Markup,
) -> Result<Response, AppError> {
    match result {
        Ok(value) => {
            let (message, location) = success(&value);
            ctx.flash(message).await;
            Ok(Redirect::to(&location).into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, invalid(&errors)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

pub fn conflict(page: Markup) -> Response {
    (StatusCode::CONFLICT, page).into_response()
}

/// A numeric id from a URL; anything else names nothing.
pub fn id(text: &str) -> Result<i32, AppError> {
    text.parse().map_err(|_| AppError::NotFound)
}
