//! One participant in full: organisation, pairing, partners, money and milestones.
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use time::Date;

use super::decode;
use crate::domain::dates::ApproxDate;
use crate::domain::financial_year::FinancialYear;
use crate::domain::funding::Headroom;
use crate::domain::maturity::MaturityScale;
use crate::domain::milestone::{MilestoneCategory, MilestoneStatus, Timeliness};
use crate::domain::money::Pence;
use crate::domain::participant::{Confidence, PartnershipRole};
use crate::domain::tranche::TrancheKind;
use crate::entities::{
    self as e, AllocationProfiles, Allocations, MaturityAssessments, Milestones, Organisations,
    Pairings, Participants, Partnerships, Tranches,
};
use crate::store::programme::{ParticipantSummary, participant_summary};

#[derive(Debug, Clone)]
pub struct ParticipantDetail {
    pub summary: ParticipantSummary,
    pub participant: e::participant::Model,
    pub organisation: e::organisation::Model,
    pub successor: Option<e::organisation::Model>,
    pub accredited: Option<ApproxDate>,
    pub confidence: Confidence,
    pub source: Option<String>,
    /// For an exemplar: its fast followers as (ODS code, name).
    pub fast_followers: Vec<(String, String)>,
    pub pairing_confidence: Option<Confidence>,
    pub partnerships: Vec<PartnershipView>,
    pub headroom: Option<Headroom>,
    pub allocations: Vec<AllocationView>,
    pub milestones: Vec<MilestoneView>,
    pub maturity: Vec<MaturityView>,
}

#[derive(Debug, Clone)]
pub struct PartnershipView {
    pub partner_name: String,
    pub country_code: String,
    pub role: PartnershipRole,
    pub started: Option<ApproxDate>,
    pub ended: Option<ApproxDate>,
    pub confidence: Confidence,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AllocationView {
    pub id: i32,
    pub reference: String,
    pub central: Pence,
    pub local_match: Pence,
    pub awarded_on: Date,
    pub illustrative: bool,
    pub profile: Vec<(FinancialYear, Pence)>,
    pub tranches: Vec<TrancheView>,
}

impl AllocationView {
    pub fn released(&self) -> Pence {
        self.tranches
            .iter()
            .filter(|t| t.released_on.is_some())
            .map(|t| t.amount)
            .sum()
    }
}

#[derive(Debug, Clone)]
pub struct TrancheView {
    pub id: i32,
    pub version: i32,
    pub name: String,
    pub kind: TrancheKind,
    pub milestone_reference: Option<String>,
    pub amount: Pence,
    pub released_on: Option<Date>,
}

#[derive(Debug, Clone)]
pub struct MilestoneView {
    pub id: i32,
    pub reference: String,
    pub title: String,
    pub category: MilestoneCategory,
    pub baseline_on: Date,
    pub forecast_on: Option<Date>,
    pub actual_on: Option<Date>,
    pub status: MilestoneStatus,
    pub signed_off_on: Option<Date>,
    pub slippage_days: i64,
    pub timeliness: Timeliness,
    pub illustrative: bool,
}

#[derive(Debug, Clone)]
pub struct MaturityView {
    pub scale: MaturityScale,
    pub score: i32,
    pub assessed: ApproxDate,
    pub illustrative: bool,
    pub source: Option<String>,
}

/// The participant whose organisation has this ODS code, if any.
pub async fn by_ods_code(
    db: &impl ConnectionTrait,
    ods_code: &str,
    today: Date,
) -> Result<Option<ParticipantDetail>, DbErr> {
    let Some(organisation) = Organisations::find()
        .filter(e::organisation::Column::OdsCode.eq(ods_code))
        .one(db)
        .await?
    else {
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
        Some(id) => Organisations::find_by_id(id).one(db).await?,
        None => None,
    };

    // Pairings in both directions.
    let pairings = Pairings::find().all(db).await?;
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
        participant,
        summary,
        organisation,
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
