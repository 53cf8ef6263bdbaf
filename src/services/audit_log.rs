//! Reading the audit trail: the whole trail for the programme office, and a
//! record's history for anyone who may read the record. Events come back in
//! words (see `domain::history`), with who acted by role and organisation;
//! names and e-mail addresses go only to the programme office. There is no
//! code path that updates or deletes an audit event.
use std::collections::{BTreeSet, HashMap};

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use time::{OffsetDateTime, Time};

use super::{By, FieldError, ServiceError};
use crate::domain::access::{Email, UserRole};
use crate::domain::dates::parse_date;
use crate::domain::history::describe;
use crate::domain::ods::OdsCode;
use crate::entities::{
    AuditEvents, Organisations, Returns, Users, audit_event, organisation, progress_return, user,
};

/// The filter form as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct AuditFilterValues {
    pub organisation: String,
    pub user: String,
    pub entity: String,
    pub from: String,
    pub to: String,
}

/// Who acted, as a reader may see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Who {
    /// Role and organisation: "Programme office", "Trust reporter, RAL".
    pub role: String,
    /// Name and e-mail address: only for the programme office.
    pub person: Option<String>,
}

/// One audit event in words: the read model behind every history table.
#[derive(Clone, Debug)]
pub struct HistoryEntry {
    pub occurred_at: OffsetDateTime,
    pub who: Who,
    /// The kind of record and its id, e.g. "milestone 12".
    pub record: String,
    /// The event's code, e.g. `milestone.progress`, for machines and tests.
    pub action: String,
    /// What happened, e.g. "Return submitted".
    pub summary: String,
    /// What changed, one sentence each.
    pub changes: Vec<String>,
    pub reason: Option<String>,
}

/// Whether the reader sees people (names and e-mail addresses) or only roles.
fn reveals_people(by: &By) -> bool {
    match by {
        By::User(actor) => actor.is_office(),
        By::Cli => true,
    }
}

/// Turns stored events into history entries: the change in words, the actor
/// by role and organisation, and the person only when `people` is set.
async fn entries(
    db: &impl ConnectionTrait,
    events: Vec<audit_event::Model>,
    people: bool,
) -> Result<Vec<HistoryEntry>, sea_orm::DbErr> {
    let user_ids: BTreeSet<i32> = events.iter().filter_map(|e| e.user_id).collect();
    let users: HashMap<i32, user::Model> = if user_ids.is_empty() {
        HashMap::new()
    } else {
        Users::find()
            .filter(user::Column::Id.is_in(user_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect()
    };
    let org_ids: BTreeSet<i32> = users.values().filter_map(|u| u.organisation_id).collect();
    let organisations: HashMap<i32, organisation::Model> = if org_ids.is_empty() {
        HashMap::new()
    } else {
        Organisations::find()
            .filter(organisation::Column::Id.is_in(org_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect()
    };
    Ok(events
        .into_iter()
        .map(|e| {
            let parse = |json: &Option<String>| {
                json.as_deref()
                    .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
            };
            let (before, after) = (parse(&e.before_json), parse(&e.after_json));
            let described = describe(&e.action, &e.entity_type, before.as_ref(), after.as_ref());
            let user = e.user_id.and_then(|id| users.get(&id));
            HistoryEntry {
                occurred_at: e.occurred_at,
                who: who(&e, user, &organisations, people),
                record: record(&e, [after.as_ref(), before.as_ref()], people),
                action: e.action.clone(),
                summary: described.summary,
                changes: described.changes,
                reason: e.reason,
            }
        })
        .collect())
}

/// "milestone 12"; an account is named by its address for the office only.
fn record(
    event: &audit_event::Model,
    snapshots: [Option<&serde_json::Value>; 2],
    people: bool,
) -> String {
    let kind = event.entity_type.replace('_', " ");
    let email = snapshots
        .into_iter()
        .flatten()
        .find_map(|s| s.get("email").and_then(serde_json::Value::as_str));
    match email {
        Some(email) if people && event.entity_type == "user" => format!("account {email}"),
        _ if event.entity_type == "user" => format!("account {}", event.entity_id),
        _ => format!("{kind} {}", event.entity_id),
    }
}

fn who(
    event: &audit_event::Model,
    user: Option<&user::Model>,
    organisations: &HashMap<i32, organisation::Model>,
    people: bool,
) -> Who {
    let Some(user) = user else {
        let role = match (event.user_id, event.actor.as_str()) {
            (None, "seed") => "Seed data",
            (None, "command line") => "Command line",
            (None, _) => "System",
            (Some(_), _) => "Former account",
        };
        return Who {
            role: role.to_owned(),
            person: people.then(|| event.actor.clone()),
        };
    };
    let role = UserRole::from_code(&user.role)
        .map(|r| r.label())
        .unwrap_or("Account");
    let organisation = user
        .organisation_id
        .and_then(|id| organisations.get(&id))
        .map(|o| o.ods_code.clone().unwrap_or_else(|| o.name.clone()));
    Who {
        role: match organisation {
            Some(org) => format!("{role}, {org}"),
            None => role.to_owned(),
        },
        person: people.then(|| format!("{} ({})", user.name, user.email)),
    }
}

pub const PAGE_LIMIT: usize = 500;

pub async fn search(
    db: &DatabaseConnection,
    by: &By,
    filter: &AuditFilterValues,
) -> Result<Vec<HistoryEntry>, ServiceError> {
    by.administer()?;
    let mut condition = Condition::all();
    let mut errors = Vec::new();
    let organisation = filter.organisation.trim();
    if !organisation.is_empty() {
        match OdsCode::parse(organisation) {
            Err(e) => errors.push(FieldError::new("organisation", e.to_string())),
            Ok(code) => {
                let org = Organisations::find()
                    .filter(organisation::Column::OdsCode.eq(code.as_str()))
                    .one(db)
                    .await?;
                // An unknown code matches nothing rather than everything.
                condition = condition
                    .add(audit_event::Column::OrganisationId.eq(org.map(|o| o.id).unwrap_or(-1)));
            }
        }
    }
    let user_text = filter.user.trim();
    if !user_text.is_empty() {
        match Email::parse(user_text) {
            Err(message) => errors.push(FieldError::new("user", message)),
            Ok(email) => {
                let found = Users::find()
                    .filter(user::Column::Email.eq(email.as_str()))
                    .one(db)
                    .await?;
                condition = condition.add(
                    Condition::any()
                        .add(audit_event::Column::UserId.eq(found.map(|u| u.id).unwrap_or(-1)))
                        .add(audit_event::Column::Actor.eq(email.as_str())),
                );
            }
        }
    }
    let entity = filter.entity.trim();
    if !entity.is_empty() {
        condition = condition.add(audit_event::Column::EntityType.eq(entity.to_lowercase()));
    }
    for (field, text, end_of_day) in [("from", &filter.from, false), ("to", &filter.to, true)] {
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        match parse_date(text) {
            Err(e) => errors.push(FieldError::new(field, e.to_string())),
            Ok(date) => {
                let at = if end_of_day {
                    date.with_time(Time::MAX).assume_utc()
                } else {
                    date.midnight().assume_utc()
                };
                condition = condition.add(if end_of_day {
                    audit_event::Column::OccurredAt.lte(at)
                } else {
                    audit_event::Column::OccurredAt.gte(at)
                });
            }
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let events = AuditEvents::find()
        .filter(condition)
        .order_by_desc(audit_event::Column::OccurredAt)
        .order_by_desc(audit_event::Column::Id)
        .limit(PAGE_LIMIT as u64)
        .all(db)
        .await?;
    Ok(entries(db, events, reveals_people(by)).await?)
}

/// The history of one record, or of everything touching one organisation
/// (other than its accounts),
/// as `by` may read it: names and e-mail addresses only for the programme
/// office. The caller has already checked that `by` may read the record.
pub async fn history(
    db: &impl ConnectionTrait,
    by: &By,
    entity_type: &str,
    entity_id: &str,
    organisation_id: Option<i32>,
) -> Result<Vec<HistoryEntry>, sea_orm::DbErr> {
    let mut condition = Condition::any().add(
        Condition::all()
            .add(audit_event::Column::EntityType.eq(entity_type))
            .add(audit_event::Column::EntityId.eq(entity_id)),
    );
    if let Some(org) = organisation_id {
        // The organisation's records, not its staff accounts: account
        // changes belong to the audit trail and the users page.
        condition = condition.add(
            Condition::all()
                .add(audit_event::Column::OrganisationId.eq(org))
                .add(audit_event::Column::EntityType.ne("user")),
        );
    }
    let events = AuditEvents::find()
        .filter(condition)
        .order_by_desc(audit_event::Column::OccurredAt)
        .order_by_desc(audit_event::Column::Id)
        .limit(PAGE_LIMIT as u64)
        .all(db)
        .await?;
    entries(db, events, reveals_people(by)).await
}

/// The history of a trust's return for one period, as `by` may read it:
/// empty until the trust starts the return. Refused (as not found) when `by`
/// may not read the trust's records.
pub async fn return_history(
    db: &DatabaseConnection,
    by: &By,
    period_id: i32,
    organisation_id: i32,
    participant_id: i32,
) -> Result<Vec<HistoryEntry>, ServiceError> {
    if let By::User(actor) = by {
        actor.read_organisation(organisation_id)?;
    }
    let record = Returns::find()
        .filter(progress_return::Column::PeriodId.eq(period_id))
        .filter(progress_return::Column::ParticipantId.eq(participant_id))
        .one(db)
        .await?;
    Ok(match record {
        Some(r) => history(db, by, "return", &r.id.to_string(), None).await?,
        None => Vec::new(),
    })
}
