//! A lesson's revision history: every save, a diff of any revision against the current
//! text, and restoring one (which is itself a new revision, so nothing is ever lost).

use askama::Template;
use askama_web::WebTemplate;
use axum::{extract::State, response::Response};
use tower_sessions::Session;

use super::{
    db::{self, LessonFields, LessonRecord, Revision},
    diff::{self, Diff},
    lessons::{Saved, load_lesson, save_lesson},
};
use crate::{
    admin::Editor,
    auth::session,
    db::Db,
    error::AppError,
    state::AppState,
    web::{Layout, Path, dates::date_time},
};

/// A revision in the list, with what it changed compared with the one before.
pub(super) struct HistoryEntry {
    pub revision: Revision,
    pub when: String,
    pub changes: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/content/revisions.html")]
pub(super) struct HistoryPage {
    layout: Layout,
    lesson: LessonRecord,
    entries: Vec<HistoryEntry>,
}

pub(super) async fn history(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Path(id): Path<String>,
) -> Result<HistoryPage, AppError> {
    let lesson = load_lesson(&state.db, &id).await?;
    let revisions = db::revisions_of(&state.db, &lesson.id).await?;
    // Newest first: each revision is compared with the next one in the list (its predecessor).
    let mut entries = Vec::with_capacity(revisions.len());
    for (index, revision) in revisions.iter().enumerate() {
        let changes = match revisions.get(index + 1) {
            Some(previous) => describe(previous, revision),
            None => "first revision".to_owned(),
        };
        entries.push(HistoryEntry {
            when: date_time(revision.created_at),
            revision: revision.clone(),
            changes,
        });
    }
    Ok(HistoryPage {
        layout,
        lesson,
        entries,
    })
}

fn describe(previous: &Revision, revision: &Revision) -> String {
    let mut parts = Vec::new();
    if previous.title != revision.title {
        parts.push("title".to_owned());
    }
    if previous.summary != revision.summary {
        parts.push("summary".to_owned());
    }
    let body = diff::lines(&previous.body_markdown, &revision.body_markdown);
    if !body.is_empty() {
        parts.push(format!("body {}", body.stats()));
    }
    if parts.is_empty() {
        "no text change".to_owned()
    } else {
        parts.join(", ")
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/content/revision.html")]
pub(super) struct RevisionPage {
    layout: Layout,
    lesson: LessonRecord,
    revision: Revision,
    when: String,
    /// From this revision to the current text.
    diff: Diff,
    title_changed: bool,
    summary_changed: bool,
}

async fn load_revision(db: &Db, lesson: &LessonRecord, number: i64) -> Result<Revision, AppError> {
    db::get_revision(db, &lesson.id, number)
        .await?
        .ok_or(AppError::NotFound)
}

pub(super) async fn show(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Path((id, number)): Path<(String, i64)>,
) -> Result<RevisionPage, AppError> {
    let lesson = load_lesson(&state.db, &id).await?;
    let revision = load_revision(&state.db, &lesson, number).await?;
    Ok(RevisionPage {
        layout,
        diff: diff::lines(&revision.body_markdown, &lesson.body_markdown),
        when: date_time(revision.created_at),
        title_changed: revision.title != lesson.title,
        summary_changed: revision.summary != lesson.summary,
        lesson,
        revision,
    })
}

/// Puts the revision's title, summary and text back as a new revision (slug and published
/// state stay as they are now).
pub(super) async fn restore(
    State(state): State<AppState>,
    session: Session,
    Editor(editor): Editor,
    Path((id, number)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let lesson = load_lesson(&state.db, &id).await?;
    let revision = load_revision(&state.db, &lesson, number).await?;
    let fields = LessonFields {
        slug: &lesson.slug,
        title: &revision.title,
        summary: &revision.summary,
        published: lesson.published != 0,
        body_markdown: &revision.body_markdown,
    };
    let note = format!("restored revision {number}");
    let message = match save_lesson(&state.db, &editor, &lesson, lesson.version, fields, &note)
        .await?
    {
        Saved::Revision(new) => format!("Revision {number} restored as revision {new}."),
        Saved::Unchanged => format!("The lesson already reads as revision {number}."),
        Saved::Conflict => {
            "Someone saved the lesson a moment ago; look at the history and try again.".to_owned()
        }
    };
    session::flash_and_redirect(
        &session,
        &message,
        &format!("/admin/lessons/{id}/revisions"),
    )
    .await
}
