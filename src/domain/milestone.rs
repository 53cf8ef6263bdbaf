//! Milestones: what a participant committed to deliver and when.
//!
//! Each milestone has a baseline date (the commitment), an optional forecast
//! (the current expectation) and an actual date once complete. Slippage and
//! timeliness are derived, never stored, so they cannot disagree with the dates.

use std::fmt;
use std::str::FromStr;

use time::Date;

use super::dates::display_date;

code_enum! {
    /// Where a milestone stands.
    pub enum MilestoneStatus ("milestone status") {
        NotStarted => "not_started", "Not started";
        InProgress => "in_progress", "In progress";
        AtRisk => "at_risk", "At risk";
        Complete => "complete", "Complete";
        Cancelled => "cancelled", "Cancelled";
    }
}

code_enum! {
    /// What kind of thing a milestone delivers.
    pub enum MilestoneCategory ("milestone category") {
        EprGoLive => "epr_go_live", "EPR go-live";
        HimssEmramValidation => "himss_emram_validation", "HIMSS EMRAM validation";
        BlueprintPublished => "blueprint_published", "Blueprint published";
        FastFollowerGoLive => "fast_follower_go_live", "Fast follower go-live";
        Infrastructure => "infrastructure", "Infrastructure";
        Other => "other", "Other";
    }
}

code_enum! {
    /// Whether a milestone needs attention, derived from its dates and today.
    pub enum Timeliness ("timeliness") {
        Complete => "complete", "Complete";
        Cancelled => "cancelled", "Cancelled";
        Overdue => "overdue", "Overdue";
        DueSoon => "due_soon", "Due soon";
        NotYetDue => "not_yet_due", "Not yet due";
    }
}

/// A milestone due within this many days (inclusive) is "due soon".
pub const DUE_SOON_DAYS: i64 = 90;

/// The most characters a milestone reference may have.
pub const MAX_REFERENCE_LEN: usize = 20;

/// A short reference such as `M1.2` or `RAL-EPR-01`, stored upper case.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct MilestoneReference(String);

/// Why a milestone reference or set of dates was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MilestoneError {
    #[error("no milestone reference was given; enter a short reference such as M1.2")]
    EmptyReference,
    #[error(
        "milestone reference \"{reference}\" is {len} characters long; the most allowed is {MAX_REFERENCE_LEN}"
    )]
    ReferenceTooLong { reference: String, len: usize },
    #[error(
        "milestone reference \"{reference}\" contains \"{character}\"; use only letters, digits, hyphens, underscores and full stops"
    )]
    ReferenceCharacter { reference: String, character: char },
    #[error("a milestone marked complete needs the actual date it was completed")]
    CompleteWithoutActual,
    #[error(
        "an actual date ({}) can only be recorded once the milestone is complete, but its status is {status}",
        display_date(*.actual)
    )]
    ActualWithoutComplete {
        status: MilestoneStatus,
        actual: Date,
    },
    #[error("a milestone can only be signed off once it is complete, but its status is {status}")]
    SignOffNotComplete { status: MilestoneStatus },
    #[error("a milestone can only be signed off once its actual completion date is recorded")]
    SignOffWithoutActual,
    #[error(
        "the sign-off date ({}) is before the milestone was completed ({}); it cannot be signed off before it is done",
        display_date(*.signed_off),
        display_date(*.actual)
    )]
    SignOffBeforeActual { signed_off: Date, actual: Date },
}

impl MilestoneReference {
    pub fn parse(input: &str) -> Result<MilestoneReference, MilestoneError> {
        let reference = input.trim();
        if reference.is_empty() {
            return Err(MilestoneError::EmptyReference);
        }
        if let Some(character) = reference
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(MilestoneError::ReferenceCharacter {
                reference: reference.to_owned(),
                character,
            });
        }
        if reference.len() > MAX_REFERENCE_LEN {
            return Err(MilestoneError::ReferenceTooLong {
                reference: reference.to_owned(),
                len: reference.len(),
            });
        }
        Ok(MilestoneReference(reference.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MilestoneReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for MilestoneReference {
    type Err = MilestoneError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MilestoneReference::parse(s)
    }
}

impl TryFrom<String> for MilestoneReference {
    type Error = MilestoneError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        MilestoneReference::parse(&value)
    }
}

impl From<MilestoneReference> for String {
    fn from(value: MilestoneReference) -> Self {
        value.0
    }
}

/// Days late (positive) or early (negative) against the baseline, using the
/// actual date if there is one, else the forecast, else 0.
pub fn slippage_days(baseline: Date, forecast: Option<Date>, actual: Option<Date>) -> i64 {
    actual
        .or(forecast)
        .map_or(0, |date| (date - baseline).whole_days())
}

/// Whether an open milestone is overdue (its forecast, or baseline if there
/// is no forecast, is before today), due within [`DUE_SOON_DAYS`] days
/// inclusive, or not yet due. Complete and cancelled milestones are neither.
pub fn timeliness(
    status: MilestoneStatus,
    forecast: Option<Date>,
    baseline: Date,
    today: Date,
) -> Timeliness {
    match status {
        MilestoneStatus::Complete => return Timeliness::Complete,
        MilestoneStatus::Cancelled => return Timeliness::Cancelled,
        _ => {}
    }
    let due = forecast.unwrap_or(baseline);
    let days_until = (due - today).whole_days();
    if days_until < 0 {
        Timeliness::Overdue
    } else if days_until <= DUE_SOON_DAYS {
        Timeliness::DueSoon
    } else {
        Timeliness::NotYetDue
    }
}

/// Checks status, actual date and sign-off date agree: complete needs an
/// actual date and only complete milestones have one; sign-off needs a
/// completed milestone and cannot precede completion.
pub fn check_dates(
    status: MilestoneStatus,
    actual: Option<Date>,
    signed_off: Option<Date>,
) -> Result<(), MilestoneError> {
    let complete = status == MilestoneStatus::Complete;
    match actual {
        None if complete => return Err(MilestoneError::CompleteWithoutActual),
        Some(actual) if !complete => {
            return Err(MilestoneError::ActualWithoutComplete { status, actual });
        }
        _ => {}
    }
    if let Some(signed_off) = signed_off {
        if !complete {
            return Err(MilestoneError::SignOffNotComplete { status });
        }
        let actual = actual.ok_or(MilestoneError::SignOffWithoutActual)?;
        if signed_off < actual {
            return Err(MilestoneError::SignOffBeforeActual { signed_off, actual });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::code::tests::check_codes;
    use MilestoneStatus::*;
    use proptest::prelude::*;
    use time::Duration;
    use time::macros::date;

    #[test]
    fn codes_and_labels() {
        check_codes(MilestoneStatus::ALL, MilestoneStatus::CODES);
        check_codes(MilestoneCategory::ALL, MilestoneCategory::CODES);
        check_codes(Timeliness::ALL, Timeliness::CODES);
        assert_eq!(
            MilestoneStatus::CODES,
            [
                "not_started",
                "in_progress",
                "at_risk",
                "complete",
                "cancelled"
            ]
        );
        assert_eq!(
            MilestoneCategory::CODES,
            [
                "epr_go_live",
                "himss_emram_validation",
                "blueprint_published",
                "fast_follower_go_live",
                "infrastructure",
                "other"
            ]
        );
        assert_eq!(
            MilestoneCategory::HimssEmramValidation.label(),
            "HIMSS EMRAM validation"
        );
        assert_eq!(MilestoneCategory::EprGoLive.label(), "EPR go-live");
        assert_eq!(NotStarted.label(), "Not started");
    }

    #[test]
    fn references() {
        assert_eq!(
            MilestoneReference::parse(" m1.2 ").unwrap().as_str(),
            "M1.2"
        );
        assert_eq!(
            MilestoneReference::parse("ral-epr_01").unwrap().to_string(),
            "RAL-EPR_01"
        );
        assert_eq!(MilestoneReference::parse("a").unwrap().as_str(), "A");
        let twenty = "A".repeat(20);
        assert_eq!(MilestoneReference::parse(&twenty).unwrap().as_str(), twenty);
        assert_eq!(
            MilestoneReference::parse(&"A".repeat(21))
                .unwrap_err()
                .to_string(),
            "milestone reference \"AAAAAAAAAAAAAAAAAAAAA\" is 21 characters long; the most allowed is 20"
        );
        assert_eq!(
            MilestoneReference::parse("  "),
            Err(MilestoneError::EmptyReference)
        );
        assert_eq!(
            MilestoneReference::parse("M1 2").unwrap_err().to_string(),
            "milestone reference \"M1 2\" contains \" \"; use only letters, digits, hyphens, underscores and full stops"
        );
        assert!(MilestoneReference::parse("M1/2").is_err());
        assert!(MilestoneReference::parse("Mé").is_err());
        assert_eq!(
            "m1".parse::<MilestoneReference>(),
            MilestoneReference::parse("M1")
        );
    }

    #[test]
    fn slippage() {
        let baseline = date!(2019 - 03 - 31);
        assert_eq!(slippage_days(baseline, None, None), 0);
        assert_eq!(
            slippage_days(baseline, Some(date!(2019 - 04 - 30)), None),
            30
        );
        assert_eq!(
            slippage_days(baseline, Some(date!(2019 - 03 - 30)), None),
            -1
        );
        assert_eq!(slippage_days(baseline, Some(baseline), None), 0);
        assert_eq!(
            slippage_days(
                baseline,
                Some(date!(2019 - 06 - 30)),
                Some(date!(2019 - 04 - 01))
            ),
            1,
            "actual wins over forecast"
        );
        assert_eq!(
            slippage_days(baseline, None, Some(date!(2018 - 03 - 31))),
            -365
        );
    }

    #[test]
    fn timeliness_boundaries() {
        let today = date!(2019 - 01 - 01);
        let baseline = date!(2020 - 01 - 01);
        let t = |forecast: Option<Date>| timeliness(InProgress, forecast, baseline, today);
        assert_eq!(t(Some(today - Duration::days(1))), Timeliness::Overdue);
        assert_eq!(t(Some(today)), Timeliness::DueSoon);
        assert_eq!(
            t(Some(today + Duration::days(DUE_SOON_DAYS))),
            Timeliness::DueSoon
        );
        assert_eq!(
            t(Some(today + Duration::days(DUE_SOON_DAYS + 1))),
            Timeliness::NotYetDue
        );
        assert_eq!(t(None), Timeliness::NotYetDue, "falls back to the baseline");
        assert_eq!(
            timeliness(AtRisk, None, today - Duration::days(1), today),
            Timeliness::Overdue
        );
        assert_eq!(
            timeliness(
                NotStarted,
                Some(today + Duration::days(10)),
                today - Duration::days(100),
                today
            ),
            Timeliness::DueSoon,
            "the forecast, not the baseline, decides"
        );
        assert_eq!(
            timeliness(Complete, Some(today - Duration::days(400)), baseline, today),
            Timeliness::Complete
        );
        assert_eq!(
            timeliness(Cancelled, None, today - Duration::days(1), today),
            Timeliness::Cancelled
        );
    }

    #[test]
    fn complete_needs_actual_and_only_complete_has_one() {
        let d = date!(2019 - 03 - 31);
        assert_eq!(check_dates(Complete, Some(d), None), Ok(()));
        assert_eq!(
            check_dates(Complete, None, None).unwrap_err().to_string(),
            "a milestone marked complete needs the actual date it was completed"
        );
        for status in [NotStarted, InProgress, AtRisk, Cancelled] {
            assert_eq!(check_dates(status, None, None), Ok(()));
            assert_eq!(
                check_dates(status, Some(d), None),
                Err(MilestoneError::ActualWithoutComplete { status, actual: d })
            );
        }
        assert_eq!(
            check_dates(InProgress, Some(d), None)
                .unwrap_err()
                .to_string(),
            "an actual date (31 March 2019) can only be recorded once the milestone is complete, but its status is In progress"
        );
    }

    #[test]
    fn sign_off_rules() {
        let actual = date!(2019 - 03 - 31);
        assert_eq!(
            check_dates(Complete, Some(actual), Some(actual)),
            Ok(()),
            "same day is fine"
        );
        assert_eq!(
            check_dates(Complete, Some(actual), Some(date!(2019 - 04 - 01))),
            Ok(())
        );
        assert_eq!(
            check_dates(Complete, Some(actual), Some(date!(2019 - 03 - 30)))
                .unwrap_err()
                .to_string(),
            "the sign-off date (30 March 2019) is before the milestone was completed (31 March 2019); it cannot be signed off before it is done"
        );
        assert_eq!(
            check_dates(AtRisk, None, Some(actual))
                .unwrap_err()
                .to_string(),
            "a milestone can only be signed off once it is complete, but its status is At risk"
        );
        assert_eq!(
            check_dates(Complete, None, Some(actual)),
            Err(MilestoneError::CompleteWithoutActual)
        );
    }

    proptest! {
        #[test]
        fn slippage_is_signed_difference(base in 0i64..20_000, delta in -5_000i64..5_000) {
            let baseline = date!(1990 - 01 - 01) + Duration::days(base);
            let other = baseline + Duration::days(delta);
            prop_assert_eq!(slippage_days(baseline, Some(other), None), delta);
            prop_assert_eq!(slippage_days(baseline, None, Some(other)), delta);
        }

        #[test]
        fn reference_parse_never_panics(s in any::<String>()) {
            let _ = MilestoneReference::parse(&s);
        }
    }
}
