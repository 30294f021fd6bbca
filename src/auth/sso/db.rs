//! The `sign_in_identities` table: which provider account signs in to which user.

use sqlx::{Any, Executor, FromRow};

use crate::db::Db;

/// A linked sign-in as `/settings/sign-in` and the data export show it.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct IdentityRow {
    pub provider: String,
    pub subject: String,
    pub email: String,
    pub created_at: i64,
    pub last_used_at: i64,
}

/// The user a provider's subject signs in to.
pub async fn user_of(db: &Db, provider: &str, subject: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT user_id FROM sign_in_identities WHERE provider = $1 AND subject = $2",
    )
    .bind(provider)
    .bind(subject)
    .fetch_optional(db.pool())
    .await
}

pub async fn link<'e>(
    executor: impl Executor<'e, Database = Any>,
    user_id: &str,
    provider: &str,
    subject: &str,
    email: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sign_in_identities (provider, subject, user_id, email, created_at, last_used_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(provider)
    .bind(subject)
    .bind(user_id)
    .bind(email)
    .bind(now)
    .execute(executor)
    .await?;
    Ok(())
}

/// Records a sign-in: when, and the email the provider gave this time.
pub async fn used(
    db: &Db,
    provider: &str,
    subject: &str,
    email: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE sign_in_identities SET last_used_at = $3, email = $4 \
         WHERE provider = $1 AND subject = $2",
    )
    .bind(provider)
    .bind(subject)
    .bind(now)
    .bind(email)
    .execute(db.pool())
    .await?;
    Ok(())
}

pub async fn of_user(db: &Db, user_id: &str) -> sqlx::Result<Vec<IdentityRow>> {
    sqlx::query_as(
        "SELECT provider, subject, email, created_at, last_used_at FROM sign_in_identities \
         WHERE user_id = $1 ORDER BY created_at, provider",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await
}

/// Unlinks one of the user's own sign-ins; false when it was not theirs (or not there).
pub async fn unlink<'e>(
    executor: impl Executor<'e, Database = Any>,
    user_id: &str,
    provider: &str,
    subject: &str,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "DELETE FROM sign_in_identities WHERE user_id = $1 AND provider = $2 AND subject = $3",
    )
    .bind(user_id)
    .bind(provider)
    .bind(subject)
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}
