//! Integration tests: each boots the real application on a fresh database
//! (SQLite by default; PostgreSQL when GDE_TEST_POSTGRES_URL is set), seeds
//! it, and checks what a user sees over real HTTP.
mod support;

mod access;
mod api;
mod api_as_at;
mod api_docs;
mod api_routes;
mod api_writes;
mod approval_order;
mod briefing;
mod cli;
mod concurrency_funding;
mod concurrency_returns;
mod dashboard_layout;
mod faults;
mod figures_cache;
mod generate;
mod group_caps;
mod history;
mod interchange;
mod interchange_kinds;
mod layering;
mod office_ux;
mod open_data;
mod pages;
mod pagination;
mod period_states;
mod programme_office;
mod return_form;
mod returns;
mod routes;
mod schema;
mod security;
mod seeding;
mod sign_in;
mod time_travel;
mod uniqueness;
mod users_admin;
