//! The quiz and question editor: every kind through the forms, validation, escaping,
//! reordering, deletion and who may do it.

use reqwest::{StatusCode, header};

use crate::{
    accounts::PASSWORD,
    archive::editor_with_curriculum,
    quizzes::correct_answers_of,
    support::{Page, TestApp, db_tests},
};

db_tests! {
    an_editor_builds_a_quiz_of_every_kind_and_a_learner_is_graded_by_it,
    invalid_quizzes_and_questions_are_refused_beside_their_fields_with_input_kept,
    markup_in_quiz_content_is_escaped_or_sanitized_on_every_page,
    editing_a_question_starts_from_its_answer_key_and_audits_the_change,
    moving_keeps_question_ids_and_deleting_states_the_attempts,
    learners_cannot_edit_quizzes_and_visitors_are_sent_to_log_in,
    the_quiz_list_shows_every_module_and_searches_titles,
}

const MODULE: &str = "how-backends-work";
const QUIZ: &str = "/paths/backend-foundations/how-backends-work/quiz";

async fn module_id(app: &TestApp) -> String {
    sqlx::query_scalar("SELECT id FROM modules WHERE slug = $1")
        .bind(MODULE)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn quiz_id(app: &TestApp) -> String {
    sqlx::query_scalar(
        "SELECT z.id FROM quizzes z JOIN modules m ON m.id = z.module_id WHERE m.slug = $1",
    )
    .bind(MODULE)
    .fetch_one(app.db.pool())
    .await
    .unwrap()
}

async fn question_ids(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT q.id FROM questions q JOIN quizzes z ON z.id = q.quiz_id \
         JOIN modules m ON m.id = z.module_id WHERE m.slug = $1 ORDER BY q.position, q.id",
    )
    .bind(MODULE)
    .fetch_all(app.db.pool())
    .await
    .unwrap()
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

fn is_uuid_v4(id: &str) -> bool {
    uuid::Uuid::parse_str(id)
        .is_ok_and(|uuid| uuid.get_version_num() == 4 && uuid.hyphenated().to_string() == id)
}

/// Replaces the module's bundled quiz by a new, empty one made through the forms.
async fn fresh_quiz(app: &TestApp, title: &str) -> String {
    let old = quiz_id(app).await;
    let deleted = app
        .post_form(&format!("/admin/quizzes/{old}/delete"), &[])
        .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    let module = module_id(app).await;
    let page = Page::from(app.get(&format!("/admin/modules/{module}/quiz")).await).await;
    assert_eq!(page.text("h1"), "Create the module's quiz");

    let created = app
        .post_form(
            &format!("/admin/modules/{module}/quiz"),
            &[("title", title), ("pass_mark", "50")],
        )
        .await;

    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let id = quiz_id(app).await;
    assert_ne!(id, old);
    assert!(is_uuid_v4(&id), "{id}");
    id
}

async fn add_question(
    app: &TestApp,
    quiz: &str,
    kind: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.post_form(
        &format!("/admin/quizzes/{quiz}/questions/new?kind={kind}"),
        fields,
    )
    .await
}

/// Submits the learner's answers; returns the attempt page.
async fn take_quiz(learner: &TestApp, answers: &[(String, Vec<String>)]) -> Page {
    let mut form: Vec<(&str, &str)> = Vec::new();
    for (field, values) in answers {
        form.extend(values.iter().map(|value| (field.as_str(), value.as_str())));
    }
    let submitted = learner.post_form(QUIZ, &form).await;
    assert_eq!(submitted.status(), StatusCode::SEE_OTHER);
    let location = submitted.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    Page::from(learner.get(&location).await).await
}

async fn an_editor_builds_a_quiz_of_every_kind_and_a_learner_is_graded_by_it(app: TestApp) {
    editor_with_curriculum(&app).await;
    let quiz = fresh_quiz(&app, "How backends work: a check").await;

    let kinds: [(&str, Vec<(&str, &str)>); 6] = [
        (
            "single",
            vec![
                ("prompt", "Which **one** is a verb of HTTP?"),
                ("explanation", "GET is."),
                ("choice_0_text", "FETCH"),
                ("choice_1_text", "GET"),
                ("choice_1_correct", "on"),
                ("choice_3_text", "PULL"),
            ],
        ),
        (
            "multiple",
            vec![
                ("prompt", "Which are status classes?"),
                ("explanation", "2xx and 4xx."),
                ("choice_0_text", "2xx"),
                ("choice_0_correct", "on"),
                ("choice_1_text", "7xx"),
                ("choice_2_text", "4xx"),
                ("choice_2_correct", "on"),
            ],
        ),
        (
            "true_false",
            vec![
                ("prompt", "HTTP is stateless."),
                ("explanation", "It is."),
                ("truth", "true"),
            ],
        ),
        (
            "short_text",
            vec![
                ("prompt", "Name a safe method."),
                ("explanation", "GET or HEAD."),
                ("accepted", "GET\r\n\r\nHEAD\r\n"),
            ],
        ),
        (
            "numeric",
            vec![
                ("prompt", "The default HTTP port?"),
                ("explanation", "80."),
                ("answer", "80"),
                ("tolerance", "0.5"),
            ],
        ),
        (
            "ordering",
            vec![
                ("prompt", "Order a request's journey."),
                ("explanation", "DNS, then TCP, then HTTP."),
                ("choice_0_text", "DNS lookup"),
                ("choice_1_text", "TCP handshake"),
                ("choice_2_text", "HTTP request"),
            ],
        ),
    ];
    for (kind, fields) in &kinds {
        let response = add_question(&app, &quiz, kind, fields).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{kind}");
    }

    let stored: Vec<(String, String, i64, String)> = sqlx::query_as(
        "SELECT id, kind, position, prompt_html FROM questions WHERE quiz_id = $1 ORDER BY position",
    )
    .bind(&quiz)
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let stored_kinds: Vec<&str> = stored.iter().map(|row| row.1.as_str()).collect();
    assert_eq!(
        stored_kinds,
        [
            "single",
            "multiple",
            "true_false",
            "short_text",
            "numeric",
            "ordering"
        ]
    );
    assert_eq!(
        stored.iter().map(|row| row.2).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    assert!(stored.iter().all(|row| is_uuid_v4(&row.0)));
    assert!(
        stored[0].3.contains("<strong>one</strong>"),
        "Markdown rendered at save"
    );
    let editor_page = Page::from(
        app.get(&format!("/admin/modules/{}/quiz", module_id(&app).await))
            .await,
    )
    .await;
    assert_eq!(editor_page.count(".admin-questions li"), 6);
    let actions = audit_actions(&app).await;
    assert_eq!(actions[..2], ["quiz.delete", "quiz.create"]);
    assert_eq!(
        actions.iter().filter(|a| *a == "question.create").count(),
        6
    );

    // A learner takes it: all right, the numeric answer within its tolerance.
    let learner = TestApp::client_only(&app);
    learner.register("ada@example.com", "Ada", PASSWORD).await;
    let page = Page::from(learner.get(QUIZ).await).await;
    assert_eq!(page.text("h1"), "How backends work: a check");
    assert_eq!(page.count("fieldset.question"), 6);
    let mut answers = correct_answers_of(&app, MODULE).await;
    answers[4].1 = vec!["80.4".into()];
    let results = take_quiz(&learner, &answers).await;
    assert_eq!(results.text("#score-title"), "Passed: 100%");

    // One wrong (the single choice), one more beyond the tolerance: 4 of 6 is 66%, over 50%.
    answers[0].1 = vec!["0".into()];
    answers[4].1 = vec!["81".into()];
    let results = take_quiz(&learner, &answers).await;
    assert_eq!(results.text("#score-title"), "Passed: 66%");
    assert_eq!(results.count(".graded li.wrong"), 2);
}

async fn invalid_quizzes_and_questions_are_refused_beside_their_fields_with_input_kept(
    app: TestApp,
) {
    editor_with_curriculum(&app).await;
    let module = module_id(&app).await;
    let quiz = quiz_id(&app).await;
    let before = question_ids(&app).await;

    let response = app
        .post_form(
            &format!("/admin/modules/{module}/quiz"),
            &[("title", "Kept title"), ("pass_mark", "0")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from(response).await;
    assert!(page.text("#pass_mark-error").contains("from 1 to 100"));
    assert_eq!(page.attrs("#title", "value"), ["Kept title"]);
    assert_eq!(page.attrs("#pass_mark", "value"), ["0"]);

    // (kind, fields, the error's selector, what it says)
    type Case = (
        &'static str,
        Vec<(&'static str, &'static str)>,
        &'static str,
        &'static str,
    );
    let cases: [Case; 5] = [
        (
            "single",
            vec![
                ("prompt", "  "),
                ("choice_0_text", "Alpha"),
                ("choice_0_correct", "on"),
                ("choice_1_text", "Beta"),
            ],
            "#prompt-error",
            "Write the question",
        ),
        (
            "single",
            vec![
                ("prompt", "Which?"),
                ("choice_0_text", "Alpha"),
                ("choice_1_text", "Beta"),
            ],
            "#choices-error",
            "exactly one",
        ),
        (
            "single",
            vec![
                ("prompt", "Which?"),
                ("choice_0_text", "Alpha"),
                ("choice_0_correct", "on"),
                ("choice_1_text", "Beta"),
                ("choice_1_correct", "on"),
            ],
            "#choices-error",
            "exactly one",
        ),
        (
            "numeric",
            vec![("prompt", "How many?"), ("answer", "twelve")],
            "#answer-error",
            "Enter a number",
        ),
        (
            "true_false",
            vec![("prompt", "True?")],
            "#truth-error",
            "true or false",
        ),
    ];
    for (kind, fields, error, message) in cases {
        let response = add_question(&app, &quiz, kind, &fields).await;

        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields:?}"
        );
        let page = Page::from(response).await;
        assert!(
            page.text(error).contains(message),
            "{fields:?}: {}",
            page.text(error)
        );
        for (name, value) in &fields {
            if name.ends_with("_text") || *name == "answer" {
                assert_eq!(page.attrs(&format!("#{name}"), "value"), [*value], "kept");
            }
            if *name == "prompt" {
                assert_eq!(page.text("#prompt"), value.trim(), "kept");
            }
            if name.ends_with("_correct") {
                assert_eq!(
                    page.count(&format!("input[name={name}][checked]")),
                    1,
                    "kept"
                );
            }
        }
    }
    let edit = app
        .post_form(
            &format!("/admin/questions/{}/edit", before[0]),
            &[("prompt", "")],
        )
        .await;
    assert_eq!(edit.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(question_ids(&app).await, before, "nothing added");
    let unknown = app
        .get(&format!("/admin/quizzes/{quiz}/questions/new?kind=essay"))
        .await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
}

async fn markup_in_quiz_content_is_escaped_or_sanitized_on_every_page(app: TestApp) {
    editor_with_curriculum(&app).await;
    let evil = "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))";
    let quiz = fresh_quiz(&app, "<script>alert(1)</script>").await;
    let added = add_question(
        &app,
        &quiz,
        "single",
        &[
            ("prompt", evil),
            ("explanation", evil),
            ("choice_0_text", "<img src=x onerror=alert(1)>"),
            ("choice_0_correct", "on"),
            ("choice_1_text", "<script>alert(1)</script>"),
        ],
    )
    .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let question = question_ids(&app).await.remove(0);
    let module = module_id(&app).await;
    let learner = TestApp::client_only(&app);
    learner.register("ada@example.com", "Ada", PASSWORD).await;
    let quiz_page = learner.get(QUIZ).await.text().await.unwrap();
    let submitted = learner
        .post_form(QUIZ, &[(&format!("q{question}"), "1")])
        .await;
    let attempt = submitted.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let results_page = learner.get(&attempt).await.text().await.unwrap();

    let mut pages = vec![("quiz page", quiz_page), ("results page", results_page)];
    for path in [
        "/admin/quizzes".to_owned(),
        format!("/admin/modules/{module}/quiz"),
        format!("/admin/questions/{question}/edit"),
        format!("/admin/questions/{question}/delete"),
        format!("/admin/quizzes/{quiz}/delete"),
    ] {
        pages.push(("admin page", app.get(&path).await.text().await.unwrap()));
    }
    for (what, body) in pages {
        let page = Page::parse(&body);
        assert!(
            !body.contains("<script>alert"),
            "{what}: a script tag got through"
        );
        assert_eq!(
            page.count("[onerror]"),
            0,
            "{what}: an event handler got through"
        );
        assert_eq!(
            page.count("a[href^='javascript']"),
            0,
            "{what}: a javascript: link"
        );
        assert!(
            page.texts("script")
                .iter()
                .all(|text| !text.contains("alert")),
            "{what}"
        );
    }
    let results = Page::parse(&learner.get(&attempt).await.text().await.unwrap());
    assert_eq!(
        results.text("h1"),
        "<script>alert(1)</script>",
        "shown as text"
    );
}

async fn editing_a_question_starts_from_its_answer_key_and_audits_the_change(app: TestApp) {
    editor_with_curriculum(&app).await;
    let quiz = quiz_id(&app).await;
    add_question(
        &app,
        &quiz,
        "multiple",
        &[
            ("prompt", "Which are *idempotent*?"),
            ("choice_0_text", "PUT"),
            ("choice_0_correct", "on"),
            ("choice_1_text", "POST"),
            ("choice_2_text", "DELETE"),
            ("choice_2_correct", "on"),
        ],
    )
    .await;
    let id = question_ids(&app).await.pop().unwrap();
    let path = format!("/admin/questions/{id}/edit");

    let form = Page::from(app.get(&path).await).await;
    assert_eq!(form.text("#prompt"), "Which are *idempotent*?");
    assert_eq!(form.attrs("#choice_1_text", "value"), ["POST"]);
    assert_eq!(
        form.attrs("input[type=checkbox][checked]", "name"),
        ["choice_0_correct", "choice_2_correct"]
    );
    assert_eq!(form.count(".choice-row"), 6, "three more blank rows");

    // Saving it as it is changes nothing; every bundled question too.
    let same = [
        ("prompt", "Which are *idempotent*?"),
        ("choice_0_text", "PUT"),
        ("choice_0_correct", "on"),
        ("choice_1_text", "POST"),
        ("choice_2_text", "DELETE"),
        ("choice_2_correct", "on"),
    ];
    assert_eq!(
        app.post_form(&path, &same).await.status(),
        StatusCode::SEE_OTHER
    );
    let bundled = question_ids(&app).await.remove(0);
    let bundled_form = Page::from(app.get(&format!("/admin/questions/{bundled}/edit")).await).await;
    let mut fields: Vec<(String, String)> = vec![
        ("prompt".into(), bundled_form.text("#prompt")),
        ("explanation".into(), bundled_form.text("#explanation")),
    ];
    for name in ["answer", "tolerance"] {
        if let Some(value) = bundled_form.attrs(&format!("#{name}"), "value").pop() {
            fields.push((name.into(), value));
        }
    }
    for (index, text) in bundled_form
        .attrs(".choice-row input[type=text]", "value")
        .into_iter()
        .enumerate()
    {
        fields.push((format!("choice_{index}_text"), text));
    }
    for name in bundled_form.attrs("input[type=checkbox][checked]", "name") {
        fields.push((name, "on".into()));
    }
    for value in bundled_form.attrs("input[name=truth][checked]", "value") {
        fields.push(("truth".into(), value));
    }
    if bundled_form.count("#accepted") == 1 {
        fields.push(("accepted".into(), bundled_form.text("#accepted")));
    }
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    app.post_form(&format!("/admin/questions/{bundled}/edit"), &borrowed)
        .await;
    assert_eq!(
        audit_actions(&app).await,
        ["question.create"],
        "no update recorded for unchanged questions"
    );

    let mut changed = same.to_vec();
    changed[0] = ("prompt", "Which methods are idempotent?");
    changed.remove(5);
    let saved = app.post_form(&path, &changed).await;

    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let summary: String =
        sqlx::query_scalar("SELECT summary FROM audit_log WHERE action = 'question.update'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(
        summary,
        "prompt: “Which are *idempotent*?” → “Which methods are idempotent?”; answer key changed"
    );
    let key: String = sqlx::query_scalar("SELECT answer_key FROM questions WHERE id = $1")
        .bind(&id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(
        key,
        r#"{"choices":[{"text":"PUT","correct":true},{"text":"POST","correct":false},{"text":"DELETE","correct":false}]}"#
    );
}

async fn moving_keeps_question_ids_and_deleting_states_the_attempts(app: TestApp) {
    editor_with_curriculum(&app).await;
    let module = module_id(&app).await;
    let quiz = quiz_id(&app).await;
    let before = question_ids(&app).await;

    let moved = app
        .post_form(
            &format!("/admin/questions/{}/move", before[1]),
            &[("direction", "up")],
        )
        .await;
    assert_eq!(moved.status(), StatusCode::SEE_OTHER);
    let mut expected = before.clone();
    expected.swap(0, 1);
    assert_eq!(question_ids(&app).await, expected);
    app.post_form(
        &format!("/admin/questions/{}/move", before[1]),
        &[("direction", "up")],
    )
    .await;
    assert_eq!(question_ids(&app).await, expected, "the first stays first");
    app.post_form(
        &format!("/admin/questions/{}/move", before[1]),
        &[("direction", "down")],
    )
    .await;
    assert_eq!(question_ids(&app).await, before, "and back");

    let learner = TestApp::client_only(&app);
    learner.register("ada@example.com", "Ada", PASSWORD).await;
    take_quiz(&learner, &correct_answers_of(&app, MODULE).await).await;
    take_quiz(&learner, &[]).await;

    let confirm = Page::from(
        app.get(&format!("/admin/questions/{}/delete", before[2]))
            .await,
    )
    .await;
    assert!(
        confirm
            .text("#attempts")
            .contains("2 attempts at this quiz (1 learner)"),
        "{}",
        confirm.text("#attempts")
    );
    let deleted = app
        .post_form(&format!("/admin/questions/{}/delete", before[2]), &[])
        .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert_eq!(question_ids(&app).await.len(), before.len() - 1);

    let confirm = Page::from(app.get(&format!("/admin/quizzes/{quiz}/delete")).await).await;
    assert!(confirm.text("#attempts").contains("2 attempts"));
    assert!(confirm.text("#attempts").contains("deleted too"));
    app.post_form(&format!("/admin/quizzes/{quiz}/delete"), &[])
        .await;
    let page = Page::from(app.get(&format!("/admin/modules/{module}/quiz")).await).await;
    assert_eq!(page.text("h1"), "Create the module's quiz");
    let actions = audit_actions(&app).await;
    assert_eq!(
        actions,
        [
            "question.move",
            "question.move",
            "question.delete",
            "quiz.delete"
        ]
    );
    let summary: String =
        sqlx::query_scalar("SELECT summary FROM audit_log WHERE action = 'quiz.delete'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert!(summary.contains("2 attempts by 1 learners"), "{summary}");
}

async fn learners_cannot_edit_quizzes_and_visitors_are_sent_to_log_in(app: TestApp) {
    app.import_bundled().await;
    let module = module_id(&app).await;
    let quiz = quiz_id(&app).await;
    let questions = question_ids(&app).await;
    let question = questions[0].clone();
    let visitor = app.get("/admin/quizzes").await;
    assert_eq!(visitor.status(), StatusCode::SEE_OTHER);
    assert!(
        visitor.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login?next=")
    );

    app.register("ada@example.com", "Ada", PASSWORD).await;
    for path in [
        "/admin/quizzes".to_owned(),
        format!("/admin/modules/{module}/quiz"),
        format!("/admin/quizzes/{quiz}/questions/new?kind=single"),
        format!("/admin/questions/{question}/edit"),
        format!("/admin/questions/{question}/delete"),
        format!("/admin/quizzes/{quiz}/delete"),
    ] {
        assert_eq!(
            app.get(&path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    for path in [
        format!("/admin/modules/{module}/quiz"),
        format!("/admin/quizzes/{quiz}/questions/new?kind=true_false"),
        format!("/admin/questions/{question}/edit"),
        format!("/admin/questions/{question}/move"),
        format!("/admin/questions/{question}/delete"),
        format!("/admin/quizzes/{quiz}/delete"),
    ] {
        let response = app
            .post_form(
                &path,
                &[
                    ("title", "x"),
                    ("pass_mark", "50"),
                    ("prompt", "x"),
                    ("truth", "true"),
                    ("direction", "down"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(question_ids(&app).await, questions, "nothing was changed");
    assert!(audit_actions(&app).await.is_empty());
}

async fn the_quiz_list_shows_every_module_and_searches_titles(app: TestApp) {
    editor_with_curriculum(&app).await;
    let modules: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM modules")
        .fetch_one(app.db.pool())
        .await
        .unwrap();

    let page = Page::from(app.get("/admin/quizzes").await).await;

    assert_eq!(page.count("tbody tr") as i64, modules.min(25));
    let module = module_id(&app).await;
    let row = page.text(&format!("#module-{module}"));
    assert!(
        row.contains("How backends work") || row.to_lowercase().contains("backend"),
        "{row}"
    );
    let questions = question_ids(&app).await.len();
    assert!(
        row.ends_with(&questions.to_string()),
        "its question count, {questions}: {row}"
    );
    let title: String = sqlx::query_scalar("SELECT title FROM quizzes WHERE module_id = $1")
        .bind(&module)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let found = Page::from(
        app.get(&format!(
            "/admin/quizzes?q={}",
            groundwork::error::urlencode(&title.to_uppercase())
        ))
        .await,
    )
    .await;
    assert!(found.count("tbody tr") >= 1);
    assert_eq!(found.count(&format!("#module-{module}")), 1);
    let none = Page::from(app.get("/admin/quizzes?q=%25no+such+quiz").await).await;
    assert_eq!(none.count("tbody tr"), 0);

    // Thirty more modules: the list pages by 25.
    let path: String = sqlx::query_scalar("SELECT id FROM paths LIMIT 1")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    for n in 0..30 {
        sqlx::query(
            "INSERT INTO modules (id, path_id, slug, title, summary, position, published, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, '', $5, $6, 0, 0)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&path)
        .bind(format!("extra-{n}"))
        .bind(format!("Extra module {n}"))
        .bind(100 + n)
        .bind(false)
        .execute(app.db.pool())
        .await
        .unwrap();
        app.curriculum_changed().await;
    }
    let first = Page::from(app.get("/admin/quizzes").await).await;
    assert_eq!(first.count("tbody tr"), 25);
    let next = first
        .attrs("a[rel=next]", "href")
        .pop()
        .expect("a next page");
    let second = Page::from(app.get(&next).await).await;
    assert_eq!(second.count("tbody tr") as i64, modules + 30 - 25);
    assert!(second.text("tbody").contains("Create a quiz"));
    let extra = Page::from(app.get("/admin/quizzes?q=extra+module").await).await;
    assert_eq!(
        extra.text("#quiz-count"),
        "30 modules matching “extra module”."
    );
}
