//! NHS England region codes, as found in ODS extracts.
//!
//! The regions were reorganised in 2019, and trusts' historic records carry
//! the 2013–2019 codes, so both sets are known; only the current ones are
//! offered for new data.

use std::fmt;
use std::str::FromStr;

/// (code, name, current?)
const REGIONS: &[(&str, &str, bool)] = &[
    ("Y56", "London", true),
    ("Y58", "South West", true),
    ("Y59", "South East", true),
    ("Y60", "Midlands", true),
    ("Y61", "East of England", true),
    ("Y62", "North West", true),
    ("Y63", "North East and Yorkshire", true),
    ("Y54", "North of England", false),
    ("Y55", "Midlands and East of England", false),
    ("Y57", "South of England", false),
];

/// A known NHS England region code, e.g. `Y56` (London).
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

/// Why a region code was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "\"{given}\" is not an NHS England region code; the current regions are {}, and the historic (2013 to 2019) regions are {}",
    describe(true),
    describe(false)
)]
pub struct RegionError {
    pub given: String,
}

/// "Y56 London, Y58 South West, …" for the current or historic regions.
fn describe(current: bool) -> String {
    REGIONS
        .iter()
        .filter(|r| r.2 == current)
        .map(|(code, name, _)| format!("{code} {name}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl RegionCode {
    /// The codes of the regions in force since 2019.
    pub const ALL_CURRENT: &'static [&'static str] =
        &["Y56", "Y58", "Y59", "Y60", "Y61", "Y62", "Y63"];

    /// The codes of the 2013–2019 regions.
    pub const ALL_HISTORIC: &'static [&'static str] = &["Y54", "Y55", "Y57"];

    /// Accepts a known code, any case, surrounding whitespace trimmed.
    pub fn parse(input: &str) -> Result<RegionCode, RegionError> {
        let code = input.trim().to_ascii_uppercase();
        if REGIONS.iter().any(|r| r.0 == code) {
            Ok(RegionCode(code))
        } else {
            Err(RegionError {
                given: input.trim().to_owned(),
            })
        }
    }

    /// Every current region, in code order.
    pub fn all_current() -> Vec<RegionCode> {
        Self::ALL_CURRENT
            .iter()
            .map(|c| RegionCode((*c).to_owned()))
            .collect()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn entry(&self) -> Option<&'static (&'static str, &'static str, bool)> {
        REGIONS.iter().find(|r| r.0 == self.0)
    }

    /// e.g. "London".
    pub fn name(&self) -> &'static str {
        self.entry().map_or("", |r| r.1)
    }

    /// True for the regions in force since 2019.
    pub fn is_current(&self) -> bool {
        self.entry().is_some_and(|r| r.2)
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RegionCode {
    type Err = RegionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RegionCode::parse(s)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&value)
    }
}

impl From<RegionCode> for String {
    fn from(value: RegionCode) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_regions() {
        let all = RegionCode::all_current();
        let names: Vec<(&str, &str)> = all.iter().map(|r| (r.as_str(), r.name())).collect();
        assert_eq!(
            names,
            [
                ("Y56", "London"),
                ("Y58", "South West"),
                ("Y59", "South East"),
                ("Y60", "Midlands"),
                ("Y61", "East of England"),
                ("Y62", "North West"),
                ("Y63", "North East and Yorkshire"),
            ]
        );
        assert!(RegionCode::all_current().iter().all(RegionCode::is_current));
    }

    #[test]
    fn historic_regions() {
        for (code, name) in [
            ("Y54", "North of England"),
            ("Y55", "Midlands and East of England"),
            ("Y57", "South of England"),
        ] {
            let r = RegionCode::parse(code).unwrap();
            assert_eq!(r.name(), name);
            assert!(!r.is_current());
            assert!(RegionCode::ALL_HISTORIC.contains(&code));
        }
        assert_eq!(
            RegionCode::ALL_CURRENT.len() + RegionCode::ALL_HISTORIC.len(),
            REGIONS.len()
        );
    }

    #[test]
    fn parse_normalises_and_rejects() {
        assert_eq!(RegionCode::parse(" y56 ").unwrap().as_str(), "Y56");
        assert_eq!("Y63".parse::<RegionCode>().unwrap().to_string(), "Y63");
        let err = RegionCode::parse("Y99").unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"Y99\" is not an NHS England region code; the current regions are Y56 London, Y58 South West, Y59 South East, Y60 Midlands, Y61 East of England, Y62 North West, Y63 North East and Yorkshire, and the historic (2013 to 2019) regions are Y54 North of England, Y55 Midlands and East of England, Y57 South of England"
        );
        assert!(RegionCode::parse("").is_err());
        assert!(RegionCode::parse("London").is_err());
    }
}
