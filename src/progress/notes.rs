//! A learner's bookmarks and notes: the notes pages, the API and the data export read and
//! write them here. Every statement is scoped by the owner's id.

use sqlx::FromRow;

use crate::db::Db;

pub async fn set_bookmark(
    db: &Db,
    user_id: &str,
    lesson_id: &str,
    on: bool,
    now: i64,
) -> sqlx::Result<()> {
    let query = if on {
        sqlx::query(
            "INSERT INTO bookmarks (user_id, lesson_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, lesson_id) DO NOTHING",
        )
        .bind(user_id)
        .bind(lesson_id)
        .bind(now)
    } else {
        sqlx::query("DELETE FROM bookmarks WHERE user_id = $1 AND lesson_id = $2")
            .bind(user_id)
            .bind(lesson_id)
    };
    query.execute(db.pool()).await.map(drop)
}

pub async fn save_note(
    db: &Db,
    user_id: &str,
    lesson_id: &str,
    markdown: &str,
    html: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notes (user_id, lesson_id, body_markdown, body_html, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id, lesson_id) DO UPDATE SET body_markdown = $3, body_html = $4, updated_at = $5",
    )
    .bind(user_id)
    .bind(lesson_id)
    .bind(markdown)
    .bind(html)
    .bind(now)
    .execute(db.pool())
    .await
    .map(drop)
}

pub async fn delete_note(db: &Db, user_id: &str, lesson_id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM notes WHERE user_id = $1 AND lesson_id = $2")
        .bind(user_id)
        .bind(lesson_id)
        .execute(db.pool())
        .await
        .map(drop)
}

/// A note or bookmark with where its lesson is, for the "My notes" page.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct Item {
    pub lesson_id: String,
    pub lesson_title: String,
    pub path_slug: String,
    pub module_slug: String,
    pub lesson_slug: String,
    pub body_html: String,
    pub body_markdown: String,
    pub updated_at: i64,
}

impl Item {
    pub fn href(&self) -> String {
        format!(
            "/paths/{}/{}/{}",
            self.path_slug, self.module_slug, self.lesson_slug
        )
    }
}

const LESSON_JOIN: &str = "JOIN lessons l ON l.id = x.lesson_id JOIN modules m ON m.id = l.module_id \
     JOIN paths p ON p.id = m.path_id";

/// All the user's notes, newest first.
pub async fn list_notes(db: &Db, user_id: &str) -> sqlx::Result<Vec<Item>> {
    page(db, user_id, List::Notes, None, i64::MAX).await
}

/// All the user's bookmarks, newest first.
pub async fn list_bookmarks(db: &Db, user_id: &str) -> sqlx::Result<Vec<Item>> {
    page(db, user_id, List::Bookmarks, None, i64::MAX).await
}

/// Which of a learner's lists.
#[derive(Debug, Clone, Copy)]
pub enum List {
    Notes,
    Bookmarks,
}

/// A page of the user's notes or bookmarks, newest first, after the one at `after` (time,
/// lesson id).
pub async fn page(
    db: &Db,
    user_id: &str,
    list: List,
    after: Option<(i64, String)>,
    limit: i64,
) -> sqlx::Result<Vec<Item>> {
    let (at, lesson_id) = after.unwrap_or((i64::MAX, String::new()));
    let (table, time, body) = match list {
        List::Notes => ("notes", "x.updated_at", "x.body_html, x.body_markdown"),
        List::Bookmarks => (
            "bookmarks",
            "x.created_at",
            "'' AS body_html, '' AS body_markdown",
        ),
    };
    let sql = format!(
        "SELECT x.lesson_id, l.title AS lesson_title, p.slug AS path_slug, m.slug AS module_slug, \
         l.slug AS lesson_slug, {body}, {time} AS updated_at FROM {table} x {LESSON_JOIN} \
         WHERE x.user_id = $1 AND ({time} < $2 OR ({time} = $2 AND x.lesson_id < $3)) \
         ORDER BY {time} DESC, x.lesson_id DESC LIMIT $4"
    );
    sqlx::query_as(&sql)
        .bind(user_id)
        .bind(at)
        .bind(lesson_id)
        .bind(limit)
        .fetch_all(db.pool())
        .await
}
