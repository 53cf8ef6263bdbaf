//! The audit trail page and every record's history table: who changed what,
//! when and why, in words.
use maud::{Markup, html};

use super::components::datetime;
use super::layout::{Chrome, Nav, page};
use crate::services::audit_log::{AuditFilterValues, HistoryEntry};

pub fn page_view(
    chrome: &Chrome,
    filter: &AuditFilterValues,
    rows: &[HistoryEntry],
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
                div.nhsuk-form-group {
                    label.nhsuk-label for="organisation" { "Organisation ODS code" }
                    input.nhsuk-input #organisation name="organisation" type="text" value=(filter.organisation) autocomplete="off";
                }
                div.nhsuk-form-group {
                    label.nhsuk-label for="user" { "User email address" }
                    input.nhsuk-input #user name="user" type="text" value=(filter.user) autocomplete="off";
                }
                div.nhsuk-form-group {
                    label.nhsuk-label for="entity" { "Record type" }
                    input.nhsuk-input #entity name="entity" type="text" value=(filter.entity) autocomplete="off";
                }
                div.nhsuk-form-group {
                    label.nhsuk-label for="from" { "From (YYYY-MM-DD)" }
                    input.nhsuk-input #from name="from" type="text" value=(filter.from) autocomplete="off";
                }
                div.nhsuk-form-group {
                    label.nhsuk-label for="to" { "To (YYYY-MM-DD)" }
                    input.nhsuk-input #to name="to" type="text" value=(filter.to) autocomplete="off";
                }
                div.form-actions {
                    button.nhsuk-button type="submit" { "Apply filters" }
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

/// The events table, also used for a record's history on its own page: what
/// happened in words, who acted by role and organisation (and, for the
/// programme office only, by name), and why.
pub fn table(rows: &[HistoryEntry], caption: &str) -> Markup {
    html! {
        table.nhsuk-table.audit #audit-events {
            caption.nhsuk-table__caption { (caption) }
            thead.nhsuk-table__head { tr.nhsuk-table__row {
                th.nhsuk-table__header scope="col" { "When (UTC)" } th.nhsuk-table__header scope="col" { "Who" }
                th.nhsuk-table__header scope="col" { "Record" } th.nhsuk-table__header scope="col" { "What happened" } th.nhsuk-table__header scope="col" { "Reason" }
            } }
            tbody.nhsuk-table__body {
                @if rows.is_empty() {
                    tr.nhsuk-table__row { td.nhsuk-table__cell colspan="5" { "No events match." } }
                }
                @for r in rows {
                    tr.nhsuk-table__row data-action=(r.action) {
                        td.nhsuk-table__cell { (datetime(r.occurred_at)) }
                        td.nhsuk-table__cell {
                            (r.who.role)
                            @if let Some(person) = &r.who.person { br; span.nhsuk-u-secondary-text-colour.person { (person) } }
                        }
                        td.nhsuk-table__cell { (r.record) }
                        td.nhsuk-table__cell {
                            (r.summary)
                            @if !r.changes.is_empty() {
                                ul.changes { @for c in &r.changes { li { (c) } } }
                            }
                        }
                        td.nhsuk-table__cell { @if let Some(reason) = &r.reason { (reason) } }
                    }
                }
            }
        }
    }
}
