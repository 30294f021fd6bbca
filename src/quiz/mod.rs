//! Module quizzes: taking one, grading it on the server, and reviewing an attempt.
//!
//! A page feature: it stands on `curriculum` and `progress` and imports no other page feature
//! (tests/integration/architecture.rs).
//!
//! The quiz page never contains the answers: choices are sent as positions, ordering items
//! are shuffled, and explanations appear only on the results of a submitted attempt.

use std::{collections::HashMap, sync::Arc};

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Router,
    extract::State,
    http::HeaderValue,
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use axum_htmx::HxRequest;

use crate::{
    auth::CurrentUser,
    curriculum::{
        ModuleAt,
        files::QuestionKind,
        published::{Question, Quiz},
    },
    error::AppError,
    grading::quiz::{self as grade, key_of},
    progress::attempts::{self, Attempt},
    render::markdown::inline,
    state::AppState,
    web::{Form, Layout, Path},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/paths/{path}/{module}/quiz", get(quiz_page).post(submit))
        .route(
            "/paths/{path}/{module}/quiz/attempts/{attempt}",
            get(attempt_page),
        )
}

/// A question as the quiz page shows it.
struct QuestionView {
    field: String,
    number: usize,
    kind: QuestionKind,
    prompt_html: String,
    /// (value, label HTML): choices for single/multiple/true-false, shuffled items for ordering.
    options: Vec<(String, String)>,
}

impl QuestionView {
    fn is(&self, kind: &str) -> bool {
        self.kind.as_str() == kind
    }
}

/// Everything the quiz and results pages share about where the quiz is.
struct QuizContext {
    path_id: String,
    path_slug: String,
    module_slug: String,
    module_title: String,
    path_title: String,
    /// From the published tree in memory.
    quiz: Arc<Quiz>,
    best: Option<i64>,
}

impl QuizContext {
    fn href(&self) -> String {
        format!("/paths/{}/{}/quiz", self.path_slug, self.module_slug)
    }

    fn module_href(&self) -> String {
        format!("/paths/{}/{}", self.path_slug, self.module_slug)
    }
}

async fn load(
    state: &AppState,
    user_id: &str,
    path: &str,
    module: &str,
) -> Result<QuizContext, AppError> {
    let place = ModuleAt::find(state.curriculum.now(), path, module).ok_or(AppError::NotFound)?;
    let quiz = place.module().quiz.clone().ok_or(AppError::NotFound)?;
    let best = attempts::best_score(&state.db, user_id, &quiz.id).await?;
    Ok(QuizContext {
        path_id: place.path().id.clone(),
        path_slug: path.to_owned(),
        module_slug: module.to_owned(),
        module_title: place.module().title.clone(),
        path_title: place.path().title.clone(),
        quiz,
        best,
    })
}

fn view_of(number: usize, question: &Question) -> Result<QuestionView, AppError> {
    let (kind, key) = key_of(question)?;
    let options = match kind {
        QuestionKind::Single | QuestionKind::Multiple => key
            .choices
            .iter()
            .enumerate()
            .map(|(i, c)| (i.to_string(), inline(&c.text)))
            .collect(),
        QuestionKind::TrueFalse => vec![
            ("true".into(), "True".into()),
            ("false".into(), "False".into()),
        ],
        QuestionKind::Ordering => {
            let mut items: Vec<(String, String)> = key
                .choices
                .iter()
                .map(|c| (c.text.clone(), inline(&c.text)))
                .collect();
            shuffle(&mut items);
            if items
                .iter()
                .zip(&key.choices)
                .all(|((value, _), c)| *value == c.text)
            {
                items.rotate_left(1); // never show the answer as the starting order
            }
            items
        }
        QuestionKind::ShortText | QuestionKind::Numeric => Vec::new(),
    };
    Ok(QuestionView {
        field: format!("q{}", question.id),
        number,
        kind,
        prompt_html: question.prompt_html.clone(),
        options,
    })
}

fn shuffle<T>(items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = (rand::random::<u64>() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "quiz/quiz.html")]
struct QuizPage {
    layout: Layout,
    context: QuizContext,
    questions: Vec<QuestionView>,
}

async fn quiz_page(
    State(state): State<AppState>,
    layout: Layout,
    CurrentUser(user): CurrentUser,
    Path((path, module)): Path<(String, String)>,
) -> Result<QuizPage, AppError> {
    let context = load(&state, &user.id, &path, &module).await?;
    let questions = context
        .quiz
        .questions
        .iter()
        .enumerate()
        .map(|(i, question)| view_of(i + 1, question))
        .collect::<Result<_, _>>()?;
    Ok(QuizPage {
        layout,
        context,
        questions,
    })
}

async fn submit(
    State(state): State<AppState>,
    HxRequest(is_htmx): HxRequest,
    CurrentUser(user): CurrentUser,
    Path((path, module)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let context = load(&state, &user.id, &path, &module).await?;
    let mut given: HashMap<&str, Vec<String>> = HashMap::new();
    for (name, value) in &fields {
        if let Some(id) = name.strip_prefix('q') {
            given.entry(id).or_default().push(value.clone());
        }
    }
    let graded = grade::grade(&context.quiz, given)?;
    let attempt = attempts::record(
        &state.db,
        &state.visits,
        &user,
        &state.curriculum.now(),
        &context.path_id,
        &context.quiz,
        &graded,
    )
    .await?;
    let href = format!("{}/attempts/{}", context.href(), attempt.id);
    if !is_htmx {
        return Ok(Redirect::to(&href).into_response());
    }
    let best = attempts::best_score(&state.db, &user.id, &context.quiz.id).await?;
    let results = results_of(context, attempt, best)?;
    let mut response = ResultsFragment { results }.into_response();
    if let Ok(value) = HeaderValue::from_str(&href) {
        response.headers_mut().insert("hx-push-url", value);
    }
    Ok(response)
}

/// A graded question on the results page.
struct ResultItem {
    number: usize,
    prompt_html: String,
    correct: bool,
    /// The choices as the quiz showed them (with `code` spans), not their Markdown source.
    given_html: String,
    answer_html: String,
    explanation_html: String,
}

struct Results {
    context: QuizContext,
    score: i64,
    correct: i64,
    total: i64,
    passed: bool,
    items: Vec<ResultItem>,
}

fn results_of(
    mut context: QuizContext,
    attempt: Attempt,
    best: Option<i64>,
) -> Result<Results, AppError> {
    let answered = attempt.answered()?;
    let items = grade::review(&context.quiz, &answered)?
        .into_iter()
        .map(|item| ResultItem {
            number: item.number,
            prompt_html: item.question.prompt_html.clone(),
            correct: item.correct,
            given_html: inline(&item.given),
            answer_html: inline(&item.answer),
            explanation_html: item.question.explanation_html.clone(),
        })
        .collect();
    context.best = best;
    Ok(Results {
        context,
        score: attempt.score,
        correct: attempt.correct,
        total: attempt.total,
        passed: attempt.passed != 0,
        items,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "quiz/results.html")]
struct ResultsPage {
    layout: Layout,
    results: Results,
}

#[derive(Template, WebTemplate)]
#[template(path = "quiz/results.html", block = "results")]
struct ResultsFragment {
    results: Results,
}

async fn attempt_page(
    State(state): State<AppState>,
    layout: Layout,
    CurrentUser(user): CurrentUser,
    Path((path, module, attempt_id)): Path<(String, String, String)>,
) -> Result<ResultsPage, AppError> {
    let context = load(&state, &user.id, &path, &module).await?;
    let attempt = attempts::get(&state.db, &user.id, &attempt_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if attempt.quiz_id != context.quiz.id {
        return Err(AppError::NotFound);
    }
    let best = context.best;
    Ok(ResultsPage {
        layout,
        results: results_of(context, attempt, best)?,
    })
}
