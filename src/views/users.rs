//! Account administration pages for the programme office.
use maud::{Markup, html};

use super::components::datetime;
use super::forms::{Input, error_summary, input, select};
use super::layout::{Chrome, Nav, csrf_field, page};
use crate::domain::access::UserRole;
use crate::services::FieldError;
use crate::services::users::UserView;

pub fn list(chrome: &Chrome, users: &[UserView]) -> Markup {
    page(
        "Users",
        Nav::Users,
        chrome,
        html! {
            h1 { "Users" }
            p { a.nhsuk-button href="/users/new" { "Add a user" } }
            table.nhsuk-table #users {
                caption.nhsuk-table__caption { (users.len()) " accounts" }
                thead.nhsuk-table__head { tr.nhsuk-table__row {
                    th.nhsuk-table__header scope="col" { "Name" } th.nhsuk-table__header scope="col" { "Email address" } th.nhsuk-table__header scope="col" { "Role" }
                    th.nhsuk-table__header scope="col" { "Organisation" } th.nhsuk-table__header scope="col" { "Status" } th.nhsuk-table__header scope="col" { "Last signed in" }
                } }
                tbody.nhsuk-table__body {
                    @for u in users {
                        tr.nhsuk-table__row {
                            td.nhsuk-table__cell { a href={ "/users/" (u.id) } { (u.name) } }
                            td.nhsuk-table__cell { (u.email) }
                            td.nhsuk-table__cell { (u.role.label()) }
                            td.nhsuk-table__cell { @if let Some((code, name)) = &u.organisation { (name) " (" (code) ")" } }
                            td.nhsuk-table__cell {
                                @if u.disabled { strong.nhsuk-tag.nhsuk-tag--grey { "Disabled" } }
                                @else { strong.nhsuk-tag.nhsuk-tag--green { "Active" } }
                                @if !u.disabled && u.failed_sign_ins > 0 {
                                    " " span.nhsuk-u-secondary-text-colour { (u.failed_sign_ins) " failed sign-in" @if u.failed_sign_ins != 1 { "s" } " since the last success" }
                                }
                            }
                            td.nhsuk-table__cell { @match u.last_sign_in_at { Some(t) => (datetime(t)), None => span.nhsuk-u-secondary-text-colour { "Never" } } }
                        }
                    }
                }
            }
        },
    )
}

/// The values the add and edit forms show (what the user typed, on error).
#[derive(Clone, Debug, Default)]
pub struct UserFormValues {
    pub email: String,
    pub name: String,
    pub role: String,
    pub organisation: String,
    pub version: i32,
}

fn role_options() -> Vec<(String, String)> {
    UserRole::ALL
        .iter()
        .map(|r| (r.code().to_owned(), r.label().to_owned()))
        .collect()
}

fn profile_fields(values: &UserFormValues, errors: &[FieldError]) -> Markup {
    html! {
        (input(Input { name: "name", label: "Full name", value: &values.name, kind: "text", hint: None, autocomplete: Some("off") }, errors))
        (select("role", "Role", &role_options(), &values.role, "Select a role", errors))
        (input(Input {
            name: "organisation",
            label: "Organisation ODS code",
            value: &values.organisation,
            kind: "text",
            hint: Some("Trust reporters only: the ODS code of the one organisation they report for, for example RAL. Leave empty for other roles."),
            autocomplete: Some("off"),
        }, errors))
    }
}

pub fn new_form(chrome: &Chrome, values: &UserFormValues, errors: &[FieldError]) -> Markup {
    page(
        "Add a user",
        Nav::Users,
        chrome,
        html! {
            div.narrow {
                (error_summary(errors))
                p.breadcrumb { a href="/users" { "Users" } }
                h1 { "Add a user" }
                form method="post" action="/users" novalidate {
                    (csrf_field(chrome))
                    (input(Input { name: "email", label: "Email address", value: &values.email, kind: "email", hint: None, autocomplete: Some("off") }, errors))
                    (profile_fields(values, errors))
                    (input(Input {
                        name: "password",
                        label: "Initial password",
                        value: "",
                        kind: "password",
                        hint: Some("At least 12 characters. Give it to the person in a separate, secure message."),
                        autocomplete: Some("new-password"),
                    }, errors))
                    button.nhsuk-button type="submit" { "Add user" }
                }
            }
        },
    )
}

pub fn edit_form(
    chrome: &Chrome,
    user: &UserView,
    values: &UserFormValues,
    errors: &[FieldError],
    password_errors: &[FieldError],
) -> Markup {
    page(
        &format!("User {}", user.name),
        Nav::Users,
        chrome,
        html! {
            div.narrow {
                (error_summary(errors))
                (error_summary(password_errors))
                p.breadcrumb { a href="/users" { "Users" } }
                h1 { (user.name) " " span.nhsuk-caption-m { "(" (user.email) ")" } }
                @if user.disabled {
                    p.nhsuk-u-font-weight-bold.warning { "This account is disabled: it cannot sign in." }
                }
                h2 { "Name, role and organisation" }
                form method="post" action={ "/users/" (user.id) } novalidate {
                    (csrf_field(chrome))
                    input type="hidden" name="version" value=(values.version);
                    (profile_fields(values, errors))
                    button.nhsuk-button type="submit" { "Save changes" }
                }
                h2 { "Reset password" }
                form method="post" action={ "/users/" (user.id) "/password" } novalidate {
                    (csrf_field(chrome))
                    (input(Input {
                        name: "password",
                        label: "New password",
                        value: "",
                        kind: "password",
                        hint: Some("At least 12 characters. Resetting also unlocks the account and signs it out everywhere."),
                        autocomplete: Some("new-password"),
                    }, password_errors))
                    button.nhsuk-button type="submit" { "Reset password" }
                }
                h2 { "Access" }
                @if user.disabled {
                    form method="post" action={ "/users/" (user.id) "/enable" } {
                        (csrf_field(chrome))
                        button.nhsuk-button type="submit" { "Enable account" }
                    }
                } @else {
                    form method="post" action={ "/users/" (user.id) "/disable" } {
                        (csrf_field(chrome))
                        button.nhsuk-button.nhsuk-button--warning type="submit" { "Disable account" }
                    }
                }
            }
        },
    )
}

pub fn conflict(chrome: &Chrome, user: &UserView) -> Markup {
    page(
        "This account was changed by someone else",
        Nav::Users,
        chrome,
        html! {
            h1 { "This account was changed by someone else" }
            p { "Someone saved changes to this account after you opened the form, so your changes were not saved. These are the current values:" }
            dl.nhsuk-summary-list #current-values {
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Name" } dd.nhsuk-summary-list__value { (user.name) } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Role" } dd.nhsuk-summary-list__value { (user.role.label()) } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Organisation" } dd.nhsuk-summary-list__value { @if let Some((code, name)) = &user.organisation { (name) " (" (code) ")" } @else { "None" } } }
            }
            p { a href={ "/users/" (user.id) } { "Open the account again to make your changes" } }
        },
    )
}
