//! Operations endpoints: liveness and readiness for load balancers and orchestrators.
//!
//! A page feature: it imports no other page feature (tests/integration/architecture.rs).

use std::time::Duration;

use axum::{Json, Router, extract::State, http::StatusCode, response::IntoResponse, routing::get};
use serde_json::json;

use crate::{db::Db, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
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
