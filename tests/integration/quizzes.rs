//! Module quizzes: the page hides the answers, grading happens on the server, attempts are
//! private, and they count. On the fixture curriculum, whose first module's quiz has a question
//! of every kind.

use groundwork::curriculum::files::{Answer, AnswerKey};
use reqwest::{StatusCode, header};

use crate::{
    accounts::PASSWORD,
    support::{Page, TestApp, db_tests},
};

const MODULE: &str = "/paths/backend-foundations/how-backends-work";
const QUIZ: &str = "/paths/backend-foundations/how-backends-work/quiz";

db_tests! {
    the_quiz_page_never_contains_the_answers,
    a_quiz_with_wrong_answers_shows_explanations_and_a_retake_passes,
    an_htmx_submission_gets_the_results_in_place,
    attempts_are_private_to_their_learner,
    anonymous_visitors_are_sent_to_log_in_for_a_quiz,
    two_hundred_concurrent_submissions_by_twenty_learners_are_all_stored,
}

/// The module's questions as (field name, correct values), from the answer keys.
pub async fn correct_answers_of(app: &TestApp, module: &str) -> Vec<(String, Vec<String>)> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT q.id, q.kind, q.answer_key FROM questions q JOIN quizzes z ON z.id = q.quiz_id \
         JOIN modules m ON m.id = z.module_id WHERE m.slug = $1 ORDER BY q.position",
    )
    .bind(module)
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(id, kind, key)| {
            let key: AnswerKey = serde_json::from_str(&key).unwrap();
            let values = match kind.as_str() {
                "single" | "multiple" => key
                    .choices
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.correct == Some(true))
                    .map(|(i, _)| i.to_string())
                    .collect(),
                "true_false" => vec![matches!(key.answer, Some(Answer::Bool(true))).to_string()],
                "short_text" => vec![key.accepted[0].to_uppercase()],
                "numeric" => match key.answer {
                    Some(Answer::Number(n)) => vec![n.to_string()],
                    _ => unreachable!(),
                },
                _ => key.choices.iter().map(|c| c.text.clone()).collect(),
            };
            (format!("q{id}"), values)
        })
        .collect()
}

async fn correct_answers(app: &TestApp) -> Vec<(String, Vec<String>)> {
    correct_answers_of(app, "how-backends-work").await
}

/// Posts the answers, the first `wrong` of them left blank (so wrong).
async fn submit(
    app: &TestApp,
    answers: &[(String, Vec<String>)],
    wrong: usize,
    htmx: bool,
) -> reqwest::Response {
    let token = app.csrf_token().await;
    let mut form: Vec<(String, String)> = vec![("csrf_token".into(), token)];
    for (field, values) in answers.iter().skip(wrong) {
        form.extend(values.iter().map(|value| (field.clone(), value.clone())));
    }
    let mut request = app.client.post(app.url(QUIZ)).form(&form);
    if htmx {
        request = request.header("HX-Request", "true");
    }
    request.send().await.unwrap()
}

async fn the_quiz_page_never_contains_the_answers(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;

    let body = app.get(QUIZ).await.text().await.unwrap();

    let explanations: Vec<String> = sqlx::query_scalar(
        "SELECT q.explanation_markdown FROM questions q JOIN quizzes z ON z.id = q.quiz_id \
         JOIN modules m ON m.id = z.module_id WHERE m.slug = 'how-backends-work'",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    for explanation in explanations {
        let start: String = explanation.chars().take(40).collect();
        assert!(!body.contains(&start), "an explanation leaked: {start}");
    }
    assert!(
        !body.to_lowercase().contains("correct"),
        "no hint of which answer is right"
    );
    let page = Page::parse(&body);
    assert_eq!(page.count("fieldset.question"), 8);
}

async fn a_quiz_with_wrong_answers_shows_explanations_and_a_retake_passes(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let answers = correct_answers(&app).await;

    let failed = submit(&app, &answers, 3, false).await;

    assert_eq!(failed.status(), StatusCode::SEE_OTHER);
    let attempt = failed.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(attempt.starts_with(&format!("{QUIZ}/attempts/")));
    let results = Page::from(app.get(&attempt).await).await;
    assert_eq!(results.text("#score-title"), "Not yet: 62%");
    assert_eq!(results.count(".graded li.wrong"), 3);
    assert_eq!(
        results.count(".graded li .explanation"),
        8,
        "every answer is explained"
    );
    assert_eq!(
        results.text(".graded li:nth-child(3) p:nth-of-type(3) code"),
        "event.id",
        "a choice's code span is shown as code, not as its Markdown"
    );
    assert!(!results.text(".graded").contains('`'));

    let passed = submit(&app, &answers, 1, false).await;
    let results = Page::from(
        app.get(passed.headers()[header::LOCATION].to_str().unwrap())
            .await,
    )
    .await;
    assert_eq!(results.text("#score-title"), "Passed: 87%");
    let quiz = Page::from(app.get(QUIZ).await).await;
    assert!(quiz.text("main").contains("Your best score so far: 87%"));
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quiz_attempts")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 2);
    let export: serde_json::Value = app.get("/settings/export").await.json().await.unwrap();
    assert_eq!(export["quiz_attempts"].as_array().unwrap().len(), 2);
}

async fn an_htmx_submission_gets_the_results_in_place(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let answers = correct_answers(&app).await;

    let response = submit(&app, &answers, 0, true).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["hx-push-url"]
            .to_str()
            .unwrap()
            .starts_with(&format!("{QUIZ}/attempts/"))
    );
    let body = response.text().await.unwrap();
    assert!(!body.contains("<html"));
    let fragment = Page::parse(&body);
    assert_eq!(fragment.text("#score-title"), "Passed: 100%");
}

async fn attempts_are_private_to_their_learner(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let answers = correct_answers(&app).await;
    let attempt = submit(&app, &answers, 0, false).await.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let grace = TestApp::client_only(&app);
    grace.register("grace@example.com", "Grace", PASSWORD).await;

    assert_eq!(grace.get(&attempt).await.status(), StatusCode::NOT_FOUND);
    let quiz = Page::from(grace.get(QUIZ).await).await;
    assert!(
        !quiz.text("main").contains("best score"),
        "Ada's score is not Grace's"
    );
    let other_module = attempt.replace("how-backends-work", "devops-and-ci-cd");
    assert_eq!(
        app.get(&other_module).await.status(),
        StatusCode::NOT_FOUND,
        "an attempt lives under its own quiz"
    );
}

async fn anonymous_visitors_are_sent_to_log_in_for_a_quiz(app: TestApp) {
    app.import_fixture().await;

    let response = app.get(QUIZ).await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()[header::LOCATION],
        format!("/login?next={}", groundwork::error::urlencode(QUIZ)).as_str()
    );
    let module = Page::from(app.get(MODULE).await).await;
    assert_eq!(module.attrs("a[href$='/quiz']", "href"), [QUIZ]);
}

async fn two_hundred_concurrent_submissions_by_twenty_learners_are_all_stored(app: TestApp) {
    app.import_fixture().await;
    let answers = correct_answers(&app).await;
    let mut learners = Vec::new();
    for n in 0..20 {
        let learner = TestApp::client_only(&app);
        learner
            .register(
                &format!("learner{n}@example.com"),
                &format!("Learner {n}"),
                PASSWORD,
            )
            .await;
        let token = learner.csrf_token().await;
        learners.push((learner, token));
    }

    let mut tasks = Vec::new();
    for (learner, token) in &learners {
        for wrong in 0..10 {
            let mut form: Vec<(String, String)> = vec![("csrf_token".into(), token.clone())];
            for (field, values) in answers.iter().skip(wrong % 4) {
                form.extend(values.iter().map(|value| (field.clone(), value.clone())));
            }
            tasks.push(tokio::spawn(
                learner.client.post(learner.url(QUIZ)).form(&form).send(),
            ));
        }
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().status(), StatusCode::SEE_OTHER);
    }

    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quiz_attempts")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 200);
    let per_learner: Vec<i64> =
        sqlx::query_scalar("SELECT COUNT(*) FROM quiz_attempts GROUP BY user_id")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(per_learner, vec![10; 20]);
}

mod dashboard {
    use super::*;

    db_tests! {
        the_dashboard_shows_activity_finished_modules_and_quiz_scores,
    }

    async fn the_dashboard_shows_activity_finished_modules_and_quiz_scores(app: TestApp) {
        app.import_fixture().await;
        app.register("ada@example.com", "Ada", PASSWORD).await;
        let empty = Page::from(app.get("/dashboard").await).await;
        assert!(empty.text("figcaption").starts_with("Active on 0 days"));
        // Module one of the fixture whole (two lessons, then its quiz), two of module two's three.
        for lesson in [
            "how-backends-work/what-the-backend-does",
            "how-backends-work/the-request-lifecycle",
            "databases-and-data-modeling/schema-design",
            "databases-and-data-modeling/how-indexes-work",
        ] {
            app.post_form(
                &format!("/paths/backend-foundations/{lesson}/complete"),
                &[],
            )
            .await;
        }
        let answers = correct_answers(&app).await;
        submit(&app, &answers, 0, false).await;

        let dashboard = Page::from(app.get("/dashboard").await).await;

        assert!(
            dashboard.text("figcaption").starts_with("Active on 1 day "),
            "{}",
            dashboard.text("figcaption")
        );
        assert_eq!(
            dashboard.count(".heatmap rect.heat-3"),
            1,
            "five things done today"
        );
        assert_eq!(dashboard.count(".activity li"), 5);
        let activity = dashboard.texts(".activity li");
        assert!(
            activity
                .iter()
                .any(|item| item
                    .starts_with("Quiz How the Backend Fits in a Full Stack System: 100%")),
            "{activity:?}"
        );
        assert_eq!(dashboard.texts("#finished-title + ul li").len(), 1);
        assert!(
            dashboard
                .text("#finished-title + ul li")
                .starts_with("How the Backend Fits in a Full Stack System finished")
        );
        assert_eq!(
            dashboard.texts("table tbody td"),
            [
                "How the Backend Fits in a Full Stack System",
                "100%",
                "Passed"
            ]
        );
    }
}
