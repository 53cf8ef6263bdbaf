//! Use cases: each checks permissions, validates, writes in one transaction
//! and records an audit event. The web pages, the CLI and any future API
//! all come through here, so none can bypass the rules.
pub mod api_tokens;
pub mod audit_log;
pub mod change_requests;
pub mod concurrency;
pub mod dashboard;
pub mod fields;
pub mod funding;
pub mod interchange;
pub mod milestones;
pub mod open_data;
pub mod participant_setup;
pub mod participants;
pub mod programme;
pub mod reading;
pub mod returns;
pub mod sessions;
pub mod sign_in;
pub mod snapshot;
pub mod users;

use std::borrow::Cow;

use crate::domain::access::{AccessError, Actor};

/// Who is acting: a signed-in user, or an operator at the command line
/// (who already holds the database and is trusted with it).
#[derive(Clone, Debug)]
pub enum By {
    User(Actor),
    Cli,
}

/// A handler holding the signed-in person's `Actor` can pass `&actor`
/// wherever a service takes `impl Into<By>`.
impl From<&Actor> for By {
    fn from(actor: &Actor) -> By {
        By::User(actor.clone())
    }
}

impl From<&By> for By {
    fn from(by: &By) -> By {
        by.clone()
    }
}

impl By {
    pub fn user_id(&self) -> Option<i32> {
        match self {
            By::User(actor) => Some(actor.user_id),
            By::Cli => None,
        }
    }

    pub fn label(&self) -> String {
        match self {
            By::User(actor) => actor.email.clone(),
            By::Cli => "command line".to_owned(),
        }
    }

    /// Changing programme set-up, money and sign-offs: the programme office,
    /// or the command line.
    pub fn change_programme(&self) -> Result<(), AccessError> {
        match self {
            By::User(actor) => actor.change_programme(),
            By::Cli => Ok(()),
        }
    }

    /// Account administration: the programme office, or the command line.
    pub fn administer(&self) -> Result<(), AccessError> {
        match self {
            By::User(actor) => actor.administer(),
            By::Cli => Ok(()),
        }
    }
}

/// A problem with one form field, shown beside it and in the error summary.
/// The field is usually a fixed name (`"central"`) and sometimes one built at
/// run time (`m_12_status`), so it is either borrowed for ever or owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: Cow<'static, str>,
    pub message: String,
}

impl FieldError {
    /// Messages start with a capital letter, whichever rule produced them.
    /// `field` is a `&'static str` or a `String`.
    pub fn new(field: impl Into<Cow<'static, str>>, message: impl Into<String>) -> FieldError {
        let field = field.into();
        let message = message.into();
        let mut chars = message.chars();
        let message = match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => message,
        };
        FieldError { field, message }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error("{}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    #[error("not found")]
    NotFound,
    /// Someone else saved this record since the form was loaded.
    #[error("this record was changed by someone else since you loaded it")]
    Conflict,
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Password(#[from] crate::auth::password::PasswordError),
}

impl ServiceError {
    pub fn invalid(
        field: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> ServiceError {
        ServiceError::Invalid(vec![FieldError::new(field, message)])
    }
}

/// The database's message when `error` broke a unique index or constraint.
pub fn unique_violation(error: &sea_orm::DbErr) -> Option<String> {
    match error.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(detail)) => Some(detail),
        _ => None,
    }
}

/// For `map_err` on a write that a unique index backs: a violation becomes a
/// field error on `field` with `message` (a check made before the write lost
/// a race to another request, or the index caught what the check did not);
/// any other error stays a database error. Never a 500 for a duplicate:
///
/// ```ignore
/// model.insert(&txn).await.map_err(unique_as("reference", "ALLOC-1 is already in use"))?;
/// ```
pub fn unique_as(
    field: &'static str,
    message: impl Into<String>,
) -> impl FnOnce(sea_orm::DbErr) -> ServiceError {
    let message = message.into();
    move |error| match unique_violation(&error) {
        Some(_) => ServiceError::invalid(field, message),
        None => ServiceError::Database(error),
    }
}

/// Begins a transaction that changes programme data: stamped with the
/// clock's instant (`crate::clock::now`), which the database's history
/// triggers record as the instant each change was made (see
/// `store::history`). Every writing transaction starts here; on PostgreSQL
/// a change to a versioned table in an unstamped transaction is refused.
pub(crate) async fn begin_write(
    db: &sea_orm::DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    use sea_orm::TransactionTrait;
    let txn = db.begin().await?;
    crate::store::history::stamp(&txn, crate::clock::now()).await?;
    Ok(txn)
}
