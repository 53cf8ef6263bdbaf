//! The API's writes: the changes the pages offer each role, through the
//! same services. Each takes the version read (`version` in the body, or an
//! `If-Match` header with the `ETag`); a stale one is a 409 and nothing changes.
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;

use super::model::*;
use super::problem::{ApiError, json_body};
use super::reads::{id_of, today};
use super::{Caller, json};
use crate::domain::problem::ProblemField;
use crate::http::AppState;
use crate::services::funding::{self, Release};
use crate::services::milestones::{self, BaselineRequest, Progress, SignOff};
use crate::services::returns::{self, MAX_RISKS, PeriodForm, PeriodRef, ReviewForm};

/// The version to write at: `If-Match` if sent, else the body's `version`;
/// 428 when neither is given, 422 when they disagree.
pub(super) fn version_of(headers: &HeaderMap, body: Option<i32>) -> Result<i32, ApiError> {
    let header = match headers.get(header::IF_MATCH) {
        None => None,
        Some(v) => {
            let text = v.to_str().unwrap_or("").trim();
            let bare = text.trim_start_matches("W/").trim_matches('"');
            Some(bare.parse::<i32>().map_err(|_| {
                ApiError::new(
                    412,
                    format!(
                        "If-Match {text:?} is not an ETag this API gave (a quoted version number)"
                    ),
                )
            })?)
        }
    };
    match (header, body) {
        (Some(h), Some(b)) if h != b => Err(ApiError::field(
            "version",
            format!("The body's version {b} differs from If-Match {h}; send one of them"),
        )),
        (Some(v), _) | (None, Some(v)) => Ok(v),
        (None, None) => Err(ApiError::new(
            428,
            "Send the version you read: as \"version\" in the body, or as If-Match with the ETag.",
        )),
    }
}

async fn milestone_answer(
    state: &AppState,
    caller: &Caller,
    id: i32,
) -> Result<Response, ApiError> {
    let detail = milestones::detail(&state.db, &caller.by(), id, today()).await?;
    Ok(json(
        &MilestoneDetailOut::from(&detail),
        Some(detail.version),
    ))
}

#[utoipa::path(post, path = "/api/v1/milestones/{id}/progress", tag = "milestones",
    params(("id" = i32, Path, description = "The milestone's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag read (instead of version in the body)")),
    request_body = ProgressIn,
    responses(
        (status = 200, description = "Saved; the milestone as it is now", body = MilestoneDetailOut, headers(("ETag" = String))),
        (status = 400, description = "Not the JSON this takes", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the programme office", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such milestone", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version is stale: someone changed it since", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is not a version", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No version sent", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn progress(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    // A made-up id is not found whatever the body says, as on the pages.
    milestones::detail(&state.db, &caller.by(), id, today()).await?;
    let input: ProgressIn = json_body(&body)?;
    let version = version_of(&headers, input.version)?;
    milestones::update_progress(
        &state.db,
        &caller.by(),
        id,
        Progress {
            forecast_on: input.forecast_on.unwrap_or_default(),
            status: input.status,
            actual_on: input.actual_on.unwrap_or_default(),
            version: version.to_string(),
        },
    )
    .await?;
    milestone_answer(&state, &caller, id).await
}

#[utoipa::path(post, path = "/api/v1/milestones/{id}/sign-off", tag = "milestones",
    params(("id" = i32, Path, description = "The milestone's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag read (instead of version in the body)")),
    request_body = SignOffIn,
    responses(
        (status = 200, description = "Signed off; the milestone as it is now", body = MilestoneDetailOut, headers(("ETag" = String))),
        (status = 400, description = "Not the JSON this takes", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the programme office", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such milestone", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version is stale", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is not a version", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors (e.g. not complete with an actual date)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No version sent", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn sign_off(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    milestones::detail(&state.db, &caller.by(), id, today()).await?;
    let input: SignOffIn = json_body(&body)?;
    let version = version_of(&headers, input.version)?;
    milestones::sign_off(
        &state.db,
        &caller.by(),
        id,
        SignOff {
            signed_off_on: input.signed_off_on,
            version: version.to_string(),
        },
        today(),
    )
    .await?;
    milestone_answer(&state, &caller, id).await
}

#[utoipa::path(post, path = "/api/v1/tranches/{id}/release", tag = "funding",
    params(("id" = i32, Path, description = "The tranche's id"),
           ("If-Match" = Option<String>, Header, description = "The tranche's version (instead of version in the body)")),
    request_body = ReleaseIn,
    responses(
        (status = 200, description = "Released", body = Saved),
        (status = 400, description = "Not the JSON this takes", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the programme office", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such tranche", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version is stale", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is not a version", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "It cannot be released (e.g. its milestone is not signed off, or already released)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No version sent", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn release(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    funding::release_preview(&state.db, &caller.by(), id, today()).await?;
    let input: ReleaseIn = json_body(&body)?;
    let version = version_of(&headers, input.version)?;
    let today = today();
    let released_on = input
        .released_on
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| today.to_string());
    let saved = funding::release_tranche(
        &state.db,
        &caller.by(),
        id,
        Release {
            released_on,
            version: version.to_string(),
        },
        today,
    )
    .await?;
    Ok(json(
        &Saved {
            id,
            version: None,
            message: format!("Released {} to {}", saved.name, saved.ods),
        },
        None,
    ))
}

/// Pounds and pence as the form's money field takes them.
pub(super) fn pounds(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let p = pence.unsigned_abs();
    format!("{sign}{}.{:02}", p / 100, p % 100)
}

#[utoipa::path(put, path = "/api/v1/returns/{period}/{ods_code}", tag = "returns",
    params(("period" = String, Path, description = "The period's slug, e.g. 2020-21-q3", example = "2020-21-q4"),
           ("ods_code" = String, Path, description = "The trust's ODS code (the token's own trust)", example = "RAL"),
           ("If-Match" = Option<String>, Header, description = "The ETag read (instead of version in the body)")),
    request_body = ReturnIn,
    responses(
        (status = 200, description = "Saved as a draft, or submitted; the return as it is now", body = ReturnOut, headers(("ETag" = String))),
        (status = 400, description = "Not the JSON this takes", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a trust reporter (returns are completed by the trust's own reporter)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such period or trust, or another trust's", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version is stale", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is not a version", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors (on submit: every line needs a status, and a rating)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No version sent", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn save_return(
    State(state): State<AppState>,
    caller: Caller,
    Path((period, ods_code)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let by = caller.by();
    let period = PeriodRef::parse(&period);
    let scale = state.config.rating_scale;
    // Read first: out of scope is 404 before anything about the body is said.
    let current = returns::load(&state.db, &by, &period, &ods_code, scale).await?;
    let input: ReturnIn = json_body(&body)?;
    let version = version_of(&headers, input.version)?;
    let mut errors = Vec::new();
    for (i, line) in input.lines.iter().enumerate() {
        if !current
            .lines
            .iter()
            .any(|l| l.milestone_id == line.milestone_id)
        {
            errors.push(ProblemField {
                field: format!("lines[{i}].milestone_id"),
                message: format!(
                    "Milestone {} is not one of this return's lines",
                    line.milestone_id
                ),
            });
        }
    }
    if input.risks.len() > MAX_RISKS {
        errors.push(ProblemField {
            field: "risks".into(),
            message: format!("A return holds at most {MAX_RISKS} risks"),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let mut pairs: Vec<(String, String)> = vec![
        ("version".into(), version.to_string()),
        (
            "spend_to_date".into(),
            input.spend_to_date_pence.map(pounds).unwrap_or_default(),
        ),
        ("self_rating".into(), input.self_rating.unwrap_or_default()),
        (
            "rating_justification".into(),
            input.rating_justification.unwrap_or_default(),
        ),
        ("narrative".into(), input.narrative.unwrap_or_default()),
    ];
    for line in &current.lines {
        let id = line.milestone_id;
        let (forecast, status, comment) = match input.lines.iter().find(|l| l.milestone_id == id) {
            Some(sent) => (
                sent.forecast_on.clone().unwrap_or_default(),
                sent.status.clone().unwrap_or_default(),
                sent.comment.clone().unwrap_or_default(),
            ),
            // Lines not sent keep what the return holds.
            None => (
                line.forecast_on.map(|d| d.to_string()).unwrap_or_default(),
                line.status.map(|s| s.code().to_owned()).unwrap_or_default(),
                line.comment.clone().unwrap_or_default(),
            ),
        };
        pairs.push((format!("m_{id}_forecast"), forecast));
        pairs.push((format!("m_{id}_status"), status));
        pairs.push((format!("m_{id}_comment"), comment));
    }
    for (i, risk) in input.risks.iter().enumerate() {
        let n = i + 1;
        pairs.push((format!("risk_{n}_description"), risk.description.clone()));
        pairs.push((format!("risk_{n}_rating"), risk.rating.clone()));
        pairs.push((
            format!("risk_{n}_mitigation"),
            risk.mitigation.clone().unwrap_or_default(),
        ));
    }
    returns::save(
        &state.db,
        &by,
        &period,
        &ods_code,
        &pairs,
        input.submit,
        scale,
    )
    .await?;
    let now = returns::load(&state.db, &by, &period, &ods_code, scale).await?;
    Ok(json(&ReturnOut::from(&now), Some(now.version)))
}

#[utoipa::path(post, path = "/api/v1/returns/{period}/{ods_code}/review", tag = "returns",
    params(("period" = String, Path, description = "The period's slug, e.g. 2020-21-q3", example = "2020-21-q4"),
           ("ods_code" = String, Path, description = "The trust's ODS code", example = "RAL"),
           ("If-Match" = Option<String>, Header, description = "The return's ETag (instead of version in the body)")),
    request_body = ReviewIn,
    responses(
        (status = 200, description = "Approved or returned; the return as it is now", body = ReturnOut, headers(("ETag" = String))),
        (status = 400, description = "Not the JSON this takes", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the programme office", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such period or trust", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The return, or a milestone an approval would change, moved since the versions sent", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is not a version", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors (not submitted, no rating to approve, no comment to return)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No version sent", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn review(
    State(state): State<AppState>,
    caller: Caller,
    Path((period, ods_code)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let by = caller.by();
    let period = PeriodRef::parse(&period);
    let scale = state.config.rating_scale;
    returns::load(&state.db, &by, &period, &ods_code, scale).await?;
    let input: ReviewIn = json_body(&body)?;
    let version = version_of(&headers, input.version)?;
    let form = ReviewForm {
        decision: input.decision,
        office_rating: input.office_rating.unwrap_or_default(),
        office_comment: input.office_comment.unwrap_or_default(),
        version: version.to_string(),
        milestone_versions: input
            .milestone_versions
            .iter()
            .map(|m| (m.milestone_id, m.version.to_string()))
            .collect(),
        confirmed: true,
    };
    returns::review(&state.db, &by, &period, &ods_code, form).await?;
    let now = returns::load(&state.db, &by, &period, &ods_code, scale).await?;
    Ok(json(&ReturnOut::from(&now), Some(now.version)))
}

#[utoipa::path(post, path = "/api/v1/milestones/{id}/baseline-requests", tag = "milestones",
    params(("id" = i32, Path, description = "The milestone's id")),
    request_body = BaselineRequestIn,
    responses(
        (status = 201, description = "Requested: another programme-office user decides it", body = Saved),
        (status = 400, description = "Not the JSON this takes", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "A briefing reader", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such milestone, or another trust's", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Someone changed the milestone at the same moment", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors (a reason is needed; one request at a time per milestone)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn request_baseline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    milestones::detail(&state.db, &caller.by(), id, today()).await?;
    let input: BaselineRequestIn = json_body(&body)?;
    milestones::request_baseline_change(
        &state.db,
        &caller.by(),
        id,
        BaselineRequest {
            proposed_baseline_on: input.proposed_baseline_on,
            reason: input.reason,
        },
    )
    .await?;
    let mut response = json(
        &Saved {
            id,
            version: None,
            message: "Baseline change requested; another programme-office user decides it"
                .to_owned(),
        },
        None,
    );
    *response.status_mut() = axum::http::StatusCode::CREATED;
    Ok(response)
}

#[utoipa::path(post, path = "/api/v1/periods", tag = "returns",
    request_body = PeriodIn,
    responses(
        (status = 201, description = "Opened: every active trust now has a return due for it", body = PeriodOut),
        (status = 400, description = "Not the JSON this takes", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or not a working one", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the programme office", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors (e.g. that period is already open)", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = crate::domain::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn open_period(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: PeriodIn = json_body(&body)?;
    let period = returns::open_period(
        &state.db,
        &caller.by(),
        PeriodForm {
            frequency: input.frequency,
            year: input.year.to_string(),
            number: input.number.to_string(),
            due_on: input.due_on,
        },
    )
    .await?;
    let mut response = json(&PeriodOut::from(&period), None);
    *response.status_mut() = axum::http::StatusCode::CREATED;
    Ok(response)
}
