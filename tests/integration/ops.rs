//! Liveness, readiness and Prometheus metrics.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, db_tests};

db_tests! {
    liveness_answers_ok,
    readiness_is_ok_while_the_database_answers,
    readiness_flips_to_503_when_the_database_goes_away,
    metrics_count_requests_by_route_template_and_pass_promtool,
}

async fn liveness_answers_ok(app: TestApp) {
    let response = app.get("/healthz").await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ok");
}

async fn readiness_is_ok_while_the_database_answers(app: TestApp) {
    let response = app.get("/readyz").await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "status": "ready", "database": "ok" }));
}

async fn readiness_flips_to_503_when_the_database_goes_away(app: TestApp) {
    app.db.close().await;

    let response = app.get("/readyz").await;

    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "status": "unavailable", "database": "unavailable" })
    );
    assert_eq!(
        app.get("/healthz").await.status(),
        StatusCode::OK,
        "still alive"
    );
}

/// The value of the sample `name{labels}` in a Prometheus text exposition (0 when absent).
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0.0)
}

async fn metrics_count_requests_by_route_template_and_pass_promtool(app: TestApp) {
    app.import_fixture().await;
    let requests =
        "http_requests_total{method=\"GET\",route=\"/paths/{path}/{module}\",status=\"200\"}";
    let timed = "http_request_duration_seconds_count{route=\"/paths/{path}/{module}\"}";
    let before = app.get("/metrics").await.text().await.unwrap();
    for _ in 0..3 {
        let page = app
            .get("/paths/backend-foundations/how-backends-work")
            .await;
        assert_eq!(page.status(), StatusCode::OK);
    }
    app.get("/no/such/page").await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let after = response.text().await.unwrap();
    assert_eq!(
        sample(&after, requests) - sample(&before, requests),
        3.0,
        "{after}"
    );
    assert_eq!(
        sample(&after, timed) - sample(&before, timed),
        3.0,
        "{after}"
    );
    // Addresses nothing matched share one series, so a scanner cannot mint them.
    assert!(
        after.contains("route=\"unmatched\",status=\"404\""),
        "{after}"
    );
    assert!(!after.contains("/no/such/page"));
    for gauge in [
        "db_pool_connections ",
        "db_pool_idle_connections ",
        "worker_pool_in_use{pool=\"sql-lab\"}",
        "worker_pool_queue_length{pool=\"hashing\"}",
        "groundwork_build_info{version=",
    ] {
        assert!(after.contains(gauge), "{gauge} missing:\n{after}");
    }

    // promtool (Debian's prometheus package; the test command installs it) accepts the output.
    if !std::path::Path::new("/usr/bin/promtool").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "promtool is missing: CI must check /metrics with it"
        );
        eprintln!("promtool is missing: install Debian's prometheus to check /metrics with it");
        return;
    }
    let mut promtool = std::process::Command::new("/usr/bin/promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(after.as_bytes())
        .unwrap();
    let checked = promtool.wait_with_output().unwrap();
    assert!(
        checked.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}

#[tokio::test]
async fn with_a_metrics_token_only_its_bearer_may_scrape() {
    let app =
        TestApp::sqlite_with(|config| config.metrics_token = Some("scrape-secret".into())).await;
    let anonymous = app.get("/metrics").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let wrong = app
        .new_client()
        .get(app.url("/metrics"))
        .bearer_auth("guess")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = app
        .new_client()
        .get(app.url("/metrics"))
        .bearer_auth("scrape-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    assert!(
        right
            .text()
            .await
            .unwrap()
            .contains("groundwork_build_info")
    );
}
