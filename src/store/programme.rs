//! The programme at a glance: one summary row per participant, and the
//! overview totals computed from those same rows so the two always agree.
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use time::Date;

use super::decode;
use super::funding::{MoneyTotals, totals_by_participant};
use crate::domain::dates::ApproxDate;
use crate::domain::milestone::{MilestoneStatus, Timeliness, timeliness};
use crate::domain::money::Pence;
use crate::domain::participant::{ParticipantStatus, Role, Sector};
use crate::domain::region::RegionCode;
use crate::entities::{self as e, Milestones, Organisations, Pairings, Participants};

/// Milestones of one participant (or the programme) by where they stand today.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MilestoneCounts {
    pub total: usize,
    pub complete: usize,
    pub overdue: usize,
    pub due_soon: usize,
    pub not_yet_due: usize,
    pub cancelled: usize,
}

impl MilestoneCounts {
    pub fn add(&mut self, t: Timeliness) {
        self.total += 1;
        match t {
            Timeliness::Complete => self.complete += 1,
            Timeliness::Overdue => self.overdue += 1,
            Timeliness::DueSoon => self.due_soon += 1,
            Timeliness::NotYetDue => self.not_yet_due += 1,
            Timeliness::Cancelled => self.cancelled += 1,
        }
    }

    pub fn merge(&mut self, other: &MilestoneCounts) {
        self.total += other.total;
        self.complete += other.complete;
        self.overdue += other.overdue;
        self.due_soon += other.due_soon;
        self.not_yet_due += other.not_yet_due;
        self.cancelled += other.cancelled;
    }
}

#[derive(Debug, Clone)]
pub struct ParticipantSummary {
    pub id: i32,
    pub organisation_id: i32,
    pub ods_code: String,
    pub name: String,
    /// The name the programme knew it by, when the organisation has since been renamed.
    pub designated_name: Option<String>,
    pub role: Role,
    pub sector: Sector,
    pub wave: String,
    pub region: Option<RegionCode>,
    pub designated: ApproxDate,
    pub status: ParticipantStatus,
    /// For a fast follower: its exemplar's (ODS code, name).
    pub exemplar: Option<(String, String)>,
    pub money: MoneyTotals,
    pub milestones: MilestoneCounts,
    pub closed_on: Option<Date>,
}

impl ParticipantSummary {
    /// Central funding must be matched locally; the shortfall when it is not.
    pub fn match_shortfall(&self) -> Option<Pence> {
        crate::domain::funding::match_shortfall(self.money.allocated, self.money.local_match)
    }
}

/// Every participant, ordered by role, then sector, then name.
pub async fn participant_summaries(
    db: &impl ConnectionTrait,
    today: Date,
) -> Result<Vec<ParticipantSummary>, DbErr> {
    summaries_of(db, today, None).await
}

/// One participant's summary row, without reading every participant's milestones.
pub async fn participant_summary(
    db: &impl ConnectionTrait,
    today: Date,
    participant_id: i32,
) -> Result<Option<ParticipantSummary>, DbErr> {
    Ok(summaries_of(db, today, Some(participant_id))
        .await?
        .into_iter()
        .next())
}

async fn summaries_of(
    db: &impl ConnectionTrait,
    today: Date,
    only: Option<i32>,
) -> Result<Vec<ParticipantSummary>, DbErr> {
    // Every participant is read (pairings point at other participants); only
    // the selected ones get a summary.
    let participants = Participants::find().all(db).await?;
    let organisations: HashMap<i32, e::organisation::Model> = Organisations::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let exemplar_of: HashMap<i32, i32> = Pairings::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.fast_follower_id, p.exemplar_id))
        .collect();
    let org_of_participant: HashMap<i32, i32> = participants
        .iter()
        .map(|p| (p.id, p.organisation_id))
        .collect();
    let money = totals_by_participant(db).await?;
    let milestone_counts = milestone_counts_by_participant(db, today, only).await?;

    let mut summaries = Vec::with_capacity(participants.len());
    for p in participants
        .into_iter()
        .filter(|p| only.is_none_or(|id| id == p.id))
    {
        let Some(org) = organisations.get(&p.organisation_id) else {
            return Err(DbErr::RecordNotFound(format!(
                "organisation {} of participant {}",
                p.organisation_id, p.id
            )));
        };
        let exemplar = exemplar_of
            .get(&p.id)
            .and_then(|id| org_of_participant.get(id))
            .and_then(|org_id| organisations.get(org_id))
            .map(|o| (o.ods_code.clone().unwrap_or_default(), o.name.clone()));
        summaries.push(ParticipantSummary {
            id: p.id,
            organisation_id: p.organisation_id,
            ods_code: org.ods_code.clone().unwrap_or_default(),
            name: org.name.clone(),
            designated_name: org
                .name_at_designation
                .clone()
                .filter(|n| !n.eq_ignore_ascii_case(&org.name)),
            role: decode("role", Role::from_code(&p.role))?,
            sector: decode("sector", Sector::from_code(&p.sector))?,
            wave: p.wave,
            region: org
                .region_code
                .as_deref()
                .map(|r| decode("region", RegionCode::parse(r)))
                .transpose()?,
            designated: decode(
                "designation date",
                ApproxDate::from_storage(p.designated_on, &p.designated_precision),
            )?,
            status: decode("status", ParticipantStatus::from_code(&p.status))?,
            exemplar,
            money: money.get(&p.id).copied().unwrap_or_default(),
            milestones: milestone_counts.get(&p.id).copied().unwrap_or_default(),
            closed_on: org.closed_on,
        });
    }
    summaries.sort_by(|a, b| {
        (a.role.code(), a.sector.code(), &a.name).cmp(&(b.role.code(), b.sector.code(), &b.name))
    });
    Ok(summaries)
}

async fn milestone_counts_by_participant(
    db: &impl ConnectionTrait,
    today: Date,
    only: Option<i32>,
) -> Result<HashMap<i32, MilestoneCounts>, DbErr> {
    use e::milestone::Column;
    let mut query = Milestones::find();
    if let Some(id) = only {
        query = query.filter(Column::ParticipantId.eq(id));
    }
    let rows: Vec<(i32, String, Option<Date>, Date)> = query
        .select_only()
        .columns([
            Column::ParticipantId,
            Column::Status,
            Column::ForecastOn,
            Column::BaselineOn,
        ])
        .into_tuple()
        .all(db)
        .await?;
    let mut counts: HashMap<i32, MilestoneCounts> = HashMap::new();
    for (participant_id, status, forecast, baseline) in rows {
        let status = decode("milestone status", MilestoneStatus::from_code(&status))?;
        counts
            .entry(participant_id)
            .or_default()
            .add(timeliness(status, forecast, baseline, today));
    }
    Ok(counts)
}

/// Programme totals, computed from the summary rows.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    /// Participants by (role, sector), in display order.
    pub by_role_sector: Vec<(Role, Sector, usize)>,
    pub allocated: Pence,
    pub local_match: Pence,
    pub released: Pence,
    pub milestones: MilestoneCounts,
    pub match_shortfalls: usize,
}

pub fn overview(summaries: &[ParticipantSummary]) -> Overview {
    let mut overview = Overview::default();
    for s in summaries {
        match overview
            .by_role_sector
            .iter_mut()
            .find(|(r, sec, _)| *r == s.role && *sec == s.sector)
        {
            Some(entry) => entry.2 += 1,
            None => overview.by_role_sector.push((s.role, s.sector, 1)),
        }
        overview.allocated = overview.allocated.saturating_add(s.money.allocated);
        overview.local_match = overview.local_match.saturating_add(s.money.local_match);
        overview.released = overview.released.saturating_add(s.money.released);
        overview.milestones.merge(&s.milestones);
        if s.match_shortfall().is_some() {
            overview.match_shortfalls += 1;
        }
    }
    overview
}

/// Which participants a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub role: Option<Role>,
    pub sector: Option<Sector>,
    pub region: Option<RegionCode>,
}

impl Filter {
    pub fn matches(&self, s: &ParticipantSummary) -> bool {
        self.role.is_none_or(|r| r == s.role)
            && self.sector.is_none_or(|sec| sec == s.sector)
            && self
                .region
                .as_ref()
                .is_none_or(|r| s.region.as_ref() == Some(r))
    }
}

/// A participants list request in domain terms: filters, sort column, direction.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    pub filter: Filter,
    pub sort: SortKey,
    pub descending: bool,
}

/// The columns a participants list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Name,
    OdsCode,
    Role,
    Sector,
    Region,
    Designated,
    Allocated,
    Released,
    Overdue,
}

impl SortKey {
    pub const ALL: &'static [SortKey] = &[
        SortKey::Name,
        SortKey::OdsCode,
        SortKey::Role,
        SortKey::Sector,
        SortKey::Region,
        SortKey::Designated,
        SortKey::Allocated,
        SortKey::Released,
        SortKey::Overdue,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::OdsCode => "ods",
            SortKey::Role => "role",
            SortKey::Sector => "sector",
            SortKey::Region => "region",
            SortKey::Designated => "designated",
            SortKey::Allocated => "allocated",
            SortKey::Released => "released",
            SortKey::Overdue => "overdue",
        }
    }

    pub fn from_code(code: &str) -> Result<SortKey, String> {
        SortKey::ALL
            .iter()
            .copied()
            .find(|k| k.code() == code)
            .ok_or_else(|| {
                let allowed: Vec<&str> = SortKey::ALL.iter().map(|k| k.code()).collect();
                format!(
                    "sort: {code:?} is not a column you can sort by; use one of {}",
                    allowed.join(", ")
                )
            })
    }
}

/// Filters and sorts summaries; ties fall back to the name so the order is stable.
pub fn select(
    summaries: &[ParticipantSummary],
    filter: &Filter,
    sort: SortKey,
    descending: bool,
) -> Vec<ParticipantSummary> {
    let mut rows: Vec<ParticipantSummary> = summaries
        .iter()
        .filter(|s| filter.matches(s))
        .cloned()
        .collect();
    rows.sort_by(|a, b| {
        let primary = match sort {
            SortKey::Name => std::cmp::Ordering::Equal,
            SortKey::OdsCode => a.ods_code.cmp(&b.ods_code),
            SortKey::Role => a.role.label().cmp(b.role.label()),
            SortKey::Sector => a.sector.label().cmp(b.sector.label()),
            SortKey::Region => region_name(a).cmp(region_name(b)),
            SortKey::Designated => a.designated.date.cmp(&b.designated.date),
            SortKey::Allocated => a.money.allocated.cmp(&b.money.allocated),
            SortKey::Released => a.money.released.cmp(&b.money.released),
            SortKey::Overdue => a.milestones.overdue.cmp(&b.milestones.overdue),
        };
        let ordering = primary.then_with(|| a.name.cmp(&b.name));
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
    rows
}

fn region_name(s: &ParticipantSummary) -> &str {
    s.region.as_ref().map(|r| r.name()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn summary(
        name: &str,
        role: Role,
        sector: Sector,
        region: &str,
        allocated: i64,
    ) -> ParticipantSummary {
        ParticipantSummary {
            id: 0,
            organisation_id: 0,
            ods_code: name[..3].to_uppercase(),
            name: name.to_owned(),
            designated_name: None,
            role,
            sector,
            wave: "1".into(),
            region: Some(RegionCode::parse(region).unwrap()),
            designated: ApproxDate::parse("2016-09").unwrap(),
            status: ParticipantStatus::Active,
            exemplar: None,
            money: MoneyTotals {
                allocated: Pence::new(allocated).unwrap(),
                local_match: Pence::new(allocated / 2).unwrap(),
                released: Pence::ZERO,
            },
            milestones: MilestoneCounts::default(),
            closed_on: None,
        }
    }

    fn sample() -> Vec<ParticipantSummary> {
        vec![
            summary(
                "Charlie",
                Role::GlobalDigitalExemplar,
                Sector::Acute,
                "Y56",
                300,
            ),
            summary("Alpha", Role::FastFollower, Sector::Acute, "Y62", 100),
            summary(
                "Bravo",
                Role::GlobalDigitalExemplar,
                Sector::MentalHealth,
                "Y56",
                200,
            ),
        ]
    }

    fn names(rows: &[ParticipantSummary]) -> Vec<&str> {
        rows.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn filters_combine() {
        let filter = Filter {
            role: Some(Role::GlobalDigitalExemplar),
            region: Some(RegionCode::parse("Y56").unwrap()),
            ..Filter::default()
        };
        assert_eq!(
            names(&select(&sample(), &filter, SortKey::Name, false)),
            ["Bravo", "Charlie"]
        );
        let filter = Filter {
            sector: Some(Sector::Ambulance),
            ..Filter::default()
        };
        assert!(select(&sample(), &filter, SortKey::Name, false).is_empty());
    }

    #[test]
    fn sorts_by_money_either_way() {
        let rows = select(&sample(), &Filter::default(), SortKey::Allocated, false);
        assert_eq!(names(&rows), ["Alpha", "Bravo", "Charlie"]);
        let rows = select(&sample(), &Filter::default(), SortKey::Allocated, true);
        assert_eq!(names(&rows), ["Charlie", "Bravo", "Alpha"]);
    }

    #[test]
    fn overview_totals_add_up_the_rows() {
        let o = overview(&sample());
        assert_eq!(o.allocated, Pence::new(600).unwrap());
        assert_eq!(o.local_match, Pence::new(300).unwrap());
        assert_eq!(o.match_shortfalls, 3);
        let total: usize = o.by_role_sector.iter().map(|(_, _, n)| n).sum();
        assert_eq!(total, 3);
    }

    #[test]
    fn unknown_sort_key_is_explained() {
        assert!(SortKey::from_code("bogus").unwrap_err().contains("sort"));
        assert_eq!(SortKey::from_code("ods").unwrap(), SortKey::OdsCode);
    }

    #[test]
    fn milestone_counts_add_by_timeliness() {
        let mut c = MilestoneCounts::default();
        c.add(Timeliness::Overdue);
        c.add(Timeliness::Complete);
        assert_eq!((c.total, c.overdue, c.complete), (2, 1, 1));
        let _ = date!(2020 - 01 - 01);
    }
}
