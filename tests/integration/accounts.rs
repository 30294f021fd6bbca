//! Accounts and sessions: registration, login, logout, cookies, CSRF, throttling, roles.

use reqwest::{StatusCode, header};

use crate::support::{Page, TestApp, db_tests};

pub const PASSWORD: &str = "plum tractor lantern 42";
pub const NEW_PASSWORD: &str = "violet harbor engine 77";

db_tests! {
    registering_logs_the_user_in_and_shows_the_dashboard,
    invalid_registration_shows_errors_beside_the_fields_and_keeps_the_input,
    a_second_account_with_the_same_email_in_other_case_is_refused,
    the_session_cookie_is_http_only_and_same_site_lax,
    the_session_id_changes_at_login,
    an_old_session_cookie_is_dead_after_logout,
    a_password_change_ends_the_other_sessions_but_not_this_one,
    a_post_without_a_csrf_token_is_refused_with_a_403_page,
    a_cross_site_post_is_refused_even_with_the_token,
    the_sixth_quick_wrong_password_is_throttled,
    a_successful_login_clears_the_failures,
    wrong_email_and_wrong_password_get_the_same_answer,
    login_follows_a_same_site_next_and_ignores_another_site,
    anonymous_users_are_sent_to_login_from_private_pages,
    a_learner_gets_403_on_admin,
    a_deactivated_user_cannot_log_in_and_loses_their_session,
}

async fn registering_logs_the_user_in_and_shows_the_dashboard(app: TestApp) {
    let response = app
        .register("ada@example.com", "Ada Lovelace", PASSWORD)
        .await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/dashboard");
    let dashboard = Page::from(app.get("/dashboard").await).await;
    assert_eq!(dashboard.text("h1"), "Welcome, Ada Lovelace");
    assert_eq!(
        dashboard
            .attrs(".nav-row a[href='/dashboard']", "href")
            .len(),
        1
    );
    let stored: (String, String) = sqlx::query_as("SELECT email, role FROM users")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, ("ada@example.com".to_owned(), "learner".to_owned()));
}

async fn invalid_registration_shows_errors_beside_the_fields_and_keeps_the_input(app: TestApp) {
    let response = app.register("not-an-email", "  Ada  ", "password").await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from(response).await;
    assert!(page.text("#email-error").contains("like name@example.com"));
    assert!(page.text("#password-error").contains("too easy to guess"));
    assert_eq!(page.attrs("#email", "value"), ["not-an-email"]);
    assert_eq!(page.attrs("#display_name", "value"), ["  Ada  "]);
    assert_eq!(page.attrs("#email", "aria-invalid"), ["true"]);
    assert_eq!(
        page.attrs("#password", "value"),
        [""],
        "passwords are never echoed"
    );
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(count, 0);
}

async fn a_second_account_with_the_same_email_in_other_case_is_refused(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let other = TestApp::client_only(&app);

    let response = other
        .register("ADA@Example.com ", "Another Ada", PASSWORD)
        .await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from(response).await;
    assert!(
        page.text("#email-error").contains("already exists"),
        "{}",
        page.text("#email-error")
    );
}

async fn the_session_cookie_is_http_only_and_same_site_lax(app: TestApp) {
    let response = app.register("ada@example.com", "Ada", PASSWORD).await;

    let cookie = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("groundwork="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http in tests: {cookie}");
    let anonymous = app.new_client().get(app.url("/")).send().await.unwrap();
    assert_eq!(
        anonymous.headers().get(header::SET_COOKIE),
        None,
        "reading starts no session"
    );
}

async fn the_session_id_changes_at_login(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;
    app.logout().await;
    app.csrf_token().await; // an anonymous session, as on the login page
    let before = app.session_cookie().expect("an anonymous session");

    let response = app.login("ada@example.com", PASSWORD).await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let after = app.session_cookie().expect("a session");
    assert_ne!(before, after);
    let stale = app.client_with_session(&before);
    let dashboard = stale.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(
        dashboard.status(),
        StatusCode::SEE_OTHER,
        "the pre-login id is worthless"
    );
}

async fn an_old_session_cookie_is_dead_after_logout(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let cookie = app.session_cookie().unwrap();

    let response = app.logout().await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/");
    let replayed = app
        .client_with_session(&cookie)
        .get(app.url("/dashboard"))
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        replayed.headers()[header::LOCATION],
        "/login?next=%2Fdashboard"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id IS NOT NULL")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(rows, 0, "deleted server-side");
}

async fn a_password_change_ends_the_other_sessions_but_not_this_one(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let laptop = TestApp::client_only(&app);
    laptop.login("ada@example.com", PASSWORD).await;
    assert_eq!(laptop.get("/dashboard").await.status(), StatusCode::OK);

    let response = app
        .post_form(
            "/settings/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/dashboard").await.status(),
        StatusCode::OK,
        "this session lives on"
    );
    assert_eq!(
        laptop.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER,
        "the other one is over"
    );
    assert_eq!(
        laptop.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        laptop.login("ada@example.com", NEW_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

async fn a_post_without_a_csrf_token_is_refused_with_a_403_page(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;

    let response = app
        .client
        .post(app.url("/logout"))
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let page = Page::from(response).await;
    assert_eq!(page.text("h1"), "Not allowed");
    assert!(page.text(".lead").contains("reload the page and try again"));
    assert_eq!(
        app.get("/dashboard").await.status(),
        StatusCode::OK,
        "still logged in"
    );

    let wrong = app
        .client
        .post(app.url("/logout"))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
}

async fn a_cross_site_post_is_refused_even_with_the_token(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let token = app.csrf_token().await;

    let cross_site = app
        .client
        .post(app.url("/logout"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    let other_origin = app
        .client
        .post(app.url("/logout"))
        .header("Origin", "https://evil.example")
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    let htmx_header = app
        .client
        .post(app.url("/logout"))
        .header("Sec-Fetch-Site", "same-origin")
        .header("X-CSRF-Token", token.as_str())
        .send()
        .await
        .unwrap();

    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    assert_eq!(other_origin.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        htmx_header.status(),
        StatusCode::SEE_OTHER,
        "same-origin with the header token is fine"
    );
}

async fn the_sixth_quick_wrong_password_is_throttled(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;
    app.logout().await;

    for attempt in 1..=5 {
        let response = app.login("ada@example.com", "wrong password here").await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "attempt {attempt}"
        );
    }
    let sixth = app.login("ada@example.com", PASSWORD).await;

    assert_eq!(sixth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sixth.headers()[header::RETRY_AFTER], "900");
    let page = Page::from(sixth).await;
    assert!(
        page.text("#password-error")
            .contains("Try again in 15 minutes"),
        "{}",
        page.text("#password-error")
    );
    assert_eq!(
        page.attrs("form[action='/login/link'] input[name=email]", "value"),
        ["ada@example.com"],
        "the owner is offered a sign-in link, the email kept"
    );
    assert_eq!(
        app.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER,
        "not logged in"
    );
}

async fn a_successful_login_clears_the_failures(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;
    app.logout().await;
    for _ in 0..4 {
        app.login("ada@example.com", "wrong password here").await;
    }

    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    app.logout().await;

    for _ in 0..4 {
        app.login("ada@example.com", "wrong password here").await;
    }
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

async fn wrong_email_and_wrong_password_get_the_same_answer(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;
    app.logout().await;

    let unknown = Page::from(app.login("nobody@example.com", PASSWORD).await).await;
    let wrong = Page::from(app.login("ada@example.com", "wrong password here").await).await;

    assert_eq!(
        unknown.text("#password-error"),
        wrong.text("#password-error")
    );
    assert_eq!(
        unknown.text("#password-error"),
        "The email or password is not correct."
    );
    assert_eq!(
        unknown.attrs("#email", "value"),
        ["nobody@example.com"],
        "input kept"
    );
}

async fn login_follows_a_same_site_next_and_ignores_another_site(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;
    app.logout().await;
    let login = |next: &'static str| {
        let app = &app;
        async move {
            let response = app
                .post_form(
                    "/login",
                    &[
                        ("email", "ada@example.com"),
                        ("password", PASSWORD),
                        ("next", next),
                    ],
                )
                .await;
            app.logout().await;
            response.headers()[header::LOCATION]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };

    assert_eq!(login("/settings").await, "/settings");
    assert_eq!(login("https://evil.example").await, "/dashboard");
    assert_eq!(login("//evil.example/x").await, "/dashboard");
    assert_eq!(login("/\\evil.example").await, "/dashboard");
}

async fn anonymous_users_are_sent_to_login_from_private_pages(app: TestApp) {
    for (path, next) in [
        ("/dashboard", "%2Fdashboard"),
        ("/settings", "%2Fsettings"),
        ("/admin", "%2Fadmin"),
    ] {
        let response = app.get(path).await;

        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(
            response.headers()[header::LOCATION],
            format!("/login?next={next}").as_str()
        );
    }
    let login = Page::from(app.get("/login?next=%2Fsettings").await).await;
    assert_eq!(login.attrs("input[name=next]", "value"), ["/settings"]);
}

async fn a_learner_gets_403_on_admin(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;

    let response = app.get("/admin").await;

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let page = Page::from(response).await;
    assert_eq!(page.text("h1"), "Not allowed");
    assert_eq!(
        page.count("nav a[href='/admin']"),
        0,
        "no admin link for learners"
    );
}

async fn a_deactivated_user_cannot_log_in_and_loses_their_session(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;

    sqlx::query("UPDATE users SET active = $1")
        .bind(false)
        .execute(app.db.pool())
        .await
        .unwrap();

    assert_eq!(app.get("/dashboard").await.status(), StatusCode::SEE_OTHER);
    let response = app.login("ada@example.com", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        Page::from(response)
            .await
            .text("#email-error")
            .contains("deactivated")
    );
}

#[tokio::test]
async fn behind_https_the_cookie_is_secure_with_the_host_prefix_and_hsts_is_sent() {
    let app = TestApp::sqlite_with(|config| config.secure_cookies = true).await;

    let response = app.register("ada@example.com", "Ada", PASSWORD).await;

    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("__Host-groundwork="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain"), "{cookie}");
    assert_eq!(
        response.headers()[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000; includeSubDomains"
    );
}

#[tokio::test]
async fn when_admins_must_use_two_factor_an_admin_without_it_is_sent_to_set_it_up() {
    let app = TestApp::sqlite_with(|config| config.require_admin_2fa = true).await;
    let token = groundwork::auth::create_setup_token(&app.db).await.unwrap();

    let created = app
        .post_form(
            &format!("/setup/{token}"),
            &[
                ("email", "root@example.com"),
                ("display_name", "Root"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let admin = app.get("/admin").await;

    assert_eq!(admin.status(), StatusCode::SEE_OTHER);
    assert_eq!(admin.headers()[header::LOCATION], "/settings/two-factor");
    app.logout().await;
    let login = app.login("root@example.com", PASSWORD).await;
    assert_eq!(login.headers()[header::LOCATION], "/settings/two-factor");
}

#[tokio::test]
async fn many_failures_from_one_address_throttle_it_across_accounts() {
    let app = TestApp::sqlite().await;

    for n in 0..30 {
        let response = app
            .login(&format!("user{n}@example.com"), "wrong password here")
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "attempt {n}"
        );
    }
    let next = app
        .login("someone-else@example.com", "wrong password here")
        .await;

    assert_eq!(next.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_session_older_than_its_absolute_lifetime_is_ended() {
    let app = TestApp::sqlite_with(|config| config.session_max_hours = 0).await;

    app.register("ada@example.com", "Ada", PASSWORD).await;
    let dashboard = app.get("/dashboard").await;

    assert_eq!(dashboard.status(), StatusCode::SEE_OTHER);
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id IS NOT NULL")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(rows, 0);
}
