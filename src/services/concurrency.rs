//! No lost updates: every editable record carries a version; a save names
//! the version its form was built from and succeeds only if it still holds.
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::ServiceError;

/// `UPDATE … SET cols…, version = version + 1 WHERE id = ? AND version = ?`;
/// a stale version changes nothing and reports a conflict.
pub async fn update_versioned<E, C>(
    db: &C,
    id_column: E::Column,
    id: i32,
    version_column: E::Column,
    version: i32,
    sets: Vec<(E::Column, SimpleExpr)>,
) -> Result<(), ServiceError>
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
        .col_expr(version_column, Expr::value(version + 1))
        .filter(id_column.eq(id))
        .filter(version_column.eq(version))
        .exec(db)
        .await?;
    if result.rows_affected == 1 {
        Ok(())
    } else {
        Err(ServiceError::Conflict)
    }
}
