//! How many statements each request sends to the database: recorded on the request's log
//! line, and, with `--server-timing`, sent back as `Server-Timing: db;desc="N statements"` so
//! tests and the benchmark can hold pages to a fixed number.

use axum::{
    extract::{Request, State},
    http::HeaderValue,
    middleware::Next,
    response::Response,
};

use crate::db::counting_statements;

/// Middleware; the state says whether to send the count to the client.
pub async fn count(State(expose): State<bool>, request: Request, next: Next) -> Response {
    let (mut response, statements) = counting_statements(next.run(request)).await;
    tracing::Span::current().record("statements", statements);
    if expose
        && let Ok(value) = HeaderValue::from_str(&format!("db;desc=\"{statements} statements\""))
    {
        response.headers_mut().append("server-timing", value);
    }
    response
}

/// The count in a `Server-Timing` value this module wrote, for tests and the benchmark.
pub fn parse(server_timing: &str) -> Option<u32> {
    server_timing
        .strip_prefix("db;desc=\"")?
        .strip_suffix(" statements\"")?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_count_reads_back_from_its_header() {
        assert_eq!(super::parse("db;desc=\"5 statements\""), Some(5));
        assert_eq!(super::parse("cache;desc=\"hit\""), None);
    }
}
