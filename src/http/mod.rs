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
mod security;
mod sign_in;
mod users;

use std::sync::Arc;

use axum::extract::FromRef;
use axum::handler::Handler;
use axum::http::{HeaderValue, Method, header};
use axum::routing::{MethodRouter, get, post};
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

/// Who may reach a route at all. The route guard checks this before the
/// handler runs (so a refusal never depends on which record was named), and
/// the services check again, with the record's organisation, so the CLI and
/// any later API cannot bypass them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Anyone signed in. The service limits a trust reporter to their own
    /// organisation; anything else reads as not found (404).
    SignedIn,
    /// Programme-wide figures (dashboard, briefing, charts): the programme
    /// office and briefing readers.
    Figures,
    /// Changes to a trust's reported data: the programme office, or that
    /// trust's reporter (another trust's records read as not found).
    Reporting,
    /// The trust's own reporter only (completing a return).
    OwnTrust,
    /// The programme office only.
    Office,
}

/// One route: method, path, who may reach it, and its handler.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    handler: MethodRouter<AppState>,
}

impl Route {
    fn get<H, T>(path: &'static str, access: Access, handler: H) -> Route
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        Route {
            method: Method::GET,
            path,
            access,
            handler: get(handler),
        }
    }

    fn post<H, T>(path: &'static str, access: Access, handler: H) -> Route
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        Route {
            method: Method::POST,
            path,
            access,
            handler: post(handler),
        }
    }

    /// The handler behind its guard: sign-in first, then the role.
    fn guarded(self, state: &AppState) -> MethodRouter<AppState> {
        match self.access {
            Access::Public => self.handler,
            Access::SignedIn => self.handler.route_layer(middleware::from_fn_with_state(
                state.clone(),
                guard::require_sign_in,
            )),
            access => self
                .handler
                .route_layer(middleware::from_fn_with_state(access, guard::require_role))
                .route_layer(middleware::from_fn_with_state(
                    state.clone(),
                    guard::require_sign_in,
                )),
        }
    }
}

/// Every route of the application, in one table: the router is built from
/// it, and the route-walking test reads it, so no route can skip its check.
pub fn routes() -> Vec<Route> {
    use Access::*;
    vec![
        Route::get("/login", Public, sign_in::form),
        Route::post("/login", Public, sign_in::submit),
        Route::get("/healthz", Public, pages::healthz),
        Route::get("/static/app.css", Public, stylesheet),
        Route::post("/logout", SignedIn, sign_in::sign_out),
        // Programme and participants.
        Route::get("/", SignedIn, pages::overview),
        Route::get("/participants", SignedIn, pages::participants),
        Route::post("/participants", Office, manage::create_participant),
        Route::get("/participants/new", Office, manage::new_participant),
        Route::get("/participants/{ods_code}", SignedIn, pages::participant),
        Route::get(
            "/participants/{ods_code}/edit",
            Office,
            manage::edit_participant,
        ),
        Route::post(
            "/participants/{ods_code}/edit",
            Office,
            manage::update_participant,
        ),
        Route::post(
            "/participants/{ods_code}/pairing",
            Office,
            manage::set_pairing,
        ),
        Route::post(
            "/participants/{ods_code}/partnerships",
            Office,
            manage::link_partner,
        ),
        Route::get("/partners", SignedIn, pages::partners),
        Route::post("/partners", Office, manage::create_partner),
        Route::get("/partners/new", Office, manage::new_partner),
        // Funding.
        Route::post(
            "/participants/{ods_code}/allocations",
            Office,
            funding::create_allocation,
        ),
        Route::get(
            "/participants/{ods_code}/allocations/new",
            Office,
            funding::new_allocation,
        ),
        Route::get("/allocations/{id}/change", Office, funding::change_form),
        Route::post("/allocations/{id}/change", Office, funding::request_change),
        Route::post(
            "/allocations/{id}/tranches",
            Office,
            funding::create_tranche,
        ),
        Route::get(
            "/allocations/{id}/tranches/new",
            Office,
            funding::new_tranche,
        ),
        Route::post("/tranches/{id}/release", Office, funding::release),
        // Milestones.
        Route::post(
            "/participants/{ods_code}/milestones",
            Office,
            milestones::create,
        ),
        Route::get(
            "/participants/{ods_code}/milestones/new",
            Office,
            milestones::new_form,
        ),
        Route::get("/milestones", SignedIn, milestones::list),
        Route::get("/milestones/{id}", SignedIn, milestones::show),
        Route::post("/milestones/{id}/progress", Office, milestones::progress),
        Route::post("/milestones/{id}/sign-off", Office, milestones::sign_off),
        Route::post(
            "/milestones/{id}/baseline-requests",
            Reporting,
            milestones::request_baseline,
        ),
        // Change requests.
        Route::get("/change-requests", Office, change_requests::list),
        Route::post(
            "/change-requests/baseline/{id}",
            Office,
            change_requests::decide_baseline,
        ),
        Route::post(
            "/change-requests/allocation/{id}",
            Office,
            change_requests::decide_allocation,
        ),
        // Returns.
        Route::get("/returns", SignedIn, returns::queue),
        Route::get("/returns/{period}/{ods_code}", SignedIn, returns::show),
        Route::post("/returns/{period}/{ods_code}", OwnTrust, returns::save),
        Route::post(
            "/returns/{period}/{ods_code}/review",
            Office,
            returns::review,
        ),
        Route::get("/periods", Office, returns::periods),
        Route::post("/periods", Office, returns::open_period),
        Route::get(
            "/participants/{ods_code}/returns",
            SignedIn,
            returns::history,
        ),
        Route::get(
            "/participants/{ods_code}/compare",
            SignedIn,
            returns::compare,
        ),
        // Figures.
        Route::get("/dashboard", Figures, dashboard::dashboard),
        Route::get("/briefing", Figures, dashboard::briefing_page),
        Route::get("/charts/{file}", Figures, dashboard::chart),
        // Accounts and the audit trail.
        Route::get("/audit", Office, audit::page),
        Route::get("/users", Office, users::list),
        Route::post("/users", Office, users::create),
        Route::get("/users/new", Office, users::new_form),
        Route::get("/users/{id}", Office, users::edit_form),
        Route::post("/users/{id}", Office, users::update),
        Route::post("/users/{id}/password", Office, users::reset_password),
        Route::post("/users/{id}/disable", Office, users::disable),
        Route::post("/users/{id}/enable", Office, users::enable),
    ]
}

/// The router of `routes()`: routes sharing a path share a method router,
/// each method behind its own guard.
fn route_table(state: &AppState) -> Router<AppState> {
    routes().into_iter().fold(Router::new(), |router, route| {
        let path = route.path;
        router.route(path, route.guarded(state))
    })
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

    let router = route_table(&state)
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
