//! Milestones: the filterable list, one milestone with its forms and history,
//! and the form for a new one.
use maud::{Markup, html};
use time::Date;

use super::components::{date, illustrative_tag, optional_date, slippage, timeliness_tag};
use super::forms::{error_summary, input, select};
use super::layout::{Chrome, Nav, csrf_field, page};
use super::manage::{DATE_HINT, options, text};
use crate::domain::dates::display_date;
use crate::domain::milestone::{MilestoneCategory, MilestoneStatus};
use crate::services::FieldError;
use crate::services::milestones::{
    BaselineRequest, MilestoneDetail, MilestoneFilterValues, MilestoneRow, NewMilestone, Progress,
};

pub fn list(
    chrome: &Chrome,
    filter: &MilestoneFilterValues,
    rows: &[MilestoneRow],
    participants: &[(String, String)],
    today: Date,
) -> Markup {
    page(
        "Milestones",
        Nav::Milestones,
        chrome,
        html! {
            h1 { "Milestones" }
            @if rows.iter().any(|r| r.illustrative) {
                p.illustrative-note {
                    strong { "Illustrative. " }
                    "Milestones tagged Illustrative are invented for demonstration (the seed's illustrative set); they are not programme facts."
                }
            }
            form.filters method="get" action="/milestones" {
                (select("participant", "Participant", participants, &filter.participant, "All participants", &[]))
                (select("status", "Status", &options(MilestoneStatus::ALL, MilestoneStatus::code, MilestoneStatus::label), &filter.status, "Any status", &[]))
                (select("category", "Category", &options(MilestoneCategory::ALL, MilestoneCategory::code, MilestoneCategory::label), &filter.category, "Any category", &[]))
                div.form-group {
                    label for="slipped_over" { "Slipped by more than (days)" }
                    input #slipped_over name="slipped_over" type="text" value=(filter.slipped_over) autocomplete="off";
                }
                div.form-group.checkbox {
                    input #overdue name="overdue" type="checkbox" value="yes" checked[filter.overdue == "yes"];
                    label for="overdue" { "Overdue only" }
                }
                input type="hidden" name="sort" value=(filter.sort);
                div.form-actions {
                    button.button type="submit" { "Apply filters" }
                    a href="/milestones" { "Clear filters" }
                }
            }
            (super::interchange::milestone_downloads(filter))
            table.table #milestones {
                caption { (rows.len()) " milestones, as at " (display_date(today)) ". Overdue: forecast date passed and not complete." }
                thead { tr {
                    th scope="col" { a href=(sort_href(filter, "participant")) { "Participant" } }
                    th scope="col" { "Ref" } th scope="col" { "Milestone" } th scope="col" { "Category" }
                    th scope="col" { a href=(sort_href(filter, "baseline")) { "Baseline" } }
                    th scope="col" { a href=(sort_href(filter, "forecast")) { "Forecast" } }
                    th scope="col" { "Actual" }
                    th scope="col" { a href=(sort_href(filter, "slippage")) { "Slippage" } }
                    th scope="col" { "Status" }
                } }
                tbody {
                    @if rows.is_empty() { tr { td colspan="9" { "No milestones match these filters." } } }
                    @for r in rows {
                        tr {
                            td { a href={ "/participants/" (r.ods_code) } { (r.ods_code) } }
                            td { a href={ "/milestones/" (r.id) } { (r.reference) } }
                            td { (r.title) @if r.illustrative { " " (illustrative_tag()) } }
                            td { (r.category.label()) }
                            td { (date(r.baseline_on)) }
                            td { (optional_date(r.forecast_on)) }
                            td { (optional_date(r.actual_on)) }
                            td { (slippage(r.slippage_days)) }
                            td { (r.status.label()) " " (timeliness_tag(r.timeliness)) }
                        }
                    }
                }
            }
        },
    )
}

fn sort_href(filter: &MilestoneFilterValues, key: &str) -> String {
    let mut pairs = vec![("sort", key.to_owned())];
    for (k, v) in [
        ("participant", &filter.participant),
        ("status", &filter.status),
        ("category", &filter.category),
        ("slipped_over", &filter.slipped_over),
        ("overdue", &filter.overdue),
    ] {
        if !v.is_empty() {
            pairs.push((k, v.clone()));
        }
    }
    format!(
        "/milestones?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

pub fn new_form(
    chrome: &Chrome,
    ods: &str,
    name: &str,
    v: &NewMilestone,
    errors: &[FieldError],
) -> Markup {
    page(
        "Add a milestone",
        Nav::Milestones,
        chrome,
        html! {
            div.narrow {
                (error_summary(errors))
                p.breadcrumb { a href={ "/participants/" (ods) } { (name) } }
                h1 { "Add a milestone for " (name) }
                form method="post" action={ "/participants/" (ods) "/milestones" } novalidate {
                    (csrf_field(chrome))
                    (input(text("reference", "Reference", &v.reference, Some("Unique for this participant, for example M07")), errors))
                    (input(text("title", "What will be delivered", &v.title, None), errors))
                    (select("category", "Category", &options(MilestoneCategory::ALL, MilestoneCategory::code, MilestoneCategory::label), &v.category, "Select a category", errors))
                    (input(text("baseline_on", "Baseline date", &v.baseline_on, Some("The committed date. Afterwards it changes only through an approved change request. For example, 31/03/2019")), errors))
                    (input(text("forecast_on", "Forecast date (optional)", &v.forecast_on, Some("Defaults to the baseline date. For example, 31/03/2019")), errors))
                    button.button type="submit" { "Add milestone" }
                }
            }
        },
    )
}

/// The milestone page: what the service read, and what the forms hold.
pub struct MilestonePage<'a> {
    pub detail: &'a MilestoneDetail,
    pub progress: Progress,
    pub baseline: BaselineRequest,
}

pub fn detail(chrome: &Chrome, p: &MilestonePage<'_>, errors: &[FieldError]) -> Markup {
    let d = p.detail;
    let r = &d.row;
    page(
        &format!("{} {}", r.ods_code, r.reference),
        Nav::Milestones,
        chrome,
        html! {
            (error_summary(errors))
            p.breadcrumb { a href={ "/participants/" (r.ods_code) } { (r.participant_name) } }
            h1 { (r.reference) ": " (r.title) }
            dl.summary-list #milestone-summary {
                div { dt { "Participant" } dd { (r.participant_name) " (" (r.ods_code) ")" } }
                div { dt { "Category" } dd { (r.category.label()) } }
                div { dt { "Baseline" } dd { (date(r.baseline_on)) } }
                div { dt { "Forecast" } dd { (optional_date(r.forecast_on)) } }
                div { dt { "Actual" } dd { (optional_date(r.actual_on)) } }
                div { dt { "Slippage" } dd { (slippage(r.slippage_days)) } }
                div { dt { "Status" } dd { (r.status.label()) " " (timeliness_tag(r.timeliness)) } }
                div { dt { "Signed off" } dd { (optional_date(d.signed_off_on)) } }
                @if r.illustrative { div { dt { "Provenance" } dd { strong.tag.tag--grey { "Illustrative" } } } }
            }
            @if d.office && d.signed_off_on.is_none() {
                h2 { "Update progress" }
                form.narrow method="post" action={ "/milestones/" (r.id) "/progress" } novalidate {
                    (csrf_field(chrome))
                    input type="hidden" name="version" value=(d.version);
                    (input(text("forecast_on", "Forecast date", &p.progress.forecast_on, Some(DATE_HINT)), errors))
                    (select("status", "Status", &options(MilestoneStatus::ALL, MilestoneStatus::code, MilestoneStatus::label), &p.progress.status, "Select a status", errors))
                    (input(text("actual_on", "Actual date (when complete)", &p.progress.actual_on, Some(DATE_HINT)), errors))
                    button.button type="submit" { "Save progress" }
                }
                h2 { "Sign off" }
                form.narrow method="post" action={ "/milestones/" (r.id) "/sign-off" } novalidate {
                    (csrf_field(chrome))
                    input type="hidden" name="version" value=(d.version);
                    (input(text("signed_off_on", "Sign-off date (defaults to today)", "", Some("A milestone can be signed off once it is complete with an actual date. For example, 31/03/2019")), errors))
                    button.button type="submit" { "Sign off as complete" }
                }
            }
            h2 { "Baseline changes" }
            @if let Some((proposed, reason)) = &d.pending {
                p.warning { "A change to " (date(*proposed)) " is awaiting a decision: " (reason) " " a href="/change-requests" { "Review change requests" } }
            } @else if d.can_request {
                form.narrow method="post" action={ "/milestones/" (r.id) "/baseline-requests" } novalidate {
                    (csrf_field(chrome))
                    (input(text("proposed_baseline_on", "Proposed new baseline", &p.baseline.proposed_baseline_on, Some(DATE_HINT)), errors))
                    div class={ "form-group" @if errors.iter().any(|e| e.field == "reason") { " form-group--error" } } {
                        label for="reason" { "Reason" }
                        @for e in errors.iter().filter(|e| e.field == "reason") {
                            p.error-message id="reason-error" { span.visually-hidden { "Error: " } (e.message) }
                        }
                        textarea #reason name="reason" rows="3" { (p.baseline.reason) }
                    }
                    button.button type="submit" { "Request baseline change" }
                }
            }
            @if !d.requests.is_empty() {
                table.table #baseline-requests {
                    caption { "Baseline change requests for " (r.reference) }
                    thead { tr { th scope="col" { "From" } th scope="col" { "To" } th scope="col" { "Reason" } th scope="col" { "Decision" } th scope="col" { "Comment" } } }
                    tbody {
                        @for q in &d.requests {
                            tr { td { (date(q.previous)) } td { (date(q.proposed)) } td { (q.reason) } td { (q.status) } td { @if let Some(c) = &q.comment { (c) } } }
                        }
                    }
                }
            }
            h2 { "History" }
            (super::audit::table(&d.history, &format!("Recorded changes to {}", r.reference)))
        },
    )
}
