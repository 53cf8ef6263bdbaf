//! The web application: every route in one place, thin handlers, one error type.
mod error;
mod pages;
mod security;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use sea_orm::DatabaseConnection;
use tower_http::trace::TraceLayer;

pub use error::AppError;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
}

impl AppState {
    pub fn new(db: DatabaseConnection) -> AppState {
        AppState { db }
    }
}

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    let router = Router::new()
        .route("/", get(pages::overview))
        .route("/participants", get(pages::participants))
        .route("/participants/{ods_code}", get(pages::participant))
        .route("/partners", get(pages::partners))
        .route("/healthz", get(pages::healthz))
        .route("/static/app.css", get(stylesheet))
        .fallback(pages::not_found)
        .with_state(state)
        .layer(TraceLayer::new_for_http());
    security::with_headers(router)
}

const STYLESHEET: &str = include_str!("../../static/app.css");

async fn stylesheet() -> impl axum::response::IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        STYLESHEET,
    )
}
