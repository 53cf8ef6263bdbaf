//! The programme office's queue of change requests awaiting a decision.
use maud::{Markup, html};

use super::components::{date, datetime};
use super::forms::error_summary;
use super::layout::{Chrome, Nav, csrf_field, page};
use crate::services::FieldError;
use crate::services::change_requests::{AllocationRequestRow, BaselineRequestRow};

fn decision_form(chrome: &Chrome, action: &str, id: &str) -> Markup {
    html! {
        form.decision method="post" action=(action) novalidate {
            (csrf_field(chrome))
            div.form-group {
                label for={ "comment-" (id) } { "Comment (required to reject)" }
                textarea id={ "comment-" (id) } name="comment" rows="2" {}
            }
            div.form-actions {
                button.button type="submit" name="decision" value="approve" { "Approve" }
                button.button.button--warning type="submit" name="decision" value="reject" { "Reject" }
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
            table.table #baseline-requests {
                caption { (baseline.iter().filter(|r| r.pending).count()) " awaiting a decision" }
                thead { tr {
                    th scope="col" { "Milestone" } th scope="col" { "Baseline now" } th scope="col" { "Proposed" }
                    th scope="col" { "Reason" } th scope="col" { "Asked by" } th scope="col" { "Decision" }
                } }
                tbody {
                    @if baseline.is_empty() { tr { td colspan="6" { "No requests." } } }
                    @for r in baseline {
                        tr {
                            td { a href={ "/milestones/" (r.milestone_id) } { (r.ods_code) " " (r.reference) } }
                            td { (date(r.previous)) }
                            td { (date(r.proposed)) }
                            td { (r.reason) }
                            td { (r.requested_by) br; (datetime(r.requested_at)) }
                            td {
                                @if r.pending && office {
                                    (decision_form(chrome, &format!("/change-requests/baseline/{}", r.id), &format!("b{}", r.id)))
                                } @else {
                                    (r.status) @if let Some(c) = &r.comment { br; span.muted { (c) } }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Allocations" }
            table.table #allocation-requests {
                caption { (allocation.iter().filter(|r| r.pending).count()) " awaiting a decision" }
                thead { tr {
                    th scope="col" { "Allocation" } th scope="col" .num { "Central now" } th scope="col" .num { "Proposed" }
                    th scope="col" .num { "Local match proposed" } th scope="col" { "Reason" } th scope="col" { "Asked by" } th scope="col" { "Decision" }
                } }
                tbody {
                    @if allocation.is_empty() { tr { td colspan="7" { "No requests." } } }
                    @for r in allocation {
                        tr {
                            td { a href={ "/participants/" (r.ods_code) } { (r.ods_code) " " (r.reference) } }
                            td.num { (r.previous_central.to_string()) }
                            td.num { (r.proposed_central.to_string()) }
                            td.num { (r.proposed_local_match.to_string()) }
                            td { (r.reason) }
                            td { (r.requested_by) br; (datetime(r.requested_at)) }
                            td {
                                @if r.pending && office {
                                    (decision_form(chrome, &format!("/change-requests/allocation/{}", r.id), &format!("a{}", r.id)))
                                } @else {
                                    (r.status) @if let Some(c) = &r.comment { br; span.muted { (c) } }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
