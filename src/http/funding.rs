//! Funding pages: allocations, change requests, tranches and releases.
//! Handlers convert and call one service; the services check permission
//! first and return read models.
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;

use super::respond::{conflict, id, respond};
use super::{AppError, AppState, Ctx};
use crate::services::funding::{
    self as service, AllocationChange, AllocationValues, NewAllocation, NewTranche, Release,
    profile_from_pairs, profile_years,
};
use crate::services::{By, FieldError, ServiceError};
use crate::views::funding as view;

fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// A money form that lost a race: someone else saved first; try again.
fn busy(ctx: &Ctx, back: &str) -> Response {
    conflict(crate::views::manage::conflict(
        &ctx.chrome,
        "record",
        back,
        &[(
            "Status".into(),
            "Changed by someone else at the same moment; check it and try again".into(),
        )],
    ))
}

pub async fn new_allocation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(ods): Path<String>,
) -> Result<Markup, AppError> {
    let money = service::allocation_form(&state.db, &ctx.by()?, &ods).await?;
    Ok(view::new_allocation(
        &ctx.chrome,
        &money,
        &profile_years("", &Default::default()),
        &AllocationValues::default(),
        &[],
    ))
}

pub async fn create_allocation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(ods): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let by = ctx.by()?;
    let values = AllocationValues {
        reference: field(&pairs, "reference"),
        central: field(&pairs, "central"),
        local_match: field(&pairs, "local_match"),
        awarded_on: field(&pairs, "awarded_on"),
        profile: profile_from_pairs(&pairs),
        reason: String::new(),
    };
    let form = NewAllocation {
        reference: values.reference.clone(),
        central: values.central.clone(),
        local_match: values.local_match.clone(),
        awarded_on: values.awarded_on.clone(),
        profile: values.profile.clone(),
    };
    let result = service::create_allocation(&state.db, &by, &ods, form).await;
    let back = format!("/participants/{}", ods.to_uppercase());
    let page = match &result {
        Err(ServiceError::Conflict) => return Ok(busy(&ctx, &back)),
        Err(ServiceError::Invalid(errors)) => {
            let money = service::allocation_form(&state.db, &by, &ods).await?;
            Some(view::new_allocation(
                &ctx.chrome,
                &money,
                &profile_years(&values.awarded_on, &Default::default()),
                &values,
                errors,
            ))
        }
        _ => None,
    };
    respond(
        &ctx,
        result,
        |a| {
            (
                format!("Allocation {} recorded.", a.name),
                format!("/participants/{}", a.ods),
            )
        },
        |_| page.unwrap_or_default(),
    )
    .await
}

pub async fn change_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(allocation_id): Path<String>,
) -> Result<Markup, AppError> {
    let by = ctx.by()?;
    by.change_programme().map_err(ServiceError::from)?;
    let form = service::change_form(&state.db, &by, id(&allocation_id)?).await?;
    Ok(view::change_allocation(
        &ctx.chrome,
        &form,
        &profile_years(&form.values.awarded_on, &form.values.profile),
        &form.values,
        &[],
    ))
}

pub async fn request_change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(allocation_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let by = ctx.by()?;
    by.change_programme().map_err(ServiceError::from)?;
    let allocation_id = id(&allocation_id)?;
    let form = AllocationChange {
        central: field(&pairs, "central"),
        local_match: field(&pairs, "local_match"),
        profile: profile_from_pairs(&pairs),
        reason: field(&pairs, "reason"),
    };
    let result =
        service::request_allocation_change(&state.db, &by, allocation_id, form.clone()).await;
    let page = match &result {
        Err(ServiceError::Conflict) => {
            return Ok(busy(&ctx, &format!("/allocations/{allocation_id}/change")));
        }
        Err(ServiceError::Invalid(errors)) => {
            let stored = service::change_form(&state.db, &by, allocation_id).await?;
            let values = AllocationValues {
                central: form.central,
                local_match: form.local_match,
                profile: form.profile,
                reason: form.reason,
                ..stored.values.clone()
            };
            Some(view::change_allocation(
                &ctx.chrome,
                &stored,
                &profile_years(&stored.values.awarded_on, &stored.values.profile),
                &values,
                errors,
            ))
        }
        _ => None,
    };
    respond(
        &ctx,
        result,
        |a| (
            format!("Change to allocation {} sent for decision. Nothing changes until it is approved.", a.name),
            format!("/participants/{}", a.ods),
        ),
        |_| page.unwrap_or_default(),
    )
    .await
}

async fn tranche_page(
    state: &AppState,
    ctx: &Ctx,
    by: &By,
    allocation_id: i32,
    values: &NewTranche,
    errors: &[FieldError],
) -> Result<Markup, AppError> {
    let form = service::tranche_form(&state.db, by, allocation_id).await?;
    Ok(view::new_tranche(&ctx.chrome, &form, values, errors))
}

pub async fn new_tranche(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(allocation_id): Path<String>,
) -> Result<Markup, AppError> {
    let by = ctx.by()?;
    by.change_programme().map_err(ServiceError::from)?;
    tranche_page(
        &state,
        &ctx,
        &by,
        id(&allocation_id)?,
        &NewTranche::default(),
        &[],
    )
    .await
}

pub async fn create_tranche(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(allocation_id): Path<String>,
    Form(form): Form<NewTranche>,
) -> Result<Response, AppError> {
    let by = ctx.by()?;
    by.change_programme().map_err(ServiceError::from)?;
    let allocation_id = id(&allocation_id)?;
    let result = service::create_tranche(&state.db, &by, allocation_id, form.clone()).await;
    let page = match &result {
        Err(ServiceError::Conflict) => {
            return Ok(busy(
                &ctx,
                &format!("/allocations/{allocation_id}/tranches/new"),
            ));
        }
        Err(ServiceError::Invalid(errors)) => {
            Some(tranche_page(&state, &ctx, &by, allocation_id, &form, errors).await?)
        }
        _ => None,
    };
    respond(
        &ctx,
        result,
        |t| {
            (
                format!("Tranche \u{201c}{}\u{201d} defined.", t.name),
                format!("/participants/{}", t.ods),
            )
        },
        |_| page.unwrap_or_default(),
    )
    .await
}

/// The confirmation page: what releasing would do, or why it cannot.
/// Reading it changes nothing.
pub async fn confirm_release(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(tranche_id): Path<String>,
) -> Result<Markup, AppError> {
    let by = ctx.by()?;
    by.change_programme().map_err(ServiceError::from)?;
    let today = crate::clock::now().date();
    let preview = service::release_preview(&state.db, &by, id(&tranche_id)?, today).await?;
    Ok(view::confirm_release(
        &ctx.chrome,
        &preview,
        &today.to_string(),
        &[],
    ))
}

/// Confirm: the service re-checks everything at the version the page showed.
pub async fn release(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(tranche_id): Path<String>,
    Form(form): Form<Release>,
) -> Result<Response, AppError> {
    let by = ctx.by()?;
    by.change_programme().map_err(ServiceError::from)?;
    let tranche_id = id(&tranche_id)?;
    let today = crate::clock::now().date();
    let typed = form.released_on.clone();
    match service::release_tranche(&state.db, &by, tranche_id, form, today).await {
        Ok(released) => {
            ctx.flash(format!("Released \u{201c}{}\u{201d}.", released.name))
                .await;
            Ok(Redirect::to(&format!("/participants/{}", released.ods)).into_response())
        }
        // Show the confirmation page again, as it now stands, with why.
        Err(ServiceError::Invalid(errors)) => {
            let preview = service::release_preview(&state.db, &by, tranche_id, today).await?;
            let page = view::confirm_release(&ctx.chrome, &preview, &typed, &errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(ServiceError::Conflict) => {
            let place = service::tranche_place(&state.db, &by, tranche_id).await?;
            Ok(conflict(crate::views::manage::conflict(
                &ctx.chrome,
                "tranche",
                &format!("/participants/{}", place.ods),
                &[("Tranche".into(), place.name)],
            )))
        }
        Err(other) => Err(other.into()),
    }
}
