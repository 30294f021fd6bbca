//! Certificates: earned by completing every module of a path, verifiable by anyone.

use groundwork::curriculum::files;
use reqwest::StatusCode;

use crate::{
    accounts::PASSWORD,
    support::{Page, TestApp, db_tests},
};

db_tests! {
    completing_every_module_of_a_path_issues_a_verifiable_certificate,
}

/// A small path: module one has a lesson and a one-question quiz, module two a lesson only.
fn small_path() -> files::Curriculum {
    let mut tree = files::Tree::new();
    let id = |n: u32| format!("00000000-0000-4000-8000-{n:012}");
    tree.insert(
        "t/path.toml".into(),
        format!(
            "uuid = \"{}\"\nslug = \"t\"\ntitle = \"Tiny Path\"\nsummary = \"S\"\nposition = 1\n",
            id(1)
        ),
    );
    for (n, module) in [(1, "one"), (2, "two")] {
        tree.insert(
            format!("t/0{n}-{module}/module.toml"),
            format!("uuid = \"{}\"\nslug = \"{module}\"\ntitle = \"Module {module}\"\nsummary = \"S\"\nposition = {n}\n", id(10 + n)),
        );
        tree.insert(
            format!("t/0{n}-{module}/01-lesson.md"),
            format!("+++\nuuid = \"{}\"\nslug = \"lesson\"\ntitle = \"Lesson {module}\"\nsummary = \"S\"\nposition = 1\n+++\n\nText.\n", id(20 + n)),
        );
    }
    tree.insert(
        "t/01-one/quiz.toml".into(),
        format!(
            "uuid = \"{}\"\ntitle = \"Q\"\n[[questions]]\nuuid = \"{}\"\nkind = \"true_false\"\nprompt = \"True?\"\nexplanation = \"Yes.\"\nanswer = true\n",
            id(31),
            id(32)
        ),
    );
    files::parse(&tree).unwrap()
}

async fn certificates(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM certificates")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn completing_every_module_of_a_path_issues_a_verifiable_certificate(app: TestApp) {
    app.import(&small_path()).await;
    app.register("ada@example.com", "Ada Lovelace", PASSWORD)
        .await;

    app.post_form("/paths/t/one/lesson/complete", &[]).await;
    app.post_form("/paths/t/two/lesson/complete", &[]).await;
    assert_eq!(certificates(&app).await, 0, "the quiz is not passed yet");
    let question = "q00000000-0000-4000-8000-000000000032";
    app.post_form("/paths/t/one/quiz", &[(question, "false")])
        .await;
    assert_eq!(
        certificates(&app).await,
        0,
        "a failed quiz does not complete the module"
    );
    app.post_form("/paths/t/one/quiz", &[(question, "true")])
        .await;
    app.post_form("/paths/t/one/quiz", &[(question, "true")])
        .await;

    assert_eq!(certificates(&app).await, 1, "issued once");
    let dashboard = Page::from(app.get("/dashboard").await).await;
    let links = dashboard.attrs(".certificates a", "href");
    assert_eq!(links.len(), 1);
    let stranger = TestApp::client_only(&app);
    let public = stranger.get(&links[0]).await;
    assert_eq!(public.status(), StatusCode::OK);
    let page = Page::from(public).await;
    assert_eq!(page.text("h1"), "Ada Lovelace");
    assert_eq!(page.text(".certificate-path"), "Tiny Path");
    assert!(
        page.text(".certificate")
            .contains(&links[0]["/certificates/".len()..])
    );
    assert_eq!(
        stranger
            .get("/certificates/0123456789abcdef01234567")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        stranger.get("/certificates/x' OR '1'='1").await.status(),
        StatusCode::NOT_FOUND
    );
}
