//! The curriculum with the caller's progress: paths, a path's outline, a module, a lesson, and
//! marking a lesson done. Read from the published tree in memory and one progress statement,
//! like the pages.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::{caller::Caller, json, problem::Problem};
use crate::{
    auth::access_tokens::Scope,
    curriculum::{
        LessonAt, ModuleAt, PathAt,
        published::{Module, Path},
    },
    progress::{ModuleState, Progress, completions},
    state::AppState,
};

/// Where a path is: its slug (documentation only; `PathAt` reads it).
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct PathSlug {
    /// The path's slug
    #[param(example = "backend-foundations")]
    path: String,
}

/// Where a module is.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct ModuleSlugs {
    /// The path's slug
    #[param(example = "backend-foundations")]
    path: String,
    /// The module's slug
    #[param(example = "how-backends-work")]
    module: String,
}

/// Where a lesson is.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct LessonSlugs {
    /// The path's slug
    #[param(example = "backend-foundations")]
    path: String,
    /// The module's slug
    #[param(example = "how-backends-work")]
    module: String,
    /// The lesson's slug
    #[param(example = "what-the-backend-does")]
    lesson: String,
}

/// A learning path, with how far the caller is through it.
#[derive(Serialize, ToSchema)]
pub struct PathSummary {
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// The path's outline in this API.
    pub href: String,
    pub modules: usize,
    pub lessons: usize,
    pub lessons_done: usize,
    /// True once every module is done; the certificate is then issued.
    pub complete: bool,
}

fn summary_of(path: &Path, progress: &Progress) -> PathSummary {
    PathSummary {
        slug: path.slug.to_string(),
        title: path.title.clone(),
        summary: path.summary.clone(),
        href: format!("/api/v1/paths/{}", path.slug),
        modules: path.modules.len(),
        lessons: path.lesson_count(),
        lessons_done: progress.lessons_done_in(path),
        complete: progress.path_complete(path),
    }
}

/// Where the caller stands in a module.
#[derive(Serialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum State_ {
    NotStarted,
    InProgress,
    Skipped,
    Done,
}

impl From<ModuleState> for State_ {
    fn from(state: ModuleState) -> Self {
        match state {
            ModuleState::NotStarted => Self::NotStarted,
            ModuleState::InProgress => Self::InProgress,
            ModuleState::Skipped => Self::Skipped,
            ModuleState::Done => Self::Done,
        }
    }
}

/// A lesson as outlines list it.
#[derive(Serialize, ToSchema)]
pub struct LessonItem {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub href: String,
    pub reading_minutes: i64,
    pub done: bool,
}

/// A module's quiz, with the caller's best score.
#[derive(Serialize, ToSchema)]
pub struct QuizItem {
    pub title: String,
    pub href: String,
    pub questions: usize,
    /// Percent needed to pass.
    pub pass_mark: i64,
    pub best_score: Option<i64>,
    pub passed: bool,
}

/// A lab exercise of a module.
#[derive(Serialize, ToSchema)]
pub struct ExerciseItem {
    pub slug: String,
    pub title: String,
    /// `sql` or `http`.
    pub kind: String,
    /// The exercise's page (labs are done in the browser).
    pub page: String,
    pub passed: bool,
}

/// A module with the caller's progress through it.
#[derive(Serialize, ToSchema)]
pub struct ModuleDetail {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub href: String,
    pub state: State_,
    pub lessons: Vec<LessonItem>,
    pub quiz: Option<QuizItem>,
    pub exercises: Vec<ExerciseItem>,
}

fn module_of(path: &Path, module: &Module, progress: &Progress) -> ModuleDetail {
    let href = format!("/api/v1/paths/{}/{}", path.slug, module.slug);
    ModuleDetail {
        lessons: module
            .lessons
            .iter()
            .map(|lesson| LessonItem {
                slug: lesson.slug.to_string(),
                title: lesson.title.clone(),
                summary: lesson.summary.clone(),
                href: format!("{href}/{}", lesson.slug),
                reading_minutes: lesson.reading_minutes,
                done: progress.is_done(&lesson.id),
            })
            .collect(),
        quiz: module.quiz.as_ref().map(|quiz| {
            let result = progress.quiz(module);
            QuizItem {
                title: quiz.title.clone(),
                href: format!("{href}/quiz"),
                questions: quiz.questions.len(),
                pass_mark: quiz.pass_mark,
                best_score: result.map(|result| result.best),
                passed: result.is_some_and(|result| result.passed),
            }
        }),
        exercises: module
            .exercises
            .iter()
            .map(|exercise| ExerciseItem {
                slug: exercise.slug.to_string(),
                title: exercise.title.clone(),
                kind: exercise.kind.clone(),
                page: exercise.href.clone(),
                passed: progress.is_passed(&exercise.id),
            })
            .collect(),
        slug: module.slug.to_string(),
        title: module.title.clone(),
        summary: module.summary.clone(),
        state: progress.module_state(module).into(),
        href,
    }
}

#[derive(Serialize, ToSchema)]
pub struct PathList {
    pub paths: Vec<PathSummary>,
}

/// The published paths.
#[utoipa::path(
    get, path = "/paths", operation_id = "listPaths", tag = "curriculum",
    responses(
        (status = 200, description = "The published paths", body = PathList),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    caller.require(Scope::Read)?;
    let tree = state.curriculum.now();
    let progress = Progress::load(&state.db, &state.visits, caller.user_id()).await?;
    let paths = tree
        .paths
        .iter()
        .map(|path| summary_of(path, &progress))
        .collect();
    Ok(json::fresh(&headers, &PathList { paths }))
}

#[derive(Serialize, ToSchema)]
pub struct Outline {
    pub path: PathSummary,
    pub modules: Vec<ModuleDetail>,
}

/// A path's outline: its modules and lessons, with the caller's progress.
#[utoipa::path(
    get, path = "/paths/{path}", operation_id = "getOutline", tag = "curriculum",
    params(PathSlug),
    responses(
        (status = 200, description = "The outline", body = Outline),
    ),
)]
pub async fn outline(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    place: PathAt,
) -> Result<Response, Problem> {
    caller.require(Scope::Read)?;
    let progress = Progress::load(&state.db, &state.visits, caller.user_id()).await?;
    let path = place.path();
    let outline = Outline {
        path: summary_of(path, &progress),
        modules: path
            .modules
            .iter()
            .map(|module| module_of(path, module, &progress))
            .collect(),
    };
    Ok(json::fresh(&headers, &outline))
}

/// A module: its lessons, quiz and lab exercises, with the caller's progress.
#[utoipa::path(
    get, path = "/paths/{path}/{module}", operation_id = "getModule", tag = "curriculum",
    params(ModuleSlugs),
    responses(
        (status = 200, description = "The module", body = ModuleDetail),
    ),
)]
pub async fn module(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    place: ModuleAt,
) -> Result<Response, Problem> {
    caller.require(Scope::Read)?;
    let progress = Progress::load(&state.db, &state.visits, caller.user_id()).await?;
    Ok(json::fresh(
        &headers,
        &module_of(place.path(), place.module(), &progress),
    ))
}

/// A lesson: rendered and as Markdown.
#[derive(Serialize, ToSchema)]
pub struct LessonDetail {
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// Rendered and sanitised HTML, as the lesson page shows it.
    pub html: String,
    /// The Markdown the lesson is written in.
    pub markdown: String,
    pub reading_minutes: i64,
    /// Unix seconds of the last published change.
    pub updated_at: i64,
    /// The lesson's page.
    pub page: String,
    pub completion: Completion,
}

/// Whether the caller has marked a lesson done.
#[derive(Serialize, ToSchema)]
pub struct Completion {
    pub done: bool,
    /// Unix seconds, when done.
    pub completed_at: Option<i64>,
    /// Lessons done in the lesson's module, of how many.
    pub module_lessons_done: usize,
    pub module_lessons: usize,
}

fn completion_of(place: &LessonAt, progress: &Progress) -> Completion {
    let lesson = place.lesson();
    Completion {
        done: progress.is_done(&lesson.id),
        completed_at: progress.done_at(&lesson.id),
        module_lessons_done: progress.lessons_done(place.module()),
        module_lessons: place.module().lessons.len(),
    }
}

/// A lesson, with whether the caller has done it.
#[utoipa::path(
    get, path = "/paths/{path}/{module}/{lesson}", operation_id = "getLesson", tag = "curriculum",
    params(LessonSlugs),
    responses(
        (status = 200, description = "The lesson", body = LessonDetail),
    ),
)]
pub async fn lesson(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    place: LessonAt,
) -> Result<Response, Problem> {
    caller.require(Scope::Read)?;
    let progress = Progress::load(&state.db, &state.visits, caller.user_id()).await?;
    let lesson = place.lesson();
    let detail = LessonDetail {
        slug: lesson.slug.to_string(),
        title: lesson.title.clone(),
        summary: lesson.summary.clone(),
        html: lesson.body_html.clone(),
        markdown: lesson.body_markdown.clone(),
        reading_minutes: lesson.reading_minutes,
        updated_at: lesson.updated_at,
        page: place.href.clone(),
        completion: completion_of(&place, &progress),
    };
    Ok(json::fresh(&headers, &detail))
}

/// Marks the lesson done (a second call changes nothing). Finishing a path issues its
/// certificate.
#[utoipa::path(
    put, path = "/paths/{path}/{module}/{lesson}/completion", operation_id = "markLessonDone", tag = "progress",
    params(LessonSlugs),
    responses((status = 200, description = "The lesson is done", body = Completion)),
)]
pub async fn mark_done(
    State(state): State<AppState>,
    caller: Caller,
    place: LessonAt,
) -> Result<Response, Problem> {
    caller.require(Scope::Write)?;
    let progress = completions::mark_done(
        &state.db,
        &state.visits,
        &caller.0.user,
        place.path(),
        place.lesson(),
    )
    .await?;
    Ok(json::written(
        StatusCode::OK,
        &completion_of(&place, &progress),
    ))
}

/// Marks the lesson not done. A certificate already issued stays.
#[utoipa::path(
    delete, path = "/paths/{path}/{module}/{lesson}/completion", operation_id = "markLessonNotDone", tag = "progress",
    params(LessonSlugs),
    responses((status = 200, description = "The lesson is not done", body = Completion)),
)]
pub async fn mark_not_done(
    State(state): State<AppState>,
    caller: Caller,
    place: LessonAt,
) -> Result<Response, Problem> {
    caller.require(Scope::Write)?;
    completions::mark_not_done(&state.db, &caller.0.user, place.lesson()).await?;
    let progress = Progress::load(&state.db, &state.visits, caller.user_id()).await?;
    Ok(json::written(
        StatusCode::OK,
        &completion_of(&place, &progress),
    ))
}
