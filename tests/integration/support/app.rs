//! [`TestApp`]: the production router served on 127.0.0.1:0 with a fresh database.

use std::{
    net::SocketAddr,
    sync::{Arc, Once},
    time::Duration,
};

use groundwork::{app, config::Config, db::Db, state::AppState};
use sqlx::{Connection, Executor, PgConnection};
use tempfile::TempDir;

use super::{Page, TcpProxy};

pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    pub db: Db,
    /// Keeps cookies (in `cookies`), never follows redirects (tests assert them).
    pub client: reqwest::Client,
    pub cookies: Arc<reqwest::cookie::Jar>,
    pub data_dir: TempDir,
    /// The server's own state, so a test that changes the curriculum behind its back (plain
    /// SQL, a direct import) can make it look, as the background check would within 250 ms.
    pub state: AppState,
    // Dropped last: removes the PostgreSQL database after everything else let go of it.
    _postgres: Option<PostgresDatabase>,
}

impl TestApp {
    pub async fn sqlite() -> Self {
        Self::spawn(None, None, |_| {}).await
    }

    /// On SQLite, with settings changed by `configure`.
    pub async fn sqlite_with(configure: impl FnOnce(&mut Config)) -> Self {
        Self::spawn(None, None, configure).await
    }

    /// `None` only where `TEST_DATABASE_URL` is unset outside CI, with a notice on stderr.
    pub async fn postgres() -> Option<Self> {
        Self::postgres_with(|_| {}).await
    }

    /// On PostgreSQL, with settings changed by `configure`; `None` as for [`TestApp::postgres`].
    pub async fn postgres_with(configure: impl FnOnce(&mut Config)) -> Option<Self> {
        let admin_url = postgres_admin_url()?;
        let database = PostgresDatabase::create(admin_url).await;
        let url = database.url.clone();
        Some(Self::spawn(Some(url), Some(database), configure).await)
    }

    async fn spawn(
        database_url: Option<String>,
        postgres: Option<PostgresDatabase>,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        let data_dir = tempfile::tempdir().expect("a temporary data directory");
        let mut config = Config::for_data_dir(data_dir.path().to_owned());
        config.database_url = database_url;
        // Every response says how many statements it ran (tests/integration/spine.rs).
        config.server_timing = true;
        configure(&mut config);

        let db = Db::connect(&config.database_url())
            .await
            .expect("database connects");
        db.migrate().await.expect("migrations run");
        let (address, state) = serve(config, db.clone()).await;

        let cookies = Arc::new(reqwest::cookie::Jar::default());
        let client = client_with(cookies.clone());
        Self {
            address,
            db,
            client,
            cookies,
            data_dir,
            state,
            _postgres: postgres,
        }
    }

    /// On a fresh PostgreSQL database reached through a [`TcpProxy`], so the test can cut the
    /// database off. `None` as for [`TestApp::postgres`].
    pub async fn postgres_through_proxy() -> Option<(Self, TcpProxy)> {
        let admin_url = postgres_admin_url()?;
        let database = PostgresDatabase::create(admin_url).await;
        let (before, after) = split_authority(&database.url);
        let (user, target) = match before.rsplit_once('@') {
            Some((user, host)) => (format!("{user}@"), host.to_owned()),
            None => (String::new(), before.to_owned()),
        };
        let target = if target.contains(':') {
            target
        } else {
            format!("{target}:5432")
        };
        let proxy = TcpProxy::start(target).await;
        let url = format!("postgres://{user}{}{after}", proxy.address);
        let app = Self::spawn(Some(url), Some(database), |_| {}).await;
        Some((app, proxy))
    }

    /// A second instance of the app on the same database, with its own pool, port, data
    /// directory and cookies: what a load balancer's second backend is.
    pub async fn another_instance(&self) -> TestApp {
        self.another_instance_with(|_| {}).await
    }

    /// [`TestApp::another_instance`], with settings changed by `configure`.
    pub async fn another_instance_with(&self, configure: impl FnOnce(&mut Config)) -> TestApp {
        let data_dir = tempfile::tempdir().expect("a temporary data directory");
        let mut config = Config::for_data_dir(data_dir.path().to_owned());
        config.database_url = Some(self.db_url());
        configure(&mut config);
        let db = Db::connect(&config.database_url())
            .await
            .expect("database connects");
        let (address, state) = serve(config, db.clone()).await;
        let cookies = Arc::new(reqwest::cookie::Jar::default());
        TestApp {
            address,
            db,
            client: client_with(cookies.clone()),
            cookies,
            data_dir,
            state,
            _postgres: None,
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

    /// Imports the bundled curriculum, as a fresh server start does.
    pub async fn import_bundled(&self) -> groundwork::curriculum::ImportReport {
        let report = groundwork::curriculum::import_bundled_if_empty(&self.db)
            .await
            .expect("the bundled content imports")
            .expect("the database was empty");
        self.curriculum_changed().await;
        report
    }

    /// Imports the small, frozen curriculum of `tests/fixtures/curriculum` (see its README):
    /// what learner tests run on, so the bundled curriculum can grow without breaking them.
    pub async fn import_fixture(&self) -> groundwork::curriculum::ImportReport {
        self.import(&super::fixture()).await
    }

    /// Imports `curriculum` (a fixture) as `groundwork import` would, and serves it at once.
    pub async fn import(
        &self,
        curriculum: &groundwork::curriculum::files::Curriculum,
    ) -> groundwork::curriculum::ImportReport {
        let report = groundwork::curriculum::import(&self.db, curriculum)
            .await
            .expect("the curriculum imports");
        self.curriculum_changed().await;
        report
    }

    /// After a test changed curriculum tables itself: the server serves the change now, as
    /// its background check would within [`groundwork::curriculum::CHECK_EVERY`].
    pub async fn curriculum_changed(&self) {
        self.state
            .curriculum
            .refresh()
            .await
            .expect("the curriculum reloads");
    }

    /// The CSRF token of this client's session, read from a form page.
    pub async fn csrf_token(&self) -> String {
        let page = Page::from(self.get("/password-reset").await).await;
        page.attrs("input[name=csrf_token]", "value")
            .into_iter()
            .next()
            .expect("a CSRF field")
    }

    /// Posts a form as a browser would: with the session's CSRF token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf_token().await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        self.client
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn register(&self, email: &str, name: &str, password: &str) -> reqwest::Response {
        self.post_form(
            "/register",
            &[
                ("email", email),
                ("display_name", name),
                ("password", password),
            ],
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_form("/login", &[("email", email), ("password", password)])
            .await
    }

    pub async fn logout(&self) -> reqwest::Response {
        self.post_form("/logout", &[]).await
    }

    /// The session cookie's value, if the client has one.
    pub fn session_cookie(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let header = self.cookies.cookies(&self.address.parse().unwrap())?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|pair| pair.strip_prefix("groundwork="))
            .map(str::to_owned)
    }

    /// Another visitor of the same running app and database, with its own cookies. (Its
    /// database guard is not copied: the original keeps the database alive.)
    pub fn client_only(app: &TestApp) -> TestApp {
        let cookies = Arc::new(reqwest::cookie::Jar::default());
        TestApp {
            address: app.address.clone(),
            db: app.db.clone(),
            client: client_with(cookies.clone()),
            cookies,
            data_dir: tempfile::tempdir().unwrap(),
            state: app.state.clone(),
            _postgres: None,
        }
    }

    /// A visitor who reaches this app's database through another front door (a load
    /// balancer at `address`), with cookies of its own.
    pub fn visitor_at(&self, address: String) -> TestApp {
        TestApp {
            address,
            ..TestApp::client_only(self)
        }
    }

    /// A second browser: same app, no cookies.
    pub fn new_client(&self) -> reqwest::Client {
        client_with(Arc::new(reqwest::cookie::Jar::default()))
    }

    /// A client that presents `cookie` as its session cookie.
    pub fn client_with_session(&self, cookie: &str) -> reqwest::Client {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        jar.add_cookie_str(
            &format!("groundwork={cookie}; Path=/"),
            &self.address.parse().unwrap(),
        );
        client_with(jar)
    }

    /// Waits (up to 5 s) for the mails in the outbox to number `count`; returns them all, with
    /// quoted-printable soft line breaks undone so links read whole.
    pub async fn outbox(&self, count: usize) -> Vec<String> {
        let dir = self.data_dir.path().join("outbox");
        for _ in 0..100 {
            let mut mails: Vec<(std::path::PathBuf, String)> = std::fs::read_dir(&dir)
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .map(|entry| entry.path())
                        .filter(|path| path.extension().is_some_and(|e| e == "eml"))
                        .map(|path| {
                            let text = std::fs::read_to_string(&path).unwrap_or_default();
                            (path, text)
                        })
                        .collect()
                })
                .unwrap_or_default();
            if mails.len() >= count {
                mails.sort();
                return mails
                    .into_iter()
                    .map(|(_, text)| text.replace("=\r\n", "").replace("=3D", "="))
                    .collect();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {count} mail(s) in the outbox");
    }
}

/// Serves the production router for `config` on a free port; returns `http://127.0.0.1:<port>`.
async fn serve(mut config: Config, db: Db) -> (String, AppState) {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("a free port");
    // Absolute links (emails, the sign-in redirect URL) name the port actually bound; so does
    // a public URL given without a port (`http://localhost`, which passkeys need: WebAuthn
    // takes no IP address for the site).
    config.addr = listener.local_addr().unwrap();
    if let Some(url) = &config.public_url
        && url.matches(':').count() == 1
    {
        config.public_url = Some(format!("{url}:{}", config.addr.port()));
    }
    let address = format!("http://{}", listener.local_addr().unwrap());
    let limits = config.server_limits();
    let state = AppState::new(config, db).await.expect("valid settings");
    let router = app::router(state.clone());
    tokio::spawn(app::serve_until(
        listener,
        router,
        limits,
        std::future::pending(),
    ));
    (address, state)
}

/// `postgres://user@host:port/db?x` as (`user@host:port`, `/db?x`).
fn split_authority(url: &str) -> (&str, &str) {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split_at(rest.find('/').unwrap_or(rest.len()))
}

fn client_with(jar: Arc<reqwest::cookie::Jar>) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
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
    /// A fresh, empty database (no migrations) on the test server, or `None` when
    /// `TEST_DATABASE_URL` is not set outside CI.
    pub async fn scratch() -> Option<Self> {
        Some(Self::create(postgres_admin_url()?).await)
    }

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
