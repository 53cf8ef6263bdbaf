//! What the programme office's participant edit page shows: the stored
//! values as form fields, and the exemplars and partners it can link to.
//! (The changes themselves are made by `services::participants`.)
use sea_orm::DatabaseConnection;

use super::participants::{ParticipantForm, snapshot};
use super::{By, ServiceError};
use crate::domain::participant::Role;
use crate::entities::participant;
use crate::store::participants as store;

/// The edit page's read model.
#[derive(Clone, Debug)]
pub struct EditParticipant {
    pub organisation_name: String,
    /// The stored values, as the form shows them.
    pub form: ParticipantForm,
    /// The stored values as (field, value) rows, for the "changed by someone else" page.
    pub current: serde_json::Value,
    pub is_follower: bool,
    /// Exemplars a fast follower can be paired with: (ODS code, label).
    pub exemplars: Vec<(String, String)>,
    /// The ODS code of the exemplar it is paired with, or empty.
    pub current_exemplar: String,
    /// Partner organisations it can be linked to: (id, label).
    pub partners: Vec<(String, String)>,
}

/// The edit form's values from the stored participant.
fn form_of(p: &participant::Model) -> ParticipantForm {
    let approx = |d: time::Date, precision: &str| {
        if precision == "month" {
            format!("{}-{:02}", d.year(), u8::from(d.month()))
        } else {
            d.to_string()
        }
    };
    ParticipantForm {
        role: p.role.clone(),
        sector: p.sector.clone(),
        wave: p.wave.clone(),
        designated_on: approx(p.designated_on, &p.designated_precision),
        accredited_on: p
            .accredited_on
            .map(|d| approx(d, p.accredited_precision.as_deref().unwrap_or("day")))
            .unwrap_or_default(),
        status: p.status.clone(),
        version: p.version.to_string(),
        ..Default::default()
    }
}

/// The participant with this ODS code, ready to edit. Only the programme
/// office (or the command line) may, and that is checked before any read.
pub async fn edit_participant(
    db: &DatabaseConnection,
    by: &By,
    ods_code: &str,
) -> Result<EditParticipant, ServiceError> {
    by.change_programme()?;
    let ods_code = ods_code.trim().to_uppercase();
    let (p, organisation_name) = store::row_by_ods_code(db, &ods_code)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let (exemplars, partners) = store::link_choices(db).await?;
    let current_exemplar = store::exemplar_ods_code(db, p.id)
        .await?
        .unwrap_or_default();
    Ok(EditParticipant {
        organisation_name,
        form: form_of(&p),
        current: snapshot(&p),
        is_follower: p.role == Role::FastFollower.code(),
        exemplars,
        current_exemplar,
        partners,
    })
}
