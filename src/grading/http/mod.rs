//! The HTTP lab: a learner composes a request, [`send`] runs it against the practice API
//! ([`api`]) in-process, and [`check`] compares the learner's exchanges with an exercise's
//! [`Goal`].
//!
//! The rule: a request can only ever reach the practice router. [`send`] accepts a path, never
//! a URL, and hands the request to the router with `tower::ServiceExt::oneshot`; no socket is
//! opened, so no other host is reachable by construction. The learner's id comes from the
//! server, never from the request.

pub mod api;
pub mod db;
mod goal;

use axum::{
    body::Body,
    http::{HeaderName, HeaderValue, Method, Request, StatusCode},
};
use serde::{Deserialize, Serialize};
use tower::ServiceExt;

pub use goal::{Goal, Step, Verdict, check};

use crate::db::Db;

/// What the learner asked for, as typed in the form.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PracticeRequest {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What the practice API answered, whole.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PracticeResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Exchange {
    pub request: PracticeRequest,
    pub response: PracticeResponse,
}

pub const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
pub const MAX_PATH_BYTES: usize = 2_000;
pub const MAX_HEADERS: usize = 30;
pub const MAX_HEADER_NAME_BYTES: usize = 64;
pub const MAX_HEADER_VALUE_BYTES: usize = 1_000;
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Bodies longer than this are cut for display (the practice API never sends one).
const MAX_RESPONSE_BYTES: usize = 256 * 1024;
/// The host shown in the raw request: a reserved name that resolves nowhere.
pub const DISPLAY_HOST: &str = "practice-api.invalid";

/// What the lab's headers field can start with: the full-access token and the JSON body type.
pub const STARTER_HEADERS: &str =
    "Authorization: Bearer learner-token\nContent-Type: application/json";

/// Headers the learner may not set: the server decides where the request goes (`Host`) and how
/// it travels (hop-by-hop headers, `Content-Length`).
const REFUSED_HEADERS: [&str; 10] = [
    "host",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Parses headers typed one per line as `Name: value`. Blank lines are skipped; the error names
/// the first bad line.
pub fn parse_headers(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut headers = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!(
                "Line {number} (`{}`) has no colon: write each header as `Name: value`.",
                shorten(line.trim())
            ));
        };
        let (name, value) = (name.trim(), value.trim());
        check_header(name, value).map_err(|problem| format!("Line {number}: {problem}"))?;
        headers.push((name.to_owned(), value.to_owned()));
    }
    if headers.len() > MAX_HEADERS {
        return Err(format!("At most {MAX_HEADERS} headers, please."));
    }
    Ok(headers)
}

fn check_header(name: &str, value: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the header name before the colon is missing.".into());
    }
    if name.len() > MAX_HEADER_NAME_BYTES {
        return Err(format!(
            "the header name is longer than {MAX_HEADER_NAME_BYTES} characters."
        ));
    }
    if HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(format!(
            "`{}` is not a valid header name (letters, digits and `-`, no spaces).",
            shorten(name)
        ));
    }
    let lower = name.to_ascii_lowercase();
    if REFUSED_HEADERS.contains(&lower.as_str()) {
        return Err(format!(
            "the `{name}` header is set by the lab itself: the request always goes to the practice API."
        ));
    }
    if lower == "content-length" {
        return Err("`Content-Length` is computed from the body; leave it out.".into());
    }
    if value.len() > MAX_HEADER_VALUE_BYTES {
        return Err(format!(
            "the value of `{name}` is longer than {MAX_HEADER_VALUE_BYTES} characters."
        ));
    }
    if HeaderValue::from_str(value).is_err() {
        return Err(format!(
            "the value of `{name}` has characters a header cannot carry."
        ));
    }
    Ok(())
}

fn shorten(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text.to_owned()
    }
}

/// Checks the path: it must be a path on the practice API, never a URL to somewhere else.
fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("Type a path, such as `/api/tasks`.".into());
    }
    let before_query = path.split('?').next().unwrap_or(path);
    if before_query.contains("://") || path.starts_with("//") || !path.starts_with('/') {
        return Err(format!(
            "`{}` is not a path on the practice API. The lab only talks to its own practice API: \
             type a path that starts with `/`, such as `/api/tasks`, not a full URL.",
            shorten(path)
        ));
    }
    if path.len() > MAX_PATH_BYTES {
        return Err(format!(
            "The path is longer than {MAX_PATH_BYTES} characters."
        ));
    }
    if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("The path cannot contain spaces: encode a space as `%20`.".into());
    }
    if path.contains('#') {
        return Err("Leave out the `#fragment`: browsers never send it to the server.".into());
    }
    match path.parse::<axum::http::Uri>() {
        Ok(uri) if uri.scheme().is_none() && uri.authority().is_none() => Ok(()),
        _ => Err(format!(
            "`{}` is not a valid path; characters such as `\"`, `<` or `{{` must be percent-encoded.",
            shorten(path)
        )),
    }
}

/// Sends the learner's request to their practice API and returns its whole answer. `Err` is a
/// message for the learner: the request was refused before it was sent.
pub async fn send(
    db: &Db,
    learner_id: &str,
    request: &PracticeRequest,
) -> Result<PracticeResponse, String> {
    let method = request.method.trim().to_ascii_uppercase();
    if !METHODS.contains(&method.as_str()) {
        return Err(format!("The method must be one of {}.", METHODS.join(", ")));
    }
    let path = request.path.trim();
    check_path(path)?;
    if request.headers.len() > MAX_HEADERS {
        return Err(format!("At most {MAX_HEADERS} headers, please."));
    }
    for (name, value) in &request.headers {
        check_header(name.trim(), value.trim())
            .map_err(|problem| format!("Header `{}`: {problem}", shorten(name.trim())))?;
    }
    if request.body.len() > MAX_BODY_BYTES {
        return Err(format!(
            "The body is {} bytes; the lab sends at most {} KiB.",
            request.body.len(),
            MAX_BODY_BYTES / 1024
        ));
    }

    let mut builder = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).map_err(|_| "Unknown method.".to_owned())?)
        .uri(path);
    for (name, value) in &request.headers {
        builder = builder.header(name.trim(), value.trim());
    }
    let http_request = builder
        .body(Body::from(request.body.clone()))
        .map_err(|_| "The request could not be built: check the path and headers.".to_owned())?;

    let router = api::router(api::PracticeState {
        db: db.clone(),
        learner_id: learner_id.to_owned(),
    });
    let response = match router.oneshot(http_request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };

    let status = response.status();
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let bytes = axum::body::to_bytes(response.into_body(), MAX_RESPONSE_BYTES)
        .await
        .map_err(|_| "The practice API's answer was too long to show.".to_owned())?;
    let has_length = headers.iter().any(|(name, _)| name == "content-length");
    if !has_length && method != "HEAD" && status != StatusCode::NO_CONTENT {
        // On the wire the server would add it; show it as a real client would see it.
        headers.push(("content-length".into(), bytes.len().to_string()));
    }
    Ok(PracticeResponse {
        status: status.as_u16(),
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

/// Throws away the learner's practice tasks and brings back the starter ones.
pub async fn reset(db: &Db, learner_id: &str) -> Result<(), sqlx::Error> {
    db::reset(
        db,
        learner_id,
        time::OffsetDateTime::now_utc().unix_timestamp(),
    )
    .await
}

/// The request as it would travel in HTTP/1.1 (for display).
pub fn raw_request(request: &PracticeRequest) -> String {
    let method = request.method.trim().to_ascii_uppercase();
    let mut text = format!(
        "{method} {} HTTP/1.1\nHost: {DISPLAY_HOST}\n",
        request.path.trim()
    );
    for (name, value) in &request.headers {
        text.push_str(&format!("{}: {}\n", name.trim(), value.trim()));
    }
    if !request.body.is_empty() {
        text.push_str(&format!("Content-Length: {}\n", request.body.len()));
    }
    text.push('\n');
    text.push_str(&request.body);
    text
}

/// The reason phrase RFC 9110 gives a status. The `http` crate still has two RFC 7231 names
/// that lesson 02-04 and the practice API's `title` do not use.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        _ => StatusCode::from_u16(status)
            .ok()
            .and_then(|status| status.canonical_reason())
            .unwrap_or(""),
    }
}

/// The response as it would travel in HTTP/1.1 (for display).
pub fn raw_response(response: &PracticeResponse) -> String {
    let reason = reason_phrase(response.status);
    let mut text = format!("HTTP/1.1 {} {reason}\n", response.status);
    for (name, value) in &response.headers {
        text.push_str(&format!("{name}: {value}\n"));
    }
    text.push('\n');
    text.push_str(&response.body);
    text
}

/// Markdown reference of the practice API, for the lab page.
pub fn reference_docs() -> &'static str {
    include_str!("reference.md")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse_one_per_line_and_skip_blank_lines() {
        let headers = parse_headers(
            "Authorization: Bearer learner-token\n\n  Content-Type :application/json \n",
        )
        .unwrap();
        assert_eq!(
            headers,
            vec![
                ("Authorization".into(), "Bearer learner-token".into()),
                ("Content-Type".into(), "application/json".into()),
            ]
        );
        assert_eq!(parse_headers("").unwrap(), vec![]);
        assert_eq!(parse_headers(STARTER_HEADERS).unwrap().len(), 2);
    }

    #[test]
    fn a_header_line_without_a_colon_is_named_in_the_error() {
        let error = parse_headers("Accept: */*\nAuthorization Bearer x").unwrap_err();
        assert!(error.contains("Line 2"), "{error}");
        assert!(error.contains("Authorization Bearer x"), "{error}");
    }

    #[test]
    fn host_and_hop_by_hop_headers_are_refused() {
        for line in [
            "Host: evil.example",
            "host: localhost",
            "Connection: close",
            "Transfer-Encoding: chunked",
            "Upgrade: websocket",
            "Content-Length: 5",
        ] {
            let error = parse_headers(line).unwrap_err();
            assert!(error.starts_with("Line 1"), "{line}: {error}");
        }
    }

    #[test]
    fn invalid_header_names_and_values_are_refused() {
        assert!(
            parse_headers("Bad Name: x")
                .unwrap_err()
                .contains("not a valid header name")
        );
        assert!(parse_headers(": x").unwrap_err().contains("missing"));
        let long = format!("X-Long: {}", "a".repeat(MAX_HEADER_VALUE_BYTES + 1));
        assert!(parse_headers(&long).unwrap_err().contains("longer"));
    }

    #[test]
    fn urls_and_odd_paths_are_refused_but_plain_paths_pass() {
        for path in [
            "http://evil.example/",
            "https://example.com/api/tasks",
            "//evil.example/api",
            "evil.example/api",
            "api/tasks",
            "/api tasks",
            "/api/tasks#top",
            "",
        ] {
            assert!(check_path(path).is_err(), "{path} should be refused");
        }
        for path in [
            "/api/tasks",
            "/api/tasks?page=2&per_page=3",
            "/api/tasks/1",
            "/",
            "/api/tasks?next=http://x",
            "/api/tasks/http:%2F%2Fx",
        ] {
            assert!(check_path(path).is_ok(), "{path} should pass");
        }
    }

    #[test]
    fn the_raw_request_reads_like_http_1_1() {
        let request = PracticeRequest {
            method: "post".into(),
            path: "/api/tasks".into(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: "{\"title\":\"x\"}".into(),
        };
        assert_eq!(
            raw_request(&request),
            "POST /api/tasks HTTP/1.1\nHost: practice-api.invalid\nContent-Type: application/json\n\
             Content-Length: 13\n\n{\"title\":\"x\"}"
        );
    }

    #[test]
    fn the_raw_response_has_the_status_line_with_its_reason() {
        let response = PracticeResponse {
            status: 404,
            headers: vec![("content-type".into(), "application/json".into())],
            body: "{}".into(),
        };
        assert_eq!(
            raw_response(&response),
            "HTTP/1.1 404 Not Found\ncontent-type: application/json\n\n{}"
        );
    }

    /// The bundled HTTP exercises, as helper content files hold them.
    const CONTENT: [(&str, &str); 2] = [
        (
            "03-apis-and-service-communication/labs.toml",
            include_str!(
                "../../../content/backend-foundations/03-apis-and-service-communication/labs.toml"
            ),
        ),
        (
            "05-authentication-and-security/labs.toml",
            include_str!(
                "../../../content/backend-foundations/05-authentication-and-security/labs.toml"
            ),
        ),
    ];

    #[derive(Deserialize)]
    struct LabFile {
        exercises: Vec<Exercise>,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)] // read only to prove the fields are there
    struct Exercise {
        uuid: String,
        slug: String,
        title: String,
        position: i64,
        kind: String,
        prompt: String,
        /// `None` for the SQL exercises in the same file.
        goal: Option<Goal>,
    }

    #[test]
    fn every_bundled_http_goal_parses_and_validates() {
        let mut slugs = std::collections::BTreeSet::new();
        let mut count = 0;
        for (file, text) in CONTENT {
            let lab: LabFile = toml::from_str(text).unwrap_or_else(|e| panic!("{file}: {e}"));
            for exercise in lab.exercises.into_iter().filter(|e| e.kind == "http") {
                let name = format!("{file}: {}", exercise.slug);
                let uuid = uuid::Uuid::parse_str(&exercise.uuid).expect(&name);
                assert_eq!(uuid.get_version_num(), 4, "{name}");
                assert_eq!(uuid.to_string(), exercise.uuid, "{name}: lowercase uuid");
                assert!(
                    slugs.insert(exercise.slug.clone()),
                    "{name}: duplicate slug"
                );
                assert!(!exercise.prompt.trim().is_empty(), "{name}");
                exercise
                    .goal
                    .expect(&name)
                    .validate()
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                count += 1;
            }
        }
        assert!(count >= 10, "only {count} HTTP exercises");
    }
}
