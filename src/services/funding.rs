//! Money: allocations within the cap with a profile that adds up, changes to
//! an allocation only through an approved request, tranches within the
//! allocation, and releases only after their milestone is signed off.
//!
//! Every rule that spans rows is checked inside the transaction that writes,
//! after its first statement has claimed the parent row (`concurrency::claim`):
//! the participant for its cap, the allocation for its tranches and its one
//! pending change. So the rules hold however many requests arrive at once,
//! on SQLite and PostgreSQL alike, and a loser is told why (422) or to try
//! again (409), never a 500.
use std::collections::BTreeMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, Set, TransactionTrait,
};
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use super::change_requests::{self, DecisionForm, Header, Kind, Outcome, one_pending};
use super::concurrency::{Versioned, claim, settle, settle_unique, update_versioned};
use super::fields::Fields;
use super::milestones::participant_by_ods;
use super::{By, ServiceError};
use crate::domain::change::{RequestStatus, check_reason};
use crate::domain::financial_year::FinancialYear;
use crate::domain::funding::{
    Headroom, RoleInSector, check_allocation, check_profile, check_tranches, headroom,
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

/// The financial years a profile form offers: the programme's span.
pub fn profile_years() -> Vec<FinancialYear> {
    (2016..=2022)
        .filter_map(|y| FinancialYear::new(y).ok())
        .collect()
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
        let Ok(fy) = FinancialYear::new(*year) else {
            ok = false;
            continue;
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
/// applies and the headroom left under it.
#[derive(Clone, Debug)]
pub struct MoneyContext {
    pub ods: String,
    pub name: String,
    /// e.g. "an acute global digital exemplar"
    pub cap_label: String,
    pub headroom: Option<Headroom>,
}

/// `except` leaves one allocation out of "already allocated" (when changing it).
async fn money_context(
    db: &impl ConnectionTrait,
    place: &Place,
    except: Option<i32>,
) -> Result<MoneyContext, ServiceError> {
    let caps = crate::store::funding::cap_table(db).await?;
    let existing = other_allocations(db, place.participant.id, except).await?;
    Ok(MoneyContext {
        ods: place.ods.clone(),
        name: place.name.clone(),
        cap_label: RoleInSector(place.role, place.sector).to_string(),
        headroom: headroom(&caps, place.role, place.sector, &existing),
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

/// The new-allocation form: the office only, checked before anything is read.
pub async fn allocation_form(
    db: &DatabaseConnection,
    by: &By,
    ods_code: &str,
) -> Result<MoneyContext, ServiceError> {
    by.change_programme()?;
    let (participant, _) = participant_by_ods(db, ods_code).await?;
    money_context(db, &place(db, participant.id).await?, None).await
}

#[derive(Clone, Debug, Default)]
pub struct NewAllocation {
    pub reference: String,
    pub central: String,
    pub local_match: String,
    pub awarded_on: String,
    pub profile: ProfileInput,
}

/// Records an allocation within the participant's cap. The cap and the
/// unique reference are checked after the participant is claimed, so of
/// several allocations sent at once only those that fit are recorded.
pub async fn create_allocation(
    db: &DatabaseConnection,
    by: &By,
    ods_code: &str,
    form: NewAllocation,
) -> Result<MoneySaved, ServiceError> {
    by.change_programme()?;
    let (participant, _) = participant_by_ods(db, ods_code).await?;
    let mut f = Fields::default();
    let reference = f.text(
        "reference",
        &form.reference,
        "Enter a reference, for example ALLOC-2",
        20,
    );
    let central = f.money("central", &form.central, "Enter the central funding amount");
    let local = f.money(
        "local_match",
        &form.local_match,
        "Enter the local match amount (0 if none)",
    );
    let awarded = f.date(
        "awarded_on",
        &form.awarded_on,
        "Enter the date the funding was awarded",
    );
    let profile = parse_profile(&mut f, &form.profile);
    let duplicate =
        |reference: &str| format!("This participant already has an allocation {reference}");
    let result = async {
        let txn = db.begin().await?;
        claim::<Participants, _>(&txn, participant::Column::Id, participant.id).await?;
        let place = place(&txn, participant.id).await?;
        if let Some(central) = central {
            if central.is_zero() {
                f.error("central", "The central funding must be more than £0");
            } else {
                let caps = crate::store::funding::cap_table(&txn).await?;
                let existing = other_allocations(&txn, participant.id, None).await?;
                if let Err(e) = check_allocation(
                    &place.ods,
                    place.role,
                    place.sector,
                    &caps,
                    &existing,
                    central,
                ) {
                    f.error("central", capitalise(&e.to_string()));
                }
            }
            if let Some(profile) = &profile
                && let Err(e) = check_profile(central, profile)
            {
                f.error("profile", capitalise(&e.to_string()));
            }
        }
        if let Some(reference) = &reference
            && Allocations::find()
                .filter(allocation::Column::ParticipantId.eq(participant.id))
                .filter(allocation::Column::Reference.eq(reference.as_str()))
                .one(&txn)
                .await?
                .is_some()
        {
            f.error("reference", duplicate(reference));
        }
        let (Some(reference), Some(central), Some(local), Some(awarded), Some(profile)) =
            (reference.clone(), central, local, awarded, profile)
        else {
            return Err(ServiceError::Invalid(std::mem::take(&mut f.errors)));
        };
        std::mem::take(&mut f).finish()?;
        let now = OffsetDateTime::now_utc();
        let created = allocation::ActiveModel {
            participant_id: Set(participant.id),
            reference: Set(reference),
            central_pence: Set(central.value()),
            local_match_pence: Set(local.value()),
            awarded_on: Set(awarded),
            illustrative: Set(false),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        write_profile(&txn, created.id, &profile).await?;
        audit::record(
            &txn,
            AuditEntry::by(
                by,
                "allocation.create",
                "allocation",
                &created.id.to_string(),
            )
            .organisation(place.participant.organisation_id)
            .after(allocation_snapshot(&created, &profile)),
        )
        .await?;
        txn.commit().await?;
        Ok(MoneySaved {
            name: created.reference,
            ods: place.ods,
        })
    }
    .await;
    result.map_err(settle_unique(
        "reference",
        &duplicate(reference.as_deref().unwrap_or_default()),
    ))
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

/// The change form: the allocation as it stands, and the cap without it.
#[derive(Clone, Debug)]
pub struct ChangeForm {
    pub money: MoneyContext,
    pub allocation_id: i32,
    pub reference: String,
    pub values: AllocationValues,
}

pub async fn change_form(
    db: &DatabaseConnection,
    by: &By,
    allocation_id: i32,
) -> Result<ChangeForm, ServiceError> {
    by.change_programme()?;
    let a = load_allocation(db, allocation_id).await?;
    let place = place(db, a.participant_id).await?;
    let profile = profile_of(db, a.id).await?;
    Ok(ChangeForm {
        money: money_context(db, &place, Some(a.id)).await?,
        allocation_id: a.id,
        reference: a.reference.clone(),
        values: AllocationValues {
            reference: a.reference.clone(),
            central: pence(a.central_pence)?.plain(),
            local_match: pence(a.local_match_pence)?.plain(),
            awarded_on: a.awarded_on.to_string(),
            profile: profile
                .iter()
                .map(|(fy, p)| (fy.start_year(), p.plain()))
                .collect(),
            reason: String::new(),
        },
    })
}

#[derive(Clone, Debug, Default)]
pub struct AllocationChange {
    pub central: String,
    pub local_match: String,
    pub profile: ProfileInput,
    pub reason: String,
}

const ONE_PENDING: &str = "A change to this allocation is already awaiting a decision";

/// Asks to change an allocation's money; nothing moves until it is approved.
/// One request at a time per allocation: checked after the allocation is
/// claimed, and held by a unique index over the pending requests.
pub async fn request_allocation_change(
    db: &DatabaseConnection,
    by: &By,
    allocation_id: i32,
    form: AllocationChange,
) -> Result<MoneySaved, ServiceError> {
    by.change_programme()?;
    let By::User(actor) = by else {
        return Err(ServiceError::invalid(
            "user",
            "change requests are made by signed-in users",
        ));
    };
    let mut f = Fields::default();
    let central = f.money(
        "central",
        &form.central,
        "Enter the new central funding amount",
    );
    let local = f.money(
        "local_match",
        &form.local_match,
        "Enter the local match amount (0 if none)",
    );
    let profile = parse_profile(&mut f, &form.profile);
    if let Err(e) = check_reason(&form.reason) {
        f.error("reason", e.to_string());
    }
    let result = async {
        let txn = db.begin().await?;
        claim::<Allocations, _>(&txn, allocation::Column::Id, allocation_id).await?;
        let current = load_allocation(&txn, allocation_id).await?;
        let place = place(&txn, current.participant_id).await?;
        let current_profile = profile_of(&txn, allocation_id).await?;
        if let Some(central) = central {
            let caps = crate::store::funding::cap_table(&txn).await?;
            let others = other_allocations(&txn, place.participant.id, Some(allocation_id)).await?;
            if central.is_zero() {
                f.error("central", "The central funding must be more than £0");
            } else if let Err(e) =
                check_allocation(&place.ods, place.role, place.sector, &caps, &others, central)
            {
                f.error("central", capitalise(&e.to_string()));
            }
            let committed: Pence = tranche_amounts(&txn, allocation_id).await?.into_iter().sum();
            if central < committed {
                f.error(
                    "central",
                    format!(
                        "Tranches of {committed} are already defined for this allocation; the allocation cannot go below that"
                    ),
                );
            }
            if let Some(profile) = &profile
                && let Err(e) = check_profile(central, profile)
            {
                f.error("profile", capitalise(&e.to_string()));
            }
            if let (Some(local), Some(profile)) = (local, &profile)
                && central.value() == current.central_pence
                && local.value() == current.local_match_pence
                && *profile == current_profile
            {
                f.error(
                    "central",
                    "These are the current figures, so there is nothing to change",
                );
            }
        }
        if AllocationChangeRequests::find()
            .filter(allocation_change_request::Column::AllocationId.eq(allocation_id))
            .filter(allocation_change_request::Column::Status.eq(RequestStatus::Pending.code()))
            .one(&txn)
            .await?
            .is_some()
        {
            f.error("central", ONE_PENDING);
        }
        let (Some(central), Some(local), Some(profile)) = (central, local, profile.clone()) else {
            return Err(ServiceError::Invalid(std::mem::take(&mut f.errors)));
        };
        std::mem::take(&mut f).finish()?;
        let profile_json = json!(
            profile
                .iter()
                .map(|(fy, p)| (fy.start_year().to_string(), p.value()))
                .collect::<BTreeMap<_, _>>()
        )
        .to_string();
        let now = OffsetDateTime::now_utc();
        let created = allocation_change_request::ActiveModel {
            allocation_id: Set(allocation_id),
            previous_central_pence: Set(current.central_pence),
            proposed_central_pence: Set(central.value()),
            previous_local_match_pence: Set(current.local_match_pence),
            proposed_local_match_pence: Set(local.value()),
            proposed_profile_json: Set(profile_json),
            reason: Set(form.reason.trim().to_owned()),
            status: Set(RequestStatus::Pending.code().to_owned()),
            requested_by: Set(actor.user_id),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(one_pending("central", ONE_PENDING))?;
        audit::record(
            &txn,
            AuditEntry::by(by, "allocation_change.request", "allocation", &allocation_id.to_string())
                .organisation(place.participant.organisation_id)
                .before(allocation_snapshot(&current, &current_profile))
                .after(json!({
                    "central_pence": central.value(),
                    "local_match_pence": local.value(),
                    "profile": profile.iter().map(|(fy, p)| (fy.to_string(), p.value())).collect::<BTreeMap<_, _>>(),
                    "request": created.id,
                }))
                .reason(form.reason.trim()),
        )
        .await?;
        txn.commit().await?;
        Ok(MoneySaved {
            name: current.reference,
            ods: place.ods,
        })
    }
    .await;
    result.map_err(settle)
}

/// The proposed profile stored on a request.
fn requested_profile(
    request: &allocation_change_request::Model,
) -> Result<Vec<(FinancialYear, Pence)>, ServiceError> {
    let map: BTreeMap<String, i64> = serde_json::from_str(&request.proposed_profile_json)
        .map_err(|e| sea_orm::DbErr::Custom(format!("stored profile is invalid: {e}")))?;
    map.into_iter()
        .map(|(y, p)| {
            let year: i32 = y
                .parse()
                .map_err(|_| sea_orm::DbErr::Custom(format!("stored year {y} is invalid")))?;
            Ok((
                decode("financial year", FinancialYear::new(year))?,
                pence(p)?,
            ))
        })
        .collect()
}

/// Allocation change requests, decided through `change_requests::decide`.
pub(crate) struct AllocationChangeKind;

impl Kind for AllocationChangeKind {
    type Request = allocation_change_request::Model;
    const TABLE: &'static str = "allocation_change_requests";
    const ACTION: &'static str = "allocation_change";
    const ENTITY: &'static str = "allocation";

    fn header(r: &Self::Request) -> Header {
        Header {
            status: r.status.clone(),
            requested_by: r.requested_by,
            reason: r.reason.clone(),
        }
    }

    async fn find(
        db: &impl ConnectionTrait,
        id: i32,
    ) -> Result<Option<Self::Request>, ServiceError> {
        Ok(AllocationChangeRequests::find_by_id(id).one(db).await?)
    }

    /// The participant (its cap spans its allocations), then the allocation
    /// (its tranches must stay within it).
    async fn begin(
        db: &DatabaseConnection,
        r: &Self::Request,
    ) -> Result<DatabaseTransaction, ServiceError> {
        // An allocation never moves to another participant.
        let participant_id = load_allocation(db, r.allocation_id).await?.participant_id;
        let txn = db.begin().await?;
        claim::<Participants, _>(&txn, participant::Column::Id, participant_id).await?;
        claim::<Allocations, _>(&txn, allocation::Column::Id, r.allocation_id).await?;
        Ok(txn)
    }

    /// The rules are checked again: money may have moved since the request.
    async fn apply(txn: &DatabaseTransaction, r: &Self::Request) -> Result<Outcome, ServiceError> {
        let current = load_allocation(txn, r.allocation_id).await?;
        if current.central_pence != r.previous_central_pence
            || current.local_match_pence != r.previous_local_match_pence
        {
            return Err(ServiceError::Conflict);
        }
        let current_profile = profile_of(txn, current.id).await?;
        let place = place(txn, current.participant_id).await?;
        let central = pence(r.proposed_central_pence)?;
        let profile = requested_profile(r)?;
        let caps = crate::store::funding::cap_table(txn).await?;
        let others = other_allocations(txn, place.participant.id, Some(current.id)).await?;
        check_allocation(
            &place.ods,
            place.role,
            place.sector,
            &caps,
            &others,
            central,
        )
        .map_err(|e| ServiceError::invalid("decision", capitalise(&e.to_string())))?;
        let committed: Pence = tranche_amounts(txn, current.id).await?.into_iter().sum();
        if central < committed {
            return Err(ServiceError::invalid(
                "decision",
                format!(
                    "Tranches of {committed} are defined for this allocation, more than the requested {central}"
                ),
            ));
        }
        check_profile(central, &profile)
            .map_err(|e| ServiceError::invalid("decision", capitalise(&e.to_string())))?;
        let after = update_versioned::<Allocations, _>(
            txn,
            Versioned {
                id: allocation::Column::Id,
                version: allocation::Column::Version,
                updated_at: allocation::Column::UpdatedAt,
            },
            current.id,
            current.version,
            vec![
                (
                    allocation::Column::CentralPence,
                    Expr::value(central.value()),
                ),
                (
                    allocation::Column::LocalMatchPence,
                    Expr::value(r.proposed_local_match_pence),
                ),
            ],
        )
        .await?;
        write_profile(txn, current.id, &profile).await?;
        Ok(Outcome {
            organisation_id: place.participant.organisation_id,
            record_id: current.id,
            before: allocation_snapshot(&current, &current_profile),
            after: allocation_snapshot(&after, &profile),
        })
    }

    async fn unchanged(
        txn: &DatabaseTransaction,
        r: &Self::Request,
    ) -> Result<Outcome, ServiceError> {
        let current = load_allocation(txn, r.allocation_id).await?;
        let profile = profile_of(txn, current.id).await?;
        let place = place(txn, current.participant_id).await?;
        let snapshot = allocation_snapshot(&current, &profile);
        Ok(Outcome {
            organisation_id: place.participant.organisation_id,
            record_id: current.id,
            before: snapshot.clone(),
            after: snapshot,
        })
    }
}

/// Approve (the money moves, if it still fits) or reject with a comment.
pub async fn decide_allocation_change(
    db: &DatabaseConnection,
    by: &By,
    request_id: i32,
    form: DecisionForm,
) -> Result<(), ServiceError> {
    change_requests::decide::<AllocationChangeKind>(db, by, request_id, form).await?;
    Ok(())
}

/// The new-tranche form: the allocation, the milestones that can release a
/// tranche, and what is not yet committed.
#[derive(Clone, Debug)]
pub struct TrancheForm {
    pub money: MoneyContext,
    pub allocation_id: i32,
    pub reference: String,
    /// (reference, "reference: title") for the milestone select.
    pub milestones: Vec<(String, String)>,
    pub remaining: Pence,
}

pub async fn tranche_form(
    db: &DatabaseConnection,
    by: &By,
    allocation_id: i32,
) -> Result<TrancheForm, ServiceError> {
    by.change_programme()?;
    let a = load_allocation(db, allocation_id).await?;
    let place = place(db, a.participant_id).await?;
    let milestones = Milestones::find()
        .filter(milestone::Column::ParticipantId.eq(a.participant_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.reference.clone(), format!("{}: {}", m.reference, m.title)))
        .collect();
    let committed: Pence = tranche_amounts(db, a.id).await?.into_iter().sum();
    Ok(TrancheForm {
        money: money_context(db, &place, None).await?,
        allocation_id: a.id,
        reference: a.reference.clone(),
        milestones,
        remaining: pence(a.central_pence)?.saturating_sub(committed),
    })
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewTranche {
    pub name: String,
    pub kind: String,
    pub milestone_reference: String,
    pub amount: String,
}

fn tranche_snapshot(t: &tranche::Model, milestone: Option<&str>) -> Value {
    json!({
        "name": t.name,
        "kind": t.kind,
        "milestone": milestone,
        "amount_pence": t.amount_pence,
        "released_on": t.released_on.map(|d| d.to_string()),
    })
}

const DUPLICATE_TRANCHE: &str = "This allocation already has a tranche with that name";

/// Defines a tranche; the tranches of an allocation never add up to more
/// than it, checked after the allocation is claimed.
pub async fn create_tranche(
    db: &DatabaseConnection,
    by: &By,
    allocation_id: i32,
    form: NewTranche,
) -> Result<MoneySaved, ServiceError> {
    by.change_programme()?;
    let mut f = Fields::default();
    let name = f.text("name", &form.name, "Enter a name for the tranche", 120);
    let kind = f.required(
        "kind",
        &form.kind,
        "Select how the tranche is released",
        TrancheKind::from_code,
    );
    let amount = f.money("amount", &form.amount, "Enter the amount");
    let result = async {
        let txn = db.begin().await?;
        claim::<Allocations, _>(&txn, allocation::Column::Id, allocation_id).await?;
        let allocation = load_allocation(&txn, allocation_id).await?;
        let place = place(&txn, allocation.participant_id).await?;
        let mut milestone_id = None;
        match kind {
            Some(TrancheKind::Milestone) => {
                if let Some(reference) = f.required(
                    "milestone_reference",
                    &form.milestone_reference,
                    "Select the milestone whose sign-off releases this tranche",
                    MilestoneReference::parse,
                ) {
                    match Milestones::find()
                        .filter(milestone::Column::ParticipantId.eq(allocation.participant_id))
                        .filter(milestone::Column::Reference.eq(reference.as_str()))
                        .one(&txn)
                        .await?
                    {
                        Some(m) => milestone_id = Some((m.id, m.reference)),
                        None => f.error(
                            "milestone_reference",
                            format!("This participant has no milestone {}", reference.as_str()),
                        ),
                    }
                }
            }
            Some(TrancheKind::Upfront) if !form.milestone_reference.trim().is_empty() => {
                f.error(
                    "milestone_reference",
                    "An upfront tranche is not tied to a milestone",
                );
            }
            _ => {}
        }
        if let Some(amount) = amount {
            if amount.is_zero() {
                f.error("amount", "The amount must be more than £0");
            } else {
                let existing = tranche_amounts(&txn, allocation_id).await?;
                if let Err(e) = check_tranches(pence(allocation.central_pence)?, &existing, amount)
                {
                    f.error("amount", capitalise(&e.to_string()));
                }
            }
        }
        if let Some(name) = &name
            && Tranches::find()
                .filter(tranche::Column::AllocationId.eq(allocation_id))
                .filter(tranche::Column::Name.eq(name.as_str()))
                .one(&txn)
                .await?
                .is_some()
        {
            f.error("name", DUPLICATE_TRANCHE);
        }
        let (Some(name), Some(kind), Some(amount)) = (name.clone(), kind, amount) else {
            return Err(ServiceError::Invalid(std::mem::take(&mut f.errors)));
        };
        std::mem::take(&mut f).finish()?;
        let now = OffsetDateTime::now_utc();
        let created = tranche::ActiveModel {
            allocation_id: Set(allocation_id),
            name: Set(name),
            kind: Set(kind.code().to_owned()),
            milestone_id: Set(milestone_id.as_ref().map(|(id, _)| *id)),
            amount_pence: Set(amount.value()),
            released_on: Set(None),
            released_by: Set(None),
            illustrative: Set(false),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            AuditEntry::by(by, "tranche.create", "tranche", &created.id.to_string())
                .organisation(place.participant.organisation_id)
                .after(tranche_snapshot(
                    &created,
                    milestone_id.as_ref().map(|(_, r)| r.as_str()),
                )),
        )
        .await?;
        txn.commit().await?;
        Ok(MoneySaved {
            name: created.name,
            ods: place.ods,
        })
    }
    .await;
    result.map_err(settle_unique("name", DUPLICATE_TRANCHE))
}

/// Which participant page a tranche sits on, and its name: for the pages
/// shown when a release is refused. The office only, checked first.
pub async fn tranche_place(
    db: &DatabaseConnection,
    by: &By,
    tranche_id: i32,
) -> Result<MoneySaved, ServiceError> {
    by.change_programme()?;
    let t = Tranches::find_by_id(tranche_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let a = load_allocation(db, t.allocation_id).await?;
    Ok(MoneySaved {
        name: t.name,
        ods: place(db, a.participant_id).await?.ods,
    })
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Release {
    pub released_on: String,
    pub version: String,
}

/// Releases a tranche: a milestone tranche only after its milestone's
/// sign-off, and never more in total than the allocation.
pub async fn release_tranche(
    db: &DatabaseConnection,
    by: &By,
    tranche_id: i32,
    form: Release,
    today: Date,
) -> Result<MoneySaved, ServiceError> {
    by.change_programme()?;
    let mut f = Fields::default();
    let on = f.optional_date("released_on", &form.released_on);
    let version = f.version(&form.version);
    let (Some(on), Some(version)) = (on, version) else {
        return Err(ServiceError::Invalid(f.errors));
    };
    let on = on.unwrap_or(today);
    let allocation_id = Tranches::find_by_id(tranche_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?
        .allocation_id;
    let result = async {
        let txn = db.begin().await?;
        claim::<Allocations, _>(&txn, allocation::Column::Id, allocation_id).await?;
        let current = Tranches::find_by_id(tranche_id)
            .one(&txn)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let allocation = load_allocation(&txn, allocation_id).await?;
        let place = place(&txn, allocation.participant_id).await?;
        if current.released_on.is_some() {
            f.error("released_on", "This tranche has already been released");
        }
        if on > today {
            f.error("released_on", "The release date cannot be in the future");
        }
        let mut milestone_reference = None;
        if let Some(milestone_id) = current.milestone_id {
            let m = Milestones::find_by_id(milestone_id)
                .one(&txn)
                .await?
                .ok_or(ServiceError::NotFound)?;
            if let Err(e) = check_release(&m.reference, m.signed_off_on, on) {
                f.error("released_on", capitalise(&e.to_string()));
            }
            milestone_reference = Some(m.reference);
        }
        let released: Pence = Tranches::find()
            .filter(tranche::Column::AllocationId.eq(allocation.id))
            .filter(tranche::Column::ReleasedOn.is_not_null())
            .all(&txn)
            .await?
            .into_iter()
            .map(|t| pence(t.amount_pence))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .sum();
        let central = pence(allocation.central_pence)?;
        if released.saturating_add(pence(current.amount_pence)?) > central {
            f.error(
                "released_on",
                format!(
                    "Releasing this would take releases to more than the allocation of {central}"
                ),
            );
        }
        std::mem::take(&mut f).finish()?;
        let updated = update_versioned::<Tranches, _>(
            &txn,
            Versioned {
                id: tranche::Column::Id,
                version: tranche::Column::Version,
                updated_at: tranche::Column::UpdatedAt,
            },
            tranche_id,
            version,
            vec![
                (tranche::Column::ReleasedOn, Expr::value(on)),
                (tranche::Column::ReleasedBy, Expr::value(by.user_id())),
            ],
        )
        .await?;
        audit::record(
            &txn,
            AuditEntry::by(by, "tranche.release", "tranche", &tranche_id.to_string())
                .organisation(place.participant.organisation_id)
                .before(tranche_snapshot(&current, milestone_reference.as_deref()))
                .after(tranche_snapshot(&updated, milestone_reference.as_deref())),
        )
        .await?;
        txn.commit().await?;
        Ok(MoneySaved {
            name: updated.name,
            ods: place.ods,
        })
    }
    .await;
    result.map_err(settle)
}
