//! `Idempotency-Key` on the POSTs that create something. The key is claimed before the work
//! runs (one insert that the primary key makes atomic across instances), so two concurrent
//! requests with one key never both create: the second is told the first is in progress. The
//! first answer is kept; a retry with the same key and request gets it again
//! (`Idempotent-Replayed: true`), the same key with another request is refused with 422. A
//! request that fails gives its key back, so it can be retried.

use std::future::Future;

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use sqlx::FromRow;

use super::problem::Problem;
use crate::{auth::tokens, db::Db};

/// Keys are kept this long; an older one may be used again for a new request.
const KEEP_SECONDS: i64 = 24 * 60 * 60;

/// What a creating request answered, as it is kept.
pub struct Created {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl IntoResponse for Created {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            self.body,
        )
            .into_response();
        if let Some(location) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            response.headers_mut().insert(header::LOCATION, location);
        }
        response
    }
}

/// The `Idempotency-Key` header: 1 to 255 visible ASCII characters other than `"` (the IETF
/// draft's quoted form, `"…"`, is taken off first).
pub fn key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(|text| {
            let text = text.trim();
            text.strip_prefix('"')
                .and_then(|inner| inner.strip_suffix('"'))
                .unwrap_or(text)
        })
        .filter(|key| {
            (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic() && b != b'"')
        })
        .ok_or_else(|| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "The Idempotency-Key header must hold 1 to 255 visible characters, such as a UUID.",
            )
        })?;
    Ok(Some(key.to_owned()))
}

#[derive(FromRow)]
struct Kept {
    request_hash: String,
    status: i64,
    location: Option<String>,
    response_body: String,
}

/// Runs `create` once per key: see the module's comment. Without a key it just runs.
pub async fn once<F, Fut>(
    db: &Db,
    user_id: &str,
    key: Option<String>,
    request: &[&[u8]],
    create: F,
) -> Result<Response, Problem>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Created, Problem>>,
{
    let Some(key) = key else {
        return Ok(create().await?.into_response());
    };
    let mut hasher = Sha256::new();
    for part in request {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    let hash = tokens::hex(&hasher.finalize());
    let now = crate::clock::now();
    // A key older than a day is forgotten, so it may start afresh.
    sqlx::query(
        "DELETE FROM api_idempotency_keys WHERE user_id = $1 AND idempotency_key = $2 AND created_at < $3",
    )
    .bind(user_id)
    .bind(&key)
    .bind(now - KEEP_SECONDS)
    .execute(db.pool())
    .await?;
    // Status 0 marks a claim whose request is still running.
    let claimed = sqlx::query(
        "INSERT INTO api_idempotency_keys \
           (user_id, idempotency_key, request_hash, status, location, response_body, created_at) \
         VALUES ($1, $2, $3, 0, NULL, '', $4) ON CONFLICT (user_id, idempotency_key) DO NOTHING",
    )
    .bind(user_id)
    .bind(&key)
    .bind(&hash)
    .bind(now)
    .execute(db.pool())
    .await?
    .rows_affected()
        == 1;
    if !claimed {
        let kept: Option<Kept> = sqlx::query_as(
            "SELECT request_hash, status, location, response_body FROM api_idempotency_keys \
             WHERE user_id = $1 AND idempotency_key = $2",
        )
        .bind(user_id)
        .bind(&key)
        .fetch_optional(db.pool())
        .await?;
        let Some(kept) = kept else {
            // The other request failed and gave the key back just now: the client may retry.
            return Err(in_progress());
        };
        if kept.request_hash != hash {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "This Idempotency-Key was first used with a different request; nothing was done.",
            )
            .typed("idempotency-key-reused"));
        }
        if kept.status == 0 {
            return Err(in_progress());
        }
        let mut response = Created {
            status: StatusCode::from_u16(kept.status as u16).unwrap_or(StatusCode::OK),
            location: kept.location,
            body: kept.response_body,
        }
        .into_response();
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
        return Ok(response);
    }
    match create().await {
        Ok(created) => {
            sqlx::query(
                "UPDATE api_idempotency_keys SET status = $1, location = $2, response_body = $3 \
                 WHERE user_id = $4 AND idempotency_key = $5",
            )
            .bind(i64::from(created.status.as_u16()))
            .bind(&created.location)
            .bind(&created.body)
            .bind(user_id)
            .bind(&key)
            .execute(db.pool())
            .await?;
            Ok(created.into_response())
        }
        Err(problem) => {
            sqlx::query(
                "DELETE FROM api_idempotency_keys WHERE user_id = $1 AND idempotency_key = $2",
            )
            .bind(user_id)
            .bind(&key)
            .execute(db.pool())
            .await?;
            Err(problem)
        }
    }
}

fn in_progress() -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "A request with this Idempotency-Key is still in progress; retry when it has finished.",
    )
    .typed("idempotency-key-in-use")
    .header(header::RETRY_AFTER, "1")
}
