//! The list of quizzes, searchable and paged.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use serde::Deserialize;

use super::db;
use crate::admin::{Editor, Paging};
use crate::{
    error::AppError,
    state::AppState,
    web::{Layout, Query},
};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ListQuery {
    q: String,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/content/quizzes.html")]
pub(super) struct QuizzesPage {
    layout: Layout,
    q: String,
    rows: Vec<db::QuizListRow>,
    page: i64,
    pages: i64,
    total: i64,
}

impl QuizzesPage {
    fn page_href(&self, page: i64) -> String {
        format!(
            "/admin/quizzes?q={}&page={page}",
            crate::error::urlencode(&self.q)
        )
    }
}

pub(super) async fn list(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Query(query): Query<ListQuery>,
) -> Result<QuizzesPage, AppError> {
    let q = query.q.trim().chars().take(100).collect::<String>();
    let paging = Paging::new(query.page);
    let (rows, total) = db::list_quizzes(&state.db, &q, Paging::PER_PAGE, paging.offset()).await?;
    Ok(QuizzesPage {
        layout,
        q,
        rows,
        page: paging.page,
        pages: Paging::pages(total),
        total,
    })
}
