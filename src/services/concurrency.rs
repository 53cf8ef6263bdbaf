//! No lost updates: every editable record carries a version; a save names
//! the version its form was built from and succeeds only if it still holds.
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, RuntimeErr, SqlErr};

use super::ServiceError;
use crate::entities::{
    Allocations, CapGroups, Milestones, Participants, allocation, cap_group, milestone, participant,
};

/// The columns every versioned table shares.
pub struct Versioned<C> {
    pub id: C,
    pub version: C,
    pub updated_at: C,
}

/// `UPDATE … SET cols…, version = version + 1, updated_at = now WHERE id = ?
/// AND version = ?`, then the saved row; a stale version changes nothing and
/// reports a conflict.
pub async fn update_versioned<E, C>(
    db: &C,
    columns: Versioned<E::Column>,
    id: i32,
    version: i32,
    sets: Vec<(E::Column, SimpleExpr)>,
) -> Result<E::Model, ServiceError>
where
    E: EntityTrait,
    E::Column: ColumnTrait,
    C: ConnectionTrait,
{
    let mut update = E::update_many();
    for (column, value) in sets {
        update = update.col_expr(column, value);
    }
    let result = update
        .col_expr(columns.version, Expr::value(version + 1))
        .col_expr(columns.updated_at, Expr::value(crate::clock::now()))
        .filter(columns.id.eq(id))
        .filter(columns.version.eq(version))
        .exec(db)
        .await?;
    if result.rows_affected != 1 {
        return Err(ServiceError::Conflict);
    }
    E::find()
        .filter(columns.id.eq(id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// Claims a parent row for the rest of the transaction, as its first
/// statement: `UPDATE … SET version = version WHERE id = ?`. Nothing changes
/// (so nobody's open form goes stale, and no key column is touched, so no
/// foreign-key work), but the statement is a write: on SQLite it takes the
/// database's write lock before anything is read, so the transaction never
/// works from a snapshot another writer has overtaken (no
/// `SQLITE_BUSY_SNAPSHOT`; others wait in the busy handler); on PostgreSQL it
/// takes the row's lock, so a second claimant waits until the first commits
/// and then reads what it wrote (READ COMMITTED reads afresh per statement).
/// Everything checked after the claim still holds at commit. A missing row
/// is not found.
///
/// Lock order, so two claimants never wait on each other: cap group, then
/// participant, then allocation; a milestone alone. Anything needed to name the row is read
/// before `BEGIN`.
pub async fn claim<E, C>(
    db: &C,
    id_column: E::Column,
    version_column: E::Column,
    id: i32,
) -> Result<(), ServiceError>
where
    E: EntityTrait,
    E::Column: ColumnTrait,
    C: ConnectionTrait,
{
    let result = E::update_many()
        .col_expr(version_column, Expr::col(version_column))
        .filter(id_column.eq(id))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Err(ServiceError::NotFound);
    }
    Ok(())
}

/// A cap group: its cap spans every allocation of its members. Claimed
/// before any member's participant row.
pub async fn claim_cap_group(db: &impl ConnectionTrait, id: i32) -> Result<(), ServiceError> {
    claim::<CapGroups, _>(db, cap_group::Column::Id, cap_group::Column::Version, id).await
}

/// A participant: its cap spans its allocations.
pub async fn claim_participant(db: &impl ConnectionTrait, id: i32) -> Result<(), ServiceError> {
    claim::<Participants, _>(
        db,
        participant::Column::Id,
        participant::Column::Version,
        id,
    )
    .await
}

/// An allocation: its tranches stay within it; one pending change at a time.
pub async fn claim_allocation(db: &impl ConnectionTrait, id: i32) -> Result<(), ServiceError> {
    claim::<Allocations, _>(db, allocation::Column::Id, allocation::Column::Version, id).await
}

/// A milestone: one pending baseline change at a time.
pub async fn claim_milestone(db: &impl ConnectionTrait, id: i32) -> Result<(), ServiceError> {
    claim::<Milestones, _>(db, milestone::Column::Id, milestone::Column::Version, id).await
}

/// True when the database refused because another transaction held what this
/// one needed (SQLite busy or locked, PostgreSQL serialisation failure,
/// deadlock or lock timeout): the user should try again, which is a 409.
pub fn is_contention(error: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))
    | DbErr::Conn(RuntimeErr::SqlxError(e))) = error
    else {
        return false;
    };
    let sea_orm::sqlx::Error::Database(e) = e.as_ref() else {
        return false;
    };
    let code = e.code().unwrap_or_default();
    match code.as_ref() {
        // PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
        "40001" | "40P01" | "55P03" => true,
        // SQLite extended codes whose primary code is BUSY (5) or LOCKED (6):
        // BUSY_SNAPSHOT is 517, BUSY_RECOVERY 261, LOCKED_SHAREDCACHE 262.
        other => {
            other
                .parse::<i32>()
                .is_ok_and(|n| matches!(n & 0xff, 5 | 6))
                && e.try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>()
                    .is_some()
        }
    }
}

/// True when a unique index refused the write.
pub fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// The last word on a failed use case: contention the busy timeout could not
/// absorb becomes a conflict (409, "try again"), never a 500.
pub fn settle(error: ServiceError) -> ServiceError {
    match error {
        ServiceError::Database(e) if is_contention(&e) => ServiceError::Conflict,
        other => other,
    }
}

/// As [`settle`], and a unique index's refusal becomes this field error (the
/// in-transaction check normally answers first; the index is the backstop).
pub fn settle_unique<'a>(
    field: &'static str,
    message: &'a str,
) -> impl FnOnce(ServiceError) -> ServiceError + 'a {
    move |error| match error {
        ServiceError::Database(e) if is_unique_violation(&e) => {
            ServiceError::invalid(field, message)
        }
        other => settle(other),
    }
}
