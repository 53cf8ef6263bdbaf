//! Many rows in few statements: multi-row `INSERT`s, each under both
//! databases' limits on bound parameters (SQLite 32,766, PostgreSQL 65,535),
//! reused as one prepared statement while the batch size stays the same.
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, Statement, Value};

/// Bound parameters per statement at most (under both limits).
const MAX_PARAMS: usize = 30_000;
/// Rows per statement at most: each prepared statement SQLite keeps in its
/// cache holds its program and one register per value, so a few hundred
/// rows keep memory small while still saving most round trips.
const MAX_ROWS: usize = 250;

/// Rows waiting to be inserted into one table.
pub struct Insert {
    backend: DbBackend,
    table: &'static str,
    columns: &'static [&'static str],
    /// `RETURNING id`: the new ids are collected in insertion order.
    returning: bool,
    values: Vec<Value>,
    rows: usize,
    max_rows: usize,
    /// The ids of the rows inserted so far, in the order they were pushed.
    pub ids: Vec<i32>,
}

impl Insert {
    pub fn new(
        txn: &DatabaseTransaction,
        table: &'static str,
        columns: &'static [&'static str],
        returning: bool,
    ) -> Insert {
        let max_rows = (MAX_PARAMS / columns.len().max(1)).clamp(1, MAX_ROWS);
        Insert {
            backend: txn.get_database_backend(),
            table,
            columns,
            returning,
            values: Vec::with_capacity(max_rows * columns.len()),
            rows: 0,
            max_rows,
            ids: Vec::new(),
        }
    }

    /// Adds one row (values in column order), writing the batch when full.
    pub async fn push(
        &mut self,
        txn: &DatabaseTransaction,
        row: impl IntoIterator<Item = Value>,
    ) -> Result<(), DbErr> {
        let before = self.values.len();
        self.values.extend(row);
        debug_assert_eq!(self.values.len() - before, self.columns.len());
        self.rows += 1;
        if self.rows >= self.max_rows {
            self.flush(txn).await?;
        }
        Ok(())
    }

    /// Writes what is waiting.
    pub async fn flush(&mut self, txn: &DatabaseTransaction) -> Result<(), DbErr> {
        if self.rows == 0 {
            return Ok(());
        }
        let width = self.columns.len();
        let mut sql = String::with_capacity(64 + self.rows * width * 4);
        sql.push_str("INSERT INTO ");
        sql.push_str(self.table);
        sql.push_str(" (");
        sql.push_str(&self.columns.join(", "));
        sql.push_str(") VALUES ");
        let mut n = 0;
        for r in 0..self.rows {
            if r > 0 {
                sql.push(',');
            }
            sql.push('(');
            for c in 0..width {
                if c > 0 {
                    sql.push(',');
                }
                n += 1;
                if self.backend == DbBackend::Postgres {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                } else {
                    sql.push('?');
                }
            }
            sql.push(')');
        }
        let values = std::mem::replace(&mut self.values, Vec::with_capacity(self.max_rows * width));
        let rows = std::mem::take(&mut self.rows);
        if self.returning {
            sql.push_str(" RETURNING id");
            let found = txn
                .query_all_raw(Statement::from_sql_and_values(self.backend, sql, values))
                .await?;
            if found.len() != rows {
                return Err(DbErr::Custom(format!(
                    "inserting into {}: {} ids returned for {rows} rows",
                    self.table,
                    found.len()
                )));
            }
            // Ids are handed out in the order the rows are inserted, which is
            // the order of the VALUES list; the RETURNING order is not promised.
            let mut ids = Vec::with_capacity(rows);
            for row in found {
                ids.push(row.try_get_by_index::<i32>(0)?);
            }
            ids.sort_unstable();
            self.ids.extend(ids);
        } else {
            txn.execute_raw(Statement::from_sql_and_values(self.backend, sql, values))
                .await?;
        }
        Ok(())
    }
}
