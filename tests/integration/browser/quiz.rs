use serde_json::json;

use crate::{
    accounts::PASSWORD,
    quizzes::correct_answers_of,
    support::{Browser, TestApp, sql_solutions_of},
};

const MODULE: &str = "/paths/backend-foundations/databases-and-data-modeling";

/// Fills the quiz form like a learner would: ticks, picks and types the given answers.
const FILL: &str = r#"
const answers = arguments[0];
for (const [field, values] of answers) {
  const inputs = document.querySelectorAll(`[name="${field}"]`);
  inputs.forEach((input, index) => {
    if (input.type === "radio" || input.type === "checkbox") input.checked = values.includes(input.value);
    else if (input.tagName === "SELECT") input.value = values[index] ?? "";
    else input.value = values[0] ?? "";
  });
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learner_finishes_a_module_lessons_labs_and_quiz_and_it_shows_done() {
    let app = TestApp::sqlite().await;
    app.import_fixture().await;
    let answers = correct_answers_of(&app, "databases-and-data-modeling").await;
    let browser = Browser::start().await;
    browser.goto(&app.url("/register")).await;
    browser.fill("email", "ada@example.com").await;
    browser.fill("display_name", "Ada").await;
    browser.fill("password", PASSWORD).await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_path("/dashboard").await;

    // Every lesson of the module, marked done from its page.
    for lesson in [
        "schema-design",
        "how-indexes-work",
        "query-optimization-and-transactions",
    ] {
        browser.goto(&app.url(&format!("{MODULE}/{lesson}"))).await;
        browser.click("#completion button").await;
        browser.wait_for("#completion .done-note").await;
    }

    // Every lab exercise of the module, passed with its reference solution.
    for (href, solution) in sql_solutions_of("databases-and-data-modeling") {
        browser.goto(&app.url(&href)).await;
        browser.fill("sql", &solution).await;
        browser.click("#run").await;
        browser.wait_for("#result-title.verdict-pass").await;
    }

    // The quiz with the first answer left out: one wrong, explained.
    browser.goto(&app.url(&format!("{MODULE}/quiz"))).await;
    browser.assert_accessible().await;
    let mut one_wrong = answers.clone();
    one_wrong[0].1.clear();
    browser
        .client
        .execute(FILL, vec![json!(one_wrong)])
        .await
        .unwrap();
    browser.click("#quiz form button[type=submit]").await;
    browser.wait_for("#score-title").await;
    assert_eq!(browser.count(".graded li.wrong").await, 1);
    assert_eq!(browser.count(".graded .explanation").await, answers.len());
    browser.assert_accessible().await;

    // Retake, all right.
    browser.click("#quiz a[href$='/quiz']").await;
    browser
        .wait_for_path("/paths/backend-foundations/databases-and-data-modeling/quiz")
        .await;
    let earlier = browser.text("#quiz > p.meta").await;
    assert!(
        earlier.starts_with("Your best score so far:"),
        "the quiz says the best so far: {earlier}"
    );
    browser
        .client
        .execute(FILL, vec![json!(answers)])
        .await
        .unwrap();
    browser.click("#quiz form button[type=submit]").await;
    browser.wait_for("#score-title").await;
    assert_eq!(browser.text("#score-title").await, "Passed: 100%");
    // The swapped result replaces the old best: nothing on the page contradicts it.
    assert_eq!(
        browser
            .eval("return document.querySelector('main').innerText.includes('best score so far')")
            .await,
        json!(false)
    );
    assert!(
        browser
            .text(".quiz-results > p")
            .await
            .ends_with("Your best score: 100%.")
    );
    // Focus moves to the result, and a screen reader hears it.
    browser
        .wait_until("document.activeElement === document.getElementById('score-title')")
        .await;
    let total = answers.len();
    browser
        .wait_until(&format!(
            "document.getElementById('announcer').textContent === \
             'Passed: 100%, {total} of {total} correct.'"
        ))
        .await;

    browser.goto(&app.url(MODULE)).await;
    assert_eq!(browser.text(".module-progress .state").await, "Done");
    browser.assert_accessible().await;

    browser.close().await;
}
