//! Briefings: headline figures and charts of the programme as at a date
//! (computed from the snapshot `services::snapshot` reads), and the
//! self-contained briefing pack written by `gde report briefing`.
pub mod briefing;
pub mod catalogue;
pub mod chart_data;
pub mod figures;
pub mod giving360;
