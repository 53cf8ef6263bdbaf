//! Milestones: the filterable list, one milestone with its forms and history,
//! and the form for a new one.
use maud::{Markup, html};
use time::Date;

use super::components::{date, illustrative_tag, optional_date, slippage, timeliness_tag};
use super::forms::{error_summary, input, select};
use super::layout::{Chrome, Nav, csrf_field, page};
use super::manage::{DATE_HINT, options, text};
use super::pagination::{Pager, controls, summary};
use crate::domain::dates::display_date;
use crate::domain::milestone::{MilestoneCategory, MilestoneStatus};
use crate::domain::pagination::Page;
use crate::services::FieldError;
use crate::services::milestones::{
    BaselineRequest, MilestoneDetail, MilestoneFilterValues, MilestoneRow, NewMilestone, Progress,
};

/// The query parameters that choose the list (filters and sort), which
/// every page link keeps.
fn kept(filter: &MilestoneFilterValues) -> Vec<(&'static str, String)> {
    vec![
        ("participant", filter.participant.clone()),
        ("status", filter.status.clone()),
        ("category", filter.category.clone()),
        ("slipped_over", filter.slipped_over.clone()),
        ("overdue", filter.overdue.clone()),
        ("sort", filter.sort.clone()),
    ]
}

pub fn list(
    chrome: &Chrome,
    filter: &MilestoneFilterValues,
    found: &Page<MilestoneRow>,
    participants: Option<&[(String, String)]>,
    today: Date,
) -> Markup {
    let rows = &found.rows;
    let pager = Pager {
        path: "/milestones",
        keep: kept(filter),
        page_param: "page",
        size_param: "size",
        anchor: None,
        noun: "milestones",
        id: "milestones",
    };
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
                @match participants {
                    Some(choices) => (select("participant", "Participant", choices, &filter.participant, "All participants", &[])),
                    None => div.nhsuk-form-group {
                        label.nhsuk-label for="participant" { "Participant's ODS code" }
                        input.nhsuk-input #participant name="participant" type="text" value=(filter.participant) autocomplete="off" spellcheck="false";
                    },
                }
                (select("status", "Status", &options(MilestoneStatus::ALL, MilestoneStatus::code, MilestoneStatus::label), &filter.status, "Any status", &[]))
                (select("category", "Category", &options(MilestoneCategory::ALL, MilestoneCategory::code, MilestoneCategory::label), &filter.category, "Any category", &[]))
                div.nhsuk-form-group {
                    label.nhsuk-label for="slipped_over" { "Slipped by more than (days)" }
                    input.nhsuk-input #slipped_over name="slipped_over" type="text" value=(filter.slipped_over) autocomplete="off";
                }
                div.nhsuk-form-group {
                    div.nhsuk-checkboxes.nhsuk-checkboxes--small {
                        div.nhsuk-checkboxes__item {
                            input.nhsuk-checkboxes__input #overdue name="overdue" type="checkbox" value="yes" checked[filter.overdue == "yes"];
                            label.nhsuk-label.nhsuk-checkboxes__label for="overdue" { "Overdue only" }
                        }
                    }
                }
                input type="hidden" name="sort" value=(filter.sort);
                input type="hidden" name="size" value=(found.request.size);
                div.form-actions {
                    button.nhsuk-button type="submit" { "Apply filters" }
                    a href="/milestones" { "Clear filters" }
                }
            }
            (super::interchange::milestone_downloads(filter))
            table.nhsuk-table #milestones {
                caption.nhsuk-table__caption { (summary(found, "milestones")) ", as at " (display_date(today)) ". Overdue: forecast date passed and not complete." }
                thead.nhsuk-table__head { tr.nhsuk-table__row {
                    th.nhsuk-table__header scope="col" { a href=(sort_href(filter, "participant", found.request.size)) { "Participant" } }
                    th.nhsuk-table__header scope="col" { "Ref" } th.nhsuk-table__header scope="col" { "Milestone" } th.nhsuk-table__header scope="col" { "Category" }
                    th.nhsuk-table__header scope="col" { a href=(sort_href(filter, "baseline", found.request.size)) { "Baseline" } }
                    th.nhsuk-table__header scope="col" { a href=(sort_href(filter, "forecast", found.request.size)) { "Forecast" } }
                    th.nhsuk-table__header scope="col" { "Actual" }
                    th.nhsuk-table__header scope="col" { a href=(sort_href(filter, "slippage", found.request.size)) { "Slippage" } }
                    th.nhsuk-table__header scope="col" { "Status" }
                } }
                tbody.nhsuk-table__body {
                    @if rows.is_empty() { tr.nhsuk-table__row { td.nhsuk-table__cell colspan="9" { "No milestones match these filters." } } }
                    @for r in rows {
                        tr.nhsuk-table__row {
                            td.nhsuk-table__cell { a href={ "/participants/" (r.ods_code) } { (r.ods_code) } }
                            td.nhsuk-table__cell { a href={ "/milestones/" (r.id) } { (r.reference) } }
                            td.nhsuk-table__cell { (r.title) @if r.illustrative { " " (illustrative_tag()) } }
                            td.nhsuk-table__cell { (r.category.label()) }
                            td.nhsuk-table__cell { (date(r.baseline_on)) }
                            td.nhsuk-table__cell { (optional_date(r.forecast_on)) }
                            td.nhsuk-table__cell { (optional_date(r.actual_on)) }
                            td.nhsuk-table__cell { (slippage(r.slippage_days)) }
                            td.nhsuk-table__cell { (r.status.label()) " " (timeliness_tag(r.timeliness)) }
                        }
                    }
                }
            }
            (controls(&pager, found))
        },
    )
}

/// A header link sorting by `key`, keeping the filters and the page size
/// (and starting again at page 1).
fn sort_href(filter: &MilestoneFilterValues, key: &str, size: u32) -> String {
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
    pairs.push(("size", size.to_string()));
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
                    button.nhsuk-button type="submit" { "Add milestone" }
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
            dl.nhsuk-summary-list #milestone-summary {
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Participant" } dd.nhsuk-summary-list__value { (r.participant_name) " (" (r.ods_code) ")" } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Category" } dd.nhsuk-summary-list__value { (r.category.label()) } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Baseline" } dd.nhsuk-summary-list__value { (date(r.baseline_on)) } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Forecast" } dd.nhsuk-summary-list__value { (optional_date(r.forecast_on)) } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Actual" } dd.nhsuk-summary-list__value { (optional_date(r.actual_on)) } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Slippage" } dd.nhsuk-summary-list__value { (slippage(r.slippage_days)) } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Status" } dd.nhsuk-summary-list__value { (r.status.label()) " " (timeliness_tag(r.timeliness)) } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Signed off" } dd.nhsuk-summary-list__value { (optional_date(d.signed_off_on)) } }
                @if r.illustrative { div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Provenance" } dd.nhsuk-summary-list__value { strong.nhsuk-tag.nhsuk-tag--grey { "Illustrative" } } } }
            }
            @if d.office && d.signed_off_on.is_none() {
                h2 { "Update progress" }
                form.narrow method="post" action={ "/milestones/" (r.id) "/progress" } novalidate {
                    (csrf_field(chrome))
                    input type="hidden" name="version" value=(d.version);
                    (input(text("forecast_on", "Forecast date", &p.progress.forecast_on, Some(DATE_HINT)), errors))
                    (select("status", "Status", &options(MilestoneStatus::ALL, MilestoneStatus::code, MilestoneStatus::label), &p.progress.status, "Select a status", errors))
                    (input(text("actual_on", "Actual date (when complete)", &p.progress.actual_on, Some(DATE_HINT)), errors))
                    button.nhsuk-button type="submit" { "Save progress" }
                }
                h2 { "Sign off" }
                form.narrow method="post" action={ "/milestones/" (r.id) "/sign-off" } novalidate {
                    (csrf_field(chrome))
                    input type="hidden" name="version" value=(d.version);
                    (input(text("signed_off_on", "Sign-off date (defaults to today)", "", Some("A milestone can be signed off once it is complete with an actual date. For example, 31/03/2019")), errors))
                    button.nhsuk-button type="submit" { "Sign off as complete" }
                }
            }
            h2 { "Baseline changes" }
            @if let Some((proposed, reason)) = &d.pending {
                p.nhsuk-u-font-weight-bold.warning { "A change to " (date(*proposed)) " is awaiting a decision: " (reason) " " a href="/change-requests" { "Review change requests" } }
            } @else if d.can_request {
                form.narrow method="post" action={ "/milestones/" (r.id) "/baseline-requests" } novalidate {
                    (csrf_field(chrome))
                    (input(text("proposed_baseline_on", "Proposed new baseline", &p.baseline.proposed_baseline_on, Some(DATE_HINT)), errors))
                    div class={ "nhsuk-form-group" @if errors.iter().any(|e| e.field == "reason") { " nhsuk-form-group--error" } } {
                        label.nhsuk-label for="reason" { "Reason" }
                        @for e in errors.iter().filter(|e| e.field == "reason") {
                            p.nhsuk-error-message id="reason-error" { span.nhsuk-u-visually-hidden { "Error: " } (e.message) }
                        }
                        textarea.nhsuk-textarea #reason name="reason" rows="3" { (p.baseline.reason) }
                    }
                    button.nhsuk-button type="submit" { "Request baseline change" }
                }
            }
            @if !d.requests.is_empty() {
                table.nhsuk-table #baseline-requests {
                    caption.nhsuk-table__caption { "Baseline change requests for " (r.reference) }
                    thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "From" } th.nhsuk-table__header scope="col" { "To" } th.nhsuk-table__header scope="col" { "Reason" } th.nhsuk-table__header scope="col" { "Decision" } th.nhsuk-table__header scope="col" { "Comment" } } }
                    tbody.nhsuk-table__body {
                        @for q in &d.requests {
                            tr.nhsuk-table__row { td.nhsuk-table__cell { (date(q.previous)) } td.nhsuk-table__cell { (date(q.proposed)) } td.nhsuk-table__cell { (q.reason) } td.nhsuk-table__cell { (q.status) } td.nhsuk-table__cell { @if let Some(c) = &q.comment { (c) } } }
                        }
                    }
                }
            }
            h2 { "History" }
            (super::audit::table(&d.history, &format!("Recorded changes to {}", r.reference)))
        },
    )
}
