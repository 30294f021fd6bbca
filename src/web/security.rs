//! Security headers on every response.
//!
//! The Content-Security-Policy allows scripts and styles from our own origin only: no inline
//! script or style anywhere, which is why htmx's injected indicator styles are turned off in
//! `base.html` and live in `app.css` instead.

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderName, HeaderValue, header},
    middleware::Next,
    response::Response,
};
use tower_http::set_header::SetResponseHeaderLayer;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
     manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The layers, outermost first; each sets its header unless the handler already did.
pub fn headers() -> [SetResponseHeaderLayer<HeaderValue>; 6] {
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    [
        set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        set(header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        set(header::X_FRAME_OPTIONS, "DENY"),
        set(
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        set(
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
    ]
}

/// Behind https (secure cookies on), browsers are told to use https only, for a year.
pub fn strict_transport_security() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000; includeSubDomains"),
    )
}

/// Pages for one person are never kept by a shared cache, and are revalidated before the
/// browser shows a stored copy: a page whose request carried a cookie, or whose answer sets
/// one, gets `Cache-Control: private, no-cache` unless its handler chose otherwise. The routes
/// in `secret_routes` (a token in the address, such as a password-reset link) get `no-store`,
/// so neither the page nor its address's answer is written to disk. Public pages a visitor
/// without cookies reads keep their default.
pub async fn private_pages(
    State(secret_routes): State<&'static [&'static str]>,
    request: Request,
    next: Next,
) -> Response {
    let secret = request
        .extensions()
        .get::<MatchedPath>()
        .is_some_and(|route| secret_routes.contains(&route.as_str()));
    let sent_cookie = request.headers().contains_key(header::COOKIE);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if headers.contains_key(header::CACHE_CONTROL) {
        return response;
    }
    if secret {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else if sent_cookie || headers.contains_key(header::SET_COOKIE) {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
    }
    response
}
