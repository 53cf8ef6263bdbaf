//! One error type for the web layer: each variant maps to a status and an
//! error page. Internal errors are logged once with their chain and shown as
//! a generic message; every log line of a request carries its span: request
//! id, method, path and (once known) the signed-in user's id.
use std::any::Any;
use std::time::Duration;

use axum::http::{Request, StatusCode};
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
    /// A form the page did not re-render itself: 422, with the reasons.
    #[error("{0}")]
    Unprocessable(String),
    /// Someone else changed the record first: 409.
    #[error("{0}")]
    Conflict(String),
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
            ServiceError::Invalid(_) => AppError::Unprocessable(error.to_string()),
            ServiceError::Conflict => AppError::Conflict(
                "Someone else changed this record since you loaded the page. Go back, reload \
                 it to see the latest values, and try again."
                    .to_owned(),
            ),
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
            AppError::Unprocessable(message) => {
                (StatusCode::UNPROCESSABLE_ENTITY, message.clone())
            }
            AppError::Conflict(message) => (StatusCode::CONFLICT, message.clone()),
            AppError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, generic()),
            AppError::Database(error) => {
                tracing::error!(error = %error_chain(error), "database error while handling a request");
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
    if let (Some(user), Some(span)) = (&auth.user, request.extensions().get::<RequestSpan>()) {
        span.0.record("user", user.id);
    }
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
        synthetic: false,
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

/// An error and its sources, `outer: inner: innermost`.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The span every log line of a request is written in.
pub fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        id = %id,
        method = %request.method(),
        path = %request.uri().path(),
        user = tracing::field::Empty,
    )
}

/// The request's own span, kept in its extensions: inner layers (sessions,
/// sign-in) open spans of their own, so `Span::current()` may not be it.
#[derive(Clone, Debug)]
pub struct RequestSpan(pub tracing::Span);

/// Runs just inside the trace layer, where the current span is the request's.
pub async fn remember_span(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    request
        .extensions_mut()
        .insert(RequestSpan(tracing::Span::current()));
    next.run(request).await
}

/// One INFO line per answered request.
pub fn log_response<B>(
    response: &axum::http::Response<B>,
    latency: Duration,
    _span: &tracing::Span,
) {
    tracing::info!(
        target: "gde::request",
        status = response.status().as_u16(),
        latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
        "answered"
    );
}

/// A handler panicked: log what it said, answer the generic error page.
/// The request timeout's bare 503, as a page that says what happened.
pub async fn timeout_page(response: Response) -> Response {
    let empty = response.status() == StatusCode::SERVICE_UNAVAILABLE
        && !response
            .headers()
            .contains_key(axum::http::header::CONTENT_TYPE);
    if !empty {
        return response;
    }
    tracing::warn!("a request took too long and was answered 503");
    let status = StatusCode::SERVICE_UNAVAILABLE;
    (
        status,
        views::error::page(
            status,
            "That took too long to answer, so it was stopped. Reload the page to see whether a \
             change you made was saved before trying it again.",
            &Default::default(),
        ),
    )
        .into_response()
}

pub fn panic_page(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned());
    tracing::error!(panic = %message, "a request handler panicked");
    let status = StatusCode::INTERNAL_SERVER_ERROR;
    (
        status,
        views::error::page(status, &generic(), &Default::default()),
    )
        .into_response()
}
