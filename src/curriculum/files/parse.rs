//! Reading a tree of files into a curriculum; every problem is collected, then validated.

use serde::Deserialize;

use super::{
    Curriculum, Labs, LessonDoc, Meta, ModuleDoc, ModuleMeta, PathDoc, Problems, Quiz, Tree,
    validate::validate,
};

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
