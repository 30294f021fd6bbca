//! Login throttling, per account and per client address, with counters in the database so
//! every instance behind a load balancer shares them.

use super::{db, session::now};
use crate::db::Db;

/// Failures count for this long.
const WINDOW_SECONDS: i64 = 15 * 60;
/// A sixth attempt within the window is refused: slows guessing without locking out a
/// user who mistypes a few times.
const PER_ACCOUNT: i64 = 5;
/// Higher: many people can share an address (an office, a school, a mobile carrier).
const PER_ADDRESS: i64 = 30;

fn buckets(email: &str, address: &str) -> [(String, i64); 2] {
    [
        (
            format!("account:{}", email.trim().to_lowercase()),
            PER_ACCOUNT,
        ),
        (format!("address:{address}"), PER_ADDRESS),
    ]
}

/// `Some(minutes)` to wait when either bucket is full.
pub async fn check(db: &Db, email: &str, address: &str) -> sqlx::Result<Option<i64>> {
    let now = now();
    let mut wait = None;
    for (bucket, limit) in buckets(email, address) {
        let (count, oldest) = db::count_failures(db, &bucket, now - WINDOW_SECONDS).await?;
        if count >= limit {
            let free_at = oldest.unwrap_or(now) + WINDOW_SECONDS;
            let minutes = ((free_at - now) as f64 / 60.0).ceil().max(1.0) as i64;
            wait = wait.max(Some(minutes));
        }
    }
    Ok(wait)
}

pub async fn record_failure(db: &Db, email: &str, address: &str) -> sqlx::Result<()> {
    let now = now();
    for (bucket, _) in buckets(email, address) {
        db::insert_failure(db, &bucket, now).await?;
    }
    // Keep the table small; old rows no longer count anyway.
    db::delete_old_failures(db, now - WINDOW_SECONDS).await
}

/// A successful login clears the account's failures.
pub async fn record_success(db: &Db, email: &str) -> sqlx::Result<()> {
    db::delete_failures(db, &format!("account:{}", email.trim().to_lowercase())).await
}
