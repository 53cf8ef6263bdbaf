//! Delivery confidence ratings that trusts self-assess in each return.
//!
//! Red/Amber/Green is the default. The legacy five-point scale adds
//! Amber/Red and Amber/Green; a return on the RAG scale may not use them, so a
//! rating is always parsed against the scale in force.

code_enum! {
    /// Which set of ratings a reporting period uses.
    #[derive(Default)]
    pub enum RatingScale ("rating scale") {
        /// Red, Amber, Green.
        #[default]
        Rag => "rag", "Red/Amber/Green";
        /// Red, Amber/Red, Amber, Amber/Green, Green (legacy).
        FivePoint => "five_point", "Five-point (legacy)";
    }
}

code_enum! {
    /// A delivery confidence rating, declared from worst to best.
    pub enum Rating ("delivery confidence rating") {
        Red => "red", "Red";
        AmberRed => "amber_red", "Amber/Red";
        Amber => "amber", "Amber";
        AmberGreen => "amber_green", "Amber/Green";
        Green => "green", "Green";
    }
}

impl RatingScale {
    /// The ratings allowed on this scale, worst first.
    pub const fn ratings(self) -> &'static [Rating] {
        match self {
            RatingScale::Rag => &[Rating::Red, Rating::Amber, Rating::Green],
            RatingScale::FivePoint => Rating::ALL,
        }
    }

    /// The scale's name in the middle of a sentence: "on the {name} scale".
    pub const fn name(self) -> &'static str {
        match self {
            RatingScale::Rag => "Red/Amber/Green",
            RatingScale::FivePoint => "legacy five-point",
        }
    }

    /// "Red, Amber, Green" — for messages and hints.
    pub fn allowed_labels(self) -> String {
        self.ratings()
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Why a rating was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RatingError {
    #[error("no delivery confidence rating was given; on the {} scale use one of {}", .scale.name(), .scale.allowed_labels())]
    Empty { scale: RatingScale },
    #[error("\"{given}\" is not a delivery confidence rating; on the {} scale use one of {}", .scale.name(), .scale.allowed_labels())]
    Unknown { given: String, scale: RatingScale },
    #[error(
        "\"{given}\" ({rating}) is only on the legacy five-point scale; this uses the {} scale, so use one of {}",
        .scale.name(), .scale.allowed_labels()
    )]
    NotOnScale {
        given: String,
        rating: Rating,
        scale: RatingScale,
    },
}

impl Rating {
    /// Parses a label as a person or spreadsheet would write it: any case,
    /// with `/`, `-`, `_` or a space between words, or the initials
    /// (`R`, `A`, `G`, and `AR`, `AG` on the five-point scale).
    pub fn parse(scale: RatingScale, input: &str) -> Result<Rating, RatingError> {
        let given = input.trim();
        if given.is_empty() {
            return Err(RatingError::Empty { scale });
        }
        let squashed: String = given
            .chars()
            .filter(|c| !matches!(c, '/' | '-' | '_' | ' '))
            .flat_map(char::to_lowercase)
            .collect();
        let rating = match squashed.as_str() {
            "red" | "r" => Rating::Red,
            "amberred" | "ar" => Rating::AmberRed,
            "amber" | "a" => Rating::Amber,
            "ambergreen" | "ag" => Rating::AmberGreen,
            "green" | "g" => Rating::Green,
            _ => {
                return Err(RatingError::Unknown {
                    given: given.to_owned(),
                    scale,
                });
            }
        };
        if !rating.scale_allows(scale) {
            return Err(RatingError::NotOnScale {
                given: given.to_owned(),
                rating,
                scale,
            });
        }
        Ok(rating)
    }

    pub fn scale_allows(self, scale: RatingScale) -> bool {
        scale.ratings().contains(&self)
    }

    /// How bad the rating is: Red 4 (worst) down to Green 0, so sorting by
    /// severity descending puts the problems first.
    pub const fn severity(self) -> u8 {
        match self {
            Rating::Red => 4,
            Rating::AmberRed => 3,
            Rating::Amber => 2,
            Rating::AmberGreen => 1,
            Rating::Green => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::code::tests::check_codes;
    use proptest::prelude::*;

    #[test]
    fn codes_and_labels() {
        check_codes(Rating::ALL, Rating::CODES);
        check_codes(RatingScale::ALL, RatingScale::CODES);
        assert_eq!(Rating::AmberRed.label(), "Amber/Red");
        assert_eq!(Rating::AmberGreen.code(), "amber_green");
        assert_eq!(Rating::from_code("amber_red"), Ok(Rating::AmberRed));
        assert_eq!(
            RatingScale::from_code("five_point"),
            Ok(RatingScale::FivePoint)
        );
        assert_eq!(RatingScale::default(), RatingScale::Rag);
        assert_eq!(RatingScale::Rag.code(), "rag");
    }

    #[test]
    fn parses_labels_in_many_spellings() {
        use Rating::*;
        let five = RatingScale::FivePoint;
        for (text, want) in [
            ("Red", Red),
            ("RED", Red),
            ("r", Red),
            ("amber/red", AmberRed),
            ("Amber-Red", AmberRed),
            ("AmberRed", AmberRed),
            ("amber_red", AmberRed),
            ("Amber / Red", AmberRed),
            ("A/R", AmberRed),
            ("A", Amber),
            ("amber", Amber),
            ("Amber/Green", AmberGreen),
            ("AG", AmberGreen),
            (" G ", Green),
            ("green", Green),
        ] {
            assert_eq!(Rating::parse(five, text), Ok(want), "{text}");
        }
        assert_eq!(Rating::parse(RatingScale::Rag, "R"), Ok(Red));
        assert_eq!(Rating::parse(RatingScale::Rag, "a"), Ok(Amber));
        assert_eq!(Rating::parse(RatingScale::Rag, "Green"), Ok(Green));
    }

    #[test]
    fn rag_scale_rejects_five_point_values() {
        let err = Rating::parse(RatingScale::Rag, "amber/red").unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"amber/red\" (Amber/Red) is only on the legacy five-point scale; this uses the Red/Amber/Green scale, so use one of Red, Amber, Green"
        );
        assert!(matches!(
            Rating::parse(RatingScale::Rag, "AG"),
            Err(RatingError::NotOnScale {
                rating: Rating::AmberGreen,
                ..
            })
        ));
    }

    #[test]
    fn rejects_unknown_and_empty() {
        assert_eq!(
            Rating::parse(RatingScale::FivePoint, "Purple")
                .unwrap_err()
                .to_string(),
            "\"Purple\" is not a delivery confidence rating; on the legacy five-point scale use one of Red, Amber/Red, Amber, Amber/Green, Green"
        );
        assert_eq!(
            Rating::parse(RatingScale::Rag, "  "),
            Err(RatingError::Empty {
                scale: RatingScale::Rag
            })
        );
        assert!(Rating::parse(RatingScale::Rag, "Red/Green").is_err());
    }

    #[test]
    fn scale_membership() {
        assert_eq!(RatingScale::Rag.ratings().len(), 3);
        assert_eq!(RatingScale::FivePoint.ratings().len(), 5);
        assert!(Rating::Amber.scale_allows(RatingScale::Rag));
        assert!(!Rating::AmberRed.scale_allows(RatingScale::Rag));
        assert!(Rating::AmberRed.scale_allows(RatingScale::FivePoint));
    }

    #[test]
    fn red_is_most_severe() {
        let mut by_severity = Rating::ALL.to_vec();
        by_severity.sort_by_key(|r| std::cmp::Reverse(r.severity()));
        assert_eq!(by_severity, Rating::ALL);
        assert_eq!(by_severity[0], Rating::Red);
        assert!(Rating::Red.severity() > Rating::Amber.severity());
    }

    proptest! {
        #[test]
        fn labels_and_codes_parse_back(i in 0usize..5) {
            let r = Rating::ALL[i];
            prop_assert_eq!(Rating::parse(RatingScale::FivePoint, r.label()), Ok(r));
            prop_assert_eq!(Rating::parse(RatingScale::FivePoint, r.code()), Ok(r));
        }

        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = Rating::parse(RatingScale::Rag, &s);
            let _ = Rating::parse(RatingScale::FivePoint, &s);
        }
    }
}
