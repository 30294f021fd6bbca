//! A module's quiz: its settings (title, pass mark), its questions listed, and deleting it.

use askama::Template;
use askama_web::WebTemplate;
use axum::{extract::State, response::Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    DeletePage, Deletion, Doomed, KINDS, audit,
    db::{self, ModuleInfo, QuizRow},
    delete_page, delete_with_audit, excerpt, kind_label, module_of, quiz_and_module, quiz_href,
};
use crate::admin::Editor;
use crate::{
    auth::{invalid, session},
    curriculum,
    db::Db,
    error::AppError,
    state::AppState,
    web::{FieldErrors, Form, Layout, Path},
};

const MAX_TITLE: usize = 200;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub(super) struct QuizForm {
    title: String,
    pass_mark: String,
}

struct QuestionItem {
    id: String,
    number: usize,
    kind: &'static str,
    prompt: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/content/quiz.html")]
pub(super) struct QuizPage {
    layout: Layout,
    module: ModuleInfo,
    quiz: Option<QuizRow>,
    form: QuizForm,
    errors: FieldErrors,
    questions: Vec<QuestionItem>,
}

impl QuizPage {
    fn kinds(&self) -> &'static [(&'static str, &'static str)] {
        &KINDS
    }

    fn action(&self) -> String {
        quiz_href(&self.module.id)
    }
}

async fn quiz_page(
    db: &Db,
    layout: Layout,
    module: ModuleInfo,
    form: Option<QuizForm>,
    errors: FieldErrors,
) -> Result<QuizPage, AppError> {
    let quiz = db::get_quiz_of_module(db.pool(), &module.id).await?;
    let questions = match &quiz {
        Some(quiz) => db::list_questions(db.pool(), &quiz.id)
            .await?
            .into_iter()
            .enumerate()
            .map(|(index, row)| QuestionItem {
                number: index + 1,
                kind: kind_label(&row.kind),
                prompt: excerpt(&row.prompt_markdown, 140),
                id: row.id,
            })
            .collect(),
        None => Vec::new(),
    };
    let form = form.unwrap_or_else(|| match &quiz {
        Some(quiz) => QuizForm {
            title: quiz.title.clone(),
            pass_mark: quiz.pass_mark.to_string(),
        },
        None => QuizForm {
            title: format!("{}: check your understanding", module.title),
            pass_mark: "70".into(),
        },
    });
    Ok(QuizPage {
        layout,
        module,
        quiz,
        form,
        errors,
        questions,
    })
}

pub(super) async fn quiz_form(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Path(module_id): Path<String>,
) -> Result<QuizPage, AppError> {
    let module = module_of(&state.db, &module_id).await?;
    quiz_page(&state.db, layout, module, None, FieldErrors::default()).await
}

fn validate_quiz(form: &QuizForm) -> Result<(String, i64), FieldErrors> {
    let mut errors = FieldErrors::default();
    let title = form.title.trim().to_owned();
    if title.is_empty() {
        errors.add("title", "Give the quiz a title.");
    } else if title.chars().count() > MAX_TITLE {
        errors.add("title", format!("At most {MAX_TITLE} characters."));
    }
    let pass_mark = match form.pass_mark.trim().parse::<i64>() {
        Ok(mark) if (1..=100).contains(&mark) => mark,
        _ => {
            errors.add("pass_mark", "A whole number of percent, from 1 to 100.");
            0
        }
    };
    if errors.is_empty() {
        Ok((title, pass_mark))
    } else {
        Err(errors)
    }
}

pub(super) async fn save_quiz(
    State(state): State<AppState>,
    layout: Layout,
    session: Session,
    Editor(user): Editor,
    Path(module_id): Path<String>,
    Form(form): Form<QuizForm>,
) -> Result<Response, AppError> {
    let module = module_of(&state.db, &module_id).await?;
    let (title, pass_mark) = match validate_quiz(&form) {
        Ok(valid) => valid,
        Err(errors) => {
            let page = quiz_page(&state.db, layout, module, Some(form), errors).await?;
            return Ok(invalid(page));
        }
    };
    let now = session::now();
    let mut tx = state.db.pool().begin().await?;
    let existing = db::get_quiz_of_module(&mut *tx, &module.id).await?;
    let quiz = QuizRow {
        id: existing
            .as_ref()
            .map_or_else(|| uuid::Uuid::new_v4().to_string(), |quiz| quiz.id.clone()),
        module_id: module.id.clone(),
        title,
        pass_mark,
    };
    let target = format!("quiz “{}” of {}", quiz.title, module.title);
    let message = match &existing {
        None => {
            curriculum::db::upsert_quiz(&mut *tx, &quiz, now).await?;
            let summary = format!("created: “{}”, pass mark {}%", quiz.title, quiz.pass_mark);
            audit(
                &mut tx,
                &user,
                "quiz.create",
                &target,
                &summary,
                session::now(),
            )
            .await?;
            "The quiz was created. Add its questions below."
        }
        Some(old) => {
            let mut changes = Vec::new();
            if old.title != quiz.title {
                changes.push(format!("title: “{}” → “{}”", old.title, quiz.title));
            }
            if old.pass_mark != quiz.pass_mark {
                changes.push(format!(
                    "pass mark: {}% → {}%",
                    old.pass_mark, quiz.pass_mark
                ));
            }
            if changes.is_empty() {
                return session::flash_and_redirect(
                    &session,
                    "Nothing changed.",
                    &quiz_href(&module.id),
                )
                .await;
            }
            curriculum::db::upsert_quiz(&mut *tx, &quiz, now).await?;
            let summary = changes.join("; ");
            audit(
                &mut tx,
                &user,
                "quiz.update",
                &target,
                &summary,
                session::now(),
            )
            .await?;
            "The quiz was saved."
        }
    };
    tx.commit().await?;
    session::flash_and_redirect(&session, message, &quiz_href(&module.id)).await
}

pub(super) async fn delete_quiz_form(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Path(quiz_id): Path<String>,
) -> Result<DeletePage, AppError> {
    let (quiz, module) = quiz_and_module(&state, &quiz_id).await?;
    let action = format!("/admin/quizzes/{}/delete", quiz.id);
    delete_page(&state.db, layout, module, quiz, None, action).await
}

pub(super) async fn delete_quiz(
    State(state): State<AppState>,
    session: Session,
    Editor(user): Editor,
    Path(quiz_id): Path<String>,
) -> Result<Response, AppError> {
    let (quiz, module) = quiz_and_module(&state, &quiz_id).await?;
    let counts = db::count_attempts(&state.db, &quiz.id).await?;
    let questions = db::list_questions(state.db.pool(), &quiz.id).await?.len();
    let deletion = Deletion {
        action: "quiz.delete",
        target: &format!("quiz “{}” of {}", quiz.title, module.title),
        summary: format!(
            "deleted with {questions} questions and {} attempts by {} learners",
            counts.attempts, counts.learners
        ),
        flash: format!("The quiz “{}” was deleted.", quiz.title),
        back: &quiz_href(&module.id),
    };
    delete_with_audit(&state.db, &session, &user, Doomed::Quiz(&quiz.id), deletion).await
}
