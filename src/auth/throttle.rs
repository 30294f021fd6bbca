//! Login throttling, per account and per client address, with counters in the database so
//! every instance behind a load balancer shares them.
//!
//! An attempt claims its place before the password is checked: it writes its row, then
//! counts. Of any number of concurrent attempts, the k-th row to be written sees at least k
//! rows, so at most `limit` are ever evaluated in a window, on one instance or many. A refused
//! or abandoned attempt takes its row back; a failed one leaves it to count.
//!
//! A full account bucket does not lock the owner out: the login page then offers a one-time
//! sign-in link by email (`link.rs`), which only the owner can use.

use super::{db, session::now};
use crate::db::Db;

/// Failures count for this long.
const WINDOW_SECONDS: i64 = 15 * 60;
/// A sixth attempt within the window is refused: slows guessing without locking out a
/// user who mistypes a few times.
const PER_ACCOUNT: i64 = 5;
/// Higher: many people can share an address (an office, a school, a mobile carrier).
const PER_ADDRESS: i64 = 30;
/// Sign-in link mails per account in the window: enough for the owner, too few to flood them.
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
    id: String,
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
    let attempt = Attempt {
        id: uuid::Uuid::now_v7().to_string(),
    };
    for (bucket, _, _) in buckets {
        db::insert_failure(db, bucket, now, &attempt.id).await?;
    }
    let mut refused: Option<Throttled> = None;
    for (bucket, limit, account) in buckets {
        // The count includes this attempt's own row.
        let (count, oldest) = db::count_failures(db, bucket, now - WINDOW_SECONDS).await?;
        if count > *limit {
            let free_at = oldest.unwrap_or(now) + WINDOW_SECONDS;
            let minutes = ((free_at - now) as f64 / 60.0).ceil().max(1.0) as i64;
            let earlier = refused.unwrap_or(Throttled {
                minutes: 0,
                account: false,
            });
            refused = Some(Throttled {
                minutes: earlier.minutes.max(minutes),
                account: earlier.account || *account,
            });
        }
    }
    match refused {
        Some(throttled) => {
            attempt.abandon(db).await?;
            Ok(Err(throttled))
        }
        None => Ok(Ok(attempt)),
    }
}

impl Attempt {
    /// The check failed: its rows stay and count against both buckets.
    pub async fn failed(self, db: &Db) -> sqlx::Result<()> {
        // Keep the table small; old rows no longer count anyway.
        db::delete_old_failures(db, now() - WINDOW_SECONDS).await
    }

    /// The check passed, never ran (the server was busy) or was refused: take the place back.
    pub async fn abandon(self, db: &Db) -> sqlx::Result<()> {
        db::delete_attempt(db, &self.id).await
    }
}

/// A complete login (every factor, or a sign-in link): the account's failures are forgiven.
pub async fn forgive(db: &Db, email: &str) -> sqlx::Result<()> {
    db::delete_failures(db, &account_bucket(email)).await
}
