//! User management by admins: roles, deactivation, 2FA resets, the audit log.

use reqwest::{StatusCode, header};

use crate::{
    accounts::PASSWORD,
    support::{Page, TestApp, db_tests},
};

db_tests! {
    an_admin_finds_users_and_changes_a_role_which_ends_their_sessions,
    the_last_admin_cannot_be_demoted_or_deactivated,
    deactivating_a_user_ends_their_open_session_at_once,
    an_admin_can_reset_a_users_two_factor_authentication,
    editors_and_learners_cannot_manage_users,
    the_audit_log_records_and_filters_admin_actions,
}

/// An app with an admin (this client) and a learner (the returned client).
async fn admin_and_learner(app: &TestApp) -> (TestApp, String) {
    let token = groundwork::auth::create_setup_token(&app.db).await.unwrap();
    app.post_form(
        &format!("/setup/{token}"),
        &[
            ("email", "root@example.com"),
            ("display_name", "Root"),
            ("password", PASSWORD),
        ],
    )
    .await;
    let learner = TestApp::client_only(app);
    learner.register("ada@example.com", "Ada", PASSWORD).await;
    let id: String = sqlx::query_scalar("SELECT id FROM users WHERE email = 'ada@example.com'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    (learner, id)
}

async fn an_admin_finds_users_and_changes_a_role_which_ends_their_sessions(app: TestApp) {
    let (learner, id) = admin_and_learner(&app).await;

    let found = Page::from(app.get("/admin/users?q=ADA%40").await).await;
    assert_eq!(found.count("tbody tr"), 1);
    assert!(found.text("tbody tr").contains("ada@example.com"));
    let literal = Page::from(app.get("/admin/users?q=%25").await).await;
    assert_eq!(literal.count("tbody tr"), 0, "% is searched for literally");

    let response = app
        .post_form(&format!("/admin/users/{id}/role"), &[("role", "editor")])
        .await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let role: String = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
        .bind(&id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(role, "editor");
    assert_eq!(
        learner.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER,
        "logged out by the change"
    );
    learner.login("ada@example.com", PASSWORD).await;
    assert_eq!(
        learner.get("/admin").await.status(),
        StatusCode::OK,
        "an editor now"
    );
}

async fn the_last_admin_cannot_be_demoted_or_deactivated(app: TestApp) {
    admin_and_learner(&app).await;
    let root: String = sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();

    app.post_form(&format!("/admin/users/{root}/role"), &[("role", "learner")])
        .await;
    let page = Page::from(app.get("/admin/users").await).await;
    assert!(page.text("[role=status].flash").contains("last admin"));
    app.post_form(&format!("/admin/users/{root}/deactivate"), &[])
        .await;

    let admins: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = $1")
            .bind(true)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(admins, 1);
}

async fn deactivating_a_user_ends_their_open_session_at_once(app: TestApp) {
    let (learner, id) = admin_and_learner(&app).await;
    assert_eq!(learner.get("/dashboard").await.status(), StatusCode::OK);

    let response = app
        .post_form(&format!("/admin/users/{id}/deactivate"), &[])
        .await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let next = learner.get("/dashboard").await;
    assert_eq!(next.status(), StatusCode::SEE_OTHER);
    assert!(
        next.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    assert_eq!(
        learner.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    app.post_form(&format!("/admin/users/{id}/reactivate"), &[])
        .await;
    assert_eq!(
        learner.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

async fn an_admin_can_reset_a_users_two_factor_authentication(app: TestApp) {
    let (learner, id) = admin_and_learner(&app).await;
    sqlx::query("UPDATE users SET totp_secret = 'JBSWY3DPEHPK3PXP' WHERE id = $1")
        .bind(&id)
        .execute(app.db.pool())
        .await
        .unwrap();
    let page = Page::from(app.get("/admin/users").await).await;
    assert_eq!(
        page.count(&format!("form[action='/admin/users/{id}/reset-2fa']")),
        1
    );

    app.post_form(&format!("/admin/users/{id}/reset-2fa"), &[])
        .await;

    let secret: Option<String> = sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = $1")
        .bind(&id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(secret, None);
    learner.logout().await;
    assert_eq!(
        learner.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::SEE_OTHER,
        "password alone again"
    );
}

async fn editors_and_learners_cannot_manage_users(app: TestApp) {
    let (learner, id) = admin_and_learner(&app).await;

    for path in ["/admin/users", "/admin/audit"] {
        assert_eq!(
            learner.get(path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(
        learner
            .post_form(&format!("/admin/users/{id}/role"), &[("role", "admin")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    app.post_form(&format!("/admin/users/{id}/role"), &[("role", "editor")])
        .await;
    learner.login("ada@example.com", PASSWORD).await;
    assert_eq!(learner.get("/admin").await.status(), StatusCode::OK);
    assert_eq!(
        learner.get("/admin/users").await.status(),
        StatusCode::FORBIDDEN,
        "editors edit content, not users"
    );
    assert_eq!(
        learner
            .post_form(&format!("/admin/users/{id}/role"), &[("role", "admin")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let role: String = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
        .bind(&id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(role, "editor");
}

async fn the_audit_log_records_and_filters_admin_actions(app: TestApp) {
    let (_learner, id) = admin_and_learner(&app).await;
    app.post_form(&format!("/admin/users/{id}/role"), &[("role", "editor")])
        .await;
    app.post_form(&format!("/admin/users/{id}/deactivate"), &[])
        .await;

    let all = Page::from(app.get("/admin/audit").await).await;
    let roles = Page::from(app.get("/admin/audit?action=user.role").await).await;
    let nobody = Page::from(app.get("/admin/audit?actor=nobody").await).await;

    assert_eq!(all.count("tbody tr"), 2);
    assert_eq!(
        all.texts("tbody tr td:nth-child(3)"),
        ["user.deactivate", "user.role"],
        "newest first"
    );
    assert_eq!(
        roles.texts("tbody tr td:nth-child(5)"),
        ["learner → editor"]
    );
    assert_eq!(roles.texts("tbody tr td:nth-child(2)"), ["Root"]);
    assert_eq!(nobody.count("tbody tr"), 0);
}
