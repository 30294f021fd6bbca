//! SQL for accounts, tokens, recovery codes, throttling and sessions.

use sqlx::{Any, Executor};

use super::user::{Role, User};
use crate::db::Db;

const USER_COLUMNS: &str = "id, email, display_name, password_hash, role, \
     CAST(active AS INTEGER) AS active, totp_secret, created_at";

/// A `users` row; also what the session store hands over with a loaded session
/// (`session_store::USER_ROW`), hence `Deserialize`.
#[derive(sqlx::FromRow, serde::Deserialize)]
pub(super) struct UserRow {
    pub(super) id: String,
    email: String,
    display_name: String,
    password_hash: String,
    role: String,
    active: i64,
    totp_secret: Option<String>,
    created_at: i64,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            password_hash: row.password_hash,
            role: Role::parse(&row.role).unwrap_or(Role::Learner),
            active: row.active != 0,
            totp_secret: row.totp_secret,
            created_at: row.created_at,
            multi_factor_login: false,
        }
    }
}

pub async fn get_user(db: &Db, id: &str) -> sqlx::Result<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    let row: Option<UserRow> = sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.map(User::from))
}

pub async fn get_user_by_email(db: &Db, email: &str) -> sqlx::Result<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE LOWER(email) = LOWER($1)");
    let row: Option<UserRow> = sqlx::query_as(&sql)
        .bind(email)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.map(User::from))
}

pub struct NewUser<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub now: i64,
}

pub async fn insert_user<'e>(
    executor: impl Executor<'e, Database = Any>,
    user: NewUser<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, role, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(user.id)
    .bind(user.email)
    .bind(user.display_name)
    .bind(user.password_hash)
    .bind(user.role.as_str())
    .bind(true)
    .bind(user.now)
    .execute(executor)
    .await?;
    Ok(())
}

pub async fn any_admin(db: &Db) -> sqlx::Result<bool> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
        .fetch_one(db.pool())
        .await?;
    Ok(count > 0)
}

pub async fn update_display_name(db: &Db, user_id: &str, name: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET display_name = $2, updated_at = $3 WHERE id = $1")
        .bind(user_id)
        .bind(name)
        .bind(now)
        .execute(db.pool())
        .await?;
    Ok(())
}

pub async fn update_email(db: &Db, user_id: &str, email: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET email = $2, updated_at = $3 WHERE id = $1")
        .bind(user_id)
        .bind(email)
        .bind(now)
        .execute(db.pool())
        .await?;
    Ok(())
}

pub async fn update_password_hash<'e>(
    executor: impl Executor<'e, Database = Any>,
    user_id: &str,
    hash: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
        .bind(user_id)
        .bind(hash)
        .bind(now)
        .execute(executor)
        .await?;
    Ok(())
}

pub async fn delete_user(db: &Db, user_id: &str) -> sqlx::Result<()> {
    // Sessions, recovery codes and tokens go with it (ON DELETE CASCADE).
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

// --- sessions ---------------------------------------------------------------------------

/// Ends every session of the user except `keep` (the current one, if any).
pub async fn delete_sessions_of_user<'e>(
    executor: impl Executor<'e, Database = Any>,
    user_id: &str,
    keep: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(executor)
        .await?;
    Ok(())
}

// --- two-factor authentication ------------------------------------------------------------

/// Turns 2FA on with `secret` and replaces the recovery codes, in one transaction.
pub async fn enable_totp(
    db: &Db,
    user_id: &str,
    secret: &str,
    code_hashes: &[String],
    now: i64,
) -> sqlx::Result<()> {
    let mut tx = db.pool().begin().await?;
    sqlx::query("UPDATE users SET totp_secret = $2, updated_at = $3 WHERE id = $1")
        .bind(user_id)
        .bind(secret)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    for hash in code_hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

pub async fn disable_totp(db: &Db, user_id: &str, now: i64) -> sqlx::Result<()> {
    let mut tx = db.pool().begin().await?;
    sqlx::query("UPDATE users SET totp_secret = NULL, updated_at = $2 WHERE id = $1")
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Records that the TOTP time step was used; false if it (or a later one) already was, so a
/// code seen by someone else cannot be replayed.
pub async fn use_totp_step(db: &Db, user_id: &str, step: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE users SET totp_last_step = $2 \
         WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
    )
    .bind(user_id)
    .bind(step)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the recovery code used; true only the first time (a single statement, so two
/// concurrent logins cannot both spend it).
pub async fn use_recovery_code(
    db: &Db,
    user_id: &str,
    code_hash: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(code_hash)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn count_unused_recovery_codes(db: &Db, user_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(db.pool())
        .await
}

// --- one-time tokens ----------------------------------------------------------------------

pub async fn insert_token<'e>(
    executor: impl Executor<'e, Database = Any>,
    token_hash: &str,
    purpose: &str,
    user_id: Option<&str>,
    now: i64,
    expires_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO one_time_tokens (token_hash, purpose, user_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(purpose)
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .execute(executor)
    .await?;
    Ok(())
}

/// Retires every unused token of this purpose for the user (a newer one replaces them).
pub async fn retire_tokens<'e>(
    executor: impl Executor<'e, Database = Any>,
    user_id: &str,
    purpose: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE one_time_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(purpose)
    .bind(now)
    .execute(executor)
    .await?;
    Ok(())
}

/// The token's user (if any) when it is unused and unexpired.
pub async fn find_live_token(
    db: &Db,
    token_hash: &str,
    purpose: &str,
    now: i64,
) -> sqlx::Result<Option<Option<String>>> {
    sqlx::query_scalar(
        "SELECT user_id FROM one_time_tokens \
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(token_hash)
    .bind(purpose)
    .bind(now)
    .fetch_optional(db.pool())
    .await
}

/// Spends the token; true only for the one caller that got it while it was live.
pub async fn spend_token<'e>(
    executor: impl Executor<'e, Database = Any>,
    token_hash: &str,
    purpose: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE one_time_tokens SET used_at = $3 \
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(token_hash)
    .bind(purpose)
    .bind(now)
    .execute(executor)
    .await?;
    Ok(done.rows_affected() == 1)
}

// --- login throttling ---------------------------------------------------------------------

/// Failures per bucket since `since`, and the oldest of them.
/// Counts one attempt in `bucket` unless `limit` attempts already count in its window (which
/// restarts once `window` seconds old); `false` when refused. One statement, so the row lock
/// makes check and count one step on every instance.
pub async fn claim_attempt(
    db: &Db,
    bucket: &str,
    limit: i64,
    now: i64,
    window: i64,
) -> sqlx::Result<bool> {
    let claimed: Option<i64> = sqlx::query_scalar(
        "INSERT INTO login_throttle (bucket, window_start, attempts) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket) DO UPDATE SET \
           window_start = CASE WHEN login_throttle.window_start <= $3 THEN $2 \
                          ELSE login_throttle.window_start END, \
           attempts = CASE WHEN login_throttle.window_start <= $3 THEN 1 \
                      ELSE login_throttle.attempts + 1 END \
         WHERE login_throttle.window_start <= $3 OR login_throttle.attempts < $4 \
         RETURNING attempts",
    )
    .bind(bucket)
    .bind(now)
    .bind(now - window)
    .bind(limit)
    .fetch_optional(db.pool())
    .await?;
    Ok(claimed.is_some())
}

/// When the window of a full `bucket` started, for "try again in N minutes".
pub async fn get_window_start(db: &Db, bucket: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT window_start FROM login_throttle WHERE bucket = $1")
        .bind(bucket)
        .fetch_optional(db.pool())
        .await
}

/// Gives back one attempt (one that was never evaluated, or that passed).
pub async fn release_attempt(db: &Db, bucket: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE login_throttle SET attempts = attempts - 1 WHERE bucket = $1 AND attempts > 0",
    )
    .bind(bucket)
    .execute(db.pool())
    .await?;
    Ok(())
}

pub async fn delete_throttle(db: &Db, bucket: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE bucket = $1")
        .bind(bucket)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Drops buckets whose window is over; they would restart anyway.
pub async fn delete_old_throttles(db: &Db, before: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE window_start <= $1")
        .bind(before)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// How many ways into the account remain: its password, linked sign-ins and passkeys. Run it
/// inside the transaction that removes one, after [`lock_user`].
pub async fn ways_in<'e>(
    executor: impl Executor<'e, Database = Any>,
    user_id: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM sign_in_identities WHERE user_id = $1) \
              + (SELECT COUNT(*) FROM passkeys WHERE user_id = $1) \
              + (SELECT COUNT(*) FROM users WHERE id = $1 AND password_hash <> '')",
    )
    .bind(user_id)
    .fetch_one(executor)
    .await
}

/// Takes the user's row lock for the rest of the transaction, so two removals of the account's
/// ways in take turns (neither can leave the other as the last and both go).
pub async fn lock_user<'e>(
    executor: impl Executor<'e, Database = Any>,
    user_id: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = $1")
        .bind(user_id)
        .execute(executor)
        .await?;
    Ok(())
}
