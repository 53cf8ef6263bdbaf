//! Money: allocations within the cap with a profile that adds up, changes to
//! an allocation only through an approved request, tranches within the
//! allocation, and releases only after their milestone is signed off.
use std::collections::BTreeMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, TransactionTrait,
};
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use super::fields::Fields;
use super::milestones::participant_by_ods;
use super::{By, ServiceError};
use crate::domain::change::{Decision, RequestStatus, check_reason};
use crate::domain::financial_year::FinancialYear;
use crate::domain::funding::{check_allocation, check_profile, check_tranches};
use crate::domain::milestone::MilestoneReference;
use crate::domain::money::Pence;
use crate::domain::participant::{Role, Sector};
use crate::domain::tranche::{TrancheKind, check_release};
use crate::entities::{
    AllocationChangeRequests, AllocationProfiles, Allocations, Milestones, Participants, Tranches,
    allocation, allocation_change_request, allocation_profile, milestone, participant, tranche,
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

async fn participant_role(
    db: &impl ConnectionTrait,
    participant_id: i32,
) -> Result<(participant::Model, Role, Sector), ServiceError> {
    let p = Participants::find_by_id(participant_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let role = decode("role", Role::from_code(&p.role))?;
    let sector = decode("sector", Sector::from_code(&p.sector))?;
    Ok((p, role, sector))
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

#[derive(Clone, Debug, Default)]
pub struct NewAllocation {
    pub reference: String,
    pub central: String,
    pub local_match: String,
    pub awarded_on: String,
    pub profile: ProfileInput,
}

pub async fn create_allocation(
    db: &DatabaseConnection,
    by: &By,
    ods_code: &str,
    form: NewAllocation,
) -> Result<allocation::Model, ServiceError> {
    let (participant, org) = participant_by_ods(db, ods_code).await?;
    by.change_programme()?;
    let (_, role, sector) = participant_role(db, participant.id).await?;
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
    let caps = crate::store::funding::cap_table(db).await?;
    if let Some(central) = central {
        if central.is_zero() {
            f.error("central", "The central funding must be more than £0");
        } else {
            let existing = other_allocations(db, participant.id, None).await?;
            if let Err(e) = check_allocation(ods_code, role, sector, &caps, &existing, central) {
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
            .one(db)
            .await?
            .is_some()
    {
        f.error(
            "reference",
            format!("This participant already has an allocation {reference}"),
        );
    }
    let (Some(reference), Some(central), Some(local), Some(awarded), Some(profile)) =
        (reference, central, local, awarded, profile)
    else {
        return Err(ServiceError::Invalid(f.errors));
    };
    f.finish()?;
    let now = OffsetDateTime::now_utc();
    let txn = db.begin().await?;
    // Re-checked inside the transaction against what is there now.
    let existing = other_allocations(&txn, participant.id, None).await?;
    check_allocation(ods_code, role, sector, &caps, &existing, central)
        .map_err(|e| ServiceError::invalid("central", capitalise(&e.to_string())))?;
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
        .organisation(org.id)
        .after(allocation_snapshot(&created, &profile)),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
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

fn capitalise(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An allocation with its participant's organisation id.
pub async fn load_allocation(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<(allocation::Model, participant::Model), ServiceError> {
    let a = Allocations::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let p = Participants::find_by_id(a.participant_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok((a, p))
}

#[derive(Clone, Debug, Default)]
pub struct AllocationChange {
    pub central: String,
    pub local_match: String,
    pub profile: ProfileInput,
    pub reason: String,
}

/// Asks to change an allocation's money; nothing moves until it is approved.
pub async fn request_allocation_change(
    db: &DatabaseConnection,
    by: &By,
    allocation_id: i32,
    form: AllocationChange,
) -> Result<allocation_change_request::Model, ServiceError> {
    by.change_programme()?;
    let By::User(actor) = by else {
        return Err(ServiceError::invalid(
            "user",
            "change requests are made by signed-in users",
        ));
    };
    let (current, participant) = load_allocation(db, allocation_id).await?;
    let (_, role, sector) = participant_role(db, participant.id).await?;
    let current_profile = profile_of(db, allocation_id).await?;
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
    if let Some(central) = central {
        let caps = crate::store::funding::cap_table(db).await?;
        let others = other_allocations(db, participant.id, Some(allocation_id)).await?;
        let ods = participant_ods(db, &participant).await?;
        if central.is_zero() {
            f.error("central", "The central funding must be more than £0");
        } else if let Err(e) = check_allocation(&ods, role, sector, &caps, &others, central) {
            f.error("central", capitalise(&e.to_string()));
        }
        let committed: Pence = tranche_amounts(db, allocation_id).await?.into_iter().sum();
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
    let pending = AllocationChangeRequests::find()
        .filter(allocation_change_request::Column::AllocationId.eq(allocation_id))
        .filter(allocation_change_request::Column::Status.eq(RequestStatus::Pending.code()))
        .one(db)
        .await?;
    if pending.is_some() {
        f.error(
            "central",
            "A change to this allocation is already awaiting a decision",
        );
    }
    let (Some(central), Some(local), Some(profile)) = (central, local, profile) else {
        return Err(ServiceError::Invalid(f.errors));
    };
    f.finish()?;
    let profile_json = json!(
        profile
            .iter()
            .map(|(fy, p)| (fy.start_year().to_string(), p.value()))
            .collect::<BTreeMap<_, _>>()
    )
    .to_string();
    let now = OffsetDateTime::now_utc();
    let txn = db.begin().await?;
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
    .await?;
    audit::record(
        &txn,
        AuditEntry::by(by, "allocation_change.request", "allocation", &allocation_id.to_string())
            .organisation(participant.organisation_id)
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
    Ok(created)
}

async fn participant_ods(
    db: &impl ConnectionTrait,
    participant: &participant::Model,
) -> Result<String, ServiceError> {
    Ok(
        crate::entities::Organisations::find_by_id(participant.organisation_id)
            .one(db)
            .await?
            .and_then(|o| o.ods_code)
            .unwrap_or_default(),
    )
}

/// The proposed profile stored on a request.
pub fn requested_profile(
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

pub async fn decide_allocation_change(
    db: &DatabaseConnection,
    by: &By,
    request_id: i32,
    form: super::milestones::DecisionForm,
) -> Result<allocation_change_request::Model, ServiceError> {
    by.change_programme()?;
    let By::User(actor) = by else {
        return Err(ServiceError::invalid(
            "user",
            "decisions are made by signed-in users",
        ));
    };
    let request = AllocationChangeRequests::find_by_id(request_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let decision = super::milestones::check_decision_form(
        &form,
        &request.status,
        request.requested_by,
        actor.user_id,
    )?;
    let (current, participant) = load_allocation(db, request.allocation_id).await?;
    let current_profile = profile_of(db, current.id).await?;
    let now = OffsetDateTime::now_utc();
    let comment = Some(form.comment.trim().to_owned()).filter(|c| !c.is_empty());
    let txn = db.begin().await?;
    let decided = AllocationChangeRequests::update_many()
        .col_expr(
            allocation_change_request::Column::Status,
            Expr::value(match decision {
                Decision::Approve => RequestStatus::Approved.code(),
                Decision::Reject => RequestStatus::Rejected.code(),
            }),
        )
        .col_expr(
            allocation_change_request::Column::DecidedBy,
            Expr::value(actor.user_id),
        )
        .col_expr(
            allocation_change_request::Column::DecidedAt,
            Expr::value(now),
        )
        .col_expr(
            allocation_change_request::Column::DecisionComment,
            Expr::value(comment.clone()),
        )
        .col_expr(
            allocation_change_request::Column::UpdatedAt,
            Expr::value(now),
        )
        .filter(allocation_change_request::Column::Id.eq(request_id))
        .filter(allocation_change_request::Column::Status.eq(RequestStatus::Pending.code()))
        .exec(&txn)
        .await?;
    if decided.rows_affected != 1 {
        return Err(ServiceError::Conflict);
    }
    let action = match decision {
        Decision::Approve => "allocation_change.approve",
        Decision::Reject => "allocation_change.reject",
    };
    let mut entry = AuditEntry::by(by, action, "allocation", &current.id.to_string())
        .organisation(participant.organisation_id)
        .before(allocation_snapshot(&current, &current_profile));
    if decision == Decision::Approve {
        // The rules are checked again: money may have moved since the request.
        let (_, role, sector) = participant_role(&txn, participant.id).await?;
        let central = pence(request.proposed_central_pence)?;
        let profile = requested_profile(&request)?;
        let caps = crate::store::funding::cap_table(&txn).await?;
        let others = other_allocations(&txn, participant.id, Some(current.id)).await?;
        let ods = participant_ods(&txn, &participant).await?;
        check_allocation(&ods, role, sector, &caps, &others, central)
            .map_err(|e| ServiceError::invalid("decision", capitalise(&e.to_string())))?;
        let committed: Pence = tranche_amounts(&txn, current.id).await?.into_iter().sum();
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
        let updated = Allocations::update_many()
            .col_expr(
                allocation::Column::CentralPence,
                Expr::value(central.value()),
            )
            .col_expr(
                allocation::Column::LocalMatchPence,
                Expr::value(request.proposed_local_match_pence),
            )
            .col_expr(
                allocation::Column::Version,
                Expr::value(current.version + 1),
            )
            .col_expr(allocation::Column::UpdatedAt, Expr::value(now))
            .filter(allocation::Column::Id.eq(current.id))
            .filter(allocation::Column::Version.eq(current.version))
            .exec(&txn)
            .await?;
        if updated.rows_affected != 1 {
            return Err(ServiceError::Conflict);
        }
        write_profile(&txn, current.id, &profile).await?;
        let after = Allocations::find_by_id(current.id)
            .one(&txn)
            .await?
            .ok_or(ServiceError::NotFound)?;
        entry = entry.after(allocation_snapshot(&after, &profile));
    } else {
        entry = entry.after(allocation_snapshot(&current, &current_profile));
    }
    entry.reason = comment.or(Some(request.reason.clone()));
    audit::record(&txn, entry).await?;
    txn.commit().await?;
    AllocationChangeRequests::find_by_id(request_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
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

pub async fn create_tranche(
    db: &DatabaseConnection,
    by: &By,
    allocation_id: i32,
    form: NewTranche,
) -> Result<tranche::Model, ServiceError> {
    by.change_programme()?;
    let (allocation, participant) = load_allocation(db, allocation_id).await?;
    let mut f = Fields::default();
    let name = f.text("name", &form.name, "Enter a name for the tranche", 120);
    let kind = f.required(
        "kind",
        &form.kind,
        "Select how the tranche is released",
        TrancheKind::from_code,
    );
    let amount = f.money("amount", &form.amount, "Enter the amount");
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
                    .filter(milestone::Column::ParticipantId.eq(participant.id))
                    .filter(milestone::Column::Reference.eq(reference.as_str()))
                    .one(db)
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
            let existing = tranche_amounts(db, allocation_id).await?;
            if let Err(e) = check_tranches(pence(allocation.central_pence)?, &existing, amount) {
                f.error("amount", capitalise(&e.to_string()));
            }
        }
    }
    if let Some(name) = &name
        && Tranches::find()
            .filter(tranche::Column::AllocationId.eq(allocation_id))
            .filter(tranche::Column::Name.eq(name.as_str()))
            .one(db)
            .await?
            .is_some()
    {
        f.error(
            "name",
            "This allocation already has a tranche with that name",
        );
    }
    let (Some(name), Some(kind), Some(amount)) = (name, kind, amount) else {
        return Err(ServiceError::Invalid(f.errors));
    };
    f.finish()?;
    let now = OffsetDateTime::now_utc();
    let txn = db.begin().await?;
    let existing = tranche_amounts(&txn, allocation_id).await?;
    check_tranches(pence(allocation.central_pence)?, &existing, amount)
        .map_err(|e| ServiceError::invalid("amount", capitalise(&e.to_string())))?;
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
            .organisation(participant.organisation_id)
            .after(tranche_snapshot(
                &created,
                milestone_id.as_ref().map(|(_, r)| r.as_str()),
            )),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
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
) -> Result<tranche::Model, ServiceError> {
    by.change_programme()?;
    let current = Tranches::find_by_id(tranche_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let (allocation, participant) = load_allocation(db, current.allocation_id).await?;
    let mut f = Fields::default();
    let on = f.optional_date("released_on", &form.released_on);
    let version = f.version(&form.version);
    let (Some(on), Some(version)) = (on, version) else {
        return Err(ServiceError::Invalid(f.errors));
    };
    let on = on.unwrap_or(today);
    if current.released_on.is_some() {
        f.error("released_on", "This tranche has already been released");
    }
    if on > today {
        f.error("released_on", "The release date cannot be in the future");
    }
    let mut milestone_reference = None;
    if let Some(milestone_id) = current.milestone_id {
        let m = Milestones::find_by_id(milestone_id)
            .one(db)
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
        .all(db)
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
            format!("Releasing this would take releases to more than the allocation of {central}"),
        );
    }
    f.finish()?;
    let txn = db.begin().await?;
    let updated = super::concurrency::update_versioned::<Tranches, _>(
        &txn,
        super::concurrency::Versioned {
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
            .organisation(participant.organisation_id)
            .before(tranche_snapshot(&current, milestone_reference.as_deref()))
            .after(tranche_snapshot(&updated, milestone_reference.as_deref())),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}
