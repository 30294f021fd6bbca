//! Reading responses as HTML with CSS selectors, rather than searching strings.

use scraper::{Html, Selector};

pub struct Page {
    html: Html,
}

impl Page {
    pub async fn from(response: reqwest::Response) -> Self {
        Self::parse(&response.text().await.expect("a body"))
    }

    pub fn parse(body: &str) -> Self {
        Self {
            html: Html::parse_document(body),
        }
    }

    fn selector(css: &str) -> Selector {
        Selector::parse(css).unwrap_or_else(|error| panic!("bad selector {css:?}: {error}"))
    }

    /// Text of every element matching `css`, whitespace collapsed.
    pub fn texts(&self, css: &str) -> Vec<String> {
        self.html
            .select(&Self::selector(css))
            .map(|element| element.text().collect::<String>())
            .map(|text| text.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    }

    /// Text of the single element matching `css`; panics if there is not exactly one.
    pub fn text(&self, css: &str) -> String {
        let texts = self.texts(css);
        assert_eq!(texts.len(), 1, "expected one {css:?}, found {texts:?}");
        texts.into_iter().next().unwrap()
    }

    pub fn count(&self, css: &str) -> usize {
        self.html.select(&Self::selector(css)).count()
    }

    /// Values of `attribute` on every element matching `css`.
    pub fn attrs(&self, css: &str, attribute: &str) -> Vec<String> {
        self.html
            .select(&Self::selector(css))
            .filter_map(|element| element.value().attr(attribute).map(str::to_owned))
            .collect()
    }
}
