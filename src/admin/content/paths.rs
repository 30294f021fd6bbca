//! Paths: create, edit, reorder, and what deleting one takes with it.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

use super::{
    Item, ItemFields, MoveForm, audit, changes,
    db::{self, Level, ModuleRow, PathRow},
    delete::{Deletable, plural},
    move_item, yes_no,
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

pub(super) async fn load_path(db: &Db, id: &str) -> Result<PathRow, AppError> {
    db::get_path(db, id).await?.ok_or(AppError::NotFound)
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
    form.validate(&state.db, Level::Path, "", "", &mut errors)
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
    let path = load_path(&state.db, &id).await?;
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
    let path = load_path(&state.db, &id).await?;
    let mut errors = FieldErrors::default();
    form.validate(&state.db, Level::Path, "", &path.id, &mut errors)
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
    let path = load_path(&state.db, &id).await?;
    move_item(&state.db, &editor, path_item(&path), &form.direction).await?;
    Ok(Redirect::to(&format!("/admin/content#path-{}", path.id)).into_response())
}

impl Deletable for PathRow {
    async fn load(state: &AppState, id: &str) -> Result<Self, AppError> {
        load_path(&state.db, id).await
    }

    fn item(&self) -> Item<'_> {
        path_item(self)
    }

    fn title(&self) -> &str {
        &self.title
    }

    async fn contents(&self, state: &AppState) -> Result<String, AppError> {
        let modules = db::modules_of(state.db.pool(), &self.id).await?;
        let lessons = db::lessons_of_path(&state.db, &self.id).await?;
        Ok(format!(
            "its {} module{} and {} lesson{}",
            modules.len(),
            plural(modules.len()),
            lessons.len(),
            plural(lessons.len())
        ))
    }

    fn href(&self) -> String {
        format!("/admin/paths/{}", self.id)
    }

    fn after_delete(&self) -> String {
        "/admin/content".to_owned()
    }
}
