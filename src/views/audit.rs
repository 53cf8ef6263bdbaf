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

/// The events table, also used for a record's history on its own page: what
/// happened in words, who acted by role and organisation (and, for the
/// programme office only, by name), and why.
pub fn table(rows: &[HistoryEntry], caption: &str) -> Markup {
    html! {
        table.table.audit #audit-events {
            caption { (caption) }
            thead { tr {
                th scope="col" { "When (UTC)" } th scope="col" { "Who" }
                th scope="col" { "Record" } th scope="col" { "What happened" } th scope="col" { "Reason" }
            } }
            tbody {
                @if rows.is_empty() {
                    tr { td colspan="5" { "No events match." } }
                }
                @for r in rows {
                    tr data-action=(r.action) {
                        td { (datetime(r.occurred_at)) }
                        td {
                            (r.who.role)
                            @if let Some(person) = &r.who.person { br; span.muted.person { (person) } }
                        }
                        td { (r.record) }
                        td {
                            (r.summary)
                            @if !r.changes.is_empty() {
                                ul.changes { @for c in &r.changes { li { (c) } } }
                            }
                        }
                        td { @if let Some(reason) = &r.reason { (reason) } }
                    }
                }
            }
        }
    }
}
