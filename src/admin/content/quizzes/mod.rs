//! The quiz and question editor (editors and admins): its routes and what its pages share.
//! Answer keys are checked by `files::check_answer_key`, the rule the file importer applies, so a
//! quiz saved here always exports and imports again; Markdown is rendered and sanitized at save,
//! as import does. Every change is audited in the transaction that makes it.

mod list;
mod question_form;
mod questions;
mod quiz;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Router,
    routing::{get, post},
};

use super::{
    MoveForm, audit,
    delete::{Deletion, Doomed, delete_with_audit},
    quiz_db::{self as db, ModuleInfo, QuizRow},
    swap_with_neighbour,
};
use crate::{db::Db, error::AppError, state::AppState, web::Layout};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/quizzes", get(list::list))
        .route(
            "/admin/modules/{id}/quiz",
            get(quiz::quiz_form).post(quiz::save_quiz),
        )
        .route(
            "/admin/quizzes/{id}/questions/new",
            get(questions::new_question_form).post(questions::create_question),
        )
        .route(
            "/admin/quizzes/{id}/delete",
            get(quiz::delete_quiz_form).post(quiz::delete_quiz),
        )
        .route(
            "/admin/questions/{id}/edit",
            get(questions::edit_question_form).post(questions::update_question),
        )
        .route("/admin/questions/{id}/move", post(questions::move_question))
        .route(
            "/admin/questions/{id}/delete",
            get(questions::delete_question_form).post(questions::delete_question),
        )
}

/// The kinds, as the editor names them.
const KINDS: [(&str, &str); 6] = [
    ("single", "Single choice"),
    ("multiple", "Multiple choice"),
    ("true_false", "True or false"),
    ("short_text", "Short text"),
    ("numeric", "Numeric"),
    ("ordering", "Ordering"),
];

fn kind_label(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(name, _)| *name == kind)
        .map_or("Question", |(_, label)| label)
}

/// The first `n` characters of `text` on one line, for lists and audit summaries.
fn excerpt(text: &str, n: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > n {
        format!("{}…", line.chars().take(n).collect::<String>())
    } else {
        line
    }
}

fn quiz_href(module_id: &str) -> String {
    format!("/admin/modules/{module_id}/quiz")
}

async fn module_of(db: &Db, module_id: &str) -> Result<ModuleInfo, AppError> {
    db::get_module(db.pool(), module_id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn quiz_and_module(
    state: &AppState,
    quiz_id: &str,
) -> Result<(QuizRow, ModuleInfo), AppError> {
    let quiz = db::get_quiz(state.db.pool(), quiz_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let module = module_of(&state.db, &quiz.module_id).await?;
    Ok((quiz, module))
}

/// The confirmation before a question, or the whole quiz, is deleted.
#[derive(Template, WebTemplate)]
#[template(path = "admin/content/quiz_delete.html")]
pub(super) struct DeletePage {
    layout: Layout,
    module: ModuleInfo,
    quiz: QuizRow,
    /// `Some((number, prompt))` when a question is to go, `None` for the whole quiz.
    question: Option<(usize, String)>,
    questions: usize,
    counts: db::AttemptCounts,
    action: String,
}

impl DeletePage {
    fn back(&self) -> String {
        quiz_href(&self.module.id)
    }
}

/// The confirmation page; `question` is `Some((number, prompt))` when one question is to go.
async fn delete_page(
    db: &Db,
    layout: Layout,
    module: ModuleInfo,
    quiz: QuizRow,
    question: Option<(usize, String)>,
    action: String,
) -> Result<DeletePage, AppError> {
    let counts = db::count_attempts(db, &quiz.id).await?;
    let questions = db::list_questions(db.pool(), &quiz.id).await?.len();
    Ok(DeletePage {
        layout,
        module,
        quiz,
        question,
        questions,
        counts,
        action,
    })
}
