//! One participant in full: organisation, pairing, partners, money and milestones.
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use time::Date;

use super::decode;
use crate::domain::dates::ApproxDate;
use crate::domain::financial_year::FinancialYear;
use crate::domain::maturity::MaturityScale;
use crate::domain::milestone::{MilestoneCategory, MilestoneStatus};
use crate::domain::money::Pence;
use crate::domain::participant::{Confidence, PartnershipRole, Role};
use crate::domain::programme::{
    AllocationView, MaturityView, MilestoneView, OrganisationFacts, ParticipantDetail,
    PartnershipView, Successor, TrancheView,
};
use crate::domain::region::RegionCode;
use crate::domain::tranche::TrancheKind;
use crate::entities::{
    self as e, AllocationProfiles, Allocations, MaturityAssessments, Milestones, Organisations,
    Pairings, Participants, Partnerships, Tranches,
};
use crate::store::programme::participant_summary;

/// The participant whose organisation has this ODS code, if any. With
/// `within` set, only that organisation is looked at: anything else reads as
/// absent, so a caller limited to one organisation learns nothing of others.
pub async fn by_ods_code(
    db: &impl ConnectionTrait,
    ods_code: &str,
    within: Option<i32>,
    today: Date,
) -> Result<Option<ParticipantDetail>, DbErr> {
    let mut query = Organisations::find().filter(e::organisation::Column::OdsCode.eq(ods_code));
    if let Some(id) = within {
        query = query.filter(e::organisation::Column::Id.eq(id));
    }
    let Some(organisation) = query.one(db).await? else {
        return Ok(None);
    };
    let Some(participant) = Participants::find()
        .filter(e::participant::Column::OrganisationId.eq(organisation.id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    // The summary row comes from the same code as the lists, so figures agree.
    let Some(summary) = participant_summary(db, today, participant.id).await? else {
        return Ok(None);
    };
    let successor = match organisation.successor_id {
        Some(id) => Organisations::find_by_id(id)
            .one(db)
            .await?
            .map(|o| Successor {
                name: o.name,
                ods_code: o.ods_code,
            }),
        None => None,
    };

    // Pairings in both directions, this participant's only.
    let pairings = Pairings::find()
        .filter(
            sea_orm::Condition::any()
                .add(e::pairing::Column::FastFollowerId.eq(participant.id))
                .add(e::pairing::Column::ExemplarId.eq(participant.id)),
        )
        .all(db)
        .await?;
    let pairing_confidence = pairings
        .iter()
        .find(|p| p.fast_follower_id == participant.id)
        .map(|p| decode("confidence", Confidence::from_code(&p.confidence)))
        .transpose()?;
    let follower_ids: Vec<i32> = pairings
        .iter()
        .filter(|p| p.exemplar_id == participant.id)
        .map(|p| p.fast_follower_id)
        .collect();
    let mut fast_followers = Vec::new();
    if !follower_ids.is_empty() {
        let followers = Participants::find()
            .filter(e::participant::Column::Id.is_in(follower_ids))
            .all(db)
            .await?;
        let org_ids: Vec<i32> = followers.iter().map(|f| f.organisation_id).collect();
        for org in Organisations::find()
            .filter(e::organisation::Column::Id.is_in(org_ids))
            .order_by_asc(e::organisation::Column::Name)
            .all(db)
            .await?
        {
            fast_followers.push((org.ods_code.unwrap_or_default(), org.name));
        }
    }

    let partnerships = partnerships_of(db, participant.id).await?;
    let allocations = allocations_of(db, participant.id).await?;
    let milestones = milestones_of(db, participant.id, today).await?;
    let maturity = MaturityAssessments::find()
        .filter(e::maturity_assessment::Column::ParticipantId.eq(participant.id))
        .order_by_asc(e::maturity_assessment::Column::AssessedOn)
        .all(db)
        .await?
        .into_iter()
        .map(|m| {
            Ok(MaturityView {
                scale: decode("scale", MaturityScale::from_code(&m.scale))?,
                score: m.score,
                assessed: decode(
                    "assessment date",
                    ApproxDate::from_storage(m.assessed_on, &m.assessed_precision),
                )?,
                illustrative: m.illustrative,
                source: m.source,
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    let caps = super::funding::cap_table(db).await?;
    let existing: Vec<Pence> = allocations.iter().map(|a| a.central).collect();
    let headroom = crate::domain::funding::headroom(&caps, summary.role, summary.sector, &existing);
    Ok(Some(ParticipantDetail {
        accredited: participant
            .accredited_on
            .map(|d| {
                decode(
                    "accreditation date",
                    ApproxDate::from_storage(
                        d,
                        participant.accredited_precision.as_deref().unwrap_or("day"),
                    ),
                )
            })
            .transpose()?,
        confidence: decode("confidence", Confidence::from_code(&participant.confidence))?,
        source: participant.source.clone(),
        summary,
        organisation: OrganisationFacts {
            id: organisation.id,
            name: organisation.name,
            ods_code: organisation.ods_code,
            region_2017: organisation
                .region_code_2017
                .as_deref()
                .and_then(|r| RegionCode::parse(r).ok()),
            name_at_designation: organisation.name_at_designation,
            closed_on: organisation.closed_on,
        },
        successor,
        fast_followers,
        pairing_confidence,
        partnerships,
        headroom,
        allocations,
        milestones,
        maturity,
    }))
}

async fn partnerships_of(
    db: &impl ConnectionTrait,
    participant_id: i32,
) -> Result<Vec<PartnershipView>, DbErr> {
    let links = Partnerships::find()
        .filter(e::partnership::Column::ParticipantId.eq(participant_id))
        .all(db)
        .await?;
    let partner_ids: Vec<i32> = links.iter().map(|l| l.partner_id).collect();
    let partners: HashMap<i32, e::organisation::Model> = Organisations::find()
        .filter(e::organisation::Column::Id.is_in(partner_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut views = Vec::new();
    for link in links {
        let Some(partner) = partners.get(&link.partner_id) else {
            continue;
        };
        views.push(PartnershipView {
            partner_name: partner.name.clone(),
            country_code: partner.country_code.clone(),
            role: decode("partnership role", PartnershipRole::from_code(&link.role))?,
            started: approx(link.started_on, link.started_precision.as_deref())?,
            ended: approx(link.ended_on, link.ended_precision.as_deref())?,
            confidence: decode("confidence", Confidence::from_code(&link.confidence))?,
            note: link.note,
        });
    }
    views.sort_by(|a, b| (a.role.code(), &a.partner_name).cmp(&(b.role.code(), &b.partner_name)));
    Ok(views)
}

fn approx(date: Option<Date>, precision: Option<&str>) -> Result<Option<ApproxDate>, DbErr> {
    date.map(|d| {
        decode(
            "date",
            ApproxDate::from_storage(d, precision.unwrap_or("day")),
        )
    })
    .transpose()
}

async fn allocations_of(
    db: &impl ConnectionTrait,
    participant_id: i32,
) -> Result<Vec<AllocationView>, DbErr> {
    let allocations = Allocations::find()
        .filter(e::allocation::Column::ParticipantId.eq(participant_id))
        .order_by_asc(e::allocation::Column::AwardedOn)
        .all(db)
        .await?;
    let milestone_refs: HashMap<i32, String> = Milestones::find()
        .filter(e::milestone::Column::ParticipantId.eq(participant_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m.reference))
        .collect();
    let mut views = Vec::new();
    for a in allocations {
        let profile = AllocationProfiles::find()
            .filter(e::allocation_profile::Column::AllocationId.eq(a.id))
            .order_by_asc(e::allocation_profile::Column::FinancialYear)
            .all(db)
            .await?
            .into_iter()
            .map(|p| {
                Ok((
                    decode("financial year", FinancialYear::new(p.financial_year))?,
                    decode("amount", Pence::new(p.amount_pence))?,
                ))
            })
            .collect::<Result<Vec<_>, DbErr>>()?;
        let tranches = Tranches::find()
            .filter(e::tranche::Column::AllocationId.eq(a.id))
            .order_by_asc(e::tranche::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(|t| {
                Ok(TrancheView {
                    id: t.id,
                    version: t.version,
                    name: t.name,
                    kind: decode("tranche kind", TrancheKind::from_code(&t.kind))?,
                    milestone_reference: t
                        .milestone_id
                        .and_then(|id| milestone_refs.get(&id).cloned()),
                    amount: decode("amount", Pence::new(t.amount_pence))?,
                    released_on: t.released_on,
                })
            })
            .collect::<Result<Vec<_>, DbErr>>()?;
        views.push(AllocationView {
            id: a.id,
            version: a.version,
            reference: a.reference,
            central: decode("central", Pence::new(a.central_pence))?,
            local_match: decode("local match", Pence::new(a.local_match_pence))?,
            awarded_on: a.awarded_on,
            illustrative: a.illustrative,
            profile,
            tranches,
        });
    }
    Ok(views)
}

async fn milestones_of(
    db: &impl ConnectionTrait,
    participant_id: i32,
    today: Date,
) -> Result<Vec<MilestoneView>, DbErr> {
    use crate::domain::milestone::{slippage_days, timeliness};
    Milestones::find()
        .filter(e::milestone::Column::ParticipantId.eq(participant_id))
        .order_by_asc(e::milestone::Column::BaselineOn)
        .order_by_asc(e::milestone::Column::Reference)
        .all(db)
        .await?
        .into_iter()
        .map(|m| {
            let status = decode("milestone status", MilestoneStatus::from_code(&m.status))?;
            Ok(MilestoneView {
                id: m.id,
                slippage_days: slippage_days(m.baseline_on, m.forecast_on, m.actual_on),
                timeliness: timeliness(status, m.forecast_on, m.baseline_on, today),
                category: decode("category", MilestoneCategory::from_code(&m.category))?,
                reference: m.reference,
                title: m.title,
                baseline_on: m.baseline_on,
                forecast_on: m.forecast_on,
                actual_on: m.actual_on,
                status,
                signed_off_on: m.signed_off_on,
                illustrative: m.illustrative,
            })
        })
        .collect()
}

/// A participant's stored row and its organisation's name, for the edit form.
pub async fn row_by_ods_code(
    db: &impl ConnectionTrait,
    ods_code: &str,
) -> Result<Option<(e::participant::Model, String)>, DbErr> {
    let Some(organisation) = Organisations::find()
        .filter(e::organisation::Column::OdsCode.eq(ods_code))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(Participants::find()
        .filter(e::participant::Column::OrganisationId.eq(organisation.id))
        .one(db)
        .await?
        .map(|p| (p, organisation.name)))
}

/// What a participant's edit page offers to link it to: exemplars to pair a
/// fast follower with, as (ODS code, label); partner organisations, as (id, label).
pub async fn link_choices(
    db: &impl ConnectionTrait,
) -> Result<(Vec<(String, String)>, Vec<(String, String)>), DbErr> {
    let orgs = Organisations::find()
        .order_by_asc(e::organisation::Column::Name)
        .all(db)
        .await?;
    let exemplar_orgs: Vec<i32> = Participants::find()
        .filter(e::participant::Column::Role.eq(Role::GlobalDigitalExemplar.code()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.organisation_id)
        .collect();
    let exemplars = orgs
        .iter()
        .filter(|o| exemplar_orgs.contains(&o.id))
        .filter_map(|o| {
            o.ods_code
                .clone()
                .map(|c| (c.clone(), format!("{} ({c})", o.name)))
        })
        .collect();
    let partners = orgs
        .iter()
        .filter(|o| o.ods_code.is_none())
        .map(|o| (o.id.to_string(), format!("{} ({})", o.name, o.country_code)))
        .collect();
    Ok((exemplars, partners))
}

/// The ODS code of the exemplar a fast follower is paired with, if any.
pub async fn exemplar_ods_code(
    db: &impl ConnectionTrait,
    fast_follower_id: i32,
) -> Result<Option<String>, DbErr> {
    let Some(pair) = Pairings::find()
        .filter(e::pairing::Column::FastFollowerId.eq(fast_follower_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(exemplar) = Participants::find_by_id(pair.exemplar_id).one(db).await? else {
        return Ok(None);
    };
    Ok(Organisations::find_by_id(exemplar.organisation_id)
        .one(db)
        .await?
        .and_then(|o| o.ods_code))
}
