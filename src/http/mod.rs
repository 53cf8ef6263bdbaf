//! The web application: every route in one place, thin handlers, one error type.
pub mod api;
mod audit;
mod change_requests;
mod client;
mod context;
mod csrf;
mod dashboard;
mod error;
pub mod figures_cache;
mod version_cache;

use crate::domain::table_sort::{ParticipantColumn, SortOrder};
mod funding;
mod guard;
mod interchange;
mod manage;
mod milestones;
mod open_data;
mod pages;
mod respond;
mod returns;
mod routes;
mod security;
mod sign_in;
mod users;

use std::sync::Arc;

use axum::extract::FromRef;
use axum::http::{HeaderName, HeaderValue, header};
use axum::{Router, middleware};
use axum_csrf::CsrfConfig;
use axum_login::AuthManagerLayerBuilder;
use sea_orm::DatabaseConnection;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::auth::session_store::DbSessionStore;
use crate::auth::{AuthBackend, SessionUser};
use crate::config::Config;
use crate::services::sign_in::SignInLimits;

pub use client::ClientAddress;
pub use context::Ctx;
pub use error::AppError;
pub use interchange::Uploads;
pub use routes::{Access, Route, routes};

/// The signed-in session, as axum-login gives it to handlers.
pub type AuthSession = axum_login::AuthSession<AuthBackend>;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub csrf: CsrfConfig,
    /// Sign-in throttling: the policy and this instance's per-address counts.
    pub sign_in: Arc<SignInLimits>,
    /// API requests per token per minute, counted in this instance.
    pub api_limit: Arc<api::limit::RateLimiter>,
    /// "Now" for programme data (`crate::clock`): the system clock, or a
    /// test's manual one. Every request, pages and API alike, runs inside its scope.
    pub clock: crate::clock::Clock,
    /// Answers computed once per data version (`version_cache`).
    pub caches: Arc<Caches>,
    /// The upload page's limit and where it spools files (`interchange::Uploads`).
    pub uploads: Arc<interchange::Uploads>,
}

/// Who is asking, as far as it changes an answer: their role (`None`: the
/// command line) and whose records they read (`None`: every trust's).
pub type Reader = (Option<crate::domain::access::UserRole>, Option<i32>);

fn reader(by: &crate::services::By) -> Result<Reader, AppError> {
    let scope =
        crate::services::programme::read_scope(by).map_err(crate::services::ServiceError::from)?;
    Ok(match by {
        crate::services::By::User(actor) => (Some(actor.role), scope),
        crate::services::By::Cli => (None, scope),
    })
}

type Cache<K, V> = version_cache::VersionCache<(Reader, time::Date, K), V>;

/// The costly pages' answers, per data version, one cache each, keyed by
/// who reads, today, and the page's own question.
pub struct Caches {
    /// Dashboard, briefing and chart figures (`figures_cache`).
    pub figures: figures_cache::FiguresCache,
    /// The overview's two tables' sort orders.
    pub overview: Cache<
        (SortOrder<ParticipantColumn>, SortOrder<ParticipantColumn>),
        crate::services::programme::OverviewData,
    >,
    pub participants: Cache<
        crate::domain::programme::ListRequest,
        crate::domain::pagination::Page<crate::domain::programme::ParticipantSummary>,
    >,
    /// One participant's page, by ODS code.
    pub participant: Cache<
        String,
        (
            crate::domain::programme::ParticipantDetail,
            Vec<crate::services::audit_log::HistoryEntry>,
        ),
    >,
    pub milestones: Cache<
        crate::services::milestones::MilestoneFilter,
        crate::services::milestones::MilestoneList,
    >,
    pub queue: Cache<crate::services::returns::QueueRequest, crate::services::returns::Queue>,
}

impl Caches {
    /// How many views of the current data each instance keeps: the usual
    /// views, not every date and page anyone asks for.
    fn new() -> Caches {
        Caches {
            figures: figures_cache::FiguresCache::new(16),
            overview: version_cache::VersionCache::new(64),
            participants: version_cache::VersionCache::new(256),
            participant: version_cache::VersionCache::new(1024),
            milestones: version_cache::VersionCache::new(256),
            queue: version_cache::VersionCache::new(64),
        }
    }
}

impl AppState {
    /// `compute`'s answer to `question`, asked by `by` today: computed once
    /// per version of the data for everyone with the same role who reads
    /// the same records. The version is read from the database, so a change
    /// made through any instance is seen on the next request.
    pub async fn cached<K, V, F, Fut>(
        &self,
        cache: &Cache<K, V>,
        by: &crate::services::By,
        today: time::Date,
        question: K,
        compute: F,
    ) -> Result<Arc<V>, AppError>
    where
        K: std::hash::Hash + Eq + Clone,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<V, crate::services::ServiceError>>,
    {
        let key = (reader(by)?, today, question);
        let version = crate::services::reading::data_version(&self.db).await?;
        Ok(cache.get_or_compute(version, &key, compute).await?)
    }
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
            sign_in: Arc::new(SignInLimits::new(config.sign_in)),
            api_limit: Arc::new(api::limit::RateLimiter::new(config.api_rate_per_minute)),
            config: Arc::new(config),
            csrf,
            clock: crate::clock::Clock::system(),
            caches: Arc::new(Caches::new()),
            uploads: Arc::new(interchange::Uploads::default()),
        }
    }

    /// The same, with another upload limit or spool directory (tests).
    pub fn with_uploads(mut self, uploads: interchange::Uploads) -> AppState {
        self.uploads = Arc::new(uploads);
        self
    }

    /// The same, with `clock` as "now" for programme data.
    pub fn with_clock(mut self, clock: crate::clock::Clock) -> AppState {
        self.clock = clock;
        self
    }
}

/// Runs the request with the app's clock as "now" (`crate::clock::now`).
async fn with_clock(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    state.clock.clone().scope(next.run(request)).await
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
        limits: state.sign_in.clone(),
    };
    let auth = AuthManagerLayerBuilder::new(backend, sessions).build();

    let timeout = state.config.request_timeout;
    // The JSON API sits beside the pages, outside the session and CSRF
    // layers: it takes bearer tokens only (see `api`).
    let api = api::router(&state).with_state(state.clone());
    let router = routes::route_table(&state)
        .fallback(pages::not_found)
        .layer(middleware::from_fn(error::with_chrome))
        .layer(middleware::from_fn_with_state(state.clone(), csrf::protect))
        .layer(auth)
        .with_state(state.clone())
        .nest(api::BASE, api)
        .layer(middleware::from_fn_with_state(state, with_clock));
    operable(router, timeout)
}

/// The production layers, outermost first: every request gets an id (kept
/// from `x-request-id` or made up) that its log span and response carry; one
/// INFO line per response; the security and `Cache-Control` headers; a panic
/// becomes a generic 500 page; a request still running after `timeout` is
/// answered 503; bodies are gzipped for clients that ask.
fn operable(router: Router, timeout: std::time::Duration) -> Router {
    use axum::http::StatusCode;
    use tower_http::catch_panic::CatchPanicLayer;
    use tower_http::compression::CompressionLayer;
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
    use tower_http::timeout::TimeoutLayer;
    use tower_http::trace::TraceLayer;

    let router = router
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        // The timeout answers with an empty body: give it the error page.
        .layer(middleware::map_response(error::timeout_page))
        .layer(CatchPanicLayer::custom(error::panic_page));
    let request_id = HeaderName::from_static("x-request-id");
    let trace = TraceLayer::new_for_http()
        .make_span_with(error::request_span)
        .on_request(())
        .on_response(error::log_response)
        // Failures are logged once, where their cause is known (AppError, panics).
        .on_failure(());
    security::with_headers(router)
        .layer(middleware::from_fn(error::remember_span))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(trace)
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    async fn call(router: Router, path: &str) -> axum::response::Response {
        router
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    fn app(timeout: Duration) -> Router {
        let routes = Router::new()
            .route(
                "/panic",
                get(|| async {
                    if true {
                        panic!("a bug");
                    }
                    "unreachable"
                }),
            )
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            );
        operable(routes, timeout)
    }

    #[tokio::test]
    async fn a_panic_is_a_generic_error_page_with_the_usual_headers() {
        let response = call(app(Duration::from_secs(5)), "/panic").await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(response.headers().contains_key("x-request-id"));
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        assert!(
            response
                .headers()
                .contains_key(header::CONTENT_SECURITY_POLICY)
        );
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("Something went wrong on our side"), "{body}");
        assert!(!body.contains("a bug"));
    }

    #[tokio::test]
    async fn a_request_that_runs_too_long_is_answered_503() {
        let started = std::time::Instant::now();
        let response = call(app(Duration::from_millis(100)), "/slow").await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(response.headers().contains_key("x-request-id"));
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("took too long"), "{body}");
    }
}
