//! Programme office pages for participants, pairings, partners and partnerships.
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use maud::Markup;

use super::respond::{conflict, respond};
use super::{AppError, AppState, Ctx};
use crate::services::participant_setup;
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

async fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    ods: &str,
    form: Option<ParticipantForm>,
    link: PartnershipForm,
    errors: &[FieldError],
) -> Result<Markup, AppError> {
    let edit = participant_setup::edit_participant(&state.db, &ctx.by()?, ods).await?;
    let relations = Relations {
        ods,
        is_follower: edit.is_follower,
        exemplars: edit.exemplars,
        current_exemplar: edit.current_exemplar,
        partners: edit.partners,
        link,
    };
    let form = form.unwrap_or(edit.form);
    Ok(view::edit_page(
        &ctx.chrome,
        ods,
        &edit.organisation_name,
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
        let edit = participant_setup::edit_participant(&state.db, &ctx.by()?, &ods).await?;
        return Ok(conflict(view::conflict(
            &ctx.chrome,
            "participant",
            &format!("/participants/{ods}/edit"),
            &view::snapshot_rows(&edit.current),
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
