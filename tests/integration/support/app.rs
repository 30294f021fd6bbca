//! [`TestApp`]: the production router served on 127.0.0.1:0 with a fresh database.

use std::{net::SocketAddr, sync::Once};

use groundwork::{
    app::{self, AppState},
    config::Config,
    db::Db,
};
use sqlx::{Connection, Executor, PgConnection};
use tempfile::TempDir;

pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    pub db: Db,
    /// Keeps cookies, never follows redirects (tests assert them).
    pub client: reqwest::Client,
    pub data_dir: TempDir,
    // Dropped last: removes the PostgreSQL database after everything else let go of it.
    _postgres: Option<PostgresDatabase>,
}

impl TestApp {
    pub async fn sqlite() -> Self {
        Self::spawn(None, None).await
    }

    /// `None` only where `TEST_DATABASE_URL` is unset outside CI, with a notice on stderr.
    pub async fn postgres() -> Option<Self> {
        let admin_url = postgres_admin_url()?;
        let database = PostgresDatabase::create(admin_url).await;
        let url = database.url.clone();
        Some(Self::spawn(Some(url), Some(database)).await)
    }

    async fn spawn(database_url: Option<String>, postgres: Option<PostgresDatabase>) -> Self {
        let data_dir = tempfile::tempdir().expect("a temporary data directory");
        let mut config = Config::for_data_dir(data_dir.path().to_owned());
        config.database_url = database_url;

        let db = Db::connect(&config.database_url())
            .await
            .expect("database connects");
        db.migrate().await.expect("migrations run");
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("a free port");
        let address = format!("http://{}", listener.local_addr().unwrap());
        let router = app::router(AppState::new(config, db.clone()));
        tokio::spawn(app::serve_until(listener, router, std::future::pending()));

        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            address,
            db,
            client,
            data_dir,
            _postgres: postgres,
        }
    }

    /// The database URL this app runs on (PostgreSQL tests hand it to the real binary).
    pub fn db_url(&self) -> String {
        match &self._postgres {
            Some(database) => database.url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.path().join("groundwork.db").display()
            ),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }
}

/// The server named by `TEST_DATABASE_URL`, which must let us create databases.
fn postgres_admin_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("TEST_DATABASE_URL is not set: CI must run every test on PostgreSQL too")
        }
        _ => {
            static NOTICE: Once = Once::new();
            NOTICE.call_once(|| {
                eprintln!("NOTICE: TEST_DATABASE_URL is not set; PostgreSQL tests do not run");
            });
            None
        }
    }
}

/// A throw-away database on the test server, dropped (with its connections) when this is.
pub struct PostgresDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl PostgresDatabase {
    async fn create(admin_url: String) -> Self {
        let name = format!("groundwork_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|error| {
                panic!("cannot reach PostgreSQL at TEST_DATABASE_URL: {error}")
            });
        // Identifiers cannot be bound; the name is ours, made of hex digits.
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("CREATE DATABASE");
        admin.close().await.ok();
        let url = replace_database(&admin_url, &name);
        Self {
            admin_url,
            name,
            url,
        }
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop cannot await, and may run while a runtime is shutting down: use a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await?;
                admin
                    .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await?;
                admin.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop test database {}", self.name);
        }
    }
}

/// `postgres://u@h:5432/postgres?x=y` with the database name replaced.
fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| i + authority_start);
    format!("{}/{database}{query}", &base[..path_start])
}

#[test]
fn replacing_the_database_keeps_the_rest_of_the_url() {
    assert_eq!(
        replace_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
        "postgres://postgres@127.0.0.1:5432/t1"
    );
    assert_eq!(
        replace_database("postgres://u:p@h/db?sslmode=disable", "t2"),
        "postgres://u:p@h/t2?sslmode=disable"
    );
    assert_eq!(replace_database("postgres://h", "t3"), "postgres://h/t3");
}
