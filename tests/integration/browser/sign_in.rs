//! Single sign-on in a real browser: from the login page's button through the OpenID
//! provider's own login form and back, and the pages on the way accessible.

use crate::{
    sso::with_providers,
    support::{Browser, TestApp, oidc_provider},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learner_signs_in_with_the_identity_provider_and_sees_the_link_in_settings() {
    let app = TestApp::sqlite_with(with_providers).await;
    let browser = Browser::start().await;

    browser.goto(&app.url("/login")).await;
    browser.assert_accessible().await;
    browser.click(".sso a[href='/login/test']").await;

    // At the provider: its login form, in the same tab.
    browser.wait_for("input[name=login]").await;
    let at = browser.eval("return location.origin").await;
    assert_eq!(at, serde_json::json!(oidc_provider::issuer()));
    browser
        .eval(
            "document.querySelector('input[name=login]').value = 'hedy@example.edu';
             document.querySelector('input[name=password]').value = 'any password';
             document.querySelector('input[name=login]').form.submit();",
        )
        .await;
    // Its consent step (oidc-provider asks native-type clients every time): continue.
    browser.wait_for("input[name=prompt][value=consent]").await;
    browser
        .eval("document.querySelector('input[name=prompt]').form.submit();")
        .await;
    browser.wait_for_path("/dashboard").await;
    assert_eq!(browser.text("main h1").await, "Welcome, hedy");

    browser.goto(&app.url("/settings/sign-in")).await;
    browser.assert_accessible().await;
    assert_eq!(browser.text("tbody td:first-child").await, "Test Identity");
    // On a wide screen the table shows every column, Unlink included, without scrolling.
    let scrolls = browser
        .eval(
            "const box = document.querySelector('.table-scroll'); \
             return box.scrollWidth > box.clientWidth;",
        )
        .await;
    assert_eq!(
        scrolls, false,
        "the linked accounts table scrolls at 1024 px"
    );

    // A callback this browser did not start: the refusal page, accessible, and no way in.
    browser.click("nav form[action='/logout'] button").await;
    browser.wait_for_path("/").await;
    browser
        .goto(&app.url("/login/test/callback?code=forged&state=forged"))
        .await;
    assert!(browser.text("main h1").await.contains("did not complete"));
    browser.assert_accessible().await;

    browser.close().await;
}
