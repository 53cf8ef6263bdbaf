//! `/open-data/360giving.json`: the awards as a 360Giving data package, for
//! the programme office, or for anyone when `GDE_360G_PUBLIC` is on
//! (settings in `Config::open_data`).
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::{AppError, AppState, Ctx};
use crate::services::open_data::{self, Audience, OpenDataError};

pub async fn giving360(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let audience = if state.config.open_data_public {
        Audience::Public
    } else {
        Audience::Office
    };
    let by = match audience {
        Audience::Public => ctx.by().ok(),
        Audience::Office => Some(ctx.by()?),
    };
    let today = crate::clock::now().date();
    let publication = open_data::giving360(
        &state.db,
        by.as_ref(),
        audience,
        &state.config.open_data,
        today,
    )
    .await
    .map_err(|error| match error {
        OpenDataError::Service(e) => AppError::from(e),
        // Settings not complete, or nothing to publish: say what to change.
        other => AppError::Unprocessable(other.to_string()),
    })?;
    let body = serde_json::to_string_pretty(&publication.json).map_err(|_| AppError::Internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"360giving-{today}.json\""),
            ),
        ],
        body,
    )
        .into_response())
}
