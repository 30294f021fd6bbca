//! A user's own account: profile, email, password, two-factor authentication, a copy of
//! their data, and deleting the account. Every action confirms sensitive changes with the
//! current password.
//!
//! A page feature: it imports no other page feature (tests/integration/architecture.rs); the
//! data export is `progress::export`.

mod sign_in;
mod tokens;
mod two_factor;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Router,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use tower_sessions::Session;

use crate::{
    auth::{
        self, CurrentUser, DisplayName, Email, User, db, invalid, is_unique_violation, password,
        session,
    },
    error::AppError,
    state::AppState,
    web::{FieldErrors, Form, Layout},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings", get(settings))
        .route("/settings/profile", post(update_profile))
        .route("/settings/email", post(update_email))
        .route("/settings/password", post(update_password))
        .route("/settings/export", get(export))
        .route("/settings/delete", post(delete_account))
        .merge(two_factor::router())
        .merge(tokens::router())
        .merge(sign_in::router())
}

#[derive(Template, WebTemplate)]
#[template(path = "account/settings.html")]
struct SettingsPage {
    layout: Layout,
    email: String,
    display_name: String,
    two_factor: bool,
    /// What was typed into the email form (kept when it fails).
    new_email: String,
    errors: FieldErrors,
}

impl SettingsPage {
    fn new(layout: Layout, user: &User) -> Self {
        Self {
            layout,
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            two_factor: user.has_two_factor(),
            new_email: String::new(),
            errors: FieldErrors::default(),
        }
    }
}

async fn settings(layout: Layout, CurrentUser(user): CurrentUser) -> SettingsPage {
    SettingsPage::new(layout, &user)
}

async fn done(session: &Session, message: &str) -> Result<Response, AppError> {
    session::flash_and_redirect(session, message, "/settings").await
}

async fn password_matches(state: &AppState, user: &User, typed: &str) -> Result<bool, AppError> {
    password::verify(
        &state.hashing,
        typed.to_owned(),
        Some(user.password_hash.clone()),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ProfileForm {
    display_name: String,
}

async fn update_profile(
    State(state): State<AppState>,
    session: Session,
    layout: Layout,
    CurrentUser(user): CurrentUser,
    Form(form): Form<ProfileForm>,
) -> Result<Response, AppError> {
    let mut page = SettingsPage::new(layout, &user);
    let Some(name) = page
        .errors
        .check("display_name", DisplayName::parse(&form.display_name))
    else {
        page.display_name = form.display_name;
        return Ok(invalid(page));
    };
    db::update_display_name(&state.db, &user.id, name.as_str(), session::now()).await?;
    done(&session, "Your display name was saved.").await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EmailForm {
    new_email: String,
    email_password: String,
}

async fn update_email(
    State(state): State<AppState>,
    session: Session,
    layout: Layout,
    CurrentUser(user): CurrentUser,
    Form(form): Form<EmailForm>,
) -> Result<Response, AppError> {
    let mut page = SettingsPage::new(layout, &user);
    page.new_email = form.new_email.clone();
    let email = page
        .errors
        .check("new_email", Email::parse(&form.new_email));
    if !password_matches(&state, &user, &form.email_password).await? {
        page.errors
            .add("email_password", "Your current password is not correct.");
    }
    let (Some(email), true) = (email, page.errors.is_empty()) else {
        return Ok(invalid(page));
    };
    match db::update_email(&state.db, &user.id, email.as_str(), session::now()).await {
        Err(error) if is_unique_violation(&error) => {
            page.errors
                .add("new_email", "Another account already uses this email.");
            Ok(invalid(page))
        }
        Err(error) => Err(error.into()),
        Ok(()) => done(&session, "Your email address was changed.").await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PasswordForm {
    current_password: String,
    new_password: String,
}

async fn update_password(
    State(state): State<AppState>,
    session: Session,
    layout: Layout,
    CurrentUser(user): CurrentUser,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let mut page = SettingsPage::new(layout, &user);
    if !password_matches(&state, &user, &form.current_password).await? {
        page.errors
            .add("current_password", "Your current password is not correct.");
    }
    if let Some(problem) = password::problem(&form.new_password, &[&user.email, &user.display_name])
    {
        page.errors.add("new_password", problem);
    }
    if !page.errors.is_empty() {
        return Ok(invalid(page));
    }

    let hash = password::hash(&state.hashing, form.new_password).await?;
    // A new session id first, so "every other session" is well defined.
    session::log_in(&session, &user, &state.config).await?;
    session
        .save()
        .await
        .map_err(|error| AppError::Internal(anyhow::anyhow!("{error}")))?;
    let current = session.id().map(|id| id.to_string());
    let mut tx = state.db.pool().begin().await?;
    db::update_password_hash(&mut *tx, &user.id, &hash, session::now()).await?;
    db::delete_sessions_of_user(&mut *tx, &user.id, current.as_deref()).await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id, "password changed; other sessions ended");
    done(
        &session,
        "Your password was changed. Any other sessions were logged out.",
    )
    .await
}

/// Everything stored about the user, as JSON.
async fn export(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let data = crate::progress::export::document(&state.db, &state.visits, &user).await?;
    let body = serde_json::to_string_pretty(&data).unwrap_or_default();
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"groundwork-my-data.json\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DeleteForm {
    delete_password: String,
    confirm: String,
}

async fn delete_account(
    State(state): State<AppState>,
    session: Session,
    layout: Layout,
    CurrentUser(user): CurrentUser,
    Form(form): Form<DeleteForm>,
) -> Result<Response, AppError> {
    let mut page = SettingsPage::new(layout, &user);
    if form.confirm != "yes" {
        page.errors.add(
            "confirm",
            "Tick the box to confirm that you want to delete your account.",
        );
    }
    if !password_matches(&state, &user, &form.delete_password).await? {
        page.errors
            .add("delete_password", "Your password is not correct.");
    }
    if !page.errors.is_empty() {
        return Ok(invalid(page));
    }
    auth::session::log_out(&session).await?;
    db::delete_user(&state.db, &user.id).await?;
    tracing::info!(user_id = %user.id, "account deleted by its owner");
    session::flash_and_redirect(
        &session,
        "Your account and everything stored about you were deleted.",
        "/",
    )
    .await
}
