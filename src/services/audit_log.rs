//! Reading the audit trail (the programme office only). There is no code
//! path that updates or deletes an audit event.
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use time::{OffsetDateTime, Time};

use super::{By, FieldError, ServiceError};
use crate::domain::access::Email;
use crate::domain::dates::parse_date;
use crate::domain::ods::OdsCode;
use crate::entities::{AuditEvents, Organisations, Users, audit_event, organisation, user};

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

#[derive(Clone, Debug)]
pub struct AuditRow {
    pub occurred_at: OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
}

impl From<audit_event::Model> for AuditRow {
    fn from(e: audit_event::Model) -> AuditRow {
        AuditRow {
            occurred_at: e.occurred_at,
            actor: e.actor,
            action: e.action,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            before: e.before_json,
            after: e.after_json,
            reason: e.reason,
        }
    }
}

pub const PAGE_LIMIT: usize = 500;

pub async fn search(
    db: &DatabaseConnection,
    by: &By,
    filter: &AuditFilterValues,
) -> Result<Vec<AuditRow>, ServiceError> {
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
    Ok(AuditEvents::find()
        .filter(condition)
        .order_by_desc(audit_event::Column::OccurredAt)
        .order_by_desc(audit_event::Column::Id)
        .limit(PAGE_LIMIT as u64)
        .all(db)
        .await?
        .into_iter()
        .map(AuditRow::from)
        .collect())
}

/// The history of one record, or of everything touching one organisation.
pub async fn history(
    db: &impl sea_orm::ConnectionTrait,
    entity_type: &str,
    entity_id: &str,
    organisation_id: Option<i32>,
) -> Result<Vec<AuditRow>, sea_orm::DbErr> {
    let mut condition = Condition::any().add(
        Condition::all()
            .add(audit_event::Column::EntityType.eq(entity_type))
            .add(audit_event::Column::EntityId.eq(entity_id)),
    );
    if let Some(org) = organisation_id {
        condition = condition.add(audit_event::Column::OrganisationId.eq(org));
    }
    Ok(AuditEvents::find()
        .filter(condition)
        .order_by_desc(audit_event::Column::OccurredAt)
        .order_by_desc(audit_event::Column::Id)
        .limit(PAGE_LIMIT as u64)
        .all(db)
        .await?
        .into_iter()
        .map(AuditRow::from)
        .collect())
}
