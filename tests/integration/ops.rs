//! Liveness and readiness.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, db_tests};

db_tests! {
    liveness_answers_ok,
    readiness_is_ok_while_the_database_answers,
    readiness_flips_to_503_when_the_database_goes_away,
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
