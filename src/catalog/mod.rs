//! Reading the curriculum: the catalogue of paths, a path's outline, a module, a lesson.
//! Only published content is shown; anything else is a 404, exactly like a missing page.

mod db;
mod roadmap;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Router,
    extract::{FromRequestParts, State},
    http::request::Parts,
    routing::get,
};

use std::collections::{HashMap, HashSet};

use crate::{
    auth::MaybeUser,
    error::AppError,
    labs::{self, ExerciseLink},
    learning::{self, Completion, ModuleState},
    notes, quiz,
    state::AppState,
    web::{Layout, Path},
};

pub use db::{LastVisit, PathSummary, VisitExport};

/// Where the learner left off (in one path, or anywhere).
pub async fn last_visit(
    state: &AppState,
    user_id: &str,
    path_id: Option<&str>,
) -> sqlx::Result<Option<LastVisit>> {
    state.visits.flush_for(user_id).await?;
    db::last_visit(&state.db, user_id, path_id).await
}

/// The published lesson named by a `/paths/{path}/{module}/{lesson}/…` address, or 404.
/// Handlers that act on a lesson take this rather than looking the lesson up themselves.
pub struct LessonAt {
    pub ids: db::LessonIds,
    /// The lesson page's address.
    pub href: String,
}

impl FromRequestParts<AppState> for LessonAt {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Path((path, module, lesson)) =
            Path::<(String, String, String)>::from_request_parts(parts, state).await?;
        let ids = db::find_lesson(&state.db, &path, &module, &lesson)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(Self {
            ids,
            href: format!("/paths/{path}/{module}/{lesson}"),
        })
    }
}

/// The published module named by a `/paths/{path}/{module}/…` address, or 404.
pub struct ModuleAt {
    pub ids: db::ModuleIds,
    /// The module page's address.
    pub href: String,
}

impl FromRequestParts<AppState> for ModuleAt {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Path((path, module)) =
            Path::<(String, String)>::from_request_parts(parts, state).await?;
        let ids = db::find_module(&state.db, &path, &module)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(Self {
            ids,
            href: format!("/paths/{path}/{module}"),
        })
    }
}

/// What completing a path takes: its published modules, each with its lessons and whether
/// it has a quiz.
pub struct PathStructure {
    pub title: String,
    pub modules: Vec<ModuleParts>,
}

pub struct ModuleParts {
    pub id: String,
    pub title: String,
    pub has_quiz: bool,
    pub lessons: Vec<String>,
    /// Lab exercise ids; each counts like a lesson.
    pub exercises: Vec<String>,
}

impl ModuleParts {
    /// Where the learner stands, given their finished lessons, passed exercises and quiz.
    pub fn state(
        &self,
        done: &HashSet<String>,
        passed: &HashSet<String>,
        quiz: Option<(i64, bool)>,
    ) -> ModuleState {
        let finished = self.lessons.iter().filter(|id| done.contains(*id)).count()
            + self
                .exercises
                .iter()
                .filter(|id| passed.contains(*id))
                .count();
        ModuleState::of(
            finished,
            self.lessons.len() + self.exercises.len(),
            self.has_quiz,
            quiz,
        )
    }
}

pub async fn path_structure(
    state: &AppState,
    path_id: &str,
) -> sqlx::Result<Option<PathStructure>> {
    let Some(title) = db::path_title(&state.db, path_id).await? else {
        return Ok(None);
    };
    let lessons = db::list_lessons_of_path(&state.db, path_id).await?;
    let mut exercises = labs::exercise_ids_by_module(state, path_id).await?;
    let modules = db::list_modules(&state.db, path_id)
        .await?
        .into_iter()
        .map(|module| ModuleParts {
            exercises: exercises.remove(&module.id).unwrap_or_default(),
            lessons: lessons
                .iter()
                .filter(|l| l.module_id == module.id)
                .map(|l| l.id.clone())
                .collect(),
            has_quiz: module.question_count > 0,
            title: module.title,
            id: module.id,
        })
        .collect();
    Ok(Some(PathStructure { title, modules }))
}

/// The published path with this slug.
pub async fn find_path(state: &AppState, slug: &str) -> sqlx::Result<Option<PathSummary>> {
    db::get_path(&state.db, slug).await
}

/// The published module at this address.
pub async fn find_module(
    state: &AppState,
    path: &str,
    module: &str,
) -> sqlx::Result<Option<db::ModuleIds>> {
    db::find_module(&state.db, path, module).await
}

/// The ids of a module's published lessons, in order.
pub async fn lesson_ids_of_module(
    state: &AppState,
    path_id: &str,
    module_id: &str,
) -> sqlx::Result<Vec<String>> {
    let lessons = db::list_lessons_of_path(&state.db, path_id).await?;
    Ok(lessons
        .into_iter()
        .filter(|l| l.module_id == module_id)
        .map(|l| l.id)
        .collect())
}

/// Every lesson visit of the learner, for their data export.
pub async fn visits_of(state: &AppState, user_id: &str) -> sqlx::Result<Vec<VisitExport>> {
    state.visits.flush_for(user_id).await?;
    db::list_visits(&state.db, user_id).await
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/paths", get(catalogue))
        .route("/paths/{path}", get(path_outline))
        .route("/paths/{path}/roadmap", get(roadmap_page))
        .route("/paths/{path}/{module}", get(module_page))
        .route("/paths/{path}/{module}/{lesson}", get(lesson_page))
}

/// The published paths, for the catalogue and the home page.
pub async fn published_paths(db: &crate::db::Db) -> sqlx::Result<Vec<PathSummary>> {
    db::list_paths(db).await
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog/paths.html")]
struct CataloguePage {
    layout: Layout,
    paths: Vec<PathSummary>,
}

async fn catalogue(
    State(state): State<AppState>,
    layout: Layout,
) -> Result<CataloguePage, AppError> {
    let paths = db::list_paths(&state.db).await?;
    Ok(CataloguePage { layout, paths })
}

/// A module with its lessons, as the outline shows it.
struct ModuleOutline {
    module: db::ModuleRow,
    lessons: Vec<db::LessonItem>,
    exercises: Vec<ExerciseLink>,
    prerequisites: Vec<(String, String)>,
}

impl ModuleOutline {
    /// Lessons and exercises: what the module's progress counts.
    fn steps(&self) -> usize {
        self.lessons.len() + self.exercises.len()
    }
}

/// The path and its outline: two queries, grouped here (no query per module).
async fn load_outline(
    state: &AppState,
    path_slug: &str,
) -> Result<(PathSummary, Vec<ModuleOutline>), AppError> {
    let path = db::get_path(&state.db, path_slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let modules = db::list_modules(&state.db, &path.id).await?;
    let mut lessons = db::list_lessons_of_path(&state.db, &path.id).await?;
    let mut exercises = labs::exercises_of_path(state, &path.slug, &path.id).await?;
    let titles: Vec<(String, String)> = modules
        .iter()
        .map(|m| (m.slug.clone(), m.title.clone()))
        .collect();
    let outline = modules
        .into_iter()
        .map(|module| {
            let (mine, rest) = lessons
                .drain(..)
                .partition(|lesson| lesson.module_id == module.id);
            lessons = rest;
            let (their_exercises, others) = exercises
                .drain(..)
                .partition(|exercise| exercise.module_id == module.id);
            exercises = others;
            let wanted: Vec<String> =
                serde_json::from_str(&module.prerequisites).unwrap_or_default();
            let prerequisites = titles
                .iter()
                .filter(|(slug, _)| wanted.contains(slug))
                .cloned()
                .collect();
            ModuleOutline {
                module,
                lessons: mine,
                exercises: their_exercises,
                prerequisites,
            }
        })
        .collect();
    Ok((path, outline))
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog/path.html")]
struct PathPage {
    layout: Layout,
    path: PathSummary,
    modules: Vec<ModuleOutline>,
    /// The learner's last lesson in this path, for "continue where you left off".
    resume: Option<LastVisit>,
    /// Lessons the learner finished (empty when logged out).
    done: HashSet<String>,
    /// Best quiz score and whether it passed, per module id.
    scores: HashMap<String, (i64, bool)>,
    skipped: HashSet<String>,
    /// Lab exercises the learner passed.
    passed: HashSet<String>,
    logged_in: bool,
}

impl PathPage {
    fn is_done(&self, lesson_id: &str) -> bool {
        self.done.contains(lesson_id)
    }

    /// Lessons done plus exercises passed.
    fn done_in(&self, module: &ModuleOutline) -> usize {
        module
            .lessons
            .iter()
            .filter(|lesson| self.done.contains(&lesson.id))
            .count()
            + module
                .exercises
                .iter()
                .filter(|exercise| self.passed.contains(&exercise.id))
                .count()
    }

    fn state_of(&self, module: &ModuleOutline) -> ModuleState {
        let quiz = self.scores.get(&module.module.id).copied();
        ModuleState::of(
            self.done_in(module),
            module.steps(),
            module.module.question_count > 0,
            quiz,
        )
        .with_skip(self.skipped.contains(&module.module.id))
    }
}

async fn path_outline(
    State(state): State<AppState>,
    layout: Layout,
    MaybeUser(user): MaybeUser,
    Path(path_slug): Path<String>,
) -> Result<PathPage, AppError> {
    let (path, modules) = load_outline(&state, &path_slug).await?;
    let (resume, done, scores, skipped, passed) = match &user {
        Some(user) => (
            last_visit(&state, &user.id, Some(&path.id)).await?,
            learning::completed_lessons(&state, &user.id, &path.id).await?,
            quiz::best_scores(&state, &user.id, &path.id).await?,
            learning::skipped_modules(&state, &user.id, &path.id).await?,
            labs::passed_in_path(&state, &user.id, &path.id).await?,
        ),
        None => (
            None,
            HashSet::new(),
            HashMap::new(),
            HashSet::new(),
            HashSet::new(),
        ),
    };
    Ok(PathPage {
        layout,
        path,
        modules,
        resume,
        done,
        scores,
        skipped,
        passed,
        logged_in: user.is_some(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog/roadmap.html")]
struct RoadmapPage {
    layout: Layout,
    path: PathSummary,
    svg: String,
    /// The same graph as text: (title, href, state, prerequisite titles).
    items: Vec<(String, String, ModuleState, Vec<String>)>,
}

/// The path's modules as a graph, coloured by the learner's progress.
async fn roadmap_page(
    state: State<AppState>,
    layout: Layout,
    user: MaybeUser,
    path: Path<String>,
) -> Result<RoadmapPage, AppError> {
    let outline = path_outline(state, Layout::default(), user, path).await?;
    let nodes: Vec<roadmap::Node<'_>> = outline
        .modules
        .iter()
        .map(|item| roadmap::Node {
            slug: &item.module.slug,
            title: &item.module.title,
            href: format!("/paths/{}/{}", outline.path.slug, item.module.slug),
            prerequisites: item
                .prerequisites
                .iter()
                .map(|(slug, _)| slug.clone())
                .collect(),
            state: outline.state_of(item),
        })
        .collect();
    let svg = roadmap::render(&nodes);
    let items = nodes
        .iter()
        .zip(&outline.modules)
        .map(|(node, item)| {
            let needs = item
                .prerequisites
                .iter()
                .map(|(_, title)| title.clone())
                .collect();
            (node.title.to_owned(), node.href.clone(), node.state, needs)
        })
        .collect();
    Ok(RoadmapPage {
        layout,
        path: outline.path,
        svg,
        items,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog/module.html")]
struct ModulePage {
    layout: Layout,
    path: PathSummary,
    outline: ModuleOutline,
    minutes: i64,
    /// For a logged-in learner: lessons done, quiz result, and the module's state.
    progress: Option<ModuleProgress>,
}

struct ModuleProgress {
    lessons_done: usize,
    /// Lessons done plus exercises passed, out of [`ModuleOutline::steps`].
    steps_done: usize,
    /// Ids of the module's exercises the learner passed.
    passed: HashSet<String>,
    quiz: Option<(i64, bool)>,
    state: ModuleState,
    skipped: bool,
}

impl ModulePage {
    fn exercise_passed(&self, exercise: &ExerciseLink) -> bool {
        self.progress
            .as_ref()
            .is_some_and(|progress| progress.passed.contains(&exercise.id))
    }
}

async fn module_page(
    State(state): State<AppState>,
    layout: Layout,
    MaybeUser(user): MaybeUser,
    Path((path_slug, module_slug)): Path<(String, String)>,
) -> Result<ModulePage, AppError> {
    let (path, modules) = load_outline(&state, &path_slug).await?;
    let outline = modules
        .into_iter()
        .find(|m| m.module.slug == module_slug)
        .ok_or(AppError::NotFound)?;
    let minutes = outline
        .lessons
        .iter()
        .map(|lesson| lesson.reading_minutes)
        .sum();
    let progress = match &user {
        Some(user) => {
            let done = learning::completed_lessons(&state, &user.id, &path.id).await?;
            let quiz = quiz::best_scores(&state, &user.id, &path.id)
                .await?
                .remove(&outline.module.id);
            let lessons_done = outline
                .lessons
                .iter()
                .filter(|l| done.contains(&l.id))
                .count();
            let has_quiz = outline.module.question_count > 0;
            let skipped = learning::skipped_modules(&state, &user.id, &path.id)
                .await?
                .contains(&outline.module.id);
            let passed: HashSet<String> = labs::passed_in_path(&state, &user.id, &path.id)
                .await?
                .into_iter()
                .filter(|id| outline.exercises.iter().any(|e| e.id == *id))
                .collect();
            let steps_done = lessons_done + passed.len();
            let state =
                ModuleState::of(steps_done, outline.steps(), has_quiz, quiz).with_skip(skipped);
            Some(ModuleProgress {
                lessons_done,
                steps_done,
                passed,
                quiz,
                state,
                skipped,
            })
        }
        None => None,
    };
    Ok(ModulePage {
        layout,
        path,
        outline,
        minutes,
        progress,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog/lesson.html")]
struct LessonPage {
    layout: Layout,
    path: PathSummary,
    module: db::ModuleRow,
    lesson: db::Lesson,
    /// The module's lessons, for the sidebar.
    siblings: Vec<db::LessonItem>,
    /// 1-based position of this lesson in its module.
    number: usize,
    previous: Option<LessonLink>,
    next: Option<LessonLink>,
    /// The progress widget, for a logged-in learner.
    completion: Option<Completion>,
    /// Finished lessons of this module, for the outline's check marks.
    done: HashSet<String>,
    bookmark: Option<notes::BookmarkButton>,
    note: Option<notes::NoteBox>,
    /// The module's lab exercises, for the sidebar, and those the learner passed.
    exercises: Vec<ExerciseLink>,
    passed: HashSet<String>,
}

impl LessonPage {
    fn is_done(&self, lesson_id: &str) -> bool {
        self.done.contains(lesson_id)
    }
}

/// A neighbouring lesson, possibly in another module.
struct LessonLink {
    href: String,
    title: String,
}

async fn lesson_page(
    State(state): State<AppState>,
    layout: Layout,
    MaybeUser(user): MaybeUser,
    Path((path_slug, module_slug, lesson_slug)): Path<(String, String, String)>,
) -> Result<LessonPage, AppError> {
    let path = db::get_path(&state.db, &path_slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let module = db::get_module(&state.db, &path.id, &module_slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let lesson = db::get_lesson(&state.db, &module.id, &lesson_slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(user) = &user {
        let now_ms = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
        state.visits.record(&user.id, &lesson.id, now_ms);
    }

    let in_order = db::list_lessons_of_path(&state.db, &path.id).await?;
    let index = in_order
        .iter()
        .position(|item| item.id == lesson.id)
        .ok_or(AppError::NotFound)?;
    let link = |item: &db::LessonItem| LessonLink {
        href: format!("/paths/{}/{}/{}", path.slug, item.module_slug, item.slug),
        title: item.title.clone(),
    };
    let previous = index.checked_sub(1).map(|i| link(&in_order[i]));
    let next = in_order.get(index + 1).map(link);
    let siblings: Vec<db::LessonItem> = in_order
        .into_iter()
        .filter(|item| item.module_id == module.id)
        .collect();
    let number = siblings
        .iter()
        .position(|item| item.id == lesson.id)
        .map_or(1, |i| i + 1);
    let href = format!("/paths/{}/{}/{}", path.slug, module.slug, lesson_slug);
    let exercises: Vec<ExerciseLink> = labs::exercises_of_path(&state, &path.slug, &path.id)
        .await?
        .into_iter()
        .filter(|exercise| exercise.module_id == module.id)
        .collect();
    let passed = match &user {
        Some(user) if !exercises.is_empty() => {
            labs::passed_in_path(&state, &user.id, &path.id).await?
        }
        _ => HashSet::new(),
    };
    let (completion, done, bookmark, note) = match &user {
        Some(user) => {
            let done = learning::completed_lessons(&state, &user.id, &path.id).await?;
            let module_lessons: Vec<&str> = siblings.iter().map(|item| item.id.as_str()).collect();
            let completion = Completion::new(href.clone(), &lesson.id, &module_lessons, &done);
            let (bookmark, note) = notes::for_lesson(&state, &user.id, &lesson.id, &href).await?;
            (Some(completion), done, Some(bookmark), Some(note))
        }
        None => (None, HashSet::new(), None, None),
    };
    Ok(LessonPage {
        layout,
        path,
        module,
        lesson,
        siblings,
        number,
        previous,
        next,
        completion,
        done,
        bookmark,
        note,
        exercises,
        passed,
    })
}
