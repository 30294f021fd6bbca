//! tower-sessions records in our own `sessions` table, on whichever backend the pool uses.
//!
//! Ours rather than tower-sessions-sqlx-store because it (a) runs on the one `Any` pool and
//! (b) copies the user id into a column, so all of a user's sessions can be ended in one
//! statement: after a password change, deactivation or deletion, and (c) reads the session's
//! user in the same statement as the session ([`USER_ROW`]), so a logged-in page does not
//! need a second round trip to learn who is asking.

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
    session_store::{Error, Result},
};

use super::Db;

/// The session key holding the logged-in user's id; copied into the `user_id` column.
pub const USER_ID: &str = "user_id";

/// The key under which a loaded record carries its user's row, as read with the session (a
/// JSON object of the `users` columns below, `active` as 0/1). Never stored: `columns`
/// leaves it out, so it is always as fresh as the load.
pub const USER_ROW: &str = "_user_row";

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Removes expired records; run periodically.
    pub async fn delete_expired(&self) -> sqlx::Result<u64> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now)
            .execute(self.db.pool())
            .await?;
        Ok(done.rows_affected())
    }
}

/// Marks a store error that means "the database cannot be reached", so the request can be
/// answered 503 rather than 500 (the store's error type carries only text).
pub const UNREACHABLE: &str = "database unreachable";

fn backend(error: sqlx::Error) -> Error {
    if super::is_unreachable(&error) {
        Error::Backend(format!("{UNREACHABLE}: {error}"))
    } else {
        Error::Backend(error.to_string())
    }
}

/// The session's idle timeout in seconds, kept in its data at login (it differs by role).
pub const IDLE_SECONDS: &str = "idle_seconds";

fn columns(record: &Record) -> Result<(String, Option<String>, i64)> {
    let stored: serde_json::Map<String, serde_json::Value> = record
        .data
        .iter()
        .filter(|(key, _)| *key != USER_ROW)
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let data = serde_json::to_string(&stored).map_err(|e| Error::Encode(e.to_string()))?;
    let user_id = record
        .data
        .get(USER_ID)
        .and_then(|value| value.as_str())
        .map(str::to_owned);
    // Whatever request saves the session (a flash, a new CSRF token), the expiry follows the
    // user's role; tower-sessions would apply the layer's default (the learners') instead.
    let expires_at = match record.data.get(IDLE_SECONDS).and_then(|v| v.as_i64()) {
        Some(idle) => OffsetDateTime::now_utc().unix_timestamp() + idle,
        None => record.expiry_date.unix_timestamp(),
    };
    Ok((data, user_id, expires_at))
}

/// A session with its user's columns (all null when no one is logged in).
#[derive(sqlx::FromRow)]
struct SessionRow {
    data: String,
    expires_at: i64,
    user_id: Option<String>,
    email: Option<String>,
    display_name: Option<String>,
    password_hash: Option<String>,
    role: Option<String>,
    active: Option<i64>,
    totp_secret: Option<String>,
    created_at: Option<i64>,
}

impl SessionRow {
    fn user(self) -> Option<serde_json::Value> {
        Some(serde_json::json!({
            "id": self.user_id?,
            "email": self.email?,
            "display_name": self.display_name?,
            "password_hash": self.password_hash?,
            "role": self.role?,
            "active": self.active?,
            "totp_secret": self.totp_secret,
            "created_at": self.created_at?,
        }))
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let (data, user_id, expires_at) = columns(record)?;
        // A collision of 128-bit random ids is next to impossible; still, never overwrite.
        loop {
            let inserted = sqlx::query(
                "INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(record.id.to_string())
            .bind(user_id.clone())
            .bind(data.clone())
            .bind(expires_at)
            .execute(self.db.pool())
            .await
            .map_err(backend)?;
            if inserted.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        // UPDATE, not upsert: a session ended elsewhere (logout, password change) while this
        // request ran must stay ended.
        let (data, user_id, expires_at) = columns(record)?;
        sqlx::query("UPDATE sessions SET user_id = $2, data = $3, expires_at = $4 WHERE id = $1")
            .bind(record.id.to_string())
            .bind(user_id)
            .bind(data)
            .bind(expires_at)
            .execute(self.db.pool())
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT s.data, s.expires_at, u.id AS user_id, u.email, u.display_name, \
               u.password_hash, u.role, CAST(u.active AS INTEGER) AS active, u.totp_secret, \
               u.created_at \
             FROM sessions s LEFT JOIN users u ON u.id = s.user_id \
             WHERE s.id = $1 AND s.expires_at > $2",
        )
        .bind(id.to_string())
        .bind(now)
        .fetch_optional(self.db.pool())
        .await
        .map_err(backend)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let expires_at = row.expires_at;
        let mut data: std::collections::HashMap<String, serde_json::Value> =
            serde_json::from_str(&row.data).map_err(|e| Error::Decode(e.to_string()))?;
        if let Some(user) = row.user() {
            data.insert(USER_ROW.to_owned(), user);
        }
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: OffsetDateTime::from_unix_timestamp(expires_at)
                .map_err(|e| Error::Decode(e.to_string()))?,
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(self.db.pool())
            .await
            .map_err(backend)?;
        Ok(())
    }
}
