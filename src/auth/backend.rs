//! The axum-login backend: loads the signed-in user on each request, so a
//! disabled account or a changed role takes effect at once.
use axum_login::{AuthUser, AuthnBackend, UserId};
use sea_orm::{DatabaseConnection, DbErr};
use time::OffsetDateTime;

use std::net::IpAddr;
use std::sync::Arc;

use crate::domain::access::{Actor, UserRole};
use crate::services::sessions::{self, Account};
use crate::services::sign_in::{self, Attempt, SignInError, SignInLimits};

#[derive(Clone, Debug)]
pub struct SessionUser {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: UserRole,
    pub organisation_id: Option<i32>,
    /// The password hash: changing the password ends every other session.
    auth_hash: Vec<u8>,
}

impl SessionUser {
    pub fn from_account(account: Account) -> SessionUser {
        SessionUser {
            id: account.id,
            email: account.email,
            name: account.name,
            role: account.role,
            organisation_id: account.organisation_id,
            auth_hash: account.password_hash.into_bytes(),
        }
    }

    /// From the row `services::sign_in` returns. (Until that service returns
    /// an `Account` itself; then this goes.)
    pub fn from_model(row: &sessions::AccountRow) -> Result<SessionUser, DbErr> {
        Ok(SessionUser::from_account(sessions::account_of(row)?))
    }

    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id,
            email: self.email.clone(),
            role: self.role,
            organisation_id: self.organisation_id,
        }
    }
}

impl AuthUser for SessionUser {
    type Id = i32;

    fn id(&self) -> i32 {
        self.id
    }

    fn session_auth_hash(&self) -> &[u8] {
        &self.auth_hash
    }
}

#[derive(Clone, Debug)]
pub struct AuthBackend {
    pub db: DatabaseConnection,
    pub limits: Arc<SignInLimits>,
}

#[derive(Clone, Debug)]
pub struct Credentials {
    pub email: String,
    pub password: String,
    /// The client's address, as `ClientAddress` works it out.
    pub client: IpAddr,
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error(transparent)]
    SignIn(#[from] SignInError),
}

impl AuthnBackend for AuthBackend {
    type User = SessionUser;
    type Credentials = Credentials;
    type Error = BackendError;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<SessionUser>, BackendError> {
        match sign_in::sign_in(
            &self.db,
            &self.limits,
            Attempt {
                email: &creds.email,
                password: creds.password,
                client: creds.client,
            },
            OffsetDateTime::now_utc(),
        )
        .await
        {
            Ok(user) => Ok(Some(SessionUser::from_model(&user)?)),
            Err(SignInError::Refused { .. }) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }

    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<SessionUser>, BackendError> {
        Ok(sessions::signed_in_account(&self.db, *id)
            .await?
            .map(SessionUser::from_account))
    }
}
