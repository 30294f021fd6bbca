//! Module quizzes: the questions (never the answers), submitting an attempt (graded on the
//! server, with `Idempotency-Key`), and the caller's attempts.

use std::collections::{BTreeMap, HashMap};

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::{
    caller::Caller,
    cursor::{self, Page},
    idempotency::{self, Created},
    json::{self, Body},
    paths::ModuleSlugs,
    problem::{Problem, pointer_token},
};
use crate::{
    auth::access_tokens::Scope,
    curriculum::{
        ModuleAt,
        files::QuestionKind,
        published::{Question, Quiz, Snapshot},
    },
    grading::quiz as grade,
    progress::attempts::{self, Attempt},
    render::markdown::inline,
    state::AppState,
    web::Query,
};

/// A choice to pick, or an item to put in order.
#[derive(Serialize, ToSchema)]
pub struct Choice {
    /// What to send back in the attempt's answers.
    pub value: String,
    pub label_html: String,
}

/// A question as the learner sees it.
#[derive(Serialize, ToSchema)]
pub struct QuizQuestion {
    /// The key of this question's answer in an attempt.
    pub id: String,
    /// `single`, `multiple`, `true_false`, `ordering`, `short_text` or `numeric`.
    pub kind: String,
    pub prompt_html: String,
    /// For `single` and `multiple`: send the values chosen. For `true_false`: `true` or
    /// `false`. For `ordering`: send every value, in the order you put them. Empty for
    /// `short_text` and `numeric`: send one string.
    pub choices: Vec<Choice>,
}

#[derive(Serialize, ToSchema)]
pub struct QuizDetail {
    pub id: String,
    pub title: String,
    pub pass_mark: i64,
    pub best_score: Option<i64>,
    /// Where to POST an attempt.
    pub attempts: String,
    pub questions: Vec<QuizQuestion>,
}

/// Ordering items in an order that is fixed per question (so the answer has a stable ETag)
/// and never the right one.
fn ordering_items(question: &Question, texts: &[String]) -> Vec<String> {
    let mut items: Vec<String> = texts.to_vec();
    items.sort_by_key(|text| Sha256::digest(format!("{}\n{text}", question.id)).to_vec());
    if items == texts && items.len() > 1 {
        items.rotate_left(1);
    }
    items
}

fn question_of(question: &Question) -> Result<QuizQuestion, Problem> {
    let (kind, key) = grade::key_of(question)?;
    let choices = match kind {
        QuestionKind::Single | QuestionKind::Multiple => key
            .choices
            .iter()
            .enumerate()
            .map(|(i, choice)| Choice {
                value: i.to_string(),
                label_html: inline(&choice.text),
            })
            .collect(),
        QuestionKind::TrueFalse => ["true", "false"]
            .into_iter()
            .map(|value| Choice {
                value: value.into(),
                label_html: if value == "true" { "True" } else { "False" }.into(),
            })
            .collect(),
        QuestionKind::Ordering => {
            let texts: Vec<String> = key.choices.iter().map(|c| c.text.clone()).collect();
            ordering_items(question, &texts)
                .into_iter()
                .map(|text| Choice {
                    label_html: inline(&text),
                    value: text,
                })
                .collect()
        }
        QuestionKind::ShortText | QuestionKind::Numeric => Vec::new(),
    };
    Ok(QuizQuestion {
        id: question.id.clone(),
        kind: kind.as_str().to_owned(),
        prompt_html: question.prompt_html.clone(),
        choices,
    })
}

fn quiz_of(place: &ModuleAt) -> Result<std::sync::Arc<Quiz>, Problem> {
    place
        .module()
        .quiz
        .clone()
        .ok_or_else(|| Problem::not_found("This module has no quiz."))
}

/// A module's quiz: its questions and choices, without answers.
#[utoipa::path(
    get, path = "/paths/{path}/{module}/quiz", operation_id = "getQuiz", tag = "quizzes",
    params(ModuleSlugs),
    responses(
        (status = 200, description = "The quiz", body = QuizDetail),
    ),
)]
pub async fn quiz(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    place: ModuleAt,
) -> Result<Response, Problem> {
    caller.require(Scope::Read)?;
    let quiz = quiz_of(&place)?;
    let detail = QuizDetail {
        id: quiz.id.clone(),
        title: quiz.title.clone(),
        pass_mark: quiz.pass_mark,
        best_score: attempts::best_score(&state.db, caller.user_id(), &quiz.id).await?,
        attempts: format!("/api/v1{}/quiz/attempts", place.href),
        questions: quiz
            .questions
            .iter()
            .map(question_of)
            .collect::<Result<_, _>>()?,
    };
    Ok(json::fresh(&headers, &detail))
}

/// An attempt: each question's answer, by question id.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttemptRequest {
    /// Question id → the values given. A question left out counts as wrong.
    pub answers: BTreeMap<String, Vec<String>>,
}

/// One graded question of an attempt.
#[derive(Serialize, ToSchema)]
pub struct GradedQuestion {
    pub question_id: String,
    pub correct: bool,
    /// What was answered, and the right answer, as text.
    pub given: String,
    pub answer: String,
    pub explanation_html: String,
}

/// A graded attempt.
#[derive(Serialize, ToSchema)]
pub struct AttemptResult {
    pub id: String,
    pub href: String,
    pub quiz_id: String,
    /// The module the quiz belongs to, as `path/module`, if it is still published.
    pub module: Option<String>,
    pub score: i64,
    pub correct: i64,
    pub total: i64,
    pub passed: bool,
    /// Unix seconds.
    pub created_at: i64,
    pub questions: Vec<GradedQuestion>,
}

fn result_of(tree: &Snapshot, attempt: &Attempt) -> Result<AttemptResult, Problem> {
    let found = tree.paths.iter().find_map(|path| {
        path.modules.iter().find_map(|module| {
            module
                .quiz
                .as_ref()
                .filter(|quiz| quiz.id == attempt.quiz_id)
                .map(|quiz| (format!("{}/{}", path.slug, module.slug), quiz.clone()))
        })
    });
    let answered = attempt.answered()?;
    let questions = match &found {
        Some((_, quiz)) => grade::review(quiz, &answered)?
            .into_iter()
            .map(|item| GradedQuestion {
                question_id: item.question.id.clone(),
                correct: item.correct,
                given: item.given,
                answer: item.answer,
                explanation_html: item.question.explanation_html.clone(),
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(AttemptResult {
        id: attempt.id.clone(),
        href: format!("/api/v1/attempts/{}", attempt.id),
        quiz_id: attempt.quiz_id.clone(),
        module: found.map(|(module, _)| module),
        score: attempt.score,
        correct: attempt.correct,
        total: attempt.total,
        passed: attempt.passed != 0,
        created_at: attempt.created_at,
        questions,
    })
}

/// Submits an attempt: graded at once, the answers explained. With an `Idempotency-Key`, a
/// retry of the same request gets the same attempt back instead of a second one.
#[utoipa::path(
    post, path = "/paths/{path}/{module}/quiz/attempts", operation_id = "submitAttempt", tag = "quizzes",
    params(
        ModuleSlugs,
        ("Idempotency-Key" = Option<String>, Header, pattern = r"^[!#-~]{1,255}$",
         description = "Makes a retry safe: the same key and body get the first answer again"),
    ),
    request_body = AttemptRequest,
    responses(
        (status = 201, description = "The graded attempt", body = AttemptResult,
         headers(("Location" = String, description = "The attempt"))),
    ),
)]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    place: ModuleAt,
    Body(request, bytes): Body<AttemptRequest>,
) -> Result<Response, Problem> {
    caller.require(Scope::Write)?;
    let quiz = quiz_of(&place)?;
    // Answers to questions the quiz does not have: the client holds an older version of it.
    let unknown: Vec<&String> = request
        .answers
        .keys()
        .filter(|id| !quiz.questions.iter().any(|question| &question.id == *id))
        .collect();
    if !unknown.is_empty() {
        return Err(Problem::conflict_with_fields(
            "quiz-changed",
            "Some answers are for questions this quiz does not have (any more): load the quiz again.",
            unknown
                .into_iter()
                .map(|id| {
                    (
                        format!("#/answers/{}", pointer_token(id)),
                        "This quiz has no question with this id.".to_owned(),
                    )
                })
                .collect(),
        ));
    }
    let key = idempotency::key(&headers)?;
    let target = place.href.clone();
    idempotency::once(
        &state.db,
        caller.user_id(),
        key,
        &[b"POST", target.as_bytes(), &bytes],
        || async {
            let given: HashMap<&str, Vec<String>> = request
                .answers
                .iter()
                .map(|(id, values)| (id.as_str(), values.clone()))
                .collect();
            let graded = grade::grade(&quiz, given)?;
            let tree = state.curriculum.now();
            let attempt = attempts::record(
                &state.db,
                &state.visits,
                &caller.0.user,
                &tree,
                &place.path().id,
                &quiz,
                &graded,
            )
            .await?;
            let result = result_of(&tree, &attempt)?;
            Ok(Created {
                status: StatusCode::CREATED,
                location: Some(result.href.clone()),
                body: serde_json::to_string(&result).map_err(anyhow::Error::from)?,
            })
        },
    )
    .await
}

#[derive(Serialize, ToSchema)]
pub struct AttemptSummary {
    pub id: String,
    pub href: String,
    pub quiz_id: String,
    pub score: i64,
    pub passed: bool,
    pub created_at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct AttemptList {
    /// Newest first.
    pub attempts: Vec<AttemptSummary>,
    /// The next page, when there is one (also in the `Link` header).
    pub next: Option<String>,
}

/// The caller's quiz attempts, newest first, a page at a time.
#[utoipa::path(
    get, path = "/attempts", operation_id = "listAttempts", tag = "quizzes",
    params(Page),
    responses(
        (status = 200, description = "A page of attempts", body = AttemptList,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(page): Query<Page>,
) -> Result<Response, Problem> {
    caller.require(Scope::Read)?;
    let (limit, after) = page.read()?;
    let mut rows = attempts::page(&state.db, caller.user_id(), after, limit + 1).await?;
    let next = cursor::next_page(&mut rows, limit, "/api/v1/attempts", |row| {
        (row.created_at, &row.id)
    });
    let list = AttemptList {
        attempts: rows
            .iter()
            .map(|attempt| AttemptSummary {
                id: attempt.id.clone(),
                href: format!("/api/v1/attempts/{}", attempt.id),
                quiz_id: attempt.quiz_id.clone(),
                score: attempt.score,
                passed: attempt.passed != 0,
                created_at: attempt.created_at,
            })
            .collect(),
        next: next.clone(),
    };
    Ok(cursor::link_next(
        json::fresh(&headers, &list),
        next.as_deref(),
    ))
}

/// One of the caller's attempts, graded and explained. Another learner's attempt is not found.
#[utoipa::path(
    get, path = "/attempts/{attempt}", operation_id = "getAttempt", tag = "quizzes",
    params(("attempt" = String, Path, description = "The attempt's id")),
    responses(
        (status = 200, description = "The attempt", body = AttemptResult),
    ),
)]
pub async fn attempt(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    crate::web::Path(id): crate::web::Path<String>,
) -> Result<Response, Problem> {
    caller.require(Scope::Read)?;
    let attempt = attempts::get(&state.db, caller.user_id(), &id)
        .await?
        .ok_or_else(|| Problem::not_found("You have no attempt with this id."))?;
    Ok(json::fresh(
        &headers,
        &result_of(&state.curriculum.now(), &attempt)?,
    ))
}
