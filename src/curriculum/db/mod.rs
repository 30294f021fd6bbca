//! All SQL of the curriculum's tables: reading it whole (export) and writing it item by item
//! (import) here; what editors see and change in [`editor`] and [`quizzes`]; archives waiting
//! to be applied in [`imports`]. The published tree's own reads are in `super::published`.

pub mod editor;
pub mod imports;
pub mod quizzes;

use sqlx::{Any, Executor, FromRow};

#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct PathRow {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub position: i64,
    pub published: i64,
}

#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct ModuleRow {
    pub id: String,
    pub path_id: String,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub position: i64,
    pub published: i64,
    pub prerequisites: String,
}

#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct LessonRow {
    pub id: String,
    pub module_id: String,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub position: i64,
    pub published: i64,
    pub body_markdown: String,
}

#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct QuizRow {
    pub id: String,
    pub module_id: String,
    pub title: String,
    pub pass_mark: i64,
}

#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct QuestionRow {
    pub id: String,
    pub quiz_id: String,
    pub position: i64,
    pub kind: String,
    pub prompt_markdown: String,
    pub explanation_markdown: String,
    pub answer_key: String,
}

pub async fn count_paths<'e>(executor: impl Executor<'e, Database = Any>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM paths")
        .fetch_one(executor)
        .await
}

pub async fn list_paths<'e>(
    executor: impl Executor<'e, Database = Any>,
) -> sqlx::Result<Vec<PathRow>> {
    sqlx::query_as(
        "SELECT id, slug, title, summary, position, CAST(published AS INTEGER) AS published \
         FROM paths ORDER BY position, slug",
    )
    .fetch_all(executor)
    .await
}

pub async fn list_modules<'e>(
    executor: impl Executor<'e, Database = Any>,
) -> sqlx::Result<Vec<ModuleRow>> {
    sqlx::query_as(
        "SELECT id, path_id, slug, title, summary, position, CAST(published AS INTEGER) AS published, \
         prerequisites FROM modules ORDER BY path_id, position, slug",
    )
    .fetch_all(executor)
    .await
}

pub async fn list_lessons<'e>(
    executor: impl Executor<'e, Database = Any>,
) -> sqlx::Result<Vec<LessonRow>> {
    sqlx::query_as(
        "SELECT id, module_id, slug, title, summary, position, CAST(published AS INTEGER) AS published, \
         body_markdown FROM lessons ORDER BY module_id, position, slug",
    )
    .fetch_all(executor)
    .await
}

pub async fn list_quizzes<'e>(
    executor: impl Executor<'e, Database = Any>,
) -> sqlx::Result<Vec<QuizRow>> {
    sqlx::query_as("SELECT id, module_id, title, pass_mark FROM quizzes ORDER BY module_id")
        .fetch_all(executor)
        .await
}

pub async fn list_questions<'e>(
    executor: impl Executor<'e, Database = Any>,
) -> sqlx::Result<Vec<QuestionRow>> {
    sqlx::query_as(
        "SELECT id, quiz_id, position, kind, prompt_markdown, explanation_markdown, answer_key \
         FROM questions ORDER BY quiz_id, position",
    )
    .fetch_all(executor)
    .await
}

pub async fn upsert_path<'e>(
    executor: impl Executor<'e, Database = Any>,
    row: &PathRow,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO paths (id, slug, title, summary, position, published, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
         ON CONFLICT (id) DO UPDATE SET slug = $2, title = $3, summary = $4, position = $5, \
         published = $6, updated_at = $7",
    )
    .bind(&row.id)
    .bind(&row.slug)
    .bind(&row.title)
    .bind(&row.summary)
    .bind(row.position)
    .bind(row.published != 0)
    .bind(now)
    .execute(executor)
    .await
    .map(drop)
}

pub async fn upsert_module<'e>(
    executor: impl Executor<'e, Database = Any>,
    row: &ModuleRow,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO modules (id, path_id, slug, title, summary, position, published, prerequisites, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
         ON CONFLICT (id) DO UPDATE SET path_id = $2, slug = $3, title = $4, summary = $5, \
         position = $6, published = $7, prerequisites = $8, updated_at = $9",
    )
    .bind(&row.id)
    .bind(&row.path_id)
    .bind(&row.slug)
    .bind(&row.title)
    .bind(&row.summary)
    .bind(row.position)
    .bind(row.published != 0)
    .bind(&row.prerequisites)
    .bind(now)
    .execute(executor)
    .await
    .map(drop)
}

/// The derived columns of a lesson, rendered from its Markdown.
pub struct LessonRendering<'a> {
    pub html: &'a str,
    pub text: &'a str,
    pub words: i64,
    pub reading_minutes: i64,
}

/// Inserts or replaces a lesson; a replacement bumps its `version`, so an editor who opened
/// the lesson before an import gets the conflict page instead of overwriting the import.
pub async fn upsert_lesson<'e>(
    executor: impl Executor<'e, Database = Any>,
    row: &LessonRow,
    rendering: LessonRendering<'_>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO lessons (id, module_id, slug, title, summary, position, published, body_markdown, \
         body_html, body_text, word_count, reading_minutes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) \
         ON CONFLICT (id) DO UPDATE SET module_id = $2, slug = $3, title = $4, summary = $5, \
         position = $6, published = $7, body_markdown = $8, body_html = $9, body_text = $10, \
         word_count = $11, reading_minutes = $12, updated_at = $13, version = lessons.version + 1",
    )
    .bind(&row.id)
    .bind(&row.module_id)
    .bind(&row.slug)
    .bind(&row.title)
    .bind(&row.summary)
    .bind(row.position)
    .bind(row.published != 0)
    .bind(&row.body_markdown)
    .bind(rendering.html)
    .bind(rendering.text)
    .bind(rendering.words)
    .bind(rendering.reading_minutes)
    .bind(now)
    .execute(executor)
    .await
    .map(drop)
}

pub async fn upsert_quiz<'e>(
    executor: impl Executor<'e, Database = Any>,
    row: &QuizRow,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO quizzes (id, module_id, title, pass_mark, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (id) DO UPDATE SET module_id = $2, title = $3, pass_mark = $4, updated_at = $5",
    )
    .bind(&row.id)
    .bind(&row.module_id)
    .bind(&row.title)
    .bind(row.pass_mark)
    .bind(now)
    .execute(executor)
    .await
    .map(drop)
}

pub async fn upsert_question<'e>(
    executor: impl Executor<'e, Database = Any>,
    row: &QuestionRow,
    prompt_html: &str,
    explanation_html: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO questions (id, quiz_id, position, kind, prompt_markdown, prompt_html, \
         explanation_markdown, explanation_html, answer_key, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
         ON CONFLICT (id) DO UPDATE SET quiz_id = $2, position = $3, kind = $4, prompt_markdown = $5, \
         prompt_html = $6, explanation_markdown = $7, explanation_html = $8, answer_key = $9, updated_at = $10",
    )
    .bind(&row.id)
    .bind(&row.quiz_id)
    .bind(row.position)
    .bind(&row.kind)
    .bind(&row.prompt_markdown)
    .bind(prompt_html)
    .bind(&row.explanation_markdown)
    .bind(explanation_html)
    .bind(&row.answer_key)
    .bind(now)
    .execute(executor)
    .await
    .map(drop)
}

#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct ExerciseRow {
    pub id: String,
    pub module_id: String,
    pub slug: String,
    pub title: String,
    pub position: i64,
    pub kind: String,
    pub prompt_markdown: String,
    /// JSON: the kind-specific part.
    pub spec: String,
}

pub async fn list_exercises<'e>(
    executor: impl Executor<'e, Database = Any>,
) -> sqlx::Result<Vec<ExerciseRow>> {
    sqlx::query_as(
        "SELECT id, module_id, slug, title, position, kind, prompt_markdown, spec \
         FROM lab_exercises ORDER BY module_id, position, slug",
    )
    .fetch_all(executor)
    .await
}

pub async fn upsert_exercise<'e>(
    executor: impl Executor<'e, Database = Any>,
    row: &ExerciseRow,
    prompt_html: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO lab_exercises (id, module_id, slug, title, position, kind, prompt_markdown, \
         prompt_html, spec, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
         ON CONFLICT (id) DO UPDATE SET module_id = $2, slug = $3, title = $4, position = $5, \
         kind = $6, prompt_markdown = $7, prompt_html = $8, spec = $9, updated_at = $10",
    )
    .bind(&row.id)
    .bind(&row.module_id)
    .bind(&row.slug)
    .bind(&row.title)
    .bind(row.position)
    .bind(&row.kind)
    .bind(&row.prompt_markdown)
    .bind(prompt_html)
    .bind(&row.spec)
    .bind(now)
    .execute(executor)
    .await
    .map(drop)
}
