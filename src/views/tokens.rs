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
                div.nhsuk-inset-text #new-token role="status" {
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
                button.nhsuk-button type="submit" { "Make token" }
            }
            h2 { "Your tokens" }
            @if tokens.is_empty() {
                p #no-tokens { "You have no tokens." }
            } @else {
                table.nhsuk-table #tokens {
                    caption.nhsuk-table__caption { (tokens.len()) " tokens" }
                    thead.nhsuk-table__head { tr.nhsuk-table__row {
                        th.nhsuk-table__header scope="col" { "Name" } th.nhsuk-table__header scope="col" { "Made" } th.nhsuk-table__header scope="col" { "Last used" }
                        th.nhsuk-table__header scope="col" { "Last day" } th.nhsuk-table__header scope="col" { "Status" } th.nhsuk-table__header scope="col" { span.nhsuk-u-visually-hidden { "Action" } }
                    } }
                    tbody.nhsuk-table__body {
                        @for t in tokens {
                            tr.nhsuk-table__row {
                                td.nhsuk-table__cell { (t.name) }
                                td.nhsuk-table__cell { (datetime(t.created_at)) }
                                td.nhsuk-table__cell { @match t.last_used_at { Some(at) => (datetime(at)), None => span.nhsuk-u-secondary-text-colour { "Never" } } }
                                td.nhsuk-table__cell { @match t.expires_on { Some(d) => (d.to_string()), None => span.nhsuk-u-secondary-text-colour { "Until revoked" } } }
                                td.nhsuk-table__cell {
                                    @if t.revoked_at.is_some() { strong.nhsuk-tag.nhsuk-tag--grey { "Revoked" } }
                                    @else if t.live(now) { strong.nhsuk-tag.nhsuk-tag--green { "Active" } }
                                    @else { strong.nhsuk-tag.nhsuk-tag--grey { "Expired" } }
                                }
                                td.nhsuk-table__cell {
                                    @if t.revoked_at.is_none() {
                                        form.inline method="post" action="/account/tokens/revoke" {
                                            (csrf_field(chrome))
                                            input type="hidden" name="id" value=(t.id);
                                            button.nhsuk-button.nhsuk-button--secondary type="submit" { "Revoke" span.nhsuk-u-visually-hidden { " " (t.name) } }
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
