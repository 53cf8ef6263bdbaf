//! The programme office's queue of change requests awaiting a decision.
use maud::{Markup, html};

use super::components::{date, datetime};
use super::forms::error_summary;
use super::layout::{Chrome, Nav, csrf_field, page};
use crate::domain::change::Decision;
use crate::services::FieldError;
use crate::services::change_requests::{AllocationRequestRow, BaselineRequestRow, DecisionPreview};

/// What a pending request's row offers: the way to decide it, or for its
/// requester, who can.
fn decision_links(path: &str, what: &str, asked_by_you: bool) -> Markup {
    html! {
        @if asked_by_you {
            span.nhsuk-u-secondary-text-colour { "Awaiting a decision by another programme-office user" }
        } @else {
            div.form-actions {
                a.nhsuk-button.nhsuk-button--small href={ (path) "?decision=approve" } { "Approve" span.nhsuk-u-visually-hidden { " " (what) } }
                a.nhsuk-button.nhsuk-button--small.nhsuk-button--warning href={ (path) "?decision=reject" } { "Reject" span.nhsuk-u-visually-hidden { " " (what) } }
            }
        }
    }
}

pub fn page_view(
    chrome: &Chrome,
    baseline: &[BaselineRequestRow],
    allocation: &[AllocationRequestRow],
    errors: &[FieldError],
    office: bool,
) -> Markup {
    page(
        "Change requests",
        Nav::ChangeRequests,
        chrome,
        html! {
            (error_summary(errors))
            h1 { "Change requests" }
            p { "Baselines and allocations change only through these requests. Someone other than the requester decides each one." }
            h2 #decision { "Baseline dates" }
            table.nhsuk-table #baseline-requests {
                caption.nhsuk-table__caption { (baseline.iter().filter(|r| r.pending).count()) " awaiting a decision" }
                thead.nhsuk-table__head { tr.nhsuk-table__row {
                    th.nhsuk-table__header scope="col" { "Milestone" } th.nhsuk-table__header scope="col" { "Baseline now" } th.nhsuk-table__header scope="col" { "Proposed" }
                    th.nhsuk-table__header scope="col" { "Reason" } th.nhsuk-table__header scope="col" { "Asked by" } th.nhsuk-table__header scope="col" { "Decision" }
                } }
                tbody.nhsuk-table__body {
                    @if baseline.is_empty() { tr.nhsuk-table__row { td.nhsuk-table__cell colspan="6" { "No requests." } } }
                    @for r in baseline {
                        tr.nhsuk-table__row {
                            td.nhsuk-table__cell { a href={ "/milestones/" (r.milestone_id) } { (r.ods_code) " " (r.reference) } }
                            td.nhsuk-table__cell { (date(r.previous)) }
                            td.nhsuk-table__cell { (date(r.proposed)) }
                            td.nhsuk-table__cell { (r.reason) }
                            td.nhsuk-table__cell { (r.requested_by) br; (datetime(r.requested_at)) }
                            td.nhsuk-table__cell {
                                @if r.pending && office {
                                    (decision_links(&format!("/change-requests/baseline/{}", r.id), &format!("{} {}", r.ods_code, r.reference), r.asked_by_you))
                                } @else {
                                    (r.status) @if let Some(c) = &r.comment { br; span.nhsuk-u-secondary-text-colour { (c) } }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Allocations" }
            table.nhsuk-table #allocation-requests {
                caption.nhsuk-table__caption { (allocation.iter().filter(|r| r.pending).count()) " awaiting a decision" }
                thead.nhsuk-table__head { tr.nhsuk-table__row {
                    th.nhsuk-table__header scope="col" { "Allocation" } th.nhsuk-table__header scope="col" .num { "Central now" } th.nhsuk-table__header scope="col" .num { "Proposed" }
                    th.nhsuk-table__header scope="col" .num { "Local match proposed" } th.nhsuk-table__header scope="col" { "Reason" } th.nhsuk-table__header scope="col" { "Asked by" } th.nhsuk-table__header scope="col" { "Decision" }
                } }
                tbody.nhsuk-table__body {
                    @if allocation.is_empty() { tr.nhsuk-table__row { td.nhsuk-table__cell colspan="7" { "No requests." } } }
                    @for r in allocation {
                        tr.nhsuk-table__row {
                            td.nhsuk-table__cell { a href={ "/participants/" (r.ods_code) } { (r.ods_code) " " (r.reference) } }
                            td.nhsuk-table__cell.nhsuk-table__cell--numeric.num { (r.previous_central.to_string()) }
                            td.nhsuk-table__cell.nhsuk-table__cell--numeric.num { (r.proposed_central.to_string()) }
                            td.nhsuk-table__cell.nhsuk-table__cell--numeric.num { (r.proposed_local_match.to_string()) }
                            td.nhsuk-table__cell { (r.reason) }
                            td.nhsuk-table__cell { (r.requested_by) br; (datetime(r.requested_at)) }
                            td.nhsuk-table__cell {
                                @if r.pending && office {
                                    (decision_links(&format!("/change-requests/allocation/{}", r.id), &format!("{} {}", r.ods_code, r.reference), r.asked_by_you))
                                } @else {
                                    (r.status) @if let Some(c) = &r.comment { br; span.nhsuk-u-secondary-text-colour { (c) } }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// A request's decision page: the change and its effect, then Confirm
/// (POST) and a way back. `decision` is the choice made in the queue; with
/// none, the page offers both. The requester is told who can decide.
pub fn decision_page(
    chrome: &Chrome,
    r: &DecisionPreview,
    decision: Option<Decision>,
    comment: &str,
    errors: &[FieldError],
) -> Markup {
    let path = format!("/change-requests/{}/{}", r.kind.segment(), r.id);
    let can_decide = r.pending && !r.asked_by_you;
    let decision = decision.filter(|_| can_decide);
    // Every error is linked to something on this page.
    let errors: Vec<FieldError> = errors
        .iter()
        .map(|e| FieldError {
            field: match (e.field.as_ref(), decision) {
                ("comment", Some(_)) => "comment".into(),
                _ => "request-summary".into(),
            },
            message: e.message.clone(),
        })
        .collect();
    let comment_error = errors.iter().find(|e| e.field == "comment");
    let title = match decision {
        Some(Decision::Approve) => "Approve this change?",
        Some(Decision::Reject) => "Reject this change?",
        None => "Change request",
    };
    page(
        title,
        Nav::ChangeRequests,
        chrome,
        html! {
            div.narrow {
                (error_summary(&errors))
                p.breadcrumb { a href="/change-requests" { "Change requests" } }
                h1 { (title) }
                p.nhsuk-lede-text { a href=(r.record_href) { (r.subject) } }
                table.nhsuk-table #request-summary tabindex="-1" {
                    caption.nhsuk-table__caption { "What the request changes" }
                    thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "What" } th.nhsuk-table__header scope="col" { "Now" } th.nhsuk-table__header scope="col" { "Proposed" } } }
                    tbody.nhsuk-table__body {
                        @for (what, now, proposed) in &r.changes {
                            tr.nhsuk-table__row { th.nhsuk-table__header scope="row" { (what) } td.nhsuk-table__cell { (now) } td.nhsuk-table__cell { (proposed) } }
                        }
                    }
                }
                dl.nhsuk-summary-list {
                    div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Reason" } dd.nhsuk-summary-list__value { (r.reason) } }
                    div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Asked by" } dd.nhsuk-summary-list__value { (r.requested_by) ", " (datetime(r.requested_at)) } }
                    div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Status" } dd.nhsuk-summary-list__value { (r.status) @if let Some(c) = &r.comment { ": " (c) } } }
                }
                @if !r.pending {
                    p { "This request has been decided; nothing more can be done with it." }
                    p { a href="/change-requests" { "Go back to change requests" } }
                } @else if r.asked_by_you {
                    p.nhsuk-inset-text #decision-status { "Awaiting a decision by another programme-office user. You asked for this change, so you cannot decide it." }
                    p { a href="/change-requests" { "Go back to change requests" } }
                } @else {
                    @match decision {
                        None => {
                            div.form-actions {
                                a.nhsuk-button href={ (path) "?decision=approve" } { "Approve" }
                                a.nhsuk-button.nhsuk-button--warning href={ (path) "?decision=reject" } { "Reject" }
                                a href="/change-requests" { "Go back" }
                            }
                        }
                        Some(d) => {
                            p #decision-status {
                                @match d {
                                    Decision::Approve => { "Confirming applies the proposed values at once, and they are checked again against the rules (the cap, the tranches) when you confirm. The old values stay in the request and the audit trail." }
                                    Decision::Reject => { "Confirming leaves the record as it is. The requester sees your comment, so say why." }
                                }
                            }
                            form method="post" action=(path) novalidate {
                                (csrf_field(chrome))
                                input type="hidden" name="decision" value=(d.code());
                                div class={ "nhsuk-form-group" @if comment_error.is_some() { " nhsuk-form-group--error" } } {
                                    label.nhsuk-label for="comment" {
                                        @match d { Decision::Approve => "Comment (optional)", Decision::Reject => "Why it is rejected" }
                                    }
                                    @if let Some(e) = comment_error {
                                        p.nhsuk-error-message #comment-error { span.nhsuk-u-visually-hidden { "Error: " } (e.message) }
                                    }
                                    textarea.nhsuk-textarea #comment name="comment" rows="3"
                                        aria-describedby=[comment_error.map(|_| "comment-error")]
                                        aria-invalid=[comment_error.map(|_| "true")] { (comment) }
                                }
                                div.form-actions {
                                    @match d {
                                        Decision::Approve => button.nhsuk-button type="submit" { "Confirm approval" },
                                        Decision::Reject => button.nhsuk-button.nhsuk-button--warning type="submit" { "Confirm rejection" },
                                    }
                                    a href="/change-requests" { "Go back" }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
