//! A transparent suggested delivery-confidence rating, computed from the
//! record: overdue milestones, slippage against baseline, and spend against
//! the financial-year profile. It is advice beside the trust's and the
//! office's ratings, with its reasons, never a replacement for them.
use time::Date;

use super::financial_year::FinancialYear;
use super::money::Pence;
use super::rating::Rating;

/// The thresholds, in one place.
pub mod thresholds {
    /// Overdue milestones (forecast passed, not complete) for Amber / Red.
    pub const OVERDUE_AMBER: usize = 1;
    pub const OVERDUE_RED: usize = 2;
    /// Worst slippage of an open milestone, in days, for Amber / Red.
    pub const SLIPPAGE_AMBER_DAYS: i64 = 90;
    pub const SLIPPAGE_RED_DAYS: i64 = 180;
    /// Spend differing from the profile to date by more than this percentage.
    pub const SPEND_AMBER_PERCENT: i64 = 10;
    pub const SPEND_RED_PERCENT: i64 = 25;
}

/// What the rule looks at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evidence {
    pub overdue_milestones: usize,
    /// Worst slippage (days late against baseline) among open milestones.
    pub worst_open_slippage_days: i64,
    /// Spend reported to date, if any.
    pub spend_to_date: Option<Pence>,
    /// What the profile says should have been spent by the period's end.
    pub profiled_to_date: Pence,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub rating: Rating,
    /// Each reason that pushed the rating down, in plain English.
    pub reasons: Vec<String>,
}

/// Spend's difference from profile as a whole percentage of the profile
/// (positive: overspent; negative: underspent).
pub fn spend_variance_percent(spend: Pence, profiled: Pence) -> Option<i64> {
    if profiled.is_zero() {
        return None;
    }
    let difference = i128::from(spend.value()) - i128::from(profiled.value());
    let percent = difference * 100 / i128::from(profiled.value());
    i64::try_from(percent).ok()
}

pub fn suggest(e: &Evidence) -> Suggestion {
    use thresholds::*;
    let mut red = Vec::new();
    let mut amber = Vec::new();
    match e.overdue_milestones {
        n if n >= OVERDUE_RED => red.push(format!(
            "{n} milestones are overdue (Red at {OVERDUE_RED} or more)"
        )),
        n if n >= OVERDUE_AMBER => amber.push(format!(
            "{n} milestone is overdue (Amber at {OVERDUE_AMBER})"
        )),
        _ => {}
    }
    match e.worst_open_slippage_days {
        d if d > SLIPPAGE_RED_DAYS => red.push(format!(
            "an open milestone has slipped {d} days past its baseline (Red beyond {SLIPPAGE_RED_DAYS})"
        )),
        d if d > SLIPPAGE_AMBER_DAYS => amber.push(format!(
            "an open milestone has slipped {d} days past its baseline (Amber beyond {SLIPPAGE_AMBER_DAYS})"
        )),
        _ => {}
    }
    if let Some(spend) = e.spend_to_date
        && let Some(variance) = spend_variance_percent(spend, e.profiled_to_date)
    {
        let words = if variance < 0 { "below" } else { "above" };
        let text = format!(
            "spend to date of {spend} is {}% {words} the {} profiled",
            variance.abs(),
            e.profiled_to_date
        );
        if variance.abs() > SPEND_RED_PERCENT {
            red.push(format!("{text} (Red beyond {SPEND_RED_PERCENT}%)"));
        } else if variance.abs() > SPEND_AMBER_PERCENT {
            amber.push(format!("{text} (Amber beyond {SPEND_AMBER_PERCENT}%)"));
        }
    }
    if !red.is_empty() {
        red.extend(amber);
        Suggestion {
            rating: Rating::Red,
            reasons: red,
        }
    } else if !amber.is_empty() {
        Suggestion {
            rating: Rating::Amber,
            reasons: amber,
        }
    } else {
        Suggestion {
            rating: Rating::Green,
            reasons: vec![
                "no overdue milestones, slippage within 90 days and spend within 10% of profile"
                    .into(),
            ],
        }
    }
}

/// What a profile says should be spent by `date`: whole financial years
/// that have ended, plus the current year pro rata by months begun.
pub fn profiled_to(profile: &[(FinancialYear, Pence)], date: Date) -> Pence {
    let mut total = Pence::ZERO;
    for (fy, amount) in profile {
        if fy.last_day() <= date {
            total = total.saturating_add(*amount);
        } else if fy.first_day() <= date {
            let months = months_into(fy.first_day(), date);
            let share = i128::from(amount.value()) * i128::from(months) / 12;
            total = total.saturating_add(Pence::new(share as i64).unwrap_or(Pence::ZERO));
        }
    }
    total
}

/// Whole months from `start` to `date`, counting the month `date` falls in.
fn months_into(start: Date, date: Date) -> i64 {
    let months = (date.year() - start.year()) as i64 * 12 + i64::from(u8::from(date.month()))
        - i64::from(u8::from(start.month()));
    (months + 1).clamp(0, 12)
}

#[cfg(test)]
mod tests {
    use super::thresholds::*;
    use super::*;
    use time::macros::date;

    fn evidence(overdue: usize, slip: i64, spend: i64, profiled: i64) -> Evidence {
        Evidence {
            overdue_milestones: overdue,
            worst_open_slippage_days: slip,
            spend_to_date: Some(Pence::new(spend).unwrap()),
            profiled_to_date: Pence::new(profiled).unwrap(),
        }
    }

    #[test]
    fn green_when_nothing_is_wrong() {
        let s = suggest(&evidence(0, 0, 100, 100));
        assert_eq!(s.rating, Rating::Green);
        assert_eq!(s.reasons.len(), 1);
    }

    #[test]
    fn overdue_milestones_at_each_threshold() {
        assert_eq!(
            suggest(&evidence(OVERDUE_AMBER - 1, 0, 100, 100)).rating,
            Rating::Green
        );
        assert_eq!(
            suggest(&evidence(OVERDUE_AMBER, 0, 100, 100)).rating,
            Rating::Amber
        );
        assert_eq!(
            suggest(&evidence(OVERDUE_RED, 0, 100, 100)).rating,
            Rating::Red
        );
        assert!(
            suggest(&evidence(OVERDUE_RED, 0, 100, 100)).reasons[0]
                .contains("2 milestones are overdue")
        );
    }

    #[test]
    fn slippage_at_and_around_each_threshold() {
        assert_eq!(
            suggest(&evidence(0, SLIPPAGE_AMBER_DAYS, 100, 100)).rating,
            Rating::Green
        );
        assert_eq!(
            suggest(&evidence(0, SLIPPAGE_AMBER_DAYS + 1, 100, 100)).rating,
            Rating::Amber
        );
        assert_eq!(
            suggest(&evidence(0, SLIPPAGE_RED_DAYS, 100, 100)).rating,
            Rating::Amber
        );
        assert_eq!(
            suggest(&evidence(0, SLIPPAGE_RED_DAYS + 1, 100, 100)).rating,
            Rating::Red
        );
        assert_eq!(
            suggest(&evidence(0, -30, 100, 100)).rating,
            Rating::Green,
            "early is fine"
        );
    }

    #[test]
    fn spend_at_and_around_each_threshold_either_way() {
        assert_eq!(suggest(&evidence(0, 0, 110, 100)).rating, Rating::Green);
        assert_eq!(suggest(&evidence(0, 0, 111, 100)).rating, Rating::Amber);
        assert_eq!(suggest(&evidence(0, 0, 89, 100)).rating, Rating::Amber);
        assert_eq!(suggest(&evidence(0, 0, 125, 100)).rating, Rating::Amber);
        assert_eq!(suggest(&evidence(0, 0, 126, 100)).rating, Rating::Red);
        let under = suggest(&evidence(0, 0, 74, 100));
        assert_eq!(under.rating, Rating::Red);
        assert!(
            under.reasons[0].contains("26% below"),
            "{:?}",
            under.reasons
        );
    }

    #[test]
    fn no_spend_or_no_profile_is_not_judged_on_spend() {
        let mut e = evidence(0, 0, 0, 0);
        assert_eq!(suggest(&e).rating, Rating::Green);
        e.spend_to_date = None;
        e.profiled_to_date = Pence::new(100).unwrap();
        assert_eq!(suggest(&e).rating, Rating::Green);
    }

    #[test]
    fn red_lists_every_reason() {
        let s = suggest(&evidence(2, 120, 100, 100));
        assert_eq!(s.rating, Rating::Red);
        assert_eq!(s.reasons.len(), 2);
    }

    #[test]
    fn profile_to_date_counts_ended_years_and_months_begun() {
        let fy = |y| FinancialYear::new(y).unwrap();
        let profile = [
            (fy(2017), Pence::new(1_200).unwrap()),
            (fy(2018), Pence::new(2_400).unwrap()),
        ];
        assert_eq!(profiled_to(&profile, date!(2017 - 03 - 31)), Pence::ZERO);
        assert_eq!(profiled_to(&profile, date!(2017 - 04 - 01)).value(), 100);
        assert_eq!(profiled_to(&profile, date!(2018 - 03 - 31)).value(), 1_200);
        assert_eq!(
            profiled_to(&profile, date!(2018 - 06 - 30)).value(),
            1_200 + 600
        );
        assert_eq!(profiled_to(&profile, date!(2030 - 01 - 01)).value(), 3_600);
    }
}
