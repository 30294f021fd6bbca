//! The SQL lab: runs show what differs and then the pass, hostile SQL is refused while the
//! server stays responsive, the index check reads the query plan, attempts are private and
//! a passed exercise counts toward progress. On the fixture curriculum, except the last test,
//! which grades bundled exercises against the mistakes they are written to catch.

use std::time::{Duration, Instant};

use groundwork::curriculum::files;
use groundwork::grading::sql::{self, SqlSpec};
use reqwest::{StatusCode, header};

use crate::{
    accounts::PASSWORD,
    support::{Page, TestApp, db_tests},
};

const MODULE: &str = "/paths/backend-foundations/databases-and-data-modeling";
const JOIN: &str =
    "/paths/backend-foundations/databases-and-data-modeling/labs/join-orders-to-customers";
const INDEX: &str =
    "/paths/backend-foundations/databases-and-data-modeling/labs/index-for-a-lookup";
const WRONG_JOIN: &str =
    "SELECT o.id AS order_id, c.name FROM orders o, customers c WHERE c.id = 1";
const RIGHT_JOIN: &str =
    "SELECT o.id AS order_id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id";

db_tests! {
    a_wrong_join_shows_what_differs_and_a_right_one_passes_without_javascript,
    an_htmx_run_gets_the_result_in_place,
    hostile_sql_is_refused_cleanly,
    twenty_attacks_at_once_leave_the_server_responsive,
    the_index_exercise_passes_only_when_the_query_uses_the_index,
    the_expected_result_is_offered_after_three_failed_tries,
    lab_attempts_are_private_to_their_learner,
    resetting_a_module_clears_its_lab_attempts,
    anonymous_visitors_are_sent_to_log_in_for_a_lab,
    a_passed_exercise_counts_toward_the_module_and_the_certificate,
    an_http_exercise_is_solved_through_the_form_after_a_wrong_request,
    a_bad_http_request_is_refused_before_sending_and_not_stored,
}

const API_MODULE: &str = "/paths/backend-foundations/apis-and-service-communication";
const CREATE_TASK: &str =
    "/paths/backend-foundations/apis-and-service-communication/labs/create-a-task";

async fn send_http(app: &TestApp, headers: &str, body: &str) -> reqwest::Response {
    app.post_form(
        CREATE_TASK,
        &[
            ("method", "POST"),
            ("path", "/api/tasks"),
            ("headers", headers),
            ("body", body),
        ],
    )
    .await
}

async fn an_http_exercise_is_solved_through_the_form_after_a_wrong_request(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let fresh = Page::from(app.get(CREATE_TASK).await).await;
    assert_eq!(fresh.text("#result-title"), "No requests yet");
    assert_eq!(
        fresh.attrs("select#method option[selected]", "value"),
        ["GET"]
    );

    let untyped = send_http(
        &app,
        "Authorization: Bearer learner-token",
        r#"{"title": "Learn HTTP"}"#,
    )
    .await;

    assert_eq!(untyped.status(), StatusCode::SEE_OTHER);
    let page = Page::from(app.get(CREATE_TASK).await).await;
    assert_eq!(page.text("#result-title"), "Not yet: 415");
    assert!(
        page.text(".raw-request")
            .starts_with("POST /api/tasks HTTP/1.1")
    );
    assert!(
        page.text(".raw-response")
            .starts_with("HTTP/1.1 415 Unsupported Media Type")
    );
    assert!(!page.text(".feedback").is_empty());

    send_http(
        &app,
        "Authorization: Bearer learner-token\nContent-Type: application/json",
        r#"{"title": "Learn HTTP"}"#,
    )
    .await;

    let page = Page::from(app.get(CREATE_TASK).await).await;
    assert_eq!(page.text("#result-title"), "Passed: goal reached");
    assert!(
        page.text(".raw-response")
            .starts_with("HTTP/1.1 201 Created")
    );
    assert_eq!(
        page.attrs("select#method option[selected]", "value"),
        ["POST"]
    );
    let module = Page::from(app.get(API_MODULE).await).await;
    assert_eq!(module.texts(".lab-list li.done a"), ["Create a task"]);
    let link = page.attrs(".lab-result a[href*='/attempts/']", "href");
    let grace = TestApp::client_only(&app);
    grace.register("grace@example.com", "Grace", PASSWORD).await;
    assert_eq!(grace.get(&link[0]).await.status(), StatusCode::NOT_FOUND);
    let theirs = Page::from(grace.get(CREATE_TASK).await).await;
    assert_eq!(theirs.text("#result-title"), "No requests yet");
}

async fn a_bad_http_request_is_refused_before_sending_and_not_stored(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let token = app.csrf_token().await;

    let plain = send_http(&app, "Authorization Bearer learner-token", "{}").await;
    let htmx = app
        .client
        .post(app.url(CREATE_TASK))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", &token)
        .form(&[
            ("method", "GET"),
            ("path", "http://example.com/"),
            ("headers", ""),
            ("body", ""),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(plain.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from(plain).await;
    assert!(page.text(".sql-error").contains("Line 1"));
    assert_eq!(
        page.text("textarea#headers"),
        "Authorization Bearer learner-token"
    );
    assert_eq!(htmx.status(), StatusCode::OK);
    let fragment = Page::parse(&htmx.text().await.unwrap());
    assert_eq!(fragment.text("#result-title"), "Not sent");
    assert_eq!(lab_attempts(&app).await, 0);
}

async fn run(app: &TestApp, exercise: &str, sql: &str) -> reqwest::Response {
    app.post_form(exercise, &[("sql", sql)]).await
}

/// Runs `sql` the way htmx does and returns the result fragment.
async fn run_htmx(app: &TestApp, token: &str, exercise: &str, sql: &str) -> reqwest::Response {
    app.client
        .post(app.url(exercise))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", token)
        .form(&[("sql", sql)])
        .send()
        .await
        .unwrap()
}

fn fixture_modules() -> Vec<files::ModuleDoc> {
    crate::support::fixture()
        .paths
        .into_iter()
        .next()
        .expect("a fixture path")
        .modules
}

fn exercises_in(module: &files::ModuleDoc) -> usize {
    module.labs.as_ref().map_or(0, |labs| labs.exercises.len())
}

/// Lessons plus lab exercises of a fixture module: what its progress bar counts.
fn items_in_module(slug: &str) -> usize {
    let modules = fixture_modules();
    let module = modules
        .iter()
        .find(|module| module.meta.slug == slug)
        .expect("the fixture module exists");
    module.lessons.len() + exercises_in(module)
}

/// Lab exercises in the whole fixture path.
fn exercises_in_path() -> usize {
    fixture_modules().iter().map(exercises_in).sum()
}

async fn lab_attempts(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM lab_attempts")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn a_wrong_join_shows_what_differs_and_a_right_one_passes_without_javascript(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let fresh = Page::from(app.get(JOIN).await).await;
    assert_eq!(fresh.text("#result-title"), "No runs yet");
    assert_eq!(fresh.count("form textarea[name=sql]"), 1);

    let wrong = run(&app, JOIN, WRONG_JOIN).await;

    assert_eq!(wrong.status(), StatusCode::SEE_OTHER);
    assert_eq!(wrong.headers()[header::LOCATION], JOIN);
    let page = Page::from(app.get(JOIN).await).await;
    assert!(page.text("#result-title").starts_with("Not yet"));
    assert!(page.text(".missing-title").starts_with("Missing rows (7)"));
    assert!(page.text(".extra-title").starts_with("Extra rows (7)"));
    assert_eq!(page.count("table.missing tr"), 7);
    assert_eq!(page.text("textarea[name=sql]"), WRONG_JOIN);
    assert_eq!(page.count(".reveal"), 0, "no answer before a pass");

    run(&app, JOIN, RIGHT_JOIN).await;

    let page = Page::from(app.get(JOIN).await).await;
    assert!(page.text("#result-title").starts_with("Passed"));
    assert_eq!(page.count("#diff"), 0);
    assert_eq!(page.count(".lab-result > .table-scroll tbody tr"), 9);
    assert_eq!(page.count(".reveal"), 1, "the expected result after a pass");
    assert_eq!(lab_attempts(&app).await, 2);
    let module = Page::from(app.get(MODULE).await).await;
    let done = module.texts(".lab-list li.done a");
    assert_eq!(done, ["JOIN: who placed each order"]);
    assert_eq!(module.attrs("#module-lessons-progress", "value"), ["1"]);
    assert_eq!(
        module.attrs("#module-lessons-progress", "max"),
        [items_in_module("databases-and-data-modeling").to_string()]
    );
    let dashboard = Page::from(app.get("/dashboard").await).await;
    assert_eq!(
        dashboard.text(".lab-progress"),
        format!("1 of {} lab exercises passed", exercises_in_path())
    );
}

async fn an_htmx_run_gets_the_result_in_place(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let token = app.csrf_token().await;

    let response = run_htmx(&app, &token, JOIN, RIGHT_JOIN).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .headers()
            .get_all(header::VARY)
            .iter()
            .any(|v| v.to_str().unwrap().contains("hx-request"))
    );
    let body = response.text().await.unwrap();
    assert!(!body.contains("<html"), "a fragment, not a page");
    let fragment = Page::parse(&body);
    assert!(fragment.text("#result-title").starts_with("Passed"));
    assert_eq!(fragment.count(".reveal"), 1);
}

async fn hostile_sql_is_refused_cleanly(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let token = app.csrf_token().await;
    let huge = format!("SELECT '{}'", "x".repeat(1_000_000));
    let attacks: [(&str, &str); 8] = [
        ("ATTACH DATABASE '/tmp/stolen.db' AS stolen", "ATTACH"),
        ("PRAGMA writable_schema = ON", "PRAGMA"),
        (
            "DELETE FROM customers",
            "Not allowed in this exercise: deleting from customers",
        ),
        ("SELECT load_extension('/tmp/evil.so')", "load_extension"),
        (
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n",
            "time limit",
        ),
        (
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3163) \
             SELECT a.x AS order_id, b.x AS name FROM n a CROSS JOIN n b",
            "more than 500 rows",
        ),
        (
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100000) \
             SELECT count(*) FROM n a CROSS JOIN n b",
            "time limit",
        ),
        (&huge, "the limit is 10000"),
    ];
    for (sql, refusal) in attacks {
        let started = Instant::now();
        let response = run_htmx(&app, &token, JOIN, sql).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.text().await.unwrap();
        let fragment = Page::parse(&body);
        assert_eq!(fragment.count(".sql-error"), 1, "{refusal}: {body}");
        let error = fragment.text(".sql-error");
        assert!(error.contains(refusal), "{refusal}: {error}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{refusal} took too long"
        );
    }
    let customers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lab_attempts")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(customers, 8, "every refusal is stored as a failed attempt");
    let stored: i64 = sqlx::query_scalar("SELECT MAX(LENGTH(input)) FROM lab_attempts")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(stored <= 10_000, "a huge statement is not stored whole");
    assert!(!std::path::Path::new("/tmp/stolen.db").exists());
}

async fn twenty_attacks_at_once_leave_the_server_responsive(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let token = app.csrf_token().await;
    let huge = format!("SELECT '{}'", "x".repeat(1_000_000));
    let kinds: [(&str, &str); 5] = [
        (
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n",
            "time limit",
        ),
        (
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100000) \
             SELECT count(*) FROM n a CROSS JOIN n b",
            "time limit",
        ),
        ("ATTACH DATABASE '/tmp/stolen.db' AS stolen", "ATTACH"),
        ("PRAGMA writable_schema = ON", "PRAGMA"),
        (&huge, "the limit is"),
    ];

    let attacks: Vec<_> = (0..20)
        .map(|i| {
            let (sql, refusal) = kinds[i % kinds.len()];
            let request = app
                .client
                .post(app.url(JOIN))
                .header("HX-Request", "true")
                .header("X-CSRF-Token", &token)
                .form(&[("sql", sql)]);
            let refusal = refusal.to_owned();
            tokio::spawn(async move {
                let response = request.send().await.unwrap();
                let status = response.status();
                let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
                let body = response.text().await.unwrap();
                (status, retry_after, body, refusal)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let page = app.get(MODULE).await;
    let answered_in = started.elapsed();

    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        answered_in < Duration::from_secs(2),
        "a normal page took {answered_in:?} while attacks ran"
    );
    let mut graded = 0;
    for attack in attacks {
        let (status, retry_after, body, refusal) = attack.await.unwrap();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            // More runs than the pool admits: refused as busy, with a time to come back.
            assert!(retry_after.is_some(), "a busy answer says when to retry");
            assert!(body.contains("busy"), "{body}");
            continue;
        }
        graded += 1;
        let error = Page::parse(&body).text(".sql-error");
        assert!(error.contains(&refusal), "{refusal}: {error}");
    }
    assert!(graded >= 10, "the pool and its queue took {graded} of 20");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lab_attempts")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, graded, "busy answers store no attempt");
    let normal = run_htmx(&app, &token, JOIN, RIGHT_JOIN).await;
    let normal = Page::parse(&normal.text().await.unwrap());
    assert!(
        normal.text("#result-title").starts_with("Passed"),
        "the lab works afterwards"
    );
}

async fn the_index_exercise_passes_only_when_the_query_uses_the_index(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let token = app.csrf_token().await;

    let unrelated = run_htmx(
        &app,
        &token,
        INDEX,
        "CREATE INDEX orders_status ON orders (status)",
    )
    .await;
    let unrelated = Page::parse(&unrelated.text().await.unwrap());
    let select = run_htmx(
        &app,
        &token,
        INDEX,
        "SELECT id FROM orders WHERE customer_id = 4",
    )
    .await;
    let select = Page::parse(&select.text().await.unwrap());
    let fitting = run_htmx(
        &app,
        &token,
        INDEX,
        "CREATE INDEX by_customer ON orders (customer_id, status)",
    )
    .await;
    let fitting = Page::parse(&fitting.text().await.unwrap());

    assert!(unrelated.text("#result-title").starts_with("Not yet"));
    assert!(
        unrelated
            .texts(".checks .wrong")
            .join(" ")
            .contains("still scans orders")
    );
    assert!(
        select.text("#result-title").starts_with("Not yet"),
        "reading alone is not enough"
    );
    assert!(fitting.text("#result-title").starts_with("Passed"));
    assert!(
        fitting
            .texts(".checks .right")
            .join(" ")
            .contains("by_customer")
    );
}

async fn the_expected_result_is_offered_after_three_failed_tries(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    for _ in 0..2 {
        run(&app, JOIN, WRONG_JOIN).await;
    }
    let early = Page::from(app.get(&format!("{JOIN}?reveal=1")).await).await;
    assert_eq!(early.count("#reveal-link"), 0);
    assert_eq!(early.count(".reveal"), 0, "not after two tries");

    run(&app, JOIN, "SELEC oops").await;

    let page = Page::from(app.get(JOIN).await).await;
    assert_eq!(
        page.attrs("#reveal-link", "href"),
        [format!("{JOIN}?reveal=1")]
    );
    let revealed = Page::from(app.get(&format!("{JOIN}?reveal=1")).await).await;
    assert_eq!(revealed.count(".reveal tbody tr"), 9);
    assert!(revealed.text(".reveal pre").contains("JOIN customers"));
}

async fn lab_attempts_are_private_to_their_learner(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    run(&app, JOIN, RIGHT_JOIN).await;
    let ada = Page::from(app.get(JOIN).await).await;
    let link = ada.attrs(".lab-result a[href*='/attempts/']", "href");
    assert_eq!(link.len(), 1);
    assert_eq!(app.get(&link[0]).await.status(), StatusCode::OK);
    let export: serde_json::Value = app.get("/settings/export").await.json().await.unwrap();
    assert_eq!(export["lab_attempts"][0]["passed"], true);
    assert_eq!(export["lab_attempts"][0]["input"], RIGHT_JOIN);

    let grace = TestApp::client_only(&app);
    grace.register("grace@example.com", "Grace", PASSWORD).await;

    assert_eq!(grace.get(&link[0]).await.status(), StatusCode::NOT_FOUND);
    let page = Page::from(grace.get(JOIN).await).await;
    assert_eq!(page.text("#result-title"), "No runs yet");
    let module = Page::from(grace.get(MODULE).await).await;
    assert_eq!(module.count(".lab-list li.done"), 0);
    let export: serde_json::Value = grace.get("/settings/export").await.json().await.unwrap();
    assert_eq!(export["lab_attempts"], serde_json::json!([]));
}

async fn resetting_a_module_clears_its_lab_attempts(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    run(&app, JOIN, RIGHT_JOIN).await;
    assert_eq!(lab_attempts(&app).await, 1);

    let reset = app.post_form(&format!("{MODULE}/reset"), &[]).await;

    assert_eq!(reset.status(), StatusCode::SEE_OTHER);
    assert_eq!(lab_attempts(&app).await, 0);
}

async fn anonymous_visitors_are_sent_to_log_in_for_a_lab(app: TestApp) {
    app.import_fixture().await;
    let page = app.get(JOIN).await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert!(
        page.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login?next=")
    );
    let missing = app.get(&format!("{MODULE}/labs/no-such-exercise")).await;
    assert!(matches!(
        missing.status(),
        StatusCode::SEE_OTHER | StatusCode::NOT_FOUND
    ));
    assert_eq!(lab_attempts(&app).await, 0);
}

/// One module with one lesson and one SQL exercise, no quiz.
fn tiny_path() -> files::Curriculum {
    let mut tree = files::Tree::new();
    let id = |n: u32| format!("00000000-0000-4000-8000-{n:012}");
    tree.insert(
        "t/path.toml".into(),
        format!(
            "uuid = \"{}\"\nslug = \"t\"\ntitle = \"Tiny\"\nsummary = \"S\"\nposition = 1\n",
            id(1)
        ),
    );
    tree.insert(
        "t/01-one/module.toml".into(),
        format!(
            "uuid = \"{}\"\nslug = \"one\"\ntitle = \"One\"\nsummary = \"S\"\nposition = 1\n",
            id(2)
        ),
    );
    tree.insert(
        "t/01-one/01-lesson.md".into(),
        format!("+++\nuuid = \"{}\"\nslug = \"lesson\"\ntitle = \"L\"\nsummary = \"S\"\nposition = 1\n+++\n\nText.\n", id(3)),
    );
    tree.insert(
        "t/01-one/labs.toml".into(),
        format!(
            "[datasets]\nnumbers = \"CREATE TABLE n (x INTEGER); INSERT INTO n VALUES (1), (2), (3);\"\n\
             [[exercises]]\nuuid = \"{}\"\nslug = \"sum\"\ntitle = \"Sum\"\nposition = 1\nkind = \"sql\"\nprompt = \"Add them up.\"\n\
             [exercises.sql]\ndataset = \"numbers\"\nsolution = \"SELECT SUM(x) AS total FROM n\"\n",
            id(4)
        ),
    );
    files::parse(&tree).unwrap()
}

async fn a_passed_exercise_counts_toward_the_module_and_the_certificate(app: TestApp) {
    app.import(&tiny_path()).await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    app.post_form("/paths/t/one/lesson/complete", &[]).await;
    let certificates = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM certificates")
            .fetch_one(app.db.pool())
            .await
            .unwrap()
    };
    assert_eq!(certificates().await, 0, "the exercise is not passed yet");
    let outline = Page::from(app.get("/paths/t").await).await;
    assert_eq!(outline.attrs("#progress-one", "value"), ["1"]);
    assert_eq!(outline.attrs("#progress-one", "max"), ["2"]);

    run(&app, "/paths/t/one/labs/sum", "SELECT 6 AS total").await;
    assert_eq!(
        certificates().await,
        1,
        "a constant happens to match: that passes too"
    );

    let module = Page::from(app.get("/paths/t/one").await).await;
    assert_eq!(module.text(".module-progress .state"), "Done");
    assert_eq!(module.attrs("#module-lessons-progress", "value"), ["2"]);
}

/// A bundled SQL exercise, as the import stores it (the dataset's SQL resolved).
fn bundled_sql(slug: &str) -> SqlSpec {
    crate::support::bundled().paths[0]
        .modules
        .iter()
        .filter_map(|module| module.labs.as_ref())
        .find_map(|labs| {
            let exercise = labs.exercises.iter().find(|e| e.slug == slug)?;
            labs.sql_spec(exercise)
        })
        .unwrap_or_else(|| panic!("no bundled SQL exercise {slug}"))
}

/// The bundled exercises written against one mistake each refuse it, and their reference
/// solution still passes (the import checks only the second half).
#[test]
fn bundled_sql_exercises_refuse_the_mistakes_they_are_written_against() {
    let mistakes = [
        (
            "transfer-in-a-transaction",
            "an unguarded debit",
            "BEGIN; UPDATE accounts SET balance_cents = balance_cents - 2500 WHERE id = 1; \
             UPDATE accounts SET balance_cents = balance_cents + 2500 WHERE id = 3; \
             INSERT INTO transfers (from_id, to_id, amount_cents) VALUES (1, 3, 2500); COMMIT;",
        ),
        (
            "transfer-in-a-transaction",
            "a guarded debit whose credit and record happen anyway",
            "BEGIN; UPDATE accounts SET balance_cents = balance_cents - 2500 WHERE id = 1 AND balance_cents >= 2500; \
             UPDATE accounts SET balance_cents = balance_cents + 2500 WHERE id = 3; \
             INSERT INTO transfers (from_id, to_id, amount_cents) VALUES (1, 3, 2500); COMMIT;",
        ),
        (
            "transfer-in-a-transaction",
            "a guard that refuses to spend the whole balance",
            "BEGIN; UPDATE accounts SET balance_cents = balance_cents - 2500 WHERE id = 1 AND balance_cents > 2500; \
             UPDATE accounts SET balance_cents = balance_cents + 2500 WHERE id = 3 AND changes() = 1; \
             INSERT INTO transfers (from_id, to_id, amount_cents) SELECT 1, 3, 2500 WHERE changes() = 1; COMMIT;",
        ),
        (
            "a-dataloader-batch-query",
            "IN (…): the database's order, and the missing key dropped",
            "SELECT id, name FROM users WHERE id IN (SELECT value FROM json_each(:ids))",
        ),
        (
            "a-dataloader-batch-query",
            "an inner join, which drops the missing key",
            "SELECT k.value AS id, u.name FROM json_each(:ids) AS k JOIN users AS u ON u.id = k.value ORDER BY k.key",
        ),
        (
            "find-the-hashes-to-upgrade",
            "$argon2i% also matches $argon2id",
            "SELECT id, email FROM users WHERE password_hash NOT LIKE '$argon2i%' \
             OR CAST(substr(password_hash, instr(password_hash, 'm=') + 2) AS INTEGER) < 19456 \
             OR CAST(substr(password_hash, instr(password_hash, 't=') + 2) AS INTEGER) < 2",
        ),
        (
            "find-the-hashes-to-upgrade",
            "anything but today's exact parameters, which would weaken the stronger hash",
            "SELECT id, email FROM users WHERE password_hash NOT LIKE '$argon2id$v=19$m=19456,t=2,p=1$%'",
        ),
        (
            "accept-only-valid-tokens",
            "the token chooses its algorithm",
            "SELECT id FROM arrivals WHERE signature_ok = 1 AND iss = 'https://auth.example.com' \
             AND aud = 'orders-api' AND exp > :now AND (nbf IS NULL OR nbf <= :now)",
        ),
        (
            "accept-only-valid-tokens",
            "an issuer matched by prefix",
            "SELECT id FROM arrivals WHERE signature_ok = 1 AND alg = 'ES256' \
             AND iss LIKE 'https://auth.example.com%' AND aud = 'orders-api' \
             AND exp > :now AND (nbf IS NULL OR nbf <= :now)",
        ),
        (
            "accept-only-valid-tokens",
            "a token still valid at its exp second",
            "SELECT id FROM arrivals WHERE signature_ok = 1 AND alg = 'ES256' \
             AND iss = 'https://auth.example.com' AND aud = 'orders-api' \
             AND exp >= :now AND (nbf IS NULL OR nbf <= :now)",
        ),
        (
            "accept-only-valid-tokens",
            "a token without exp accepted",
            "SELECT id FROM arrivals WHERE signature_ok = 1 AND alg = 'ES256' \
             AND iss = 'https://auth.example.com' AND aud = 'orders-api' \
             AND (exp IS NULL OR exp > :now) AND (nbf IS NULL OR nbf <= :now)",
        ),
    ];
    for (slug, mistake, sql) in mistakes {
        let spec = bundled_sql(slug);
        assert!(
            sql::grade(&spec, &spec.exercise.solution).passed,
            "{slug}: the reference solution passes"
        );
        let outcome = sql::grade(&spec, sql);
        assert!(!outcome.passed, "{slug} accepts {mistake}: {outcome:?}");
    }
}
