//! maud views: a layout, small components (functions returning `Markup`) and pages.
pub mod audit;
pub mod change_requests;
pub mod components;
pub mod dashboard;
pub mod error;
pub mod forms;
pub mod funding;
pub mod layout;
pub mod manage;
pub mod milestones;
pub mod overview;
pub mod participant;
pub mod participants;
pub mod partners;
pub mod returns;
pub mod sign_in;
pub mod users;
