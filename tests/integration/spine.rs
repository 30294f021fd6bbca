//! The spine: the published curriculum served from memory and kept current across instances,
//! and pages held to a fixed, small number of database statements whatever the data size.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::{
    accounts::PASSWORD,
    authoring::become_editor,
    support::{TestApp, db_tests},
};

db_tests! {
    a_lesson_published_on_one_instance_shows_on_another_within_a_second,
    pages_run_a_fixed_small_number_of_statements_whatever_the_progress,
}

const PATH: &str = "/paths/backend-foundations";
const MODULE: &str = "/paths/backend-foundations/how-backends-work";
const LESSON: &str = "/paths/backend-foundations/how-backends-work/what-the-backend-does";

/// The statements a GET of `path` ran on the server (TestApp turns `--server-timing` on).
async fn statements(app: &TestApp, path: &str) -> u32 {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let header = response.headers()["server-timing"].to_str().unwrap();
    groundwork::web::statements::parse(header).expect("a statement count")
}

async fn a_lesson_published_on_one_instance_shows_on_another_within_a_second(app: TestApp) {
    app.import_bundled().await;
    let other = app.another_instance().await;
    become_editor(&app, "ed@example.com", "Ed").await;
    let module: String = sqlx::query_scalar("SELECT id FROM modules WHERE slug = $1")
        .bind("how-backends-work")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let lesson = format!("{MODULE}/published-elsewhere");
    assert_eq!(other.get(&lesson).await.status(), StatusCode::NOT_FOUND);

    let created = app
        .post_form(
            &format!("/admin/modules/{module}/lessons"),
            &[
                ("title", "Published Elsewhere"),
                ("slug", "published-elsewhere"),
                ("summary", "Written on one instance, read on another."),
                ("body_markdown", "## Hello\n\nFrom instance A.\n"),
                ("published", "on"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let published = Instant::now();
    // The instance that made the change shows it at once.
    assert_eq!(app.get(&lesson).await.status(), StatusCode::OK);

    // The other one within a second: it only learns of the change from the database.
    loop {
        let status = other.get(&lesson).await.status();
        if status == StatusCode::OK {
            break;
        }
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(
            published.elapsed() < Duration::from_secs(1),
            "instance B still serves the old curriculum after a second"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let module_page = other.get(MODULE).await.text().await.unwrap();
    assert!(module_page.contains("Published Elsewhere"));
}

async fn pages_run_a_fixed_small_number_of_statements_whatever_the_progress(app: TestApp) {
    app.import_bundled().await;
    // A visitor's pages come from memory.
    for page in ["/", "/paths", PATH, MODULE, LESSON] {
        assert_eq!(statements(&app, page).await, 0, "{page} for a visitor");
    }

    app.register("ada@example.com", "Ada", PASSWORD).await;
    let fresh = (
        statements(&app, LESSON).await,
        statements(&app, "/dashboard").await,
    );
    // Progress everywhere: every lesson of the path done, visits, a quiz attempt, notes.
    let lessons: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT p.slug, m.slug, l.slug FROM lessons l JOIN modules m ON m.id = l.module_id \
         JOIN paths p ON p.id = m.path_id WHERE l.published = TRUE",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    for (path, module, lesson) in &lessons {
        let href = format!("/paths/{path}/{module}/{lesson}");
        assert_eq!(app.get(&href).await.status(), StatusCode::OK);
        app.post_form(&format!("{href}/complete"), &[]).await;
    }
    app.post_form(&format!("{LESSON}/note"), &[("note", "Remember this.")])
        .await;
    app.post_form(&format!("{LESSON}/bookmark"), &[]).await;
    app.post_form(&format!("{MODULE}/quiz"), &[]).await;

    let busy = (
        statements(&app, LESSON).await,
        statements(&app, "/dashboard").await,
    );
    assert_eq!(fresh, busy, "the count does not grow with progress");
    let (lesson, dashboard) = busy;
    // The session with its user; progress with the lesson's bookmark and note.
    assert_eq!(lesson, 2, "a logged-in lesson view");
    // The session with its user; progress with certificates and recent quiz attempts.
    assert_eq!(dashboard, 2, "the dashboard");
    for page in [PATH, MODULE, &format!("{PATH}/roadmap")] {
        assert_eq!(statements(&app, page).await, 2, "{page}");
    }
}
