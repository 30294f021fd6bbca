//! Register, log in (password, then a TOTP or recovery code when 2FA is on), log out, and
//! the first admin's set-up link.

use std::{net::SocketAddr, time::Duration};

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{ConnectInfo, FromRequestParts, State},
    http::{StatusCode, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::{
    DisplayName, Email, db, passkeys, password, session, sso, throttle, tokens, two_factor,
    user::{MaybeUser, Role, User},
};
use crate::{
    db::Db,
    error::AppError,
    state::AppState,
    web::{FieldErrors, Form, Layout, Path, Query},
    workers::Workers,
};

/// Where to go after logging in when no (safe) `next` was given.
pub(super) const HOME: &str = "/dashboard";
/// A password step older than this must be redone before the code step.
const PENDING_LOGIN_SECONDS: i64 = 5 * 60;
const PENDING_LOGIN: &str = "pending_login";
const SETUP_LINK_HOURS: i64 = 1;

/// The client's IP address, for throttling: the connection's peer, or the address the
/// trusted reverse proxy appended to `X-Forwarded-For`.
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if state.config.trust_forwarded_for {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .map(str::trim)
                .rfind(|entry| !entry.is_empty());
            if let Some(address) = forwarded {
                return Ok(Self(address.to_owned()));
            }
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(
                || "unknown".to_owned(),
                |ConnectInfo(addr)| addr.ip().to_string(),
            );
        Ok(Self(peer))
    }
}

// --- register -----------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegisterForm {
    email: String,
    display_name: String,
    password: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/register.html")]
struct RegisterPage {
    layout: Layout,
    form: RegisterForm,
    errors: FieldErrors,
    /// "Sign in with …" buttons.
    sso: Vec<sso::Button>,
}

pub async fn register_form(
    State(state): State<AppState>,
    layout: Layout,
    session: Session,
    MaybeUser(user): MaybeUser,
) -> Result<Response, AppError> {
    if user.is_some() {
        return Ok(Redirect::to(HOME).into_response());
    }
    let layout = layout.with_csrf(&session).await?;
    Ok(RegisterPage {
        layout,
        form: RegisterForm::default(),
        errors: FieldErrors::default(),
        sso: state.sso.buttons(),
    }
    .into_response())
}

pub async fn register(
    State(state): State<AppState>,
    session: Session,
    layout: Layout,
    Form(form): Form<RegisterForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let email = errors.check("email", Email::parse(&form.email));
    let name = errors.check("display_name", DisplayName::parse(&form.display_name));
    if let Some(problem) = password::problem(&form.password, &[&form.email, &form.display_name]) {
        errors.add("password", problem);
    }
    let (Some(email), Some(name), true) = (email, name, errors.is_empty()) else {
        return Ok(invalid(RegisterPage {
            layout: layout.with_csrf(&session).await?,
            form,
            errors,
            sso: state.sso.buttons(),
        }));
    };

    let hash = match password::hash(&state.hashing, form.password.clone()).await {
        Err(AppError::Busy(_)) => {
            let layout = layout.with_csrf(&session).await?;
            return Ok(busy_page(
                RegisterPage {
                    layout,
                    form,
                    errors,
                    sso: state.sso.buttons(),
                },
                "password",
            ));
        }
        hash => hash?,
    };
    let id = uuid::Uuid::now_v7().to_string();
    let inserted = db::insert_user(
        state.db.pool(),
        db::NewUser {
            id: &id,
            email: email.as_str(),
            display_name: name.as_str(),
            password_hash: &hash,
            role: Role::Learner,
            now: session::now(),
        },
    )
    .await;
    if let Err(error) = inserted {
        if is_unique_violation(&error) {
            errors.add(
                "email",
                "An account with this email already exists. Log in instead?",
            );
            return Ok(invalid(RegisterPage {
                layout: layout.with_csrf(&session).await?,
                form,
                errors,
                sso: state.sso.buttons(),
            }));
        }
        return Err(error.into());
    }
    let user = db::get_user(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    session::log_in(&session, &user, &state.config).await?;
    tracing::info!(user_id = %user.id, "registered");
    Ok(Redirect::to(HOME).into_response())
}

pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Invalid input: the form again with its errors and input, status 422.
pub fn invalid(page: impl IntoResponse) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

// --- log in -------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginQuery {
    next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    code: String,
    next: String,
}

/// The hashing pool is full: the form again (input kept) with 503 and `Retry-After`.
fn busy_page(mut page: impl IntoResponse + HasErrors, field: &'static str) -> Response {
    page.errors_mut().add(
        field,
        "The server is busy right now. Wait a moment and send the form again.",
    );
    let retry_after = [(axum::http::header::RETRY_AFTER, "2")];
    (StatusCode::SERVICE_UNAVAILABLE, retry_after, page).into_response()
}

/// Pages whose form can carry one more error.
trait HasErrors {
    fn errors_mut(&mut self) -> &mut FieldErrors;
}

impl HasErrors for LoginPage {
    fn errors_mut(&mut self) -> &mut FieldErrors {
        &mut self.errors
    }
}

impl HasErrors for RegisterPage {
    fn errors_mut(&mut self) -> &mut FieldErrors {
        &mut self.errors
    }
}

/// A throttled login: the form again (input kept) with 429 and `Retry-After`; a full account
/// bucket also offers the owner a sign-in link by email.
fn throttled_page(mut page: LoginPage, throttled: throttle::Throttled) -> Response {
    let minutes = throttled.minutes;
    let wait = format!(
        "Too many failed attempts. Try again in {minutes} minute{}.",
        if minutes == 1 { "" } else { "s" }
    );
    let field = if page.code_step { "code" } else { "password" };
    page.errors.add(field, wait);
    page.offer_link = throttled.account && !page.code_step;
    let retry_after = [(axum::http::header::RETRY_AFTER, (minutes * 60).to_string())];
    (StatusCode::TOO_MANY_REQUESTS, retry_after, page).into_response()
}

/// The password step passed; the second factor is still to come.
#[derive(Debug, Serialize, Deserialize)]
struct PendingLogin {
    user_id: String,
    next: String,
    at: i64,
    /// Which second factors the second step offers: a TOTP or recovery code, a passkey.
    #[serde(default = "yes")]
    code: bool,
    #[serde(default)]
    passkey: bool,
}

fn yes() -> bool {
    true
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    next: String,
    /// The second step (a second factor) rather than email and password.
    code_step: bool,
    /// On the second step: the code field (2FA is on for the account).
    code_field: bool,
    /// The account is throttled: offer its owner a sign-in link by email.
    offer_link: bool,
    errors: FieldErrors,
    /// "Sign in with …" buttons (not on the code step).
    sso: Vec<sso::Button>,
    /// On the first step, "Sign in with a passkey" (passkeys work on this site); on the second,
    /// "Use your passkey" (the account has one).
    passkeys: bool,
}

pub async fn login_form(
    State(state): State<AppState>,
    layout: Layout,
    session: Session,
    MaybeUser(user): MaybeUser,
    Query(query): Query<LoginQuery>,
) -> Result<Response, AppError> {
    let next = session::safe_next(&query.next).unwrap_or_default();
    if user.is_some() {
        return Ok(Redirect::to(if next.is_empty() { HOME } else { &next }).into_response());
    }
    let layout = layout.with_csrf(&session).await?;
    Ok(
        first_step_page(&state, layout, String::new(), next, FieldErrors::default())
            .into_response(),
    )
}

/// The email and password form, with the other ways in this site offers.
fn first_step_page(
    state: &AppState,
    layout: Layout,
    email: String,
    next: String,
    errors: FieldErrors,
) -> LoginPage {
    LoginPage {
        layout,
        email,
        next,
        code_step: false,
        code_field: false,
        offer_link: false,
        errors,
        sso: state.sso.buttons(),
        passkeys: state.webauthn.is_some(),
    }
}

pub async fn login(
    State(state): State<AppState>,
    session: Session,
    layout: Layout,
    ClientAddress(address): ClientAddress,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let layout = layout.with_csrf(&session).await?;
    let next = session::safe_next(&form.next).unwrap_or_default();
    let pending = session::get::<PendingLogin>(&session, PENDING_LOGIN).await?;
    if let Some(pending) = pending.filter(|_| form.password.is_empty()) {
        return second_step(&state, &session, layout, &address, pending, &form.code).await;
    }

    let page = |layout, errors| {
        first_step_page(
            &state,
            layout,
            form.email.trim().to_owned(),
            next.clone(),
            errors,
        )
    };
    let mut errors = FieldErrors::default();
    if form.email.trim().is_empty() {
        errors.add("email", "Enter your email address.");
    }
    if form.password.is_empty() {
        errors.add("password", "Enter your password.");
    }
    if !errors.is_empty() {
        return Ok(invalid(page(layout, errors)));
    }
    let attempt = match throttle::begin(&state.db, &form.email, &address).await? {
        Ok(attempt) => attempt,
        Err(throttled) => return Ok(throttled_page(page(layout, errors), throttled)),
    };

    let user = db::get_user_by_email(&state.db, form.email.trim()).await?;
    let hash = user.as_ref().map(|user| user.password_hash.clone());
    let password_ok = match password::verify(&state.hashing, form.password.clone(), hash).await {
        Ok(verified) => verified,
        Err(error) => {
            attempt.abandon(&state.db).await?;
            return match error {
                AppError::Busy(_) => Ok(busy_page(page(layout, errors), "password")),
                error => Err(error),
            };
        }
    };
    let user = match user {
        Some(user) if password_ok && user.active => user,
        Some(user) if password_ok => {
            attempt.abandon(&state.db).await?;
            tracing::info!(user_id = %user.id, "login refused: account deactivated");
            errors.add(
                "email",
                "This account is deactivated. Contact an administrator.",
            );
            return Ok(invalid(page(layout, errors)));
        }
        _ => {
            attempt.failed(&state.db).await?;
            // One message for "no such account" and "wrong password": no enumeration.
            errors.add("password", "The email or password is not correct.");
            return Ok(invalid(page(layout, errors)));
        }
    };
    attempt.abandon(&state.db).await?;
    after_password(&state, &session, layout, &user, next).await
}

/// The first factor is proven (a password, or a sign-in link): ask for the second one, or
/// log in.
pub(super) async fn after_password(
    state: &AppState,
    session: &Session,
    layout: Layout,
    user: &User,
    next: String,
) -> Result<Response, AppError> {
    after_first_factor(state, session, layout, user, next, false).await
}

/// As [`after_password`], for any first factor; `multi_factor`: it already proved two (an
/// identity provider's MFA the operator trusts), so no second step.
///
/// The second step asks for a code when 2FA is on, and offers the account's passkeys too; an
/// admin whom the 2FA policy binds must use a passkey when it is their only second factor.
pub(super) async fn after_first_factor(
    state: &AppState,
    session: &Session,
    layout: Layout,
    user: &User,
    next: String,
    multi_factor: bool,
) -> Result<Response, AppError> {
    if multi_factor {
        return finish_login(state, session, user, &next, true).await;
    }
    let code = user.has_two_factor();
    let bound_by_policy = state.config.require_admin_2fa && user.role == Role::Admin;
    if !code && !bound_by_policy {
        // Most logins: no second step whatever passkeys the account has.
        return finish_login(state, session, user, &next, false).await;
    }
    let passkey = state.webauthn.is_some() && passkeys::count(&state.db, &user.id).await? > 0;
    if !code && !passkey {
        // The policy sends them to add a second factor.
        return finish_login(state, session, user, &next, false).await;
    }
    let pending = PendingLogin {
        user_id: user.id.clone(),
        next: next.clone(),
        at: session::now(),
        code,
        passkey,
    };
    session::insert(session, PENDING_LOGIN, &pending).await?;
    Ok(second_step_page(layout, &pending, FieldErrors::default()).into_response())
}

fn second_step_page(layout: Layout, pending: &PendingLogin, errors: FieldErrors) -> LoginPage {
    LoginPage {
        layout,
        email: String::new(),
        next: pending.next.clone(),
        code_step: true,
        code_field: pending.code,
        offer_link: false,
        errors,
        sso: Vec::new(),
        passkeys: pending.passkey,
    }
}

/// The account waiting in this session for its second factor, while its first is fresh; and
/// where to go after logging in.
pub(super) async fn pending_second_factor(
    state: &AppState,
    session: &Session,
) -> Result<Option<(User, String)>, AppError> {
    let Some(pending) = session::get::<PendingLogin>(session, PENDING_LOGIN).await? else {
        return Ok(None);
    };
    let user = waiting_user(&state.db, &pending).await?;
    Ok(user.map(|user| (user, pending.next)))
}

/// The account `pending` waits for, while its first factor is fresh and the account active.
async fn waiting_user(db: &Db, pending: &PendingLogin) -> Result<Option<User>, AppError> {
    if session::now() - pending.at >= PENDING_LOGIN_SECONDS {
        return Ok(None);
    }
    Ok(db::get_user(db, &pending.user_id)
        .await?
        .filter(|user| user.active))
}

async fn second_step(
    state: &AppState,
    session: &Session,
    layout: Layout,
    address: &str,
    pending: PendingLogin,
    code: &str,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let Some(user) = waiting_user(&state.db, &pending).await? else {
        session::remove::<PendingLogin>(session, PENDING_LOGIN).await?;
        errors.add("email", "That took too long. Please log in again.");
        let page = first_step_page(state, layout, String::new(), pending.next, errors);
        return Ok(invalid(page));
    };
    let code_page = |layout, errors| second_step_page(layout, &pending, errors);
    if code.trim().is_empty() {
        errors.add(
            "code",
            "Enter the 6-digit code from your authenticator app, or a recovery code.",
        );
        return Ok(invalid(code_page(layout, errors)));
    }
    let attempt = match throttle::begin(&state.db, &user.email, address).await? {
        Ok(attempt) => attempt,
        Err(throttled) => return Ok(throttled_page(code_page(layout, errors), throttled)),
    };
    if !second_factor_ok(&state.db, &user, code).await? {
        attempt.failed(&state.db).await?;
        errors.add(
            "code",
            "That code is not valid. Codes change every 30 seconds, and each works once.",
        );
        return Ok(invalid(code_page(layout, errors)));
    }
    attempt.abandon(&state.db).await?;
    finish_login(state, session, &user, &pending.next, true).await
}

/// A current TOTP code not used before, or an unused recovery code (then spent).
async fn second_factor_ok(db: &Db, user: &User, code: &str) -> Result<bool, AppError> {
    let Some(secret) = &user.totp_secret else {
        return Ok(false);
    };
    if two_factor::looks_like_recovery_code(code) {
        let hash = two_factor::hash_recovery_code(code);
        return Ok(db::use_recovery_code(db, &user.id, &hash, session::now()).await?);
    }
    match two_factor::check(secret, &user.email, code) {
        Some(step) => Ok(db::use_totp_step(db, &user.id, step).await?),
        None => Ok(false),
    }
}

/// Logs in; `multi_factor`: two factors were proven (the session remembers it for the admin
/// 2FA policy). A provider sign-in waiting for this account to be proven is linked now.
async fn finish_login(
    state: &AppState,
    session: &Session,
    user: &User,
    next: &str,
    multi_factor: bool,
) -> Result<Response, AppError> {
    let target = complete_login(state, session, user, next, multi_factor).await?;
    Ok(Redirect::to(&target).into_response())
}

/// A passkey proved two factors (alone, or as the second after a password): logs in; where to
/// go next.
pub(super) async fn log_in_with_passkey(
    state: &AppState,
    session: &Session,
    user: &User,
    next: &str,
) -> Result<String, AppError> {
    complete_login(state, session, user, next, true).await
}

/// [`finish_login`] up to the redirect: the path to send the browser to.
async fn complete_login(
    state: &AppState,
    session: &Session,
    user: &User,
    next: &str,
    multi_factor: bool,
) -> Result<String, AppError> {
    throttle::forgive(&state.db, &user.email).await?;
    let pending_link = sso::take_pending_link(session).await?;
    session::log_in(session, user, &state.config).await?;
    if multi_factor {
        session::mark_multi_factor(session).await?;
    }
    tracing::info!(user_id = %user.id, "logged in");
    if let Some(pending) = pending_link
        && let Some(message) = sso::complete_pending_link(state, user, pending).await?
    {
        session::flash(session, &message).await?;
    }
    let two_factor = user.has_two_factor() || multi_factor;
    let target = if state.config.require_admin_2fa && user.role == Role::Admin && !two_factor {
        session::flash(
            session,
            "Administrators need a second factor: turn on two-factor authentication here, \
             or add a passkey in Sign-in settings.",
        )
        .await?;
        "/settings/two-factor"
    } else if next.is_empty() {
        HOME
    } else {
        next
    };
    Ok(target.to_owned())
}

pub async fn logout(session: Session) -> Result<Redirect, AppError> {
    session::log_out(&session).await?;
    Ok(Redirect::to("/"))
}

// --- first admin --------------------------------------------------------------------------

/// Makes a one-time set-up link token (valid for an hour) for the first admin account.
pub async fn create_setup_token(db: &Db) -> anyhow::Result<String> {
    let mut tx = db.pool().begin().await?;
    let token = insert_setup_token(&mut tx).await?;
    tx.commit().await?;
    Ok(token)
}

/// The set-up token for this start, unless another instance made one in the last minute: of
/// several instances started together, one prints the link.
pub async fn claim_setup_token(db: &Db) -> anyhow::Result<Option<String>> {
    let mut tx = db.pool().begin().await?;
    if !crate::db::claim_startup(&mut *tx, "admin_setup_link", session::now(), 60).await? {
        return Ok(None);
    }
    let token = insert_setup_token(&mut tx).await?;
    tx.commit().await?;
    Ok(Some(token))
}

async fn insert_setup_token(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
) -> sqlx::Result<String> {
    let token = tokens::random_token();
    let now = session::now();
    db::insert_token(
        &mut **tx,
        &tokens::hash(&token),
        "admin_setup",
        None,
        now,
        now + SETUP_LINK_HOURS * 3600,
    )
    .await?;
    Ok(token)
}

/// Creates an admin account (the command line's `admin create`); returns the normalized email.
pub async fn create_admin(
    db: &Db,
    email: &str,
    display_name: &str,
    password: &str,
) -> anyhow::Result<String> {
    let email = Email::parse(email).map_err(anyhow::Error::msg)?;
    let name = DisplayName::parse(display_name).map_err(anyhow::Error::msg)?;
    if let Some(problem) = password::problem(password, &[email.as_str(), name.as_str()]) {
        anyhow::bail!("password: {problem}");
    }
    let hash = password::hash(
        &Workers::new("hashing", 1, 0, Duration::from_secs(1)),
        password.to_owned(),
    )
    .await?;
    let id = uuid::Uuid::now_v7().to_string();
    let new_user = db::NewUser {
        id: &id,
        email: email.as_str(),
        display_name: name.as_str(),
        password_hash: &hash,
        role: Role::Admin,
        now: session::now(),
    };
    match db::insert_user(db.pool(), new_user).await {
        Err(error) if is_unique_violation(&error) => {
            anyhow::bail!("an account with this email already exists")
        }
        other => other
            .map(|()| email.as_str().to_owned())
            .map_err(Into::into),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/setup.html")]
struct SetupPage {
    layout: Layout,
    token: String,
    form: RegisterForm,
    errors: FieldErrors,
}

const SETUP_LINK_DEAD: &str = "This set-up link has expired or was already used. Restart the \
     server for a new one, or use `groundwork admin create`.";

async fn setup_link_is_live(db: &Db, token: &str) -> Result<bool, AppError> {
    let live = db::find_live_token(db, &tokens::hash(token), "admin_setup", session::now()).await?;
    Ok(live.is_some() && !db::any_admin(db).await?)
}

pub async fn setup_form(
    State(state): State<AppState>,
    session: Session,
    layout: Layout,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if !setup_link_is_live(&state.db, &token).await? {
        return Err(AppError::Gone(SETUP_LINK_DEAD.into()));
    }
    let layout = layout.with_csrf(&session).await?;
    Ok(SetupPage {
        layout,
        token,
        form: RegisterForm::default(),
        errors: FieldErrors::default(),
    }
    .into_response())
}

pub async fn setup(
    State(state): State<AppState>,
    session: Session,
    layout: Layout,
    Path(token): Path<String>,
    Form(form): Form<RegisterForm>,
) -> Result<Response, AppError> {
    if !setup_link_is_live(&state.db, &token).await? {
        return Err(AppError::Gone(SETUP_LINK_DEAD.into()));
    }
    let mut errors = FieldErrors::default();
    let email = errors.check("email", Email::parse(&form.email));
    let name = errors.check("display_name", DisplayName::parse(&form.display_name));
    if let Some(problem) = password::problem(&form.password, &[&form.email, &form.display_name]) {
        errors.add("password", problem);
    }
    let (Some(email), Some(name), true) = (email, name, errors.is_empty()) else {
        let layout = layout.with_csrf(&session).await?;
        return Ok(invalid(SetupPage {
            layout,
            token,
            form,
            errors,
        }));
    };

    let hash = password::hash(&state.hashing, form.password.clone()).await?;
    let id = uuid::Uuid::now_v7().to_string();
    let now = session::now();
    let mut tx = state.db.pool().begin().await?;
    // Spending the token and creating the admin happen together or not at all.
    if !db::spend_token(&mut *tx, &tokens::hash(&token), "admin_setup", now).await? {
        return Err(AppError::Gone(SETUP_LINK_DEAD.into()));
    }
    let new_user = db::NewUser {
        id: &id,
        email: email.as_str(),
        display_name: name.as_str(),
        password_hash: &hash,
        role: Role::Admin,
        now,
    };
    if let Err(error) = db::insert_user(&mut *tx, new_user).await {
        if is_unique_violation(&error) {
            errors.add("email", "An account with this email already exists.");
            let layout = layout.with_csrf(&session).await?;
            return Ok(invalid(SetupPage {
                layout,
                token,
                form,
                errors,
            }));
        }
        return Err(error.into());
    }
    tx.commit().await?;

    let user = db::get_user(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    session::log_in(&session, &user, &state.config).await?;
    tracing::info!(user_id = %user.id, "first admin created through the set-up link");
    Ok(Redirect::to(HOME).into_response())
}
