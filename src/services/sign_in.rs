//! Signing in without giving anything away. Every refusal (unknown name,
//! wrong password, disabled account, throttled address) shows one message,
//! checks a real Argon2 hash (a dummy one when there is no account) and is
//! answered no sooner than the same policy says, whether or not the account
//! exists. See `SignInPolicy` for the throttling rules.
use std::net::IpAddr;
use std::time::Instant;

use blake2::{Blake2b256, Digest};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, Statement, TransactionTrait,
};
use serde_json::json;
use time::OffsetDateTime;

use crate::auth::password;
use crate::auth::throttle::AddressThrottle;
use crate::domain::access::{Email, SignInPolicy};
use crate::entities::{Users, user};
use crate::store::audit::{self, AuditEntry};

/// The only message a refused sign-in ever shows.
pub const REFUSED_MESSAGE: &str = "The email address or password is not right. Check them and \
     try again. After repeated failed attempts, signing in is paused for a while: wait a few \
     minutes before trying again.";

/// The policy and the in-process counts, shared by every request of one app instance.
#[derive(Debug)]
pub struct SignInLimits {
    pub policy: SignInPolicy,
    addresses: AddressThrottle,
}

impl SignInLimits {
    pub fn new(policy: SignInPolicy) -> SignInLimits {
        SignInLimits {
            policy,
            addresses: AddressThrottle::new(policy),
        }
    }
}

/// One try at signing in, from the client address the request came from.
#[derive(Debug)]
pub struct Attempt<'a> {
    pub email: &'a str,
    pub password: String,
    pub client: IpAddr,
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Refused; answer no sooner than `answer_at` so guessing is slow and
    /// every refusal takes the same time.
    #[error("{REFUSED_MESSAGE}")]
    Refused { answer_at: Instant },
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Password(#[from] password::PasswordError),
}

/// The sign-in name as counted: the normalised address, or the trimmed,
/// lower-cased text for something that is not one.
fn sign_in_name(text: &str) -> String {
    match Email::parse(text) {
        Ok(email) => email.as_str().to_owned(),
        Err(_) => text.trim().to_lowercase().chars().take(254).collect(),
    }
}

/// The database key for a sign-in name: a hash, so what people type into the
/// email field (sometimes a password) is never stored.
fn account_key(name: &str) -> String {
    Blake2b256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub async fn sign_in(
    db: &DatabaseConnection,
    limits: &SignInLimits,
    attempt: Attempt<'_>,
    now: OffsetDateTime,
) -> Result<user::Model, SignInError> {
    let started = Instant::now();
    let policy = &limits.policy;
    let name = sign_in_name(attempt.email);
    if limits.addresses.begin(attempt.client, &name).is_err() {
        // The same work as a real check; this address's own state, the same
        // for any name, so nothing is revealed about the account.
        password::verify(attempt.password, None).await?;
        return Err(SignInError::Refused {
            answer_at: started + policy.locked_delay(),
        });
    }
    let found = match Email::parse(attempt.email) {
        Ok(email) => {
            Users::find()
                .filter(user::Column::Email.eq(email.as_str()))
                .one(db)
                .await?
        }
        Err(_) => None,
    };
    let account = found.filter(|u| u.disabled_at.is_none());
    let stored = account.as_ref().map(|a| a.password_hash.clone());
    let matches = password::verify(attempt.password, stored).await?;
    match account {
        Some(account) if matches => {
            let updated = succeed(db, account, now).await?;
            limits.addresses.succeeded(attempt.client, &name);
            Ok(updated)
        }
        account => {
            let failures = record_failure(db, policy, &name, account.as_ref(), now).await?;
            Err(SignInError::Refused {
                answer_at: started + policy.refusal_delay(failures),
            })
        }
    }
}

async fn succeed(
    db: &DatabaseConnection,
    account: user::Model,
    now: OffsetDateTime,
) -> Result<user::Model, sea_orm::DbErr> {
    let txn = db.begin().await?;
    let mut active: user::ActiveModel = account.clone().into();
    active.failed_sign_ins = Set(0);
    active.locked_until = Set(None);
    active.last_sign_in_at = Set(Some(now));
    let updated = active.update(&txn).await?;
    audit::record(
        &txn,
        AuditEntry::system(
            &account.email,
            "user.sign_in",
            "user",
            &account.id.to_string(),
        )
        .by_user(account.id),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Counts a failure against the sign-in name (every name, account or not) in
/// one atomic upsert, and against the account's own tally when there is one;
/// returns the name's failures in the current window.
async fn record_failure(
    db: &DatabaseConnection,
    policy: &SignInPolicy,
    name: &str,
    account: Option<&user::Model>,
    now: OffsetDateTime,
) -> Result<u32, sea_orm::DbErr> {
    let now_secs = now.unix_timestamp();
    let window_opened_after = now_secs - policy.window_secs();
    let txn = db.begin().await?;
    // One statement, so parallel failures cannot undercount. `$n` placeholders
    // read the same on PostgreSQL and SQLite (first uses in order).
    let counted = txn
        .query_one_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "INSERT INTO sign_in_failures (account, failures, window_started_at) \
             VALUES ($1, 1, $2) \
             ON CONFLICT (account) DO UPDATE SET \
               failures = CASE WHEN sign_in_failures.window_started_at <= $3 \
                 THEN 1 ELSE sign_in_failures.failures + 1 END, \
               window_started_at = CASE WHEN sign_in_failures.window_started_at <= $3 \
                 THEN $2 ELSE sign_in_failures.window_started_at END \
             RETURNING failures",
            [
                account_key(name).into(),
                now_secs.into(),
                window_opened_after.into(),
            ],
        ))
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound("sign_in_failures".into()))?;
    let failures: i32 = counted.try_get_by_index(0)?;
    // The account's own tally, read by the people who manage accounts. The
    // same statement runs for an unknown name and simply matches nothing.
    Users::update_many()
        .col_expr(
            user::Column::FailedSignIns,
            Expr::col(user::Column::FailedSignIns).add(1),
        )
        .filter(user::Column::Email.eq(name))
        .filter(user::Column::DisabledAt.is_null())
        .exec(&txn)
        .await?;
    if let Some(account) = account {
        audit::record(
            &txn,
            AuditEntry::system(
                &account.email,
                "user.sign_in_failed",
                "user",
                &account.id.to_string(),
            )
            .after(json!({ "failed_sign_ins_in_window": failures })),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(u32::try_from(failures).unwrap_or(0))
}

/// Forgets the counts of names whose window closed long ago (run now and then).
pub async fn sweep_failures(
    db: &DatabaseConnection,
    policy: &SignInPolicy,
    now: OffsetDateTime,
) -> Result<u64, sea_orm::DbErr> {
    let cutoff = now.unix_timestamp() - policy.window_secs();
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "DELETE FROM sign_in_failures WHERE window_started_at <= $1",
            [cutoff.into()],
        ))
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_counted_normalised_and_stored_hashed() {
        assert_eq!(sign_in_name("  Jo@NHS.net "), "jo@nhs.net");
        assert_eq!(sign_in_name(" Not An Email "), "not an email");
        assert_eq!(sign_in_name(&"x".repeat(1000)).len(), 254);
        let key = account_key("jo@nhs.net");
        assert_eq!(key.len(), 64);
        assert!(!key.contains("jo"));
        assert_eq!(key, account_key("jo@nhs.net"));
        assert_ne!(key, account_key("al@nhs.net"));
    }
}
