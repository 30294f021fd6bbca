//! The question form: what it holds as typed, and its check into a prompt, explanation and
//! answer key (the importer's `check_answer_key` has the last word).

use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::{
    db::{ModuleInfo, QuestionRow, QuizRow},
    kind_label, quiz_href,
};
use crate::{
    curriculum::files::{Answer, AnswerKey, Choice, QuestionKind, check_answer_key},
    error::AppError,
    web::{FieldErrors, Layout},
};

/// Blank choice rows a form offers beyond the filled ones (at least `MIN_CHOICE_ROWS` in all).
const MIN_CHOICE_ROWS: usize = 6;
/// Blank rows stop being added here; imported questions with more choices keep them all.
const MAX_CHOICE_ROWS: usize = 20;
/// Row numbers beyond this are not read from a form.
const MAX_CHOICE_FIELDS: usize = 100;
const MAX_MARKDOWN: usize = 20_000;

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
    pub(super) fn from_fields(fields: &[(String, String)]) -> Self {
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

    pub(super) fn from_row(row: &QuestionRow) -> Result<Self, AppError> {
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
    pub(super) fn pad(&mut self) {
        let rows = (self.choices.len() + 2)
            .clamp(MIN_CHOICE_ROWS, MAX_CHOICE_ROWS)
            .max(self.choices.len());
        self.choices.resize(rows, ChoiceInput::default());
    }

    /// The validated prompt, explanation and answer key, or the errors beside each field.
    pub(super) fn validate(
        &self,
        kind: QuestionKind,
    ) -> Result<(String, String, AnswerKey), FieldErrors> {
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
    pub(super) layout: Layout,
    pub(super) module: ModuleInfo,
    pub(super) quiz: QuizRow,
    pub(super) kind: QuestionKind,
    /// `None` for a new question.
    pub(super) number: Option<usize>,
    pub(super) action: String,
    pub(super) input: QuestionInput,
    pub(super) errors: FieldErrors,
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
    pub(super) kind: String,
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
