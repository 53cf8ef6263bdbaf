//! The one rule for each kind of cell an import reads.
//!
//! - **Money**: pounds, optionally with a leading `£` and commas between
//!   groups of three digits, and at most two decimal places: `£1,234.56`,
//!   `1234.56`, `1234.5`, `1234`. Never negative, never a third decimal
//!   place (not even a zero), nothing else (no `p`, no spaces inside).
//!   Exports write `1234.56` (whole pounds as `1234`).
//! - **Dates**: ISO `2019-03-31` or UK day first `31/03/2019` (two digits for
//!   day and month, four for the year); exports write ISO.
//! - **Text**: surrounding spaces are dropped. A cell a spreadsheet would run
//!   as a formula (`=`, `+`, `-`, `@` first) is refused; the same text with
//!   the leading apostrophe exports add (`'=…`) is read as the text itself,
//!   so an exported file imports unchanged.
use time::Date;

use crate::domain::dates::{ApproxDate, parse_form_date};
use crate::domain::money::Pence;
use crate::domain::spreadsheet::starts_formula;

/// A money cell, by the rule above.
pub fn money(text: &str) -> Result<Pence, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("is empty but an amount is required".into());
    }
    if t.starts_with('-') || t.starts_with("£-") || t.starts_with('(') {
        return Err("is negative; amounts are never negative".into());
    }
    if let Some((_, decimals)) = t.split_once('.')
        && decimals.len() > 2
    {
        return Err(format!(
            "has {} decimal places; write pounds and pence with at most two, such as £1,234.56",
            decimals.len()
        ));
    }
    Pence::parse(t).map_err(|e| {
        format!("{e}; write pounds such as £1,234.56 or 1234.56 (commas between groups of three)")
    })
}

/// A money cell as exports write it: `1234.56`, whole pounds as `1234`.
pub fn money_text(amount: Pence) -> String {
    let v = amount.value();
    if v % 100 == 0 {
        (v / 100).to_string()
    } else {
        amount.plain()
    }
}

/// A required date cell: `2019-03-31` or `31/03/2019`.
pub fn date(text: &str) -> Result<Date, String> {
    if text.trim().is_empty() {
        return Err("is empty but a date is required".into());
    }
    parse_form_date(text).map_err(|_| {
        format!(
            "{:?} is not a date; write 2019-03-31 or 31/03/2019",
            text.trim()
        )
    })
}

/// An optional date cell: blank is none.
pub fn optional_date(text: &str) -> Result<Option<Date>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    date(text).map(Some)
}

/// A date known to the day or only to the month: `2019-03-31`, `31/03/2019`
/// or `2019-03`.
pub fn approx_date(text: &str) -> Result<ApproxDate, String> {
    let t = text.trim();
    if let Ok(day) = parse_form_date(t) {
        return Ok(ApproxDate::day(day));
    }
    ApproxDate::parse(t).map_err(|_| {
        format!("{t:?} is not a date; write 2019-03-31, 31/03/2019, or 2019-03 if only the month is known")
    })
}

/// An optional [`approx_date`]: blank is none.
pub fn optional_approx_date(text: &str) -> Result<Option<ApproxDate>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    approx_date(text).map(Some)
}

/// A date as exports write it: `2019-03-31`, or `2019-03` when only the month is known.
pub fn approx_text(date: ApproxDate) -> String {
    let (d, precision) = date.to_storage();
    if precision == "month" {
        format!("{}-{:02}", d.year(), u8::from(d.month()))
    } else {
        d.to_string()
    }
}

/// A text cell: trimmed; a formula refused; an exported `'=…` read back as `=…`.
pub fn text(cell: &str) -> Result<String, String> {
    let t = cell.trim();
    if let Some(rest) = t.strip_prefix('\'')
        && starts_formula(rest)
    {
        return Ok(rest.to_owned());
    }
    if starts_formula(t) {
        return Err(
            "starts like a spreadsheet formula (=, +, - or @); formulas are not imported. \
             Type the value itself, or start the cell with an apostrophe (') to keep it as text"
                .into(),
        );
    }
    Ok(t.to_owned())
}

/// A record version from an export: blank (no check) or a whole number ≥ 1.
pub fn version(cell: &str) -> Result<Option<i32>, String> {
    let t = cell.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i32>()
        .ok()
        .filter(|v| *v >= 1)
        .map(Some)
        .ok_or_else(|| {
            "is not a version number; leave the version as exported, or blank for a new record"
                .into()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn approximate_dates_round_trip() {
        for text in ["2016-09", "2016-09-30"] {
            assert_eq!(approx_text(approx_date(text).unwrap()), text);
        }
        assert_eq!(
            approx_text(approx_date("30/09/2016").unwrap()),
            "2016-09-30"
        );
        assert!(approx_date("Sept 2016").unwrap_err().contains("2019-03"));
        assert_eq!(optional_approx_date(" ").unwrap(), None);
    }

    #[test]
    fn money_accepts_the_documented_forms() {
        for (text, pence) in [
            ("£1,234.56", 123_456),
            ("1234.56", 123_456),
            ("1234.5", 123_450),
            ("1234", 123_400),
            (" £10,000,000 ", 1_000_000_000),
            ("0.05", 5),
        ] {
            assert_eq!(money(text).map(i64::from), Ok(pence), "{text}");
        }
    }

    #[test]
    fn money_refuses_everything_else() {
        for (text, says) in [
            ("-5", "negative"),
            ("£-5", "negative"),
            ("1.234", "3 decimal places"),
            ("1.230", "3 decimal places"),
            ("12,34", "comma"),
            ("1 234", ""),
            ("£", ""),
            ("5p", ""),
            ("", "empty"),
            ("=1+1", ""),
        ] {
            let error = money(text).unwrap_err();
            assert!(error.contains(says), "{text}: {error}");
        }
    }

    #[test]
    fn dates_are_iso_or_day_first() {
        assert_eq!(date("2019-03-31"), Ok(date!(2019 - 03 - 31)));
        assert_eq!(date("31/03/2019"), Ok(date!(2019 - 03 - 31)));
        for bad in [
            "31/02/2019",
            "3/3/2019",
            "2019/03/31",
            "31-03-2019",
            "March 2019",
        ] {
            assert!(date(bad).unwrap_err().contains("not a date"), "{bad}");
        }
        assert_eq!(optional_date("  "), Ok(None));
    }

    #[test]
    fn formulas_are_refused_but_exported_text_reads_back() {
        assert!(text("=HYPERLINK(\"x\")").is_err());
        assert!(text("@SUM(A1)").is_err());
        assert!(text("-2+3").is_err());
        assert_eq!(text("'=HYPERLINK(\"x\")").unwrap(), "=HYPERLINK(\"x\")");
        assert_eq!(text(" EPR go-live ").unwrap(), "EPR go-live");
        assert_eq!(text("'quoted").unwrap(), "'quoted");
        // The export rule and the import rule agree.
        for original in ["=cmd", "-x", "+1", "@a", "plain", "£5"] {
            let exported = crate::domain::spreadsheet::neutralise(original);
            assert_eq!(text(&exported).unwrap(), original);
        }
    }

    #[test]
    fn versions_are_blank_or_positive() {
        assert_eq!(version(""), Ok(None));
        assert_eq!(version("3"), Ok(Some(3)));
        assert!(version("0").is_err());
        assert!(version("x").is_err());
    }
}
