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
use crate::domain::access::UserRole;
use crate::services::By;
use crate::services::interchange::{self, ExportFilter, Kind, ListFilter, Source};
use crate::services::milestones::MilestoneFilterValues;
use crate::views::interchange::{self as view, MAX_UPLOAD_BYTES};

fn kind(code: &str) -> Result<Kind, AppError> {
    Kind::from_code(code).ok_or(AppError::NotFound)
}

pub async fn index(ctx: Ctx) -> Result<Markup, AppError> {
    let kinds = kinds_for(&ctx.by()?);
    if kinds.is_empty() {
        return Err(AppError::Forbidden(
            "Only the programme office and trust reporters can import.".into(),
        ));
    }
    Ok(view::index(&ctx.chrome, &kinds))
}

/// The kinds this person may import: the office's, or a reporter's return lines.
fn kinds_for(by: &By) -> Vec<Kind> {
    Kind::ALL
        .into_iter()
        .filter(|k| may_import(by, *k).is_ok())
        .collect()
}

fn may_import(by: &By, kind: Kind) -> Result<(), AppError> {
    let reporter = matches!(by, By::User(a) if a.role == UserRole::TrustReporter);
    match (kind, reporter) {
        (Kind::ReturnLines, true) => Ok(()),
        (Kind::ReturnLines, false) => Err(AppError::Forbidden(
            "Returns are completed by the trust's own reporter.".into(),
        )),
        (_, false) => by
            .change_programme()
            .map_err(|e| crate::services::ServiceError::from(e).into()),
        (_, true) => Err(AppError::Forbidden(
            "Only the programme office can do this.".into(),
        )),
    }
}

pub async fn form(ctx: Ctx, Path(code): Path<String>) -> Result<Markup, AppError> {
    let kind = kind(&code)?;
    may_import(&ctx.by()?, kind)?;
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

/// A list page's filters, and for return lines the return's period.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ExportQuery {
    participant: String,
    status: String,
    category: String,
    overdue: String,
    slipped_over: String,
    sort: String,
    period: String,
    /// The participants list's filters.
    role: String,
    sector: String,
    region: String,
}

/// The participants list's filters (role, sector, region), as its page reads them.
fn list_filter(q: &ExportQuery) -> Result<ListFilter, AppError> {
    use crate::domain::participant::{Role, Sector};
    use crate::domain::region::RegionCode;
    let chosen = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    Ok(ListFilter {
        role: chosen(&q.role)
            .map(|v| Role::from_code(&v).map_err(|e| format!("role: {e}")))
            .transpose()
            .map_err(AppError::BadRequest)?,
        sector: chosen(&q.sector)
            .map(|v| Sector::from_code(&v).map_err(|e| format!("sector: {e}")))
            .transpose()
            .map_err(AppError::BadRequest)?,
        region: chosen(&q.region)
            .map(|v| RegionCode::parse(&v).map_err(|e| format!("region: {e}")))
            .transpose()
            .map_err(AppError::BadRequest)?,
    })
}

/// The records the person may read, through the list page's filters.
pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let kind = kind(&code)?;
    let Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let list = list_filter(&q)?;
    let values = MilestoneFilterValues {
        participant: q.participant,
        status: q.status,
        category: q.category,
        overdue: q.overdue,
        slipped_over: q.slipped_over,
        sort: q.sort,
        ..Default::default()
    };
    let filter = ExportFilter {
        milestones: values.parse().map_err(AppError::BadRequest)?,
        period: Some(q.period).filter(|p| !p.trim().is_empty()),
    };
    let body =
        interchange::export_string_listed(&state.db, &ctx.by()?, kind, &filter, &list).await?;
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

/// The return a reporter imports lines into: their own trust's (others are
/// not found), and its page's address and lines download.
async fn own_return(
    state: &AppState,
    by: &By,
    period: &str,
    ods: &str,
) -> Result<(String, String), AppError> {
    let data = crate::services::returns::load(
        &state.db,
        by,
        &crate::services::returns::PeriodRef::parse(period),
        ods,
        state.config.rating_scale,
    )
    .await?;
    let path = data.period.return_path(&data.trust.ods_code);
    let export = format!(
        "/export/return-lines?{}",
        serde_urlencoded::to_string([
            ("period", data.period.slug.as_str()),
            ("participant", data.trust.ods_code.as_str()),
        ])
        .unwrap_or_default()
    );
    Ok((path, export))
}

pub async fn return_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((period, ods)): Path<(String, String)>,
) -> Result<Markup, AppError> {
    let (path, export) = own_return(&state, &ctx.by()?, &period, &ods).await?;
    Ok(view::return_page(&ctx.chrome, &path, &export, None, None))
}

pub async fn return_upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((period, ods)): Path<(String, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let by = ctx.by()?;
    let (path, export) = own_return(&state, &by, &period, &ods).await?;
    let page = |outcome: Option<&interchange::ImportOutcome>, refusal: Option<&str>| {
        view::return_page(&ctx.chrome, &path, &export, outcome, refusal)
    };
    let (bytes, name, dry_run) = match read(multipart).await {
        Ok(upload) => upload,
        Err(reason) => {
            return Ok(
                (StatusCode::UNPROCESSABLE_ENTITY, page(None, Some(&reason))).into_response(),
            );
        }
    };
    let outcome = run(&state, &by, Kind::ReturnLines, &bytes, &name, dry_run).await?;
    Ok((status_of(&outcome), page(Some(&outcome), None)).into_response())
}

async fn read(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(Vec<u8>, String, bool), String> {
    match multipart {
        Ok(multipart) => read_upload(multipart).await,
        Err(e) => Err(format!(
            "Send the file from this page's form ({})",
            e.body_text()
        )),
    }
}

async fn run(
    state: &AppState,
    by: &By,
    kind: Kind,
    bytes: &[u8],
    name: &str,
    dry_run: bool,
) -> Result<interchange::ImportOutcome, AppError> {
    Ok(interchange::import(
        &state.db,
        by,
        kind,
        Source {
            reader: bytes,
            file_name: name,
            rating_scale: state.config.rating_scale,
        },
        dry_run,
        &mut |_| {},
    )
    .await?)
}

fn status_of(outcome: &interchange::ImportOutcome) -> StatusCode {
    if outcome.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
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
    may_import(&by, kind)?;
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
            rating_scale: state.config.rating_scale,
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
