//! The programme overview: who is in the programme, the money, and the milestones.
use maud::{Markup, html};
use time::Date;

use super::components::{illustrative_tag, money};
use super::layout::{Chrome, Nav, page as layout};
use super::pagination::thousands;
use crate::domain::dates::display_date;
use crate::domain::milestone::DUE_SOON_DAYS;
use crate::domain::pagination::Page;
use crate::domain::participant::Role;
use crate::domain::programme::ParticipantSummary;
use crate::domain::reporting::{ReportState, ReturnStatus};
use crate::domain::table_sort::{Column, ParticipantColumn, SortOrder};
use crate::services::programme::{OverviewData, ReturnDue};

/// How the overview's two tables are sorted (query `sort`/`dir` for the
/// exemplars, `ff_sort`/`ff_dir` for the fast followers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OverviewSort {
    pub exemplars: SortOrder<ParticipantColumn>,
    pub followers: SortOrder<ParticipantColumn>,
}

impl Default for OverviewSort {
    fn default() -> Self {
        let by_name = SortOrder {
            key: ParticipantColumn::Trust,
            descending: false,
        };
        OverviewSort {
            exemplars: by_name,
            followers: by_name,
        }
    }
}

pub fn page(chrome: &Chrome, data: &OverviewData, today: Date, sort: OverviewSort) -> Markup {
    let overview = &data.overview;
    let count = |role: Role| {
        overview
            .by_role_sector
            .iter()
            .filter(|(r, _, _)| *r == role)
            .map(|(_, _, n)| n)
            .sum::<usize>()
    };
    let (exemplar_count, follower_count) = (
        count(Role::GlobalDigitalExemplar),
        count(Role::FastFollower),
    );
    let exemplars: Vec<&ParticipantSummary> = data.exemplars.rows.iter().collect();
    let followers: Vec<&ParticipantSummary> = data.followers.rows.iter().collect();
    let remaining = overview.allocated.saturating_sub(overview.released);
    let m = &overview.milestones;
    layout(
        "Programme overview",
        Nav::Overview,
        chrome,
        html! {
            (returns_banner(&data.returns_due))
            h1 { "Programme overview" }
            p.nhsuk-lede-text {
                (exemplar_count) " global digital exemplars and "
                (follower_count) " fast followers, as at " (display_date(today)) "."
            }
            div.cards {
                section.nhsuk-card.card aria-labelledby="card-participants" {
                    h2 #card-participants { "Participants" }
                    p.figure { (data.total_participants) }
                    p { (exemplar_count) " exemplars, " (follower_count) " fast followers" }
                }
                section.nhsuk-card.card aria-labelledby="card-funding" {
                    h2 #card-funding { "Central funding " (illustrative_tag()) }
                    dl.figures {
                        dt { "Allocated" } dd #total-allocated { (money(overview.allocated)) }
                        dt { "Released" } dd #total-released { (money(overview.released)) }
                        dt { "Remaining" } dd #total-remaining { (money(remaining)) }
                        dt { "Local match" } dd #total-local-match { (money(overview.local_match)) }
                    }
                    @if overview.match_shortfalls > 0 {
                        p.nhsuk-u-font-weight-bold.warning {
                            (overview.match_shortfalls) " participant"
                            @if overview.match_shortfalls != 1 { "s" }
                            " with local match below central funding"
                        }
                    }
                }
                section.nhsuk-card.card aria-labelledby="card-milestones" {
                    h2 #card-milestones { "Milestones " (illustrative_tag()) }
                    dl.figures {
                        dt { "Complete" } dd #milestones-complete { (m.complete) }
                        dt { "Overdue" } dd #milestones-overdue { (m.overdue) }
                        dt { "Due in the next " (DUE_SOON_DAYS) " days" } dd #milestones-due { (m.due_soon) }
                        dt { "Due later" } dd #milestones-later { (m.not_yet_due) }
                        @if m.cancelled > 0 {
                            dt { "Cancelled" } dd { (m.cancelled) }
                        }
                    }
                }
            }

            h2 { "Participants by role and sector" }
            table.nhsuk-table #by-role-sector {
                caption.nhsuk-table__caption { "Number of participants by role and sector" }
                thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Role" } th.nhsuk-table__header scope="col" { "Sector" } th.nhsuk-table__header scope="col" .num { "Participants" } } }
                tbody.nhsuk-table__body {
                    @for (role, sector, count) in &overview.by_role_sector {
                        tr.nhsuk-table__row {
                            td.nhsuk-table__cell { (role.label()) }
                            td.nhsuk-table__cell { (sector.label()) }
                            td.nhsuk-table__cell.nhsuk-table__cell--numeric.num { (count) }
                        }
                    }
                }
                tfoot { tr.nhsuk-table__row { th.nhsuk-table__header scope="row" colspan="2" { "Total" } td.nhsuk-table__cell.nhsuk-table__cell--numeric.num { (data.total_participants) } } }
            }

            @if data.scoped {
                h2 { "Your organisation" }
                @if data.own.is_empty() {
                    p { "Your account's organisation is not a participant in the programme." }
                } @else {
                    (participant_table(&Table {
                        id: "own-participant",
                        caption: "Your organisation's place in the programme",
                        rows: &data.own.iter().collect::<Vec<_>>(),
                        pairing: true,
                        followers: &data.fast_followers,
                        sorting: None,
                    }))
                }
            } @else {
                h2 #exemplars-heading { "Global digital exemplars" }
                (participant_table(&Table {
                    id: "exemplars",
                    caption: "Global digital exemplars with their ODS codes, funding and overdue milestones",
                    rows: &exemplars,
                    pairing: false,
                    followers: &data.fast_followers,
                    sorting: Some(Sorting { order: sort.exemplars, sort: "sort", dir: "dir", keep: query_of("ff_sort", "ff_dir", sort.followers) }),
                }))
                (see_all(&data.exemplars, Role::GlobalDigitalExemplar, "exemplars", sort.exemplars))

                h2 #followers-heading { "Fast followers" }
                (participant_table(&Table {
                    id: "fast-followers",
                    caption: "Fast followers with the exemplar each is paired with",
                    rows: &followers,
                    pairing: true,
                    followers: &data.fast_followers,
                    sorting: Some(Sorting { order: sort.followers, sort: "ff_sort", dir: "ff_dir", keep: query_of("sort", "dir", sort.exemplars) }),
                }))
                (see_all(&data.followers, Role::FastFollower, "fast followers", sort.followers))
            }
        },
    )
}

/// Under a table that shows only the first rows: how many there are, and
/// a link to them all on the participants list, in the same order where
/// the list sorts by that column.
fn see_all(
    page: &Page<ParticipantSummary>,
    role: Role,
    noun: &str,
    order: SortOrder<ParticipantColumn>,
) -> Markup {
    let list_sort = match order.key {
        ParticipantColumn::Ods => Some("ods"),
        ParticipantColumn::Trust => Some("name"),
        ParticipantColumn::Sector => Some("sector"),
        ParticipantColumn::Allocated => Some("allocated"),
        ParticipantColumn::Released => Some("released"),
        ParticipantColumn::Overdue => Some("overdue"),
        ParticipantColumn::Wave | ParticipantColumn::Pairing => None,
    };
    let mut href = format!("/participants?role={}", role.code());
    if let Some(key) = list_sort {
        href.push_str(&format!("&sort={key}&dir={}", order.dir_code()));
    }
    html! {
        @if page.total > page.rows.len() as u64 {
            p.see-all {
                "The first " (page.rows.len()) " of " (thousands(page.total)) " " (noun) " are shown. "
                a href=(href) { "See all " (thousands(page.total)) " " (noun) }
            }
        }
    }
}

/// How a sortable table's header links are made.
struct Sorting {
    order: SortOrder<ParticipantColumn>,
    /// This table's query parameters.
    sort: &'static str,
    dir: &'static str,
    /// The other table's sort, kept in the links.
    keep: String,
}

fn query_of(sort: &str, dir: &str, order: SortOrder<ParticipantColumn>) -> String {
    format!("{sort}={}&{dir}={}", order.key.code(), order.dir_code())
}

struct Table<'a> {
    id: &'static str,
    caption: &'static str,
    rows: &'a [&'a ParticipantSummary],
    pairing: bool,
    /// (exemplar's code, follower's code, follower's name).
    followers: &'a [(String, String, String)],
    sorting: Option<Sorting>,
}

/// A column header: a link that sorts by it (flipping the direction if it
/// is the sorted column), with `aria-sort` on the sorted one.
fn header(t: &Table<'_>, key: ParticipantColumn, label: &str, numeric: bool) -> Markup {
    html! {
        @match &t.sorting {
            None => th scope="col" class={ "nhsuk-table__header" @if numeric { " nhsuk-table__header--numeric num" } } { (label) },
            Some(s) => {
                @let next = s.order.toggled(key);
                @let aria = s.order.aria_sort(key);
                th scope="col" class={ "nhsuk-table__header" @if numeric { " nhsuk-table__header--numeric num" } } aria-sort=[aria] {
                    a href={ "/?" (query_of(s.sort, s.dir, next)) "&" (s.keep) "#" (t.id) } {
                        (label)
                        @if let Some(a) = aria {
                            span.nhsuk-u-visually-hidden { ", sorted " (a) }
                            span aria-hidden="true" { @if s.order.descending { " ▼" } @else { " ▲" } }
                        }
                    }
                }
            }
        }
    }
}

fn participant_table(t: &Table<'_>) -> Markup {
    let (id, caption, rows, show_exemplar, followers) =
        (t.id, t.caption, t.rows, t.pairing, t.followers);
    html! {
        table.nhsuk-table id=(id) {
            caption.nhsuk-table__caption {
                (caption)
                @if let Some(s) = &t.sorting {
                    @if s.order.key != ParticipantColumn::Trust || s.order.descending {
                        ", sorted by " (label_of(s.order.key)) @if s.order.descending { " (descending)" } @else { " (ascending)" }
                    }
                }
            }
            thead.nhsuk-table__head {
                tr.nhsuk-table__row {
                    (header(t, ParticipantColumn::Ods, "ODS code", false))
                    (header(t, ParticipantColumn::Trust, "Trust", false))
                    (header(t, ParticipantColumn::Sector, "Sector", false))
                    (header(t, ParticipantColumn::Wave, "Wave", false))
                    @if show_exemplar { (header(t, ParticipantColumn::Pairing, "Pairing", false)) }
                    (header(t, ParticipantColumn::Allocated, "Allocated", true))
                    (header(t, ParticipantColumn::Released, "Released", true))
                    (header(t, ParticipantColumn::Overdue, "Overdue milestones", true))
                }
            }
            tbody.nhsuk-table__body {
                @for s in rows {
                    tr.nhsuk-table__row {
                        td.nhsuk-table__cell { a href={ "/participants/" (s.ods_code) } { (s.ods_code) } }
                        td.nhsuk-table__cell {
                            (s.name)
                            @if let Some(old) = &s.designated_name { br; span.nhsuk-u-secondary-text-colour { "Designated as " (old) } }
                        }
                        td.nhsuk-table__cell { (s.sector.label()) }
                        td.nhsuk-table__cell { (s.wave) }
                        @if show_exemplar {
                            td.nhsuk-table__cell {
                                @match &s.exemplar {
                                    Some((code, name)) => { "Fast follower of " a href={ "/participants/" (code) } { (name) } }
                                    None if s.role == Role::GlobalDigitalExemplar => {
                                        @let own: Vec<&(String, String, String)> = followers.iter().filter(|(e, _, _)| *e == s.ods_code).collect();
                                        "Exemplars are paired with fast followers, not with an exemplar. "
                                        @if own.is_empty() {
                                            "No fast followers confirmed by the public sources."
                                        } @else {
                                            "Its fast followers: "
                                            @for (i, (_, code, name)) in own.iter().enumerate() {
                                                @if i > 0 { ", " }
                                                (name) " (" (code) ")"
                                            }
                                        }
                                    }
                                    None => { "No pairing confirmed by the public sources" }
                                }
                            }
                        }
                        td.nhsuk-table__cell.nhsuk-table__cell--numeric.num { (money(s.money.allocated)) }
                        td.nhsuk-table__cell.nhsuk-table__cell--numeric.num { (money(s.money.released)) }
                        td.nhsuk-table__cell.nhsuk-table__cell--numeric.num { (s.milestones.overdue) }
                    }
                }
            }
        }
    }
}

/// A trust reporter's returns that need something, each with what to do next.
fn returns_banner(due: &[ReturnDue]) -> Markup {
    html! {
        @if !due.is_empty() {
            section.nhsuk-inset-text #returns-due aria-labelledby="returns-due-title" {
                h2 #returns-due-title { "Your returns" }
                ul.plain {
                    @for r in due {
                        @let (state, action) = match r.state {
                            ReportState::NotReported => ("not started", "Start"),
                            ReportState::Is(ReturnStatus::Draft) => ("in draft", "Continue"),
                            ReportState::Is(ReturnStatus::Returned) => ("returned for changes", "Revise"),
                            ReportState::Is(ReturnStatus::Submitted) => ("submitted, awaiting review", "View"),
                            ReportState::Is(ReturnStatus::Approved) => ("approved", "View"),
                        };
                        li {
                            "Your return for " (r.period_label) ": due " (display_date(r.due_on))
                            @if r.overdue { " (overdue)" }
                            ", " (state) " — "
                            a href={ "/returns/" (crate::domain::reporting::period_slug(&r.period_label)) "/" (r.ods_code) } {
                                (action) span.nhsuk-u-visually-hidden { " your return for " (r.period_label) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn label_of(key: ParticipantColumn) -> &'static str {
    match key {
        ParticipantColumn::Ods => "ODS code",
        ParticipantColumn::Trust => "trust name",
        ParticipantColumn::Sector => "sector",
        ParticipantColumn::Wave => "wave",
        ParticipantColumn::Pairing => "paired exemplar",
        ParticipantColumn::Allocated => "allocated funding",
        ParticipantColumn::Released => "released funding",
        ParticipantColumn::Overdue => "overdue milestones",
    }
}
