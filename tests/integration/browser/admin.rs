use crate::{
    accounts::PASSWORD,
    support::{Browser, TestApp},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_pages_have_no_serious_accessibility_violations() {
    let app = TestApp::sqlite().await;
    let token = groundwork::auth::create_setup_token(&app.db).await.unwrap();
    let setup = format!("/setup/{token}");
    app.post_form(
        &setup,
        &[
            ("email", "root@example.com"),
            ("display_name", "Root"),
            ("password", PASSWORD),
        ],
    )
    .await;
    let learner = TestApp::client_only(&app);
    learner.register("ada@example.com", "Ada", PASSWORD).await;
    let browser = Browser::start().await;

    browser.goto(&app.url("/login")).await;
    browser.fill("email", "root@example.com").await;
    browser.fill("password", PASSWORD).await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_path("/dashboard").await;

    for path in ["/admin", "/admin/users", "/admin/audit"] {
        browser.goto(&app.url(path)).await;
        browser.assert_accessible().await;
    }
    // Deactivate from the list; the page comes back with the confirmation.
    browser.goto(&app.url("/admin/users")).await;
    browser.click("form[action$='/deactivate'] button").await;
    browser.wait_for("[role=status].flash").await;
    assert!(
        browser
            .text("[role=status].flash")
            .await
            .contains("deactivated")
    );

    browser.close().await;
}
