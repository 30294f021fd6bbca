use crate::support::{Browser, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_browses_to_a_lesson_and_follows_next_and_previous() {
    let app = TestApp::sqlite().await;
    app.import_fixture().await;
    let browser = Browser::start().await;

    browser.goto(&app.url("/paths")).await;
    browser.assert_accessible().await;
    browser.click(".cards h2 a").await;
    browser.wait_for_path("/paths/backend-foundations").await;
    browser.assert_accessible().await;

    browser
        .click("a[href='/paths/backend-foundations/databases-and-data-modeling']")
        .await;
    browser
        .wait_for_path("/paths/backend-foundations/databases-and-data-modeling")
        .await;
    browser.assert_accessible().await;

    browser
        .click(".lesson-list a[href$='/how-indexes-work']")
        .await;
    browser
        .wait_for_path("/paths/backend-foundations/databases-and-data-modeling/how-indexes-work")
        .await;
    assert_eq!(
        browser.text("main h1").await,
        "How Indexes Work and When They Are Used"
    );
    assert!(
        browser.count("#lesson-body pre code span.hl-kw").await > 0,
        "code highlighted without client JavaScript"
    );
    browser.assert_accessible().await;

    browser.click("a[rel=next]").await;
    browser.wait_for_path("/paths/backend-foundations/databases-and-data-modeling/query-optimization-and-transactions").await;
    browser.click("a[rel=prev]").await;
    browser
        .wait_for_path("/paths/backend-foundations/databases-and-data-modeling/how-indexes-work")
        .await;

    // The keyboard shortcut (progressive enhancement in app.js) does the same.
    browser
        .eval("document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight' }))")
        .await;
    browser.wait_for_path("/paths/backend-foundations/databases-and-data-modeling/query-optimization-and-transactions").await;

    // Readable on a phone: no sideways scrolling, code blocks scroll inside themselves.
    browser.set_window_width(360).await;
    let overflow = browser
        .eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        .await;
    assert_eq!(overflow, serde_json::json!(0));
    browser.assert_accessible().await;

    browser.close().await;
}
