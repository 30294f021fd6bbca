//! The audit log: who changed what, written inside the change's own transaction so the two
//! commit or roll back together. The admin pages read it (`admin::db`).

use sqlx::{Any, Executor};

/// One entry of the audit log.
pub struct AuditEntry<'a> {
    pub actor_id: &'a str,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub summary: &'a str,
    pub now: i64,
}

impl<'a> AuditEntry<'a> {
    /// `actor` did `action` (e.g. "lesson.update") to `target`; `summary` says before → after.
    pub fn by(
        actor: &'a crate::auth::User,
        action: &'a str,
        target: &'a str,
        summary: &'a str,
        now: i64,
    ) -> Self {
        Self {
            actor_id: &actor.id,
            actor_name: &actor.display_name,
            action,
            target,
            summary,
            now,
        }
    }
}

pub async fn insert_audit<'e>(
    executor: impl Executor<'e, Database = Any>,
    entry: AuditEntry<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, actor_id, actor_name, action, target, summary, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(entry.actor_id)
    .bind(entry.actor_name)
    .bind(entry.action)
    .bind(entry.target)
    .bind(entry.summary)
    .bind(entry.now)
    .execute(executor)
    .await
    .map(drop)
}
