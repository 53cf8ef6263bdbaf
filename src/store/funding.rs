//! Funding caps and money totals.
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Statement};

use super::decode;
use crate::domain::funding::{CapGroup, CapTable, FundingCap};
use crate::domain::money::Pence;
use crate::domain::participant::{Role, Sector};
use crate::entities::{
    Allocations, CapGroupMembers, CapGroups, FundingCaps, allocation, cap_group_member,
};

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

/// The cap group a participant belongs to, if any, with its row id (to claim).
pub async fn group_of(
    db: &impl ConnectionTrait,
    participant_id: i32,
) -> Result<Option<(i32, CapGroup)>, DbErr> {
    let Some(member) = CapGroupMembers::find()
        .filter(cap_group_member::Column::ParticipantId.eq(participant_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(group) = CapGroups::find_by_id(member.group_id).one(db).await? else {
        return Ok(None);
    };
    Ok(Some((
        group.id,
        CapGroup {
            name: group.name,
            cap: decode("group cap", Pence::new(group.cap_pence))?,
        },
    )))
}

/// Central amounts of every allocation to a group's members, leaving one out
/// (when changing it).
pub async fn group_allocations(
    db: &impl ConnectionTrait,
    group_id: i32,
    except: Option<i32>,
) -> Result<Vec<Pence>, DbErr> {
    let members: Vec<i32> = CapGroupMembers::find()
        .filter(cap_group_member::Column::GroupId.eq(group_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.participant_id)
        .collect();
    Allocations::find()
        .filter(allocation::Column::ParticipantId.is_in(members))
        .all(db)
        .await?
        .into_iter()
        .filter(|a| Some(a.id) != except)
        .map(|a| decode("allocation", Pence::new(a.central_pence)))
        .collect()
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
