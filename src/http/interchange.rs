//! Spreadsheet import and export over the web: the upload page (a CSV file
//! as multipart/form-data, at most `MAX_UPLOAD_BYTES`), the result summary,
//! template and export downloads (an export takes the list page's filters).
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::Markup;

use super::{AppError, AppState, Ctx};
use crate::services::interchange::{self, ExportFilter, Kind, Source};
use crate::services::milestones::MilestoneFilterValues;
use crate::views::interchange::{self as view, MAX_UPLOAD_BYTES};

fn kind(code: &str) -> Result<Kind, AppError> {
    Kind::from_code(code).ok_or(AppError::NotFound)
}

pub async fn index(ctx: Ctx) -> Result<Markup, AppError> {
    ctx.by()?
        .change_programme()
        .map_err(crate::services::ServiceError::from)?;
    Ok(view::index(&ctx.chrome))
}

pub async fn form(ctx: Ctx, Path(code): Path<String>) -> Result<Markup, AppError> {
    let kind = kind(&code)?;
    ctx.by()?
        .change_programme()
        .map_err(crate::services::ServiceError::from)?;
    Ok(view::kind_page(&ctx.chrome, kind, None, None))
}

fn csv(body: String, file_name: &str) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

pub async fn template(Path(code): Path<String>) -> Result<Response, AppError> {
    let kind = kind(&code)?;
    Ok(csv(
        kind.template(),
        &format!("{}-template.csv", kind.code()),
    ))
}

/// The records the person may read, through the list page's filters.
pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    query: Result<Query<MilestoneFilterValues>, QueryRejection>,
) -> Result<Response, AppError> {
    let kind = kind(&code)?;
    let Query(values) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let filter = ExportFilter {
        milestones: values.parse().map_err(AppError::BadRequest)?,
    };
    let body = interchange::export_string(&state.db, &ctx.by()?, kind, &filter).await?;
    Ok(csv(body, &format!("{}.csv", kind.code())))
}

/// Reads the upload: the file (up to the limit) and the dry-run box.
async fn read_upload(mut multipart: Multipart) -> Result<(Vec<u8>, String, bool), String> {
    let mut file = None;
    let mut dry_run = false;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(upload_error(&e.body_text())),
        };
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("upload.csv").to_owned();
                let mut bytes = Vec::new();
                let mut field = field;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
                                return Err(too_big());
                            }
                            bytes.extend_from_slice(&chunk);
                        }
                        Ok(None) => break,
                        Err(e) => return Err(upload_error(&e.body_text())),
                    }
                }
                file = Some((bytes, name));
            }
            Some("dry_run") => dry_run = true,
            _ => {}
        }
    }
    let (bytes, name) = file.ok_or("Choose a CSV file to upload.")?;
    Ok((bytes, name, dry_run))
}

fn too_big() -> String {
    format!(
        "The file is larger than {} MiB, the most this page accepts. Split it, or import it \
         with `gde import` on the command line (up to {} MiB).",
        MAX_UPLOAD_BYTES / (1024 * 1024),
        crate::domain::interchange::MAX_FILE_BYTES / (1024 * 1024)
    )
}

fn upload_error(detail: &str) -> String {
    if detail.contains("length limit") || detail.contains("too large") {
        too_big()
    } else {
        format!("The upload could not be read: {detail}")
    }
}

pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let kind = kind(&code)?;
    let by = ctx.by()?;
    by.change_programme()
        .map_err(crate::services::ServiceError::from)?;
    let upload = match multipart {
        Ok(multipart) => read_upload(multipart).await,
        Err(e) => Err(format!(
            "Send the file from this page's form ({})",
            e.body_text()
        )),
    };
    let (bytes, name, dry_run) = match upload {
        Ok(upload) => upload,
        Err(reason) => {
            let page = view::kind_page(&ctx.chrome, kind, None, Some(&reason));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let outcome = interchange::import(
        &state.db,
        &by,
        kind,
        Source {
            reader: bytes.as_slice(),
            file_name: &name,
        },
        dry_run,
        &mut |_| {},
    )
    .await?;
    let status = if outcome.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        view::kind_page(&ctx.chrome, kind, Some(&outcome), None),
    )
        .into_response())
}
