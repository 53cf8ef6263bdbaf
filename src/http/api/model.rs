//! What the API sends and takes, as JSON: built from the services' read
//! models, never from rows. Money is in pence (integers); dates are
//! `YYYY-MM-DD`; codes are the same codes the CSV files and forms use.
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use crate::domain::programme::{
    AllocationView, MilestoneCounts, MilestoneView, ParticipantDetail, ParticipantSummary,
    PartnerSummary, TrancheView,
};
use crate::domain::reporting::ReportState;
use crate::services::milestones::{MilestoneDetail, MilestoneRow};
use crate::services::returns::{Period, QueueRow, ReturnData};

pub fn day(d: Date) -> String {
    d.to_string()
}

pub fn instant(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn state_code(s: ReportState) -> String {
    match s {
        ReportState::NotReported => "not_reported".to_owned(),
        ReportState::Is(status) => status.code().to_owned(),
    }
}

/// A list page: the rows, how many there are in all, and which page this is.
/// The `Link` header points to the first, previous, next and last pages.
macro_rules! page_of {
    ($name:ident, $item:ty) => {
        #[derive(Serialize, ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Rows in all pages together.
            pub total: usize,
            pub page: u32,
            pub per_page: u32,
        }
    };
}
page_of!(ParticipantPage, ParticipantOut);
page_of!(OrganisationPage, OrganisationOut);
page_of!(PartnerPage, PartnerOut);
page_of!(MilestonePage, MilestoneOut);
page_of!(PeriodPage, PeriodOut);
page_of!(ReturnSummaryPage, ReturnSummaryOut);
page_of!(AllocationPage, AllocationOut);
page_of!(TranchePage, TrancheOut);

#[derive(Serialize, ToSchema)]
pub struct Money {
    pub allocated_pence: i64,
    pub local_match_pence: i64,
    pub released_pence: i64,
}

#[derive(Serialize, ToSchema)]
pub struct MilestoneCountsOut {
    pub total: usize,
    pub complete: usize,
    pub overdue: usize,
    pub due_soon: usize,
    pub not_yet_due: usize,
    pub cancelled: usize,
}

impl From<&MilestoneCounts> for MilestoneCountsOut {
    fn from(c: &MilestoneCounts) -> Self {
        MilestoneCountsOut {
            total: c.total,
            complete: c.complete,
            overdue: c.overdue,
            due_soon: c.due_soon,
            not_yet_due: c.not_yet_due,
            cancelled: c.cancelled,
        }
    }
}

/// A participant: an exemplar or fast follower trust.
#[derive(Serialize, ToSchema)]
pub struct ParticipantOut {
    pub id: i32,
    pub ods_code: String,
    pub name: String,
    /// `global_digital_exemplar` or `fast_follower` (participant role codes).
    pub role: String,
    pub sector: String,
    pub wave: String,
    pub region: Option<String>,
    /// When designated, to the precision known (`2016-09` or `2016-09-14`).
    pub designated: String,
    pub status: String,
    /// A fast follower's exemplar's ODS code.
    pub exemplar_ods_code: Option<String>,
    pub money: Money,
    pub milestones: MilestoneCountsOut,
}

impl From<&ParticipantSummary> for ParticipantOut {
    fn from(s: &ParticipantSummary) -> Self {
        ParticipantOut {
            id: s.id,
            ods_code: s.ods_code.clone(),
            name: s.name.clone(),
            role: s.role.code().to_owned(),
            sector: s.sector.code().to_owned(),
            wave: s.wave.clone(),
            region: s.region.as_ref().map(|r| r.as_str().to_owned()),
            designated: s.designated.to_string(),
            status: s.status.code().to_owned(),
            exemplar_ods_code: s.exemplar.as_ref().map(|(code, _)| code.clone()),
            money: Money {
                allocated_pence: s.money.allocated.value(),
                local_match_pence: s.money.local_match.value(),
                released_pence: s.money.released.value(),
            },
            milestones: MilestoneCountsOut::from(&s.milestones),
        }
    }
}

/// One participant with its organisation, partnerships, allocations and milestones.
#[derive(Serialize, ToSchema)]
pub struct ParticipantDetailOut {
    pub participant: ParticipantOut,
    pub organisation: OrganisationOut,
    pub accredited: Option<String>,
    pub partnerships: Vec<PartnershipOut>,
    pub allocations: Vec<AllocationOut>,
    pub milestones: Vec<MilestoneOut>,
}

impl From<&ParticipantDetail> for ParticipantDetailOut {
    fn from(d: &ParticipantDetail) -> Self {
        let s = &d.summary;
        ParticipantDetailOut {
            participant: ParticipantOut::from(s),
            organisation: OrganisationOut {
                kind: "nhs_trust".to_owned(),
                name: d.organisation.name.clone(),
                ods_code: d.organisation.ods_code.clone(),
                country_code: None,
                region: d
                    .organisation
                    .region_2017
                    .as_ref()
                    .map(|r| r.as_str().to_owned()),
                closed_on: d.organisation.closed_on.map(day),
            },
            accredited: d.accredited.as_ref().map(|a| a.to_string()),
            partnerships: d
                .partnerships
                .iter()
                .map(|p| PartnershipOut {
                    partner_name: p.partner_name.clone(),
                    country_code: p.country_code.clone(),
                    role: p.role.code().to_owned(),
                    started: p.started.as_ref().map(|a| a.to_string()),
                    ended: p.ended.as_ref().map(|a| a.to_string()),
                    confidence: p.confidence.code().to_owned(),
                })
                .collect(),
            allocations: d.allocations.iter().map(AllocationOut::from).collect(),
            milestones: d
                .milestones
                .iter()
                .map(|m| MilestoneOut::from_view(m, &s.ods_code, &s.name))
                .collect(),
        }
    }
}

/// An organisation: a participating trust (`nhs_trust`) or a partner (its kind).
#[derive(Serialize, ToSchema)]
pub struct OrganisationOut {
    pub kind: String,
    pub name: String,
    pub ods_code: Option<String>,
    pub country_code: Option<String>,
    pub region: Option<String>,
    pub closed_on: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PartnershipOut {
    pub partner_name: String,
    pub country_code: String,
    pub role: String,
    pub started: Option<String>,
    pub ended: Option<String>,
    pub confidence: String,
}

/// A partner organisation and the participants it works with (a trust
/// reporter sees only their own trust's links).
#[derive(Serialize, ToSchema)]
pub struct PartnerOut {
    /// What linking it to a participant names.
    pub id: i32,
    pub name: String,
    pub kind: String,
    pub country_code: String,
    pub links: Vec<PartnerLinkOut>,
}

#[derive(Serialize, ToSchema)]
pub struct PartnerLinkOut {
    pub ods_code: String,
    pub participant_name: String,
    pub role: String,
    pub confidence: String,
}

impl From<&PartnerSummary> for PartnerOut {
    fn from(p: &PartnerSummary) -> Self {
        PartnerOut {
            id: p.id,
            name: p.name.clone(),
            kind: p.kind.code().to_owned(),
            country_code: p.country_code.clone(),
            links: p
                .links
                .iter()
                .map(|l| PartnerLinkOut {
                    ods_code: l.ods_code.clone(),
                    participant_name: l.participant_name.clone(),
                    role: l.role.code().to_owned(),
                    confidence: l.confidence.code().to_owned(),
                })
                .collect(),
        }
    }
}

/// An allocation of central funding, with its financial-year profile and tranches.
#[derive(Serialize, ToSchema)]
pub struct AllocationOut {
    pub id: i32,
    /// What a change request sends back (`version` or `If-Match`).
    pub version: i32,
    pub reference: String,
    pub central_pence: i64,
    pub local_match_pence: i64,
    pub released_pence: i64,
    pub awarded_on: String,
    pub illustrative: bool,
    pub profile: Vec<ProfileYear>,
    pub tranches: Vec<TrancheOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ProfileYear {
    /// `2017/18`.
    pub financial_year: String,
    pub amount_pence: i64,
}

impl From<&AllocationView> for AllocationOut {
    fn from(a: &AllocationView) -> Self {
        AllocationOut {
            id: a.id,
            version: a.version,
            reference: a.reference.clone(),
            central_pence: a.central.value(),
            local_match_pence: a.local_match.value(),
            released_pence: a.released().value(),
            awarded_on: day(a.awarded_on),
            illustrative: a.illustrative,
            profile: a
                .profile
                .iter()
                .map(|(fy, p)| ProfileYear {
                    financial_year: fy.to_string(),
                    amount_pence: p.value(),
                })
                .collect(),
            tranches: a
                .tranches
                .iter()
                .map(|t| TrancheOut::from_view(t, a.id))
                .collect(),
        }
    }
}

/// A tranche of an allocation; `version` is what a release must send.
#[derive(Serialize, ToSchema)]
pub struct TrancheOut {
    pub id: i32,
    pub version: i32,
    pub allocation_id: i32,
    pub name: String,
    pub kind: String,
    pub milestone_reference: Option<String>,
    pub amount_pence: i64,
    pub released_on: Option<String>,
}

impl TrancheOut {
    pub fn from_view(t: &TrancheView, allocation_id: i32) -> Self {
        TrancheOut {
            id: t.id,
            version: t.version,
            allocation_id,
            name: t.name.clone(),
            kind: t.kind.code().to_owned(),
            milestone_reference: t.milestone_reference.clone(),
            amount_pence: t.amount.value(),
            released_on: t.released_on.map(day),
        }
    }
}

/// A milestone as lists show it.
#[derive(Serialize, ToSchema)]
pub struct MilestoneOut {
    pub id: i32,
    pub ods_code: String,
    pub participant_name: String,
    pub reference: String,
    pub title: String,
    pub category: String,
    pub baseline_on: String,
    pub forecast_on: Option<String>,
    pub actual_on: Option<String>,
    pub status: String,
    /// Days the forecast (or actual) date is after the baseline.
    pub slippage_days: i64,
    pub timeliness: String,
    pub illustrative: bool,
}

impl MilestoneOut {
    fn from_view(m: &MilestoneView, ods: &str, name: &str) -> Self {
        MilestoneOut {
            id: m.id,
            ods_code: ods.to_owned(),
            participant_name: name.to_owned(),
            reference: m.reference.clone(),
            title: m.title.clone(),
            category: m.category.code().to_owned(),
            baseline_on: day(m.baseline_on),
            forecast_on: m.forecast_on.map(day),
            actual_on: m.actual_on.map(day),
            status: m.status.code().to_owned(),
            slippage_days: m.slippage_days,
            timeliness: m.timeliness.code().to_owned(),
            illustrative: m.illustrative,
        }
    }
}

impl From<&MilestoneRow> for MilestoneOut {
    fn from(m: &MilestoneRow) -> Self {
        MilestoneOut {
            id: m.id,
            ods_code: m.ods_code.clone(),
            participant_name: m.participant_name.clone(),
            reference: m.reference.clone(),
            title: m.title.clone(),
            category: m.category.code().to_owned(),
            baseline_on: day(m.baseline_on),
            forecast_on: m.forecast_on.map(day),
            actual_on: m.actual_on.map(day),
            status: m.status.code().to_owned(),
            slippage_days: m.slippage_days,
            timeliness: m.timeliness.code().to_owned(),
            illustrative: m.illustrative,
        }
    }
}

/// One milestone with its version (send it back to change the milestone;
/// also in the `ETag`), sign-off and any pending baseline change.
#[derive(Serialize, ToSchema)]
pub struct MilestoneDetailOut {
    pub milestone: MilestoneOut,
    pub version: i32,
    pub signed_off_on: Option<String>,
    pub pending_baseline_change: Option<PendingBaseline>,
}

#[derive(Serialize, ToSchema)]
pub struct PendingBaseline {
    pub proposed_on: String,
    pub reason: String,
}

impl From<&MilestoneDetail> for MilestoneDetailOut {
    fn from(d: &MilestoneDetail) -> Self {
        MilestoneDetailOut {
            milestone: MilestoneOut::from(&d.row),
            version: d.version,
            signed_off_on: d.signed_off_on.map(day),
            pending_baseline_change: d.pending.as_ref().map(|(on, reason)| PendingBaseline {
                proposed_on: day(*on),
                reason: reason.clone(),
            }),
        }
    }
}

/// A reporting period; `slug` names it in return addresses (`2020-21-q3`).
#[derive(Serialize, ToSchema)]
pub struct PeriodOut {
    pub id: i32,
    pub label: String,
    pub slug: String,
    pub frequency: String,
    pub starts_on: String,
    pub ends_on: String,
    pub due_on: String,
    pub status: String,
}

impl From<&Period> for PeriodOut {
    fn from(p: &Period) -> Self {
        PeriodOut {
            id: p.id,
            label: p.label.clone(),
            slug: p.slug.clone(),
            frequency: p.frequency.code().to_owned(),
            starts_on: day(p.starts_on),
            ends_on: day(p.ends_on),
            due_on: day(p.due_on),
            status: p.status.code().to_owned(),
        }
    }
}

/// Where one trust's return for one period stands.
#[derive(Serialize, ToSchema)]
pub struct ReturnSummaryOut {
    pub period: PeriodOut,
    pub ods_code: String,
    pub name: String,
    /// `not_reported`, or the return's status code (`draft`, `submitted`, `returned`, `approved`).
    pub state: String,
    pub self_rating: Option<String>,
    pub office_rating: Option<String>,
    pub suggested_rating: Option<String>,
    pub overdue: bool,
}

impl From<&QueueRow> for ReturnSummaryOut {
    fn from(r: &QueueRow) -> Self {
        ReturnSummaryOut {
            period: PeriodOut::from(&r.period),
            ods_code: r.ods_code.clone(),
            name: r.name.clone(),
            state: state_code(r.state),
            self_rating: r.self_rating.map(|x| x.code().to_owned()),
            office_rating: r.office_rating.map(|x| x.code().to_owned()),
            suggested_rating: r.suggested.map(|x| x.code().to_owned()),
            overdue: r.overdue,
        }
    }
}

/// One return (or, before the trust starts it, the blank it starts from:
/// `status` null and `version` 0). Send `version` back to save it.
#[derive(Serialize, ToSchema)]
pub struct ReturnOut {
    pub period: PeriodOut,
    pub ods_code: String,
    pub trust_name: String,
    pub status: Option<String>,
    pub state: String,
    pub version: i32,
    pub saved_at: Option<String>,
    /// The rating scale: `rag` or `five_point`.
    pub scale: String,
    pub spend_to_date_pence: Option<i64>,
    pub self_rating: Option<String>,
    pub rating_justification: Option<String>,
    pub narrative: Option<String>,
    pub office_rating: Option<String>,
    pub office_comment: Option<String>,
    pub illustrative: bool,
    pub suggested_rating: String,
    pub suggested_reasons: Vec<String>,
    pub lines: Vec<ReturnLineOut>,
    pub risks: Vec<RiskOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ReturnLineOut {
    pub milestone_id: i32,
    /// The live milestone's version: an approval sends it back.
    pub milestone_version: i32,
    pub reference: String,
    pub title: String,
    pub baseline_on: String,
    pub forecast_on: Option<String>,
    pub status: Option<String>,
    pub comment: Option<String>,
    pub live_forecast_on: Option<String>,
    pub live_status: String,
    pub signed_off: bool,
}

#[derive(Serialize, ToSchema)]
pub struct RiskOut {
    pub description: String,
    pub rating: String,
    pub mitigation: Option<String>,
}

impl From<&ReturnData> for ReturnOut {
    fn from(r: &ReturnData) -> Self {
        ReturnOut {
            period: PeriodOut::from(&r.period),
            ods_code: r.trust.ods_code.clone(),
            trust_name: r.trust.name.clone(),
            status: r.status.map(|s| s.code().to_owned()),
            state: state_code(r.state()),
            version: r.version,
            saved_at: r.saved_at.map(instant),
            scale: r.scale.code().to_owned(),
            spend_to_date_pence: r.spend.map(|p| p.value()),
            self_rating: r.self_rating.map(|x| x.code().to_owned()),
            rating_justification: r.rating_justification.clone(),
            narrative: r.narrative.clone(),
            office_rating: r.office_rating.map(|x| x.code().to_owned()),
            office_comment: r.office_comment.clone(),
            illustrative: r.illustrative,
            suggested_rating: r.suggestion.rating.code().to_owned(),
            suggested_reasons: r.suggestion.reasons.clone(),
            lines: r
                .lines
                .iter()
                .map(|l| ReturnLineOut {
                    milestone_id: l.milestone_id,
                    milestone_version: l.milestone_version,
                    reference: l.reference.clone(),
                    title: l.title.clone(),
                    baseline_on: day(l.baseline_on),
                    forecast_on: l.forecast_on.map(day),
                    status: l.status.map(|s| s.code().to_owned()),
                    comment: l.comment.clone(),
                    live_forecast_on: l.live_forecast_on.map(day),
                    live_status: l.live_status.code().to_owned(),
                    signed_off: l.signed_off,
                })
                .collect(),
            risks: r
                .risks
                .iter()
                .map(|k| RiskOut {
                    description: k.description.clone(),
                    rating: k.rating.code().to_owned(),
                    mitigation: k.mitigation.clone(),
                })
                .collect(),
        }
    }
}

// ---- Writes ----

/// A milestone's progress (the programme office).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressIn {
    /// The version read (or give it as `If-Match`).
    #[serde(default)]
    pub version: Option<i32>,
    /// `YYYY-MM-DD`, or null for none.
    #[serde(default)]
    pub forecast_on: Option<String>,
    /// A milestone status code: `not_started`, `in_progress`, `complete`, `cancelled`…
    pub status: String,
    #[serde(default)]
    pub actual_on: Option<String>,
}

/// Signing a completed milestone off (the programme office).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignOffIn {
    #[serde(default)]
    pub version: Option<i32>,
    /// `YYYY-MM-DD`; not after today.
    pub signed_off_on: String,
}

/// Releasing a tranche (the programme office).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseIn {
    #[serde(default)]
    pub version: Option<i32>,
    /// `YYYY-MM-DD`; default today.
    #[serde(default)]
    pub released_on: Option<String>,
}

/// A trust's return: saved as a draft, or submitted (`submit: true`).
/// Lines not sent keep what the return held.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnIn {
    /// The version read: 0 for a return not yet started (or give it as `If-Match`).
    #[serde(default)]
    pub version: Option<i32>,
    #[serde(default)]
    pub submit: bool,
    #[serde(default)]
    pub spend_to_date_pence: Option<i64>,
    #[serde(default)]
    pub self_rating: Option<String>,
    #[serde(default)]
    pub rating_justification: Option<String>,
    #[serde(default)]
    pub narrative: Option<String>,
    #[serde(default)]
    pub lines: Vec<ReturnLineIn>,
    #[serde(default)]
    pub risks: Vec<RiskIn>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineIn {
    pub milestone_id: i32,
    #[serde(default)]
    pub forecast_on: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskIn {
    pub description: String,
    pub rating: String,
    #[serde(default)]
    pub mitigation: Option<String>,
}

/// The programme office's decision on a submitted return.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewIn {
    /// The return's version read (or give it as `If-Match`).
    #[serde(default)]
    pub version: Option<i32>,
    /// `approve` (apply the reported forecasts and statuses to the live
    /// milestones and freeze the return) or `return` (for changes, with a comment).
    pub decision: String,
    /// The office's own rating (needed to approve).
    #[serde(default)]
    pub office_rating: Option<String>,
    /// Needed to return it: what the trust must change.
    #[serde(default)]
    pub office_comment: Option<String>,
    /// To approve: each line's `milestone_id` with the `milestone_version`
    /// read; a milestone changed since (or one left out) is a 409 and
    /// nothing is applied. This call is the confirmation the page asks for.
    #[serde(default)]
    pub milestone_versions: Vec<MilestoneVersion>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneVersion {
    pub milestone_id: i32,
    pub version: i32,
}

/// Asking to move a milestone's baseline (the office, or the milestone's own trust).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BaselineRequestIn {
    /// `YYYY-MM-DD`.
    pub proposed_baseline_on: String,
    /// Why it should move.
    pub reason: String,
}

/// Opening a reporting period (the programme office).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodIn {
    /// `quarterly` or `monthly`.
    pub frequency: String,
    /// Quarterly: the financial year's first calendar year (2019 for 2019/20).
    /// Monthly: the calendar year.
    pub year: i32,
    /// Quarterly: 1–4. Monthly: 1–12.
    pub number: i32,
    /// `YYYY-MM-DD`: when returns are due.
    pub due_on: String,
}

/// What a write reports back.
#[derive(Serialize, ToSchema)]
pub struct Saved {
    pub id: i32,
    /// The record's version now: send it with the next change.
    pub version: Option<i32>,
    pub message: String,
}

// ---- The programme as at a date ----

/// The programme's records as they stood at the end of `as_at` (UK time):
/// every audited change made after it undone. The lists' own `as_at` does
/// not reach back in time yet; this does.
#[derive(Serialize, ToSchema)]
pub struct SnapshotOut {
    pub as_at: String,
    pub participants: Vec<ParticipantAtOut>,
    pub milestones: Vec<MilestoneAtOut>,
    pub allocations: Vec<AllocationAtOut>,
    pub tranches: Vec<TrancheAtOut>,
    pub periods: Vec<PeriodAtOut>,
    pub returns: Vec<ReturnAtOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ParticipantAtOut {
    pub id: i32,
    pub ods_code: String,
    pub name: String,
    pub role: String,
    pub sector: String,
    pub region: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MilestoneAtOut {
    pub id: i32,
    pub participant_id: i32,
    pub reference: String,
    pub baseline_on: String,
    pub forecast_on: Option<String>,
    pub actual_on: Option<String>,
    pub status: String,
    pub illustrative: bool,
}

#[derive(Serialize, ToSchema)]
pub struct AllocationAtOut {
    pub id: i32,
    pub participant_id: i32,
    pub central_pence: i64,
    pub local_match_pence: i64,
    pub profile: Vec<ProfileYear>,
    pub illustrative: bool,
}

#[derive(Serialize, ToSchema)]
pub struct TrancheAtOut {
    pub allocation_id: i32,
    pub amount_pence: i64,
    pub released_on: Option<String>,
    pub illustrative: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PeriodAtOut {
    pub id: i32,
    pub label: String,
    pub ends_on: String,
    pub due_on: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReturnAtOut {
    pub period_id: i32,
    pub participant_id: i32,
    pub status: String,
    pub self_rating: Option<String>,
    pub office_rating: Option<String>,
    pub spend_to_date_pence: Option<i64>,
    pub illustrative: bool,
}

impl From<&crate::domain::snapshot::Snapshot> for SnapshotOut {
    fn from(s: &crate::domain::snapshot::Snapshot) -> Self {
        SnapshotOut {
            as_at: day(s.as_at),
            participants: s
                .participants
                .iter()
                .map(|p| ParticipantAtOut {
                    id: p.id,
                    ods_code: p.ods_code.clone(),
                    name: p.name.clone(),
                    role: p.role.code().to_owned(),
                    sector: p.sector.code().to_owned(),
                    region: p.region.as_ref().map(|r| r.as_str().to_owned()),
                })
                .collect(),
            milestones: s
                .milestones
                .iter()
                .map(|m| MilestoneAtOut {
                    id: m.id,
                    participant_id: m.participant_id,
                    reference: m.reference.clone(),
                    baseline_on: day(m.baseline_on),
                    forecast_on: m.forecast_on.map(day),
                    actual_on: m.actual_on.map(day),
                    status: m.status.clone(),
                    illustrative: m.illustrative,
                })
                .collect(),
            allocations: s
                .allocations
                .iter()
                .map(|a| AllocationAtOut {
                    id: a.id,
                    participant_id: a.participant_id,
                    central_pence: a.central,
                    local_match_pence: a.local_match,
                    profile: a
                        .profile
                        .iter()
                        .map(|(year, pence)| ProfileYear {
                            financial_year: format!("{year}/{:02}", (year + 1).rem_euclid(100)),
                            amount_pence: *pence,
                        })
                        .collect(),
                    illustrative: a.illustrative,
                })
                .collect(),
            tranches: s
                .tranches
                .iter()
                .map(|t| TrancheAtOut {
                    allocation_id: t.allocation_id,
                    amount_pence: t.amount,
                    released_on: t.released_on.map(day),
                    illustrative: t.illustrative,
                })
                .collect(),
            periods: s
                .periods
                .iter()
                .map(|p| PeriodAtOut {
                    id: p.id,
                    label: p.label.clone(),
                    ends_on: day(p.ends_on),
                    due_on: day(p.due_on),
                })
                .collect(),
            returns: s
                .returns
                .iter()
                .map(|r| ReturnAtOut {
                    period_id: r.period_id,
                    participant_id: r.participant_id,
                    status: r.status.code().to_owned(),
                    self_rating: r.self_rating.clone(),
                    office_rating: r.office_rating.clone(),
                    spend_to_date_pence: r.spend,
                    illustrative: r.illustrative,
                })
                .collect(),
        }
    }
}
