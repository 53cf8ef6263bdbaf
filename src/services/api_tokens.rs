//! API tokens: each acts as its user, never more. The secret is shown once
//! and only its hash is stored; a revoked or expired token, or one whose
//! user is disabled, stops working at once (the user is loaded on every use).
use blake2::{Blake2b256, Digest};
use rand::distr::Alphanumeric;
use rand::{RngExt, rng};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::json;
use time::{Date, OffsetDateTime, Time};

use super::{By, ServiceError};
use crate::domain::access::{AccessError, Actor, Email};
use crate::services::sessions::account_of;
use crate::store::api_tokens as store;
use crate::store::audit::{self, AuditEntry};

/// Every token starts with this, so a leaked one is easy to recognise.
pub const PREFIX: &str = "gde_";

/// A token as its owner's list shows it (never the secret).
#[derive(Clone, Debug)]
pub struct TokenView {
    pub id: i32,
    pub name: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    /// The last day it works (it stops at the end of that day, UTC).
    pub expires_on: Option<Date>,
    pub revoked_at: Option<OffsetDateTime>,
}

impl TokenView {
    pub fn live(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_on.is_none_or(|d| now < end_of(d))
    }
}

/// A new token: the secret, shown once.
#[derive(Clone, Debug)]
pub struct NewToken {
    pub id: i32,
    pub secret: String,
    pub expires_on: Option<Date>,
}

/// The instant a token with this last day stops working: midnight UTC after it.
fn end_of(day: Date) -> OffsetDateTime {
    day.next_day()
        .unwrap_or(day)
        .with_time(Time::MIDNIGHT)
        .assume_utc()
}

fn view(m: crate::entities::api_token::Model) -> TokenView {
    TokenView {
        id: m.id,
        name: m.name,
        created_at: m.created_at,
        last_used_at: m.last_used_at,
        expires_on: m
            .expires_at
            .map(|t| t.date().previous_day().unwrap_or(t.date())),
        revoked_at: m.revoked_at,
    }
}

fn hash(secret: &str) -> String {
    Blake2b256::digest(secret.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn generate() -> String {
    let body: String = rng()
        .sample_iter(&Alphanumeric)
        .take(40)
        .map(char::from)
        .collect();
    format!("{PREFIX}{body}")
}

/// Parses the optional last day: today or later.
fn parse_expiry(text: &str, today: Date) -> Result<Option<Date>, ServiceError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = Date::parse(text, format).map_err(|_| {
        ServiceError::invalid(
            "expires_on",
            "Enter the last day as YYYY-MM-DD, e.g. 2027-03-31",
        )
    })?;
    if day < today {
        return Err(ServiceError::invalid(
            "expires_on",
            "The last day cannot be in the past",
        ));
    }
    Ok(Some(day))
}

fn check_name(name: &str) -> Result<String, ServiceError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ServiceError::invalid(
            "name",
            "Enter a name that says what the token is for, e.g. \"monthly extract\"",
        ));
    }
    if name.chars().count() > 120 {
        return Err(ServiceError::invalid("name", "Use at most 120 characters"));
    }
    Ok(name.to_owned())
}

async fn create(
    db: &DatabaseConnection,
    by: &By,
    user_id: i32,
    organisation_id: Option<i32>,
    name: &str,
    expires_on: &str,
    now: OffsetDateTime,
) -> Result<NewToken, ServiceError> {
    let name = check_name(name)?;
    let expires_on = parse_expiry(expires_on, now.date())?;
    let secret = generate();
    let txn = db.begin().await?;
    let row = store::insert(
        &txn,
        user_id,
        &name,
        &hash(&secret),
        expires_on.map(end_of),
        now,
    )
    .await?;
    let mut entry =
        AuditEntry::by(by, "api_token.create", "api_token", &row.id.to_string()).after(json!({
            "user_id": user_id,
            "name": name,
            "expires_on": expires_on.map(|d| d.to_string()),
        }));
    if let Some(org) = organisation_id {
        entry = entry.organisation(org);
    }
    audit::record(&txn, entry).await?;
    txn.commit().await?;
    Ok(NewToken {
        id: row.id,
        secret,
        expires_on,
    })
}

/// A signed-in user makes a token for themselves.
pub async fn create_own(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
    expires_on: &str,
    now: OffsetDateTime,
) -> Result<NewToken, ServiceError> {
    let by = By::User(actor.clone());
    create(
        db,
        &by,
        actor.user_id,
        actor.organisation_id,
        name,
        expires_on,
        now,
    )
    .await
}

/// An operator makes a token for an account (`gde token create`); the
/// account must exist and not be disabled.
pub async fn create_for(
    db: &DatabaseConnection,
    by: &By,
    email: &str,
    name: &str,
    expires_on: &str,
    now: OffsetDateTime,
) -> Result<NewToken, ServiceError> {
    by.administer()?;
    let email = Email::parse(email).map_err(|m| ServiceError::invalid("user", m))?;
    let account = store::user_by_email(db, email.as_str())
        .await?
        .ok_or_else(|| {
            ServiceError::invalid("user", format!("No account has the email address {email}"))
        })?;
    if account.disabled_at.is_some() {
        return Err(ServiceError::invalid(
            "user",
            format!("The account {} is disabled; enable it first", account.email),
        ));
    }
    create(
        db,
        by,
        account.id,
        account.organisation_id,
        name,
        expires_on,
        now,
    )
    .await
}

/// The signed-in user's own tokens, newest first.
pub async fn list_own(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<TokenView>, ServiceError> {
    Ok(store::of_user(db, actor.user_id)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// Revokes one of the signed-in user's own tokens; anyone else's is not found.
pub async fn revoke_own(
    db: &DatabaseConnection,
    actor: &Actor,
    token_id: i32,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    let by = By::User(actor.clone());
    let txn = db.begin().await?;
    if !store::revoke(&txn, actor.user_id, token_id, now).await? {
        return Err(ServiceError::NotFound);
    }
    let mut entry = AuditEntry::by(&by, "api_token.revoke", "api_token", &token_id.to_string());
    if let Some(org) = actor.organisation_id {
        entry = entry.organisation(org);
    }
    audit::record(&txn, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// Who a presented token acts as: its user's actor and the token's id, or
/// `Hidden` for an unknown, revoked or expired token or a disabled user
/// (all alike). Records the use (at most once a minute).
pub async fn authenticate(
    db: &DatabaseConnection,
    secret: &str,
    now: OffsetDateTime,
) -> Result<(i32, Actor), ServiceError> {
    let secret = secret.trim();
    if !secret.starts_with(PREFIX) || secret.len() > 200 {
        return Err(AccessError::Hidden.into());
    }
    let Some((token, owner)) = store::by_hash(db, &hash(secret)).await? else {
        return Err(AccessError::Hidden.into());
    };
    let live = token.revoked_at.is_none()
        && token.expires_at.is_none_or(|t| now < t)
        && owner.disabled_at.is_none();
    if !live {
        return Err(AccessError::Hidden.into());
    }
    let account = account_of(&owner)?;
    store::touch(db, token.id, now).await?;
    Ok((
        token.id,
        Actor {
            user_id: account.id,
            email: account.email,
            role: account.role,
            organisation_id: account.organisation_id,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_token_works_through_its_last_day() {
        let last = date!(2027 - 03 - 31);
        assert_eq!(end_of(last), time::macros::datetime!(2027-04-01 00:00 UTC));
        let m = crate::entities::api_token::Model {
            id: 1,
            user_id: 1,
            name: "x".into(),
            token_hash: String::new(),
            created_at: time::macros::datetime!(2027-01-01 00:00 UTC),
            last_used_at: None,
            expires_at: Some(end_of(last)),
            revoked_at: None,
        };
        let v = view(m);
        assert_eq!(v.expires_on, Some(last));
        assert!(v.live(time::macros::datetime!(2027-03-31 23:59 UTC)));
        assert!(!v.live(time::macros::datetime!(2027-04-01 00:00 UTC)));
    }

    #[test]
    fn secrets_are_long_prefixed_and_hashed_not_kept() {
        let a = generate();
        assert!(a.starts_with(PREFIX) && a.len() == 44);
        assert_ne!(a, generate());
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), a);
    }

    #[test]
    fn expiry_is_a_date_not_in_the_past() {
        let today = date!(2026 - 12 - 01);
        assert_eq!(parse_expiry("", today).unwrap(), None);
        assert_eq!(parse_expiry("2026-12-01", today).unwrap(), Some(today));
        assert!(parse_expiry("2026-11-30", today).is_err());
        assert!(parse_expiry("31/12/2026", today).is_err());
    }
}
