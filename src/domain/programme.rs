//! Read models of the programme: plain structs of domain values that the
//! store builds and the services hand to views, reports and the CLI, with
//! the pure rules over them (list filters and sorting, programme totals).
//! Nothing here knows about the database or HTTP.
use time::Date;

use crate::domain::dates::ApproxDate;
use crate::domain::financial_year::FinancialYear;
use crate::domain::funding::Headroom;
use crate::domain::maturity::MaturityScale;
use crate::domain::milestone::{MilestoneCategory, MilestoneStatus, Timeliness};
use crate::domain::money::Pence;
use crate::domain::participant::{
    Confidence, OrganisationKind, ParticipantStatus, PartnershipRole, Role, Sector,
};
use crate::domain::region::RegionCode;
use crate::domain::tranche::TrancheKind;

/// Per participant: (central allocated, local match, released) in pence.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MoneyTotals {
    pub allocated: Pence,
    pub local_match: Pence,
    pub released: Pence,
}

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
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Filter {
    pub role: Option<Role>,
    pub sector: Option<Sector>,
    pub region: Option<RegionCode>,
}

/// A filter value refused: which filter (`role`, `sector`, `region`) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterRefusal {
    pub filter: &'static str,
    pub reason: String,
}

impl std::fmt::Display for FilterRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.filter, self.reason)
    }
}

impl Filter {
    /// The filter from its values as typed (codes; blank is "any"), or the
    /// first value that is not one of its filter's codes. The lists, the
    /// dashboard, the downloads and `gde export` all read filters with it.
    pub fn parse(role: &str, sector: &str, region: &str) -> Result<Filter, FilterRefusal> {
        fn one<T, E: std::fmt::Display>(
            filter: &'static str,
            value: &str,
            parse: impl Fn(&str) -> Result<T, E>,
        ) -> Result<Option<T>, FilterRefusal> {
            let value = value.trim();
            if value.is_empty() {
                return Ok(None);
            }
            parse(value).map(Some).map_err(|e| FilterRefusal {
                filter,
                reason: e.to_string(),
            })
        }
        Ok(Filter {
            role: one("role", role, Role::from_code)?,
            sector: one("sector", sector, Sector::from_code)?,
            region: one("region", region, RegionCode::parse)?,
        })
    }

    /// Does a participant of this role, sector and region pass? (The lists,
    /// the dashboard and the briefing all filter with this one rule.)
    pub fn admits(&self, role: Role, sector: Sector, region: Option<&RegionCode>) -> bool {
        self.role.is_none_or(|r| r == role)
            && self.sector.is_none_or(|sec| sec == sector)
            && self.region.as_ref().is_none_or(|r| region == Some(r))
    }

    pub fn matches(&self, s: &ParticipantSummary) -> bool {
        self.admits(s.role, s.sector, s.region.as_ref())
    }
}

/// A participants list request in domain terms: filters, sort column, direction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ListRequest {
    pub filter: Filter,
    pub sort: SortKey,
    pub descending: bool,
    /// Which page of the list, and how long a page is.
    pub page: crate::domain::pagination::PageRequest,
}

/// The columns a participants list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
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

/// A partner organisation and the participants it works with.
#[derive(Debug, Clone)]
pub struct PartnerSummary {
    pub id: i32,
    pub name: String,
    pub kind: OrganisationKind,
    pub country_code: String,
    pub links: Vec<PartnerLink>,
}

#[derive(Debug, Clone)]
pub struct PartnerLink {
    pub organisation_id: i32,
    pub ods_code: String,
    pub participant_name: String,
    pub role: PartnershipRole,
    pub confidence: Confidence,
}

/// The organisation behind a participant, as its page shows it.
#[derive(Debug, Clone)]
pub struct OrganisationFacts {
    pub id: i32,
    pub name: String,
    pub ods_code: Option<String>,
    /// The NHS England region the organisation was in in 2017, if recorded.
    pub region_2017: Option<RegionCode>,
    pub name_at_designation: Option<String>,
    pub closed_on: Option<Date>,
}

/// The organisation that took over a closed one: (name, ODS code).
#[derive(Debug, Clone)]
pub struct Successor {
    pub name: String,
    pub ods_code: Option<String>,
}

/// One participant in full: organisation, pairing, partners, money and milestones.
#[derive(Debug, Clone)]
pub struct ParticipantDetail {
    pub summary: ParticipantSummary,
    pub organisation: OrganisationFacts,
    pub successor: Option<Successor>,
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
    /// What a change request sends back.
    pub version: i32,
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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_filter_is_read_from_codes_with_blank_meaning_any() {
        let f = Filter::parse(" fast_follower ", "", "Y56").expect("valid codes");
        assert_eq!(f.role, Some(Role::FastFollower));
        assert_eq!(f.sector, None);
        assert_eq!(f.region.map(|r| r.to_string()).as_deref(), Some("Y56"));
        assert_eq!(Filter::parse("", "  ", ""), Ok(Filter::default()));
    }

    #[test]
    fn a_bad_filter_value_is_refused_naming_its_filter() {
        let refused = Filter::parse("", "dental", "").expect_err("not a sector");
        assert_eq!(refused.filter, "sector");
        assert!(refused.to_string().starts_with("sector: "), "{refused}");
        assert_eq!(Filter::parse("leader", "", "").unwrap_err().filter, "role");
        assert_eq!(
            Filter::parse("", "", "nowhere").unwrap_err().filter,
            "region"
        );
    }

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
