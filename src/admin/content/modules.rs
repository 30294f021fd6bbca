//! Modules: create, edit (prerequisites included), reorder, and what deleting one takes with it.

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
    db::{self, LessonItem, Level, ModuleRow, PathRow},
    delete::{Deletable, plural},
    move_item,
    paths::load_path,
    yes_no,
};
use crate::{
    admin::Editor,
    auth::{invalid, session},
    curriculum,
    db::Db,
    error::AppError,
    state::AppState,
    web::{FieldErrors, Form, Layout, Path},
};

fn module_item(module: &ModuleRow) -> Item<'_> {
    Item {
        level: Level::Module,
        id: &module.id,
        parent_id: &module.path_id,
        slug: &module.slug,
        target: module.slug.clone(),
    }
}

pub(super) async fn load_module(db: &Db, id: &str) -> Result<ModuleRow, AppError> {
    db::get_module(db, id).await?.ok_or(AppError::NotFound)
}

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
    db: &Db,
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
    let siblings = db::modules_of(db.pool(), &path.id)
        .await?
        .into_iter()
        .filter(|sibling| sibling.id != own_id)
        .collect();
    let lessons = match &module {
        Some(module) => db::lessons_of(db.pool(), &module.id).await?,
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
    db: &Db,
    path_id: &str,
    own_id: &str,
    prerequisites: &[String],
    errors: &mut FieldErrors,
) -> Result<(), AppError> {
    let siblings: HashSet<String> = db::modules_of(db.pool(), path_id)
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
    let path = load_path(&state.db, &path_id).await?;
    module_page_for(
        &state.db,
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
    let path = load_path(&state.db, &path_id).await?;
    let (mut form, prerequisites) = form.split();
    let mut errors = FieldErrors::default();
    form.validate(&state.db, Level::Module, &path.id, "", &mut errors)
        .await?;
    check_prerequisites(&state.db, &path.id, "", &prerequisites, &mut errors).await?;
    if !errors.is_empty() {
        let page =
            module_page_for(&state.db, layout, path, None, form, prerequisites, errors).await?;
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
    let module = load_module(&state.db, &id).await?;
    let path = load_path(&state.db, &module.path_id).await?;
    let form = ItemFields {
        title: module.title.clone(),
        slug: module.slug.clone(),
        summary: module.summary.clone(),
        published: (module.published != 0).then(|| "on".to_owned()),
    };
    let prerequisites = serde_json::from_str(&module.prerequisites).unwrap_or_default();
    module_page_for(
        &state.db,
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
    let module = load_module(&state.db, &id).await?;
    let path = load_path(&state.db, &module.path_id).await?;
    let (mut form, prerequisites) = form.split();
    let mut errors = FieldErrors::default();
    form.validate(&state.db, Level::Module, &path.id, &module.id, &mut errors)
        .await?;
    check_prerequisites(&state.db, &path.id, &module.id, &prerequisites, &mut errors).await?;
    if !errors.is_empty() {
        let page = module_page_for(
            &state.db,
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
pub(super) async fn rename_prerequisite(
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
    let module = load_module(&state.db, &id).await?;
    move_item(&state.db, &editor, module_item(&module), &form.direction).await?;
    Ok(Redirect::to(&format!("/admin/paths/{}#modules", module.path_id)).into_response())
}

impl Deletable for ModuleRow {
    async fn load(state: &AppState, id: &str) -> Result<Self, AppError> {
        load_module(&state.db, id).await
    }

    fn item(&self) -> Item<'_> {
        module_item(self)
    }

    fn title(&self) -> &str {
        &self.title
    }

    async fn contents(&self, state: &AppState) -> Result<String, AppError> {
        let lessons = db::lessons_of(state.db.pool(), &self.id).await?;
        Ok(format!(
            "its {} lesson{} and its quiz",
            lessons.len(),
            plural(lessons.len())
        ))
    }

    fn href(&self) -> String {
        format!("/admin/modules/{}", self.id)
    }

    fn after_delete(&self) -> String {
        format!("/admin/paths/{}", self.path_id)
    }
}
