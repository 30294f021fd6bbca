//! The whole-curriculum tree: every path with its modules, lessons and quizzes, in order.

use std::collections::{HashMap, HashSet};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use super::db::{self, LessonItem, ModuleRow, PathRow};
use crate::{admin::Editor, curriculum, error::AppError, state::AppState, web::Layout};

pub(super) struct ModuleNode {
    pub module: ModuleRow,
    pub lessons: Vec<LessonItem>,
    pub has_quiz: bool,
}

pub(super) struct PathNode {
    pub path: PathRow,
    pub modules: Vec<ModuleNode>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/content/tree.html")]
pub(super) struct TreePage {
    layout: Layout,
    paths: Vec<PathNode>,
}

/// Groups modules under their paths and lessons under their modules, keeping each order.
fn build_tree(
    paths: Vec<PathRow>,
    modules: Vec<ModuleRow>,
    lessons: Vec<LessonItem>,
    quizzes: &HashSet<String>,
) -> Vec<PathNode> {
    let mut lessons_of: HashMap<String, Vec<LessonItem>> = HashMap::new();
    for lesson in lessons {
        lessons_of
            .entry(lesson.module_id.clone())
            .or_default()
            .push(lesson);
    }
    let mut modules_of: HashMap<String, Vec<ModuleNode>> = HashMap::new();
    for module in modules {
        modules_of
            .entry(module.path_id.clone())
            .or_default()
            .push(ModuleNode {
                lessons: lessons_of.remove(&module.id).unwrap_or_default(),
                has_quiz: quizzes.contains(&module.id),
                module,
            });
    }
    paths
        .into_iter()
        .map(|path| PathNode {
            modules: modules_of.remove(&path.id).unwrap_or_default(),
            path,
        })
        .collect()
}

pub(super) async fn tree(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
) -> Result<TreePage, AppError> {
    let paths = db::all_paths(&state.db).await?;
    // Ordered by path, then position: build_tree keeps that order within each path.
    let modules = curriculum::db::list_modules(state.db.pool()).await?;
    let lessons = db::all_lessons(&state.db).await?;
    let quizzes = db::modules_with_quiz(&state.db)
        .await?
        .into_iter()
        .collect();
    Ok(TreePage {
        layout,
        paths: build_tree(paths, modules, lessons, &quizzes),
    })
}
