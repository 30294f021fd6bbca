//! The one confirm-then-delete flow: a confirmation page saying what goes and what learners
//! lose, then the deletion, its audit entry and a flash in one transaction. Paths, modules and
//! lessons share the page and its tick box; quizzes and questions share the transaction step.

use std::future::Future;

use askama::Template;
use askama_web::WebTemplate;
use axum::{extract::State, response::Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    Item, audit,
    db::{self, Impact, Level},
    modules::rename_prerequisite,
    quiz_db,
};
use crate::{
    admin::Editor,
    auth::{User, invalid, session},
    db::Db,
    error::AppError,
    state::AppState,
    web::{Form, Layout, Path},
};

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

pub(super) fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// A path, module or lesson, as its confirmation page and its deletion need it.
pub(super) trait Deletable: Sized + Send + Sync {
    fn load(state: &AppState, id: &str) -> impl Future<Output = Result<Self, AppError>> + Send;
    fn item(&self) -> Item<'_>;
    fn title(&self) -> &str;
    /// What else goes with it ("its 4 modules and 17 lessons").
    fn contents(&self, state: &AppState) -> impl Future<Output = Result<String, AppError>> + Send;
    /// Its editor page, where "Keep it" goes back to.
    fn href(&self) -> String;
    /// Where the editor lands once it is gone.
    fn after_delete(&self) -> String;
}

async fn page_of<T: Deletable>(
    state: &AppState,
    layout: Layout,
    thing: &T,
) -> Result<DeletePage, AppError> {
    let item = thing.item();
    let kind = item.level.name();
    Ok(DeletePage {
        layout,
        kind,
        title: thing.title().to_owned(),
        contents: thing.contents(state).await?,
        action: format!("/admin/{kind}s/{}/delete", item.id),
        back: thing.href(),
        impact: db::impact(&state.db, item.level, item.id).await?,
        error: None,
    })
}

/// The confirmation page of a path, module or lesson.
pub(super) async fn confirmation<T: Deletable>(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Path(id): Path<String>,
) -> Result<DeletePage, AppError> {
    let thing = T::load(&state, &id).await?;
    page_of(&state, layout, &thing).await
}

/// Deletes the path, module or lesson with an audit entry; when learners would lose progress
/// and the box is not ticked, the confirmation page comes back (422) instead.
pub(super) async fn delete<T: Deletable>(
    State(state): State<AppState>,
    layout: Layout,
    session: Session,
    Editor(editor): Editor,
    Path(id): Path<String>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, AppError> {
    let thing = T::load(&state, &id).await?;
    let mut page = page_of(&state, layout, &thing).await?;
    if !page.impact.is_empty() && form.understood.is_none() {
        page.error = Some("Tick the box to confirm that this progress will be deleted.".into());
        return Ok(invalid(page));
    }
    let item = thing.item();
    let kind = item.level.name();
    let deletion = Deletion {
        action: &format!("{kind}.delete"),
        target: &item.target,
        summary: format!("deleted “{}” with {}", page.title, page.contents),
        flash: format!("Deleted the {kind} “{}”.", page.title),
        back: &thing.after_delete(),
    };
    delete_with_audit(&state.db, &session, &editor, Doomed::Item(&item), deletion).await
}

/// What a deletion removes.
pub(super) enum Doomed<'a> {
    /// A path, module or lesson, with all it holds.
    Item(&'a Item<'a>),
    /// A quiz (by id), with its questions and attempts.
    Quiz(&'a str),
    /// A question (by id); past scores stay as they are.
    Question(&'a str),
}

/// What the audit log records and the editor is told once it is done.
pub(super) struct Deletion<'a> {
    pub action: &'a str,
    pub target: &'a str,
    pub summary: String,
    pub flash: String,
    /// Where the editor goes next.
    pub back: &'a str,
}

/// Deletes, audits and commits in one transaction, then flashes and redirects.
pub(super) async fn delete_with_audit(
    db: &Db,
    session: &Session,
    editor: &User,
    doomed: Doomed<'_>,
    deletion: Deletion<'_>,
) -> Result<Response, AppError> {
    let mut tx = db.pool().begin().await?;
    match doomed {
        Doomed::Item(item) => {
            db::delete(&mut *tx, item.level, item.id).await?;
            if item.level == Level::Module {
                rename_prerequisite(&mut tx, item.parent_id, item.slug, None).await?;
            }
        }
        Doomed::Quiz(id) => quiz_db::delete_quiz(&mut *tx, id).await?,
        Doomed::Question(id) => quiz_db::delete_question(&mut *tx, id).await?,
    }
    audit(
        &mut tx,
        editor,
        deletion.action,
        deletion.target,
        &deletion.summary,
        session::now(),
    )
    .await?;
    tx.commit().await?;
    session::flash_and_redirect(session, &deletion.flash, deletion.back).await
}
