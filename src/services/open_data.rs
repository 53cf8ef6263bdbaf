//! Open data: the programme's awards as a 360Giving package. The office (or
//! the command line) may always read it; anyone may when the office has made
//! it public (`GDE_360G_PUBLIC`).
use sea_orm::DatabaseConnection;
use serde_json::Value;
use time::Date;

use super::{By, ServiceError};
use crate::domain::access::AccessError;
use crate::reports::giving360::{self, Package, Publisher};

const ONLY_OFFICE: &str =
    "Only the programme office may read the 360Giving file until the office makes it public";

/// Who may read the publication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// The programme office and the command line only.
    Office,
    /// Anyone, signed in or not.
    Public,
}

/// Why there is no package to give.
#[derive(Debug, thiserror::Error)]
pub enum OpenDataError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("The 360Giving settings are not complete: {}", .0.join("; "))]
    Settings(Vec<String>),
    #[error(
        "There is nothing to publish: all {left_out} allocations are illustrative and the \
         settings leave illustrative records out (publish them flagged with --illustrative flag \
         or GDE_360G_ILLUSTRATIVE=flag)"
    )]
    NothingToPublish { left_out: usize },
}

/// The package and how many allocations it left out.
pub struct Publication {
    pub json: Value,
    pub grants: usize,
    pub left_out: usize,
}

pub async fn giving360(
    db: &DatabaseConnection,
    by: Option<&By>,
    audience: Audience,
    publisher: &Publisher,
    issued: Date,
) -> Result<Publication, OpenDataError> {
    if audience == Audience::Office {
        match by {
            Some(by) => by.change_programme().map_err(ServiceError::from)?,
            None => return Err(ServiceError::from(AccessError::Forbidden(ONLY_OFFICE)).into()),
        }
    }
    let problems = giving360::check_publisher(publisher);
    if !problems.is_empty() {
        return Err(OpenDataError::Settings(problems));
    }
    let records = crate::store::open_data::grant_records(db)
        .await
        .map_err(ServiceError::from)?;
    match giving360::package(publisher, &records, issued) {
        Package::Ready {
            json,
            grants,
            left_out,
        } => Ok(Publication {
            json,
            grants,
            left_out,
        }),
        Package::Empty { left_out } => Err(OpenDataError::NothingToPublish { left_out }),
    }
}
