//! Learning progress: marking lessons done, progress bars, privacy of progress. On the fixture
//! curriculum (tests/fixtures/curriculum): three modules, six lessons; the second (three
//! lessons, two SQL exercises) and the third build on the first.

use reqwest::{StatusCode, header};

use crate::{
    accounts::PASSWORD,
    support::{Page, TestApp, db_tests},
};

const LESSON: &str = "/paths/backend-foundations/databases-and-data-modeling/schema-design";

db_tests! {
    marking_a_lesson_done_without_javascript_moves_every_progress_bar,
    an_htmx_completion_gets_the_updated_widget,
    fifty_concurrent_completions_leave_one_row,
    anonymous_visitors_are_asked_to_log_in_to_track_progress,
    one_learners_progress_is_invisible_and_untouchable_for_another,
    unpublished_lessons_cannot_be_completed,
}

async fn completions(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM lesson_completions")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn marking_a_lesson_done_without_javascript_moves_every_progress_bar(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let before = Page::from(app.get(LESSON).await).await;
    assert_eq!(before.text("#completion button"), "Mark as done");

    let response = app.post_form(&format!("{LESSON}/complete"), &[]).await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], LESSON);
    let lesson = Page::from(app.get(LESSON).await).await;
    assert_eq!(lesson.text("#completion button"), "Mark as not done");
    assert_eq!(lesson.attrs("#module-progress", "value"), ["1"]);
    assert_eq!(lesson.attrs("#module-progress", "max"), ["3"]);
    assert_eq!(lesson.count(".lesson-outline li.done"), 1);
    let outline = Page::from(app.get("/paths/backend-foundations").await).await;
    assert_eq!(
        outline.attrs("#progress-databases-and-data-modeling", "value"),
        ["1"]
    );
    let dashboard = Page::from(app.get("/dashboard").await).await;
    assert_eq!(
        dashboard.attrs("#path-progress-backend-foundations", "value"),
        ["1"]
    );
    assert!(
        dashboard
            .text("label[for=path-progress-backend-foundations]")
            .starts_with("1 of 6 lessons done")
    );
    let export: serde_json::Value = app.get("/settings/export").await.json().await.unwrap();
    assert_eq!(
        export["lesson_completions"][0]["lesson_title"],
        "Schema Design: Keys, Normalization and Constraints"
    );

    let undo = app.post_form(&format!("{LESSON}/incomplete"), &[]).await;
    assert_eq!(undo.status(), StatusCode::SEE_OTHER);
    assert_eq!(completions(&app).await, 0);
}

async fn an_htmx_completion_gets_the_updated_widget(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let token = app.csrf_token().await;

    let response = app
        .client
        .post(app.url(&format!("{LESSON}/complete")))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", token)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.unwrap();
    assert!(!body.contains("<html"), "a fragment");
    let fragment = Page::parse(&body);
    assert_eq!(
        fragment.attrs("section#completion form", "data-hx-post"),
        [format!("{LESSON}/incomplete")]
    );
    assert_eq!(fragment.attrs("#module-progress", "value"), ["1"]);
}

async fn fifty_concurrent_completions_leave_one_row(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let token = app.csrf_token().await;

    let url = app.url(&format!("{LESSON}/complete"));

    // All fifty in flight at once, each on its own task.
    let tasks: Vec<_> = (0..50)
        .map(|_| tokio::spawn(app.client.post(&url).form(&[("csrf_token", &token)]).send()))
        .collect();
    for task in tasks {
        let response = task.await.unwrap().unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }

    assert_eq!(completions(&app).await, 1);
}

async fn anonymous_visitors_are_asked_to_log_in_to_track_progress(app: TestApp) {
    app.import_fixture().await;

    let page = Page::from(app.get(LESSON).await).await;
    let post = app.post_form(&format!("{LESSON}/complete"), &[]).await;

    assert_eq!(page.count("#completion form"), 0);
    // What an account gives, and the two ways to one (back to this lesson after logging in).
    assert!(
        page.text("#completion")
            .contains("With a free account you mark lessons done")
    );
    let links = page.attrs("#completion a[role=button]", "href");
    assert_eq!(links[0], "/register");
    assert!(links[1].starts_with("/login?next="), "{links:?}");
    assert_eq!(post.status(), StatusCode::SEE_OTHER);
    assert!(
        post.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    assert_eq!(completions(&app).await, 0);
}

async fn one_learners_progress_is_invisible_and_untouchable_for_another(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    app.post_form(&format!("{LESSON}/complete"), &[]).await;
    let grace = TestApp::client_only(&app);
    grace.register("grace@example.com", "Grace", PASSWORD).await;

    let her_lesson = Page::from(grace.get(LESSON).await).await;
    let undo = grace.post_form(&format!("{LESSON}/incomplete"), &[]).await;

    assert_eq!(her_lesson.attrs("#module-progress", "value"), ["0"]);
    assert_eq!(undo.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        completions(&app).await,
        1,
        "Grace's undo only touches Grace's progress"
    );
    let ada_lesson = Page::from(app.get(LESSON).await).await;
    assert_eq!(ada_lesson.attrs("#module-progress", "value"), ["1"]);
}

async fn unpublished_lessons_cannot_be_completed(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    sqlx::query("UPDATE lessons SET published = $1 WHERE slug = 'schema-design'")
        .bind(false)
        .execute(app.db.pool())
        .await
        .unwrap();
    app.curriculum_changed().await;

    let response = app.post_form(&format!("{LESSON}/complete"), &[]).await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(completions(&app).await, 0);
}

mod skipping_and_resetting {
    use super::*;

    const MODULE: &str = "/paths/backend-foundations/databases-and-data-modeling";

    db_tests! {
        a_module_can_be_skipped_and_unskipped,
        resetting_a_module_asks_first_and_removes_only_that_progress,
        resetting_a_path_removes_its_progress,
    }

    async fn a_module_can_be_skipped_and_unskipped(app: TestApp) {
        app.import_fixture().await;
        app.register("ada@example.com", "Ada", PASSWORD).await;

        let skipped = app.post_form(&format!("{MODULE}/skip"), &[]).await;

        assert_eq!(skipped.status(), StatusCode::SEE_OTHER);
        let module = Page::from(app.get(MODULE).await).await;
        assert_eq!(module.text(".module-progress .state"), "Skipped");
        let outline = Page::from(app.get("/paths/backend-foundations").await).await;
        assert!(
            outline
                .texts(".outline .state")
                .contains(&"Skipped".to_owned())
        );

        app.post_form(&format!("{MODULE}/unskip"), &[]).await;
        let module = Page::from(app.get(MODULE).await).await;
        assert_eq!(module.text(".module-progress .state"), "Not started");
    }

    async fn resetting_a_module_asks_first_and_removes_only_that_progress(app: TestApp) {
        app.import_fixture().await;
        app.register("ada@example.com", "Ada", PASSWORD).await;
        app.post_form(&format!("{LESSON}/complete"), &[]).await;
        app.post_form(
            "/paths/backend-foundations/how-backends-work/what-the-backend-does/complete",
            &[],
        )
        .await;
        let grace = TestApp::client_only(&app);
        grace.register("grace@example.com", "Grace", PASSWORD).await;
        grace.post_form(&format!("{LESSON}/complete"), &[]).await;

        let confirm = Page::from(app.get(&format!("{MODULE}/reset")).await).await;
        assert_eq!(confirm.text("h1"), "Reset your progress?");
        assert!(confirm.text("main").contains("Databases and Data Modeling"));
        assert_eq!(
            completions(&app).await,
            3,
            "nothing happens before confirming"
        );
        let reset = app.post_form(&format!("{MODULE}/reset"), &[]).await;

        assert_eq!(reset.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            completions(&app).await,
            2,
            "the other module and Grace keep theirs"
        );
        let module = Page::from(app.get(MODULE).await).await;
        assert_eq!(
            module.text("[role=status].flash"),
            "Your progress in this module was reset."
        );
    }

    async fn resetting_a_path_removes_its_progress(app: TestApp) {
        app.import_fixture().await;
        app.register("ada@example.com", "Ada", PASSWORD).await;
        app.post_form(&format!("{LESSON}/complete"), &[]).await;
        app.post_form(&format!("{MODULE}/skip"), &[]).await;

        let reset = app.post_form("/paths/backend-foundations/reset", &[]).await;

        assert_eq!(reset.status(), StatusCode::SEE_OTHER);
        assert_eq!(completions(&app).await, 0);
        let skips: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM module_skips")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        assert_eq!(skips, 0);
    }
}

mod roadmap {
    use super::*;

    db_tests! {
        the_roadmap_draws_every_module_with_its_prerequisites_and_states,
    }

    async fn the_roadmap_draws_every_module_with_its_prerequisites_and_states(app: TestApp) {
        app.import_fixture().await;
        app.register("ada@example.com", "Ada", PASSWORD).await;
        app.post_form(&format!("{LESSON}/complete"), &[]).await;

        let page = Page::from(app.get("/paths/backend-foundations/roadmap").await).await;

        assert_eq!(page.count("svg.roadmap a.roadmap-node"), 3);
        assert_eq!(
            page.count("svg.roadmap line.roadmap-edge"),
            2,
            "modules two and three build on one"
        );
        assert_eq!(
            page.attrs("a.roadmap-node.state-in-progress", "href"),
            ["/paths/backend-foundations/databases-and-data-modeling"]
        );
        assert_eq!(page.count(".roadmap-list li"), 3, "the same, as text");
        assert!(
            page.text(".roadmap-list")
                .contains("Databases and Data Modeling: In progress")
        );
        assert_eq!(
            app.new_client()
                .get(app.url("/paths/backend-foundations/roadmap"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
    }
}
