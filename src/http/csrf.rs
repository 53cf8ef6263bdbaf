//! Cross-site request forgery protection for every state-changing request:
//! the request must come from our own origin (Origin, or Referer when a
//! browser sends no Origin), and carry the form token axum_csrf issued with
//! its cookie. GET and HEAD never change state, so they pass.
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_csrf::CsrfToken;

use super::{AppError, AppState};

/// The token to put in every form this response renders.
#[derive(Clone, Debug)]
pub struct FormToken(pub String);

/// The name of the hidden form field.
pub const FIELD: &str = "authenticity_token";

/// Largest form body accepted (forms here are small).
const MAX_FORM_BYTES: usize = 256 * 1024;

pub async fn protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let token = match CsrfToken::from_request_parts(&mut parts, &state).await {
        Ok(token) => token,
        Err(_) => return AppError::Internal.into_response(),
    };
    let form_token = match token.authenticity_token() {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "could not derive a CSRF form token");
            return AppError::Internal.into_response();
        }
    };
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let body = if safe {
        body
    } else {
        if !same_origin(&parts.headers, state.config.public_origin.as_deref()) {
            return refused("This form was sent from another site, so it was not accepted.");
        }
        // A file upload (the import page) carries its token in the address and
        // streams its body, bounded by its route, to the handler.
        if is_multipart(&parts.headers) {
            let submitted = parts
                .uri
                .query()
                .and_then(|q| form_field(q.as_bytes(), FIELD));
            match submitted {
                Some(submitted) if token.verify(&submitted).is_ok() => {}
                _ => {
                    return refused(
                        "This form has expired or was not sent from this site. Go back, reload the page and try again.",
                    );
                }
            }
            parts.extensions.insert(FormToken(form_token));
            let response = next.run(Request::from_parts(parts, body)).await;
            return (token, response).into_response();
        }
        let bytes = match to_bytes(body, MAX_FORM_BYTES).await {
            Ok(bytes) => bytes,
            Err(_) => {
                return (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    AppError::BadRequest("The form is too large.".into()),
                )
                    .into_response();
            }
        };
        let submitted = form_field(&bytes, FIELD).or_else(|| {
            parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        });
        match submitted {
            Some(submitted) if token.verify(&submitted).is_ok() => {}
            _ => {
                return refused(
                    "This form has expired or was not sent from this site. Go back, reload the page and try again.",
                );
            }
        }
        Body::from(bytes)
    };
    parts.extensions.insert(FormToken(form_token));
    let response = next.run(Request::from_parts(parts, body)).await;
    // Re-sending the cookie keeps the token and form fields in step.
    (token, response).into_response()
}

fn refused(message: &str) -> Response {
    AppError::Forbidden(message.to_owned()).into_response()
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// The value of one field in an `application/x-www-form-urlencoded` body.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Compares the request's Origin (or Referer) with the expected origin:
/// the configured public origin, or else the Host the request was sent to.
pub fn same_origin(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    let claimed = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| *o != "null")
        .map(str::to_owned)
        .or_else(|| {
            headers
                .get(header::REFERER)
                .and_then(|v| v.to_str().ok())
                .and_then(origin_of_url)
        });
    let Some(claimed) = claimed else {
        return false;
    };
    match public_origin {
        Some(expected) => claimed.eq_ignore_ascii_case(expected),
        None => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            let claimed_host = claimed
                .strip_prefix("https://")
                .or_else(|| claimed.strip_prefix("http://"));
            matches!((host, claimed_host), (Some(h), Some(c)) if h.eq_ignore_ascii_case(c))
        }
    }
}

fn origin_of_url(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn origin_must_match_host_without_configuration() {
        assert!(same_origin(
            &headers(&[
                ("host", "127.0.0.1:3000"),
                ("origin", "http://127.0.0.1:3000")
            ]),
            None
        ));
        assert!(!same_origin(
            &headers(&[
                ("host", "127.0.0.1:3000"),
                ("origin", "http://evil.example")
            ]),
            None
        ));
        assert!(!same_origin(&headers(&[("host", "127.0.0.1:3000")]), None));
        assert!(!same_origin(
            &headers(&[("host", "127.0.0.1:3000"), ("origin", "null")]),
            None
        ));
    }

    #[test]
    fn referer_stands_in_for_a_missing_origin() {
        assert!(same_origin(
            &headers(&[
                ("host", "gde.test"),
                ("referer", "https://gde.test/users/new?x=1")
            ]),
            None
        ));
        assert!(!same_origin(
            &headers(&[
                ("host", "gde.test"),
                ("referer", "https://gde.test.evil.example/")
            ]),
            None
        ));
    }

    #[test]
    fn configured_origin_is_exact() {
        let h = headers(&[("host", "internal:3000"), ("origin", "https://gde.nhs.uk")]);
        assert!(same_origin(&h, Some("https://gde.nhs.uk")));
        assert!(!same_origin(&h, Some("https://other.nhs.uk")));
        let h = headers(&[("host", "internal:3000"), ("origin", "http://gde.nhs.uk")]);
        assert!(
            !same_origin(&h, Some("https://gde.nhs.uk")),
            "scheme matters"
        );
    }

    #[test]
    fn reads_the_token_field_from_a_form_body() {
        assert_eq!(
            form_field(b"a=1&authenticity_token=abc%2B%3D&b=2", FIELD).as_deref(),
            Some("abc+=")
        );
        assert_eq!(form_field(b"a=1", FIELD), None);
    }
}
