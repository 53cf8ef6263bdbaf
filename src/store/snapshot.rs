//! Reads the programme as it stood at a date: the live records with every
//! audited change made after that date undone, and only what had happened
//! by then (designations, awards, releases, completions, and each return in
//! the state it was in then).
//! Because approved returns and audit events never change, the same date
//! always gives the same figures, however the records are edited later.
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use time::Date;

use super::decode;
use crate::domain::participant::{Role, Sector};
use crate::domain::period_states::{ReturnInstants, status_at};
use crate::domain::region::RegionCode;
use crate::domain::reporting::ReturnStatus;
use crate::domain::snapshot::{
    AllocationAt, MilestoneAt, ParticipantAt, PeriodAt, ReturnAt, Snapshot, TrancheAt, end_of,
};
use crate::entities::{
    AllocationProfiles, Allocations, AuditEvents, MaturityAssessments, Milestones, Organisations,
    Participants, ReportingPeriods, Returns, Tranches, audit_event,
};

fn date_field(v: &Value, key: &str) -> Option<Option<Date>> {
    let field = v.get(key)?;
    Some(field.as_str().and_then(|s| {
        Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
    }))
}

/// Run it inside one transaction, so every table is read at the same moment.
pub async fn build(db: &impl ConnectionTrait, as_at: Date) -> Result<Snapshot, DbErr> {
    let cutoff = end_of(as_at);
    // Changes after the date, newest first, so undoing them in order restores the past.
    let later: Vec<audit_event::Model> = AuditEvents::find()
        .filter(audit_event::Column::OccurredAt.gt(cutoff))
        .order_by_desc(audit_event::Column::OccurredAt)
        .order_by_desc(audit_event::Column::Id)
        .all(db)
        .await?;
    let parse = |s: &Option<String>| {
        s.as_deref()
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
    };

    let orgs: HashMap<i32, crate::entities::organisation::Model> = Organisations::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();

    // Participants.
    let mut participants: HashMap<i32, crate::entities::participant::Model> = Participants::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    for e in later.iter().filter(|e| e.entity_type == "participant") {
        let Ok(id) = e.entity_id.parse::<i32>() else {
            continue;
        };
        match e.action.as_str() {
            "participant.create" => {
                participants.remove(&id);
            }
            "participant.update" => {
                if let (Some(p), Some(before)) = (participants.get_mut(&id), parse(&e.before_json))
                {
                    if let Some(r) = before.get("role").and_then(Value::as_str) {
                        p.role = r.to_owned();
                    }
                    if let Some(s) = before.get("sector").and_then(Value::as_str) {
                        p.sector = s.to_owned();
                    }
                }
            }
            _ => {}
        }
    }
    let mut participant_list = Vec::new();
    for p in participants.values().filter(|p| p.designated_on <= as_at) {
        let Some(org) = orgs.get(&p.organisation_id) else {
            continue;
        };
        participant_list.push(ParticipantAt {
            id: p.id,
            organisation_id: org.id,
            ods_code: org.ods_code.clone().unwrap_or_default(),
            name: org.name.clone(),
            role: decode("role", Role::from_code(&p.role))?,
            sector: decode("sector", Sector::from_code(&p.sector))?,
            region: org
                .region_code
                .as_deref()
                .and_then(|r| RegionCode::parse(r).ok()),
        });
    }
    participant_list.sort_by(|a, b| a.ods_code.cmp(&b.ods_code));
    let included: std::collections::HashSet<i32> = participant_list.iter().map(|p| p.id).collect();

    // Milestones, with later changes undone field by field.
    let mut milestones: HashMap<i32, MilestoneAt> = Milestones::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| {
            (
                m.id,
                MilestoneAt {
                    id: m.id,
                    participant_id: m.participant_id,
                    reference: m.reference,
                    baseline_on: m.baseline_on,
                    forecast_on: m.forecast_on,
                    actual_on: m.actual_on,
                    status: m.status,
                    illustrative: m.illustrative,
                },
            )
        })
        .collect();
    let by_reference: HashMap<(i32, String), i32> = milestones
        .values()
        .filter_map(|m| {
            participants
                .get(&m.participant_id)
                .map(|p| ((p.organisation_id, m.reference.clone()), m.id))
        })
        .collect();
    for e in &later {
        match (e.entity_type.as_str(), e.action.as_str()) {
            ("milestone", "milestone.create") => {
                if let Ok(id) = e.entity_id.parse::<i32>() {
                    milestones.remove(&id);
                }
            }
            ("milestone", _) => {
                let (Ok(id), Some(before)) = (e.entity_id.parse::<i32>(), parse(&e.before_json))
                else {
                    continue;
                };
                let Some(m) = milestones.get_mut(&id) else {
                    continue;
                };
                if let Some(Some(b)) = date_field(&before, "baseline_on") {
                    m.baseline_on = b;
                }
                if let Some(f) = date_field(&before, "forecast_on") {
                    m.forecast_on = f;
                }
                if let Some(a) = date_field(&before, "actual_on") {
                    m.actual_on = a;
                }
                if let Some(s) = before.get("status").and_then(Value::as_str) {
                    m.status = s.to_owned();
                }
            }
            ("return", "return.approve") => {
                let (Some(org), Some(after)) = (e.organisation_id, parse(&e.after_json)) else {
                    continue;
                };
                for change in after
                    .get("milestones_updated")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let Some(reference) = change.get("reference").and_then(Value::as_str) else {
                        continue;
                    };
                    let Some(id) = by_reference.get(&(org, reference.to_owned())) else {
                        continue;
                    };
                    let Some(m) = milestones.get_mut(id) else {
                        continue;
                    };
                    if let Some(before) = change.get("forecast_on").and_then(|v| v.get(0)) {
                        m.forecast_on = before.as_str().and_then(|s| {
                            Date::parse(
                                s,
                                time::macros::format_description!("[year]-[month]-[day]"),
                            )
                            .ok()
                        });
                    }
                    if let Some(before) = change
                        .get("status")
                        .and_then(|v| v.get(0))
                        .and_then(Value::as_str)
                    {
                        m.status = before.to_owned();
                        if before != "complete" {
                            m.actual_on = None;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let mut milestone_list: Vec<MilestoneAt> = milestones
        .into_values()
        .filter(|m| included.contains(&m.participant_id))
        .map(|mut m| {
            // Completion after the date had not happened yet.
            if m.actual_on.is_some_and(|a| a > as_at) {
                m.actual_on = None;
                if m.status == "complete" {
                    m.status = "in_progress".into();
                }
            }
            m
        })
        .collect();
    milestone_list.sort_by_key(|m| m.id);

    // Allocations and their profiles.
    let mut allocations: HashMap<i32, AllocationAt> = HashMap::new();
    let profiles = AllocationProfiles::find().all(db).await?;
    for a in Allocations::find().all(db).await? {
        if a.awarded_on > as_at || !included.contains(&a.participant_id) {
            continue;
        }
        let mut profile: Vec<(i32, i64)> = profiles
            .iter()
            .filter(|p| p.allocation_id == a.id)
            .map(|p| (p.financial_year, p.amount_pence))
            .collect();
        profile.sort();
        allocations.insert(
            a.id,
            AllocationAt {
                id: a.id,
                participant_id: a.participant_id,
                central: a.central_pence,
                local_match: a.local_match_pence,
                profile,
                illustrative: a.illustrative,
            },
        );
    }
    for e in later.iter().filter(|e| e.entity_type == "allocation") {
        let Ok(id) = e.entity_id.parse::<i32>() else {
            continue;
        };
        match e.action.as_str() {
            "allocation.create" => {
                allocations.remove(&id);
            }
            "allocation_change.approve" => {
                let (Some(a), Some(before)) = (allocations.get_mut(&id), parse(&e.before_json))
                else {
                    continue;
                };
                if let Some(c) = before.get("central_pence").and_then(Value::as_i64) {
                    a.central = c;
                }
                if let Some(l) = before.get("local_match_pence").and_then(Value::as_i64) {
                    a.local_match = l;
                }
                if let Some(profile) = before.get("profile").and_then(Value::as_object) {
                    a.profile = profile
                        .iter()
                        .filter_map(|(fy, p)| Some((fy.get(..4)?.parse().ok()?, p.as_i64()?)))
                        .collect();
                    a.profile.sort();
                }
            }
            _ => {}
        }
    }
    let mut allocation_list: Vec<AllocationAt> = allocations.into_values().collect();
    allocation_list.sort_by_key(|a| a.id);

    // Tranches released by the date (and recorded as released by then).
    let released_later: std::collections::HashSet<i32> = later
        .iter()
        .filter(|e| e.action == "tranche.release")
        .filter_map(|e| e.entity_id.parse().ok())
        .collect();
    let created_later: std::collections::HashSet<i32> = later
        .iter()
        .filter(|e| e.action == "tranche.create")
        .filter_map(|e| e.entity_id.parse().ok())
        .collect();
    let kept: std::collections::HashSet<i32> = allocation_list.iter().map(|a| a.id).collect();
    let tranches = Tranches::find()
        .all(db)
        .await?
        .into_iter()
        .filter(|t| kept.contains(&t.allocation_id) && !created_later.contains(&t.id))
        .map(|t| TrancheAt {
            allocation_id: t.allocation_id,
            amount: t.amount_pence,
            released_on: t
                .released_on
                .filter(|d| *d <= as_at && !released_later.contains(&t.id)),
            illustrative: t.illustrative,
        })
        .collect();

    // Periods ended by the date, and returns as they stood then.
    let mut periods: Vec<PeriodAt> = ReportingPeriods::find()
        .all(db)
        .await?
        .into_iter()
        .filter(|p| p.ends_on <= as_at)
        .map(|p| PeriodAt {
            id: p.id,
            label: p.label,
            ends_on: p.ends_on,
            due_on: p.due_on,
        })
        .collect();
    periods.sort_by_key(|p| p.ends_on);
    let period_ids: std::collections::HashSet<i32> = periods.iter().map(|p| p.id).collect();
    // Every return as it stood at the end of the date: drafts, submitted,
    // returned and approved (see `domain::period_states` for how its status
    // then is read from the instants the row keeps).
    let mut returns = Vec::new();
    for r in Returns::find().all(db).await? {
        if !period_ids.contains(&r.period_id) || !included.contains(&r.participant_id) {
            continue;
        }
        let instants = ReturnInstants {
            status: decode("return status", ReturnStatus::from_code(&r.status))?,
            created_at: r.created_at,
            updated_at: r.updated_at,
            submitted_at: r.submitted_at,
            approved_at: r.approved_at,
        };
        let Some(status) = status_at(&instants, cutoff) else {
            // Created after the date: it did not exist then.
            continue;
        };
        let submitted = matches!(
            status,
            ReturnStatus::Submitted | ReturnStatus::Approved | ReturnStatus::Returned
        );
        returns.push(ReturnAt {
            period_id: r.period_id,
            participant_id: r.participant_id,
            status,
            // What the trust wrote is known only once submitted; a draft's
            // content at a past date is not kept.
            self_rating: if submitted { r.self_rating } else { None },
            office_rating: if status == ReturnStatus::Approved {
                r.office_rating
            } else {
                None
            },
            spend: if submitted {
                r.spend_to_date_pence
            } else {
                None
            },
            illustrative: r.illustrative,
        });
    }

    // Latest HIMSS EMRAM stage assessed by the date.
    let mut emram: HashMap<i32, (Date, u8, bool)> = HashMap::new();
    for m in MaturityAssessments::find().all(db).await? {
        if m.scale != "himss_emram" || m.assessed_on > as_at {
            continue;
        }
        let stage = u8::try_from(m.score).unwrap_or(0);
        let entry = emram
            .entry(m.participant_id)
            .or_insert((m.assessed_on, stage, m.illustrative));
        if m.assessed_on >= entry.0 {
            *entry = (m.assessed_on, stage, m.illustrative);
        }
    }

    let cap_table = crate::store::funding::cap_table(db).await?;
    let caps = participant_list
        .iter()
        .map(|p| {
            (
                p.id,
                cap_table
                    .cap_for(p.role, p.sector)
                    .map(|c| c.value())
                    .unwrap_or(0),
            )
        })
        .collect();

    Ok(Snapshot {
        as_at,
        participants: participant_list,
        milestones: milestone_list,
        allocations: allocation_list,
        tranches,
        periods,
        returns,
        emram_illustrative: emram
            .iter()
            .filter(|(_, (_, _, illustrative))| *illustrative)
            .map(|(k, _)| *k)
            .collect(),
        emram: emram.into_iter().map(|(k, (_, s, _))| (k, s)).collect(),
        caps,
    })
}
