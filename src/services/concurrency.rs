//! No lost updates: every editable record carries a version; a save names
//! the version its form was built from and succeeds only if it still holds.
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use time::OffsetDateTime;

use super::ServiceError;

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
        .col_expr(columns.updated_at, Expr::value(OffsetDateTime::now_utc()))
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
