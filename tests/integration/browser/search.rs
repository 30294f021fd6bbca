use crate::support::{Browser, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_results_appear_while_typing_without_a_reload() {
    let app = TestApp::sqlite().await;
    app.import_fixture().await;
    let browser = Browser::start().await;

    browser.goto(&app.url("/search")).await;
    browser.eval("window.__no_reload = true").await;
    browser.fill("q", "index").await;
    browser.wait_for(".search-results li").await;

    let first = browser.text(".search-results li > a").await;
    assert_eq!(first, "How Indexes Work and When They Are Used");
    assert_eq!(
        browser.eval("return window.__no_reload === true").await,
        serde_json::json!(true),
        "swapped by htmx, not reloaded"
    );
    browser.wait_for_path("/search").await;
    let url = browser.client.current_url().await.unwrap();
    assert_eq!(
        url.query(),
        Some("q=index"),
        "the address follows the query"
    );
    browser.assert_accessible().await;

    browser.close().await;
}
