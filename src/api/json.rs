//! JSON in and out: request bodies parsed strictly (415 for another media type, 400 for bad
//! JSON, 422 naming the member by JSON pointer for a wrong or unknown one), and reads answered
//! with an `ETag` so a client's `If-None-Match` gets a bodiless 304.

use std::collections::BTreeMap;

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};

use super::problem::{Problem, pointer_token};
use crate::auth::tokens;

/// A JSON request body of type `T` (whose fields say `deny_unknown_fields`).
#[derive(Debug)]
pub struct Body<T>(pub T, pub Bytes);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send the body as JSON, with `Content-Type: application/json`.",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                let status = rejection.status();
                Problem::new(
                    status,
                    if status == StatusCode::PAYLOAD_TOO_LARGE {
                        "The request body is larger than the API accepts.".to_owned()
                    } else {
                        "The request body could not be read.".to_owned()
                    },
                )
            })?;
        let value = parse(&bytes)?;
        Ok(Self(value, bytes))
    }
}

/// Parses `bytes` as `T`: 400 for JSON that is not well-formed, 422 for JSON of the wrong shape.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let malformed = |error: &serde_json::Error| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            format!("The body is not well-formed JSON: {error}."),
        )
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = match serde_path_to_error::deserialize(&mut deserializer) {
        Ok(value) => value,
        Err(error) => {
            let inner = error.inner();
            if inner.is_syntax() || inner.is_eof() || inner.is_io() {
                return Err(malformed(inner));
            }
            let members = BTreeMap::from([(pointer(error.path()), message(inner))]);
            return Err(Problem::invalid_body(members));
        }
    };
    // Text after the value is not JSON either.
    deserializer.end().map_err(|error| malformed(&error))?;
    Ok(value)
}

/// The JSON pointer (RFC 6901, as a URI fragment) of a path serde_path_to_error reports.
fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::from("#");
    for segment in path.iter() {
        pointer.push('/');
        match segment {
            Segment::Seq { index } => pointer.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push_str(&pointer_token(key))
            }
            Segment::Unknown => pointer.push('-'),
        }
    }
    pointer
}

/// serde's message without its "at line 1 column 9" tail, which the pointer replaces.
fn message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(end) => text[..end].to_owned(),
        None => text,
    }
}

/// A read's answer: the JSON with a strong `ETag` of its bytes, or 304 when the client's
/// `If-None-Match` already names it. Private to the caller, and revalidated on every use.
pub fn fresh(request_headers: &HeaderMap, value: &impl Serialize) -> Response {
    let body = match serde_json::to_vec(value) {
        Ok(body) => body,
        Err(error) => return Problem::from(anyhow::Error::from(error)).into_response(),
    };
    let digest = Sha256::digest(&body);
    let tag = format!("\"{}\"", tokens::hex(&digest[..16]));
    let matches = request_headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|candidate| candidate.trim().trim_start_matches("W/"))
        .any(|candidate| candidate == tag || candidate == "*");
    let etag = HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"\""));
    let cache = (
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    if matches {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag), cache]).into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::ETAG, etag),
            cache,
        ],
        body,
    )
        .into_response()
}

/// A write's answer: JSON, never cached.
pub fn written(status: StatusCode, value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (
            status,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            body,
        )
            .into_response(),
        Err(error) => Problem::from(anyhow::Error::from(error)).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Shape {
        answers: BTreeMap<String, Vec<String>>,
    }

    #[test]
    fn a_wrong_member_is_named_by_its_pointer() {
        let problem = parse::<Shape>(br#"{"answers": {"q1": [1]}}"#).unwrap_err();
        assert_eq!(problem.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let text = format!("{problem:?}");
        assert!(text.contains("#/answers/q1/0"), "{text}");

        let unknown = parse::<Shape>(br#"{"answers": {}, "extra": 1}"#).unwrap_err();
        assert!(
            format!("{unknown:?}").contains("\"#/extra\""),
            "{unknown:?}"
        );
    }

    #[test]
    fn bad_json_is_a_400_and_trailing_text_too() {
        assert_eq!(
            parse::<Shape>(b"{\"answers\": ").unwrap_err().status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            parse::<Shape>(b"{\"answers\": {}} x").unwrap_err().status(),
            StatusCode::BAD_REQUEST
        );
    }
}
