//! User management (admins only): search, change role, deactivate and reactivate, reset 2FA.
//! Every action is audited; a change of role or a deactivation ends the user's sessions.

use askama::Template;
use askama_web::WebTemplate;
use axum::{extract::State, response::Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    Paging,
    db::{self, AuditEntry},
};
use crate::{
    auth::{self, CurrentUser, Role, User, session},
    db::Db,
    error::AppError,
    state::AppState,
    web::dates::date_time as when,
    web::{Form, Layout, Path, Query},
};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ListQuery {
    q: String,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
pub(super) struct UsersPage {
    layout: Layout,
    q: String,
    users: Vec<db::UserRow>,
    page: i64,
    pages: i64,
    total: i64,
    own_id: String,
}

impl UsersPage {
    fn page_href(&self, page: i64) -> String {
        format!(
            "/admin/users?q={}&page={page}",
            crate::error::urlencode(&self.q)
        )
    }
}

pub(super) async fn list(
    State(state): State<AppState>,
    layout: Layout,
    CurrentUser(admin): CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<UsersPage, AppError> {
    admin.require(Role::Admin, &state.config)?;
    let q = query.q.trim().chars().take(100).collect::<String>();
    let paging = Paging::new(query.page);
    let (users, total) = db::search_users(&state.db, &q, Paging::PER_PAGE, paging.offset()).await?;
    let pages = Paging::pages(total);
    Ok(UsersPage {
        layout,
        q,
        users,
        page: paging.page,
        pages,
        total,
        own_id: admin.id,
    })
}

async fn target(db: &Db, id: &str) -> Result<User, AppError> {
    auth::get_user(db, id).await?.ok_or(AppError::NotFound)
}

async fn done(session: &Session, message: &str) -> Result<Response, AppError> {
    session::flash_and_redirect(session, message, "/admin/users").await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RoleForm {
    role: String,
}

pub(super) async fn change_role(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<RoleForm>,
) -> Result<Response, AppError> {
    admin.require(Role::Admin, &state.config)?;
    let user = target(&state.db, &id).await?;
    let role = Role::parse(&form.role)
        .ok_or_else(|| AppError::BadRequest("Choose learner, editor or admin.".into()))?;
    if role == user.role {
        return done(&session, "Nothing changed.").await;
    }
    let mut tx = state.db.pool().begin().await?;
    if user.role == Role::Admin && db::count_active_admins(&mut *tx).await? <= 1 && user.active {
        return done(
            &session,
            "That is the last admin: make someone else an admin first.",
        )
        .await;
    }
    let now = session::now();
    db::set_role(&mut *tx, &user.id, role.as_str(), now).await?;
    // A new privilege level starts from a new login.
    auth::db::delete_sessions_of_user(&mut *tx, &user.id, None).await?;
    auth::access_tokens::revoke_all(&mut *tx, &user.id, now).await?;
    let summary = format!("{} → {}", user.role.as_str(), role.as_str());
    db::insert_audit(&mut *tx, audit(&admin, "user.role", &user, &summary, now)).await?;
    tx.commit().await?;
    done(
        &session,
        &format!("{} is now {}.", user.email, role.as_str()),
    )
    .await
}

fn audit<'a>(
    admin: &'a User,
    action: &'a str,
    user: &'a User,
    summary: &'a str,
    now: i64,
) -> AuditEntry<'a> {
    AuditEntry::by(admin, action, &user.email, summary, now)
}

pub(super) async fn deactivate(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    admin.require(Role::Admin, &state.config)?;
    let user = target(&state.db, &id).await?;
    if user.id == admin.id {
        return done(&session, "You cannot deactivate your own account.").await;
    }
    let mut tx = state.db.pool().begin().await?;
    if user.role == Role::Admin && user.active && db::count_active_admins(&mut *tx).await? <= 1 {
        return done(
            &session,
            "That is the last admin: make someone else an admin first.",
        )
        .await;
    }
    let now = session::now();
    db::set_active(&mut *tx, &user.id, false, now).await?;
    auth::db::delete_sessions_of_user(&mut *tx, &user.id, None).await?;
    auth::access_tokens::revoke_all(&mut *tx, &user.id, now).await?;
    db::insert_audit(
        &mut *tx,
        audit(
            &admin,
            "user.deactivate",
            &user,
            "active → deactivated",
            now,
        ),
    )
    .await?;
    tx.commit().await?;
    done(
        &session,
        &format!("{} is deactivated and logged out everywhere.", user.email),
    )
    .await
}

pub(super) async fn reactivate(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    admin.require(Role::Admin, &state.config)?;
    let user = target(&state.db, &id).await?;
    let now = session::now();
    let mut tx = state.db.pool().begin().await?;
    db::set_active(&mut *tx, &user.id, true, now).await?;
    db::insert_audit(
        &mut *tx,
        audit(
            &admin,
            "user.reactivate",
            &user,
            "deactivated → active",
            now,
        ),
    )
    .await?;
    tx.commit().await?;
    done(&session, &format!("{} can log in again.", user.email)).await
}

pub(super) async fn reset_two_factor(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    admin.require(Role::Admin, &state.config)?;
    let user = target(&state.db, &id).await?;
    let now = session::now();
    auth::db::disable_totp(&state.db, &user.id, now).await?;
    db::insert_audit(
        state.db.pool(),
        audit(
            &admin,
            "user.reset_2fa",
            &user,
            "two-factor authentication removed",
            now,
        ),
    )
    .await?;
    done(
        &session,
        &format!("Two-factor authentication of {} was reset.", user.email),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct AuditQuery {
    action: String,
    actor: String,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
pub(super) struct AuditPage {
    layout: Layout,
    action: String,
    actor: String,
    entries: Vec<db::AuditRow>,
    /// Every action the log holds, for the filter.
    actions: Vec<String>,
    page: i64,
    pages: i64,
}

impl AuditPage {
    fn page_href(&self, page: i64) -> String {
        format!(
            "/admin/audit?action={}&actor={}&page={page}",
            crate::error::urlencode(&self.action),
            crate::error::urlencode(&self.actor)
        )
    }
}

/// The actions the filter offers.
pub(super) async fn audit_log(
    State(state): State<AppState>,
    layout: Layout,
    CurrentUser(admin): CurrentUser,
    Query(query): Query<AuditQuery>,
) -> Result<AuditPage, AppError> {
    admin.require(Role::Admin, &state.config)?;
    let paging = Paging::new(query.page);
    let action = query.action.trim().to_owned();
    let actor = query.actor.trim().chars().take(100).collect::<String>();
    let (entries, total) = db::list_audit(
        &state.db,
        &action,
        &actor,
        Paging::PER_PAGE,
        paging.offset(),
    )
    .await?;
    let pages = Paging::pages(total);
    Ok(AuditPage {
        layout,
        action,
        actor,
        entries,
        actions: db::audit_actions(&state.db).await?,
        page: paging.page,
        pages,
    })
}

impl db::AuditRow {
    fn when(&self) -> String {
        when(self.created_at)
    }
}

impl db::UserRow {
    fn joined(&self) -> String {
        when(self.created_at)
    }
}
