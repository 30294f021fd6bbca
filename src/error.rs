//! One error type for every handler, and the middleware that turns any error response into a
//! page, an htmx fragment or JSON. Users never see a stack trace or a database message: 5xx
//! causes go to the log with the request id, the page shows only the id.

use askama::Template;
use axum::{
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{Html, IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

use crate::{state::AppState, web::Layout, workers::Busy};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("{0}")]
    BadRequest(String),
    /// Not logged in: 303 to the login page, which brings the user back to `next`.
    #[error("login required")]
    LoginRequired { next: Option<String> },
    /// An admin page while admins must use 2FA and this one has not turned it on.
    #[error("two-factor authentication required")]
    TwoFactorRequired,
    #[error("cross-site request or missing CSRF token")]
    CsrfRejected,
    #[error("too many attempts")]
    TooManyRequests { minutes: i64 },
    #[error("request body too large")]
    PayloadTooLarge,
    /// A link that worked once and no longer does (used or expired tokens).
    #[error("{0}")]
    Gone(String),
    /// Too much expensive work already in hand (hashing, lab runs): come back shortly.
    #[error(transparent)]
    Busy(#[from] Busy),
    /// The database cannot be reached: answered fast, so a load balancer and the user can
    /// retry instead of waiting for a timeout.
    #[error("the database is unreachable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Database(sqlx::Error),
    #[error(transparent)]
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for AppError {
    /// A database error keeps its meaning (unreachable is a 503) through `anyhow`.
    fn from(error: anyhow::Error) -> Self {
        match error.downcast::<sqlx::Error>() {
            Ok(error) => error.into(),
            Err(error) => Self::Internal(error),
        }
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::LoginRequired { .. } | Self::TwoFactorRequired => StatusCode::SEE_OTHER,
            Self::CsrfRejected => StatusCode::FORBIDDEN,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Gone(_) => StatusCode::GONE,
            Self::Busy(_) | Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Database(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The message an error response carries to the error-page middleware. `None` means "use the
/// standard text for the status".
#[derive(Debug, Clone)]
pub struct ErrorMessage(pub Option<String>);

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        if crate::db::is_unreachable(&error) {
            Self::Unavailable(error.to_string())
        } else {
            Self::Database(error)
        }
    }
}

impl AppError {
    /// Seconds a client should wait before trying again, where that is known.
    pub fn retry_after(&self) -> Option<i64> {
        match self {
            Self::TooManyRequests { minutes } => Some(minutes * 60),
            Self::Busy(_) => Some(2),
            Self::Unavailable(_) => Some(5),
            _ => None,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            Self::LoginRequired { next } => {
                let location = match next {
                    Some(next) => format!("/login?next={}", urlencode(next)),
                    None => "/login".to_owned(),
                };
                return Redirect::to(&location).into_response();
            }
            Self::TwoFactorRequired => return Redirect::to("/settings/two-factor").into_response(),
            Self::CsrfRejected => Some(
                "This form could not be accepted: it expired, or it was not sent from a \
                 Groundwork page. Go back, reload the page and try again."
                    .to_owned(),
            ),
            Self::TooManyRequests { minutes } => Some(format!(
                "Too many attempts. Try again in {minutes} minute{}.",
                if *minutes == 1 { "" } else { "s" }
            )),
            Self::BadRequest(message) | Self::Gone(message) => Some(message.clone()),
            Self::Busy(busy) => {
                tracing::warn!(pool = busy.pool, "refused: the pool is full");
                Some(
                    "The server is busy right now. Nothing was lost: wait a moment and send \
                     the form again."
                        .to_owned(),
                )
            }
            Self::Unavailable(cause) => {
                tracing::error!(%cause, "database unreachable");
                Some(
                    "Groundwork cannot reach its database right now. Nothing you saved \
                     earlier is lost; please try again in a few seconds."
                        .to_owned(),
                )
            }
            Self::Database(_) | Self::Internal(_) => {
                // Inside the request span, so the log line carries the request id.
                tracing::error!(error = ?self, "request failed");
                None
            }
            Self::NotFound | Self::Forbidden | Self::PayloadTooLarge => None,
        };
        let mut response = status.into_response();
        if let Some(seconds) = self.retry_after() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(ErrorMessage(message));
        response
    }
}

/// Percent-encodes a query-string value.
pub fn urlencode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The response for a caught panic: a plain 500 that the middleware dresses as the error page.
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    AppError::Internal(anyhow::anyhow!("handler panicked")).into_response()
}

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    title: &'static str,
    message: String,
    request_id: Option<String>,
}

#[derive(Template)]
#[template(path = "errors/_error.html")]
struct ErrorFragment {
    title: &'static str,
    message: String,
}

fn title_and_message(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("Bad request", "The request could not be understood."),
        403 => (
            "Not allowed",
            "You do not have permission to see this page.",
        ),
        404 => (
            "Page not found",
            "There is nothing at this address. It may have moved, or the link may be mistyped.",
        ),
        405 => (
            "Method not allowed",
            "This address does not accept that kind of request.",
        ),
        408 => (
            "Request took too long",
            "The server gave up waiting. Please try again.",
        ),
        413 => (
            "Too large",
            "What you sent is larger than the server accepts.",
        ),
        415 => (
            "Unsupported content",
            "The server cannot read the kind of content sent.",
        ),
        422 => ("Invalid input", "Some of what you sent is not valid."),
        429 => ("Too many requests", "Please wait a moment and try again."),
        503 => (
            "Unavailable",
            "The service is temporarily unavailable. Please try again soon.",
        ),
        code if code >= 500 => (
            "Something went wrong",
            "An unexpected error stopped this page. It has been logged; please try again.",
        ),
        _ => ("Request failed", "The request could not be completed."),
    }
}

/// Renders error responses that carry no page of their own: those made by `AppError`, and
/// bare ones from axum or the tower layers (405, 408, 413, a caught panic). Responses that
/// already have an HTML or JSON body (a 422 form, an API error) pass through untouched.
pub async fn render_error_pages(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let current_path = request.uri().path().to_owned();
    let session = request.extensions().get::<Session>().cloned();
    let is_htmx = request.headers().contains_key("hx-request");
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);

    let response = next.run(request).await;
    let status = response.status();
    if is_htmx && status.is_redirection() {
        // htmx would follow a redirect inside the swap target; make it a full navigation.
        if let Some(location) = response.headers().get(header::LOCATION).cloned() {
            let mut response = StatusCode::OK.into_response();
            response.headers_mut().insert("hx-redirect", location);
            return response;
        }
    }
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let message = response.extensions().get::<ErrorMessage>().cloned();
    if message.is_none() && response.headers().contains_key(header::CONTENT_TYPE) {
        let bare_text = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .is_ok_and(|value| value.starts_with("text/plain"));
        if !bare_text {
            return response;
        }
    }

    let (title, standard) = title_and_message(status);
    let message = message
        .and_then(|m| m.0)
        .unwrap_or_else(|| standard.to_owned());
    let body = if current_path.starts_with("/api/") {
        let json =
            serde_json::json!({ "error": { "status": status.as_u16(), "message": message } });
        let mut body = axum::Json(json).into_response();
        *body.status_mut() = status;
        body
    } else if is_htmx {
        render(ErrorFragment { title, message }, status)
    } else {
        // A 503 means the database is out or the server is overloaded: asking the database
        // for the session again would only make the user wait a second time.
        let layout = match &session {
            Some(session) if status != StatusCode::SERVICE_UNAVAILABLE => {
                Layout::build(session, &state.db, &state.config, &current_path, false).await
            }
            _ => Ok(Layout::new(current_path)),
        };
        let page = ErrorPage {
            layout: layout.unwrap_or_default(),
            status: status.as_u16(),
            title,
            message,
            request_id: request_id.filter(|_| status.is_server_error()),
        };
        render(page, status)
    };

    // Keep the original headers that still mean something (Allow, Retry-After, …).
    let (mut parts, _) = response.into_parts();
    let (body_parts, body) = body.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in &body_parts.headers {
        parts.headers.insert(name, value.clone());
    }
    Response::from_parts(parts, body)
}

fn render(template: impl Template, status: StatusCode) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot render the error page");
            let text = HeaderValue::from_static("text/plain; charset=utf-8");
            (
                status,
                [(header::CONTENT_TYPE, text)],
                "Something went wrong.",
            )
                .into_response()
        }
    }
}
