//! Hands-on labs: exercise pages, running a learner's input, and the attempts it leaves.
//!
//! A page feature: it stands on `curriculum` and `progress` and imports no other page feature
//! (tests/integration/architecture.rs).
//!
//! This module owns the routes of every lab kind; the kinds themselves (`sql`, …) are pure
//! graders. Running needs a login and stores an attempt; a passed exercise counts toward the
//! module's progress like a finished lesson.

mod db;
pub mod http;
pub mod sql;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Router,
    extract::State,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_htmx::HxRequest;
use serde::{Deserialize, Serialize};

use crate::{
    auth::{CurrentUser, session::now},
    curriculum::ModuleAt,
    error::AppError,
    state::AppState,
    web::{Form, Layout, Path, Query, dates::date_time},
};

use sql::{
    CheckMode, Outcome, SqlSpec,
    sandbox::{MAX_SQL_BYTES, Table},
};

/// Failed tries after which the learner may ask to see the expected result.
pub const REVEAL_AFTER_FAILURES: usize = 3;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/paths/{path}/{module}/labs/{exercise}",
            get(exercise_page).post(run),
        )
        .route(
            "/paths/{path}/{module}/labs/{exercise}/attempts/{attempt}",
            get(attempt_page),
        )
        .route(
            "/paths/{path}/{module}/labs/{exercise}/practice-reset",
            post(reset_practice),
        )
}

/// Every lab attempt of the user, for their data export.
pub async fn attempts_of(state: &AppState, user_id: &str) -> sqlx::Result<Vec<serde_json::Value>> {
    Ok(db::list_attempts(&state.db, user_id)
        .await?
        .into_iter()
        .map(|a| {
            serde_json::json!({
                "id": a.id, "exercise_id": a.exercise_id, "input": a.input,
                "passed": a.passed != 0, "created_at": a.created_at,
                "result": serde_json::from_str::<serde_json::Value>(&a.result).unwrap_or_default(),
            })
        })
        .collect())
}

/// Where an exercise is, and the exercise.
struct ExerciseContext {
    path_id: String,
    path_slug: String,
    path_title: String,
    module_title: String,
    module_href: String,
    href: String,
    exercise: db::Exercise,
}

async fn load(
    state: &AppState,
    path: &str,
    module: &str,
    slug: &str,
) -> Result<ExerciseContext, AppError> {
    let place = ModuleAt::find(state.curriculum.now(), path, module).ok_or(AppError::NotFound)?;
    let exercise = db::get_exercise(&state.db, &place.module().id, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let module_href = format!("/paths/{path}/{module}");
    Ok(ExerciseContext {
        path_id: place.path().id.clone(),
        path_slug: path.to_owned(),
        path_title: place.path().title.clone(),
        module_title: place.module().title.clone(),
        href: format!("{module_href}/labs/{slug}"),
        module_href,
        exercise,
    })
}

fn sql_spec(exercise: &db::Exercise) -> Result<SqlSpec, AppError> {
    if exercise.kind != "sql" {
        return Err(AppError::NotFound);
    }
    serde_json::from_str(&exercise.spec).map_err(|e| AppError::Internal(e.into()))
}

/// One run as the page shows it.
struct AttemptView {
    id: String,
    input: String,
    when: String,
    outcome: Outcome,
}

impl AttemptView {
    fn of(attempt: &db::Attempt) -> Result<Self, AppError> {
        Ok(Self {
            id: attempt.id.clone(),
            input: attempt.input.clone(),
            when: date_time(attempt.created_at),
            outcome: serde_json::from_str(&attempt.result)
                .map_err(|e| AppError::Internal(e.into()))?,
        })
    }

    fn summary(&self) -> String {
        let outcome = &self.outcome;
        if outcome.passed {
            return "Passed: your SQL does what the exercise asks.".into();
        }
        if outcome.error.is_some() {
            return "Your SQL did not run.".into();
        }
        "Not yet: the result does not match.".into()
    }
}

/// What a correct answer looks like, shown after a pass or on request after a few misses.
struct Reveal {
    solution: String,
    expected: Option<Table>,
}

/// The learner's standing on one exercise.
struct Standing {
    tries: usize,
    failures: usize,
    passed: bool,
}

impl Standing {
    fn of(attempts: &[db::Attempt]) -> Self {
        let failures = attempts.iter().filter(|a| a.passed == 0).count();
        Self {
            tries: attempts.len(),
            failures,
            passed: failures < attempts.len(),
        }
    }

    fn may_reveal(&self) -> bool {
        self.passed || self.failures >= REVEAL_AFTER_FAILURES
    }
}

/// The part of the page a run replaces (the htmx fragment).
struct ResultPart {
    attempt: Option<AttemptView>,
    standing: Standing,
    reveal: Option<Reveal>,
    /// The page's address (for the reveal link).
    href: String,
}

impl ResultPart {
    fn offer_reveal(&self) -> bool {
        self.reveal.is_none() && self.standing.may_reveal()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "labs/exercise.html")]
struct ExercisePage {
    layout: Layout,
    context: ExerciseContext,
    /// What the editor holds: the latest input, or the exercise's starter.
    input: String,
    permissions: String,
    check: &'static str,
    max_sql_bytes: usize,
    part: ResultPart,
}

#[derive(Template, WebTemplate)]
#[template(path = "labs/exercise.html", block = "result")]
struct ResultFragment {
    part: ResultPart,
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    #[serde(default)]
    reveal: Option<String>,
}

fn check_label(mode: CheckMode) -> &'static str {
    match mode {
        CheckMode::Rows => "The result rows are compared with the expected ones.",
        CheckMode::Plan => {
            "The checker looks at the query plan (EXPLAIN QUERY PLAN) after your SQL."
        }
        CheckMode::Schema => "The checker inserts valid and invalid rows into your tables.",
        CheckMode::Params => "The checker binds normal and hostile inputs to your placeholders.",
    }
}

async fn reveal_of(state: &AppState, spec: &SqlSpec) -> Result<Reveal, AppError> {
    let for_worker = spec.clone();
    let expected = state
        .labs
        .run(move || sql::expected(&for_worker))
        .await
        .ok()
        .and_then(Result::ok)
        .flatten();
    Ok(Reveal {
        solution: spec.exercise.solution.trim().to_owned(),
        expected,
    })
}

async fn render_page(
    state: &AppState,
    layout: Layout,
    user_id: &str,
    context: ExerciseContext,
    shown: Option<db::Attempt>,
    want_reveal: bool,
) -> Result<Response, AppError> {
    let spec = sql_spec(&context.exercise)?;
    let attempts = db::list_attempts_at(&state.db, user_id, &context.exercise.id).await?;
    let standing = Standing::of(&attempts);
    let shown = shown.or_else(|| attempts.last().cloned());
    let attempt = shown.as_ref().map(AttemptView::of).transpose()?;
    let reveal = if standing.may_reveal() && (want_reveal || standing.passed) {
        Some(reveal_of(state, &spec).await?)
    } else {
        None
    };
    let input = attempt
        .as_ref()
        .map_or_else(|| spec.exercise.starter.clone(), |a| a.input.clone());
    let permissions = spec
        .exercise
        .allow
        .iter()
        .map(|p| p.label())
        .collect::<Vec<_>>()
        .join(", ");
    Ok(ExercisePage {
        layout,
        input,
        permissions,
        check: check_label(spec.exercise.check),
        max_sql_bytes: MAX_SQL_BYTES,
        part: ResultPart {
            attempt,
            standing,
            reveal,
            href: context.href.clone(),
        },
        context,
    }
    .into_response())
}

async fn exercise_page(
    State(state): State<AppState>,
    layout: Layout,
    CurrentUser(user): CurrentUser,
    Path((path, module, slug)): Path<(String, String, String)>,
    Query(query): Query<PageQuery>,
) -> Result<Response, AppError> {
    let context = load(&state, &path, &module, &slug).await?;
    if context.exercise.kind == "http" {
        return http_page(&state, layout, &user.id, context, None).await;
    }
    render_page(
        &state,
        layout,
        &user.id,
        context,
        None,
        query.reveal.is_some(),
    )
    .await
}

async fn attempt_page(
    State(state): State<AppState>,
    layout: Layout,
    CurrentUser(user): CurrentUser,
    Path((path, module, slug, attempt_id)): Path<(String, String, String, String)>,
) -> Result<Response, AppError> {
    let context = load(&state, &path, &module, &slug).await?;
    let attempt = db::get_attempt(&state.db, &user.id, &attempt_id)
        .await?
        .filter(|a| a.exercise_id == context.exercise.id)
        .ok_or(AppError::NotFound)?;
    if context.exercise.kind == "http" {
        return http_page(&state, layout, &user.id, context, Some(attempt)).await;
    }
    render_page(&state, layout, &user.id, context, Some(attempt), false).await
}

/// What a run posts: `sql` for a SQL exercise; `method`, `path`, `headers`, `body` for HTTP.
#[derive(Debug, Default, Deserialize)]
struct RunForm {
    #[serde(default)]
    sql: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    headers: String,
    #[serde(default)]
    body: String,
}

/// Keeps at most `max` bytes of `text`, cut at a character boundary.
fn clip(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

async fn run(
    State(state): State<AppState>,
    HxRequest(is_htmx): HxRequest,
    layout: Layout,
    CurrentUser(user): CurrentUser,
    Path((path, module, slug)): Path<(String, String, String)>,
    Form(form): Form<RunForm>,
) -> Result<Response, AppError> {
    let context = load(&state, &path, &module, &slug).await?;
    if context.exercise.kind == "http" {
        return run_http(&state, is_htmx, layout, &user, context, form).await;
    }
    let spec = sql_spec(&context.exercise)?;
    let input = form.sql.replace("\r\n", "\n");
    let outcome = if input.len() > MAX_SQL_BYTES {
        Outcome {
            error: Some(format!(
                "Your SQL is {} bytes long; the limit is {MAX_SQL_BYTES}.",
                input.len()
            )),
            ..Outcome::default()
        }
    } else {
        let (for_worker, sql) = (spec.clone(), input.clone());
        // A busy runner is the server's problem, not a try: 503 and nothing stored.
        state
            .labs
            .run(move || sql::grade(&for_worker, &sql))
            .await?
    };
    let attempt = db::Attempt {
        id: uuid::Uuid::now_v7().to_string(),
        exercise_id: context.exercise.id.clone(),
        input: clip(&input, MAX_SQL_BYTES).to_owned(),
        passed: i64::from(outcome.passed),
        result: serde_json::to_string(&outcome).map_err(|e| AppError::Internal(e.into()))?,
        created_at: now(),
    };
    db::insert_attempt(&state.db, &user.id, &attempt).await?;
    if outcome.passed {
        crate::progress::certificate::award_if_complete(
            &state.db,
            &state.visits,
            &user,
            &state.curriculum.now(),
            &context.path_id,
        )
        .await?;
    }
    if !is_htmx {
        return Ok(Redirect::to(&context.href).into_response());
    }
    let attempts = db::list_attempts_at(&state.db, &user.id, &context.exercise.id).await?;
    let standing = Standing::of(&attempts);
    let reveal = if standing.passed {
        Some(reveal_of(&state, &spec).await?)
    } else {
        None
    };
    Ok(ResultFragment {
        part: ResultPart {
            attempt: Some(AttemptView::of(&attempt)?),
            standing,
            reveal,
            href: context.href,
        },
    }
    .into_response())
}

/// What an HTTP run leaves: the exchange and the verdict on the learner's history.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct HttpOutcome {
    exchange: http::Exchange,
    verdict: http::Verdict,
}

/// One HTTP run as the page shows it.
struct HttpAttemptView {
    id: String,
    when: String,
    passed: bool,
    /// Escaped, with `code` spans.
    feedback_html: String,
    raw_request: String,
    raw_response: String,
    status: u16,
}

impl HttpAttemptView {
    fn of(attempt: &db::Attempt) -> Result<Self, AppError> {
        let outcome: HttpOutcome =
            serde_json::from_str(&attempt.result).map_err(|e| AppError::Internal(e.into()))?;
        Ok(Self {
            id: attempt.id.clone(),
            when: date_time(attempt.created_at),
            passed: outcome.verdict.passed,
            feedback_html: crate::render::markdown::inline(&outcome.verdict.feedback),
            raw_request: http::raw_request(&outcome.exchange.request),
            raw_response: http::raw_response(&outcome.exchange.response),
            status: outcome.exchange.response.status,
        })
    }
}

/// The part of the HTTP page a run replaces.
struct HttpPart {
    attempt: Option<HttpAttemptView>,
    /// The request was refused before it was sent (a bad header line, a URL, …).
    error: Option<String>,
    tries: usize,
    passed: bool,
    href: String,
}

/// The form's fields, as last sent (or the starting values).
struct HttpForm {
    method: String,
    path: String,
    headers: String,
    body: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "labs/http.html")]
struct HttpPage {
    layout: Layout,
    context: ExerciseContext,
    form: HttpForm,
    methods: &'static [&'static str],
    reference_html: String,
    part: HttpPart,
}

#[derive(Template, WebTemplate)]
#[template(path = "labs/http.html", block = "result")]
struct HttpFragment {
    part: HttpPart,
}

fn goal_of(exercise: &db::Exercise) -> Result<http::Goal, AppError> {
    serde_json::from_str(&exercise.spec).map_err(|e| AppError::Internal(e.into()))
}

/// The learner's earlier exchanges for an exercise, oldest first.
fn history_of(attempts: &[db::Attempt]) -> Vec<http::Exchange> {
    attempts
        .iter()
        .filter_map(|a| serde_json::from_str::<HttpOutcome>(&a.result).ok())
        .map(|outcome| outcome.exchange)
        .collect()
}

fn form_of(request: Option<&http::PracticeRequest>) -> HttpForm {
    match request {
        Some(request) => HttpForm {
            method: request.method.clone(),
            path: request.path.clone(),
            headers: request
                .headers
                .iter()
                .map(|(name, value)| format!("{name}: {value}"))
                .collect::<Vec<_>>()
                .join("\n"),
            body: request.body.clone(),
        },
        None => HttpForm {
            method: "GET".into(),
            path: "/api/tasks".into(),
            headers: http::STARTER_HEADERS.into(),
            body: String::new(),
        },
    }
}

async fn http_page(
    state: &AppState,
    layout: Layout,
    user_id: &str,
    context: ExerciseContext,
    shown: Option<db::Attempt>,
) -> Result<Response, AppError> {
    let attempts = db::list_attempts_at(&state.db, user_id, &context.exercise.id).await?;
    let shown = shown.or_else(|| attempts.last().cloned());
    let request = shown
        .as_ref()
        .and_then(|a| serde_json::from_str::<HttpOutcome>(&a.result).ok())
        .map(|outcome| outcome.exchange.request);
    let part = HttpPart {
        attempt: shown.as_ref().map(HttpAttemptView::of).transpose()?,
        error: None,
        tries: attempts.len(),
        passed: attempts.iter().any(|a| a.passed != 0),
        href: context.href.clone(),
    };
    Ok(HttpPage {
        layout,
        form: form_of(request.as_ref()),
        methods: &http::METHODS,
        reference_html: crate::render::markdown::render(http::reference_docs()).html,
        part,
        context,
    }
    .into_response())
}

async fn run_http(
    state: &AppState,
    is_htmx: bool,
    layout: Layout,
    user: &crate::auth::User,
    context: ExerciseContext,
    form: RunForm,
) -> Result<Response, AppError> {
    let goal = goal_of(&context.exercise)?;
    let body = form.body.replace("\r\n", "\n");
    let sent = match http::parse_headers(&form.headers) {
        Ok(headers) => {
            let request = http::PracticeRequest {
                method: form.method.clone(),
                path: form.path.clone(),
                headers,
                body: body.clone(),
            };
            http::send(&state.db, &user.id, &request)
                .await
                .map(|response| http::Exchange { request, response })
        }
        Err(error) => Err(error),
    };
    let exchange = match sent {
        Ok(exchange) => exchange,
        Err(error) => {
            // Refused before sending: nothing happened, so nothing is stored.
            let attempts = db::list_attempts_at(&state.db, &user.id, &context.exercise.id).await?;
            let part = HttpPart {
                attempt: None,
                error: Some(error),
                tries: attempts.len(),
                passed: attempts.iter().any(|a| a.passed != 0),
                href: context.href.clone(),
            };
            if is_htmx {
                return Ok(HttpFragment { part }.into_response());
            }
            let page = HttpPage {
                layout,
                form: HttpForm {
                    method: form.method,
                    path: form.path,
                    headers: form.headers,
                    body,
                },
                methods: &http::METHODS,
                reference_html: crate::render::markdown::render(http::reference_docs()).html,
                part,
                context,
            };
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut attempts = db::list_attempts_at(&state.db, &user.id, &context.exercise.id).await?;
    let mut history = history_of(&attempts);
    history.push(exchange.clone());
    let verdict = http::check(&goal, &history);
    let attempt = db::Attempt {
        id: uuid::Uuid::now_v7().to_string(),
        exercise_id: context.exercise.id.clone(),
        input: serde_json::to_string(&exchange.request)
            .map_err(|e| AppError::Internal(e.into()))?,
        passed: i64::from(verdict.passed),
        result: serde_json::to_string(&HttpOutcome { exchange, verdict })
            .map_err(|e| AppError::Internal(e.into()))?,
        created_at: now(),
    };
    db::insert_attempt(&state.db, &user.id, &attempt).await?;
    if attempt.passed != 0 {
        crate::progress::certificate::award_if_complete(
            &state.db,
            &state.visits,
            user,
            &state.curriculum.now(),
            &context.path_id,
        )
        .await?;
    }
    if !is_htmx {
        return Ok(Redirect::to(&context.href).into_response());
    }
    attempts.push(attempt);
    let part = HttpPart {
        attempt: attempts.last().map(HttpAttemptView::of).transpose()?,
        error: None,
        tries: attempts.len(),
        passed: attempts.iter().any(|a| a.passed != 0),
        href: context.href,
    };
    Ok(HttpFragment { part }.into_response())
}

/// Brings back the learner's starter tasks in the practice API.
async fn reset_practice(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    CurrentUser(user): CurrentUser,
    Path((path, module, slug)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let context = load(&state, &path, &module, &slug).await?;
    http::reset(&state.db, &user.id).await?;
    crate::auth::session::flash_and_redirect(
        &session,
        "Your practice tasks are back to the starter set.",
        &context.href,
    )
    .await
}
