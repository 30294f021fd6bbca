//! Bookmarks and private notes. On the fixture curriculum.

use reqwest::{StatusCode, header};

use crate::{
    accounts::PASSWORD,
    support::{Page, TestApp, db_tests},
};

const LESSON: &str = "/paths/backend-foundations/databases-and-data-modeling/schema-design";

db_tests! {
    a_bookmark_and_a_note_appear_on_my_notes,
    an_htmx_save_reports_the_time_and_keeps_the_text,
    a_note_that_is_too_long_is_refused_with_the_text_kept,
    notes_and_bookmarks_are_private,
}

async fn a_bookmark_and_a_note_appear_on_my_notes(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;

    let bookmarked = app.post_form(&format!("{LESSON}/bookmark"), &[]).await;
    let saved = app
        .post_form(
            &format!("{LESSON}/note"),
            &[("note", "Keys **matter**. <script>alert(1)</script>")],
        )
        .await;

    assert_eq!(bookmarked.status(), StatusCode::SEE_OTHER);
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        saved.headers()[header::LOCATION],
        format!("{LESSON}#notes").as_str()
    );
    let lesson = Page::from(app.get(LESSON).await).await;
    assert_eq!(lesson.text("[role=status].flash"), "Your note was saved.");
    assert!(lesson.text("#note").starts_with("Keys **matter**."));
    assert_eq!(lesson.attrs("#bookmark button", "aria-pressed"), ["true"]);
    let notes = Page::from(app.get("/notes").await).await;
    assert_eq!(notes.attrs("#bookmarks-title + ul a", "href"), [LESSON]);
    assert_eq!(notes.text("article.note strong"), "matter");
    assert_eq!(notes.count("article.note script"), 0, "notes are sanitized");
    let export: serde_json::Value = app.get("/settings/export").await.json().await.unwrap();
    assert_eq!(export["notes"].as_array().unwrap().len(), 1);
    assert_eq!(export["bookmarks"].as_array().unwrap().len(), 1);

    app.post_form(&format!("{LESSON}/unbookmark"), &[]).await;
    app.post_form(&format!("{LESSON}/note"), &[("note", "   ")])
        .await;
    let notes = Page::from(app.get("/notes").await).await;
    assert_eq!(notes.count("article.note"), 0, "an emptied note is deleted");
    assert_eq!(notes.count("#bookmarks-title + ul"), 0);
}

async fn an_htmx_save_reports_the_time_and_keeps_the_text(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let token = app.csrf_token().await;

    let response = app
        .client
        .post(app.url(&format!("{LESSON}/note")))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", token)
        .form(&[("note", "Remember: composite keys.")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let fragment = Page::parse(&response.text().await.unwrap());
    assert_eq!(fragment.text("#note"), "Remember: composite keys.");
    assert!(fragment.text("#note-status").starts_with("Saved "));
}

async fn a_note_that_is_too_long_is_refused_with_the_text_kept(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let long = "x".repeat(20_001);

    let response = app
        .post_form(&format!("{LESSON}/note"), &[("note", &long)])
        .await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fragment = Page::parse(&response.text().await.unwrap());
    assert_eq!(
        fragment.text("#note").len(),
        20_001,
        "nothing the learner typed is lost"
    );
    assert!(
        fragment
            .text("#note-status")
            .contains("at most 20000 characters")
    );
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notes")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

async fn notes_and_bookmarks_are_private(app: TestApp) {
    app.import_fixture().await;
    app.register("ada@example.com", "Ada", PASSWORD).await;
    app.post_form(
        &format!("{LESSON}/note"),
        &[("note", "Ada's secret thought")],
    )
    .await;
    app.post_form(&format!("{LESSON}/bookmark"), &[]).await;
    let grace = TestApp::client_only(&app);
    grace.register("grace@example.com", "Grace", PASSWORD).await;

    let her_lesson = Page::from(grace.get(LESSON).await).await;
    let her_notes = grace.get("/notes").await.text().await.unwrap();
    grace
        .post_form(&format!("{LESSON}/note"), &[("note", "Grace's own")])
        .await;
    grace.post_form(&format!("{LESSON}/unbookmark"), &[]).await;

    assert_eq!(her_lesson.text("#note"), "");
    assert_eq!(
        her_lesson.attrs("#bookmark button", "aria-pressed"),
        ["false"]
    );
    assert!(!her_notes.contains("secret thought"));
    let ada_lesson = Page::from(app.get(LESSON).await).await;
    assert_eq!(
        ada_lesson.text("#note"),
        "Ada's secret thought",
        "Grace's save touched only her note"
    );
    assert_eq!(
        ada_lesson.attrs("#bookmark button", "aria-pressed"),
        ["true"]
    );
    assert_eq!(
        TestApp::client_only(&app).get("/notes").await.status(),
        StatusCode::SEE_OTHER
    );
}
