//! The file format's types: the documents (paths, modules, lessons, quizzes, labs) and the quiz
//! and lab domain types (`QuestionKind`, `AnswerKey`, `Answer`, `Choice`, `LabKind`) with the
//! rule an answer key follows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::grading::sql::{SqlExercise, SqlSpec};

/// Relative path → contents.
pub type Tree = BTreeMap<String, String>;

/// The front matter of a path (`path.toml`) or a lesson (the `+++` block): the same fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub uuid: String,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub position: i64,
    #[serde(default = "yes")]
    pub published: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleMeta {
    pub uuid: String,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub position: i64,
    #[serde(default = "yes")]
    pub published: bool,
    #[serde(default)]
    pub prerequisites: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quiz {
    pub uuid: String,
    pub title: String,
    #[serde(default = "default_pass_mark")]
    pub pass_mark: i64,
    #[serde(default)]
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Single,
    Multiple,
    TrueFalse,
    ShortText,
    Numeric,
    Ordering,
}

impl QuestionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::Multiple => "multiple",
            Self::TrueFalse => "true_false",
            Self::ShortText => "short_text",
            Self::Numeric => "numeric",
            Self::Ordering => "ordering",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [
            Self::Single,
            Self::Multiple,
            Self::TrueFalse,
            Self::ShortText,
            Self::Numeric,
            Self::Ordering,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == value)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub uuid: String,
    pub kind: QuestionKind,
    pub prompt: String,
    pub explanation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Answer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
}

impl Question {
    pub fn key(&self) -> AnswerKey {
        AnswerKey {
            answer: self.answer,
            tolerance: self.tolerance,
            accepted: self.accepted.clone(),
            choices: self.choices.clone(),
        }
    }
}

/// What the grader needs; which fields apply depends on the kind. Stored as JSON in the
/// database and never sent to the browser before an answer is submitted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerKey {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Answer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    Bool(bool),
    Number(f64),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct: Option<bool>,
}

/// A module's `labs.toml`: the SQL datasets its exercises use, and the exercises.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labs {
    /// Dataset name → SQL that creates and fills its tables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub datasets: BTreeMap<String, String>,
    #[serde(default)]
    pub exercises: Vec<Exercise>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabKind {
    Sql,
    Http,
}

impl LabKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sql => "sql",
            Self::Http => "http",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Sql, Self::Http]
            .into_iter()
            .find(|kind| kind.as_str() == value)
    }
}

/// One lab exercise. A `sql` exercise has an `[exercises.sql]` table; an `http` exercise
/// has an `[exercises.goal]` table, kept opaque here and judged by the HTTP lab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    pub uuid: String,
    pub slug: String,
    pub title: String,
    pub position: i64,
    pub kind: LabKind,
    /// Markdown.
    pub prompt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<SqlExercise>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<toml::Table>,
}

impl Labs {
    /// The stored spec of a SQL exercise: its fields with its dataset's SQL resolved.
    pub fn sql_spec(&self, exercise: &Exercise) -> Option<SqlSpec> {
        let sql = exercise.sql.as_ref()?;
        Some(SqlSpec {
            setup: self.datasets.get(&sql.dataset)?.clone(),
            exercise: sql.clone(),
        })
    }
}

fn yes() -> bool {
    true
}

fn default_pass_mark() -> i64 {
    70
}

#[derive(Debug, Clone, PartialEq)]
pub struct Curriculum {
    pub paths: Vec<PathDoc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PathDoc {
    pub meta: Meta,
    pub modules: Vec<ModuleDoc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModuleDoc {
    pub meta: ModuleMeta,
    pub lessons: Vec<LessonDoc>,
    pub quiz: Option<Quiz>,
    pub labs: Option<Labs>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LessonDoc {
    pub meta: Meta,
    /// Markdown, without the front matter; leading blank lines dropped, one final newline.
    pub body: String,
}

/// The kind-specific rules of the answer key (also used by the quiz editor).
pub fn check_answer_key(kind: QuestionKind, key: &AnswerKey) -> Result<(), String> {
    let corrects = key
        .choices
        .iter()
        .filter(|choice| choice.correct == Some(true))
        .count();
    let has_only = |choices: bool, answer: bool, accepted: bool, tolerance: bool| {
        (choices || key.choices.is_empty())
            && (answer || key.answer.is_none())
            && (accepted || key.accepted.is_empty())
            && (tolerance || key.tolerance.is_none())
    };
    match kind {
        QuestionKind::Single | QuestionKind::Multiple => {
            if !has_only(true, false, false, false) {
                return Err("choice questions take only `choices`".into());
            }
            if key.choices.len() < 2
                || key
                    .choices
                    .iter()
                    .any(|c| c.correct.is_none() || c.text.trim().is_empty())
            {
                return Err("needs at least two choices, each with text and `correct`".into());
            }
            if kind == QuestionKind::Single && corrects != 1 {
                return Err("a single-choice question has exactly one correct choice".into());
            }
            if kind == QuestionKind::Multiple && (corrects == 0 || corrects == key.choices.len()) {
                return Err("a multiple-choice question needs correct and wrong choices".into());
            }
        }
        QuestionKind::TrueFalse => {
            if !has_only(false, true, false, false) || !matches!(key.answer, Some(Answer::Bool(_)))
            {
                return Err("a true/false question takes only `answer = true` or `false`".into());
            }
        }
        QuestionKind::ShortText => {
            if !has_only(false, false, true, false)
                || key.accepted.iter().all(|a| a.trim().is_empty())
            {
                return Err(
                    "a short-text question takes `accepted = [\"…\"]` with at least one answer"
                        .into(),
                );
            }
        }
        QuestionKind::Numeric => {
            let ok = matches!(key.answer, Some(Answer::Number(n)) if n.is_finite())
                && key.tolerance.is_none_or(|t| t.is_finite() && t >= 0.0);
            if !has_only(false, true, false, true) || !ok {
                return Err(
                    "a numeric question takes `answer = <number>` and an optional `tolerance` ≥ 0"
                        .into(),
                );
            }
        }
        QuestionKind::Ordering => {
            if !has_only(true, false, false, false)
                || key.choices.len() < 2
                || key.choices.iter().any(|c| c.correct.is_some())
            {
                return Err(
                    "an ordering question lists at least two `choices` in order, with `text` only"
                        .into(),
                );
            }
        }
    }
    Ok(())
}
