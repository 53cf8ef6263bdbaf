//! Return pages: the queue, periods, one return, a trust's history and comparisons.
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use serde::Deserialize;

use super::respond::respond;
use super::{AppError, AppState, Ctx};
use crate::domain::access::UserRole;
use crate::domain::pagination::PageRequest;
use crate::domain::reporting::{ReturnStatus, check_editable};
use crate::services::audit_log;
use crate::services::returns::{
    self as service, PeriodForm, PeriodRef, ReturnData, ReviewForm, RiskEdit,
};
use crate::services::{FieldError, ServiceError};
use crate::views::returns::{self as view, ReturnAccess};

fn today() -> time::Date {
    crate::clock::now().date()
}

/// The queue's query string: how the latest-period table is sorted.
#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    sort: Option<String>,
    dir: Option<String>,
    page: Option<String>,
    size: Option<String>,
    review_page: Option<String>,
    review_size: Option<String>,
    overdue_page: Option<String>,
    overdue_size: Option<String>,
}

pub async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<QueueQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Markup, AppError> {
    use crate::domain::table_sort::{SortOrder, StandingColumn};
    let Query(query) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let sort = SortOrder::parse(
        query.sort.as_deref(),
        query.dir.as_deref(),
        StandingColumn::Trust,
    )
    .map_err(AppError::BadRequest)?;
    let pages = |page: &Option<String>, size: &Option<String>, p: &str, s: &str| {
        PageRequest::parse_named(page.as_deref(), size.as_deref(), p, s)
            .map_err(AppError::BadRequest)
    };
    let request = service::QueueRequest {
        sort,
        latest: pages(&query.page, &query.size, "page", "size")?,
        review: pages(
            &query.review_page,
            &query.review_size,
            "review_page",
            "review_size",
        )?,
        overdue: pages(
            &query.overdue_page,
            &query.overdue_size,
            "overdue_page",
            "overdue_size",
        )?,
    };
    let (by, today) = (ctx.by()?, today());
    let queue = state
        .cached(&state.caches.queue, &by, today, request, || {
            service::queue(&state.db, &by, today, request)
        })
        .await?;
    Ok(view::queue(
        &ctx.chrome,
        &queue,
        ctx.user()?.actor().is_office(),
        sort,
    ))
}

async fn periods_page(
    state: &AppState,
    ctx: &Ctx,
    v: &PeriodForm,
    errors: &[FieldError],
) -> Result<Markup, AppError> {
    let periods = service::list_periods(&state.db, &ctx.by()?).await?;
    Ok(view::periods(&ctx.chrome, &periods, v, errors))
}

pub async fn periods(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    periods_page(&state, &ctx, &PeriodForm::default(), &[]).await
}

pub async fn open_period(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PeriodForm>,
) -> Result<Response, AppError> {
    let result = service::open_period(&state.db, &ctx.by()?, form.clone()).await;
    let invalid = match &result {
        Err(ServiceError::Invalid(errors)) => {
            Some(periods_page(&state, &ctx, &form, errors).await?)
        }
        _ => None,
    };
    respond(
        &ctx,
        result,
        |p| (format!("Period {} opened.", p.label), "/periods".into()),
        |_| invalid.unwrap_or_default(),
    )
    .await
}

fn access(ctx: &Ctx, d: &ReturnData) -> Result<ReturnAccess, AppError> {
    let actor = ctx.user()?.actor();
    let own = actor.role == UserRole::TrustReporter
        && actor.organisation_id == Some(d.trust.organisation_id);
    Ok(ReturnAccess {
        can_edit: own && check_editable(d.status).is_ok(),
        can_review: actor.is_office() && d.status == Some(ReturnStatus::Submitted),
    })
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    period: &PeriodRef,
    ods: &str,
    posted: Option<&[(String, String)]>,
    errors: &[FieldError],
) -> Result<Markup, AppError> {
    let by = ctx.by()?;
    let data = service::load(&state.db, &by, period, ods, state.config.rating_scale).await?;
    let access = access(ctx, &data)?;
    let history = audit_log::return_history(
        &state.db,
        &by,
        data.period.id,
        data.trust.organisation_id,
        data.trust.participant_id,
    )
    .await?;
    Ok(view::return_page(
        &ctx.chrome,
        &data,
        &access,
        &history,
        posted,
        errors,
    ))
}

/// 409: someone saved or reviewed the return (or changed one of its
/// milestones) since this form was opened; nothing of this request was kept.
async fn conflict(
    state: &AppState,
    ctx: &Ctx,
    period: &PeriodRef,
    ods: &str,
    why: &str,
) -> Result<Response, AppError> {
    let data = service::load(
        &state.db,
        &ctx.by()?,
        period,
        ods,
        state.config.rating_scale,
    )
    .await?;
    Ok(super::respond::conflict(view::conflict(
        &ctx.chrome,
        &data,
        why,
    )))
}

/// An old link naming the period by its numeric id: a permanent redirect
/// (308, so a posted form is posted again) to the page as it is named now.
/// Checked like a read first, so another trust's return is not found alike.
async fn moved(
    state: &AppState,
    ctx: &Ctx,
    period: &PeriodRef,
    ods: &str,
    suffix: &str,
) -> Result<Option<Response>, AppError> {
    if !period.is_id() {
        return Ok(None);
    }
    let path = service::return_path(&state.db, &ctx.by()?, period, ods).await?;
    Ok(Some(
        Redirect::permanent(&format!("{path}{suffix}")).into_response(),
    ))
}

fn named(period: &str, ods: &str) -> (PeriodRef, String) {
    (PeriodRef::parse(period), ods.to_uppercase())
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((period, ods)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (period, ods) = named(&period, &ods);
    if let Some(redirect) = moved(&state, &ctx, &period, &ods, "").await? {
        return Ok(redirect);
    }
    Ok(render(&state, &ctx, &period, &ods, None, &[])
        .await?
        .into_response())
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((period, ods)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (period, ods) = named(&period, &ods);
    if let Some(redirect) = moved(&state, &ctx, &period, &ods, "").await? {
        return Ok(redirect);
    }
    let action = service::field(&pairs, "action");
    // "Add another risk" and "Remove": the form again, one block more or
    // less, everything typed kept and nothing saved.
    if let Some(edit) = RiskEdit::parse(action) {
        let pairs = edit.apply(&pairs);
        return Ok(render(&state, &ctx, &period, &ods, Some(&pairs), &[])
            .await?
            .into_response());
    }
    let submit = action == "submit";
    let result = service::save(
        &state.db,
        &ctx.by()?,
        &period,
        &ods,
        &pairs,
        submit,
        state.config.rating_scale,
    )
    .await;
    match result {
        Err(ServiceError::Invalid(errors)) => {
            let page = render(&state, &ctx, &period, &ods, Some(&pairs), &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(ServiceError::Conflict) => {
            conflict(
                &state,
                &ctx,
                &period,
                &ods,
                "Someone saved or submitted this return after you opened it, so nothing of yours was saved.",
            )
            .await
        }
        other => {
            let path = service::return_path(&state.db, &ctx.by()?, &period, &ods).await?;
            respond(
                &ctx,
                other,
                |s| {
                    let message = if *s == ReturnStatus::Submitted {
                        "Return submitted to the programme office. It can no longer be changed unless the office returns it."
                    } else {
                        "Draft saved."
                    };
                    (message.into(), path)
                },
                |_| Markup::default(),
            )
            .await
        }
    }
}

const REVIEW_CONFLICT: &str = "The return was reviewed, or one of its milestones changed, after you opened this page, so nothing was approved or returned.";

pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((period, ods)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (period, ods) = named(&period, &ods);
    if let Some(redirect) = moved(&state, &ctx, &period, &ods, "/review").await? {
        return Ok(redirect);
    }
    let form = ReviewForm::from_pairs(&pairs);
    // Approving is confirmed first, on a page that says what it will change.
    if form.wants_confirmation() {
        return match service::preview_approval(&state.db, &ctx.by()?, &period, &ods, &form).await {
            Ok(preview) => Ok(view::confirm_approval(&ctx.chrome, &preview).into_response()),
            Err(ServiceError::Invalid(errors)) => {
                let page = render(&state, &ctx, &period, &ods, Some(&pairs), &errors).await?;
                Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
            }
            Err(ServiceError::Conflict) => {
                conflict(&state, &ctx, &period, &ods, REVIEW_CONFLICT).await
            }
            Err(other) => Err(other.into()),
        };
    }
    let result = service::review(&state.db, &ctx.by()?, &period, &ods, form).await;
    match result {
        Err(ServiceError::Invalid(errors)) => {
            let page = render(&state, &ctx, &period, &ods, Some(&pairs), &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(ServiceError::Conflict) => conflict(&state, &ctx, &period, &ods, REVIEW_CONFLICT).await,
        other => {
            let path = service::return_path(&state.db, &ctx.by()?, &period, &ods).await?;
            respond(
                &ctx,
                other,
                |s| {
                    let message = if *s == ReturnStatus::Approved {
                        "Return approved: the live milestones now carry its forecasts, and the return is frozen."
                    } else {
                        "Return sent back to the trust with your comments."
                    };
                    (message.into(), path)
                },
                |_| Markup::default(),
            )
            .await
        }
    }
}

pub async fn history(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(ods): Path<String>,
) -> Result<Markup, AppError> {
    let ods = ods.to_uppercase();
    let (trust, rows) = service::history(&state.db, &ctx.by()?, &ods, today()).await?;
    Ok(view::history(
        &ctx.chrome,
        &trust.name,
        &trust.ods_code,
        &rows,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CompareQuery {
    from: String,
    to: String,
}

pub async fn compare(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(ods): Path<String>,
    Query(q): Query<CompareQuery>,
) -> Result<Markup, AppError> {
    let ods = ods.to_uppercase();
    let parse = |t: &str, which: &str| {
        let t = t.trim();
        if t.is_empty() {
            return Err(AppError::BadRequest(format!(
                "{which}: choose a period to compare"
            )));
        }
        Ok(PeriodRef::parse(t))
    };
    let (from, to) = (parse(&q.from, "from")?, parse(&q.to, "to")?);
    let by = ctx.by()?;
    let a = service::load(&state.db, &by, &from, &ods, state.config.rating_scale).await?;
    let b = service::load(&state.db, &by, &to, &ods, state.config.rating_scale).await?;
    Ok(view::compare(&ctx.chrome, &a.trust.name, &ods, &a, &b))
}
