//! Recording an allocation within its participant's cap.
use super::*;

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

/// Records an allocation within the participant's cap and its group's shared
/// cap. The caps and the unique reference are checked after the group (if
/// any) and then the participant are claimed, so of several allocations sent
/// at once, to one trust or to several in a group, only those that fit are
/// recorded.
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
    if let (Some(awarded), Some(profile)) = (awarded, &profile)
        && let Err(e) = check_profile_years(awarded, &[], profile)
    {
        f.error("profile", capitalise(&e.to_string()));
    }
    let duplicate =
        |reference: &str| format!("This participant already has an allocation {reference}");
    let group = group_id_of(db, participant.id).await?;
    let result = async {
        let txn = crate::services::begin_write(db).await?;
        claim_group_and_participant(&txn, group, participant.id).await?;
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
                } else if let Err(e) = check_group_cap(&txn, group, &place, None, central).await? {
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
        let now = crate::clock::now();
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
