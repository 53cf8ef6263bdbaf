//! Allocations with their recipient, profile and released tranches, for the
//! 360Giving publication.
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::decode;
use crate::domain::financial_year::FinancialYear;
use crate::domain::grants::{Disbursement, GrantRecord};
use crate::domain::money::Pence;
use crate::domain::participant::{Role, Sector};
use crate::entities::{
    AllocationProfiles, Allocations, Organisations, Participants, Tranches, allocation,
    allocation_profile, tranche,
};

/// Every allocation, ordered by recipient ODS code and reference.
pub async fn grant_records(db: &impl ConnectionTrait) -> Result<Vec<GrantRecord>, DbErr> {
    let organisations: HashMap<i32, (String, String)> = Organisations::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, (o.ods_code.unwrap_or_default(), o.name)))
        .collect();
    let participants: HashMap<i32, (i32, String, String)> = Participants::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, (p.organisation_id, p.role, p.sector)))
        .collect();
    let mut profiles: HashMap<i32, Vec<(FinancialYear, Pence)>> = HashMap::new();
    for row in AllocationProfiles::find()
        .order_by_asc(allocation_profile::Column::FinancialYear)
        .all(db)
        .await?
    {
        profiles.entry(row.allocation_id).or_default().push((
            decode("financial year", FinancialYear::new(row.financial_year))?,
            decode("profile amount", Pence::new(row.amount_pence))?,
        ));
    }
    let mut released: HashMap<i32, Vec<Disbursement>> = HashMap::new();
    for row in Tranches::find()
        .filter(tranche::Column::ReleasedOn.is_not_null())
        .order_by_asc(tranche::Column::ReleasedOn)
        .order_by_asc(tranche::Column::Id)
        .all(db)
        .await?
    {
        if let Some(released_on) = row.released_on {
            released
                .entry(row.allocation_id)
                .or_default()
                .push(Disbursement {
                    tranche_id: row.id,
                    name: row.name,
                    amount: decode("tranche amount", Pence::new(row.amount_pence))?,
                    released_on,
                });
        }
    }
    let mut records = Vec::new();
    for a in Allocations::find()
        .order_by_asc(allocation::Column::Id)
        .all(db)
        .await?
    {
        let Some((organisation_id, role, sector)) = participants.get(&a.participant_id) else {
            continue;
        };
        let Some((ods_code, name)) = organisations.get(organisation_id) else {
            continue;
        };
        records.push(GrantRecord {
            ods_code: ods_code.clone(),
            recipient_name: name.clone(),
            role: decode("role", Role::from_code(role))?,
            sector: decode("sector", Sector::from_code(sector))?,
            reference: a.reference,
            central: decode("central funding", Pence::new(a.central_pence))?,
            local_match: decode("local match", Pence::new(a.local_match_pence))?,
            awarded_on: a.awarded_on,
            profile: profiles.remove(&a.id).unwrap_or_default(),
            released: released.remove(&a.id).unwrap_or_default(),
            illustrative: a.illustrative,
            modified_at: a.updated_at,
        });
    }
    records.sort_by(|x, y| (&x.ods_code, &x.reference).cmp(&(&y.ods_code, &y.reference)));
    Ok(records)
}
