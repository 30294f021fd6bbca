//! SQL for progress. Every query is scoped by the user id it is given, which always comes from
//! the session, never from the request.

use sqlx::{Any, Executor, FromRow};

use crate::db::Db;

/// One fact about the learner: `kind` says which table it came from.
#[derive(Debug, FromRow)]
pub struct Fact {
    /// `done` (a lesson), `skip` (a module), `quiz` (a module's quiz), `lab` (an exercise
    /// passed), `visit` (a lesson opened); on request `bookmark` and `note` (of one lesson),
    /// `certificate` and `attempt` (a quiz attempt since a time).
    pub kind: String,
    /// The lesson, module or exercise id; a certificate's code; an attempt's id.
    pub item: String,
    /// For `quiz`: the best score; for `attempt`: its score.
    pub score: i64,
    /// For `quiz`: 1 when the best score reaches the quiz's pass mark.
    pub passed: i64,
    /// When: completed, skipped, first passed (0 if never), last visited, bookmarked, saved,
    /// issued, attempted.
    pub at: i64,
    /// For `note`: its Markdown; `certificate`: the path's title; `attempt`: the module id.
    pub detail: Option<String>,
}

/// What a page asks for besides progress itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Also<'a> {
    /// The bookmark and note of this lesson.
    pub lesson: Option<&'a str>,
    /// Certificates, and quiz attempts since this time (unix seconds).
    pub history_since: Option<i64>,
}

/// Everything the learner did that progress is made of, in one statement whatever the
/// curriculum's size: a few rows per lesson, module and exercise at most (plus, when `also`
/// asks, one lesson's bookmark and note, and the recent history). Items no longer published
/// come back too; the tree they are laid over leaves them out.
pub async fn facts(db: &Db, user_id: &str, also: Also<'_>) -> sqlx::Result<Vec<Fact>> {
    sqlx::query_as(
        "SELECT 'done' AS kind, lesson_id AS item, CAST(0 AS BIGINT) AS score, \
           CAST(0 AS BIGINT) AS passed, completed_at AS at, CAST(NULL AS TEXT) AS detail \
         FROM lesson_completions WHERE user_id = $1 \
         UNION ALL \
         SELECT 'skip', module_id, 0, 0, skipped_at, NULL FROM module_skips WHERE user_id = $1 \
         UNION ALL \
         SELECT 'quiz', z.module_id, CAST(MAX(a.score) AS BIGINT), \
           CAST(CASE WHEN MAX(a.score) >= z.pass_mark THEN 1 ELSE 0 END AS BIGINT), \
           CAST(COALESCE(MIN(CASE WHEN a.passed = TRUE THEN a.created_at END), 0) AS BIGINT), \
           NULL \
         FROM quiz_attempts a JOIN quizzes z ON z.id = a.quiz_id WHERE a.user_id = $1 \
         GROUP BY z.module_id, z.pass_mark \
         UNION ALL \
         SELECT 'lab', exercise_id, 0, 1, CAST(MIN(created_at) AS BIGINT), NULL \
         FROM lab_attempts WHERE user_id = $1 AND passed = TRUE GROUP BY exercise_id \
         UNION ALL \
         SELECT 'visit', lesson_id, 0, 0, visited_at, NULL FROM lesson_visits WHERE user_id = $1 \
         UNION ALL \
         SELECT 'bookmark', lesson_id, 0, 0, created_at, NULL FROM bookmarks \
         WHERE user_id = $1 AND lesson_id = $2 \
         UNION ALL \
         SELECT 'note', lesson_id, 0, 0, updated_at, body_markdown FROM notes \
         WHERE user_id = $1 AND lesson_id = $2 \
         UNION ALL \
         SELECT 'certificate', code, 0, 0, issued_at, path_title FROM certificates \
         WHERE user_id = $1 AND $3 >= 0 \
         UNION ALL \
         SELECT 'attempt', a.id, a.score, 0, a.created_at, z.module_id \
         FROM quiz_attempts a JOIN quizzes z ON z.id = a.quiz_id \
         WHERE a.user_id = $1 AND $3 >= 0 AND a.created_at >= $3",
    )
    .bind(user_id)
    // Neither matches a real lesson id or time, so these parts return nothing.
    .bind(also.lesson.unwrap_or(""))
    .bind(also.history_since.unwrap_or(-1))
    .fetch_all(db.pool())
    .await
}

/// Records that the learner opened the lesson at `at` (unix milliseconds), keeping the newest
/// time. A visit of a learner or lesson deleted meanwhile is dropped rather than failing the
/// batch it is written in.
pub async fn upsert_visit<'e>(
    executor: impl Executor<'e, Database = Any>,
    user_id: &str,
    lesson_id: &str,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO lesson_visits (user_id, lesson_id, visited_at) \
         SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM users WHERE id = $1) \
           AND EXISTS (SELECT 1 FROM lessons WHERE id = $2) \
         ON CONFLICT (user_id, lesson_id) DO UPDATE SET visited_at = \
           CASE WHEN lesson_visits.visited_at > excluded.visited_at \
                THEN lesson_visits.visited_at ELSE excluded.visited_at END",
    )
    .bind(user_id)
    .bind(lesson_id)
    .bind(at)
    .execute(executor)
    .await
    .map(drop)
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

/// Issues the certificate once; a second call (or a concurrent one) changes nothing.
pub async fn insert_certificate(
    db: &Db,
    user_id: &str,
    path_id: &str,
    learner_name: &str,
    path_title: &str,
    code: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO certificates (id, code, user_id, path_id, learner_name, path_title, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, path_id) DO NOTHING",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(code)
    .bind(user_id)
    .bind(path_id)
    .bind(learner_name)
    .bind(path_title)
    .bind(now)
    .execute(db.pool())
    .await
    .map(drop)
}
