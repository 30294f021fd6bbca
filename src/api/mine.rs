//! The caller's own records: notes and bookmarks a page at a time, and the whole data export
//! (the same document as `/settings/export`).

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::{
    caller::Caller,
    cursor::{self, Page},
    json,
    problem::Problem,
};
use crate::{
    auth::access_tokens::Scope,
    progress::{
        export,
        notes::{self, Item, List},
    },
    state::AppState,
    web::Query,
};

/// A note or a bookmark, with where its lesson is.
#[derive(Serialize, ToSchema)]
pub struct Entry {
    pub lesson_title: String,
    /// The lesson in this API, and its page.
    pub lesson: String,
    pub page: String,
    /// Unix seconds: when the note was last changed, or the bookmark made.
    pub updated_at: i64,
    /// A note's text as Markdown and as sanitised HTML; absent for a bookmark.
    pub markdown: Option<String>,
    pub html: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EntryList {
    /// Newest first.
    pub items: Vec<Entry>,
    /// The next page, when there is one (also in the `Link` header).
    pub next: Option<String>,
}

async fn list_of(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    page: &Page,
    list: List,
    address: &str,
) -> Result<Response, Problem> {
    caller.require(Scope::Read)?;
    let (limit, after) = page.read()?;
    let mut rows = notes::page(&state.db, caller.user_id(), list, after, limit + 1).await?;
    let next = cursor::next_page(&mut rows, limit, address, |row: &Item| {
        (row.updated_at, &row.lesson_id)
    });
    let is_note = matches!(list, List::Notes);
    let items = rows
        .into_iter()
        .map(|row| Entry {
            lesson: format!("/api/v1{}", row.href()),
            page: row.href(),
            lesson_title: row.lesson_title,
            updated_at: row.updated_at,
            markdown: is_note.then_some(row.body_markdown),
            html: is_note.then_some(row.body_html),
        })
        .collect();
    let body = EntryList {
        items,
        next: next.clone(),
    };
    Ok(cursor::link_next(
        json::fresh(headers, &body),
        next.as_deref(),
    ))
}

/// The caller's notes, newest first, a page at a time.
#[utoipa::path(
    get, path = "/notes", operation_id = "listNotes", tag = "account",
    params(Page),
    responses((status = 200, description = "A page of notes", body = EntryList,
        headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page")))),
)]
pub async fn list_notes(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(page): Query<Page>,
) -> Result<Response, Problem> {
    list_of(
        &state,
        &caller,
        &headers,
        &page,
        List::Notes,
        "/api/v1/notes",
    )
    .await
}

/// The caller's bookmarks, newest first, a page at a time.
#[utoipa::path(
    get, path = "/bookmarks", operation_id = "listBookmarks", tag = "account",
    params(Page),
    responses((status = 200, description = "A page of bookmarks", body = EntryList,
        headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page")))),
)]
pub async fn list_bookmarks(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(page): Query<Page>,
) -> Result<Response, Problem> {
    list_of(
        &state,
        &caller,
        &headers,
        &page,
        List::Bookmarks,
        "/api/v1/bookmarks",
    )
    .await
}

/// Everything Groundwork stores about the caller: the account, visits, completions, quiz and
/// lab attempts, certificates, notes and bookmarks (format `groundwork-account-export/1`,
/// the same document as the settings page's download).
#[utoipa::path(
    get, path = "/export", operation_id = "exportMyData", tag = "account",
    responses((status = 200, description = "The data export", body = Object)),
)]
pub async fn data_export(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, Problem> {
    caller.require(Scope::Read)?;
    let document = export::document(&state.db, &state.visits, &caller.0.user).await?;
    Ok(json::written(StatusCode::OK, &document))
}
