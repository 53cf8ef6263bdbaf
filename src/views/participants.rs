//! The participants list: filter by role, sector and region; sort by any column.
use maud::{Markup, html};

use super::components::money;
use super::layout::{Chrome, Nav, page as layout};
use super::pagination::{Pager, controls, summary};
use crate::domain::pagination::Page;
use crate::domain::participant::{Role, Sector};
use crate::domain::programme::{ListRequest, ParticipantSummary, SortKey};
use crate::domain::region::RegionCode;

/// The query parameters that choose the list (filters and sort), which
/// every page link keeps.
fn kept(request: &ListRequest) -> Vec<(&'static str, String)> {
    let f = &request.filter;
    vec![
        (
            "role",
            f.role.map(|r| r.code().to_owned()).unwrap_or_default(),
        ),
        (
            "sector",
            f.sector.map(|s| s.code().to_owned()).unwrap_or_default(),
        ),
        (
            "region",
            f.region
                .as_ref()
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default(),
        ),
        ("sort", request.sort.code().to_owned()),
        (
            "dir",
            (if request.descending { "desc" } else { "asc" }).to_owned(),
        ),
    ]
}

/// "Download CSV": these participants (the filters, not the paging or the
/// sort), in the columns `gde import participants` reads.
fn downloads(request: &ListRequest) -> Markup {
    let pairs: Vec<(&str, String)> = kept(request)
        .into_iter()
        .filter(|(name, value)| matches!(*name, "role" | "sector" | "region") && !value.is_empty())
        .collect();
    let href = if pairs.is_empty() {
        "/export/participants".to_owned()
    } else {
        format!(
            "/export/participants?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    };
    html! {
        p.downloads #participant-downloads {
            a href=(href) download { "Download CSV" }
            " (these participants, as the import reads them)"
        }
    }
}

pub fn list_page(
    chrome: &Chrome,
    page: &Page<ParticipantSummary>,
    request: &ListRequest,
) -> Markup {
    let f = &request.filter;
    let rows = &page.rows;
    let pager = Pager {
        path: "/participants",
        keep: kept(request),
        page_param: "page",
        size_param: "size",
        anchor: None,
        noun: "participants",
        id: "participants",
    };
    layout(
        "Participants",
        Nav::Participants,
        chrome,
        html! {
            h1 { "Participants" }
            form.filters method="get" action="/participants" {
                div.nhsuk-form-group {
                    label.nhsuk-label for="role" { "Role" }
                    select.nhsuk-select #role name="role" {
                        option value="" { "All roles" }
                        @for role in Role::ALL {
                            option value=(role.code()) selected[f.role == Some(*role)] { (role.label()) }
                        }
                    }
                }
                div.nhsuk-form-group {
                    label.nhsuk-label for="sector" { "Sector" }
                    select.nhsuk-select #sector name="sector" {
                        option value="" { "All sectors" }
                        @for sector in Sector::ALL {
                            option value=(sector.code()) selected[f.sector == Some(*sector)] { (sector.label()) }
                        }
                    }
                }
                div.nhsuk-form-group {
                    label.nhsuk-label for="region" { "NHS England region" }
                    select.nhsuk-select #region name="region" {
                        option value="" { "All regions" }
                        @for code in RegionCode::ALL_CURRENT {
                            @let region = RegionCode::parse(code).ok();
                            @if let Some(region) = region {
                                option value=(region.as_str()) selected[f.region.as_ref() == Some(&region)] { (region.name()) }
                            }
                        }
                    }
                }
                input type="hidden" name="sort" value=(request.sort.code());
                input type="hidden" name="dir" value=(if request.descending { "desc" } else { "asc" });
                input type="hidden" name="size" value=(page.request.size);
                div.form-actions {
                    button.nhsuk-button type="submit" { "Apply filters" }
                    a href="/participants" { "Clear filters" }
                }
            }
            (downloads(request))
            table.nhsuk-table #participants {
                caption.nhsuk-table__caption {
                    (summary(page, "participants"))
                    @if request.sort != SortKey::Name || request.descending {
                        ", sorted by " (sort_label(request.sort))
                        @if request.descending { " (descending)" } @else { " (ascending)" }
                    }
                }
                thead.nhsuk-table__head {
                    tr.nhsuk-table__row {
                        (sortable(request, SortKey::OdsCode, "ODS code", false))
                        (sortable(request, SortKey::Name, "Trust", false))
                        (sortable(request, SortKey::Role, "Role", false))
                        (sortable(request, SortKey::Sector, "Sector", false))
                        (sortable(request, SortKey::Region, "Region", false))
                        (sortable(request, SortKey::Designated, "Designated", false))
                        (sortable(request, SortKey::Allocated, "Allocated", true))
                        (sortable(request, SortKey::Released, "Released", true))
                        (sortable(request, SortKey::Overdue, "Overdue milestones", true))
                    }
                }
                tbody.nhsuk-table__body {
                    @if rows.is_empty() {
                        tr.nhsuk-table__row { td.nhsuk-table__cell colspan="9" { "No participants match these filters." } }
                    }
                    @for s in rows {
                        tr.nhsuk-table__row {
                            td.nhsuk-table__cell { a href={ "/participants/" (s.ods_code) } { (s.ods_code) } }
                            td.nhsuk-table__cell {
                            (s.name)
                            @if let Some(old) = &s.designated_name { br; span.nhsuk-u-secondary-text-colour { "Designated as " (old) } }
                        }
                            td.nhsuk-table__cell { (s.role.label()) }
                            td.nhsuk-table__cell { (s.sector.label()) }
                            td.nhsuk-table__cell { @if let Some(r) = &s.region { (r.name()) } }
                            td.nhsuk-table__cell { (super::components::approx_date(&s.designated)) }
                            td.nhsuk-table__cell.nhsuk-table__cell--numeric.num { (money(s.money.allocated)) }
                            td.nhsuk-table__cell.nhsuk-table__cell--numeric.num { (money(s.money.released)) }
                            td.nhsuk-table__cell.nhsuk-table__cell--numeric.num { (s.milestones.overdue) }
                        }
                    }
                }
            }
            (controls(&pager, page))
        },
    )
}

fn sort_label(key: SortKey) -> &'static str {
    match key {
        SortKey::Name => "trust name",
        SortKey::OdsCode => "ODS code",
        SortKey::Role => "role",
        SortKey::Sector => "sector",
        SortKey::Region => "region",
        SortKey::Designated => "designation date",
        SortKey::Allocated => "allocated funding",
        SortKey::Released => "released funding",
        SortKey::Overdue => "overdue milestones",
    }
}

/// A column header that links to the list sorted by it, keeping the filters.
fn sortable(request: &ListRequest, key: SortKey, label: &str, numeric: bool) -> Markup {
    let active = request.sort == key;
    let next_desc = active && !request.descending;
    let f = &request.filter;
    let mut href = format!(
        "/participants?sort={}&dir={}",
        key.code(),
        if next_desc { "desc" } else { "asc" }
    );
    if let Some(role) = f.role {
        href.push_str(&format!("&role={}", role.code()));
    }
    if let Some(sector) = f.sector {
        href.push_str(&format!("&sector={}", sector.code()));
    }
    if let Some(region) = &f.region {
        href.push_str(&format!("&region={}", region.as_str()));
    }
    href.push_str(&format!("&size={}", request.page.size));
    let aria_sort = match (active, request.descending) {
        (false, _) => None,
        (true, false) => Some("ascending"),
        (true, true) => Some("descending"),
    };
    html! {
        th scope="col" class={ "nhsuk-table__header" @if numeric { " nhsuk-table__header--numeric num" } } aria-sort=[aria_sort] {
            a href=(href) {
                (label)
                @if active {
                    span.nhsuk-u-visually-hidden { ", sorted " (aria_sort.unwrap_or("")) }
                    span aria-hidden="true" { @if request.descending { " ▼" } @else { " ▲" } }
                }
            }
        }
    }
}
