//! Extractors whose rejections are `AppError` pages, never axum's plain-text responses
//! (clippy.toml forbids the bare ones), and per-field error messages for forms.

#![allow(clippy::disallowed_types)]

use std::collections::BTreeMap;

use axum::extract::{FromRequest, FromRequestParts};

use crate::error::AppError;

/// A urlencoded form body.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Form), rejection(AppError))]
pub struct Form<T>(pub T);

/// The query string.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

/// Path parameters.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);

impl From<axum::extract::rejection::FormRejection> for AppError {
    fn from(rejection: axum::extract::rejection::FormRejection) -> Self {
        Self::BadRequest(format!(
            "The form could not be read: {}",
            rejection.body_text()
        ))
    }
}

impl From<axum::extract::rejection::QueryRejection> for AppError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        Self::BadRequest(query_error(&rejection.body_text()))
    }
}

/// What a reader is told about a query string the page cannot use: which part of the address
/// is wrong, not the parser's words. axum's text is "Failed to deserialize query string:
/// <field>: <reason>"; the field is one of the page's own names, never the visitor's text.
fn query_error(axum_text: &str) -> String {
    let field = axum_text
        .strip_prefix("Failed to deserialize query string: ")
        .and_then(|rest| rest.split_once(": "))
        .map(|(field, _)| field)
        .filter(|field| {
            field
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        });
    match field {
        Some(field) => format!(
            "This address has a “{field}” value the page cannot use. \
             Check the link, or open the page without it."
        ),
        None => "This address has a query the page cannot read. \
                 Check the link, or open the page without it."
            .to_owned(),
    }
}

impl From<axum::extract::rejection::PathRejection> for AppError {
    fn from(_: axum::extract::rejection::PathRejection) -> Self {
        Self::NotFound
    }
}

/// Messages for the fields of a form that failed validation, shown beside each field.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(BTreeMap<&'static str, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }

    /// Records the error of a parse, returning the value when there was none.
    pub fn check<T, E: ToString>(
        &mut self,
        field: &'static str,
        parsed: Result<T, E>,
    ) -> Option<T> {
        parsed
            .map_err(|error| self.add(field, error.to_string()))
            .ok()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::query_error;

    #[test]
    fn a_bad_query_names_the_field_in_plain_words() {
        assert_eq!(
            query_error("Failed to deserialize query string: page: invalid digit found in string"),
            "This address has a “page” value the page cannot use. \
             Check the link, or open the page without it."
        );
        assert!(query_error("something else entirely").starts_with("This address has a query"));
    }
}
