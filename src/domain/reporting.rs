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
