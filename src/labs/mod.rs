//! Hands-on labs: exercise pages, running a learner's input, and the attempts it leaves.
//!
//! A page feature: it stands on `curriculum` and `progress` and imports no other page feature
//! (tests/integration/architecture.rs).
//!
//! This module owns the routes of every lab kind, finds an exercise and hands it to its kind's
//! page (`sql_page`, `http_page`); the kinds themselves (`crate::grading`) stay pure. Running needs
//! a login and stores an attempt; a passed exercise counts toward the module's progress like a
//! finished lesson.

mod db;
mod http_page;
mod sql_page;

use axum::{
    Router,
    extract::State,
    response::Response,
    routing::{get, post},
};
use axum_htmx::HxRequest;
use serde::Deserialize;

use crate::{
    auth::{CurrentUser, User},
    curriculum::ModuleAt,
    error::AppError,
    state::AppState,
    web::{Form, Layout, Path, Query},
};

use http_page::{http_page, reset_practice, run_http};
use sql_page::{render_page, run_sql};

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

/// Stores a run as an attempt; a pass may complete the path, so its certificate is awarded here.
async fn store_attempt(
    state: &AppState,
    user: &User,
    context: &ExerciseContext,
    attempt: &db::Attempt,
) -> Result<(), AppError> {
    db::insert_attempt(&state.db, &user.id, attempt).await?;
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
    Ok(())
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    #[serde(default)]
    reveal: Option<String>,
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
        return http_page(&state.db, layout, &user.id, context, None).await;
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
        return http_page(&state.db, layout, &user.id, context, Some(attempt)).await;
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
    run_sql(&state, is_htmx, &user, context, &form.sql).await
}
