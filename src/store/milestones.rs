//! The milestone list: every milestone with its participant, filtered and
//! sorted as the programme office asks.
use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use time::Date;

use super::decode;
use crate::domain::milestone::{
    MilestoneCategory, MilestoneStatus, Timeliness, slippage_days, timeliness,
};
use crate::entities::{Milestones, Organisations, Participants, milestone};

/// The filter form as typed (query string).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MilestoneFilterValues {
    pub participant: String,
    pub status: String,
    pub category: String,
    pub overdue: String,
    pub slipped_over: String,
    pub sort: String,
}

/// The filter in domain terms.
#[derive(Clone, Debug, Default)]
pub struct MilestoneFilter {
    pub participant: Option<String>,
    pub status: Option<MilestoneStatus>,
    pub category: Option<MilestoneCategory>,
    pub overdue: bool,
    pub slipped_over: Option<i64>,
    pub sort: MilestoneSort,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MilestoneSort {
    #[default]
    Participant,
    Baseline,
    Forecast,
    Slippage,
}

impl MilestoneFilterValues {
    /// Converts once; a bad value names its parameter.
    pub fn parse(&self) -> Result<MilestoneFilter, String> {
        let chosen = |v: &str| Some(v.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(MilestoneFilter {
            participant: chosen(&self.participant).map(|s| s.to_uppercase()),
            status: chosen(&self.status)
                .map(|s| MilestoneStatus::from_code(&s).map_err(|e| format!("status: {e}")))
                .transpose()?,
            category: chosen(&self.category)
                .map(|s| MilestoneCategory::from_code(&s).map_err(|e| format!("category: {e}")))
                .transpose()?,
            overdue: match chosen(&self.overdue).as_deref() {
                None => false,
                Some("yes" | "true" | "1" | "on") => true,
                Some(other) => return Err(format!("overdue: {other:?} is not yes or empty")),
            },
            slipped_over: chosen(&self.slipped_over)
                .map(|s| {
                    s.parse::<i64>()
                        .ok()
                        .filter(|n| *n >= 0)
                        .ok_or_else(|| format!("slipped_over: {s:?} is not a whole number of days"))
                })
                .transpose()?,
            sort: match chosen(&self.sort).as_deref() {
                None | Some("participant") => MilestoneSort::Participant,
                Some("baseline") => MilestoneSort::Baseline,
                Some("forecast") => MilestoneSort::Forecast,
                Some("slippage") => MilestoneSort::Slippage,
                Some(other) => {
                    return Err(format!(
                        "sort: {other:?} is not one of participant, baseline, forecast, slippage"
                    ));
                }
            },
        })
    }
}

#[derive(Clone, Debug)]
pub struct MilestoneRow {
    pub id: i32,
    pub organisation_id: i32,
    pub ods_code: String,
    pub participant_name: String,
    pub reference: String,
    pub title: String,
    pub category: MilestoneCategory,
    pub baseline_on: Date,
    pub forecast_on: Option<Date>,
    pub actual_on: Option<Date>,
    pub status: MilestoneStatus,
    pub slippage_days: i64,
    pub timeliness: Timeliness,
    pub illustrative: bool,
}

impl MilestoneFilter {
    pub fn matches(&self, r: &MilestoneRow) -> bool {
        self.participant.as_ref().is_none_or(|p| *p == r.ods_code)
            && self.status.is_none_or(|s| s == r.status)
            && self.category.is_none_or(|c| c == r.category)
            && (!self.overdue || r.timeliness == Timeliness::Overdue)
            && self.slipped_over.is_none_or(|n| r.slippage_days > n)
    }
}

pub fn row(
    m: milestone::Model,
    ods: &str,
    name: &str,
    org: i32,
    today: Date,
) -> Result<MilestoneRow, DbErr> {
    let status = decode("milestone status", MilestoneStatus::from_code(&m.status))?;
    Ok(MilestoneRow {
        id: m.id,
        organisation_id: org,
        ods_code: ods.to_owned(),
        participant_name: name.to_owned(),
        slippage_days: slippage_days(m.baseline_on, m.forecast_on, m.actual_on),
        timeliness: timeliness(status, m.forecast_on, m.baseline_on, today),
        category: decode("category", MilestoneCategory::from_code(&m.category))?,
        reference: m.reference,
        title: m.title,
        baseline_on: m.baseline_on,
        forecast_on: m.forecast_on,
        actual_on: m.actual_on,
        status,
        illustrative: m.illustrative,
    })
}

/// Every milestone as a row (callers filter by scope and by `MilestoneFilter`).
pub async fn all_rows(db: &impl ConnectionTrait, today: Date) -> Result<Vec<MilestoneRow>, DbErr> {
    let orgs: HashMap<i32, (String, String)> = Organisations::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, (o.ods_code.unwrap_or_default(), o.name)))
        .collect();
    let participant_org: HashMap<i32, i32> = Participants::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.organisation_id))
        .collect();
    let mut rows = Vec::new();
    for m in Milestones::find().all(db).await? {
        let Some(org) = participant_org.get(&m.participant_id) else {
            continue;
        };
        let (ods, name) = orgs.get(org).cloned().unwrap_or_default();
        rows.push(row(m, &ods, &name, *org, today)?);
    }
    Ok(rows)
}

pub fn sort(rows: &mut [MilestoneRow], sort: MilestoneSort) {
    rows.sort_by(|a, b| {
        let primary = match sort {
            MilestoneSort::Participant => {
                (a.ods_code.as_str(), a.baseline_on).cmp(&(b.ods_code.as_str(), b.baseline_on))
            }
            MilestoneSort::Baseline => a.baseline_on.cmp(&b.baseline_on),
            MilestoneSort::Forecast => a.forecast_on.cmp(&b.forecast_on),
            MilestoneSort::Slippage => b.slippage_days.cmp(&a.slippage_days),
        };
        primary.then_with(|| {
            (a.ods_code.as_str(), a.reference.as_str())
                .cmp(&(b.ods_code.as_str(), b.reference.as_str()))
        })
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_filter_values_name_their_parameter() {
        let v = MilestoneFilterValues {
            status: "done".into(),
            ..Default::default()
        };
        assert!(v.parse().unwrap_err().starts_with("status:"));
        let v = MilestoneFilterValues {
            slipped_over: "-3".into(),
            ..Default::default()
        };
        assert!(v.parse().unwrap_err().starts_with("slipped_over:"));
        let v = MilestoneFilterValues {
            slipped_over: "90".into(),
            overdue: "yes".into(),
            ..Default::default()
        };
        let f = v.parse().unwrap();
        assert_eq!(f.slipped_over, Some(90));
        assert!(f.overdue);
    }
}
