//! The HTTP lab's pages: an exercise with the learner's exchanges, sending their request to the
//! practice API and checking the history against the goal, and resetting the practice tasks.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};

use super::{ExerciseContext, RunForm, db, load, store_attempt};
use crate::db::Db;
use crate::grading::http;
use crate::{
    auth::{CurrentUser, session::now},
    error::AppError,
    state::AppState,
    web::{Layout, Path, dates::date_time},
};

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

pub(super) async fn http_page(
    db: &Db,
    layout: Layout,
    user_id: &str,
    context: ExerciseContext,
    shown: Option<db::Attempt>,
) -> Result<Response, AppError> {
    let attempts = db::list_attempts_at(db, user_id, &context.exercise.id).await?;
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

pub(super) async fn run_http(
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
    store_attempt(state, user, &context, &attempt).await?;
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
pub(super) async fn reset_practice(
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
