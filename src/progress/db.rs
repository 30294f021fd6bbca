//! SQL for progress.

use sqlx::{Any, Executor};

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
