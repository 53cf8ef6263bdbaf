//! GDE Tracker: the programme office's record of a national digital-exemplar
//! funding programme. `main.rs` is a thin CLI over this library.
pub mod auth;
pub mod charts;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod entities;
pub mod generate;
pub mod http;
pub mod reports;
pub mod seed;
pub mod services;
pub mod store;
pub mod views;

pub use config::Config;
