//! Pages every visitor sees: the home page, error pages, static files, security headers.

use reqwest::{StatusCode, header};

use crate::support::{Page, TestApp, db_tests};

db_tests! {
    the_home_page_says_what_groundwork_is,
    an_unknown_address_gets_the_404_page,
    every_response_carries_the_security_headers,
    static_files_are_served_with_long_lived_caching_and_etags,
    a_wrong_method_gets_a_405_page_with_an_allow_header,
    an_htmx_request_for_a_missing_page_gets_a_fragment,
}

async fn the_home_page_says_what_groundwork_is(app: TestApp) {
    let response = app.get("/").await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/html; charset=utf-8"
    );
    let page = Page::from(response).await;
    assert_eq!(page.text("h1"), "Learn how the backend really works.");
    assert_eq!(page.text("title"), "Learn the backend · Groundwork");
    assert_eq!(page.count(".topics li"), 13, "one entry per skill area");
    assert_eq!(page.attrs("nav a.brand", "aria-current"), ["page"]);
    assert_eq!(page.count("main#main"), 1, "the skip link has a target");
}

async fn an_unknown_address_gets_the_404_page(app: TestApp) {
    let response = app.get("/no/such/page").await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/html; charset=utf-8"
    );
    let page = Page::from(response).await;
    assert_eq!(page.text("h1"), "Page not found");
    assert_eq!(page.text(".eyebrow"), "Error 404");
    assert_eq!(page.attrs("main a[role=button]", "href"), ["/"]);
    assert_eq!(page.count("code"), 0, "no request reference on a 4xx page");
}

async fn every_response_carries_the_security_headers(app: TestApp) {
    for path in ["/", "/missing", "/readyz", "/healthz", "/static/app.css"] {
        let response = app.get(path).await;
        let headers = response.headers();

        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("script-src 'self';"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(
            headers[header::REFERRER_POLICY],
            "strict-origin-when-cross-origin",
            "{path}"
        );
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{path}");
        assert!(headers.contains_key("x-request-id"), "{path}");
    }
}

async fn static_files_are_served_with_long_lived_caching_and_etags(app: TestApp) {
    let home = Page::from(app.get("/").await).await;
    let stylesheets = home.attrs("link[rel=stylesheet]", "href");
    assert_eq!(stylesheets.len(), 2);
    let scripts = home.attrs("script", "src");
    assert!(
        scripts
            .iter()
            .any(|src| src.starts_with("/static/vendor/htmx.min.js?v=")),
        "{scripts:?}"
    );
    assert_eq!(home.count("script:not([src])"), 0, "no inline script");
    assert_eq!(home.count("[style]"), 0, "no inline style");

    for url in stylesheets.iter().chain(&scripts) {
        let response = app.get(url).await;
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        assert_eq!(
            response.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable",
            "{url}"
        );
        let etag = response.headers()[header::ETAG].clone();

        let revalidated = app
            .client
            .get(app.url(url))
            .header(header::IF_NONE_MATCH, etag)
            .send()
            .await
            .unwrap();
        assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED, "{url}");
    }

    let unversioned = app.get("/static/app.css").await;
    assert_eq!(
        unversioned.headers()[header::CACHE_CONTROL],
        "public, no-cache"
    );
    assert!(
        unversioned.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_eq!(
        app.get("/static/nope.css").await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn a_wrong_method_gets_a_405_page_with_an_allow_header(app: TestApp) {
    let response = app.post_form("/", &[]).await;

    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        response.headers()[header::ALLOW]
            .to_str()
            .unwrap()
            .contains("GET")
    );
    let page = Page::from(response).await;
    assert_eq!(page.text("h1"), "Method not allowed");
}

async fn an_htmx_request_for_a_missing_page_gets_a_fragment(app: TestApp) {
    let response = app
        .client
        .get(app.url("/missing"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body = response.text().await.unwrap();
    assert!(!body.contains("<html"), "a fragment, not a page: {body}");
    let fragment = Page::parse(&body);
    assert_eq!(fragment.attrs("div", "role"), ["alert"]);
}
