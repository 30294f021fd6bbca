//! The pages' HTML as a validator and a screen reader read it: the Nu HTML checker (vnu-jar,
//! pinned in `.ci/ui-tools`, on Java 17) reports no error on the main pages, anonymous, signed
//! in and as an admin; no two landmarks of one kind share a name; a malformed query string is
//! answered in plain words.

use std::{collections::BTreeMap, path::PathBuf, process::Command};

use reqwest::StatusCode;
use scraper::{ElementRef, Html, Selector};

use crate::{
    accounts::PASSWORD,
    authoring::id_of,
    quizzes::correct_answers_of,
    support::{TestApp, db_tests},
};

db_tests! {
    a_malformed_query_string_is_answered_in_plain_words,
}

const MODULE: &str = "/paths/backend-foundations/databases-and-data-modeling";

/// The main pages' HTML, by name: what visitors, learners and staff read.
async fn main_pages(app: &TestApp) -> Vec<(String, String)> {
    let mut pages = Vec::new();
    let visitor = TestApp::client_only(app);
    for (name, path) in [
        ("home", "/"),
        ("catalogue", "/paths"),
        ("path", "/paths/backend-foundations"),
        ("roadmap", "/paths/backend-foundations/roadmap"),
        ("module", MODULE),
        ("lesson", &format!("{MODULE}/how-indexes-work")),
        ("search", "/search?q=index"),
        ("login", "/login"),
        ("register", "/register"),
        ("password-reset", "/password-reset"),
        ("not-found", "/no/such/page"),
        (
            "sign-in-refused",
            "/login/test/callback?code=forged&state=forged",
        ),
        ("api-reference", "/api"),
    ] {
        pages.push(read(&visitor, name, path).await);
    }

    // A learner with progress: a lesson done, a quiz taken.
    let learner = TestApp::client_only(app);
    learner.register("ada@example.com", "Ada", PASSWORD).await;
    let done = learner
        .post_form(&format!("{MODULE}/how-indexes-work/complete"), &[])
        .await;
    assert!(done.status().is_success() || done.status().is_redirection());
    let answers = correct_answers_of(app, "databases-and-data-modeling").await;
    let fields: Vec<(&str, &str)> = answers
        .iter()
        .flat_map(|(field, values)| values.iter().map(|v| (field.as_str(), v.as_str())))
        .collect();
    // Graded, then redirected to the attempt's own page (post/redirect/get).
    let graded = learner.post_form(&format!("{MODULE}/quiz"), &fields).await;
    assert_eq!(graded.status(), StatusCode::SEE_OTHER);
    let attempt = graded.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap();
    pages.push(read(&learner, "quiz-result", attempt).await);
    for (name, path) in [
        ("dashboard", "/dashboard"),
        ("lesson-signed-in", &format!("{MODULE}/how-indexes-work")),
        ("quiz", &format!("{MODULE}/quiz")),
        (
            "sql-lab",
            &format!("{MODULE}/labs/join-orders-to-customers"),
        ),
        ("notes", "/notes"),
        ("settings", "/settings"),
        ("tokens", "/settings/tokens"),
        ("sign-in-methods", "/settings/sign-in"),
        ("two-factor", "/settings/two-factor"),
    ] {
        pages.push(read(&learner, name, path).await);
    }

    let admin = TestApp::client_only(app);
    admin.register("root@example.com", "Root", PASSWORD).await;
    sqlx::query("UPDATE users SET role = 'admin' WHERE email = 'root@example.com'")
        .execute(app.db.pool())
        .await
        .unwrap();
    let lesson = id_of(
        app,
        "SELECT id FROM lessons WHERE slug = $1",
        "how-indexes-work",
    )
    .await;
    for (name, path) in [
        ("admin", "/admin"),
        ("admin-content", "/admin/content"),
        ("admin-lessons", "/admin/lessons?q=index"),
        ("lesson-editor", &format!("/admin/lessons/{lesson}/edit")),
        ("admin-quizzes", "/admin/quizzes"),
        ("admin-users", "/admin/users"),
        ("admin-audit", "/admin/audit"),
        ("admin-archive", "/admin/content/import"),
    ] {
        pages.push(read(&admin, name, path).await);
    }
    pages
}

/// A page's name and HTML (the not-found page and a refused sign-in are among them).
async fn read(who: &TestApp, name: &str, path: &str) -> (String, String) {
    let response = who.get(path).await;
    let status = response.status();
    assert!(
        status == StatusCode::OK
            || status == StatusCode::NOT_FOUND
            || status == StatusCode::BAD_REQUEST,
        "{path}: {status}"
    );
    (name.to_owned(), response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_main_pages_validate_and_name_each_landmark_once() {
    // With sign-in providers, so the login and registration pages show their buttons.
    let app = TestApp::sqlite_with(crate::sso::with_providers).await;
    app.import_fixture().await;
    let pages = main_pages(&app).await;

    let mut problems = Vec::new();
    for (name, html) in &pages {
        for duplicate in duplicate_landmarks(html) {
            problems.push(format!("{name}: {duplicate}"));
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, html) in &pages {
        let file = dir.path().join(format!("{name}.html"));
        std::fs::write(&file, html).unwrap();
        files.push(file);
    }
    problems.extend(nu_errors(&files));
    assert!(
        problems.is_empty(),
        "{} pages checked:\n{}",
        pages.len(),
        problems.join("\n")
    );
}

/// Landmarks of one role that share an accessible name (a screen reader's list of regions
/// shows them as the same thing twice).
fn duplicate_landmarks(html: &str) -> Vec<String> {
    let document = Html::parse_document(html);
    let by_id = |id: &str| {
        let selector = Selector::parse(&format!("[id=\"{id}\"]")).unwrap();
        document
            .select(&selector)
            .next()
            .map(|e| e.text().collect::<String>())
            .unwrap_or_default()
    };
    let name_of = |e: &ElementRef| -> Option<String> {
        let value = e.value();
        let name = value.attr("aria-label").map(str::to_owned).or_else(|| {
            value.attr("aria-labelledby").map(|ids| {
                ids.split_whitespace()
                    .map(by_id)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
        })?;
        Some(name.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    let mut seen: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for (role, css) in [
        ("navigation", "nav, [role=navigation]"),
        ("region", "section, [role=region]"),
        ("complementary", "aside, [role=complementary]"),
        ("form", "form[aria-label], form[aria-labelledby]"),
        ("search", "search, [role=search]"),
    ] {
        for element in document.select(&Selector::parse(css).unwrap()) {
            // A section without a name is not a landmark.
            let name = name_of(&element).unwrap_or_default();
            if role == "region" && name.is_empty() {
                continue;
            }
            *seen.entry((role, name)).or_default() += 1;
        }
    }
    seen.into_iter()
        .filter(|(_, count)| *count > 1)
        .map(|((role, name), count)| format!("{count} {role} landmarks named {name:?}"))
        .collect()
}

/// The Nu HTML checker's errors on these files, one line each.
fn nu_errors(files: &[PathBuf]) -> Vec<String> {
    let output = Command::new("java")
        .args([
            "-jar",
            &vnu_jar(),
            "--errors-only",
            "--format",
            "json",
            "--exit-zero-always",
        ])
        .args(files)
        .output()
        .expect("java runs (Java 17: Debian's default-jre-headless; .ci/test installs it)");
    assert!(output.status.success(), "vnu failed: {output:?}");
    let report: serde_json::Value =
        serde_json::from_slice(&output.stderr).expect("vnu's JSON report");
    report["messages"]
        .as_array()
        .expect("vnu's messages")
        .iter()
        .map(|m| {
            let file = m["url"].as_str().unwrap_or_default();
            let file = file.rsplit('/').next().unwrap_or(file);
            format!(
                "{file}:{}: {} ({})",
                m["lastLine"],
                m["message"].as_str().unwrap_or_default(),
                m["extract"].as_str().unwrap_or_default().trim()
            )
        })
        .collect()
}

/// Where vnu.jar is: `GROUNDWORK_VNU_JAR`, or the pinned copy `.ci/ui-tools/install` keeps
/// (installed on first use, like the other tools the suite needs).
fn vnu_jar() -> String {
    if let Ok(jar) = std::env::var("GROUNDWORK_VNU_JAR") {
        return jar;
    }
    let install = Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/ui-tools/install"))
        .output()
        .expect("the UI tools install");
    assert!(
        install.status.success(),
        "installing vnu-jar failed: {}",
        String::from_utf8_lossy(&install.stderr)
    );
    let dir = String::from_utf8(install.stdout).unwrap();
    format!("{}/node_modules/vnu-jar/build/dist/vnu.jar", dir.trim())
}

async fn a_malformed_query_string_is_answered_in_plain_words(app: TestApp) {
    app.register("root@example.com", "Root", PASSWORD).await;
    sqlx::query("UPDATE users SET role = 'admin' WHERE email = 'root@example.com'")
        .execute(app.db.pool())
        .await
        .unwrap();
    for path in [
        "/admin/users?page=two",
        "/admin/audit?page=-",
        "/admin/lessons?page=1.5",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let body = response.text().await.unwrap();
        assert!(
            body.contains("This address has a “page” value the page cannot use."),
            "{path}: {body}"
        );
        assert!(!body.contains("deserialize"), "{path}: framework words");
    }
}
