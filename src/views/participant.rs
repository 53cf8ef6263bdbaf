//! One participant: organisation, role, pairing, partners, funding and milestones.
use maud::{Markup, html};
use time::Date;

use super::components::{
    approx_date, confidence_tag, date, illustrative_tag, money, optional_date, slippage,
    timeliness_tag,
};
use super::forms::error_summary;
use super::layout::{Chrome, Nav, page as layout};
use crate::domain::access::UserRole;
use crate::domain::dates::display_date;
use crate::domain::milestone::Timeliness;
use crate::domain::participant::Role;
use crate::domain::programme::{AllocationView, MilestoneView, ParticipantDetail};
use crate::domain::tranche::release_blocker;
use crate::services::FieldError;
use crate::services::audit_log::HistoryEntry;

pub fn page(
    chrome: &Chrome,
    d: &ParticipantDetail,
    history: &[HistoryEntry],
    today: Date,
    errors: &[FieldError],
) -> Markup {
    let s = &d.summary;
    let org = &d.organisation;
    let office = chrome
        .user
        .as_ref()
        .is_some_and(|u| u.role == UserRole::ProgrammeOffice);
    layout(
        &s.name,
        Nav::Participants,
        chrome,
        html! {
            (error_summary(errors))
            p.breadcrumb { a href="/participants" { "Participants" } }
            h1 { (s.name) " " span.caption { "(" (s.ods_code) ")" } }
            p.actions {
                a href={ "/participants/" (s.ods_code) "/returns" } { "Progress returns" }
                @if office {
                    " · "
                    a href={ "/participants/" (s.ods_code) "/edit" } { "Edit details, pairing and partners" }
                }
            }
            dl.summary-list #participant-summary {
                div { dt { "ODS code" } dd { (s.ods_code) } }
                div { dt { "Role" } dd { (s.role.label()) } }
                div { dt { "Sector" } dd { (s.sector.label()) } }
                div { dt { "Wave" } dd { (s.wave) } }
                div { dt { "Designated" } dd { (approx_date(&s.designated)) } }
                div { dt { "Status" } dd {
                    (s.status.label())
                    @if let Some(a) = &d.accredited { " (accredited " (approx_date(a)) ")" }
                } }
                div { dt { "NHS England region" } dd {
                    @if let Some(r) = &s.region { (r.name()) } @else { span.muted { "Not recorded" } }
                    @if let Some(old) = &org.region_2017 {
                        @if Some(old.name()) != s.region.as_ref().map(|r| r.name()) {
                            " (at designation: " (old.name()) ")"
                        }
                    }
                } }
                @if let Some(name) = &org.name_at_designation {
                    @if name != &org.name {
                        div { dt { "Name at designation" } dd { (name) } }
                    }
                }
                @if let Some(closed) = org.closed_on {
                    div { dt { "Organisation closed" } dd {
                        (date(closed))
                        @if let Some(successor) = &d.successor {
                            "; succeeded by "
                            (successor.name)
                            @if let Some(code) = &successor.ods_code { " (" (code) ")" }
                        }
                    } }
                }
                div { dt { "Confidence in this record" } dd {
                    (confidence_tag(d.confidence))
                    @if let Some(source) = &d.source { " Sources: " (source.replace(';', ", ")) }
                } }
            }

            h2 { "Pairing" }
            @if s.role == Role::FastFollower {
                @match &s.exemplar {
                    Some((code, name)) => p #pairing {
                        "Fast follower of " a href={ "/participants/" (code) } { (name) " (" (code) ")" }
                        @if let Some(c) = d.pairing_confidence { " " (confidence_tag(c)) }
                    },
                    None => p #pairing { "No pairing confirmed by the public sources." },
                }
            } @else if d.fast_followers.is_empty() {
                p #pairing { "An exemplar has no paired exemplar: exemplars are paired with fast followers. No fast followers of this exemplar are confirmed by the public sources." }
            } @else {
                p { "An exemplar has no paired exemplar: exemplars are paired with fast followers. Fast followers paired with this exemplar:" }
                ul #pairing {
                    @for (code, name) in &d.fast_followers {
                        li { a href={ "/participants/" (code) } { (name) " (" (code) ")" } }
                    }
                }
            }

            h2 { "Partners" }
            @if d.partnerships.is_empty() {
                p { "No partner organisations are confirmed by the sources." }
            } @else {
                table.table #partnerships {
                    caption { "Partner organisations of " (s.name) }
                    thead { tr {
                        th scope="col" { "Organisation" } th scope="col" { "Role" } th scope="col" { "Country" }
                        th scope="col" { "From" } th scope="col" { "Until" } th scope="col" { "Confidence" } th scope="col" { "Note" }
                    } }
                    tbody {
                        @for p in &d.partnerships {
                            tr {
                                td { (p.partner_name) }
                                td { (p.role.label()) }
                                td { (p.country_code) }
                                td { @if let Some(x) = &p.started { (approx_date(x)) } }
                                td { @if let Some(x) = &p.ended { (approx_date(x)) } }
                                td { (confidence_tag(p.confidence)) }
                                td { @if let Some(n) = &p.note { (n) } }
                            }
                        }
                    }
                }
            }

            h2 { "Funding" }
            @if let Some(h) = &d.headroom {
                p #headroom {
                    "Cap for " (crate::domain::funding::RoleInSector(s.role, s.sector).to_string()) ": "
                    strong { (money(h.cap)) } "; allocated " (money(h.allocated)) "; headroom " (money(h.remaining)) "."
                }
            } @else {
                p #headroom { "No funding cap is defined for this role and sector." }
            }
            @if let Some(shortfall) = s.match_shortfall() {
                p.warning #match-shortfall {
                    "Local match is " (money(shortfall)) " below the central funding; central funding must be matched locally."
                }
            }
            @if d.allocations.is_empty() {
                p { "No allocation has been recorded." }
            }
            @if office {
                p.actions { a href={ "/participants/" (s.ods_code) "/allocations/new" } { "Record an allocation" } }
            }
            @for a in &d.allocations {
                (allocation(a, &d.milestones, office, today))
            }

            h2 { "Milestones" }
            @if office {
                p.actions { a href={ "/participants/" (s.ods_code) "/milestones/new" } { "Add a milestone" } }
            }
            @if d.milestones.is_empty() {
                p { "No milestones have been recorded." }
            } @else {
                table.table #milestones {
                    caption {
                        "Milestones of " (s.name) ", slippage measured from the baseline, as at " (display_date(today))
                        @if d.milestones.iter().any(|m| m.illustrative) { " " (illustrative_tag()) }
                    }
                    thead { tr {
                        th scope="col" { "Ref" } th scope="col" { "Milestone" } th scope="col" { "Category" }
                        th scope="col" { "Baseline" } th scope="col" { "Forecast" } th scope="col" { "Actual" }
                        th scope="col" { "Slippage" } th scope="col" { "Status" } th scope="col" { "Signed off" }
                    } }
                    tbody {
                        @for m in &d.milestones {
                            tr {
                                td { a href={ "/milestones/" (m.id) } { (m.reference) } }
                                td { (m.title) }
                                td { (m.category.label()) }
                                td { (date(m.baseline_on)) }
                                td { (optional_date(m.forecast_on)) }
                                td { (optional_date(m.actual_on)) }
                                td { (slippage(m.slippage_days)) }
                                td {
                                    (m.status.label())
                                    @if matches!(m.timeliness, Timeliness::Overdue | Timeliness::DueSoon) {
                                        " " (timeliness_tag(m.timeliness))
                                    }
                                }
                                td { (optional_date(m.signed_off_on)) }
                            }
                        }
                    }
                }
            }

            h2 { "Digital maturity" }
            @if d.maturity.is_empty() {
                p { "No maturity assessments have been recorded." }
            } @else {
                p { "Target: HIMSS EMRAM stage " (s.role.maturity_target()) " for a " (s.role.label().to_lowercase()) "." }
                table.table #maturity {
                    caption { "Maturity assessments of " (s.name) }
                    thead { tr { th scope="col" { "Assessed" } th scope="col" { "Scale" } th scope="col" .num { "Score" } th scope="col" { "Source" } } }
                    tbody {
                        @for m in &d.maturity {
                            tr {
                                td { (approx_date(&m.assessed)) }
                                td { (m.scale.label()) }
                                td.num { (m.score) }
                                td { @if m.illustrative { (illustrative_tag()) } @else if let Some(src) = &m.source { (src) } }
                            }
                        }
                    }
                }
            }

            h2 { "History" }
            (super::audit::table(history, &format!("Recorded changes to {}", s.name)))
        },
    )
}

fn allocation(
    a: &AllocationView,
    milestones: &[MilestoneView],
    office: bool,
    today: Date,
) -> Markup {
    let released = a.released();
    let signed_off = |reference: &str| {
        milestones
            .iter()
            .find(|m| m.reference == reference)
            .and_then(|m| m.signed_off_on)
    };
    html! {
        section.allocation aria-labelledby={ "allocation-" (a.reference) } {
            h3 id={ "allocation-" (a.reference) } {
                "Allocation " (a.reference) " " @if a.illustrative { (illustrative_tag()) }
            }
            dl.summary-list {
                div { dt { "Central funding" } dd { (money(a.central)) } }
                div { dt { "Local match" } dd { (money(a.local_match)) } }
                div { dt { "Awarded" } dd { (date(a.awarded_on)) } }
                div { dt { "Released" } dd { (money(released)) } }
                div { dt { "Remaining" } dd { (money(a.central.saturating_sub(released))) } }
            }
            @if office {
                p.actions {
                    a href={ "/allocations/" (a.id) "/change" } { "Request a change to this allocation" }
                    " · "
                    a href={ "/allocations/" (a.id) "/tranches/new" } { "Define a tranche" }
                }
            }
            table.table {
                caption { "Financial-year profile of allocation " (a.reference) }
                thead { tr { th scope="col" { "Financial year" } th scope="col" .num { "Profiled" } } }
                tbody {
                    @for (fy, amount) in &a.profile {
                        tr { td { (fy.to_string()) } td.num { (money(*amount)) } }
                    }
                }
                tfoot { tr { th scope="row" { "Total" } td.num { (money(a.profile.iter().map(|(_, p)| *p).sum())) } } }
            }
            table.table {
                caption { "Tranches of allocation " (a.reference) }
                thead { tr {
                    th scope="col" { "Tranche" } th scope="col" { "Type" } th scope="col" { "Milestone" }
                    th scope="col" .num { "Amount" } th scope="col" { "Status" }
                } }
                tbody {
                    @for t in &a.tranches {
                        tr {
                            td { (t.name) }
                            td { (t.kind.label()) }
                            td { @if let Some(r) = &t.milestone_reference { (r) } }
                            td.num { (money(t.amount)) }
                            td {
                                @match t.released_on {
                                    Some(d) => { "Released " (date(d)) }
                                    None => {
                                        "Not released"
                                        @if office {
                                            @match release_blocker(
                                                None,
                                                t.milestone_reference.as_deref().map(|r| (r, signed_off(r))),
                                                t.amount,
                                                released,
                                                a.central,
                                                today,
                                            ) {
                                                Some(why) => { br; span.muted { (why) } }
                                                None => {
                                                    " "
                                                    a.button.button--small href={ "/tranches/" (t.id) "/release" } {
                                                        "Release " span.visually-hidden { (t.name) }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
