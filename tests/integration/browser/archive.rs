use fantoccini::Locator;

use crate::{
    accounts::PASSWORD,
    archive::editor_with_curriculum,
    support::{Browser, TestApp},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_uploads_an_archive_reviews_the_report_and_applies_it() {
    let app = TestApp::sqlite().await;
    editor_with_curriculum(&app).await;
    // The downloaded archive with one lesson retitled, saved where the browser can pick it.
    let download = app
        .get("/admin/content/export")
        .await
        .bytes()
        .await
        .unwrap();
    let mut tree = groundwork::curriculum::archive::unpack(&download).unwrap();
    let (file, text) = tree
        .iter()
        .find(|(file, _)| file.matches('/').count() == 2 && file.ends_with(".md"))
        .map(|(file, text)| (file.clone(), text.clone()))
        .unwrap();
    let title = text.lines().find(|l| l.starts_with("title = ")).unwrap();
    tree.insert(
        file,
        text.replacen(title, "title = \"Retitled in a browser\"", 1),
    );
    let path = app.data_dir.path().join("curriculum.tar.gz");
    std::fs::write(
        &path,
        groundwork::curriculum::archive::pack(&tree, 0).unwrap(),
    )
    .unwrap();
    let browser = Browser::start().await;

    browser.goto(&app.url("/login")).await;
    browser.fill("email", "editor@example.com").await;
    browser.fill("password", PASSWORD).await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_path("/dashboard").await;
    browser.goto(&app.url("/admin")).await;
    browser.click("a[href='/admin/content/import']").await;
    browser.wait_for_path("/admin/content/import").await;
    browser.assert_accessible().await;

    browser
        .client
        .find(Locator::Id("archive"))
        .await
        .expect("a file input")
        .send_keys(&path.display().to_string())
        .await
        .expect("file chosen");
    browser
        .click("form[enctype='multipart/form-data'] button[type=submit]")
        .await;
    browser.wait_for("#dry-run-report").await;
    assert_eq!(browser.text("#report-lessons td.updated").await, "1");
    assert_eq!(browser.text("#report-lessons td.created").await, "0");
    assert!(
        browser
            .text(".import-changes")
            .await
            .contains("Changed lesson")
    );
    browser.assert_accessible().await;

    browser.click("#apply-import").await;
    browser.wait_for("[role=status].flash").await;
    assert_eq!(browser.path().await, "/admin/content/import");
    assert!(
        browser
            .text("[role=status].flash")
            .await
            .contains("lessons: 0 created, 1 updated")
    );
    assert_eq!(browser.text("#report-lessons td.updated").await, "1");
    let retitled: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lessons WHERE title = $1")
        .bind("Retitled in a browser")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(retitled, 1);

    browser.close().await;
}
