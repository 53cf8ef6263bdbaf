//! Partner organisations (international partners, suppliers, universities)
//! and the participants each works with.
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::decode;
use crate::domain::participant::{Confidence, OrganisationKind, PartnershipRole};
use crate::domain::programme::{PartnerLink, PartnerSummary};
use crate::entities::{self as e, Organisations, Participants, Partnerships};

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<PartnerSummary>, DbErr> {
    let partners = Organisations::find()
        .filter(e::organisation::Column::OdsCode.is_null())
        .order_by_asc(e::organisation::Column::Name)
        .all(db)
        .await?;
    let trusts: HashMap<i32, e::organisation::Model> = Organisations::find()
        .filter(e::organisation::Column::OdsCode.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let participant_org: HashMap<i32, i32> = Participants::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.organisation_id))
        .collect();
    let mut links_by_partner: HashMap<i32, Vec<PartnerLink>> = HashMap::new();
    for link in Partnerships::find().all(db).await? {
        let Some(org) = participant_org
            .get(&link.participant_id)
            .and_then(|id| trusts.get(id))
        else {
            continue;
        };
        links_by_partner
            .entry(link.partner_id)
            .or_default()
            .push(PartnerLink {
                organisation_id: org.id,
                ods_code: org.ods_code.clone().unwrap_or_default(),
                participant_name: org.name.clone(),
                role: decode("partnership role", PartnershipRole::from_code(&link.role))?,
                confidence: decode("confidence", Confidence::from_code(&link.confidence))?,
            });
    }
    partners
        .into_iter()
        .map(|p| {
            let mut links = links_by_partner.remove(&p.id).unwrap_or_default();
            links.sort_by(|a, b| a.participant_name.cmp(&b.participant_name));
            Ok(PartnerSummary {
                id: p.id,
                kind: decode("organisation kind", OrganisationKind::from_code(&p.kind))?,
                name: p.name,
                country_code: p.country_code,
                links,
            })
        })
        .collect()
}

/// Partner organisations as they stood at the end of `as_at` (UK time)
/// (`store::snapshot::models_at`), with their links to the participants
/// in `participants` (those on record then). Partnerships are not
/// versioned: a link counts from when it was recorded (`created_at`) and
/// its start date, if any, both by then.
pub async fn list_at(
    db: &impl ConnectionTrait,
    as_at: time::Date,
    participants: &std::collections::HashSet<i32>,
) -> Result<Vec<PartnerSummary>, DbErr> {
    use super::snapshot::models_at;
    let cutoff = crate::domain::snapshot::end_of(as_at);
    let organisations = models_at::<Organisations>(db, as_at).await?;
    let trusts: HashMap<i32, &e::organisation::Model> = organisations
        .iter()
        .filter(|o| o.ods_code.is_some())
        .map(|o| (o.id, o))
        .collect();
    let participant_org: HashMap<i32, i32> = models_at::<Participants>(db, as_at)
        .await?
        .into_iter()
        .filter(|p| participants.contains(&p.id))
        .map(|p| (p.id, p.organisation_id))
        .collect();
    let mut links_by_partner: HashMap<i32, Vec<PartnerLink>> = HashMap::new();
    for link in Partnerships::find().all(db).await? {
        if link.created_at > cutoff || link.started_on.is_some_and(|d| d > as_at) {
            continue;
        }
        let Some(org) = participant_org
            .get(&link.participant_id)
            .and_then(|id| trusts.get(id))
        else {
            continue;
        };
        links_by_partner
            .entry(link.partner_id)
            .or_default()
            .push(PartnerLink {
                organisation_id: org.id,
                ods_code: org.ods_code.clone().unwrap_or_default(),
                participant_name: org.name.clone(),
                role: decode("partnership role", PartnershipRole::from_code(&link.role))?,
                confidence: decode("confidence", Confidence::from_code(&link.confidence))?,
            });
    }
    let mut partners: Vec<&e::organisation::Model> = organisations
        .iter()
        .filter(|o| o.ods_code.is_none())
        .collect();
    partners.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    partners
        .into_iter()
        .map(|p| {
            let mut links = links_by_partner.remove(&p.id).unwrap_or_default();
            links.sort_by(|a, b| a.participant_name.cmp(&b.participant_name));
            Ok(PartnerSummary {
                id: p.id,
                kind: decode("organisation kind", OrganisationKind::from_code(&p.kind))?,
                name: p.name.clone(),
                country_code: p.country_code.clone(),
                links,
            })
        })
        .collect()
}
