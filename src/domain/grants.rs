//! An award as it is published: an allocation with its recipient, profile
//! and released tranches (the read model of the 360Giving export).
use time::{Date, OffsetDateTime};

use super::financial_year::FinancialYear;
use super::money::Pence;
use super::participant::{Role, Sector};

/// One allocation as the open-data file needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct GrantRecord {
    pub ods_code: String,
    pub recipient_name: String,
    pub role: Role,
    pub sector: Sector,
    /// The allocation's reference, unique within its participant (`ALLOC-1`).
    pub reference: String,
    pub central: Pence,
    pub local_match: Pence,
    pub awarded_on: Date,
    pub profile: Vec<(FinancialYear, Pence)>,
    pub released: Vec<Disbursement>,
    pub illustrative: bool,
    pub modified_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Disbursement {
    pub tranche_id: i32,
    pub name: String,
    pub amount: Pence,
    pub released_on: Date,
}
