//! Cross-site request forgery defence, two layers deep:
//! 1. unsafe requests that a browser marks as cross-site (`Sec-Fetch-Site`), or whose `Origin`
//!    is not this host, are refused;
//! 2. every unsafe request must carry the session's token, as the form field `csrf_token` (in
//!    a urlencoded or a multipart form) or the `X-CSRF-Token` header (htmx sends it from
//!    `data-hx-headers` on `<body>`).

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderMap, Method, header},
    middleware::Next,
    response::Response,
};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use super::{session, tokens};
use crate::error::AppError;

pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";
const KEY: &str = "csrf_token";

/// The session's token, made on first use.
pub async fn token(session: &Session) -> Result<String, AppError> {
    if let Some(token) = session::get::<String>(session, KEY).await? {
        return Ok(token);
    }
    rotate(session).await
}

/// A fresh token (at login, so a token seen before login is worthless after it).
pub async fn rotate(session: &Session) -> Result<String, AppError> {
    let token = tokens::random_token();
    session::insert(session, KEY, &token).await?;
    Ok(token)
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses unsafe requests that come from another site, or lack the session's token.
pub async fn protect(request: Request, next: Next) -> Result<Response, AppError> {
    if is_safe(request.method()) {
        return Ok(next.run(request).await);
    }
    if is_cross_site(request.headers()) {
        return Err(AppError::CsrfRejected);
    }

    let session = request
        .extensions()
        .get::<Session>()
        .cloned()
        .ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("CSRF check runs inside the session layer"))
        })?;
    let expected = session::get::<String>(&session, KEY).await?;

    let (parts, body) = request.into_parts();
    let (sent, body) = match parts.headers.get(HEADER).and_then(|v| v.to_str().ok()) {
        Some(token) => (Some(token.to_owned()), body),
        None if is_form(&parts.headers) => {
            // Buffer the (already size-limited) form to read the field, then hand it on.
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
            let token = form_urlencoded::parse(&bytes)
                .find(|(name, _)| name == FIELD)
                .map(|(_, value)| value.into_owned());
            (token, Body::from(bytes))
        }
        None if multipart_boundary(&parts.headers).is_some() => {
            let boundary = multipart_boundary(&parts.headers).unwrap_or_default();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
            let token = multipart_field(bytes.clone(), boundary, FIELD).await;
            (token, Body::from(bytes))
        }
        None => (None, body),
    };

    match (expected, sent) {
        (Some(expected), Some(sent)) if bool::from(expected.as_bytes().ct_eq(sent.as_bytes())) => {
            Ok(next.run(Request::from_parts(parts, body)).await)
        }
        _ => Err(AppError::CsrfRejected),
    }
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

fn multipart_boundary(headers: &HeaderMap) -> Option<String> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    multer::parse_boundary(content_type).ok()
}

/// The text of the first field called `name`; the fields before it are skipped unread.
async fn multipart_field(bytes: axum::body::Bytes, boundary: String, name: &str) -> Option<String> {
    let stream = Body::from(bytes).into_data_stream();
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

/// True when the browser says the request comes from another site. Browsers send
/// `Sec-Fetch-Site` (all current ones) or at least `Origin` on cross-origin posts; clients
/// that send neither are not browsers and still need the token.
fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, host)| host);
    origin == "null" || origin_host != host
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn cross_site_requests_are_recognised() {
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(!is_cross_site(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(is_cross_site(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "gw.example")
        ])));
        assert!(is_cross_site(&headers(&[
            ("origin", "null"),
            ("host", "gw.example")
        ])));
        assert!(!is_cross_site(&headers(&[
            ("origin", "https://gw.example"),
            ("host", "gw.example")
        ])));
        assert!(!is_cross_site(&headers(&[("host", "gw.example")])));
    }
}
