//! Prometheus metrics: requests by method, route template and status, a latency histogram by
//! route template, and gauges set when `/metrics` is scraped (database pool, worker pools,
//! build info). Each application has a recorder of its own (no global state), so tests that
//! run many apps in one process each see their own figures.

use std::{sync::Arc, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    http::Method,
    middleware::Next,
    response::Response,
};
use metrics::{Key, Label, Level, Metadata, Recorder, Unit};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusRecorder};

static METADATA: Metadata<'static> = Metadata::new("groundwork", Level::INFO, None);

const REQUESTS: &str = "http_requests_total";
const DURATION: &str = "http_request_duration_seconds";

/// This application's metrics.
#[derive(Clone)]
pub struct Metrics {
    recorder: Arc<PrometheusRecorder>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        // From a fast page (well under a millisecond) to the request timeout.
        let buckets = [
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            30.0,
        ];
        let recorder = PrometheusBuilder::new()
            .set_buckets(&buckets)
            .expect("the bucket list is not empty")
            .build_recorder();
        recorder.describe_counter(
            REQUESTS.into(),
            None,
            "HTTP requests answered, by method, route template and status".into(),
        );
        recorder.describe_histogram(
            DURATION.into(),
            Some(Unit::Seconds),
            "Time from a request's arrival to its answer, by route template".into(),
        );
        let metrics = Self {
            recorder: Arc::new(recorder),
        };
        metrics.gauge(
            "groundwork_build_info",
            "The running build: always 1, with the version as a label",
            &[("version", env!("CARGO_PKG_VERSION"))],
            1.0,
        );
        metrics
    }

    fn request(&self, method: &Method, route: &str, status: u16, seconds: f64) {
        // Only the methods HTTP defines, so a client cannot mint label values.
        let method = match *method {
            Method::GET
            | Method::HEAD
            | Method::POST
            | Method::PUT
            | Method::DELETE
            | Method::PATCH
            | Method::OPTIONS => method.as_str(),
            _ => "other",
        };
        let labels = vec![
            Label::new("method", method.to_owned()),
            Label::new("route", route.to_owned()),
            Label::new("status", status.to_string()),
        ];
        self.recorder
            .register_counter(&Key::from_parts(REQUESTS, labels), &METADATA)
            .increment(1);
        let labels = vec![Label::new("route", route.to_owned())];
        self.recorder
            .register_histogram(&Key::from_parts(DURATION, labels), &METADATA)
            .record(seconds);
    }

    /// Sets the gauge `name{labels}` to `value`, describing it on first use.
    pub fn gauge(
        &self,
        name: &'static str,
        help: &'static str,
        labels: &[(&'static str, &str)],
        value: f64,
    ) {
        self.recorder.describe_gauge(name.into(), None, help.into());
        let labels: Vec<Label> = labels
            .iter()
            .map(|(key, value)| Label::new(*key, (*value).to_owned()))
            .collect();
        self.recorder
            .register_gauge(&Key::from_parts(name, labels), &METADATA)
            .set(value);
    }

    /// Everything, in the Prometheus text format.
    pub fn render(&self) -> String {
        self.recorder.handle().render()
    }
}

/// Counts and times every request under its route template (`/paths/{path}`, never the
/// address itself, so the number of series stays bounded); a request no route matched is
/// `unmatched`.
pub async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}
