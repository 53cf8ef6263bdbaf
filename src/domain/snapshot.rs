//! The programme as it stood at a date: the read model every dashboard
//! figure, chart, CSV and briefing pack is computed from (`reports/` turns
//! it into those). `store::snapshot` reads it from the records and
//! `services::snapshot` hands it out, to those who may see it.
use std::collections::{HashMap, HashSet};

use time::{Date, OffsetDateTime, Time};

use crate::domain::participant::{Role, Sector};
use crate::domain::programme::Filter;
use crate::domain::region::RegionCode;
use crate::domain::reporting::ReturnStatus;

#[derive(Clone, Debug)]
pub struct ParticipantAt {
    pub id: i32,
    pub organisation_id: i32,
    pub ods_code: String,
    pub name: String,
    pub role: Role,
    pub sector: Sector,
    pub region: Option<RegionCode>,
}

#[derive(Clone, Debug)]
pub struct MilestoneAt {
    pub id: i32,
    pub participant_id: i32,
    pub reference: String,
    pub title: String,
    /// The category code (`domain::milestone::MilestoneCategory`).
    pub category: String,
    pub baseline_on: Date,
    pub forecast_on: Option<Date>,
    pub actual_on: Option<Date>,
    pub status: String,
    /// Invented for demonstration (the seed's illustrative set), not a programme fact.
    pub illustrative: bool,
    /// The version then (what `If-Match` would have named).
    pub version: i32,
    pub signed_off_on: Option<Date>,
}

#[derive(Clone, Debug)]
pub struct AllocationAt {
    pub id: i32,
    pub version: i32,
    pub participant_id: i32,
    pub reference: String,
    pub awarded_on: Date,
    pub central: i64,
    pub local_match: i64,
    /// (financial year's first calendar year, pence)
    pub profile: Vec<(i32, i64)>,
    pub illustrative: bool,
}

#[derive(Clone, Debug)]
pub struct TrancheAt {
    pub id: i32,
    /// The version then.
    pub version: i32,
    pub allocation_id: i32,
    pub name: String,
    /// The tranche kind code (`domain::funding::TrancheKind`).
    pub kind: String,
    /// The milestone whose sign-off releases it.
    pub milestone_id: Option<i32>,
    pub amount: i64,
    pub released_on: Option<Date>,
    pub illustrative: bool,
}

#[derive(Clone, Debug)]
pub struct PeriodAt {
    pub id: i32,
    pub label: String,
    pub ends_on: Date,
    pub due_on: Date,
}

#[derive(Clone, Debug)]
pub struct ReturnAt {
    pub period_id: i32,
    pub participant_id: i32,
    pub status: ReturnStatus,
    pub self_rating: Option<String>,
    pub office_rating: Option<String>,
    pub spend: Option<i64>,
    pub illustrative: bool,
}

#[derive(Clone, Debug)]
pub struct Snapshot {
    pub as_at: Date,
    pub participants: Vec<ParticipantAt>,
    pub milestones: Vec<MilestoneAt>,
    pub allocations: Vec<AllocationAt>,
    pub tranches: Vec<TrancheAt>,
    pub periods: Vec<PeriodAt>,
    /// Every return that existed by the date, with its status then (see
    /// `domain::period_states`): drafts, submitted, returned and approved.
    pub returns: Vec<ReturnAt>,
    /// (participant id, HIMSS EMRAM stage) of the latest assessment by the date.
    pub emram: HashMap<i32, u8>,
    /// Participants whose latest HIMSS EMRAM assessment is illustrative.
    pub emram_illustrative: HashSet<i32>,
    /// Each participant's cap, pence.
    pub caps: HashMap<i32, i64>,
}

/// Which kinds of figure in a snapshot rest on illustrative (invented)
/// records. A label travels with every figure, chart and file computed from
/// them; a programme with no illustrative records shows none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    /// Allocations, profiles, tranches: every money figure.
    pub money: bool,
    pub milestones: bool,
    /// Returns: ratings, spend reported, not-submitted counts.
    pub returns: bool,
    pub maturity: bool,
}

impl Provenance {
    pub fn any(self) -> bool {
        self.money || self.milestones || self.returns || self.maturity
    }
}

/// The words every illustrative label uses.
pub const ILLUSTRATIVE_NOTE: &str = "Illustrative: invented for demonstration, not programme facts";

/// The last instant of a day in UK time (as a UTC instant, so it compares
/// with stored UTC instants as an instant): things recorded on the as-at
/// date, by the clock in the office, count. In British Summer Time the UK
/// day ends at 22:59:59.999999999 UTC.
pub fn end_of(date: Date) -> OffsetDateTime {
    let Some(next) = date.next_day() else {
        return date.with_time(Time::MAX).assume_utc();
    };
    let offset = if in_bst_at_local_midnight(next) {
        time::Duration::HOUR
    } else {
        time::Duration::ZERO
    };
    next.midnight().assume_utc() - offset - time::Duration::NANOSECOND
}

/// The last Sunday of a month.
fn last_sunday(year: i32, month: time::Month) -> Date {
    let mut day = Date::from_calendar_date(year, month, month.length(year))
        .expect("the last day of a month is a date");
    while day.weekday() != time::Weekday::Sunday {
        day = day.previous_day().expect("not the first day of time");
    }
    day
}

/// Is the UK on British Summer Time at 00:00 local time on `day`? BST runs
/// from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last
/// Sunday of October, so midnight starting the March change day is still
/// GMT and midnight starting the October change day is still BST.
fn in_bst_at_local_midnight(day: Date) -> bool {
    day > last_sunday(day.year(), time::Month::March)
        && day <= last_sunday(day.year(), time::Month::October)
}

impl Snapshot {
    /// Which figures rest on illustrative records.
    pub fn provenance(&self) -> Provenance {
        Provenance {
            money: self.allocations.iter().any(|a| a.illustrative)
                || self.tranches.iter().any(|t| t.illustrative),
            milestones: self.milestones.iter().any(|m| m.illustrative),
            returns: self.returns.iter().any(|r| r.illustrative),
            maturity: !self.emram_illustrative.is_empty(),
        }
    }

    /// Restricts a snapshot to the participants a filter selects.
    pub fn filtered(&self, f: &Filter) -> Snapshot {
        let keep: HashSet<i32> = self
            .participants
            .iter()
            .filter(|p| f.admits(p.role, p.sector, p.region.as_ref()))
            .map(|p| p.id)
            .collect();
        self.keeping(&keep)
    }

    /// Restricts a snapshot to one organisation's participant (a trust
    /// reporter's scope); the periods stay, as they are the programme's.
    pub fn for_organisation(&self, organisation_id: i32) -> Snapshot {
        let keep: HashSet<i32> = self
            .participants
            .iter()
            .filter(|p| p.organisation_id == organisation_id)
            .map(|p| p.id)
            .collect();
        self.keeping(&keep)
    }

    fn keeping(&self, keep: &HashSet<i32>) -> Snapshot {
        let s = self;
        let allocations: Vec<_> = s
            .allocations
            .iter()
            .filter(|a| keep.contains(&a.participant_id))
            .cloned()
            .collect();
        let allocation_ids: std::collections::HashSet<i32> =
            allocations.iter().map(|a| a.id).collect();
        Snapshot {
            as_at: s.as_at,
            participants: s
                .participants
                .iter()
                .filter(|p| keep.contains(&p.id))
                .cloned()
                .collect(),
            milestones: s
                .milestones
                .iter()
                .filter(|m| keep.contains(&m.participant_id))
                .cloned()
                .collect(),
            tranches: s
                .tranches
                .iter()
                .filter(|t| allocation_ids.contains(&t.allocation_id))
                .cloned()
                .collect(),
            allocations,
            periods: s.periods.clone(),
            returns: s
                .returns
                .iter()
                .filter(|r| keep.contains(&r.participant_id))
                .cloned()
                .collect(),
            emram: s
                .emram
                .iter()
                .filter(|(k, _)| keep.contains(k))
                .map(|(k, v)| (*k, *v))
                .collect(),
            emram_illustrative: s
                .emram_illustrative
                .iter()
                .filter(|k| keep.contains(k))
                .copied()
                .collect(),
            caps: s
                .caps
                .iter()
                .filter(|(k, _)| keep.contains(k))
                .map(|(k, v)| (*k, *v))
                .collect(),
        }
    }
}

#[cfg(test)]
mod uk_day_tests {
    use super::end_of;
    use time::macros::{date, datetime};

    #[test]
    fn a_uk_day_ends_at_midnight_gmt_in_winter_and_23_00_utc_in_summer() {
        assert_eq!(
            end_of(date!(2019 - 01 - 31)),
            datetime!(2019-01-31 23:59:59.999999999 UTC)
        );
        assert_eq!(
            end_of(date!(2019 - 06 - 30)),
            datetime!(2019-06-30 22:59:59.999999999 UTC)
        );
        assert_eq!(
            end_of(date!(2021 - 03 - 31)),
            datetime!(2021-03-31 22:59:59.999999999 UTC)
        );
    }

    #[test]
    fn the_clock_change_days_end_on_the_new_time() {
        // 2019: BST from Sunday 31 March to Sunday 27 October.
        assert_eq!(
            end_of(date!(2019 - 03 - 30)),
            datetime!(2019-03-30 23:59:59.999999999 UTC)
        );
        assert_eq!(
            end_of(date!(2019 - 03 - 31)),
            datetime!(2019-03-31 22:59:59.999999999 UTC)
        );
        assert_eq!(
            end_of(date!(2019 - 10 - 26)),
            datetime!(2019-10-26 22:59:59.999999999 UTC)
        );
        assert_eq!(
            end_of(date!(2019 - 10 - 27)),
            datetime!(2019-10-27 23:59:59.999999999 UTC)
        );
    }
}
