//! Setting the programme up: participants (and their organisations), fast
//! follower pairings, partner organisations and partnerships.
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set,
};
use serde_json::{Value, json};

use super::concurrency::{Versioned, update_versioned};
use super::fields::Fields;
use super::milestones::participant_by_ods;
use super::{By, ServiceError, unique_as, unique_violation};
use crate::domain::dates::ApproxDate;
use crate::domain::funding::{check_allocation, check_group_allocation};
use crate::domain::money::Pence;
use crate::domain::names::NameKey;
use crate::domain::ods::OdsCode;
use crate::domain::participant::{
    Confidence, OrganisationKind, ParticipantStatus, PartnershipRole, Role, Sector,
};
use crate::domain::region::RegionCode;
use crate::domain::text::CountryCode;
use crate::entities::{
    Allocations, Organisations, Pairings, Participants, Partnerships, allocation, organisation,
    pairing, participant, partnership,
};
use crate::store::audit::{self, AuditEntry};

/// The organisation already on record under this name in this country, if
/// any: names are compared by [`NameKey`] (ignoring case and spacing), the
/// same rule the unique index `ux_organisations_name_key_country` enforces.
pub(crate) async fn organisation_named(
    db: &impl ConnectionTrait,
    name: &str,
    country: &CountryCode,
) -> Result<Option<organisation::Model>, DbErr> {
    Organisations::find()
        .filter(organisation::Column::NameKey.eq(NameKey::of(name).into_inner()))
        .filter(organisation::Column::CountryCode.eq(country.as_str()))
        .one(db)
        .await
}

/// Why a name cannot be used: it is taken by `other`.
pub(crate) fn name_taken(other: &organisation::Model) -> String {
    let which = match &other.ods_code {
        Some(code) => code.clone(),
        None => other.country_code.clone(),
    };
    format!(
        "{} ({which}) is already on record; names that differ only in case or spacing count as the same",
        other.name
    )
}

/// Why a name cannot be used, when only the database's index noticed (a
/// request with the same name was saved a moment earlier).
fn name_taken_just_now(name: &str) -> String {
    format!("{name} was added by someone else a moment ago; it is already on record")
}

pub fn snapshot(p: &participant::Model) -> Value {
    json!({
        "role": p.role,
        "sector": p.sector,
        "wave": p.wave,
        "designated_on": p.designated_on.to_string(),
        "designated_precision": p.designated_precision,
        "accredited_on": p.accredited_on.map(|d| d.to_string()),
        "status": p.status,
    })
}

/// The participant form, as typed (create and edit share it).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ParticipantForm {
    pub ods_code: String,
    /// Only when the ODS code is not yet known: the new trust's details.
    pub organisation_name: String,
    pub region_code: String,
    pub role: String,
    pub sector: String,
    pub wave: String,
    pub designated_on: String,
    pub accredited_on: String,
    pub status: String,
    pub version: String,
}

/// A participant's details as the form's rules accept them (the
/// spreadsheet import checks its rows with the same function).
pub(crate) struct Profile {
    pub(crate) role: Role,
    pub(crate) sector: Sector,
    pub(crate) wave: String,
    pub(crate) designated: ApproxDate,
    pub(crate) accredited: Option<ApproxDate>,
    pub(crate) status: ParticipantStatus,
}

pub(crate) fn parse_profile(f: &mut Fields, form: &ParticipantForm) -> Option<Profile> {
    let role = f.required(
        "role",
        &form.role,
        "Select the participant's role",
        Role::from_code,
    );
    let sector = f.required(
        "sector",
        &form.sector,
        "Select the sector",
        Sector::from_code,
    );
    let wave = f.text(
        "wave",
        &form.wave,
        "Enter the wave, for example Acute wave 1",
        40,
    );
    let designated = f.approx_date(
        "designated_on",
        &form.designated_on,
        "Enter the designation date (YYYY-MM-DD, or YYYY-MM if only the month is known)",
    );
    let accredited = f.optional("accredited_on", &form.accredited_on, ApproxDate::parse);
    let status = f.required(
        "status",
        &form.status,
        "Select a status",
        ParticipantStatus::from_code,
    );
    let (Some(role), Some(sector), Some(wave), Some(designated), Some(accredited), Some(status)) =
        (role, sector, wave, designated, accredited, status)
    else {
        return None;
    };
    match (status, accredited) {
        (ParticipantStatus::Accredited, None) => {
            f.error("accredited_on", "Enter the accreditation date of an accredited participant");
        }
        (ParticipantStatus::Active, Some(_)) => f.error(
            "status",
            "A participant with an accreditation date is accredited; choose Accredited or clear the date",
        ),
        _ => {}
    }
    if let Some(a) = accredited
        && a.date < designated.date
    {
        f.error(
            "accredited_on",
            "Accreditation cannot be before designation",
        );
    }
    Some(Profile {
        role,
        sector,
        wave,
        designated,
        accredited,
        status,
    })
}

pub async fn create(
    db: &DatabaseConnection,
    by: &By,
    form: ParticipantForm,
) -> Result<participant::Model, ServiceError> {
    by.change_programme()?;
    let mut f = Fields::default();
    let ods = f.required(
        "ods_code",
        &form.ods_code,
        "Enter the trust's ODS code, for example RAL",
        OdsCode::parse,
    );
    let profile = parse_profile(&mut f, &form);
    let mut existing_org = None;
    let mut new_org = None;
    if let Some(ods) = &ods {
        existing_org = Organisations::find()
            .filter(organisation::Column::OdsCode.eq(ods.as_str()))
            .one(db)
            .await?;
        match &existing_org {
            Some(org) => {
                if Participants::find()
                    .filter(participant::Column::OrganisationId.eq(org.id))
                    .one(db)
                    .await?
                    .is_some()
                {
                    f.error("ods_code", format!("{ods} is already a participant"));
                }
            }
            None => {
                // A trust not yet on record: its name and region are needed too.
                let name = f.text(
                    "organisation_name",
                    &form.organisation_name,
                    &format!("{ods} is not on record yet; enter the trust's name"),
                    200,
                );
                let region = f.required(
                    "region_code",
                    &form.region_code,
                    "Select the trust's NHS England region",
                    RegionCode::parse,
                );
                if let Some(name) = &name
                    && let Some(other) = organisation_named(db, name, &CountryCode::gb()).await?
                {
                    f.error("organisation_name", name_taken(&other));
                }
                if let (Some(name), Some(region)) = (name, region) {
                    new_org = Some((name, region));
                }
            }
        }
    }
    let (Some(ods), Some(profile)) = (ods, profile) else {
        return Err(ServiceError::Invalid(f.errors));
    };
    f.finish()?;
    let now = crate::clock::now();
    let txn = crate::services::begin_write(db).await?;
    let org = match existing_org {
        Some(org) => org,
        None => {
            let (name, region) = new_org.ok_or(ServiceError::NotFound)?;
            let org = organisation::ActiveModel {
                ods_code: Set(Some(ods.as_str().to_owned())),
                name_key: Set(NameKey::of(&name).into_inner()),
                name: Set(name.clone()),
                kind: Set(OrganisationKind::NhsTrust.code().to_owned()),
                sector: Set(Some(profile.sector.code().to_owned())),
                region_code: Set(Some(region.as_str().to_owned())),
                country_code: Set("GB".to_owned()),
                source: Set(Some("programme office".to_owned())),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(|e| match unique_violation(&e) {
                // Two requests added the same trust, or the same name, at once.
                Some(detail) if detail.contains("name_key") => {
                    ServiceError::invalid("organisation_name", name_taken_just_now(&name))
                }
                Some(_) => ServiceError::invalid("ods_code", format!("{ods} is already on record")),
                None => ServiceError::Database(e),
            })?;
            audit::record(
                &txn,
                AuditEntry::by(by, "organisation.create", "organisation", &org.id.to_string())
                    .organisation(org.id)
                    .after(json!({ "ods_code": org.ods_code, "name": org.name, "region_code": org.region_code })),
            )
            .await?;
            org
        }
    };
    let (designated_on, designated_precision) = profile.designated.to_storage();
    let accredited = profile.accredited.map(|a| a.to_storage());
    let created = participant::ActiveModel {
        organisation_id: Set(org.id),
        role: Set(profile.role.code().to_owned()),
        sector: Set(profile.sector.code().to_owned()),
        wave: Set(profile.wave),
        designated_on: Set(designated_on),
        designated_precision: Set(designated_precision.to_owned()),
        accredited_on: Set(accredited.map(|a| a.0)),
        accredited_precision: Set(accredited.map(|a| a.1.to_owned())),
        status: Set(profile.status.code().to_owned()),
        confidence: Set(Confidence::High.code().to_owned()),
        source: Set(Some("programme office".to_owned())),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(unique_as(
        "ods_code",
        format!("{ods} is already a participant"),
    ))?;
    audit::record(
        &txn,
        AuditEntry::by(
            by,
            "participant.create",
            "participant",
            &created.id.to_string(),
        )
        .organisation(org.id)
        .after(snapshot(&created)),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

pub async fn update(
    db: &DatabaseConnection,
    by: &By,
    ods_code: &str,
    form: ParticipantForm,
) -> Result<participant::Model, ServiceError> {
    by.change_programme()?;
    let (current, org) = participant_by_ods(db, ods_code).await?;
    let mut f = Fields::default();
    let profile = parse_profile(&mut f, &form);
    let version = f.version(&form.version);
    let (Some(profile), Some(version)) = (profile, version) else {
        return Err(ServiceError::Invalid(f.errors));
    };
    f.finish()?;
    let (designated_on, designated_precision) = profile.designated.to_storage();
    let accredited = profile.accredited.map(|a| a.to_storage());
    let recapped = profile.role.code() != current.role || profile.sector.code() != current.sector;
    // Named before `BEGIN`, so it can be claimed first (lock order: group,
    // participant, allocation).
    let group = if recapped {
        crate::store::funding::group_of(db, current.id)
            .await?
            .map(|(id, _)| id)
    } else {
        None
    };
    let result = async {
        let txn = crate::services::begin_write(db).await?;
        if let Some(group) = group {
            super::concurrency::claim_cap_group(&txn, group).await?;
        }
        // The versioned update claims the participant: from here no
        // allocation to it can be recorded until this commits or rolls back.
        let updated = update_versioned::<Participants, _>(
            &txn,
            Versioned {
                id: participant::Column::Id,
                version: participant::Column::Version,
                updated_at: participant::Column::UpdatedAt,
            },
            current.id,
            version,
            vec![
                (participant::Column::Role, Expr::value(profile.role.code())),
                (
                    participant::Column::Sector,
                    Expr::value(profile.sector.code()),
                ),
                (participant::Column::Wave, Expr::value(profile.wave.clone())),
                (
                    participant::Column::DesignatedOn,
                    Expr::value(designated_on),
                ),
                (
                    participant::Column::DesignatedPrecision,
                    Expr::value(designated_precision),
                ),
                (
                    participant::Column::AccreditedOn,
                    Expr::value(accredited.map(|a| a.0)),
                ),
                (
                    participant::Column::AccreditedPrecision,
                    Expr::value(accredited.map(|a| a.1)),
                ),
                (
                    participant::Column::Status,
                    Expr::value(profile.status.code()),
                ),
            ],
        )
        .await?;
        if recapped {
            // A new role or sector brings a new cap; the money already
            // allocated (read under the claim) must fit it, and its group's
            // shared cap still holds.
            let caps = crate::store::funding::cap_table(&txn).await?;
            let allocated: Vec<Pence> = Allocations::find()
                .filter(allocation::Column::ParticipantId.eq(current.id))
                .all(&txn)
                .await?
                .into_iter()
                .filter_map(|a| Pence::new(a.central_pence).ok())
                .collect();
            if !allocated.is_empty()
                && let Err(e) = check_allocation(
                    ods_code,
                    profile.role,
                    profile.sector,
                    &caps,
                    &allocated,
                    Pence::ZERO,
                )
            {
                return Err(ServiceError::invalid(
                    "role",
                    format!("Cannot change role or sector: {e}"),
                ));
            }
            match crate::store::funding::group_of(&txn, current.id).await? {
                Some((id, rule)) if Some(id) == group => {
                    let members = crate::store::funding::group_allocations(&txn, id, None).await?;
                    if let Err(e) = check_group_allocation(&rule, ods_code, &members, Pence::ZERO) {
                        return Err(ServiceError::invalid(
                            "role",
                            format!("Cannot change role or sector: {e}"),
                        ));
                    }
                }
                None if group.is_none() => {}
                // The membership moved since it was read: try again.
                _ => return Err(ServiceError::Conflict),
            }
        }
        audit::record(
            &txn,
            AuditEntry::by(
                by,
                "participant.update",
                "participant",
                &current.id.to_string(),
            )
            .organisation(org.id)
            .before(snapshot(&current))
            .after(snapshot(&updated)),
        )
        .await?;
        txn.commit().await?;
        Ok(updated)
    }
    .await;
    result.map_err(super::concurrency::settle)
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PairingForm {
    pub exemplar_ods_code: String,
}

/// Pairs a fast follower with its exemplar (empty: removes the pairing).
pub async fn set_pairing(
    db: &DatabaseConnection,
    by: &By,
    ods_code: &str,
    form: PairingForm,
) -> Result<(), ServiceError> {
    by.change_programme()?;
    let (follower, org) = participant_by_ods(db, ods_code).await?;
    if follower.role != Role::FastFollower.code() {
        return Err(ServiceError::invalid(
            "exemplar_ods_code",
            "Only fast followers are paired with an exemplar",
        ));
    }
    let existing = Pairings::find()
        .filter(pairing::Column::FastFollowerId.eq(follower.id))
        .one(db)
        .await?;
    let exemplar = if form.exemplar_ods_code.trim().is_empty() {
        None
    } else {
        let (exemplar, _) = participant_by_ods(db, &form.exemplar_ods_code)
            .await
            .map_err(|_| {
                ServiceError::invalid("exemplar_ods_code", "Select an exemplar from the list")
            })?;
        if exemplar.role != Role::GlobalDigitalExemplar.code() {
            return Err(ServiceError::invalid(
                "exemplar_ods_code",
                format!(
                    "{} is not a global digital exemplar",
                    form.exemplar_ods_code.trim().to_uppercase()
                ),
            ));
        }
        Some(exemplar)
    };
    if existing.as_ref().map(|p| p.exemplar_id) == exemplar.as_ref().map(|e| e.id) {
        return Ok(());
    }
    let now = crate::clock::now();
    let txn = crate::services::begin_write(db).await?;
    if let Some(old) = &existing {
        Pairings::delete_by_id(old.id).exec(&txn).await?;
    }
    if let Some(exemplar) = &exemplar {
        pairing::ActiveModel {
            fast_follower_id: Set(follower.id),
            exemplar_id: Set(exemplar.id),
            confidence: Set(Confidence::High.code().to_owned()),
            source: Set(Some("programme office".to_owned())),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(unique_as(
            "exemplar_ods_code",
            "Someone else changed this pairing at the same moment; reload the page and try again",
        ))?;
    }
    audit::record(
        &txn,
        AuditEntry::by(by, "pairing.set", "participant", &follower.id.to_string())
            .organisation(org.id)
            .before(json!({ "exemplar_participant": existing.map(|p| p.exemplar_id) }))
            .after(json!({ "exemplar_participant": exemplar.map(|e| e.id), "exemplar_ods_code": form.exemplar_ods_code.trim().to_uppercase() })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PartnerForm {
    pub name: String,
    pub kind: String,
    pub country_code: String,
}

pub async fn create_partner(
    db: &DatabaseConnection,
    by: &By,
    form: PartnerForm,
) -> Result<organisation::Model, ServiceError> {
    by.change_programme()?;
    let mut f = Fields::default();
    let name = f.text("name", &form.name, "Enter the organisation's name", 200);
    let kind = f.required(
        "kind",
        &form.kind,
        "Select the kind of organisation",
        OrganisationKind::from_code,
    );
    let country = f.required(
        "country_code",
        &form.country_code,
        "Enter the two-letter country code, for example US",
        CountryCode::parse,
    );
    if kind == Some(OrganisationKind::NhsTrust) {
        f.error("kind", "NHS trusts are added as participants, by ODS code");
    }
    // Partners and trusts share one name space per country.
    if let (Some(name), Some(country)) = (&name, &country)
        && let Some(other) = organisation_named(db, name, country).await?
    {
        f.error("name", name_taken(&other));
    }
    let (Some(name), Some(kind), Some(country)) = (name, kind, country) else {
        return Err(ServiceError::Invalid(f.errors));
    };
    f.finish()?;
    let now = crate::clock::now();
    let txn = crate::services::begin_write(db).await?;
    let created = organisation::ActiveModel {
        ods_code: Set(None),
        name_key: Set(NameKey::of(&name).into_inner()),
        name: Set(name.clone()),
        kind: Set(kind.code().to_owned()),
        country_code: Set(country.as_str().to_owned()),
        source: Set(Some("programme office".to_owned())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(unique_as("name", name_taken_just_now(&name)))?;
    audit::record(
        &txn,
        AuditEntry::by(by, "partner.create", "organisation", &created.id.to_string())
            .after(json!({ "name": created.name, "kind": created.kind, "country_code": created.country_code })),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PartnershipForm {
    pub partner_id: String,
    pub partner_role: String,
    pub started_on: String,
    pub ended_on: String,
    pub note: String,
}

pub async fn link_partner(
    db: &DatabaseConnection,
    by: &By,
    ods_code: &str,
    form: PartnershipForm,
) -> Result<partnership::Model, ServiceError> {
    by.change_programme()?;
    let (participant, org) = participant_by_ods(db, ods_code).await?;
    let mut f = Fields::default();
    let partner = match form.partner_id.trim().parse::<i32>() {
        Ok(id) => Organisations::find_by_id(id)
            .one(db)
            .await?
            .filter(|o| o.ods_code.is_none()),
        Err(_) => None,
    };
    if partner.is_none() {
        f.error("partner_id", "Select a partner organisation");
    }
    let role = f.required(
        "partner_role",
        &form.partner_role,
        "Select the partner's role",
        PartnershipRole::from_code,
    );
    let started = f.optional("started_on", &form.started_on, ApproxDate::parse);
    let ended = f.optional("ended_on", &form.ended_on, ApproxDate::parse);
    let note = f.optional_text("note", &form.note, 500);
    if let (Some(Some(s)), Some(Some(e))) = (started, ended)
        && e.date < s.date
    {
        f.error("ended_on", "The end date cannot be before the start date");
    }
    if let (Some(partner), Some(role)) = (&partner, role)
        && Partnerships::find()
            .filter(partnership::Column::ParticipantId.eq(participant.id))
            .filter(partnership::Column::PartnerId.eq(partner.id))
            .filter(partnership::Column::Role.eq(role.code()))
            .one(db)
            .await?
            .is_some()
    {
        f.error(
            "partner_id",
            format!(
                "{} is already linked as {}",
                partner.name,
                role.label().to_lowercase()
            ),
        );
    }
    let (Some(partner), Some(role), Some(started), Some(ended), Some(note)) =
        (partner, role, started, ended, note)
    else {
        return Err(ServiceError::Invalid(f.errors));
    };
    f.finish()?;
    let now = crate::clock::now();
    let started = started.map(|d| d.to_storage());
    let ended = ended.map(|d| d.to_storage());
    let txn = crate::services::begin_write(db).await?;
    let created = partnership::ActiveModel {
        participant_id: Set(participant.id),
        partner_id: Set(partner.id),
        role: Set(role.code().to_owned()),
        started_on: Set(started.map(|s| s.0)),
        started_precision: Set(started.map(|s| s.1.to_owned())),
        ended_on: Set(ended.map(|s| s.0)),
        ended_precision: Set(ended.map(|s| s.1.to_owned())),
        confidence: Set(Confidence::High.code().to_owned()),
        source: Set(Some("programme office".to_owned())),
        note: Set(note),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(unique_as(
        "partner_id",
        format!(
            "{} is already linked as {}",
            partner.name,
            role.label().to_lowercase()
        ),
    ))?;
    audit::record(
        &txn,
        AuditEntry::by(by, "partnership.create", "participant", &participant.id.to_string())
            .organisation(org.id)
            .after(json!({ "partner": partner.name, "role": role.code(),
                           "started_on": started.map(|s| s.0.to_string()), "ended_on": ended.map(|s| s.0.to_string()) })),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}
