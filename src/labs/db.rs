//! SQL for lab exercises and attempts. Attempts are always read with the owner's id, so one
//! learner's attempts are invisible to everyone else.

use sqlx::FromRow;

use crate::db::Db;

#[derive(Debug, Clone, FromRow)]
pub struct Exercise {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub prompt_html: String,
    /// JSON; read by the grader, never rendered as is.
    pub spec: String,
}

pub async fn get_exercise(db: &Db, module_id: &str, slug: &str) -> sqlx::Result<Option<Exercise>> {
    sqlx::query_as(
        "SELECT id, title, kind, prompt_html, spec FROM lab_exercises \
         WHERE module_id = $1 AND slug = $2",
    )
    .bind(module_id)
    .bind(slug)
    .fetch_optional(db.pool())
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct Attempt {
    pub id: String,
    pub exercise_id: String,
    pub input: String,
    pub passed: i64,
    /// JSON: the grader's outcome.
    pub result: String,
    pub created_at: i64,
}

pub async fn insert_attempt(db: &Db, user_id: &str, attempt: &Attempt) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO lab_attempts (id, user_id, exercise_id, input, passed, result, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&attempt.id)
    .bind(user_id)
    .bind(&attempt.exercise_id)
    .bind(&attempt.input)
    .bind(attempt.passed != 0)
    .bind(&attempt.result)
    .bind(attempt.created_at)
    .execute(db.pool())
    .await
    .map(drop)
}

const ATTEMPT_COLUMNS: &str =
    "id, exercise_id, input, CAST(passed AS INTEGER) AS passed, result, created_at";

/// The attempt, only if it is this user's: anyone else gets nothing (a 404).
pub async fn get_attempt(db: &Db, user_id: &str, id: &str) -> sqlx::Result<Option<Attempt>> {
    let sql = format!("SELECT {ATTEMPT_COLUMNS} FROM lab_attempts WHERE id = $1 AND user_id = $2");
    sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .fetch_optional(db.pool())
        .await
}

/// The user's attempts at one exercise, oldest first.
pub async fn list_attempts_at(
    db: &Db,
    user_id: &str,
    exercise_id: &str,
) -> sqlx::Result<Vec<Attempt>> {
    let sql = format!(
        "SELECT {ATTEMPT_COLUMNS} FROM lab_attempts WHERE user_id = $1 AND exercise_id = $2 \
         ORDER BY created_at, id"
    );
    sqlx::query_as(&sql)
        .bind(user_id)
        .bind(exercise_id)
        .fetch_all(db.pool())
        .await
}
