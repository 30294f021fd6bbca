//! The curriculum as files (the format in `content/README.md`): parsing a tree of files into
//! a validated [`Curriculum`], and writing one back. A tree is a map from relative paths
//! (with `/`) to file contents, so the same code serves the embedded bundle, a folder on
//! disk and an uploaded archive.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::labs::sql::{SqlExercise, SqlSpec};

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

/// Collects every problem instead of stopping at the first, so an author fixes them in one go.
#[derive(Debug, Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, file: &str, message: impl std::fmt::Display) {
        self.0.push(format!("{file}: {message}"));
    }
}

fn normalize_body(body: &str) -> String {
    format!("{}\n", body.trim_start_matches(['\n', '\r']).trim_end())
}

/// Splits `+++\n<toml>+++\n<markdown>`.
fn split_front_matter(text: &str) -> Option<(&str, &str)> {
    let rest = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))?;
    let end = rest.find("\n+++")?;
    let (front, after) = rest.split_at(end + 1);
    let body = after.strip_prefix("+++")?;
    Some((front, body))
}

/// Parses and validates a whole tree.
pub fn parse(tree: &Tree) -> Result<Curriculum, Vec<String>> {
    let mut problems = Problems::default();
    let mut paths = Vec::new();

    let path_dirs: Vec<&str> = tree
        .keys()
        .filter_map(|file| file.strip_suffix("/path.toml"))
        .filter(|dir| !dir.contains('/'))
        .collect();
    if path_dirs.is_empty() {
        problems.add("content", "no <path>/path.toml found");
    }
    for dir in path_dirs {
        let file = format!("{dir}/path.toml");
        let Some(meta) = parse_toml::<Meta>(tree, &file, &mut problems) else {
            continue;
        };
        let mut modules = Vec::new();
        let module_dirs: Vec<&str> = tree
            .keys()
            .filter_map(|file| {
                file.strip_prefix(&format!("{dir}/"))?
                    .strip_suffix("/module.toml")
            })
            .filter(|module| !module.contains('/'))
            .collect();
        for module_dir in module_dirs {
            if let Some(module) = parse_module(tree, &format!("{dir}/{module_dir}"), &mut problems)
            {
                modules.push(module);
            }
        }
        modules.sort_by_key(|module| module.meta.position);
        paths.push(PathDoc { meta, modules });
    }
    for file in tree.keys() {
        let depth = file.matches('/').count();
        let known = file.ends_with("path.toml")
            || file.ends_with("module.toml")
            || file.ends_with("quiz.toml")
            || file.ends_with("labs.toml")
            || (depth == 2 && file.ends_with(".md"))
            || (depth == 0 && file.ends_with(".md"));
        if !known {
            problems.add(
                file,
                "unexpected file (see content/README.md for the layout)",
            );
        }
    }
    paths.sort_by_key(|path| path.meta.position);
    let curriculum = Curriculum { paths };
    validate(&curriculum, &mut problems);
    if problems.0.is_empty() {
        Ok(curriculum)
    } else {
        Err(problems.0)
    }
}

fn parse_toml<T: for<'de> Deserialize<'de>>(
    tree: &Tree,
    file: &str,
    problems: &mut Problems,
) -> Option<T> {
    let text = tree.get(file)?;
    toml::from_str(text)
        .map_err(|error| problems.add(file, error.message()))
        .ok()
}

fn parse_module(tree: &Tree, dir: &str, problems: &mut Problems) -> Option<ModuleDoc> {
    let meta = parse_toml::<ModuleMeta>(tree, &format!("{dir}/module.toml"), problems)?;
    let mut lessons = Vec::new();
    for (file, text) in tree.range(format!("{dir}/")..) {
        let Some(name) = file.strip_prefix(&format!("{dir}/")) else {
            break;
        };
        if name.contains('/') || !name.ends_with(".md") {
            continue;
        }
        let Some((front, body)) = split_front_matter(text) else {
            problems.add(
                file,
                "a lesson starts with TOML front matter between +++ lines",
            );
            continue;
        };
        match toml::from_str::<Meta>(front) {
            Ok(meta) => lessons.push(LessonDoc {
                meta,
                body: normalize_body(body),
            }),
            Err(error) => problems.add(file, error.message()),
        }
    }
    lessons.sort_by_key(|lesson| lesson.meta.position);
    let quiz_file = format!("{dir}/quiz.toml");
    let quiz = tree
        .contains_key(&quiz_file)
        .then(|| parse_toml::<Quiz>(tree, &quiz_file, problems))
        .flatten();
    let labs_file = format!("{dir}/labs.toml");
    let labs = tree
        .contains_key(&labs_file)
        .then(|| parse_toml::<Labs>(tree, &labs_file, problems))
        .flatten();
    Some(ModuleDoc {
        meta,
        lessons,
        quiz,
        labs,
    })
}

/// Addresses under a path that are not modules (`/paths/{path}/roadmap`, …).
pub const RESERVED_MODULE_SLUGS: &[&str] = &["reset", "roadmap"];

/// Addresses under a module that are not lessons (`/paths/{path}/{module}/quiz`, …).
pub const RESERVED_LESSON_SLUGS: &[&str] = &["quiz", "labs", "reset", "skip", "unskip"];

pub fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 80
        && slug.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn valid_uuid(value: &str) -> bool {
    uuid::Uuid::parse_str(value).is_ok_and(|uuid| uuid.hyphenated().to_string() == value)
}

fn validate(curriculum: &Curriculum, problems: &mut Problems) {
    let mut uuids = HashSet::new();
    let mut check = |what: &str, uuid: &str, slug: Option<&str>, problems: &mut Problems| {
        if !valid_uuid(uuid) {
            problems.add(
                what,
                format!("uuid {uuid:?} is not a lowercase hyphenated UUID"),
            );
        } else if !uuids.insert(uuid.to_owned()) {
            problems.add(what, format!("uuid {uuid} is used twice"));
        }
        if let Some(slug) = slug.filter(|slug| !valid_slug(slug)) {
            problems.add(
                what,
                format!("slug {slug:?} must be lowercase ASCII words joined by -"),
            );
        }
    };
    let mut path_slugs = HashSet::new();
    for path in &curriculum.paths {
        let name = format!("path {}", path.meta.slug);
        check(&name, &path.meta.uuid, Some(&path.meta.slug), problems);
        if !path_slugs.insert(&path.meta.slug) {
            problems.add(&name, "two paths have this slug");
        }
        let module_slugs: HashSet<&String> = path
            .modules
            .iter()
            .map(|module| &module.meta.slug)
            .collect();
        if module_slugs.len() != path.modules.len() {
            problems.add(&name, "two modules have the same slug");
        }
        for module in &path.modules {
            let name = format!("module {}/{}", path.meta.slug, module.meta.slug);
            check(&name, &module.meta.uuid, Some(&module.meta.slug), problems);
            if RESERVED_MODULE_SLUGS.contains(&module.meta.slug.as_str()) {
                problems.add(
                    &name,
                    format!(
                        "the slug {:?} is reserved for a path address",
                        module.meta.slug
                    ),
                );
            }
            for prerequisite in &module.meta.prerequisites {
                if !module_slugs.contains(prerequisite) || prerequisite == &module.meta.slug {
                    problems.add(
                        &name,
                        format!("prerequisite {prerequisite:?} is not another module of this path"),
                    );
                }
            }
            let lesson_slugs: HashSet<&String> = module
                .lessons
                .iter()
                .map(|lesson| &lesson.meta.slug)
                .collect();
            if lesson_slugs.len() != module.lessons.len() {
                problems.add(&name, "two lessons have the same slug");
            }
            for lesson in &module.lessons {
                let name = format!(
                    "lesson {}/{}/{}",
                    path.meta.slug, module.meta.slug, lesson.meta.slug
                );
                check(&name, &lesson.meta.uuid, Some(&lesson.meta.slug), problems);
                if RESERVED_LESSON_SLUGS.contains(&lesson.meta.slug.as_str()) {
                    problems.add(
                        &name,
                        format!(
                            "the slug {:?} is reserved for a module address",
                            lesson.meta.slug
                        ),
                    );
                }
            }
            if let Some(quiz) = &module.quiz {
                check(&format!("{name} quiz"), &quiz.uuid, None, problems);
                if !(0..=100).contains(&quiz.pass_mark) {
                    problems.add(
                        &format!("{name} quiz"),
                        "pass_mark is a percentage, 0 to 100",
                    );
                }
                for (index, question) in quiz.questions.iter().enumerate() {
                    let name = format!("{name} quiz, question {}", index + 1);
                    check(&name, &question.uuid, None, problems);
                    if let Err(message) = check_answer_key(question.kind, &question.key()) {
                        problems.add(&name, message);
                    }
                }
            }
            if let Some(labs) = &module.labs {
                let slugs: HashSet<&String> = labs.exercises.iter().map(|e| &e.slug).collect();
                if slugs.len() != labs.exercises.len() {
                    problems.add(&format!("{name} labs"), "two exercises have the same slug");
                }
                for exercise in &labs.exercises {
                    let name = format!("{name} lab {}", exercise.slug);
                    check(&name, &exercise.uuid, Some(&exercise.slug), problems);
                    if let Err(message) = check_exercise(labs, exercise) {
                        problems.add(&name, message);
                    }
                }
            }
        }
    }
}

/// The kind-specific rules of a lab exercise. A SQL exercise's reference solution must pass
/// its own check in the sandbox, so a broken exercise never reaches a learner.
pub fn check_exercise(labs: &Labs, exercise: &Exercise) -> Result<(), String> {
    match exercise.kind {
        LabKind::Sql => {
            let Some(sql) = &exercise.sql else {
                return Err("a sql exercise needs an [exercises.sql] table".into());
            };
            if exercise.goal.is_some() {
                return Err("a sql exercise has no [exercises.goal] table".into());
            }
            let spec = labs.sql_spec(exercise).ok_or_else(|| {
                format!("dataset {:?} is not in this file's [datasets]", sql.dataset)
            })?;
            crate::labs::sql::validate(&spec)
        }
        LabKind::Http => {
            if exercise.sql.is_some() {
                return Err("an http exercise has no [exercises.sql] table".into());
            }
            let Some(goal) = &exercise.goal else {
                return Err("an http exercise needs an [exercises.goal] table".into());
            };
            let goal: crate::labs::http::Goal = toml::Value::Table(goal.clone())
                .try_into()
                .map_err(|e: toml::de::Error| format!("the goal does not read: {}", e.message()))?;
            goal.validate()
        }
    }
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

/// Writes a curriculum as files; [`parse`] of the result gives the same curriculum back.
pub fn to_tree(curriculum: &Curriculum) -> Result<Tree, toml::ser::Error> {
    let mut tree = Tree::new();
    for path in &curriculum.paths {
        let dir = &path.meta.slug;
        tree.insert(format!("{dir}/path.toml"), toml::to_string(&path.meta)?);
        for module in &path.modules {
            let module_dir = format!("{dir}/{:02}-{}", module.meta.position, module.meta.slug);
            tree.insert(
                format!("{module_dir}/module.toml"),
                toml::to_string(&module.meta)?,
            );
            for lesson in &module.lessons {
                let front = toml::to_string(&lesson.meta)?;
                let file = format!(
                    "{module_dir}/{:02}-{}.md",
                    lesson.meta.position, lesson.meta.slug
                );
                tree.insert(file, format!("+++\n{front}+++\n\n{}", lesson.body));
            }
            if let Some(quiz) = &module.quiz {
                tree.insert(format!("{module_dir}/quiz.toml"), toml::to_string(quiz)?);
            }
            if let Some(labs) = &module.labs {
                tree.insert(format!("{module_dir}/labs.toml"), toml::to_string(labs)?);
            }
        }
    }
    Ok(tree)
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
