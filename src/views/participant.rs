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
            h1 { (s.name) " " span.nhsuk-caption-m { "(" (s.ods_code) ")" } }
            p.actions {
                a href={ "/participants/" (s.ods_code) "/returns" } { "Progress returns" }
                @if office {
                    " · "
                    a href={ "/participants/" (s.ods_code) "/edit" } { "Edit details, pairing and partners" }
                }
            }
            dl.nhsuk-summary-list #participant-summary {
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "ODS code" } dd.nhsuk-summary-list__value { (s.ods_code) } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Role" } dd.nhsuk-summary-list__value { (s.role.label()) } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Sector" } dd.nhsuk-summary-list__value { (s.sector.label()) } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Wave" } dd.nhsuk-summary-list__value { (s.wave) } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Designated" } dd.nhsuk-summary-list__value { (approx_date(&s.designated)) } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Status" } dd.nhsuk-summary-list__value {
                    (s.status.label())
                    @if let Some(a) = &d.accredited { " (accredited " (approx_date(a)) ")" }
                } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "NHS England region" } dd.nhsuk-summary-list__value {
                    @if let Some(r) = &s.region { (r.name()) } @else { span.nhsuk-u-secondary-text-colour { "Not recorded" } }
                    @if let Some(old) = &org.region_2017 {
                        @if Some(old.name()) != s.region.as_ref().map(|r| r.name()) {
                            " (at designation: " (old.name()) ")"
                        }
                    }
                } }
                @if let Some(name) = &org.name_at_designation {
                    @if name != &org.name {
                        div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Name at designation" } dd.nhsuk-summary-list__value { (name) } }
                    }
                }
                @if let Some(closed) = org.closed_on {
                    div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Organisation closed" } dd.nhsuk-summary-list__value {
                        (date(closed))
                        @if let Some(successor) = &d.successor {
                            "; succeeded by "
                            (successor.name)
                            @if let Some(code) = &successor.ods_code { " (" (code) ")" }
                        }
                    } }
                }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Confidence in this record" } dd.nhsuk-summary-list__value {
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
                table.nhsuk-table #partnerships {
                    caption.nhsuk-table__caption { "Partner organisations of " (s.name) }
                    thead.nhsuk-table__head { tr.nhsuk-table__row {
                        th.nhsuk-table__header scope="col" { "Organisation" } th.nhsuk-table__header scope="col" { "Role" } th.nhsuk-table__header scope="col" { "Country" }
                        th.nhsuk-table__header scope="col" { "From" } th.nhsuk-table__header scope="col" { "Until" } th.nhsuk-table__header scope="col" { "Confidence" } th.nhsuk-table__header scope="col" { "Note" }
                    } }
                    tbody.nhsuk-table__body {
                        @for p in &d.partnerships {
                            tr.nhsuk-table__row {
                                td.nhsuk-table__cell { (p.partner_name) }
                                td.nhsuk-table__cell { (p.role.label()) }
                                td.nhsuk-table__cell { (p.country_code) }
                                td.nhsuk-table__cell { @if let Some(x) = &p.started { (approx_date(x)) } }
                                td.nhsuk-table__cell { @if let Some(x) = &p.ended { (approx_date(x)) } }
                                td.nhsuk-table__cell { (confidence_tag(p.confidence)) }
                                td.nhsuk-table__cell { @if let Some(n) = &p.note { (n) } }
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
                p.nhsuk-u-font-weight-bold.warning #match-shortfall {
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
            @if !d.allocations.is_empty() {
                p.actions #funding-downloads {
                    a href={ "/export/allocations?participant=" (s.ods_code) } download { "Download CSV: allocations" }
                    " "
                    a href={ "/export/tranches?participant=" (s.ods_code) } download { "Download CSV: tranches" }
                }
            }

            h2 { "Milestones" }
            @if office {
                p.actions { a href={ "/participants/" (s.ods_code) "/milestones/new" } { "Add a milestone" } }
            }
            @if d.milestones.is_empty() {
                p { "No milestones have been recorded." }
            } @else {
                table.nhsuk-table #milestones {
                    caption.nhsuk-table__caption {
                        "Milestones of " (s.name) ", slippage measured from the baseline, as at " (display_date(today))
                        @if d.milestones.iter().any(|m| m.illustrative) { " " (illustrative_tag()) }
                    }
                    thead.nhsuk-table__head { tr.nhsuk-table__row {
                        th.nhsuk-table__header scope="col" { "Ref" } th.nhsuk-table__header scope="col" { "Milestone" } th.nhsuk-table__header scope="col" { "Category" }
                        th.nhsuk-table__header scope="col" { "Baseline" } th.nhsuk-table__header scope="col" { "Forecast" } th.nhsuk-table__header scope="col" { "Actual" }
                        th.nhsuk-table__header scope="col" { "Slippage" } th.nhsuk-table__header scope="col" { "Status" } th.nhsuk-table__header scope="col" { "Signed off" }
                    } }
                    tbody.nhsuk-table__body {
                        @for m in &d.milestones {
                            tr.nhsuk-table__row {
                                td.nhsuk-table__cell { a href={ "/milestones/" (m.id) } { (m.reference) } }
                                td.nhsuk-table__cell { (m.title) }
                                td.nhsuk-table__cell { (m.category.label()) }
                                td.nhsuk-table__cell { (date(m.baseline_on)) }
                                td.nhsuk-table__cell { (optional_date(m.forecast_on)) }
                                td.nhsuk-table__cell { (optional_date(m.actual_on)) }
                                td.nhsuk-table__cell { (slippage(m.slippage_days)) }
                                td.nhsuk-table__cell {
                                    (m.status.label())
                                    @if matches!(m.timeliness, Timeliness::Overdue | Timeliness::DueSoon) {
                                        " " (timeliness_tag(m.timeliness))
                                    }
                                }
                                td.nhsuk-table__cell { (optional_date(m.signed_off_on)) }
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
                table.nhsuk-table #maturity {
                    caption.nhsuk-table__caption { "Maturity assessments of " (s.name) }
                    thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Assessed" } th.nhsuk-table__header scope="col" { "Scale" } th.nhsuk-table__header scope="col" .num { "Score" } th.nhsuk-table__header scope="col" { "Source" } } }
                    tbody.nhsuk-table__body {
                        @for m in &d.maturity {
                            tr.nhsuk-table__row {
                                td.nhsuk-table__cell { (approx_date(&m.assessed)) }
                                td.nhsuk-table__cell { (m.scale.label()) }
                                td.nhsuk-table__cell.nhsuk-table__cell--numeric.num { (m.score) }
                                td.nhsuk-table__cell { @if m.illustrative { (illustrative_tag()) } @else if let Some(src) = &m.source { (src) } }
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
            dl.nhsuk-summary-list {
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Central funding" } dd.nhsuk-summary-list__value { (money(a.central)) } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Local match" } dd.nhsuk-summary-list__value { (money(a.local_match)) } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Awarded" } dd.nhsuk-summary-list__value { (date(a.awarded_on)) } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Released" } dd.nhsuk-summary-list__value { (money(released)) } }
                div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Remaining" } dd.nhsuk-summary-list__value { (money(a.central.saturating_sub(released))) } }
            }
            @if office {
                p.actions {
                    a href={ "/allocations/" (a.id) "/change" } { "Request a change to this allocation" }
                    " · "
                    a href={ "/allocations/" (a.id) "/tranches/new" } { "Define a tranche" }
                }
            }
            table.nhsuk-table {
                caption.nhsuk-table__caption { "Financial-year profile of allocation " (a.reference) }
                thead.nhsuk-table__head { tr.nhsuk-table__row { th.nhsuk-table__header scope="col" { "Financial year" } th.nhsuk-table__header scope="col" .num { "Profiled" } } }
                tbody.nhsuk-table__body {
                    @for (fy, amount) in &a.profile {
                        tr.nhsuk-table__row { td.nhsuk-table__cell { (fy.to_string()) } td.nhsuk-table__cell.nhsuk-table__cell--numeric.num { (money(*amount)) } }
                    }
                }
                tfoot { tr.nhsuk-table__row { th.nhsuk-table__header scope="row" { "Total" } td.nhsuk-table__cell.nhsuk-table__cell--numeric.num { (money(a.profile.iter().map(|(_, p)| *p).sum())) } } }
            }
            table.nhsuk-table {
                caption.nhsuk-table__caption { "Tranches of allocation " (a.reference) }
                thead.nhsuk-table__head { tr.nhsuk-table__row {
                    th.nhsuk-table__header scope="col" { "Tranche" } th.nhsuk-table__header scope="col" { "Type" } th.nhsuk-table__header scope="col" { "Milestone" }
                    th.nhsuk-table__header scope="col" .num { "Amount" } th.nhsuk-table__header scope="col" { "Status" }
                } }
                tbody.nhsuk-table__body {
                    @for t in &a.tranches {
                        tr.nhsuk-table__row {
                            td.nhsuk-table__cell { (t.name) }
                            td.nhsuk-table__cell { (t.kind.label()) }
                            td.nhsuk-table__cell { @if let Some(r) = &t.milestone_reference { (r) } }
                            td.nhsuk-table__cell.nhsuk-table__cell--numeric.num { (money(t.amount)) }
                            td.nhsuk-table__cell {
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
                                                Some(why) => { br; span.nhsuk-u-secondary-text-colour { (why) } }
                                                None => {
                                                    " "
                                                    a.nhsuk-button.nhsuk-button--small href={ "/tranches/" (t.id) "/release" } {
                                                        "Release " span.nhsuk-u-visually-hidden { (t.name) }
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
