//! Turning two-factor authentication on (scan, confirm with a code, save recovery codes) and
//! off (with the password).

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Router,
    extract::State,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;
use tower_sessions::Session;

use super::password_matches;
use crate::{
    auth::{CurrentUser, db, invalid, session, two_factor},
    error::AppError,
    state::AppState,
    web::{FieldErrors, Form, Layout},
};

/// The secret being set up, kept in the session until a code confirms it.
const PENDING_SECRET: &str = "pending_totp_secret";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/two-factor", get(status))
        .route("/settings/two-factor/start", post(start))
        .route("/settings/two-factor/confirm", post(confirm))
        .route("/settings/two-factor/disable", post(disable))
}

#[derive(Template, WebTemplate)]
#[template(path = "account/two_factor.html")]
struct TwoFactorPage {
    layout: Layout,
    enabled: bool,
    unused_codes: i64,
    /// While setting up: the QR code (SVG markup we generated) and the secret for typing in.
    setup: Option<Setup>,
    /// Right after confirming: the recovery codes, shown this once.
    recovery_codes: Vec<String>,
    errors: FieldErrors,
}

struct Setup {
    qr_svg: String,
    secret: String,
}

impl TwoFactorPage {
    fn new(layout: Layout) -> Self {
        Self {
            layout,
            enabled: false,
            unused_codes: 0,
            setup: None,
            recovery_codes: Vec::new(),
            errors: FieldErrors::default(),
        }
    }
}

async fn status(
    State(state): State<AppState>,
    layout: Layout,
    CurrentUser(user): CurrentUser,
) -> Result<TwoFactorPage, AppError> {
    let mut page = TwoFactorPage::new(layout);
    page.enabled = user.has_two_factor();
    page.unused_codes = db::count_unused_recovery_codes(&state.db, &user.id).await?;
    Ok(page)
}

fn setup_for(secret: &str, account: &str) -> Result<Setup, AppError> {
    let qr_svg = two_factor::qr_svg(secret, account)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("cannot render the TOTP QR code")))?;
    Ok(Setup {
        qr_svg,
        secret: secret.to_owned(),
    })
}

async fn start(
    session: Session,
    layout: Layout,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    if user.has_two_factor() {
        return Ok(Redirect::to("/settings/two-factor").into_response());
    }
    let secret = two_factor::new_secret();
    session::insert(&session, PENDING_SECRET, &secret).await?;
    let mut page = TwoFactorPage::new(layout);
    page.setup = Some(setup_for(&secret, &user.email)?);
    Ok(page.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ConfirmForm {
    code: String,
}

async fn confirm(
    State(state): State<AppState>,
    session: Session,
    layout: Layout,
    CurrentUser(user): CurrentUser,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    let Some(secret) = session::get::<String>(&session, PENDING_SECRET).await? else {
        return Ok(Redirect::to("/settings/two-factor").into_response());
    };
    let Some(step) = two_factor::check(&secret, &user.email, &form.code) else {
        let mut page = TwoFactorPage::new(layout);
        page.setup = Some(setup_for(&secret, &user.email)?);
        page.errors.add(
            "code",
            "That code is not valid. Check the time on your phone and try the current code.",
        );
        return Ok(invalid(page));
    };
    let (codes, hashes) = two_factor::new_recovery_codes();
    db::enable_totp(&state.db, &user.id, &secret, &hashes, session::now()).await?;
    db::use_totp_step(&state.db, &user.id, step).await?;
    session::remove::<String>(&session, PENDING_SECRET).await?;
    tracing::info!(user_id = %user.id, "two-factor authentication turned on");

    let mut page = TwoFactorPage::new(layout);
    page.enabled = true;
    page.unused_codes = codes.len() as i64;
    page.recovery_codes = codes;
    Ok(page.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DisableForm {
    password: String,
}

async fn disable(
    State(state): State<AppState>,
    session: Session,
    layout: Layout,
    CurrentUser(user): CurrentUser,
    Form(form): Form<DisableForm>,
) -> Result<Response, AppError> {
    if !password_matches(&state, &user, &form.password).await? {
        let mut page = TwoFactorPage::new(layout);
        page.enabled = user.has_two_factor();
        page.unused_codes = db::count_unused_recovery_codes(&state.db, &user.id).await?;
        page.errors.add("password", "Your password is not correct.");
        return Ok(invalid(page));
    }
    db::disable_totp(&state.db, &user.id, session::now()).await?;
    tracing::info!(user_id = %user.id, "two-factor authentication turned off");
    session::flash_and_redirect(
        &session,
        "Two-factor authentication is off.",
        "/settings/two-factor",
    )
    .await
}
