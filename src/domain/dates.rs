//! Calendar dates as the programme writes them.
//!
//! Files (CSV, the command line) take strict ISO `YYYY-MM-DD`; forms also
//! take the day first, `DD/MM/YYYY`, as people write dates in the UK
//! ([`parse_form_date`]); output reads `31 March 2019`. Some historic facts are only known to the month
//! ("designated September 2016"), so [`ApproxDate`] records the precision.

use std::fmt;
use std::str::FromStr;

use time::{Date, Month};

/// Why a date was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("no date was given; enter a date in the form YYYY-MM-DD, such as 2019-03-31")]
    Empty,
    #[error("\"{0}\" is not a date in the form YYYY-MM-DD, such as 2019-03-31")]
    NotIsoDate(String),
    #[error("\"{0}\" is not a date in the form YYYY-MM-DD or a month in the form YYYY-MM")]
    NotIsoDateOrMonth(String),
    #[error("\"{0}\" is not a real date")]
    NotARealDate(String),
    #[error("no date was given; enter a date such as 31/03/2019")]
    EmptyForm,
    #[error(
        "\"{0}\" is not a date: enter the day, month and year as DD/MM/YYYY (or YYYY-MM-DD), such as 31/03/2019"
    )]
    NotAFormDate(String),
    #[error("\"{0}\" is not a date precision; use \"day\" or \"month\"")]
    UnknownPrecision(String),
    #[error("{0} is stored as a month but is not the first of the month")]
    MonthNotFirstDay(String),
}

code_enum! {
    /// How precisely a date is known.
    pub enum DatePrecision ("date precision") {
        Day => "day", "Day";
        Month => "month", "Month";
    }
}

/// A date that may be known only to the month; month precision stores the
/// first of the month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApproxDate {
    pub date: Date,
    pub precision: DatePrecision,
}

/// Parses strict `YYYY-MM-DD` (surrounding whitespace allowed).
pub fn parse_date(input: &str) -> Result<Date, DateError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(DateError::Empty);
    }
    let (year, month, day) =
        split_iso(text, true).ok_or_else(|| DateError::NotIsoDate(text.to_owned()))?;
    real_date(text, year, month, day.unwrap_or(1))
}

/// The hint every form's date field shows.
pub const FORM_DATE_HINT: &str = "For example, 31/03/2019";

/// A date typed into a form: `DD/MM/YYYY` (day first, as written in the UK,
/// two digits each for day and month) or ISO `YYYY-MM-DD`. Surrounding
/// whitespace is allowed; anything else, and dates that do not exist, are refused.
pub fn parse_form_date(input: &str) -> Result<Date, DateError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(DateError::EmptyForm);
    }
    if let Some((year, month, Some(day))) = split_iso(text, true) {
        return real_date(text, year, month, day);
    }
    let (day, month, year) =
        split_day_first(text).ok_or_else(|| DateError::NotAFormDate(text.to_owned()))?;
    real_date(text, year, month, day)
}

/// Splits `DD/MM/YYYY` into numbers, checking only the shape.
fn split_day_first(text: &str) -> Option<(u8, u8, i32)> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[2] != b'/'
        || b[5] != b'/'
        || !digits(0..2)
        || !digits(3..5)
        || !digits(6..10)
    {
        return None;
    }
    Some((
        text[0..2].parse().ok()?,
        text[3..5].parse().ok()?,
        text[6..10].parse().ok()?,
    ))
}

/// `31 March 2019`, `1 April 2017`.
pub fn display_date(date: Date) -> String {
    format!("{} {} {}", date.day(), date.month(), date.year())
}

/// Splits `YYYY-MM-DD` (or `YYYY-MM` when `need_day` is false) into numbers,
/// checking only the shape.
fn split_iso(text: &str, need_day: bool) -> Option<(i32, u8, Option<u8>)> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let number = |r: std::ops::Range<usize>| text[r].parse::<u16>().ok();
    match b.len() {
        10 if b[4] == b'-' && b[7] == b'-' && digits(0..4) && digits(5..7) && digits(8..10) => {
            Some((
                i32::from(number(0..4)?),
                u8::try_from(number(5..7)?).ok()?,
                Some(u8::try_from(number(8..10)?).ok()?),
            ))
        }
        7 if !need_day && b[4] == b'-' && digits(0..4) && digits(5..7) => Some((
            i32::from(number(0..4)?),
            u8::try_from(number(5..7)?).ok()?,
            None,
        )),
        _ => None,
    }
}

fn real_date(text: &str, year: i32, month: u8, day: u8) -> Result<Date, DateError> {
    Month::try_from(month)
        .and_then(|m| Date::from_calendar_date(year, m, day))
        .map_err(|_| DateError::NotARealDate(text.to_owned()))
}

impl ApproxDate {
    /// A date known to the day.
    pub const fn day(date: Date) -> ApproxDate {
        ApproxDate {
            date,
            precision: DatePrecision::Day,
        }
    }

    /// A date known only to the month.
    pub fn month(year: i32, month: Month) -> Result<ApproxDate, DateError> {
        Date::from_calendar_date(year, month, 1)
            .map(|date| ApproxDate {
                date,
                precision: DatePrecision::Month,
            })
            .map_err(|_| DateError::NotARealDate(format!("{month} {year}")))
    }

    /// Parses `YYYY-MM-DD` (day precision) or `YYYY-MM` (month precision).
    pub fn parse(input: &str) -> Result<ApproxDate, DateError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(DateError::Empty);
        }
        let (year, month, day) =
            split_iso(text, false).ok_or_else(|| DateError::NotIsoDateOrMonth(text.to_owned()))?;
        let date = real_date(text, year, month, day.unwrap_or(1))?;
        let precision = if day.is_some() {
            DatePrecision::Day
        } else {
            DatePrecision::Month
        };
        Ok(ApproxDate { date, precision })
    }

    /// The date and precision code (`"day"` or `"month"`) for two columns.
    pub fn to_storage(&self) -> (Date, &'static str) {
        (self.date, self.precision.code())
    }

    /// Reads two stored columns back; a month-precision date must be the 1st.
    pub fn from_storage(date: Date, precision: &str) -> Result<ApproxDate, DateError> {
        let precision = DatePrecision::from_code(precision)
            .map_err(|_| DateError::UnknownPrecision(precision.to_owned()))?;
        if precision == DatePrecision::Month && date.day() != 1 {
            return Err(DateError::MonthNotFirstDay(display_date(date)));
        }
        Ok(ApproxDate { date, precision })
    }
}

/// `31 March 2019` for a day, `September 2016` for a month.
impl fmt::Display for ApproxDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.precision {
            DatePrecision::Day => f.write_str(&display_date(self.date)),
            DatePrecision::Month => write!(f, "{} {}", self.date.month(), self.date.year()),
        }
    }
}

impl FromStr for ApproxDate {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ApproxDate::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn parses_iso_dates() {
        assert_eq!(parse_date("2019-03-31"), Ok(date!(2019 - 03 - 31)));
        assert_eq!(parse_date(" 2017-04-01 "), Ok(date!(2017 - 04 - 01)));
        assert_eq!(parse_date("2020-02-29"), Ok(date!(2020 - 02 - 29)));
    }

    #[test]
    fn rejects_other_forms_and_unreal_dates() {
        assert_eq!(
            parse_date("31/03/2019").unwrap_err().to_string(),
            "\"31/03/2019\" is not a date in the form YYYY-MM-DD, such as 2019-03-31"
        );
        assert_eq!(
            parse_date("2019-02-30").unwrap_err().to_string(),
            "\"2019-02-30\" is not a real date"
        );
        assert_eq!(
            parse_date("2019-02-29"),
            Err(DateError::NotARealDate("2019-02-29".into()))
        );
        assert_eq!(
            parse_date("2019-13-01"),
            Err(DateError::NotARealDate("2019-13-01".into()))
        );
        assert_eq!(
            parse_date("2019-00-10"),
            Err(DateError::NotARealDate("2019-00-10".into()))
        );
        assert_eq!(parse_date(""), Err(DateError::Empty));
        for bad in [
            "2019-3-31",
            "2019-03",
            "19-03-31",
            "2019/03/31",
            "2019-03-31T00:00",
            "+019-03-31",
            "2019-0a-31",
            "２019-03-31",
        ] {
            assert_eq!(
                parse_date(bad),
                Err(DateError::NotIsoDate(bad.into())),
                "{bad}"
            );
        }
    }

    #[test]
    fn forms_take_the_day_first_or_iso() {
        assert_eq!(parse_form_date("31/03/2019"), Ok(date!(2019 - 03 - 31)));
        assert_eq!(parse_form_date(" 01/04/2017 "), Ok(date!(2017 - 04 - 01)));
        assert_eq!(parse_form_date("2019-03-31"), Ok(date!(2019 - 03 - 31)));
        assert_eq!(parse_form_date("29/02/2020"), Ok(date!(2020 - 02 - 29)));
        assert_eq!(
            parse_form_date("30/02/2019"),
            Err(DateError::NotARealDate("30/02/2019".into()))
        );
        assert_eq!(
            parse_form_date("2019-02-30").unwrap_err().to_string(),
            "\"2019-02-30\" is not a real date"
        );
        assert_eq!(
            parse_form_date("03/13/2019"),
            Err(DateError::NotARealDate("03/13/2019".into()))
        );
        assert_eq!(parse_form_date(""), Err(DateError::EmptyForm));
        for bad in [
            "31-03-2019",
            "1/4/2018",
            "31/3/2019",
            "31/03/19",
            "31.03.2019",
            "2019/03/31",
            "31/03/2019x",
            "3１/03/2019",
            "soon",
        ] {
            assert_eq!(
                parse_form_date(bad),
                Err(DateError::NotAFormDate(bad.into())),
                "{bad}"
            );
        }
        assert_eq!(
            parse_form_date("31-03-2019").unwrap_err().to_string(),
            "\"31-03-2019\" is not a date: enter the day, month and year as DD/MM/YYYY (or YYYY-MM-DD), such as 31/03/2019"
        );
    }

    #[test]
    fn files_stay_strictly_iso() {
        assert!(parse_date("31/03/2019").is_err());
    }

    #[test]
    fn displays_day_month_year() {
        assert_eq!(display_date(date!(2019 - 03 - 31)), "31 March 2019");
        assert_eq!(display_date(date!(2017 - 04 - 01)), "1 April 2017");
    }

    #[test]
    fn approx_dates() {
        let day = ApproxDate::parse("2019-03-31").unwrap();
        assert_eq!(day, ApproxDate::day(date!(2019 - 03 - 31)));
        assert_eq!(day.to_string(), "31 March 2019");

        let month = ApproxDate::parse("2016-09").unwrap();
        assert_eq!(month.date, date!(2016 - 09 - 01));
        assert_eq!(month.precision, DatePrecision::Month);
        assert_eq!(month.to_string(), "September 2016");
        assert_eq!(ApproxDate::month(2016, Month::September), Ok(month));
        assert_eq!("2016-09".parse::<ApproxDate>(), Ok(month));

        assert_eq!(
            ApproxDate::parse("2016-13"),
            Err(DateError::NotARealDate("2016-13".into()))
        );
        assert_eq!(
            ApproxDate::parse("Sept 2016").unwrap_err().to_string(),
            "\"Sept 2016\" is not a date in the form YYYY-MM-DD or a month in the form YYYY-MM"
        );
        assert_eq!(ApproxDate::parse(" "), Err(DateError::Empty));
    }

    #[test]
    fn approx_date_storage_round_trip() {
        let month = ApproxDate::parse("2016-09").unwrap();
        assert_eq!(month.to_storage(), (date!(2016 - 09 - 01), "month"));
        assert_eq!(
            ApproxDate::from_storage(date!(2016 - 09 - 01), "month"),
            Ok(month)
        );
        let day = ApproxDate::parse("2016-09-15").unwrap();
        assert_eq!(day.to_storage(), (date!(2016 - 09 - 15), "day"));
        assert_eq!(
            ApproxDate::from_storage(date!(2016 - 09 - 15), "day"),
            Ok(day)
        );
        assert_eq!(
            ApproxDate::from_storage(date!(2016 - 09 - 15), "month")
                .unwrap_err()
                .to_string(),
            "15 September 2016 is stored as a month but is not the first of the month"
        );
        assert_eq!(
            ApproxDate::from_storage(date!(2016 - 09 - 15), "year"),
            Err(DateError::UnknownPrecision("year".into()))
        );
    }

    proptest! {
        #[test]
        fn iso_round_trips(days in 0i64..(200 * 366)) {
            let d = date!(1900 - 01 - 01) + time::Duration::days(days);
            let text = format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
            prop_assert_eq!(parse_date(&text), Ok(d));
            prop_assert_eq!(ApproxDate::parse(&text), Ok(ApproxDate::day(d)));
        }

        #[test]
        fn form_dates_round_trip_day_first(days in 0i64..(200 * 366)) {
            let d = date!(1900 - 01 - 01) + time::Duration::days(days);
            let text = format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year());
            prop_assert_eq!(parse_form_date(&text), Ok(d));
        }

        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = parse_form_date(&s);
            let _ = parse_date(&s);
            let _ = ApproxDate::parse(&s);
        }

        #[test]
        fn parse_never_panics_on_date_like_text(s in "[0-9-]{6,11}") {
            let _ = parse_date(&s);
            let _ = ApproxDate::parse(&s);
        }
    }
}
