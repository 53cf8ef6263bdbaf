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
    pub baseline_on: Date,
    pub forecast_on: Option<Date>,
    pub actual_on: Option<Date>,
    pub status: String,
    /// Invented for demonstration (the seed's illustrative set), not a programme fact.
    pub illustrative: bool,
}

#[derive(Clone, Debug)]
pub struct AllocationAt {
    pub id: i32,
    pub participant_id: i32,
    pub central: i64,
    pub local_match: i64,
    /// (financial year's first calendar year, pence)
    pub profile: Vec<(i32, i64)>,
    pub illustrative: bool,
}

#[derive(Clone, Debug)]
pub struct TrancheAt {
    pub allocation_id: i32,
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

/// The end of a day, UTC: things recorded on the as-at date count.
pub fn end_of(date: Date) -> OffsetDateTime {
    date.with_time(Time::MAX).assume_utc()
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
        let s = self;
        let keep: std::collections::HashSet<i32> = s
            .participants
            .iter()
            .filter(|p| f.admits(p.role, p.sector, p.region.as_ref()))
            .map(|p| p.id)
            .collect();
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
