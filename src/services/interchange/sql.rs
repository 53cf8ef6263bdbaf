//! The little SQL an import needs that differs between SQLite and
//! PostgreSQL, and batched inserts into the staging table.
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, QueryResult, Statement, Value,
};

pub struct Sql {
    pub backend: DbBackend,
}

impl Sql {
    pub fn new(db: &impl ConnectionTrait) -> Sql {
        Sql {
            backend: db.get_database_backend(),
        }
    }

    fn postgres(&self) -> bool {
        self.backend == DbBackend::Postgres
    }

    /// The `n`th (1-based) placeholder.
    pub fn ph(&self, n: usize) -> String {
        if self.postgres() {
            format!("${n}")
        } else {
            "?".to_owned()
        }
    }

    /// A JSON object as text from `key, expression` pairs.
    pub fn json(&self, pairs: &[(&str, &str)]) -> String {
        let args: Vec<String> = pairs.iter().map(|(k, e)| format!("'{k}', {e}")).collect();
        if self.postgres() {
            format!("json_build_object({})::text", args.join(", "))
        } else {
            format!("json_object({})", args.join(", "))
        }
    }

    /// Null-safe equality.
    pub fn same(&self, a: &str, b: &str) -> String {
        if self.postgres() {
            format!("{a} IS NOT DISTINCT FROM {b}")
        } else {
            format!("{a} IS {b}")
        }
    }

    /// A date column as `YYYY-MM-DD` text (or null).
    pub fn date_text(&self, e: &str) -> String {
        if self.postgres() {
            format!("to_char({e}, 'YYYY-MM-DD')")
        } else {
            e.to_owned()
        }
    }

    /// `CREATE TEMP TABLE`, gone when the transaction ends on PostgreSQL
    /// (dropped before commit on SQLite, and rolled back with the rest).
    pub fn temp_table(&self, name: &str, columns: &str) -> String {
        if self.postgres() {
            format!("CREATE TEMP TABLE {name} ({columns}) ON COMMIT DROP")
        } else {
            format!("CREATE TEMP TABLE {name} ({columns})")
        }
    }

    pub fn statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.backend, sql, values)
    }

    pub async fn exec(
        &self,
        txn: &DatabaseTransaction,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<u64, DbErr> {
        Ok(txn
            .execute_raw(self.statement(sql, values))
            .await?
            .rows_affected())
    }

    pub async fn query(
        &self,
        txn: &DatabaseTransaction,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<Vec<QueryResult>, DbErr> {
        txn.query_all_raw(self.statement(sql, values)).await
    }

    pub async fn count(
        &self,
        txn: &DatabaseTransaction,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<u64, DbErr> {
        let rows = self.query(txn, sql, values).await?;
        let n: i64 = match rows.first() {
            Some(row) => row.try_get_by_index(0)?,
            None => 0,
        };
        Ok(n.max(0) as u64)
    }
}

/// Rows waiting to be inserted into the staging table, a batch at a time.
pub struct Batch {
    table: &'static str,
    columns: &'static [&'static str],
    values: Vec<Value>,
    rows: usize,
    /// Rows per INSERT.
    max_rows: usize,
}

/// Placeholders per INSERT at most: few statements, under both databases'
/// limits (SQLite 32,766, PostgreSQL 65,535).
const BATCH_PARAMS: usize = 30_000;
/// Rows per INSERT at most.
const BATCH_ROWS: usize = 500;

impl Batch {
    pub fn new(table: &'static str, columns: &'static [&'static str]) -> Batch {
        let max_rows = (BATCH_PARAMS / columns.len().max(1)).clamp(1, BATCH_ROWS);
        Batch {
            table,
            columns,
            values: Vec::with_capacity(max_rows * columns.len()),
            rows: 0,
            max_rows,
        }
    }

    /// Adds one row (its values in column order); true when the batch is full.
    pub fn push(&mut self, row: impl IntoIterator<Item = Value>) -> bool {
        self.values.extend(row);
        self.rows += 1;
        self.rows >= self.max_rows
    }

    pub async fn flush(&mut self, sql: &Sql, txn: &DatabaseTransaction) -> Result<(), DbErr> {
        if self.rows == 0 {
            return Ok(());
        }
        let width = self.columns.len();
        let mut text = format!(
            "INSERT INTO {} ({}) VALUES ",
            self.table,
            self.columns.join(", ")
        );
        for r in 0..self.rows {
            if r > 0 {
                text.push(',');
            }
            text.push('(');
            for c in 0..width {
                if c > 0 {
                    text.push(',');
                }
                text.push_str(&sql.ph(r * width + c + 1));
            }
            text.push(')');
        }
        let values = std::mem::take(&mut self.values);
        self.rows = 0;
        sql.exec(txn, &text, values).await?;
        self.values.reserve(self.max_rows * width);
        Ok(())
    }
}
