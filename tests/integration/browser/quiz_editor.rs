use crate::{
    accounts::PASSWORD,
    archive::editor_with_curriculum,
    support::{Browser, TestApp},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quiz_editor_pages_are_accessible_and_a_question_is_added_by_clicking() {
    let app = TestApp::sqlite().await;
    editor_with_curriculum(&app).await;
    let (module, quiz): (String, String) = sqlx::query_as(
        "SELECT m.id, z.id FROM modules m JOIN quizzes z ON z.module_id = m.id \
         WHERE m.slug = 'how-backends-work'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let question: String =
        sqlx::query_scalar("SELECT id FROM questions WHERE quiz_id = $1 ORDER BY position LIMIT 1")
            .bind(&quiz)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let questions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM questions WHERE quiz_id = $1")
        .bind(&quiz)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let browser = Browser::start().await;
    browser.goto(&app.url("/login")).await;
    browser.fill("email", "editor@example.com").await;
    browser.fill("password", PASSWORD).await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_path("/dashboard").await;

    for path in [
        "/admin/quizzes".to_owned(),
        format!("/admin/modules/{module}/quiz"),
        format!("/admin/questions/{question}/edit"),
        format!("/admin/questions/{question}/delete"),
        format!("/admin/quizzes/{quiz}/delete"),
        format!("/admin/quizzes/{quiz}/questions/new?kind=true_false"),
        format!("/admin/quizzes/{quiz}/questions/new?kind=numeric"),
        format!("/admin/quizzes/{quiz}/questions/new?kind=short_text"),
    ] {
        browser.goto(&app.url(&path)).await;
        browser.assert_accessible().await;
    }

    // A single-choice question with no correct choice: refused beside the choices.
    browser
        .goto(&app.url(&format!("/admin/quizzes/{quiz}/questions/new?kind=single")))
        .await;
    browser
        .fill("prompt", "Which port does HTTPS use by default?")
        .await;
    browser.fill("choice_0_text", "443").await;
    browser.fill("choice_1_text", "8443").await;
    browser
        .click("form.question-form button[type=submit]")
        .await;
    assert!(
        browser
            .wait_for("#choices-error")
            .await
            .contains("exactly one")
    );
    browser.assert_accessible().await;

    browser.click("input[name=choice_0_correct]").await;
    browser
        .click("form.question-form button[type=submit]")
        .await;
    browser
        .wait_for_path(&format!("/admin/modules/{module}/quiz"))
        .await;
    assert!(browser.text("[role=status].flash").await.contains("added"));
    assert_eq!(
        browser.count(".admin-questions li").await as i64,
        questions + 1
    );

    browser.close().await;
}
