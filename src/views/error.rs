//! Error pages.
use axum::http::StatusCode;
use maud::{Markup, html};

use super::layout::{Chrome, Nav, page as layout};

pub fn page(status: StatusCode, message: &str, chrome: &Chrome) -> Markup {
    let title = match status {
        StatusCode::NOT_FOUND => "Page not found",
        StatusCode::BAD_REQUEST => "There is a problem with the request",
        StatusCode::FORBIDDEN => "You do not have permission to do that",
        StatusCode::UNPROCESSABLE_ENTITY => "This cannot be done as things stand",
        StatusCode::CONFLICT => "Someone else changed this first",
        StatusCode::SERVICE_UNAVAILABLE => "That took too long",
        _ => "Sorry, there is a problem with the service",
    };
    layout(
        title,
        Nav::None,
        chrome,
        html! {
            h1 { (title) }
            p { (message) }
            p { a href="/" { "Go to the programme overview" } }
        },
    )
}
