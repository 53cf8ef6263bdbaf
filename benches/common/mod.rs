//! Sample rows for the benchmarks and the `render_seed` example:
//! a seed-sized programme (38 participants, 60 months, 20 periods,
//! 5 financial years) and a synthetic programme of 10,000 participants.
//! Amounts are illustrative, not programme facts.

#![allow(dead_code)]

use gde::charts::*;

/// A small deterministic generator (64-bit LCG), so the data never varies.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Self {
        Lcg(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const EXEMPLARS: [&str; 26] = [
    "RLN", "RQ6", "RM3", "RBL", "RRK", "RC9", "RGR", "RAL", "RTH", "RBA", "RA7", "RHM", "RGT",
    "RYJ", "RTD", "RBS", "RWX", "RXT", "RW4", "RX4", "RNU", "RV5", "R1A", "RX6", "RYE", "RYA",
];
const FAST_FOLLOWERS: [&str; 12] = [
    "RW6", "RD8", "RHW", "RVW", "REP", "RLQ", "RXL", "RJR", "RE9", "RQM", "RRV", "RC1",
];

/// (code, group, cap in pence) for `n` participants: the 38 seed codes
/// first, then synthetic codes.
fn participants(n: usize) -> Vec<(String, ParticipantGroup, i64)> {
    (0..n)
        .map(|i| {
            if i < 26 {
                let cap = if i < 16 { 1_000_000_000 } else { 500_000_000 };
                (EXEMPLARS[i].to_string(), ParticipantGroup::Exemplar, cap)
            } else if i < 38 {
                (
                    FAST_FOLLOWERS[i - 26].to_string(),
                    ParticipantGroup::FastFollower,
                    500_000_000,
                )
            } else if i % 2 == 0 {
                (
                    format!("E{i:05}"),
                    ParticipantGroup::Exemplar,
                    1_000_000_000,
                )
            } else {
                (
                    format!("F{i:05}"),
                    ParticipantGroup::FastFollower,
                    300_000_000,
                )
            }
        })
        .collect()
}

pub fn funding(n: usize) -> Vec<FundingBar> {
    let mut rng = Lcg::new(2);
    participants(n)
        .into_iter()
        .map(|(code, group, cap)| {
            // Allocations in £50,000 steps between 60% and 100% of the cap.
            let steps = cap / 5_000_000;
            let allocated =
                (steps * 6 / 10 + rng.below((steps * 4 / 10) as u64 + 1) as i64) * 5_000_000;
            let released = allocated * (40 + rng.below(61) as i64) / 100;
            let spent = if rng.below(6) == 0 {
                None
            } else {
                Some(released * (70 + rng.below(31) as i64) / 100)
            };
            FundingBar {
                name: format!("Trust {code}"),
                code,
                group,
                cap,
                allocated,
                released,
                spent,
            }
        })
        .collect()
}

pub fn slippage(n: usize) -> Vec<SlippageBar> {
    let mut rng = Lcg::new(5);
    participants(n)
        .into_iter()
        .map(|(code, _, _)| {
            let days = rng.below(420) as i64 - 90
                + if rng.below(5) == 0 {
                    rng.below(200) as i64
                } else {
                    0
                };
            SlippageBar {
                name: format!("Trust {code}"),
                code,
                days,
            }
        })
        .collect()
}

pub fn maturity(n: usize) -> Vec<MaturityBar> {
    let mut rng = Lcg::new(6);
    participants(n)
        .into_iter()
        .map(|(code, group, _)| {
            let target = if group == ParticipantGroup::Exemplar {
                7
            } else {
                5
            };
            let stage = if rng.below(25) == 0 {
                None
            } else {
                Some((rng.below(4) as u8 + target - 3).min(7))
            };
            MaturityBar {
                acute: true,
                name: format!("Trust {code}"),
                code,
                group,
                stage,
                target,
            }
        })
        .collect()
}

/// Cumulative burn-up for `participants` × 6 milestones, by month from
/// `start` for `months` months.
pub fn burn_up(participants: usize, start: (i32, u8), months: usize) -> Vec<BurnUpPoint> {
    let mut rng = Lcg::new(1);
    let mut baseline = vec![0u32; months];
    let mut forecast = vec![0u32; months];
    let mut completed = vec![0u32; months];
    let now = months * 4 / 5;
    for _ in 0..participants * 6 {
        // Baseline due months spread over the first 85% of the period.
        let b = (rng.below((months * 85 / 100) as u64) as usize
            + rng.below((months * 85 / 100) as u64) as usize)
            / 2;
        let slip = rng.below(10) as usize
            + if rng.below(4) == 0 {
                rng.below(12) as usize
            } else {
                0
            };
        let f = (b + slip).min(months - 1);
        baseline[b] += 1;
        forecast[f] += 1;
        if f < now {
            completed[(f + rng.below(3) as usize).min(now)] += 1;
        }
    }
    let mut out = Vec::with_capacity(months);
    let (mut cb, mut cf, mut cc) = (0, 0, 0);
    for i in 0..months {
        cb += baseline[i];
        cf += forecast[i];
        cc += completed[i];
        let m0 = start.0 * 12 + i32::from(start.1) - 1 + i as i32;
        out.push(BurnUpPoint {
            year: m0.div_euclid(12),
            month: (m0.rem_euclid(12) + 1) as u8,
            planned_baseline: cb,
            planned_forecast: cf,
            completed: cc,
            as_at_day: None,
        });
    }
    out
}

pub fn seed_burn_up() -> Vec<BurnUpPoint> {
    burn_up(38, (2016, 4), 60)
}

pub fn big_burn_up() -> Vec<BurnUpPoint> {
    burn_up(10_000, (2016, 1), 144)
}

/// Financial years from `first` (e.g. 2016 for 2016/17), amounts scaled to
/// the programme's total allocation.
pub fn financial_years(first: i32, years: usize, total_pence: i64) -> Vec<FinancialYearBar> {
    let weights: Vec<i64> = (0..years as i64)
        .map(|i| 10 + 30 * i.min(years as i64 - 1 - i).min(2))
        .collect();
    let wsum: i64 = weights.iter().sum();
    (0..years)
        .map(|i| {
            let y = first + i as i32;
            // Whole thousands of pounds.
            let k = |p: i64| p / 100_000 * 100_000;
            let profiled = k(total_pence / wsum * weights[i]);
            let released = k(if i + 1 == years {
                profiled / 3
            } else {
                profiled * (85 + (i as i64 * 4) % 15) / 100
            });
            FinancialYearBar {
                label: format!("{y}/{:02}", (y + 1) % 100),
                profiled,
                released,
            }
        })
        .collect()
}

pub fn seed_years() -> Vec<FinancialYearBar> {
    financial_years(2016, 5, 26_500_000_000)
}

pub fn big_years() -> Vec<FinancialYearBar> {
    financial_years(2016, 12, 6_500_000_000_000)
}

/// Quarterly confidence for `participants`, `periods` quarters from 2016/17 Q1.
pub fn confidence(participants: u32, periods: usize) -> Vec<ConfidencePeriod> {
    let mut rng = Lcg::new(4);
    (0..periods)
        .map(|i| {
            let fy = 2016 + (i / 4) as i32;
            let nr =
                participants * (periods - i) as u32 / (periods as u32 * 4) + rng.below(3) as u32;
            let nr = nr.min(participants);
            let left = participants - nr;
            let red = left * (8 + rng.below(10) as u32) / 100;
            let amber = left * (25 + rng.below(20) as u32) / 100;
            ConfidencePeriod {
                label: format!("{fy}/{:02} Q{}", (fy + 1) % 100, i % 4 + 1),
                red,
                amber,
                green: left - red - amber,
                not_reported: nr,
                ..Default::default()
            }
        })
        .collect()
}

pub fn seed_confidence() -> Vec<ConfidencePeriod> {
    confidence(38, 20)
}

pub fn big_confidence() -> Vec<ConfidencePeriod> {
    confidence(10_000, 48)
}
