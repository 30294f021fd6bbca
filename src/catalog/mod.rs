//! Reading the curriculum: the catalogue of paths, a path's outline and roadmap, a module, a
//! lesson. Pages only: the tree comes from `curriculum` (in memory, no query) and the learner's
//! standing from `progress` (one statement); no other page feature is imported but the note
//! and bookmark widgets of `notes` on the lesson page.

mod roadmap;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Router,
    extract::State,
    response::{IntoResponse, Response},
    routing::get,
};

use crate::{
    auth::MaybeUser,
    clock::now_ms,
    curriculum::{
        LessonAt, Live, ModuleAt, PathAt,
        published::{Lesson, Module, Path},
    },
    error::AppError,
    notes,
    progress::{Also, Completion, LastVisit, ModuleState, Progress, QuizResult, lesson_href},
    state::AppState,
    web::Layout,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/paths", get(catalogue))
        .route("/paths/{path}", get(path_outline))
        .route("/paths/{path}/roadmap", get(roadmap_page))
        .route("/paths/{path}/{module}", get(module_page))
        .route("/paths/{path}/{module}/{lesson}", get(lesson_page))
}

/// The learner's progress, or none (and nothing read) for a visitor.
async fn progress_of(state: &AppState, user: &MaybeUser) -> sqlx::Result<Option<Progress>> {
    match &user.0 {
        Some(user) => Ok(Some(
            Progress::load(&state.db, &state.visits, &user.id).await?,
        )),
        None => Ok(None),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog/paths.html")]
struct CataloguePage<'a> {
    layout: Layout,
    paths: &'a [Path],
}

async fn catalogue(State(live): State<Live>, layout: Layout) -> Response {
    let tree = live.now();
    CataloguePage {
        layout,
        paths: &tree.paths,
    }
    .into_response()
}

/// A path's outline; a visitor sees it without progress.
#[derive(Template, WebTemplate)]
#[template(path = "catalog/path.html")]
struct PathPage<'a> {
    layout: Layout,
    path: &'a Path,
    /// The learner's last lesson in this path, for "continue where you left off".
    resume: Option<LastVisit>,
    /// Empty for a visitor.
    progress: Progress,
    logged_in: bool,
}

impl PathPage<'_> {
    fn is_done(&self, lesson_id: &str) -> bool {
        self.progress.is_done(lesson_id)
    }

    fn is_passed(&self, exercise_id: &str) -> bool {
        self.progress.is_passed(exercise_id)
    }

    fn done_in(&self, module: &Module) -> usize {
        self.progress.steps_done(module)
    }

    fn state_of(&self, module: &Module) -> ModuleState {
        self.progress.module_state(module)
    }

    fn prerequisites<'m>(&'m self, module: &'m Module) -> Vec<(&'m str, &'m str)> {
        self.path.prerequisites_of(module)
    }
}

async fn path_outline(
    State(state): State<AppState>,
    layout: Layout,
    user: MaybeUser,
    place: PathAt,
) -> Result<Response, AppError> {
    let path = place.path();
    let logged_in = user.0.is_some();
    let progress = progress_of(&state, &user).await?.unwrap_or_default();
    Ok(PathPage {
        layout,
        path,
        resume: progress.last_visit(&place.tree, Some(path)),
        progress,
        logged_in,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog/roadmap.html")]
struct RoadmapPage<'a> {
    layout: Layout,
    path: &'a Path,
    svg: String,
    /// The same graph as text: (title, href, state, prerequisite titles).
    items: Vec<(&'a str, String, ModuleState, Vec<&'a str>)>,
}

/// The path's modules as a graph, coloured by the learner's progress.
async fn roadmap_page(
    State(state): State<AppState>,
    layout: Layout,
    user: MaybeUser,
    place: PathAt,
) -> Result<Response, AppError> {
    let path = place.path();
    let progress = progress_of(&state, &user).await?.unwrap_or_default();
    let nodes: Vec<roadmap::Node<'_>> = path
        .modules
        .iter()
        .map(|module| roadmap::Node {
            slug: &module.slug,
            title: &module.title,
            href: format!("/paths/{}/{}", path.slug, module.slug),
            prerequisites: path
                .prerequisites_of(module)
                .into_iter()
                .map(|(slug, _)| slug.to_owned())
                .collect(),
            state: progress.module_state(module),
        })
        .collect();
    let svg = roadmap::render(&nodes);
    let items = nodes
        .iter()
        .zip(&path.modules)
        .map(|(node, module)| {
            let needs = path
                .prerequisites_of(module)
                .into_iter()
                .map(|(_, title)| title)
                .collect();
            (node.title, node.href.clone(), node.state, needs)
        })
        .collect();
    Ok(RoadmapPage {
        layout,
        path,
        svg,
        items,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog/module.html")]
struct ModulePage<'a> {
    layout: Layout,
    path: &'a Path,
    module: &'a Module,
    prerequisites: Vec<(&'a str, &'a str)>,
    /// For a logged-in learner: lessons done, quiz result, and the module's state.
    progress: Option<ModuleProgress>,
    /// Empty for a visitor.
    learner: Progress,
}

struct ModuleProgress {
    lessons_done: usize,
    /// Lessons done plus exercises passed, out of [`Module::steps`].
    steps_done: usize,
    exercises_passed: usize,
    quiz: Option<QuizResult>,
    state: ModuleState,
    skipped: bool,
}

impl ModulePage<'_> {
    fn exercise_passed(&self, exercise_id: &str) -> bool {
        self.learner.is_passed(exercise_id)
    }
}

async fn module_page(
    State(state): State<AppState>,
    layout: Layout,
    user: MaybeUser,
    place: ModuleAt,
) -> Result<Response, AppError> {
    let (path, module) = (place.path(), place.module());
    let learner = progress_of(&state, &user).await?;
    let progress = learner.as_ref().map(|learner| ModuleProgress {
        lessons_done: learner.lessons_done(module),
        steps_done: learner.steps_done(module),
        exercises_passed: learner.exercises_passed(module),
        quiz: learner.quiz(module),
        state: learner.module_state(module),
        skipped: learner.is_skipped(module),
    });
    Ok(ModulePage {
        layout,
        path,
        module,
        prerequisites: path.prerequisites_of(module),
        progress,
        learner: learner.unwrap_or_default(),
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog/lesson.html")]
pub struct LessonPage<'a> {
    layout: Layout,
    path: &'a Path,
    module: &'a Module,
    lesson: &'a Lesson,
    /// 1-based position of this lesson in its module.
    number: usize,
    previous: Option<LessonLink>,
    next: Option<LessonLink>,
    /// The progress widget, for a logged-in learner.
    completion: Option<Completion>,
    /// Empty for a visitor.
    progress: Progress,
    bookmark: Option<notes::BookmarkButton>,
    note: Option<notes::NoteBox>,
}

impl LessonPage<'_> {
    fn is_done(&self, lesson_id: &str) -> bool {
        self.progress.is_done(lesson_id)
    }

    fn is_passed(&self, exercise_id: &str) -> bool {
        self.progress.is_passed(exercise_id)
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
    user: MaybeUser,
    place: LessonAt,
) -> Result<Response, AppError> {
    let (path, module, lesson) = (place.path(), place.module(), place.lesson());
    let in_order: Vec<(&Module, &Lesson)> = path.lessons().collect();
    let index = in_order
        .iter()
        .position(|(_, item)| item.id == lesson.id)
        .unwrap_or_default();
    let link = |(module, lesson): (&Module, &Lesson)| LessonLink {
        href: lesson_href(path, module, lesson),
        title: lesson.title.clone(),
    };
    let previous = index.checked_sub(1).map(|i| link(in_order[i]));
    let next = in_order.get(index + 1).copied().map(link);
    let page = match &user.0 {
        Some(user) => {
            state.visits.record(&user.id, &lesson.id, now_ms());
            let also = Also {
                lesson: Some(&lesson.id),
                ..Also::default()
            };
            let progress = Progress::load_with(&state.db, &state.visits, &user.id, also).await?;
            let (bookmark, note) = notes::widgets(&place.href, &progress);
            LessonPage {
                completion: Some(Completion::new(
                    place.href.clone(),
                    lesson,
                    module,
                    &progress,
                )),
                progress,
                bookmark: Some(bookmark),
                note: Some(note),
                ..LessonPage::visitor(layout, path, module, lesson, place.number())
            }
        }
        None => LessonPage::visitor(layout, path, module, lesson, place.number()),
    };
    Ok(LessonPage {
        previous,
        next,
        ..page
    }
    .into_response())
}

impl<'a> LessonPage<'a> {
    fn visitor(
        layout: Layout,
        path: &'a Path,
        module: &'a Module,
        lesson: &'a Lesson,
        number: usize,
    ) -> Self {
        Self {
            layout,
            path,
            module,
            lesson,
            number,
            previous: None,
            next: None,
            completion: None,
            progress: Progress::default(),
            bookmark: None,
            note: None,
        }
    }
}
