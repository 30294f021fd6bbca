//! What every page's layout (`templates/base.html`) needs besides the page's own content.

use super::assets;

#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// The request path, to mark the current navigation entry.
    pub current_path: String,
}

impl Layout {
    pub fn new(current_path: impl Into<String>) -> Self {
        Self {
            current_path: current_path.into(),
        }
    }

    pub fn asset(&self, name: &str) -> String {
        assets::url(name)
    }

    /// `aria-current="page"` for the entry that links to where we are.
    pub fn is_current(&self, href: &str) -> bool {
        self.current_path == href
            || (href != "/" && self.current_path.starts_with(&format!("{href}/")))
    }
}
