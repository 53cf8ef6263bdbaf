//! The audit trail page: who changed what, when, with before and after values.
use maud::{Markup, html};

use super::components::datetime;
use super::layout::{Chrome, Nav, page};
use crate::services::audit_log::{AuditFilterValues, AuditRow};

pub fn page_view(
    chrome: &Chrome,
    filter: &AuditFilterValues,
    rows: &[AuditRow],
    limit: usize,
) -> Markup {
    page(
        "Audit trail",
        Nav::Audit,
        chrome,
        html! {
            h1 { "Audit trail" }
            p { "Every change to programme data and accounts, newest first. Events cannot be edited or deleted." }
            form.filters method="get" action="/audit" {
                div.form-group {
                    label for="organisation" { "Organisation ODS code" }
                    input #organisation name="organisation" type="text" value=(filter.organisation) autocomplete="off";
                }
                div.form-group {
                    label for="user" { "User email address" }
                    input #user name="user" type="text" value=(filter.user) autocomplete="off";
                }
                div.form-group {
                    label for="entity" { "Record type" }
                    input #entity name="entity" type="text" value=(filter.entity) autocomplete="off";
                }
                div.form-group {
                    label for="from" { "From (YYYY-MM-DD)" }
                    input #from name="from" type="text" value=(filter.from) autocomplete="off";
                }
                div.form-group {
                    label for="to" { "To (YYYY-MM-DD)" }
                    input #to name="to" type="text" value=(filter.to) autocomplete="off";
                }
                div.form-actions {
                    button.button type="submit" { "Apply filters" }
                    a href="/audit" { "Clear filters" }
                }
            }
            (table(rows, &format!(
                "{} events{}", rows.len(),
                if rows.len() >= limit { format!(" (the latest {limit}; narrow the filters to see older ones)") } else { String::new() }
            )))
        },
    )
}

/// The events table, also used for a record's history on its own page.
pub fn table(rows: &[AuditRow], caption: &str) -> Markup {
    html! {
        table.table.audit #audit-events {
            caption { (caption) }
            thead { tr {
                th scope="col" { "When (UTC)" } th scope="col" { "Who" } th scope="col" { "Action" }
                th scope="col" { "Record" } th scope="col" { "Before" } th scope="col" { "After" } th scope="col" { "Reason" }
            } }
            tbody {
                @if rows.is_empty() {
                    tr { td colspan="7" { "No events match." } }
                }
                @for r in rows {
                    tr {
                        td { (datetime(r.occurred_at)) }
                        td { (r.actor) }
                        td { code { (r.action) } }
                        td { (r.entity_type) " " (r.entity_id) }
                        td { @if let Some(b) = &r.before { code.json { (b) } } }
                        td { @if let Some(a) = &r.after { code.json { (a) } } }
                        td { @if let Some(reason) = &r.reason { (reason) } }
                    }
                }
            }
        }
    }
}
