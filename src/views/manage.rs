//! Programme office forms: participants, pairings, partners and partnerships,
//! plus the conflict page every versioned form shares.
use maud::{Markup, html};

use super::forms::{Input, error_summary, input, select};
use super::layout::{Chrome, Nav, csrf_field, page};
use crate::domain::participant::{
    OrganisationKind, ParticipantStatus, PartnershipRole, Role, Sector,
};
use crate::domain::region::RegionCode;
use crate::services::FieldError;
use crate::services::participants::{ParticipantForm, PartnerForm, PartnershipForm};

pub fn options<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (code(*v).to_owned(), label(*v).to_owned()))
        .collect()
}

pub fn text<'a>(
    name: &'static str,
    label: &'a str,
    value: &'a str,
    hint: Option<&'a str>,
) -> Input<'a> {
    Input {
        name,
        label,
        value,
        kind: "text",
        hint,
        autocomplete: Some("off"),
    }
}

pub const DATE_HINT: &str = "For example, 31/03/2019 (or 2019-03-31)";
pub const APPROX_DATE_HINT: &str = "As YYYY-MM-DD, or YYYY-MM when only the month is known";

fn form_page(
    chrome: &Chrome,
    title: &str,
    back: (&str, &str),
    errors: &[FieldError],
    body: Markup,
) -> Markup {
    page(
        title,
        Nav::Participants,
        chrome,
        html! {
            div.narrow {
                (error_summary(errors))
                p.breadcrumb { a href=(back.0) { (back.1) } }
                h1 { (title) }
                (body)
            }
        },
    )
}

/// Add (`editing` = None) or edit a participant.
pub fn participant_form(
    chrome: &Chrome,
    editing: Option<(&str, &str)>,
    v: &ParticipantForm,
    errors: &[FieldError],
) -> Markup {
    let (title, action, back) = match editing {
        None => (
            "Add a participant".to_owned(),
            "/participants".to_owned(),
            ("/participants".to_owned(), "Participants".to_owned()),
        ),
        Some((ods, name)) => (
            format!("Edit {name}"),
            format!("/participants/{ods}/edit"),
            (format!("/participants/{ods}"), name.to_owned()),
        ),
    };
    form_page(
        chrome,
        &title,
        (&back.0, &back.1),
        errors,
        html! {
            form method="post" action=(action) novalidate {
                (csrf_field(chrome))
                @if editing.is_none() {
                    (input(text("ods_code", "ODS code", &v.ods_code, Some("The trust's organisation code, for example RAL")), errors))
                    details.nhsuk-details {
                        summary.nhsuk-details__summary { span.nhsuk-details__summary-text { "The trust is not on record yet" } }
                        div.nhsuk-details__text {
                            (input(text("organisation_name", "Trust name", &v.organisation_name, None), errors))
                            (select("region_code", "NHS England region", &RegionCode::ALL_CURRENT.iter().filter_map(|c| RegionCode::parse(c).ok()).map(|r| (r.as_str().to_owned(), r.name().to_owned())).collect::<Vec<_>>(), &v.region_code, "Select a region", errors))
                        }
                    }
                } @else {
                    input type="hidden" name="version" value=(v.version);
                }
                (select("role", "Role", &options(Role::ALL, Role::code, Role::label), &v.role, "Select a role", errors))
                (select("sector", "Sector", &options(Sector::ALL, Sector::code, Sector::label), &v.sector, "Select a sector", errors))
                (input(text("wave", "Wave", &v.wave, Some("For example Acute wave 2")), errors))
                (input(text("designated_on", "Designation date", &v.designated_on, Some(APPROX_DATE_HINT)), errors))
                (input(text("accredited_on", "Accreditation date (if accredited)", &v.accredited_on, Some(APPROX_DATE_HINT)), errors))
                (select("status", "Status", &options(ParticipantStatus::ALL, ParticipantStatus::code, ParticipantStatus::label), &v.status, "Select a status", errors))
                button.nhsuk-button type="submit" { @if editing.is_none() { "Add participant" } @else { "Save changes" } }
            }
        },
    )
}

/// What the pairing and partnership forms offer and hold.
pub struct Relations<'a> {
    pub ods: &'a str,
    pub is_follower: bool,
    pub exemplars: Vec<(String, String)>,
    pub current_exemplar: String,
    pub partners: Vec<(String, String)>,
    pub link: PartnershipForm,
}

/// The pairing and partnership forms on a participant's edit page.
pub fn relations(chrome: &Chrome, r: &Relations<'_>, errors: &[FieldError]) -> Markup {
    let (ods, is_follower, exemplars, current_exemplar, partners, link) = (
        r.ods,
        r.is_follower,
        &r.exemplars,
        r.current_exemplar.as_str(),
        &r.partners,
        &r.link,
    );
    html! {
        @if is_follower {
            h2 #pairing-heading { "Paired exemplar" }
            form method="post" action={ "/participants/" (ods) "/pairing" } novalidate {
                (csrf_field(chrome))
                (select("exemplar_ods_code", "Exemplar this fast follower is paired with", exemplars, current_exemplar, "Not paired", errors))
                button.nhsuk-button type="submit" { "Save pairing" }
            }
        }
        h2 #partner-heading { "Link a partner organisation" }
        p { "Not listed? " a href="/partners/new" { "Add a partner organisation" } " first." }
        form method="post" action={ "/participants/" (ods) "/partnerships" } novalidate {
            (csrf_field(chrome))
            (select("partner_id", "Partner organisation", partners, &link.partner_id, "Select an organisation", errors))
            (select("partner_role", "Partner's role", &options(PartnershipRole::ALL, PartnershipRole::code, PartnershipRole::label), &link.partner_role, "Select a role", errors))
            (input(text("started_on", "From (optional)", &link.started_on, Some(APPROX_DATE_HINT)), errors))
            (input(text("ended_on", "Until (optional)", &link.ended_on, Some(APPROX_DATE_HINT)), errors))
            (input(text("note", "Note (optional)", &link.note, None), errors))
            button.nhsuk-button type="submit" { "Link partner" }
        }
    }
}

pub fn edit_page(
    chrome: &Chrome,
    ods: &str,
    name: &str,
    v: &ParticipantForm,
    errors: &[FieldError],
    relations: Markup,
) -> Markup {
    page(
        &format!("Edit {name}"),
        Nav::Participants,
        chrome,
        html! {
            div.narrow {
                (error_summary(errors))
                p.breadcrumb { a href={ "/participants/" (ods) } { (name) } }
                h1 { "Edit " (name) }
                form method="post" action={ "/participants/" (ods) "/edit" } novalidate {
                    (csrf_field(chrome))
                    input type="hidden" name="version" value=(v.version);
                    (select("role", "Role", &options(Role::ALL, Role::code, Role::label), &v.role, "Select a role", errors))
                    (select("sector", "Sector", &options(Sector::ALL, Sector::code, Sector::label), &v.sector, "Select a sector", errors))
                    (input(text("wave", "Wave", &v.wave, Some("For example Acute wave 2")), errors))
                    (input(text("designated_on", "Designation date", &v.designated_on, Some(APPROX_DATE_HINT)), errors))
                    (input(text("accredited_on", "Accreditation date (if accredited)", &v.accredited_on, Some(APPROX_DATE_HINT)), errors))
                    (select("status", "Status", &options(ParticipantStatus::ALL, ParticipantStatus::code, ParticipantStatus::label), &v.status, "Select a status", errors))
                    button.nhsuk-button type="submit" { "Save changes" }
                }
                (relations)
            }
        },
    )
}

pub fn partner_form(chrome: &Chrome, v: &PartnerForm, errors: &[FieldError]) -> Markup {
    let kinds: Vec<(String, String)> = OrganisationKind::ALL
        .iter()
        .filter(|k| **k != OrganisationKind::NhsTrust)
        .map(|k| (k.code().to_owned(), k.label().to_owned()))
        .collect();
    page(
        "Add a partner organisation",
        Nav::Partners,
        chrome,
        html! {
            div.narrow {
                (error_summary(errors))
                p.breadcrumb { a href="/partners" { "Partner organisations" } }
                h1 { "Add a partner organisation" }
                form method="post" action="/partners" novalidate {
                    (csrf_field(chrome))
                    (input(text("name", "Name", &v.name, None), errors))
                    (select("kind", "Kind", &kinds, &v.kind, "Select a kind", errors))
                    (input(text("country_code", "Country code", &v.country_code, Some("Two letters (ISO 3166), for example US or GB")), errors))
                    button.nhsuk-button type="submit" { "Add partner organisation" }
                }
            }
        },
    )
}

/// Someone saved the record first: show what it holds now; nothing was changed.
pub fn conflict(chrome: &Chrome, what: &str, back: &str, current: &[(String, String)]) -> Markup {
    page(
        "Changed by someone else",
        Nav::None,
        chrome,
        html! {
            h1 { "This " (what) " was changed by someone else" }
            p { "Someone saved changes after you opened the form, so your changes were not saved. This is what it holds now:" }
            dl.nhsuk-summary-list #current-values {
                @for (k, v) in current {
                    div.nhsuk-summary-list__row { dt.nhsuk-summary-list__key { (k) } dd.nhsuk-summary-list__value { (v) } }
                }
            }
            p { a href=(back) { "Go back and make your changes again" } }
        },
    )
}

/// Turns an audit snapshot into label/value rows for the conflict page.
pub fn snapshot_rows(snapshot: &serde_json::Value) -> Vec<(String, String)> {
    snapshot
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let label = k.replace('_', " ");
                    let value = match v {
                        serde_json::Value::Null => "—".to_owned(),
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (label, value)
                })
                .collect()
        })
        .unwrap_or_default()
}
