//! The programme overview: who is in the programme, the money, and the milestones.
use maud::{Markup, html};
use time::Date;

use super::components::{illustrative_tag, money};
use super::layout::{Chrome, Nav, page as layout};
use crate::domain::dates::display_date;
use crate::domain::milestone::DUE_SOON_DAYS;
use crate::domain::participant::Role;
use crate::domain::programme::ParticipantSummary;
use crate::services::programme::OverviewData;

pub fn page(chrome: &Chrome, data: &OverviewData, today: Date) -> Markup {
    let overview = &data.overview;
    let summaries = &data.visible;
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
    let exemplars: Vec<&ParticipantSummary> = summaries
        .iter()
        .filter(|s| s.role == Role::GlobalDigitalExemplar)
        .collect();
    let followers: Vec<&ParticipantSummary> = summaries
        .iter()
        .filter(|s| s.role == Role::FastFollower)
        .collect();
    let remaining = overview.allocated.saturating_sub(overview.released);
    let m = &overview.milestones;
    layout(
        "Programme overview",
        Nav::Overview,
        chrome,
        html! {
            h1 { "Programme overview" }
            p.lead {
                (exemplar_count) " global digital exemplars and "
                (follower_count) " fast followers, as at " (display_date(today)) "."
            }
            div.cards {
                section.card aria-labelledby="card-participants" {
                    h2 #card-participants { "Participants" }
                    p.figure { (data.total_participants) }
                    p { (exemplar_count) " exemplars, " (follower_count) " fast followers" }
                }
                section.card aria-labelledby="card-funding" {
                    h2 #card-funding { "Central funding " (illustrative_tag()) }
                    dl.figures {
                        dt { "Allocated" } dd #total-allocated { (money(overview.allocated)) }
                        dt { "Released" } dd #total-released { (money(overview.released)) }
                        dt { "Remaining" } dd #total-remaining { (money(remaining)) }
                        dt { "Local match" } dd #total-local-match { (money(overview.local_match)) }
                    }
                    @if overview.match_shortfalls > 0 {
                        p.warning {
                            (overview.match_shortfalls) " participant"
                            @if overview.match_shortfalls != 1 { "s" }
                            " with local match below central funding"
                        }
                    }
                }
                section.card aria-labelledby="card-milestones" {
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
            table.table #by-role-sector {
                caption { "Number of participants by role and sector" }
                thead { tr { th scope="col" { "Role" } th scope="col" { "Sector" } th scope="col" .num { "Participants" } } }
                tbody {
                    @for (role, sector, count) in &overview.by_role_sector {
                        tr {
                            td { (role.label()) }
                            td { (sector.label()) }
                            td.num { (count) }
                        }
                    }
                }
                tfoot { tr { th scope="row" colspan="2" { "Total" } td.num { (data.total_participants) } } }
            }

            @if data.scoped {
                h2 { "Your organisation" }
                @if summaries.is_empty() {
                    p { "Your account's organisation is not a participant in the programme." }
                } @else {
                    (participant_table("own-participant", "Your organisation's place in the programme", &summaries.iter().collect::<Vec<_>>(), true))
                }
            } @else {
                h2 #exemplars-heading { "Global digital exemplars" }
                (participant_table("exemplars", "Global digital exemplars with their ODS codes, funding and overdue milestones", &exemplars, false))

                h2 #followers-heading { "Fast followers" }
                (participant_table("fast-followers", "Fast followers with the exemplar each is paired with", &followers, true))
            }
        },
    )
}

fn participant_table(
    id: &str,
    caption: &str,
    rows: &[&ParticipantSummary],
    show_exemplar: bool,
) -> Markup {
    html! {
        table.table id=(id) {
            caption { (caption) }
            thead {
                tr {
                    th scope="col" { "ODS code" }
                    th scope="col" { "Trust" }
                    th scope="col" { "Sector" }
                    th scope="col" { "Wave" }
                    @if show_exemplar { th scope="col" { "Paired exemplar" } }
                    th scope="col" .num { "Allocated" }
                    th scope="col" .num { "Released" }
                    th scope="col" .num { "Overdue milestones" }
                }
            }
            tbody {
                @for s in rows {
                    tr {
                        td { a href={ "/participants/" (s.ods_code) } { (s.ods_code) } }
                        td {
                            (s.name)
                            @if let Some(old) = &s.designated_name { br; span.muted { "Designated as " (old) } }
                        }
                        td { (s.sector.label()) }
                        td { (s.wave) }
                        @if show_exemplar {
                            td {
                                @match &s.exemplar {
                                    Some((code, name)) => { a href={ "/participants/" (code) } { (name) } }
                                    None => { span.muted { "Not confirmed" } }
                                }
                            }
                        }
                        td.num { (money(s.money.allocated)) }
                        td.num { (money(s.money.released)) }
                        td.num { (s.milestones.overdue) }
                    }
                }
            }
        }
    }
}
