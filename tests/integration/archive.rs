//! The curriculum archive in the browser: download, upload with a dry-run report, apply once.

use flate2::{Compression, write::GzEncoder};
use groundwork::curriculum::{self, archive, files};
use reqwest::{StatusCode, header};

use crate::{
    accounts::PASSWORD,
    support::{Page, TestApp, db_tests},
};

db_tests! {
    exporting_then_importing_the_archive_through_the_browser_changes_nothing,
    a_changed_lesson_title_is_reported_as_one_update_then_applied,
    corrupt_or_unsafe_archives_are_refused_with_a_clear_message_and_change_nothing,
    an_archive_colliding_with_the_database_is_refused_by_the_dry_run,
    learners_cannot_use_the_archive_and_visitors_are_sent_to_log_in,
    a_pending_import_can_be_applied_once_by_its_uploader_within_the_hour,
}

/// The bundled curriculum, and this client logged in as an editor.
pub async fn editor_with_curriculum(app: &TestApp) {
    app.import_bundled().await;
    app.register("editor@example.com", "Edie", PASSWORD).await;
    sqlx::query("UPDATE users SET role = 'editor' WHERE email = 'editor@example.com'")
        .execute(app.db.pool())
        .await
        .unwrap();
    app.logout().await;
    app.login("editor@example.com", PASSWORD).await;
}

/// Posts `bytes` as the archive file of the upload form (multipart, with the CSRF token).
pub async fn upload(app: &TestApp, file_name: &str, bytes: &[u8]) -> reqwest::Response {
    let token = app.csrf_token().await;
    let boundary = "----groundwork-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"archive\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/gzip\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    app.client
        .post(app.url("/admin/content/import"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("request sent")
}

async fn download(app: &TestApp) -> Vec<u8> {
    let response = app.get("/admin/content/export").await;
    assert_eq!(response.status(), StatusCode::OK);
    response.bytes().await.unwrap().to_vec()
}

async fn exported_tree(app: &TestApp) -> files::Tree {
    files::to_tree(&curriculum::export(&app.db).await.unwrap()).unwrap()
}

/// (created, updated, unchanged) of a kind in the report table of `page`.
pub fn counts(page: &Page, kind: &str) -> (usize, usize, usize) {
    let cell = |class: &str| {
        page.text(&format!("#report-{kind} td.{class}"))
            .parse::<usize>()
            .unwrap()
    };
    (cell("created"), cell("updated"), cell("unchanged"))
}

fn token_of(page: &Page) -> String {
    page.attrs(
        "form[action='/admin/content/import/apply'] input[name=token]",
        "value",
    )
    .pop()
    .expect("a confirmation form")
}

async fn pending_imports(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM content_imports")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn exporting_then_importing_the_archive_through_the_browser_changes_nothing(app: TestApp) {
    editor_with_curriculum(&app).await;
    let before = exported_tree(&app).await;

    let response = app.get("/admin/content/export").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/gzip");
    let disposition = response.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_owned();
    let today = time::OffsetDateTime::now_utc().date();
    assert_eq!(
        disposition,
        format!(
            "attachment; filename=\"groundwork-curriculum-{:04}-{:02}-{:02}.tar.gz\"",
            today.year(),
            u8::from(today.month()),
            today.day()
        )
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(
        archive::unpack(&bytes).unwrap(),
        before,
        "the archive holds exactly the tree `groundwork export` writes"
    );

    let review = upload(&app, "curriculum.tar.gz", &bytes).await;
    assert_eq!(review.status(), StatusCode::OK);
    let review = Page::from(review).await;
    let lessons = before
        .keys()
        .filter(|file| file.matches('/').count() == 2 && file.ends_with(".md"))
        .count();
    for kind in curriculum::KINDS {
        let (created, updated, _) = counts(&review, kind);
        assert_eq!((created, updated), (0, 0), "{kind}");
    }
    assert_eq!(counts(&review, "lessons").2, lessons);
    assert_eq!(review.count("#no-changes"), 1);

    let applied = app
        .post_form(
            "/admin/content/import/apply",
            &[("token", &token_of(&review))],
        )
        .await;

    assert_eq!(applied.status(), StatusCode::SEE_OTHER);
    assert_eq!(applied.headers()[header::LOCATION], "/admin/content/import");
    let page = Page::from(app.get("/admin/content/import").await).await;
    assert!(page.text("[role=status].flash").contains("nothing changed"));
    assert_eq!(counts(&page, "lessons"), (0, 0, lessons));
    assert_eq!(
        exported_tree(&app).await,
        before,
        "the curriculum is unchanged"
    );
    let audit: (String, String, String) = sqlx::query_as(
        "SELECT actor_name, target, summary FROM audit_log WHERE action = 'content.import'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(
        audit,
        ("Edie".into(), "curriculum".into(), "nothing changed".into())
    );
    assert_eq!(pending_imports(&app).await, 0, "used up");
}

/// The tree with the title of its first lesson changed.
pub fn with_new_lesson_title(mut tree: files::Tree, title: &str) -> (files::Tree, String) {
    let (file, text) = tree
        .iter()
        .find(|(file, _)| file.matches('/').count() == 2 && file.ends_with(".md"))
        .map(|(file, text)| (file.clone(), text.clone()))
        .unwrap();
    let old = text
        .lines()
        .find(|line| line.starts_with("title = "))
        .unwrap()
        .to_owned();
    tree.insert(
        file.clone(),
        text.replacen(&old, &format!("title = {title:?}"), 1),
    );
    (tree, file)
}

pub async fn lesson_titled(app: &TestApp, title: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM lessons WHERE title = $1")
        .bind(title)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn a_changed_lesson_title_is_reported_as_one_update_then_applied(app: TestApp) {
    editor_with_curriculum(&app).await;
    let original = archive::unpack(&download(&app).await).unwrap();
    let (changed, file) = with_new_lesson_title(original, "A brand new title");
    let bytes = archive::pack(&changed, 0).unwrap();

    let review = upload(&app, "changed.tar.gz", &bytes).await;

    assert_eq!(review.status(), StatusCode::OK);
    let review = Page::from(review).await;
    assert_eq!(counts(&review, "lessons").0, 0);
    assert_eq!(counts(&review, "lessons").1, 1);
    assert_eq!(counts(&review, "modules").1, 0);
    let listed = review.texts(".import-changes li");
    assert_eq!(listed.len(), 1);
    let slug = file.rsplit('/').next().unwrap().trim_end_matches(".md");
    let slug = &slug[slug.find('-').unwrap() + 1..];
    assert!(
        listed[0].starts_with("Changed lesson") && listed[0].ends_with(slug),
        "{listed:?}"
    );
    assert_eq!(
        lesson_titled(&app, "A brand new title").await,
        0,
        "a dry run only"
    );

    let applied = app
        .post_form(
            "/admin/content/import/apply",
            &[("token", &token_of(&review))],
        )
        .await;

    assert_eq!(applied.status(), StatusCode::SEE_OTHER);
    assert_eq!(lesson_titled(&app, "A brand new title").await, 1);
    let page = Page::from(app.get("/admin/content/import").await).await;
    assert_eq!(counts(&page, "lessons").1, 1);
    assert_eq!(exported_tree(&app).await, changed);
    let summary: String =
        sqlx::query_scalar("SELECT summary FROM audit_log WHERE action = 'content.import'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(summary, "lessons: 0 created, 1 updated");
}

/// A tar.gz whose entries are written byte for byte, as a hostile tool might.
fn raw_archive(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    for (name, kind, data) in entries {
        let mut header = tar::Header::new_old();
        header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        header.set_entry_type(*kind);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        if *kind == tar::EntryType::Symlink {
            header.set_link_name("/etc/passwd").unwrap();
        }
        header.set_cksum();
        builder.append(&header, *data).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

async fn corrupt_or_unsafe_archives_are_refused_with_a_clear_message_and_change_nothing(
    app: TestApp,
) {
    editor_with_curriculum(&app).await;
    let good = download(&app).await;
    let before = exported_tree(&app).await;
    let mut broken_toml = archive::unpack(&good).unwrap();
    let (module_toml, _) = broken_toml
        .iter()
        .find(|(file, _)| file.ends_with("/module.toml"))
        .map(|(file, text)| (file.clone(), text.clone()))
        .unwrap();
    broken_toml.insert(module_toml.clone(), "title = \"unterminated\n".into());
    let mut random = vec![0u8; 4096];
    for (index, byte) in random.iter_mut().enumerate() {
        *byte = (index * 7919 % 251) as u8;
    }
    let regular = tar::EntryType::Regular;

    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        (
            "random bytes",
            random,
            "not a readable .tar.gz archive".into(),
        ),
        (
            "a truncated gzip",
            good[..good.len() / 2].to_vec(),
            "not a readable .tar.gz archive".into(),
        ),
        (
            "a broken TOML file",
            archive::pack(&broken_toml, 0).unwrap(),
            format!("{module_toml}: "),
        ),
        (
            "an entry outside the archive",
            raw_archive(&[("../evil", regular, b"x")]),
            "../evil: paths must stay inside the archive".into(),
        ),
        (
            "an absolute path",
            raw_archive(&[("/tmp/evil", regular, b"x")]),
            "/tmp/evil: paths must stay inside the archive".into(),
        ),
        (
            "a symlink",
            raw_archive(&[("p/link.md", tar::EntryType::Symlink, b"")]),
            "p/link.md: only plain files and folders".into(),
        ),
        (
            "a binary file",
            raw_archive(&[("p/path.toml", regular, b"\xff\xfe\x00")]),
            "p/path.toml: not UTF-8 text".into(),
        ),
        ("an empty file", Vec::new(), "is empty".into()),
    ];
    for (what, bytes, expected) in cases {
        let response = upload(&app, "bad.tar.gz", &bytes).await;

        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}"
        );
        let page = Page::from(response).await;
        let errors = page.text("#archive-errors");
        assert!(errors.contains(&expected), "{what}: {errors}");
        assert_eq!(page.attrs("#archive", "aria-invalid"), ["true"], "{what}");
    }
    assert_eq!(pending_imports(&app).await, 0);
    assert_eq!(exported_tree(&app).await, before, "nothing changed");
}

async fn an_archive_colliding_with_the_database_is_refused_by_the_dry_run(app: TestApp) {
    editor_with_curriculum(&app).await;
    let before = exported_tree(&app).await;
    // The same lesson slug under a new UUID: valid files, but the slug is taken in the database.
    let mut tree = before.clone();
    let (file, text) = tree
        .iter()
        .find(|(file, _)| file.matches('/').count() == 2 && file.ends_with(".md"))
        .map(|(file, text)| (file.clone(), text.clone()))
        .unwrap();
    let uuid_line = text
        .lines()
        .find(|line| line.starts_with("uuid = "))
        .unwrap();
    let fresh = format!("uuid = \"{}\"", uuid::Uuid::new_v4());
    tree.insert(file, text.replacen(uuid_line, &fresh, 1));

    let response = upload(&app, "a.tar.gz", &archive::pack(&tree, 0).unwrap()).await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors = Page::from(response).await.text("#archive-errors");
    assert!(
        errors.contains("Importing would fail at lesson "),
        "{errors}"
    );
    assert!(
        errors.contains("collides with content already here"),
        "{errors}"
    );
    assert!(
        !errors.to_lowercase().contains("constraint"),
        "no database message: {errors}"
    );
    assert_eq!(pending_imports(&app).await, 0);
    assert_eq!(exported_tree(&app).await, before);
}

async fn learners_cannot_use_the_archive_and_visitors_are_sent_to_log_in(app: TestApp) {
    app.import_bundled().await;
    let visitor = app.get("/admin/content/export").await;
    assert_eq!(visitor.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        visitor.headers()[header::LOCATION],
        "/login?next=%2Fadmin%2Fcontent%2Fexport"
    );
    assert_eq!(
        app.get("/admin/content/import").await.status(),
        StatusCode::SEE_OTHER
    );

    app.register("ada@example.com", "Ada", PASSWORD).await;
    let archive = archive::pack(&exported_tree(&app).await, 0).unwrap();
    assert_eq!(
        app.get("/admin/content/export").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/admin/content/import").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        upload(&app, "a.tar.gz", &archive).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_form("/admin/content/import/apply", &[("token", "x")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(pending_imports(&app).await, 0);
}

async fn a_pending_import_can_be_applied_once_by_its_uploader_within_the_hour(app: TestApp) {
    editor_with_curriculum(&app).await;
    let bytes = download(&app).await;
    let refused = |response: reqwest::Response| async move {
        assert_eq!(response.status(), StatusCode::GONE);
        let page = Page::from(response).await;
        assert!(
            page.text("#archive-errors")
                .contains("already applied, or it waited more than an hour")
        );
    };

    // Used once, then refused.
    let token = token_of(&Page::from(upload(&app, "a.tar.gz", &bytes).await).await);
    let fields = [("token", token.as_str())];
    let apply = || app.post_form("/admin/content/import/apply", &fields);
    assert_eq!(apply().await.status(), StatusCode::SEE_OTHER);
    refused(apply().await).await;

    // Another editor cannot apply someone else's upload.
    let token = token_of(&Page::from(upload(&app, "a.tar.gz", &bytes).await).await);
    let other = TestApp::client_only(&app);
    other
        .register("second@example.com", "Second", PASSWORD)
        .await;
    sqlx::query("UPDATE users SET role = 'editor' WHERE email = 'second@example.com'")
        .execute(app.db.pool())
        .await
        .unwrap();
    refused(
        other
            .post_form("/admin/content/import/apply", &[("token", &token)])
            .await,
    )
    .await;

    // Expired after an hour.
    sqlx::query("UPDATE content_imports SET created_at = created_at - 3601")
        .execute(app.db.pool())
        .await
        .unwrap();
    refused(
        app.post_form("/admin/content/import/apply", &[("token", &token)])
            .await,
    )
    .await;
    let audits: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'content.import'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(audits, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upload_route_has_its_own_larger_body_limit() {
    // A tiny default limit: the login form is refused, the archive upload is not.
    let app = TestApp::sqlite_with(|config| config.max_body_bytes = 4096).await;
    editor_with_curriculum(&app).await;
    let archive = download(&app).await;
    assert!(archive.len() > 4096);

    let response = upload(&app, "a.tar.gz", &archive).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    let big_form = "x".repeat(8192);
    assert_eq!(
        app.post_form("/login", &[("email", &big_form)])
            .await
            .status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );

    // Over the archive limit itself: refused with the limit named.
    let too_big = vec![0u8; 20 * 1024 * 1024 + 1];
    let response = upload(&app, "huge.tar.gz", &too_big).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from(response).await;
    assert!(
        page.text("#archive-errors")
            .contains("huge.tar.gz is larger than 20 MB"),
        "{}",
        page.text("#archive-errors")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_without_the_csrf_token_is_refused() {
    let app = TestApp::sqlite().await;
    editor_with_curriculum(&app).await;
    let boundary = "b0undary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"archive\"; filename=\"a.tar.gz\"\r\n\r\n\
         xyz\r\n--{boundary}--\r\n"
    );

    let response = app
        .client
        .post(app.url("/admin/content/import"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
