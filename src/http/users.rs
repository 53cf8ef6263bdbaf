//! Account administration for the programme office. Handlers convert the
//! form, call one service, and either redirect with a confirmation or show
//! the form again (422) with the errors and what was typed.
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use serde::Deserialize;

use super::{AppError, AppState, Ctx};
use crate::services::users::{self, NewUser, UserChanges};
use crate::services::{FieldError, ServiceError};
use crate::views::users::{self as view, UserFormValues};

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    let users = users::list(&state.db, &ctx.by()?).await?;
    Ok(view::list(&ctx.chrome, &users))
}

pub async fn new_form(ctx: Ctx) -> Result<Markup, AppError> {
    ctx.by()?.administer().map_err(ServiceError::from)?;
    Ok(view::new_form(&ctx.chrome, &UserFormValues::default(), &[]))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserFields {
    email: String,
    name: String,
    role: String,
    organisation: String,
    password: String,
    version: String,
}

impl UserFields {
    fn values(&self) -> UserFormValues {
        UserFormValues {
            email: self.email.trim().to_owned(),
            name: self.name.clone(),
            role: self.role.clone(),
            organisation: self.organisation.trim().to_uppercase(),
            version: self.version.trim().parse().unwrap_or(0),
        }
    }
}

/// An id in a URL that is not a number cannot name an account.
fn parse_id(text: &str) -> Result<i32, AppError> {
    text.parse().map_err(|_| AppError::NotFound)
}

fn unprocessable(page: Markup) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(fields): Form<UserFields>,
) -> Result<Response, AppError> {
    let values = fields.values();
    let input = NewUser {
        email: fields.email,
        name: fields.name,
        role: fields.role,
        organisation: fields.organisation,
        password: fields.password,
    };
    match users::add(&state.db, &ctx.by()?, input).await {
        Ok(created) => {
            ctx.flash(format!(
                "Account added for {} ({}).",
                created.name, created.email
            ))
            .await;
            Ok(Redirect::to("/users").into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            Ok(unprocessable(view::new_form(&ctx.chrome, &values, &errors)))
        }
        Err(other) => Err(other.into()),
    }
}

async fn current_values(
    state: &AppState,
    ctx: &Ctx,
    id: i32,
) -> Result<(users::UserView, UserFormValues), AppError> {
    let user = users::get(&state.db, &ctx.by()?, id).await?;
    let values = UserFormValues {
        email: user.email.clone(),
        name: user.name.clone(),
        role: user.role.code().to_owned(),
        organisation: user
            .organisation
            .as_ref()
            .map(|(code, _)| code.clone())
            .unwrap_or_default(),
        version: user.version,
    };
    Ok((user, values))
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Markup, AppError> {
    let id = parse_id(&id)?;
    let (user, values) = current_values(&state, &ctx, id).await?;
    Ok(view::edit_form(&ctx.chrome, &user, &values, &[], &[]))
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(fields): Form<UserFields>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let values = fields.values();
    let changes = UserChanges {
        name: fields.name,
        role: fields.role,
        organisation: fields.organisation,
        version: values.version,
    };
    match users::update(&state.db, &ctx.by()?, id, changes).await {
        Ok(updated) => {
            ctx.flash(format!("Changes saved for {}.", updated.name))
                .await;
            Ok(Redirect::to(&format!("/users/{id}")).into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            let (user, _) = current_values(&state, &ctx, id).await?;
            Ok(unprocessable(view::edit_form(
                &ctx.chrome,
                &user,
                &values,
                &errors,
                &[],
            )))
        }
        Err(ServiceError::Conflict) => {
            let (user, _) = current_values(&state, &ctx, id).await?;
            Ok((StatusCode::CONFLICT, view::conflict(&ctx.chrome, &user)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordFields {
    password: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(fields): Form<PasswordFields>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    match users::set_password(&state.db, &ctx.by()?, id, fields.password).await {
        Ok(()) => {
            ctx.flash("Password reset. The account is unlocked and signed out everywhere.")
                .await;
            Ok(Redirect::to(&format!("/users/{id}")).into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            let (user, values) = current_values(&state, &ctx, id).await?;
            Ok(unprocessable(view::edit_form(
                &ctx.chrome,
                &user,
                &values,
                &[],
                &errors,
            )))
        }
        Err(other) => Err(other.into()),
    }
}

async fn set_disabled(
    state: &AppState,
    ctx: &Ctx,
    id: i32,
    disabled: bool,
) -> Result<Response, AppError> {
    match users::set_disabled(&state.db, &ctx.by()?, id, disabled).await {
        Ok(()) => {
            ctx.flash(if disabled {
                "Account disabled. It can no longer sign in."
            } else {
                "Account enabled."
            })
            .await;
            Ok(Redirect::to(&format!("/users/{id}")).into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            let (user, values) = current_values(state, ctx, id).await?;
            let errors: Vec<FieldError> = errors;
            Ok(unprocessable(view::edit_form(
                &ctx.chrome,
                &user,
                &values,
                &errors,
                &[],
            )))
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn disable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    set_disabled(&state, &ctx, parse_id(&id)?, true).await
}

pub async fn enable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    set_disabled(&state, &ctx, parse_id(&id)?, false).await
}
