//! Login throttling, per account and per client address, with counters in the database so
//! every instance behind a load balancer shares them.
//!
//! An attempt claims its place before the password is checked, with one conditional upsert
//! per bucket (`db::claim_attempt`): the row lock makes it atomic, so of any number of
//! concurrent attempts on any number of instances exactly `limit` are evaluated in a window,
//! and the rest are refused. An attempt that passes, or is never evaluated (the server was
//! busy), gives its place back; a failed one keeps it.
//!
//! A full account bucket does not lock the owner out: the login page then offers a one-time
//! sign-in link by email (`link.rs`), which only the owner can use.

use super::{db, session::now};
use crate::db::Db;

/// A window lasts this long from its first counted attempt.
const WINDOW_SECONDS: i64 = 15 * 60;
/// A sixth attempt within the window is refused: slows guessing without locking out a
/// user who mistypes a few times.
const PER_ACCOUNT: i64 = 5;
/// Higher: many people can share an address (an office, a school, a mobile carrier).
const PER_ADDRESS: i64 = 30;
/// Sign-in link mails per account in a window: enough for the owner, too few to flood them.
const LINKS_PER_ACCOUNT: i64 = 3;

fn account_bucket(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

/// Which limit refused an attempt, and for how many minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub minutes: i64,
    /// The account's own limit (not the address's): its owner may ask for a sign-in link.
    pub account: bool,
}

/// A claimed place for one check; end it with [`Attempt::failed`] or [`Attempt::abandon`].
#[derive(Debug)]
#[must_use]
pub struct Attempt {
    buckets: Vec<String>,
}

/// Claims a password (or second-factor) check for `email` from `address`.
pub async fn begin(
    db: &Db,
    email: &str,
    address: &str,
) -> sqlx::Result<Result<Attempt, Throttled>> {
    let buckets = [
        (account_bucket(email), PER_ACCOUNT, true),
        (format!("address:{address}"), PER_ADDRESS, false),
    ];
    claim(db, &buckets).await
}

/// Claims one sign-in link mail for `email`.
pub async fn begin_link(db: &Db, email: &str) -> sqlx::Result<Result<Attempt, Throttled>> {
    let bucket = format!("link:{}", email.trim().to_lowercase());
    claim(db, &[(bucket, LINKS_PER_ACCOUNT, true)]).await
}

async fn claim(
    db: &Db,
    buckets: &[(String, i64, bool)],
) -> sqlx::Result<Result<Attempt, Throttled>> {
    let now = now();
    let mut attempt = Attempt {
        buckets: Vec::new(),
    };
    for (bucket, limit, account) in buckets {
        if db::claim_attempt(db, bucket, *limit, now, WINDOW_SECONDS).await? {
            attempt.buckets.push(bucket.clone());
            continue;
        }
        // Full: give back what this attempt claimed so far, and say how long to wait.
        attempt.abandon(db).await?;
        let started = db::get_window_start(db, bucket).await?.unwrap_or(now);
        let free_at = started + WINDOW_SECONDS;
        let minutes = ((free_at - now) as f64 / 60.0).ceil().max(1.0) as i64;
        return Ok(Err(Throttled {
            minutes,
            account: *account,
        }));
    }
    Ok(Ok(attempt))
}

impl Attempt {
    /// The check failed: its place stays taken until the window ends.
    pub async fn failed(self, db: &Db) -> sqlx::Result<()> {
        // Keep the table small; buckets whose window ended would restart anyway.
        db::delete_old_throttles(db, now() - WINDOW_SECONDS).await
    }

    /// The check passed, never ran (the server was busy) or was refused: give the place back.
    pub async fn abandon(self, db: &Db) -> sqlx::Result<()> {
        for bucket in &self.buckets {
            db::release_attempt(db, bucket).await?;
        }
        Ok(())
    }
}

/// A complete login (every factor, or a sign-in link): the account starts afresh.
pub async fn forgive(db: &Db, email: &str) -> sqlx::Result<()> {
    db::delete_throttle(db, &account_bucket(email)).await
}
