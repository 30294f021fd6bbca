//! `/settings/sign-in`: the ways into this account besides its password. Lists the linked
//! identity providers and the passkeys (with when each was last used), links another provider
//! (passkeys are added by the page's script, `auth::passkeys`), and unlinks or deletes one
//! while another way to sign in remains.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Router,
    extract::State,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use tower_sessions::Session;

use crate::{
    auth::{CurrentUser, passkeys, session, sso},
    error::AppError,
    state::AppState,
    web::{Form, Layout, Path, dates::date},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/sign-in", get(page))
        .route("/settings/sign-in/link", post(link))
        .route("/settings/sign-in/unlink", post(unlink))
        .route("/settings/passkeys/{id}/delete", post(delete_passkey))
}

struct Linked {
    provider_id: String,
    provider: String,
    subject: String,
    email: String,
    linked: String,
    last_used: String,
}

struct ListedPasskey {
    id: String,
    name: String,
    added: String,
    last_used: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "account/sign_in.html")]
struct SignInPage {
    layout: Layout,
    linked: Vec<Linked>,
    passkeys: Vec<ListedPasskey>,
    /// Passkeys work on this site (its public URL has a domain name).
    passkeys_available: bool,
    /// Providers this account could link (all configured ones; one can be linked twice with
    /// two accounts at the provider).
    offered: Vec<sso::Button>,
    has_password: bool,
}

async fn page(
    State(state): State<AppState>,
    layout: Layout,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let linked = sso::linked(&state, &user.id)
        .await?
        .into_iter()
        .map(|(provider, row)| Linked {
            provider_id: row.provider,
            provider,
            subject: row.subject,
            email: row.email,
            linked: date(row.created_at),
            last_used: date(row.last_used_at),
        })
        .collect();
    let passkeys = passkeys::of_user(&state.db, &user.id)
        .await?
        .into_iter()
        .map(|row| ListedPasskey {
            id: row.id,
            name: row.name,
            added: date(row.created_at),
            last_used: row.last_used_at.map_or_else(|| "Never".to_owned(), date),
        })
        .collect();
    Ok(SignInPage {
        layout,
        linked,
        passkeys,
        passkeys_available: state.webauthn.is_some(),
        offered: state.sso.buttons(),
        has_password: !user.password_hash.is_empty(),
    }
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LinkForm {
    provider: String,
}

async fn link(
    State(state): State<AppState>,
    session: Session,
    layout: Layout,
    CurrentUser(user): CurrentUser,
    Form(form): Form<LinkForm>,
) -> Result<Response, AppError> {
    sso::start_link(&state, &session, &layout, &user, &form.provider).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UnlinkForm {
    provider: String,
    subject: String,
}

async fn unlink(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    Form(form): Form<UnlinkForm>,
) -> Result<Response, AppError> {
    let message = if sso::unlink(&state, &user.id, &form.provider, &form.subject).await? {
        tracing::info!(user_id = %user.id, provider = %form.provider, "sign-in unlinked");
        "The sign-in was unlinked."
    } else {
        "This is your only way to sign in, so it stays linked. Set a password (through \
         “Forgot your password?” on the login page), add a passkey or link another sign-in \
         first."
    };
    session::flash_and_redirect(&session, message, "/settings/sign-in").await
}

async fn delete_passkey(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let message = match passkeys::delete(&state.db, &user.id, &id).await? {
        passkeys::Deleted::NotFound => return Err(AppError::NotFound),
        passkeys::Deleted::LastWayIn => {
            "This passkey is your only way to sign in, so it stays. Set a password or link \
             another sign-in first."
        }
        passkeys::Deleted::Done => {
            tracing::info!(user_id = %user.id, "passkey deleted");
            "The passkey was deleted."
        }
    };
    session::flash_and_redirect(&session, message, "/settings/sign-in").await
}
