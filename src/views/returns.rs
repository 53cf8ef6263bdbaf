//! Returns: the review queue, periods, one return (form, read-only record or
//! review), a participant's history and the comparison of two periods.
use maud::{Markup, html};

use super::components::{date, illustrative_tag, optional_date, slippage};
use super::forms::{error_summary, input, select};
use super::layout::{Chrome, Nav, csrf_field, page};
use super::manage::{options, text};
use super::pagination::{Pager, controls, summary, thousands};
use crate::domain::dates::FORM_DATE_HINT;
use crate::domain::milestone::MilestoneStatus;
use crate::domain::pagination::DEFAULT_PAGE_SIZE;
use crate::domain::rating::{Rating, RatingScale};
use crate::domain::reporting::{Frequency, ReportState, ReturnStatus};
use crate::services::FieldError;
use crate::services::audit_log::HistoryEntry;
use crate::services::returns::{
    ApprovalPreview, MAX_RISKS, Period, PeriodForm, Queue, QueueRow, ReturnData, RiskRow,
    posted_risks,
};

pub fn rating_tag(r: Option<Rating>) -> Markup {
    match r {
        None => html! { span.nhsuk-u-secondary-text-colour { "—" } },
        Some(r) => {
            let class = match r {
                Rating::Red => "red",
                Rating::AmberRed => "orange",
                Rating::Amber => "yellow",
                Rating::AmberGreen => "blue",
                Rating::Green => "green",
            };
            super::components::tag(r.label(), class)
        }
    }
}

pub fn state_tag(s: ReportState) -> Markup {
    let class = match s {
        ReportState::NotReported => "red",
        ReportState::Is(ReturnStatus::Draft) => "grey",
        ReportState::Is(ReturnStatus::Submitted) => "blue",
        ReportState::Is(ReturnStatus::Returned) => "orange",
        ReportState::Is(ReturnStatus::Approved) => "green",
    };
    super::components::tag(s.label(), class)
}

fn return_href(r: &QueueRow) -> String {
    r.period.return_path(&r.ods_code)
}

/// A header of the latest-period table: a link sorting by it, `aria-sort`
/// on the sorted one.
fn standing_header(
    order: crate::domain::table_sort::SortOrder<crate::domain::table_sort::StandingColumn>,
    key: crate::domain::table_sort::StandingColumn,
    label: &str,
    size: u32,
) -> Markup {
    use crate::domain::table_sort::Column;
    let next = order.toggled(key);
    let aria = order.aria_sort(key);
    // A chosen page size is kept; sorting starts again at the first page.
    let size = if size == DEFAULT_PAGE_SIZE {
        String::new()
    } else {
        format!("&size={size}")
    };
    html! {
        th.nhsuk-table__header scope="col" aria-sort=[aria] {
            a href={ "/returns?sort=" (key.code()) "&dir=" (next.dir_code()) (size) "#latest-period" } {
                (label)
                @if let Some(a) = aria {
                    span.nhsuk-u-visually-hidden { ", sorted " (a) }
                    span aria-hidden="true" { @if order.descending { " ▼" } @else { " ▲" } }
                }
            }
        }
    }
}

/// The query parameters every page link of the queue keeps: the sort and
/// the other tables' pages.
fn queue_keep(
    q: &Queue,
    sort: crate::domain::table_sort::SortOrder<crate::domain::table_sort::StandingColumn>,
    except: &str,
) -> Vec<(&'static str, String)> {
    use crate::domain::table_sort::Column;
    let mut keep = vec![
        ("sort", sort.key.code().to_owned()),
        ("dir", sort.dir_code().to_owned()),
    ];
    let latest = q.latest.as_ref().map(|(_, p)| p.request);
    for (name, size_name, request) in [
        ("review_page", "review_size", Some(q.review.request)),
        ("overdue_page", "overdue_size", Some(q.overdue.request)),
        ("page", "size", latest),
    ] {
        if name == except {
            continue;
        }
        if let Some(r) = request {
            keep.push((name, r.page.to_string()));
            keep.push((size_name, r.size.to_string()));
        }
    }
    keep
}

fn queue_pager<'a>(
    q: &Queue,
    sort: crate::domain::table_sort::SortOrder<crate::domain::table_sort::StandingColumn>,
    page_param: &'static str,
    size_param: &'static str,
    anchor: &'a str,
    noun: &'a str,
) -> Pager<'a> {
    Pager {
        path: "/returns",
        keep: queue_keep(q, sort, page_param),
        page_param,
        size_param,
        anchor: Some(anchor),
        noun,
        id: anchor,
    }
}

pub fn queue(
    chrome: &Chrome,
    q: &Queue,
    office: bool,
    sort: crate::domain::table_sort::SortOrder<crate::domain::table_sort::StandingColumn>,
) -> Markup {
    use crate::domain::table_sort::StandingColumn;
    let submitted = &q.review.rows;
    let overdue = &q.overdue.rows;
    page(
        "Returns",
        Nav::Returns,
        chrome,
        html! {
            h1 { "Returns" }
            @if office { p { a href="/periods" { "Reporting periods" } } }
            h2 { "Awaiting review" }
            table.nhsuk-table #review-queue {
                caption.nhsuk-table__caption { (thousands(q.review.total)) " submitted returns. A flag marks a suggested rating that differs from the trust's." }
                thead.nhsuk-table__head { tr.nhsuk-table__row {
                    th.nhsuk-table__header scope="col" { "Period" } th.nhsuk-table__header scope="col" { "Trust" } th.nhsuk-table__header scope="col" { "Trust's rating" }
                    th.nhsuk-table__header scope="col" { "Suggested" } th.nhsuk-table__header scope="col" { "Check" }
                } }
                tbody.nhsuk-table__body {
                    @if submitted.is_empty() { tr.nhsuk-table__row { td.nhsuk-table__cell colspan="5" { "Nothing is awaiting review." } } }
                    @for r in submitted {
                        tr.nhsuk-table__row {
                            td.nhsuk-table__cell { (r.period.label) }
                            td.nhsuk-table__cell { a href=(return_href(r)) { (r.name) " (" (r.ods_code) ")" } }
                            td.nhsuk-table__cell { (rating_tag(r.self_rating)) }
                            td.nhsuk-table__cell { (rating_tag(r.suggested)) }
                            td.nhsuk-table__cell { @if r.disagreement() { strong.nhsuk-tag.nhsuk-tag--orange { "Ratings disagree" } } }
                        }
                    }
                }
            }
            @if q.review.pages() > 1 {
                (controls(&queue_pager(q, sort, "review_page", "review_size", "review-queue", "returns awaiting review"), &q.review))
            }
            h2 { "Not reported (overdue)" }
            table.nhsuk-table #overdue {
                caption.nhsuk-table__caption { (thousands(q.overdue.total)) " returns past their due date and not submitted" }
                thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Period" } th.nhsuk-table__header scope="col" { "Due" } th.nhsuk-table__header scope="col" { "Trust" } th.nhsuk-table__header scope="col" { "State" } } }
                tbody.nhsuk-table__body {
                    @if overdue.is_empty() { tr.nhsuk-table__row { td.nhsuk-table__cell colspan="4" { "None." } } }
                    @for r in overdue {
                        tr.nhsuk-table__row {
                            td.nhsuk-table__cell { (r.period.label) }
                            td.nhsuk-table__cell { (date(r.period.due_on)) }
                            td.nhsuk-table__cell { a href=(return_href(r)) { (r.name) " (" (r.ods_code) ")" } }
                            td.nhsuk-table__cell { (state_tag(r.state)) }
                        }
                    }
                }
            }
            @if q.overdue.pages() > 1 {
                (controls(&queue_pager(q, sort, "overdue_page", "overdue_size", "overdue", "overdue returns"), &q.overdue))
            }
            @if let Some((period, latest)) = &q.latest {
                @if !latest.rows.is_empty() {
                    h2 { "Latest period: " (period.label) }
                    p.downloads #return-downloads {
                        a href=(format!("/export/return-lines?{}", serde_urlencoded::to_string([("period", period.slug.as_str())]).unwrap_or_default())) download { "Download CSV" }
                        " (the milestone lines of this period's returns, as the import reads them)"
                    }
                    table.nhsuk-table #latest-period {
                        caption.nhsuk-table__caption { "Every participant's return for " (period.label) ", due " (date(period.due_on)) ". " (summary(latest, "participants")) }
                        thead.nhsuk-table__head { tr.nhsuk-table__row {
                            (standing_header(sort, StandingColumn::Trust, "Trust", latest.request.size))
                            (standing_header(sort, StandingColumn::State, "State", latest.request.size))
                            (standing_header(sort, StandingColumn::TrustRating, "Trust's rating", latest.request.size))
                            (standing_header(sort, StandingColumn::OfficeRating, "Office rating", latest.request.size))
                        } }
                        tbody.nhsuk-table__body {
                            @for r in &latest.rows {
                                tr.nhsuk-table__row {
                                    td.nhsuk-table__cell { a href=(return_href(r)) { (r.name) " (" (r.ods_code) ")" } }
                                    td.nhsuk-table__cell { (state_tag(r.state)) }
                                    td.nhsuk-table__cell { (rating_tag(r.self_rating)) }
                                    td.nhsuk-table__cell { (rating_tag(r.office_rating)) }
                                }
                            }
                        }
                    }
                    (controls(&queue_pager(q, sort, "page", "size", "latest-period", "participants"), latest))
                }
            }
        },
    )
}

pub fn periods(
    chrome: &Chrome,
    periods: &[Period],
    v: &PeriodForm,
    errors: &[FieldError],
) -> Markup {
    page(
        "Reporting periods",
        Nav::Returns,
        chrome,
        html! {
            (error_summary(errors))
            p.breadcrumb { a href="/returns" { "Returns" } }
            h1 { "Reporting periods" }
            table.nhsuk-table #periods {
                caption.nhsuk-table__caption { (periods.len()) " periods" }
                thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Period" } th.nhsuk-table__header scope="col" { "From" } th.nhsuk-table__header scope="col" { "To" } th.nhsuk-table__header scope="col" { "Due" } th.nhsuk-table__header scope="col" { "Status" } } }
                tbody.nhsuk-table__body {
                    @for p in periods {
                        tr.nhsuk-table__row { td.nhsuk-table__cell { (p.label) } td.nhsuk-table__cell { (date(p.starts_on)) } td.nhsuk-table__cell { (date(p.ends_on)) } td.nhsuk-table__cell { (date(p.due_on)) } td.nhsuk-table__cell { (p.status.label()) } }
                    }
                }
            }
            h2 { "Open a period" }
            form.narrow method="post" action="/periods" novalidate {
                (csrf_field(chrome))
                (select("frequency", "Frequency", &options(Frequency::ALL, Frequency::code, Frequency::label), &v.frequency, "Select", errors))
                @let (year_label, year_hint, number_label, number_hint) = period_wording(&v.frequency);
                (input(text("year", year_label, &v.year, Some(year_hint)), errors))
                (input(text("number", number_label, &v.number, Some(number_hint)), errors))
                (input(text("due_on", "Returns due on", &v.due_on, Some(FORM_DATE_HINT)), errors))
                button.nhsuk-button type="submit" { "Open period" }
            }
        },
    )
}

/// The year and number questions say what they mean for the frequency
/// chosen (a form shown again knows it); before a choice, both meanings.
fn period_wording(frequency: &str) -> (&'static str, &'static str, &'static str, &'static str) {
    match Frequency::from_code(frequency) {
        Ok(Frequency::Quarterly) => (
            "Financial year starting in April of",
            "For example, 2019 for 2019/20 (April 2019 to March 2020)",
            "Quarter",
            "1 to 4: Q1 is April to June, Q4 is January to March",
        ),
        Ok(Frequency::Monthly) => (
            "Calendar year",
            "For example, 2019 for January to December 2019",
            "Month",
            "1 to 12: 1 is January",
        ),
        Err(_) => (
            "Year: the financial year starting in April of (quarterly), or the calendar year (monthly)",
            "Quarterly: 2019 means 2019/20, April 2019 to March 2020. Monthly: 2019 means January to December 2019.",
            "Quarter (1 to 4) or month (1 to 12)",
            "Q1 is April to June, Q4 is January to March; month 1 is January",
        ),
    }
}

/// What the return page lets this person do.
pub struct ReturnAccess {
    pub can_edit: bool,
    pub can_review: bool,
}

fn status_options() -> Vec<(String, String)> {
    options(
        MilestoneStatus::ALL,
        MilestoneStatus::code,
        MilestoneStatus::label,
    )
}

fn rating_options(scale: RatingScale) -> Vec<(String, String)> {
    scale
        .ratings()
        .iter()
        .map(|r| (r.code().to_owned(), r.label().to_owned()))
        .collect()
}

pub fn return_page(
    chrome: &Chrome,
    d: &ReturnData,
    access: &ReturnAccess,
    history: &[HistoryEntry],
    posted: Option<&[(String, String)]>,
    errors: &[FieldError],
) -> Markup {
    let ods = d.trust.ods_code.clone();
    let value = |name: &str, stored: String| -> String {
        match posted {
            Some(pairs) => crate::services::returns::field(pairs, name).to_owned(),
            None => stored,
        }
    };
    let state = d.state();
    let risks = risk_rows(d, posted);
    let shown = shown_fields(d, access, risks.len());
    let orphans: Vec<&FieldError> = errors
        .iter()
        .filter(|e| !shown.contains(&*e.field))
        .collect();
    let in_page_order = in_page_order(d, errors, &shown);
    page(
        &format!("{} return, {}", ods, d.period.label),
        Nav::Returns,
        chrome,
        html! {
            (error_summary(&in_page_order))
            p.breadcrumb { a href={ "/participants/" (ods) "/returns" } { (d.trust.name) ": returns" } }
            h1 { (d.trust.name) ": return for " (d.period.label) }
            (orphan_errors(&orphans))
            dl.nhsuk-summary-list #return-summary {
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Status" } dd.nhsuk-summary-list__value { (state_tag(state)) } }
                @if d.illustrative { div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Provenance" } dd.nhsuk-summary-list__value #provenance { (illustrative_tag()) " invented for demonstration, not a real trust's report" } } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Period" } dd.nhsuk-summary-list__value { (date(d.period.starts_on)) " to " (date(d.period.ends_on)) "; due " (date(d.period.due_on)) } }
                @if let Some(c) = &d.office_comment { div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Programme office comment" } dd.nhsuk-summary-list__value #office-comment { (c) } } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Suggested rating" } dd.nhsuk-summary-list__value #suggested {
                    (rating_tag(Some(d.suggestion.rating)))
                    ul { @for reason in &d.suggestion.reasons { li { (reason) } } }
                } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Trust's rating" } dd.nhsuk-summary-list__value { (rating_tag(d.self_rating)) } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Office rating" } dd.nhsuk-summary-list__value { (rating_tag(d.office_rating)) } }
            }
            @if access.can_edit {
                p #return-spreadsheet { a href={ (d.period.return_path(&ods)) "/import" } { "Import the milestone lines from a spreadsheet" } }
                form method="post" action=(d.period.return_path(&ods)) novalidate {
                    (csrf_field(chrome))
                    // Pressing Enter in a field saves the draft: the first
                    // submit button of a form is the one Enter presses.
                    button.nhsuk-u-visually-hidden type="submit" name="action" value="save" tabindex="-1" aria-hidden="true" { "Save as draft" }
                    input type="hidden" name="version" value=(posted_or(posted, "version", d.version.to_string()));
                    h2 { "Milestones" }
                    table.nhsuk-table #return-milestones {
                        caption.nhsuk-table__caption { "Forecast, status and comment for each open milestone. For a completed milestone give the date it was completed." }
                        thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Milestone" } th.nhsuk-table__header scope="col" { "Baseline" } th.nhsuk-table__header scope="col" { "Forecast or completion date" } th.nhsuk-table__header scope="col" { "Status" } th.nhsuk-table__header scope="col" { "Comment" } } }
                        tbody.nhsuk-table__body {
                            @for l in &d.lines {
                                @let f = format!("m_{}_forecast", l.milestone_id);
                                @let s = format!("m_{}_status", l.milestone_id);
                                @let c = format!("m_{}_comment", l.milestone_id);
                                @let fv = value(&f, l.forecast_on.map(|d| d.to_string()).unwrap_or_default());
                                @let sv = value(&s, l.status.map(|s| s.code().to_owned()).unwrap_or_default());
                                @let cv = value(&c, l.comment.clone().unwrap_or_default());
                                tr.nhsuk-table__row {
                                    th.nhsuk-table__header scope="row" { (l.reference) ": " (l.title) }
                                    td.nhsuk-table__cell { (date(l.baseline_on)) }
                                    td.nhsuk-table__cell {
                                        label.nhsuk-label.nhsuk-u-visually-hidden for=(f) { "Forecast date for " (l.reference) }
                                        div.nhsuk-hint id={ (f) "-hint" } { (FORM_DATE_HINT) }
                                        (field_error(&f, errors))
                                        input.nhsuk-input id=(f) name=(f) type="text" value=(fv) autocomplete="off" spellcheck="false"
                                            aria-describedby=(described_by(&f, true, errors))
                                            aria-invalid=[invalid(&f, errors)];
                                    }
                                    td.nhsuk-table__cell {
                                        label.nhsuk-label.nhsuk-u-visually-hidden for=(s) { "Status of " (l.reference) }
                                        (field_error(&s, errors))
                                        select.nhsuk-select id=(s) name=(s)
                                            aria-describedby=[has_error(&s, errors).then(|| described_by(&s, false, errors))]
                                            aria-invalid=[invalid(&s, errors)] {
                                            option value="" { "Select" }
                                            @for (code, label) in status_options() { option value=(code) selected[code == sv] { (label) } }
                                        }
                                    }
                                    td.nhsuk-table__cell {
                                        label.nhsuk-label.nhsuk-u-visually-hidden for=(c) { "Comment on " (l.reference) }
                                        (field_error(&c, errors))
                                        input.nhsuk-input id=(c) name=(c) type="text" value=(cv) autocomplete="off"
                                            aria-describedby=[has_error(&c, errors).then(|| described_by(&c, false, errors))]
                                            aria-invalid=[invalid(&c, errors)];
                                    }
                                }
                            }
                        }
                    }
                    h2 { "Spend and confidence" }
                    (input(text("spend_to_date", "Actual spend to date (£)", &value("spend_to_date", d.spend.map(|p| p.plain()).unwrap_or_default()), Some("Pounds and pence")), errors))
                    (select_named("self_rating".into(), "Delivery confidence", &rating_options(d.scale), &value("self_rating", d.self_rating.map(|r| r.code().to_owned()).unwrap_or_default()), "Select a rating", errors))
                    (textarea("rating_justification", "Why this rating", &value("rating_justification", d.rating_justification.clone().unwrap_or_default()), errors))
                    (textarea("narrative", "Progress this period", &value("narrative", d.narrative.clone().unwrap_or_default()), errors))
                    h2 { "Risks and issues" }
                    p.nhsuk-hint #risks-hint { "One block a risk or issue. A block left empty is not saved." }
                    @for (i, row) in risks.iter().enumerate() {
                        @let n = i + 1;
                        fieldset.nhsuk-fieldset.risk id={ "risk-" (n) } {
                            legend.nhsuk-fieldset__legend.nhsuk-fieldset__legend--s { "Risk " (n) }
                            (textarea_named(format!("risk_{n}_description"), "Description", &row.description, errors))
                            (select_named(format!("risk_{n}_rating"), "Rating", &rating_options(d.scale), &row.rating, "Select", errors))
                            (textarea_named(format!("risk_{n}_mitigation"), "Mitigation", &row.mitigation, errors))
                            @if risks.len() > 1 || !row.is_blank() {
                                button.nhsuk-button.nhsuk-button--secondary.nhsuk-button--small type="submit" name="action" value={ "remove_risk_" (n) } {
                                    "Remove" span.nhsuk-u-visually-hidden { " risk " (n) }
                                }
                            }
                        }
                    }
                    @if risks.len() < MAX_RISKS {
                        p { button.nhsuk-button.nhsuk-button--secondary type="submit" name="action" value="add_risk" { "Add another risk" } }
                    }
                    @if has_error("action", errors) {
                        div.nhsuk-form-group.nhsuk-form-group--error { (field_error("action", errors)) }
                    }
                    div.form-actions {
                        button.nhsuk-button.nhsuk-button--secondary #action type="submit" name="action" value="save"
                            aria-describedby=[has_error("action", errors).then_some("action-error")] { "Save as draft" }
                        button.nhsuk-button type="submit" name="action" value="submit" { "Submit to the programme office" }
                    }
                }
            } @else {
                (read_only(d))
            }
            @if access.can_review {
                (review_form(chrome, d, &ods, posted, errors))
            }
            @if let Some(prev) = &d.previous {
                (changes_since(d, prev))
            }
            @if d.started() {
                h2 #history { "History" }
                (super::audit::table(history, &format!("Recorded changes to this return for {}", d.period.label)))
            }
        },
    )
}

/// The risk blocks to show: as posted (a form shown again, or one block
/// added or removed), else the saved risks plus one empty block.
fn risk_rows(d: &ReturnData, posted: Option<&[(String, String)]>) -> Vec<RiskRow> {
    let mut rows = match posted {
        Some(pairs) => posted_risks(pairs),
        None => {
            let mut rows: Vec<RiskRow> = d
                .risks
                .iter()
                .map(|r| RiskRow {
                    description: r.description.clone(),
                    rating: r.rating.code().to_owned(),
                    mitigation: r.mitigation.clone().unwrap_or_default(),
                })
                .collect();
            if rows.len() < MAX_RISKS {
                rows.push(RiskRow::default());
            }
            rows
        }
    };
    if rows.is_empty() {
        rows.push(RiskRow::default());
    }
    rows
}

/// The ids of the fields this page shows, so every error is linked to one.
fn shown_fields(
    d: &ReturnData,
    access: &ReturnAccess,
    risks: usize,
) -> std::collections::HashSet<String> {
    let mut shown = std::collections::HashSet::new();
    if access.can_edit {
        for name in [
            "action",
            "spend_to_date",
            "self_rating",
            "rating_justification",
            "narrative",
        ] {
            shown.insert(name.to_owned());
        }
        for l in &d.lines {
            for part in ["forecast", "status", "comment"] {
                shown.insert(format!("m_{}_{part}", l.milestone_id));
            }
        }
        for n in 1..=risks {
            for part in ["description", "rating", "mitigation"] {
                shown.insert(format!("risk_{n}_{part}"));
            }
        }
    }
    if access.can_review {
        for name in ["decision", "office_rating", "office_comment"] {
            shown.insert(name.to_owned());
        }
    }
    shown
}

/// The errors in the order their fields appear, so the summary reads down the page.
fn in_page_order(
    d: &ReturnData,
    errors: &[FieldError],
    shown: &std::collections::HashSet<String>,
) -> Vec<FieldError> {
    let position = |field: &str| -> usize {
        if !shown.contains(field) {
            return 0;
        }
        for (i, l) in d.lines.iter().enumerate() {
            for (j, part) in ["forecast", "status", "comment"].iter().enumerate() {
                if field == format!("m_{}_{part}", l.milestone_id) {
                    return 1 + i * 3 + j;
                }
            }
        }
        let fixed = [
            "spend_to_date",
            "self_rating",
            "rating_justification",
            "narrative",
        ];
        if let Some(i) = fixed.iter().position(|f| *f == field) {
            return 100_000 + i;
        }
        if let Some((n, part)) = field
            .strip_prefix("risk_")
            .and_then(|rest| rest.split_once('_'))
            && let Ok(n) = n.parse::<usize>()
        {
            let j = ["description", "rating", "mitigation"]
                .iter()
                .position(|p| *p == part)
                .unwrap_or(0);
            return 200_000 + n * 3 + j;
        }
        let last = ["action", "office_rating", "office_comment", "decision"];
        300_000 + last.iter().position(|f| *f == field).unwrap_or(0)
    };
    let mut ordered = errors.to_vec();
    ordered.sort_by_key(|e| position(&e.field));
    ordered
}

/// Errors about something this page no longer offers (a return submitted
/// or reviewed meanwhile): shown at the top, where the summary links.
fn orphan_errors(orphans: &[&FieldError]) -> Markup {
    let mut fields: Vec<&str> = Vec::new();
    for e in orphans {
        if !fields.contains(&&*e.field) {
            fields.push(&e.field);
        }
    }
    html! {
        @for field in fields {
            div.nhsuk-form-group.nhsuk-form-group--error id=(field) tabindex="-1" {
                p.nhsuk-error-message id={ (field) "-error" } {
                    @for e in orphans.iter().filter(|e| e.field == field) {
                        span.nhsuk-u-visually-hidden { "Error: " } (e.message) " "
                    }
                }
            }
        }
    }
}

fn has_error(name: &str, errors: &[FieldError]) -> bool {
    errors.iter().any(|e| e.field == name)
}

fn invalid(name: &str, errors: &[FieldError]) -> Option<&'static str> {
    has_error(name, errors).then_some("true")
}

/// The ids of a field's hint (if it has one) and error message (if any).
fn described_by(name: &str, hint: bool, errors: &[FieldError]) -> String {
    let mut ids = Vec::new();
    if hint {
        ids.push(format!("{name}-hint"));
    }
    if has_error(name, errors) {
        ids.push(format!("{name}-error"));
    }
    ids.join(" ")
}

/// A field's error message, with the hidden "Error:" that screen readers announce.
fn field_error(name: &str, errors: &[FieldError]) -> Markup {
    html! {
        @if let Some(e) = errors.iter().find(|e| e.field == name) {
            p.nhsuk-error-message id={ (name) "-error" } { span.nhsuk-u-visually-hidden { "Error: " } (e.message) }
        }
    }
}

fn textarea(name: &'static str, label: &str, value: &str, errors: &[FieldError]) -> Markup {
    textarea_named(name.to_owned(), label, value, errors)
}

fn textarea_named(name: String, label: &str, value: &str, errors: &[FieldError]) -> Markup {
    let error = has_error(&name, errors);
    html! {
        div class={ "nhsuk-form-group" @if error { " nhsuk-form-group--error" } } {
            label.nhsuk-label for=(name) { (label) }
            (field_error(&name, errors))
            textarea id=(name) class={ "nhsuk-textarea" @if error { " nhsuk-textarea--error" } } name=(name) rows="3"
                aria-describedby=[error.then(|| format!("{name}-error"))]
                aria-invalid=[invalid(&name, errors)] { (value) }
        }
    }
}

fn select_named(
    name: String,
    label: &str,
    options: &[(String, String)],
    selected: &str,
    blank: &str,
    errors: &[FieldError],
) -> Markup {
    let error = has_error(&name, errors);
    html! {
        div class={ "nhsuk-form-group" @if error { " nhsuk-form-group--error" } } {
            label.nhsuk-label for=(name) { (label) }
            (field_error(&name, errors))
            select id=(name) class={ "nhsuk-select" @if error { " nhsuk-select--error" } } name=(name)
                aria-describedby=[error.then(|| format!("{name}-error"))]
                aria-invalid=[invalid(&name, errors)] {
                option value="" { (blank) }
                @for (v, t) in options { option value=(v) selected[v == selected] { (t) } }
            }
        }
    }
}

fn read_only(d: &ReturnData) -> Markup {
    html! {
        @if !d.started() {
            p #not-reported { strong { "Not reported." } " No return has been started for this period." }
        } @else {
            h2 { "Milestones as reported" }
            table.nhsuk-table #return-milestones {
                caption.nhsuk-table__caption { "Milestones as reported for " (d.period.label) }
                thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Milestone" } th.nhsuk-table__header scope="col" { "Baseline" } th.nhsuk-table__header scope="col" { "Forecast" } th.nhsuk-table__header scope="col" { "Slippage" } th.nhsuk-table__header scope="col" { "Status" } th.nhsuk-table__header scope="col" { "Comment" } } }
                tbody.nhsuk-table__body {
                    @for l in &d.lines {
                        tr.nhsuk-table__row {
                            th.nhsuk-table__header scope="row" { (l.reference) ": " (l.title) }
                            td.nhsuk-table__cell { (date(l.baseline_on)) }
                            td.nhsuk-table__cell { (optional_date(l.forecast_on)) }
                            td.nhsuk-table__cell { (slippage(crate::domain::milestone::slippage_days(l.baseline_on, l.forecast_on, None))) }
                            td.nhsuk-table__cell { @if let Some(s) = l.status { (s.label()) } }
                            td.nhsuk-table__cell { @if let Some(c) = &l.comment { (c) } }
                        }
                    }
                }
            }
            dl.nhsuk-summary-list #return-content {
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Spend to date" } dd.nhsuk-summary-list__value { @match d.spend { Some(p) => (p.to_string()), None => span.nhsuk-u-secondary-text-colour { "Not given" } } } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Why this rating" } dd.nhsuk-summary-list__value { @if let Some(j) = &d.rating_justification { (j) } } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Progress" } dd.nhsuk-summary-list__value { @if let Some(n) = &d.narrative { (n) } } }
            }
            @if !d.risks.is_empty() {
                table.nhsuk-table #return-risks {
                    caption.nhsuk-table__caption { "Risks and issues" }
                    thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Risk" } th.nhsuk-table__header scope="col" { "Rating" } th.nhsuk-table__header scope="col" { "Mitigation" } } }
                    tbody.nhsuk-table__body { @for r in &d.risks { tr.nhsuk-table__row { td.nhsuk-table__cell { (r.description) } td.nhsuk-table__cell { (rating_tag(Some(r.rating))) } td.nhsuk-table__cell { @if let Some(m) = &r.mitigation { (m) } } } } }
                }
            }
        }
    }
}

/// A hidden version as posted, so a re-shown form still detects changes
/// made since the page was first built; the stored one when none was posted.
fn posted_or(posted: Option<&[(String, String)]>, name: &str, stored: String) -> String {
    match posted.map(|p| crate::services::returns::field(p, name).trim()) {
        Some(v) if !v.is_empty() => v.to_owned(),
        _ => stored,
    }
}

/// What approving would do to each live milestone, so nothing is overwritten unseen.
fn approval_changes(d: &ReturnData) -> Markup {
    html! {
        table.nhsuk-table #approval-changes {
            caption.nhsuk-table__caption { "Approving sets each live milestone to what the trust reported" }
            thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Milestone" } th.nhsuk-table__header scope="col" { "Live now" } th.nhsuk-table__header scope="col" { "As reported" } th.nhsuk-table__header scope="col" { "On approval" } } }
            tbody.nhsuk-table__body {
                @for l in &d.lines {
                    @if let Some(reported) = l.status {
                        @let forecast = l.forecast_on.or(l.live_forecast_on);
                        tr.nhsuk-table__row {
                            th.nhsuk-table__header scope="row" { (l.reference) }
                            td.nhsuk-table__cell { (optional_date(l.live_forecast_on)) " " (l.live_status.label()) }
                            td.nhsuk-table__cell { (optional_date(l.forecast_on)) " " (reported.label()) }
                            td.nhsuk-table__cell {
                                @if l.signed_off { "Signed off: stays as it is" }
                                @else if forecast == l.live_forecast_on && reported == l.live_status { "No change" }
                                @else if let Some(newer) = &l.newer {
                                    span.kept-newer {
                                        strong { "Stays at " (optional_date(l.live_forecast_on)) " " (l.live_status.label()) }
                                        ": newer than this return ("
                                        @match newer {
                                            crate::domain::approval::Newer::LaterReturn { period, .. } => { "reported in the approved " (period) " return" }
                                            crate::domain::approval::Newer::RecordedAfter { at } => { "recorded on " (optional_date(Some(at.date()))) ", after this return was submitted" }
                                        }
                                        "), so approving will not overwrite it"
                                    }
                                }
                                @else { strong { "Changes" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn review_form(
    chrome: &Chrome,
    d: &ReturnData,
    ods: &str,
    posted: Option<&[(String, String)]>,
    errors: &[FieldError],
) -> Markup {
    let value = |name: &str| {
        posted
            .map(|p| crate::services::returns::field(p, name).to_owned())
            .unwrap_or_default()
    };
    let posted_or = |name: &str, stored: String| posted_or(posted, name, stored);
    html! {
        h2 #review { "Programme office review" }
        form.narrow method="post" action={ (d.period.return_path(ods)) "/review" } novalidate {
            (csrf_field(chrome))
            input type="hidden" name="version" value=(posted_or("version", d.version.to_string()));
            @for l in &d.lines {
                @let name = format!("m_{}_version", l.milestone_id);
                input type="hidden" name=(name) value=(posted_or(&name, l.milestone_version.to_string()));
            }
            (approval_changes(d))
            (select_named("office_rating".into(), "Programme office rating", &rating_options(d.scale), &value("office_rating"), "Select a rating", errors))
            (textarea("office_comment", "Comment (required to return it)", &value("office_comment"), errors))
            p.nhsuk-hint #decision-hint { "Approving asks you to confirm first, on a page that says what will change." }
            @if has_error("decision", errors) {
                div.nhsuk-form-group.nhsuk-form-group--error { (field_error("decision", errors)) }
            }
            div.form-actions {
                button.nhsuk-button #decision type="submit" name="decision" value="approve"
                    aria-describedby=(described_by("decision", true, errors)) { "Approve" }
                button.nhsuk-button.nhsuk-button--warning type="submit" name="decision" value="return" { "Return for changes" }
            }
        }
    }
}

/// Approving, confirmed: what will happen (the office's rating, each live
/// milestone's forecast and status from and to, the return frozen), with
/// the versions the review page was built from, and a way back.
pub fn confirm_approval(chrome: &Chrome, p: &ApprovalPreview) -> Markup {
    let d = &p.data;
    let back = d.period.return_path(&d.trust.ods_code);
    let said = |forecast: Option<time::Date>, status: MilestoneStatus| {
        html! { (optional_date(forecast)) ", " (status.label()) }
    };
    page(
        &format!(
            "Approve {}'s return for {}?",
            d.trust.ods_code, d.period.label
        ),
        Nav::Returns,
        chrome,
        html! {
            p.breadcrumb { a href=(back) { (d.trust.name) ": return for " (d.period.label) } }
            h1 { "Approve " (d.trust.name) "'s return for " (d.period.label) "?" }
            @if d.illustrative { p #provenance { (illustrative_tag()) " This return is illustrative: invented for demonstration, not a real trust's report." } }
            p { "Approving will:" }
            ul #approval-effects {
                li { "record the programme office rating as " (rating_tag(Some(p.office_rating))) " (the trust said " (rating_tag(d.self_rating)) ")" }
                @if p.changes.is_empty() {
                    li { "change no live milestone: every one is already as reported" }
                } @else {
                    li { "change " (p.changes.len()) " live " (if p.changes.len() == 1 { "milestone" } else { "milestones" }) " to what the trust reported, as below" }
                }
                li { "freeze the return: it becomes the record of what was reported, and cannot be changed" }
            }
            @if !p.changes.is_empty() {
                table.nhsuk-table #approval-confirm-changes {
                    caption.nhsuk-table__caption { "Live milestones that will change" }
                    thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Milestone" } th.nhsuk-table__header scope="col" { "From (now)" } th.nhsuk-table__header scope="col" { "To (as reported)" } } }
                    tbody.nhsuk-table__body {
                        @for c in &p.changes {
                            tr.nhsuk-table__row {
                                th.nhsuk-table__header scope="row" { (c.reference) ": " (c.title) }
                                td.nhsuk-table__cell { (said(c.from_forecast, c.from_status)) }
                                td.nhsuk-table__cell { (said(c.to_forecast, c.to_status)) }
                            }
                        }
                    }
                }
            }
            @if !p.unchanged.is_empty() {
                p #approval-unchanged { "Left as they are (already as reported, or signed off): " (p.unchanged.join(", ")) "." }
            }
            @if let Some(c) = &p.office_comment {
                dl.nhsuk-summary-list { div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Your comment" } dd.nhsuk-summary-list__value { (c) } } }
            }
            form method="post" action={ (back) "/review" } novalidate {
                (csrf_field(chrome))
                input type="hidden" name="decision" value="approve";
                input type="hidden" name="confirm" value="yes";
                input type="hidden" name="office_rating" value=(p.office_rating.code());
                input type="hidden" name="office_comment" value=(p.office_comment.clone().unwrap_or_default());
                input type="hidden" name="version" value=(p.version);
                @for (id, version) in &p.milestone_versions {
                    input type="hidden" name={ "m_" (id) "_version" } value=(version);
                }
                div.form-actions {
                    button.nhsuk-button #confirm type="submit" { "Confirm approval" }
                    a href={ (back) "#review" } { "Go back" }
                }
            }
        },
    )
}

fn changes_since(d: &ReturnData, prev: &ReturnData) -> Markup {
    html! {
        h2 #changes { "What changed since " (prev.period.label) " (last approved)" }
        table.nhsuk-table #changes-table {
            caption.nhsuk-table__caption { "Forecast dates and statuses: " (prev.period.label) " against " (d.period.label) }
            thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Milestone" } th.nhsuk-table__header scope="col" { (prev.period.label) } th.nhsuk-table__header scope="col" { (d.period.label) } th.nhsuk-table__header scope="col" { "Moved" } } }
            tbody.nhsuk-table__body {
                @for l in &d.lines {
                    @let before = prev.lines.iter().find(|p| p.milestone_id == l.milestone_id);
                    @let moved = match (before.and_then(|b| b.forecast_on), l.forecast_on) { (Some(a), Some(b)) => (b - a).whole_days(), _ => 0 };
                    tr.nhsuk-table__row {
                        th.nhsuk-table__header scope="row" { (l.reference) }
                        td.nhsuk-table__cell { @if let Some(b) = before { (optional_date(b.forecast_on)) " " @if let Some(s) = b.status { (s.label()) } } @else { span.nhsuk-u-secondary-text-colour { "Not in that return" } } }
                        td.nhsuk-table__cell { (optional_date(l.forecast_on)) " " @if let Some(s) = l.status { (s.label()) } }
                        td.nhsuk-table__cell { @if moved > 0 { span.late { (moved) " days later" } } @else if moved < 0 { (moved.abs()) " days earlier" } @else { "No change" } }
                    }
                }
            }
        }
        dl.nhsuk-summary-list #changes-summary {
            div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Rating" } dd.nhsuk-summary-list__value { (rating_tag(prev.office_rating.or(prev.self_rating))) " then; " (rating_tag(d.self_rating)) " now (trust)" } }
            div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Spend to date" } dd.nhsuk-summary-list__value {
                @match (prev.spend, d.spend) {
                    (Some(a), Some(b)) => { (a.to_string()) " then; " (b.to_string()) " now (" (b.saturating_sub(a).to_string()) " more)" }
                    _ => { "Not comparable" }
                }
            } }
        }
    }
}

pub fn history(chrome: &Chrome, name: &str, ods: &str, rows: &[QueueRow]) -> Markup {
    let reported: Vec<&QueueRow> = rows
        .iter()
        .filter(|r| r.state == ReportState::Is(ReturnStatus::Approved))
        .collect();
    page(
        &format!("{name}: returns"),
        Nav::Returns,
        chrome,
        html! {
            p.breadcrumb { a href={ "/participants/" (ods) } { (name) } }
            h1 { (name) ": returns" }
            table.nhsuk-table #return-history {
                caption.nhsuk-table__caption { "Every period this trust owed a return for, newest first. Approved returns are the frozen record of what was reported." }
                thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Period" } th.nhsuk-table__header scope="col" { "State" } th.nhsuk-table__header scope="col" { "Trust's rating" } th.nhsuk-table__header scope="col" { "Office rating" } } }
                tbody.nhsuk-table__body {
                    @for r in rows {
                        tr.nhsuk-table__row {
                            td.nhsuk-table__cell { a href=(r.period.return_path(ods)) { (r.period.label) } }
                            td.nhsuk-table__cell { (state_tag(r.state)) @if r.overdue { " " strong.nhsuk-tag.nhsuk-tag--red { "Overdue" } } }
                            td.nhsuk-table__cell { (rating_tag(r.self_rating)) }
                            td.nhsuk-table__cell { (rating_tag(r.office_rating)) }
                        }
                    }
                }
            }
            @if reported.len() >= 2 {
                h2 { "Compare two periods" }
                form.filters method="get" action={ "/participants/" (ods) "/compare" } {
                    (select("from", "From", &reported.iter().map(|r| (r.period.slug.clone(), r.period.label.clone())).collect::<Vec<_>>(), &reported.last().map(|r| r.period.slug.clone()).unwrap_or_default(), "Select", &[]))
                    (select("to", "To", &reported.iter().map(|r| (r.period.slug.clone(), r.period.label.clone())).collect::<Vec<_>>(), &reported.first().map(|r| r.period.slug.clone()).unwrap_or_default(), "Select", &[]))
                    div.form-actions { button.nhsuk-button type="submit" { "Compare" } }
                }
            }
        },
    )
}

pub fn compare(
    chrome: &Chrome,
    name: &str,
    ods: &str,
    from: &ReturnData,
    to: &ReturnData,
) -> Markup {
    page(
        &format!("{name}: {} against {}", from.period.label, to.period.label),
        Nav::Returns,
        chrome,
        html! {
            p.breadcrumb { a href={ "/participants/" (ods) "/returns" } { (name) ": returns" } }
            h1 { (name) ": " (from.period.label) " against " (to.period.label) }
            (changes_since(to, from))
        },
    )
}

/// The return as it stands now, for the page that says a save or review
/// lost to someone else's (409).
pub fn conflict(chrome: &Chrome, d: &ReturnData, why: &str) -> Markup {
    let mut rows = vec![
        ("What happened".to_owned(), why.to_owned()),
        ("Status".to_owned(), d.state().label().to_owned()),
        (
            "Trust's rating".to_owned(),
            d.self_rating
                .map(|r| r.label().to_owned())
                .unwrap_or_else(|| "—".into()),
        ),
        (
            "Spend to date".to_owned(),
            d.spend.map(|p| p.to_string()).unwrap_or_else(|| "—".into()),
        ),
    ];
    let said = |forecast: Option<time::Date>, status: Option<MilestoneStatus>| {
        format!(
            "{}{}",
            forecast
                .map(crate::domain::dates::display_date)
                .unwrap_or_else(|| "no forecast".into()),
            status
                .map(|s| format!(", {}", s.label()))
                .unwrap_or_default()
        )
    };
    for l in &d.lines {
        let reported = said(l.forecast_on, l.status);
        let live = said(l.live_forecast_on, Some(l.live_status));
        rows.push((
            format!("{}: {}", l.reference, l.title),
            if d.started() && reported != live {
                format!("{reported} (the live milestone now: {live})")
            } else {
                reported
            },
        ));
    }
    super::manage::conflict(
        chrome,
        "return",
        &d.period.return_path(&d.trust.ods_code),
        &rows,
    )
}
