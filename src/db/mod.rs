//! The database: one connection pool for SQLite or PostgreSQL, chosen at run time by the URL.
//! All SQL lives under `src/db/` (or a feature's own `db.rs`); every value is bound, never
//! formatted into SQL text.
//!
//! Part of the foundation: it imports no page feature (tests/integration/architecture.rs).
//!
//! Portable-schema rules. The same query text runs on both backends through sqlx's `Any`
//! driver, which only carries null, bool, integers, floats, text and blobs (STACK.md section 5):
//! - ids are `TEXT` holding UUIDs made by the application (v7 for rows, v4 for content);
//! - timestamps are `BIGINT` unix seconds (UTC), converted in Rust with `time`;
//! - booleans are `BOOLEAN` columns, written with `.bind(bool)` and read as
//!   `CAST(col AS INTEGER)` into an `i64` (SQLite returns integers for booleans);
//! - no `SELECT *`, aggregates are cast (`CAST(SUM(x) AS BIGINT)`), no `now()`, no `ILIKE`;
//! - placeholders are `$1, $2, …`; `ON CONFLICT … DO UPDATE` and `RETURNING` work on both;
//! - DDL that differs lives in `migrations/sqlite` and `migrations/postgres`, kept in step:
//!   the same versions, the same tables and columns.

pub mod audit;
pub mod session_store;

use std::{cell::Cell, fmt, future::Future, time::Duration};

use anyhow::Context;
use sqlx::{AnyPool, Executor, any::AnyPoolOptions, migrate::Migrator};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres)
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite: or postgres:")
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        })
    }
}

/// How long a request waits for a connection (sqlx keeps retrying to connect meanwhile).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);

/// True when `error` means the database could not be reached (down, restarting, the network
/// cut, the pool exhausted), as opposed to a query the database refused.
pub fn is_unreachable(error: &sqlx::Error) -> bool {
    matches!(
        error,
        sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed
    )
}

tokio::task_local! {
    /// Statements run so far by the request being served (see [`counting_statements`]).
    static STATEMENTS: Cell<u32>;
}

/// Runs `work` and counts the statements it sends through [`Db::pool`]: every statement
/// outside a transaction is one, a whole transaction is one. Work spawned onto other tasks
/// (the visit writer, the curriculum check) is not counted.
pub async fn counting_statements<F: Future>(work: F) -> (F::Output, u32) {
    STATEMENTS
        .scope(Cell::new(0), async {
            let output = work.await;
            (output, STATEMENTS.with(Cell::get))
        })
        .await
}

/// The shared pool. Cloning is cheap: clones share the same connections.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

impl Db {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let options = AnyPoolOptions::new()
            .max_connections(match backend {
                // One writer at a time anyway; a few readers run beside it in WAL mode.
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            // Short, so an outage answers 503 in about a second instead of after a long wait;
            // a healthy pool hands out connections in microseconds.
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // sqlx would otherwise ping every connection it hands out: a round trip (to
            // PostgreSQL, or to SQLite's worker thread) before each statement. A connection
            // that died meanwhile fails its statement instead, is dropped, and that request
            // answers 503 (see `is_unreachable`); the next gets a fresh connection.
            .test_before_acquire(false);
        let options = match backend {
            Backend::Sqlite => options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL lets readers work while one connection writes; the busy timeout makes a
                    // second writer wait instead of failing with SQLITE_BUSY.
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
                    )
                    .await?;
                    Ok(())
                })
            }),
            Backend::Postgres => options,
        };
        let pool = options
            .connect(url)
            .await
            .with_context(|| format!("cannot connect to the {backend} database"))?;
        Ok(Self { pool, backend })
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .context("cannot run the database migrations")
    }

    /// The pool, for one statement or one transaction (counted, see [`counting_statements`]).
    /// Connections open, and how many of them are idle (counts no statement).
    pub fn pool_stats(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    pub fn pool(&self) -> &AnyPool {
        // Outside a counted request there is nothing to count.
        let _ = STATEMENTS.try_with(|count| count.set(count.get() + 1));
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A consistent copy of the whole SQLite database in a new file, safe while the server
    /// runs (`VACUUM INTO` reads one snapshot; writers carry on). PostgreSQL has its own tools.
    pub async fn backup(&self, target: &std::path::Path) -> anyhow::Result<()> {
        if self.backend == Backend::Postgres {
            anyhow::bail!(
                "groundwork backup copies SQLite databases; for PostgreSQL use pg_dump \
                 (or continuous archiving for point-in-time recovery), see the README"
            );
        }
        anyhow::ensure!(
            !target.exists(),
            "{} exists already; choose a new file",
            target.display()
        );
        let target = target
            .to_str()
            .context("the backup file name must be valid UTF-8")?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.pool)
            .await
            .with_context(|| format!("cannot write the backup to {target}"))?;
        Ok(())
    }

    /// A trivial round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(drop)
    }

    /// Closes every connection; later queries fail at once. Used at shutdown (and by tests).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A `LIKE … ESCAPE '\\'` pattern matching `query` anywhere, ignoring case (compare against
/// `LOWER(column)`): `%` and `_` a user types are searched for literally.
pub fn like_pattern(query: &str) -> String {
    let escaped = query
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Claims start-up work `name` for this instance unless another claimed it less than
/// `min_age` seconds ago. The row is locked until the caller's transaction ends, so of two
/// instances starting together exactly one gets `true`.
pub async fn claim_startup<'e>(
    executor: impl Executor<'e, Database = sqlx::Any>,
    name: &str,
    now: i64,
    min_age: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO startup_claims (name, claimed_at) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET claimed_at = excluded.claimed_at \
         WHERE startup_claims.claimed_at <= $3",
    )
    .bind(name)
    .bind(now)
    .bind(now - min_age)
    .execute(executor)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backend_is_chosen_by_the_url_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://data/x.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::from_url("mysql://u@h/db").is_err());
    }
}
