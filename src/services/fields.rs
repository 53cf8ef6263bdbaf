//! Converting typed form fields into domain values once, collecting a
//! message per field so the form can show them all at once. A field is named
//! by a `&'static str` or, for fields built at run time (`m_12_status`), a
//! `String`. Dates are read by the one form parser,
//! [`crate::domain::dates::parse_form_date`]: `31/03/2019` or `2019-03-31`.
use std::borrow::Cow;
use std::fmt::Display;

use time::Date;

use super::FieldError;
use crate::domain::dates::{ApproxDate, parse_form_date};
use crate::domain::money::Pence;
use crate::domain::text::ShortText;

/// Collects field errors while a form is converted.
#[derive(Default, Debug)]
pub struct Fields {
    pub errors: Vec<FieldError>,
}

impl Fields {
    pub fn error(&mut self, field: impl Into<Cow<'static, str>>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    fn blank(text: &str) -> bool {
        text.trim().is_empty()
    }

    /// A required value converted by `parse`; `missing` is shown when blank.
    pub fn required<T, E: Display>(
        &mut self,
        field: impl Into<Cow<'static, str>>,
        text: &str,
        missing: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        if Self::blank(text) {
            self.error(field, missing);
            return None;
        }
        match parse(text.trim()) {
            Ok(value) => Some(value),
            Err(e) => {
                self.error(field, e.to_string());
                None
            }
        }
    }

    /// An optional value: `Some(None)` when blank, `None` when invalid.
    pub fn optional<T, E: Display>(
        &mut self,
        field: impl Into<Cow<'static, str>>,
        text: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<Option<T>> {
        if Self::blank(text) {
            return Some(None);
        }
        match parse(text.trim()) {
            Ok(value) => Some(Some(value)),
            Err(e) => {
                self.error(field, e.to_string());
                None
            }
        }
    }

    pub fn text(
        &mut self,
        field: impl Into<Cow<'static, str>>,
        text: &str,
        missing: &str,
        max: usize,
    ) -> Option<String> {
        self.required(field, text, missing, |t| {
            ShortText::parse(t, max).map(|s| s.into_inner())
        })
    }

    pub fn optional_text(
        &mut self,
        field: impl Into<Cow<'static, str>>,
        text: &str,
        max: usize,
    ) -> Option<Option<String>> {
        self.optional(field, text, |t| {
            ShortText::parse(t, max).map(|s| s.into_inner())
        })
    }

    pub fn date(
        &mut self,
        field: impl Into<Cow<'static, str>>,
        text: &str,
        missing: &str,
    ) -> Option<Date> {
        self.required(field, text, missing, parse_form_date)
    }

    pub fn optional_date(
        &mut self,
        field: impl Into<Cow<'static, str>>,
        text: &str,
    ) -> Option<Option<Date>> {
        self.optional(field, text, parse_form_date)
    }

    pub fn approx_date(
        &mut self,
        field: impl Into<Cow<'static, str>>,
        text: &str,
        missing: &str,
    ) -> Option<ApproxDate> {
        self.required(field, text, missing, ApproxDate::parse)
    }

    pub fn money(
        &mut self,
        field: impl Into<Cow<'static, str>>,
        text: &str,
        missing: &str,
    ) -> Option<Pence> {
        self.required(field, text, missing, Pence::parse)
    }

    /// The version a form was built from (hidden field).
    pub fn version(&mut self, text: &str) -> Option<i32> {
        match text.trim().parse() {
            Ok(v) => Some(v),
            Err(_) => {
                self.error(
                    "version",
                    "The form is missing its version; reload the page and try again",
                );
                None
            }
        }
    }

    /// Fails with every collected message, or passes the converted values on.
    pub fn finish(self) -> Result<(), super::ServiceError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(super::ServiceError::Invalid(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_problem_at_once() {
        let mut f = Fields::default();
        assert_eq!(f.money("central", "", "Enter the central amount"), None);
        assert_eq!(f.date("baseline_on", "31-03-2019", "Enter a date"), None);
        assert_eq!(
            f.date("awarded_on", "31/03/2019", "x"),
            Some(time::macros::date!(2019 - 03 - 31))
        );
        assert_eq!(f.optional_date("actual_on", "  ").unwrap(), None);
        assert_eq!(
            f.money("local_match", "£1,000", "x").unwrap(),
            Pence::new(100_000).unwrap()
        );
        let fields: Vec<&str> = f.errors.iter().map(|e| &*e.field).collect();
        assert_eq!(fields, ["central", "baseline_on"]);
        assert_eq!(f.errors[0].message, "Enter the central amount");
        assert!(f.errors[1].message.contains("YYYY-MM-DD"));
    }

    #[test]
    fn fields_built_at_run_time_are_named_without_leaking() {
        let mut f = Fields::default();
        let id = 12;
        assert_eq!(
            f.date(format!("m_{id}_forecast"), "soon", "Enter a date"),
            None
        );
        f.error("narrative", "describe progress");
        assert_eq!(f.errors[0].field, "m_12_forecast");
        assert_eq!(
            f.errors[1],
            FieldError::new("narrative", "Describe progress")
        );
    }
}
