//! Spreadsheet import and export pages: the list of kinds, and for each kind
//! the upload form, what the last upload did (every problem, or what each
//! row did) and the documentation of every column.
use maud::{Markup, html};

use super::layout::{Chrome, Nav, page};
use crate::domain::interchange::kinds::Kind;
use crate::domain::interchange::{MAX_FILE_BYTES, MAX_LISTED_PROBLEMS};
use crate::services::interchange::{ImportOutcome, MAX_LISTED_ROWS};

fn rules() -> Markup {
    html! {
        ul {
            li { "Save the file as CSV UTF-8 (with or without a byte order mark); Windows or Unix line ends; values with commas in double quotes." }
            li { "Money: pounds, with or without a £ sign and commas between groups of three digits, at most two decimal places: "
                 code { "£1,234.56" } " or " code { "1234.56" } ". Never negative." }
            li { "Dates: " code { "2019-03-31" } " or " code { "31/03/2019" } "; where only the month may be known (a participant's designation and accreditation, a partnership's start and end) also " code { "2019-03" } "." }
            li { "A cell starting with =, +, - or @ is refused as a spreadsheet formula; start it with an apostrophe (') to keep it as text (exports do this for you)." }
            li { "Rows are matched by their key (ODS code and reference; a partner's name and country; a partnership's ODS code, partner and role): a new one is created, an existing one updated, an identical one left unchanged, so importing the same file twice changes nothing." }
            li { "Keep the version column as exported: a record changed since your export is a conflict, and the file is refused." }
            li { "All or nothing: every row is checked first and every problem listed with its line and column; nothing is written unless every row is good." }
            li { "Files up to " (MAX_FILE_BYTES / (1024 * 1024)) " MiB, here or with " code { "gde import" } " on the command line; a bigger file is refused and nothing imported: split it." }
        }
    }
}

pub fn index(chrome: &Chrome, kinds: &[Kind]) -> Markup {
    page(
        "Spreadsheet import and export",
        Nav::None,
        chrome,
        html! {
            h1 { "Spreadsheet import and export" }
            p { "Export a list, edit it in a spreadsheet and import it again: the same columns both ways." }
            (rules())
            table.nhsuk-table #kinds {
                caption.nhsuk-table__caption { "What can be imported" }
                thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Kind" } th.nhsuk-table__header scope="col" { "What a row is" } th.nhsuk-table__header scope="col" { "Files" } } }
                tbody.nhsuk-table__body {
                    @for kind in kinds {
                        tr.nhsuk-table__row {
                            td.nhsuk-table__cell { a href=(format!("/import/{}", kind.code())) { (kind.title()) } }
                            td.nhsuk-table__cell { (kind.summary()) }
                            td.nhsuk-table__cell {
                                a href=(format!("/templates/{}", kind.code())) download { "Template" }
                                @if *kind != Kind::ReturnLines {
                                    " · " a href=(format!("/export/{}", kind.code())) download { "Export all" }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// One kind's page: upload form, the last result, and its columns.
pub fn kind_page(
    chrome: &Chrome,
    kind: Kind,
    outcome: Option<&ImportOutcome>,
    refusal: Option<&str>,
) -> Markup {
    let action = format!("/import/{}", kind.code());
    upload_page(chrome, kind, &action, None, outcome, refusal)
}

/// A return's page for importing its lines: posts to the return's own address.
pub fn return_page(
    chrome: &Chrome,
    return_path: &str,
    export: &str,
    outcome: Option<&ImportOutcome>,
    refusal: Option<&str>,
) -> Markup {
    let action = format!("{return_path}/import");
    upload_page(
        chrome,
        Kind::ReturnLines,
        &action,
        Some((return_path, export)),
        outcome,
        refusal,
    )
}

/// The upload page; `ret` is the return's address and its lines' download.
fn upload_page(
    chrome: &Chrome,
    kind: Kind,
    action: &str,
    ret: Option<(&str, &str)>,
    outcome: Option<&ImportOutcome>,
    refusal: Option<&str>,
) -> Markup {
    let title = format!("Import {}", kind.title().to_lowercase());
    page(
        &title,
        Nav::None,
        chrome,
        html! {
            @if let Some((path, _)) = ret {
                p { a href=(path) { "Back to the return" } }
            } @else {
                p { a href="/import" { "Spreadsheet import and export" } }
            }
            h1 { (title) }
            p { (kind.summary()) }
            @if let Some(reason) = refusal {
                div.error-summary role="alert" tabindex="-1" {
                    h2 { "The file was not imported" }
                    p #import-refusal { (reason) }
                }
            }
            @if let Some(outcome) = outcome {
                (result(outcome))
            }
            form method="post" enctype="multipart/form-data"
                action=(format!(
                    "{action}?{}",
                    serde_urlencoded::to_string([("authenticity_token", &chrome.csrf)]).unwrap_or_default()
                )) {
                div.nhsuk-form-group {
                    label.nhsuk-label for="file" { "CSV file" }
                    input #file name="file" type="file" accept=".csv,text/csv" required;
                }
                div.nhsuk-form-group.checkbox {
                    input #dry_run name="dry_run" type="checkbox" value="yes" checked;
                    label.nhsuk-label for="dry_run" { "Dry run: check the file and show what each row would do, without writing anything" }
                }
                div.form-actions {
                    button.nhsuk-button type="submit" { "Check and import" }
                    a href=(format!("/templates/{}", kind.code())) download { "Download the template" }
                    @if let Some((_, export)) = ret {
                        a href=(export) download { "Download this return's lines" }
                    } @else if kind != Kind::ReturnLines {
                        a href=(format!("/export/{}", kind.code())) download { "Export the current records" }
                    }
                }
            }
            h2 { "Rules for every file" }
            (rules())
            table.nhsuk-table #columns {
                caption.nhsuk-table__caption { "The columns of a " (kind.title().to_lowercase()) " file, in any order" }
                thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Column" } th.nhsuk-table__header scope="col" { "Required" } th.nhsuk-table__header scope="col" { "Meaning" } th.nhsuk-table__header scope="col" { "Example" } } }
                tbody.nhsuk-table__body {
                    @for c in kind.columns() {
                        tr.nhsuk-table__row {
                            td.nhsuk-table__cell { code { (c.name) } }
                            td.nhsuk-table__cell { @if c.required { "Yes" } @else { "No" } }
                            td.nhsuk-table__cell { (c.meaning) }
                            td.nhsuk-table__cell { code { (c.example) } }
                        }
                    }
                }
            }
        },
    )
}

fn result(outcome: &ImportOutcome) -> Markup {
    html! {
        @if !outcome.problems.is_empty() {
            div.error-summary role="alert" tabindex="-1" {
                h2 #import-summary { (outcome.summary()) }
                p { "Correct every problem below and upload the file again." }
            }
            table.nhsuk-table #problems {
                caption.nhsuk-table__caption {
                    (outcome.problems.total) " problems"
                    @if outcome.problems.total > outcome.problems.listed.len() as u64 {
                        " (the first " (MAX_LISTED_PROBLEMS) " listed)"
                    }
                }
                thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Line" } th.nhsuk-table__header scope="col" { "Column" } th.nhsuk-table__header scope="col" { "Value" } th.nhsuk-table__header scope="col" { "Problem" } } }
                tbody.nhsuk-table__body {
                    @for p in &outcome.problems.listed {
                        tr.nhsuk-table__row {
                            td.nhsuk-table__cell { @if p.line == 0 { "–" } @else { (p.line) } }
                            td.nhsuk-table__cell { (p.column.as_deref().unwrap_or("–")) }
                            td.nhsuk-table__cell { code { (p.value) } }
                            td.nhsuk-table__cell { (p.reason) }
                        }
                    }
                }
            }
        } @else {
            div.flash role="status" {
                p #import-summary { (outcome.summary())
                    @if outcome.written() { " (import " (outcome.import_id) ", in the audit trail)" } }
            }
            table.nhsuk-table #rows {
                caption.nhsuk-table__caption {
                    @if outcome.dry_run { "What each row would do" } @else { "What each row did" }
                    @if outcome.rows.len() >= MAX_LISTED_ROWS { " (the first " (MAX_LISTED_ROWS) " rows)" }
                }
                thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Line" } th.nhsuk-table__header scope="col" { "Record" } th.nhsuk-table__header scope="col" { "Result" } } }
                tbody.nhsuk-table__body {
                    @for r in &outcome.rows {
                        tr.nhsuk-table__row { td.nhsuk-table__cell { (r.line) } td.nhsuk-table__cell { (r.key) } td.nhsuk-table__cell { (r.action.label(outcome.dry_run)) } }
                    }
                }
            }
        }
    }
}

/// The "Download CSV" links of the milestones list, with its filters: the
/// milestones and their progress, in the columns the import reads.
pub fn milestone_downloads(filter: &crate::services::milestones::MilestoneFilterValues) -> Markup {
    let pairs: Vec<(&str, &str)> = [
        ("participant", filter.participant.as_str()),
        ("status", filter.status.as_str()),
        ("category", filter.category.as_str()),
        ("overdue", filter.overdue.as_str()),
        ("slipped_over", filter.slipped_over.as_str()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .collect();
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    let href = |kind: Kind| {
        if query.is_empty() {
            format!("/export/{}", kind.code())
        } else {
            format!("/export/{}?{query}", kind.code())
        }
    };
    html! {
        p.downloads #milestone-downloads {
            a href=(href(Kind::Milestones)) download { "Download CSV" }
            " (these milestones, as the import reads them) · "
            a href=(href(Kind::MilestoneProgress)) download { "Download progress CSV" }
        }
    }
}
