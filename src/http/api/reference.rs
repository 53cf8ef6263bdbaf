//! The OpenAPI 3.1 document, generated from the handlers' annotations and
//! the models, and a reference page rendered from it on the server (no
//! script, so it works under the app's Content-Security-Policy).
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

use super::{office, reads, writes};
use crate::domain::problem::{Problem, ProblemField};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "GDE Tracker API",
        version = "1",
        description = "The programme's records for programs: the same services, permissions, \
versions and audit events as the web pages.\n\n\
**Tokens.** Send `Authorization: Bearer <token>`. Make a token at `/account/tokens` (signed in), \
or `gde token create --user EMAIL`. A token acts as its user, never more: a trust reporter's \
token reads only their own trust (another trust's records answer 404, as on the pages), and a \
disabled account's tokens stop working. The API accepts only bearer tokens, never the web \
session, so it needs no CSRF token.\n\n\
**Errors** are RFC 9457 `application/problem+json`, with `errors` listing each wrong field (422).\n\n\
**Lists** are paged: `page` (from 1) and `per_page` (1–200, default 50); the body gives \
`total`, and the `Link` header the first, prev, next and last pages.\n\n\
**as_at.** Every read takes `as_at` (`YYYY-MM-DD`, today or earlier; a later day is a 400 \
problem) and answers what the records held at the end of that day (UK time), from the \
system-versioned history, with the same permissions as today; lists are filtered, then paged, \
and a day before the programme began answers an empty list. `GET /api/v1/snapshot` gives the \
whole programme as at a day. A single record read as at an earlier day has no `ETag`: a \
past version is not for writing.\n\n\
**Versions.** A change sends the version it read, as `version` in the body or `If-Match` with \
the `ETag`; a stale one is a 409 and nothing changes; none at all is a 428.\n\n\
**Rate limit.** Each token may make `GDE_API_RATE_PER_MINUTE` requests a minute (default 120), \
counted by each app instance separately; over it, 429 with `Retry-After`.\n\n\
**Writes offered.** Trust reporters: save and submit their own trust's return (PUT), ask \
to move a milestone's baseline. Programme office: milestone progress and sign-off, tranche \
release, reviewing returns (approve or return for changes), baseline change requests, opening \
reporting periods, designating participants, recording partners, allocations (with their \
financial-year profiles), tranches and milestones, asking to change an allocation's money, and \
deciding change requests (approve or reject; never one's own), editing a participant (the \
`ETag` of an office token's `GET /participants/{ods_code}` is its version), pairing a fast \
follower with its exemplar, linking a partner to a participant. Not in the API (use the pages): \
imports, and account administration.",
    ),
    paths(
        reads::participants, reads::participant, reads::allocations, reads::tranches,
        reads::participant_returns, reads::organisations, reads::partners, reads::milestones,
        reads::milestone, reads::periods, reads::one_return, reads::snapshot,
        writes::progress, writes::sign_off, writes::release, writes::save_return,
        writes::review, writes::request_baseline, writes::open_period,
        office::create_participant, office::update_participant, office::set_pairing, office::link_partner, office::create_partner, office::create_allocation,
        office::create_tranche, office::create_milestone, office::request_allocation_change,
        office::change_request_list, office::decide_baseline, office::decide_allocation,
    ),
    components(schemas(Problem, ProblemField)),
    modifiers(&BearerAuth),
    tags(
        (name = "participants", description = "Exemplars and fast followers"),
        (name = "organisations", description = "Trusts and partner organisations"),
        (name = "funding", description = "Allocations, profiles and tranches"),
        (name = "milestones", description = "Milestones and their progress"),
        (name = "returns", description = "Reporting periods and trusts' returns"),
        (name = "figures", description = "The programme as at a date"),
        (name = "change requests", description = "Baseline and allocation change requests, and their decisions"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        openapi.servers = Some(vec![utoipa::openapi::Server::new("/")]);
    }
}

/// The document as JSON.
pub fn document_json() -> serde_json::Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or_default()
}

pub async fn document() -> Response {
    let body = serde_json::to_string_pretty(&document_json()).unwrap_or_default();
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

pub async fn page() -> maud::Markup {
    crate::views::api_reference::page(&document_json())
}
