//! The sign-in page.
use maud::{Markup, html};

use super::forms::{Input, error_summary, input};
use super::layout::{Chrome, Nav, csrf_field, page};
use crate::services::FieldError;

pub struct SignInForm<'a> {
    pub email: &'a str,
    pub next: &'a str,
    pub notice: Option<&'a str>,
}

pub fn form(chrome: &Chrome, form: &SignInForm<'_>, errors: &[FieldError]) -> Markup {
    page(
        "Sign in",
        Nav::None,
        chrome,
        html! {
            div.narrow {
                (error_summary(errors))
                h1 { "Sign in to GDE Tracker" }
                @if let Some(notice) = form.notice {
                    div.nhsuk-notification-banner.nhsuk-notification-banner--success role="status" {
                        div.nhsuk-notification-banner__content { p.nhsuk-notification-banner__heading { (notice) } }
                    }
                }
                form method="post" action="/login" novalidate {
                    (csrf_field(chrome))
                    input type="hidden" name="next" value=(form.next);
                    (input(Input { name: "email", label: "Email address", value: form.email, kind: "email", hint: None, autocomplete: Some("email") }, errors))
                    (input(Input { name: "password", label: "Password", value: "", kind: "password", hint: None, autocomplete: Some("current-password") }, errors))
                    button.nhsuk-button type="submit" { "Sign in" }
                }
                p.nhsuk-u-secondary-text-colour {
                    "No account? Ask the programme office. Accounts are created by the office, "
                    "or on the server with " code { "gde user add" } "."
                }
            }
        },
    )
}
