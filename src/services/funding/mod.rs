//! Money: allocations within the participant's cap and its group's shared
//! cap, with a profile that adds up; changes to an allocation only through an
//! approved request; tranches within the allocation; and releases only after
//! their milestone is signed off.
//!
//! Every rule that spans rows is checked inside the transaction that writes,
//! after its first statement has claimed the parent row (`concurrency::claim`):
//! the participant's cap group (if any) for the group's shared cap, the
//! participant for its own cap, the allocation for its tranches and its one
//! pending change, always in that order. So the rules hold however many requests arrive at once,
//! on SQLite and PostgreSQL alike, and a loser is told why (422) or to try
//! again (409), never a 500.
//!
//! One module per use case (`allocations`, `changes`, `tranches`); they share
//! this module's imports and helpers through `use super::*`, and everything
//! public is re-exported here, so callers say `services::funding::…`.
use std::collections::BTreeMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, Set,
};
use serde_json::{Value, json};
use time::Date;

use super::change_requests::{self, DecisionForm, Header, Kind, Outcome, one_pending};
use super::concurrency::{
    Versioned, claim_allocation, claim_cap_group, claim_participant, settle, settle_unique,
    update_versioned,
};
use super::fields::Fields;
use super::milestones::participant_by_ods;
use super::{By, ServiceError};
use crate::domain::change::{RequestStatus, check_reason};
use crate::domain::financial_year::FinancialYear;
use crate::domain::funding::{
    FundingError, Headroom, RoleInSector, check_allocation, check_group_allocation, check_profile,
    check_profile_years, check_tranches, group_headroom, headroom,
};
use crate::domain::milestone::MilestoneReference;
use crate::domain::money::Pence;
use crate::domain::participant::{Role, Sector};
use crate::domain::tranche::{TrancheKind, check_release};
use crate::entities::{
    AllocationChangeRequests, AllocationProfiles, Allocations, Milestones, Organisations,
    Participants, Tranches, allocation, allocation_change_request, allocation_profile, milestone,
    participant, tranche,
};
use crate::store::audit::{self, AuditEntry};
use crate::store::decode;

mod allocations;
mod changes;
mod tranches;

pub use allocations::*;
pub use changes::*;
pub use tranches::*;

/// The financial years a profile form offers, by the domain's rule
/// ([`crate::domain::funding::profile_years`]): from the award date as typed
/// or stored (today when it is empty or not yet a date) and the years the
/// allocation already profiles.
pub fn profile_years(awarded_on: &str, already: &ProfileInput) -> Vec<FinancialYear> {
    let awarded = crate::domain::dates::parse_form_date(awarded_on)
        .unwrap_or_else(|_| crate::clock::now().date());
    let already: Vec<FinancialYear> = already
        .iter()
        .filter(|(_, amount)| !amount.trim().is_empty())
        .filter_map(|(y, _)| FinancialYear::new(*y).ok())
        .collect();
    crate::domain::funding::profile_years(awarded, &already)
}

fn pence(value: i64) -> Result<Pence, ServiceError> {
    Ok(decode("amount", Pence::new(value))?)
}

/// Profile amounts keyed by the financial year's first calendar year, as typed.
pub type ProfileInput = BTreeMap<i32, String>;

/// Form fields named `fy_2017` … hold the profile; this gathers them.
pub fn profile_from_pairs(pairs: &[(String, String)]) -> ProfileInput {
    pairs
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("fy_")
                .and_then(|y| y.parse().ok())
                .map(|y| (y, v.clone()))
        })
        .collect()
}

fn parse_profile(f: &mut Fields, input: &ProfileInput) -> Option<Vec<(FinancialYear, Pence)>> {
    let mut out = Vec::new();
    let mut ok = true;
    for (year, text) in input {
        if text.trim().is_empty() {
            continue;
        }
        let fy = match FinancialYear::new(*year) {
            Ok(fy) => fy,
            Err(e) => {
                ok = false;
                f.error("profile", capitalise(&e.to_string()));
                continue;
            }
        };
        match Pence::parse(text) {
            Ok(amount) if !amount.is_zero() => out.push((fy, amount)),
            Ok(_) => {}
            Err(e) => {
                ok = false;
                f.error("profile", format!("{fy}: {e}"));
            }
        }
    }
    ok.then_some(out)
}

/// A participant with its organisation, role and sector, as stored.
struct Place {
    participant: participant::Model,
    ods: String,
    name: String,
    role: Role,
    sector: Sector,
}

async fn place(db: &impl ConnectionTrait, participant_id: i32) -> Result<Place, ServiceError> {
    let p = Participants::find_by_id(participant_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let org = Organisations::find_by_id(p.organisation_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(Place {
        role: decode("role", Role::from_code(&p.role))?,
        sector: decode("sector", Sector::from_code(&p.sector))?,
        participant: p,
        ods: org.ods_code.unwrap_or_default(),
        name: org.name,
    })
}

/// Central amounts of a participant's allocations, leaving one out.
async fn other_allocations(
    db: &impl ConnectionTrait,
    participant_id: i32,
    except: Option<i32>,
) -> Result<Vec<Pence>, ServiceError> {
    Allocations::find()
        .filter(allocation::Column::ParticipantId.eq(participant_id))
        .all(db)
        .await?
        .into_iter()
        .filter(|a| Some(a.id) != except)
        .map(|a| pence(a.central_pence))
        .collect()
}

async fn tranche_amounts(
    db: &impl ConnectionTrait,
    allocation_id: i32,
) -> Result<Vec<Pence>, ServiceError> {
    Tranches::find()
        .filter(tranche::Column::AllocationId.eq(allocation_id))
        .all(db)
        .await?
        .into_iter()
        .map(|t| pence(t.amount_pence))
        .collect()
}

fn allocation_snapshot(a: &allocation::Model, profile: &[(FinancialYear, Pence)]) -> Value {
    json!({
        "reference": a.reference,
        "central_pence": a.central_pence,
        "local_match_pence": a.local_match_pence,
        "awarded_on": a.awarded_on.to_string(),
        "profile": profile.iter().map(|(fy, p)| (fy.to_string(), p.value())).collect::<BTreeMap<_, _>>(),
    })
}

fn capitalise(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What a money form shows besides its fields: whose money, the cap that
/// applies and the headroom left under it, and the shared cap of the
/// participant's group (if it is in one) with the headroom left under that.
#[derive(Clone, Debug)]
pub struct MoneyContext {
    pub ods: String,
    pub name: String,
    /// e.g. "an acute global digital exemplar"
    pub cap_label: String,
    pub headroom: Option<Headroom>,
    pub group: Option<GroupCap>,
}

/// A cap shared by a group of participants, as a form shows it.
#[derive(Clone, Debug)]
pub struct GroupCap {
    /// e.g. "Ambulance exemplars"
    pub name: String,
    pub headroom: Headroom,
}

/// The cap group a participant is in, read before `BEGIN` so that its row
/// can be claimed first (lock order: group, participant, allocation).
async fn group_id_of(
    db: &impl ConnectionTrait,
    participant_id: i32,
) -> Result<Option<i32>, ServiceError> {
    Ok(crate::store::funding::group_of(db, participant_id)
        .await?
        .map(|(id, _)| id))
}

/// Claims the participant's cap group (if any), then the participant: the
/// first statements of a transaction that checks the caps.
async fn claim_group_and_participant(
    txn: &DatabaseTransaction,
    group: Option<i32>,
    participant_id: i32,
) -> Result<(), ServiceError> {
    if let Some(group) = group {
        claim_cap_group(txn, group).await?;
    }
    claim_participant(txn, participant_id).await
}

/// The group-cap rule ([`check_group_allocation`]) for `central` more to
/// this participant (leaving `except` out), checked after the claims. The
/// group claimed must still be the participant's group, or the caller
/// worked from a stale membership: a conflict.
async fn check_group_cap(
    txn: &DatabaseTransaction,
    claimed: Option<i32>,
    place: &Place,
    except: Option<i32>,
    central: Pence,
) -> Result<Result<(), FundingError>, ServiceError> {
    let group = crate::store::funding::group_of(txn, place.participant.id).await?;
    if group.as_ref().map(|(id, _)| *id) != claimed {
        return Err(ServiceError::Conflict);
    }
    let Some((id, group)) = group else {
        return Ok(Ok(()));
    };
    let existing = crate::store::funding::group_allocations(txn, id, except).await?;
    Ok(check_group_allocation(&group, &place.ods, &existing, central).map(|_| ()))
}

/// `except` leaves one allocation out of "already allocated" (when changing it).
async fn money_context(
    db: &impl ConnectionTrait,
    place: &Place,
    except: Option<i32>,
) -> Result<MoneyContext, ServiceError> {
    let caps = crate::store::funding::cap_table(db).await?;
    let existing = other_allocations(db, place.participant.id, except).await?;
    let group = match crate::store::funding::group_of(db, place.participant.id).await? {
        Some((id, group)) => {
            let members = crate::store::funding::group_allocations(db, id, except).await?;
            Some(GroupCap {
                headroom: group_headroom(&group, &members),
                name: group.name,
            })
        }
        None => None,
    };
    Ok(MoneyContext {
        ods: place.ods.clone(),
        name: place.name.clone(),
        cap_label: RoleInSector(place.role, place.sector).to_string(),
        headroom: headroom(&caps, place.role, place.sector, &existing),
        group,
    })
}

/// An allocation form's values as typed (or as stored, to start from).
#[derive(Clone, Debug, Default)]
pub struct AllocationValues {
    pub reference: String,
    pub central: String,
    pub local_match: String,
    pub awarded_on: String,
    pub profile: ProfileInput,
    pub reason: String,
}

/// Where a money form sends the user afterwards, and what to say.
#[derive(Clone, Debug)]
pub struct MoneySaved {
    /// The allocation's reference, or the tranche's name.
    pub name: String,
    /// The participant's ODS code, for its page.
    pub ods: String,
}

async fn write_profile(
    db: &impl ConnectionTrait,
    allocation_id: i32,
    profile: &[(FinancialYear, Pence)],
) -> Result<(), ServiceError> {
    AllocationProfiles::delete_many()
        .filter(allocation_profile::Column::AllocationId.eq(allocation_id))
        .exec(db)
        .await?;
    for (fy, amount) in profile {
        allocation_profile::ActiveModel {
            allocation_id: Set(allocation_id),
            financial_year: Set(fy.start_year()),
            amount_pence: Set(amount.value()),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// An allocation's financial-year profile, in year order.
pub async fn profile_of(
    db: &impl ConnectionTrait,
    allocation_id: i32,
) -> Result<Vec<(FinancialYear, Pence)>, ServiceError> {
    let mut rows = AllocationProfiles::find()
        .filter(allocation_profile::Column::AllocationId.eq(allocation_id))
        .all(db)
        .await?;
    rows.sort_by_key(|r| r.financial_year);
    rows.into_iter()
        .map(|r| {
            Ok((
                decode("financial year", FinancialYear::new(r.financial_year))?,
                pence(r.amount_pence)?,
            ))
        })
        .collect()
}

async fn load_allocation(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<allocation::Model, ServiceError> {
    Allocations::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}
