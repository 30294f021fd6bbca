//! Bounded pools for expensive blocking work (password hashing, lab runs). A request that
//! would make the server spend more memory or CPU than the pool allows is refused at once with
//! [`Busy`] (503 + `Retry-After`), never queued without bound: 128 logins at once must not mean
//! 128 argon2 hashes of 19 MiB each.

use std::{sync::Arc, time::Duration};

use tokio::sync::Semaphore;

/// A pool of `threads` blocking workers with room for `queue` more jobs waiting their turn.
#[derive(Debug, Clone)]
pub struct Workers {
    name: &'static str,
    /// Jobs running or waiting: the admission limit, tried without waiting.
    admitted: Arc<Semaphore>,
    /// Jobs running.
    running: Arc<Semaphore>,
    threads: usize,
    /// The longest an admitted job waits for a worker before it is told to come back.
    max_wait: Duration,
}

/// The pool is full: the caller answers 503 with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the {pool} pool is full")]
pub struct Busy {
    pub pool: &'static str,
}

impl Workers {
    pub fn new(name: &'static str, threads: usize, queue: usize, max_wait: Duration) -> Self {
        let threads = threads.max(1);
        Self {
            name,
            admitted: Arc::new(Semaphore::new(threads + queue)),
            running: Arc::new(Semaphore::new(threads)),
            threads,
            max_wait,
        }
    }

    /// One worker per core, and a short queue of twice that.
    pub fn per_core(name: &'static str, max_wait: Duration) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::new(name, cores, 2 * cores, max_wait)
    }

    /// Runs `work` on a blocking thread once a worker is free, or refuses at once when the
    /// queue is full (or after `max_wait` in it).
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let busy = Busy { pool: self.name };
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| busy)?;
        let running = tokio::time::timeout(self.max_wait, self.running.clone().acquire_owned())
            .await
            .map_err(|_| busy)?
            .map_err(|_| busy)?;
        let done = tokio::task::spawn_blocking(move || {
            let _permits = (admitted, running);
            work()
        })
        .await;
        // `work` panicked: resume the panic where the caller can catch it (CatchPanicLayer).
        Ok(done.unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic())))
    }

    /// Jobs running now, for tests and metrics.
    pub fn in_use(&self) -> usize {
        self.threads - self.running.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    #[tokio::test]
    async fn a_full_pool_refuses_at_once_and_frees_its_place_afterwards() {
        let workers = Workers::new("test", 1, 1, Duration::from_secs(5));
        let (release, wait) = mpsc::channel::<()>();
        let running = tokio::spawn({
            let workers = workers.clone();
            async move { workers.run(move || wait.recv().is_ok()).await }
        });
        while workers.in_use() == 0 {
            tokio::task::yield_now().await;
        }
        let queued = tokio::spawn({
            let workers = workers.clone();
            async move { workers.run(|| 2).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;

        let refused = workers.run(|| 3).await;

        assert_eq!(refused, Err(Busy { pool: "test" }));
        release.send(()).unwrap();
        assert_eq!(running.await.unwrap(), Ok(true));
        assert_eq!(queued.await.unwrap(), Ok(2));
        assert_eq!(workers.run(|| 4).await, Ok(4));
    }

    #[tokio::test]
    async fn a_job_that_waits_too_long_for_a_worker_is_refused() {
        let workers = Workers::new("test", 1, 4, Duration::from_millis(50));
        let (release, wait) = mpsc::channel::<()>();
        let running = tokio::spawn({
            let workers = workers.clone();
            async move { workers.run(move || wait.recv().is_ok()).await }
        });
        while workers.in_use() == 0 {
            tokio::task::yield_now().await;
        }

        assert_eq!(workers.run(|| 1).await, Err(Busy { pool: "test" }));

        release.send(()).unwrap();
        assert_eq!(running.await.unwrap(), Ok(true));
    }
}
