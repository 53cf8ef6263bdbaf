//! Funding caps and money totals.
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Statement};

use super::decode;
use crate::domain::funding::{CapTable, FundingCap};
use crate::domain::money::Pence;
use crate::domain::participant::{Role, Sector};
use crate::entities::FundingCaps;

pub async fn cap_table(db: &impl ConnectionTrait) -> Result<CapTable, DbErr> {
    let mut caps = Vec::new();
    for row in FundingCaps::find().all(db).await? {
        caps.push(FundingCap {
            role: decode("role", Role::from_code(&row.role))?,
            sector: decode("sector", Sector::from_code(&row.sector))?,
            cap: decode("cap", Pence::new(row.cap_pence))?,
        });
    }
    decode("cap table", CapTable::new(caps))
}

use crate::domain::programme::MoneyTotals;

/// Sums by participant in the database. SUM of BIGINT is NUMERIC on
/// PostgreSQL, hence the casts.
pub async fn totals_by_participant(
    db: &impl ConnectionTrait,
) -> Result<std::collections::HashMap<i32, MoneyTotals>, DbErr> {
    let backend = db.get_database_backend();
    let mut totals: std::collections::HashMap<i32, MoneyTotals> = Default::default();
    let allocated = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT participant_id, CAST(SUM(central_pence) AS BIGINT) AS central, \
             CAST(SUM(local_match_pence) AS BIGINT) AS local_match \
             FROM allocations GROUP BY participant_id",
        ))
        .await?;
    for row in allocated {
        let id: i32 = row.try_get("", "participant_id")?;
        let entry = totals.entry(id).or_default();
        entry.allocated = decode("allocation total", Pence::new(row.try_get("", "central")?))?;
        entry.local_match = decode(
            "local match total",
            Pence::new(row.try_get("", "local_match")?),
        )?;
    }
    let released = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT a.participant_id, CAST(SUM(t.amount_pence) AS BIGINT) AS released \
             FROM tranches t JOIN allocations a ON a.id = t.allocation_id \
             WHERE t.released_on IS NOT NULL GROUP BY a.participant_id",
        ))
        .await?;
    for row in released {
        let id: i32 = row.try_get("", "participant_id")?;
        totals.entry(id).or_default().released =
            decode("released total", Pence::new(row.try_get("", "released")?))?;
    }
    Ok(totals)
}
