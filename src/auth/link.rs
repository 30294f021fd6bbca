//! Sign-in links: while an account is throttled, its owner can still get in with a single-use
//! link mailed to the account's address (valid 15 minutes, stored only as a hash). Whoever
//! guesses passwords cannot use it, so throttling never locks the owner out. The link is a
//! first factor like the password: two-factor accounts still give their code.
//!
//! The request page answers the same whether or not the account exists, and mails are
//! themselves throttled so the owner's inbox cannot be flooded.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use super::{Email, db, handlers, reset::live_user, session, throttle, tokens};
use crate::{
    error::AppError,
    state::AppState,
    web::{Form, Layout, Path, Query},
};

const PURPOSE: &str = "login_link";
const VALID_MINUTES: i64 = 15;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RequestForm {
    email: String,
    next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    next: String,
}

#[derive(Debug, PartialEq, Eq)]
enum Step {
    /// "Check your email."
    Sent,
    /// A live link: one button logs in (a POST, so mail scanners that fetch links spend nothing).
    Confirm { token: String },
    /// Used, expired or never issued.
    Dead,
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/login_link.html")]
struct LinkPage {
    layout: Layout,
    step: Step,
    next: String,
}

pub async fn request(
    State(state): State<AppState>,
    session: Session,
    layout: Layout,
    Form(form): Form<RequestForm>,
) -> Result<Response, AppError> {
    let layout = layout.with_csrf(&session).await?;
    let next = session::safe_next(&form.next).unwrap_or_default();
    if let Ok(email) = Email::parse(&form.email) {
        // In the background: the answer takes as long, and says the same, for any address.
        tokio::spawn(send_link(state, email, next.clone()));
    }
    let page = LinkPage {
        layout,
        step: Step::Sent,
        next,
    };
    Ok(page.into_response())
}

async fn send_link(state: AppState, email: Email, next: String) {
    let result: anyhow::Result<()> = async {
        let Some(user) = db::get_user_by_email(&state.db, email.as_str()).await? else {
            return Ok(());
        };
        if !user.active {
            return Ok(());
        }
        if let Err(throttled) = throttle::begin_link(&state.db, &user.email).await? {
            tracing::info!(user_id = %user.id, minutes = throttled.minutes, "sign-in link not sent: too many asked");
            return Ok(());
        }
        let token = tokens::issue(&state.db, &user.id, PURPOSE, VALID_MINUTES * 60).await?;

        let mut link = format!("{}/login/link/{token}", state.config.public_url());
        if !next.is_empty() {
            link = format!("{link}?next={}", crate::error::urlencode(&next));
        }
        let body = format!(
            "Hello {name},\n\nSomeone (we hope you) asked for a sign-in link for your Groundwork \
             account, which is paused after several wrong passwords. Open this link within \
             {VALID_MINUTES} minutes to log in:\n\n{link}\n\n\
             The link works once. If you did not ask for it, someone may be guessing your \
             password: ignore this mail, and consider choosing a longer one.\n",
            name = user.display_name
        );
        state
            .mailer
            .send(&user.email, "Your Groundwork sign-in link", body)
            .await
    }
    .await;
    if let Err(error) = result {
        tracing::error!(error = format!("{error:#}"), "cannot send a sign-in link");
    }
}

pub async fn confirm_form(
    State(state): State<AppState>,
    session: Session,
    layout: Layout,
    Path(token): Path<String>,
    Query(query): Query<NextQuery>,
) -> Result<Response, AppError> {
    let layout = layout.with_csrf(&session).await?;
    let next = session::safe_next(&query.next).unwrap_or_default();
    if live_user(&state.db, &token, PURPOSE).await?.is_none() {
        return Ok(dead(layout, next));
    }
    let page = LinkPage {
        layout,
        step: Step::Confirm { token },
        next,
    };
    Ok(page.into_response())
}

pub async fn log_in(
    State(state): State<AppState>,
    session: Session,
    layout: Layout,
    Path(token): Path<String>,
    Form(form): Form<NextQuery>,
) -> Result<Response, AppError> {
    let layout = layout.with_csrf(&session).await?;
    let next = session::safe_next(&form.next).unwrap_or_default();
    let Some(user) = live_user(&state.db, &token, PURPOSE).await? else {
        return Ok(dead(layout, next));
    };
    // Spent before use: of two clicks, one wins.
    if !db::spend_token(
        state.db.pool(),
        &tokens::hash(&token),
        PURPOSE,
        session::now(),
    )
    .await?
    {
        return Ok(dead(layout, next));
    }
    // Only the owner can hold the link: their account starts afresh, code step included.
    throttle::forgive(&state.db, &user.email).await?;
    tracing::info!(user_id = %user.id, "signed in with a sign-in link");
    handlers::after_password(&state, &session, layout, &user, next).await
}

fn dead(layout: Layout, next: String) -> Response {
    let page = LinkPage {
        layout,
        step: Step::Dead,
        next,
    };
    (StatusCode::GONE, page).into_response()
}
