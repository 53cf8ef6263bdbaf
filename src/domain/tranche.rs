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
    fn kind_codes_round_trip() {
        for kind in TrancheKind::ALL {
            assert_eq!(TrancheKind::from_code(kind.code()).unwrap(), *kind);
        }
        assert!(TrancheKind::from_code("final").is_err());
    }
}
