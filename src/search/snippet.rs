//! The snippet under a search result: a few dozen words of the text around the first word
//! that matches, with every match marked. Words match as the search does: a text word that
//! starts with a query word, ignoring case.

/// Words shown before the first match, and in all.
const BEFORE: usize = 8;
const WORDS: usize = 30;

/// `text` cut to the words around the first match (or its start), escaped for HTML, with
/// `<mark>` around each matching word and `…` where words were left out.
pub fn snippet_html(text: &str, query: &[String]) -> String {
    let words: Vec<(usize, &str)> = words_of(text).collect();
    let matches = |word: &str| {
        let word = word.to_lowercase();
        query.iter().any(|q| word.starts_with(q.as_str()))
    };
    let first = words.iter().position(|(_, word)| matches(word));
    let start = first.map_or(0, |i| i.saturating_sub(BEFORE));
    let end = (start + WORDS).min(words.len());
    let mut html = String::new();
    if start > 0 {
        html.push('…');
    }
    // From the text's very start when nothing is cut there, so leading punctuation stays.
    let mut at = match start {
        0 => 0,
        _ => words[start].0,
    };
    for &(offset, word) in &words[start..end] {
        // What lies between words (spaces, punctuation) is kept as written.
        html.push_str(&crate::render::markdown::escape(&text[at..offset]));
        let escaped = crate::render::markdown::escape(word);
        if matches(word) {
            html.push_str("<mark>");
            html.push_str(&escaped);
            html.push_str("</mark>");
        } else {
            html.push_str(&escaped);
        }
        at = offset + word.len();
    }
    if end < words.len() {
        html.push('…');
    } else {
        html.push_str(&crate::render::markdown::escape(&text[at..]));
    }
    html.trim().to_owned()
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
