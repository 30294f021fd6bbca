//! [`Slug`]: the name of a path, module, lesson or exercise in an address. One rule for what
//! a slug may be, checked once where a slug is made; code that holds a `Slug` never checks again.

use std::{fmt, ops::Deref};

/// Lowercase ASCII words (letters and digits) joined by single `-`, at most 80 bytes:
/// `databases-and-data-modeling`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct Slug(String);

/// Why a text is not a slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotASlug(pub String);

impl fmt::Display for NotASlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "“{}” is not a slug: use lowercase letters and digits in words joined by -, at most 80 characters",
            self.0
        )
    }
}

impl std::error::Error for NotASlug {}

impl Slug {
    pub const MAX_LEN: usize = 80;

    pub fn parse(text: impl Into<String>) -> Result<Self, NotASlug> {
        let text = text.into();
        if Self::is_valid(&text) {
            Ok(Self(text))
        } else {
            Err(NotASlug(text))
        }
    }

    /// The rule itself, for checks that keep the text as typed (forms, the file format).
    pub fn is_valid(text: &str) -> bool {
        !text.is_empty()
            && text.len() <= Self::MAX_LEN
            && text.split('-').all(|word| {
                !word.is_empty()
                    && word
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = NotASlug;

    fn try_from(text: String) -> Result<Self, NotASlug> {
        Self::parse(text)
    }
}

impl Deref for Slug {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Slug {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Slug {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for Slug {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

#[cfg(test)]
mod tests {
    use super::Slug;

    #[test]
    fn a_slug_is_lowercase_words_joined_by_single_dashes() {
        for good in ["a", "how-indexes-work", "http-2", "x".repeat(80).as_str()] {
            assert!(Slug::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "a--b",
            "A",
            "a_b",
            "é",
            "a b",
            "x".repeat(81).as_str(),
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Slug::parse("sql").unwrap(), "sql");
    }
}
