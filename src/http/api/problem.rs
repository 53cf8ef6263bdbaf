//! The API's one error type: every refusal and failure is an RFC 9457
//! `application/problem+json` body with the status it names.
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::domain::access::AccessError;
use crate::domain::problem::{Problem, ProblemField, api_field};
use crate::services::ServiceError;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug)]
pub struct ApiError {
    pub problem: Problem,
    /// Seconds, for a 429.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: u16, detail: impl Into<String>) -> ApiError {
        ApiError {
            problem: Problem::status(status, detail),
            retry_after: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(400, detail)
    }

    pub fn not_found() -> ApiError {
        ApiError::new(
            404,
            "There is no such record, or it is not one your token may read.",
        )
    }

    pub fn unauthorized(detail: &str) -> ApiError {
        ApiError::new(401, detail)
    }

    pub fn invalid(errors: Vec<ProblemField>) -> ApiError {
        let mut e = ApiError::new(422, "Some fields are not right; each is listed in errors.");
        e.problem.errors = errors;
        e
    }

    pub fn field(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::invalid(vec![ProblemField {
            field: field.to_owned(),
            message: message.into(),
        }])
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> ApiError {
        match error {
            ServiceError::Access(AccessError::Hidden) | ServiceError::NotFound => {
                ApiError::not_found()
            }
            ServiceError::Access(AccessError::Forbidden(message)) => ApiError::new(403, message),
            ServiceError::Invalid(errors) => ApiError::invalid(
                errors
                    .into_iter()
                    .map(|e| ProblemField {
                        field: api_field(&e.field),
                        message: e.message,
                    })
                    .collect(),
            ),
            ServiceError::Conflict => ApiError::new(
                409,
                "Someone else changed this record since the version you sent. Read it again \
                 to get its current values and version, then retry.",
            ),
            ServiceError::Database(e) => {
                tracing::error!(error = %crate::http::error::error_chain(&e), "database error while answering an API request");
                ApiError::new(500, "Something went wrong on our side; it has been logged.")
            }
            ServiceError::Password(e) => {
                tracing::error!(error = %e, "password hashing failed");
                ApiError::new(500, "Something went wrong on our side; it has been logged.")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(&self.problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"gde\""),
            );
        }
        if let Some(seconds) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
        {
            headers.insert(header::RETRY_AFTER, v);
        }
        response
    }
}

/// A JSON request body, or a 400 problem saying what is wrong with it.
pub fn json_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("The request body is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "The request body must be a JSON object",
        ));
    }
    serde_json::from_value(value).map_err(|e| {
        ApiError::bad_request(format!(
            "The request body is not the JSON this operation takes: {e}"
        ))
    })
}

/// The query string, or a 400 problem naming the parameter.
/// A parameter given with no value is refused: leave it out to mean none.
pub fn query<T: DeserializeOwned>(raw: Option<&str>) -> Result<T, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| ApiError::bad_request(format!("The query string is not right: {e}")))?;
    if let Some((name, _)) = pairs.iter().find(|(_, v)| v.trim().is_empty()) {
        return Err(ApiError::bad_request(format!(
            "{name} is empty; leave it out instead"
        )));
    }
    serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| ApiError::bad_request(format!("The query string is not right: {e}")))
}
