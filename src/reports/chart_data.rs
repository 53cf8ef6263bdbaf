//! Chart rows from a snapshot: the same rows feed the chart, its table and
//! its CSV download, so they always agree.
use std::collections::{BTreeMap, HashMap};

use time::{Date, Month};

use crate::charts::{
    BurnUpPoint, ConfidencePeriod, FinancialYearBar, FundingBar, MaturityBar, ParticipantGroup,
    SlippageBar,
};
use crate::domain::financial_year::FinancialYear;
use crate::domain::milestone::{MilestoneStatus, slippage_days};
use crate::domain::participant::Role;
use crate::domain::period_states::{self, PeriodCounts};

use super::figures::latest_approved;
use crate::domain::snapshot::Snapshot;

fn group(role: Role) -> ParticipantGroup {
    match role {
        Role::GlobalDigitalExemplar => ParticipantGroup::Exemplar,
        Role::FastFollower => ParticipantGroup::FastFollower,
    }
}

fn month_key(d: Date) -> (i32, u8) {
    (d.year(), u8::from(d.month()))
}

/// Cumulative milestones due by baseline, due by forecast, and completed, by
/// month, from the earliest date to the later of the as-at month and the last
/// forecast.
pub fn burn_up(s: &Snapshot) -> Vec<BurnUpPoint> {
    let mut baseline: BTreeMap<(i32, u8), u32> = BTreeMap::new();
    let mut forecast: BTreeMap<(i32, u8), u32> = BTreeMap::new();
    let mut completed: BTreeMap<(i32, u8), u32> = BTreeMap::new();
    for m in s
        .milestones
        .iter()
        .filter(|m| m.status != MilestoneStatus::Cancelled.code())
    {
        *baseline.entry(month_key(m.baseline_on)).or_default() += 1;
        *forecast
            .entry(month_key(
                m.actual_on.or(m.forecast_on).unwrap_or(m.baseline_on),
            ))
            .or_default() += 1;
        if let Some(a) = m.actual_on {
            *completed.entry(month_key(a)).or_default() += 1;
        }
    }
    let first = [
        baseline.keys().next(),
        forecast.keys().next(),
        completed.keys().next(),
    ]
    .into_iter()
    .flatten()
    .min()
    .copied();
    let last = [
        baseline.keys().last(),
        forecast.keys().last(),
        Some(&month_key(s.as_at)),
    ]
    .into_iter()
    .flatten()
    .max()
    .copied();
    let (Some(mut at), Some(last)) = (first, last) else {
        return Vec::new();
    };
    let (mut b, mut f, mut c) = (0, 0, 0);
    let mut points = Vec::new();
    while at <= last {
        b += baseline.get(&at).copied().unwrap_or(0);
        f += forecast.get(&at).copied().unwrap_or(0);
        c += completed.get(&at).copied().unwrap_or(0);
        let as_at_month = month_key(s.as_at);
        points.push(BurnUpPoint {
            year: at.0,
            month: at.1,
            planned_baseline: b,
            planned_forecast: f,
            // Completions are known only up to the as-at date: none later.
            completed: if at <= as_at_month { c } else { 0 },
            as_at_day: (at == as_at_month).then(|| s.as_at.day()),
        });
        at = if at.1 == 12 {
            (at.0 + 1, 1)
        } else {
            (at.0, at.1 + 1)
        };
    }
    points
}

pub fn funding(s: &Snapshot) -> Vec<FundingBar> {
    let latest = latest_approved(s);
    let mut allocated: HashMap<i32, i64> = HashMap::new();
    let mut participant_of: HashMap<i32, i32> = HashMap::new();
    for a in &s.allocations {
        *allocated.entry(a.participant_id).or_default() += a.central;
        participant_of.insert(a.id, a.participant_id);
    }
    let mut released: HashMap<i32, i64> = HashMap::new();
    for t in s.tranches.iter().filter(|t| t.released_on.is_some()) {
        if let Some(p) = participant_of.get(&t.allocation_id) {
            *released.entry(*p).or_default() += t.amount;
        }
    }
    s.participants
        .iter()
        .map(|p| FundingBar {
            code: p.ods_code.clone(),
            name: p.name.clone(),
            group: group(p.role),
            cap: s.caps.get(&p.id).copied().unwrap_or(0),
            allocated: allocated.get(&p.id).copied().unwrap_or(0),
            released: released.get(&p.id).copied().unwrap_or(0),
            spent: latest.get(&p.id).and_then(|r| r.spend),
        })
        .collect()
}

pub fn funding_by_year(s: &Snapshot) -> Vec<FinancialYearBar> {
    let mut years: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
    for a in &s.allocations {
        for (fy, amount) in &a.profile {
            years.entry(*fy).or_default().0 += amount;
        }
    }
    for t in &s.tranches {
        if let Some(d) = t.released_on {
            years
                .entry(FinancialYear::containing(d).start_year())
                .or_default()
                .1 += t.amount;
        }
    }
    // A continuous axis: every financial year from the first to the last,
    // with nothing profiled or released shown as zero, not left out.
    if let (Some(&first), Some(&last)) = (years.keys().next(), years.keys().last()) {
        for y in first..=last {
            years.entry(y).or_default();
        }
    }
    years
        .into_iter()
        .filter_map(|(y, (profiled, released))| {
            FinancialYear::new(y).ok().map(|fy| FinancialYearBar {
                label: fy.to_string(),
                profiled,
                released,
            })
        })
        .collect()
}

/// One row per period: its counts of each return state as at the date
/// (`domain::period_states`, the headline's definition too).
pub fn confidence(s: &Snapshot) -> Vec<ConfidencePeriod> {
    s.periods
        .iter()
        .map(|period| confidence_row(&period.label, &period_states::counts(s, period)))
        .collect()
}

pub fn confidence_row(label: &str, c: &PeriodCounts) -> ConfidencePeriod {
    ConfidencePeriod {
        label: label.to_owned(),
        red: c.red,
        amber_red: c.amber_red,
        amber: c.amber,
        amber_green: c.amber_green,
        green: c.green,
        approved_unrated: c.approved_unrated,
        awaiting_review: c.awaiting_review,
        returned: c.returned,
        draft: c.draft,
        not_reported: c.not_reported,
    }
}

pub fn slippage(s: &Snapshot) -> Vec<SlippageBar> {
    let mut worst: HashMap<i32, i64> = HashMap::new();
    for m in s
        .milestones
        .iter()
        .filter(|m| m.status != MilestoneStatus::Cancelled.code())
    {
        let days = slippage_days(m.baseline_on, m.forecast_on, m.actual_on);
        let entry = worst.entry(m.participant_id).or_insert(days);
        *entry = (*entry).max(days);
    }
    s.participants
        .iter()
        .filter_map(|p| {
            worst.get(&p.id).map(|d| SlippageBar {
                code: p.ods_code.clone(),
                name: p.name.clone(),
                days: *d,
            })
        })
        .collect()
}

pub fn maturity(s: &Snapshot) -> Vec<MaturityBar> {
    s.participants
        .iter()
        .map(|p| MaturityBar {
            code: p.ods_code.clone(),
            name: p.name.clone(),
            group: group(p.role),
            stage: s.emram.get(&p.id).copied(),
            target: p.role.maturity_target(),
            acute: p.sector == crate::domain::participant::Sector::Acute,
        })
        .collect()
}

/// "March 2019" for a burn-up month.
pub fn month_label(year: i32, month: u8) -> String {
    Month::try_from(month)
        .map(|m| format!("{m} {year}"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::snapshot::{AllocationAt, TrancheAt};
    use time::macros::date;

    fn empty(as_at: Date) -> Snapshot {
        Snapshot {
            as_at,
            participants: Vec::new(),
            milestones: Vec::new(),
            allocations: Vec::new(),
            tranches: Vec::new(),
            periods: Vec::new(),
            returns: Vec::new(),
            emram: HashMap::new(),
            emram_illustrative: Default::default(),
            caps: HashMap::new(),
        }
    }

    #[test]
    fn the_financial_year_axis_has_no_gaps() {
        let mut s = empty(date!(2021 - 03 - 31));
        s.allocations.push(AllocationAt {
            id: 1,
            version: 1,
            participant_id: 1,
            reference: "A1".into(),
            awarded_on: date!(2016 - 09 - 01),
            central: 300,
            local_match: 0,
            profile: vec![(2016, 100), (2019, 200)],
            illustrative: false,
        });
        s.tranches.push(TrancheAt {
            id: 1,
            version: 1,
            allocation_id: 1,
            name: "First".into(),
            kind: "other".into(),
            milestone_id: None,
            amount: 50,
            released_on: Some(date!(2021 - 01 - 15)),
            illustrative: false,
        });
        let labels: Vec<(String, i64, i64)> = funding_by_year(&s)
            .into_iter()
            .map(|y| (y.label, y.profiled, y.released))
            .collect();
        assert_eq!(
            labels,
            vec![
                ("2016/17".into(), 100, 0),
                ("2017/18".into(), 0, 0),
                ("2018/19".into(), 0, 0),
                ("2019/20".into(), 200, 0),
                ("2020/21".into(), 0, 50),
            ]
        );
    }

    #[test]
    fn completed_stops_at_the_as_at_month() {
        let mut s = empty(date!(2021 - 03 - 31));
        s.milestones.push(crate::domain::snapshot::MilestoneAt {
            id: 1,
            participant_id: 1,
            reference: "M01".into(),
            title: "Go-live".into(),
            category: "other".into(),
            baseline_on: date!(2021 - 01 - 31),
            forecast_on: Some(date!(2021 - 06 - 30)),
            actual_on: None,
            status: "in_progress".into(),
            illustrative: false,
            version: 1,
            signed_off_on: None,
        });
        let points = burn_up(&s);
        let marked: Vec<_> = points.iter().filter(|p| p.as_at_day.is_some()).collect();
        assert_eq!(marked.len(), 1);
        assert_eq!(
            (marked[0].year, marked[0].month, marked[0].as_at_day),
            (2021, 3, Some(31))
        );
        assert_eq!(points.last().map(|p| (p.year, p.month)), Some((2021, 6)));
    }
}
