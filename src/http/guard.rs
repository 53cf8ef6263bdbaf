//! Sign-in is required everywhere behind this guard, and a session ends a
//! fixed time after sign-in however active it has been.
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use time::OffsetDateTime;

use super::{Access, AppError, AppState, AuthSession};

/// Session key holding the sign-in time (Unix seconds).
pub const SIGNED_IN_AT: &str = "signed_in_at";

pub async fn require_sign_in(
    State(state): State<AppState>,
    mut auth: AuthSession,
    request: Request,
    next: Next,
) -> Response {
    if auth.user.is_none() {
        return to_sign_in(&request, None);
    }
    let signed_in_at: Option<i64> = auth.session.get(SIGNED_IN_AT).await.ok().flatten();
    let limit = state.config.session_absolute_hours * 3600;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    if signed_in_at.is_none_or(|t| now - t > limit) {
        if let Err(error) = auth.logout().await {
            tracing::warn!(%error, "could not end an expired session");
        }
        return to_sign_in(&request, Some("expired"));
    }
    next.run(request).await
}

/// Behind `require_sign_in`: refuses a role the route's `Access` does not
/// admit, with the same 403 whichever record the path names.
pub async fn require_role(
    State(access): State<Access>,
    auth: AuthSession,
    request: Request,
    next: Next,
) -> Response {
    let Some(user) = auth.user.as_ref() else {
        return to_sign_in(&request, None);
    };
    match access.refusal(user.role) {
        None => next.run(request).await,
        Some(message) => AppError::Forbidden(message.to_owned()).into_response(),
    }
}

fn to_sign_in(request: &Request, reason: Option<&str>) -> Response {
    let mut target = String::from("/login");
    let mut params = Vec::new();
    if request.method() == axum::http::Method::GET {
        let path = request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        if path != "/" {
            params.push(format!("next={}", urlencode(path)));
        }
    }
    if let Some(reason) = reason {
        params.push(format!("reason={reason}"));
    }
    if !params.is_empty() {
        target.push('?');
        target.push_str(&params.join("&"));
    }
    Redirect::to(&target).into_response()
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("v", text)])
        .map(|s| s.trim_start_matches("v=").to_owned())
        .unwrap_or_default()
}
