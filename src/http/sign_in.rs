//! Signing in and out.
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;

use super::guard::SIGNED_IN_AT;
use super::{AppError, AppState, ClientAddress, Ctx};
use crate::auth::SessionUser;
use crate::domain::redirect::LocalPath;
use crate::services::FieldError;
use crate::services::sign_in::{Attempt, REFUSED_MESSAGE, SignInError, sign_in};
use crate::views::sign_in::{SignInForm, form as sign_in_page};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignInQuery {
    next: Option<String>,
    reason: Option<String>,
}

pub async fn form(ctx: Ctx, Query(query): Query<SignInQuery>) -> Response {
    let next = LocalPath::or_home(query.next.as_deref());
    if ctx.auth.user.is_some() {
        return Redirect::to(next.as_str()).into_response();
    }
    let notice = match query.reason.as_deref() {
        Some("expired") => Some("Your session has ended. Sign in again to carry on."),
        Some("signed-out") => Some("You have signed out."),
        _ => None,
    };
    sign_in_page(
        &ctx.chrome,
        &SignInForm {
            email: "",
            next: next.as_str(),
            notice,
        },
        &[],
    )
    .into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignInFields {
    email: String,
    password: String,
    next: String,
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    mut ctx: Ctx,
    Form(fields): Form<SignInFields>,
) -> Result<Response, AppError> {
    let next = LocalPath::or_home(Some(&fields.next));
    let mut errors = Vec::new();
    if fields.email.trim().is_empty() {
        errors.push(FieldError::new("email", "Enter your email address"));
    }
    if fields.password.is_empty() {
        errors.push(FieldError::new("password", "Enter your password"));
    }
    if errors.is_empty() {
        match sign_in(
            &state.db,
            &state.sign_in,
            Attempt {
                email: &fields.email,
                password: fields.password,
                client,
            },
            OffsetDateTime::now_utc(),
        )
        .await
        {
            Ok(user) => {
                let user = SessionUser::from_model(&user)?;
                // login() gives the session a new id, so a planted id is useless.
                ctx.auth.login(&user).await.map_err(|e| {
                    tracing::error!(error = %e, "could not start a session");
                    AppError::Internal
                })?;
                ctx.auth
                    .session
                    .insert(SIGNED_IN_AT, OffsetDateTime::now_utc().unix_timestamp())
                    .await
                    .map_err(|_| AppError::Internal)?;
                return Ok(Redirect::to(next.as_str()).into_response());
            }
            Err(SignInError::Refused { answer_at }) => {
                tokio::time::sleep_until(answer_at.into()).await;
                errors.push(FieldError::new("email", REFUSED_MESSAGE));
            }
            Err(SignInError::Database(e)) => return Err(e.into()),
            Err(SignInError::Password(e)) => {
                tracing::error!(error = %e, "password check failed");
                return Err(AppError::Internal);
            }
        }
    }
    let page = sign_in_page(
        &ctx.chrome,
        &SignInForm {
            email: fields.email.trim(),
            next: next.as_str(),
            notice: None,
        },
        &errors,
    );
    Ok((StatusCode::UNAUTHORIZED, page).into_response())
}

pub async fn sign_out(mut ctx: Ctx) -> Result<Response, AppError> {
    // Flushing deletes the session row, so the old cookie is worthless.
    ctx.auth.logout().await.map_err(|e| {
        tracing::error!(error = %e, "could not end a session");
        AppError::Internal
    })?;
    Ok(Redirect::to("/login?reason=signed-out").into_response())
}
