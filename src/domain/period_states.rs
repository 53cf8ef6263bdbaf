//! The one definition of where each participant's return for a reporting
//! period stood at a date. The delivery-confidence chart, its table and CSV,
//! the headline figures and sentences and the exceptions list all count
//! these states, so they agree to the unit.
//!
//! The states, each participant in exactly one:
//!
//! - **Not reported**: no return for the period existed by the end of the
//!   date (nothing begun, so nothing submitted).
//! - **Draft**: begun by the trust, not submitted by then.
//! - **Awaiting review**: submitted, neither approved nor returned by then.
//! - **Returned for changes**: the office sent it back and it had not been
//!   submitted again by then.
//! - **Approved**, with its rating: the office's rating, else the trust's
//!   (Red/Amber/Green, or the legacy five-point scale).
//!
//! A return row keeps only some instants of its history (created, last
//! updated, last submitted, approved), so [`status_at`] reconstructs its
//! status at a past date with these approximations, until a full history of
//! returns is kept:
//!
//! - a return not changed since the date had its current status then;
//! - one changed since, approved by then, was approved; else one last
//!   submitted by then was awaiting review (if it was returned after the
//!   date, it was still awaiting review at the date); else it was a draft —
//!   one returned before the date and resubmitted after it shows as a draft,
//!   because when it was returned is not recorded;
//! - it existed from the earliest of its created, submitted and approved
//!   instants (seeded returns carry their original submitted and approved
//!   instants, but were created when loaded).
use std::collections::HashMap;

use time::OffsetDateTime;

use super::rating::Rating;
use super::reporting::ReturnStatus;
use super::snapshot::{ParticipantAt, PeriodAt, Snapshot};

/// The instants a return row records about itself.
#[derive(Clone, Copy, Debug)]
pub struct ReturnInstants {
    /// Its status now.
    pub status: ReturnStatus,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// The latest submission.
    pub submitted_at: Option<OffsetDateTime>,
    pub approved_at: Option<OffsetDateTime>,
}

/// The return's status at the instant `cutoff` (the end of the as-at day,
/// `snapshot::end_of`); `None` if it did not exist then.
pub fn status_at(r: &ReturnInstants, cutoff: OffsetDateTime) -> Option<ReturnStatus> {
    let by = |t: Option<OffsetDateTime>| t.is_some_and(|t| t <= cutoff);
    if by(r.approved_at) {
        return Some(ReturnStatus::Approved);
    }
    let existed = [Some(r.created_at), r.submitted_at, r.approved_at]
        .into_iter()
        .flatten()
        .min()
        .is_some_and(|t| t <= cutoff);
    if !existed {
        return None;
    }
    if r.updated_at <= cutoff && r.status != ReturnStatus::Approved {
        return Some(r.status);
    }
    if by(r.submitted_at) {
        Some(ReturnStatus::Submitted)
    } else {
        Some(ReturnStatus::Draft)
    }
}

/// Where one participant's return for a period stood.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PeriodState {
    NotReported,
    Draft,
    AwaitingReview,
    Returned,
    /// Approved with its rating (`None` only if no rating was recorded).
    Approved(Option<Rating>),
}

impl PeriodState {
    /// The state of a return with this status (`None`: no return) and rating.
    pub fn of(status: Option<ReturnStatus>, rating: Option<Rating>) -> PeriodState {
        match status {
            None => PeriodState::NotReported,
            Some(ReturnStatus::Draft) => PeriodState::Draft,
            Some(ReturnStatus::Submitted) => PeriodState::AwaitingReview,
            Some(ReturnStatus::Returned) => PeriodState::Returned,
            Some(ReturnStatus::Approved) => PeriodState::Approved(rating),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PeriodState::NotReported => "Not reported",
            PeriodState::Draft => "Draft",
            PeriodState::AwaitingReview => "Awaiting review",
            PeriodState::Returned => "Returned for changes",
            PeriodState::Approved(Some(r)) => r.label(),
            PeriodState::Approved(None) => "Approved, no rating",
        }
    }

    /// Not submitted and standing at the date: no return, a draft, or one
    /// returned for changes.
    pub fn is_outstanding(self) -> bool {
        matches!(
            self,
            PeriodState::NotReported | PeriodState::Draft | PeriodState::Returned
        )
    }
}

/// How many participants were in each state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeriodCounts {
    pub not_reported: u32,
    pub draft: u32,
    pub awaiting_review: u32,
    pub returned: u32,
    pub red: u32,
    pub amber_red: u32,
    pub amber: u32,
    pub amber_green: u32,
    pub green: u32,
    pub approved_unrated: u32,
}

impl PeriodCounts {
    pub fn add(&mut self, state: PeriodState) {
        let slot = match state {
            PeriodState::NotReported => &mut self.not_reported,
            PeriodState::Draft => &mut self.draft,
            PeriodState::AwaitingReview => &mut self.awaiting_review,
            PeriodState::Returned => &mut self.returned,
            PeriodState::Approved(Some(Rating::Red)) => &mut self.red,
            PeriodState::Approved(Some(Rating::AmberRed)) => &mut self.amber_red,
            PeriodState::Approved(Some(Rating::Amber)) => &mut self.amber,
            PeriodState::Approved(Some(Rating::AmberGreen)) => &mut self.amber_green,
            PeriodState::Approved(Some(Rating::Green)) => &mut self.green,
            PeriodState::Approved(None) => &mut self.approved_unrated,
        };
        *slot += 1;
    }

    pub fn approved(&self) -> u32 {
        self.red
            + self.amber_red
            + self.amber
            + self.amber_green
            + self.green
            + self.approved_unrated
    }

    /// No return, drafts and returned ones: see [`PeriodState::is_outstanding`].
    pub fn outstanding(&self) -> u32 {
        self.not_reported + self.draft + self.returned
    }

    pub fn total(&self) -> u32 {
        self.approved() + self.not_reported + self.draft + self.awaiting_review + self.returned
    }
}

/// Each participant of the snapshot with its return's state for the period,
/// in the snapshot's participant order. The snapshot's returns already hold
/// each return's status as at its date.
pub fn states<'s>(s: &'s Snapshot, period: &PeriodAt) -> Vec<(&'s ParticipantAt, PeriodState)> {
    let of: HashMap<i32, _> = s
        .returns
        .iter()
        .filter(|r| r.period_id == period.id)
        .map(|r| (r.participant_id, r))
        .collect();
    s.participants
        .iter()
        .map(|p| {
            let state = match of.get(&p.id) {
                None => PeriodState::NotReported,
                Some(r) => {
                    let rating = r
                        .office_rating
                        .as_deref()
                        .or(r.self_rating.as_deref())
                        .and_then(|c| Rating::from_code(c).ok());
                    PeriodState::of(Some(r.status), rating)
                }
            };
            (p, state)
        })
        .collect()
}

/// The counts of [`states`].
pub fn counts(s: &Snapshot, period: &PeriodAt) -> PeriodCounts {
    let mut c = PeriodCounts::default();
    for (_, state) in states(s, period) {
        c.add(state);
    }
    c
}

/// The latest period whose returns were due by the snapshot's date: the one
/// the headline reports on.
pub fn latest_due(s: &Snapshot) -> Option<&PeriodAt> {
    s.periods
        .iter()
        .filter(|p| p.due_on <= s.as_at)
        .max_by_key(|p| p.ends_on)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const CUT: OffsetDateTime = datetime!(2021-04-30 23:59:59.999999999 UTC);

    fn row(status: ReturnStatus) -> ReturnInstants {
        ReturnInstants {
            status,
            created_at: datetime!(2021-04-01 9:00 UTC),
            updated_at: datetime!(2021-04-01 9:00 UTC),
            submitted_at: None,
            approved_at: None,
        }
    }

    #[test]
    fn a_return_created_after_the_date_did_not_exist() {
        let mut r = row(ReturnStatus::Draft);
        r.created_at = datetime!(2021-05-01 0:00 UTC);
        r.updated_at = r.created_at;
        assert_eq!(status_at(&r, CUT), None);
        // Created in the date's last instant: it counts.
        r.created_at = CUT;
        r.updated_at = CUT;
        assert_eq!(status_at(&r, CUT), Some(ReturnStatus::Draft));
        assert_eq!(
            PeriodState::of(status_at(&row(ReturnStatus::Draft), CUT), None),
            PeriodState::Draft
        );
    }

    #[test]
    fn unchanged_since_the_date_keeps_its_status() {
        let mut r = row(ReturnStatus::Returned);
        r.submitted_at = Some(datetime!(2021-04-10 12:00 UTC));
        r.updated_at = datetime!(2021-04-20 12:00 UTC);
        assert_eq!(status_at(&r, CUT), Some(ReturnStatus::Returned));
        r.status = ReturnStatus::Submitted;
        assert_eq!(status_at(&r, CUT), Some(ReturnStatus::Submitted));
    }

    #[test]
    fn submitted_by_the_date_and_decided_after_it_was_awaiting_review() {
        for now in [ReturnStatus::Returned, ReturnStatus::Approved] {
            let mut r = row(now);
            r.submitted_at = Some(CUT);
            r.updated_at = datetime!(2021-05-01 0:00 UTC);
            if now == ReturnStatus::Approved {
                r.approved_at = Some(datetime!(2021-05-01 0:00 UTC));
            }
            assert_eq!(status_at(&r, CUT), Some(ReturnStatus::Submitted), "{now:?}");
        }
    }

    #[test]
    fn approved_by_the_last_instant_of_the_date() {
        let mut r = row(ReturnStatus::Approved);
        r.submitted_at = Some(datetime!(2021-04-10 12:00 UTC));
        r.approved_at = Some(CUT);
        r.updated_at = datetime!(2021-06-01 0:00 UTC);
        assert_eq!(status_at(&r, CUT), Some(ReturnStatus::Approved));
        // A seeded return: created when loaded, long after its approval.
        r.created_at = datetime!(2026-01-01 0:00 UTC);
        assert_eq!(status_at(&r, CUT), Some(ReturnStatus::Approved));
    }

    #[test]
    fn submitted_after_the_date_was_a_draft_at_it() {
        let mut r = row(ReturnStatus::Submitted);
        r.submitted_at = Some(datetime!(2021-05-01 0:00 UTC));
        r.updated_at = datetime!(2021-05-01 0:00 UTC);
        assert_eq!(status_at(&r, CUT), Some(ReturnStatus::Draft));
    }

    #[test]
    fn each_state_is_counted_once() {
        let mut c = PeriodCounts::default();
        for s in [
            PeriodState::NotReported,
            PeriodState::Draft,
            PeriodState::AwaitingReview,
            PeriodState::Returned,
            PeriodState::Approved(Some(Rating::Red)),
            PeriodState::Approved(Some(Rating::AmberRed)),
            PeriodState::Approved(Some(Rating::Amber)),
            PeriodState::Approved(Some(Rating::AmberGreen)),
            PeriodState::Approved(Some(Rating::Green)),
            PeriodState::Approved(None),
        ] {
            c.add(s);
        }
        assert_eq!(c.total(), 10);
        assert_eq!(c.approved(), 6);
        assert_eq!(c.outstanding(), 3);
        assert!(PeriodState::Returned.is_outstanding());
        assert!(!PeriodState::AwaitingReview.is_outstanding());
        assert_eq!(PeriodState::AwaitingReview.label(), "Awaiting review");
    }
}
