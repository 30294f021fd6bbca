//! The connection loop under hostile clients: slow headers, trickling bodies, too many
//! connections, and a shutdown that a slow client cannot hold up.

use std::time::{Duration, Instant};

use axum::{Router, routing::get};
use groundwork::{app, config::Config};
use reqwest::StatusCode;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use crate::support::{TestApp, slow_header_client};

fn host_port(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_header_connections_are_closed_at_the_deadline_while_normal_requests_are_served() {
    let app = TestApp::sqlite_with(|config| config.header_read_timeout_secs = 2).await;
    let address = host_port(&app);
    let started = Instant::now();
    let slow: Vec<_> = (0..200)
        .map(|_| tokio::spawn(slow_header_client(address.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut latencies = Vec::new();
    for _ in 0..200 {
        let sent = Instant::now();
        let response = app.get("/healthz").await;
        latencies.push(sent.elapsed());
        assert_eq!(response.status(), StatusCode::OK);
    }

    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100 - 1];
    assert!(
        p99 < Duration::from_millis(100),
        "p99 {p99:?} with 200 slow clients"
    );
    for client in slow {
        let closed_at = tokio::time::timeout(Duration::from_secs(10), client)
            .await
            .expect("the server closes every slow connection")
            .unwrap();
        let after = closed_at - started;
        assert!(
            after >= Duration::from_millis(1500) && after < Duration::from_secs(4),
            "closed after {after:?}, the deadline is 2 s"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_trickles_in_gets_408_after_the_request_timeout() {
    let app = TestApp::sqlite_with(|config| config.request_timeout_secs = 2).await;
    let token = app.csrf_token().await;
    let cookie = app.session_cookie().unwrap();
    let mut stream = TcpStream::connect(host_port(&app)).await.unwrap();
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: x\r\nCookie: groundwork={cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n\
         csrf_token={token}&email="
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();

    let trickle = async {
        loop {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if stream.write_all(b"a").await.is_err() {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_millis(2600), trickle).await;
    let mut answer = vec![0u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(3), stream.read(&mut answer))
        .await
        .expect("answered")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);

    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(4), "answered after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_get_a_clear_503() {
    let app = TestApp::sqlite_with(|config| config.max_connections = 3).await;
    let address = host_port(&app);
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(&address).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;

    let mut extra = TcpStream::connect(&address).await.unwrap();
    extra
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(2), extra.read_to_string(&mut answer))
        .await
        .expect("answered at once")
        .unwrap();

    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("Retry-After: 1"));
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        app.get("/healthz").await.status(),
        StatusCode::OK,
        "room again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_slow_clients_after_the_grace_period_and_finishes_normal_requests() {
    let test_app = TestApp::sqlite().await;
    let mut config = Config::for_data_dir(test_app.data_dir.path().to_owned());
    config.shutdown_grace_secs = 1;
    let limits = config.server_limits();
    let state = groundwork::state::AppState::new(config, test_app.db.clone())
        .await
        .unwrap();
    let work = Router::new()
        .route(
            "/work",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(400)).await;
                "done"
            }),
        )
        .route("/echo", get(|body: String| async move { body }));
    let router = app::with_layers(work.merge(app::routes(state.clone())), &state);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app::serve_until(listener, router, limits, async {
        stopped.await.ok();
    }));
    // A client whose body never finishes: it holds a request open for as long as it likes.
    let mut slow = TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nx")
        .await
        .unwrap();
    let normal = tokio::spawn(reqwest::get(format!("http://{address}/work")));
    tokio::time::sleep(Duration::from_millis(100)).await;

    let asked = Instant::now();
    stop.send(()).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(3), server).await;
    let took = asked.elapsed();

    assert!(matches!(result, Ok(Ok(Ok(())))), "stopped: {result:?}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(2000),
        "stopped after {took:?} with a 1 s grace period"
    );
    let normal = normal
        .await
        .unwrap()
        .expect("the normal request is answered");
    assert_eq!(normal.text().await.unwrap(), "done");
}
