//! The lesson editor: Markdown with a live server-rendered preview, drafts, saving with
//! conflict detection and a revision per save; lesson search, reordering and deletion.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    Item, ItemFields, MoveForm, audit, changes,
    db::{self, LessonFields, LessonHit, LessonRecord, Level, ModuleRow, NewRevision, PathRow},
    delete::Deletable,
    diff::{self, Diff},
    modules::load_module,
    move_item,
    paths::load_path,
    yes_no,
};
use crate::{
    admin::{Editor, Paging},
    auth::{User, session},
    curriculum,
    db::Db,
    error::AppError,
    render::markdown,
    state::AppState,
    web::{
        FieldErrors, Form, Layout, Path, Query,
        dates::{date, date_time},
    },
};

/// A lesson of ~200 000 characters is a book; anything longer is a mistake.
const BODY_MAX: usize = 200_000;

/// The editor's fields as typed.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub(super) struct LessonForm {
    #[serde(flatten)]
    item: ItemFields,
    body_markdown: String,
    /// The version the editor was opened at (see `db::update_lesson_if_unchanged`).
    base_version: i64,
    /// "preview" re-renders the form with a preview instead of saving (no JavaScript needed).
    action: String,
}

impl LessonForm {
    fn of(lesson: &LessonRecord) -> Self {
        Self {
            item: ItemFields {
                title: lesson.title.clone(),
                slug: lesson.slug.clone(),
                summary: lesson.summary.clone(),
                published: (lesson.published != 0).then(|| "on".to_owned()),
            },
            body_markdown: lesson.body_markdown.clone(),
            base_version: lesson.version,
            action: String::new(),
        }
    }

    async fn validate(
        &mut self,
        state: &AppState,
        module_id: &str,
        own_id: &str,
        errors: &mut FieldErrors,
    ) -> Result<(), AppError> {
        self.item
            .validate(&state.db, Level::Lesson, module_id, own_id, errors)
            .await?;
        // Line endings as the files use them, so revisions and diffs compare text, not CRs.
        self.body_markdown = self.body_markdown.replace("\r\n", "\n");
        if self.body_markdown.trim().is_empty() {
            errors.add("body_markdown", "Write the lesson (Markdown).");
        } else if self.body_markdown.chars().count() > BODY_MAX {
            errors.add(
                "body_markdown",
                format!("The lesson is longer than {BODY_MAX} characters; split it."),
            );
        }
        Ok(())
    }

    fn fields(&self) -> LessonFields<'_> {
        LessonFields {
            slug: &self.item.slug,
            title: &self.item.title,
            summary: &self.item.summary,
            published: self.item.is_published(),
            body_markdown: &self.body_markdown,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/content/lesson_editor.html")]
pub(super) struct EditorPage {
    layout: Layout,
    path: PathRow,
    module: ModuleRow,
    /// None while creating.
    lesson: Option<LessonRecord>,
    form: LessonForm,
    errors: FieldErrors,
    preview_html: String,
}

impl EditorPage {
    fn item(&self) -> &ItemFields {
        &self.form.item
    }

    fn action(&self) -> String {
        match &self.lesson {
            Some(lesson) => format!("/admin/lessons/{}/edit", lesson.id),
            None => format!("/admin/modules/{}/lessons", self.module.id),
        }
    }

    fn page_title(&self) -> &str {
        match &self.lesson {
            Some(lesson) => &lesson.title,
            None => "New lesson",
        }
    }
}

async fn parents(state: &AppState, module_id: &str) -> Result<(PathRow, ModuleRow), AppError> {
    let module = load_module(&state.db, module_id).await?;
    let path = load_path(&state.db, &module.path_id).await?;
    Ok((path, module))
}

pub(super) async fn load_lesson(db: &Db, id: &str) -> Result<LessonRecord, AppError> {
    db::get_lesson(db, id).await?.ok_or(AppError::NotFound)
}

async fn editor_page(
    state: &AppState,
    layout: Layout,
    module_id: &str,
    lesson: Option<LessonRecord>,
    form: LessonForm,
    errors: FieldErrors,
) -> Result<EditorPage, AppError> {
    let (path, module) = parents(state, module_id).await?;
    Ok(EditorPage {
        layout,
        preview_html: markdown::render(&form.body_markdown).html,
        path,
        module,
        lesson,
        form,
        errors,
    })
}

pub(super) async fn new_lesson_form(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Path(module_id): Path<String>,
) -> Result<EditorPage, AppError> {
    let form = LessonForm {
        body_markdown: "## \n\n## Key takeaways\n- \n".to_owned(),
        ..LessonForm::default()
    };
    editor_page(
        &state,
        layout,
        &module_id,
        None,
        form,
        FieldErrors::default(),
    )
    .await
}

pub(super) async fn create_lesson(
    State(state): State<AppState>,
    layout: Layout,
    session: Session,
    Editor(editor): Editor,
    Path(module_id): Path<String>,
    Form(mut form): Form<LessonForm>,
) -> Result<Response, AppError> {
    let (path, module) = parents(&state, &module_id).await?;
    let mut errors = FieldErrors::default();
    form.validate(&state, &module.id, "", &mut errors).await?;
    if form.action == "preview" || !errors.is_empty() {
        let status = if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let page = editor_page(&state, layout, &module.id, None, form, errors).await?;
        return Ok((status, page).into_response());
    }
    let now = session::now();
    let id = uuid::Uuid::new_v4().to_string();
    let rendered = markdown::render(&form.body_markdown);
    let mut tx = state.db.pool().begin().await?;
    let row = curriculum::db::LessonRow {
        id: id.clone(),
        module_id: module.id.clone(),
        slug: form.item.slug.clone(),
        title: form.item.title.clone(),
        summary: form.item.summary.clone(),
        position: db::next_position(&mut *tx, Level::Lesson, &module.id).await?,
        published: i64::from(form.item.is_published()),
        body_markdown: form.body_markdown.clone(),
    };
    curriculum::db::upsert_lesson(&mut *tx, &row, rendering(&rendered), now).await?;
    db::insert_revision(
        &mut tx,
        revision(&id, &form.fields(), &editor, "created"),
        now,
    )
    .await?;
    let target = format!("{}/{}/{}", path.slug, module.slug, row.slug);
    let summary = format!(
        "created “{}”, published: {}, {} words",
        row.title,
        yes_no(form.item.is_published()),
        rendered.words
    );
    audit(&mut tx, &editor, "lesson.create", &target, &summary, now).await?;
    tx.commit().await?;
    session::flash_and_redirect(
        &session,
        "Lesson created (revision 1).",
        &format!("/admin/lessons/{id}/edit"),
    )
    .await
}

fn rendering(rendered: &markdown::Rendered) -> curriculum::db::LessonRendering<'_> {
    curriculum::db::LessonRendering {
        html: &rendered.html,
        text: &rendered.text,
        words: rendered.words as i64,
        reading_minutes: rendered.reading_minutes as i64,
    }
}

fn revision<'a>(
    lesson_id: &'a str,
    fields: &LessonFields<'a>,
    author: &'a User,
    note: &'a str,
) -> NewRevision<'a> {
    NewRevision {
        lesson_id,
        title: fields.title,
        summary: fields.summary,
        body_markdown: fields.body_markdown,
        author_id: Some(&author.id),
        author_name: &author.display_name,
        note,
    }
}

pub(super) async fn edit_form(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Path(id): Path<String>,
) -> Result<EditorPage, AppError> {
    let lesson = load_lesson(&state.db, &id).await?;
    let form = LessonForm::of(&lesson);
    let module_id = lesson.module_id.clone();
    editor_page(
        &state,
        layout,
        &module_id,
        Some(lesson),
        form,
        FieldErrors::default(),
    )
    .await
}

/// What a save did.
pub(super) enum Saved {
    Revision(i64),
    Unchanged,
    /// Someone saved since `base_version`: nothing was written.
    Conflict,
}

/// Writes `fields` over `lesson` if its version is still `base_version`, with a revision
/// and an audit entry, in one transaction.
pub(super) async fn save_lesson(
    db: &Db,
    editor: &User,
    lesson: &LessonRecord,
    base_version: i64,
    fields: LessonFields<'_>,
    note: &str,
) -> Result<Saved, AppError> {
    let before = LessonForm::of(lesson);
    let body_diff = diff::lines(&lesson.body_markdown, fields.body_markdown);
    let mut summary = changes(&[
        ("title", before.item.title.clone(), fields.title.to_owned()),
        ("slug", before.item.slug.clone(), fields.slug.to_owned()),
        (
            "summary",
            before.item.summary.clone(),
            fields.summary.to_owned(),
        ),
        (
            "published",
            yes_no(lesson.published != 0),
            yes_no(fields.published),
        ),
    ]);
    if !body_diff.is_empty() {
        if !summary.is_empty() {
            summary.push_str("; ");
        }
        summary.push_str(&format!("body: {}", body_diff.stats()));
    }
    // The same text as saved is no change, whoever saved it.
    if summary.is_empty() {
        return Ok(Saved::Unchanged);
    }
    let now = session::now();
    let rendered = markdown::render(fields.body_markdown);
    let mut tx = db.pool().begin().await?;
    // Lessons that came from an import have no revision yet: keep the imported text first.
    if db::count_revisions(&mut *tx, &lesson.id).await? == 0 {
        let imported = NewRevision {
            lesson_id: &lesson.id,
            title: &lesson.title,
            summary: &lesson.summary,
            body_markdown: &lesson.body_markdown,
            author_id: None,
            author_name: "content import",
            note: "as imported",
        };
        db::insert_revision(&mut tx, imported, lesson.updated_at).await?;
    }
    if !db::update_lesson_if_unchanged(
        &mut *tx,
        &lesson.id,
        base_version,
        &fields,
        rendering(&rendered),
        now,
    )
    .await?
    {
        tx.rollback().await?;
        return Ok(Saved::Conflict);
    }
    let number =
        db::insert_revision(&mut tx, revision(&lesson.id, &fields, editor, note), now).await?;
    let target = format!(
        "{}/{}/{}",
        lesson.path_slug, lesson.module_slug, fields.slug
    );
    let action = if note.starts_with("restored") {
        "lesson.restore"
    } else {
        "lesson.update"
    };
    let summary = format!("revision {number}: {note}; {summary}");
    audit(
        &mut tx,
        editor,
        action,
        &target,
        summary.trim_end_matches("; "),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Saved::Revision(number))
}

pub(super) async fn save(
    State(state): State<AppState>,
    layout: Layout,
    session: Session,
    Editor(editor): Editor,
    Path(id): Path<String>,
    Form(mut form): Form<LessonForm>,
) -> Result<Response, AppError> {
    let lesson = load_lesson(&state.db, &id).await?;
    let mut errors = FieldErrors::default();
    form.validate(&state, &lesson.module_id, &lesson.id, &mut errors)
        .await?;
    if form.action == "preview" || !errors.is_empty() {
        let status = if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let module_id = lesson.module_id.clone();
        let page = editor_page(&state, layout, &module_id, Some(lesson), form, errors).await?;
        return Ok((status, page).into_response());
    }
    let message = match save_lesson(
        &state.db,
        &editor,
        &lesson,
        form.base_version,
        form.fields(),
        "edited",
    )
    .await?
    {
        Saved::Revision(number) => format!("Lesson saved (revision {number})."),
        Saved::Unchanged => "Nothing changed.".to_owned(),
        Saved::Conflict => return conflict(&state, layout, &id, form).await,
    };
    session::flash_and_redirect(&session, &message, &format!("/admin/lessons/{id}/edit")).await
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/content/conflict.html")]
pub(super) struct ConflictPage {
    layout: Layout,
    /// The lesson as saved by the other editor.
    lesson: LessonRecord,
    saved_by: String,
    saved_at: String,
    /// What this editor typed, kept whole.
    form: LessonForm,
    /// From the saved text to this editor's text.
    diff: Diff,
}

/// 409: both texts side by side; the form carries this editor's text, now based on the
/// saved version, so saving it again is a deliberate choice.
async fn conflict(
    state: &AppState,
    layout: Layout,
    id: &str,
    mut form: LessonForm,
) -> Result<Response, AppError> {
    let lesson = load_lesson(&state.db, id).await?;
    let latest = db::revisions_of(&state.db, id).await?.into_iter().next();
    let (saved_by, saved_at) = latest
        .map(|revision| (revision.author_name, date_time(revision.created_at)))
        .unwrap_or_else(|| ("someone".to_owned(), date_time(lesson.updated_at)));
    form.base_version = lesson.version;
    let page = ConflictPage {
        layout,
        diff: diff::lines(&lesson.body_markdown, &form.body_markdown),
        lesson,
        saved_by,
        saved_at,
        form,
    };
    Ok((StatusCode::CONFLICT, page).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct PreviewForm {
    body_markdown: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/content/_preview.html")]
pub(super) struct PreviewFragment {
    html: String,
}

/// The live preview: the same renderer (and sanitizer) as the lesson page.
pub(super) async fn preview(
    Editor(_): Editor,
    Form(form): Form<PreviewForm>,
) -> Result<PreviewFragment, AppError> {
    if form.body_markdown.chars().count() > BODY_MAX {
        return Err(AppError::BadRequest(format!(
            "The lesson is longer than {BODY_MAX} characters."
        )));
    }
    Ok(PreviewFragment {
        html: markdown::render(&form.body_markdown).html,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/content/lesson_view.html")]
pub(super) struct LearnerView {
    layout: Layout,
    lesson: LessonRecord,
    public_href: String,
    updated_on: String,
}

/// The lesson as learners will see it, drafts included (learners get 404 for drafts).
pub(super) async fn view_as_learner(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Path(id): Path<String>,
) -> Result<LearnerView, AppError> {
    let lesson = load_lesson(&state.db, &id).await?;
    Ok(LearnerView {
        layout,
        public_href: format!(
            "/paths/{}/{}/{}",
            lesson.path_slug, lesson.module_slug, lesson.slug
        ),
        updated_on: date(lesson.updated_at),
        lesson,
    })
}

pub(super) async fn move_lesson(
    State(state): State<AppState>,
    Editor(editor): Editor,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Result<Response, AppError> {
    let lesson = load_lesson(&state.db, &id).await?;
    move_item(&state.db, &editor, lesson_item(&lesson), &form.direction).await?;
    Ok(Redirect::to(&format!("/admin/modules/{}#lessons", lesson.module_id)).into_response())
}

fn lesson_item(lesson: &LessonRecord) -> Item<'_> {
    Item {
        level: Level::Lesson,
        id: &lesson.id,
        parent_id: &lesson.module_id,
        slug: &lesson.slug,
        target: format!(
            "{}/{}/{}",
            lesson.path_slug, lesson.module_slug, lesson.slug
        ),
    }
}

impl Deletable for LessonRecord {
    async fn load(state: &AppState, id: &str) -> Result<Self, AppError> {
        load_lesson(&state.db, id).await
    }

    fn item(&self) -> Item<'_> {
        lesson_item(self)
    }

    fn title(&self) -> &str {
        &self.title
    }

    async fn contents(&self, _state: &AppState) -> Result<String, AppError> {
        Ok("its revision history".to_owned())
    }

    fn href(&self) -> String {
        format!("/admin/lessons/{}/edit", self.id)
    }

    fn after_delete(&self) -> String {
        format!("/admin/modules/{}", self.module_id)
    }
}

// --- search ---------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SearchQuery {
    q: String,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/content/lessons.html")]
pub(super) struct SearchPage {
    layout: Layout,
    q: String,
    lessons: Vec<LessonHit>,
    total: i64,
    page: i64,
    pages: i64,
}

impl SearchPage {
    fn page_href(&self, page: i64) -> String {
        format!(
            "/admin/lessons?q={}&page={page}",
            crate::error::urlencode(&self.q)
        )
    }
}

pub(super) async fn search(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Query(query): Query<SearchQuery>,
) -> Result<SearchPage, AppError> {
    let q: String = query.q.trim().chars().take(100).collect();
    let paging = Paging::new(query.page);
    let (lessons, total) =
        db::search_lessons(&state.db, &q, Paging::PER_PAGE, paging.offset()).await?;
    Ok(SearchPage {
        layout,
        q,
        lessons,
        total,
        page: paging.page,
        pages: Paging::pages(total),
    })
}
