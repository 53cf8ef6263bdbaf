//! One error type for the web layer: each variant maps to a status and an
//! error page. Internal errors are logged once with their chain and shown as
//! a generic message.
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::domain::access::AccessError;
use crate::services::ServiceError;
use crate::views;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// Bad input in a URL or query string; the message says what and where.
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("sign in required")]
    SignInRequired,
    #[error("internal error")]
    Internal,
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
}

impl From<ServiceError> for AppError {
    fn from(error: ServiceError) -> AppError {
        match error {
            ServiceError::Access(AccessError::Hidden) | ServiceError::NotFound => {
                AppError::NotFound
            }
            ServiceError::Access(AccessError::Forbidden(message)) => {
                AppError::Forbidden(message.to_owned())
            }
            ServiceError::Invalid(_) | ServiceError::Conflict => {
                AppError::BadRequest(error.to_string())
            }
            ServiceError::Database(e) => AppError::Database(e),
            ServiceError::Password(e) => {
                tracing::error!(error = %e, "password hashing failed");
                AppError::Internal
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, message) = match &self {
            AppError::SignInRequired => return Redirect::to("/login").into_response(),
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "We could not find that page. Check the address, or start from the programme overview."
                    .to_owned(),
            ),
            AppError::BadRequest(message) => (StatusCode::BAD_REQUEST, message.clone()),
            AppError::Forbidden(message) => (StatusCode::FORBIDDEN, message.clone()),
            AppError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, generic()),
            AppError::Database(error) => {
                tracing::error!(error = %error, "database error while handling a request");
                (StatusCode::INTERNAL_SERVER_ERROR, generic())
            }
        };
        let mut response = (
            status,
            views::error::page(status, &message, &Default::default()),
        )
            .into_response();
        // Lets `with_chrome` redraw the page with the signed-in user's header.
        response
            .extensions_mut()
            .insert(ErrorPage { status, message });
        response
    }
}

/// An error page's content, kept so it can be redrawn with the page chrome.
#[derive(Clone, Debug)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub message: String,
}

/// Redraws error pages with the signed-in user's header and navigation.
pub async fn with_chrome(
    auth: super::AuthSession,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let csrf = request
        .extensions()
        .get::<super::csrf::FormToken>()
        .map(|t| t.0.clone())
        .unwrap_or_default();
    let response = next.run(request).await;
    let Some(error) = response.extensions().get::<ErrorPage>().cloned() else {
        return response;
    };
    let chrome = views::layout::Chrome {
        user: auth.user.as_ref().map(|u| views::layout::UserBadge {
            name: u.name.clone(),
            role: u.role,
        }),
        csrf,
        flash: None,
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let body = views::error::page(error.status, &error.message, &chrome).into_string();
    Response::from_parts(parts, axum::body::Body::from(body))
}

fn generic() -> String {
    "Something went wrong on our side. The problem has been logged; please try again shortly."
        .to_owned()
}
