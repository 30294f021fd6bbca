//! Question handlers: add, edit, move and delete a quiz's questions.

use axum::{extract::State, response::Response};
use tower_sessions::Session;

use super::{
    DeletePage, Deletion, Doomed, MoveForm, audit,
    db::{self, ModuleInfo, QuestionRow, QuizRow},
    delete_page, delete_with_audit, excerpt,
    question_form::{KindQuery, QuestionInput, QuestionPage},
    quiz_and_module, quiz_href, swap_with_neighbour,
};
use crate::admin::Editor;
use crate::{
    auth::{invalid, session},
    curriculum::{
        self,
        files::{AnswerKey, QuestionKind},
    },
    error::AppError,
    render::markdown,
    state::AppState,
    web::{FieldErrors, Form, Layout, Path, Query},
};

fn parse_kind(kind: &str) -> Result<QuestionKind, AppError> {
    QuestionKind::parse(kind).ok_or_else(|| {
        AppError::BadRequest(
            "Choose a kind of question: single, multiple, true_false, short_text, numeric or ordering."
                .into(),
        )
    })
}

pub(super) async fn new_question_form(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Path(quiz_id): Path<String>,
    Query(query): Query<KindQuery>,
) -> Result<QuestionPage, AppError> {
    let kind = parse_kind(&query.kind)?;
    let (quiz, module) = quiz_and_module(&state, &quiz_id).await?;
    let mut input = QuestionInput::default();
    input.pad();
    Ok(QuestionPage {
        layout,
        action: format!(
            "/admin/quizzes/{}/questions/new?kind={}",
            quiz.id,
            kind.as_str()
        ),
        module,
        quiz,
        kind,
        number: None,
        input,
        errors: FieldErrors::default(),
    })
}

/// The stored form of a question: Markdown rendered and sanitized, as the importer does.
fn question_row(
    id: String,
    quiz_id: &str,
    position: i64,
    kind: QuestionKind,
    prompt: String,
    explanation: String,
    key: &AnswerKey,
) -> Result<curriculum::db::QuestionRow, AppError> {
    Ok(curriculum::db::QuestionRow {
        id,
        quiz_id: quiz_id.to_owned(),
        position,
        kind: kind.as_str().to_owned(),
        prompt_markdown: prompt,
        explanation_markdown: explanation,
        answer_key: serde_json::to_string(key).map_err(|error| AppError::Internal(error.into()))?,
    })
}

async fn store_question(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    row: &curriculum::db::QuestionRow,
) -> Result<(), AppError> {
    let prompt_html = markdown::render(&row.prompt_markdown).html;
    let explanation_html = markdown::render(&row.explanation_markdown).html;
    curriculum::db::upsert_question(
        &mut **tx,
        row,
        &prompt_html,
        &explanation_html,
        session::now(),
    )
    .await?;
    Ok(())
}

pub(super) async fn create_question(
    State(state): State<AppState>,
    layout: Layout,
    session: Session,
    Editor(user): Editor,
    Path(quiz_id): Path<String>,
    Query(query): Query<KindQuery>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let kind = parse_kind(&query.kind)?;
    let (quiz, module) = quiz_and_module(&state, &quiz_id).await?;
    let input = QuestionInput::from_fields(&fields);
    let (prompt, explanation, key) = match input.validate(kind) {
        Ok(valid) => valid,
        Err(errors) => {
            return Ok(invalid(QuestionPage {
                layout,
                action: format!(
                    "/admin/quizzes/{}/questions/new?kind={}",
                    quiz.id,
                    kind.as_str()
                ),
                module,
                quiz,
                kind,
                number: None,
                input,
                errors,
            }));
        }
    };
    let mut tx = state.db.pool().begin().await?;
    let position = db::next_position(&mut *tx, &quiz.id).await?;
    let row = question_row(
        uuid::Uuid::new_v4().to_string(),
        &quiz.id,
        position,
        kind,
        prompt,
        explanation,
        &key,
    )?;
    store_question(&mut tx, &row).await?;
    let target = format!("question {position} of quiz “{}”", quiz.title);
    let summary = format!(
        "created ({}): “{}”",
        kind.as_str(),
        excerpt(&row.prompt_markdown, 80)
    );
    audit(
        &mut tx,
        &user,
        "question.create",
        &target,
        &summary,
        session::now(),
    )
    .await?;
    tx.commit().await?;
    session::flash_and_redirect(&session, "The question was added.", &quiz_href(&module.id)).await
}

/// The question, its quiz and module, and its number (1-based) in the quiz.
async fn question_context(
    state: &AppState,
    id: &str,
) -> Result<(QuestionRow, QuizRow, ModuleInfo, usize), AppError> {
    let question = db::get_question(state.db.pool(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (quiz, module) = quiz_and_module(state, &question.quiz_id).await?;
    let number = db::list_questions(state.db.pool(), &quiz.id)
        .await?
        .iter()
        .position(|row| row.id == question.id)
        .map_or(1, |index| index + 1);
    Ok((question, quiz, module, number))
}

pub(super) async fn edit_question_form(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Path(id): Path<String>,
) -> Result<QuestionPage, AppError> {
    let (question, quiz, module, number) = question_context(&state, &id).await?;
    let kind = parse_kind(&question.kind)?;
    Ok(QuestionPage {
        layout,
        action: format!("/admin/questions/{}/edit", question.id),
        input: QuestionInput::from_row(&question)?,
        module,
        quiz,
        kind,
        number: Some(number),
        errors: FieldErrors::default(),
    })
}

pub(super) async fn update_question(
    State(state): State<AppState>,
    layout: Layout,
    session: Session,
    Editor(user): Editor,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (question, quiz, module, number) = question_context(&state, &id).await?;
    let kind = parse_kind(&question.kind)?;
    let input = QuestionInput::from_fields(&fields);
    let (prompt, explanation, key) = match input.validate(kind) {
        Ok(valid) => valid,
        Err(errors) => {
            return Ok(invalid(QuestionPage {
                layout,
                action: format!("/admin/questions/{}/edit", question.id),
                module,
                quiz,
                kind,
                number: Some(number),
                input,
                errors,
            }));
        }
    };
    // Text that differs only in surrounding blank space (imported TOML often ends in a
    // newline) is kept as it was, so opening and saving a question changes nothing.
    let unless_same = |new: String, old: &str| {
        if new == old.trim() {
            old.to_owned()
        } else {
            new
        }
    };
    let row = question_row(
        question.id.clone(),
        &quiz.id,
        question.position,
        kind,
        unless_same(prompt, &question.prompt_markdown),
        unless_same(explanation, &question.explanation_markdown),
        &key,
    )?;
    let mut changes = Vec::new();
    if row.prompt_markdown != question.prompt_markdown {
        changes.push(format!(
            "prompt: “{}” → “{}”",
            excerpt(&question.prompt_markdown, 60),
            excerpt(&row.prompt_markdown, 60)
        ));
    }
    if row.explanation_markdown != question.explanation_markdown {
        changes.push("explanation changed".to_owned());
    }
    let old_key: Option<AnswerKey> = serde_json::from_str(&question.answer_key).ok();
    if old_key.as_ref() != Some(&key) {
        changes.push("answer key changed".to_owned());
    }
    if changes.is_empty() {
        return session::flash_and_redirect(&session, "Nothing changed.", &quiz_href(&module.id))
            .await;
    }
    let mut tx = state.db.pool().begin().await?;
    store_question(&mut tx, &row).await?;
    let target = format!("question {number} of quiz “{}”", quiz.title);
    let summary = changes.join("; ");
    audit(
        &mut tx,
        &user,
        "question.update",
        &target,
        &summary,
        session::now(),
    )
    .await?;
    tx.commit().await?;
    session::flash_and_redirect(
        &session,
        &format!("Question {number} was saved."),
        &quiz_href(&module.id),
    )
    .await
}

pub(super) async fn move_question(
    State(state): State<AppState>,
    session: Session,
    Editor(user): Editor,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Result<Response, AppError> {
    let question = db::get_question(state.db.pool(), &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (quiz, module) = quiz_and_module(&state, &question.quiz_id).await?;
    let mut tx = state.db.pool().begin().await?;
    let mut order: Vec<String> = db::list_questions(&mut *tx, &quiz.id)
        .await?
        .into_iter()
        .map(|row| row.id)
        .collect();
    let Some((from, to)) = swap_with_neighbour(&mut order, &id, &form.direction)? else {
        return session::flash_and_redirect(
            &session,
            "That question cannot move further.",
            &quiz_href(&module.id),
        )
        .await;
    };
    // Renumbered 1..n, so positions stay distinct whatever they were before.
    let now = session::now();
    for (index, question_id) in order.iter().enumerate() {
        db::set_position(&mut *tx, question_id, index as i64 + 1, now).await?;
    }
    let target = format!("question {} of quiz “{}”", from + 1, quiz.title);
    let summary = format!("position {} → {}", from + 1, to + 1);
    audit(
        &mut tx,
        &user,
        "question.move",
        &target,
        &summary,
        session::now(),
    )
    .await?;
    tx.commit().await?;
    session::flash_and_redirect(
        &session,
        &format!("Question {} is now question {}.", from + 1, to + 1),
        &quiz_href(&module.id),
    )
    .await
}

pub(super) async fn delete_question_form(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Path(id): Path<String>,
) -> Result<DeletePage, AppError> {
    let (question, quiz, module, number) = question_context(&state, &id).await?;
    let action = format!("/admin/questions/{}/delete", question.id);
    let doomed = Some((number, excerpt(&question.prompt_markdown, 200)));
    delete_page(&state.db, layout, module, quiz, doomed, action).await
}

pub(super) async fn delete_question(
    State(state): State<AppState>,
    session: Session,
    Editor(user): Editor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (question, quiz, module, number) = question_context(&state, &id).await?;
    let counts = db::count_attempts(&state.db, &quiz.id).await?;
    let deletion = Deletion {
        action: "question.delete",
        target: &format!("question {number} of quiz “{}”", quiz.title),
        summary: format!(
            "deleted ({}): “{}”; the quiz had {} attempts by {} learners",
            question.kind,
            excerpt(&question.prompt_markdown, 80),
            counts.attempts,
            counts.learners
        ),
        flash: format!("Question {number} was deleted."),
        back: &quiz_href(&module.id),
    };
    let doomed = Doomed::Question(&question.id);
    delete_with_audit(&state.db, &session, &user, doomed, deletion).await
}
