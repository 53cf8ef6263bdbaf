//! Rows of the `api_tokens` table: only a token's hash is stored.
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use time::OffsetDateTime;

use crate::entities::{ApiTokens, Users, api_token, user};

pub async fn insert(
    db: &impl ConnectionTrait,
    user_id: i32,
    name: &str,
    token_hash: &str,
    expires_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<api_token::Model, DbErr> {
    api_token::ActiveModel {
        user_id: Set(user_id),
        name: Set(name.to_owned()),
        token_hash: Set(token_hash.to_owned()),
        created_at: Set(now),
        last_used_at: Set(None),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// A user's tokens, newest first.
pub async fn of_user(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<api_token::Model>, DbErr> {
    ApiTokens::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await
}

/// The token with this hash and its user.
pub async fn by_hash(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<(api_token::Model, user::Model)>, DbErr> {
    let Some(token) = ApiTokens::find()
        .filter(api_token::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let owner = Users::find_by_id(token.user_id).one(db).await?;
    Ok(owner.map(|u| (token, u)))
}

/// Marks a user's token revoked (once); true when it was live.
pub async fn revoke(
    db: &impl ConnectionTrait,
    user_id: i32,
    token_id: i32,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let done = ApiTokens::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now))
        .filter(api_token::Column::Id.eq(token_id))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Records a use; at most one write a minute per token.
pub async fn touch(
    db: &impl ConnectionTrait,
    token_id: i32,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let stale = now - time::Duration::minutes(1);
    ApiTokens::update_many()
        .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
        .filter(api_token::Column::Id.eq(token_id))
        .filter(
            sea_orm::Condition::any()
                .add(api_token::Column::LastUsedAt.is_null())
                .add(api_token::Column::LastUsedAt.lt(stale)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// An account by its (normalised) email address.
pub async fn user_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<user::Model>, DbErr> {
    Users::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await
}
