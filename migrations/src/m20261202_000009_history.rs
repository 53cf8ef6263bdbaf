//! System-versioned history (DESIGN.md, "Time and read models"): each
//! versioned table gets `recorded_from` (unix microseconds, the instant its
//! current version was recorded) and a `<table>_history` table holding every
//! version it replaced or deleted, with the instants it was current:
//! `[recorded_from, recorded_to)`. Triggers keep it in the statement that
//! changes the row, so in the same transaction, on SQLite and PostgreSQL;
//! the instant is the writing transaction's stamp (`gde.now_us` on
//! PostgreSQL, the one-row `history_clock` on SQLite), which the application
//! sets from its clock. A change to a versioned table with no stamp is
//! refused.
//!
//! Existing rows are backfilled with `recorded_from = 0`: on record since
//! before history was kept (their earlier versions were never stored).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(Clone, Copy)]
enum Kind {
    Int,
    Big,
    Text,
    Date,
    Instant,
    Bool,
}
use Kind::*;

/// The versioned tables and the columns their history keeps (every column
/// but `recorded_from`, as they stand at this migration).
const TABLES: &[(&str, &[(&str, Kind)])] = &[
    (
        "organisations",
        &[
            ("id", Int),
            ("ods_code", Text),
            ("name", Text),
            ("name_key", Text),
            ("name_at_designation", Text),
            ("kind", Text),
            ("sector", Text),
            ("region_code", Text),
            ("region_code_2017", Text),
            ("country_code", Text),
            ("opened_on", Date),
            ("closed_on", Date),
            ("successor_id", Int),
            ("source", Text),
            ("version", Int),
            ("created_at", Instant),
            ("updated_at", Instant),
        ],
    ),
    (
        "participants",
        &[
            ("id", Int),
            ("organisation_id", Int),
            ("role", Text),
            ("sector", Text),
            ("wave", Text),
            ("designated_on", Date),
            ("designated_precision", Text),
            ("accredited_on", Date),
            ("accredited_precision", Text),
            ("status", Text),
            ("confidence", Text),
            ("source", Text),
            ("version", Int),
            ("created_at", Instant),
            ("updated_at", Instant),
        ],
    ),
    (
        "funding_caps",
        &[
            ("id", Int),
            ("role", Text),
            ("sector", Text),
            ("cap_pence", Big),
            ("source", Text),
            ("version", Int),
            ("created_at", Instant),
            ("updated_at", Instant),
        ],
    ),
    (
        "allocations",
        &[
            ("id", Int),
            ("participant_id", Int),
            ("reference", Text),
            ("central_pence", Big),
            ("local_match_pence", Big),
            ("awarded_on", Date),
            ("illustrative", Bool),
            ("version", Int),
            ("created_at", Instant),
            ("updated_at", Instant),
        ],
    ),
    (
        "allocation_profiles",
        &[
            ("id", Int),
            ("allocation_id", Int),
            ("financial_year", Int),
            ("amount_pence", Big),
        ],
    ),
    (
        "tranches",
        &[
            ("id", Int),
            ("allocation_id", Int),
            ("name", Text),
            ("kind", Text),
            ("milestone_id", Int),
            ("amount_pence", Big),
            ("released_on", Date),
            ("released_by", Int),
            ("illustrative", Bool),
            ("version", Int),
            ("created_at", Instant),
            ("updated_at", Instant),
        ],
    ),
    (
        "milestones",
        &[
            ("id", Int),
            ("participant_id", Int),
            ("reference", Text),
            ("title", Text),
            ("category", Text),
            ("baseline_on", Date),
            ("forecast_on", Date),
            ("actual_on", Date),
            ("status", Text),
            ("signed_off_on", Date),
            ("signed_off_by", Int),
            ("illustrative", Bool),
            ("version", Int),
            ("created_at", Instant),
            ("updated_at", Instant),
        ],
    ),
    (
        "reporting_periods",
        &[
            ("id", Int),
            ("label", Text),
            ("frequency", Text),
            ("starts_on", Date),
            ("ends_on", Date),
            ("due_on", Date),
            ("status", Text),
            ("version", Int),
            ("created_at", Instant),
            ("updated_at", Instant),
        ],
    ),
    (
        "returns",
        &[
            ("id", Int),
            ("period_id", Int),
            ("participant_id", Int),
            ("status", Text),
            ("spend_to_date_pence", Big),
            ("rating_scale", Text),
            ("self_rating", Text),
            ("rating_justification", Text),
            ("narrative", Text),
            ("office_rating", Text),
            ("office_comment", Text),
            ("submitted_at", Instant),
            ("submitted_by", Int),
            ("approved_at", Instant),
            ("approved_by", Int),
            ("illustrative", Bool),
            ("version", Int),
            ("created_at", Instant),
            ("updated_at", Instant),
        ],
    ),
    (
        "return_milestone_updates",
        &[
            ("id", Int),
            ("return_id", Int),
            ("milestone_id", Int),
            ("forecast_on", Date),
            ("status", Text),
            ("comment", Text),
        ],
    ),
    (
        "return_risks",
        &[
            ("id", Int),
            ("return_id", Int),
            ("position", Int),
            ("description", Text),
            ("rating", Text),
            ("mitigation", Text),
        ],
    ),
    (
        "maturity_assessments",
        &[
            ("id", Int),
            ("participant_id", Int),
            ("scale", Text),
            ("score", Int),
            ("assessed_on", Date),
            ("assessed_precision", Text),
            ("source", Text),
            ("illustrative", Bool),
            ("created_at", Instant),
        ],
    ),
];

fn column(name: &str, kind: Kind) -> ColumnDef {
    let name = Alias::new(name);
    match kind {
        Int => integer_null(name),
        Big => big_integer_null(name),
        Text => text_null(name),
        Date => date_null(name),
        Instant => timestamp_with_time_zone_null(name),
        Bool => boolean_null(name),
    }
}

fn sqlite_triggers(table: &str, columns: &[&str]) -> Vec<String> {
    let list = columns.join(", ");
    let old = columns
        .iter()
        .map(|c| format!("OLD.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let changed = columns
        .iter()
        .map(|c| format!("OLD.{c} IS NOT NEW.{c}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let refuse = format!(
        "SELECT RAISE(ABORT, 'history: {table} changed without a recorded instant') \
         WHERE (SELECT now_us FROM history_clock WHERE id = 1) IS NULL;"
    );
    let keep_old = format!(
        "INSERT INTO {table}_history ({list}, recorded_from, recorded_to) \
         SELECT {old}, OLD.recorded_from, c.now_us FROM history_clock c \
         WHERE c.id = 1 AND c.now_us > OLD.recorded_from;"
    );
    vec![
        format!(
            "CREATE TRIGGER {table}_history_insert AFTER INSERT ON {table} \
             WHEN NEW.recorded_from = 0 BEGIN {refuse} \
             UPDATE {table} SET recorded_from = (SELECT now_us FROM history_clock WHERE id = 1) \
             WHERE id = NEW.id; END;"
        ),
        format!(
            "CREATE TRIGGER {table}_history_update AFTER UPDATE ON {table} \
             WHEN {changed} BEGIN {refuse} {keep_old} \
             UPDATE {table} SET recorded_from = \
             max(OLD.recorded_from, (SELECT now_us FROM history_clock WHERE id = 1)) \
             WHERE id = NEW.id; END;"
        ),
        format!(
            "CREATE TRIGGER {table}_history_delete AFTER DELETE ON {table} \
             BEGIN {refuse} {keep_old} END;"
        ),
    ]
}

fn postgres_triggers(table: &str, columns: &[&str]) -> Vec<String> {
    let list = columns.join(", ");
    let row = |prefix: &str| {
        columns
            .iter()
            .map(|c| format!("{prefix}.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (old, new) = (row("OLD"), row("NEW"));
    vec![
        format!(
            "CREATE FUNCTION {table}_history() RETURNS trigger LANGUAGE plpgsql AS $$ \
             DECLARE now_us BIGINT := NULLIF(current_setting('gde.now_us', true), '')::BIGINT; \
             BEGIN \
               IF TG_OP = 'UPDATE' AND ROW({new}) IS NOT DISTINCT FROM ROW({old}) THEN RETURN NEW; END IF; \
               IF TG_OP = 'INSERT' AND NEW.recorded_from <> 0 THEN RETURN NEW; END IF; \
               IF now_us IS NULL THEN \
                 RAISE EXCEPTION 'history: % changed without a recorded instant', TG_TABLE_NAME; \
               END IF; \
               IF TG_OP = 'INSERT' THEN NEW.recorded_from := now_us; RETURN NEW; END IF; \
               now_us := GREATEST(now_us, OLD.recorded_from); \
               IF now_us > OLD.recorded_from THEN \
                 INSERT INTO {table}_history ({list}, recorded_from, recorded_to) \
                 VALUES ({old}, OLD.recorded_from, now_us); \
               END IF; \
               IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; \
               NEW.recorded_from := now_us; \
               RETURN NEW; \
             END $$;"
        ),
        format!(
            "CREATE TRIGGER {table}_history BEFORE INSERT OR UPDATE OR DELETE ON {table} \
             FOR EACH ROW EXECUTE FUNCTION {table}_history();"
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        if backend == DbBackend::Sqlite {
            db.execute_unprepared(
                "CREATE TABLE history_clock (id INTEGER PRIMARY KEY CHECK (id = 1), now_us BIGINT)",
            )
            .await?;
            db.execute_unprepared("INSERT INTO history_clock (id, now_us) VALUES (1, NULL)")
                .await?;
        }
        for (table, columns) in TABLES {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} ADD COLUMN recorded_from BIGINT NOT NULL DEFAULT 0"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE INDEX ix_{table}_recorded_from ON {table} (recorded_from)"
            ))
            .await?;
            let history = format!("{table}_history");
            let mut create = Table::create();
            create
                .table(Alias::new(history.as_str()))
                .col(pk_auto(Alias::new("history_id")));
            for (name, kind) in *columns {
                create.col(column(name, *kind));
            }
            create
                .col(big_integer(Alias::new("recorded_from")))
                .col(big_integer(Alias::new("recorded_to")));
            manager.create_table(create.to_owned()).await?;
            // As at T: recorded_to > T AND recorded_from <= T, one range scan.
            db.execute_unprepared(&format!(
                "CREATE INDEX ix_{history}_as_at ON {history} (recorded_to, recorded_from)"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE INDEX ix_{history}_id ON {history} (id, recorded_to)"
            ))
            .await?;
            let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
            let statements = match backend {
                DbBackend::Postgres => postgres_triggers(table, &names),
                _ => sqlite_triggers(table, &names),
            };
            for sql in statements {
                db.execute_unprepared(&sql).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        for (table, _) in TABLES {
            match backend {
                DbBackend::Postgres => {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {table}_history ON {table}"
                    ))
                    .await?;
                    db.execute_unprepared(&format!("DROP FUNCTION IF EXISTS {table}_history()"))
                        .await?;
                }
                _ => {
                    for op in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER IF EXISTS {table}_history_{op}"
                        ))
                        .await?;
                    }
                }
            }
            db.execute_unprepared(&format!("DROP TABLE IF EXISTS {table}_history"))
                .await?;
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS ix_{table}_recorded_from"))
                .await?;
            db.execute_unprepared(&format!("ALTER TABLE {table} DROP COLUMN recorded_from"))
                .await?;
        }
        if backend == DbBackend::Sqlite {
            db.execute_unprepared("DROP TABLE IF EXISTS history_clock")
                .await?;
        }
        Ok(())
    }
}
