//! `/account/tokens`: each signed-in user's own API tokens.
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use time::OffsetDateTime;

use crate::http::{AppError, AppState, Ctx};
use crate::services::ServiceError;
use crate::services::api_tokens;
use crate::views::tokens::{TokenFormValues, page_for};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CreateFields {
    pub name: String,
    pub expires_on: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RevokeFields {
    pub id: String,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    created: Option<&str>,
    values: &TokenFormValues,
    errors: &[crate::services::FieldError],
) -> Result<Response, AppError> {
    let actor = ctx.user()?.actor();
    let tokens = api_tokens::list_own(&state.db, &actor).await?;
    let now = OffsetDateTime::now_utc();
    Ok((
        status,
        page_for(&ctx.chrome, &tokens, now, created, values, errors),
    )
        .into_response())
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    render(&state, &ctx, StatusCode::OK, None, &Default::default(), &[]).await
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(fields): Form<CreateFields>,
) -> Result<Response, AppError> {
    let actor = ctx.user()?.actor();
    let now = OffsetDateTime::now_utc();
    match api_tokens::create_own(&state.db, &actor, &fields.name, &fields.expires_on, now).await {
        // Shown on this response only: never put in the session or a redirect.
        Ok(token) => {
            render(
                &state,
                &ctx,
                StatusCode::OK,
                Some(&token.secret),
                &Default::default(),
                &[],
            )
            .await
        }
        Err(ServiceError::Invalid(errors)) => {
            let values = TokenFormValues {
                name: fields.name,
                expires_on: fields.expires_on,
            };
            render(
                &state,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                &values,
                &errors,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(fields): Form<RevokeFields>,
) -> Result<Response, AppError> {
    let actor = ctx.user()?.actor();
    let Ok(id) = fields.id.trim().parse::<i32>() else {
        ctx.flash("No token was chosen, so nothing was revoked.")
            .await;
        return Ok(Redirect::to("/account/tokens").into_response());
    };
    api_tokens::revoke_own(&state.db, &actor, id, OffsetDateTime::now_utc()).await?;
    ctx.flash("Token revoked: it no longer works.").await;
    Ok(Redirect::to("/account/tokens").into_response())
}
