//! The JSON API, `/api/v1`: the same services, permissions, versions and
//! audit events as the pages, for programs. It accepts only bearer tokens
//! (never the session cookie), so a browser cannot be tricked into using it
//! and it needs no CSRF token. Every route is in `api_routes()` with its
//! `Access`, walked by `tests/app/api_routes.rs` like the page table.
pub mod limit;
pub mod model;
pub(crate) mod office;
pub mod office_model;
pub mod problem;
mod reads;
mod reference;
pub mod token_page;
mod writes;

use std::time::Instant;

use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post, put};
use axum::{Extension, Router};
use time::OffsetDateTime;

use super::{Access, AppState};
use crate::domain::access::Actor;
use crate::services::api_tokens;
use problem::ApiError;

pub use reference::ApiDoc;

/// Where the API lives.
pub const BASE: &str = "/api/v1";

/// The person a request's token acts as.
#[derive(Clone, Debug)]
pub struct ApiUser {
    pub token_id: i32,
    pub actor: Actor,
}

impl ApiUser {
    pub fn by(&self) -> crate::services::By {
        crate::services::By::User(self.actor.clone())
    }
}

pub type Caller = Extension<ApiUser>;

/// One API route: method, path (below `/api/v1`), who may reach it, handler.
pub struct ApiRoute {
    pub method: Method,
    pub path: &'static str,
    /// `None`: no token needed (the OpenAPI document and its reference page).
    pub access: Option<Access>,
    handler: MethodRouter<AppState>,
}

fn route<H, T>(method: Method, path: &'static str, access: Option<Access>, handler: H) -> ApiRoute
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let handler = match method {
        Method::GET => get(handler),
        Method::PUT => put(handler),
        _ => post(handler),
    };
    ApiRoute {
        method,
        path,
        access,
        handler,
    }
}

/// Every API route, in one table.
pub fn api_routes() -> Vec<ApiRoute> {
    use Access::*;
    let g = Method::GET;
    vec![
        route(g.clone(), "/openapi.json", None, reference::document),
        route(g.clone(), "/reference", None, reference::page),
        route(
            g.clone(),
            "/participants",
            Some(SignedIn),
            reads::participants,
        ),
        route(
            g.clone(),
            "/participants/{ods_code}",
            Some(SignedIn),
            reads::participant,
        ),
        route(
            g.clone(),
            "/participants/{ods_code}/allocations",
            Some(SignedIn),
            reads::allocations,
        ),
        route(
            g.clone(),
            "/participants/{ods_code}/tranches",
            Some(SignedIn),
            reads::tranches,
        ),
        route(
            g.clone(),
            "/participants/{ods_code}/returns",
            Some(SignedIn),
            reads::participant_returns,
        ),
        route(
            g.clone(),
            "/organisations",
            Some(SignedIn),
            reads::organisations,
        ),
        route(g.clone(), "/partners", Some(SignedIn), reads::partners),
        route(g.clone(), "/milestones", Some(SignedIn), reads::milestones),
        route(
            g.clone(),
            "/milestones/{id}",
            Some(SignedIn),
            reads::milestone,
        ),
        route(g.clone(), "/periods", Some(Office), reads::periods),
        route(Method::POST, "/periods", Some(Office), writes::open_period),
        route(
            g.clone(),
            "/returns/{period}/{ods_code}",
            Some(SignedIn),
            reads::one_return,
        ),
        route(g.clone(), "/snapshot", Some(Figures), reads::snapshot),
        route(
            Method::POST,
            "/milestones/{id}/progress",
            Some(Office),
            writes::progress,
        ),
        route(
            Method::POST,
            "/milestones/{id}/sign-off",
            Some(Office),
            writes::sign_off,
        ),
        route(
            Method::POST,
            "/tranches/{id}/release",
            Some(Office),
            writes::release,
        ),
        route(
            Method::PUT,
            "/returns/{period}/{ods_code}",
            Some(OwnTrust),
            writes::save_return,
        ),
        route(
            Method::POST,
            "/returns/{period}/{ods_code}/review",
            Some(Office),
            writes::review,
        ),
        route(
            Method::POST,
            "/milestones/{id}/baseline-requests",
            Some(Reporting),
            writes::request_baseline,
        ),
        // The programme office's records and change requests.
        route(
            Method::POST,
            "/participants",
            Some(Office),
            office::create_participant,
        ),
        route(
            Method::PUT,
            "/participants/{ods_code}",
            Some(Office),
            office::update_participant,
        ),
        route(
            Method::PUT,
            "/participants/{ods_code}/pairing",
            Some(Office),
            office::set_pairing,
        ),
        route(
            Method::POST,
            "/participants/{ods_code}/partnerships",
            Some(Office),
            office::link_partner,
        ),
        route(
            Method::POST,
            "/partners",
            Some(Office),
            office::create_partner,
        ),
        route(
            Method::POST,
            "/participants/{ods_code}/allocations",
            Some(Office),
            office::create_allocation,
        ),
        route(
            Method::POST,
            "/allocations/{id}/tranches",
            Some(Office),
            office::create_tranche,
        ),
        route(
            Method::POST,
            "/participants/{ods_code}/milestones",
            Some(Office),
            office::create_milestone,
        ),
        route(
            Method::POST,
            "/allocations/{id}/change-requests",
            Some(Office),
            office::request_allocation_change,
        ),
        route(
            g.clone(),
            "/change-requests",
            Some(Office),
            office::change_request_list,
        ),
        route(
            Method::POST,
            "/change-requests/baseline/{id}/decision",
            Some(Office),
            office::decide_baseline,
        ),
        route(
            Method::POST,
            "/change-requests/allocation/{id}/decision",
            Some(Office),
            office::decide_allocation,
        ),
    ]
}

/// The API router (paths below `/api/v1`): each route behind its token
/// check, rate limit and role check; anything else a 404 problem.
pub fn router(state: &AppState) -> Router<AppState> {
    let mut by_path: Vec<(&'static str, MethodRouter<AppState>)> = Vec::new();
    for r in api_routes() {
        let handler = match r.access {
            None => r.handler,
            Some(access) => r.handler.route_layer(middleware::from_fn_with_state(
                (state.clone(), access),
                require_token,
            )),
        };
        match by_path.iter_mut().find(|(p, _)| *p == r.path) {
            Some((_, existing)) => {
                let merged = std::mem::take(existing).merge(handler);
                *existing = merged;
            }
            None => by_path.push((r.path, handler)),
        }
    }
    let router = by_path
        .into_iter()
        .fold(Router::new(), |router, (path, handler)| {
            router.route(path, handler.fallback(method_not_allowed))
        });
    router.fallback(not_found)
}

async fn not_found() -> ApiError {
    ApiError::new(
        404,
        "There is no such API address; see /api/v1/openapi.json.",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        405,
        "This address does not take that method; see /api/v1/openapi.json.",
    )
}

/// The bearer token: who it acts as, within its rate, with a role the route
/// admits. A session cookie is never looked at.
async fn require_token(
    State((state, access)): State<(AppState, Access)>,
    mut request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_owned())
        });
    let Some(secret) = presented else {
        return ApiError::unauthorized(
            "Send an API token as Authorization: Bearer <token> (make one at /account/tokens). \
             The API does not accept the web session.",
        )
        .into_response();
    };
    let (token_id, actor) = match api_tokens::authenticate(
        &state.db,
        &secret,
        OffsetDateTime::now_utc(),
    )
    .await
    {
        Ok(found) => found,
        Err(crate::services::ServiceError::Access(_)) => {
            return ApiError::unauthorized(
                    "This token is not known, has been revoked or has expired, or its account is disabled.",
                )
                .into_response();
        }
        Err(other) => return ApiError::from(other).into_response(),
    };
    if let Err(wait) = state.api_limit.check(token_id, Instant::now()) {
        let mut error = ApiError::new(
            429,
            format!(
                "This token has made {} requests in the last minute, the most allowed (counted per app instance). Wait {wait} seconds.",
                state.config.api_rate_per_minute
            ),
        );
        error.retry_after = Some(wait);
        return error.into_response();
    }
    if let Some(span) = request.extensions().get::<super::error::RequestSpan>() {
        span.0.record("user", actor.user_id);
    }
    if let Some(message) = access.refusal(actor.role) {
        return ApiError::new(403, message).into_response();
    }
    request.extensions_mut().insert(ApiUser { token_id, actor });
    next.run(request).await
}

/// A JSON answer, with an `ETag` of the record's version when it has one.
pub fn json<T: serde::Serialize>(value: &T, version: Option<i32>) -> Response {
    let body = serde_json::to_string(value).unwrap_or_default();
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(v) = version
        && let Ok(etag) = HeaderValue::from_str(&format!("\"{v}\""))
    {
        headers.insert(header::ETAG, etag);
    }
    response
}
