//! Markdown → sanitized HTML, rendered once when content is imported or saved.
//!
//! pulldown-cmark parses (tables, footnotes, task lists, strikethrough); fenced code is
//! highlighted on the server by [`super::highlight`]; headings get ids and anchor links;
//! ammonia then removes anything not on its allow-list (scripts, event handlers,
//! `javascript:` links), so editors cannot inject script into learners' pages.

use std::{collections::HashSet, sync::LazyLock};

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

use super::highlight;

/// Words read per minute, for the reading-time estimate.
const WORDS_PER_MINUTE: usize = 200;

/// Ids the page itself uses; a heading with the same text gets a suffix instead.
const RESERVED_IDS: &[&str] = &["main", "page-title", "lesson-outline", "lesson-body"];

#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub html: String,
    /// The text without markup, for search and snippets.
    pub text: String,
    pub words: usize,
    pub reading_minutes: usize,
}

pub fn render(markdown: &str) -> Rendered {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH;
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, options).collect();

    let mut output: Vec<Event<'_>> = Vec::with_capacity(events.len());
    let mut text = String::new();
    let mut used_ids = HashSet::new();
    let mut index = 0;
    while index < events.len() {
        match &events[index] {
            Event::Start(Tag::Heading { level, .. }) => {
                let level = *level;
                let end = find_end(&events, index, |end| matches!(end, TagEnd::Heading(_)));
                let inner = &events[index + 1..end];
                let heading_text = plain_text(inner);
                let id = unique_id(&slugify(&heading_text), &mut used_ids);
                let tag = heading_tag(level);
                output.push(Event::Html(format!("<{tag} id=\"{id}\">").into()));
                output.extend(inner.iter().cloned());
                output.push(Event::Html(
                    format!("<a class=\"anchor\" href=\"#{id}\" aria-label=\"Link to this section\">#</a></{tag}>\n").into(),
                ));
                push_text(&mut text, &heading_text);
                index = end + 1;
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let language = match kind {
                    CodeBlockKind::Fenced(info) => language_of(info),
                    CodeBlockKind::Indented => String::new(),
                };
                let end = find_end(&events, index, |end| matches!(end, TagEnd::CodeBlock));
                let code = plain_text(&events[index + 1..end]);
                let body = highlight::highlight(&code, &language).unwrap_or_else(|| escape(&code));
                let class = if language.is_empty() {
                    String::new()
                } else {
                    format!(" class=\"language-{language}\"")
                };
                output.push(Event::Html(
                    format!("<pre tabindex=\"0\"><code{class}>{body}</code></pre>\n").into(),
                ));
                push_text(&mut text, &code);
                index = end + 1;
            }
            // A wide table scrolls inside its own region, which must be keyboard reachable.
            Event::Start(Tag::Table(_)) => {
                output.push(Event::Html(
                    "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Table\">".into(),
                ));
                output.push(events[index].clone());
                index += 1;
            }
            Event::End(TagEnd::Table) => {
                output.push(events[index].clone());
                output.push(Event::Html("</div>".into()));
                index += 1;
            }
            Event::Text(value) | Event::Code(value) => {
                push_text(&mut text, value);
                output.push(events[index].clone());
                index += 1;
            }
            _ => {
                output.push(events[index].clone());
                index += 1;
            }
        }
    }

    let mut unsafe_html = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut unsafe_html, output.into_iter());
    let html = SANITIZER.clean(&unsafe_html).to_string();
    let words = text.split_whitespace().count();
    Rendered {
        html,
        reading_minutes: words.div_ceil(WORDS_PER_MINUTE).max(1),
        words,
        text: text.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

/// The token classes `highlight` emits.
const HIGHLIGHT_CLASSES: &[&str] = &[
    "hl-kw", "hl-str", "hl-num", "hl-com", "hl-lit", "hl-ty", "hl-key", "hl-meta", "hl-var",
    "hl-fn",
];

/// `language-…` classes kept on `<code>` (others are dropped; the code still shows).
const LANGUAGE_CLASSES: &[&str] = &[
    "language-rust",
    "language-rs",
    "language-javascript",
    "language-js",
    "language-jsx",
    "language-mjs",
    "language-typescript",
    "language-ts",
    "language-tsx",
    "language-python",
    "language-py",
    "language-go",
    "language-golang",
    "language-java",
    "language-kotlin",
    "language-kt",
    "language-c",
    "language-cpp",
    "language-sql",
    "language-sh",
    "language-bash",
    "language-shell",
    "language-zsh",
    "language-console",
    "language-http",
    "language-json",
    "language-yaml",
    "language-yml",
    "language-toml",
    "language-dockerfile",
    "language-docker",
    "language-html",
    "language-xml",
    "language-css",
    "language-text",
    "language-graphql",
    "language-proto",
];

/// The allow-list. Everything else (script, style, iframes, on* attributes, javascript:
/// URLs) is removed.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            // Only the read-only checkboxes of task lists.
            ("input", "type") if value != "checkbox" => None,
            _ => Some(value.into()),
        })
        .add_allowed_classes("span", HIGHLIGHT_CLASSES)
        .add_allowed_classes("code", LANGUAGE_CLASSES)
        .add_allowed_classes("a", ["anchor"])
        .add_allowed_classes("sup", ["footnote-reference"])
        .add_allowed_classes("div", ["footnote-definition", "table-scroll"])
        .add_allowed_classes("span", ["footnote-definition-label"])
        .add_tag_attributes("a", ["aria-label"])
        .add_tag_attributes("div", ["id", "tabindex", "role", "aria-label"])
        .add_tag_attributes("pre", ["tabindex"])
        .link_rel(Some("noopener noreferrer"));
    for heading in ["h1", "h2", "h3", "h4", "h5", "h6"] {
        builder.add_tag_attributes(heading, ["id"]);
    }
    builder
});

fn heading_tag(level: HeadingLevel) -> &'static str {
    match level {
        HeadingLevel::H1 => "h1",
        HeadingLevel::H2 => "h2",
        HeadingLevel::H3 => "h3",
        HeadingLevel::H4 => "h4",
        HeadingLevel::H5 => "h5",
        HeadingLevel::H6 => "h6",
    }
}

/// Index of the event closing the tag opened at `start`.
fn find_end(events: &[Event<'_>], start: usize, is_end: impl Fn(&TagEnd) -> bool) -> usize {
    events[start + 1..]
        .iter()
        .position(|event| matches!(event, Event::End(end) if is_end(end)))
        .map_or(events.len() - 1, |offset| start + 1 + offset)
}

fn plain_text(events: &[Event<'_>]) -> String {
    events
        .iter()
        .filter_map(|event| match event {
            Event::Text(text) | Event::Code(text) => Some(text.as_ref()),
            _ => None,
        })
        .collect()
}

fn push_text(text: &mut String, more: &str) {
    if !text.is_empty() {
        text.push(' ');
    }
    text.push_str(more);
}

/// The fence's first word, kept to `[a-z0-9+#-]` so it is safe in a class name.
fn language_of(info: &str) -> String {
    info.split([' ', ',', '{'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '#'))
        .collect()
}

pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() {
        "section".to_owned()
    } else {
        slug
    }
}

fn unique_id(base: &str, used: &mut HashSet<String>) -> String {
    let mut id = base.to_owned();
    let mut n = 1;
    while RESERVED_IDS.contains(&id.as_str()) || !used.insert(id.clone()) {
        n += 1;
        id = format!("{base}-{n}");
    }
    id
}

/// A one-line text (a quiz choice) as HTML: escaped, with `code` spans. No other Markdown.
pub fn inline(text: &str) -> String {
    escape(text)
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_owned()
            }
        })
        .collect::<String>()
}

pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_event_handlers_and_javascript_links_are_removed() {
        let rendered = render(
            "Hi <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) <a href=\"javascript:alert(2)\">y</a>",
        );
        assert!(!rendered.html.contains("<script"), "{}", rendered.html);
        assert!(!rendered.html.contains("onerror"), "{}", rendered.html);
        assert!(!rendered.html.contains("javascript:"), "{}", rendered.html);
    }

    #[test]
    fn fenced_code_is_highlighted_on_the_server() {
        let rendered = render("```rust\nfn main() { let x = \"<b>\"; }\n```\n");
        assert!(
            rendered
                .html
                .contains("<pre tabindex=\"0\"><code class=\"language-rust\">"),
            "{}",
            rendered.html
        );
        assert!(
            rendered.html.contains("<span class=\"hl-kw\">fn</span>"),
            "{}",
            rendered.html
        );
        assert!(rendered.html.contains("&lt;b&gt;"), "{}", rendered.html);
    }

    #[test]
    fn headings_get_unique_ids_and_anchor_links() {
        let rendered = render("## Key takeaways\n\n## Key takeaways\n\n## Main\n");
        assert!(
            rendered.html.contains(
                "<h2 id=\"key-takeaways\">Key takeaways<a class=\"anchor\" href=\"#key-takeaways\""
            ),
            "{}",
            rendered.html
        );
        assert!(
            rendered.html.contains("id=\"key-takeaways-2\""),
            "{}",
            rendered.html
        );
        assert!(
            rendered.html.contains("id=\"main-2\""),
            "a reserved id is not reused: {}",
            rendered.html
        );
    }

    #[test]
    fn tables_task_lists_and_footnotes_render() {
        let rendered = render(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\nNote[^1].\n\n[^1]: The note.\n",
        );
        assert!(rendered.html.contains("<table>"), "{}", rendered.html);
        assert!(
            rendered.html.contains("type=\"checkbox\""),
            "{}",
            rendered.html
        );
        assert!(
            rendered.html.contains("footnote-definition"),
            "{}",
            rendered.html
        );
    }

    #[test]
    fn inline_text_is_escaped_with_code_spans() {
        assert_eq!(
            inline("Use `<b>` or <i>"),
            "Use <code>&lt;b&gt;</code> or &lt;i&gt;"
        );
    }

    #[test]
    fn words_and_reading_time_are_counted() {
        let rendered = render(&"word ".repeat(450));
        assert_eq!(rendered.words, 450);
        assert_eq!(rendered.reading_minutes, 3);
        assert_eq!(render("hi").reading_minutes, 1);
    }
}
