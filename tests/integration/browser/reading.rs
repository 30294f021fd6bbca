use fantoccini::key::Key;
use serde_json::json;

use crate::support::{Browser, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_browses_to_a_lesson_and_follows_next_and_previous() {
    let app = TestApp::sqlite().await;
    app.import_fixture().await;
    let browser = Browser::start().await;

    browser.goto(&app.url("/paths")).await;
    browser.assert_accessible().await;
    browser.click(".cards h2 a").await;
    browser.wait_for_path("/paths/backend-foundations").await;
    browser.assert_accessible().await;

    browser
        .click("a[href='/paths/backend-foundations/databases-and-data-modeling']")
        .await;
    browser
        .wait_for_path("/paths/backend-foundations/databases-and-data-modeling")
        .await;
    browser.assert_accessible().await;

    browser
        .click(".lesson-list a[href$='/how-indexes-work']")
        .await;
    browser
        .wait_for_path("/paths/backend-foundations/databases-and-data-modeling/how-indexes-work")
        .await;
    assert_eq!(
        browser.text("main h1").await,
        "How Indexes Work and When They Are Used"
    );
    assert!(
        browser.count("#lesson-body pre code span.hl-kw").await > 0,
        "code highlighted without client JavaScript"
    );
    browser.assert_accessible().await;

    browser.click("a[rel=next]").await;
    browser.wait_for_path("/paths/backend-foundations/databases-and-data-modeling/query-optimization-and-transactions").await;
    browser.click("a[rel=prev]").await;
    browser
        .wait_for_path("/paths/backend-foundations/databases-and-data-modeling/how-indexes-work")
        .await;

    // The keyboard shortcut (progressive enhancement in app.js) does the same.
    browser
        .eval("document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight' }))")
        .await;
    browser.wait_for_path("/paths/backend-foundations/databases-and-data-modeling/query-optimization-and-transactions").await;

    // Readable on a phone (the check includes 320 px): code blocks scroll inside themselves.
    browser.assert_accessible().await;

    browser.close().await;
}

const LESSON: &str = "/paths/backend-foundations/databases-and-data-modeling/how-indexes-work";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arrow_keys_scroll_a_focused_code_block_instead_of_turning_the_page() {
    let app = TestApp::sqlite().await;
    app.import_fixture().await;
    let browser = Browser::start().await;
    browser.set_window_width(320).await;
    browser.goto(&app.url(LESSON)).await;
    let wide = browser
        .eval("const pre = document.querySelector('#lesson-body pre'); return pre.scrollWidth > pre.clientWidth;")
        .await;
    assert_eq!(
        wide,
        json!(true),
        "the code block is wider than its box at 320 px"
    );

    // A real key press on the focused block, as a keyboard user scrolls it.
    browser.press("#lesson-body pre", Key::Right).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(browser.path().await, LESSON, "still on the lesson");
    assert_eq!(
        browser
            .eval("return document.querySelector('#lesson-body pre').scrollLeft > 0")
            .await,
        json!(true),
        "the code block scrolled"
    );

    // Elsewhere on the page, → still turns the page.
    browser.press("main h1", Key::Right).await;
    browser
        .wait_for_path("/paths/backend-foundations/databases-and-data-modeling/query-optimization-and-transactions")
        .await;
    browser.close().await;
}

/// The contrast between the focused element's outline and the page behind it (WCAG's formula).
const FOCUS_RING_CONTRAST: &str = r#"
const link = document.querySelector("main a");
link.focus();
if (!link.matches(":focus-visible")) return "no focus-visible";
const rgb = (text) => text.match(/[\d.]+/g).slice(0, 4).map(Number);
const luminance = ([r, g, b]) => {
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
};
let behind = null;
for (let e = link.parentElement; e; e = e.parentElement) {
  const colour = rgb(getComputedStyle(e).backgroundColor);
  if (colour.length < 4 || colour[3] > 0) { behind = colour; break; }
}
behind ??= [255, 255, 255];
const style = getComputedStyle(link);
if (style.outlineStyle === "none" || parseFloat(style.outlineWidth) < 2) return "no outline";
const [a, b] = [luminance(rgb(style.outlineColor)), luminance(behind)].sort((x, y) => y - x);
return (a + 0.05) / (b + 0.05);
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_focus_ring_stands_out_in_both_themes() {
    let app = TestApp::sqlite().await;
    app.import_fixture().await;
    let browser = Browser::start().await;
    for scheme in ["light", "dark"] {
        browser.set_color_scheme(scheme).await;
        browser.goto(&app.url(LESSON)).await;
        let contrast = browser.eval(FOCUS_RING_CONTRAST).await;
        let ratio = contrast
            .as_f64()
            .unwrap_or_else(|| panic!("{scheme}: {contrast}"));
        assert!(
            ratio >= 3.0,
            "{scheme}: the focus ring's contrast is {ratio:.2}:1"
        );
    }
    browser.close().await;
}
