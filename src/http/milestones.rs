//! Milestone pages: the list, a new milestone, one milestone with its
//! progress, sign-off and baseline-change forms. Handlers convert and call
//! one service; the services check permission first and return read models.
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::Markup;
use time::Date;

use super::respond::{conflict, id, respond};
use super::{AppError, AppState, Ctx};
use crate::services::milestones::{
    self as service, BaselineRequest, MilestoneFilterValues, NewMilestone, Progress, SignOff,
};
use crate::services::{By, FieldError, ServiceError};
use crate::views::milestones::{self as view, MilestonePage};

fn today() -> Date {
    crate::clock::now().date()
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<MilestoneFilterValues>, QueryRejection>,
) -> Result<Markup, AppError> {
    let Query(values) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let filter = values.parse().map_err(AppError::BadRequest)?;
    let today = today();
    let by = ctx.by()?;
    let list = state
        .cached(&state.caches.milestones, &by, today, filter.clone(), || {
            service::list(&state.db, &by, &filter, today)
        })
        .await?;
    Ok(view::list(
        &ctx.chrome,
        &values,
        &list.page,
        list.participants.as_deref(),
        today,
    ))
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(ods): Path<String>,
) -> Result<Markup, AppError> {
    let participant = service::new_form(&state.db, &ctx.by()?, &ods).await?;
    Ok(view::new_form(
        &ctx.chrome,
        &participant.ods,
        &participant.name,
        &NewMilestone::default(),
        &[],
    ))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(ods): Path<String>,
    Form(form): Form<NewMilestone>,
) -> Result<Response, AppError> {
    let by = ctx.by()?;
    let result = service::create(&state.db, &by, &ods, form.clone()).await;
    let page = match &result {
        Err(ServiceError::Conflict) => {
            return Ok(conflict(crate::views::manage::conflict(
                &ctx.chrome,
                "participant",
                &format!("/participants/{}", ods.to_uppercase()),
                &[(
                    "Status".into(),
                    "Changed by someone else at the same moment; check it and try again".into(),
                )],
            )));
        }
        Err(ServiceError::Invalid(errors)) => {
            let participant = service::new_form(&state.db, &by, &ods).await?;
            Some(view::new_form(
                &ctx.chrome,
                &participant.ods,
                &participant.name,
                &form,
                errors,
            ))
        }
        _ => None,
    };
    respond(
        &ctx,
        result,
        |m| {
            (
                format!("Milestone {} added.", m.reference),
                format!("/milestones/{}", m.id),
            )
        },
        |_| page.unwrap_or_default(),
    )
    .await
}

/// Renders the milestone page, with the forms holding `progress`/`baseline`
/// (what was typed) or the stored values.
async fn page(
    state: &AppState,
    ctx: &Ctx,
    by: &By,
    milestone_id: i32,
    progress: Option<Progress>,
    baseline: Option<BaselineRequest>,
    errors: &[FieldError],
) -> Result<Markup, AppError> {
    let detail = service::detail(&state.db, by, milestone_id, today()).await?;
    let view_data = MilestonePage {
        progress: progress.unwrap_or_else(|| detail.progress.clone()),
        baseline: baseline.unwrap_or_default(),
        detail: &detail,
    };
    Ok(view::detail(&ctx.chrome, &view_data, errors))
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(milestone_id): Path<String>,
) -> Result<Markup, AppError> {
    page(
        &state,
        &ctx,
        &ctx.by()?,
        id(&milestone_id)?,
        None,
        None,
        &[],
    )
    .await
}

async fn conflict_page(
    state: &AppState,
    ctx: &Ctx,
    by: &By,
    milestone_id: i32,
) -> Result<Response, AppError> {
    let current = service::current_values(&state.db, by, milestone_id).await?;
    Ok(conflict(crate::views::manage::conflict(
        &ctx.chrome,
        "milestone",
        &format!("/milestones/{milestone_id}"),
        &crate::views::manage::snapshot_rows(&current),
    )))
}

pub async fn progress(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(milestone_id): Path<String>,
    Form(form): Form<Progress>,
) -> Result<Response, AppError> {
    let by = ctx.by()?;
    by.change_programme().map_err(ServiceError::from)?;
    let milestone_id = id(&milestone_id)?;
    let result = service::update_progress(&state.db, &by, milestone_id, form.clone()).await;
    if let Err(ServiceError::Conflict) = result {
        return conflict_page(&state, &ctx, &by, milestone_id).await;
    }
    let invalid = match &result {
        Err(ServiceError::Invalid(errors)) => {
            Some(page(&state, &ctx, &by, milestone_id, Some(form), None, errors).await?)
        }
        _ => None,
    };
    respond(
        &ctx,
        result,
        |_| {
            (
                "Progress saved.".into(),
                format!("/milestones/{milestone_id}"),
            )
        },
        |_| invalid.unwrap_or_default(),
    )
    .await
}

pub async fn sign_off(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(milestone_id): Path<String>,
    Form(form): Form<SignOff>,
) -> Result<Response, AppError> {
    let by = ctx.by()?;
    by.change_programme().map_err(ServiceError::from)?;
    let milestone_id = id(&milestone_id)?;
    let result = service::sign_off(&state.db, &by, milestone_id, form, today()).await;
    if let Err(ServiceError::Conflict) = result {
        return conflict_page(&state, &ctx, &by, milestone_id).await;
    }
    let invalid = match &result {
        Err(ServiceError::Invalid(errors)) => {
            Some(page(&state, &ctx, &by, milestone_id, None, None, errors).await?)
        }
        _ => None,
    };
    respond(
        &ctx,
        result,
        |m| {
            (
                format!("Milestone {} signed off.", m.reference),
                format!("/milestones/{milestone_id}"),
            )
        },
        |_| invalid.unwrap_or_default(),
    )
    .await
}

pub async fn request_baseline(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(milestone_id): Path<String>,
    Form(form): Form<BaselineRequest>,
) -> Result<Response, AppError> {
    let milestone_id = id(&milestone_id)?;
    let by = ctx.by()?;
    let result = service::request_baseline_change(&state.db, &by, milestone_id, form.clone()).await;
    if let Err(ServiceError::Conflict) = result {
        return conflict_page(&state, &ctx, &by, milestone_id).await;
    }
    let invalid = match &result {
        Err(ServiceError::Invalid(errors)) => {
            Some(page(&state, &ctx, &by, milestone_id, None, Some(form), errors).await?)
        }
        _ => None,
    };
    respond(
        &ctx,
        result,
        |_| {
            (
                "Baseline change sent for decision.".into(),
                format!("/milestones/{milestone_id}"),
            )
        },
        |_| invalid.unwrap_or_default(),
    )
    .await
}
