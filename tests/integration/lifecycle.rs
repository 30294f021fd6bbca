//! The process around the router: the real binary, start-up, graceful shutdown, panics.

use std::{path::Path, process::Stdio, time::Duration};

use axum::{Router, routing::get};
use groundwork::{app, config::Config};

use reqwest::StatusCode;
use tokio::{net::TcpListener, process::Command};

use crate::support::{Page, RunningBinary, TestApp};

#[tokio::test]
async fn the_binary_creates_its_sqlite_file_serves_the_home_page_and_exits_0_on_sigterm() {
    let data_dir = tempfile::tempdir().unwrap();
    let binary = RunningBinary::start(&data_dir.path().join("nested"), None).await;

    let response = reqwest::get(format!("{}/", binary.address)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        Page::from(response).await.text("h1"),
        "Learn how the backend really works."
    );
    assert!(
        data_dir.path().join("nested/groundwork.db").is_file(),
        "the SQLite file exists"
    );

    let status = binary.terminate().await;
    assert!(status.success(), "exit status {status}");
}

#[tokio::test]
async fn the_binary_serves_the_same_page_on_postgres() {
    let Some(database) = TestApp::postgres().await else {
        return;
    };
    let data_dir = tempfile::tempdir().unwrap();
    let url = database.db_url();
    let binary = RunningBinary::start(data_dir.path(), Some(&url)).await;

    let response = reqwest::get(format!("{}/", binary.address)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        Page::from(response).await.text("h1"),
        "Learn how the backend really works."
    );
    assert!(
        !data_dir.path().join("groundwork.db").exists(),
        "no SQLite file on PostgreSQL"
    );

    assert!(binary.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lesson_visit_made_just_before_sigterm_is_written() {
    let data_dir = tempfile::tempdir().unwrap();
    let binary = RunningBinary::start(data_dir.path(), None).await;
    let learner = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = Page::from(
        learner
            .get(format!("{}/register", binary.address))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let token = form.attrs("input[name=csrf_token]", "value").remove(0);
    let registered = learner
        .post(format!("{}/register", binary.address))
        .form(&[
            ("email", "ada@example.com"),
            ("display_name", "Ada"),
            ("password", crate::accounts::PASSWORD),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::SEE_OTHER);
    let lesson = "/paths/backend-foundations/databases-and-data-modeling/schema-design";

    let page = learner
        .get(format!("{}{lesson}", binary.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(binary.terminate().await.success());

    let db = groundwork::db::Db::connect(&format!(
        "sqlite://{}",
        data_dir.path().join("groundwork.db").display()
    ))
    .await
    .unwrap();
    let visits: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lesson_visits")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(
        visits, 1,
        "the visit noted in memory was written at shutdown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_serving_writes_a_file_that_opens_and_holds_every_row() {
    let data_dir = tempfile::tempdir().unwrap();
    let binary = RunningBinary::start(data_dir.path(), None).await;
    let visitor = reqwest::Client::new();
    let page = visitor
        .get(format!("{}/register", binary.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let target = data_dir.path().join("backup.db");

    let status = run_command(&["backup", target.to_str().unwrap()], data_dir.path()).await;

    assert!(status.success());
    let live = groundwork::db::Db::connect(&format!(
        "sqlite://{}",
        data_dir.path().join("groundwork.db").display()
    ))
    .await
    .unwrap();
    let copy = groundwork::db::Db::connect(&format!("sqlite://{}", target.display()))
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name NOT LIKE '%_fts%' ORDER BY name",
    )
    .fetch_all(live.pool())
    .await
    .unwrap();
    assert!(tables.len() > 20, "{tables:?}");
    let mut rows_in_copy = 0;
    for table in &tables {
        // Table names come from sqlite_master, not from input.
        let count = format!("SELECT COUNT(*) FROM {table}");
        let live_rows: i64 = sqlx::query_scalar(&count)
            .fetch_one(live.pool())
            .await
            .unwrap();
        let copied: i64 = sqlx::query_scalar(&count)
            .fetch_one(copy.pool())
            .await
            .unwrap();
        assert_eq!(copied, live_rows, "rows in {table}");
        rows_in_copy += copied;
    }
    assert!(
        rows_in_copy > 100,
        "the curriculum and the session are in the copy"
    );
    assert!(binary.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_a_low_open_file_limit_the_binary_stays_reachable_under_300_slow_clients() {
    let data_dir = tempfile::tempdir().unwrap();
    let binary = RunningBinary::start_with(
        data_dir.path(),
        None,
        &[("GROUNDWORK_HEADER_READ_TIMEOUT", "2")],
        Some(256),
    )
    .await;
    let address = binary.address.trim_start_matches("http://").to_owned();
    let mut slow = Vec::new();
    for _ in 0..300 {
        if let Ok(mut stream) = tokio::net::TcpStream::connect(&address).await {
            use tokio::io::AsyncWriteExt;
            let _ = stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await;
            slow.push(stream);
        }
    }

    // Over the cap (256 less what the process keeps for itself): a clear answer, at once.
    let during = tokio::time::timeout(
        Duration::from_secs(2),
        reqwest::get(format!("{}/healthz", binary.address)),
    )
    .await
    .expect("answered while 300 slow clients are connected")
    .unwrap();
    assert!(
        [StatusCode::OK, StatusCode::SERVICE_UNAVAILABLE].contains(&during.status()),
        "{}",
        during.status()
    );
    // Past the header deadline the slow ones are gone and everyone is served.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = reqwest::get(format!("{}/healthz", binary.address))
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::OK);
    drop(slow);
    assert!(binary.terminate().await.success());
}

#[tokio::test]
async fn migrate_runs_the_migrations_and_exits() {
    let data_dir = tempfile::tempdir().unwrap();

    let status = run_command(&["migrate"], data_dir.path()).await;

    assert!(status.success());
    assert!(data_dir.path().join("groundwork.db").is_file());
}

/// Runs `groundwork <args>` on the SQLite database in `data_dir` to its end.
async fn run_command(args: &[&str], data_dir: &Path) -> std::process::ExitStatus {
    Command::new(env!("CARGO_BIN_EXE_groundwork"))
        .args(args)
        .env_clear()
        .env("GROUNDWORK_DATA_DIR", data_dir)
        .stdout(Stdio::null())
        .status()
        .await
        .unwrap()
}

/// The production layers around the real routes plus one test route.
async fn serve_with_extra_route(
    extra: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> (String, tokio::task::JoinHandle<anyhow::Result<()>>, TestApp) {
    serve_configured_with_extra_route(extra, shutdown, |_| {}).await
}

async fn serve_configured_with_extra_route(
    extra: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    configure: impl FnOnce(&mut Config),
) -> (String, tokio::task::JoinHandle<anyhow::Result<()>>, TestApp) {
    let app = TestApp::sqlite().await;
    let mut config = Config::for_data_dir(app.data_dir.path().to_owned());
    configure(&mut config);
    let limits = config.server_limits();
    let state = groundwork::state::AppState::new(config, app.db.clone())
        .await
        .unwrap();
    let router = app::with_layers(extra.merge(app::routes(state.clone())), &state);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(app::serve_until(listener, router, limits, shutdown));
    (address, server, app)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_requests_in_flight_finish() {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let slow = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(600)).await;
            "finished"
        }),
    );
    let (address, server, _app) = serve_with_extra_route(slow, async {
        stopped.await.ok();
    })
    .await;

    let in_flight = tokio::spawn(reqwest::get(format!("{address}/slow")));
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(()).unwrap();

    let response = in_flight
        .await
        .unwrap()
        .expect("the request in flight is answered");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "finished");
    let result = tokio::time::timeout(Duration::from_secs(5), server).await;
    assert!(
        matches!(result, Ok(Ok(Ok(())))),
        "the server stops cleanly: {result:?}"
    );
    assert!(
        reqwest::get(format!("{address}/healthz")).await.is_err(),
        "no longer accepting"
    );
}

#[tokio::test]
async fn a_panicking_handler_gets_the_500_page_and_the_server_lives_on() {
    let boom = Router::new().route(
        "/boom",
        get(|| async {
            panic!("a bug");
            #[allow(unreachable_code)]
            ""
        }),
    );
    let (address, _server, _app) = serve_with_extra_route(boom, std::future::pending()).await;

    let response = reqwest::get(format!("{address}/boom")).await.unwrap();

    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = response.text().await.unwrap();
    assert!(
        !body.contains("a bug"),
        "the panic message stays in the log"
    );
    let page = Page::parse(&body);
    assert_eq!(page.text("h1"), "Something went wrong");
    assert_eq!(
        page.text("main code"),
        request_id,
        "the page gives the reference"
    );
    let after = reqwest::get(format!("{address}/healthz")).await.unwrap();
    assert_eq!(after.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_request_slower_than_the_timeout_gets_a_408_page() {
    let slow = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "too late"
        }),
    );
    let (address, _server, _app) =
        serve_configured_with_extra_route(slow, std::future::pending(), |config| {
            config.request_timeout_secs = 1;
        })
        .await;

    let response = reqwest::get(format!("{address}/slow")).await.unwrap();

    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    assert_eq!(
        Page::from(response).await.text("h1"),
        "Request took too long"
    );
}

#[tokio::test]
async fn a_body_over_the_limit_gets_a_413_page() {
    let app = TestApp::sqlite_with(|config| config.max_body_bytes = 1024).await;
    let token = app.csrf_token().await;
    let big = "x".repeat(4096);

    let response = app
        .client
        .post(app.url("/login"))
        .form(&[("csrf_token", token.as_str()), ("email", big.as_str())])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(Page::from(response).await.text("h1"), "Too large");
}

#[tokio::test]
async fn pages_are_compressed_for_clients_that_accept_gzip() {
    let app = TestApp::sqlite().await;

    let response = app
        .client
        .get(app.url("/"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-encoding"], "gzip");
}
