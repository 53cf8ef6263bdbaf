//! What every page needs besides its own data: the signed-in user, the CSRF
//! form token and any one-off confirmation message (flash).
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::csrf::FormToken;
use super::{AppError, AppState, AuthSession};
use crate::auth::SessionUser;
use crate::services::By;
use crate::views::layout::{Chrome, UserBadge};

const FLASH_KEY: &str = "flash";

pub struct Ctx {
    pub auth: AuthSession,
    pub chrome: Chrome,
}

impl Ctx {
    /// The signed-in user; every route that takes `Ctx` sits behind sign-in.
    pub fn user(&self) -> Result<&SessionUser, AppError> {
        self.auth.user.as_ref().ok_or(AppError::SignInRequired)
    }

    pub fn by(&self) -> Result<By, AppError> {
        Ok(By::User(self.user()?.actor()))
    }

    /// Shows `message` on the next page this person sees.
    pub async fn flash(&self, message: impl Into<String>) {
        if let Err(error) = self.auth.session.insert(FLASH_KEY, message.into()).await {
            tracing::warn!(%error, "could not store a confirmation message");
        }
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Ctx, AppError> {
        let auth = AuthSession::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::Internal)?;
        let csrf = parts
            .extensions
            .get::<FormToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let flash = if auth.user.is_some() {
            auth.session
                .remove::<String>(FLASH_KEY)
                .await
                .ok()
                .flatten()
        } else {
            None
        };
        // Only signed-in pages show programme data, so only they say it is synthetic.
        let synthetic =
            auth.user.is_some() && crate::services::programme::synthetic(&state.db).await;
        let user = auth.user.as_ref().map(|u| UserBadge {
            name: u.name.clone(),
            role: u.role,
        });
        Ok(Ctx {
            auth,
            chrome: Chrome {
                user,
                csrf,
                flash,
                synthetic,
            },
        })
    }
}
