//! Full-text search SQL, one query per backend: FTS5 with bm25 on SQLite, tsvector with
//! ts_rank on PostgreSQL, both weighting titles above bodies. They only rank: titles, addresses
//! and snippets come from the published tree in memory (`super::snippet`), because building a
//! snippet in the database (ts_headline parses each whole text) was most of a search's cost.

use sqlx::FromRow;

use crate::db::{Backend, Db};

/// A published lesson or module that matches, best first.
#[derive(Debug, Clone, FromRow)]
pub struct Hit {
    /// `lesson` or `module`.
    pub kind: String,
    pub id: String,
}

const SQLITE: &str = "\
SELECT s.kind AS kind, s.ref_id AS id
FROM search_index s
LEFT JOIN lessons l ON s.kind = 'lesson' AND l.id = s.ref_id
JOIN modules m ON m.id = COALESCE(l.module_id, CASE WHEN s.kind = 'module' THEN s.ref_id END)
JOIN paths p ON p.id = m.path_id
WHERE search_index MATCH $1
  AND p.published = TRUE AND m.published = TRUE AND (s.kind = 'module' OR l.published = TRUE)
ORDER BY bm25(search_index, 10.0, 1.0), s.ref_id
LIMIT $2";

const POSTGRES: &str = "\
WITH q AS (SELECT to_tsquery('english', $1) AS query)
SELECT kind, id FROM (
  SELECT 'lesson' AS kind, l.id, l.title, ts_rank(l.search, q.query) AS rank
  FROM lessons l JOIN modules m ON m.id = l.module_id JOIN paths p ON p.id = m.path_id, q
  WHERE l.search @@ q.query AND l.published AND m.published AND p.published
  UNION ALL
  SELECT 'module', m.id, m.title, ts_rank(m.search, q.query)
  FROM modules m JOIN paths p ON p.id = m.path_id, q
  WHERE m.search @@ q.query AND m.published AND p.published
) ranked
ORDER BY rank DESC, title, id
LIMIT $2";

/// Searches published content for all of `words` (each also as a prefix, for typing).
/// `words` must be plain words (letters and digits): the caller extracts them.
pub async fn search(db: &Db, words: &[String], limit: i64) -> sqlx::Result<Vec<Hit>> {
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let (sql, query) = match db.backend() {
        Backend::Sqlite => (SQLITE, join(words, |word| format!("\"{word}\"*"), " ")),
        Backend::Postgres => (POSTGRES, join(words, |word| format!("{word}:*"), " & ")),
    };
    sqlx::query_as(sql)
        .bind(query)
        .bind(limit)
        .fetch_all(db.pool())
        .await
}

fn join(words: &[String], each: impl Fn(&str) -> String, separator: &str) -> String {
    words
        .iter()
        .map(|word| each(word))
        .collect::<Vec<_>>()
        .join(separator)
}
