//! SQL for curriculum archive imports waiting for confirmation (`content_imports`).

use sqlx::{Any, Executor};

/// Forgets imports uploaded before `older_than` that were never applied.
pub async fn delete_expired_imports<'e>(
    executor: impl Executor<'e, Database = Any>,
    older_than: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM content_imports WHERE created_at < $1")
        .bind(older_than)
        .execute(executor)
        .await
        .map(drop)
}

pub async fn insert_import<'e>(
    executor: impl Executor<'e, Database = Any>,
    token_hash: &str,
    uploaded_by: &str,
    tree_json: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO content_imports (id, uploaded_by, tree, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(uploaded_by)
    .bind(tree_json)
    .bind(now)
    .execute(executor)
    .await
    .map(drop)
}

/// Claims a pending import of `uploaded_by` made since `not_before`: deletes it and returns its
/// tree, so a second claim (a double click, another tab) finds nothing. Rolled back with the
/// caller's transaction if the import fails.
pub async fn take_import<'e>(
    executor: impl Executor<'e, Database = Any>,
    token_hash: &str,
    uploaded_by: &str,
    not_before: i64,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "DELETE FROM content_imports WHERE id = $1 AND uploaded_by = $2 AND created_at >= $3 \
         RETURNING tree",
    )
    .bind(token_hash)
    .bind(uploaded_by)
    .bind(not_before)
    .fetch_optional(executor)
    .await
}
