use serde_json::json;

use crate::support::{Browser, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_page_has_no_serious_accessibility_violations_and_fits_a_phone() {
    let app = TestApp::sqlite().await;
    let browser = Browser::start().await;

    browser.goto(&app.url("/")).await;
    let heading = browser
        .eval("return document.querySelector('h1').textContent")
        .await;
    assert_eq!(heading, json!("Learn how the backend really works."));
    // htmx loaded from /static despite the strict CSP, with our configuration.
    let htmx = browser
        .eval("return [typeof htmx, htmx.config.includeIndicatorStyles]")
        .await;
    assert_eq!(htmx, json!(["object", false]));
    // In both themes, at 1280 and 360 px, and no sideways scrolling at 320 px.
    browser.assert_accessible().await;

    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_404_page_has_no_serious_accessibility_violations() {
    let app = TestApp::sqlite().await;
    let browser = Browser::start().await;

    browser.goto(&app.url("/no/such/page")).await;
    let heading = browser
        .eval("return document.querySelector('h1').textContent")
        .await;
    assert_eq!(heading, json!("Page not found"));
    browser.assert_accessible().await;

    browser.close().await;
}
