//! Lesson visits ("continue where you left off"), recorded without holding up the lesson page:
//! a view only notes the visit in memory, and the notes are written in one transaction a
//! second later, before any page of that learner reads visits, and at shutdown. A GET of a
//! lesson therefore writes nothing itself.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, Weak},
    time::Duration,
};

use crate::db::Db;

/// How long a visit may wait in memory before it is written.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Visits not yet written, newest time per (learner, lesson).
type Pending = HashMap<(String, String), i64>;

#[derive(Debug, Clone)]
pub struct Visits {
    db: Db,
    pending: Arc<Mutex<Pending>>,
}

impl Visits {
    /// Starts the writer task, which ends when the last clone of this is dropped.
    pub fn new(db: Db) -> Self {
        let visits = Self {
            db,
            pending: Arc::new(Mutex::new(HashMap::new())),
        };
        let weak = Arc::downgrade(&visits.pending);
        let db = visits.db.clone();
        tokio::spawn(write_every_second(db, weak));
        visits
    }

    /// Notes that `user_id` opened `lesson_id` at `at_ms` (unix milliseconds).
    pub fn record(&self, user_id: &str, lesson_id: &str, at_ms: i64) {
        let mut pending = lock(&self.pending);
        let time = pending
            .entry((user_id.to_owned(), lesson_id.to_owned()))
            .or_insert(at_ms);
        *time = (*time).max(at_ms);
    }

    /// What `user_id` opened that is not written yet: (lesson id, unix milliseconds).
    pub fn pending_of(&self, user_id: &str) -> Vec<(String, i64)> {
        lock(&self.pending)
            .iter()
            .filter(|((user, _), _)| user == user_id)
            .map(|((_, lesson), at)| (lesson.clone(), *at))
            .collect()
    }

    /// Writes what `user_id` has pending, so a page about to read their visits sees them all.
    pub async fn flush_for(&self, user_id: &str) -> sqlx::Result<()> {
        let waiting = lock(&self.pending).keys().any(|(user, _)| user == user_id);
        if waiting { self.flush().await } else { Ok(()) }
    }

    /// Writes every pending visit in one transaction; on failure they stay pending.
    pub async fn flush(&self) -> sqlx::Result<()> {
        flush(&self.db, &self.pending).await
    }
}

fn lock(pending: &Mutex<Pending>) -> std::sync::MutexGuard<'_, Pending> {
    // A panic while holding the lock leaves a plain map behind: still usable.
    pending
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn flush(db: &Db, pending: &Mutex<Pending>) -> sqlx::Result<()> {
    let batch = std::mem::take(&mut *lock(pending));
    if batch.is_empty() {
        return Ok(());
    }
    let written = async {
        let mut tx = db.pool().begin().await?;
        for ((user_id, lesson_id), at) in &batch {
            super::db::upsert_visit(&mut *tx, user_id, lesson_id, *at).await?;
        }
        tx.commit().await
    }
    .await;
    if written.is_err() {
        // Put them back under any newer visits noted meanwhile, for the next try.
        let mut pending = lock(pending);
        for (key, at) in batch {
            let time = pending.entry(key).or_insert(at);
            *time = (*time).max(at);
        }
    }
    written
}

async fn write_every_second(db: Db, pending: Weak<Mutex<Pending>>) {
    let mut every = tokio::time::interval(FLUSH_EVERY);
    loop {
        every.tick().await;
        let Some(pending) = pending.upgrade() else {
            return;
        };
        if let Err(error) = flush(&db, &pending).await {
            tracing::warn!(%error, "cannot write lesson visits yet; will retry");
        }
    }
}
