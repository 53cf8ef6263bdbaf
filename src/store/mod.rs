//! Queries and writes over any `ConnectionTrait` (a pool or a transaction),
//! converting between entities and domain types.
pub mod api_tokens;
pub mod audit;
pub mod funding;
pub mod history;
pub mod open_data;
pub mod participants;
pub mod partners;
pub mod programme;
pub mod returns;
pub mod sessions;
pub mod snapshot;

use std::fmt::Display;

use sea_orm::DbErr;

/// Decodes a stored code through its domain constructor; a bad stored value
/// is a database fault, not user error.
pub(crate) fn decode<T, E: Display>(what: &str, result: Result<T, E>) -> Result<T, DbErr> {
    result.map_err(|e| DbErr::Custom(format!("stored {what} is invalid: {e}")))
}
