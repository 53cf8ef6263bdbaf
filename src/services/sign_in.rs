//! Signing in: one answer for every refusal (unknown account, wrong password,
//! disabled or locked), failures counted, slowed and then locked, and every
//! attempt on a real account recorded in the audit trail.
use std::time::Duration;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use serde_json::json;
use time::OffsetDateTime;

use crate::auth::password;
use crate::domain::access::{Email, LockoutPolicy};
use crate::entities::{Users, user};
use crate::store::audit::{self, AuditEntry};

/// The only message a refused sign-in ever shows.
pub const REFUSED_MESSAGE: &str = "The email address or password is not right, or the account is \
     locked after repeated failed attempts. Check them and try again, or wait 15 minutes.";

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Refused; wait `delay` before answering so guessing is slow.
    #[error("{REFUSED_MESSAGE}")]
    Refused { delay: Duration },
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Password(#[from] password::PasswordError),
}

pub async fn sign_in(
    db: &DatabaseConnection,
    policy: &LockoutPolicy,
    email: &str,
    password: String,
    now: OffsetDateTime,
) -> Result<user::Model, SignInError> {
    let found = match Email::parse(email) {
        Ok(email) => {
            Users::find()
                .filter(user::Column::Email.eq(email.as_str()))
                .one(db)
                .await?
        }
        Err(_) => None,
    };
    let usable = found.filter(|u| u.disabled_at.is_none());
    let Some(account) = usable else {
        // Same work as a real check, so timing does not reveal the account.
        password::verify(password, None).await?;
        return Err(SignInError::Refused {
            delay: Duration::ZERO,
        });
    };
    if policy.is_locked(account.locked_until, now) {
        password::verify(password, None).await?;
        return Err(SignInError::Refused {
            delay: policy.max_delay,
        });
    }
    let matches = password::verify(password, Some(account.password_hash.clone())).await?;
    let txn = db.begin().await?;
    let result = if matches {
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
        Ok(updated)
    } else {
        let failures = account.failed_sign_ins + 1;
        let after = policy.after_failure(failures, now);
        let mut active: user::ActiveModel = account.clone().into();
        active.failed_sign_ins = Set(failures);
        active.locked_until = Set(after.locked_until);
        active.update(&txn).await?;
        let action = if after.locked_until.is_some() {
            "user.locked"
        } else {
            "user.sign_in_failed"
        };
        audit::record(
            &txn,
            AuditEntry::system(&account.email, action, "user", &account.id.to_string())
                .before(json!({ "failed_sign_ins": account.failed_sign_ins }))
                .after(json!({
                    "failed_sign_ins": failures,
                    "locked_until": after.locked_until.map(|t| t.to_string()),
                })),
        )
        .await?;
        Err(SignInError::Refused { delay: after.delay })
    };
    txn.commit().await?;
    result
}
