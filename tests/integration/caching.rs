//! What caches may keep: pages for one person are `private, no-cache` (never in a shared
//! cache, revalidated before a stored copy is shown), pages with a secret in their address are
//! `no-store`, and public pages read without cookies stay cacheable.

use reqwest::{StatusCode, header};

use crate::{
    accounts::PASSWORD,
    password_reset::request_link,
    support::{TestApp, db_tests},
};

db_tests! {
    private_pages_are_private_and_secret_links_are_never_stored,
}

fn cache_control(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::CACHE_CONTROL)
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

async fn private_pages_are_private_and_secret_links_are_never_stored(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    sqlx::query("UPDATE users SET role = 'admin' WHERE email = 'ada@example.com'")
        .execute(app.db.pool())
        .await
        .unwrap();
    app.logout().await;
    app.login("ada@example.com", PASSWORD).await;

    for page in [
        "/dashboard",
        "/settings",
        "/notes",
        "/admin",
        "/admin/users",
        "/paths",
    ] {
        let response = app.get(page).await;
        assert_eq!(response.status(), StatusCode::OK, "{page}");
        assert_eq!(cache_control(&response), "private, no-cache", "{page}");
    }
    // A handler's own choice stands: the data export and the token page say no-store.
    assert_eq!(
        cache_control(&app.get("/settings/export").await),
        "no-store"
    );
    assert_eq!(
        cache_control(&app.get("/settings/tokens").await),
        "no-store"
    );

    // A visitor without cookies reads public pages that any cache may keep.
    let visitor = TestApp::client_only(&app);
    for page in ["/", "/paths", "/paths/backend-foundations"] {
        assert_eq!(cache_control(&visitor.get(page).await), "", "{page}");
    }
    // A form page starts a session (its CSRF token), so it is private from the first visit.
    assert_eq!(
        cache_control(&visitor.get("/login").await),
        "private, no-cache"
    );

    // A password-reset link is a secret: its page is never stored.
    app.logout().await;
    let link = request_link(&app, "ada@example.com", 1).await;
    let reset = app.get(&link).await;
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(cache_control(&reset), "no-store");
}
