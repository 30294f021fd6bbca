//! The practice REST API: a per-learner task list with token authentication, validation
//! errors, pagination, conditional requests (`ETag`, `If-None-Match`, `If-Match`), an
//! `Idempotency-Key` on `POST`, CORS for one browser origin, cookie sessions with a CSRF token,
//! and a rate limit. Every error is RFC 9457 Problem Details (`application/problem+json`), the format lesson
//! 03-04 teaches. It is an axum router that is never mounted on the real app: [`super::send`]
//! builds it with the learner's id in its state and calls it with `oneshot`, so it is reachable
//! only from the lab page, and only for that learner's data.

use std::collections::BTreeMap;

use axum::{
    Router,
    body::Bytes,
    extract::{FromRequestParts, RawPathParams, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header, request::Parts},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::db::{self, TaskRow};
use crate::{auth::tokens, db::Db};

/// The token that may read and write.
pub const FULL_TOKEN: &str = "learner-token";
/// The token that may only read: writes answer 403.
pub const READ_ONLY_TOKEN: &str = "read-only-token";
/// Requests per learner per fixed one-minute window; the next one answers 429.
pub const RATE_LIMIT: i64 = 20;
/// Tasks a learner may keep; creating one more answers 409.
pub const MAX_TASKS: i64 = 200;
/// The practice account for cookie sign-in (`POST /api/session`).
pub const SESSION_USERNAME: &str = "learner";
pub const SESSION_PASSWORD: &str = "practice-password";
/// The session cookie; `__Host-` makes browsers insist on `Secure`, `Path=/` and no `Domain`.
pub const SESSION_COOKIE: &str = "__Host-practice_session";
/// The one browser origin whose pages may call the practice API (CORS).
pub const CORS_ORIGIN: &str = "https://tasks.example";
/// The request headers such a page may send, and the response headers it may read.
const CORS_ALLOW_HEADERS: &str =
    "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key";
const CORS_EXPOSE_HEADERS: &str =
    "ETag, Location, Link, Retry-After, X-Total-Count, Idempotent-Replayed";
pub const DEFAULT_PER_PAGE: i64 = 5;
pub const MAX_PER_PAGE: i64 = 20;
const MAX_TITLE_CHARS: usize = 100;
const PRIORITIES: [&str; 3] = ["low", "normal", "high"];

#[derive(Clone)]
pub struct PracticeState {
    pub db: Db,
    /// Set by the server from the session, never from a request header.
    pub learner_id: String,
}

pub fn router(state: PracticeState) -> Router {
    Router::new()
        .route("/api", get(index).options(options))
        .route("/api/problems/{slug}", get(problem_doc))
        .route(
            "/api/session",
            axum::routing::post(sign_in)
                .delete(sign_out)
                .options(options),
        )
        .route(
            "/api/tasks",
            get(list_tasks).post(create_task).options(options),
        )
        .route(
            "/api/tasks/{id}",
            get(show_task)
                .put(replace_task)
                .patch(update_task)
                .delete(delete_task)
                .options(options),
        )
        .fallback(not_found)
        .layer(middleware::from_fn(method_not_allowed))
        .layer(middleware::from_fn(cors))
        .layer(middleware::from_fn_with_state(state.clone(), rate_limit))
        .with_state(state)
}

/// A problem type with its own documentation at `/api/problems/<slug>`. Every other error uses
/// `about:blank`, whose title is the status's reason phrase (RFC 9457, section 4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemType {
    ValidationFailed,
    TitleTaken,
    TooManyTasks,
    IdempotencyKeyReused,
    CsrfCheckFailed,
}

impl ProblemType {
    pub const ALL: [Self; 5] = [
        Self::ValidationFailed,
        Self::TitleTaken,
        Self::TooManyTasks,
        Self::IdempotencyKeyReused,
        Self::CsrfCheckFailed,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Self::ValidationFailed => "validation-failed",
            Self::TitleTaken => "title-taken",
            Self::TooManyTasks => "too-many-tasks",
            Self::IdempotencyKeyReused => "idempotency-key-reused",
            Self::CsrfCheckFailed => "csrf-check-failed",
        }
    }

    /// The `type` member: a URI reference, resolved against the practice API.
    pub fn uri(self) -> String {
        format!("/api/problems/{}", self.slug())
    }

    fn title(self) -> &'static str {
        match self {
            Self::ValidationFailed => "Your request is not valid.",
            Self::TitleTaken => "Another task already has this title.",
            Self::TooManyTasks => "You have as many tasks as the practice API keeps.",
            Self::IdempotencyKeyReused => "This idempotency key belongs to a different request.",
            Self::CsrfCheckFailed => "The change failed the cross-site request forgery check.",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Self::ValidationFailed | Self::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TitleTaken | Self::TooManyTasks => StatusCode::CONFLICT,
            Self::CsrfCheckFailed => StatusCode::FORBIDDEN,
        }
    }

    fn description(self) -> &'static str {
        match self {
            Self::ValidationFailed => {
                "The request is well-formed JSON (or a well-formed query), but some values break the rules. \
                 `errors` lists every problem: `pointer` names a body field as a JSON pointer (`#/title`), \
                 `parameter` names a query parameter. Fix them all and send the request again."
            }
            Self::TitleTaken => {
                "Task titles are unique per learner, ignoring case. The request itself is fine, but it \
                 clashes with a task you already have: choose another title, or change that task."
            }
            Self::TooManyTasks => {
                "The practice API keeps at most 200 tasks per learner. Delete some tasks, or reset your \
                 practice data."
            }
            Self::CsrfCheckFailed => {
                "A browser attaches the session cookie to every request to this API, also to requests \
                 that another site's page starts. So a change made with the cookie must also prove it \
                 comes from the real front end: the session's CSRF token (from the answer to POST \
                 /api/session) in X-CSRF-Token, and no Origin other than https://tasks.example. \
                 Bearer tokens need neither, because browsers never attach them on their own."
            }
            Self::IdempotencyKeyReused => {
                "An Idempotency-Key names one request: a retry sends the same key with the same task and \
                 gets the first answer again. This key was first used for a different task, so the \
                 request was refused and nothing was created. Use a new key for a new request."
            }
        }
    }

    fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|problem| problem.slug() == slug)
    }
}

/// An error answer: Problem Details `{"type", "title", "status", "detail", "errors"?}`, plus any
/// extra headers.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    problem: Option<ProblemType>,
    detail: String,
    errors: Vec<Value>,
    headers: Vec<(header::HeaderName, String)>,
}

impl ApiError {
    /// A problem that the status code says all about: `type` is `about:blank`.
    fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            problem: None,
            detail: detail.into(),
            errors: Vec::new(),
            headers: Vec::new(),
        }
    }

    fn of(problem: ProblemType, detail: impl Into<String>) -> Self {
        Self {
            problem: Some(problem),
            ..Self::new(problem.status(), detail)
        }
    }

    fn header(mut self, name: header::HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// 422 naming each bad body field by JSON pointer.
    fn invalid(fields: BTreeMap<String, String>) -> Self {
        let mut error = Self::of(
            ProblemType::ValidationFailed,
            format!(
                "{} in the task failed validation: see `errors`.",
                count(fields.len(), "field")
            ),
        );
        error.errors = fields
            .into_iter()
            .map(|(name, detail)| json!({ "pointer": format!("#/{}", pointer_token(&name)), "detail": detail }))
            .collect();
        error
    }

    /// 422 naming each bad query parameter.
    fn invalid_query(parameters: BTreeMap<String, String>) -> Self {
        let mut error = Self::of(
            ProblemType::ValidationFailed,
            format!(
                "{} of the query failed validation: see `errors`.",
                count(parameters.len(), "parameter")
            ),
        );
        error.errors = parameters
            .into_iter()
            .map(|(name, detail)| json!({ "parameter": name, "detail": detail }))
            .collect();
        error
    }

    fn not_found(id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("There is no task {id}."))
    }
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A member name as one JSON pointer token (RFC 6901: `~` is `~0`, `/` is `~1`).
fn pointer_token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        tracing::error!(%error, "practice API database error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on the server. Try again.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (kind, title) = match self.problem {
            Some(problem) => (problem.uri(), problem.title()),
            None => (
                "about:blank".to_owned(),
                super::reason_phrase(self.status.as_u16()),
            ),
        };
        let mut body = json!({
            "type": kind,
            "title": title,
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        if !self.errors.is_empty() {
            body["errors"] = Value::Array(self.errors);
        }
        let mut response = (self.status, json_as(PROBLEM_JSON, &body)).into_response();
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
}

const PROBLEM_JSON: &str = "application/problem+json";

/// JSON as people read it: indented, with the right content type.
fn pretty(value: &Value) -> Response {
    json_as("application/json", value)
}

fn json_as(content_type: &'static str, value: &Value) -> Response {
    ([(header::CONTENT_TYPE, content_type)], json_text(value)).into_response()
}

fn json_text(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Counts every request (whatever it asks) in the learner's current minute and adds the
/// `X-RateLimit-*` headers; past [`RATE_LIMIT`] it answers 429 with `Retry-After`. Seeds the
/// starter tasks on the learner's very first request.
async fn rate_limit(State(state): State<PracticeState>, request: Request, next: Next) -> Response {
    let now = now();
    let window_start = now - now.rem_euclid(60);
    let count = match counted(&state, window_start, now).await {
        Ok(count) => count,
        Err(error) => return error.into_response(),
    };
    let remaining = (RATE_LIMIT - count).max(0);
    let mut response = if count > RATE_LIMIT {
        let retry_after = (window_start + 60 - now).max(1);
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "More than {RATE_LIMIT} requests in one minute. Wait {retry_after} s (see Retry-After)."
            ),
        )
        .header(header::RETRY_AFTER, retry_after.to_string())
        .into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(RATE_LIMIT));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    response
}

/// CORS for [`CORS_ORIGIN`]. A preflight (`OPTIONS` with `Access-Control-Request-Method`) from
/// it gets the allowed methods and headers; from any other origin it gets no CORS headers, so
/// the browser refuses. Other answers to that origin say it may read them. CORS is not access
/// control: a request from another origin is still answered, only the browser hides it.
async fn cors(request: Request, next: Next) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let allowed_origin = origin.as_deref() == Some(CORS_ORIGIN);
    let methods = allowed_methods(request.uri().path());
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = match (preflight, methods) {
        (true, Some(methods)) => {
            let mut response = (StatusCode::NO_CONTENT, [(header::ALLOW, methods)]).into_response();
            if allowed_origin {
                let headers = response.headers_mut();
                headers.insert(
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    HeaderValue::from_static(methods),
                );
                headers.insert(
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    HeaderValue::from_static(CORS_ALLOW_HEADERS),
                );
                headers.insert(
                    header::ACCESS_CONTROL_MAX_AGE,
                    HeaderValue::from_static("600"),
                );
            }
            response
        }
        _ => {
            let mut response = next.run(request).await;
            if allowed_origin {
                response.headers_mut().insert(
                    header::ACCESS_CONTROL_EXPOSE_HEADERS,
                    HeaderValue::from_static(CORS_EXPOSE_HEADERS),
                );
            }
            response
        }
    };
    let headers = response.headers_mut();
    if allowed_origin {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static(CORS_ORIGIN),
        );
    }
    // The answer depends on Origin: a cache must not give one origin's answer to another.
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    response
}

/// The methods each path answers: what `OPTIONS` and a 405's `Allow` header list.
fn allowed_methods(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match segments.as_slice() {
        ["", "api"] => Some("GET, HEAD, OPTIONS"),
        ["", "api", "tasks"] => Some("GET, HEAD, POST, OPTIONS"),
        ["", "api", "tasks", id] if !id.is_empty() => {
            Some("GET, HEAD, PUT, PATCH, DELETE, OPTIONS")
        }
        ["", "api", "problems", slug] if !slug.is_empty() => Some("GET, HEAD"),
        ["", "api", "session"] => Some("POST, DELETE, OPTIONS"),
        _ => None,
    }
}

/// axum answers a known path with an unknown method by an empty 405; this makes it Problem
/// Details with the path's `Allow` list.
async fn method_not_allowed(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if response.status() != StatusCode::METHOD_NOT_ALLOWED {
        return response;
    }
    let allow = allowed_methods(&path).unwrap_or_default();
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{path} does not answer {method}. The `Allow` header lists what it does answer: {allow}."),
    )
    .header(header::ALLOW, allow)
    .into_response()
}

async fn counted(state: &PracticeState, window_start: i64, now: i64) -> Result<i64, ApiError> {
    if let Some(count) = db::count_request(&state.db, &state.learner_id, window_start).await? {
        return Ok(count);
    }
    db::start_learner(&state.db, &state.learner_id, now).await?;
    db::count_request(&state.db, &state.learner_id, window_start)
        .await?
        .ok_or_else(|| ApiError::from(sqlx::Error::RowNotFound))
}

/// Who is calling: from `Authorization: Bearer <token>`, or else from the session cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    ReadWrite,
    ReadOnly,
    /// Signed in with the cookie; `csrf_ok` when `X-CSRF-Token` is the session's token,
    /// `foreign_origin` when `Origin` names a site other than the front end.
    Session {
        csrf_ok: bool,
        foreign_origin: bool,
    },
}

impl Caller {
    fn require_write(self) -> Result<(), ApiError> {
        match self {
            Self::ReadWrite => Ok(()),
            Self::ReadOnly => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "The token `{READ_ONLY_TOKEN}` may only read. Use `{FULL_TOKEN}` to change tasks."
                ),
            )),
            Self::Session {
                foreign_origin: true,
                ..
            } => Err(ApiError::of(
                ProblemType::CsrfCheckFailed,
                format!(
                    "This change comes with the session cookie from a page that is not on {CORS_ORIGIN} (see `Origin`): refused."
                ),
            )),
            Self::Session { csrf_ok: false, .. } => Err(ApiError::of(
                ProblemType::CsrfCheckFailed,
                "A change made with the session cookie needs the session's CSRF token in `X-CSRF-Token` (it came in the answer to POST /api/session).",
            )),
            Self::Session { .. } => Ok(()),
        }
    }
}

/// 401 with the `WWW-Authenticate` challenge RFC 9110 requires (and RFC 6750's `error`).
fn challenge(error: &str, message: String) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, message).header(
        header::WWW_AUTHENTICATE,
        match error {
            "" => "Bearer realm=\"practice\"".to_owned(),
            error => format!("Bearer realm=\"practice\", error=\"{error}\""),
        },
    )
}

/// The value of the session cookie, from any `Cookie` header.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

impl FromRequestParts<PracticeState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PracticeState,
    ) -> Result<Self, Self::Rejection> {
        if !parts.headers.contains_key(header::AUTHORIZATION)
            && let Some(session) = session_cookie(&parts.headers)
        {
            let hash = tokens::hash(&session);
            let Some(csrf) = db::get_session_csrf(&state.db, &state.learner_id, &hash).await?
            else {
                return Err(challenge(
                    "invalid_token",
                    "That session has ended (signed out, or practice data reset). Sign in again with POST /api/session.".into(),
                ));
            };
            let text = |name: header::HeaderName| {
                parts
                    .headers
                    .get(name)
                    .and_then(|value| value.to_str().ok())
                    .map(str::trim)
            };
            let sent = text(header::HeaderName::from_static("x-csrf-token")).unwrap_or("");
            return Ok(Self::Session {
                csrf_ok: !sent.is_empty() && sent == csrf,
                foreign_origin: text(header::ORIGIN).is_some_and(|origin| origin != CORS_ORIGIN),
            });
        }
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(challenge(
                "",
                "This endpoint needs a token (`Authorization: Bearer learner-token`) or the session cookie from POST /api/session.".into(),
            ));
        };
        let value = value.to_str().unwrap_or("").trim();
        let Some((scheme, token)) = value.split_once(' ') else {
            return Err(challenge(
                "invalid_request",
                "Write the header as `Authorization: Bearer <token>`.".into(),
            ));
        };
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(challenge(
                "invalid_request",
                format!("The scheme must be `Bearer`, not `{scheme}`."),
            ));
        }
        match token.trim() {
            FULL_TOKEN => Ok(Self::ReadWrite),
            READ_ONLY_TOKEN => Ok(Self::ReadOnly),
            _ => Err(challenge(
                "invalid_token",
                "That token is not valid here. The practice tokens are `learner-token` and `read-only-token`.".into(),
            )),
        }
    }
}

async fn index() -> Response {
    pretty(&json!({
        "tasks": "/api/tasks",
        "authentication": "Authorization: Bearer learner-token (read and write) or Bearer read-only-token (read only)",
        "session": format!("POST /api/session with {SESSION_USERNAME} / {SESSION_PASSWORD} sets a session cookie; changes made with it need X-CSRF-Token"),
        "cors_origin": CORS_ORIGIN,
        "rate_limit": format!("{RATE_LIMIT} requests per minute"),
    }))
}

/// `POST /api/session`: signs in with the practice account, sets a fresh session cookie and
/// answers the session's CSRF token, which every change made with the cookie must send back.
async fn sign_in(
    State(state): State<PracticeState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let object = json_object(&headers, &body)?;
    let text = |name: &str| object.get(name).and_then(Value::as_str).unwrap_or("");
    if text("username") != SESSION_USERNAME || text("password") != SESSION_PASSWORD {
        return Err(challenge(
            "",
            format!(
                "Wrong username or password. The practice account is {SESSION_USERNAME} / {SESSION_PASSWORD}."
            ),
        ));
    }
    // A new random session id at every sign-in, so an id planted before it is worth nothing.
    let session = tokens::random_token();
    let csrf = tokens::random_token();
    db::insert_session(
        &state.db,
        &state.learner_id,
        &tokens::hash(&session),
        &csrf,
        now(),
    )
    .await?;
    let mut response = pretty(&json!({
        "csrf_token": csrf,
        "message": format!(
            "Signed in. Send the cookie back as `Cookie: {SESSION_COOKIE}=<value from Set-Cookie>`, \
             and this token as `X-CSRF-Token` on every change."
        ),
    }));
    *response.status_mut() = StatusCode::CREATED;
    let cookie = format!("{SESSION_COOKIE}={session}; Path=/; Secure; HttpOnly; SameSite=Lax");
    let headers = response.headers_mut();
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        headers.insert(header::SET_COOKIE, cookie);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `DELETE /api/session`: ends the session of the cookie sent (if any) and clears the cookie.
async fn sign_out(
    State(state): State<PracticeState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(session) = session_cookie(&headers) {
        db::delete_session(&state.db, &state.learner_id, &tokens::hash(&session)).await?;
    }
    let cookie = format!("{SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0");
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// What a problem `type` URI points to: the documentation of that problem type.
async fn problem_doc(params: RawPathParams) -> Result<Response, ApiError> {
    let slug = params.iter().next().map(|(_, value)| value).unwrap_or("");
    let problem = ProblemType::from_slug(slug).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("There is no problem type {slug}."),
        )
    })?;
    Ok(pretty(&json!({
        "type": problem.uri(),
        "title": problem.title(),
        "status": problem.status().as_u16(),
        "description": problem.description(),
    })))
}

/// `204` with the path's `Allow` list; no token needed.
async fn options(uri: Uri) -> Response {
    let allow = allowed_methods(uri.path()).unwrap_or_default();
    (StatusCode::NO_CONTENT, [(header::ALLOW, allow)]).into_response()
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "Nothing answers {method} {}. The practice API lives under /api/tasks.",
            uri.path()
        ),
    )
}

fn task_json(task: &TaskRow) -> Value {
    json!({
        "id": task.id,
        "title": task.title,
        "done": task.done != 0,
        "priority": task.priority,
        "created_at": rfc3339(task.created_at),
        "updated_at": rfc3339(task.updated_at),
        "url": format!("/api/tasks/{}", task.id),
    })
}

/// A strong validator: a hash of the task as GET shows it, so any change gives a new one.
fn etag(task: &TaskRow) -> String {
    etag_of(&task_json(task))
}

fn etag_of(json: &Value) -> String {
    format!("\"{}\"", &sha256_hex(&json.to_string())[..16])
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Whether a list of entity tags (`If-None-Match`, `If-Match`) names `current`: `*` names any,
/// and `W/` is ignored (the weak comparison, enough for both uses here).
fn names_tag(list: &str, current: &str) -> bool {
    list.split(',')
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == current)
}

/// A task as JSON with its `ETag`.
fn task_response(task: &TaskRow) -> Response {
    let mut response = pretty(&task_json(task));
    if let Ok(value) = HeaderValue::from_str(&etag(task)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// 412 unless `If-Match` (when sent) names the task's current ETag: the client changes only
/// the version it read, and a change in between is not silently overwritten.
fn check_if_match(headers: &HeaderMap, task: &TaskRow) -> Result<(), ApiError> {
    let Some(wanted) = headers.get(header::IF_MATCH) else {
        return Ok(());
    };
    let current = etag(task);
    if names_tag(wanted.to_str().unwrap_or(""), &current) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::PRECONDITION_FAILED,
        format!(
            "Task {} has changed since you read it: its ETag is now {current}. GET it again, then decide.",
            task.id
        ),
    )
    .header(header::ETAG, current))
}

fn rfc3339(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|at| {
            at.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

async fn list_tasks(
    State(state): State<PracticeState>,
    _caller: Caller,
    uri: Uri,
) -> Result<Response, ApiError> {
    let mut page = 1;
    let mut per_page = DEFAULT_PER_PAGE;
    let mut fields = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        let number = value.trim().parse::<i64>().ok();
        match name.as_ref() {
            "page" => match number {
                Some(n) if n >= 1 => page = n,
                _ => {
                    fields.insert("page".into(), "must be a whole number from 1".into());
                }
            },
            "per_page" => match number {
                Some(n) if (1..=MAX_PER_PAGE).contains(&n) => per_page = n,
                _ => {
                    fields.insert(
                        "per_page".into(),
                        format!("must be a whole number from 1 to {MAX_PER_PAGE}"),
                    );
                }
            },
            _ => {}
        }
    }
    if !fields.is_empty() {
        return Err(ApiError::invalid_query(fields));
    }
    let total = db::count_tasks(&state.db, &state.learner_id).await?;
    let total_pages = ((total + per_page - 1) / per_page).max(1);
    let offset = (page - 1).saturating_mul(per_page);
    let tasks = db::list_tasks(&state.db, &state.learner_id, per_page, offset).await?;

    let link = |page: i64, rel: &str| {
        format!("</api/tasks?page={page}&per_page={per_page}>; rel=\"{rel}\"")
    };
    let mut links = vec![link(1, "first")];
    if page > 1 {
        links.push(link((page - 1).min(total_pages), "prev"));
    }
    if page < total_pages {
        links.push(link(page + 1, "next"));
    }
    links.push(link(total_pages, "last"));

    let mut response = pretty(&json!({
        "data": tasks.iter().map(task_json).collect::<Vec<_>>(),
        "meta": { "page": page, "per_page": per_page, "total": total, "total_pages": total_pages },
    }));
    if let Ok(value) = HeaderValue::from_str(&links.join(", ")) {
        response.headers_mut().insert(header::LINK, value);
    }
    response
        .headers_mut()
        .insert("x-total-count", HeaderValue::from(total));
    Ok(response)
}

/// The `{id}` of the path; anything that is not a task number is simply not found.
fn task_id(params: &RawPathParams) -> Result<i64, ApiError> {
    let raw = params
        .iter()
        .find(|(name, _)| *name == "id")
        .map(|(_, value)| value)
        .unwrap_or("");
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::not_found(raw))
}

async fn load(state: &PracticeState, params: &RawPathParams) -> Result<TaskRow, ApiError> {
    let id = task_id(params)?;
    db::get_task(&state.db, &state.learner_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found(&id.to_string()))
}

/// The task with its `ETag`; `304 Not Modified` without a body when `If-None-Match` names it.
async fn show_task(
    State(state): State<PracticeState>,
    _caller: Caller,
    params: RawPathParams,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let task = load(&state, &params).await?;
    let current = etag(&task);
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|list| names_tag(list, &current));
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, current)]).into_response());
    }
    Ok(task_response(&task))
}

/// Which fields a body must have: all (POST, PUT) or any subset (PATCH).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Create,
    Replace,
    Patch,
}

/// A checked task body: what to store.
struct TaskInput {
    title: String,
    done: bool,
    priority: String,
}

/// Content type (415), JSON syntax (400), then the fields (422). `current` fills what a PATCH
/// leaves out.
fn parse_body(
    headers: &HeaderMap,
    body: &Bytes,
    shape: Shape,
    current: Option<&TaskRow>,
) -> Result<TaskInput, ApiError> {
    validate(&json_object(headers, body)?, shape, current)
}

/// A JSON object body: 415 without the JSON content type, 400 for bad JSON, 422 for a non-object.
fn json_object(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json" {
        let got = if content_type.is_empty() {
            "no Content-Type header".to_owned()
        } else {
            format!("`Content-Type: {content_type}`")
        };
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "The body must be JSON, sent with `Content-Type: application/json`; got {got}."
            ),
        )
        .header(header::ACCEPT, "application/json"));
    }
    let value: Value = serde_json::from_slice(body).map_err(|error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("The body is not valid JSON: {error}."),
        )
    })?;
    let Value::Object(object) = value else {
        return Err(ApiError::of(
            ProblemType::ValidationFailed,
            "The body must be a JSON object, like {\"title\": \"Buy milk\"}.",
        ));
    };
    Ok(object)
}

fn validate(
    object: &Map<String, Value>,
    shape: Shape,
    current: Option<&TaskRow>,
) -> Result<TaskInput, ApiError> {
    let mut fields = BTreeMap::new();
    for name in object.keys() {
        if !["title", "done", "priority"].contains(&name.as_str()) {
            fields.insert(
                name.clone(),
                "is not a task field (the fields are title, done, priority)".into(),
            );
        }
    }
    let title = match object.get("title") {
        Some(Value::String(title)) => {
            let title = title.trim();
            if title.is_empty() {
                fields.insert("title".into(), "must not be blank".into());
            } else if title.chars().count() > MAX_TITLE_CHARS {
                fields.insert(
                    "title".into(),
                    format!("must be at most {MAX_TITLE_CHARS} characters"),
                );
            }
            title.to_owned()
        }
        Some(_) => {
            fields.insert("title".into(), "must be a string".into());
            String::new()
        }
        None if shape == Shape::Patch => current.map(|t| t.title.clone()).unwrap_or_default(),
        None => {
            fields.insert("title".into(), "is required".into());
            String::new()
        }
    };
    let done = match object.get("done") {
        Some(Value::Bool(done)) => *done,
        Some(_) => {
            fields.insert(
                "done".into(),
                "must be true or false (without quotes)".into(),
            );
            false
        }
        None if shape == Shape::Replace => {
            fields.insert(
                "done".into(),
                "is required: PUT replaces the whole task".into(),
            );
            false
        }
        None => current.is_some_and(|t| t.done != 0),
    };
    let priority = match object.get("priority") {
        Some(Value::String(priority)) if PRIORITIES.contains(&priority.as_str()) => {
            priority.clone()
        }
        Some(_) => {
            fields.insert(
                "priority".into(),
                "must be \"low\", \"normal\" or \"high\"".into(),
            );
            String::new()
        }
        None if shape == Shape::Patch => current
            .map(|t| t.priority.clone())
            .unwrap_or_else(|| "normal".into()),
        None => "normal".into(),
    };
    if fields.is_empty() {
        Ok(TaskInput {
            title,
            done,
            priority,
        })
    } else {
        Err(ApiError::invalid(fields))
    }
}

fn conflict(title: &str, other: i64) -> ApiError {
    ApiError::of(
        ProblemType::TitleTaken,
        format!("Task {other} already has the title \"{title}\". Titles must be unique."),
    )
}

/// `POST /api/tasks`. With an `Idempotency-Key`, the first successful answer is kept: the same
/// key with the same task replays it (`Idempotent-Replayed: true`) and the same key with another
/// task is refused, so a client may retry a POST after a timeout without creating two tasks.
async fn create_task(
    State(state): State<PracticeState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require_write()?;
    let input = parse_body(&headers, &body, Shape::Create, None)?;
    let key = idempotency_key(&headers)?;
    let request_hash = sha256_hex(&format!(
        "{}\n{}\n{}",
        input.title, input.done, input.priority
    ));
    if let Some(key) = &key
        && let Some(earlier) = db::get_idempotency_key(&state.db, &state.learner_id, key).await?
    {
        return replay(earlier, &request_hash);
    }
    if let Some(other) = db::find_title(&state.db, &state.learner_id, &input.title, 0).await? {
        return Err(conflict(&input.title, other));
    }
    if db::count_tasks(&state.db, &state.learner_id).await? >= MAX_TASKS {
        return Err(ApiError::of(
            ProblemType::TooManyTasks,
            format!(
                "You have {MAX_TASKS} tasks, the most the practice API keeps. Delete some, or reset your practice data."
            ),
        ));
    }
    let now = now();
    // The task and its key commit together: a second request with the same key fails on the
    // key's primary key, rolls its task back and replays the first answer.
    let mut tx = state.db.pool().begin().await?;
    let id = db::next_task_id(&mut *tx, &state.learner_id).await?;
    let inserted = db::insert_task(
        &mut *tx,
        &state.learner_id,
        id,
        &input.title,
        input.done,
        &input.priority,
        now,
    )
    .await;
    if let Err(error) = inserted {
        return Err(if is_unique_violation(&error) {
            conflict(&input.title, 0)
        } else {
            error.into()
        });
    }
    let task = TaskRow {
        id,
        title: input.title,
        done: i64::from(input.done),
        priority: input.priority,
        created_at: now,
        updated_at: now,
    };
    let json = task_json(&task);
    let text = json_text(&json);
    if let Some(key) = &key {
        let kept = db::insert_idempotency_key(
            &mut *tx,
            &state.learner_id,
            key,
            &request_hash,
            id,
            &text,
            now,
        )
        .await;
        match kept {
            Ok(()) => {}
            Err(error) if is_unique_violation(&error) => {
                drop(tx);
                let earlier = db::get_idempotency_key(&state.db, &state.learner_id, key)
                    .await?
                    .ok_or_else(|| ApiError::from(sqlx::Error::RowNotFound))?;
                return replay(earlier, &request_hash);
            }
            Err(error) => return Err(error.into()),
        }
    }
    tx.commit().await?;
    Ok(created(id, text, &etag_of(&json), false))
}

/// The `Idempotency-Key` header, without the quotes of the IETF draft's form (`"…"`).
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    let text = text
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(text);
    if text.is_empty() || text.len() > 255 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "The Idempotency-Key header must hold 1 to 255 characters, such as a UUID.",
        ));
    }
    Ok(Some(text.to_owned()))
}

/// The kept answer again, if the retry sends the same task; 422 if the key was used for another.
fn replay(earlier: db::IdempotencyRow, request_hash: &str) -> Result<Response, ApiError> {
    if earlier.request_hash != request_hash {
        return Err(ApiError::of(
            ProblemType::IdempotencyKeyReused,
            format!(
                "This Idempotency-Key already created task {} from a different body. Nothing was created: use a new key for a new task.",
                earlier.task_id
            ),
        ));
    }
    let json: Value = serde_json::from_str(&earlier.response_body).unwrap_or(Value::Null);
    let etag = etag_of(&json);
    Ok(created(earlier.task_id, earlier.response_body, &etag, true))
}

/// `201 Created` with the task, its `Location` and `ETag`.
fn created(id: i64, body: String, etag: &str, replayed: bool) -> Response {
    let mut response = (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response();
    let headers = response.headers_mut();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/tasks/{id}")) {
        headers.insert(header::LOCATION, location);
    }
    if let Ok(etag) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, etag);
    }
    if replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

async fn replace_task(
    state: State<PracticeState>,
    caller: Caller,
    params: RawPathParams,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    change_task(state, caller, params, headers, body, Shape::Replace).await
}

async fn update_task(
    state: State<PracticeState>,
    caller: Caller,
    params: RawPathParams,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    change_task(state, caller, params, headers, body, Shape::Patch).await
}

/// PUT and PATCH: 403 for the read-only token, 404 for an unknown task, 412 for a stale
/// `If-Match`, then the body's checks.
async fn change_task(
    State(state): State<PracticeState>,
    caller: Caller,
    params: RawPathParams,
    headers: HeaderMap,
    body: Bytes,
    shape: Shape,
) -> Result<Response, ApiError> {
    caller.require_write()?;
    let task = load(&state, &params).await?;
    check_if_match(&headers, &task)?;
    let input = parse_body(&headers, &body, shape, Some(&task))?;
    if let Some(other) = db::find_title(&state.db, &state.learner_id, &input.title, task.id).await?
    {
        return Err(conflict(&input.title, other));
    }
    let now = now();
    let updated = db::update_task(
        &state.db,
        &state.learner_id,
        task.id,
        &input.title,
        input.done,
        &input.priority,
        now,
    )
    .await;
    match updated {
        Ok(true) => {}
        Ok(false) => return Err(ApiError::not_found(&task.id.to_string())),
        Err(error) if is_unique_violation(&error) => return Err(conflict(&input.title, 0)),
        Err(error) => return Err(error.into()),
    }
    let task = TaskRow {
        title: input.title,
        done: i64::from(input.done),
        priority: input.priority,
        updated_at: now,
        ..task
    };
    Ok(task_response(&task))
}

/// 204 when the task was deleted; 404 when there is no such task (any more). Deleting twice
/// leaves the server in the same state as deleting once: that is DELETE's idempotence, even
/// though the second answer differs.
async fn delete_task(
    State(state): State<PracticeState>,
    caller: Caller,
    params: RawPathParams,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller.require_write()?;
    if headers.contains_key(header::IF_MATCH) {
        check_if_match(&headers, &load(&state, &params).await?)?;
    }
    let id = task_id(&params)?;
    if db::delete_task(&state.db, &state.learner_id, id).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found(&id.to_string()))
    }
}
