//! Headline figures, plain-English summary sentences and exceptions, all
//! computed from one snapshot so they reconcile with the charts and tables.
use std::collections::HashMap;

use crate::domain::milestone::{MilestoneStatus, Timeliness, slippage_days, timeliness};
use crate::domain::money::Pence;
use crate::domain::participant::Role;
use crate::domain::period_states::{self, PeriodCounts};
use crate::domain::reporting::ReturnStatus;
use crate::domain::snapshot::Provenance;
use crate::domain::spreadsheet::Cell;

use crate::domain::snapshot::{ParticipantAt, ReturnAt, Snapshot};

/// One headline figure: a stable key, a label and its value as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Figure {
    pub key: &'static str,
    pub label: &'static str,
    pub value: Cell,
    /// Computed from illustrative (invented) records: labelled wherever shown.
    pub illustrative: bool,
}

/// Does the figure with this key rest on records the provenance marks
/// illustrative? (Counts of participants are programme facts.)
pub fn rests_on_illustrative(key: &str, p: Provenance) -> bool {
    match key {
        "allocated" | "released" | "remaining" | "local_match" => p.money,
        "spend_reported"
        | "rated_red"
        | "returns_not_submitted"
        | "returns_not_reported"
        | "returns_draft"
        | "returns_returned"
        | "returns_awaiting_review"
        | "returns_approved" => p.returns,
        "milestones"
        | "milestones_complete"
        | "milestones_overdue"
        | "milestones_due_soon"
        | "slipped_over_90" => p.milestones,
        _ => false,
    }
}

/// How a headline sentence built on illustrative records begins.
pub const ILLUSTRATIVE_SENTENCE: &str = "Illustrative figures: ";

#[derive(Clone, Debug)]
pub struct Exceptions {
    /// Participants whose latest approved return is rated Red (office rating, else the trust's).
    pub rated_red: Vec<(String, String, String)>,
    /// Milestones slipped more than 90 days: (ODS, reference, days, milestone id).
    pub slipped_over_90: Vec<(String, String, i64, i32)>,
    /// Participants with no submitted return for the latest period due by the
    /// date: no return, a draft, or one returned for changes
    /// (`PeriodState::is_outstanding`).
    pub not_submitted: Vec<(String, String)>,
    pub latest_period: Option<String>,
    /// Participants whose spend in their latest approved return is above the
    /// central funding released to them: (ODS, name, excess).
    pub spend_above_released: Vec<(String, String, String)>,
    /// Participants whose local match is below their central funding: (ODS, name, shortfall).
    pub match_shortfall: Vec<(String, String, String)>,
}

#[derive(Clone, Debug)]
pub struct Briefing {
    pub figures: Vec<Figure>,
    pub sentences: Vec<String>,
    pub exceptions: Exceptions,
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

pub fn money(p: i64) -> String {
    Pence::new(p.max(0))
        .map(|p| p.to_string())
        .unwrap_or_default()
}

/// Per participant: the latest approved return by the date (period order).
pub fn latest_approved(s: &Snapshot) -> HashMap<i32, &ReturnAt> {
    let order: HashMap<i32, usize> = s
        .periods
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, i))
        .collect();
    let mut latest: HashMap<i32, &ReturnAt> = HashMap::new();
    for r in s
        .returns
        .iter()
        .filter(|r| r.status == ReturnStatus::Approved)
    {
        let better = latest
            .get(&r.participant_id)
            .is_none_or(|cur| order.get(&r.period_id) > order.get(&cur.period_id));
        if better {
            latest.insert(r.participant_id, r);
        }
    }
    latest
}

fn name_of(s: &Snapshot) -> HashMap<i32, &ParticipantAt> {
    s.participants.iter().map(|p| (p.id, p)).collect()
}

pub fn briefing(s: &Snapshot) -> Briefing {
    let names = name_of(s);
    let exemplars = s
        .participants
        .iter()
        .filter(|p| p.role == Role::GlobalDigitalExemplar)
        .count();
    let followers = s.participants.len() - exemplars;
    let allocated: i64 = s.allocations.iter().map(|a| a.central).sum();
    let local: i64 = s.allocations.iter().map(|a| a.local_match).sum();
    let released: i64 = s
        .tranches
        .iter()
        .filter(|t| t.released_on.is_some())
        .map(|t| t.amount)
        .sum();
    let latest = latest_approved(s);
    let spent: i64 = latest.values().filter_map(|r| r.spend).sum();
    let mut counts: HashMap<Timeliness, usize> = HashMap::new();
    let mut slipped = Vec::new();
    for m in &s.milestones {
        let status = MilestoneStatus::from_code(&m.status).unwrap_or(MilestoneStatus::NotStarted);
        *counts
            .entry(timeliness(status, m.forecast_on, m.baseline_on, s.as_at))
            .or_default() += 1;
        let days = slippage_days(m.baseline_on, m.forecast_on, m.actual_on);
        if days > 90 && status != MilestoneStatus::Cancelled {
            let ods = names
                .get(&m.participant_id)
                .map(|p| p.ods_code.clone())
                .unwrap_or_default();
            slipped.push((ods, m.reference.clone(), days, m.id));
        }
    }
    slipped.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| (&a.0, &a.1).cmp(&(&b.0, &b.1))));
    let mut rated_red: Vec<(String, String, String)> = latest
        .iter()
        .filter(|(_, r)| r.office_rating.as_deref().or(r.self_rating.as_deref()) == Some("red"))
        .filter_map(|(id, _)| names.get(id))
        .map(|p| {
            (
                p.ods_code.clone(),
                p.name.clone(),
                p.role.label().to_owned(),
            )
        })
        .collect();
    rated_red.sort();
    // The latest period whose returns were due by the date, each
    // participant's return state for it as at the date: the chart's
    // definition, so the two agree to the unit.
    let latest_period = period_states::latest_due(s);
    let mut not_submitted = Vec::new();
    let mut period_counts = PeriodCounts::default();
    if let Some(period) = latest_period {
        for (p, state) in period_states::states(s, period) {
            period_counts.add(state);
            if state.is_outstanding() {
                not_submitted.push((p.ods_code.clone(), p.name.clone()));
            }
        }
    }
    let mut central_by: HashMap<i32, (i64, i64)> = HashMap::new();
    for a in &s.allocations {
        let entry = central_by.entry(a.participant_id).or_default();
        entry.0 += a.central;
        entry.1 += a.local_match;
    }
    let mut match_shortfall: Vec<(String, String, String)> = central_by
        .iter()
        .filter(|(_, (central, local))| local < central)
        .filter_map(|(id, (central, local))| {
            names
                .get(id)
                .map(|p| (p.ods_code.clone(), p.name.clone(), money(central - local)))
        })
        .collect();
    match_shortfall.sort();
    let count = |t: Timeliness| counts.get(&t).copied().unwrap_or(0);
    let figures = vec![
        Figure {
            key: "as_at",
            label: "As at",
            value: Cell::Text(s.as_at.to_string()),
            illustrative: false,
        },
        Figure {
            key: "participants",
            label: "Participants",
            value: Cell::count(s.participants.len() as i64),
            illustrative: false,
        },
        Figure {
            key: "exemplars",
            label: "Global digital exemplars",
            value: Cell::count(exemplars as i64),
            illustrative: false,
        },
        Figure {
            key: "fast_followers",
            label: "Fast followers",
            value: Cell::count(followers as i64),
            illustrative: false,
        },
        Figure {
            key: "allocated",
            label: "Central funding allocated",
            value: Cell::Money(allocated),
            illustrative: false,
        },
        Figure {
            key: "released",
            label: "Central funding released",
            value: Cell::Money(released),
            illustrative: false,
        },
        Figure {
            key: "remaining",
            label: "Allocated but not yet released",
            value: Cell::Money(allocated - released),
            illustrative: false,
        },
        Figure {
            key: "local_match",
            label: "Local match committed",
            value: Cell::Money(local),
            illustrative: false,
        },
        Figure {
            key: "spend_reported",
            label: "Spend reported in latest approved returns",
            value: Cell::Money(spent),
            illustrative: false,
        },
        Figure {
            key: "milestones",
            label: "Milestones",
            value: Cell::count(s.milestones.len() as i64),
            illustrative: false,
        },
        Figure {
            key: "milestones_complete",
            label: "Milestones complete",
            value: Cell::count(count(Timeliness::Complete) as i64),
            illustrative: false,
        },
        Figure {
            key: "milestones_overdue",
            label: "Milestones overdue",
            value: Cell::count(count(Timeliness::Overdue) as i64),
            illustrative: false,
        },
        Figure {
            key: "milestones_due_soon",
            label: "Milestones due in the next 90 days",
            value: Cell::count(count(Timeliness::DueSoon) as i64),
            illustrative: false,
        },
        Figure {
            key: "rated_red",
            label: "Participants rated Red in their latest approved return",
            value: Cell::count(rated_red.len() as i64),
            illustrative: false,
        },
        Figure {
            key: "slipped_over_90",
            label: "Milestones slipped more than 90 days",
            value: Cell::count(slipped.len() as i64),
            illustrative: false,
        },
        Figure {
            key: "returns_not_submitted",
            label: "Returns not submitted for the latest period due (no return, draft or returned for changes)",
            value: Cell::count(not_submitted.len() as i64),
            illustrative: false,
        },
    ];
    let mut figures = figures;
    if latest_period.is_some() {
        let c = &period_counts;
        for (key, label, n) in [
            (
                "returns_not_reported",
                "Latest period due: no return",
                c.not_reported,
            ),
            (
                "returns_draft",
                "Latest period due: returns in draft",
                c.draft,
            ),
            (
                "returns_returned",
                "Latest period due: returns returned for changes",
                c.returned,
            ),
            (
                "returns_awaiting_review",
                "Latest period due: returns awaiting review",
                c.awaiting_review,
            ),
            (
                "returns_approved",
                "Latest period due: returns approved",
                c.approved(),
            ),
        ] {
            figures.push(Figure {
                key,
                label,
                value: Cell::count(i64::from(n)),
                illustrative: false,
            });
        }
    }
    let provenance = s.provenance();
    for figure in &mut figures {
        figure.illustrative = rests_on_illustrative(figure.key, provenance);
    }
    let label = |illustrative: bool, sentence: String| {
        if illustrative {
            format!("{ILLUSTRATIVE_SENTENCE}{sentence}")
        } else {
            sentence
        }
    };
    let red_exemplars: Vec<&str> = rated_red
        .iter()
        .filter(|(_, _, role)| role == Role::GlobalDigitalExemplar.label())
        .map(|(_, name, _)| name.as_str())
        .collect();
    let percent = if allocated > 0 {
        released * 100 / allocated
    } else {
        0
    };
    let mut sentences = vec![
        format!(
            "The programme has {} participants: {exemplars} global digital exemplars and {followers} fast followers.",
            s.participants.len()
        ),
        label(
            provenance.money,
            format!(
                "{} of central funding has been allocated and {} ({percent}%) released.",
                money(allocated),
                money(released)
            ),
        ),
        label(
            provenance.milestones,
            format!(
                "{} of {} milestones are complete; {} are overdue.",
                count(Timeliness::Complete),
                s.milestones.len(),
                count(Timeliness::Overdue)
            ),
        ),
    ];
    // The figure counts every participant; the sentence names the exemplars
    // among them, and says so.
    let others = rated_red.len() - red_exemplars.len();
    let red_sentence = match (rated_red.len(), red_exemplars.len()) {
        (0, _) => "No participant is rated Red in its latest approved return.".to_owned(),
        (n, 0) => format!(
            "{n} {} rated Red in {} latest approved {}, none of {} an exemplar.",
            plural(n, "participant is", "participants are"),
            plural(n, "its", "their"),
            plural(n, "return", "returns"),
            plural(n, "it", "them"),
        ),
        (n, e) => format!(
            "{n} {} rated Red in {} latest approved {}: {e} {} ({}) and {others} {}.",
            plural(n, "participant is", "participants are"),
            plural(n, "its", "their"),
            plural(n, "return", "returns"),
            plural(e, "exemplar", "exemplars"),
            red_exemplars.join(", "),
            plural(others, "fast follower", "fast followers"),
        ),
    };
    sentences.push(label(provenance.returns, red_sentence));
    if let Some(period) = latest_period {
        let c = &period_counts;
        let submitted_sentence = if c.total() > 0 && c.approved() == c.total() {
            format!(
                "Every participant's return for {} has been approved.",
                period.label
            )
        } else {
            format!(
                "Returns for {}: {} approved, {} awaiting review, {} returned for changes, {} in draft and {} not started ({} of {} participants have not submitted one).",
                period.label,
                c.approved(),
                c.awaiting_review,
                c.returned,
                c.draft,
                c.not_reported,
                c.outstanding(),
                c.total(),
            )
        };
        sentences.push(label(provenance.returns, submitted_sentence));
    }
    Briefing {
        figures,
        sentences,
        exceptions: Exceptions {
            rated_red,
            slipped_over_90: slipped,
            not_submitted,
            latest_period: latest_period.map(|p| p.label.clone()),
            match_shortfall,
            spend_above_released: super::chart_data::funding(s)
                .iter()
                .filter_map(|b| {
                    b.spend_above_released()
                        .map(|x| (b.code.clone(), b.name.clone(), money(x)))
                })
                .collect(),
        },
    }
}
