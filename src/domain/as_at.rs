//! The day figures are shown "as at": one rule for the dashboard and
//! briefing pages (`?as_at=`) and the command line (`--as-at`).

use time::Date;

use super::dates::{DateError, parse_date};

/// Why an "as at" day was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AsAtError {
    #[error("{0}")]
    NotADate(#[from] DateError),
    #[error("{0} is in the future; figures can only be shown as at today or an earlier day")]
    InFuture(Date),
}

/// Today when nothing (or only spaces) is given; otherwise a real
/// `YYYY-MM-DD` day no later than `today`. Records made later are not known
/// yet, so a future day would only repeat today's figures under a false date.
pub fn parse_as_at(input: Option<&str>, today: Date) -> Result<Date, AsAtError> {
    let Some(text) = input.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(today);
    };
    let day = parse_date(text)?;
    if day > today {
        return Err(AsAtError::InFuture(day));
    }
    Ok(day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 01);

    #[test]
    fn nothing_given_means_today() {
        assert_eq!(parse_as_at(None, TODAY), Ok(TODAY));
        assert_eq!(parse_as_at(Some("  "), TODAY), Ok(TODAY));
    }

    #[test]
    fn today_and_earlier_days_are_accepted() {
        assert_eq!(parse_as_at(Some("2026-12-01"), TODAY), Ok(TODAY));
        assert_eq!(
            parse_as_at(Some(" 2021-03-31 "), TODAY),
            Ok(date!(2021 - 03 - 31))
        );
    }

    #[test]
    fn a_future_day_is_refused_in_words() {
        let error = parse_as_at(Some("2026-12-02"), TODAY).unwrap_err();
        assert_eq!(error, AsAtError::InFuture(date!(2026 - 12 - 02)));
        assert_eq!(
            error.to_string(),
            "2026-12-02 is in the future; figures can only be shown as at today or an earlier day"
        );
    }

    #[test]
    fn a_bad_date_says_why() {
        assert_eq!(
            parse_as_at(Some("31/03/2021"), TODAY)
                .unwrap_err()
                .to_string(),
            "\"31/03/2021\" is not a date in the form YYYY-MM-DD, such as 2019-03-31"
        );
    }
}
