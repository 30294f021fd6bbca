//! The application: the router with its layers, and serving with graceful shutdown. The one
//! file that names every feature.

use std::future::Future;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{Request, StatusCode},
    middleware,
    routing::get,
};
use tokio::net::TcpListener;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{
        CompressionLayer, Predicate,
        predicate::{DefaultPredicate, NotForContentType},
    },
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};

use crate::state::AppState;
use crate::{
    account, admin, api, auth, catalog, curriculum, db::session_store::DbSessionStore, error, home,
    labs, learning, notes, ops, quiz, search, server, web,
};

/// The whole application: every route, wrapped in every layer.
pub fn router(state: AppState) -> Router {
    with_layers(routes(state.clone()), &state)
}

/// Every page route, in one place; each feature contributes its own `router()`. (The JSON API
/// has its own layers: [`with_layers`] adds it.)
pub fn routes(state: AppState) -> Router {
    Router::new()
        .merge(home::router())
        .merge(auth::router())
        .merge(account::router())
        .merge(catalog::router())
        .merge(learning::router())
        .merge(quiz::router())
        .merge(labs::router())
        .merge(notes::router())
        .merge(search::router())
        .merge(admin::router())
        .merge(ops::router())
        .merge(api::pages())
        .route("/static/{*name}", get(web::assets::serve))
        .fallback(|| async { error::AppError::NotFound })
        .with_state(state)
}

/// The pages in their layers, beside the JSON API in its own (`api::router`: no session, no
/// CSRF check, Problem Details), both inside the layers every request passes through.
pub fn with_layers(pages: Router, state: &AppState) -> Router {
    let app = with_page_layers(pages, state).merge(api::router(state.clone()));
    with_common_layers(app, state)
}

/// What pages need: sessions, error pages, body limits, CSRF checks, timeout and panic
/// recovery.
fn with_page_layers(routes: Router, state: &AppState) -> Router {
    let config = &state.config;
    // Layers wrap what is above them: the last one added is the first to see a request.
    routes
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(middleware::from_fn(auth::csrf::protect))
        .layer(middleware::from_fn_with_state(
            web::limit::BodyLimits::new(
                config.max_body_bytes,
                vec![(admin::IMPORT_PATH, admin::IMPORT_BODY_LIMIT)],
            ),
            web::limit::limit,
        ))
        // Outside the CSRF check, which reads the body: a body that trickles in gets 408 too.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout(),
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            error::render_error_pages,
        ))
        .layer(middleware::from_fn_with_state(
            state.curriculum.clone(),
            curriculum::refresh_after_changes,
        ))
        .layer(auth::session::layer(
            DbSessionStore::new(state.db.clone()),
            config,
        ))
        // Outside the session layer, so it sees the cookie the session sets.
        .layer(middleware::from_fn_with_state(
            auth::SECRET_ROUTES,
            web::security::private_pages,
        ))
        .layer(axum_htmx::AutoVaryLayer)
}

/// What every response gets: compression, security headers, the statement count, request ids
/// and tracing.
fn with_common_layers(app: Router, state: &AppState) -> Router {
    let config = &state.config;
    let mut app = app
        // Archives are gzip already; compressing them again only costs time.
        .layer(CompressionLayer::new().compress_when(
            DefaultPredicate::new().and(NotForContentType::const_new("application/gzip")),
        ));
    for header in web::security::headers() {
        app = app.layer(header);
    }
    if config.secure_cookies {
        app = app.layer(web::security::strict_transport_security());
    }
    app.layer(middleware::from_fn_with_state(
        state.metrics.clone(),
        web::metrics::track,
    ))
    .layer(middleware::from_fn_with_state(
        config.server_timing,
        web::statements::count,
    ))
    .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
            let request_id = request
                .headers()
                .get("x-request-id")
                .and_then(|value| value.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id, statements = tracing::field::Empty)
        })
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Serves until SIGINT or SIGTERM, then lets requests in flight finish within the grace period.
pub async fn serve(listener: TcpListener, state: AppState) -> anyhow::Result<()> {
    let limits = state.config.server_limits();
    serve_until(listener, router(state), limits, shutdown_signal()).await
}

/// Serves `app` until `shutdown` completes, then stops accepting and drains requests in flight.
pub async fn serve_until(
    listener: TcpListener,
    app: Router,
    limits: server::Limits,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!("Groundwork is listening on http://{addr}");
    server::serve(listener, app, limits, shutdown).await
}

async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
