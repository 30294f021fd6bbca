//! `/search?q=`: full-text search over published modules and lessons. Works as a plain GET
//! form; with htmx the results update as you type (the same template's `results` block).
//!
//! A page feature: it ranks in SQL, reads the tree from `curriculum`, and imports no other page
//! feature (tests/integration/architecture.rs).

mod db;
mod snippet;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Router,
    extract::State,
    response::{IntoResponse, Response},
    routing::get,
};
use axum_htmx::HxRequest;
use serde::Deserialize;

use crate::{
    error::AppError,
    progress::lesson_href,
    state::AppState,
    web::{Layout, Query},
};

const MAX_QUERY_CHARS: usize = 200;
const MAX_WORDS: usize = 8;
const MAX_RESULTS: i64 = 25;

pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SearchQuery {
    q: String,
}

/// A result ready for the page; `snippet_html` is escaped text with `<mark>` around matches.
struct Result {
    title: String,
    href: String,
    context: String,
    snippet_html: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "search/index.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    searched: bool,
    results: Vec<Result>,
}

#[derive(Template, WebTemplate)]
#[template(path = "search/index.html", block = "results")]
struct SearchResults {
    q: String,
    searched: bool,
    results: Vec<Result>,
}

/// The words of a query: letters and digits only, so no search syntax (quotes, operators,
/// `NEAR`, `:*`, parentheses) ever reaches the database's query parser.
fn words(query: &str) -> Vec<String> {
    query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .take(MAX_WORDS)
        .collect()
}

async fn search(
    State(state): State<AppState>,
    HxRequest(is_htmx): HxRequest,
    layout: Layout,
    Query(query): Query<SearchQuery>,
) -> std::result::Result<Response, AppError> {
    let q: String = query.q.trim().chars().take(MAX_QUERY_CHARS).collect();
    let words = words(&q);
    let hits = db::search(&state.db, &words, MAX_RESULTS).await?;
    let tree = state.curriculum.now();
    // A hit unpublished since the snapshot was taken (at most a moment ago) is left out.
    let results = hits
        .iter()
        .filter_map(|hit| match hit.kind.as_str() {
            "lesson" => {
                let (path, module, lesson) = tree.lesson_by_id(&hit.id)?;
                Some(Result {
                    title: lesson.title.clone(),
                    href: lesson_href(path, module, lesson),
                    context: format!("Lesson in {}", module.title),
                    snippet_html: snippet::snippet_html(&lesson.body_text, &words),
                })
            }
            _ => {
                let (path, module) = tree.module_by_id(&hit.id)?;
                Some(Result {
                    title: module.title.clone(),
                    href: format!("/paths/{}/{}", path.slug, module.slug),
                    context: "Module".to_owned(),
                    snippet_html: snippet::snippet_html(&module.summary, &words),
                })
            }
        })
        .collect();
    let searched = !q.is_empty();
    Ok(if is_htmx {
        SearchResults {
            q,
            searched,
            results,
        }
        .into_response()
    } else {
        SearchPage {
            layout,
            q,
            searched,
            results,
        }
        .into_response()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_words_reach_the_database() {
        assert_eq!(
            words("  Index* OR \"sql\" NEAR(a b) -x ^y:*  "),
            ["index", "or", "sql", "near", "a", "b", "x", "y"]
        );
        assert!(words("'); DROP TABLE users; --").contains(&"drop".to_owned()));
        assert!(words("*** \" ( ) :").is_empty());
    }
}
