//! The JSON API: personal access tokens from their page to their death, scopes, privacy
//! between learners, Idempotency-Key, conditional reads, Problem Details on every error, and an
//! OpenAPI document that lists every route. On the fixture curriculum.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::{
    accounts::PASSWORD,
    quizzes::correct_answers_of,
    support::{Page, TestApp, db_tests},
};

db_tests! {
    a_token_is_made_shown_once_used_and_revoked,
    an_expired_token_or_a_changed_account_stops_at_once,
    scopes_limit_what_a_token_may_do,
    cookies_never_authenticate_the_api_and_tokens_never_a_page,
    the_curriculum_reads_with_the_callers_progress,
    a_quiz_is_taken_through_the_api,
    another_learners_attempt_is_not_found,
    an_idempotency_key_replays_and_refuses_another_body,
    a_second_read_with_the_etag_is_not_modified,
    every_error_is_problem_details,
    the_rate_limit_is_kept_per_token_in_the_database,
    a_curriculum_archive_is_published_through_the_api_as_through_the_web,
    notes_bookmarks_and_the_data_export_are_the_callers_own,
}

const LESSON: &str = "/api/v1/paths/backend-foundations/how-backends-work/what-the-backend-does";
const ATTEMPTS: &str = "/api/v1/paths/backend-foundations/how-backends-work/quiz/attempts";

/// Registers `email` on `app` (a client of its own) and makes a token with `scopes` through the
/// settings page; returns the client and the token.
async fn learner_with_token(app: &TestApp, email: &str, scopes: &[&str]) -> (TestApp, String) {
    let learner = TestApp::client_only(app);
    learner.register(email, "Learner", PASSWORD).await;
    let token = make_token(&learner, "script", scopes).await;
    (learner, token)
}

async fn make_token(learner: &TestApp, name: &str, scopes: &[&str]) -> String {
    let mut fields = vec![("name", name), ("expires_in_days", "90")];
    fields.extend(scopes.iter().map(|scope| ("scope", *scope)));
    let response = learner.post_form("/settings/tokens", &fields).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let page = Page::from(response).await;
    let token = page
        .attrs("#new-token", "value")
        .pop()
        .expect("the new token is shown");
    assert!(token.starts_with("gw_") && token.len() == 67, "{token}");
    token
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app
        .new_client()
        .request(method, app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn get(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    call(app, Method::GET, path, token, None).await
}

/// Asserts a Problem Details answer with `status`, and returns its body.
async fn problem(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status, "{:?}", response.headers());
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    assert!(body["type"].as_str().is_some(), "{body}");
    body
}

async fn a_token_is_made_shown_once_used_and_revoked(app: TestApp) {
    app.import_fixture().await;
    let (ada, token) = learner_with_token(&app, "ada@example.com", &["read"]).await;
    // Stored only as its hash.
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, vec![groundwork::auth::tokens::hash(&token)]);

    let list = Page::from(ada.get("/settings/tokens").await).await;
    assert_eq!(list.text("tbody tr td:nth-child(4)"), "Never");
    assert_eq!(list.count("#new-token"), 0, "shown only once");

    let me = get(&app, "/api/v1/me", &token).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["email"], "ada@example.com");
    assert_eq!(me["token"]["scopes"], json!(["read"]));
    let list = Page::from(ada.get("/settings/tokens").await).await;
    assert_ne!(
        list.text("tbody tr td:nth-child(4)"),
        "Never",
        "last used is recorded"
    );

    let id: String = sqlx::query_scalar("SELECT id FROM api_tokens")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let revoked = ada
        .post_form(&format!("/settings/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(
        revoked.status(),
        StatusCode::SEE_OTHER,
        "redirected back to the list"
    );
    let refused = get(&app, "/api/v1/me", &token).await;
    assert_eq!(
        refused.headers()[header::WWW_AUTHENTICATE],
        "Bearer realm=\"groundwork\", error=\"invalid_token\""
    );
    problem(refused, StatusCode::UNAUTHORIZED).await;
    let list = Page::from(ada.get("/settings/tokens").await).await;
    assert!(list.text("tbody tr td:nth-child(5)").starts_with("Revoked"));

    // A bad form keeps what was typed and says what is wrong.
    let bad = ada
        .post_form(
            "/settings/tokens",
            &[("name", "keep me"), ("expires_in_days", "9999")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad = Page::from(bad).await;
    assert_eq!(bad.attrs("#name", "value"), vec!["keep me"]);
    assert_eq!(bad.count("#scope-error"), 1);
    assert_eq!(bad.count("#expires-error"), 1);
}

async fn an_expired_token_or_a_changed_account_stops_at_once(app: TestApp) {
    app.import_fixture().await;
    let (ada, expiring) = learner_with_token(&app, "ada@example.com", &["read"]).await;
    sqlx::query("UPDATE api_tokens SET expires_at = $1")
        .bind(groundwork::clock::now() - 1)
        .execute(app.db.pool())
        .await
        .unwrap();
    problem(
        get(&app, "/api/v1/me", &expiring).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    let promoted = make_token(&ada, "before promotion", &["read"]).await;
    assert_eq!(
        get(&app, "/api/v1/me", &promoted).await.status(),
        StatusCode::OK
    );
    sqlx::query("UPDATE users SET role = 'editor' WHERE email = 'ada@example.com'")
        .execute(app.db.pool())
        .await
        .unwrap();
    problem(
        get(&app, "/api/v1/me", &promoted).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    let deactivated = make_token(&ada, "before deactivation", &["read"]).await;
    assert_eq!(
        get(&app, "/api/v1/me", &deactivated).await.status(),
        StatusCode::OK
    );
    sqlx::query("UPDATE users SET active = FALSE WHERE email = 'ada@example.com'")
        .execute(app.db.pool())
        .await
        .unwrap();
    problem(
        get(&app, "/api/v1/me", &deactivated).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

async fn scopes_limit_what_a_token_may_do(app: TestApp) {
    app.import_fixture().await;
    let (ada, read) = learner_with_token(&app, "ada@example.com", &["read"]).await;
    let refused = call(
        &app,
        Method::PUT,
        &format!("{LESSON}/completion"),
        &read,
        None,
    )
    .await;
    assert!(
        refused.headers()[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .contains("error=\"insufficient_scope\", scope=\"write\"")
    );
    let body = problem(refused, StatusCode::FORBIDDEN).await;
    assert_eq!(body["type"], "/api#problem-insufficient-scope");

    let write = make_token(&ada, "writer", &["write"]).await;
    let done = call(
        &app,
        Method::PUT,
        &format!("{LESSON}/completion"),
        &write,
        None,
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
    // …but a write-only token cannot read.
    problem(get(&app, LESSON, &write).await, StatusCode::FORBIDDEN).await;

    // A learner is not offered the content scope, and cannot slip it in.
    let page = Page::from(ada.get("/settings/tokens").await).await;
    assert_eq!(page.count("#scope-content"), 0);
    let sneaky = ada
        .post_form(
            "/settings/tokens",
            &[
                ("name", "sneaky"),
                ("scope", "content"),
                ("expires_in_days", "90"),
            ],
        )
        .await;
    assert_eq!(sneaky.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn cookies_never_authenticate_the_api_and_tokens_never_a_page(app: TestApp) {
    app.import_fixture().await;
    let (ada, token) = learner_with_token(&app, "ada@example.com", &["read"]).await;
    // ada's client holds her session cookie.
    let with_cookie = ada.get("/api/v1/me").await;
    problem(with_cookie, StatusCode::UNAUTHORIZED).await;
    let page = app
        .new_client()
        .get(app.url("/dashboard"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert!(
        page.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
}

async fn the_curriculum_reads_with_the_callers_progress(app: TestApp) {
    app.import_fixture().await;
    let (_ada, token) = learner_with_token(&app, "ada@example.com", &["read", "write"]).await;
    let paths: Value = get(&app, "/api/v1/paths", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(paths["paths"][0]["slug"], "backend-foundations");
    assert_eq!(paths["paths"][0]["lessons_done"], 0);

    let lesson = get(&app, LESSON, &token).await;
    assert_eq!(lesson.status(), StatusCode::OK, "{:?}", lesson.text().await);
    let lesson: Value = get(&app, LESSON, &token).await.json().await.unwrap();
    assert!(lesson["html"].as_str().unwrap().contains("<p>"));
    assert!(!lesson["markdown"].as_str().unwrap().is_empty());
    assert_eq!(lesson["completion"]["done"], false);

    let done: Value = call(
        &app,
        Method::PUT,
        &format!("{LESSON}/completion"),
        &token,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(done["done"], true);
    assert_eq!(done["module_lessons_done"], 1);
    let outline: Value = get(&app, "/api/v1/paths/backend-foundations", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(outline["path"]["lessons_done"], 1);
    assert_eq!(outline["modules"][0]["state"], "in_progress");
    assert_eq!(outline["modules"][0]["lessons"][0]["done"], true);
    let module: Value = get(
        &app,
        "/api/v1/paths/backend-foundations/databases-and-data-modeling",
        &token,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(module["exercises"][0]["kind"], "sql");

    let undone: Value = call(
        &app,
        Method::DELETE,
        &format!("{LESSON}/completion"),
        &token,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(undone["done"], false);
    problem(
        get(
            &app,
            "/api/v1/paths/backend-foundations/no-such-module",
            &token,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

/// The quiz's correct answers as the API takes them (question id → values).
async fn correct_answers(app: &TestApp) -> Value {
    let answers = correct_answers_of(app, "how-backends-work").await;
    let map: serde_json::Map<String, Value> = answers
        .into_iter()
        .map(|(field, values)| (field.trim_start_matches('q').to_owned(), json!(values)))
        .collect();
    json!({ "answers": map })
}

async fn a_quiz_is_taken_through_the_api(app: TestApp) {
    app.import_fixture().await;
    let (_ada, token) = learner_with_token(&app, "ada@example.com", &["read", "write"]).await;
    let quiz = get(
        &app,
        "/api/v1/paths/backend-foundations/how-backends-work/quiz",
        &token,
    )
    .await;
    assert_eq!(quiz.status(), StatusCode::OK);
    let text = quiz.text().await.unwrap();
    assert!(
        !text.contains("\"correct\"") && !text.contains("explanation"),
        "{text}"
    );
    let quiz: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(quiz["questions"].as_array().unwrap().len(), 8);

    let wrong = call(
        &app,
        Method::POST,
        ATTEMPTS,
        &token,
        Some(json!({ "answers": {} })),
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::CREATED);
    let wrong: Value = wrong.json().await.unwrap();
    assert_eq!(wrong["passed"], false);
    assert!(
        !wrong["questions"][0]["explanation_html"]
            .as_str()
            .unwrap()
            .is_empty()
    );

    let right = call(
        &app,
        Method::POST,
        ATTEMPTS,
        &token,
        Some(correct_answers(&app).await),
    )
    .await;
    assert_eq!(right.status(), StatusCode::CREATED);
    let location = right.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let right: Value = right.json().await.unwrap();
    assert_eq!(
        (right["score"].clone(), right["passed"].clone()),
        (json!(100), json!(true))
    );
    assert_eq!(location, right["href"]);
    let again: Value = get(&app, &location, &token).await.json().await.unwrap();
    assert_eq!(again["id"], right["id"]);

    // Newest first, a page at a time, with a `next` link in the body and the header.
    let first = get(&app, "/api/v1/attempts?limit=1", &token).await;
    let link = first.headers()[header::LINK].to_str().unwrap().to_owned();
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["attempts"][0]["id"], right["id"]);
    let next = first["next"].as_str().unwrap();
    assert_eq!(link, format!("<{next}>; rel=\"next\""));
    let second: Value = get(&app, next, &token).await.json().await.unwrap();
    assert_eq!(second["attempts"][0]["id"], wrong["id"]);
    assert_eq!(second["next"], Value::Null);

    // The page shows the same attempts.
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quiz_attempts")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 2);
}

async fn another_learners_attempt_is_not_found(app: TestApp) {
    app.import_fixture().await;
    let (_ada, ada) = learner_with_token(&app, "ada@example.com", &["read", "write"]).await;
    let (_bob, bob) = learner_with_token(&app, "bob@example.com", &["read", "write"]).await;
    let attempt: Value = call(
        &app,
        Method::POST,
        ATTEMPTS,
        &ada,
        Some(json!({ "answers": {} })),
    )
    .await
    .json()
    .await
    .unwrap();
    let href = attempt["href"].as_str().unwrap();
    problem(get(&app, href, &bob).await, StatusCode::NOT_FOUND).await;
    let list: Value = get(&app, "/api/v1/attempts", &bob)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["attempts"], json!([]));
    assert_eq!(get(&app, href, &ada).await.status(), StatusCode::OK);
}

async fn an_idempotency_key_replays_and_refuses_another_body(app: TestApp) {
    app.import_fixture().await;
    let (_ada, token) = learner_with_token(&app, "ada@example.com", &["read", "write"]).await;
    let send = |body: Value| {
        let app = &app;
        let token = &token;
        async move {
            app.new_client()
                .post(app.url(ATTEMPTS))
                .bearer_auth(token)
                .header("Idempotency-Key", "retry-me-1")
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let first = send(json!({ "answers": {} })).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    let replay = send(json!({ "answers": {} })).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(
        replay.headers()[header::LOCATION],
        first["href"].as_str().unwrap()
    );
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay, first);

    let other = send(correct_answers(&app).await).await;
    let body = problem(other, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["type"], "/api#problem-idempotency-key-reused");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quiz_attempts")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 1, "one attempt for one key");
}

async fn a_second_read_with_the_etag_is_not_modified(app: TestApp) {
    app.import_fixture().await;
    let (_ada, token) = learner_with_token(&app, "ada@example.com", &["read", "write"]).await;
    let first = get(&app, LESSON, &token).await;
    let etag = first.headers()[header::ETAG].to_str().unwrap().to_owned();
    assert_eq!(first.headers()[header::CACHE_CONTROL], "private, no-cache");
    let conditional = |etag: String| {
        let app = &app;
        let token = &token;
        async move {
            app.new_client()
                .get(app.url(LESSON))
                .bearer_auth(token)
                .header(header::IF_NONE_MATCH, etag)
                .send()
                .await
                .unwrap()
        }
    };
    let second = conditional(etag.clone()).await;
    assert_eq!(second.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(second.headers()[header::ETAG], etag.as_str());
    assert!(second.bytes().await.unwrap().is_empty());

    // A change to what the read shows is a new ETag, so the old one gets the full answer.
    call(
        &app,
        Method::PUT,
        &format!("{LESSON}/completion"),
        &token,
        None,
    )
    .await;
    let changed = conditional(etag.clone()).await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(changed.headers()[header::ETAG], etag.as_str());
}

async fn every_error_is_problem_details(app: TestApp) {
    app.import_fixture().await;
    let (_ada, token) = learner_with_token(&app, "ada@example.com", &["read", "write"]).await;
    let client = app.new_client();

    let anonymous = client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(
        anonymous.headers()[header::WWW_AUTHENTICATE],
        "Bearer realm=\"groundwork\""
    );
    problem(anonymous, StatusCode::UNAUTHORIZED).await;
    let basic = client
        .get(app.url("/api/v1/me"))
        .basic_auth("ada", Some("x"))
        .send()
        .await
        .unwrap();
    problem(basic, StatusCode::UNAUTHORIZED).await;

    problem(
        get(&app, "/api/v1/no/such/thing", &token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let wrong_method = call(&app, Method::PATCH, "/api/v1/me", &token, None).await;
    assert!(
        wrong_method.headers()[header::ALLOW]
            .to_str()
            .unwrap()
            .contains("GET")
    );
    problem(wrong_method, StatusCode::METHOD_NOT_ALLOWED).await;

    let as_form = client
        .post(app.url(ATTEMPTS))
        .bearer_auth(&token)
        .form(&[("answers", "x")])
        .send()
        .await
        .unwrap();
    problem(as_form, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    let malformed = client
        .post(app.url(ATTEMPTS))
        .bearer_auth(&token)
        .header(header::CONTENT_TYPE, "application/json")
        .body("{\"answers\": ")
        .send()
        .await
        .unwrap();
    problem(malformed, StatusCode::BAD_REQUEST).await;
    let unknown = call(
        &app,
        Method::POST,
        ATTEMPTS,
        &token,
        Some(json!({ "answers": {}, "score": 100 })),
    )
    .await;
    let body = problem(unknown, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["pointer"], "#/score");
    let no_question = call(
        &app,
        Method::POST,
        ATTEMPTS,
        &token,
        Some(json!({ "answers": { "nope": ["1"] } })),
    )
    .await;
    let body = problem(no_question, StatusCode::CONFLICT).await;
    assert_eq!(body["type"], "/api#problem-quiz-changed");
    assert_eq!(body["errors"][0]["pointer"], "#/answers/nope");
    let huge = client
        .post(app.url(ATTEMPTS))
        .bearer_auth(&token)
        .header(header::CONTENT_TYPE, "application/json")
        .body(format!(
            "{{\"answers\": {{\"x\": [\"{}\"]}}}}",
            "a".repeat(300 * 1024)
        ))
        .send()
        .await
        .unwrap();
    problem(huge, StatusCode::PAYLOAD_TOO_LARGE).await;
    let bad_limit = get(&app, "/api/v1/attempts?limit=0", &token).await;
    let body = problem(bad_limit, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["parameter"], "limit");
    problem(
        get(&app, "/api/v1/attempts?cursor=zz", &token).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    problem(
        get(&app, "/api/v1/attempts?limit=many", &token).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

async fn the_rate_limit_is_kept_per_token_in_the_database(app: TestApp) {
    app.import_fixture().await;
    let (ada, token) = learner_with_token(&app, "ada@example.com", &["read"]).await;
    let other = make_token(&ada, "other", &["read"]).await;
    assert_eq!(
        get(&app, "/api/v1/me", &token).await.status(),
        StatusCode::OK
    );
    // As if this minute's allowance were used up, on any instance.
    sqlx::query("UPDATE api_tokens SET window_count = $1 WHERE token_hash = $2")
        .bind(app.state.config.api_rate_limit)
        .bind(groundwork::auth::tokens::hash(&token))
        .execute(app.db.pool())
        .await
        .unwrap();
    let limited = get(&app, "/api/v1/me", &token).await;
    let wait: i64 = limited.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    problem(limited, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(
        get(&app, "/api/v1/me", &other).await.status(),
        StatusCode::OK,
        "per token"
    );
}

/// Every route of the API is in the OpenAPI document: the document's paths answer their
/// documented methods (not 404), and a method the document does not list is refused with a
/// 405 whose `Allow` names exactly the documented ones. The source may add routes only
/// through `routes!` (which documents them); the three plain routes are the document itself,
/// the catch-all 404 and the reference page.
#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let app = TestApp::sqlite().await;
    app.import_fixture().await;
    let (_ada, token) = learner_with_token(&app, "ada@example.com", &["read"]).await;
    let document: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 9, "{paths:?}");
    for (template, item) in paths {
        assert!(template.starts_with("/api/v1/"), "{template}");
        let documented: BTreeSet<String> = item
            .as_object()
            .unwrap()
            .keys()
            .filter(|key| ["get", "put", "post", "delete", "patch"].contains(&key.as_str()))
            .map(|key| key.to_uppercase())
            .collect();
        let concrete = template
            .replace("{path}", "backend-foundations")
            .replace("{module}", "how-backends-work")
            .replace("{lesson}", "what-the-backend-does")
            .replace("{attempt}", "none");
        let probe = call(
            &app,
            Method::from_bytes(b"PATCH").unwrap(),
            &concrete,
            &token,
            None,
        )
        .await;
        if documented.contains("PATCH") {
            continue;
        }
        assert_eq!(probe.status(), StatusCode::METHOD_NOT_ALLOWED, "{template}");
        let allowed: BTreeSet<String> = probe.headers()[header::ALLOW]
            .to_str()
            .unwrap()
            .split(',')
            .map(|method| method.trim().to_owned())
            .filter(|method| method != "HEAD")
            .collect();
        assert_eq!(
            allowed, documented,
            "{template}: routed methods vs documented"
        );
    }

    for entry in std::fs::read_dir("src/api").unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        let plain = [".route(", ".route_service(", ".nest_service("]
            .iter()
            .map(|pattern| source.matches(pattern).count())
            .sum::<usize>();
        let allowed = if path.ends_with("mod.rs") { 3 } else { 0 };
        assert_eq!(
            plain,
            allowed,
            "{}: add API routes with routes!(…) so they are documented",
            path.display()
        );
    }
}

/// `/api` is rendered on the server from the document: every operation, its answers, the
/// problem types, without JavaScript.
#[tokio::test]
async fn the_reference_page_shows_every_operation_of_the_document() {
    let app = TestApp::sqlite().await;
    let document: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let page = app.get("/api").await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = Page::from(page).await;
    let headings = page.texts(".api-operation h3");
    let mut expected = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            expected.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    assert_eq!(
        headings.iter().collect::<BTreeSet<_>>(),
        expected.iter().collect::<BTreeSet<_>>()
    );
    assert!(page.count("#problem-validation-failed") == 1);
    assert!(page.count("#schema-ProblemBody") == 1);
    assert_eq!(page.count("script:not([src])"), 0);
}

async fn a_curriculum_archive_is_published_through_the_api_as_through_the_web(app: TestApp) {
    use groundwork::curriculum::archive as tar_gz;

    use crate::archive::{
        counts, editor_with_curriculum, lesson_titled, upload, with_new_lesson_title,
    };

    editor_with_curriculum(&app).await;
    let editor = make_token(&app, "ci publish", &["read", "content"]).await;
    let (_ada, learner) = learner_with_token(&app, "ada@example.com", &["read", "write"]).await;
    problem(
        get(&app, "/api/v1/content/archive", &learner).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let learner_import = app
        .new_client()
        .post(app.url("/api/v1/content/imports"))
        .bearer_auth(&learner)
        .header(header::CONTENT_TYPE, "application/gzip")
        .body(b"whatever".to_vec())
        .send()
        .await
        .unwrap();
    let body = problem(learner_import, StatusCode::FORBIDDEN).await;
    assert_eq!(body["detail"], "Only editors may change the curriculum.");

    let exported = get(&app, "/api/v1/content/archive", &editor).await;
    assert_eq!(exported.status(), StatusCode::OK);
    assert_eq!(exported.headers()[header::CONTENT_TYPE], "application/gzip");
    assert_eq!(exported.headers()[header::CACHE_CONTROL], "no-store");
    let tree = tar_gz::unpack(&exported.bytes().await.unwrap()).unwrap();
    let (changed, _) = with_new_lesson_title(tree, "Published from CI");
    let bytes = tar_gz::pack(&changed, 0).unwrap();

    let stage = |bytes: Vec<u8>, content_type: &'static str| {
        let app = &app;
        let editor = &editor;
        async move {
            app.new_client()
                .post(app.url("/api/v1/content/imports"))
                .bearer_auth(editor)
                .header(header::CONTENT_TYPE, content_type)
                .body(bytes)
                .send()
                .await
                .unwrap()
        }
    };
    // The web's dry run and the API's report the same.
    let web = Page::from(upload(&app, "changed.tar.gz", &bytes).await).await;
    let staged = stage(bytes.clone(), "application/gzip").await;
    assert_eq!(staged.status(), StatusCode::CREATED);
    let staged: Value = staged.json().await.unwrap();
    for row in staged["report"].as_array().unwrap() {
        let kind = row["kind"].as_str().unwrap();
        let numbers = |name: &str| row[name].as_u64().unwrap() as usize;
        assert_eq!(
            counts(&web, kind),
            (numbers("created"), numbers("updated"), numbers("unchanged")),
            "{kind}"
        );
    }
    assert_eq!(staged["summary"], "lessons: 0 created, 1 updated");
    assert_eq!(
        lesson_titled(&app, "Published from CI").await,
        0,
        "a dry run changes nothing"
    );

    let apply = staged["apply"].as_str().unwrap().to_owned();
    let applied = call(&app, Method::POST, &apply, &editor, None).await;
    assert_eq!(applied.status(), StatusCode::OK);
    let applied: Value = applied.json().await.unwrap();
    assert_eq!(applied["summary"], "lessons: 0 created, 1 updated");
    assert_eq!(lesson_titled(&app, "Published from CI").await, 1);
    let audited: Vec<(String, String)> =
        sqlx::query_as("SELECT actor_name, summary FROM audit_log WHERE action = 'content.import'")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(
        audited,
        vec![(
            "Edie".to_owned(),
            "lessons: 0 created, 1 updated".to_owned()
        )]
    );
    problem(
        call(&app, Method::POST, &apply, &editor, None).await,
        StatusCode::NOT_FOUND,
    )
    .await;

    let broken = problem(
        stage(b"not an archive".to_vec(), "application/gzip").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(broken["type"], "/api#problem-invalid-archive");
    problem(
        stage(bytes, "application/json").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
}

async fn notes_bookmarks_and_the_data_export_are_the_callers_own(app: TestApp) {
    app.import_fixture().await;
    let (ada, token) = learner_with_token(&app, "ada@example.com", &["read"]).await;
    let (_bob, bob) = learner_with_token(&app, "bob@example.com", &["read"]).await;
    let lessons = [
        "/paths/backend-foundations/how-backends-work/what-the-backend-does",
        "/paths/backend-foundations/how-backends-work/the-request-lifecycle",
        "/paths/backend-foundations/databases-and-data-modeling/schema-design",
    ];
    for (i, lesson) in lessons.iter().enumerate() {
        let saved = ada
            .post_form(
                &format!("{lesson}/note"),
                &[("note", &format!("Note **{i}**"))],
            )
            .await;
        assert!(saved.status().is_redirection() || saved.status().is_success());
        ada.post_form(&format!("{lesson}/bookmark"), &[]).await;
    }

    // Two pages of notes: every note once, the last page without `next`.
    let first: Value = get(&app, "/api/v1/notes?limit=2", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let next = first["next"].as_str().unwrap();
    let second: Value = get(&app, next, &token).await.json().await.unwrap();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["next"], Value::Null);
    let mut seen: Vec<String> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|item| item["page"].as_str().unwrap().to_owned())
        .collect();
    seen.sort();
    let mut expected: Vec<String> = lessons.iter().map(|l| (*l).to_owned()).collect();
    expected.sort();
    assert_eq!(seen, expected);
    assert!(
        first["items"][0]["html"]
            .as_str()
            .unwrap()
            .contains("<strong>")
    );

    let bookmarks: Value = get(&app, "/api/v1/bookmarks", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(bookmarks["items"].as_array().unwrap().len(), 3);
    assert_eq!(bookmarks["items"][0]["markdown"], Value::Null);

    // Another learner sees none of it.
    let theirs: Value = get(&app, "/api/v1/notes", &bob).await.json().await.unwrap();
    assert_eq!(theirs["items"], json!([]));

    // The export is the settings page's document.
    let exported = get(&app, "/api/v1/export", &token).await;
    assert_eq!(exported.headers()[header::CACHE_CONTROL], "no-store");
    let exported: Value = exported.json().await.unwrap();
    let download: Value = ada.get("/settings/export").await.json().await.unwrap();
    assert_eq!(exported["format"], "groundwork-account-export/1");
    for part in [
        "account",
        "notes",
        "bookmarks",
        "lesson_completions",
        "quiz_attempts",
        "certificates",
    ] {
        assert_eq!(exported[part], download[part], "{part}");
    }
    assert_eq!(exported["notes"].as_array().unwrap().len(), 3);
}
