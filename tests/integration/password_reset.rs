//! Password reset by email, followed through the outbox.

use reqwest::{StatusCode, header};

use crate::{
    accounts::{NEW_PASSWORD, PASSWORD},
    support::{Page, TestApp, db_tests},
};

db_tests! {
    a_password_reset_works_end_to_end_through_the_outbox,
    a_used_reset_link_is_refused_with_a_clear_page,
    an_expired_reset_link_is_refused,
    a_newer_reset_link_replaces_the_older_one,
    asking_for_an_unknown_email_looks_the_same_and_sends_nothing,
}

/// Asks for a reset of `email` and returns the path of the link in the newest mail.
pub async fn request_link(app: &TestApp, email: &str, mails_expected: usize) -> String {
    let response = app.post_form("/password-reset", &[("email", email)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let mails = app.outbox(mails_expected).await;
    let mail = mails.last().unwrap();
    let start = mail.find("/password-reset/").expect("a link in the mail");
    mail[start..].split_whitespace().next().unwrap().to_owned()
}

async fn a_password_reset_works_end_to_end_through_the_outbox(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let laptop = TestApp::client_only(&app);
    laptop.login("ada@example.com", PASSWORD).await;
    app.logout().await;

    let link = request_link(&app, "ADA@example.com", 1).await;
    let mail = &app.outbox(1).await[0];
    assert!(mail.contains("To: ada@example.com"), "{mail}");
    assert_eq!(app.get(&link).await.status(), StatusCode::OK);
    let response = app.post_form(&link, &[("password", NEW_PASSWORD)]).await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/login");
    let login_page = Page::from(app.get("/login").await).await;
    assert!(
        login_page
            .text("[role=status].flash")
            .contains("Your password was changed")
    );
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.login("ada@example.com", NEW_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        laptop.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER,
        "other sessions ended"
    );
}

async fn a_used_reset_link_is_refused_with_a_clear_page(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let link = request_link(&app, "ada@example.com", 1).await;
    app.post_form(&link, &[("password", NEW_PASSWORD)]).await;

    let again = app.get(&link).await;
    let post_again = app
        .post_form(&link, &[("password", "another strong pass phrase")])
        .await;

    assert_eq!(again.status(), StatusCode::GONE);
    let page = Page::from(again).await;
    assert!(
        page.text("[role=alert]")
            .contains("expired or was already used")
    );
    assert_eq!(
        page.count("form[action='/password-reset']"),
        1,
        "offers a new link"
    );
    assert_eq!(post_again.status(), StatusCode::GONE);
    assert_eq!(
        app.login("ada@example.com", NEW_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

async fn an_expired_reset_link_is_refused(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let link = request_link(&app, "ada@example.com", 1).await;
    sqlx::query("UPDATE one_time_tokens SET expires_at = 1")
        .execute(app.db.pool())
        .await
        .unwrap();

    assert_eq!(app.get(&link).await.status(), StatusCode::GONE);
    assert_eq!(
        app.post_form(&link, &[("password", NEW_PASSWORD)])
            .await
            .status(),
        StatusCode::GONE
    );
}

async fn a_newer_reset_link_replaces_the_older_one(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let first = request_link(&app, "ada@example.com", 1).await;
    let second = request_link(&app, "ada@example.com", 2).await;

    assert_ne!(first, second);
    assert_eq!(app.get(&first).await.status(), StatusCode::GONE);
    assert_eq!(app.get(&second).await.status(), StatusCode::OK);
}

async fn asking_for_an_unknown_email_looks_the_same_and_sends_nothing(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;

    let known = Page::from(
        app.post_form("/password-reset", &[("email", "ada@example.com")])
            .await,
    )
    .await;
    let unknown = Page::from(
        app.post_form("/password-reset", &[("email", "nobody@example.com")])
            .await,
    )
    .await;

    assert_eq!(
        known.text("[role=status].flash"),
        unknown.text("[role=status].flash")
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        app.outbox(1).await.len(),
        1,
        "only the real account got mail"
    );
}
