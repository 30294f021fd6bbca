//! The SQL lab's pages: an exercise with the learner's latest run, running their SQL on the lab
//! pool, and what a correct answer looks like once it may be shown.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::{IntoResponse, Redirect, Response};

use super::{ExerciseContext, REVEAL_AFTER_FAILURES, db, store_attempt};
use crate::grading::sql::{
    self, CheckMode, Outcome, SqlSpec,
    sandbox::{MAX_SQL_BYTES, Table},
};
use crate::{
    auth::{User, session::now},
    error::AppError,
    state::AppState,
    web::{Layout, dates::date_time},
};

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

pub(super) async fn render_page(
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

/// Grades a run on the lab pool and stores it as an attempt; the result fragment for htmx,
/// otherwise back to the page.
pub(super) async fn run_sql(
    state: &AppState,
    is_htmx: bool,
    user: &User,
    context: ExerciseContext,
    sql: &str,
) -> Result<Response, AppError> {
    let spec = sql_spec(&context.exercise)?;
    let input = sql.replace("\r\n", "\n");
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
    store_attempt(state, user, &context, &attempt).await?;
    if !is_htmx {
        return Ok(Redirect::to(&context.href).into_response());
    }
    let attempts = db::list_attempts_at(&state.db, &user.id, &context.exercise.id).await?;
    let standing = Standing::of(&attempts);
    let reveal = if standing.passed {
        Some(reveal_of(state, &spec).await?)
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
