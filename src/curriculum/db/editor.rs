//! SQL for authoring: the curriculum as editors see it (drafts included), positions, the
//! progress a deletion would remove, and lesson revisions.

use sqlx::{Any, Executor, FromRow};

pub use crate::curriculum::db::{ModuleRow, PathRow};
use crate::db::Db;

/// A lesson without its body, for lists.
#[derive(Debug, Clone, FromRow)]
pub struct LessonItem {
    pub id: String,
    pub module_id: String,
    pub title: String,
    pub published: i64,
}

/// A lesson as the editor opens it, with where it lives.
#[derive(Debug, Clone, FromRow)]
pub struct LessonRecord {
    pub id: String,
    pub module_id: String,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub published: i64,
    pub body_markdown: String,
    pub body_html: String,
    pub reading_minutes: i64,
    pub version: i64,
    pub updated_at: i64,
    pub module_slug: String,
    pub module_title: String,
    pub path_slug: String,
    pub path_title: String,
}

const PATH_COLUMNS: &str =
    "id, slug, title, summary, position, CAST(published AS INTEGER) AS published";
const MODULE_COLUMNS: &str = "id, path_id, slug, title, summary, position, \
     CAST(published AS INTEGER) AS published, prerequisites";
const LESSON_ITEM_COLUMNS: &str = "id, module_id, title, CAST(published AS INTEGER) AS published";

pub async fn get_path(db: &Db, id: &str) -> sqlx::Result<Option<PathRow>> {
    sqlx::query_as(&format!("SELECT {PATH_COLUMNS} FROM paths WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await
}

pub async fn get_module(db: &Db, id: &str) -> sqlx::Result<Option<ModuleRow>> {
    sqlx::query_as(&format!(
        "SELECT {MODULE_COLUMNS} FROM modules WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await
}

pub async fn get_lesson(db: &Db, id: &str) -> sqlx::Result<Option<LessonRecord>> {
    sqlx::query_as(
        "SELECT l.id, l.module_id, l.slug, l.title, l.summary, \
           CAST(l.published AS INTEGER) AS published, l.body_markdown, l.body_html, \
           l.reading_minutes, l.version, l.updated_at, m.slug AS module_slug, \
           m.title AS module_title, p.slug AS path_slug, p.title AS path_title \
         FROM lessons l JOIN modules m ON m.id = l.module_id JOIN paths p ON p.id = m.path_id \
         WHERE l.id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await
}

pub async fn all_paths(db: &Db) -> sqlx::Result<Vec<PathRow>> {
    sqlx::query_as(&format!(
        "SELECT {PATH_COLUMNS} FROM paths ORDER BY position, slug"
    ))
    .fetch_all(db.pool())
    .await
}

pub async fn modules_of<'e>(
    executor: impl Executor<'e, Database = Any>,
    path_id: &str,
) -> sqlx::Result<Vec<ModuleRow>> {
    sqlx::query_as(&format!(
        "SELECT {MODULE_COLUMNS} FROM modules WHERE path_id = $1 ORDER BY position, slug"
    ))
    .bind(path_id)
    .fetch_all(executor)
    .await
}

pub async fn lessons_of<'e>(
    executor: impl Executor<'e, Database = Any>,
    module_id: &str,
) -> sqlx::Result<Vec<LessonItem>> {
    sqlx::query_as(&format!(
        "SELECT {LESSON_ITEM_COLUMNS} FROM lessons WHERE module_id = $1 ORDER BY position, slug"
    ))
    .bind(module_id)
    .fetch_all(executor)
    .await
}

/// The lessons of every module of a path, in one query (the path page lists them all).
pub async fn lessons_of_path(db: &Db, path_id: &str) -> sqlx::Result<Vec<LessonItem>> {
    sqlx::query_as(
        "SELECT l.id, l.module_id, l.title, CAST(l.published AS INTEGER) AS published \
         FROM lessons l JOIN modules m ON m.id = l.module_id \
         WHERE m.path_id = $1 ORDER BY l.module_id, l.position, l.slug",
    )
    .bind(path_id)
    .fetch_all(db.pool())
    .await
}

/// Which table a slug or position belongs to, and the column naming its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Path,
    Module,
    Lesson,
}

impl Level {
    /// "path", "module" or "lesson", for messages and audit actions.
    pub fn name(self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Module => "module",
            Self::Lesson => "lesson",
        }
    }

    fn table(self) -> &'static str {
        match self {
            Self::Path => "paths",
            Self::Module => "modules",
            Self::Lesson => "lessons",
        }
    }

    /// Paths have no parent: the condition is always true for them.
    fn parent_condition(self) -> &'static str {
        match self {
            Self::Path => "$1 = $1",
            Self::Module => "path_id = $1",
            Self::Lesson => "module_id = $1",
        }
    }
}

/// Whether another item under the same parent already has `slug`.
pub async fn slug_taken(
    db: &Db,
    level: Level,
    parent_id: &str,
    slug: &str,
    except_id: &str,
) -> sqlx::Result<bool> {
    let count: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM {} WHERE {} AND slug = $2 AND id <> $3",
        level.table(),
        level.parent_condition()
    ))
    .bind(parent_id)
    .bind(slug)
    .bind(except_id)
    .fetch_one(db.pool())
    .await?;
    Ok(count > 0)
}

pub async fn next_position<'e>(
    executor: impl Executor<'e, Database = Any>,
    level: Level,
    parent_id: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!(
        "SELECT CAST(COALESCE(MAX(position), 0) + 1 AS BIGINT) FROM {} WHERE {}",
        level.table(),
        level.parent_condition()
    ))
    .bind(parent_id)
    .fetch_one(executor)
    .await
}

/// The ids of an item's siblings (itself included) in their current order.
pub async fn sibling_ids<'e>(
    executor: impl Executor<'e, Database = Any>,
    level: Level,
    parent_id: &str,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(&format!(
        "SELECT id FROM {} WHERE {} ORDER BY position, slug",
        level.table(),
        level.parent_condition()
    ))
    .bind(parent_id)
    .fetch_all(executor)
    .await
}

pub async fn set_position<'e>(
    executor: impl Executor<'e, Database = Any>,
    level: Level,
    id: &str,
    position: i64,
) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "UPDATE {} SET position = $2 WHERE id = $1",
        level.table()
    ))
    .bind(id)
    .bind(position)
    .execute(executor)
    .await
    .map(drop)
}

pub async fn delete<'e>(
    executor: impl Executor<'e, Database = Any>,
    level: Level,
    id: &str,
) -> sqlx::Result<()> {
    sqlx::query(&format!("DELETE FROM {} WHERE id = $1", level.table()))
        .bind(id)
        .execute(executor)
        .await
        .map(drop)
}

/// The learners' data a deletion would remove with the item.
#[derive(Debug, Clone, Default, FromRow)]
pub struct Impact {
    pub learners: i64,
    pub completions: i64,
    pub attempts: i64,
    pub lab_attempts: i64,
    pub notes: i64,
    pub certificates: i64,
}

impl Impact {
    pub fn is_empty(&self) -> bool {
        self.learners == 0 && self.notes == 0
    }
}

pub async fn impact(db: &Db, level: Level, id: &str) -> sqlx::Result<Impact> {
    // Which lessons, quizzes and lab exercises the item holds; constant SQL, the id is bound.
    let (lessons, quizzes, exercises, certificates) = match level {
        Level::Path => (
            "SELECT l.id FROM lessons l JOIN modules m ON m.id = l.module_id WHERE m.path_id = $1",
            "SELECT q.id FROM quizzes q JOIN modules m ON m.id = q.module_id WHERE m.path_id = $1",
            "SELECT e.id FROM lab_exercises e JOIN modules m ON m.id = e.module_id \
             WHERE m.path_id = $1",
            "SELECT user_id FROM certificates WHERE path_id = $1",
        ),
        Level::Module => (
            "SELECT id FROM lessons WHERE module_id = $1",
            "SELECT id FROM quizzes WHERE module_id = $1",
            "SELECT id FROM lab_exercises WHERE module_id = $1",
            "SELECT user_id FROM certificates WHERE $1 = ''",
        ),
        Level::Lesson => (
            "SELECT id FROM lessons WHERE id = $1",
            "SELECT id FROM quizzes WHERE $1 = ''",
            "SELECT id FROM lab_exercises WHERE $1 = ''",
            "SELECT user_id FROM certificates WHERE $1 = ''",
        ),
    };
    sqlx::query_as(&format!(
        "SELECT \
           (SELECT COUNT(*) FROM (\
              SELECT user_id FROM lesson_completions WHERE lesson_id IN ({lessons}) \
              UNION SELECT user_id FROM quiz_attempts WHERE quiz_id IN ({quizzes}) \
              UNION SELECT user_id FROM lab_attempts WHERE exercise_id IN ({exercises}) \
              UNION SELECT user_id FROM notes WHERE lesson_id IN ({lessons}) \
              UNION {certificates}) AS learners) AS learners, \
           (SELECT COUNT(*) FROM lesson_completions WHERE lesson_id IN ({lessons})) AS completions, \
           (SELECT COUNT(*) FROM quiz_attempts WHERE quiz_id IN ({quizzes})) AS attempts, \
           (SELECT COUNT(*) FROM lab_attempts WHERE exercise_id IN ({exercises})) AS lab_attempts, \
           (SELECT COUNT(*) FROM notes WHERE lesson_id IN ({lessons})) AS notes, \
           (SELECT COUNT(*) FROM ({certificates}) AS issued) AS certificates"
    ))
    .bind(id)
    .fetch_one(db.pool())
    .await
}

/// A lesson's editable fields, as saved by the editor.
pub struct LessonFields<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub published: bool,
    pub body_markdown: &'a str,
}

/// Saves the lesson only if nobody saved it since `base_version`; false means a conflict.
pub async fn update_lesson_if_unchanged<'e>(
    executor: impl Executor<'e, Database = Any>,
    id: &str,
    base_version: i64,
    fields: &LessonFields<'_>,
    rendering: crate::curriculum::db::LessonRendering<'_>,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE lessons SET slug = $3, title = $4, summary = $5, published = $6, \
           body_markdown = $7, body_html = $8, body_text = $9, word_count = $10, \
           reading_minutes = $11, updated_at = $12, version = version + 1 \
         WHERE id = $1 AND version = $2",
    )
    .bind(id)
    .bind(base_version)
    .bind(fields.slug)
    .bind(fields.title)
    .bind(fields.summary)
    .bind(fields.published)
    .bind(fields.body_markdown)
    .bind(rendering.html)
    .bind(rendering.text)
    .bind(rendering.words)
    .bind(rendering.reading_minutes)
    .bind(now)
    .execute(executor)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, FromRow)]
pub struct Revision {
    pub number: i64,
    pub title: String,
    pub summary: String,
    pub body_markdown: String,
    pub author_name: String,
    pub note: String,
    pub created_at: i64,
}

pub struct NewRevision<'a> {
    pub lesson_id: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub body_markdown: &'a str,
    pub author_id: Option<&'a str>,
    pub author_name: &'a str,
    pub note: &'a str,
}

/// Appends a revision with the next number; returns the number.
pub async fn insert_revision(
    tx: &mut sqlx::Transaction<'_, Any>,
    revision: NewRevision<'_>,
    now: i64,
) -> sqlx::Result<i64> {
    let number: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(number), 0) + 1 AS BIGINT) FROM lesson_revisions \
         WHERE lesson_id = $1",
    )
    .bind(revision.lesson_id)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO lesson_revisions (id, lesson_id, number, title, summary, body_markdown, \
           author_id, author_name, note, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(revision.lesson_id)
    .bind(number)
    .bind(revision.title)
    .bind(revision.summary)
    .bind(revision.body_markdown)
    .bind(revision.author_id)
    .bind(revision.author_name)
    .bind(revision.note)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(number)
}

pub async fn count_revisions<'e>(
    executor: impl Executor<'e, Database = Any>,
    lesson_id: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM lesson_revisions WHERE lesson_id = $1")
        .bind(lesson_id)
        .fetch_one(executor)
        .await
}

/// Newest first.
pub async fn revisions_of(db: &Db, lesson_id: &str) -> sqlx::Result<Vec<Revision>> {
    sqlx::query_as(
        "SELECT number, title, summary, body_markdown, author_name, note, created_at \
         FROM lesson_revisions WHERE lesson_id = $1 ORDER BY number DESC",
    )
    .bind(lesson_id)
    .fetch_all(db.pool())
    .await
}

pub async fn get_revision(db: &Db, lesson_id: &str, number: i64) -> sqlx::Result<Option<Revision>> {
    sqlx::query_as(
        "SELECT number, title, summary, body_markdown, author_name, note, created_at \
         FROM lesson_revisions WHERE lesson_id = $1 AND number = $2",
    )
    .bind(lesson_id)
    .bind(number)
    .fetch_optional(db.pool())
    .await
}

#[derive(Debug, Clone, Default, FromRow)]
pub struct ContentCounts {
    pub paths: i64,
    pub modules: i64,
    pub lessons: i64,
    pub quizzes: i64,
    pub questions: i64,
    pub draft_lessons: i64,
}

pub async fn count_content(db: &Db) -> sqlx::Result<ContentCounts> {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM paths) AS paths, (SELECT COUNT(*) FROM modules) AS modules, \
           (SELECT COUNT(*) FROM lessons) AS lessons, (SELECT COUNT(*) FROM quizzes) AS quizzes, \
           (SELECT COUNT(*) FROM questions) AS questions, \
           (SELECT COUNT(*) FROM lessons WHERE NOT published) AS draft_lessons",
    )
    .fetch_one(db.pool())
    .await
}

/// An unpublished path, module or lesson, with the address of its editor.
#[derive(Debug, Clone, FromRow)]
pub struct Draft {
    pub kind: String,
    pub id: String,
    pub title: String,
    pub updated_at: i64,
}

impl Draft {
    pub fn href(&self) -> String {
        match self.kind.as_str() {
            "lesson" => format!("/admin/lessons/{}/edit", self.id),
            "module" => format!("/admin/modules/{}", self.id),
            _ => format!("/admin/paths/{}", self.id),
        }
    }
}

pub async fn drafts(db: &Db, limit: i64) -> sqlx::Result<Vec<Draft>> {
    sqlx::query_as(
        "SELECT kind, id, title, updated_at FROM (\
           SELECT 'path' AS kind, id, title, updated_at FROM paths WHERE NOT published \
           UNION ALL SELECT 'module', id, title, updated_at FROM modules WHERE NOT published \
           UNION ALL SELECT 'lesson', id, title, updated_at FROM lessons WHERE NOT published\
         ) AS drafts ORDER BY updated_at DESC, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await
}

/// A lesson found by the lesson search, with its module and path for context.
#[derive(Debug, Clone, FromRow)]
pub struct LessonHit {
    pub id: String,
    pub title: String,
    pub slug: String,
    pub published: i64,
    pub module_title: String,
    pub path_title: String,
}

pub async fn search_lessons(
    db: &Db,
    query: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<LessonHit>, i64)> {
    let pattern = crate::db::like_pattern(query);
    let filter = "(LOWER(l.title) LIKE $1 ESCAPE '\\' OR LOWER(l.slug) LIKE $1 ESCAPE '\\')";
    let rows = sqlx::query_as(&format!(
        "SELECT l.id, l.title, l.slug, CAST(l.published AS INTEGER) AS published, \
           m.title AS module_title, p.title AS path_title \
         FROM lessons l JOIN modules m ON m.id = l.module_id JOIN paths p ON p.id = m.path_id \
         WHERE {filter} ORDER BY p.position, m.position, l.position, l.id LIMIT $2 OFFSET $3"
    ))
    .bind(&pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    let total = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM lessons l WHERE {filter}"))
        .bind(&pattern)
        .fetch_one(db.pool())
        .await?;
    Ok((rows, total))
}

/// Every lesson without its body, for the whole-curriculum tree.
pub async fn all_lessons(db: &Db) -> sqlx::Result<Vec<LessonItem>> {
    sqlx::query_as(&format!(
        "SELECT {LESSON_ITEM_COLUMNS} FROM lessons ORDER BY module_id, position, slug"
    ))
    .fetch_all(db.pool())
    .await
}

/// Whether each module has a quiz, by module id.
pub async fn modules_with_quiz(db: &Db) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT module_id FROM quizzes")
        .fetch_all(db.pool())
        .await
}

pub async fn set_prerequisites<'e>(
    executor: impl Executor<'e, Database = Any>,
    module_id: &str,
    prerequisites: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE modules SET prerequisites = $2 WHERE id = $1")
        .bind(module_id)
        .bind(prerequisites)
        .execute(executor)
        .await
        .map(drop)
}
