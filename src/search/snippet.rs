//! The snippet under a search result: a few dozen words of the text around the first word
//! that matches, with every match marked. Words match as the search does: a text word that
//! starts with a query word, ignoring case.

use crate::render::markdown::escape;

/// Words shown before the first match, and in all.
const BEFORE: usize = 8;
const WORDS: usize = 30;

/// `text` cut to the words around the first match (or its start), escaped for HTML, with
/// `<mark>` around each matching word and `…` where words were left out. Reads the text only
/// up to the end of the snippet: results come from whole lessons.
pub fn snippet_html(text: &str, query: &[String]) -> String {
    let matches = |word: &str| query.iter().any(|q| starts_with_ignoring_case(word, q));
    // The words before the first match (at most BEFORE kept), then the snippet's words.
    let mut words = words_of(text).peekable();
    let mut before: std::collections::VecDeque<(usize, &str)> = std::collections::VecDeque::new();
    let mut skipped = false;
    let mut found = false;
    while let Some(&word) = words.peek() {
        if matches(word.1) {
            found = true;
            break;
        }
        words.next();
        before.push_back(word);
        if before.len() > BEFORE {
            before.pop_front();
            skipped = true;
        }
    }
    let shown: Vec<(usize, &str)> = if found {
        let rest = WORDS.saturating_sub(before.len());
        before
            .into_iter()
            .chain(words.by_ref().take(rest))
            .collect()
    } else {
        // No match in the text (it was in the title): the text's start.
        skipped = false;
        words_of(text).take(WORDS).collect()
    };
    let more = if found {
        words.peek().is_some()
    } else {
        words_of(text).nth(WORDS).is_some()
    };
    let mut html = String::new();
    if skipped {
        html.push('…');
    }
    // From the text's very start when nothing is cut there, so leading punctuation stays.
    let mut at = match (skipped, shown.first()) {
        (true, Some((offset, _))) => *offset,
        _ => 0,
    };
    for &(offset, word) in &shown {
        // What lies between words (spaces, punctuation) is kept as written.
        html.push_str(&escape(&text[at..offset]));
        if matches(word) {
            html.push_str("<mark>");
            html.push_str(&escape(word));
            html.push_str("</mark>");
        } else {
            html.push_str(&escape(word));
        }
        at = offset + word.len();
    }
    if more {
        html.push('…');
    } else {
        html.push_str(&escape(&text[at..]));
    }
    html.trim().to_owned()
}

/// `word` begins with `prefix` (lowercase), compared without allocating.
fn starts_with_ignoring_case(word: &str, prefix: &str) -> bool {
    let mut word = word.chars().flat_map(char::to_lowercase);
    prefix.chars().all(|p| word.next() == Some(p))
}

/// The words of `text` (runs of letters and digits) with their byte offsets.
fn words_of(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, _) = loop {
            let (offset, c) = rest.next()?;
            if c.is_alphanumeric() {
                break (offset, c);
            }
        };
        let mut end = text.len();
        while let Some(&(offset, c)) = rest.peek() {
            if !c.is_alphanumeric() {
                end = offset;
                break;
            }
            rest.next();
        }
        Some((start, &text[start..end]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn the_snippet_starts_a_little_before_the_first_match_and_marks_every_match() {
        let text = "one two three four five six seven eight nine ten eleven Indexes make \
                    reads fast; an index costs writes.";
        let html = snippet_html(text, &query(&["index"]));
        assert_eq!(
            html,
            "…four five six seven eight nine ten eleven <mark>Indexes</mark> make reads fast; \
             an <mark>index</mark> costs writes."
        );
    }

    #[test]
    fn text_is_escaped_and_long_texts_are_cut() {
        let text = format!("<b>index</b> & {}", "word ".repeat(50));
        let html = snippet_html(&text, &query(&["index"]));
        assert!(html.starts_with("&lt;b&gt;<mark>index</mark>&lt;/b&gt; &amp; word"));
        assert!(html.ends_with('…'));
        // `b`, `index` and `b` are words too.
        assert_eq!(html.matches("word").count(), WORDS - 3);
    }

    #[test]
    fn without_a_match_in_the_text_the_snippet_is_its_start() {
        assert_eq!(
            snippet_html("Héllo, wörld!", &query(&["zzz"])),
            "Héllo, wörld!"
        );
        assert_eq!(snippet_html("", &query(&["x"])), "");
    }
}
