//! The JSON API at `/api/v1`: the same curriculum and progress the pages show, read from the
//! same layers, for programs that hold a personal access token (`/settings/tokens`).
//!
//! A page feature with its own stack of layers (`router`): no session and no CSRF check
//! (cookies never authenticate it; tokens never authenticate a page), errors as Problem Details,
//! bodies parsed strictly. Its OpenAPI document is generated from the handlers' own types: a
//! route is added with `routes!`, which puts it in the router and the document together
//! (tests/integration/api.rs fails on a route the document does not list).

mod caller;
mod content;
mod cursor;
mod idempotency;
mod json;
mod me;
mod mine;
mod paths;
mod problem;
mod quizzes;
mod reference;

use std::sync::LazyLock;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderValue, StatusCode, header},
    middleware,
    response::{IntoResponse, Response},
    routing::{any, get},
};
use tower_http::{catch_panic::CatchPanicLayer, timeout::TimeoutLayer};
use utoipa::{
    Modify, OpenApi,
    openapi::{
        self, Content, RefOr, ResponseBuilder,
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{curriculum, state::AppState};

/// Where the versioned operations live.
pub const PREFIX: &str = "/api/v1";
/// JSON bodies are small (a quiz attempt is a few KB).
const BODY_LIMIT: usize = 256 * 1024;
/// A curriculum archive, the one large body.
const ARCHIVE_BODY_LIMIT: usize = crate::curriculum::publish::MAX_ARCHIVE_BYTES;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Groundwork API",
        version = "1",
        description = "The curriculum and your progress, as JSON. Authenticate with a personal \
            access token from /settings/tokens: `Authorization: Bearer gw_…`. Errors are RFC 9457 \
            Problem Details. Reads answer with an `ETag`; send it back in `If-None-Match` for a 304."
    ),
    security(("token" = [])),
    components(schemas(problem::ProblemBody, problem::FieldProblem)),
    tags(
        (name = "account", description = "The caller and their own records"),
        (name = "curriculum", description = "Paths, modules and lessons, with the caller's progress"),
        (name = "progress", description = "Marking lessons done"),
        (name = "quizzes", description = "Module quizzes and the caller's attempts"),
        (name = "content", description = "The curriculum as an archive, for editors: export, stage, apply"),
    )
)]
struct Document;

/// What holds for every operation, added here once instead of on each handler: the bearer
/// scheme, and the Problem Details answers any operation may give.
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, document: &mut openapi::OpenApi) {
        let components = document.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("gw_…")
                    .description(Some("A personal access token from /settings/tokens"))
                    .build(),
            ),
        );
        for item in document.paths.paths.values_mut() {
            let operations = [
                (&mut item.get, false),
                (&mut item.put, false),
                (&mut item.delete, false),
                (&mut item.post, true),
            ];
            for (index, (operation, has_body)) in operations.into_iter().enumerate() {
                let Some(operation) = operation else { continue };
                let mut statuses = vec![
                    ("400", "The request could not be read"),
                    (
                        "401",
                        "No token, or one that is unknown, revoked or expired",
                    ),
                    ("403", "The token lacks the scope this needs"),
                    ("404", "Not found, or not the caller's"),
                    ("422", "Invalid parameters or body: see `errors`"),
                    (
                        "429",
                        "The token's rate limit is used up: see `Retry-After`",
                    ),
                    ("500", "An unexpected error; it has been logged"),
                    ("503", "Busy or without its database: see `Retry-After`"),
                ];
                // Every JSON read answers with an ETag (json::fresh).
                let json_read = index == 0
                    && operation.responses.responses.get("200").is_some_and(|ok| {
                        matches!(ok, RefOr::T(ok) if ok.content.contains_key("application/json"))
                    });
                if json_read {
                    operation
                        .responses
                        .responses
                        .entry("304".to_owned())
                        .or_insert_with(|| {
                            RefOr::T(
                                ResponseBuilder::new()
                                    .description(
                                        "Unchanged since the `ETag` sent in `If-None-Match`",
                                    )
                                    .build(),
                            )
                        });
                }
                if has_body {
                    statuses.extend([
                        ("409", "The request does not fit the current state (a changed quiz, a key in use)"),
                        ("413", "The body is too large"),
                        ("415", "The body is not JSON"),
                    ]);
                }
                for (status, description) in statuses {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| RefOr::T(problem_response(description)));
                }
            }
        }
    }
}

fn problem_response(description: &str) -> openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            problem::CONTENT_TYPE,
            Content::new(Some(RefOr::Ref(openapi::Ref::from_schema_name(
                "ProblemBody",
            )))),
        )
        .build()
}

/// Every operation, each registered with its documentation.
fn operations() -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
        .routes(routes!(me::me))
        .routes(routes!(mine::list_notes))
        .routes(routes!(mine::list_bookmarks))
        .routes(routes!(mine::data_export))
        .routes(routes!(paths::list))
        .routes(routes!(paths::outline))
        .routes(routes!(paths::module))
        .routes(routes!(paths::lesson))
        .routes(routes!(paths::mark_done, paths::mark_not_done))
        .routes(routes!(quizzes::quiz))
        .routes(routes!(quizzes::submit))
        .routes(routes!(quizzes::list))
        .routes(routes!(quizzes::attempt))
        .routes(routes!(content::export))
        .routes(routes!(content::apply))
        // Archives are larger than other bodies.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(content::stage))
                .layer(DefaultBodyLimit::max(ARCHIVE_BODY_LIMIT)),
        );
    OpenApiRouter::with_openapi(Document::openapi()).nest(PREFIX, v1)
}

/// The OpenAPI document, made once.
pub fn document() -> &'static openapi::OpenApi {
    static DOCUMENT: LazyLock<openapi::OpenApi> = LazyLock::new(|| {
        let (_, mut document) = operations().split_for_parts();
        // After the operations are in: the conventions apply to each of them.
        Conventions.modify(&mut document);
        document
    });
    &DOCUMENT
}

/// `/api/openapi.json`.
async fn openapi_json() -> Response {
    match document().to_json() {
        Ok(json) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=300"),
                ),
            ],
            json,
        )
            .into_response(),
        Err(error) => problem::Problem::from(anyhow::Error::from(error)).into_response(),
    }
}

/// The reference page, `/api`: a page like the others (sessions, layout), so it sits with them.
pub fn pages() -> Router<AppState> {
    Router::new().route("/api", get(reference::page))
}

/// The API with its own layers; `app.rs` merges it beside the pages.
pub fn router(state: AppState) -> Router {
    let (operations, _) = operations().split_for_parts();
    operations
        .route("/api/openapi.json", get(openapi_json))
        .route(
            "/api/v1/{*rest}",
            any(|| async { problem::Problem::not_found("There is no API operation here.") }),
        )
        .with_state(state.clone())
        // The last layer added sees a request first.
        .layer(CatchPanicLayer::custom(crate::error::panic_response))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            state.config.request_timeout(),
        ))
        .layer(middleware::from_fn(problem::dress_bare_errors))
        .layer(middleware::from_fn_with_state(
            state.curriculum.clone(),
            curriculum::refresh_after_changes,
        ))
}
