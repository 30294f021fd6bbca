//! Full-text search SQL, one query per backend: FTS5 with bm25 on SQLite, tsvector with
//! ts_rank on PostgreSQL. Both weight titles above bodies and return a snippet with the
//! matched words between two marker characters (escaped and turned into <mark> later).

use sqlx::FromRow;

use crate::db::{Backend, Db};

/// Private-use characters: they never occur in content, so they can mark matches safely.
pub const MARK_START: char = '\u{E000}';
pub const MARK_END: char = '\u{E001}';

#[derive(Debug, Clone, FromRow)]
pub struct Hit {
    pub kind: String,
    pub title: String,
    pub path_slug: String,
    pub module_slug: String,
    pub lesson_slug: String,
    pub module_title: String,
    pub snippet: String,
}

const SQLITE: &str = "\
SELECT s.kind AS kind,
       s.title AS title,
       p.slug AS path_slug,
       m.slug AS module_slug,
       COALESCE(l.slug, '') AS lesson_slug,
       m.title AS module_title,
       snippet(search_index, 1, $2, $3, '…', 24) AS snippet
FROM search_index s
LEFT JOIN lessons l ON s.kind = 'lesson' AND l.id = s.ref_id
JOIN modules m ON m.id = COALESCE(l.module_id, CASE WHEN s.kind = 'module' THEN s.ref_id END)
JOIN paths p ON p.id = m.path_id
WHERE search_index MATCH $1
  AND p.published = TRUE AND m.published = TRUE AND (s.kind = 'module' OR l.published = TRUE)
ORDER BY bm25(search_index, 10.0, 1.0)
LIMIT $4";

// ts_headline parses the whole text, so it runs only for the hits on the page, after ranking
// and LIMIT (run for every match first, it made search the slowest page on PostgreSQL).
const POSTGRES: &str = "\
WITH q AS (SELECT to_tsquery('english', $1) AS query),
ranked AS (
  SELECT 'lesson' AS kind, l.title, p.slug AS path_slug, m.slug AS module_slug, l.slug AS lesson_slug,
         m.title AS module_title, l.body_text AS text, ts_rank(l.search, q.query) AS rank
  FROM lessons l JOIN modules m ON m.id = l.module_id JOIN paths p ON p.id = m.path_id, q
  WHERE l.search @@ q.query AND l.published AND m.published AND p.published
  UNION ALL
  SELECT 'module', m.title, p.slug, m.slug, '', m.title, m.summary, ts_rank(m.search, q.query)
  FROM modules m JOIN paths p ON p.id = m.path_id, q
  WHERE m.search @@ q.query AND m.published AND p.published
),
page AS (SELECT * FROM ranked ORDER BY rank DESC, title LIMIT $3)
SELECT kind, title, path_slug, module_slug, lesson_slug, module_title,
       ts_headline('english', text, q.query, $2) AS snippet
FROM page, q
ORDER BY rank DESC, title";

/// Searches published content for all of `words` (each also as a prefix, for typing).
/// `words` must be plain words (letters and digits): the caller extracts them.
pub async fn search(db: &Db, words: &[String], limit: i64) -> sqlx::Result<Vec<Hit>> {
    if words.is_empty() {
        return Ok(Vec::new());
    }
    match db.backend() {
        Backend::Sqlite => {
            let query = words
                .iter()
                .map(|word| format!("\"{word}\"*"))
                .collect::<Vec<_>>()
                .join(" ");
            sqlx::query_as(SQLITE)
                .bind(query)
                .bind(MARK_START.to_string())
                .bind(MARK_END.to_string())
                .bind(limit)
                .fetch_all(db.pool())
                .await
        }
        Backend::Postgres => {
            let query = words
                .iter()
                .map(|word| format!("{word}:*"))
                .collect::<Vec<_>>()
                .join(" & ");
            let options = format!(
                "StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=1"
            );
            sqlx::query_as(POSTGRES)
                .bind(query)
                .bind(options)
                .bind(limit)
                .fetch_all(db.pool())
                .await
        }
    }
}
