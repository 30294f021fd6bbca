//! Accounts: registration, login (with optional TOTP), logout, sessions, CSRF, throttling,
//! roles, first-admin set-up and password reset.
//!
//! Part of the foundation every page stands on: it imports no page feature
//! (tests/integration/architecture.rs).

pub mod access_tokens;
pub mod csrf;
pub(crate) mod db;
mod fields;
mod handlers;
mod link;
pub mod passkeys;
pub mod password;
mod reset;
pub mod session;
pub mod sso;
mod throttle;
pub mod tokens;
pub mod two_factor;
mod user;

use axum::{
    Router,
    routing::{get, post},
};

pub use db::{any_admin, get_user};
pub use fields::{DisplayName, Email};
pub use handlers::{
    ClientAddress, claim_setup_token, create_admin, create_setup_token, invalid,
    is_unique_violation,
};
pub use user::{CurrentUser, MaybeUser, Role, User};

use crate::state::AppState;

/// Pages whose address holds a one-time secret: never stored (web::security::private_pages).
pub const SECRET_ROUTES: &[&str] = &[
    "/password-reset/{token}",
    "/login/link/{token}",
    "/setup/{token}",
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/register",
            get(handlers::register_form).post(handlers::register),
        )
        .route("/login", get(handlers::login_form).post(handlers::login))
        .route("/login/link", axum::routing::post(link::request))
        .route(
            "/login/link/{token}",
            get(link::confirm_form).post(link::log_in),
        )
        .route("/logout", axum::routing::post(handlers::logout))
        .route(
            "/login/passkey/options",
            post(passkeys::authentication_options),
        )
        .route("/login/passkey", post(passkeys::authenticate))
        .route(
            "/login/second-factor/passkey/options",
            post(passkeys::second_factor_options),
        )
        .route(
            "/login/second-factor/passkey",
            post(passkeys::second_factor),
        )
        .route(
            "/settings/passkeys/options",
            post(passkeys::registration_options),
        )
        .route("/settings/passkeys", post(passkeys::register))
        .route("/login/{provider}", get(sso::start))
        .route("/login/{provider}/callback", get(sso::callback))
        .route(
            "/setup/{token}",
            get(handlers::setup_form).post(handlers::setup),
        )
        .route(
            "/password-reset",
            get(reset::request_form).post(reset::request),
        )
        .route(
            "/password-reset/{token}",
            get(reset::new_password_form).post(reset::new_password),
        )
}
