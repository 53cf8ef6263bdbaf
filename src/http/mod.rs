//! The web application: every route in one place, thin handlers, one error type.
mod audit;
mod change_requests;
mod context;
mod csrf;
mod dashboard;
mod error;
mod funding;
mod guard;
mod manage;
mod milestones;
mod pages;
mod respond;
mod returns;
mod routes;
mod security;
mod sign_in;
mod users;

use std::sync::Arc;

use axum::extract::FromRef;
use axum::http::{HeaderValue, header};
use axum::{Router, middleware};
use axum_csrf::CsrfConfig;
use axum_login::AuthManagerLayerBuilder;
use sea_orm::DatabaseConnection;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::auth::session_store::DbSessionStore;
use crate::auth::{AuthBackend, SessionUser};
use crate::config::Config;
use crate::domain::access::LockoutPolicy;

pub use context::Ctx;
pub use error::AppError;
pub use routes::{Access, Route, routes};

/// The signed-in session, as axum-login gives it to handlers.
pub type AuthSession = axum_login::AuthSession<AuthBackend>;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub csrf: CsrfConfig,
    pub lockout: LockoutPolicy,
}

impl FromRef<AppState> for CsrfConfig {
    fn from_ref(state: &AppState) -> CsrfConfig {
        state.csrf.clone()
    }
}

impl AppState {
    pub fn new(db: DatabaseConnection, config: Config) -> AppState {
        let secure = config.secure_cookies();
        let csrf = CsrfConfig::default()
            .with_cookie_name("gde_csrf")
            .with_cookie_path("/")
            .with_http_only(true)
            .with_secure(secure)
            .with_prefix_with_host(secure)
            .with_cookie_same_site(axum_csrf::SameSite::Strict);
        AppState {
            db,
            config: Arc::new(config),
            csrf,
            lockout: LockoutPolicy::default(),
        }
    }
}

/// The whole application: the route table, then the layers every request
/// passes through.
pub fn router(state: AppState) -> Router {
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name("gde_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies())
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            state.config.session_idle_minutes,
        )));
    let backend = AuthBackend {
        db: state.db.clone(),
        policy: state.lockout,
    };
    let auth = AuthManagerLayerBuilder::new(backend, sessions).build();

    let router = routes::route_table(&state)
        .fallback(pages::not_found)
        .layer(middleware::from_fn(error::with_chrome))
        .layer(middleware::from_fn_with_state(state.clone(), csrf::protect))
        .layer(auth)
        .with_state(state)
        .layer(TraceLayer::new_for_http());
    security::with_headers(router)
}

async fn stylesheet() -> impl axum::response::IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        crate::views::layout::STYLESHEET,
    )
}

/// The signed-in user, for handlers behind `require_sign_in`.
pub fn current_user(auth: &AuthSession) -> Result<&SessionUser, AppError> {
    auth.user.as_ref().ok_or(AppError::SignInRequired)
}
