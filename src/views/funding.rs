//! Funding forms: a new allocation, a change request, a new tranche.
use maud::{Markup, html};

use super::forms::{error_summary, input, select};
use super::layout::{Chrome, Nav, csrf_field, page};
use super::manage::{DATE_HINT, text};
use crate::domain::dates::display_date;
use crate::domain::financial_year::FinancialYear;
use crate::domain::tranche::TrancheKind;
use crate::services::FieldError;
use crate::services::funding::{
    AllocationValues, ChangeForm, MoneyContext, NewTranche, ProfileInput, ReleasePreview,
    TrancheForm,
};

fn cap_notice(ctx: &MoneyContext) -> Markup {
    html! {
        @match &ctx.headroom {
            Some(h) => div.nhsuk-inset-text #cap-notice {
                p { "The cap for " (ctx.cap_label) " is " strong { (h.cap.to_string()) } "." }
                p { "Already allocated: " (h.allocated.to_string()) ". Headroom: " strong { (h.remaining.to_string()) } "." }
            },
            None => div.nhsuk-inset-text #cap-notice { p { "No funding cap is defined for " (ctx.cap_label) ", so nothing can be allocated." } },
        }
        @if let Some(g) = &ctx.group {
            div.nhsuk-inset-text #group-cap-notice {
                p { (ctx.ods) " shares a cap of " strong { (g.headroom.cap.to_string()) } " with the rest of " strong { (g.name) } ", as well as its own cap." }
                p { "Already allocated across the group: " (g.headroom.allocated.to_string()) ". Group headroom: " strong #group-headroom { (g.headroom.remaining.to_string()) } "." }
            }
        }
    }
}

fn profile_fields(years: &[FinancialYear], values: &ProfileInput, errors: &[FieldError]) -> Markup {
    let error = errors.iter().find(|e| e.field == "profile");
    html! {
        fieldset #profile class={ "nhsuk-fieldset" @if error.is_some() { " nhsuk-form-group--error" } } {
            legend.nhsuk-fieldset__legend.nhsuk-fieldset__legend--s { "Financial-year profile" }
            div.nhsuk-hint { "How the central funding is spread across UK financial years (April to March). The years must add up to the central amount exactly; leave a year empty if nothing falls in it."
                @if let (Some(first), Some(last)) = (years.first(), years.last()) {
                    " The years run from " (first) " to " (last) ": from the programme's first year (or the award's year, if earlier) to four years after the award, or the latest year already profiled."
                }
            }
            @for e in errors.iter().filter(|e| e.field == "profile") {
                p.nhsuk-error-message id="profile-error" { span.nhsuk-u-visually-hidden { "Error: " } (e.message) }
            }
            div.profile-grid {
                @for fy in years {
                    @let name = format!("fy_{}", fy.start_year());
                    @let value = values.get(&fy.start_year()).cloned().unwrap_or_default();
                    div {
                        label.nhsuk-label for=(name) { (fy.to_string()) }
                        input.nhsuk-input #(name) name=(name) type="text" value=(value) autocomplete="off";
                    }
                }
            }
        }
    }
}

pub fn new_allocation(
    chrome: &Chrome,
    ctx: &MoneyContext,
    years: &[FinancialYear],
    v: &AllocationValues,
    errors: &[FieldError],
) -> Markup {
    page(
        "Record an allocation",
        Nav::Participants,
        chrome,
        html! {
            div.narrow {
                (error_summary(errors))
                p.breadcrumb { a href={ "/participants/" (ctx.ods) } { (ctx.name) } }
                h1 { "Record an allocation for " (ctx.name) }
                (cap_notice(ctx))
                form method="post" action={ "/participants/" (ctx.ods) "/allocations" } novalidate {
                    (csrf_field(chrome))
                    (input(text("reference", "Reference", &v.reference, Some("For example ALLOC-2")), errors))
                    (input(text("central", "Central funding (£)", &v.central, Some("Pounds and pence, for example 2500000 or £2,500,000.00")), errors))
                    (input(text("local_match", "Local match (£)", &v.local_match, Some("Central funding must be matched locally")), errors))
                    (input(text("awarded_on", "Awarded on", &v.awarded_on, Some(DATE_HINT)), errors))
                    (profile_fields(years, &v.profile, errors))
                    button.nhsuk-button type="submit" { "Record allocation" }
                }
            }
        },
    )
}

pub fn change_allocation(
    chrome: &Chrome,
    form: &ChangeForm,
    years: &[FinancialYear],
    v: &AllocationValues,
    errors: &[FieldError],
) -> Markup {
    let (ctx, reference, id) = (&form.money, &form.reference, form.allocation_id);
    page(
        "Request a change to an allocation",
        Nav::Participants,
        chrome,
        html! {
            div.narrow {
                (error_summary(errors))
                p.breadcrumb { a href={ "/participants/" (ctx.ods) } { (ctx.name) } }
                h1 { "Request a change to allocation " (reference) }
                p { "Changes to money need a reason and are decided by someone else in the programme office. Nothing changes until the request is approved." }
                (cap_notice(ctx))
                form method="post" action={ "/allocations/" (id) "/change" } novalidate {
                    (csrf_field(chrome))
                    (input(text("central", "New central funding (£)", &v.central, None), errors))
                    (input(text("local_match", "New local match (£)", &v.local_match, None), errors))
                    (profile_fields(years, &v.profile, errors))
                    div class={ "nhsuk-form-group" @if errors.iter().any(|e| e.field == "reason") { " nhsuk-form-group--error" } } {
                        label.nhsuk-label for="reason" { "Reason for the change" }
                        @for e in errors.iter().filter(|e| e.field == "reason") {
                            p.nhsuk-error-message id="reason-error" { span.nhsuk-u-visually-hidden { "Error: " } (e.message) }
                        }
                        textarea.nhsuk-textarea #reason name="reason" rows="4" { (v.reason) }
                    }
                    button.nhsuk-button type="submit" { "Send for decision" }
                }
            }
        },
    )
}

pub fn new_tranche(
    chrome: &Chrome,
    t: &TrancheForm,
    v: &NewTranche,
    errors: &[FieldError],
) -> Markup {
    let (ctx, reference, id, milestones, remaining) = (
        &t.money,
        &t.reference,
        t.allocation_id,
        &t.milestones,
        t.remaining.to_string(),
    );
    let kinds: Vec<(String, String)> = TrancheKind::ALL
        .iter()
        .map(|k| (k.code().to_owned(), k.label().to_owned()))
        .collect();
    page(
        "Define a tranche",
        Nav::Participants,
        chrome,
        html! {
            div.narrow {
                (error_summary(errors))
                p.breadcrumb { a href={ "/participants/" (ctx.ods) } { (ctx.name) } }
                h1 { "Define a tranche of allocation " (reference) }
                div.nhsuk-inset-text { p { "Not yet committed to a tranche: " strong #tranche-headroom { (remaining) } "." } }
                form method="post" action={ "/allocations/" (id) "/tranches" } novalidate {
                    (csrf_field(chrome))
                    (input(text("name", "Name", &v.name, Some("For example Instalment 3: EPR go-live")), errors))
                    (select("kind", "Released", &kinds, &v.kind, "Select how it is released", errors))
                    (select("milestone_reference", "Milestone whose sign-off releases it", milestones, &v.milestone_reference, "None (upfront tranche)", errors))
                    (input(text("amount", "Amount (£)", &v.amount, None), errors))
                    button.nhsuk-button type="submit" { "Define tranche" }
                }
            }
        },
    )
}

/// Errors a page can show beside a field it renders; the rest are linked
/// to `fallback`, an element the page always has, so no summary link
/// points at nothing.
fn placed(errors: &[FieldError], fields: &[&str], fallback: &'static str) -> Vec<FieldError> {
    errors
        .iter()
        .map(|e| FieldError {
            field: if fields.contains(&e.field.as_ref()) {
                e.field.clone()
            } else {
                fallback.into()
            },
            message: e.message.clone(),
        })
        .collect()
}

/// The page between the Release link and the money moving: what will be
/// released, to whom and when, with Confirm (POST) and a way back. When the
/// tranche cannot be released it says why and offers no button.
pub fn confirm_release(
    chrome: &Chrome,
    r: &ReleasePreview,
    released_on: &str,
    errors: &[FieldError],
) -> Markup {
    let back = format!("/participants/{}", r.ods);
    let form_shown = r.blocker.is_none();
    let fields: &[&str] = if form_shown { &["released_on"] } else { &[] };
    let errors = placed(errors, fields, "release-summary");
    let title = if form_shown {
        format!("Release {} to {}?", r.amount, r.participant)
    } else {
        format!("{} cannot be released", r.name)
    };
    page(
        &title,
        Nav::Participants,
        chrome,
        html! {
            div.narrow {
                (error_summary(&errors))
                p.breadcrumb { a href=(back) { (r.participant) } }
                h1 { (title) }
                dl.nhsuk-summary-list #release-summary tabindex="-1" {
                    div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Amount" } dd.nhsuk-summary-list__value #release-amount { (r.amount.to_string()) } }
                    div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Recipient" } dd.nhsuk-summary-list__value { (r.participant) " (" (r.ods) ")" } }
                    div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Tranche" } dd.nhsuk-summary-list__value { (r.name) } }
                    div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Allocation" } dd.nhsuk-summary-list__value { (r.allocation_reference) ": " (r.allocation_central.to_string()) " central funding, " (r.released_so_far.to_string()) " released so far" } }
                    div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Released on" } dd.nhsuk-summary-list__value {
                        @match &r.milestone {
                            Some((reference, title, Some(on))) => { "Sign-off of milestone " (reference) " (" (title) "), signed off " (display_date(*on)) }
                            Some((reference, title, None)) => { "Sign-off of milestone " (reference) " (" (title) "), not yet signed off" }
                            None => { "Upfront, with no milestone" }
                        }
                    } }
                    @if let Some(on) = r.released_on {
                        div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { "Released" } dd.nhsuk-summary-list__value { (display_date(on)) } }
                    }
                }
                @match &r.blocker {
                    Some(why) => {
                        div.nhsuk-inset-text #release-status { p { strong { (why) } "." } }
                        p { a href=(back) { "Go back to " (r.participant) } }
                    }
                    None => {
                        p #release-status {
                            "Confirming records " (r.amount.to_string()) " as released to " (r.participant)
                            ", taking releases from allocation " (r.allocation_reference) " to "
                            (r.released_so_far.saturating_add(r.amount).to_string()) ". This cannot be undone here."
                        }
                        form method="post" action={ "/tranches/" (r.tranche_id) "/release" } novalidate {
                            (csrf_field(chrome))
                            input type="hidden" name="version" value=(r.version);
                            (input(text("released_on", "Release date", released_on, Some("Today, unless you are recording an earlier release; not before the milestone's sign-off. For example 2021-03-31")), &errors))
                            div.form-actions {
                                button.nhsuk-button type="submit" { "Confirm release of " (r.amount.to_string()) }
                                a href=(back) { "Go back" }
                            }
                        }
                    }
                }
            }
        },
    )
}
