//! Input rows for the charts: plain types, no database or domain types.
//!
//! Money is always integer pence (`i64`); months are `(year, month)` with
//! `month` in `1..=12`.

/// The role a participant plays in the programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ParticipantGroup {
    /// Global Digital Exemplar.
    Exemplar,
    /// Fast follower, paired with an exemplar.
    FastFollower,
}

impl ParticipantGroup {
    /// The singular label a reader sees ("Exemplar", "Fast follower").
    pub fn label(self) -> &'static str {
        match self {
            ParticipantGroup::Exemplar => "Exemplar",
            ParticipantGroup::FastFollower => "Fast follower",
        }
    }

    /// The plural label ("exemplars", "fast followers").
    pub fn plural(self) -> &'static str {
        match self {
            ParticipantGroup::Exemplar => "exemplars",
            ParticipantGroup::FastFollower => "fast followers",
        }
    }
}

/// One month of the milestone burn-up: cumulative counts up to and including
/// the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BurnUpPoint {
    pub year: i32,
    /// 1 = January … 12 = December.
    pub month: u8,
    /// Milestones due by this month on the original (baseline) dates.
    pub planned_baseline: u32,
    /// Milestones due by this month on the current forecast dates.
    pub planned_forecast: u32,
    /// Milestones actually completed by this month.
    pub completed: u32,
    /// Set on the as-at month only: the as-at day of that month. Completions
    /// are known only up to it, so "Completed" stops there and a line marks
    /// it; later months carry only the plans.
    pub as_at_day: Option<u8>,
}

/// Central funding for one participant, in pence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingBar {
    /// ODS code: the axis label.
    pub code: String,
    pub name: String,
    pub group: ParticipantGroup,
    /// The most the participant may be paid.
    pub cap: i64,
    /// Central funding awarded.
    pub allocated: i64,
    /// Tranches paid so far.
    pub released: i64,
    /// Spend reported by the trust, if it has reported any.
    pub spent: Option<i64>,
}

impl FundingBar {
    /// How far the spend reported exceeds the money released, if it does.
    pub fn spend_above_released(&self) -> Option<i64> {
        self.spent
            .filter(|s| *s > self.released)
            .map(|s| s - self.released)
    }
}

/// Funding profiled for, and released in, one UK financial year (pence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinancialYearBar {
    /// The financial year as readers write it, e.g. "2017/18".
    pub label: String,
    pub profiled: i64,
    pub released: i64,
}

/// Where every participant's return for one period stood at the date:
/// approved with its rating, awaiting review, returned for changes, draft,
/// or not reported (no return). Each state is its own category; none is
/// folded into another.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfidencePeriod {
    /// The reporting period, e.g. "2019/20 Q1".
    pub label: String,
    pub red: u32,
    /// Legacy five-point scale.
    pub amber_red: u32,
    pub amber: u32,
    /// Legacy five-point scale.
    pub amber_green: u32,
    pub green: u32,
    /// Approved with no rating recorded.
    pub approved_unrated: u32,
    /// Submitted, not yet approved or returned.
    pub awaiting_review: u32,
    /// Returned to the trust for changes, not yet resubmitted.
    pub returned: u32,
    /// Begun, not submitted.
    pub draft: u32,
    /// No return at all.
    pub not_reported: u32,
}

/// The series of the delivery-confidence chart, bottom to top of each
/// stack, with their names.
pub const CONFIDENCE_SERIES: [&str; 10] = [
    "Red",
    "Amber/Red",
    "Amber",
    "Amber/Green",
    "Green",
    "Approved, no rating",
    "Awaiting review",
    "Returned for changes",
    "Draft",
    "Not reported",
];

impl ConfidencePeriod {
    /// Counts in the order of [`CONFIDENCE_SERIES`].
    pub fn counts(&self) -> [u32; 10] {
        [
            self.red,
            self.amber_red,
            self.amber,
            self.amber_green,
            self.green,
            self.approved_unrated,
            self.awaiting_review,
            self.returned,
            self.draft,
            self.not_reported,
        ]
    }

    /// All participants counted in the period, reported or not.
    pub fn total(&self) -> u64 {
        self.counts().iter().map(|&c| u64::from(c)).sum()
    }
}

/// The worst milestone slippage of one participant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlippageBar {
    pub code: String,
    pub name: String,
    /// Days from baseline to forecast (or actual) date of the participant's
    /// worst milestone; negative means early.
    pub days: i64,
}

/// The latest HIMSS EMRAM stage of one participant against its target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaturityBar {
    pub code: String,
    pub name: String,
    pub group: ParticipantGroup,
    /// Stage 0–7; `None` when the participant has not been assessed.
    pub stage: Option<u8>,
    /// Stage the participant aims for: 7 for exemplars, 5 for fast followers.
    pub target: u8,
    /// An acute trust. HIMSS EMRAM is a scale for acute hospitals; the stage
    /// of a mental-health, community or ambulance trust is not comparable.
    pub acute: bool,
}
