//! Free-text fields and small codes that arrive from forms and CSV files.
use std::fmt;

/// Trimmed text, not empty, at most `max` characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShortText(String);

impl ShortText {
    pub fn parse(text: &str, max: usize) -> Result<ShortText, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err("is empty but a value is required".into());
        }
        let length = trimmed.chars().count();
        if length > max {
            return Err(format!(
                "is {length} characters long; the most allowed is {max}"
            ));
        }
        if trimmed.chars().any(|c| c.is_control()) {
            return Err("contains control characters such as tabs or line breaks".into());
        }
        Ok(ShortText(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An ISO 3166-1 alpha-2 country code such as `GB` or `US`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(text: &str) -> Result<CountryCode, String> {
        let code = text.trim().to_ascii_uppercase();
        if code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()) {
            Ok(CountryCode(code))
        } else {
            Err(format!(
                "{text:?} is not a two-letter ISO 3166 country code such as GB or US"
            ))
        }
    }

    pub fn gb() -> CountryCode {
        CountryCode("GB".into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_trims_and_limits_length() {
        assert_eq!(
            ShortText::parse("  Royal Free  ", 20).unwrap().as_str(),
            "Royal Free"
        );
        assert!(ShortText::parse("   ", 20).is_err());
        assert_eq!(
            ShortText::parse("abcdef", 5).unwrap_err(),
            "is 6 characters long; the most allowed is 5"
        );
        assert!(ShortText::parse("a\tb", 5).is_err());
        // Length counts characters, not bytes.
        assert!(ShortText::parse("££££", 4).is_ok());
    }

    #[test]
    fn country_codes_are_two_letters() {
        assert_eq!(CountryCode::parse("us").unwrap().as_str(), "US");
        assert!(CountryCode::parse("USA").is_err());
        assert!(CountryCode::parse("1A").is_err());
    }
}
