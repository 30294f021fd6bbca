//! SQL for a learner's progress. Every query is scoped by the user id it is given, which
//! always comes from the session, never from the request.

use sqlx::FromRow;

use crate::db::Db;

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct Certificate {
    pub code: String,
    pub learner_name: String,
    pub path_title: String,
    pub issued_at: i64,
}

impl Certificate {
    pub fn issued_on(&self) -> String {
        crate::web::dates::date(self.issued_at)
    }
}

pub async fn get_certificate(db: &Db, code: &str) -> sqlx::Result<Option<Certificate>> {
    sqlx::query_as(
        "SELECT code, learner_name, path_title, issued_at FROM certificates WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(db.pool())
    .await
}

pub async fn set_skip(
    db: &Db,
    user_id: &str,
    module_id: &str,
    skip: bool,
    now: i64,
) -> sqlx::Result<()> {
    let query = if skip {
        sqlx::query(
            "INSERT INTO module_skips (user_id, module_id, skipped_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, module_id) DO NOTHING",
        )
        .bind(user_id)
        .bind(module_id)
        .bind(now)
    } else {
        sqlx::query("DELETE FROM module_skips WHERE user_id = $1 AND module_id = $2")
            .bind(user_id)
            .bind(module_id)
    };
    query.execute(db.pool()).await.map(drop)
}

/// Which modules a reset covers: one module, or every module of a path.
pub enum Scope<'a> {
    Module(&'a str),
    Path(&'a str),
}

/// Removes the user's completions, quiz and lab attempts and skips in the scope, in one transaction.
/// Notes, bookmarks and certificates stay.
pub async fn reset(db: &Db, user_id: &str, scope: Scope<'_>) -> sqlx::Result<()> {
    let (modules, id) = match scope {
        Scope::Module(id) => ("SELECT id FROM modules WHERE id = $2", id),
        Scope::Path(id) => ("SELECT id FROM modules WHERE path_id = $2", id),
    };
    let mut tx = db.pool().begin().await?;
    let statements = [
        format!(
            "DELETE FROM lesson_completions WHERE user_id = $1 AND lesson_id IN \
             (SELECT id FROM lessons WHERE module_id IN ({modules}))"
        ),
        format!(
            "DELETE FROM quiz_attempts WHERE user_id = $1 AND quiz_id IN \
             (SELECT id FROM quizzes WHERE module_id IN ({modules}))"
        ),
        format!(
            "DELETE FROM lab_attempts WHERE user_id = $1 AND exercise_id IN \
             (SELECT id FROM lab_exercises WHERE module_id IN ({modules}))"
        ),
        format!("DELETE FROM module_skips WHERE user_id = $1 AND module_id IN ({modules})"),
    ];
    for statement in &statements {
        sqlx::query(statement)
            .bind(user_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}
