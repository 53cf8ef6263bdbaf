//! The programme as it stood at a date (see `domain::snapshot`), for those
//! who may see programme-wide figures: checked before anything is read,
//! then every table read in one transaction so the figures agree.
use sea_orm::DatabaseConnection;
use time::Date;

use super::{By, ServiceError, reading};
use crate::domain::access::{AccessError, UserRole};
use crate::domain::programme::Filter;
use crate::domain::snapshot::{ParticipantAt, Snapshot};
use crate::store::snapshot as store;

/// Programme-wide figures (every trust's): the office, briefing readers and
/// the command line. Trust reporters see programme totals on the overview.
pub fn may_read_programme_figures(by: &By) -> Result<(), AccessError> {
    match by {
        By::Cli => Ok(()),
        By::User(actor) => match actor.role {
            UserRole::ProgrammeOffice | UserRole::BriefingReader => Ok(()),
            UserRole::TrustReporter => Err(AccessError::Forbidden(
                "The dashboard shows every trust's figures. Trust reporters see the programme's totals on the overview.",
            )),
        },
    }
}

/// The version of the programme's data, for someone allowed to see every
/// trust's figures: figures computed from one version hold until it changes.
pub async fn figures_version(db: &DatabaseConnection, by: &By) -> Result<i64, ServiceError> {
    may_read_programme_figures(by)?;
    Ok(reading::data_version(db).await?)
}

/// The programme as it stood at the end of `as_at`, for someone allowed to
/// see every trust's figures.
pub async fn as_at(
    db: &DatabaseConnection,
    by: &By,
    as_at: Date,
) -> Result<Snapshot, ServiceError> {
    may_read_programme_figures(by)?;
    let txn = reading::consistent(db).await?;
    let snapshot = store::build(&txn, as_at).await?;
    txn.commit().await?;
    Ok(snapshot)
}

/// The same, restricted to the participants a filter selects.
pub async fn filtered_as_at(
    db: &DatabaseConnection,
    by: &By,
    as_at: Date,
    filter: &Filter,
) -> Result<Snapshot, ServiceError> {
    Ok(self::as_at(db, by, as_at).await?.filtered(filter))
}

/// The programme as it stood at the end of `as_at`, restricted to what this
/// person may read (a trust reporter: their own organisation's participant,
/// and the programme's periods): what the API's reads answer `as_at` from.
pub async fn readable_as_at(
    db: &DatabaseConnection,
    by: &By,
    as_at: Date,
) -> Result<Snapshot, ServiceError> {
    let scope = super::programme::read_scope(by)?;
    let txn = reading::consistent(db).await?;
    let snapshot = store::build(&txn, as_at).await?;
    txn.commit().await?;
    Ok(match scope {
        None => snapshot,
        Some(organisation) => snapshot.for_organisation(organisation),
    })
}

/// The participant behind `ods_code` in a snapshot this person may read.
/// A trust they may read that was not yet a participant then is `None`
/// (its lists were empty); another trust's, or no such trust, is not found.
pub async fn participant_in<'s>(
    db: &DatabaseConnection,
    by: &By,
    snapshot: &'s Snapshot,
    ods_code: &str,
) -> Result<Option<&'s ParticipantAt>, ServiceError> {
    let code = ods_code.trim().to_uppercase();
    if let Some(p) = snapshot.participants.iter().find(|p| p.ods_code == code) {
        return Ok(Some(p));
    }
    let scope = super::programme::read_scope(by)?;
    let (_, organisation) = super::milestones::participant_by_ods(db, &code).await?;
    if scope.is_some_and(|own| own != organisation.id) {
        return Err(ServiceError::NotFound);
    }
    Ok(None)
}
