use crate::{
    accounts::PASSWORD,
    support::{Browser, TestApp},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marking_a_lesson_done_moves_the_bar_without_a_reload() {
    let app = TestApp::sqlite().await;
    app.import_fixture().await;
    let browser = Browser::start().await;
    browser.goto(&app.url("/register")).await;
    browser.fill("email", "ada@example.com").await;
    browser.fill("display_name", "Ada").await;
    browser.fill("password", PASSWORD).await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_path("/dashboard").await;

    browser
        .goto(&app.url("/paths/backend-foundations/how-backends-work/what-the-backend-does"))
        .await;
    browser.eval("window.__no_reload = true").await;
    assert_eq!(
        browser
            .eval("return document.getElementById('module-progress').value")
            .await,
        serde_json::json!(0)
    );
    browser.click("#completion button").await;
    browser.wait_for("#completion .done-note").await;
    // The swap keeps the keyboard where it was (on the new button, not the page body) and
    // tells a screen reader what changed, through the page's live region.
    browser
        .wait_until("document.activeElement.matches('#completion button')")
        .await;
    browser
        .wait_until(
            "document.getElementById('announcer').textContent === \
             'Marked as done. This module: 1 of 2 lessons done.'",
        )
        .await;

    assert_eq!(
        browser
            .eval("return document.getElementById('module-progress').value")
            .await,
        serde_json::json!(1)
    );
    assert_eq!(
        browser.eval("return window.__no_reload === true").await,
        serde_json::json!(true),
        "swapped by htmx"
    );
    browser.assert_accessible().await;

    // Undo, again in place.
    browser.click("#completion button").await;
    browser.wait_for("#completion button:not(.secondary)").await;
    assert_eq!(
        browser
            .eval("return document.getElementById('module-progress').value")
            .await,
        serde_json::json!(0)
    );

    // A private note, saved in place, then listed on My notes.
    browser.fill("note", "Backends own the **rules**.").await;
    browser.click("#notes button").await;
    browser.wait_for("#note-status").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !browser.text("#note-status").await.starts_with("Saved") {
        assert!(
            std::time::Instant::now() < deadline,
            "the note was not saved"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        browser.eval("return window.__no_reload === true").await,
        serde_json::json!(true)
    );
    browser
        .goto(&app.url("/paths/backend-foundations/roadmap"))
        .await;
    assert_eq!(
        browser.count("a.roadmap-node.state-in-progress").await,
        0,
        "undone above"
    );
    browser.assert_accessible().await;
    browser.goto(&app.url("/notes")).await;
    assert_eq!(browser.text("article.note strong").await, "rules");
    browser.assert_accessible().await;

    browser.close().await;
}
