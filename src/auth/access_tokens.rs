//! Personal access tokens: how programs (a script, a CI job) authenticate to the JSON API.
//!
//! A token is `gw_` and 64 hex digits, shown once when made and stored only as its SHA-256
//! hash. It has scopes, an expiry (at most a year) and the role its user had when it was made;
//! a token whose user has since changed role or been deactivated authenticates nothing, so an
//! admin's change takes effect at once. Each use counts against a per-token rate limit kept on
//! the token's own row (one statement, shared by every instance), which also records when it
//! was last used.

use sqlx::FromRow;

use super::{
    db::UserRow,
    tokens,
    user::{Role, User},
};
use crate::db::Db;

/// What a token may do. `content` is for editors: the curriculum's export and import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Read,
    Write,
    Content,
}

impl Scope {
    pub const ALL: [Self; 3] = [Self::Read, Self::Write, Self::Content];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Content => "content",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == value)
    }

    /// What the settings page says each scope allows.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Read => "read your progress, attempts, notes, bookmarks and data export",
            Self::Write => "mark lessons done and submit quiz attempts",
            Self::Content => "export and import the curriculum (editors)",
        }
    }

    /// The least role that may hold the scope.
    pub fn role(self) -> Role {
        match self {
            Self::Read | Self::Write => Role::Learner,
            Self::Content => Role::Editor,
        }
    }
}

/// Days a token lives unless its maker chooses otherwise, and the most they may choose.
pub const DEFAULT_DAYS: i64 = 90;
pub const MAX_DAYS: i64 = 365;
/// Tokens a user may hold at once (live or not yet cleaned up): plenty for real use.
pub const MAX_PER_USER: i64 = 50;
const PREFIX: &str = "gw_";

/// A token as its owner's list shows it; the secret is never read back.
#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub scopes: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl TokenRow {
    pub fn scopes(&self) -> Vec<Scope> {
        parse_scopes(&self.scopes)
    }

    pub fn is_live(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

fn parse_scopes(text: &str) -> Vec<Scope> {
    text.split_whitespace().filter_map(Scope::parse).collect()
}

/// A new token for `user`; returns its row and the secret, which exists nowhere else.
pub async fn create(
    db: &Db,
    user: &User,
    name: &str,
    scopes: &[Scope],
    days: i64,
) -> sqlx::Result<(TokenRow, String)> {
    let secret = format!("{PREFIX}{}", tokens::random_token());
    let now = crate::clock::now();
    let row = TokenRow {
        id: uuid::Uuid::now_v7().to_string(),
        name: name.to_owned(),
        scopes: scopes
            .iter()
            .map(|scope| scope.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        created_at: now,
        expires_at: now + days.clamp(1, MAX_DAYS) * 86_400,
        last_used_at: None,
        revoked_at: None,
    };
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, scopes, role, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&row.id)
    .bind(&user.id)
    .bind(&row.name)
    .bind(tokens::hash(&secret))
    .bind(&row.scopes)
    .bind(user.role.as_str())
    .bind(row.created_at)
    .bind(row.expires_at)
    .execute(db.pool())
    .await?;
    Ok((row, secret))
}

/// The user's tokens, newest first.
pub async fn list(db: &Db, user_id: &str) -> sqlx::Result<Vec<TokenRow>> {
    sqlx::query_as(
        "SELECT id, name, scopes, created_at, expires_at, last_used_at, revoked_at \
         FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await
}

pub async fn count(db: &Db, user_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(db.pool())
        .await
}

/// Revokes the user's token `id`; false when they have no such live token.
pub async fn revoke(db: &Db, user_id: &str, id: &str) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(crate::clock::now())
    .bind(id)
    .bind(user_id)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every live token of the user: their role changed or they were deactivated. (The
/// role check in [`authenticate`] already stops them; this keeps them stopped if the change is
/// undone.)
pub async fn revoke_all<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(user_id)
        .execute(executor)
        .await
        .map(drop)
}

/// The caller a valid token stands for.
#[derive(Debug, Clone)]
pub struct Bearer {
    pub user: User,
    pub token_id: String,
    pub token_name: String,
    pub scopes: Vec<Scope>,
    pub expires_at: i64,
}

impl Bearer {
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

#[derive(FromRow)]
struct BearerRow {
    token_id: String,
    token_name: String,
    scopes: String,
    token_role: String,
    expires_at: i64,
    revoked_at: Option<i64>,
    #[sqlx(flatten)]
    user: UserRow,
}

/// The caller for `secret`, or `None` for a token that is unknown, revoked, expired, or whose
/// user is deactivated or no longer has the role it was made with.
pub async fn authenticate(db: &Db, secret: &str) -> sqlx::Result<Option<Bearer>> {
    if !secret.starts_with(PREFIX) {
        return Ok(None);
    }
    let row: Option<BearerRow> = sqlx::query_as(
        "SELECT t.id AS token_id, t.name AS token_name, t.scopes, t.role AS token_role, \
           t.expires_at, t.revoked_at, \
           u.id, u.email, u.display_name, u.password_hash, u.role, \
           CAST(u.active AS INTEGER) AS active, u.totp_secret, u.created_at \
         FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
    )
    .bind(tokens::hash(secret))
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let user = User::from(row.user);
    let live = row.revoked_at.is_none()
        && row.expires_at > crate::clock::now()
        && user.active
        && user.role.as_str() == row.token_role;
    Ok(live.then(|| Bearer {
        scopes: parse_scopes(&row.scopes)
            .into_iter()
            .filter(|scope| user.role >= scope.role())
            .collect(),
        user,
        token_id: row.token_id,
        token_name: row.token_name,
        expires_at: row.expires_at,
    }))
}

/// Counts one request of the token in the current minute and records it as used. Returns the
/// count so far in this minute, and the seconds until the next minute starts.
pub async fn count_use(db: &Db, token_id: &str) -> sqlx::Result<(i64, i64)> {
    let now = crate::clock::now();
    let window = now - now.rem_euclid(60);
    // Every SET expression reads the row as it was, so the CASEs see the old window.
    let count: i64 = sqlx::query_scalar(
        "UPDATE api_tokens SET \
           window_count = CASE WHEN window_start = $1 THEN window_count + 1 ELSE 1 END, \
           window_start = $1, last_used_at = $2 \
         WHERE id = $3 RETURNING window_count",
    )
    .bind(window)
    .bind(now)
    .bind(token_id)
    .fetch_one(db.pool())
    .await?;
    Ok((count, window + 60 - now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_back_and_unknown_words_are_dropped() {
        assert_eq!(
            parse_scopes("read write bogus content"),
            vec![Scope::Read, Scope::Write, Scope::Content]
        );
        assert_eq!(Scope::Content.role(), Role::Editor);
    }
}
