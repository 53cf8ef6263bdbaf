//! The signed-in user's own API tokens: make one (shown once), revoke one.
use maud::{Markup, html};

use super::components::datetime;
use super::forms::{Input, error_summary, input};
use super::layout::{Chrome, Nav, csrf_field, page};
use crate::services::FieldError;
use crate::services::api_tokens::TokenView;

/// What the create form shows back after an error.
#[derive(Clone, Debug, Default)]
pub struct TokenFormValues {
    pub name: String,
    pub expires_on: String,
}

/// The page; `created` is a token just made (its secret, shown this once).
pub fn page_for(
    chrome: &Chrome,
    tokens: &[TokenView],
    now: time::OffsetDateTime,
    created: Option<&str>,
    values: &TokenFormValues,
    errors: &[FieldError],
) -> Markup {
    page(
        "API tokens",
        Nav::None,
        chrome,
        html! {
            h1 { "API tokens" }
            p {
                "A token lets a program use the " a href="/api/v1/reference" { "JSON API" }
                " as you: it can read and change exactly what you can, no more, and stops working if your account is disabled. "
                "Send it in the header " code { "Authorization: Bearer <token>" } "."
            }
            @if let Some(secret) = created {
                div.inset #new-token role="status" {
                    h2 { "Your new token" }
                    p { "Copy it now: it is shown only this once (we keep only a hash of it)." }
                    p { code #token-secret { (secret) } }
                }
            }
            (error_summary(errors))
            h2 { "Make a token" }
            form method="post" action="/account/tokens" novalidate {
                (csrf_field(chrome))
                (input(Input { name: "name", label: "What it is for", value: &values.name, kind: "text",
                    hint: Some("For example: monthly extract for the board pack"), autocomplete: Some("off") }, errors))
                (input(Input { name: "expires_on", label: "Last day it works (optional)", value: &values.expires_on, kind: "text",
                    hint: Some("As YYYY-MM-DD, for example 2027-03-31; it stops at the end of that day (UTC). Leave empty to keep it until you revoke it."),
                    autocomplete: Some("off") }, errors))
                button.button type="submit" { "Make token" }
            }
            h2 { "Your tokens" }
            @if tokens.is_empty() {
                p #no-tokens { "You have no tokens." }
            } @else {
                table.table #tokens {
                    caption { (tokens.len()) " tokens" }
                    thead { tr {
                        th scope="col" { "Name" } th scope="col" { "Made" } th scope="col" { "Last used" }
                        th scope="col" { "Last day" } th scope="col" { "Status" } th scope="col" { span.visually-hidden { "Action" } }
                    } }
                    tbody {
                        @for t in tokens {
                            tr {
                                td { (t.name) }
                                td { (datetime(t.created_at)) }
                                td { @match t.last_used_at { Some(at) => (datetime(at)), None => span.muted { "Never" } } }
                                td { @match t.expires_on { Some(d) => (d.to_string()), None => span.muted { "Until revoked" } } }
                                td {
                                    @if t.revoked_at.is_some() { strong.tag.tag--grey { "Revoked" } }
                                    @else if t.live(now) { strong.tag.tag--green { "Active" } }
                                    @else { strong.tag.tag--grey { "Expired" } }
                                }
                                td {
                                    @if t.revoked_at.is_none() {
                                        form.inline method="post" action="/account/tokens/revoke" {
                                            (csrf_field(chrome))
                                            input type="hidden" name="id" value=(t.id);
                                            button.button.button--secondary type="submit" { "Revoke" span.visually-hidden { " " (t.name) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
