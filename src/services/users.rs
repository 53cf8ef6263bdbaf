//! Account administration: add, change, disable and reset passwords. Each is
//! the programme office's (or the command line's) business, validated, and
//! audited with before and after values (never the password hash).
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{By, FieldError, ServiceError};
use crate::auth::password;
use crate::domain::access::{Email, UserRole, check_password, check_role_organisation};
use crate::domain::ods::OdsCode;
use crate::domain::text::ShortText;
use crate::entities::{Organisations, Users, organisation, user};
use crate::store::audit::{self, AuditEntry};

/// A new account, as typed on the form or the command line.
#[derive(Clone, Debug, Default)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: String,
    pub organisation: String,
    pub password: String,
}

/// Changes to an account's name, role and organisation.
#[derive(Clone, Debug, Default)]
pub struct UserChanges {
    pub name: String,
    pub role: String,
    pub organisation: String,
    /// The version the form was built from.
    pub version: i32,
}

/// An account as pages show it.
#[derive(Clone, Debug)]
pub struct UserView {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: UserRole,
    pub organisation: Option<(String, String)>,
    pub disabled: bool,
    /// Failed sign-ins at this account since its last success. Guessing
    /// slows an account's answers but never locks it (see `sign_in`).
    pub failed_sign_ins: i32,
    pub last_sign_in_at: Option<OffsetDateTime>,
    pub version: i32,
}

fn snapshot(model: &user::Model, organisation: Option<&str>) -> Value {
    json!({
        "email": model.email,
        "name": model.name,
        "role": model.role,
        "organisation": organisation,
        "disabled": model.disabled_at.is_some(),
    })
}

async fn organisation_by_code(
    db: &impl sea_orm::ConnectionTrait,
    code: &str,
) -> Result<Option<organisation::Model>, ServiceError> {
    Ok(Organisations::find()
        .filter(organisation::Column::OdsCode.eq(code))
        .one(db)
        .await?)
}

async fn ods_of(
    db: &impl sea_orm::ConnectionTrait,
    organisation_id: Option<i32>,
) -> Result<Option<String>, ServiceError> {
    Ok(match organisation_id {
        Some(id) => Organisations::find_by_id(id)
            .one(db)
            .await?
            .and_then(|o| o.ods_code),
        None => None,
    })
}

/// Checks role, name and organisation fields; returns the organisation id.
async fn validate_profile(
    db: &DatabaseConnection,
    name: &str,
    role: &str,
    organisation: &str,
    errors: &mut Vec<FieldError>,
) -> Result<(Option<String>, Option<UserRole>, Option<i32>), ServiceError> {
    let name = match ShortText::parse(name, 200) {
        Ok(n) => Some(n.into_inner()),
        Err(_) if name.trim().is_empty() => {
            errors.push(FieldError::new("name", "Enter the person's full name"));
            None
        }
        Err(e) => {
            errors.push(FieldError::new("name", format!("Name {e}")));
            None
        }
    };
    let role = match UserRole::from_code(role) {
        Ok(r) => Some(r),
        Err(_) => {
            errors.push(FieldError::new("role", "Select a role"));
            None
        }
    };
    let organisation = organisation.trim();
    let mut organisation_id = None;
    if let Some(role) = role {
        let given = (!organisation.is_empty()).then_some(organisation);
        match check_role_organisation(role, given) {
            Err(message) => errors.push(FieldError::new("organisation", capitalise(message))),
            Ok(()) => {
                if let Some(code) = given {
                    match OdsCode::parse(code) {
                        Err(e) => errors.push(FieldError::new("organisation", e.to_string())),
                        Ok(code) => match organisation_by_code(db, code.as_str()).await? {
                            Some(org) => organisation_id = Some(org.id),
                            None => errors.push(FieldError::new(
                                "organisation",
                                format!("No organisation has the ODS code {code}"),
                            )),
                        },
                    }
                }
            }
        }
    }
    Ok((name, role, organisation_id))
}

fn capitalise(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub async fn add(
    db: &DatabaseConnection,
    by: &By,
    input: NewUser,
) -> Result<user::Model, ServiceError> {
    by.administer()?;
    let mut errors = Vec::new();
    let email = match Email::parse(&input.email) {
        Ok(email) => Some(email),
        Err(message) => {
            errors.push(FieldError::new("email", message));
            None
        }
    };
    let (name, role, organisation_id) = validate_profile(
        db,
        &input.name,
        &input.role,
        &input.organisation,
        &mut errors,
    )
    .await?;
    if let Err(message) = check_password(&input.password) {
        errors.push(FieldError::new("password", message));
    }
    if let Some(email) = &email
        && Users::find()
            .filter(user::Column::Email.eq(email.as_str()))
            .one(db)
            .await?
            .is_some()
    {
        errors.push(FieldError::new(
            "email",
            "An account with this email address already exists",
        ));
    }
    let (Some(email), Some(name), Some(role), true) = (email, name, role, errors.is_empty()) else {
        return Err(ServiceError::Invalid(errors));
    };
    let hash = password::hash(input.password).await?;
    let now = OffsetDateTime::now_utc();
    let txn = db.begin().await?;
    let created = user::ActiveModel {
        email: Set(email.as_str().to_owned()),
        name: Set(name),
        role: Set(role.code().to_owned()),
        organisation_id: Set(organisation_id),
        password_hash: Set(hash),
        failed_sign_ins: Set(0),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| unique_email(e, &email))?;
    let ods = ods_of(&txn, organisation_id).await?;
    let mut entry = AuditEntry::by(by, "user.create", "user", &created.id.to_string())
        .after(snapshot(&created, ods.as_deref()));
    if let Some(org) = organisation_id {
        entry = entry.organisation(org);
    }
    audit::record(&txn, entry).await?;
    txn.commit().await?;
    Ok(created)
}

/// Two people adding the same address at once: the unique index decides.
fn unique_email(error: sea_orm::DbErr, email: &Email) -> ServiceError {
    if matches!(
        error.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    ) {
        ServiceError::invalid(
            "email",
            format!("An account with the email address {email} already exists"),
        )
    } else {
        ServiceError::Database(error)
    }
}

pub async fn find_by_email(
    db: &DatabaseConnection,
    email: &str,
) -> Result<user::Model, ServiceError> {
    let email = Email::parse(email).map_err(|m| ServiceError::invalid("email", m))?;
    Users::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

async fn load(
    db: &impl sea_orm::ConnectionTrait,
    user_id: i32,
) -> Result<user::Model, ServiceError> {
    Users::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

pub async fn set_password(
    db: &DatabaseConnection,
    by: &By,
    user_id: i32,
    new_password: String,
) -> Result<(), ServiceError> {
    by.administer()?;
    check_password(&new_password).map_err(|m| ServiceError::invalid("password", m))?;
    let account = load(db, user_id).await?;
    let hash = password::hash(new_password).await?;
    let txn = db.begin().await?;
    let mut active: user::ActiveModel = account.clone().into();
    active.password_hash = Set(hash);
    // A reset also clears a lockout.
    active.failed_sign_ins = Set(0);
    active.locked_until = Set(None);
    active.version = Set(account.version + 1);
    active.updated_at = Set(OffsetDateTime::now_utc());
    active.update(&txn).await?;
    audit::record(
        &txn,
        AuditEntry::by(by, "user.set_password", "user", &user_id.to_string())
            .before(json!({ "password": "(previous)", "failed_sign_ins": account.failed_sign_ins }))
            .after(json!({ "password": "(changed)", "failed_sign_ins": 0 })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Disables (or re-enables) an account; a disabled account's sessions stop working at once.
pub async fn set_disabled(
    db: &DatabaseConnection,
    by: &By,
    user_id: i32,
    disabled: bool,
) -> Result<(), ServiceError> {
    change_disabled(db, by, user_id, disabled).await.map(|_| ())
}

/// `set_disabled`, saying whether anything changed: `false` when the account
/// was already disabled (or already enabled), which is not an error and
/// writes nothing, not even an audit entry.
pub async fn change_disabled(
    db: &DatabaseConnection,
    by: &By,
    user_id: i32,
    disabled: bool,
) -> Result<bool, ServiceError> {
    by.administer()?;
    if let By::User(actor) = by
        && actor.user_id == user_id
        && disabled
    {
        return Err(ServiceError::invalid(
            "user",
            "You cannot disable your own account",
        ));
    }
    let account = load(db, user_id).await?;
    if account.disabled_at.is_some() == disabled {
        return Ok(false);
    }
    let ods = ods_of(db, account.organisation_id).await?;
    let txn = db.begin().await?;
    let mut active: user::ActiveModel = account.clone().into();
    active.disabled_at = Set(disabled.then(OffsetDateTime::now_utc));
    active.version = Set(account.version + 1);
    active.updated_at = Set(OffsetDateTime::now_utc());
    let updated = active.update(&txn).await?;
    audit::record(
        &txn,
        AuditEntry::by(
            by,
            if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
            "user",
            &user_id.to_string(),
        )
        .before(snapshot(&account, ods.as_deref()))
        .after(snapshot(&updated, ods.as_deref())),
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

pub async fn update(
    db: &DatabaseConnection,
    by: &By,
    user_id: i32,
    changes: UserChanges,
) -> Result<user::Model, ServiceError> {
    by.administer()?;
    let account = load(db, user_id).await?;
    let mut errors = Vec::new();
    let (name, role, organisation_id) = validate_profile(
        db,
        &changes.name,
        &changes.role,
        &changes.organisation,
        &mut errors,
    )
    .await?;
    if let (By::User(actor), Some(role)) = (by, role)
        && actor.user_id == user_id
        && role != crate::domain::access::UserRole::ProgrammeOffice
    {
        errors.push(FieldError::new(
            "role",
            "You cannot remove the programme-office role from your own account",
        ));
    }
    let (Some(name), Some(role), true) = (name, role, errors.is_empty()) else {
        return Err(ServiceError::Invalid(errors));
    };
    if account.version != changes.version {
        return Err(ServiceError::Conflict);
    }
    let before_ods = ods_of(db, account.organisation_id).await?;
    // A new data version: pages cached per version show people by name
    // (the participant page's history), so a rename must not wait for the
    // next change to programme data.
    let txn = super::begin_write(db).await?;
    // The version check in the WHERE clause makes a concurrent save lose cleanly.
    let result = Users::update_many()
        .col_expr(user::Column::Name, sea_orm::sea_query::Expr::value(name))
        .col_expr(
            user::Column::Role,
            sea_orm::sea_query::Expr::value(role.code()),
        )
        .col_expr(
            user::Column::OrganisationId,
            sea_orm::sea_query::Expr::value(organisation_id),
        )
        .col_expr(
            user::Column::Version,
            sea_orm::sea_query::Expr::value(account.version + 1),
        )
        .col_expr(
            user::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(OffsetDateTime::now_utc()),
        )
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::Version.eq(account.version))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(ServiceError::Conflict);
    }
    let updated = load(&txn, user_id).await?;
    let after_ods = ods_of(&txn, updated.organisation_id).await?;
    audit::record(
        &txn,
        AuditEntry::by(by, "user.update", "user", &user_id.to_string())
            .before(snapshot(&account, before_ods.as_deref()))
            .after(snapshot(&updated, after_ods.as_deref())),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn list(db: &DatabaseConnection, by: &By) -> Result<Vec<UserView>, ServiceError> {
    by.administer()?;
    let users = Users::find()
        .order_by_asc(user::Column::Email)
        .all(db)
        .await?;
    let organisations: std::collections::HashMap<i32, organisation::Model> = Organisations::find()
        .filter(organisation::Column::OdsCode.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    users
        .into_iter()
        .map(|u| {
            Ok(UserView {
                role: crate::store::decode("user role", UserRole::from_code(&u.role))?,
                organisation: u
                    .organisation_id
                    .and_then(|id| organisations.get(&id))
                    .map(|o| (o.ods_code.clone().unwrap_or_default(), o.name.clone())),
                disabled: u.disabled_at.is_some(),
                failed_sign_ins: u.failed_sign_ins,
                id: u.id,
                email: u.email,
                name: u.name,
                last_sign_in_at: u.last_sign_in_at,
                version: u.version,
            })
        })
        .collect()
}

pub async fn get(db: &DatabaseConnection, by: &By, user_id: i32) -> Result<UserView, ServiceError> {
    list(db, by)
        .await?
        .into_iter()
        .find(|u| u.id == user_id)
        .ok_or(ServiceError::NotFound)
}

/// True when no account exists yet (the first start says how to make one).
pub async fn none_exist(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    use sea_orm::PaginatorTrait;
    Ok(Users::find().count(db).await? == 0)
}

/// One account by its email address, for someone who may administer accounts
/// (checked before anything is read).
pub async fn account_by_email(
    db: &DatabaseConnection,
    by: &By,
    email: &str,
) -> Result<UserView, ServiceError> {
    by.administer()?;
    let email = Email::parse(email).map_err(|m| ServiceError::invalid("email", m))?;
    list(db, by)
        .await?
        .into_iter()
        .find(|u| u.email == email.as_str())
        .ok_or(ServiceError::NotFound)
}
