//! Sign-in sessions: the rows behind the tower-sessions store, and the
//! account a session stands for, loaded afresh on every request so a
//! disabled account or a changed role takes effect at once. The web layer's
//! session store and sign-in backend (`auth/`) come through here.
use sea_orm::{DatabaseConnection, DbErr};
use time::OffsetDateTime;

use crate::domain::access::UserRole;
use crate::entities::user;
use crate::store::{decode, sessions as store};

/// A signed-in account, as the web layer needs it.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: UserRole,
    pub organisation_id: Option<i32>,
    /// The password hash: changing the password ends every other session.
    pub password_hash: String,
}

/// The account row `services::sign_in` returns.
pub type AccountRow = user::Model;

/// The read model of an account row.
pub fn account_of(model: &AccountRow) -> Result<Account, DbErr> {
    Ok(Account {
        id: model.id,
        email: model.email.clone(),
        name: model.name.clone(),
        role: decode("user role", UserRole::from_code(&model.role))?,
        organisation_id: model.organisation_id,
        password_hash: model.password_hash.clone(),
    })
}

/// The account a session belongs to, unless it is gone or disabled.
pub async fn signed_in_account(
    db: &DatabaseConnection,
    user_id: i32,
) -> Result<Option<Account>, DbErr> {
    match store::user(db, user_id).await? {
        Some(model) if model.disabled_at.is_none() => Ok(Some(account_of(&model)?)),
        _ => Ok(None),
    }
}

/// A stored session: its JSON data and when it expires.
#[derive(Clone, Debug)]
pub struct StoredSession {
    pub data: String,
    pub expires_at: OffsetDateTime,
}

/// Stores a new session unless the id is taken; true when stored.
pub async fn create(
    db: &DatabaseConnection,
    id: &str,
    data: &str,
    expires_at: OffsetDateTime,
) -> Result<bool, DbErr> {
    store::insert_new(db, id, data, expires_at).await
}

pub async fn save(
    db: &DatabaseConnection,
    id: &str,
    data: &str,
    expires_at: OffsetDateTime,
) -> Result<(), DbErr> {
    store::upsert(db, id, data, expires_at).await
}

/// The session with this id, unless it has expired.
pub async fn load(db: &DatabaseConnection, id: &str) -> Result<Option<StoredSession>, DbErr> {
    Ok(store::live(db, id, OffsetDateTime::now_utc())
        .await?
        .map(|(data, expires_at)| StoredSession { data, expires_at }))
}

pub async fn delete(db: &DatabaseConnection, id: &str) -> Result<(), DbErr> {
    store::delete(db, id).await
}

/// Sweeps expired sessions away; how many went.
pub async fn delete_expired(db: &DatabaseConnection) -> Result<u64, DbErr> {
    store::delete_expired(db, OffsetDateTime::now_utc()).await
}
