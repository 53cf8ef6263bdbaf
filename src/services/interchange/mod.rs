//! Spreadsheet interchange: CSV import and export of programme records.
//!
//! An import is all or nothing, in ONE transaction:
//!
//! 1. the file is read as a stream, a row at a time (memory stays flat
//!    whatever its size); each row is checked alone by the pure rules in
//!    `domain::interchange` and, if good, staged into a temporary table;
//! 2. the transaction claims the table it will write (the SQLite write lock,
//!    or a PostgreSQL table lock against other writers), so nothing checked
//!    next can change before commit;
//! 3. the rules that need the database run as set-based queries over the
//!    staged rows: unknown records, duplicate keys in the file, versions
//!    changed since the export (a conflict for that row), baselines that move
//!    only through a change request, signed-off milestones;
//! 4. every problem found is listed (line, column, value, reason); if there
//!    are any, or this is a dry run, the transaction is rolled back and
//!    nothing is written. Otherwise each row is created, updated or left
//!    unchanged (a row equal to the record changes nothing, so importing the
//!    same file twice changes nothing), with one audit event per changed
//!    record whose reason names the import and the line.
//!
//! A process killed at any moment leaves the database as it was: the one
//! transaction is never committed.
mod allocations;
mod milestones;
mod participants;
mod partners;
mod partnerships;
mod return_lines;
mod sql;
mod tranches;

use std::io::Read;

use sea_orm::DatabaseConnection;

use super::{By, ServiceError};
pub use crate::domain::interchange::kinds::Kind;
use crate::domain::interchange::{Problems, RowAction};
pub use crate::domain::programme::Filter as ListFilter;
pub use milestones::ExportFilter;

/// The participants list's filters as typed, wherever they are typed: the
/// list page's address (and so its "Download CSV", `/export/participants`)
/// and `gde export participants --role --sector --region`. Blank is "any".
/// Both are checked by [`ListFilterValues::parse`] and exported by
/// [`export_listed`]: one filter, one path.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct ListFilterValues {
    /// A participant role code: `global_digital_exemplar`, `fast_follower`.
    pub role: String,
    /// A sector code: `acute`, `mental_health`, `ambulance`.
    pub sector: String,
    /// An NHS England region code: `Y56`.
    pub region: String,
}

pub use crate::domain::programme::FilterRefusal;

impl ListFilterValues {
    /// The filter, or the first value that is not one of its filter's codes.
    pub fn parse(&self) -> Result<ListFilter, FilterRefusal> {
        ListFilter::parse(&self.role, &self.sector, &self.region)
    }
}

/// At most this many rows are listed one by one in a result (all are counted).
pub const MAX_LISTED_ROWS: usize = 10_000;

/// One row of the file and what the import did (or would do) to its record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowOutcome {
    pub line: u64,
    /// The natural key as written: `RAL M07`.
    pub key: String,
    pub action: RowAction,
}

/// Opens an import's file for `kind`; if its header has problems they are
/// the outcome's, and there is nothing to read.
fn open_rows<R: std::io::Read>(
    source: R,
    kind: Kind,
    outcome: &mut ImportOutcome,
) -> Option<crate::domain::interchange::reader::Rows<R>> {
    match crate::domain::interchange::reader::open(source, kind.columns()) {
        Ok(rows) => Some(rows),
        Err(problems) => {
            outcome.problems = problems;
            None
        }
    }
}

/// What an import did or, in a dry run, would do.
#[derive(Clone, Debug)]
pub struct ImportOutcome {
    pub kind: Kind,
    pub dry_run: bool,
    /// Names this import in the audit trail.
    pub import_id: String,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Every problem found; when there are any, nothing was written.
    pub problems: Problems,
    /// The rows in file order (the first [`MAX_LISTED_ROWS`]).
    pub rows: Vec<RowOutcome>,
}

impl ImportOutcome {
    /// True when the records now hold the file (not a dry run, no problems).
    pub fn written(&self) -> bool {
        !self.dry_run && self.problems.is_empty()
    }

    /// `Imported milestone-progress: 3 created, 2 updated, 10 unchanged`.
    pub fn summary(&self) -> String {
        if !self.problems.is_empty() {
            return format!(
                "{} problem{} found; nothing was imported",
                self.problems.total,
                if self.problems.total == 1 { "" } else { "s" }
            );
        }
        let verb = if self.dry_run {
            "Dry run, nothing written: would create"
        } else {
            "Imported: created"
        };
        format!(
            "{verb} {}, {} {}, {} unchanged",
            self.created,
            if self.dry_run {
                "would update"
            } else {
                "updated"
            },
            self.updated,
            self.unchanged
        )
    }
}

/// Where the import's bytes come from and what to call it.
pub struct Source<'a, R> {
    pub reader: R,
    /// Shown in the audit trail: `milestones.csv`.
    pub file_name: &'a str,
    /// The delivery-confidence scale a return started by an import uses
    /// (`GDE_RATING_SCALE`).
    pub rating_scale: crate::domain::rating::RatingScale,
}

/// Imports one file of `kind`. Problems with the file are in the outcome
/// (nothing written); an `Err` is a refusal (permission) or a database fault.
/// `progress` is told the bytes read so far, now and then.
pub async fn import<R: Read + Send>(
    db: &DatabaseConnection,
    by: &By,
    kind: Kind,
    source: Source<'_, R>,
    dry_run: bool,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<ImportOutcome, ServiceError> {
    // Permission first, before anything is read: programme records are the
    // office's; a return's lines are its own trust reporter's (checked again,
    // with the trust the file names, before its return is read).
    match kind {
        Kind::ReturnLines => {
            if let By::User(actor) = by
                && actor.role != crate::domain::access::UserRole::TrustReporter
            {
                return Err(crate::domain::access::AccessError::Forbidden(
                    "Returns are completed by the trust's own reporter.",
                )
                .into());
            }
        }
        _ => by.change_programme()?,
    }
    let now = crate::clock::now();
    let import_id = format!(
        "{}-{:x}",
        now.date(),
        now.unix_timestamp_nanos() as u64 & 0xffff_ffff
    );
    let mut outcome = ImportOutcome {
        kind,
        dry_run,
        import_id,
        created: 0,
        updated: 0,
        unchanged: 0,
        problems: Problems::default(),
        rows: Vec::new(),
    };
    match kind {
        Kind::ReturnLines => {
            let scale = source.rating_scale;
            return_lines::import(db, by, &mut outcome, source, scale).await?
        }
        Kind::Allocations => allocations::import(db, by, &mut outcome, source)
            .await
            .map_err(super::concurrency::settle)?,
        Kind::Tranches => tranches::import(db, by, &mut outcome, source)
            .await
            .map_err(super::concurrency::settle)?,
        Kind::Participants => participants::import(db, by, &mut outcome, source)
            .await
            .map_err(super::concurrency::settle)?,
        Kind::Partners => partners::import(db, by, &mut outcome, source)
            .await
            .map_err(super::concurrency::settle)?,
        Kind::Partnerships => partnerships::import(db, by, &mut outcome, source)
            .await
            .map_err(super::concurrency::settle)?,
        // Contention the busy timeout could not absorb is a conflict (409), not a fault.
        _ => milestones::import(db, by, &mut outcome, source, now, progress)
            .await
            .map_err(super::concurrency::settle)?,
    }
    outcome.problems.sort();
    if !outcome.problems.is_empty() {
        outcome.rows.clear();
        outcome.created = 0;
        outcome.updated = 0;
        outcome.unchanged = 0;
    }
    Ok(outcome)
}

/// The records of `kind` as CSV with the import's headers, every cell
/// spreadsheet-safe, written to `out` a page at a time. A trust reporter
/// gets their own organisation's records only.
pub async fn export(
    db: &DatabaseConnection,
    by: &By,
    kind: Kind,
    filter: &ExportFilter,
    out: &mut (dyn std::io::Write + Send),
) -> Result<u64, ServiceError> {
    export_listed(db, by, kind, filter, &ListFilter::default(), out).await
}

/// [`export`] through a participants list's filters too (role, sector,
/// region): the participants list page's "Download CSV".
pub async fn export_listed(
    db: &DatabaseConnection,
    by: &By,
    kind: Kind,
    filter: &ExportFilter,
    list: &ListFilter,
    out: &mut (dyn std::io::Write + Send),
) -> Result<u64, ServiceError> {
    match kind {
        Kind::ReturnLines if filter.milestones.participant.is_none() && filter.period.is_some() => {
            period_return_lines(db, by, filter, out).await
        }
        Kind::ReturnLines => return_lines::export(db, by, filter, out).await,
        Kind::Allocations => allocations::export(db, by, filter, out).await,
        Kind::Tranches => tranches::export(db, by, filter, out).await,
        Kind::Participants => participants::export(db, by, filter, list, out).await,
        Kind::Partners => partners::export(db, by, out).await,
        Kind::Partnerships => partnerships::export(db, by, filter, out).await,
        _ => milestones::export(db, by, kind, filter, out).await,
    }
}

/// [`export`] into a string, for a download.
pub async fn export_string(
    db: &DatabaseConnection,
    by: &By,
    kind: Kind,
    filter: &ExportFilter,
) -> Result<String, ServiceError> {
    export_string_listed(db, by, kind, filter, &ListFilter::default()).await
}

/// [`export_listed`] into a string, for a download.
pub async fn export_string_listed(
    db: &DatabaseConnection,
    by: &By,
    kind: Kind,
    filter: &ExportFilter,
    list: &ListFilter,
) -> Result<String, ServiceError> {
    let mut bytes = Vec::new();
    export_listed(db, by, kind, filter, list, &mut bytes).await?;
    Ok(String::from_utf8(bytes).unwrap_or_default())
}

/// The milestone lines of every return of one period the person may read
/// (the returns list's "Download CSV"), one header, by ODS code. An import
/// takes one return per file: split the file by trust to import it.
async fn period_return_lines(
    db: &DatabaseConnection,
    by: &By,
    filter: &ExportFilter,
    out: &mut (dyn std::io::Write + Send),
) -> Result<u64, ServiceError> {
    let known = milestones::participants(db).await?;
    let mut codes: Vec<&String> = known.by_ods.keys().collect();
    codes.sort();
    let mut written = 0;
    let mut header_written = false;
    for ods in codes {
        let mut one = filter.clone();
        one.milestones.participant = Some(ods.clone());
        let mut bytes = Vec::new();
        match return_lines::export(db, by, &one, &mut bytes).await {
            Ok(n) => written += n,
            // Another trust's return, for a trust reporter: not theirs to read.
            Err(ServiceError::Access(_) | ServiceError::NotFound) => continue,
            Err(e) => return Err(e),
        }
        // Each return's export starts with the header: keep the first only.
        let body = if header_written {
            bytes
                .iter()
                .position(|b| *b == b'\n')
                .map_or(&bytes[..0], |end| &bytes[end + 1..])
        } else {
            &bytes[..]
        };
        out.write_all(body)
            .map_err(|e| ServiceError::Database(sea_orm::DbErr::Custom(e.to_string())))?;
        header_written = true;
    }
    if !header_written {
        // A period no one may read, or no participants: the header alone.
        let mut writer = csv::Writer::from_writer(out);
        writer
            .write_record(Kind::ReturnLines.headers())
            .and_then(|_| writer.flush().map_err(csv::Error::from))
            .map_err(|e| ServiceError::Database(sea_orm::DbErr::Custom(e.to_string())))?;
    }
    Ok(written)
}
