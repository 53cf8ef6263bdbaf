//! Milestone pages: the list, a new milestone, one milestone with its
//! progress, sign-off and baseline-change forms.
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::Markup;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use time::{Date, OffsetDateTime};

use super::respond::{conflict, id, respond};
use super::{AppError, AppState, Ctx};
use crate::domain::change::RequestStatus;
use crate::entities::{BaselineChangeRequests, Organisations, baseline_change_request};
use crate::services::milestones::{
    self as service, BaselineRequest, NewMilestone, Progress, SignOff,
};
use crate::services::{By, FieldError, ServiceError};
use crate::store::milestones::{self as store, MilestoneFilterValues};
use crate::views::milestones::{self as view, MilestonePage};

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<MilestoneFilterValues>, QueryRejection>,
) -> Result<Markup, AppError> {
    let Query(values) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let filter = values.parse().map_err(AppError::BadRequest)?;
    let actor = ctx.user()?.actor();
    let today = today();
    let visible: Vec<_> = store::all_rows(&state.db, today)
        .await?
        .into_iter()
        .filter(|r| actor.can_read_organisation(r.organisation_id))
        .collect();
    let mut participants: Vec<(String, String)> = visible
        .iter()
        .map(|r| {
            (
                r.ods_code.clone(),
                format!("{} ({})", r.participant_name, r.ods_code),
            )
        })
        .collect();
    participants.sort();
    participants.dedup();
    let mut rows: Vec<_> = visible.into_iter().filter(|r| filter.matches(r)).collect();
    store::sort(&mut rows, filter.sort);
    Ok(view::list(
        &ctx.chrome,
        &values,
        &rows,
        &participants,
        today,
    ))
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(ods): Path<String>,
) -> Result<Markup, AppError> {
    ctx.user()?
        .actor()
        .change_programme()
        .map_err(ServiceError::from)?;
    let (_, org) = service::participant_by_ods(&state.db, &ods).await?;
    Ok(view::new_form(
        &ctx.chrome,
        &ods.to_uppercase(),
        &org.name,
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
    let ods = ods.to_uppercase();
    let (_, org) = service::participant_by_ods(&state.db, &ods).await?;
    let result = service::create(&state.db, &ctx.by()?, &ods, form.clone()).await;
    respond(
        &ctx,
        result,
        |m| {
            (
                format!("Milestone {} added.", m.reference),
                format!("/milestones/{}", m.id),
            )
        },
        |errors| view::new_form(&ctx.chrome, &ods, &org.name, &form, errors),
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
    let (m, org) = service::readable(&state.db, by, milestone_id).await?;
    let organisation = Organisations::find_by_id(org)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let ods = organisation.ods_code.clone().unwrap_or_default();
    let actor = ctx.user()?.actor();
    let requests = BaselineChangeRequests::find()
        .filter(baseline_change_request::Column::MilestoneId.eq(m.id))
        .order_by_desc(baseline_change_request::Column::CreatedAt)
        .all(&state.db)
        .await?;
    let pending = requests
        .iter()
        .find(|r| r.status == RequestStatus::Pending.code())
        .map(|r| (r.proposed_baseline_on, r.reason.clone()));
    let history =
        crate::services::audit_log::history(&state.db, by, "milestone", &m.id.to_string(), None)
            .await?;
    let progress = progress.unwrap_or_else(|| Progress {
        forecast_on: m.forecast_on.map(|d| d.to_string()).unwrap_or_default(),
        status: m.status.clone(),
        actual_on: m.actual_on.map(|d| d.to_string()).unwrap_or_default(),
        version: m.version.to_string(),
    });
    let (version, signed_off_on) = (m.version, m.signed_off_on);
    let row = store::row(m, &ods, &organisation.name, org, today())?;
    let view_data = MilestonePage {
        row: &row,
        participant_name: &organisation.name,
        version,
        signed_off_on,
        office: actor.is_office(),
        can_request: actor.report_for(org).is_ok(),
        pending,
        requests: requests
            .into_iter()
            .map(|r| {
                let status = RequestStatus::from_code(&r.status)
                    .map(|s| s.label())
                    .unwrap_or("");
                (
                    r.previous_baseline_on,
                    r.proposed_baseline_on,
                    r.reason,
                    status.to_owned(),
                    r.decision_comment,
                )
            })
            .collect(),
        history: &history,
        progress,
        baseline: baseline.unwrap_or_default(),
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
    milestone_id: i32,
) -> Result<Response, AppError> {
    let (m, _) = service::load(&state.db, milestone_id).await?;
    Ok(conflict(crate::views::manage::conflict(
        &ctx.chrome,
        "milestone",
        &format!("/milestones/{milestone_id}"),
        &crate::views::manage::snapshot_rows(&service::snapshot(&m)),
    )))
}

pub async fn progress(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(milestone_id): Path<String>,
    Form(form): Form<Progress>,
) -> Result<Response, AppError> {
    let milestone_id = id(&milestone_id)?;
    let by = ctx.by()?;
    let result = service::update_progress(&state.db, &by, milestone_id, form.clone()).await;
    if let Err(ServiceError::Conflict) = result {
        return conflict_page(&state, &ctx, milestone_id).await;
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
    let milestone_id = id(&milestone_id)?;
    let by = ctx.by()?;
    let result = service::sign_off(&state.db, &by, milestone_id, form, today()).await;
    if let Err(ServiceError::Conflict) = result {
        return conflict_page(&state, &ctx, milestone_id).await;
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
