//! The curriculum: the bundled path, import and export, and the reading pages.

use groundwork::curriculum::{self, files};
use reqwest::StatusCode;

use crate::support::{Page, TestApp, bundled_counts, db_tests};

const PATH: &str = "/paths/backend-foundations";

db_tests! {
    a_fresh_start_has_the_bundled_path_with_all_its_content,
    importing_the_same_content_twice_changes_nothing,
    export_then_import_gives_back_the_same_curriculum,
    the_catalogue_outline_and_module_pages_list_the_published_content,
    a_lesson_page_has_its_outline_reading_time_and_neighbours,
    unpublished_content_is_404_for_learners,
    markdown_with_script_or_event_handlers_renders_without_them,
    a_learner_can_continue_where_they_left_off,
}

async fn a_fresh_start_has_the_bundled_path_with_all_its_content(app: TestApp) {
    let report = app.import_bundled().await;

    assert!(report.changed() > 0);
    let pool = app.db.pool();
    let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql).fetch_one(pool);
    assert!(count("SELECT COUNT(*) FROM modules").await.unwrap() >= 13);
    assert!(count("SELECT COUNT(*) FROM lessons").await.unwrap() >= 60);
    assert!(count("SELECT COUNT(*) FROM questions").await.unwrap() >= 150);
    assert_eq!(
        count("SELECT COUNT(*) FROM lessons WHERE word_count < 500")
            .await
            .unwrap(),
        0,
        "every lesson has 500 words or more"
    );
    assert_eq!(count("SELECT COUNT(*) FROM modules m WHERE NOT EXISTS (SELECT 1 FROM quizzes q WHERE q.module_id = m.id)").await.unwrap(), 0);
    assert_eq!(
        count("SELECT COUNT(*) FROM quizzes z WHERE (SELECT COUNT(*) FROM questions q WHERE q.quiz_id = z.id) < 5").await.unwrap(),
        0,
        "every quiz has five questions or more"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM modules m WHERE (SELECT COUNT(*) FROM lessons l WHERE l.module_id = m.id) < 3").await.unwrap(),
        0,
        "every module has three lessons or more"
    );
}

async fn importing_the_same_content_twice_changes_nothing(app: TestApp) {
    app.import_bundled().await;
    let curriculum = files::parse(&curriculum::bundled_tree()).unwrap();

    let again = app.import(&curriculum).await;

    assert_eq!(again.changed(), 0, "{again}");
    assert_eq!(
        again.counts["lessons"][2],
        curriculum.paths[0]
            .modules
            .iter()
            .map(|m| m.lessons.len())
            .sum::<usize>()
    );
}

async fn export_then_import_gives_back_the_same_curriculum(app: TestApp) {
    app.import_bundled().await;
    let original = files::parse(&curriculum::bundled_tree()).unwrap();

    let exported = curriculum::export(&app.db).await.unwrap();
    let tree = files::to_tree(&exported).unwrap();
    let reparsed = files::parse(&tree).unwrap();
    let report = app.import(&reparsed).await;

    assert_eq!(
        exported, original,
        "the database holds exactly the files' content"
    );
    assert_eq!(
        reparsed, original,
        "the exported files parse to the same curriculum"
    );
    assert_eq!(report.changed(), 0);
}

async fn the_catalogue_outline_and_module_pages_list_the_published_content(app: TestApp) {
    app.import_bundled().await;

    let (modules, lessons, _) = bundled_counts();
    let catalogue = Page::from(app.get("/paths").await).await;
    assert_eq!(catalogue.attrs(".cards h2 a", "href"), [PATH]);
    assert!(
        catalogue
            .text(".cards .meta")
            .starts_with(&format!("{modules} modules · {lessons} lessons"))
    );

    let outline = Page::from(app.get(PATH).await).await;
    assert_eq!(
        outline.text("h1"),
        "Backend Foundations for Full Stack Developers"
    );
    assert_eq!(outline.count(".outline > li"), modules);
    assert_eq!(outline.count(".outline .lesson-list li"), lessons);

    let module = Page::from(
        app.get(&format!("{PATH}/databases-and-data-modeling"))
            .await,
    )
    .await;
    assert_eq!(module.text("h1"), "Databases and Data Modeling");
    let bundled_module = crate::support::bundled().paths[0]
        .modules
        .iter()
        .find(|m| m.meta.slug == "databases-and-data-modeling")
        .map(|m| m.lessons.len());
    assert_eq!(Some(module.count(".lesson-list li")), bundled_module);
    assert_eq!(module.attrs(".breadcrumb a", "href"), ["/paths", PATH]);
    assert_eq!(
        app.get(&format!("{PATH}/no-such-module")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/paths/no-such-path").await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn a_lesson_page_has_its_outline_reading_time_and_neighbours(app: TestApp) {
    app.import_bundled().await;
    let first_of_module_2 =
        format!("{PATH}/languages-and-request-handling/choosing-a-backend-language");

    let response = app.get(&first_of_module_2).await;

    assert_eq!(response.status(), StatusCode::OK);
    let page = Page::from(response).await;
    assert_eq!(page.text("h1"), "Choosing a Backend Language");
    assert!(
        page.text(".eyebrow").starts_with("Lesson 1 of 4 · "),
        "{}",
        page.text(".eyebrow")
    );
    assert!(page.text(".eyebrow").ends_with("min read"));
    assert_eq!(
        page.texts(".lesson-outline a[aria-current=page]"),
        ["Choosing a Backend Language"]
    );
    let module = crate::support::bundled().paths[0]
        .modules
        .iter()
        .find(|m| m.meta.slug == "languages-and-request-handling")
        .cloned()
        .expect("module 2");
    let exercises = module.labs.as_ref().map_or(0, |labs| labs.exercises.len());
    assert_eq!(
        page.count(".lesson-outline li"),
        module.lessons.len() + exercises,
        "the module's lessons and lab exercises"
    );
    assert_eq!(
        page.attrs("a[rel=prev]", "href"),
        [format!(
            "{PATH}/how-backends-work/worked-flow-taking-a-payment"
        )],
        "previous crosses into the previous module"
    );
    assert_eq!(
        page.attrs("a[rel=next]", "href"),
        [format!(
            "{PATH}/languages-and-request-handling/how-servers-handle-many-requests"
        )]
    );
    assert!(
        page.count("#lesson-body h2[id]") >= 2,
        "headings have anchors"
    );

    let very_first = Page::from(
        app.get(&format!("{PATH}/how-backends-work/what-the-backend-does"))
            .await,
    )
    .await;
    assert_eq!(very_first.count("a[rel=prev]"), 0);
}

async fn unpublished_content_is_404_for_learners(app: TestApp) {
    app.import_bundled().await;
    let lesson = format!("{PATH}/how-backends-work/what-the-backend-does");
    let other = format!("{PATH}/languages-and-request-handling/choosing-a-backend-language");
    assert_eq!(app.get(&lesson).await.status(), StatusCode::OK);

    sqlx::query("UPDATE lessons SET published = $1 WHERE slug = 'what-the-backend-does'")
        .bind(false)
        .execute(app.db.pool())
        .await
        .unwrap();
    app.curriculum_changed().await;
    assert_eq!(app.get(&lesson).await.status(), StatusCode::NOT_FOUND);
    let module = Page::from(app.get(&format!("{PATH}/how-backends-work")).await).await;
    assert_eq!(
        module.count(".lesson-list li"),
        4,
        "hidden from the module page too"
    );

    sqlx::query("UPDATE modules SET published = $1 WHERE slug = 'languages-and-request-handling'")
        .bind(false)
        .execute(app.db.pool())
        .await
        .unwrap();
    app.curriculum_changed().await;
    assert_eq!(
        app.get(&other).await.status(),
        StatusCode::NOT_FOUND,
        "a lesson of an unpublished module"
    );

    sqlx::query("UPDATE paths SET published = $1")
        .bind(false)
        .execute(app.db.pool())
        .await
        .unwrap();
    app.curriculum_changed().await;
    assert_eq!(app.get(PATH).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        Page::from(app.get("/paths").await).await.count(".cards li"),
        0
    );
}

async fn markdown_with_script_or_event_handlers_renders_without_them(app: TestApp) {
    let mut tree = files::Tree::new();
    tree.insert("x/path.toml".into(), "uuid = \"00000000-0000-4000-8000-0000000000a1\"\nslug = \"x\"\ntitle = \"X <b>path</b>\"\nsummary = \"S\"\nposition = 1\n".into());
    tree.insert("x/01-m/module.toml".into(), "uuid = \"00000000-0000-4000-8000-0000000000a2\"\nslug = \"m\"\ntitle = \"M\"\nsummary = \"S\"\nposition = 1\n".into());
    tree.insert(
        "x/01-m/01-l.md".into(),
        "+++\nuuid = \"00000000-0000-4000-8000-0000000000a3\"\nslug = \"l\"\ntitle = \"<script>alert(1)</script>\"\nsummary = \"S\"\nposition = 1\n+++\n\n## Attack\n\n<script>alert(2)</script>\n\n<img src=x onerror=\"alert(3)\">\n\n[click](javascript:alert(4))\n\n```go\nfunc main() { fmt.Println(\"<b>hi</b>\") }\n```\n".into(),
    );
    let curriculum = files::parse(&tree).unwrap();
    app.import(&curriculum).await;

    let body = app.get("/paths/x/m/l").await.text().await.unwrap();

    assert!(!body.contains("<script>alert"), "{body}");
    assert!(!body.contains("onerror"), "{body}");
    assert!(!body.contains("javascript:"), "{body}");
    let page = Page::parse(&body);
    assert_eq!(
        page.text("h1"),
        "<script>alert(1)</script>",
        "the title is escaped, not dropped"
    );
    assert_eq!(page.count("script:not([src])"), 0);
    assert!(
        page.count("#lesson-body pre code.language-go span.hl-kw") >= 1,
        "highlighted on the server"
    );
    assert!(
        page.text("#lesson-body pre").contains("<b>hi</b>"),
        "code text intact"
    );
}

#[tokio::test]
async fn the_import_command_reports_no_changes_the_second_time() {
    let data_dir = tempfile::tempdir().unwrap();
    let run = |args: &'static [&'static str]| {
        let data_dir = data_dir.path().to_owned();
        async move {
            let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_groundwork"))
                .args(args)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .env_clear()
                .env("GROUNDWORK_DATA_DIR", data_dir)
                .output()
                .await
                .unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8(output.stdout).unwrap()
        }
    };

    let first = run(&["import", "content"]).await;
    let second = run(&["import", "content"]).await;

    let (_, lessons, _) = bundled_counts();
    assert!(first.contains(&format!("{lessons} created")), "{first}");
    assert!(
        second.contains(&format!("0 created, 0 updated, {lessons} unchanged")),
        "{second}"
    );
    assert!(second.contains("Nothing changed."), "{second}");
}

async fn a_learner_can_continue_where_they_left_off(app: TestApp) {
    app.import_bundled().await;
    let anonymous = Page::from(app.get(PATH).await).await;
    assert_eq!(anonymous.texts("main a[role=button]"), ["Start the path"]);
    app.register("ada@example.com", "Ada", crate::accounts::PASSWORD)
        .await;
    let lesson = format!("{PATH}/databases-and-data-modeling/schema-design");
    app.get(&format!("{PATH}/how-backends-work/what-the-backend-does"))
        .await;
    app.get(&lesson).await;

    let dashboard = Page::from(app.get("/dashboard").await).await;
    let outline = Page::from(app.get(PATH).await).await;

    assert_eq!(
        dashboard.attrs(".resume a", "href"),
        std::slice::from_ref(&lesson)
    );
    assert_eq!(
        outline.attrs(".resume a", "href"),
        std::slice::from_ref(&lesson)
    );
    let export: serde_json::Value = app.get("/settings/export").await.json().await.unwrap();
    assert_eq!(export["lesson_visits"].as_array().unwrap().len(), 2);

    let other = TestApp::client_only(&app);
    other
        .register("grace@example.com", "Grace", crate::accounts::PASSWORD)
        .await;
    let theirs = Page::from(other.get("/dashboard").await).await;
    assert_eq!(theirs.count(".resume"), 0, "visits are per learner");
    let export: serde_json::Value = other.get("/settings/export").await.json().await.unwrap();
    assert_eq!(export["lesson_visits"].as_array().unwrap().len(), 0);
}

/// The lesson URLs that a lesson's Markdown links to: `](/paths/...)`, without a `#fragment`.
fn lesson_links(markdown: &str) -> Vec<&str> {
    markdown
        .split("](/paths/")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .map(|target| target.split('#').next().unwrap_or_default())
        .collect()
}

#[test]
fn every_link_from_one_lesson_to_another_names_a_published_lesson() {
    let curriculum = crate::support::bundled();
    let mut published = std::collections::HashSet::new();
    for path in curriculum.paths.iter().filter(|p| p.meta.published) {
        for module in path.modules.iter().filter(|m| m.meta.published) {
            for lesson in module.lessons.iter().filter(|l| l.meta.published) {
                let (p, m, l) = (&path.meta.slug, &module.meta.slug, &lesson.meta.slug);
                published.insert(format!("{p}/{m}/{l}"));
            }
        }
    }
    let mut broken = Vec::new();
    let mut links = 0;
    for module in &curriculum.paths[0].modules {
        for lesson in &module.lessons {
            for target in lesson_links(&lesson.body) {
                links += 1;
                if !published.contains(target) {
                    broken.push(format!("{}: /paths/{target}", lesson.meta.slug));
                }
            }
        }
    }

    assert!(
        broken.is_empty(),
        "links to no published lesson:\n{}",
        broken.join("\n")
    );
    assert!(links > 0, "the lessons link to each other");
    assert_eq!(
        lesson_links("see [it](/paths/a/b/c#step-2) and [that](/paths/a/b/d)."),
        ["a/b/c", "a/b/d"]
    );
}
