//! Reporting periods and the return workflow: draft → submitted → returned
//! or approved. An approved return is frozen: the record of what was
//! reported at the time.
use time::{Date, Month};

use super::financial_year::FinancialYear;

code_enum! {
    /// How often a period recurs.
    pub enum Frequency ("reporting frequency") {
        Monthly => "monthly", "Monthly";
        Quarterly => "quarterly", "Quarterly";
    }
}

code_enum! {
    pub enum PeriodStatus ("period status") {
        Open => "open", "Open";
        Closed => "closed", "Closed";
    }
}

code_enum! {
    /// Where a trust's return stands.
    pub enum ReturnStatus ("return status") {
        Draft => "draft", "Draft";
        Submitted => "submitted", "Submitted";
        Returned => "returned", "Returned for changes";
        Approved => "approved", "Approved";
    }
}

/// A return's state as lists show it: "not reported" is a state of its own,
/// never silently treated as green.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportState {
    NotReported,
    Is(ReturnStatus),
}

impl ReportState {
    pub fn label(self) -> &'static str {
        match self {
            ReportState::NotReported => "Not reported",
            ReportState::Is(s) => s.label(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error(
        "This return has been submitted, so it cannot be changed unless the programme office returns it"
    )]
    Submitted,
    #[error(
        "This return has been approved and is now the record of what was reported; it cannot change"
    )]
    Approved,
    #[error("Only a submitted return can be reviewed; this one is {0}")]
    NotSubmitted(&'static str),
}

/// The trust may edit (save or submit) a return that does not exist yet, is
/// a draft, or was returned to them.
pub fn check_editable(status: Option<ReturnStatus>) -> Result<(), WorkflowError> {
    match status {
        None | Some(ReturnStatus::Draft) | Some(ReturnStatus::Returned) => Ok(()),
        Some(ReturnStatus::Submitted) => Err(WorkflowError::Submitted),
        Some(ReturnStatus::Approved) => Err(WorkflowError::Approved),
    }
}

/// The office approves or returns only a submitted return.
pub fn check_reviewable(status: ReturnStatus) -> Result<(), WorkflowError> {
    match status {
        ReturnStatus::Submitted => Ok(()),
        other => Err(WorkflowError::NotSubmitted(other.label())),
    }
}

/// A period's label and dates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodSpec {
    pub label: String,
    pub frequency: Frequency,
    pub starts_on: Date,
    pub ends_on: Date,
}

fn last_day_of(year: i32, month: Month) -> Date {
    let next = month.next();
    let next_year = if next == Month::January {
        year + 1
    } else {
        year
    };
    Date::from_calendar_date(next_year, next, 1)
        .map(|d| d.previous_day().unwrap_or(d))
        .unwrap_or(Date::MIN)
}

/// Quarter `q` (1–4) of a UK financial year: Q1 is April–June.
pub fn quarter(fy: FinancialYear, q: u8) -> Option<PeriodSpec> {
    if !(1..=4).contains(&q) {
        return None;
    }
    let first_month =
        [Month::April, Month::July, Month::October, Month::January][usize::from(q - 1)];
    let year = if q == 4 {
        fy.start_year() + 1
    } else {
        fy.start_year()
    };
    let starts_on = Date::from_calendar_date(year, first_month, 1).ok()?;
    let last_month = first_month.next().next();
    Some(PeriodSpec {
        label: format!("{fy} Q{q}"),
        frequency: Frequency::Quarterly,
        starts_on,
        ends_on: last_day_of(year, last_month),
    })
}

/// A calendar month as a period, e.g. "May 2019".
pub fn month(year: i32, month: Month) -> Option<PeriodSpec> {
    Some(PeriodSpec {
        label: format!("{month} {year}"),
        frequency: Frequency::Monthly,
        starts_on: Date::from_calendar_date(year, month, 1).ok()?,
        ends_on: last_day_of(year, month),
    })
}

/// The part of a URL that names a period, from its label: `2020/21 Q3` is
/// `2020-21-q3` and `May 2019` is `2019-05`, so [`label_of_slug`] gives the
/// label back. A label of any other shape (only a hand-written seed could
/// hold one) is lower-cased with each run of other characters made one `-`;
/// such a slug does not map back and is found by comparing slugs.
pub fn period_slug(label: &str) -> String {
    if let Some((fy, q)) = quarter_label(label) {
        let start = fy.start_year();
        return format!("{start}-{:02}-q{q}", (start + 1).rem_euclid(100));
    }
    if let Some((year, m)) = month_label(label) {
        return format!("{year}-{:02}", u8::from(m));
    }
    let mut slug = String::new();
    for c in label.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// The label a slug names, for slugs of the two shapes [`period_slug`] makes
/// from labels [`quarter`] and [`month`] write; `None` for anything else.
pub fn label_of_slug(slug: &str) -> Option<String> {
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = slug.split('-').collect();
    match parts.as_slice() {
        [start, end, q] if start.len() == 4 && end.len() == 2 => {
            let q = q.strip_prefix('q')?;
            if q.len() != 1 || !all_digits(q) {
                return None;
            }
            let fy = FinancialYear::parse(&format!("{start}/{end}")).ok()?;
            quarter(fy, q.parse().ok()?).map(|p| p.label)
        }
        [year, m] if year.len() == 4 && m.len() == 2 && all_digits(year) && all_digits(m) => {
            let m = Month::try_from(m.parse::<u8>().ok()?).ok()?;
            month(year.parse().ok()?, m).map(|p| p.label)
        }
        _ => None,
    }
}

/// `2020/21 Q3` as its financial year and quarter, exactly as [`quarter`] writes it.
fn quarter_label(label: &str) -> Option<(FinancialYear, u8)> {
    let (fy, q) = label.split_once(" Q")?;
    let fy = FinancialYear::parse(fy).ok()?;
    let q: u8 = q.parse().ok()?;
    quarter(fy, q).filter(|p| p.label == label).map(|_| (fy, q))
}

/// `May 2019` as its year and month, exactly as [`month`] writes it.
fn month_label(label: &str) -> Option<(i32, Month)> {
    let (name, year) = label.split_once(' ')?;
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let mut m = Month::January;
    for _ in 0..12 {
        if m.to_string() == name {
            return month(year, m)
                .filter(|p| p.label == label)
                .map(|_| (year, m));
        }
        m = m.next();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn quarters_follow_the_uk_financial_year() {
        let fy = FinancialYear::new(2019).unwrap();
        let q1 = quarter(fy, 1).unwrap();
        assert_eq!(
            (q1.starts_on, q1.ends_on),
            (date!(2019 - 04 - 01), date!(2019 - 06 - 30))
        );
        assert_eq!(q1.label, "2019/20 Q1");
        let q4 = quarter(fy, 4).unwrap();
        assert_eq!(
            (q4.starts_on, q4.ends_on),
            (date!(2020 - 01 - 01), date!(2020 - 03 - 31))
        );
        assert!(quarter(fy, 5).is_none());
        assert!(quarter(fy, 0).is_none());
    }

    #[test]
    fn months_end_on_their_last_day() {
        let feb = month(2020, Month::February).unwrap();
        assert_eq!(feb.ends_on, date!(2020 - 02 - 29));
        assert_eq!(feb.label, "February 2020");
        assert_eq!(
            month(2019, Month::December).unwrap().ends_on,
            date!(2019 - 12 - 31)
        );
    }

    #[test]
    fn period_slugs_read_as_the_label_and_map_back() {
        let q3 = quarter(FinancialYear::new(2020).unwrap(), 3).unwrap().label;
        assert_eq!(period_slug(&q3), "2020-21-q3");
        assert_eq!(label_of_slug("2020-21-q3").as_deref(), Some("2020/21 Q3"));
        let may = month(2019, Month::May).unwrap().label;
        assert_eq!(period_slug(&may), "2019-05");
        assert_eq!(label_of_slug("2019-05").as_deref(), Some("May 2019"));
        assert_eq!(period_slug("1999/00 Q4"), "1999-00-q4");
        assert_eq!(label_of_slug("1999-00-q4").as_deref(), Some("1999/00 Q4"));
        for start in [1990, 2016, 2099] {
            let fy = FinancialYear::new(start).unwrap();
            for q in 1..=4 {
                let label = quarter(fy, q).unwrap().label;
                assert_eq!(label_of_slug(&period_slug(&label)), Some(label));
            }
            let mut m = Month::January;
            for _ in 0..12 {
                let label = month(start, m).unwrap().label;
                assert_eq!(label_of_slug(&period_slug(&label)), Some(label));
                m = m.next();
            }
        }
    }

    #[test]
    fn other_slugs_name_no_label() {
        for bad in [
            "",
            "12",
            "x",
            "2020-22-q3",
            "2020-21-q5",
            "2020-21-q0",
            "2020-21-Q3",
            "2020-21-q",
            "2020-21-q33",
            "2019-13",
            "2019-00",
            "2019-5",
            "19-05",
            "2019-05-01",
            "2020/21 Q3",
        ] {
            assert_eq!(label_of_slug(bad), None, "{bad}");
        }
    }

    #[test]
    fn labels_of_other_shapes_still_get_a_plain_slug() {
        assert_eq!(period_slug("Pilot (autumn 2016)"), "pilot-autumn-2016");
        assert_eq!(period_slug("2020/21 Q7"), "2020-21-q7");
        assert_eq!(label_of_slug("2020-21-q7"), None);
        assert_eq!(period_slug("may 2019"), "may-2019");
    }

    #[test]
    fn only_drafts_and_returned_returns_are_editable() {
        assert!(check_editable(None).is_ok());
        assert!(check_editable(Some(ReturnStatus::Draft)).is_ok());
        assert!(check_editable(Some(ReturnStatus::Returned)).is_ok());
        assert_eq!(
            check_editable(Some(ReturnStatus::Submitted)),
            Err(WorkflowError::Submitted)
        );
        assert_eq!(
            check_editable(Some(ReturnStatus::Approved)),
            Err(WorkflowError::Approved)
        );
    }

    #[test]
    fn only_submitted_returns_are_reviewed() {
        assert!(check_reviewable(ReturnStatus::Submitted).is_ok());
        assert!(check_reviewable(ReturnStatus::Draft).is_err());
        assert!(check_reviewable(ReturnStatus::Approved).is_err());
    }

    #[test]
    fn not_reported_is_its_own_state() {
        assert_eq!(ReportState::NotReported.label(), "Not reported");
        assert_ne!(
            ReportState::NotReported,
            ReportState::Is(ReturnStatus::Approved)
        );
    }
}
