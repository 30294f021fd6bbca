//! The curriculum as files (the format in `content/README.md`): parsing a tree of files into
//! a validated [`Curriculum`], and writing one back. A tree is a map from relative paths
//! (with `/`) to file contents, so the same code serves the embedded bundle, a folder on
//! disk and an uploaded archive. The types are in `types`, reading in `parse`, the rules in
//! `validate` and writing in `write`; everything is re-exported here.

mod parse;
mod types;
mod validate;
mod write;

pub use parse::parse;
pub use types::*;
pub use validate::{RESERVED_LESSON_SLUGS, RESERVED_MODULE_SLUGS, check_exercise, valid_slug};
pub use write::to_tree;

/// Collects every problem instead of stopping at the first, so an author fixes them in one go.
#[derive(Debug, Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, file: &str, message: impl std::fmt::Display) {
        self.0.push(format!("{file}: {message}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Tree {
        let mut tree = Tree::new();
        tree.insert("README.md".into(), "docs".into());
        tree.insert(
            "p/path.toml".into(),
            "uuid = \"00000000-0000-4000-8000-000000000001\"\nslug = \"p\"\ntitle = \"P\"\nsummary = \"S\"\nposition = 1\n".into(),
        );
        tree.insert(
            "p/01-m/module.toml".into(),
            "uuid = \"00000000-0000-4000-8000-000000000002\"\nslug = \"m\"\ntitle = \"M\"\nsummary = \"S\"\nposition = 1\n".into(),
        );
        tree.insert(
            "p/01-m/01-l.md".into(),
            "+++\nuuid = \"00000000-0000-4000-8000-000000000003\"\nslug = \"l\"\ntitle = \"L\"\nsummary = \"S\"\nposition = 1\n+++\n\n## Hello\n\nText.\n".into(),
        );
        tree.insert(
            "p/01-m/quiz.toml".into(),
            r#"uuid = "00000000-0000-4000-8000-000000000004"
title = "Q"
[[questions]]
uuid = "00000000-0000-4000-8000-000000000005"
kind = "numeric"
prompt = "2+2?"
explanation = "Four."
answer = 4.0
tolerance = 0.0
[[questions]]
uuid = "00000000-0000-4000-8000-000000000006"
kind = "single"
prompt = "Pick"
explanation = "A"
  [[questions.choices]]
  text = "A"
  correct = true
  [[questions.choices]]
  text = "B"
  correct = false
"#
            .into(),
        );
        tree.insert(
            "p/01-m/labs.toml".into(),
            r#"[datasets]
people = """
CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT);
INSERT INTO people VALUES (1, 'Ada'), (2, 'Grace');
"""

[[exercises]]
uuid = "00000000-0000-4000-8000-000000000007"
slug = "names"
title = "Names"
position = 1
kind = "sql"
prompt = "List every name."
[exercises.sql]
dataset = "people"
solution = "SELECT name FROM people"

[[exercises]]
uuid = "00000000-0000-4000-8000-000000000008"
slug = "fetch"
title = "Fetch"
position = 2
kind = "http"
prompt = "Send a GET."
[exercises.goal]
[[exercises.goal.steps]]
method = "GET"
path = "/api/tasks"
status = 200
"#
            .into(),
        );
        tree
    }

    #[test]
    fn a_tree_parses_and_writes_back_to_the_same_curriculum() {
        let curriculum = parse(&sample()).expect("valid");
        assert_eq!(
            curriculum.paths[0].modules[0].lessons[0].body,
            "## Hello\n\nText.\n"
        );
        assert_eq!(
            curriculum.paths[0].modules[0]
                .quiz
                .as_ref()
                .unwrap()
                .pass_mark,
            70
        );

        let labs = curriculum.paths[0].modules[0].labs.as_ref().unwrap();
        assert_eq!(labs.exercises.len(), 2);

        let again = parse(&to_tree(&curriculum).unwrap()).expect("valid");
        assert_eq!(again, curriculum);
    }

    #[test]
    fn a_sql_exercise_whose_solution_fails_its_check_is_a_problem() {
        let mut tree = sample();
        let labs = tree["p/01-m/labs.toml"].replace(
            "solution = \"SELECT name FROM people\"",
            "solution = \"SELECT nme FROM people\"",
        );
        tree.insert("p/01-m/labs.toml".into(), labs);
        let problems = parse(&tree).unwrap_err().join("\n");
        assert!(
            problems.contains("lab names: the reference solution does not pass"),
            "{problems}"
        );
    }

    #[test]
    fn every_bundled_sql_exercise_passes_its_own_check() {
        let curriculum =
            parse(&crate::curriculum::bundled_tree()).expect("the bundled content is valid");
        let exercises: usize = curriculum.paths[0]
            .modules
            .iter()
            .filter_map(|m| m.labs.as_ref())
            .map(|labs| {
                labs.exercises
                    .iter()
                    .filter(|e| e.kind == LabKind::Sql)
                    .count()
            })
            .sum();
        assert!(exercises >= 10, "{exercises} SQL exercises");
    }

    /// Issue 12's floor: practice in every module but the careers one.
    #[test]
    fn every_bundled_module_but_careers_has_two_graded_exercises_or_more() {
        let curriculum =
            parse(&crate::curriculum::bundled_tree()).expect("the bundled content is valid");
        let mut total = 0;
        for module in &curriculum.paths[0].modules {
            let exercises = module.labs.as_ref().map_or(0, |labs| labs.exercises.len());
            total += exercises;
            if module.meta.slug != "careers-and-practical-projects" {
                assert!(
                    exercises >= 2,
                    "{}: {exercises} exercises",
                    module.meta.slug
                );
            }
        }
        assert!(total >= 45, "{total} exercises in the path");
    }

    #[test]
    fn bundled_positions_count_one_two_three_in_every_parent() {
        let curriculum =
            parse(&crate::curriculum::bundled_tree()).expect("the bundled content is valid");
        let counts_up = |positions: Vec<i64>| {
            let mut sorted = positions.clone();
            sorted.sort_unstable();
            sorted == (1..=positions.len() as i64).collect::<Vec<_>>()
        };
        for path in &curriculum.paths {
            assert!(counts_up(
                path.modules.iter().map(|m| m.meta.position).collect()
            ));
            for module in &path.modules {
                let slug = &module.meta.slug;
                assert!(
                    counts_up(module.lessons.iter().map(|l| l.meta.position).collect()),
                    "lessons of {slug}"
                );
                if let Some(labs) = &module.labs {
                    assert!(
                        counts_up(labs.exercises.iter().map(|e| e.position).collect()),
                        "lab exercises of {slug}"
                    );
                }
            }
        }
    }

    #[test]
    fn problems_name_the_file_and_say_what_is_wrong() {
        let mut tree = sample();
        tree.insert("p/01-m/quiz.toml".into(), "uuid = \"00000000-0000-4000-8000-000000000004\"\ntitle = \"Q\"\n[[questions]]\nuuid = \"00000000-0000-4000-8000-000000000001\"\nkind = \"single\"\nprompt = \"x\"\nexplanation = \"y\"\n".into());
        tree.insert("p/01-m/02-bad.md".into(), "no front matter".into());
        tree.insert("p/stray.txt".into(), "?".into());

        let problems = parse(&tree).unwrap_err().join("\n");

        assert!(
            problems.contains("p/01-m/02-bad.md: a lesson starts with TOML front matter"),
            "{problems}"
        );
        assert!(problems.contains("used twice"), "{problems}");
        assert!(
            problems.contains("needs at least two choices"),
            "{problems}"
        );
        assert!(
            problems.contains("p/stray.txt: unexpected file"),
            "{problems}"
        );
    }

    #[test]
    fn answer_keys_follow_the_rules_of_their_kind() {
        let choice = |text: &str, correct| Choice {
            text: text.into(),
            correct,
        };
        let two = vec![choice("a", Some(true)), choice("b", Some(true))];
        assert!(
            check_answer_key(
                QuestionKind::Single,
                &AnswerKey {
                    choices: two.clone(),
                    ..Default::default()
                }
            )
            .is_err()
        );
        assert!(
            check_answer_key(
                QuestionKind::Multiple,
                &AnswerKey {
                    choices: two,
                    ..Default::default()
                }
            )
            .is_err()
        );
        let bool_key = AnswerKey {
            answer: Some(Answer::Bool(true)),
            ..Default::default()
        };
        assert!(check_answer_key(QuestionKind::TrueFalse, &bool_key).is_ok());
        assert!(check_answer_key(QuestionKind::Numeric, &bool_key).is_err());
        let order = vec![choice("first", None), choice("second", None)];
        assert!(
            check_answer_key(
                QuestionKind::Ordering,
                &AnswerKey {
                    choices: order,
                    ..Default::default()
                }
            )
            .is_ok()
        );
    }
}
