//! SQL for quizzes and attempts. Attempts are always read with the owner's id.

use sqlx::FromRow;

use crate::db::Db;

#[derive(Debug, Clone, FromRow)]
pub struct Attempt {
    pub id: String,
    pub quiz_id: String,
    pub correct: i64,
    pub total: i64,
    pub score: i64,
    pub passed: i64,
    pub answers: String,
    pub created_at: i64,
}

pub async fn insert_attempt(db: &Db, user_id: &str, attempt: &Attempt) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO quiz_attempts (id, user_id, quiz_id, correct, total, score, passed, answers, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&attempt.id)
    .bind(user_id)
    .bind(&attempt.quiz_id)
    .bind(attempt.correct)
    .bind(attempt.total)
    .bind(attempt.score)
    .bind(attempt.passed != 0)
    .bind(&attempt.answers)
    .bind(attempt.created_at)
    .execute(db.pool())
    .await
    .map(drop)
}

const ATTEMPT_COLUMNS: &str =
    "id, quiz_id, correct, total, score, CAST(passed AS INTEGER) AS passed, answers, created_at";

/// The attempt, only if it is this user's: anyone else gets nothing (a 404).
pub async fn get_attempt(db: &Db, user_id: &str, id: &str) -> sqlx::Result<Option<Attempt>> {
    let sql = format!("SELECT {ATTEMPT_COLUMNS} FROM quiz_attempts WHERE id = $1 AND user_id = $2");
    sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .fetch_optional(db.pool())
        .await
}

pub async fn best_score(db: &Db, user_id: &str, quiz_id: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT MAX(score) FROM quiz_attempts WHERE user_id = $1 AND quiz_id = $2")
        .bind(user_id)
        .bind(quiz_id)
        .fetch_one(db.pool())
        .await
}

pub async fn list_attempts(db: &Db, user_id: &str) -> sqlx::Result<Vec<Attempt>> {
    let sql = format!(
        "SELECT {ATTEMPT_COLUMNS} FROM quiz_attempts WHERE user_id = $1 ORDER BY created_at, id"
    );
    sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(db.pool())
        .await
}
