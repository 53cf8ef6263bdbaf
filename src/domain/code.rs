//! Stable storage codes for the programme's enumerations.
//!
//! Every enum that is stored in the database, written to CSV or sent over the
//! JSON API has a fixed lowercase `code` (never the Rust variant name, which we
//! may want to rename) and a human `label` for pages. The [`code_enum!`] macro
//! writes that boilerplate once so the nine-odd enums cannot drift apart.

/// A stored or submitted code did not match any known value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("\"{given}\" is not a known {what}; use one of: {}", .allowed.join(", "))]
pub struct UnknownCode {
    /// What kind of thing was expected, e.g. "participant role".
    pub what: &'static str,
    /// The text that was given.
    pub given: String,
    /// The codes that would have been accepted.
    pub allowed: &'static [&'static str],
}

impl UnknownCode {
    pub fn new(what: &'static str, given: &str, allowed: &'static [&'static str]) -> Self {
        UnknownCode {
            what,
            given: given.to_owned(),
            allowed,
        }
    }
}

/// Declares a fieldless enum with `code()`, `from_code()`, `label()`, `ALL`,
/// `CODES`, `Display` (the label), `FromStr` (the code) and serde as the code.
///
/// ```text
/// code_enum! {
///     /// Docs.
///     pub enum Confidence ("confidence level") {
///         High => "high", "High";
///     }
/// }
/// ```
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $(
                $(#[$vmeta:meta])*
                $variant:ident => $code:literal, $label:literal;
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Every storage code, in declaration order.
            pub const CODES: &'static [&'static str] = &[$($code),+];

            /// The stable string stored in the database and exports.
            pub const fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The human label shown on pages.
            pub const fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            /// Reads a stored code back; exact match only, since codes are
            /// written by this program.
            pub fn from_code(code: &str) -> ::std::result::Result<Self, $crate::domain::code::UnknownCode> {
                match code {
                    $($code => Ok($name::$variant),)+
                    _ => Err($crate::domain::code::UnknownCode::new($what, code, Self::CODES)),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.label())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::domain::code::UnknownCode;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Self::from_code(s)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.code())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let code = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                Self::from_code(&code).map_err(::serde::de::Error::custom)
            }
        }
    };
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    code_enum! {
        /// A test enum.
        pub enum Fruit ("fruit") {
            Apple => "apple", "Apple";
            BloodOrange => "blood_orange", "Blood orange";
        }
    }

    /// Shared check for every `code_enum!`: codes round-trip, codes and
    /// labels are unique, and unknown codes are rejected with the list.
    pub(crate) fn check_codes<T>(all: &[T], codes: &[&str])
    where
        T: Copy
            + PartialEq
            + std::fmt::Debug
            + std::str::FromStr<Err = UnknownCode>
            + std::fmt::Display,
    {
        assert_eq!(all.len(), codes.len());
        for (value, code) in all.iter().zip(codes) {
            assert_eq!(code.parse::<T>().unwrap(), *value);
            assert!(!value.to_string().is_empty());
        }
        let mut sorted: Vec<&str> = codes.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), codes.len(), "duplicate codes");
        let mut labels: Vec<String> = all.iter().map(ToString::to_string).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), codes.len(), "duplicate labels");
        let err = "no-such-code".parse::<T>().unwrap_err();
        assert_eq!(err.given, "no-such-code");
        let message = err.to_string();
        for code in codes {
            assert!(message.contains(code), "{message} should list {code}");
        }
    }

    #[test]
    fn macro_generates_codes_labels_and_errors() {
        assert_eq!(Fruit::BloodOrange.code(), "blood_orange");
        assert_eq!(Fruit::BloodOrange.label(), "Blood orange");
        assert_eq!(Fruit::BloodOrange.to_string(), "Blood orange");
        assert_eq!(Fruit::from_code("apple"), Ok(Fruit::Apple));
        assert_eq!(
            Fruit::from_code("Apple").unwrap_err().to_string(),
            "\"Apple\" is not a known fruit; use one of: apple, blood_orange"
        );
        check_codes(Fruit::ALL, Fruit::CODES);
    }

    #[test]
    fn serde_uses_the_code() {
        use serde::Deserialize;
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, StrDeserializer};
        let de: StrDeserializer<'_, Error> = "blood_orange".into_deserializer();
        assert_eq!(Fruit::deserialize(de), Ok(Fruit::BloodOrange));
        let de: StrDeserializer<'_, Error> = "pear".into_deserializer();
        assert!(
            Fruit::deserialize(de)
                .unwrap_err()
                .to_string()
                .contains("pear")
        );
    }
}
