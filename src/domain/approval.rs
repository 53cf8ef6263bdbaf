//! Approval never moves facts backwards: approving a return applies its
//! forecast and status to a live milestone only where nothing newer has been
//! recorded for that milestone.
use time::{Date, OffsetDateTime};

/// Something on record about a milestone that is newer than what a return
/// under review reported for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Newer {
    /// An approved return for a period that ends later reported on it.
    LaterReturn { period: String, ends_on: Date },
    /// Its live value was recorded, other than by approving a return, after
    /// the return under review was submitted: a progress update by the
    /// programme office (the seed records, dated, the progress it holds
    /// beyond its approved returns), or the milestone's own creation.
    RecordedAfter { at: OffsetDateTime },
}

/// What is on record about one milestone, apart from the return under review.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MilestoneRecord {
    pub signed_off: bool,
    /// The latest-ending period, other than the return's own, whose approved
    /// return reported on this milestone.
    pub latest_approved_period: Option<(String, Date)>,
    /// When its live value was last recorded other than by approving a
    /// return: its creation, or the office's latest progress update (from
    /// the audit trail).
    pub last_recorded_directly: Option<OffsetDateTime>,
}

/// What approving a return does to one live milestone it reported on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Approval {
    /// The reported forecast and status become the live ones.
    Apply,
    /// Signed off: settled, so the return cannot reopen it.
    SignedOff,
    /// Something newer is on record; the milestone is left as it is.
    Keep(Newer),
}

/// The rule. A return for the period ending `period_ends_on`, submitted at
/// `submitted_at`, reports what the trust knew at submission about the
/// state at the period's end. Its line for a milestone is *older* than:
///
/// 1. an approved return for a period ending later that reported on the same
///    milestone: periods are compared by their end date, whatever order the
///    returns were approved in (approving Q3 late does not undo Q4), and
/// 2. a direct recording of the milestone's live value after this return was
///    submitted: the office's progress updates (`milestone.progress` in the
///    audit trail) and the milestone's creation, compared as instants. A
///    recording before submission was known to the trust when it reported,
///    so the return supersedes it.
///
/// Approving a return's own earlier-period predecessors never counts, so
/// reviewing returns in any order converges on the latest period's report.
/// Without a submission instant, only rule 1 applies.
pub fn approval_of_line(
    period_ends_on: Date,
    submitted_at: Option<OffsetDateTime>,
    record: &MilestoneRecord,
) -> Approval {
    if record.signed_off {
        return Approval::SignedOff;
    }
    if let Some((period, ends_on)) = &record.latest_approved_period
        && *ends_on > period_ends_on
    {
        return Approval::Keep(Newer::LaterReturn {
            period: period.clone(),
            ends_on: *ends_on,
        });
    }
    if let (Some(submitted), Some(at)) = (submitted_at, record.last_recorded_directly)
        && at > submitted
    {
        return Approval::Keep(Newer::RecordedAfter { at });
    }
    Approval::Apply
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    const Q4_END: Date = date!(2021 - 03 - 31);
    const SUBMITTED: OffsetDateTime = datetime!(2021-04-20 10:00 UTC);

    #[test]
    fn a_milestone_untouched_since_submission_takes_the_report() {
        let record = MilestoneRecord {
            signed_off: false,
            latest_approved_period: Some(("2020/21 Q3".into(), date!(2020 - 12 - 31))),
            last_recorded_directly: Some(datetime!(2021-04-01 9:00 UTC)),
        };
        assert_eq!(
            approval_of_line(Q4_END, Some(SUBMITTED), &record),
            Approval::Apply
        );
        assert_eq!(
            approval_of_line(Q4_END, Some(SUBMITTED), &MilestoneRecord::default()),
            Approval::Apply
        );
    }

    #[test]
    fn a_later_period_approved_first_is_not_undone() {
        let record = MilestoneRecord {
            latest_approved_period: Some(("2021/22 Q1".into(), date!(2021 - 06 - 30))),
            ..MilestoneRecord::default()
        };
        assert_eq!(
            approval_of_line(Q4_END, Some(SUBMITTED), &record),
            Approval::Keep(Newer::LaterReturn {
                period: "2021/22 Q1".into(),
                ends_on: date!(2021 - 06 - 30)
            })
        );
        // Even with no submission instant.
        assert!(matches!(
            approval_of_line(Q4_END, None, &record),
            Approval::Keep(Newer::LaterReturn { .. })
        ));
    }

    #[test]
    fn the_same_period_is_not_newer() {
        let record = MilestoneRecord {
            latest_approved_period: Some(("2020/21 Q4".into(), Q4_END)),
            ..MilestoneRecord::default()
        };
        assert_eq!(
            approval_of_line(Q4_END, Some(SUBMITTED), &record),
            Approval::Apply
        );
    }

    #[test]
    fn an_office_update_after_submission_is_kept() {
        let at = datetime!(2025-11-30 12:00 UTC);
        let record = MilestoneRecord {
            last_recorded_directly: Some(at),
            ..MilestoneRecord::default()
        };
        assert_eq!(
            approval_of_line(Q4_END, Some(SUBMITTED), &record),
            Approval::Keep(Newer::RecordedAfter { at })
        );
        // At the same instant the trust could have known it.
        let record = MilestoneRecord {
            last_recorded_directly: Some(SUBMITTED),
            ..MilestoneRecord::default()
        };
        assert_eq!(
            approval_of_line(Q4_END, Some(SUBMITTED), &record),
            Approval::Apply
        );
        // Without a submission instant a direct update cannot be ordered.
        let record = MilestoneRecord {
            last_recorded_directly: Some(at),
            ..MilestoneRecord::default()
        };
        assert_eq!(approval_of_line(Q4_END, None, &record), Approval::Apply);
    }

    #[test]
    fn instants_compare_as_instants_not_text() {
        // 23:30 at UTC-2 is after 00:30 the next day at UTC+0.
        let submitted = datetime!(2021-04-21 00:30 UTC);
        let at = datetime!(2021-04-20 23:30 -2);
        let record = MilestoneRecord {
            last_recorded_directly: Some(at),
            ..MilestoneRecord::default()
        };
        assert!(matches!(
            approval_of_line(Q4_END, Some(submitted), &record),
            Approval::Keep(_)
        ));
    }

    #[test]
    fn signed_off_comes_first() {
        let record = MilestoneRecord {
            signed_off: true,
            latest_approved_period: Some(("2021/22 Q1".into(), date!(2021 - 06 - 30))),
            last_recorded_directly: None,
        };
        assert_eq!(
            approval_of_line(Q4_END, Some(SUBMITTED), &record),
            Approval::SignedOff
        );
    }
}
