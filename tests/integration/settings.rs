//! The settings page: profile, email, data export, account deletion.

use reqwest::{StatusCode, header};
use serde_json::Value;

use crate::{
    accounts::PASSWORD,
    support::{Page, TestApp, db_tests},
};

db_tests! {
    the_display_name_can_be_changed,
    changing_the_email_needs_the_password_and_a_free_address,
    the_data_export_contains_the_users_data_and_nobody_elses,
    deleting_the_account_needs_the_password_and_removes_the_data,
}

async fn the_display_name_can_be_changed(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;

    let empty = app
        .post_form("/settings/profile", &[("display_name", "   ")])
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .post_form("/settings/profile", &[("display_name", "Ada King")])
        .await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = Page::from(app.get("/settings").await).await;
    assert_eq!(
        page.text("[role=status].flash"),
        "Your display name was saved."
    );
    assert_eq!(page.attrs("#display_name", "value"), ["Ada King"]);
}

async fn changing_the_email_needs_the_password_and_a_free_address(app: TestApp) {
    app.register("grace@example.com", "Grace", PASSWORD).await;
    app.logout().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;

    let wrong_password = app
        .post_form(
            "/settings/email",
            &[("new_email", "ada@new.example"), ("email_password", "nope")],
        )
        .await;
    let taken = app
        .post_form(
            "/settings/email",
            &[
                ("new_email", "Grace@example.com"),
                ("email_password", PASSWORD),
            ],
        )
        .await;
    let changed = app
        .post_form(
            "/settings/email",
            &[
                ("new_email", "ada@new.example"),
                ("email_password", PASSWORD),
            ],
        )
        .await;

    assert_eq!(wrong_password.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from(wrong_password).await;
    assert_eq!(
        page.attrs("#new_email", "value"),
        ["ada@new.example"],
        "input kept"
    );
    assert!(page.text("#email_password-error").contains("not correct"));
    assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    app.logout().await;
    assert_eq!(
        app.login("ada@new.example", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

async fn the_data_export_contains_the_users_data_and_nobody_elses(app: TestApp) {
    app.register("grace@example.com", "Grace Hopper", PASSWORD)
        .await;
    app.logout().await;
    app.register("ada@example.com", "Ada Lovelace", PASSWORD)
        .await;

    let response = app.get("/settings/export").await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let text = response.text().await.unwrap();
    let data: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(data["account"]["email"], "ada@example.com");
    assert_eq!(data["account"]["display_name"], "Ada Lovelace");
    assert!(!text.contains("grace"), "nobody else's data");
    assert!(!text.contains("argon2"), "no password hash");
}

async fn deleting_the_account_needs_the_password_and_removes_the_data(app: TestApp) {
    app.register("grace@example.com", "Grace", PASSWORD).await;
    app.logout().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;

    let unconfirmed = app
        .post_form("/settings/delete", &[("delete_password", PASSWORD)])
        .await;
    let wrong = app
        .post_form(
            "/settings/delete",
            &[("delete_password", "nope"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(unconfirmed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let response = app
        .post_form(
            "/settings/delete",
            &[("delete_password", PASSWORD), ("confirm", "yes")],
        )
        .await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/");
    let home = Page::from(app.get("/").await).await;
    assert!(home.text("[role=status].flash").contains("were deleted"));
    let emails: Vec<String> = sqlx::query_scalar("SELECT email FROM users")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert_eq!(emails, ["grace@example.com"]);
    let sessions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id IS NOT NULL")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(sessions, 0);
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

/// Served by IP address (the default, 127.0.0.1), the site cannot be a WebAuthn relying party:
/// passkeys are not offered, and their endpoints say so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passkeys_are_off_where_the_site_has_no_domain_name() {
    let app = TestApp::sqlite().await;
    let login = Page::from(app.get("/login").await).await;
    assert_eq!(login.count("form[data-passkey-login]"), 0);
    app.register("ada@example.com", "Ada", crate::accounts::PASSWORD)
        .await;
    let settings = Page::from(app.get("/settings/sign-in").await).await;
    assert_eq!(settings.count("form[data-passkey-register]"), 0);
    assert!(
        settings
            .text("main")
            .contains("Passkeys are off on this site")
    );
    let token = app.csrf_token().await;
    let options = app
        .client
        .post(app.url("/settings/passkeys/options"))
        .header("x-csrf-token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(options.status(), reqwest::StatusCode::NOT_FOUND);
    let body: serde_json::Value = options.json().await.unwrap();
    assert_eq!(body["error"], "Passkeys are not available on this site.");
}
