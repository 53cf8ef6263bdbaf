//! NHS Organisation Data Service (ODS) codes, e.g. `RAL` for the Royal Free.
//!
//! Trusts are identified by their ODS code throughout the programme, so a code
//! is normalised (trimmed, upper case) once at the edge and compared exactly
//! after that.

use std::fmt;
use std::str::FromStr;

/// A validated ODS organisation code: 3 to 5 letters and digits, starting
/// with a letter, stored in upper case.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct OdsCode(String);

/// Why an ODS code was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OdsCodeError {
    #[error("no ODS code was given; enter the organisation's ODS code, such as RAL")]
    Empty,
    #[error(
        "\"{code}\" is {len} characters long; an ODS organisation code is 3 to 5 characters, such as RAL"
    )]
    WrongLength { code: String, len: usize },
    #[error(
        "\"{code}\" is not an ODS code; ODS codes contain only letters and digits, such as RAL"
    )]
    NotAlphanumeric { code: String },
    #[error(
        "\"{code}\" is not an ODS code; an organisation's ODS code starts with a letter, such as RAL"
    )]
    MustStartWithLetter { code: String },
}

impl OdsCode {
    pub fn parse(input: &str) -> Result<OdsCode, OdsCodeError> {
        let code = input.trim();
        if code.is_empty() {
            return Err(OdsCodeError::Empty);
        }
        if !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(OdsCodeError::NotAlphanumeric {
                code: code.to_owned(),
            });
        }
        if !(3..=5).contains(&code.len()) {
            return Err(OdsCodeError::WrongLength {
                code: code.to_owned(),
                len: code.len(),
            });
        }
        if !code.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(OdsCodeError::MustStartWithLetter {
                code: code.to_owned(),
            });
        }
        Ok(OdsCode(code.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OdsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for OdsCode {
    type Err = OdsCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OdsCode::parse(s)
    }
}

impl TryFrom<String> for OdsCode {
    type Error = OdsCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        OdsCode::parse(&value)
    }
}

impl From<OdsCode> for String {
    fn from(value: OdsCode) -> Self {
        value.0
    }
}

impl AsRef<str> for OdsCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_and_normalises() {
        assert_eq!(OdsCode::parse("RAL").unwrap().as_str(), "RAL");
        assert_eq!(OdsCode::parse("  ral ").unwrap().as_str(), "RAL");
        assert_eq!(OdsCode::parse("rj1").unwrap().to_string(), "RJ1");
        assert_eq!(OdsCode::parse("R1H12").unwrap().as_str(), "R1H12");
        assert_eq!("RAL".parse::<OdsCode>(), OdsCode::parse("ral"));
        assert_eq!(String::from(OdsCode::parse("ral").unwrap()), "RAL");
    }

    #[test]
    fn rejects_with_messages() {
        assert_eq!(OdsCode::parse(" "), Err(OdsCodeError::Empty));
        assert_eq!(
            OdsCode::parse("RA").unwrap_err().to_string(),
            "\"RA\" is 2 characters long; an ODS organisation code is 3 to 5 characters, such as RAL"
        );
        assert!(matches!(
            OdsCode::parse("RALABC"),
            Err(OdsCodeError::WrongLength { len: 6, .. })
        ));
        assert!(matches!(
            OdsCode::parse("R-L"),
            Err(OdsCodeError::NotAlphanumeric { .. })
        ));
        assert!(matches!(
            OdsCode::parse("R L"),
            Err(OdsCodeError::NotAlphanumeric { .. })
        ));
        assert!(matches!(
            OdsCode::parse("RÄL"),
            Err(OdsCodeError::NotAlphanumeric { .. })
        ));
        assert_eq!(
            OdsCode::parse("1AL").unwrap_err().to_string(),
            "\"1AL\" is not an ODS code; an organisation's ODS code starts with a letter, such as RAL"
        );
    }

    #[test]
    fn deserialize_validates() {
        use serde::Deserialize;
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, StringDeserializer};
        let de: StringDeserializer<Error> = " ral".to_owned().into_deserializer();
        assert_eq!(OdsCode::deserialize(de).unwrap().as_str(), "RAL");
        let de: StringDeserializer<Error> = "R".to_owned().into_deserializer();
        assert!(OdsCode::deserialize(de).is_err());
    }

    proptest! {
        #[test]
        fn valid_codes_round_trip(s in "[A-Za-z][A-Za-z0-9]{2,4}") {
            let code = OdsCode::parse(&s).unwrap();
            prop_assert_eq!(code.as_str(), s.to_ascii_uppercase());
            prop_assert_eq!(OdsCode::parse(code.as_str()), Ok(code.clone()));
        }

        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = OdsCode::parse(&s);
        }
    }
}
