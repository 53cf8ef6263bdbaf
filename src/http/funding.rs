//! Funding pages: allocations, change requests, tranches and releases.
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::respond::{conflict, id, respond};
use super::{AppError, AppState, Ctx};
use crate::domain::funding::{RoleInSector, headroom};
use crate::domain::money::Pence;
use crate::domain::participant::{Role, Sector};
use crate::entities::{
    Allocations, Milestones, Organisations, Tranches, allocation, milestone, participant, tranche,
};
use crate::services::ServiceError;
use crate::services::funding::{
    self as service, AllocationChange, NewAllocation, NewTranche, Release, profile_from_pairs,
    profile_years,
};
use crate::views::funding::{self as view, AllocationValues, MoneyContext, TrancheContext};

fn office(ctx: &Ctx) -> Result<(), AppError> {
    ctx.user()?
        .actor()
        .change_programme()
        .map_err(ServiceError::from)?;
    Ok(())
}

fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Cap, headroom and names for a participant's money forms; `except` leaves
/// one allocation out of "already allocated" (when changing it).
async fn money_context(
    state: &AppState,
    p: &participant::Model,
    except: Option<i32>,
) -> Result<MoneyContext, AppError> {
    let org = Organisations::find_by_id(p.organisation_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let role = Role::from_code(&p.role).map_err(|_| AppError::Internal)?;
    let sector = Sector::from_code(&p.sector).map_err(|_| AppError::Internal)?;
    let caps = crate::store::funding::cap_table(&state.db).await?;
    let existing: Vec<Pence> = Allocations::find()
        .filter(allocation::Column::ParticipantId.eq(p.id))
        .all(&state.db)
        .await?
        .into_iter()
        .filter(|a| Some(a.id) != except)
        .filter_map(|a| Pence::new(a.central_pence).ok())
        .collect();
    Ok(MoneyContext {
        ods: org.ods_code.unwrap_or_default(),
        name: org.name,
        cap_label: RoleInSector(role, sector).to_string(),
        headroom: headroom(&caps, role, sector, &existing),
    })
}

pub async fn new_allocation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(ods): Path<String>,
) -> Result<Markup, AppError> {
    office(&ctx)?;
    let (p, _) = crate::services::milestones::participant_by_ods(&state.db, &ods).await?;
    let ctx_view = money_context(&state, &p, None).await?;
    Ok(view::new_allocation(
        &ctx.chrome,
        &ctx_view,
        &profile_years(),
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
    let (p, _) = crate::services::milestones::participant_by_ods(&state.db, &ods).await?;
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
    let result = service::create_allocation(&state.db, &ctx.by()?, &ods, form).await;
    let ctx_view = money_context(&state, &p, None).await?;
    let ods = ctx_view.ods.clone();
    respond(
        &ctx,
        result,
        |a| {
            (
                format!("Allocation {} recorded.", a.reference),
                format!("/participants/{ods}"),
            )
        },
        |errors| view::new_allocation(&ctx.chrome, &ctx_view, &profile_years(), &values, errors),
    )
    .await
}

async fn allocation_values(
    state: &AppState,
    a: &allocation::Model,
) -> Result<AllocationValues, AppError> {
    let profile = service::profile_of(&state.db, a.id).await?;
    Ok(AllocationValues {
        reference: a.reference.clone(),
        central: Pence::new(a.central_pence)
            .map(|p| p.plain())
            .unwrap_or_default(),
        local_match: Pence::new(a.local_match_pence)
            .map(|p| p.plain())
            .unwrap_or_default(),
        awarded_on: a.awarded_on.to_string(),
        profile: profile
            .iter()
            .map(|(fy, p)| (fy.start_year(), p.plain()))
            .collect(),
        reason: String::new(),
    })
}

pub async fn change_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(allocation_id): Path<String>,
) -> Result<Markup, AppError> {
    office(&ctx)?;
    let (a, p) = service::load_allocation(&state.db, id(&allocation_id)?).await?;
    let ctx_view = money_context(&state, &p, Some(a.id)).await?;
    let values = allocation_values(&state, &a).await?;
    Ok(view::change_allocation(
        &ctx.chrome,
        &ctx_view,
        &a.reference,
        a.id,
        &profile_years(),
        &values,
        &[],
    ))
}

pub async fn request_change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(allocation_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (a, p) = service::load_allocation(&state.db, id(&allocation_id)?).await?;
    let values = AllocationValues {
        reference: a.reference.clone(),
        central: field(&pairs, "central"),
        local_match: field(&pairs, "local_match"),
        awarded_on: a.awarded_on.to_string(),
        profile: profile_from_pairs(&pairs),
        reason: field(&pairs, "reason"),
    };
    let form = AllocationChange {
        central: values.central.clone(),
        local_match: values.local_match.clone(),
        profile: values.profile.clone(),
        reason: values.reason.clone(),
    };
    let result = service::request_allocation_change(&state.db, &ctx.by()?, a.id, form).await;
    let ctx_view = money_context(&state, &p, Some(a.id)).await?;
    let ods = ctx_view.ods.clone();
    respond(
        &ctx,
        result,
        |_| (
            format!("Change to allocation {} sent for decision. Nothing changes until it is approved.", a.reference),
            format!("/participants/{ods}"),
        ),
        |errors| view::change_allocation(&ctx.chrome, &ctx_view, &a.reference, a.id, &profile_years(), &values, errors),
    )
    .await
}

async fn tranche_page_parts(
    state: &AppState,
    a: &allocation::Model,
) -> Result<(Vec<(String, String)>, String), AppError> {
    let milestones = Milestones::find()
        .filter(milestone::Column::ParticipantId.eq(a.participant_id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|m| (m.reference.clone(), format!("{}: {}", m.reference, m.title)))
        .collect();
    let committed: Pence = Tranches::find()
        .filter(tranche::Column::AllocationId.eq(a.id))
        .all(&state.db)
        .await?
        .into_iter()
        .filter_map(|t| Pence::new(t.amount_pence).ok())
        .sum();
    let remaining = Pence::new(a.central_pence)
        .unwrap_or(Pence::ZERO)
        .saturating_sub(committed);
    Ok((milestones, remaining.to_string()))
}

pub async fn new_tranche(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(allocation_id): Path<String>,
) -> Result<Markup, AppError> {
    office(&ctx)?;
    let (a, p) = service::load_allocation(&state.db, id(&allocation_id)?).await?;
    let ctx_view = money_context(&state, &p, None).await?;
    let (milestones, remaining) = tranche_page_parts(&state, &a).await?;
    let t = TrancheContext {
        reference: &a.reference,
        allocation_id: a.id,
        milestones: &milestones,
        remaining: &remaining,
    };
    Ok(view::new_tranche(
        &ctx.chrome,
        &ctx_view,
        &t,
        &NewTranche::default(),
        &[],
    ))
}

pub async fn create_tranche(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(allocation_id): Path<String>,
    Form(form): Form<NewTranche>,
) -> Result<Response, AppError> {
    let (a, p) = service::load_allocation(&state.db, id(&allocation_id)?).await?;
    let result = service::create_tranche(&state.db, &ctx.by()?, a.id, form.clone()).await;
    let ctx_view = money_context(&state, &p, None).await?;
    let ods = ctx_view.ods.clone();
    let (milestones, remaining) = tranche_page_parts(&state, &a).await?;
    respond(
        &ctx,
        result,
        |t| {
            (
                format!("Tranche \u{201c}{}\u{201d} defined.", t.name),
                format!("/participants/{ods}"),
            )
        },
        |errors| {
            let t = TrancheContext {
                reference: &a.reference,
                allocation_id: a.id,
                milestones: &milestones,
                remaining: &remaining,
            };
            view::new_tranche(&ctx.chrome, &ctx_view, &t, &form, errors)
        },
    )
    .await
}

pub async fn release(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(tranche_id): Path<String>,
    Form(form): Form<Release>,
) -> Result<Response, AppError> {
    let t = Tranches::find_by_id(id(&tranche_id)?)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let (_, p) = service::load_allocation(&state.db, t.allocation_id).await?;
    let ods = Organisations::find_by_id(p.organisation_id)
        .one(&state.db)
        .await?
        .and_then(|o| o.ods_code)
        .unwrap_or_default();
    let today = time::OffsetDateTime::now_utc().date();
    match service::release_tranche(&state.db, &ctx.by()?, t.id, form, today).await {
        Ok(released) => {
            ctx.flash(format!("Released \u{201c}{}\u{201d}.", released.name))
                .await;
            Ok(Redirect::to(&format!("/participants/{ods}")).into_response())
        }
        // The release button sits on the participant page: show it again with why.
        Err(ServiceError::Invalid(errors)) => {
            let (detail, history) = crate::services::programme::participant(
                &state.db,
                &ctx.user()?.actor(),
                &ods,
                today,
            )
            .await?;
            let page =
                crate::views::participant::page(&ctx.chrome, &detail, &history, today, &errors);
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(ServiceError::Conflict) => Ok(conflict(crate::views::manage::conflict(
            &ctx.chrome,
            "tranche",
            &format!("/participants/{ods}"),
            &[("Tranche".into(), t.name.clone())],
        ))),
        Err(other) => Err(other.into()),
    }
}
