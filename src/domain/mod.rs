//! The pure domain layer: types that cannot hold invalid values, and the
//! programme's rules, each returning an error that explains itself in plain
//! English. No I/O, no database, no web.

// Declared first so its `code_enum!` macro is in scope in the modules below.
#[macro_use]
pub mod code;

pub mod access;
pub mod api_page;
pub mod approval;
pub mod as_at;
pub mod change;
pub mod dates;
pub mod financial_year;
pub mod funding;
pub mod grants;
pub mod history;
pub mod interchange;
pub mod maturity;
pub mod milestone;
pub mod money;
pub mod names;
pub mod network;
pub mod ods;
pub mod pagination;
pub mod participant;
pub mod period_states;
pub mod problem;
pub mod programme;
pub mod rating;
pub mod redirect;
pub mod region;
pub mod reporting;
pub mod snapshot;
pub mod spreadsheet;
pub mod suggested_rating;
pub mod table_sort;
pub mod text;
pub mod tranche;

pub use code::UnknownCode;
pub use dates::{ApproxDate, DateError, DatePrecision, display_date, parse_date};
pub use financial_year::{FinancialYear, FinancialYearError};
pub use funding::{
    CapTable, FundingCap, FundingError, Headroom, RoleInSector, check_allocation, check_profile,
    check_tranches, headroom, match_shortfall,
};
pub use milestone::{
    DUE_SOON_DAYS, MilestoneCategory, MilestoneError, MilestoneReference, MilestoneStatus,
    Timeliness, check_dates, slippage_days, timeliness,
};
pub use money::{MoneyError, Pence};
pub use names::{NameKey, same_name};
pub use ods::{OdsCode, OdsCodeError};
pub use participant::{
    Confidence, OrganisationKind, ParticipantStatus, PartnershipRole, Role, Sector,
};
pub use rating::{Rating, RatingError, RatingScale};
pub use region::{RegionCode, RegionError};
