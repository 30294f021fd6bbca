//! The HTTP lab's practice API, driven through `grading::http::send` as the lab page does, on both
//! databases: statuses, per-learner isolation, refusals, and the bundled exercises' goals.

use groundwork::grading::http::{self, Exchange, Goal, PracticeRequest, PracticeResponse};
use serde::Deserialize;
use serde_json::Value;

use crate::support::{TestApp, db_tests};

const TOKEN: &str = "learner-token";
const READ_ONLY: &str = "read-only-token";

/// A registered learner (inserted directly: these tests are about the lab, not sign-up).
async fn learner(app: &TestApp, name: &str) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, role, active, created_at, updated_at) \
         VALUES ($1, $2, $3, 'x', 'learner', $4, 0, 0)",
    )
    .bind(&id)
    .bind(format!("{name}@example.com"))
    .bind(name)
    .bind(true)
    .execute(app.db.pool())
    .await
    .expect("the learner is inserted");
    id
}

/// A request with an optional bearer token and, when there is a body, the JSON content type.
fn request(method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> PracticeRequest {
    let mut headers = Vec::new();
    if let Some(token) = token {
        headers.push(("Authorization".to_owned(), format!("Bearer {token}")));
    }
    if body.is_some() {
        headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
    }
    PracticeRequest {
        method: method.into(),
        path: path.into(),
        headers,
        body: body.unwrap_or("").into(),
    }
}

async fn send(app: &TestApp, learner: &str, request: &PracticeRequest) -> PracticeResponse {
    http::send(&app.db, learner, request)
        .await
        .unwrap_or_else(|error| panic!("{} {} was refused: {error}", request.method, request.path))
}

fn json(response: &PracticeResponse) -> Value {
    serde_json::from_str(&response.body).unwrap_or_else(|_| panic!("not JSON: {}", response.body))
}

fn header<'a>(response: &'a PracticeResponse, name: &str) -> Option<&'a str> {
    response
        .headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

fn titles(response: &PracticeResponse) -> Vec<String> {
    json(response)["data"]
        .as_array()
        .expect("a data array")
        .iter()
        .map(|task| task["title"].as_str().unwrap().to_owned())
        .collect()
}

db_tests!(
    a_learner_creates_reads_replaces_patches_and_deletes_a_task,
    learners_see_and_change_only_their_own_tasks,
    the_api_answers_each_documented_error_status,
    the_task_list_is_paginated_with_meta_and_link_headers,
    more_than_twenty_requests_a_minute_answer_429_with_retry_after,
    a_learner_cannot_keep_more_than_200_tasks,
    urls_other_hosts_and_oversize_requests_are_refused_before_sending,
    reset_brings_back_the_starter_tasks,
    each_problem_type_uri_documents_its_problem,
    a_task_carries_an_etag_for_conditional_reads_and_writes,
    a_method_the_path_does_not_answer_is_405_with_allow,
    a_post_with_an_idempotency_key_creates_once_and_replays_the_answer,
    only_the_front_end_origin_gets_cors_headers_and_cors_is_not_access_control,
    a_cookie_session_changes_tasks_only_with_its_csrf_token,
    head_answers_like_get_without_the_body,
    each_bundled_exercise_is_met_by_its_model_solution_and_not_by_a_wrong_one,
);

async fn a_learner_creates_reads_replaces_patches_and_deletes_a_task(app: TestApp) {
    let ada = learner(&app, "ada").await;

    let created = send(
        &app,
        &ada,
        &request(
            "POST",
            "/api/tasks",
            Some(TOKEN),
            Some(r#"{"title": "Write tests"}"#),
        ),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let task = json(&created);
    let id = task["id"].as_i64().unwrap();
    let location = format!("/api/tasks/{id}");
    assert_eq!(header(&created, "location"), Some(location.as_str()));
    assert_eq!(task["done"], false);
    assert_eq!(task["priority"], "normal");

    let read = send(
        &app,
        &ada,
        &request("GET", &location, Some(READ_ONLY), None),
    )
    .await;
    assert_eq!(read.status, 200);
    assert_eq!(json(&read)["title"], "Write tests");

    let replaced = send(
        &app,
        &ada,
        &request(
            "PUT",
            &location,
            Some(TOKEN),
            Some(r#"{"title": "Write more tests", "done": false, "priority": "high"}"#),
        ),
    )
    .await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(json(&replaced)["priority"], "high");

    let patched = send(
        &app,
        &ada,
        &request("PATCH", &location, Some(TOKEN), Some(r#"{"done": true}"#)),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let patched = json(&patched);
    assert_eq!(patched["done"], true);
    assert_eq!(
        patched["title"], "Write more tests",
        "PATCH keeps other fields"
    );

    let head = send(&app, &ada, &request("HEAD", &location, Some(TOKEN), None)).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "HEAD has no body");

    let options = send(&app, &ada, &request("OPTIONS", "/api/tasks", None, None)).await;
    assert_eq!(options.status, 204);
    assert!(header(&options, "allow").unwrap().contains("POST"));

    let deleted = send(&app, &ada, &request("DELETE", &location, Some(TOKEN), None)).await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.body.is_empty());
    let again = send(&app, &ada, &request("DELETE", &location, Some(TOKEN), None)).await;
    assert_eq!(again.status, 404, "the second DELETE finds nothing");
    let gone = send(&app, &ada, &request("GET", &location, Some(TOKEN), None)).await;
    assert_eq!(gone.status, 404);
}

async fn learners_see_and_change_only_their_own_tasks(app: TestApp) {
    let ada = learner(&app, "ada").await;
    let bob = learner(&app, "bob").await;
    let created = send(
        &app,
        &ada,
        &request(
            "POST",
            "/api/tasks",
            Some(TOKEN),
            Some(r#"{"title": "Ada's secret"}"#),
        ),
    )
    .await;
    let id = json(&created)["id"].as_i64().unwrap();
    let path = format!("/api/tasks/{id}");

    let bobs_list = send(
        &app,
        &bob,
        &request("GET", "/api/tasks?per_page=20", Some(TOKEN), None),
    )
    .await;
    assert!(!titles(&bobs_list).contains(&"Ada's secret".to_owned()));
    assert_eq!(
        json(&bobs_list)["meta"]["total"],
        8,
        "Bob has only his starter tasks"
    );
    for (method, body) in [
        ("GET", None),
        ("PATCH", Some(r#"{"title": "Bob was here"}"#)),
        ("DELETE", None),
    ] {
        let answer = send(&app, &bob, &request(method, &path, Some(TOKEN), body)).await;
        assert_eq!(answer.status, 404, "Bob's {method} of Ada's task");
    }
    // The same id names each learner's own task 1.
    let bob_deletes = send(
        &app,
        &bob,
        &request("DELETE", "/api/tasks/1", Some(TOKEN), None),
    )
    .await;
    assert_eq!(bob_deletes.status, 204);
    // A learner cannot pose as another with a header: the id comes from the server.
    let mut posing = request("GET", "/api/tasks/1", Some(TOKEN), None);
    posing.headers.push(("X-Learner-Id".into(), ada.clone()));
    assert_eq!(send(&app, &bob, &posing).await.status, 404);

    let adas_task = send(&app, &ada, &request("GET", &path, Some(TOKEN), None)).await;
    assert_eq!(json(&adas_task)["title"], "Ada's secret");
    let adas_first = send(
        &app,
        &ada,
        &request("GET", "/api/tasks/1", Some(TOKEN), None),
    )
    .await;
    assert_eq!(
        adas_first.status, 200,
        "Bob's delete did not touch Ada's task 1"
    );
}

async fn the_api_answers_each_documented_error_status(app: TestApp) {
    let ada = learner(&app, "ada").await;

    let no_token = send(&app, &ada, &request("GET", "/api/tasks", None, None)).await;
    assert_eq!(no_token.status, 401);
    assert_eq!(
        header(&no_token, "www-authenticate"),
        Some("Bearer realm=\"practice\"")
    );
    let wrong_token = send(
        &app,
        &ada,
        &request("GET", "/api/tasks", Some("guess"), None),
    )
    .await;
    assert_eq!(wrong_token.status, 401);
    assert!(
        header(&wrong_token, "www-authenticate")
            .unwrap()
            .contains("invalid_token")
    );

    let read_only = send(
        &app,
        &ada,
        &request(
            "POST",
            "/api/tasks",
            Some(READ_ONLY),
            Some(r#"{"title": "x"}"#),
        ),
    )
    .await;
    assert_eq!(read_only.status, 403);
    let read_only_delete = send(
        &app,
        &ada,
        &request("DELETE", "/api/tasks/1", Some(READ_ONLY), None),
    )
    .await;
    assert_eq!(read_only_delete.status, 403);

    let missing = send(
        &app,
        &ada,
        &request("GET", "/api/tasks/999", Some(TOKEN), None),
    )
    .await;
    assert_eq!(missing.status, 404);
    let not_a_number = send(
        &app,
        &ada,
        &request("GET", "/api/tasks/abc", Some(TOKEN), None),
    )
    .await;
    assert_eq!(not_a_number.status, 404);
    let elsewhere = send(&app, &ada, &request("GET", "/admin", Some(TOKEN), None)).await;
    assert_eq!(elsewhere.status, 404, "only the practice API answers");

    let malformed = send(
        &app,
        &ada,
        &request("POST", "/api/tasks", Some(TOKEN), Some(r#"{"title": "#)),
    )
    .await;
    assert_eq!(malformed.status, 400);
    assert_eq!(
        header(&malformed, "content-type"),
        Some("application/problem+json")
    );
    let problem = json(&malformed);
    assert_eq!(problem["type"], "about:blank");
    assert_eq!(
        problem["title"], "Bad Request",
        "about:blank takes the reason phrase"
    );
    assert_eq!(problem["status"], 400);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );

    let mut no_type = request("POST", "/api/tasks", Some(TOKEN), None);
    no_type.body = r#"{"title": "x"}"#.into();
    let unsupported = send(&app, &ada, &no_type).await;
    assert_eq!(unsupported.status, 415);
    no_type
        .headers
        .push(("Content-Type".into(), "text/plain".into()));
    assert_eq!(send(&app, &ada, &no_type).await.status, 415);

    let invalid = send(
        &app,
        &ada,
        &request(
            "POST",
            "/api/tasks",
            Some(TOKEN),
            Some(r#"{"done": "yes", "colour": "red"}"#),
        ),
    )
    .await;
    assert_eq!(invalid.status, 422);
    assert_eq!(
        header(&invalid, "content-type"),
        Some("application/problem+json")
    );
    let problem = json(&invalid);
    assert_eq!(problem["type"], "/api/problems/validation-failed");
    assert_eq!(problem["title"], "Your request is not valid.");
    assert_eq!(problem["status"], 422);
    let detail_at = |pointer: &str| {
        problem["errors"]
            .as_array()
            .expect("an errors array")
            .iter()
            .find(|error| error["pointer"] == pointer)
            .and_then(|error| error["detail"].as_str())
            .map(str::to_owned)
    };
    assert_eq!(detail_at("#/title").as_deref(), Some("is required"));
    assert!(detail_at("#/done").unwrap().contains("true or false"));
    assert!(
        detail_at("#/colour").is_some(),
        "unknown fields are named too"
    );
    let bad_page = send(
        &app,
        &ada,
        &request("GET", "/api/tasks?page=0", Some(TOKEN), None),
    )
    .await;
    assert_eq!(bad_page.status, 422);
    assert_eq!(json(&bad_page)["errors"][0]["parameter"], "page");
    let put_without_done = send(
        &app,
        &ada,
        &request(
            "PUT",
            "/api/tasks/1",
            Some(TOKEN),
            Some(r#"{"title": "x"}"#),
        ),
    )
    .await;
    assert_eq!(put_without_done.status, 422);

    let duplicate = send(
        &app,
        &ada,
        &request(
            "POST",
            "/api/tasks",
            Some(TOKEN),
            Some(r#"{"title": "SEND A FIRST GET REQUEST"}"#),
        ),
    )
    .await;
    assert_eq!(duplicate.status, 409, "titles are unique, case ignored");
    assert_eq!(json(&duplicate)["type"], "/api/problems/title-taken");
    let rename_clash = send(
        &app,
        &ada,
        &request(
            "PATCH",
            "/api/tasks/1",
            Some(TOKEN),
            Some(r#"{"title": "Send a first GET request"}"#),
        ),
    )
    .await;
    assert_eq!(rename_clash.status, 409);
}

async fn the_task_list_is_paginated_with_meta_and_link_headers(app: TestApp) {
    let ada = learner(&app, "ada").await;

    let first = send(&app, &ada, &request("GET", "/api/tasks", Some(TOKEN), None)).await;
    assert_eq!(first.status, 200);
    assert_eq!(titles(&first).len(), 5);
    assert_eq!(header(&first, "x-total-count"), Some("8"));

    let second = send(
        &app,
        &ada,
        &request("GET", "/api/tasks?page=2", Some(TOKEN), None),
    )
    .await;
    assert_eq!(second.status, 200);
    let body = json(&second);
    assert_eq!(body["meta"]["page"], 2);
    assert_eq!(body["meta"]["total_pages"], 2);
    assert_eq!(titles(&second).len(), 3);
    let link = header(&second, "link").unwrap();
    assert!(
        link.contains("</api/tasks?page=1&per_page=5>; rel=\"prev\""),
        "{link}"
    );
    assert!(!link.contains("rel=\"next\""), "{link}");

    let small = send(
        &app,
        &ada,
        &request("GET", "/api/tasks?page=2&per_page=3", Some(TOKEN), None),
    )
    .await;
    assert_eq!(json(&small)["meta"]["total_pages"], 3);
    assert!(
        header(&small, "link")
            .unwrap()
            .contains("page=3&per_page=3>; rel=\"next\"")
    );

    let beyond = send(
        &app,
        &ada,
        &request("GET", "/api/tasks?page=9", Some(TOKEN), None),
    )
    .await;
    assert_eq!(beyond.status, 200);
    assert!(titles(&beyond).is_empty());

    for query in ["page=0", "page=two", "per_page=100"] {
        let bad = send(
            &app,
            &ada,
            &request("GET", &format!("/api/tasks?{query}"), Some(TOKEN), None),
        )
        .await;
        assert_eq!(bad.status, 422, "{query}");
    }
}

async fn more_than_twenty_requests_a_minute_answer_429_with_retry_after(app: TestApp) {
    let ada = learner(&app, "ada").await;
    let bob = learner(&app, "bob").await;
    let list = request("GET", "/api/tasks", Some(TOKEN), None);

    let first = send(&app, &ada, &list).await;
    assert_eq!(header(&first, "x-ratelimit-limit"), Some("20"));
    // Up to 45 tries: even if a minute boundary falls in between, one window sees 21.
    let mut limited = None;
    for _ in 0..45 {
        let answer = send(&app, &ada, &list).await;
        if answer.status == 429 {
            limited = Some(answer);
            break;
        }
        assert_eq!(answer.status, 200);
    }
    let limited = limited.expect("the API answers 429");
    let retry_after: i64 = header(&limited, "retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_eq!(header(&limited, "x-ratelimit-remaining"), Some("0"));
    assert_eq!(json(&limited)["title"], "Too Many Requests");
    assert_eq!(json(&limited)["status"], 429);

    let bobs = send(&app, &bob, &list).await;
    assert_eq!(bobs.status, 200, "the limit is per learner");
}

async fn a_learner_cannot_keep_more_than_200_tasks(app: TestApp) {
    let ada = learner(&app, "ada").await;
    // The first request seeds 8 tasks; fill up to the limit directly.
    send(&app, &ada, &request("GET", "/api/tasks", Some(TOKEN), None)).await;
    for n in 0..(http::api::MAX_TASKS - 8) {
        let id = http::db::next_task_id(app.db.pool(), &ada).await.unwrap();
        http::db::insert_task(
            app.db.pool(),
            &ada,
            id,
            &format!("Filler {n}"),
            false,
            "low",
            0,
        )
        .await
        .unwrap();
    }

    let one_more = send(
        &app,
        &ada,
        &request(
            "POST",
            "/api/tasks",
            Some(TOKEN),
            Some(r#"{"title": "One too many"}"#),
        ),
    )
    .await;

    assert_eq!(one_more.status, 409);
    assert_eq!(json(&one_more)["type"], "/api/problems/too-many-tasks");
}

async fn urls_other_hosts_and_oversize_requests_are_refused_before_sending(app: TestApp) {
    let ada = learner(&app, "ada").await;
    for path in [
        "http://evil.example/",
        "https://example.com/api/tasks",
        "//evil.example/api/tasks",
        "evil.example/api/tasks",
    ] {
        let error = http::send(&app.db, &ada, &request("GET", path, Some(TOKEN), None))
            .await
            .expect_err(path);
        assert!(
            error.contains("not a path on the practice API"),
            "{path}: {error}"
        );
    }
    let mut with_host = request("GET", "/api/tasks", Some(TOKEN), None);
    with_host
        .headers
        .push(("Host".into(), "evil.example".into()));
    let error = http::send(&app.db, &ada, &with_host).await.unwrap_err();
    assert!(error.contains("Host"), "{error}");

    let big = format!(r#"{{"title": "{}"}}"#, "x".repeat(http::MAX_BODY_BYTES));
    let error = http::send(
        &app.db,
        &ada,
        &request("POST", "/api/tasks", Some(TOKEN), Some(&big)),
    )
    .await
    .unwrap_err();
    assert!(error.contains("at most 16 KiB"), "{error}");

    let error = http::send(&app.db, &ada, &request("CONNECT", "/api/tasks", None, None))
        .await
        .unwrap_err();
    assert!(error.contains("GET, POST"), "{error}");

    // The practice API is not mounted on the real app: only send() reaches it.
    let over_the_network = app
        .client
        .get(app.url("/api/tasks"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert!(
        over_the_network
            .headers()
            .get("x-ratelimit-limit")
            .is_none()
    );
    assert_ne!(over_the_network.status(), 200);

    // Nothing was sent: the learner's practice data was never even created.
    let started: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM practice_api_learners WHERE learner_id = $1")
            .bind(&ada)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(started, 0);
}

async fn a_task_carries_an_etag_for_conditional_reads_and_writes(app: TestApp) {
    let ada = learner(&app, "ada").await;
    let read = send(
        &app,
        &ada,
        &request("GET", "/api/tasks/3", Some(TOKEN), None),
    )
    .await;
    let etag = header(&read, "etag").expect("an ETag").to_owned();
    let with = |mut request: PracticeRequest, name: &str, value: &str| {
        request.headers.push((name.into(), value.into()));
        request
    };
    let get = || request("GET", "/api/tasks/3", Some(TOKEN), None);
    let patch = |body: &str| request("PATCH", "/api/tasks/3", Some(TOKEN), Some(body));

    let unchanged = send(&app, &ada, &with(get(), "If-None-Match", &etag)).await;
    assert_eq!(unchanged.status, 304);
    assert_eq!(unchanged.body, "");
    assert_eq!(header(&unchanged, "etag"), Some(etag.as_str()));
    let among_others = with(get(), "If-None-Match", &format!("\"other\", W/{etag}"));
    assert_eq!(send(&app, &ada, &among_others).await.status, 304);

    let changed = send(
        &app,
        &ada,
        &with(patch(r#"{"done": true}"#), "If-Match", &etag),
    )
    .await;
    assert_eq!(changed.status, 200);
    let new_etag = header(&changed, "etag").expect("a new ETag").to_owned();
    assert_ne!(new_etag, etag);
    let stale = send(
        &app,
        &ada,
        &with(patch(r#"{"done": false}"#), "If-Match", &etag),
    )
    .await;
    assert_eq!(stale.status, 412);
    assert_eq!(header(&stale, "etag"), Some(new_etag.as_str()));
    assert_eq!(json(&stale)["title"], "Precondition Failed");
    let now = send(&app, &ada, &get()).await;
    assert_eq!(json(&now)["done"], true, "the stale PATCH changed nothing");
    assert_eq!(
        send(&app, &ada, &with(get(), "If-None-Match", &etag))
            .await
            .status,
        200,
        "an old ETag gets the new task"
    );

    let delete = || request("DELETE", "/api/tasks/3", Some(TOKEN), None);
    assert_eq!(
        send(&app, &ada, &with(delete(), "If-Match", &etag))
            .await
            .status,
        412
    );
    assert_eq!(
        send(&app, &ada, &with(delete(), "If-Match", &new_etag))
            .await
            .status,
        204
    );
    let created = send(
        &app,
        &ada,
        &request(
            "POST",
            "/api/tasks",
            Some(TOKEN),
            Some(r#"{"title": "Tagged"}"#),
        ),
    )
    .await;
    assert!(
        header(&created, "etag").is_some(),
        "a created task has its ETag too"
    );
}

async fn a_post_with_an_idempotency_key_creates_once_and_replays_the_answer(app: TestApp) {
    let ada = learner(&app, "ada").await;
    let keyed = |key: &str, body: &str| {
        with_header(
            request("POST", "/api/tasks", Some(TOKEN), Some(body)),
            "Idempotency-Key",
            key,
        )
    };
    let total = |response: &PracticeResponse| json(response)["meta"]["total"].clone();
    let list = request("GET", "/api/tasks", Some(TOKEN), None);

    let first = send(&app, &ada, &keyed("k-1", r#"{"title": "Pay the invoice"}"#)).await;
    assert_eq!(first.status, 201);
    assert_eq!(header(&first, "idempotent-replayed"), None);
    let after_first = total(&send(&app, &ada, &list).await);

    let retry = send(
        &app,
        &ada,
        &keyed("k-1", r#"{ "title": "Pay the invoice" }"#),
    )
    .await;
    assert_eq!(retry.status, 201, "{}", retry.body);
    assert_eq!(header(&retry, "idempotent-replayed"), Some("true"));
    assert_eq!(retry.body, first.body, "the same answer, not a new task");
    assert_eq!(header(&retry, "location"), header(&first, "location"));
    assert_eq!(header(&retry, "etag"), header(&first, "etag"));
    let quoted = send(
        &app,
        &ada,
        &keyed("\"k-1\"", r#"{"title": "Pay the invoice"}"#),
    )
    .await;
    assert_eq!(
        quoted.status, 201,
        "the draft's quoted form names the same key"
    );
    assert_eq!(total(&send(&app, &ada, &list).await), after_first);

    let reused = send(&app, &ada, &keyed("k-1", r#"{"title": "Something else"}"#)).await;
    assert_eq!(reused.status, 422);
    assert_eq!(
        json(&reused)["type"],
        "/api/problems/idempotency-key-reused"
    );
    assert_eq!(total(&send(&app, &ada, &list).await), after_first);
    let no_key = send(
        &app,
        &ada,
        &request(
            "POST",
            "/api/tasks",
            Some(TOKEN),
            Some(r#"{"title": "Pay the invoice"}"#),
        ),
    )
    .await;
    assert_eq!(
        no_key.status, 409,
        "without the key, the same POST is a second create"
    );
    assert_eq!(
        send(&app, &ada, &keyed("", r#"{"title": "x"}"#))
            .await
            .status,
        400
    );

    http::db::reset(&app.db, &ada, 0).await.unwrap();
    let after_reset = send(&app, &ada, &keyed("k-1", r#"{"title": "Pay the invoice"}"#)).await;
    assert_eq!(after_reset.status, 201);
    assert_eq!(
        header(&after_reset, "idempotent-replayed"),
        None,
        "reset forgets the keys"
    );
}

async fn only_the_front_end_origin_gets_cors_headers_and_cors_is_not_access_control(app: TestApp) {
    let ada = learner(&app, "ada").await;
    let preflight = |origin: &str| {
        let mut request = request("OPTIONS", "/api/tasks", None, None);
        request.headers.extend([
            ("Origin".to_owned(), origin.to_owned()),
            (
                "Access-Control-Request-Method".to_owned(),
                "POST".to_owned(),
            ),
            (
                "Access-Control-Request-Headers".to_owned(),
                "authorization, content-type".to_owned(),
            ),
        ]);
        request
    };

    let granted = send(&app, &ada, &preflight(http::api::CORS_ORIGIN)).await;
    assert_eq!(granted.status, 204);
    assert_eq!(
        header(&granted, "access-control-allow-origin"),
        Some(http::api::CORS_ORIGIN)
    );
    assert!(
        header(&granted, "access-control-allow-methods")
            .unwrap()
            .contains("POST")
    );
    let allowed_headers = header(&granted, "access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed_headers.contains("authorization") && allowed_headers.contains("content-type"));
    assert_eq!(header(&granted, "access-control-max-age"), Some("600"));
    assert_eq!(header(&granted, "vary"), Some("Origin"));

    let refused = send(&app, &ada, &preflight("https://evil.example")).await;
    assert_eq!(refused.status, 204);
    assert_eq!(header(&refused, "access-control-allow-origin"), None);
    assert_eq!(header(&refused, "access-control-allow-methods"), None);

    let from_page = with_header(
        request(
            "POST",
            "/api/tasks",
            Some(TOKEN),
            Some(r#"{"title": "From the page"}"#),
        ),
        "Origin",
        http::api::CORS_ORIGIN,
    );
    let created = send(&app, &ada, &from_page).await;
    assert_eq!(created.status, 201);
    assert_eq!(
        header(&created, "access-control-allow-origin"),
        Some(http::api::CORS_ORIGIN)
    );
    assert!(
        header(&created, "access-control-expose-headers")
            .unwrap()
            .contains("Location")
    );
    let from_elsewhere = with_header(
        request(
            "POST",
            "/api/tasks",
            Some(TOKEN),
            Some(r#"{"title": "From elsewhere"}"#),
        ),
        "Origin",
        "https://evil.example",
    );
    let answered = send(&app, &ada, &from_elsewhere).await;
    assert_eq!(
        answered.status, 201,
        "CORS does not stop the request itself"
    );
    assert_eq!(header(&answered, "access-control-allow-origin"), None);
}

/// The cookie's `name=value` from a sign-in's `Set-Cookie`.
fn session_from(signed_in: &PracticeResponse) -> String {
    header(signed_in, "set-cookie")
        .expect("a Set-Cookie header")
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

async fn a_cookie_session_changes_tasks_only_with_its_csrf_token(app: TestApp) {
    let ada = learner(&app, "ada").await;
    let sign_in = |password: &str| {
        request(
            "POST",
            "/api/session",
            None,
            Some(&format!(
                r#"{{"username": "learner", "password": "{password}"}}"#
            )),
        )
    };

    let wrong = send(&app, &ada, &sign_in("guess")).await;
    assert_eq!(wrong.status, 401);
    assert!(header(&wrong, "www-authenticate").is_some());
    let signed_in = send(&app, &ada, &sign_in(http::api::SESSION_PASSWORD)).await;
    assert_eq!(signed_in.status, 201, "{}", signed_in.body);
    let set_cookie = header(&signed_in, "set-cookie").unwrap();
    for attribute in ["Path=/", "Secure", "HttpOnly", "SameSite=Lax"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(set_cookie.starts_with("__Host-practice_session="));
    let cookie = session_from(&signed_in);
    let csrf = json(&signed_in)["csrf_token"].as_str().unwrap().to_owned();
    let again = session_from(&send(&app, &ada, &sign_in(http::api::SESSION_PASSWORD)).await);
    assert_ne!(again, cookie, "every sign-in gets a fresh session id");
    let with_cookie = |request: PracticeRequest| with_header(request, "Cookie", &cookie);
    let patch = || {
        with_cookie(request(
            "PATCH",
            "/api/tasks/3",
            None,
            Some(r#"{"done": true}"#),
        ))
    };

    let read = send(
        &app,
        &ada,
        &with_cookie(request("GET", "/api/tasks/3", None, None)),
    )
    .await;
    assert_eq!(read.status, 200, "reading needs only the cookie");
    let forged = send(&app, &ada, &patch()).await;
    assert_eq!(forged.status, 403);
    assert_eq!(json(&forged)["type"], "/api/problems/csrf-check-failed");
    let wrong_token = send(&app, &ada, &with_header(patch(), "X-CSRF-Token", "guess")).await;
    assert_eq!(wrong_token.status, 403);
    let other_site = with_header(
        with_header(patch(), "X-CSRF-Token", &csrf),
        "Origin",
        "https://evil.example",
    );
    assert_eq!(send(&app, &ada, &other_site).await.status, 403);
    let unchanged = send(
        &app,
        &ada,
        &with_cookie(request("GET", "/api/tasks/3", None, None)),
    )
    .await;
    assert_eq!(
        json(&unchanged)["done"],
        false,
        "no refused change went through"
    );
    let genuine = send(&app, &ada, &with_header(patch(), "X-CSRF-Token", &csrf)).await;
    assert_eq!(genuine.status, 200, "{}", genuine.body);
    assert_eq!(json(&genuine)["done"], true);

    let signed_out = send(
        &app,
        &ada,
        &with_cookie(request("DELETE", "/api/session", None, None)),
    )
    .await;
    assert_eq!(signed_out.status, 204);
    assert!(
        header(&signed_out, "set-cookie")
            .unwrap()
            .contains("Max-Age=0")
    );
    let after = send(
        &app,
        &ada,
        &with_cookie(request("GET", "/api/tasks/3", None, None)),
    )
    .await;
    assert_eq!(
        after.status, 401,
        "the session ended on the server, not only in the browser"
    );
    let bob = learner(&app, "bob").await;
    let elsewhere = send(
        &app,
        &bob,
        &with_header(request("GET", "/api/tasks/3", None, None), "Cookie", &again),
    )
    .await;
    assert_eq!(elsewhere.status, 401, "a session belongs to its learner");
}

async fn head_answers_like_get_without_the_body(app: TestApp) {
    let ada = learner(&app, "ada").await;

    let found = send(
        &app,
        &ada,
        &request("HEAD", "/api/tasks/3", Some(TOKEN), None),
    )
    .await;
    let missing = send(
        &app,
        &ada,
        &request("HEAD", "/api/tasks/9999", Some(TOKEN), None),
    )
    .await;

    assert_eq!(found.status, 200);
    assert_eq!(found.body, "");
    assert_eq!(header(&found, "content-type"), Some("application/json"));
    assert!(header(&found, "etag").is_some());
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body, "");
}

async fn a_method_the_path_does_not_answer_is_405_with_allow(app: TestApp) {
    let ada = learner(&app, "ada").await;

    let wrong = send(
        &app,
        &ada,
        &request("DELETE", "/api/tasks", Some(TOKEN), None),
    )
    .await;

    assert_eq!(wrong.status, 405);
    let allow = header(&wrong, "allow").expect("an Allow header");
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    assert!(!allow.contains("DELETE"), "{allow}");
    assert_eq!(
        header(&wrong, "content-type"),
        Some("application/problem+json")
    );
    assert_eq!(json(&wrong)["status"], 405);
}

async fn each_problem_type_uri_documents_its_problem(app: TestApp) {
    let ada = learner(&app, "ada").await;

    for problem in http::api::ProblemType::ALL {
        let doc = send(&app, &ada, &request("GET", &problem.uri(), None, None)).await;

        assert_eq!(doc.status, 200, "{}", problem.uri());
        let doc = json(&doc);
        assert_eq!(doc["type"], problem.uri());
        assert!(doc["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(doc["description"].as_str().is_some_and(|d| d.len() > 40));
    }
    let unknown = send(
        &app,
        &ada,
        &request("GET", "/api/problems/no-such-thing", None, None),
    )
    .await;
    assert_eq!(unknown.status, 404);
}

async fn reset_brings_back_the_starter_tasks(app: TestApp) {
    let ada = learner(&app, "ada").await;
    send(
        &app,
        &ada,
        &request("DELETE", "/api/tasks/1", Some(TOKEN), None),
    )
    .await;
    send(
        &app,
        &ada,
        &request(
            "POST",
            "/api/tasks",
            Some(TOKEN),
            Some(r#"{"title": "Mine"}"#),
        ),
    )
    .await;

    http::reset(&app.db, &ada).await.expect("reset works");

    let list = send(
        &app,
        &ada,
        &request("GET", "/api/tasks?per_page=20", Some(TOKEN), None),
    )
    .await;
    let body = json(&list);
    assert_eq!(body["meta"]["total"], 8);
    assert_eq!(body["data"][0]["id"], 1);
    assert!(!titles(&list).contains(&"Mine".to_owned()));
}

#[derive(Deserialize)]
struct LabFile {
    exercises: Vec<Exercise>,
}

#[derive(Deserialize)]
struct Exercise {
    slug: String,
    /// `None` for the SQL exercises that share the file.
    goal: Option<Goal>,
}

struct HttpExercise {
    slug: String,
    goal: Goal,
}

/// The HTTP exercises of every module's `labs.toml`.
fn bundled_exercises() -> Vec<HttpExercise> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content/backend-foundations");
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .expect("the bundled path folder")
        .map(|entry| entry.expect("a folder entry").path().join("labs.toml"))
        .filter(|file| file.exists())
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(file).expect("a labs.toml");
            toml::from_str::<LabFile>(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
                .exercises
        })
        .filter_map(|exercise| {
            Some(HttpExercise {
                goal: exercise.goal?,
                slug: exercise.slug,
            })
        })
        .collect()
}

fn with_header(mut request: PracticeRequest, name: &str, value: &str) -> PracticeRequest {
    request.headers.push((name.into(), value.into()));
    request
}

/// (model solution, a wrong attempt) for each bundled exercise.
fn scripts(slug: &str) -> (Vec<PracticeRequest>, Vec<PracticeRequest>) {
    let post = |body: &str| request("POST", "/api/tasks", Some(TOKEN), Some(body));
    let mut untyped = post(r#"{"title": "Untyped"}"#);
    untyped.headers.retain(|(name, _)| name != "Content-Type");
    match slug {
        "create-a-task" => (vec![post(r#"{"title": "New"}"#)], vec![untyped]),
        "list-page-two" => (
            vec![request("GET", "/api/tasks?page=2", Some(TOKEN), None)],
            vec![request("GET", "/api/tasks", Some(TOKEN), None)],
        ),
        "validation-error-then-fix" => (
            vec![post(r#"{"done": "yes"}"#), post(r#"{"title": "Fixed"}"#)],
            vec![post(r#"{"title": "Fixed"}"#), post(r#"{"done": "yes"}"#)],
        ),
        "conflict" => (
            vec![post(r#"{"title": "Send a first GET request"}"#)],
            vec![post(r#"{"title": "Something new"}"#)],
        ),
        "update-with-patch" => (
            vec![request(
                "PATCH",
                "/api/tasks/3",
                Some(TOKEN),
                Some(r#"{"done": true}"#),
            )],
            vec![request(
                "PATCH",
                "/api/tasks/3",
                Some(TOKEN),
                Some(r#"{"title": "Renamed"}"#),
            )],
        ),
        "delete-idempotently" => (
            vec![
                request("DELETE", "/api/tasks/4", Some(TOKEN), None),
                request("DELETE", "/api/tasks/4", Some(TOKEN), None),
            ],
            vec![
                request("DELETE", "/api/tasks/4", Some(TOKEN), None),
                request("DELETE", "/api/tasks/5", Some(TOKEN), None),
            ],
        ),
        "content-type" => (
            vec![untyped.clone(), {
                let mut typed = untyped.clone();
                typed.body = r#"{"title": "Typed"}"#.into();
                typed.headers.push((
                    "Content-Type".into(),
                    "application/json; charset=utf-8".into(),
                ));
                typed
            }],
            vec![post(r#"{"title": "Typed"}"#), untyped],
        ),
        "unauthorized-then-forbidden" => (
            vec![
                request("GET", "/api/tasks", None, None),
                request("DELETE", "/api/tasks/1", Some(READ_ONLY), None),
            ],
            vec![
                request("DELETE", "/api/tasks/1", Some(READ_ONLY), None),
                request("GET", "/api/tasks", None, None),
            ],
        ),
        "read-with-a-token" => (
            vec![request("GET", "/api/tasks", Some(READ_ONLY), None)],
            vec![request("GET", "/api/tasks", Some(TOKEN), None)],
        ),
        // 45 requests reach 429 even across a minute boundary (see the rate-limit test).
        "rate-limit" => (
            vec![request("GET", "/api/tasks", Some(TOKEN), None); 45],
            vec![request("GET", "/api/tasks", Some(TOKEN), None); 3],
        ),
        "method-not-allowed" => (
            vec![
                request("DELETE", "/api/tasks", Some(TOKEN), None),
                request("OPTIONS", "/api/tasks", None, None),
            ],
            vec![
                request("OPTIONS", "/api/tasks", None, None),
                request("GET", "/api/tasks", Some(TOKEN), None),
            ],
        ),
        // `*` stands for whatever ETag the task has: the scripts cannot read answers.
        "conditional-get" => (
            vec![
                request("GET", "/api/tasks/3", Some(TOKEN), None),
                with_header(
                    request("GET", "/api/tasks/3", Some(TOKEN), None),
                    "If-None-Match",
                    "*",
                ),
            ],
            vec![
                request("GET", "/api/tasks/3", Some(TOKEN), None),
                request("GET", "/api/tasks/3", Some(TOKEN), None),
            ],
        ),
        "lost-update" => (
            vec![
                with_header(
                    request(
                        "PATCH",
                        "/api/tasks/3",
                        Some(TOKEN),
                        Some(r#"{"done": true}"#),
                    ),
                    "If-Match",
                    "\"an-old-version\"",
                ),
                with_header(
                    request(
                        "PATCH",
                        "/api/tasks/3",
                        Some(TOKEN),
                        Some(r#"{"done": true}"#),
                    ),
                    "If-Match",
                    "*",
                ),
            ],
            vec![request(
                "PATCH",
                "/api/tasks/3",
                Some(TOKEN),
                Some(r#"{"done": true}"#),
            )],
        ),
        "test-the-failure-paths" => (
            vec![
                request("GET", "/api/tasks", None, None),
                request("DELETE", "/api/tasks/1", Some(READ_ONLY), None),
                request("GET", "/api/tasks/9999", Some(TOKEN), None),
                post(r#"{"title": ""}"#),
            ],
            vec![
                request("GET", "/api/tasks", None, None),
                request("GET", "/api/tasks/9999", Some(TOKEN), None),
                request("DELETE", "/api/tasks/1", Some(READ_ONLY), None),
                post(r#"{"title": "Valid"}"#),
            ],
        ),
        "a-scenario-with-cleanup" => (
            vec![
                post(r#"{"title": "Write the API test"}"#),
                request("GET", "/api/tasks/9", Some(TOKEN), None),
                request("DELETE", "/api/tasks/9", Some(TOKEN), None),
                request("GET", "/api/tasks/9", Some(TOKEN), None),
            ],
            // Deletes and checks a starter task, not the one it created.
            vec![
                post(r#"{"title": "Write the API test"}"#),
                request("GET", "/api/tasks/9", Some(TOKEN), None),
                request("DELETE", "/api/tasks/8", Some(TOKEN), None),
                request("GET", "/api/tasks/8", Some(TOKEN), None),
            ],
        ),
        "retry-a-post-safely" => {
            let keyed = |body: &str| with_header(post(body), "Idempotency-Key", "first-retry");
            (
                vec![
                    keyed(r#"{"title": "Pay the invoice"}"#),
                    keyed(r#"{"title": "Pay the invoice"}"#),
                    keyed(r#"{"title": "Pay the invoice twice"}"#),
                ],
                vec![
                    keyed(r#"{"title": "Pay the invoice"}"#),
                    post(r#"{"title": "Pay the invoice"}"#),
                    keyed(r#"{"title": "Pay the invoice twice"}"#),
                ],
            )
        }
        "cors-preflight" => {
            let from = |mut request: PracticeRequest, origin: &str| {
                request.headers.push(("Origin".into(), origin.into()));
                request
            };
            let preflight = |origin: &str| {
                with_header(
                    from(request("OPTIONS", "/api/tasks", None, None), origin),
                    "Access-Control-Request-Method",
                    "POST",
                )
            };
            (
                vec![
                    preflight("https://tasks.example"),
                    from(
                        post(r#"{"title": "From the page"}"#),
                        "https://tasks.example",
                    ),
                ],
                vec![
                    preflight("https://evil.example"),
                    from(
                        post(r#"{"title": "From the page"}"#),
                        "https://evil.example",
                    ),
                ],
            )
        }
        "session-cookie-and-csrf" => {
            let sign_in = request(
                "POST",
                "/api/session",
                None,
                Some(r#"{"username": "learner", "password": "practice-password"}"#),
            );
            let patch = |token: Option<&str>| {
                let mut request = with_header(
                    request("PATCH", "/api/tasks/3", None, Some(r#"{"done": true}"#)),
                    "Cookie",
                    "{cookie}",
                );
                if let Some(token) = token {
                    request = with_header(request, "X-CSRF-Token", token);
                }
                request
            };
            let sign_out = with_header(
                request("DELETE", "/api/session", None, None),
                "Cookie",
                "{cookie}",
            );
            (
                vec![
                    sign_in.clone(),
                    patch(None),
                    patch(Some("{csrf}")),
                    sign_out.clone(),
                ],
                // Bearer tokens need no CSRF token: this never meets the 403 step.
                vec![
                    sign_in,
                    request(
                        "PATCH",
                        "/api/tasks/3",
                        Some(TOKEN),
                        Some(r#"{"done": true}"#),
                    ),
                    patch(Some("{csrf}")),
                    sign_out,
                ],
            )
        }
        "first-request" => (
            vec![
                request("GET", "/api", None, None),
                request("GET", "/api/tasks", None, None),
            ],
            vec![
                request("GET", "/api/tasks", None, None),
                request("GET", "/api", None, None),
            ],
        ),
        "the-server-owns-the-rules" => (
            vec![
                post(r#"{"title": "My own id", "id": 1}"#),
                post(r#"{"title": "My own id"}"#),
            ],
            vec![post(r#"{"title": "My own id"}"#)],
        ),
        "validate-query-parameters" => (
            vec![
                request("GET", "/api/tasks?per_page=50", Some(TOKEN), None),
                request("GET", "/api/tasks?per_page=20", Some(TOKEN), None),
            ],
            vec![
                request("GET", "/api/tasks?per_page=50", Some(TOKEN), None),
                request("GET", "/api/tasks?per_page=5", Some(TOKEN), None),
            ],
        ),
        "head-requests" => (
            vec![
                request("HEAD", "/api/tasks/3", Some(TOKEN), None),
                request("HEAD", "/api/tasks/9999", Some(TOKEN), None),
            ],
            vec![
                request("GET", "/api/tasks/3", Some(TOKEN), None),
                request("GET", "/api/tasks/9999", Some(TOKEN), None),
            ],
        ),
        other => panic!("no scripted solution for the exercise {other}"),
    }
}

/// Sends the requests in order. A header value `{cookie}` or `{csrf}` is replaced by the session
/// cookie or CSRF token of the latest sign-in, as a learner copies them from its answer.
async fn run(app: &TestApp, learner: &str, requests: &[PracticeRequest]) -> Vec<Exchange> {
    let mut history = Vec::new();
    let (mut cookie, mut csrf) = (String::new(), String::new());
    for request in requests {
        let mut request = request.clone();
        for (_, value) in &mut request.headers {
            *value = value.replace("{cookie}", &cookie).replace("{csrf}", &csrf);
        }
        let response = send(app, learner, &request).await;
        if request.path == "/api/session" && response.status == 201 {
            cookie = session_from(&response);
            csrf = json(&response)["csrf_token"].as_str().unwrap().to_owned();
        }
        history.push(Exchange { request, response });
    }
    history
}

async fn each_bundled_exercise_is_met_by_its_model_solution_and_not_by_a_wrong_one(app: TestApp) {
    let exercises = bundled_exercises();
    assert!(exercises.len() >= 10);
    for exercise in exercises {
        let (model, wrong) = scripts(&exercise.slug);

        let solver = learner(&app, &format!("solver-{}", exercise.slug)).await;
        let verdict = http::check(&exercise.goal, &run(&app, &solver, &model).await);
        assert!(verdict.passed, "{}: {}", exercise.slug, verdict.feedback);

        let guesser = learner(&app, &format!("guesser-{}", exercise.slug)).await;
        let verdict = http::check(&exercise.goal, &run(&app, &guesser, &wrong).await);
        assert!(
            !verdict.passed,
            "{}: the wrong attempt passed",
            exercise.slug
        );
        assert!(!verdict.feedback.is_empty());
    }
}
