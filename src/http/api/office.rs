//! The programme office's writes that the pages offer: designating a
//! participant, recording a partner, an allocation (with its profile), a
//! tranche or a milestone, asking to change an allocation's money, and
//! deciding change requests. Each calls the same service as its form, with
//! the token's user: the same permission checks, rules, versions and audit
//! events. A made-up or out-of-scope record in the path is a 404 whatever
//! the body says.
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::model::*;
use super::office_model::*;
use super::problem::{ApiError, json_body, query};
use super::reads::{ListParams, as_at_day, id_of, paged, today};
use super::writes::{pounds, version_of};
use super::{BASE, Caller, json};
use crate::domain::change::ChangeError;
use crate::domain::financial_year::FinancialYear;
use crate::domain::problem::ProblemField;
use crate::http::AppState;
use crate::services::change_requests::{self, DecisionForm, RequestKind};
use crate::services::funding::{self, AllocationChange, NewAllocation, NewTranche, ProfileInput};
use crate::services::milestones::{self, NewMilestone};
use crate::services::participants::{
    self, PairingForm, ParticipantForm, PartnerForm, PartnershipForm,
};
use crate::services::{ServiceError, participant_setup, programme};

/// A 201 with the new record's address.
fn created(mut response: Response, location: Option<String>) -> Response {
    *response.status_mut() = StatusCode::CREATED;
    if let Some(location) = location
        && let Ok(v) = HeaderValue::from_str(&location)
    {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// A service's refusal, with the form's field names as this API's JSON names them.
fn renamed(error: ServiceError, names: &[(&str, &str)]) -> ApiError {
    let mut e = ApiError::from(error);
    for f in &mut e.problem.errors {
        if let Some((_, to)) = names.iter().find(|(from, _)| *from == f.field) {
            f.field = (*to).to_owned();
        }
    }
    e
}

const MONEY_FIELDS: &[(&str, &str)] = &[
    ("central", "central_pence"),
    ("local_match", "local_match_pence"),
    ("amount", "amount_pence"),
];

fn money_text(pence: Option<i64>) -> String {
    pence.map(pounds).unwrap_or_default()
}

/// A profile as the form takes it (`fy_2017` → amount), or a 422 naming
/// `profile` for a year that is not one or is given twice.
fn profile_input(years: &[ProfileYearIn]) -> Result<ProfileInput, ApiError> {
    let mut out = ProfileInput::new();
    let mut errors = Vec::new();
    for (i, y) in years.iter().enumerate() {
        match FinancialYear::parse(&y.financial_year) {
            Ok(fy) => {
                if out
                    .insert(fy.start_year(), pounds(y.amount_pence))
                    .is_some()
                {
                    errors.push(ProblemField {
                        field: format!("profile[{i}].financial_year"),
                        message: format!(
                            "Financial year {fy} appears more than once in the profile; give one amount per year"
                        ),
                    });
                }
            }
            Err(e) => errors.push(ProblemField {
                field: format!("profile[{i}].financial_year"),
                message: format!("{e} (write it as 2017/18)"),
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::invalid(errors))
    }
}

/// One allocation of a participant as the read API shows it now.
async fn allocation_out(
    state: &AppState,
    caller: &Caller,
    ods: &str,
    pick: impl Fn(&crate::domain::programme::AllocationView) -> bool,
) -> Result<AllocationOut, ApiError> {
    let (detail, _) = programme::participant(&state.db, caller.by(), ods, today()).await?;
    detail
        .allocations
        .iter()
        .find(|a| pick(a))
        .map(AllocationOut::from)
        .ok_or_else(ApiError::not_found)
}

#[utoipa::path(post, path = "/api/v1/participants", tag = "participants",
    request_body = ParticipantIn,
    responses(
        (status = 201, description = "Designated: the participant as the read API now shows it", body = ParticipantDetailOut,
            headers(("Location" = String, description = "its address in this API"))),
        (status = 400, description = "Not the JSON this takes", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the programme office", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors (e.g. already a participant; a trust not on record needs its name and region)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create_participant(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: ParticipantIn = json_body(&body)?;
    let by = caller.by();
    participants::create(
        &state.db,
        &by,
        ParticipantForm {
            ods_code: input.ods_code.clone(),
            organisation_name: input.organisation_name.unwrap_or_default(),
            region_code: input.region_code.unwrap_or_default(),
            role: input.role,
            sector: input.sector,
            wave: input.wave,
            designated_on: input.designated_on,
            accredited_on: input.accredited_on.unwrap_or_default(),
            status: input.status.unwrap_or_else(|| "active".to_owned()),
            version: String::new(),
        },
    )
    .await?;
    let ods = input.ods_code.trim().to_uppercase();
    let (detail, _) = programme::participant(&state.db, by, &ods, today()).await?;
    Ok(created(
        json(&ParticipantDetailOut::from(&detail), None),
        Some(format!("{BASE}/participants/{ods}")),
    ))
}

/// The participant's version: what an edit sends back (the office only).
pub(super) async fn participant_version(
    state: &AppState,
    caller: &Caller,
    ods_code: &str,
) -> Result<i32, ApiError> {
    let edit = participant_setup::edit_participant(&state.db, &caller.by(), ods_code).await?;
    edit.form
        .version
        .parse()
        .map_err(|_| ApiError::new(500, "A stored version is not a number; it has been logged."))
}

#[utoipa::path(put, path = "/api/v1/participants/{ods_code}", tag = "participants",
    params(("ods_code" = String, Path, description = "The trust's ODS code", example = "RAL"),
           ("If-Match" = Option<String>, Header, description = "The ETag read (instead of version in the body)")),
    request_body = ParticipantUpdateIn,
    responses(
        (status = 200, description = "Saved: the participant as the read API now shows it", body = ParticipantDetailOut,
            headers(("ETag" = String, description = "its version now"))),
        (status = 400, description = "Not the JSON this takes", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the programme office", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such participant", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version is stale: someone changed it since", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is not a version", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No version sent", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn update_participant(
    State(state): State<AppState>,
    caller: Caller,
    Path(ods_code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let by = caller.by();
    let stored = participant_setup::edit_participant(&state.db, &by, &ods_code)
        .await?
        .form;
    let input: ParticipantUpdateIn = json_body(&body)?;
    let version = version_of(&headers, input.version)?;
    let ods = ods_code.trim().to_uppercase();
    participants::update(
        &state.db,
        &by,
        &ods,
        ParticipantForm {
            role: input.role.unwrap_or(stored.role),
            sector: input.sector.unwrap_or(stored.sector),
            wave: input.wave.unwrap_or(stored.wave),
            designated_on: input.designated_on.unwrap_or(stored.designated_on),
            accredited_on: input.accredited_on.unwrap_or(stored.accredited_on),
            status: input.status.unwrap_or(stored.status),
            version: version.to_string(),
            ..Default::default()
        },
    )
    .await?;
    let (detail, _) = programme::participant(&state.db, by, &ods, today()).await?;
    let now = participant_version(&state, &caller, &ods).await?;
    Ok(json(&ParticipantDetailOut::from(&detail), Some(now)))
}

#[utoipa::path(put, path = "/api/v1/participants/{ods_code}/pairing", tag = "participants",
    params(("ods_code" = String, Path, description = "The fast follower's ODS code", example = "RAL")),
    request_body = PairingIn,
    responses(
        (status = 200, description = "Saved: the participant as the read API now shows it (exemplar_ods_code)", body = ParticipantDetailOut),
        (status = 400, description = "Not the JSON this takes", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the programme office", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such participant", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors (not a fast follower; not an exemplar; changed by someone else at the same moment)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn set_pairing(
    State(state): State<AppState>,
    caller: Caller,
    Path(ods_code): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let by = caller.by();
    participant_setup::edit_participant(&state.db, &by, &ods_code).await?;
    let input: PairingIn = json_body(&body)?;
    let ods = ods_code.trim().to_uppercase();
    participants::set_pairing(
        &state.db,
        &by,
        &ods,
        PairingForm {
            exemplar_ods_code: input.exemplar_ods_code.unwrap_or_default(),
        },
    )
    .await?;
    let (detail, _) = programme::participant(&state.db, by, &ods, today()).await?;
    Ok(json(&ParticipantDetailOut::from(&detail), None))
}

#[utoipa::path(post, path = "/api/v1/participants/{ods_code}/partnerships", tag = "participants",
    params(("ods_code" = String, Path, description = "The trust's ODS code", example = "RAL")),
    request_body = PartnershipIn,
    responses(
        (status = 201, description = "Linked: the participant as the read API now shows it (partnerships)", body = ParticipantDetailOut),
        (status = 400, description = "Not the JSON this takes", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the programme office", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such participant", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors (no such partner; already linked in that role; ends before it starts)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn link_partner(
    State(state): State<AppState>,
    caller: Caller,
    Path(ods_code): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let by = caller.by();
    participant_setup::edit_participant(&state.db, &by, &ods_code).await?;
    let input: PartnershipIn = json_body(&body)?;
    let ods = ods_code.trim().to_uppercase();
    participants::link_partner(
        &state.db,
        &by,
        &ods,
        PartnershipForm {
            partner_id: input
                .partner_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            partner_role: input.partner_role,
            started_on: input.started_on.unwrap_or_default(),
            ended_on: input.ended_on.unwrap_or_default(),
            note: input.note.unwrap_or_default(),
        },
    )
    .await?;
    let (detail, _) = programme::participant(&state.db, by, &ods, today()).await?;
    Ok(created(
        json(&ParticipantDetailOut::from(&detail), None),
        None,
    ))
}

#[utoipa::path(post, path = "/api/v1/partners", tag = "organisations",
    request_body = PartnerIn,
    responses(
        (status = 201, description = "Recorded", body = PartnerCreatedOut),
        (status = 400, description = "Not the JSON this takes", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the programme office", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors (e.g. that name is already on record in that country)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create_partner(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: PartnerIn = json_body(&body)?;
    let o = participants::create_partner(
        &state.db,
        &caller.by(),
        PartnerForm {
            name: input.name,
            kind: input.kind,
            country_code: input.country_code,
        },
    )
    .await?;
    Ok(created(
        json(
            &PartnerCreatedOut {
                id: o.id,
                name: o.name,
                kind: o.kind,
                country_code: o.country_code,
            },
            None,
        ),
        None,
    ))
}

#[utoipa::path(post, path = "/api/v1/participants/{ods_code}/allocations", tag = "funding",
    params(("ods_code" = String, Path, description = "The trust's ODS code", example = "RAL")),
    request_body = AllocationIn,
    responses(
        (status = 201, description = "Recorded: the allocation as the read API now shows it", body = AllocationOut,
            headers(("ETag" = String, description = "its version"))),
        (status = 400, description = "Not the JSON this takes", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the programme office", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such participant", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Someone changed the participant's money at the same moment; try again", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors (over the cap, a profile that does not add up, a reference already used…)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create_allocation(
    State(state): State<AppState>,
    caller: Caller,
    Path(ods_code): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let by = caller.by();
    // A made-up trust is not found whatever the body says, as on the pages.
    funding::allocation_form(&state.db, &by, &ods_code).await?;
    let input: AllocationIn = json_body(&body)?;
    let profile = profile_input(&input.profile)?;
    let saved = funding::create_allocation(
        &state.db,
        &by,
        &ods_code,
        NewAllocation {
            reference: input.reference,
            central: money_text(input.central_pence),
            local_match: money_text(Some(input.local_match_pence.unwrap_or(0))),
            awarded_on: input.awarded_on,
            profile,
        },
    )
    .await
    .map_err(|e| renamed(e, MONEY_FIELDS))?;
    let out = allocation_out(&state, &caller, &saved.ods, |a| a.reference == saved.name).await?;
    let version = out.version;
    Ok(created(json(&out, Some(version)), None))
}

#[utoipa::path(post, path = "/api/v1/allocations/{id}/tranches", tag = "funding",
    params(("id" = i32, Path, description = "The allocation's id")),
    request_body = TrancheIn,
    responses(
        (status = 201, description = "Defined: the tranche as the read API now shows it", body = TrancheOut),
        (status = 400, description = "Not the JSON this takes", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the programme office", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such allocation", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Someone changed the allocation at the same moment; try again", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors (more than the allocation has left, no such milestone, a name already used…)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create_tranche(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    let by = caller.by();
    funding::tranche_form(&state.db, &by, id).await?;
    let input: TrancheIn = json_body(&body)?;
    let saved = funding::create_tranche(
        &state.db,
        &by,
        id,
        NewTranche {
            name: input.name,
            kind: input.kind,
            milestone_reference: input.milestone_reference.unwrap_or_default(),
            amount: money_text(input.amount_pence),
        },
    )
    .await
    .map_err(|e| renamed(e, MONEY_FIELDS))?;
    let allocation = allocation_out(&state, &caller, &saved.ods, |a| a.id == id).await?;
    let tranche = allocation
        .tranches
        .into_iter()
        .find(|t| t.name == saved.name)
        .ok_or_else(ApiError::not_found)?;
    Ok(created(json(&tranche, None), None))
}

#[utoipa::path(post, path = "/api/v1/participants/{ods_code}/milestones", tag = "milestones",
    params(("ods_code" = String, Path, description = "The trust's ODS code", example = "RAL")),
    request_body = MilestoneIn,
    responses(
        (status = 201, description = "Added: the milestone as the read API now shows it", body = MilestoneDetailOut,
            headers(("ETag" = String), ("Location" = String))),
        (status = 400, description = "Not the JSON this takes", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the programme office", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such participant", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Someone changed the participant at the same moment; try again", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors (e.g. the reference is already used)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create_milestone(
    State(state): State<AppState>,
    caller: Caller,
    Path(ods_code): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let by = caller.by();
    milestones::new_form(&state.db, &by, &ods_code).await?;
    let input: MilestoneIn = json_body(&body)?;
    let saved = milestones::create(
        &state.db,
        &by,
        &ods_code,
        NewMilestone {
            reference: input.reference,
            title: input.title,
            category: input.category,
            baseline_on: input.baseline_on,
            forecast_on: input.forecast_on.unwrap_or_default(),
        },
    )
    .await?;
    let detail = milestones::detail(&state.db, &by, saved.id, today()).await?;
    Ok(created(
        json(&MilestoneDetailOut::from(&detail), Some(detail.version)),
        Some(format!("{BASE}/milestones/{}", saved.id)),
    ))
}

/// The queue as the API shows it: baseline requests, then allocation ones.
async fn queue_out(state: &AppState, caller: &Caller) -> Result<Vec<ChangeRequestOut>, ApiError> {
    let queue = change_requests::queue(&state.db, &caller.by()).await?;
    let mut rows: Vec<ChangeRequestOut> =
        queue.baseline.iter().map(ChangeRequestOut::from).collect();
    rows.extend(queue.allocation.iter().map(ChangeRequestOut::from));
    Ok(rows)
}

#[utoipa::path(post, path = "/api/v1/allocations/{id}/change-requests", tag = "funding",
    params(("id" = i32, Path, description = "The allocation's id"),
           ("If-Match" = Option<String>, Header, description = "The allocation's version (instead of version in the body)")),
    request_body = AllocationChangeIn,
    responses(
        (status = 201, description = "Requested: another programme-office user decides it; nothing changes until then", body = ChangeRequestOut),
        (status = 400, description = "Not the JSON this takes", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the programme office", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such allocation", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The allocation changed since the version sent", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is not a version", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors (over the cap, a profile that does not add up, no reason, one already pending…)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No version sent", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn request_allocation_change(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    let by = caller.by();
    let form = funding::change_form(&state.db, &by, id).await?;
    let input: AllocationChangeIn = json_body(&body)?;
    let version = version_of(&headers, input.version)?;
    let current = allocation_out(&state, &caller, &form.money.ods, |a| a.id == id).await?;
    if current.version != version {
        // Approval checks the money again, so a change that slips in after
        // this check still cannot be overwritten unseen.
        return Err(ServiceError::Conflict.into());
    }
    let profile = profile_input(&input.profile)?;
    let local = match input.local_match_pence {
        Some(p) => pounds(p),
        None => pounds(current.local_match_pence),
    };
    let saved = funding::request_allocation_change(
        &state.db,
        &by,
        id,
        AllocationChange {
            central: money_text(input.central_pence),
            local_match: local,
            profile,
            reason: input.reason,
        },
    )
    .await
    .map_err(|e| renamed(e, MONEY_FIELDS))?;
    let request = queue_out(&state, &caller)
        .await?
        .into_iter()
        .find(|r| {
            r.kind == "allocation"
                && r.status == "pending"
                && r.ods_code == saved.ods
                && r.reference == saved.name
        })
        .ok_or_else(ApiError::not_found)?;
    Ok(created(json(&request, None), None))
}

#[utoipa::path(get, path = "/api/v1/change-requests", tag = "change requests",
    params(ListParams),
    responses(
        (status = 200, description = "Every change request: baseline requests then allocation ones, pending first within each", body = ChangeRequestPage,
            headers(("Link" = String), ("X-Total-Count" = i64))),
        (status = 400, description = "A bad query parameter (as_at: the queue is read as at today only)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the programme office", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn change_request_list(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params: ListParams = query(raw.as_deref())?;
    if as_at_day(params.as_at.as_deref())?.is_some() {
        return Err(ApiError::bad_request(
            "as_at: the change-request queue is read as at today only; the audit trail keeps each decision",
        ));
    }
    let items = queue_out(&state, &caller).await?;
    paged(
        items,
        &params,
        "/change-requests",
        raw.as_deref(),
        |items, total, r| ChangeRequestPage {
            items,
            total,
            page: r.page,
            per_page: r.per_page,
        },
    )
}

async fn decide(
    state: &AppState,
    caller: &Caller,
    kind: RequestKind,
    id: &str,
    body: &[u8],
) -> Result<Response, ApiError> {
    let id = id_of(id)?;
    let by = caller.by();
    let preview = change_requests::decision_preview(&state.db, &by, kind, id).await?;
    let input: DecisionIn = json_body(body)?;
    if !preview.pending {
        return Err(ApiError::new(
            409,
            format!(
                "This request has already been decided ({}); read it again with GET {BASE}/change-requests",
                preview.status
            ),
        ));
    }
    let form = DecisionForm {
        decision: input.decision,
        comment: input.comment.unwrap_or_default(),
    };
    let result = match kind {
        RequestKind::Baseline => milestones::decide_baseline_change(&state.db, &by, id, form).await,
        RequestKind::Allocation => {
            funding::decide_allocation_change(&state.db, &by, id, form).await
        }
    };
    if let Err(error) = result {
        let decided_meanwhile = matches!(&error, ServiceError::Invalid(errors)
            if errors.iter().any(|e| e.message.starts_with("This request has already been decided")));
        if decided_meanwhile || matches!(error, ServiceError::Conflict) {
            return Err(ApiError::new(
                409,
                "Someone else decided this request (or changed its record) since; read it again",
            ));
        }
        let needs_comment = ChangeError::RejectionNeedsComment.to_string();
        let mut e = ApiError::from(error);
        for f in &mut e.problem.errors {
            if f.message == needs_comment {
                f.field = "comment".to_owned();
            }
        }
        return Err(e);
    }
    let segment = kind.segment();
    let out = queue_out(state, caller)
        .await?
        .into_iter()
        .find(|r| r.kind == segment && r.id == id)
        .ok_or_else(ApiError::not_found)?;
    Ok(json(&out, None))
}

#[utoipa::path(post, path = "/api/v1/change-requests/baseline/{id}/decision", tag = "change requests",
    params(("id" = i32, Path, description = "The baseline change request's id")),
    request_body = DecisionIn,
    responses(
        (status = 200, description = "Decided (approved: the milestone's baseline moved)", body = ChangeRequestOut),
        (status = 400, description = "Not the JSON this takes", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the programme office", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided, or the milestone changed since it was asked", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors (decision not approve or reject; a rejection needs a comment; nobody decides their own request)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn decide_baseline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    decide(&state, &caller, RequestKind::Baseline, &id, &body).await
}

#[utoipa::path(post, path = "/api/v1/change-requests/allocation/{id}/decision", tag = "change requests",
    params(("id" = i32, Path, description = "The allocation change request's id")),
    request_body = DecisionIn,
    responses(
        (status = 200, description = "Decided (approved: the allocation's money and profile changed, if they still fit the caps)", body = ChangeRequestOut),
        (status = 400, description = "Not the JSON this takes", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the programme office", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided, or the allocation changed since it was asked", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors (decision not approve or reject; a rejection needs a comment; nobody decides their own request; over a cap now)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn decide_allocation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    decide(&state, &caller, RequestKind::Allocation, &id, &body).await
}
