//! Full-text search over published content, on the fixture curriculum.

use reqwest::{StatusCode, header};

use crate::support::{Page, TestApp, db_tests};

db_tests! {
    searching_index_finds_the_indexing_lesson_first,
    queries_full_of_search_syntax_get_a_normal_page,
    an_htmx_search_gets_just_the_results,
    unpublished_lessons_are_not_found,
    the_search_index_follows_content_changes,
}

async fn searching_index_finds_the_indexing_lesson_first(app: TestApp) {
    app.import_fixture().await;

    let page = Page::from(app.get("/search?q=index").await).await;

    let links = page.attrs(".search-results li > a", "href");
    assert!(!links.is_empty());
    assert_eq!(
        links[0],
        "/paths/backend-foundations/databases-and-data-modeling/how-indexes-work"
    );
    assert!(
        page.count(".search-results mark") > 0,
        "matches are highlighted"
    );
    assert_eq!(
        page.attrs("#q", "value"),
        ["index"],
        "the query stays in the box"
    );
}

async fn queries_full_of_search_syntax_get_a_normal_page(app: TestApp) {
    app.import_fixture().await;
    let long = "index ".repeat(500);
    let nasty = [
        "\"",
        "*",
        "NEAR(a b",
        "'); DROP TABLE lessons; --",
        "a:* & !b",
        "(((",
        "AND OR NOT",
        "^index",
        "-",
        "title:index",
        "index\"*",
        "ünïcödé 数据库",
        "%00",
        "<script>alert(1)</script>",
        &long,
        "",
    ];

    for q in nasty {
        let response = app
            .client
            .get(app.url("/search"))
            .query(&[("q", q)])
            .send()
            .await
            .unwrap();

        assert_eq!(response.status(), StatusCode::OK, "{q:?}");
        let body = response.text().await.unwrap();
        assert!(!body.contains("<script>alert(1)"), "escaped: {q:?}");
    }
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lessons")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(count, 6, "every fixture lesson is still there");
}

async fn an_htmx_search_gets_just_the_results(app: TestApp) {
    app.import_fixture().await;

    let response = app
        .client
        .get(app.url("/search?q=sessio"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[header::VARY]
            .to_str()
            .unwrap()
            .to_lowercase()
            .contains("hx-request")
    );
    let body = response.text().await.unwrap();
    assert!(!body.contains("<html"), "a fragment");
    let fragment = Page::parse(&body);
    assert!(
        fragment.count(".search-results li") > 0,
        "prefixes match while typing"
    );
}

async fn unpublished_lessons_are_not_found(app: TestApp) {
    app.import_fixture().await;
    sqlx::query("UPDATE lessons SET published = $1 WHERE slug = 'how-indexes-work'")
        .bind(false)
        .execute(app.db.pool())
        .await
        .unwrap();
    app.curriculum_changed().await;

    let page = Page::from(app.get("/search?q=index").await).await;

    assert!(
        !page
            .attrs(".search-results a", "href")
            .iter()
            .any(|href| href.ends_with("/how-indexes-work"))
    );
}

async fn the_search_index_follows_content_changes(app: TestApp) {
    app.import_fixture().await;
    sqlx::query("UPDATE lessons SET title = 'Zebrafish Indexing', body_text = 'zebrafish' WHERE slug = 'how-indexes-work'")
        .execute(app.db.pool())
        .await
        .unwrap();
    app.curriculum_changed().await;

    let page = Page::from(app.get("/search?q=zebrafish").await).await;

    assert_eq!(page.texts(".search-results li > a"), ["Zebrafish Indexing"]);
}
