//! The lessons' code samples marked to run (` ```sql run `, ` ```python run `: see
//! content/README.md) run here exactly as the bundled lessons print them: SQL on a fresh
//! PostgreSQL database per module, the module's marked blocks in lesson order; Python with
//! `python3`, each block alone (TypeScript blocks marked `check` are type-checked by
//! .ci/check-ts-samples). A statement with `$1` placeholders is prepared instead of run, so
//! PostgreSQL still checks its tables, columns and types. In CI a missing runner is a failure.

use std::process::Command;

use groundwork::curriculum;
use sqlx::{Connection, PgConnection};

use crate::support::PostgresDatabase;

/// One fenced block of a bundled lesson.
struct Sample {
    /// `<path>/<module>/<lesson>.md:<line of the opening fence>`.
    place: String,
    module: String,
    language: String,
    marks: Vec<String>,
    code: String,
}

/// Every fenced block of every bundled lesson, in module and lesson order.
fn samples() -> Vec<Sample> {
    let mut samples = Vec::new();
    for (name, text) in curriculum::bundled_tree() {
        let Some(module) = name.split('/').nth(1).filter(|_| name.ends_with(".md")) else {
            continue;
        };
        let mut open: Option<Sample> = None;
        for (index, line) in text.lines().enumerate() {
            match open.take() {
                None => {
                    if let Some(info) = line.strip_prefix("```") {
                        let mut words = info.split_whitespace().map(str::to_owned);
                        open = Some(Sample {
                            place: format!("{name}:{}", index + 1),
                            module: module.to_owned(),
                            language: words.next().unwrap_or_default(),
                            marks: words.collect(),
                            code: String::new(),
                        });
                    }
                }
                Some(sample) if line == "```" => samples.push(sample),
                Some(mut sample) => {
                    sample.code.push_str(line);
                    sample.code.push('\n');
                    open = Some(sample);
                }
            }
        }
        assert!(open.is_none(), "{name}: a code block is never closed");
    }
    samples
}

fn marked(language: &str) -> Vec<Sample> {
    samples()
        .into_iter()
        .filter(|sample| sample.language == language && sample.marks.iter().any(|m| m == "run"))
        .collect()
}

/// The statements of a SQL sample: `--` comments dropped, split at `;` (the samples put no `;`
/// or `--` inside string literals).
fn statements(code: &str) -> Vec<String> {
    let without_comments: String = code
        .lines()
        .map(|line| line.split("--").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    without_comments
        .split(';')
        .map(str::trim)
        .filter(|statement| !statement.is_empty())
        .map(str::to_owned)
        .collect()
}

fn has_placeholder(statement: &str) -> bool {
    statement
        .as_bytes()
        .windows(2)
        .any(|pair| pair[0] == b'$' && pair[1].is_ascii_digit())
}

/// Whether `program` can be started; in CI its absence fails the test instead.
fn runner_available(program: &str) -> bool {
    let found = Command::new(program).arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{program} is missing: CI must run the lessons' {program} samples"
        );
        eprintln!("NOTICE: {program} is not installed; the lessons' {program} samples do not run");
    }
    found
}

#[test]
fn only_languages_with_a_runner_are_marked_and_each_has_samples() {
    let samples = samples();
    for sample in &samples {
        if sample.marks.iter().any(|m| m == "run") {
            assert!(
                ["sql", "python"].contains(&sample.language.as_str()),
                "{}: nothing here runs {} samples",
                sample.place,
                sample.language
            );
        }
        if sample.marks.iter().any(|m| m.starts_with("check")) {
            assert_eq!(
                sample.language, "typescript",
                "{}: only TypeScript samples are type-checked (.ci/check-ts-samples)",
                sample.place
            );
        }
    }
    assert!(marked("sql").len() >= 10, "marked SQL samples");
    assert!(marked("python").len() >= 3, "marked Python samples");
}

#[test]
fn sql_statements_are_split_without_their_comments() {
    let code = "UPDATE t SET n = n - 1 WHERE id = 7; -- 1 row: sold; 0 rows: not\nSELECT 1;\n";

    assert_eq!(
        statements(code),
        ["UPDATE t SET n = n - 1 WHERE id = 7", "SELECT 1"]
    );
    assert!(has_placeholder("WHERE id = $1"));
    assert!(!has_placeholder("SELECT '$' || name"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marked_sql_samples_run_on_postgresql_module_by_module() {
    let samples = marked("sql");
    let mut modules: Vec<&str> = samples.iter().map(|s| s.module.as_str()).collect();
    modules.dedup();
    let mut failures = Vec::new();
    for module in modules {
        let Some(database) = PostgresDatabase::scratch().await else {
            return;
        };
        let mut connection = PgConnection::connect(&database.url).await.unwrap();
        for sample in samples.iter().filter(|s| s.module == module) {
            for statement in statements(&sample.code) {
                let sql = if has_placeholder(&statement) {
                    format!("PREPARE sample AS {statement}; DEALLOCATE sample")
                } else {
                    statement.clone()
                };
                if let Err(error) = sqlx::raw_sql(&sql).execute(&mut connection).await {
                    failures.push(format!("{}: {error}\n  {statement}", sample.place));
                }
            }
        }
        connection.close().await.ok();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn marked_python_samples_run_with_python3() {
    if !runner_available("python3") {
        return;
    }
    let mut failures = Vec::new();
    for sample in marked("python") {
        let output = Command::new("python3")
            .args(["-I", "-c", &sample.code])
            .output()
            .expect("python3 starts");
        if !output.status.success() {
            failures.push(format!(
                "{}: {}\n{}",
                sample.place,
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
