//! The learner's own progress: lesson completion and the dashboard.

mod db;
mod heatmap;

use std::collections::{HashMap, HashSet};

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Router,
    extract::State,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_htmx::HxRequest;

use crate::{
    auth::{CurrentUser, User, session::now},
    catalog::{self, LessonAt, ModuleAt},
    error::AppError,
    quiz,
    state::AppState,
    web::dates::date,
    web::{Layout, Path},
};

pub use db::{Certificate, CompletionExport};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/certificates/{code}", get(certificate_page))
        .route("/paths/{path}/{module}/{lesson}/complete", post(complete))
        .route(
            "/paths/{path}/{module}/{lesson}/incomplete",
            post(incomplete),
        )
        .route("/paths/{path}/reset", get(reset_path_form).post(reset_path))
        .route("/paths/{path}/{module}/skip", post(skip))
        .route("/paths/{path}/{module}/unskip", post(unskip))
        .route(
            "/paths/{path}/{module}/reset",
            get(reset_module_form).post(reset_module),
        )
}

/// The lesson page's progress widget: the done/undo button and the module's bar.
#[derive(Debug, Clone)]
pub struct Completion {
    pub lesson_href: String,
    pub done: bool,
    pub module_done: usize,
    pub module_total: usize,
    /// In an htmx response: also update the sidebar's bar (out of band).
    pub out_of_band: bool,
}

/// Where a learner stands in a module. Done means every lesson done, every lab exercise
/// passed and the quiz (if any) passed; callers count exercises together with lessons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleState {
    NotStarted,
    InProgress,
    Skipped,
    Done,
}

impl ModuleState {
    pub fn of(
        lessons_done: usize,
        lessons: usize,
        has_quiz: bool,
        quiz: Option<(i64, bool)>,
    ) -> Self {
        let quiz_passed = !has_quiz || quiz.is_some_and(|(_, passed)| passed);
        if lessons_done == lessons && quiz_passed {
            Self::Done
        } else if lessons_done > 0 || quiz.is_some() {
            Self::InProgress
        } else {
            Self::NotStarted
        }
    }

    /// A skipped module shows as skipped unless it is done anyway.
    pub fn with_skip(self, skipped: bool) -> Self {
        if skipped && self != Self::Done {
            Self::Skipped
        } else {
            self
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::NotStarted => "Not started",
            Self::InProgress => "In progress",
            Self::Skipped => "Skipped",
            Self::Done => "Done",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Self::NotStarted => "state-not-started",
            Self::InProgress => "state-in-progress",
            Self::Skipped => "state-skipped",
            Self::Done => "state-done",
        }
    }
}

/// The lessons of a path the user has finished.
pub async fn completed_lessons(
    state: &AppState,
    user_id: &str,
    path_id: &str,
) -> sqlx::Result<HashSet<String>> {
    Ok(db::completed_in_path(&state.db, user_id, path_id)
        .await?
        .into_iter()
        .collect())
}

/// Issues the path's certificate when every module is done. Called after each step that
/// can complete a path (a lesson marked done, a quiz or lab exercise passed); idempotent.
pub async fn award_certificate_if_complete(
    state: &AppState,
    user: &User,
    path_id: &str,
) -> Result<(), AppError> {
    let Some(structure) = catalog::path_structure(state, path_id).await? else {
        return Ok(());
    };
    let done = completed_lessons(state, &user.id, path_id).await?;
    let scores = quiz::best_scores(state, &user.id, path_id).await?;
    let passed = crate::labs::passed_in_path(state, &user.id, path_id).await?;
    let complete = !structure.modules.is_empty()
        && structure.modules.iter().all(|module| {
            module.state(&done, &passed, scores.get(&module.id).copied()) == ModuleState::Done
        });
    if complete {
        // 96 random bits: unguessable, short enough to type from a printed page.
        let code = crate::auth::tokens::random_token()[..24].to_owned();
        db::insert_certificate(
            &state.db,
            &user.id,
            path_id,
            &user.display_name,
            &structure.title,
            &code,
            now(),
        )
        .await?;
    }
    Ok(())
}

/// The user's certificates, for the dashboard and their data export.
pub async fn certificates_of(state: &AppState, user_id: &str) -> sqlx::Result<Vec<Certificate>> {
    db::list_certificates(&state.db, user_id).await
}

#[derive(Template, WebTemplate)]
#[template(path = "learning/certificate.html")]
struct CertificatePage {
    layout: Layout,
    certificate: Certificate,
}

/// Public: anyone with the code can verify the certificate.
async fn certificate_page(
    State(state): State<AppState>,
    layout: Layout,
    Path(code): Path<String>,
) -> Result<CertificatePage, AppError> {
    let certificate = db::get_certificate(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(CertificatePage {
        layout,
        certificate,
    })
}

/// The modules of a path the user skipped.
pub async fn skipped_modules(
    state: &AppState,
    user_id: &str,
    path_id: &str,
) -> sqlx::Result<HashSet<String>> {
    Ok(db::skipped_in_path(&state.db, user_id, path_id)
        .await?
        .into_iter()
        .collect())
}

async fn skip(
    state: State<AppState>,
    user: CurrentUser,
    module: ModuleAt,
) -> Result<Redirect, AppError> {
    set_skip(state, user, module, true).await
}

async fn unskip(
    state: State<AppState>,
    user: CurrentUser,
    module: ModuleAt,
) -> Result<Redirect, AppError> {
    set_skip(state, user, module, false).await
}

async fn set_skip(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ModuleAt { ids, href }: ModuleAt,
    skip: bool,
) -> Result<Redirect, AppError> {
    db::set_skip(&state.db, &user.id, &ids.module_id, skip, now()).await?;
    Ok(Redirect::to(&href))
}

/// The confirmation page before a reset: says exactly what goes and what stays.
#[derive(Template, WebTemplate)]
#[template(path = "learning/reset.html")]
struct ResetPage {
    layout: Layout,
    /// "the module Databases and Data Modeling" or "the path Backend Foundations"
    what: String,
    action: String,
    back: String,
}

async fn reset_module_form(
    layout: Layout,
    CurrentUser(_user): CurrentUser,
    ModuleAt { ids, href }: ModuleAt,
) -> ResetPage {
    ResetPage {
        layout,
        what: format!("the module “{}”", ids.module_title),
        action: format!("{href}/reset"),
        back: href,
    }
}

async fn reset_module(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    CurrentUser(user): CurrentUser,
    ModuleAt { ids, href }: ModuleAt,
) -> Result<Response, AppError> {
    db::reset(&state.db, &user.id, db::Scope::Module(&ids.module_id)).await?;
    crate::auth::session::flash_and_redirect(
        &session,
        "Your progress in this module was reset.",
        &href,
    )
    .await
}

async fn reset_path_form(
    State(state): State<AppState>,
    layout: Layout,
    CurrentUser(_user): CurrentUser,
    Path(path): Path<String>,
) -> Result<ResetPage, AppError> {
    let summary = catalog::find_path(&state, &path)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(ResetPage {
        layout,
        what: format!("the path “{}”", summary.title),
        action: format!("/paths/{path}/reset"),
        back: format!("/paths/{path}"),
    })
}

async fn reset_path(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    CurrentUser(user): CurrentUser,
    Path(path): Path<String>,
) -> Result<Response, AppError> {
    let summary = catalog::find_path(&state, &path)
        .await?
        .ok_or(AppError::NotFound)?;
    db::reset(&state.db, &user.id, db::Scope::Path(&summary.id)).await?;
    crate::auth::session::flash_and_redirect(
        &session,
        "Your progress in this path was reset.",
        &format!("/paths/{path}"),
    )
    .await
}

/// Every completion of the user, for their data export.
pub async fn completions_of(
    state: &AppState,
    user_id: &str,
) -> sqlx::Result<Vec<CompletionExport>> {
    db::list_completions(&state.db, user_id).await
}

impl Completion {
    /// Where the button posts: undo when done, done otherwise.
    pub fn action(&self) -> String {
        let verb = if self.done { "incomplete" } else { "complete" };
        format!("{}/{verb}", self.lesson_href)
    }

    /// The widget's state, given the module's lesson ids and what the user finished.
    pub fn new(
        lesson_href: String,
        lesson_id: &str,
        module_lessons: &[&str],
        done: &HashSet<String>,
    ) -> Self {
        Self {
            lesson_href,
            done: done.contains(lesson_id),
            module_done: module_lessons
                .iter()
                .filter(|id| done.contains(**id))
                .count(),
            module_total: module_lessons.len(),
            out_of_band: false,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog/lesson.html", block = "completion")]
struct CompletionFragment {
    layout: Layout,
    completion: Option<Completion>,
}

async fn complete(
    state: State<AppState>,
    htmx: HxRequest,
    layout: Layout,
    user: CurrentUser,
    lesson: LessonAt,
) -> Result<Response, AppError> {
    set_done(state, htmx, layout, user, lesson, true).await
}

async fn incomplete(
    state: State<AppState>,
    htmx: HxRequest,
    layout: Layout,
    user: CurrentUser,
    lesson: LessonAt,
) -> Result<Response, AppError> {
    set_done(state, htmx, layout, user, lesson, false).await
}

/// Marks a lesson done or not done. htmx gets the updated widget; a plain form post is
/// redirected back to the lesson.
async fn set_done(
    State(state): State<AppState>,
    HxRequest(is_htmx): HxRequest,
    layout: Layout,
    CurrentUser(user): CurrentUser,
    LessonAt { ids, href }: LessonAt,
    done: bool,
) -> Result<Response, AppError> {
    if done {
        db::insert_completion(&state.db, &user.id, &ids.lesson_id, now()).await?;
        award_certificate_if_complete(&state, &user, &ids.path_id).await?;
    } else {
        db::delete_completion(&state.db, &user.id, &ids.lesson_id).await?;
    }
    if !is_htmx {
        return Ok(Redirect::to(&href).into_response());
    }
    let finished = completed_lessons(&state, &user.id, &ids.path_id).await?;
    let module_lessons =
        catalog::lesson_ids_of_module(&state, &ids.path_id, &ids.module_id).await?;
    let module_lessons: Vec<&str> = module_lessons.iter().map(String::as_str).collect();
    let completion = Completion {
        out_of_band: true,
        ..Completion::new(href, &ids.lesson_id, &module_lessons, &finished)
    };
    Ok(CompletionFragment {
        layout,
        completion: Some(completion),
    }
    .into_response())
}

/// A path on the dashboard, with the user's progress through it.
struct PathProgress {
    path: catalog::PathSummary,
    done: i64,
    /// Lab exercises of the path: (passed, total).
    labs: (usize, usize),
}

impl PathProgress {
    fn percent(&self) -> i64 {
        if self.path.lessons == 0 {
            0
        } else {
            self.done * 100 / self.path.lessons
        }
    }
}

/// A finished module and when it was finished.
struct FinishedModule {
    title: String,
    on: String,
}

/// A module's best quiz score.
struct QuizScore {
    module: String,
    best: i64,
    passed: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "learning/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    display_name: String,
    two_factor: bool,
    resume: Option<catalog::LastVisit>,
    paths: Vec<PathProgress>,
    certificates: Vec<Certificate>,
    recent: Vec<db::Activity>,
    heatmap_svg: String,
    active_days: usize,
    finished: Vec<FinishedModule>,
    scores: Vec<QuizScore>,
}

impl db::Activity {
    fn date(&self) -> String {
        date(self.at)
    }
}

async fn dashboard(
    State(state): State<AppState>,
    layout: Layout,
    CurrentUser(user): CurrentUser,
) -> Result<DashboardPage, AppError> {
    let today = now().div_euclid(86_400);
    let since = (today - heatmap::WEEKS * 7) * 86_400;
    let activity = db::activity_since(&state.db, &user.id, since).await?;
    let mut per_day = HashMap::new();
    for item in &activity {
        *per_day.entry(item.at.div_euclid(86_400)).or_insert(0) += 1;
    }
    let (heatmap_svg, active_days) = heatmap::render(&per_day, today);

    let done_per_path = db::completed_per_path(&state.db, &user.id).await?;
    let last_lessons: HashMap<String, i64> = db::last_completion_per_module(&state.db, &user.id)
        .await?
        .into_iter()
        .map(|times| (times.module_id, times.last_lesson_at))
        .collect();
    let first_passes: HashMap<String, i64> = db::first_pass_per_module(&state.db, &user.id)
        .await?
        .into_iter()
        .collect();
    let mut paths = Vec::new();
    let mut finished = Vec::new();
    let mut scores = Vec::new();
    for path in catalog::published_paths(&state.db).await? {
        let done = done_per_path
            .iter()
            .find(|(id, _)| *id == path.id)
            .map_or(0, |(_, n)| *n);
        if (done > 0 || !first_passes.is_empty())
            && let Some(structure) = catalog::path_structure(&state, &path.id).await?
        {
            let finished_lessons = completed_lessons(&state, &user.id, &path.id).await?;
            let best = quiz::best_scores(&state, &user.id, &path.id).await?;
            let passed_labs = crate::labs::passed_in_path(&state, &user.id, &path.id).await?;
            for module in &structure.modules {
                let quiz = best.get(&module.id).copied();
                if let Some((best, passed)) = quiz {
                    scores.push(QuizScore {
                        module: module.title.clone(),
                        best,
                        passed,
                    });
                }
                if module.state(&finished_lessons, &passed_labs, quiz) == ModuleState::Done {
                    let at = last_lessons
                        .get(&module.id)
                        .copied()
                        .max(first_passes.get(&module.id).copied());
                    finished.push(FinishedModule {
                        title: module.title.clone(),
                        on: at.map(date).unwrap_or_default(),
                    });
                }
            }
        }
        let exercises = crate::labs::exercises_of_path(&state, &path.slug, &path.id).await?;
        let passed = crate::labs::passed_in_path(&state, &user.id, &path.id).await?;
        let labs = (
            exercises.iter().filter(|e| passed.contains(&e.id)).count(),
            exercises.len(),
        );
        paths.push(PathProgress { path, done, labs });
    }
    Ok(DashboardPage {
        layout,
        display_name: user.display_name.clone(),
        two_factor: user.has_two_factor(),
        resume: catalog::last_visit(&state, &user.id, None).await?,
        paths,
        certificates: db::list_certificates(&state.db, &user.id).await?,
        recent: activity.into_iter().take(10).collect(),
        heatmap_svg,
        active_days,
        finished,
        scores,
    })
}

#[cfg(test)]
mod tests {
    use super::ModuleState;

    #[test]
    fn a_module_is_done_when_every_lesson_is_done_and_the_quiz_passed() {
        assert_eq!(ModuleState::of(0, 3, true, None), ModuleState::NotStarted);
        assert_eq!(ModuleState::of(1, 3, true, None), ModuleState::InProgress);
        assert_eq!(
            ModuleState::of(0, 3, true, Some((40, false))),
            ModuleState::InProgress
        );
        assert_eq!(
            ModuleState::of(3, 3, true, Some((60, false))),
            ModuleState::InProgress
        );
        assert_eq!(
            ModuleState::of(3, 3, true, Some((80, true))),
            ModuleState::Done
        );
        assert_eq!(ModuleState::of(3, 3, false, None), ModuleState::Done);
        assert_eq!(
            ModuleState::of(1, 3, true, None).with_skip(true),
            ModuleState::Skipped
        );
        assert_eq!(
            ModuleState::of(3, 3, false, None).with_skip(true),
            ModuleState::Done
        );
    }
}
