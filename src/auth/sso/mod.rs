//! Single sign-on: "Sign in with …" an operator's OpenID Connect providers (Google, Microsoft
//! Entra ID, Keycloak, Authentik, …).
//!
//! A provider account signs in to the Groundwork account it is linked to. The first sign-in
//! creates an account, unless one with the same email exists: then it is linked only when the
//! provider vouches for the email and the learner logs in to that account once (proving it is
//! theirs), never by email alone. A provider sign-in is one factor; an account with two-factor
//! authentication is still asked for its code, unless the operator trusts the provider's own
//! MFA (`trust_mfa`) and the ID token reports it.

pub(crate) mod db;
mod github;
mod oidc;
mod providers;

use std::{path::Path, sync::Arc};

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

pub use db::IdentityRow;
pub use oidc::FLOW_MAX_SECONDS;
pub use providers::{Protocol, Provider};

use self::oidc::{Callback, Failure, Flow, Identity, Oidc};
use super::{
    DisplayName, db as users, handlers, is_unique_violation, session,
    user::{MaybeUser, Role, User},
};
use crate::{
    config::Config,
    error::AppError,
    state::AppState,
    web::{Layout, Path as UrlPath, Query},
};

const FLOW: &str = "sso_flow";
const PENDING_LINK: &str = "sso_pending_link";

/// The configured providers and the client that talks to them.
#[derive(Debug)]
pub struct Sso {
    providers: Vec<Provider>,
    oidc: Oidc,
    public_url: String,
}

/// A "Sign in with …" button.
#[derive(Debug, Clone)]
pub struct Button {
    pub id: String,
    pub name: String,
}

impl Sso {
    pub fn from_config(config: &Config) -> anyhow::Result<Arc<Self>> {
        Ok(Arc::new(Self {
            providers: providers::load(config.sign_in_providers.as_deref().map(Path::new))?,
            oidc: Oidc::new()?,
            public_url: config.public_url(),
        }))
    }

    pub fn buttons(&self) -> Vec<Button> {
        self.providers
            .iter()
            .map(|provider| Button {
                id: provider.id.clone(),
                name: provider.name.clone(),
            })
            .collect()
    }

    pub fn provider(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|provider| provider.id == id)
    }

    /// The redirect URL to register with the provider.
    pub fn redirect_url(&self, provider: &Provider) -> String {
        format!("{}/login/{}/callback", self.public_url, provider.id)
    }

    /// Starts a flow for this session; the response sends the browser to the provider.
    async fn start(
        &self,
        session: &Session,
        layout: &Layout,
        provider: &Provider,
        next: String,
        link_to: Option<String>,
    ) -> Result<Response, AppError> {
        let redirect_url = self.redirect_url(provider);
        let now = session::now();
        let started = match &provider.protocol {
            Protocol::Oidc { issuer } => {
                let oidc = &self.oidc;
                oidc.start(provider, issuer, &redirect_url, next, link_to, now)
                    .await
            }
            Protocol::GitHub(endpoints) => {
                github::start(provider, endpoints, &redirect_url, next, link_to, now)
            }
        };
        let (url, flow) = match started {
            Ok(started) => started,
            Err(failure) => return Ok(refused(layout, provider, &failure)),
        };
        // One sign-in at a time per browser: a newer one replaces an abandoned one.
        session::insert(session, FLOW, &flow).await?;
        Ok(Redirect::to(&url).into_response())
    }
}

/// A sign-in with a provider that did not complete: why, and the way back. No session is
/// created or changed by it.
#[derive(Template, WebTemplate)]
#[template(path = "auth/sso_refused.html")]
struct RefusedPage {
    layout: Layout,
    provider: String,
    message: String,
}

fn refused(layout: &Layout, provider: &Provider, failure: &Failure) -> Response {
    let status = match failure {
        Failure::Unreachable(_) => StatusCode::BAD_GATEWAY,
        _ => StatusCode::BAD_REQUEST,
    };
    refused_with(layout, provider, status, failure.to_string())
}

fn refused_with(
    layout: &Layout,
    provider: &Provider,
    status: StatusCode,
    message: String,
) -> Response {
    let page = RefusedPage {
        layout: layout.clone(),
        provider: provider.name.clone(),
        message,
    };
    (status, page).into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StartQuery {
    next: String,
}

/// `GET /login/{provider}`: off to the provider. Starting writes only the flow's secrets into
/// this browser's session; an attacker who makes a browser start one gains nothing, since only
/// this browser can finish it.
pub async fn start(
    State(state): State<AppState>,
    session: Session,
    layout: Layout,
    MaybeUser(user): MaybeUser,
    UrlPath(id): UrlPath<String>,
    Query(query): Query<StartQuery>,
) -> Result<Response, AppError> {
    let provider = state.sso.provider(&id).ok_or(AppError::NotFound)?;
    let next = session::safe_next(&query.next).unwrap_or_default();
    if user.is_some() {
        return Ok(Redirect::to(if next.is_empty() {
            handlers::HOME
        } else {
            &next
        })
        .into_response());
    }
    state
        .sso
        .start(&session, &layout, provider, next, None)
        .await
}

/// Starts linking a provider to the logged-in `user` (from `/settings/sign-in`, a form post).
pub async fn start_link(
    state: &AppState,
    session: &Session,
    layout: &Layout,
    user: &User,
    provider_id: &str,
) -> Result<Response, AppError> {
    let provider = state.sso.provider(provider_id).ok_or(AppError::NotFound)?;
    let next = "/settings/sign-in".to_owned();
    state
        .sso
        .start(session, layout, provider, next, Some(user.id.clone()))
        .await
}

/// `GET /login/{provider}/callback`: the provider sends the browser back here.
pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    layout: Layout,
    MaybeUser(user): MaybeUser,
    UrlPath(id): UrlPath<String>,
    Query(callback): Query<Callback>,
) -> Result<Response, AppError> {
    let provider = state.sso.provider(&id).ok_or(AppError::NotFound)?.clone();
    // Taken, not read: a callback works once.
    let Some(flow) = session::remove::<Flow>(&session, FLOW).await? else {
        return Ok(refused(&layout, &provider, &Failure::NotThisFlow));
    };
    let redirect_url = state.sso.redirect_url(&provider);
    let (oidc, now) = (&state.sso.oidc, session::now());
    let finished = match &provider.protocol {
        Protocol::Oidc { issuer } => {
            let flow = flow.clone();
            oidc.finish(&provider, issuer, &redirect_url, flow, callback, now)
                .await
        }
        Protocol::GitHub(endpoints) => {
            let (http, flow) = (oidc.http(), flow.clone());
            github::finish(
                http,
                &provider,
                endpoints,
                &redirect_url,
                flow,
                callback,
                now,
            )
            .await
        }
    };
    let identity = match finished {
        Ok(identity) => identity,
        Err(failure) => return Ok(refused(&layout, &provider, &failure)),
    };
    signed_in(&state, &session, layout, user, &provider, identity, flow).await
}

/// The provider vouched for `identity`: link it, log in with it, or make an account for it.
async fn signed_in(
    state: &AppState,
    session: &Session,
    layout: Layout,
    user: Option<User>,
    provider: &Provider,
    identity: Identity,
    flow: Flow,
) -> Result<Response, AppError> {
    let now = session::now();
    let email = identity.email.clone().unwrap_or_default();
    let vouched = !email.is_empty() && (identity.email_verified || provider.trust_email);
    if !provider.allows(&email) {
        let message = format!(
            "Only accounts of {} may sign in with {} here; {} signed you in as {}.",
            provider.allowed_domains.join(", "),
            provider.name,
            provider.name,
            if email.is_empty() {
                "an account without an email address"
            } else {
                &email
            },
        );
        return Ok(refused_with(
            &layout,
            provider,
            StatusCode::FORBIDDEN,
            message,
        ));
    }
    let linked_user = db::user_of(&state.db, &provider.id, &identity.subject).await?;

    if let Some(link_to) = &flow.link_to {
        if user.as_ref().map(|user| &user.id) != Some(link_to) {
            return Ok(refused(&layout, provider, &Failure::NotThisFlow));
        }
        let message = match linked_user {
            Some(other) if &other != link_to => {
                let message = format!(
                    "This {} account is already linked to another Groundwork account. Unlink it \
                     there first.",
                    provider.name
                );
                return Ok(refused_with(
                    &layout,
                    provider,
                    StatusCode::CONFLICT,
                    message,
                ));
            }
            Some(_) => format!("Your {} sign-in was already linked.", provider.name),
            None => {
                db::link(
                    state.db.pool(),
                    link_to,
                    &provider.id,
                    &identity.subject,
                    &email,
                    now,
                )
                .await?;
                tracing::info!(user_id = %link_to, provider = %provider.id, "sign-in linked");
                format!("{} is linked: you can sign in with it now.", provider.name)
            }
        };
        return session::flash_and_redirect(session, &message, &flow.next).await;
    }

    if let Some(user_id) = linked_user {
        let user = users::get_user(&state.db, &user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if !user.active {
            let message = "This account is deactivated. Contact an administrator.".to_owned();
            return Ok(refused_with(
                &layout,
                provider,
                StatusCode::FORBIDDEN,
                message,
            ));
        }
        db::used(&state.db, &provider.id, &identity.subject, &email, now).await?;
        let multi_factor = provider.trust_mfa && identity.multi_factor;
        return handlers::after_first_factor(
            state,
            session,
            layout,
            &user,
            flow.next,
            multi_factor,
        )
        .await;
    }

    if email.is_empty() {
        let message = format!(
            "{} did not share your email address, and an account needs one. Allow Groundwork to \
             see it when {} asks, or create an account with a password.",
            provider.name, provider.name
        );
        return Ok(refused_with(
            &layout,
            provider,
            StatusCode::BAD_REQUEST,
            message,
        ));
    }
    if let Some(existing) = users::get_user_by_email(&state.db, &email).await? {
        if !vouched {
            let message = format!(
                "An account with {email} already exists, and {} has not confirmed that this \
                 address is yours, so it cannot be linked. Log in to that account, then link {} \
                 in Settings, under Sign-in.",
                provider.name, provider.name
            );
            return Ok(refused_with(
                &layout,
                provider,
                StatusCode::CONFLICT,
                message,
            ));
        }
        let pending = PendingLink {
            provider: provider.id.clone(),
            provider_name: provider.name.clone(),
            subject: identity.subject,
            email: email.clone(),
            user_id: existing.id,
            at: now,
        };
        session::insert(session, PENDING_LINK, &pending).await?;
        let message = format!(
            "An account with {email} already exists. Log in to it once, and your {} sign-in will \
             be linked to it.",
            provider.name
        );
        let login = match flow.next.as_str() {
            "" => "/login".to_owned(),
            next => format!(
                "/login?next={}",
                form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            ),
        };
        return session::flash_and_redirect(session, &message, &login).await;
    }
    if !vouched {
        let message = format!(
            "{} has not confirmed that {email} is yours, so no account was made with it. Confirm \
             the address with {}, or create an account with a password.",
            provider.name, provider.name
        );
        return Ok(refused_with(
            &layout,
            provider,
            StatusCode::BAD_REQUEST,
            message,
        ));
    }
    create_account(
        state, session, &layout, provider, &identity, &email, &flow.next,
    )
    .await
}

async fn create_account(
    state: &AppState,
    session: &Session,
    layout: &Layout,
    provider: &Provider,
    identity: &Identity,
    email: &str,
    next: &str,
) -> Result<Response, AppError> {
    let local_part = email.split('@').next().unwrap_or(email);
    let name = identity
        .name
        .as_deref()
        .and_then(|name| DisplayName::parse(name).ok())
        .or_else(|| DisplayName::parse(local_part).ok())
        .map_or_else(|| "Learner".to_owned(), |name| name.as_str().to_owned());
    let id = uuid::Uuid::now_v7().to_string();
    let now = session::now();
    let mut tx = state.db.pool().begin().await?;
    let new_user = users::NewUser {
        id: &id,
        email,
        display_name: &name,
        // No password: this account signs in through the provider until its owner sets one.
        password_hash: "",
        role: Role::Learner,
        now,
    };
    if let Err(error) = users::insert_user(&mut *tx, new_user).await {
        if is_unique_violation(&error) {
            // Made at this moment by another request: start again, and be offered the link.
            return Ok(refused(layout, provider, &Failure::NotThisFlow));
        }
        return Err(error.into());
    }
    db::link(&mut *tx, &id, &provider.id, &identity.subject, email, now).await?;
    tx.commit().await?;
    let user = users::get_user(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    session::log_in(session, &user, &state.config).await?;
    tracing::info!(user_id = %user.id, provider = %provider.id, "registered through a provider");
    let target = if next.is_empty() {
        handlers::HOME
    } else {
        next
    };
    Ok(Redirect::to(target).into_response())
}

/// A provider account waiting to be linked once its owner logs in to the account with its
/// email (kept in the session across the login).
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct PendingLink {
    provider: String,
    provider_name: String,
    subject: String,
    email: String,
    user_id: String,
    at: i64,
}

/// Called as a login completes, before the session is renewed: the pending link, if any.
pub(super) async fn take_pending_link(session: &Session) -> Result<Option<PendingLink>, AppError> {
    session::remove::<PendingLink>(session, PENDING_LINK).await
}

/// Links the pending provider account when `user` is the account it was waiting for; the
/// message to flash.
pub(super) async fn complete_pending_link(
    state: &AppState,
    user: &User,
    pending: PendingLink,
) -> Result<Option<String>, AppError> {
    let now = session::now();
    if pending.user_id != user.id || now - pending.at > FLOW_MAX_SECONDS {
        return Ok(None);
    }
    let linked = db::link(
        state.db.pool(),
        &user.id,
        &pending.provider,
        &pending.subject,
        &pending.email,
        now,
    )
    .await;
    match linked {
        Ok(()) => {
            tracing::info!(user_id = %user.id, provider = %pending.provider, "sign-in linked at login");
            Ok(Some(format!(
                "Your {} sign-in is linked to this account: next time, sign in with it.",
                pending.provider_name
            )))
        }
        // Linked meanwhile (another tab): nothing to add.
        Err(error) if is_unique_violation(&error) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// The user's linked sign-ins, with each provider's display name.
pub async fn linked(
    state: &AppState,
    user_id: &str,
) -> Result<Vec<(String, IdentityRow)>, AppError> {
    let rows = db::of_user(&state.db, user_id).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let name = state
                .sso
                .provider(&row.provider)
                .map_or_else(|| row.provider.clone(), |provider| provider.name.clone());
            (name, row)
        })
        .collect())
}

/// Unlinks one of the user's sign-ins, unless it is their last way in. `Ok(false)`: refused.
pub async fn unlink(
    state: &AppState,
    user_id: &str,
    provider: &str,
    subject: &str,
) -> Result<bool, AppError> {
    let mut tx = state.db.pool().begin().await?;
    users::lock_user(&mut *tx, user_id).await?;
    if !db::unlink(&mut *tx, user_id, provider, subject).await? {
        return Err(AppError::NotFound);
    }
    if users::ways_in(&mut *tx, user_id).await? == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}
