//! The quiz and question editor (editors and admins). Answer keys are checked by
//! `files::check_answer_key`, the rule the file importer applies, so a quiz saved here always
//! exports and imports again; Markdown is rendered and sanitized at save, as import does.
//! Every change is audited in the transaction that makes it.

use askama::Template;
use askama_web::WebTemplate;
use axum::{extract::State, response::Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    MoveForm, audit,
    quiz_db::{self as db, ModuleInfo, QuestionRow, QuizRow},
    swap_with_neighbour,
};
use crate::admin::{Editor, Paging};
use crate::{
    auth::{invalid, session},
    curriculum::{
        self,
        files::{Answer, AnswerKey, Choice, QuestionKind, check_answer_key},
    },
    error::AppError,
    render::markdown,
    state::AppState,
    web::{FieldErrors, Form, Layout, Path, Query},
};

/// Blank choice rows a form offers beyond the filled ones (at least `MIN_CHOICE_ROWS` in all).
const MIN_CHOICE_ROWS: usize = 6;
/// Blank rows stop being added here; imported questions with more choices keep them all.
const MAX_CHOICE_ROWS: usize = 20;
/// Row numbers beyond this are not read from a form.
const MAX_CHOICE_FIELDS: usize = 100;
const MAX_TITLE: usize = 200;
const MAX_MARKDOWN: usize = 20_000;

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

// --- the list ---------------------------------------------------------------------------------

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

// --- a module's quiz ------------------------------------------------------------------------------

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

async fn module_of(state: &AppState, module_id: &str) -> Result<ModuleInfo, AppError> {
    db::get_module(state.db.pool(), module_id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn quiz_page(
    state: &AppState,
    layout: Layout,
    module: ModuleInfo,
    form: Option<QuizForm>,
    errors: FieldErrors,
) -> Result<QuizPage, AppError> {
    let quiz = db::get_quiz_of_module(state.db.pool(), &module.id).await?;
    let questions = match &quiz {
        Some(quiz) => db::list_questions(state.db.pool(), &quiz.id)
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
    let module = module_of(&state, &module_id).await?;
    quiz_page(&state, layout, module, None, FieldErrors::default()).await
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
    let module = module_of(&state, &module_id).await?;
    let (title, pass_mark) = match validate_quiz(&form) {
        Ok(valid) => valid,
        Err(errors) => {
            let page = quiz_page(&state, layout, module, Some(form), errors).await?;
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

// --- questions -------------------------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
struct ChoiceInput {
    text: String,
    correct: bool,
}

/// What the question form holds, as typed (kept on errors).
#[derive(Debug, Default, Clone)]
pub(super) struct QuestionInput {
    prompt: String,
    explanation: String,
    choices: Vec<ChoiceInput>,
    /// One accepted answer per line.
    accepted: String,
    answer: String,
    tolerance: String,
    /// "true", "false" or "".
    truth: String,
}

impl QuestionInput {
    /// From the form's fields (`choice_3_text`, `choice_3_correct`, …, repeated rows).
    fn from_fields(fields: &[(String, String)]) -> Self {
        let mut input = Self::default();
        let mut choices = vec![ChoiceInput::default(); MAX_CHOICE_FIELDS];
        for (name, value) in fields {
            match name.as_str() {
                "prompt" => input.prompt = value.clone(),
                "explanation" => input.explanation = value.clone(),
                "accepted" => input.accepted = value.clone(),
                "answer" => input.answer = value.clone(),
                "tolerance" => input.tolerance = value.clone(),
                "truth" => input.truth = value.clone(),
                other => {
                    let Some(rest) = other.strip_prefix("choice_") else {
                        continue;
                    };
                    let Some((index, part)) = rest.split_once('_') else {
                        continue;
                    };
                    let Some(choice) = index.parse::<usize>().ok().and_then(|i| choices.get_mut(i))
                    else {
                        continue;
                    };
                    match part {
                        "text" => choice.text = value.clone(),
                        "correct" => choice.correct = true,
                        _ => {}
                    }
                }
            }
        }
        let used = choices
            .iter()
            .rposition(|choice| !choice.text.trim().is_empty() || choice.correct)
            .map_or(0, |last| last + 1);
        choices.truncate(used);
        input.choices = choices;
        input.pad();
        input
    }

    fn from_row(row: &QuestionRow) -> Result<Self, AppError> {
        let key: AnswerKey = serde_json::from_str(&row.answer_key)
            .map_err(|error| AppError::Internal(error.into()))?;
        let number = |answer: Option<Answer>| match answer {
            Some(Answer::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let mut input = Self {
            prompt: row.prompt_markdown.clone(),
            explanation: row.explanation_markdown.clone(),
            choices: key
                .choices
                .iter()
                .map(|choice| ChoiceInput {
                    text: choice.text.clone(),
                    correct: choice.correct == Some(true),
                })
                .collect(),
            accepted: key.accepted.join("\n"),
            answer: number(key.answer),
            tolerance: key.tolerance.map(|t| t.to_string()).unwrap_or_default(),
            truth: match key.answer {
                Some(Answer::Bool(value)) => value.to_string(),
                _ => String::new(),
            },
        };
        input.pad();
        Ok(input)
    }

    /// Blank rows to fill in: at least two more than used, at least `MIN_CHOICE_ROWS`.
    fn pad(&mut self) {
        let rows = (self.choices.len() + 2)
            .clamp(MIN_CHOICE_ROWS, MAX_CHOICE_ROWS)
            .max(self.choices.len());
        self.choices.resize(rows, ChoiceInput::default());
    }

    /// The validated prompt, explanation and answer key, or the errors beside each field.
    fn validate(&self, kind: QuestionKind) -> Result<(String, String, AnswerKey), FieldErrors> {
        let mut errors = FieldErrors::default();
        let prompt = self.prompt.trim().to_owned();
        let explanation = self.explanation.trim().to_owned();
        if prompt.is_empty() {
            errors.add("prompt", "Write the question.");
        } else if prompt.len() > MAX_MARKDOWN {
            errors.add("prompt", format!("At most {MAX_MARKDOWN} characters."));
        }
        if explanation.len() > MAX_MARKDOWN {
            errors.add("explanation", format!("At most {MAX_MARKDOWN} characters."));
        }
        let filled: Vec<&ChoiceInput> = self
            .choices
            .iter()
            .filter(|choice| !choice.text.trim().is_empty())
            .collect();
        let mut key = AnswerKey::default();
        let field = match kind {
            QuestionKind::Single | QuestionKind::Multiple | QuestionKind::Ordering => {
                let ordering = kind == QuestionKind::Ordering;
                key.choices = filled
                    .iter()
                    .map(|choice| Choice {
                        text: choice.text.trim().to_owned(),
                        correct: (!ordering).then_some(choice.correct),
                    })
                    .collect();
                let corrects = filled.iter().filter(|choice| choice.correct).count();
                if self
                    .choices
                    .iter()
                    .any(|choice| choice.correct && choice.text.trim().is_empty())
                {
                    errors.add("choices", "A choice marked correct has no text.");
                } else if filled.len() < 2 {
                    errors.add("choices", "Give at least two choices.");
                } else if kind == QuestionKind::Single && corrects != 1 {
                    errors.add(
                        "choices",
                        format!("Mark exactly one choice correct (now {corrects})."),
                    );
                } else if kind == QuestionKind::Multiple && corrects == 0 {
                    errors.add("choices", "Mark at least one choice correct.");
                } else if kind == QuestionKind::Multiple && corrects == filled.len() {
                    errors.add("choices", "Leave at least one choice wrong.");
                }
                "choices"
            }
            QuestionKind::TrueFalse => {
                match self.truth.as_str() {
                    "true" => key.answer = Some(Answer::Bool(true)),
                    "false" => key.answer = Some(Answer::Bool(false)),
                    _ => errors.add("truth", "Choose whether the statement is true or false."),
                }
                "truth"
            }
            QuestionKind::ShortText => {
                key.accepted = self
                    .accepted
                    .lines()
                    .map(str::trim)
                    .filter(|line| !line.is_empty())
                    .map(str::to_owned)
                    .collect();
                if key.accepted.is_empty() {
                    errors.add("accepted", "Give at least one accepted answer.");
                }
                "accepted"
            }
            QuestionKind::Numeric => {
                match parse_number(&self.answer) {
                    Some(n) => key.answer = Some(Answer::Number(n)),
                    None => errors.add("answer", "Enter a number, like 42, -3 or 0.25."),
                }
                if !self.tolerance.trim().is_empty() {
                    match parse_number(&self.tolerance) {
                        Some(t) if t >= 0.0 => key.tolerance = Some(t),
                        _ => errors.add(
                            "tolerance",
                            "A number of 0 or more (how far off an answer may be), or empty.",
                        ),
                    }
                }
                "answer"
            }
        };
        if errors.is_empty() {
            // The importer's rule has the last word, so the two always agree.
            if let Err(message) = check_answer_key(kind, &key) {
                errors.add(field, message);
            }
        }
        if errors.is_empty() {
            Ok((prompt, explanation, key))
        } else {
            Err(errors)
        }
    }
}

fn parse_number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/content/question.html")]
pub(super) struct QuestionPage {
    layout: Layout,
    module: ModuleInfo,
    quiz: QuizRow,
    kind: QuestionKind,
    /// `None` for a new question.
    number: Option<usize>,
    action: String,
    input: QuestionInput,
    errors: FieldErrors,
}

impl QuestionPage {
    fn kind_is(&self, kind: &str) -> bool {
        self.kind.as_str() == kind
    }

    fn kind_label(&self) -> &'static str {
        kind_label(self.kind.as_str())
    }

    fn back(&self) -> String {
        quiz_href(&self.module.id)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct KindQuery {
    kind: String,
}

async fn quiz_and_module(
    state: &AppState,
    quiz_id: &str,
) -> Result<(QuizRow, ModuleInfo), AppError> {
    let quiz = db::get_quiz(state.db.pool(), quiz_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let module = module_of(state, &quiz.module_id).await?;
    Ok((quiz, module))
}

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

// --- deleting --------------------------------------------------------------------------------------

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

pub(super) async fn delete_question_form(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Path(id): Path<String>,
) -> Result<DeletePage, AppError> {
    let (question, quiz, module, number) = question_context(&state, &id).await?;
    let counts = db::count_attempts(&state.db, &quiz.id).await?;
    let questions = db::list_questions(state.db.pool(), &quiz.id).await?.len();
    Ok(DeletePage {
        layout,
        action: format!("/admin/questions/{}/delete", question.id),
        question: Some((number, excerpt(&question.prompt_markdown, 200))),
        module,
        quiz,
        questions,
        counts,
    })
}

pub(super) async fn delete_question(
    State(state): State<AppState>,
    session: Session,
    Editor(user): Editor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (question, quiz, module, number) = question_context(&state, &id).await?;
    let counts = db::count_attempts(&state.db, &quiz.id).await?;
    let mut tx = state.db.pool().begin().await?;
    db::delete_question(&mut *tx, &question.id).await?;
    let target = format!("question {number} of quiz “{}”", quiz.title);
    let summary = format!(
        "deleted ({}): “{}”; the quiz had {} attempts by {} learners",
        question.kind,
        excerpt(&question.prompt_markdown, 80),
        counts.attempts,
        counts.learners
    );
    audit(
        &mut tx,
        &user,
        "question.delete",
        &target,
        &summary,
        session::now(),
    )
    .await?;
    tx.commit().await?;
    session::flash_and_redirect(
        &session,
        &format!("Question {number} was deleted."),
        &quiz_href(&module.id),
    )
    .await
}

pub(super) async fn delete_quiz_form(
    State(state): State<AppState>,
    layout: Layout,
    Editor(_): Editor,
    Path(quiz_id): Path<String>,
) -> Result<DeletePage, AppError> {
    let (quiz, module) = quiz_and_module(&state, &quiz_id).await?;
    let counts = db::count_attempts(&state.db, &quiz.id).await?;
    let questions = db::list_questions(state.db.pool(), &quiz.id).await?.len();
    Ok(DeletePage {
        layout,
        action: format!("/admin/quizzes/{}/delete", quiz.id),
        question: None,
        module,
        quiz,
        questions,
        counts,
    })
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
    let mut tx = state.db.pool().begin().await?;
    db::delete_quiz(&mut *tx, &quiz.id).await?;
    let target = format!("quiz “{}” of {}", quiz.title, module.title);
    let summary = format!(
        "deleted with {questions} questions and {} attempts by {} learners",
        counts.attempts, counts.learners
    );
    audit(
        &mut tx,
        &user,
        "quiz.delete",
        &target,
        &summary,
        session::now(),
    )
    .await?;
    tx.commit().await?;
    session::flash_and_redirect(
        &session,
        &format!("The quiz “{}” was deleted.", quiz.title),
        &quiz_href(&module.id),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn blank_choice_rows_are_ignored_and_one_correct_choice_makes_a_single_question() {
        let input = QuestionInput::from_fields(&fields(&[
            ("prompt", "Which?"),
            ("choice_0_text", "A"),
            ("choice_1_text", "  "),
            ("choice_2_text", "B"),
            ("choice_2_correct", "on"),
        ]));
        let (_, _, key) = input.validate(QuestionKind::Single).unwrap();
        assert_eq!(key.choices.len(), 2);
        assert_eq!(key.choices[1].correct, Some(true));
        assert!(check_answer_key(QuestionKind::Single, &key).is_ok());
        assert_eq!(
            input.choices.len(),
            MIN_CHOICE_ROWS,
            "blank rows offered again"
        );
    }

    #[test]
    fn invalid_questions_say_what_is_wrong_beside_the_field() {
        let two_correct = QuestionInput::from_fields(&fields(&[
            ("prompt", "Which?"),
            ("choice_0_text", "A"),
            ("choice_0_correct", "on"),
            ("choice_1_text", "B"),
            ("choice_1_correct", "on"),
        ]));
        let errors = two_correct.validate(QuestionKind::Single).unwrap_err();
        assert!(errors.get("choices").unwrap().contains("exactly one"));
        assert!(
            two_correct.validate(QuestionKind::Multiple).is_err(),
            "all correct"
        );

        let numeric =
            QuestionInput::from_fields(&fields(&[("answer", "four"), ("tolerance", "-1")]));
        let errors = numeric.validate(QuestionKind::Numeric).unwrap_err();
        assert!(errors.get("prompt").is_some());
        assert!(errors.get("answer").is_some());
        assert!(errors.get("tolerance").is_some());

        let ok = QuestionInput::from_fields(&fields(&[
            ("prompt", "2+2?"),
            ("answer", "4"),
            ("tolerance", ""),
        ]));
        let (_, _, key) = ok.validate(QuestionKind::Numeric).unwrap();
        assert_eq!(key.answer, Some(Answer::Number(4.0)));
        assert_eq!(key.tolerance, None);
    }
}
