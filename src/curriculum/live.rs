//! The published tree this instance serves, kept current across instances.
//!
//! Every change to a curriculum table bumps `curriculum_version` (database triggers, so no
//! writer can forget). An instance swaps in a new [`Snapshot`] when it sees a newer version:
//! right after each unsafe request it served (so an editor's redirect shows their change) and
//! every [`CHECK_EVERY`] in the background (so a change made on another instance, or by
//! `groundwork import`, shows within a second). Readers never wait for a reload.

use std::{
    sync::{Arc, RwLock, Weak},
    time::Duration,
};

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};

use super::published::{self, Snapshot};
use crate::db::{Backend, Db};

/// How often each instance looks for a newer version: one primary-key read.
pub const CHECK_EVERY: Duration = Duration::from_millis(250);

#[derive(Debug, Clone)]
pub struct Live {
    db: Db,
    current: Arc<RwLock<Arc<Snapshot>>>,
    /// One reload at a time; a second caller waits and then finds the version current.
    reloading: Arc<tokio::sync::Mutex<()>>,
}

impl Live {
    /// Reads the published tree and starts the background check, which ends when the last
    /// clone of this is dropped.
    pub async fn load(db: Db) -> sqlx::Result<Self> {
        let curriculum = Self {
            current: Arc::new(RwLock::new(Arc::new(read(&db).await?))),
            reloading: Arc::new(tokio::sync::Mutex::new(())),
            db,
        };
        tokio::spawn(check_every(
            curriculum.db.clone(),
            Arc::downgrade(&curriculum.current),
            curriculum.reloading.clone(),
        ));
        Ok(curriculum)
    }

    /// The tree as of now; it never changes under the caller.
    pub fn now(&self) -> Arc<Snapshot> {
        snapshot(&self.current)
    }

    /// Reloads when the database holds a newer version than this instance serves.
    pub async fn refresh(&self) -> sqlx::Result<()> {
        refresh(&self.db, &self.current, &self.reloading).await
    }
}

fn snapshot(current: &RwLock<Arc<Snapshot>>) -> Arc<Snapshot> {
    // A panic while swapping leaves the previous Arc in place: still a whole tree.
    current
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

async fn refresh(
    db: &Db,
    current: &RwLock<Arc<Snapshot>>,
    reloading: &tokio::sync::Mutex<()>,
) -> sqlx::Result<()> {
    let latest = version(db).await?;
    if latest <= snapshot(current).version {
        return Ok(());
    }
    let _one_at_a_time = reloading.lock().await;
    // Whoever held the lock before may have loaded this version (or a newer one) already.
    if latest <= snapshot(current).version {
        return Ok(());
    }
    let fresh = read(db).await?;
    let mut slot = current
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if fresh.version > slot.version {
        *slot = Arc::new(fresh);
    }
    Ok(())
}

async fn version(db: &Db) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT version FROM curriculum_version WHERE id = 1")
        .fetch_one(db.pool())
        .await
}

/// The tree in one consistent read, so the version matches what was read with it.
async fn read(db: &Db) -> sqlx::Result<Snapshot> {
    let mut tx = db.pool().begin().await?;
    if db.backend() == Backend::Postgres {
        // SQLite's read transaction is a snapshot already; PostgreSQL's default is per statement.
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
    }
    let snapshot = published::load(&mut tx).await?;
    tx.commit().await?;
    Ok(snapshot)
}

async fn check_every(
    db: Db,
    current: Weak<RwLock<Arc<Snapshot>>>,
    reloading: Arc<tokio::sync::Mutex<()>>,
) {
    let mut every = tokio::time::interval(CHECK_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        every.tick().await;
        let Some(current) = current.upgrade() else {
            return;
        };
        match refresh(&db, &current, &reloading).await {
            Ok(()) => failing = false,
            // Said once per outage, not four times a second.
            Err(error) if !failing => {
                failing = true;
                tracing::warn!(%error, "cannot check the curriculum version; will retry");
            }
            Err(_) => {}
        }
    }
}

/// After an unsafe request (an editor's save, an import), picks up the change it made before
/// the response leaves, so the page it redirects to shows it. GETs pay nothing.
pub async fn refresh_after_changes(
    State(curriculum): State<Live>,
    request: Request,
    next: Next,
) -> Response {
    let unsafe_method = !request.method().is_safe();
    let response = next.run(request).await;
    if unsafe_method && let Err(error) = curriculum.refresh().await {
        tracing::warn!(%error, "cannot reload the curriculum; the background check will retry");
    }
    response
}
