//! Quiz grading: pure functions from an answer key and what the learner sent to right or
//! wrong, a whole attempt graded at once ([`grade`]), and a graded attempt laid beside its
//! questions for review ([`review`]). The quiz page and the API both grade here.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::curriculum::{
    files::{Answer, AnswerKey, QuestionKind},
    published::{Question, Quiz},
};

/// One answered question, as an attempt stores it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Answered {
    pub question_id: String,
    pub given: Vec<String>,
    pub correct: bool,
}

/// A whole attempt, graded.
#[derive(Debug)]
pub struct Graded {
    /// In the quiz's question order; a question left blank is answered with nothing.
    pub answers: Vec<Answered>,
    pub correct: usize,
    pub total: usize,
    pub score: i64,
    pub passed: bool,
}

/// The kind and answer key of a published question. The tree only holds questions that were
/// validated when saved, so an error here is a broken database, not bad input.
pub fn key_of(question: &Question) -> anyhow::Result<(QuestionKind, AnswerKey)> {
    let kind = QuestionKind::parse(&question.kind)
        .ok_or_else(|| anyhow::anyhow!("question {} has kind {}", question.id, question.kind))?;
    let key = serde_json::from_str(&question.answer_key)?;
    Ok((kind, key))
}

/// Grades `given` (question id → the values sent) against every question of `quiz`. Values for
/// questions the quiz does not have are ignored.
pub fn grade(quiz: &Quiz, mut given: HashMap<&str, Vec<String>>) -> anyhow::Result<Graded> {
    let mut answers = Vec::with_capacity(quiz.questions.len());
    for question in &quiz.questions {
        let (kind, key) = key_of(question)?;
        let values = given.remove(question.id.as_str()).unwrap_or_default();
        answers.push(Answered {
            correct: is_correct(kind, &key, &values),
            question_id: question.id.clone(),
            given: values,
        });
    }
    let correct = answers.iter().filter(|answer| answer.correct).count();
    let score = score(correct, answers.len());
    Ok(Graded {
        total: answers.len(),
        passed: score >= quiz.pass_mark,
        answers,
        correct,
        score,
    })
}

/// A graded question beside its question, for the results.
pub struct Reviewed<'a> {
    /// 1-based, in the quiz's order.
    pub number: usize,
    pub question: &'a Question,
    pub correct: bool,
    /// What the learner answered, and the right answer, as text.
    pub given: String,
    pub answer: String,
}

/// The stored answers of an attempt beside the quiz's questions as published now. A question
/// added since the attempt has no answer and is left out.
pub fn review<'a>(quiz: &'a Quiz, answers: &[Answered]) -> anyhow::Result<Vec<Reviewed<'a>>> {
    let mut items = Vec::new();
    for (index, question) in quiz.questions.iter().enumerate() {
        let Some(answer) = answers.iter().find(|a| a.question_id == question.id) else {
            continue;
        };
        let (kind, key) = key_of(question)?;
        items.push(Reviewed {
            number: index + 1,
            question,
            correct: answer.correct,
            given: given_answer(kind, &key, &answer.given),
            answer: correct_answer(kind, &key),
        });
    }
    Ok(items)
}

/// Short text matches ignoring case and surrounding or repeated spaces.
fn normalize(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Accepts "3.5", "3,5" and surrounding spaces.
fn parse_number(text: &str) -> Option<f64> {
    text.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
}

pub fn is_correct(kind: QuestionKind, key: &AnswerKey, given: &[String]) -> bool {
    match kind {
        QuestionKind::Single => {
            let correct = key.choices.iter().position(|c| c.correct == Some(true));
            given.len() == 1 && given[0].parse::<usize>().ok() == correct
        }
        QuestionKind::Multiple => {
            let mut chosen: Vec<usize> = given.iter().filter_map(|v| v.parse().ok()).collect();
            chosen.sort_unstable();
            chosen.dedup();
            let correct: Vec<usize> = (0..key.choices.len())
                .filter(|&i| key.choices[i].correct == Some(true))
                .collect();
            chosen.len() == given.len() && chosen == correct
        }
        QuestionKind::TrueFalse => match (key.answer, given) {
            (Some(Answer::Bool(answer)), [value]) => value == if answer { "true" } else { "false" },
            _ => false,
        },
        QuestionKind::ShortText => match given {
            [value] => key
                .accepted
                .iter()
                .any(|accepted| normalize(accepted) == normalize(value)),
            _ => false,
        },
        QuestionKind::Numeric => match (key.answer, given) {
            (Some(Answer::Number(answer)), [value]) => parse_number(value).is_some_and(|n| {
                (n - answer).abs()
                    <= key.tolerance.unwrap_or(0.0) + f64::EPSILON * answer.abs().max(1.0)
            }),
            _ => false,
        },
        QuestionKind::Ordering => {
            given.len() == key.choices.len()
                && given
                    .iter()
                    .zip(&key.choices)
                    .all(|(value, choice)| *value == choice.text)
        }
    }
}

/// The correct answer in words, for the results page.
pub fn correct_answer(kind: QuestionKind, key: &AnswerKey) -> String {
    match kind {
        QuestionKind::Single | QuestionKind::Multiple => key
            .choices
            .iter()
            .filter(|c| c.correct == Some(true))
            .map(|c| c.text.clone())
            .collect::<Vec<_>>()
            .join("; "),
        QuestionKind::TrueFalse => match key.answer {
            Some(Answer::Bool(true)) => "True".into(),
            _ => "False".into(),
        },
        QuestionKind::ShortText => key.accepted.first().cloned().unwrap_or_default(),
        QuestionKind::Numeric => match key.answer {
            Some(Answer::Number(n)) => match key.tolerance {
                Some(t) if t > 0.0 => format!("{n} (± {t})"),
                _ => format!("{n}"),
            },
            _ => String::new(),
        },
        QuestionKind::Ordering => key
            .choices
            .iter()
            .map(|c| c.text.clone())
            .collect::<Vec<_>>()
            .join(" → "),
    }
}

/// What the learner answered, in words.
pub fn given_answer(kind: QuestionKind, key: &AnswerKey, given: &[String]) -> String {
    if given.iter().all(|value| value.trim().is_empty()) {
        return "(no answer)".into();
    }
    match kind {
        QuestionKind::Single | QuestionKind::Multiple => given
            .iter()
            .filter_map(|v| v.parse::<usize>().ok())
            .filter_map(|i| key.choices.get(i))
            .map(|c| c.text.clone())
            .collect::<Vec<_>>()
            .join("; "),
        QuestionKind::TrueFalse => {
            if given[0] == "true" {
                "True".into()
            } else {
                "False".into()
            }
        }
        QuestionKind::Ordering => given.join(" → "),
        QuestionKind::ShortText | QuestionKind::Numeric => given.join(" "),
    }
}

/// Percent, rounded down: 4 of 6 is 66, which fails a 70 pass mark as it should.
pub fn score(correct: usize, total: usize) -> i64 {
    (correct * 100)
        .checked_div(total)
        .map_or(0, |percent| percent as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curriculum::files::Choice;

    fn choices(texts: &[(&str, Option<bool>)]) -> AnswerKey {
        AnswerKey {
            choices: texts
                .iter()
                .map(|(t, c)| Choice {
                    text: (*t).into(),
                    correct: *c,
                })
                .collect(),
            ..Default::default()
        }
    }

    fn given(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn single_choice_needs_exactly_the_right_one() {
        let key = choices(&[("a", Some(false)), ("b", Some(true))]);
        assert!(is_correct(QuestionKind::Single, &key, &given(&["1"])));
        assert!(!is_correct(QuestionKind::Single, &key, &given(&["0"])));
        assert!(!is_correct(QuestionKind::Single, &key, &given(&["1", "0"])));
        assert!(!is_correct(QuestionKind::Single, &key, &given(&[])));
        assert!(!is_correct(QuestionKind::Single, &key, &given(&["x"])));
    }

    #[test]
    fn multiple_choice_needs_all_the_right_ones_and_no_other() {
        let key = choices(&[("a", Some(true)), ("b", Some(false)), ("c", Some(true))]);
        assert!(is_correct(
            QuestionKind::Multiple,
            &key,
            &given(&["2", "0"])
        ));
        assert!(!is_correct(QuestionKind::Multiple, &key, &given(&["0"])));
        assert!(!is_correct(
            QuestionKind::Multiple,
            &key,
            &given(&["0", "1", "2"])
        ));
        assert!(!is_correct(
            QuestionKind::Multiple,
            &key,
            &given(&["0", "2", "9"])
        ));
    }

    #[test]
    fn short_text_ignores_case_and_spacing() {
        let key = AnswerKey {
            accepted: vec!["Foreign Key".into(), "FK".into()],
            ..Default::default()
        };
        assert!(is_correct(
            QuestionKind::ShortText,
            &key,
            &given(&["  foreign   key "])
        ));
        assert!(is_correct(QuestionKind::ShortText, &key, &given(&["fk"])));
        assert!(!is_correct(
            QuestionKind::ShortText,
            &key,
            &given(&["primary key"])
        ));
    }

    #[test]
    fn numbers_match_within_the_tolerance() {
        let key = AnswerKey {
            answer: Some(Answer::Number(3.5)),
            tolerance: Some(0.1),
            ..Default::default()
        };
        assert!(is_correct(QuestionKind::Numeric, &key, &given(&["3,45"])));
        assert!(is_correct(QuestionKind::Numeric, &key, &given(&[" 3.6 "])));
        assert!(!is_correct(QuestionKind::Numeric, &key, &given(&["3.7"])));
        assert!(!is_correct(QuestionKind::Numeric, &key, &given(&["NaN"])));
        let exact = AnswerKey {
            answer: Some(Answer::Number(200.0)),
            ..Default::default()
        };
        assert!(is_correct(QuestionKind::Numeric, &exact, &given(&["200"])));
    }

    #[test]
    fn true_false_and_ordering() {
        let key = AnswerKey {
            answer: Some(Answer::Bool(false)),
            ..Default::default()
        };
        assert!(is_correct(
            QuestionKind::TrueFalse,
            &key,
            &given(&["false"])
        ));
        assert!(!is_correct(
            QuestionKind::TrueFalse,
            &key,
            &given(&["true"])
        ));
        let order = choices(&[("first", None), ("second", None), ("third", None)]);
        assert!(is_correct(
            QuestionKind::Ordering,
            &order,
            &given(&["first", "second", "third"])
        ));
        assert!(!is_correct(
            QuestionKind::Ordering,
            &order,
            &given(&["second", "first", "third"])
        ));
        assert_eq!(
            correct_answer(QuestionKind::Ordering, &order),
            "first → second → third"
        );
    }

    #[test]
    fn scores_round_down() {
        assert_eq!(score(4, 6), 66);
        assert_eq!(score(6, 6), 100);
        assert_eq!(score(0, 0), 0);
    }
}
