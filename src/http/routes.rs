//! Every route of the application, in one table: method, path, who may
//! reach it, and the handler. The router is built from this table and the
//! route-walking test (tests/app/routes.rs) reads it, so no route can be
//! added without a guard, or escape the test.
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post};
use axum::{Router, middleware};

use super::{
    AppState, api, audit, change_requests, dashboard, funding, guard, interchange, manage,
    milestones, open_data, pages, returns, sign_in, users,
};
use crate::domain::access::UserRole;

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
    /// Open data: the programme office, or anyone (signed in or not) when
    /// `GDE_360G_PUBLIC` makes it public.
    OpenData,
}

impl Access {
    /// Why a signed-in person of this role may not use the route, if not.
    pub fn refusal(self, role: UserRole) -> Option<&'static str> {
        use UserRole::*;
        match (self, role) {
            (Access::Public | Access::SignedIn, _) => None,
            (Access::Figures, ProgrammeOffice | BriefingReader) => None,
            (Access::Figures, TrustReporter) => Some(
                "The dashboard shows every trust's figures. Trust reporters see the programme's totals on the overview.",
            ),
            (Access::Reporting, ProgrammeOffice | TrustReporter) => None,
            (Access::Reporting, BriefingReader) => {
                Some("Briefing readers can read but not change anything.")
            }
            (Access::OwnTrust, TrustReporter) => None,
            (Access::OwnTrust, _) => Some("Returns are completed by the trust's own reporter."),
            (Access::Office | Access::OpenData, ProgrammeOffice) => None,
            (Access::Office | Access::OpenData, _) => {
                Some("Only the programme office can do this.")
            }
        }
    }
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
            Access::OpenData if state.config.open_data_public => self.handler,
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
        Route::get("/static/app.css", Public, super::stylesheet),
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
        Route::get("/tranches/{id}/release", Office, funding::confirm_release),
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
        Route::get(
            "/change-requests/baseline/{id}",
            Office,
            change_requests::confirm_baseline,
        ),
        Route::get(
            "/change-requests/allocation/{id}",
            Office,
            change_requests::confirm_allocation,
        ),
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
        Route::get("/open-data/360giving.json", OpenData, open_data::giving360),
        // Spreadsheet import and export (uploads up to MAX_FILE_BYTES, spooled to disk).
        Route::get("/import", Office, interchange::index),
        Route::get("/import/{kind}", Office, interchange::form),
        Route::post(
            "/import/{kind}",
            Office,
            interchange::upload.layer(axum::extract::DefaultBodyLimit::max(
                interchange::UPLOAD_BODY_LIMIT,
            )),
        ),
        Route::get(
            "/returns/{period}/{ods_code}/import",
            OwnTrust,
            interchange::return_form,
        ),
        Route::post(
            "/returns/{period}/{ods_code}/import",
            OwnTrust,
            interchange::return_upload.layer(axum::extract::DefaultBodyLimit::max(
                interchange::UPLOAD_BODY_LIMIT,
            )),
        ),
        Route::get("/templates/{kind}", SignedIn, interchange::template),
        Route::get("/export/{kind}", SignedIn, interchange::export),
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
        // Each signed-in person's own API tokens (the API itself: `api`).
        Route::get("/account/tokens", SignedIn, api::token_page::list),
        Route::post("/account/tokens", SignedIn, api::token_page::create),
        Route::post("/account/tokens/revoke", SignedIn, api::token_page::revoke),
    ]
}

/// The router of `routes()`: routes sharing a path share a method router,
/// each method behind its own guard.
pub(super) fn route_table(state: &AppState) -> Router<AppState> {
    routes().into_iter().fold(Router::new(), |router, route| {
        let path = route.path;
        router.route(path, route.guarded(state))
    })
}
