//! What every page's layout (`templates/base.html`) needs besides the page's own content:
//! who is logged in (for the navigation), the CSRF token for forms, a one-time flash message.
//! Handlers take it as an extractor.

use std::sync::Arc;

use axum::{
    extract::{FromRef, FromRequestParts, OriginalUri},
    http::request::Parts,
};
use tower_sessions::Session;

use super::assets;
use crate::{
    auth::{self, MaybeUser, Role},
    config::Config,
    db::Db,
    error::AppError,
};

#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// The request path, to mark the current navigation entry.
    pub current_path: String,
    pub user: Option<LayoutUser>,
    /// Empty for anonymous visitors unless the page has a form (see `with_csrf`).
    pub csrf_token: String,
    pub flash: Option<String>,
}

#[derive(Debug, Clone)]
pub struct LayoutUser {
    pub display_name: String,
    pub role: Role,
}

impl Layout {
    pub fn new(current_path: impl Into<String>) -> Self {
        Self {
            current_path: current_path.into(),
            ..Self::default()
        }
    }

    /// The layout for `session`; `take_flash` consumes the pending flash message.
    pub async fn build(
        session: &Session,
        db: &Db,
        config: &Config,
        current_path: &str,
        take_flash: bool,
    ) -> Result<Self, AppError> {
        let user = auth::session::current_user(session, db, config).await?;
        Self::for_user(session, user.as_ref(), current_path, take_flash).await
    }

    async fn for_user(
        session: &Session,
        user: Option<&auth::User>,
        current_path: &str,
        take_flash: bool,
    ) -> Result<Self, AppError> {
        let csrf_token = match user {
            Some(_) => auth::csrf::token(session).await?,
            None => String::new(),
        };
        let flash = if take_flash {
            auth::session::take_flash(session).await?
        } else {
            None
        };
        Ok(Self {
            current_path: current_path.to_owned(),
            user: user.map(|user| LayoutUser {
                display_name: user.display_name.clone(),
                role: user.role,
            }),
            csrf_token,
            flash,
        })
    }

    /// Makes sure the page has a CSRF token, for forms shown to anonymous visitors
    /// (login, register). This is what starts a session for them.
    pub async fn with_csrf(mut self, session: &Session) -> Result<Self, AppError> {
        if self.csrf_token.is_empty() {
            self.csrf_token = auth::csrf::token(session).await?;
        }
        Ok(self)
    }

    pub fn asset(&self, name: &str) -> String {
        assets::url(name)
    }

    /// `aria-current="page"` for the entry that links to where we are.
    pub fn is_current(&self, href: &str) -> bool {
        self.current_path == href
            || (href != "/" && self.current_path.starts_with(&format!("{href}/")))
    }

    pub fn is_staff(&self) -> bool {
        self.user.as_ref().is_some_and(|user| user.role.is_staff())
    }
}

impl<S> FromRequestParts<S> for Layout
where
    S: Send + Sync,
    Db: FromRef<S>,
    Arc<Config>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state).await?;
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, message)| AppError::Internal(anyhow::anyhow!(message)))?;
        let path = match parts.extensions.get::<OriginalUri>() {
            Some(OriginalUri(uri)) => uri.path().to_owned(),
            None => parts.uri.path().to_owned(),
        };
        Self::for_user(&session, user.as_ref(), &path, true).await
    }
}
