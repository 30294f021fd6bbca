//! SQL for the quiz and question editor. Quizzes and questions are written with
//! `curriculum::db`'s upserts, the same statements the importer uses, so both store them alike.

use sqlx::{Any, Executor, FromRow};

pub use crate::curriculum::db::QuizRow;
use crate::db::Db;

#[derive(Debug, Clone, FromRow)]
pub struct QuizListRow {
    pub module_id: String,
    pub module_title: String,
    pub path_title: String,
    /// Empty when the module has no quiz yet.
    pub quiz_id: String,
    pub quiz_title: String,
    pub questions: i64,
}

/// Every module with its quiz (if any), matching `query` in the quiz, module or path title.
pub async fn list_quizzes(
    db: &Db,
    query: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<QuizListRow>, i64)> {
    let pattern = format!(
        "%{}%",
        query
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let from = "FROM modules m JOIN paths p ON p.id = m.path_id \
                LEFT JOIN quizzes z ON z.module_id = m.id \
                WHERE (LOWER(COALESCE(z.title, '')) LIKE $1 ESCAPE '\\' \
                   OR LOWER(m.title) LIKE $1 ESCAPE '\\' OR LOWER(p.title) LIKE $1 ESCAPE '\\')";
    let rows = sqlx::query_as(&format!(
        "SELECT m.id AS module_id, m.title AS module_title, p.title AS path_title, \
           COALESCE(z.id, '') AS quiz_id, COALESCE(z.title, '') AS quiz_title, \
           (SELECT COUNT(*) FROM questions q WHERE q.quiz_id = z.id) AS questions \
         {from} ORDER BY p.position, p.slug, m.position, m.slug LIMIT $2 OFFSET $3"
    ))
    .bind(&pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    let total = sqlx::query_scalar(&format!("SELECT COUNT(*) {from}"))
        .bind(&pattern)
        .fetch_one(db.pool())
        .await?;
    Ok((rows, total))
}

#[derive(Debug, Clone, FromRow)]
pub struct ModuleInfo {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub path_slug: String,
    pub path_title: String,
}

const MODULE_COLUMNS: &str = "m.id, m.slug, m.title, p.slug AS path_slug, p.title AS path_title";

pub async fn get_module<'e>(
    executor: impl Executor<'e, Database = Any>,
    module_id: &str,
) -> sqlx::Result<Option<ModuleInfo>> {
    sqlx::query_as(&format!(
        "SELECT {MODULE_COLUMNS} FROM modules m JOIN paths p ON p.id = m.path_id WHERE m.id = $1"
    ))
    .bind(module_id)
    .fetch_optional(executor)
    .await
}

pub async fn get_quiz_of_module<'e>(
    executor: impl Executor<'e, Database = Any>,
    module_id: &str,
) -> sqlx::Result<Option<QuizRow>> {
    sqlx::query_as("SELECT id, module_id, title, pass_mark FROM quizzes WHERE module_id = $1")
        .bind(module_id)
        .fetch_optional(executor)
        .await
}

pub async fn get_quiz<'e>(
    executor: impl Executor<'e, Database = Any>,
    id: &str,
) -> sqlx::Result<Option<QuizRow>> {
    sqlx::query_as("SELECT id, module_id, title, pass_mark FROM quizzes WHERE id = $1")
        .bind(id)
        .fetch_optional(executor)
        .await
}

/// Its questions and attempts go with it (ON DELETE CASCADE).
pub async fn delete_quiz<'e>(
    executor: impl Executor<'e, Database = Any>,
    id: &str,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM quizzes WHERE id = $1")
        .bind(id)
        .execute(executor)
        .await
        .map(drop)
}

#[derive(Debug, Clone, FromRow)]
pub struct QuestionRow {
    pub id: String,
    pub quiz_id: String,
    pub position: i64,
    pub kind: String,
    pub prompt_markdown: String,
    pub explanation_markdown: String,
    pub answer_key: String,
}

const QUESTION_COLUMNS: &str =
    "id, quiz_id, position, kind, prompt_markdown, explanation_markdown, answer_key";

pub async fn list_questions<'e>(
    executor: impl Executor<'e, Database = Any>,
    quiz_id: &str,
) -> sqlx::Result<Vec<QuestionRow>> {
    sqlx::query_as(&format!(
        "SELECT {QUESTION_COLUMNS} FROM questions WHERE quiz_id = $1 ORDER BY position, id"
    ))
    .bind(quiz_id)
    .fetch_all(executor)
    .await
}

pub async fn get_question<'e>(
    executor: impl Executor<'e, Database = Any>,
    id: &str,
) -> sqlx::Result<Option<QuestionRow>> {
    sqlx::query_as(&format!(
        "SELECT {QUESTION_COLUMNS} FROM questions WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(executor)
    .await
}

pub async fn next_position<'e>(
    executor: impl Executor<'e, Database = Any>,
    quiz_id: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(position), 0) + 1 AS BIGINT) FROM questions WHERE quiz_id = $1",
    )
    .bind(quiz_id)
    .fetch_one(executor)
    .await
}

pub async fn set_position<'e>(
    executor: impl Executor<'e, Database = Any>,
    id: &str,
    position: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE questions SET position = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(position)
        .bind(now)
        .execute(executor)
        .await
        .map(drop)
}

pub async fn delete_question<'e>(
    executor: impl Executor<'e, Database = Any>,
    id: &str,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM questions WHERE id = $1")
        .bind(id)
        .execute(executor)
        .await
        .map(drop)
}

#[derive(Debug, Clone, Copy, Default, FromRow)]
pub struct AttemptCounts {
    pub attempts: i64,
    pub learners: i64,
}

pub async fn count_attempts(db: &Db, quiz_id: &str) -> sqlx::Result<AttemptCounts> {
    sqlx::query_as(
        "SELECT COUNT(*) AS attempts, COUNT(DISTINCT user_id) AS learners \
         FROM quiz_attempts WHERE quiz_id = $1",
    )
    .bind(quiz_id)
    .fetch_one(db.pool())
    .await
}
