//! Form pieces in the GOV.UK / NHS.UK pattern: an error summary at the top
//! linking to each field, and the message beside the field.
use maud::{Markup, html};

use crate::services::FieldError;

pub fn error_summary(errors: &[FieldError]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.nhsuk-error-summary aria-labelledby="error-summary-title" tabindex="-1" {
                div role="alert" {
                    h2.nhsuk-error-summary__title #error-summary-title { "There is a problem" }
                    div.nhsuk-error-summary__body {
                        ul.nhsuk-list.nhsuk-error-summary__list {
                            @for e in errors {
                                li { a href={ "#" (e.field) } { (e.message) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn error_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a FieldError> {
    errors.iter().find(|e| e.field == field)
}

/// A labelled text input; `kind` is the input type (text, email, password).
pub struct Input<'a> {
    pub name: &'static str,
    pub label: &'a str,
    pub value: &'a str,
    pub kind: &'static str,
    pub hint: Option<&'a str>,
    pub autocomplete: Option<&'static str>,
}

pub fn input(spec: Input<'_>, errors: &[FieldError]) -> Markup {
    let error = error_for(errors, spec.name);
    let hint_id = format!("{}-hint", spec.name);
    let error_id = format!("{}-error", spec.name);
    let describedby: Vec<&str> = [
        spec.hint.map(|_| hint_id.as_str()),
        error.map(|_| error_id.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect();
    html! {
        div class={ "nhsuk-form-group" @if error.is_some() { " nhsuk-form-group--error" } } {
            label.nhsuk-label for=(spec.name) { (spec.label) }
            @if let Some(hint) = spec.hint { div.nhsuk-hint id=(hint_id) { (hint) } }
            @if let Some(e) = error {
                p.nhsuk-error-message id=(error_id) { span.nhsuk-u-visually-hidden { "Error: " } (e.message) }
            }
            input #(spec.name) class={ "nhsuk-input nhsuk-u-width-two-thirds" @if error.is_some() { " nhsuk-input--error" } } name=(spec.name) type=(spec.kind) value=(spec.value)
                autocomplete=[spec.autocomplete] spellcheck="false"
                aria-describedby=[(!describedby.is_empty()).then(|| describedby.join(" "))]
                aria-invalid=[error.map(|_| "true")];
        }
    }
}

/// A labelled select with a blank first option.
pub fn select(
    name: &'static str,
    label: &str,
    options: &[(String, String)],
    selected: &str,
    blank: &str,
    errors: &[FieldError],
) -> Markup {
    let error = error_for(errors, name);
    let error_id = format!("{name}-error");
    html! {
        div class={ "nhsuk-form-group" @if error.is_some() { " nhsuk-form-group--error" } } {
            label.nhsuk-label for=(name) { (label) }
            @if let Some(e) = error {
                p.nhsuk-error-message id=(error_id) { span.nhsuk-u-visually-hidden { "Error: " } (e.message) }
            }
            select #(name) class={ "nhsuk-select" @if error.is_some() { " nhsuk-select--error" } } name=(name) aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| error_id.as_str())] {
                option value="" { (blank) }
                @for (value, text) in options {
                    option value=(value) selected[value == selected] { (text) }
                }
            }
        }
    }
}
