//! What the programme office's API writes take and send back, as JSON: money
//! in pence (integers), dates `YYYY-MM-DD`, codes as the forms and CSV files
//! use them. Text fields left out count as empty, so a missing one is a 422
//! naming it (as the form says), never a 400.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::change::RequestStatus;
use crate::services::change_requests::{AllocationRequestRow, BaselineRequestRow};

use super::model::{day, instant};

/// A new participant: a trust designated an exemplar or a fast follower.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantIn {
    /// The trust's ODS code, e.g. `RAL`.
    #[serde(default)]
    pub ods_code: String,
    /// Only for a trust not yet on record: its name.
    #[serde(default)]
    pub organisation_name: Option<String>,
    /// Only for a trust not yet on record: its NHS England region code, e.g. `Y56`.
    #[serde(default)]
    pub region_code: Option<String>,
    /// `global_digital_exemplar` or `fast_follower`.
    #[serde(default)]
    pub role: String,
    /// A sector code: `acute`, `mental_health`, `ambulance`, `community`.
    #[serde(default)]
    pub sector: String,
    /// e.g. `Acute wave 1`.
    #[serde(default)]
    pub wave: String,
    /// `YYYY-MM-DD`, or `YYYY-MM` if only the month is known.
    #[serde(default)]
    pub designated_on: String,
    /// As `designated_on`; only for an accredited participant.
    #[serde(default)]
    pub accredited_on: Option<String>,
    /// `active` (the default), `accredited` or `withdrawn`.
    #[serde(default)]
    pub status: Option<String>,
}

/// Changing a participant's record. Fields left out keep their values.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantUpdateIn {
    /// The version read: the `ETag` of `GET /participants/{ods_code}` with an
    /// office token (or give it as `If-Match`).
    #[serde(default)]
    pub version: Option<i32>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub sector: Option<String>,
    #[serde(default)]
    pub wave: Option<String>,
    /// `YYYY-MM-DD`, or `YYYY-MM`.
    #[serde(default)]
    pub designated_on: Option<String>,
    /// As `designated_on`; an empty string clears it.
    #[serde(default)]
    pub accredited_on: Option<String>,
    /// `active`, `accredited` or `withdrawn`.
    #[serde(default)]
    pub status: Option<String>,
}

/// Pairing a fast follower with its exemplar.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairingIn {
    /// The exemplar's ODS code; null or empty removes the pairing.
    #[serde(default)]
    pub exemplar_ods_code: Option<String>,
}

/// Linking a partner organisation to a participant.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnershipIn {
    /// The partner's `id` (from `GET /partners`, or `POST /partners`).
    #[serde(default)]
    pub partner_id: Option<i32>,
    /// `international_partner`, `epr_supplier` or `academic_partner`.
    #[serde(default)]
    pub partner_role: String,
    /// `YYYY-MM-DD` or `YYYY-MM`.
    #[serde(default)]
    pub started_on: Option<String>,
    #[serde(default)]
    pub ended_on: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A new partner organisation (not an NHS trust: those are participants).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerIn {
    #[serde(default)]
    pub name: String,
    /// An organisation kind code other than `nhs_trust`, e.g. `healthcare_provider`, `supplier`, `university`.
    #[serde(default)]
    pub kind: String,
    /// Two letters, e.g. `US`.
    #[serde(default)]
    pub country_code: String,
}

/// A partner as just recorded.
#[derive(Serialize, ToSchema)]
pub struct PartnerCreatedOut {
    pub id: i32,
    pub name: String,
    pub kind: String,
    pub country_code: String,
}

/// One financial year's amount in an allocation's profile.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileYearIn {
    /// `2017/18`.
    pub financial_year: String,
    pub amount_pence: i64,
}

/// A new allocation of central funding, within the participant's cap (and
/// its group's shared cap); the profile must add up to `central_pence`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationIn {
    /// Unique within the participant, e.g. `ALLOC-2`.
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub central_pence: Option<i64>,
    /// Default 0.
    #[serde(default)]
    pub local_match_pence: Option<i64>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub awarded_on: String,
    #[serde(default)]
    pub profile: Vec<ProfileYearIn>,
}

/// A new tranche of an allocation: released up front, or when a milestone is signed off.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrancheIn {
    #[serde(default)]
    pub name: String,
    /// `upfront` or `milestone`.
    #[serde(default)]
    pub kind: String,
    /// For a `milestone` tranche: the reference of the participant's milestone, e.g. `M03`.
    #[serde(default)]
    pub milestone_reference: Option<String>,
    #[serde(default)]
    pub amount_pence: Option<i64>,
}

/// A new milestone of a participant.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneIn {
    /// e.g. `M07`; unique within the participant.
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub title: String,
    /// A milestone category code, e.g. `epr_go_live`.
    #[serde(default)]
    pub category: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub baseline_on: String,
    #[serde(default)]
    pub forecast_on: Option<String>,
}

/// Asking to change an allocation's money. Nothing moves until someone
/// else in the programme office approves it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationChangeIn {
    /// The allocation's version read (or give it as `If-Match`).
    #[serde(default)]
    pub version: Option<i32>,
    #[serde(default)]
    pub central_pence: Option<i64>,
    /// Default: as now.
    #[serde(default)]
    pub local_match_pence: Option<i64>,
    /// The whole new profile; it must add up to `central_pence`.
    #[serde(default)]
    pub profile: Vec<ProfileYearIn>,
    /// Why (at least 10 characters).
    #[serde(default)]
    pub reason: String,
}

/// A decision on a pending change request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    /// `approve` or `reject`.
    #[serde(default)]
    pub decision: String,
    /// Needed to reject: why, for the requester.
    #[serde(default)]
    pub comment: Option<String>,
}

/// A change request (baseline or allocation) and where it stands.
#[derive(Serialize, ToSchema)]
pub struct ChangeRequestOut {
    pub id: i32,
    /// `baseline` or `allocation`.
    pub kind: String,
    pub ods_code: String,
    /// The milestone's or the allocation's reference.
    pub reference: String,
    /// A baseline request's milestone.
    pub milestone_id: Option<i32>,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub reason: String,
    /// The requester's email.
    pub requested_by: String,
    pub requested_at: String,
    /// The decider's comment, once decided.
    pub decision_comment: Option<String>,
    /// Asked by this token's user, who therefore cannot decide it.
    pub asked_by_you: bool,
    pub previous_baseline_on: Option<String>,
    pub proposed_baseline_on: Option<String>,
    pub previous_central_pence: Option<i64>,
    pub proposed_central_pence: Option<i64>,
    pub proposed_local_match_pence: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ChangeRequestPage {
    pub items: Vec<ChangeRequestOut>,
    /// Rows in all pages together.
    pub total: usize,
    pub page: u32,
    pub per_page: u32,
}

/// The status code of a queue row's label.
fn status_code(label: &str) -> String {
    [
        RequestStatus::Pending,
        RequestStatus::Approved,
        RequestStatus::Rejected,
    ]
    .into_iter()
    .find(|s| s.label() == label)
    .map(|s| s.code().to_owned())
    .unwrap_or_else(|| label.to_owned())
}

impl From<&BaselineRequestRow> for ChangeRequestOut {
    fn from(r: &BaselineRequestRow) -> Self {
        ChangeRequestOut {
            id: r.id,
            kind: "baseline".to_owned(),
            ods_code: r.ods_code.clone(),
            reference: r.reference.clone(),
            milestone_id: Some(r.milestone_id),
            status: status_code(r.status),
            reason: r.reason.clone(),
            requested_by: r.requested_by.clone(),
            requested_at: instant(r.requested_at),
            decision_comment: r.comment.clone(),
            asked_by_you: r.asked_by_you,
            previous_baseline_on: Some(day(r.previous)),
            proposed_baseline_on: Some(day(r.proposed)),
            previous_central_pence: None,
            proposed_central_pence: None,
            proposed_local_match_pence: None,
        }
    }
}

impl From<&AllocationRequestRow> for ChangeRequestOut {
    fn from(r: &AllocationRequestRow) -> Self {
        ChangeRequestOut {
            id: r.id,
            kind: "allocation".to_owned(),
            ods_code: r.ods_code.clone(),
            reference: r.reference.clone(),
            milestone_id: None,
            status: status_code(r.status),
            reason: r.reason.clone(),
            requested_by: r.requested_by.clone(),
            requested_at: instant(r.requested_at),
            decision_comment: r.comment.clone(),
            asked_by_you: r.asked_by_you,
            previous_baseline_on: None,
            proposed_baseline_on: None,
            previous_central_pence: Some(r.previous_central.value()),
            proposed_central_pence: Some(r.proposed_central.value()),
            proposed_local_match_pence: Some(r.proposed_local_match.value()),
        }
    }
}
