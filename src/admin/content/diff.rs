//! Line diffs between two versions of a lesson's Markdown, for the revision and conflict pages.

use similar::{ChangeTag, TextDiff};

/// One line of a diff as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// "added", "removed", "same", or "gap" for unchanged lines left out.
    pub kind: &'static str,
    pub text: String,
}

impl Line {
    /// The sign in front of the line (also readable without colour).
    pub fn sign(&self) -> &'static str {
        match self.kind {
            "added" => "+",
            "removed" => "−",
            "gap" => "⋯",
            _ => " ",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    pub lines: Vec<Line>,
    pub added: usize,
    pub removed: usize,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.added == 0 && self.removed == 0
    }

    /// "+3 −1 lines", for lists and the audit log.
    pub fn stats(&self) -> String {
        format!("+{} −{} lines", self.added, self.removed)
    }
}

/// The changes from `old` to `new`, with three lines of context around each change.
pub fn lines(old: &str, new: &str) -> Diff {
    let diff = TextDiff::from_lines(old, new);
    let mut result = Diff::default();
    for (index, group) in diff.grouped_ops(3).iter().enumerate() {
        if index > 0 {
            result.lines.push(Line {
                kind: "gap",
                text: String::new(),
            });
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let kind = match change.tag() {
                    ChangeTag::Insert => {
                        result.added += 1;
                        "added"
                    }
                    ChangeTag::Delete => {
                        result.removed += 1;
                        "removed"
                    }
                    ChangeTag::Equal => "same",
                };
                result.lines.push(Line {
                    kind,
                    text: change.value().trim_end_matches(['\n', '\r']).to_owned(),
                });
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_lines_are_marked_with_context_around_them() {
        let old = (1..=20).map(|n| format!("line {n}\n")).collect::<String>();
        let new = old.replace("line 10\n", "line ten\n") + "line 21\n";
        let diff = lines(&old, &new);
        assert_eq!((diff.added, diff.removed), (2, 1));
        assert_eq!(diff.stats(), "+2 −1 lines");
        let kinds: Vec<&str> = diff.lines.iter().map(|line| line.kind).collect();
        assert!(
            kinds.contains(&"gap"),
            "far-apart changes are separate hunks"
        );
        assert!(
            !diff.lines.iter().any(|line| line.text == "line 1"),
            "context is limited"
        );
        let removed = diff
            .lines
            .iter()
            .find(|line| line.kind == "removed")
            .unwrap();
        assert_eq!((removed.text.as_str(), removed.sign()), ("line 10", "−"));
    }

    #[test]
    fn equal_texts_have_no_diff() {
        assert!(lines("same\n", "same\n").is_empty());
        assert!(lines("", "").lines.is_empty());
    }
}
