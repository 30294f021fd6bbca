//! Operations endpoints: liveness and readiness for load balancers and orchestrators, and
//! Prometheus metrics.
//!
//! A page feature: it imports no other page feature (tests/integration/architecture.rs).

use std::time::Duration;

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::json;
use subtle::ConstantTimeEq;

use crate::{db::Db, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// The Prometheus text format. With `GROUNDWORK_METRICS_TOKEN` set, only a scraper that sends
/// it as a bearer token is answered; everyone else gets 401.
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(expected) = &state.config.metrics_token {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")],
                "This server's metrics need its metrics token as a bearer token.\n",
            )
                .into_response();
        }
    }
    let metrics = &state.metrics;
    let (size, idle) = state.db.pool_stats();
    metrics.gauge(
        "db_pool_connections",
        "Database connections open",
        &[],
        f64::from(size),
    );
    metrics.gauge(
        "db_pool_idle_connections",
        "Database connections open and idle",
        &[],
        idle as f64,
    );
    for workers in [&state.hashing, &state.labs] {
        let (running, waiting) = workers.load();
        let pool = [("pool", workers.name())];
        metrics.gauge(
            "worker_pool_in_use",
            "Jobs running in a bounded worker pool (its permits in use)",
            &pool,
            running as f64,
        );
        metrics.gauge(
            "worker_pool_queue_length",
            "Jobs admitted to a bounded worker pool and waiting for a worker",
            &pool,
            waiting as f64,
        );
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        metrics.render(),
    )
        .into_response()
}

/// The process is up and answering. Touches nothing else, so it is also the benchmark baseline.
async fn healthz() -> &'static str {
    "ok"
}

/// Ready to serve: the database answers within two seconds. 503 otherwise, so a load balancer
/// stops sending traffic to this instance.
async fn readyz(State(db): State<Db>) -> impl IntoResponse {
    let ping = tokio::time::timeout(Duration::from_secs(2), db.ping()).await;
    let (status, database) = match ping {
        Ok(Ok(())) => (StatusCode::OK, "ok".to_owned()),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness check: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable".to_owned())
        }
        Err(_) => {
            tracing::warn!("readiness check: database did not answer in time");
            (StatusCode::SERVICE_UNAVAILABLE, "timeout".to_owned())
        }
    };
    let ready = status.is_success();
    let body =
        json!({ "status": if ready { "ready" } else { "unavailable" }, "database": database });
    (status, Json(body))
}
