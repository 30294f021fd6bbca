//! The request body limit: the configured one for every route, except the few upload routes
//! that declare a larger one of their own. Bodies are counted as they stream, so a missing or
//! false `Content-Length` does not get past it.

use std::sync::Arc;

use axum::{
    body::Body,
    extract::{Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::error::ErrorMessage;

#[derive(Debug, Clone)]
pub struct BodyLimits {
    default: usize,
    /// (path, limit): exact paths whose bodies may be larger than the default.
    larger: Arc<Vec<(&'static str, usize)>>,
}

impl BodyLimits {
    pub fn new(default: usize, larger: Vec<(&'static str, usize)>) -> Self {
        Self {
            default,
            larger: Arc::new(larger),
        }
    }

    pub fn for_path(&self, path: &str) -> usize {
        self.larger
            .iter()
            .find(|(route, _)| *route == path)
            .map_or(self.default, |(_, limit)| (*limit).max(self.default))
    }
}

pub async fn limit(State(limits): State<BodyLimits>, request: Request, next: Next) -> Response {
    let limit = limits.for_path(request.uri().path());
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return too_large(limit);
    }
    let request = request.map(|body| Body::new(http_body_util::Limited::new(body, limit)));
    next.run(request).await
}

fn too_large(limit: usize) -> Response {
    let mut response = StatusCode::PAYLOAD_TOO_LARGE.into_response();
    response.extensions_mut().insert(ErrorMessage(Some(format!(
        "What you sent is larger than the {} this address accepts.",
        megabytes(limit)
    ))));
    response
}

/// "8 MB", "20 MB", "512 KB"
pub fn megabytes(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", bytes.div_ceil(1024 * 1024))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_routes_get_their_own_larger_limit() {
        let limits = BodyLimits::new(100, vec![("/upload", 1000), ("/small", 10)]);
        assert_eq!(limits.for_path("/upload"), 1000);
        assert_eq!(limits.for_path("/upload/x"), 100);
        assert_eq!(limits.for_path("/other"), 100);
        assert_eq!(limits.for_path("/small"), 100, "never below the default");
        assert_eq!(megabytes(20 * 1024 * 1024), "20 MB");
        assert_eq!(megabytes(8 * 1024 * 1024 + 1), "9 MB");
    }
}
