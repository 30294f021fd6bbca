//! Users, roles, and the extractors that say who is asking.

use std::sync::Arc;

use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
};
use serde::Serialize;
use tower_sessions::Session;

use super::session;
use crate::{config::Config, db::Db, error::AppError};

/// Roles are ordered: each can do everything the ones before it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Learner,
    Editor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Learner => "learner",
            Self::Editor => "editor",
            Self::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "learner" => Some(Self::Learner),
            "editor" => Some(Self::Editor),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    /// Editors and admins change what others see, so their sessions are shorter.
    pub fn is_staff(self) -> bool {
        self >= Self::Editor
    }
}

#[derive(Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub active: bool,
    pub totp_secret: Option<String>,
    /// This session's login proved two factors without the account's TOTP (a trusted
    /// provider's MFA); set by `session::current_user`.
    pub multi_factor_login: bool,
    pub created_at: i64,
}

impl std::fmt::Debug for User {
    // Never print the password hash or the TOTP secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

impl User {
    pub fn has_two_factor(&self) -> bool {
        self.totp_secret.is_some()
    }

    /// 403 unless the user has at least `role`; admins sent to set up 2FA first when the
    /// settings require it.
    pub fn require(&self, role: Role, config: &Config) -> Result<(), AppError> {
        if self.role < role {
            return Err(AppError::Forbidden);
        }
        let two_factor = self.has_two_factor() || self.multi_factor_login;
        if config.require_admin_2fa && self.role == Role::Admin && !two_factor {
            return Err(AppError::TwoFactorRequired);
        }
        Ok(())
    }
}

/// The logged-in user, if any; loaded once per request.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<User>);

/// The logged-in user; anyone else is sent to the login page and brought back afterwards.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

impl<S> FromRequestParts<S> for MaybeUser
where
    S: Send + Sync,
    Db: FromRef<S>,
    Arc<Config>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        if let Some(cached) = parts.extensions.get::<MaybeUser>() {
            return Ok(cached.clone());
        }
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, message)| AppError::Internal(anyhow::anyhow!(message)))?;
        let (db, config) = (Db::from_ref(state), Arc::<Config>::from_ref(state));
        let user = MaybeUser(session::current_user(&session, &db, &config).await?);
        parts.extensions.insert(user.clone());
        Ok(user)
    }
}

impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    Db: FromRef<S>,
    Arc<Config>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match MaybeUser::from_request_parts(parts, state).await? {
            MaybeUser(Some(user)) => Ok(Self(user)),
            MaybeUser(None) => Err(AppError::LoginRequired {
                next: return_address(parts),
            }),
        }
    }
}

/// Where to come back to after logging in: the page itself for a GET; for a form post, the
/// page the form was on (posting again after login would surprise).
fn return_address(parts: &Parts) -> Option<String> {
    if parts.method == axum::http::Method::GET {
        return parts
            .uri
            .path_and_query()
            .map(|path| path.as_str().to_owned());
    }
    let referer = parts
        .headers
        .get(axum::http::header::REFERER)?
        .to_str()
        .ok()?;
    let host = parts.headers.get(axum::http::header::HOST)?.to_str().ok()?;
    let rest = referer.split_once("://")?.1;
    let path = rest.strip_prefix(host)?;
    session::safe_next(path)
}
