//! Cross-file checks: every reference resolves, natural keys are unique, and
//! the money and milestone rules of `domain` hold before anything is written.
use std::collections::{HashMap, HashSet};

use super::csv_table::CsvTable;
use super::records::{self, *};
#[allow(unused_imports)]
use super::records::{PeriodRecord, ReturnRecord, RiskRecord, UpdateRecord};
use super::{SeedError, SeedOptions, SeedSet};
use crate::domain::funding::{
    CapGroup, CapTable, FundingCap, check_group_allocation, check_profile, check_tranches,
};
use crate::domain::names::NameKey;
use crate::domain::ods::OdsCode;
use crate::domain::participant::{ParticipantStatus, Role};
use crate::domain::tranche::{TrancheKind, check_release};

/// A parsed and cross-checked seed, ready to write.
pub struct Seed {
    pub trusts: Vec<TrustRecord>,
    pub participants: Vec<ParticipantRecord>,
    pub pairings: Vec<PairingRecord>,
    pub partners: Vec<PartnerRecord>,
    pub partnerships: Vec<PartnershipRecord>,
    pub caps: Vec<CapRecord>,
    pub cap_groups: Vec<CapGroupRecord>,
    pub cap_group_members: Vec<CapGroupMemberRecord>,
    /// Confirmed and illustrative assessments, each with its provenance.
    pub maturity: Vec<(MaturityRecord, bool)>,
    pub allocations: Vec<AllocationRecord>,
    pub profiles: Vec<ProfileRecord>,
    pub milestones: Vec<MilestoneRecord>,
    pub tranches: Vec<TrancheRecord>,
    pub periods: Vec<PeriodRecord>,
    pub returns: Vec<ReturnRecord>,
    /// Whether the illustrative set is loaded (its lines and risks are
    /// read from the files as they are written, never held whole).
    pub illustrative: bool,
    /// How many lines the returns have (read when checked).
    pub lines: usize,
}

fn table<'a>(set: &'a SeedSet, name: &str, columns: &[&str]) -> Result<CsvTable<'a>, SeedError> {
    let (display, input) = set.open(name)?;
    CsvTable::parse(&display, input, columns)
}

fn unique<K: std::hash::Hash + Eq + std::fmt::Debug>(
    seen: &mut HashSet<K>,
    key: K,
    origin: &Origin,
    what: &str,
) -> Result<(), SeedError> {
    let message = format!("duplicate {what} {key:?}");
    if seen.insert(key) {
        Ok(())
    } else {
        Err(origin.error(None, message))
    }
}

pub fn parse_and_check(set: &SeedSet, options: SeedOptions) -> Result<Seed, SeedError> {
    let trusts = records::trusts(table(set, "organisations.csv", TRUST_COLUMNS)?)?;
    let participants = records::participants(table(set, "participants.csv", PARTICIPANT_COLUMNS)?)?;
    let pairings = records::pairings(table(set, "pairings.csv", PAIRING_COLUMNS)?)?;
    let partners = records::partners(table(set, "partner_organisations.csv", PARTNER_COLUMNS)?)?;
    let partnerships = records::partnerships(table(set, "partnerships.csv", PARTNERSHIP_COLUMNS)?)?;
    let caps = records::caps(table(set, "funding_caps.csv", CAP_COLUMNS)?)?;
    let cap_groups = records::cap_groups(table(set, "cap_groups.csv", CAP_GROUP_COLUMNS)?)?;
    let cap_group_members = records::cap_group_members(table(
        set,
        "cap_group_members.csv",
        CAP_GROUP_MEMBER_COLUMNS,
    )?)?;
    let mut maturity: Vec<(MaturityRecord, bool)> =
        records::maturity(table(set, "maturity_assessments.csv", MATURITY_COLUMNS)?)?
            .into_iter()
            .map(|m| (m, false))
            .collect();
    let (mut allocations, mut profiles, mut milestones, mut tranches) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut periods, mut returns) = (Vec::new(), Vec::new());
    if options.include_illustrative {
        allocations = records::allocations(table(
            set,
            "illustrative/allocations.csv",
            ALLOCATION_COLUMNS,
        )?)?;
        profiles = records::profiles(table(
            set,
            "illustrative/allocation_profiles.csv",
            PROFILE_COLUMNS,
        )?)?;
        milestones = records::milestones(table(
            set,
            "illustrative/milestones.csv",
            MILESTONE_COLUMNS,
        )?)?;
        tranches = records::tranches(table(set, "illustrative/tranches.csv", TRANCHE_COLUMNS)?)?;
        periods = records::periods(table(
            set,
            "illustrative/reporting_periods.csv",
            PERIOD_COLUMNS,
        )?)?;
        returns = records::returns(table(set, "illustrative/returns.csv", RETURN_COLUMNS)?)?;
        maturity.extend(
            records::maturity(table(
                set,
                "illustrative/maturity_assessments.csv",
                MATURITY_COLUMNS,
            )?)?
            .into_iter()
            .map(|m| (m, true)),
        );
    }
    // The records are collected without knowing how many there are: give
    // back what the vectors over-reserved.
    milestones.shrink_to_fit();
    returns.shrink_to_fit();
    tranches.shrink_to_fit();
    profiles.shrink_to_fit();
    let mut seed = Seed {
        trusts,
        participants,
        pairings,
        partners,
        partnerships,
        caps,
        cap_groups,
        cap_group_members,
        maturity,
        allocations,
        profiles,
        milestones,
        tranches,
        periods,
        returns,
        illustrative: options.include_illustrative,
        lines: 0,
    };
    let keys = check(&seed)?;
    if seed.illustrative {
        seed.lines = check_lines_and_risks(set, &keys)?;
    }
    Ok(seed)
}

/// One organisation per name and country, names compared by [`NameKey`]:
/// the second use of a name is refused at its file, line and `name` column,
/// naming where the first one is.
fn unique_name(
    seen: &mut HashMap<(NameKey, String), (Origin, String)>,
    name: &str,
    country: &str,
    origin: &Origin,
    what: String,
) -> Result<(), SeedError> {
    let key = (NameKey::of(name), country.to_owned());
    if let Some((first, first_what)) = seen.get(&key) {
        let place = if first.file == origin.file {
            format!("line {}", first.line)
        } else {
            format!("{} line {}", first.file, first.line)
        };
        return Err(origin.error(
            Some("name"),
            format!(
                "{name:?} is already the name of {first_what} ({place}); \
                 names that differ only in case or spacing count as the same"
            ),
        ));
    }
    seen.insert(key, (origin.clone(), what));
    Ok(())
}

/// The keys the returns' lines and risks are checked against: each return
/// and each milestone, by trust and period or reference, with its index.
struct Keys {
    returns: HashMap<(OdsCode, String), u32>,
    milestones: HashMap<(OdsCode, String), (Option<time::Date>, u32)>,
}

/// The returns' milestone lines, read a row at a time.
pub fn updates(
    set: &SeedSet,
) -> Result<impl Iterator<Item = Result<UpdateRecord, SeedError>> + Send + '_, SeedError> {
    Ok(records::updates(table(
        set,
        "illustrative/return_milestone_updates.csv",
        UPDATE_COLUMNS,
    )?))
}

/// The returns' risks, read a row at a time.
pub fn risks(
    set: &SeedSet,
) -> Result<impl Iterator<Item = Result<RiskRecord, SeedError>> + Send + '_, SeedError> {
    Ok(records::risks(table(
        set,
        "illustrative/return_risks.csv",
        RISK_COLUMNS,
    )?))
}

/// Every line names a return and a milestone in the files, once; every
/// risk a return, once per position. Memory stays flat: a few bytes per key.
fn check_lines_and_risks(set: &SeedSet, keys: &Keys) -> Result<usize, SeedError> {
    let mut update_keys: HashSet<(u32, u32)> = HashSet::new();
    for u in updates(set)? {
        let u = u?;
        let Some(&in_return) = keys.returns.get(&(u.ods_code.clone(), u.period.clone())) else {
            return Err(u.origin.error(
                Some("period"),
                format!(
                    "{} has no return for {} in returns.csv",
                    u.ods_code, u.period
                ),
            ));
        };
        let reference = u.milestone_reference.as_str().to_owned();
        let Some(&(_, milestone)) = keys
            .milestones
            .get(&(u.ods_code.clone(), reference.clone()))
        else {
            return Err(u.origin.error(
                Some("milestone_reference"),
                format!(
                    "{} has no milestone {} in milestones.csv",
                    u.ods_code,
                    u.milestone_reference.as_str()
                ),
            ));
        };
        if !update_keys.insert((in_return, milestone)) {
            let key = (u.ods_code.clone(), u.period.clone(), reference);
            return Err(u
                .origin
                .error(None, format!("duplicate milestone update {key:?}")));
        }
    }
    let mut risk_keys: HashSet<(u32, i32)> = HashSet::new();
    for r in risks(set)? {
        let r = r?;
        let Some(&in_return) = keys.returns.get(&(r.ods_code.clone(), r.period.clone())) else {
            return Err(r.origin.error(
                Some("period"),
                format!(
                    "{} has no return for {} in returns.csv",
                    r.ods_code, r.period
                ),
            ));
        };
        if !risk_keys.insert((in_return, r.position)) {
            let key = (r.ods_code.clone(), r.period.clone(), r.position);
            return Err(r
                .origin
                .error(None, format!("duplicate risk position {key:?}")));
        }
    }
    Ok(update_keys.len())
}

fn check(seed: &Seed) -> Result<Keys, SeedError> {
    // Organisations and successors.
    let mut trust_codes = HashSet::new();
    let mut names = HashMap::new();
    for t in &seed.trusts {
        unique(&mut trust_codes, t.ods_code.clone(), &t.origin, "ODS code")?;
        unique_name(
            &mut names,
            &t.name,
            "GB",
            &t.origin,
            format!("trust {}", t.ods_code),
        )?;
    }
    for t in &seed.trusts {
        if let Some(successor) = &t.successor {
            if !trust_codes.contains(successor) {
                return Err(t.origin.error(
                    Some("successor_ods_code"),
                    format!("{successor} is not in organisations.csv"),
                ));
            }
            if successor == &t.ods_code {
                return Err(t
                    .origin
                    .error(Some("successor_ods_code"), "a trust cannot succeed itself"));
            }
        }
    }
    let trust_sector: HashMap<&OdsCode, _> = seed
        .trusts
        .iter()
        .map(|t| (&t.ods_code, t.sector))
        .collect();

    // Participants.
    let mut roles: HashMap<&OdsCode, Role> = HashMap::new();
    for p in &seed.participants {
        let Some(sector) = trust_sector.get(&p.ods_code) else {
            return Err(p.origin.error(
                Some("ods_code"),
                format!("{} is not in organisations.csv", p.ods_code),
            ));
        };
        if *sector != p.sector {
            return Err(p.origin.error(
                Some("sector"),
                format!(
                    "{} is {} in organisations.csv but {} here",
                    p.ods_code,
                    sector.label(),
                    p.sector.label()
                ),
            ));
        }
        if roles.insert(&p.ods_code, p.role).is_some() {
            return Err(p.origin.error(
                Some("ods_code"),
                format!("{} is listed as a participant twice", p.ods_code),
            ));
        }
        match (p.status, &p.accredited) {
            (ParticipantStatus::Accredited, None) => {
                return Err(p.origin.error(
                    Some("accredited_on"),
                    "an accredited participant needs its accreditation date",
                ));
            }
            (ParticipantStatus::Active, Some(_)) => {
                return Err(p.origin.error(
                    Some("status"),
                    "has an accreditation date, so the status should be accredited",
                ));
            }
            _ => {}
        }
        if let Some(accredited) = &p.accredited
            && accredited.date < p.designated.date
        {
            return Err(p
                .origin
                .error(Some("accredited_on"), "is before the designation date"));
        }
    }
    let participant = |ods: &OdsCode, origin: &Origin, column: &str| {
        roles
            .get(ods)
            .copied()
            .ok_or_else(|| origin.error(Some(column), format!("{ods} is not in participants.csv")))
    };

    // Pairings.
    let mut followers = HashSet::new();
    for pairing in &seed.pairings {
        let o = &pairing.origin;
        if participant(&pairing.fast_follower, o, "fast_follower_ods_code")? != Role::FastFollower {
            return Err(o.error(
                Some("fast_follower_ods_code"),
                format!("{} is not a fast follower", pairing.fast_follower),
            ));
        }
        if participant(&pairing.exemplar, o, "exemplar_ods_code")? != Role::GlobalDigitalExemplar {
            return Err(o.error(
                Some("exemplar_ods_code"),
                format!("{} is not a global digital exemplar", pairing.exemplar),
            ));
        }
        unique(
            &mut followers,
            pairing.fast_follower.clone(),
            o,
            "fast follower",
        )?;
    }

    // Partners and partnerships.
    // A partner's name is unique in its country among trusts and partners;
    // partnerships name their partner by the same rule.
    let mut partner_names: HashMap<NameKey, usize> = HashMap::new();
    for partner in &seed.partners {
        unique_name(
            &mut names,
            &partner.name,
            partner.country_code.as_str(),
            &partner.origin,
            format!("another organisation in {}", partner.country_code),
        )?;
        *partner_names.entry(NameKey::of(&partner.name)).or_default() += 1;
    }
    let mut partnership_keys = HashSet::new();
    for link in &seed.partnerships {
        participant(&link.ods_code, &link.origin, "ods_code")?;
        match partner_names.get(&NameKey::of(&link.partner_name)) {
            None => {
                return Err(link.origin.error(
                    Some("partner_name"),
                    format!(
                        "{:?} is not in partner_organisations.csv",
                        link.partner_name
                    ),
                ));
            }
            Some(n) if *n > 1 => {
                return Err(link.origin.error(
                    Some("partner_name"),
                    format!(
                        "{:?} names more than one partner organisation",
                        link.partner_name
                    ),
                ));
            }
            Some(_) => {}
        }
        unique(
            &mut partnership_keys,
            (
                link.ods_code.clone(),
                NameKey::of(&link.partner_name),
                link.role,
            ),
            &link.origin,
            "partnership",
        )?;
    }

    // Caps: one per role and sector.
    CapTable::new(
        seed.caps
            .iter()
            .map(|c| FundingCap {
                role: c.role,
                sector: c.sector,
                cap: c.cap,
            })
            .collect(),
    )
    .map_err(|e| {
        seed.caps
            .first()
            .map(|c| SeedError::file(&c.origin.file, e.to_string()))
            .unwrap_or_else(|| SeedError::file("funding_caps.csv", e.to_string()))
    })?;

    // Cap groups: one per name (compared as names are), each participant in
    // at most one group.
    let mut group_names: HashMap<NameKey, &CapGroupRecord> = HashMap::new();
    for g in &seed.cap_groups {
        if let Some(first) = group_names.insert(NameKey::of(&g.name), g) {
            return Err(g.origin.error(
                Some("name"),
                format!(
                    "{:?} is already a cap group (line {}); names that differ only in case or spacing count as the same",
                    g.name, first.origin.line
                ),
            ));
        }
    }
    let mut group_of: HashMap<&OdsCode, &CapGroupRecord> = HashMap::new();
    for m in &seed.cap_group_members {
        participant(&m.ods_code, &m.origin, "ods_code")?;
        let Some(group) = group_names.get(&NameKey::of(&m.group)) else {
            return Err(m.origin.error(
                Some("group"),
                format!("{:?} is not in cap_groups.csv", m.group),
            ));
        };
        if let Some(other) = group_of.insert(&m.ods_code, group) {
            return Err(m.origin.error(
                Some("ods_code"),
                format!(
                    "{} is already in the cap group {:?}; a participant shares at most one group cap",
                    m.ods_code, other.name
                ),
            ));
        }
    }

    // Maturity assessments.
    let mut maturity_keys = HashSet::new();
    for (m, _) in &seed.maturity {
        participant(&m.ods_code, &m.origin, "ods_code")?;
        unique(
            &mut maturity_keys,
            (m.ods_code.clone(), m.scale, m.assessed.date),
            &m.origin,
            "assessment (participant, scale, date)",
        )?;
    }

    // Allocations and their financial-year profiles (caps are checked when
    // writing, against what the database already holds).
    let mut allocation_keys: HashMap<(OdsCode, String), &AllocationRecord> = HashMap::new();
    for a in &seed.allocations {
        participant(&a.ods_code, &a.origin, "ods_code")?;
        if allocation_keys
            .insert((a.ods_code.clone(), a.reference.clone()), a)
            .is_some()
        {
            return Err(a.origin.error(
                Some("reference"),
                format!("duplicate allocation {} for {}", a.reference, a.ods_code),
            ));
        }
    }
    // A group's allocations in the files, in file order, never exceed its
    // cap (the write checks again, counting what the database holds).
    let mut group_totals: HashMap<NameKey, Vec<_>> = HashMap::new();
    for a in &seed.allocations {
        let Some(group) = group_of.get(&a.ods_code) else {
            continue;
        };
        let existing = group_totals.entry(NameKey::of(&group.name)).or_default();
        let rule = CapGroup {
            name: group.name.clone(),
            cap: group.cap,
        };
        check_group_allocation(&rule, a.ods_code.as_str(), existing, a.central)
            .map_err(|e| a.origin.error(Some("central"), e.to_string()))?;
        existing.push(a.central);
    }
    let mut profile_by_allocation: HashMap<(OdsCode, String), Vec<_>> = HashMap::new();
    for p in &seed.profiles {
        let key = (p.ods_code.clone(), p.allocation_reference.clone());
        if !allocation_keys.contains_key(&key) {
            return Err(p.origin.error(
                Some("allocation_reference"),
                format!(
                    "{} has no allocation {} in allocations.csv",
                    p.ods_code, p.allocation_reference
                ),
            ));
        }
        profile_by_allocation
            .entry(key)
            .or_default()
            .push((p.financial_year, p.amount));
    }
    for (key, allocation) in &allocation_keys {
        let profile = profile_by_allocation.get(key).cloned().unwrap_or_default();
        check_profile(allocation.central, &profile).map_err(|e| {
            allocation.origin.error(
                Some("central"),
                format!("financial-year profile for {} {}: {e}", key.0, key.1),
            )
        })?;
    }

    // Milestones.
    let mut milestone_sign_off = HashMap::new();
    for (index, m) in seed.milestones.iter().enumerate() {
        participant(&m.ods_code, &m.origin, "ods_code")?;
        if milestone_sign_off
            .insert(
                (m.ods_code.clone(), m.reference.as_str().to_owned()),
                (m.signed_off_on, index as u32),
            )
            .is_some()
        {
            return Err(m.origin.error(
                Some("reference"),
                format!(
                    "duplicate milestone {} for {}",
                    m.reference.as_str(),
                    m.ods_code
                ),
            ));
        }
    }

    // Tranches: each names its allocation and (if any) a milestone of the same
    // participant; together they never exceed the allocation.
    let mut tranche_totals: HashMap<(OdsCode, String), Vec<_>> = HashMap::new();
    let mut tranche_names = HashSet::new();
    for t in &seed.tranches {
        let key = (t.ods_code.clone(), t.allocation_reference.clone());
        let Some(allocation) = allocation_keys.get(&key) else {
            return Err(t.origin.error(
                Some("allocation_reference"),
                format!(
                    "{} has no allocation {} in allocations.csv",
                    t.ods_code, t.allocation_reference
                ),
            ));
        };
        unique(
            &mut tranche_names,
            (key.clone(), t.name.clone()),
            &t.origin,
            "tranche name",
        )?;
        if let (TrancheKind::Milestone, Some(reference)) = (t.kind, &t.milestone_reference) {
            let milestone_key = (t.ods_code.clone(), reference.as_str().to_owned());
            let Some((signed_off, _)) = milestone_sign_off.get(&milestone_key) else {
                return Err(t.origin.error(
                    Some("milestone_reference"),
                    format!(
                        "{} has no milestone {} in milestones.csv",
                        t.ods_code,
                        reference.as_str()
                    ),
                ));
            };
            if let Some(released) = t.released_on {
                check_release(reference.as_str(), *signed_off, released)
                    .map_err(|e| t.origin.error(Some("released_on"), e.to_string()))?;
            }
        }
        let existing = tranche_totals.entry(key).or_default();
        check_tranches(allocation.central, existing, t.amount)
            .map_err(|e| t.origin.error(Some("amount"), e.to_string()))?;
        existing.push(t.amount);
    }

    // Reporting periods and returns.
    let mut period_ends = HashMap::new();
    for p in &seed.periods {
        if period_ends.insert(p.label.clone(), p.ends_on).is_some() {
            return Err(p
                .origin
                .error(Some("label"), format!("duplicate period {}", p.label)));
        }
    }
    let mut return_keys = HashMap::new();
    for (index, r) in seed.returns.iter().enumerate() {
        participant(&r.ods_code, &r.origin, "ods_code")?;
        let Some(ends_on) = period_ends.get(&r.period) else {
            return Err(r.origin.error(
                Some("period"),
                format!("{} is not in reporting_periods.csv", r.period),
            ));
        };
        if let Some(submitted) = r.submitted_on
            && submitted < *ends_on
        {
            return Err(r
                .origin
                .error(Some("submitted_on"), "is before the period ends"));
        }
        let key = (r.ods_code.clone(), r.period.clone());
        if return_keys.contains_key(&key) {
            return Err(r.origin.error(None, format!("duplicate return {key:?}")));
        }
        return_keys.insert(key, index as u32);
    }
    Ok(Keys {
        returns: return_keys,
        milestones: milestone_sign_off,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded_check(name: &str, text: &str) -> Result<Seed, SeedError> {
        let set = SeedSet::embedded().with_file(name, text);
        parse_and_check(&set, SeedOptions::default())
    }

    #[test]
    fn the_shipped_seed_is_valid() {
        let seed = parse_and_check(&SeedSet::embedded(), SeedOptions::default()).unwrap();
        let exemplars = seed
            .participants
            .iter()
            .filter(|p| p.role == Role::GlobalDigitalExemplar)
            .count();
        assert_eq!(exemplars, 26);
    }

    #[test]
    fn an_allocation_profile_that_does_not_add_up_names_the_row() {
        let set = SeedSet::embedded();
        let (_, text) = set.text("illustrative/allocation_profiles.csv").unwrap();
        // Drop the last profile line: that allocation no longer adds up.
        let mut lines: Vec<&str> = text.lines().collect();
        lines.pop();
        let err = embedded_check("illustrative/allocation_profiles.csv", &lines.join("\n"))
            .err()
            .unwrap();
        assert!(err.file.ends_with("illustrative/allocations.csv"), "{err}");
        assert!(err.line.is_some(), "{err}");
        assert!(err.message.contains("financial-year profile"), "{err}");
    }

    #[test]
    fn an_unknown_participant_is_reported_with_file_line_and_column() {
        let set = SeedSet::embedded();
        let (_, text) = set.text("pairings.csv").unwrap();
        let bad = format!("{}\nRZZ,RAL,high,test\n", text.trim_end());
        let line = bad.lines().count() as u64;
        let err = embedded_check("pairings.csv", &bad).err().unwrap();
        assert_eq!(err.line, Some(line));
        assert_eq!(err.column.as_deref(), Some("fast_follower_ods_code"));
        assert!(err.message.contains("RZZ"), "{err}");
    }

    #[test]
    fn tranches_over_the_allocation_are_refused() {
        let set = SeedSet::embedded();
        let (_, text) = set.text("illustrative/tranches.csv").unwrap();
        let first = text.lines().nth(1).unwrap();
        let ods = first.split(',').next().unwrap();
        let bad = format!(
            "{}\n{ods},ALLOC-1,Extra,upfront,,99000000,\n",
            text.trim_end()
        );
        let err = embedded_check("illustrative/tranches.csv", &bad)
            .err()
            .unwrap();
        assert_eq!(err.column.as_deref(), Some("amount"), "{err}");
    }

    #[test]
    fn an_ambulance_pot_a_penny_over_its_shared_cap_is_refused_at_its_line() {
        let set = SeedSet::embedded();
        let (_, text) = set.text("illustrative/allocations.csv").unwrap();
        let bad = text.replace(
            "RYA,ALLOC-1,1666666.66,1666666.66",
            "RYA,ALLOC-1,1666666.67,1666666.67",
        );
        assert_ne!(bad, text);
        let line = bad
            .lines()
            .position(|l| l.starts_with("RYA,ALLOC-1"))
            .unwrap() as u64
            + 1;
        // The profile must still add up, so only the group cap is wrong.
        let (_, profiles) = set.text("illustrative/allocation_profiles.csv").unwrap();
        let mut profiles: Vec<String> = profiles.lines().map(str::to_owned).collect();
        let last = profiles
            .iter()
            .rposition(|l| l.starts_with("RYA,ALLOC-1,"))
            .unwrap();
        let mut cells: Vec<String> = profiles[last].split(',').map(str::to_owned).collect();
        let amount: crate::domain::money::Pence = cells[3].parse().unwrap();
        cells[3] = amount
            .checked_add(crate::domain::money::Pence::new(1).unwrap())
            .unwrap()
            .plain();
        profiles[last] = cells.join(",");
        let set = set
            .with_file("illustrative/allocations.csv", &bad)
            .with_file("illustrative/allocation_profiles.csv", &profiles.join("\n"));
        let err = parse_and_check(&set, SeedOptions::default()).err().unwrap();
        assert!(err.file.ends_with("illustrative/allocations.csv"), "{err}");
        assert_eq!(err.line, Some(line), "{err}");
        assert_eq!(err.column.as_deref(), Some("central"), "{err}");
        assert!(err.message.contains("Ambulance exemplars"), "{err}");
        assert!(err.message.contains("by £0.01"), "{err}");
    }

    #[test]
    fn a_member_of_an_unknown_group_or_of_two_groups_is_refused() {
        let err = embedded_check(
            "cap_group_members.csv",
            "group,ods_code,source\nNo such group,RX6,\n",
        )
        .err()
        .unwrap();
        assert_eq!(
            (err.line, err.column.as_deref()),
            (Some(2), Some("group")),
            "{err}"
        );
        let set = SeedSet::embedded()
            .with_file(
                "cap_groups.csv",
                "name,cap,source\nAmbulance exemplars,5000000,\nOther,1,\n",
            )
            .with_file(
                "cap_group_members.csv",
                "group,ods_code,source\nAmbulance exemplars,RX6,\nOther,RX6,\n",
            );
        let err = parse_and_check(&set, SeedOptions::default()).err().unwrap();
        assert_eq!(
            (err.line, err.column.as_deref()),
            (Some(3), Some("ods_code")),
            "{err}"
        );
    }

    #[test]
    fn confirmed_only_ignores_the_illustrative_files() {
        let set = SeedSet::embedded().with_file("illustrative/milestones.csv", "garbage");
        let seed = parse_and_check(
            &set,
            SeedOptions {
                include_illustrative: false,
            },
        )
        .unwrap();
        assert!(seed.milestones.is_empty());
    }
}
