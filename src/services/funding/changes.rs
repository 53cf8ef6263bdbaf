//! Changing an allocation's money: a request with a reason, decided by
//! someone else through `change_requests::decide`.
use super::*;

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
        let txn = crate::services::begin_write(db).await?;
        claim_allocation(&txn, allocation_id).await?;
        let current = load_allocation(&txn, allocation_id).await?;
        let place = place(&txn, current.participant_id).await?;
        let current_profile = profile_of(&txn, allocation_id).await?;
        if let Some(profile) = &profile {
            let profiled: Vec<FinancialYear> = current_profile.iter().map(|(y, _)| *y).collect();
            if let Err(e) = check_profile_years(current.awarded_on, &profiled, profile) {
                f.error("profile", capitalise(&e.to_string()));
            }
        }
        if let Some(central) = central {
            let caps = crate::store::funding::cap_table(&txn).await?;
            let others = other_allocations(&txn, place.participant.id, Some(allocation_id)).await?;
            if central.is_zero() {
                f.error("central", "The central funding must be more than £0");
            } else if let Err(e) =
                check_allocation(&place.ods, place.role, place.sector, &caps, &others, central)
            {
                f.error("central", capitalise(&e.to_string()));
            } else if let Some((group_id, group)) =
                crate::store::funding::group_of(&txn, place.participant.id).await?
            {
                // Advisory here (nothing moves until approval, which checks
                // again under the group's claim).
                let members =
                    crate::store::funding::group_allocations(&txn, group_id, Some(allocation_id))
                        .await?;
                if let Err(e) = check_group_allocation(&group, &place.ods, &members, central) {
                    f.error("central", capitalise(&e.to_string()));
                }
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
        let now = crate::clock::now();
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

    /// The participant's cap group (its cap spans its members' allocations),
    /// the participant (its cap spans its allocations), then the allocation
    /// (its tranches must stay within it).
    async fn begin(
        db: &DatabaseConnection,
        r: &Self::Request,
    ) -> Result<DatabaseTransaction, ServiceError> {
        // An allocation never moves to another participant.
        let participant_id = load_allocation(db, r.allocation_id).await?.participant_id;
        let group = group_id_of(db, participant_id).await?;
        let txn = crate::services::begin_write(db).await?;
        claim_group_and_participant(&txn, group, participant_id).await?;
        claim_allocation(&txn, r.allocation_id).await?;
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
        // The group `begin` claimed (memberships change only when seed data
        // is loaded, so reading it again here finds the same group).
        let claimed = group_id_of(txn, place.participant.id).await?;
        check_group_cap(txn, claimed, &place, Some(current.id), central)
            .await?
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
    change_requests::decide::<AllocationChangeKind>(db, by, request_id, form).await
}
