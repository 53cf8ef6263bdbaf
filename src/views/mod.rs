//! maud views: a layout, small components (functions returning `Markup`) and pages.
pub mod components;
pub mod error;
pub mod layout;
pub mod overview;
pub mod participant;
pub mod participants;
pub mod partners;
