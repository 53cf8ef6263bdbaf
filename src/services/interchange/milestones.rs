//! Milestones and milestone progress: staged, checked against the database
//! as sets, then written as sets, in the import's one transaction.
use std::collections::HashMap;
use std::io::Read;

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, Value};
use time::{Date, OffsetDateTime};

use super::sql::{Batch, Sql};
use super::{ImportOutcome, MAX_LISTED_ROWS, RowOutcome, Source};
use crate::domain::interchange::kinds::{self, Kind, MilestoneKey};
use crate::domain::interchange::reader::{self, Next};
use crate::domain::interchange::{MAX_LISTED_PROBLEMS, Problem, RowAction};
use crate::domain::milestone::{MilestoneCategory, MilestoneStatus, slippage_days, timeliness};
use crate::domain::spreadsheet::{Cell, neutralise};
use crate::entities::{Organisations, Participants};
use crate::services::milestones::{MilestoneFilter, MilestoneRow};
use crate::services::{By, ServiceError};
use crate::store::decode;

/// Turns one row a check query found into its problem.
type Check = Box<dyn Fn(&sea_orm::QueryResult) -> Result<Problem, sea_orm::DbErr> + Send + Sync>;

/// The SQLite page cache an import uses for the database and for its
/// staging table, each (KiB); put back to SQLite's default afterwards.
const IMPORT_CACHE_KIB: u32 = 48 * 1024;

/// Puts the connection's page caches back to SQLite's default.
async fn reset_cache(sql: &Sql, txn: &DatabaseTransaction) -> Result<(), sea_orm::DbErr> {
    if sql.backend == sea_orm::DbBackend::Sqlite {
        sql.exec(txn, "PRAGMA main.cache_size = -2000", vec![])
            .await?;
        sql.exec(txn, "PRAGMA temp.cache_size = -2000", vec![])
            .await?;
    }
    Ok(())
}

const STAGE: &str = "gde_import_stage";
/// The staging table's columns after `line` (SQLite: `INTEGER PRIMARY KEY`,
/// so rows are stored in line order with no separate index; PostgreSQL: BIGINT).
const STAGE_DDL: &str = "participant_id INTEGER NOT NULL, \
     organisation_id INTEGER NOT NULL, ods_code TEXT NOT NULL, reference TEXT NOT NULL, \
     title TEXT, category TEXT, baseline_on DATE, forecast_on DATE, status TEXT, \
     actual_on DATE, version INTEGER, milestone_id INTEGER, action TEXT";
const STAGE_COLUMNS: &[&str] = &[
    "line",
    "participant_id",
    "organisation_id",
    "ods_code",
    "reference",
    "title",
    "category",
    "baseline_on",
    "forecast_on",
    "status",
    "actual_on",
    "version",
];

/// A participant by ODS code: (participant id, organisation id).
pub(super) struct Known {
    pub(super) by_ods: HashMap<String, (i32, i32)>,
    pub(super) organisations: std::collections::HashSet<String>,
}

impl Known {
    /// The participant with this ODS code, or why a row naming it is refused.
    pub(super) fn participant(&self, ods: &str) -> Result<(i32, i32), String> {
        match self.by_ods.get(ods) {
            Some(&ids) => Ok(ids),
            None if self.organisations.contains(ods) => Err(format!(
                "{ods} is an organisation but not a participant in the programme"
            )),
            None => Err(format!("no organisation has the ODS code {ods}")),
        }
    }
}

pub(super) async fn participants(db: &DatabaseConnection) -> Result<Known, ServiceError> {
    let orgs: HashMap<i32, String> = Organisations::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|o| o.ods_code.map(|c| (o.id, c)))
        .collect();
    let mut by_ods = HashMap::new();
    for p in Participants::find().all(db).await? {
        if let Some(ods) = orgs.get(&p.organisation_id) {
            by_ods.insert(ods.clone(), (p.id, p.organisation_id));
        }
    }
    Ok(Known {
        by_ods,
        organisations: orgs.into_values().collect(),
    })
}

/// A hash of a row's natural key (participant, reference), for spotting
/// possible duplicates while reading.
fn key_hash(participant: i32, reference: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    participant.hash(&mut h);
    reference.hash(&mut h);
    h.finish()
}

fn date(d: Option<Date>) -> Value {
    Value::from(d)
}

/// The staged values of one row (in `STAGE_COLUMNS` order), after its key.
struct Staged {
    line: u64,
    key: MilestoneKey,
    title: Option<String>,
    category: Option<String>,
    baseline_on: Option<Date>,
    forecast_on: Option<Date>,
    status: Option<String>,
    actual_on: Option<Date>,
    version: Option<i32>,
}

pub(super) async fn import<R: Read + Send>(
    db: &DatabaseConnection,
    by: &By,
    outcome: &mut ImportOutcome,
    source: Source<'_, R>,
    now: OffsetDateTime,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<(), ServiceError> {
    let kind = outcome.kind;
    let today = now.date();
    // Read before the transaction begins, so it starts with no snapshot
    // (the claim below takes the write lock on a fresh one).
    let known = participants(db).await?;
    let mut rows = match reader::open(source.reader, kind.columns()) {
        Ok(rows) => rows,
        Err(problems) => {
            outcome.problems = problems;
            return Ok(());
        }
    };
    let column = |name: &str| -> String {
        let i = kind
            .columns()
            .iter()
            .position(|c| c.name == name)
            .unwrap_or(0);
        rows.column_name(i).to_owned()
    };
    let (ods_col, ref_col, version_col) =
        (column("ods_code"), column("reference"), column("version"));
    let status_col = column("status");
    let baseline_col = column("baseline_on");
    let sql = Sql::new(db);
    let txn = crate::services::begin_write(db).await?;
    let drop = if sql.backend == sea_orm::DbBackend::Postgres {
        format!("DROP TABLE IF EXISTS pg_temp.{STAGE}")
    } else {
        format!("DROP TABLE IF EXISTS temp.{STAGE}")
    };
    sql.exec(&txn, &drop, vec![]).await?;
    if sql.backend == sea_orm::DbBackend::Sqlite {
        // A big import's pages stay in memory instead of spilling to the
        // write-ahead log and the temporary file again and again (SQLite's
        // default cache is 2 MB); bounded, so memory stays flat.
        sql.exec(
            &txn,
            &format!("PRAGMA main.cache_size = -{IMPORT_CACHE_KIB}"),
            vec![],
        )
        .await?;
        sql.exec(
            &txn,
            &format!("PRAGMA temp.cache_size = -{IMPORT_CACHE_KIB}"),
            vec![],
        )
        .await?;
    }
    let line_type = if sql.backend == sea_orm::DbBackend::Postgres {
        "BIGINT"
    } else {
        "INTEGER"
    };
    let ddl = format!("line {line_type} NOT NULL PRIMARY KEY, {STAGE_DDL}");
    sql.exec(&txn, &sql.temp_table(STAGE, &ddl), vec![]).await?;
    let mut batch = Batch::new(STAGE, STAGE_COLUMNS);
    let mut told = 0u64;
    // A hash of each staged row's key: two rows for one record have equal
    // hashes, so when no two hashes are equal the file has no duplicate and
    // the database check for them (an index and a self-join over the
    // staging table) is not needed. 8 bytes a row, gone after reading.
    let mut keys: Vec<u64> = Vec::new();
    let reading = std::time::Instant::now();
    loop {
        let row = match rows.next(&mut outcome.problems) {
            Next::End => break,
            Next::Skipped => continue,
            Next::Row(row) => row,
        };
        let staged = match kind {
            Kind::Milestones => {
                kinds::milestone_line(&row, &mut outcome.problems).map(|l| Staged {
                    line: l.line,
                    key: l.key,
                    title: Some(l.title),
                    category: Some(l.category.code().to_owned()),
                    baseline_on: Some(l.baseline_on),
                    forecast_on: l.forecast_on,
                    status: None,
                    actual_on: None,
                    version: l.version,
                })
            }
            _ => kinds::progress_line(&row, today, &mut outcome.problems).map(|l| Staged {
                line: l.line,
                key: l.key,
                title: None,
                category: None,
                baseline_on: None,
                forecast_on: l.forecast_on,
                status: Some(l.status.code().to_owned()),
                actual_on: l.actual_on,
                version: l.version,
            }),
        };
        let Some(s) = staged else { continue };
        let ods = s.key.ods.as_str();
        let (participant, organisation) = match known.participant(ods) {
            Ok(ids) => ids,
            Err(reason) => {
                outcome
                    .problems
                    .push(Problem::cell(s.line, &ods_col, row.cell(0), reason));
                continue;
            }
        };
        keys.push(key_hash(participant, s.key.reference.as_str()));
        let full = batch.push([
            Value::from(s.line as i64),
            Value::from(participant),
            Value::from(organisation),
            Value::from(ods.to_owned()),
            Value::from(s.key.reference.as_str().to_owned()),
            Value::from(s.title),
            Value::from(s.category),
            date(s.baseline_on),
            date(s.forecast_on),
            Value::from(s.status),
            date(s.actual_on),
            Value::from(s.version),
        ]);
        if full {
            batch.flush(&sql, &txn).await?;
            let read = rows.bytes_read();
            if read >= told + 256 * 1024 {
                told = read;
                progress(read);
            }
        }
    }
    batch.flush(&sql, &txn).await?;
    progress(rows.bytes_read());
    keys.sort_unstable();
    let maybe_duplicates = keys.windows(2).any(|w| w[0] == w[1]);
    std::mem::drop(keys);
    tracing::debug!(
        elapsed_ms = reading.elapsed().as_millis() as u64,
        "import: read and staged"
    );
    let started = std::time::Instant::now();
    let phase = |name: &str| {
        tracing::debug!(
            phase = name,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "import"
        )
    };
    phase("staged");

    // The claim: nobody else writes milestones until this commits or rolls back.
    if sql.backend == sea_orm::DbBackend::Postgres {
        sql.exec(
            &txn,
            "LOCK TABLE milestones IN SHARE ROW EXCLUSIVE MODE",
            vec![],
        )
        .await?;
    } else {
        sql.exec(
            &txn,
            "UPDATE milestones SET version = version WHERE id = -1",
            vec![],
        )
        .await?;
    }
    phase("claimed");
    // Each row's milestone and what the row does to it, in one pass: no
    // milestone (NULL, NULL), or its id and whether the row changes it.
    let s = STAGE;
    let same = match kind {
        Kind::Milestones => format!(
            "m.title = {s}.title AND m.category = {s}.category AND m.baseline_on = {s}.baseline_on \
             AND ({s}.forecast_on IS NULL OR {})",
            sql.same("m.forecast_on", &format!("{s}.forecast_on"))
        ),
        _ => format!(
            "{} AND m.status = {s}.status AND {}",
            sql.same("m.forecast_on", &format!("{s}.forecast_on")),
            sql.same("m.actual_on", &format!("{s}.actual_on"))
        ),
    };
    sql.exec(
        &txn,
        &format!(
            "UPDATE {s} SET (milestone_id, action) = (SELECT m.id, CASE WHEN {same} \
             THEN 'unchanged' ELSE 'update' END FROM milestones m \
             WHERE m.participant_id = {s}.participant_id AND m.reference = {s}.reference)"
        ),
        vec![],
    )
    .await?;
    phase("matched");
    let missing = match kind {
        Kind::Milestones => "create",
        _ => "missing",
    };
    sql.exec(
        &txn,
        &format!("UPDATE {s} SET action = '{missing}' WHERE milestone_id IS NULL"),
        vec![],
    )
    .await?;
    phase("classified");
    // Every rule that needs the database, each listing its rows.
    let mut checks: Vec<(String, Check)> = Vec::new();
    if maybe_duplicates {
        sql.exec(
            &txn,
            &format!("CREATE INDEX {STAGE}_key ON {STAGE} (participant_id, reference)"),
            vec![],
        )
        .await?;
        let ref_col = ref_col.clone();
        checks.push((
            format!(
                "SELECT s.line, s.ods_code, s.reference, MIN(f.line) AS first FROM {STAGE} s \
                 JOIN {STAGE} f ON f.participant_id = s.participant_id \
                 AND f.reference = s.reference AND f.line < s.line \
                 GROUP BY s.line, s.ods_code, s.reference"
            ),
            Box::new(move |r| {
                let (line, ods, reference, first): (i64, String, String, i64) = (
                    r.try_get("", "line")?,
                    r.try_get("", "ods_code")?,
                    r.try_get("", "reference")?,
                    r.try_get("", "first")?,
                );
                Ok(Problem::cell(
                    line as u64,
                    &ref_col,
                    reference.clone(),
                    format!(
                        "{ods} {reference} is also on line {first}; each record may appear once in a file"
                    ),
                ))
            }),
        ));
    }
    if kind == Kind::MilestoneProgress {
        let ref_col = ref_col.clone();
        checks.push((
            format!("SELECT line, ods_code, reference FROM {STAGE} s WHERE action = 'missing'"),
            Box::new(move |r| {
                let (line, ods, reference): (i64, String, String) = (
                    r.try_get("", "line")?,
                    r.try_get("", "ods_code")?,
                    r.try_get("", "reference")?,
                );
                Ok(Problem::cell(
                    line as u64,
                    &ref_col,
                    reference.clone(),
                    format!(
                        "{ods} has no milestone {reference}; import it in a milestones file first"
                    ),
                ))
            }),
        ));
        let status_col = status_col.clone();
        checks.push((
            format!(
                "SELECT s.line, s.status, {} AS signed FROM {STAGE} s JOIN milestones m \
                 ON m.id = s.milestone_id WHERE s.action = 'update' AND m.signed_off_on IS NOT NULL",
                sql.date_text("m.signed_off_on")
            ),
            Box::new(move |r| {
                let (line, status, signed): (i64, String, String) = (
                    r.try_get("", "line")?,
                    r.try_get("", "status")?,
                    r.try_get("", "signed")?,
                );
                Ok(Problem::cell(
                    line as u64,
                    &status_col,
                    status,
                    format!(
                        "this milestone was signed off on {signed}, so its progress can no longer change"
                    ),
                ))
            }),
        ));
    }
    if kind == Kind::Milestones {
        let baseline_col = baseline_col.clone();
        checks.push((
            format!(
                "SELECT s.line, {} AS proposed, {} AS current FROM {STAGE} s JOIN milestones m \
                 ON m.id = s.milestone_id WHERE s.action = 'update' AND m.baseline_on <> s.baseline_on",
                sql.date_text("s.baseline_on"),
                sql.date_text("m.baseline_on")
            ),
            Box::new(move |r| {
                let (line, proposed, current): (i64, String, String) = (
                    r.try_get("", "line")?,
                    r.try_get("", "proposed")?,
                    r.try_get("", "current")?,
                );
                Ok(Problem::cell(
                    line as u64,
                    &baseline_col,
                    proposed,
                    format!(
                        "the baseline is {current}; a baseline moves only through a change \
                         request, on the milestone's page, decided by another programme-office user"
                    ),
                ))
            }),
        ));
    }
    {
        let version_col = version_col.clone();
        checks.push((
            format!(
                "SELECT s.line, s.ods_code, s.reference, s.version, m.version AS now FROM {STAGE} s \
                 JOIN milestones m ON m.id = s.milestone_id WHERE s.action = 'update' \
                 AND s.version IS NOT NULL AND s.version <> m.version"
            ),
            Box::new(move |r| {
                let (line, ods, reference, version, current): (i64, String, String, i32, i32) = (
                    r.try_get("", "line")?,
                    r.try_get("", "ods_code")?,
                    r.try_get("", "reference")?,
                    r.try_get("", "version")?,
                    r.try_get("", "now")?,
                );
                Ok(Problem::cell(
                    line as u64,
                    &version_col,
                    version.to_string(),
                    format!(
                        "conflict: {ods} {reference} has changed since it was exported \
                         (version {version}, now {current}); export it again and redo the change"
                    ),
                ))
            }),
        ));
    }
    for (query, make) in &checks {
        let room = MAX_LISTED_PROBLEMS.saturating_sub(outcome.problems.listed.len());
        let found = sql
            .query(
                &txn,
                &format!("{query} ORDER BY 1 LIMIT {}", room.max(1)),
                vec![],
            )
            .await?;
        for r in &found {
            outcome.problems.push(make(r)?);
        }
        if found.len() >= room.max(1) {
            let all = sql
                .count(&txn, &format!("SELECT COUNT(*) FROM ({query}) x"), vec![])
                .await?;
            outcome.problems.total += all.saturating_sub(found.len() as u64);
        }
    }

    phase("checked");
    // What each row does.
    for r in sql
        .query(
            &txn,
            &format!("SELECT action, COUNT(*) AS n FROM {STAGE} GROUP BY action"),
            vec![],
        )
        .await?
    {
        let (action, n): (String, i64) = (r.try_get("", "action")?, r.try_get("", "n")?);
        match RowAction::from_code(&action) {
            Some(RowAction::Create) => outcome.created = n as u64,
            Some(RowAction::Update) => outcome.updated = n as u64,
            Some(RowAction::Unchanged) => outcome.unchanged = n as u64,
            None => {}
        }
    }
    if !outcome.problems.is_empty() {
        reset_cache(&sql, &txn).await?;
        txn.rollback().await?;
        return Ok(());
    }
    for r in sql
        .query(
            &txn,
            &format!(
                "SELECT line, ods_code, reference, action FROM {STAGE} ORDER BY line LIMIT {MAX_LISTED_ROWS}"
            ),
            vec![],
        )
        .await?
    {
        let (line, ods, reference, action): (i64, String, String, String) = (
            r.try_get("", "line")?,
            r.try_get("", "ods_code")?,
            r.try_get("", "reference")?,
            r.try_get("", "action")?,
        );
        if let Some(action) = RowAction::from_code(&action) {
            outcome.rows.push(RowOutcome {
                line: line as u64,
                key: format!("{ods} {reference}"),
                action,
            });
        }
    }
    if outcome.dry_run {
        reset_cache(&sql, &txn).await?;
        txn.rollback().await?;
        return Ok(());
    }
    phase("listed");
    apply(&sql, &txn, by, outcome, source.file_name, now, &phase).await?;
    phase("applied");
    sql.exec(&txn, &format!("DROP TABLE {STAGE}"), vec![])
        .await?;
    txn.commit().await?;
    phase("committed");
    Ok(())
}

/// The milestone as `services::milestones::snapshot` records it, with
/// `overrides` (key, SQL expression); with `only`, just the reference and
/// those keys (an update records the fields it may change, which keeps a
/// million audit events small; history and as-at reads go field by field).
fn snapshot(sql: &Sql, only: &[&str], overrides: &[(&str, &str)]) -> String {
    let pick = |key: &str, default: String| -> String {
        overrides
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, e)| (*e).to_owned())
            .unwrap_or(default)
    };
    let fields = [
        ("reference", pick("reference", "m.reference".into())),
        ("title", pick("title", "m.title".into())),
        ("category", pick("category", "m.category".into())),
        (
            "baseline_on",
            sql.date_text(&pick("baseline_on", "m.baseline_on".into())),
        ),
        (
            "forecast_on",
            sql.date_text(&pick("forecast_on", "m.forecast_on".into())),
        ),
        (
            "actual_on",
            sql.date_text(&pick("actual_on", "m.actual_on".into())),
        ),
        ("status", pick("status", "m.status".into())),
        ("signed_off_on", sql.date_text("m.signed_off_on")),
    ];
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(k, _)| only.is_empty() || *k == "reference" || only.contains(k))
        .map(|(k, e)| (*k, e.as_str()))
        .collect();
    sql.json(&pairs)
}

async fn apply(
    sql: &Sql,
    txn: &DatabaseTransaction,
    by: &By,
    outcome: &ImportOutcome,
    file_name: &str,
    now: OffsetDateTime,
    phase: &(dyn Fn(&str) + Sync),
) -> Result<(), ServiceError> {
    let reason = format!(
        "Spreadsheet import {} ({} file {}), line ",
        outcome.import_id,
        outcome.kind.code(),
        file_name
    );
    let audit = |action: &str, before: &str, after: &str, join: &str, filter: &str| {
        format!(
            "INSERT INTO audit_events (occurred_at, user_id, actor, action, entity_type, \
             entity_id, organisation_id, before_json, after_json, reason) \
             SELECT {}, {}, {}, '{action}', 'milestone', CAST(m.id AS TEXT), s.organisation_id, \
             {before}, {after}, {} || CAST(s.line AS TEXT) FROM {STAGE} s JOIN milestones m ON {join} \
             WHERE {filter} ORDER BY s.line",
            sql.ph(1),
            sql.ph(2),
            sql.ph(3),
            sql.ph(4)
        )
    };
    let audit_values = || {
        vec![
            Value::from(now),
            Value::from(by.user_id()),
            Value::from(by.label()),
            Value::from(reason.clone()),
        ]
    };
    const PROGRESS: &[&str] = &["forecast_on", "status", "actual_on"];
    const DETAILS: &[&str] = &["title", "category", "forecast_on"];
    let (action, only, after, sets) = match outcome.kind {
        Kind::MilestoneProgress => (
            "milestone.progress",
            PROGRESS,
            snapshot(
                sql,
                PROGRESS,
                &[
                    ("forecast_on", "s.forecast_on"),
                    ("status", "s.status"),
                    ("actual_on", "s.actual_on"),
                ],
            ),
            "forecast_on = s.forecast_on, status = s.status, actual_on = s.actual_on",
        ),
        _ => (
            "milestone.update",
            DETAILS,
            snapshot(
                sql,
                DETAILS,
                &[
                    ("title", "s.title"),
                    ("category", "s.category"),
                    ("forecast_on", "COALESCE(s.forecast_on, m.forecast_on)"),
                ],
            ),
            "title = s.title, category = s.category, \
             forecast_on = COALESCE(s.forecast_on, milestones.forecast_on)",
        ),
    };
    if outcome.updated > 0 {
        sql.exec(
            txn,
            &audit(
                action,
                &snapshot(sql, only, &[]),
                &after,
                "m.id = s.milestone_id",
                "s.action = 'update'",
            ),
            audit_values(),
        )
        .await?;
        phase("audited");
        let changed = sql
            .exec(
                txn,
                &format!(
                    "UPDATE milestones SET {sets}, version = milestones.version + 1, \
                     updated_at = {} FROM {STAGE} s \
                     WHERE milestones.id = s.milestone_id AND s.action = 'update'",
                    sql.ph(1)
                ),
                vec![Value::from(now)],
            )
            .await?;
        if changed != outcome.updated {
            return Err(ServiceError::Conflict);
        }
    }
    if outcome.created > 0 {
        sql.exec(
            txn,
            &format!(
                "INSERT INTO milestones (participant_id, reference, title, category, baseline_on, \
                 forecast_on, actual_on, status, signed_off_on, signed_off_by, illustrative, \
                 version, created_at, updated_at) \
                 SELECT s.participant_id, s.reference, s.title, s.category, s.baseline_on, \
                 COALESCE(s.forecast_on, s.baseline_on), NULL, '{}', NULL, NULL, {}, 1, {}, {} \
                 FROM {STAGE} s WHERE s.action = 'create' ORDER BY s.line",
                MilestoneStatus::NotStarted.code(),
                sql.ph(1),
                sql.ph(2),
                sql.ph(3)
            ),
            vec![Value::from(false), Value::from(now), Value::from(now)],
        )
        .await?;
        sql.exec(
            txn,
            &audit(
                "milestone.create",
                "NULL",
                &snapshot(sql, &[], &[]),
                "m.participant_id = s.participant_id AND m.reference = s.reference",
                "s.action = 'create'",
            ),
            audit_values(),
        )
        .await?;
    }
    Ok(())
}

/// Which records an export takes: a list page's filter (none from the
/// command line).
#[derive(Clone, Debug, Default)]
pub struct ExportFilter {
    pub milestones: MilestoneFilter,
    /// For return lines: the return's period (as in its address) and trust.
    pub period: Option<String>,
}

/// Rows per page read while exporting.
const EXPORT_PAGE: u64 = 5_000;

pub(super) async fn export(
    db: &DatabaseConnection,
    by: &By,
    kind: Kind,
    filter: &ExportFilter,
    out: &mut (dyn std::io::Write + Send),
) -> Result<u64, ServiceError> {
    let sql = Sql::new(db);
    let today = crate::clock::now().date();
    let readable = |org: i32| match by {
        By::User(actor) => actor.can_read_organisation(org),
        By::Cli => true,
    };
    let mut writer = csv::Writer::from_writer(out);
    let io = |e: csv::Error| ServiceError::Database(sea_orm::DbErr::Custom(e.to_string()));
    writer
        .write_record(kind.headers().iter().map(|h| neutralise(h).into_owned()))
        .map_err(io)?;
    let mut after = (String::new(), String::new());
    let mut written = 0u64;
    loop {
        let page = db
            .query_all_raw(sql.statement(
                &format!(
                    "SELECT m.id, m.reference, m.title, m.category, m.baseline_on, m.forecast_on, \
                     m.actual_on, m.status, m.illustrative, m.version, o.id AS org, o.ods_code, \
                     o.name FROM milestones m JOIN participants p ON p.id = m.participant_id \
                     JOIN organisations o ON o.id = p.organisation_id \
                     WHERE o.ods_code > {} OR (o.ods_code = {} AND m.reference > {}) \
                     ORDER BY o.ods_code, m.reference LIMIT {EXPORT_PAGE}",
                    sql.ph(1),
                    sql.ph(2),
                    sql.ph(3)
                ),
                vec![
                    Value::from(after.0.clone()),
                    Value::from(after.0.clone()),
                    Value::from(after.1.clone()),
                ],
            ))
            .await?;
        let n = page.len() as u64;
        for r in &page {
            let org: i32 = r.try_get("", "org")?;
            let ods: String = r.try_get("", "ods_code")?;
            let reference: String = r.try_get("", "reference")?;
            after = (ods.clone(), reference.clone());
            if !readable(org) {
                continue;
            }
            let status = decode(
                "milestone status",
                MilestoneStatus::from_code(&r.try_get::<String>("", "status")?),
            )?;
            let baseline_on: Date = r.try_get("", "baseline_on")?;
            let forecast_on: Option<Date> = r.try_get("", "forecast_on")?;
            let actual_on: Option<Date> = r.try_get("", "actual_on")?;
            let row = MilestoneRow {
                id: r.try_get("", "id")?,
                organisation_id: org,
                ods_code: ods,
                participant_name: r.try_get("", "name")?,
                reference,
                title: r.try_get("", "title")?,
                category: decode(
                    "category",
                    MilestoneCategory::from_code(&r.try_get::<String>("", "category")?),
                )?,
                baseline_on,
                forecast_on,
                actual_on,
                status,
                slippage_days: slippage_days(baseline_on, forecast_on, actual_on),
                timeliness: timeliness(status, forecast_on, baseline_on, today),
                illustrative: r.try_get("", "illustrative")?,
            };
            if !filter.milestones.matches(&row) {
                continue;
            }
            let version: i32 = r.try_get("", "version")?;
            let day = |d: Option<Date>| Cell::text(d.map(|d| d.to_string()).unwrap_or_default());
            let cells = match kind {
                Kind::Milestones => vec![
                    Cell::text(row.ods_code),
                    Cell::text(row.reference),
                    Cell::text(row.title),
                    Cell::text(row.category.code()),
                    day(Some(row.baseline_on)),
                    day(row.forecast_on),
                    Cell::count(version),
                ],
                _ => vec![
                    Cell::text(row.ods_code),
                    Cell::text(row.reference),
                    day(row.forecast_on),
                    Cell::text(row.status.code()),
                    day(row.actual_on),
                    Cell::count(version),
                ],
            };
            writer
                .write_record(cells.iter().map(|c| c.csv_field().into_owned()))
                .map_err(io)?;
            written += 1;
        }
        if n < EXPORT_PAGE {
            break;
        }
    }
    writer
        .flush()
        .map_err(|e| ServiceError::Database(sea_orm::DbErr::Custom(e.to_string())))?;
    Ok(written)
}
