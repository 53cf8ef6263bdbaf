//! UK financial years, which run from 1 April to 31 March and are written
//! `2017/18`. Funding is profiled and reported by financial year.

use std::fmt;
use std::str::FromStr;

use time::{Date, Month};

/// A UK financial year, identified by the calendar year it starts in.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct FinancialYear {
    start_year: i32,
}

/// Why a financial year was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FinancialYearError {
    #[error(
        "the financial year starting in {start_year} is outside the years this system covers ({}/{:02} to {}/{:02})",
        FinancialYear::MIN_START, (FinancialYear::MIN_START + 1) % 100,
        FinancialYear::MAX_START, (FinancialYear::MAX_START + 1) % 100
    )]
    OutOfRange { start_year: i32 },
    #[error(
        "\"{text}\" is not a financial year; write it as the two years it spans, such as 2017/18"
    )]
    Invalid { text: String },
    #[error(
        "\"{text}\" is not a financial year; a financial year runs from April to March, so one starting in {start_year} is written {expected}"
    )]
    NotConsecutive {
        text: String,
        start_year: i32,
        expected: String,
    },
}

impl FinancialYear {
    /// The earliest start year accepted from outside input.
    pub const MIN_START: i32 = 1990;
    /// The latest start year accepted from outside input.
    pub const MAX_START: i32 = 2100;

    /// The financial year starting on 1 April of `start_year`.
    pub fn new(start_year: i32) -> Result<FinancialYear, FinancialYearError> {
        if (Self::MIN_START..=Self::MAX_START).contains(&start_year) {
            Ok(FinancialYear { start_year })
        } else {
            Err(FinancialYearError::OutOfRange { start_year })
        }
    }

    /// Parses `2017/18`, `2017-18`, `2017/2018` or `2017-2018`.
    pub fn parse(input: &str) -> Result<FinancialYear, FinancialYearError> {
        let text = input.trim();
        let invalid = || FinancialYearError::Invalid {
            text: text.to_owned(),
        };
        let (start, end) = text.split_once(['/', '-']).ok_or_else(invalid)?;
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if start.len() != 4 || !all_digits(start) || !matches!(end.len(), 2 | 4) || !all_digits(end)
        {
            return Err(invalid());
        }
        let start_year: i32 = start.parse().map_err(|_| invalid())?;
        let end_year: i32 = end.parse().map_err(|_| invalid())?;
        let consecutive = if end.len() == 2 {
            end_year == (start_year + 1) % 100
        } else {
            end_year == start_year + 1
        };
        if !consecutive {
            return Err(FinancialYearError::NotConsecutive {
                text: text.to_owned(),
                start_year,
                expected: FinancialYear { start_year }.to_string(),
            });
        }
        FinancialYear::new(start_year)
    }

    pub const fn start_year(self) -> i32 {
        self.start_year
    }

    /// 1 April of the start year.
    pub fn first_day(self) -> Date {
        // Only fails outside the years `time` supports (±9999), which
        // `containing` cannot produce except for Date::MIN's own year.
        Date::from_calendar_date(self.start_year, Month::April, 1).unwrap_or(Date::MIN)
    }

    /// 31 March of the following year.
    pub fn last_day(self) -> Date {
        Date::from_calendar_date(self.start_year + 1, Month::March, 31).unwrap_or(Date::MAX)
    }

    /// The financial year a date falls in. Not range-checked: any date has
    /// a financial year, and only typed-in years need the `new` range check.
    pub fn containing(date: Date) -> FinancialYear {
        let start_year = if date.month() >= Month::April {
            date.year()
        } else {
            date.year() - 1
        };
        FinancialYear { start_year }
    }

    pub fn contains(self, date: Date) -> bool {
        FinancialYear::containing(date) == self
    }

    pub const fn next(self) -> FinancialYear {
        FinancialYear {
            start_year: self.start_year + 1,
        }
    }

    pub const fn previous(self) -> FinancialYear {
        FinancialYear {
            start_year: self.start_year - 1,
        }
    }
}

/// `2017/18`, and `1999/00` across a century.
impl fmt::Display for FinancialYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{:02}",
            self.start_year,
            (self.start_year + 1).rem_euclid(100)
        )
    }
}

impl FromStr for FinancialYear {
    type Err = FinancialYearError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FinancialYear::parse(s)
    }
}

impl TryFrom<String> for FinancialYear {
    type Error = FinancialYearError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        FinancialYear::parse(&value)
    }
}

impl From<FinancialYear> for String {
    fn from(value: FinancialYear) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn fy(start: i32) -> FinancialYear {
        FinancialYear::new(start).unwrap()
    }

    #[test]
    fn new_checks_range() {
        assert_eq!(fy(1990).start_year(), 1990);
        assert_eq!(fy(2100).start_year(), 2100);
        assert_eq!(
            FinancialYear::new(1989).unwrap_err().to_string(),
            "the financial year starting in 1989 is outside the years this system covers (1990/91 to 2100/01)"
        );
        assert!(FinancialYear::new(2101).is_err());
    }

    #[test]
    fn parses_accepted_forms() {
        for text in ["2017/18", "2017-18", "2017/2018", "2017-2018", " 2017/18 "] {
            assert_eq!(FinancialYear::parse(text), Ok(fy(2017)), "{text}");
        }
        assert_eq!(FinancialYear::parse("1999/00"), Ok(fy(1999)));
        assert_eq!(FinancialYear::parse("1999/2000"), Ok(fy(1999)));
        assert_eq!("2020/21".parse::<FinancialYear>(), Ok(fy(2020)));
    }

    #[test]
    fn rejects_with_messages() {
        assert_eq!(
            FinancialYear::parse("2017/19").unwrap_err().to_string(),
            "\"2017/19\" is not a financial year; a financial year runs from April to March, so one starting in 2017 is written 2017/18"
        );
        assert!(matches!(
            FinancialYear::parse("2017/2019"),
            Err(FinancialYearError::NotConsecutive { .. })
        ));
        assert_eq!(
            FinancialYear::parse("2017").unwrap_err().to_string(),
            "\"2017\" is not a financial year; write it as the two years it spans, such as 2017/18"
        );
        for bad in [
            "",
            "garbage",
            "17/18",
            "2017/8",
            "2017/018",
            "2017/18/19",
            "+2017/18",
            "2017 / 18",
            "２０１７/18",
        ] {
            assert!(
                matches!(
                    FinancialYear::parse(bad),
                    Err(FinancialYearError::Invalid { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            FinancialYear::parse("1989/90"),
            Err(FinancialYearError::OutOfRange { start_year: 1989 })
        ));
    }

    #[test]
    fn displays_two_digit_end_year() {
        assert_eq!(fy(2017).to_string(), "2017/18");
        assert_eq!(fy(1999).to_string(), "1999/00");
        assert_eq!(fy(2009).to_string(), "2009/10");
    }

    #[test]
    fn boundaries_are_31_march_and_1_april() {
        let y = fy(2017);
        assert_eq!(y.first_day(), date!(2017 - 04 - 01));
        assert_eq!(y.last_day(), date!(2018 - 03 - 31));
        assert!(y.contains(date!(2017 - 04 - 01)));
        assert!(y.contains(date!(2018 - 03 - 31)));
        assert!(!y.contains(date!(2017 - 03 - 31)));
        assert!(!y.contains(date!(2018 - 04 - 01)));
        assert_eq!(FinancialYear::containing(date!(2017 - 03 - 31)), fy(2016));
        assert_eq!(FinancialYear::containing(date!(2017 - 04 - 01)), fy(2017));
        assert_eq!(FinancialYear::containing(date!(2018 - 01 - 01)), fy(2017));
        assert_eq!(FinancialYear::containing(date!(2017 - 12 - 31)), fy(2017));
        assert_eq!(y.next(), fy(2018));
        assert_eq!(y.previous(), fy(2016));
        assert_eq!(y.next().first_day(), y.last_day().next_day().unwrap());
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        let y = FinancialYear::containing(Date::MIN);
        assert_eq!(y.first_day(), Date::MIN);
        let y = FinancialYear::containing(Date::MAX);
        assert_eq!(y.last_day(), Date::MAX);
    }

    #[test]
    fn orders_by_start_year() {
        assert!(fy(2016) < fy(2017));
    }

    proptest! {
        #[test]
        fn parse_display_round_trips(start in FinancialYear::MIN_START..=FinancialYear::MAX_START) {
            let y = fy(start);
            prop_assert_eq!(FinancialYear::parse(&y.to_string()), Ok(y));
        }

        #[test]
        fn every_day_is_in_exactly_one_year(days in 0i64..(120 * 366)) {
            let d = date!(1990 - 04 - 01) + time::Duration::days(days);
            let y = FinancialYear::containing(d);
            prop_assert!(y.first_day() <= d && d <= y.last_day());
            prop_assert!(!y.next().contains(d) && !y.previous().contains(d));
        }

        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = FinancialYear::parse(&s);
        }
    }
}
