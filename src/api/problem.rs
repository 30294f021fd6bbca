//! Every API error as RFC 9457 Problem Details (`application/problem+json`): the handlers'
//! own errors ([`Problem`]), the page layer's `AppError`s they pass on, and the bare answers of
//! axum and the tower layers (405 with `Allow`, 408, 413, a caught panic), which
//! [`dress_bare_errors`] rewrites so no API client ever sees plain text.

use std::collections::BTreeMap;

use axum::{
    extract::Request,
    http::{HeaderName, HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// An RFC 9457 problem. `type` is `about:blank` (the status says it all) or a problem type of
/// this API, documented on the reference page (`/api#problem-<slug>`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemBody {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// One entry per invalid part of the request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// One invalid part of a request: a body member by JSON pointer (`#/answers`), or a query
/// parameter by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    pub detail: String,
}

/// An error answer of the API.
#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    kind: Option<&'static str>,
    detail: String,
    errors: Vec<FieldProblem>,
    headers: Vec<(HeaderName, String)>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            kind: None,
            detail: detail.into(),
            errors: Vec::new(),
            headers: Vec::new(),
        }
    }

    #[cfg(test)]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// A problem type of this API (see [`TYPES`]).
    pub fn typed(mut self, kind: &'static str) -> Self {
        self.kind = Some(kind);
        self
    }

    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, what)
    }

    /// 422 naming each invalid body member by JSON pointer.
    pub fn invalid_body(members: BTreeMap<String, String>) -> Self {
        let mut problem = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The request body is not valid: see `errors`.",
        )
        .typed("validation-failed");
        problem.errors = at_pointers(members);
        problem
    }

    /// 409 of `kind`: the request is well-formed but does not fit what the server holds now;
    /// `members` names the parts concerned by JSON pointer.
    pub fn conflict_with_fields(
        kind: &'static str,
        detail: &str,
        members: BTreeMap<String, String>,
    ) -> Self {
        let mut problem = Self::new(StatusCode::CONFLICT, detail).typed(kind);
        problem.errors = at_pointers(members);
        problem
    }

    /// 422: an archive that cannot be imported, each reason an entry of `errors`.
    pub fn invalid_archive(messages: Vec<String>) -> Self {
        let mut problem = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            messages
                .first()
                .cloned()
                .unwrap_or_else(|| "The archive cannot be imported.".into()),
        )
        .typed("invalid-archive");
        problem.errors = messages
            .into_iter()
            .skip(1)
            .map(|detail| FieldProblem {
                pointer: None,
                parameter: None,
                detail,
            })
            .collect();
        problem
    }

    /// 422 naming one invalid query parameter.
    pub fn invalid_parameter(name: &str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let mut problem = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("The query parameter `{name}` is not valid: {detail}"),
        )
        .typed("validation-failed");
        problem.errors = vec![FieldProblem {
            pointer: None,
            parameter: Some(name.to_owned()),
            detail,
        }];
        problem
    }
}

/// One `errors` entry per (JSON pointer, what is wrong there).
fn at_pointers(members: BTreeMap<String, String>) -> Vec<FieldProblem> {
    members
        .into_iter()
        .map(|(pointer, detail)| FieldProblem {
            pointer: Some(pointer),
            parameter: None,
            detail,
        })
        .collect()
}

/// An object member's name as one JSON pointer token (RFC 6901: `~` is `~0`, `/` is `~1`).
pub fn pointer_token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// The API's own problem types: (slug, title, what it means). The reference page lists them.
pub const TYPES: [(&str, &str, &str); 6] = [
    (
        "validation-failed",
        "The request is not valid.",
        "The body is well-formed JSON, or the query well-formed, but some values break the \
         rules. `errors` lists each: `pointer` names a body member (`#/answers`), `parameter` a \
         query parameter. Nothing was changed.",
    ),
    (
        "quiz-changed",
        "The quiz has changed.",
        "The attempt answers questions the quiz does not have: it was edited since you loaded \
         it. `errors` names each such answer. Load the quiz again and answer its questions.",
    ),
    (
        "invalid-archive",
        "The archive cannot be imported.",
        "The archive is not a readable .tar.gz of a curriculum, breaks its rules, or collides \
         with content already here. `detail` says what, and `errors` lists every further \
         problem. Nothing was imported.",
    ),
    (
        "idempotency-key-reused",
        "This Idempotency-Key belongs to a different request.",
        "A retry sends the same key with the same request and gets the first answer again. \
         This key was first used with another request, so nothing was done. Use a new key for \
         a new request.",
    ),
    (
        "idempotency-key-in-use",
        "A request with this Idempotency-Key is still in progress.",
        "Another request with the same key has not finished yet. Wait for it, then retry: the \
         retry gets its answer.",
    ),
    (
        "insufficient-scope",
        "The token does not have the scope this needs.",
        "Each operation needs a scope: `read` for reading, `write` for changing your progress, \
         `content` (editors only) for the curriculum. Make a token with that scope at \
         /settings/tokens.",
    ),
];

fn title_of(status: StatusCode, kind: Option<&str>) -> String {
    kind.and_then(|kind| TYPES.iter().find(|(slug, ..)| *slug == kind))
        .map(|(_, title, _)| (*title).to_owned())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").to_owned())
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = ProblemBody {
            kind: self.kind.map_or_else(
                || "about:blank".to_owned(),
                |kind| format!("/api#problem-{kind}"),
            ),
            title: title_of(self.status, self.kind),
            status: self.status.as_u16(),
            detail: self.detail,
            errors: self.errors,
        };
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
            serde_json::to_vec(&body).unwrap_or_default(),
        )
            .into_response();
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().append(name, value);
            }
        }
        response
    }
}

impl From<AppError> for Problem {
    fn from(error: AppError) -> Self {
        let status = error.status();
        let retry_after = error.retry_after();
        let detail = match &error {
            AppError::NotFound => "There is nothing at this address.".to_owned(),
            AppError::BadRequest(message) | AppError::Gone(message) => message.clone(),
            AppError::PayloadTooLarge => "The request body is larger than the API accepts.".into(),
            AppError::TooManyRequests { minutes } => {
                format!("Too many requests: try again in {minutes} minute(s).")
            }
            AppError::Busy(_) | AppError::Unavailable(_) => {
                "The server is busy or cannot reach its database: try again shortly.".into()
            }
            AppError::Database(_) | AppError::Internal(_) => {
                tracing::error!(error = ?error, "API request failed");
                "An unexpected error stopped this request. It has been logged.".into()
            }
            AppError::Forbidden
            | AppError::CsrfRejected
            | AppError::LoginRequired { .. }
            | AppError::TwoFactorRequired => "You may not do this.".into(),
        };
        // A login redirect means nothing to a program: it is a 403 here.
        let status = if status.is_redirection() {
            StatusCode::FORBIDDEN
        } else {
            status
        };
        let problem = Self::new(status, detail);
        match retry_after {
            Some(seconds) => problem.header(header::RETRY_AFTER, seconds.to_string()),
            None => problem,
        }
    }
}

impl From<sqlx::Error> for Problem {
    fn from(error: sqlx::Error) -> Self {
        AppError::from(error).into()
    }
}

impl From<anyhow::Error> for Problem {
    fn from(error: anyhow::Error) -> Self {
        AppError::from(error).into()
    }
}

/// Rewrites an error answer that is not Problem Details already (axum's 405, the body limit's
/// 413, the timeout's 408, a caught panic's 500) into one, keeping its headers (`Allow`,
/// `Retry-After`).
pub async fn dress_bare_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes() == CONTENT_TYPE.as_bytes());
    if is_problem {
        return response;
    }
    let detail = match status.as_u16() {
        404 => "There is nothing at this address.",
        405 => "This address does not accept that method: see `Allow`.",
        408 => "The request took too long to arrive.",
        413 => "The request body is larger than the API accepts.",
        _ if status.is_server_error() => {
            "An unexpected error stopped this request. It has been logged."
        }
        _ => "The request could not be completed.",
    };
    let (parts, _) = response.into_parts();
    let mut dressed = Problem::new(status, detail).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            dressed.headers_mut().insert(name, value.clone());
        }
    }
    dressed
}
