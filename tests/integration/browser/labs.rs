use serde_json::json;

use crate::{
    accounts::PASSWORD,
    support::{Browser, TestApp},
};

const MODULE: &str = "/paths/backend-foundations/databases-and-data-modeling";
const JOIN: &str =
    "/paths/backend-foundations/databases-and-data-modeling/labs/join-orders-to-customers";
const CREATE_TASK: &str =
    "/paths/backend-foundations/apis-and-service-communication/labs/create-a-task";

async fn registered(app: &TestApp) -> Browser {
    let browser = Browser::start().await;
    browser.goto(&app.url("/register")).await;
    browser.fill("email", "ada@example.com").await;
    browser.fill("display_name", "Ada").await;
    browser.fill("password", PASSWORD).await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_path("/dashboard").await;
    browser
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learner_solves_a_join_exercise_after_one_wrong_try() {
    let app = TestApp::sqlite().await;
    app.import_fixture().await;
    let browser = registered(&app).await;
    browser.goto(&app.url(JOIN)).await;
    browser.assert_accessible().await;
    // Survives only if htmx swaps the result in place (no full page load).
    browser.eval("window.__probe = 42").await;

    browser
        .fill(
            "sql",
            "SELECT id AS order_id, customer_id AS name FROM orders",
        )
        .await;
    browser.click("#run").await;
    browser.wait_for("#diff").await;

    assert!(browser.text("#result-title").await.starts_with("Not yet"));
    assert!(
        browser
            .text(".missing-title")
            .await
            .starts_with("Missing rows (9)")
    );
    assert!(
        browser
            .text(".extra-title")
            .await
            .starts_with("Extra rows (9)")
    );
    browser.assert_accessible().await;

    browser
        .fill(
            "sql",
            "SELECT o.id AS order_id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id",
        )
        .await;
    browser.click("#run").await;
    browser.wait_for("#result-title.verdict-pass").await;

    assert_eq!(
        browser.text("#result-title").await,
        "Passed: your SQL does what the exercise asks."
    );
    assert_eq!(browser.count(".reveal").await, 1);
    assert_eq!(browser.eval("return window.__probe").await, json!(42));
    browser.assert_accessible().await;
    browser.goto(&app.url(MODULE)).await;
    assert_eq!(
        browser.text(".lab-list li.done a").await,
        "JOIN: who placed each order"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learner_solves_an_http_exercise_with_the_request_form() {
    let app = TestApp::sqlite().await;
    app.import_fixture().await;
    let browser = registered(&app).await;
    browser.goto(&app.url(CREATE_TASK)).await;
    browser.assert_accessible().await;
    browser.eval("window.__probe = 7").await;

    browser
        .eval("document.getElementById('method').value = 'POST'")
        .await;
    browser.fill("path", "/api/tasks").await;
    browser
        .fill(
            "headers",
            "Authorization: Bearer learner-token\nContent-Type: application/json",
        )
        .await;
    browser.fill("body", r#"{"title": "Practise HTTP"}"#).await;
    browser.click("#send").await;
    browser.wait_for("#result-title.verdict-pass").await;

    assert_eq!(browser.text("#result-title").await, "Passed: goal reached");
    assert!(
        browser
            .text(".raw-response")
            .await
            .starts_with("HTTP/1.1 201 Created")
    );
    assert_eq!(browser.eval("return window.__probe").await, json!(7));
    browser.assert_accessible().await;
    browser.close().await;
}
