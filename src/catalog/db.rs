//! SQL for the learner's view of the curriculum: published content only.

use sqlx::FromRow;

use crate::db::Db;

#[derive(Debug, Clone, FromRow)]
pub struct PathSummary {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub modules: i64,
    pub lessons: i64,
    pub minutes: i64,
}

/// Only published content counts, at every level: a published lesson in an unpublished
/// module stays hidden.
const PUBLISHED_LESSONS_OF_PATH: &str = "FROM lessons l JOIN modules m ON m.id = l.module_id \
     WHERE m.path_id = p.id AND m.published = TRUE AND l.published = TRUE";

impl PathSummary {
    /// "4 h 25 min" or "40 min".
    pub fn reading_time(&self) -> String {
        match (self.minutes / 60, self.minutes % 60) {
            (0, minutes) => format!("{minutes} min"),
            (hours, 0) => format!("{hours} h"),
            (hours, minutes) => format!("{hours} h {minutes} min"),
        }
    }
}

pub async fn list_paths(db: &Db) -> sqlx::Result<Vec<PathSummary>> {
    let sql = format!(
        "SELECT p.id, p.slug, p.title, p.summary, \
           (SELECT COUNT(*) FROM modules m WHERE m.path_id = p.id AND m.published = TRUE) AS modules, \
           (SELECT COUNT(*) {PUBLISHED_LESSONS_OF_PATH}) AS lessons, \
           (SELECT CAST(COALESCE(SUM(l.reading_minutes), 0) AS BIGINT) {PUBLISHED_LESSONS_OF_PATH}) AS minutes \
         FROM paths p WHERE p.published = TRUE ORDER BY p.position, p.slug"
    );
    sqlx::query_as(&sql).fetch_all(db.pool()).await
}

pub async fn get_path(db: &Db, slug: &str) -> sqlx::Result<Option<PathSummary>> {
    let sql = format!(
        "SELECT p.id, p.slug, p.title, p.summary, \
           (SELECT COUNT(*) FROM modules m WHERE m.path_id = p.id AND m.published = TRUE) AS modules, \
           (SELECT COUNT(*) {PUBLISHED_LESSONS_OF_PATH}) AS lessons, \
           (SELECT CAST(COALESCE(SUM(l.reading_minutes), 0) AS BIGINT) {PUBLISHED_LESSONS_OF_PATH}) AS minutes \
         FROM paths p WHERE p.slug = $1 AND p.published = TRUE"
    );
    sqlx::query_as(&sql)
        .bind(slug)
        .fetch_optional(db.pool())
        .await
}

#[derive(Debug, Clone, FromRow)]
pub struct ModuleRow {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub position: i64,
    pub prerequisites: String,
    pub question_count: i64,
}

pub async fn list_modules(db: &Db, path_id: &str) -> sqlx::Result<Vec<ModuleRow>> {
    sqlx::query_as(
        "SELECT m.id, m.slug, m.title, m.summary, m.position, m.prerequisites, \
           (SELECT COUNT(*) FROM questions q JOIN quizzes z ON z.id = q.quiz_id WHERE z.module_id = m.id) \
             AS question_count \
         FROM modules m WHERE m.path_id = $1 AND m.published = TRUE ORDER BY m.position, m.slug",
    )
    .bind(path_id)
    .fetch_all(db.pool())
    .await
}

pub async fn get_module(db: &Db, path_id: &str, slug: &str) -> sqlx::Result<Option<ModuleRow>> {
    sqlx::query_as(
        "SELECT m.id, m.slug, m.title, m.summary, m.position, m.prerequisites, 0 AS question_count \
         FROM modules m WHERE m.path_id = $1 AND m.slug = $2 AND m.published = TRUE",
    )
    .bind(path_id)
    .bind(slug)
    .fetch_optional(db.pool())
    .await
}

/// A lesson as listed in outlines, in reading order across the path.
#[derive(Debug, Clone, FromRow)]
pub struct LessonItem {
    pub id: String,
    pub module_id: String,
    pub module_slug: String,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub reading_minutes: i64,
}

pub async fn list_lessons_of_path(db: &Db, path_id: &str) -> sqlx::Result<Vec<LessonItem>> {
    sqlx::query_as(
        "SELECT l.id, l.module_id, m.slug AS module_slug, l.slug, l.title, l.summary, l.reading_minutes \
         FROM lessons l JOIN modules m ON m.id = l.module_id \
         WHERE m.path_id = $1 AND m.published = TRUE AND l.published = TRUE \
         ORDER BY m.position, m.slug, l.position, l.slug",
    )
    .bind(path_id)
    .fetch_all(db.pool())
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub reading_minutes: i64,
    pub updated_at: i64,
}

impl Lesson {
    pub fn updated_on(&self) -> String {
        crate::web::dates::date(self.updated_at)
    }
}

pub async fn get_lesson(db: &Db, module_id: &str, slug: &str) -> sqlx::Result<Option<Lesson>> {
    sqlx::query_as(
        "SELECT id, title, summary, body_html, reading_minutes, updated_at FROM lessons \
         WHERE module_id = $1 AND slug = $2 AND published = TRUE",
    )
    .bind(module_id)
    .bind(slug)
    .fetch_optional(db.pool())
    .await
}

/// The learner's most recently opened lesson that is still published, optionally within one
/// path: where "continue" leads.
#[derive(Debug, Clone, FromRow)]
pub struct LastVisit {
    pub path_slug: String,
    pub module_slug: String,
    pub lesson_slug: String,
    pub lesson_title: String,
    pub module_title: String,
    pub visited_at: i64,
}

impl LastVisit {
    pub fn href(&self) -> String {
        format!(
            "/paths/{}/{}/{}",
            self.path_slug, self.module_slug, self.lesson_slug
        )
    }
}

pub async fn last_visit(
    db: &Db,
    user_id: &str,
    path_id: Option<&str>,
) -> sqlx::Result<Option<LastVisit>> {
    sqlx::query_as(
        "SELECT p.slug AS path_slug, m.slug AS module_slug, l.slug AS lesson_slug, \
           l.title AS lesson_title, m.title AS module_title, v.visited_at \
         FROM lesson_visits v JOIN lessons l ON l.id = v.lesson_id \
           JOIN modules m ON m.id = l.module_id JOIN paths p ON p.id = m.path_id \
         WHERE v.user_id = $1 AND ($2 = '' OR p.id = $2) \
           AND l.published = TRUE AND m.published = TRUE AND p.published = TRUE \
         ORDER BY v.visited_at DESC, l.id LIMIT 1",
    )
    .bind(user_id)
    .bind(path_id.unwrap_or(""))
    .fetch_optional(db.pool())
    .await
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct VisitExport {
    pub lesson_id: String,
    pub lesson_title: String,
    pub visited_at: i64,
}

pub async fn list_visits(db: &Db, user_id: &str) -> sqlx::Result<Vec<VisitExport>> {
    sqlx::query_as(
        "SELECT v.lesson_id, l.title AS lesson_title, v.visited_at FROM lesson_visits v \
         JOIN lessons l ON l.id = v.lesson_id WHERE v.user_id = $1 ORDER BY v.visited_at DESC",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await
}

/// A published lesson's ids, found by its address.
#[derive(Debug, Clone, FromRow)]
pub struct LessonIds {
    pub lesson_id: String,
    pub module_id: String,
    pub path_id: String,
}

pub async fn find_lesson(
    db: &Db,
    path: &str,
    module: &str,
    lesson: &str,
) -> sqlx::Result<Option<LessonIds>> {
    sqlx::query_as(
        "SELECT l.id AS lesson_id, m.id AS module_id, p.id AS path_id \
         FROM lessons l JOIN modules m ON m.id = l.module_id JOIN paths p ON p.id = m.path_id \
         WHERE p.slug = $1 AND m.slug = $2 AND l.slug = $3 \
           AND p.published = TRUE AND m.published = TRUE AND l.published = TRUE",
    )
    .bind(path)
    .bind(module)
    .bind(lesson)
    .fetch_optional(db.pool())
    .await
}

/// A published module's ids and titles, found by its address.
#[derive(Debug, Clone, FromRow)]
pub struct ModuleIds {
    pub module_id: String,
    pub path_id: String,
    pub module_title: String,
    pub path_title: String,
}

pub async fn find_module(db: &Db, path: &str, module: &str) -> sqlx::Result<Option<ModuleIds>> {
    sqlx::query_as(
        "SELECT m.id AS module_id, p.id AS path_id, m.title AS module_title, p.title AS path_title \
         FROM modules m JOIN paths p ON p.id = m.path_id \
         WHERE p.slug = $1 AND m.slug = $2 AND p.published = TRUE AND m.published = TRUE",
    )
    .bind(path)
    .bind(module)
    .fetch_optional(db.pool())
    .await
}

pub async fn path_title(db: &Db, path_id: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT title FROM paths WHERE id = $1 AND published = TRUE")
        .bind(path_id)
        .fetch_optional(db.pool())
        .await
}
