//! A learner's quiz attempts: SQL that is always scoped by the owner's id, so another
//! learner's attempt is simply not found.

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

pub async fn insert(db: &Db, user_id: &str, attempt: &Attempt) -> sqlx::Result<()> {
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
pub async fn get(db: &Db, user_id: &str, id: &str) -> sqlx::Result<Option<Attempt>> {
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

pub async fn list(db: &Db, user_id: &str) -> sqlx::Result<Vec<Attempt>> {
    let sql = format!(
        "SELECT {ATTEMPT_COLUMNS} FROM quiz_attempts WHERE user_id = $1 ORDER BY created_at, id"
    );
    sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(db.pool())
        .await
}

/// Stores `graded` as a new attempt of `quiz` by `user`, and when it passes, awards the path's
/// certificate if that completes the path. The quiz page and the API both record here.
pub async fn record(
    db: &Db,
    visits: &super::Visits,
    user: &crate::auth::User,
    tree: &crate::curriculum::published::Snapshot,
    path_id: &str,
    quiz: &crate::curriculum::published::Quiz,
    graded: &crate::grading::quiz::Graded,
) -> anyhow::Result<Attempt> {
    let attempt = Attempt {
        id: uuid::Uuid::now_v7().to_string(),
        quiz_id: quiz.id.clone(),
        correct: graded.correct as i64,
        total: graded.total as i64,
        score: graded.score,
        passed: i64::from(graded.passed),
        answers: serde_json::to_string(&graded.answers)?,
        created_at: crate::clock::now(),
    };
    insert(db, &user.id, &attempt).await?;
    if graded.passed {
        super::certificate::award_if_complete(db, visits, user, tree, path_id).await?;
    }
    Ok(attempt)
}

impl Attempt {
    /// The answers as stored with the attempt.
    pub fn answered(&self) -> anyhow::Result<Vec<crate::grading::quiz::Answered>> {
        Ok(serde_json::from_str(&self.answers)?)
    }
}

/// A page of the user's attempts, newest first, after the one at `after` (created_at, id).
pub async fn page(
    db: &Db,
    user_id: &str,
    after: Option<(i64, String)>,
    limit: i64,
) -> sqlx::Result<Vec<Attempt>> {
    let (at, id) = after.unwrap_or((i64::MAX, String::new()));
    let sql = format!(
        "SELECT {ATTEMPT_COLUMNS} FROM quiz_attempts WHERE user_id = $1 \
           AND (created_at < $2 OR (created_at = $2 AND id < $3)) \
         ORDER BY created_at DESC, id DESC LIMIT $4"
    );
    sqlx::query_as(&sql)
        .bind(user_id)
        .bind(at)
        .bind(id)
        .bind(limit)
        .fetch_all(db.pool())
        .await
}
