//! Spreadsheet import and export over the web: the upload page (a CSV file
//! as multipart/form-data, at most `MAX_FILE_BYTES` like the command line,
//! spooled chunk by chunk to a temporary file and imported from there, so
//! memory stays flat whatever the file's size), the result summary,
//! template and export downloads (an export takes the list page's filters).
use std::io::{Seek, SeekFrom, Write};
use std::path::PathBuf;

use axum::extract::multipart::{Field, MultipartRejection};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::Markup;

use super::{AppError, AppState, Ctx};
use crate::domain::access::UserRole;
use crate::domain::interchange::MAX_FILE_BYTES;
use crate::services::By;
use crate::services::interchange::{
    self, ExportFilter, Kind, ListFilter, ListFilterValues, Source,
};
use crate::services::milestones::MilestoneFilterValues;
use crate::views::interchange as view;

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

/// The participants list's filters (role, sector, region), checked as the
/// command line checks them.
fn list_filter(q: &ExportQuery) -> Result<ListFilter, AppError> {
    ListFilterValues {
        role: q.role.clone(),
        sector: q.sector.clone(),
        region: q.region.clone(),
    }
    .parse()
    .map_err(|e| AppError::BadRequest(e.to_string()))
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

/// Where the upload page spools a file while it is imported, and the most it
/// takes: the command line's limit (`MAX_FILE_BYTES`), in the system's
/// temporary directory. A test may lower the limit or choose the directory
/// (`AppState::with_uploads`); there is no setting for it.
#[derive(Clone, Debug)]
pub struct Uploads {
    /// The largest file accepted, in bytes.
    pub limit: u64,
    /// Where spooled files are created.
    pub dir: PathBuf,
}

impl Default for Uploads {
    fn default() -> Uploads {
        Uploads {
            limit: MAX_FILE_BYTES,
            dir: std::env::temp_dir(),
        }
    }
}

/// The upload routes' body limit: the largest file and room for the form's
/// other fields and the multipart framing. A bigger body is cut off by axum
/// and answered with [`too_big`].
pub const UPLOAD_BODY_LIMIT: usize = MAX_FILE_BYTES as usize + 64 * 1024;

/// Bytes gathered before each write to the spooled file.
const SPOOL_BUFFER: usize = 1024 * 1024;

/// An uploaded file on disk: a temporary file with a unique name, readable
/// from its start, removed by [`TempUpload::remove`] or, on any other path
/// (a refusal, an error, a request abandoned mid-way), when dropped.
struct Spooled {
    file: TempUpload,
    name: String,
}

/// A temporary file that is removed when dropped (off the async threads when
/// a runtime is running).
struct TempUpload(Option<tempfile::NamedTempFile>);

impl TempUpload {
    async fn create(dir: PathBuf) -> Result<TempUpload, String> {
        let file = tokio::task::spawn_blocking(move || {
            tempfile::Builder::new()
                .prefix("gde-upload-")
                .suffix(".csv")
                .tempfile_in(dir)
        })
        .await
        .map_err(|e| spool_fault(&e.to_string()))?
        .map_err(|e| spool_fault(&e.to_string()))?;
        Ok(TempUpload(Some(file)))
    }

    /// Runs `work` on the file on a blocking thread. Should the request be
    /// abandoned meanwhile, the file is dropped (and removed) there.
    async fn with_file<T, F>(&mut self, work: F) -> Result<T, String>
    where
        F: FnOnce(&mut std::fs::File) -> std::io::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let mut file = self.0.take().ok_or_else(|| spool_fault("no file"))?;
        let (file, result) = tokio::task::spawn_blocking(move || {
            let result = work(file.as_file_mut());
            (file, result)
        })
        .await
        .map_err(|e| spool_fault(&e.to_string()))?;
        self.0 = Some(file);
        result.map_err(|e| spool_fault(&e.to_string()))
    }

    fn file(&self) -> Option<&std::fs::File> {
        self.0.as_ref().map(|f| f.as_file())
    }

    /// Removes the file now, off the async threads.
    async fn remove(mut self) {
        if let Some(file) = self.0.take() {
            let removed = tokio::task::spawn_blocking(move || file.close()).await;
            if let Ok(Err(e)) = removed {
                tracing::warn!(error = %e, "could not remove a spooled upload");
            }
        }
    }
}

impl Drop for TempUpload {
    fn drop(&mut self) {
        if let Some(file) = self.0.take() {
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn_blocking(move || drop(file));
                }
                Err(_) => drop(file),
            }
        }
    }
}

fn spool_fault(detail: &str) -> String {
    tracing::error!(error = detail, "could not spool an upload");
    "The upload could not be stored for checking; try again, or import the file with \
     `gde import` on the command line."
        .to_owned()
}

/// Writes one multipart field, chunk by chunk, to a new temporary file in
/// `dir`: at most `limit` bytes (a bigger file is refused as soon as it
/// passes the limit, and its partial copy removed); memory holds one buffer.
async fn spool(field: &mut Field<'_>, dir: PathBuf, limit: u64) -> Result<TempUpload, String> {
    let mut file = TempUpload::create(dir).await?;
    let mut buffer: Vec<u8> = Vec::with_capacity(SPOOL_BUFFER);
    let mut size: u64 = 0;
    loop {
        let chunk = match field.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) => {
                file.remove().await;
                return Err(upload_error(&e.body_text(), limit));
            }
        };
        size += chunk.len() as u64;
        if size > limit {
            file.remove().await;
            return Err(too_big(limit));
        }
        buffer.extend_from_slice(&chunk);
        if buffer.len() >= SPOOL_BUFFER {
            let full = std::mem::replace(&mut buffer, Vec::with_capacity(SPOOL_BUFFER));
            if let Err(e) = file.with_file(move |f| f.write_all(&full)).await {
                file.remove().await;
                return Err(e);
            }
        }
    }
    let rest = buffer;
    let written = file
        .with_file(move |f| {
            f.write_all(&rest)?;
            f.flush()?;
            f.seek(SeekFrom::Start(0))
        })
        .await;
    if let Err(e) = written {
        file.remove().await;
        return Err(e);
    }
    Ok(file)
}

/// Reads the upload: the file, spooled to disk (up to the limit), and the
/// dry-run box.
async fn read_upload(
    mut multipart: Multipart,
    uploads: &Uploads,
) -> Result<(Spooled, bool), String> {
    let mut file: Option<Spooled> = None;
    let mut dry_run = false;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                if let Some(spooled) = file {
                    spooled.file.remove().await;
                }
                return Err(upload_error(&e.body_text(), uploads.limit));
            }
        };
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("upload.csv").to_owned();
                if let Some(earlier) = file.take() {
                    earlier.file.remove().await;
                }
                let spooled = spool(&mut field, uploads.dir.clone(), uploads.limit).await?;
                file = Some(Spooled {
                    file: spooled,
                    name,
                });
            }
            Some("dry_run") => dry_run = true,
            _ => {}
        }
    }
    let file = file.ok_or("Choose a CSV file to upload.")?;
    Ok((file, dry_run))
}

/// `256 MiB`, or for a limit below a mebibyte `16 KiB`.
fn size_label(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{} KiB", bytes / 1024)
    }
}

fn too_big(limit: u64) -> String {
    format!(
        "The file is larger than {}, the most an import accepts (here or with `gde import` on \
         the command line); nothing was imported. Split it into smaller files.",
        size_label(limit)
    )
}

fn upload_error(detail: &str, limit: u64) -> String {
    if detail.contains("length limit") || detail.contains("too large") {
        too_big(limit)
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
    let (file, dry_run) = match read(&state, multipart).await {
        Ok(upload) => upload,
        Err(reason) => {
            return Ok(
                (StatusCode::UNPROCESSABLE_ENTITY, page(None, Some(&reason))).into_response(),
            );
        }
    };
    let outcome = run(&state, &by, Kind::ReturnLines, file, dry_run).await?;
    Ok((status_of(&outcome), page(Some(&outcome), None)).into_response())
}

async fn read(
    state: &AppState,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(Spooled, bool), String> {
    match multipart {
        Ok(multipart) => read_upload(multipart, &state.uploads).await,
        Err(e) => Err(format!(
            "Send the file from this page's form ({})",
            e.body_text()
        )),
    }
}

/// Imports the spooled file through the service the command line uses,
/// reading it from disk as `gde import` does, then removes it.
async fn run(
    state: &AppState,
    by: &By,
    kind: Kind,
    spooled: Spooled,
    dry_run: bool,
) -> Result<interchange::ImportOutcome, AppError> {
    let Spooled { file, name } = spooled;
    let Some(handle) = file.file() else {
        return Err(AppError::Internal);
    };
    let outcome = interchange::import(
        &state.db,
        by,
        kind,
        Source {
            reader: std::io::BufReader::with_capacity(256 * 1024, handle),
            file_name: &name,
            rating_scale: state.config.rating_scale,
        },
        dry_run,
        &mut |_| {},
    )
    .await;
    file.remove().await;
    Ok(outcome?)
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
    let (file, dry_run) = match read(&state, multipart).await {
        Ok(upload) => upload,
        Err(reason) => {
            let page = view::kind_page(&ctx.chrome, kind, None, Some(&reason));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let outcome = run(&state, &by, kind, file, dry_run).await?;
    Ok((
        status_of(&outcome),
        view::kind_page(&ctx.chrome, kind, Some(&outcome), None),
    )
        .into_response())
}
