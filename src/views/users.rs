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
            p { a.button href="/users/new" { "Add a user" } }
            table.table #users {
                caption { (users.len()) " accounts" }
                thead { tr {
                    th scope="col" { "Name" } th scope="col" { "Email address" } th scope="col" { "Role" }
                    th scope="col" { "Organisation" } th scope="col" { "Status" } th scope="col" { "Last signed in" }
                } }
                tbody {
                    @for u in users {
                        tr {
                            td { a href={ "/users/" (u.id) } { (u.name) } }
                            td { (u.email) }
                            td { (u.role.label()) }
                            td { @if let Some((code, name)) = &u.organisation { (name) " (" (code) ")" } }
                            td {
                                @if u.disabled { strong.tag.tag--grey { "Disabled" } }
                                @else { strong.tag.tag--green { "Active" } }
                                @if !u.disabled && u.failed_sign_ins > 0 {
                                    " " span.muted { (u.failed_sign_ins) " failed sign-in" @if u.failed_sign_ins != 1 { "s" } " since the last success" }
                                }
                            }
                            td { @match u.last_sign_in_at { Some(t) => (datetime(t)), None => span.muted { "Never" } } }
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
                    button.button type="submit" { "Add user" }
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
                h1 { (user.name) " " span.caption { "(" (user.email) ")" } }
                @if user.disabled {
                    p.warning { "This account is disabled: it cannot sign in." }
                }
                h2 { "Name, role and organisation" }
                form method="post" action={ "/users/" (user.id) } novalidate {
                    (csrf_field(chrome))
                    input type="hidden" name="version" value=(values.version);
                    (profile_fields(values, errors))
                    button.button type="submit" { "Save changes" }
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
                    button.button type="submit" { "Reset password" }
                }
                h2 { "Access" }
                @if user.disabled {
                    form method="post" action={ "/users/" (user.id) "/enable" } {
                        (csrf_field(chrome))
                        button.button type="submit" { "Enable account" }
                    }
                } @else {
                    form method="post" action={ "/users/" (user.id) "/disable" } {
                        (csrf_field(chrome))
                        button.button.button--warning type="submit" { "Disable account" }
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
            dl.summary-list #current-values {
                div { dt { "Name" } dd { (user.name) } }
                div { dt { "Role" } dd { (user.role.label()) } }
                div { dt { "Organisation" } dd { @if let Some((code, name)) = &user.organisation { (name) " (" (code) ")" } @else { "None" } } }
            }
            p { a href={ "/users/" (user.id) } { "Open the account again to make your changes" } }
        },
    )
}
