use crate::{
    accounts::PASSWORD,
    authoring::{become_editor, id_of},
    support::{Browser, TestApp},
};

async fn log_in(browser: &Browser, app: &TestApp, email: &str) {
    browser.goto(&app.url("/login")).await;
    browser.fill("email", email).await;
    browser.fill("password", PASSWORD).await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_path("/dashboard").await;
}

/// Acceptance: an editor writes a draft lesson with code, watches the preview follow the
/// typing, publishes it, and a learner reads it highlighted. axe checks the authoring pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_writes_a_lesson_with_live_preview_and_a_learner_reads_it() {
    let app = TestApp::sqlite().await;
    app.import_bundled().await;
    become_editor(&app, "ed@example.com", "Ed").await;
    let learner = TestApp::client_only(&app);
    learner.register("lea@example.com", "Lea", PASSWORD).await;
    let module = id_of(
        &app,
        "SELECT id FROM modules WHERE slug = $1",
        "how-backends-work",
    )
    .await;
    let browser = Browser::start().await;
    log_in(&browser, &app, "ed@example.com").await;

    browser
        .goto(&app.url(&format!("/admin/modules/{module}/lessons/new")))
        .await;
    browser.assert_accessible().await;
    assert_eq!(browser.count("#preview-body .hl-kw").await, 0);
    browser.fill("title", "Reading rows in Rust").await;
    browser
        .fill(
            "body_markdown",
            "## Reading a row\n\nA first program:\n\n```rust\nfn main() {\n    let answer = 42;\n}\n```\n\n| Layer | Runs |\n|---|---|\n| Application | the handlers, the queries and the background workers of the service |\n\n## Key takeaways\n- It compiles.\n",
        )
        .await;
    // No click: the preview follows the typing (htmx, debounced), rendered by the server.
    browser.wait_for("#preview-body pre code .hl-kw").await;
    // A table's words stay whole in the preview beside the text.
    browser.set_window_width(1280).await;
    let lines = browser
        .eval(
            "const cell = [...document.querySelectorAll('#preview-body td')]\
               .find(td => td.textContent === 'Application');\
             const range = document.createRange(); range.selectNodeContents(cell);\
             return range.getClientRects().length;",
        )
        .await;
    assert_eq!(lines, serde_json::json!(1), "\"Application\" on one line");
    assert!(
        browser
            .text("#preview-body h2")
            .await
            .contains("Reading a row")
    );
    browser.click("button[name=action][value=save]").await;
    let flash = browser.wait_for("[role=status].flash").await;
    assert!(flash.contains("Lesson created"), "{flash}");
    let id = id_of(
        &app,
        "SELECT id FROM lessons WHERE slug = $1",
        "reading-rows-in-rust",
    )
    .await;
    let public = "/paths/backend-foundations/how-backends-work/reading-rows-in-rust";
    assert_eq!(learner.get(public).await.status(), 404, "still a draft");

    browser.click("a[href$='/view']").await;
    browser.wait_for(".staff-banner").await;
    assert!(browser.text(".staff-banner").await.contains("Draft"));
    assert!(browser.count("#lesson-body .hl-kw").await >= 2);
    browser.assert_accessible().await;

    browser
        .goto(&app.url(&format!("/admin/lessons/{id}/edit")))
        .await;
    // Out from under the sticky action bar first, as a reader scrolls to it.
    browser
        .eval("document.querySelector('input[name=published]').scrollIntoView({ block: 'center' })")
        .await;
    browser.click("input[name=published]").await;
    browser.click("button[name=action][value=save]").await;
    let flash = browser.wait_for("[role=status].flash").await;
    assert!(flash.contains("revision 2"), "{flash}");

    for page in [
        "/admin".to_owned(),
        "/admin/content".to_owned(),
        "/admin/lessons?q=rows".to_owned(),
        "/admin/paths/new".to_owned(),
        format!("/admin/modules/{module}"),
        format!("/admin/lessons/{id}/revisions"),
        format!("/admin/lessons/{id}/revisions/1"),
        format!("/admin/lessons/{id}/delete"),
    ] {
        browser.goto(&app.url(&page)).await;
        browser.assert_accessible().await;
    }

    // On the smallest phone: no sideways scrolling on the overview (tables scroll inside
    // themselves) or in the editor.
    for page in ["/admin".to_owned(), format!("/admin/lessons/{id}/edit")] {
        browser.goto(&app.url(&page)).await;
        assert_eq!(browser.overflow_at(320).await, None, "{page} at 320 px");
    }
    browser.set_window_width(1280).await;

    browser.click("header form[action='/logout'] button").await;
    browser.wait_for_path("/").await;
    log_in(&browser, &app, "lea@example.com").await;
    browser.goto(&app.url(public)).await;
    assert_eq!(browser.text("h1").await, "Reading rows in Rust");
    assert!(browser.count("#lesson-body pre code .hl-kw").await >= 2);
    browser.close().await;
}
