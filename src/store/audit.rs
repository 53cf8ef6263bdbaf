//! The audit trail: who did what, when, to which record, with before and after
//! values. Written in the same transaction as the change it records; the
//! application never updates or deletes an audit event.
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use serde_json::Value;

use crate::entities::audit_event;

#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub user_id: Option<i32>,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub organisation_id: Option<i32>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub reason: Option<String>,
}

impl AuditEntry {
    /// An event caused by a batch job rather than a signed-in user.
    pub fn system(actor: &str, action: &str, entity_type: &str, entity_id: &str) -> AuditEntry {
        AuditEntry {
            user_id: None,
            actor: actor.to_owned(),
            action: action.to_owned(),
            entity_type: entity_type.to_owned(),
            entity_id: entity_id.to_owned(),
            organisation_id: None,
            before: None,
            after: None,
            reason: None,
        }
    }

    /// An event caused by `by` (a signed-in user, or the command line).
    pub fn by(
        by: &crate::services::By,
        action: &str,
        entity_type: &str,
        entity_id: &str,
    ) -> AuditEntry {
        let mut entry = AuditEntry::system(&by.label(), action, entity_type, entity_id);
        entry.user_id = by.user_id();
        entry
    }

    pub fn by_user(mut self, user_id: i32) -> AuditEntry {
        self.user_id = Some(user_id);
        self
    }

    pub fn before(mut self, value: Value) -> AuditEntry {
        self.before = Some(value);
        self
    }

    pub fn after(mut self, value: Value) -> AuditEntry {
        self.after = Some(value);
        self
    }

    pub fn reason(mut self, reason: &str) -> AuditEntry {
        self.reason = Some(reason.to_owned());
        self
    }

    pub fn organisation(mut self, organisation_id: i32) -> AuditEntry {
        self.organisation_id = Some(organisation_id);
        self
    }
}

pub async fn record(db: &impl ConnectionTrait, entry: AuditEntry) -> Result<(), DbErr> {
    audit_event::ActiveModel {
        occurred_at: Set(crate::clock::now()),
        user_id: Set(entry.user_id),
        actor: Set(entry.actor),
        action: Set(entry.action),
        entity_type: Set(entry.entity_type),
        entity_id: Set(entry.entity_id),
        organisation_id: Set(entry.organisation_id),
        before_json: Set(entry.before.map(|v| v.to_string())),
        after_json: Set(entry.after.map(|v| v.to_string())),
        reason: Set(entry.reason),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
