//! The dashboard's and briefing page's request, as typed and in domain
//! terms, and the snapshot it reads. Who may see programme-wide figures is
//! decided in `services::snapshot` before anything is read.
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use time::Date;

use super::snapshot;
use super::{By, ServiceError};
use crate::domain::as_at::parse_as_at;
use crate::domain::programme::Filter;
use crate::domain::snapshot::Snapshot;

/// The dashboard's filters as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DashboardQuery {
    pub role: String,
    pub sector: String,
    pub region: String,
    pub as_at: String,
}

/// The dashboard's filters in domain terms.
#[derive(Clone, Debug)]
pub struct DashboardRequest {
    pub filter: Filter,
    pub as_at: Date,
}

impl DashboardQuery {
    pub fn parse(&self, today: Date) -> Result<DashboardRequest, String> {
        let as_at = parse_as_at(Some(&self.as_at), today).map_err(|e| format!("as_at: {e}"))?;
        Ok(DashboardRequest {
            filter: Filter::parse(&self.role, &self.sector, &self.region)
                .map_err(|e| e.to_string())?,
            as_at,
        })
    }

    /// The query string, for download links that reproduce this view.
    pub fn query_string(&self) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("role", self.role.as_str()),
            ("sector", self.sector.as_str()),
            ("region", self.region.as_str()),
            ("as_at", self.as_at.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// The snapshot the dashboard, briefing page and chart downloads draw.
pub async fn snapshot(
    db: &DatabaseConnection,
    by: &By,
    request: &DashboardRequest,
) -> Result<Snapshot, ServiceError> {
    snapshot::filtered_as_at(db, by, request.as_at, &request.filter).await
}
