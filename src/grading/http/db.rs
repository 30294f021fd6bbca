//! SQL for the practice API; every statement is scoped by the learner's id, so one learner can
//! never read or change another's tasks.

use sqlx::{Any, Executor, FromRow};

use crate::db::Db;

/// The starter tasks every learner gets: enough for two pages at the default page size.
const SEED_TITLES: [(&str, bool, &str); 8] = [
    ("Read the lesson on REST resources", true, "normal"),
    ("Sketch the tasks API on paper", true, "low"),
    ("Send a first GET request", false, "high"),
    ("Create a task with POST", false, "high"),
    ("Trigger a validation error", false, "normal"),
    ("Fetch page 2 of the task list", false, "normal"),
    ("Mark a task done with PATCH", false, "low"),
    ("Delete a task twice", false, "low"),
];

#[derive(Debug, Clone, FromRow)]
pub struct TaskRow {
    pub id: i64,
    pub title: String,
    pub done: i64,
    pub priority: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const TASK_COLUMNS: &str =
    "id, title, CAST(done AS INTEGER) AS done, priority, created_at, updated_at";

/// Counts one request in the learner's current one-minute window; returns the count so far,
/// or `None` if the learner has no practice row yet (see [`start_learner`]).
pub async fn count_request(
    db: &Db,
    learner_id: &str,
    window_start: i64,
) -> sqlx::Result<Option<i64>> {
    // Both databases evaluate the right-hand sides against the old row.
    sqlx::query_scalar(
        "UPDATE practice_api_learners SET \
         window_count = CASE WHEN window_start = $2 THEN window_count + 1 ELSE 1 END, \
         window_start = $2 \
         WHERE learner_id = $1 RETURNING window_count",
    )
    .bind(learner_id)
    .bind(window_start)
    .fetch_optional(db.pool())
    .await
}

/// Creates the learner's practice row and seeds the starter tasks, once: a second concurrent
/// call finds the row and does nothing.
pub async fn start_learner(db: &Db, learner_id: &str, now: i64) -> sqlx::Result<()> {
    let mut tx = db.pool().begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO practice_api_learners (learner_id, next_task_id, window_start, window_count) \
         VALUES ($1, 1, 0, 0) ON CONFLICT (learner_id) DO NOTHING",
    )
    .bind(learner_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 1 {
        seed(&mut tx, learner_id, now).await?;
    }
    tx.commit().await
}

/// Back to the starter tasks, numbered from 1 again, with no idempotency keys and no sessions.
/// The rate-limit window is kept.
pub async fn reset(db: &Db, learner_id: &str, now: i64) -> sqlx::Result<()> {
    start_learner(db, learner_id, now).await?;
    let mut tx = db.pool().begin().await?;
    sqlx::query("DELETE FROM practice_tasks WHERE learner_id = $1")
        .bind(learner_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM practice_idempotency_keys WHERE learner_id = $1")
        .bind(learner_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM practice_sessions WHERE learner_id = $1")
        .bind(learner_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE practice_api_learners SET next_task_id = 1 WHERE learner_id = $1")
        .bind(learner_id)
        .execute(&mut *tx)
        .await?;
    seed(&mut tx, learner_id, now).await?;
    tx.commit().await
}

async fn seed(conn: &mut sqlx::AnyConnection, learner_id: &str, now: i64) -> sqlx::Result<()> {
    for (title, done, priority) in SEED_TITLES {
        let id = next_task_id(&mut *conn, learner_id).await?;
        insert_task(&mut *conn, learner_id, id, title, done, priority, now).await?;
    }
    Ok(())
}

/// Takes the learner's next task id (atomic: concurrent creates get different ids).
pub async fn next_task_id<'e>(
    executor: impl Executor<'e, Database = Any>,
    learner_id: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "UPDATE practice_api_learners SET next_task_id = next_task_id + 1 \
         WHERE learner_id = $1 RETURNING next_task_id - 1",
    )
    .bind(learner_id)
    .fetch_one(executor)
    .await
}

pub async fn insert_task<'e>(
    executor: impl Executor<'e, Database = Any>,
    learner_id: &str,
    id: i64,
    title: &str,
    done: bool,
    priority: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO practice_tasks (learner_id, id, title, done, priority, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(learner_id)
    .bind(id)
    .bind(title)
    .bind(done)
    .bind(priority)
    .bind(now)
    .execute(executor)
    .await
    .map(drop)
}

pub async fn count_tasks(db: &Db, learner_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM practice_tasks WHERE learner_id = $1")
        .bind(learner_id)
        .fetch_one(db.pool())
        .await
}

pub async fn list_tasks(
    db: &Db,
    learner_id: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<TaskRow>> {
    sqlx::query_as(&format!(
        "SELECT {TASK_COLUMNS} FROM practice_tasks WHERE learner_id = $1 \
         ORDER BY id LIMIT $2 OFFSET $3"
    ))
    .bind(learner_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await
}

pub async fn get_task(db: &Db, learner_id: &str, id: i64) -> sqlx::Result<Option<TaskRow>> {
    sqlx::query_as(&format!(
        "SELECT {TASK_COLUMNS} FROM practice_tasks WHERE learner_id = $1 AND id = $2"
    ))
    .bind(learner_id)
    .bind(id)
    .fetch_optional(db.pool())
    .await
}

/// The id of another task of this learner with the same title (case-insensitively).
pub async fn find_title(
    db: &Db,
    learner_id: &str,
    title: &str,
    except_id: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT id FROM practice_tasks \
         WHERE learner_id = $1 AND LOWER(title) = LOWER($2) AND id <> $3",
    )
    .bind(learner_id)
    .bind(title)
    .bind(except_id)
    .fetch_optional(db.pool())
    .await
}

pub async fn update_task(
    db: &Db,
    learner_id: &str,
    id: i64,
    title: &str,
    done: bool,
    priority: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let affected = sqlx::query(
        "UPDATE practice_tasks SET title = $3, done = $4, priority = $5, updated_at = $6 \
         WHERE learner_id = $1 AND id = $2",
    )
    .bind(learner_id)
    .bind(id)
    .bind(title)
    .bind(done)
    .bind(priority)
    .bind(now)
    .execute(db.pool())
    .await?
    .rows_affected();
    Ok(affected == 1)
}

pub async fn delete_task(db: &Db, learner_id: &str, id: i64) -> sqlx::Result<bool> {
    let affected = sqlx::query("DELETE FROM practice_tasks WHERE learner_id = $1 AND id = $2")
        .bind(learner_id)
        .bind(id)
        .execute(db.pool())
        .await?
        .rows_affected();
    Ok(affected == 1)
}

/// What a learner's earlier POST with an `Idempotency-Key` answered.
#[derive(Debug, Clone, FromRow)]
pub struct IdempotencyRow {
    pub request_hash: String,
    pub task_id: i64,
    pub response_body: String,
}

pub async fn get_idempotency_key(
    db: &Db,
    learner_id: &str,
    key: &str,
) -> sqlx::Result<Option<IdempotencyRow>> {
    sqlx::query_as(
        "SELECT request_hash, task_id, response_body FROM practice_idempotency_keys \
         WHERE learner_id = $1 AND idempotency_key = $2",
    )
    .bind(learner_id)
    .bind(key)
    .fetch_optional(db.pool())
    .await
}

/// Keeps the answer to a key; the primary key makes a second request with the same key fail,
/// so the caller's transaction (which also created the task) rolls back.
pub async fn insert_idempotency_key<'e>(
    executor: impl Executor<'e, Database = Any>,
    learner_id: &str,
    key: &str,
    request_hash: &str,
    task_id: i64,
    response_body: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO practice_idempotency_keys \
         (learner_id, idempotency_key, request_hash, task_id, response_body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(learner_id)
    .bind(key)
    .bind(request_hash)
    .bind(task_id)
    .bind(response_body)
    .bind(now)
    .execute(executor)
    .await
    .map(drop)
}

pub async fn insert_session(
    db: &Db,
    learner_id: &str,
    session_hash: &str,
    csrf_token: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO practice_sessions (session_hash, learner_id, csrf_token, created_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(session_hash)
    .bind(learner_id)
    .bind(csrf_token)
    .bind(now)
    .execute(db.pool())
    .await
    .map(drop)
}

/// The CSRF token of the learner's session with this cookie hash, if it has not ended.
pub async fn get_session_csrf(
    db: &Db,
    learner_id: &str,
    session_hash: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT csrf_token FROM practice_sessions WHERE learner_id = $1 AND session_hash = $2",
    )
    .bind(learner_id)
    .bind(session_hash)
    .fetch_optional(db.pool())
    .await
}

pub async fn delete_session(db: &Db, learner_id: &str, session_hash: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM practice_sessions WHERE learner_id = $1 AND session_hash = $2")
        .bind(learner_id)
        .bind(session_hash)
        .execute(db.pool())
        .await
        .map(drop)
}
