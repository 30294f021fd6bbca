//! Bounded pools for expensive blocking work (password hashing, lab runs). A request that
//! would make the server spend more memory or CPU than the pool allows is refused at once with
//! [`Busy`] (503 + `Retry-After`), never queued without bound: 128 logins at once must not mean
//! 128 argon2 hashes of 19 MiB each.
//!
//! Each pool has threads of its own rather than borrowing tokio's blocking threads: the
//! allocator keeps a freed 19 MiB argon2 buffer in the arena of the thread that used it, so
//! work spread over dozens of blocking threads ratchets memory up; a fixed set of threads keeps
//! it at one buffer a thread.

use std::{
    panic::{AssertUnwindSafe, catch_unwind},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
        mpsc,
    },
    time::Duration,
};

use tokio::sync::{Semaphore, oneshot};

type Job = Box<dyn FnOnce() + Send>;

/// A pool of `threads` workers with room for `queue` more jobs waiting their turn.
#[derive(Debug, Clone)]
pub struct Workers {
    name: &'static str,
    /// Jobs running or waiting: the admission limit, tried without waiting.
    admitted: Arc<Semaphore>,
    /// Threads plus queue places.
    capacity: usize,
    threads: usize,
    jobs: mpsc::Sender<Job>,
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
    /// Starts `threads` worker threads; they end when the last clone of the pool is dropped.
    pub fn new(name: &'static str, threads: usize, queue: usize, max_wait: Duration) -> Self {
        let threads = threads.max(1);
        let (jobs, inbox) = mpsc::channel::<Job>();
        let inbox = Arc::new(Mutex::new(inbox));
        for i in 0..threads {
            let inbox = inbox.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while waiting for the next job.
                        let job = match inbox.lock() {
                            Ok(inbox) => inbox.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                })
                .expect("a worker thread starts");
        }
        Self {
            name,
            admitted: Arc::new(Semaphore::new(threads + queue)),
            capacity: threads + queue,
            threads,
            jobs,
            max_wait,
        }
    }

    /// One worker per core, and a short queue of twice that.
    pub fn per_core(name: &'static str, max_wait: Duration) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::new(name, cores, 2 * cores, max_wait)
    }

    /// Runs `work` on a worker once one is free, or refuses at once when the queue is full (or
    /// when the job waited `max_wait` without starting).
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
        let (done, mut result) = oneshot::channel();
        // Whoever flips it first decides: the worker starts the job, or the caller gives up.
        let claimed = Arc::new(AtomicBool::new(false));
        let taken = claimed.clone();
        let job: Job = Box::new(move || {
            if taken.swap(true, Ordering::SeqCst) {
                return; // the caller has given up and answered 503
            }
            // A panic in `work` is sent back to the caller, and the thread lives on.
            let outcome = catch_unwind(AssertUnwindSafe(work));
            // The place is free before the caller hears back, so its next job fits.
            drop(admitted);
            let _ = done.send(outcome);
        });
        self.jobs.send(job).map_err(|_| busy)?;
        let outcome = match tokio::time::timeout(self.max_wait, &mut result).await {
            Ok(outcome) => outcome,
            Err(_) if claimed.swap(true, Ordering::SeqCst) => result.await, // started: finish
            Err(_) => return Err(busy),
        };
        match outcome {
            Ok(Ok(value)) => Ok(value),
            // Resume the panic where the caller can catch it (CatchPanicLayer).
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => Err(busy),
        }
    }

    /// Jobs admitted now (running or waiting), for tests and metrics.
    pub fn in_use(&self) -> usize {
        self.capacity - self.admitted.available_permits()
    }

    /// Jobs running now, and jobs admitted but waiting for a worker.
    pub fn load(&self) -> (usize, usize) {
        let admitted = self.in_use();
        let running = admitted.min(self.threads);
        (running, admitted - running)
    }

    pub fn name(&self) -> &'static str {
        self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Starts a job that holds a worker until the returned sender sends.
    async fn occupy(
        workers: &Workers,
    ) -> (
        mpsc::Sender<()>,
        tokio::task::JoinHandle<Result<bool, Busy>>,
    ) {
        let (release, wait) = mpsc::channel::<()>();
        let running = tokio::spawn({
            let workers = workers.clone();
            async move { workers.run(move || wait.recv().is_ok()).await }
        });
        while workers.in_use() == 0 {
            tokio::task::yield_now().await;
        }
        (release, running)
    }

    #[tokio::test]
    async fn a_full_pool_refuses_at_once_and_frees_its_place_afterwards() {
        let workers = Workers::new("test", 1, 1, Duration::from_secs(5));
        let (release, running) = occupy(&workers).await;
        let queued = tokio::spawn({
            let workers = workers.clone();
            async move { workers.run(|| 2).await }
        });
        while workers.in_use() < 2 {
            tokio::task::yield_now().await;
        }

        let refused = workers.run(|| 3).await;

        assert_eq!(refused, Err(Busy { pool: "test" }));
        release.send(()).unwrap();
        assert_eq!(running.await.unwrap(), Ok(true));
        assert_eq!(queued.await.unwrap(), Ok(2));
        assert_eq!(workers.run(|| 4).await, Ok(4));
        assert_eq!(workers.in_use(), 0);
    }

    #[tokio::test]
    async fn a_job_that_waits_too_long_for_a_worker_is_refused_and_never_runs() {
        let workers = Workers::new("test", 1, 4, Duration::from_millis(50));
        let (release, running) = occupy(&workers).await;
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();

        let late = workers
            .run(move || flag.store(true, Ordering::SeqCst))
            .await;

        assert_eq!(late, Err(Busy { pool: "test" }));
        release.send(()).unwrap();
        assert_eq!(running.await.unwrap(), Ok(true));
        assert_eq!(workers.run(|| 5).await, Ok(5));
        assert!(
            !ran.load(Ordering::SeqCst),
            "a refused job does not run later"
        );
    }

    #[tokio::test]
    async fn a_panicking_job_reaches_the_caller_and_the_worker_lives_on() {
        let workers = Workers::new("test", 1, 0, Duration::from_secs(5));
        let caller = tokio::spawn({
            let workers = workers.clone();
            async move { workers.run(|| panic!("a bug")).await }
        });

        assert!(caller.await.unwrap_err().is_panic());
        assert_eq!(workers.run(|| 6).await, Ok(6));
    }
}
