//! The learner's own progress: lesson completion and the dashboard.
//!
//! A page feature: it stands on `curriculum` and `progress` and imports no other page feature
//! (tests/integration/architecture.rs).

mod db;
mod heatmap;

use std::collections::HashMap;

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
    auth::{CurrentUser, session::now},
    curriculum::{
        LessonAt, ModuleAt, PathAt,
        published::{Module, Path, Snapshot},
    },
    error::AppError,
    progress::{
        Also, Completion, Earned, ModuleState, NextStep, Progress, completions, lesson_href,
    },
    state::AppState,
    web::Layout,
    web::dates::date,
};

use db::Certificate;

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
    crate::web::Path(code): crate::web::Path<String>,
) -> Result<CertificatePage, AppError> {
    let certificate = db::get_certificate(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(CertificatePage {
        layout,
        certificate,
    })
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
    place: ModuleAt,
    skip: bool,
) -> Result<Redirect, AppError> {
    db::set_skip(&state.db, &user.id, &place.module().id, skip, now()).await?;
    Ok(Redirect::to(&place.href))
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
    place: ModuleAt,
) -> ResetPage {
    ResetPage {
        layout,
        what: format!("the module “{}”", place.module().title),
        action: format!("{}/reset", place.href),
        back: place.href,
    }
}

async fn reset_module(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    CurrentUser(user): CurrentUser,
    place: ModuleAt,
) -> Result<Response, AppError> {
    db::reset(&state.db, &user.id, db::Scope::Module(&place.module().id)).await?;
    crate::auth::session::flash_and_redirect(
        &session,
        "Your progress in this module was reset.",
        &place.href,
    )
    .await
}

async fn reset_path_form(
    layout: Layout,
    CurrentUser(_user): CurrentUser,
    place: PathAt,
) -> ResetPage {
    let path = place.path();
    ResetPage {
        layout,
        what: format!("the path “{}”", path.title),
        action: format!("{}/reset", path.href()),
        back: path.href(),
    }
}

async fn reset_path(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    CurrentUser(user): CurrentUser,
    place: PathAt,
) -> Result<Response, AppError> {
    let path = place.path();
    db::reset(&state.db, &user.id, db::Scope::Path(&path.id)).await?;
    crate::auth::session::flash_and_redirect(
        &session,
        "Your progress in this path was reset.",
        &path.href(),
    )
    .await
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
    place: LessonAt,
    done: bool,
) -> Result<Response, AppError> {
    let lesson = place.lesson();
    let progress = if done {
        completions::mark_done(&state.db, &state.visits, &user, place.path(), lesson).await?
    } else {
        completions::mark_not_done(&state.db, &user, lesson).await?;
        if !is_htmx {
            return Ok(Redirect::to(&place.href).into_response());
        }
        Progress::load(&state.db, &state.visits, &user.id).await?
    };
    if !is_htmx {
        return Ok(Redirect::to(&place.href).into_response());
    }
    let completion = Completion {
        out_of_band: true,
        ..Completion::new(place.href.clone(), lesson, place.module(), &progress)
    };
    Ok(CompletionFragment {
        layout,
        completion: Some(completion),
    }
    .into_response())
}

/// A path on the dashboard, with the learner's progress through it.
struct PathProgress<'a> {
    path: &'a Path,
    lessons: usize,
    done: usize,
    /// Lab exercises of the path: (passed, total).
    labs: (usize, usize),
    /// Every module done; with the certificate it earned, when one was issued for it.
    finished: bool,
    certificate: Option<Earned>,
}

impl PathProgress<'_> {
    fn percent(&self) -> usize {
        (self.done * 100).checked_div(self.lessons).unwrap_or(0)
    }
}

/// A finished module and when it was finished.
struct FinishedModule<'a> {
    title: &'a str,
    on: String,
}

/// A module's best quiz score.
struct QuizScore<'a> {
    module: &'a str,
    best: i64,
    passed: bool,
}

/// The dashboard's first lines: the streak and this week.
#[derive(Debug, PartialEq, Eq)]
struct Summary {
    /// Days in a row with something done, ending today (or yesterday: a streak is not lost
    /// before today's first lesson). Counted within the heatmap's weeks.
    streak: usize,
    /// The last seven days, today included.
    active_this_week: usize,
    lessons_this_week: usize,
    quizzes_this_week: usize,
}

impl Summary {
    fn of(activity: &[Activity], per_day: &HashMap<i64, usize>, today: i64) -> Self {
        let start = if per_day.contains_key(&today) {
            today
        } else {
            today - 1
        };
        let streak = (0..)
            .take_while(|back| per_day.contains_key(&(start - back)))
            .count();
        let week_start = (today - 6) * 86_400;
        let this_week = || activity.iter().filter(|a| a.at >= week_start);
        Self {
            streak,
            active_this_week: (today - 6..=today)
                .filter(|day| per_day.contains_key(day))
                .count(),
            lessons_this_week: this_week().filter(|a| a.kind == "lesson").count(),
            quizzes_this_week: this_week().filter(|a| a.kind == "quiz").count(),
        }
    }
}

/// One day of the activity log.
struct ActivityDay {
    /// "Today", "Yesterday" or the date.
    label: String,
    items: Vec<Activity>,
}

/// The newest `limit` things done, grouped by day (they come newest first).
fn by_day(activity: Vec<Activity>, today: i64, limit: usize) -> Vec<ActivityDay> {
    let mut days: Vec<(i64, ActivityDay)> = Vec::new();
    for item in activity.into_iter().take(limit) {
        let day = item.at.div_euclid(86_400);
        match days.last_mut() {
            Some((last, group)) if *last == day => group.items.push(item),
            _ => {
                let label = match today - day {
                    0 => "Today".to_owned(),
                    1 => "Yesterday".to_owned(),
                    _ => date(item.at),
                };
                days.push((
                    day,
                    ActivityDay {
                        label,
                        items: vec![item],
                    },
                ));
            }
        }
    }
    days.into_iter().map(|(_, group)| group).collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "learning/dashboard.html")]
struct DashboardPage<'a> {
    layout: Layout,
    display_name: String,
    two_factor: bool,
    next: Option<NextStep>,
    summary: Summary,
    paths: Vec<PathProgress<'a>>,
    /// Certificates of paths no longer published under the title they were issued for.
    other_certificates: Vec<Earned>,
    recent: Vec<ActivityDay>,
    heatmap_svg: String,
    active_days: usize,
    finished: Vec<FinishedModule<'a>>,
    scores: Vec<QuizScore<'a>>,
}

/// Something the learner did, for the dashboard's activity list and heatmap.
struct Activity {
    /// `lesson` (finished) or `quiz` (attempted).
    kind: &'static str,
    title: String,
    href: String,
    score: i64,
    at: i64,
}

/// Lessons finished and quizzes attempted since `since`, newest first: from the learner's
/// progress laid over the published tree.
fn activity_since(tree: &Snapshot, progress: &Progress, since: i64) -> Vec<Activity> {
    let lessons = tree.paths.iter().flat_map(|path| {
        path.lessons().filter_map(move |(module, lesson)| {
            let at = progress.done_at(&lesson.id).filter(|at| *at >= since)?;
            Some(Activity {
                kind: "lesson",
                title: lesson.title.clone(),
                href: lesson_href(path, module, lesson),
                score: 0,
                at,
            })
        })
    });
    let quizzes = progress.attempts.iter().filter_map(|attempt| {
        let (path, module) = tree.module_by_id(&attempt.module_id)?;
        Some(Activity {
            kind: "quiz",
            title: module.title.clone(),
            href: format!(
                "/paths/{}/{}/quiz/attempts/{}",
                path.slug, module.slug, attempt.id
            ),
            score: attempt.score,
            at: attempt.at,
        })
    });
    let mut activity: Vec<Activity> = lessons.chain(quizzes).collect();
    activity.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.title.cmp(&b.title)));
    activity
}

/// The learner's home: one statement (progress with its history) whatever the number of
/// paths, modules or attempts; the tree comes from memory.
async fn dashboard(
    State(state): State<AppState>,
    layout: Layout,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let today = now().div_euclid(86_400);
    let since = (today - heatmap::WEEKS * 7) * 86_400;
    let tree = state.curriculum.now();
    let also = Also {
        history_since: Some(since),
        ..Also::default()
    };
    let progress = Progress::load_with(&state.db, &state.visits, &user.id, also).await?;
    let activity = activity_since(&tree, &progress, since);
    let mut per_day = HashMap::new();
    for item in &activity {
        *per_day.entry(item.at.div_euclid(86_400)).or_insert(0) += 1;
    }
    let (heatmap_svg, active_days) = heatmap::render(&per_day, today);

    let mut finished = Vec::new();
    let mut scores = Vec::new();
    for path in &tree.paths {
        for module in &path.modules {
            if let Some(quiz) = progress.quiz(module) {
                scores.push(QuizScore {
                    module: &module.title,
                    best: quiz.best,
                    passed: quiz.passed,
                });
            }
            if progress.started(path) && progress.module_state(module) == ModuleState::Done {
                finished.push(finished_module(module, &progress));
            }
        }
    }
    // A certificate keeps the path's title from when it was issued; it is shown on that path.
    let mut other_certificates = progress.certificates.clone();
    let paths = tree
        .paths
        .iter()
        .map(|path| PathProgress {
            path,
            lessons: path.lesson_count(),
            done: progress.lessons_done_in(path),
            labs: (progress.exercises_passed_in(path), path.exercise_count()),
            finished: progress.path_complete(path),
            certificate: other_certificates
                .iter()
                .position(|c| c.path_title == path.title)
                .map(|i| other_certificates.remove(i)),
        })
        .collect();
    Ok(DashboardPage {
        layout,
        display_name: user.display_name.clone(),
        two_factor: user.has_two_factor(),
        next: progress.next_step(&tree),
        summary: Summary::of(&activity, &per_day, today),
        paths,
        other_certificates,
        recent: by_day(activity, today, 12),
        heatmap_svg,
        active_days,
        finished,
        scores,
    }
    .into_response())
}

fn finished_module<'a>(module: &'a Module, progress: &Progress) -> FinishedModule<'a> {
    FinishedModule {
        title: &module.title,
        on: progress.finished_at(module).map(date).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(kind: &'static str, at: i64) -> Activity {
        Activity {
            kind,
            title: String::new(),
            href: String::new(),
            score: 0,
            at,
        }
    }

    #[test]
    fn the_streak_counts_days_in_a_row_up_to_today_or_yesterday() {
        let today = 20_000;
        let day = |d: i64| d * 86_400 + 3_600;
        // Newest first, as the dashboard has them: today, yesterday, two days ago, then a gap.
        let activity = [
            done("lesson", day(today)),
            done("quiz", day(today - 1)),
            done("lesson", day(today - 2)),
            done("lesson", day(today - 9)),
        ];
        let per_day: HashMap<i64, usize> = activity
            .iter()
            .map(|a| (a.at.div_euclid(86_400), 1))
            .collect();
        assert_eq!(
            Summary::of(&activity, &per_day, today),
            Summary {
                streak: 3,
                active_this_week: 3,
                lessons_this_week: 2,
                quizzes_this_week: 1,
            }
        );
        // Nothing yet today: yesterday's streak still stands.
        assert_eq!(Summary::of(&activity, &per_day, today + 1).streak, 3);
        assert_eq!(Summary::of(&activity, &per_day, today + 2).streak, 0);
    }

    #[test]
    fn the_activity_log_is_grouped_by_day_newest_first() {
        let today = 20_000;
        let activity = vec![
            done("lesson", today * 86_400 + 50),
            done("lesson", today * 86_400 + 10),
            done("quiz", (today - 1) * 86_400),
            done("lesson", (today - 5) * 86_400),
        ];
        let days = by_day(activity, today, 3);
        let shape: Vec<(String, usize)> = days
            .iter()
            .map(|d| (d.label.clone(), d.items.len()))
            .collect();
        assert_eq!(
            shape,
            [("Today".to_owned(), 2), ("Yesterday".to_owned(), 1)],
            "the limit counts items, not days"
        );
    }
}
