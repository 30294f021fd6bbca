//! Password reset by email: a single-use link, valid for an hour, stored only as a hash.
//! The request page answers the same whether or not the account exists.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use super::{Email, db, handlers::invalid, password, session, tokens};
use crate::{
    db::Db,
    error::AppError,
    state::AppState,
    web::{FieldErrors, Form, Layout, Path},
};

const PURPOSE: &str = "password_reset";
const VALID_HOURS: i64 = 1;
const DEAD_LINK: &str = "This password-reset link has expired or was already used. \
     Ask for a new one below.";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RequestForm {
    email: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/reset_request.html")]
struct RequestPage {
    layout: Layout,
    email: String,
    /// Set once the request was taken: the "check your mail" state.
    sent: bool,
    notice: Option<&'static str>,
    errors: FieldErrors,
}

pub async fn request_form(layout: Layout, session: Session) -> Result<Response, AppError> {
    let layout = layout.with_csrf(&session).await?;
    let page = RequestPage {
        layout,
        email: String::new(),
        sent: false,
        notice: None,
        errors: FieldErrors::default(),
    };
    Ok(page.into_response())
}

pub async fn request(
    State(state): State<AppState>,
    session: Session,
    layout: Layout,
    Form(form): Form<RequestForm>,
) -> Result<Response, AppError> {
    let layout = layout.with_csrf(&session).await?;
    let mut errors = FieldErrors::default();
    let Some(email) = errors.check("email", Email::parse(&form.email)) else {
        let page = RequestPage {
            layout,
            email: form.email,
            sent: false,
            notice: None,
            errors,
        };
        return Ok(invalid(page));
    };

    // The lookup and mail happen in the background: the response takes as long, and says the
    // same, whether or not the account exists.
    tokio::spawn(send_reset_link(state, email));
    let page = RequestPage {
        layout,
        email: String::new(),
        sent: true,
        notice: None,
        errors,
    };
    Ok(page.into_response())
}

async fn send_reset_link(state: AppState, email: Email) {
    let result: anyhow::Result<()> = async {
        let Some(user) = db::get_user_by_email(&state.db, email.as_str()).await? else {
            return Ok(());
        };
        if !user.active {
            return Ok(());
        }
        let token = tokens::issue(&state.db, &user.id, PURPOSE, VALID_HOURS * 3600).await?;

        let link = format!("{}/password-reset/{token}", state.config.public_url());
        let body = format!(
            "Hello {name},\n\nSomeone (we hope you) asked to reset the password of your Groundwork \
             account. Open this link within an hour to choose a new password:\n\n{link}\n\n\
             The link works once. If you did not ask for this, ignore this mail: your password \
             stays as it is.\n",
            name = user.display_name
        );
        state
            .mailer
            .send(&user.email, "Reset your Groundwork password", body)
            .await
    }
    .await;
    if let Err(error) = result {
        tracing::error!(
            error = format!("{error:#}"),
            "cannot send a password-reset mail"
        );
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewPasswordForm {
    password: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/reset_password.html")]
struct NewPasswordPage {
    layout: Layout,
    token: String,
    errors: FieldErrors,
}

/// The active user a live (unused, unexpired) token of `purpose` belongs to.
pub(super) async fn live_user(
    db: &Db,
    token: &str,
    purpose: &str,
) -> Result<Option<super::User>, AppError> {
    let user_id = db::find_live_token(db, &tokens::hash(token), purpose, session::now()).await?;
    match user_id.flatten() {
        Some(id) => Ok(db::get_user(db, &id).await?.filter(|user| user.active)),
        None => Ok(None),
    }
}

/// The "link is dead" page, with the form to ask for a new one (status 410).
async fn dead_link(layout: Layout, session: &Session) -> Result<Response, AppError> {
    let layout = layout.with_csrf(session).await?;
    let page = RequestPage {
        layout,
        email: String::new(),
        sent: false,
        notice: Some(DEAD_LINK),
        errors: FieldErrors::default(),
    };
    Ok((axum::http::StatusCode::GONE, page).into_response())
}

pub async fn new_password_form(
    State(state): State<AppState>,
    session: Session,
    layout: Layout,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if live_user(&state.db, &token, PURPOSE).await?.is_none() {
        return dead_link(layout, &session).await;
    }
    let layout = layout.with_csrf(&session).await?;
    Ok(NewPasswordPage {
        layout,
        token,
        errors: FieldErrors::default(),
    }
    .into_response())
}

pub async fn new_password(
    State(state): State<AppState>,
    session: Session,
    layout: Layout,
    Path(token): Path<String>,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, AppError> {
    let Some(user) = live_user(&state.db, &token, PURPOSE).await? else {
        return dead_link(layout, &session).await;
    };
    if let Some(problem) = password::problem(&form.password, &[&user.email, &user.display_name]) {
        let mut errors = FieldErrors::default();
        errors.add("password", problem);
        let layout = layout.with_csrf(&session).await?;
        return Ok(invalid(NewPasswordPage {
            layout,
            token,
            errors,
        }));
    }

    let hash = password::hash(&state.hashing, form.password).await?;
    let now = session::now();
    let mut tx = state.db.pool().begin().await?;
    if !db::spend_token(&mut *tx, &tokens::hash(&token), PURPOSE, now).await? {
        return dead_link(layout, &session).await;
    }
    db::update_password_hash(&mut *tx, &user.id, &hash, now).await?;
    // Whoever may have had the old password is logged out everywhere.
    db::delete_sessions_of_user(&mut *tx, &user.id, None).await?;
    tx.commit().await?;

    tracing::info!(user_id = %user.id, "password reset");
    session::flash_and_redirect(
        &session,
        "Your password was changed. Log in with the new one.",
        "/login",
    )
    .await
}
