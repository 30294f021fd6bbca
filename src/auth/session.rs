//! What a session holds, and logging in and out.
//!
//! A session row exists only once something needs one: a form's CSRF token or a login.
//! Anonymous reading creates none.

use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::{Expiry, Session, SessionManagerLayer, cookie::SameSite};

use super::{db, user::User};
use crate::{
    config::Config,
    db::{
        Db,
        session_store::{DbSessionStore, IDLE_SECONDS, UNREACHABLE, USER_ID, USER_ROW},
    },
    error::AppError,
};

/// Unix time of the login, for the absolute timeout.
const LOGGED_IN_AT: &str = "logged_in_at";
/// Set when the login proved two factors without the account's own TOTP (see
/// [`mark_multi_factor`]).
const MULTI_FACTOR: &str = "multi_factor";
/// Unix time the idle timeout was last pushed back.
const REFRESHED_AT: &str = "refreshed_at";
/// A reading learner's session is saved (its idle timeout pushed back) at most this often:
/// a page view writes nothing otherwise.
const REFRESH_SECONDS: i64 = 60;

pub fn layer(store: DbSessionStore, config: &Config) -> SessionManagerLayer<DbSessionStore> {
    // `__Host-` makes the browser refuse the cookie unless it is Secure, host-only and Path=/.
    let name = if config.secure_cookies {
        "__Host-groundwork"
    } else {
        "groundwork"
    };
    SessionManagerLayer::new(store)
        .with_name(name)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            config.session_idle_minutes as i64,
        )))
}

pub(crate) use crate::clock::now;

fn store_error(error: tower_sessions::session::Error) -> AppError {
    use tower_sessions::{session::Error, session_store};
    match error {
        Error::Store(session_store::Error::Backend(message))
            if message.starts_with(UNREACHABLE) =>
        {
            AppError::Unavailable(message)
        }
        error => AppError::Internal(anyhow::anyhow!("session store: {error}")),
    }
}

/// The session's user, if it has a live one. Ends sessions whose user is gone or deactivated,
/// or whose absolute lifetime is over.
pub async fn current_user(
    session: &Session,
    db: &Db,
    config: &Config,
) -> Result<Option<User>, AppError> {
    let Some(user_id) = session.get::<String>(USER_ID).await.map_err(store_error)? else {
        return Ok(None);
    };
    // Read with the session when it was loaded; only a session that began in this request
    // (a login) has to ask.
    let user = match session
        .get::<db::UserRow>(USER_ROW)
        .await
        .map_err(store_error)?
    {
        Some(row) if row.id == user_id => Some(User::from(row)),
        _ => db::get_user(db, &user_id).await?,
    };
    let logged_in_at = session
        .get::<i64>(LOGGED_IN_AT)
        .await
        .map_err(store_error)?
        .unwrap_or(0);
    let live = user.filter(|user| {
        let max_hours = if user.role.is_staff() {
            config.staff_session_max_hours
        } else {
            config.session_max_hours
        };
        user.active && now() - logged_in_at < max_hours as i64 * 3600
    });
    let mut live = live;
    match &mut live {
        None => session.flush().await.map_err(store_error)?,
        Some(user) => {
            user.multi_factor_login = session
                .get::<bool>(MULTI_FACTOR)
                .await
                .map_err(store_error)?
                .unwrap_or(false);
            refresh_if_due(session).await?;
        }
    }
    Ok(live)
}

/// Pushes the idle timeout back, at most once a [`REFRESH_SECONDS`]: modifying the session
/// makes the session layer save it with a new expiry.
async fn refresh_if_due(session: &Session) -> Result<(), AppError> {
    let refreshed_at = session
        .get::<i64>(REFRESHED_AT)
        .await
        .map_err(store_error)?
        .unwrap_or(0);
    if now() - refreshed_at >= REFRESH_SECONDS {
        session
            .insert(REFRESHED_AT, now())
            .await
            .map_err(store_error)?;
    }
    Ok(())
}

/// Logs `user` in: a new session id (so a planted one is worthless), a new CSRF token, and
/// the idle timeout of the user's role.
pub async fn log_in(session: &Session, user: &User, config: &Config) -> Result<(), AppError> {
    session.cycle_id().await.map_err(store_error)?;
    session.clear().await;
    session
        .insert(USER_ID, &user.id)
        .await
        .map_err(store_error)?;
    session
        .insert(LOGGED_IN_AT, now())
        .await
        .map_err(store_error)?;
    session
        .insert(REFRESHED_AT, now())
        .await
        .map_err(store_error)?;
    super::csrf::rotate(session).await?;
    let idle = if user.role.is_staff() {
        config.staff_session_idle_minutes
    } else {
        config.session_idle_minutes
    };
    // Kept in the session so every later save applies it (see db::session_store).
    session
        .insert(IDLE_SECONDS, idle as i64 * 60)
        .await
        .map_err(store_error)?;
    session.set_expiry(Some(Expiry::OnInactivity(time::Duration::minutes(
        idle as i64,
    ))));
    Ok(())
}

/// Records that this session's login proved two factors (a password and a code, or a
/// provider's MFA the operator trusts): admin pages then pass the 2FA policy.
pub async fn mark_multi_factor(session: &Session) -> Result<(), AppError> {
    session
        .insert(MULTI_FACTOR, true)
        .await
        .map_err(store_error)
}

/// Ends the session, deleting it from the database, so its cookie is worthless afterwards.
pub async fn log_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(store_error)
}

/// Stores a value the next page shows once (a "flash" message).
pub async fn flash(session: &Session, message: &str) -> Result<(), AppError> {
    session.insert("flash", message).await.map_err(store_error)
}

/// Flashes `message` and sends the browser to `to`: how a form post ends (303 See Other).
pub async fn flash_and_redirect(
    session: &Session,
    message: &str,
    to: &str,
) -> Result<Response, AppError> {
    flash(session, message).await?;
    Ok(Redirect::to(to).into_response())
}

pub async fn take_flash(session: &Session) -> Result<Option<String>, AppError> {
    if session.is_empty().await {
        return Ok(None);
    }
    // Look before removing: a removal marks the session modified, and every page would
    // write it back.
    if session
        .get::<String>("flash")
        .await
        .map_err(store_error)?
        .is_none()
    {
        return Ok(None);
    }
    session.remove::<String>("flash").await.map_err(store_error)
}

pub async fn get<T: serde::de::DeserializeOwned>(
    session: &Session,
    key: &str,
) -> Result<Option<T>, AppError> {
    session.get(key).await.map_err(store_error)
}

pub async fn insert<T: serde::Serialize>(
    session: &Session,
    key: &str,
    value: T,
) -> Result<(), AppError> {
    session.insert(key, value).await.map_err(store_error)
}

pub async fn remove<T: serde::de::DeserializeOwned>(
    session: &Session,
    key: &str,
) -> Result<Option<T>, AppError> {
    session.remove(key).await.map_err(store_error)
}

/// `next` is followed only when it is a path on this site: `/…` but not `//…` or `/\…`, which
/// browsers treat as another host.
pub fn safe_next(next: &str) -> Option<String> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    ok.then(|| next.to_owned())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_followed_only_within_the_site() {
        assert_eq!(safe_next("/paths/x?a=1").as_deref(), Some("/paths/x?a=1"));
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "",
            "/a\\b",
            "/a\nb",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
