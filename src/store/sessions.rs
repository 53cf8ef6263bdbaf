//! Rows of the `sessions` table (tower-sessions records, as JSON), and the
//! account a session belongs to.
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use time::OffsetDateTime;

use crate::entities::{Sessions, Users, session, user};

fn row(id: &str, data: &str, expires_at: OffsetDateTime) -> session::ActiveModel {
    session::ActiveModel {
        id: Set(id.to_owned()),
        data: Set(data.to_owned()),
        expires_at: Set(expires_at),
    }
}

/// Inserts a session unless the id is taken; true when inserted.
pub async fn insert_new(
    db: &impl ConnectionTrait,
    id: &str,
    data: &str,
    expires_at: OffsetDateTime,
) -> Result<bool, DbErr> {
    let inserted = Sessions::insert(row(id, data, expires_at))
        .on_conflict(
            OnConflict::column(session::Column::Id)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted == 1)
}

/// Inserts or overwrites a session.
pub async fn upsert(
    db: &impl ConnectionTrait,
    id: &str,
    data: &str,
    expires_at: OffsetDateTime,
) -> Result<(), DbErr> {
    Sessions::insert(row(id, data, expires_at))
        .on_conflict(
            OnConflict::column(session::Column::Id)
                .update_columns([session::Column::Data, session::Column::ExpiresAt])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// A session's (data, expiry) if it has not expired by `now`.
pub async fn live(
    db: &impl ConnectionTrait,
    id: &str,
    now: OffsetDateTime,
) -> Result<Option<(String, OffsetDateTime)>, DbErr> {
    Ok(Sessions::find_by_id(id.to_owned())
        .filter(session::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
        .map(|r| (r.data, r.expires_at)))
}

pub async fn delete(db: &impl ConnectionTrait, id: &str) -> Result<(), DbErr> {
    Sessions::delete_by_id(id.to_owned()).exec(db).await?;
    Ok(())
}

/// Deletes sessions expired by `now`; how many.
pub async fn delete_expired(db: &impl ConnectionTrait, now: OffsetDateTime) -> Result<u64, DbErr> {
    Ok(Sessions::delete_many()
        .filter(session::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected)
}

/// The account with this id, if any.
pub async fn user(db: &impl ConnectionTrait, id: i32) -> Result<Option<user::Model>, DbErr> {
    Users::find_by_id(id).one(db).await
}
