//! The rules a parsed curriculum follows: slugs, UUIDs, positions, quizzes and lab exercises.

use std::collections::HashSet;

use super::{Curriculum, Exercise, LabKind, Labs, Problems, check_answer_key};

/// Addresses under a path that are not modules (`/paths/{path}/roadmap`, …).
pub const RESERVED_MODULE_SLUGS: &[&str] = &["reset", "roadmap"];

/// Addresses under a module that are not lessons (`/paths/{path}/{module}/quiz`, …).
pub const RESERVED_LESSON_SLUGS: &[&str] = &["quiz", "labs", "reset", "skip", "unskip"];

pub fn valid_slug(slug: &str) -> bool {
    crate::curriculum::Slug::is_valid(slug)
}

fn valid_uuid(value: &str) -> bool {
    uuid::Uuid::parse_str(value).is_ok_and(|uuid| uuid.hyphenated().to_string() == value)
}

pub(super) fn validate(curriculum: &Curriculum, problems: &mut Problems) {
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
            crate::grading::sql::validate(&spec)
        }
        LabKind::Http => {
            if exercise.sql.is_some() {
                return Err("an http exercise has no [exercises.sql] table".into());
            }
            let Some(goal) = &exercise.goal else {
                return Err("an http exercise needs an [exercises.goal] table".into());
            };
            let goal: crate::grading::http::Goal = toml::Value::Table(goal.clone())
                .try_into()
                .map_err(|e: toml::de::Error| format!("the goal does not read: {}", e.message()))?;
            goal.validate()
        }
    }
}
