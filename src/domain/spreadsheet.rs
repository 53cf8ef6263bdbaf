//! Cells for tables that are also downloaded as CSV, and the one rule that
//! keeps a CSV safe to open in a spreadsheet.
//!
//! A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (or a tab
//! or carriage return before one) as a formula, so a participant named
//! `=HYPERLINK(…)` or `-2+3+cmd|' /C calc'!A0` could run code on the reader's
//! machine. Some also skip leading spaces and a currency sign (`£=1+1`).
//! Every text cell therefore goes through [`neutralise`]; numbers are typed
//! ([`Cell::Count`], [`Cell::Money`]) and written as plain numbers, so a
//! negative amount stays a number the spreadsheet can add up.
use std::borrow::Cow;
use std::fmt;

use super::money::Pence;

/// One cell of a table: text, or a number the spreadsheet should see as one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    /// A whole number: a count, days, a stage.
    Count(i64),
    /// An amount in pence (may be negative): `£5,000,000` on a page,
    /// `5000000` in CSV.
    Money(i64),
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell::Text(text.into())
    }

    pub fn count(n: impl Into<i64>) -> Cell {
        Cell::Count(n.into())
    }

    pub fn is_number(&self) -> bool {
        !matches!(self, Cell::Text(_))
    }

    /// The cell as a CSV field: numbers plain (pounds without symbol or
    /// separators, pence only when there are some), text neutralised.
    pub fn csv_field(&self) -> Cow<'_, str> {
        match self {
            Cell::Text(text) => neutralise(text),
            Cell::Count(n) => Cow::Owned(n.to_string()),
            Cell::Money(pence) => {
                let sign = if *pence < 0 { "-" } else { "" };
                let abs = pence.unsigned_abs();
                Cow::Owned(match abs % 100 {
                    0 => format!("{sign}{}", abs / 100),
                    p => format!("{sign}{}.{p:02}", abs / 100),
                })
            }
        }
    }
}

/// As a page shows it: text as it is, `1,234`-free counts, money as `£9,600,000`.
impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Text(text) => f.write_str(text),
            Cell::Count(n) => write!(f, "{n}"),
            Cell::Money(pence) => match Pence::new(pence.saturating_abs()) {
                Ok(p) if *pence < 0 => write!(f, "-{p}"),
                Ok(p) => write!(f, "{p}"),
                Err(_) => write!(f, "{pence}p"),
            },
        }
    }
}

/// Characters a spreadsheet reads as the start of a formula.
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Currency signs a spreadsheet may skip before a formula.
fn is_currency(c: char) -> bool {
    matches!(
        c,
        '$' | '¢' | '£' | '¤' | '¥' | '€' | '\u{20A0}'..='\u{20CF}'
    )
}

/// Does this text, as a spreadsheet would read it, start a formula? Leading
/// whitespace and currency signs are skipped; a tab or carriage return
/// anywhere in that lead counts as a trigger itself.
pub fn starts_formula(text: &str) -> bool {
    for c in text.chars() {
        if TRIGGERS.contains(&c) {
            return true;
        }
        if !(c.is_whitespace() || is_currency(c)) {
            return false;
        }
    }
    false
}

/// The one rule for text in CSV: a cell a spreadsheet would run as a formula
/// gets a leading apostrophe, so it shows as the text it is.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if starts_formula(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A CSV document: a heading row, then the rows, every cell through
/// [`Cell::csv_field`]. The only CSV writer for downloads and packs.
pub fn csv<R: AsRef<[Cell]>>(headings: &[&str], rows: impl IntoIterator<Item = R>) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail; the results are checked all the same.
    let mut ok = writer
        .write_record(headings.iter().map(|h| neutralise(h).into_owned()))
        .is_ok();
    for row in rows {
        ok &= writer
            .write_record(row.as_ref().iter().map(|c| c.csv_field().into_owned()))
            .is_ok();
    }
    debug_assert!(ok, "CSV into memory");
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_are_neutralised() {
        for (input, expected) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+cmd", "'+cmd"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("-x", "'-x"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("£=HYPERLINK(\"x\")", "'£=HYPERLINK(\"x\")"),
            ("  $=1+1", "'  $=1+1"),
            ("€ -1", "'€ -1"),
            ("\t=1", "'\t=1"),
            ("\tplain", "'\tplain"),
            ("\rplain", "'\rplain"),
            // Text that merely looks like a negative number is still text.
            ("-30", "'-30"),
        ] {
            assert_eq!(neutralise(input), expected, "{input:?}");
        }
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for input in [
            "Royal Free",
            "",
            "£5,000",
            "2017/18",
            "M1.2",
            "a=b",
            "Not reported",
            " ",
        ] {
            assert_eq!(neutralise(input), input);
        }
    }

    #[test]
    fn numbers_are_written_as_numbers() {
        assert_eq!(Cell::Count(-30).csv_field(), "-30");
        assert_eq!(Cell::Money(-500_000_000).csv_field(), "-5000000");
        assert_eq!(Cell::Money(960_000_050).csv_field(), "9600000.50");
        assert_eq!(Cell::Money(5).csv_field(), "0.05");
        assert_eq!(Cell::Money(-5).csv_field(), "-0.05");
        assert_eq!(Cell::Money(960_000_000).to_string(), "£9,600,000");
        assert_eq!(Cell::Money(-100).to_string(), "-£1");
    }

    #[test]
    fn a_document_neutralises_every_text_cell() {
        let doc = csv(
            &["Name", "Amount"],
            [
                vec![Cell::text("=cmd"), Cell::Money(-100)],
                vec![Cell::text("Royal Free, London"), Cell::Count(3)],
            ],
        );
        assert_eq!(doc, "Name,Amount\n'=cmd,-1\n\"Royal Free, London\",3\n");
    }

    /// What a spreadsheet sees in a field: the first character after the
    /// whitespace and currency signs it skips.
    fn first_significant(field: &str) -> Option<char> {
        field
            .chars()
            .find(|c| !(c.is_whitespace() || is_currency(*c)))
    }

    proptest! {
        #[test]
        fn a_neutralised_cell_never_starts_a_formula(text in any::<String>()) {
            let field = Cell::Text(text.clone()).csv_field().into_owned();
            prop_assert!(!starts_formula(&field));
            prop_assert!(!field.starts_with(['\t', '\r']));
            if let Some(c) = first_significant(&field) {
                prop_assert!(!"=+-@".contains(c) || field.starts_with('\''), "{field:?}");
            }
            // Nothing is lost: the text is kept, at most behind one apostrophe.
            let prefixed = format!("'{text}");
            prop_assert!(field == text || field == prefixed);
        }

        #[test]
        fn formula_like_text_is_always_caught(
            lead in "[ \u{a0}£$€]{0,3}",
            trigger in "[=+@\\-\t\r]",
            rest in any::<String>(),
        ) {
            let text = format!("{lead}{trigger}{rest}");
            let field = neutralise(&text);
            prop_assert!(field.starts_with('\''), "{field:?}");
        }

        #[test]
        fn numbers_round_trip_as_numbers(n in any::<i64>(), pence in -(1i64 << 50)..(1i64 << 50)) {
            let count = Cell::Count(n).csv_field().into_owned();
            prop_assert_eq!(count.parse::<i64>().ok(), Some(n));
            let money = Cell::Money(pence).csv_field().into_owned();
            // Read back exactly: optional sign, pounds, optional two-digit pence.
            let (negative, digits) = match money.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, money.as_str()),
            };
            let (pounds, part) = digits.split_once('.').unwrap_or((digits, "00"));
            prop_assert_eq!(part.len(), 2);
            let abs = pounds.parse::<i64>().unwrap() * 100 + part.parse::<i64>().unwrap();
            prop_assert_eq!(if negative { -abs } else { abs }, pence);
            prop_assert!(money.parse::<f64>().is_ok());
        }
    }
}
