//! Money as a whole number of pence.
//!
//! The programme's figures must reconcile to the penny in every chart, CSV and
//! briefing, so money is never a float. Amounts are never negative: a refund or
//! clawback is a separate record, not a negative allocation.

use std::fmt;
use std::str::FromStr;

/// An amount of money in pence, never negative.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(try_from = "i64", into = "i64")]
pub struct Pence(i64);

/// Why an amount of money was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("no amount was given; enter an amount in pounds, such as £9,600,000")]
    Empty,
    #[error("\"{0}\" is negative; amounts of money cannot be below zero")]
    Negative(String),
    #[error("{0}p is negative; amounts of money cannot be below zero")]
    NegativePence(i64),
    #[error("\"{0}\" has fractions of a penny; amounts are in pounds and pence")]
    FractionOfPenny(String),
    #[error(
        "\"{0}\" has misplaced thousands separators; commas must separate groups of three digits, such as £9,600,000"
    )]
    Separators(String),
    #[error(
        "\"{0}\" is not an amount of money; write pounds and pence using digits, such as £9,600,000 or 1250.50"
    )]
    Invalid(String),
    #[error("\"{0}\" is too large an amount to record")]
    TooLarge(String),
}

impl Pence {
    /// Nothing.
    pub const ZERO: Pence = Pence(0);

    /// The largest amount that can be recorded.
    pub const MAX: Pence = Pence(i64::MAX);

    /// Wraps a number of pence, rejecting negative amounts.
    pub const fn new(pence: i64) -> Result<Pence, MoneyError> {
        if pence < 0 {
            Err(MoneyError::NegativePence(pence))
        } else {
            Ok(Pence(pence))
        }
    }

    /// Whole pounds, for constants such as funding caps. Takes `u32` so it
    /// can neither be negative nor overflow (£4,294,967,295 at most).
    pub const fn from_pounds(pounds: u32) -> Pence {
        Pence(pounds as i64 * 100)
    }

    /// The number of pence.
    pub const fn value(self) -> i64 {
        self.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// `None` if the total is too large to record.
    pub const fn checked_add(self, other: Pence) -> Option<Pence> {
        match self.0.checked_add(other.0) {
            Some(v) => Some(Pence(v)),
            None => None,
        }
    }

    /// `None` if `other` is larger than `self` (money cannot go negative).
    pub const fn checked_sub(self, other: Pence) -> Option<Pence> {
        if other.0 > self.0 {
            None
        } else {
            Some(Pence(self.0 - other.0))
        }
    }

    /// Adds, stopping at [`Pence::MAX`] rather than overflowing.
    pub const fn saturating_add(self, other: Pence) -> Pence {
        Pence(self.0.saturating_add(other.0))
    }

    /// Subtracts, stopping at zero: useful for "remaining" figures.
    pub const fn saturating_sub(self, other: Pence) -> Pence {
        if other.0 > self.0 {
            Pence::ZERO
        } else {
            Pence(self.0 - other.0)
        }
    }

    /// The distance between two amounts, whichever is larger.
    pub const fn abs_diff(self, other: Pence) -> Pence {
        if self.0 >= other.0 {
            Pence(self.0 - other.0)
        } else {
            Pence(other.0 - self.0)
        }
    }

    /// Adds a list of amounts, `None` if the total is too large to record.
    /// Rules that must not silently cap a total use this rather than `sum()`.
    pub fn checked_sum<'a>(amounts: impl IntoIterator<Item = &'a Pence>) -> Option<Pence> {
        amounts
            .into_iter()
            .try_fold(Pence::ZERO, |acc, p| acc.checked_add(*p))
    }

    /// Parses an amount typed by a person or found in a CSV cell.
    ///
    /// Accepts `£9,600,000`, `9600000`, `9600000.5` and `9,600,000.00`, with
    /// surrounding whitespace. Commas must be in groups of three. Decimal
    /// places beyond the pence are allowed only if they are zeros.
    pub fn parse(input: &str) -> Result<Pence, MoneyError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(MoneyError::Empty);
        }
        let owned = || text.to_owned();
        let unsigned = text.strip_prefix('£').unwrap_or(text);
        if unsigned.starts_with('-') || text.starts_with("-£") {
            return Err(MoneyError::Negative(owned()));
        }
        let mut parts = unsigned.split('.');
        let whole = parts.next().unwrap_or_default();
        let fraction = parts.next();
        if parts.next().is_some() {
            return Err(MoneyError::Invalid(owned()));
        }
        let digits = whole_pound_digits(whole).map_err(|e| match e {
            WholeError::Invalid => MoneyError::Invalid(owned()),
            WholeError::Separators => MoneyError::Separators(owned()),
        })?;
        let pence_part = match fraction {
            None => 0,
            Some(f) if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(MoneyError::Invalid(owned()));
            }
            Some(f) => {
                let (pence, beyond) = f.split_at(f.len().min(2));
                if beyond.bytes().any(|b| b != b'0') {
                    return Err(MoneyError::FractionOfPenny(owned()));
                }
                let value: i64 = pence
                    .bytes()
                    .fold(0, |acc, b| acc * 10 + i64::from(b - b'0'));
                if pence.len() == 1 { value * 10 } else { value }
            }
        };
        let pounds = digits
            .bytes()
            .try_fold(0i64, |acc, b| {
                acc.checked_mul(10)?.checked_add(i64::from(b - b'0'))
            })
            .ok_or_else(|| MoneyError::TooLarge(owned()))?;
        pounds
            .checked_mul(100)
            .and_then(|p| p.checked_add(pence_part))
            .map(Pence)
            .ok_or_else(|| MoneyError::TooLarge(owned()))
    }

    /// Pounds with two decimals and no symbol or separators, e.g.
    /// `9600000.50`, for CSV and open-data exports.
    pub fn plain(&self) -> String {
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

enum WholeError {
    Invalid,
    Separators,
}

/// Checks the pounds part and returns its digits without separators.
fn whole_pound_digits(whole: &str) -> Result<String, WholeError> {
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return Err(WholeError::Invalid);
    }
    if !whole.contains(',') {
        return Ok(whole.to_owned());
    }
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or_default();
    let first_ok = (1..=3).contains(&first.len());
    if !first_ok || groups.any(|g| g.len() != 3) {
        return Err(WholeError::Separators);
    }
    Ok(whole.replace(',', ""))
}

/// Inserts a comma between each group of three digits.
fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `£9,600,000` for whole pounds, `£9,600,000.50` otherwise.
impl fmt::Display for Pence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pounds = group_thousands(&(self.0 / 100).to_string());
        match self.0 % 100 {
            0 => write!(f, "£{pounds}"),
            pence => write!(f, "£{pounds}.{pence:02}"),
        }
    }
}

impl FromStr for Pence {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Pence::parse(s)
    }
}

impl TryFrom<i64> for Pence {
    type Error = MoneyError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Pence::new(value)
    }
}

impl From<Pence> for i64 {
    fn from(value: Pence) -> Self {
        value.0
    }
}

/// Saturates at [`Pence::MAX`] instead of panicking on overflow. No real
/// programme total comes near £92 quadrillion; rules that must report an
/// overflow use [`Pence::checked_sum`].
impl std::iter::Sum for Pence {
    fn sum<I: Iterator<Item = Pence>>(iter: I) -> Pence {
        iter.fold(Pence::ZERO, Pence::saturating_add)
    }
}

/// As for `Sum<Pence>`: saturating.
impl<'a> std::iter::Sum<&'a Pence> for Pence {
    fn sum<I: Iterator<Item = &'a Pence>>(iter: I) -> Pence {
        iter.copied().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Result<Pence, MoneyError> {
        Pence::parse(s)
    }

    #[test]
    fn new_rejects_negative() {
        assert_eq!(Pence::new(0), Ok(Pence::ZERO));
        assert_eq!(Pence::new(1).unwrap().value(), 1);
        assert_eq!(
            Pence::new(-1).unwrap_err().to_string(),
            "-1p is negative; amounts of money cannot be below zero"
        );
    }

    #[test]
    fn from_pounds_and_value() {
        assert_eq!(Pence::from_pounds(10_000_000).value(), 1_000_000_000);
        assert_eq!(Pence::from_pounds(u32::MAX).value(), 429_496_729_500);
        assert!(Pence::from_pounds(0).is_zero());
        assert!(!Pence::from_pounds(1).is_zero());
        assert_eq!(Pence::default(), Pence::ZERO);
    }

    #[test]
    fn arithmetic_never_goes_negative_or_overflows() {
        let five = Pence::from_pounds(5);
        let three = Pence::from_pounds(3);
        assert_eq!(five.checked_add(three), Some(Pence::from_pounds(8)));
        assert_eq!(Pence::MAX.checked_add(Pence(1)), None);
        assert_eq!(Pence::MAX.checked_add(Pence::ZERO), Some(Pence::MAX));
        assert_eq!(five.checked_sub(three), Some(Pence::from_pounds(2)));
        assert_eq!(five.checked_sub(five), Some(Pence::ZERO));
        assert_eq!(three.checked_sub(five), None);
        assert_eq!(three.saturating_sub(five), Pence::ZERO);
        assert_eq!(five.saturating_sub(three), Pence::from_pounds(2));
        assert_eq!(Pence::MAX.saturating_add(five), Pence::MAX);
        assert_eq!(three.abs_diff(five), Pence::from_pounds(2));
        assert_eq!(five.abs_diff(three), Pence::from_pounds(2));
    }

    #[test]
    fn sum_saturates_and_checked_sum_reports_overflow() {
        let list = [Pence(1), Pence(2), Pence(3)];
        assert_eq!(list.iter().sum::<Pence>(), Pence(6));
        assert_eq!(list.into_iter().sum::<Pence>(), Pence(6));
        assert_eq!(Vec::<Pence>::new().into_iter().sum::<Pence>(), Pence::ZERO);
        assert_eq!([Pence::MAX, Pence(1)].iter().sum::<Pence>(), Pence::MAX);
        assert_eq!(Pence::checked_sum(&list), Some(Pence(6)));
        assert_eq!(Pence::checked_sum(&[Pence::MAX, Pence(1)]), None);
    }

    #[test]
    fn parses_the_accepted_forms() {
        assert_eq!(p("9600000"), Ok(Pence(960_000_000)));
        assert_eq!(p("£9,600,000"), Ok(Pence(960_000_000)));
        assert_eq!(p("  £9,600,000  "), Ok(Pence(960_000_000)));
        assert_eq!(p("9600000.5"), Ok(Pence(960_000_050)));
        assert_eq!(p("9600000.00"), Ok(Pence(960_000_000)));
        assert_eq!(p("9,600,000.05"), Ok(Pence(960_000_005)));
        assert_eq!(p("0"), Ok(Pence::ZERO));
        assert_eq!(p("£0.01"), Ok(Pence(1)));
        assert_eq!(p("999"), Ok(Pence(99_900)));
        assert_eq!(p("1,000"), Ok(Pence(100_000)));
        assert_eq!(p("12,345,678"), Ok(Pence(1_234_567_800)));
        assert_eq!(p("1.500"), Ok(Pence(150)), "trailing zeros lose nothing");
        assert_eq!("£1.25".parse::<Pence>(), Ok(Pence(125)));
    }

    #[test]
    fn rejects_bad_amounts_with_messages() {
        assert_eq!(p(""), Err(MoneyError::Empty));
        assert_eq!(p("   "), Err(MoneyError::Empty));
        assert_eq!(p("£"), Err(MoneyError::Invalid("£".into())));
        assert_eq!(p("-5"), Err(MoneyError::Negative("-5".into())));
        assert_eq!(p("£-5"), Err(MoneyError::Negative("£-5".into())));
        assert_eq!(p("-£5"), Err(MoneyError::Negative("-£5".into())));
        assert_eq!(
            p("£1.005").unwrap_err().to_string(),
            "\"£1.005\" has fractions of a penny; amounts are in pounds and pence"
        );
        assert_eq!(p("1.001"), Err(MoneyError::FractionOfPenny("1.001".into())));
        assert_eq!(
            p("9,60,0000").unwrap_err(),
            MoneyError::Separators("9,60,0000".into())
        );
        for bad in ["1,0000", ",100", "100,", "1,,000", "1234,567", "1,00"] {
            assert_eq!(p(bad), Err(MoneyError::Separators(bad.into())), "{bad}");
        }
        for bad in [
            "12abc", "1.2.3", "1..2", "£1.", ".5", "1.x", "+5", "£ 5", "5 000", "1e6", "££5", "٣",
        ] {
            assert_eq!(p(bad), Err(MoneyError::Invalid(bad.into())), "{bad}");
        }
        assert!(
            p("abc")
                .unwrap_err()
                .to_string()
                .contains("\"abc\" is not an amount of money")
        );
    }

    #[test]
    fn rejects_overflow() {
        // i64::MAX pence is £92,233,720,368,547,758.07
        assert_eq!(p("92233720368547758.07"), Ok(Pence::MAX));
        assert_eq!(
            p("92233720368547758.08"),
            Err(MoneyError::TooLarge("92233720368547758.08".into()))
        );
        assert_eq!(
            p("92233720368547759"),
            Err(MoneyError::TooLarge("92233720368547759".into()))
        );
        assert!(matches!(
            p("99999999999999999999999"),
            Err(MoneyError::TooLarge(_))
        ));
    }

    #[test]
    fn displays_as_pounds() {
        assert_eq!(Pence::ZERO.to_string(), "£0");
        assert_eq!(Pence(5).to_string(), "£0.05");
        assert_eq!(Pence(50).to_string(), "£0.50");
        assert_eq!(Pence(100_000).to_string(), "£1,000");
        assert_eq!(Pence(99_900).to_string(), "£999");
        assert_eq!(Pence(960_000_000).to_string(), "£9,600,000");
        assert_eq!(Pence(960_000_050).to_string(), "£9,600,000.50");
        assert_eq!(Pence::MAX.to_string(), "£92,233,720,368,547,758.07");
    }

    #[test]
    fn plain_has_two_decimals() {
        assert_eq!(Pence::ZERO.plain(), "0.00");
        assert_eq!(Pence(5).plain(), "0.05");
        assert_eq!(Pence(960_000_050).plain(), "9600000.50");
        assert_eq!(Pence(960_000_000).plain(), "9600000.00");
    }

    #[test]
    fn deserializes_from_integer_and_rejects_negative() {
        use serde::Deserialize;
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, I64Deserializer};
        let de: I64Deserializer<Error> = 125i64.into_deserializer();
        assert_eq!(Pence::deserialize(de), Ok(Pence(125)));
        let de: I64Deserializer<Error> = (-1i64).into_deserializer();
        assert!(Pence::deserialize(de).is_err());
        assert_eq!(i64::from(Pence(7)), 7);
    }

    proptest! {
        #[test]
        fn display_round_trips(v in 0..=i64::MAX) {
            prop_assert_eq!(p(&Pence(v).to_string()), Ok(Pence(v)));
        }

        #[test]
        fn plain_round_trips(v in 0..=i64::MAX) {
            prop_assert_eq!(p(&Pence(v).plain()), Ok(Pence(v)));
        }

        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = p(&s);
        }

        #[test]
        fn parse_never_panics_on_money_like_text(s in "[ £+-]{0,2}[0-9,.]{0,25}") {
            let _ = p(&s);
        }

        #[test]
        fn checked_sub_matches_integers(a in 0..=i64::MAX, b in 0..=i64::MAX) {
            let expected = if b > a { None } else { Some(Pence(a - b)) };
            prop_assert_eq!(Pence(a).checked_sub(Pence(b)), expected);
        }
    }
}
