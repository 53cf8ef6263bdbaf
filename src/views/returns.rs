//! Returns: the review queue, periods, one return (form, read-only record or
//! review), a participant's history and the comparison of two periods.
use maud::{Markup, html};

use super::components::{date, optional_date, slippage};
use super::forms::{error_summary, input, select};
use super::layout::{Chrome, Nav, csrf_field, page};
use super::manage::{DATE_HINT, options, text};
use crate::domain::milestone::MilestoneStatus;
use crate::domain::rating::{Rating, RatingScale};
use crate::domain::reporting::{Frequency, ReportState, ReturnStatus};
use crate::services::FieldError;
use crate::services::audit_log::HistoryEntry;
use crate::services::returns::{Period, PeriodForm, QueueRow, RISK_SLOTS, ReturnData};

pub fn rating_tag(r: Option<Rating>) -> Markup {
    match r {
        None => html! { span.muted { "—" } },
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
    format!("/returns/{}/{}", r.period.id, r.ods_code)
}

pub fn queue(chrome: &Chrome, rows: &[QueueRow], office: bool) -> Markup {
    let submitted: Vec<&QueueRow> = rows
        .iter()
        .filter(|r| r.state == ReportState::Is(ReturnStatus::Submitted))
        .collect();
    let overdue: Vec<&QueueRow> = rows.iter().filter(|r| r.overdue).collect();
    let latest = rows.first().map(|r| r.period.id);
    let current: Vec<&QueueRow> = rows
        .iter()
        .filter(|r| Some(r.period.id) == latest)
        .collect();
    page(
        "Returns",
        Nav::Returns,
        chrome,
        html! {
            h1 { "Returns" }
            @if office { p { a href="/periods" { "Reporting periods" } } }
            h2 { "Awaiting review" }
            table.table #review-queue {
                caption { (submitted.len()) " submitted returns. A flag marks a suggested rating that differs from the trust's." }
                thead { tr {
                    th scope="col" { "Period" } th scope="col" { "Trust" } th scope="col" { "Trust's rating" }
                    th scope="col" { "Suggested" } th scope="col" { "Check" }
                } }
                tbody {
                    @if submitted.is_empty() { tr { td colspan="5" { "Nothing is awaiting review." } } }
                    @for r in &submitted {
                        tr {
                            td { (r.period.label) }
                            td { a href=(return_href(r)) { (r.name) " (" (r.ods_code) ")" } }
                            td { (rating_tag(r.self_rating)) }
                            td { (rating_tag(r.suggested)) }
                            td { @if r.disagreement() { strong.tag.tag--orange { "Ratings disagree" } } }
                        }
                    }
                }
            }
            h2 { "Not reported (overdue)" }
            table.table #overdue {
                caption { (overdue.len()) " returns past their due date and not submitted" }
                thead { tr { th scope="col" { "Period" } th scope="col" { "Due" } th scope="col" { "Trust" } th scope="col" { "State" } } }
                tbody {
                    @if overdue.is_empty() { tr { td colspan="4" { "None." } } }
                    @for r in &overdue {
                        tr {
                            td { (r.period.label) }
                            td { (date(r.period.due_on)) }
                            td { a href=(return_href(r)) { (r.name) " (" (r.ods_code) ")" } }
                            td { (state_tag(r.state)) }
                        }
                    }
                }
            }
            @if let Some(first) = current.first() {
                h2 { "Latest period: " (first.period.label) }
                table.table #latest-period {
                    caption { "Every participant's return for " (first.period.label) ", due " (date(first.period.due_on)) }
                    thead { tr { th scope="col" { "Trust" } th scope="col" { "State" } th scope="col" { "Trust's rating" } th scope="col" { "Office rating" } } }
                    tbody {
                        @for r in &current {
                            tr {
                                td { a href=(return_href(r)) { (r.name) " (" (r.ods_code) ")" } }
                                td { (state_tag(r.state)) }
                                td { (rating_tag(r.self_rating)) }
                                td { (rating_tag(r.office_rating)) }
                            }
                        }
                    }
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
            table.table #periods {
                caption { (periods.len()) " periods" }
                thead { tr { th scope="col" { "Period" } th scope="col" { "From" } th scope="col" { "To" } th scope="col" { "Due" } th scope="col" { "Status" } } }
                tbody {
                    @for p in periods {
                        tr { td { (p.label) } td { (date(p.starts_on)) } td { (date(p.ends_on)) } td { (date(p.due_on)) } td { (p.status.label()) } }
                    }
                }
            }
            h2 { "Open a period" }
            form.narrow method="post" action="/periods" novalidate {
                (csrf_field(chrome))
                (select("frequency", "Frequency", &options(Frequency::ALL, Frequency::code, Frequency::label), &v.frequency, "Select", errors))
                (input(text("year", "Year", &v.year, Some("Quarterly: the financial year's first year (2019 for 2019/20). Monthly: the calendar year.")), errors))
                (input(text("number", "Quarter or month", &v.number, Some("Quarter 1 to 4 (Q1 is April to June), or month 1 to 12")), errors))
                (input(text("due_on", "Returns due on", &v.due_on, Some(DATE_HINT)), errors))
                button.button type="submit" { "Open period" }
            }
        },
    )
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
    page(
        &format!("{} return, {}", ods, d.period.label),
        Nav::Returns,
        chrome,
        html! {
            (error_summary(errors))
            p.breadcrumb { a href={ "/participants/" (ods) "/returns" } { (d.trust.name) ": returns" } }
            h1 { (d.trust.name) ": return for " (d.period.label) }
            dl.summary-list #return-summary {
                div { dt { "Status" } dd { (state_tag(state)) } }
                div { dt { "Period" } dd { (date(d.period.starts_on)) " to " (date(d.period.ends_on)) "; due " (date(d.period.due_on)) } }
                @if let Some(c) = &d.office_comment { div { dt { "Programme office comment" } dd #office-comment { (c) } } }
                div { dt { "Suggested rating" } dd #suggested {
                    (rating_tag(Some(d.suggestion.rating)))
                    ul { @for reason in &d.suggestion.reasons { li { (reason) } } }
                } }
                div { dt { "Trust's rating" } dd { (rating_tag(d.self_rating)) } }
                div { dt { "Office rating" } dd { (rating_tag(d.office_rating)) } }
            }
            @if access.can_edit {
                form method="post" action={ "/returns/" (d.period.id) "/" (ods) } novalidate {
                    (csrf_field(chrome))
                    input type="hidden" name="version" value=(posted_or(posted, "version", d.version.to_string()));
                    h2 { "Milestones" }
                    table.table #return-milestones {
                        caption { "Forecast, status and comment for each open milestone. For a completed milestone give the date it was completed." }
                        thead { tr { th scope="col" { "Milestone" } th scope="col" { "Baseline" } th scope="col" { "Forecast or completion date" } th scope="col" { "Status" } th scope="col" { "Comment" } } }
                        tbody {
                            @for l in &d.lines {
                                @let f = format!("m_{}_forecast", l.milestone_id);
                                @let s = format!("m_{}_status", l.milestone_id);
                                @let c = format!("m_{}_comment", l.milestone_id);
                                @let fv = value(&f, l.forecast_on.map(|d| d.to_string()).unwrap_or_default());
                                @let sv = value(&s, l.status.map(|s| s.code().to_owned()).unwrap_or_default());
                                @let cv = value(&c, l.comment.clone().unwrap_or_default());
                                tr {
                                    th scope="row" { (l.reference) ": " (l.title) }
                                    td { (date(l.baseline_on)) }
                                    td {
                                        label.visually-hidden for=(f) { "Forecast date for " (l.reference) }
                                        @for e in errors.iter().filter(|e| e.field == f) { p.error-message id={ (f) "-error" } { (e.message) } }
                                        input id=(f) name=(f) type="text" value=(fv) autocomplete="off";
                                    }
                                    td {
                                        label.visually-hidden for=(s) { "Status of " (l.reference) }
                                        @for e in errors.iter().filter(|e| e.field == s) { p.error-message id={ (s) "-error" } { (e.message) } }
                                        select id=(s) name=(s) {
                                            option value="" { "Select" }
                                            @for (code, label) in status_options() { option value=(code) selected[code == sv] { (label) } }
                                        }
                                    }
                                    td {
                                        label.visually-hidden for=(c) { "Comment on " (l.reference) }
                                        input id=(c) name=(c) type="text" value=(cv) autocomplete="off";
                                    }
                                }
                            }
                        }
                    }
                    h2 { "Spend and confidence" }
                    (input(text("spend_to_date", "Actual spend to date (£)", &value("spend_to_date", d.spend.map(|p| p.plain()).unwrap_or_default()), Some("Pounds and pence")), errors))
                    (select("self_rating", "Delivery confidence", &rating_options(d.scale), &value("self_rating", d.self_rating.map(|r| r.code().to_owned()).unwrap_or_default()), "Select a rating", errors))
                    (textarea("rating_justification", "Why this rating", &value("rating_justification", d.rating_justification.clone().unwrap_or_default()), errors))
                    (textarea("narrative", "Progress this period", &value("narrative", d.narrative.clone().unwrap_or_default()), errors))
                    h2 { "Risks and issues" }
                    @for n in 1..=RISK_SLOTS {
                        @let existing = d.risks.get(n - 1);
                        fieldset.fieldset.risk {
                            legend { "Risk " (n) }
                            (textarea_named(format!("risk_{n}_description"), "Description", &value(&format!("risk_{n}_description"), existing.map(|r| r.description.clone()).unwrap_or_default()), errors))
                            (select_named(format!("risk_{n}_rating"), "Rating", &rating_options(d.scale), &value(&format!("risk_{n}_rating"), existing.map(|r| r.rating.code().to_owned()).unwrap_or_default()), errors))
                            (textarea_named(format!("risk_{n}_mitigation"), "Mitigation", &value(&format!("risk_{n}_mitigation"), existing.and_then(|r| r.mitigation.clone()).unwrap_or_default()), errors))
                        }
                    }
                    div.form-actions {
                        button.button.button--secondary type="submit" name="action" value="save" { "Save as draft" }
                        button.button type="submit" name="action" value="submit" { "Submit to the programme office" }
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

fn textarea(name: &'static str, label: &str, value: &str, errors: &[FieldError]) -> Markup {
    textarea_named(name.to_owned(), label, value, errors)
}

fn textarea_named(name: String, label: &str, value: &str, errors: &[FieldError]) -> Markup {
    let error = errors.iter().find(|e| e.field == name);
    html! {
        div class={ "form-group" @if error.is_some() { " form-group--error" } } {
            label for=(name) { (label) }
            @if let Some(e) = error { p.error-message id={ (name) "-error" } { span.visually-hidden { "Error: " } (e.message) } }
            textarea id=(name) name=(name) rows="3" { (value) }
        }
    }
}

fn select_named(
    name: String,
    label: &str,
    options: &[(String, String)],
    selected: &str,
    errors: &[FieldError],
) -> Markup {
    let error = errors.iter().find(|e| e.field == name);
    html! {
        div class={ "form-group" @if error.is_some() { " form-group--error" } } {
            label for=(name) { (label) }
            @if let Some(e) = error { p.error-message id={ (name) "-error" } { span.visually-hidden { "Error: " } (e.message) } }
            select id=(name) name=(name) {
                option value="" { "Select" }
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
            table.table #return-milestones {
                caption { "Milestones as reported for " (d.period.label) }
                thead { tr { th scope="col" { "Milestone" } th scope="col" { "Baseline" } th scope="col" { "Forecast" } th scope="col" { "Slippage" } th scope="col" { "Status" } th scope="col" { "Comment" } } }
                tbody {
                    @for l in &d.lines {
                        tr {
                            th scope="row" { (l.reference) ": " (l.title) }
                            td { (date(l.baseline_on)) }
                            td { (optional_date(l.forecast_on)) }
                            td { (slippage(crate::domain::milestone::slippage_days(l.baseline_on, l.forecast_on, None))) }
                            td { @if let Some(s) = l.status { (s.label()) } }
                            td { @if let Some(c) = &l.comment { (c) } }
                        }
                    }
                }
            }
            dl.summary-list #return-content {
                div { dt { "Spend to date" } dd { @match d.spend { Some(p) => (p.to_string()), None => span.muted { "Not given" } } } }
                div { dt { "Why this rating" } dd { @if let Some(j) = &d.rating_justification { (j) } } }
                div { dt { "Progress" } dd { @if let Some(n) = &d.narrative { (n) } } }
            }
            @if !d.risks.is_empty() {
                table.table #return-risks {
                    caption { "Risks and issues" }
                    thead { tr { th scope="col" { "Risk" } th scope="col" { "Rating" } th scope="col" { "Mitigation" } } }
                    tbody { @for r in &d.risks { tr { td { (r.description) } td { (rating_tag(Some(r.rating))) } td { @if let Some(m) = &r.mitigation { (m) } } } } }
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
        table.table #approval-changes {
            caption { "Approving sets each live milestone to what the trust reported" }
            thead { tr { th scope="col" { "Milestone" } th scope="col" { "Live now" } th scope="col" { "As reported" } th scope="col" { "On approval" } } }
            tbody {
                @for l in &d.lines {
                    @if let Some(reported) = l.status {
                        @let forecast = l.forecast_on.or(l.live_forecast_on);
                        tr {
                            th scope="row" { (l.reference) }
                            td { (optional_date(l.live_forecast_on)) " " (l.live_status.label()) }
                            td { (optional_date(l.forecast_on)) " " (reported.label()) }
                            td {
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
        form.narrow method="post" action={ "/returns/" (d.period.id) "/" (ods) "/review" } novalidate {
            (csrf_field(chrome))
            input type="hidden" name="version" value=(posted_or("version", d.version.to_string()));
            @for l in &d.lines {
                @let name = format!("m_{}_version", l.milestone_id);
                input type="hidden" name=(name) value=(posted_or(&name, l.milestone_version.to_string()));
            }
            (approval_changes(d))
            (select("office_rating", "Programme office rating", &rating_options(d.scale), &value("office_rating"), "Select a rating", errors))
            (textarea("office_comment", "Comment (required to return it)", &value("office_comment"), errors))
            div.form-actions {
                button.button type="submit" name="decision" value="approve" { "Approve" }
                button.button.button--warning type="submit" name="decision" value="return" { "Return for changes" }
            }
            @for e in errors.iter().filter(|e| e.field == "decision") { p.error-message id="decision" { (e.message) } }
        }
    }
}

fn changes_since(d: &ReturnData, prev: &ReturnData) -> Markup {
    html! {
        h2 #changes { "What changed since " (prev.period.label) " (last approved)" }
        table.table #changes-table {
            caption { "Forecast dates and statuses: " (prev.period.label) " against " (d.period.label) }
            thead { tr { th scope="col" { "Milestone" } th scope="col" { (prev.period.label) } th scope="col" { (d.period.label) } th scope="col" { "Moved" } } }
            tbody {
                @for l in &d.lines {
                    @let before = prev.lines.iter().find(|p| p.milestone_id == l.milestone_id);
                    @let moved = match (before.and_then(|b| b.forecast_on), l.forecast_on) { (Some(a), Some(b)) => (b - a).whole_days(), _ => 0 };
                    tr {
                        th scope="row" { (l.reference) }
                        td { @if let Some(b) = before { (optional_date(b.forecast_on)) " " @if let Some(s) = b.status { (s.label()) } } @else { span.muted { "Not in that return" } } }
                        td { (optional_date(l.forecast_on)) " " @if let Some(s) = l.status { (s.label()) } }
                        td { @if moved > 0 { span.late { (moved) " days later" } } @else if moved < 0 { (moved.abs()) " days earlier" } @else { "No change" } }
                    }
                }
            }
        }
        dl.summary-list #changes-summary {
            div { dt { "Rating" } dd { (rating_tag(prev.office_rating.or(prev.self_rating))) " then; " (rating_tag(d.self_rating)) " now (trust)" } }
            div { dt { "Spend to date" } dd {
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
            table.table #return-history {
                caption { "Every period this trust owed a return for, newest first. Approved returns are the frozen record of what was reported." }
                thead { tr { th scope="col" { "Period" } th scope="col" { "State" } th scope="col" { "Trust's rating" } th scope="col" { "Office rating" } } }
                tbody {
                    @for r in rows {
                        tr {
                            td { a href={ "/returns/" (r.period.id) "/" (ods) } { (r.period.label) } }
                            td { (state_tag(r.state)) @if r.overdue { " " strong.tag.tag--red { "Overdue" } } }
                            td { (rating_tag(r.self_rating)) }
                            td { (rating_tag(r.office_rating)) }
                        }
                    }
                }
            }
            @if reported.len() >= 2 {
                h2 { "Compare two periods" }
                form.filters method="get" action={ "/participants/" (ods) "/compare" } {
                    (select("from", "From", &reported.iter().map(|r| (r.period.id.to_string(), r.period.label.clone())).collect::<Vec<_>>(), &reported.last().map(|r| r.period.id.to_string()).unwrap_or_default(), "Select", &[]))
                    (select("to", "To", &reported.iter().map(|r| (r.period.id.to_string(), r.period.label.clone())).collect::<Vec<_>>(), &reported.first().map(|r| r.period.id.to_string()).unwrap_or_default(), "Select", &[]))
                    div.form-actions { button.button type="submit" { "Compare" } }
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
        &format!("/returns/{}/{}", d.period.id, d.trust.ods_code),
        &rows,
    )
}
