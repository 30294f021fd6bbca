//! SQL for bookmarks and notes; every statement is scoped by the owner's id.

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

pub async fn list_notes(db: &Db, user_id: &str) -> sqlx::Result<Vec<Item>> {
    let sql = format!(
        "SELECT x.lesson_id, l.title AS lesson_title, p.slug AS path_slug, m.slug AS module_slug, \
         l.slug AS lesson_slug, x.body_html, x.body_markdown, x.updated_at FROM notes x {LESSON_JOIN} \
         WHERE x.user_id = $1 ORDER BY x.updated_at DESC, l.title"
    );
    sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(db.pool())
        .await
}

pub async fn list_bookmarks(db: &Db, user_id: &str) -> sqlx::Result<Vec<Item>> {
    let sql = format!(
        "SELECT x.lesson_id, l.title AS lesson_title, p.slug AS path_slug, m.slug AS module_slug, \
         l.slug AS lesson_slug, '' AS body_html, '' AS body_markdown, x.created_at AS updated_at \
         FROM bookmarks x {LESSON_JOIN} WHERE x.user_id = $1 ORDER BY x.created_at DESC, l.title"
    );
    sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(db.pool())
        .await
}
