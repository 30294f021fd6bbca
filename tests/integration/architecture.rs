//! The layering the folder tree promises, checked on the source: every `crate::…` path of
//! every file under `src/` (`use` groups expanded) is held to the rules below, so an import
//! that climbs back up fails here rather than in a review.
//!
//! - Only `main.rs`, `lib.rs` and `cli.rs` name `crate::app` (the file that names every
//!   feature).
//! - The foundation imports no page feature: everything but the page features and the top
//!   (`app.rs`, `cli.rs`, `lib.rs`, `main.rs`), that is `state.rs`, the leaves, `db/`, `web/`,
//!   `render/`, `auth/`, `curriculum/`, `grading/` and `progress/`.
//! - A page feature uses another only through what that feature exports at its root
//!   (`crate::notes::widgets`), never its modules (`crate::notes::db::…`), and only where
//!   [`ALLOWED`] says why.

use std::{collections::BTreeSet, fs, path::Path};

const PAGE_FEATURES: [&str; 11] = [
    "account", "admin", "api", "catalog", "home", "labs", "learning", "notes", "ops", "quiz",
    "search",
];

/// The files above every feature: they wire them together.
const TOP: [&str; 4] = ["app", "cli", "lib", "main"];

/// (importer, imported, why): the only page features that use another.
const ALLOWED: [(&str, &str, &str); 1] = [(
    "catalog",
    "notes",
    "the lesson page shows the bookmark and note widgets",
)];

/// Every `crate::a::b…` path in `source`, with `use crate::{a, b::{c, d}}` groups expanded.
fn crate_paths(source: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        // `groundwork_crate::x` or `mycrate::x` are not ours.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        expand(&mut rest, Vec::new(), &mut paths);
    }
    paths
}

/// Reads one path or `{…}` group from the start of `text`, under `prefix`.
fn expand(text: &mut &str, prefix: Vec<String>, paths: &mut Vec<Vec<String>>) {
    *text = text.trim_start();
    if let Some(inner) = text.strip_prefix('{') {
        *text = inner;
        loop {
            expand(text, prefix.clone(), paths);
            *text = text.trim_start();
            if let Some(after) = text.strip_prefix(',') {
                *text = after;
                if let Some(after) = text.trim_start().strip_prefix('}') {
                    *text = after;
                    return;
                }
            } else {
                *text = text.strip_prefix('}').unwrap_or(text);
                return;
            }
        }
    }
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    let mut path = prefix;
    if end > 0 {
        path.push(text[..end].to_owned());
    }
    *text = &text[end..];
    if let Some(after) = text.strip_prefix("::") {
        *text = after;
        expand(text, path, paths);
    } else if !path.is_empty() {
        paths.push(path);
    }
}

/// `src/catalog/mod.rs` → `catalog`; `src/state.rs` → `state`.
fn top_module(file: &Path, src: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next().unwrap().as_os_str();
    first.to_string_lossy().trim_end_matches(".rs").to_owned()
}

fn rust_files(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// The modules a page feature declares (`mod db;`, `pub mod sql;`): its internals.
fn submodules(feature: &str, src: &Path) -> BTreeSet<String> {
    let root = fs::read_to_string(src.join(feature).join("mod.rs")).unwrap();
    root.lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = line.strip_prefix("pub ").unwrap_or(line);
            let line = line.strip_prefix("pub(crate) ").unwrap_or(line);
            line.strip_prefix("mod ")?
                .strip_suffix(';')
                .map(str::to_owned)
        })
        .collect()
}

#[test]
fn use_groups_are_expanded_into_paths() {
    let paths = crate_paths("use crate::{a, b::{c, d::E}, f::g};\nlet x = crate::h::i(1);");
    let joined: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(joined, ["a", "b::c", "b::d::E", "f::g", "h::i"]);
}

#[test]
fn layers_import_only_downward_and_features_only_each_others_fronts() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 50, "the source tree is found");
    let mut problems = Vec::new();
    for file in &files {
        let importer = top_module(file, &src);
        let source = fs::read_to_string(file).unwrap();
        let shown = file.strip_prefix(&src).unwrap().display();
        for path in crate_paths(&source) {
            let imported = path[0].as_str();
            if imported == importer {
                continue;
            }
            if imported == "app" && !["main", "lib", "cli"].contains(&importer.as_str()) {
                problems.push(format!("src/{shown} imports crate::app"));
            }
            // The top assembles everything.
            if !PAGE_FEATURES.contains(&imported) || TOP.contains(&importer.as_str()) {
                continue;
            }
            if !PAGE_FEATURES.contains(&importer.as_str()) {
                problems.push(format!(
                    "src/{shown} is below the page features but imports crate::{}",
                    path.join("::")
                ));
                continue;
            }
            if !ALLOWED
                .iter()
                .any(|(from, to, _)| *from == importer && *to == imported)
            {
                problems.push(format!(
                    "src/{shown}: page feature {importer} imports page feature crate::{}",
                    path.join("::")
                ));
            } else if path
                .get(1)
                .is_some_and(|next| submodules(imported, &src).contains(next))
            {
                problems.push(format!(
                    "src/{shown} reaches into crate::{} instead of what {imported} exports",
                    path.join("::")
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
