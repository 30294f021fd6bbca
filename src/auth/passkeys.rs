//! Passkeys (WebAuthn, through `webauthn-rs`): added in `/settings/sign-in`, then used to sign
//! in with no password ("Sign in with a passkey": a discoverable credential names its account),
//! or as the second factor after a password. A passkey proves two factors at once (the device,
//! and the PIN or biometric its user verification requires), so either meets the admin 2FA
//! policy.
//!
//! Each ceremony is two requests: the options (with a challenge) and the browser's answer.
//! The state between them goes into the session (the database), so any instance may take the
//! second request. The counter each authenticator reports is checked and kept.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid, Webauthn,
    WebauthnBuilder,
};

use super::{
    CurrentUser, db as users, handlers, session,
    user::{MaybeUser, User},
};
use crate::{config::Config, db::Db, error::AppError, state::AppState};

const REGISTRATION: &str = "passkey_registration";
const AUTHENTICATION: &str = "passkey_authentication";
const SECOND_FACTOR: &str = "passkey_second_factor";
/// A ceremony left unanswered longer than this must start again.
const CEREMONY_SECONDS: i64 = 5 * 60;
pub const MAX_PER_USER: i64 = 20;
const MAX_NAME_CHARS: usize = 60;

/// The relying party: this site, as `GROUNDWORK_PUBLIC_URL` names it. `None` when it names
/// the site by an IP address, which WebAuthn does not accept: passkeys are then unavailable
/// (and the pages do not offer them).
pub fn relying_party(config: &Config) -> anyhow::Result<Option<Webauthn>> {
    let origin = Url::parse(&config.public_url())?;
    let Some(host) = origin.domain() else {
        tracing::warn!(
            public_url = %origin,
            "passkeys are off: WebAuthn needs the site's domain name (set GROUNDWORK_PUBLIC_URL; \
             http://localhost:<port> works on this machine)"
        );
        return Ok(None);
    };
    let host = host.to_owned();
    Ok(Some(
        WebauthnBuilder::new(&host, &origin)?
            .rp_name("Groundwork")
            .build()?,
    ))
}

/// The answer when passkeys are off here.
fn passkeys_off() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "Passkeys are not available on this site.",
    )
}

// --- storage ------------------------------------------------------------------------------

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PasskeyRow {
    pub id: String,
    pub name: String,
    pub credential: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

pub async fn of_user(db: &Db, user_id: &str) -> sqlx::Result<Vec<PasskeyRow>> {
    sqlx::query_as(
        "SELECT id, name, credential, created_at, last_used_at FROM passkeys \
         WHERE user_id = $1 ORDER BY created_at, id",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await
}

/// What deleting a passkey did.
pub enum Deleted {
    Done,
    /// It was not the user's (or not there).
    NotFound,
    /// It is the account's last way in: kept.
    LastWayIn,
}

/// Deletes one of the user's own passkeys, unless nothing else would sign in to the account.
pub async fn delete(db: &Db, user_id: &str, id: &str) -> sqlx::Result<Deleted> {
    let mut tx = db.pool().begin().await?;
    users::lock_user(&mut *tx, user_id).await?;
    let result = sqlx::query("DELETE FROM passkeys WHERE user_id = $1 AND id = $2")
        .bind(user_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if result.rows_affected() == 0 {
        return Ok(Deleted::NotFound);
    }
    if users::ways_in(&mut *tx, user_id).await? == 0 {
        tx.rollback().await?;
        return Ok(Deleted::LastWayIn);
    }
    tx.commit().await?;
    Ok(Deleted::Done)
}

/// How many passkeys the user has.
pub async fn count(db: &Db, user_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM passkeys WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(db.pool())
        .await
}

/// Keeps the counter the authenticator reported (checked by `webauthn-rs`: a cloned
/// authenticator would repeat or go back) and when the passkey was last used.
async fn record_use(
    db: &Db,
    key_id: &str,
    mut key: Passkey,
    result: &AuthenticationResult,
) -> Result<(), AppError> {
    key.update_credential(result);
    sqlx::query("UPDATE passkeys SET credential = $2, last_used_at = $3 WHERE id = $1")
        .bind(key_id)
        .bind(serde_json::to_string(&key).map_err(|error| AppError::Internal(error.into()))?)
        .bind(session::now())
        .execute(db.pool())
        .await?;
    Ok(())
}

/// The user's stored passkey with this credential id (and its row id), if it is there.
async fn stored_key(
    db: &Db,
    user_id: &str,
    credential_id: &[u8],
) -> sqlx::Result<Option<(String, Passkey)>> {
    let keys = decoded(&of_user(db, user_id).await?);
    Ok(keys
        .into_iter()
        .find(|(_, key)| AsRef::<[u8]>::as_ref(key.cred_id()) == credential_id))
}

fn decoded(rows: &[PasskeyRow]) -> Vec<(String, Passkey)> {
    rows.iter()
        .filter_map(|row| Some((row.id.clone(), serde_json::from_str(&row.credential).ok()?)))
        .collect()
}

/// A JSON answer for the page's script: `{"error": "…"}` with a status.
fn problem(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn user_handle(user: &User) -> Result<Uuid, AppError> {
    Uuid::parse_str(&user.id)
        .map_err(|_| AppError::Internal(anyhow::anyhow!("user id is not a UUID")))
}

// --- adding one ---------------------------------------------------------------------------

/// `POST /settings/passkeys/options`: the creation options for the browser.
pub async fn registration_options(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let Some(webauthn) = state.webauthn.as_deref() else {
        return Ok(passkeys_off());
    };
    let existing = decoded(&of_user(&state.db, &user.id).await?);
    if existing.len() as i64 >= MAX_PER_USER {
        let message = format!("You have {MAX_PER_USER} passkeys, the most one account may keep.");
        return Ok(problem(StatusCode::UNPROCESSABLE_ENTITY, &message));
    }
    let exclude = existing
        .iter()
        .map(|(_, key)| key.cred_id().clone())
        .collect();
    let (options, registration) = webauthn
        .start_passkey_registration(
            user_handle(&user)?,
            &user.email,
            &user.display_name,
            Some(exclude),
        )
        .map_err(|error| AppError::Internal(anyhow::anyhow!("passkey options: {error}")))?;
    // Ask for a discoverable credential, so the passkey alone can name its account at login
    // (webauthn-rs leaves it to the authenticator; the server's checks are the same).
    let mut options =
        serde_json::to_value(options).map_err(|error| AppError::Internal(error.into()))?;
    options["publicKey"]["authenticatorSelection"]["residentKey"] = json!("required");
    options["publicKey"]["authenticatorSelection"]["requireResidentKey"] = json!(true);
    session::insert(&session, REGISTRATION, (&registration, session::now())).await?;
    Ok(Json(options).into_response())
}

#[derive(Deserialize)]
pub struct NewPasskey {
    name: String,
    credential: RegisterPublicKeyCredential,
}

/// `POST /settings/passkeys`: the browser's new credential, checked against the options.
pub async fn register(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    Json(new): Json<NewPasskey>,
) -> Result<Response, AppError> {
    let Some(webauthn) = state.webauthn.as_deref() else {
        return Ok(passkeys_off());
    };
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        let message = format!("Give the passkey a name of 1 to {MAX_NAME_CHARS} characters.");
        return Ok(problem(StatusCode::UNPROCESSABLE_ENTITY, &message));
    }
    let pending = session::remove::<(PasskeyRegistration, i64)>(&session, REGISTRATION).await?;
    let Some((registration, _)) = pending.filter(|(_, at)| session::now() - at < CEREMONY_SECONDS)
    else {
        return Ok(problem(
            StatusCode::BAD_REQUEST,
            "That took too long. Try adding the passkey again.",
        ));
    };
    let passkey = match webauthn.finish_passkey_registration(&new.credential, &registration) {
        Ok(passkey) => passkey,
        Err(error) => {
            tracing::info!(user_id = %user.id, %error, "passkey refused at registration");
            return Ok(problem(
                StatusCode::BAD_REQUEST,
                "The browser's answer could not be checked. Try again.",
            ));
        }
    };
    let credential_id: String = passkey
        .cred_id()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let inserted = sqlx::query(
        "INSERT INTO passkeys (id, user_id, name, credential_id, credential, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(&user.id)
    .bind(name)
    .bind(credential_id)
    .bind(serde_json::to_string(&passkey).map_err(|error| AppError::Internal(error.into()))?)
    .bind(session::now())
    .execute(state.db.pool())
    .await;
    match inserted {
        Ok(_) => {}
        Err(error) if super::is_unique_violation(&error) => {
            return Ok(problem(
                StatusCode::CONFLICT,
                "This passkey is already registered.",
            ));
        }
        Err(error) => return Err(error.into()),
    }
    tracing::info!(user_id = %user.id, "passkey added");
    // As turning on TOTP does, adding a passkey (user verified) gives this session its second
    // factor: an admin sent here by the 2FA policy may go on.
    session::mark_multi_factor(&session).await?;
    session::flash(
        &session,
        &format!("Passkey “{name}” added: you can sign in with it now."),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "redirect": "/settings/sign-in" })),
    )
        .into_response())
}

// --- signing in ---------------------------------------------------------------------------

/// `POST /login/passkey/options`: a challenge for any of this site's passkeys.
pub async fn authentication_options(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, AppError> {
    let Some(webauthn) = state.webauthn.as_deref() else {
        return Ok(passkeys_off());
    };
    let (options, authentication) = webauthn
        .start_discoverable_authentication()
        .map_err(|error| AppError::Internal(anyhow::anyhow!("passkey options: {error}")))?;
    session::insert(&session, AUTHENTICATION, (&authentication, session::now())).await?;
    Ok(Json(options).into_response())
}

#[derive(Deserialize)]
pub struct Assertion {
    credential: PublicKeyCredential,
    #[serde(default)]
    next: String,
}

/// `POST /login/passkey`: the browser's signed challenge; logs in the passkey's owner.
pub async fn authenticate(
    State(state): State<AppState>,
    session: Session,
    MaybeUser(_): MaybeUser,
    Json(assertion): Json<Assertion>,
) -> Result<Response, AppError> {
    let Some(webauthn) = state.webauthn.as_deref() else {
        return Ok(passkeys_off());
    };
    const REFUSED: &str = "This passkey could not sign you in. Use another way to log in.";
    let pending =
        session::remove::<(DiscoverableAuthentication, i64)>(&session, AUTHENTICATION).await?;
    let Some((authentication, _)) =
        pending.filter(|(_, at)| session::now() - at < CEREMONY_SECONDS)
    else {
        return Ok(problem(
            StatusCode::BAD_REQUEST,
            "That took too long. Try again.",
        ));
    };
    let Ok((handle, credential_id)) =
        webauthn.identify_discoverable_authentication(&assertion.credential)
    else {
        return Ok(problem(StatusCode::BAD_REQUEST, REFUSED));
    };
    let Some(user) = users::get_user(&state.db, &handle.to_string())
        .await?
        .filter(|user| user.active)
    else {
        return Ok(problem(StatusCode::BAD_REQUEST, REFUSED));
    };
    let Some((key_id, key)) = stored_key(&state.db, &user.id, credential_id).await? else {
        return Ok(problem(StatusCode::BAD_REQUEST, REFUSED));
    };
    let result = match webauthn.finish_discoverable_authentication_v2(
        &assertion.credential,
        authentication,
        &key,
    ) {
        Ok(result) => result,
        Err(error) => {
            tracing::info!(user_id = %user.id, %error, "passkey sign-in refused");
            return Ok(problem(StatusCode::BAD_REQUEST, REFUSED));
        }
    };
    record_use(&state.db, &key_id, key, &result).await?;
    let next = session::safe_next(&assertion.next).unwrap_or_default();
    let redirect = handlers::log_in_with_passkey(&state, &session, &user, &next).await?;
    Ok(Json(json!({ "redirect": redirect })).into_response())
}

// --- the second factor after a password -----------------------------------------------------

const TOO_LONG: &str = "That took too long. Please log in again.";

/// `POST /login/second-factor/passkey/options`: a challenge for the passkeys of the account
/// whose password this session just proved.
pub async fn second_factor_options(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, AppError> {
    let Some(webauthn) = state.webauthn.as_deref() else {
        return Ok(passkeys_off());
    };
    let Some((user, _)) = handlers::pending_second_factor(&state, &session).await? else {
        return Ok(problem(StatusCode::BAD_REQUEST, TOO_LONG));
    };
    let keys: Vec<Passkey> = decoded(&of_user(&state.db, &user.id).await?)
        .into_iter()
        .map(|(_, key)| key)
        .collect();
    if keys.is_empty() {
        return Ok(problem(
            StatusCode::BAD_REQUEST,
            "This account has no passkey. Use your authentication code.",
        ));
    }
    let (options, authentication) = webauthn
        .start_passkey_authentication(&keys)
        .map_err(|error| AppError::Internal(anyhow::anyhow!("passkey options: {error}")))?;
    let pending = (&authentication, &user.id, session::now());
    session::insert(&session, SECOND_FACTOR, pending).await?;
    Ok(Json(options).into_response())
}

/// `POST /login/second-factor/passkey`: the signed challenge; logs in the account waiting for
/// it, and no other.
pub async fn second_factor(
    State(state): State<AppState>,
    session: Session,
    Json(assertion): Json<Assertion>,
) -> Result<Response, AppError> {
    let Some(webauthn) = state.webauthn.as_deref() else {
        return Ok(passkeys_off());
    };
    let ceremony =
        session::remove::<(PasskeyAuthentication, String, i64)>(&session, SECOND_FACTOR).await?;
    let waiting = handlers::pending_second_factor(&state, &session).await?;
    let (Some((authentication, ceremony_user, at)), Some((user, next))) = (ceremony, waiting)
    else {
        return Ok(problem(StatusCode::BAD_REQUEST, TOO_LONG));
    };
    if ceremony_user != user.id || session::now() - at >= CEREMONY_SECONDS {
        return Ok(problem(StatusCode::BAD_REQUEST, TOO_LONG));
    }
    let result = match webauthn
        .finish_passkey_authentication(&assertion.credential, &authentication)
    {
        Ok(result) => result,
        Err(error) => {
            tracing::info!(user_id = %user.id, %error, "passkey second factor refused");
            return Ok(problem(
                StatusCode::BAD_REQUEST,
                "This passkey could not be checked. Try again, or use your authentication code.",
            ));
        }
    };
    let Some((key_id, key)) = stored_key(&state.db, &user.id, result.cred_id()).await? else {
        // Deleted between the two requests.
        return Ok(problem(StatusCode::BAD_REQUEST, TOO_LONG));
    };
    record_use(&state.db, &key_id, key, &result).await?;
    let redirect = handlers::log_in_with_passkey(&state, &session, &user, &next).await?;
    Ok(Json(json!({ "redirect": redirect })).into_response())
}
