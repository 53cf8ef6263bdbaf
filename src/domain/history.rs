//! A record's history in words: the before and after snapshots of an audit
//! event become sentences such as "Forecast moved from 31 March 2019 to
//! 30 June 2019". Pure: the snapshots are the JSON the services recorded, the
//! result is plain text for every reader. Nothing personal is described (a
//! user account's e-mail address and name are never put into words); who
//! acted is the reader's business, decided by the service.
use serde_json::{Map, Value};
use time::Date;

use super::change::RequestStatus;
use super::dates::display_date;
use super::milestone::{MilestoneCategory, MilestoneStatus};
use super::money::Pence;
use super::participant::{
    OrganisationKind, ParticipantStatus, PartnershipRole, Role as ParticipantRole, Sector,
};
use super::rating::Rating;
use super::reporting::ReturnStatus;
use super::tranche::TrancheKind;
use crate::domain::access::UserRole;

/// One audit event in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Description {
    /// What happened, e.g. "Return submitted".
    pub summary: String,
    /// What changed, one sentence each, e.g. "Forecast moved from … to …".
    pub changes: Vec<String>,
}

/// Describes an audit event of `action` (`milestone.progress`, …) on a record
/// of `entity_type`, from its before and after snapshots.
pub fn describe(
    action: &str,
    entity_type: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Description {
    let empty = Map::new();
    let before_map = before.and_then(Value::as_object).unwrap_or(&empty);
    let after_map = after.and_then(Value::as_object).unwrap_or(&empty);
    let summary = summary(action);
    let changes = match action {
        // A request proposes; the record itself has not changed yet.
        "baseline_change.request" => proposed(before_map, after_map, "baseline_on"),
        "allocation_change.request" => {
            let mut out = Vec::new();
            for key in ["central_pence", "local_match_pence"] {
                out.extend(proposal(key, before_map.get(key), after_map.get(key)));
            }
            out.extend(profile_changes(
                before_map.get("profile"),
                after_map.get("profile"),
                true,
            ));
            out
        }
        "user.set_password" => Vec::new(),
        _ => diff(entity_type, before_map, after_map),
    };
    Description { summary, changes }
}

/// "Return submitted", "Forecast and status updated", …; an action not listed
/// here reads as its words ("widget.paint" → "Widget paint").
fn summary(action: &str) -> String {
    let known = match action {
        "participant.create" => "Participant added",
        "participant.update" => "Participant details changed",
        "organisation.create" => "Organisation added",
        "pairing.set" => "Exemplar pairing changed",
        "partner.create" => "Partner organisation added",
        "partnership.create" => "Partnership added",
        "milestone.create" => "Milestone added",
        "milestone.progress" => "Progress updated",
        "milestone.sign_off" => "Milestone signed off",
        "baseline_change.request" => "Baseline change requested",
        "baseline_change.approve" => "Baseline change approved",
        "baseline_change.reject" => "Baseline change rejected",
        "allocation.create" => "Allocation awarded",
        "allocation_change.request" => "Allocation change requested",
        "allocation_change.approve" => "Allocation change approved",
        "allocation_change.reject" => "Allocation change rejected",
        "tranche.create" => "Tranche added",
        "tranche.release" => "Tranche released",
        "period.open" => "Reporting period opened",
        "return.save_draft" => "Return saved as a draft",
        "return.submit" => "Return submitted",
        "return.approve" => "Return approved",
        "return.return" => "Return sent back for changes",
        "user.create" => "Account created",
        "user.update" => "Account changed",
        "user.set_password" => "Password changed",
        "user.disable" => "Account disabled",
        "user.enable" => "Account enabled",
        "user.sign_in" => "Signed in",
        "seed.load" => "Programme seed data loaded",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    let words = action.replace(['.', '_', '-'], " ");
    capitalise(words.trim())
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Keys never put into words: personal data, internal ids, and fields that
/// only qualify another (`designated_precision`).
fn skipped(entity_type: &str, key: &str) -> bool {
    matches!(
        key,
        "request" | "designated_precision" | "password" | "exemplar_participant" | "id"
    ) || (entity_type == "user" && matches!(key, "email" | "name"))
}

/// Every field whose value differs, in the order the snapshot lists them.
fn diff(entity_type: &str, before: &Map<String, Value>, after: &Map<String, Value>) -> Vec<String> {
    let mut keys: Vec<&String> = after.keys().collect();
    keys.extend(before.keys().filter(|k| !after.contains_key(*k)));
    // Snapshots are maps without order: the most telling fields come first.
    keys.sort_by_key(|k| (ORDER.iter().position(|o| o == k).unwrap_or(ORDER.len()), *k));
    let mut out = Vec::new();
    for key in keys {
        if skipped(entity_type, key) {
            continue;
        }
        let (old, new) = (before.get(key), after.get(key));
        if old == new {
            continue;
        }
        if key == "profile" {
            out.extend(profile_changes(old, new, false));
            continue;
        }
        if key == "milestones" {
            out.extend(milestone_lines(new));
            continue;
        }
        out.extend(change(entity_type, key, old, new, old.is_none()));
    }
    out
}

/// A proposal reads "Proposed baseline 30 June 2019 (now 31 March 2019)".
fn proposed(before: &Map<String, Value>, after: &Map<String, Value>, key: &str) -> Vec<String> {
    proposal(key, before.get(key), after.get(&format!("proposed_{key}")))
        .into_iter()
        .collect()
}

fn proposal(key: &str, now: Option<&Value>, proposed: Option<&Value>) -> Option<String> {
    let new = value_text("", key, proposed?)?;
    let label = label(key).to_lowercase();
    Some(match now.and_then(|v| value_text("", key, v)) {
        Some(old) if old != new => format!("Proposed {label} {new} (now {old})"),
        Some(_) => format!("Proposed {label} {new} (unchanged)"),
        None => format!("Proposed {label} {new}"),
    })
}

/// One field's change as a sentence.
fn change(
    entity_type: &str,
    key: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    absent_before: bool,
) -> Option<String> {
    let label = label(key);
    let old = old.and_then(|v| value_text(entity_type, key, v));
    let new = new.and_then(|v| value_text(entity_type, key, v));
    let date = key.ends_with("_on");
    Some(match (old, new) {
        (None, None) => return None,
        (None, Some(new)) if absent_before => format!("{label}: {new}"),
        (None, Some(new)) => format!("{label} set to {new}"),
        (Some(old), None) => format!("{label} cleared (was {old})"),
        (Some(old), Some(new)) if old == new => return None,
        (Some(old), Some(new)) if date => format!("{label} moved from {old} to {new}"),
        (Some(old), Some(new)) => format!("{label} changed from {old} to {new}"),
    })
}

/// The order fields are described in; others follow alphabetically.
const ORDER: &[&str] = &[
    "status",
    "reference",
    "title",
    "name",
    "period",
    "label",
    "category",
    "role",
    "sector",
    "wave",
    "kind",
    "partner",
    "milestone",
    "baseline_on",
    "forecast_on",
    "actual_on",
    "signed_off_on",
    "designated_on",
    "accredited_on",
    "awarded_on",
    "released_on",
    "started_on",
    "ended_on",
    "starts_on",
    "ends_on",
    "due_on",
    "central_pence",
    "local_match_pence",
    "amount_pence",
    "profile",
    "spend_to_date_pence",
    "self_rating",
    "office_rating",
    "milestones",
    "milestones_updated",
    "risks",
];

/// A field's name in words.
fn label(key: &str) -> String {
    let known = match key {
        "baseline_on" => "Baseline",
        "forecast_on" => "Forecast",
        "actual_on" => "Completion date",
        "signed_off_on" => "Sign-off date",
        "designated_on" => "Designation date",
        "accredited_on" => "Accreditation date",
        "awarded_on" => "Award date",
        "released_on" => "Release date",
        "started_on" => "Start date",
        "ended_on" => "End date",
        "starts_on" => "Period start",
        "ends_on" => "Period end",
        "due_on" => "Due date",
        "central_pence" => "Central funding",
        "local_match_pence" => "Local match",
        "amount_pence" => "Amount",
        "spend_to_date_pence" => "Spend to date",
        "self_rating" => "Trust's rating",
        "office_rating" => "Office rating",
        "status" => "Status",
        "role" => "Role",
        "sector" => "Sector",
        "wave" => "Wave",
        "reference" => "Reference",
        "title" => "Title",
        "category" => "Category",
        "name" => "Name",
        "kind" => "Kind",
        "milestone" => "Milestone",
        "partner" => "Partner",
        "country_code" => "Country",
        "ods_code" => "ODS code",
        "region_code" => "Region",
        "exemplar_ods_code" => "Exemplar",
        "organisation" => "Organisation",
        "disabled" => "Disabled",
        "period" => "Period",
        "label" => "Period",
        "risks" => "Risks",
        "milestones_updated" => "Milestone forecasts applied",
        "failed_sign_ins" => "Failed sign-ins",
        "locked_until" => "Locked until",
        _ => "",
    };
    if known.is_empty() {
        let key = key.strip_suffix("_pence").unwrap_or(key);
        capitalise(&key.replace('_', " "))
    } else {
        known.to_owned()
    }
}

/// A snapshot value in words: dates as `31 March 2019`, pence as `£5,000,000`,
/// codes by their labels. `None` for an empty value.
fn value_text(entity_type: &str, key: &str, value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Bool(b) => Some(if *b { "yes" } else { "no" }.to_owned()),
        Value::Number(n) => Some(match n.as_i64() {
            Some(p) if key.ends_with("_pence") => money(p),
            _ => n.to_string(),
        }),
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(if key.ends_with("_on") {
            date_text(s)
        } else {
            code_label(entity_type, key, s).unwrap_or_else(|| s.clone())
        }),
        Value::Array(items) => Some(format!("{} items", items.len())),
        Value::Object(_) => None,
    }
}

fn date_text(iso: &str) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match Date::parse(iso.get(..10).unwrap_or(iso), &format) {
        Ok(d) => display_date(d),
        Err(_) => iso.to_owned(),
    }
}

fn money(pence: i64) -> String {
    match Pence::new(pence) {
        Ok(p) => p.to_string(),
        Err(_) => match pence.checked_neg().map(Pence::new) {
            Some(Ok(p)) => format!("-{p}"),
            _ => format!("{pence}p"),
        },
    }
}

/// The label of a stored code, chosen by the field (and, for `status`, by
/// the kind of record).
fn code_label(entity_type: &str, key: &str, code: &str) -> Option<String> {
    let label = match key {
        "status" => match entity_type {
            "milestone" => MilestoneStatus::from_code(code).ok().map(|s| s.label()),
            "return" => ReturnStatus::from_code(code).ok().map(|s| s.label()),
            "participant" => ParticipantStatus::from_code(code).ok().map(|s| s.label()),
            _ => MilestoneStatus::from_code(code)
                .ok()
                .map(|s| s.label())
                .or_else(|| ReturnStatus::from_code(code).ok().map(|s| s.label()))
                .or_else(|| ParticipantStatus::from_code(code).ok().map(|s| s.label()))
                .or_else(|| RequestStatus::from_code(code).ok().map(|s| s.label())),
        },
        "role" if entity_type == "user" => UserRole::from_code(code).ok().map(|r| r.label()),
        "role" => ParticipantRole::from_code(code)
            .ok()
            .map(|r| r.label())
            .or_else(|| PartnershipRole::from_code(code).ok().map(|r| r.label())),
        "sector" => Sector::from_code(code).ok().map(|s| s.label()),
        "category" => MilestoneCategory::from_code(code).ok().map(|c| c.label()),
        "self_rating" | "office_rating" => Rating::from_code(code).ok().map(|r| r.label()),
        "kind" => TrancheKind::from_code(code)
            .ok()
            .map(|k| k.label())
            .or_else(|| OrganisationKind::from_code(code).ok().map(|k| k.label())),
        _ => None,
    };
    label.map(str::to_owned)
}

/// A financial-year profile (`{"2017/18": pence, …}`): one sentence per year
/// that moved.
fn profile_changes(old: Option<&Value>, new: Option<&Value>, proposal: bool) -> Vec<String> {
    let empty = Map::new();
    let old = old.and_then(Value::as_object).unwrap_or(&empty);
    let new = new.and_then(Value::as_object).unwrap_or(&empty);
    let mut years: Vec<&String> = old.keys().chain(new.keys()).collect();
    years.sort();
    years.dedup();
    years
        .into_iter()
        .filter_map(|year| {
            let key = "amount_pence";
            let before = old.get(year).and_then(|v| value_text("", key, v));
            let after = new.get(year).and_then(|v| value_text("", key, v));
            match (before, after) {
                (a, b) if a == b => None,
                (Some(a), Some(b)) if proposal => {
                    Some(format!("Proposed profile for {year} {b} (now {a})"))
                }
                (None, Some(b)) if proposal => Some(format!("Proposed profile for {year} {b}")),
                (Some(a), Some(b)) => Some(format!("Profile for {year} changed from {a} to {b}")),
                (None, Some(b)) if old.is_empty() => Some(format!("Profile for {year}: {b}")),
                (None, Some(b)) => Some(format!("Profile for {year} set to {b}")),
                (Some(a), None) => Some(format!("Profile for {year} removed (was {a})")),
                (None, None) => None,
            }
        })
        .collect()
}

/// The milestone lines of a return: "M1: forecast 30 June 2019, In progress".
fn milestone_lines(value: Option<&Value>) -> Vec<String> {
    let Some(items) = value.and_then(Value::as_array) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(Value::as_object)
        .map(|m| {
            let text = |key: &str| m.get(key).and_then(|v| value_text("milestone", key, v));
            let reference = text("reference").unwrap_or_else(|| "Milestone".to_owned());
            let mut parts = Vec::new();
            if let Some(f) = text("forecast_on") {
                parts.push(format!("forecast {f}"));
            }
            if let Some(s) = text("status") {
                parts.push(s);
            }
            if parts.is_empty() {
                format!("{reference} reported")
            } else {
                format!("{reference} reported: {}", parts.join(", "))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn changes(action: &str, entity: &str, before: Value, after: Value) -> Vec<String> {
        describe(action, entity, Some(&before), Some(&after)).changes
    }

    #[test]
    fn a_forecast_move_reads_as_dates() {
        let d = describe(
            "milestone.progress",
            "milestone",
            Some(
                &json!({"reference": "M1", "forecast_on": "2019-03-31", "status": "in_progress", "actual_on": null}),
            ),
            Some(
                &json!({"reference": "M1", "forecast_on": "2019-06-30", "status": "complete", "actual_on": "2019-06-30"}),
            ),
        );
        assert_eq!(d.summary, "Progress updated");
        assert_eq!(
            d.changes,
            [
                "Status changed from In progress to Complete",
                "Forecast moved from 31 March 2019 to 30 June 2019",
                "Completion date set to 30 June 2019",
            ]
        );
    }

    #[test]
    fn money_reads_in_pounds_and_profiles_by_year() {
        let c = changes(
            "allocation_change.approve",
            "allocation",
            json!({"central_pence": 500_000_000, "profile": {"2017/18": 500_000_000}}),
            json!({"central_pence": 600_000_000, "profile": {"2017/18": 400_000_000, "2018/19": 200_000_000}}),
        );
        assert_eq!(
            c,
            [
                "Central funding changed from £5,000,000 to £6,000,000",
                "Profile for 2017/18 changed from £5,000,000 to £4,000,000",
                "Profile for 2018/19 set to £2,000,000",
            ]
        );
    }

    #[test]
    fn a_new_record_lists_its_values() {
        let d = describe(
            "milestone.create",
            "milestone",
            None,
            Some(
                &json!({"reference": "M1", "category": "epr_go_live", "baseline_on": "2019-03-31", "forecast_on": null}),
            ),
        );
        assert_eq!(d.summary, "Milestone added");
        assert_eq!(
            d.changes,
            [
                "Reference: M1",
                "Category: EPR go-live",
                "Baseline: 31 March 2019"
            ]
        );
    }

    #[test]
    fn returns_read_by_their_workflow() {
        let d = describe(
            "return.submit",
            "return",
            Some(&json!({"status": "draft"})),
            Some(
                &json!({"period": "2018/19 Q1", "status": "submitted", "self_rating": "amber",
                         "spend_to_date_pence": 123_450, "risks": 2,
                         "milestones": [{"reference": "M1", "forecast_on": "2019-06-30", "status": "at_risk"}]}),
            ),
        );
        assert_eq!(d.summary, "Return submitted");
        assert!(
            d.changes
                .contains(&"Status changed from Draft to Submitted".to_owned()),
            "{d:?}"
        );
        assert!(
            d.changes.contains(&"Spend to date: £1,234.50".to_owned()),
            "{d:?}"
        );
        assert!(
            d.changes
                .contains(&"M1 reported: forecast 30 June 2019, At risk".to_owned()),
            "{d:?}"
        );
        let approved = describe(
            "return.approve",
            "return",
            Some(&json!({"status": "submitted"})),
            Some(&json!({"status": "approved"})),
        );
        assert_eq!(approved.summary, "Return approved");
        assert_eq!(
            approved.changes,
            ["Status changed from Submitted to Approved"]
        );
    }

    #[test]
    fn requests_read_as_proposals() {
        let c = changes(
            "baseline_change.request",
            "milestone",
            json!({"baseline_on": "2019-03-31"}),
            json!({"proposed_baseline_on": "2019-09-30", "request": 4}),
        );
        assert_eq!(
            c,
            ["Proposed baseline 30 September 2019 (now 31 March 2019)"]
        );
        let c = changes(
            "baseline_change.approve",
            "milestone",
            json!({"baseline_on": "2019-03-31"}),
            json!({"baseline_on": "2019-09-30", "request": 4}),
        );
        assert_eq!(
            c,
            ["Baseline moved from 31 March 2019 to 30 September 2019"]
        );
    }

    #[test]
    fn accounts_are_described_without_personal_data() {
        let d = describe(
            "user.create",
            "user",
            None,
            Some(
                &json!({"email": "jane@ral.example.org", "name": "Jane Smith", "role": "trust-reporter", "organisation": "RAL", "disabled": false}),
            ),
        );
        let text = format!("{d:?}");
        assert!(!text.contains("jane@"), "{text}");
        assert!(!text.contains("Jane"), "{text}");
        assert!(
            d.changes.contains(&"Role: Trust reporter".to_owned()),
            "{d:?}"
        );
    }

    #[test]
    fn unknown_actions_and_fields_still_read_as_words() {
        let d = describe(
            "widget.re_paint",
            "widget",
            Some(&json!({"colour_code": "red"})),
            Some(&json!({"colour_code": "blue"})),
        );
        assert_eq!(d.summary, "Widget re paint");
        assert_eq!(d.changes, ["Colour code changed from red to blue"]);
        // Never JSON, whatever the shape.
        let odd = describe(
            "x",
            "y",
            Some(&json!([1, 2])),
            Some(&json!({"a": {"b": 1}})),
        );
        assert!(odd.changes.iter().all(|c| !c.contains('{')), "{odd:?}");
    }
}
