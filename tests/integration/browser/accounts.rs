use crate::{
    accounts::PASSWORD,
    support::{Browser, TestApp},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learner_registers_logs_out_logs_in_and_logs_out_again() {
    let app = TestApp::sqlite().await;
    let browser = Browser::start().await;

    // Register: the form is accessible, and success lands on the dashboard, logged in.
    browser.goto(&app.url("/register")).await;
    browser.assert_accessible().await;
    browser.fill("email", "ada@example.com").await;
    browser.fill("display_name", "Ada Lovelace").await;
    browser.fill("password", PASSWORD).await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_path("/dashboard").await;
    assert_eq!(browser.text("main h1").await, "Welcome, Ada Lovelace");
    assert_eq!(
        browser.count(".nav-row a[href='/dashboard']").await,
        1,
        "dashboard link while logged in"
    );
    browser.assert_accessible().await;

    // Log out from the header.
    browser.click("nav form[action='/logout'] button").await;
    browser.wait_for_path("/").await;
    assert_eq!(
        browser.count(".nav-row a[href='/dashboard']").await,
        0,
        "no dashboard link when logged out"
    );

    // A wrong password first: the error is shown beside the field, the email kept.
    browser.goto(&app.url("/login")).await;
    browser.assert_accessible().await;
    browser.fill("email", "ada@example.com").await;
    browser.fill("password", "not my password").await;
    browser.click("main form button[type=submit]").await;
    let error = browser.wait_for("#password-error").await;
    assert_eq!(error, "The email or password is not correct.");
    let kept = browser
        .eval("return document.getElementById('email').value")
        .await;
    assert_eq!(kept, serde_json::json!("ada@example.com"));

    browser.fill("password", PASSWORD).await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_path("/dashboard").await;
    assert_eq!(browser.text("main h1").await, "Welcome, Ada Lovelace");
    assert_eq!(browser.count(".nav-row a[href='/dashboard']").await, 1);

    // Settings render accessibly too, then log out again.
    browser.goto(&app.url("/settings")).await;
    browser.assert_accessible().await;

    // A personal access token for the API: made with the keyboard-usable form, shown once.
    browser.click("a[href='/settings/tokens']").await;
    browser.wait_for_path("/settings/tokens").await;
    browser.assert_accessible().await;
    browser.fill("name", "my script").await;
    browser
        .click("main form[action='/settings/tokens'] button[type=submit]")
        .await;
    let shown = browser.wait_for("#new-token-title").await;
    assert_eq!(shown, "Your new token “my script”");
    let token = browser
        .eval("return document.getElementById('new-token').value")
        .await;
    assert!(token.as_str().unwrap().starts_with("gw_"));
    browser.assert_accessible().await;
    browser.goto(&app.url("/api")).await;
    browser.assert_accessible().await;
    browser.click("nav form[action='/logout'] button").await;
    browser.wait_for_path("/").await;
    assert_eq!(browser.count(".nav-row a[href='/dashboard']").await, 0);

    browser.close().await;
}
