//! Briefings: the programme as at a date, its headline figures and charts,
//! and the self-contained briefing pack written by `gde report briefing`.
pub mod briefing;
pub mod catalogue;
pub mod chart_data;
pub mod figures;
pub mod giving360;
pub mod snapshot;
