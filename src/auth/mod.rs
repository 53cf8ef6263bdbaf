//! Sign-in plumbing: password hashing, the database session store, and the
//! axum-login backend that turns a session into the signed-in user.
pub mod backend;
pub mod password;
pub mod session_store;
pub mod throttle;

pub use backend::{AuthBackend, SessionUser};
