//! RFC 9457 problem details: what the JSON API answers when it refuses or
//! fails, with one entry per field that was wrong.
use serde::Serialize;

/// A problem, as `application/problem+json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem (the same for every occurrence).
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time, in words a person can act on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For 422: each field that was wrong and why (JSON field names; a
    /// milestone line's field is `lines[<milestone_id>].<field>`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

/// One wrong field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub message: String,
}

impl Problem {
    /// A problem of a status's own kind (`about:blank`, titled by the status).
    pub fn status(status: u16, detail: impl Into<String>) -> Problem {
        Problem {
            kind: "about:blank".to_owned(),
            title: title_of(status).to_owned(),
            status,
            detail: Some(detail.into()).filter(|d: &String| !d.is_empty()),
            errors: Vec::new(),
        }
    }

    pub fn with_errors(mut self, errors: Vec<ProblemField>) -> Problem {
        self.errors = errors;
        self
    }
}

/// The reason phrase RFC 9110 gives a status, as a problem's title.
pub fn title_of(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

/// A form's field name as the API's JSON names it: `m_12_forecast` →
/// `lines[12].forecast_on`, `risk_2_rating` → `risks[1].rating`.
pub fn api_field(form_field: &str) -> String {
    let parts: Vec<&str> = form_field.splitn(3, '_').collect();
    match parts.as_slice() {
        ["m", id, rest] if id.parse::<i32>().is_ok() => {
            let name = match *rest {
                "forecast" => "forecast_on",
                other => other,
            };
            format!("lines[{id}].{name}")
        }
        ["risk", n, rest] => match n.parse::<usize>() {
            Ok(n) if n > 0 => format!("risks[{}].{rest}", n - 1),
            _ => form_field.to_owned(),
        },
        _ => match form_field {
            "spend_to_date" => "spend_to_date_pence".to_owned(),
            other => other.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_serialises_as_rfc_9457() {
        let p = Problem::status(422, "Fix the fields").with_errors(vec![ProblemField {
            field: "status".into(),
            message: "Select a status".into(),
        }]);
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["type"], "about:blank");
        assert_eq!(json["title"], "Unprocessable Content");
        assert_eq!(json["status"], 422);
        assert_eq!(json["errors"][0]["field"], "status");
        let bare = serde_json::to_value(Problem::status(404, "")).unwrap();
        assert!(bare.get("detail").is_none() && bare.get("errors").is_none());
    }

    #[test]
    fn form_fields_are_named_as_the_json_names_them() {
        assert_eq!(api_field("m_12_forecast"), "lines[12].forecast_on");
        assert_eq!(api_field("m_12_status"), "lines[12].status");
        assert_eq!(api_field("risk_2_rating"), "risks[1].rating");
        assert_eq!(api_field("spend_to_date"), "spend_to_date_pence");
        assert_eq!(api_field("version"), "version");
    }
}
