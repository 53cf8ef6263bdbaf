//! Tranches: defined within their allocation, released after their
//! milestone's sign-off.
use super::*;

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
        let txn = crate::services::begin_write(db).await?;
        claim_allocation(&txn, allocation_id).await?;
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
        let now = crate::clock::now();
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
        let txn = crate::services::begin_write(db).await?;
        claim_allocation(&txn, allocation_id).await?;
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

/// What releasing a tranche would do, for its confirmation page: how much,
/// to whom, from which allocation, and why it cannot be released if not.
#[derive(Clone, Debug)]
pub struct ReleasePreview {
    pub tranche_id: i32,
    /// The version the confirmation form sends back.
    pub version: i32,
    pub name: String,
    pub amount: Pence,
    pub ods: String,
    pub participant: String,
    pub allocation_reference: String,
    pub allocation_central: Pence,
    /// Released from the allocation so far, before this tranche.
    pub released_so_far: Pence,
    /// The milestone that releases it: (reference, title, signed off on).
    pub milestone: Option<(String, String, Option<Date>)>,
    pub released_on: Option<Date>,
    /// Why it cannot be released today; `None` when it can.
    pub blocker: Option<String>,
    pub today: Date,
}

/// The confirmation page's read model. The office only, checked before
/// anything is loaded; reading changes nothing.
pub async fn release_preview(
    db: &DatabaseConnection,
    by: &By,
    tranche_id: i32,
    today: Date,
) -> Result<ReleasePreview, ServiceError> {
    by.change_programme()?;
    let t = Tranches::find_by_id(tranche_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let a = load_allocation(db, t.allocation_id).await?;
    let place = place(db, a.participant_id).await?;
    let milestone = match t.milestone_id {
        Some(id) => Milestones::find_by_id(id)
            .one(db)
            .await?
            .map(|m| (m.reference, m.title, m.signed_off_on)),
        None => None,
    };
    let released_so_far: Pence = Tranches::find()
        .filter(tranche::Column::AllocationId.eq(a.id))
        .filter(tranche::Column::ReleasedOn.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(|t| pence(t.amount_pence))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .sum();
    let amount = pence(t.amount_pence)?;
    let central = pence(a.central_pence)?;
    let blocker = crate::domain::tranche::release_blocker(
        t.released_on,
        milestone.as_ref().map(|(r, _, s)| (r.as_str(), *s)),
        amount,
        released_so_far,
        central,
        today,
    );
    Ok(ReleasePreview {
        tranche_id: t.id,
        version: t.version,
        name: t.name,
        amount,
        ods: place.ods,
        participant: place.name,
        allocation_reference: a.reference,
        allocation_central: central,
        released_so_far,
        milestone,
        released_on: t.released_on,
        blocker,
        today,
    })
}
