//! Authoring through web forms: paths, modules and lessons; drafts, preview, revisions,
//! conflicts, reordering, deletion with its impact, escaping of everything typed.

use reqwest::StatusCode;

use crate::{
    accounts::PASSWORD,
    support::{Page, TestApp, db_tests},
};

db_tests! {
    an_editor_creates_a_draft_lesson_with_code_and_publishes_it,
    invalid_forms_show_errors_beside_the_fields_and_keep_the_input,
    restoring_the_first_revision_after_two_edits_brings_its_text_back,
    a_second_save_from_the_same_version_gets_a_conflict_page_with_both_texts,
    reordering_keeps_ids_and_learners_progress,
    deleting_content_with_progress_asks_for_confirmation_and_says_what_is_lost,
    paths_and_modules_are_created_edited_and_renamed_with_their_prerequisites,
    learners_get_403_and_visitors_the_login_page_on_authoring_pages,
    hostile_text_in_every_admin_field_is_escaped_on_every_page,
    the_overview_counts_content_and_lists_drafts_and_recent_edits,
    an_absurd_page_number_is_an_empty_page_on_every_admin_list,
}

/// This client registers and becomes an editor.
pub async fn become_editor(app: &TestApp, email: &str, name: &str) {
    app.register(email, name, PASSWORD).await;
    sqlx::query("UPDATE users SET role = 'editor' WHERE email = $1")
        .bind(email)
        .execute(app.db.pool())
        .await
        .unwrap();
}

pub async fn id_of(app: &TestApp, sql: &str, value: &str) -> String {
    sqlx::query_scalar(sql)
        .bind(value)
        .fetch_one(app.db.pool())
        .await
        .unwrap_or_else(|error| panic!("{sql} with {value}: {error}"))
}

async fn module_id(app: &TestApp, slug: &str) -> String {
    id_of(app, "SELECT id FROM modules WHERE slug = $1", slug).await
}

async fn lesson_id(app: &TestApp, slug: &str) -> String {
    id_of(app, "SELECT id FROM lessons WHERE slug = $1", slug).await
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

async fn lesson_version(app: &TestApp, id: &str) -> i64 {
    sqlx::query_scalar("SELECT version FROM lessons WHERE id = $1")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn lesson_body(app: &TestApp, id: &str) -> String {
    sqlx::query_scalar("SELECT body_markdown FROM lessons WHERE id = $1")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

const CODE_LESSON: &str = "## Reading a row\n\nHere is how:\n\n```rust\nfn main() {\n    let answer = 42;\n}\n```\n\n## Key takeaways\n- Code is highlighted.\n";

/// Creates a lesson in module `module` through the form; returns its id.
async fn create_lesson(
    app: &TestApp,
    module: &str,
    title: &str,
    body: &str,
    published: bool,
) -> String {
    let mut fields = vec![
        ("title", title),
        ("slug", ""),
        ("summary", "A lesson made in the editor."),
        ("body_markdown", body),
        ("action", "save"),
    ];
    if published {
        fields.push(("published", "on"));
    }
    let response = app
        .post_form(&format!("/admin/modules/{module}/lessons"), &fields)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "lesson created");
    let href = location(&response);
    href.trim_start_matches("/admin/lessons/")
        .trim_end_matches("/edit")
        .to_owned()
}

/// Saves the lesson's fields as the editor form does, from `base_version`.
async fn save_lesson(
    app: &TestApp,
    id: &str,
    title: &str,
    body: &str,
    base_version: i64,
    published: bool,
) -> reqwest::Response {
    let version = base_version.to_string();
    let slug = id_of(app, "SELECT slug FROM lessons WHERE id = $1", id).await;
    let mut fields = vec![
        ("title", title),
        ("slug", slug.as_str()),
        ("summary", "A lesson made in the editor."),
        ("body_markdown", body),
        ("base_version", version.as_str()),
        ("action", "save"),
    ];
    if published {
        fields.push(("published", "on"));
    }
    app.post_form(&format!("/admin/lessons/{id}/edit"), &fields)
        .await
}

async fn an_editor_creates_a_draft_lesson_with_code_and_publishes_it(app: TestApp) {
    app.import_bundled().await;
    become_editor(&app, "ed@example.com", "Ed").await;
    let module = module_id(&app, "how-backends-work").await;

    // The live preview uses the lesson renderer: highlighted and sanitized.
    let preview = app
        .post_form("/admin/preview", &[("body_markdown", CODE_LESSON)])
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    let preview = Page::from(preview).await;
    assert!(
        preview.count("pre code .hl-kw") >= 2,
        "fn and let are keywords"
    );
    // The button without JavaScript renders the form again with the preview, saving nothing.
    let lessons_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lessons")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let page = app
        .post_form(
            &format!("/admin/modules/{module}/lessons"),
            &[
                ("title", "Reading rows"),
                ("body_markdown", CODE_LESSON),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = Page::from(page).await;
    assert!(page.count("#preview-body .hl-kw") >= 2);
    assert_eq!(page.attrs("#title", "value"), ["Reading rows"]);
    let lessons_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lessons")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(lessons_before, lessons_after);

    let id = create_lesson(&app, &module, "Reading rows", CODE_LESSON, false).await;
    let public = "/paths/backend-foundations/how-backends-work/reading-rows";
    let learner = TestApp::client_only(&app);
    learner.register("lea@example.com", "Lea", PASSWORD).await;
    assert_eq!(
        learner.get(public).await.status(),
        StatusCode::NOT_FOUND,
        "a draft is hidden"
    );
    let view = Page::from(app.get(&format!("/admin/lessons/{id}/view")).await).await;
    assert!(view.text(".staff-banner").contains("Draft"));
    assert!(view.count("#lesson-body .hl-kw") >= 2);

    let response = save_lesson(&app, &id, "Reading rows", CODE_LESSON, 1, true).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let lesson = learner.get(public).await;
    assert_eq!(lesson.status(), StatusCode::OK);
    let lesson = Page::from(lesson).await;
    assert_eq!(lesson.text("h1"), "Reading rows");
    assert!(lesson.count("#lesson-body pre code .hl-kw") >= 2);
    // The outline shows it last in its module.
    let module_page = Page::from(
        learner
            .get("/paths/backend-foundations/how-backends-work")
            .await,
    )
    .await;
    assert!(
        module_page
            .texts("a")
            .iter()
            .any(|text| text == "Reading rows")
    );
}

async fn invalid_forms_show_errors_beside_the_fields_and_keep_the_input(app: TestApp) {
    app.import_bundled().await;
    become_editor(&app, "ed@example.com", "Ed").await;
    let module = module_id(&app, "how-backends-work").await;
    let taken = "what-the-backend-does";
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lessons l JOIN modules m ON m.id = l.module_id WHERE m.slug = 'how-backends-work' AND l.slug = $1")
        .bind(taken)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(existing, 1, "the bundled module has this lesson");

    let body = "## My draft\n\nEvery word I typed <kept>.";
    let response = app
        .post_form(
            &format!("/admin/modules/{module}/lessons"),
            &[
                ("title", "   "),
                ("slug", taken),
                ("summary", "Kept summary"),
                ("body_markdown", body),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from(response).await;
    assert_eq!(page.text("#title-error"), "Give it a title.");
    assert_eq!(
        page.text("#slug-error"),
        "Another lesson of this module already uses this slug."
    );
    assert_eq!(page.attrs("#slug", "value"), [taken]);
    assert_eq!(page.attrs("#title", "aria-invalid"), ["true"]);
    assert_eq!(page.text("#summary"), "Kept summary");
    assert_eq!(
        page.texts("#body_markdown"),
        [body.split_whitespace().collect::<Vec<_>>().join(" ")]
    );

    // A bad slug, a reserved slug, an empty body.
    for (slug, message) in [
        ("Not A Slug", "Use lowercase letters and digits"),
        ("quiz", "is taken by another address here"),
    ] {
        let response = app
            .post_form(
                &format!("/admin/modules/{module}/lessons"),
                &[
                    ("title", "Fine"),
                    ("slug", slug),
                    ("body_markdown", ""),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = Page::from(response).await;
        assert!(page.text("#slug-error").contains(message), "{slug}");
        assert_eq!(page.text("#body-error"), "Write the lesson (Markdown).");
    }

    // Paths and modules too.
    let response = app
        .post_form(
            "/admin/paths",
            &[("title", "Another"), ("slug", "backend-foundations")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from(response).await;
    assert_eq!(
        page.text("#slug-error"),
        "Another path already uses this slug."
    );
    assert_eq!(page.attrs("#title", "value"), ["Another"]);
    let path: String = sqlx::query_scalar("SELECT id FROM paths")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let response = app
        .post_form(
            &format!("/admin/paths/{path}/modules"),
            &[("title", ""), ("slug", "roadmap"), ("summary", "kept")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from(response).await;
    assert_eq!(page.text("#title-error"), "Give it a title.");
    assert!(
        page.text("#slug-error")
            .contains("is taken by another address")
    );
    assert_eq!(page.text("#summary"), "kept");
    let lessons: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lessons WHERE title = 'Fine'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(lessons, 0, "nothing was saved");
}

async fn restoring_the_first_revision_after_two_edits_brings_its_text_back(app: TestApp) {
    app.import_bundled().await;
    become_editor(&app, "ed@example.com", "Ed").await;
    let module = module_id(&app, "how-backends-work").await;
    let first = "## One\n\nThe first text.\n\nIt stays.\n";
    let second = "## One\n\nThe second text.\n\nIt stays.\n";
    let third = "## One\n\nThe third text.\n\nIt stays.\n\nAnd a new line.\n";
    let id = create_lesson(&app, &module, "Revisions", first, false).await;
    assert_eq!(
        save_lesson(&app, &id, "Revisions", second, 1, false)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        save_lesson(&app, &id, "Revisions", third, 2, false)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    let history = Page::from(app.get(&format!("/admin/lessons/{id}/revisions")).await).await;
    assert_eq!(history.count("tbody tr"), 3);
    assert!(history.text("tbody tr:first-child").contains("Ed"));
    assert!(
        history
            .text("tbody tr:first-child")
            .contains("body +3 −1 lines")
    );

    let diff = Page::from(app.get(&format!("/admin/lessons/{id}/revisions/1")).await).await;
    assert_eq!(diff.texts(".diff-removed"), ["−removed: The first text."]);
    assert_eq!(
        diff.texts(".diff-added"),
        [
            "+added: The third text.",
            "+added:",
            "+added: And a new line."
        ]
    );

    let response = app
        .post_form(&format!("/admin/lessons/{id}/revisions/1/restore"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(lesson_body(&app, &id).await, first);
    let history = Page::from(app.get(&format!("/admin/lessons/{id}/revisions")).await).await;
    assert_eq!(history.count("tbody tr"), 4, "restoring adds a revision");
    assert!(
        history
            .text("tbody tr:first-child")
            .contains("restored revision 1")
    );
    let diff = Page::from(app.get(&format!("/admin/lessons/{id}/revisions/1")).await).await;
    assert_eq!(diff.text("#diff-title + p"), "The text is the same as now.");
    // The rendered page follows the restored text.
    let html: String = sqlx::query_scalar("SELECT body_html FROM lessons WHERE id = $1")
        .bind(&id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(html.contains("The first text."));
    assert_eq!(
        app.get(&format!("/admin/lessons/{id}/revisions/99"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // An imported lesson keeps its imported text as the first revision on its first save.
    let imported = lesson_id(&app, "what-the-backend-does").await;
    let original = lesson_body(&app, &imported).await;
    let version = lesson_version(&app, &imported).await;
    let title: String = sqlx::query_scalar("SELECT title FROM lessons WHERE id = $1")
        .bind(&imported)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let edited = format!("{original}\nOne more paragraph.\n");
    save_lesson(&app, &imported, &title, &edited, version, true).await;
    let history = Page::from(
        app.get(&format!("/admin/lessons/{imported}/revisions"))
            .await,
    )
    .await;
    assert_eq!(history.count("tbody tr"), 2);
    assert!(history.text("tbody tr:last-child").contains("as imported"));
    app.post_form(
        &format!("/admin/lessons/{imported}/revisions/1/restore"),
        &[],
    )
    .await;
    assert_eq!(lesson_body(&app, &imported).await, original);
}

async fn a_second_save_from_the_same_version_gets_a_conflict_page_with_both_texts(app: TestApp) {
    app.import_bundled().await;
    become_editor(&app, "ed@example.com", "Ed").await;
    let other = TestApp::client_only(&app);
    become_editor(&other, "flo@example.com", "Flo").await;
    let module = module_id(&app, "how-backends-work").await;
    let id = create_lesson(
        &app,
        &module,
        "Shared",
        "## Start\n\nThe starting text.\n",
        false,
    )
    .await;

    // Both open the editor at version 1.
    let opened = Page::from(other.get(&format!("/admin/lessons/{id}/edit")).await).await;
    assert_eq!(opened.attrs("input[name=base_version]", "value"), ["1"]);
    let eds = "## Start\n\nEd's careful rewrite.\n";
    let flos = "## Start\n\nFlo's different idea.\n";
    assert_eq!(
        save_lesson(&app, &id, "Shared", eds, 1, false)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    let response = save_lesson(&other, &id, "Shared by Flo", flos, 1, false).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let page = Page::from(response).await;
    assert!(page.text("[role=alert]").contains("Ed saved"));
    assert!(page.text("#theirs").contains("Ed's careful rewrite."));
    assert!(
        page.text("#body_markdown")
            .contains("Flo's different idea.")
    );
    assert_eq!(page.attrs("#title", "value"), ["Shared by Flo"]);
    assert_eq!(
        page.texts(".diff-removed"),
        ["−removed: Ed's careful rewrite."]
    );
    assert_eq!(page.texts(".diff-added"), ["+added: Flo's different idea."]);
    assert_eq!(lesson_body(&app, &id).await, eds, "the first save stands");

    // Saving from the conflict page is a deliberate overwrite, and Ed's text stays in the history.
    let version = page.attrs("input[name=base_version]", "value").remove(0);
    assert_eq!(version, "2");
    let response = save_lesson(&other, &id, "Shared by Flo", flos, 2, false).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(lesson_body(&app, &id).await, flos);
    let bodies: Vec<String> = sqlx::query_scalar(
        "SELECT body_markdown FROM lesson_revisions WHERE lesson_id = $1 ORDER BY number",
    )
    .bind(&id)
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(bodies[1..], [eds.to_owned(), flos.to_owned()]);
}

async fn reordering_keeps_ids_and_learners_progress(app: TestApp) {
    app.import_bundled().await;
    become_editor(&app, "ed@example.com", "Ed").await;
    let learner = TestApp::client_only(&app);
    learner.register("lea@example.com", "Lea", PASSWORD).await;
    let lesson = "/paths/backend-foundations/how-backends-work/what-the-backend-does";
    learner.post_form(&format!("{lesson}/complete"), &[]).await;
    let module = module_id(&app, "how-backends-work").await;
    let id = lesson_id(&app, "what-the-backend-does").await;
    let order = |app: &TestApp| {
        let pool = app.db.pool().clone();
        let module = module.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT id FROM lessons WHERE module_id = $1 ORDER BY position",
            )
            .bind(module)
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    let before = order(&app).await;
    assert_eq!(before[0], id);

    let response = app
        .post_form(
            &format!("/admin/lessons/{id}/move"),
            &[("direction", "down")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let after = order(&app).await;
    assert_eq!(after[1], id);
    assert_eq!(after[0], before[1]);
    // Moving the first one up changes nothing.
    app.post_form(
        &format!("/admin/lessons/{}/move", after[0]),
        &[("direction", "up")],
    )
    .await;
    assert_eq!(order(&app).await, after);
    let outline = Page::from(
        learner
            .get("/paths/backend-foundations/how-backends-work")
            .await,
    )
    .await;
    assert!(
        outline
            .text(".lesson-list li:nth-child(2)")
            .contains("What the Backend Does")
    );
    let done = Page::from(learner.get(lesson).await).await;
    assert!(
        done.text("#completion").contains("Done."),
        "progress follows the lesson's id"
    );

    // Modules and paths move the same way.
    let modules_before: Vec<String> =
        sqlx::query_scalar("SELECT id FROM modules ORDER BY position")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    app.post_form(
        &format!("/admin/modules/{}/move", modules_before[0]),
        &[("direction", "down")],
    )
    .await;
    let modules_after: Vec<String> = sqlx::query_scalar("SELECT id FROM modules ORDER BY position")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert_eq!(modules_after[1], modules_before[0]);
    let bad = app
        .post_form(
            &format!("/admin/modules/{}/move", modules_before[0]),
            &[("direction", "sideways")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

async fn deleting_content_with_progress_asks_for_confirmation_and_says_what_is_lost(app: TestApp) {
    app.import_bundled().await;
    become_editor(&app, "ed@example.com", "Ed").await;
    let learner = TestApp::client_only(&app);
    learner.register("lea@example.com", "Lea", PASSWORD).await;
    let lesson = "/paths/backend-foundations/how-backends-work/what-the-backend-does";
    learner.post_form(&format!("{lesson}/complete"), &[]).await;
    learner
        .post_form(&format!("{lesson}/note"), &[("note", "my note")])
        .await;
    let id = lesson_id(&app, "what-the-backend-does").await;

    let page = Page::from(app.get(&format!("/admin/lessons/{id}/delete")).await).await;
    let impact = page.text(".warning");
    assert!(impact.contains("1 learner with progress here"), "{impact}");
    assert!(impact.contains("1 completed lesson"), "{impact}");
    assert!(impact.contains("1 private note"), "{impact}");

    let response = app
        .post_form(&format!("/admin/lessons/{id}/delete"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        Page::from(response)
            .await
            .text("#understood-error")
            .contains("Tick the box")
    );
    assert_eq!(
        learner.get(lesson).await.status(),
        StatusCode::OK,
        "not deleted"
    );

    let response = app
        .post_form(
            &format!("/admin/lessons/{id}/delete"),
            &[("understood", "on")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(learner.get(lesson).await.status(), StatusCode::NOT_FOUND);
    let completions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lesson_completions")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(completions, 0);

    // A module's page counts lab attempts too.
    let lab = "/paths/backend-foundations/databases-and-data-modeling/labs/select-and-where";
    learner.post_form(lab, &[("sql", "SELECT 1")]).await;
    let databases = module_id(&app, "databases-and-data-modeling").await;
    let page = Page::from(app.get(&format!("/admin/modules/{databases}/delete")).await).await;
    assert!(
        page.text(".warning").contains("1 lab attempt"),
        "{}",
        page.text(".warning")
    );

    // A module nobody has touched is deleted without the box; its sibling's prerequisite goes.
    let module = module_id(&app, "careers-and-practical-projects").await;
    let page = Page::from(app.get(&format!("/admin/modules/{module}/delete")).await).await;
    assert!(
        page.text("main")
            .contains("No learner has progress or notes here.")
    );
    let response = app
        .post_form(&format!("/admin/modules/{module}/delete"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let exported = groundwork::curriculum::export(&app.db).await.unwrap();
    let tree = groundwork::curriculum::files::to_tree(&exported).unwrap();
    groundwork::curriculum::files::parse(&tree).expect("the curriculum is still valid");

    let audit: String =
        sqlx::query_scalar("SELECT summary FROM audit_log WHERE action = 'lesson.delete'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert!(audit.starts_with("deleted “"));
}

async fn paths_and_modules_are_created_edited_and_renamed_with_their_prerequisites(app: TestApp) {
    become_editor(&app, "ed@example.com", "Ed").await;
    let response = app
        .post_form(
            "/admin/paths",
            &[("title", "Data Engineering"), ("summary", "Pipelines.")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let path = id_of(
        &app,
        "SELECT id FROM paths WHERE slug = $1",
        "data-engineering",
    )
    .await;
    for title in ["Batch Jobs", "Streams"] {
        let response = app
            .post_form(
                &format!("/admin/paths/{path}/modules"),
                &[("title", title), ("summary", "s"), ("published", "on")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{title}");
    }
    let streams = module_id(&app, "streams").await;
    let response = app
        .post_form(
            &format!("/admin/modules/{streams}"),
            &[
                ("title", "Streams"),
                ("slug", "streams"),
                ("summary", "s"),
                ("published", "on"),
                ("requires-batch-jobs", "on"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = app
        .post_form(
            &format!("/admin/modules/{streams}"),
            &[
                ("title", "Streams"),
                ("slug", "streams"),
                ("requires-nope", "on"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Renaming the prerequisite's slug carries over to the module that needs it.
    let batch = module_id(&app, "batch-jobs").await;
    app.post_form(
        &format!("/admin/modules/{batch}"),
        &[
            ("title", "Batch Jobs"),
            ("slug", "batch"),
            ("summary", "s"),
            ("published", "on"),
        ],
    )
    .await;
    let prerequisites: String =
        sqlx::query_scalar("SELECT prerequisites FROM modules WHERE id = $1")
            .bind(&streams)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(prerequisites, r#"["batch"]"#);
    let page = Page::from(app.get(&format!("/admin/modules/{streams}")).await).await;
    assert_eq!(page.attrs("input[name=requires-batch]", "checked").len(), 1);

    // The path is a draft until published; then learners see it.
    assert_eq!(
        app.get("/paths/data-engineering").await.status(),
        StatusCode::NOT_FOUND
    );
    let response = app
        .post_form(
            &format!("/admin/paths/{path}"),
            &[
                ("title", "Data Engineering"),
                ("slug", "data-engineering"),
                ("summary", "Pipelines."),
                ("published", "on"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let outline = Page::from(app.get("/paths/data-engineering").await).await;
    assert_eq!(outline.text("h1"), "Data Engineering");
    let tree = Page::from(app.get("/admin/content").await).await;
    assert!(tree.texts("h2 a").contains(&"Data Engineering".to_owned()));
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log ORDER BY created_at, id")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert!(
        actions.contains(&"path.create".to_owned())
            && actions.contains(&"module.update".to_owned())
    );
}

async fn learners_get_403_and_visitors_the_login_page_on_authoring_pages(app: TestApp) {
    app.import_bundled().await;
    let module = module_id(&app, "how-backends-work").await;
    let lesson = lesson_id(&app, "what-the-backend-does").await;
    let pages = [
        "/admin/content".to_owned(),
        "/admin/lessons".to_owned(),
        "/admin/paths/new".to_owned(),
        format!("/admin/modules/{module}"),
        format!("/admin/lessons/{lesson}/edit"),
        format!("/admin/lessons/{lesson}/view"),
        format!("/admin/lessons/{lesson}/revisions"),
        format!("/admin/lessons/{lesson}/delete"),
    ];
    let visitor = TestApp::client_only(&app);
    for page in &pages {
        let response = visitor.get(page).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{page}");
        assert!(location(&response).starts_with("/login?next="), "{page}");
    }
    app.register("lea@example.com", "Lea", PASSWORD).await;
    for page in &pages {
        assert_eq!(
            app.get(page).await.status(),
            StatusCode::FORBIDDEN,
            "{page}"
        );
    }
    let body = lesson_body(&app, &lesson).await;
    for (action, fields) in [
        (
            format!("/admin/lessons/{lesson}/edit"),
            vec![
                ("title", "Mine"),
                ("body_markdown", "x"),
                ("base_version", "1"),
            ],
        ),
        (
            format!("/admin/lessons/{lesson}/delete"),
            vec![("understood", "on")],
        ),
        (
            format!("/admin/lessons/{lesson}/move"),
            vec![("direction", "down")],
        ),
        ("/admin/preview".to_owned(), vec![("body_markdown", "x")]),
        ("/admin/paths".to_owned(), vec![("title", "Mine")]),
    ] {
        assert_eq!(
            app.post_form(&action, &fields).await.status(),
            StatusCode::FORBIDDEN,
            "{action}"
        );
    }
    assert_eq!(lesson_body(&app, &lesson).await, body);
}

const XSS: [&str; 3] = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
];

/// No script, no event handler attribute, no javascript: link anywhere in the page.
fn assert_harmless(html: &str, page: &str) {
    let parsed = Page::parse(html);
    assert_eq!(
        parsed.count("script:not([src])"),
        0,
        "inline script on {page}"
    );
    for attribute in ["onerror", "onload", "onclick"] {
        assert_eq!(
            parsed.count(&format!("[{attribute}]")),
            0,
            "{attribute} on {page}"
        );
    }
    assert!(
        parsed
            .attrs("[href]", "href")
            .iter()
            .all(|href| !href.trim().to_lowercase().starts_with("javascript:")),
        "javascript: link on {page}"
    );
}

async fn hostile_text_in_every_admin_field_is_escaped_on_every_page(app: TestApp) {
    become_editor(&app, "ed@example.com", "Ed").await;
    let hostile = XSS.join(" ");
    let response = app
        .post_form(
            "/admin/paths",
            &[
                ("title", &hostile),
                ("slug", "xss"),
                ("summary", &hostile),
                ("published", "on"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let path = id_of(&app, "SELECT id FROM paths WHERE slug = $1", "xss").await;
    app.post_form(
        &format!("/admin/paths/{path}/modules"),
        &[
            ("title", &hostile),
            ("slug", "mod"),
            ("summary", &hostile),
            ("published", "on"),
        ],
    )
    .await;
    let module = module_id(&app, "mod").await;
    let body = format!(
        "## {hostile}\n\n{}\n\n<a href=\"javascript:alert(1)\">x</a> <iframe src=\"https://evil.example\"></iframe>\n",
        XSS.join("\n\n")
    );
    let id = create_lesson(&app, &module, &hostile, &body, true).await;
    sqlx::query("UPDATE lessons SET slug = 'les' WHERE id = $1")
        .bind(&id)
        .execute(app.db.pool())
        .await
        .unwrap();
    app.curriculum_changed().await;
    save_lesson(
        &app,
        &id,
        &format!("{hostile} again"),
        &format!("{body}\nmore"),
        1,
        true,
    )
    .await;

    let learner = TestApp::client_only(&app);
    learner.register("lea@example.com", "Lea", PASSWORD).await;
    let learner_pages = [
        "/",
        "/paths",
        "/paths/xss",
        "/paths/xss/mod",
        "/paths/xss/roadmap",
        "/dashboard",
        "/search?q=alert",
    ];
    let lesson = learner.get("/paths/xss/mod/les").await;
    assert_eq!(lesson.status(), StatusCode::OK);
    let html = lesson.text().await.unwrap();
    assert_harmless(&html, "lesson");
    assert!(
        Page::parse(&html).text("h1").contains("<script>"),
        "the title is shown as text"
    );
    for page in learner_pages {
        let response = learner.get(page).await;
        assert_eq!(response.status(), StatusCode::OK, "{page}");
        assert_harmless(&response.text().await.unwrap(), page);
    }
    sqlx::query("UPDATE users SET role = 'admin' WHERE email = 'ed@example.com'")
        .execute(app.db.pool())
        .await
        .unwrap();
    let admin_pages = [
        "/admin".to_owned(),
        "/admin/content".to_owned(),
        "/admin/lessons?q=script".to_owned(),
        "/admin/audit".to_owned(),
        format!("/admin/paths/{path}"),
        format!("/admin/paths/{path}/delete"),
        format!("/admin/modules/{module}"),
        format!("/admin/lessons/{id}/edit"),
        format!("/admin/lessons/{id}/view"),
        format!("/admin/lessons/{id}/revisions"),
        format!("/admin/lessons/{id}/revisions/1"),
    ];
    for page in &admin_pages {
        let response = app.get(page).await;
        assert_eq!(response.status(), StatusCode::OK, "{page}");
        assert_harmless(&response.text().await.unwrap(), page);
    }
    let preview = app
        .post_form("/admin/preview", &[("body_markdown", &body)])
        .await;
    assert_harmless(&preview.text().await.unwrap(), "preview");
    let conflict = save_lesson(&app, &id, &hostile, &body, 1, true).await;
    assert_eq!(conflict.status(), StatusCode::CONFLICT);
    assert_harmless(&conflict.text().await.unwrap(), "conflict");
}

async fn the_overview_counts_content_and_lists_drafts_and_recent_edits(app: TestApp) {
    app.import_bundled().await;
    become_editor(&app, "ed@example.com", "Ed").await;
    let module = module_id(&app, "how-backends-work").await;
    create_lesson(
        &app,
        &module,
        "Unfinished thoughts",
        "## Soon\n\nText.\n",
        false,
    )
    .await;
    let page = Page::from(app.get("/admin").await).await;
    let lessons: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lessons")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let counts = page.texts("#content-title ~ div td");
    assert_eq!(counts[2], lessons.to_string());
    assert_eq!(counts[3], "1", "one draft lesson");
    assert!(
        page.text("#drafts-title + ul")
            .contains("Unfinished thoughts")
    );
    assert!(page.text("#recent-title + ul").contains("lesson.create"));
    assert!(page.text("#recent-title + ul").contains("by Ed"));
    assert_eq!(
        page.count("a[href='/admin/users']"),
        0,
        "users are for admins"
    );
}

async fn an_absurd_page_number_is_an_empty_page_on_every_admin_list(app: TestApp) {
    app.import_bundled().await;
    become_editor(&app, "ed@example.com", "Ed").await;
    sqlx::query("UPDATE users SET role = 'admin' WHERE email = 'ed@example.com'")
        .execute(app.db.pool())
        .await
        .unwrap();
    for list in [
        "/admin/users",
        "/admin/audit",
        "/admin/lessons",
        "/admin/quizzes",
    ] {
        for page in ["9223372036854775807", "-3", "0"] {
            let response = app.get(&format!("{list}?page={page}")).await;
            assert_eq!(response.status(), StatusCode::OK, "{list}?page={page}");
        }
    }
    let far = Page::from(app.get("/admin/lessons?page=9223372036854775807").await).await;
    assert_eq!(far.count("tbody tr"), 0);
    let first = Page::from(app.get("/admin/lessons?page=-3").await).await;
    assert_eq!(first.count("tbody tr"), 25);
}
