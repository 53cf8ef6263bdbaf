//! Tranches: an upfront payment, then payments released when named milestones
//! are signed off.
use time::Date;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrancheKind {
    Upfront,
    Milestone,
}

impl TrancheKind {
    pub const ALL: &'static [TrancheKind] = &[TrancheKind::Upfront, TrancheKind::Milestone];

    pub fn code(self) -> &'static str {
        match self {
            TrancheKind::Upfront => "upfront",
            TrancheKind::Milestone => "milestone",
        }
    }

    pub fn from_code(code: &str) -> Result<TrancheKind, String> {
        TrancheKind::ALL
            .iter()
            .copied()
            .find(|k| k.code() == code.trim())
            .ok_or_else(|| format!("{code:?} is not a tranche kind; use upfront or milestone"))
    }

    pub fn label(self) -> &'static str {
        match self {
            TrancheKind::Upfront => "Upfront",
            TrancheKind::Milestone => "On milestone sign-off",
        }
    }
}

/// Why a tranche cannot be released on a given date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReleaseError {
    #[error("the tranche is tied to milestone {milestone}, which has not been signed off")]
    MilestoneNotSignedOff { milestone: String },
    #[error(
        "the release date {released} is before milestone {milestone} was signed off on {signed_off}"
    )]
    BeforeSignOff {
        milestone: String,
        released: Date,
        signed_off: Date,
    },
}

/// A milestone tranche is releasable only once its milestone is signed off,
/// and not before the sign-off date.
pub fn check_release(
    milestone_reference: &str,
    signed_off_on: Option<Date>,
    released_on: Date,
) -> Result<(), ReleaseError> {
    match signed_off_on {
        None => Err(ReleaseError::MilestoneNotSignedOff {
            milestone: milestone_reference.to_owned(),
        }),
        Some(signed_off) if released_on < signed_off => Err(ReleaseError::BeforeSignOff {
            milestone: milestone_reference.to_owned(),
            released: released_on,
            signed_off,
        }),
        Some(_) => Ok(()),
    }
}

/// Why a tranche cannot be released today, in the words its page shows;
/// `None` when a release is possible. `milestone` is the reference and
/// sign-off date of the milestone that releases it (none for upfront).
pub fn release_blocker(
    released_on: Option<Date>,
    milestone: Option<(&str, Option<Date>)>,
    amount: crate::domain::money::Pence,
    released_so_far: crate::domain::money::Pence,
    allocation: crate::domain::money::Pence,
    today: Date,
) -> Option<String> {
    if let Some(on) = released_on {
        return Some(format!(
            "Already released on {}",
            crate::domain::dates::display_date(on)
        ));
    }
    if let Some((reference, signed_off)) = milestone {
        match signed_off {
            None => return Some(format!("Released once milestone {reference} is signed off")),
            Some(d) if d > today => {
                return Some(format!(
                    "Released once milestone {reference}'s sign-off date, {}, has passed",
                    crate::domain::dates::display_date(d)
                ));
            }
            Some(_) => {}
        }
    }
    if released_so_far.saturating_add(amount) > allocation {
        return Some(format!(
            "Cannot be released: releases would exceed the allocation of {allocation}"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn release_needs_sign_off() {
        assert_eq!(
            check_release("M02", None, date!(2019 - 01 - 01))
                .unwrap_err()
                .to_string(),
            "the tranche is tied to milestone M02, which has not been signed off"
        );
    }

    #[test]
    fn release_on_or_after_sign_off_is_allowed() {
        let signed = date!(2019 - 03 - 31);
        assert!(check_release("M02", Some(signed), signed).is_ok());
        assert!(check_release("M02", Some(signed), date!(2019 - 04 - 01)).is_ok());
        assert!(check_release("M02", Some(signed), date!(2019 - 03 - 30)).is_err());
    }

    #[test]
    fn release_is_blocked_until_sign_off_and_within_the_allocation() {
        use crate::domain::money::Pence;
        let (today, p) = (date!(2020 - 01 - 01), |v| Pence::new(v).unwrap());
        assert_eq!(
            release_blocker(None, Some(("M02", None)), p(10), p(0), p(100), today).unwrap(),
            "Released once milestone M02 is signed off"
        );
        assert!(
            release_blocker(None, Some(("M02", Some(today))), p(10), p(0), p(100), today).is_none()
        );
        assert!(release_blocker(None, None, p(10), p(95), p(100), today).is_some());
        assert!(release_blocker(Some(today), None, p(10), p(0), p(100), today).is_some());
    }

    #[test]
    fn kind_codes_round_trip() {
        for kind in TrancheKind::ALL {
            assert_eq!(TrancheKind::from_code(kind.code()).unwrap(), *kind);
        }
        assert!(TrancheKind::from_code("final").is_err());
    }
}
