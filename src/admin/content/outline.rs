//! Paths and modules: the whole-curriculum tree, create, edit, reorder and delete.

use std::collections::{HashMap, HashSet};

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    Item, ItemFields, MoveForm, audit, changes,
    db::{self, Impact, LessonItem, Level, ModuleRow, PathRow},
    move_item, yes_no,
};
use crate::{
    admin::Editor,
    auth::{User, invalid, session},
    curriculum,
    error::AppError,
    state::AppState,
    web::{FieldErrors, Form, Layout, Path},
};

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

// --- paths ----------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "admin/content/path.html")]
pub(super) struct PathPage {
    layout: Layout,
    /// None while creating.
    path: Option<PathRow>,
    form: ItemFields,
    errors: FieldErrors,
    modules: Vec<ModuleRow>,
}

impl PathPage {
    fn item(&self) -> &ItemFields {
        &self.form
    }

    fn action(&self) -> String {
        match &self.path {
            Some(path) => format!("/admin/paths/{}", path.id),
            None => "/admin/paths".to_owned(),
        }
    }
}

fn fields_of_path(path: &PathRow) -> ItemFields {
    ItemFields {
        title: path.title.clone(),
        slug: path.slug.clone(),
        summary: path.summary.clone(),
        published: (path.published != 0).then(|| "on".to_owned()),
    }
}

fn path_item(path: &PathRow) -> Item<'_> {
    Item {
        level: Level::Path,
        id: &path.id,
        parent_id: "",
        slug: &path.slug,
        target: path.slug.clone(),
    }
}

fn module_item(module: &ModuleRow) -> Item<'_> {
    Item {
        level: Level::Module,
        id: &module.id,
        parent_id: &module.path_id,
        slug: &module.slug,
        target: module.slug.clone(),
    }
}

pub(super) async fn load_path(state: &AppState, id: &str) -> Result<PathRow, AppError> {
    db::get_path(&state.db, id).await?.ok_or(AppError::NotFound)
}

pub(super) async fn load_module(state: &AppState, id: &str) -> Result<ModuleRow, AppError> {
    db::get_module(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub(super) async fn new_path_form(layout: Layout, Editor(_): Editor) -> PathPage {
    PathPage {
        layout,
        path: None,
        form: ItemFields::default(),
        errors: FieldErrors::default(),
        modules: Vec::new(),
    }
}

pub(super) async fn create_path(
    State(state): State<AppState>,
    layout: Layout,
    session: Session,
    Editor(editor): Editor,
    Form(mut form): Form<ItemFields>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    form.validate(&state, Level::Path, "", "", &mut errors)
        .await?;
    if !errors.is_empty() {
        return Ok(invalid(PathPage {
            layout,
            path: None,
            form,
            errors,
            modules: Vec::new(),
        }));
    }
    let now = session::now();
    let mut tx = state.db.pool().begin().await?;
    let row = PathRow {
        id: uuid::Uuid::new_v4().to_string(),
        slug: form.slug.clone(),
        title: form.title.clone(),
        summary: form.summary.clone(),
        position: db::next_position(&mut *tx, Level::Path, "").await?,
        published: i64::from(form.is_published()),
    };
    curriculum::db::upsert_path(&mut *tx, &row, now).await?;
    let summary = format!(
        "created “{}”, published: {}",
        row.title,
        yes_no(form.is_published())
    );
    audit(&mut tx, &editor, "path.create", &row.slug, &summary, now).await?;
    tx.commit().await?;
    session::flash_and_redirect(
        &session,
        "Path created.",
        &format!("/admin/paths/{}", row.id),
    )
    .await
}

pub(super) async fn path_page(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Path(id): Path<String>,
) -> Result<PathPage, AppError> {
    let path = load_path(&state, &id).await?;
    Ok(PathPage {
        layout,
        form: fields_of_path(&path),
        errors: FieldErrors::default(),
        modules: db::modules_of(state.db.pool(), &path.id).await?,
        path: Some(path),
    })
}

pub(super) async fn save_path(
    State(state): State<AppState>,
    layout: Layout,
    session: Session,
    Editor(editor): Editor,
    Path(id): Path<String>,
    Form(mut form): Form<ItemFields>,
) -> Result<Response, AppError> {
    let path = load_path(&state, &id).await?;
    let mut errors = FieldErrors::default();
    form.validate(&state, Level::Path, "", &path.id, &mut errors)
        .await?;
    if !errors.is_empty() {
        return Ok(invalid(PathPage {
            layout,
            form,
            errors,
            modules: db::modules_of(state.db.pool(), &path.id).await?,
            path: Some(path),
        }));
    }
    let row = PathRow {
        slug: form.slug.clone(),
        title: form.title.clone(),
        summary: form.summary.clone(),
        published: i64::from(form.is_published()),
        ..path.clone()
    };
    let summary = changes(&[
        ("title", path.title.clone(), row.title.clone()),
        ("slug", path.slug.clone(), row.slug.clone()),
        ("summary", path.summary.clone(), row.summary.clone()),
        (
            "published",
            yes_no(path.published != 0),
            yes_no(form.is_published()),
        ),
    ]);
    if !summary.is_empty() {
        let now = session::now();
        let mut tx = state.db.pool().begin().await?;
        curriculum::db::upsert_path(&mut *tx, &row, now).await?;
        audit(&mut tx, &editor, "path.update", &row.slug, &summary, now).await?;
        tx.commit().await?;
    }
    let message = if summary.is_empty() {
        "Nothing changed."
    } else {
        "Path saved."
    };
    session::flash_and_redirect(&session, message, &format!("/admin/paths/{}", path.id)).await
}

pub(super) async fn move_path(
    State(state): State<AppState>,
    Editor(editor): Editor,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Result<Response, AppError> {
    let path = load_path(&state, &id).await?;
    move_item(&state, &editor, path_item(&path), &form.direction).await?;
    Ok(Redirect::to(&format!("/admin/content#path-{}", path.id)).into_response())
}

// --- deletion, shared by paths, modules and lessons --------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "admin/content/delete.html")]
pub(super) struct DeletePage {
    pub layout: Layout,
    /// "path", "module" or "lesson"
    pub kind: &'static str,
    pub title: String,
    /// What else goes with it ("its 4 modules and 17 lessons").
    pub contents: String,
    pub action: String,
    pub back: String,
    pub impact: Impact,
    pub error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct DeleteForm {
    understood: Option<String>,
}

impl DeleteForm {
    /// Deletes the item with an audit entry, then goes to `back`; when learners would lose
    /// progress and the box is not ticked, the confirmation page comes back (422) instead.
    pub(super) async fn delete(
        self,
        state: &AppState,
        session: &Session,
        editor: &User,
        item: Item<'_>,
        mut page: DeletePage,
        back: &str,
    ) -> Result<Response, AppError> {
        if !page.impact.is_empty() && self.understood.is_none() {
            page.error = Some("Tick the box to confirm that this progress will be deleted.".into());
            return Ok(invalid(page));
        }
        let mut tx = state.db.pool().begin().await?;
        db::delete(&mut *tx, item.level, item.id).await?;
        if item.level == Level::Module {
            rename_prerequisite(&mut tx, item.parent_id, item.slug, None).await?;
        }
        let kind = item.level.name();
        let summary = format!("deleted “{}” with {}", page.title, page.contents);
        let action = format!("{kind}.delete");
        audit(
            &mut tx,
            editor,
            &action,
            &item.target,
            &summary,
            session::now(),
        )
        .await?;
        tx.commit().await?;
        session::flash_and_redirect(
            session,
            &format!("Deleted the {kind} “{}”.", page.title),
            back,
        )
        .await
    }
}

async fn path_delete_page(
    state: &AppState,
    layout: Layout,
    path: &PathRow,
) -> Result<DeletePage, AppError> {
    let modules = db::modules_of(state.db.pool(), &path.id).await?;
    let lessons = db::lessons_of_path(&state.db, &path.id).await?;
    Ok(DeletePage {
        layout,
        kind: "path",
        title: path.title.clone(),
        contents: format!(
            "its {} module{} and {} lesson{}",
            modules.len(),
            plural(modules.len()),
            lessons.len(),
            plural(lessons.len())
        ),
        action: format!("/admin/paths/{}/delete", path.id),
        back: format!("/admin/paths/{}", path.id),
        impact: db::impact(&state.db, Level::Path, &path.id).await?,
        error: None,
    })
}

pub(super) fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

pub(super) async fn delete_path_form(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Path(id): Path<String>,
) -> Result<DeletePage, AppError> {
    let path = load_path(&state, &id).await?;
    path_delete_page(&state, layout, &path).await
}

pub(super) async fn delete_path(
    State(state): State<AppState>,
    layout: Layout,
    session: Session,
    Editor(editor): Editor,
    Path(id): Path<String>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, AppError> {
    let path = load_path(&state, &id).await?;
    let page = path_delete_page(&state, layout, &path).await?;
    form.delete(
        &state,
        &session,
        &editor,
        path_item(&path),
        page,
        "/admin/content",
    )
    .await
}

// --- modules --------------------------------------------------------------------------------

/// A module's form: the shared fields plus one `requires-{slug}` checkbox per sibling.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ModuleForm {
    title: String,
    slug: String,
    summary: String,
    published: Option<String>,
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

impl ModuleForm {
    fn split(self) -> (ItemFields, Vec<String>) {
        let mut prerequisites: Vec<String> = self
            .rest
            .into_keys()
            .filter_map(|key| key.strip_prefix("requires-").map(str::to_owned))
            .collect();
        prerequisites.sort();
        let fields = ItemFields {
            title: self.title,
            slug: self.slug,
            summary: self.summary,
            published: self.published,
        };
        (fields, prerequisites)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/content/module.html")]
pub(super) struct ModulePage {
    layout: Layout,
    path: PathRow,
    /// None while creating.
    module: Option<ModuleRow>,
    form: ItemFields,
    prerequisites: Vec<String>,
    errors: FieldErrors,
    /// The other modules of the path (possible prerequisites).
    siblings: Vec<ModuleRow>,
    lessons: Vec<LessonItem>,
}

impl ModulePage {
    fn item(&self) -> &ItemFields {
        &self.form
    }

    fn action(&self) -> String {
        match &self.module {
            Some(module) => format!("/admin/modules/{}", module.id),
            None => format!("/admin/paths/{}/modules", self.path.id),
        }
    }

    fn requires(&self, slug: &str) -> bool {
        self.prerequisites.iter().any(|required| required == slug)
    }
}

async fn module_page_for(
    state: &AppState,
    layout: Layout,
    path: PathRow,
    module: Option<ModuleRow>,
    form: ItemFields,
    prerequisites: Vec<String>,
    errors: FieldErrors,
) -> Result<ModulePage, AppError> {
    let own_id = module
        .as_ref()
        .map(|module| module.id.clone())
        .unwrap_or_default();
    let siblings = db::modules_of(state.db.pool(), &path.id)
        .await?
        .into_iter()
        .filter(|sibling| sibling.id != own_id)
        .collect();
    let lessons = match &module {
        Some(module) => db::lessons_of(state.db.pool(), &module.id).await?,
        None => Vec::new(),
    };
    Ok(ModulePage {
        layout,
        path,
        module,
        form,
        prerequisites,
        errors,
        siblings,
        lessons,
    })
}

/// Keeps only prerequisites that are other modules of the same path.
async fn check_prerequisites(
    state: &AppState,
    path_id: &str,
    own_id: &str,
    prerequisites: &[String],
    errors: &mut FieldErrors,
) -> Result<(), AppError> {
    let siblings: HashSet<String> = db::modules_of(state.db.pool(), path_id)
        .await?
        .into_iter()
        .filter(|sibling| sibling.id != own_id)
        .map(|sibling| sibling.slug)
        .collect();
    if prerequisites.iter().any(|slug| !siblings.contains(slug)) {
        errors.add(
            "prerequisites",
            "Prerequisites must be other modules of this path.",
        );
    }
    Ok(())
}

pub(super) async fn new_module_form(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Path(path_id): Path<String>,
) -> Result<ModulePage, AppError> {
    let path = load_path(&state, &path_id).await?;
    module_page_for(
        &state,
        layout,
        path,
        None,
        ItemFields::default(),
        Vec::new(),
        FieldErrors::default(),
    )
    .await
}

pub(super) async fn create_module(
    State(state): State<AppState>,
    layout: Layout,
    session: Session,
    Editor(editor): Editor,
    Path(path_id): Path<String>,
    Form(form): Form<ModuleForm>,
) -> Result<Response, AppError> {
    let path = load_path(&state, &path_id).await?;
    let (mut form, prerequisites) = form.split();
    let mut errors = FieldErrors::default();
    form.validate(&state, Level::Module, &path.id, "", &mut errors)
        .await?;
    check_prerequisites(&state, &path.id, "", &prerequisites, &mut errors).await?;
    if !errors.is_empty() {
        let page = module_page_for(&state, layout, path, None, form, prerequisites, errors).await?;
        return Ok(invalid(page));
    }
    let now = session::now();
    let mut tx = state.db.pool().begin().await?;
    let row = ModuleRow {
        id: uuid::Uuid::new_v4().to_string(),
        path_id: path.id.clone(),
        slug: form.slug.clone(),
        title: form.title.clone(),
        summary: form.summary.clone(),
        position: db::next_position(&mut *tx, Level::Module, &path.id).await?,
        published: i64::from(form.is_published()),
        prerequisites: serde_json::to_string(&prerequisites).unwrap_or_else(|_| "[]".into()),
    };
    curriculum::db::upsert_module(&mut *tx, &row, now).await?;
    let target = format!("{}/{}", path.slug, row.slug);
    let summary = format!(
        "created “{}”, published: {}",
        row.title,
        yes_no(form.is_published())
    );
    audit(&mut tx, &editor, "module.create", &target, &summary, now).await?;
    tx.commit().await?;
    session::flash_and_redirect(
        &session,
        "Module created.",
        &format!("/admin/modules/{}", row.id),
    )
    .await
}

pub(super) async fn module_page(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Path(id): Path<String>,
) -> Result<ModulePage, AppError> {
    let module = load_module(&state, &id).await?;
    let path = load_path(&state, &module.path_id).await?;
    let form = ItemFields {
        title: module.title.clone(),
        slug: module.slug.clone(),
        summary: module.summary.clone(),
        published: (module.published != 0).then(|| "on".to_owned()),
    };
    let prerequisites = serde_json::from_str(&module.prerequisites).unwrap_or_default();
    module_page_for(
        &state,
        layout,
        path,
        Some(module),
        form,
        prerequisites,
        FieldErrors::default(),
    )
    .await
}

pub(super) async fn save_module(
    State(state): State<AppState>,
    layout: Layout,
    session: Session,
    Editor(editor): Editor,
    Path(id): Path<String>,
    Form(form): Form<ModuleForm>,
) -> Result<Response, AppError> {
    let module = load_module(&state, &id).await?;
    let path = load_path(&state, &module.path_id).await?;
    let (mut form, prerequisites) = form.split();
    let mut errors = FieldErrors::default();
    form.validate(&state, Level::Module, &path.id, &module.id, &mut errors)
        .await?;
    check_prerequisites(&state, &path.id, &module.id, &prerequisites, &mut errors).await?;
    if !errors.is_empty() {
        let page = module_page_for(
            &state,
            layout,
            path,
            Some(module),
            form,
            prerequisites,
            errors,
        )
        .await?;
        return Ok(invalid(page));
    }
    let row = ModuleRow {
        slug: form.slug.clone(),
        title: form.title.clone(),
        summary: form.summary.clone(),
        published: i64::from(form.is_published()),
        prerequisites: serde_json::to_string(&prerequisites).unwrap_or_else(|_| "[]".into()),
        ..module.clone()
    };
    let summary = changes(&[
        ("title", module.title.clone(), row.title.clone()),
        ("slug", module.slug.clone(), row.slug.clone()),
        ("summary", module.summary.clone(), row.summary.clone()),
        (
            "published",
            yes_no(module.published != 0),
            yes_no(form.is_published()),
        ),
        (
            "prerequisites",
            module.prerequisites.clone(),
            row.prerequisites.clone(),
        ),
    ]);
    if !summary.is_empty() {
        let now = session::now();
        let mut tx = state.db.pool().begin().await?;
        curriculum::db::upsert_module(&mut *tx, &row, now).await?;
        if row.slug != module.slug {
            rename_prerequisite(&mut tx, &path.id, &module.slug, Some(&row.slug)).await?;
        }
        let target = format!("{}/{}", path.slug, row.slug);
        audit(&mut tx, &editor, "module.update", &target, &summary, now).await?;
        tx.commit().await?;
    }
    let message = if summary.is_empty() {
        "Nothing changed."
    } else {
        "Module saved."
    };
    session::flash_and_redirect(&session, message, &format!("/admin/modules/{}", module.id)).await
}

/// Prerequisites name modules by slug: when one is renamed (`Some(new)`) or deleted (`None`),
/// its siblings that require it follow.
async fn rename_prerequisite(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    path_id: &str,
    old: &str,
    new: Option<&str>,
) -> Result<(), AppError> {
    for sibling in db::modules_of(&mut **tx, path_id).await? {
        let required: Vec<String> =
            serde_json::from_str(&sibling.prerequisites).unwrap_or_default();
        if !required.iter().any(|slug| slug == old) {
            continue;
        }
        let updated: Vec<&str> = required
            .iter()
            .filter_map(|slug| {
                if slug == old {
                    new
                } else {
                    Some(slug.as_str())
                }
            })
            .collect();
        let json = serde_json::to_string(&updated).unwrap_or_else(|_| "[]".into());
        db::set_prerequisites(&mut **tx, &sibling.id, &json).await?;
    }
    Ok(())
}

pub(super) async fn move_module(
    State(state): State<AppState>,
    Editor(editor): Editor,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Result<Response, AppError> {
    let module = load_module(&state, &id).await?;
    move_item(&state, &editor, module_item(&module), &form.direction).await?;
    Ok(Redirect::to(&format!("/admin/paths/{}#modules", module.path_id)).into_response())
}

async fn module_delete_page(
    state: &AppState,
    layout: Layout,
    module: &ModuleRow,
) -> Result<DeletePage, AppError> {
    let lessons = db::lessons_of(state.db.pool(), &module.id).await?;
    Ok(DeletePage {
        layout,
        kind: "module",
        title: module.title.clone(),
        contents: format!(
            "its {} lesson{} and its quiz",
            lessons.len(),
            plural(lessons.len())
        ),
        action: format!("/admin/modules/{}/delete", module.id),
        back: format!("/admin/modules/{}", module.id),
        impact: db::impact(&state.db, Level::Module, &module.id).await?,
        error: None,
    })
}

pub(super) async fn delete_module_form(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Path(id): Path<String>,
) -> Result<DeletePage, AppError> {
    let module = load_module(&state, &id).await?;
    module_delete_page(&state, layout, &module).await
}

pub(super) async fn delete_module(
    State(state): State<AppState>,
    layout: Layout,
    session: Session,
    Editor(editor): Editor,
    Path(id): Path<String>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, AppError> {
    let module = load_module(&state, &id).await?;
    let page = module_delete_page(&state, layout, &module).await?;
    let back = format!("/admin/paths/{}", module.path_id);
    form.delete(&state, &session, &editor, module_item(&module), page, &back)
        .await
}
