//! The lessons' code samples marked to run (` ```sql run `, ` ```python run `,
//! ` ```javascript run `, ` ```sh run `: see content/README.md) run here exactly as the bundled
//! lessons print them: SQL on a fresh PostgreSQL database per module, the module's marked blocks
//! in lesson order; Python with `python3`, JavaScript with `node` (as an ES module) and shell with
//! `bash -euo pipefail`, each block alone in a fresh directory that is also its `HOME`, so no
//! local configuration leaks in. Shell blocks that cannot run here (they need Docker, a cloud or
//! a remote) say ` ```sh check ` and are parsed with `bash -n`. TypeScript blocks marked `check`
//! are type-checked by .ci/check-ts-samples. A statement with `$1` placeholders is prepared
//! instead of run, so PostgreSQL still checks its tables, columns and types. In CI a missing
//! runner is a failure.

use std::fs::File;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

fn marked_with(language: &str, mark: &str) -> Vec<Sample> {
    samples()
        .into_iter()
        .filter(|sample| sample.language == language && sample.marks.iter().any(|m| m == mark))
        .collect()
}

fn marked(language: &str) -> Vec<Sample> {
    marked_with(language, "run")
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

/// Runs `program` with `args` then `file` (holding `code`) in a fresh directory that is also its
/// `HOME`, for at most 30 seconds; on failure, the exit status and what it printed.
fn run_alone(program: &str, args: &[&str], file: &str, code: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("a scratch directory");
    std::fs::write(dir.path().join(file), code).expect("the sample is written");
    // Files, not pipes: a chatty sample cannot fill a pipe nobody reads while we wait.
    let out = dir.path().join(".sample-output");
    let output = File::create(&out).expect("an output file");
    let mut child = Command::new(program)
        .args(args)
        .arg(file)
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::null())
        .stdout(output.try_clone().expect("the output file twice"))
        .stderr(output)
        .spawn()
        .unwrap_or_else(|error| panic!("{program} starts: {error}"));
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("the sample is waited for") {
            break Some(status);
        }
        if Instant::now() > deadline {
            child.kill().ok();
            child.wait().ok();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let printed = std::fs::read_to_string(&out).unwrap_or_default();
    match status {
        Some(status) if status.success() => Ok(()),
        Some(status) => Err(format!("{status}\n{printed}")),
        None => Err(format!("still running after 30 s\n{printed}")),
    }
}

fn run_each(samples: Vec<Sample>, program: &str, args: &[&str], file: &str) {
    let failures: Vec<String> = samples
        .iter()
        .filter_map(|sample| {
            let result = run_alone(program, args, file, &sample.code);
            result
                .err()
                .map(|error| format!("{}: {error}", sample.place))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn only_languages_with_a_runner_are_marked_and_each_has_samples() {
    let samples = samples();
    for sample in &samples {
        let language = sample.language.as_str();
        if sample.marks.iter().any(|m| m == "run") {
            assert!(
                ["sql", "python", "javascript", "sh"].contains(&language),
                "{}: nothing here runs {language} samples",
                sample.place
            );
        }
        if sample.marks.iter().any(|m| m.starts_with("check")) {
            let parsed = ["sh", "python", "javascript"].contains(&language);
            assert!(
                language == "typescript" || (parsed && sample.marks == ["check"]),
                "{}: only TypeScript (.ci/check-ts-samples) and shell, Python and JavaScript \
                 (parsed: `sh check`, `python check`, `javascript check`) samples are checked",
                sample.place
            );
        }
        if ["json", "yaml", "http"].contains(&language) {
            assert!(
                sample.marks.is_empty(),
                "{}: every {language} block is validated; it takes no mark",
                sample.place
            );
        }
        if ["python", "javascript", "sh", "sql"].contains(&language) {
            assert!(
                !sample.marks.is_empty(),
                "{}: a {language} block says `run` or `check` (or is `text`)",
                sample.place
            );
        }
    }
    assert!(marked("sql").len() >= 10, "marked SQL samples");
    assert!(marked("python").len() >= 3, "marked Python samples");
    assert!(marked("javascript").len() >= 3, "marked JavaScript samples");
    assert!(marked("sh").len() >= 3, "marked shell samples");
    assert!(
        marked_with("sh", "check").len() >= 3,
        "checked shell samples"
    );
}

#[test]
fn a_sample_that_fails_or_hangs_is_reported_with_what_it_printed() {
    if !runner_available("bash") {
        return;
    }
    let failed = run_alone(
        "bash",
        &["-euo", "pipefail"],
        "s.sh",
        "echo before\nfalse\necho after\n",
    );

    let error = failed.expect_err("a failing command fails the sample");
    assert!(
        error.contains("before") && !error.contains("after"),
        "{error}"
    );
    assert_eq!(
        run_alone("bash", &["-n"], "s.sh", "if true; then echo; fi\n"),
        Ok(())
    );
    assert!(run_alone("bash", &["-n"], "s.sh", "if true; then echo\n").is_err());
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
    run_each(marked("python"), "python3", &["-I"], "sample.py");
}

#[test]
fn marked_javascript_samples_run_with_node() {
    if !runner_available("node") {
        return;
    }
    run_each(marked("javascript"), "node", &[], "sample.mjs");
}

#[test]
fn marked_shell_samples_run_with_bash_in_a_fresh_directory() {
    if !runner_available("bash") || !runner_available("git") {
        return;
    }
    run_each(marked("sh"), "bash", &["-euo", "pipefail"], "sample.sh");
}

#[test]
fn checked_shell_samples_parse_with_bash() {
    if !runner_available("bash") {
        return;
    }
    run_each(marked_with("sh", "check"), "bash", &["-n"], "sample.sh");
}

#[test]
fn checked_python_samples_parse_with_python3() {
    if !runner_available("python3") {
        return;
    }
    let parse = "import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])";
    run_each(
        marked_with("python", "check"),
        "python3",
        &["-I", "-c", parse],
        "sample.py",
    );
}

#[test]
fn checked_javascript_samples_parse_with_node() {
    if !runner_available("node") {
        return;
    }
    run_each(
        marked_with("javascript", "check"),
        "node",
        &["--check"],
        "sample.mjs",
    );
}

fn of_language(language: &str) -> Vec<Sample> {
    samples()
        .into_iter()
        .filter(|sample| sample.language == language)
        .collect()
}

#[test]
fn every_json_sample_is_one_json_value() {
    let samples = of_language("json");
    assert!(samples.len() >= 5, "JSON samples");
    let failures: Vec<String> = samples
        .iter()
        .filter_map(|sample| {
            serde_json::from_str::<serde_json::Value>(&sample.code)
                .err()
                .map(|error| format!("{}: {error}", sample.place))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Whether Python can read YAML here (PyYAML: Debian's python3-yaml, which .ci/test installs).
fn yaml_available() -> bool {
    if !runner_available("python3") {
        return false;
    }
    let found = Command::new("python3")
        .args(["-I", "-c", "import yaml"])
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "PyYAML is missing: CI must parse the lessons' YAML samples"
        );
        eprintln!("NOTICE: PyYAML is not installed; the lessons' YAML samples are not parsed");
    }
    found
}

#[test]
fn every_yaml_sample_parses() {
    if !yaml_available() {
        return;
    }
    let parse = "import sys, yaml; list(yaml.safe_load_all(open(sys.argv[1])))";
    let samples = of_language("yaml");
    assert!(samples.len() >= 5, "YAML samples");
    run_each(samples, "python3", &["-I", "-c", parse], "sample.yaml");
}

/// RFC 9110's reason phrases for the status codes the lessons show.
fn reason_phrase(code: u16) -> Option<&'static str> {
    Some(match code {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
}

/// What is wrong with an `http` block: a request (its line may wrap onto indented lines, for
/// reading), a response, or header lines alone (`#` comments and blank lines between them).
/// Header names are tokens, a status line has RFC 9110's reason phrase, and a JSON body parses.
fn http_problems(code: &str) -> Vec<String> {
    const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
    let mut problems = Vec::new();
    let mut lines = code.lines().peekable();
    let first = lines.peek().copied().unwrap_or_default();
    let method = first.split(' ').next().unwrap_or_default();
    let message = if let Some(status) = first.strip_prefix("HTTP/") {
        lines.next();
        let mut parts = status.splitn(3, ' ');
        let version = parts.next().unwrap_or_default();
        let code = parts.next().and_then(|c| c.parse::<u16>().ok());
        let reason = parts.next().unwrap_or_default();
        if !["1.0", "1.1", "2", "3"].contains(&version) {
            problems.push(format!("unknown HTTP version in {first:?}"));
        }
        match code.map(|c| (c, reason_phrase(c))) {
            Some((_, Some(phrase))) if phrase == reason => {}
            Some((c, Some(phrase))) => {
                problems.push(format!("{c}'s reason phrase is {phrase:?}, not {reason:?}"))
            }
            Some((c, None)) => problems.push(format!("{c}: add its reason phrase to the table")),
            None => problems.push(format!("no status code in {first:?}")),
        }
        true
    } else if METHODS.contains(&method) {
        lines.next();
        let mut request_line = first.to_owned();
        while let Some(wrapped) = lines.next_if(|l| l.starts_with(' ')) {
            request_line.push_str(wrapped.trim());
        }
        let words: Vec<&str> = request_line.split(' ').collect();
        let target_ok = words
            .get(1)
            .is_some_and(|t| t.starts_with('/') || *t == "*");
        let version_ok = match words.len() {
            2 => true,
            3 => words[2] == "HTTP/1.1" || words[2] == "HTTP/1.0",
            _ => false,
        };
        if !target_ok || !version_ok {
            problems.push(format!("not a request line: {request_line:?}"));
        }
        true
    } else {
        false
    };
    let mut content_type = None;
    for line in lines.by_ref() {
        if line.is_empty() {
            if message {
                break;
            }
            continue;
        }
        if line.starts_with('#') && !message {
            continue;
        }
        match line.split_once(':') {
            Some((name, value)) if is_token(name) && !value.trim().is_empty() => {
                if name.eq_ignore_ascii_case("content-type") {
                    content_type = Some(value.trim().to_ascii_lowercase());
                }
            }
            _ => problems.push(format!("not a header line: {line:?}")),
        }
    }
    let body: String = lines.collect::<Vec<_>>().join("\n");
    let essence = content_type
        .as_deref()
        .map(|t| t.split(';').next().unwrap_or_default().trim().to_owned());
    let json = essence
        .as_deref()
        .is_some_and(|t| t == "application/json" || t.ends_with("+json"));
    if json && let Err(error) = serde_json::from_str::<serde_json::Value>(&body) {
        problems.push(format!("the JSON body does not parse: {error}"));
    }
    problems
}

#[test]
fn the_http_check_catches_a_wrong_reason_a_bad_header_and_a_broken_body() {
    assert!(http_problems("HTTP/1.1 201 Created\nLocation: /p/1\n").is_empty());
    assert!(http_problems("GET /a?b=1\n    &c=2 HTTP/1.1\nHost: x\n").is_empty());
    assert!(http_problems("# a comment\nCache-Control: no-store\n\nVary: Origin\n").is_empty());
    let wrong = http_problems(
        "HTTP/1.1 422 Unprocessable Entity\nContent Type: json\nContent-Type: application/problem+json\n\n{\"a\": 1,}\n",
    );
    assert_eq!(wrong.len(), 3, "{wrong:?}");
}

#[test]
fn every_http_sample_is_a_well_formed_message() {
    let samples = of_language("http");
    assert!(samples.len() >= 10, "HTTP samples");
    let failures: Vec<String> = samples
        .iter()
        .flat_map(|sample| {
            http_problems(&sample.code)
                .into_iter()
                .map(|problem| format!("{}: {problem}", sample.place))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
