//! Programme office pages for participants, pairings, partners and partnerships.
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use maud::Markup;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::respond::{conflict, respond};
use super::{AppError, AppState, Ctx};
use crate::domain::participant::Role;
use crate::entities::{Organisations, Pairings, Participants, organisation, pairing, participant};
use crate::services::participants::{
    self as service, PairingForm, ParticipantForm, PartnerForm, PartnershipForm,
};
use crate::services::{FieldError, ServiceError};
use crate::views::manage::{self as view, Relations};

fn office(ctx: &Ctx) -> Result<(), AppError> {
    ctx.user()?
        .actor()
        .change_programme()
        .map_err(ServiceError::from)?;
    Ok(())
}

pub async fn new_participant(ctx: Ctx) -> Result<Markup, AppError> {
    office(&ctx)?;
    let defaults = ParticipantForm {
        status: "active".into(),
        ..Default::default()
    };
    Ok(view::participant_form(&ctx.chrome, None, &defaults, &[]))
}

pub async fn create_participant(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ParticipantForm>,
) -> Result<Response, AppError> {
    let by = ctx.by()?;
    let ods = form.ods_code.trim().to_uppercase();
    let result = service::create(&state.db, &by, form.clone()).await;
    respond(
        &ctx,
        result,
        |_| {
            (
                format!("{ods} added to the programme."),
                format!("/participants/{ods}"),
            )
        },
        |errors| view::participant_form(&ctx.chrome, None, &form, errors),
    )
    .await
}

/// The edit form's values from the stored participant.
fn form_of(p: &participant::Model) -> ParticipantForm {
    let approx = |d: time::Date, precision: &str| {
        if precision == "month" {
            format!("{}-{:02}", d.year(), u8::from(d.month()))
        } else {
            d.to_string()
        }
    };
    ParticipantForm {
        role: p.role.clone(),
        sector: p.sector.clone(),
        wave: p.wave.clone(),
        designated_on: approx(p.designated_on, &p.designated_precision),
        accredited_on: p
            .accredited_on
            .map(|d| approx(d, p.accredited_precision.as_deref().unwrap_or("day")))
            .unwrap_or_default(),
        status: p.status.clone(),
        version: p.version.to_string(),
        ..Default::default()
    }
}

async fn relations_for<'a>(
    state: &AppState,
    ods: &'a str,
    p: &participant::Model,
    link: PartnershipForm,
) -> Result<Relations<'a>, AppError> {
    let orgs = Organisations::find()
        .order_by_asc(organisation::Column::Name)
        .all(&state.db)
        .await?;
    let exemplar_orgs: Vec<i32> = Participants::find()
        .filter(participant::Column::Role.eq(Role::GlobalDigitalExemplar.code()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|e| e.organisation_id)
        .collect();
    let exemplars = orgs
        .iter()
        .filter(|o| exemplar_orgs.contains(&o.id))
        .filter_map(|o| {
            o.ods_code
                .clone()
                .map(|c| (c.clone(), format!("{} ({c})", o.name)))
        })
        .collect();
    let partners = orgs
        .iter()
        .filter(|o| o.ods_code.is_none())
        .map(|o| (o.id.to_string(), format!("{} ({})", o.name, o.country_code)))
        .collect();
    let current_exemplar = match Pairings::find()
        .filter(pairing::Column::FastFollowerId.eq(p.id))
        .one(&state.db)
        .await?
    {
        Some(pair) => {
            let exemplar = Participants::find_by_id(pair.exemplar_id)
                .one(&state.db)
                .await?;
            let org = match exemplar {
                Some(e) => {
                    Organisations::find_by_id(e.organisation_id)
                        .one(&state.db)
                        .await?
                }
                None => None,
            };
            org.and_then(|o| o.ods_code).unwrap_or_default()
        }
        None => String::new(),
    };
    Ok(Relations {
        ods,
        is_follower: p.role == Role::FastFollower.code(),
        exemplars,
        current_exemplar,
        partners,
        link,
    })
}

async fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    ods: &str,
    form: Option<ParticipantForm>,
    link: PartnershipForm,
    errors: &[FieldError],
) -> Result<Markup, AppError> {
    let (p, org) = crate::services::milestones::participant_by_ods(&state.db, ods).await?;
    let form = form.unwrap_or_else(|| form_of(&p));
    let relations = relations_for(state, ods, &p, link).await?;
    Ok(view::edit_page(
        &ctx.chrome,
        ods,
        &org.name,
        &form,
        errors,
        view::relations(&ctx.chrome, &relations, errors),
    ))
}

pub async fn edit_participant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(ods): Path<String>,
) -> Result<Markup, AppError> {
    office(&ctx)?;
    let ods = ods.to_uppercase();
    edit_page(&state, &ctx, &ods, None, PartnershipForm::default(), &[]).await
}

pub async fn update_participant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(ods): Path<String>,
    Form(form): Form<ParticipantForm>,
) -> Result<Response, AppError> {
    let ods = ods.to_uppercase();
    let result = service::update(&state.db, &ctx.by()?, &ods, form.clone()).await;
    if let Err(ServiceError::Conflict) = result {
        let (p, _) = crate::services::milestones::participant_by_ods(&state.db, &ods).await?;
        return Ok(conflict(view::conflict(
            &ctx.chrome,
            "participant",
            &format!("/participants/{ods}/edit"),
            &view::snapshot_rows(&service::snapshot(&p)),
        )));
    }
    let page = match &result {
        Err(ServiceError::Invalid(errors)) => Some(
            edit_page(
                &state,
                &ctx,
                &ods,
                Some(form),
                PartnershipForm::default(),
                errors,
            )
            .await?,
        ),
        _ => None,
    };
    respond(
        &ctx,
        result,
        |_| {
            (
                "Participant details saved.".into(),
                format!("/participants/{ods}"),
            )
        },
        |_| page.unwrap_or_default(),
    )
    .await
}

pub async fn set_pairing(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(ods): Path<String>,
    Form(form): Form<PairingForm>,
) -> Result<Response, AppError> {
    let ods = ods.to_uppercase();
    let result = service::set_pairing(&state.db, &ctx.by()?, &ods, form).await;
    let page = match &result {
        Err(ServiceError::Invalid(errors)) => {
            Some(edit_page(&state, &ctx, &ods, None, PartnershipForm::default(), errors).await?)
        }
        _ => None,
    };
    respond(
        &ctx,
        result,
        |_| ("Pairing saved.".into(), format!("/participants/{ods}")),
        |_| page.unwrap_or_default(),
    )
    .await
}

pub async fn link_partner(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(ods): Path<String>,
    Form(form): Form<PartnershipForm>,
) -> Result<Response, AppError> {
    let ods = ods.to_uppercase();
    let result = service::link_partner(&state.db, &ctx.by()?, &ods, form.clone()).await;
    let page = match &result {
        Err(ServiceError::Invalid(errors)) => {
            Some(edit_page(&state, &ctx, &ods, None, form, errors).await?)
        }
        _ => None,
    };
    respond(
        &ctx,
        result,
        |_| ("Partner linked.".into(), format!("/participants/{ods}")),
        |_| page.unwrap_or_default(),
    )
    .await
}

pub async fn new_partner(ctx: Ctx) -> Result<Markup, AppError> {
    office(&ctx)?;
    Ok(view::partner_form(
        &ctx.chrome,
        &PartnerForm::default(),
        &[],
    ))
}

pub async fn create_partner(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PartnerForm>,
) -> Result<Response, AppError> {
    let result = service::create_partner(&state.db, &ctx.by()?, form.clone()).await;
    respond(
        &ctx,
        result,
        |o| (format!("{} added.", o.name), "/partners".into()),
        |errors| view::partner_form(&ctx.chrome, &form, errors),
    )
    .await
}
