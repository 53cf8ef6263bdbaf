//! The dashboard (filters, then the briefing's figures and charts) and the
//! briefing page.
use maud::{Markup, PreEscaped, html};
use time::Date;

use super::forms::select;
use super::layout::{Chrome, Nav, page};
use super::manage::options;
use crate::domain::access::UserRole;
use crate::domain::dates::display_date;
use crate::domain::participant::{Role, Sector};
use crate::domain::region::RegionCode;
use crate::reports::briefing::{Pack, body};
use crate::reports::catalogue::ChartKind;
use crate::services::dashboard::{DashboardQuery, DashboardRequest};

fn links(qs: &str) -> impl Fn(ChartKind) -> Vec<(String, String)> + '_ {
    move |k: ChartKind| {
        let suffix = if qs.is_empty() {
            String::new()
        } else {
            format!("?{qs}")
        };
        ["png", "svg", "csv"]
            .iter()
            .map(|ext| {
                (
                    format!("/charts/{}.{ext}{suffix}", k.slug()),
                    format!("{} ({})", ext.to_uppercase(), k.title()),
                )
            })
            .collect()
    }
}

pub fn dashboard(
    chrome: &Chrome,
    q: &DashboardQuery,
    r: &DashboardRequest,
    body: &PreEscaped<String>,
    qs: &str,
) -> Markup {
    let regions: Vec<(String, String)> = RegionCode::ALL_CURRENT
        .iter()
        .filter_map(|c| RegionCode::parse(c).ok())
        .map(|r| (r.as_str().to_owned(), r.name().to_owned()))
        .collect();
    page(
        "Dashboard",
        Nav::Dashboard,
        chrome,
        html! {
            h1 { "Dashboard" }
            p.nhsuk-lede-text {
                "As at " (display_date(r.as_at)) "."
                @if r.filter != Default::default() { " Filtered: only the participants selected below are counted." }
                " " a href={ "/briefing" @if !qs.is_empty() { "?" (qs) } } { "Open as a briefing" }
            }
            form.filters method="get" action="/dashboard" {
                (select("role", "Role", &options(Role::ALL, Role::code, Role::label), &q.role, "All roles", &[]))
                (select("sector", "Sector", &options(Sector::ALL, Sector::code, Sector::label), &q.sector, "All sectors", &[]))
                (select("region", "NHS England region", &regions, &q.region, "All regions", &[]))
                div.nhsuk-form-group {
                    label.nhsuk-label for="as_at" { "As at (YYYY-MM-DD)" }
                    input.nhsuk-input #as_at name="as_at" type="text" value=(q.as_at) autocomplete="off";
                }
                div.form-actions {
                    button.nhsuk-button type="submit" { "Apply" }
                    a href="/dashboard" { "Clear" }
                }
            }
            (body)
            @if chrome.user.as_ref().is_some_and(|u| u.role == UserRole::ProgrammeOffice) {
                section aria-labelledby="open-data" {
                    h2 #open-data { "Open data" }
                    p {
                        "The awards as a 360Giving data package (JSON), as at today, whatever the filters above: "
                        a href="/open-data/360giving.json" download { "Download 360Giving file" }
                        ". Illustrative records are left out or flagged as the GDE_360G_ILLUSTRATIVE setting says."
                    }
                }
            }
        },
    )
}

/// The most rows a table or exception list shows on the dashboard and the
/// briefing page, so a programme of thousands of trusts still gives a page
/// a browser can show (the CSV downloads and the pack have every row).
pub const ROWS_ON_A_PAGE: usize = 100;

/// The briefing's figures, charts and exceptions as the app shows them
/// (records linked, downloads carrying the view's query string `qs`):
/// rendered once per cached view by the handlers.
pub fn briefing_body(pack: &Pack, qs: &str) -> PreEscaped<String> {
    PreEscaped(body(pack, true, Some(ROWS_ON_A_PAGE), &links(qs)).into_string())
}

pub fn briefing(chrome: &Chrome, as_at: Date, body: &PreEscaped<String>) -> Markup {
    page(
        "Briefing",
        Nav::Dashboard,
        chrome,
        html! {
            h1 { "Programme briefing as at " (display_date(as_at)) }
            p.nhsuk-lede-text { "Computed from approved returns and changes recorded by the end of " (display_date(as_at)) "; generating it again later gives the same figures." }
            (body)
        },
    )
}
