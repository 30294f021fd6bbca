//! Bookmarks and private notes on lessons, and the "My notes" page. Private: every query is
//! scoped by the session's user, and no other page (editor or admin) reads them.
//!
//! A page feature: it stands on `curriculum` and `progress` and imports no other page feature
//! (tests/integration/architecture.rs).

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_htmx::HxRequest;
use serde::Deserialize;

use crate::{
    auth::{
        CurrentUser,
        session::{self, now},
    },
    curriculum::LessonAt,
    error::AppError,
    progress::{Progress, notes as db},
    render::markdown,
    state::AppState,
    web::dates::date_time as when,
    web::{Form, Layout},
};

pub use db::Item;

/// Long enough for real notes, short enough that nobody stores a book in them.
const MAX_NOTE_CHARS: usize = 20_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notes", get(my_notes))
        .route("/paths/{path}/{module}/{lesson}/bookmark", post(bookmark))
        .route(
            "/paths/{path}/{module}/{lesson}/unbookmark",
            post(unbookmark),
        )
        .route("/paths/{path}/{module}/{lesson}/note", post(save_note))
}

/// The bookmark button of a lesson page.
#[derive(Debug, Clone)]
pub struct BookmarkButton {
    pub lesson_href: String,
    pub on: bool,
}

impl BookmarkButton {
    pub fn action(&self) -> String {
        format!(
            "{}/{}",
            self.lesson_href,
            if self.on { "unbookmark" } else { "bookmark" }
        )
    }
}

/// The note box of a lesson page: what is in it, and what happened to the last save.
#[derive(Debug, Clone)]
pub struct NoteBox {
    pub lesson_href: String,
    pub text: String,
    pub status: Option<String>,
    pub error: Option<String>,
}

/// The bookmark button and note box of a lesson page, from the learner's progress loaded
/// with that lesson ([`crate::progress::Also::lesson`]), so the page needs no statement of
/// its own.
pub fn widgets(lesson_href: &str, progress: &Progress) -> (BookmarkButton, NoteBox) {
    let bookmark = BookmarkButton {
        lesson_href: lesson_href.to_owned(),
        on: progress.bookmarked,
    };
    let note = NoteBox {
        lesson_href: lesson_href.to_owned(),
        status: progress
            .note
            .as_ref()
            .map(|(_, at)| format!("Last saved {}.", when(*at))),
        text: progress
            .note
            .as_ref()
            .map(|(text, _)| text.clone())
            .unwrap_or_default(),
        error: None,
    };
    (bookmark, note)
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog/lesson.html", block = "bookmark")]
struct BookmarkFragment {
    layout: Layout,
    bookmark: Option<BookmarkButton>,
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog/lesson.html", block = "notes")]
struct NoteFragment {
    layout: Layout,
    note: Option<NoteBox>,
}

async fn bookmark(
    state: State<AppState>,
    htmx: HxRequest,
    layout: Layout,
    user: CurrentUser,
    lesson: LessonAt,
) -> Result<Response, AppError> {
    set_bookmark(state, htmx, layout, user, lesson, true).await
}

async fn unbookmark(
    state: State<AppState>,
    htmx: HxRequest,
    layout: Layout,
    user: CurrentUser,
    lesson: LessonAt,
) -> Result<Response, AppError> {
    set_bookmark(state, htmx, layout, user, lesson, false).await
}

async fn set_bookmark(
    State(state): State<AppState>,
    HxRequest(is_htmx): HxRequest,
    layout: Layout,
    CurrentUser(user): CurrentUser,
    place: LessonAt,
    on: bool,
) -> Result<Response, AppError> {
    let lesson_href = place.href.clone();
    db::set_bookmark(&state.db, &user.id, &place.lesson().id, on, now()).await?;
    if !is_htmx {
        return Ok(Redirect::to(&lesson_href).into_response());
    }
    Ok(BookmarkFragment {
        layout,
        bookmark: Some(BookmarkButton { lesson_href, on }),
    }
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NoteForm {
    note: String,
}

async fn save_note(
    State(state): State<AppState>,
    HxRequest(is_htmx): HxRequest,
    layout: Layout,
    session: tower_sessions::Session,
    CurrentUser(user): CurrentUser,
    place: LessonAt,
    Form(form): Form<NoteForm>,
) -> Result<Response, AppError> {
    let lesson_href = place.href.clone();
    let text = form.note.replace("\r\n", "\n");
    if text.chars().count() > MAX_NOTE_CHARS {
        // Keep every character the learner typed, and say why it was not saved.
        let note = NoteBox {
            lesson_href,
            text,
            status: None,
            error: Some(format!(
                "Not saved: notes can be at most {MAX_NOTE_CHARS} characters. Shorten it and save again."
            )),
        };
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            NoteFragment {
                layout,
                note: Some(note),
            },
        )
            .into_response());
    }
    let time = now();
    if text.trim().is_empty() {
        db::delete_note(&state.db, &user.id, &place.lesson().id).await?;
    } else {
        let html = markdown::render(&text).html;
        db::save_note(&state.db, &user.id, &place.lesson().id, &text, &html, time).await?;
    }
    if !is_htmx {
        return session::flash_and_redirect(
            &session,
            "Your note was saved.",
            &format!("{lesson_href}#notes"),
        )
        .await;
    }
    let status = if text.trim().is_empty() {
        "Note deleted.".to_owned()
    } else {
        format!("Saved {}.", when(time))
    };
    let note = NoteBox {
        lesson_href,
        text,
        status: Some(status),
        error: None,
    };
    Ok(NoteFragment {
        layout,
        note: Some(note),
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "notes/index.html")]
struct NotesPage {
    layout: Layout,
    notes: Vec<Item>,
    bookmarks: Vec<Item>,
}

async fn my_notes(
    State(state): State<AppState>,
    layout: Layout,
    CurrentUser(user): CurrentUser,
) -> Result<NotesPage, AppError> {
    let notes = db::list_notes(&state.db, &user.id).await?;
    let bookmarks = db::list_bookmarks(&state.db, &user.id).await?;
    Ok(NotesPage {
        layout,
        notes,
        bookmarks,
    })
}
