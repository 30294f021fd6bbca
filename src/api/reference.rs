//! `/api`: the API reference, a page rendered on the server from the OpenAPI document (no
//! JavaScript), so what it says is what the handlers declare (descriptions escaped, with their
//! `code` spans): every operation by tag with its
//! parameters, body and answers, the schemas, and the problem types.

use std::sync::{Arc, LazyLock};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use serde_json::Value;

use super::{document, problem};
use crate::{config::Config, render::markdown::inline, web::Layout};

pub struct Operation {
    pub method: String,
    pub path: String,
    /// For the anchor: `get-api-v1-paths-path`.
    pub anchor: String,
    pub summary: String,
    pub parameters: Vec<Parameter>,
    pub body: Option<String>,
    pub responses: Vec<(String, String, Option<String>)>,
}

pub struct Parameter {
    pub name: String,
    pub place: String,
    pub kind: String,
    pub required: bool,
    pub description: String,
}

pub struct Tag {
    pub name: String,
    pub description: String,
    pub operations: Vec<Operation>,
}

pub struct Schema {
    pub name: String,
    pub description: String,
    /// (name, type, required, description)
    pub fields: Vec<(String, String, bool, String)>,
}

pub struct Reference {
    pub title: String,
    /// The problem types: (slug, title, meaning as HTML).
    pub problems: Vec<(&'static str, &'static str, String)>,
    pub description: String,
    pub tags: Vec<Tag>,
    pub schemas: Vec<Schema>,
}

impl Reference {
    /// Whether a type names one of the schemas below (so it can link to it); `array of
    /// integer` does not.
    pub fn is_schema(&self, kind: &str) -> bool {
        self.schemas.iter().any(|schema| schema.name == kind)
    }
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// A description as HTML: escaped, with its `code` spans.
fn html(value: &Value) -> String {
    inline(value.as_str().unwrap_or_default())
}

/// A schema as one short type: `string`, `integer | null`, `array of LessonItem`, `Quiz`.
fn type_of(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference.rsplit('/').next().unwrap_or(reference).to_owned();
    }
    if let Some(choices) = schema.get("oneOf").and_then(Value::as_array) {
        return choices.iter().map(type_of).collect::<Vec<_>>().join(" | ");
    }
    let kinds: Vec<String> = match schema.get("type") {
        Some(Value::String(kind)) => vec![kind.clone()],
        Some(Value::Array(kinds)) => kinds.iter().map(text).collect(),
        _ => Vec::new(),
    };
    kinds
        .iter()
        .map(|kind| match kind.as_str() {
            "array" => format!(
                "array of {}",
                schema.get("items").map_or("anything".into(), type_of)
            ),
            "object" => match schema.get("additionalProperties") {
                Some(values) if values.is_object() => format!("map to {}", type_of(values)),
                _ => "object".to_owned(),
            },
            _ => kind.clone(),
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn build() -> Reference {
    let document = serde_json::to_value(document()).unwrap_or_default();
    let mut tags: Vec<Tag> = document["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|tag| Tag {
            name: text(&tag["name"]),
            description: html(&tag["description"]),
            operations: Vec::new(),
        })
        .collect();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for method in ["get", "put", "post", "delete", "patch"] {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let parameters = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|parameter| Parameter {
                    name: text(&parameter["name"]),
                    place: text(&parameter["in"]),
                    kind: type_of(&parameter["schema"]),
                    required: parameter["required"].as_bool().unwrap_or(false),
                    description: html(&parameter["description"]),
                })
                .collect();
            let body = operation["requestBody"]["content"]["application/json"]
                .get("schema")
                .map(type_of);
            let mut responses: Vec<(String, String, Option<String>)> = operation["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(status, response)| {
                    let schema = response["content"]
                        .as_object()
                        .and_then(|content| content.values().next())
                        .and_then(|media| media.get("schema"))
                        .map(type_of);
                    (status.clone(), html(&response["description"]), schema)
                })
                .collect();
            responses.sort();
            let tag = operation["tags"][0].as_str().unwrap_or_default();
            let entry = Operation {
                method: method.to_uppercase(),
                anchor: format!("{method}{}", path.replace(['/', '{', '}'], "-"))
                    .trim_end_matches('-')
                    .to_owned(),
                path: path.clone(),
                summary: html(&operation["summary"]),
                parameters,
                body,
                responses,
            };
            match tags.iter_mut().find(|t| t.name == tag) {
                Some(found) => found.operations.push(entry),
                None => tags.push(Tag {
                    name: tag.to_owned(),
                    description: String::new(),
                    operations: vec![entry],
                }),
            }
        }
    }
    let schemas = document["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, schema)| {
            let required: Vec<&str> = schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            Schema {
                name: name.clone(),
                description: html(&schema["description"]),
                fields: schema["properties"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(field, property)| {
                        (
                            field.clone(),
                            type_of(property),
                            required.contains(&field.as_str()),
                            html(&property["description"]),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    Reference {
        problems: problem::TYPES
            .iter()
            .map(|(slug, title, meaning)| (*slug, *title, inline(meaning)))
            .collect(),
        title: text(&document["info"]["title"]),
        description: html(&document["info"]["description"]),
        tags,
        schemas,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "api/reference.html")]
pub struct ReferencePage {
    layout: Layout,
    reference: &'static Reference,
    /// This server's address, for the example.
    base: String,
}

/// `GET /api`.
pub async fn page(layout: Layout, State(config): State<Arc<Config>>) -> ReferencePage {
    static REFERENCE: LazyLock<Reference> = LazyLock::new(build);
    ReferencePage {
        layout,
        reference: &REFERENCE,
        base: config.public_url(),
    }
}
