//! The programme's funding rules: caps by role and sector, tranches within an
//! allocation, financial-year profiles and local match.
//!
//! Caps are data (a [`CapTable`]) rather than code, so the programme office can
//! change them; the rules here only compare figures and explain refusals.

use std::collections::HashSet;
use std::fmt;

use super::financial_year::FinancialYear;
use super::money::Pence;
use super::participant::{Role, Sector};

/// The most central funding a participant of this role and sector may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FundingCap {
    pub role: Role,
    pub sector: Sector,
    pub cap: Pence,
}

/// The set of caps in force, at most one per role and sector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapTable(Vec<FundingCap>);

/// What is left under a participant's cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Headroom {
    pub cap: Pence,
    /// Total central allocations (including any proposed one).
    pub allocated: Pence,
    /// Cap minus allocated; zero if already over.
    pub remaining: Pence,
}

/// "an acute global digital exemplar", "a mental health fast follower".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoleInSector(pub Role, pub Sector);

impl fmt::Display for RoleInSector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sector = self.1.label().to_lowercase();
        let article = if sector.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        write!(f, "{article} {sector} {}", self.0.label().to_lowercase())
    }
}

/// Why a funding change was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FundingError {
    #[error(
        "there is no funding cap for {}, so no central funding can be allocated; set a cap for this role and sector first",
        RoleInSector(*.role, *.sector)
    )]
    NoCap { role: Role, sector: Sector },
    #[error("the cap table has two caps for {}; there can be only one per role and sector", RoleInSector(*.role, *.sector))]
    DuplicateCap { role: Role, sector: Sector },
    #[error(
        "central allocations for {participant} would total {total}, over the {cap} cap for {} by {excess}",
        RoleInSector(*.role, *.sector)
    )]
    OverCap {
        participant: String,
        role: Role,
        sector: Sector,
        cap: Pence,
        total: Pence,
        excess: Pence,
    },
    #[error(
        "with this one for {participant}, central allocations to {group} would total {total}, over their shared {cap} cap by {excess}"
    )]
    OverGroupCap {
        group: String,
        participant: String,
        cap: Pence,
        total: Pence,
        excess: Pence,
    },
    #[error("tranches would total {total}, over the {allocation} allocation by {excess}")]
    TranchesOverAllocation {
        allocation: Pence,
        total: Pence,
        excess: Pence,
    },
    #[error(
        "the financial-year profile totals {total}, which is {difference} more than the {allocation} allocation; the profile must add up exactly to the allocation"
    )]
    ProfileOver {
        allocation: Pence,
        total: Pence,
        difference: Pence,
    },
    #[error(
        "the financial-year profile totals {total}, which is {difference} less than the {allocation} allocation; the profile must add up exactly to the allocation"
    )]
    ProfileUnder {
        allocation: Pence,
        total: Pence,
        difference: Pence,
    },
    #[error(
        "financial year {year} appears more than once in the profile; give one amount per year"
    )]
    DuplicateProfileYear { year: FinancialYear },
    #[error(
        "financial year {year} is outside the years this allocation can be profiled in ({first} to {last})"
    )]
    ProfileYearOutOfRange {
        year: FinancialYear,
        first: FinancialYear,
        last: FinancialYear,
    },
    #[error("the amounts add up to more than can be recorded; check for a mistyped figure")]
    Overflow,
}

impl CapTable {
    /// Builds a table, refusing two caps for the same role and sector.
    pub fn new(caps: Vec<FundingCap>) -> Result<CapTable, FundingError> {
        let mut seen = HashSet::new();
        for c in &caps {
            if !seen.insert((c.role, c.sector)) {
                return Err(FundingError::DuplicateCap {
                    role: c.role,
                    sector: c.sector,
                });
            }
        }
        Ok(CapTable(caps))
    }

    /// The caps the programme announced: acute exemplar £10m, mental-health
    /// exemplar £5m, ambulance exemplar £5m, acute fast follower £5m,
    /// mental-health fast follower £3m.
    pub fn programme_defaults() -> CapTable {
        use Role::*;
        use Sector::*;
        let cap = |role, sector, pounds| FundingCap {
            role,
            sector,
            cap: Pence::from_pounds(pounds),
        };
        CapTable(vec![
            cap(GlobalDigitalExemplar, Acute, 10_000_000),
            cap(GlobalDigitalExemplar, MentalHealth, 5_000_000),
            cap(GlobalDigitalExemplar, Ambulance, 5_000_000),
            cap(FastFollower, Acute, 5_000_000),
            cap(FastFollower, MentalHealth, 3_000_000),
        ])
    }

    pub fn cap_for(&self, role: Role, sector: Sector) -> Option<Pence> {
        self.0
            .iter()
            .find(|c| c.role == role && c.sector == sector)
            .map(|c| c.cap)
    }

    pub fn iter(&self) -> impl Iterator<Item = &FundingCap> {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a CapTable {
    type Item = &'a FundingCap;
    type IntoIter = std::slice::Iter<'a, FundingCap>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// The allocation rule: a participant's central allocations, existing plus
/// proposed, never exceed the cap for its role and sector. Returns the
/// headroom left once the proposed allocation is made.
pub fn check_allocation(
    participant: &str,
    role: Role,
    sector: Sector,
    caps: &CapTable,
    existing: &[Pence],
    proposed: Pence,
) -> Result<Headroom, FundingError> {
    let cap = caps
        .cap_for(role, sector)
        .ok_or(FundingError::NoCap { role, sector })?;
    let total = Pence::checked_sum(existing)
        .and_then(|sum| sum.checked_add(proposed))
        .ok_or(FundingError::Overflow)?;
    match cap.checked_sub(total) {
        Some(remaining) => Ok(Headroom {
            cap,
            allocated: total,
            remaining,
        }),
        None => Err(FundingError::OverCap {
            participant: participant.to_owned(),
            role,
            sector,
            cap,
            total,
            excess: total.saturating_sub(cap),
        }),
    }
}

/// A cap shared by a group of participants, on top of each one's own cap
/// (the three ambulance exemplars shared one £5m pot).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CapGroup {
    pub name: String,
    pub cap: Pence,
}

/// The group-cap rule: the central allocations of all a group's members,
/// existing plus proposed, never exceed the group's cap. It applies in
/// addition to [`check_allocation`] (each member's own cap), never instead.
/// `existing` holds every member's allocations (leaving out one being
/// changed); `participant` names who the proposed money is for. Returns the
/// group's headroom once the proposed allocation is made.
pub fn check_group_allocation(
    group: &CapGroup,
    participant: &str,
    existing: &[Pence],
    proposed: Pence,
) -> Result<Headroom, FundingError> {
    let total = Pence::checked_sum(existing)
        .and_then(|sum| sum.checked_add(proposed))
        .ok_or(FundingError::Overflow)?;
    match group.cap.checked_sub(total) {
        Some(remaining) => Ok(Headroom {
            cap: group.cap,
            allocated: total,
            remaining,
        }),
        None => Err(FundingError::OverGroupCap {
            group: group.name.clone(),
            participant: participant.to_owned(),
            cap: group.cap,
            total,
            excess: total.saturating_sub(group.cap),
        }),
    }
}

/// Headroom under a group's cap given its members' allocations; saturates,
/// since this is for display.
pub fn group_headroom(group: &CapGroup, existing: &[Pence]) -> Headroom {
    let allocated: Pence = existing.iter().sum();
    Headroom {
        cap: group.cap,
        allocated,
        remaining: group.cap.saturating_sub(allocated),
    }
}

/// Headroom under the cap given existing allocations; `None` if no cap is set.
/// Saturates rather than failing, since this is for display.
pub fn headroom(
    caps: &CapTable,
    role: Role,
    sector: Sector,
    existing: &[Pence],
) -> Option<Headroom> {
    let cap = caps.cap_for(role, sector)?;
    let allocated: Pence = existing.iter().sum();
    Some(Headroom {
        cap,
        allocated,
        remaining: cap.saturating_sub(allocated),
    })
}

/// The tranche rule: payments released against an allocation never add up
/// to more than the allocation. Returns what remains to be released.
pub fn check_tranches(
    allocation: Pence,
    existing_tranches: &[Pence],
    proposed: Pence,
) -> Result<Pence, FundingError> {
    let total = Pence::checked_sum(existing_tranches)
        .and_then(|sum| sum.checked_add(proposed))
        .ok_or(FundingError::Overflow)?;
    allocation
        .checked_sub(total)
        .ok_or(FundingError::TranchesOverAllocation {
            allocation,
            total,
            excess: total.saturating_sub(allocation),
        })
}

/// The programme's first financial year (2016/17): profiles may always start here.
pub const PROGRAMME_FIRST_YEAR: i32 = 2016;
/// The programme's last planned financial year (2022/23).
pub const PROGRAMME_LAST_YEAR: i32 = 2022;
/// How many financial years after its award's year an allocation may be profiled into.
pub const PROFILE_YEARS_AFTER_AWARD: i32 = 4;

/// The financial years an allocation may be profiled in: from the earlier of
/// the programme's first year and the award's year, to the latest of the
/// programme's last year, the award's year + [`PROFILE_YEARS_AFTER_AWARD`]
/// and any year already profiled in this allocation. So an award made today
/// can be profiled in its own year, and an old profile stays editable.
pub fn profile_year_range(
    awarded_on: time::Date,
    already_profiled: &[FinancialYear],
) -> (FinancialYear, FinancialYear) {
    let award = FinancialYear::containing(awarded_on).start_year();
    let clamp = |y: i32| {
        FinancialYear::new(y.clamp(FinancialYear::MIN_START, FinancialYear::MAX_START))
            .expect("clamped into range")
    };
    let first = already_profiled
        .iter()
        .map(|y| y.start_year())
        .fold(PROGRAMME_FIRST_YEAR.min(award), i32::min);
    let last = already_profiled.iter().map(|y| y.start_year()).fold(
        PROGRAMME_LAST_YEAR.max(award + PROFILE_YEARS_AFTER_AWARD),
        i32::max,
    );
    (clamp(first), clamp(last))
}

/// Every year of [`profile_year_range`], earliest first.
pub fn profile_years(
    awarded_on: time::Date,
    already_profiled: &[FinancialYear],
) -> Vec<FinancialYear> {
    let (first, last) = profile_year_range(awarded_on, already_profiled);
    (first.start_year()..=last.start_year())
        .filter_map(|y| FinancialYear::new(y).ok())
        .collect()
}

/// Each year of `profile` lies within [`profile_year_range`].
pub fn check_profile_years(
    awarded_on: time::Date,
    already_profiled: &[FinancialYear],
    profile: &[(FinancialYear, Pence)],
) -> Result<(), FundingError> {
    let (first, last) = profile_year_range(awarded_on, already_profiled);
    match profile.iter().find(|(y, _)| *y < first || *y > last) {
        Some((year, _)) => Err(FundingError::ProfileYearOutOfRange {
            year: *year,
            first,
            last,
        }),
        None => Ok(()),
    }
}

/// The profile rule: an allocation's spread across financial years adds up
/// exactly to the allocation, with one amount per year.
pub fn check_profile(
    allocation: Pence,
    profile: &[(FinancialYear, Pence)],
) -> Result<(), FundingError> {
    let mut seen = HashSet::new();
    for (year, _) in profile {
        if !seen.insert(*year) {
            return Err(FundingError::DuplicateProfileYear { year: *year });
        }
    }
    let total = Pence::checked_sum(profile.iter().map(|(_, amount)| amount))
        .ok_or(FundingError::Overflow)?;
    let difference = total.abs_diff(allocation);
    match total.cmp(&allocation) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Greater => Err(FundingError::ProfileOver {
            allocation,
            total,
            difference,
        }),
        std::cmp::Ordering::Less => Err(FundingError::ProfileUnder {
            allocation,
            total,
            difference,
        }),
    }
}

/// Central funding had to be matched by the trust's own money. Returns how
/// much local match is missing, or `None` if the match covers the central sum.
pub fn match_shortfall(central: Pence, local_match: Pence) -> Option<Pence> {
    central.checked_sub(local_match).filter(|s| !s.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;
    use Sector::*;
    use proptest::prelude::*;

    fn pounds(p: u32) -> Pence {
        Pence::from_pounds(p)
    }

    fn fy(y: i32) -> FinancialYear {
        FinancialYear::new(y).unwrap()
    }

    #[test]
    fn programme_default_caps() {
        let caps = CapTable::programme_defaults();
        assert_eq!(
            caps.cap_for(GlobalDigitalExemplar, Acute),
            Some(pounds(10_000_000))
        );
        assert_eq!(
            caps.cap_for(GlobalDigitalExemplar, MentalHealth),
            Some(pounds(5_000_000))
        );
        assert_eq!(
            caps.cap_for(GlobalDigitalExemplar, Ambulance),
            Some(pounds(5_000_000))
        );
        assert_eq!(caps.cap_for(FastFollower, Acute), Some(pounds(5_000_000)));
        assert_eq!(
            caps.cap_for(FastFollower, MentalHealth),
            Some(pounds(3_000_000))
        );
        assert_eq!(caps.cap_for(FastFollower, Ambulance), None);
        assert_eq!(caps.cap_for(GlobalDigitalExemplar, Community), None);
        assert_eq!(caps.iter().count(), 5);
        assert_eq!(CapTable::new(caps.iter().copied().collect()), Ok(caps));
    }

    #[test]
    fn cap_table_rejects_duplicates() {
        let cap = FundingCap {
            role: FastFollower,
            sector: Acute,
            cap: pounds(1),
        };
        assert_eq!(
            CapTable::new(vec![
                cap,
                FundingCap {
                    cap: pounds(2),
                    ..cap
                }
            ])
            .unwrap_err()
            .to_string(),
            "the cap table has two caps for an acute fast follower; there can be only one per role and sector"
        );
        assert!(CapTable::new(vec![]).is_ok());
    }

    #[test]
    fn role_in_sector_reads_naturally() {
        assert_eq!(
            RoleInSector(GlobalDigitalExemplar, Acute).to_string(),
            "an acute global digital exemplar"
        );
        assert_eq!(
            RoleInSector(FastFollower, MentalHealth).to_string(),
            "a mental health fast follower"
        );
        assert_eq!(
            RoleInSector(GlobalDigitalExemplar, Ambulance).to_string(),
            "an ambulance global digital exemplar"
        );
        assert_eq!(
            RoleInSector(FastFollower, Community).to_string(),
            "a community fast follower"
        );
    }

    #[test]
    fn allocation_at_cap_is_allowed() {
        let caps = CapTable::programme_defaults();
        let h = check_allocation(
            "RAL",
            GlobalDigitalExemplar,
            Acute,
            &caps,
            &[pounds(6_000_000)],
            pounds(4_000_000),
        )
        .unwrap();
        assert_eq!(
            h,
            Headroom {
                cap: pounds(10_000_000),
                allocated: pounds(10_000_000),
                remaining: Pence::ZERO
            }
        );
    }

    #[test]
    fn allocation_just_under_cap_is_allowed() {
        let caps = CapTable::programme_defaults();
        let just_under = pounds(4_000_000)
            .checked_sub(Pence::new(1).unwrap())
            .unwrap();
        let h = check_allocation(
            "RAL",
            GlobalDigitalExemplar,
            Acute,
            &caps,
            &[pounds(6_000_000)],
            just_under,
        )
        .unwrap();
        assert_eq!(h.remaining, Pence::new(1).unwrap());
        assert_eq!(h.allocated.value(), 999_999_999);
    }

    #[test]
    fn allocation_just_over_cap_is_refused() {
        let caps = CapTable::programme_defaults();
        let just_over = pounds(4_000_000)
            .checked_add(Pence::new(1).unwrap())
            .unwrap();
        let err = check_allocation(
            "RAL",
            GlobalDigitalExemplar,
            Acute,
            &caps,
            &[pounds(6_000_000)],
            just_over,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "central allocations for RAL would total £10,000,000.01, over the £10,000,000 cap for an acute global digital exemplar by £0.01"
        );
    }

    #[test]
    fn allocation_over_cap_names_the_cap() {
        let caps = CapTable::programme_defaults();
        let err = check_allocation(
            "RAL",
            GlobalDigitalExemplar,
            Acute,
            &caps,
            &[pounds(6_000_000), pounds(2_000_000)],
            pounds(2_500_000),
        )
        .unwrap_err();
        assert_eq!(
            err,
            FundingError::OverCap {
                participant: "RAL".into(),
                role: GlobalDigitalExemplar,
                sector: Acute,
                cap: pounds(10_000_000),
                total: pounds(10_500_000),
                excess: pounds(500_000),
            }
        );
        assert_eq!(
            err.to_string(),
            "central allocations for RAL would total £10,500,000, over the £10,000,000 cap for an acute global digital exemplar by £500,000"
        );
        let err = check_allocation(
            "RV3",
            FastFollower,
            MentalHealth,
            &caps,
            &[],
            pounds(3_000_001),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "central allocations for RV3 would total £3,000,001, over the £3,000,000 cap for a mental health fast follower by £1"
        );
    }

    #[test]
    fn allocation_without_cap_is_refused() {
        let caps = CapTable::programme_defaults();
        let err =
            check_allocation("RX9", FastFollower, Ambulance, &caps, &[], Pence::ZERO).unwrap_err();
        assert_eq!(
            err,
            FundingError::NoCap {
                role: FastFollower,
                sector: Ambulance
            }
        );
        assert_eq!(
            err.to_string(),
            "there is no funding cap for an ambulance fast follower, so no central funding can be allocated; set a cap for this role and sector first"
        );
    }

    #[test]
    fn allocation_overflow_is_an_error() {
        let caps = CapTable::new(vec![FundingCap {
            role: FastFollower,
            sector: Acute,
            cap: Pence::MAX,
        }])
        .unwrap();
        assert_eq!(
            check_allocation(
                "X",
                FastFollower,
                Acute,
                &caps,
                &[Pence::MAX],
                Pence::new(1).unwrap()
            ),
            Err(FundingError::Overflow)
        );
        assert_eq!(
            check_allocation("X", FastFollower, Acute, &caps, &[Pence::MAX], Pence::ZERO)
                .map(|h| h.remaining),
            Ok(Pence::ZERO)
        );
    }

    #[test]
    fn headroom_without_proposal() {
        let caps = CapTable::programme_defaults();
        assert_eq!(
            headroom(
                &caps,
                FastFollower,
                Acute,
                &[pounds(1_000_000), pounds(500_000)]
            ),
            Some(Headroom {
                cap: pounds(5_000_000),
                allocated: pounds(1_500_000),
                remaining: pounds(3_500_000)
            })
        );
        assert_eq!(
            headroom(&caps, FastFollower, Acute, &[pounds(6_000_000)]).map(|h| h.remaining),
            Some(Pence::ZERO),
            "already over the cap (e.g. after a cap was lowered) shows no headroom"
        );
        assert_eq!(headroom(&caps, FastFollower, Community, &[]), None);
        assert_eq!(
            headroom(&caps, FastFollower, Acute, &[]).map(|h| h.remaining),
            Some(pounds(5_000_000))
        );
    }

    #[test]
    fn tranches_at_under_and_over_allocation() {
        let allocation = pounds(10_000_000);
        let upfront = [pounds(3_000_000)];
        assert_eq!(
            check_tranches(allocation, &upfront, pounds(7_000_000)),
            Ok(Pence::ZERO)
        );
        assert_eq!(
            check_tranches(allocation, &upfront, Pence::new(699_999_999).unwrap()),
            Ok(Pence::new(1).unwrap())
        );
        assert_eq!(check_tranches(allocation, &[], Pence::ZERO), Ok(allocation));
        let err =
            check_tranches(allocation, &upfront, Pence::new(700_000_001).unwrap()).unwrap_err();
        assert_eq!(
            err,
            FundingError::TranchesOverAllocation {
                allocation,
                total: Pence::new(1_000_000_001).unwrap(),
                excess: Pence::new(1).unwrap(),
            }
        );
        assert_eq!(
            err.to_string(),
            "tranches would total £10,000,000.01, over the £10,000,000 allocation by £0.01"
        );
        assert_eq!(
            check_tranches(Pence::MAX, &[Pence::MAX], Pence::new(1).unwrap()),
            Err(FundingError::Overflow)
        );
    }

    #[test]
    fn profile_must_match_exactly() {
        let allocation = pounds(10_000_000);
        let ok = [(fy(2017), pounds(4_000_000)), (fy(2018), pounds(6_000_000))];
        assert_eq!(check_profile(allocation, &ok), Ok(()));
        assert_eq!(check_profile(Pence::ZERO, &[]), Ok(()));

        let under = [
            (fy(2017), pounds(4_000_000)),
            (fy(2018), Pence::new(599_999_999).unwrap()),
        ];
        let err = check_profile(allocation, &under).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the financial-year profile totals £9,999,999.99, which is £0.01 less than the £10,000,000 allocation; the profile must add up exactly to the allocation"
        );

        let over = [
            (fy(2017), pounds(4_000_000)),
            (fy(2018), Pence::new(600_000_001).unwrap()),
        ];
        assert_eq!(
            check_profile(allocation, &over),
            Err(FundingError::ProfileOver {
                allocation,
                total: Pence::new(1_000_000_001).unwrap(),
                difference: Pence::new(1).unwrap(),
            })
        );
        assert!(
            check_profile(allocation, &over)
                .unwrap_err()
                .to_string()
                .contains("£0.01 more than the £10,000,000 allocation")
        );

        assert!(
            matches!(check_profile(allocation, &[]), Err(FundingError::ProfileUnder { difference, .. }) if difference == allocation)
        );
        assert_eq!(
            check_profile(Pence::MAX, &[(fy(2017), Pence::MAX), (fy(2018), pounds(1))]),
            Err(FundingError::Overflow)
        );
    }

    #[test]
    fn profile_years_run_from_the_programme_or_award_to_four_years_after_the_award() {
        use time::macros::date;
        // An award in the programme's span: the programme's years.
        assert_eq!(
            profile_year_range(date!(2017 - 06 - 01), &[]),
            (fy(2016), fy(2022))
        );
        // Awarded today (2026/27): profiled in its own year, through 2030/31.
        assert_eq!(
            profile_year_range(date!(2026 - 12 - 01), &[]),
            (fy(2016), fy(2030))
        );
        // Before 1 April the award falls in the previous financial year.
        assert_eq!(profile_year_range(date!(2027 - 03 - 31), &[]).1, fy(2030));
        // An award before the programme starts its own year.
        assert_eq!(
            profile_year_range(date!(2015 - 05 - 01), &[]),
            (fy(2015), fy(2022))
        );
        // Years already profiled stay offered.
        assert_eq!(
            profile_year_range(date!(2017 - 06 - 01), &[fy(2024)]),
            (fy(2016), fy(2024))
        );
        let years = profile_years(date!(2026 - 12 - 01), &[]);
        assert_eq!(years.len(), 15);
        assert!(years.contains(&fy(2026)));
        assert_eq!(
            check_profile_years(date!(2026 - 12 - 01), &[], &[(fy(2026), pounds(1))]),
            Ok(())
        );
        let err =
            check_profile_years(date!(2017 - 06 - 01), &[], &[(fy(2023), pounds(1))]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "financial year 2023/24 is outside the years this allocation can be profiled in (2016/17 to 2022/23)"
        );
    }

    #[test]
    fn profile_years_must_be_distinct() {
        let dup = [(fy(2017), pounds(5_000_000)), (fy(2017), pounds(5_000_000))];
        let err = check_profile(pounds(10_000_000), &dup).unwrap_err();
        assert_eq!(
            err.to_string(),
            "financial year 2017/18 appears more than once in the profile; give one amount per year"
        );
    }

    #[test]
    fn local_match_shortfall() {
        let central = pounds(5_000_000);
        assert_eq!(match_shortfall(central, pounds(5_000_000)), None);
        assert_eq!(match_shortfall(central, pounds(6_000_000)), None);
        assert_eq!(
            match_shortfall(central, Pence::new(499_999_999).unwrap()),
            Some(Pence::new(1).unwrap())
        );
        assert_eq!(match_shortfall(central, Pence::ZERO), Some(central));
        assert_eq!(match_shortfall(Pence::ZERO, Pence::ZERO), None);
    }

    fn ambulance() -> CapGroup {
        CapGroup {
            name: "Ambulance exemplars".into(),
            cap: pounds(5_000_000),
        }
    }

    #[test]
    fn group_allocation_up_to_the_shared_cap_is_allowed() {
        let existing = [
            Pence::new(166_666_667).unwrap(),
            Pence::new(166_666_667).unwrap(),
        ];
        let h = check_group_allocation(
            &ambulance(),
            "RYA",
            &existing,
            Pence::new(166_666_666).unwrap(),
        )
        .unwrap();
        assert_eq!(h.allocated, pounds(5_000_000));
        assert_eq!(h.remaining, Pence::ZERO);
    }

    #[test]
    fn group_allocation_a_penny_over_is_refused_naming_the_group() {
        let existing = [pounds(2_000_000), pounds(3_000_000)];
        let err = check_group_allocation(&ambulance(), "RX6", &existing, Pence::new(1).unwrap())
            .unwrap_err();
        assert_eq!(
            err,
            FundingError::OverGroupCap {
                group: "Ambulance exemplars".into(),
                participant: "RX6".into(),
                cap: pounds(5_000_000),
                total: Pence::new(500_000_001).unwrap(),
                excess: Pence::new(1).unwrap(),
            }
        );
        let text = err.to_string();
        assert!(text.contains("Ambulance exemplars"), "{text}");
        assert!(text.contains("shared £5,000,000 cap"), "{text}");
    }

    #[test]
    fn each_member_within_its_own_cap_can_still_break_the_group_cap() {
        // £1m more to RX6 fits its own £5m but not the shared pot.
        let caps = CapTable::programme_defaults();
        let rx6 = [Pence::new(166_666_667).unwrap()];
        assert!(
            check_allocation(
                "RX6",
                GlobalDigitalExemplar,
                Ambulance,
                &caps,
                &rx6,
                pounds(1_000_000)
            )
            .is_ok()
        );
        let all = [pounds(5_000_000)];
        assert!(check_group_allocation(&ambulance(), "RX6", &all, pounds(1_000_000)).is_err());
    }

    #[test]
    fn group_headroom_saturates() {
        let h = group_headroom(&ambulance(), &[pounds(6_000_000)]);
        assert_eq!(h.remaining, Pence::ZERO);
        assert_eq!(h.allocated, pounds(6_000_000));
        assert_eq!(
            group_headroom(&ambulance(), &[]).remaining,
            pounds(5_000_000)
        );
    }

    #[test]
    fn group_overflow_is_an_error() {
        let big = Pence::new(i64::MAX).unwrap();
        assert_eq!(
            check_group_allocation(&ambulance(), "RX6", &[big], big),
            Err(FundingError::Overflow)
        );
    }

    proptest! {
        #[test]
        fn allocation_accepted_iff_within_cap(
            cap in 0i64..2_000_000_000,
            existing in proptest::collection::vec(0i64..1_000_000_000, 0..5),
            proposed in 0i64..1_000_000_000,
        ) {
            let caps = CapTable::new(vec![FundingCap { role: FastFollower, sector: Acute, cap: Pence::new(cap).unwrap() }]).unwrap();
            let existing: Vec<Pence> = existing.into_iter().map(|v| Pence::new(v).unwrap()).collect();
            let total: i64 = existing.iter().map(|p| p.value()).sum::<i64>() + proposed;
            let result = check_allocation("X", FastFollower, Acute, &caps, &existing, Pence::new(proposed).unwrap());
            match result {
                Ok(h) => {
                    prop_assert!(total <= cap);
                    prop_assert_eq!(h.allocated.value(), total);
                    prop_assert_eq!(h.remaining.value(), cap - total);
                }
                Err(FundingError::OverCap { excess, .. }) => {
                    prop_assert!(total > cap);
                    prop_assert_eq!(excess.value(), total - cap);
                }
                Err(other) => prop_assert!(false, "unexpected {other}"),
            }
        }

        #[test]
        fn tranches_accepted_iff_within_allocation(
            allocation in 0i64..2_000_000_000,
            existing in proptest::collection::vec(0i64..1_000_000_000, 0..5),
            proposed in 0i64..1_000_000_000,
        ) {
            let existing: Vec<Pence> = existing.into_iter().map(|v| Pence::new(v).unwrap()).collect();
            let total: i64 = existing.iter().map(|p| p.value()).sum::<i64>() + proposed;
            let result = check_tranches(Pence::new(allocation).unwrap(), &existing, Pence::new(proposed).unwrap());
            prop_assert_eq!(result.is_ok(), total <= allocation);
        }
    }
}
