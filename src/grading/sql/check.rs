//! Comparing a learner's result with the expected one, and saying what differs: wrong
//! columns, missing rows, extra rows, or the right rows in the wrong order.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::sandbox::{Cell, Table};

/// How a learner's table differs from the expected one; empty when they match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    /// What is wrong with the columns, if anything.
    pub columns: Option<String>,
    /// Expected rows the learner's result lacks (each as often as it is missing).
    pub missing: Vec<Vec<Cell>>,
    /// Rows in the learner's result that are not expected.
    pub extra: Vec<Vec<Cell>>,
    /// The same rows, in another order than the exercise asks for.
    pub wrong_order: bool,
}

impl Diff {
    pub fn matches(&self) -> bool {
        self.columns.is_none()
            && self.missing.is_empty()
            && self.extra.is_empty()
            && !self.wrong_order
    }
}

/// Compares `got` with `expected`. Column names are compared case-insensitively when
/// `check_columns`; rows as multisets, and also in order when `ordered`.
pub fn compare(expected: &Table, got: &Table, ordered: bool, check_columns: bool) -> Diff {
    let mut diff = Diff::default();
    let names =
        |table: &Table| -> Vec<String> { table.columns.iter().map(|c| c.to_lowercase()).collect() };
    if expected.columns.len() != got.columns.len() {
        diff.columns = Some(format!(
            "Expected {} column{} ({}), got {} ({}).",
            expected.columns.len(),
            plural(expected.columns.len()),
            expected.columns.join(", "),
            got.columns.len(),
            got.columns.join(", ")
        ));
        // Rows of another width can never match; listing them all as missing says nothing.
        return diff;
    }
    if check_columns && names(expected) != names(got) {
        diff.columns = Some(format!(
            "Expected the columns to be named {}, got {}. Use AS to name a column.",
            expected.columns.join(", "),
            got.columns.join(", ")
        ));
    }
    let mut counts: HashMap<&[Cell], i64> = HashMap::new();
    for row in &expected.rows {
        *counts.entry(row.as_slice()).or_default() += 1;
    }
    for row in &got.rows {
        match counts.get_mut(row.as_slice()) {
            Some(n) if *n > 0 => *n -= 1,
            _ => diff.extra.push(row.clone()),
        }
    }
    for row in &expected.rows {
        if let Some(n) = counts.get_mut(row.as_slice())
            && *n > 0
        {
            *n -= 1;
            diff.missing.push(row.clone());
        }
    }
    diff.wrong_order =
        ordered && diff.missing.is_empty() && diff.extra.is_empty() && expected.rows != got.rows;
    diff
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(columns: &[&str], rows: &[&[Option<&str>]]) -> Table {
        Table {
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: rows
                .iter()
                .map(|row| row.iter().map(|c| c.map(str::to_owned)).collect())
                .collect(),
        }
    }

    #[test]
    fn equal_tables_match_and_unordered_ignores_order() {
        let expected = table(
            &["id", "name"],
            &[&[Some("1"), Some("Ada")], &[Some("2"), None]],
        );
        let swapped = table(
            &["ID", "name"],
            &[&[Some("2"), None], &[Some("1"), Some("Ada")]],
        );
        assert!(compare(&expected, &swapped, false, true).matches());
        let ordered = compare(&expected, &swapped, true, true);
        assert!(ordered.wrong_order && ordered.missing.is_empty());
    }

    #[test]
    fn missing_and_extra_rows_are_listed_with_duplicates_counted() {
        let expected = table(&["x"], &[&[Some("1")], &[Some("1")], &[Some("2")]]);
        let got = table(&["x"], &[&[Some("1")], &[Some("3")]]);
        let diff = compare(&expected, &got, false, true);
        assert_eq!(
            diff.missing,
            vec![vec![Some("1".to_owned())], vec![Some("2".to_owned())]]
        );
        assert_eq!(diff.extra, vec![vec![Some("3".to_owned())]]);
        assert!(!diff.matches());
    }

    #[test]
    fn column_names_count_only_when_the_exercise_says_so() {
        let expected = table(&["total"], &[&[Some("5")]]);
        let got = table(&["count(*)"], &[&[Some("5")]]);
        assert!(compare(&expected, &got, false, false).matches());
        let diff = compare(&expected, &got, false, true);
        assert!(diff.columns.unwrap().contains("named total"));
        let wide = table(&["a", "b"], &[&[Some("5"), None]]);
        assert!(
            compare(&expected, &wide, false, false)
                .columns
                .unwrap()
                .contains("Expected 1 column")
        );
    }
}
