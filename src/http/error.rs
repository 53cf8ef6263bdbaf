//! One error type for the web layer: each variant maps to a status and an
//! error page. Internal errors are logged once with their chain and shown as
//! a generic message.
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::views;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// Bad input in a URL or query string; the message says what and where.
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, message) = match &self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "We could not find that page. Check the address, or start from the programme overview."
                    .to_owned(),
            ),
            AppError::BadRequest(message) => (StatusCode::BAD_REQUEST, message.clone()),
            AppError::Database(error) => {
                tracing::error!(error = %error, "database error while handling a request");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side. The problem has been logged; please try again shortly."
                        .to_owned(),
                )
            }
        };
        (status, views::error::page(status, &message)).into_response()
    }
}
