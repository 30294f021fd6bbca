//! Session persistence: a page view writes nothing, the idle timeout is pushed back at most
//! once a minute, and a staff session keeps its shorter timeout whatever request saves it.

use crate::{
    accounts::PASSWORD,
    authoring::become_editor,
    support::{TestApp, db_tests},
};

db_tests! {
    reading_pages_writes_the_session_at_most_once_a_minute,
    an_editor_session_keeps_the_staff_idle_timeout_whatever_saves_it,
}

const LESSON: &str = "/paths/backend-foundations/databases-and-data-modeling/schema-design";

/// The stored session of `email`: its data (JSON) and expiry.
async fn stored(app: &TestApp, email: &str) -> (String, i64) {
    sqlx::query_as(
        "SELECT s.data, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE u.email = $1",
    )
    .bind(email)
    .fetch_one(app.db.pool())
    .await
    .unwrap()
}

/// Pretends the last refresh was two minutes ago.
async fn age_refresh(app: &TestApp, email: &str) {
    let (data, _) = stored(app, email).await;
    let mut data: serde_json::Value = serde_json::from_str(&data).unwrap();
    let two_minutes_ago = data["refreshed_at"].as_i64().unwrap() - 120;
    data["refreshed_at"] = two_minutes_ago.into();
    sqlx::query(
        "UPDATE sessions SET data = $1 WHERE user_id = (SELECT id FROM users WHERE email = $2)",
    )
    .bind(data.to_string())
    .bind(email)
    .execute(app.db.pool())
    .await
    .unwrap();
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn reading_pages_writes_the_session_at_most_once_a_minute(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    app.get("/dashboard").await;
    let before = stored(&app, "ada@example.com").await;

    for path in ["/dashboard", LESSON, "/paths", LESSON] {
        assert_eq!(app.get(path).await.status(), reqwest::StatusCode::OK);
    }

    assert_eq!(
        stored(&app, "ada@example.com").await,
        before,
        "four page views within the minute wrote nothing"
    );
    age_refresh(&app, "ada@example.com").await;
    app.get(LESSON).await;
    let (data, expires_at) = stored(&app, "ada@example.com").await;
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert!(
        data["refreshed_at"].as_i64().unwrap() >= now() - 5,
        "refreshed"
    );
    let week = 7 * 24 * 3600;
    assert!(
        (expires_at - (now() + week)).abs() < 10,
        "the idle timeout starts again"
    );
}

async fn an_editor_session_keeps_the_staff_idle_timeout_whatever_saves_it(app: TestApp) {
    become_editor(&app, "grace@example.com", "Grace").await;
    app.logout().await;
    app.login("grace@example.com", PASSWORD).await;
    let hour = 3600;
    let (_, at_login) = stored(&app, "grace@example.com").await;
    assert!(
        (at_login - (now() + hour)).abs() < 10,
        "60 minutes for staff"
    );

    // A flash (set by a form post) and a refresh both save the session.
    app.post_form("/settings/profile", &[("display_name", "Grace H")])
        .await;
    age_refresh(&app, "grace@example.com").await;
    app.get("/admin").await;

    let (_, after) = stored(&app, "grace@example.com").await;
    assert!(
        (after - (now() + hour)).abs() < 10,
        "still 60 minutes, not the learners' 7 days: {}",
        after - now()
    );
}
