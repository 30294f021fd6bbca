//! SQL for the admin pages: user management and the audit log.

use sqlx::{Any, Executor, FromRow};

use crate::db::{Db, like_pattern};

#[derive(Debug, Default, FromRow)]
pub struct UserCounts {
    pub learners: i64,
    pub editors: i64,
    pub admins: i64,
    pub deactivated: i64,
}

pub async fn count_users(db: &Db) -> sqlx::Result<UserCounts> {
    sqlx::query_as(
        "SELECT \
           CAST(COALESCE(SUM(CASE WHEN role = 'learner' THEN 1 ELSE 0 END), 0) AS BIGINT) AS learners, \
           CAST(COALESCE(SUM(CASE WHEN role = 'editor' THEN 1 ELSE 0 END), 0) AS BIGINT) AS editors, \
           CAST(COALESCE(SUM(CASE WHEN role = 'admin' THEN 1 ELSE 0 END), 0) AS BIGINT) AS admins, \
           CAST(COALESCE(SUM(CASE WHEN active THEN 0 ELSE 1 END), 0) AS BIGINT) AS deactivated \
         FROM users",
    )
    .fetch_one(db.pool())
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub active: i64,
    pub two_factor: i64,
    pub created_at: i64,
}

pub async fn search_users(
    db: &Db,
    query: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<UserRow>, i64)> {
    let pattern = like_pattern(query);
    let filter = "(LOWER(email) LIKE $1 ESCAPE '\\' OR LOWER(display_name) LIKE $1 ESCAPE '\\')";
    let rows = sqlx::query_as(&format!(
        "SELECT id, email, display_name, role, CAST(active AS INTEGER) AS active, \
           CASE WHEN totp_secret IS NULL THEN 0 ELSE 1 END AS two_factor, created_at \
         FROM users WHERE {filter} ORDER BY created_at, id LIMIT $2 OFFSET $3"
    ))
    .bind(&pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    let total = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM users WHERE {filter}"))
        .bind(&pattern)
        .fetch_one(db.pool())
        .await?;
    Ok((rows, total))
}

pub async fn count_active_admins<'e>(
    executor: impl Executor<'e, Database = Any>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = TRUE")
        .fetch_one(executor)
        .await
}

pub async fn set_role<'e>(
    executor: impl Executor<'e, Database = Any>,
    user_id: &str,
    role: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET role = $2, updated_at = $3 WHERE id = $1")
        .bind(user_id)
        .bind(role)
        .bind(now)
        .execute(executor)
        .await
        .map(drop)
}

pub async fn set_active<'e>(
    executor: impl Executor<'e, Database = Any>,
    user_id: &str,
    active: bool,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET active = $2, updated_at = $3 WHERE id = $1")
        .bind(user_id)
        .bind(active)
        .bind(now)
        .execute(executor)
        .await
        .map(drop)
}

pub use crate::db::audit::{AuditEntry, insert_audit};

#[derive(Debug, Clone, FromRow)]
pub struct AuditRow {
    pub actor_name: String,
    pub action: String,
    pub target: String,
    pub summary: String,
    pub created_at: i64,
}

/// Newest first; empty filters match everything.
pub async fn list_audit(
    db: &Db,
    action: &str,
    actor: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<AuditRow>, i64)> {
    let filter = "($1 = '' OR action = $1) AND ($2 = '' OR LOWER(actor_name) LIKE $3 ESCAPE '\\')";
    let actor_pattern = like_pattern(actor);
    let rows = sqlx::query_as(&format!(
        "SELECT actor_name, action, target, summary, created_at FROM audit_log WHERE {filter} \
         ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5"
    ))
    .bind(action)
    .bind(actor)
    .bind(&actor_pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    let total = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM audit_log WHERE {filter}"))
        .bind(action)
        .bind(actor)
        .bind(&actor_pattern)
        .fetch_one(db.pool())
        .await?;
    Ok((rows, total))
}

/// The latest changes to the curriculum (everything but user administration), newest first.
pub async fn recent_content_changes(db: &Db, limit: i64) -> sqlx::Result<Vec<AuditRow>> {
    sqlx::query_as(
        "SELECT actor_name, action, target, summary, created_at FROM audit_log \
         WHERE action NOT LIKE 'user.%' ORDER BY created_at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await
}

/// The distinct actions in the audit log (user administration and every kind of content change).
pub async fn audit_actions(db: &Db) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT DISTINCT action FROM audit_log ORDER BY action")
        .fetch_all(db.pool())
        .await
}
